/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine: datagram dispatch to the IKE SA and its task, message
 * protection, the window of one request each way, retransmits and the
 * public entry points.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_common.h"
#include "ikev2.h"

static uint32_t
conn_base_ms(const struct gw_ikev2_conn *c)
{
	return c->retransmit_base_ms ? c->retransmit_base_ms :
	       GW_IKEV2_RETRANSMIT_BASE_MS;
}

static uint32_t
conn_tries(const struct gw_ikev2_conn *c)
{
	return c->retransmit_tries ? c->retransmit_tries :
	       GW_IKEV2_RETRANSMIT_TRIES;
}

static void
send_raw(struct ikev2_sa *sa, const uint8_t *buf, size_t len)
{
	struct gw_ikev2_engine *e = sa->engine;

	sa->last_tx_ms = e->now_ms;
	if (e->io.send)
		e->io.send(e->ctx, &sa->local, &sa->remote, buf, len);
}

static uint8_t *
dup_buf(const uint8_t *p, size_t len)
{
	uint8_t *d = malloc(len ? len : 1);

	if (d)
		memcpy(d, p, len);
	return d;
}

/* strongSwan's "generating IKE_AUTH request 1 [ IDi AUTH SA TSi TSr ]". */
static void
log_plain(struct ikev2_sa *sa, const uint8_t *buf,
	  const struct gw_ike_sk_layout *lay)
{
	struct gw_ike_msg m;
	char s[256];

	/* Parsing again only to log: skipped unless debug events are wanted. */
	if (!ikev2_log_on(sa->engine, GW_IKEV2_DEBUG))
		return;
	if (gw_ike_msg_parse(buf, lay->msg_len, &m, NULL) != 0 ||
	    gw_ike_msg_parse_inner(&m, m.sk.inner_np, buf + lay->plain_off,
				   lay->plain_len - lay->pad_len - 1, NULL) != 0)
		return;
	gw_ike_msg_format(&m, s, sizeof(s));
	ikev2_log(sa, GW_IKEV2_DEBUG, "generating %s", s);
}

/*
 * Builds one message of task @p t into e->out: the header, then for every
 * exchange but IKE_SA_INIT an SK payload around what the task adds.
 */
static int
build_message(struct ikev2_sa *sa, struct ikev2_task *t, bool response,
	      uint32_t msg_id, size_t *len)
{
	struct gw_ikev2_engine *e = sa->engine;
	struct gw_ike_hdr h = {
		.spi_i = sa->spi_i,
		.spi_r = sa->spi_r,
		.exchange = t->exchange,
		.flags = (uint8_t)((sa->initiator ? GW_IKE_FLAG_I : 0) |
				   (response ? GW_IKE_FLAG_R : 0)),
		.msg_id = msg_id,
	};
	struct gw_ike_writer w;
	struct gw_ike_sk_layout lay;
	bool sk = t->exchange != GW_IKE_EXCH_IKE_SA_INIT;
	int rc;

	if (sk && !sa->sk_out)
		return -EINVAL;
	gw_ike_wr_init(&w, e->out, sizeof(e->out), &h);
	if (sk)
		gw_ike_wr_sk_begin(&w, gw_ike_sk_iv_len(sa->sk_out));
	rc = t->build(sa, t, &w);
	if (rc != 0)
		return rc;
	if (!sk) {
		if (gw_ike_wr_finish(&w, len) != 0)
			return -ENOSPC;
		return 0;
	}
	if (gw_ike_wr_sk_end(&w, gw_ike_sk_block_len(sa->sk_out),
			     gw_ike_sk_icv_len(sa->sk_out), &lay) != 0 ||
	    w.err != 0)
		return -ENOSPC;
	log_plain(sa, e->out, &lay);
	rc = gw_ike_sk_seal(sa->sk_out, e->out, lay.msg_len, 0, lay.sk_off);
	if (rc != 0)
		return rc;
	*len = lay.msg_len;
	return 0;
}

static void
summary(struct ikev2_sa *sa, const char *dir, const uint8_t *buf, size_t len)
{
	struct gw_ike_msg m;
	char s[256];

	/* The outer chain; log_plain() and open_message() log the inner one. */
	if (ikev2_log_on(sa->engine, GW_IKEV2_DEBUG) &&
	    gw_ike_msg_parse(buf, len, &m, NULL) == 0) {
		gw_ike_msg_format(&m, s, sizeof(s));
		ikev2_log(sa, GW_IKEV2_DEBUG, "%s %s (%zu bytes)", dir, s, len);
	}
}

void
ikev2_sa_kick(struct ikev2_sa *sa)
{
	struct gw_ikev2_engine *e = sa->engine;
	struct ikev2_task *t;
	size_t len;
	int rc;

	while (!sa->active && sa->n_queue && ikev2_task_stale(sa, &sa->queue[0])) {
		ikev2_log(sa, GW_IKEV2_DEBUG, "%s request dropped, its CHILD_SA is gone",
			  sa->queue[0].name);
		memmove(&sa->queue[0], &sa->queue[1],
			(sa->n_queue - 1) * sizeof(sa->queue[0]));
		sa->n_queue--;
	}
	if (sa->active || sa->n_queue == 0 || sa->state == GW_IKEV2_STATE_DEAD)
		return;
	t = &sa->queue[0];
	rc = build_message(sa, t, false, sa->msg_id_out, &len);
	if (rc != 0) {
		ikev2_log(sa, GW_IKEV2_ERROR, "building %s request failed: %d",
			  t->name, rc);
		sa->state = GW_IKEV2_STATE_DEAD;
		return;
	}
	free(sa->req);
	sa->req = dup_buf(e->out, len);
	sa->req_len = len;
	if (t->exchange == GW_IKE_EXCH_IKE_SA_INIT) {
		free(sa->init_req);
		sa->init_req = dup_buf(e->out, len);
		sa->init_req_len = len;
	}
	if (!sa->req || (t->exchange == GW_IKE_EXCH_IKE_SA_INIT && !sa->init_req)) {
		sa->state = GW_IKEV2_STATE_DEAD;
		return;
	}
	sa->active = true;
	sa->tries = 0;
	sa->next_retransmit_ms = e->now_ms + conn_base_ms(sa->conn);
	summary(sa, "sending", sa->req, sa->req_len);
	send_raw(sa, sa->req, sa->req_len);
}

/* Decrypts the SK payload of m (in e->scratch) and parses the inner chain. */
static int
open_message(struct ikev2_sa *sa, struct gw_ike_msg *m)
{
	struct gw_ikev2_engine *e = sa->engine;
	struct gw_ike_err err;
	size_t off, plen;
	int rc;

	if (!sa->sk_in || !gw_ike_msg_has(m, GW_IKE_PL_SK) || m->sk.fragment) {
		ikev2_log(sa, GW_IKEV2_DEBUG,
			  "%s message without SK payload dropped",
			  gw_ike_exchange_name(m->hdr.exchange));
		return -EINVAL;
	}
	rc = gw_ike_sk_decrypt(sa->sk_in, e->scratch, m->len, 0,
			       m->sk.payload_off, &off, &plen);
	if (rc != 0) {
		ikev2_log(sa, GW_IKEV2_INFO,
			  "%s %s %u: integrity check failed (%d), dropped",
			  gw_ike_exchange_name(m->hdr.exchange),
			  m->hdr.flags & GW_IKE_FLAG_R ? "response" : "request",
			  m->hdr.msg_id, rc);
		return rc;
	}
	rc = gw_ike_msg_parse_inner(m, m->sk.inner_np, e->scratch + off, plen,
				    &err);
	if (rc != 0) {
		ikev2_log(sa, GW_IKEV2_INFO, "invalid inner payloads: %s (%s)",
			  gw_ike_err_str(rc), err.what ? err.what : "");
		return -EINVAL;
	}
	if (ikev2_log_on(e, GW_IKEV2_DEBUG)) {
		char s[256];

		gw_ike_msg_format(m, s, sizeof(s));
		ikev2_log(sa, GW_IKEV2_DEBUG, "parsed %s", s);
	}
	return 0;
}

static void
float_endpoints(struct ikev2_sa *sa, const struct gw_ikev2_endpoint *from,
		const struct gw_ikev2_endpoint *to)
{
	/* Authenticated traffic from a new address or port (the float to 4500,
	 * a NAT mapping that changed) moves the IKE SA (RFC 7296 2.23). */
	if (memcmp(&sa->remote, from, sizeof(*from)) != 0 ||
	    memcmp(&sa->local, to, sizeof(*to)) != 0) {
		sa->remote = *from;
		sa->local = *to;
	}
}

static void
respond(struct ikev2_sa *sa, struct gw_ike_msg *m)
{
	struct gw_ikev2_engine *e = sa->engine;
	struct ikev2_task t;
	size_t len;
	int rc;

	memset(&t, 0, sizeof(t));
	switch (m->hdr.exchange) {
	case GW_IKE_EXCH_IKE_SA_INIT:
		ikev2_task_init_r(&t);
		break;
	case GW_IKE_EXCH_IKE_AUTH:
		ikev2_task_auth_r(&t);
		break;
	case GW_IKE_EXCH_INFORMATIONAL:
		ikev2_task_info_r(&t);
		break;
	case GW_IKE_EXCH_CREATE_CHILD_SA:
		ikev2_task_create_r(&t);
		break;
	default:
		ikev2_task_unsupported_r(&t, m->hdr.exchange);
		break;
	}
	t.result = t.process(sa, &t, m);
	if (sa->half_open && sa->state != GW_IKEV2_STATE_CONNECTING) {
		sa->half_open = false;
		e->stats.half_open--;
		if (sa->state == GW_IKEV2_STATE_ESTABLISHED) {
			e->stats.established++;
			ikev2_sa_event(sa, GW_IKEV2_EV_IKE_UP, NULL, NULL, 0,
				       NULL);
		}
	}
	rc = build_message(sa, &t, true, m->hdr.msg_id, &len);
	if (rc != 0) {
		ikev2_log(sa, GW_IKEV2_ERROR, "building %s response failed: %d",
			  t.name, rc);
		ikev2_sa_destroy(sa);
		return;
	}
	free(sa->resp);
	sa->resp = dup_buf(e->out, len);
	sa->resp_len = sa->resp ? len : 0;
	sa->resp_msg_id = m->hdr.msg_id;
	sa->has_resp = sa->resp != NULL;
	sa->msg_id_in = m->hdr.msg_id + 1;
	if (t.exchange == GW_IKE_EXCH_IKE_SA_INIT && t.result == IKEV2_DONE) {
		free(sa->init_resp);
		sa->init_resp = dup_buf(e->out, len);
		sa->init_resp_len = len;
	}
	summary(sa, "sending", e->out, len);
	send_raw(sa, e->out, len);
	if (t.result == IKEV2_DESTROY)
		ikev2_sa_destroy(sa);
}

static void
new_responder(struct gw_ikev2_engine *e, const struct gw_ikev2_endpoint *from,
	      const struct gw_ikev2_endpoint *to, struct gw_ike_msg *m)
{
	const struct gw_ikev2_conn *conn = NULL;
	struct ikev2_sa *sa;
	char a[GW_ADDR_STRLEN];

	if (!(m->hdr.flags & GW_IKE_FLAG_I) || m->hdr.spi_r != 0 ||
	    m->hdr.msg_id != 0) {
		ikev2_elog(e, GW_IKEV2_DEBUG, "invalid IKE_SA_INIT request dropped");
		return;
	}
	sa = ikev2_sa_find_half_open(e, m->hdr.spi_i, from);
	if (sa) {
		if (sa->has_resp && sa->resp_msg_id == 0 &&
		    sa->state == GW_IKEV2_STATE_CONNECTING) {
			ikev2_log(sa, GW_IKEV2_DEBUG,
				  "IKE_SA_INIT request retransmitted, resending response");
			send_raw(sa, sa->resp, sa->resp_len);
		}
		return;
	}
	e->stats.init_requests++;
	if (e->limits.half_open_max &&
	    e->stats.half_open >= e->limits.half_open_max) {
		e->stats.half_open_dropped++;
		ikev2_elog(e, GW_IKEV2_DEBUG,
			   "%u half-open IKE_SAs, IKE_SA_INIT dropped",
			   e->stats.half_open);
		return;
	}
	if (ikev2_cookie_needed(e)) {
		int rc = ikev2_cookie_verify(e, m, from);

		if (rc != 0) {
			/* A wrong cookie counts as none (RFC 7296 2.6). */
			if (rc == -2)
				e->stats.cookies_invalid++;
			ikev2_elog(e, GW_IKEV2_DEBUG,
				   "%u half-open IKE_SAs, %s: sending COOKIE",
				   e->stats.half_open,
				   rc == -2 ? "invalid cookie" : "no cookie");
			ikev2_cookie_send(e, from, to, m);
			return;
		}
	}
	for (size_t i = 0; i < e->n_conns && !conn; i++)
		if (ikev2_endpoint_match(&e->conns[i].local, &to->addr) &&
		    ikev2_endpoint_match(&e->conns[i].remote, &from->addr))
			conn = &e->conns[i];
	if (!conn) {
		ikev2_elog(e, GW_IKEV2_INFO,
			   "no connection configured for %s, IKE_SA_INIT dropped",
			   gw_addr_format(&from->addr, a, sizeof(a)));
		return;
	}
	sa = ikev2_sa_new(e, conn, false);
	if (!sa)
		return;
	sa->spi_i = m->hdr.spi_i;
	ikev2_sa_rehash(sa);
	sa->local = *to;
	sa->remote = *from;
	sa->state = GW_IKEV2_STATE_CONNECTING;
	sa->half_open = true;
	e->stats.half_open++;
	ikev2_log(sa, GW_IKEV2_INFO, "%s is initiating an IKE_SA",
		  gw_addr_format(&from->addr, a, sizeof(a)));
	respond(sa, m);
}

static void
handle_request(struct ikev2_sa *sa, const struct gw_ikev2_endpoint *from,
	       const struct gw_ikev2_endpoint *to, struct gw_ike_msg *m)
{
	if (sa->has_resp && m->hdr.msg_id == sa->resp_msg_id) {
		ikev2_log(sa, GW_IKEV2_DEBUG,
			  "%s request %u retransmitted, resending response",
			  gw_ike_exchange_name(m->hdr.exchange), m->hdr.msg_id);
		sa->last_tx_ms = sa->engine->now_ms;
		sa->engine->io.send(sa->engine->ctx, to, from, sa->resp,
				    sa->resp_len);
		return;
	}
	if (m->hdr.msg_id != sa->msg_id_in) {
		ikev2_log(sa, GW_IKEV2_DEBUG,
			  "request with message ID %u, expected %u: dropped",
			  m->hdr.msg_id, sa->msg_id_in);
		return;
	}
	if (m->hdr.exchange == GW_IKE_EXCH_IKE_SA_INIT || !sa->keyed)
		return;
	if (m->hdr.exchange == GW_IKE_EXCH_IKE_AUTH && sa->initiator)
		return;
	if (m->hdr.exchange != GW_IKE_EXCH_IKE_AUTH &&
	    sa->state == GW_IKEV2_STATE_CONNECTING) {
		/* Only IKE_AUTH may follow IKE_SA_INIT (RFC 7296 1.2). */
		ikev2_log(sa, GW_IKEV2_DEBUG,
			  "%s request before IKE_AUTH completed: dropped",
			  gw_ike_exchange_name(m->hdr.exchange));
		return;
	}
	if (open_message(sa, m) != 0)
		return;
	float_endpoints(sa, from, to);
	sa->last_rx_ms = sa->engine->now_ms;
	respond(sa, m);
}

/* One INFORMATIONAL with N(AUTHENTICATION_FAILED), not retransmitted. */
static void
send_auth_failed(struct ikev2_sa *sa)
{
	struct ikev2_task t;
	size_t len;

	memset(&t, 0, sizeof(t));
	ikev2_task_info_i(&t, false, false);
	t.notify_err = GW_IKE_N_AUTHENTICATION_FAILED;
	sa->msg_id_out++;
	if (build_message(sa, &t, false, sa->msg_id_out, &len) == 0)
		send_raw(sa, sa->engine->out, len);
}

static void
handle_response(struct ikev2_sa *sa, const struct gw_ikev2_endpoint *from,
		const struct gw_ikev2_endpoint *to, struct gw_ike_msg *m)
{
	struct ikev2_task *t = &sa->queue[0];
	int rc;

	if (!sa->active || m->hdr.msg_id != sa->msg_id_out ||
	    m->hdr.exchange != t->exchange) {
		ikev2_log(sa, GW_IKEV2_DEBUG,
			  "unexpected %s response %u (expecting %u): ignored",
			  gw_ike_exchange_name(m->hdr.exchange), m->hdr.msg_id,
			  sa->msg_id_out);
		return;
	}
	if (t->exchange != GW_IKE_EXCH_IKE_SA_INIT) {
		if (open_message(sa, m) != 0)
			return;
		float_endpoints(sa, from, to);
	}
	sa->last_rx_ms = sa->engine->now_ms;
	sa->dpd_deadline_ms = 0;
	{
		bool connecting = sa->state == GW_IKEV2_STATE_CONNECTING;

		rc = t->process(sa, t, m);
		if (connecting && sa->state == GW_IKEV2_STATE_ESTABLISHED) {
			sa->engine->stats.established++;
			ikev2_sa_event(sa, GW_IKEV2_EV_IKE_UP, NULL, NULL, 0,
				       NULL);
		}
	}
	if (rc == IKEV2_IGNORE)
		return;
	sa->active = false;
	free(sa->req);
	sa->req = NULL;
	switch (rc) {
	case IKEV2_DONE:
		sa->msg_id_out++;
		memmove(&sa->queue[0], &sa->queue[1],
			(sa->n_queue - 1) * sizeof(sa->queue[0]));
		sa->n_queue--;
		if (sa->state == GW_IKEV2_STATE_DEAD) {
			ikev2_sa_destroy(sa);
		} else {
			ikev2_children_pump(sa);
			ikev2_sa_kick(sa);
		}
		break;
	case IKEV2_RETRY:
		/* Only IKE_SA_INIT repeats message ID 0 (RFC 7296 1.2); an
		 * answered CREATE_CHILD_SA is over, its retry is a new one. */
		if (t->exchange != GW_IKE_EXCH_IKE_SA_INIT)
			sa->msg_id_out++;
		ikev2_sa_kick(sa);
		break;
	default:
		if (sa->send_auth_failed)
			send_auth_failed(sa);
		ikev2_sa_destroy(sa);
		break;
	}
}

void
gw_ikev2_input(struct gw_ikev2_engine *e, const struct gw_ikev2_endpoint *from,
	       const struct gw_ikev2_endpoint *to, const uint8_t *buf,
	       size_t len)
{
	struct gw_ike_msg m;
	struct gw_ike_err err;
	struct ikev2_sa *sa;
	int rc;

	if (len > sizeof(e->scratch) || len < GW_IKE_HDR_LEN) {
		ikev2_elog(e, GW_IKEV2_DEBUG, "datagram of %zu bytes dropped", len);
		return;
	}
	memcpy(e->scratch, buf, len);
	rc = gw_ike_msg_parse(e->scratch, len, &m, &err);
	if (rc != 0) {
		ikev2_elog(e, GW_IKEV2_INFO, "invalid IKE message dropped: %s (%s)",
			   gw_ike_err_str(rc), err.what ? err.what : "");
		return;
	}
	if (m.hdr.exchange == GW_IKE_EXCH_IKE_SA_INIT &&
	    !(m.hdr.flags & GW_IKE_FLAG_R)) {
		new_responder(e, from, to, &m);
		return;
	}
	sa = ikev2_sa_find(e, &m.hdr);
	if (!sa) {
		ikev2_elog(e, GW_IKEV2_DEBUG,
			   "%s for unknown IKE SA %016llx_i %016llx_r dropped",
			   gw_ike_exchange_name(m.hdr.exchange),
			   (unsigned long long)m.hdr.spi_i,
			   (unsigned long long)m.hdr.spi_r);
		return;
	}
	summary(sa, "received", buf, len);
	if (m.hdr.flags & GW_IKE_FLAG_R)
		handle_response(sa, from, to, &m);
	else
		handle_request(sa, from, to, &m);
}

static void
queue_and_kick(struct ikev2_sa *sa, const struct ikev2_task *t)
{
	if (ikev2_sa_queue(sa, t) == 0)
		ikev2_sa_kick(sa);
}

/* Soft lifetimes start rekeys, hard ones delete (CHILD SAs only). */
static void
lifetimes(struct ikev2_sa *sa, uint64_t now)
{
	const struct gw_ikev2_conn *c = sa->conn;
	struct ikev2_task t;

	if (c->ike_hard_lifetime_s && sa->state == GW_IKEV2_STATE_ESTABLISHED &&
	    !sa->successor_id && !sa->n_queue &&
	    now >= sa->created_ms + (uint64_t)c->ike_hard_lifetime_s * 1000) {
		/* never rekeyed in time: its keys are too old to keep */
		ikev2_log(sa, GW_IKEV2_INFO, "IKE_SA hard lifetime reached, deleting");
		memset(&t, 0, sizeof(t));
		ikev2_task_info_i(&t, true, false);
		if (ikev2_sa_queue(sa, &t) == 0) {
			sa->state = GW_IKEV2_STATE_DELETING;
			ikev2_sa_kick(sa);
		}
		return;
	}
	if (c->ike_lifetime_s && !sa->rekey_ms)
		sa->rekey_ms = ikev2_jittered_ms(now, c->ike_lifetime_s);
	if (sa->rekey_ms && now >= sa->rekey_ms && !sa->rekeying &&
	    !sa->successor_id) {
		sa->rekey_ms = UINT64_MAX;   /* one try per IKE SA */
		ikev2_log(sa, GW_IKEV2_INFO, "IKE_SA lifetime reached, rekeying");
		memset(&t, 0, sizeof(t));
		ikev2_task_rekey_ike_i(&t);
		queue_and_kick(sa, &t);
		return;
	}
	for (size_t k = 0; k < sa->n_children; k++) {
		struct ikev2_child *ch = &sa->children[k];

		if (ch->expire_ms && now >= ch->expire_ms) {
			ch->expire_ms = 0;
			ch->rekey_ms = 0;
			if (!ch->deleting) {
				ikev2_log(sa, GW_IKEV2_INFO,
					  "CHILD_SA %08x_i hard lifetime reached, deleting",
					  ch->c.spi_in);
				ch->expired = true;
				/* Gone here at once; the peer is told. */
				if (ikev2_queue_child_delete(sa, ch->c.spi_in,
							     true) == 0)
					ikev2_sa_kick(sa);
				k--;
			}
			continue;
		}
		if (ch->rekey_ms && now >= ch->rekey_ms && !ch->rekeying &&
		    !ch->rekeyed && !ch->deleting) {
			ch->rekey_ms = 0;
			ikev2_log(sa, GW_IKEV2_INFO,
				  "CHILD_SA %08x_i lifetime reached, rekeying",
				  ch->c.spi_in);
			memset(&t, 0, sizeof(t));
			ikev2_task_rekey_child_i(&t, ch->c.spi_in);
			queue_and_kick(sa, &t);
		}
	}
}

/* The peer is gone: clear, restart or (for now, as clear) trap. */
static void
peer_dead(struct ikev2_sa *sa)
{
	struct gw_ikev2_engine *e = sa->engine;
	const struct gw_ikev2_conn *c = sa->conn;
	static const char *const action[] = { "clear", "restart", "trap" };

	const char *act = c->dpd_action <= GW_IKEV2_DPD_TRAP ?
			  action[c->dpd_action] : "clear";

	ikev2_log(sa, GW_IKEV2_ERROR, "DPD: peer dead, action %s", act);
	ikev2_sa_event(sa, GW_IKEV2_EV_DPD_DEAD, NULL, NULL, 0, act);
	ikev2_sa_destroy(sa);
	if (c->dpd_action == GW_IKEV2_DPD_RESTART &&
	    c->remote.addr.family != GW_AF_NONE) {
		int rc = gw_ikev2_initiate(e, c->name);

		if (rc != 0)
			ikev2_elog(e, GW_IKEV2_ERROR, "[%s] DPD restart failed: %d",
				   c->name, rc);
	}
}

static void
dpd(struct ikev2_sa *sa, uint64_t now)
{
	const struct gw_ikev2_conn *c = sa->conn;
	struct ikev2_task t;

	if (!c->dpd_delay_s || sa->n_queue ||
	    now < sa->last_rx_ms + (uint64_t)c->dpd_delay_s * 1000)
		return;
	memset(&t, 0, sizeof(t));
	ikev2_task_info_i(&t, false, false);
	t.dpd = true;
	ikev2_log(sa, GW_IKEV2_DEBUG, "DPD: nothing from the peer for %us, checking",
		  c->dpd_delay_s);
	if (c->dpd_timeout_s)
		sa->dpd_deadline_ms = now + (uint64_t)c->dpd_timeout_s * 1000;
	queue_and_kick(sa, &t);
}

/*
 * RFC 3948 4: behind a NAT, a single 0xFF octet to the peer's NAT-T port
 * keeps the mapping open when we sent nothing for the interval (IKE
 * messages count; ESP is not seen here, so a busy tunnel still gets them,
 * which costs one tiny datagram per interval).
 */
static void
nat_keepalive(struct ikev2_sa *sa, uint64_t now)
{
	static const uint8_t ka = 0xff;
	struct gw_ikev2_engine *e = sa->engine;
	uint32_t ival = sa->conn->keepalive_s ? sa->conn->keepalive_s :
			GW_IKEV2_KEEPALIVE_S;

	if (!sa->nat_local || sa->local.port == GW_IKEV2_PORT ||
	    now < sa->last_tx_ms + (uint64_t)ival * 1000)
		return;
	ikev2_log(sa, GW_IKEV2_DEBUG, "sending NAT keepalive");
	sa->last_tx_ms = now;
	e->io.send(e->ctx, &sa->local, &sa->remote, &ka, 1);
}

static void retries_due(struct gw_ikev2_engine *e, uint64_t now_ms);

void
gw_ikev2_tick(struct gw_ikev2_engine *e, uint64_t now_ms)
{
	struct ikev2_sa *sa, *next;

	e->now_ms = now_ms;
	ikev2_cookie_tick(e);
	retries_due(e, now_ms);
	for (sa = e->sas; sa; sa = next) {
		next = sa->next;
		if (sa->state == GW_IKEV2_STATE_DEAD) {
			ikev2_sa_destroy(sa);
			continue;
		}
		if (!sa->initiator && sa->state == GW_IKEV2_STATE_CONNECTING &&
		    now_ms >= sa->created_ms + IKEV2_HALF_OPEN_MS) {
			ikev2_log(sa, GW_IKEV2_INFO,
				  "half-open IKE_SA timed out waiting for IKE_AUTH");
			ikev2_sa_destroy(sa);
			continue;
		}
		if (sa->state == GW_IKEV2_STATE_ESTABLISHED) {
			lifetimes(sa, now_ms);
			dpd(sa, now_ms);
			nat_keepalive(sa, now_ms);
			if (sa->want_tpl) {
				ikev2_children_pump(sa);
				ikev2_sa_kick(sa);
			}
		}
		if (sa->dpd_deadline_ms && now_ms >= sa->dpd_deadline_ms) {
			peer_dead(sa);
			continue;
		}
		if (!sa->active || now_ms < sa->next_retransmit_ms)
			continue;
		if (sa->tries >= conn_tries(sa->conn)) {
			if (sa->conn->dpd_delay_s &&
			    sa->state != GW_IKEV2_STATE_CONNECTING) {
				peer_dead(sa);
				continue;
			}
			ikev2_log(sa, GW_IKEV2_ERROR,
				  "timeout: %s request %u unanswered after %u retransmits, giving up",
				  sa->queue[0].name, sa->msg_id_out, sa->tries);
			ikev2_sa_destroy(sa);
			continue;
		}
		sa->tries++;
		sa->next_retransmit_ms = now_ms +
			((uint64_t)conn_base_ms(sa->conn) << sa->tries);
		ikev2_log(sa, GW_IKEV2_INFO, "retransmit %u of %s request %u",
			  sa->tries, sa->queue[0].name, sa->msg_id_out);
		send_raw(sa, sa->req, sa->req_len);
	}
}

/* ------------------------------------------------------- keyingtries */

enum { RETRY_BACKOFF_MAX_S = 60 };

static struct ikev2_retry *
retry_of(struct gw_ikev2_engine *e, const struct gw_ikev2_conn *c)
{
	size_t i = (size_t)(c - e->conns);

	return e->retry && i < e->n_conns ? &e->retry[i] : NULL;
}

void
ikev2_retry_failed(struct gw_ikev2_engine *e, const struct gw_ikev2_conn *c)
{
	struct ikev2_retry *r = retry_of(e, c);
	uint32_t tries = c->keyingtries ? c->keyingtries : 1, delay_s;

	if (!r)
		return;
	r->failed++;
	if (tries != GW_IKEV2_KEYINGTRIES_FOREVER && r->failed >= tries) {
		if (tries > 1)
			ikev2_elog(e, GW_IKEV2_ERROR, "[%s] giving up after %u attempts "
				   "(keyingtries)", c->name, r->failed);
		r->failed = 0;
		r->at_ms = 0;
		return;
	}
	delay_s = r->failed >= 5 ? RETRY_BACKOFF_MAX_S : 1u << r->failed;
	if (delay_s > RETRY_BACKOFF_MAX_S)
		delay_s = RETRY_BACKOFF_MAX_S;
	r->at_ms = e->now_ms + (uint64_t)delay_s * 1000;
	if (tries == GW_IKEV2_KEYINGTRIES_FOREVER)
		ikev2_elog(e, GW_IKEV2_INFO, "[%s] attempt %u failed, next in %us",
			   c->name, r->failed, delay_s);
	else
		ikev2_elog(e, GW_IKEV2_INFO, "[%s] attempt %u of %u failed, next in %us",
			   c->name, r->failed, tries, delay_s);
}

void
ikev2_retry_clear(struct gw_ikev2_engine *e, const struct gw_ikev2_conn *c)
{
	struct ikev2_retry *r = retry_of(e, c);

	if (r)
		r->failed = 0, r->at_ms = 0;
}

/* Starts the attempts that are due. */
static void
retries_due(struct gw_ikev2_engine *e, uint64_t now_ms)
{
	for (size_t i = 0; e->retry && i < e->n_conns; i++) {
		struct ikev2_retry *r = &e->retry[i];

		if (!r->at_ms || now_ms < r->at_ms)
			continue;
		r->at_ms = 0;
		/* -EALREADY: something else brought it up meanwhile */
		(void)gw_ikev2_initiate(e, e->conns[i].name);
	}
}

/* ------------------------------------------------------ public commands */

/* A new IKE SA for @p conn with template @p tpl as its IKE_AUTH child and
 * the templates in @p want to follow by CREATE_CHILD_SA. */
static int
initiate_sa(struct gw_ikev2_engine *e, const struct gw_ikev2_conn *conn,
	    unsigned tpl, uint32_t want)
{
	struct ikev2_sa *sa;
	struct ikev2_task t;

	/* NAT detection hashes our address: the initiator must know it. */
	if (conn->remote.addr.family == GW_AF_NONE ||
	    conn->local.addr.family == GW_AF_NONE)
		return -EINVAL;
	sa = ikev2_sa_new(e, conn, true);
	if (!sa)
		return -ENOMEM;
	sa->initiated = true;
	sa->local = conn->local;
	sa->remote = conn->remote;
	if (!sa->local.port)
		sa->local.port = GW_IKEV2_PORT;
	if (!sa->remote.port)
		sa->remote.port = GW_IKEV2_PORT;
	sa->state = GW_IKEV2_STATE_CONNECTING;
	sa->want_tpl = want & ~(1u << tpl);
	memset(&t, 0, sizeof(t));
	ikev2_task_init_i(&t);
	ikev2_sa_queue(sa, &t);
	memset(&t, 0, sizeof(t));
	ikev2_task_auth_i(&t);
	t.tpl = (uint8_t)tpl;
	ikev2_sa_queue(sa, &t);
	ikev2_log(sa, GW_IKEV2_INFO, "initiating IKE_SA with CHILD_SA %s",
		  ikev2_tpl(conn, tpl)->name);
	ikev2_sa_kick(sa);
	if (sa->state == GW_IKEV2_STATE_DEAD) {
		ikev2_sa_destroy(sa);
		return -EIO;
	}
	return 0;
}

/* The IKE SA of a connection that is up or coming up, NULL if none. */
static struct ikev2_sa *
conn_sa(struct gw_ikev2_engine *e, const struct gw_ikev2_conn *conn)
{
	for (struct ikev2_sa *sa = e->sas; sa; sa = sa->next)
		if (sa->conn == conn && !sa->successor_id &&
		    (sa->state == GW_IKEV2_STATE_CONNECTING ||
		     sa->state == GW_IKEV2_STATE_ESTABLISHED))
			return sa;
	return NULL;
}

int
gw_ikev2_initiate(struct gw_ikev2_engine *e, const char *name)
{
	const struct gw_ikev2_conn *conn = ikev2_conn_find(e, name);
	uint32_t want = 0;

	if (!conn)
		return -ENOENT;
	if (conn_sa(e, conn))
		return -EALREADY;
	/* Every template to start on load; without any, the first one. */
	for (size_t k = 0; k < conn->n_children; k++)
		if (conn->children[k].start_action == GW_IKEV2_START_START)
			want |= 1u << k;
	if (!want)
		want = 1;
	return initiate_sa(e, conn, (unsigned)__builtin_ctz(want), want);
}

void
ikev2_children_pump(struct ikev2_sa *sa)
{
	for (unsigned k = 0; sa->want_tpl && k < sa->conn->n_children; k++) {
		struct ikev2_task t;

		if (!(sa->want_tpl & (1u << k)))
			continue;
		if (sa->state != GW_IKEV2_STATE_ESTABLISHED || sa->successor_id)
			return;
		if (ikev2_tpl_busy(sa, k)) {
			sa->want_tpl &= ~(1u << k);
			continue;
		}
		memset(&t, 0, sizeof(t));
		ikev2_task_create_child_i(&t, (uint8_t)k);
		if (ikev2_sa_queue(sa, &t) != 0)
			return;            /* the rest when the queue drains */
		sa->want_tpl &= ~(1u << k);
	}
}

int
gw_ikev2_initiate_child(struct gw_ikev2_engine *e, const char *name,
			const char *child)
{
	const struct gw_ikev2_conn *conn = ikev2_conn_find(e, name);
	struct ikev2_sa *sa;
	unsigned tpl = 0;

	if (!conn)
		return -ENOENT;
	if (child) {
		for (tpl = 0; tpl < conn->n_children; tpl++)
			if (strcmp(conn->children[tpl].name, child) == 0)
				break;
		if (tpl == conn->n_children)
			return -ENOENT;
	}
	sa = conn_sa(e, conn);
	if (!sa)
		return initiate_sa(e, conn, tpl, 1u << tpl);
	if (ikev2_tpl_busy(sa, tpl) || (sa->want_tpl & (1u << tpl)))
		return -EALREADY;
	sa->want_tpl |= 1u << tpl;
	ikev2_children_pump(sa);
	ikev2_sa_kick(sa);
	return 0;
}

/* ------------------------------------------------------ volume lifetimes */

int
gw_ikev2_child_usage(struct gw_ikev2_engine *e, uint32_t spi_in,
		     uint64_t bytes, uint64_t packets)
{
	for (struct ikev2_sa *sa = e->sas; sa; sa = sa->next) {
		struct ikev2_child *ch = ikev2_child_by_in(sa, spi_in);

		if (ch) {
			ikev2_child_usage_apply(sa, ch, bytes, packets);
			return 0;
		}
	}
	return -ENOENT;
}

void
gw_ikev2_poll_usage(struct gw_ikev2_engine *e, gw_ikev2_usage_fn fn,
		    void *ctx)
{
	struct ikev2_sa *sa, *next;

	for (sa = e->sas; sa; sa = next) {
		next = sa->next;
		for (size_t k = 0; k < sa->n_children; k++) {
			struct ikev2_child *ch = &sa->children[k];
			uint64_t bytes = 0, packets = 0;
			size_t n = sa->n_children;

			if ((!ch->hard_bytes && !ch->hard_packets) ||
			    !ch->installed || ch->deleting || ch->rekeyed ||
			    fn(ctx, ch->c.spi_in, ch->c.spi_out, &bytes,
			       &packets) != 0)
				continue;
			ikev2_child_usage_apply(sa, ch, bytes, packets);
			if (sa->n_children < n)
				k--;       /* deleted at its hard limit */
		}
	}
}

static int
queue_info(struct gw_ikev2_engine *e, const char *name, bool del_ike,
	   bool del_children)
{
	struct ikev2_sa *sa, *next;
	int found = 0;

	for (sa = e->sas; sa; sa = next) {
		struct ikev2_task t;

		next = sa->next;
		if (strcmp(sa->conn->name, name) != 0)
			continue;
		found++;
		if (sa->state != GW_IKEV2_STATE_ESTABLISHED) {
			if (del_ike) {
				ikev2_log(sa, GW_IKEV2_INFO,
					  "IKE_SA not established, destroyed");
				ikev2_sa_destroy(sa);
			}
			continue;
		}
		memset(&t, 0, sizeof(t));
		ikev2_task_info_i(&t, del_ike, del_children);
		if (ikev2_sa_queue(sa, &t) != 0)
			continue;
		if (del_ike)
			sa->state = GW_IKEV2_STATE_DELETING;
		ikev2_sa_kick(sa);
	}
	return found ? 0 : -ENOENT;
}

int
gw_ikev2_terminate(struct gw_ikev2_engine *e, const char *name)
{
	const struct gw_ikev2_conn *c = ikev2_conn_find(e, name);

	/* an operator's terminate also ends the attempts still to come */
	if (c)
		ikev2_retry_clear(e, c);
	return queue_info(e, name, true, false);
}

int
gw_ikev2_terminate_child(struct gw_ikev2_engine *e, const char *name)
{
	return queue_info(e, name, false, true);
}

int
gw_ikev2_rekey_child(struct gw_ikev2_engine *e, const char *name)
{
	int queued = 0;

	for (struct ikev2_sa *sa = e->sas; sa; sa = sa->next) {
		bool whole = strcmp(sa->conn->name, name) == 0;

		if (sa->state != GW_IKEV2_STATE_ESTABLISHED)
			continue;
		for (size_t k = 0; k < sa->n_children; k++) {
			struct ikev2_child *ch = &sa->children[k];
			struct ikev2_task t;

			if (!whole && (!ch->c.child || strcmp(ch->c.child, name) != 0))
				continue;
			if (ch->rekeying || ch->rekeyed || ch->deleting)
				continue;
			memset(&t, 0, sizeof(t));
			ikev2_task_rekey_child_i(&t, ch->c.spi_in);
			if (ikev2_sa_queue(sa, &t) == 0)
				queued++;
		}
		ikev2_sa_kick(sa);
	}
	return queued ? 0 : -ENOENT;
}

int
gw_ikev2_rekey_ike(struct gw_ikev2_engine *e, const char *name)
{
	int queued = 0;

	for (struct ikev2_sa *sa = e->sas; sa; sa = sa->next) {
		struct ikev2_task t;

		if (strcmp(sa->conn->name, name) != 0 ||
		    sa->state != GW_IKEV2_STATE_ESTABLISHED || sa->rekeying ||
		    sa->successor_id)
			continue;
		memset(&t, 0, sizeof(t));
		ikev2_task_rekey_ike_i(&t);
		if (ikev2_sa_queue(sa, &t) == 0)
			queued++;
		ikev2_sa_kick(sa);
	}
	return queued ? 0 : -ENOENT;
}

int
gw_ikev2_ping(struct gw_ikev2_engine *e, const char *name)
{
	return queue_info(e, name, false, false);
}

static bool
tpl_valid(const struct gw_ikev2_child_cfg *t)
{
	return t->n_esp_proposals <= GW_IKE_PROP_MAX &&
	       t->n_local_ts <= GW_IKEV2_TS_MAX &&
	       t->n_remote_ts <= GW_IKEV2_TS_MAX && t->name[0];
}

/* The legacy form: the conn's own child fields as its only template. */
static void
tpl_from_conn(const struct gw_ikev2_conn *c, struct gw_ikev2_child_cfg *t)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", c->name);
	memcpy(t->esp_proposals, c->esp_proposals,
	       c->n_esp_proposals * sizeof(c->esp_proposals[0]));
	t->n_esp_proposals = c->n_esp_proposals;
	memcpy(t->local_ts, c->local_ts, c->n_local_ts * sizeof(c->local_ts[0]));
	t->n_local_ts = c->n_local_ts;
	memcpy(t->remote_ts, c->remote_ts,
	       c->n_remote_ts * sizeof(c->remote_ts[0]));
	t->n_remote_ts = c->n_remote_ts;
	t->lifetime_s = c->child_lifetime_s;
	t->lifetime_bytes = c->child_lifetime_bytes;
}

/* Copies every conn's templates into e->tpls and points the conns there. */
static int
templates_copy(struct gw_ikev2_engine *e)
{
	size_t total = 0, off = 0;

	for (size_t i = 0; i < e->n_conns; i++)
		total += e->conns[i].n_children ? e->conns[i].n_children : 1;
	e->tpls = calloc(total ? total : 1, sizeof(*e->tpls));
	if (!e->tpls)
		return -ENOMEM;
	for (size_t i = 0; i < e->n_conns; i++) {
		struct gw_ikev2_conn *c = &e->conns[i];

		if (c->n_children) {
			memcpy(&e->tpls[off], c->children,
			       c->n_children * sizeof(*c->children));
		} else {
			tpl_from_conn(c, &e->tpls[off]);
			c->n_children = 1;
		}
		c->children = &e->tpls[off];
		off += c->n_children;
	}
	return 0;
}

struct gw_ikev2_engine *
gw_ikev2_engine_new(const struct gw_ikev2_io *io, void *ctx,
		    const struct gw_ikev2_conn *conns, size_t n_conns)
{
	struct gw_ikev2_engine *e;

	if (!io || !io->send)
		return NULL;
	for (size_t i = 0; i < n_conns; i++) {
		const struct gw_ikev2_conn *c = &conns[i];

		if (!c->name[0] || !c->n_proposals ||
		    c->n_proposals > GW_IKE_PROP_MAX ||
		    c->n_esp_proposals > GW_IKE_PROP_MAX ||
		    !ikev2_conn_auth_ok(c) ||
		    c->n_local_ts > GW_IKEV2_TS_MAX ||
		    c->n_remote_ts > GW_IKEV2_TS_MAX ||
		    c->n_children > GW_IKEV2_CHILD_CFG_MAX ||
		    (c->n_children && !c->children))
			return NULL;
		for (size_t k = 0; k < c->n_children; k++)
			if (!tpl_valid(&c->children[k]))
				return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->io = *io;
	e->ctx = ctx;
	e->limits.cookie_threshold = GW_IKEV2_COOKIE_THRESHOLD;
	e->log_min = GW_IKEV2_DEBUG;
	if (n_conns) {
		e->conns = calloc(n_conns, sizeof(*conns));
		if (!e->conns) {
			free(e);
			return NULL;
		}
		memcpy(e->conns, conns, n_conns * sizeof(*conns));
		e->retry = calloc(n_conns, sizeof(*e->retry));
		if (!e->retry) {
			free(e->conns);
			free(e);
			return NULL;
		}
	}
	e->n_conns = n_conns;
	if (templates_copy(e) != 0) {
		free(e->retry);
		free(e->conns);
		free(e);
		return NULL;
	}
	for (size_t i = 0; i < n_conns; i++)
		ikev2_conn_auth_prepare(&e->conns[i]);
	return e;
}

void
gw_ikev2_engine_free(struct gw_ikev2_engine *e)
{
	if (!e)
		return;
	e->freeing = true;
	while (e->sas)
		ikev2_sa_destroy(e->sas);
	free(e->retry);
	ikev2_sa_index_free(e);
	if (e->conns)
		gw_wipe(e->conns, e->n_conns * sizeof(*e->conns));
	free(e->conns);
	free(e->tpls);
	gw_wipe(e->cookie_secret, sizeof(e->cookie_secret));
	gw_wipe(e->scratch, sizeof(e->scratch));
	gw_wipe(e->out, sizeof(e->out));
	free(e);
}

void
gw_ikev2_set_limits(struct gw_ikev2_engine *e, const struct gw_ikev2_limits *l)
{
	e->limits = *l;
}

void
gw_ikev2_set_log_level(struct gw_ikev2_engine *e, enum gw_ikev2_level min)
{
	e->log_min = min;
}

void
gw_ikev2_get_stats(const struct gw_ikev2_engine *e, struct gw_ikev2_stats *s)
{
	*s = e->stats;
	s->ike_sas = (uint32_t)e->n_sas;
}
