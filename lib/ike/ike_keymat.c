/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 key material on top of gw_ike_crypto.h: RFC 7296 2.13 (prf+),
 * 2.14 (IKE SA keys), 2.15 (AUTH with a shared secret), 2.17 (Child SA
 * keys) and 2.18 (IKE SA rekey). Intermediate secrets live on the stack
 * and are wiped on every return path.
 */
#include <errno.h>
#include <string.h>

#include "gw_common.h"
#include "gw_ike_keymat.h"

/* Worst case of {SK_d .. SK_pr}: SHA-512 PRF and integrity, 32+4 cipher. */
enum {
	SA_KEYMAT_MAX = 3 * GW_IKE_PRF_MAX + 2 * GW_IKE_INTEG_KEY_MAX +
			2 * GW_IKE_ENCR_KEYMAT_MAX,
	CHILD_KEYMAT_MAX = 2 * (GW_IKE_ESP_KEY_MAX + GW_IKE_SALT_LEN +
				GW_IKE_INTEG_KEY_MAX),
	NONCE_MIN = 16,            /* RFC 7296 3.9 */
	NONCE_MAX = 256,
	IKE_HDR_LEN = 28,
};

static const char key_pad[] = "Key Pad for IKEv2";  /* 17 octets, no NUL */

static bool
nonce_ok(const uint8_t *n, size_t len)
{
	return n != NULL && len >= NONCE_MIN && len <= NONCE_MAX;
}

int
gw_ike_skeyseed(uint16_t prf, const uint8_t *gir, size_t gir_len,
		const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		size_t nr_len, uint8_t *out)
{
	uint8_t nonces[2 * NONCE_MAX];
	struct gw_ike_chunk in = { gir, gir_len };
	int rc;

	if (gir == NULL || gir_len == 0 || !nonce_ok(ni, ni_len) ||
	    !nonce_ok(nr, nr_len))
		return -EINVAL;
	/* The nonces are the key here, so they go in as one buffer. */
	memcpy(nonces, ni, ni_len);
	memcpy(nonces + ni_len, nr, nr_len);
	rc = gw_ike_prf(prf, nonces, ni_len + nr_len, &in, 1, out);
	gw_wipe(nonces, sizeof(nonces));
	return rc;
}

int
gw_ike_skeyseed_rekey(uint16_t old_prf, const uint8_t *old_sk_d,
		      size_t old_sk_d_len, const uint8_t *gir, size_t gir_len,
		      const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		      size_t nr_len, uint8_t *out)
{
	const struct gw_ike_chunk in[] = {
		{ gir, gir_len }, { ni, ni_len }, { nr, nr_len },
	};

	/* RFC 7296 2.18 demands a new DH exchange for an IKE SA rekey. */
	if (old_sk_d == NULL || old_sk_d_len == 0 || gir == NULL ||
	    gir_len == 0 || !nonce_ok(ni, ni_len) || !nonce_ok(nr, nr_len))
		return -EINVAL;
	return gw_ike_prf(old_prf, old_sk_d, old_sk_d_len, in,
			  GW_ARRAY_SIZE(in), out);
}

int
gw_ike_sa_keys_from_skeyseed(struct gw_ike_sa_keys *k,
			     const struct gw_ike_algs *algs,
			     const uint8_t *skeyseed, size_t skeyseed_len,
			     const uint8_t *ni, size_t ni_len,
			     const uint8_t *nr, size_t nr_len,
			     const uint8_t spi_i[GW_IKE_SPI_LEN],
			     const uint8_t spi_r[GW_IKE_SPI_LEN])
{
	const struct gw_ike_chunk seed[] = {
		{ ni, ni_len }, { nr, nr_len },
		{ spi_i, GW_IKE_SPI_LEN }, { spi_r, GW_IKE_SPI_LEN },
	};
	uint8_t km[SA_KEYMAT_MAX];
	size_t key_len, salt_len, integ_len, total;
	const uint8_t *p = km;
	int rc;

	gw_wipe(k, sizeof(*k));
	rc = gw_ike_algs_check(algs, true);
	if (rc != 0)
		return rc;
	if (skeyseed == NULL || skeyseed_len == 0 || spi_i == NULL ||
	    spi_r == NULL || !nonce_ok(ni, ni_len) || !nonce_ok(nr, nr_len))
		return -EINVAL;
	gw_ike_encr_sizes(algs->encr, algs->encr_key_bits, &key_len,
			  &salt_len);
	if (gw_ike_integ_sizes(algs->integ, &integ_len, NULL) != 0)
		integ_len = 0;             /* NONE, with AEAD */
	k->algs = *algs;
	k->prf_len = gw_ike_prf_out_len(algs->prf);
	k->integ_len = integ_len;
	k->encr_len = key_len + salt_len;
	total = 3u * k->prf_len + 2u * k->integ_len + 2u * k->encr_len;

	rc = gw_ike_prf_plus(algs->prf, skeyseed, skeyseed_len, seed,
			     GW_ARRAY_SIZE(seed), km, total);
	if (rc == 0) {
		memcpy(k->sk_d, p, k->prf_len), p += k->prf_len;
		memcpy(k->sk_ai, p, k->integ_len), p += k->integ_len;
		memcpy(k->sk_ar, p, k->integ_len), p += k->integ_len;
		memcpy(k->sk_ei, p, k->encr_len), p += k->encr_len;
		memcpy(k->sk_er, p, k->encr_len), p += k->encr_len;
		memcpy(k->sk_pi, p, k->prf_len), p += k->prf_len;
		memcpy(k->sk_pr, p, k->prf_len);
	} else {
		gw_wipe(k, sizeof(*k));
	}
	gw_wipe(km, sizeof(km));
	return rc;
}

int
gw_ike_sa_keys_derive(struct gw_ike_sa_keys *k, const struct gw_ike_algs *algs,
		      const uint8_t *gir, size_t gir_len, const uint8_t *ni,
		      size_t ni_len, const uint8_t *nr, size_t nr_len,
		      const uint8_t spi_i[GW_IKE_SPI_LEN],
		      const uint8_t spi_r[GW_IKE_SPI_LEN])
{
	uint8_t skeyseed[GW_IKE_PRF_MAX];
	int rc;

	gw_wipe(k, sizeof(*k));
	rc = gw_ike_algs_check(algs, true);
	if (rc == 0)
		rc = gw_ike_skeyseed(algs->prf, gir, gir_len, ni, ni_len, nr,
				     nr_len, skeyseed);
	if (rc == 0)
		rc = gw_ike_sa_keys_from_skeyseed(k, algs, skeyseed,
						  gw_ike_prf_out_len(algs->prf),
						  ni, ni_len, nr, nr_len,
						  spi_i, spi_r);
	gw_wipe(skeyseed, sizeof(skeyseed));
	return rc;
}

int
gw_ike_sa_keys_derive_rekey(struct gw_ike_sa_keys *k,
			    const struct gw_ike_algs *algs,
			    const struct gw_ike_sa_keys *old,
			    const uint8_t *gir, size_t gir_len,
			    const uint8_t *ni, size_t ni_len,
			    const uint8_t *nr, size_t nr_len,
			    const uint8_t spi_i[GW_IKE_SPI_LEN],
			    const uint8_t spi_r[GW_IKE_SPI_LEN])
{
	uint8_t skeyseed[GW_IKE_PRF_MAX];
	size_t seed_len;
	int rc;

	if (k == old)
		return -EINVAL;
	gw_wipe(k, sizeof(*k));
	rc = gw_ike_algs_check(algs, true);
	if (rc != 0)
		return rc;
	/* SKEYSEED comes from the old SA's PRF, the split from the new one. */
	seed_len = gw_ike_prf_out_len(old->algs.prf);
	if (seed_len == 0 || old->prf_len != seed_len)
		return -EINVAL;
	rc = gw_ike_skeyseed_rekey(old->algs.prf, old->sk_d, old->prf_len,
				   gir, gir_len, ni, ni_len, nr, nr_len,
				   skeyseed);
	if (rc == 0)
		rc = gw_ike_sa_keys_from_skeyseed(k, algs, skeyseed, seed_len,
						  ni, ni_len, nr, nr_len,
						  spi_i, spi_r);
	gw_wipe(skeyseed, sizeof(skeyseed));
	return rc;
}

void
gw_ike_sa_keys_wipe(struct gw_ike_sa_keys *k)
{
	gw_wipe(k, sizeof(*k));
}

int
gw_ike_sa_keys_sk_new(const struct gw_ike_sa_keys *k, bool initiator,
		      struct gw_ike_sk **out, struct gw_ike_sk **in)
{
	const uint8_t *ei = initiator ? k->sk_ei : k->sk_er;
	const uint8_t *ai = initiator ? k->sk_ai : k->sk_ar;
	const uint8_t *er = initiator ? k->sk_er : k->sk_ei;
	const uint8_t *ar = initiator ? k->sk_ar : k->sk_ai;
	int rc;

	*in = NULL;
	rc = gw_ike_sk_new(out, &k->algs, ei, k->encr_len,
			   k->integ_len ? ai : NULL, k->integ_len);
	if (rc != 0)
		return rc;
	rc = gw_ike_sk_new(in, &k->algs, er, k->encr_len,
			   k->integ_len ? ar : NULL, k->integ_len);
	if (rc != 0) {
		gw_ike_sk_free(*out);
		*out = NULL;
	}
	return rc;
}

/* One direction's keys from KEYMAT: encryption key, its salt, integrity key. */
static const uint8_t *
esp_keys_take(struct gw_ike_esp_keys *e, const uint8_t *p, size_t key_len,
	      size_t salt_len, size_t integ_len)
{
	memcpy(e->enc_key, p, key_len);
	e->enc_key_len = key_len;
	p += key_len;
	memcpy(e->salt, p, salt_len);
	e->salt_len = salt_len;
	p += salt_len;
	memcpy(e->integ_key, p, integ_len);
	e->integ_key_len = integ_len;
	return p + integ_len;
}

int
gw_ike_child_keys_derive(struct gw_ike_child_keys *c,
			 const struct gw_ike_algs *esp,
			 const struct gw_ike_sa_keys *ike,
			 const uint8_t *gir, size_t gir_len,
			 const uint8_t *ni, size_t ni_len,
			 const uint8_t *nr, size_t nr_len)
{
	struct gw_ike_chunk seed[3];
	unsigned n_seed = 0;
	uint8_t km[CHILD_KEYMAT_MAX];
	size_t key_len, salt_len, integ_len, total;
	const uint8_t *p = km;
	int rc;

	gw_wipe(c, sizeof(*c));
	rc = gw_ike_algs_check(esp, false);
	if (rc != 0)
		return rc;
	if (ike->prf_len == 0 || ike->prf_len != gw_ike_prf_out_len(ike->algs.prf))
		return -EINVAL;
	if ((gir == NULL) != (gir_len == 0) || !nonce_ok(ni, ni_len) ||
	    !nonce_ok(nr, nr_len))
		return -EINVAL;
	gw_ike_encr_sizes(esp->encr, esp->encr_key_bits, &key_len,
			  &salt_len);
	if (gw_ike_integ_sizes(esp->integ, &integ_len, NULL) != 0)
		integ_len = 0;             /* NONE, with AEAD */
	total = 2 * (key_len + salt_len + integ_len);

	if (gir != NULL)
		seed[n_seed++] = (struct gw_ike_chunk){ gir, gir_len };
	seed[n_seed++] = (struct gw_ike_chunk){ ni, ni_len };
	seed[n_seed++] = (struct gw_ike_chunk){ nr, nr_len };
	rc = gw_ike_prf_plus(ike->algs.prf, ike->sk_d, ike->prf_len, seed,
			     n_seed, km, total);
	if (rc == 0) {
		c->algs = *esp;
		c->algs.prf = 0;
		/* RFC 7296 2.17: initiator->responder first, encryption before
		 * integrity within a direction. */
		p = esp_keys_take(&c->i2r, p, key_len, salt_len, integ_len);
		esp_keys_take(&c->r2i, p, key_len, salt_len, integ_len);
	}
	gw_wipe(km, sizeof(km));
	return rc;
}

const struct gw_ike_esp_keys *
gw_ike_child_keys_dir(const struct gw_ike_child_keys *c, bool initiator,
		      bool outbound)
{
	return initiator == outbound ? &c->i2r : &c->r2i;
}

void
gw_ike_child_keys_wipe(struct gw_ike_child_keys *c)
{
	gw_wipe(c, sizeof(*c));
}

int
gw_ike_maced_id(uint16_t prf, const uint8_t *sk_p, size_t sk_p_len,
		const uint8_t *id, size_t id_len, uint8_t *out)
{
	struct gw_ike_chunk in = { id, id_len };

	/* ID payload body: at least the type and the 3 reserved octets. */
	if (id == NULL || id_len < 4)
		return -EINVAL;
	return gw_ike_prf(prf, sk_p, sk_p_len, &in, 1, out);
}

int
gw_ike_auth_psk(uint16_t prf, const uint8_t *psk, size_t psk_len,
		const struct gw_ike_signed_octets *o, uint8_t *auth,
		size_t *auth_len)
{
	uint8_t padded[GW_IKE_PRF_MAX], maced[GW_IKE_PRF_MAX];
	const struct gw_ike_chunk pad_in = { (const uint8_t *)key_pad,
					     sizeof(key_pad) - 1 };
	size_t len = gw_ike_prf_out_len(prf);
	int rc;

	if (len == 0)
		return -ENOTSUP;
	if (psk == NULL || psk_len == 0 || o->msg == NULL ||
	    o->msg_len < IKE_HDR_LEN || !nonce_ok(o->nonce, o->nonce_len))
		return -EINVAL;
	rc = gw_ike_maced_id(prf, o->sk_p, o->sk_p_len, o->id, o->id_len,
			     maced);
	if (rc == 0)
		rc = gw_ike_prf(prf, psk, psk_len, &pad_in, 1, padded);
	if (rc == 0) {
		const struct gw_ike_chunk octets[] = {
			{ o->msg, o->msg_len },
			{ o->nonce, o->nonce_len },
			{ maced, len },
		};

		rc = gw_ike_prf(prf, padded, len, octets,
				GW_ARRAY_SIZE(octets), auth);
	}
	if (rc == 0)
		*auth_len = len;
	gw_wipe(padded, sizeof(padded));
	gw_wipe(maced, sizeof(maced));
	return rc;
}

int
gw_ike_auth_psk_verify(uint16_t prf, const uint8_t *psk, size_t psk_len,
		       const struct gw_ike_signed_octets *o,
		       const uint8_t *auth, size_t auth_len)
{
	uint8_t expect[GW_IKE_PRF_MAX];
	size_t len = 0;
	int rc;

	rc = gw_ike_auth_psk(prf, psk, psk_len, o, expect, &len);
	if (rc == 0 && (auth == NULL || auth_len != len ||
			gw_ct_memcmp(expect, auth, len) != 0))
		rc = -EBADMSG;
	gw_wipe(expect, sizeof(expect));
	return rc;
}
