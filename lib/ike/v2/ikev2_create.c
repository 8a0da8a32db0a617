/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CREATE_CHILD_SA task (RFC 7296 1.3): new CHILD SAs of a connection's
 * further templates (1.3.1; the responder picks the template by the
 * selectors), CHILD SA rekeying (1.3.3, 2.8), both with optional PFS, IKE
 * SA rekeying (1.3.2, 2.18) and the resolution of simultaneous rekeys
 * (2.8.1).
 *
 * Make-before-break: the new child is installed when the exchange
 * completes; the old one goes with the INFORMATIONAL Delete that the
 * rekey initiator sends afterwards (the responder removes its copy when
 * that Delete arrives). An IKE SA rekey moves the children to the new IKE
 * SA: the initiator at once, the responder when the old IKE SA is deleted.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gw_common.h"
#include "ikev2.h"


/* When a failed rekey is tried again: 10-30 s on (RFC 7296 2.25 asks
 * for a random wait so that two peers do not collide again). */
static uint64_t
rekey_retry_ms(const struct gw_ikev2_engine *e)
{
	uint32_t r = 0;

	(void)gw_ike_random(&r, sizeof(r));
	return e->now_ms + 10000 + r % 20000;
}

/* A CHILD SA whose rekey failed gets another try before its hard
 * lifetime (it goes at that one otherwise). */
static void
child_rekey_again(struct ikev2_sa *sa, struct ikev2_child *ch)
{
	uint64_t at;

	if (!ch || ch->deleting || ch->rekeyed || !ch->expire_ms)
		return;
	at = rekey_retry_ms(sa->engine);
	if (at >= ch->expire_ms)
		return;
	ch->rekey_ms = at;
	ikev2_log(sa, GW_IKEV2_INFO, "CHILD_SA %08x_i rekey again in %llus",
		  ch->c.spi_in, (unsigned long long)(at - sa->engine->now_ms) / 1000);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Nonces compared as octet strings, a prefix before the longer (2.8.1). */
static int
nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* The lowest of an exchange's two nonces, into @p out. */
static uint16_t
nonce_low(const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
	  uint8_t *out)
{
	if (nonce_cmp(ni, ni_len, nr, nr_len) <= 0) {
		memcpy(out, ni, ni_len);
		return (uint16_t)ni_len;
	}
	memcpy(out, nr, nr_len);
	return (uint16_t)nr_len;
}

/* The DH group a proposal asks for; 0 for none (no PFS). */
static uint16_t
prop_group(const struct gw_ike_proposal *p)
{
	return p->n[GW_IKE_XF_DH] ? p->alg[GW_IKE_XF_DH][0].id : 0;
}

static uint16_t
esp_group(const struct gw_ikev2_child_cfg *tp)
{
	for (size_t i = 0; i < tp->n_esp_proposals; i++)
		if (prop_group(&tp->esp_proposals[i]))
			return prop_group(&tp->esp_proposals[i]);
	return 0;
}

static bool
group_in(const struct gw_ike_proposal *list, size_t n, uint16_t g)
{
	for (size_t i = 0; i < n; i++)
		for (unsigned k = 0; k < list[i].n[GW_IKE_XF_DH]; k++)
			if (list[i].alg[GW_IKE_XF_DH][k].id == g)
				return true;
	return false;
}

static int
fresh_nonce(struct ikev2_task *t)
{
	if (t->nonce_len)
		return 0;
	t->nonce_len = IKEV2_NONCE_LEN;
	return gw_ike_random(t->nonce, t->nonce_len) ? -EIO : 0;
}

/* Our key pair for @p group in *ke, its public value written as KE. */
static int
write_ke(struct ikev2_sa *sa, struct gw_ike_writer *w, struct gw_ike_ke **ke,
	 uint16_t group)
{
	uint8_t pub[GW_IKE_KE_MAX];
	int rc, len;

	if (!*ke) {
		rc = gw_ike_ke_new(ke, group, sa->conn->allow_weak);
		if (rc != 0) {
			ikev2_log(sa, GW_IKEV2_ERROR, "DH group %s unavailable: %d",
				  gw_ike_xf_id_name(GW_IKE_XF_DH, group), rc);
			return rc;
		}
	}
	len = gw_ike_ke_export(*ke, pub, sizeof(pub));
	if (len < 0)
		return len;
	gw_ike_wr_ke(w, group, pub, (size_t)len);
	return 0;
}

/* The first error notify of a response, 0 if none. */
static uint16_t
error_notify(const struct gw_ike_msg *m, uint16_t *data16)
{
	for (unsigned i = 0; i < m->n_notify; i++) {
		const struct gw_ike_notify_pl *n = &m->notify[i];

		if (n->type < GW_IKE_N_STATUS_MIN) {
			*data16 = n->len == 2 ?
				  (uint16_t)(n->data[0] << 8 | n->data[1]) : 0;
			return n->type;
		}
	}
	return 0;
}

static void
drop_rekey_ke(struct ikev2_sa *sa)
{
	gw_ike_ke_free(sa->rekey_ke);
	sa->rekey_ke = NULL;
}

bool
ikev2_task_stale(struct ikev2_sa *sa, const struct ikev2_task *t)
{
	if (t->exchange == GW_IKE_EXCH_CREATE_CHILD_SA && t->rekey_spi) {
		struct ikev2_child *ch = ikev2_child_by_in(sa, t->rekey_spi);

		return !ch || ch->rekeyed || ch->deleting;
	}
	if (t->exchange == GW_IKE_EXCH_INFORMATIONAL && t->del_spi &&
	    !t->del_gone)
		return !ikev2_child_by_in(sa, t->del_spi);
	return false;
}

/* ------------------------------------------------- CHILD SA, initiator */

/* A new CHILD SA of template t->tpl, or the rekey of t->rekey_spi. */
static int
child_i_build(struct ikev2_sa *sa, struct ikev2_task *t,
	      struct gw_ike_writer *w)
{
	struct ikev2_child *old = NULL;
	const struct gw_ikev2_child_cfg *tp;
	struct gw_ike_sa_pl sapl;
	uint16_t group;
	uint8_t spi[4];
	int rc;

	if (t->rekey_spi) {
		old = ikev2_child_by_in(sa, t->rekey_spi);
		if (!old)
			return -ENOENT;
		t->tpl = old->tpl;
	}
	tp = ikev2_tpl(sa->conn, t->tpl);
	if (!tp->n_esp_proposals || !tp->n_local_ts || !tp->n_remote_ts)
		return -EINVAL;
	group = t->ke_group ? t->ke_group : esp_group(tp);
	if (!t->spi_in)
		t->spi_in = ikev2_child_spi_new(sa->engine);
	if (fresh_nonce(t) != 0)
		return -EIO;
	if (old) {
		put_be32(spi, old->c.spi_in);
		gw_ike_wr_notify(w, GW_IKE_PROTO_ESP, spi, 4, GW_IKE_N_REKEY_SA,
				 NULL, 0);
	}
	put_be32(spi, t->spi_in);
	if (gw_ike_proposal_list_to_sa(tp->esp_proposals, tp->n_esp_proposals,
				       spi, 4, &sapl) != 0)
		return -EINVAL;
	gw_ike_wr_sa(w, &sapl);
	gw_ike_wr_nonce(w, t->nonce, t->nonce_len);
	drop_rekey_ke(sa);
	if (group) {
		rc = write_ke(sa, w, &sa->rekey_ke, group);
		if (rc != 0)
			return rc;
	}
	gw_ike_wr_ts(w, GW_IKE_PL_TSI, tp->local_ts, tp->n_local_ts);
	gw_ike_wr_ts(w, GW_IKE_PL_TSR, tp->remote_ts, tp->n_remote_ts);
	if (old) {
		old->rekeying = true;
		ikev2_log(sa, GW_IKEV2_INFO, "rekeying CHILD_SA %08x_i%s",
			  old->c.spi_in, group ? " with PFS" : "");
	} else {
		ikev2_log(sa, GW_IKEV2_INFO, "creating CHILD_SA %s%s", tp->name,
			  group ? " with PFS" : "");
	}
	return w->err ? -ENOSPC : 0;
}

/* After our rekey of @p old made child @p spi_new: who deletes what. */
static void
rekey_child_finish(struct ikev2_sa *sa, struct ikev2_child *old,
		   uint32_t spi_new, const uint8_t *low, uint16_t low_len)
{
	uint32_t old_spi = old->c.spi_in;

	old->rekeying = false;
	if (old->peer_new_spi &&
	    nonce_cmp(low, low_len, old->peer_low, old->peer_low_len) < 0) {
		/* Ours holds the lowest nonce: ours is the redundant one,
		 * and the peer deletes the old child. */
		ikev2_log(sa, GW_IKEV2_INFO,
			  "CHILD_SA rekey collision lost, deleting redundant CHILD_SA %08x_i",
			  spi_new);
		old->rekeyed = true;
		old->peer_new_spi = 0;
		ikev2_queue_child_delete(sa, spi_new, false);
		return;
	}
	if (old->peer_new_spi)
		ikev2_log(sa, GW_IKEV2_INFO,
			  "CHILD_SA rekey collision won, the peer deletes its redundant CHILD_SA");
	old->peer_new_spi = 0;
	old->rekeyed = true;
	ikev2_queue_child_delete(sa, old_spi, false);
}

static int
child_i_process(struct ikev2_sa *sa, struct ikev2_task *t,
		const struct gw_ike_msg *m)
{
	const struct gw_ikev2_child_cfg *c = ikev2_tpl(sa->conn, t->tpl);
	struct ikev2_child *old = t->rekey_spi ?
				  ikev2_child_by_in(sa, t->rekey_spi) : NULL;
	struct gw_ike_selection sel;
	struct gw_ike_ts tsi[GW_IKEV2_TS_MAX], tsr[GW_IKEV2_TS_MAX];
	struct ikev2_keysrc src = {
		.initiator = true, .tpl = t->tpl, .rekey_of = t->rekey_spi,
	};
	uint8_t low[GW_IKE_NONCE_MAX];
	uint16_t err, g = 0, low_len;
	size_t n_tsi, n_tsr;
	char why[1024];
	uint16_t group;

	err = error_notify(m, &g);
	if (err == GW_IKE_N_INVALID_KE_PAYLOAD && g && g != t->ke_group &&
	    group_in(c->esp_proposals, c->n_esp_proposals, g) &&
	    ++t->retries <= 2) {
		ikev2_log(sa, GW_IKEV2_INFO,
			  "peer wants DH group %s for the CHILD_SA %s",
			  gw_ike_xf_id_name(GW_IKE_XF_DH, g),
			  t->rekey_spi ? "rekey" : c->name);
		t->ke_group = g;
		return IKEV2_RETRY;
	}
	if (old)
		old->rekeying = false;
	if (err && !t->rekey_spi) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "CHILD_SA %s not created: received %s notify", c->name,
			  gw_ike_notify_name(err));
		ikev2_sa_event(sa, GW_IKEV2_EV_FAILED, NULL, c->name, 0,
			       gw_ike_notify_name(err));
		drop_rekey_ke(sa);
		return IKEV2_DONE;
	}
	if (err) {
		ikev2_log(sa, GW_IKEV2_INFO,
			  "CHILD_SA rekey of %08x_i failed: received %s notify",
			  t->rekey_spi, gw_ike_notify_name(err));
		if (old)
			old->peer_new_spi = 0;
		drop_rekey_ke(sa);
		child_rekey_again(sa, old);
		return IKEV2_DONE;
	}
	if (!gw_ike_msg_has(m, GW_IKE_PL_SA) ||
	    !gw_ike_msg_has(m, GW_IKE_PL_NONCE) ||
	    !gw_ike_msg_has(m, GW_IKE_PL_TSI) ||
	    !gw_ike_msg_has(m, GW_IKE_PL_TSR) ||
	    m->nonce.len < GW_IKE_NONCE_MIN || m->nonce.len > GW_IKE_NONCE_MAX) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "CREATE_CHILD_SA response lacks SA, Nonce or TS");
		goto fail;
	}
	if (gw_ike_proposal_check_reply(c->esp_proposals, c->n_esp_proposals,
					&m->sa, &sel, why, sizeof(why)) != 0 ||
	    sel.spi_size != 4) {
		ikev2_log(sa, GW_IKEV2_ERROR, "invalid ESP proposal reply: %s",
			  why);
		goto fail;
	}
	group = prop_group(&sel.chosen);
	if (group) {
		if (!sa->rekey_ke || gw_ike_ke_group(sa->rekey_ke) != group ||
		    !gw_ike_msg_has(m, GW_IKE_PL_KE) || m->ke.group != group ||
		    gw_ike_ke_derive(sa->rekey_ke, m->ke.data, m->ke.len) != 0) {
			ikev2_log(sa, GW_IKEV2_ERROR,
				  "CREATE_CHILD_SA response with a bad KE");
			goto fail;
		}
		src.gir = gw_ike_ke_secret(sa->rekey_ke, &src.gir_len);
	}
	n_tsi = ikev2_ts_narrow(m->tsi.ts, m->tsi.n, c->local_ts, c->n_local_ts,
				tsi, GW_IKEV2_TS_MAX);
	n_tsr = ikev2_ts_narrow(m->tsr.ts, m->tsr.n, c->remote_ts,
				c->n_remote_ts, tsr, GW_IKEV2_TS_MAX);
	if (!n_tsi || !n_tsr) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "traffic selectors in the response are not ours");
		goto fail;
	}
	src.ni = t->nonce;
	src.ni_len = t->nonce_len;
	src.nr = m->nonce.data;
	src.nr_len = m->nonce.len;
	if (ikev2_child_install_keyed(sa, &sel.chosen, t->spi_in,
				      be32(sel.spi), tsi, n_tsi, tsr, n_tsr,
				      &src) != 0)
		goto fail;
	drop_rekey_ke(sa);
	if (!t->rekey_spi)
		return IKEV2_DONE;
	low_len = nonce_low(t->nonce, t->nonce_len, m->nonce.data,
			    m->nonce.len, low);
	/* The install may not move existing entries, but look again. */
	old = ikev2_child_by_in(sa, t->rekey_spi);
	if (old)
		rekey_child_finish(sa, old, t->spi_in, low, low_len);
	return IKEV2_DONE;
fail:
	/* The peer may have installed it: tell it to go. */
	drop_rekey_ke(sa);
	if (old)
		old->peer_new_spi = 0;
	if (!t->rekey_spi)
		ikev2_sa_event(sa, GW_IKEV2_EV_FAILED, NULL, c->name, 0,
			       sa->last_err);
	return IKEV2_DONE;
}

void
ikev2_task_rekey_child_i(struct ikev2_task *t, uint32_t spi_in)
{
	t->exchange = GW_IKE_EXCH_CREATE_CHILD_SA;
	t->name = "CREATE_CHILD_SA";
	t->build = child_i_build;
	t->process = child_i_process;
	t->rekey_spi = spi_in;
}

void
ikev2_task_create_child_i(struct ikev2_task *t, uint8_t tpl)
{
	t->exchange = GW_IKE_EXCH_CREATE_CHILD_SA;
	t->name = "CREATE_CHILD_SA";
	t->build = child_i_build;
	t->process = child_i_process;
	t->tpl = tpl;
}

/* --------------------------------------------------- IKE SA, initiator */

static uint64_t
ike_spi_new(void)
{
	uint64_t v = 0;

	while (v == 0)
		if (gw_ike_random(&v, sizeof(v)) != 0)
			return 0;
	return v;
}

/*
 * The IKE SA that replaces @p old: keys from old's SK_d (2.18), the
 * chosen proposal, addresses and identities carried over.
 */
static int
rekeyed_sa_setup(struct ikev2_sa *n, const struct ikev2_sa *old,
		 const struct gw_ike_proposal *chosen, const uint8_t *gir,
		 size_t gir_len, const uint8_t *ni, size_t ni_len,
		 const uint8_t *nr, size_t nr_len)
{
	struct gw_ike_algs algs = { 0 };
	uint8_t spi_i[8], spi_r[8];
	int rc;

	algs.encr = chosen->alg[GW_IKE_XF_ENCR][0].id;
	algs.encr_key_bits = chosen->alg[GW_IKE_XF_ENCR][0].key_len;
	algs.integ = chosen->n[GW_IKE_XF_INTEG] ?
		     chosen->alg[GW_IKE_XF_INTEG][0].id : 0;
	algs.prf = chosen->n[GW_IKE_XF_PRF] ? chosen->alg[GW_IKE_XF_PRF][0].id : 0;
	ikev2_put64(spi_i, n->spi_i);
	ikev2_put64(spi_r, n->spi_r);
	rc = gw_ike_sa_keys_derive_rekey(&n->keys, &algs, &old->keys, gir,
					 gir_len, ni, ni_len, nr, nr_len,
					 spi_i, spi_r);
	if (rc == 0)
		rc = gw_ike_sa_keys_sk_new(&n->keys, n->initiator, &n->sk_out,
					   &n->sk_in);
	if (rc != 0)
		return rc;
	n->keyed = true;
	n->proposal = *chosen;
	n->ke_group = prop_group(chosen);
	n->local = old->local;
	n->remote = old->remote;
	n->nat_local = old->nat_local;
	n->nat_remote = old->nat_remote;
	n->remote_id = old->remote_id;
	n->state = GW_IKEV2_STATE_ESTABLISHED;
	n->last_rx_ms = n->engine->now_ms;
	ikev2_log(n, GW_IKEV2_INFO,
		  "IKE_SA %s[%u] rekeyed into %s[%u], SPIs %016llx_i %016llx_r",
		  old->conn->name, old->id, n->conn->name, n->id,
		  (unsigned long long)n->spi_i, (unsigned long long)n->spi_r);
	ikev2_sa_event(n, GW_IKEV2_EV_IKE_REKEYED, NULL, NULL, old->id, NULL);
	return 0;
}

static int
queue_ike_delete(struct ikev2_sa *sa)
{
	struct ikev2_task t;

	memset(&t, 0, sizeof(t));
	ikev2_task_info_i(&t, true, false);
	sa->state = GW_IKEV2_STATE_DELETING;
	return ikev2_sa_queue(sa, &t);
}

static int
rekey_ike_i_build(struct ikev2_sa *sa, struct ikev2_task *t,
		  struct gw_ike_writer *w)
{
	const struct gw_ikev2_conn *c = sa->conn;
	struct gw_ike_sa_pl sapl;
	uint16_t group = t->ke_group ? t->ke_group : prop_group(&sa->proposal);
	uint8_t spi[8];
	int rc;

	if (!t->new_spi)
		t->new_spi = ike_spi_new();
	if (!t->new_spi || fresh_nonce(t) != 0)
		return -EIO;
	ikev2_put64(spi, t->new_spi);
	if (gw_ike_proposal_list_to_sa(c->proposals, c->n_proposals, spi, 8,
				       &sapl) != 0)
		return -EINVAL;
	gw_ike_wr_sa(w, &sapl);
	gw_ike_wr_nonce(w, t->nonce, t->nonce_len);
	drop_rekey_ke(sa);
	rc = write_ke(sa, w, &sa->rekey_ke, group);
	if (rc != 0)
		return rc;
	sa->rekeying = true;
	ikev2_log(sa, GW_IKEV2_INFO, "rekeying IKE_SA %s[%u]", c->name, sa->id);
	return w->err ? -ENOSPC : 0;
}

static int
rekey_ike_i_process(struct ikev2_sa *sa, struct ikev2_task *t,
		    const struct gw_ike_msg *m)
{
	const struct gw_ikev2_conn *c = sa->conn;
	struct gw_ikev2_engine *e = sa->engine;
	struct gw_ike_selection sel;
	struct ikev2_sa *n;
	const uint8_t *gir;
	size_t gir_len;
	uint8_t low[GW_IKE_NONCE_MAX];
	uint16_t err, g = 0, group, low_len;
	char why[1024];

	err = error_notify(m, &g);
	if (err == GW_IKE_N_INVALID_KE_PAYLOAD && g && g != t->ke_group &&
	    group_in(c->proposals, c->n_proposals, g) && ++t->retries <= 2) {
		t->ke_group = g;
		return IKEV2_RETRY;
	}
	sa->rekeying = false;
	if (err) {
		ikev2_log(sa, GW_IKEV2_INFO,
			  "IKE_SA rekey failed: received %s notify",
			  gw_ike_notify_name(err));
		goto fail;
	}
	if (!gw_ike_msg_has(m, GW_IKE_PL_SA) ||
	    !gw_ike_msg_has(m, GW_IKE_PL_NONCE) ||
	    !gw_ike_msg_has(m, GW_IKE_PL_KE) ||
	    m->nonce.len < GW_IKE_NONCE_MIN || m->nonce.len > GW_IKE_NONCE_MAX ||
	    gw_ike_proposal_check_reply(c->proposals, c->n_proposals, &m->sa,
					&sel, why, sizeof(why)) != 0 ||
	    sel.spi_size != 8 || be64(sel.spi) == 0) {
		ikev2_log(sa, GW_IKEV2_ERROR, "invalid IKE_SA rekey response");
		goto fail;
	}
	group = prop_group(&sel.chosen);
	if (!group || !sa->rekey_ke || gw_ike_ke_group(sa->rekey_ke) != group ||
	    m->ke.group != group ||
	    gw_ike_ke_derive(sa->rekey_ke, m->ke.data, m->ke.len) != 0) {
		ikev2_log(sa, GW_IKEV2_ERROR, "IKE_SA rekey response with a bad KE");
		goto fail;
	}
	gir = gw_ike_ke_secret(sa->rekey_ke, &gir_len);
	n = ikev2_sa_new(e, c, true);
	if (!n)
		goto fail;
	n->spi_i = t->new_spi;
	n->spi_r = be64(sel.spi);
	ikev2_sa_rehash(n);
	if (rekeyed_sa_setup(n, sa, &sel.chosen, gir, gir_len, t->nonce,
			     t->nonce_len, m->nonce.data, m->nonce.len) != 0) {
		ikev2_log(sa, GW_IKEV2_ERROR, "IKE_SA rekey key derivation failed");
		ikev2_sa_destroy(n);
		goto fail;
	}
	drop_rekey_ke(sa);
	low_len = nonce_low(t->nonce, t->nonce_len, m->nonce.data, m->nonce.len,
			    low);
	if (sa->peer_new_id && ikev2_sa_by_id(e, sa->peer_new_id) &&
	    nonce_cmp(low, low_len, sa->peer_low, sa->peer_low_len) < 0) {
		/* Ours holds the lowest nonce: it goes, the peer's stays and
		 * takes the children when the peer deletes the old one. */
		ikev2_log(sa, GW_IKEV2_INFO,
			  "IKE_SA rekey collision lost, deleting redundant IKE_SA %s[%u]",
			  n->conn->name, n->id);
		sa->peer_new_id = 0;
		queue_ike_delete(n);
		ikev2_sa_kick(n);
		return IKEV2_DONE;
	}
	if (sa->peer_new_id)
		ikev2_log(sa, GW_IKEV2_INFO,
			  "IKE_SA rekey collision won, the peer deletes its redundant IKE_SA");
	sa->peer_new_id = 0;
	sa->successor_id = n->id;
	ikev2_children_move(sa, n);
	queue_ike_delete(sa);
	return IKEV2_DONE;
fail:
	drop_rekey_ke(sa);
	sa->peer_new_id = 0;
	/* RFC 7296 2.25: try again later (TEMPORARY_FAILURE, a collision
	 * lost to a delete, a bad answer), not only at the next lifetime */
	if (!sa->successor_id && sa->state == GW_IKEV2_STATE_ESTABLISHED) {
		sa->rekey_ms = rekey_retry_ms(e);
		ikev2_log(sa, GW_IKEV2_INFO, "IKE_SA rekey again in %llus",
			  (unsigned long long)(sa->rekey_ms - e->now_ms) / 1000);
	}
	return IKEV2_DONE;
}

void
ikev2_task_rekey_ike_i(struct ikev2_task *t)
{
	t->exchange = GW_IKE_EXCH_CREATE_CHILD_SA;
	t->name = "CREATE_CHILD_SA";
	t->build = rekey_ike_i_build;
	t->process = rekey_ike_i_process;
	t->rekey_ike = true;
}

/* ------------------------------------------------------------ responder */

/*
 * Responder half shared by new and rekeyed CHILD SAs of template t->tpl:
 * ESP proposal (with the KE group for PFS), nonce, selectors narrowed
 * into t->tsi/t->tsr (already done for a new one), install.
 */
static void
child_r_negotiate(struct ikev2_sa *sa, struct ikev2_task *t,
		  const struct gw_ike_msg *m, bool narrow)
{
	const struct gw_ikev2_child_cfg *c = ikev2_tpl(sa->conn, t->tpl);
	struct gw_ike_selection sel;
	struct ikev2_keysrc src = {
		.initiator = false, .tpl = t->tpl, .rekey_of = t->rekey_spi,
	};
	char why[1024];
	uint16_t group;
	int rc;

	if (!gw_ike_msg_has(m, GW_IKE_PL_SA) ||
	    !gw_ike_msg_has(m, GW_IKE_PL_NONCE) ||
	    !gw_ike_msg_has(m, GW_IKE_PL_TSI) ||
	    !gw_ike_msg_has(m, GW_IKE_PL_TSR) ||
	    m->nonce.len < GW_IKE_NONCE_MIN || m->nonce.len > GW_IKE_NONCE_MAX) {
		t->notify_err = GW_IKE_N_INVALID_SYNTAX;
		return;
	}
	if (gw_ike_proposal_select(c->esp_proposals, c->n_esp_proposals, &m->sa,
				   gw_ike_msg_has(m, GW_IKE_PL_KE) ?
				   m->ke.group : 0, &sel, why,
				   sizeof(why)) != 0 || sel.spi_size != 4) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "NO_PROPOSAL_CHOSEN: no acceptable ESP proposal for CHILD_SA %s: %s",
			  c->name, why);
		t->notify_err = GW_IKE_N_NO_PROPOSAL_CHOSEN;
		return;
	}
	group = prop_group(&sel.chosen);
	if (group && (!gw_ike_msg_has(m, GW_IKE_PL_KE) ||
		      m->ke.group != group)) {
		t->notify_err = GW_IKE_N_INVALID_KE_PAYLOAD;
		t->notify_data16 = group;
		return;
	}
	if (group) {
		rc = gw_ike_ke_new(&t->ke, group, sa->conn->allow_weak);
		if (rc == 0)
			rc = gw_ike_ke_derive(t->ke, m->ke.data, m->ke.len);
		if (rc != 0) {
			t->notify_err = GW_IKE_N_NO_PROPOSAL_CHOSEN;
			return;
		}
		src.gir = gw_ike_ke_secret(t->ke, &src.gir_len);
	}
	if (narrow) {
		t->n_tsi = ikev2_ts_narrow(m->tsi.ts, m->tsi.n, c->remote_ts,
					   c->n_remote_ts, t->tsi,
					   GW_IKEV2_TS_MAX);
		t->n_tsr = ikev2_ts_narrow(m->tsr.ts, m->tsr.n, c->local_ts,
					   c->n_local_ts, t->tsr,
					   GW_IKEV2_TS_MAX);
	}
	if (!t->n_tsi || !t->n_tsr) {
		t->notify_err = GW_IKE_N_TS_UNACCEPTABLE;
		return;
	}
	if (fresh_nonce(t) != 0) {
		t->notify_err = GW_IKE_N_TEMPORARY_FAILURE;
		return;
	}
	t->spi_in = ikev2_child_spi_new(sa->engine);
	t->spi_out = be32(sel.spi);
	t->esp = sel.chosen;
	t->prop_num = sel.prop_num;
	src.ni = m->nonce.data;
	src.ni_len = m->nonce.len;
	src.nr = t->nonce;
	src.nr_len = t->nonce_len;
	if (ikev2_child_install_keyed(sa, &sel.chosen, t->spi_in, t->spi_out,
				      t->tsr, t->n_tsr, t->tsi, t->n_tsi,
				      &src) != 0) {
		t->notify_err = GW_IKE_N_NO_PROPOSAL_CHOSEN;
		return;
	}
	t->child_ok = true;
}

static void
rekey_child_r(struct ikev2_sa *sa, struct ikev2_task *t,
	      const struct gw_ike_msg *m, const struct gw_ike_notify_pl *rn)
{
	struct ikev2_child *old;

	if (rn->protocol != GW_IKE_PROTO_ESP || rn->spi_size != 4 ||
	    !(old = ikev2_child_by_out(sa, be32(rn->spi)))) {
		ikev2_log(sa, GW_IKEV2_INFO,
			  "CHILD_SA to rekey not found, CHILD_SA_NOT_FOUND");
		t->notify_err = GW_IKE_N_CHILD_SA_NOT_FOUND;
		return;
	}
	t->rekey_spi = old->c.spi_in;
	t->tpl = old->tpl;
	if (old->rekeyed || old->deleting) {
		/* Already replaced or on its way out (2.25). */
		ikev2_log(sa, GW_IKEV2_INFO,
			  "CHILD_SA %08x_i is being rekeyed or deleted, TEMPORARY_FAILURE",
			  old->c.spi_in);
		t->notify_err = GW_IKE_N_TEMPORARY_FAILURE;
		return;
	}
	child_r_negotiate(sa, t, m, true);
	if (!t->child_ok)
		return;
	old = ikev2_child_by_in(sa, t->rekey_spi);
	if (old)
		old->replaced = true;
	if (old && old->rekeying) {
		/* Both rekey it (2.8.1): decided when our exchange ends. */
		old->peer_new_spi = t->spi_in;
		old->peer_low_len = nonce_low(m->nonce.data, m->nonce.len,
					      t->nonce, t->nonce_len,
					      old->peer_low);
		ikev2_log(sa, GW_IKEV2_INFO,
			  "CHILD_SA rekey collision on %08x_i", old->c.spi_in);
	}
}

/* A new CHILD SA (1.3.1): the template is the one the selectors pick. */
static void
new_child_r(struct ikev2_sa *sa, struct ikev2_task *t,
	    const struct gw_ike_msg *m)
{
	if (!gw_ike_msg_has(m, GW_IKE_PL_SA) || !gw_ike_msg_has(m, GW_IKE_PL_TSI) ||
	    !gw_ike_msg_has(m, GW_IKE_PL_TSR)) {
		t->notify_err = GW_IKE_N_INVALID_SYNTAX;
		return;
	}
	if (ikev2_tpl_pick(sa, m, t) < 0) {
		t->notify_err = GW_IKE_N_TS_UNACCEPTABLE;
		return;
	}
	child_r_negotiate(sa, t, m, false);
}

static void
rekey_ike_r(struct ikev2_sa *sa, struct ikev2_task *t,
	    const struct gw_ike_msg *m)
{
	const struct gw_ikev2_conn *c = sa->conn;
	struct gw_ikev2_engine *e = sa->engine;
	struct gw_ike_selection sel;
	struct ikev2_sa *n;
	const uint8_t *gir;
	size_t gir_len;
	char why[1024];
	uint16_t group;
	int rc;

	if (sa->successor_id || sa->n_queue > 1 ||
	    (sa->n_queue == 1 && !sa->rekeying)) {
		/* Already replaced, or a request of ours in flight that
		 * would be lost with the old IKE SA (2.25). */
		t->notify_err = GW_IKE_N_TEMPORARY_FAILURE;
		return;
	}
	if (!gw_ike_msg_has(m, GW_IKE_PL_NONCE) ||
	    m->nonce.len < GW_IKE_NONCE_MIN || m->nonce.len > GW_IKE_NONCE_MAX) {
		t->notify_err = GW_IKE_N_INVALID_SYNTAX;
		return;
	}
	if (gw_ike_proposal_select(c->proposals, c->n_proposals, &m->sa,
				   gw_ike_msg_has(m, GW_IKE_PL_KE) ?
				   m->ke.group : 0, &sel, why,
				   sizeof(why)) != 0 || sel.spi_size != 8 ||
	    be64(sel.spi) == 0) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "NO_PROPOSAL_CHOSEN: no acceptable IKE proposal for the rekey: %s",
			  why);
		t->notify_err = GW_IKE_N_NO_PROPOSAL_CHOSEN;
		return;
	}
	group = prop_group(&sel.chosen);
	if (!group || !gw_ike_msg_has(m, GW_IKE_PL_KE) || m->ke.group != group) {
		t->notify_err = GW_IKE_N_INVALID_KE_PAYLOAD;
		t->notify_data16 = group;
		return;
	}
	rc = gw_ike_ke_new(&t->ke, group, c->allow_weak);
	if (rc == 0)
		rc = gw_ike_ke_derive(t->ke, m->ke.data, m->ke.len);
	if (rc != 0 || fresh_nonce(t) != 0) {
		t->notify_err = GW_IKE_N_NO_PROPOSAL_CHOSEN;
		return;
	}
	gir = gw_ike_ke_secret(t->ke, &gir_len);
	n = ikev2_sa_new(e, c, false);
	if (!n) {
		t->notify_err = GW_IKE_N_TEMPORARY_FAILURE;
		return;
	}
	n->spi_i = be64(sel.spi);
	n->spi_r = ike_spi_new();
	ikev2_sa_rehash(n);
	if (!n->spi_r ||
	    rekeyed_sa_setup(n, sa, &sel.chosen, gir, gir_len, m->nonce.data,
			     m->nonce.len, t->nonce, t->nonce_len) != 0) {
		ikev2_sa_destroy(n);
		t->notify_err = GW_IKE_N_NO_PROPOSAL_CHOSEN;
		return;
	}
	t->new_spi = n->spi_r;
	t->esp = sel.chosen;       /* the IKE proposal, here */
	t->prop_num = sel.prop_num;
	t->rekey_ike = true;
	t->child_ok = true;
	/* The children follow when the peer deletes this IKE SA. */
	sa->successor_id = n->id;
	if (sa->rekeying) {
		sa->peer_new_id = n->id;
		sa->peer_low_len = nonce_low(m->nonce.data, m->nonce.len,
					     t->nonce, t->nonce_len,
					     sa->peer_low);
		ikev2_log(sa, GW_IKEV2_INFO, "IKE_SA rekey collision");
	}
}

static int
create_r_process(struct ikev2_sa *sa, struct ikev2_task *t,
		 const struct gw_ike_msg *m)
{
	const struct gw_ike_notify_pl *rn = gw_ike_msg_notify(m, GW_IKE_N_REKEY_SA);

	if (sa->state != GW_IKEV2_STATE_ESTABLISHED) {
		ikev2_log(sa, GW_IKEV2_INFO,
			  "CREATE_CHILD_SA on a %s IKE_SA, TEMPORARY_FAILURE",
			  gw_ikev2_state_name(sa->state));
		t->notify_err = GW_IKE_N_TEMPORARY_FAILURE;
		return IKEV2_DONE;
	}
	if (rn) {
		rekey_child_r(sa, t, m, rn);
		return IKEV2_DONE;
	}
	if (gw_ike_msg_has(m, GW_IKE_PL_SA) && m->sa.n_prop &&
	    m->sa.prop[0].protocol == GW_IKE_PROTO_IKE) {
		rekey_ike_r(sa, t, m);
		return IKEV2_DONE;
	}
	if (sa->n_children >= IKEV2_MAX_CHILDREN - 1) {
		/* Room for one rekey of what is up: no more. */
		ikev2_log(sa, GW_IKEV2_INFO,
			  "%zu CHILD_SAs up, NO_ADDITIONAL_SAS", sa->n_children);
		t->notify_err = GW_IKE_N_NO_ADDITIONAL_SAS;
		return IKEV2_DONE;
	}
	new_child_r(sa, t, m);
	return IKEV2_DONE;
}

static int
create_r_build(struct ikev2_sa *sa, struct ikev2_task *t,
	       struct gw_ike_writer *w)
{
	struct gw_ike_sa_pl sapl = { .n_prop = 1 };
	uint8_t spi[8];
	int rc = 0;

	if (!t->child_ok) {
		uint8_t d[2] = { (uint8_t)(t->notify_data16 >> 8),
				 (uint8_t)t->notify_data16 };

		gw_ike_ke_free(t->ke);
		t->ke = NULL;
		gw_ike_wr_notify(w, 0, NULL, 0,
				 t->notify_err ? t->notify_err :
				 GW_IKE_N_NO_PROPOSAL_CHOSEN, d,
				 t->notify_err == GW_IKE_N_INVALID_KE_PAYLOAD ?
				 2 : 0);
		return w->err ? -ENOSPC : 0;
	}
	if (t->rekey_ike) {
		ikev2_put64(spi, t->new_spi);
		rc = gw_ike_proposal_to_sa(&t->esp, t->prop_num, spi, 8,
					   &sapl.prop[0]);
	} else {
		put_be32(spi, t->spi_in);
		rc = gw_ike_proposal_to_sa(&t->esp, t->prop_num, spi, 4,
					   &sapl.prop[0]);
	}
	if (rc != 0) {
		gw_ike_ke_free(t->ke);
		t->ke = NULL;
		return -EINVAL;
	}
	gw_ike_wr_sa(w, &sapl);
	gw_ike_wr_nonce(w, t->nonce, t->nonce_len);
	if (t->ke) {
		rc = write_ke(sa, w, &t->ke, gw_ike_ke_group(t->ke));
		gw_ike_ke_free(t->ke);
		t->ke = NULL;
		if (rc != 0)
			return rc;
	}
	if (!t->rekey_ike) {
		gw_ike_wr_ts(w, GW_IKE_PL_TSI, t->tsi, t->n_tsi);
		gw_ike_wr_ts(w, GW_IKE_PL_TSR, t->tsr, t->n_tsr);
	}
	return w->err ? -ENOSPC : 0;
}

void
ikev2_task_create_r(struct ikev2_task *t)
{
	t->exchange = GW_IKE_EXCH_CREATE_CHILD_SA;
	t->name = "CREATE_CHILD_SA";
	t->build = create_r_build;
	t->process = create_r_process;
}
