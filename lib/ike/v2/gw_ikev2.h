/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IKEv2 engine (RFC 7296), initiator and responder, pre-shared keys and
 * X.509 certificates.
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
 *  - certificate authentication per side (local_auth / remote_auth, so
 *    PSK one way and certificates the other works): CERT (X.509
 *    Signature) with our chain, CERTREQ with the SHA-1 of our CAs' keys
 *    (responder in IKE_SA_INIT, initiator in IKE_AUTH),
 *    SIGNATURE_HASH_ALGORITHMS (RFC 7427 4, SHA-256/384/512); we sign
 *    with Digital Signature (14) when the peer announced it, else RSA (1,
 *    SHA-1) or ECDSA 9/10/11 (RFC 4754); we verify all of them (and
 *    RSASSA-PSS); the peer's chain is checked against the conn's trusted
 *    certificates, its ID must be its subject DN or a subjectAltName;
 *    DN identities (text "C=CH, O=.., CN=.." <-> DER, compared as names),
 *    our ID defaults to our certificate's subject; each failure is
 *    AUTHENTICATION_FAILED with the cause logged;
 *  - CHILD SAs (ESP, tunnel mode) from a connection's templates
 *    (gw_ikev2_child_cfg): the IKE_AUTH one, then further ones by
 *    CREATE_CHILD_SA (1.3.1) both ways, with ESP proposal selection, TS
 *    narrowing (2.9, IPv4 and IPv6), TS_UNACCEPTABLE, PFS (KE,
 *    INVALID_KE answered and retried), keys from
 *    gw_ike_child_keys_derive() handed to install_child() with the
 *    template's name; a responder picks the template by the initiator's
 *    selectors (one holding them whole first); gw_ikev2_initiate() brings
 *    up every start template, gw_ikev2_initiate_child() one (traps); DH
 *    groups of the ESP proposals are left out of IKE_AUTH;
 *  - INFORMATIONAL: liveness (empty), Delete of ESP SPIs and of the IKE SA;
 *  - CREATE_CHILD_SA CHILD SA rekey (1.3.3, 2.8) both ways: N(REKEY_SA)
 *    with the old inbound SPI, new SPI, nonces, KE for PFS when the ESP
 *    proposal has a DH group (INVALID_KE answered and retried), TS
 *    renarrowed; make-before-break: install_child() of the new child,
 *    then the initiator's Delete of the old one (the responder drops its
 *    old child when that Delete arrives); gw_ikev2_rekey_child() or the
 *    soft lifetime (lifetime_s less up to 10% jitter, or 85-90% of
 *    lifetime_bytes / lifetime_packets as told by gw_ikev2_child_usage()
 *    or gw_ikev2_poll_usage()), delete at 110% of the time or 100% of the
 *    volume (hard lifetime, locally at once, then a Delete to the peer);
 *  - CREATE_CHILD_SA IKE SA rekey (1.3.2, 2.18) both ways: new SPI, KE,
 *    nonces, keys from the old SK_d; the children move to the new IKE SA
 *    (initiator: at once, responder: when the old IKE SA's Delete comes),
 *    without touching the data plane; gw_ikev2_rekey_ike() or
 *    ike_lifetime_s (jittered, one try per IKE SA);
 *  - a failed CHILD or IKE SA rekey (an error notify such as
 *    TEMPORARY_FAILURE, 2.25) is tried again after a random 10-30 s (a
 *    child only while that is before its hard lifetime);
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
 *    (the same, then gw_ikev2_initiate() once), trap (as clear: the
 *    gateway's trap policies bring the child back on traffic);
 *  - NAT keepalives (RFC 3948 4): behind a NAT, a single 0xFF through
 *    io.send after keepalive_s without sending (IKE only; ESP is not seen);
 *  - SA events (io.sa_event: established, rekeyed, deleted, expired, DPD
 *    dead, failed with the last error as cause) for an events log;
 *  - message IDs with a window of one, retransmission with exponential
 *    backoff driven by gw_ikev2_tick() and a "timeout" after the tries,
 *    duplicate requests answered from the cached response, responses with
 *    an unexpected ID ignored, half-open responder SAs expired;
 *  - cookies (2.6) above a number of half-open SAs and a cap on them
 *    (gw_ikev2_set_limits()); IKE SAs found by SPI in O(1) (hash tables
 *    that grow), counters (gw_ikev2_get_stats()).
 *
 * Not done yet: life_time / rand_time of a template (fixed at 110% and
 * 10%), more than IKEV2_MAX_CHILDREN (8) CHILD SAs per IKE SA (answered
 * NO_ADDITIONAL_SAS), a retry of a start child that failed,
 * reauthentication, children moved by an IKE rekey keep the old
 * gw_ikev2_child.ike_sa_id in the data plane (no io callback for the
 * move), DPD restart on a conn without a
 * remote address (acts as clear), CRLs / OCSP, certificates by hash and
 * URL, raw public keys, IKE fragmentation for large CERTs, Ed25519 /
 * Ed448 (hash "identity"), EAP / NULL auth, configuration payloads (virtual IPs), transport mode
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
	GW_IKEV2_CHILD_CFG_MAX = 16,   /**< CHILD SA templates per connection */
	GW_IKEV2_KEEPALIVE_S = 20,     /**< NAT keepalive interval (RFC 3948 4) */
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
 * or a bare name (FQDN), "user@host" (RFC822), a distinguished name
 * ("C=CH, O=strongSwan, CN=moon.strongswan.org" or "asn1dn:#<hex DER>",
 * sent as DER_ASN1_DN), "keyid:hex" or "fqdn:", "email:", "ipv4:",
 * "ipv6:" prefixes. Returns 0 or -1.
 */
int gw_ikev2_id_parse(const char *s, struct gw_ikev2_id *id);
/** Text form ("gw.example", "192.0.2.1", "C=CH, CN=moon", "keyid:0a0b"); returns buf. */
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

/** What to do with a CHILD SA template when the connection loads. */
#define GW_IKEV2_START_NONE  0 /**< responder only (or started by hand) */
#define GW_IKEV2_START_START 1 /**< negotiated by gw_ikev2_initiate() */
#define GW_IKEV2_START_TRAP  2 /**< by gw_ikev2_initiate_child() on a trap */

/**
 * A CHILD SA template of a connection (swanctl's children.<name>): its
 * ESP proposals (a DH group in them means PFS for CREATE_CHILD_SA), its
 * selectors and lifetimes. A responder picks the template whose selectors
 * the initiator's TSi/TSr fit (an exact fit first, then any overlap).
 */
struct gw_ikev2_child_cfg {
	char name[GW_IKEV2_NAME_MAX];
	struct gw_ike_proposal esp_proposals[GW_IKE_PROP_MAX];
	size_t n_esp_proposals;
	struct gw_ike_ts local_ts[GW_IKEV2_TS_MAX];
	size_t n_local_ts;
	struct gw_ike_ts remote_ts[GW_IKEV2_TS_MAX];
	size_t n_remote_ts;
	/** Rekey time (less up to 10% at random), deleted at 110%; 0: never. */
	uint32_t lifetime_s;
	/** Hard volume limits (gw_ikev2_child_usage()): deleted at them,
	 *  rekeyed at 85-90% (jittered per CHILD SA); 0: none. */
	uint64_t lifetime_bytes;
	uint64_t lifetime_packets;
	uint8_t start_action;      /**< GW_IKEV2_START_* */
};

struct gw_ike_cred;
struct gw_ike_cas;

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
	/** How we authenticate to the peer: GW_IKEV2_AUTH_PSK or _PUBKEY. */
	uint8_t local_auth;
	/** How the peer must authenticate; each side is checked on its own
	 *  (mixed PSK / certificate works). */
	uint8_t remote_auth;
	/**
	 * local_auth PUBKEY: our certificate chain and private key
	 * (gw_ike_cred_load()); without local_id, IDs are sent as the
	 * certificate's subject DN. remote_auth PUBKEY: the certificates we
	 * trust for the peer's chain (gw_ike_cas_load()). Both are made by
	 * the caller, shared by the engine's copy of the conn and freed by
	 * the caller after gw_ikev2_engine_free().
	 */
	const struct gw_ike_cred *cred;
	const struct gw_ike_cas *cas;
	/** Don't announce RFC 7427 (SIGNATURE_HASH_ALGORITHMS): the peer then
	 *  signs with the classic methods (RSA 1, ECDSA 9/10/11). */
	bool sig_classic;
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
	/** IKE SA hard lifetime (swanctl rekey_time + over_time): an IKE SA
	 *  that could not be rekeyed by then is deleted with its children;
	 *  0: never. */
	uint32_t ike_hard_lifetime_s;
	/** CHILD SA rekey time (less up to 10%), deleted at 110%; 0: never. */
	uint32_t child_lifetime_s;
	uint64_t child_lifetime_bytes; /**< not acted on yet */
	/** DPD (RFC 7296 2.4): an empty INFORMATIONAL after this long without
	 *  a message from the peer; 0: off. */
	uint32_t dpd_delay_s;
	/** No answer within this (or after the retransmits when 0): dead. */
	uint32_t dpd_timeout_s;
	uint8_t dpd_action;        /**< GW_IKEV2_DPD_* */
	/**
	 * Attempts to set up an IKE SA we initiate (swanctl's keyingtries):
	 * 0 and 1 mean one; after a failed attempt (no answer, an error
	 * notify, authentication) the next starts after a backoff of 2, 4,
	 * ... 60 s. GW_IKEV2_KEYINGTRIES_FOREVER never gives up. Applies to
	 * every initiation: on load, by command, by a trap, DPD restart.
	 */
	uint32_t keyingtries;
	/**
	 * CHILD SA templates (copied by gw_ikev2_engine_new()). With
	 * n_children 0, esp_proposals, local_ts, remote_ts and
	 * child_lifetime_* above form the only template, named as the
	 * connection (the form before templates existed).
	 */
	const struct gw_ikev2_child_cfg *children;
	size_t n_children;
	/** NAT keepalive interval when we are behind a NAT; 0: GW_IKEV2_KEEPALIVE_S. */
	uint32_t keepalive_s;
};

#define GW_IKEV2_KEYINGTRIES_FOREVER UINT32_MAX

/** What to do with a dead peer's SAs: all delete them locally. */
#define GW_IKEV2_DPD_CLEAR   0
#define GW_IKEV2_DPD_RESTART 1 /**< then initiate the connection again */
#define GW_IKEV2_DPD_TRAP    2 /**< as clear: the gateway's trap policies stay */

/** gw_ikev2_conn.local_auth / remote_auth. */
#define GW_IKEV2_AUTH_PSK    0
#define GW_IKEV2_AUTH_PUBKEY 1 /**< X.509 certificate, signature AUTH */

/** What install_child gets: one ESP SA pair, keys per direction. */
struct gw_ikev2_child {
	const char *conn;          /**< connection name */
	const char *child;         /**< its template's name */
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

/** What gw_ikev2_io.sa_event reports (the gateway's events log). */
enum gw_ikev2_event_type {
	GW_IKEV2_EV_IKE_UP,        /**< IKE SA established (IKE_AUTH done) */
	GW_IKEV2_EV_IKE_REKEYED,   /**< replaced by a new IKE SA (ike_sa_id: new) */
	GW_IKEV2_EV_IKE_DOWN,      /**< established IKE SA deleted */
	GW_IKEV2_EV_CHILD_UP,      /**< CHILD SA installed */
	GW_IKEV2_EV_CHILD_REKEYED, /**< new CHILD SA installed replacing old_spi_in */
	GW_IKEV2_EV_CHILD_DOWN,    /**< CHILD SA deleted (not a rekeyed one) */
	GW_IKEV2_EV_CHILD_EXPIRED, /**< deleted at a hard time or volume limit */
	GW_IKEV2_EV_DPD_DEAD,      /**< peer dead, DPD action taken */
	GW_IKEV2_EV_FAILED,        /**< IKE SA or CHILD SA negotiation failed */
	GW_IKEV2_EV_MAX
};

/** "ike-up", "child-rekeyed", ... */
const char *gw_ikev2_event_name(enum gw_ikev2_event_type t);

struct gw_ikev2_sa_event {
	enum gw_ikev2_event_type type;
	const char *conn;
	const char *child;         /**< template name; NULL for IKE SA events */
	uint32_t ike_sa_id;
	uint32_t spi_in;           /**< CHILD SA events: host order */
	uint32_t spi_out;
	uint32_t old_spi_in;       /**< CHILD_REKEYED: the replaced child; IKE_REKEYED:
				    *   the old IKE SA's id */
	const char *cause;         /**< FAILED, DPD_DEAD, EXPIRED: why; else NULL */
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
	/** Optional: SA state changes, structured (never carries keys). */
	void (*sa_event)(void *ctx, const struct gw_ikev2_sa_event *ev);
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
 * Rekeys every CHILD SA of a connection, or those of one CHILD SA
 * template when @p conn names a template instead (CREATE_CHILD_SA with
 * REKEY_SA, PFS when the ESP proposal has a DH group): the new one is
 * installed before the old one is deleted. 0 or -ENOENT (no child to rekey).
 */
int gw_ikev2_rekey_child(struct gw_ikev2_engine *e, const char *conn);

/**
 * Rekeys the IKE SA of a connection (CREATE_CHILD_SA, RFC 7296 2.18); its
 * children move to the new IKE SA. 0 or -ENOENT.
 */
int gw_ikev2_rekey_ike(struct gw_ikev2_engine *e, const char *conn);

/**
 * Brings up CHILD SA template @p child (NULL: the first one) of a
 * connection: CREATE_CHILD_SA (RFC 7296 1.3.1) on its established IKE SA,
 * after IKE_AUTH on one coming up, or a new IKE SA with it as the IKE_AUTH
 * child (needs the remote address). 0; -EALREADY when that child is up or
 * being negotiated; -ENOENT (no such connection or template), -EINVAL,
 * -ENOSPC, -ENOMEM, -EIO. Traps call it once per trigger.
 */
int gw_ikev2_initiate_child(struct gw_ikev2_engine *e, const char *conn,
			    const char *child);

/**
 * The data plane's counters of a CHILD SA (the larger of its inbound and
 * outbound SAs' counts): past 85-90% of a template's lifetime_bytes or
 * lifetime_packets it is rekeyed (once), at 100% deleted (hard expiry).
 * 0 or -ENOENT (unknown inbound SPI).
 */
int gw_ikev2_child_usage(struct gw_ikev2_engine *e, uint32_t spi_in,
			 uint64_t bytes, uint64_t packets);

/** Fills *bytes / *packets for a CHILD SA; 0, or nonzero to skip it. */
typedef int (*gw_ikev2_usage_fn)(void *ctx, uint32_t spi_in, uint32_t spi_out,
				 uint64_t *bytes, uint64_t *packets);

/**
 * gw_ikev2_child_usage() for every CHILD SA with a volume limit, asking
 * @p fn for its counters: a periodic poll (the gateway's control loop)
 * costs nothing for children without limits.
 */
void gw_ikev2_poll_usage(struct gw_ikev2_engine *e, gw_ikev2_usage_fn fn,
			 void *ctx);

/** Sends an empty INFORMATIONAL (liveness check). 0 or -ENOENT. */
int gw_ikev2_ping(struct gw_ikev2_engine *e, const char *conn);

/**
 * Advances time: retransmits, gives up after the tries ("timeout"),
 * lifetimes (rekeys, hard expiry) and DPD.
 */
void gw_ikev2_tick(struct gw_ikev2_engine *e, uint64_t now_ms);

/* ------------------------------------------------- DoS limits, counters */

/** Default of gw_ikev2_limits.cookie_threshold. */
#define GW_IKEV2_COOKIE_THRESHOLD 1000
/** Default of gw_ikev2_limits.cookie_secret_ms. */
#define GW_IKEV2_COOKIE_SECRET_MS 60000

/**
 * Responder limits on half-open IKE SAs (those between IKE_SA_INIT and
 * IKE_AUTH, each holding a DH result). With cookie_threshold or more of
 * them, an IKE_SA_INIT without a valid COOKIE is answered N(COOKIE)
 * statelessly (RFC 7296 2.6); the cookie is a keyed hash of Ni, IPi and
 * SPIi under a secret that rotates every cookie_secret_ms, the previous
 * secret still accepted.
 */
struct gw_ikev2_limits {
	uint32_t cookie_threshold; /**< 0: never demand cookies */
	uint32_t half_open_max;    /**< drop new IKE_SA_INITs beyond; 0: no limit */
	uint32_t cookie_secret_ms; /**< 0: GW_IKEV2_COOKIE_SECRET_MS */
};

/** Replaces the limits (defaults: threshold GW_IKEV2_COOKIE_THRESHOLD, no max). */
void gw_ikev2_set_limits(struct gw_ikev2_engine *e,
			 const struct gw_ikev2_limits *l);

/** Events below @p min are neither formatted nor passed to io.event. */
void gw_ikev2_set_log_level(struct gw_ikev2_engine *e,
			    enum gw_ikev2_level min);

/** Counters since gw_ikev2_engine_new(), both roles unless noted. */
struct gw_ikev2_stats {
	uint64_t init_requests;    /**< new IKE_SA_INIT requests (not retransmits) */
	uint64_t established;      /**< IKE SAs through IKE_AUTH (not rekeys) */
	uint64_t failed;           /**< IKE SAs gone before IKE_AUTH completed */
	uint64_t cookies_sent;     /**< N(COOKIE) answers */
	uint64_t cookies_invalid;  /**< COOKIEs that were wrong or too old */
	uint64_t half_open_dropped; /**< IKE_SA_INITs dropped at half_open_max */
	uint32_t half_open;        /**< responder IKE SAs awaiting IKE_AUTH now */
	uint32_t ike_sas;          /**< IKE SAs now */
};

void gw_ikev2_get_stats(const struct gw_ikev2_engine *e,
			struct gw_ikev2_stats *s);

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
	char local_auth[40];       /**< how we authenticated: "psk", "pubkey ECDSA_384" */
	char remote_auth[40];      /**< how the peer did; "" before IKE_AUTH */
	uint64_t spi_i;
	uint64_t spi_r;
	char proposal[128];        /**< strongSwan syntax: "aes256gcm16-prfsha384-ecp384" */
	unsigned n_children;
	uint64_t age_s;            /**< since the IKE SA was created */
	int64_t rekey_in_s;        /**< until its rekey; -1: none scheduled */
};

struct gw_ikev2_child_sa_info {
	uint32_t ike_sa_id;
	char conn[GW_IKEV2_NAME_MAX];
	char child[GW_IKEV2_NAME_MAX]; /**< template name */
	uint32_t spi_in;
	uint32_t spi_out;
	bool encap;
	char proposal[128];        /**< "aes256gcm16-noesn" */
	char local_ts[160];
	char remote_ts[160];
	int64_t rekey_in_s;        /**< until the soft lifetime; -1: none */
	int64_t expire_in_s;       /**< until the hard lifetime; -1: none */
	uint64_t rekey_bytes;      /**< soft volume limit (either way); 0: none */
	uint64_t life_bytes;       /**< hard volume limit; 0: none */
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
