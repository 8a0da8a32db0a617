/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Security Policy Database: an ordered list of selectors with an action.
 *
 * The control path builds a complete, immutable table, finalizes it and
 * publishes it to the workers by pointer (one ring message per worker); the
 * previous table is freed after every worker passed a quiescent state. So a
 * lookup never sees a half-updated SPD, and workers never take a lock.
 *
 * Semantics are first match in policy order: the policy with the lowest
 * index whose selectors match wins. gw_spd_lookup() is the reference: a
 * linear scan. gw_spd_lookup_bulk() gives the same answers for a burst and
 * scales to millions of policies by tuple space search, built by
 * gw_spd_table_finalize():
 *
 * - Policies with any protocol and any ports ("prefix policies") go into
 *   groups keyed by their (local mask, remote mask) pair. Each group is an
 *   rte_hash from (local & lmask, remote & rmask) to the lowest policy index
 *   holding that key; a burst costs one bulk hash lookup per group, and the
 *   answer is the lowest index over the groups.
 * - Groups are ordered by the lowest policy index they hold: once every
 *   packet of the burst has a match below a group's lowest index, that group
 *   and all later ones are skipped. Typical SPDs (a few bypass/discard rules,
 *   then one host or subnet pair per SA) touch one or two groups per burst.
 * - Policies with a protocol or port constraint, and those of groups too
 *   small to be worth a hash (under 32 policies), stay in an ordered scan
 *   list, tested per packet only up to the best index found in the groups.
 *   A small SPD thus has no hash at all: the scan is the linear lookup.
 *
 * Cost: one rte_hash bulk lookup per hashed group not skipped, plus the
 * scan up to the match. An SPD with many large groups of distinct
 * prefix-length pairs early in the order (up to 33 x 33 = 1089) pays for
 * each of them on every burst, and one with thousands of port/protocol
 * policies scans them. Memory: the entry (40 bytes) plus about 34 bytes of
 * hash per hashed policy (tests/unit/spd prints it).
 */
#ifndef GW_SPD_H
#define GW_SPD_H

#include <stdint.h>

#include "gw_cfg.h"
#include "gw_sa.h"

/** One IPv4 policy in host byte order. */
struct gw_spd_entry {
	uint32_t local_net, local_mask;
	uint32_t remote_net, remote_mask;
	uint16_t local_port_lo, local_port_hi;
	uint16_t remote_port_lo, remote_port_hi;
	uint8_t proto;             /**< 0 = any */
	uint8_t action;            /**< enum gw_policy_action */
	uint16_t trap;             /**< trap id when action is trap (in the padding) */
	uint32_t index;            /**< position in the table: lower wins */
	struct gw_sa *sa;          /**< outbound SA when action is protect */
};

struct gw_spd_group;

struct gw_spd_table {
	uint32_t n;
	uint32_t max;
	uint8_t default_action;    /**< when nothing matches */
	uint8_t finalized;         /**< set by gw_spd_table_finalize() */
	uint16_t n_groups;         /**< hashed (lmask, rmask) groups */
	uint32_t n_scan;           /**< policies in scan[] */
	struct gw_spd_group *groups; /**< by lowest policy index, ascending */
	struct gw_spd_entry *scan; /**< policies not in a group, in policy order */
	struct gw_spd_entry entries[];
};

/** Allocates an empty table with room for max entries (control path). */
struct gw_spd_table *gw_spd_table_alloc(uint32_t max, enum gw_policy_action dflt);

/** Frees the table and its lookup structures; NULL is a no-op. */
void gw_spd_table_free(struct gw_spd_table *t);

/**
 * Appends a policy built from two traffic selectors (IPv4 only for now).
 * Returns 0, or -1 when full, not IPv4 or already finalized.
 */
int gw_spd_table_add(struct gw_spd_table *t, const struct gw_ts *local,
		     const struct gw_ts *remote, enum gw_policy_action action,
		     struct gw_sa *sa);

/**
 * Builds the lookup structures once every policy is added (control path:
 * allocates, creates rte_hash tables, needs EAL). The table is immutable
 * afterwards. name_prefix names the hashes (its first 8 characters; a
 * process-wide counter keeps names unique across rebuilds). Calling it
 * again, before the table is published, rebuilds the structures.
 * Returns 0, or a negative errno (-ENOMEM, -ENOSPC); on error the table is
 * left unfinalized, still usable by gw_spd_lookup() and freeable.
 */
int gw_spd_table_finalize(struct gw_spd_table *t, const char *name_prefix);

/** 5-tuple of a packet, host order; ports 0 when not TCP/UDP/SCTP. */
struct gw_flow4 {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto;
};

/** Whether policy e matches a packet with these local/remote addresses and ports. */
static inline int
gw_spd_entry_match(const struct gw_spd_entry *e, uint32_t l, uint32_t r,
		   uint16_t lp, uint16_t rp, uint8_t proto)
{
	return ((l ^ e->local_net) & e->local_mask) == 0 &&
	       ((r ^ e->remote_net) & e->remote_mask) == 0 &&
	       (e->proto == 0 || e->proto == proto) &&
	       lp >= e->local_port_lo && lp <= e->local_port_hi &&
	       rp >= e->remote_port_lo && rp <= e->remote_port_hi;
}

/**
 * First match for a packet leaving through the tunnel side (src is local,
 * dst is remote), or for one arriving from it (reverse, src is remote).
 * NULL when nothing matches (apply t->default_action). A linear scan: the
 * reference semantics, fine for small tables and tests.
 */
static inline const struct gw_spd_entry *
gw_spd_lookup(const struct gw_spd_table *t, const struct gw_flow4 *f, int reverse)
{
	uint32_t l = reverse ? f->dst : f->src, r = reverse ? f->src : f->dst;
	uint16_t lp = reverse ? f->dport : f->sport, rp = reverse ? f->sport : f->dport;

	for (uint32_t i = 0; i < t->n; i++)
		if (gw_spd_entry_match(&t->entries[i], l, r, lp, rp, f->proto))
			return &t->entries[i];
	return NULL;
}

/**
 * gw_spd_lookup() for n flows at once (data path: no allocation, no lock):
 * out[i] is the first match for flows[i], or NULL (apply
 * t->default_action). t may be NULL (no SPD installed: every out[i] NULL).
 * Uses the structures of gw_spd_table_finalize(), or falls back to the
 * linear scan on a table that is not finalized.
 */
void gw_spd_lookup_bulk(const struct gw_spd_table *t, const struct gw_flow4 *flows,
			uint16_t n, int reverse, const struct gw_spd_entry *out[]);

#endif /* GW_SPD_H */
