/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IKEv2 key material (RFC 7296 2.13-2.18): SKEYSEED and the IKE SA keys,
 * their derivation on an IKE SA rekey, Child SA (ESP) keys, and the AUTH
 * value for pre-shared keys (2.15). Built on gw_ike_crypto.h; control
 * path only.
 *
 * Key structs are plain fixed-size values so they can be embedded in an
 * IKE SA; gw_ike_sa_keys_wipe / gw_ike_child_keys_wipe clear them and
 * must be called when the owner goes away. Every intermediate secret
 * (SKEYSEED, KEYMAT) is wiped before the functions return.
 *
 * Errors are negative errno values as in gw_ike_crypto.h.
 */
#ifndef GW_IKE_KEYMAT_H
#define GW_IKE_KEYMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw_ike_crypto.h"

enum {
	GW_IKE_SPI_LEN = 8,        /**< IKE SA SPI */
	GW_IKE_ESP_KEY_MAX = 32,   /**< ESP cipher key without salt */
};

/** The seven secrets of an IKE SA (RFC 7296 2.14) and their transforms. */
struct gw_ike_sa_keys {
	struct gw_ike_algs algs;
	uint8_t prf_len;           /**< SK_d, SK_pi, SK_pr length */
	uint8_t integ_len;         /**< SK_ai, SK_ar length; 0 with AEAD */
	uint8_t encr_len;          /**< SK_ei, SK_er length, salt included */
	uint8_t sk_d[GW_IKE_PRF_MAX];
	uint8_t sk_ai[GW_IKE_INTEG_KEY_MAX];
	uint8_t sk_ar[GW_IKE_INTEG_KEY_MAX];
	uint8_t sk_ei[GW_IKE_ENCR_KEYMAT_MAX]; /**< key | salt (AEAD) */
	uint8_t sk_er[GW_IKE_ENCR_KEYMAT_MAX];
	uint8_t sk_pi[GW_IKE_PRF_MAX];
	uint8_t sk_pr[GW_IKE_PRF_MAX];
};

/** Keys of one direction of an ESP SA, shaped like struct gw_cfg_sa's. */
struct gw_ike_esp_keys {
	uint8_t enc_key[GW_IKE_ESP_KEY_MAX]; /**< cipher key, salt excluded */
	uint8_t enc_key_len;
	uint8_t salt[GW_IKE_SALT_LEN];       /**< AEAD (RFC 4106 / RFC 7634) */
	uint8_t salt_len;                    /**< 4 for AEAD, else 0 */
	uint8_t integ_key[GW_IKE_INTEG_KEY_MAX];
	uint8_t integ_key_len;               /**< 0 with AEAD */
};

/** Both directions of a Child SA, named by the IKE roles (RFC 7296 2.17). */
struct gw_ike_child_keys {
	struct gw_ike_algs algs;   /**< prf unused */
	struct gw_ike_esp_keys i2r; /**< initiator -> responder */
	struct gw_ike_esp_keys r2i; /**< responder -> initiator */
};

/**
 * SKEYSEED = prf(Ni | Nr, g^ir) (RFC 7296 2.14); out holds
 * gw_ike_prf_out_len(prf) bytes. Nonces must be 16..256 bytes.
 */
int gw_ike_skeyseed(uint16_t prf, const uint8_t *gir, size_t gir_len,
		    const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		    size_t nr_len, uint8_t *out);

/**
 * SKEYSEED of a rekeyed IKE SA = prf(SK_d (old), g^ir (new) | Ni | Nr)
 * (RFC 7296 2.18), with the old IKE SA's PRF.
 */
int gw_ike_skeyseed_rekey(uint16_t old_prf, const uint8_t *old_sk_d,
			  size_t old_sk_d_len, const uint8_t *gir,
			  size_t gir_len, const uint8_t *ni, size_t ni_len,
			  const uint8_t *nr, size_t nr_len, uint8_t *out);

/**
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} =
 * prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) with algs->prf; lengths from algs
 * (SK_a absent with AEAD, SK_e = cipher key + 4-byte salt for AES-GCM and
 * ChaCha20-Poly1305). Used by the two functions below; exposed for tests
 * and for callers holding SKEYSEED already.
 */
int gw_ike_sa_keys_from_skeyseed(struct gw_ike_sa_keys *k,
				 const struct gw_ike_algs *algs,
				 const uint8_t *skeyseed, size_t skeyseed_len,
				 const uint8_t *ni, size_t ni_len,
				 const uint8_t *nr, size_t nr_len,
				 const uint8_t spi_i[GW_IKE_SPI_LEN],
				 const uint8_t spi_r[GW_IKE_SPI_LEN]);

/**
 * Keys of a new IKE SA (IKE_SA_INIT): SKEYSEED from g^ir and the nonces,
 * then the split above. gir is gw_ike_ke_secret()'s value. On error k is
 * wiped. Returns 0, -EINVAL, -ENOTSUP or -EIO.
 */
int gw_ike_sa_keys_derive(struct gw_ike_sa_keys *k,
			  const struct gw_ike_algs *algs,
			  const uint8_t *gir, size_t gir_len,
			  const uint8_t *ni, size_t ni_len,
			  const uint8_t *nr, size_t nr_len,
			  const uint8_t spi_i[GW_IKE_SPI_LEN],
			  const uint8_t spi_r[GW_IKE_SPI_LEN]);

/**
 * Keys of the IKE SA that replaces old (CREATE_CHILD_SA rekey, RFC 7296
 * 2.18): SKEYSEED with old's PRF and SK_d, the split with algs->prf, the
 * new SPIs and the nonces of the rekey exchange. k may not alias old.
 */
int gw_ike_sa_keys_derive_rekey(struct gw_ike_sa_keys *k,
				const struct gw_ike_algs *algs,
				const struct gw_ike_sa_keys *old,
				const uint8_t *gir, size_t gir_len,
				const uint8_t *ni, size_t ni_len,
				const uint8_t *nr, size_t nr_len,
				const uint8_t spi_i[GW_IKE_SPI_LEN],
				const uint8_t spi_r[GW_IKE_SPI_LEN]);

/** Wipes every key of k. */
void gw_ike_sa_keys_wipe(struct gw_ike_sa_keys *k);

/**
 * The SK payload protection of both directions of an IKE SA: *out
 * protects what we send (SK_ei/SK_ai for the initiator), *in what we
 * receive. Free both with gw_ike_sk_free.
 */
int gw_ike_sa_keys_sk_new(const struct gw_ike_sa_keys *k, bool initiator,
			  struct gw_ike_sk **out, struct gw_ike_sk **in);

/**
 * Child SA keys: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) (RFC 7296
 * 2.17), split initiator->responder (encryption key with its salt, then
 * integrity key) followed by responder->initiator. esp gives encr,
 * encr_key_bits and integ (NONE for AEAD); ike gives the PRF and SK_d.
 * gir is NULL without PFS. On error c is wiped.
 */
int gw_ike_child_keys_derive(struct gw_ike_child_keys *c,
			     const struct gw_ike_algs *esp,
			     const struct gw_ike_sa_keys *ike,
			     const uint8_t *gir, size_t gir_len,
			     const uint8_t *ni, size_t ni_len,
			     const uint8_t *nr, size_t nr_len);

/**
 * The keys of the ESP SA we send on (outbound) or receive on, for our
 * role: the initiator sends with i2r, the responder with r2i.
 */
const struct gw_ike_esp_keys *
gw_ike_child_keys_dir(const struct gw_ike_child_keys *c, bool initiator,
		      bool outbound);

/** Wipes every key of c. */
void gw_ike_child_keys_wipe(struct gw_ike_child_keys *c);

/**
 * The signed octets of one side (RFC 7296 2.15): for the initiator
 * RealMessage1 | NonceRData | prf(SK_pi, IDi'), for the responder
 * RealMessage2 | NonceIData | prf(SK_pr, IDr').
 */
struct gw_ike_signed_octets {
	const uint8_t *msg;        /**< our IKE_SA_INIT message, as sent */
	size_t msg_len;
	const uint8_t *nonce;      /**< the peer's Nonce Data */
	size_t nonce_len;
	const uint8_t *id;         /**< our ID payload body: ID Type, 3 reserved, data */
	size_t id_len;
	const uint8_t *sk_p;       /**< SK_pi (initiator) or SK_pr (responder) */
	size_t sk_p_len;
};

/** MACedID = prf(SK_p, ID payload body); out holds gw_ike_prf_out_len(prf) bytes. */
int gw_ike_maced_id(uint16_t prf, const uint8_t *sk_p, size_t sk_p_len,
		    const uint8_t *id, size_t id_len, uint8_t *out);

/**
 * AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)
 * (RFC 7296 2.15) for a pre-shared key (or an EAP MSK). auth holds
 * gw_ike_prf_out_len(prf) bytes; *auth_len gets that length.
 */
int gw_ike_auth_psk(uint16_t prf, const uint8_t *psk, size_t psk_len,
		    const struct gw_ike_signed_octets *o, uint8_t *auth,
		    size_t *auth_len);

/**
 * Checks a received AUTH value against the expected one in constant time:
 * 0, -EBADMSG (mismatch or wrong length), or another error.
 */
int gw_ike_auth_psk_verify(uint16_t prf, const uint8_t *psk, size_t psk_len,
			   const struct gw_ike_signed_octets *o,
			   const uint8_t *auth, size_t auth_len);

#endif /* GW_IKE_KEYMAT_H */
