/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Setup side of the packet crypto driver: manager allocation and key
 * expansion. The per-packet calls (gw_aead_seal/gw_aead_open) are inline
 * in gw_crypto.h and go straight to the function pointers stored here.
 */
#include <string.h>

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
	/* The GCM context held a packet's counter block and GHASH state. */
	gw_wipe(&c->gcm_ctx, sizeof(c->gcm_ctx));
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
	return 0;
}

void
gw_aead_key_wipe(struct gw_aead_key *k)
{
	gw_wipe(k, sizeof(*k));
}
