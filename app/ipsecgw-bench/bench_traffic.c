/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Template frames for the benchmark. Encrypt templates are plaintext
 * frames from the protected side; decrypt templates are the same inner
 * packets already encrypted for the inbound SAs (by the gateway's own
 * outbound code, with mirror SAs), each SA with its own sequence numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "bench.h"
#include "dataplane.h"
#include "gw_esp.h"

#define ETH_LEN ((uint16_t)sizeof(struct rte_ether_hdr))

void
bench_sa_key(uint32_t i, enum gw_sa_dir dir, uint8_t *key, unsigned key_len,
	     uint8_t salt[4])
{
	uint8_t tmp[GW_MAX_KEY_LEN];

	/* a keyed pattern per SA and direction; never a production key */
	for (unsigned k = 0; k < GW_MAX_KEY_LEN; k++)
		tmp[k] = (uint8_t)(0x5a ^ (k * 29) ^ (i * 131) ^ (i >> 8) ^ (dir ? 0xa5 : 0));
	memcpy(key, tmp, RTE_MIN(key_len, (unsigned)GW_MAX_KEY_LEN));
	for (unsigned k = 0; k < 4; k++)
		salt[k] = (uint8_t)(0xc3 ^ k ^ i ^ (dir << 4));
}

unsigned
bench_integ_key_len(enum gw_esp_alg alg)
{
	switch (alg) {
	case GW_ALG_AES128CBC_SHA256:
	case GW_ALG_AES256CBC_SHA256:
		return 32;
	case GW_ALG_AES128CBC_SHA384:
	case GW_ALG_AES256CBC_SHA384:
		return 48;
	case GW_ALG_AES128CBC_SHA512:
	case GW_ALG_AES256CBC_SHA512:
		return 64;
	default:
		return 0;
	}
}

void
bench_sa_keys(uint32_t i, enum gw_sa_dir dir, struct gw_cfg_sa *s)
{
	s->key_len = (uint8_t)gw_esp_alg_key_len(s->alg);
	bench_sa_key(i, dir, s->key, s->key_len, s->salt);
	s->integ_key_len = (uint8_t)bench_integ_key_len(s->alg);
	for (unsigned k = 0; k < s->integ_key_len; k++)
		s->integ_key[k] = (uint8_t)(0x3c ^ (k * 17) ^ (i * 131) ^ (i >> 8) ^
					    (dir ? 0x5a : 0));
}

uint16_t
bench_inner_len(uint16_t frame, enum bench_dir dir, bool udp)
{
	(void)dir, (void)udp;
	/* sizes name the plaintext frame on the protected side, both ways */
	return (uint16_t)(frame - ETH_LEN);
}

/* Plaintext inner IPv4/UDP packet of len bytes from src to dst. */
static void
build_inner(uint8_t *p, uint16_t len, uint32_t src, uint32_t dst, uint32_t seed)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint8_t *payload = (uint8_t *)(udp + 1);
	uint16_t plen = (uint16_t)(len - sizeof(*ip) - sizeof(*udp));

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len);
	ip->packet_id = rte_cpu_to_be_16((uint16_t)seed);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(1024);
	udp->dst_port = rte_cpu_to_be_16(5001);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(plen + sizeof(*udp)));
	udp->dgram_cksum = 0;
	for (uint16_t k = 0; k < plen; k++)
		payload[k] = (uint8_t)(seed + k);
}

/* The size of the i-th frame of a mix: weights spread evenly. */
static uint16_t
mix_frame(const struct bench_size *sz, uint32_t i)
{
	unsigned total = 0, k;

	for (k = 0; k < sz->n_frames; k++)
		total += sz->weight[k];
	i %= total;
	for (k = 0; k < sz->n_frames; k++) {
		if (i < sz->weight[k])
			return sz->frame[k];
		i -= sz->weight[k];
	}
	return sz->frame[0];
}

static unsigned
mix_len(const struct bench_size *sz)
{
	unsigned total = 0;

	for (unsigned k = 0; k < sz->n_frames; k++)
		total += sz->weight[k];
	return total;
}

static void
put_eth(uint8_t *p, uint16_t in_port, uint16_t type)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;

	eth->dst_addr = gw_dp.port[in_port].mac;
	memcpy(&eth->src_addr, "\x02\x00\x00\x00\xbe\x01", 6);
	eth->ether_type = rte_cpu_to_be_16(type);
}

static int
build_encrypt(struct bench_traffic *tr, const struct bench_opts *o,
	      const struct bench_size *sz, uint16_t in_port)
{
	uint32_t n = mix_len(sz) * (o->n_sas < 64 ? o->n_sas : 1);

	/* with many SAs the source rewrites addresses per packet instead */
	tr->t = calloc(n, sizeof(*tr->t));
	if (tr->t == NULL)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		uint16_t frame = mix_frame(sz, i);
		uint32_t sa = i % o->n_sas;
		struct bench_template *t = &tr->t[i];

		t->data = malloc(frame);
		if (t->data == NULL)
			return -1;
		t->len = frame;
		t->sa = sa;
		put_eth(t->data, in_port, RTE_ETHER_TYPE_IPV4);
		build_inner(t->data + ETH_LEN, (uint16_t)(frame - ETH_LEN),
			    bench_local_host(sa), bench_remote_host(sa), i);
		tr->inner_bytes += frame - ETH_LEN;
	}
	tr->n = n;
	return 0;
}

/* A peer's outbound SA mirroring our inbound SA i, to make its traffic. */
static int
mirror_sa(struct gw_sa *sa, const struct bench_opts *o, uint32_t i,
	  struct gw_crypto_lcore *c)
{
	struct gw_cfg_sa cfg;

	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.name, sizeof(cfg.name), "peer-%u", i);
	cfg.dir = GW_DIR_OUT;
	cfg.spi = 0x20000000u + i;
	cfg.mode = GW_MODE_TUNNEL;
	gw_addr_parse("192.0.2.2", &cfg.local);
	gw_addr_parse("192.0.2.1", &cfg.remote);
	cfg.alg = o->alg;
	bench_sa_keys(i, GW_DIR_IN, &cfg);
	cfg.udp_encap = o->udp;
	cfg.encap_sport = cfg.encap_dport = 4500;
	cfg.esn = o->esn;
	return gw_esp_sa_init(sa, &cfg, c);
}

static int
build_decrypt(struct bench_traffic *tr, const struct bench_opts *o,
	      const struct bench_size *sz, uint16_t in_port)
{
	/* enough sequence numbers per SA that rewinds stay rare */
	uint32_t n = o->n_sas > 4096 ? o->n_sas : 4096;
	struct gw_esp_ctx ctx;
	struct gw_worker_stats stats;
	struct gw_sa *peers;
	struct rte_mbuf *m;
	int rc = -1;

	memset(&ctx, 0, sizeof(ctx));
	memset(&stats, 0, sizeof(stats));
	ctx.stats = &stats;
	/* whole SA sets repeat the mix: keep n a multiple of the mix length */
	n = (n + mix_len(sz) - 1) / mix_len(sz) * mix_len(sz);
	peers = rte_zmalloc("bench_peers", sizeof(*peers) * o->n_sas, RTE_CACHE_LINE_SIZE);
	tr->t = calloc(n, sizeof(*tr->t));
	if (peers == NULL || tr->t == NULL || gw_crypto_lcore_init(&ctx.crypto) != 0)
		goto out;
	for (uint32_t i = 0; i < o->n_sas; i++)
		if (mirror_sa(&peers[i], o, i, &ctx.crypto) != 0)
			goto out;
	m = rte_pktmbuf_alloc(gw_dp.pool);
	if (m == NULL)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		uint16_t frame = mix_frame(sz, i), inner = (uint16_t)(frame - ETH_LEN);
		uint32_t sa = i % o->n_sas;
		struct bench_template *t = &tr->t[i];
		uint8_t *p;

		rte_pktmbuf_reset(m);
		p = (uint8_t *)rte_pktmbuf_append(m, inner);
		build_inner(p, inner, bench_remote_host(sa), bench_local_host(sa), i);
		m->packet_type = RTE_PTYPE_L3_IPV4;
		m->l3_len = sizeof(struct rte_ipv4_hdr);
		if (peers[sa].process(&ctx, &peers[sa], &m, 1) != 1) {
			fprintf(stderr, "bench: cannot build ESP template %u\n", i);
			rte_pktmbuf_free(m);
			goto out;
		}
		t->len = (uint16_t)(rte_pktmbuf_data_len(m) + ETH_LEN);
		t->data = malloc(t->len);
		if (t->data == NULL) {
			rte_pktmbuf_free(m);
			goto out;
		}
		t->sa = sa;
		put_eth(t->data, in_port, RTE_ETHER_TYPE_IPV4);
		memcpy(t->data + ETH_LEN, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_data_len(m));
		tr->inner_bytes += inner;
		tr->n = i + 1;
	}
	tr->max_seq = n / o->n_sas + 1;
	rte_pktmbuf_free(m);
	rc = 0;
out:
	if (peers) {
		for (uint32_t i = 0; i < o->n_sas; i++)
			gw_esp_sa_wipe(&peers[i]);
		rte_free(peers);
	}
	gw_crypto_lcore_free(&ctx.crypto);
	return rc;
}

int
bench_traffic_build(struct bench_traffic *tr, const struct bench_opts *o,
		    const struct bench_size *sz, enum bench_dir dir, uint16_t in_port)
{
	memset(tr, 0, sizeof(*tr));
	if (dir == BENCH_ENCRYPT)
		return build_encrypt(tr, o, sz, in_port);
	return build_decrypt(tr, o, sz, in_port);
}

void
bench_traffic_free(struct bench_traffic *tr)
{
	for (uint32_t i = 0; i < tr->n; i++)
		free(tr->t[i].data);
	free(tr->t);
	memset(tr, 0, sizeof(*tr));
}
