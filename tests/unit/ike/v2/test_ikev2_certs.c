/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Certificate authentication: two IKEv2 engines over the mock network
 * (ikev2_mock.h) with certificates the openssl CLI makes at start in a
 * temporary directory (a root CA, an intermediate, a CA we do not trust,
 * RSA-2048 and ECDSA P-256/P-384/P-521 end entities). Exchanges with
 * RFC 7427 and classic signature methods, DN and FQDN identities, mixed
 * PSK/certificate; failures (untrusted CA, identity not in the
 * certificate, a flipped AUTH byte, a key that is not the certificate's)
 * with the cause in the log. The AUTH encodings are checked against
 * OpenSSL itself both ways.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "gw_ike_pki.h"
#include "gw_test.h"
#include "ikev2.h"
#include "ikev2_mock.h"
#include "pki.h"

static char dir[64];

/* ------------------------------------------------------------ fixtures */

static int
sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "failed (%d): %s\n", rc, cmd);
	return rc;
}

static const char *
path(const char *name)
{
	static char buf[8][128];
	static int k;

	k = (k + 1) % 8;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

/* A self-signed CA, or one signed by @p parent (an intermediate). */
static int
make_ca(const char *name, const char *cn, const char *parent)
{
	if (sh("cd %s && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
	       "-nodes -keyout %s.key -out %s.csr -subj '/C=CH/O=ipsecgw test/CN=%s' "
	       "2>/dev/null", dir, name, name, cn) != 0)
		return -1;
	if (sh("cd %s && printf 'basicConstraints=critical,CA:TRUE\\n"
	       "keyUsage=critical,keyCertSign,cRLSign\\n"
	       "subjectKeyIdentifier=hash\\n' > %s.ext", dir, name) != 0)
		return -1;
	if (!parent)
		return sh("cd %s && openssl x509 -req -in %s.csr -signkey %s.key -days 30 "
			  "-extfile %s.ext -out %s.crt 2>/dev/null", dir, name, name,
			  name, name);
	return sh("cd %s && openssl x509 -req -in %s.csr -CA %s.crt -CAkey %s.key "
		  "-CAcreateserial -days 30 -extfile %s.ext -out %s.crt 2>/dev/null",
		  dir, name, parent, parent, name, name);
}

/* An end entity: @p keyspec is "rsa:2048" or "ec -pkeyopt ec_paramgen_curve:P-384". */
static int
make_leaf(const char *name, const char *keyspec, const char *subj,
	  const char *san, const char *ca)
{
	if (sh("cd %s && openssl req -new -newkey %s -nodes -keyout %s.key -out %s.csr "
	       "-subj '%s' 2>/dev/null", dir, keyspec, name, name, subj) != 0)
		return -1;
	if (sh("cd %s && printf 'subjectAltName=%s\\nkeyUsage=digitalSignature\\n"
	       "extendedKeyUsage=serverAuth,clientAuth\\n' > %s.ext", dir, san,
	       name) != 0)
		return -1;
	return sh("cd %s && openssl x509 -req -in %s.csr -CA %s.crt -CAkey %s.key "
		  "-CAcreateserial -days 30 -extfile %s.ext -out %s.crt 2>/dev/null",
		  dir, name, ca, ca, name, name);
}

#define MOON_SUBJ "/C=CH/O=strongSwan/CN=moon.example"
#define MOON_DN "C=CH, O=strongSwan, CN=moon.example"
#define MOON_SAN "DNS:moon.example,IP:192.0.2.1,email:moon@example.org"
#define SUN_SAN "DNS:sun.example,IP:198.51.100.1"

static int
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ikev2-certs-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	if (make_ca("ca", "Test Root CA", NULL) || make_ca("int", "Test Sub CA", "ca") ||
	    make_ca("evil", "Untrusted CA", NULL) ||
	    make_leaf("moon-rsa", "rsa:2048", MOON_SUBJ, MOON_SAN, "ca") ||
	    make_leaf("moon-rsa2", "rsa:2048", MOON_SUBJ, MOON_SAN, "ca") ||
	    make_leaf("moon-ec384", "ec -pkeyopt ec_paramgen_curve:P-384", MOON_SUBJ,
		      MOON_SAN, "ca") ||
	    make_leaf("moon-int", "ec -pkeyopt ec_paramgen_curve:P-256", MOON_SUBJ,
		      MOON_SAN, "int") ||
	    make_leaf("moon-evil", "ec -pkeyopt ec_paramgen_curve:P-256", MOON_SUBJ,
		      MOON_SAN, "evil") ||
	    make_leaf("sun-ec256", "ec -pkeyopt ec_paramgen_curve:P-256",
		      "/C=CH/O=strongSwan/CN=sun.example", SUN_SAN, "ca") ||
	    make_leaf("sun-ec521", "ec -pkeyopt ec_paramgen_curve:P-521",
		      "/C=CH/O=strongSwan/CN=sun.example", SUN_SAN, "ca") ||
	    make_leaf("sun-rsa", "rsa:2048", "/C=CH/O=strongSwan/CN=sun.example",
		      SUN_SAN, "ca"))
		return -1;
	/* The intermediate travels with its leaf. */
	return sh("cd %s && cat int.crt >> moon-int.crt", dir);
}

static void
teardown(void)
{
	if (dir[0] && !getenv("IKEV2_KEEP"))
		sh("rm -rf %s", dir);
}

static struct gw_ike_cred *
cred(const char *name)
{
	char c[64], k[64], err[512];
	const char *files[1] = { c };
	struct gw_ike_cred *out = NULL;

	snprintf(c, sizeof(c), "%s.crt", name);
	snprintf(k, sizeof(k), "%s.key", name);
	snprintf(c, sizeof(c), "%s", path(c));
	if (gw_ike_cred_load(&out, files, 1, path(k), err, sizeof(err)) != 0)
		fprintf(stderr, "cred %s: %s\n", name, err);
	return out;
}

static struct gw_ike_cas *
cas(const char *name)
{
	char c[160], err[512];
	const char *files[1] = { c };
	struct gw_ike_cas *out = NULL;

	snprintf(c, sizeof(c), "%s/%.64s.crt", dir, name);
	if (gw_ike_cas_load(&out, files, 1, err, sizeof(err)) != 0)
		fprintf(stderr, "cas %s: %s\n", name, err);
	return out;
}

/* ------------------------------------------------------------ exchanges */

/* One end: NULL cert = PSK locally, NULL ca = PSK for the peer. */
struct end {
	const char *cert, *ca, *id, *peer_id;
	bool classic;              /* no SIGNATURE_HASH_ALGORITHMS */
};

static struct node node_a, node_b; /* A = moon initiates, B = sun responds */
static struct gw_ike_cred *cr[2];
static struct gw_ike_cas *ca[2];

static int
make_conn(struct gw_ikev2_conn *c, const struct end *e, int k,
	  struct gw_addr local, struct gw_addr remote)
{
	char err[GW_IKE_PROP_ERR_MAX];

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "gw");
	c->local.addr = local;
	c->local.port = 500;
	c->remote.addr = remote;
	c->remote.port = 500;
	if (gw_ike_proposal_list_parse("aes256gcm16-prfsha384-ecp384", GW_IKE_PROTO_IKE,
				       0, c->proposals, GW_IKE_PROP_MAX,
				       &c->n_proposals, err, sizeof(err)) != 0)
		return -1;
	/* childless: these tests are about the IKE SA */
	if (e->id && gw_ikev2_id_parse(e->id, &c->local_id) != 0)
		return -1;
	if (e->peer_id && gw_ikev2_id_parse(e->peer_id, &c->remote_id) != 0)
		return -1;
	c->psk_len = strlen("s3cret-psk-0123456789");
	memcpy(c->psk, "s3cret-psk-0123456789", c->psk_len);
	if (e->cert) {
		cr[k] = cred(e->cert);
		if (!cr[k])
			return -1;
		c->local_auth = GW_IKEV2_AUTH_PUBKEY;
		c->cred = cr[k];
	}
	if (e->ca) {
		ca[k] = cas(e->ca);
		if (!ca[k])
			return -1;
		c->remote_auth = GW_IKEV2_AUTH_PUBKEY;
		c->cas = ca[k];
	}
	c->sig_classic = e->classic;
	c->retransmit_base_ms = 1000;
	c->retransmit_tries = 2;
	return 0;
}

static int
setup_pair(const struct end *a, const struct end *b)
{
	struct gw_ikev2_conn ca_, cb;

	memset(&net, 0, sizeof(net));
	net.corrupt_index = -1;
	net.tamper_index = -1;
	net.verbose = getenv("IKEV2_VERBOSE") != NULL;
	memset(&node_a, 0, sizeof(node_a));
	memset(&node_b, 0, sizeof(node_b));
	node_a.name = "moon";
	node_b.name = "sun";
	node_a.addr = v4(192, 0, 2, 1);
	node_b.addr = v4(198, 51, 100, 1);
	if (make_conn(&ca_, a, 0, node_a.addr, node_b.addr) != 0 ||
	    make_conn(&cb, b, 1, node_b.addr, node_a.addr) != 0)
		return -1;
	node_a.e = gw_ikev2_engine_new(&mock_io, &node_a, &ca_, 1);
	node_b.e = gw_ikev2_engine_new(&mock_io, &node_b, &cb, 1);
	net.nodes[0] = &node_a;
	net.nodes[1] = &node_b;
	return node_a.e && node_b.e ? 0 : -1;
}

static void
teardown_pair(void)
{
	gw_ikev2_engine_free(node_a.e);
	gw_ikev2_engine_free(node_b.e);
	node_a.e = node_b.e = NULL;
	for (int k = 0; k < 2; k++) {
		gw_ike_cred_free(cr[k]);
		gw_ike_cas_free(ca[k]);
		cr[k] = NULL;
		ca[k] = NULL;
	}
}

/* Flips a byte of the AUTH payload inside the encrypted IKE_AUTH request
 * (A to B): decrypted with B's inbound keys, sealed again with A's
 * outbound ones, so only the signature is wrong. */
static void
flip_auth(uint8_t *buf, size_t len)
{
	struct gw_ike_msg m;
	size_t po = 0, pl = 0, off;
	uint8_t np;
	struct ikev2_sa *a = node_a.e->sas, *b = node_b.e->sas;

	if (gw_ike_msg_parse(buf, len, &m, NULL) != 0 || !a || !b ||
	    gw_ike_sk_decrypt(b->sk_in, buf, len, 0, m.sk.payload_off, &po,
			      &pl) != 0) {
		fprintf(stderr, "flip_auth: cannot open the message\n");
		return;
	}
	np = m.sk.inner_np;
	for (off = po; off + 4 <= po + pl;) {
		size_t plen = (size_t)buf[off + 2] << 8 | buf[off + 3];

		if (np == GW_IKE_PL_AUTH) {
			buf[off + plen - 5] ^= 0x01; /* inside the signature */
			break;
		}
		np = buf[off];
		off += plen;
	}
	gw_ike_sk_seal(a->sk_out, buf, len, 0, m.sk.payload_off);
}

struct cert_case {
	const char *name;
	struct end a, b;
	bool up;                   /* IKE SA established on both sides */
	const char *a_auth, *b_auth; /* remote_auth as each side shows it */
	const char *b_sees_a;      /* A's identity in B's listing */
	const char *log_a, *log_b; /* substrings the logs must hold */
	void (*tamper)(uint8_t *buf, size_t len);
	int tamper_index;
	bool swap_key;             /* A signs with another key of the same type */
};

static const struct cert_case cases[] = {
	{ .name = "RSA-2048 / ECDSA P-256, RFC 7427, DN from the certificate",
	  .a = { "moon-rsa", "ca", NULL, "sun.example" },
	  .b = { "sun-ec256", "ca", "sun.example", MOON_DN },
	  .up = true, .a_auth = "pubkey ecdsa-with-SHA256",
	  .b_auth = "pubkey RSA-SHA256", .b_sees_a = MOON_DN,
	  .log_b = "authentication of '" MOON_DN "' with RSA-SHA256 successful" },
	{ .name = "ECDSA P-384 / P-521, RFC 7427, FQDN",
	  .a = { "moon-ec384", "ca", "moon.example", "sun.example" },
	  .b = { "sun-ec521", "ca", "sun.example", "moon.example" },
	  .up = true, .a_auth = "pubkey ecdsa-with-SHA512",
	  .b_auth = "pubkey ecdsa-with-SHA384", .b_sees_a = "moon.example" },
	{ .name = "classic ECDSA methods 10 and 11 (RFC 4754)",
	  .a = { "moon-ec384", "ca", "moon.example", "sun.example", true },
	  .b = { "sun-ec521", "ca", "sun.example", "moon.example", true },
	  .up = true, .a_auth = "pubkey ECDSA_521", .b_auth = "pubkey ECDSA_384" },
	{ .name = "classic RSA method 1 and ECDSA method 9",
	  .a = { "moon-rsa", "ca", "192.0.2.1", "sun.example", true },
	  .b = { "sun-ec256", "ca", "sun.example", "192.0.2.1", true },
	  .up = true, .a_auth = "pubkey ECDSA_256", .b_auth = "pubkey RSA_SIG",
	  .b_sees_a = "192.0.2.1" },
	{ .name = "intermediate CA sent along, DN configured as text",
	  .a = { "moon-int", "ca", MOON_DN, "sun.example" },
	  .b = { "sun-rsa", "ca", "sun.example", "C=CH,O=strongSwan,CN=moon.example" },
	  .up = true, .a_auth = "pubkey RSA-SHA256",
	  .b_auth = "pubkey ecdsa-with-SHA256", .b_sees_a = MOON_DN },
	{ .name = "mixed: moon PSK, sun certificate",
	  .a = { NULL, "ca", "moon.example", "sun.example" },
	  .b = { "sun-ec256", NULL, "sun.example", "moon.example" },
	  .up = true, .a_auth = "pubkey ecdsa-with-SHA256", .b_auth = "psk" },
	{ .name = "responder's certificate from an untrusted CA",
	  .a = { "moon-rsa", "ca", "moon.example", "moon.example" },
	  .b = { "moon-evil", "ca", "moon.example", "moon.example" },
	  .log_a = "certificate chain not trusted: unable to get local issuer certificate" },
	{ .name = "initiator's certificate from an untrusted CA",
	  .a = { "moon-evil", "ca", "moon.example", "sun.example" },
	  .b = { "sun-ec256", "ca", "sun.example", "moon.example" },
	  .log_a = "received AUTHENTICATION_FAILED notify",
	  .log_b = "certificate chain not trusted: unable to get local issuer certificate (C=CH, O=strongSwan, CN=moon.example)" },
	{ .name = "identity not in the certificate",
	  .a = { "moon-rsa", "ca", "gwb.test", "sun.example" },
	  .b = { "sun-ec256", "ca", "sun.example", NULL },
	  .log_b = "identity gwb.test not in certificate (subject " MOON_DN
		   ", SAN moon.example, 192.0.2.1, moon@example.org)" },
	{ .name = "peer ID not the one the connection expects",
	  .a = { "moon-rsa", "ca", "moon.example", "sun.example" },
	  .b = { "sun-ec256", "ca", "sun.example", "moon@example.org" },
	  .log_b = "identity mismatch: peer is moon.example, connection expects moon@example.org" },
	{ .name = "peer sends no certificate (PSK where we want one)",
	  .a = { NULL, "ca", "moon.example", "sun.example" },
	  .b = { "sun-ec256", "ca", "sun.example", "moon.example" },
	  .log_b = "peer uses PSK authentication, we expect a certificate" },
	{ .name = "tampered AUTH: one signature byte flipped",
	  .a = { "moon-ec384", "ca", "moon.example", "sun.example" },
	  .b = { "sun-ec256", "ca", "sun.example", "moon.example" },
	  .tamper = flip_auth, .tamper_index = 2,
	  .log_b = "signature verification failed (DIGITAL_SIGNATURE AUTH of moon.example)" },
	{ .name = "tampered AUTH, classic ECDSA",
	  .a = { "moon-ec384", "ca", "moon.example", "sun.example", true },
	  .b = { "sun-ec256", "ca", "sun.example", "moon.example", true },
	  .tamper = flip_auth, .tamper_index = 2,
	  .log_b = "signature verification failed (ECDSA_384 AUTH of moon.example)" },
	{ .name = "signed with a key that is not the certificate's",
	  .a = { "moon-rsa", "ca", "moon.example", "sun.example" },
	  .b = { "sun-ec256", "ca", "sun.example", "moon.example" },
	  .swap_key = true,
	  .log_b = "signature verification failed (DIGITAL_SIGNATURE AUTH of moon.example)" },
};

static bool
established(struct node *n, struct gw_ikev2_ike_sa_info *i)
{
	return gw_ikev2_list_ike_sas(n->e, i, 1) == 1 &&
	       i->state == GW_IKEV2_STATE_ESTABLISHED;
}

static int
run_case(const struct cert_case *tc)
{
	struct gw_ikev2_ike_sa_info ia, ib;
	struct gw_ike_cred *other = NULL;
	uint64_t now = 0;
	int rc = 0;

	GW_CHECK_EQ(setup_pair(&tc->a, &tc->b), 0);
	if (tc->swap_key) {
		EVP_PKEY *k;

		other = cred("moon-rsa2");
		GW_CHECK(other != NULL, "moon-rsa2");
		k = cr[0]->key;
		cr[0]->key = other->key;
		other->key = k;
	}
	net.tamper = tc->tamper;
	net.tamper_index = tc->tamper ? tc->tamper_index : -1;
	GW_CHECK_EQ(gw_ikev2_initiate(node_a.e, "gw"), 0);
	run(&now, 20000);
	if (tc->up) {
		GW_CHECK(established(&node_a, &ia), "A not established:\n%s", node_a.log);
		GW_CHECK(established(&node_b, &ib), "B not established:\n%s", node_b.log);
		GW_CHECK(strcmp(ia.remote_auth, tc->a_auth) == 0, "A: %s", ia.remote_auth);
		GW_CHECK(strcmp(ib.remote_auth, tc->b_auth) == 0, "B: %s", ib.remote_auth);
		GW_CHECK(strcmp(ia.local_auth, ib.remote_auth) == 0, "%s / %s",
			 ia.local_auth, ib.remote_auth);
		GW_CHECK(strcmp(ib.local_auth, ia.remote_auth) == 0, "%s / %s",
			 ib.local_auth, ia.remote_auth);
		if (tc->b_sees_a) {
			GW_CHECK(strcmp(ib.remote_id, tc->b_sees_a) == 0, "%s", ib.remote_id);
			GW_CHECK(strcmp(ia.local_id, tc->b_sees_a) == 0, "%s", ia.local_id);
		}
	} else {
		GW_CHECK(!established(&node_a, &ia), "A established:\n%s", node_a.log);
		GW_CHECK(gw_ikev2_list_ike_sas(node_b.e, &ib, 1) == 0, "B kept an IKE SA:\n%s",
			 node_b.log);
	}
	if (tc->log_a)
		GW_CHECK(strstr(node_a.log, tc->log_a), "A's log lacks '%s':\n%s",
			 tc->log_a, node_a.log);
	if (tc->log_b)
		GW_CHECK(strstr(node_b.log, tc->log_b), "B's log lacks '%s':\n%s",
			 tc->log_b, node_b.log);
	teardown_pair();
	gw_ike_cred_free(other);
	return rc;
}

static int
test_exchanges(void)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = run_case(&cases[i]);

		failed += mock_report(rc, teardown_pair, "%s", cases[i].name);
	}
	return failed;
}

/* --------------------------------------------------- credentials, DNs */

static int
test_load_errors(void)
{
	struct gw_ike_cred *c = NULL;
	struct gw_ike_cas *s = NULL;
	char err[512];
	const char *crt[1] = { path("moon-rsa.crt") };
	const char *missing[1] = { path("nope.crt") };
	const char *notcert[1] = { path("moon-rsa.key") };

	GW_CHECK_EQ(gw_ike_cred_load(&c, crt, 1, path("sun-rsa.key"), err, sizeof(err)),
		    -EINVAL);
	GW_CHECK(strstr(err, "does not belong to the certificate"), "%s", err);
	GW_CHECK(strstr(err, "moon-rsa.crt"), "%s", err);
	GW_CHECK_EQ(gw_ike_cred_load(&c, missing, 1, path("moon-rsa.key"), err,
				     sizeof(err)), -ENOENT);
	GW_CHECK(strstr(err, "nope.crt") && strstr(err, "cannot open"), "%s", err);
	GW_CHECK_EQ(gw_ike_cred_load(&c, notcert, 1, path("moon-rsa.key"), err,
				     sizeof(err)), -EINVAL);
	GW_CHECK(strstr(err, "no certificate in it"), "%s", err);
	GW_CHECK_EQ(gw_ike_cred_load(&c, crt, 1, path("moon-rsa.crt"), err, sizeof(err)),
		    -EINVAL);
	GW_CHECK(strstr(err, "no usable private key"), "%s", err);
	GW_CHECK_EQ(gw_ike_cas_load(&s, missing, 1, err, sizeof(err)), -ENOENT);
	GW_CHECK(c == NULL && s == NULL, "objects on failure");
	/* the chain file: leaf first, then the intermediate */
	c = cred("moon-int");
	GW_CHECK(c != NULL, "moon-int");
	GW_CHECK_EQ(gw_ike_cred_n_certs(c), 2);
	gw_ike_cred_free(c);
	return 0;
}

static int
test_dn(void)
{
	static const struct { const char *in, *out; } t[] = {
		{ "C=CH, O=strongSwan, CN=moon.strongswan.org",
		  "C=CH, O=strongSwan, CN=moon.strongswan.org" },
		{ "C=CH,O=strongSwan,CN=moon.strongswan.org",
		  "C=CH, O=strongSwan, CN=moon.strongswan.org" },
		{ "/C=CH/O=strongSwan/CN=moon", "C=CH, O=strongSwan, CN=moon" },
		{ "C=CH, OU=Sales, CN=carol, E=carol@strongswan.org",
		  "C=CH, OU=Sales, CN=carol, E=carol@strongswan.org" },
		{ "asn1dn:#300f310d300b06035504030c046d6f6f6e", "CN=moon" },
	};
	struct gw_ikev2_id id, id2;
	char buf[300];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		GW_CHECK(gw_ikev2_id_parse(t[i].in, &id) == 0, "%s", t[i].in);
		GW_CHECK_EQ(id.type, GW_IKE_ID_DER_ASN1_DN);
		gw_ikev2_id_format(&id, buf, sizeof(buf));
		GW_CHECK(strcmp(buf, t[i].out) == 0, "%s -> %s", t[i].in, buf);
		/* the printed form parses back to an equal name */
		GW_CHECK(gw_ikev2_id_parse(buf, &id2) == 0, "%s", buf);
		GW_CHECK(gw_ike_dn_equal(id.data, id.len, id2.data, id2.len), "%s", buf);
	}
	/* names are not DNs; a case/spacing variant is the same DN */
	GW_CHECK(gw_ikev2_id_parse("moon.example", &id) == 0 &&
		 id.type == GW_IKE_ID_FQDN, "fqdn");
	GW_CHECK(gw_ikev2_id_parse("CN=Moon, C=CH", &id) == 0, "dn");
	GW_CHECK(gw_ikev2_id_parse("CN=moon,  C=ch", &id2) == 0, "dn");
	GW_CHECK(gw_ike_dn_equal(id.data, id.len, id2.data, id2.len), "canonical");
	GW_CHECK(gw_ikev2_id_parse("C=CH, CN=moon", &id2) == 0, "dn");
	GW_CHECK(!gw_ike_dn_equal(id.data, id.len, id2.data, id2.len), "order matters");
	GW_CHECK(gw_ikev2_id_parse("CN=", &id) != 0, "empty value");
	GW_CHECK(gw_ikev2_id_parse("asn1dn:#3000ff", &id) != 0, "bad DER");
	return 0;
}

/*
 * Fuzz: identity text (DNs included), DER DNs and CERT payload data from
 * random and mutated input. Nothing may crash; whatever parses formats,
 * and a DN's printed form parses back to an equal DN.
 */
static int
test_fuzz_parsers(void)
{
	static const char alphabet[] = "CNOU=,/ #:@.\\\"+-asn1dn0123456789abcdefSTLEG";
	static const char *const seeds[] = {
		"C=CH, O=strongSwan, CN=moon.strongswan.org", "/C=CH/O=x/CN=y",
		"asn1dn:#300f310d300b06035504030c046d6f6f6e", "user@example.com",
		"keyid:0a0b0c", "192.0.2.1", "2001:db8::1", "@fqdn.example",
		"CN=a\\,b, OU=\"q\"", "1.2.3.4=x, CN=y",
	};
	const char *s_seed = getenv("GW_FUZZ_SEED");
	unsigned seed = s_seed ? (unsigned)strtoul(s_seed, NULL, 0) : (unsigned)time(NULL);
	uint8_t der[512];

	printf("  fuzz seed %u (GW_FUZZ_SEED to replay)\n", seed);
	srand(seed);
	for (int i = 0; i < 200000; i++) {
		char in[160], buf[600];
		struct gw_ikev2_id id, id2;
		size_t n;

		if (i % 2) {
			const char *sd = seeds[(unsigned)rand() % (sizeof(seeds) / sizeof(seeds[0]))];

			snprintf(in, sizeof(in), "%s", sd);
			n = strlen(in);
			for (int m = 0, k = 1 + rand() % 4; m < k && n; m++)
				in[(size_t)rand() % n] = alphabet[(size_t)rand() % (sizeof(alphabet) - 1)];
		} else {
			n = (size_t)rand() % (sizeof(in) - 1);
			for (size_t b = 0; b < n; b++)
				in[b] = alphabet[(size_t)rand() % (sizeof(alphabet) - 1)];
			in[n] = 0;
		}
		if (gw_ikev2_id_parse(in, &id) != 0)
			continue;
		gw_ikev2_id_format(&id, buf, sizeof(buf));
		if (id.type == GW_IKE_ID_DER_ASN1_DN && buf[0]) {
			GW_CHECK(gw_ikev2_id_parse(buf, &id2) == 0, "'%s' printed as '%s'", in, buf);
			GW_CHECK(gw_ike_dn_equal(id.data, id.len, id2.data, id2.len),
				 "'%s' printed as '%s'", in, buf);
		}
	}
	/* DER: random bytes and mutated real names, as DN and as certificate */
	for (int i = 0; i < 50000; i++) {
		char buf[600];
		int len = gw_ike_dn_parse("C=CH, O=strongSwan, CN=moon", der, sizeof(der));
		struct gw_ike_cert *c = NULL;

		GW_CHECK(len > 0, "seed DN");
		if (i % 2)
			for (int b = 0; b < len; b++)
				der[b] = (uint8_t)rand();
		else
			der[(size_t)rand() % (size_t)len] ^= (uint8_t)(1 + rand() % 255);
		gw_ike_dn_format(der, (size_t)len, buf, sizeof(buf));
		(void)gw_ike_dn_equal(der, (size_t)len, der, (size_t)len);
		if (gw_ike_cert_parse(&c, der, (size_t)(rand() % (len + 1))) == 0)
			gw_ike_cert_free(c);
	}
	return 0;
}

/* ------------------------------------------- encodings against OpenSSL */

static const uint8_t msg[] = "RealMessage1 | NonceRData | prf(SK_pi, IDi')";

static EVP_PKEY *
pubkey_of(const char *name)
{
	char c[64];
	FILE *f;
	X509 *x;
	EVP_PKEY *k;

	snprintf(c, sizeof(c), "%s.crt", name);
	f = fopen(path(c), "r");
	if (!f)
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	k = x ? X509_get_pubkey(x) : NULL;
	X509_free(x);
	return k;
}

static struct gw_ike_cert *
cert_of(const char *name)
{
	char c[64];
	FILE *f;
	X509 *x;
	unsigned char *der = NULL;
	int l;
	struct gw_ike_cert *out = NULL;

	snprintf(c, sizeof(c), "%s.crt", name);
	f = fopen(path(c), "r");
	if (!f)
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	l = x ? i2d_X509(x, &der) : -1;
	if (l > 0)
		gw_ike_cert_parse(&out, der, (size_t)l);
	OPENSSL_free(der);
	X509_free(x);
	return out;
}

/* OpenSSL's own DER of an AlgorithmIdentifier (@p param: V_ASN1_NULL or V_ASN1_UNDEF). */
static int
algid_der(int nid, int param, uint8_t *out)
{
	X509_ALGOR *a = X509_ALGOR_new();
	unsigned char *p = out;
	int l;

	X509_ALGOR_set0(a, OBJ_nid2obj(nid), param, NULL);
	l = i2d_X509_ALGOR(a, &p);
	X509_ALGOR_free(a);
	return l;
}

static int
ossl_verify(EVP_PKEY *k, const EVP_MD *md, const uint8_t *sig, size_t len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = EVP_DigestVerifyInit(ctx, NULL, md, NULL, k) == 1 &&
		 EVP_DigestVerify(ctx, sig, len, msg, sizeof(msg)) == 1;

	EVP_MD_CTX_free(ctx);
	return rc;
}

/* Our signatures verified by plain OpenSSL over the same octets. */
static int
test_sign_vs_openssl(void)
{
	static const struct {
		const char *key;
		uint8_t method, hash;
		int algid_nid, param;  /* method 14 */
		const EVP_MD *(*md)(void);
		size_t raw;            /* classic ECDSA: r | s length */
	} t[] = {
		{ "moon-rsa", 14, GW_IKE_HASH_SHA2_256, NID_sha256WithRSAEncryption,
		  V_ASN1_NULL, EVP_sha256, 0 },
		{ "moon-rsa", 14, GW_IKE_HASH_SHA2_512, NID_sha512WithRSAEncryption,
		  V_ASN1_NULL, EVP_sha512, 0 },
		{ "moon-ec384", 14, GW_IKE_HASH_SHA2_384, NID_ecdsa_with_SHA384,
		  V_ASN1_UNDEF, EVP_sha384, 0 },
		{ "sun-ec256", 14, GW_IKE_HASH_SHA2_256, NID_ecdsa_with_SHA256,
		  V_ASN1_UNDEF, EVP_sha256, 0 },
		{ "moon-rsa", 1, 0, 0, 0, EVP_sha1, 0 },
		{ "sun-ec256", 9, 0, 0, 0, EVP_sha256, 64 },
		{ "moon-ec384", 10, 0, 0, 0, EVP_sha384, 96 },
		{ "sun-ec521", 11, 0, 0, 0, EVP_sha512, 132 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct gw_ike_cred *c = cred(t[i].key);
		EVP_PKEY *k = pubkey_of(t[i].key);
		uint8_t auth[GW_IKE_PKI_SIG_MAX], alg[64];
		size_t alen = 0;
		int ok;

		GW_CHECK(c && k, "%s", t[i].key);
		GW_CHECK_EQ(gw_ike_sig_sign(c, t[i].method, t[i].hash, msg, sizeof(msg),
					    auth, sizeof(auth), &alen), 0);
		if (t[i].method == 14) {
			int l = algid_der(t[i].algid_nid, t[i].param, alg);

			GW_CHECK(l > 0 && auth[0] == l, "%zu: length octet %u, DER %d", i,
				 auth[0], l);
			GW_CHECK_MEM(auth + 1, alg, (size_t)l);
			ok = ossl_verify(k, t[i].md(), auth + 1 + l, alen - 1 - (size_t)l);
		} else if (t[i].raw) {
			ECDSA_SIG *s = ECDSA_SIG_new();
			unsigned char *der = NULL;
			int dl;

			GW_CHECK_EQ(alen, t[i].raw);
			ECDSA_SIG_set0(s, BN_bin2bn(auth, (int)alen / 2, NULL),
				       BN_bin2bn(auth + alen / 2, (int)alen / 2, NULL));
			dl = i2d_ECDSA_SIG(s, &der);
			ok = ossl_verify(k, t[i].md(), der, (size_t)dl);
			OPENSSL_free(der);
			ECDSA_SIG_free(s);
		} else {
			GW_CHECK_EQ(alen, 256);
			ok = ossl_verify(k, t[i].md(), auth, alen);
		}
		GW_CHECK(ok, "%zu: OpenSSL rejects our %s method %u signature", i,
			 t[i].key, t[i].method);
		/* a key that does not fit the method is refused */
		GW_CHECK(gw_ike_sig_sign(c, strstr(t[i].key, "rsa") ? 9 : 1, 0, msg,
					 sizeof(msg), auth, sizeof(auth), &alen) ==
			 -ENOTSUP, "%zu: wrong method accepted", i);
		EVP_PKEY_free(k);
		gw_ike_cred_free(c);
	}
	return 0;
}

static size_t
ossl_sign(EVP_PKEY *k, const EVP_MD *md, bool pss, uint8_t *sig, size_t cap)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	size_t len = cap;

	if (EVP_DigestSignInit(ctx, &pctx, md, NULL, k) != 1 ||
	    (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1 ||
		     EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1)) ||
	    EVP_DigestSign(ctx, sig, &len, msg, sizeof(msg)) != 1)
		len = 0;
	EVP_MD_CTX_free(ctx);
	return len;
}

static EVP_PKEY *
privkey_of(const char *name)
{
	char c[64];
	FILE *f;
	EVP_PKEY *k;

	snprintf(c, sizeof(c), "%s.key", name);
	f = fopen(path(c), "r");
	if (!f)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

/* RSASSA-PSS, SHA-256, MGF1 SHA-256, salt 32, as OpenSSL encodes it. */
static int
pss_algid(uint8_t *out)
{
	RSA_PSS_PARAMS *p = RSA_PSS_PARAMS_new();
	X509_ALGOR *mgf_md = X509_ALGOR_new(), *a = X509_ALGOR_new();
	ASN1_STRING *seq = NULL;
	unsigned char *o = out;
	int l;

	p->hashAlgorithm = X509_ALGOR_new();
	X509_ALGOR_set_md(p->hashAlgorithm, EVP_sha256());
	X509_ALGOR_set_md(mgf_md, EVP_sha256());
	p->maskGenAlgorithm = X509_ALGOR_new();
	ASN1_item_pack(mgf_md, ASN1_ITEM_rptr(X509_ALGOR), &seq);
	X509_ALGOR_set0(p->maskGenAlgorithm, OBJ_nid2obj(NID_mgf1), V_ASN1_SEQUENCE, seq);
	p->saltLength = ASN1_INTEGER_new();
	ASN1_INTEGER_set(p->saltLength, 32);
	seq = NULL;
	ASN1_item_pack(p, ASN1_ITEM_rptr(RSA_PSS_PARAMS), &seq);
	X509_ALGOR_set0(a, OBJ_nid2obj(NID_rsassaPss), V_ASN1_SEQUENCE, seq);
	l = i2d_X509_ALGOR(a, &o);
	X509_ALGOR_free(a);
	X509_ALGOR_free(mgf_md);
	RSA_PSS_PARAMS_free(p);
	return l;
}

/* OpenSSL's signatures, encoded as RFC 7427 / 4754 say, accepted by us. */
static int
test_verify_openssl(void)
{
	static const struct {
		const char *key;
		uint8_t method;
		int algid_nid, param;  /* method 14; 0: RSASSA-PSS */
		const EVP_MD *(*md)(void);
		size_t coord;          /* classic ECDSA */
		const char *name;      /* what verify reports */
	} t[] = {
		{ "moon-rsa", 14, NID_sha384WithRSAEncryption, V_ASN1_NULL, EVP_sha384,
		  0, "RSA-SHA384" },
		{ "moon-rsa", 14, NID_sha256WithRSAEncryption, V_ASN1_UNDEF, EVP_sha256,
		  0, "RSA-SHA256" },   /* parameters absent: accepted too */
		{ "moon-rsa", 14, 0, 0, EVP_sha256, 0, "RSASSA-PSS" },
		{ "moon-rsa", 14, NID_sha1WithRSAEncryption, V_ASN1_NULL, EVP_sha1,
		  0, "RSA-SHA1" },
		{ "sun-ec521", 14, NID_ecdsa_with_SHA512, V_ASN1_UNDEF, EVP_sha512,
		  0, "ecdsa-with-SHA512" },
		{ "moon-rsa", 1, 0, 0, EVP_sha1, 0, "RSA_SIG" },
		{ "sun-ec256", 9, 0, 0, EVP_sha256, 32, "ECDSA_256" },
		{ "moon-ec384", 10, 0, 0, EVP_sha384, 48, "ECDSA_384" },
		{ "sun-ec521", 11, 0, 0, EVP_sha512, 66, "ECDSA_521" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		EVP_PKEY *k = privkey_of(t[i].key);
		struct gw_ike_cert *c = cert_of(t[i].key);
		uint8_t sig[1024], auth[1200];
		size_t sl, al = 0;
		char why[256];

		GW_CHECK(k && c, "%s", t[i].key);
		sl = ossl_sign(k, t[i].md(), t[i].method == 14 && !t[i].algid_nid,
			       sig, sizeof(sig));
		GW_CHECK(sl > 0, "%zu: OpenSSL sign", i);
		if (t[i].method == 14) {
			int l = t[i].algid_nid ? algid_der(t[i].algid_nid, t[i].param, auth + 1)
					       : pss_algid(auth + 1);

			GW_CHECK(l > 0 && l < 128, "%zu: algid", i);
			auth[0] = (uint8_t)l;
			memcpy(auth + 1 + l, sig, sl);
			al = 1 + (size_t)l + sl;
		} else if (t[i].coord) {
			const unsigned char *p = sig;
			ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)sl);
			const BIGNUM *r, *sv;

			GW_CHECK(s != NULL, "%zu: DER", i);
			ECDSA_SIG_get0(s, &r, &sv);
			BN_bn2binpad(r, auth, (int)t[i].coord);
			BN_bn2binpad(sv, auth + t[i].coord, (int)t[i].coord);
			ECDSA_SIG_free(s);
			al = 2 * t[i].coord;
		} else {
			memcpy(auth, sig, sl);
			al = sl;
		}
		GW_CHECK(gw_ike_sig_verify(c, t[i].method, msg, sizeof(msg), auth, al,
					   why, sizeof(why)) == 0, "%zu: %s", i, why);
		GW_CHECK(strcmp(why, t[i].name) == 0, "%zu: %s", i, why);
		/* one flipped bit of the signature, or other data: refused */
		auth[al - 3] ^= 0x10;
		GW_CHECK_EQ(gw_ike_sig_verify(c, t[i].method, msg, sizeof(msg), auth, al,
					      why, sizeof(why)), -EBADMSG);
		auth[al - 3] ^= 0x10;
		GW_CHECK_EQ(gw_ike_sig_verify(c, t[i].method, msg, sizeof(msg) - 1, auth,
					      al, why, sizeof(why)), -EBADMSG);
		EVP_PKEY_free(k);
		gw_ike_cert_free(c);
	}
	return 0;
}

/* Chains and identities checked directly. */
static int
test_cert_checks(void)
{
	struct gw_ike_cert *moon = cert_of("moon-rsa"), *evil = cert_of("moon-evil");
	struct gw_ike_cas *root = cas("ca"), *bad = cas("evil");
	struct gw_ikev2_id id;
	uint8_t req[256];
	char why[512];

	GW_CHECK(moon && evil && root && bad, "fixtures");
	GW_CHECK_EQ(gw_ike_cert_verify(moon, NULL, 0, root, why, sizeof(why)), 0);
	GW_CHECK_EQ(gw_ike_cert_verify(evil, NULL, 0, root, why, sizeof(why)), -EPERM);
	GW_CHECK(strstr(why, "unable to get local issuer certificate"), "%s", why);
	GW_CHECK_EQ(gw_ike_cert_verify(moon, NULL, 0, bad, why, sizeof(why)), -EPERM);
	GW_CHECK_EQ(gw_ike_cas_certreq(root, req, sizeof(req)), 20);
	for (const char *s = "moon.example\0MOON.example\0" "192.0.2.1\0moon@example.org\0"
			     MOON_DN "\0"; *s; s += strlen(s) + 1) {
		GW_CHECK(gw_ikev2_id_parse(s, &id) == 0, "%s", s);
		GW_CHECK(gw_ike_cert_has_id(moon, id.type, id.data, id.len, why,
					    sizeof(why)) == 0, "%s: %s", s, why);
	}
	for (const char *s = "sun.example\0" "192.0.2.2\0CN=moon.example\0"; *s;
	     s += strlen(s) + 1) {
		GW_CHECK(gw_ikev2_id_parse(s, &id) == 0, "%s", s);
		GW_CHECK(gw_ike_cert_has_id(moon, id.type, id.data, id.len, why,
					    sizeof(why)) == -ENOENT, "%s", s);
	}
	gw_ike_cert_free(moon);
	gw_ike_cert_free(evil);
	gw_ike_cas_free(root);
	gw_ike_cas_free(bad);
	return 0;
}

static const struct gw_test_case cert_cases[] = {
	{ "load errors name the file", test_load_errors },
	{ "DN text syntax", test_dn },
	{ "parsers fuzzed", test_fuzz_parsers },
	{ "chains, identities, CERTREQ", test_cert_checks },
	{ "our AUTH signatures verified by OpenSSL", test_sign_vs_openssl },
	{ "OpenSSL's signatures verified by us", test_verify_openssl },
	{ "exchanges", test_exchanges },
	{ NULL, NULL },
};

static const struct gw_test_suite cert_suite = {
	"ikev2-certs", setup, teardown, cert_cases,
};

GW_TEST_MAIN(&cert_suite)
