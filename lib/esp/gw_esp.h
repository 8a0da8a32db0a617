/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ESP (RFC 4303) tunnel mode with AES-GCM (RFC 4106), ChaCha20-Poly1305
 * (RFC 7634) or AES-CBC + HMAC-SHA2 (RFC 3602, RFC 4868), optionally in UDP
 * (RFC 3948), as burst functions following the gw_sa_process_fn contract:
 * one pair per algorithm family, picked by gw_esp_sa_init.
 *
 * Outbound input: mbuf data starts at the inner IP header (L2 removed).
 * Outbound output: data starts at the outer IPv4 header; outer checksum set.
 * Inbound input: data starts at the outer IPv4 header; mbuf l3_len is the
 * outer IP header length and l4_len is 8 for ESP in UDP, 0 for raw ESP
 * (either is accepted for any SA, as strongSwan does).
 * Inbound output: data starts at the inner IP header; mbuf packet_type says
 * inner IPv4 (RTE_PTYPE_L3_IPV4) or IPv6.
 */
#ifndef GW_ESP_H
#define GW_ESP_H

#include <stdbool.h>
#include <stdint.h>

#include "gw_crypto.h"
#include "gw_sa.h"
#include "gw_stats.h"

struct rte_mbuf;

/** Per-worker ESP context. */
struct gw_esp_ctx {
	struct gw_crypto_lcore crypto;
	struct gw_worker_stats *stats; /**< this worker's drop counters */
	/**
	 * Inbound: the decapsulated packet is forwarded, so its TTL drops by
	 * one while its header is still in L1 (TTL <= 1: GW_DROP_TTL).
	 */
	bool dec_ttl;
};

/**
 * Builds a runtime SA from its configuration: expands the key with the
 * given crypto state, prepares the outer header template (outbound) and the
 * replay window (inbound), and picks sa->process. Returns 0, or -1 for an
 * unsupported combination. The caller allocates sa (cache aligned, zeroed)
 * and sets sa->owner and sa->id afterwards.
 */
int gw_esp_sa_init(struct gw_sa *sa, const struct gw_cfg_sa *cfg,
		   struct gw_crypto_lcore *c);

/** Wipes keys and state of an SA; call before freeing it. */
void gw_esp_sa_wipe(struct gw_sa *sa);

/** Outbound tunnel, AES-GCM; raw ESP or ESP-in-UDP according to sa->flags. */
uint16_t gw_esp_outb_tunnel(struct gw_esp_ctx *ctx, struct gw_sa *sa,
			    struct rte_mbuf *mb[], uint16_t n);
/** Outbound tunnel, ChaCha20-Poly1305. */
uint16_t gw_esp_outb_tunnel_chacha(struct gw_esp_ctx *ctx, struct gw_sa *sa,
				   struct rte_mbuf *mb[], uint16_t n);
/** Outbound tunnel, AES-CBC + HMAC-SHA2. */
uint16_t gw_esp_outb_tunnel_cbc(struct gw_esp_ctx *ctx, struct gw_sa *sa,
				struct rte_mbuf *mb[], uint16_t n);

/** Inbound tunnel, AES-GCM: replay check, decrypt/verify, trailer, strip. */
uint16_t gw_esp_inb_tunnel(struct gw_esp_ctx *ctx, struct gw_sa *sa,
			   struct rte_mbuf *mb[], uint16_t n);
/** Inbound tunnel, ChaCha20-Poly1305. */
uint16_t gw_esp_inb_tunnel_chacha(struct gw_esp_ctx *ctx, struct gw_sa *sa,
				  struct rte_mbuf *mb[], uint16_t n);
/** Inbound tunnel, AES-CBC + HMAC-SHA2 (ICV verified before decryption). */
uint16_t gw_esp_inb_tunnel_cbc(struct gw_esp_ctx *ctx, struct gw_sa *sa,
			       struct rte_mbuf *mb[], uint16_t n);

#endif /* GW_ESP_H */
