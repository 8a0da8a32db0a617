/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 exchange tests: two engines in one process over a mock network
 * (a queue of datagrams that can drop, duplicate or NAT them) with a mock
 * installer recording the CHILD SAs, table-driven.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_ikev2.h"
#include "gw_test.h"
#include "ikev2_mock.h"

/* --------------------------------------------------------------- config */

struct side {
	const char *ike, *esp, *psk, *id, *peer_id, *ts_local, *ts_remote;
};

static int
make_conn(struct gw_ikev2_conn *c, const struct side *s, struct gw_addr local,
	  struct gw_addr remote)
{
	char err[GW_IKE_PROP_ERR_MAX];

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "gw");
	c->local.addr = local;
	c->local.port = 500;
	c->remote.addr = remote;
	c->remote.port = 500;
	if (gw_ike_proposal_list_parse(s->ike, GW_IKE_PROTO_IKE, 0, c->proposals,
				       GW_IKE_PROP_MAX, &c->n_proposals, err,
				       sizeof(err)) != 0 ||
	    gw_ike_proposal_list_parse(s->esp, GW_IKE_PROTO_ESP, 0,
				       c->esp_proposals, GW_IKE_PROP_MAX,
				       &c->n_esp_proposals, err,
				       sizeof(err)) != 0) {
		fprintf(stderr, "proposal: %s\n", err);
		return -1;
	}
	if (gw_ikev2_id_parse(s->id, &c->local_id) != 0 ||
	    gw_ikev2_id_parse(s->peer_id, &c->remote_id) != 0)
		return -1;
	c->psk_len = strlen(s->psk);
	memcpy(c->psk, s->psk, c->psk_len);
	if (gw_ikev2_ts_parse(s->ts_local, &c->local_ts[0]) != 0 ||
	    gw_ikev2_ts_parse(s->ts_remote, &c->remote_ts[0]) != 0)
		return -1;
	c->n_local_ts = c->n_remote_ts = 1;
	c->tunnel = true;
	c->retransmit_base_ms = 1000;
	c->retransmit_tries = 3;
	return 0;
}

static struct node node_a, node_b;

static const struct side moon_default = {
	"aes256gcm16-prfsha384-ecp384", "aes256gcm16", "s3cret-psk-0123456789",
	"moon.example", "sun.example", "10.2.0.0/16", "10.1.0.0/16",
};
static const struct side sun_default = {
	"aes256gcm16-prfsha384-ecp384", "aes256gcm16", "s3cret-psk-0123456789",
	"sun.example", "moon.example", "10.1.0.0/16", "10.2.0.0/16",
};

/* A side from the defaults with the non-NULL fields of @p o. */
static struct side
side_with(const struct side *def, const struct side *o)
{
	struct side s = *def;

	if (o->ike) s.ike = o->ike;
	if (o->esp) s.esp = o->esp;
	if (o->psk) s.psk = o->psk;
	if (o->id) s.id = o->id;
	if (o->peer_id) s.peer_id = o->peer_id;
	if (o->ts_local) s.ts_local = o->ts_local;
	if (o->ts_remote) s.ts_remote = o->ts_remote;
	return s;
}

/* Extras of the next setup_pair(): B gets a first conn "other" for another
 * peer ID, A sends IDr. */
static bool g_b_extra, g_a_send_idr, g_v6;
/* Changes both conns of the next setup_pair() (lifetimes, DPD). */
static void (*g_tweak)(struct gw_ikev2_conn *a, struct gw_ikev2_conn *b);
static struct gw_ikev2_conn g_conn_a; /* A's conn, to restart A */

static int
setup_pair(const struct side *a, const struct side *b, bool nat,
	   bool force_encap)
{
	struct gw_ikev2_conn ca, cb[2];
	struct side other = *b;
	struct gw_addr a_addr = v4(192, 0, 2, 1), b_addr = v4(198, 51, 100, 1);

	memset(&net, 0, sizeof(net));
	net.corrupt_index = -1;
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
	if (g_v6) {
		gw_addr_parse("2001:db8:a::1", &a_addr);
		gw_addr_parse("2001:db8:b::1", &b_addr);
	}
	node_a.addr = a_addr;
	node_b.addr = b_addr;
	other.peer_id = "carol@example.org";
	other.psk = "carols-psk-0123456789";
	if (make_conn(&ca, a, a_addr, b_addr) != 0 ||
	    make_conn(&cb[0], &other, b_addr, nat ? net.nat_pub : a_addr) != 0 ||
	    make_conn(&cb[1], b, b_addr, nat ? net.nat_pub : a_addr) != 0)
		return -1;
	snprintf(cb[0].name, sizeof(cb[0].name), "other");
	ca.force_encap = force_encap;
	ca.send_remote_id = g_a_send_idr;
	if (g_tweak) {
		g_tweak(&ca, &cb[1]);
		g_tweak = NULL;
	}
	g_conn_a = ca;
	node_a.e = gw_ikev2_engine_new(&mock_io, &node_a, &ca, 1);
	node_b.e = gw_ikev2_engine_new(&mock_io, &node_b,
				       g_b_extra ? &cb[0] : &cb[1],
				       g_b_extra ? 2 : 1);
	net.nodes[0] = &node_a;
	net.nodes[1] = &node_b;
	return node_a.e && node_b.e ? 0 : -1;
}

static void
teardown_pair(void)
{
	gw_ikev2_engine_free(node_a.e);
	gw_ikev2_engine_free(node_b.e);
	node_a.e = node_b.e = NULL;
}

static size_t
n_ike(struct node *n, struct gw_ikev2_ike_sa_info *info)
{
	struct gw_ikev2_ike_sa_info tmp[4];

	return gw_ikev2_list_ike_sas(n->e, info ? info : tmp, info ? 1 : 4);
}

static int
keys_equal(const struct gw_ike_esp_keys *x, const struct gw_ike_esp_keys *y)
{
	return x->enc_key_len && x->enc_key_len == y->enc_key_len &&
	       memcmp(x->enc_key, y->enc_key, x->enc_key_len) == 0 &&
	       x->salt_len == y->salt_len &&
	       memcmp(x->salt, y->salt, x->salt_len) == 0 &&
	       x->integ_key_len == y->integ_key_len &&
	       memcmp(x->integ_key, y->integ_key, x->integ_key_len) == 0;
}

/* Both sides hold matching CHILD SAs: A's outbound is B's inbound. */
static int
check_children_match(void)
{
	const struct gw_ikev2_child *a = &node_a.installs[0], *b = &node_b.installs[0];

	GW_CHECK_EQ(node_a.n_installs, 1);
	GW_CHECK_EQ(node_b.n_installs, 1);
	GW_CHECK_EQ(a->spi_out, b->spi_in);
	GW_CHECK_EQ(a->spi_in, b->spi_out);
	GW_CHECK(a->spi_in != a->spi_out, "SPIs %08x", a->spi_in);
	GW_CHECK(keys_equal(&a->out, &b->in), "A out keys != B in keys");
	GW_CHECK(keys_equal(&a->in, &b->out), "A in keys != B out keys");
	GW_CHECK(memcmp(a->out.enc_key, a->in.enc_key, a->out.enc_key_len) != 0,
		 "both directions share a key");
	GW_CHECK_EQ(a->encr, b->encr);
	GW_CHECK_EQ(a->encr_key_bits, b->encr_key_bits);
	GW_CHECK_EQ(a->integ, b->integ);
	GW_CHECK_EQ(a->encap, b->encap);
	GW_CHECK_EQ(a->n_local_ts, b->n_remote_ts);
	GW_CHECK_EQ(a->n_remote_ts, b->n_local_ts);
	GW_CHECK_MEM(&a->local_ts[0], &b->remote_ts[0], sizeof(a->local_ts[0]));
	GW_CHECK_MEM(&a->remote_ts[0], &b->local_ts[0], sizeof(a->remote_ts[0]));
	return 0;
}

/* ---------------------------------------------------- exchange table */

enum outcome {
	UP,                        /* IKE SA and CHILD SA on both sides */
	IKE_ONLY,                  /* IKE SA up on both sides, no CHILD SA */
	NONE,                      /* nothing on either side */
	B_UNDONE,                  /* responder established, then told to go */
};

struct ex_case {
	const char *name;
	struct side a, b;          /* overrides of the defaults */
	uint64_t drop, dup;
	bool nat, force_encap;
	bool b_extra, a_send_idr, v6;
	enum outcome want;
	const char *ike_prop;      /* chosen IKE proposal, strongSwan syntax */
	uint16_t esp_encr;
	uint16_t esp_bits;
	uint16_t esp_integ;        /* non-AEAD ESP: integrity transform */
	bool esn;
	bool encap;
	const char *log_a, *log_b; /* substrings the logs must hold */
	const char *a_remote_ts;   /* A's CHILD SA remote selector after narrowing */
};

static const struct ex_case ex_cases[] = {
	{ .name = "aes256gcm16-prfsha384-ecp384",
	  .want = UP, .ike_prop = "aes256gcm16-prfsha384-ecp384",
	  .esp_encr = GW_IKE_ENCR_AES_GCM_16, .esp_bits = 256,
	  .log_a = "established with SPIs", .log_b = "IKE_SA gw[1] established" },
	{ .name = "aes128-sha256-modp2048",
	  .a = { .ike = "aes128-sha256-modp2048", .esp = "aes128gcm16" },
	  .b = { .ike = "aes128-sha256-modp2048", .esp = "aes128gcm16" },
	  .want = UP, .ike_prop = "aes128-sha256-prfsha256-modp2048",
	  .esp_encr = GW_IKE_ENCR_AES_GCM_16, .esp_bits = 128 },
	{ .name = "chacha20poly1305-prfsha256-curve25519",
	  .a = { .ike = "chacha20poly1305-prfsha256-curve25519" },
	  .b = { .ike = "chacha20poly1305-prfsha256-curve25519" },
	  .want = UP, .ike_prop = "chacha20poly1305-prfsha256-curve25519",
	  .esp_encr = GW_IKE_ENCR_AES_GCM_16, .esp_bits = 256 },
	{ .name = "aes128gcm16-prfsha256-ecp256",
	  .a = { .ike = "aes128gcm16-prfsha256-ecp256", .esp = "aes128gcm16" },
	  .b = { .ike = "aes128gcm16-prfsha256-ecp256", .esp = "aes256gcm16,aes128gcm16" },
	  .want = UP, .ike_prop = "aes128gcm16-prfsha256-ecp256",
	  .esp_encr = GW_IKE_ENCR_AES_GCM_16, .esp_bits = 128 },
	{ .name = "ESP aes128-sha256 (integrity keys), ESN",
	  .a = { .esp = "aes128-sha256-esn" },
	  .b = { .esp = "aes128-sha256-esn-noesn" },
	  .want = UP, .ike_prop = "aes256gcm16-prfsha384-ecp384",
	  .esp_encr = GW_IKE_ENCR_AES_CBC, .esp_bits = 128,
	  .esp_integ = GW_IKE_INTEG_HMAC_SHA2_256_128, .esn = true },
	{ .name = "responder picks from several proposals",
	  .a = { .ike = "aes128-sha256-modp2048,aes256gcm16-prfsha384-ecp384" },
	  .b = { .ike = "aes256gcm16-prfsha384-ecp384" },
	  .want = UP, .ike_prop = "aes256gcm16-prfsha384-ecp384",
	  .esp_encr = GW_IKE_ENCR_AES_GCM_16, .esp_bits = 256,
	  .log_a = "peer didn't accept DH group MODP_2048, it requested ECP_384" },
	{ .name = "INVALID_KE_PAYLOAD retry",
	  .a = { .ike = "aes128gcm16-prfsha256-ecp256-curve25519" },
	  .b = { .ike = "aes128gcm16-prfsha256-curve25519" },
	  .want = UP, .ike_prop = "aes128gcm16-prfsha256-curve25519",
	  .esp_encr = GW_IKE_ENCR_AES_GCM_16, .esp_bits = 256,
	  .log_a = "peer didn't accept DH group ECP_256, it requested CURVE_25519",
	  .log_b = "DH group ECP_256 in KE unacceptable, requesting CURVE_25519" },
	{ .name = "INVALID_KE_PAYLOAD retry, first request duplicated",
	  .a = { .ike = "aes128gcm16-prfsha256-ecp256-curve25519" },
	  .b = { .ike = "aes128gcm16-prfsha256-curve25519" },
	  .dup = 1u << 0,
	  .want = UP, .ike_prop = "aes128gcm16-prfsha256-curve25519",
	  .esp_encr = GW_IKE_ENCR_AES_GCM_16, .esp_bits = 256,
	  .log_a = "peer didn't accept DH group ECP_256, it requested CURVE_25519" },
	{ .name = "NO_PROPOSAL_CHOSEN (IKE)",
	  .a = { .ike = "aes128-sha256-modp2048" },
	  .b = { .ike = "aes256gcm16-prfsha384-ecp384" },
	  .want = NONE,
	  .log_a = "received NO_PROPOSAL_CHOSEN notify, peer accepted none of IKE:aes128-sha256-prfsha256-modp2048",
	  .log_b = "no acceptable IKE proposal" },
	{ .name = "NO_PROPOSAL_CHOSEN (ESP)",
	  .a = { .esp = "aes128gcm16" }, .b = { .esp = "aes256gcm16" },
	  .want = IKE_ONLY, .ike_prop = "aes256gcm16-prfsha384-ecp384",
	  .log_a = "received NO_PROPOSAL_CHOSEN notify, no CHILD_SA built",
	  .log_b = "no acceptable ESP proposal" },
	{ .name = "wrong PSK",
	  .a = { .psk = "not-the-right-psk-0000" },
	  .want = NONE,
	  .log_a = "received AUTHENTICATION_FAILED notify",
	  .log_b = "AUTH payload mismatch (wrong PSK?)" },
	{ .name = "responder: identity mismatch",
	  .b = { .peer_id = "carol@example.org" },
	  .want = NONE,
	  .log_a = "received AUTHENTICATION_FAILED notify",
	  .log_b = "identity mismatch: peer is moon.example, connection expects carol@example.org" },
	{ .name = "initiator: identity mismatch",
	  .a = { .peer_id = "192.0.2.99" },
	  .want = B_UNDONE,
	  .log_a = "identity mismatch: peer is sun.example, connection expects 192.0.2.99",
	  .log_b = "peer failed to authenticate us (AUTHENTICATION_FAILED), deleting IKE_SA" },

	{ .name = "responder picks the connection by IDi, IDr hint",
	  .b_extra = true, .a_send_idr = true,
	  .want = UP, .ike_prop = "aes256gcm16-prfsha384-ecp384",
	  .esp_encr = GW_IKE_ENCR_AES_GCM_16, .esp_bits = 256,
	  .log_b = "switching to connection gw" },
	{ .name = "IDr hint names someone else",
	  .a = { .peer_id = "sun2.example" }, .a_send_idr = true,
	  .want = NONE,
	  .log_a = "received AUTHENTICATION_FAILED notify",
	  .log_b = "identity mismatch: peer wants us as sun2.example, we are sun.example" },
	{ .name = "IPv6 endpoints and selectors, narrowed",
	  .v6 = true,
	  .a = { .ts_local = "2001:db8:2::/48", .ts_remote = "2001:db8::/32",
		 .id = "2001:db8:a::1" },
	  .b = { .ts_local = "2001:db8:1::/48", .ts_remote = "2001:db8:2::/48",
		 .peer_id = "2001:db8:a::1" },
	  .want = UP, .ike_prop = "aes256gcm16-prfsha384-ecp384",
	  .esp_encr = GW_IKE_ENCR_AES_GCM_16, .esp_bits = 256,
	  .a_remote_ts = "2001:db8:1::/48" },
	{ .name = "TS narrowing",
	  .a = { .ts_remote = "10.0.0.0/8" }, .b = { .ts_local = "10.1.0.0/24" },
	  .want = UP, .ike_prop = "aes256gcm16-prfsha384-ecp384",
	  .esp_encr = GW_IKE_ENCR_AES_GCM_16, .esp_bits = 256,
	  .a_remote_ts = "10.1.0.0/24" },
	{ .name = "TS narrowing to a range",
	  .a = { .ts_remote = "10.1.0.0/16" }, .b = { .ts_local = "10.1.0.10-10.1.0.20" },
	  .want = UP, .ike_prop = "aes256gcm16-prfsha384-ecp384",
	  .esp_encr = GW_IKE_ENCR_AES_GCM_16, .esp_bits = 256,
	  .a_remote_ts = "10.1.0.10..10.1.0.20" },
	{ .name = "TS_UNACCEPTABLE",
	  .a = { .ts_remote = "10.1.0.0/16" }, .b = { .ts_local = "192.168.0.0/24" },
	  .want = IKE_ONLY, .ike_prop = "aes256gcm16-prfsha384-ecp384",
	  .log_a = "received TS_UNACCEPTABLE notify",
	  .log_b = "traffic selectors unacceptable: peer proposed TSi 10.2.0.0/16 TSr 10.1.0.0/16, we allow 10.2.0.0/16 === 192.168.0.0/24" },
	{ .name = "lost IKE_SA_INIT request",
	  .drop = 1u << 0, .want = UP, .ike_prop = "aes256gcm16-prfsha384-ecp384",
	  .esp_encr = GW_IKE_ENCR_AES_GCM_16, .esp_bits = 256,
	  .log_a = "retransmit 1 of IKE_SA_INIT request 0" },
	{ .name = "lost IKE_SA_INIT response",
	  .drop = 1u << 1, .want = UP, .ike_prop = "aes256gcm16-prfsha384-ecp384",
	  .esp_encr = GW_IKE_ENCR_AES_GCM_16, .esp_bits = 256,
	  .log_b = "IKE_SA_INIT request retransmitted, resending response" },
	{ .name = "lost IKE_AUTH response",
	  .drop = 1u << 3, .want = UP, .ike_prop = "aes256gcm16-prfsha384-ecp384",
	  .esp_encr = GW_IKE_ENCR_AES_GCM_16, .esp_bits = 256,
	  .log_a = "retransmit 1 of IKE_AUTH request 1",
	  .log_b = "IKE_AUTH request 1 retransmitted, resending response" },
	{ .name = "duplicated IKE_AUTH request",
	  .dup = 1u << 2, .want = UP, .ike_prop = "aes256gcm16-prfsha384-ecp384",
	  .esp_encr = GW_IKE_ENCR_AES_GCM_16, .esp_bits = 256,
	  .log_a = "unexpected IKE_AUTH response 1 (expecting 2): ignored",
	  .log_b = "IKE_AUTH request 1 retransmitted, resending response" },
	{ .name = "NAT: float to 4500",
	  .nat = true, .want = UP, .ike_prop = "aes256gcm16-prfsha384-ecp384",
	  .esp_encr = GW_IKE_ENCR_AES_GCM_16, .esp_bits = 256, .encap = true,
	  .log_a = "local host is behind NAT", .log_b = "remote host is behind NAT" },
	{ .name = "forced encapsulation",
	  .force_encap = true, .want = UP, .ike_prop = "aes256gcm16-prfsha384-ecp384",
	  .esp_encr = GW_IKE_ENCR_AES_GCM_16, .esp_bits = 256, .encap = true,
	  .log_a = "switching to port 4500" },
	{ .name = "IKE_AUTH never arrives: both sides time out",
	  .drop = ~0ull << 2, .want = NONE,
	  .log_a = "timeout: IKE_AUTH request 1 unanswered after 3 retransmits",
	  .log_b = "half-open IKE_SA timed out waiting for IKE_AUTH" },
	{ .name = "peer unreachable: timeout",
	  .drop = ~0ull, .want = NONE,
	  .log_a = "timeout: IKE_SA_INIT request 0 unanswered after 3 retransmits" },
};

static int
run_case(const struct ex_case *tc)
{
	struct side a = side_with(&moon_default, &tc->a);
	struct side b = side_with(&sun_default, &tc->b);
	struct gw_ikev2_ike_sa_info ia, ib;
	uint64_t now = 0;
	char line[512];
	int rc = 0;

	g_b_extra = tc->b_extra;
	g_v6 = tc->v6;
	g_a_send_idr = tc->a_send_idr;
	GW_CHECK_EQ(setup_pair(&a, &b, tc->nat, tc->force_encap), 0);
	g_b_extra = g_a_send_idr = g_v6 = false;
	net.drop_mask = tc->drop;
	net.dup_mask = tc->dup;
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), 0);
	run(&now, 30000);

	switch (tc->want) {
	case UP:
	case IKE_ONLY:
		GW_CHECK_EQ(n_ike(&node_a, &ia), 1);
		GW_CHECK_EQ(n_ike(&node_b, &ib), 1);
		GW_CHECK_EQ(ia.state, GW_IKEV2_STATE_ESTABLISHED);
		GW_CHECK_EQ(ib.state, GW_IKEV2_STATE_ESTABLISHED);
		GW_CHECK(strcmp(ia.proposal, tc->ike_prop) == 0, "A: %s", ia.proposal);
		GW_CHECK(strcmp(ib.proposal, tc->ike_prop) == 0, "B: %s", ib.proposal);
		GW_CHECK_EQ(ia.spi_i, ib.spi_i);
		GW_CHECK_EQ(ia.spi_r, ib.spi_r);
		GW_CHECK(strcmp(ia.remote_id, b.id) == 0, "%s", ia.remote_id);
		GW_CHECK(strcmp(ib.remote_id, a.id) == 0, "%s", ib.remote_id);
		GW_CHECK(strcmp(ib.conn, "gw") == 0, "%s", ib.conn);
		if (net.verbose) {
			gw_ikev2_ike_sa_format(&ia, line, sizeof(line));
			printf("  %s\n", line);
		}
		break;
	case NONE:
		GW_CHECK_EQ(n_ike(&node_a, NULL), 0);
		GW_CHECK_EQ(n_ike(&node_b, NULL), 0);
		break;
	case B_UNDONE:
		GW_CHECK_EQ(n_ike(&node_a, NULL), 0);
		GW_CHECK_EQ(n_ike(&node_b, NULL), 0);
		GW_CHECK_EQ(node_b.n_deletes, 1);
		break;
	}
	if (tc->want == UP) {
		struct gw_ikev2_child_sa_info ci;

		rc = check_children_match();
		if (rc)
			goto out;
		GW_CHECK_EQ(node_a.installs[0].encr, tc->esp_encr);
		GW_CHECK_EQ(node_a.installs[0].encr_key_bits, tc->esp_bits);
		GW_CHECK_EQ(node_a.installs[0].in.enc_key_len, tc->esp_bits / 8);
		GW_CHECK_EQ(node_a.installs[0].in.salt_len, tc->esp_integ ? 0 : 4);
		GW_CHECK_EQ(node_a.installs[0].integ, tc->esp_integ);
		GW_CHECK_EQ(node_a.installs[0].in.integ_key_len > 0, tc->esp_integ != 0);
		GW_CHECK_EQ(node_a.installs[0].esn, tc->esn);
		GW_CHECK_EQ(node_a.installs[0].encap, tc->encap);
		GW_CHECK_EQ(gw_ikev2_list_child_sas(node_a.e, &ci, 1), 1);
		GW_CHECK_EQ(ci.spi_in, node_a.installs[0].spi_in);
		if (tc->a_remote_ts)
			GW_CHECK(strcmp(ci.remote_ts, tc->a_remote_ts) == 0,
				 "A remote TS %s", ci.remote_ts);
		if (net.verbose) {
			gw_ikev2_child_sa_format(&ci, line, sizeof(line));
			printf("  %s\n", line);
		}
		if (tc->nat || tc->force_encap) {
			GW_CHECK_EQ(node_a.installs[0].local.port, 4500);
			GW_CHECK_EQ(node_b.installs[0].local.port, 4500);
		}
	} else {
		GW_CHECK_EQ(node_a.n_installs, 0);
		GW_CHECK_EQ(node_b.n_installs, tc->want == B_UNDONE ? 1u : 0u);
	}
	GW_CHECK(!tc->log_a || strstr(node_a.log, tc->log_a),
		 "A's log lacks \"%s\":\n%s", tc->log_a, node_a.log);
	GW_CHECK(!tc->log_b || strstr(node_b.log, tc->log_b),
		 "B's log lacks \"%s\":\n%s", tc->log_b, node_b.log);
out:
	teardown_pair();
	return rc;
}

static int
test_exchanges(void)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(ex_cases) / sizeof(ex_cases[0]); i++) {
		int rc = run_case(&ex_cases[i]);

		failed += mock_report(rc, teardown_pair, "%s", ex_cases[i].name);
	}
	return failed;
}

/* ------------------------------------------------------------- deletes */

struct del_case {
	const char *name;
	int by;                    /* 0: A, 1: B */
	bool child_only;
	bool ping_first;
	bool drop_response;        /* the Delete's response is lost */
};

static const struct del_case del_cases[] = {
	{ "initiator deletes IKE SA", 0, false, true, false },
	{ "responder deletes IKE SA", 1, false, false, false },
	{ "initiator deletes CHILD SA", 0, true, false, false },
	{ "responder deletes CHILD SA", 1, true, true, false },
	{ "IKE delete, response lost", 0, false, false, true },
};

static int
run_del(const struct del_case *tc)
{
	uint64_t now = 0;
	struct node *by = tc->by ? &node_b : &node_a;
	struct node *peer = tc->by ? &node_a : &node_b;
	struct gw_ikev2_ike_sa_info info;

	GW_CHECK_EQ(setup_pair(&moon_default, &sun_default, false, false), 0);
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), 0);
	run(&now, 1000);
	GW_CHECK_EQ(check_children_match(), 0);
	if (tc->ping_first) {
		unsigned sent = net.sent;

		GW_CHECK_EQ(gw_ikev2_ping(by->e, "gw"), 0);
		run(&now, 1000);
		GW_CHECK_EQ(net.sent, sent + 2);
	}
	if (tc->drop_response)
		net.drop_mask = 1ull << (net.sent + 1);
	if (tc->child_only)
		GW_CHECK_EQ(gw_ikev2_terminate_child(by->e, "gw"), 0);
	else
		GW_CHECK_EQ(gw_ikev2_terminate(by->e, "gw"), 0);
	run(&now, 30000);
	GW_CHECK_EQ(by->n_deletes, 1);
	GW_CHECK_EQ(peer->n_deletes, 1);
	GW_CHECK_EQ(by->del_in[0], by->installs[0].spi_in);
	GW_CHECK_EQ(by->del_out[0], by->installs[0].spi_out);
	GW_CHECK_EQ(peer->del_in[0], by->installs[0].spi_out);
	GW_CHECK_EQ(gw_ikev2_list_child_sas(by->e, NULL, 0), 0);
	GW_CHECK_EQ(gw_ikev2_list_child_sas(peer->e, NULL, 0), 0);
	if (tc->child_only) {
		GW_CHECK_EQ(n_ike(by, &info), 1);
		GW_CHECK_EQ(info.state, GW_IKEV2_STATE_ESTABLISHED);
		GW_CHECK_EQ(n_ike(peer, NULL), 1);
	} else {
		GW_CHECK_EQ(n_ike(by, NULL), 0);
		GW_CHECK_EQ(n_ike(peer, NULL), 0);
		GW_CHECK(strstr(peer->log, "received DELETE for IKE_SA"), "%s",
			 peer->log);
	}
	GW_CHECK_EQ(gw_ikev2_terminate(by->e, "nonexistent"), -2);
	teardown_pair();
	return 0;
}

/*
 * Damaged datagrams: every truncation and single-byte change of each
 * message of a good exchange, fed to the engine it was meant for in the
 * state it would have met it in. Nothing may crash or establish twice; an
 * engine that saw garbage still completes the exchange afterwards.
 */
static int
test_damaged(void)
{
	struct dgram cap[4];
	uint64_t now = 0;

	GW_CHECK_EQ(setup_pair(&moon_default, &sun_default, false, false), 0);
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), 0);
	run(&now, 1000);
	GW_CHECK_EQ(net.n_cap, 4);
	memcpy(cap, net.cap, sizeof(cap));
	teardown_pair();

	for (unsigned k = 0; k < 4; k++) {
		const struct dgram *d = &cap[k];
		/* k = 0, 2: requests to B; 1, 3: responses to A (unknown SPIs
		 * here: a fresh pair never sent those requests). */
		GW_CHECK_EQ(setup_pair(&moon_default, &sun_default, false, false), 0);
		for (size_t len = 0; len < d->len; len += 7)
			gw_ikev2_input(k % 2 ? node_a.e : node_b.e, &d->from,
				       &d->to, d->buf, len);
		for (size_t i = 0; i < d->len; i++) {
			uint8_t b[GW_IKEV2_MSG_MAX];

			memcpy(b, d->buf, d->len);
			b[i] ^= (uint8_t)(1u << (i % 8));
			gw_ikev2_input(k % 2 ? node_a.e : node_b.e, &d->from,
				       &d->to, b, d->len);
		}
		net.n = 0;         /* forget what the garbage provoked */
		GW_CHECK_EQ(node_b.n_installs, 0);
		GW_CHECK(n_ike(&node_b, NULL) <= 16, "SAs piled up");
		teardown_pair();
	}
	return 0;
}

/*
 * A bit flipped anywhere in the (authenticated) IKE_AUTH request or
 * response: the receiver drops it, the retransmit gets through.
 */
static int
test_corrupted_auth(void)
{
	for (int idx = 2; idx <= 3; idx++) {
		size_t len = 0;

		for (size_t byte = 0; byte == 0 || byte < len; byte++) {
			uint64_t now = 0;

			GW_CHECK_EQ(setup_pair(&moon_default, &sun_default, false,
					       false), 0);
			net.corrupt_index = idx;
			net.corrupt_byte = byte;
			GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), 0);
			run(&now, 8000);
			len = net.cap[idx].len;
			if (check_children_match() != 0) {
				fprintf(stderr, "datagram %d byte %zu\n", idx, byte);
				return -1;
			}
			teardown_pair();
		}
	}
	return 0;
}

/*
 * A responder under load answers with a COOKIE (RFC 7296 2.6): here a fake
 * one; the retry must carry it first, with KE and nonce unchanged, and the
 * real responder completes the exchange from the retry.
 */
static int
test_cookie(void)
{
	static const uint8_t cookie[] = "cookie-0123456789";
	struct gw_ike_msg m0, m1;
	struct gw_ike_writer w;
	struct gw_ikev2_endpoint b_ep, a_ep;
	uint8_t buf[256];
	size_t len;
	uint64_t now = 0;

	GW_CHECK_EQ(setup_pair(&moon_default, &sun_default, false, false), 0);
	net.drop_mask = 1;
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), 0);
	pump();
	GW_CHECK_EQ(net.n_cap, 1);
	GW_CHECK_EQ(gw_ike_msg_parse(net.cap[0].buf, net.cap[0].len, &m0, NULL), 0);
	{
		struct gw_ike_hdr h = {
			.spi_i = m0.hdr.spi_i, .exchange = GW_IKE_EXCH_IKE_SA_INIT,
			.flags = GW_IKE_FLAG_R,
		};

		gw_ike_wr_init(&w, buf, sizeof(buf), &h);
		gw_ike_wr_notify(&w, 0, NULL, 0, GW_IKE_N_COOKIE, cookie,
				 sizeof(cookie));
		GW_CHECK_EQ(gw_ike_wr_finish(&w, &len), 0);
	}
	a_ep = net.cap[0].from;
	b_ep = net.cap[0].to;
	gw_ikev2_input(node_a.e, &b_ep, &a_ep, buf, len);
	run(&now, 1000);
	GW_CHECK(net.n_cap >= 2, "no retry");
	GW_CHECK_EQ(gw_ike_msg_parse(net.cap[1].buf, net.cap[1].len, &m1, NULL), 0);
	GW_CHECK_EQ(m1.payloads[0].type, GW_IKE_PL_NOTIFY);
	GW_CHECK_EQ(m1.notify[0].type, GW_IKE_N_COOKIE);
	GW_CHECK_EQ(m1.notify[0].len, sizeof(cookie));
	GW_CHECK_MEM(m1.notify[0].data, cookie, sizeof(cookie));
	GW_CHECK_EQ(m1.hdr.spi_i, m0.hdr.spi_i);
	GW_CHECK_EQ(m1.nonce.len, m0.nonce.len);
	GW_CHECK_MEM(m1.nonce.data, m0.nonce.data, m0.nonce.len);
	GW_CHECK_EQ(m1.ke.len, m0.ke.len);
	GW_CHECK_MEM(m1.ke.data, m0.ke.data, m0.ke.len);
	GW_CHECK_EQ(check_children_match(), 0);
	GW_CHECK(strstr(node_a.log, "received COOKIE"), "%s", node_a.log);
	teardown_pair();
	return 0;
}

/* The initiator restarts (state lost); INITIAL_CONTACT clears the old SA. */
static int
test_restart(void)
{
	uint64_t now = 0;
	const struct gw_ikev2_child *a, *b;

	GW_CHECK_EQ(setup_pair(&moon_default, &sun_default, false, false), 0);
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), 0);
	run(&now, 1000);
	GW_CHECK_EQ(check_children_match(), 0);
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), -EALREADY);
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "nonexistent"), -ENOENT);
	gw_ikev2_engine_free(node_a.e);
	node_a.e = gw_ikev2_engine_new(&mock_io, &node_a, &g_conn_a, 1);
	GW_CHECK(node_a.e != NULL, "engine");
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), 0);
	run(&now, 1000);
	GW_CHECK_EQ(n_ike(&node_b, NULL), 1);
	GW_CHECK_EQ(node_b.n_installs, 2);
	GW_CHECK_EQ(node_b.n_deletes, 1);
	GW_CHECK_EQ(node_b.del_in[0], node_b.installs[0].spi_in);
	a = &node_a.installs[1];
	b = &node_b.installs[1];
	GW_CHECK_EQ(a->spi_out, b->spi_in);
	GW_CHECK_EQ(a->spi_in, b->spi_out);
	GW_CHECK(strstr(node_b.log, "INITIAL_CONTACT: deleting stale IKE_SA gw[1]"),
		 "%s", node_b.log);
	teardown_pair();
	return 0;
}

static int
test_deletes(void)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(del_cases) / sizeof(del_cases[0]); i++) {
		int rc = run_del(&del_cases[i]);

		failed += mock_report(rc, teardown_pair, "%s", del_cases[i].name);
	}
	return failed;
}

/* --------------------------------------------------- helpers: IDs, TS */

static int
test_ids(void)
{
	static const struct {
		const char *in;
		uint8_t type;
		uint8_t len;
		const char *out;
	} t[] = {
		{ "192.0.2.1", GW_IKE_ID_IPV4_ADDR, 4, "192.0.2.1" },
		{ "2001:db8::1", GW_IKE_ID_IPV6_ADDR, 16, "2001:db8::1" },
		{ "@moon.example", GW_IKE_ID_FQDN, 12, "moon.example" },
		{ "moon.example", GW_IKE_ID_FQDN, 12, "moon.example" },
		{ "carol@example.org", GW_IKE_ID_RFC822_ADDR, 17, "carol@example.org" },
		{ "keyid:0a0b0c", GW_IKE_ID_KEY_ID, 3, "keyid:0a0b0c" },
	};
	char buf[300];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct gw_ikev2_id id;

		GW_CHECK(gw_ikev2_id_parse(t[i].in, &id) == 0, "%s", t[i].in);
		GW_CHECK_EQ(id.type, t[i].type);
		GW_CHECK_EQ(id.len, t[i].len);
		gw_ikev2_id_format(&id, buf, sizeof(buf));
		GW_CHECK(strcmp(buf, t[i].out) == 0, "%s -> %s", t[i].in, buf);
	}
	return 0;
}

static int
test_ts(void)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "10.0.0.0/8", "10.0.0.0/8" },
		{ "10.1.2.3", "10.1.2.3/32" },
		{ "0.0.0.0/0", "0.0.0.0/0" },
		{ "10.0.0.5-10.0.0.9", "10.0.0.5..10.0.0.9" },
		{ "2001:db8::/32", "2001:db8::/32" },
	};
	char buf[128];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct gw_ike_ts ts;

		GW_CHECK(gw_ikev2_ts_parse(t[i].in, &ts) == 0, "%s", t[i].in);
		gw_ikev2_ts_format(&ts, buf, sizeof(buf));
		GW_CHECK(strcmp(buf, t[i].out) == 0, "%s -> %s", t[i].in, buf);
	}
	return 0;
}

/* ------------------------------------------------------------ rekeying */

/* The one child each side lists: A's outbound is B's inbound, and the
 * keys of the last install of each SPI pair match. */
static int
check_one_child(void)
{
	struct gw_ikev2_child_sa_info ca, cb;
	const struct gw_ikev2_child *ia = NULL, *ib = NULL;

	GW_CHECK_EQ(gw_ikev2_list_child_sas(node_a.e, &ca, 1), 1);
	GW_CHECK_EQ(gw_ikev2_list_child_sas(node_b.e, &cb, 1), 1);
	GW_CHECK_EQ(ca.spi_in, cb.spi_out);
	GW_CHECK_EQ(ca.spi_out, cb.spi_in);
	for (unsigned i = 0; i < node_a.n_installs; i++)
		if (node_a.installs[i].spi_in == ca.spi_in)
			ia = &node_a.installs[i];
	for (unsigned i = 0; i < node_b.n_installs; i++)
		if (node_b.installs[i].spi_in == cb.spi_in)
			ib = &node_b.installs[i];
	GW_CHECK(ia && ib, "listed children never installed");
	GW_CHECK(keys_equal(&ia->out, &ib->in), "A out keys != B in keys");
	GW_CHECK(keys_equal(&ia->in, &ib->out), "A in keys != B out keys");
	GW_CHECK(memcmp(ia->out.enc_key, ia->in.enc_key, ia->out.enc_key_len) != 0,
		 "both directions share a key");
	return 0;
}

/* Index of installer call @p op for @p spi in n's log, -1 if none. */
static int
op_index(const struct node *n, char op, uint32_t spi)
{
	for (unsigned i = 0; i < n->n_ops; i++)
		if (n->ops[i].op == op && n->ops[i].spi_in == spi)
			return (int)i;
	return -1;
}

/* Every deleted child of n was installed, and its successor (the next
 * install) before it was deleted. */
static int
check_make_before_break(const struct node *n)
{
	for (unsigned i = 0; i < n->n_ops; i++) {
		int inst;

		if (n->ops[i].op != 'D')
			continue;
		inst = op_index(n, 'I', n->ops[i].spi_in);
		GW_CHECK(inst >= 0 && (unsigned)inst < i, "%s: %08x deleted, not installed",
			 n->name, n->ops[i].spi_in);
		while (++inst < (int)i && n->ops[inst].op != 'I')
			;
		GW_CHECK(inst < (int)i,
			 "%s: %08x deleted before its successor was installed",
			 n->name, n->ops[i].spi_in);
	}
	return 0;
}

/* From the first install on, n always has a child installed: no gap in
 * protection, whatever got replaced or was redundant. */
static int
check_never_empty(const struct node *n)
{
	int live = 0;

	for (unsigned i = 0; i < n->n_ops; i++) {
		live += n->ops[i].op == 'I' ? 1 : -1;
		GW_CHECK(live > 0, "%s: no child installed after op %u", n->name, i);
	}
	return 0;
}

static int
up(uint64_t *now)
{
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), 0);
	run(now, 1000);
	GW_CHECK_EQ(check_children_match(), 0);
	return 0;
}

struct rekey_case {
	const char *name;
	const char *esp;           /* both sides */
	bool by_b;                 /* the responder of IKE_AUTH rekeys */
	bool pfs;
	uint64_t drop;             /* relative to the rekey's first datagram */
	const char *esp_b;         /* B's ESP proposals when not esp */
	const char *log_a;         /* a substring A's log must hold */
};

static const struct rekey_case rekey_cases[] = {
	{ "by initiator, no PFS", "aes256gcm16", false, false, 0 },
	{ "by responder, no PFS", "aes256gcm16", true, false, 0 },
	{ "by initiator, PFS ecp384", "aes256gcm16-ecp384", false, true, 0 },
	{ "by responder, PFS modp2048", "aes128-sha256-modp2048", true, true, 0 },
	{ "request lost", "aes256gcm16", false, false, 1 },
	{ "response lost", "aes256gcm16-ecp384", false, true, 2 },
	{ "PFS after INVALID_KE_PAYLOAD", "aes256gcm16-ecp384-modp3072",
	  false, true, 0, "aes256gcm16-modp3072",
	  "peer wants DH group MODP_3072" },
};

static int
run_rekey(const struct rekey_case *tc)
{
	struct side o = { .esp = tc->esp };
	struct side ob = { .esp = tc->esp_b ? tc->esp_b : tc->esp };
	struct side a = side_with(&moon_default, &o);
	struct side b = side_with(&sun_default, &ob);
	struct node *by = tc->by_b ? &node_b : &node_a;
	uint64_t now = 0;

	GW_CHECK_EQ(setup_pair(&a, &b, false, false), 0);
	GW_CHECK_EQ(up(&now), 0);
	for (int round = 1; round <= 2; round++) {
		net.drop_mask = tc->drop << net.sent;
		GW_CHECK_EQ(gw_ikev2_rekey_child(by->e, "gw"), 0);
		run(&now, 20000);
		GW_CHECK_EQ(check_one_child(), 0);
		GW_CHECK_EQ(node_a.n_installs, 1u + round);
		GW_CHECK_EQ(node_b.n_installs, 1u + round);
		GW_CHECK_EQ(node_a.n_deletes, (unsigned)round);
		GW_CHECK_EQ(node_b.n_deletes, (unsigned)round);
		/* The old child went on both sides, the new one stays. */
		GW_CHECK_EQ(node_a.del_in[round - 1],
			    node_a.installs[round - 1].spi_in);
		GW_CHECK_EQ(node_b.del_in[round - 1],
			    node_b.installs[round - 1].spi_in);
		GW_CHECK(node_a.installs[round].spi_in !=
			 node_a.installs[round - 1].spi_in, "SPI reused");
		GW_CHECK_EQ(check_make_before_break(&node_a), 0);
		GW_CHECK_EQ(check_make_before_break(&node_b), 0);
		for (int k = 0; k < 2; k++) {
			struct node *n = k ? &node_b : &node_a;

			GW_CHECK(op_index(n, 'I', n->installs[round].spi_in) <
				 op_index(n, 'D', n->installs[round - 1].spi_in),
				 "%s: old child deleted before the new one was installed",
				 n->name);
		}
		GW_CHECK_EQ(n_ike(&node_a, NULL), 1);
		GW_CHECK_EQ(n_ike(&node_b, NULL), 1);
	}
	GW_CHECK(!tc->pfs == !strstr(node_a.log, "(PFS)"), "A PFS: %s", node_a.log);
	GW_CHECK(!tc->pfs == !strstr(node_b.log, "(PFS)"), "B PFS: %s", node_b.log);
	GW_CHECK(!tc->pfs || memcmp(&node_a.installs[1].in, &node_a.installs[2].in,
				    sizeof(node_a.installs[1].in)) != 0, "same keys");
	GW_CHECK(!tc->log_a || strstr(node_a.log, tc->log_a), "A's log lacks %s:\n%s",
		 tc->log_a, node_a.log);
	GW_CHECK_EQ(gw_ikev2_rekey_child(node_a.e, "nonexistent"), -ENOENT);
	teardown_pair();
	return 0;
}

/* IKE SA rekey: new SPIs, the child survives, later exchanges work. */
static int
run_rekey_ike(bool by_b, bool pfs)
{
	struct side o = { .esp = pfs ? "aes256gcm16-ecp384" : NULL,
			  .ike = "aes128-sha256-modp2048" };
	struct side a = side_with(&moon_default, &o);
	struct side b = side_with(&sun_default, &o);
	struct node *by = by_b ? &node_b : &node_a;
	struct gw_ikev2_ike_sa_info i0, ia, ib;
	uint64_t now = 0;

	GW_CHECK_EQ(setup_pair(&a, &b, false, false), 0);
	GW_CHECK_EQ(up(&now), 0);
	GW_CHECK_EQ(n_ike(&node_a, &i0), 1);
	GW_CHECK_EQ(gw_ikev2_rekey_ike(by->e, "gw"), 0);
	run(&now, 5000);
	GW_CHECK_EQ(n_ike(&node_a, &ia), 1);
	GW_CHECK_EQ(n_ike(&node_b, &ib), 1);
	GW_CHECK_EQ(ia.state, GW_IKEV2_STATE_ESTABLISHED);
	GW_CHECK_EQ(ib.state, GW_IKEV2_STATE_ESTABLISHED);
	GW_CHECK_EQ(ia.spi_i, ib.spi_i);
	GW_CHECK_EQ(ia.spi_r, ib.spi_r);
	GW_CHECK(ia.spi_i != i0.spi_i && ia.spi_r != i0.spi_r, "same SPIs");
	GW_CHECK(ia.id != i0.id, "same IKE SA");
	GW_CHECK_EQ(ia.initiator, !by_b);
	GW_CHECK_EQ(ia.n_children, 1);
	GW_CHECK_EQ(ib.n_children, 1);
	GW_CHECK(strcmp(ia.remote_id, "sun.example") == 0, "%s", ia.remote_id);
	GW_CHECK_EQ(node_a.n_deletes, 0);
	GW_CHECK_EQ(node_b.n_deletes, 0);
	GW_CHECK_EQ(check_one_child(), 0);
	/* The new IKE SA carries a CHILD SA rekey, a second IKE rekey, a ping. */
	GW_CHECK_EQ(gw_ikev2_rekey_child(node_a.e, "gw"), 0);
	run(&now, 5000);
	GW_CHECK_EQ(check_one_child(), 0);
	GW_CHECK_EQ(node_a.n_installs, 2);
	GW_CHECK_EQ(node_b.n_deletes, 1);
	GW_CHECK_EQ(gw_ikev2_rekey_ike(node_b.e, "gw"), 0);
	run(&now, 5000);
	GW_CHECK_EQ(n_ike(&node_a, &ia), 1);
	GW_CHECK_EQ(n_ike(&node_b, &ib), 1);
	GW_CHECK_EQ(ia.spi_i, ib.spi_i);
	GW_CHECK_EQ(ia.n_children, 1);
	GW_CHECK_EQ(gw_ikev2_ping(node_a.e, "gw"), 0);
	run(&now, 5000);
	GW_CHECK(strstr(node_a.log, "peer is alive"), "%s", node_a.log);
	GW_CHECK_EQ(check_one_child(), 0);
	GW_CHECK_EQ(gw_ikev2_terminate(node_a.e, "gw"), 0);
	run(&now, 5000);
	GW_CHECK_EQ(n_ike(&node_a, NULL), 0);
	GW_CHECK_EQ(n_ike(&node_b, NULL), 0);
	GW_CHECK_EQ(node_a.n_deletes, 2);
	GW_CHECK_EQ(node_b.n_deletes, 2);
	teardown_pair();
	return 0;
}

static int
test_rekey(void)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(rekey_cases) / sizeof(rekey_cases[0]); i++) {
		int rc = run_rekey(&rekey_cases[i]);

		failed += mock_report(rc, teardown_pair, "child rekey %s",
				      rekey_cases[i].name);
	}
	for (int i = 0; i < 4; i++) {
		int rc = run_rekey_ike(i & 1, i & 2);

		failed += mock_report(rc, teardown_pair, "IKE rekey by %s%s",
				      i & 1 ? "responder" : "initiator", i & 2 ? ", PFS" : "");
	}
	return failed;
}

/* RFC 7296 2.8.1 and 2.25: both peers rekey at once, or one deletes. */
enum coll_kind {
	COLL_CHILD,                /* both rekey the CHILD SA */
	COLL_IKE,                  /* both rekey the IKE SA */
	COLL_CHILD_DELETE,         /* A rekeys the child, B deletes it */
	COLL_IKE_DELETE,           /* A rekeys the IKE SA, B deletes it */
	COLL_CHILD_IKE,            /* A rekeys the child, B the IKE SA */
};

static int
run_collision(enum coll_kind kind, bool pfs)
{
	struct side o = { .esp = pfs ? "aes256gcm16-ecp384" : NULL };
	struct side a = side_with(&moon_default, &o);
	struct side b = side_with(&sun_default, &o);
	struct gw_ikev2_ike_sa_info i0, ia, ib;
	uint64_t now = 0;

	GW_CHECK_EQ(setup_pair(&a, &b, false, false), 0);
	GW_CHECK_EQ(up(&now), 0);
	GW_CHECK_EQ(n_ike(&node_a, &i0), 1);
	switch (kind) {
	case COLL_CHILD:
		GW_CHECK_EQ(gw_ikev2_rekey_child(node_a.e, "gw"), 0);
		GW_CHECK_EQ(gw_ikev2_rekey_child(node_b.e, "gw"), 0);
		break;
	case COLL_IKE:
		GW_CHECK_EQ(gw_ikev2_rekey_ike(node_a.e, "gw"), 0);
		GW_CHECK_EQ(gw_ikev2_rekey_ike(node_b.e, "gw"), 0);
		break;
	case COLL_CHILD_DELETE:
		GW_CHECK_EQ(gw_ikev2_rekey_child(node_a.e, "gw"), 0);
		GW_CHECK_EQ(gw_ikev2_terminate_child(node_b.e, "gw"), 0);
		break;
	case COLL_IKE_DELETE:
		GW_CHECK_EQ(gw_ikev2_rekey_ike(node_a.e, "gw"), 0);
		GW_CHECK_EQ(gw_ikev2_terminate(node_b.e, "gw"), 0);
		break;
	case COLL_CHILD_IKE:
		GW_CHECK_EQ(gw_ikev2_rekey_child(node_a.e, "gw"), 0);
		GW_CHECK_EQ(gw_ikev2_rekey_ike(node_b.e, "gw"), 0);
		break;
	}
	run(&now, 20000);
	if (kind == COLL_IKE_DELETE) {
		GW_CHECK_EQ(n_ike(&node_a, NULL), 0);
		GW_CHECK_EQ(n_ike(&node_b, NULL), 0);
		GW_CHECK_EQ(node_a.n_deletes, node_a.n_installs);
		GW_CHECK_EQ(node_b.n_deletes, node_b.n_installs);
		teardown_pair();
		return 0;
	}
	GW_CHECK_EQ(n_ike(&node_a, &ia), 1);
	GW_CHECK_EQ(n_ike(&node_b, &ib), 1);
	GW_CHECK_EQ(ia.spi_i, ib.spi_i);
	GW_CHECK_EQ(ia.spi_r, ib.spi_r);
	GW_CHECK_EQ(ia.state, GW_IKEV2_STATE_ESTABLISHED);
	GW_CHECK_EQ(ib.state, GW_IKEV2_STATE_ESTABLISHED);
	if (kind == COLL_CHILD_DELETE) {
		GW_CHECK_EQ(gw_ikev2_list_child_sas(node_a.e, NULL, 0), 0);
		GW_CHECK_EQ(gw_ikev2_list_child_sas(node_b.e, NULL, 0), 0);
		GW_CHECK_EQ(node_a.n_deletes, node_a.n_installs);
		GW_CHECK_EQ(node_b.n_deletes, node_b.n_installs);
		teardown_pair();
		return 0;
	}
	GW_CHECK_EQ(check_one_child(), 0);
	GW_CHECK_EQ(ia.n_children, 1);
	GW_CHECK_EQ(ib.n_children, 1);
	GW_CHECK_EQ(node_a.n_installs - node_a.n_deletes, 1);
	GW_CHECK_EQ(node_b.n_installs - node_b.n_deletes, 1);
	for (int k = 0; k < 2; k++) {
		struct node *n = k ? &node_b : &node_a;
		struct gw_ikev2_child_sa_info ci;

		/* The survivor was in before the original child went. */
		GW_CHECK_EQ(gw_ikev2_list_child_sas(n->e, &ci, 1), 1);
		GW_CHECK(ci.spi_in == n->installs[0].spi_in ||
			 op_index(n, 'I', ci.spi_in) <
			 op_index(n, 'D', n->installs[0].spi_in),
			 "%s: break before make", n->name);
	}
	GW_CHECK_EQ(check_never_empty(&node_a), 0);
	GW_CHECK_EQ(check_never_empty(&node_b), 0);
	if (kind == COLL_CHILD) {
		GW_CHECK_EQ(node_a.n_installs, 3);
		GW_CHECK_EQ(node_b.n_installs, 3);
		GW_CHECK(strstr(node_a.log, "CHILD_SA rekey collision") &&
			 strstr(node_b.log, "CHILD_SA rekey collision"), "%s",
			 node_a.log);
	}
	if (kind == COLL_IKE) {
		GW_CHECK(ia.spi_i != i0.spi_i, "IKE SA not rekeyed");
		GW_CHECK(strstr(node_a.log, "IKE_SA rekey collision") &&
			 strstr(node_b.log, "IKE_SA rekey collision"), "%s",
			 node_a.log);
		GW_CHECK_EQ(node_a.n_deletes, 0);
		GW_CHECK_EQ(node_b.n_deletes, 0);
	}
	if (kind == COLL_CHILD_IKE) {
		/* B's IKE rekey met A's request in flight: TEMPORARY_FAILURE
		 * (2.25), and B tries again 10-30 s later, then succeeds */
		GW_CHECK(strstr(node_b.log, "IKE_SA rekey failed: received TEMPORARY_FAILURE"),
			 "%s", node_b.log);
		GW_CHECK(strstr(node_b.log, "IKE_SA rekey again in"), "%s", node_b.log);
		run(&now, 31000);
		GW_CHECK_EQ(n_ike(&node_a, &ia), 1);
		GW_CHECK_EQ(n_ike(&node_b, &ib), 1);
		GW_CHECK(ia.spi_i != i0.spi_i, "IKE SA not rekeyed by the second try");
		GW_CHECK_EQ(ia.spi_i, ib.spi_i);
		GW_CHECK_EQ(check_one_child(), 0);
	}
	/* Whatever survived still works. */
	GW_CHECK_EQ(gw_ikev2_rekey_child(node_b.e, "gw"), 0);
	run(&now, 5000);
	GW_CHECK_EQ(check_one_child(), 0);
	GW_CHECK_EQ(node_a.n_installs - node_a.n_deletes, 1);
	teardown_pair();
	return 0;
}

static int
test_collisions(void)
{
	static const struct {
		const char *name;
		enum coll_kind kind;
		bool pfs;
	} t[] = {
		{ "simultaneous CHILD_SA rekeys", COLL_CHILD, false },
		{ "simultaneous CHILD_SA rekeys, PFS", COLL_CHILD, true },
		{ "simultaneous IKE_SA rekeys", COLL_IKE, false },
		{ "CHILD_SA rekey vs. CHILD_SA delete", COLL_CHILD_DELETE, false },
		{ "IKE_SA rekey vs. IKE_SA delete", COLL_IKE_DELETE, false },
		{ "CHILD_SA rekey vs. IKE_SA rekey", COLL_CHILD_IKE, false },
	};
	int failed = 0;

	/* Nonces are random: several rounds let either side win. */
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = 0;

		for (int round = 0; round < 8 && !rc; round++)
			rc = run_collision(t[i].kind, t[i].pfs);
		failed += mock_report(rc, teardown_pair, "%s", t[i].name);
	}
	return failed;
}

/* ------------------------------------------------- lifetimes and DPD */

static uint8_t g_dpd_action;

static void
tweak_lifetimes(struct gw_ikev2_conn *a, struct gw_ikev2_conn *b)
{
	a->child_lifetime_s = b->child_lifetime_s = 60;
	a->ike_lifetime_s = b->ike_lifetime_s = 200;
}

/* Soft lifetimes drive rekeys through gw_ikev2_tick() alone. */
static int
run_lifetimes(void)
{
	struct gw_ikev2_ike_sa_info i0, ia, ib;
	uint64_t now = 0;

	g_tweak = tweak_lifetimes;
	GW_CHECK_EQ(setup_pair(&moon_default, &sun_default, false, false), 0);
	GW_CHECK_EQ(up(&now), 0);
	GW_CHECK_EQ(n_ike(&node_a, &i0), 1);
	/* what show ike-sa / child-sa report: time to rekey and expiry */
	GW_CHECK(i0.rekey_in_s >= 170 && i0.rekey_in_s <= 200, "IKE rekey in %lld",
		 (long long)i0.rekey_in_s);
	{
		struct gw_ikev2_child_sa_info ci;

		GW_CHECK_EQ(gw_ikev2_list_child_sas(node_a.e, &ci, 1), 1);
		GW_CHECK(ci.rekey_in_s >= 50 && ci.rekey_in_s <= 60, "rekey in %lld",
			 (long long)ci.rekey_in_s);
		GW_CHECK(ci.expire_in_s >= 60 && ci.expire_in_s <= 66, "expires in %lld",
			 (long long)ci.expire_in_s);
		GW_CHECK_EQ(ci.life_bytes, 0);
	}
	run(&now, 50000);          /* before 54 s (60 s less 10%): nothing */
	GW_CHECK_EQ(node_a.n_installs, 1);
	GW_CHECK_EQ(node_b.n_installs, 1);
	run(&now, 12000);          /* at 62 s: rekeyed, old one gone */
	GW_CHECK_EQ(check_one_child(), 0);
	GW_CHECK(node_a.n_installs >= 2, "A: %u installs", node_a.n_installs);
	GW_CHECK_EQ(node_a.n_installs - node_a.n_deletes, 1);
	GW_CHECK_EQ(node_b.n_installs - node_b.n_deletes, 1);
	GW_CHECK(strstr(node_a.log, "lifetime reached, rekeying") ||
		 strstr(node_b.log, "lifetime reached, rekeying"), "%s",
		 node_a.log);
	run(&now, 160000);         /* 222 s: IKE SA rekeyed, children twice more */
	GW_CHECK_EQ(n_ike(&node_a, &ia), 1);
	GW_CHECK_EQ(n_ike(&node_b, &ib), 1);
	GW_CHECK(ia.spi_i != i0.spi_i, "IKE SA not rekeyed");
	GW_CHECK_EQ(ia.spi_i, ib.spi_i);
	GW_CHECK_EQ(ia.n_children, 1);
	GW_CHECK_EQ(check_one_child(), 0);
	GW_CHECK(node_a.n_installs >= 4, "A: %u installs", node_a.n_installs);
	GW_CHECK_EQ(node_a.n_installs - node_a.n_deletes, 1);
	GW_CHECK(!strstr(node_a.log, "hard lifetime") &&
		 !strstr(node_b.log, "hard lifetime"), "%s", node_a.log);
	GW_CHECK_EQ(check_never_empty(&node_a), 0);
	GW_CHECK_EQ(check_never_empty(&node_b), 0);
	teardown_pair();
	return 0;
}

/* A child that cannot be rekeyed (the peer is silent) is deleted at 110%. */
static int
run_hard_expiry(void)
{
	uint64_t now = 0;

	g_tweak = tweak_lifetimes;
	GW_CHECK_EQ(setup_pair(&moon_default, &sun_default, false, false), 0);
	GW_CHECK_EQ(up(&now), 0);
	net.mute[0] = net.mute[1] = true;
	run(&now, 67000);
	GW_CHECK(strstr(node_a.log, "hard lifetime reached"), "%s", node_a.log);
	GW_CHECK_EQ(node_a.n_deletes, 1);
	GW_CHECK_EQ(gw_ikev2_list_child_sas(node_a.e, NULL, 0), 0);
	teardown_pair();
	return 0;
}

static void
tweak_dpd(struct gw_ikev2_conn *a, struct gw_ikev2_conn *b)
{
	(void)b;
	a->dpd_delay_s = 10;
	a->dpd_timeout_s = 30;
	a->dpd_action = g_dpd_action;
}

static int
run_dpd(uint8_t action)
{
	struct gw_ikev2_ike_sa_info ia;
	uint64_t now = 0;
	unsigned sent;

	g_dpd_action = action;
	g_tweak = tweak_dpd;
	GW_CHECK_EQ(setup_pair(&moon_default, &sun_default, false, false), 0);
	GW_CHECK_EQ(up(&now), 0);
	/* A live peer answers the checks. */
	sent = net.sent;
	run(&now, 25000);
	GW_CHECK(net.sent >= sent + 4, "no DPD exchange: %u", net.sent - sent);
	GW_CHECK_EQ(n_ike(&node_a, NULL), 1);
	GW_CHECK(!strstr(node_a.log, "DPD: peer dead"), "%s", node_a.log);
	/* Then it goes silent: dead within delay + timeout. */
	net.mute[1] = true;
	for (uint64_t t0 = now; !strstr(node_a.log, "DPD: peer dead") &&
	     now - t0 <= 10000 + 30000 + 1000;)
		run(&now, 500);
	GW_CHECK(strstr(node_a.log, "DPD: peer dead"), "%s", node_a.log);
	GW_CHECK_EQ(node_a.n_deletes, 1);
	GW_CHECK_EQ(node_a.del_in[0], node_a.installs[0].spi_in);
	GW_CHECK_EQ(gw_ikev2_list_child_sas(node_a.e, NULL, 0), 0);
	if (action != GW_IKEV2_DPD_RESTART) {
		GW_CHECK_EQ(n_ike(&node_a, NULL), 0);
		teardown_pair();
		return 0;
	}
	GW_CHECK_EQ(n_ike(&node_a, &ia), 1);
	GW_CHECK_EQ(ia.state, GW_IKEV2_STATE_CONNECTING);
	net.mute[1] = false;
	run(&now, 20000);
	GW_CHECK_EQ(n_ike(&node_a, &ia), 1);
	GW_CHECK_EQ(ia.state, GW_IKEV2_STATE_ESTABLISHED);
	GW_CHECK_EQ(gw_ikev2_list_child_sas(node_a.e, NULL, 0), 1);
	GW_CHECK_EQ(node_a.n_installs, 2);
	teardown_pair();
	return 0;
}

/* IKE SA hard lifetime: never rekeyed (no rekey time), deleted at it. */
static void
tweak_ike_hard(struct gw_ikev2_conn *a, struct gw_ikev2_conn *b)
{
	a->ike_lifetime_s = b->ike_lifetime_s = 0;
	a->ike_hard_lifetime_s = 50;
}

static int
run_ike_hard_lifetime(void)
{
	uint64_t now = 0;

	g_tweak = tweak_ike_hard;
	GW_CHECK_EQ(setup_pair(&moon_default, &sun_default, false, false), 0);
	GW_CHECK_EQ(up(&now), 0);
	run(&now, 45000);
	GW_CHECK_EQ(n_ike(&node_a, NULL), 1);
	GW_CHECK_EQ(n_ike(&node_b, NULL), 1);
	run(&now, 10000);
	GW_CHECK(strstr(node_a.log, "IKE_SA hard lifetime reached, deleting"), "%s", node_a.log);
	GW_CHECK_EQ(n_ike(&node_a, NULL), 0);
	GW_CHECK_EQ(n_ike(&node_b, NULL), 0);
	GW_CHECK_EQ(node_a.n_deletes, node_a.n_installs);
	GW_CHECK_EQ(node_b.n_deletes, node_b.n_installs);
	teardown_pair();
	return 0;
}

/* ------------------------------------------------------- keyingtries */

static uint32_t g_keyingtries;

static void
tweak_keyingtries(struct gw_ikev2_conn *a, struct gw_ikev2_conn *b)
{
	(void)b;
	a->keyingtries = g_keyingtries;
	a->retransmit_base_ms = 500;   /* an attempt gives up after 0.5 + 1 s */
	a->retransmit_tries = 1;
}

static unsigned
count_in(const char *log, const char *what)
{
	unsigned n = 0;

	for (const char *p = log; (p = strstr(p, what)) != NULL; p++)
		n++;
	return n;
}

/*
 * keyingtries (swanctl): a silent peer costs exactly that many attempts,
 * 2, 4 ... s apart, then the initiator gives up; forever keeps trying and
 * gets through once the peer answers.
 */
static int
run_keyingtries(uint32_t tries)
{
	struct gw_ikev2_ike_sa_info ia;
	uint64_t now = 0;

	g_keyingtries = tries;
	g_tweak = tweak_keyingtries;
	GW_CHECK_EQ(setup_pair(&moon_default, &sun_default, false, false), 0);
	net.mute[1] = true;
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), 0);
	run(&now, 60000);
	if (tries != GW_IKEV2_KEYINGTRIES_FOREVER) {
		GW_CHECK_EQ(count_in(node_a.log, "initiating IKE_SA"), tries);
		GW_CHECK_EQ(count_in(node_a.log, "failed, next in"), tries - 1);
		GW_CHECK(strstr(node_a.log, "giving up after 3 attempts"), "%s", node_a.log);
		GW_CHECK_EQ(n_ike(&node_a, NULL), 0);
		run(&now, 120000);     /* and nothing after */
		GW_CHECK_EQ(count_in(node_a.log, "initiating IKE_SA"), tries);
		teardown_pair();
		return 0;
	}
	GW_CHECK(count_in(node_a.log, "initiating IKE_SA") >= 5, "%s", node_a.log);
	GW_CHECK(!strstr(node_a.log, "giving up after"), "%s", node_a.log);
	net.mute[1] = false;
	run(&now, 65000);          /* the backoff is at most 60 s */
	GW_CHECK_EQ(n_ike(&node_a, &ia), 1);
	GW_CHECK_EQ(ia.state, GW_IKEV2_STATE_ESTABLISHED);
	GW_CHECK_EQ(gw_ikev2_list_child_sas(node_a.e, NULL, 0), 1);
	teardown_pair();
	return 0;
}

static int
test_lifetimes_dpd(void)
{
	static const char *const names[] = { "DPD clear", "DPD restart",
					     "DPD trap" };
	int failed = 0, rc;

	rc = run_lifetimes();
	failed += mock_report(rc, teardown_pair, "lifetime-driven CHILD_SA and IKE_SA rekeys");
	rc = run_hard_expiry();
	failed += mock_report(rc, teardown_pair, "CHILD_SA hard lifetime");
	for (uint8_t act = 0; act <= GW_IKEV2_DPD_TRAP; act++) {
		rc = run_dpd(act);
		failed += mock_report(rc, teardown_pair, "%s", names[act]);
	}
	rc = run_ike_hard_lifetime();
	failed += mock_report(rc, teardown_pair, "IKE_SA hard lifetime");
	for (int forever = 0; forever <= 1; forever++) {
		rc = run_keyingtries(forever ? GW_IKEV2_KEYINGTRIES_FOREVER : 3);
		failed += mock_report(rc, teardown_pair, "keyingtries %s",
				      forever ? "forever" : "3");
	}
	return failed;
}

/* ------------------------------------------------------------------
 * Responder cookies and the half-open cap (RFC 7296 2.6). A third engine
 * C, sharing A's address but never ticked, leaves one half-open IKE SA on
 * B (B's answer reaches A, which drops it as unknown); then A connects.
 * Datagrams: 0 C's INIT, 1 B's answer, 2 A's INIT, 3 B's reply (COOKIE
 * or SA), 4 A's retry with the cookie, ...
 */
struct rcookie_case {
	const char *name;
	struct gw_ikev2_limits lim;    /* B's */
	uint64_t drop;
	int corrupt;                   /* datagram whose byte 40 (in the
					* cookie's hash) is flipped; -1: none */
	bool up;                       /* A ends up with an IKE and CHILD SA */
	uint64_t cookies_sent, cookies_invalid, half_open_dropped;
	uint64_t init_requests;        /* B's count of new IKE_SA_INITs */
};

static const struct rcookie_case rcookie_cases[] = {
	{ "below the threshold: no cookie", { 2, 0, 0 }, 0, -1, true, 0, 0, 0, 2 },
	{ "at the threshold: COOKIE, the retry is accepted", { 1, 0, 0 }, 0, -1,
	  true, 1, 0, 0, 3 },
	{ "cookie of the previous secret still accepted", { 1, 0, 800 }, 1u << 4,
	  -1, true, 1, 0, 0, 3 },
	{ "cookie two secrets old: a new COOKIE, then up", { 1, 0, 400 }, 1u << 4,
	  -1, true, 2, 1, 0, 4 },
	{ "wrong cookie: answered with a COOKIE, retransmit accepted", { 1, 0, 0 },
	  0, 4, true, 2, 1, 0, 4 },
	{ "half_open_max: IKE_SA_INIT dropped, no cookies", { 0, 1, 0 }, 0, -1,
	  false, 0, 0, 4, 5 },
};

static struct node node_c;

static int
run_rcookie(const struct rcookie_case *tc)
{
	struct gw_ikev2_conn cc;
	struct gw_ikev2_stats st;
	struct gw_ikev2_ike_sa_info ia;
	uint64_t now = 0;

	GW_CHECK_EQ(setup_pair(&moon_default, &sun_default, false, false), 0);
	memset(&node_c, 0, sizeof(node_c));
	node_c.name = "carol";
	node_c.addr = node_a.addr;
	GW_CHECK_EQ(make_conn(&cc, &moon_default, node_a.addr, node_b.addr), 0);
	node_c.e = gw_ikev2_engine_new(&mock_io, &node_c, &cc, 1);
	GW_CHECK(node_c.e != NULL, "engine C");
	gw_ikev2_set_limits(node_b.e, &tc->lim);
	net.drop_mask = tc->drop;
	net.corrupt_index = tc->corrupt;
	net.corrupt_byte = 40;
	GW_CHECK_EQ(gw_ikev2_initiate(node_c.e, "gw"), 0);
	pump();
	gw_ikev2_get_stats(node_b.e, &st);
	GW_CHECK_EQ(st.half_open, 1);
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), 0);
	run(&now, 20000);
	gw_ikev2_get_stats(node_b.e, &st);
	GW_CHECK_EQ(st.cookies_sent, tc->cookies_sent);
	GW_CHECK_EQ(st.cookies_invalid, tc->cookies_invalid);
	GW_CHECK_EQ(st.half_open_dropped, tc->half_open_dropped);
	GW_CHECK_EQ(st.half_open, 1);              /* C's, still waiting */
	GW_CHECK_EQ(st.established, tc->up ? 1u : 0u);
	GW_CHECK_EQ(st.ike_sas, tc->up ? 2u : 1u);
	GW_CHECK_EQ(st.init_requests, tc->init_requests);
	if (tc->up) {
		GW_CHECK_EQ(n_ike(&node_a, &ia), 1);
		GW_CHECK_EQ(ia.state, GW_IKEV2_STATE_ESTABLISHED);
		if (check_children_match())
			return 1;
	} else {
		GW_CHECK_EQ(n_ike(&node_a, NULL), 0);
		GW_CHECK_EQ(node_b.n_installs, 0);
	}
	GW_CHECK_EQ(strstr(node_a.log, "received COOKIE") != NULL,
		    tc->cookies_sent > 0);
	gw_ikev2_engine_free(node_c.e);
	node_c.e = NULL;
	teardown_pair();
	return 0;
}

static int
test_cookie_responder(void)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(rcookie_cases) / sizeof(rcookie_cases[0]); i++) {
		int rc = run_rcookie(&rcookie_cases[i]);

		printf("  %s %s\n", rc ? "FAIL" : "ok", rcookie_cases[i].name);
		if (rc) {
			gw_ikev2_engine_free(node_c.e);
			node_c.e = NULL;
			teardown_pair();
			failed++;
		}
	}
	return failed;
}

static const struct gw_test_case ikev2_cases[] = {
	{ "ids", test_ids },
	{ "traffic_selectors", test_ts },
	{ "exchanges", test_exchanges },
	{ "deletes", test_deletes },
	{ "initial_contact", test_restart },
	{ "cookie", test_cookie },
	{ "cookie_responder", test_cookie_responder },
	{ "damaged_datagrams", test_damaged },
	{ "corrupted_ike_auth", test_corrupted_auth },
	{ "rekey", test_rekey },
	{ "rekey_collisions", test_collisions },
	{ "lifetimes_dpd", test_lifetimes_dpd },
	{ NULL, NULL },
};

static const struct gw_test_suite ikev2_suite = {
	.name = "ikev2",
	.cases = ikev2_cases,
};

GW_TEST_MAIN(&ikev2_suite)
