/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "gw_route.h"

int
gw_route_table_init(struct gw_route_table *t, const char *name, int socket)
{
	struct rte_lpm_config conf = {
		.max_rules = 1024,
		.number_tbl8s = 256,
	};

	memset(t, 0, sizeof(*t));
	t->lpm = rte_lpm_create(name, socket, &conf);
	return t->lpm ? 0 : -1;
}

static int
nexthop_index(struct gw_route_table *t, uint32_t gateway, uint16_t port)
{
	for (uint32_t i = 0; i < t->n_nh; i++)
		if (t->nh[i].gateway == gateway && t->nh[i].port == port)
			return (int)i;
	if (t->n_nh == GW_MAX_NEXTHOPS)
		return -1;
	t->nh[t->n_nh].gateway = gateway;
	t->nh[t->n_nh].port = port;
	return (int)t->n_nh++;
}

int
gw_route_add(struct gw_route_table *t, const struct gw_prefix *dst,
	     uint32_t gateway, uint16_t port, int connected)
{
	struct gw_route_entry *r;
	int idx;

	if (dst->addr.family != GW_AF_INET || t->n_routes == GW_MAX_NEXTHOPS)
		return -1;
	idx = nexthop_index(t, gateway, port);
	if (idx < 0 || rte_lpm_add(t->lpm, dst->addr.v4, dst->len, (uint32_t)idx) < 0)
		return -1;
	r = &t->routes[t->n_routes++];
	r->dst = *dst;
	r->via.family = gateway ? GW_AF_INET : GW_AF_NONE;
	r->via.v4 = gateway;
	r->port = port;
	r->connected = (uint8_t)connected;
	return 0;
}

void
gw_route_table_free(struct gw_route_table *t)
{
	rte_lpm_free(t->lpm);
	t->lpm = NULL;
}
