/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A worker's neighbour cache: IPv4 next hop -> MAC, open addressing with
 * linear probing, written only by its worker (from control messages) so
 * lookups need no synchronisation. The control path holds the
 * authoritative table (static entries and ARP) and pushes changes.
 */
#ifndef GW_NEIGH_H
#define GW_NEIGH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>

#define GW_NEIGH_SLOTS 1024 /* power of two; more neighbours than this is not a site gateway */

enum gw_neigh_state { GW_NEIGH_EMPTY = 0, GW_NEIGH_INCOMPLETE, GW_NEIGH_VALID };

struct gw_neigh {
	uint32_t ip;               /**< host order */
	uint8_t state;
	uint8_t pad;
	struct rte_ether_addr mac;
	uint16_t held_port;        /**< where the held packet goes */
	uint64_t requested_tsc;    /**< last resolution request (incomplete) */
	void *held;                /**< one packet waiting for resolution (an
				    *   rte_mbuf, data at its IP header), as an
				    *   ARP cache holds the first packet */
};

struct gw_neigh_cache {
	struct gw_neigh slot[GW_NEIGH_SLOTS];
	uint32_t used;
};

static inline uint32_t
gw_neigh_hash(uint32_t ip)
{
	return (ip * 2654435761u) >> 22; /* top 10 bits: GW_NEIGH_SLOTS */
}

/** Finds the entry for ip, or the empty slot where it would go (NULL if full). */
static inline struct gw_neigh *
gw_neigh_find(struct gw_neigh_cache *c, uint32_t ip)
{
	uint32_t h = gw_neigh_hash(ip);

	for (uint32_t i = 0; i < GW_NEIGH_SLOTS; i++) {
		struct gw_neigh *n = &c->slot[(h + i) & (GW_NEIGH_SLOTS - 1)];

		if (n->state == GW_NEIGH_EMPTY || n->ip == ip)
			return n;
	}
	return NULL;
}

/** Sets or replaces a resolved entry. Returns 0 or -1 when full. */
static inline int
gw_neigh_set(struct gw_neigh_cache *c, uint32_t ip, const uint8_t mac[6])
{
	struct gw_neigh *n = gw_neigh_find(c, ip);

	if (n == NULL)
		return -1;
	if (n->state == GW_NEIGH_EMPTY)
		c->used++;
	n->ip = ip;
	memcpy(&n->mac, mac, 6);
	n->state = GW_NEIGH_VALID;
	return 0;
}

#endif /* GW_NEIGH_H */
