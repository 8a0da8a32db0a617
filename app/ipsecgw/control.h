/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control path: owns the configuration, creates and retires SAs and
 * SPD tables, keeps the authoritative neighbour table (static + ARP), and
 * serves the console and the control socket. Runs on the main lcore and
 * sleeps in poll() between rounds so it never competes with workers.
 */
#ifndef IPSECGW_CONTROL_H
#define IPSECGW_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "gw_cfg.h"
#include "gw_cli.h"
#include "gw_crypto.h"
#include "gw_sa.h"
#include "gw_spd.h"
#include "gw_stats.h"

/** The control path's record of an installed SA. */
struct gw_ctl_sa {
	struct gw_sa *sa;
	struct gw_sa_traffic base;     /**< counters at the last `clear stats` */
	struct gw_sa_errors base_err;
	uint64_t installed_ns;
};

/** The authoritative neighbour entry. */
struct gw_ctl_neigh {
	uint32_t ip;               /**< host order */
	uint16_t port;
	bool is_static;
	struct rte_ether_addr mac;
	uint64_t updated_ns;
};

#define GW_CTL_MAX_NEIGH 1024

/** Counters of the control path itself. */
struct gw_ctl_stats {
	uint64_t arp_requests_in;
	uint64_t arp_replies_in;
	uint64_t arp_replies_out;
	uint64_t arp_requests_out;
	uint64_t arp_invalid;
	uint64_t ike_unhandled;     /**< IKE packets before IKE exists */
	uint64_t ike_malformed;     /**< slow-path UDP that is not valid IKE framing */
	uint64_t ike_in;            /**< IKE messages given to the engine */
	uint64_t natt_keepalives_in; /**< NAT keepalives received (dropped) */
	uint64_t slow_other;
	uint64_t alloc_failed;
	uint64_t neigh_table_full;
};

struct gw_control {
	struct gw_cfg cfg;
	struct gw_crypto_lcore crypto;
	struct gw_ctl_sa *sas;
	unsigned n_sas;
	unsigned max_sas;          /**< capacity of sas[] */
	uint32_t next_sa_id;
	struct gw_spd_table *spd;
	struct gw_ctl_neigh neigh[GW_CTL_MAX_NEIGH];
	unsigned n_neigh;
	struct gw_worker_stats base[GW_MAX_WORKERS]; /**< at `clear stats` */
	struct gw_ctl_stats stats;
	struct gw_ctl_server *server;
	struct gw_console *console;
	uint64_t started_ns;
	volatile bool quit;
};

extern struct gw_control gw_control;

/**
 * Creates a runtime SA from c (key expanded, owner chosen), records it and,
 * for an inbound SA, publishes its SPI to every worker. An outbound SA
 * carries traffic once gw_control_spd_publish() includes it. 0 or -1.
 */
int gw_control_sa_add(const struct gw_cfg_sa *c, struct gw_sa **out);

/**
 * Withdraws an SA: its SPI from the workers (inbound) or its policies (the
 * SPD is republished without it), then frees it, keys wiped, once no
 * worker can hold it any more. 0 or -1 (unknown SA).
 */
int gw_control_sa_remove(struct gw_sa *sa);

/** Finds an installed SA by direction and SPI; NULL if none. */
struct gw_sa *gw_control_sa_find(enum gw_sa_dir dir, uint32_t spi);

/**
 * Builds the SPD from the configured policies and the selectors of every
 * outbound SA, publishes it to the workers and retires the previous one.
 */
int gw_control_spd_publish(void);

/** Installs every configured SA, the SPD and static neighbours. 0 or -1. */
int gw_control_install_config(void);

/** Sets (or learns) a neighbour and pushes it to the workers. */
int gw_control_neigh_set(uint32_t ip, uint16_t port, const struct rte_ether_addr *mac,
			 bool is_static);

/** The authoritative neighbour entry for ip (host order), or NULL. */
struct gw_ctl_neigh *gw_control_neigh_find(uint32_t ip);

/** Hands a complete frame (m->port set) to worker 0 for transmission. */
void gw_control_send_frame(struct rte_mbuf *m);

/** Broadcasts an ARP request for target (host order) on port. */
void gw_control_arp_request(uint32_t target, uint16_t port);

/** Runs the control loop until quit or a signal. */
void gw_control_loop(void);

/** Registers the CLI command table (commands.c). */
void gw_commands_register(void);

/** Monotonic nanoseconds, for ages and timestamps. */
uint64_t gw_now_ns(void);

#endif /* IPSECGW_CONTROL_H */
