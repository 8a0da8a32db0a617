/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Setup side of the packet crypto driver: manager allocation and key
 * expansion. The per-packet calls (gw_aead_seal/gw_aead_open) are inline
 * in gw_crypto.h and go straight to the function pointers stored here.
 */
#include <string.h>

#include <sys/random.h>

#include "gw_crypto.h"

int
gw_crypto_lcore_init(struct gw_crypto_lcore *c)
{
	IMB_ARCH arch = IMB_ARCH_NONE;

	memset(c, 0, sizeof(*c));
	c->mgr = alloc_mb_mgr(0);
	if (c->mgr == NULL)
		return -1;
	init_mb_mgr_auto(c->mgr, &arch);
	if (imb_get_errno(c->mgr) != 0 || arch == IMB_ARCH_NONE) {
		free_mb_mgr(c->mgr);
		c->mgr = NULL;
		return -1;
	}
	return 0;
}

void
gw_crypto_lcore_free(struct gw_crypto_lcore *c)
{
	if (c->mgr != NULL)
		free_mb_mgr(c->mgr);
	c->mgr = NULL;
	/* The contexts held a packet's counter block and MAC state. */
	gw_wipe(&c->gcm_ctx, sizeof(c->gcm_ctx));
	gw_wipe(&c->chacha_ctx, sizeof(c->chacha_ctx));
}

const char *
gw_crypto_arch_name(const struct gw_crypto_lcore *c)
{
	if (c->mgr == NULL)
		return "none";
	switch (c->mgr->used_arch) {
	case IMB_ARCH_NOAESNI:
		return "noaesni";
	case IMB_ARCH_SSE:
		return "sse";
	case IMB_ARCH_AVX:
		return "avx";
	case IMB_ARCH_AVX2:
		return "avx2";
	case IMB_ARCH_AVX512:
		return "avx512";
	default:
		return "unknown";
	}
}

int
gw_aead_key_init(struct gw_crypto_lcore *c, struct gw_aead_key *k,
		 const uint8_t *key, unsigned key_len, const uint8_t salt[4])
{
	IMB_MGR *mgr = c->mgr;

	if (mgr == NULL || key == NULL || salt == NULL)
		return -1;
	memset(k, 0, sizeof(*k));
	switch (key_len) {
	case 16:
		IMB_AES128_GCM_PRE(mgr, key, &k->gcm);
		k->encrypt = mgr->gcm128_enc;
		k->decrypt = mgr->gcm128_dec;
		break;
	case 32:
		IMB_AES256_GCM_PRE(mgr, key, &k->gcm);
		k->encrypt = mgr->gcm256_enc;
		k->decrypt = mgr->gcm256_dec;
		break;
	default:
		return -1;
	}
	if (imb_get_errno(mgr) != 0 || k->encrypt == NULL || k->decrypt == NULL) {
		gw_aead_key_wipe(k);
		return -1;
	}
	memcpy(k->salt, salt, sizeof(k->salt));
	k->key_len = (uint8_t)key_len;
	k->icv_len = 16;
	k->ghash_tail = mgr->used_arch == IMB_ARCH_AVX512 &&
			(mgr->features & IMB_FEATURE_VAES) != 0;
	return 0;
}

int
gw_chacha_key_init(struct gw_crypto_lcore *c, struct gw_aead_key *k,
		   const uint8_t *key, unsigned key_len, const uint8_t salt[4])
{
	IMB_MGR *mgr = c->mgr;

	if (mgr == NULL || key == NULL || salt == NULL || key_len != 32 ||
	    mgr->chacha20_poly1305_init == NULL)
		return -1;
	memset(k, 0, sizeof(*k));
	memcpy(k->chacha, key, 32);
	memcpy(k->salt, salt, sizeof(k->salt));
	k->key_len = 32;
	k->icv_len = 16;
	return 0;
}

/* HMAC inner/outer hash states (RFC 2104) after one block of key ^ pad. */
static void
hmac_pads(IMB_MGR *mgr, enum gw_cbc_hmac h, const uint8_t *key, unsigned len,
	  uint8_t ipad[64], uint8_t opad[64])
{
	uint8_t block[128];
	unsigned bs = h == GW_HMAC_SHA256_128 ? 64 : 128;

	memset(block, 0x36, bs);
	for (unsigned i = 0; i < len; i++)
		block[i] ^= key[i];
	switch (h) {
	case GW_HMAC_SHA256_128:
		IMB_SHA256_ONE_BLOCK(mgr, block, ipad);
		break;
	case GW_HMAC_SHA384_192:
		IMB_SHA384_ONE_BLOCK(mgr, block, ipad);
		break;
	case GW_HMAC_SHA512_256:
		IMB_SHA512_ONE_BLOCK(mgr, block, ipad);
		break;
	}
	memset(block, 0x5c, bs);
	for (unsigned i = 0; i < len; i++)
		block[i] ^= key[i];
	switch (h) {
	case GW_HMAC_SHA256_128:
		IMB_SHA256_ONE_BLOCK(mgr, block, opad);
		break;
	case GW_HMAC_SHA384_192:
		IMB_SHA384_ONE_BLOCK(mgr, block, opad);
		break;
	case GW_HMAC_SHA512_256:
		IMB_SHA512_ONE_BLOCK(mgr, block, opad);
		break;
	}
	gw_wipe(block, sizeof(block));
}

int
gw_cbc_key_init(struct gw_crypto_lcore *c, struct gw_aead_key *k,
		const uint8_t *key, unsigned key_len, enum gw_cbc_hmac h,
		const uint8_t *integ_key, unsigned integ_key_len)
{
	/* RFC 4868: the key is as long as the hash output */
	static const struct {
		IMB_HASH_ALG alg;
		uint8_t key_len;
		uint8_t icv_len;
	} hmac[] = {
		[GW_HMAC_SHA256_128] = { IMB_AUTH_HMAC_SHA_256, 32, 16 },
		[GW_HMAC_SHA384_192] = { IMB_AUTH_HMAC_SHA_384, 48, 24 },
		[GW_HMAC_SHA512_256] = { IMB_AUTH_HMAC_SHA_512, 64, 32 },
	};
	IMB_MGR *mgr = c->mgr;
	uint8_t iv_key[16], unused[16 * 11] __attribute__((aligned(16)));

	if (mgr == NULL || key == NULL || integ_key == NULL ||
	    (unsigned)h >= GW_ARRAY_SIZE(hmac) ||
	    integ_key_len != hmac[h].key_len)
		return -1;
	memset(k, 0, sizeof(*k));
	switch (key_len) {
	case 16:
		IMB_AES_KEYEXP_128(mgr, key, k->cbc.enc_keys, k->cbc.dec_keys);
		break;
	case 32:
		IMB_AES_KEYEXP_256(mgr, key, k->cbc.enc_keys, k->cbc.dec_keys);
		break;
	default:
		return -1;
	}
	hmac_pads(mgr, h, integ_key, integ_key_len, k->cbc.ipad, k->cbc.opad);
	if (getrandom(iv_key, sizeof(iv_key), 0) != (ssize_t)sizeof(iv_key)) {
		gw_aead_key_wipe(k);
		return -1;
	}
	IMB_AES_KEYEXP_128(mgr, iv_key, k->cbc.iv_keys, unused);
	gw_wipe(iv_key, sizeof(iv_key));
	gw_wipe(unused, sizeof(unused));
	if (imb_get_errno(mgr) != 0) {
		gw_aead_key_wipe(k);
		return -1;
	}
	k->cbc.hash = hmac[h].alg;
	k->key_len = (uint8_t)key_len;
	k->icv_len = hmac[h].icv_len;
	return 0;
}

void
gw_cbc_key_set_iv_key(struct gw_crypto_lcore *c, struct gw_aead_key *k,
		      const uint8_t iv_key[16])
{
	uint8_t unused[16 * 11] __attribute__((aligned(16)));

	IMB_AES_KEYEXP_128(c->mgr, iv_key, k->cbc.iv_keys, unused);
	gw_wipe(unused, sizeof(unused));
}

static inline uint32_t
esn_append(uint8_t *at, uint32_t seq_hi, int esn)
{
	if (!esn)
		return 0;
	at[0] = (uint8_t)(seq_hi >> 24);
	at[1] = (uint8_t)(seq_hi >> 16);
	at[2] = (uint8_t)(seq_hi >> 8);
	at[3] = (uint8_t)seq_hi;
	return 4;
}

/* What a finished job means for its packet: seal writes the ICV, open
 * compares it in constant time. */
static void
job_complete(const struct gw_aead_key *k, IMB_JOB *job, int encrypt,
	     unsigned *n_ok)
{
	struct gw_job_op *op = job->user_data;

	op->ok = job->status == IMB_STATUS_COMPLETED;
	if (op->ok && encrypt)
		memcpy(op->p + op->cipher_off + op->clen, op->tag, k->icv_len);
	else if (op->ok)
		op->ok = gw_ct_memcmp(op->tag, op->icv, k->icv_len) == 0;
	*n_ok += (unsigned)op->ok;
}

enum job_kind { JOB_CBC_HMAC, JOB_CHACHA };

/* One op as a job of its kind. */
static void
job_fill(IMB_JOB *job, const struct gw_aead_key *k, struct gw_job_op *op,
	 enum job_kind kind, int esn, int encrypt)
{
	uint8_t *icv = op->p + op->cipher_off + op->clen;

	job->chain_order = encrypt ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->cipher_direction = encrypt ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->src = op->p;
	job->dst = op->p + op->cipher_off;
	job->cipher_start_src_offset_in_bytes = op->cipher_off;
	job->msg_len_to_cipher_in_bytes = op->clen;
	job->auth_tag_output = op->tag;
	job->auth_tag_output_len_in_bytes = k->icv_len;
	job->user_data = op;
	if (kind == JOB_CHACHA) {
		job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
		job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
		job->enc_keys = k->chacha;
		job->dec_keys = k->chacha;
		job->key_len_in_bytes = 32;
		job->iv = op->nonce;
		job->iv_len_in_bytes = 12;
		job->hash_start_src_offset_in_bytes = op->cipher_off;
		job->msg_len_to_hash_in_bytes = op->clen;
		job->u.CHACHA20_POLY1305.aad = op->aad;
		job->u.CHACHA20_POLY1305.aad_len_in_bytes = op->aad_len;
		return;
	}
	job->cipher_mode = IMB_CIPHER_CBC;
	job->enc_keys = k->cbc.enc_keys;
	job->dec_keys = k->cbc.dec_keys;
	job->key_len_in_bytes = k->key_len;
	job->iv = op->p + op->cipher_off - 16;
	job->iv_len_in_bytes = 16;
	job->hash_alg = k->cbc.hash;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = op->cipher_off + op->clen +
					esn_append(icv, op->seq_hi, esn);
	job->u.HMAC._hashed_auth_key_xor_ipad = k->cbc.ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = k->cbc.opad;
}

/*
 * The jobs of a burst of one SA: each is submitted as soon as it is
 * filled (the manager hands back the oldest ones once its lanes are full),
 * the rest are flushed at the end. Open authenticates the ciphertext
 * before decrypting it (RFC 4303 3.4.4).
 */
static unsigned
job_burst(struct gw_crypto_lcore *c, const struct gw_aead_key *k, struct gw_job_op *ops,
	  unsigned n, enum job_kind kind, int esn, int encrypt)
{
	IMB_MGR *mgr = c->mgr;
	unsigned n_ok = 0;
	IMB_JOB *job;

	for (unsigned i = 0; i < n; i++) {
		struct gw_job_op *op = &ops[i];

		op->ok = 0;
		if (!encrypt)
			memcpy(op->icv, op->p + op->cipher_off + op->clen, k->icv_len);
		job = IMB_GET_NEXT_JOB(mgr);
		job_fill(job, k, op, kind, esn, encrypt);
		job = IMB_SUBMIT_JOB(mgr);
		while (job != NULL) {
			job_complete(k, job, encrypt, &n_ok);
			job = IMB_GET_COMPLETED_JOB(mgr);
		}
	}
	while ((job = IMB_FLUSH_JOB(mgr)) != NULL)
		job_complete(k, job, encrypt, &n_ok);
	return n_ok;
}

unsigned
gw_cbc_seal_burst(struct gw_crypto_lcore *c, const struct gw_aead_key *k,
		  struct gw_job_op *ops, unsigned n, int esn)
{
	return job_burst(c, k, ops, n, JOB_CBC_HMAC, esn, 1);
}

unsigned
gw_cbc_open_burst(struct gw_crypto_lcore *c, const struct gw_aead_key *k,
		  struct gw_job_op *ops, unsigned n, int esn)
{
	return job_burst(c, k, ops, n, JOB_CBC_HMAC, esn, 0);
}

unsigned
gw_chacha_seal_burst(struct gw_crypto_lcore *c, const struct gw_aead_key *k,
		     struct gw_job_op *ops, unsigned n)
{
	return job_burst(c, k, ops, n, JOB_CHACHA, 0, 1);
}

unsigned
gw_chacha_open_burst(struct gw_crypto_lcore *c, const struct gw_aead_key *k,
		     struct gw_job_op *ops, unsigned n)
{
	return job_burst(c, k, ops, n, JOB_CHACHA, 0, 0);
}

int
gw_cbc_seal(struct gw_crypto_lcore *c, const struct gw_aead_key *k,
	    uint8_t *p, uint32_t cipher_off, uint32_t clen, uint32_t seq_hi,
	    int esn)
{
	struct gw_job_op op = {
		.p = p, .cipher_off = cipher_off, .clen = clen, .seq_hi = seq_hi,
	};
	unsigned ok = gw_cbc_seal_burst(c, k, &op, 1, esn);

	gw_wipe(op.tag, sizeof(op.tag));
	return ok == 1 ? 0 : -1;
}

int
gw_cbc_open(struct gw_crypto_lcore *c, const struct gw_aead_key *k,
	    uint8_t *p, uint32_t cipher_off, uint32_t clen, uint32_t seq_hi,
	    int esn)
{
	struct gw_job_op op = {
		.p = p, .cipher_off = cipher_off, .clen = clen, .seq_hi = seq_hi,
	};
	unsigned ok = gw_cbc_open_burst(c, k, &op, 1, esn);

	gw_wipe(op.tag, sizeof(op.tag));
	return ok == 1 ? 0 : -1;
}

void
gw_aead_key_wipe(struct gw_aead_key *k)
{
	gw_wipe(k, sizeof(*k));
}
