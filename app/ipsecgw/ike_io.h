/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IKE datagrams between the wire and the control path. Workers hand UDP
 * 500 and UDP 4500 packets that carry the non-ESP marker (RFC 3948) up the
 * slow ring; this module checks them and extracts the IKE message, and
 * builds outgoing IKE datagrams (with the marker on port 4500) that worker
 * 0 transmits. No DPDK worker ever runs this code.
 */
#ifndef IPSECGW_IKE_IO_H
#define IPSECGW_IKE_IO_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "gw_addr.h"

#define GW_IKE_PORT 500
#define GW_IKE_NATT_PORT 4500

/** One received IKE message and where it came from. */
struct gw_ike_dgram {
	struct gw_addr src;
	struct gw_addr dst;        /**< one of our addresses */
	uint16_t sport;
	uint16_t dport;            /**< 500 or 4500 */
	uint16_t in_port;          /**< DPDK port it arrived on */
	const uint8_t *msg;        /**< IKE header onwards (marker removed) */
	uint16_t len;
};

enum gw_ike_io_err {
	GW_IKE_IO_OK = 0,
	GW_IKE_IO_MALFORMED = -1,  /**< bad Ethernet/IPv4/UDP framing */
	GW_IKE_IO_NOT_IKE = -2,    /**< not UDP 500/4500, or 4500 without marker */
	GW_IKE_IO_FRAGMENT = -3,   /**< IP fragment: reassembly is not done */
	GW_IKE_IO_NO_ROUTE = -4,
	GW_IKE_IO_NO_NEIGHBOR = -5, /**< ARP asked; the caller retransmits later */
	GW_IKE_IO_NO_MBUF = -6,
	GW_IKE_IO_TOO_BIG = -7,
	GW_IKE_IO_KEEPALIVE = -8,  /**< a NAT keepalive (0xFF on 4500): drop quietly */
};

/**
 * Parses a frame the workers passed up (Ethernet at the data start). On
 * success d->msg points into m, valid while m is. Returns GW_IKE_IO_OK or
 * a negative enum gw_ike_io_err.
 */
int gw_ike_dgram_parse(struct rte_mbuf *m, struct gw_ike_dgram *d);

/**
 * Sends an IKE message from src:sport to dst:dport (IPv4), adding the
 * non-ESP marker when either port is 4500. Routes and resolves the next
 * hop on the control path's tables. Returns GW_IKE_IO_OK or a negative
 * enum gw_ike_io_err.
 */
int gw_ike_dgram_send(const struct gw_addr *src, uint16_t sport,
		      const struct gw_addr *dst, uint16_t dport,
		      const uint8_t *msg, size_t len);

/** Name of an enum gw_ike_io_err for logs. */
const char *gw_ike_io_strerror(int err);

#endif /* IPSECGW_IKE_IO_H */
