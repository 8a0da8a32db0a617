/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Control path <-> worker plumbing.
 *
 * Down: each worker has a message ring (fixed-size messages by value,
 * single producer = control, single consumer = that worker) and a packet
 * ring for frames the control path wants sent (ARP, later IKE).
 * Up: one multi-producer ring of packets for the control path (ARP, IKE)
 * and one of events (neighbour resolution requests, lifetime signals).
 *
 * Retiring: an object unpublished by a message (an SA, an SPD table) is
 * freed only when every worker has applied that message (its `applied`
 * counter reached the message's sequence) and then passed two quiescent
 * states (rte_rcu_qsbr): the first ends every lookup that could still
 * find the object, the second every packet such a lookup handed to the
 * SA's owning worker through its handoff ring.
 */
#ifndef GW_CTRL_H
#define GW_CTRL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "gw_common.h"
#include "gw_sa.h"
#include "gw_spd.h"

enum gw_msg_type {
	GW_MSG_SA_ADD = 1,         /**< inbound SA: insert its SPI */
	GW_MSG_SA_DEL,             /**< inbound SA: remove its SPI */
	GW_MSG_SPD_SET,            /**< replace the SPD table pointer */
	GW_MSG_NEIGH_SET,          /**< resolved neighbour */
};

/** A control -> worker message (carried by value in an elem ring). */
struct gw_msg {
	uint32_t type;
	uint32_t seq;              /**< per-worker sequence, for the ack */
	union {
		struct gw_sa *sa;
		struct gw_spd_table *spd;
		struct {
			uint32_t ip;
			uint16_t port;
			uint8_t mac[6];
		} neigh;
	};
} __attribute__((aligned(8)));

enum gw_event_type {
	GW_EV_RESOLVE = 1,         /**< worker needs a MAC for ip on port */
	GW_EV_TRAP,                /**< a packet hit trap policy `ip` (the trap id) */
};

/** A worker -> control event. */
struct gw_event {
	uint32_t type;
	uint32_t ip;
	uint16_t port;
	uint16_t worker;
	uint32_t pad;
} __attribute__((aligned(8)));

/** The shared channel state of all workers. */
struct gw_ctrl {
	unsigned n_workers;
	struct rte_ring *msg[GW_MAX_WORKERS];     /**< down: messages */
	struct rte_ring *tx[GW_MAX_WORKERS];      /**< down: packets to send */
	struct rte_ring *slow;                    /**< up: packets (MP/SC) */
	struct rte_ring *events;                  /**< up: events (MP/SC) */
	struct rte_rcu_qsbr *qsbr;
	uint32_t sent[GW_MAX_WORKERS];            /**< control's last seq per worker */
	volatile uint32_t *applied[GW_MAX_WORKERS]; /**< each worker's ack counter */
};

/** Creates rings and the QSBR variable for n workers. 0 or -1. */
int gw_ctrl_init(struct gw_ctrl *c, unsigned n_workers, int socket);

/** Points the ack counter of worker w at the worker's own field. */
void gw_ctrl_bind_worker(struct gw_ctrl *c, unsigned w, volatile uint32_t *applied);

/**
 * Sends m to one worker (w) and waits while that worker's ring is full.
 * Returns 0, or -1 if the worker did not drain the ring within a second.
 */
int gw_ctrl_send(struct gw_ctrl *c, unsigned w, struct gw_msg *m);

/** Sends a copy of m to every worker. 0 or -1. */
int gw_ctrl_send_all(struct gw_ctrl *c, struct gw_msg *m);

/** True when every worker applied every message sent so far. */
bool gw_ctrl_all_applied(const struct gw_ctrl *c);

/** Deferred free of an object after all workers moved past it. */
typedef void (*gw_retire_fn)(void *obj);

/**
 * Queues obj to be freed by fn once every worker applied the messages sent
 * so far and passed a quiescent state. Returns 0 or -1 (no memory: the
 * caller must keep the object).
 */
int gw_ctrl_retire(struct gw_ctrl *c, void *obj, gw_retire_fn fn);

/** Frees whatever became safe; call from the control loop. Returns pending count. */
unsigned gw_ctrl_retire_poll(struct gw_ctrl *c);

/**
 * Blocks (sleeping) until every queued object is freed or timeout_ms passes;
 * used at shutdown and by tests. Returns pending count.
 */
unsigned gw_ctrl_retire_drain(struct gw_ctrl *c, unsigned timeout_ms);

/* --- worker side --- */

/** Hands a packet up to the control path; false when the ring is full. */
static inline bool
gw_ctrl_up_packet(struct gw_ctrl *c, void *mbuf)
{
	return rte_ring_mp_enqueue(c->slow, mbuf) == 0;
}

/** Raises an event; false when the ring is full. */
static inline bool
gw_ctrl_up_event(struct gw_ctrl *c, const struct gw_event *ev)
{
	return rte_ring_mp_enqueue_elem(c->events, (void *)(uintptr_t)ev, sizeof(*ev)) == 0;
}

#endif /* GW_CTRL_H */
