/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AES-GCM through gw_aead_seal/gw_aead_open against known answers:
 * McGrew-Viega GCM test cases, draft-mcgrew-gcm-test-01 (ESP, ESN AAD),
 * and generated ESP-shaped vectors (tests/vectors/gen_gcm_vectors.py).
 * ChaCha20-Poly1305 against RFC 8439 2.8.2; AES-CBC + HMAC-SHA2 against
 * RFC 3602 case 1 with ICVs from Python's hmac (RFC 4868 truncations).
 */
#include <stdio.h>
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

/* RFC 8439 section 2.8.2: nonce = 07000000 | 4041424344454647. */
static int
test_chacha_rfc8439(void)
{
	static const char pt[] = "Ladies and Gentlemen of the class of '99: If I "
		"could offer you only one tip for the future, sunscreen would be it.";
	static const uint8_t ct_head[16] = {
		0xd3, 0x1a, 0x8d, 0x34, 0x64, 0x8e, 0x60, 0xdb,
		0x7b, 0x86, 0xaf, 0xbc, 0x53, 0xef, 0x7e, 0xc2,
	};
	static const uint8_t want_tag[16] = {
		0x1a, 0xe1, 0x0b, 0x59, 0x4f, 0x09, 0xe2, 0x6a,
		0x7e, 0x90, 0x2e, 0xcb, 0xd0, 0x60, 0x06, 0x91,
	};
	static const uint8_t salt[4] = { 0x07, 0x00, 0x00, 0x00 };
	static const uint8_t iv[8] = { 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47 };
	static const uint8_t aad[12] = {
		0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1, 0xc2, 0xc3,
		0xc4, 0xc5, 0xc6, 0xc7,
	};
	uint8_t k[32];
	const size_t len = sizeof(pt) - 1;

	for (int i = 0; i < 32; i++)
		k[i] = (uint8_t)(0x80 + i);
	GW_CHECK(gw_chacha_key_init(&crypto, &key, k, 16, salt) != 0, "key 16");
	GW_CHECK(gw_chacha_key_init(&crypto, &key, k, 32, salt) == 0, "key");
	GW_CHECK_EQ(len, 114);
	gw_chacha_seal(&crypto, &key, buf, (const uint8_t *)pt, len, iv, aad,
		       sizeof(aad), tag);
	GW_CHECK(memcmp(buf, ct_head, sizeof(ct_head)) == 0, "ciphertext");
	GW_CHECK(memcmp(tag, want_tag, 16) == 0, "tag");
	GW_CHECK(gw_chacha_open(&crypto, &key, buf, buf, len, iv, aad,
				sizeof(aad), tag) == 0, "open");
	GW_CHECK(memcmp(buf, pt, len) == 0, "plaintext");
	buf[5] ^= 1;
	GW_CHECK(gw_chacha_open(&crypto, &key, buf, buf, len, iv, aad,
				sizeof(aad), tag) != 0, "tampered opened");
	gw_aead_key_wipe(&key);
	return 0;
}

/*
 * RFC 3602 case 1 (AES-128-CBC, "Single block msg") inside an ESP-shaped
 * buffer: SPI 0x1000, seq 1, IV, one block; ICV = HMAC over all of it
 * (and seq_hi 2 with ESN), integrity key 00 01 02 ...
 */
static int
test_cbc_hmac_kat(void)
{
	static const uint8_t aes_key[16] = {
		0x06, 0xa9, 0x21, 0x40, 0x36, 0xb8, 0xa1, 0x5b,
		0x51, 0x2e, 0x03, 0xd5, 0x34, 0x12, 0x00, 0x06,
	};
	static const uint8_t head[24] = {
		0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x3d, 0xaf, 0xba, 0x42, 0x9d, 0x9e, 0xb4, 0x30,
		0xb4, 0x22, 0xda, 0x80, 0x2c, 0x9f, 0xac, 0x41,
	};
	static const uint8_t ct[16] = {
		0xe3, 0x53, 0x77, 0x9c, 0x10, 0x79, 0xae, 0xb8,
		0x27, 0x08, 0x94, 0x2d, 0xbe, 0x77, 0x18, 0x1a,
	};
	static const struct {
		enum gw_cbc_hmac h;
		unsigned klen, icv_len;
		const char *icv, *icv_esn;
	} v[] = {
		{ GW_HMAC_SHA256_128, 32, 16, "619231f303c5012b7e2c0c216e110452",
		  "9858fd3727ea2071f906ccfee4cf0792" },
		{ GW_HMAC_SHA384_192, 48, 24,
		  "81a5566b72dd5389aa8ff678953f4df3d2dfbe1defc120c6",
		  "43b91c9b695a38c7eb246cc26868fbcfa45476b8cfd83fc8" },
		{ GW_HMAC_SHA512_256, 64, 32,
		  "c54c5683d36ab2294d5d408e829909c441bde74352c5e1738e2033e50b3f1cb2",
		  "d1c3a123da0373f86a7c1524ca079f7e2ee400227772bada49d785374dbc2a95" },
	};
	uint8_t ikey[64], want[32];

	for (int i = 0; i < 64; i++)
		ikey[i] = (uint8_t)i;
	for (size_t i = 0; i < GW_ARRAY_SIZE(v); i++) {
		for (int esn = 0; esn <= 1; esn++) {
			const char *hex = esn ? v[i].icv_esn : v[i].icv;

			for (unsigned j = 0; j < v[i].icv_len; j++) {
				unsigned b;

				sscanf(hex + 2 * j, "%2x", &b);
				want[j] = (uint8_t)b;
			}
			GW_CHECK(gw_cbc_key_init(&crypto, &key, aes_key, 16, v[i].h,
						 ikey, v[i].klen - 1) != 0,
				 "short integ key");
			GW_CHECK(gw_cbc_key_init(&crypto, &key, aes_key, 16, v[i].h,
						 ikey, v[i].klen) == 0, "key");
			GW_CHECK_EQ(key.icv_len, v[i].icv_len);
			memset(buf, 0, 128);
			memcpy(buf, head, sizeof(head));
			memcpy(buf + 24, "Single block msg", 16);
			GW_CHECK(gw_cbc_seal(&crypto, &key, buf, 24, 16, 2, esn) == 0,
				 "seal");
			GW_CHECK(memcmp(buf + 24, ct, 16) == 0, "%zu: ciphertext", i);
			GW_CHECK(memcmp(buf + 40, want, v[i].icv_len) == 0,
				 "%zu esn %d: ICV", i, esn);
			GW_CHECK(gw_cbc_open(&crypto, &key, buf, 24, 16, 2, esn) == 0,
				 "open");
			GW_CHECK(memcmp(buf + 24, "Single block msg", 16) == 0,
				 "plaintext");
			/* wrong seq_hi (ESN) or a flipped ICV bit: refused */
			memcpy(buf + 24, ct, 16);
			memcpy(buf + 40, want, v[i].icv_len);
			if (esn)
				GW_CHECK(gw_cbc_open(&crypto, &key, buf, 24, 16, 3, 1) != 0,
					 "seq_hi 3 opened");
			memcpy(buf + 24, ct, 16);
			memcpy(buf + 40, want, v[i].icv_len);
			buf[40 + v[i].icv_len - 1] ^= 1;
			GW_CHECK(gw_cbc_open(&crypto, &key, buf, 24, 16, 2, esn) != 0,
				 "tampered ICV opened");
		}
	}
	gw_aead_key_wipe(&key);
	return 0;
}

static const struct gw_test_case crypto_cases[] = {
	{ "arch", test_arch },
	{ "seal_kat", test_seal_kat },
	{ "open_kat", test_open_kat },
	{ "open_rejects_tampering", test_open_rejects_tampering },
	{ "key_init_lengths", test_key_init_lengths },
	{ "key_wipe", test_key_wipe },
	{ "chacha_rfc8439", test_chacha_rfc8439 },
	{ "cbc_hmac_kat", test_cbc_hmac_kat },
	{ NULL, NULL },
};

const struct gw_test_suite suite_crypto = {
	.name = "crypto",
	.setup = crypto_setup,
	.teardown = crypto_teardown,
	.cases = crypto_cases,
};
