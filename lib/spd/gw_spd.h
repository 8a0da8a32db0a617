/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Security Policy Database: an ordered list of selectors with an action.
 *
 * The control path builds a complete, immutable table and publishes it to
 * the workers by pointer (one ring message per worker); the previous table
 * is freed after every worker passed a quiescent state. So a lookup never
 * sees a half-updated SPD, and workers never take a lock.
 *
 * Lookup is a first-match linear scan in policy order: fine for tens of
 * policies; large SPDs will move to rte_acl behind the same interface.
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
	uint16_t index;            /**< position, for display and counters */
	struct gw_sa *sa;          /**< outbound SA when action is protect */
};

struct gw_spd_table {
	uint32_t n;
	uint32_t max;
	uint8_t default_action;    /**< when nothing matches */
	struct gw_spd_entry entries[];
};

/** Allocates an empty table with room for max entries (control path). */
struct gw_spd_table *gw_spd_table_alloc(uint32_t max, enum gw_policy_action dflt);
void gw_spd_table_free(struct gw_spd_table *t);

/**
 * Appends a policy built from two traffic selectors (IPv4 only for now).
 * Returns 0, or -1 when full or not IPv4.
 */
int gw_spd_table_add(struct gw_spd_table *t, const struct gw_ts *local,
		     const struct gw_ts *remote, enum gw_policy_action action,
		     struct gw_sa *sa);

/** 5-tuple of a packet, host order; ports 0 when not TCP/UDP/SCTP. */
struct gw_flow4 {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto;
};

/**
 * First match for a packet leaving through the tunnel side (src is local,
 * dst is remote), or for one arriving from it (reverse, src is remote).
 * NULL when nothing matches (apply t->default_action).
 */
static inline const struct gw_spd_entry *
gw_spd_lookup(const struct gw_spd_table *t, const struct gw_flow4 *f, int reverse)
{
	uint32_t l = reverse ? f->dst : f->src, r = reverse ? f->src : f->dst;
	uint16_t lp = reverse ? f->dport : f->sport, rp = reverse ? f->sport : f->dport;

	for (uint32_t i = 0; i < t->n; i++) {
		const struct gw_spd_entry *e = &t->entries[i];

		if (((l ^ e->local_net) & e->local_mask) == 0 &&
		    ((r ^ e->remote_net) & e->remote_mask) == 0 &&
		    (e->proto == 0 || e->proto == f->proto) &&
		    lp >= e->local_port_lo && lp <= e->local_port_hi &&
		    rp >= e->remote_port_lo && rp <= e->remote_port_hi)
			return e;
	}
	return NULL;
}

#endif /* GW_SPD_H */
