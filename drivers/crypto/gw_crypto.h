/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Packet crypto through intel-ipsec-mb, three families:
 *  - AES-GCM (RFC 4106): direct GCM API, which measures faster here than
 *    the job API at small sizes;
 *  - ChaCha20-Poly1305 (RFC 7634): direct API (init/update/finalize), the
 *    same shape as GCM and no job queue to drain;
 *  - AES-CBC + HMAC-SHA2 (RFC 3602, RFC 4868): job API, the only one of
 *    intel-ipsec-mb 1.3 that chains CBC with HMAC (ipad/opad precomputed).
 * Keys are expanded once at SA install; the per-packet call is chosen then
 * too (ESP picks one burst function per family), so the fast path never
 * switches on the algorithm.
 */
#ifndef GW_CRYPTO_H
#define GW_CRYPTO_H

#include <stdbool.h>
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

/** AES-CBC + HMAC-SHA2 key material (RFC 3602 + RFC 4868). */
struct gw_cbc_hmac_key {
	uint8_t enc_keys[16 * 15] __attribute__((aligned(16))); /**< AES round keys */
	uint8_t dec_keys[16 * 15] __attribute__((aligned(16)));
	/**
	 * AES-128 round keys of a random per-SA key that makes the IVs:
	 * IV = AES(iv_key, 0^8 | seq64), unique per sequence number and
	 * unpredictable without iv_key, as RFC 3602 requires of CBC IVs.
	 */
	uint8_t iv_keys[16 * 11] __attribute__((aligned(16)));
	uint8_t ipad[64] __attribute__((aligned(16))); /**< H state after key^ipad */
	uint8_t opad[64] __attribute__((aligned(16))); /**< H state after key^opad */
	IMB_HASH_ALG hash;         /**< IMB_AUTH_HMAC_SHA_256/384/512 */
};

/** An expanded ESP key; wipe with gw_aead_key_wipe. */
struct gw_aead_key {
	/* what every packet reads first shares one cache line */
	gw_gcm_fn encrypt;         /**< GCM only */
	gw_gcm_fn decrypt;         /**< GCM only */
	uint8_t salt[4];           /**< GCM, ChaCha20-Poly1305 */
	uint8_t key_len;           /**< cipher key: 16 or 32 */
	uint8_t icv_len;           /**< 16, or 24/32 for HMAC-SHA-384/512 */
	/** GCM: the GHASH key powers end gcm_key_data, H^1 last (the
	 *  AVX-512/VAES code); else 8 of them follow the round keys. */
	uint8_t ghash_tail;
	union {
		struct gcm_key_data gcm __attribute__((aligned(64))); /**< round keys, GHASH tables */
		uint8_t chacha[32] __attribute__((aligned(64)));    /**< ChaCha20 key */
		struct gw_cbc_hmac_key cbc __attribute__((aligned(64)));
	};
} __attribute__((aligned(64)));

/** HMAC-SHA2 variants usable with AES-CBC (RFC 4868 truncations). */
enum gw_cbc_hmac {
	GW_HMAC_SHA256_128,
	GW_HMAC_SHA384_192,
	GW_HMAC_SHA512_256,
};

/**
 * Prefetches the parts of a key that sealing or opening @p len bytes
 * touches. AES-GCM (@p gcm, with @p ghash_tail as the key's own field,
 * passed in so that the key's first line need not be read): the round
 * keys and the GHASH key powers. intel-ipsec-mb's AVX-512/VAES code
 * stores the powers H^48..H^1 with H^1 last, so a short packet reads the
 * end of gcm_key_data (measured: 64 B frames read the round keys and the
 * last two lines, 1400 B ones the whole table); the SSE/AVX2 code keeps 8
 * powers right after the round keys. Other families: the key's first
 * line and the start of its schedule.
 */
static inline void
gw_aead_key_prefetch(const struct gw_aead_key *k, bool gcm, bool ghash_tail, uint32_t len)
{
	const uint8_t *rk = k->gcm.expanded_keys;
	const uint8_t *end = (const uint8_t *)(&k->gcm + 1);
	const uint8_t *hk = end - (len / 16 + 5 > 48 ? 16u * 48 : 16u * (len / 16 + 5));

	/* round keys: 240 bytes at most */
	for (unsigned off = 0; off < 256; off += 64)
		__builtin_prefetch(rk + off);
	if (!gcm) {
		__builtin_prefetch(k);
		return;
	}
	if (!ghash_tail) {
		__builtin_prefetch(rk + 256);
		__builtin_prefetch(rk + 320);
		return;
	}
	for (; hk < end; hk += 64)
		__builtin_prefetch(hk);
	__builtin_prefetch(end - 1);
}

/** Per-lcore crypto state: never shared between lcores. */
struct gw_crypto_lcore {
	IMB_MGR *mgr;
	struct gcm_context_data gcm_ctx __attribute__((aligned(64)));
	struct chacha20_poly1305_context_data chacha_ctx __attribute__((aligned(64)));
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

/**
 * Stores a ChaCha20-Poly1305 key (32 bytes) and its RFC 7634 salt.
 * Returns 0, or -1 on a bad length or when the library lacks the API.
 */
int gw_chacha_key_init(struct gw_crypto_lcore *c, struct gw_aead_key *k,
		       const uint8_t *key, unsigned key_len, const uint8_t salt[4]);

/**
 * Expands an AES-CBC key (16 or 32 bytes), precomputes the HMAC inner and
 * outer states from integ_key (32/48/64 bytes for SHA-256/384/512) and
 * draws a random IV key. Returns 0, or -1 on bad lengths.
 */
int gw_cbc_key_init(struct gw_crypto_lcore *c, struct gw_aead_key *k,
		    const uint8_t *key, unsigned key_len, enum gw_cbc_hmac h,
		    const uint8_t *integ_key, unsigned integ_key_len);

/**
 * Test hook: replaces the random IV key with a known one, so that an
 * outbound packet can be compared byte for byte with a reference.
 */
void gw_cbc_key_set_iv_key(struct gw_crypto_lcore *c, struct gw_aead_key *k,
			   const uint8_t iv_key[16]);

/**
 * AES-CBC + HMAC over an ESP packet laid out in place at p:
 *   p[0 .. cipher_off)            ESP header and IV (authenticated)
 *   p[cipher_off .. +clen)        plaintext -> ciphertext (encrypt)
 *   p[cipher_off + clen .. +4)    seq_hi when esn (authenticated, RFC 4303
 *                                 2.2.1), where the ICV is written afterwards
 * gw_cbc_seal encrypts then writes icv_len bytes of ICV at p + cipher_off +
 * clen. gw_cbc_open checks the ICV found there (constant time) then
 * decrypts; 0 when it matched, -1 otherwise (the ICV bytes are clobbered).
 * clen is a multiple of 16; iv is the 16 bytes at p + cipher_off - 16.
 */
int gw_cbc_seal(struct gw_crypto_lcore *c, const struct gw_aead_key *k,
		uint8_t *p, uint32_t cipher_off, uint32_t clen, uint32_t seq_hi,
		int esn);
int gw_cbc_open(struct gw_crypto_lcore *c, const struct gw_aead_key *k,
		uint8_t *p, uint32_t cipher_off, uint32_t clen, uint32_t seq_hi,
		int esn);

/**
 * One packet of a job-API burst, laid out in place at p as for
 * gw_cbc_seal(): p[0 .. cipher_off) ESP header and IV, then clen bytes of
 * payload, then the ICV.
 */
struct gw_job_op {
	uint8_t *p;
	uint32_t cipher_off;
	uint32_t clen;
	uint32_t seq_hi;           /**< CBC: authenticated after the payload with ESN */
	int ok;                    /**< out: sealed, or opened with a matching ICV */
	uint8_t nonce[12];         /**< ChaCha20-Poly1305: salt | IV (RFC 7634) */
	uint8_t aad[12];           /**< ChaCha20-Poly1305: SPI | [seq_hi |] seq_lo */
	uint8_t aad_len;           /**< 8, or 12 with ESN */
	uint8_t icv[32];           /**< open: the ICV received (saved before ESN) */
	uint8_t tag[32];           /**< the ICV computed */
};

/**
 * gw_cbc_seal() / gw_cbc_open() for n packets of one SA at once: every
 * job is submitted before any is flushed, so intel-ipsec-mb's multi-buffer
 * lanes work on several packets in parallel (CBC encryption is serial
 * within a packet: one packet at a time leaves most lanes idle). Sets each
 * ops[i].ok; returns how many are ok.
 */
unsigned gw_cbc_seal_burst(struct gw_crypto_lcore *c, const struct gw_aead_key *k,
			   struct gw_job_op *ops, unsigned n, int esn);
unsigned gw_cbc_open_burst(struct gw_crypto_lcore *c, const struct gw_aead_key *k,
			   struct gw_job_op *ops, unsigned n, int esn);

/**
 * ChaCha20-Poly1305 (RFC 7634) for n packets of one SA through the job
 * API, whose AVX-512 code measured ~1.8x faster than the direct API at
 * 64 B (1.3x at 1400 B) with intel-ipsec-mb 1.3. Nonce and AAD per op;
 * the 16-byte ICV at p + cipher_off + clen. Sets ops[i].ok; returns how
 * many are ok.
 */
unsigned gw_chacha_seal_burst(struct gw_crypto_lcore *c, const struct gw_aead_key *k,
			      struct gw_job_op *ops, unsigned n);
unsigned gw_chacha_open_burst(struct gw_crypto_lcore *c, const struct gw_aead_key *k,
			      struct gw_job_op *ops, unsigned n);

/** The CBC IV of a sequence number: AES(iv_key, 0^8 | seq64 big endian). */
static inline void
gw_cbc_iv(struct gw_crypto_lcore *c, const struct gw_aead_key *k, uint64_t seq,
	  uint8_t iv[16])
{
	static const uint8_t zero[16];
	uint8_t block[16];

	memset(block, 0, 8);
	for (int i = 0; i < 8; i++)
		block[8 + i] = (uint8_t)(seq >> (56 - 8 * i));
	/* CFB on one block of zeros is AES of the IV block: ECB of one block */
	IMB_AES128_CFB_ONE(c->mgr, iv, zero, block, k->cbc.iv_keys, 16);
}

/** Wipes every byte of an expanded key. */
void gw_aead_key_wipe(struct gw_aead_key *k);

/**
 * AES-GCM seal from parts a caller may keep elsewhere (an SA keeps the
 * function and the salt in its hot lines): encrypts len bytes in place or
 * src->dst, RFC 4106 nonce = salt | iv8, and writes a 16-byte tag.
 */
static inline void
gw_gcm_seal(struct gw_crypto_lcore *c, gw_gcm_fn encrypt, const uint8_t salt[4],
	    const struct gcm_key_data *key, uint8_t *dst, const uint8_t *src, uint64_t len,
	    const uint8_t iv8[8], const uint8_t *aad, uint64_t aad_len, uint8_t tag[16])
{
	uint8_t nonce[12];

	memcpy(nonce, salt, 4);
	memcpy(nonce + 4, iv8, 8);
	encrypt(key, &c->gcm_ctx, dst, src, len, nonce, aad, aad_len, tag, 16);
}

/**
 * AES-GCM open, the counterpart of gw_gcm_seal: 0 when the computed tag
 * equals `tag` (compared in constant time), -1 otherwise.
 */
static inline int
gw_gcm_open(struct gw_crypto_lcore *c, gw_gcm_fn decrypt, const uint8_t salt[4],
	    const struct gcm_key_data *key, uint8_t *dst, const uint8_t *src, uint64_t len,
	    const uint8_t iv8[8], const uint8_t *aad, uint64_t aad_len, const uint8_t tag[16])
{
	uint8_t nonce[12];
	uint8_t computed[16];

	memcpy(nonce, salt, 4);
	memcpy(nonce + 4, iv8, 8);
	decrypt(key, &c->gcm_ctx, dst, src, len, nonce, aad, aad_len, computed, 16);
	return gw_ct_diff16(computed, tag) == 0 ? 0 : -1;
}

/** gw_gcm_seal with everything from the key. */
static inline void
gw_aead_seal(struct gw_crypto_lcore *c, const struct gw_aead_key *k,
	     uint8_t *dst, const uint8_t *src, uint64_t len, const uint8_t iv8[8],
	     const uint8_t *aad, uint64_t aad_len, uint8_t tag[16])
{
	gw_gcm_seal(c, k->encrypt, k->salt, &k->gcm, dst, src, len, iv8, aad, aad_len, tag);
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
	return gw_gcm_open(c, k->decrypt, k->salt, &k->gcm, dst, src, len, iv8, aad,
			   aad_len, tag);
}

/** ChaCha20-Poly1305 seal, RFC 7634 nonce = salt | iv8, 16-byte tag. */
static inline void
gw_chacha_seal(struct gw_crypto_lcore *c, const struct gw_aead_key *k,
	       uint8_t *dst, const uint8_t *src, uint64_t len, const uint8_t iv8[8],
	       const uint8_t *aad, uint64_t aad_len, uint8_t tag[16])
{
	uint8_t nonce[12];

	memcpy(nonce, k->salt, 4);
	memcpy(nonce + 4, iv8, 8);
	IMB_CHACHA20_POLY1305_INIT(c->mgr, k->chacha, &c->chacha_ctx, nonce, aad,
				   aad_len);
	IMB_CHACHA20_POLY1305_ENC_UPDATE(c->mgr, k->chacha, &c->chacha_ctx, dst,
					 src, len);
	IMB_CHACHA20_POLY1305_ENC_FINALIZE(c->mgr, &c->chacha_ctx, tag, 16);
}

/** ChaCha20-Poly1305 open: 0 when the tag matched (constant time), else -1. */
static inline int
gw_chacha_open(struct gw_crypto_lcore *c, const struct gw_aead_key *k,
	       uint8_t *dst, const uint8_t *src, uint64_t len,
	       const uint8_t iv8[8], const uint8_t *aad, uint64_t aad_len,
	       const uint8_t tag[16])
{
	uint8_t nonce[12];
	uint8_t computed[16];

	memcpy(nonce, k->salt, 4);
	memcpy(nonce + 4, iv8, 8);
	IMB_CHACHA20_POLY1305_INIT(c->mgr, k->chacha, &c->chacha_ctx, nonce, aad,
				   aad_len);
	IMB_CHACHA20_POLY1305_DEC_UPDATE(c->mgr, k->chacha, &c->chacha_ctx, dst,
					 src, len);
	IMB_CHACHA20_POLY1305_DEC_FINALIZE(c->mgr, &c->chacha_ctx, computed, 16);
	return gw_ct_diff16(computed, tag) == 0 ? 0 : -1;
}

#endif /* GW_CRYPTO_H */
