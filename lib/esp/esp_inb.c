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
#include "gw_pkt.h"

/* What the checks before the crypto found, for the steps after it. */
struct inb_pkt {
	struct rte_esp_hdr *esp;
	uint8_t *ct;               /* ciphertext, after the IV */
	uint64_t seq;              /* 64-bit (ESN-reconstructed) sequence number */
	uint32_t clen;             /* ciphertext bytes, trailer included */
	uint32_t off;              /* outer IP [+ UDP] bytes before ESP */
};

/* A drop counted in the worker and, for the reasons it shows, the SA. */
static inline void
inb_drop(struct gw_esp_ctx *ctx, struct gw_sa *sa, enum gw_drop why)
{
	sa->err.replay += why == GW_DROP_REPLAY;
	sa->err.icv += why == GW_DROP_ICV;
	sa->err.bad_padding += why == GW_DROP_BAD_PADDING;
	sa->err.inner_policy += why == GW_DROP_INNER_POLICY;
	esp_drop(ctx, sa, why);
}

/* Lengths from the outer header (ignoring L2 padding), SPI, then the
 * replay check: everything cheap that can refuse a packet before its
 * crypto is paid for. ESP_OK or the drop reason. */
static __rte_always_inline enum gw_drop
inb_pre(struct gw_sa *sa, struct rte_mbuf *m, struct inb_pkt *st,
	const enum esp_family fam)
{
	const uint32_t esp_iv = sizeof(struct rte_esp_hdr) + esp_iv_len(fam);
	const uint32_t icv_len = esp_icv_len(fam, sa);
	const uint32_t align = esp_align_mask(fam);
	/* smallest aligned trailer: 4 bytes, or one cipher block */
	const uint32_t min_cipher = align + 1;
	const struct rte_ipv4_hdr *oip;
	uint32_t plen;

	if (GW_UNLIKELY(m->nb_segs != 1))
		return GW_DROP_MULTISEG;
	oip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	st->off = m->l3_len + m->l4_len;
	if (GW_UNLIKELY(m->l3_len < sizeof(*oip) || m->data_len < sizeof(*oip)))
		return GW_DROP_MALFORMED;
	plen = rte_be_to_cpu_16(oip->total_length);
	if (GW_UNLIKELY(plen > m->data_len))
		return GW_DROP_MALFORMED;
	if (GW_UNLIKELY(plen < st->off + esp_iv + min_cipher + icv_len))
		return GW_DROP_ESP_TRUNCATED;
	st->clen = plen - st->off - esp_iv - icv_len;
	if (GW_UNLIKELY(st->clen & align))
		return GW_DROP_MALFORMED;
	st->esp = (struct rte_esp_hdr *)((uint8_t *)(uintptr_t)oip + st->off);
	if (GW_UNLIKELY(st->esp->spi != rte_cpu_to_be_32(sa->spi)))
		return GW_DROP_NO_SA;
	st->ct = (uint8_t *)st->esp + esp_iv;
	st->seq = gw_replay_seq64(&sa->replay, rte_be_to_cpu_32(st->esp->seq));
	if (GW_UNLIKELY(gw_replay_check(&sa->replay, st->seq) != 0))
		return GW_DROP_REPLAY;
	return ESP_OK;
}

/* After the ICV verified: replay update, trailer, inner header and
 * selectors, then the outer headers and trailer are stripped. ESP_OK
 * (with the inner length in *tot) or the drop reason. */
static __rte_always_inline enum gw_drop
inb_post(const struct gw_esp_ctx *ctx, struct gw_sa *sa, struct rte_mbuf *m,
	 const struct inb_pkt *st, uint32_t *tot, const enum esp_family fam)
{
	const uint32_t esp_iv = sizeof(struct rte_esp_hdr) + esp_iv_len(fam);
	const uint8_t *ct = st->ct;
	uint32_t padlen, ilen, l3, ptype;
	uint8_t nh;

	/* Re-check: a copy earlier in this burst may have won. */
	if (GW_UNLIKELY(gw_replay_update(&sa->replay, st->seq) != 0))
		return GW_DROP_REPLAY;

	/* --- trailer: pad length, padding 1,2,3..., next header --- */
	padlen = ct[st->clen - 2];
	nh = ct[st->clen - 1];
	if (GW_UNLIKELY(padlen + 2 > st->clen ||
			!esp_pad_ok(ct + st->clen - 2 - padlen, padlen)))
		return GW_DROP_BAD_PADDING;
	ilen = st->clen - 2 - padlen;

	/* --- inner header --- */
	if (GW_LIKELY(nh == ESP_NH_IPV4)) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(uintptr_t)ct;

		if (GW_UNLIKELY(ilen < sizeof(*ip) || (ip->version_ihl >> 4) != 4))
			return GW_DROP_MALFORMED;
		l3 = (ip->version_ihl & 0xf) * 4u;
		*tot = rte_be_to_cpu_16(ip->total_length);
		if (GW_UNLIKELY(l3 < sizeof(*ip) || *tot < l3 || *tot > ilen))
			return GW_DROP_MALFORMED;
		if (GW_UNLIKELY(!gw_sa_inner_ok4(sa, rte_be_to_cpu_32(ip->src_addr),
						 rte_be_to_cpu_32(ip->dst_addr))))
			return GW_DROP_INNER_POLICY;
		if (ctx->dec_ttl && GW_UNLIKELY(gw_ipv4_dec_ttl(ip) <= 1))
			return GW_DROP_TTL;
		ptype = RTE_PTYPE_L3_IPV4;
	} else if (nh == ESP_NH_IPV6) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)ct;

		if (GW_UNLIKELY(ilen < sizeof(*ip6) || (ct[0] >> 4) != 6 ||
				sizeof(*ip6) + rte_be_to_cpu_16(ip6->payload_len) > ilen))
			return GW_DROP_MALFORMED;
		/*
		 * SAs carry IPv4 selectors only for now, so no IPv6 packet is
		 * inside them. Parsed above so that adding IPv6 selectors
		 * only replaces this drop.
		 */
		return GW_DROP_INNER_POLICY;
	} else {
		return nh == ESP_NH_NONE ? GW_DROP_DUMMY : GW_DROP_BAD_NEXT_HEADER;
	}

	/* --- strip outer headers, ESP header, IV, trailer, L2 pad --- */
	rte_pktmbuf_adj(m, (uint16_t)(st->off + esp_iv));
	rte_pktmbuf_trim(m, (uint16_t)(m->data_len - *tot));
	m->packet_type = ptype;
	m->l2_len = 0;
	m->l3_len = l3;
	m->l4_len = 0;
	/* Receive checksum flags described the outer packet. */
	m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	return ESP_OK;
}

/* AES-GCM: the direct API decrypts and verifies one packet in a call (it
 * measured faster than the job API here), so each packet goes through all
 * three steps in turn. */
static uint16_t
inb_tunnel_gcm(struct gw_esp_ctx *ctx, struct gw_sa *sa, struct rte_mbuf *mb[],
	       uint16_t n)
{
	const enum esp_family fam = ESP_FAM_GCM;
	const int esn = (sa->flags & GW_SA_F_ESN) != 0;
	const uint64_t aad_len = esn ? 12 : 8;
	const rte_be32_t spi = rte_cpu_to_be_32(sa->spi);
	uint64_t bytes = 0;
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct inb_pkt st;
		struct esp_aad aad;
		enum gw_drop why;
		uint32_t tot = 0;
		int rc;

		esp_prefetch_next(mb, i, n);
		why = inb_pre(sa, mb[i], &st, fam);
		if (GW_UNLIKELY(why != ESP_OK))
			goto drop;
		/* --- decrypt in place and verify the ICV --- */
		esp_aad_fill(&aad, spi, st.seq, esn);
		rc = gw_gcm_open(&ctx->crypto, sa->gcm, sa->salt, &sa->key.gcm, st.ct, st.ct,
				 st.clen, (const uint8_t *)(st.esp + 1),
				 (const uint8_t *)&aad, aad_len, st.ct + st.clen);
		if (GW_UNLIKELY(rc != 0)) {
			why = GW_DROP_ICV;
			goto drop;
		}
		why = inb_post(ctx, sa, mb[i], &st, &tot, fam);
		if (GW_UNLIKELY(why != ESP_OK))
			goto drop;
		bytes += tot;
		esp_keep(mb, &k, i);
		continue;
drop:
		inb_drop(ctx, sa, why);
	}
	sa->cnt.packets += k;
	sa->cnt.bytes += bytes;
	ctx->stats->decrypted += k;
	return k;
}

/* The job-API families (AES-CBC + HMAC, ChaCha20-Poly1305): the checks
 * for a whole chunk of the burst, then all of its jobs in intel-ipsec-mb's
 * multi-buffer lanes at once, then the rest in order. */
static __rte_always_inline uint16_t
inb_tunnel_jobs(struct gw_esp_ctx *ctx, struct gw_sa *sa, struct rte_mbuf *mb[],
		uint16_t n, const enum esp_family fam)
{
	const int esn = (sa->flags & GW_SA_F_ESN) != 0;
	struct inb_pkt st[GW_BURST_MAX];
	struct gw_job_op ops[GW_BURST_MAX];
	uint8_t why[GW_BURST_MAX], op_of[GW_BURST_MAX];
	uint64_t bytes = 0;
	uint16_t k = 0;

	for (uint16_t base = 0; base < n; base += GW_BURST_MAX) {
		uint16_t end = RTE_MIN(n, (uint16_t)(base + GW_BURST_MAX)), n_ops = 0;

		for (uint16_t i = base; i < end; i++) {
			struct inb_pkt *p = &st[i - base];
			struct gw_job_op *op = &ops[n_ops];

			why[i - base] = (uint8_t)inb_pre(sa, mb[i], p, fam);
			if (why[i - base] != ESP_OK)
				continue;
			op_of[i - base] = (uint8_t)n_ops++;
			op->p = (uint8_t *)p->esp;
			op->cipher_off = (uint32_t)(p->ct - (uint8_t *)p->esp);
			op->clen = p->clen;
			op->seq_hi = (uint32_t)(p->seq >> 32);
			if (fam == ESP_FAM_CHACHA) {
				struct esp_aad aad;

				esp_aad_fill(&aad, p->esp->spi, p->seq, esn);
				memcpy(op->aad, &aad, sizeof(op->aad));
				op->aad_len = esn ? 12 : 8;
				memcpy(op->nonce, sa->key.salt, 4);
				memcpy(op->nonce + 4, p->esp + 1, 8);
			}
		}
		if (fam == ESP_FAM_CBC)
			gw_cbc_open_burst(&ctx->crypto, &sa->key, ops, n_ops, esn);
		else
			gw_chacha_open_burst(&ctx->crypto, &sa->key, ops, n_ops);
		for (uint16_t i = base; i < end; i++) {
			enum gw_drop w = (enum gw_drop)why[i - base];
			uint32_t tot = 0;

			if (w == ESP_OK && !ops[op_of[i - base]].ok)
				w = GW_DROP_ICV;
			if (w == ESP_OK)
				w = inb_post(ctx, sa, mb[i], &st[i - base], &tot, fam);
			if (GW_UNLIKELY(w != ESP_OK)) {
				inb_drop(ctx, sa, w);
				continue;
			}
			bytes += tot;
			esp_keep(mb, &k, i);
		}
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
	return inb_tunnel_gcm(ctx, sa, mb, n);
}

uint16_t
gw_esp_inb_tunnel_chacha(struct gw_esp_ctx *ctx, struct gw_sa *sa,
			 struct rte_mbuf *mb[], uint16_t n)
{
	return inb_tunnel_jobs(ctx, sa, mb, n, ESP_FAM_CHACHA);
}

uint16_t
gw_esp_inb_tunnel_cbc(struct gw_esp_ctx *ctx, struct gw_sa *sa,
		      struct rte_mbuf *mb[], uint16_t n)
{
	return inb_tunnel_jobs(ctx, sa, mb, n, ESP_FAM_CBC);
}
