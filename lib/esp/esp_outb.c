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

/* Where the crypto of one prepared packet works. */
struct outb_pkt {
	uint8_t *esp;              /* ESP header */
	uint8_t *inner;            /* first byte to encrypt */
	uint8_t *icv;              /* where the ICV goes */
	uint32_t plen;             /* bytes to encrypt: payload + pad + 2 */
	uint32_t len;              /* inner packet bytes */
	uint64_t seq;
};

/*
 * Everything but the crypto for packet m with sequence number seq: checks,
 * outer headers from the SA's template, ESP header, IV, trailer. ESP_OK or
 * the drop reason (the packet is untouched then).
 */
static __rte_always_inline enum gw_drop
outb_pre(struct gw_esp_ctx *ctx, struct gw_sa *sa, struct rte_mbuf *m,
	 uint64_t seq, struct outb_pkt *st, const enum esp_family fam)
{
	const uint32_t esp_iv = sizeof(struct rte_esp_hdr) + esp_iv_len(fam);
	const uint32_t hlen = sa->hdr_len + esp_iv;
	const uint32_t align = esp_align_mask(fam);
	struct rte_ipv4_hdr *oip;
	struct rte_esp_hdr *esp;
	uint32_t pad, tlen, total;
	uint8_t *tail, nh;

	if (GW_UNLIKELY(m->nb_segs != 1))
		return GW_DROP_MULTISEG;
	st->len = m->data_len;
	st->inner = rte_pktmbuf_mtod(m, uint8_t *);
	nh = st->len != 0 ? nh_by_version[st->inner[0] >> 4] : 0;
	if (GW_UNLIKELY(nh == 0))
		return GW_DROP_MALFORMED;
	/* Payload + padding + pad length + next header: multiple of 4
	 * (AEAD) or of the cipher block (CBC). */
	pad = (0u - (st->len + 2)) & align;
	tlen = pad + sizeof(struct rte_esp_tail) + esp_icv_len(fam, sa);
	total = hlen + st->len + tlen;
	if (GW_UNLIKELY(total > UINT16_MAX))
		return GW_DROP_TOO_BIG;
	if (GW_UNLIKELY(rte_pktmbuf_headroom(m) < hlen ||
			rte_pktmbuf_tailroom(m) < tlen))
		return GW_DROP_NO_ROOM;
	oip = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, (uint16_t)hlen);
	tail = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)tlen);
	st->seq = seq;

	/* Outer IPv4 [+ UDP] from the template (fixed-size copy). */
	memcpy(oip, sa->hdr, OUTB_TEMPLATE_COPY);
	oip->total_length = rte_cpu_to_be_16((uint16_t)total);
	oip->packet_id = rte_cpu_to_be_16((uint16_t)seq);
	oip->hdr_checksum = outer_cksum(sa->hdr_sum, oip);
	if (sa->flags & GW_SA_F_UDP) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(oip + 1);

		u->dgram_len = rte_cpu_to_be_16((uint16_t)(total - sizeof(*oip)));
	}

	/* ESP header carries only the low 32 bits (RFC 4303 2.2.1). */
	esp = (struct rte_esp_hdr *)((uint8_t *)oip + sa->hdr_len);
	esp->spi = rte_cpu_to_be_32(sa->spi);
	esp->seq = rte_cpu_to_be_32((uint32_t)seq);
	st->esp = (uint8_t *)esp;
	if (fam == ESP_FAM_CBC) {
		gw_cbc_iv(&ctx->crypto, &sa->key, seq, (uint8_t *)(esp + 1));
	} else {
		uint64_t iv_be = rte_cpu_to_be_64(seq);

		memcpy(esp + 1, &iv_be, sizeof(iv_be));
	}

	/* Trailer: write the largest padding (fixed-size copy; the ICV room
	 * follows), then pad length and next header. */
	memcpy(tail, esp_pad_bytes, align + 1);
	tail[pad] = (uint8_t)pad;
	tail[pad + 1] = nh;
	st->plen = st->len + pad + sizeof(struct rte_esp_tail);
	st->icv = tail + pad + sizeof(struct rte_esp_tail);
	return ESP_OK;
}

/* After the crypto: what the next stages read from the mbuf. */
static __rte_always_inline void
outb_post(const struct gw_sa *sa, struct rte_mbuf *m)
{
	const int udp = (sa->flags & GW_SA_F_UDP) != 0;

	m->packet_type = RTE_PTYPE_L3_IPV4 | RTE_PTYPE_TUNNEL_ESP |
			 (udp ? RTE_PTYPE_L4_UDP : 0);
	m->l2_len = 0;
	m->l3_len = sizeof(struct rte_ipv4_hdr);
	m->l4_len = udp ? sizeof(struct rte_udp_hdr) : 0;
	/* Checksums are done here; no stale offload request may remain. */
	m->ol_flags &= ~RTE_MBUF_F_TX_OFFLOAD_MASK;
}

/* Reserves the burst's sequence numbers once; gaps are harmless. Returns
 * how many of n packets get one. */
static inline uint16_t
outb_reserve(struct gw_sa *sa, uint16_t n, uint64_t *seq0)
{
	uint64_t avail;

	*seq0 = sa->seq;
	avail = sa->seq_limit - *seq0;
	n = avail < n ? (uint16_t)avail : n;
	sa->seq = *seq0 + n;
	return n;
}

/* AES-GCM: one direct-API call per packet, right after its headers (the
 * direct API measured faster than the job API here). */
static uint16_t
outb_tunnel_gcm(struct gw_esp_ctx *ctx, struct gw_sa *sa, struct rte_mbuf *mb[],
		uint16_t n)
{
	const enum esp_family fam = ESP_FAM_GCM;
	const int esn = (sa->flags & GW_SA_F_ESN) != 0;
	const uint64_t aad_len = esn ? 12 : 8;
	const rte_be32_t spi = rte_cpu_to_be_32(sa->spi);
	uint64_t seq0, bytes = 0;
	uint16_t k = 0, nseq;

	if (GW_UNLIKELY(n == 0))
		return 0;
	nseq = outb_reserve(sa, n, &seq0);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = mb[i];
		struct outb_pkt st;
		struct esp_aad aad;
		enum gw_drop why;

		esp_prefetch_next(mb, i, n);
		why = GW_UNLIKELY(i >= nseq) ? GW_DROP_SEQ_OVERFLOW :
			outb_pre(ctx, sa, m, seq0 + 1 + i, &st, fam);
		if (GW_UNLIKELY(why != ESP_OK)) {
			esp_drop(ctx, sa, why);
			continue;
		}
		esp_aad_fill(&aad, spi, st.seq, esn);
		gw_gcm_seal(&ctx->crypto, sa->gcm, sa->salt, &sa->key.gcm, st.inner,
			    st.inner, st.plen, st.esp + sizeof(struct rte_esp_hdr),
			    (const uint8_t *)&aad, aad_len, st.icv);
		outb_post(sa, m);
		bytes += st.len;
		esp_keep(mb, &k, i);
	}
	sa->cnt.packets += k;
	sa->cnt.bytes += bytes;
	ctx->stats->encrypted += k;
	return k;
}

/* The job-API families (AES-CBC + HMAC, ChaCha20-Poly1305): headers for
 * a chunk of the burst, then all of its jobs in intel-ipsec-mb's
 * multi-buffer lanes at once (CBC encryption is serial within a packet:
 * the lanes work on several packets side by side). */
static __rte_always_inline uint16_t
outb_tunnel_jobs(struct gw_esp_ctx *ctx, struct gw_sa *sa, struct rte_mbuf *mb[],
		 uint16_t n, const enum esp_family fam)
{
	const int esn = (sa->flags & GW_SA_F_ESN) != 0;
	const rte_be32_t spi = rte_cpu_to_be_32(sa->spi);
	struct gw_job_op ops[GW_BURST_MAX];
	uint8_t why[GW_BURST_MAX], op_of[GW_BURST_MAX];
	uint32_t len[GW_BURST_MAX];
	uint64_t seq0, bytes = 0;
	uint16_t k = 0, nseq;

	if (GW_UNLIKELY(n == 0))
		return 0;
	nseq = outb_reserve(sa, n, &seq0);
	for (uint16_t base = 0; base < n; base += GW_BURST_MAX) {
		uint16_t end = RTE_MIN(n, (uint16_t)(base + GW_BURST_MAX)), n_ops = 0;

		for (uint16_t i = base; i < end; i++) {
			struct gw_job_op *op = &ops[n_ops];
			struct outb_pkt st;
			enum gw_drop w;

			w = i >= nseq ? GW_DROP_SEQ_OVERFLOW :
				outb_pre(ctx, sa, mb[i], seq0 + 1 + i, &st, fam);
			why[i - base] = (uint8_t)w;
			if (w != ESP_OK)
				continue;
			len[i - base] = st.len;
			op_of[i - base] = (uint8_t)n_ops++;
			op->p = st.esp;
			op->cipher_off = (uint32_t)(st.inner - st.esp);
			op->clen = st.plen;
			op->seq_hi = (uint32_t)(st.seq >> 32);
			if (fam == ESP_FAM_CHACHA) {
				struct esp_aad aad;

				esp_aad_fill(&aad, spi, st.seq, esn);
				memcpy(op->aad, &aad, sizeof(op->aad));
				op->aad_len = esn ? 12 : 8;
				memcpy(op->nonce, sa->key.salt, 4);
				memcpy(op->nonce + 4, st.esp + sizeof(struct rte_esp_hdr), 8);
			}
		}
		if (fam == ESP_FAM_CBC)
			gw_cbc_seal_burst(&ctx->crypto, &sa->key, ops, n_ops, esn);
		else
			gw_chacha_seal_burst(&ctx->crypto, &sa->key, ops, n_ops);
		for (uint16_t i = base; i < end; i++) {
			enum gw_drop w = (enum gw_drop)why[i - base];

			/* the library refused a job: not expected */
			if (w == ESP_OK && !ops[op_of[i - base]].ok)
				w = GW_DROP_UNSUPPORTED;
			if (GW_UNLIKELY(w != ESP_OK)) {
				esp_drop(ctx, sa, w);
				continue;
			}
			outb_post(sa, mb[i]);
			bytes += len[i - base];
			esp_keep(mb, &k, i);
		}
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
	return outb_tunnel_gcm(ctx, sa, mb, n);
}

uint16_t
gw_esp_outb_tunnel_chacha(struct gw_esp_ctx *ctx, struct gw_sa *sa,
			  struct rte_mbuf *mb[], uint16_t n)
{
	return outb_tunnel_jobs(ctx, sa, mb, n, ESP_FAM_CHACHA);
}

uint16_t
gw_esp_outb_tunnel_cbc(struct gw_esp_ctx *ctx, struct gw_sa *sa,
		       struct rte_mbuf *mb[], uint16_t n)
{
	return outb_tunnel_jobs(ctx, sa, mb, n, ESP_FAM_CBC);
}
