/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Distinguished names in strongSwan's text syntax ("C=CH, O=strongSwan,
 * CN=moon.strongswan.org") to DER and back, and DN comparison.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "gw_ike_pki.h"

enum { DN_TEXT_MAX = 1024 };

/* strongSwan's attribute names, first of a NID is the one printed. */
static const struct {
	const char *name;
	int nid;
} dn_names[] = {
	{ "C", NID_countryName },
	{ "ST", NID_stateOrProvinceName },
	{ "L", NID_localityName },
	{ "O", NID_organizationName },
	{ "OU", NID_organizationalUnitName },
	{ "CN", NID_commonName },
	{ "SN", NID_serialNumber },
	{ "E", NID_pkcs9_emailAddress },
	{ "email", NID_pkcs9_emailAddress },
	{ "emailAddress", NID_pkcs9_emailAddress },
	{ "DC", NID_domainComponent },
	{ "UID", NID_userId },
	{ "T", NID_title },
	{ "G", NID_givenName },
	{ "S", NID_surname },
	{ "N", NID_name },
	{ "I", NID_initials },
	{ "D", NID_description },
	{ "street", NID_streetAddress },
};

static int
nid_of(const char *key)
{
	int nid;

	for (size_t i = 0; i < sizeof(dn_names) / sizeof(dn_names[0]); i++)
		if (strcasecmp(key, dn_names[i].name) == 0)
			return dn_names[i].nid;
	nid = OBJ_txt2nid(key);  /* short/long name or dotted OID */
	ERR_clear_error();
	return nid;
}

static const char *
name_of(int nid, const ASN1_OBJECT *o, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(dn_names) / sizeof(dn_names[0]); i++)
		if (dn_names[i].nid == nid)
			return dn_names[i].name;
	if (nid != NID_undef && OBJ_nid2sn(nid))
		return OBJ_nid2sn(nid);
	OBJ_obj2txt(buf, (int)len, o, 1);
	return buf;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static bool
printable(const char *v)
{
	for (; *v; v++)
		if (!isalnum((unsigned char)*v) && !strchr(" '()+,-./:=?", *v))
			return false;
	return true;
}

static int
hex_val(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int
der_out(X509_NAME *n, uint8_t *der, size_t cap)
{
	int l = i2d_X509_NAME(n, NULL);
	unsigned char *p = der;

	if (l <= 0)
		return -EINVAL;
	if ((size_t)l > cap)
		return -ENOSPC;
	return i2d_X509_NAME(n, &p);
}

/* "asn1dn:#3012..." */
static int
parse_hex(const char *h, uint8_t *der, size_t cap)
{
	size_t n = strlen(h) / 2;
	const unsigned char *p = der;
	X509_NAME *x;

	if (strlen(h) % 2 || n == 0 || n > cap)
		return n > cap ? -ENOSPC : -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int a = hex_val(h[2 * i]), b = hex_val(h[2 * i + 1]);

		if (a < 0 || b < 0)
			return -EINVAL;
		der[i] = (uint8_t)(a << 4 | b);
	}
	x = d2i_X509_NAME(NULL, &p, (long)n);
	ERR_clear_error();
	if (!x || p != der + n) {
		X509_NAME_free(x);
		return -EINVAL;
	}
	X509_NAME_free(x);
	return (int)n;
}

bool
gw_ike_dn_is_text(const char *s)
{
	char key[64];
	const char *eq;
	size_t n;

	if (strncasecmp(s, "asn1dn:#", 8) == 0)
		return true;
	if (*s == '/')
		s++;
	eq = strchr(s, '=');
	if (!eq)
		return false;
	n = (size_t)(eq - s);
	if (n == 0 || n >= sizeof(key))
		return false;
	memcpy(key, s, n);
	key[n] = '\0';
	return nid_of(trim(key)) != NID_undef;
}

int
gw_ike_dn_parse(const char *s, uint8_t *der, size_t cap)
{
	char buf[DN_TEXT_MAX], *tok, *save = NULL;
	const char *sep = ",";
	X509_NAME *n;
	int rc = 0, rdns = 0;

	if (strncasecmp(s, "asn1dn:#", 8) == 0)
		return parse_hex(s + 8, der, cap);
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	if (buf[0] == '/')         /* the OpenSSL "/C=CH/O=..." form */
		sep = "/";
	n = X509_NAME_new();
	if (!n)
		return -ENOMEM;
	for (tok = strtok_r(buf, sep, &save); tok && rc == 0;
	     tok = strtok_r(NULL, sep, &save)) {
		char *eq = strchr(tok, '='), *k, *v;
		int nid, type;

		if (!eq) {
			rc = -EINVAL;
			break;
		}
		*eq = '\0';
		k = trim(tok);
		v = trim(eq + 1);
		nid = nid_of(k);
		if (nid == NID_undef || !*v) {
			rc = -EINVAL;
			break;
		}
		if (nid == NID_pkcs9_emailAddress || nid == NID_domainComponent)
			type = V_ASN1_IA5STRING;
		else if (printable(v))
			type = V_ASN1_PRINTABLESTRING;
		else
			type = V_ASN1_UTF8STRING;
		if (X509_NAME_add_entry_by_NID(n, nid, type, (unsigned char *)v,
					       -1, -1, 0) != 1)
			rc = -EINVAL;
		rdns++;
	}
	ERR_clear_error();
	if (rc == 0 && rdns == 0)
		rc = -EINVAL;
	if (rc == 0)
		rc = der_out(n, der, cap);
	X509_NAME_free(n);
	return rc;
}

static const char *dn_text(const uint8_t *der, size_t len, char *buf, size_t cap);

const char *
gw_ike_dn_format(const uint8_t *der, size_t len, char *buf, size_t cap)
{
	uint8_t back[1024];
	int n;

	/* The text form is what operators copy into configurations: when it
	 * would not read back as the same name (a value holding ',' or '/',
	 * control characters, a string type with no text), print the exact
	 * DER instead, which strongSwan's syntax also accepts. */
	dn_text(der, len, buf, cap);
	if (!buf[0])
		return buf;
	n = gw_ike_dn_parse(buf, back, sizeof(back));
	if (n > 0 && gw_ike_dn_equal(der, len, back, (size_t)n))
		return buf;
	n = snprintf(buf, cap, "asn1dn:#");
	for (size_t i = 0; i < len && (size_t)n + 3 <= cap; i++)
		n += snprintf(buf + n, cap - (size_t)n, "%02x", der[i]);
	return buf;
}

/* "C=CH, O=strongSwan, CN=moon" of a DER DN; "" when it does not parse. */
static const char *
dn_text(const uint8_t *der, size_t len, char *buf, size_t cap)
{
	const unsigned char *p = der;
	X509_NAME *n;
	size_t o = 0;

	if (!cap)
		return buf;
	buf[0] = '\0';
	n = d2i_X509_NAME(NULL, &p, (long)len);
	if (!n) {
		ERR_clear_error();
		return buf;
	}
	for (int i = 0; i < X509_NAME_entry_count(n) && o < cap; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(n, i);
		const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
		unsigned char *v = NULL;
		char oid[64];
		int vl = ASN1_STRING_to_UTF8(&v, X509_NAME_ENTRY_get_data(e));

		o += (size_t)snprintf(buf + o, cap - o, "%s%s=", i ? ", " : "",
				      name_of(OBJ_obj2nid(obj), obj, oid,
					      sizeof(oid)));
		for (int k = 0; k < vl && o + 1 < cap; k++)
			buf[o++] = v[k] < 0x20 || v[k] == 0x7f ? '?' : (char)v[k];
		if (o < cap)
			buf[o] = '\0';
		OPENSSL_free(v);
	}
	buf[cap - 1] = '\0';
	X509_NAME_free(n);
	ERR_clear_error();
	return buf;
}

bool
gw_ike_dn_equal(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	const unsigned char *pa = a, *pb = b;
	X509_NAME *na, *nb;
	bool eq;

	if (a_len == b_len && memcmp(a, b, a_len) == 0)
		return true;
	na = d2i_X509_NAME(NULL, &pa, (long)a_len);
	nb = d2i_X509_NAME(NULL, &pb, (long)b_len);
	/* X509_NAME_cmp compares the canonical encodings (RFC 5280 7.1). */
	eq = na && nb && X509_NAME_cmp(na, nb) == 0;
	X509_NAME_free(na);
	X509_NAME_free(nb);
	ERR_clear_error();
	return eq;
}
