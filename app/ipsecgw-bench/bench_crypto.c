/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The crypto limit: intel-ipsec-mb on exactly the bytes the ESP code
 * encrypts for each frame (inner packet + ESP trailer, 8 or 12 bytes of
 * AAD), with no packets around them, through the API the data plane
 * uses: the direct API for AES-GCM, the job API with a whole burst in
 * flight (the multi-buffer lanes) for ChaCha20-Poly1305 and AES-CBC +
 * HMAC. Pipeline figures are reported as a share of this rate.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "bench.h"
#include "gw_esp.h"

#define LIMIT_BUFS 32

/* How a family's limit is taken. */
enum limit_kind { LIMIT_GCM, LIMIT_CHACHA, LIMIT_CBC };

static enum limit_kind
limit_kind(enum gw_esp_alg alg)
{
	if (alg == GW_ALG_AES128GCM16 || alg == GW_ALG_AES256GCM16)
		return LIMIT_GCM;
	return alg == GW_ALG_CHACHA20POLY1305 ? LIMIT_CHACHA : LIMIT_CBC;
}

/* ESP header + IV in front of a CBC payload, as the data plane lays it out. */
#define CBC_HDR (8 + 16)

/* One round over the buffers: every buffer sealed or opened once. */
static void
limit_round(struct gw_crypto_lcore *c, const struct gw_aead_key *k, enum limit_kind kind,
	    uint8_t *buf[], uint16_t len, bool esn, enum bench_dir dir)
{
	uint8_t tag[16], iv[8] = { 0 }, aad[12] = { 0 };
	uint64_t aad_len = esn ? 12 : 8;

	if (kind != LIMIT_GCM) {
		/* the job API, a burst in flight, as the data plane uses it */
		struct gw_job_op ops[LIMIT_BUFS];

		for (int i = 0; i < LIMIT_BUFS; i++)
			ops[i] = (struct gw_job_op){
				.p = buf[i], .clen = len, .aad_len = (uint8_t)aad_len,
				.cipher_off = kind == LIMIT_CBC ? CBC_HDR : 8 + 8,
			};
		/* open: the ICVs do not match, the work is the same */
		if (kind == LIMIT_CBC && dir == BENCH_ENCRYPT)
			gw_cbc_seal_burst(c, k, ops, LIMIT_BUFS, esn);
		else if (kind == LIMIT_CBC)
			gw_cbc_open_burst(c, k, ops, LIMIT_BUFS, esn);
		else if (dir == BENCH_ENCRYPT)
			gw_chacha_seal_burst(c, k, ops, LIMIT_BUFS);
		else
			gw_chacha_open_burst(c, k, ops, LIMIT_BUFS);
		return;
	}
	for (int i = 0; i < LIMIT_BUFS; i++) {
		iv[7] = (uint8_t)i;
		if (dir == BENCH_ENCRYPT)
			k->encrypt(&k->gcm, &c->gcm_ctx, buf[i], buf[i], len, iv, aad,
				   aad_len, tag, 16);
		else
			k->decrypt(&k->gcm, &c->gcm_ctx, buf[i], buf[i], len, iv, aad,
				   aad_len, tag, 16);
	}
}

/* Seconds per operation for one payload length. */
static double
time_per_op(struct gw_crypto_lcore *c, const struct gw_aead_key *k, enum limit_kind kind,
	    uint16_t len, bool esn, enum bench_dir dir, double seconds)
{
	uint8_t *buf[LIMIT_BUFS];
	uint64_t hz = rte_get_tsc_hz(), start, deadline, ops = 0;
	size_t size = ((size_t)len + CBC_HDR + 32 + 4 + 63) & ~(size_t)63;

	for (int i = 0; i < LIMIT_BUFS; i++) {
		buf[i] = aligned_alloc(64, size);
		memset(buf[i], i, size);
	}
	start = rte_rdtsc();
	deadline = start + (uint64_t)(seconds * (double)hz);
	while (rte_rdtsc() < deadline) {
		limit_round(c, k, kind, buf, len, esn, dir);
		ops += LIMIT_BUFS;
	}
	for (int i = 0; i < LIMIT_BUFS; i++)
		free(buf[i]);
	return (double)(rte_rdtsc() - start) / (double)hz / (double)ops;
}

/* The SA's key for the limit, as the data plane expands it. */
static int
limit_key(struct gw_crypto_lcore *c, const struct bench_opts *o, struct gw_aead_key *key)
{
	struct gw_cfg_sa s;
	struct gw_sa sa;
	int rc;

	memset(&s, 0, sizeof(s));
	s.alg = o->alg;
	bench_sa_keys(0, GW_DIR_OUT, &s);
	s.dir = GW_DIR_OUT;
	s.spi = 0x1000;
	s.mode = GW_MODE_TUNNEL;
	gw_addr_parse("192.0.2.1", &s.local);
	gw_addr_parse("192.0.2.2", &s.remote);
	memset(&sa, 0, sizeof(sa));
	rc = gw_esp_sa_init(&sa, &s, c);
	if (rc == 0)
		*key = sa.key;
	gw_esp_sa_wipe(&sa);
	gw_wipe(&s, sizeof(s));
	return rc;
}

double
bench_crypto_limit(struct gw_crypto_lcore *c, const struct bench_opts *o,
		   const struct bench_size *sz, enum bench_dir dir, double seconds)
{
	enum limit_kind kind = limit_kind(o->alg);
	struct gw_aead_key key;
	unsigned weights = 0;
	double t = 0;

	if (limit_key(c, o, &key) != 0)
		return 0;
	for (unsigned k = 0; k < sz->n_frames; k++) {
		uint16_t inner = bench_inner_len(sz->frame[k], dir, o->udp);
		/* ESP encrypts inner + padding + pad length + next header,
		 * aligned to 4 (AEADs) or the AES block (CBC) */
		uint16_t align = kind == LIMIT_CBC ? 16 : 4;
		uint16_t len = (uint16_t)((inner + 2 + align - 1) & ~(align - 1));

		t += sz->weight[k] * time_per_op(c, &key, kind, len, o->esn, dir,
						 seconds / sz->n_frames);
		weights += sz->weight[k];
	}
	gw_aead_key_wipe(&key);
	return (double)weights / t / 1e6;
}
