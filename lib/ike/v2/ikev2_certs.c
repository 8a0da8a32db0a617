/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Certificate authentication for IKE_SA_INIT and IKE_AUTH: the
 * SIGNATURE_HASH_ALGORITHMS notify (RFC 7427 4), CERTREQ and CERT
 * payloads (RFC 7296 3.6, 3.7), our signature AUTH and the checks of the
 * peer's certificate chain, identity and signature. The X.509 and
 * signature work is drivers/crypto's (gw_ike_pki.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gw_ike_pki.h"
#include "ikev2.h"

enum { CERTREQ_MAX = 64 * GW_IKE_PKI_KEYID_LEN };

void
ikev2_write_sig_hashes(struct gw_ike_writer *w)
{
	static const uint8_t hashes[] = {
		0, GW_IKE_HASH_SHA2_256, 0, GW_IKE_HASH_SHA2_384,
		0, GW_IKE_HASH_SHA2_512,
	};

	gw_ike_wr_notify(w, 0, NULL, 0, GW_IKE_N_SIGNATURE_HASH_ALGORITHMS,
			 hashes, sizeof(hashes));
}

void
ikev2_read_sig_hashes(struct ikev2_sa *sa, const struct gw_ike_msg *m)
{
	const struct gw_ike_notify_pl *n =
		gw_ike_msg_notify(m, GW_IKE_N_SIGNATURE_HASH_ALGORITHMS);

	sa->peer_hashes = 0;
	for (uint16_t i = 0; n && i + 1 < n->len; i += 2) {
		uint16_t h = (uint16_t)(n->data[i] << 8 | n->data[i + 1]);

		if (h < 32)
			sa->peer_hashes |= 1u << h;
	}
}

void
ikev2_write_certreq(const struct gw_ikev2_conn *c, struct gw_ike_writer *w)
{
	uint8_t buf[CERTREQ_MAX];
	int n;

	if (c->remote_auth != GW_IKEV2_AUTH_PUBKEY || !c->cas)
		return;
	n = gw_ike_cas_certreq(c->cas, buf, sizeof(buf));
	if (n > 0)
		gw_ike_wr_certreq(w, GW_IKE_CERT_X509_SIG, buf, (size_t)n);
}

const struct gw_ikev2_conn *
ikev2_certreq_conn(struct ikev2_sa *sa)
{
	struct gw_ikev2_engine *e = sa->engine;

	if (sa->conn->remote_auth == GW_IKEV2_AUTH_PUBKEY)
		return sa->conn;
	for (size_t i = 0; i < e->n_conns; i++) {
		const struct gw_ikev2_conn *c = &e->conns[i];

		if (c->remote_auth == GW_IKEV2_AUTH_PUBKEY &&
		    ikev2_endpoint_match(&c->local, &sa->local.addr) &&
		    ikev2_endpoint_match(&c->remote, &sa->remote.addr))
			return c;
	}
	return sa->conn;
}

void
ikev2_write_certs(const struct gw_ikev2_conn *c, struct gw_ike_writer *w)
{
	const uint8_t *der;
	size_t len;

	if (c->local_auth != GW_IKEV2_AUTH_PUBKEY || !c->cred)
		return;
	/* Always sent, asked for or not: a peer without our certificate
	 * cannot check our AUTH (strongSwan's send_cert = always). */
	for (size_t i = 0; (der = gw_ike_cred_cert(c->cred, i, &len)); i++)
		gw_ike_wr_cert(w, GW_IKE_CERT_X509_SIG, der, len);
}

bool
ikev2_id_match(const struct gw_ikev2_id *a, const struct gw_ikev2_id *b)
{
	if (a->type == GW_IKE_ID_DER_ASN1_DN && b->type == GW_IKE_ID_DER_ASN1_DN)
		return gw_ike_dn_equal(a->data, a->len, b->data, b->len);
	return ikev2_id_equal(a, b);
}

bool
ikev2_conn_auth_ok(const struct gw_ikev2_conn *c)
{
	bool psk = c->local_auth == GW_IKEV2_AUTH_PSK ||
		   c->remote_auth == GW_IKEV2_AUTH_PSK;

	if (c->local_auth > GW_IKEV2_AUTH_PUBKEY ||
	    c->remote_auth > GW_IKEV2_AUTH_PUBKEY)
		return false;
	if (psk && (c->psk_len == 0 || c->psk_len > GW_IKEV2_PSK_MAX))
		return false;
	if (c->local_auth == GW_IKEV2_AUTH_PUBKEY && !c->cred)
		return false;
	if (c->remote_auth == GW_IKEV2_AUTH_PUBKEY && !c->cas)
		return false;
	return c->local_id.type || c->local_auth == GW_IKEV2_AUTH_PUBKEY;
}

void
ikev2_conn_auth_prepare(struct gw_ikev2_conn *c)
{
	const uint8_t *subj;
	size_t len;

	if (c->local_auth != GW_IKEV2_AUTH_PUBKEY || !c->cred)
		return;
	subj = gw_ike_cred_subject(c->cred, &len);
	if (len > GW_IKEV2_ID_MAX)
		return;
	/* Sending the subject's DER as it is lets peers that compare DNs
	 * octet by octet match it against our certificate. */
	if (!c->local_id.type ||
	    (c->local_id.type == GW_IKE_ID_DER_ASN1_DN &&
	     gw_ike_dn_equal(c->local_id.data, c->local_id.len, subj, len))) {
		c->local_id.type = GW_IKE_ID_DER_ASN1_DN;
		c->local_id.len = (uint8_t)len;
		memcpy(c->local_id.data, subj, len);
	}
}

int
ikev2_auth_sign(struct ikev2_sa *sa, const uint8_t *octets, size_t len,
		uint8_t *method, uint8_t *auth, size_t cap, size_t *auth_len)
{
	const struct gw_ikev2_conn *c = sa->conn;
	uint8_t hash;
	int rc;

	rc = gw_ike_sig_choose(c->cred, sa->peer_hashes, method, &hash);
	if (rc == 0)
		rc = gw_ike_sig_sign(c->cred, *method, hash, octets, len, auth,
				     cap, auth_len);
	if (rc != 0) {
		char k[32];

		ikev2_log(sa, GW_IKEV2_ERROR,
			  "signing AUTH with our %s key failed: %d",
			  gw_ike_cred_key_name(c->cred, k, sizeof(k)), rc);
		return rc;
	}
	snprintf(sa->auth_local, sizeof(sa->auth_local), "pubkey %s",
		 gw_ike_sig_name(c->cred, *method, hash));
	return 0;
}

/* The peer's certificates: the first X.509 one is its end entity. */
static int
peer_certs(const struct gw_ike_msg *m, struct gw_ike_cert **leaf,
	   struct gw_ike_cert **inter, size_t *n_inter)
{
	*leaf = NULL;
	*n_inter = 0;
	for (unsigned i = 0; i < m->n_cert; i++) {
		const struct gw_ike_cert_pl *p = &m->cert[i];
		struct gw_ike_cert *x;

		if (p->encoding != GW_IKE_CERT_X509_SIG)
			continue;
		if (gw_ike_cert_parse(&x, p->data, p->len) != 0)
			return -EINVAL;
		if (!*leaf)
			*leaf = x;
		else
			inter[(*n_inter)++] = x;
	}
	return *leaf ? 0 : -ENOENT;
}

int
ikev2_auth_verify_cert(struct ikev2_sa *sa, const struct gw_ike_msg *m,
		       const struct gw_ikev2_id *id, const uint8_t *octets,
		       size_t len)
{
	struct gw_ike_cert *leaf = NULL, *inter[GW_IKE_MAX_CERT];
	size_t n_inter = 0;
	char why[512], idt[GW_IKEV2_ID_MAX + 16];
	int rc;

	gw_ikev2_id_format(id, idt, sizeof(idt));
	rc = peer_certs(m, &leaf, inter, &n_inter);
	if (rc == -ENOENT) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "AUTHENTICATION_FAILED: peer sent no certificate (%s)",
			  idt);
		goto out;
	}
	if (rc != 0) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "AUTHENTICATION_FAILED: peer's certificate is malformed");
		goto out;
	}
	rc = gw_ike_cert_verify(leaf, (const struct gw_ike_cert *const *)inter,
				n_inter, sa->conn->cas, why, sizeof(why));
	if (rc != 0) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "AUTHENTICATION_FAILED: certificate chain not trusted: %s",
			  why);
		goto out;
	}
	rc = gw_ike_cert_has_id(leaf, id->type, id->data, id->len, why,
				sizeof(why));
	if (rc != 0) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "AUTHENTICATION_FAILED: identity %s not in certificate (%s)",
			  idt, why);
		goto out;
	}
	rc = gw_ike_sig_verify(leaf, m->auth.method, octets, len, m->auth.data,
			       m->auth.len, why, sizeof(why));
	if (rc != 0) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "AUTHENTICATION_FAILED: signature verification failed (%s AUTH of %s): %s",
			  gw_ike_auth_method_name(m->auth.method), idt, why);
		goto out;
	}
	snprintf(sa->auth_remote, sizeof(sa->auth_remote), "pubkey %.32s", why);
	ikev2_log(sa, GW_IKEV2_INFO,
		  "authentication of '%s' with %s successful", idt, why);
out:
	gw_ike_cert_free(leaf);
	for (size_t i = 0; i < n_inter; i++)
		gw_ike_cert_free(inter[i]);
	return rc ? -EPERM : 0;
}
