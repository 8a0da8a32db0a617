/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CHILD SA helpers shared by IKE_AUTH and CREATE_CHILD_SA: traffic
 * selector narrowing (RFC 7296 2.9), SPIs, key split (2.17) and the
 * installer calls.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gw_common.h"
#include "ikev2.h"

static int
ts_bytes(const struct gw_ike_ts *t)
{
	return t->type == GW_IKE_TS_IPV6_ADDR_RANGE ? 16 : 4;
}

/* The intersection of two selectors of one family; false when empty. */
static bool
ts_intersect(const struct gw_ike_ts *a, const struct gw_ike_ts *b,
	     struct gw_ike_ts *out)
{
	int n = ts_bytes(a);

	if (a->type != b->type)
		return false;
	if (a->ip_proto && b->ip_proto && a->ip_proto != b->ip_proto)
		return false;
	memset(out, 0, sizeof(*out));
	out->type = a->type;
	out->ip_proto = a->ip_proto ? a->ip_proto : b->ip_proto;
	out->start_port = a->start_port > b->start_port ? a->start_port :
			  b->start_port;
	out->end_port = a->end_port < b->end_port ? a->end_port : b->end_port;
	if (out->start_port > out->end_port)
		return false;
	memcpy(out->start, memcmp(a->start, b->start, (size_t)n) > 0 ?
	       a->start : b->start, (size_t)n);
	memcpy(out->end, memcmp(a->end, b->end, (size_t)n) < 0 ? a->end : b->end,
	       (size_t)n);
	return memcmp(out->start, out->end, (size_t)n) <= 0;
}

size_t
ikev2_ts_narrow(const struct gw_ike_ts *theirs, size_t n_theirs,
		const struct gw_ike_ts *ours, size_t n_ours,
		struct gw_ike_ts *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < n_theirs; i++) {
		for (size_t k = 0; k < n_ours && n < max; k++) {
			struct gw_ike_ts x;
			bool dup = false;

			if (!ts_intersect(&theirs[i], &ours[k], &x))
				continue;
			for (size_t d = 0; d < n && !dup; d++)
				dup = memcmp(&out[d], &x, sizeof(x)) == 0;
			if (!dup)
				out[n++] = x;
		}
	}
	return n;
}

void
ikev2_ts_list_format(const struct gw_ike_ts *ts, size_t n, char *buf,
		     size_t len)
{
	size_t o = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n && o < len; i++) {
		char one[96];

		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "",
				      gw_ikev2_ts_format(&ts[i], one, sizeof(one)));
	}
	if (n == 0)
		snprintf(buf, len, "(none)");
}

static bool
spi_in_use(const struct gw_ikev2_engine *e, uint32_t spi)
{
	for (const struct ikev2_sa *sa = e->sas; sa; sa = sa->next) {
		if (sa->queue[0].spi_in == spi && sa->n_queue)
			return true;
		for (size_t k = 0; k < sa->n_children; k++)
			if (sa->children[k].c.spi_in == spi)
				return true;
	}
	return false;
}

uint32_t
ikev2_child_spi_new(const struct gw_ikev2_engine *e)
{
	uint32_t v = 0;

	/* 1-255 are reserved by IANA (RFC 4303 2.1); inbound SPIs are
	 * unique per gateway, the data plane looks them up alone. */
	while (v < 256 || spi_in_use(e, v))
		if (gw_ike_random(&v, sizeof(v)) != 0)
			return 0;
	return v;
}

/* Soft lifetime with up to 10% taken off at random, so that both peers
 * rarely rekey at once; the hard one at 110%. */
uint64_t
ikev2_jittered_ms(uint64_t now, uint32_t life_s)
{
	uint64_t life = (uint64_t)life_s * 1000, j = 0;
	uint32_t r = 0;

	if (life >= 10 && gw_ike_random(&r, sizeof(r)) == 0)
		j = r % (life / 10);
	return now + life - j;
}

/* Soft volume limit: 85-90% of the hard one, jittered per CHILD SA like
 * the time (both peers rarely rekey at once). */
static uint64_t
soft_volume(uint64_t hard)
{
	uint64_t base = hard - hard / 10, j = 0;
	uint32_t r = 0;

	if (hard >= 20 && gw_ike_random(&r, sizeof(r)) == 0)
		j = r % (hard / 20);
	return base - j;
}

void
ikev2_child_usage_apply(struct ikev2_sa *sa, struct ikev2_child *ch,
			uint64_t bytes, uint64_t packets)
{
	struct ikev2_task t;

	if (!ch->installed || ch->deleting || ch->rekeyed)
		return;
	if ((ch->hard_bytes && bytes >= ch->hard_bytes) ||
	    (ch->hard_packets && packets >= ch->hard_packets)) {
		ikev2_log(sa, GW_IKEV2_INFO,
			  "CHILD_SA %08x_i hard volume limit reached (%llu bytes, %llu packets), deleting",
			  ch->c.spi_in, (unsigned long long)bytes,
			  (unsigned long long)packets);
		ch->expired = true;
		/* Gone here at once; the peer is told. */
		if (ikev2_queue_child_delete(sa, ch->c.spi_in, true) == 0)
			ikev2_sa_kick(sa);
		return;
	}
	if (ch->rekeying || sa->state != GW_IKEV2_STATE_ESTABLISHED ||
	    !((ch->soft_bytes && bytes >= ch->soft_bytes) ||
	      (ch->soft_packets && packets >= ch->soft_packets)))
		return;
	ch->soft_bytes = ch->soft_packets = 0;  /* one try */
	ikev2_log(sa, GW_IKEV2_INFO,
		  "CHILD_SA %08x_i soft volume limit reached (%llu bytes, %llu packets), rekeying",
		  ch->c.spi_in, (unsigned long long)bytes,
		  (unsigned long long)packets);
	memset(&t, 0, sizeof(t));
	ikev2_task_rekey_child_i(&t, ch->c.spi_in);
	if (ikev2_sa_queue(sa, &t) == 0)
		ikev2_sa_kick(sa);
}

void
ikev2_esp_without_dh(const struct gw_ikev2_child_cfg *tpl,
		     struct gw_ike_proposal *out)
{
	for (size_t i = 0; i < tpl->n_esp_proposals; i++) {
		out[i] = tpl->esp_proposals[i];
		out[i].n[GW_IKE_XF_DH] = 0;
	}
}

static bool
ts_same(const struct gw_ike_ts *a, size_t na, const struct gw_ike_ts *b,
	size_t nb)
{
	return na == nb && memcmp(a, b, na * sizeof(*a)) == 0;
}

int
ikev2_tpl_pick(struct ikev2_sa *sa, const struct gw_ike_msg *m,
	       struct ikev2_task *t)
{
	const struct gw_ikev2_conn *c = sa->conn;
	int best = -1, best_score = 0;

	/* Like strongSwan's child config lookup: a template holding all the
	 * initiator proposed beats one that only narrows it; the first
	 * of equals wins. */
	for (size_t k = 0; k < c->n_children; k++) {
		const struct gw_ikev2_child_cfg *tp = &c->children[k];
		struct gw_ike_ts tsi[GW_IKEV2_TS_MAX], tsr[GW_IKEV2_TS_MAX];
		size_t ni, nr;
		int score;

		/* TSi is the initiator's side: our remote one. */
		ni = ikev2_ts_narrow(m->tsi.ts, m->tsi.n, tp->remote_ts,
				     tp->n_remote_ts, tsi, GW_IKEV2_TS_MAX);
		nr = ikev2_ts_narrow(m->tsr.ts, m->tsr.n, tp->local_ts,
				     tp->n_local_ts, tsr, GW_IKEV2_TS_MAX);
		if (!ni || !nr || !tp->n_esp_proposals)
			continue;
		score = ts_same(tsi, ni, m->tsi.ts, m->tsi.n) &&
			ts_same(tsr, nr, m->tsr.ts, m->tsr.n) ? 2 : 1;
		if (score <= best_score)
			continue;
		best = (int)k;
		best_score = score;
		memcpy(t->tsi, tsi, ni * sizeof(tsi[0]));
		memcpy(t->tsr, tsr, nr * sizeof(tsr[0]));
		t->n_tsi = ni;
		t->n_tsr = nr;
		t->tpl = (uint8_t)k;
	}
	if (best < 0) {
		char a[512], b[512], x[512], y[512];
		const struct gw_ikev2_child_cfg *tp = ikev2_tpl(c, 0);

		ikev2_ts_list_format(m->tsi.ts, m->tsi.n, a, sizeof(a));
		ikev2_ts_list_format(m->tsr.ts, m->tsr.n, b, sizeof(b));
		ikev2_ts_list_format(tp->remote_ts, tp->n_remote_ts, x, sizeof(x));
		ikev2_ts_list_format(tp->local_ts, tp->n_local_ts, y, sizeof(y));
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "TS_UNACCEPTABLE: traffic selectors unacceptable: peer proposed TSi %s TSr %s, we allow %s === %s%s",
			  a, b, x, y, c->n_children > 1 ? " (and other children)" : "");
	}
	return best;
}

bool
ikev2_tpl_busy(const struct ikev2_sa *sa, unsigned tpl)
{
	for (size_t k = 0; k < sa->n_children; k++) {
		const struct ikev2_child *ch = &sa->children[k];

		if (ch->tpl == tpl && !ch->deleting && !ch->rekeyed)
			return true;
	}
	for (size_t i = 0; i < sa->n_queue; i++) {
		const struct ikev2_task *q = &sa->queue[i];

		if (q->tpl != tpl)
			continue;
		if (q->exchange == GW_IKE_EXCH_IKE_AUTH ||
		    (q->exchange == GW_IKE_EXCH_CREATE_CHILD_SA &&
		     !q->rekey_spi && !q->rekey_ike))
			return true;
	}
	return false;
}

int
ikev2_child_install(struct ikev2_sa *sa, unsigned tpl,
		    const struct gw_ike_proposal *esp,
		    uint32_t spi_in, uint32_t spi_out,
		    const struct gw_ike_ts *tsl, size_t n_tsl,
		    const struct gw_ike_ts *tsr, size_t n_tsr)
{
	struct ikev2_keysrc src = {
		.ni = sa->nonce_i, .ni_len = sa->nonce_i_len,
		.nr = sa->nonce_r, .nr_len = sa->nonce_r_len,
		.initiator = sa->initiator,
		.tpl = (uint8_t)tpl,
	};

	return ikev2_child_install_keyed(sa, esp, spi_in, spi_out, tsl, n_tsl,
					 tsr, n_tsr, &src);
}

int
ikev2_child_install_keyed(struct ikev2_sa *sa,
			  const struct gw_ike_proposal *esp,
			  uint32_t spi_in, uint32_t spi_out,
			  const struct gw_ike_ts *tsl, size_t n_tsl,
			  const struct gw_ike_ts *tsr, size_t n_tsr,
			  const struct ikev2_keysrc *src)
{
	struct gw_ikev2_engine *e = sa->engine;
	const struct gw_ikev2_child_cfg *tp = ikev2_tpl(sa->conn, src->tpl);
	struct gw_ike_child_keys ck;
	struct gw_ike_algs algs = { 0 };
	struct ikev2_child *ch;
	char l[256], r[256], p[128];
	int rc;

	if (sa->n_children >= IKEV2_MAX_CHILDREN)
		return -ENOSPC;
	algs.encr = esp->alg[GW_IKE_XF_ENCR][0].id;
	algs.encr_key_bits = esp->alg[GW_IKE_XF_ENCR][0].key_len;
	algs.integ = esp->n[GW_IKE_XF_INTEG] ? esp->alg[GW_IKE_XF_INTEG][0].id : 0;
	rc = gw_ike_child_keys_derive(&ck, &algs, &sa->keys, src->gir,
				      src->gir_len, src->ni, src->ni_len,
				      src->nr, src->nr_len);
	if (rc != 0) {
		ikev2_log(sa, GW_IKEV2_ERROR, "CHILD_SA key derivation failed: %d",
			  rc);
		return rc;
	}
	ch = &sa->children[sa->n_children];
	memset(ch, 0, sizeof(*ch));
	ch->proposal = *esp;
	ch->tpl = src->tpl;
	ch->c.conn = sa->conn->name;
	ch->c.child = tp->name;
	ch->c.ike_sa_id = sa->id;
	ch->c.spi_in = spi_in;
	ch->c.spi_out = spi_out;
	ch->c.encr = algs.encr;
	ch->c.encr_key_bits = algs.encr_key_bits;
	ch->c.integ = algs.integ;
	ch->c.esn = esp->n[GW_IKE_XF_ESN] &&
		    esp->alg[GW_IKE_XF_ESN][0].id == GW_IKE_ESN_YES;
	ch->c.tunnel = true;
	ch->c.encap = sa->nat_local || sa->nat_remote ||
		      sa->local.port == GW_IKEV2_NATT_PORT ||
		      sa->remote.port == GW_IKEV2_NATT_PORT;
	ch->c.in = *gw_ike_child_keys_dir(&ck, src->initiator, false);
	ch->c.out = *gw_ike_child_keys_dir(&ck, src->initiator, true);
	gw_ike_child_keys_wipe(&ck);
	n_tsl = n_tsl > GW_IKEV2_TS_MAX ? GW_IKEV2_TS_MAX : n_tsl;
	n_tsr = n_tsr > GW_IKEV2_TS_MAX ? GW_IKEV2_TS_MAX : n_tsr;
	memcpy(ch->c.local_ts, tsl, n_tsl * sizeof(*tsl));
	ch->c.n_local_ts = n_tsl;
	memcpy(ch->c.remote_ts, tsr, n_tsr * sizeof(*tsr));
	ch->c.n_remote_ts = n_tsr;
	ch->c.local = sa->local;
	ch->c.remote = sa->remote;
	rc = e->io.install_child ? e->io.install_child(e->ctx, &ch->c) : 0;
	/* The installer has what it needs; keep no ESP keys here. */
	gw_wipe(&ch->c.in, sizeof(ch->c.in));
	gw_wipe(&ch->c.out, sizeof(ch->c.out));
	if (rc != 0) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "installing CHILD_SA %08x_i %08x_o failed: %d",
			  spi_in, spi_out, rc);
		return rc;
	}
	ch->installed = true;
	if (tp->lifetime_s) {
		ch->rekey_ms = ikev2_jittered_ms(e->now_ms, tp->lifetime_s);
		ch->expire_ms = e->now_ms + (uint64_t)tp->lifetime_s * 1100;
	}
	ch->hard_bytes = tp->lifetime_bytes;
	ch->hard_packets = tp->lifetime_packets;
	ch->soft_bytes = tp->lifetime_bytes ? soft_volume(tp->lifetime_bytes) : 0;
	ch->soft_packets = tp->lifetime_packets ?
			   soft_volume(tp->lifetime_packets) : 0;
	sa->n_children++;
	gw_ike_proposal_format(esp, p, sizeof(p));
	ikev2_ts_list_format(tsl, n_tsl, l, sizeof(l));
	ikev2_ts_list_format(tsr, n_tsr, r, sizeof(r));
	ikev2_log(sa, GW_IKEV2_INFO,
		  "CHILD_SA %s{%u} established with SPIs %08x_i %08x_o, ESP:%s%s%s, TS %s === %s",
		  tp->name, sa->id, spi_in, spi_out, p,
		  src->gir ? " (PFS)" : "",
		  ch->c.encap ? " in UDP" : "", l, r);
	ikev2_sa_event(sa, src->rekey_of ? GW_IKEV2_EV_CHILD_REKEYED :
		       GW_IKEV2_EV_CHILD_UP, ch, NULL, src->rekey_of, NULL);
	return 0;
}

static void
child_remove(struct ikev2_sa *sa, size_t k, bool notify_io)
{
	struct gw_ikev2_engine *e = sa->engine;
	struct ikev2_child *ch = &sa->children[k];

	if (notify_io && ch->installed && e->io.delete_child)
		e->io.delete_child(e->ctx, ch->c.spi_in, ch->c.spi_out);
	ikev2_log(sa, GW_IKEV2_INFO, "CHILD_SA closed, SPIs %08x_i %08x_o",
		  ch->c.spi_in, ch->c.spi_out);
	/* A rekeyed child's successor was reported already. */
	if (ch->installed && !ch->rekeyed && !ch->replaced)
		ikev2_sa_event(sa, ch->expired ? GW_IKEV2_EV_CHILD_EXPIRED :
			       GW_IKEV2_EV_CHILD_DOWN, ch, NULL, 0,
			       ch->expired ? "hard lifetime" : NULL);
	memmove(ch, ch + 1, (sa->n_children - k - 1) * sizeof(*ch));
	sa->n_children--;
}

void
ikev2_child_delete_all(struct ikev2_sa *sa, bool notify_io)
{
	while (sa->n_children)
		child_remove(sa, sa->n_children - 1, notify_io);
}

bool
ikev2_child_delete_by_out(struct ikev2_sa *sa, uint32_t spi_out,
			  uint32_t *spi_in)
{
	for (size_t k = 0; k < sa->n_children; k++) {
		if (sa->children[k].c.spi_out == spi_out) {
			*spi_in = sa->children[k].c.spi_in;
			child_remove(sa, k, true);
			return true;
		}
	}
	return false;
}

struct ikev2_child *
ikev2_child_by_in(struct ikev2_sa *sa, uint32_t spi_in)
{
	for (size_t k = 0; k < sa->n_children; k++)
		if (sa->children[k].c.spi_in == spi_in)
			return &sa->children[k];
	return NULL;
}

struct ikev2_child *
ikev2_child_by_out(struct ikev2_sa *sa, uint32_t spi_out)
{
	for (size_t k = 0; k < sa->n_children; k++)
		if (sa->children[k].c.spi_out == spi_out)
			return &sa->children[k];
	return NULL;
}

bool
ikev2_child_delete_by_in(struct ikev2_sa *sa, uint32_t spi_in)
{
	for (size_t k = 0; k < sa->n_children; k++) {
		if (sa->children[k].c.spi_in == spi_in) {
			child_remove(sa, k, true);
			return true;
		}
	}
	return false;
}

void
ikev2_children_move(struct ikev2_sa *from, struct ikev2_sa *to)
{
	/* The data-plane SAs stay as they are: only their owner changes. */
	while (from->n_children && to->n_children < IKEV2_MAX_CHILDREN) {
		struct ikev2_child *ch = &to->children[to->n_children++];

		*ch = from->children[--from->n_children];
		ch->c.ike_sa_id = to->id;
		ch->peer_new_spi = 0;
		ch->rekeying = false;
	}
	if (from->n_children)
		ikev2_log(from, GW_IKEV2_ERROR,
			  "%zu CHILD_SA(s) did not fit the new IKE_SA",
			  from->n_children);
}
