/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE_SA_INIT task (RFC 7296 1.2): SA, KE, Nonce and NAT detection (2.23);
 * INVALID_KE_PAYLOAD (1.2, 2.7) and NO_PROPOSAL_CHOSEN; the IKE SA keys;
 * SIGNATURE_HASH_ALGORITHMS (RFC 7427 4) and the responder's CERTREQ.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "gw_common.h"
#include "ikev2.h"

enum { NATD_LEN = 20 };

/* SHA-1(SPIi | SPIr | IP | port) of RFC 7296 2.23. */
static int
natd_hash(uint64_t spi_i, uint64_t spi_r, const struct gw_ikev2_endpoint *ep,
	  uint8_t out[NATD_LEN])
{
	uint8_t in[8 + 8 + 16 + 2];
	size_t n = 16;
	unsigned int olen = 0;

	ikev2_put64(in, spi_i);
	ikev2_put64(in + 8, spi_r);
	if (ep->addr.family == GW_AF_INET6) {
		memcpy(in + n, ep->addr.v6, 16);
		n += 16;
	} else {
		uint32_t v = htonl(ep->addr.v4);

		memcpy(in + n, &v, 4);
		n += 4;
	}
	in[n++] = (uint8_t)(ep->port >> 8);
	in[n++] = (uint8_t)ep->port;
	if (EVP_Digest(in, n, out, &olen, EVP_sha1(), NULL) != 1 ||
	    olen != NATD_LEN)
		return -EIO;
	return 0;
}

static void
write_natd(struct ikev2_sa *sa, struct gw_ike_writer *w)
{
	uint8_t h[NATD_LEN];

	if (natd_hash(sa->spi_i, sa->spi_r, &sa->local, h) == 0)
		gw_ike_wr_notify(w, 0, NULL, 0, GW_IKE_N_NAT_DETECTION_SOURCE_IP,
				 h, sizeof(h));
	if (natd_hash(sa->spi_i, sa->spi_r, &sa->remote, h) == 0)
		gw_ike_wr_notify(w, 0, NULL, 0,
				 GW_IKE_N_NAT_DETECTION_DESTINATION_IP, h,
				 sizeof(h));
}

/* Compares the peer's NAT-D hashes (computed with the SPIs it knew). */
static void
check_natd(struct ikev2_sa *sa, const struct gw_ike_msg *m, uint64_t spi_r)
{
	uint8_t src[NATD_LEN], dst[NATD_LEN];
	bool have_src = false, have_dst = false, src_ok = false, dst_ok = false;

	if (natd_hash(sa->spi_i, spi_r, &sa->remote, src) != 0 ||
	    natd_hash(sa->spi_i, spi_r, &sa->local, dst) != 0)
		return;
	for (unsigned i = 0; i < m->n_notify; i++) {
		const struct gw_ike_notify_pl *n = &m->notify[i];

		if (n->type == GW_IKE_N_NAT_DETECTION_SOURCE_IP) {
			have_src = true;
			src_ok |= n->len == NATD_LEN &&
				  memcmp(n->data, src, NATD_LEN) == 0;
		} else if (n->type == GW_IKE_N_NAT_DETECTION_DESTINATION_IP) {
			have_dst = true;
			dst_ok |= n->len == NATD_LEN &&
				  memcmp(n->data, dst, NATD_LEN) == 0;
		}
	}
	if (!have_src || !have_dst)
		return;            /* peer without NAT-T: stay on 500 */
	sa->nat_remote = !src_ok;
	sa->nat_local = !dst_ok;
	if (sa->nat_local)
		ikev2_log(sa, GW_IKEV2_INFO, "local host is behind NAT");
	if (sa->nat_remote)
		ikev2_log(sa, GW_IKEV2_INFO, "remote host is behind NAT");
}

static void
algs_of(const struct gw_ike_proposal *p, struct gw_ike_algs *a)
{
	memset(a, 0, sizeof(*a));
	a->encr = p->alg[GW_IKE_XF_ENCR][0].id;
	a->encr_key_bits = p->alg[GW_IKE_XF_ENCR][0].key_len;
	a->integ = p->n[GW_IKE_XF_INTEG] ? p->alg[GW_IKE_XF_INTEG][0].id : 0;
	a->prf = p->n[GW_IKE_XF_PRF] ? p->alg[GW_IKE_XF_PRF][0].id : 0;
}

int
ikev2_init_derive(struct ikev2_sa *sa)
{
	struct gw_ike_algs algs;
	uint8_t spi_i[8], spi_r[8];
	const uint8_t *gir;
	size_t gir_len;
	char p[128];
	int rc;

	algs_of(&sa->proposal, &algs);
	gir = gw_ike_ke_secret(sa->ke, &gir_len);
	if (!gir)
		return -EINVAL;
	ikev2_put64(spi_i, sa->spi_i);
	ikev2_put64(spi_r, sa->spi_r);
	rc = gw_ike_sa_keys_derive(&sa->keys, &algs, gir, gir_len, sa->nonce_i,
				   sa->nonce_i_len, sa->nonce_r,
				   sa->nonce_r_len, spi_i, spi_r);
	if (rc == 0)
		rc = gw_ike_sa_keys_sk_new(&sa->keys, sa->initiator,
					   &sa->sk_out, &sa->sk_in);
	if (rc != 0) {
		ikev2_log(sa, GW_IKEV2_ERROR, "key derivation failed: %d", rc);
		return rc;
	}
	sa->keyed = true;
	gw_ike_proposal_format(&sa->proposal, p, sizeof(p));
	ikev2_log(sa, GW_IKEV2_INFO, "selected proposal: IKE:%s", p);
	return 0;
}

static uint16_t
first_group(const struct gw_ikev2_conn *c)
{
	for (size_t i = 0; i < c->n_proposals; i++)
		if (c->proposals[i].n[GW_IKE_XF_DH])
			return c->proposals[i].alg[GW_IKE_XF_DH][0].id;
	return 0;
}

static bool
group_offered(const struct gw_ikev2_conn *c, uint16_t group)
{
	for (size_t i = 0; i < c->n_proposals; i++)
		for (unsigned k = 0; k < c->proposals[i].n[GW_IKE_XF_DH]; k++)
			if (c->proposals[i].alg[GW_IKE_XF_DH][k].id == group)
				return true;
	return false;
}

/* ------------------------------------------------------------ initiator */

static int
init_i_build(struct ikev2_sa *sa, struct ikev2_task *t,
	     struct gw_ike_writer *w)
{
	const struct gw_ikev2_conn *c = sa->conn;
	struct gw_ike_sa_pl sapl;
	uint8_t ke[GW_IKE_KE_MAX];
	int rc, klen;

	(void)t;
	if (!sa->ke_group)
		sa->ke_group = first_group(c);
	/* A retry after COOKIE keeps KE and nonce (2.6); after
	 * INVALID_KE_PAYLOAD only the key pair changes. */
	if (!sa->ke || gw_ike_ke_group(sa->ke) != sa->ke_group) {
		gw_ike_ke_free(sa->ke);
		sa->ke = NULL;
		rc = gw_ike_ke_new(&sa->ke, sa->ke_group, c->allow_weak);
		if (rc != 0) {
			ikev2_log(sa, GW_IKEV2_ERROR, "DH group %s unavailable: %d",
				  gw_ike_xf_id_name(GW_IKE_XF_DH, sa->ke_group),
				  rc);
			return rc;
		}
	}
	klen = gw_ike_ke_export(sa->ke, ke, sizeof(ke));
	if (klen < 0)
		return klen;
	if (!sa->nonce_i_len) {
		sa->nonce_i_len = IKEV2_NONCE_LEN;
		if (gw_ike_random(sa->nonce_i, sa->nonce_i_len) != 0)
			return -EIO;
	}
	if (gw_ike_proposal_list_to_sa(c->proposals, c->n_proposals, NULL, 0,
				       &sapl) != 0)
		return -EINVAL;
	sa->spi_r = 0;
	if (sa->cookie_len)
		gw_ike_wr_notify(w, 0, NULL, 0, GW_IKE_N_COOKIE, sa->cookie,
				 sa->cookie_len);
	gw_ike_wr_sa(w, &sapl);
	gw_ike_wr_ke(w, sa->ke_group, ke, (size_t)klen);
	gw_ike_wr_nonce(w, sa->nonce_i, sa->nonce_i_len);
	write_natd(sa, w);
	if (!c->sig_classic)
		ikev2_write_sig_hashes(w);
	return w->err ? -ENOSPC : 0;
}

static int
error_notify(struct ikev2_sa *sa, const struct gw_ike_msg *m, const char *in)
{
	for (unsigned i = 0; i < m->n_notify; i++) {
		if (m->notify[i].type < GW_IKE_N_STATUS_MIN) {
			ikev2_log(sa, GW_IKEV2_ERROR, "received %s notify in %s",
				  gw_ike_notify_name(m->notify[i].type), in);
			return m->notify[i].type;
		}
	}
	return 0;
}

static int
init_i_process(struct ikev2_sa *sa, struct ikev2_task *t,
	       const struct gw_ike_msg *m)
{
	const struct gw_ikev2_conn *c = sa->conn;
	const struct gw_ike_notify_pl *n;
	struct gw_ike_selection sel;
	char why[1024], list[512];
	int rc;

	(void)t;
	n = gw_ike_msg_notify(m, GW_IKE_N_COOKIE);
	if (n) {
		if (n->len == sa->cookie_len &&
		    memcmp(n->data, sa->cookie, n->len) == 0)
			return IKEV2_IGNORE;   /* answers a request before the retry */
		if (n->len == 0 || n->len > sizeof(sa->cookie) ||
		    ++sa->init_retries > 3) {
			ikev2_log(sa, GW_IKEV2_ERROR, "invalid or repeated COOKIE");
			return IKEV2_DESTROY;
		}
		memcpy(sa->cookie, n->data, n->len);
		sa->cookie_len = (uint8_t)n->len;
		ikev2_log(sa, GW_IKEV2_INFO,
			  "received COOKIE, retrying IKE_SA_INIT with it");
		return IKEV2_RETRY;
	}
	n = gw_ike_msg_notify(m, GW_IKE_N_INVALID_KE_PAYLOAD);
	if (n) {
		uint16_t g = n->len == 2 ? (uint16_t)(n->data[0] << 8 | n->data[1]) : 0;

		if (g && g == sa->ke_group)
			return IKEV2_IGNORE;   /* answers a request before the retry */

		if (g && g != sa->ke_group && group_offered(c, g) &&
		    ++sa->init_retries <= 3) {
			ikev2_log(sa, GW_IKEV2_INFO,
				  "peer didn't accept DH group %s, it requested %s",
				  gw_ike_xf_id_name(GW_IKE_XF_DH, sa->ke_group),
				  gw_ike_xf_id_name(GW_IKE_XF_DH, g));
			sa->ke_group = g;
			sa->nonce_i_len = 0;
			return IKEV2_RETRY;
		}
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "peer requested DH group %s we did not propose",
			  gw_ike_xf_id_name(GW_IKE_XF_DH, g));
		return IKEV2_DESTROY;
	}
	if (gw_ike_msg_notify(m, GW_IKE_N_NO_PROPOSAL_CHOSEN)) {
		gw_ike_proposal_list_format(c->proposals, c->n_proposals, list,
					    sizeof(list));
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "received NO_PROPOSAL_CHOSEN notify, peer accepted none of IKE:%s",
			  list);
		return IKEV2_DESTROY;
	}
	if (error_notify(sa, m, "IKE_SA_INIT"))
		return IKEV2_DESTROY;
	if (!gw_ike_msg_has(m, GW_IKE_PL_SA) || !gw_ike_msg_has(m, GW_IKE_PL_KE) ||
	    !gw_ike_msg_has(m, GW_IKE_PL_NONCE) || m->hdr.spi_r == 0) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "IKE_SA_INIT response lacks SA, KE or Nonce");
		return IKEV2_DESTROY;
	}
	if (gw_ike_proposal_check_reply(c->proposals, c->n_proposals, &m->sa,
					&sel, why, sizeof(why)) != 0) {
		ikev2_log(sa, GW_IKEV2_ERROR, "invalid IKE proposal reply: %s",
			  why);
		return IKEV2_DESTROY;
	}
	if (!sel.chosen.n[GW_IKE_XF_DH] ||
	    sel.chosen.alg[GW_IKE_XF_DH][0].id != sa->ke_group ||
	    m->ke.group != sa->ke_group) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "DH group in the response does not match ours (%s)",
			  gw_ike_xf_id_name(GW_IKE_XF_DH, sa->ke_group));
		return IKEV2_DESTROY;
	}
	if (m->nonce.len < GW_IKE_NONCE_MIN || m->nonce.len > GW_IKE_NONCE_MAX)
		return IKEV2_DESTROY;
	rc = gw_ike_ke_derive(sa->ke, m->ke.data, m->ke.len);
	if (rc != 0) {
		ikev2_log(sa, GW_IKEV2_ERROR, "invalid KE payload: %d", rc);
		return IKEV2_DESTROY;
	}
	sa->spi_r = m->hdr.spi_r;
	memcpy(sa->nonce_r, m->nonce.data, m->nonce.len);
	sa->nonce_r_len = m->nonce.len;
	sa->proposal = sel.chosen;
	free(sa->init_resp);
	sa->init_resp = malloc(m->len);
	if (!sa->init_resp)
		return IKEV2_DESTROY;
	memcpy(sa->init_resp, m->buf, m->len);
	sa->init_resp_len = m->len;
	check_natd(sa, m, sa->spi_r);
	ikev2_read_sig_hashes(sa, m);
	rc = ikev2_init_derive(sa);
	gw_ike_ke_free(sa->ke);
	sa->ke = NULL;
	if (rc != 0)
		return IKEV2_DESTROY;
	if ((sa->nat_local || sa->nat_remote || c->force_encap) &&
	    sa->remote.port == GW_IKEV2_PORT) {
		/* RFC 7296 2.23: the initiator moves to 4500 for IKE_AUTH. */
		sa->local.port = GW_IKEV2_NATT_PORT;
		sa->remote.port = GW_IKEV2_NATT_PORT;
		ikev2_log(sa, GW_IKEV2_INFO, "switching to port %u",
			  GW_IKEV2_NATT_PORT);
	}
	return IKEV2_DONE;
}

void
ikev2_task_init_i(struct ikev2_task *t)
{
	t->exchange = GW_IKE_EXCH_IKE_SA_INIT;
	t->name = "IKE_SA_INIT";
	t->build = init_i_build;
	t->process = init_i_process;
}

/* ------------------------------------------------------------ responder */

static int
init_r_process(struct ikev2_sa *sa, struct ikev2_task *t,
	       const struct gw_ike_msg *m)
{
	const struct gw_ikev2_conn *c = sa->conn;
	struct gw_ike_selection sel;
	char why[1024];
	uint16_t group;
	int rc;

	if (!gw_ike_msg_has(m, GW_IKE_PL_SA) || !gw_ike_msg_has(m, GW_IKE_PL_KE) ||
	    !gw_ike_msg_has(m, GW_IKE_PL_NONCE) ||
	    m->nonce.len < GW_IKE_NONCE_MIN) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "IKE_SA_INIT request lacks SA, KE or Nonce");
		t->notify_err = GW_IKE_N_INVALID_SYNTAX;
		return IKEV2_DESTROY;
	}
	if (gw_ike_proposal_select(c->proposals, c->n_proposals, &m->sa,
				   m->ke.group, &sel, why, sizeof(why)) != 0) {
		ikev2_log(sa, GW_IKEV2_ERROR, "NO_PROPOSAL_CHOSEN: no acceptable IKE proposal: %s",
			  why);
		t->notify_err = GW_IKE_N_NO_PROPOSAL_CHOSEN;
		return IKEV2_DESTROY;
	}
	group = sel.chosen.n[GW_IKE_XF_DH] ? sel.chosen.alg[GW_IKE_XF_DH][0].id : 0;
	if (group != m->ke.group) {
		ikev2_log(sa, GW_IKEV2_INFO,
			  "DH group %s in KE unacceptable, requesting %s",
			  gw_ike_xf_id_name(GW_IKE_XF_DH, m->ke.group),
			  gw_ike_xf_id_name(GW_IKE_XF_DH, group));
		t->notify_err = GW_IKE_N_INVALID_KE_PAYLOAD;
		t->notify_data16 = group;
		return IKEV2_DESTROY;
	}
	rc = gw_ike_ke_new(&sa->ke, group, c->allow_weak);
	if (rc == 0)
		rc = gw_ike_ke_derive(sa->ke, m->ke.data, m->ke.len);
	if (rc != 0) {
		ikev2_log(sa, GW_IKEV2_ERROR, "key exchange with %s failed: %d",
			  gw_ike_xf_id_name(GW_IKE_XF_DH, group), rc);
		t->notify_err = rc == -EINVAL ? GW_IKE_N_INVALID_SYNTAX :
				GW_IKE_N_NO_PROPOSAL_CHOSEN;
		return IKEV2_DESTROY;
	}
	sa->ke_group = group;
	sa->proposal = sel.chosen;
	t->prop_num = sel.prop_num;
	memcpy(sa->nonce_i, m->nonce.data, m->nonce.len);
	sa->nonce_i_len = m->nonce.len;
	sa->nonce_r_len = IKEV2_NONCE_LEN;
	while (sa->spi_r == 0)
		if (gw_ike_random(&sa->spi_r, sizeof(sa->spi_r)) != 0)
			return IKEV2_DESTROY;
	if (gw_ike_random(sa->nonce_r, sa->nonce_r_len) != 0)
		return IKEV2_DESTROY;
	sa->init_req = malloc(m->len);
	if (!sa->init_req)
		return IKEV2_DESTROY;
	memcpy(sa->init_req, m->buf, m->len);
	sa->init_req_len = m->len;
	check_natd(sa, m, 0);
	ikev2_read_sig_hashes(sa, m);
	if (ikev2_init_derive(sa) != 0) {
		t->notify_err = GW_IKE_N_NO_PROPOSAL_CHOSEN;
		sa->spi_r = 0;
		return IKEV2_DESTROY;
	}
	return IKEV2_DONE;
}

static int
init_r_build(struct ikev2_sa *sa, struct ikev2_task *t,
	     struct gw_ike_writer *w)
{
	struct gw_ike_sa_pl sapl = { .n_prop = 1 };
	uint8_t ke[GW_IKE_KE_MAX];
	int klen;

	if (t->notify_err) {
		/* Stateless answer: the SA goes away once it is sent. */
		uint8_t d[2] = { (uint8_t)(t->notify_data16 >> 8),
				 (uint8_t)t->notify_data16 };

		sa->spi_r = 0;
		gw_ike_wr_notify(w, 0, NULL, 0, t->notify_err, d,
				 t->notify_err == GW_IKE_N_INVALID_KE_PAYLOAD ?
				 2 : 0);
		return w->err ? -ENOSPC : 0;
	}
	if (!sa->ke)
		return -EINVAL;
	klen = gw_ike_ke_export(sa->ke, ke, sizeof(ke));
	/* The DH secret has done its job once our public value is out. */
	gw_ike_ke_free(sa->ke);
	sa->ke = NULL;
	if (klen < 0 ||
	    gw_ike_proposal_to_sa(&sa->proposal, t->prop_num, NULL, 0,
				  &sapl.prop[0]) != 0)
		return -EINVAL;
	gw_ike_wr_sa(w, &sapl);
	gw_ike_wr_ke(w, sa->ke_group, ke, (size_t)klen);
	gw_ike_wr_nonce(w, sa->nonce_r, sa->nonce_r_len);
	write_natd(sa, w);
	if (!sa->conn->sig_classic)
		ikev2_write_sig_hashes(w);
	/* The conn is a guess by address until IDi arrives; asking now is
	 * what makes strongSwan (send_cert = ifasked) send its certificate. */
	ikev2_write_certreq(ikev2_certreq_conn(sa), w);
	return w->err ? -ENOSPC : 0;
}

void
ikev2_task_init_r(struct ikev2_task *t)
{
	t->exchange = GW_IKE_EXCH_IKE_SA_INIT;
	t->name = "IKE_SA_INIT";
	t->build = init_r_build;
	t->process = init_r_process;
}
