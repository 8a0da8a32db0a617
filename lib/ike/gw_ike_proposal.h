/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IKE and ESP proposals: strongSwan's proposal strings
 * ("aes256gcm16-prfsha384-ecp384", "aes128-sha256-modp2048",
 * "aes256gcm16-ecp384-esn"), conversion to and from the codec's SA
 * payload, proposal selection (RFC 7296 2.7, 3.3.6) and formatting back
 * to strongSwan syntax for logs and `show ike-sa`.
 *
 * A proposal holds, for each transform type, an ordered list of
 * algorithms (most preferred first). Parsing follows strongSwan:
 *  - integrity keywords (sha256...) also give the PRF of an IKE proposal
 *    that names no prfXXX;
 *  - an ESP proposal gets "noesn" when it names neither esn nor noesn;
 *  - a DH group in an ESP proposal is the PFS group.
 * Validation: AEAD and integrity together, AEAD and non-AEAD ciphers
 * together, an IKE proposal without integrity (non-AEAD), PRF or DH group,
 * PRF or ESN in the wrong protocol are errors. Weak algorithms (des, 3des,
 * md5, sha1 integrity and PRF, modp768/1024/1536, ESP without integrity)
 * are refused unless GW_IKE_PROP_ALLOW_WEAK is passed; then the proposal
 * is accepted and flagged weak.
 */
#ifndef GW_IKE_PROPOSAL_H
#define GW_IKE_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw_ike_msg.h"

enum {
	GW_IKE_PROP_MAX_ALGS = 8,  /**< algorithms of one type in a proposal */
	GW_IKE_PROP_MAX = GW_IKE_MAX_PROPOSALS, /**< proposals in a list */
	GW_IKE_PROP_ERR_MAX = 256, /**< enough for any parse error text */
};

/** Flags of gw_ike_proposal_parse(). */
#define GW_IKE_PROP_ALLOW_WEAK 0x1u

/** One algorithm: a transform ID and, for AES modes, the key length in bits. */
struct gw_ike_alg {
	uint16_t id;
	uint16_t key_len;          /**< 0: no Key Length attribute */
};

struct gw_ike_proposal {
	uint8_t protocol;          /**< GW_IKE_PROTO_IKE or GW_IKE_PROTO_ESP */
	bool weak;                 /**< holds a weak algorithm (allowed by flag) */
	uint8_t n[GW_IKE_XF_TYPE_MAX + 1]; /**< per transform type (1..5) */
	struct gw_ike_alg alg[GW_IKE_XF_TYPE_MAX + 1][GW_IKE_PROP_MAX_ALGS];
};

/**
 * Parses one proposal ("aes128-sha256-modp2048"; keywords are
 * case-insensitive, duplicates ignored) for @p protocol (IKE or ESP).
 * @return 0, GW_IKE_E_BAD_PROPOSAL or GW_IKE_E_WEAK_ALGORITHM with a
 *   message in @p errbuf (may be NULL).
 */
int gw_ike_proposal_parse(const char *str, uint8_t protocol, unsigned flags,
			  struct gw_ike_proposal *p, char *errbuf, size_t errlen);

/** Parses a comma-separated list of proposals, most preferred first. */
int gw_ike_proposal_list_parse(const char *str, uint8_t protocol,
			       unsigned flags, struct gw_ike_proposal *list,
			       size_t max, size_t *n, char *errbuf,
			       size_t errlen);

/**
 * strongSwan syntax, types in the order encryption, integrity, PRF, DH,
 * ESN ("aes128-sha256-prfsha256-modp2048"); parsing it gives the same
 * proposal back. NONE transforms (of a selection) are left out.
 * @return snprintf's return.
 */
int gw_ike_proposal_format(const struct gw_ike_proposal *p, char *buf,
			   size_t size);
/** Comma-separated list. */
int gw_ike_proposal_list_format(const struct gw_ike_proposal *list, size_t n,
				char *buf, size_t size);

/** True if a transform is one refused without GW_IKE_PROP_ALLOW_WEAK. */
bool gw_ike_alg_is_weak(uint8_t type, uint16_t id);

/**
 * A proposal substructure for an SA payload: proposal number @p num, the
 * given SPI (IKE_SA_INIT: none; IKE rekey: 8 octets; ESP: 4), transforms
 * in type order (ENCR, PRF, INTEG, DH, ESN).
 * @return 0, GW_IKE_E_BAD_ARG or GW_IKE_E_TOO_MANY.
 */
int gw_ike_proposal_to_sa(const struct gw_ike_proposal *p, uint8_t num,
			  const void *spi, uint8_t spi_size,
			  struct gw_ike_sa_prop *out);

/** An SA payload offering the list, numbered 1..n, all with the same SPI. */
int gw_ike_proposal_list_to_sa(const struct gw_ike_proposal *list, size_t n,
			       const void *spi, uint8_t spi_size,
			       struct gw_ike_sa_pl *out);

/**
 * A received proposal substructure as a proposal (e.g. to show or store a
 * peer's choice). Fails with GW_IKE_E_BAD_PROPOSAL (text in @p errbuf) on
 * an unknown transform type, unknown attributes or too many algorithms;
 * algorithm IDs are not checked. weak is set from gw_ike_alg_is_weak().
 */
int gw_ike_proposal_from_sa(const struct gw_ike_sa_prop *in,
			    struct gw_ike_proposal *p, char *errbuf,
			    size_t errlen);

/**
 * A received proposal substructure in strongSwan syntax, prefixed by its
 * protocol ("IKE:aes128-sha256-prfsha256-modp2048"); transforms without a
 * keyword show as TYPE_NAME[_keylen] or TYPE_number.
 */
int gw_ike_sa_prop_format(const struct gw_ike_sa_prop *in, char *buf,
			  size_t size);

/** The outcome of a selection: what to answer and what was agreed. */
struct gw_ike_selection {
	uint8_t prop_num;          /**< the peer's proposal number, echoed in the reply */
	uint8_t peer_index;        /**< index in the received SA payload */
	uint8_t local_index;       /**< which local proposal accepted it */
	uint8_t spi_size;          /**< the peer's SPI */
	uint8_t spi[GW_IKE_SPI_MAX];
	/**
	 * One algorithm per type the reply carries: the types the peer
	 * offered, an explicit NONE (id 0 for INTEG/DH) kept when the peer
	 * offered it. gw_ike_proposal_to_sa(&chosen, prop_num, own SPI...)
	 * gives the reply's proposal.
	 */
	struct gw_ike_proposal chosen;
};

/**
 * Responder's choice (RFC 7296 2.7): the first of the peer's proposals,
 * in the peer's order, that one of @p local accepts completely, taking for
 * each transform type the peer's first algorithm that the local proposal
 * lists. A type the local proposal lists must be offered (so an ESP
 * proposal without ESN, or one refusing PFS when we want it, fails); a
 * type the local proposal leaves empty accepts only NONE or absence
 * (INTEG with AEAD, DH without PFS); proposals of another
 * protocol, with an unknown transform type or, for ESP, an SPI size other
 * than 4 are skipped, as are transforms with unknown attributes.
 * @param ke_group  DH group of the peer's KE payload, preferred when
 *   acceptable so that no INVALID_KE_PAYLOAD round is needed; 0: none.
 * @return 0, or GW_IKE_E_NO_PROPOSAL_CHOSEN with both lists described in
 *   @p why (may be NULL) for the log.
 */
int gw_ike_proposal_select(const struct gw_ike_proposal *local, size_t n_local,
			   const struct gw_ike_sa_pl *received,
			   uint16_t ke_group, struct gw_ike_selection *sel,
			   char *why, size_t why_len);

/**
 * Initiator's check of the responder's SA payload: exactly one proposal,
 * its number that of one we sent (local[num - 1], as
 * gw_ike_proposal_list_to_sa() numbers them), exactly one transform of
 * each type we offered and only algorithms we offered in it.
 * @return 0 with @p sel filled, or GW_IKE_E_NO_PROPOSAL_CHOSEN /
 *   GW_IKE_E_INVALID_SYNTAX with the reason in @p why.
 */
int gw_ike_proposal_check_reply(const struct gw_ike_proposal *local,
				size_t n_local,
				const struct gw_ike_sa_pl *reply,
				struct gw_ike_selection *sel, char *why,
				size_t why_len);

#endif /* GW_IKE_PROPOSAL_H */
