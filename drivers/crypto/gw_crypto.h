/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Packet crypto through intel-ipsec-mb's direct AES-GCM API, which measures
 * faster here than its job API at small sizes. Keys are expanded once at SA
 * install; the per-packet call is chosen then too (128 vs 256 bit), so the
 * fast path never switches on the algorithm.
 */
#ifndef GW_CRYPTO_H
#define GW_CRYPTO_H

#include <stdint.h>
#include <string.h>

#include <intel-ipsec-mb.h>

#include "gw_common.h"

/** GCM encrypt/decrypt entry point of intel-ipsec-mb (same signature). */
typedef void (*gw_gcm_fn)(const struct gcm_key_data *key,
			  struct gcm_context_data *ctx, uint8_t *out,
			  const uint8_t *in, uint64_t len, const uint8_t *iv,
			  const uint8_t *aad, uint64_t aad_len, uint8_t *tag,
			  uint64_t tag_len);

/** An expanded AEAD key with its RFC 4106 salt; wipe with gw_aead_key_wipe. */
struct gw_aead_key {
	/* what every packet reads first shares one cache line */
	gw_gcm_fn encrypt;
	gw_gcm_fn decrypt;
	uint8_t salt[4];
	uint8_t key_len;           /**< 16 or 32 */
	struct gcm_key_data gcm __attribute__((aligned(64))); /**< round keys, GHASH tables */
} __attribute__((aligned(64)));

/** Prefetches the parts of a key that encrypting a short packet touches. */
static inline void
gw_aead_key_prefetch(const struct gw_aead_key *k)
{
	const uint8_t *rk = k->gcm.expanded_keys;

	__builtin_prefetch(k);
	__builtin_prefetch(rk);
	__builtin_prefetch(rk + 64);
	__builtin_prefetch(rk + 128);
	__builtin_prefetch(rk + 192);
	/* GHASH key powers used by short packets (VAES layout: H^1 first) */
	__builtin_prefetch(rk + 256);
	__builtin_prefetch(rk + 320);
}

/** Per-lcore crypto state: never shared between lcores. */
struct gw_crypto_lcore {
	IMB_MGR *mgr;
	struct gcm_context_data gcm_ctx __attribute__((aligned(64)));
};

/** Allocates and initialises an intel-ipsec-mb manager (best ISA). 0 or -1. */
int gw_crypto_lcore_init(struct gw_crypto_lcore *c);
void gw_crypto_lcore_free(struct gw_crypto_lcore *c);

/** Which code path intel-ipsec-mb chose ("avx512", "avx2", ...). */
const char *gw_crypto_arch_name(const struct gw_crypto_lcore *c);

/**
 * Expands an AES-GCM key (16 or 32 bytes) and stores the salt.
 * Uses c's manager for the key schedule. Returns 0, or -1 on a bad length.
 */
int gw_aead_key_init(struct gw_crypto_lcore *c, struct gw_aead_key *k,
		     const uint8_t *key, unsigned key_len, const uint8_t salt[4]);

/** Wipes every byte of an expanded key. */
void gw_aead_key_wipe(struct gw_aead_key *k);

/**
 * Encrypts len bytes in place or src->dst, RFC 4106 nonce = salt | iv8,
 * and writes a 16-byte tag.
 */
static inline void
gw_aead_seal(struct gw_crypto_lcore *c, const struct gw_aead_key *k,
	     uint8_t *dst, const uint8_t *src, uint64_t len, const uint8_t iv8[8],
	     const uint8_t *aad, uint64_t aad_len, uint8_t tag[16])
{
	uint8_t nonce[12];

	memcpy(nonce, k->salt, 4);
	memcpy(nonce + 4, iv8, 8);
	k->encrypt(&k->gcm, &c->gcm_ctx, dst, src, len, nonce, aad, aad_len, tag, 16);
}

/**
 * Decrypts and verifies: returns 0 when the computed tag equals `tag`
 * (compared in constant time), -1 otherwise. The plaintext is written
 * either way; callers drop the packet on -1.
 */
static inline int
gw_aead_open(struct gw_crypto_lcore *c, const struct gw_aead_key *k,
	     uint8_t *dst, const uint8_t *src, uint64_t len,
	     const uint8_t iv8[8], const uint8_t *aad, uint64_t aad_len,
	     const uint8_t tag[16])
{
	uint8_t nonce[12];
	uint8_t computed[16];

	memcpy(nonce, k->salt, 4);
	memcpy(nonce + 4, iv8, 8);
	k->decrypt(&k->gcm, &c->gcm_ctx, dst, src, len, nonce, aad, aad_len,
		   computed, 16);
	return gw_ct_memcmp(computed, tag, 16) == 0 ? 0 : -1;
}

#endif /* GW_CRYPTO_H */
