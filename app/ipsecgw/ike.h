/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IKE on the control path: the IKEv2 engine wired to the configuration,
 * the IKE datagram I/O and the SAD. Nothing here runs on a worker.
 */
#ifndef IPSECGW_IKE_H
#define IPSECGW_IKE_H

#include <stdint.h>

#include <rte_mbuf.h>

struct gw_ikev2_engine;

struct gw_cfg;

/**
 * Loads the certificates, keys and trusted CAs of every connection with
 * auth = "pubkey" (errors logged, naming the file); kept until
 * gw_ike_credentials_free() or gw_ike_stop(). 0 or -1.
 */
int gw_ike_credentials_load(const struct gw_cfg *cfg);
void gw_ike_credentials_free(void);

/** Loads the configured IKEv2 connections into an engine. 0 or -1. */
int gw_ike_start(void);

/** Initiates the connections with a child of start_action = start (all such children). */
void gw_ike_initiate_configured(void);

/** Feeds one IKE frame the workers passed up (the caller frees m). */
void gw_ike_input(struct rte_mbuf *m);

/** Drives retransmissions and timeouts. */
void gw_ike_tick(uint64_t now_ms);

/** "initiate" or "terminate" a connection by name: 0 or a negative errno. */
int gw_ike_command(const char *what, const char *conn);

/** The engine, for listings; NULL when no connection is configured. */
struct gw_ikev2_engine *gw_ike_engine(void);

/** Frees the engine (children deleted through the SAD, keys wiped). */
void gw_ike_stop(void);

#endif /* IPSECGW_IKE_H */
