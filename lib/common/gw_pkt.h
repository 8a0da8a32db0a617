/* SPDX-License-Identifier: BSD-3-Clause */
/** @file Small IPv4 packet helpers for the fast path. */
#ifndef GW_PKT_H
#define GW_PKT_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

/**
 * Decrements TTL with an incremental checksum update (RFC 1624).
 * Returns the TTL before the decrement; the caller drops when it was <= 1.
 */
static inline uint8_t
gw_ipv4_dec_ttl(struct rte_ipv4_hdr *ip)
{
	uint8_t ttl = ip->time_to_live;
	uint32_t sum;

	if (ttl <= 1)
		return ttl;
	ip->time_to_live = ttl - 1;
	/* TTL is the high byte of its 16-bit word: the sum grows by 0x0100 */
	sum = (uint32_t)ip->hdr_checksum + rte_cpu_to_be_16(0x0100);
	ip->hdr_checksum = (uint16_t)(sum + (sum >> 16));
	return ttl;
}

/**
 * True when an IPv4 header's checksum verifies. The common 20-byte header
 * is summed as five 32-bit words in one 64-bit accumulator (a one's
 * complement sum is the same over any word size); options take DPDK's
 * generic loop.
 */
static inline int
gw_ipv4_cksum_ok(const struct rte_ipv4_hdr *ip, uint16_t ihl)
{
	uint32_t w[5];
	uint64_t sum;

	if (ihl != sizeof(*ip))
		return rte_ipv4_cksum(ip) == 0;
	memcpy(w, ip, sizeof(w));
	sum = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

#endif /* GW_PKT_H */
