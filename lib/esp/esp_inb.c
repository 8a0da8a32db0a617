/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inbound ESP tunnel (RFC 4303 with AES-GCM RFC 4106, ChaCha20-Poly1305
 * RFC 7634 or AES-CBC + HMAC-SHA2 RFC 3602/4868; raw or RFC 3948 UDP).
 *
 * Order per packet, cheapest and safest first:
 *   lengths -> replay check -> decrypt + ICV -> replay update
 *   -> trailer (padding, next header) -> inner header -> selectors.
 *
 * The replay window is updated as soon as the ICV verified (RFC 4303
 * 3.4.3), before the trailer and inner checks: the packet is authentic, so
 * its sequence number was really used by the peer, and accepting a later
 * copy of it would be a replay whatever the reason the first was dropped.
 */
#include <rte_ip.h>
#include <rte_prefetch.h>

#include "esp.h"

static __rte_always_inline uint16_t
inb_tunnel(struct gw_esp_ctx *ctx, struct gw_sa *sa, struct rte_mbuf *mb[],
	   uint16_t n, const enum esp_family fam)
{
	const uint32_t esp_iv = sizeof(struct rte_esp_hdr) + esp_iv_len(fam);
	const uint32_t icv_len = esp_icv_len(fam, sa);
	const uint32_t align = esp_align_mask(fam);
	/* smallest aligned trailer: 4 bytes, or one cipher block */
	const uint32_t min_cipher = align + 1;
	const int esn = (sa->flags & GW_SA_F_ESN) != 0;
	const uint64_t aad_len = esn ? 12 : 8;
	const rte_be32_t spi = rte_cpu_to_be_32(sa->spi);
	struct gw_replay *rp = &sa->replay;
	uint64_t bytes = 0;
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = mb[i];
		const struct rte_ipv4_hdr *oip;
		const struct rte_esp_hdr *esp;
		struct esp_aad aad;
		uint8_t *ct;
		uint32_t off, plen, clen, padlen, ilen, tot, l3;
		uint64_t seq;
		uint32_t ptype;
		enum gw_drop why;
		uint8_t nh;
		int rc;

		esp_prefetch_next(mb, i, n);
		if (GW_UNLIKELY(m->nb_segs != 1)) {
			esp_drop(ctx, sa, GW_DROP_MULTISEG);
			continue;
		}

		/* --- lengths, from the outer header (ignores L2 padding) --- */
		oip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
		off = m->l3_len + m->l4_len;
		if (GW_UNLIKELY(m->l3_len < sizeof(*oip) ||
				m->data_len < sizeof(*oip))) {
			why = GW_DROP_MALFORMED;
			goto drop;
		}
		plen = rte_be_to_cpu_16(oip->total_length);
		if (GW_UNLIKELY(plen > m->data_len)) {
			why = GW_DROP_MALFORMED;
			goto drop;
		}
		if (GW_UNLIKELY(plen < off + esp_iv + min_cipher + icv_len)) {
			why = GW_DROP_ESP_TRUNCATED;
			goto drop;
		}
		clen = plen - off - esp_iv - icv_len;
		if (GW_UNLIKELY(clen & align)) {
			why = GW_DROP_MALFORMED;
			goto drop;
		}
		esp = (const struct rte_esp_hdr *)((const uint8_t *)oip + off);
		if (GW_UNLIKELY(esp->spi != spi)) {
			why = GW_DROP_NO_SA;
			goto drop;
		}

		/* --- anti-replay check before spending time on crypto --- */
		seq = gw_replay_seq64(rp, rte_be_to_cpu_32(esp->seq));
		if (GW_UNLIKELY(gw_replay_check(rp, seq) != 0)) {
			sa->cnt.replay++;
			why = GW_DROP_REPLAY;
			goto drop;
		}

		/* --- decrypt in place and verify the ICV --- */
		ct = (uint8_t *)esp + esp_iv;
		if (fam == ESP_FAM_CBC) {
			rc = gw_cbc_open(&ctx->crypto, &sa->key, (uint8_t *)esp,
					 esp_iv, clen, (uint32_t)(seq >> 32), esn);
		} else {
			esp_aad_fill(&aad, spi, seq, esn);
			if (fam == ESP_FAM_GCM)
				rc = gw_aead_open(&ctx->crypto, &sa->key, ct, ct,
						  clen, (const uint8_t *)(esp + 1),
						  (const uint8_t *)&aad, aad_len,
						  ct + clen);
			else
				rc = gw_chacha_open(&ctx->crypto, &sa->key, ct, ct,
						    clen, (const uint8_t *)(esp + 1),
						    (const uint8_t *)&aad, aad_len,
						    ct + clen);
		}
		if (GW_UNLIKELY(rc != 0)) {
			sa->cnt.icv++;
			why = GW_DROP_ICV;
			goto drop;
		}
		/* Re-check: a copy earlier in this burst may have won. */
		if (GW_UNLIKELY(gw_replay_update(rp, seq) != 0)) {
			sa->cnt.replay++;
			why = GW_DROP_REPLAY;
			goto drop;
		}

		/* --- trailer: pad length, padding 1,2,3..., next header --- */
		padlen = ct[clen - 2];
		nh = ct[clen - 1];
		if (GW_UNLIKELY(padlen + 2 > clen ||
				!esp_pad_ok(ct + clen - 2 - padlen, padlen))) {
			sa->cnt.bad_padding++;
			why = GW_DROP_BAD_PADDING;
			goto drop;
		}
		ilen = clen - 2 - padlen;

		/* --- inner header --- */
		if (GW_LIKELY(nh == ESP_NH_IPV4)) {
			const struct rte_ipv4_hdr *ip =
				(const struct rte_ipv4_hdr *)ct;

			if (GW_UNLIKELY(ilen < sizeof(*ip) ||
					(ip->version_ihl >> 4) != 4)) {
				why = GW_DROP_MALFORMED;
				goto drop;
			}
			l3 = (ip->version_ihl & 0xf) * 4u;
			tot = rte_be_to_cpu_16(ip->total_length);
			if (GW_UNLIKELY(l3 < sizeof(*ip) || tot < l3 ||
					tot > ilen)) {
				why = GW_DROP_MALFORMED;
				goto drop;
			}
			if (GW_UNLIKELY(!gw_sa_inner_ok4(sa,
					rte_be_to_cpu_32(ip->src_addr),
					rte_be_to_cpu_32(ip->dst_addr)))) {
				sa->cnt.inner_policy++;
				why = GW_DROP_INNER_POLICY;
				goto drop;
			}
			ptype = RTE_PTYPE_L3_IPV4;
		} else if (nh == ESP_NH_IPV6) {
			const struct rte_ipv6_hdr *ip6 =
				(const struct rte_ipv6_hdr *)ct;

			if (GW_UNLIKELY(ilen < sizeof(*ip6) ||
					(ct[0] >> 4) != 6 ||
					sizeof(*ip6) +
					rte_be_to_cpu_16(ip6->payload_len) > ilen)) {
				why = GW_DROP_MALFORMED;
				goto drop;
			}
			/*
			 * SAs carry IPv4 selectors only for now, so no IPv6
			 * packet is inside them. Parsed above so that adding
			 * IPv6 selectors only replaces this drop.
			 */
			sa->cnt.inner_policy++;
			why = GW_DROP_INNER_POLICY;
			goto drop;
		} else {
			why = nh == ESP_NH_NONE ? GW_DROP_DUMMY :
						  GW_DROP_BAD_NEXT_HEADER;
			goto drop;
		}

		/* --- strip outer headers, ESP header, IV, trailer, L2 pad --- */
		rte_pktmbuf_adj(m, (uint16_t)(off + esp_iv));
		rte_pktmbuf_trim(m, (uint16_t)(m->data_len - tot));
		m->packet_type = ptype;
		m->l2_len = 0;
		m->l3_len = l3;
		m->l4_len = 0;
		/* Receive checksum flags described the outer packet. */
		m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK |
				 RTE_MBUF_F_RX_L4_CKSUM_MASK);
		bytes += tot;
		esp_keep(mb, &k, i);
		continue;
drop:
		esp_drop(ctx, sa, why);
	}

	sa->cnt.packets += k;
	sa->cnt.bytes += bytes;
	ctx->stats->decrypted += k;
	return k;
}

uint16_t
gw_esp_inb_tunnel(struct gw_esp_ctx *ctx, struct gw_sa *sa,
		  struct rte_mbuf *mb[], uint16_t n)
{
	return inb_tunnel(ctx, sa, mb, n, ESP_FAM_GCM);
}

uint16_t
gw_esp_inb_tunnel_chacha(struct gw_esp_ctx *ctx, struct gw_sa *sa,
			 struct rte_mbuf *mb[], uint16_t n)
{
	return inb_tunnel(ctx, sa, mb, n, ESP_FAM_CHACHA);
}

uint16_t
gw_esp_inb_tunnel_cbc(struct gw_esp_ctx *ctx, struct gw_sa *sa,
		      struct rte_mbuf *mb[], uint16_t n)
{
	return inb_tunnel(ctx, sa, mb, n, ESP_FAM_CBC);
}
