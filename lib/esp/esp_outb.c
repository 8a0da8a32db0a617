/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Outbound ESP tunnel (RFC 4303 + RFC 4106, optionally RFC 3948 UDP).
 *
 *   before:               [inner IP packet]
 *   after:  [IPv4][UDP]?[SPI|seq][IV][inner IP packet][pad][pl][nh][ICV]
 *                                    \_______ encrypted _________/
 *
 * Built in place with prepend/append: no copy of the payload. The IV is the
 * 64-bit sequence number, unique per key as RFC 4106 section 3 requires.
 */
#include <rte_ip.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#include "esp.h"

/* Bytes of the outer template copied per packet: covers IPv4 + UDP. */
#define OUTB_TEMPLATE_COPY 32

_Static_assert(OUTB_TEMPLATE_COPY <= sizeof(((struct gw_sa *)0)->hdr),
	       "template copy exceeds sa->hdr");
_Static_assert(OUTB_TEMPLATE_COPY <= sizeof(struct rte_ipv4_hdr) +
	       sizeof(struct rte_udp_hdr) + ESP_HDR_IV_LEN,
	       "template copy exceeds the prepended headers");

/* The outer checksum from the template's precomputed sum plus the two
 * fields that change per packet (same result as rte_ipv4_cksum). */
static inline uint16_t
outer_cksum(uint32_t template_sum, const struct rte_ipv4_hdr *ip)
{
	uint32_t sum = template_sum + ip->total_length + ip->packet_id;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* ESP next header by IP version nibble; 0 = not an IP packet. */
static const uint8_t nh_by_version[16] = {
	[4] = ESP_NH_IPV4,
	[6] = ESP_NH_IPV6,
};

uint16_t
gw_esp_outb_tunnel(struct gw_esp_ctx *ctx, struct gw_sa *sa,
		   struct rte_mbuf *mb[], uint16_t n)
{
	const uint32_t hlen = sa->hdr_len + ESP_HDR_IV_LEN;
	const int esn = (sa->flags & GW_SA_F_ESN) != 0;
	const int udp = (sa->flags & GW_SA_F_UDP) != 0;
	const uint64_t aad_len = esn ? 12 : 8;
	const rte_be32_t spi = rte_cpu_to_be_32(sa->spi);
	const uint32_t ptype = RTE_PTYPE_L3_IPV4 | RTE_PTYPE_TUNNEL_ESP |
			       (udp ? RTE_PTYPE_L4_UDP : 0);
	uint64_t seq0, avail, bytes = 0;
	uint16_t k = 0, nseq;

	if (GW_UNLIKELY(n == 0))
		return 0;

	/* Reserve the burst's sequence numbers once; gaps are harmless. */
	seq0 = sa->seq;
	avail = sa->seq_limit - seq0;
	nseq = avail < n ? (uint16_t)avail : n;
	sa->seq = seq0 + nseq;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = mb[i];
		struct rte_ipv4_hdr *oip;
		struct rte_esp_hdr *esp;
		struct esp_aad aad;
		uint8_t *inner, *tail, *iv;
		uint32_t len, pad, tlen, total;
		uint64_t seq, iv_be;
		uint8_t nh;

		esp_prefetch_next(mb, i, n);
		if (GW_UNLIKELY(i >= nseq)) {
			esp_drop(ctx, sa, GW_DROP_SEQ_OVERFLOW);
			continue;
		}
		if (GW_UNLIKELY(m->nb_segs != 1)) {
			esp_drop(ctx, sa, GW_DROP_MULTISEG);
			continue;
		}
		len = m->data_len;
		inner = rte_pktmbuf_mtod(m, uint8_t *);
		nh = len != 0 ? nh_by_version[inner[0] >> 4] : 0;
		if (GW_UNLIKELY(nh == 0)) {
			esp_drop(ctx, sa, GW_DROP_MALFORMED);
			continue;
		}
		/* Payload + padding + pad length + next header: multiple of 4. */
		pad = (0u - (len + 2)) & 3;
		tlen = pad + sizeof(struct rte_esp_tail) + GW_ICV_LEN;
		total = hlen + len + tlen;
		if (GW_UNLIKELY(total > UINT16_MAX)) {
			esp_drop(ctx, sa, GW_DROP_TOO_BIG);
			continue;
		}
		if (GW_UNLIKELY(rte_pktmbuf_headroom(m) < hlen ||
				rte_pktmbuf_tailroom(m) < tlen)) {
			esp_drop(ctx, sa, GW_DROP_NO_ROOM);
			continue;
		}
		oip = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, (uint16_t)hlen);
		tail = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)tlen);
		seq = seq0 + 1 + i;

		/* Outer IPv4 [+ UDP] from the template (fixed-size copy). */
		memcpy(oip, sa->hdr, OUTB_TEMPLATE_COPY);
		oip->total_length = rte_cpu_to_be_16((uint16_t)total);
		oip->packet_id = rte_cpu_to_be_16((uint16_t)seq);
		oip->hdr_checksum = outer_cksum(sa->hdr_sum, oip);
		if (udp) {
			struct rte_udp_hdr *u = (struct rte_udp_hdr *)(oip + 1);

			u->dgram_len = rte_cpu_to_be_16((uint16_t)(total -
						sizeof(*oip)));
		}

		/* ESP header carries only the low 32 bits (RFC 4303 2.2.1). */
		esp = (struct rte_esp_hdr *)((uint8_t *)oip + sa->hdr_len);
		esp->spi = spi;
		esp->seq = rte_cpu_to_be_32((uint32_t)seq);
		iv = (uint8_t *)(esp + 1);
		iv_be = rte_cpu_to_be_64(seq);
		memcpy(iv, &iv_be, sizeof(iv_be));

		/* Trailer: write 4 pad bytes, then pad length and next header. */
		memcpy(tail, esp_pad_bytes, 4);
		tail[pad] = (uint8_t)pad;
		tail[pad + 1] = nh;

		esp_aad_fill(&aad, spi, seq, esn);
		gw_aead_seal(&ctx->crypto, &sa->key, inner, inner,
			     len + pad + sizeof(struct rte_esp_tail), iv,
			     (const uint8_t *)&aad, aad_len,
			     tail + pad + sizeof(struct rte_esp_tail));

		m->packet_type = ptype;
		m->l2_len = 0;
		m->l3_len = sizeof(*oip);
		m->l4_len = udp ? sizeof(struct rte_udp_hdr) : 0;
		/* Checksums are done here; no stale offload request may remain. */
		m->ol_flags &= ~RTE_MBUF_F_TX_OFFLOAD_MASK;
		bytes += len;
		esp_keep(mb, &k, i);
	}

	sa->cnt.packets += k;
	sa->cnt.bytes += bytes;
	ctx->stats->encrypted += k;
	return k;
}
