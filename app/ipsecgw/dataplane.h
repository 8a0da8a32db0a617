/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * State shared by the control path and the workers. Everything here is
 * written by the control path before the workers start and is read-only
 * afterwards, except each worker's own struct gw_worker.
 */
#ifndef IPSECGW_DATAPLANE_H
#define IPSECGW_DATAPLANE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "gw_cfg.h"
#include "gw_ctrl.h"
#include "gw_esp.h"
#include "gw_neigh.h"
#include "gw_route.h"
#include "gw_spd.h"
#include "gw_stats.h"

#define GW_MAX_LOCAL_ADDRS (GW_MAX_PORTS * GW_MAX_PORT_ADDRS)

/** What the fast path needs of a port, indexed by DPDK port id. */
struct gw_dp_port {
	bool used;
	uint8_t role;              /**< enum gw_port_role */
	uint16_t mtu;
	uint16_t nb_rxq;
	bool rx_ipv4_cksum;
	struct rte_ether_addr mac;
	uint64_t mac64;            /**< mac in the low 6 bytes of a little-endian load */
	const struct gw_cfg_port *cfg;
};

/** One of the gateway's own IPv4 addresses. */
struct gw_local_addr {
	uint32_t ip;               /**< host order */
	uint32_t mask;
	uint16_t port;
};

/** Pipeline stages for per-stage cycle accounting (benchmark --profile). */
enum gw_prof_stage {
	GW_PROF_CLASSIFY,          /**< L2/L3 checks, local delivery, direction */
	GW_PROF_LOOKUP,            /**< SPD and SPI lookups, handoff */
	GW_PROF_ESP,               /**< encryption/decryption and ESP headers */
	GW_PROF_FORWARD,           /**< route, neighbour, L2 header */
	GW_PROF_TX,                /**< TX burst */
	GW_PROF_MAX
};

/** A worker's private state; cache aligned, written only by that worker. */
struct gw_worker {
	unsigned idx;
	unsigned lcore;
	uint16_t burst;
	uint16_t n_rxq;
	struct {
		uint16_t port;
		uint16_t queue;
	} rxq[GW_MAX_PORTS];
	uint16_t txq;              /**< this worker's TX queue on every port */
	struct rte_ring *handoff;  /**< packets other workers pass to this owner */
	struct rte_hash *spi_table; /**< inbound SPI -> struct gw_sa * */
	struct gw_spd_table *spd;  /**< current SPD (swapped by message) */
	volatile uint32_t msg_applied;
	struct gw_esp_ctx esp;
	struct gw_worker_stats stats;
	uint64_t prof[GW_PROF_MAX]; /**< cycles per stage while gw_dp.profile */
	struct gw_neigh_cache neigh;
	uint64_t icmp_last_tsc;    /**< when this worker last sent an ICMP error */
	struct {
		uint16_t n;
		struct rte_mbuf *pkts[2 * GW_BURST_MAX];
	} txbuf[RTE_MAX_ETHPORTS];
} __rte_cache_aligned;

/** The data plane as a whole. */
struct gw_dp {
	const struct gw_cfg *cfg;
	struct gw_ctrl ctrl;
	struct rte_mempool *pool;
	struct gw_dp_port port[RTE_MAX_ETHPORTS];
	uint16_t port_ids[GW_MAX_PORTS]; /**< by config index */
	unsigned n_ports;
	struct gw_local_addr local[GW_MAX_LOCAL_ADDRS];
	unsigned n_local;
	struct gw_route_table routes;
	struct gw_worker *workers[GW_MAX_WORKERS];
	unsigned n_workers;
	bool idle_sleep;
	unsigned idle_sleep_us;
	volatile bool stop;
	bool profile;              /**< count cycles per stage (one rdtsc per stage and burst) */
	uint64_t resolve_retry_tsc; /**< how long a worker waits before re-asking ARP */
	/** Smallest MTU of the unprotected ports: what an ESP packet must fit. */
	uint16_t tunnel_mtu;
	uint64_t icmp_gap_tsc;     /**< a worker sends at most one ICMP error per gap */
};

extern struct gw_dp gw_dp;

/** mbuf dynamic field holding the SA of a packet handed to its owner. */
extern int gw_mbuf_sa_offset;

static inline struct gw_sa **
gw_mbuf_sa(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, gw_mbuf_sa_offset, struct gw_sa **);
}

/** Registers the dynamic field; control path, once, before workers run. */
int gw_mbuf_sa_register(void);

/**
 * Brings up the data plane from a configuration after rte_eal_init:
 * mempool, rings, ports, connected and static routes, workers. 0 or -1.
 */
int gw_dp_setup(const struct gw_cfg *cfg);
/** Starts every worker on its lcore. */
void gw_dp_launch(void);
/** Stops workers, wipes and frees SAs, closes ports. */
void gw_dp_shutdown(void);

/** Worker lcore entry point (arg: struct gw_worker *). */
int gw_worker_main(void *arg);

/**
 * Runs one burst of received frames through the pipeline on worker w.
 * Exposed so the benchmark drives the same code as the gateway.
 */
void gw_worker_process(struct gw_worker *w, struct rte_mbuf *pkts[], uint16_t n);

/** Processes packets other workers handed to this one (it owns their SAs). */
uint16_t gw_worker_handoff(struct gw_worker *w);

/** Applies pending control messages; returns how many. */
unsigned gw_worker_apply_messages(struct gw_worker *w);

/** Sends what the worker buffered for transmission. */
void gw_worker_flush(struct gw_worker *w);

/** Finds whether ip (host order) is one of ours; returns its entry or NULL. */
static inline const struct gw_local_addr *
gw_dp_local_lookup(uint32_t ip)
{
	for (unsigned i = 0; i < gw_dp.n_local; i++)
		if (gw_dp.local[i].ip == ip)
			return &gw_dp.local[i];
	return NULL;
}

#endif /* IPSECGW_DATAPLANE_H */
