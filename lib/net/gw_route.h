/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IPv4 routing: connected subnets of the ports plus static routes in an
 * rte_lpm whose next hop indexes a small next-hop table. Built once by the
 * control path before workers start, read-only afterwards.
 */
#ifndef GW_ROUTE_H
#define GW_ROUTE_H

#include <stdint.h>

#include <rte_lpm.h>

#include "gw_addr.h"

#define GW_MAX_NEXTHOPS 256

struct gw_nexthop {
	uint32_t gateway;          /**< host order; 0 = on-link (use destination) */
	uint16_t port;             /**< DPDK port id */
	uint16_t pad;
};

struct gw_route_entry {
	struct gw_prefix dst;
	struct gw_addr via;
	uint16_t port;
	uint8_t connected;
};

struct gw_route_table {
	struct rte_lpm *lpm;
	struct gw_nexthop nh[GW_MAX_NEXTHOPS];
	uint32_t n_nh;
	struct gw_route_entry routes[GW_MAX_NEXTHOPS]; /**< for display */
	uint32_t n_routes;
};

/** Creates an empty table (name must be unique per process). 0 or -1. */
int gw_route_table_init(struct gw_route_table *t, const char *name, int socket);

/** Adds dst via gateway (0 = connected) out of port. 0 or -1 (full, LPM error). */
int gw_route_add(struct gw_route_table *t, const struct gw_prefix *dst,
		 uint32_t gateway, uint16_t port, int connected);

void gw_route_table_free(struct gw_route_table *t);

/** Next hop for dst (host order), or NULL when there is no route. */
static inline const struct gw_nexthop *
gw_route_lookup(const struct gw_route_table *t, uint32_t dst)
{
	uint32_t idx;

	if (rte_lpm_lookup(t->lpm, dst, &idx) != 0)
		return NULL;
	return &t->nh[idx];
}

#endif /* GW_ROUTE_H */
