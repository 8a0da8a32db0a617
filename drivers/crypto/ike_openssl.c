/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE cryptography through OpenSSL 3's EVP interfaces: key exchange,
 * HMAC PRF/prf+/integrity and the Encrypted payload. Only the control
 * path calls this, so objects are allocated per operation where that
 * keeps the code simple; key material is cleansed before it is freed.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "gw_common.h"
#include "gw_ike_crypto.h"

/*
 * IANA IKEv2 transform IDs (RFC 7296 3.3.2 and later RFCs). The codec's
 * gw_ike_msg.h has the public names; the driver sits below lib/ike and
 * keeps its own private ones for what it implements.
 */
enum {
	ENCR_AES_CBC = 12,
	ENCR_AES_GCM_16 = 20,
	ENCR_CHACHA20_POLY1305 = 28,
	PRF_HMAC_SHA1 = 2,
	PRF_HMAC_SHA2_256 = 5,
	PRF_HMAC_SHA2_384 = 6,
	PRF_HMAC_SHA2_512 = 7,
	INTEG_NONE = 0,
	INTEG_HMAC_SHA1_96 = 2,
	INTEG_HMAC_SHA2_256_128 = 12,
	INTEG_HMAC_SHA2_384_192 = 13,
	INTEG_HMAC_SHA2_512_256 = 14,
	DH_MODP768 = 1,
	DH_MODP1024 = 2,
	DH_MODP1536 = 5,
	DH_MODP2048 = 14,
	DH_MODP3072 = 15,
	DH_MODP4096 = 16,
	DH_ECP256 = 19,
	DH_ECP384 = 20,
	DH_ECP521 = 21,
	DH_CURVE25519 = 31,
};

enum {
	IKE_HDR_LEN = 28,          /* fixed IKE header; Length at offset 24 */
	IKE_GEN_HDR_LEN = 4,       /* generic payload header */
	AEAD_IV_LEN = 8,           /* RFC 5282 3.1, RFC 7634 2 */
	AEAD_TAG_LEN = 16,
	CBC_IV_LEN = 16,
	CBC_BLOCK = 16,
};

/* ---- Helpers ---- */

static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* An OpenSSL failure: drop the thread's error queue so it does not grow. */
static int
ossl_fail(int rc)
{
	ERR_clear_error();
	return rc;
}

int
gw_ike_random(void *buf, size_t len)
{
	if (len > INT32_MAX)
		return -EINVAL;
	if (len == 0)
		return 0;
	return RAND_bytes(buf, (int)len) == 1 ? 0 : ossl_fail(-EIO);
}

/* ---- Key exchange ---- */

enum ke_kind { KE_MODP, KE_ECP, KE_X25519 };

struct dh_group {
	uint16_t id;
	uint8_t kind;              /* enum ke_kind */
	bool weak;                 /* only with allow_weak */
	uint16_t ke_len;           /* KE payload data */
	uint16_t secret_len;       /* g^ir */
	const char *ossl_group;    /* OpenSSL group name; NULL: p and g given */
	BIGNUM *(*prime)(BIGNUM *); /* MODP prime (RFC 2409 / RFC 3526) */
	int nid;                   /* ECP curve, for the test-only import */
};

/*
 * MODP 768/1024 have no OpenSSL group name: they are built from p and
 * g = 2 (OpenSSL's key generation refuses them with q, as FIPS 186-4 has
 * no such size pair). The named groups carry q = (p-1)/2, so OpenSSL's
 * public key check tests subgroup membership and private keys are short;
 * for the other two dh_peer_key tests it.
 */
static const struct dh_group dh_groups[] = {
	{ DH_MODP768, KE_MODP, true, 96, 96, NULL,
	  BN_get_rfc2409_prime_768, 0 },
	{ DH_MODP1024, KE_MODP, true, 128, 128, NULL,
	  BN_get_rfc2409_prime_1024, 0 },
	{ DH_MODP1536, KE_MODP, true, 192, 192, "modp_1536",
	  BN_get_rfc3526_prime_1536, 0 },
	{ DH_MODP2048, KE_MODP, false, 256, 256, "modp_2048",
	  BN_get_rfc3526_prime_2048, 0 },
	{ DH_MODP3072, KE_MODP, false, 384, 384, "modp_3072",
	  BN_get_rfc3526_prime_3072, 0 },
	{ DH_MODP4096, KE_MODP, false, 512, 512, "modp_4096",
	  BN_get_rfc3526_prime_4096, 0 },
	{ DH_ECP256, KE_ECP, false, 64, 32, "P-256", NULL,
	  NID_X9_62_prime256v1 },
	{ DH_ECP384, KE_ECP, false, 96, 48, "P-384", NULL,
	  NID_secp384r1 },
	{ DH_ECP521, KE_ECP, false, 132, 66, "P-521", NULL,
	  NID_secp521r1 },
	{ DH_CURVE25519, KE_X25519, false, 32, 32, "X25519", NULL, 0 },
};

struct gw_ike_ke {
	const struct dh_group *g;
	EVP_PKEY *key;
	size_t secret_len;         /* 0 until derived */
	uint8_t secret[GW_IKE_KE_SECRET_MAX];
};

static const struct dh_group *
dh_group_find(uint16_t id)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(dh_groups); i++)
		if (dh_groups[i].id == id)
			return &dh_groups[i];
	return NULL;
}

int
gw_ike_ke_check(uint16_t group, bool allow_weak)
{
	const struct dh_group *g = dh_group_find(group);

	if (g == NULL)
		return -ENOTSUP;
	if (g->weak && !allow_weak)
		return -EPERM;
	return 0;
}

int
gw_ike_ke_sizes(uint16_t group, size_t *ke_len, size_t *secret_len)
{
	const struct dh_group *g = dh_group_find(group);

	if (g == NULL)
		return -ENOTSUP;
	if (ke_len)
		*ke_len = g->ke_len;
	if (secret_len)
		*secret_len = g->secret_len;
	return 0;
}

uint16_t
gw_ike_ke_group(const struct gw_ike_ke *ke)
{
	return ke->g->id;
}

static const char *
dh_keytype(const struct dh_group *g)
{
	switch (g->kind) {
	case KE_MODP:
		return "DH";
	case KE_ECP:
		return "EC";
	default:
		return "X25519";
	}
}

/*
 * A MODP key (parameters only, public, or key pair) from OSSL_PARAMs.
 * priv, when given, should be a BN_secure_new() number so the parameter
 * copy lands in memory that is cleansed on free.
 */
static EVP_PKEY *
modp_fromdata(const struct dh_group *g, int selection, const BIGNUM *priv,
	      const BIGNUM *pub)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	BIGNUM *p = NULL, *gen = NULL;
	int ok = bld != NULL;

	if (ok && g->ossl_group != NULL) {
		ok = OSSL_PARAM_BLD_push_utf8_string(bld,
			OSSL_PKEY_PARAM_GROUP_NAME, g->ossl_group, 0);
	} else if (ok) {
		p = g->prime(NULL);
		gen = BN_new();
		ok = p && gen && BN_set_word(gen, 2) &&
		     OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) &&
		     OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, gen);
	}
	if (ok && priv)
		ok = OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv);
	if (ok && pub)
		ok = OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, pub);
	if (ok)
		params = OSSL_PARAM_BLD_to_param(bld);
	if (params)
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pk, selection, params) <= 0)
		pk = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(p);
	BN_free(gen);
	return pk;
}

/* An EC key from a group name and an encoded point, with optional private key. */
static EVP_PKEY *
ec_fromdata(const struct dh_group *g, int selection, const BIGNUM *priv,
	    const uint8_t *point, size_t point_len)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	int ok = bld != NULL;

	ok = ok && OSSL_PARAM_BLD_push_utf8_string(bld,
			OSSL_PKEY_PARAM_GROUP_NAME, g->ossl_group, 0);
	ok = ok && OSSL_PARAM_BLD_push_octet_string(bld,
			OSSL_PKEY_PARAM_PUB_KEY, point, point_len);
	if (ok && priv)
		ok = OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv);
	if (ok)
		params = OSSL_PARAM_BLD_to_param(bld);
	if (params)
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pk, selection, params) <= 0)
		pk = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return pk;
}

static EVP_PKEY *
dh_generate(const struct dh_group *g)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *params = NULL, *pk = NULL;

	if (g->kind == KE_MODP) {
		/* Parameters first: the same path serves named and p/g groups. */
		params = modp_fromdata(g, EVP_PKEY_KEY_PARAMETERS, NULL, NULL);
		if (params)
			ctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
		if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0)
			goto out;
	} else {
		ctx = EVP_PKEY_CTX_new_from_name(NULL, dh_keytype(g), NULL);
		if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0)
			goto out;
		if (g->kind == KE_ECP) {
			OSSL_PARAM p[] = {
				OSSL_PARAM_construct_utf8_string(
					OSSL_PKEY_PARAM_GROUP_NAME,
					(char *)g->ossl_group, 0),
				OSSL_PARAM_construct_end(),
			};

			if (EVP_PKEY_CTX_set_params(ctx, p) <= 0)
				goto out;
		}
	}
	if (EVP_PKEY_generate(ctx, &pk) <= 0)
		pk = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(params);
	return pk;
}

static int
dh_alloc(struct gw_ike_ke **out, const struct dh_group *g, EVP_PKEY *pk)
{
	struct gw_ike_ke *dh;

	if (pk == NULL)
		return ossl_fail(-EIO);
	dh = OPENSSL_zalloc(sizeof(*dh));
	if (dh == NULL) {
		EVP_PKEY_free(pk);
		return -ENOMEM;
	}
	dh->g = g;
	dh->key = pk;
	*out = dh;
	return 0;
}

int
gw_ike_ke_new(struct gw_ike_ke **out, uint16_t group, bool allow_weak)
{
	const struct dh_group *g = dh_group_find(group);
	int rc = gw_ike_ke_check(group, allow_weak);

	*out = NULL;
	if (rc != 0)
		return rc;
	return dh_alloc(out, g, dh_generate(g));
}

static EVP_PKEY *
modp_import_private(const struct dh_group *g, const uint8_t *priv,
		    size_t priv_len)
{
	BN_CTX *bnctx = BN_CTX_new();
	BIGNUM *x = BN_secure_new(), *p = g->prime(NULL), *pub = BN_new();
	BIGNUM *two = BN_new(), *pm1 = BN_new();
	EVP_PKEY *pk = NULL;

	if (!bnctx || !x || !p || !pub || !two || !pm1 ||
	    !BN_bin2bn(priv, (int)priv_len, x) || !BN_set_word(two, 2) ||
	    !BN_sub(pm1, p, BN_value_one()))
		goto out;
	if (BN_cmp(x, BN_value_one()) <= 0 || BN_cmp(x, pm1) >= 0)
		goto out;
	BN_set_flags(x, BN_FLG_CONSTTIME);
	if (!BN_mod_exp(pub, two, x, p, bnctx))
		goto out;
	pk = modp_fromdata(g, EVP_PKEY_KEYPAIR, x, pub);
out:
	BN_CTX_free(bnctx);
	BN_clear_free(x);
	BN_free(p);
	BN_free(pub);
	BN_free(two);
	BN_free(pm1);
	return pk;
}

static EVP_PKEY *
ec_import_private(const struct dh_group *g, const uint8_t *priv,
		  size_t priv_len)
{
	EC_GROUP *grp = EC_GROUP_new_by_curve_name(g->nid);
	EC_POINT *pt = grp ? EC_POINT_new(grp) : NULL;
	BN_CTX *bnctx = BN_CTX_new();
	BIGNUM *x = BN_secure_new();
	uint8_t point[1 + GW_IKE_KE_MAX];
	size_t point_len;
	EVP_PKEY *pk = NULL;

	if (!grp || !pt || !bnctx || !x || !BN_bin2bn(priv, (int)priv_len, x))
		goto out;
	if (BN_is_zero(x) || BN_cmp(x, EC_GROUP_get0_order(grp)) >= 0)
		goto out;
	if (!EC_POINT_mul(grp, pt, x, NULL, NULL, bnctx))
		goto out;
	point_len = EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED,
				       point, sizeof(point), bnctx);
	if (point_len != 1u + g->ke_len)
		goto out;
	pk = ec_fromdata(g, EVP_PKEY_KEYPAIR, x, point, point_len);
out:
	EC_POINT_free(pt);
	EC_GROUP_free(grp);
	BN_CTX_free(bnctx);
	BN_clear_free(x);
	return pk;
}

int
gw_ike_ke_new_from_private(struct gw_ike_ke **out, uint16_t group,
			   bool allow_weak, const uint8_t *priv,
			   size_t priv_len)
{
	int rc = gw_ike_ke_check(group, allow_weak);
	const struct dh_group *g = dh_group_find(group);
	EVP_PKEY *pk;

	*out = NULL;
	if (rc != 0)
		return rc;
	if (priv == NULL || priv_len == 0 || priv_len > GW_IKE_KE_MAX)
		return -EINVAL;
	switch (g->kind) {
	case KE_MODP:
		pk = modp_import_private(g, priv, priv_len);
		break;
	case KE_ECP:
		pk = ec_import_private(g, priv, priv_len);
		break;
	default:
		if (priv_len != 32)
			return -EINVAL;
		pk = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL,
						     priv, priv_len);
		break;
	}
	if (pk == NULL)
		return ossl_fail(-EINVAL);
	return dh_alloc(out, g, pk);
}

int
gw_ike_ke_export(const struct gw_ike_ke *dh, uint8_t *out, size_t cap)
{
	const struct dh_group *g = dh->g;
	uint8_t point[1 + GW_IKE_KE_MAX];
	size_t len = 0;
	BIGNUM *pub = NULL;
	int rc = -EIO;

	if (cap < g->ke_len)
		return -ENOSPC;
	switch (g->kind) {
	case KE_MODP:
		if (EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY,
					  &pub) &&
		    BN_bn2binpad(pub, out, g->ke_len) == g->ke_len)
			rc = g->ke_len;
		BN_free(pub);
		break;
	case KE_ECP:
		/* SEC1 uncompressed 0x04 | x | y; IKE drops the 0x04. */
		if (EVP_PKEY_get_octet_string_param(dh->key,
				OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
				sizeof(point), &len) &&
		    len == 1u + g->ke_len && point[0] == 0x04) {
			memcpy(out, point + 1, g->ke_len);
			rc = g->ke_len;
		}
		break;
	default:
		len = cap;
		if (EVP_PKEY_get_raw_public_key(dh->key, out, &len) &&
		    len == g->ke_len)
			rc = g->ke_len;
		break;
	}
	return rc < 0 ? ossl_fail(rc) : rc;
}

/* The peer's KE data as an EVP_PKEY, or NULL when it is not a valid value. */
static EVP_PKEY *
dh_peer_key(const struct dh_group *g, const uint8_t *ke)
{
	uint8_t point[1 + GW_IKE_KE_MAX];
	EVP_PKEY *pk = NULL;

	switch (g->kind) {
	case KE_MODP: {
		BIGNUM *y = BN_bin2bn(ke, g->ke_len, NULL);
		BIGNUM *p = g->prime(NULL), *pm1 = BN_new();
		BN_CTX *bnctx = BN_CTX_new();
		int ok;

		/* SP 800-56A 5.6.2.3.1: 1 < y < p-1, else a small subgroup, */
		ok = y && p && pm1 && bnctx &&
		     BN_sub(pm1, p, BN_value_one()) &&
		     BN_cmp(y, BN_value_one()) > 0 && BN_cmp(y, pm1) < 0;
		/* and y in the order-q subgroup g = 2 generates. For these safe
		 * primes (p = 2q + 1, p = 7 mod 8: 2 is a square) that is the
		 * group of quadratic residues, so the Legendre symbol (y/p) = 1
		 * says y^q = 1 at a fraction of a 2048-bit exponentiation. */
		if (ok)
			ok = BN_kronecker(y, p, bnctx) == 1;
		if (ok)
			pk = modp_fromdata(g, EVP_PKEY_PUBLIC_KEY, NULL, y);
		BN_free(y);
		BN_free(p);
		BN_free(pm1);
		BN_CTX_free(bnctx);
		break;
	}
	case KE_ECP:
		/* Decoding checks that the point is on the curve. */
		point[0] = 0x04;
		memcpy(point + 1, ke, g->ke_len);
		pk = ec_fromdata(g, EVP_PKEY_PUBLIC_KEY, NULL, point,
				 1u + g->ke_len);
		break;
	default:
		pk = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, ke,
						    g->ke_len);
		break;
	}
	return pk;
}

int
gw_ike_ke_derive(struct gw_ike_ke *dh, const uint8_t *peer_ke,
		 size_t peer_len)
{
	const struct dh_group *g = dh->g;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *peer;
	size_t len = g->secret_len;
	int rc = -EINVAL;

	if (peer_ke == NULL || peer_len != g->ke_len)
		return -EINVAL;
	OPENSSL_cleanse(dh->secret, sizeof(dh->secret));
	dh->secret_len = 0;
	peer = dh_peer_key(g, peer_ke);
	if (peer == NULL)
		return ossl_fail(-EINVAL);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL);
	if (ctx == NULL || EVP_PKEY_derive_init(ctx) <= 0) {
		rc = -EIO;
		goto out;
	}
	/* g^ir is zero-padded to the length of the prime (RFC 7296 2.14). */
	if (g->kind == KE_MODP && EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0) {
		rc = -EIO;
		goto out;
	}
	/*
	 * dh_peer_key() checked the peer's value (RFC 6989): 1 < y < p-1 and
	 * subgroup membership for MODP, a point on the curve for the
	 * cofactor-1 ECP groups (2.3). OpenSSL's full check would repeat them
	 * with a 2048-bit exponentiation (y^q mod p) or a scalar
	 * multiplication by the order: most of a MODP responder's CPU time.
	 * X25519 needs none (OpenSSL rejects an all-zero result).
	 */
	if (EVP_PKEY_derive_set_peer_ex(ctx, peer, g->kind == KE_X25519) <= 0)
		goto out;
	if (EVP_PKEY_derive(ctx, dh->secret, &len) <= 0)
		goto out;
	if (len != g->secret_len) {
		rc = -EIO;
		goto out;
	}
	if (g->kind == KE_X25519) {
		/* RFC 8031 2.3: an all-zero result means a low-order point. */
		uint8_t acc = 0;

		for (size_t i = 0; i < len; i++)
			acc |= dh->secret[i];
		if (acc == 0)
			goto out;
	}
	dh->secret_len = len;
	rc = 0;
out:
	if (rc != 0) {
		OPENSSL_cleanse(dh->secret, sizeof(dh->secret));
		ERR_clear_error();
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	return rc;
}

const uint8_t *
gw_ike_ke_secret(const struct gw_ike_ke *dh, size_t *len)
{
	if (dh->secret_len == 0)
		return NULL;
	*len = dh->secret_len;
	return dh->secret;
}

void
gw_ike_ke_free(struct gw_ike_ke *dh)
{
	if (dh == NULL)
		return;
	EVP_PKEY_free(dh->key);    /* clears the private key */
	OPENSSL_clear_free(dh, sizeof(*dh));
}

/* ---- HMAC: PRF, prf+ and integrity ---- */

struct prf_alg {
	uint16_t id;
	const char *md;
	uint8_t len;
};

static const struct prf_alg prf_algs[] = {
	{ PRF_HMAC_SHA1, "SHA1", 20 },
	{ PRF_HMAC_SHA2_256, "SHA256", 32 },
	{ PRF_HMAC_SHA2_384, "SHA384", 48 },
	{ PRF_HMAC_SHA2_512, "SHA512", 64 },
};

struct integ_alg {
	uint16_t id;
	const char *md;
	uint8_t key_len;           /* = the hash length (RFC 4868 2.1.1) */
	uint8_t icv_len;           /* truncated (RFC 2404, RFC 4868 2.1.2) */
};

static const struct integ_alg integ_algs[] = {
	{ INTEG_HMAC_SHA1_96, "SHA1", 20, 12 },
	{ INTEG_HMAC_SHA2_256_128, "SHA256", 32, 16 },
	{ INTEG_HMAC_SHA2_384_192, "SHA384", 48, 24 },
	{ INTEG_HMAC_SHA2_512_256, "SHA512", 64, 32 },
};

static const struct prf_alg *
prf_find(uint16_t id)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(prf_algs); i++)
		if (prf_algs[i].id == id)
			return &prf_algs[i];
	return NULL;
}

static const struct integ_alg *
integ_find(uint16_t id)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(integ_algs); i++)
		if (integ_algs[i].id == id)
			return &integ_algs[i];
	return NULL;
}

/* out (md_len bytes, the full HMAC) = HMAC-md(key, in[0] | in[1] | ...). */
static int
hmac(const char *md, size_t md_len, const uint8_t *key, size_t key_len,
     const struct gw_ike_chunk *in, unsigned n_in, uint8_t *out)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						 (char *)md, 0),
		OSSL_PARAM_construct_end(),
	};
	size_t len = 0;
	int ok = ctx != NULL && EVP_MAC_init(ctx, key, key_len, params);

	for (unsigned i = 0; ok && i < n_in; i++)
		if (in[i].len > 0)
			ok = EVP_MAC_update(ctx, in[i].ptr, in[i].len);
	ok = ok && EVP_MAC_final(ctx, out, &len, md_len) && len == md_len;
	EVP_MAC_CTX_free(ctx);     /* cleanses the keyed state */
	EVP_MAC_free(mac);
	return ok ? 0 : ossl_fail(-EIO);
}

size_t
gw_ike_prf_out_len(uint16_t prf)
{
	const struct prf_alg *a = prf_find(prf);

	return a ? a->len : 0;
}

int
gw_ike_prf(uint16_t prf, const uint8_t *key, size_t key_len,
	   const struct gw_ike_chunk *in, unsigned n_in, uint8_t *out)
{
	const struct prf_alg *a = prf_find(prf);

	if (a == NULL)
		return -ENOTSUP;
	if (key == NULL || key_len == 0)
		return -EINVAL;
	return hmac(a->md, a->len, key, key_len, in, n_in, out);
}

enum { PRF_PLUS_MAX_CHUNKS = 8 };

int
gw_ike_prf_plus(uint16_t prf, const uint8_t *key, size_t key_len,
		const struct gw_ike_chunk *in, unsigned n_in, uint8_t *out,
		size_t out_len)
{
	const struct prf_alg *a = prf_find(prf);
	struct gw_ike_chunk parts[PRF_PLUS_MAX_CHUNKS + 2];
	uint8_t t[GW_IKE_PRF_MAX];
	uint8_t counter;
	size_t done = 0;
	int rc = 0;

	if (a == NULL)
		return -ENOTSUP;
	if (key == NULL || key_len == 0 || n_in > PRF_PLUS_MAX_CHUNKS ||
	    out_len > 255u * a->len)
		return -EINVAL;
	/* Tn = prf(K, Tn-1 | S | n); T0 is empty. */
	parts[0] = (struct gw_ike_chunk){ t, 0 };
	memcpy(parts + 1, in, n_in * sizeof(*in));
	parts[n_in + 1] = (struct gw_ike_chunk){ &counter, 1 };
	for (counter = 1; done < out_len; counter++) {
		size_t n = out_len - done < a->len ? out_len - done : a->len;

		rc = hmac(a->md, a->len, key, key_len, parts, n_in + 2, t);
		if (rc != 0)
			break;
		memcpy(out + done, t, n);
		done += n;
		parts[0].len = a->len;
	}
	OPENSSL_cleanse(t, sizeof(t));
	if (rc != 0)
		OPENSSL_cleanse(out, out_len);
	return rc;
}

int
gw_ike_integ_sizes(uint16_t integ, size_t *key_len, size_t *icv_len)
{
	const struct integ_alg *a = integ_find(integ);

	if (a == NULL)
		return -ENOTSUP;
	if (key_len)
		*key_len = a->key_len;
	if (icv_len)
		*icv_len = a->icv_len;
	return 0;
}

static int
integ_compute(const struct integ_alg *a, const uint8_t *key, size_t key_len,
	      const uint8_t *data, size_t len, uint8_t full[GW_IKE_PRF_MAX])
{
	struct gw_ike_chunk c = { data, len };

	if (key == NULL || key_len != a->key_len)
		return -EINVAL;
	return hmac(a->md, a->key_len, key, key_len, &c, 1, full);
}

int
gw_ike_integ_sign(uint16_t integ, const uint8_t *key, size_t key_len,
		  const uint8_t *data, size_t len, uint8_t *icv)
{
	const struct integ_alg *a = integ_find(integ);
	uint8_t full[GW_IKE_PRF_MAX];
	int rc;

	if (a == NULL)
		return -ENOTSUP;
	rc = integ_compute(a, key, key_len, data, len, full);
	if (rc == 0)
		memcpy(icv, full, a->icv_len);
	OPENSSL_cleanse(full, sizeof(full));
	return rc;
}

int
gw_ike_integ_verify(uint16_t integ, const uint8_t *key, size_t key_len,
		    const uint8_t *data, size_t len, const uint8_t *icv)
{
	const struct integ_alg *a = integ_find(integ);
	uint8_t full[GW_IKE_PRF_MAX];
	int rc;

	if (a == NULL)
		return -ENOTSUP;
	rc = integ_compute(a, key, key_len, data, len, full);
	if (rc == 0 && CRYPTO_memcmp(full, icv, a->icv_len) != 0)
		rc = -EBADMSG;
	OPENSSL_cleanse(full, sizeof(full));
	return rc;
}

/* ---- Encryption transforms ---- */

int
gw_ike_encr_sizes(uint16_t encr, uint16_t key_bits, size_t *key_len,
		  size_t *salt_len)
{
	switch (encr) {
	case ENCR_AES_CBC:
	case ENCR_AES_GCM_16:
		if (key_bits != 128 && key_bits != 192 && key_bits != 256)
			return -ENOTSUP;
		*key_len = key_bits / 8;
		*salt_len = encr == ENCR_AES_CBC ? 0 : GW_IKE_SALT_LEN;
		return 0;
	case ENCR_CHACHA20_POLY1305:
		/* RFC 7634 2: fixed 256-bit key, no Key Length attribute. */
		if (key_bits != 0 && key_bits != 256)
			return -ENOTSUP;
		*key_len = 32;
		*salt_len = GW_IKE_SALT_LEN;
		return 0;
	default:
		return -ENOTSUP;
	}
}

static bool
encr_is_aead(uint16_t encr)
{
	return encr == ENCR_AES_GCM_16 || encr == ENCR_CHACHA20_POLY1305;
}

int
gw_ike_algs_check(const struct gw_ike_algs *a, bool need_prf)
{
	size_t key_len, salt_len;

	if (gw_ike_encr_sizes(a->encr, a->encr_key_bits, &key_len,
			      &salt_len) != 0)
		return -ENOTSUP;
	if (encr_is_aead(a->encr)) {
		/* RFC 5282 8: with AEAD the integrity transform is NONE. */
		if (a->integ != INTEG_NONE)
			return -EINVAL;
	} else if (a->integ == INTEG_NONE) {
		return -EINVAL;
	} else if (integ_find(a->integ) == NULL) {
		return -ENOTSUP;
	}
	if (need_prf && prf_find(a->prf) == NULL)
		return -ENOTSUP;
	return 0;
}

/* ---- Encrypted payload ---- */

struct gw_ike_sk {
	EVP_CIPHER *cipher;
	uint16_t integ;
	bool aead;
	uint8_t iv_len;            /* on the wire */
	uint8_t block;             /* padding alignment: 16 for CBC, 1 for AEAD */
	uint8_t icv_len;           /* ICV or AEAD tag */
	uint8_t key_len;
	uint8_t akey_len;
	uint8_t key[GW_IKE_ENCR_KEY_MAX];
	uint8_t salt[GW_IKE_SALT_LEN];
	uint8_t akey[GW_IKE_INTEG_KEY_MAX];
	uint64_t iv_next;          /* AEAD: next IV, counter from a random start */
};

static const char *
cipher_name(uint16_t encr, size_t key_len)
{
	switch (encr) {
	case ENCR_AES_CBC:
		return key_len == 16 ? "AES-128-CBC" :
		       key_len == 24 ? "AES-192-CBC" : "AES-256-CBC";
	case ENCR_AES_GCM_16:
		return key_len == 16 ? "AES-128-GCM" :
		       key_len == 24 ? "AES-192-GCM" : "AES-256-GCM";
	default:
		return "ChaCha20-Poly1305";
	}
}

int
gw_ike_sk_new(struct gw_ike_sk **out, const struct gw_ike_algs *algs,
	      const uint8_t *ek, size_t ek_len, const uint8_t *ak,
	      size_t ak_len)
{
	struct gw_ike_sk *sk;
	size_t key_len, salt_len, integ_key_len = 0, icv_len = 0;
	int rc;

	*out = NULL;
	rc = gw_ike_algs_check(algs, false);
	if (rc != 0)
		return rc;
	gw_ike_encr_sizes(algs->encr, algs->encr_key_bits, &key_len,
			  &salt_len);
	if (ek == NULL || ek_len != key_len + salt_len)
		return -EINVAL;
	if (!encr_is_aead(algs->encr))
		gw_ike_integ_sizes(algs->integ, &integ_key_len, &icv_len);
	if (ak_len != integ_key_len || (ak_len > 0 && ak == NULL))
		return -EINVAL;
	sk = OPENSSL_zalloc(sizeof(*sk));
	if (sk == NULL)
		return -ENOMEM;
	sk->cipher = EVP_CIPHER_fetch(NULL, cipher_name(algs->encr, key_len),
				      NULL);
	if (sk->cipher == NULL) {
		OPENSSL_free(sk);
		return ossl_fail(-EIO);
	}
	sk->integ = algs->integ;
	sk->aead = encr_is_aead(algs->encr);
	sk->iv_len = sk->aead ? AEAD_IV_LEN : CBC_IV_LEN;
	/* RFC 5282 / RFC 7634: no alignment for AEAD, so no padding. */
	sk->block = sk->aead ? 1 : CBC_BLOCK;
	sk->icv_len = sk->aead ? AEAD_TAG_LEN : icv_len;
	sk->key_len = key_len;
	memcpy(sk->key, ek, key_len);
	memcpy(sk->salt, ek + key_len, salt_len);
	sk->akey_len = ak_len;
	if (ak_len > 0)
		memcpy(sk->akey, ak, ak_len);
	if (sk->aead && gw_ike_random(&sk->iv_next, sizeof(sk->iv_next)) != 0) {
		gw_ike_sk_free(sk);
		return -EIO;
	}
	*out = sk;
	return 0;
}

void
gw_ike_sk_free(struct gw_ike_sk *sk)
{
	if (sk == NULL)
		return;
	EVP_CIPHER_free(sk->cipher);
	OPENSSL_clear_free(sk, sizeof(*sk));
}

size_t
gw_ike_sk_iv_len(const struct gw_ike_sk *sk)
{
	return sk->iv_len;
}

size_t
gw_ike_sk_block_len(const struct gw_ike_sk *sk)
{
	return sk->block;
}

size_t
gw_ike_sk_icv_len(const struct gw_ike_sk *sk)
{
	return sk->icv_len;
}

size_t
gw_ike_sk_payload_len(const struct gw_ike_sk *sk, size_t plain_len)
{
	size_t ct = plain_len + 1;         /* inner payloads + Pad Length */

	ct += (sk->block - ct % sk->block) % sk->block;
	return IKE_GEN_HDR_LEN + sk->iv_len + ct + sk->icv_len;
}

/*
 * One AEAD or CBC pass over msg[body .. body + len) in place. AEAD: nonce
 * salt | iv8, aad, and the tag read (decrypt) or written (encrypt).
 */
static int
sk_cipher(const struct gw_ike_sk *sk, bool enc, const uint8_t *iv,
	  const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len,
	  uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t nonce[GW_IKE_SALT_LEN + AEAD_IV_LEN];
	const uint8_t *civ = iv;
	int outl = 0, fl = 0, ok;

	if (ctx == NULL || len > INT32_MAX || aad_len > INT32_MAX) {
		EVP_CIPHER_CTX_free(ctx);
		return -EIO;
	}
	if (sk->aead) {
		memcpy(nonce, sk->salt, GW_IKE_SALT_LEN);
		memcpy(nonce + GW_IKE_SALT_LEN, iv, AEAD_IV_LEN);
		civ = nonce;
	}
	ok = EVP_CipherInit_ex2(ctx, sk->cipher, sk->key, civ, enc, NULL);
	if (ok && !sk->aead)
		ok = EVP_CIPHER_CTX_set_padding(ctx, 0);
	if (ok && sk->aead)
		ok = EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aad_len);
	if (ok && sk->aead && !enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
					 AEAD_TAG_LEN, tag);
	if (ok)
		ok = EVP_CipherUpdate(ctx, buf, &outl, buf, (int)len) &&
		     (size_t)outl == len;
	if (!ok) {
		EVP_CIPHER_CTX_free(ctx);
		return ossl_fail(-EIO);
	}
	/* For AEAD decryption, Final is where the tag is checked. */
	ok = EVP_CipherFinal_ex(ctx, buf + outl, &fl) && fl == 0;
	if (ok && sk->aead && enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
					 AEAD_TAG_LEN, tag);
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(nonce, sizeof(nonce));
	if (!ok)
		return ossl_fail(sk->aead && !enc ? -EBADMSG : -EIO);
	return 0;
}

/* Where the parts of a complete SK payload are. */
struct sk_span {
	size_t body;               /* ciphertext: inner payloads | pad | pad length */
	size_t ct_len;
	size_t end;                /* = message length; the ICV ends here */
};

/*
 * Checks the SK payload at sk_off of a msg_len-byte message: the header
 * fits before it, it is last (RFC 7296 3.14), the IKE header's Length
 * agrees (both lengths are authenticated; trailing bytes would not be),
 * and the ciphertext is at least one block, in whole blocks.
 */
static int
sk_span(const struct gw_ike_sk *sk, const uint8_t *msg, size_t msg_len,
	size_t hdr_off, size_t sk_off, struct sk_span *s)
{
	size_t payload_len, min_ct = sk->aead ? 1 : sk->block;

	if (msg == NULL || hdr_off > SIZE_MAX - IKE_HDR_LEN ||
	    hdr_off + IKE_HDR_LEN > sk_off || sk_off > msg_len ||
	    msg_len - sk_off < IKE_GEN_HDR_LEN)
		return -EINVAL;
	payload_len = get_be16(msg + sk_off + 2);
	if (payload_len != msg_len - sk_off ||
	    get_be32(msg + hdr_off + 24) != msg_len - hdr_off)
		return -EINVAL;
	if (payload_len < IKE_GEN_HDR_LEN + sk->iv_len + min_ct + sk->icv_len)
		return -EINVAL;
	s->body = sk_off + IKE_GEN_HDR_LEN + sk->iv_len;
	s->ct_len = payload_len - IKE_GEN_HDR_LEN - sk->iv_len - sk->icv_len;
	s->end = msg_len;
	if (s->ct_len % sk->block != 0)
		return -EINVAL;
	return 0;
}

/* Writes iv, encrypts the laid-out body in place, writes the ICV/tag. */
static int
sk_seal_span(const struct gw_ike_sk *sk, uint8_t *msg, size_t hdr_off,
	     size_t sk_off, const struct sk_span *s, const uint8_t *iv)
{
	uint8_t *icv = msg + s->end - sk->icv_len;
	int rc;

	memcpy(msg + sk_off + IKE_GEN_HDR_LEN, iv, sk->iv_len);
	if (sk->aead) {
		/* RFC 5282 5.1: AAD = IKE header .. end of the SK header. */
		rc = sk_cipher(sk, true, iv, msg + hdr_off,
			       sk_off + IKE_GEN_HDR_LEN - hdr_off,
			       msg + s->body, s->ct_len, icv);
	} else {
		rc = sk_cipher(sk, true, iv, NULL, 0, msg + s->body, s->ct_len,
			       NULL);
		if (rc == 0)
			rc = gw_ike_integ_sign(sk->integ, sk->akey, sk->akey_len,
					       msg + hdr_off,
					       s->end - sk->icv_len - hdr_off, icv);
	}
	if (rc != 0)       /* never leave plaintext in a buffer that may be sent */
		OPENSSL_cleanse(msg + s->body, s->end - s->body);
	return rc;
}

/* The next IV: AEAD a counter (unique per key; its random start keeps two
 * objects made from one key apart), CBC random (RFC 7296 3.14: unpredictable). */
static int
sk_next_iv(struct gw_ike_sk *sk, uint8_t iv[CBC_IV_LEN])
{
	if (sk->aead) {
		uint64_t v = sk->iv_next++;

		for (int i = AEAD_IV_LEN - 1; i >= 0; i--, v >>= 8)
			iv[i] = (uint8_t)v;
		return 0;
	}
	return gw_ike_random(iv, sk->iv_len);
}

int
gw_ike_sk_encrypt_iv(struct gw_ike_sk *sk, uint8_t *msg, size_t msg_cap,
		     size_t hdr_off, size_t sk_off, const uint8_t *plain,
		     size_t plain_len, const uint8_t *iv, size_t *msg_len)
{
	struct sk_span s;
	size_t payload_len, pad;
	int rc;

	if (msg == NULL || iv == NULL || (plain == NULL && plain_len > 0))
		return -EINVAL;
	if (hdr_off > SIZE_MAX - IKE_HDR_LEN ||
	    hdr_off + IKE_HDR_LEN > sk_off || plain_len > UINT16_MAX)
		return -EINVAL;
	payload_len = gw_ike_sk_payload_len(sk, plain_len);
	if (payload_len > UINT16_MAX)
		return -EINVAL;
	if (sk_off > msg_cap || payload_len > msg_cap - sk_off)
		return -ENOSPC;
	s.end = sk_off + payload_len;
	if (s.end - hdr_off > UINT32_MAX)
		return -EINVAL;
	s.body = sk_off + IKE_GEN_HDR_LEN + sk->iv_len;
	s.ct_len = payload_len - IKE_GEN_HDR_LEN - sk->iv_len - sk->icv_len;
	pad = s.ct_len - 1 - plain_len;

	/* plain first: it may lie at its final place or overlap the IV's. */
	if (plain_len > 0)
		memmove(msg + s.body, plain, plain_len);
	memset(msg + s.body + plain_len, 0, pad);
	msg[s.body + s.ct_len - 1] = (uint8_t)pad;
	put_be16(msg + sk_off + 2, (uint16_t)payload_len);
	put_be32(msg + hdr_off + 24, (uint32_t)(s.end - hdr_off));
	rc = sk_seal_span(sk, msg, hdr_off, sk_off, &s, iv);
	if (rc == 0)
		*msg_len = s.end;
	return rc;
}

int
gw_ike_sk_encrypt(struct gw_ike_sk *sk, uint8_t *msg, size_t msg_cap,
		  size_t hdr_off, size_t sk_off, const uint8_t *plain,
		  size_t plain_len, size_t *msg_len)
{
	uint8_t iv[CBC_IV_LEN];

	if (sk_next_iv(sk, iv) != 0)
		return -EIO;
	return gw_ike_sk_encrypt_iv(sk, msg, msg_cap, hdr_off, sk_off, plain,
				    plain_len, iv, msg_len);
}

int
gw_ike_sk_seal(struct gw_ike_sk *sk, uint8_t *msg, size_t msg_len,
	       size_t hdr_off, size_t sk_off)
{
	uint8_t iv[CBC_IV_LEN];
	struct sk_span s;
	int rc = sk_span(sk, msg, msg_len, hdr_off, sk_off, &s);

	if (rc != 0)
		return rc;
	if ((size_t)msg[s.body + s.ct_len - 1] + 1 > s.ct_len)
		return -EINVAL;
	if (sk_next_iv(sk, iv) != 0)
		return -EIO;
	return sk_seal_span(sk, msg, hdr_off, sk_off, &s, iv);
}

int
gw_ike_sk_decrypt(struct gw_ike_sk *sk, uint8_t *msg, size_t msg_len,
		  size_t hdr_off, size_t sk_off, size_t *plain_off,
		  size_t *plain_len)
{
	struct sk_span s;
	const uint8_t *iv;
	uint8_t *icv;
	size_t pad;
	int rc = sk_span(sk, msg, msg_len, hdr_off, sk_off, &s);

	if (rc != 0)
		return rc;
	iv = msg + sk_off + IKE_GEN_HDR_LEN;
	icv = msg + msg_len - sk->icv_len;
	if (sk->aead) {
		rc = sk_cipher(sk, false, iv, msg + hdr_off,
			       sk_off + IKE_GEN_HDR_LEN - hdr_off,
			       msg + s.body, s.ct_len, icv);
		if (rc != 0)
			OPENSSL_cleanse(msg + s.body, s.ct_len);
	} else {
		/* Encrypt-then-MAC: nothing is decrypted before the ICV holds. */
		rc = gw_ike_integ_verify(sk->integ, sk->akey, sk->akey_len,
					 msg + hdr_off,
					 msg_len - sk->icv_len - hdr_off, icv);
		if (rc == 0)
			rc = sk_cipher(sk, false, iv, NULL, 0, msg + s.body,
				       s.ct_len, NULL);
	}
	if (rc != 0)
		return rc;
	pad = msg[s.body + s.ct_len - 1];
	if (pad + 1 > s.ct_len)
		return -EINVAL;
	*plain_off = s.body;
	*plain_len = s.ct_len - 1 - pad;
	return 0;
}
