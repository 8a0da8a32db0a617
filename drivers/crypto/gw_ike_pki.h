/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * X.509 certificates and signature authentication for IKEv2, OpenSSL 3
 * behind it. Control path only.
 *
 * - Credentials: our certificate chain (PEM, leaf first) and its private
 *   key (PEM, RSA or EC), loaded once; the key is wiped when freed.
 * - CA stores: the certificates we trust for a peer (cacerts, and a
 *   peer's own certificate configured as certs: each is a trust anchor,
 *   intermediate or not).
 * - Peer certificates: parsed from CERT payloads (X.509 Signature, DER),
 *   verified with X509_verify_cert (validity, CA constraints, path) plus
 *   an IKE purpose check (keyUsage, when present, allows digitalSignature
 *   or nonRepudiation; extendedKeyUsage, when present, lists serverAuth,
 *   clientAuth, ipsecIKE or anyExtendedKeyUsage).
 * - AUTH payload data (RFC 7296 2.15: the signature over the signed
 *   octets): Digital Signature (RFC 7427, method 14) with SHA-256/384/512
 *   and RSA PKCS#1 v1.5 or ECDSA (RSASSA-PSS and SHA-1 accepted when
 *   verifying), RSA Digital Signature (method 1, SHA-1, RFC 7296) and
 *   ECDSA with SHA-256/P-256, SHA-384/P-384, SHA-512/P-521 (methods 9,
 *   10, 11, RFC 4754: r | s, each the field size, not DER).
 * - Distinguished names in strongSwan's text syntax
 *   ("C=CH, O=strongSwan, CN=moon.strongswan.org") to and from DER.
 *
 * Identity types and method numbers are the IANA IKEv2 ones (RFC 7296 3.5,
 * 3.8), passed as plain integers; lib/ike names them. Errors are negative
 * errno values (-EINVAL, -ENOTSUP, -ENOENT, -EBADMSG, -ENOSPC, -ENOMEM,
 * -EIO); functions taking @p why / @p err write a one-line reason there.
 */
#ifndef GW_IKE_PKI_H
#define GW_IKE_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Hash algorithms of RFC 7427 (IKEv2 Hash Algorithms registry). */
enum gw_ike_hash {
	GW_IKE_HASH_SHA1 = 1,
	GW_IKE_HASH_SHA2_256 = 2,
	GW_IKE_HASH_SHA2_384 = 3,
	GW_IKE_HASH_SHA2_512 = 4,
	GW_IKE_HASH_IDENTITY = 5,
};

/** Bit (1 << hash) of each hash we sign and verify with method 14. */
#define GW_IKE_HASHES_SUPPORTED                                                \
	(1u << GW_IKE_HASH_SHA2_256 | 1u << GW_IKE_HASH_SHA2_384 |             \
	 1u << GW_IKE_HASH_SHA2_512)

enum {
	GW_IKE_PKI_CERTS_MAX = 4,   /**< certificates in a chain we send */
	GW_IKE_PKI_SIG_MAX = 1100,  /**< AUTH data: RSA-8192 plus AlgorithmIdentifier */
	GW_IKE_PKI_KEYID_LEN = 20,  /**< SHA-1 of a SubjectPublicKeyInfo (CERTREQ) */
};

struct gw_ike_cred;  /**< our chain and private key */
struct gw_ike_cas;   /**< trusted certificates */
struct gw_ike_cert;  /**< a peer's certificate */

/* ---- Credentials ---- */

/**
 * Loads @p n_certs PEM files (the first certificate of the first file is
 * the end entity; every further certificate goes with it as an
 * intermediate) and the PEM private key @p key_file (RSA or EC, not
 * encrypted), which must belong to the end entity. On failure @p err
 * names the file and the reason.
 */
int gw_ike_cred_load(struct gw_ike_cred **out, const char *const *cert_files,
		     size_t n_certs, const char *key_file, char *err,
		     size_t err_len);

/** Frees; the private key is wiped. NULL is fine. */
void gw_ike_cred_free(struct gw_ike_cred *c);

/** Certificates of the chain (at least 1, the end entity first). */
size_t gw_ike_cred_n_certs(const struct gw_ike_cred *c);

/** DER of certificate @p i of the chain; NULL past the end. */
const uint8_t *gw_ike_cred_cert(const struct gw_ike_cred *c, size_t i,
				size_t *len);

/** DER of the end entity's subject DN. */
const uint8_t *gw_ike_cred_subject(const struct gw_ike_cred *c, size_t *len);

/**
 * Whether our end entity certificate holds an identity (see
 * gw_ike_cert_has_id()). 0 or -ENOENT with @p why describing the
 * certificate.
 */
int gw_ike_cred_has_id(const struct gw_ike_cred *c, uint8_t id_type,
		       const uint8_t *id, size_t id_len, char *why,
		       size_t why_len);

/** "RSA-2048", "ECDSA P-384": the key type, for logs. */
const char *gw_ike_cred_key_name(const struct gw_ike_cred *c, char *buf,
				 size_t len);

/* ---- Trusted certificates ---- */

/** Loads every certificate of the PEM files as trusted; @p err names a failing file. */
int gw_ike_cas_load(struct gw_ike_cas **out, const char *const *files,
		    size_t n_files, char *err, size_t err_len);

void gw_ike_cas_free(struct gw_ike_cas *cas);

/**
 * CERTREQ data for X.509 Signature (RFC 7296 3.7): the SHA-1 hashes of
 * the trusted certificates' SubjectPublicKeyInfo, concatenated. Returns
 * the length (a multiple of 20), or -ENOSPC.
 */
int gw_ike_cas_certreq(const struct gw_ike_cas *cas, uint8_t *out, size_t cap);

/* ---- Peer certificates ---- */

/** Parses a DER certificate (a CERT payload's data). 0, -EINVAL, -ENOMEM. */
int gw_ike_cert_parse(struct gw_ike_cert **out, const uint8_t *der, size_t len);

void gw_ike_cert_free(struct gw_ike_cert *c);

/**
 * Verifies @p leaf up to a certificate of @p cas, with the peer's
 * intermediates @p inter (may be NULL when @p n_inter is 0), at the
 * current time, then the IKE purpose. 0, or -EPERM with OpenSSL's reason
 * (and the subject of the certificate it concerns) in @p why.
 */
int gw_ike_cert_verify(const struct gw_ike_cert *leaf,
		       const struct gw_ike_cert *const *inter, size_t n_inter,
		       const struct gw_ike_cas *cas, char *why, size_t why_len);

/**
 * Whether the certificate holds an identity of type @p id_type (RFC 7296
 * 3.5): DER_ASN1_DN (9) equal to the subject (same DER, or equal after
 * OpenSSL's canonical form: case and spacing, string types); FQDN (2),
 * RFC822_ADDR (3), IPV4_ADDR (1), IPV6_ADDR (5) among the subjectAltNames
 * (DNS names and e-mail addresses without regard to case). 0, or -ENOENT
 * with "subject <DN>, SAN <names>" in @p why.
 */
int gw_ike_cert_has_id(const struct gw_ike_cert *c, uint8_t id_type,
		       const uint8_t *id, size_t id_len, char *why,
		       size_t why_len);

/** DER of the certificate's subject DN. */
const uint8_t *gw_ike_cert_subject(const struct gw_ike_cert *c, size_t *len);

/* ---- AUTH signatures ---- */

/**
 * The method and hash we sign with: Digital Signature (14) when the peer
 * announced a hash we support in SIGNATURE_HASH_ALGORITHMS
 * (@p peer_hashes: bit 1 << hash; for ECDSA the hash of the curve's size
 * when the peer has it, for RSA SHA-256 first), else the classic method
 * of the key: 1 (RSA, SHA-1) or 9/10/11 by curve (-ENOTSUP for another
 * curve). @p hash is 0 for classic methods.
 */
int gw_ike_sig_choose(const struct gw_ike_cred *c, uint32_t peer_hashes,
		      uint8_t *method, uint8_t *hash);

/**
 * AUTH data for @p method over @p data (the signed octets): for 14, the
 * AlgorithmIdentifier's length octet, the AlgorithmIdentifier and the
 * signature; for 1 the PKCS#1 v1.5 signature with SHA-1; for 9/10/11
 * r | s. 0, -ENOTSUP (method or hash not fitting the key), -ENOSPC, -EIO.
 */
int gw_ike_sig_sign(const struct gw_ike_cred *c, uint8_t method, uint8_t hash,
		    const uint8_t *data, size_t len, uint8_t *auth,
		    size_t cap, size_t *auth_len);

/** "RSA-SHA256", "ecdsa-with-SHA384", "ECDSA_384": what we sign with. */
const char *gw_ike_sig_name(const struct gw_ike_cred *c, uint8_t method,
			    uint8_t hash);

/**
 * Checks AUTH data of @p method over @p data with the certificate's public
 * key. 0, with the signature algorithm's name in @p why ("RSA-SHA256",
 * "ecdsa-with-SHA384", "RSASSA-PSS", "ECDSA_384"); -EBADMSG when the
 * signature does not verify; -ENOTSUP or -EINVAL when the method,
 * AlgorithmIdentifier or encoding does not fit the key (@p why says which).
 */
int gw_ike_sig_verify(const struct gw_ike_cert *c, uint8_t method,
		      const uint8_t *data, size_t len, const uint8_t *auth,
		      size_t auth_len, char *why, size_t why_len);

/* ---- Distinguished names ---- */

/**
 * DER of a DN written as strongSwan does: "C=CH, O=strongSwan, CN=moon"
 * (RDNs in that order, separated by ',' or '/'; C, ST, L, O, OU, CN, SN
 * (serialNumber), E (emailAddress), DC, UID, T, G, S (surname), N (name)
 * or any OpenSSL short/long name or dotted OID), or "asn1dn:#<hex DER>".
 * Values are PrintableString when they fit, IA5String for E and DC,
 * UTF8String otherwise. Returns the length, -EINVAL or -ENOSPC.
 */
int gw_ike_dn_parse(const char *s, uint8_t *der, size_t cap);

/** Text of a DER DN in the same syntax; returns @p buf ("" when invalid). */
const char *gw_ike_dn_format(const uint8_t *der, size_t len, char *buf,
			     size_t cap);

/** Whether two DER DNs are equal (bytes, or OpenSSL's canonical form). */
bool gw_ike_dn_equal(const uint8_t *a, size_t a_len, const uint8_t *b,
		     size_t b_len);

/** Whether @p s looks like a DN ("C=..", "CN=..", "asn1dn:#.."). */
bool gw_ike_dn_is_text(const char *s);

#endif /* GW_IKE_PKI_H */
