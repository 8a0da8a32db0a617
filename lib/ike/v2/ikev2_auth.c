/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE_AUTH task (RFC 7296 1.2, 2.15): identities, PSK or signature
 * authentication (certificates: ikev2_certs.c) per side and
 * the first CHILD SA (ESP proposal, TS narrowing, keys, install).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_common.h"
#include "gw_ike_pki.h"
#include "ikev2.h"

/* RestOfInitIDPayload / RestOfRespIDPayload: type, 3 reserved, data. */
static size_t
id_body(const struct gw_ikev2_id *id, uint8_t *buf)
{
	buf[0] = id->type;
	buf[1] = buf[2] = buf[3] = 0;
	memcpy(buf + 4, id->data, id->len);
	return 4u + id->len;
}

static void
id_from_payload(const struct gw_ike_id_pl *p, struct gw_ikev2_id *id)
{
	memset(id, 0, sizeof(*id));
	id->type = p->type;
	id->len = (uint8_t)(p->len > GW_IKEV2_ID_MAX ? GW_IKEV2_ID_MAX : p->len);
	memcpy(id->data, p->data, id->len);
}

static uint16_t
prf_of(const struct ikev2_sa *sa)
{
	return sa->proposal.alg[GW_IKE_XF_PRF][0].id;
}

static void
write_id(struct ikev2_sa *sa, struct gw_ike_writer *w,
	 const struct gw_ikev2_id *id)
{
	gw_ike_wr_id(w, sa->initiator ? GW_IKE_PL_IDI : GW_IKE_PL_IDR,
		     id->type, id->data, id->len);
}

/*
 * What a signature covers (RFC 7296 2.15): RealMessage | NonceData |
 * prf(SK_p, ID'), as one buffer (malloc'ed; NULL on failure).
 */
static uint8_t *
signed_octets(struct ikev2_sa *sa, const struct gw_ike_signed_octets *o,
	      size_t *len)
{
	size_t n = o->msg_len + o->nonce_len + sa->keys.prf_len;
	uint8_t *b = malloc(n);

	if (!b)
		return NULL;
	memcpy(b, o->msg, o->msg_len);
	memcpy(b + o->msg_len, o->nonce, o->nonce_len);
	if (gw_ike_maced_id(prf_of(sa), o->sk_p, o->sk_p_len, o->id, o->id_len,
			    b + o->msg_len + o->nonce_len) != 0) {
		free(b);
		return NULL;
	}
	*len = n;
	return b;
}

static int
write_sig_auth(struct ikev2_sa *sa, struct gw_ike_writer *w,
	       const struct gw_ike_signed_octets *o)
{
	uint8_t auth[GW_IKE_PKI_SIG_MAX], method = 0, *so;
	size_t len = 0, alen = 0;
	int rc;

	so = signed_octets(sa, o, &len);
	if (!so)
		return -ENOMEM;
	rc = ikev2_auth_sign(sa, so, len, &method, auth, sizeof(auth), &alen);
	free(so);
	if (rc != 0)
		return rc;
	gw_ike_wr_auth(w, method, auth, alen);
	return 0;
}

/* AUTH over our ID payload @p id (RFC 7296 2.15), written by write_id(). */
static int
write_auth(struct ikev2_sa *sa, struct gw_ike_writer *w,
	   const struct gw_ikev2_id *id)
{
	const struct gw_ikev2_conn *c = sa->conn;
	uint8_t body[4 + GW_IKEV2_ID_MAX], auth[GW_IKE_PRF_MAX];
	size_t alen = 0;
	struct gw_ike_signed_octets o = {
		.msg = sa->initiator ? sa->init_req : sa->init_resp,
		.msg_len = sa->initiator ? sa->init_req_len : sa->init_resp_len,
		.nonce = sa->initiator ? sa->nonce_r : sa->nonce_i,
		.nonce_len = sa->initiator ? sa->nonce_r_len : sa->nonce_i_len,
		.id = body,
		.id_len = id_body(id, body),
		.sk_p = sa->initiator ? sa->keys.sk_pi : sa->keys.sk_pr,
		.sk_p_len = sa->keys.prf_len,
	};
	int rc;

	if (c->local_auth == GW_IKEV2_AUTH_PUBKEY)
		return write_sig_auth(sa, w, &o);
	rc = gw_ike_auth_psk(prf_of(sa), c->psk, c->psk_len, &o, auth, &alen);
	if (rc != 0)
		return rc;
	gw_ike_wr_auth(w, GW_IKE_AUTH_PSK, auth, alen);
	gw_wipe(auth, sizeof(auth));
	snprintf(sa->auth_local, sizeof(sa->auth_local), "psk");
	return 0;
}

/* Checks the peer's AUTH payload (its ID payload @p idp, as @p id). */
static int
verify_auth(struct ikev2_sa *sa, const struct gw_ike_msg *m,
	    const struct gw_ike_id_pl *idp, const struct gw_ikev2_id *id)
{
	const struct gw_ikev2_conn *c = sa->conn;
	struct gw_ike_signed_octets o = {
		.msg = sa->initiator ? sa->init_resp : sa->init_req,
		.msg_len = sa->initiator ? sa->init_resp_len : sa->init_req_len,
		.nonce = sa->initiator ? sa->nonce_i : sa->nonce_r,
		.nonce_len = sa->initiator ? sa->nonce_i_len : sa->nonce_r_len,
		.id = idp->body,
		.id_len = idp->body_len,
		.sk_p = sa->initiator ? sa->keys.sk_pr : sa->keys.sk_pi,
		.sk_p_len = sa->keys.prf_len,
	};
	uint8_t *so;
	size_t len = 0;
	int rc;

	if (c->remote_auth == GW_IKEV2_AUTH_PUBKEY) {
		if (m->auth.method == GW_IKE_AUTH_PSK) {
			ikev2_log(sa, GW_IKEV2_ERROR,
				  "AUTHENTICATION_FAILED: peer uses PSK authentication, we expect a certificate (pubkey)");
			return -EBADMSG;
		}
		so = signed_octets(sa, &o, &len);
		if (!so)
			return -ENOMEM;
		rc = ikev2_auth_verify_cert(sa, m, id, so, len);
		free(so);
		return rc;
	}
	if (m->auth.method != GW_IKE_AUTH_PSK) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "AUTHENTICATION_FAILED: peer uses %s authentication, we expect PSK",
			  gw_ike_auth_method_name(m->auth.method));
		return -EBADMSG;
	}
	rc = gw_ike_auth_psk_verify(prf_of(sa), c->psk, c->psk_len, &o,
				    m->auth.data, m->auth.len);
	if (rc == -EBADMSG)
		ikev2_log(sa, GW_IKEV2_ERROR, "AUTHENTICATION_FAILED: AUTH payload mismatch (wrong PSK?)");
	else if (rc != 0)
		ikev2_log(sa, GW_IKEV2_ERROR, "AUTH verification failed: %d", rc);
	else
		snprintf(sa->auth_remote, sizeof(sa->auth_remote), "psk");
	return rc;
}

static void
log_established(struct ikev2_sa *sa)
{
	char l[GW_IKEV2_ID_MAX + 16], r[GW_IKEV2_ID_MAX + 16];
	char la[GW_ADDR_STRLEN], ra[GW_ADDR_STRLEN];

	ikev2_log(sa, GW_IKEV2_INFO,
		  "IKE_SA %s[%u] established between %s[%s]...%s[%s]",
		  sa->conn->name, sa->id,
		  gw_addr_format(&sa->local.addr, la, sizeof(la)),
		  gw_ikev2_id_format(&sa->conn->local_id, l, sizeof(l)),
		  gw_addr_format(&sa->remote.addr, ra, sizeof(ra)),
		  gw_ikev2_id_format(&sa->remote_id, r, sizeof(r)));
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * The IKE_AUTH child is template t->tpl; its ESP proposals go without
 * their DH groups (ikev2_esp_without_dh()): it takes its keys from the
 * IKE SA's exchange, PFS groups only apply to CREATE_CHILD_SA (RFC 7296
 * 1.2; strongSwan leaves them out and ignores them).
 */

/* ------------------------------------------------------------ initiator */

static int
auth_i_build(struct ikev2_sa *sa, struct ikev2_task *t,
	     struct gw_ike_writer *w)
{
	const struct gw_ikev2_conn *c = sa->conn;
	const struct gw_ikev2_child_cfg *tp = ikev2_tpl(c, t->tpl);
	struct gw_ike_proposal esp[GW_IKE_PROP_MAX];
	struct gw_ike_sa_pl sapl;
	uint8_t spi[4];
	int rc;

	write_id(sa, w, &c->local_id);
	ikev2_write_certs(c, w);
	ikev2_write_certreq(c, w);
	if (c->send_remote_id && c->remote_id.len)
		gw_ike_wr_id(w, GW_IKE_PL_IDR, c->remote_id.type,
			     c->remote_id.data, c->remote_id.len);
	rc = write_auth(sa, w, &c->local_id);
	if (rc != 0)
		return rc;
	gw_ike_wr_notify(w, 0, NULL, 0, GW_IKE_N_INITIAL_CONTACT, NULL, 0);
	if (tp->n_esp_proposals && tp->n_local_ts && tp->n_remote_ts) {
		if (!t->spi_in)
			t->spi_in = ikev2_child_spi_new(sa->engine);
		put_be32(spi, t->spi_in);
		ikev2_esp_without_dh(tp, esp);
		if (gw_ike_proposal_list_to_sa(esp, tp->n_esp_proposals, spi, 4,
					       &sapl) != 0)
			return -EINVAL;
		gw_ike_wr_sa(w, &sapl);
		gw_ike_wr_ts(w, GW_IKE_PL_TSI, tp->local_ts, tp->n_local_ts);
		gw_ike_wr_ts(w, GW_IKE_PL_TSR, tp->remote_ts, tp->n_remote_ts);
	}
	return w->err ? -ENOSPC : 0;
}

static int
auth_i_process(struct ikev2_sa *sa, struct ikev2_task *t,
	       const struct gw_ike_msg *m)
{
	const struct gw_ikev2_conn *c = sa->conn;
	const struct gw_ikev2_child_cfg *tp = ikev2_tpl(c, t->tpl);
	struct gw_ike_proposal esp[GW_IKE_PROP_MAX];
	struct gw_ike_selection sel;
	struct gw_ikev2_id got;
	struct gw_ike_ts tsi[GW_IKEV2_TS_MAX], tsr[GW_IKEV2_TS_MAX];
	char why[1024], a[GW_IKEV2_ID_MAX + 16], b[GW_IKEV2_ID_MAX + 16];
	size_t n_tsi, n_tsr;

	if (gw_ike_msg_notify(m, GW_IKE_N_AUTHENTICATION_FAILED)) {
		/* the peer says no more than that: name what it judged */
		gw_ikev2_id_format(&c->local_id, a, sizeof(a));
		if (c->send_remote_id && c->remote_id.len)
			gw_ikev2_id_format(&c->remote_id, b, sizeof(b));
		else
			snprintf(b, sizeof(b), "(none)");
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "received AUTHENTICATION_FAILED notify: the peer refused IKE_AUTH; "
			  "we sent IDi %s, IDr %s, %s auth: check the identities and the %s",
			  a, b, c->local_auth == GW_IKEV2_AUTH_PUBKEY ? "certificate" : "PSK",
			  c->local_auth == GW_IKEV2_AUTH_PUBKEY ? "certificate and its CA"
								 : "PSK");
		return IKEV2_DESTROY;
	}
	if (!gw_ike_msg_has(m, GW_IKE_PL_IDR) ||
	    !gw_ike_msg_has(m, GW_IKE_PL_AUTH)) {
		for (unsigned i = 0; i < m->n_notify; i++)
			ikev2_log(sa, GW_IKEV2_ERROR, "received %s notify",
				  gw_ike_notify_name(m->notify[i].type));
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "IKE_AUTH response without IDr or AUTH");
		return IKEV2_DESTROY;
	}
	id_from_payload(&m->idr, &got);
	if (c->remote_id.type && !ikev2_id_match(&got, &c->remote_id)) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "AUTHENTICATION_FAILED (INVALID_ID): identity mismatch: peer is %s, connection expects %s",
			  gw_ikev2_id_format(&got, b, sizeof(b)),
			  gw_ikev2_id_format(&c->remote_id, a, sizeof(a)));
		sa->send_auth_failed = true;
		return IKEV2_DESTROY;
	}
	if (verify_auth(sa, m, &m->idr, &got) != 0) {
		sa->send_auth_failed = true;
		return IKEV2_DESTROY;
	}
	sa->remote_id = got;
	sa->state = GW_IKEV2_STATE_ESTABLISHED;
	ikev2_retry_clear(sa->engine, sa->conn);
	log_established(sa);

	for (unsigned i = 0; i < m->n_notify; i++) {
		if (m->notify[i].type < GW_IKE_N_STATUS_MIN) {
			ikev2_log(sa, GW_IKEV2_ERROR,
				  "received %s notify, no CHILD_SA built",
				  gw_ike_notify_name(m->notify[i].type));
			ikev2_sa_event(sa, GW_IKEV2_EV_FAILED, NULL, tp->name,
				       0, gw_ike_notify_name(m->notify[i].type));
			return IKEV2_DONE;
		}
	}
	if (!t->spi_in)
		return IKEV2_DONE;         /* we asked for no CHILD_SA */
	if (!gw_ike_msg_has(m, GW_IKE_PL_SA) || !gw_ike_msg_has(m, GW_IKE_PL_TSI) ||
	    !gw_ike_msg_has(m, GW_IKE_PL_TSR)) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "IKE_AUTH response without SA/TSi/TSr, no CHILD_SA built");
		return IKEV2_DONE;
	}
	ikev2_esp_without_dh(tp, esp);
	if (gw_ike_proposal_check_reply(esp, tp->n_esp_proposals,
					&m->sa, &sel, why, sizeof(why)) != 0 ||
	    sel.spi_size != 4) {
		ikev2_log(sa, GW_IKEV2_ERROR, "invalid ESP proposal reply: %s",
			  why);
		return IKEV2_DONE;
	}
	/* The responder may only narrow what we proposed (RFC 7296 2.9). */
	n_tsi = ikev2_ts_narrow(m->tsi.ts, m->tsi.n, tp->local_ts,
				tp->n_local_ts, tsi, GW_IKEV2_TS_MAX);
	n_tsr = ikev2_ts_narrow(m->tsr.ts, m->tsr.n, tp->remote_ts,
				tp->n_remote_ts, tsr, GW_IKEV2_TS_MAX);
	if (!n_tsi || !n_tsr) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "traffic selectors in the response are not ours, no CHILD_SA built");
		return IKEV2_DONE;
	}
	ikev2_child_install(sa, t->tpl, &sel.chosen, t->spi_in, be32(sel.spi),
			    tsi, n_tsi, tsr, n_tsr);
	return IKEV2_DONE;
}

void
ikev2_task_auth_i(struct ikev2_task *t)
{
	t->exchange = GW_IKE_EXCH_IKE_AUTH;
	t->name = "IKE_AUTH";
	t->build = auth_i_build;
	t->process = auth_i_process;
}

/* ------------------------------------------------------------ responder */

/* The connection this peer's identities select, among those its addresses do. */
static const struct gw_ikev2_conn *
conn_for_ids(struct ikev2_sa *sa, const struct gw_ikev2_id *idi,
	     const struct gw_ikev2_id *idr)
{
	struct gw_ikev2_engine *e = sa->engine;

	/* The one chosen at IKE_SA_INIT first, then the others. */
	for (size_t k = 0; k <= e->n_conns; k++) {
		const struct gw_ikev2_conn *c = k == 0 ? sa->conn :
						&e->conns[k - 1];

		if (k && c == sa->conn)
			continue;
		if (!ikev2_endpoint_match(&c->local, &sa->local.addr) ||
		    !ikev2_endpoint_match(&c->remote, &sa->remote.addr))
			continue;
		if (c->remote_id.type && !ikev2_id_match(&c->remote_id, idi))
			continue;
		if (idr && !ikev2_id_match(&c->local_id, idr))
			continue;
		return c;
	}
	return NULL;
}

/* After conn_for_ids() found none: which conns of these addresses it tried. */
static void
log_conns_tried(struct ikev2_sa *sa)
{
	struct gw_ikev2_engine *e = sa->engine;
	char buf[1024], a[GW_IKEV2_ID_MAX + 16], b[GW_IKEV2_ID_MAX + 16];
	size_t o = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < e->n_conns && o < sizeof(buf); k++) {
		const struct gw_ikev2_conn *c = &e->conns[k];

		if (!ikev2_endpoint_match(&c->local, &sa->local.addr) ||
		    !ikev2_endpoint_match(&c->remote, &sa->remote.addr))
			continue;
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
				      "%s%s (peer %s, us %s)", o ? ", " : "",
				      c->name,
				      gw_ikev2_id_format(&c->remote_id, a, sizeof(a)),
				      gw_ikev2_id_format(&c->local_id, b, sizeof(b)));
	}
	ikev2_log(sa, GW_IKEV2_INFO, "no connection matches the identities; tried %s",
		  buf[0] ? buf : "none");
}

static void
child_r(struct ikev2_sa *sa, struct ikev2_task *t, const struct gw_ike_msg *m)
{
	const struct gw_ikev2_child_cfg *tp;
	struct gw_ike_proposal esp[GW_IKE_PROP_MAX];
	struct gw_ike_selection sel;
	char why[1024];

	if (!gw_ike_msg_has(m, GW_IKE_PL_SA) || !gw_ike_msg_has(m, GW_IKE_PL_TSI) ||
	    !gw_ike_msg_has(m, GW_IKE_PL_TSR))
		return;                /* childless (RFC 6023 style): fine */
	/* The template is the one the selectors pick (logs TS_UNACCEPTABLE). */
	if (ikev2_tpl_pick(sa, m, t) < 0) {
		t->notify_err = GW_IKE_N_TS_UNACCEPTABLE;
		return;
	}
	tp = ikev2_tpl(sa->conn, t->tpl);
	ikev2_esp_without_dh(tp, esp);
	if (gw_ike_proposal_select(esp, tp->n_esp_proposals, &m->sa,
				   0, &sel, why, sizeof(why)) != 0 ||
	    sel.spi_size != 4) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "NO_PROPOSAL_CHOSEN: no acceptable ESP proposal, no CHILD_SA built: %s", why);
		t->notify_err = GW_IKE_N_NO_PROPOSAL_CHOSEN;
		return;
	}
	t->spi_in = ikev2_child_spi_new(sa->engine);
	t->spi_out = be32(sel.spi);
	t->esp = sel.chosen;
	t->prop_num = sel.prop_num;
	if (ikev2_child_install(sa, t->tpl, &sel.chosen, t->spi_in, t->spi_out,
				t->tsr, t->n_tsr, t->tsi, t->n_tsi) != 0) {
		t->notify_err = GW_IKE_N_NO_PROPOSAL_CHOSEN;
		return;
	}
	t->child_ok = true;
}

/*
 * The peer says it holds no other IKE SA with us (it restarted): the ones
 * we still have with the same identities are stale (RFC 7296 2.4).
 */
static void
initial_contact(struct ikev2_sa *sa)
{
	struct ikev2_sa *o, *next;

	for (o = sa->engine->sas; o; o = next) {
		next = o->next;
		if (o == sa || o->conn != sa->conn ||
		    o->state != GW_IKEV2_STATE_ESTABLISHED ||
		    !ikev2_id_equal(&o->remote_id, &sa->remote_id))
			continue;
		ikev2_log(sa, GW_IKEV2_INFO,
			  "INITIAL_CONTACT: deleting stale IKE_SA %s[%u]",
			  o->conn->name, o->id);
		ikev2_sa_destroy(o);
	}
}

static int
auth_r_process(struct ikev2_sa *sa, struct ikev2_task *t,
	       const struct gw_ike_msg *m)
{
	const struct gw_ikev2_conn *c;
	struct gw_ikev2_id idi, idr;
	bool has_idr = gw_ike_msg_has(m, GW_IKE_PL_IDR);
	char a[GW_IKEV2_ID_MAX + 16], b[GW_IKEV2_ID_MAX + 16];

	t->bare_notify = true;
	if (sa->state != GW_IKEV2_STATE_CONNECTING) {
		/* From the authenticated peer: refuse, keep the SA. */
		ikev2_log(sa, GW_IKEV2_ERROR, "IKE_AUTH on an established IKE_SA");
		t->notify_err = GW_IKE_N_INVALID_SYNTAX;
		return IKEV2_DONE;
	}
	if (!gw_ike_msg_has(m, GW_IKE_PL_IDI) ||
	    !gw_ike_msg_has(m, GW_IKE_PL_AUTH)) {
		ikev2_log(sa, GW_IKEV2_ERROR, "IKE_AUTH request without IDi or AUTH");
		t->notify_err = GW_IKE_N_AUTHENTICATION_FAILED;
		return IKEV2_DESTROY;
	}
	id_from_payload(&m->idi, &idi);
	if (has_idr)
		id_from_payload(&m->idr, &idr);
	c = conn_for_ids(sa, &idi, has_idr ? &idr : NULL);
	if (!c) {
		log_conns_tried(sa);
		if (has_idr && !ikev2_id_match(&sa->conn->local_id, &idr))
			ikev2_log(sa, GW_IKEV2_ERROR,
				  "AUTHENTICATION_FAILED (INVALID_ID): identity mismatch: peer wants us as %s, we are %s",
				  gw_ikev2_id_format(&idr, a, sizeof(a)),
				  gw_ikev2_id_format(&sa->conn->local_id, b,
						     sizeof(b)));
		else
			ikev2_log(sa, GW_IKEV2_ERROR,
				  "AUTHENTICATION_FAILED (INVALID_ID): identity mismatch: peer is %s, connection expects %s",
				  gw_ikev2_id_format(&idi, b, sizeof(b)),
				  gw_ikev2_id_format(&sa->conn->remote_id, a,
						     sizeof(a)));
		t->notify_err = GW_IKE_N_AUTHENTICATION_FAILED;
		return IKEV2_DESTROY;
	}
	if (c != sa->conn) {
		ikev2_log(sa, GW_IKEV2_INFO, "switching to connection %s",
			  c->name);
		sa->conn = c;
	}
	if (verify_auth(sa, m, &m->idi, &idi) != 0) {
		t->notify_err = GW_IKE_N_AUTHENTICATION_FAILED;
		return IKEV2_DESTROY;
	}
	sa->remote_id = idi;
	sa->state = GW_IKEV2_STATE_ESTABLISHED;
	t->bare_notify = false;
	log_established(sa);
	if (gw_ike_msg_notify(m, GW_IKE_N_INITIAL_CONTACT))
		initial_contact(sa);
	child_r(sa, t, m);
	return IKEV2_DONE;
}

static int
auth_r_build(struct ikev2_sa *sa, struct ikev2_task *t,
	     struct gw_ike_writer *w)
{
	struct gw_ike_sa_pl sapl = { .n_prop = 1 };
	uint8_t spi[4];
	int rc;

	if (t->bare_notify) {
		gw_ike_wr_notify(w, 0, NULL, 0, t->notify_err, NULL, 0);
		return w->err ? -ENOSPC : 0;
	}
	write_id(sa, w, &sa->conn->local_id);
	ikev2_write_certs(sa->conn, w);
	rc = write_auth(sa, w, &sa->conn->local_id);
	if (rc != 0)
		return rc;
	if (!t->child_ok) {
		if (t->notify_err)
			gw_ike_wr_notify(w, 0, NULL, 0, t->notify_err, NULL, 0);
		return w->err ? -ENOSPC : 0;
	}
	put_be32(spi, t->spi_in);
	if (gw_ike_proposal_to_sa(&t->esp, t->prop_num, spi, 4,
				  &sapl.prop[0]) != 0)
		return -EINVAL;
	gw_ike_wr_sa(w, &sapl);
	gw_ike_wr_ts(w, GW_IKE_PL_TSI, t->tsi, t->n_tsi);
	gw_ike_wr_ts(w, GW_IKE_PL_TSR, t->tsr, t->n_tsr);
	return w->err ? -ENOSPC : 0;
}

void
ikev2_task_auth_r(struct ikev2_task *t)
{
	t->exchange = GW_IKE_EXCH_IKE_AUTH;
	t->name = "IKE_AUTH";
	t->build = auth_r_build;
	t->process = auth_r_process;
}
