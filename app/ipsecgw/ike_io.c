/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "control.h"
#include "dataplane.h"
#include "ike_io.h"

#define NON_ESP_MARKER_LEN 4

const char *
gw_ike_io_strerror(int err)
{
	switch (err) {
	case GW_IKE_IO_OK: return "ok";
	case GW_IKE_IO_MALFORMED: return "malformed frame";
	case GW_IKE_IO_NOT_IKE: return "not an IKE datagram";
	case GW_IKE_IO_FRAGMENT: return "IP fragment (not reassembled)";
	case GW_IKE_IO_NO_ROUTE: return "no route to peer";
	case GW_IKE_IO_NO_NEIGHBOR: return "next hop not resolved yet";
	case GW_IKE_IO_NO_MBUF: return "out of mbufs";
	case GW_IKE_IO_TOO_BIG: return "message too big for one frame";
	case GW_IKE_IO_KEEPALIVE: return "NAT keepalive";
	}
	return "?";
}

int
gw_ike_dgram_parse(struct rte_mbuf *m, struct gw_ike_dgram *d)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)p;
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	uint32_t ihl, tot, ulen;

	if (len < sizeof(*eth) + sizeof(*ip) + sizeof(*udp) ||
	    eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return GW_IKE_IO_MALFORMED;
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	ihl = rte_ipv4_hdr_len(ip);
	tot = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || tot < ihl + sizeof(*udp) ||
	    sizeof(*eth) + tot > len)
		return GW_IKE_IO_MALFORMED;
	if (rte_be_to_cpu_16(ip->fragment_offset) & (RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG))
		return GW_IKE_IO_FRAGMENT;
	if (ip->next_proto_id != IPPROTO_UDP)
		return GW_IKE_IO_NOT_IKE;
	udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (ulen < sizeof(*udp) || ulen > tot - ihl)
		return GW_IKE_IO_MALFORMED;
	memset(d, 0, sizeof(*d));
	d->src.family = d->dst.family = GW_AF_INET;
	d->src.v4 = rte_be_to_cpu_32(ip->src_addr);
	d->dst.v4 = rte_be_to_cpu_32(ip->dst_addr);
	d->sport = rte_be_to_cpu_16(udp->src_port);
	d->dport = rte_be_to_cpu_16(udp->dst_port);
	d->in_port = m->port;
	d->msg = (const uint8_t *)(udp + 1);
	d->len = (uint16_t)(ulen - sizeof(*udp));
	if (d->dport == GW_IKE_NATT_PORT) {
		/* RFC 3948 2.2: IKE on 4500 starts with four zero bytes */
		static const uint8_t marker[NON_ESP_MARKER_LEN];

		if (d->len == 1 && d->msg[0] == 0xff)
			return GW_IKE_IO_KEEPALIVE; /* RFC 3948 2.3 */
		if (d->len < NON_ESP_MARKER_LEN ||
		    memcmp(d->msg, marker, NON_ESP_MARKER_LEN) != 0)
			return GW_IKE_IO_NOT_IKE; /* ESP or a NAT keepalive */
		d->msg += NON_ESP_MARKER_LEN;
		d->len -= NON_ESP_MARKER_LEN;
	} else if (d->dport != GW_IKE_PORT) {
		return GW_IKE_IO_NOT_IKE;
	}
	return GW_IKE_IO_OK;
}

int
gw_ike_dgram_send(const struct gw_addr *src, uint16_t sport,
		  const struct gw_addr *dst, uint16_t dport,
		  const uint8_t *msg, size_t len)
{
	bool natt = sport == GW_IKE_NATT_PORT || dport == GW_IKE_NATT_PORT;
	/* a NAT keepalive (RFC 3948 2.3) is the single 0xFF octet, no marker;
	 * no IKE message is one octet long */
	bool keepalive = len == 1 && msg[0] == 0xff;
	size_t marker = natt && !keepalive ? NON_ESP_MARKER_LEN : 0;
	size_t ip_len = sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr) + marker + len;
	const struct gw_nexthop *nh;
	const struct gw_ctl_neigh *nb;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct rte_mbuf *m;
	uint32_t target;
	uint8_t *p;

	if (src->family != GW_AF_INET || dst->family != GW_AF_INET)
		return GW_IKE_IO_NO_ROUTE; /* IPv6 IKE comes with the IPv6 data plane */
	nh = gw_route_lookup(&gw_dp.routes, dst->v4);
	if (nh == NULL)
		return GW_IKE_IO_NO_ROUTE;
	if (ip_len > gw_dp.port[nh->port].mtu)
		return GW_IKE_IO_TOO_BIG; /* IKE fragmentation (RFC 7383) not yet */
	target = nh->gateway ? nh->gateway : dst->v4;
	nb = gw_control_neigh_find(target);
	if (nb == NULL) {
		gw_control_arp_request(target, nh->port);
		return GW_IKE_IO_NO_NEIGHBOR;
	}
	m = rte_pktmbuf_alloc(gw_dp.pool);
	if (m == NULL)
		return GW_IKE_IO_NO_MBUF;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*eth) + ip_len));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return GW_IKE_IO_TOO_BIG;
	}
	eth = (struct rte_ether_hdr *)p;
	eth->dst_addr = nb->mac;
	eth->src_addr = gw_dp.port[nh->port].mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)ip_len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(src->v4);
	ip->dst_addr = rte_cpu_to_be_32(dst->v4);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(dport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(ip_len - sizeof(*ip)));
	udp->dgram_cksum = 0;
	memset(udp + 1, 0, marker);
	memcpy((uint8_t *)(udp + 1) + marker, msg, len);
	/* a real checksum: IKE crosses NATs and middleboxes that check it */
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	m->port = nh->port;
	gw_control_send_frame(m);
	return GW_IKE_IO_OK;
}
