/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IKEv2 engine (RFC 7296), initiator and responder, pre-shared keys.
 *
 * The engine is I/O free: datagrams come in through gw_ikev2_input(), go
 * out through gw_ikev2_io.send(); negotiated CHILD SAs leave through
 * gw_ikev2_io.install_child()/delete_child() (the real installer posts to
 * the workers, the tests' mock records them); time only moves through
 * gw_ikev2_tick(). Exchanges are small tasks (ikev2_init.c, ikev2_auth.c,
 * ikev2_info.c, ikev2_create.c) whose initiator and responder halves are chosen by
 * assigning functions once. Control path only: no DPDK here.
 *
 * Done:
 *  - IKE_SA_INIT with proposal selection (preferring the initiator's KE
 *    group), INVALID_KE_PAYLOAD and the initiator's retry with the asked
 *    group (same SPIi, message ID 0, fresh KE and nonce),
 *    NO_PROPOSAL_CHOSEN (both proposal lists logged), NAT detection
 *    (RFC 7296 2.23) and the float to port 4500 (also forced by
 *    gw_ikev2_conn.force_encap); a responder answers errors statelessly;
 *    an initiator retries with a responder's COOKIE (2.6);
 *  - IKE_AUTH with PSK (2.15), exact ID matching (the responder may switch
 *    to another connection of the same addresses by IDi and the IDr hint),
 *    AUTHENTICATION_FAILED both ways (an initiator that rejects the
 *    responder tells it in an INFORMATIONAL, 2.21.2), INITIAL_CONTACT
 *    (stale IKE SAs of the same peer ID are deleted);
 *  - one CHILD SA (ESP, tunnel mode) with ESP proposal selection, TS
 *    narrowing (2.9, IPv4 and IPv6), TS_UNACCEPTABLE, keys from
 *    gw_ike_child_keys_derive() handed to install_child(); DH groups of
 *    the ESP proposals are left out of IKE_AUTH (used by rekeys only);
 *  - INFORMATIONAL: liveness (empty), Delete of ESP SPIs and of the IKE SA;
 *  - CREATE_CHILD_SA CHILD SA rekey (1.3.3, 2.8) both ways: N(REKEY_SA)
 *    with the old inbound SPI, new SPI, nonces, KE for PFS when the ESP
 *    proposal has a DH group (INVALID_KE answered and retried), TS
 *    renarrowed; make-before-break: install_child() of the new child,
 *    then the initiator's Delete of the old one (the responder drops its
 *    old child when that Delete arrives); gw_ikev2_rekey_child() or the
 *    soft lifetime (child_lifetime_s less up to 10% jitter), delete at
 *    110% (hard lifetime, locally at once, then a Delete to the peer);
 *  - CREATE_CHILD_SA IKE SA rekey (1.3.2, 2.18) both ways: new SPI, KE,
 *    nonces, keys from the old SK_d; the children move to the new IKE SA
 *    (initiator: at once, responder: when the old IKE SA's Delete comes),
 *    without touching the data plane; gw_ikev2_rekey_ike() or
 *    ike_lifetime_s (jittered, one try per IKE SA);
 *  - rekey collisions (2.8.1): simultaneous CHILD or IKE SA rekeys, the
 *    exchange holding the lowest nonce loses and its initiator deletes
 *    what it made; a rekey of a child or IKE SA that is being deleted or
 *    was replaced already is answered TEMPORARY_FAILURE (2.25), an unknown
 *    one CHILD_SA_NOT_FOUND; an IKE rekey while we have another request
 *    in flight is answered TEMPORARY_FAILURE;
 *  - DPD (dpd_delay_s, dpd_timeout_s, dpd_action): an empty INFORMATIONAL
 *    after dpd_delay_s without a message from the peer; no answer within
 *    dpd_timeout_s (or after the retransmits, also for any other request
 *    on a conn with DPD) gives "DPD: peer dead" and the action: clear
 *    (children deleted through delete_child, IKE SA dropped), restart
 *    (the same, then gw_ikev2_initiate() once), trap (as clear for now);
 *  - message IDs with a window of one, retransmission with exponential
 *    backoff driven by gw_ikev2_tick() and a "timeout" after the tries,
 *    duplicate requests answered from the cached response, responses with
 *    an unexpected ID ignored, half-open responder SAs expired.
 *
 * Not done yet: additional CHILD SAs through CREATE_CHILD_SA (answered
 * NO_ADDITIONAL_SAS; gw_ikev2_initiate() makes only the IKE_AUTH one),
 * byte lifetimes (child_lifetime_bytes: needs the data path's soft
 * signal), reauthentication, IKE SA hard lifetime, a second rekey try
 * after a failed CHILD or IKE SA rekey (a child then goes at its hard
 * lifetime), rekeys and DPD not yet run against strongSwan, children moved by an IKE rekey keep the old
 * gw_ikev2_child.ike_sa_id in the data plane (no io callback for the
 * move), DPD trap (needs gateway traps), DPD restart on a conn without a
 * remote address (acts as clear), sending
 * cookies (2.6) and other DoS limits on half-open SAs, certificates / signature AUTH /
 * EAP / NULL auth, configuration payloads (virtual IPs), transport mode
 * (USE_TRANSPORT_MODE), IPComp, MOBIKE, fragmentation (RFC 7383), redirect,
 * answers to unknown SPIs (INVALID_IKE_SPI) and to malformed messages
 * (INVALID_SYNTAX, UNSUPPORTED_CRITICAL_PAYLOAD): those are dropped and
 * logged, protocol/port traffic selectors in gw_ikev2_ts_parse() (the
 * narrowing handles them), simultaneous-initiation handling (both sides
 * initiating give two IKE SAs), IKE_SA_INIT retransmit detection beyond
 * SPIi + peer address, message ID sync (RFC 6311).
 */
#ifndef GW_IKEV2_H
#define GW_IKEV2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw_addr.h"
#include "gw_ike_keymat.h"
#include "gw_ike_msg.h"
#include "gw_ike_proposal.h"

enum {
	GW_IKEV2_PORT = 500,
	GW_IKEV2_NATT_PORT = 4500,
	GW_IKEV2_ID_MAX = 255,
	GW_IKEV2_PSK_MAX = 128,
	GW_IKEV2_TS_MAX = 8,
	GW_IKEV2_NAME_MAX = 64,
	GW_IKEV2_MSG_MAX = 8192,       /**< largest datagram we build or accept */
	GW_IKEV2_RETRANSMIT_BASE_MS = 4000, /**< strongSwan's retransmit_timeout */
	GW_IKEV2_RETRANSMIT_TRIES = 5,
};

/** An IPv4/IPv6 address and a UDP port. */
struct gw_ikev2_endpoint {
	struct gw_addr addr;
	uint16_t port;
};

/** An identity (RFC 7296 3.5); compared exactly (type and octets). */
struct gw_ikev2_id {
	uint8_t type;              /**< enum gw_ike_id_type */
	uint8_t len;
	uint8_t data[GW_IKEV2_ID_MAX];
};

/**
 * Parses an identity as strongSwan writes it: an IPv4/IPv6 literal, "@fqdn"
 * or a bare name (FQDN), "user@host" (RFC822), "keyid:hex" or "fqdn:",
 * "email:", "ipv4:", "ipv6:" prefixes. Returns 0 or -1.
 */
int gw_ikev2_id_parse(const char *s, struct gw_ikev2_id *id);
/** Text form ("gw.example", "192.0.2.1", "keyid:0a0b"); returns buf. */
const char *gw_ikev2_id_format(const struct gw_ikev2_id *id, char *buf,
			       size_t len);

/**
 * A traffic selector from "10.0.0.0/8", "10.0.0.1-10.0.0.9" or a host
 * address, any protocol and port. Returns 0 or -1.
 */
int gw_ikev2_ts_parse(const char *s, struct gw_ike_ts *ts);
/** "10.0.0.0/8" when the range is a prefix, else "a-b"; returns buf. */
const char *gw_ikev2_ts_format(const struct gw_ike_ts *ts, char *buf,
			       size_t len);

/** One connection: what to propose, whom to accept. */
struct gw_ikev2_conn {
	char name[GW_IKEV2_NAME_MAX];
	struct gw_ikev2_endpoint local;  /**< port 0 = 500; family NONE: any (responder) */
	struct gw_ikev2_endpoint remote; /**< family NONE: any peer (responder only) */
	struct gw_ike_proposal proposals[GW_IKE_PROP_MAX]; /**< IKE, preferred first */
	size_t n_proposals;
	struct gw_ike_proposal esp_proposals[GW_IKE_PROP_MAX];
	size_t n_esp_proposals;
	struct gw_ikev2_id local_id;
	struct gw_ikev2_id remote_id;
	bool send_remote_id;       /**< send IDr in IKE_AUTH as a hint */
	uint8_t psk[GW_IKEV2_PSK_MAX];
	size_t psk_len;
	struct gw_ike_ts local_ts[GW_IKEV2_TS_MAX];
	size_t n_local_ts;
	struct gw_ike_ts remote_ts[GW_IKEV2_TS_MAX];
	size_t n_remote_ts;
	bool tunnel;               /**< only tunnel mode is implemented */
	bool allow_weak;           /**< weak DH groups (gw_ike_ke_check) */
	bool force_encap;          /**< float to 4500 even without NAT */
	uint32_t retransmit_base_ms;   /**< 0: GW_IKEV2_RETRANSMIT_BASE_MS */
	uint32_t retransmit_tries;     /**< 0: GW_IKEV2_RETRANSMIT_TRIES */
	/** IKE SA rekey time (less up to 10% at random); 0: never. */
	uint32_t ike_lifetime_s;
	/** CHILD SA rekey time (less up to 10%), deleted at 110%; 0: never. */
	uint32_t child_lifetime_s;
	uint64_t child_lifetime_bytes; /**< not acted on yet */
	/** DPD (RFC 7296 2.4): an empty INFORMATIONAL after this long without
	 *  a message from the peer; 0: off. */
	uint32_t dpd_delay_s;
	/** No answer within this (or after the retransmits when 0): dead. */
	uint32_t dpd_timeout_s;
	uint8_t dpd_action;        /**< GW_IKEV2_DPD_* */
};

/** What to do with a dead peer's SAs: all delete them locally. */
#define GW_IKEV2_DPD_CLEAR   0
#define GW_IKEV2_DPD_RESTART 1 /**< then initiate the connection again */
#define GW_IKEV2_DPD_TRAP    2 /**< as clear until the gateway installs traps */

/** What install_child gets: one ESP SA pair, keys per direction. */
struct gw_ikev2_child {
	const char *conn;          /**< connection name */
	uint32_t ike_sa_id;        /**< the owning IKE SA (gw_ikev2_ike_sa_info.id) */
	uint32_t spi_in;           /**< host order: we receive with it */
	uint32_t spi_out;
	uint16_t encr;             /**< ESP ENCR transform ID (GW_IKE_ENCR_*) */
	uint16_t encr_key_bits;
	uint16_t integ;            /**< GW_IKE_INTEG_NONE with AEAD */
	bool esn;
	bool tunnel;
	bool encap;                /**< UDP encapsulation (NAT or port 4500 in use) */
	struct gw_ike_esp_keys in; /**< keys and salt of the inbound SA */
	struct gw_ike_esp_keys out;
	struct gw_ike_ts local_ts[GW_IKEV2_TS_MAX]; /**< narrowed */
	size_t n_local_ts;
	struct gw_ike_ts remote_ts[GW_IKEV2_TS_MAX];
	size_t n_remote_ts;
	struct gw_ikev2_endpoint local;
	struct gw_ikev2_endpoint remote;
};

enum gw_ikev2_level {
	GW_IKEV2_DEBUG,
	GW_IKEV2_INFO,
	GW_IKEV2_ERROR,
};

/** The engine's way out. ctx is gw_ikev2_engine_new()'s. */
struct gw_ikev2_io {
	void (*send)(void *ctx, const struct gw_ikev2_endpoint *from,
		     const struct gw_ikev2_endpoint *to, const uint8_t *buf,
		     size_t len);
	/** 0 on success; a failure leaves the IKE SA up without the child. */
	int (*install_child)(void *ctx, const struct gw_ikev2_child *c);
	void (*delete_child)(void *ctx, uint32_t spi_in, uint32_t spi_out);
	/** Logs and events ("[conn] established ..."); never carries keys. */
	void (*event)(void *ctx, enum gw_ikev2_level level, const char *text);
};

struct gw_ikev2_engine;

/** Copies @p conns. Returns NULL on allocation failure or bad input. */
struct gw_ikev2_engine *gw_ikev2_engine_new(const struct gw_ikev2_io *io,
					    void *ctx,
					    const struct gw_ikev2_conn *conns,
					    size_t n_conns);
/** Deletes every child through io (no messages sent), wipes keys, frees. */
void gw_ikev2_engine_free(struct gw_ikev2_engine *e);

/**
 * A received UDP datagram, the non-ESP marker already stripped on 4500.
 * @p from is the peer, @p to our address and port it arrived on.
 */
void gw_ikev2_input(struct gw_ikev2_engine *e,
		    const struct gw_ikev2_endpoint *from,
		    const struct gw_ikev2_endpoint *to, const uint8_t *buf,
		    size_t len);

/**
 * Starts IKE_SA_INIT + IKE_AUTH for a connection (its local and remote
 * addresses must be set). 0, -ENOENT, -EINVAL, -EALREADY (an IKE SA of
 * that connection is up or coming up), -ENOMEM, -EIO.
 */
int gw_ikev2_initiate(struct gw_ikev2_engine *e, const char *conn);

/** Deletes the IKE SAs of a connection (INFORMATIONAL Delete). 0 or -ENOENT. */
int gw_ikev2_terminate(struct gw_ikev2_engine *e, const char *conn);

/** Deletes the CHILD SAs (ESP Delete), keeping the IKE SA. 0 or -ENOENT. */
int gw_ikev2_terminate_child(struct gw_ikev2_engine *e, const char *conn);

/**
 * Rekeys every CHILD SA of a connection (CREATE_CHILD_SA with REKEY_SA,
 * PFS when the ESP proposal has a DH group): the new one is installed
 * before the old one is deleted. 0 or -ENOENT (no child to rekey).
 */
int gw_ikev2_rekey_child(struct gw_ikev2_engine *e, const char *conn);

/**
 * Rekeys the IKE SA of a connection (CREATE_CHILD_SA, RFC 7296 2.18); its
 * children move to the new IKE SA. 0 or -ENOENT.
 */
int gw_ikev2_rekey_ike(struct gw_ikev2_engine *e, const char *conn);

/** Sends an empty INFORMATIONAL (liveness check). 0 or -ENOENT. */
int gw_ikev2_ping(struct gw_ikev2_engine *e, const char *conn);

/**
 * Advances time: retransmits, gives up after the tries ("timeout"),
 * lifetimes (rekeys, hard expiry) and DPD.
 */
void gw_ikev2_tick(struct gw_ikev2_engine *e, uint64_t now_ms);

/* -------------------------------------------------------------- listing */

enum gw_ikev2_state {
	GW_IKEV2_STATE_CREATED,
	GW_IKEV2_STATE_CONNECTING,
	GW_IKEV2_STATE_ESTABLISHED,
	GW_IKEV2_STATE_DELETING,
	GW_IKEV2_STATE_DEAD,
};

const char *gw_ikev2_state_name(enum gw_ikev2_state s);

struct gw_ikev2_ike_sa_info {
	uint32_t id;
	char conn[GW_IKEV2_NAME_MAX];
	enum gw_ikev2_state state;
	bool initiator;
	bool nat;                  /**< a NAT was detected */
	struct gw_ikev2_endpoint local;
	struct gw_ikev2_endpoint remote;
	char local_id[GW_IKEV2_ID_MAX + 16];
	char remote_id[GW_IKEV2_ID_MAX + 16];
	uint64_t spi_i;
	uint64_t spi_r;
	char proposal[128];        /**< strongSwan syntax: "aes256gcm16-prfsha384-ecp384" */
	unsigned n_children;
};

struct gw_ikev2_child_sa_info {
	uint32_t ike_sa_id;
	char conn[GW_IKEV2_NAME_MAX];
	uint32_t spi_in;
	uint32_t spi_out;
	bool encap;
	char proposal[128];        /**< "aes256gcm16-noesn" */
	char local_ts[160];
	char remote_ts[160];
};

/** Fills up to @p max entries; returns how many IKE SAs there are. */
size_t gw_ikev2_list_ike_sas(const struct gw_ikev2_engine *e,
			     struct gw_ikev2_ike_sa_info *out, size_t max);
size_t gw_ikev2_list_child_sas(const struct gw_ikev2_engine *e,
			       struct gw_ikev2_child_sa_info *out, size_t max);

/** One line per object for `show ike-sa` / `show child-sa`; snprintf's return. */
int gw_ikev2_ike_sa_format(const struct gw_ikev2_ike_sa_info *i, char *buf,
			   size_t len);
int gw_ikev2_child_sa_format(const struct gw_ikev2_child_sa_info *c, char *buf,
			     size_t len);

#endif /* GW_IKEV2_H */
