/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Trap policies on the control path: the registry of traps, their SPD
 * entries and what a trigger does (see trap.h for the worker side).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "control.h"
#include "events.h"
#include "gw_log.h"
#include "ike.h"
#include "trap.h"
#include "v2/gw_ikev2.h"

struct gw_trap {
	char conn[GW_NAME_MAX];
	char child[GW_NAME_MAX];
	struct gw_ts local[GW_MAX_TS];
	struct gw_ts remote[GW_MAX_TS];
	unsigned n_local, n_remote;
	uint64_t triggered;        /* triggers acted on */
};

struct gw_trap_slot *gw_trap_slots;
static struct gw_trap *traps;
static unsigned n_traps;

int
gw_trap_add(const char *conn, const char *child, const struct gw_ts *local,
	    unsigned n_local, const struct gw_ts *remote, unsigned n_remote)
{
	struct gw_trap *grown, *t;

	if (gw_trap_slots != NULL || n_traps >= UINT16_MAX ||
	    n_local > GW_MAX_TS || n_remote > GW_MAX_TS)
		return -1;
	for (unsigned i = 0; i < n_local; i++)
		if (local[i].prefix.addr.family != GW_AF_INET)
			return -1;         /* the SPD is IPv4 only for now */
	for (unsigned i = 0; i < n_remote; i++)
		if (remote[i].prefix.addr.family != GW_AF_INET)
			return -1;
	grown = realloc(traps, (n_traps + 1) * sizeof(*traps));
	if (grown == NULL)
		return -1;
	traps = grown;
	t = &traps[n_traps++];
	memset(t, 0, sizeof(*t));
	snprintf(t->conn, sizeof(t->conn), "%s", conn);
	snprintf(t->child, sizeof(t->child), "%s", child);
	memcpy(t->local, local, n_local * sizeof(*local));
	memcpy(t->remote, remote, n_remote * sizeof(*remote));
	t->n_local = n_local;
	t->n_remote = n_remote;
	return 0;
}

int
gw_traps_ready(void)
{
	if (n_traps == 0)
		return 0;
	gw_trap_slots = rte_zmalloc("gw_traps", n_traps * sizeof(*gw_trap_slots),
				    RTE_CACHE_LINE_SIZE);
	return gw_trap_slots ? 0 : -1;
}

uint32_t
gw_trap_spd_count(void)
{
	uint32_t n = 0;

	for (unsigned i = 0; gw_trap_slots && i < n_traps; i++)
		n += traps[i].n_local * traps[i].n_remote;
	return n;
}

int
gw_trap_spd_add(struct gw_spd_table *t)
{
	/* not before the slots exist: a worker must find its flag */
	for (unsigned i = 0; gw_trap_slots && i < n_traps; i++) {
		for (unsigned l = 0; l < traps[i].n_local; l++) {
			for (unsigned r = 0; r < traps[i].n_remote; r++) {
				if (gw_spd_table_add(t, &traps[i].local[l], &traps[i].remote[r],
						     GW_ACT_TRAP, NULL) != 0)
					return -1;
				t->entries[t->n - 1].trap = (uint16_t)i;
			}
		}
	}
	return 0;
}

void
gw_trap_event(uint32_t id)
{
	struct gw_ikev2_engine *e = gw_ike_engine();
	struct gw_trap *t;
	int rc;

	if (id >= n_traps || e == NULL)
		return;
	t = &traps[id];
	rc = gw_ikev2_initiate_child(e, t->conn, t->child);
	if (rc == -EALREADY)
		return;            /* up or coming up: nothing to do */
	t->triggered++;
	gw_events_add("trap-triggered", t->conn, t->child, "%s",
		      rc == 0 ? "negotiation started" : strerror(-rc));
	if (rc == 0)
		GW_INFO("IKE %s: trap for child %s triggered, negotiating", t->conn, t->child);
	else
		GW_ERR("IKE %s: trap for child %s: initiate failed: %s", t->conn, t->child,
		       strerror(-rc));
}

void
gw_trap_tick(uint64_t now_ms)
{
	static uint64_t last_ms;

	if (gw_trap_slots == NULL || now_ms - last_ms < 1000)
		return;
	last_ms = now_ms;
	/* the control path does not know when the child came up (its
	 * protect policies then win) or failed: re-arming every second
	 * costs at most one event per trap and second */
	for (unsigned i = 0; i < n_traps; i++)
		__atomic_store_n(&gw_trap_slots[i].pending, 0, __ATOMIC_RELEASE);
}

void
gw_trap_free(void)
{
	/* the slots stay: a running worker may still hit a trap entry of
	 * the current SPD (EAL cleanup releases them) */
	free(traps);
	traps = NULL;
	n_traps = 0;
}
