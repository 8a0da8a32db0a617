/* SPDX-License-Identifier: BSD-3-Clause */
/* The SPD table: allocation and policy order (lookups: spd_tss.c). */
#include <stdlib.h>

#include <rte_malloc.h>

#include "gw_spd.h"
#include "spd_priv.h"

struct gw_spd_table *
gw_spd_table_alloc(uint32_t max, enum gw_policy_action dflt)
{
	struct gw_spd_table *t;

	t = rte_zmalloc("spd", sizeof(*t) + (size_t)max * sizeof(t->entries[0]),
			RTE_CACHE_LINE_SIZE);
	if (t == NULL)
		return NULL;
	t->default_action = dflt;
	t->max = max;
	return t;
}

void
gw_spd_table_free(struct gw_spd_table *t)
{
	if (t == NULL)
		return;
	spd_tss_free(t);
	rte_free(t);
}

int
gw_spd_table_add(struct gw_spd_table *t, const struct gw_ts *local,
		 const struct gw_ts *remote, enum gw_policy_action action,
		 struct gw_sa *sa)
{
	struct gw_spd_entry *e;

	if (t->n == t->max || t->finalized)
		return -1;
	if (local->prefix.addr.family != GW_AF_INET ||
	    remote->prefix.addr.family != GW_AF_INET)
		return -1;
	e = &t->entries[t->n];
	e->local_net = local->prefix.addr.v4;
	e->local_mask = gw_v4_mask(local->prefix.len);
	e->remote_net = remote->prefix.addr.v4;
	e->remote_mask = gw_v4_mask(remote->prefix.len);
	/* a selector with no port range means any port */
	e->local_port_lo = local->port_lo;
	e->local_port_hi = local->port_hi ? local->port_hi : 65535;
	e->remote_port_lo = remote->port_lo;
	e->remote_port_hi = remote->port_hi ? remote->port_hi : 65535;
	e->proto = local->proto ? local->proto : remote->proto;
	e->action = (uint8_t)action;
	e->trap = 0;
	e->index = t->n;
	e->sa = sa;
	t->n++;
	return 0;
}
