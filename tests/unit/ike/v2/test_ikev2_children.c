/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Several CHILD SAs per IKE SA (RFC 7296 1.3.1): connections with more
 * than one CHILD SA template, the responder's choice of template by the
 * selectors, refusals, volume lifetimes (gw_ikev2_child_usage()), NAT
 * keepalives (RFC 3948 4) and the structured SA events. Two engines over
 * the shared mock network (ikev2_mock.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_test.h"
#include "ikev2_mock.h"

enum { EV_MAX = 64 };

/* What a node saw besides the mock's records. */
static struct {
	struct {
		enum gw_ikev2_event_type type;
		char child[GW_IKEV2_NAME_MAX];
		uint32_t spi_in, old_spi_in;
		char cause[128];
	} ev[EV_MAX];
	unsigned n_ev;
	unsigned keepalives;       /* single 0xFF datagrams sent */
} seen[2];

static struct node node_a, node_b;

static int
idx(void *ctx)
{
	return ctx == &node_a ? 0 : 1;
}

static void
ch_send(void *ctx, const struct gw_ikev2_endpoint *from,
	const struct gw_ikev2_endpoint *to, const uint8_t *buf, size_t len)
{
	/* Counted only on the NAT-T ports, where RFC 3948 wants them. */
	if (len == 1 && buf[0] == 0xff && from->port == 4500 &&
	    to->port == 4500)
		seen[idx(ctx)].keepalives++;
	mock_io.send(ctx, from, to, buf, len);
}

static void
ch_sa_event(void *ctx, const struct gw_ikev2_sa_event *ev)
{
	int k = idx(ctx);

	if (seen[k].n_ev >= EV_MAX)
		return;
	seen[k].ev[seen[k].n_ev].type = ev->type;
	snprintf(seen[k].ev[seen[k].n_ev].child, GW_IKEV2_NAME_MAX, "%s",
		 ev->child ? ev->child : "");
	seen[k].ev[seen[k].n_ev].spi_in = ev->spi_in;
	seen[k].ev[seen[k].n_ev].old_spi_in = ev->old_spi_in;
	snprintf(seen[k].ev[seen[k].n_ev].cause, 128, "%s",
		 ev->cause ? ev->cause : "");
	seen[k].n_ev++;
}

static struct gw_ikev2_io ch_io;

/* How many events of @p type node k saw (for @p child when not NULL). */
static unsigned
n_events(int k, enum gw_ikev2_event_type type, const char *child)
{
	unsigned n = 0;

	for (unsigned i = 0; i < seen[k].n_ev; i++)
		if (seen[k].ev[i].type == type &&
		    (!child || strcmp(seen[k].ev[i].child, child) == 0))
			n++;
	return n;
}

/* The cause of node k's first event of @p type, "" if none. */
static const char *
ev_cause(int k, enum gw_ikev2_event_type type)
{
	for (unsigned i = 0; i < seen[k].n_ev; i++)
		if (seen[k].ev[i].type == type)
			return seen[k].ev[i].cause;
	return "";
}

/* ------------------------------------------------------------- config */

struct tpl_def {
	const char *name, *ts_local, *ts_remote, *esp;
	uint8_t start;
	uint64_t bytes;
};

static int
make_tpl(struct gw_ikev2_child_cfg *t, const struct tpl_def *d)
{
	char err[GW_IKE_PROP_ERR_MAX];

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", d->name);
	if (gw_ike_proposal_list_parse(d->esp ? d->esp : "aes256gcm16",
				       GW_IKE_PROTO_ESP, 0, t->esp_proposals,
				       GW_IKE_PROP_MAX, &t->n_esp_proposals,
				       err, sizeof(err)) != 0 ||
	    gw_ikev2_ts_parse(d->ts_local, &t->local_ts[0]) != 0 ||
	    gw_ikev2_ts_parse(d->ts_remote, &t->remote_ts[0]) != 0)
		return -1;
	t->n_local_ts = t->n_remote_ts = 1;
	t->start_action = d->start;
	t->lifetime_bytes = d->bytes;
	return 0;
}

static const char *g_psk_b;    /* sun's PSK of the next setup(), if not the default */

static int
make_conn(struct gw_ikev2_conn *c, const char *id, const char *peer,
	  struct gw_addr local, struct gw_addr remote,
	  struct gw_ikev2_child_cfg *tpls, const struct tpl_def *defs,
	  size_t n, const char *psk)
{
	char err[GW_IKE_PROP_ERR_MAX];

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "gw");
	c->local.addr = local;
	c->local.port = 500;
	c->remote.addr = remote;
	c->remote.port = 500;
	if (gw_ike_proposal_list_parse("aes256gcm16-prfsha384-ecp384",
				       GW_IKE_PROTO_IKE, 0, c->proposals,
				       GW_IKE_PROP_MAX, &c->n_proposals, err,
				       sizeof(err)) != 0 ||
	    gw_ikev2_id_parse(id, &c->local_id) != 0 ||
	    gw_ikev2_id_parse(peer, &c->remote_id) != 0)
		return -1;
	c->psk_len = strlen(psk);
	memcpy(c->psk, psk, c->psk_len);
	c->tunnel = true;
	c->retransmit_base_ms = 1000;
	c->retransmit_tries = 3;
	for (size_t i = 0; i < n; i++)
		if (make_tpl(&tpls[i], &defs[i]) != 0)
			return -1;
	c->children = tpls;
	c->n_children = n;
	return 0;
}

/* Two engines: A (moon) with templates @p a, B (sun) with @p b. */
static int
setup(const struct tpl_def *a, size_t na, const struct tpl_def *b, size_t nb,
      bool nat)
{
	struct gw_ikev2_child_cfg ta[4], tb[4];
	struct gw_ikev2_conn ca, cb;
	struct gw_addr a_addr = v4(192, 0, 2, 1), b_addr = v4(198, 51, 100, 1);

	memset(&net, 0, sizeof(net));
	memset(seen, 0, sizeof(seen));
	net.corrupt_index = net.tamper_index = -1;
	net.verbose = getenv("IKEV2_VERBOSE") != NULL;
	memset(&node_a, 0, sizeof(node_a));
	memset(&node_b, 0, sizeof(node_b));
	node_a.name = "moon";
	node_b.name = "sun";
	if (nat) {
		net.nat = true;
		net.a_priv = v4(10, 9, 0, 2);
		net.nat_pub = v4(203, 0, 113, 5);
		a_addr = net.a_priv;
	}
	node_a.addr = a_addr;
	node_b.addr = b_addr;
	ch_io = mock_io;
	ch_io.send = ch_send;
	ch_io.sa_event = ch_sa_event;
	if (make_conn(&ca, "moon.example", "sun.example", a_addr, b_addr, ta,
		      a, na, "s3cret-psk-0123456789") != 0 ||
	    make_conn(&cb, "sun.example", "moon.example", b_addr,
		      nat ? net.nat_pub : a_addr, tb, b, nb,
		      g_psk_b ? g_psk_b : "s3cret-psk-0123456789") != 0)
		return -1;
	g_psk_b = NULL;
	/* The engine copies the templates: these go out of scope. */
	node_a.e = gw_ikev2_engine_new(&ch_io, &node_a, &ca, 1);
	node_b.e = gw_ikev2_engine_new(&ch_io, &node_b, &cb, 1);
	net.nodes[0] = &node_a;
	net.nodes[1] = &node_b;
	return node_a.e && node_b.e ? 0 : -1;
}

static void
teardown(void)
{
	gw_ikev2_engine_free(node_a.e);
	gw_ikev2_engine_free(node_b.e);
	node_a.e = node_b.e = NULL;
}

/* The installed child of @p n whose inbound SPI is the peer's outbound. */
static const struct gw_ikev2_child *
peer_of(const struct node *n, const struct gw_ikev2_child *c)
{
	for (unsigned i = 0; i < n->n_installs; i++)
		if (n->installs[i].spi_in == c->spi_out &&
		    n->installs[i].spi_out == c->spi_in)
			return &n->installs[i];
	return NULL;
}

static size_t
n_ike(const struct node *n)
{
	return gw_ikev2_list_ike_sas(n->e, NULL, 0);
}

/* Children now up on @p n (from the listing). */
static size_t
n_up(const struct node *n, struct gw_ikev2_child_sa_info *info, size_t max)
{
	return gw_ikev2_list_child_sas(n->e, info, max);
}

static const struct tpl_def moon_two[] = {
	{ "net1", "10.1.0.0/25", "10.2.0.0/25", NULL, GW_IKEV2_START_START, 0 },
	{ "net2", "10.1.0.128/25", "10.2.0.128/25", NULL, GW_IKEV2_START_START, 0 },
};
/* Sun lists them the other way round: its choice follows the selectors. */
static const struct tpl_def sun_two[] = {
	{ "upper", "10.2.0.128/25", "10.1.0.128/25", NULL, 0, 0 },
	{ "lower", "10.2.0.0/25", "10.1.0.0/25", NULL, 0, 0 },
};

/* ---------------------------------------------------------------- cases */

/* IKE_AUTH makes net1, CREATE_CHILD_SA net2; sun picks by selectors. */
static int
test_two_children(void)
{
	struct gw_ikev2_child_sa_info ia[8], ib[8];
	uint64_t now = 0;
	char buf[512];

	GW_CHECK_EQ(setup(moon_two, 2, sun_two, 2, false), 0);
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), 0);
	run(&now, 2000);
	GW_CHECK_EQ(node_a.n_installs, 2);
	GW_CHECK_EQ(node_b.n_installs, 2);
	GW_CHECK_EQ(n_up(&node_a, ia, 8), 2);
	GW_CHECK_EQ(n_up(&node_b, ib, 8), 2);
	for (unsigned i = 0; i < 2; i++) {
		const struct gw_ikev2_child *a = &node_a.installs[i];
		const struct gw_ikev2_child *b = peer_of(&node_b, a);
		char l[64], r[64];

		GW_CHECK(b != NULL, "no peer child for %08x", a->spi_in);
		GW_CHECK_EQ(strcmp(a->child, i ? "net2" : "net1"), 0);
		GW_CHECK_EQ(strcmp(b->child, i ? "upper" : "lower"), 0);
		GW_CHECK_MEM(&a->local_ts[0], &b->remote_ts[0],
			     sizeof(a->local_ts[0]));
		GW_CHECK_MEM(&a->remote_ts[0], &b->local_ts[0],
			     sizeof(a->remote_ts[0]));
		gw_ikev2_ts_format(&a->local_ts[0], l, sizeof(l));
		gw_ikev2_ts_format(&a->remote_ts[0], r, sizeof(r));
		GW_CHECK_EQ(strcmp(l, i ? "10.1.0.128/25" : "10.1.0.0/25"), 0);
		GW_CHECK_EQ(strcmp(r, i ? "10.2.0.128/25" : "10.2.0.0/25"), 0);
		GW_CHECK_EQ(a->encr, b->encr);
		GW_CHECK_MEM(a->out.enc_key, b->in.enc_key, a->out.enc_key_len);
		GW_CHECK_MEM(a->in.enc_key, b->out.enc_key, a->in.enc_key_len);
	}
	GW_CHECK(node_a.installs[0].spi_in != node_a.installs[1].spi_in,
		 "same SPI twice");
	GW_CHECK(strstr(node_a.log, "creating CHILD_SA net2"), "%s", node_a.log);
	/* The listings carry the names; the format shows them. */
	GW_CHECK(strcmp(ia[0].child, "net1") == 0 || strcmp(ia[1].child, "net1") == 0,
		 "%s %s", ia[0].child, ia[1].child);
	gw_ikev2_child_sa_format(&ib[0], buf, sizeof(buf));
	GW_CHECK(strncmp(buf, ib[0].child, strlen(ib[0].child)) == 0, "%s", buf);
	GW_CHECK_EQ(n_events(0, GW_IKEV2_EV_IKE_UP, NULL), 1);
	GW_CHECK_EQ(n_events(1, GW_IKEV2_EV_IKE_UP, NULL), 1);
	GW_CHECK_EQ(n_events(0, GW_IKEV2_EV_CHILD_UP, "net2"), 1);
	GW_CHECK_EQ(n_events(1, GW_IKEV2_EV_CHILD_UP, "upper"), 1);
	/* Up already: a second request is refused, not repeated. */
	GW_CHECK_EQ(gw_ikev2_initiate_child(node_a.e, "gw", "net2"), -EALREADY);
	GW_CHECK_EQ(gw_ikev2_initiate_child(node_a.e, "gw", "nope"), -ENOENT);
	/* Rekey and delete work per child: both rekeyed, one left each. */
	GW_CHECK_EQ(gw_ikev2_rekey_child(node_b.e, "gw"), 0);
	run(&now, 3000);
	GW_CHECK_EQ(n_up(&node_a, ia, 8), 2);
	GW_CHECK_EQ(n_up(&node_b, ib, 8), 2);
	GW_CHECK_EQ(n_events(1, GW_IKEV2_EV_CHILD_REKEYED, "upper"), 1);
	GW_CHECK_EQ(n_events(1, GW_IKEV2_EV_CHILD_REKEYED, "lower"), 1);
	GW_CHECK_EQ(n_events(0, GW_IKEV2_EV_CHILD_REKEYED, "net1"), 1);
	GW_CHECK_EQ(n_events(0, GW_IKEV2_EV_CHILD_DOWN, NULL), 0);
	GW_CHECK_EQ(gw_ikev2_terminate(node_a.e, "gw"), 0);
	run(&now, 2000);
	GW_CHECK_EQ(n_events(0, GW_IKEV2_EV_CHILD_DOWN, NULL), 2);
	GW_CHECK_EQ(n_events(1, GW_IKEV2_EV_IKE_DOWN, NULL), 1);
	teardown();
	return 0;
}

/* A child the responder has no template for: TS_UNACCEPTABLE, the IKE SA
 * and the other child stay. Then the same child requested later, on the
 * established IKE SA, with PFS. */
static int
test_refused_and_later(void)
{
	static const struct tpl_def a[] = {
		{ "net1", "10.1.0.0/25", "10.2.0.0/25", NULL, GW_IKEV2_START_START, 0 },
		{ "net3", "10.1.5.0/24", "10.2.5.0/24", NULL, GW_IKEV2_START_START, 0 },
		{ "net2", "10.1.0.128/25", "10.2.0.128/25",
		  "aes128gcm16-ecp256-modp2048", GW_IKEV2_START_TRAP, 0 },
	};
	static const struct tpl_def b[] = {
		{ "lower", "10.2.0.0/25", "10.1.0.0/25", NULL, 0, 0 },
		{ "upper", "10.2.0.0/24", "10.1.0.0/24", "aes128gcm16-modp2048",
		  0, 0 },
	};
	struct gw_ikev2_child_sa_info ia[8];
	uint64_t now = 0;

	GW_CHECK_EQ(setup(a, 3, b, 2, false), 0);
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), 0);
	run(&now, 2000);
	GW_CHECK_EQ(n_up(&node_a, ia, 8), 1);
	GW_CHECK_EQ(strcmp(ia[0].child, "net1"), 0);
	GW_CHECK(strstr(node_a.log, "CHILD_SA net3 not created: received TS_UNACCEPTABLE"),
		 "%s", node_a.log);
	GW_CHECK(strstr(node_b.log, "TS_UNACCEPTABLE"), "%s", node_b.log);
	GW_CHECK_EQ(n_events(0, GW_IKEV2_EV_FAILED, "net3"), 1);
	GW_CHECK_EQ(n_ike(&node_a), 1);
	/* A trap child: CREATE_CHILD_SA with a KE (PFS), in sun's wider
	 * template "upper" (10.2.0.0/24). Moon's KE is for its first group
	 * (ecp256), sun only takes modp2048: INVALID_KE, a retry. */
	GW_CHECK_EQ(gw_ikev2_initiate_child(node_a.e, "gw", "net2"), 0);
	GW_CHECK_EQ(gw_ikev2_initiate_child(node_a.e, "gw", "net2"), -EALREADY);
	run(&now, 2000);
	GW_CHECK_EQ(n_up(&node_a, ia, 8), 2);
	GW_CHECK_EQ(node_b.n_installs, 2);
	GW_CHECK_EQ(strcmp(node_b.installs[1].child, "upper"), 0);
	GW_CHECK(strstr(node_a.log, "CHILD_SA net2{1} established") &&
		 strstr(node_a.log, "(PFS)") &&
		 strstr(node_a.log, "peer wants DH group MODP_2048"), "%s",
		 node_a.log);
	{
		char l[64];

		gw_ikev2_ts_format(&node_b.installs[1].local_ts[0], l, sizeof(l));
		GW_CHECK_EQ(strcmp(l, "10.2.0.128/25"), 0);
	}
	GW_CHECK(peer_of(&node_b, &node_a.installs[1]) != NULL, "SPIs differ");
	teardown();
	return 0;
}

/* Without an IKE SA, gw_ikev2_initiate_child() makes one with that child
 * in IKE_AUTH (a trap), and only that child. */
static int
test_initiate_child_alone(void)
{
	struct gw_ikev2_child_sa_info ia[8];
	uint64_t now = 0;

	GW_CHECK_EQ(setup(moon_two, 2, sun_two, 2, false), 0);
	GW_CHECK_EQ(gw_ikev2_initiate_child(node_a.e, "gw", "net2"), 0);
	GW_CHECK_EQ(gw_ikev2_initiate_child(node_a.e, "gw", "net2"), -EALREADY);
	run(&now, 2000);
	GW_CHECK_EQ(n_up(&node_a, ia, 8), 1);
	GW_CHECK_EQ(strcmp(ia[0].child, "net2"), 0);
	GW_CHECK_EQ(strcmp(node_b.installs[0].child, "upper"), 0);
	GW_CHECK(!strstr(node_a.log, "CREATE_CHILD_SA"), "%s", node_a.log);
	teardown();
	return 0;
}

/* Volume lifetimes: no rekey below 85%, a rekey past 90%, and at 100% a
 * deletion at once (the peer is silent, so the rekey cannot help). */
static int
test_volume_lifetime(void)
{
	static const struct tpl_def a[] = {
		{ "net1", "10.1.0.0/25", "10.2.0.0/25", NULL, GW_IKEV2_START_START,
		  1000000 },
	};
	static const struct tpl_def b[] = {
		{ "lower", "10.2.0.0/25", "10.1.0.0/25", NULL, 0, 0 },
	};
	struct gw_ikev2_child_sa_info ia[4], ib[4];
	uint32_t spi0, spi1;
	uint64_t now = 0;

	GW_CHECK_EQ(setup(a, 1, b, 1, false), 0);
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), 0);
	run(&now, 2000);
	GW_CHECK_EQ(n_up(&node_a, ia, 4), 1);
	spi0 = ia[0].spi_in;
	GW_CHECK_EQ(gw_ikev2_child_usage(node_a.e, spi0, 849999, 700), 0);
	GW_CHECK_EQ(gw_ikev2_child_usage(node_a.e, 0x1234, 1, 1), -ENOENT);
	run(&now, 2000);
	GW_CHECK_EQ(node_a.n_installs, 1);
	GW_CHECK_EQ(gw_ikev2_child_usage(node_a.e, spi0, 900000, 800), 0);
	run(&now, 2000);
	GW_CHECK(strstr(node_a.log, "soft volume limit reached"), "%s", node_a.log);
	GW_CHECK_EQ(node_a.n_installs, 2);
	GW_CHECK_EQ(n_up(&node_a, ia, 4), 1);
	GW_CHECK_EQ(n_up(&node_b, ib, 4), 1);
	spi1 = ia[0].spi_in;
	GW_CHECK(spi1 != spi0, "not rekeyed");
	GW_CHECK_EQ(ib[0].spi_out, spi1);
	GW_CHECK_EQ(n_events(0, GW_IKEV2_EV_CHILD_REKEYED, "net1"), 1);
	GW_CHECK_EQ(seen[0].ev[seen[0].n_ev - 1].type, GW_IKEV2_EV_CHILD_REKEYED);
	GW_CHECK_EQ(seen[0].ev[seen[0].n_ev - 1].old_spi_in, spi0);
	/* The old one is gone: its counters no longer matter. */
	GW_CHECK_EQ(gw_ikev2_child_usage(node_a.e, spi0, 2000000, 1), -ENOENT);
	/* Hard limit on the new one with a silent peer. */
	net.mute[0] = net.mute[1] = true;
	GW_CHECK_EQ(gw_ikev2_child_usage(node_a.e, spi1, 1000000, 900), 0);
	GW_CHECK(strstr(node_a.log, "hard volume limit reached"), "%s", node_a.log);
	GW_CHECK_EQ(n_up(&node_a, ia, 4), 0);
	GW_CHECK_EQ(node_a.del_in[node_a.n_deletes - 1], spi1);
	GW_CHECK_EQ(n_events(0, GW_IKEV2_EV_CHILD_EXPIRED, "net1"), 1);
	GW_CHECK_EQ(n_events(0, GW_IKEV2_EV_CHILD_DOWN, NULL), 0);
	teardown();
	return 0;
}

static int
usage_fn(void *ctx, uint32_t spi_in, uint32_t spi_out, uint64_t *bytes,
	 uint64_t *packets)
{
	unsigned *calls = ctx;

	(void)spi_in, (void)spi_out;
	(*calls)++;
	*bytes = 950000;
	*packets = 1;
	return 0;
}

/* The poll asks only for children with a volume limit. */
static int
test_volume_poll(void)
{
	static const struct tpl_def a[] = {
		{ "net1", "10.1.0.0/25", "10.2.0.0/25", NULL, GW_IKEV2_START_START,
		  1000000 },
		{ "net2", "10.1.0.128/25", "10.2.0.128/25", NULL, GW_IKEV2_START_START, 0 },
	};
	unsigned calls = 0;
	uint64_t now = 0;

	GW_CHECK_EQ(setup(a, 2, sun_two, 2, false), 0);
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), 0);
	run(&now, 2000);
	GW_CHECK_EQ(node_a.n_installs, 2);
	gw_ikev2_poll_usage(node_a.e, usage_fn, &calls);
	GW_CHECK_EQ(calls, 1);
	run(&now, 2000);
	GW_CHECK_EQ(node_a.n_installs, 3);
	GW_CHECK_EQ(strcmp(node_a.installs[2].child, "net1"), 0);
	GW_CHECK_EQ(n_events(0, GW_IKEV2_EV_CHILD_REKEYED, "net1"), 1);
	teardown();
	return 0;
}

/* Keepalives: only the side behind the NAT sends them, on 4500, after
 * GW_IKEV2_KEEPALIVE_S of silence; the peer drops them quietly. */
static int
test_nat_keepalive(void)
{
	static const struct tpl_def b[] = {
		{ "lower", "10.2.0.0/25", "10.1.0.0/25", NULL, 0, 0 },
	};
	uint64_t now = 0;

	GW_CHECK_EQ(setup(moon_two, 1, b, 1, true), 0);
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), 0);
	run(&now, 2000);
	GW_CHECK_EQ(node_a.n_installs, 1);
	GW_CHECK(node_a.installs[0].encap, "no UDP encapsulation behind NAT");
	run(&now, 15000);
	GW_CHECK_EQ(seen[0].keepalives, 0);
	run(&now, 6000);           /* 23 s: one */
	GW_CHECK_EQ(seen[0].keepalives, 1);
	run(&now, 20000);          /* 43 s: two */
	GW_CHECK_EQ(seen[0].keepalives, 2);
	GW_CHECK_EQ(seen[1].keepalives, 0);
	GW_CHECK_EQ(n_ike(&node_b), 1);
	teardown();

	/* No NAT: none, even with encapsulation forced by nobody. */
	GW_CHECK_EQ(setup(moon_two, 1, b, 1, false), 0);
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), 0);
	run(&now, 60000);
	GW_CHECK_EQ(node_a.n_installs, 1);
	GW_CHECK_EQ(seen[0].keepalives + seen[1].keepalives, 0);
	teardown();
	return 0;
}

/* Failures report their cause: a wrong PSK, and an IKE_AUTH child the
 * responder has no template for. */
static int
test_failure_events(void)
{
	static const struct tpl_def b[] = {
		{ "other", "10.7.0.0/24", "10.8.0.0/24", NULL, 0, 0 },
	};
	uint64_t now = 0;

	g_psk_b = "another-psk-0123456789";
	GW_CHECK_EQ(setup(moon_two, 1, sun_two, 1, false), 0);
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), 0);
	run(&now, 2000);
	GW_CHECK_EQ(n_ike(&node_a) + n_ike(&node_b), 0);
	GW_CHECK_EQ(n_events(1, GW_IKEV2_EV_FAILED, NULL), 1);
	GW_CHECK(strstr(ev_cause(1, GW_IKEV2_EV_FAILED), "AUTHENTICATION_FAILED"),
		 "%s", ev_cause(1, GW_IKEV2_EV_FAILED));
	GW_CHECK_EQ(n_events(0, GW_IKEV2_EV_FAILED, NULL), 1);
	GW_CHECK_EQ(n_events(0, GW_IKEV2_EV_IKE_UP, NULL), 0);
	teardown();

	GW_CHECK_EQ(setup(moon_two, 1, b, 1, false), 0);
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), 0);
	run(&now, 2000);
	GW_CHECK_EQ(n_ike(&node_a), 1);
	GW_CHECK_EQ(node_a.n_installs + node_b.n_installs, 0);
	GW_CHECK_EQ(n_events(0, GW_IKEV2_EV_IKE_UP, NULL), 1);
	GW_CHECK_EQ(n_events(0, GW_IKEV2_EV_FAILED, "net1"), 1);
	GW_CHECK_EQ(strcmp(ev_cause(0, GW_IKEV2_EV_FAILED), "TS_UNACCEPTABLE"), 0);
	teardown();
	return 0;
}

static const struct gw_test_case cases[] = {
	{ "two_children", test_two_children },
	{ "refused_and_later", test_refused_and_later },
	{ "initiate_child_alone", test_initiate_child_alone },
	{ "volume_lifetime", test_volume_lifetime },
	{ "volume_poll", test_volume_poll },
	{ "nat_keepalive", test_nat_keepalive },
	{ "failure_events", test_failure_events },
	{ NULL, NULL },
};

static const struct gw_test_suite suite = {
	.name = "ikev2_children",
	.cases = cases,
};

GW_TEST_MAIN(&suite)
