/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * X.509 credentials, CA stores, peer certificate checks and the AUTH
 * signatures of IKEv2 (RFC 7296 2.15, RFC 7427, RFC 4754) through
 * OpenSSL 3. Control path only: objects are allocated per operation.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "gw_ike_pki.h"
#include "pki.h"

/* IANA ID types this file matches (lib/ike has the public names). */
enum {
	ID_IPV4_ADDR = 1,
	ID_FQDN = 2,
	ID_RFC822_ADDR = 3,
	ID_IPV6_ADDR = 5,
	ID_DER_ASN1_DN = 9,
};

/* ---- helpers ---- */

/* The newest OpenSSL error as text, queue cleared. */
static const char *
ossl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, len, "unknown error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

static int
der_of_name(const X509_NAME *n, uint8_t **out, size_t *len)
{
	unsigned char *p = NULL;
	int l = i2d_X509_NAME(n, &p);

	if (l <= 0)
		return -EIO;
	*out = p;
	*len = (size_t)l;
	return 0;
}

/* Refuses an encrypted key instead of prompting on a terminal. */
static int
no_password(char *buf, int size, int rw, void *u)
{
	(void)buf;
	(void)size;
	(void)rw;
	(void)u;
	return -1;
}

/* Appends the certificates of one PEM (or DER) file to @p sk. */
static int
read_certs(const char *path, STACK_OF(X509) *sk, char *err, size_t err_len)
{
	BIO *b = BIO_new_file(path, "r");
	X509 *x;
	int n = 0;
	char r[256];

	if (!b) {
		say(err, err_len, "'%s': cannot open: %s", path,
		    ossl_reason(r, sizeof(r)));
		return -ENOENT;
	}
	while ((x = PEM_read_bio_X509(b, NULL, no_password, NULL)) != NULL) {
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			BIO_free(b);
			return -ENOMEM;
		}
		n++;
	}
	ERR_clear_error();         /* the end of the file reads as an error */
	if (n == 0 && BIO_reset(b) == 0 &&
	    (x = d2i_X509_bio(b, NULL)) != NULL) {
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			BIO_free(b);
			return -ENOMEM;
		}
		n++;
	}
	ERR_clear_error();
	BIO_free(b);
	if (n == 0) {
		say(err, err_len, "'%s': no certificate in it (PEM or DER X.509 expected)",
		    path);
		return -EINVAL;
	}
	return 0;
}

static const char *
name_text(const X509_NAME *n, char *buf, size_t len)
{
	uint8_t *der = NULL;
	size_t l;

	buf[0] = '\0';
	if (der_of_name(n, &der, &l) == 0)
		gw_ike_dn_format(der, l, buf, len);
	OPENSSL_free(der);
	return buf;
}

/* ---- credentials ---- */

int
gw_ike_cred_load(struct gw_ike_cred **out, const char *const *cert_files,
		 size_t n_certs, const char *key_file, char *err, size_t err_len)
{
	struct gw_ike_cred *c;
	STACK_OF(X509) *sk;
	BIO *b;
	int id, rc = 0;
	char r[256], s[256];

	*out = NULL;
	if (!n_certs || !key_file) {
		say(err, err_len, "a certificate and a private key are needed");
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	sk = sk_X509_new_null();
	if (!c || !sk) {
		free(c);
		sk_X509_free(sk);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_certs && rc == 0; i++)
		rc = read_certs(cert_files[i], sk, err, err_len);
	if (rc == 0 && sk_X509_num(sk) > GW_IKE_PKI_CERTS_MAX) {
		say(err, err_len, "'%s': more than %d certificates in the chain",
		    cert_files[0], GW_IKE_PKI_CERTS_MAX);
		rc = -EINVAL;
	}
	for (int i = 0; rc == 0 && i < sk_X509_num(sk); i++) {
		unsigned char *p = NULL;
		int l;

		c->certs[i] = sk_X509_value(sk, i);
		X509_up_ref(c->certs[i]);
		c->n++;
		l = i2d_X509(c->certs[i], &p);
		if (l <= 0) {
			rc = -EIO;
			break;
		}
		c->der[i] = p;
		c->der_len[i] = (size_t)l;
	}
	sk_X509_pop_free(sk, X509_free);
	if (rc != 0)
		goto fail;
	b = BIO_new_file(key_file, "r");
	if (!b) {
		say(err, err_len, "'%s': cannot open: %s", key_file,
		    ossl_reason(r, sizeof(r)));
		rc = -ENOENT;
		goto fail;
	}
	c->key = PEM_read_bio_PrivateKey(b, NULL, no_password, NULL);
	if (!c->key && BIO_reset(b) == 0)
		c->key = d2i_PrivateKey_bio(b, NULL);
	BIO_free(b);
	if (!c->key) {
		say(err, err_len, "'%s': no usable private key in it (PEM, not encrypted): %s",
		    key_file, ossl_reason(r, sizeof(r)));
		rc = -EINVAL;
		goto fail;
	}
	id = EVP_PKEY_get_base_id(c->key);
	if (id != EVP_PKEY_RSA && id != EVP_PKEY_EC) {
		say(err, err_len, "'%s': key type %s not supported (RSA or EC)",
		    key_file, OBJ_nid2sn(id));
		rc = -ENOTSUP;
		goto fail;
	}
	if (X509_check_private_key(c->certs[0], c->key) != 1) {
		ERR_clear_error();
		say(err, err_len, "'%s': the key does not belong to the certificate of '%s' (%s)",
		    key_file, cert_files[0],
		    name_text(X509_get_subject_name(c->certs[0]), s, sizeof(s)));
		rc = -EINVAL;
		goto fail;
	}
	rc = der_of_name(X509_get_subject_name(c->certs[0]), &c->subject,
			 &c->subject_len);
	if (rc != 0)
		goto fail;
	*out = c;
	return 0;
fail:
	gw_ike_cred_free(c);
	return rc;
}

void
gw_ike_cred_free(struct gw_ike_cred *c)
{
	if (!c)
		return;
	/* EVP_PKEY_free clears the private key's numbers (BN_clear_free). */
	EVP_PKEY_free(c->key);
	for (size_t i = 0; i < c->n; i++) {
		X509_free(c->certs[i]);
		OPENSSL_free(c->der[i]);
	}
	OPENSSL_free(c->subject);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

size_t
gw_ike_cred_n_certs(const struct gw_ike_cred *c)
{
	return c->n;
}

const uint8_t *
gw_ike_cred_cert(const struct gw_ike_cred *c, size_t i, size_t *len)
{
	if (i >= c->n)
		return NULL;
	*len = c->der_len[i];
	return c->der[i];
}

const uint8_t *
gw_ike_cred_subject(const struct gw_ike_cred *c, size_t *len)
{
	*len = c->subject_len;
	return c->subject;
}

const char *
gw_ike_cred_key_name(const struct gw_ike_cred *c, char *buf, size_t len)
{
	int bits = EVP_PKEY_get_bits(c->key);

	if (EVP_PKEY_get_base_id(c->key) == EVP_PKEY_RSA)
		snprintf(buf, len, "RSA-%d", bits);
	else
		snprintf(buf, len, "ECDSA P-%d", bits);
	return buf;
}

/* ---- CA stores ---- */

int
gw_ike_cas_load(struct gw_ike_cas **out, const char *const *files,
		size_t n_files, char *err, size_t err_len)
{
	struct gw_ike_cas *cas = calloc(1, sizeof(*cas));
	int rc = 0;

	*out = NULL;
	if (!cas)
		return -ENOMEM;
	cas->store = X509_STORE_new();
	cas->certs = sk_X509_new_null();
	if (!cas->store || !cas->certs) {
		gw_ike_cas_free(cas);
		return -ENOMEM;
	}
	/* Any configured certificate is an anchor, as in strongSwan: an
	 * intermediate CA or the peer's own certificate included. */
	X509_STORE_set_flags(cas->store, X509_V_FLAG_PARTIAL_CHAIN);
	for (size_t i = 0; i < n_files && rc == 0; i++)
		rc = read_certs(files[i], cas->certs, err, err_len);
	for (int i = 0; rc == 0 && i < sk_X509_num(cas->certs); i++)
		if (X509_STORE_add_cert(cas->store,
					sk_X509_value(cas->certs, i)) != 1)
			ERR_clear_error(); /* a duplicate: fine */
	if (rc == 0 && sk_X509_num(cas->certs) == 0) {
		say(err, err_len, "no trusted certificate configured");
		rc = -EINVAL;
	}
	if (rc != 0) {
		gw_ike_cas_free(cas);
		return rc;
	}
	*out = cas;
	return 0;
}

void
gw_ike_cas_free(struct gw_ike_cas *cas)
{
	if (!cas)
		return;
	X509_STORE_free(cas->store);
	sk_X509_pop_free(cas->certs, X509_free);
	free(cas);
}

int
gw_ike_cas_certreq(const struct gw_ike_cas *cas, uint8_t *out, size_t cap)
{
	size_t o = 0;

	for (int i = 0; i < sk_X509_num(cas->certs); i++) {
		X509_PUBKEY *pk = X509_get_X509_PUBKEY(sk_X509_value(cas->certs, i));
		unsigned char *spki = NULL;
		unsigned int hl = 0;
		int l = i2d_X509_PUBKEY(pk, &spki);

		if (l <= 0)
			return -EIO;
		if (o + GW_IKE_PKI_KEYID_LEN > cap) {
			OPENSSL_free(spki);
			return -ENOSPC;
		}
		if (EVP_Digest(spki, (size_t)l, out + o, &hl, EVP_sha1(),
			       NULL) != 1 || hl != GW_IKE_PKI_KEYID_LEN) {
			OPENSSL_free(spki);
			return -EIO;
		}
		OPENSSL_free(spki);
		o += GW_IKE_PKI_KEYID_LEN;
	}
	return (int)o;
}

/* ---- peer certificates ---- */

int
gw_ike_cert_parse(struct gw_ike_cert **out, const uint8_t *der, size_t len)
{
	struct gw_ike_cert *c;
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);

	*out = NULL;
	if (!x || p != der + len) {
		X509_free(x);
		ERR_clear_error();
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c || der_of_name(X509_get_subject_name(x), &c->subject,
			      &c->subject_len) != 0) {
		X509_free(x);
		free(c);
		return -ENOMEM;
	}
	c->x = x;
	*out = c;
	return 0;
}

void
gw_ike_cert_free(struct gw_ike_cert *c)
{
	if (!c)
		return;
	X509_free(c->x);
	OPENSSL_free(c->subject);
	free(c);
}

const uint8_t *
gw_ike_cert_subject(const struct gw_ike_cert *c, size_t *len)
{
	*len = c->subject_len;
	return c->subject;
}

/* keyUsage and extendedKeyUsage, when present, must allow IKE. */
static int
check_purpose(X509 *x, char *why, size_t why_len)
{
	uint32_t ku = X509_get_key_usage(x);
	uint32_t xku = X509_get_extended_key_usage(x);
	char s[256];

	if (ku != UINT32_MAX && !(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
		say(why, why_len, "keyUsage of %s allows no digitalSignature",
		    name_text(X509_get_subject_name(x), s, sizeof(s)));
		return -EPERM;
	}
	if (xku != UINT32_MAX &&
	    !(xku & (XKU_SSL_SERVER | XKU_SSL_CLIENT | XKU_ANYEKU))) {
		/* ipsecIKE (RFC 4945 5.1.3.12) has no XKU_ bit: look for it. */
		EXTENDED_KEY_USAGE *eku =
			X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
		bool ike = false;

		for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku); i++)
			ike |= OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i)) ==
			       NID_ipsec_IKE;
		EXTENDED_KEY_USAGE_free(eku);
		if (!ike) {
			say(why, why_len,
			    "extendedKeyUsage of %s allows neither serverAuth, clientAuth nor ipsecIKE",
			    name_text(X509_get_subject_name(x), s, sizeof(s)));
			return -EPERM;
		}
	}
	return 0;
}

int
gw_ike_cert_verify(const struct gw_ike_cert *leaf,
		   const struct gw_ike_cert *const *inter, size_t n_inter,
		   const struct gw_ike_cas *cas, char *why, size_t why_len)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	char s[256];
	int rc = -ENOMEM;

	if (!ctx || !untrusted)
		goto out;
	for (size_t i = 0; i < n_inter; i++)
		if (!sk_X509_push(untrusted, inter[i]->x))
			goto out;
	if (X509_STORE_CTX_init(ctx, cas->store, leaf->x, untrusted) != 1) {
		rc = -EIO;
		goto out;
	}
	if (X509_verify_cert(ctx) != 1) {
		int e = X509_STORE_CTX_get_error(ctx);
		X509 *at = X509_STORE_CTX_get_current_cert(ctx);

		say(why, why_len, "%s (%s)", X509_verify_cert_error_string(e),
		    name_text(X509_get_subject_name(at ? at : leaf->x), s,
			      sizeof(s)));
		ERR_clear_error();
		rc = -EPERM;
		goto out;
	}
	rc = check_purpose(leaf->x, why, why_len);
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted); /* the certificates stay with their owners */
	return rc;
}

static bool
name_equal_nocase(const ASN1_STRING *s, const uint8_t *id, size_t len)
{
	return (size_t)ASN1_STRING_length(s) == len &&
	       strncasecmp((const char *)ASN1_STRING_get0_data(s),
			   (const char *)id, len) == 0;
}

/* "subject <DN>, SAN a, b" */
static void
describe(X509 *x, char *buf, size_t len)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	char s[256];
	size_t o;
	int n = gens ? sk_GENERAL_NAME_num(gens) : 0;

	o = (size_t)snprintf(buf, len, "subject %s, SAN ",
			     name_text(X509_get_subject_name(x), s, sizeof(s)));
	if (!n && o < len)
		o += (size_t)snprintf(buf + o, len - o, "none");
	for (int i = 0; i < n && o < len; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *v;
		const char *sep = i ? ", " : "";

		switch (g->type) {
		case GEN_DNS:
		case GEN_EMAIL:
			v = g->d.ia5;
			o += (size_t)snprintf(buf + o, len - o, "%s%.*s", sep,
					      ASN1_STRING_length(v),
					      (const char *)ASN1_STRING_get0_data(v));
			break;
		case GEN_IPADD: {
			char a[64] = "?";

			v = g->d.ip;
			if (ASN1_STRING_length(v) == 4 || ASN1_STRING_length(v) == 16) {
				char *t = (char *)a;
				const unsigned char *d = ASN1_STRING_get0_data(v);

				if (ASN1_STRING_length(v) == 4)
					snprintf(t, sizeof(a), "%u.%u.%u.%u",
						 d[0], d[1], d[2], d[3]);
				else {
					size_t k = 0;

					for (int j = 0; j < 16; j += 2)
						k += (size_t)snprintf(t + k, sizeof(a) - k,
								      "%s%x", j ? ":" : "",
								      d[j] << 8 | d[j + 1]);
				}
			}
			o += (size_t)snprintf(buf + o, len - o, "%s%s", sep, a);
			break;
		}
		default:
			o += (size_t)snprintf(buf + o, len - o, "%s(type %d)",
					      sep, g->type);
			break;
		}
	}
	GENERAL_NAMES_free(gens);
}

static int
has_id(X509 *x, const uint8_t *subject, size_t subject_len, uint8_t type,
       const uint8_t *id, size_t id_len, char *why, size_t why_len)
{
	GENERAL_NAMES *gens;
	bool found = false;

	if (type == ID_DER_ASN1_DN) {
		found = gw_ike_dn_equal(subject, subject_len, id, id_len);
	} else if (type == ID_FQDN || type == ID_RFC822_ADDR ||
		   type == ID_IPV4_ADDR || type == ID_IPV6_ADDR) {
		gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
		for (int i = 0; gens && !found && i < sk_GENERAL_NAME_num(gens); i++) {
			const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

			if (g->type == GEN_DNS && type == ID_FQDN)
				found = name_equal_nocase(g->d.ia5, id, id_len);
			else if (g->type == GEN_EMAIL && type == ID_RFC822_ADDR)
				found = name_equal_nocase(g->d.ia5, id, id_len);
			else if (g->type == GEN_IPADD &&
				 (type == ID_IPV4_ADDR || type == ID_IPV6_ADDR))
				found = (size_t)ASN1_STRING_length(g->d.ip) == id_len &&
					memcmp(ASN1_STRING_get0_data(g->d.ip), id,
					       id_len) == 0;
		}
		GENERAL_NAMES_free(gens);
	}
	ERR_clear_error();
	if (found)
		return 0;
	if (why && why_len)
		describe(x, why, why_len);
	return -ENOENT;
}

int
gw_ike_cert_has_id(const struct gw_ike_cert *c, uint8_t id_type,
		   const uint8_t *id, size_t id_len, char *why, size_t why_len)
{
	return has_id(c->x, c->subject, c->subject_len, id_type, id, id_len,
		      why, why_len);
}

int
gw_ike_cred_has_id(const struct gw_ike_cred *c, uint8_t id_type,
		   const uint8_t *id, size_t id_len, char *why, size_t why_len)
{
	return has_id(c->certs[0], c->subject, c->subject_len, id_type, id,
		      id_len, why, why_len);
}
