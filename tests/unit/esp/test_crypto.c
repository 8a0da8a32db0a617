/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AES-GCM through gw_aead_seal/gw_aead_open against known answers:
 * McGrew-Viega GCM test cases, draft-mcgrew-gcm-test-01 (ESP, ESN AAD),
 * and generated ESP-shaped vectors (tests/vectors/gen_gcm_vectors.py).
 */
#include <stdlib.h>
#include <string.h>

#include "gw_crypto.h"
#include "gw_test.h"

#include "gcm_kat.h"
#include "suites.h"

#define BUF_MAX 2048

static struct gw_crypto_lcore crypto;
static struct gw_aead_key key;
static uint8_t buf[BUF_MAX];
static uint8_t tag[16];

static int
crypto_setup(void)
{
	return gw_crypto_lcore_init(&crypto);
}

static void
crypto_teardown(void)
{
	gw_aead_key_wipe(&key);
	gw_crypto_lcore_free(&crypto);
}

static int
kat_key(const struct gcm_kat *v)
{
	return gw_aead_key_init(&crypto, &key, v->key, v->key_len, v->salt);
}

static int
test_arch(void)
{
	const char *a = gw_crypto_arch_name(&crypto);

	GW_CHECK(strcmp(a, "none") != 0 && strcmp(a, "unknown") != 0,
		 "arch %s", a);
	printf("  intel-ipsec-mb code path: %s\n", a);
	return 0;
}

static int
test_seal_kat(void)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(gcm_kats); i++) {
		const struct gcm_kat *v = &gcm_kats[i];

		GW_CHECK(kat_key(v) == 0, "%s: key", v->name);
		GW_CHECK(v->len <= BUF_MAX, "%s", v->name);
		/* Out of place. */
		memset(buf, 0xee, sizeof(buf));
		gw_aead_seal(&crypto, &key, buf, v->pt, v->len, v->iv, v->aad,
			     v->aad_len, tag);
		GW_CHECK(memcmp(buf, v->ct, v->len) == 0, "%s: ciphertext", v->name);
		GW_CHECK(memcmp(tag, v->tag, 16) == 0, "%s: tag", v->name);
		GW_CHECK(buf[v->len] == 0xee, "%s: wrote past the end", v->name);
		/* In place, as the data path does. */
		memcpy(buf, v->pt, v->len);
		gw_aead_seal(&crypto, &key, buf, buf, v->len, v->iv, v->aad,
			     v->aad_len, tag);
		GW_CHECK(memcmp(buf, v->ct, v->len) == 0, "%s: in place", v->name);
		GW_CHECK(memcmp(tag, v->tag, 16) == 0, "%s: tag in place", v->name);
	}
	return 0;
}

static int
test_open_kat(void)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(gcm_kats); i++) {
		const struct gcm_kat *v = &gcm_kats[i];

		GW_CHECK(kat_key(v) == 0, "%s: key", v->name);
		memcpy(buf, v->ct, v->len);
		GW_CHECK(gw_aead_open(&crypto, &key, buf, buf, v->len, v->iv,
				      v->aad, v->aad_len, v->tag) == 0,
			 "%s: rejected", v->name);
		GW_CHECK(memcmp(buf, v->pt, v->len) == 0, "%s: plaintext", v->name);
	}
	return 0;
}

/* Any single-bit change in ciphertext, tag, AAD, IV or salt is rejected. */
static int
test_open_rejects_tampering(void)
{
	uint8_t t[16], iv[8], aad[32];
	struct gw_aead_key k2;

	for (size_t i = 0; i < GW_ARRAY_SIZE(gcm_kats); i++) {
		const struct gcm_kat *v = &gcm_kats[i];

		GW_CHECK(kat_key(v) == 0, "%s: key", v->name);
		for (unsigned bit = 0; bit < 128; bit += 9) {
			memcpy(t, v->tag, 16);
			t[bit / 8] ^= 1u << (bit % 8);
			memcpy(buf, v->ct, v->len);
			GW_CHECK(gw_aead_open(&crypto, &key, buf, buf, v->len, v->iv,
					      v->aad, v->aad_len, t) == -1,
				 "%s: tag bit %u accepted", v->name, bit);
		}
		if (v->len > 0) {
			memcpy(buf, v->ct, v->len);
			buf[v->len / 2] ^= 0x10;
			GW_CHECK(gw_aead_open(&crypto, &key, buf, buf, v->len, v->iv,
					      v->aad, v->aad_len, v->tag) == -1,
				 "%s: ciphertext change accepted", v->name);
		}
		if (v->aad_len > 0) {
			memcpy(aad, v->aad, v->aad_len);
			aad[v->aad_len - 1] ^= 1;
			memcpy(buf, v->ct, v->len);
			GW_CHECK(gw_aead_open(&crypto, &key, buf, buf, v->len, v->iv,
					      aad, v->aad_len, v->tag) == -1,
				 "%s: AAD change accepted", v->name);
		}
		memcpy(iv, v->iv, 8);
		iv[7] ^= 0x80;
		memcpy(buf, v->ct, v->len);
		GW_CHECK(gw_aead_open(&crypto, &key, buf, buf, v->len, iv, v->aad,
				      v->aad_len, v->tag) == -1,
			 "%s: IV change accepted", v->name);
		k2 = key;
		k2.salt[0] ^= 1;
		memcpy(buf, v->ct, v->len);
		GW_CHECK(gw_aead_open(&crypto, &k2, buf, buf, v->len, v->iv,
				      v->aad, v->aad_len, v->tag) == -1,
			 "%s: salt change accepted", v->name);
	}
	gw_aead_key_wipe(&k2);
	return 0;
}

static int
test_key_init_lengths(void)
{
	static const uint8_t k[32], salt[4];

	GW_CHECK_EQ(gw_aead_key_init(&crypto, &key, k, 16, salt), 0);
	GW_CHECK_EQ(key.key_len, 16);
	GW_CHECK(key.encrypt == crypto.mgr->gcm128_enc, "128 enc fn");
	GW_CHECK(key.decrypt == crypto.mgr->gcm128_dec, "128 dec fn");
	GW_CHECK_EQ(gw_aead_key_init(&crypto, &key, k, 32, salt), 0);
	GW_CHECK_EQ(key.key_len, 32);
	GW_CHECK(key.encrypt == crypto.mgr->gcm256_enc, "256 enc fn");
	GW_CHECK_EQ(gw_aead_key_init(&crypto, &key, k, 24, salt), -1);
	GW_CHECK_EQ(gw_aead_key_init(&crypto, &key, k, 0, salt), -1);
	GW_CHECK_EQ(gw_aead_key_init(&crypto, &key, k, 33, salt), -1);
	return 0;
}

static int
test_key_wipe(void)
{
	const uint8_t *p = (const uint8_t *)&key;

	GW_CHECK(kat_key(&gcm_kats[2]) == 0, "key");
	gw_aead_key_wipe(&key);
	for (size_t i = 0; i < sizeof(key); i++)
		GW_CHECK(p[i] == 0, "byte %zu not wiped", i);
	return 0;
}

static const struct gw_test_case crypto_cases[] = {
	{ "arch", test_arch },
	{ "seal_kat", test_seal_kat },
	{ "open_kat", test_open_kat },
	{ "open_rejects_tampering", test_open_rejects_tampering },
	{ "key_init_lengths", test_key_init_lengths },
	{ "key_wipe", test_key_wipe },
	{ NULL, NULL },
};

const struct gw_test_suite suite_crypto = {
	.name = "crypto",
	.setup = crypto_setup,
	.teardown = crypto_teardown,
	.cases = crypto_cases,
};
