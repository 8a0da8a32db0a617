/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine: datagram dispatch to the IKE SA and its task, message
 * protection, the window of one request each way, retransmits and the
 * public entry points.
 */
#include <errno.h>
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
	if (gw_ike_msg_parse(buf, len, &m, NULL) == 0) {
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
	{
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
	sa->local = *to;
	sa->remote = *from;
	sa->state = GW_IKEV2_STATE_CONNECTING;
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
	rc = t->process(sa, t, m);
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
		if (sa->state == GW_IKEV2_STATE_DEAD)
			ikev2_sa_destroy(sa);
		else
			ikev2_sa_kick(sa);
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

	ikev2_log(sa, GW_IKEV2_ERROR, "DPD: peer dead, action %s",
		  c->dpd_action <= GW_IKEV2_DPD_TRAP ? action[c->dpd_action] :
		  "clear");
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

void
gw_ikev2_tick(struct gw_ikev2_engine *e, uint64_t now_ms)
{
	struct ikev2_sa *sa, *next;

	e->now_ms = now_ms;
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

/* ------------------------------------------------------ public commands */

int
gw_ikev2_initiate(struct gw_ikev2_engine *e, const char *name)
{
	const struct gw_ikev2_conn *conn = ikev2_conn_find(e, name);
	struct ikev2_sa *sa;
	struct ikev2_task t;

	if (!conn)
		return -ENOENT;
	/* NAT detection hashes our address: the initiator must know it. */
	if (conn->remote.addr.family == GW_AF_NONE ||
	    conn->local.addr.family == GW_AF_NONE)
		return -EINVAL;
	for (sa = e->sas; sa; sa = sa->next)
		if (sa->conn == conn && (sa->state == GW_IKEV2_STATE_CONNECTING ||
					 sa->state == GW_IKEV2_STATE_ESTABLISHED))
			return -EALREADY;
	sa = ikev2_sa_new(e, conn, true);
	if (!sa)
		return -ENOMEM;
	sa->local = conn->local;
	sa->remote = conn->remote;
	if (!sa->local.port)
		sa->local.port = GW_IKEV2_PORT;
	if (!sa->remote.port)
		sa->remote.port = GW_IKEV2_PORT;
	sa->state = GW_IKEV2_STATE_CONNECTING;
	memset(&t, 0, sizeof(t));
	ikev2_task_init_i(&t);
	ikev2_sa_queue(sa, &t);
	memset(&t, 0, sizeof(t));
	ikev2_task_auth_i(&t);
	ikev2_sa_queue(sa, &t);
	ikev2_log(sa, GW_IKEV2_INFO, "initiating IKE_SA");
	ikev2_sa_kick(sa);
	if (sa->state == GW_IKEV2_STATE_DEAD) {
		ikev2_sa_destroy(sa);
		return -EIO;
	}
	return 0;
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
		if (strcmp(sa->conn->name, name) != 0 ||
		    sa->state != GW_IKEV2_STATE_ESTABLISHED)
			continue;
		for (size_t k = 0; k < sa->n_children; k++) {
			struct ikev2_child *ch = &sa->children[k];
			struct ikev2_task t;

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
		    c->psk_len == 0 || c->psk_len > GW_IKEV2_PSK_MAX ||
		    c->n_local_ts > GW_IKEV2_TS_MAX ||
		    c->n_remote_ts > GW_IKEV2_TS_MAX || !c->local_id.type)
			return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->io = *io;
	e->ctx = ctx;
	if (n_conns) {
		e->conns = calloc(n_conns, sizeof(*conns));
		if (!e->conns) {
			free(e);
			return NULL;
		}
		memcpy(e->conns, conns, n_conns * sizeof(*conns));
	}
	e->n_conns = n_conns;
	return e;
}

void
gw_ikev2_engine_free(struct gw_ikev2_engine *e)
{
	if (!e)
		return;
	while (e->sas)
		ikev2_sa_destroy(e->sas);
	if (e->conns)
		gw_wipe(e->conns, e->n_conns * sizeof(*e->conns));
	free(e->conns);
	gw_wipe(e->scratch, sizeof(e->scratch));
	gw_wipe(e->out, sizeof(e->out));
	free(e);
}
