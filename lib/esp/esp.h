/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private helpers shared by the ESP burst functions: wire sizes, the
 * RFC 4106 AAD, and the burst partition (good packets first, in order).
 */
#ifndef ESP_H
#define ESP_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_esp.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "gw_esp.h"

#define ESP_NH_IPV4 4
#define ESP_NH_IPV6 41
#define ESP_NH_NONE 59             /* dummy packet, RFC 4303 2.6 */

/* "No drop": the burst steps return a gw_drop reason or this. */
#define ESP_OK GW_DROP_MAX

/**
 * Algorithm families. Each burst function is one body instantiated per
 * family with a constant argument, so the compiler removes the branches
 * below: the family is chosen once, when the SA picks its sa->process.
 */
enum esp_family {
	ESP_FAM_GCM,               /* RFC 4106 */
	ESP_FAM_CHACHA,            /* RFC 7634 */
	ESP_FAM_CBC,               /* RFC 3602 + RFC 4868 */
};

/** Explicit IV bytes: 8 for the AEADs, one AES block for CBC. */
static inline uint32_t
esp_iv_len(const enum esp_family f)
{
	return f == ESP_FAM_CBC ? 16 : GW_ESP_IV_LEN;
}

/** Alignment of payload + trailer, minus one: 4 bytes or the AES block. */
static inline uint32_t
esp_align_mask(const enum esp_family f)
{
	return f == ESP_FAM_CBC ? 15 : 3;
}

/** ICV bytes: 16 for the AEADs, the HMAC truncation for CBC. */
static inline uint32_t
esp_icv_len(const enum esp_family f, const struct gw_sa *sa)
{
	return f == ESP_FAM_CBC ? sa->key.icv_len : GW_ICV_LEN;
}

/** Default padding content (RFC 4303 2.4): 1, 2, 3, ... */
extern const uint8_t esp_pad_bytes[256];

/**
 * True when pad holds the default padding 1, 2, 3, ... (RFC 4303 2.4).
 * AEAD padding is 0-3 bytes: an inline loop beats a memcmp call there.
 */
static inline int
esp_pad_ok(const uint8_t *pad, uint32_t padlen)
{
	uint32_t bad = 0;

	for (uint32_t i = 0; i < padlen; i++)
		bad |= pad[i] ^ (i + 1);
	return bad == 0;
}

/**
 * RFC 4106 section 5 AAD: SPI | seq_lo (8 bytes), or with ESN
 * SPI | seq_hi | seq_lo (12 bytes). Built branch-free: without ESN the
 * middle word holds seq_lo and only 8 bytes are authenticated.
 */
struct esp_aad {
	rte_be32_t w[3];
};

static inline void
esp_aad_fill(struct esp_aad *a, rte_be32_t spi, uint64_t seq, int esn)
{
	rte_be32_t lo = rte_cpu_to_be_32((uint32_t)seq);

	a->w[0] = spi;
	a->w[1] = esn ? rte_cpu_to_be_32((uint32_t)(seq >> 32)) : lo;
	a->w[2] = lo;
}

/** Counts a dropped packet in the worker (by reason) and in the SA. */
static inline void
esp_drop(struct gw_esp_ctx *ctx, struct gw_sa *sa, enum gw_drop why)
{
	ctx->stats->drops[why]++;
	sa->err.drops++;
}

/**
 * Keeps mb[i] as good: mb[0..*k) are the good packets so far, in input
 * order, and mb[*k..i) the bad ones; swapping keeps both true.
 */
static inline void
esp_keep(struct rte_mbuf *mb[], uint16_t *k, uint16_t i)
{
	struct rte_mbuf *t = mb[*k];

	mb[*k] = mb[i];
	mb[i] = t;
	(*k)++;
}

static inline void
esp_prefetch_next(struct rte_mbuf *mb[], uint16_t i, uint16_t n)
{
	if (i + 1 < n)
		rte_prefetch0(rte_pktmbuf_mtod(mb[i + 1], void *));
}

#endif /* ESP_H */
