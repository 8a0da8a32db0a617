/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Anti-replay window and ESN reconstruction, as a numbered table. Each step
 * gives the 32 bits on the wire, the 64-bit number RFC 4303 A.2 must
 * reconstruct, and whether the packet is accepted. Accepted steps are
 * then recorded (as after a verified ICV) unless marked NO_ICV, which
 * models a packet whose ICV fails: checked, never recorded.
 */
#include <stdbool.h>
#include <stdint.h>

#include "gw_replay.h"
#include "gw_test.h"

#include "suites.h"

enum { REJ = 0, ACC = 1, NO_ICV = 2 };

struct replay_step {
	uint32_t lo;               /* sequence number on the wire */
	uint64_t seq64;            /* expected reconstruction */
	int verdict;               /* REJ, ACC, or NO_ICV (accepted, not recorded) */
};

struct replay_case {
	const char *name;
	uint32_t window;
	bool esn;
	struct replay_step steps[20];
	unsigned n;
};

#define S(lo, v) { (lo), (lo), (v) }
#define E(lo, s64, v) { (lo), (s64), (v) }
#define CASE(nm, w, e, ...)                                                    \
	{ .name = nm, .window = w, .esn = e, .steps = { __VA_ARGS__ },         \
	  .n = sizeof((struct replay_step[]){ __VA_ARGS__ }) /                 \
	       sizeof(struct replay_step) }

static const struct replay_case replay_table[] = {
	/* 1 */ CASE("in order, duplicates, zero", 64, false,
		S(1, ACC), S(2, ACC), S(2, REJ), S(1, REJ), S(0, REJ),
		S(5, ACC), S(4, ACC), S(3, ACC), S(3, REJ), S(6, ACC)),
	/* 2 */ CASE("window edges (64)", 64, false,
		S(100, ACC), S(36, REJ) /* top - window */,
		S(37, ACC) /* top - window + 1 */, S(37, REJ), S(99, ACC),
		S(101, ACC), S(37, REJ) /* fell out when top moved */,
		S(38, ACC), S(100, REJ), S(101, REJ)),
	/* 3 */ CASE("far jump ahead (64)", 64, false,
		S(10, ACC), S(1000000, ACC), S(10, REJ), S(999937, ACC),
		S(999936, REJ), S(1000000, REJ), S(1000001, ACC),
		S(999999, ACC), S(999999, REJ)),
	/* 4 */ CASE("window 1024", 1024, false,
		S(2000, ACC), S(977, ACC), S(976, REJ), S(1500, ACC),
		S(1500, REJ), S(3023, ACC) /* slide by 1023 */, S(1999, REJ),
		S(2000, REJ), S(2001, ACC), S(3023, REJ), S(2000 + 64, ACC)),
	/* 5 */ CASE("window 4096", 4096, false,
		S(5000, ACC), S(905, ACC), S(904, REJ), S(9095, ACC),
		S(5000, REJ), S(4999, REJ), S(5001, ACC), S(20000, ACC),
		S(15905, ACC), S(15904, REJ), S(19999, ACC), S(20000, REJ)),
	/* 6 */ CASE("window 100 (not a multiple of 64)", 100, false,
		S(200, ACC), S(101, ACC), S(100, REJ), S(150, ACC),
		S(150, REJ), S(250, ACC), S(151, ACC), S(150, REJ),
		S(191, ACC), S(255, ACC), S(191, REJ)),
	/* 7 */ CASE("slide by exactly one bucket and by the bitmap size", 64, false,
		S(63, ACC), S(127, ACC), S(64, ACC), S(63, REJ), S(64, REJ),
		S(127 + 128, ACC), S(127, REJ), S(192, ACC), S(191, REJ),
		S(193, ACC)),
	/* 8 */ CASE("no ESN: no wrap", 64, false,
		S(0xffffffff, ACC), S(0xfffffffe, ACC), S(1, REJ), S(0, REJ),
		S(0xffffffc0, ACC), S(0xffffffbf, REJ)),
	/* 9 */ CASE("ESN wrap across 2^32", 64, true,
		E(0xfffffff0, 0xfffffff0, ACC),
		E(5, 0x100000005, ACC),
		/* Old packets near the wrap belong to the previous epoch. */
		E(0xfffffff1, 0xfffffff1, ACC),
		E(0xfffffff0, 0xfffffff0, REJ),
		E(0xffffffc6, 0xffffffc6, ACC) /* top - 63 */,
		/* Below the window: taken as the next epoch; ICV fails. */
		E(0xffffffc5, 0x1ffffffc5, NO_ICV),
		E(5, 0x100000005, REJ),
		E(6, 0x100000006, ACC),
		E(0, 0x100000000, ACC)),
	/* 10 */ CASE("ESN, window inside one epoch (case A)", 1024, true,
		E(0xffffff00, 0xffffff00, ACC),
		E(0x800, 0x100000800, ACC),
		E(0x401, 0x100000401, ACC) /* top - 1023 */,
		E(0x400, 0x200000400, NO_ICV) /* below window: next epoch */,
		E(0xffffff00, 0x1ffffff00, NO_ICV) /* ahead, same epoch */,
		E(0xffffff00, 0x1ffffff00, ACC),
		E(0x800, 0x200000800, NO_ICV),
		E(0xfffffb01, 0x1fffffb01, ACC) /* top - 1023 */,
		E(0xfffffb01, 0x1fffffb01, REJ),
		/* top - 1024 is below the window: read as the next epoch. */
		E(0xfffffb00, 0x2fffffb00, NO_ICV)),
	/* 11 */ CASE("ESN from the start: epoch 0 never goes below", 64, true,
		E(0xfffffff0, 0xfffffff0, ACC) /* far ahead, not epoch -1 */,
		E(1, 0x100000001, NO_ICV),
		E(0xffffffb1, 0xffffffb1, ACC),
		E(0xffffffb0, 0x1ffffffb0, NO_ICV)),
	/* 12 */ CASE("ESN, zero on the wire is valid after the first epoch", 4096, true,
		E(0, 0, REJ),
		E(0xffffffff, 0xffffffff, ACC),
		E(0, 0x100000000, ACC),
		E(0, 0x100000000, REJ),
		E(0xfffff001, 0xfffff001, ACC) /* top - 4095 */,
		E(0xfffff001, 0xfffff001, REJ),
		E(0xfffff000, 0x1fffff000, NO_ICV)),
	/* 13 */ CASE("window 0: disabled", 0, false,
		S(5, ACC), S(5, ACC), S(1, ACC), S(0, REJ), S(1000000, ACC),
		S(3, ACC), S(1000000, ACC)),
	/* 14 */ CASE("window 0 with ESN: top still tracked", 0, true,
		E(0xfffffff0, 0xfffffff0, ACC),
		E(5, 0x100000005, ACC),
		E(0xfffffff0, 0xfffffff0, ACC),
		E(0x7fffffff, 0x17fffffff, ACC),
		E(0x80000006, 0x180000006, ACC),
		E(5, 0x200000005, ACC)),
};

static int
run_case(unsigned idx, const struct replay_case *c)
{
	struct gw_replay r;

	GW_CHECK(gw_replay_init(&r, c->window, c->esn) == 0, "case %u init", idx);
	for (unsigned i = 0; i < c->n; i++) {
		const struct replay_step *s = &c->steps[i];
		uint64_t seq = gw_replay_seq64(&r, s->lo);
		int chk = gw_replay_check(&r, seq);

		GW_CHECK(seq == s->seq64,
			 "case %u (%s) step %u: seq 0x%x -> 0x%llx, expected 0x%llx",
			 idx, c->name, i + 1, s->lo, (unsigned long long)seq,
			 (unsigned long long)s->seq64);
		if (s->verdict == REJ) {
			GW_CHECK(chk == -1, "case %u (%s) step %u: 0x%llx accepted",
				 idx, c->name, i + 1, (unsigned long long)seq);
			/* The update after decryption re-checks. */
			GW_CHECK(gw_replay_update(&r, seq) == -1,
				 "case %u (%s) step %u: update accepted 0x%llx",
				 idx, c->name, i + 1, (unsigned long long)seq);
			continue;
		}
		GW_CHECK(chk == 0, "case %u (%s) step %u: 0x%llx rejected",
			 idx, c->name, i + 1, (unsigned long long)seq);
		if (s->verdict == ACC)
			GW_CHECK(gw_replay_update(&r, seq) == 0,
				 "case %u (%s) step %u: update rejected 0x%llx",
				 idx, c->name, i + 1, (unsigned long long)seq);
	}
	return 0;
}

static int
test_table(void)
{
	int failed = 0;

	for (unsigned i = 0; i < GW_ARRAY_SIZE(replay_table); i++)
		failed |= run_case(i + 1, &replay_table[i]);
	return failed;
}

static int
test_init_sizes(void)
{
	static const struct { uint32_t w; int rc; uint32_t mask; } t[] = {
		{ 0, 0, 0 }, { 16, -1, 0 }, { 31, -1, 0 }, { 32, 0, 1 },
		{ 64, 0, 1 }, { 65, 0, 3 }, { 100, 0, 3 }, { 1024, 0, 31 },
		{ 4032, 0, 63 }, { 4033, 0, 127 }, { 4096, 0, 127 }, { 4097, -1, 0 },
	};
	struct gw_replay r;

	for (unsigned i = 0; i < GW_ARRAY_SIZE(t); i++) {
		GW_CHECK(gw_replay_init(&r, t[i].w, false) == t[i].rc,
			 "window %u", t[i].w);
		if (t[i].rc == 0)
			GW_CHECK(r.bucket_mask == t[i].mask,
				 "window %u: mask %u, expected %u", t[i].w,
				 r.bucket_mask, t[i].mask);
		GW_CHECK(t[i].rc != 0 ||
			 r.bucket_mask + 1 <= GW_REPLAY_BUCKETS, "fits");
	}
	return 0;
}

/* Every offset of a full 4096 window, then the same after wrapping. */
static int
test_full_window(void)
{
	struct gw_replay r;
	uint64_t top = 10000;

	GW_CHECK(gw_replay_init(&r, 4096, true) == 0, "init");
	GW_CHECK(gw_replay_update(&r, top) == 0, "top");
	for (uint64_t s = top - 4095; s < top; s += 2)
		GW_CHECK(gw_replay_update(&r, s) == 0, "seq %llu",
			 (unsigned long long)s);
	for (uint64_t s = top - 4095; s < top; s++)
		GW_CHECK(gw_replay_check(&r, s) == (((top - s) & 1) ? -1 : 0),
			 "seq %llu", (unsigned long long)s);
	GW_CHECK(gw_replay_check(&r, top - 4096) == -1, "below window");
	/* Slide by half: the upper half keeps its bits. */
	GW_CHECK(gw_replay_update(&r, top + 2048) == 0, "slide");
	for (uint64_t s = top - 2047; s < top; s++)
		GW_CHECK(gw_replay_check(&r, s) == (((top - s) & 1) ? -1 : 0),
			 "after slide seq %llu", (unsigned long long)s);
	for (uint64_t s = top + 1; s < top + 2048; s++)
		GW_CHECK(gw_replay_check(&r, s) == 0, "new seq %llu",
			 (unsigned long long)s);
	GW_CHECK(gw_replay_check(&r, top - 2048) == -1, "fell out");
	return 0;
}

static const struct gw_test_case replay_cases[] = {
	{ "table", test_table },
	{ "init_sizes", test_init_sizes },
	{ "full_window", test_full_window },
	{ NULL, NULL },
};

const struct gw_test_suite suite_replay = {
	.name = "replay",
	.cases = replay_cases,
};
