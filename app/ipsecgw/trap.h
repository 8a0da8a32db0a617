/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Trap policies (start_action = trap, and dpd_action / close_action =
 * trap): SPD entries with action GW_ACT_TRAP for a CHILD SA template's
 * selectors, placed after every protect entry, so the CHILD SA's policies
 * take precedence once it is installed and the trap matches again when it
 * is gone.
 *
 * A worker whose packet hits a trap drops it (counted as drop reason
 * "trap"; no packet is queued) and raises GW_EV_TRAP on the event ring,
 * once: the trap's pending flag is taken with one atomic exchange and
 * cleared by the control path at most once a second, so a flood gives one
 * event per second per trap, without locks or syscalls. The control path
 * then asks the IKE engine for the child (gw_ikev2_initiate_child(), which
 * ignores a child that is up or coming up).
 */
#ifndef IPSECGW_TRAP_H
#define IPSECGW_TRAP_H

#include <stdint.h>

#include "dataplane.h"

/** Written by workers: a cache line of its own per trap. */
struct gw_trap_slot {
	uint32_t pending;
} __rte_cache_aligned;

/** One per trap id; allocated by gw_traps_ready(), NULL without traps. */
extern struct gw_trap_slot *gw_trap_slots;

/** Worker side: a packet matched trap policy @p id (the caller drops it). */
static inline void
gw_trap_hit(uint16_t id)
{
	struct gw_trap_slot *s = &gw_trap_slots[id];
	struct gw_event ev = { .type = GW_EV_TRAP, .ip = id };

	if (__atomic_load_n(&s->pending, __ATOMIC_RELAXED) ||
	    __atomic_exchange_n(&s->pending, 1, __ATOMIC_ACQUIRE))
		return;
	if (!gw_ctrl_up_event(&gw_dp.ctrl, &ev))
		__atomic_store_n(&s->pending, 0, __ATOMIC_RELEASE); /* ring full: next packet */
}

/* ------------------------------------------------------- control path */

/**
 * Registers a trap for a connection's CHILD SA template (its IPv4
 * selectors from the configuration). Before gw_traps_ready(). 0 or -1.
 */
int gw_trap_add(const char *conn, const char *child, const struct gw_ts *local,
		unsigned n_local, const struct gw_ts *remote, unsigned n_remote);

/** Allocates the workers' flags once every trap is added. 0 or -1. */
int gw_traps_ready(void);

/** How many SPD entries the traps need. */
uint32_t gw_trap_spd_count(void);

/** Appends the trap entries to an SPD being built (after protect ones). 0 or -1. */
int gw_trap_spd_add(struct gw_spd_table *t);

/** Handles GW_EV_TRAP: initiates the trap's child. */
void gw_trap_event(uint32_t id);

/** Re-arms the traps (clears the pending flags) once a second. */
void gw_trap_tick(uint64_t now_ms);

/** Frees the registry; triggers are ignored afterwards. */
void gw_trap_free(void);

#endif /* IPSECGW_TRAP_H */
