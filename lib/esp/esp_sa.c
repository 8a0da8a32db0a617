/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runtime SA setup: everything a burst function needs is decided here,
 * once, so the per-packet code neither switches on the algorithm nor on
 * the direction.
 */
#include <string.h>

#include <netinet/in.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "esp.h"

/* esp_pad_bytes[i] = i + 1: padding of length n is its first n bytes. */
#define P1(b) (uint8_t)(b)
#define P4(b) P1(b), P1(b + 1), P1(b + 2), P1(b + 3)
#define P16(b) P4(b), P4(b + 4), P4(b + 8), P4(b + 12)
#define P64(b) P16(b), P16(b + 16), P16(b + 32), P16(b + 48)
const uint8_t esp_pad_bytes[256] = {
	P64(1), P64(65), P64(129), P64(193)  /* the last entry wraps to 0 */
};

/* Selectors: IPv4 only for now; v6 needs its own table in struct gw_sa. */
static int
sel4_from_cfg(struct gw_sa_sel4 *out, uint8_t *n_out,
	      const struct gw_prefix *in, unsigned n)
{
	if (n > GW_MAX_TS)
		return -1;
	if (n == 0) {
		/* No selector configured means any (0.0.0.0/0). */
		out[0].net = 0;
		out[0].mask = 0;
		*n_out = 1;
		return 0;
	}
	for (unsigned i = 0; i < n; i++) {
		if (in[i].addr.family != GW_AF_INET || in[i].len > 32)
			return -1;
		out[i].mask = gw_v4_mask(in[i].len);
		out[i].net = in[i].addr.v4 & out[i].mask;
	}
	*n_out = (uint8_t)n;
	return 0;
}

static void
outer_template_v4(struct gw_sa *sa)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)sa->hdr;
	bool udp = sa->flags & GW_SA_F_UDP;

	memset(sa->hdr, 0, sizeof(sa->hdr));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->fragment_offset = 0;   /* DF clear: allow fragmentation after us */
	ip->time_to_live = 64;
	ip->next_proto_id = udp ? IPPROTO_UDP : IPPROTO_ESP;
	ip->src_addr = rte_cpu_to_be_32(sa->local.v4);
	ip->dst_addr = rte_cpu_to_be_32(sa->remote.v4);
	/* total_length, packet_id and hdr_checksum are set per packet. */
	sa->hdr_len = sizeof(*ip);
	if (udp) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

		u->src_port = rte_cpu_to_be_16(sa->encap_sport);
		u->dst_port = rte_cpu_to_be_16(sa->encap_dport);
		u->dgram_cksum = 0;        /* RFC 3948 2.1: zero over IPv4 */
		sa->hdr_len += sizeof(*u);
	}
	/* per packet only length and id change: their words are added to this */
	sa->hdr_sum = rte_raw_cksum(ip, sizeof(*ip));
}

/* What each algorithm needs, and the burst functions of its family. */
struct esp_alg_info {
	enum esp_family fam;
	uint8_t key_len;
	enum gw_cbc_hmac hmac;     /* CBC only */
	gw_sa_process_fn outb;
	gw_sa_process_fn inb;
};

static int
esp_alg_info(enum gw_esp_alg alg, struct esp_alg_info *i)
{
	static const struct esp_alg_info fam[] = {
		[ESP_FAM_GCM] = { .fam = ESP_FAM_GCM, .outb = gw_esp_outb_tunnel,
				  .inb = gw_esp_inb_tunnel },
		[ESP_FAM_CHACHA] = { .fam = ESP_FAM_CHACHA, .key_len = 32,
				     .outb = gw_esp_outb_tunnel_chacha,
				     .inb = gw_esp_inb_tunnel_chacha },
		[ESP_FAM_CBC] = { .fam = ESP_FAM_CBC,
				  .outb = gw_esp_outb_tunnel_cbc,
				  .inb = gw_esp_inb_tunnel_cbc },
	};

	switch (alg) {
	case GW_ALG_AES128GCM16:
	case GW_ALG_AES256GCM16:
		*i = fam[ESP_FAM_GCM];
		break;
	case GW_ALG_CHACHA20POLY1305:
		*i = fam[ESP_FAM_CHACHA];
		break;
	case GW_ALG_AES128CBC_SHA256:
	case GW_ALG_AES256CBC_SHA256:
		*i = fam[ESP_FAM_CBC];
		i->hmac = GW_HMAC_SHA256_128;
		break;
	case GW_ALG_AES128CBC_SHA384:
	case GW_ALG_AES256CBC_SHA384:
		*i = fam[ESP_FAM_CBC];
		i->hmac = GW_HMAC_SHA384_192;
		break;
	case GW_ALG_AES128CBC_SHA512:
	case GW_ALG_AES256CBC_SHA512:
		*i = fam[ESP_FAM_CBC];
		i->hmac = GW_HMAC_SHA512_256;
		break;
	default:
		return -1;
	}
	i->key_len = (uint8_t)gw_esp_alg_key_len(alg);
	return 0;
}

static int
esp_key_init(struct gw_sa *sa, const struct gw_cfg_sa *cfg,
	     const struct esp_alg_info *ai, struct gw_crypto_lcore *c)
{
	switch (ai->fam) {
	case ESP_FAM_GCM:
		return gw_aead_key_init(c, &sa->key, cfg->key, ai->key_len,
					cfg->salt);
	case ESP_FAM_CHACHA:
		return gw_chacha_key_init(c, &sa->key, cfg->key, ai->key_len,
					  cfg->salt);
	case ESP_FAM_CBC:
		return gw_cbc_key_init(c, &sa->key, cfg->key, ai->key_len,
				       ai->hmac, cfg->integ_key,
				       cfg->integ_key_len);
	}
	return -1;
}

int
gw_esp_sa_init(struct gw_sa *sa, const struct gw_cfg_sa *cfg,
	       struct gw_crypto_lcore *c)
{
	uint16_t owner = sa->owner;
	uint32_t id = sa->id;
	struct esp_alg_info ai;

	if (esp_alg_info(cfg->alg, &ai) != 0)
		return -1;
	if (cfg->key_len != ai.key_len || cfg->mode != GW_MODE_TUNNEL ||
	    cfg->local.family != GW_AF_INET || cfg->remote.family != GW_AF_INET)
		return -1;
	if (cfg->dir != GW_DIR_OUT && cfg->dir != GW_DIR_IN)
		return -1;

	memset(sa, 0, gw_sa_size(cfg->dir, cfg->replay_window));
	sa->size = (uint32_t)gw_sa_size(cfg->dir, cfg->replay_window);
	sa->owner = owner;
	sa->id = id;
	sa->spi = cfg->spi;
	sa->dir = (uint8_t)cfg->dir;
	sa->flags = GW_SA_F_TUNNEL;
	if (cfg->esn)
		sa->flags |= GW_SA_F_ESN;
	if (cfg->udp_encap)
		sa->flags |= GW_SA_F_UDP;
	sa->alg = cfg->alg;
	sa->mode = cfg->mode;
	sa->local = cfg->local;
	sa->remote = cfg->remote;
	sa->encap_sport = cfg->encap_sport;
	sa->encap_dport = cfg->encap_dport;
	memcpy(sa->name, cfg->name, sizeof(sa->name));
	sa->name[sizeof(sa->name) - 1] = '\0';

	if (sel4_from_cfg(sa->local_sel, &sa->n_local_sel, cfg->local_ts,
			  cfg->n_local_ts) != 0 ||
	    sel4_from_cfg(sa->remote_sel, &sa->n_remote_sel, cfg->remote_ts,
			  cfg->n_remote_ts) != 0)
		goto fail;

	sa->seq = 0;
	sa->seq_limit = cfg->esn ? UINT64_MAX : UINT32_MAX;

	if (cfg->dir == GW_DIR_OUT) {
		outer_template_v4(sa);
		sa->process = ai.outb;
	} else {
		if (gw_replay_init(&sa->replay, cfg->replay_window, cfg->esn) != 0)
			goto fail;
		sa->in.local_sel0 = sa->local_sel[0];
		sa->in.remote_sel0 = sa->remote_sel[0];
		sa->in.local_v4 = sa->local.v4;
		sa->process = ai.inb;
	}

	if (esp_key_init(sa, cfg, &ai, c) != 0)
		goto fail;
	if (ai.fam == ESP_FAM_GCM) {
		/* the per-packet parts of the key, in the SA's hot lines */
		memcpy(sa->salt, sa->key.salt, sizeof(sa->salt));
		sa->ghash_tail = sa->key.ghash_tail;
		sa->gcm = cfg->dir == GW_DIR_OUT ? sa->key.encrypt : sa->key.decrypt;
	}
	if (cfg->dir == GW_DIR_OUT)
		sa->overhead = (uint8_t)(sa->hdr_len + sizeof(struct rte_esp_hdr) +
					 esp_iv_len(ai.fam) + esp_align_mask(ai.fam) +
					 sizeof(struct rte_esp_tail) +
					 esp_icv_len(ai.fam, sa));
	return 0;

fail:
	gw_esp_sa_wipe(sa);
	sa->owner = owner;
	sa->id = id;
	return -1;
}

void
gw_esp_sa_wipe(struct gw_sa *sa)
{
	gw_aead_key_wipe(&sa->key);
	gw_wipe(sa, sa->size ? sa->size : sizeof(*sa));
}
