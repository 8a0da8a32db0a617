/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 codec and proposals:
 *  - names: the IANA numbers the tables carry;
 *  - codec: build -> parse -> compare for every payload type, SK layout and
 *    inner chain, writer errors, and a table of malformed messages, each
 *    with the error (and offset) it must give;
 *  - kat: messages encoded by scapy (tests/vectors/ike_kat.h) parsed and
 *    checked field by field, then rebuilt by our writer from the same
 *    field values: the bytes must be identical;
 *  - proposal: strongSwan strings, good and bad, weak refused or allowed,
 *    format round trip, SA conversion;
 *  - select: responder choice and initiator's check of the reply;
 *  - fuzz: random mutations of the KAT messages and inner chains (~200k,
 *    FUZZ_ITERS / FUZZ_SEED override); whatever parses must rebuild to a
 *    message that parses and rebuilds to the same bytes.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw_ike_msg.h"
#include "gw_ike_proposal.h"
#include "gw_test.h"
#include "ike_kat.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* -------------------------------------------------------------- helpers */

/* Hex with spaces; "XX*N" repeats octet XX N times. */
static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*s) {
		unsigned v, rep = 1;

		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1])) {
			fprintf(stderr, "bad hex at '%s'\n", s);
			abort();
		}
		sscanf(s, "%2x", &v);
		s += 2;
		if (*s == '*') {
			rep = (unsigned)strtoul(s + 1, (char **)&s, 10);
		}
		while (rep--) {
			if (n == cap)
				abort();
			out[n++] = (uint8_t)v;
		}
	}
	return n;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static const struct gw_ike_hdr test_hdr = {
	.spi_i = UINT64_C(0x0102030405060708),
	.spi_r = UINT64_C(0x1112131415161718),
	.exchange = GW_IKE_EXCH_IKE_AUTH,
	.flags = GW_IKE_FLAG_I,
	.msg_id = 7,
};

static bool
payloads_are(const struct gw_ike_msg *m, bool inner, const uint8_t *types, unsigned n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < m->n_payloads; i++) {
		if (m->payloads[i].inner != inner)
			continue;
		if (k == n || m->payloads[i].type != types[k])
			return false;
		k++;
	}
	return k == n;
}

/*
 * Re-encodes the parsed payloads of one chain with the writer. An SK
 * payload whose inner chain was parsed is rebuilt as SK with no IV/ICV
 * and block size 1 (plaintext), else copied as opaque octets.
 */
static int
rebuild_chain(struct gw_ike_writer *w, const struct gw_ike_msg *m,
	      const uint8_t *plain, bool inner)
{
	const uint8_t *buf = inner ? plain : m->buf;

	for (unsigned i = 0; i < m->n_payloads; i++) {
		const struct gw_ike_payload *pl = &m->payloads[i];
		const uint8_t *body = buf + pl->offset + 4;
		size_t blen = pl->len - 4u;

		if (pl->inner != inner)
			continue;
		if (!pl->known) {
			gw_ike_wr_raw(w, pl->type, pl->critical, body, blen);
			continue;
		}
		switch (pl->type) {
		case GW_IKE_PL_SA:
			gw_ike_wr_sa(w, &m->sa);
			break;
		case GW_IKE_PL_KE:
			gw_ike_wr_ke(w, m->ke.group, m->ke.data, m->ke.len);
			break;
		case GW_IKE_PL_IDI:
			gw_ike_wr_id(w, pl->type, m->idi.type, m->idi.data, m->idi.len);
			break;
		case GW_IKE_PL_IDR:
			gw_ike_wr_id(w, pl->type, m->idr.type, m->idr.data, m->idr.len);
			break;
		case GW_IKE_PL_CERT:
			gw_ike_wr_cert(w, m->cert[pl->idx].encoding, m->cert[pl->idx].data,
				       m->cert[pl->idx].len);
			break;
		case GW_IKE_PL_CERTREQ:
			gw_ike_wr_certreq(w, m->certreq[pl->idx].encoding,
					  m->certreq[pl->idx].data, m->certreq[pl->idx].len);
			break;
		case GW_IKE_PL_AUTH:
			gw_ike_wr_auth(w, m->auth.method, m->auth.data, m->auth.len);
			break;
		case GW_IKE_PL_NONCE:
			gw_ike_wr_nonce(w, m->nonce.data, m->nonce.len);
			break;
		case GW_IKE_PL_NOTIFY: {
			const struct gw_ike_notify_pl *n = &m->notify[pl->idx];

			gw_ike_wr_notify(w, n->protocol, n->spi, n->spi_size, n->type,
					 n->data, n->len);
			break;
		}
		case GW_IKE_PL_DELETE: {
			const struct gw_ike_delete_pl *d = &m->del[pl->idx];

			gw_ike_wr_delete(w, d->protocol, d->spi_size, d->spis, d->n_spi);
			break;
		}
		case GW_IKE_PL_VENDOR:
			gw_ike_wr_vendor(w, m->vendor[pl->idx].data, m->vendor[pl->idx].len);
			break;
		case GW_IKE_PL_TSI:
		case GW_IKE_PL_TSR: {
			const struct gw_ike_ts_pl *t = pl->type == GW_IKE_PL_TSI ? &m->tsi : &m->tsr;

			if (t->n)
				gw_ike_wr_ts(w, pl->type, t->ts, t->n);
			else    /* only selectors of unknown types: keep them as octets */
				gw_ike_wr_raw(w, pl->type, false, body, blen);
			break;
		}
		case GW_IKE_PL_CP:
			gw_ike_wr_cp(w, m->cp.cfg_type, m->cp.attr, m->cp.n_attr);
			break;
		case GW_IKE_PL_EAP:
			gw_ike_wr_eap(w, m->eap.data, m->eap.len);
			break;
		case GW_IKE_PL_SK:
		case GW_IKE_PL_SKF:
			if (pl->type == GW_IKE_PL_SK && m->inner_parsed && plain) {
				gw_ike_wr_sk_begin(w, 0);
				rebuild_chain(w, m, plain, true);
				gw_ike_wr_sk_end(w, 1, 0, NULL);
			} else {
				gw_ike_wr_raw(w, pl->type, false, body, blen);
				if (!w->err)
					w->buf[w->np_off] = m->sk.inner_np;
			}
			break;
		}
	}
	return w->err;
}

static int
rebuild_msg(const struct gw_ike_msg *m, const uint8_t *plain, uint8_t *out,
	    size_t cap, size_t *len)
{
	struct gw_ike_writer w;

	gw_ike_wr_init(&w, out, cap, &m->hdr);
	rebuild_chain(&w, m, plain, false);
	return gw_ike_wr_finish(&w, len);
}

/*
 * Parses a message whose SK body is in clear, without IV or ICV (as
 * rebuild_chain() writes it): chain | padding | pad length. The inner
 * chain is parsed only when @p inner.
 */
static int
parse_clear(const uint8_t *buf, size_t len, bool inner, struct gw_ike_msg *m,
	    struct gw_ike_err *err)
{
	int rc = gw_ike_msg_parse(buf, len, m, err);
	size_t chain;

	if (rc || !inner || !gw_ike_msg_has(m, GW_IKE_PL_SK))
		return rc;
	rc = gw_ike_sk_unpad(buf + m->sk.body_off, m->sk.body_len, &chain);
	if (rc)
		return rc;
	return gw_ike_msg_parse_inner(m, m->sk.inner_np, buf + m->sk.body_off, chain, err);
}

static void
ts_from_kat(const struct ike_kat_ts *k, size_t n, struct gw_ike_ts *ts)
{
	for (size_t i = 0; i < n; i++) {
		memset(&ts[i], 0, sizeof(ts[i]));
		ts[i].type = k[i].type;
		ts[i].ip_proto = k[i].ip_proto;
		ts[i].start_port = k[i].start_port;
		ts[i].end_port = k[i].end_port;
		memcpy(ts[i].start, k[i].start, 16);
		memcpy(ts[i].end, k[i].end, 16);
	}
}

static bool
ts_equal(const struct gw_ike_ts *a, const struct ike_kat_ts *k)
{
	size_t alen = a->type == GW_IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;

	return a->type == k->type && a->ip_proto == k->ip_proto &&
	       a->start_port == k->start_port && a->end_port == k->end_port &&
	       memcmp(a->start, k->start, alen) == 0 && memcmp(a->end, k->end, alen) == 0;
}

/* ---------------------------------------------------------------- names */

static int
test_names(void)
{
	GW_CHECK(strcmp(gw_ike_exchange_name(34), "IKE_SA_INIT") == 0, "34");
	GW_CHECK(strcmp(gw_ike_exchange_name(37), "INFORMATIONAL") == 0, "37");
	GW_CHECK(strcmp(gw_ike_exchange_name(99), "UNKNOWN") == 0, "99");
	GW_CHECK(strcmp(gw_ike_payload_name(46), "Encrypted") == 0, "46");
	GW_CHECK(strcmp(gw_ike_payload_short_name(40), "No") == 0, "40");
	GW_CHECK(strcmp(gw_ike_notify_name(16388), "NAT_DETECTION_SOURCE_IP") == 0, "natd");
	GW_CHECK(strcmp(gw_ike_notify_name(16389), "NAT_DETECTION_DESTINATION_IP") == 0, "natd");
	GW_CHECK(strcmp(gw_ike_notify_name(16390), "COOKIE") == 0, "cookie");
	GW_CHECK(strcmp(gw_ike_notify_name(16391), "USE_TRANSPORT_MODE") == 0, "utm");
	GW_CHECK(strcmp(gw_ike_notify_name(16393), "REKEY_SA") == 0, "rekey");
	GW_CHECK(strcmp(gw_ike_notify_name(16384), "INITIAL_CONTACT") == 0, "ic");
	GW_CHECK(strcmp(gw_ike_notify_name(16431), "SIGNATURE_HASH_ALGORITHMS") == 0, "sha");
	GW_CHECK(strcmp(gw_ike_notify_name(16430), "IKEV2_FRAGMENTATION_SUPPORTED") == 0, "frag");
	GW_CHECK(strcmp(gw_ike_notify_name(14), "NO_PROPOSAL_CHOSEN") == 0, "npc");
	GW_CHECK(strcmp(gw_ike_notify_name(17), "INVALID_KE_PAYLOAD") == 0, "ike");
	GW_CHECK(strcmp(gw_ike_notify_name(24), "AUTHENTICATION_FAILED") == 0, "af");
	GW_CHECK(strcmp(gw_ike_notify_name(38), "TS_UNACCEPTABLE") == 0, "tsu");
	GW_CHECK(strcmp(gw_ike_notify_name(12345), "UNKNOWN") == 0, "unknown");

	GW_CHECK_EQ(GW_IKE_ENCR_AES_CBC, 12);
	GW_CHECK_EQ(GW_IKE_ENCR_AES_GCM_16, 20);
	GW_CHECK_EQ(GW_IKE_ENCR_CHACHA20_POLY1305, 28);
	GW_CHECK_EQ(GW_IKE_ENCR_3DES, 3);
	GW_CHECK_EQ(GW_IKE_ENCR_DES, 2);
	GW_CHECK_EQ(GW_IKE_PRF_HMAC_SHA2_256, 5);
	GW_CHECK_EQ(GW_IKE_PRF_HMAC_SHA2_384, 6);
	GW_CHECK_EQ(GW_IKE_PRF_HMAC_SHA2_512, 7);
	GW_CHECK_EQ(GW_IKE_PRF_HMAC_SHA1, 2);
	GW_CHECK_EQ(GW_IKE_PRF_HMAC_MD5, 1);
	GW_CHECK_EQ(GW_IKE_INTEG_HMAC_SHA2_256_128, 12);
	GW_CHECK_EQ(GW_IKE_INTEG_HMAC_SHA2_384_192, 13);
	GW_CHECK_EQ(GW_IKE_INTEG_HMAC_SHA2_512_256, 14);
	GW_CHECK_EQ(GW_IKE_INTEG_HMAC_SHA1_96, 2);
	GW_CHECK_EQ(GW_IKE_INTEG_HMAC_MD5_96, 1);
	GW_CHECK_EQ(GW_IKE_DH_CURVE25519, 31);
	GW_CHECK_EQ(GW_IKE_ESN_YES, 1);
	{
		static const uint16_t groups[] = { 1, 2, 5, 14, 15, 16, 19, 20, 21, 31 };
		static const unsigned ke_len[] = { 96, 128, 192, 256, 384, 512, 64, 96, 132, 32 };

		for (size_t i = 0; i < ARRAY_SIZE(groups); i++) {
			GW_CHECK(strcmp(gw_ike_xf_id_name(GW_IKE_XF_DH, groups[i]), "UNKNOWN") != 0,
				 "group %u", groups[i]);
			GW_CHECK_EQ(gw_ike_dh_ke_len(groups[i]), ke_len[i]);
		}
	}
	GW_CHECK(strcmp(gw_ike_xf_id_name(GW_IKE_XF_ENCR, 20), "AES_GCM_16") == 0, "gcm");
	GW_CHECK(strcmp(gw_ike_xf_id_name(GW_IKE_XF_PRF, 6), "PRF_HMAC_SHA2_384") == 0, "prf");
	GW_CHECK(strcmp(gw_ike_xf_id_name(GW_IKE_XF_ESN, 0), "NO_ESN") == 0, "esn");
	GW_CHECK(strcmp(gw_ike_xf_type_name(GW_IKE_XF_DH), "DH") == 0, "dh");
	GW_CHECK(strcmp(gw_ike_id_type_name(GW_IKE_ID_FQDN), "ID_FQDN") == 0, "fqdn");
	GW_CHECK(strcmp(gw_ike_id_type_name(9), "ID_DER_ASN1_DN") == 0, "dn");
	GW_CHECK(strcmp(gw_ike_id_type_name(11), "ID_KEY_ID") == 0, "keyid");
	GW_CHECK(strcmp(gw_ike_err_name(GW_IKE_E_BAD_LENGTH), "BAD_LENGTH") == 0, "err");
	GW_CHECK(strcmp(gw_ike_err_name(GW_IKE_E_UNSUPPORTED_CRITICAL), "UNSUPPORTED_CRITICAL") == 0, "err");
	GW_CHECK(gw_ike_encr_is_aead(GW_IKE_ENCR_AES_GCM_16) && gw_ike_encr_is_aead(28) &&
		 !gw_ike_encr_is_aead(GW_IKE_ENCR_AES_CBC), "aead");
	GW_CHECK_EQ(gw_ike_integ_icv_len(GW_IKE_INTEG_HMAC_SHA2_384_192), 24);
	GW_CHECK_EQ(gw_ike_prf_len(GW_IKE_PRF_HMAC_SHA2_512), 64);
	GW_CHECK_EQ(gw_ike_err_notify(GW_IKE_E_BAD_VERSION), GW_IKE_N_INVALID_MAJOR_VERSION);
	GW_CHECK_EQ(gw_ike_err_notify(GW_IKE_E_UNSUPPORTED_CRITICAL),
		    GW_IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	GW_CHECK_EQ(gw_ike_err_notify(GW_IKE_E_BAD_LENGTH), GW_IKE_N_INVALID_SYNTAX);
	return 0;
}

static const struct gw_test_case names_cases[] = {
	{ "tables", test_names },
	{ NULL, NULL },
};

static const struct gw_test_suite names_suite = { "ike-names", NULL, NULL, names_cases };

/* ---------------------------------------------------------------- codec */

static const uint8_t ke_data[64] = { 1, 2, 3, 4, 5 };
static const uint8_t nonce_data[32] = { 0xaa, 0xbb, 0xcc };
static const uint8_t cert_data[] = { 0x30, 0x82, 0x01, 0x0a, 0x02, 0x01 };
static const uint8_t auth_data[32] = { 9, 8, 7 };
static const uint8_t vid_data[16] = { 0x88, 0x2f, 0xe5, 0x6d };
static const uint8_t esp_spis[] = { 0xc0, 0, 0, 1, 0xc0, 0, 0, 2 };
static const uint8_t rekey_spi[] = { 0xc0, 0xff, 0xee, 0x01 };

static struct gw_ike_sa_pl
sample_sa(void)
{
	struct gw_ike_sa_pl sa = { .n_prop = 2 };

	sa.prop[0] = (struct gw_ike_sa_prop){ .num = 1, .protocol = GW_IKE_PROTO_ESP,
					       .spi_size = 4, .spi = { 0xca, 0xfe, 0, 1 },
					       .n_xf = 3 };
	sa.prop[0].xf[0] = (struct gw_ike_transform){ .type = GW_IKE_XF_ENCR, .id = 20,
						      .key_len = 256, .has_key_len = true };
	sa.prop[0].xf[1] = (struct gw_ike_transform){ .type = GW_IKE_XF_DH, .id = 19 };
	sa.prop[0].xf[2] = (struct gw_ike_transform){ .type = GW_IKE_XF_ESN, .id = 0 };
	sa.prop[1] = (struct gw_ike_sa_prop){ .num = 2, .protocol = GW_IKE_PROTO_ESP,
					       .spi_size = 4, .spi = { 0xca, 0xfe, 0, 1 },
					       .n_xf = 3 };
	sa.prop[1].xf[0] = (struct gw_ike_transform){ .type = GW_IKE_XF_ENCR, .id = 12,
						      .key_len = 128, .has_key_len = true };
	sa.prop[1].xf[1] = (struct gw_ike_transform){ .type = GW_IKE_XF_INTEG, .id = 12 };
	sa.prop[1].xf[2] = (struct gw_ike_transform){ .type = GW_IKE_XF_ESN, .id = 1 };
	return sa;
}

static int
check_sa_equal(const struct gw_ike_sa_pl *a, const struct gw_ike_sa_pl *b)
{
	GW_CHECK_EQ(a->n_prop, b->n_prop);
	for (unsigned i = 0; i < a->n_prop; i++) {
		const struct gw_ike_sa_prop *x = &a->prop[i], *y = &b->prop[i];

		GW_CHECK_EQ(x->num, y->num);
		GW_CHECK_EQ(x->protocol, y->protocol);
		GW_CHECK_EQ(x->spi_size, y->spi_size);
		GW_CHECK_MEM(x->spi, y->spi, x->spi_size);
		GW_CHECK_EQ(x->n_xf, y->n_xf);
		for (unsigned j = 0; j < x->n_xf; j++) {
			GW_CHECK_EQ(x->xf[j].type, y->xf[j].type);
			GW_CHECK_EQ(x->xf[j].id, y->xf[j].id);
			GW_CHECK_EQ(x->xf[j].has_key_len, y->xf[j].has_key_len);
			GW_CHECK_EQ(x->xf[j].key_len, y->xf[j].key_len);
			GW_CHECK_EQ(x->xf[j].unknown_attr, y->xf[j].unknown_attr);
		}
	}
	return 0;
}

/* Every payload type the writer has, in one message, parsed back. */
static int
test_roundtrip_all(void)
{
	static uint8_t buf[4096];
	struct gw_ike_sa_pl sa = sample_sa();
	struct gw_ike_ts tsi[2] = {
		{ .type = 7, .ip_proto = 0, .start_port = 0, .end_port = 65535,
		  .start = { 10, 1, 0, 0 }, .end = { 10, 1, 255, 255 } },
		{ .type = 8, .ip_proto = 6, .start_port = 443, .end_port = 443,
		  .start = { 0x20, 0x01, 0x0d, 0xb8 }, .end = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0xff } },
	};
	struct gw_ike_ts tsr[1] = {
		{ .type = 7, .ip_proto = 17, .start_port = 53, .end_port = 53,
		  .start = { 192, 0, 2, 1 }, .end = { 192, 0, 2, 1 } },
	};
	static const uint8_t ip4[4] = { 192, 0, 2, 7 };
	static const uint8_t v4addr[4] = { 10, 9, 8, 7 };
	struct gw_ike_cp_attr attrs[3] = {
		{ .type = 1, .value = NULL, .len = 0 },
		{ .type = 3, .value = v4addr, .len = 4 },
		{ .type = 7, .value = (const uint8_t *)"ipsecgw", .len = 7 },
	};
	static const uint8_t eap[] = { 1, 0, 0, 5, 1 };
	static const uint8_t types[] = {
		33, 34, 35, 36, 37, 37, 38, 39, 40, 41, 41, 41, 42, 42, 43, 43, 44, 45, 47, 48,
	};
	struct gw_ike_writer w;
	struct gw_ike_msg m;
	struct gw_ike_err err;
	size_t len;
	char text[512];

	gw_ike_wr_init(&w, buf, sizeof(buf), &test_hdr);
	gw_ike_wr_sa(&w, &sa);
	gw_ike_wr_ke(&w, 19, ke_data, sizeof(ke_data));
	gw_ike_wr_id(&w, GW_IKE_PL_IDI, GW_IKE_ID_FQDN, "gw.example", 10);
	gw_ike_wr_id(&w, GW_IKE_PL_IDR, GW_IKE_ID_IPV4_ADDR, ip4, 4);
	gw_ike_wr_cert(&w, GW_IKE_CERT_X509_SIG, cert_data, sizeof(cert_data));
	gw_ike_wr_cert(&w, GW_IKE_CERT_X509_SIG, cert_data, 2);
	gw_ike_wr_certreq(&w, GW_IKE_CERT_X509_SIG, NULL, 0);
	gw_ike_wr_auth(&w, GW_IKE_AUTH_PSK, auth_data, sizeof(auth_data));
	gw_ike_wr_nonce(&w, nonce_data, sizeof(nonce_data));
	gw_ike_wr_notify(&w, 0, NULL, 0, GW_IKE_N_INITIAL_CONTACT, NULL, 0);
	gw_ike_wr_notify(&w, GW_IKE_PROTO_ESP, rekey_spi, 4, GW_IKE_N_REKEY_SA, NULL, 0);
	gw_ike_wr_notify(&w, 0, NULL, 0, GW_IKE_N_SIGNATURE_HASH_ALGORITHMS, "\0\2\0\3", 4);
	gw_ike_wr_delete(&w, GW_IKE_PROTO_ESP, 4, esp_spis, 2);
	gw_ike_wr_delete(&w, GW_IKE_PROTO_IKE, 0, NULL, 0);
	gw_ike_wr_vendor(&w, vid_data, sizeof(vid_data));
	gw_ike_wr_vendor(&w, "strongSwan", 10);
	gw_ike_wr_ts(&w, GW_IKE_PL_TSI, tsi, 2);
	gw_ike_wr_ts(&w, GW_IKE_PL_TSR, tsr, 1);
	gw_ike_wr_cp(&w, GW_IKE_CFG_REQUEST, attrs, 3);
	gw_ike_wr_eap(&w, eap, sizeof(eap));
	GW_CHECK_EQ(gw_ike_wr_finish(&w, &len), 0);

	GW_CHECK_EQ(gw_ike_msg_parse(buf, len, &m, &err), 0);
	GW_CHECK_EQ(m.hdr.spi_i, test_hdr.spi_i);
	GW_CHECK_EQ(m.hdr.spi_r, test_hdr.spi_r);
	GW_CHECK_EQ(m.hdr.exchange, GW_IKE_EXCH_IKE_AUTH);
	GW_CHECK_EQ(m.hdr.flags, GW_IKE_FLAG_I);
	GW_CHECK_EQ(m.hdr.msg_id, 7);
	GW_CHECK_EQ(m.hdr.major, 2);
	GW_CHECK_EQ(m.hdr.length, len);
	GW_CHECK(payloads_are(&m, false, types, ARRAY_SIZE(types)), "payload order");
	if (check_sa_equal(&m.sa, &sa))
		return -1;
	GW_CHECK_EQ(m.ke.group, 19);
	GW_CHECK_EQ(m.ke.len, sizeof(ke_data));
	GW_CHECK_MEM(m.ke.data, ke_data, sizeof(ke_data));
	GW_CHECK_EQ(m.idi.type, GW_IKE_ID_FQDN);
	GW_CHECK(m.idi.len == 10 && memcmp(m.idi.data, "gw.example", 10) == 0, "idi");
	GW_CHECK_EQ(m.idi.body_len, 14);
	GW_CHECK(m.idi.body[0] == GW_IKE_ID_FQDN && m.idi.body + 4 == m.idi.data, "idi body");
	GW_CHECK(m.idr.type == GW_IKE_ID_IPV4_ADDR && m.idr.len == 4 &&
		 memcmp(m.idr.data, ip4, 4) == 0, "idr");
	GW_CHECK_EQ(m.n_cert, 2);
	GW_CHECK(m.cert[0].encoding == 4 && m.cert[0].len == sizeof(cert_data) &&
		 memcmp(m.cert[0].data, cert_data, sizeof(cert_data)) == 0, "cert");
	GW_CHECK_EQ(m.cert[1].len, 2);
	GW_CHECK(m.n_certreq == 1 && m.certreq[0].len == 0, "certreq");
	GW_CHECK(m.auth.method == GW_IKE_AUTH_PSK && m.auth.len == 32 &&
		 memcmp(m.auth.data, auth_data, 32) == 0, "auth");
	GW_CHECK(m.nonce.len == 32 && memcmp(m.nonce.data, nonce_data, 32) == 0, "nonce");
	GW_CHECK_EQ(m.n_notify, 3);
	GW_CHECK(m.notify[0].type == GW_IKE_N_INITIAL_CONTACT && m.notify[0].len == 0 &&
		 m.notify[0].spi_size == 0, "n0");
	GW_CHECK(m.notify[1].type == GW_IKE_N_REKEY_SA && m.notify[1].protocol == 3 &&
		 m.notify[1].spi_size == 4 && memcmp(m.notify[1].spi, rekey_spi, 4) == 0 &&
		 m.notify[1].len == 0, "n1");
	GW_CHECK(m.notify[2].len == 4 && memcmp(m.notify[2].data, "\0\2\0\3", 4) == 0, "n2");
	GW_CHECK(gw_ike_msg_notify(&m, GW_IKE_N_REKEY_SA) == &m.notify[1], "find");
	GW_CHECK(gw_ike_msg_notify(&m, GW_IKE_N_COOKIE) == NULL, "find none");
	GW_CHECK_EQ(m.n_delete, 2);
	GW_CHECK(m.del[0].protocol == 3 && m.del[0].spi_size == 4 && m.del[0].n_spi == 2 &&
		 memcmp(m.del[0].spis, esp_spis, 8) == 0, "del0");
	GW_CHECK(m.del[1].protocol == 1 && m.del[1].spi_size == 0 && m.del[1].n_spi == 0, "del1");
	GW_CHECK(m.n_vendor == 2 && m.vendor[1].len == 10 &&
		 memcmp(m.vendor[1].data, "strongSwan", 10) == 0, "vendor");
	GW_CHECK(m.tsi.n == 2 && m.tsr.n == 1 && m.tsi.n_skipped == 0, "ts count");
	GW_CHECK(memcmp(&m.tsi.ts[0], &tsi[0], sizeof(tsi[0])) == 0, "tsi0");
	GW_CHECK(memcmp(&m.tsi.ts[1], &tsi[1], sizeof(tsi[1])) == 0, "tsi1");
	GW_CHECK(memcmp(&m.tsr.ts[0], &tsr[0], sizeof(tsr[0])) == 0, "tsr0");
	GW_CHECK(m.cp.cfg_type == GW_IKE_CFG_REQUEST && m.cp.n_attr == 3, "cp");
	GW_CHECK(m.cp.attr[0].type == 1 && m.cp.attr[0].len == 0, "cp0");
	GW_CHECK(m.cp.attr[1].type == 3 && m.cp.attr[1].len == 4 &&
		 memcmp(m.cp.attr[1].value, v4addr, 4) == 0, "cp1");
	GW_CHECK(m.cp.attr[2].len == 7 && memcmp(m.cp.attr[2].value, "ipsecgw", 7) == 0, "cp2");
	GW_CHECK(m.eap.len == sizeof(eap) && memcmp(m.eap.data, eap, sizeof(eap)) == 0, "eap");
	GW_CHECK(gw_ike_msg_has(&m, GW_IKE_PL_EAP) && !gw_ike_msg_has(&m, GW_IKE_PL_SK), "has");

	/* and the parsed form re-encodes to the same bytes */
	{
		static uint8_t again[4096];
		size_t len2;

		GW_CHECK_EQ(rebuild_msg(&m, NULL, again, sizeof(again), &len2), 0);
		GW_CHECK_EQ(len2, len);
		GW_CHECK_MEM(again, buf, len);
	}
	gw_ike_msg_format(&m, text, sizeof(text));
	GW_CHECK(strcmp(text, "IKE_AUTH request 7 [ SA KE IDi IDr CERT CERT CERTREQ AUTH No "
			      "N(INITIAL_CONTACT) N(REKEY_SA) N(SIGNATURE_HASH_ALGORITHMS) D D V V "
			      "TSi TSr CP EAP ]") == 0, "format: %s", text);
	return 0;
}

/* SK: layout offsets, padding, inner chain parsed after "decryption". */
static int
test_roundtrip_sk(void)
{
	static const struct {
		size_t iv, block, icv;
	} shapes[] = { { 16, 16, 16 }, { 8, 1, 16 }, { 8, 4, 16 }, { 16, 16, 12 }, { 0, 0, 0 } };

	for (size_t s = 0; s < ARRAY_SIZE(shapes); s++) {
		static uint8_t buf[1024];
		struct gw_ike_writer w;
		struct gw_ike_sk_layout lay;
		struct gw_ike_msg m;
		struct gw_ike_err err;
		size_t len, chain;
		static const uint8_t inner[] = { GW_IKE_PL_IDI, GW_IKE_PL_AUTH, GW_IKE_PL_NOTIFY };
		static const uint8_t outer[] = { GW_IKE_PL_VENDOR, GW_IKE_PL_SK };

		gw_ike_wr_init(&w, buf, sizeof(buf), &test_hdr);
		gw_ike_wr_vendor(&w, vid_data, sizeof(vid_data));    /* one clear payload first */
		gw_ike_wr_sk_begin(&w, shapes[s].iv);
		gw_ike_wr_id(&w, GW_IKE_PL_IDI, GW_IKE_ID_RFC822_ADDR, "a@b.c", 5);
		gw_ike_wr_auth(&w, GW_IKE_AUTH_PSK, auth_data, 20);
		gw_ike_wr_notify(&w, 0, NULL, 0, GW_IKE_N_INITIAL_CONTACT, NULL, 0);
		GW_CHECK_EQ(gw_ike_wr_sk_end(&w, shapes[s].block, shapes[s].icv, &lay), 0);
		GW_CHECK_EQ(gw_ike_wr_finish(&w, &len), 0);

		GW_CHECK_EQ(lay.msg_len, len);
		GW_CHECK_EQ(lay.sk_off, 28 + 20);
		GW_CHECK_EQ(lay.aad_len, lay.sk_off + 4);
		GW_CHECK_EQ(lay.iv_off, lay.sk_off + 4);
		GW_CHECK_EQ(lay.iv_len, shapes[s].iv);
		GW_CHECK_EQ(lay.plain_off, lay.iv_off + lay.iv_len);
		GW_CHECK_EQ(lay.icv_off, lay.plain_off + lay.plain_len);
		GW_CHECK_EQ(lay.icv_off + lay.icv_len, len);
		if (shapes[s].block > 1)
			GW_CHECK_EQ(lay.plain_len % shapes[s].block, 0);
		GW_CHECK_EQ(buf[lay.plain_off + lay.plain_len - 1], lay.pad_len);
		/* chain = IDi (4+4+5) + AUTH (4+4+20) + N (4+4) */
		GW_CHECK_EQ(lay.plain_len - lay.pad_len - 1, 13 + 28 + 8);

		GW_CHECK_EQ(gw_ike_msg_parse(buf, len, &m, &err), 0);
		GW_CHECK(payloads_are(&m, false, outer, 2), "outer");
		GW_CHECK_EQ(m.sk.inner_np, GW_IKE_PL_IDI);
		GW_CHECK_EQ(m.sk.payload_off, lay.sk_off);
		GW_CHECK_EQ(m.sk.body_off, lay.iv_off);
		GW_CHECK_EQ(m.sk.body_len, lay.iv_len + lay.plain_len + lay.icv_len);
		GW_CHECK(!m.sk.fragment, "not a fragment");
		GW_CHECK(!gw_ike_msg_has(&m, GW_IKE_PL_IDI), "inner not parsed yet");

		GW_CHECK_EQ(gw_ike_sk_unpad(buf + lay.plain_off, lay.plain_len, &chain), 0);
		GW_CHECK_EQ(chain, 49);
		GW_CHECK_EQ(gw_ike_msg_parse_inner(&m, m.sk.inner_np, buf + lay.plain_off, chain,
						   &err), 0);
		GW_CHECK(payloads_are(&m, true, inner, 3), "inner");
		GW_CHECK(m.idi.type == GW_IKE_ID_RFC822_ADDR && m.idi.len == 5 &&
			 memcmp(m.idi.data, "a@b.c", 5) == 0, "idi");
		GW_CHECK(m.auth.len == 20 && m.n_notify == 1, "auth, notify");
		GW_CHECK_EQ(m.payloads[2].offset, 0);     /* inner offsets: into the plaintext */
		GW_CHECK(m.payloads[2].inner, "inner flag");
		/* second inner parse refused */
		GW_CHECK_EQ(gw_ike_msg_parse_inner(&m, m.sk.inner_np, buf + lay.plain_off, chain,
						   &err), GW_IKE_E_BAD_ARG);
	}
	return 0;
}

static int
test_writer_errors(void)
{
	uint8_t buf[128];
	struct gw_ike_writer w;
	struct gw_ike_sk_layout lay;
	struct gw_ike_sa_pl sa = sample_sa();
	size_t len;

	/* too small for the header, then sticky */
	gw_ike_wr_init(&w, buf, 20, &test_hdr);
	GW_CHECK_EQ(w.err, GW_IKE_E_NO_SPACE);
	GW_CHECK_EQ(gw_ike_wr_nonce(&w, nonce_data, 32), GW_IKE_E_NO_SPACE);
	GW_CHECK_EQ(gw_ike_wr_finish(&w, &len), GW_IKE_E_NO_SPACE);

	/* payload that does not fit: error sticks, nothing half-written */
	gw_ike_wr_init(&w, buf, 60, &test_hdr);
	GW_CHECK_EQ(gw_ike_wr_nonce(&w, nonce_data, 16), 0);
	GW_CHECK_EQ(gw_ike_wr_nonce(&w, nonce_data, 32), GW_IKE_E_NO_SPACE);
	GW_CHECK_EQ(w.len, 48);
	GW_CHECK_EQ(gw_ike_wr_vendor(&w, "x", 1), GW_IKE_E_NO_SPACE);
	GW_CHECK_EQ(gw_ike_wr_finish(&w, &len), GW_IKE_E_NO_SPACE);

	/* arguments */
	gw_ike_wr_init(&w, buf, sizeof(buf), &test_hdr);
	GW_CHECK_EQ(gw_ike_wr_nonce(&w, nonce_data, 15), GW_IKE_E_BAD_ARG);
	gw_ike_wr_init(&w, buf, sizeof(buf), &test_hdr);
	GW_CHECK_EQ(gw_ike_wr_id(&w, GW_IKE_PL_AUTH, 2, "x", 1), GW_IKE_E_BAD_ARG);
	gw_ike_wr_init(&w, buf, sizeof(buf), &test_hdr);
	GW_CHECK_EQ(gw_ike_wr_id(&w, GW_IKE_PL_IDI, GW_IKE_ID_IPV4_ADDR, "abcde", 5),
		    GW_IKE_E_BAD_ARG);
	gw_ike_wr_init(&w, buf, sizeof(buf), &test_hdr);
	GW_CHECK_EQ(gw_ike_wr_delete(&w, GW_IKE_PROTO_ESP, 8, esp_spis, 1), GW_IKE_E_BAD_ARG);
	gw_ike_wr_init(&w, buf, sizeof(buf), &test_hdr);
	sa.n_prop = 0;
	GW_CHECK_EQ(gw_ike_wr_sa(&w, &sa), GW_IKE_E_BAD_ARG);
	gw_ike_wr_init(&w, buf, sizeof(buf), &test_hdr);
	GW_CHECK_EQ(gw_ike_wr_ts(&w, GW_IKE_PL_TSI, NULL, 0), GW_IKE_E_BAD_ARG);

	/* SK: must be closed before finish; nothing after it */
	gw_ike_wr_init(&w, buf, sizeof(buf), &test_hdr);
	gw_ike_wr_sk_begin(&w, 8);
	GW_CHECK_EQ(gw_ike_wr_finish(&w, &len), GW_IKE_E_BAD_ARG);
	gw_ike_wr_init(&w, buf, sizeof(buf), &test_hdr);
	gw_ike_wr_sk_begin(&w, 8);
	GW_CHECK_EQ(gw_ike_wr_sk_begin(&w, 8), GW_IKE_E_BAD_ARG);
	gw_ike_wr_init(&w, buf, sizeof(buf), &test_hdr);
	gw_ike_wr_sk_begin(&w, 8);
	GW_CHECK_EQ(gw_ike_wr_sk_end(&w, 16, 16, &lay), 0);
	GW_CHECK_EQ(gw_ike_wr_vendor(&w, "x", 1), GW_IKE_E_BAD_ARG);
	gw_ike_wr_init(&w, buf, sizeof(buf), &test_hdr);
	GW_CHECK_EQ(gw_ike_wr_sk_end(&w, 16, 16, &lay), GW_IKE_E_BAD_ARG);
	/* SK that does not fit its ICV */
	gw_ike_wr_init(&w, buf, 60, &test_hdr);
	gw_ike_wr_sk_begin(&w, 16);
	GW_CHECK_EQ(gw_ike_wr_sk_end(&w, 16, 16, &lay), GW_IKE_E_NO_SPACE);

	/* an empty SK (liveness check): the inner chain is empty, NP 0 */
	{
		struct gw_ike_msg m;
		struct gw_ike_err err;

		gw_ike_wr_init(&w, buf, sizeof(buf), &test_hdr);
		gw_ike_wr_sk_begin(&w, 16);
		GW_CHECK_EQ(gw_ike_wr_sk_end(&w, 16, 16, &lay), 0);
		GW_CHECK_EQ(gw_ike_wr_finish(&w, &len), 0);
		GW_CHECK_EQ(len, 28 + 4 + 16 + 16 + 16);
		GW_CHECK_EQ(gw_ike_msg_parse(buf, len, &m, &err), 0);
		GW_CHECK_EQ(m.sk.inner_np, 0);
		GW_CHECK_EQ(gw_ike_msg_parse_inner(&m, 0, buf + lay.plain_off, 0, &err), 0);
	}
	return 0;
}

/*
 * Malformed messages: header + the given payload chain. Octets are hex,
 * "XX*N" repeats. The header's length is 28 + chain + len_adj; extra
 * appends zero octets to the datagram beyond that (negative: cuts).
 */
struct bad_case {
	const char *name;
	uint8_t np;
	const char *chain;
	int len_adj;
	int extra;
	uint8_t version;           /* 0: 0x20 */
	int code;
	int ptype;                 /* expected err.payload_type, -1 any */
	int offset;                /* expected err.offset, -1 any */
};

static const struct bad_case bad_cases[] = {
	{ "ok-nonce", 40, "00000014 00*16", 0, 0, 0, GW_IKE_E_OK, -1, -1 },
	{ "ok-empty-message", 0, "", 0, 0, 0, GW_IKE_E_OK, -1, -1 },
	{ "ok-higher-minor-version", 40, "00000014 00*16", 0, 0, 0x21, GW_IKE_E_OK, -1, -1 },
	{ "ok-known-critical-ignored", 40, "00800014 00*16", 0, 0, 0, GW_IKE_E_OK, -1, -1 },
	{ "ok-reserved-bits-ignored", 40, "007f0014 00*16", 0, 0, 0, GW_IKE_E_OK, -1, -1 },
	{ "ok-unknown-noncritical-skipped", 60, "28000008 deadbeef 00000014 00*16", 0, 0, 0,
	  GW_IKE_E_OK, -1, -1 },
	{ "ok-sk-last", 46, "29000014 00*16", 0, 0, 0, GW_IKE_E_OK, -1, -1 },
	{ "ok-eap-opaque", 48, "00000008 01020008", 0, 0, 0, GW_IKE_E_OK, -1, -1 },
	{ "ok-ts-unknown-type-skipped", 44, "00000010 01000000 09000008 00000000", 0, 0, 0,
	  GW_IKE_E_OK, -1, -1 },
	{ "ok-transform-unknown-attr", 33,
	  "00000018 00000014 01010001 0000000c 0100000c 800f0001", 0, 0, 0, GW_IKE_E_OK, -1, -1 },
	{ "ok-proposal-no-transforms", 33, "0000000c 00000008 01010000", 0, 0, 0,
	  GW_IKE_E_OK, -1, -1 },

	{ "short-datagram", 0, "", 0, -1, 0, GW_IKE_E_TRUNCATED, -1, 0 },
	{ "version-1", 0, "", 0, 0, 0x10, GW_IKE_E_BAD_VERSION, -1, 17 },
	{ "version-3", 40, "00000014 00*16", 0, 0, 0x30, GW_IKE_E_BAD_VERSION, -1, 17 },
	{ "header-length-27", 0, "", -1, 0, 0, GW_IKE_E_BAD_LENGTH, -1, 24 },
	{ "header-length-beyond-datagram", 40, "00000014 00*16", 4, -4, 0, GW_IKE_E_TRUNCATED,
	  -1, -1 },
	{ "datagram-beyond-header-length", 40, "00000014 00*16", 0, 4, 0, GW_IKE_E_BAD_LENGTH,
	  -1, 48 },
	{ "payload-length-3", 40, "00000003 00", 0, 0, 0, GW_IKE_E_BAD_LENGTH, 40, 28 },
	{ "payload-length-0", 40, "00000000", 0, 0, 0, GW_IKE_E_BAD_LENGTH, 40, 28 },
	{ "payload-overruns-message", 40, "00000020 00*16", 0, 0, 0, GW_IKE_E_BAD_LENGTH, 40, 28 },
	{ "generic-header-cut", 40, "000000", 0, 0, 0, GW_IKE_E_BAD_LENGTH, 40, 28 },
	{ "chain-continues-past-end", 40, "29000014 00*16", 0, 0, 0, GW_IKE_E_BAD_LENGTH, 41, 48 },
	{ "octets-after-last-payload", 40, "00000014 00*16 00000004", 0, 0, 0,
	  GW_IKE_E_BAD_LENGTH, -1, 48 },
	{ "unknown-critical", 60, "28800008 deadbeef 00000014 00*16", 0, 0, 0,
	  GW_IKE_E_UNSUPPORTED_CRITICAL, 60, 28 },
	{ "unknown-critical-later", 40, "e7000014 00*16 00800004", 0, 0, 0,
	  GW_IKE_E_UNSUPPORTED_CRITICAL, 231, 48 },
	{ "nonce-15", 40, "00000013 00*15", 0, 0, 0, GW_IKE_E_INVALID_SYNTAX, 40, -1 },
	{ "nonce-257", 40, "00000105 00*257", 0, 0, 0, GW_IKE_E_INVALID_SYNTAX, 40, -1 },
	{ "duplicate-nonce", 40, "28000014 00*16 00000014 00*16", 0, 0, 0,
	  GW_IKE_E_INVALID_SYNTAX, 40, 48 },
	{ "ke-short", 34, "00000007 001400", 0, 0, 0, GW_IKE_E_BAD_LENGTH, 34, -1 },
	{ "sa-empty", 33, "00000004", 0, 0, 0, GW_IKE_E_INVALID_SYNTAX, 33, -1 },
	{ "proposal-header-cut", 33, "00000008 00000004", 0, 0, 0, GW_IKE_E_BAD_LENGTH, 33, 32 },
	{ "proposal-length-7", 33, "0000000c 00000007 01010000", 0, 0, 0, GW_IKE_E_BAD_LENGTH,
	  33, 32 },
	{ "proposal-overruns-sa", 33, "0000000c 00000010 01010000", 0, 0, 0,
	  GW_IKE_E_BAD_LENGTH, 33, 32 },
	{ "proposal-more-but-last", 33, "00000014 00000008 01010000 00000008 02010000", 0, 0, 0,
	  GW_IKE_E_INVALID_SYNTAX, 33, 32 },
	{ "proposal-last-but-more", 33, "0000000c 02000008 01010000", 0, 0, 0,
	  GW_IKE_E_INVALID_SYNTAX, 33, 32 },
	{ "proposal-last-value-5", 33, "0000000c 05000008 01010000", 0, 0, 0,
	  GW_IKE_E_INVALID_SYNTAX, 33, 32 },
	{ "proposal-spi-size-9", 33, "00000015 00000011 01010900 00*9", 0, 0, 0,
	  GW_IKE_E_INVALID_SYNTAX, 33, 38 },
	{ "proposal-spi-overruns", 33, "00000010 0000000c 01030800 00*4", 0, 0, 0,
	  GW_IKE_E_BAD_LENGTH, 33, 32 },
	{ "transform-count-mismatch", 33, "00000014 00000010 01010002 00000008 01000014", 0, 0, 0,
	  GW_IKE_E_INVALID_SYNTAX, 33, 39 },
	{ "transform-header-cut", 33, "00000010 0000000c 01010001 00000008", 0, 0, 0,
	  GW_IKE_E_BAD_LENGTH, 33, 40 },
	{ "transform-length-7", 33, "00000014 00000010 01010001 00000007 01000014", 0, 0, 0,
	  GW_IKE_E_BAD_LENGTH, 33, 40 },
	{ "transform-overruns-proposal", 33, "00000014 00000010 01010001 0000000c 01000014", 0, 0,
	  0, GW_IKE_E_BAD_LENGTH, 33, 40 },
	{ "transform-last-but-more", 33,
	  "0000001c 00000018 01010002 00000008 01000014 00000008 02000005", 0, 0, 0,
	  GW_IKE_E_INVALID_SYNTAX, 33, 40 },
	{ "transform-more-but-last", 33, "00000014 00000010 01010001 03000008 01000014", 0, 0, 0,
	  GW_IKE_E_INVALID_SYNTAX, 33, 40 },
	{ "attribute-header-cut", 33, "00000016 00000012 01010001 0000000a 0100000c 800e", 0, 0,
	  0, GW_IKE_E_BAD_LENGTH, 33, 48 },
	{ "attribute-tlv-overruns", 33, "00000018 00000014 01010001 0000000c 0100000c 00010008",
	  0, 0, 0, GW_IKE_E_BAD_LENGTH, 33, 48 },
	{ "key-length-twice", 33,
	  "0000001c 00000018 01010001 00000010 0100000c 800e0080 800e0100", 0, 0, 0,
	  GW_IKE_E_INVALID_SYNTAX, 33, 52 },
	{ "notify-spi-overruns", 41, "00000008 03054000", 0, 0, 0, GW_IKE_E_BAD_LENGTH, 41, 33 },
	{ "notify-header-cut", 41, "00000007 030040", 0, 0, 0, GW_IKE_E_BAD_LENGTH, 41, -1 },
	{ "delete-count-mismatch", 42, "0000000c 03040002 c0ffee01", 0, 0, 0,
	  GW_IKE_E_BAD_LENGTH, 42, -1 },
	{ "delete-ike-with-spi", 42, "0000000c 01040001 c0ffee01", 0, 0, 0,
	  GW_IKE_E_INVALID_SYNTAX, 42, -1 },
	{ "delete-esp-spi-size-8", 42, "00000010 03080001 00*8", 0, 0, 0,
	  GW_IKE_E_INVALID_SYNTAX, 42, -1 },
	{ "ts-no-selectors", 44, "00000008 00000000", 0, 0, 0, GW_IKE_E_INVALID_SYNTAX, 44, -1 },
	{ "ts-count-mismatch", 44, "00000018 02000000 07000010 0000ffff 0a000000 0affffff", 0, 0,
	  0, GW_IKE_E_INVALID_SYNTAX, 44, -1 },
	{ "ts-ipv4-length-15", 44, "00000017 01000000 0700000f 0000ffff 0a000000 0affff", 0, 0,
	  0, GW_IKE_E_BAD_LENGTH, 44, 36 },
	{ "ts-ipv6-length-16", 45, "00000018 01000000 08000010 0000ffff 0a000000 0affffff", 0, 0,
	  0, GW_IKE_E_BAD_LENGTH, 45, 36 },
	{ "ts-selector-overruns", 44, "00000010 01000000 07000010 0000ffff", 0, 0, 0,
	  GW_IKE_E_BAD_LENGTH, 44, 36 },
	{ "ts-selector-length-3", 44, "0000000c 01000000 07000003", 0, 0, 0,
	  GW_IKE_E_BAD_LENGTH, 44, 36 },
	{ "id-ipv4-5-octets", 35, "0000000d 01000000 0a000001 02", 0, 0, 0,
	  GW_IKE_E_INVALID_SYNTAX, 35, -1 },
	{ "id-ipv6-4-octets", 36, "0000000c 05000000 20010db8", 0, 0, 0,
	  GW_IKE_E_INVALID_SYNTAX, 36, -1 },
	{ "id-header-cut", 35, "00000007 010000", 0, 0, 0, GW_IKE_E_BAD_LENGTH, 35, -1 },
	{ "auth-header-cut", 39, "00000006 0200", 0, 0, 0, GW_IKE_E_BAD_LENGTH, 39, -1 },
	{ "cert-without-encoding", 37, "00000004", 0, 0, 0, GW_IKE_E_BAD_LENGTH, 37, -1 },
	{ "certreq-without-encoding", 38, "00000004", 0, 0, 0, GW_IKE_E_BAD_LENGTH, 38, -1 },
	{ "cp-header-cut", 47, "00000006 0100", 0, 0, 0, GW_IKE_E_BAD_LENGTH, 47, -1 },
	{ "cp-attribute-overruns", 47, "0000000c 01000000 00010008", 0, 0, 0,
	  GW_IKE_E_BAD_LENGTH, 47, 36 },
	{ "sk-not-last", 46, "28000008 00*4 00000014 00*16", 0, 0, 0,
	  GW_IKE_E_INVALID_SYNTAX, 46, 28 },
	{ "skf-fragment-0", 53, "0000000c 00000001 00*4", 0, 0, 0, GW_IKE_E_INVALID_SYNTAX, 53,
	  -1 },
	{ "skf-number-above-total", 53, "0000000c 00030002 00*4", 0, 0, 0,
	  GW_IKE_E_INVALID_SYNTAX, 53, -1 },
	{ "skf-header-cut", 53, "00000006 0001", 0, 0, 0, GW_IKE_E_BAD_LENGTH, 53, -1 },
	{ "sk-twice-is-not-last", 46, "2e000004 00000004", 0, 0, 0, GW_IKE_E_INVALID_SYNTAX, 46,
	  28 },
};

static int
test_malformed_table(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		uint8_t buf[1024] = { 0 };
		size_t chain = unhex(c->chain, buf + 28, sizeof(buf) - 64);
		size_t len = 28 + chain;
		struct gw_ike_msg m;
		struct gw_ike_err err;
		uint8_t *copy;
		int rc;

		buf[16] = c->np;
		buf[17] = c->version ? c->version : 0x20;
		buf[18] = GW_IKE_EXCH_IKE_SA_INIT;
		buf[19] = GW_IKE_FLAG_I;
		put32(buf + 24, (uint32_t)((int)len + c->len_adj));
		len = (size_t)((int)len + c->extra);
		/* exact-size copy: an overread shows under ASan/valgrind */
		copy = malloc(len ? len : 1);
		memcpy(copy, buf, len);
		rc = gw_ike_msg_parse(copy, len, &m, &err);
		free(copy);
		GW_CHECK(rc == c->code, "%s: got %s (%s at %u), want %s", c->name,
			 gw_ike_err_name(rc), err.what ? err.what : "", err.offset,
			 gw_ike_err_name(c->code));
		GW_CHECK_EQ(err.code, rc);
		if (c->ptype >= 0)
			GW_CHECK(err.payload_type == c->ptype, "%s: payload type %u, want %d",
				 c->name, err.payload_type, c->ptype);
		if (c->offset >= 0)
			GW_CHECK(err.offset == (uint32_t)c->offset, "%s: offset %u, want %d (%s)",
				 c->name, err.offset, c->offset, err.what);
		if (rc != GW_IKE_E_OK)
			GW_CHECK(err.what != NULL, "%s: no detail", c->name);
	}
	printf("  %zu malformed/edge messages checked\n", ARRAY_SIZE(bad_cases));
	return 0;
}

/* Semantics of some accepted edge cases. */
static int
test_edge_semantics(void)
{
	uint8_t buf[256] = { 0 };
	struct gw_ike_msg m;
	struct gw_ike_err err;
	size_t n;

	/* unknown attribute marks the transform; unknown payload recorded, skipped */
	n = unhex("28000018 00000014 01010001 0000000c 0100000c 800f0001 "
		  "00000014 00*16", buf + 28, 200);
	buf[16] = 33;
	buf[17] = 0x20;
	put32(buf + 24, (uint32_t)(28 + n));
	GW_CHECK_EQ(gw_ike_msg_parse(buf, 28 + n, &m, &err), 0);
	GW_CHECK(m.sa.prop[0].xf[0].unknown_attr && !m.sa.prop[0].xf[0].has_key_len, "attr");

	memset(buf, 0, sizeof(buf));
	n = unhex("28000008 deadbeef 00000014 00*16", buf + 28, 200);
	buf[16] = 60;
	buf[17] = 0x20;
	put32(buf + 24, (uint32_t)(28 + n));
	GW_CHECK_EQ(gw_ike_msg_parse(buf, 28 + n, &m, &err), 0);
	GW_CHECK(m.n_payloads == 2 && !m.payloads[0].known && m.payloads[0].type == 60 &&
		 m.payloads[1].known && m.nonce.len == 16, "skipped");

	/* the header is filled even when the version is refused */
	buf[17] = 0x30;
	GW_CHECK_EQ(gw_ike_msg_parse(buf, 28 + n, &m, &err), GW_IKE_E_BAD_VERSION);
	GW_CHECK(m.hdr.major == 3 && m.hdr.length == 28 + n, "hdr");

	/* SKF: fragment fields and body offset after them */
	memset(buf, 0, sizeof(buf));
	n = unhex("2100001c 00020003 00*20", buf + 28, 200);
	buf[16] = 53;
	buf[17] = 0x20;
	put32(buf + 24, (uint32_t)(28 + n));
	GW_CHECK_EQ(gw_ike_msg_parse(buf, 28 + n, &m, &err), 0);
	GW_CHECK(m.sk.fragment && m.sk.frag_num == 2 && m.sk.frag_total == 3 &&
		 m.sk.inner_np == 33 && m.sk.body_off == 36 && m.sk.body_len == 20, "skf");

	/* pad length larger than the plaintext */
	{
		uint8_t plain[4] = { 0, 0, 0, 4 };
		size_t chain;

		GW_CHECK_EQ(gw_ike_sk_unpad(plain, 4, &chain), GW_IKE_E_INVALID_SYNTAX);
		plain[3] = 3;
		GW_CHECK_EQ(gw_ike_sk_unpad(plain, 4, &chain), 0);
		GW_CHECK_EQ(chain, 0);
		GW_CHECK_EQ(gw_ike_sk_unpad(plain, 0, &chain), GW_IKE_E_INVALID_SYNTAX);
	}
	return 0;
}

/* Inner chain rules: no SK inside, singletons across both chains. */
static int
test_inner_rules(void)
{
	uint8_t buf[256] = { 0 };
	uint8_t plain[128];
	struct gw_ike_msg m, outer;
	struct gw_ike_err err;
	size_t n, pn;

	/* outer: Nonce, SK(inner np = Nonce) */
	n = unhex("2e000014 00*16 28000008 00*4", buf + 28, 200);
	buf[16] = 40;
	buf[17] = 0x20;
	put32(buf + 24, (uint32_t)(28 + n));
	GW_CHECK_EQ(gw_ike_msg_parse(buf, 28 + n, &outer, &err), 0);
	GW_CHECK_EQ(outer.sk.inner_np, 40);

	pn = unhex("00000014 00*16", plain, sizeof(plain));
	m = outer;
	GW_CHECK_EQ(gw_ike_msg_parse_inner(&m, 40, plain, pn, &err), GW_IKE_E_INVALID_SYNTAX);
	GW_CHECK(err.offset == 0 && err.payload_type == 40, "duplicate across chains");

	pn = unhex("00000008 00*4", plain, sizeof(plain));
	m = outer;
	GW_CHECK_EQ(gw_ike_msg_parse_inner(&m, 46, plain, pn, &err), GW_IKE_E_INVALID_SYNTAX);

	pn = unhex("2b000008 00*4 00000005 01", plain, sizeof(plain));
	m = outer;
	GW_CHECK_EQ(gw_ike_msg_parse_inner(&m, 43, plain, pn, &err), 0);
	GW_CHECK_EQ(m.n_vendor, 2);
	m = outer;
	GW_CHECK_EQ(gw_ike_msg_parse_inner(&m, 43, plain, pn - 1, &err), GW_IKE_E_BAD_LENGTH);
	m = outer;
	GW_CHECK_EQ(gw_ike_msg_parse_inner(&m, 43, plain, pn + 0, &err), 0);
	m = outer;
	pn = unhex("00000008 00*4 00000000", plain, sizeof(plain));
	GW_CHECK_EQ(gw_ike_msg_parse_inner(&m, 43, plain, pn, &err), GW_IKE_E_BAD_LENGTH);
	GW_CHECK_EQ(err.offset, 8);
	return 0;
}

/* Fixed maxima: one more than allowed gives TOO_MANY, the maximum passes. */
static int
build_many(uint8_t *buf, size_t cap, int what, unsigned count, size_t *len)
{
	struct gw_ike_writer w;
	uint8_t body[2048];
	size_t n = 0;

	gw_ike_wr_init(&w, buf, cap, &test_hdr);
	switch (what) {
	case 0: /* notifies */
		for (unsigned i = 0; i < count; i++)
			gw_ike_wr_notify(&w, 0, NULL, 0, GW_IKE_N_INITIAL_CONTACT, NULL, 0);
		break;
	case 1: /* proposals (by hand: the writer stops at the maximum) */
		for (unsigned i = 0; i < count; i++) {
			uint8_t p[8] = { i + 1 == count ? 0 : 2, 0, 0, 8, (uint8_t)(i + 1), 1, 0, 0 };

			memcpy(body + n, p, 8);
			n += 8;
		}
		gw_ike_wr_raw(&w, GW_IKE_PL_SA, false, body, n);
		break;
	case 2: /* transforms */
		body[0] = 0;
		body[1] = 0;
		body[2] = (uint8_t)((8 + 8 * count) >> 8);
		body[3] = (uint8_t)(8 + 8 * count);
		body[4] = 1;
		body[5] = 1;
		body[6] = 0;
		body[7] = (uint8_t)count;
		n = 8;
		for (unsigned i = 0; i < count; i++) {
			uint8_t x[8] = { i + 1 == count ? 0 : 3, 0, 0, 8, 4, 0, 0, (uint8_t)i };

			memcpy(body + n, x, 8);
			n += 8;
		}
		gw_ike_wr_raw(&w, GW_IKE_PL_SA, false, body, n);
		break;
	case 3: /* traffic selectors */
		body[0] = (uint8_t)count;
		body[1] = body[2] = body[3] = 0;
		n = 4;
		for (unsigned i = 0; i < count; i++) {
			uint8_t t[16] = { 7, 0, 0, 16, 0, 0, 0xff, 0xff, 10, 0, (uint8_t)i, 0,
					  10, 0, (uint8_t)i, 255 };

			memcpy(body + n, t, 16);
			n += 16;
		}
		gw_ike_wr_raw(&w, GW_IKE_PL_TSI, false, body, n);
		break;
	case 4: /* payloads: unknown non-critical ones */
		for (unsigned i = 0; i < count; i++)
			gw_ike_wr_raw(&w, 200, false, NULL, 0);
		break;
	case 5:
		for (unsigned i = 0; i < count; i++)
			gw_ike_wr_vendor(&w, "v", 1);
		break;
	case 6:
		for (unsigned i = 0; i < count; i++)
			gw_ike_wr_cert(&w, 4, "c", 1);
		break;
	case 7:
		for (unsigned i = 0; i < count; i++)
			gw_ike_wr_certreq(&w, 4, NULL, 0);
		break;
	case 8:
		for (unsigned i = 0; i < count; i++)
			gw_ike_wr_delete(&w, GW_IKE_PROTO_ESP, 4, esp_spis, 1);
		break;
	case 9: /* configuration attributes */
		body[0] = 1;
		body[1] = body[2] = body[3] = 0;
		n = 4;
		for (unsigned i = 0; i < count; i++) {
			uint8_t a[4] = { 0, 1, 0, 0 };

			memcpy(body + n, a, 4);
			n += 4;
		}
		gw_ike_wr_raw(&w, GW_IKE_PL_CP, false, body, n);
		break;
	}
	return gw_ike_wr_finish(&w, len);
}

static int
test_too_many(void)
{
	static const struct {
		const char *what;
		unsigned max;
	} limits[] = {
		{ "notify", GW_IKE_MAX_NOTIFY },      { "proposal", GW_IKE_MAX_PROPOSALS },
		{ "transform", GW_IKE_MAX_TRANSFORMS }, { "ts", GW_IKE_MAX_TS },
		{ "payload", GW_IKE_MAX_PAYLOADS },   { "vendor", GW_IKE_MAX_VENDOR },
		{ "cert", GW_IKE_MAX_CERT },          { "certreq", GW_IKE_MAX_CERTREQ },
		{ "delete", GW_IKE_MAX_DELETE },      { "cp attribute", GW_IKE_MAX_CP_ATTRS },
	};

	for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
		static uint8_t buf[8192];
		struct gw_ike_msg m;
		struct gw_ike_err err;
		size_t len;

		GW_CHECK_EQ(build_many(buf, sizeof(buf), (int)i, limits[i].max, &len), 0);
		GW_CHECK(gw_ike_msg_parse(buf, len, &m, &err) == 0, "%s: %u refused: %s",
			 limits[i].what, limits[i].max, err.what);
		GW_CHECK_EQ(build_many(buf, sizeof(buf), (int)i, limits[i].max + 1, &len), 0);
		GW_CHECK(gw_ike_msg_parse(buf, len, &m, &err) == GW_IKE_E_TOO_MANY,
			 "%s: %u accepted (%s)", limits[i].what, limits[i].max + 1,
			 gw_ike_err_name(err.code));
	}
	return 0;
}

static const struct gw_test_case codec_cases[] = {
	{ "roundtrip-all-payloads", test_roundtrip_all },
	{ "roundtrip-sk", test_roundtrip_sk },
	{ "writer-errors", test_writer_errors },
	{ "malformed-table", test_malformed_table },
	{ "edge-semantics", test_edge_semantics },
	{ "inner-rules", test_inner_rules },
	{ "too-many", test_too_many },
	{ NULL, NULL },
};

static const struct gw_test_suite codec_suite = { "ike-codec", NULL, NULL, codec_cases };

/* ------------------------------------------------------------------ KAT */

/* The SA payload a KAT carries, from its strongSwan proposal string. */
static int
kat_sa(const struct ike_kat *k, struct gw_ike_sa_pl *sa)
{
	struct gw_ike_proposal list[GW_IKE_PROP_MAX];
	char errbuf[GW_IKE_PROP_ERR_MAX];
	size_t n;

	GW_CHECK(gw_ike_proposal_list_parse(k->proposals, k->sa_protocol, 0, list,
					    GW_IKE_PROP_MAX, &n, errbuf, sizeof(errbuf)) == 0,
		 "%s: %s", k->name, errbuf);
	GW_CHECK_EQ(n, k->n_prop);
	GW_CHECK_EQ(gw_ike_proposal_list_to_sa(list, n, k->spi, k->spi_size, sa), 0);
	for (size_t i = 0; i < n; i++)
		sa->prop[i].num = k->prop_nums[i];
	return 0;
}

/* Writes the payloads of types[] from the KAT's field values. */
static int
kat_write(struct gw_ike_writer *w, const struct ike_kat *k, const uint8_t *types,
	  unsigned n_types, unsigned *ni)
{
	for (unsigned i = 0; i < n_types; i++) {
		switch (types[i]) {
		case GW_IKE_PL_SA: {
			struct gw_ike_sa_pl sa;

			if (kat_sa(k, &sa))
				return -1;
			gw_ike_wr_sa(w, &sa);
			break;
		}
		case GW_IKE_PL_KE:
			gw_ike_wr_ke(w, k->ke_group, k->ke, k->ke_len);
			break;
		case GW_IKE_PL_NONCE:
			gw_ike_wr_nonce(w, k->nonce, k->nonce_len);
			break;
		case GW_IKE_PL_NOTIFY: {
			const struct ike_kat_notify *n = &k->notify[(*ni)++];

			gw_ike_wr_notify(w, n->protocol, n->spi, n->spi_size, n->type, n->data,
					 n->len);
			break;
		}
		case GW_IKE_PL_VENDOR:
			gw_ike_wr_vendor(w, k->vendor, k->vendor_len);
			break;
		case GW_IKE_PL_CERTREQ:
			gw_ike_wr_certreq(w, k->certreq_enc, k->certreq, k->certreq_len);
			break;
		case GW_IKE_PL_IDI:
			gw_ike_wr_id(w, GW_IKE_PL_IDI, k->idi_type, k->idi, k->idi_len);
			break;
		case GW_IKE_PL_AUTH:
			gw_ike_wr_auth(w, k->auth_method, k->auth, k->auth_len);
			break;
		case GW_IKE_PL_TSI:
		case GW_IKE_PL_TSR: {
			struct gw_ike_ts ts[GW_IKE_MAX_TS];
			bool i_side = types[i] == GW_IKE_PL_TSI;

			ts_from_kat(i_side ? k->tsi : k->tsr, i_side ? k->n_tsi : k->n_tsr, ts);
			gw_ike_wr_ts(w, types[i], ts, i_side ? k->n_tsi : k->n_tsr);
			break;
		}
		case GW_IKE_PL_DELETE:
			gw_ike_wr_delete(w, k->del_proto, k->del_spi_size, k->del_spis, k->del_n);
			break;
		case GW_IKE_PL_SK: {
			struct gw_ike_sk_layout lay;

			gw_ike_wr_sk_begin(w, k->iv_len);
			if (kat_write(w, k, k->inner, k->n_inner, ni))
				return -1;
			GW_CHECK_EQ(gw_ike_wr_sk_end(w, k->block, k->icv_len, &lay), 0);
			GW_CHECK_EQ(lay.plain_len, k->plain_len);
			/* the "encryption" left the plaintext in clear: copy IV and ICV */
			memcpy(w->buf + lay.iv_off, k->iv, k->iv_len);
			memcpy(w->buf + lay.icv_off, k->icv, k->icv_len);
			break;
		}
		default:
			GW_CHECK(0, "%s: no KAT writer for payload %u", k->name, types[i]);
		}
	}
	GW_CHECK(w->err == 0, "%s: writer: %s", k->name, gw_ike_err_name(w->err));
	return 0;
}

static int
kat_check_fields(const struct ike_kat *k, const struct gw_ike_msg *m)
{
	GW_CHECK_EQ(m->hdr.spi_i, k->spi_i);
	GW_CHECK_EQ(m->hdr.spi_r, k->spi_r);
	GW_CHECK_EQ(m->hdr.exchange, k->exchange);
	GW_CHECK_EQ(m->hdr.flags, k->flags);
	GW_CHECK_EQ(m->hdr.msg_id, k->msg_id);
	GW_CHECK_EQ(m->hdr.length, k->msg_len);
	GW_CHECK(payloads_are(m, false, k->outer, k->n_outer), "%s: outer chain", k->name);
	if (k->n_inner)
		GW_CHECK(payloads_are(m, true, k->inner, k->n_inner), "%s: inner chain", k->name);
	if (k->proposals) {
		struct gw_ike_sa_pl sa;

		if (kat_sa(k, &sa) || check_sa_equal(&m->sa, &sa))
			return -1;
	}
	if (k->ke) {
		GW_CHECK_EQ(m->ke.group, k->ke_group);
		GW_CHECK_EQ(m->ke.len, k->ke_len);
		GW_CHECK_MEM(m->ke.data, k->ke, k->ke_len);
	}
	if (k->nonce) {
		GW_CHECK_EQ(m->nonce.len, k->nonce_len);
		GW_CHECK_MEM(m->nonce.data, k->nonce, k->nonce_len);
	}
	GW_CHECK_EQ(m->n_notify, k->n_notify);
	for (unsigned i = 0; i < k->n_notify; i++) {
		const struct gw_ike_notify_pl *n = &m->notify[i];
		const struct ike_kat_notify *e = &k->notify[i];

		GW_CHECK(n->type == e->type && n->protocol == e->protocol &&
			 n->spi_size == e->spi_size && n->len == e->len, "%s: notify %u", k->name, i);
		GW_CHECK_MEM(n->spi, e->spi, e->spi_size);
		GW_CHECK_MEM(n->data, e->data, e->len);
	}
	if (k->vendor)
		GW_CHECK(m->n_vendor == 1 && m->vendor[0].len == k->vendor_len &&
			 memcmp(m->vendor[0].data, k->vendor, k->vendor_len) == 0, "%s: vendor",
			 k->name);
	if (k->certreq)
		GW_CHECK(m->n_certreq == 1 && m->certreq[0].encoding == k->certreq_enc &&
			 m->certreq[0].len == k->certreq_len &&
			 memcmp(m->certreq[0].data, k->certreq, k->certreq_len) == 0,
			 "%s: certreq", k->name);
	if (k->idi)
		GW_CHECK(m->idi.type == k->idi_type && m->idi.len == k->idi_len &&
			 memcmp(m->idi.data, k->idi, k->idi_len) == 0, "%s: idi", k->name);
	if (k->auth)
		GW_CHECK(m->auth.method == k->auth_method && m->auth.len == k->auth_len &&
			 memcmp(m->auth.data, k->auth, k->auth_len) == 0, "%s: auth", k->name);
	GW_CHECK_EQ(m->tsi.n, k->n_tsi);
	GW_CHECK_EQ(m->tsr.n, k->n_tsr);
	for (unsigned i = 0; i < k->n_tsi; i++)
		GW_CHECK(ts_equal(&m->tsi.ts[i], &k->tsi[i]), "%s: tsi %u", k->name, i);
	for (unsigned i = 0; i < k->n_tsr; i++)
		GW_CHECK(ts_equal(&m->tsr.ts[i], &k->tsr[i]), "%s: tsr %u", k->name, i);
	if (k->del_spis)
		GW_CHECK(m->n_delete == 1 && m->del[0].protocol == k->del_proto &&
			 m->del[0].spi_size == k->del_spi_size && m->del[0].n_spi == k->del_n &&
			 memcmp(m->del[0].spis, k->del_spis, (size_t)k->del_n * k->del_spi_size) == 0,
			 "%s: delete", k->name);
	return 0;
}

static int
test_kat_parse(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(ike_kats); i++) {
		const struct ike_kat *k = &ike_kats[i];
		struct gw_ike_msg m;
		struct gw_ike_err err;
		int rc = gw_ike_msg_parse(k->msg, k->msg_len, &m, &err);

		GW_CHECK(rc == 0, "%s: %s (%s at %u)", k->name, gw_ike_err_name(rc), err.what,
			 err.offset);
		if (k->plain) {
			size_t chain;

			GW_CHECK_EQ(m.sk.inner_np, k->sk_first);
			GW_CHECK_EQ(m.sk.body_off, 28 + 4);
			GW_CHECK_EQ(m.sk.body_len, k->iv_len + k->plain_len + k->icv_len);
			GW_CHECK_MEM(k->msg + m.sk.body_off + k->iv_len, k->plain, k->plain_len);
			GW_CHECK_EQ(gw_ike_sk_unpad(k->plain, k->plain_len, &chain), 0);
			rc = gw_ike_msg_parse_inner(&m, m.sk.inner_np, k->plain, chain, &err);
			GW_CHECK(rc == 0, "%s inner: %s (%s at %u)", k->name, gw_ike_err_name(rc),
				 err.what, err.offset);
		}
		if (kat_check_fields(k, &m))
			return -1;
	}
	return 0;
}

/* Our writer, fed the KAT's field values, gives scapy's bytes. */
static int
test_kat_build(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(ike_kats); i++) {
		const struct ike_kat *k = &ike_kats[i];
		struct gw_ike_hdr h = { .spi_i = k->spi_i, .spi_r = k->spi_r,
					.exchange = k->exchange, .flags = k->flags,
					.msg_id = k->msg_id };
		static uint8_t buf[2048];
		struct gw_ike_writer w;
		unsigned ni = 0;
		size_t len;

		gw_ike_wr_init(&w, buf, sizeof(buf), &h);
		if (kat_write(&w, k, k->outer, k->n_outer, &ni))
			return -1;
		GW_CHECK_EQ(gw_ike_wr_finish(&w, &len), 0);
		GW_CHECK(len == k->msg_len, "%s: %zu octets, scapy %u", k->name, len, k->msg_len);
		for (size_t j = 0; j < len; j++)
			GW_CHECK(buf[j] == k->msg[j], "%s: octet %zu: 0x%02x, scapy 0x%02x", k->name,
				 j, buf[j], k->msg[j]);
	}
	return 0;
}

/* Parse -> generic re-encode gives the same bytes (inner chain too). */
static int
test_kat_rebuild(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(ike_kats); i++) {
		const struct ike_kat *k = &ike_kats[i];
		static uint8_t buf[2048];
		struct gw_ike_msg m;
		struct gw_ike_err err;
		size_t len;

		GW_CHECK_EQ(gw_ike_msg_parse(k->msg, k->msg_len, &m, &err), 0);
		GW_CHECK_EQ(rebuild_msg(&m, NULL, buf, sizeof(buf), &len), 0);
		GW_CHECK_EQ(len, k->msg_len);
		GW_CHECK_MEM(buf, k->msg, len);
	}
	return 0;
}

static int
test_kat_format(void)
{
	static const char *const want[] = {
		"IKE_SA_INIT request 0 [ SA KE No N(NAT_DETECTION_SOURCE_IP) "
		"N(NAT_DETECTION_DESTINATION_IP) ]",
		"IKE_SA_INIT response 0 [ SA KE No N(NAT_DETECTION_SOURCE_IP) "
		"N(NAT_DETECTION_DESTINATION_IP) N(IKEV2_FRAGMENTATION_SUPPORTED) "
		"N(SIGNATURE_HASH_ALGORITHMS) V CERTREQ ]",
		"IKE_SA_INIT request 0 [ N(COOKIE) SA KE No N(NAT_DETECTION_SOURCE_IP) "
		"N(NAT_DETECTION_DESTINATION_IP) ]",
		"IKE_AUTH request 1 [ SK ]",
	};
	char text[512];

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct gw_ike_msg m;
		int n;

		GW_CHECK_EQ(gw_ike_msg_parse(ike_kats[i].msg, ike_kats[i].msg_len, &m, NULL), 0);
		n = gw_ike_msg_format(&m, text, sizeof(text));
		GW_CHECK(strcmp(text, want[i]) == 0, "got '%s'", text);
		GW_CHECK_EQ(n, (int)strlen(want[i]));
		/* truncation is safe and reports the full length */
		GW_CHECK_EQ(gw_ike_msg_format(&m, text, 10), n);
		GW_CHECK_EQ(strlen(text), 9);
	}
	return 0;
}

static const struct gw_test_case kat_cases[] = {
	{ "parse-scapy-messages", test_kat_parse },
	{ "build-identical-to-scapy", test_kat_build },
	{ "rebuild-identical", test_kat_rebuild },
	{ "format-summary", test_kat_format },
	{ NULL, NULL },
};

static const struct gw_test_suite kat_suite = { "ike-kat", NULL, NULL, kat_cases };

/* ------------------------------------------------------------- proposal */

struct prop_good {
	const char *str;
	uint8_t protocol;
	unsigned flags;
	const char *formatted;
	bool weak;
	/* expected first algorithm per type: ENCR id/key, PRF, INTEG, DH, ESN (-1 none) */
	int encr, key, prf, integ, dh, esn;
};

static const struct prop_good good_props[] = {
	{ "aes256gcm16-prfsha384-ecp384", 1, 0, "aes256gcm16-prfsha384-ecp384", false,
	  20, 256, 6, -1, 20, -1 },
	{ "aes128-sha256-modp2048", 1, 0, "aes128-sha256-prfsha256-modp2048", false,
	  12, 128, 5, 12, 14, -1 },
	{ "aes256-sha512-modp4096", 1, 0, "aes256-sha512-prfsha512-modp4096", false,
	  12, 256, 7, 14, 16, -1 },
	{ "chacha20poly1305-prfsha256-curve25519", 1, 0, "chacha20poly1305-prfsha256-curve25519",
	  false, 28, 0, 5, -1, 31, -1 },
	{ "aes128gcm16-prfsha256-ecp256", 1, 0, "aes128gcm16-prfsha256-ecp256", false,
	  20, 128, 5, -1, 19, -1 },
	{ "aes128gcm-prfsha256-x25519", 1, 0, "aes128gcm16-prfsha256-curve25519", false,
	  20, 128, 5, -1, 31, -1 },
	{ "aes256gcm-prfsha512-ecp521", 1, 0, "aes256gcm16-prfsha512-ecp521", false,
	  20, 256, 7, -1, 21, -1 },
	{ "aes192-sha384-prfsha512-modp3072", 1, 0, "aes192-sha384-prfsha512-modp3072", false,
	  12, 192, 7, 13, 15, -1 },
	{ "AES128-SHA256-MODP2048", 1, 0, "aes128-sha256-prfsha256-modp2048", false,
	  12, 128, 5, 12, 14, -1 },
	{ " aes128 - sha256 - ecp256 ", 1, 0, "aes128-sha256-prfsha256-ecp256", false,
	  12, 128, 5, 12, 19, -1 },
	{ "aes128-aes256-sha256-modp2048-ecp256", 1, 0,
	  "aes128-aes256-sha256-prfsha256-modp2048-ecp256", false, 12, 128, 5, 12, 14, -1 },
	{ "aes128-sha256-sha384-modp2048", 1, 0,
	  "aes128-sha256-sha384-prfsha256-prfsha384-modp2048", false, 12, 128, 5, 12, 14, -1 },
	{ "aes128-aes128-sha256-modp2048", 1, 0, "aes128-sha256-prfsha256-modp2048", false,
	  12, 128, 5, 12, 14, -1 },
	{ "aes256gcm16-ecp384", 3, 0, "aes256gcm16-ecp384-noesn", false, 20, 256, -1, -1, 20, 0 },
	{ "aes256gcm16-esn", 3, 0, "aes256gcm16-esn", false, 20, 256, -1, -1, -1, 1 },
	{ "aes128-sha256-noesn", 3, 0, "aes128-sha256-noesn", false, 12, 128, -1, 12, -1, 0 },
	{ "aes128gcm16", 3, 0, "aes128gcm16-noesn", false, 20, 128, -1, -1, -1, 0 },
	{ "aes256gcm16-esn-noesn", 3, 0, "aes256gcm16-esn-noesn", false, 20, 256, -1, -1, -1, 1 },
	/* weak, allowed by the flag */
	{ "3des-sha1-modp1024", 1, GW_IKE_PROP_ALLOW_WEAK, "3des-sha1-prfsha1-modp1024", true,
	  3, 0, 2, 2, 2, -1 },
	{ "des-md5-modp768", 1, GW_IKE_PROP_ALLOW_WEAK, "des-md5-prfmd5-modp768", true,
	  2, 0, 1, 1, 1, -1 },
	{ "aes128-sha256-modp1536", 1, GW_IKE_PROP_ALLOW_WEAK, "aes128-sha256-prfsha256-modp1536",
	  true, 12, 128, 5, 12, 5, -1 },
	{ "aes128-sha256-prfsha1-modp2048", 1, GW_IKE_PROP_ALLOW_WEAK,
	  "aes128-sha256-prfsha1-modp2048", true, 12, 128, 2, 12, 14, -1 },
	{ "aes128", 3, GW_IKE_PROP_ALLOW_WEAK, "aes128-noesn", true, 12, 128, -1, -1, -1, 0 },
	/* the flag does not make a strong proposal weak */
	{ "aes128-sha256-modp2048", 1, GW_IKE_PROP_ALLOW_WEAK, "aes128-sha256-prfsha256-modp2048",
	  false, 12, 128, 5, 12, 14, -1 },
};

static int
first_alg(const struct gw_ike_proposal *p, uint8_t type)
{
	return p->n[type] ? p->alg[type][0].id : -1;
}

static int
test_proposal_good(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(good_props); i++) {
		const struct prop_good *g = &good_props[i];
		struct gw_ike_proposal p, again;
		char errbuf[GW_IKE_PROP_ERR_MAX], text[256];
		int rc = gw_ike_proposal_parse(g->str, g->protocol, g->flags, &p, errbuf,
					       sizeof(errbuf));

		GW_CHECK(rc == 0, "'%s': %s", g->str, errbuf);
		GW_CHECK(p.protocol == g->protocol, "'%s' protocol", g->str);
		GW_CHECK(p.weak == g->weak, "'%s' weak %d", g->str, p.weak);
		GW_CHECK(first_alg(&p, GW_IKE_XF_ENCR) == g->encr, "'%s' encr", g->str);
		GW_CHECK(p.alg[GW_IKE_XF_ENCR][0].key_len == g->key, "'%s' key", g->str);
		GW_CHECK(first_alg(&p, GW_IKE_XF_PRF) == g->prf, "'%s' prf %d", g->str,
			 first_alg(&p, GW_IKE_XF_PRF));
		GW_CHECK(first_alg(&p, GW_IKE_XF_INTEG) == g->integ, "'%s' integ", g->str);
		GW_CHECK(first_alg(&p, GW_IKE_XF_DH) == g->dh, "'%s' dh", g->str);
		GW_CHECK(first_alg(&p, GW_IKE_XF_ESN) == g->esn, "'%s' esn", g->str);
		gw_ike_proposal_format(&p, text, sizeof(text));
		GW_CHECK(strcmp(text, g->formatted) == 0, "'%s' formats as '%s'", g->str, text);
		/* the formatted text parses back to the same proposal */
		GW_CHECK_EQ(gw_ike_proposal_parse(text, g->protocol, g->flags, &again, NULL, 0), 0);
		GW_CHECK(memcmp(&p, &again, sizeof(p)) == 0, "'%s' round trip", g->str);
	}
	printf("  %zu good proposals\n", ARRAY_SIZE(good_props));
	return 0;
}

static int
test_proposal_multi(void)
{
	struct gw_ike_proposal p;

	GW_CHECK_EQ(gw_ike_proposal_parse("aes128-aes256-sha256-modp2048-ecp256", 1, 0, &p,
					  NULL, 0), 0);
	GW_CHECK(p.n[GW_IKE_XF_ENCR] == 2 && p.alg[1][0].key_len == 128 &&
		 p.alg[1][1].key_len == 256, "encr list");
	GW_CHECK(p.n[GW_IKE_XF_DH] == 2 && p.alg[4][0].id == 14 && p.alg[4][1].id == 19, "dh");
	GW_CHECK(p.n[GW_IKE_XF_PRF] == 1 && p.n[GW_IKE_XF_INTEG] == 1, "prf, integ");
	return 0;
}

struct prop_bad {
	const char *str;
	uint8_t protocol;
	unsigned flags;
	int code;
	const char *text;          /* must appear in the message */
};

static const struct prop_bad bad_props[] = {
	{ "", 1, 0, GW_IKE_E_BAD_PROPOSAL, "empty algorithm" },
	{ "aes128--sha256-modp2048", 1, 0, GW_IKE_E_BAD_PROPOSAL, "empty algorithm" },
	{ "aes128-sha256-modp2048-", 1, 0, GW_IKE_E_BAD_PROPOSAL, "empty algorithm" },
	{ "aes512-sha256-modp2048", 1, 0, GW_IKE_E_BAD_PROPOSAL, "unknown algorithm 'aes512'" },
	{ "aes128-sha256-modp2047", 1, 0, GW_IKE_E_BAD_PROPOSAL, "unknown algorithm 'modp2047'" },
	{ "aes256gcm16-sha256-ecp384", 1, 0, GW_IKE_E_BAD_PROPOSAL,
	  "AEAD algorithm 'aes256gcm16' with integrity algorithm 'sha256'" },
	{ "aes256gcm16-sha256-ecp384", 3, 0, GW_IKE_E_BAD_PROPOSAL, "with integrity" },
	{ "aes128-modp2048", 1, 0, GW_IKE_E_BAD_PROPOSAL, "needs an integrity algorithm" },
	{ "aes128-sha256", 1, 0, GW_IKE_E_BAD_PROPOSAL, "needs a DH group" },
	{ "aes256gcm16-ecp384", 1, 0, GW_IKE_E_BAD_PROPOSAL, "needs a PRF" },
	{ "aes128-sha256-modp2048-esn", 1, 0, GW_IKE_E_BAD_PROPOSAL, "ESP only" },
	{ "aes128-sha256-prfsha256", 3, 0, GW_IKE_E_BAD_PROPOSAL, "IKE only" },
	{ "aes128-aes128gcm16-sha256-modp2048", 1, 0, GW_IKE_E_BAD_PROPOSAL, "mixes AEAD" },
	{ "sha256-modp2048", 1, 0, GW_IKE_E_BAD_PROPOSAL, "no encryption algorithm" },
	{ "aes128-sha256-modp2048", 2, 0, GW_IKE_E_BAD_PROPOSAL, "IKE or ESP" },
	{ "3des-sha256-modp2048", 1, 0, GW_IKE_E_WEAK_ALGORITHM, "weak algorithm '3des'" },
	{ "des-sha256-modp2048", 1, 0, GW_IKE_E_WEAK_ALGORITHM, "weak algorithm 'des'" },
	{ "aes128-md5-modp2048", 1, 0, GW_IKE_E_WEAK_ALGORITHM, "weak algorithm 'md5'" },
	{ "aes128-sha1-modp2048", 1, 0, GW_IKE_E_WEAK_ALGORITHM, "weak algorithm 'sha1'" },
	{ "aes128-sha256-prfsha1-modp2048", 1, 0, GW_IKE_E_WEAK_ALGORITHM,
	  "weak algorithm 'prfsha1'" },
	{ "aes128-sha256-prfmd5-modp2048", 1, 0, GW_IKE_E_WEAK_ALGORITHM,
	  "weak algorithm 'prfmd5'" },
	{ "aes128-sha256-modp768", 1, 0, GW_IKE_E_WEAK_ALGORITHM, "weak algorithm 'modp768'" },
	{ "aes128-sha256-modp1024", 1, 0, GW_IKE_E_WEAK_ALGORITHM, "weak algorithm 'modp1024'" },
	{ "aes128-sha256-modp1536", 1, 0, GW_IKE_E_WEAK_ALGORITHM, "weak algorithm 'modp1536'" },
	{ "aes128-sha1-noesn", 3, 0, GW_IKE_E_WEAK_ALGORITHM, "weak algorithm 'sha1'" },
	{ "aes128-modp1024", 3, 0, GW_IKE_E_WEAK_ALGORITHM, "'modp1024'" },
	{ "aes128", 3, 0, GW_IKE_E_WEAK_ALGORITHM, "without integrity" },
	{ "aes128-aes192-aes256-aes128ctr-aes192ctr-aes256ctr-aes-aes128gcm-aes256gcm-sha256",
	  3, 0, GW_IKE_E_BAD_PROPOSAL, "mixes AEAD" },
	{ "aes128-aes192-aes256-aes128ctr-aes192ctr-aes256ctr-3des-des-aes128gcm16-sha256-modp2048",
	  1, GW_IKE_PROP_ALLOW_WEAK, GW_IKE_E_BAD_PROPOSAL, "more than 8 ENCR" },
	/* weak is refused even where the proposal has another problem after it */
	{ "3des-modp2048", 1, 0, GW_IKE_E_WEAK_ALGORITHM, "allow weak" },
};

static int
test_proposal_bad(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_props); i++) {
		const struct prop_bad *b = &bad_props[i];
		struct gw_ike_proposal p;
		char errbuf[GW_IKE_PROP_ERR_MAX] = "";
		int rc = gw_ike_proposal_parse(b->str, b->protocol, b->flags, &p, errbuf,
					       sizeof(errbuf));

		GW_CHECK(rc == b->code, "'%s': got %s, want %s (%s)", b->str, gw_ike_err_name(rc),
			 gw_ike_err_name(b->code), errbuf);
		GW_CHECK(strstr(errbuf, b->text) != NULL, "'%s': message '%s' lacks '%s'", b->str,
			 errbuf, b->text);
	}
	/* small error buffers truncate, never overflow */
	{
		struct gw_ike_proposal p;
		char small[8];

		GW_CHECK_EQ(gw_ike_proposal_parse("nope", 1, 0, &p, small, sizeof(small)),
			    GW_IKE_E_BAD_PROPOSAL);
		GW_CHECK_EQ(strlen(small), 7);
		GW_CHECK_EQ(gw_ike_proposal_parse("nope", 1, 0, &p, NULL, 0), GW_IKE_E_BAD_PROPOSAL);
	}
	printf("  %zu bad proposals\n", ARRAY_SIZE(bad_props));
	return 0;
}

static int
test_proposal_list(void)
{
	struct gw_ike_proposal list[GW_IKE_PROP_MAX];
	char errbuf[GW_IKE_PROP_ERR_MAX], text[512];
	size_t n;

	GW_CHECK_EQ(gw_ike_proposal_list_parse("aes256gcm16-prfsha384-ecp384, aes128-sha256-modp2048",
					       1, 0, list, GW_IKE_PROP_MAX, &n, errbuf,
					       sizeof(errbuf)), 0);
	GW_CHECK_EQ(n, 2);
	gw_ike_proposal_list_format(list, n, text, sizeof(text));
	GW_CHECK(strcmp(text, "aes256gcm16-prfsha384-ecp384,aes128-sha256-prfsha256-modp2048") == 0,
		 "%s", text);
	GW_CHECK_EQ(gw_ike_proposal_list_parse("aes128-sha256-modp2048,,aes256-sha256-modp2048", 1,
					       0, list, GW_IKE_PROP_MAX, &n, errbuf,
					       sizeof(errbuf)), GW_IKE_E_BAD_PROPOSAL);
	GW_CHECK(strstr(errbuf, "empty proposal") != NULL, "%s", errbuf);
	GW_CHECK_EQ(gw_ike_proposal_list_parse("aes128-sha256-modp2048,aes128-md5-modp2048", 1, 0,
					       list, GW_IKE_PROP_MAX, &n, errbuf, sizeof(errbuf)),
		    GW_IKE_E_WEAK_ALGORITHM);
	GW_CHECK(strstr(errbuf, "'aes128-md5-modp2048'") != NULL, "%s", errbuf);
	GW_CHECK_EQ(gw_ike_proposal_list_parse("aes128gcm16,aes256gcm16", 3, 0, list, 1, &n,
					       errbuf, sizeof(errbuf)), GW_IKE_E_BAD_PROPOSAL);
	GW_CHECK(strstr(errbuf, "more than 1 proposals") != NULL, "%s", errbuf);
	return 0;
}

/* to_sa / from_sa and the received-proposal formatter. */
static int
test_proposal_sa(void)
{
	struct gw_ike_proposal p, back;
	struct gw_ike_sa_prop sp;
	static const uint8_t spi[4] = { 0xc0, 0xff, 0xee, 0x05 };
	char text[256], errbuf[GW_IKE_PROP_ERR_MAX];

	GW_CHECK_EQ(gw_ike_proposal_parse("aes128-sha256-modp2048", 1, 0, &p, NULL, 0), 0);
	GW_CHECK_EQ(gw_ike_proposal_to_sa(&p, 3, NULL, 0, &sp), 0);
	GW_CHECK(sp.num == 3 && sp.protocol == 1 && sp.spi_size == 0 && sp.n_xf == 4, "sp");
	GW_CHECK(sp.xf[0].type == 1 && sp.xf[0].id == 12 && sp.xf[0].has_key_len &&
		 sp.xf[0].key_len == 128, "encr");
	GW_CHECK(sp.xf[1].type == 2 && sp.xf[1].id == 5 && !sp.xf[1].has_key_len, "prf");
	GW_CHECK(sp.xf[2].type == 3 && sp.xf[2].id == 12, "integ");
	GW_CHECK(sp.xf[3].type == 4 && sp.xf[3].id == 14, "dh");
	GW_CHECK_EQ(gw_ike_proposal_from_sa(&sp, &back, errbuf, sizeof(errbuf)), 0);
	GW_CHECK(memcmp(&p, &back, sizeof(p)) == 0, "from_sa(to_sa(p)) == p");
	gw_ike_sa_prop_format(&sp, text, sizeof(text));
	GW_CHECK(strcmp(text, "IKE:aes128-sha256-prfsha256-modp2048") == 0, "%s", text);

	GW_CHECK_EQ(gw_ike_proposal_parse("chacha20poly1305-esn", 3, 0, &p, NULL, 0), 0);
	GW_CHECK_EQ(gw_ike_proposal_to_sa(&p, 1, spi, 4, &sp), 0);
	GW_CHECK(sp.spi_size == 4 && memcmp(sp.spi, spi, 4) == 0, "spi");
	GW_CHECK(sp.n_xf == 2 && !sp.xf[0].has_key_len && sp.xf[1].type == 5 && sp.xf[1].id == 1,
		 "chacha: no key length attribute");
	gw_ike_sa_prop_format(&sp, text, sizeof(text));
	GW_CHECK(strcmp(text, "ESP:chacha20poly1305-esn") == 0, "%s", text);

	/* transforms without a keyword */
	sp.xf[0] = (struct gw_ike_transform){ .type = 1, .id = 12, .key_len = 100, .has_key_len = true };
	sp.xf[1] = (struct gw_ike_transform){ .type = 4, .id = 99 };
	sp.xf[2] = (struct gw_ike_transform){ .type = 9, .id = 7 };
	sp.n_xf = 3;
	gw_ike_sa_prop_format(&sp, text, sizeof(text));
	GW_CHECK(strcmp(text, "ESP:AES_CBC_100-DH_99-TYPE9_7") == 0, "%s", text);
	GW_CHECK_EQ(gw_ike_proposal_from_sa(&sp, &back, errbuf, sizeof(errbuf)),
		    GW_IKE_E_BAD_PROPOSAL);
	GW_CHECK(strstr(errbuf, "unknown transform type 9") != NULL, "%s", errbuf);
	sp.n_xf = 2;
	sp.xf[1].unknown_attr = true;
	GW_CHECK_EQ(gw_ike_proposal_from_sa(&sp, &back, errbuf, sizeof(errbuf)),
		    GW_IKE_E_BAD_PROPOSAL);
	GW_CHECK(strstr(errbuf, "unknown attribute") != NULL, "%s", errbuf);

	/* a proposal with more transforms than a proposal substructure holds */
	memset(&p, 0, sizeof(p));
	p.protocol = 1;
	for (uint8_t t = 1; t <= 5; t++) {
		p.n[t] = GW_IKE_PROP_MAX_ALGS;
		for (unsigned i = 0; i < GW_IKE_PROP_MAX_ALGS; i++)
			p.alg[t][i].id = (uint16_t)(i + 1);
	}
	GW_CHECK_EQ(gw_ike_proposal_to_sa(&p, 1, NULL, 0, &sp), GW_IKE_E_TOO_MANY);
	GW_CHECK(gw_ike_alg_is_weak(GW_IKE_XF_DH, 2) && !gw_ike_alg_is_weak(GW_IKE_XF_DH, 14),
		 "weak dh");
	return 0;
}

static const struct gw_test_case proposal_cases[] = {
	{ "good-strings", test_proposal_good },
	{ "several-per-type", test_proposal_multi },
	{ "bad-strings", test_proposal_bad },
	{ "lists", test_proposal_list },
	{ "sa-conversion", test_proposal_sa },
	{ NULL, NULL },
};

static const struct gw_test_suite proposal_suite = { "ike-proposal", NULL, NULL,
						     proposal_cases };

/* ------------------------------------------------------------ selection */

/* Parses "a,b;c,d" style inputs: local list, then the peer's offer. */
static int
offer(const char *peer, uint8_t protocol, const void *spi, uint8_t spi_size,
      struct gw_ike_sa_pl *sa)
{
	struct gw_ike_proposal list[GW_IKE_PROP_MAX];
	char errbuf[GW_IKE_PROP_ERR_MAX];
	size_t n;

	GW_CHECK(gw_ike_proposal_list_parse(peer, protocol, GW_IKE_PROP_ALLOW_WEAK, list,
					    GW_IKE_PROP_MAX, &n, errbuf, sizeof(errbuf)) == 0,
		 "peer '%s': %s", peer, errbuf);
	GW_CHECK_EQ(gw_ike_proposal_list_to_sa(list, n, spi, spi_size, sa), 0);
	return 0;
}

static int
local_list(const char *s, uint8_t protocol, struct gw_ike_proposal *list, size_t *n)
{
	char errbuf[GW_IKE_PROP_ERR_MAX];

	GW_CHECK(gw_ike_proposal_list_parse(s, protocol, GW_IKE_PROP_ALLOW_WEAK, list,
					    GW_IKE_PROP_MAX, n, errbuf, sizeof(errbuf)) == 0,
		 "local '%s': %s", s, errbuf);
	return 0;
}

struct select_case {
	const char *name;
	uint8_t protocol;
	const char *local;
	const char *peer;          /* NULL: the init-req KAT's SA payload */
	uint16_t ke_group;
	int code;
	int prop_num, local_index; /* expected when chosen */
	const char *chosen;        /* formatted choice */
};

static const struct select_case select_cases[] = {
	{ "kat-first-proposal", 1, "aes256gcm16-prfsha384-ecp384", NULL, 0, 0, 1, 0,
	  "aes256gcm16-prfsha384-ecp384" },
	{ "kat-second-proposal", 1, "aes128-sha256-modp2048", NULL, 0, 0, 2, 0,
	  "aes128-sha256-prfsha256-modp2048" },
	{ "initiator-order-wins", 1, "aes128-sha256-modp2048,aes256gcm16-prfsha384-ecp384", NULL, 0,
	  0, 1, 1, "aes256gcm16-prfsha384-ecp384" },
	{ "kat-no-match", 1, "aes256-sha512-modp4096", NULL, 0, GW_IKE_E_NO_PROPOSAL_CHOSEN, 0, 0,
	  NULL },
	{ "subset-of-each-type", 1, "aes256-sha384-ecp256",
	  "aes128-aes256-sha256-sha384-modp2048-ecp256", 0, 0, 1, 0,
	  "aes256-sha384-prfsha384-ecp256" },
	{ "peer-transform-order", 1, "aes128-aes256-sha256-modp2048",
	  "aes256-aes128-sha256-modp2048", 0, 0, 1, 0, "aes256-sha256-prfsha256-modp2048" },
	{ "ke-group-preferred", 1, "aes128-sha256-modp2048-ecp256", "aes128-sha256-modp2048-ecp256",
	  19, 0, 1, 0, "aes128-sha256-prfsha256-ecp256" },
	{ "ke-group-not-offered", 1, "aes128-sha256-modp2048-ecp256", "aes128-sha256-modp2048",
	  19, 0, 1, 0, "aes128-sha256-prfsha256-modp2048" },
	{ "no-ke-hint", 1, "aes128-sha256-modp2048-ecp256", "aes128-sha256-modp2048-ecp256", 0,
	  0, 1, 0, "aes128-sha256-prfsha256-modp2048" },
	{ "key-length-differs", 1, "aes128-sha256-modp2048", "aes192-sha256-modp2048", 0,
	  GW_IKE_E_NO_PROPOSAL_CHOSEN, 0, 0, NULL },
	{ "later-peer-proposal", 1, "aes256gcm16-prfsha256-ecp256",
	  "aes128-sha256-modp2048,aes128gcm16-prfsha256-ecp256,aes256gcm16-prfsha256-ecp256", 0,
	  0, 3, 0, "aes256gcm16-prfsha256-ecp256" },
	{ "prf-must-match", 1, "aes128-sha256-prfsha384-modp2048", "aes128-sha256-modp2048", 0,
	  GW_IKE_E_NO_PROPOSAL_CHOSEN, 0, 0, NULL },
	{ "dh-must-match", 1, "aes128-sha256-ecp384", "aes128-sha256-ecp256", 0,
	  GW_IKE_E_NO_PROPOSAL_CHOSEN, 0, 0, NULL },
	{ "weak-both-sides", 1, "3des-sha1-modp1024", "3des-sha1-modp1024", 0, 0, 1, 0,
	  "3des-sha1-prfsha1-modp1024" },
	{ "esp-esn-choice", 3, "aes256gcm16-noesn", "aes256gcm16-esn-noesn", 0, 0, 1, 0,
	  "aes256gcm16-noesn" },
	{ "esp-esn-peer-order", 3, "aes256gcm16-esn-noesn", "aes256gcm16-noesn-esn", 0, 0, 1, 0,
	  "aes256gcm16-noesn" },
	{ "esp-esn-mismatch", 3, "aes256gcm16-esn", "aes256gcm16-noesn", 0,
	  GW_IKE_E_NO_PROPOSAL_CHOSEN, 0, 0, NULL },
	{ "esp-peer-requires-pfs", 3, "aes128gcm16", "aes128gcm16-ecp256", 0,
	  GW_IKE_E_NO_PROPOSAL_CHOSEN, 0, 0, NULL },
	{ "esp-we-require-pfs", 3, "aes128gcm16-ecp256", "aes128gcm16", 0,
	  GW_IKE_E_NO_PROPOSAL_CHOSEN, 0, 0, NULL },
	{ "esp-pfs-both", 3, "aes128gcm16-ecp256-modp2048", "aes128gcm16-modp3072-modp2048", 0, 0,
	  1, 0, "aes128gcm16-modp2048-noesn" },
	{ "esp-cbc", 3, "aes256gcm16,aes128-sha256", "aes128-sha256", 0, 0, 1, 1,
	  "aes128-sha256-noesn" },
	{ "protocol-mismatch", 3, "aes128gcm16", "IKE", 0, GW_IKE_E_NO_PROPOSAL_CHOSEN, 0, 0,
	  NULL },
};

static int
test_select_table(void)
{
	struct gw_ike_msg kat;

	GW_CHECK_EQ(gw_ike_msg_parse(ike_kats[0].msg, ike_kats[0].msg_len, &kat, NULL), 0);
	for (size_t i = 0; i < ARRAY_SIZE(select_cases); i++) {
		const struct select_case *c = &select_cases[i];
		static const uint8_t spi[4] = { 1, 2, 3, 4 };
		struct gw_ike_proposal local[GW_IKE_PROP_MAX];
		struct gw_ike_sa_pl peer;
		const struct gw_ike_sa_pl *received = &kat.sa;
		struct gw_ike_selection sel;
		char why[1024], text[256];
		size_t n;
		int rc;

		if (local_list(c->local, c->protocol, local, &n))
			return -1;
		if (c->peer && strcmp(c->peer, "IKE") == 0) {
			received = &kat.sa;
		} else if (c->peer) {
			if (offer(c->peer, c->protocol, spi, c->protocol == 3 ? 4 : 0, &peer))
				return -1;
			received = &peer;
		}
		rc = gw_ike_proposal_select(local, n, received, c->ke_group, &sel, why, sizeof(why));
		GW_CHECK(rc == c->code, "%s: got %s: %s", c->name, gw_ike_err_name(rc), why);
		if (rc) {
			GW_CHECK(strstr(why, "received proposals: ") && strstr(why, "configured proposals: "),
				 "%s: %s", c->name, why);
			continue;
		}
		GW_CHECK(sel.prop_num == c->prop_num, "%s: proposal %u", c->name, sel.prop_num);
		GW_CHECK(sel.local_index == c->local_index, "%s: local %u", c->name, sel.local_index);
		gw_ike_proposal_format(&sel.chosen, text, sizeof(text));
		GW_CHECK(strcmp(text, c->chosen) == 0, "%s: chose '%s'", c->name, text);
		for (uint8_t t = 1; t <= 5; t++)
			GW_CHECK(sel.chosen.n[t] <= 1, "%s: one per type", c->name);
		if (c->protocol == 3)
			GW_CHECK(sel.spi_size == 4 && memcmp(sel.spi, spi, 4) == 0, "%s: spi", c->name);
		GW_CHECK(sel.chosen.weak == (strncmp(c->name, "weak", 4) == 0), "%s: weak", c->name);
	}
	printf("  %zu selection cases\n", ARRAY_SIZE(select_cases));
	return 0;
}

static int
test_select_details(void)
{
	struct gw_ike_proposal local[GW_IKE_PROP_MAX];
	struct gw_ike_sa_pl peer;
	struct gw_ike_selection sel;
	struct gw_ike_msg kat;
	struct gw_ike_sa_prop reply;
	static const uint8_t spi[4] = { 9, 9, 9, 9 };
	char why[1024];
	size_t n;

	/* the NO_PROPOSAL_CHOSEN text lists both sides */
	GW_CHECK_EQ(gw_ike_msg_parse(ike_kats[0].msg, ike_kats[0].msg_len, &kat, NULL), 0);
	if (local_list("aes256-sha512-modp4096", 1, local, &n))
		return -1;
	GW_CHECK_EQ(gw_ike_proposal_select(local, n, &kat.sa, 0, &sel, why, sizeof(why)),
		    GW_IKE_E_NO_PROPOSAL_CHOSEN);
	GW_CHECK(strcmp(why, "no acceptable proposal; received proposals: "
			     "IKE:aes256gcm16-prfsha384-ecp384, IKE:aes128-sha256-prfsha256-modp2048; "
			     "configured proposals: IKE:aes256-sha512-prfsha512-modp4096") == 0,
		 "%s", why);
	/* and truncates safely */
	GW_CHECK_EQ(gw_ike_proposal_select(local, n, &kat.sa, 0, &sel, why, 16),
		    GW_IKE_E_NO_PROPOSAL_CHOSEN);
	GW_CHECK_EQ(strlen(why), 15);

	/* ESP, optional PFS: the peer offers DH NONE among its groups */
	if (local_list("aes128gcm16", 3, local, &n) || offer("aes128gcm16-ecp256", 3, spi, 4, &peer))
		return -1;
	peer.prop[0].xf[peer.prop[0].n_xf++] = (struct gw_ike_transform){ .type = 4, .id = 0 };
	GW_CHECK_EQ(gw_ike_proposal_select(local, n, &peer, 0, &sel, why, sizeof(why)), 0);
	GW_CHECK(sel.chosen.n[4] == 1 && sel.chosen.alg[4][0].id == 0, "DH NONE kept");
	GW_CHECK_EQ(gw_ike_proposal_to_sa(&sel.chosen, sel.prop_num, spi, 4, &reply), 0);
	GW_CHECK(reply.n_xf == 3 && reply.xf[1].type == 4 && reply.xf[1].id == 0,
		 "reply carries DH NONE");

	/* AEAD with an explicit INTEG NONE */
	if (offer("aes128gcm16", 3, spi, 4, &peer))
		return -1;
	peer.prop[0].xf[peer.prop[0].n_xf++] = (struct gw_ike_transform){ .type = 3, .id = 0 };
	GW_CHECK_EQ(gw_ike_proposal_select(local, n, &peer, 0, &sel, why, sizeof(why)), 0);
	GW_CHECK(sel.chosen.n[3] == 1 && sel.chosen.alg[3][0].id == 0, "INTEG NONE kept");

	/* a transform with an unknown attribute is skipped, the next one taken */
	if (local_list("aes128-aes256-sha256-modp2048", 1, local, &n) ||
	    offer("aes128-aes256-sha256-modp2048", 1, NULL, 0, &peer))
		return -1;
	peer.prop[0].xf[0].unknown_attr = true;
	GW_CHECK_EQ(gw_ike_proposal_select(local, n, &peer, 0, &sel, why, sizeof(why)), 0);
	GW_CHECK(sel.chosen.alg[1][0].key_len == 256, "aes256 chosen");

	/* a proposal with an unknown transform type is skipped entirely */
	if (offer("aes128-sha256-modp2048,aes256-sha256-modp2048", 1, NULL, 0, &peer))
		return -1;
	peer.prop[0].xf[peer.prop[0].n_xf++] = (struct gw_ike_transform){ .type = 6, .id = 1 };
	GW_CHECK_EQ(gw_ike_proposal_select(local, n, &peer, 0, &sel, why, sizeof(why)), 0);
	GW_CHECK_EQ(sel.prop_num, 2);

	/* ESP with an SPI size other than 4 is skipped */
	if (local_list("aes128gcm16", 3, local, &n) || offer("aes128gcm16", 3, NULL, 0, &peer))
		return -1;
	GW_CHECK_EQ(gw_ike_proposal_select(local, n, &peer, 0, &sel, why, sizeof(why)),
		    GW_IKE_E_NO_PROPOSAL_CHOSEN);

	/* ESP whose peer left ESN (mandatory) out: unacceptable */
	if (offer("aes128gcm16", 3, spi, 4, &peer))
		return -1;
	peer.prop[0].n_xf--;
	GW_CHECK_EQ(gw_ike_proposal_select(local, n, &peer, 0, &sel, why, sizeof(why)),
		    GW_IKE_E_NO_PROPOSAL_CHOSEN);
	return 0;
}

/* Initiator side: the responder's SA payload against what we sent. */
static int
test_check_reply(void)
{
	struct gw_ike_proposal local[GW_IKE_PROP_MAX];
	struct gw_ike_selection sel;
	struct gw_ike_msg resp;
	struct gw_ike_sa_pl reply;
	char why[1024], text[256];
	size_t n;

	/* init-req offered these; init-resp chose number 2 */
	if (local_list(ike_kats[0].proposals, 1, local, &n))
		return -1;
	GW_CHECK_EQ(gw_ike_msg_parse(ike_kats[1].msg, ike_kats[1].msg_len, &resp, NULL), 0);
	GW_CHECK_EQ(gw_ike_proposal_check_reply(local, n, &resp.sa, &sel, why, sizeof(why)), 0);
	GW_CHECK(sel.prop_num == 2 && sel.local_index == 1, "num");
	gw_ike_proposal_format(&sel.chosen, text, sizeof(text));
	GW_CHECK(strcmp(text, "aes128-sha256-prfsha256-modp2048") == 0, "%s", text);

	/* the selection a responder makes gives a reply the initiator accepts */
	{
		struct gw_ike_msg req;
		struct gw_ike_proposal rlocal[GW_IKE_PROP_MAX];
		size_t rn;

		GW_CHECK_EQ(gw_ike_msg_parse(ike_kats[0].msg, ike_kats[0].msg_len, &req, NULL), 0);
		if (local_list("aes128-sha256-modp2048", 1, rlocal, &rn))
			return -1;
		GW_CHECK_EQ(gw_ike_proposal_select(rlocal, rn, &req.sa, 0, &sel, why, sizeof(why)), 0);
		reply.n_prop = 1;
		GW_CHECK_EQ(gw_ike_proposal_to_sa(&sel.chosen, sel.prop_num, NULL, 0, &reply.prop[0]),
			    0);
		if (check_sa_equal(&reply, &resp.sa))     /* what scapy's response carries */
			return -1;
		GW_CHECK_EQ(gw_ike_proposal_check_reply(local, n, &reply, &sel, why, sizeof(why)), 0);
	}

	/* two transforms of one type */
	reply = resp.sa;
	reply.prop[0].xf[reply.prop[0].n_xf++] = (struct gw_ike_transform){ .type = 4, .id = 20 };
	GW_CHECK_EQ(gw_ike_proposal_check_reply(local, n, &reply, &sel, why, sizeof(why)),
		    GW_IKE_E_NO_PROPOSAL_CHOSEN);
	GW_CHECK(strstr(why, "2 DH transforms") != NULL, "%s", why);
	/* a number we never sent */
	reply = resp.sa;
	reply.prop[0].num = 3;
	GW_CHECK_EQ(gw_ike_proposal_check_reply(local, n, &reply, &sel, why, sizeof(why)),
		    GW_IKE_E_NO_PROPOSAL_CHOSEN);
	/* an algorithm that proposal did not have */
	reply = resp.sa;
	reply.prop[0].xf[3].id = 19;
	GW_CHECK_EQ(gw_ike_proposal_check_reply(local, n, &reply, &sel, why, sizeof(why)),
		    GW_IKE_E_NO_PROPOSAL_CHOSEN);
	/* a type left out */
	reply = resp.sa;
	reply.prop[0].n_xf = 3;
	GW_CHECK_EQ(gw_ike_proposal_check_reply(local, n, &reply, &sel, why, sizeof(why)),
		    GW_IKE_E_NO_PROPOSAL_CHOSEN);
	/* more than one proposal */
	reply = resp.sa;
	reply.n_prop = 2;
	reply.prop[1] = reply.prop[0];
	GW_CHECK_EQ(gw_ike_proposal_check_reply(local, n, &reply, &sel, why, sizeof(why)),
		    GW_IKE_E_INVALID_SYNTAX);
	return 0;
}

static const struct gw_test_case select_cases_list[] = {
	{ "table", test_select_table },
	{ "details", test_select_details },
	{ "check-reply", test_check_reply },
	{ NULL, NULL },
};

static const struct gw_test_suite select_suite = { "ike-select", NULL, NULL,
						   select_cases_list };

/* ----------------------------------------------------------------- fuzz */

static uint64_t rng_state;

static uint64_t
rng(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * UINT64_C(0x2545f4914f6cdd1d);
}

static size_t
mutate(uint8_t *buf, size_t len, size_t cap)
{
	static const uint8_t interesting[] = { 0, 1, 2, 3, 4, 7, 8, 0x10, 0x20, 0x7f, 0x80, 0xff };
	unsigned rounds = 1 + (unsigned)(rng() % 4);

	for (unsigned r = 0; r < rounds; r++) {
		size_t at = len ? (size_t)(rng() % len) : 0;

		switch (rng() % 8) {
		case 0: /* bit flip */
			if (len)
				buf[at] ^= (uint8_t)(1u << (rng() % 8));
			break;
		case 1: /* random octet */
			if (len)
				buf[at] = (uint8_t)rng();
			break;
		case 2: /* interesting octet */
			if (len)
				buf[at] = interesting[rng() % sizeof(interesting)];
			break;
		case 3: /* 16-bit length-like value */
			if (len >= 2 && at + 1 < len) {
				uint16_t v = (uint16_t)(rng() % 3 == 0 ? rng() : rng() % 64);

				buf[at] = (uint8_t)(v >> 8);
				buf[at + 1] = (uint8_t)v;
			}
			break;
		case 4: /* truncate */
			len = at;
			break;
		case 5: /* insert octets */
		{
			size_t n = 1 + (size_t)(rng() % 8);

			if (len + n <= cap) {
				memmove(buf + at + n, buf + at, len - at);
				for (size_t i = 0; i < n; i++)
					buf[at + i] = (uint8_t)rng();
				len += n;
			}
			break;
		}
		case 6: /* delete octets */
		{
			size_t n = 1 + (size_t)(rng() % 8);

			if (at + n <= len) {
				memmove(buf + at, buf + at + n, len - at - n);
				len -= n;
			}
			break;
		}
		case 7: /* duplicate a slice (repeats substructures) */
		{
			size_t n = 4 + (size_t)(rng() % 40);

			if (at + n <= len && len + n <= cap) {
				memmove(buf + at + n, buf + at, len - at);
				len += n;
			}
			break;
		}
		}
	}
	return len;
}

/* Whatever parses rebuilds to a message that parses and rebuilds identically. */
static int
fuzz_property(const struct gw_ike_msg *m, const uint8_t *plain)
{
	static uint8_t a[70000], b[70000];
	struct gw_ike_msg m2;
	struct gw_ike_err err;
	size_t la, lb;
	int rc;

	rc = rebuild_msg(m, plain, a, sizeof(a), &la);
	GW_CHECK(rc == 0, "rebuild: %s", gw_ike_err_name(rc));
	rc = parse_clear(a, la, plain != NULL, &m2, &err);
	GW_CHECK(rc == 0, "rebuilt message refused: %s (%s at %u)", gw_ike_err_name(rc),
		 err.what, err.offset);
	rc = rebuild_msg(&m2, m2.inner_parsed ? a + m2.sk.body_off : NULL, b, sizeof(b), &lb);
	GW_CHECK(rc == 0, "second rebuild: %s", gw_ike_err_name(rc));
	GW_CHECK(la == lb && memcmp(a, b, la) == 0, "rebuild not idempotent");
	return 0;
}

static int
test_fuzz(void)
{
	const char *s = getenv("FUZZ_ITERS");
	unsigned long iters = s ? strtoul(s, NULL, 0) : 200000;
	unsigned long counts[GW_IKE_E_COUNT] = { 0 }, inner_counts[GW_IKE_E_COUNT] = { 0 };
	unsigned long inner_iters = iters / 4;
	uint8_t *scratch = malloc(4096);
	struct timespec t0, t1;

	s = getenv("FUZZ_SEED");
	rng_state = s ? strtoull(s, NULL, 0) : UINT64_C(0x1ce2c0dec);
	if (rng_state == 0)
		rng_state = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	/* whole messages */
	for (unsigned long it = 0; it < iters - inner_iters; it++) {
		const struct ike_kat *k = &ike_kats[rng() % ARRAY_SIZE(ike_kats)];
		size_t len;
		uint8_t *copy;
		struct gw_ike_msg m;
		struct gw_ike_err err;
		int rc;

		memcpy(scratch, k->msg, k->msg_len);
		len = mutate(scratch, k->msg_len, 4096);
		/* mostly keep the header length right, so the payloads get exercised */
		if (len >= 28 && rng() % 4)
			put32(scratch + 24, (uint32_t)len);
		copy = malloc(len ? len : 1);
		memcpy(copy, scratch, len);
		rc = gw_ike_msg_parse(copy, len, &m, &err);
		if (rc < 0 || rc >= GW_IKE_E_COUNT || err.code != rc ||
		    (rc && (err.offset > len || err.what == NULL))) {
			free(copy);
			GW_CHECK(0, "iteration %lu (seed env FUZZ_SEED): rc %d err %d offset %u",
				 it, rc, err.code, err.offset);
		}
		counts[rc]++;
		if (rc == 0 && fuzz_property(&m, NULL)) {
			free(copy);
			GW_CHECK(0, "iteration %lu of %s", it, k->name);
		}
		free(copy);
	}

	/* decrypted inner chains, behind a valid outer message */
	for (unsigned long it = 0; it < inner_iters; it++) {
		static const size_t sk_kats[] = { 3, 4, 5 };
		const struct ike_kat *k = &ike_kats[sk_kats[rng() % ARRAY_SIZE(sk_kats)]];
		struct gw_ike_msg m;
		struct gw_ike_err err;
		size_t chain, len;
		uint8_t *copy;
		int rc;

		GW_CHECK_EQ(gw_ike_msg_parse(k->msg, k->msg_len, &m, &err), 0);
		GW_CHECK_EQ(gw_ike_sk_unpad(k->plain, k->plain_len, &chain), 0);
		memcpy(scratch, k->plain, chain);
		len = mutate(scratch, chain, 4096);
		copy = malloc(len ? len : 1);
		memcpy(copy, scratch, len);
		rc = gw_ike_msg_parse_inner(&m, rng() % 8 ? m.sk.inner_np : (uint8_t)rng(), copy,
					    len, &err);
		if (rc < 0 || rc >= GW_IKE_E_COUNT || err.code != rc ||
		    (rc && err.offset > len)) {
			free(copy);
			GW_CHECK(0, "inner iteration %lu: rc %d", it, rc);
		}
		inner_counts[rc]++;
		if (rc == 0 && fuzz_property(&m, copy)) {
			free(copy);
			GW_CHECK(0, "inner iteration %lu of %s", it, k->name);
		}
		free(copy);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(scratch);

	printf("  %lu iterations in %.2f s; outer/inner results:", iters,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (int i = 0; i < GW_IKE_E_COUNT; i++)
		if (counts[i] || inner_counts[i])
			printf(" %s %lu/%lu", gw_ike_err_name(i), counts[i], inner_counts[i]);
	printf("\n");
	/* the mutations must reach deep: both success and the main errors seen */
	GW_CHECK(counts[GW_IKE_E_OK] > 0 && inner_counts[GW_IKE_E_OK] > 0, "never accepted");
	GW_CHECK(counts[GW_IKE_E_BAD_LENGTH] > 0 && counts[GW_IKE_E_INVALID_SYNTAX] > 0,
		 "shallow mutations");
	return 0;
}

/* Random proposal strings from keyword fragments: never crash, always a verdict. */
static int
test_fuzz_proposals(void)
{
	static const char *const parts[] = {
		"aes128", "aes256", "aes256gcm16", "chacha20poly1305", "sha256", "sha1", "md5",
		"prfsha256", "modp2048", "ecp256", "modp1024", "esn", "noesn", "3des", "x", "",
		"AES128", " ", "-", ",", "aes128gcm", "curve25519",
	};
	char str[256];
	unsigned accepted = 0;

	for (unsigned it = 0; it < 20000; it++) {
		struct gw_ike_proposal list[GW_IKE_PROP_MAX];
		char errbuf[GW_IKE_PROP_ERR_MAX], text[1024];
		size_t n, used = 0;
		unsigned k = 1 + (unsigned)(rng() % 8);
		int rc;

		str[0] = '\0';
		for (unsigned i = 0; i < k; i++) {
			const char *p = parts[rng() % ARRAY_SIZE(parts)];

			used += (size_t)snprintf(str + used, sizeof(str) - used, "%s%s",
						 i ? (rng() % 8 ? "-" : ",") : "", p);
			if (used >= sizeof(str))
				break;
		}
		rc = gw_ike_proposal_list_parse(str, rng() % 2 ? 1 : 3,
						rng() % 2 ? GW_IKE_PROP_ALLOW_WEAK : 0, list,
						GW_IKE_PROP_MAX, &n, errbuf, sizeof(errbuf));
		GW_CHECK(rc == 0 || rc == GW_IKE_E_BAD_PROPOSAL || rc == GW_IKE_E_WEAK_ALGORITHM,
			 "'%s': %d", str, rc);
		if (rc == 0) {
			accepted++;
			gw_ike_proposal_list_format(list, n, text, sizeof(text));
		} else {
			GW_CHECK(errbuf[0] != '\0', "'%s': no message", str);
		}
	}
	printf("  20000 random proposal strings, %u accepted\n", accepted);
	return 0;
}

static const struct gw_test_case fuzz_cases[] = {
	{ "mutated-messages", test_fuzz },
	{ "random-proposals", test_fuzz_proposals },
	{ NULL, NULL },
};

static const struct gw_test_suite fuzz_suite = { "ike-fuzz", NULL, NULL, fuzz_cases };

GW_TEST_MAIN(&names_suite, &codec_suite, &kat_suite, &proposal_suite, &select_suite,
	     &fuzz_suite)
