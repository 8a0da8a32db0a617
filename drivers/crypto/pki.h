/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to drivers/crypto's PKI files (ike_pki.c, ike_sig.c, ike_dn.c):
 * the objects behind the opaque handles of gw_ike_pki.h.
 */
#ifndef PKI_H
#define PKI_H

#include <stdarg.h>
#include <stdio.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "gw_ike_pki.h"

struct gw_ike_cred {
	EVP_PKEY *key;
	X509 *certs[GW_IKE_PKI_CERTS_MAX];
	uint8_t *der[GW_IKE_PKI_CERTS_MAX];
	size_t der_len[GW_IKE_PKI_CERTS_MAX];
	size_t n;
	uint8_t *subject;          /* DER of certs[0]'s subject */
	size_t subject_len;
};

struct gw_ike_cas {
	X509_STORE *store;
	STACK_OF(X509) *certs;
};

struct gw_ike_cert {
	X509 *x;
	uint8_t *subject;
	size_t subject_len;
};

/* Writes a reason into an optional caller's buffer (NULL or 0: none). */
static inline void __attribute__((format(printf, 3, 4)))
say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

#endif /* PKI_H */
