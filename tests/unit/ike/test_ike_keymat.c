/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE cryptography (drivers/crypto/ike_openssl.c) and key material
 * (lib/ike/ike_keymat.c) against known answers: RFC 4231/2202 HMAC,
 * RFC 4868/2404 truncated integrity, RFC 5903 ECDH, RFC 7748 X25519, and
 * values from tests/vectors/gen_ike_crypto_vectors.py, which implements
 * RFC 7296 2.13-2.18 independently with Python's hmac module and builds
 * SK payloads with python-cryptography. Plus what no vector shows:
 * fresh exchanges between our own key pairs, invalid peer values, tamper
 * detection at every byte, direction separation, weak-group refusal.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw_ike_crypto.h"
#include "gw_ike_keymat.h"
#include "gw_ike_msg.h"      /* IANA names; must coexist with gw_ike_crypto.h */
#include "gw_test.h"

#include "ike_crypto_kat.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MSG_MAX 4096

static uint8_t msg[MSG_MAX];
static uint8_t big[255 * 32];

static bool
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static size_t
ke_len(uint16_t group)
{
	size_t n = 0;

	gw_ike_ke_sizes(group, &n, NULL);
	return n;
}

static size_t
secret_len(uint16_t group)
{
	size_t n = 0;

	gw_ike_ke_sizes(group, NULL, &n);
	return n;
}

static size_t
integ_key_len(uint16_t integ)
{
	size_t n = 0;

	gw_ike_integ_sizes(integ, &n, NULL);
	return n;
}

static size_t
icv_len(uint16_t integ)
{
	size_t n = 0;

	gw_ike_integ_sizes(integ, NULL, &n);
	return n;
}

static bool
is_aead(uint16_t encr)
{
	size_t k, salt = 0;

	return gw_ike_encr_sizes(encr, 256, &k, &salt) == 0 && salt > 0;
}

/* ================= PRF and prf+ ================= */

static int
test_prf_kat(void)
{
	uint8_t out[GW_IKE_PRF_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(ike_prf_kats); i++) {
		const struct ike_prf_kat *v = &ike_prf_kats[i];
		struct gw_ike_chunk in = { v->data, v->data_len };

		GW_CHECK(gw_ike_prf_out_len(v->prf) >= v->out_len, "%s", v->name);
		GW_CHECK_EQ(gw_ike_prf(v->prf, v->key, v->key_len, &in, 1, out), 0);
		GW_CHECK(memcmp(out, v->out, v->out_len) == 0, "%s", v->name);
	}
	return 0;
}

static int
test_prf_chunks(void)
{
	/* The same input cut at every position gives the same output. */
	const struct ike_prf_kat *v = &ike_prf_kats[6];  /* long data */
	uint8_t whole[GW_IKE_PRF_MAX], part[GW_IKE_PRF_MAX];
	struct gw_ike_chunk one = { v->data, v->data_len };

	GW_CHECK_EQ(gw_ike_prf(v->prf, v->key, v->key_len, &one, 1, whole), 0);
	for (size_t cut = 0; cut <= v->data_len; cut++) {
		struct gw_ike_chunk two[3] = {
			{ v->data, cut }, { NULL, 0 },
			{ v->data + cut, v->data_len - cut },
		};

		GW_CHECK_EQ(gw_ike_prf(v->prf, v->key, v->key_len, two, 3, part), 0);
		GW_CHECK(memcmp(whole, part, gw_ike_prf_out_len(v->prf)) == 0,
			 "cut %zu", cut);
	}
	return 0;
}

static int
test_prf_plus_kat(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(ike_prf_plus_kats); i++) {
		const struct ike_prf_plus_kat *v = &ike_prf_plus_kats[i];
		size_t half = v->seed_len / 2;
		struct gw_ike_chunk seed[2] = {
			{ v->seed, half }, { v->seed + half, v->seed_len - half },
		};

		GW_CHECK(v->out_len <= sizeof(big), "%s", v->name);
		memset(big, 0xee, sizeof(big));
		GW_CHECK_EQ(gw_ike_prf_plus(v->prf, v->key, v->key_len, seed, 2,
					    big, v->out_len), 0);
		GW_CHECK(memcmp(big, v->out, v->out_len) == 0, "%s", v->name);
		if (v->out_len < sizeof(big))
			GW_CHECK(big[v->out_len] == 0xee, "%s: overrun", v->name);
		/* A shorter request is a prefix of the longer one. */
		memset(big, 0, sizeof(big));
		GW_CHECK_EQ(gw_ike_prf_plus(v->prf, v->key, v->key_len, seed, 2,
					    big, v->out_len / 3), 0);
		GW_CHECK(memcmp(big, v->out, v->out_len / 3) == 0, "%s", v->name);
	}
	return 0;
}

static int
test_prf_errors(void)
{
	const uint8_t key[32] = { 1 };
	struct gw_ike_chunk in = { key, 4 };
	uint8_t out[GW_IKE_PRF_MAX];

	GW_CHECK_EQ(gw_ike_prf(3, key, 32, &in, 1, out), -ENOTSUP);  /* TIGER */
	GW_CHECK_EQ(gw_ike_prf(8, key, 32, &in, 1, out), -ENOTSUP);  /* CMAC */
	GW_CHECK_EQ(gw_ike_prf(GW_IKE_PRF_HMAC_SHA2_256, key, 0, &in, 1, out),
		    -EINVAL);
	GW_CHECK_EQ(gw_ike_prf_out_len(GW_IKE_PRF_HMAC_SHA1), 20);
	GW_CHECK_EQ(gw_ike_prf_out_len(GW_IKE_PRF_HMAC_SHA2_256), 32);
	GW_CHECK_EQ(gw_ike_prf_out_len(GW_IKE_PRF_HMAC_SHA2_384), 48);
	GW_CHECK_EQ(gw_ike_prf_out_len(GW_IKE_PRF_HMAC_SHA2_512), 64);
	GW_CHECK_EQ(gw_ike_prf_out_len(4), 0);
	/* prf+ ends at counter 255 (RFC 7296 2.13). */
	GW_CHECK_EQ(gw_ike_prf_plus(GW_IKE_PRF_HMAC_SHA2_256, key, 32, &in, 1,
				    big, 255 * 32), 0);
	GW_CHECK_EQ(gw_ike_prf_plus(GW_IKE_PRF_HMAC_SHA2_256, key, 32, &in, 1,
				    big, 255 * 32 + 1), -EINVAL);
	GW_CHECK_EQ(gw_ike_prf_plus(9, key, 32, &in, 1, big, 32), -ENOTSUP);
	return 0;
}

static int
test_random(void)
{
	uint8_t a[64] = { 0 }, b[64] = { 0 };

	GW_CHECK_EQ(gw_ike_random(a, 0), 0);
	GW_CHECK(all_zero(a, sizeof(a)), "len 0 wrote");
	GW_CHECK_EQ(gw_ike_random(a, sizeof(a)), 0);
	GW_CHECK_EQ(gw_ike_random(b, sizeof(b)), 0);
	GW_CHECK(memcmp(a, b, sizeof(a)) != 0, "two draws equal");
	GW_CHECK(!all_zero(a, sizeof(a)), "zeros");
	return 0;
}

static const struct gw_test_case prf_cases[] = {
	{ "rfc4231_rfc2202_hmac", test_prf_kat },
	{ "chunked_input", test_prf_chunks },
	{ "prf_plus_kat", test_prf_plus_kat },
	{ "errors_and_limits", test_prf_errors },
	{ "random", test_random },
	{ NULL, NULL },
};

static const struct gw_test_suite prf_suite = {
	.name = "ike-prf", .cases = prf_cases,
};

/* ================= Integrity ================= */

static int
test_integ_kat(void)
{
	uint8_t icv[GW_IKE_ICV_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(ike_integ_kats); i++) {
		const struct ike_integ_kat *v = &ike_integ_kats[i];

		GW_CHECK_EQ(icv_len(v->integ), v->icv_len);
		GW_CHECK_EQ(integ_key_len(v->integ), v->key_len);
		memset(icv, 0xee, sizeof(icv));
		GW_CHECK_EQ(gw_ike_integ_sign(v->integ, v->key, v->key_len,
					      v->data, v->data_len, icv), 0);
		GW_CHECK(memcmp(icv, v->icv, v->icv_len) == 0, "%s", v->name);
		if (v->icv_len < sizeof(icv))
			GW_CHECK(icv[v->icv_len] == 0xee, "%s: wrote past the ICV",
				 v->name);
		GW_CHECK_EQ(gw_ike_integ_verify(v->integ, v->key, v->key_len,
						v->data, v->data_len, v->icv), 0);
	}
	return 0;
}

static int
test_integ_tamper(void)
{
	uint8_t data[128], icv[GW_IKE_ICV_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(ike_integ_kats); i++) {
		const struct ike_integ_kat *v = &ike_integ_kats[i];

		GW_CHECK(v->data_len <= sizeof(data), "%s", v->name);
		for (size_t j = 0; j < v->data_len; j++) {
			memcpy(data, v->data, v->data_len);
			data[j] ^= 0x01;
			GW_CHECK_EQ(gw_ike_integ_verify(v->integ, v->key,
				v->key_len, data, v->data_len, v->icv), -EBADMSG);
		}
		for (size_t j = 0; j < v->icv_len; j++) {
			memcpy(icv, v->icv, v->icv_len);
			icv[j] ^= 0x80;
			GW_CHECK_EQ(gw_ike_integ_verify(v->integ, v->key,
				v->key_len, v->data, v->data_len, icv), -EBADMSG);
		}
	}
	return 0;
}

static int
test_integ_errors(void)
{
	static const struct { uint16_t id; size_t key, icv; } t[] = {
		{ GW_IKE_INTEG_HMAC_SHA1_96, 20, 12 },
		{ GW_IKE_INTEG_HMAC_SHA2_256_128, 32, 16 },
		{ GW_IKE_INTEG_HMAC_SHA2_384_192, 48, 24 },
		{ GW_IKE_INTEG_HMAC_SHA2_512_256, 64, 32 },
	};
	const uint8_t key[64] = { 0 };
	uint8_t icv[GW_IKE_ICV_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		GW_CHECK_EQ(integ_key_len(t[i].id), t[i].key);
		GW_CHECK_EQ(icv_len(t[i].id), t[i].icv);
		/* RFC 4868 2.1.1: the key is exactly the hash length. */
		GW_CHECK_EQ(gw_ike_integ_sign(t[i].id, key, t[i].key - 1,
					      key, 8, icv), -EINVAL);
		GW_CHECK_EQ(gw_ike_integ_verify(t[i].id, key, t[i].key + 1,
						key, 8, icv), -EINVAL);
	}
	GW_CHECK_EQ(gw_ike_integ_sign(GW_IKE_INTEG_NONE, key, 0, key, 8, icv),
		    -ENOTSUP);
	GW_CHECK_EQ(gw_ike_integ_sign(5, key, 16, key, 8, icv), -ENOTSUP);
	GW_CHECK_EQ(gw_ike_integ_sizes(GW_IKE_INTEG_NONE, NULL, NULL), -ENOTSUP);
	GW_CHECK_EQ(gw_ike_integ_sizes(GW_IKE_INTEG_HMAC_MD5_96, NULL, NULL),
		    -ENOTSUP);
	return 0;
}

static const struct gw_test_case integ_cases[] = {
	{ "rfc4868_rfc2404_kat", test_integ_kat },
	{ "tamper_every_byte", test_integ_tamper },
	{ "lengths_and_errors", test_integ_errors },
	{ NULL, NULL },
};

static const struct gw_test_suite integ_suite = {
	.name = "ike-integ", .cases = integ_cases,
};

/* ================= Key exchange ================= */

static int
check_export(const struct gw_ike_ke *dh, const uint8_t *want, size_t len,
	     const char *name)
{
	uint8_t ke[GW_IKE_KE_MAX];

	GW_CHECK_EQ(gw_ike_ke_export(dh, ke, sizeof(ke)), (int)len);
	GW_CHECK(memcmp(ke, want, len) == 0, "%s: public value", name);
	return 0;
}

static int
test_dh_kat(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(ike_dh_kats); i++) {
		const struct ike_dh_kat *v = &ike_dh_kats[i];
		struct gw_ike_ke *a = NULL, *b = NULL;
		const uint8_t *s;
		size_t len = 0;
		int rc = -1;

		GW_CHECK_EQ(ke_len(v->group), v->pub_i_len);
		GW_CHECK_EQ(secret_len(v->group), v->secret_len);
		GW_CHECK_EQ(gw_ike_ke_new_from_private(&a, v->group, v->weak,
				v->priv_i, v->priv_i_len), 0);
		GW_CHECK_EQ(gw_ike_ke_new_from_private(&b, v->group, v->weak,
				v->priv_r, v->priv_r_len), 0);
		if (check_export(a, v->pub_i, v->pub_i_len, v->name) ||
		    check_export(b, v->pub_r, v->pub_r_len, v->name))
			goto out;
		if (gw_ike_ke_derive(a, v->pub_r, v->pub_r_len) != 0 ||
		    gw_ike_ke_derive(b, v->pub_i, v->pub_i_len) != 0) {
			fprintf(stderr, "%s: derive failed\n", v->name);
			goto out;
		}
		s = gw_ike_ke_secret(a, &len);
		if (s == NULL || len != v->secret_len ||
		    memcmp(s, v->secret, len) != 0) {
			fprintf(stderr, "%s: initiator's secret\n", v->name);
			goto out;
		}
		s = gw_ike_ke_secret(b, &len);
		if (s == NULL || len != v->secret_len ||
		    memcmp(s, v->secret, len) != 0) {
			fprintf(stderr, "%s: responder's secret\n", v->name);
			goto out;
		}
		rc = 0;
out:
		gw_ike_ke_free(a);
		gw_ike_ke_free(b);
		GW_CHECK_EQ(rc, 0);
	}
	return 0;
}

static int
test_x25519_rfc7748(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(ike_x25519_kats); i++) {
		const struct ike_x25519_kat *v = &ike_x25519_kats[i];
		struct gw_ike_ke *dh;
		const uint8_t *s;
		size_t len = 0;
		int ok;

		GW_CHECK_EQ(gw_ike_ke_new_from_private(&dh, GW_IKE_DH_CURVE25519,
				false, v->scalar, v->scalar_len), 0);
		ok = gw_ike_ke_derive(dh, v->u, v->u_len) == 0 &&
		     (s = gw_ike_ke_secret(dh, &len)) != NULL && len == 32 &&
		     memcmp(s, v->out, 32) == 0;
		gw_ike_ke_free(dh);
		GW_CHECK(ok, "%s", v->name);
	}
	return 0;
}

/* Two of our own fresh key pairs agree (and differ from each other). */
static int
exchange(uint16_t group, bool allow_weak)
{
	struct gw_ike_ke *a = NULL, *b = NULL;
	uint8_t ka[GW_IKE_KE_MAX], kb[GW_IKE_KE_MAX];
	const uint8_t *sa, *sb;
	size_t la = 0, lb = 0, ke = ke_len(group);
	int rc = -1;

	if (gw_ike_ke_new(&a, group, allow_weak) != 0 ||
	    gw_ike_ke_new(&b, group, allow_weak) != 0)
		goto out;
	if (gw_ike_ke_group(a) != group ||
	    gw_ike_ke_export(a, ka, sizeof(ka)) != (int)ke ||
	    gw_ike_ke_export(b, kb, sizeof(kb)) != (int)ke ||
	    memcmp(ka, kb, ke) == 0)
		goto out;
	if (gw_ike_ke_secret(a, &la) != NULL)
		goto out;
	if (gw_ike_ke_derive(a, kb, ke) != 0 || gw_ike_ke_derive(b, ka, ke) != 0)
		goto out;
	sa = gw_ike_ke_secret(a, &la);
	sb = gw_ike_ke_secret(b, &lb);
	if (sa && sb && la == secret_len(group) && la == lb &&
	    memcmp(sa, sb, la) == 0 && !all_zero(sa, la))
		rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "exchange in group %u failed\n", group);
	gw_ike_ke_free(a);
	gw_ike_ke_free(b);
	return rc;
}

static int
test_dh_fresh_exchange(void)
{
	static const uint16_t groups[] = {
		GW_IKE_DH_MODP2048, GW_IKE_DH_MODP3072, GW_IKE_DH_MODP4096,
		GW_IKE_DH_ECP256, GW_IKE_DH_ECP384, GW_IKE_DH_ECP521,
		GW_IKE_DH_CURVE25519,
	};

	for (size_t i = 0; i < ARRAY_SIZE(groups); i++)
		GW_CHECK_EQ(exchange(groups[i], false), 0);
	/* Several MODP-2048 rounds: a dropped leading zero would show. */
	for (int i = 0; i < 8; i++)
		GW_CHECK_EQ(exchange(GW_IKE_DH_MODP2048, false), 0);
	GW_CHECK_EQ(exchange(GW_IKE_DH_MODP768, true), 0);
	GW_CHECK_EQ(exchange(GW_IKE_DH_MODP1024, true), 0);
	GW_CHECK_EQ(exchange(GW_IKE_DH_MODP1536, true), 0);
	return 0;
}

static int
test_dh_modp_invalid(void)
{
	static const uint16_t groups[] = { GW_IKE_DH_MODP1024, GW_IKE_DH_MODP2048 };

	for (size_t g = 0; g < ARRAY_SIZE(groups); g++) {
		size_t n = ke_len(groups[g]), len;
		uint8_t y[GW_IKE_KE_MAX + 1] = { 0 };
		struct gw_ike_ke *ke;
		int fails = 0;

		GW_CHECK_EQ(gw_ike_ke_new(&ke, groups[g], true), 0);
		for (size_t i = 0; i < ARRAY_SIZE(ike_modp_bad_kats); i++) {
			const struct ike_modp_bad_kat *v = &ike_modp_bad_kats[i];
			int rc;

			if (v->group != groups[g])
				continue;
			rc = gw_ike_ke_derive(ke, v->y, v->y_len);
			if (rc != -EINVAL || gw_ike_ke_secret(ke, &len) != NULL) {
				fprintf(stderr, "y = %s accepted (%d)\n", v->name, rc);
				fails++;
			}
		}
		y[100] = 5;
		fails += gw_ike_ke_derive(ke, y, n - 1) != -EINVAL;
		fails += gw_ike_ke_derive(ke, y, n + 1) != -EINVAL;
		fails += gw_ike_ke_derive(ke, NULL, n) != -EINVAL;
		gw_ike_ke_free(ke);
		GW_CHECK_EQ(fails, 0);
	}
	return 0;
}

static int
test_dh_ecp_invalid(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(ike_dh_kats); i++) {
		const struct ike_dh_kat *v = &ike_dh_kats[i];
		uint8_t pt[GW_IKE_KE_MAX];
		struct gw_ike_ke *dh;
		size_t len;
		int r1, r2, r3, r4;

		if (v->group < GW_IKE_DH_ECP256 || v->group > GW_IKE_DH_ECP521)
			continue;
		GW_CHECK_EQ(gw_ike_ke_new(&dh, v->group, false), 0);
		memcpy(pt, v->pub_r, v->pub_r_len);
		pt[v->pub_r_len - 1] ^= 0x01;           /* y off the curve */
		r1 = gw_ike_ke_derive(dh, pt, v->pub_r_len);
		memset(pt, 0, sizeof(pt));              /* (0, 0) */
		r2 = gw_ike_ke_derive(dh, pt, v->pub_r_len);
		memset(pt, 0xff, sizeof(pt));           /* coordinates >= p */
		r3 = gw_ike_ke_derive(dh, pt, v->pub_r_len);
		/* With a 0x04 prefix, as SEC1 would send it: wrong length. */
		pt[0] = 0x04;
		memcpy(pt + 1, v->pub_r, v->pub_r_len);
		r4 = gw_ike_ke_derive(dh, pt, v->pub_r_len + 1);
		GW_CHECK(gw_ike_ke_secret(dh, &len) == NULL, "%s", v->name);
		/* The genuine point still works afterwards. */
		GW_CHECK_EQ(gw_ike_ke_derive(dh, v->pub_r, v->pub_r_len), 0);
		gw_ike_ke_free(dh);
		GW_CHECK_EQ(r1, -EINVAL);
		GW_CHECK_EQ(r2, -EINVAL);
		GW_CHECK_EQ(r3, -EINVAL);
		GW_CHECK_EQ(r4, -EINVAL);
	}
	return 0;
}

static int
test_dh_x25519_low_order(void)
{
	/* Points of order 1, 2(u=0 handled as such), 8, and p-1 in disguise:
	 * each makes the shared secret all zeros (RFC 7748 6.1, RFC 8031 2.3). */
	static const char *const bad[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	};
	struct gw_ike_ke *dh;
	size_t len;

	GW_CHECK_EQ(gw_ike_ke_new(&dh, GW_IKE_DH_CURVE25519, false), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		uint8_t u[32];

		for (int j = 0; j < 32; j++)
			sscanf(bad[i] + 2 * j, "%2hhx", &u[j]);
		if (gw_ike_ke_derive(dh, u, 32) != -EINVAL ||
		    gw_ike_ke_secret(dh, &len) != NULL) {
			gw_ike_ke_free(dh);
			GW_CHECK(0, "low-order point %zu accepted", i);
		}
	}
	GW_CHECK_EQ(gw_ike_ke_derive(dh, msg, 31), -EINVAL);
	gw_ike_ke_free(dh);
	return 0;
}

static int
test_dh_weak_refused(void)
{
	static const uint16_t weak[] = { GW_IKE_DH_MODP768, GW_IKE_DH_MODP1024,
					 GW_IKE_DH_MODP1536 };
	static const uint16_t unknown[] = { 0, 3, 4, 17, 22, 23, 24, 30, 32, 1000 };
	static const uint16_t strong[] = { 14, 15, 16, 19, 20, 21, 31 };
	const uint8_t priv[32] = { [31] = 7 };
	struct gw_ike_ke *dh = (struct gw_ike_ke *)&dh;

	for (size_t i = 0; i < ARRAY_SIZE(weak); i++) {
		GW_CHECK_EQ(gw_ike_ke_check(weak[i], false), -EPERM);
		GW_CHECK_EQ(gw_ike_ke_new(&dh, weak[i], false), -EPERM);
		GW_CHECK(dh == NULL, "out not cleared");
		GW_CHECK_EQ(gw_ike_ke_new_from_private(&dh, weak[i], false, priv,
						       sizeof(priv)), -EPERM);
		GW_CHECK_EQ(gw_ike_ke_check(weak[i], true), 0);
		GW_CHECK_EQ(gw_ike_ke_new(&dh, weak[i], true), 0);
		gw_ike_ke_free(dh);
		dh = (struct gw_ike_ke *)&dh;
	}
	for (size_t i = 0; i < ARRAY_SIZE(unknown); i++) {
		GW_CHECK_EQ(gw_ike_ke_check(unknown[i], true), -ENOTSUP);
		GW_CHECK_EQ(gw_ike_ke_new(&dh, unknown[i], true), -ENOTSUP);
		GW_CHECK_EQ(gw_ike_ke_sizes(unknown[i], NULL, NULL), -ENOTSUP);
	}
	for (size_t i = 0; i < ARRAY_SIZE(strong); i++)
		GW_CHECK_EQ(gw_ike_ke_check(strong[i], false), 0);
	return 0;
}

static int
test_dh_api_edges(void)
{
	struct gw_ike_ke *dh;
	uint8_t ke[GW_IKE_KE_MAX];
	const uint8_t zero32[32] = { 0 };

	GW_CHECK_EQ(gw_ike_ke_new(&dh, GW_IKE_DH_ECP384, false), 0);
	GW_CHECK_EQ(gw_ike_ke_export(dh, ke, 95), -ENOSPC);
	GW_CHECK_EQ(gw_ike_ke_export(dh, ke, 96), 96);
	gw_ike_ke_free(dh);
	gw_ike_ke_free(NULL);
	/* Private values out of range are refused by the test import too. */
	GW_CHECK_EQ(gw_ike_ke_new_from_private(&dh, GW_IKE_DH_ECP256, false,
					       zero32, 32), -EINVAL);
	GW_CHECK_EQ(gw_ike_ke_new_from_private(&dh, GW_IKE_DH_MODP2048, false,
					       zero32, 32), -EINVAL);
	GW_CHECK_EQ(gw_ike_ke_new_from_private(&dh, GW_IKE_DH_CURVE25519, false,
					       zero32, 31), -EINVAL);
	return 0;
}

static const struct gw_test_case dh_cases[] = {
	{ "rfc5903_rfc7748_modp_kat", test_dh_kat },
	{ "x25519_rfc7748_5_2", test_x25519_rfc7748 },
	{ "fresh_exchange_all_groups", test_dh_fresh_exchange },
	{ "modp_invalid_peer", test_dh_modp_invalid },
	{ "ecp_invalid_peer", test_dh_ecp_invalid },
	{ "x25519_low_order_peer", test_dh_x25519_low_order },
	{ "weak_groups_refused", test_dh_weak_refused },
	{ "api_edges", test_dh_api_edges },
	{ NULL, NULL },
};

static const struct gw_test_suite dh_suite = {
	.name = "ike-dh", .cases = dh_cases,
};

/* ================= Encrypted payload ================= */

static int
kat_sk(const struct ike_sk_kat *v, struct gw_ike_sk **sk)
{
	struct gw_ike_algs a = { .encr = v->encr, .encr_key_bits = v->bits,
				 .integ = v->integ };

	return gw_ike_sk_new(sk, &a, v->ek, v->ek_len,
			     v->ak_len ? v->ak : NULL, v->ak_len);
}

static int
test_sk_kat_encrypt(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(ike_sk_kats); i++) {
		const struct ike_sk_kat *v = &ike_sk_kats[i];
		struct gw_ike_sk *sk;
		size_t len = 0, body;
		int rc1, rc2, ok1, ok2;

		if (!v->ours)
			continue;
		GW_CHECK_EQ(kat_sk(v, &sk), 0);
		GW_CHECK_EQ(gw_ike_sk_payload_len(sk, v->plain_len),
			    v->msg_len - v->sk_off);
		/* Header and SK header as the codec leaves them; the lengths
		 * are ours to fill in. */
		memset(msg, 0xa5, sizeof(msg));
		memcpy(msg, v->msg, v->sk_off + 4);
		put32(msg + v->hdr_off + 24, 0);
		msg[v->sk_off + 2] = msg[v->sk_off + 3] = 0;
		rc1 = gw_ike_sk_encrypt_iv(sk, msg, sizeof(msg), v->hdr_off,
					   v->sk_off, v->plain, v->plain_len,
					   v->iv, &len);
		ok1 = rc1 == 0 && len == v->msg_len &&
		      memcmp(msg, v->msg, len) == 0 && msg[len] == 0xa5;
		/* Plaintext already in place, as an encoder would write it. */
		body = v->sk_off + 4 + v->iv_len;
		memcpy(msg, v->msg, v->sk_off + 4);
		memcpy(msg + body, v->plain, v->plain_len);
		rc2 = gw_ike_sk_encrypt_iv(sk, msg, v->msg_len, v->hdr_off,
					   v->sk_off, msg + body, v->plain_len,
					   v->iv, &len);
		ok2 = rc2 == 0 && len == v->msg_len &&
		      memcmp(msg, v->msg, len) == 0;
		gw_ike_sk_free(sk);
		GW_CHECK(ok1, "%s: rc %d", v->name, rc1);
		GW_CHECK(ok2, "%s in place: rc %d", v->name, rc2);
	}
	return 0;
}

static int
test_sk_kat_decrypt(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(ike_sk_kats); i++) {
		const struct ike_sk_kat *v = &ike_sk_kats[i];
		struct gw_ike_sk *sk;
		size_t off = 0, len = 0;
		int rc;

		GW_CHECK_EQ(kat_sk(v, &sk), 0);
		memcpy(msg, v->msg, v->msg_len);
		rc = gw_ike_sk_decrypt(sk, msg, v->msg_len, v->hdr_off,
				       v->sk_off, &off, &len);
		gw_ike_sk_free(sk);
		GW_CHECK(rc == -(int)v->dec_rc, "%s: rc %d", v->name, rc);
		if (rc != 0)
			continue;
		GW_CHECK_EQ(off, v->sk_off + 4 + v->iv_len);
		GW_CHECK_EQ(len, v->plain_len);
		GW_CHECK(memcmp(msg + off, v->plain, len) == 0, "%s", v->name);
	}
	return 0;
}

/* Every transform combination the SK payload takes. */
static const struct gw_ike_algs sk_algs[] = {
	{ GW_IKE_ENCR_AES_GCM_16, 128, GW_IKE_INTEG_NONE, 0 },
	{ GW_IKE_ENCR_AES_GCM_16, 192, GW_IKE_INTEG_NONE, 0 },
	{ GW_IKE_ENCR_AES_GCM_16, 256, GW_IKE_INTEG_NONE, 0 },
	{ GW_IKE_ENCR_CHACHA20_POLY1305, 0, GW_IKE_INTEG_NONE, 0 },
	{ GW_IKE_ENCR_AES_CBC, 128, GW_IKE_INTEG_HMAC_SHA1_96, 0 },
	{ GW_IKE_ENCR_AES_CBC, 128, GW_IKE_INTEG_HMAC_SHA2_256_128, 0 },
	{ GW_IKE_ENCR_AES_CBC, 192, GW_IKE_INTEG_HMAC_SHA2_384_192, 0 },
	{ GW_IKE_ENCR_AES_CBC, 256, GW_IKE_INTEG_HMAC_SHA2_256_128, 0 },
	{ GW_IKE_ENCR_AES_CBC, 256, GW_IKE_INTEG_HMAC_SHA2_512_256, 0 },
};

static int
sk_random(const struct gw_ike_algs *a, struct gw_ike_sk **sk)
{
	uint8_t ek[GW_IKE_ENCR_KEYMAT_MAX], ak[GW_IKE_INTEG_KEY_MAX];
	size_t kl, sl, al = integ_key_len(a->integ);

	if (gw_ike_encr_sizes(a->encr, a->encr_key_bits, &kl, &sl) != 0 ||
	    gw_ike_random(ek, sizeof(ek)) != 0 || gw_ike_random(ak, sizeof(ak)))
		return -1;
	return gw_ike_sk_new(sk, a, ek, kl + sl, al ? ak : NULL, al);
}

/* An IKE header (optionally behind a non-ESP marker) and an SK header. */
static void
build_hdr(size_t hdr_off, size_t sk_off)
{
	memset(msg, 0, sk_off + 4);
	for (size_t i = 0; i < 16; i++)
		msg[hdr_off + i] = (uint8_t)(0x10 + i);
	msg[hdr_off + 16] = sk_off == hdr_off + 28 ? 46 : 41;
	msg[hdr_off + 17] = 0x20;
	msg[hdr_off + 18] = 35;
	msg[hdr_off + 19] = 0x08;
	put32(msg + hdr_off + 20, 1);
	if (sk_off > hdr_off + 28) {       /* an unencrypted payload */
		msg[hdr_off + 28] = 46;
		msg[hdr_off + 31] = (uint8_t)(sk_off - hdr_off - 28);
	}
	msg[sk_off] = 35;
}

static int
test_sk_round_trip(void)
{
	uint8_t plain[300];

	GW_CHECK_EQ(gw_ike_random(plain, sizeof(plain)), 0);
	for (size_t a = 0; a < ARRAY_SIZE(sk_algs); a++) {
		struct gw_ike_sk *sk;

		GW_CHECK_EQ(sk_random(&sk_algs[a], &sk), 0);
		for (size_t n = 0; n <= sizeof(plain); n += (n < 40 ? 1 : 37)) {
			size_t hdr_off = n % 3 == 0 ? 4 : 0;
			size_t sk_off = hdr_off + 28 + (n % 5 == 0 ? 12 : 0);
			size_t len = 0, off = 0, pl = 0;
			int rc1, rc2;

			build_hdr(hdr_off, sk_off);
			rc1 = gw_ike_sk_encrypt(sk, msg, sizeof(msg), hdr_off,
						sk_off, plain, n, &len);
			rc2 = rc1 ? rc1 : gw_ike_sk_decrypt(sk, msg, len, hdr_off,
							    sk_off, &off, &pl);
			if (rc1 || rc2 || pl != n || memcmp(msg + off, plain, n) ||
			    len != sk_off + gw_ike_sk_payload_len(sk, n)) {
				gw_ike_sk_free(sk);
				GW_CHECK(0, "algs %zu len %zu: rc %d/%d", a, n,
					 rc1, rc2);
			}
		}
		gw_ike_sk_free(sk);
	}
	return 0;
}

static int
test_sk_tamper(void)
{
	uint8_t plain[77], orig[MSG_MAX];

	GW_CHECK_EQ(gw_ike_random(plain, sizeof(plain)), 0);
	for (size_t a = 0; a < ARRAY_SIZE(sk_algs); a++) {
		const size_t hdr_off = 4, sk_off = hdr_off + 28 + 12;
		struct gw_ike_sk *sk;
		size_t len = 0, off, pl, body;
		int fails = 0;

		GW_CHECK_EQ(sk_random(&sk_algs[a], &sk), 0);
		build_hdr(hdr_off, sk_off);
		GW_CHECK_EQ(gw_ike_sk_encrypt(sk, msg, sizeof(msg), hdr_off,
					      sk_off, plain, sizeof(plain), &len), 0);
		memcpy(orig, msg, len);
		body = sk_off + 4 + gw_ike_sk_iv_len(sk);
		/* Everything from the IKE header on is covered. */
		for (size_t i = hdr_off; i < len; i++) {
			bool length_field = (i >= hdr_off + 24 && i < hdr_off + 28) ||
					    i == sk_off + 2 || i == sk_off + 3;
			int want = length_field ? -EINVAL : -EBADMSG;
			int rc;

			memcpy(msg, orig, len);
			msg[i] ^= 0x04;
			rc = gw_ike_sk_decrypt(sk, msg, len, hdr_off, sk_off,
					       &off, &pl);
			if (rc != want) {
				fprintf(stderr, "algs %zu: byte %zu flipped: rc %d\n",
					a, i, rc);
				fails++;
			}
			/* AEAD wipes what it decrypted before the tag failed;
			 * CBC decrypts nothing before the ICV holds. */
			if (rc == -EBADMSG && is_aead(sk_algs[a].encr) &&
			    !all_zero(msg + body, len - body - 16)) {
				fprintf(stderr, "algs %zu: byte %zu: plaintext left\n",
					a, i);
				fails++;
			}
			if (rc == -EBADMSG && !is_aead(sk_algs[a].encr)) {
				msg[i] ^= 0x04;
				if (memcmp(msg, orig, len) != 0) {
					fprintf(stderr, "algs %zu: byte %zu: "
						"decrypted before the ICV\n", a, i);
					fails++;
				}
			}
		}
		/* The untouched message still decrypts. */
		memcpy(msg, orig, len);
		GW_CHECK_EQ(gw_ike_sk_decrypt(sk, msg, len, hdr_off, sk_off, &off,
					      &pl), 0);
		gw_ike_sk_free(sk);
		GW_CHECK_EQ(fails, 0);
	}
	return 0;
}

/*
 * An SK payload laid out by a message writer (gw_ike_wr_sk_begin/_end):
 * IV space, inner payloads, padding of the writer's choice, Pad Length,
 * ICV space, both lengths set. Returns the message length.
 */
static size_t
lay_out(const struct gw_ike_sk *sk, size_t hdr_off, size_t sk_off,
	const uint8_t *plain, size_t n, size_t extra_blocks)
{
	size_t blk = gw_ike_sk_block_len(sk), ivl = gw_ike_sk_iv_len(sk);
	size_t body = sk_off + 4 + ivl;
	size_t pad = (blk - (n + 1) % blk) % blk + extra_blocks * blk;
	size_t end = body + n + pad + 1 + gw_ike_sk_icv_len(sk);

	build_hdr(hdr_off, sk_off);
	memset(msg + sk_off + 4, 0, ivl);
	memcpy(msg + body, plain, n);
	for (size_t i = 0; i < pad; i++)
		msg[body + n + i] = (uint8_t)(0xc0 + i);   /* any content */
	msg[body + n + pad] = (uint8_t)pad;
	memset(msg + end - gw_ike_sk_icv_len(sk), 0, gw_ike_sk_icv_len(sk));
	msg[sk_off + 2] = (uint8_t)((end - sk_off) >> 8);
	msg[sk_off + 3] = (uint8_t)(end - sk_off);
	put32(msg + hdr_off + 24, (uint32_t)(end - hdr_off));
	return end;
}

static int
test_sk_seal(void)
{
	uint8_t plain[90];

	GW_CHECK_EQ(gw_ike_random(plain, sizeof(plain)), 0);
	for (size_t a = 0; a < ARRAY_SIZE(sk_algs); a++) {
		struct gw_ike_sk *sk;
		size_t len, off = 0, pl = 0;
		int fails = 0;

		GW_CHECK_EQ(sk_random(&sk_algs[a], &sk), 0);
		for (size_t n = 0; n < sizeof(plain); n += 7) {
			size_t hdr_off = n % 2 ? 4 : 0, sk_off = hdr_off + 28;
			int rc1, rc2;

			len = lay_out(sk, hdr_off, sk_off, plain, n, n % 3);
			rc1 = gw_ike_sk_seal(sk, msg, len, hdr_off, sk_off);
			rc2 = rc1 ? rc1 : gw_ike_sk_decrypt(sk, msg, len, hdr_off,
							    sk_off, &off, &pl);
			if (rc1 || rc2 || pl != n || memcmp(msg + off, plain, n)) {
				fprintf(stderr, "algs %zu n %zu: rc %d/%d\n", a, n,
					rc1, rc2);
				fails++;
			}
		}
		/* A Pad Length beyond the ciphertext. */
		len = lay_out(sk, 0, 28, plain, 10, 0);
		msg[len - gw_ike_sk_icv_len(sk) - 1] = 200;
		fails += gw_ike_sk_seal(sk, msg, len, 0, 28) != -EINVAL;
		/* Lengths that disagree with the buffer. */
		len = lay_out(sk, 0, 28, plain, 10, 0);
		fails += gw_ike_sk_seal(sk, msg, len + 1, 0, 28) != -EINVAL;
		put32(msg + 24, (uint32_t)len + 1);
		fails += gw_ike_sk_seal(sk, msg, len, 0, 28) != -EINVAL;
		gw_ike_sk_free(sk);
		GW_CHECK_EQ(fails, 0);
	}
	return 0;
}

static int
test_sk_malformed(void)
{
	const struct gw_ike_algs cbc = { GW_IKE_ENCR_AES_CBC, 128,
					 GW_IKE_INTEG_HMAC_SHA2_256_128, 0 };
	const struct gw_ike_algs gcm = { GW_IKE_ENCR_AES_GCM_16, 128,
					 GW_IKE_INTEG_NONE, 0 };
	struct gw_ike_sk *sk;
	uint8_t plain[20] = { 1, 2, 3 };
	size_t len = 0, off, pl;

	GW_CHECK_EQ(sk_random(&cbc, &sk), 0);
	build_hdr(0, 28);
	GW_CHECK_EQ(gw_ike_sk_encrypt(sk, msg, sizeof(msg), 0, 28, plain,
				      sizeof(plain), &len), 0);
	/* Offsets that leave no room for the IKE header. */
	GW_CHECK_EQ(gw_ike_sk_decrypt(sk, msg, len, 4, 28, &off, &pl), -EINVAL);
	GW_CHECK_EQ(gw_ike_sk_decrypt(sk, msg, len, 0, len - 2, &off, &pl),
		    -EINVAL);
	GW_CHECK_EQ(gw_ike_sk_decrypt(sk, msg, len, 0, len + 1, &off, &pl),
		    -EINVAL);
	/* Trailing bytes after the SK payload. */
	GW_CHECK_EQ(gw_ike_sk_decrypt(sk, msg, len + 1, 0, 28, &off, &pl),
		    -EINVAL);
	/* Ciphertext not a multiple of the block size (lengths consistent). */
	msg[28 + 3] -= 1;
	put32(msg + 24, len - 1);
	GW_CHECK_EQ(gw_ike_sk_decrypt(sk, msg, len - 1, 0, 28, &off, &pl),
		    -EINVAL);
	/* Shorter than IV + one block + ICV. */
	msg[28 + 2] = 0;
	msg[28 + 3] = 4 + 16 + 16 + 15;
	put32(msg + 24, 28 + 4 + 16 + 16 + 15);
	GW_CHECK_EQ(gw_ike_sk_decrypt(sk, msg, 28 + 4 + 16 + 16 + 15, 0, 28,
				      &off, &pl), -EINVAL);
	/* Encrypt: offsets and capacity. */
	GW_CHECK_EQ(gw_ike_sk_encrypt(sk, msg, sizeof(msg), 0, 27, plain, 3,
				      &len), -EINVAL);
	GW_CHECK_EQ(gw_ike_sk_encrypt(sk, msg, 28 + gw_ike_sk_payload_len(sk, 20)
				      - 1, 0, 28, plain, 20, &len), -ENOSPC);
	GW_CHECK_EQ(gw_ike_sk_encrypt(sk, msg, 28 + gw_ike_sk_payload_len(sk, 20),
				      0, 28, plain, 20, &len), 0);
	GW_CHECK_EQ(gw_ike_sk_encrypt(sk, msg, sizeof(msg), 0, 28, NULL, 3,
				      &len), -EINVAL);
	gw_ike_sk_free(sk);

	/* AEAD: the smallest payload holds IV, Pad Length and tag. */
	GW_CHECK_EQ(sk_random(&gcm, &sk), 0);
	GW_CHECK_EQ(gw_ike_sk_payload_len(sk, 0), 4 + 8 + 1 + 16);
	build_hdr(0, 28);
	GW_CHECK_EQ(gw_ike_sk_encrypt(sk, msg, sizeof(msg), 0, 28, NULL, 0,
				      &len), 0);
	GW_CHECK_EQ(gw_ike_sk_decrypt(sk, msg, len, 0, 28, &off, &pl), 0);
	GW_CHECK_EQ(pl, 0);
	msg[28 + 3] -= 1;
	put32(msg + 24, len - 1);
	GW_CHECK_EQ(gw_ike_sk_decrypt(sk, msg, len - 1, 0, 28, &off, &pl),
		    -EINVAL);
	gw_ike_sk_free(sk);
	return 0;
}

static int
test_sk_iv(void)
{
	uint8_t plain[10] = { 0 }, iv1[16], iv2[16];
	size_t len;

	for (size_t a = 0; a < ARRAY_SIZE(sk_algs); a++) {
		struct gw_ike_sk *sk;
		size_t ivl;
		uint64_t c1 = 0, c2 = 0;

		GW_CHECK_EQ(sk_random(&sk_algs[a], &sk), 0);
		ivl = gw_ike_sk_iv_len(sk);
		build_hdr(0, 28);
		GW_CHECK_EQ(gw_ike_sk_encrypt(sk, msg, sizeof(msg), 0, 28, plain,
					      sizeof(plain), &len), 0);
		memcpy(iv1, msg + 32, ivl);
		build_hdr(0, 28);
		GW_CHECK_EQ(gw_ike_sk_encrypt(sk, msg, sizeof(msg), 0, 28, plain,
					      sizeof(plain), &len), 0);
		memcpy(iv2, msg + 32, ivl);
		gw_ike_sk_free(sk);
		GW_CHECK(memcmp(iv1, iv2, ivl) != 0, "algs %zu: IV repeated", a);
		if (ivl != 8)
			continue;
		/* AEAD: a counter, so never a repeat under one key. */
		for (int i = 0; i < 8; i++) {
			c1 = c1 << 8 | iv1[i];
			c2 = c2 << 8 | iv2[i];
		}
		GW_CHECK(c2 == c1 + 1, "algs %zu: IV not a counter", a);
	}
	return 0;
}

static int
test_sk_new_errors(void)
{
	const uint8_t k[64] = { 0 };
	struct gw_ike_sk *sk = (struct gw_ike_sk *)&sk;
	size_t kl = 0, sl = 0;
	struct gw_ike_algs a;

	a = (struct gw_ike_algs){ GW_IKE_ENCR_AES_GCM_16, 128,
				  GW_IKE_INTEG_HMAC_SHA2_256_128, 0 };
	GW_CHECK_EQ(gw_ike_sk_new(&sk, &a, k, 20, k, 32), -EINVAL);
	GW_CHECK(sk == NULL, "out not cleared");
	a = (struct gw_ike_algs){ GW_IKE_ENCR_AES_CBC, 128, GW_IKE_INTEG_NONE, 0 };
	GW_CHECK_EQ(gw_ike_sk_new(&sk, &a, k, 16, NULL, 0), -EINVAL);
	a = (struct gw_ike_algs){ GW_IKE_ENCR_AES_GCM_16, 64, GW_IKE_INTEG_NONE, 0 };
	GW_CHECK_EQ(gw_ike_sk_new(&sk, &a, k, 12, NULL, 0), -ENOTSUP);
	a = (struct gw_ike_algs){ GW_IKE_ENCR_AES_GCM_16, 128, GW_IKE_INTEG_NONE, 0 };
	GW_CHECK_EQ(gw_ike_sk_new(&sk, &a, k, 16, NULL, 0), -EINVAL); /* no salt */
	GW_CHECK_EQ(gw_ike_sk_new(&sk, &a, k, 20, NULL, 0), 0);
	gw_ike_sk_free(sk);
	a = (struct gw_ike_algs){ GW_IKE_ENCR_AES_CBC, 256,
				  GW_IKE_INTEG_HMAC_SHA2_256_128, 0 };
	GW_CHECK_EQ(gw_ike_sk_new(&sk, &a, k, 32, k, 20), -EINVAL);
	GW_CHECK_EQ(gw_ike_sk_new(&sk, &a, k, 32, NULL, 32), -EINVAL);
	a = (struct gw_ike_algs){ 3, 192, GW_IKE_INTEG_HMAC_SHA1_96, 0 }; /* 3DES */
	GW_CHECK_EQ(gw_ike_sk_new(&sk, &a, k, 24, k, 20), -ENOTSUP);
	a = (struct gw_ike_algs){ GW_IKE_ENCR_CHACHA20_POLY1305, 128,
				  GW_IKE_INTEG_NONE, 0 };
	GW_CHECK_EQ(gw_ike_sk_new(&sk, &a, k, 20, NULL, 0), -ENOTSUP);
	a = (struct gw_ike_algs){ GW_IKE_ENCR_AES_CBC, 128, 5, 0 };  /* XCBC */
	GW_CHECK_EQ(gw_ike_sk_new(&sk, &a, k, 16, k, 16), -ENOTSUP);

	GW_CHECK_EQ(gw_ike_encr_sizes(GW_IKE_ENCR_CHACHA20_POLY1305, 0, &kl,
					&sl), 0);
	GW_CHECK(kl == 32 && sl == 4, "chacha %zu+%zu", kl, sl);
	GW_CHECK_EQ(gw_ike_encr_sizes(GW_IKE_ENCR_AES_GCM_16, 256, &kl, &sl), 0);
	GW_CHECK(kl == 32 && sl == 4, "gcm256 %zu+%zu", kl, sl);
	GW_CHECK_EQ(gw_ike_encr_sizes(GW_IKE_ENCR_AES_CBC, 192, &kl, &sl), 0);
	GW_CHECK(kl == 24 && sl == 0, "cbc192 %zu+%zu", kl, sl);
	GW_CHECK(is_aead(GW_IKE_ENCR_AES_GCM_16) &&
		 is_aead(GW_IKE_ENCR_CHACHA20_POLY1305) &&
		 !is_aead(GW_IKE_ENCR_AES_CBC), "aead");
	gw_ike_sk_free(NULL);
	return 0;
}

static const struct gw_test_case sk_cases[] = {
	{ "kat_encrypt", test_sk_kat_encrypt },
	{ "kat_decrypt", test_sk_kat_decrypt },
	{ "round_trip_all_transforms", test_sk_round_trip },
	{ "tamper_every_byte", test_sk_tamper },
	{ "seal_laid_out_payload", test_sk_seal },
	{ "malformed", test_sk_malformed },
	{ "iv_never_repeats", test_sk_iv },
	{ "transform_errors", test_sk_new_errors },
	{ NULL, NULL },
};

static const struct gw_test_suite sk_suite = {
	.name = "ike-sk", .cases = sk_cases,
};

/* ================= Key material ================= */

static int
check_sa_keys(const struct gw_ike_sa_keys *k, const struct ike_sa_kat *v)
{
	GW_CHECK_EQ(k->prf_len, v->sk_d_len);
	GW_CHECK_EQ(k->integ_len, v->sk_ai_len);
	GW_CHECK_EQ(k->encr_len, v->sk_ei_len);
	GW_CHECK(memcmp(k->sk_d, v->sk_d, v->sk_d_len) == 0, "%s: SK_d", v->name);
	GW_CHECK(memcmp(k->sk_ai, v->sk_ai, v->sk_ai_len) == 0, "%s: SK_ai", v->name);
	GW_CHECK(memcmp(k->sk_ar, v->sk_ar, v->sk_ar_len) == 0, "%s: SK_ar", v->name);
	GW_CHECK(memcmp(k->sk_ei, v->sk_ei, v->sk_ei_len) == 0, "%s: SK_ei", v->name);
	GW_CHECK(memcmp(k->sk_er, v->sk_er, v->sk_er_len) == 0, "%s: SK_er", v->name);
	GW_CHECK(memcmp(k->sk_pi, v->sk_pi, v->sk_pi_len) == 0, "%s: SK_pi", v->name);
	GW_CHECK(memcmp(k->sk_pr, v->sk_pr, v->sk_pr_len) == 0, "%s: SK_pr", v->name);
	return 0;
}

static int
test_sa_kat(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(ike_sa_kats); i++) {
		const struct ike_sa_kat *v = &ike_sa_kats[i];
		struct gw_ike_algs a = { v->encr, v->bits, v->integ, v->prf };
		struct gw_ike_sa_keys k, old;
		uint8_t seed[GW_IKE_PRF_MAX];
		int rc;

		if (v->old_prf == 0) {
			GW_CHECK_EQ(gw_ike_skeyseed(v->prf, v->gir, v->gir_len,
					v->ni, v->ni_len, v->nr, v->nr_len, seed), 0);
			GW_CHECK(memcmp(seed, v->skeyseed, v->skeyseed_len) == 0,
				 "%s: SKEYSEED", v->name);
			rc = gw_ike_sa_keys_derive(&k, &a, v->gir, v->gir_len,
						   v->ni, v->ni_len, v->nr,
						   v->nr_len, v->spii, v->spir);
		} else {
			GW_CHECK_EQ(gw_ike_skeyseed_rekey(v->old_prf, v->old_sk_d,
					v->old_sk_d_len, v->gir, v->gir_len,
					v->ni, v->ni_len, v->nr, v->nr_len,
					seed), 0);
			GW_CHECK(memcmp(seed, v->skeyseed, v->skeyseed_len) == 0,
				 "%s: SKEYSEED", v->name);
			memset(&old, 0, sizeof(old));
			old.algs = (struct gw_ike_algs){ GW_IKE_ENCR_AES_GCM_16,
				256, GW_IKE_INTEG_NONE, v->old_prf };
			old.prf_len = v->old_sk_d_len;
			memcpy(old.sk_d, v->old_sk_d, v->old_sk_d_len);
			rc = gw_ike_sa_keys_derive_rekey(&k, &a, &old, v->gir,
					v->gir_len, v->ni, v->ni_len, v->nr,
					v->nr_len, v->spii, v->spir);
			GW_CHECK_EQ(gw_ike_sa_keys_derive_rekey(&old, &a, &old,
					v->gir, v->gir_len, v->ni, v->ni_len,
					v->nr, v->nr_len, v->spii, v->spir),
				    -EINVAL);
		}
		GW_CHECK(rc == 0, "%s: rc %d", v->name, rc);
		GW_CHECK(k.algs.prf == v->prf && k.algs.encr == v->encr,
			 "%s: algs", v->name);
		if (check_sa_keys(&k, v))
			return -1;
		/* The split alone, from the published SKEYSEED. */
		GW_CHECK_EQ(gw_ike_sa_keys_from_skeyseed(&k, &a, v->skeyseed,
				v->skeyseed_len, v->ni, v->ni_len, v->nr,
				v->nr_len, v->spii, v->spir), 0);
		if (check_sa_keys(&k, v))
			return -1;
		gw_ike_sa_keys_wipe(&k);
		GW_CHECK(all_zero(&k, sizeof(k)), "%s: wipe", v->name);
	}
	return 0;
}

static int
check_esp(const struct gw_ike_esp_keys *e, const uint8_t *ek, size_t ekl,
	  const uint8_t *s, size_t sl, const uint8_t *ak, size_t akl,
	  const char *name)
{
	GW_CHECK(e->enc_key_len == ekl && memcmp(e->enc_key, ek, ekl) == 0,
		 "%s: encryption key", name);
	GW_CHECK(e->salt_len == sl && memcmp(e->salt, s, sl) == 0,
		 "%s: salt", name);
	GW_CHECK(e->integ_key_len == akl && memcmp(e->integ_key, ak, akl) == 0,
		 "%s: integrity key", name);
	return 0;
}

static int
test_child_kat(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(ike_child_kats); i++) {
		const struct ike_child_kat *v = &ike_child_kats[i];
		struct gw_ike_algs esp = { v->encr, v->bits, v->integ, 0 };
		struct gw_ike_sa_keys ike;
		struct gw_ike_child_keys c;

		memset(&ike, 0, sizeof(ike));
		ike.algs = (struct gw_ike_algs){ GW_IKE_ENCR_AES_GCM_16, 256,
						 GW_IKE_INTEG_NONE, v->prf };
		ike.prf_len = v->sk_d_len;
		memcpy(ike.sk_d, v->sk_d, v->sk_d_len);
		GW_CHECK_EQ(gw_ike_child_keys_derive(&c, &esp, &ike,
				v->gir_len ? v->gir : NULL, v->gir_len,
				v->ni, v->ni_len, v->nr, v->nr_len), 0);
		if (check_esp(&c.i2r, v->ei, v->ei_len, v->si, v->si_len, v->ai,
			      v->ai_len, v->name) ||
		    check_esp(&c.r2i, v->er, v->er_len, v->sr, v->sr_len, v->ar,
			      v->ar_len, v->name))
			return -1;
		/* Our outbound SA is the peer's inbound one. */
		GW_CHECK(gw_ike_child_keys_dir(&c, true, true) == &c.i2r &&
			 gw_ike_child_keys_dir(&c, false, false) == &c.i2r &&
			 gw_ike_child_keys_dir(&c, true, false) == &c.r2i &&
			 gw_ike_child_keys_dir(&c, false, true) == &c.r2i,
			 "directions");
		gw_ike_child_keys_wipe(&c);
		GW_CHECK(all_zero(&c, sizeof(c)), "%s: wipe", v->name);
	}
	return 0;
}

static int
test_keymat_errors(void)
{
	const struct ike_sa_kat *v = &ike_sa_kats[0];
	struct gw_ike_algs a = { v->encr, v->bits, v->integ, v->prf };
	struct gw_ike_algs bad;
	struct gw_ike_sa_keys k;
	struct gw_ike_child_keys c;
	uint8_t seed[GW_IKE_PRF_MAX];
	uint8_t n[300] = { 1 };

	GW_CHECK_EQ(gw_ike_skeyseed(v->prf, v->gir, v->gir_len, n, 15, v->nr,
				    v->nr_len, seed), -EINVAL);
	GW_CHECK_EQ(gw_ike_skeyseed(v->prf, v->gir, v->gir_len, n, 257, v->nr,
				    v->nr_len, seed), -EINVAL);
	GW_CHECK_EQ(gw_ike_skeyseed(v->prf, v->gir, v->gir_len, n, 256, n,
				    16, seed), 0);
	GW_CHECK_EQ(gw_ike_skeyseed(v->prf, NULL, 0, n, 32, n, 32, seed), -EINVAL);
	GW_CHECK_EQ(gw_ike_skeyseed(1, v->gir, v->gir_len, n, 32, n, 32, seed),
		    -ENOTSUP);      /* HMAC-MD5 */

	memset(&k, 0xee, sizeof(k));
	bad = a;
	bad.integ = GW_IKE_INTEG_NONE;   /* CBC without integrity */
	GW_CHECK_EQ(gw_ike_sa_keys_derive(&k, &bad, v->gir, v->gir_len, v->ni,
			v->ni_len, v->nr, v->nr_len, v->spii, v->spir), -EINVAL);
	GW_CHECK(all_zero(&k, sizeof(k)), "keys left after an error");
	bad = (struct gw_ike_algs){ GW_IKE_ENCR_AES_GCM_16, 256,
				    GW_IKE_INTEG_HMAC_SHA2_256_128, 5 };
	GW_CHECK_EQ(gw_ike_sa_keys_derive(&k, &bad, v->gir, v->gir_len, v->ni,
			v->ni_len, v->nr, v->nr_len, v->spii, v->spir), -EINVAL);
	bad = a;
	bad.prf = 4;    /* PRF_AES128_XCBC */
	GW_CHECK_EQ(gw_ike_sa_keys_derive(&k, &bad, v->gir, v->gir_len, v->ni,
			v->ni_len, v->nr, v->nr_len, v->spii, v->spir), -ENOTSUP);

	GW_CHECK_EQ(gw_ike_sa_keys_derive(&k, &a, v->gir, v->gir_len, v->ni,
			v->ni_len, v->nr, v->nr_len, v->spii, v->spir), 0);
	memset(&c, 0xee, sizeof(c));
	bad = (struct gw_ike_algs){ GW_IKE_ENCR_AES_GCM_16, 128,
				    GW_IKE_INTEG_NONE, 0 };
	GW_CHECK_EQ(gw_ike_child_keys_derive(&c, &bad, &k, NULL, 32, v->ni,
					     v->ni_len, v->nr, v->nr_len), -EINVAL);
	GW_CHECK(all_zero(&c, sizeof(c)), "child keys left after an error");
	GW_CHECK_EQ(gw_ike_child_keys_derive(&c, &bad, &k, NULL, 0, v->ni, 8,
					     v->nr, v->nr_len), -EINVAL);
	k.prf_len = 20;   /* inconsistent with PRF_HMAC_SHA2_256 */
	GW_CHECK_EQ(gw_ike_child_keys_derive(&c, &bad, &k, NULL, 0, v->ni,
					     v->ni_len, v->nr, v->nr_len), -EINVAL);
	gw_ike_sa_keys_wipe(&k);
	return 0;
}

/*
 * Two peers, each with only its own private key and the other's public
 * value, derive the same IKE SA and Child SA keys; each direction's SK
 * protection opens only on the other side.
 */
static int
peers(uint16_t group, const struct gw_ike_algs *ike_algs,
      const struct gw_ike_algs *esp_algs)
{
	struct gw_ike_ke *di = NULL, *dr = NULL;
	struct gw_ike_sa_keys ki, kr;
	struct gw_ike_child_keys ci, cr;
	struct gw_ike_sk *i_out = NULL, *i_in = NULL, *r_out = NULL, *r_in = NULL;
	uint8_t kei[GW_IKE_KE_MAX], ker[GW_IKE_KE_MAX];
	uint8_t ni[32], nr[32], spii[8], spir[8], plain[64];
	const uint8_t *gi, *gr;
	size_t gil = 0, grl = 0, len = 0, off, pl, ke = ke_len(group);
	int rc = -1;

	if (gw_ike_ke_new(&di, group, false) || gw_ike_ke_new(&dr, group, false) ||
	    gw_ike_ke_export(di, kei, sizeof(kei)) != (int)ke ||
	    gw_ike_ke_export(dr, ker, sizeof(ker)) != (int)ke ||
	    gw_ike_ke_derive(di, ker, ke) || gw_ike_ke_derive(dr, kei, ke))
		goto out;
	gi = gw_ike_ke_secret(di, &gil);
	gr = gw_ike_ke_secret(dr, &grl);
	if (gw_ike_random(ni, sizeof(ni)) || gw_ike_random(nr, sizeof(nr)) ||
	    gw_ike_random(spii, 8) || gw_ike_random(spir, 8) ||
	    gw_ike_random(plain, sizeof(plain)))
		goto out;
	if (gw_ike_sa_keys_derive(&ki, ike_algs, gi, gil, ni, 32, nr, 32, spii,
				  spir) ||
	    gw_ike_sa_keys_derive(&kr, ike_algs, gr, grl, ni, 32, nr, 32, spii,
				  spir) ||
	    memcmp(&ki, &kr, sizeof(ki)) != 0)
		goto out;
	if (gw_ike_sa_keys_sk_new(&ki, true, &i_out, &i_in) ||
	    gw_ike_sa_keys_sk_new(&kr, false, &r_out, &r_in))
		goto out;
	/* Initiator -> responder. */
	build_hdr(0, 28);
	if (gw_ike_sk_encrypt(i_out, msg, sizeof(msg), 0, 28, plain,
			      sizeof(plain), &len) ||
	    gw_ike_sk_decrypt(i_in, msg, len, 0, 28, &off, &pl) != -EBADMSG)
		goto out;
	build_hdr(0, 28);
	if (gw_ike_sk_encrypt(i_out, msg, sizeof(msg), 0, 28, plain,
			      sizeof(plain), &len) ||
	    gw_ike_sk_decrypt(r_in, msg, len, 0, 28, &off, &pl) ||
	    pl != sizeof(plain) || memcmp(msg + off, plain, pl))
		goto out;
	/* Responder -> initiator. */
	build_hdr(0, 28);
	if (gw_ike_sk_encrypt(r_out, msg, sizeof(msg), 0, 28, plain, 17, &len) ||
	    gw_ike_sk_decrypt(i_in, msg, len, 0, 28, &off, &pl) || pl != 17 ||
	    memcmp(msg + off, plain, pl))
		goto out;
	/* A Child SA with PFS, from the same DH secrets for brevity. */
	if (gw_ike_child_keys_derive(&ci, esp_algs, &ki, gi, gil, ni, 32, nr, 32) ||
	    gw_ike_child_keys_derive(&cr, esp_algs, &kr, gr, grl, ni, 32, nr, 32) ||
	    memcmp(gw_ike_child_keys_dir(&ci, true, true),
		   gw_ike_child_keys_dir(&cr, false, false),
		   sizeof(struct gw_ike_esp_keys)) ||
	    memcmp(gw_ike_child_keys_dir(&ci, true, false),
		   gw_ike_child_keys_dir(&cr, false, true),
		   sizeof(struct gw_ike_esp_keys)) ||
	    memcmp(ci.i2r.enc_key, ci.r2i.enc_key, ci.i2r.enc_key_len) == 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "peers in group %u, encr %u failed\n", group,
			ike_algs->encr);
	gw_ike_sk_free(i_out);
	gw_ike_sk_free(i_in);
	gw_ike_sk_free(r_out);
	gw_ike_sk_free(r_in);
	gw_ike_sa_keys_wipe(&ki);
	gw_ike_sa_keys_wipe(&kr);
	gw_ike_child_keys_wipe(&ci);
	gw_ike_child_keys_wipe(&cr);
	gw_ike_ke_free(di);
	gw_ike_ke_free(dr);
	return rc;
}

static int
test_two_peers(void)
{
	const struct gw_ike_algs gcm = { GW_IKE_ENCR_AES_GCM_16, 256,
		GW_IKE_INTEG_NONE, GW_IKE_PRF_HMAC_SHA2_256 };
	const struct gw_ike_algs cbc = { GW_IKE_ENCR_AES_CBC, 256,
		GW_IKE_INTEG_HMAC_SHA2_256_128, GW_IKE_PRF_HMAC_SHA2_384 };
	const struct gw_ike_algs chacha = { GW_IKE_ENCR_CHACHA20_POLY1305, 0,
		GW_IKE_INTEG_NONE, GW_IKE_PRF_HMAC_SHA2_512 };
	const struct gw_ike_algs esp_gcm128 = { GW_IKE_ENCR_AES_GCM_16, 128,
		GW_IKE_INTEG_NONE, 0 };
	const struct gw_ike_algs esp_cbc = { GW_IKE_ENCR_AES_CBC, 128,
		GW_IKE_INTEG_HMAC_SHA2_512_256, 0 };

	GW_CHECK_EQ(peers(GW_IKE_DH_ECP256, &gcm, &esp_gcm128), 0);
	GW_CHECK_EQ(peers(GW_IKE_DH_MODP2048, &cbc, &esp_cbc), 0);
	GW_CHECK_EQ(peers(GW_IKE_DH_CURVE25519, &chacha, &esp_gcm128), 0);
	GW_CHECK_EQ(peers(GW_IKE_DH_ECP521, &cbc, &esp_gcm128), 0);
	return 0;
}

static const struct gw_test_case keymat_cases[] = {
	{ "ike_sa_and_rekey_kat", test_sa_kat },
	{ "child_sa_kat", test_child_kat },
	{ "errors_wipe", test_keymat_errors },
	{ "two_peers", test_two_peers },
	{ NULL, NULL },
};

static const struct gw_test_suite keymat_suite = {
	.name = "ike-keymat", .cases = keymat_cases,
};

/* ================= AUTH ================= */

static void
kat_octets(const struct ike_auth_kat *v, struct gw_ike_signed_octets *o)
{
	*o = (struct gw_ike_signed_octets){
		.msg = v->msg, .msg_len = v->msg_len,
		.nonce = v->nonce, .nonce_len = v->nonce_len,
		.id = v->id, .id_len = v->id_len,
		.sk_p = v->sk_p, .sk_p_len = v->sk_p_len,
	};
}

static int
test_auth_kat(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(ike_auth_kats); i++) {
		const struct ike_auth_kat *v = &ike_auth_kats[i];
		struct gw_ike_signed_octets o;
		uint8_t out[GW_IKE_PRF_MAX];
		size_t len = 0;

		kat_octets(v, &o);
		GW_CHECK_EQ(gw_ike_maced_id(v->prf, v->sk_p, v->sk_p_len, v->id,
					    v->id_len, out), 0);
		GW_CHECK(memcmp(out, v->maced, v->maced_len) == 0, "%s: MACedID",
			 v->name);
		GW_CHECK_EQ(gw_ike_auth_psk(v->prf, v->psk, v->psk_len, &o, out,
					    &len), 0);
		GW_CHECK_EQ(len, v->auth_len);
		GW_CHECK(memcmp(out, v->auth, len) == 0, "%s: AUTH", v->name);
		GW_CHECK_EQ(gw_ike_auth_psk_verify(v->prf, v->psk, v->psk_len, &o,
						   v->auth, v->auth_len), 0);
	}
	return 0;
}

static int
test_auth_mismatch(void)
{
	const struct ike_auth_kat *v = &ike_auth_kats[0];
	struct gw_ike_signed_octets o;
	uint8_t auth[GW_IKE_PRF_MAX], psk[128], m[1024];

	kat_octets(v, &o);
	for (size_t i = 0; i < v->auth_len; i++) {
		memcpy(auth, v->auth, v->auth_len);
		auth[i] ^= 0x40;
		GW_CHECK_EQ(gw_ike_auth_psk_verify(v->prf, v->psk, v->psk_len, &o,
						   auth, v->auth_len), -EBADMSG);
	}
	GW_CHECK_EQ(gw_ike_auth_psk_verify(v->prf, v->psk, v->psk_len, &o,
					   v->auth, v->auth_len - 1), -EBADMSG);
	GW_CHECK_EQ(gw_ike_auth_psk_verify(v->prf, v->psk, v->psk_len, &o,
					   NULL, 0), -EBADMSG);
	memcpy(psk, v->psk, v->psk_len);
	psk[0] ^= 1;
	GW_CHECK_EQ(gw_ike_auth_psk_verify(v->prf, psk, v->psk_len, &o, v->auth,
					   v->auth_len), -EBADMSG);
	memcpy(m, v->msg, v->msg_len);
	m[v->msg_len - 1] ^= 1;
	o.msg = m;
	GW_CHECK_EQ(gw_ike_auth_psk_verify(v->prf, v->psk, v->psk_len, &o,
					   v->auth, v->auth_len), -EBADMSG);
	/* The responder's octets do not verify as the initiator's. */
	kat_octets(v, &o);
	o.sk_p = ike_auth_kats[4].sk_p;
	GW_CHECK_EQ(gw_ike_auth_psk_verify(v->prf, v->psk, v->psk_len, &o,
					   v->auth, v->auth_len), -EBADMSG);
	/* Errors. */
	kat_octets(v, &o);
	GW_CHECK_EQ(gw_ike_auth_psk(v->prf, v->psk, 0, &o, auth, &(size_t){ 0 }),
		    -EINVAL);
	GW_CHECK_EQ(gw_ike_auth_psk(3, v->psk, v->psk_len, &o, auth,
				    &(size_t){ 0 }), -ENOTSUP);
	o.id_len = 3;
	GW_CHECK_EQ(gw_ike_auth_psk(v->prf, v->psk, v->psk_len, &o, auth,
				    &(size_t){ 0 }), -EINVAL);
	return 0;
}

static const struct gw_test_case auth_cases[] = {
	{ "psk_kat", test_auth_kat },
	{ "mismatch_and_errors", test_auth_mismatch },
	{ NULL, NULL },
};

static const struct gw_test_suite auth_suite = {
	.name = "ike-auth", .cases = auth_cases,
};

GW_TEST_MAIN(&prf_suite, &integ_suite, &dh_suite, &sk_suite, &keymat_suite,
	     &auth_suite)
