/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SPD: first-match semantics by table (both directions, linear and hashed
 * tables), the bulk lookup against the linear reference on random policy
 * sets, and a scale case (100k host pairs; SPD_SCALE_N overrides) printing
 * build time, lookup cost and memory per policy. Needs EAL for rte_hash.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netinet/in.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "gw_spd.h"
#include "gw_test.h"

#define IP4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* ---------------------------------------------------------------- setup */

static int
spd_setup(void)
{
	char *argv[] = {
		"test", "--no-huge", "-m", "512", "--no-shconf", "--no-pci", "-l", "0",
		"--log-level=*:error",
	};

	if (rte_eal_init((int)GW_ARRAY_SIZE(argv), argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return -1;
	}
	return 0;
}

static void
spd_teardown(void)
{
	rte_eal_cleanup();
}

/* -------------------------------------------------------------- helpers */

/* A policy as a test writes it: ports 0/0 mean any. */
struct pol {
	uint32_t local;
	uint8_t local_len;
	uint32_t remote;
	uint8_t remote_len;
	uint8_t proto;
	uint16_t lport_lo, lport_hi, rport_lo, rport_hi;
	enum gw_policy_action action;
};

static void
ts4(struct gw_ts *ts, uint32_t a, uint8_t len, uint8_t proto, uint16_t lo, uint16_t hi)
{
	memset(ts, 0, sizeof(*ts));
	ts->prefix.addr.family = GW_AF_INET;
	ts->prefix.addr.v4 = a;
	ts->prefix.len = len;
	ts->proto = proto;
	ts->port_lo = lo;
	ts->port_hi = hi;
}

static int
add_pol(struct gw_spd_table *t, const struct pol *p)
{
	struct gw_ts l, r;

	ts4(&l, p->local, p->local_len, p->proto, p->lport_lo, p->lport_hi);
	ts4(&r, p->remote, p->remote_len, p->proto, p->rport_lo, p->rport_hi);
	return gw_spd_table_add(t, &l, &r, p->action, NULL);
}

static int
add_host_pair(struct gw_spd_table *t, uint32_t local, uint32_t remote,
	      enum gw_policy_action action)
{
	const struct pol p = { local, 32, remote, 32, 0, 0, 0, 0, 0, action };

	return add_pol(t, &p);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static size_t
heap_allocated(void)
{
	size_t total = 0;

	for (unsigned i = 0; i < rte_socket_count(); i++) {
		struct rte_malloc_socket_stats s;

		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &s) == 0)
			total += s.heap_allocsz_bytes;
	}
	return total;
}

/* xorshift64*: reproducible from the printed seed */
static uint64_t rng_state;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

static uint32_t
rnd_below(uint32_t n)
{
	return (uint32_t)(((uint64_t)rnd() * n) >> 32);
}

/* Index of the bulk result, -1 for none; and the same from the reference. */
static long
idx_of(const struct gw_spd_entry *e)
{
	return e ? (long)e->index : -1;
}

/* Every flow of flows[] in both directions: bulk (in bursts of up to
 * burst_max) equals the linear reference. */
static int
check_against_linear(const struct gw_spd_table *t, const struct gw_flow4 *flows,
		     uint32_t n, uint16_t burst_max)
{
	const struct gw_spd_entry **out = calloc(burst_max, sizeof(*out));

	GW_CHECK(out != NULL, "calloc");
	for (int rev = 0; rev < 2; rev++) {
		for (uint32_t i = 0; i < n;) {
			uint16_t k = (uint16_t)(1 + rnd_below(burst_max));

			if (k > n - i)
				k = (uint16_t)(n - i);
			gw_spd_lookup_bulk(t, &flows[i], k, rev, out);
			for (uint16_t j = 0; j < k; j++) {
				const struct gw_flow4 *f = &flows[i + j];
				long want = idx_of(gw_spd_lookup(t, f, rev));

				if (idx_of(out[j]) != want) {
					fprintf(stderr, "flow %08x:%u -> %08x:%u proto %u rev %d: "
						"bulk %ld, linear %ld\n", f->src, f->sport,
						f->dst, f->dport, f->proto, rev,
						idx_of(out[j]), want);
					free(out);
					return -1;
				}
			}
			i += k;
		}
	}
	free(out);
	return 0;
}

/* ----------------------------------------------------- table-driven cases */

#define ANY 0
#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP

/* The policy set every first-match case runs against, in order. */
static const struct pol first_match_policies[] = {
	/* 0: IKE to the peer network is bypassed, before any protect */
	{ IP4(10, 1, 0, 0), 16, IP4(10, 2, 0, 0), 16, UDP, 500, 500, 500, 500, GW_ACT_BYPASS },
	/* 1: one host pair goes clear */
	{ IP4(10, 1, 0, 5), 32, IP4(10, 2, 0, 5), 32, ANY, 0, 0, 0, 0, GW_ACT_BYPASS },
	/* 2: a /24 inside the /16 below is discarded */
	{ IP4(10, 1, 7, 0), 24, IP4(10, 2, 0, 0), 16, ANY, 0, 0, 0, 0, GW_ACT_DISCARD },
	/* 3: the tunnel */
	{ IP4(10, 1, 0, 0), 16, IP4(10, 2, 0, 0), 16, ANY, 0, 0, 0, 0, GW_ACT_PROTECT },
	/* 4: shadowed by 3: never the answer for 10.1/16 -> 10.2/16 */
	{ IP4(10, 1, 0, 0), 24, IP4(10, 2, 0, 0), 24, ANY, 0, 0, 0, 0, GW_ACT_BYPASS },
	/* 5: web to a server range, TCP only */
	{ IP4(10, 3, 0, 0), 16, IP4(192, 0, 2, 0), 24, TCP, 0, 0, 80, 443, GW_ACT_PROTECT },
	/* 6: same networks, any protocol: discard */
	{ IP4(10, 3, 0, 0), 16, IP4(192, 0, 2, 0), 24, ANY, 0, 0, 0, 0, GW_ACT_DISCARD },
	/* 7: local source port range */
	{ IP4(10, 4, 0, 0), 16, 0, 0, UDP, 1000, 1999, 0, 0, GW_ACT_BYPASS },
	/* 8: catch-all from 10.4/16 */
	{ IP4(10, 4, 0, 0), 16, 0, 0, ANY, 0, 0, 0, 0, GW_ACT_PROTECT },
	/* 9: a selector with host bits set still matches its prefix */
	{ IP4(10, 5, 1, 9), 24, IP4(10, 6, 1, 200), 24, ANY, 0, 0, 0, 0, GW_ACT_PROTECT },
};

struct match_case {
	const char *name;
	struct gw_flow4 flow;      /* src, dst, sport, dport, proto */
	int reverse;
	long want;                 /* policy index, -1: none (default action) */
};

static const struct match_case first_match_cases[] = {
	{ "ike bypass before protect", { IP4(10, 1, 3, 3), IP4(10, 2, 3, 3), 500, 500, UDP }, 0, 0 },
	{ "ike wrong port is protected", { IP4(10, 1, 3, 3), IP4(10, 2, 3, 3), 501, 500, UDP }, 0, 3 },
	{ "ike tcp is protected", { IP4(10, 1, 3, 3), IP4(10, 2, 3, 3), 500, 500, TCP }, 0, 3 },
	{ "host pair bypass", { IP4(10, 1, 0, 5), IP4(10, 2, 0, 5), 0, 0, 1 }, 0, 1 },
	{ "host pair neighbour protected", { IP4(10, 1, 0, 5), IP4(10, 2, 0, 6), 0, 0, 1 }, 0, 3 },
	{ "narrow discard before wide protect", { IP4(10, 1, 7, 1), IP4(10, 2, 9, 9), 1, 2, TCP }, 0, 2 },
	{ "wide protect shadows narrow bypass", { IP4(10, 1, 0, 1), IP4(10, 2, 0, 1), 0, 0, 1 }, 0, 3 },
	{ "tcp port low edge", { IP4(10, 3, 1, 1), IP4(192, 0, 2, 7), 40000, 80, TCP }, 0, 5 },
	{ "tcp port high edge", { IP4(10, 3, 1, 1), IP4(192, 0, 2, 7), 40000, 443, TCP }, 0, 5 },
	{ "tcp port above range", { IP4(10, 3, 1, 1), IP4(192, 0, 2, 7), 40000, 444, TCP }, 0, 6 },
	{ "tcp port below range", { IP4(10, 3, 1, 1), IP4(192, 0, 2, 7), 40000, 79, TCP }, 0, 6 },
	{ "udp to web ports", { IP4(10, 3, 1, 1), IP4(192, 0, 2, 7), 40000, 80, UDP }, 0, 6 },
	{ "local port range low", { IP4(10, 4, 0, 1), IP4(8, 8, 8, 8), 1000, 53, UDP }, 0, 7 },
	{ "local port range high", { IP4(10, 4, 0, 1), IP4(8, 8, 8, 8), 1999, 53, UDP }, 0, 7 },
	{ "local port range out", { IP4(10, 4, 0, 1), IP4(8, 8, 8, 8), 2000, 53, UDP }, 0, 8 },
	{ "host bits in selector", { IP4(10, 5, 1, 77), IP4(10, 6, 1, 1), 0, 0, 1 }, 0, 9 },
	{ "host bits: other subnet", { IP4(10, 5, 2, 77), IP4(10, 6, 1, 1), 0, 0, 1 }, 0, -1 },
	{ "default: nothing matches", { IP4(172, 16, 0, 1), IP4(10, 2, 0, 1), 0, 0, 1 }, 0, -1 },
	/* reverse: the packet comes from the remote side */
	{ "reverse ike bypass", { IP4(10, 2, 3, 3), IP4(10, 1, 3, 3), 500, 500, UDP }, 1, 0 },
	{ "reverse host pair", { IP4(10, 2, 0, 5), IP4(10, 1, 0, 5), 0, 0, 1 }, 1, 1 },
	{ "reverse protect", { IP4(10, 2, 0, 9), IP4(10, 1, 0, 9), 0, 0, 1 }, 1, 3 },
	{ "reverse narrow discard", { IP4(10, 2, 9, 9), IP4(10, 1, 7, 1), 0, 0, 1 }, 1, 2 },
	{ "reverse not forward", { IP4(10, 1, 0, 9), IP4(10, 2, 0, 9), 0, 0, 1 }, 1, -1 },
	{ "reverse tcp ports swap", { IP4(192, 0, 2, 7), IP4(10, 3, 1, 1), 443, 40000, TCP }, 1, 5 },
	{ "reverse tcp dport is local", { IP4(192, 0, 2, 7), IP4(10, 3, 1, 1), 40000, 443, TCP }, 1, 6 },
	{ "reverse local port range", { IP4(8, 8, 8, 8), IP4(10, 4, 0, 1), 53, 1500, UDP }, 1, 7 },
	{ "reverse catch-all", { IP4(8, 8, 8, 8), IP4(10, 4, 0, 1), 53, 2500, UDP }, 1, 8 },
};

/*
 * Builds the first-match table; with filler, appends host pairs in an
 * unrelated space so the table is large enough to be hashed.
 */
static struct gw_spd_table *
first_match_table(bool filler)
{
	uint32_t n = GW_ARRAY_SIZE(first_match_policies) + (filler ? 256 : 0);
	struct gw_spd_table *t = gw_spd_table_alloc(n, GW_ACT_DISCARD);

	if (t == NULL)
		return NULL;
	for (uint32_t i = 0; i < GW_ARRAY_SIZE(first_match_policies); i++)
		if (add_pol(t, &first_match_policies[i]) != 0)
			goto fail;
	for (uint32_t i = 0; filler && i < 256; i++)
		if (add_host_pair(t, IP4(99, 0, 0, i), IP4(98, 0, 0, i), GW_ACT_PROTECT) != 0)
			goto fail;
	if (gw_spd_table_finalize(t, "fm") != 0)
		goto fail;
	return t;
fail:
	gw_spd_table_free(t);
	return NULL;
}

static int
run_first_match(bool filler)
{
	struct gw_spd_table *t = first_match_table(filler);
	const size_t n = GW_ARRAY_SIZE(first_match_cases);
	struct gw_flow4 flows[GW_ARRAY_SIZE(first_match_cases)];
	const struct gw_spd_entry *out[GW_ARRAY_SIZE(first_match_cases)];

	GW_CHECK(t != NULL, "table");
	GW_CHECK(filler ? t->n_groups > 0 : t->n_groups == 0, "%u groups", t->n_groups);
	for (size_t i = 0; i < n; i++) {
		const struct match_case *c = &first_match_cases[i];
		const struct gw_spd_entry *e = gw_spd_lookup(t, &c->flow, c->reverse);

		gw_spd_lookup_bulk(t, &c->flow, 1, c->reverse, out);
		if (idx_of(e) != c->want || idx_of(out[0]) != c->want) {
			fprintf(stderr, "case '%s': want %ld, linear %ld, bulk %ld\n",
				c->name, c->want, idx_of(e), idx_of(out[0]));
			gw_spd_table_free(t);
			return -1;
		}
	}
	/* the same cases as bursts: forward and reverse flows mixed in order */
	for (int rev = 0; rev < 2; rev++) {
		uint16_t k = 0;

		for (size_t i = 0; i < n; i++)
			if (first_match_cases[i].reverse == rev)
				flows[k++] = first_match_cases[i].flow;
		gw_spd_lookup_bulk(t, flows, k, rev, out);
		k = 0;
		for (size_t i = 0; i < n; i++) {
			if (first_match_cases[i].reverse != rev)
				continue;
			if (idx_of(out[k++]) != first_match_cases[i].want) {
				fprintf(stderr, "burst case '%s': want %ld, got %ld\n",
					first_match_cases[i].name, first_match_cases[i].want,
					idx_of(out[k - 1]));
				gw_spd_table_free(t);
				return -1;
			}
		}
	}
	gw_spd_table_free(t);
	return 0;
}

static int
test_first_match_linear(void)
{
	return run_first_match(false);
}

static int
test_first_match_hashed(void)
{
	return run_first_match(true);
}

/* Same key in one group twice: the lower index wins, in both modes. */
static int
test_duplicate_key(void)
{
	struct gw_spd_table *t = gw_spd_table_alloc(64, GW_ACT_BYPASS);
	struct gw_flow4 f = { IP4(16, 0, 0, 7), IP4(48, 0, 0, 7), 0, 0, 1 };
	const struct gw_spd_entry *out[1];

	GW_CHECK(t != NULL, "alloc");
	for (uint32_t i = 0; i < 32; i++)
		GW_CHECK_EQ(add_host_pair(t, IP4(16, 0, 0, i), IP4(48, 0, 0, i),
					  GW_ACT_PROTECT), 0);
	/* index 32: a repeat of index 7 with another action */
	GW_CHECK_EQ(add_host_pair(t, IP4(16, 0, 0, 7), IP4(48, 0, 0, 7), GW_ACT_DISCARD), 0);
	GW_CHECK_EQ(gw_spd_table_finalize(t, "dup"), 0);
	GW_CHECK(t->n_groups == 1, "%u groups", t->n_groups);
	gw_spd_lookup_bulk(t, &f, 1, 0, out);
	GW_CHECK_EQ(idx_of(out[0]), 7);
	GW_CHECK_EQ(out[0]->action, GW_ACT_PROTECT);
	/* a finalized table takes no more policies */
	GW_CHECK(add_host_pair(t, 1, 2, GW_ACT_BYPASS) != 0, "add after finalize");
	gw_spd_table_free(t);
	return 0;
}

/* Empty, absent and not finalized tables. */
static int
test_degenerate_tables(void)
{
	struct gw_spd_table *t = gw_spd_table_alloc(16, GW_ACT_PROTECT);
	struct gw_flow4 f[2] = {
		{ IP4(16, 0, 0, 1), IP4(48, 0, 0, 1), 0, 0, 1 },
		{ IP4(16, 0, 0, 2), IP4(48, 0, 0, 2), 0, 0, 1 },
	};
	const struct gw_spd_entry *out[2] = { (const void *)f, (const void *)f }; /* to overwrite */

	GW_CHECK(t != NULL, "alloc");
	gw_spd_lookup_bulk(NULL, f, 2, 0, out);
	GW_CHECK(out[0] == NULL && out[1] == NULL, "NULL table");
	GW_CHECK_EQ(gw_spd_table_finalize(t, "empty"), 0);
	out[0] = out[1] = (const void *)f;
	gw_spd_lookup_bulk(t, f, 2, 1, out);
	GW_CHECK(out[0] == NULL && out[1] == NULL, "empty table");
	gw_spd_table_free(t);

	/* not finalized: the bulk lookup falls back to the scan */
	t = gw_spd_table_alloc(16, GW_ACT_PROTECT);
	GW_CHECK(t != NULL, "alloc");
	GW_CHECK_EQ(add_host_pair(t, f[1].src, f[1].dst, GW_ACT_BYPASS), 0);
	gw_spd_lookup_bulk(t, f, 2, 0, out);
	GW_CHECK(out[0] == NULL && out[1] == &t->entries[0], "unfinalized");
	gw_spd_table_free(t);
	gw_spd_table_free(NULL);
	return 0;
}

/* Tables are rebuilt and replaced at run time: the old one is still alive
 * while the new one is built, with the same name prefix. */
static int
test_rebuild(void)
{
	struct gw_spd_table *old = NULL;

	for (int round = 0; round < 20; round++) {
		struct gw_spd_table *t = gw_spd_table_alloc(100, GW_ACT_DISCARD);
		struct gw_flow4 f = { IP4(16, 0, 0, 50), IP4(48, 0, 0, 50), 0, 0, 1 };
		const struct gw_spd_entry *out[1];

		GW_CHECK(t != NULL, "alloc");
		for (uint32_t i = 0; i < 50; i++) {
			GW_CHECK_EQ(add_host_pair(t, IP4(16, 0, 0, i), IP4(48, 0, 0, i),
						  GW_ACT_PROTECT), 0);
			GW_CHECK_EQ(add_host_pair(t, IP4(16, 0, 0, i + 50), IP4(48, 0, 0, 0),
						  GW_ACT_PROTECT), 0);
		}
		GW_CHECK_EQ(gw_spd_table_finalize(t, "spd"), 0);
		/* finalizing again rebuilds in place */
		GW_CHECK_EQ(gw_spd_table_finalize(t, "spd"), 0);
		GW_CHECK(t->n_groups == 1, "%u groups", t->n_groups);
		gw_spd_lookup_bulk(t, &f, 1, 0, out);
		GW_CHECK(out[0] == NULL, "no policy for .50 -> .50");
		f.dst = IP4(48, 0, 0, 0);
		gw_spd_lookup_bulk(t, &f, 1, 0, out);
		GW_CHECK_EQ(idx_of(out[0]), 1);
		gw_spd_table_free(old);
		old = t;
	}
	gw_spd_table_free(old);
	return 0;
}

/* ------------------------------------------------------ differential test */

static const uint8_t all_lens[] = { 0, 8, 16, 20, 24, 28, 30, 31, 32 };

/* The prefix lengths of one random set: a few (realistic, and groups big
 * enough to be hashed) or all of them (many small groups, scanned). */
static uint8_t set_lens[GW_ARRAY_SIZE(all_lens)];
static uint32_t n_set_lens;

static void
rand_lens(bool all)
{
	n_set_lens = all ? GW_ARRAY_SIZE(all_lens) : 1 + rnd_below(3);
	for (uint32_t i = 0; i < n_set_lens; i++)
		set_lens[i] = all ? all_lens[i] : all_lens[rnd_below(GW_ARRAY_SIZE(all_lens))];
}

/* Addresses from two small spaces so that random selectors overlap. */
static uint32_t
rand_addr(void)
{
	return (rnd_below(2) ? IP4(10, 0, 0, 0) : IP4(11, 0, 0, 0)) | (rnd() & 0x3ff);
}

static void
rand_policy(struct pol *p, bool constrained)
{
	memset(p, 0, sizeof(*p));
	p->local = rand_addr();
	p->remote = rand_addr();
	p->local_len = set_lens[rnd_below(n_set_lens)];
	p->remote_len = set_lens[rnd_below(n_set_lens)];
	p->action = (enum gw_policy_action)rnd_below(3);
	if (!constrained)
		return;
	switch (rnd_below(4)) {
	case 0:
		p->proto = rnd_below(2) ? TCP : UDP;
		break;
	case 1:
		p->proto = TCP;
		p->rport_lo = (uint16_t)rnd_below(8);
		p->rport_hi = (uint16_t)(p->rport_lo + rnd_below(8));
		break;
	case 2:
		p->lport_lo = (uint16_t)rnd_below(8);
		p->lport_hi = (uint16_t)(p->lport_lo + rnd_below(8));
		break;
	default:
		p->proto = UDP;
		p->lport_lo = p->lport_hi = (uint16_t)rnd_below(8);
		p->rport_lo = 1;
		p->rport_hi = 65535;
		break;
	}
	/* a range starting at 0 with hi 0 means "any" for gw_spd_table_add */
	if (p->lport_hi == 0 && p->lport_lo == 0 && rnd_below(2))
		p->lport_hi = 1;
}

static void
rand_flow(struct gw_flow4 *f)
{
	static const uint8_t protos[] = { TCP, UDP, 1, 50 };

	f->src = rand_addr();
	f->dst = rand_addr();
	f->proto = protos[rnd_below(GW_ARRAY_SIZE(protos))];
	f->sport = f->proto == 1 || f->proto == 50 ? 0 : (uint16_t)rnd_below(12);
	f->dport = f->proto == 1 || f->proto == 50 ? 0 : (uint16_t)rnd_below(12);
}

static int
test_differential(void)
{
	enum { SETS = 60, FLOWS = 2000 };
	const char *s = getenv("SPD_SEED");
	uint64_t seed = s ? strtoull(s, NULL, 0) : (uint64_t)now_ns();
	struct gw_flow4 *flows = calloc(FLOWS, sizeof(*flows));
	unsigned hashed = 0, groups = 0;

	GW_CHECK(flows != NULL, "calloc");
	rng_state = seed | 1;
	printf("differential: seed 0x%llx (SPD_SEED to replay)\n", (unsigned long long)seed);
	for (int set = 0; set < SETS; set++) {
		uint32_t n = 1 + rnd_below(2000);
		/* share of policies with a proto/port constraint: none to all */
		uint32_t constrained_pct = set % 5 == 0 ? 0 : rnd_below(101);
		struct gw_spd_table *t = gw_spd_table_alloc(n, GW_ACT_DISCARD);
		int rc;

		GW_CHECK(t != NULL, "alloc");
		rand_lens(set % 7 == 3);
		for (uint32_t i = 0; i < n; i++) {
			struct pol p;

			rand_policy(&p, rnd_below(100) < constrained_pct);
			GW_CHECK_EQ(add_pol(t, &p), 0);
		}
		GW_CHECK_EQ(gw_spd_table_finalize(t, "diff"), 0);
		hashed += t->n_groups > 0;
		groups += t->n_groups;
		for (uint32_t i = 0; i < FLOWS; i++) {
			rand_flow(&flows[i]);
			/* half the flows start inside a policy's selectors */
			if (i % 2) {
				const struct gw_spd_entry *e = &t->entries[rnd_below(t->n)];

				flows[i].src = e->local_net ^ (rnd() & ~e->local_mask & 0x3ff);
				flows[i].dst = e->remote_net ^ (rnd() & ~e->remote_mask & 0x3ff);
				if (i % 4 == 1) {
					uint32_t a = flows[i].src;

					flows[i].src = flows[i].dst;
					flows[i].dst = a;
				}
			}
		}
		/* runs of one flow (bulk lookups share a run's result), some
		 * broken by a flow that differs in a single field */
		for (uint32_t i = 1; i < FLOWS; i++) {
			if (rnd_below(3) == 0) {
				flows[i] = flows[i - 1];
				if (rnd_below(4) == 0)
					flows[i].dport ^= 1;
			}
		}
		rc = check_against_linear(t, flows, FLOWS, 200);
		if (rc != 0)
			fprintf(stderr, "set %d: %u policies, %u%% constrained, %u groups, "
				"%u scanned\n", set, n, constrained_pct, t->n_groups, t->n_scan);
		gw_spd_table_free(t);
		if (rc != 0) {
			free(flows);
			return -1;
		}
	}
	printf("differential: %d sets, %u hashed (%u groups), %d flows each, both "
	       "directions\n", SETS, hashed, groups, FLOWS);
	free(flows);
	GW_CHECK(hashed > SETS / 4, "only %u hashed sets", hashed);
	return 0;
}

/* ------------------------------------------------------------ scale case */

/* ns per flow of gw_spd_lookup_bulk over flows[] in bursts of burst: the
 * best of a few runs after a warm-up (first touches, a shared machine). */
static double
bulk_ns(const struct gw_spd_table *t, const struct gw_flow4 *flows, uint32_t n,
	uint16_t burst, int reverse, const struct gw_spd_entry **out)
{
	double best = 0;

	for (int run = 0; run < 4; run++) {
		uint64_t t0 = now_ns();
		double ns;

		for (uint32_t i = 0; i + burst <= n; i += burst)
			gw_spd_lookup_bulk(t, &flows[i], burst, reverse, &out[i]);
		ns = (double)(now_ns() - t0) / (n / burst * burst);
		if (run == 1 || (run > 1 && ns < best))
			best = ns;
	}
	return best;
}

/* Host pair k is policy n_head + k, but for the discard /24 before it. */
static long
scale_want(uint32_t k, uint32_t n_head)
{
	return (k >> 8) == 1 ? 2 : (long)(n_head + k);
}

/*
 * One host pair per SA, as the benchmark configures them, after a few
 * bypass/discard policies (so the groups are more than one). Prints build
 * time, lookup cost and memory per policy; asserts only correctness.
 */
static int
test_scale(void)
{
	const char *env = getenv("SPD_SCALE_N");
	uint32_t n = env ? (uint32_t)strtoul(env, NULL, 0) : 100000;
	const struct pol head[] = {
		{ IP4(16, 0, 0, 0), 8, IP4(10, 0, 0, 0), 8, UDP, 0, 0, 500, 500, GW_ACT_BYPASS },
		{ IP4(172, 16, 0, 0), 12, 0, 0, ANY, 0, 0, 0, 0, GW_ACT_BYPASS },
		/* overlaps host pairs 256..511: it comes first for them */
		{ IP4(16, 0, 1, 0), 24, IP4(48, 0, 1, 0), 24, ANY, 0, 0, 0, 0, GW_ACT_DISCARD },
	};
	const uint32_t n_head = GW_ARRAY_SIZE(head);
	size_t heap0 = heap_allocated(), heap_entries, heap_all;
	struct gw_spd_table *t = gw_spd_table_alloc(n + n_head, GW_ACT_DISCARD);
	struct gw_flow4 *flows = calloc(n, sizeof(*flows));
	const struct gw_spd_entry **out = calloc(n, sizeof(*out));
	uint64_t t0, build_ns;
	double ns_fwd, ns_rev, ns_hot, ns_linear;
	uint32_t linear_n = n < 200 ? n : 200;
	uint64_t scanned = 0;
	unsigned bad = 0;

	GW_CHECK(t != NULL && flows != NULL && out != NULL, "alloc %u", n);
	for (uint32_t i = 0; i < n_head; i++)
		GW_CHECK_EQ(add_pol(t, &head[i]), 0);
	t0 = now_ns();
	for (uint32_t i = 0; i < n; i++)
		GW_CHECK_EQ(add_host_pair(t, IP4(16, 0, 0, 0) + i, IP4(48, 0, 0, 0) + i,
					  GW_ACT_PROTECT), 0);
	heap_entries = heap_allocated() - heap0;
	GW_CHECK_EQ(gw_spd_table_finalize(t, "scale"), 0);
	build_ns = now_ns() - t0;
	heap_all = heap_allocated() - heap0;

	/* random order so that consecutive lookups share no cache lines */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = rnd_below(n);

		flows[i] = (struct gw_flow4){ IP4(16, 0, 0, 0) + k, IP4(48, 0, 0, 0) + k,
					      1024, 4500, UDP };
	}
	ns_fwd = bulk_ns(t, flows, n, 32, 0, out);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = flows[i].src - IP4(16, 0, 0, 0);

		bad += idx_of(out[i]) != scale_want(k, n_head);
	}
	GW_CHECK(bad == 0, "%u wrong forward matches", bad);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t a = flows[i].src;

		flows[i].src = flows[i].dst;
		flows[i].dst = a;
		flows[i].sport = 4500;
		flows[i].dport = 1024;
	}
	ns_rev = bulk_ns(t, flows, n, 32, 1, out);
	for (uint32_t i = 0; i < n; i++)
		bad += idx_of(out[i]) != scale_want(flows[i].dst - IP4(16, 0, 0, 0), n_head);
	GW_CHECK(bad == 0, "%u wrong reverse matches", bad);
	/* one burst's worth of flows, again and again: cache-hot */
	for (uint32_t i = 0; i < n; i++)
		flows[i] = flows[i % 32];
	ns_hot = bulk_ns(t, flows, n, 32, 1, out);
	t0 = now_ns();
	for (uint32_t i = 0; i < linear_n; i++)
		out[i] = gw_spd_lookup(t, &flows[i], 1);
	ns_linear = (double)(now_ns() - t0) / linear_n;
	for (uint32_t i = 0; i < linear_n; i++)
		scanned += out[i] ? out[i]->index + 1 : t->n;

	printf("scale: %u policies (%u groups, %u scanned): add+finalize %.1f ms\n",
	       t->n, t->n_groups, t->n_scan, build_ns / 1e6);
	printf("scale: bulk lookup, burst 32: %.1f ns/flow forward, %.1f reverse "
	       "(random flows), %.1f hot; linear scan %.0f ns/flow, %.2f ns/entry\n",
	       ns_fwd, ns_rev, ns_hot, ns_linear, ns_linear * linear_n / scanned);
	printf("scale: memory %.1f bytes/policy (entries %.1f + lookup %.1f)\n",
	       (double)heap_all / t->n, (double)heap_entries / t->n,
	       (double)(heap_all - heap_entries) / t->n);
	gw_spd_table_free(t);
	free(flows);
	free(out);
	return 0;
}

static const struct gw_test_case spd_cases[] = {
	{ "first_match_linear", test_first_match_linear },
	{ "first_match_hashed", test_first_match_hashed },
	{ "duplicate_key", test_duplicate_key },
	{ "degenerate_tables", test_degenerate_tables },
	{ "rebuild", test_rebuild },
	{ "differential", test_differential },
	{ "scale", test_scale },
	{ NULL, NULL },
};

static const struct gw_test_suite suite_spd = {
	.name = "spd",
	.setup = spd_setup,
	.teardown = spd_teardown,
	.cases = spd_cases,
};

GW_TEST_MAIN(&suite_spd)
