/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The memory floor under many SAs. With SAs in the hundreds of thousands
 * every packet misses the cache on its policy, its SA and its key
 * schedule, so its cost has a floor that no code change removes: the
 * time this core's memory system needs to deliver those lines. Two
 * figures, over a buffer as large as the SAs (capped) in DPDK memory:
 *  - a dependent miss (pointer chase), the cost of each step of a lookup
 *    chain (hash bucket -> policy -> SA);
 *  - objects of `lines` lines in one 4 KB page each, 32 at a time, all
 *    prefetched before any is read (what the pipeline does for a burst):
 *    cycles per line with as many misses in flight as the core allows.
 */
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "bench.h"

#define PROBE_PAGE 4096
#define PROBE_BATCH 32

static uint64_t
xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* TSC cycles per step of a random cycle through the pages. */
static double
probe_chase(uint8_t *buf, size_t pages, uint64_t *rnd)
{
	uint32_t *perm = malloc(sizeof(*perm) * pages);
	const unsigned steps = 200000;
	uint64_t cur, t0;

	if (perm == NULL)
		return 0;
	for (size_t i = 0; i < pages; i++)
		perm[i] = (uint32_t)i;
	for (size_t i = pages - 1; i > 0; i--) {
		size_t j = xorshift(rnd) % (i + 1);
		uint32_t t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (size_t i = 0; i < pages; i++)
		*(uint64_t *)(buf + (size_t)perm[i] * PROBE_PAGE) =
			(uint64_t)perm[(i + 1) % pages] * PROBE_PAGE;
	cur = (uint64_t)perm[0] * PROBE_PAGE;
	free(perm);
	t0 = rte_rdtsc();
	for (unsigned i = 0; i < steps; i++)
		cur = *(volatile uint64_t *)(buf + cur);
	return (double)(rte_rdtsc() - t0) / steps + (double)(cur & 0);
}

/* TSC cycles per line, 32 objects of `lines` lines in flight at once. */
static double
probe_batch(uint8_t *buf, size_t pages, unsigned lines, uint64_t *rnd)
{
	const unsigned batches = 8000;
	volatile uint64_t sink = 0;
	uint64_t t0 = rte_rdtsc();

	for (unsigned b = 0; b < batches; b++) {
		uint8_t *obj[PROBE_BATCH];
		uint64_t sum = 0;

		for (unsigned k = 0; k < PROBE_BATCH; k++)
			obj[k] = buf + (xorshift(rnd) % pages) * PROBE_PAGE;
		for (unsigned k = 0; k < PROBE_BATCH; k++)
			for (unsigned l = 0; l < lines; l++)
				rte_prefetch0(obj[k] + 64 * l);
		for (unsigned k = 0; k < PROBE_BATCH; k++)
			for (unsigned l = 0; l < lines; l++)
				sum += *(volatile uint8_t *)(obj[k] + 64 * l);
		sink += sum;
	}
	(void)sink;
	return (double)(rte_rdtsc() - t0) / ((double)batches * PROBE_BATCH * lines);
}

int
bench_memprobe(size_t bytes, unsigned lines, struct bench_memprobe *out)
{
	size_t pages = bytes / PROBE_PAGE;
	uint64_t rnd = 0x9e3779b97f4a7c15ull;
	uint8_t *buf;

	if (pages < 2 || lines == 0 || lines > PROBE_PAGE / 64)
		return -1;
	buf = rte_malloc("memprobe", pages * PROBE_PAGE, PROBE_PAGE);
	if (buf == NULL)
		return -1;
	for (size_t i = 0; i < pages * PROBE_PAGE; i += 64)
		buf[i] = (uint8_t)i; /* fault every page in, leave no line untouched */
	out->chase_cycles = probe_chase(buf, pages, &rnd);
	out->line_cycles = probe_batch(buf, pages, lines, &rnd);
	out->lines = lines;
	out->bytes = pages * PROBE_PAGE;
	rte_free(buf);
	return 0;
}
