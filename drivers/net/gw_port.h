/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Port setup that adapts to what each PMD reports (queues, offloads, RSS,
 * MTU), so vfio-pci NICs and virtual devices (af_packet, af_xdp, tap, null,
 * pcap, ring) go through the same code.
 */
#ifndef GW_PORT_H
#define GW_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

struct gw_port_request {
	uint16_t nb_queues;        /**< wanted RX and TX queues (one per worker) */
	uint16_t nb_rxd;
	uint16_t nb_txd;
	uint16_t mtu;              /**< 0 keeps the device default */
	struct rte_mempool *pool;
};

struct gw_port_setup {
	uint16_t nb_rxq;           /**< RX queues actually configured */
	uint16_t nb_txq;
	bool rss;                  /**< RSS enabled across RX queues */
	bool rx_ipv4_cksum;        /**< device validates IPv4 header checksums */
	uint16_t mtu;
	struct rte_ether_addr mac;
	char driver[32];
};

/**
 * Configures and starts port_id. RX queues are min(wanted, device max);
 * TX queues must reach the wanted count (each worker transmits on its own
 * queue). Returns 0, or a negative errno with a logged reason.
 */
int gw_port_configure(uint16_t port_id, const struct gw_port_request *req,
		      struct gw_port_setup *out);

/** Stops and closes a port. */
void gw_port_close(uint16_t port_id);

#endif /* GW_PORT_H */
