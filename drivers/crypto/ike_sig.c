/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AUTH payload signatures: RFC 7427 Digital Signature (method 14) and the
 * classic RSA (1, RFC 7296) and ECDSA (9, 10, 11, RFC 4754) methods.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "pki.h"

enum {
	AUTH_RSA_SIG = 1,
	AUTH_ECDSA_256 = 9,
	AUTH_ECDSA_384 = 10,
	AUTH_ECDSA_521 = 11,
	AUTH_DIGITAL_SIGNATURE = 14,
	ECDSA_COORD_MAX = 66,      /* P-521 */
};

/*
 * AlgorithmIdentifiers we sign with (RFC 7427 appendix A): RSA with NULL
 * parameters, ECDSA without parameters (RFC 5758 3.2).
 */
static const uint8_t alg_rsa_sha256[] = {
	0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
	0x0b, 0x05, 0x00 };
static const uint8_t alg_rsa_sha384[] = {
	0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
	0x0c, 0x05, 0x00 };
static const uint8_t alg_rsa_sha512[] = {
	0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
	0x0d, 0x05, 0x00 };
static const uint8_t alg_ecdsa_sha256[] = {
	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
static const uint8_t alg_ecdsa_sha384[] = {
	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 };
static const uint8_t alg_ecdsa_sha512[] = {
	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04 };

static const EVP_MD *
md_of_hash(uint8_t hash)
{
	switch (hash) {
	case GW_IKE_HASH_SHA2_256: return EVP_sha256();
	case GW_IKE_HASH_SHA2_384: return EVP_sha384();
	case GW_IKE_HASH_SHA2_512: return EVP_sha512();
	default: return NULL;
	}
}

static bool
is_rsa(EVP_PKEY *k)
{
	return EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA;
}

static bool
is_ec(EVP_PKEY *k)
{
	return EVP_PKEY_get_base_id(k) == EVP_PKEY_EC;
}

/* Field size of an EC key in octets (32, 48, 66). */
static size_t
ec_coord_len(EVP_PKEY *k)
{
	return ((size_t)EVP_PKEY_get_bits(k) + 7) / 8;
}

/* The classic ECDSA method of a curve (RFC 4754), 0 for another curve. */
static uint8_t
ecdsa_method(EVP_PKEY *k)
{
	switch (EVP_PKEY_get_bits(k)) {
	case 256: return AUTH_ECDSA_256;
	case 384: return AUTH_ECDSA_384;
	case 521: return AUTH_ECDSA_521;
	default: return 0;
	}
}

int
gw_ike_sig_choose(const struct gw_ike_cred *c, uint32_t peer_hashes,
		  uint8_t *method, uint8_t *hash)
{
	static const uint8_t rsa_pref[] = { GW_IKE_HASH_SHA2_256,
					    GW_IKE_HASH_SHA2_384,
					    GW_IKE_HASH_SHA2_512 };
	uint32_t both = peer_hashes & GW_IKE_HASHES_SUPPORTED;

	*hash = 0;
	if (both) {
		*method = AUTH_DIGITAL_SIGNATURE;
		if (is_ec(c->key)) {
			int bits = EVP_PKEY_get_bits(c->key);
			uint8_t h = bits <= 256 ? GW_IKE_HASH_SHA2_256 :
				    bits <= 384 ? GW_IKE_HASH_SHA2_384 :
				    GW_IKE_HASH_SHA2_512;

			if (both & 1u << h) {
				*hash = h;
				return 0;
			}
		}
		for (size_t i = 0; i < sizeof(rsa_pref); i++)
			if (both & 1u << rsa_pref[i]) {
				*hash = rsa_pref[i];
				return 0;
			}
	}
	if (is_rsa(c->key)) {
		*method = AUTH_RSA_SIG;
		return 0;
	}
	*method = ecdsa_method(c->key);
	return *method ? 0 : -ENOTSUP;
}

const char *
gw_ike_sig_name(const struct gw_ike_cred *c, uint8_t method, uint8_t hash)
{
	static const char *const rsa[] = { "RSA-SHA256", "RSA-SHA384", "RSA-SHA512" };
	static const char *const ec[] = { "ecdsa-with-SHA256", "ecdsa-with-SHA384",
					  "ecdsa-with-SHA512" };

	switch (method) {
	case AUTH_DIGITAL_SIGNATURE:
		if (hash < GW_IKE_HASH_SHA2_256 || hash > GW_IKE_HASH_SHA2_512)
			return "?";
		return (is_rsa(c->key) ? rsa : ec)[hash - GW_IKE_HASH_SHA2_256];
	case AUTH_RSA_SIG: return "RSA_SIG";
	case AUTH_ECDSA_256: return "ECDSA_256";
	case AUTH_ECDSA_384: return "ECDSA_384";
	case AUTH_ECDSA_521: return "ECDSA_521";
	default: return "?";
	}
}

/* A signature of @p data; ECDSA ones in DER. */
static int
sign(EVP_PKEY *k, const EVP_MD *md, const uint8_t *data, size_t len,
     uint8_t *sig, size_t cap, size_t *sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t need = 0;
	int rc = -EIO;

	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestSignInit(ctx, NULL, md, NULL, k) != 1 ||
	    EVP_DigestSign(ctx, NULL, &need, data, len) != 1)
		goto out;
	if (need > cap) {
		rc = -ENOSPC;
		goto out;
	}
	*sig_len = cap;
	if (EVP_DigestSign(ctx, sig, sig_len, data, len) == 1)
		rc = 0;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* DER ECDSA-Sig-Value to r | s of @p coord octets each (RFC 4754 7). */
static int
ecdsa_der_to_raw(const uint8_t *der, size_t len, size_t coord, uint8_t *out)
{
	const unsigned char *p = der;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r, *sv;
	int rc = -EIO;

	if (!s)
		return -EIO;
	ECDSA_SIG_get0(s, &r, &sv);
	if (BN_bn2binpad(r, out, (int)coord) == (int)coord &&
	    BN_bn2binpad(sv, out + coord, (int)coord) == (int)coord)
		rc = 0;
	ECDSA_SIG_free(s);
	return rc;
}

/* r | s to DER; *der is OPENSSL_malloc'ed. */
static int
ecdsa_raw_to_der(const uint8_t *raw, size_t len, uint8_t **der, size_t *der_len)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, (int)(len / 2), NULL);
	BIGNUM *sv = BN_bin2bn(raw + len / 2, (int)(len / 2), NULL);
	unsigned char *p = NULL;
	int l;

	if (!s || !r || !sv || ECDSA_SIG_set0(s, r, sv) != 1) {
		ECDSA_SIG_free(s);
		BN_free(r);
		BN_free(sv);
		return -ENOMEM;
	}
	l = i2d_ECDSA_SIG(s, &p);
	ECDSA_SIG_free(s);
	if (l <= 0)
		return -EIO;
	*der = p;
	*der_len = (size_t)l;
	return 0;
}

int
gw_ike_sig_sign(const struct gw_ike_cred *c, uint8_t method, uint8_t hash,
		const uint8_t *data, size_t len, uint8_t *auth, size_t cap,
		size_t *auth_len)
{
	uint8_t der[GW_IKE_PKI_SIG_MAX];
	size_t dl = 0, coord;
	const uint8_t *alg;
	size_t alg_len;
	int rc;

	switch (method) {
	case AUTH_DIGITAL_SIGNATURE: {
		const EVP_MD *md = md_of_hash(hash);

		if (!md)
			return -ENOTSUP;
		if (is_rsa(c->key)) {
			alg = hash == GW_IKE_HASH_SHA2_256 ? alg_rsa_sha256 :
			      hash == GW_IKE_HASH_SHA2_384 ? alg_rsa_sha384 :
			      alg_rsa_sha512;
			alg_len = sizeof(alg_rsa_sha256);
		} else {
			alg = hash == GW_IKE_HASH_SHA2_256 ? alg_ecdsa_sha256 :
			      hash == GW_IKE_HASH_SHA2_384 ? alg_ecdsa_sha384 :
			      alg_ecdsa_sha512;
			alg_len = sizeof(alg_ecdsa_sha256);
		}
		if (cap < 1 + alg_len)
			return -ENOSPC;
		auth[0] = (uint8_t)alg_len;
		memcpy(auth + 1, alg, alg_len);
		rc = sign(c->key, md, data, len, auth + 1 + alg_len,
			  cap - 1 - alg_len, &dl);
		if (rc == 0)
			*auth_len = 1 + alg_len + dl;
		return rc;
	}
	case AUTH_RSA_SIG:
		if (!is_rsa(c->key))
			return -ENOTSUP;
		rc = sign(c->key, EVP_sha1(), data, len, auth, cap, auth_len);
		return rc;
	case AUTH_ECDSA_256:
	case AUTH_ECDSA_384:
	case AUTH_ECDSA_521:
		if (!is_ec(c->key) || ecdsa_method(c->key) != method)
			return -ENOTSUP;
		coord = ec_coord_len(c->key);
		if (cap < 2 * coord)
			return -ENOSPC;
		rc = sign(c->key, method == AUTH_ECDSA_256 ? EVP_sha256() :
			  method == AUTH_ECDSA_384 ? EVP_sha384() : EVP_sha512(),
			  data, len, der, sizeof(der), &dl);
		if (rc == 0)
			rc = ecdsa_der_to_raw(der, dl, coord, auth);
		if (rc == 0)
			*auth_len = 2 * coord;
		return rc;
	default:
		return -ENOTSUP;
	}
}

/* RSASSA-PSS parameters (RFC 4055 3.1): hash, MGF1 hash, salt length. */
static int
pss_params(const X509_ALGOR *a, const EVP_MD **md, const EVP_MD **mgf1,
	   int *salt)
{
	RSA_PSS_PARAMS *p;
	int rc = -EINVAL;

	*md = *mgf1 = EVP_sha1();  /* the defaults of RFC 4055 */
	*salt = 20;
	if (!a->parameter || a->parameter->type != V_ASN1_SEQUENCE)
		return -EINVAL;    /* RFC 7427 requires the parameters */
	p = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS),
				      a->parameter);
	if (!p)
		return -EINVAL;
	if (p->hashAlgorithm)
		*md = EVP_get_digestbyobj(p->hashAlgorithm->algorithm);
	if (p->maskGenAlgorithm) {
		X509_ALGOR *h = NULL;

		if (OBJ_obj2nid(p->maskGenAlgorithm->algorithm) != NID_mgf1 ||
		    !p->maskGenAlgorithm->parameter ||
		    p->maskGenAlgorithm->parameter->type != V_ASN1_SEQUENCE)
			goto out;
		h = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR),
					      p->maskGenAlgorithm->parameter);
		*mgf1 = h ? EVP_get_digestbyobj(h->algorithm) : NULL;
		X509_ALGOR_free(h);
	}
	if (p->saltLength)
		*salt = (int)ASN1_INTEGER_get(p->saltLength);
	if (p->trailerField && ASN1_INTEGER_get(p->trailerField) != 1)
		goto out;
	if (*md && *mgf1 && *salt >= 0)
		rc = 0;
out:
	RSA_PSS_PARAMS_free(p);
	return rc;
}

/* 0, -EBADMSG (does not verify), -EIO. pss_md: RSASSA-PSS when set. */
static int
verify(EVP_PKEY *k, const EVP_MD *md, const uint8_t *data, size_t len,
       const uint8_t *sig, size_t sig_len, const EVP_MD *mgf1, int salt)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int rc = -EIO, v;

	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestVerifyInit(ctx, &pctx, md, NULL, k) != 1)
		goto out;
	if (mgf1 && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		     EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mgf1) != 1 ||
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) != 1))
		goto out;
	v = EVP_DigestVerify(ctx, sig, sig_len, data, len);
	rc = v == 1 ? 0 : -EBADMSG;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return rc;
}

static bool
hash_ok(const EVP_MD *md)
{
	int n = md ? EVP_MD_get_type(md) : 0;

	return n == NID_sha1 || n == NID_sha256 || n == NID_sha384 ||
	       n == NID_sha512;
}

/* RFC 7427 3: length octet, AlgorithmIdentifier, signature. */
static int
verify_digital_signature(EVP_PKEY *k, const uint8_t *data, size_t len,
			 const uint8_t *auth, size_t auth_len, char *why,
			 size_t why_len)
{
	const unsigned char *p;
	X509_ALGOR *a;
	const EVP_MD *md = NULL, *mgf1 = NULL;
	int nid, md_nid = 0, pk_nid = 0, salt = 0, rc;
	size_t alen;
	char oid[80];

	if (auth_len < 1 || (alen = auth[0]) == 0 || auth_len <= 1 + alen) {
		say(why, why_len, "malformed Digital Signature AUTH data");
		return -EINVAL;
	}
	p = auth + 1;
	a = d2i_X509_ALGOR(NULL, &p, (long)alen);
	if (!a || p != auth + 1 + alen) {
		X509_ALGOR_free(a);
		ERR_clear_error();
		say(why, why_len, "malformed AlgorithmIdentifier in AUTH");
		return -EINVAL;
	}
	nid = OBJ_obj2nid(a->algorithm);
	OBJ_obj2txt(oid, sizeof(oid), a->algorithm, 0);
	if (nid == NID_rsassaPss) {
		pk_nid = NID_rsaEncryption;
		rc = pss_params(a, &md, &mgf1, &salt);
		if (rc != 0) {
			X509_ALGOR_free(a);
			say(why, why_len, "unsupported RSASSA-PSS parameters");
			return -ENOTSUP;
		}
	} else if (OBJ_find_sigid_algs(nid, &md_nid, &pk_nid) == 1) {
		md = EVP_get_digestbynid(md_nid);
	}
	X509_ALGOR_free(a);
	if (!hash_ok(md) ||
	    (pk_nid != NID_rsaEncryption && pk_nid != NID_X9_62_id_ecPublicKey)) {
		say(why, why_len, "unsupported signature algorithm %s", oid);
		return -ENOTSUP;
	}
	if ((pk_nid == NID_rsaEncryption) != is_rsa(k) ||
	    (pk_nid == NID_X9_62_id_ecPublicKey) != is_ec(k)) {
		say(why, why_len, "signature algorithm %s does not fit the certificate's %s key",
		    oid, is_rsa(k) ? "RSA" : "EC");
		return -EINVAL;
	}
	rc = verify(k, md, data, len, auth + 1 + alen, auth_len - 1 - alen,
		    mgf1, salt);
	if (rc == -EBADMSG)
		say(why, why_len, "%s signature does not verify", oid);
	else if (rc == 0)
		say(why, why_len, "%s", OBJ_nid2sn(nid));
	return rc;
}

int
gw_ike_sig_verify(const struct gw_ike_cert *c, uint8_t method,
		  const uint8_t *data, size_t len, const uint8_t *auth,
		  size_t auth_len, char *why, size_t why_len)
{
	EVP_PKEY *k = X509_get0_pubkey(c->x);
	uint8_t *der = NULL;
	size_t dl = 0, coord;
	int rc;

	if (!k) {
		ERR_clear_error();
		say(why, why_len, "certificate without a usable public key");
		return -EINVAL;
	}
	switch (method) {
	case AUTH_DIGITAL_SIGNATURE:
		return verify_digital_signature(k, data, len, auth, auth_len,
						why, why_len);
	case AUTH_RSA_SIG:
		if (!is_rsa(k)) {
			say(why, why_len, "RSA signature but the certificate has an EC key");
			return -EINVAL;
		}
		rc = verify(k, EVP_sha1(), data, len, auth, auth_len, NULL, 0);
		break;
	case AUTH_ECDSA_256:
	case AUTH_ECDSA_384:
	case AUTH_ECDSA_521:
		coord = is_ec(k) ? ec_coord_len(k) : 0;
		if (!is_ec(k) || ecdsa_method(k) != method) {
			say(why, why_len, "ECDSA method %u does not fit the certificate's key",
			    method);
			return -EINVAL;
		}
		if (auth_len != 2 * coord || coord > ECDSA_COORD_MAX) {
			say(why, why_len, "ECDSA signature of %zu octets, expected %zu",
			    auth_len, 2 * coord);
			return -EINVAL;
		}
		rc = ecdsa_raw_to_der(auth, auth_len, &der, &dl);
		if (rc == 0)
			rc = verify(k, method == AUTH_ECDSA_256 ? EVP_sha256() :
				    method == AUTH_ECDSA_384 ? EVP_sha384() :
				    EVP_sha512(), data, len, der, dl, NULL, 0);
		OPENSSL_free(der);
		break;
	default:
		say(why, why_len, "authentication method %u not supported", method);
		return -ENOTSUP;
	}
	if (rc == -EBADMSG)
		say(why, why_len, "signature does not verify");
	else if (rc == 0)
		say(why, why_len, "%s", method == AUTH_RSA_SIG ? "RSA_SIG" :
		    method == AUTH_ECDSA_256 ? "ECDSA_256" :
		    method == AUTH_ECDSA_384 ? "ECDSA_384" : "ECDSA_521");
	return rc;
}
