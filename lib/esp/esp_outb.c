/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Outbound ESP tunnel (RFC 4303 with AES-GCM RFC 4106, ChaCha20-Poly1305
 * RFC 7634 or AES-CBC + HMAC-SHA2 RFC 3602/4868; optionally RFC 3948 UDP).
 *
 *   before:               [inner IP packet]
 *   after:  [IPv4][UDP]?[SPI|seq][IV][inner IP packet][pad][pl][nh][ICV]
 *                                    \_______ encrypted _________/
 *
 * Built in place with prepend/append: no copy of the payload. AEAD IV: the
 * 64-bit sequence number, unique per key as RFC 4106 section 3 and RFC 7634
 * section 2 require. CBC IV: the sequence number encrypted with a per-SA
 * IV key (gw_cbc_iv), unpredictable as RFC 3602 requires. With CBC the ICV
 * is not encrypted and covers ESP header, IV and ciphertext.
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
	       sizeof(struct rte_udp_hdr) + sizeof(struct rte_esp_hdr) +
	       GW_ESP_IV_LEN,
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

static __rte_always_inline uint16_t
outb_tunnel(struct gw_esp_ctx *ctx, struct gw_sa *sa, struct rte_mbuf *mb[],
	    uint16_t n, const enum esp_family fam)
{
	const uint32_t esp_iv = sizeof(struct rte_esp_hdr) + esp_iv_len(fam);
	const uint32_t hlen = sa->hdr_len + esp_iv;
	const uint32_t icv_len = esp_icv_len(fam, sa);
	const uint32_t align = esp_align_mask(fam);
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
		/* Payload + padding + pad length + next header: multiple of 4
		 * (AEAD) or of the cipher block (CBC). */
		pad = (0u - (len + 2)) & align;
		tlen = pad + sizeof(struct rte_esp_tail) + icv_len;
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

		/* Trailer: write the largest padding (fixed-size copy; the
		 * ICV room follows), then pad length and next header. */
		memcpy(tail, esp_pad_bytes, align + 1);
		tail[pad] = (uint8_t)pad;
		tail[pad + 1] = nh;

		if (fam == ESP_FAM_CBC) {
			gw_cbc_iv(&ctx->crypto, &sa->key, seq, iv);
			if (GW_UNLIKELY(gw_cbc_seal(&ctx->crypto, &sa->key,
					(uint8_t *)esp, esp_iv,
					len + pad + sizeof(struct rte_esp_tail),
					(uint32_t)(seq >> 32), esn) != 0)) {
				/* the library refused the job: not expected */
				esp_drop(ctx, sa, GW_DROP_UNSUPPORTED);
				continue;
			}
		} else {
			iv_be = rte_cpu_to_be_64(seq);
			memcpy(iv, &iv_be, sizeof(iv_be));
			esp_aad_fill(&aad, spi, seq, esn);
			if (fam == ESP_FAM_GCM)
				gw_aead_seal(&ctx->crypto, &sa->key, inner, inner,
					     len + pad + sizeof(struct rte_esp_tail),
					     iv, (const uint8_t *)&aad, aad_len,
					     tail + pad + sizeof(struct rte_esp_tail));
			else
				gw_chacha_seal(&ctx->crypto, &sa->key, inner, inner,
					       len + pad + sizeof(struct rte_esp_tail),
					       iv, (const uint8_t *)&aad, aad_len,
					       tail + pad + sizeof(struct rte_esp_tail));
		}

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

uint16_t
gw_esp_outb_tunnel(struct gw_esp_ctx *ctx, struct gw_sa *sa,
		   struct rte_mbuf *mb[], uint16_t n)
{
	return outb_tunnel(ctx, sa, mb, n, ESP_FAM_GCM);
}

uint16_t
gw_esp_outb_tunnel_chacha(struct gw_esp_ctx *ctx, struct gw_sa *sa,
			  struct rte_mbuf *mb[], uint16_t n)
{
	return outb_tunnel(ctx, sa, mb, n, ESP_FAM_CHACHA);
}

uint16_t
gw_esp_outb_tunnel_cbc(struct gw_esp_ctx *ctx, struct gw_sa *sa,
		       struct rte_mbuf *mb[], uint16_t n)
{
	return outb_tunnel(ctx, sa, mb, n, ESP_FAM_CBC);
}
