/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IKE cryptography: one interface, OpenSSL 3 (EVP) behind it. Control path
 * only; nothing here runs on a worker.
 *
 * Algorithms are named by their IANA IKEv2 transform IDs (RFC 7296 3.3.2,
 * the "IKEv2 Parameters" registry) as plain uint16_t, so a value read from
 * a proposal is passed as is; the codec's gw_ike_msg.h names them
 * (GW_IKE_ENCR_*, GW_IKE_PRF_*, GW_IKE_INTEG_*, GW_IKE_DH_*) and knows
 * their sizes. The size queries here (gw_ike_ke_sizes, gw_ike_prf_out_len,
 * ...) answer for what is implemented: an ID this file does not implement is refused with
 * -ENOTSUP rather than mapped to something close. Implemented:
 *   key exchange  1, 2, 5 (allow_weak only), 14, 15, 16, 19, 20, 21, 31
 *   PRF           2, 5, 6, 7 (HMAC-SHA1, HMAC-SHA2-256/384/512)
 *   integrity     2, 12, 13, 14 (HMAC-SHA1-96, HMAC-SHA2-256-128/384-192/512-256)
 *   encryption    12 AES-CBC, 20 AES-GCM-16 (128/192/256), 28 ChaCha20-Poly1305
 *
 * Errors are negative errno values:
 *   -EINVAL   malformed input (lengths, offsets, an invalid public value)
 *   -ENOTSUP  an algorithm or key length this gateway does not implement
 *   -EPERM    a weak DH group without allow_weak
 *   -EBADMSG  integrity check or AEAD tag failed
 *   -ENOSPC   output buffer too small
 *   -ENOMEM, -EIO  allocation or OpenSSL failure
 *
 * Every object holding key material is wiped (OPENSSL_cleanse) when freed.
 */
#ifndef GW_IKE_CRYPTO_H
#define GW_IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Limits of what this interface produces or accepts. */
enum {
	GW_IKE_PRF_MAX = 64,         /**< PRF output, SK_d/SK_pi/SK_pr length */
	GW_IKE_INTEG_KEY_MAX = 64,   /**< SK_ai/SK_ar length */
	GW_IKE_ICV_MAX = 32,
	GW_IKE_ENCR_KEY_MAX = 32,    /**< cipher key without salt */
	GW_IKE_SALT_LEN = 4,         /**< RFC 5282 / RFC 7634 implicit nonce part */
	GW_IKE_ENCR_KEYMAT_MAX = 36, /**< cipher key + salt: SK_ei/SK_er length */
	GW_IKE_KE_MAX = 512,         /**< KE data of MODP-4096 */
	GW_IKE_KE_SECRET_MAX = 512,  /**< g^ir of MODP-4096 */
};

/** A piece of a PRF input; inputs are concatenations of such pieces. */
struct gw_ike_chunk {
	const uint8_t *ptr;
	size_t len;
};

/** Fills buf with len bytes from OpenSSL's CSPRNG (nonces, SPIs, IVs). 0 or -EIO. */
int gw_ike_random(void *buf, size_t len);

/* ---- Key exchange (Diffie-Hellman, ECDH, X25519) ---- */

/** An ephemeral key pair of one group and, once derived, the shared secret. */
struct gw_ike_ke;

/**
 * Whether a group is implemented here; 0, -ENOTSUP, or -EPERM for groups
 * 1, 2 and 5 (768/1024/1536-bit MODP) unless allow_weak.
 */
int gw_ike_ke_check(uint16_t group, bool allow_weak);

/**
 * Sizes of a group: the KE payload's key exchange data and the shared
 * secret g^ir (either pointer may be NULL). 0 or -ENOTSUP.
 */
int gw_ike_ke_sizes(uint16_t group, size_t *ke_len, size_t *secret_len);

/**
 * Generates a fresh key pair for group. Returns 0 and *out, or -ENOTSUP,
 * -EPERM (weak group without allow_weak), -ENOMEM, -EIO.
 */
int gw_ike_ke_new(struct gw_ike_ke **out, uint16_t group, bool allow_weak);

/**
 * For known-answer tests only: a key pair from a fixed private value
 * (big-endian integer for MODP/ECP, the 32-byte scalar for Curve25519).
 * Never use it for a real exchange.
 */
int gw_ike_ke_new_from_private(struct gw_ike_ke **out, uint16_t group,
			       bool allow_weak, const uint8_t *priv,
			       size_t priv_len);

uint16_t gw_ike_ke_group(const struct gw_ike_ke *ke);

/**
 * Writes our public value in KE payload encoding: MODP g^x zero-padded to
 * the prime length; ECP x | y, each padded to the field length, without
 * the 0x04 prefix (RFC 5903 7); Curve25519 the 32-byte u (RFC 8031).
 * Returns the length, or -ENOSPC.
 */
int gw_ike_ke_export(const struct gw_ike_ke *ke, uint8_t *out, size_t cap);

/**
 * Computes the shared secret from the peer's KE data and keeps it in ke.
 * The peer value is validated: exact length; MODP 1 < y < p-1 and
 * membership in the prime-order subgroup (y^q = 1, q = (p-1)/2); ECP a
 * point on the curve; Curve25519 a non-zero result. Returns 0 or -EINVAL (the
 * caller answers INVALID_SYNTAX or drops, RFC 7296 2.21).
 */
int gw_ike_ke_derive(struct gw_ike_ke *ke, const uint8_t *peer_ke,
		     size_t peer_len);

/**
 * The shared secret after gw_ike_ke_derive (MODP zero-padded to the prime
 * length, ECP the x coordinate, Curve25519 32 bytes); NULL before. Valid
 * until gw_ike_ke_free.
 */
const uint8_t *gw_ike_ke_secret(const struct gw_ike_ke *ke, size_t *len);

/** Frees the key pair and wipes the private key and the shared secret. NULL is fine. */
void gw_ike_ke_free(struct gw_ike_ke *ke);

/* ---- PRF (HMAC) and prf+ ---- */

/** Output length (= preferred key length) of an implemented PRF, else 0. */
size_t gw_ike_prf_out_len(uint16_t prf);

/**
 * out = prf(key, in[0] | in[1] | ...); out holds gw_ike_prf_out_len(prf)
 * bytes. key_len must be non-zero. Returns 0, -ENOTSUP, -EINVAL or -EIO.
 */
int gw_ike_prf(uint16_t prf, const uint8_t *key, size_t key_len,
	       const struct gw_ike_chunk *in, unsigned n_in, uint8_t *out);

/**
 * prf+ (RFC 7296 2.13): out_len bytes of T1 | T2 | ... with
 * T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n), S = in[0] | in[1] | ...
 * (at most 8 pieces). out_len is at most 255 * gw_ike_prf_out_len(prf)
 * (-EINVAL otherwise).
 */
int gw_ike_prf_plus(uint16_t prf, const uint8_t *key, size_t key_len,
		    const struct gw_ike_chunk *in, unsigned n_in,
		    uint8_t *out, size_t out_len);

/* ---- Integrity ---- */

/**
 * Sizes of an implemented integrity transform: the key (= the hash
 * length, RFC 4868 2.1.1) and the ICV on the wire (the truncated HMAC).
 * Either pointer may be NULL. 0 or -ENOTSUP (NONE included).
 */
int gw_ike_integ_sizes(uint16_t integ, size_t *key_len, size_t *icv_len);

/**
 * Writes the truncated HMAC of data (the ICV length) to icv. key_len must
 * be the transform's key length. 0, -ENOTSUP, -EINVAL or -EIO.
 */
int gw_ike_integ_sign(uint16_t integ, const uint8_t *key, size_t key_len,
		      const uint8_t *data, size_t len, uint8_t *icv);

/** Recomputes and compares in constant time: 0, or -EBADMSG on mismatch. */
int gw_ike_integ_verify(uint16_t integ, const uint8_t *key, size_t key_len,
			const uint8_t *data, size_t len, const uint8_t *icv);

/* ---- Encryption ---- */

/**
 * Key material of an implemented encryption transform: the cipher key
 * (from key_bits, the Key Length attribute; 0 where the transform has
 * none, as for ChaCha20-Poly1305) and the salt taken after it (4 for the
 * AEAD ciphers, 0 for AES-CBC). SK_e and ESP encryption keys are
 * key_len + salt_len long. Returns 0 or -ENOTSUP. AES-CBC and AES-GCM-16
 * take 128/192/256 bits.
 */
int gw_ike_encr_sizes(uint16_t encr, uint16_t key_bits, size_t *key_len,
		      size_t *salt_len);

/** The negotiated transforms of an IKE SA (or, without prf, a Child SA). */
struct gw_ike_algs {
	uint16_t encr;             /**< ENCR transform ID */
	uint16_t encr_key_bits;    /**< Key Length attribute; 0 if none */
	uint16_t integ;            /**< INTEG transform ID; 0 (NONE) with AEAD */
	uint16_t prf;              /**< PRF transform ID; unused for Child SAs */
};

/**
 * Checks that a set of transforms is implemented and usable for an IKE
 * SA (need_prf) or an ESP SA: a valid key length; AEAD with integrity
 * NONE (RFC 5282 8); a non-AEAD cipher with an integrity transform.
 * 0, -ENOTSUP or -EINVAL.
 */
int gw_ike_algs_check(const struct gw_ike_algs *a, bool need_prf);

/* ---- Encrypted (SK) payload, RFC 7296 3.14 / RFC 5282 / RFC 7634 ---- */

/** Keys of one direction of an IKE SA: SK_e (+ salt) and SK_a. */
struct gw_ike_sk;

/**
 * Creates the SK payload protection of one direction: ek = SK_ei or SK_er
 * (cipher key followed by the salt for AEAD), ak = SK_ai or SK_ar (NULL,
 * 0 for AEAD). Lengths must match the transforms exactly.
 * Returns 0 and *out, or -ENOTSUP, -EINVAL, -ENOMEM, -EIO.
 */
int gw_ike_sk_new(struct gw_ike_sk **out, const struct gw_ike_algs *algs,
		  const uint8_t *ek, size_t ek_len, const uint8_t *ak,
		  size_t ak_len);

/** Wipes the keys and frees. NULL is fine. */
void gw_ike_sk_free(struct gw_ike_sk *sk);

/** IV length on the wire: 16 for AES-CBC, 8 for AEAD. */
size_t gw_ike_sk_iv_len(const struct gw_ike_sk *sk);

/** Padding alignment of the ciphertext: 16 for AES-CBC, 1 (none) for AEAD. */
size_t gw_ike_sk_block_len(const struct gw_ike_sk *sk);

/** ICV (CBC) or tag (AEAD, 16) length. */
size_t gw_ike_sk_icv_len(const struct gw_ike_sk *sk);

/**
 * The Encrypted payload's total length (its generic header included) for
 * plain_len bytes of inner payloads as gw_ike_sk_encrypt lays it out:
 * header, IV, ciphertext with the least padding and Pad Length, ICV.
 */
size_t gw_ike_sk_payload_len(const struct gw_ike_sk *sk, size_t plain_len);

/**
 * Builds the Encrypted payload in place. msg holds the IKE header at
 * hdr_off (0, or 4 behind a non-ESP marker) and the SK payload's generic
 * header at sk_off, with Next Payload (the first inner payload's type)
 * and flags already written; the SK payload is the last one.
 *
 * Copies plain (which may already lie at its final place,
 * sk_off + 4 + IV length) behind a fresh IV, pads with zeros, writes the
 * SK payload's Payload Length and the IKE header's Length (both are
 * authenticated), then encrypts and appends the ICV or tag.
 * AEAD: nonce = salt | IV, AAD = msg[hdr_off .. sk_off + 4) (RFC 5282
 * 5.1, RFC 7634 3). CBC: the ICV covers the IKE header through the Pad
 * Length (RFC 7296 3.14).
 *
 * AEAD IVs are a per-object counter from a random start, so one key never
 * sees an IV twice; CBC IVs are random. *msg_len is the message end
 * (offset in msg). Returns 0, -EINVAL, -ENOSPC or -EIO.
 */
int gw_ike_sk_encrypt(struct gw_ike_sk *sk, uint8_t *msg, size_t msg_cap,
		      size_t hdr_off, size_t sk_off, const uint8_t *plain,
		      size_t plain_len, size_t *msg_len);

/**
 * As gw_ike_sk_encrypt with a caller-chosen IV (gw_ike_sk_iv_len bytes).
 * For known-answer tests; real messages use gw_ike_sk_encrypt.
 */
int gw_ike_sk_encrypt_iv(struct gw_ike_sk *sk, uint8_t *msg, size_t msg_cap,
			 size_t hdr_off, size_t sk_off, const uint8_t *plain,
			 size_t plain_len, const uint8_t *iv, size_t *msg_len);

/**
 * Seals an Encrypted payload that a message writer has already laid out
 * (gw_ike_wr_sk_begin/_end): the msg_len-byte message ends with the SK
 * payload at sk_off, whose Payload Length and the IKE header's Length are
 * set, with room for the IV, the inner payloads, padding to
 * gw_ike_sk_block_len and the Pad Length octet, and room for the ICV.
 * Writes a fresh IV, encrypts in place and writes the ICV or tag.
 * Returns 0, -EINVAL (layout inconsistent) or -EIO.
 */
int gw_ike_sk_seal(struct gw_ike_sk *sk, uint8_t *msg, size_t msg_len,
		   size_t hdr_off, size_t sk_off);

/**
 * Verifies and decrypts, in place, the Encrypted payload at sk_off of the
 * msg_len-byte message whose IKE header is at hdr_off. The SK payload
 * must end the message and the header's Length must equal the message.
 * Padding content is not checked (RFC 7296 3.14); the Pad Length must
 * fit. CBC: the ICV is checked before anything is decrypted.
 * On success the inner payloads are msg[*plain_off .. + *plain_len).
 * Returns 0, -EINVAL (malformed), -EBADMSG (ICV/tag mismatch; any
 * plaintext already produced is wiped) or -EIO.
 */
int gw_ike_sk_decrypt(struct gw_ike_sk *sk, uint8_t *msg, size_t msg_len,
		      size_t hdr_off, size_t sk_off, size_t *plain_off,
		      size_t *plain_len);

#endif /* GW_IKE_CRYPTO_H */
