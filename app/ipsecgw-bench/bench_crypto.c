/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The crypto limit: intel-ipsec-mb's direct AES-GCM calls on exactly the
 * bytes the ESP code encrypts for each frame (inner packet + ESP trailer,
 * 8 or 12 bytes of AAD), with no packets around them. Pipeline figures
 * are reported as a share of this rate.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "bench.h"

#define LIMIT_BUFS 32

/* Seconds per operation for one payload length. */
static double
time_per_op(struct gw_crypto_lcore *c, const struct gw_aead_key *k, uint16_t len,
	    bool esn, enum bench_dir dir, double seconds)
{
	uint8_t *buf[LIMIT_BUFS], tag[16], iv[8] = { 0 }, aad[12] = { 0 };
	uint64_t hz = rte_get_tsc_hz(), start, deadline, ops = 0;

	for (int i = 0; i < LIMIT_BUFS; i++) {
		buf[i] = aligned_alloc(64, (len + 63u) & ~63u);
		memset(buf[i], i, len);
	}
	start = rte_rdtsc();
	deadline = start + (uint64_t)(seconds * (double)hz);
	while (rte_rdtsc() < deadline) {
		for (int i = 0; i < LIMIT_BUFS; i++) {
			iv[7] = (uint8_t)i;
			if (dir == BENCH_ENCRYPT)
				k->encrypt(&k->gcm, &c->gcm_ctx, buf[i], buf[i], len, iv,
					   aad, esn ? 12 : 8, tag, 16);
			else
				k->decrypt(&k->gcm, &c->gcm_ctx, buf[i], buf[i], len, iv,
					   aad, esn ? 12 : 8, tag, 16);
		}
		ops += LIMIT_BUFS;
	}
	for (int i = 0; i < LIMIT_BUFS; i++)
		free(buf[i]);
	return (double)(rte_rdtsc() - start) / (double)hz / (double)ops;
}

double
bench_crypto_limit(struct gw_crypto_lcore *c, const struct bench_opts *o,
		   const struct bench_size *sz, enum bench_dir dir, double seconds)
{
	struct gw_aead_key key;
	uint8_t raw[32], salt[4];
	unsigned key_len = gw_esp_alg_key_len(o->alg), weights = 0;
	double t = 0;

	bench_sa_key(0, GW_DIR_OUT, raw, key_len, salt);
	gw_aead_key_init(c, &key, raw, key_len, salt);
	for (unsigned k = 0; k < sz->n_frames; k++) {
		uint16_t inner = bench_inner_len(sz->frame[k], dir, o->udp);
		/* ESP encrypts inner + padding to 4 + pad length + next header */
		uint16_t len = (uint16_t)((inner + 2 + 3) & ~3);

		t += sz->weight[k] * time_per_op(c, &key, len, o->esn, dir,
						 seconds / sz->n_frames);
		weights += sz->weight[k];
	}
	gw_aead_key_wipe(&key);
	return (double)weights / t / 1e6;
}
