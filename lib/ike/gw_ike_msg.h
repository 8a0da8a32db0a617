/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IKEv2 message codec (RFC 7296 section 3): a zero-allocation parser into a
 * struct of pointers into the received buffer, and a writer that appends
 * payloads into a caller buffer with automatic next-payload chaining and
 * length fix-up. Control path only: no DPDK, no allocation, no logging.
 *
 * Parsing checks every length against its container (payload lengths >= 4,
 * substructures inside their payload, the payload chain ending exactly at
 * the header's length, the header's length equal to the datagram), keeps
 * fixed maximum counts (GW_IKE_MAX_*) and ignores reserved bits and, for
 * the payload types it knows, the critical bit, as RFC 7296 2.5 says.
 * An unknown payload is skipped when its critical bit is clear and fails
 * the message with GW_IKE_E_UNSUPPORTED_CRITICAL (err->payload_type = the
 * type, for the UNSUPPORTED_CRITICAL_PAYLOAD notify) when it is set.
 *
 * The Encrypted (SK, and SKF of RFC 7383) payload is kept opaque: the parse
 * stops at it (it must be last) and records the offsets decryption needs.
 * Once decrypted, gw_ike_msg_parse_inner() parses the inner chain into the
 * same struct, starting with the SK payload's next-payload type.
 *
 * Names of every IANA number used here come from X-macro tables
 * (foreach_gw_ike_*), which generate the enums and the name functions.
 */
#ifndef GW_IKE_MSG_H
#define GW_IKE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ limits */

enum {
	GW_IKE_HDR_LEN = 28,           /**< fixed IKE header */
	GW_IKE_GEN_HDR_LEN = 4,        /**< generic payload header */
	GW_IKE_VERSION = 0x20,         /**< major 2, minor 0 */
	GW_IKE_SPI_MAX = 8,            /**< largest SPI in a proposal/notify */
	GW_IKE_MAX_PAYLOADS = 64,      /**< payloads per message, outer + inner */
	GW_IKE_MAX_PROPOSALS = 8,      /**< proposals per SA payload */
	GW_IKE_MAX_TRANSFORMS = 32,    /**< transforms per proposal */
	GW_IKE_MAX_NOTIFY = 16,
	GW_IKE_MAX_TS = 16,            /**< traffic selectors per TS payload */
	GW_IKE_MAX_VENDOR = 8,
	GW_IKE_MAX_CERT = 4,
	GW_IKE_MAX_CERTREQ = 4,
	GW_IKE_MAX_DELETE = 8,
	GW_IKE_MAX_CP_ATTRS = 16,
	GW_IKE_NONCE_MIN = 16,         /**< RFC 7296 3.9 */
	GW_IKE_NONCE_MAX = 256,
	GW_IKE_ATTR_KEY_LENGTH = 14,   /**< the only transform attribute (TV) */
};

/** Header flags (RFC 7296 3.1); the other bits are reserved. */
#define GW_IKE_FLAG_I 0x08u   /**< sent by the original initiator */
#define GW_IKE_FLAG_V 0x10u   /**< sender can speak a higher major version */
#define GW_IKE_FLAG_R 0x20u   /**< response */

/* ---------------------------------------------------------- number tables */

/** Exchange types: _(enum suffix, value). */
#define foreach_gw_ike_exchange                                               \
	_(IKE_SA_INIT, 34)                                                     \
	_(IKE_AUTH, 35)                                                        \
	_(CREATE_CHILD_SA, 36)                                                 \
	_(INFORMATIONAL, 37)                                                   \
	_(IKE_SESSION_RESUME, 38)                                              \
	_(IKE_INTERMEDIATE, 43)

enum gw_ike_exchange {
#define _(n, v) GW_IKE_EXCH_##n = v,
	foreach_gw_ike_exchange
#undef _
};

/** Payload types: _(enum suffix, value, name, short name as strongSwan logs). */
#define foreach_gw_ike_payload                                                \
	_(SA, 33, "SA", "SA")                                                  \
	_(KE, 34, "KE", "KE")                                                  \
	_(IDI, 35, "IDi", "IDi")                                               \
	_(IDR, 36, "IDr", "IDr")                                               \
	_(CERT, 37, "CERT", "CERT")                                            \
	_(CERTREQ, 38, "CERTREQ", "CERTREQ")                                   \
	_(AUTH, 39, "AUTH", "AUTH")                                            \
	_(NONCE, 40, "Nonce", "No")                                            \
	_(NOTIFY, 41, "Notify", "N")                                           \
	_(DELETE, 42, "Delete", "D")                                           \
	_(VENDOR, 43, "Vendor ID", "V")                                        \
	_(TSI, 44, "TSi", "TSi")                                               \
	_(TSR, 45, "TSr", "TSr")                                               \
	_(SK, 46, "Encrypted", "SK")                                           \
	_(CP, 47, "Configuration", "CP")                                       \
	_(EAP, 48, "EAP", "EAP")                                               \
	_(SKF, 53, "Encrypted Fragment", "EF")

enum gw_ike_payload_type {
	GW_IKE_PL_NONE = 0,
#define _(n, v, name, sname) GW_IKE_PL_##n = v,
	foreach_gw_ike_payload
#undef _
};

/** Notify message types (RFC 7296 3.10.1 and later RFCs): _(name, value). */
#define foreach_gw_ike_notify                                                 \
	_(UNSUPPORTED_CRITICAL_PAYLOAD, 1)                                     \
	_(INVALID_IKE_SPI, 4)                                                  \
	_(INVALID_MAJOR_VERSION, 5)                                            \
	_(INVALID_SYNTAX, 7)                                                   \
	_(INVALID_MESSAGE_ID, 9)                                               \
	_(INVALID_SPI, 11)                                                     \
	_(NO_PROPOSAL_CHOSEN, 14)                                              \
	_(INVALID_KE_PAYLOAD, 17)                                              \
	_(AUTHENTICATION_FAILED, 24)                                           \
	_(SINGLE_PAIR_REQUIRED, 34)                                            \
	_(NO_ADDITIONAL_SAS, 35)                                               \
	_(INTERNAL_ADDRESS_FAILURE, 36)                                        \
	_(FAILED_CP_REQUIRED, 37)                                              \
	_(TS_UNACCEPTABLE, 38)                                                 \
	_(INVALID_SELECTORS, 39)                                               \
	_(UNACCEPTABLE_ADDRESSES, 40)                                          \
	_(UNEXPECTED_NAT_DETECTED, 41)                                         \
	_(USE_ASSIGNED_HoA, 42)                                                \
	_(TEMPORARY_FAILURE, 43)                                               \
	_(CHILD_SA_NOT_FOUND, 44)                                              \
	_(INVALID_GROUP_ID, 45)                                                \
	_(AUTHORIZATION_FAILED, 46)                                            \
	_(INITIAL_CONTACT, 16384)                                              \
	_(SET_WINDOW_SIZE, 16385)                                              \
	_(ADDITIONAL_TS_POSSIBLE, 16386)                                       \
	_(IPCOMP_SUPPORTED, 16387)                                             \
	_(NAT_DETECTION_SOURCE_IP, 16388)                                      \
	_(NAT_DETECTION_DESTINATION_IP, 16389)                                 \
	_(COOKIE, 16390)                                                       \
	_(USE_TRANSPORT_MODE, 16391)                                           \
	_(HTTP_CERT_LOOKUP_SUPPORTED, 16392)                                   \
	_(REKEY_SA, 16393)                                                     \
	_(ESP_TFC_PADDING_NOT_SUPPORTED, 16394)                                \
	_(NON_FIRST_FRAGMENTS_ALSO, 16395)                                     \
	_(MOBIKE_SUPPORTED, 16396)                                             \
	_(ADDITIONAL_IP4_ADDRESS, 16397)                                       \
	_(ADDITIONAL_IP6_ADDRESS, 16398)                                       \
	_(NO_ADDITIONAL_ADDRESSES, 16399)                                      \
	_(UPDATE_SA_ADDRESSES, 16400)                                          \
	_(COOKIE2, 16401)                                                      \
	_(NO_NATS_ALLOWED, 16402)                                              \
	_(AUTH_LIFETIME, 16403)                                                \
	_(MULTIPLE_AUTH_SUPPORTED, 16404)                                      \
	_(ANOTHER_AUTH_FOLLOWS, 16405)                                         \
	_(REDIRECT_SUPPORTED, 16406)                                           \
	_(REDIRECT, 16407)                                                     \
	_(REDIRECTED_FROM, 16408)                                              \
	_(EAP_ONLY_AUTHENTICATION, 16417)                                      \
	_(CHILDLESS_IKEV2_SUPPORTED, 16418)                                    \
	_(IKEV2_MESSAGE_ID_SYNC_SUPPORTED, 16420)                              \
	_(IKEV2_FRAGMENTATION_SUPPORTED, 16430)                                \
	_(SIGNATURE_HASH_ALGORITHMS, 16431)                                    \
	_(USE_PPK, 16435)                                                      \
	_(INTERMEDIATE_EXCHANGE_SUPPORTED, 16438)

enum gw_ike_notify_type {
#define _(n, v) GW_IKE_N_##n = v,
	foreach_gw_ike_notify
#undef _
};

/** Notify types below this are errors, the others status (RFC 7296 3.10.1). */
#define GW_IKE_N_STATUS_MIN 16384

/** Transform types (RFC 7296 3.3.2): _(enum suffix, value). */
#define foreach_gw_ike_xf_type                                                \
	_(ENCR, 1)                                                             \
	_(PRF, 2)                                                              \
	_(INTEG, 3)                                                            \
	_(DH, 4)                                                               \
	_(ESN, 5)

enum gw_ike_xf_type {
#define _(n, v) GW_IKE_XF_##n = v,
	foreach_gw_ike_xf_type
#undef _
	GW_IKE_XF_TYPE_MAX = 5,
};

/**
 * Encryption algorithms: _(enum suffix, value, name, AEAD, variable key
 * length i.e. the Key Length attribute is required).
 */
#define foreach_gw_ike_encr                                                   \
	_(DES, 2, "DES", 0, 0)                                                 \
	_(3DES, 3, "3DES", 0, 0)                                               \
	_(NULL, 11, "NULL", 0, 0)                                              \
	_(AES_CBC, 12, "AES_CBC", 0, 1)                                        \
	_(AES_CTR, 13, "AES_CTR", 0, 1)                                        \
	_(AES_CCM_8, 14, "AES_CCM_8", 1, 1)                                    \
	_(AES_CCM_12, 15, "AES_CCM_12", 1, 1)                                  \
	_(AES_CCM_16, 16, "AES_CCM_16", 1, 1)                                  \
	_(AES_GCM_8, 18, "AES_GCM_8", 1, 1)                                    \
	_(AES_GCM_12, 19, "AES_GCM_12", 1, 1)                                  \
	_(AES_GCM_16, 20, "AES_GCM_16", 1, 1)                                  \
	_(NULL_AUTH_AES_GMAC, 21, "NULL_AUTH_AES_GMAC", 1, 1)                  \
	_(CHACHA20_POLY1305, 28, "CHACHA20_POLY1305", 1, 0)

enum gw_ike_encr {
#define _(n, v, name, aead, kl) GW_IKE_ENCR_##n = v,
	foreach_gw_ike_encr
#undef _
};

/** Pseudorandom functions: _(enum suffix, value, name, output bytes). */
#define foreach_gw_ike_prf                                                    \
	_(HMAC_MD5, 1, "PRF_HMAC_MD5", 16)                                     \
	_(HMAC_SHA1, 2, "PRF_HMAC_SHA1", 20)                                   \
	_(AES128_XCBC, 4, "PRF_AES128_XCBC", 16)                               \
	_(HMAC_SHA2_256, 5, "PRF_HMAC_SHA2_256", 32)                           \
	_(HMAC_SHA2_384, 6, "PRF_HMAC_SHA2_384", 48)                           \
	_(HMAC_SHA2_512, 7, "PRF_HMAC_SHA2_512", 64)                           \
	_(AES128_CMAC, 8, "PRF_AES128_CMAC", 16)

enum gw_ike_prf {
#define _(n, v, name, len) GW_IKE_PRF_##n = v,
	foreach_gw_ike_prf
#undef _
};

/** Integrity algorithms: _(enum suffix, value, name, key bytes, ICV bytes). */
#define foreach_gw_ike_integ                                                  \
	_(NONE, 0, "NONE", 0, 0)                                               \
	_(HMAC_MD5_96, 1, "HMAC_MD5_96", 16, 12)                               \
	_(HMAC_SHA1_96, 2, "HMAC_SHA1_96", 20, 12)                             \
	_(AES_XCBC_96, 5, "AES_XCBC_96", 16, 12)                               \
	_(AES_CMAC_96, 8, "AES_CMAC_96", 16, 12)                               \
	_(HMAC_SHA2_256_128, 12, "HMAC_SHA2_256_128", 32, 16)                  \
	_(HMAC_SHA2_384_192, 13, "HMAC_SHA2_384_192", 48, 24)                  \
	_(HMAC_SHA2_512_256, 14, "HMAC_SHA2_512_256", 64, 32)

enum gw_ike_integ {
#define _(n, v, name, klen, icv) GW_IKE_INTEG_##n = v,
	foreach_gw_ike_integ
#undef _
};

/**
 * Diffie-Hellman groups: _(enum suffix, value, name, KE data bytes), the
 * public value length in the KE payload (RFC 7296 3.4, RFC 5903, RFC 8031).
 */
#define foreach_gw_ike_dh                                                     \
	_(NONE, 0, "NONE", 0)                                                  \
	_(MODP768, 1, "MODP_768", 96)                                          \
	_(MODP1024, 2, "MODP_1024", 128)                                       \
	_(MODP1536, 5, "MODP_1536", 192)                                       \
	_(MODP2048, 14, "MODP_2048", 256)                                      \
	_(MODP3072, 15, "MODP_3072", 384)                                      \
	_(MODP4096, 16, "MODP_4096", 512)                                      \
	_(MODP6144, 17, "MODP_6144", 768)                                      \
	_(MODP8192, 18, "MODP_8192", 1024)                                     \
	_(ECP256, 19, "ECP_256", 64)                                           \
	_(ECP384, 20, "ECP_384", 96)                                           \
	_(ECP521, 21, "ECP_521", 132)                                          \
	_(CURVE25519, 31, "CURVE_25519", 32)                                   \
	_(CURVE448, 32, "CURVE_448", 56)

enum gw_ike_dh {
#define _(n, v, name, len) GW_IKE_DH_##n = v,
	foreach_gw_ike_dh
#undef _
};

/** Extended Sequence Numbers: _(enum suffix, value, name). */
#define foreach_gw_ike_esn                                                    \
	_(NO, 0, "NO_ESN")                                                     \
	_(YES, 1, "ESN")

enum gw_ike_esn {
#define _(n, v, name) GW_IKE_ESN_##n = v,
	foreach_gw_ike_esn
#undef _
};

/** Security protocol IDs (proposals, notify, delete). */
#define foreach_gw_ike_proto                                                  \
	_(IKE, 1)                                                              \
	_(AH, 2)                                                               \
	_(ESP, 3)

enum gw_ike_proto {
	GW_IKE_PROTO_NONE = 0,
#define _(n, v) GW_IKE_PROTO_##n = v,
	foreach_gw_ike_proto
#undef _
};

/** Identification types (RFC 7296 3.5, RFC 7619). */
#define foreach_gw_ike_id                                                     \
	_(IPV4_ADDR, 1)                                                        \
	_(FQDN, 2)                                                             \
	_(RFC822_ADDR, 3)                                                      \
	_(IPV6_ADDR, 5)                                                        \
	_(DER_ASN1_DN, 9)                                                      \
	_(DER_ASN1_GN, 10)                                                     \
	_(KEY_ID, 11)                                                          \
	_(NULL, 13)

enum gw_ike_id_type {
#define _(n, v) GW_IKE_ID_##n = v,
	foreach_gw_ike_id
#undef _
};

/** Authentication methods (RFC 7296 3.8, RFC 7427, RFC 7619). */
#define foreach_gw_ike_auth                                                   \
	_(RSA_SIG, 1)                                                          \
	_(PSK, 2)                                                              \
	_(DSS_SIG, 3)                                                          \
	_(ECDSA_256, 9)                                                        \
	_(ECDSA_384, 10)                                                       \
	_(ECDSA_521, 11)                                                       \
	_(NULL, 13)                                                            \
	_(DIGITAL_SIGNATURE, 14)

enum gw_ike_auth_method {
#define _(n, v) GW_IKE_AUTH_##n = v,
	foreach_gw_ike_auth
#undef _
};

/** Traffic selector types (RFC 7296 3.13.1). */
#define foreach_gw_ike_ts_type                                                \
	_(IPV4_ADDR_RANGE, 7)                                                  \
	_(IPV6_ADDR_RANGE, 8)

enum gw_ike_ts_type {
#define _(n, v) GW_IKE_TS_##n = v,
	foreach_gw_ike_ts_type
#undef _
};

/** Certificate encodings (RFC 7296 3.6), those in use today. */
#define foreach_gw_ike_cert                                                   \
	_(PKCS7_X509, 1)                                                       \
	_(X509_SIG, 4)                                                         \
	_(CRL, 7)                                                              \
	_(RAW_RSA_KEY, 11)                                                     \
	_(HASH_URL_X509, 12)                                                   \
	_(HASH_URL_BUNDLE, 13)

enum gw_ike_cert_encoding {
#define _(n, v) GW_IKE_CERT_##n = v,
	foreach_gw_ike_cert
#undef _
};

/** Configuration payload types (RFC 7296 3.15). */
#define foreach_gw_ike_cfg                                                    \
	_(REQUEST, 1)                                                          \
	_(REPLY, 2)                                                            \
	_(SET, 3)                                                              \
	_(ACK, 4)

enum gw_ike_cfg_type {
#define _(n, v) GW_IKE_CFG_##n = v,
	foreach_gw_ike_cfg
#undef _
};

/**
 * Codec (and proposal) results: _(enum suffix, description). 0 is success;
 * every other value is a reason a caller can count and log.
 */
#define foreach_gw_ike_err                                                    \
	_(OK, "success")                                                       \
	_(TRUNCATED, "message shorter than its header or a field needs")      \
	_(BAD_LENGTH, "length field inconsistent with its container")          \
	_(BAD_VERSION, "IKE major version is not 2")                           \
	_(TOO_MANY, "more payloads or substructures than supported")           \
	_(UNSUPPORTED_CRITICAL, "unknown payload with the critical bit set")   \
	_(INVALID_SYNTAX, "malformed payload")                                 \
	_(NO_SPACE, "output buffer too small")                                 \
	_(BAD_ARG, "invalid argument")                                         \
	_(BAD_PROPOSAL, "invalid proposal")                                    \
	_(WEAK_ALGORITHM, "weak algorithm refused")                            \
	_(NO_PROPOSAL_CHOSEN, "no acceptable proposal")

enum gw_ike_err_code {
#define _(n, d) GW_IKE_E_##n,
	foreach_gw_ike_err
#undef _
	GW_IKE_E_COUNT
};

/** Where and why a parse failed. */
struct gw_ike_err {
	int code;                  /**< enum gw_ike_err_code */
	uint32_t offset;           /**< of the offending field/substructure in the parsed buffer */
	uint8_t payload_type;      /**< payload being parsed; for UNSUPPORTED_CRITICAL the unknown type */
	const char *what;          /**< static detail, e.g. "transform length" */
};

/* ---------------------------------------------------------- parsed message */

struct gw_ike_hdr {
	uint64_t spi_i;            /**< the 8 SPI octets read big endian */
	uint64_t spi_r;
	uint8_t next_payload;
	uint8_t major;
	uint8_t minor;
	uint8_t exchange;          /**< enum gw_ike_exchange */
	uint8_t flags;             /**< GW_IKE_FLAG_*, as received */
	uint32_t msg_id;
	uint32_t length;
};

/** Opaque bytes inside the parsed buffer. */
struct gw_ike_blob {
	const uint8_t *data;
	uint16_t len;
};

struct gw_ike_transform {
	uint8_t type;              /**< enum gw_ike_xf_type */
	uint16_t id;
	uint16_t key_len;          /**< bits, from the Key Length attribute */
	bool has_key_len;
	bool unknown_attr;         /**< an attribute we do not know: refuse this transform */
};

/** A proposal substructure (RFC 7296 3.3.1). */
struct gw_ike_sa_prop {
	uint8_t num;               /**< proposal number */
	uint8_t protocol;          /**< enum gw_ike_proto */
	uint8_t spi_size;          /**< 0, 4 or 8 */
	uint8_t n_xf;
	uint8_t spi[GW_IKE_SPI_MAX];
	struct gw_ike_transform xf[GW_IKE_MAX_TRANSFORMS];
};

struct gw_ike_sa_pl {
	uint8_t n_prop;
	struct gw_ike_sa_prop prop[GW_IKE_MAX_PROPOSALS];
};

struct gw_ike_ke_pl {
	uint16_t group;            /**< enum gw_ike_dh */
	const uint8_t *data;
	uint16_t len;
};

struct gw_ike_id_pl {
	uint8_t type;              /**< enum gw_ike_id_type */
	const uint8_t *data;
	uint16_t len;
	/** Type, reserved and data: RestOfInitIDPayload of RFC 7296 2.15. */
	const uint8_t *body;
	uint16_t body_len;
};

struct gw_ike_auth_pl {
	uint8_t method;            /**< enum gw_ike_auth_method */
	const uint8_t *data;
	uint16_t len;
};

struct gw_ike_cert_pl {
	uint8_t encoding;          /**< enum gw_ike_cert_encoding */
	const uint8_t *data;
	uint16_t len;
};

struct gw_ike_notify_pl {
	uint8_t protocol;          /**< enum gw_ike_proto, 0 when not about an SA */
	uint8_t spi_size;
	uint16_t type;             /**< enum gw_ike_notify_type */
	const uint8_t *spi;
	const uint8_t *data;
	uint16_t len;
};

struct gw_ike_delete_pl {
	uint8_t protocol;
	uint8_t spi_size;          /**< 0 for IKE, 4 for ESP/AH */
	uint16_t n_spi;
	const uint8_t *spis;       /**< n_spi * spi_size octets */
};

/** A traffic selector; IPv4 addresses in the first 4 octets. */
struct gw_ike_ts {
	uint8_t type;              /**< enum gw_ike_ts_type */
	uint8_t ip_proto;          /**< 0 = any */
	uint16_t start_port;
	uint16_t end_port;
	uint8_t start[16];         /**< network order */
	uint8_t end[16];
};

struct gw_ike_ts_pl {
	uint8_t n;
	uint8_t n_skipped;         /**< selectors of unknown types, not stored */
	struct gw_ike_ts ts[GW_IKE_MAX_TS];
};

struct gw_ike_cp_attr {
	uint16_t type;             /**< R bit cleared */
	const uint8_t *value;
	uint16_t len;
};

struct gw_ike_cp_pl {
	uint8_t cfg_type;          /**< enum gw_ike_cfg_type */
	uint8_t n_attr;
	struct gw_ike_cp_attr attr[GW_IKE_MAX_CP_ATTRS];
};

/**
 * The Encrypted payload, as decryption needs it. Offsets are from the start
 * of the message. For AEAD ciphers (RFC 5282) the associated data is the
 * message from its start up to body_off (IKE header and SK/SKF header);
 * for the others the ICV covers the message up to its last ICV-length
 * octets. body = IV | ciphertext | ICV; the caller knows both lengths.
 */
struct gw_ike_sk_pl {
	uint8_t inner_np;          /**< type of the first inner payload */
	bool fragment;             /**< SKF (RFC 7383) rather than SK */
	uint16_t frag_num;         /**< SKF only, 1-based */
	uint16_t frag_total;
	uint32_t payload_off;      /**< generic header of the SK/SKF payload */
	uint32_t body_off;         /**< IV starts here; also the AEAD AAD length */
	uint32_t body_len;         /**< to the end of the message */
};

/** One payload of the chain, in message order. */
struct gw_ike_payload {
	uint8_t type;
	uint8_t idx;               /**< index in its per-type array (notify[], cert[], ...) */
	bool critical;
	bool known;                /**< false: an unknown, non-critical payload that was skipped */
	bool inner;                /**< from the decrypted chain: offset into the plaintext */
	uint32_t offset;           /**< generic header, in the buffer it was parsed from */
	uint16_t len;              /**< including the generic header */
};

/** A parsed message: pointers into the parsed buffer(s), valid while they are. */
struct gw_ike_msg {
	const uint8_t *buf;
	uint32_t len;
	struct gw_ike_hdr hdr;

	uint64_t present;          /**< bit (type - 32) for each payload type seen */
	uint16_t n_payloads;
	struct gw_ike_payload payloads[GW_IKE_MAX_PAYLOADS];

	struct gw_ike_sa_pl sa;
	struct gw_ike_ke_pl ke;
	struct gw_ike_id_pl idi;
	struct gw_ike_id_pl idr;
	struct gw_ike_auth_pl auth;
	struct gw_ike_blob nonce;
	struct gw_ike_ts_pl tsi;
	struct gw_ike_ts_pl tsr;
	struct gw_ike_cp_pl cp;
	struct gw_ike_blob eap;
	struct gw_ike_sk_pl sk;

	uint8_t n_notify;
	uint8_t n_delete;
	uint8_t n_vendor;
	uint8_t n_cert;
	uint8_t n_certreq;
	struct gw_ike_notify_pl notify[GW_IKE_MAX_NOTIFY];
	struct gw_ike_delete_pl del[GW_IKE_MAX_DELETE];
	struct gw_ike_blob vendor[GW_IKE_MAX_VENDOR];
	struct gw_ike_cert_pl cert[GW_IKE_MAX_CERT];
	struct gw_ike_cert_pl certreq[GW_IKE_MAX_CERTREQ];

	bool inner_parsed;
};

/**
 * Parses one IKEv2 message (the UDP payload, without the non-ESP marker).
 * @return 0, or a GW_IKE_E_* code also stored with its offset in @p err
 *   (which may be NULL). After a failure past the first 28 octets msg->hdr
 *   is filled, so a caller can answer INVALID_MAJOR_VERSION/INVALID_SYNTAX.
 */
int gw_ike_msg_parse(const uint8_t *buf, size_t len, struct gw_ike_msg *msg,
		     struct gw_ike_err *err);

/**
 * Parses the decrypted content of the SK payload into @p msg: the payload
 * chain only (padding and pad length already removed, see
 * gw_ike_sk_unpad()), first payload of type @p first_np (msg->sk.inner_np,
 * or fragment 1's for a reassembled message). Payload offsets then refer to
 * @p plain; SK/SKF inside are INVALID_SYNTAX; singleton payloads may not
 * repeat across the outer and inner chains.
 */
int gw_ike_msg_parse_inner(struct gw_ike_msg *msg, uint8_t first_np,
			   const uint8_t *plain, size_t len,
			   struct gw_ike_err *err);

/**
 * Length of the payload chain in a decrypted SK body: strips the trailing
 * pad length octet and the padding it counts.
 * @return 0, or GW_IKE_E_INVALID_SYNTAX when the pad length overruns.
 */
int gw_ike_sk_unpad(const uint8_t *plain, size_t len, size_t *chain_len);

/** True if the message has a payload of @p type (outer or parsed inner). */
static inline bool
gw_ike_msg_has(const struct gw_ike_msg *msg, uint8_t type)
{
	return type >= 32 && type < 96 && (msg->present >> (type - 32)) & 1;
}

/** First notify of @p type, or NULL. */
const struct gw_ike_notify_pl *gw_ike_msg_notify(const struct gw_ike_msg *msg,
						 uint16_t type);

/**
 * One-line summary as strongSwan logs it, e.g.
 * "IKE_SA_INIT request 0 [ SA KE No N(NAT_DETECTION_SOURCE_IP) ]".
 * @return snprintf's return.
 */
int gw_ike_msg_format(const struct gw_ike_msg *msg, char *buf, size_t size);

/* ------------------------------------------------------------------ writer */

/**
 * Appends payloads to a caller buffer. Each call sets the previous
 * payload's (or the header's) next-payload field; errors are sticky
 * (w->err), so a sequence of calls can be checked once at the end.
 *
 * Encrypted messages: gw_ike_wr_sk_begin() opens the SK payload and
 * reserves the IV; payloads appended after it form the inner chain (in
 * plaintext); gw_ike_wr_sk_end() adds padding, the pad length octet and
 * room for the ICV, fixes every length (header included, as the AAD/ICV
 * need) and returns the layout. The caller then writes the IV, encrypts
 * [plain_off, plain_off + plain_len) in place and writes the ICV. Nothing
 * may follow the SK payload.
 */
struct gw_ike_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;                /**< octets written so far */
	size_t np_off;             /**< next-payload octet the next payload sets */
	size_t sk_off;             /**< SK generic header while open */
	size_t plain_off;          /**< inner chain start while SK is open */
	uint8_t state;             /**< private: open, in SK, SK closed */
	int err;                   /**< sticky enum gw_ike_err_code */
};

/** Where the pieces of an SK payload are, from the start of the message. */
struct gw_ike_sk_layout {
	size_t sk_off;             /**< SK generic header */
	size_t aad_len;            /**< = iv_off: AAD for AEAD (RFC 5282 5.1) */
	size_t iv_off;
	size_t iv_len;
	size_t plain_off;          /**< inner payloads | padding | pad length */
	size_t plain_len;          /**< a multiple of the block size */
	size_t pad_len;            /**< padding octets, excluding the pad length octet */
	size_t icv_off;            /**< integrity covers [0, icv_off) */
	size_t icv_len;
	size_t msg_len;
};

/** Starts a message: writes the header (version 2.0; only I, V, R flags). */
void gw_ike_wr_init(struct gw_ike_writer *w, uint8_t *buf, size_t cap,
		    const struct gw_ike_hdr *hdr);

/** SA payload from proposal substructures (n_prop >= 1; numbers as given). */
int gw_ike_wr_sa(struct gw_ike_writer *w, const struct gw_ike_sa_pl *sa);
int gw_ike_wr_ke(struct gw_ike_writer *w, uint16_t group, const void *data,
		 size_t len);
/** Nonce of GW_IKE_NONCE_MIN..GW_IKE_NONCE_MAX octets. */
int gw_ike_wr_nonce(struct gw_ike_writer *w, const void *data, size_t len);
/** IDi or IDr (@p payload = GW_IKE_PL_IDI/IDR). */
int gw_ike_wr_id(struct gw_ike_writer *w, uint8_t payload, uint8_t id_type,
		 const void *data, size_t len);
int gw_ike_wr_auth(struct gw_ike_writer *w, uint8_t method, const void *data,
		   size_t len);
int gw_ike_wr_notify(struct gw_ike_writer *w, uint8_t protocol,
		     const void *spi, size_t spi_size, uint16_t type,
		     const void *data, size_t len);
/** Delete: @p spis holds n_spi SPIs of spi_size octets each (IKE: 0, 0). */
int gw_ike_wr_delete(struct gw_ike_writer *w, uint8_t protocol,
		     uint8_t spi_size, const void *spis, uint16_t n_spi);
/** TSi or TSr (@p payload = GW_IKE_PL_TSI/TSR), 1..GW_IKE_MAX_TS selectors. */
int gw_ike_wr_ts(struct gw_ike_writer *w, uint8_t payload,
		 const struct gw_ike_ts *ts, size_t n);
int gw_ike_wr_vendor(struct gw_ike_writer *w, const void *data, size_t len);
int gw_ike_wr_cert(struct gw_ike_writer *w, uint8_t encoding,
		   const void *data, size_t len);
int gw_ike_wr_certreq(struct gw_ike_writer *w, uint8_t encoding,
		      const void *data, size_t len);
int gw_ike_wr_cp(struct gw_ike_writer *w, uint8_t cfg_type,
		 const struct gw_ike_cp_attr *attr, size_t n);
int gw_ike_wr_eap(struct gw_ike_writer *w, const void *data, size_t len);
/** Any payload with its body as given (tests, extensions, unknown types). */
int gw_ike_wr_raw(struct gw_ike_writer *w, uint8_t type, bool critical,
		  const void *body, size_t len);

/** Opens the SK payload and reserves @p iv_len zeroed octets for the IV. */
int gw_ike_wr_sk_begin(struct gw_ike_writer *w, size_t iv_len);
/**
 * Closes the SK payload: pads the inner chain so that chain + padding +
 * pad length octet is a multiple of @p block_size (0/1: no padding),
 * reserves @p icv_len zeroed octets, fixes the SK and message lengths.
 */
int gw_ike_wr_sk_end(struct gw_ike_writer *w, size_t block_size,
		     size_t icv_len, struct gw_ike_sk_layout *layout);

/** Fixes the header length; @p len (may be NULL) gets the message length. */
int gw_ike_wr_finish(struct gw_ike_writer *w, size_t *len);

/* ------------------------------------------------------------------- names */

/** Names of IANA numbers; "UNKNOWN" for a number not in the tables. */
const char *gw_ike_exchange_name(uint8_t exchange);
const char *gw_ike_payload_name(uint8_t type);
const char *gw_ike_payload_short_name(uint8_t type);
const char *gw_ike_notify_name(uint16_t type);
const char *gw_ike_xf_type_name(uint8_t type);
/** Transform ID name within its type (ENCR "AES_GCM_16", DH "ECP_384"...). */
const char *gw_ike_xf_id_name(uint8_t type, uint16_t id);
const char *gw_ike_proto_name(uint8_t proto);
const char *gw_ike_id_type_name(uint8_t type);
const char *gw_ike_auth_method_name(uint8_t method);
const char *gw_ike_ts_type_name(uint8_t type);
const char *gw_ike_cert_encoding_name(uint8_t encoding);
const char *gw_ike_cfg_type_name(uint8_t type);
/** Enum name ("BAD_LENGTH") and description of a result code. */
const char *gw_ike_err_name(int code);
const char *gw_ike_err_str(int code);

/** True for combined-mode (AEAD) ciphers, which take no integrity transform. */
bool gw_ike_encr_is_aead(uint16_t id);
/** True if the cipher needs the Key Length attribute (AES modes). */
bool gw_ike_encr_has_key_len(uint16_t id);
/** PRF output length in octets, 0 if unknown. */
unsigned gw_ike_prf_len(uint16_t id);
/** Integrity key and ICV lengths in octets, 0 if unknown. */
unsigned gw_ike_integ_key_len(uint16_t id);
unsigned gw_ike_integ_icv_len(uint16_t id);
/** KE payload data length of a DH group, 0 if unknown. */
unsigned gw_ike_dh_ke_len(uint16_t group);

/**
 * The notify a responder answers a parse failure with (RFC 7296 2.21.2):
 * INVALID_MAJOR_VERSION, UNSUPPORTED_CRITICAL_PAYLOAD (with the type as
 * its one-octet data) or INVALID_SYNTAX.
 */
uint16_t gw_ike_err_notify(int code);

#endif /* GW_IKE_MSG_H */
