/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tuple space search over the SPD (design in gw_spd.h): building the
 * (local mask, remote mask) groups on the control path, and the burst
 * lookup on the data path.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "gw_spd.h"
#include "spd_priv.h"

#define NO_MATCH UINT32_MAX
#define NO_GROUP UINT16_MAX
#define SPD_LENS 33                /* prefix lengths 0..32 */
#define SPD_MAX_GROUPS (SPD_LENS * SPD_LENS)

/*
 * A group is hashed when it holds at least this many policies; smaller ones
 * join the scan list. Hot in cache, one group's bulk hash lookup costs per
 * packet about what testing 20-40 scan entries costs (tests/unit/spd,
 * scale case, prints both: ~15 ns vs ~0.5 ns an entry).
 */
#define SPD_TSS_MIN_PER_GROUP 32

/* Room left in a group's hash: cuckoo inserts fail when buckets fill up. */
#define SPD_HASH_SLACK(n) ((n) / 8 + 8)

/* The hash key: both addresses masked by the group's masks. */
struct spd_key {
	uint32_t local, remote;
};

/* jhash, not CRC: host-pair keys step both words together, and a linear
 * hash of (base + i, base' + i) may map many i to few buckets. */
static uint32_t
spd_key_hash(const void *key, uint32_t len, uint32_t init)
{
	const struct spd_key *k = key;

	(void)len;
	return rte_jhash_2words(k->local, k->remote, init);
}

static int
spd_key_cmp(const void *a, const void *b, size_t len)
{
	uint64_t x, y;

	(void)len;
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return x != y;
}

static bool
is_prefix_policy(const struct gw_spd_entry *e)
{
	return e->proto == 0 &&
	       e->local_port_lo == 0 && e->local_port_hi == 65535 &&
	       e->remote_port_lo == 0 && e->remote_port_hi == 65535 &&
	       e->local_mask == gw_v4_mask((uint8_t)__builtin_popcount(e->local_mask)) &&
	       e->remote_mask == gw_v4_mask((uint8_t)__builtin_popcount(e->remote_mask));
}

void
spd_tss_free(struct gw_spd_table *t)
{
	for (uint32_t g = 0; t->groups != NULL && g < t->n_groups; g++)
		rte_hash_free(t->groups[g].hash);
	rte_free(t->groups);
	if (t->scan != t->entries)
		rte_free(t->scan);
	t->groups = NULL;
	t->n_groups = 0;
	t->scan = NULL;
	t->n_scan = 0;
	t->finalized = 0;
}

/*
 * Fills a group's hash from its policies (idx ascending). Inserting from
 * the highest index down lets the last write, the lowest index, win for
 * duplicate keys. Grows the hash when cuckoo displacement runs out of room.
 */
static int
group_build(struct gw_spd_group *g, const char *name, const uint32_t *idx,
	    const struct gw_spd_entry *entries)
{
	uint64_t size = (uint64_t)g->n_policies + SPD_HASH_SLACK(g->n_policies);

	for (; size <= RTE_HASH_ENTRIES_MAX; size *= 2) {
		struct rte_hash_parameters p = {
			.name = name,
			.entries = (uint32_t)size,
			.key_len = sizeof(struct spd_key),
			.hash_func = spd_key_hash,
			.hash_func_init_val = 0,
			.socket_id = SOCKET_ID_ANY,
		};
		struct rte_hash *h = rte_hash_create(&p);
		int rc = 0;

		if (h == NULL)
			return rte_errno ? -rte_errno : -ENOMEM;
		rte_hash_set_cmp_func(h, spd_key_cmp);
		for (uint32_t j = g->n_policies; j-- > 0 && rc == 0;) {
			const struct gw_spd_entry *e = &entries[idx[j]];
			struct spd_key k = {
				.local = e->local_net & e->local_mask,
				.remote = e->remote_net & e->remote_mask,
			};

			rc = rte_hash_add_key_data(h, &k, (void *)(uintptr_t)e->index);
		}
		if (rc == 0) {
			g->hash = h;
			return 0;
		}
		rte_hash_free(h);
		if (rc != -ENOSPC)
			return rc;
	}
	return -ENOSPC;
}

/*
 * Numbers the prefix policies' (local mask, remote mask) pairs by first
 * appearance, so by ascending lowest index, and keeps the groups worth a
 * hash. gid[i] is policy i's group, NO_GROUP when it is to be scanned.
 * Returns the number of groups kept in groups[].
 */
static uint32_t
group_policies(const struct gw_spd_table *t, struct gw_spd_group *groups, uint16_t *gid)
{
	int16_t slot[SPD_LENS][SPD_LENS];
	uint16_t remap[SPD_MAX_GROUPS];
	uint32_t n_groups = 0, kept = 0;

	memset(slot, 0xff, sizeof(slot));
	for (uint32_t i = 0; i < t->n; i++) {
		const struct gw_spd_entry *e = &t->entries[i];
		int16_t *s;

		gid[i] = NO_GROUP;
		if (!is_prefix_policy(e))
			continue;
		s = &slot[__builtin_popcount(e->local_mask)][__builtin_popcount(e->remote_mask)];
		if (*s < 0) {
			*s = (int16_t)n_groups;
			groups[n_groups].local_mask = e->local_mask;
			groups[n_groups].remote_mask = e->remote_mask;
			groups[n_groups].min_index = i;
			n_groups++;
		}
		gid[i] = (uint16_t)*s;
		groups[*s].n_policies++;
	}
	/* small groups are cheaper scanned than hashed */
	for (uint32_t g = 0; g < n_groups; g++) {
		remap[g] = NO_GROUP;
		if (groups[g].n_policies >= SPD_TSS_MIN_PER_GROUP) {
			remap[g] = (uint16_t)kept;
			groups[kept++] = groups[g];
		}
	}
	for (uint32_t i = 0; i < t->n; i++)
		if (gid[i] != NO_GROUP)
			gid[i] = remap[gid[i]];
	return kept;
}

int
gw_spd_table_finalize(struct gw_spd_table *t, const char *name_prefix)
{
	static uint32_t generation;
	struct gw_spd_group *all = NULL, *groups = NULL;
	struct gw_spd_entry *scan = NULL;
	uint32_t *start = NULL, *order = NULL;
	uint16_t *gid = NULL;
	uint32_t n_groups, n_scan, built = 0, gen;
	int rc = -ENOMEM;

	spd_tss_free(t);
	gid = malloc(((size_t)t->n + 1) * sizeof(*gid));
	order = malloc(((size_t)t->n + 1) * sizeof(*order));
	all = calloc(SPD_MAX_GROUPS, sizeof(*all));
	start = calloc(SPD_MAX_GROUPS + 1, sizeof(*start));
	if (gid == NULL || order == NULL || all == NULL || start == NULL)
		goto out;
	n_groups = group_policies(t, all, gid);
	for (uint32_t g = 0; g < n_groups; g++)
		start[g + 1] = start[g] + all[g].n_policies;
	n_scan = t->n - start[n_groups];
	if (n_groups > 0) {
		groups = rte_zmalloc("spd_groups", n_groups * sizeof(*groups),
				     RTE_CACHE_LINE_SIZE);
		if (groups == NULL)
			goto out;
		memcpy(groups, all, n_groups * sizeof(*groups));
	}
	/* nothing hashed: the scan is the linear lookup over entries[] */
	if (n_groups == 0)
		scan = t->entries;
	else if (n_scan > 0 &&
		 (scan = rte_malloc("spd_scan", (size_t)n_scan * sizeof(*scan),
				    RTE_CACHE_LINE_SIZE)) == NULL)
		goto out;
	/* policy indices by group, ascending within each; the rest scanned */
	n_scan = 0;
	for (uint32_t i = 0; i < t->n; i++) {
		if (gid[i] != NO_GROUP)
			order[start[gid[i]]++] = i;
		else if (scan != t->entries)
			scan[n_scan++] = t->entries[i];
		else
			n_scan++;
	}
	gen = __atomic_fetch_add(&generation, 1, __ATOMIC_RELAXED);
	for (; built < n_groups; built++) {
		struct gw_spd_group *g = &groups[built];
		char name[RTE_HASH_NAMESIZE];

		/* short: rte_hash derives ring names from it ("HT_" + name) */
		snprintf(name, sizeof(name), "%.8s.%x.%x", name_prefix ? name_prefix : "spd",
			 gen, built);
		rc = group_build(g, name, &order[start[built] - g->n_policies], t->entries);
		if (rc != 0)
			goto out;
	}
	t->groups = groups;
	t->n_groups = (uint16_t)n_groups;
	t->scan = scan;
	t->n_scan = n_scan;
	t->finalized = 1;
	rc = 0;
out:
	if (rc != 0) {
		while (built-- > 0)
			rte_hash_free(groups[built].hash);
		rte_free(groups);
		if (scan != t->entries)
			rte_free(scan);
	}
	free(gid);
	free(order);
	free(all);
	free(start);
	return rc;
}

/* Up to RTE_HASH_LOOKUP_BULK_MAX flows. */
static void
lookup_chunk(const struct gw_spd_table *t, const struct gw_flow4 *flows, uint32_t n,
	     int reverse, const struct gw_spd_entry *out[])
{
	uint32_t local[RTE_HASH_LOOKUP_BULK_MAX], remote[RTE_HASH_LOOKUP_BULK_MAX];
	uint32_t best[RTE_HASH_LOOKUP_BULK_MAX];
	struct spd_key keys[RTE_HASH_LOOKUP_BULK_MAX];
	const void *key_ptrs[RTE_HASH_LOOKUP_BULK_MAX];
	void *data[RTE_HASH_LOOKUP_BULK_MAX];
	uint8_t pos[RTE_HASH_LOOKUP_BULK_MAX];
	uint32_t worst = NO_MATCH;

	for (uint32_t i = 0; i < n; i++) {
		local[i] = reverse ? flows[i].dst : flows[i].src;
		remote[i] = reverse ? flows[i].src : flows[i].dst;
		best[i] = NO_MATCH;
		key_ptrs[i] = &keys[i];
	}
	for (uint32_t g = 0; g < t->n_groups; g++) {
		const struct gw_spd_group *gr = &t->groups[g];
		uint64_t hits = 0;
		uint32_t m = 0;

		/* later groups start later still: none can improve a packet */
		if (gr->min_index >= worst)
			break;
		for (uint32_t i = 0; i < n; i++) {
			if (best[i] <= gr->min_index)
				continue;
			keys[m].local = local[i] & gr->local_mask;
			keys[m].remote = remote[i] & gr->remote_mask;
			pos[m++] = (uint8_t)i;
		}
		rte_hash_lookup_bulk_data(gr->hash, key_ptrs, m, &hits, data);
		while (hits) {
			unsigned j = (unsigned)__builtin_ctzll(hits);
			uint32_t idx = (uint32_t)(uintptr_t)data[j];

			if (idx < best[pos[j]])
				best[pos[j]] = idx;
			hits &= hits - 1;
		}
		worst = 0;
		for (uint32_t i = 0; i < n; i++)
			worst = best[i] > worst ? best[i] : worst;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct gw_flow4 *f = &flows[i];
		uint16_t lp = reverse ? f->dport : f->sport, rp = reverse ? f->sport : f->dport;
		const struct gw_spd_entry *s = t->scan, *end = t->scan + t->n_scan;

		for (; s < end && s->index < best[i]; s++) {
			if (gw_spd_entry_match(s, local[i], remote[i], lp, rp, f->proto)) {
				best[i] = s->index;
				break;
			}
		}
		out[i] = best[i] == NO_MATCH ? NULL : &t->entries[best[i]];
	}
}

static inline int
same_flow(const struct gw_flow4 *a, const struct gw_flow4 *b)
{
	return a->src == b->src && a->dst == b->dst && a->sport == b->sport &&
	       a->dport == b->dport && a->proto == b->proto;
}

/*
 * Packets of one flow tend to arrive in runs: only the first flow of each
 * run is looked up and the rest of the run shares its result (at one busy
 * flow, one lookup per burst instead of one per packet).
 */
static void
lookup_runs(const struct gw_spd_table *t, const struct gw_flow4 *flows, uint32_t n,
	    int reverse, const struct gw_spd_entry *out[])
{
	struct gw_flow4 uniq[RTE_HASH_LOOKUP_BULK_MAX];
	const struct gw_spd_entry *uout[RTE_HASH_LOOKUP_BULK_MAX];
	uint8_t run_of[RTE_HASH_LOOKUP_BULK_MAX];
	uint32_t n_u = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (i == 0 || !same_flow(&flows[i], &flows[i - 1]))
			uniq[n_u++] = flows[i];
		run_of[i] = (uint8_t)(n_u - 1);
	}
	if (n_u == n) {
		lookup_chunk(t, flows, n, reverse, out);
		return;
	}
	lookup_chunk(t, uniq, n_u, reverse, uout);
	for (uint32_t i = 0; i < n; i++)
		out[i] = uout[run_of[i]];
}

void
gw_spd_lookup_bulk(const struct gw_spd_table *t, const struct gw_flow4 *flows,
		   uint16_t n, int reverse, const struct gw_spd_entry *out[])
{
	if (unlikely(t == NULL || !t->finalized)) {
		for (uint16_t i = 0; i < n; i++)
			out[i] = t ? gw_spd_lookup(t, &flows[i], reverse) : NULL;
		return;
	}
	for (uint16_t i = 0; i < n; i += RTE_HASH_LOOKUP_BULK_MAX) {
		uint16_t k = RTE_MIN((uint16_t)(n - i), (uint16_t)RTE_HASH_LOOKUP_BULK_MAX);

		lookup_runs(t, &flows[i], k, reverse, &out[i]);
	}
}
