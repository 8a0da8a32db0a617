/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "gw_ctrl.h"
#include "gw_log.h"

#define MSG_RING_SIZE 1024
#define TX_RING_SIZE 1024
#define UP_RING_SIZE 4096

struct retire_item {
	struct retire_item *next;
	void *obj;
	gw_retire_fn fn;
	uint32_t target[GW_MAX_WORKERS]; /* messages each worker must have applied */
	uint64_t token;
	unsigned grace_periods;    /* completed since all acks */
	bool token_started;
};

/* Control-path only state: one control thread, so file scope is enough. */
static struct retire_item *retire_head;

int
gw_ctrl_init(struct gw_ctrl *c, unsigned n_workers, int socket)
{
	char name[RTE_RING_NAMESIZE];
	size_t qsz;

	memset(c, 0, sizeof(*c));
	c->n_workers = n_workers;
	for (unsigned w = 0; w < n_workers; w++) {
		snprintf(name, sizeof(name), "gw_msg_%u", w);
		c->msg[w] = rte_ring_create_elem(name, sizeof(struct gw_msg),
						 MSG_RING_SIZE, socket,
						 RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "gw_tx_%u", w);
		c->tx[w] = rte_ring_create(name, TX_RING_SIZE, socket,
					   RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (c->msg[w] == NULL || c->tx[w] == NULL)
			return -1;
	}
	c->slow = rte_ring_create("gw_slow", UP_RING_SIZE, socket, RING_F_SC_DEQ);
	c->events = rte_ring_create_elem("gw_events", sizeof(struct gw_event),
					 UP_RING_SIZE, socket, RING_F_SC_DEQ);
	if (c->slow == NULL || c->events == NULL)
		return -1;
	qsz = rte_rcu_qsbr_get_memsize(n_workers);
	c->qsbr = rte_zmalloc("gw_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (c->qsbr == NULL || rte_rcu_qsbr_init(c->qsbr, n_workers) != 0)
		return -1;
	return 0;
}

void
gw_ctrl_bind_worker(struct gw_ctrl *c, unsigned w, volatile uint32_t *applied)
{
	c->applied[w] = applied;
}

static void
sleep_us(unsigned us)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)us * 1000 };

	nanosleep(&ts, NULL);
}

int
gw_ctrl_send(struct gw_ctrl *c, unsigned w, struct gw_msg *m)
{
	m->seq = c->sent[w] + 1;
	for (unsigned tries = 0; tries < 10000; tries++) {
		if (rte_ring_sp_enqueue_elem(c->msg[w], m, sizeof(*m)) == 0) {
			c->sent[w] = m->seq;
			return 0;
		}
		sleep_us(100);
	}
	GW_ERR("worker %u does not drain its message ring", w);
	return -1;
}

int
gw_ctrl_send_all(struct gw_ctrl *c, struct gw_msg *m)
{
	int rc = 0;

	for (unsigned w = 0; w < c->n_workers; w++) {
		struct gw_msg copy = *m;

		rc |= gw_ctrl_send(c, w, &copy);
	}
	return rc;
}

bool
gw_ctrl_all_applied(const struct gw_ctrl *c)
{
	for (unsigned w = 0; w < c->n_workers; w++)
		if (c->applied[w] && *c->applied[w] != c->sent[w])
			return false;
	return true;
}

int
gw_ctrl_retire(struct gw_ctrl *c, void *obj, gw_retire_fn fn)
{
	struct retire_item *it = calloc(1, sizeof(*it));

	if (it == NULL)
		return -1;
	it->obj = obj;
	it->fn = fn;
	memcpy(it->target, c->sent, sizeof(it->target));
	it->next = retire_head;
	retire_head = it;
	return 0;
}

static bool
targets_applied(const struct gw_ctrl *c, const struct retire_item *it)
{
	for (unsigned w = 0; w < c->n_workers; w++)
		/* wrap-safe: applied moves forward from target */
		if (c->applied[w] && (int32_t)(*c->applied[w] - it->target[w]) < 0)
			return false;
	return true;
}

unsigned
gw_ctrl_retire_poll(struct gw_ctrl *c)
{
	struct retire_item **pp = &retire_head;
	unsigned pending = 0;

	while (*pp) {
		struct retire_item *it = *pp;

		if (!it->token_started && targets_applied(c, it)) {
			it->token = rte_rcu_qsbr_start(c->qsbr);
			it->token_started = true;
		}
		if (it->token_started && rte_rcu_qsbr_check(c->qsbr, it->token, false) == 1) {
			/* Two grace periods: the first covers lookups done before
			 * the workers applied the removal, the second packets those
			 * lookups handed to another worker's ring meanwhile. */
			if (++it->grace_periods < 2) {
				it->token = rte_rcu_qsbr_start(c->qsbr);
				pp = &it->next;
				pending++;
				continue;
			}
			*pp = it->next;
			it->fn(it->obj);
			free(it);
			continue;
		}
		pending++;
		pp = &it->next;
	}
	return pending;
}

unsigned
gw_ctrl_retire_drain(struct gw_ctrl *c, unsigned timeout_ms)
{
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * timeout_ms / 1000;
	unsigned pending;

	while ((pending = gw_ctrl_retire_poll(c)) != 0 &&
	       rte_get_timer_cycles() < deadline)
		sleep_us(200);
	return pending;
}
