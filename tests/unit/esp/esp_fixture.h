/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the ESP unit tests share: EAL and an mbuf pool, one lcore's crypto
 * context with its worker counters, an outbound and an inbound SA, and
 * helpers to build mbufs and check drop counters.
 */
#ifndef ESP_FIXTURE_H
#define ESP_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "gw_esp.h"
#include "gw_sa.h"
#include "gw_stats.h"

extern struct rte_mempool *pool;
extern struct gw_worker_stats stats;
extern struct gw_esp_ctx ctx;
extern struct gw_sa sa_out, sa_in;

/** EAL (no hugepages, a file prefix of its own), pool of pool_size, crypto. */
int esp_fixture_setup(const char *name, unsigned pool_size);
/** Wipes both SAs, frees crypto and pool, EAL cleanup. */
void esp_fixture_teardown(void);

void reset_stats(void);
/** 0 when the worker saw exactly n drops of reason d and no other drop. */
int drops_are(enum gw_drop d, uint64_t n);
/** An mbuf holding a copy of d; NULL when the pool or room ran out. */
struct rte_mbuf *mbuf_from(const uint8_t *d, uint32_t len);
/** The same, with the outer IPv4 [+ UDP] lengths set as classify does. */
struct rte_mbuf *inbound_mbuf(const uint8_t *d, uint32_t len, bool udp);
/** An IPv4 prefix. */
void pfx4(struct gw_prefix *p, uint32_t a, uint8_t len);

#endif /* ESP_FIXTURE_H */
