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
enum gw_policy_action { GW_ACT_PROTECT, GW_ACT_BYPASS, GW_ACT_DISCARD };

/** ESP transforms the data plane implements. */
enum gw_esp_alg {
	GW_ALG_NONE = 0,
	GW_ALG_AES128GCM16,
	GW_ALG_AES256GCM16,
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

#endif /* GW_CFG_H */
