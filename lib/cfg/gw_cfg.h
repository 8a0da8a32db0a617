/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The gateway's configuration: libconfig file -> validated structs.
 * No DPDK here: the parser and `ipsecgw --check` run without EAL.
 *
 * Every problem is reported as "file:line: what is wrong" through a
 * struct gw_diag; loading fails if any error was reported, so nothing
 * starts on a half-valid configuration.
 */
#ifndef GW_CFG_H
#define GW_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include "gw_addr.h"
#include "gw_common.h"

enum gw_port_role { GW_ROLE_PROTECTED, GW_ROLE_UNPROTECTED };
enum gw_idle_mode { GW_IDLE_POLL, GW_IDLE_SLEEP };
enum gw_sa_dir { GW_DIR_OUT, GW_DIR_IN };
enum gw_sa_mode { GW_MODE_TUNNEL, GW_MODE_TRANSPORT };
/** GW_ACT_TRAP is never configured: IKE adds it for start_action = trap. */
enum gw_policy_action { GW_ACT_PROTECT, GW_ACT_BYPASS, GW_ACT_DISCARD, GW_ACT_TRAP };

/** ESP transforms the data plane implements. */
enum gw_esp_alg {
	GW_ALG_NONE = 0,
	GW_ALG_AES128GCM16,
	GW_ALG_AES256GCM16,
	GW_ALG_CHACHA20POLY1305,   /**< RFC 7634: 32-byte key + 4-byte salt */
	/* AES-CBC (RFC 3602) + HMAC-SHA2 (RFC 4868): key, integ_key, no salt */
	GW_ALG_AES128CBC_SHA256,   /**< "aes128-sha256": HMAC-SHA-256-128 */
	GW_ALG_AES128CBC_SHA384,   /**< "aes128-sha384": HMAC-SHA-384-192 */
	GW_ALG_AES128CBC_SHA512,   /**< "aes128-sha512": HMAC-SHA-512-256 */
	GW_ALG_AES256CBC_SHA256,   /**< "aes256-sha256" */
	GW_ALG_AES256CBC_SHA384,   /**< "aes256-sha384" */
	GW_ALG_AES256CBC_SHA512,   /**< "aes256-sha512" */
};

/** strongSwan-style name ("aes256gcm16") of an algorithm. */
const char *gw_esp_alg_name(enum gw_esp_alg alg);
/** Key length in bytes without the salt (16 or 32), 0 if unknown. */
unsigned gw_esp_alg_key_len(enum gw_esp_alg alg);

/** A traffic selector: prefix, IP protocol (0 = any) and port range. */
struct gw_ts {
	struct gw_prefix prefix;
	uint8_t proto;
	uint16_t port_lo;          /**< 0 */
	uint16_t port_hi;          /**< 65535 when any */
};

struct gw_cfg_port {
	char name[GW_NAME_MAX];    /**< the key under ports, e.g. "wan" */
	char device[GW_NAME_MAX];  /**< DPDK device name, e.g. "net_af_packet1" or a PCI address */
	enum gw_port_role role;
	struct gw_prefix addrs[GW_MAX_PORT_ADDRS]; /**< address/len, host bits kept */
	unsigned n_addrs;
	uint16_t mtu;              /**< 0: leave the device default */
	int line;
};

struct gw_cfg_route {
	struct gw_prefix dst;
	struct gw_addr via;        /**< family GW_AF_NONE: directly connected */
	char port[GW_NAME_MAX];
	int line;
};

struct gw_cfg_neighbor {
	struct gw_addr addr;
	uint8_t mac[6];
	char port[GW_NAME_MAX];
	int line;
};

/** An ordered SPD entry, as written under `policies`. */
struct gw_cfg_policy {
	char name[GW_NAME_MAX];    /**< optional "name" key, else "policy-<index>" */
	struct gw_ts local_ts;
	struct gw_ts remote_ts;
	enum gw_policy_action action;
	char sa[GW_NAME_MAX];      /**< outbound SA name when action is protect */
	int line;
};

/** A manually keyed SA, as written under `sas`. */
struct gw_cfg_sa {
	char name[GW_NAME_MAX];
	enum gw_sa_dir dir;
	uint32_t spi;
	enum gw_sa_mode mode;
	struct gw_addr local;      /**< outer source (out) / destination (in) */
	struct gw_addr remote;
	struct gw_prefix local_ts[GW_MAX_TS];
	unsigned n_local_ts;
	struct gw_prefix remote_ts[GW_MAX_TS];
	unsigned n_remote_ts;
	enum gw_esp_alg alg;
	uint8_t key[GW_MAX_KEY_LEN];
	uint8_t key_len;
	uint8_t salt[GW_SALT_LEN];
	uint8_t integ_key[64];     /**< AES-CBC algorithms: HMAC key, as long
				    *   as the hash output (32, 48 or 64) */
	uint8_t integ_key_len;
	bool udp_encap;            /**< encap = "udp": ESP in UDP (RFC 3948) */
	uint16_t encap_sport;      /**< default 4500 */
	uint16_t encap_dport;      /**< default 4500 */
	bool esn;
	uint32_t replay_window;    /**< inbound only; 0 disables anti-replay */
	int line;
};

struct gw_cfg_lcores {
	unsigned control;
	unsigned workers[GW_MAX_WORKERS];
	unsigned n_workers;
	enum gw_idle_mode idle;
	unsigned idle_sleep_us;    /**< sleep when a poll round found nothing; default 100 */
	int line;                  /**< line of `lcores`, 0 if absent */
};

/* ---- IKE: connections and secrets (strongSwan swanctl.conf names) ----- */

/** Limits of the IKE sections. */
enum {
	GW_CONN_MAX_ADDRS = 8,     /**< local_addrs / remote_addrs entries */
	GW_CONN_MAX_PROPOSALS = 16,/**< proposals / esp_proposals entries */
	GW_CONN_PROPOSAL_LEN = 128,/**< one proposal string, with NUL */
	GW_CONN_MAX_CERTS = 4,     /**< certs / cacerts entries */
	GW_CONN_PATH_LEN = 256,    /**< certificate and key paths, with NUL */
	GW_ID_LEN = 256,           /**< identity string, with NUL */
	GW_SECRET_MAX_IDS = 8,
	GW_SECRET_MAX_LEN = 256,   /**< PSK bytes */
};

/** How one end authenticates (local.auth / remote.auth). */
enum gw_ike_auth { GW_AUTH_PSK, GW_AUTH_PUBKEY };

/** IKE identity types, as RFC 7296 3.5 names them. */
enum gw_id_type {
	GW_ID_ANY = 0,             /**< "%any": remote only, matches every peer */
	GW_ID_IPV4,
	GW_ID_IPV6,
	GW_ID_FQDN,
	GW_ID_USER_FQDN,           /**< contains '@' */
	GW_ID_DN,                  /**< "C=CH, O=..., CN=..." */
	GW_ID_KEY_ID,              /**< "keyid:..."; str keeps the prefix */
};

/** Reaction to a dead peer, or to a CHILD_SA closed by the peer. */
enum gw_dpd_action { GW_DPD_CLEAR, GW_DPD_RESTART, GW_DPD_TRAP };
enum gw_close_action { GW_CLOSE_NONE, GW_CLOSE_CLEAR, GW_CLOSE_TRAP,
		       GW_CLOSE_START };
/** What loading the configuration does with a CHILD_SA. */
enum gw_start_action { GW_START_NONE, GW_START_START, GW_START_TRAP };
/** Uniqueness policy of IKE_SAs per identity pair. */
enum gw_unique { GW_UNIQUE_NO, GW_UNIQUE_NEVER, GW_UNIQUE_KEEP,
		 GW_UNIQUE_REPLACE };

/** A typed IKE identity; str is the text as written. */
struct gw_cfg_id {
	enum gw_id_type type;
	char str[GW_ID_LEN];
	struct gw_addr addr;       /**< GW_ID_IPV4 / GW_ID_IPV6 */
};

/** One end of a connection: local = { ... } or remote = { ... }. */
struct gw_cfg_auth {
	enum gw_ike_auth auth;
	struct gw_cfg_id id;       /**< default: local the first local address, remote %any */
	bool id_set;               /**< id written in the file */
	char certs[GW_CONN_MAX_CERTS][GW_CONN_PATH_LEN];
	unsigned n_certs;
	char key[GW_CONN_PATH_LEN];/**< private key file, "" if none */
	char cacerts[GW_CONN_MAX_CERTS][GW_CONN_PATH_LEN];
	unsigned n_cacerts;
	int line;
};

/** A CHILD_SA template: connections.<name>.children.<name>. */
struct gw_cfg_child {
	char name[GW_NAME_MAX];
	struct gw_ts local_ts[GW_MAX_TS];   /**< "10.1.0.0/24[tcp/80]" */
	unsigned n_local_ts;
	struct gw_ts remote_ts[GW_MAX_TS];
	unsigned n_remote_ts;
	/** Proposal strings as written; syntax checked, lib/ike re-parses them. */
	char esp_proposals[GW_CONN_MAX_PROPOSALS][GW_CONN_PROPOSAL_LEN];
	unsigned n_esp_proposals;
	uint32_t rekey_time;       /**< seconds; default 3600 */
	uint32_t life_time;        /**< default rekey_time * 1.1 */
	uint32_t rand_time;        /**< default life_time - rekey_time */
	uint64_t life_bytes;       /**< 0: no limit */
	uint64_t life_packets;
	enum gw_start_action start_action;  /**< default none */
	enum gw_sa_mode mode;      /**< tunnel only, for now */
	enum gw_dpd_action dpd_action;      /**< default: the connection's */
	enum gw_close_action close_action;  /**< default none */
	uint32_t replay_window;    /**< default GW_REPLAY_DEFAULT; 0: off */
	int line;
};

/** An IKE connection: connections.<name>. */
struct gw_cfg_conn {
	char name[GW_NAME_MAX];
	unsigned version;          /**< 2 (default); 1 parses with a warning */
	struct gw_addr local_addrs[GW_CONN_MAX_ADDRS];
	unsigned n_local_addrs;
	struct gw_addr remote_addrs[GW_CONN_MAX_ADDRS];
	unsigned n_remote_addrs;   /**< 0 with remote_any */
	bool remote_any;           /**< remote_addrs = "%any": responder only */
	uint16_t local_port;       /**< default 500 */
	uint16_t remote_port;      /**< default 500 */
	/** IKE proposal strings as written; syntax checked, lib/ike re-parses. */
	char proposals[GW_CONN_MAX_PROPOSALS][GW_CONN_PROPOSAL_LEN];
	unsigned n_proposals;
	struct gw_cfg_auth local;
	struct gw_cfg_auth remote;
	uint32_t rekey_time;       /**< IKE_SA rekey, seconds; default 14400 */
	uint32_t over_time;        /**< default rekey_time / 10 */
	uint32_t rand_time;        /**< default over_time */
	uint32_t reauth_time;      /**< default 0: never */
	uint32_t dpd_delay;        /**< default 0: no DPD */
	uint32_t dpd_timeout;      /**< default 0: the retransmission limit */
	uint32_t keep_alive;       /**< NAT keepalive interval, s; default 0: 20 s */
	enum gw_dpd_action dpd_action;      /**< default clear */
	bool encap;                /**< force UDP encapsulation */
	bool allow_weak;           /**< accept weak proposals (with a warning) */
	bool mobike;               /**< default false: not implemented */
	unsigned keyingtries;      /**< default 1; 0: forever */
	enum gw_unique unique;     /**< default no */
	struct gw_cfg_child *children;
	unsigned n_children;
	int line;
};

/** A pre-shared key: secrets.<name>. Wiped on gw_cfg_free. */
struct gw_cfg_secret {
	char name[GW_NAME_MAX];
	struct gw_cfg_id ids[GW_SECRET_MAX_IDS];
	unsigned n_ids;            /**< 0: matches by name only */
	uint8_t secret[GW_SECRET_MAX_LEN];
	unsigned secret_len;
	int line;
};


struct gw_cfg {
	char path[512];
	char *eal_args[64];        /**< owned strings */
	unsigned n_eal_args;
	struct gw_cfg_lcores lcores;
	struct gw_cfg_port ports[GW_MAX_PORTS];
	unsigned n_ports;
	struct gw_cfg_route *routes;
	unsigned n_routes;
	struct gw_cfg_neighbor *neighbors;
	unsigned n_neighbors;
	struct gw_cfg_policy *policies;
	unsigned n_policies;
	struct gw_cfg_sa *sas;     /**< wiped on gw_cfg_free: holds keys */
	unsigned n_sas;
	enum gw_policy_action spd_default; /**< `spd_default`, default discard */
	char control_socket[256];  /**< default "/run/ipsecgw/ipsecgw.sock" */
	unsigned mbufs;            /**< `dataplane.mbufs`, default 16383 */
	unsigned burst;            /**< `dataplane.burst`, default 32 */
	int spd_default_line;      /**< lines of those settings, 0 when defaulted */
	int control_line;
	struct gw_cfg_conn *conns; /**< `connections` */
	unsigned n_conns;
	struct gw_cfg_secret *secrets; /**< `secrets`: wiped on gw_cfg_free */
	unsigned n_secrets;
	/** `ike.cookie_threshold`: half-open IKE SAs from which IKE_SA_INIT
	 *  needs a COOKIE (RFC 7296 2.6); 0 never; default 1000. */
	unsigned ike_cookie_threshold;
	/** `ike.half_open_max`: IKE_SA_INITs beyond it dropped; 0 (default): no cap. */
	unsigned ike_half_open_max;
};

/** Severity; a note is advice that needs no change (e.g. aes128gcm16). */
enum gw_diag_kind { GW_DIAG_ERROR, GW_DIAG_WARNING, GW_DIAG_NOTE };

/** One finding: "file:line: message". */
struct gw_diag_item {
	enum gw_diag_kind kind;
	int line;                  /**< 0 when not tied to a line */
	char msg[256];
};

/** Collected errors and warnings of one load. */
struct gw_diag {
	const char *file;
	struct gw_diag_item items[256];
	unsigned n;
	unsigned errors;
	unsigned warnings;
	unsigned notes;
	unsigned dropped;          /**< findings counted but not stored: items full */
};

/** Empties diag; file (kept by pointer, not copied) names the findings. */
void gw_diag_init(struct gw_diag *diag, const char *file);

/** Adds one finding; counted even when items is full. */
void gw_diag_add(struct gw_diag *diag, enum gw_diag_kind kind, int line,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/**
 * Loads and validates a configuration. Errors (unknown key, wrong type,
 * bad prefix, key of wrong length, duplicate SPI, unknown port, weak or
 * unsupported algorithm, ...) go to diag. Returns 0 on success, -1 if
 * anything was wrong (cfg is then freed).
 *
 * diag is emptied first and diag->file points at path: keep path alive
 * while diag is printed. Findings never contain key material.
 */
int gw_cfg_load(const char *path, struct gw_cfg *cfg, struct gw_diag *diag);

/**
 * As gw_cfg_load, from text in memory; name stands for the file in
 * findings and cfg->path. @include paths are relative to the working
 * directory. For tests and fuzzing.
 */
int gw_cfg_load_string(const char *text, const char *name, struct gw_cfg *cfg,
		       struct gw_diag *diag);

/**
 * Reviews a loaded configuration against today's recommended baseline
 * (AES-GCM, SHA-2, DH >= 14) and adds warnings to diag for weak choices
 * (anti-replay off, no ESN, short windows, shared keys between SAs, ...).
 */
void gw_cfg_review(const struct gw_cfg *cfg, struct gw_diag *diag);

/** Prints every item as "file:line: error|warning|note: msg" to a stream. */
void gw_diag_print(const struct gw_diag *diag, void *stream /* FILE * */);

/** Frees owned memory and wipes keys; cfg is zeroed, so freeing twice is safe. */
void gw_cfg_free(struct gw_cfg *cfg);

/** Finds a port by its configured name; NULL if none. */
const struct gw_cfg_port *gw_cfg_port_by_name(const struct gw_cfg *cfg,
					      const char *name);

/** Finds an SA by its configured name; NULL if none. */
const struct gw_cfg_sa *gw_cfg_sa_by_name(const struct gw_cfg *cfg,
					  const char *name);

/** Finds a connection by its name; NULL if none. */
const struct gw_cfg_conn *gw_cfg_conn_by_name(const struct gw_cfg *cfg,
					      const char *name);

/**
 * The PSK for a connection: the secret whose ids cover both ends' ids,
 * else the one named like the connection; NULL if none.
 */
const struct gw_cfg_secret *gw_cfg_conn_secret(const struct gw_cfg *cfg,
					       const struct gw_cfg_conn *conn);

/** "ipv4", "fqdn", "user_fqdn", "dn", "key_id", ... */
const char *gw_id_type_name(enum gw_id_type type);

#endif /* GW_CFG_H */
