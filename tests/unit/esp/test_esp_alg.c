/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP with ChaCha20-Poly1305 (RFC 7634) and AES-CBC + HMAC-SHA2 (RFC 3602,
 * RFC 4868): SA setup per algorithm family, known answers against scapy
 * (tests/vectors/gen_esp_alg_vectors.py) both ways, raw and UDP, ESN on and
 * off, and the inbound drops that depend on the algorithm (ICV, padding,
 * block alignment, replay). A binary of its own: EAL starts once a process.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_eal.h>
#include <rte_esp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "gw_esp.h"
#include "esp_fixture.h"
#include "gw_test.h"

#include "esp_alg_kat.h"

#define POOL_SIZE 511
#define PKT_MAX 2048

/* ---------------------------------------------------------------- setup */

static int
alg_setup(void)
{
	return esp_fixture_setup("test_esp_alg", POOL_SIZE);
}

static void
alg_teardown(void)
{
	esp_fixture_teardown();
}

/* -------------------------------------------------------------- helpers */

static bool
is_cbc(const struct esp_alg_kat *k)
{
	return k->integ_key_len != 0;
}

/* A sends (10.1/16 behind it), B receives (10.2/16 behind it). */
static void
cfg_for(struct gw_cfg_sa *c, const struct esp_alg_kat *k, enum gw_sa_dir dir)
{
	bool out = dir == GW_DIR_OUT;

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s-%s", k->name, out ? "out" : "in");
	c->dir = dir;
	c->spi = k->spi;
	c->mode = GW_MODE_TUNNEL;
	c->alg = k->alg;
	memcpy(c->key, k->key, k->key_len);
	c->key_len = (uint8_t)k->key_len;
	memcpy(c->salt, k->salt, sizeof(c->salt));
	memcpy(c->integ_key, k->integ_key, k->integ_key_len);
	c->integ_key_len = (uint8_t)k->integ_key_len;
	c->udp_encap = k->udp;
	c->encap_sport = ESP_ALG_KAT_UDP_PORT;
	c->encap_dport = ESP_ALG_KAT_UDP_PORT;
	c->esn = k->esn;
	c->replay_window = 1024;
	c->local.family = GW_AF_INET;
	c->remote.family = GW_AF_INET;
	c->local.v4 = out ? ESP_ALG_KAT_OUTER_SRC : ESP_ALG_KAT_OUTER_DST;
	c->remote.v4 = out ? ESP_ALG_KAT_OUTER_DST : ESP_ALG_KAT_OUTER_SRC;
	pfx4(&c->local_ts[0], out ? RTE_IPV4(10, 1, 0, 0) : RTE_IPV4(10, 2, 0, 0), 16);
	pfx4(&c->remote_ts[0], out ? RTE_IPV4(10, 2, 0, 0) : RTE_IPV4(10, 1, 0, 0), 16);
	c->n_local_ts = 1;
	c->n_remote_ts = 1;
}

/* Both SAs of a case; the outbound CBC IV key fixed as the generator's. */
static int
sa_pair(const struct esp_alg_kat *k)
{
	struct gw_cfg_sa c;
	int rc = -1;

	gw_esp_sa_wipe(&sa_out);
	gw_esp_sa_wipe(&sa_in);
	cfg_for(&c, k, GW_DIR_OUT);
	if (gw_esp_sa_init(&sa_out, &c, &ctx.crypto) != 0)
		goto out;
	cfg_for(&c, k, GW_DIR_IN);
	if (gw_esp_sa_init(&sa_in, &c, &ctx.crypto) != 0)
		goto out;
	if (is_cbc(k))
		gw_cbc_key_set_iv_key(&ctx.crypto, &sa_out.key, k->iv_key);
	rc = 0;
out:
	gw_wipe(&c, sizeof(c));
	return rc;
}

static int
mbuf_equals(const struct rte_mbuf *m, const uint8_t *d, uint32_t len)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	if (m->pkt_len != len || m->data_len != len) {
		fprintf(stderr, "  length %u, expected %u\n", m->pkt_len, len);
		return -1;
	}
	for (uint32_t i = 0; i < len; i++)
		if (p[i] != d[i]) {
			fprintf(stderr, "  first difference at byte %u: "
				"0x%02x, expected 0x%02x\n", i, p[i], d[i]);
			return -1;
		}
	return 0;
}

/* One packet through sa_in; 1 when it came out good (then still in *m). */
static uint16_t
inb_one(struct rte_mbuf **m)
{
	return sa_in.process(&ctx, &sa_in, m, 1);
}

/* Puts sa_in's window just below seq, as if the peer had sent seq - 1. */
static int
window_below(uint64_t seq)
{
	return seq > 1 ? gw_replay_update(&sa_in.replay, seq - 1) : 0;
}

/*
 * What a peer would send to sa_in: outer IPv4 [+ UDP] + ESP + IV + an
 * arbitrary plaintext (trailer included) protected with sa_in's keys, so
 * that the ICV is valid whatever the trailer says.
 */
static struct rte_mbuf *
forge(uint64_t seq, const uint8_t *plain, uint32_t plen)
{
	static uint8_t pkt[PKT_MAX];
	bool udp = sa_in.flags & GW_SA_F_UDP;
	bool esn = sa_in.flags & GW_SA_F_ESN;
	bool cbc = sa_in.process == gw_esp_inb_tunnel_cbc;
	uint32_t iv_len = cbc ? 16 : 8;
	uint32_t off = sizeof(struct rte_ipv4_hdr) + (udp ? 8 : 0);
	uint32_t total = off + 8 + iv_len + plen + sa_in.key.icv_len;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)pkt;
	struct rte_esp_hdr *esp = (struct rte_esp_hdr *)(pkt + off);
	uint8_t *iv = (uint8_t *)(esp + 1);
	uint8_t *ct = iv + iv_len;
	uint64_t iv_be = rte_cpu_to_be_64(seq);
	rte_be32_t aad[3];

	if (total + 4 > PKT_MAX)
		return NULL;
	memset(pkt, 0, sizeof(pkt));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)total);
	ip->time_to_live = 64;
	ip->next_proto_id = udp ? IPPROTO_UDP : IPPROTO_ESP;
	ip->src_addr = rte_cpu_to_be_32(sa_in.remote.v4);
	ip->dst_addr = rte_cpu_to_be_32(sa_in.local.v4);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (udp) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

		u->src_port = rte_cpu_to_be_16(4500);
		u->dst_port = rte_cpu_to_be_16(4500);
		u->dgram_len = rte_cpu_to_be_16((uint16_t)(total - 20));
	}
	esp->spi = rte_cpu_to_be_32(sa_in.spi);
	esp->seq = rte_cpu_to_be_32((uint32_t)seq);
	memcpy(ct, plain, plen);
	if (cbc) {
		gw_cbc_iv(&ctx.crypto, &sa_in.key, seq, iv);
		if (gw_cbc_seal(&ctx.crypto, &sa_in.key, (uint8_t *)esp,
				8 + iv_len, plen, (uint32_t)(seq >> 32), esn) != 0)
			return NULL;
	} else {
		memcpy(iv, &iv_be, 8);
		aad[0] = esp->spi;
		aad[1] = esn ? rte_cpu_to_be_32((uint32_t)(seq >> 32)) : esp->seq;
		aad[2] = esp->seq;
		gw_chacha_seal(&ctx.crypto, &sa_in.key, ct, ct, plen, iv,
			       (const uint8_t *)aad, esn ? 12 : 8, ct + plen);
	}
	return inbound_mbuf(pkt, total, udp);
}

/* Inner packet + RFC 4303 trailer padded to `align`; returns its length. */
static uint32_t
plain_with_trailer(uint8_t *p, const uint8_t *inner, uint32_t len,
		   uint32_t align, uint8_t nh)
{
	uint32_t pad = (align - (len + 2) % align) % align;

	memcpy(p, inner, len);
	for (uint32_t i = 0; i < pad; i++)
		p[len + i] = (uint8_t)(i + 1);
	p[len + pad] = (uint8_t)pad;
	p[len + pad + 1] = nh;
	return len + pad + 2;
}

/* ---------------------------------------------------------------- cases */

/* Each algorithm gets its family's burst functions and ICV length. */
static int
test_sa_init_families(void)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(esp_alg_kats); i++) {
		const struct esp_alg_kat *k = &esp_alg_kats[i];
		bool cbc = is_cbc(k);

		GW_CHECK(sa_pair(k) == 0, "%s: init", k->name);
		GW_CHECK(sa_out.process == (cbc ? gw_esp_outb_tunnel_cbc
						: gw_esp_outb_tunnel_chacha),
			 "%s: outbound process", k->name);
		GW_CHECK(sa_in.process == (cbc ? gw_esp_inb_tunnel_cbc
					       : gw_esp_inb_tunnel_chacha),
			 "%s: inbound process", k->name);
		GW_CHECK_EQ(sa_out.key.icv_len, k->icv_len);
		GW_CHECK_EQ(sa_in.key.icv_len, k->icv_len);
		GW_CHECK_EQ(sa_in.alg, k->alg);
	}
	return 0;
}

/* Wrong key or integrity key lengths are refused. */
static int
test_sa_init_rejects(void)
{
	const struct esp_alg_kat *chacha = &esp_alg_kats[0];
	const struct esp_alg_kat *cbc = &esp_alg_kats[4];
	struct gw_cfg_sa c;

	cfg_for(&c, chacha, GW_DIR_IN);
	c.key_len = 16;
	GW_CHECK(gw_esp_sa_init(&sa_in, &c, &ctx.crypto) != 0, "chacha key 16");

	cfg_for(&c, cbc, GW_DIR_IN);
	c.key_len = 32;            /* aes128 with a 256-bit key */
	GW_CHECK(gw_esp_sa_init(&sa_in, &c, &ctx.crypto) != 0, "cbc key 32");
	cfg_for(&c, cbc, GW_DIR_IN);
	c.integ_key_len = 16;
	GW_CHECK(gw_esp_sa_init(&sa_in, &c, &ctx.crypto) != 0, "integ 16");
	cfg_for(&c, cbc, GW_DIR_IN);
	c.integ_key_len = 0;
	GW_CHECK(gw_esp_sa_init(&sa_in, &c, &ctx.crypto) != 0, "no integ");
	cfg_for(&c, cbc, GW_DIR_OUT);
	c.alg = GW_ALG_AES128CBC_SHA512;   /* wants a 64-byte key */
	GW_CHECK(gw_esp_sa_init(&sa_out, &c, &ctx.crypto) != 0, "integ 32 for 512");
	gw_wipe(&c, sizeof(c));
	return 0;
}

/* Our outbound bytes equal scapy's, for every case. */
static int
test_outb_kat(void)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(esp_alg_kats); i++) {
		const struct esp_alg_kat *k = &esp_alg_kats[i];
		struct rte_mbuf *m;
		uint16_t good;
		int rc;

		GW_CHECK(sa_pair(k) == 0, "%s: init", k->name);
		reset_stats();
		sa_out.seq = k->seq - 1;
		m = mbuf_from(k->inner, k->inner_len);
		GW_CHECK(m != NULL, "alloc");
		good = sa_out.process(&ctx, &sa_out, &m, 1);
		rc = good == 1 ? mbuf_equals(m, k->outer, k->outer_len) : -1;
		rte_pktmbuf_free(m);
		GW_CHECK(good == 1 && rc == 0, "%s: %u good, bytes %s", k->name,
			 good, rc == 0 ? "equal" : "differ");
		GW_CHECK(sa_out.seq == k->seq, "%s: seq", k->name);
		GW_CHECK_EQ(sa_out.cnt.packets, 1);
		GW_CHECK_EQ(sa_out.cnt.bytes, k->inner_len);
		GW_CHECK_EQ(stats.encrypted, 1);
		GW_CHECK(drops_are(GW_DROP_MALFORMED, 0) == 0, "%s: drops", k->name);
	}
	return 0;
}

/* Our inbound decapsulates scapy's packets, and only once. */
static int
test_inb_kat_replay(void)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(esp_alg_kats); i++) {
		const struct esp_alg_kat *k = &esp_alg_kats[i];
		struct rte_mbuf *m;
		uint16_t good;

		GW_CHECK(sa_pair(k) == 0, "%s: init", k->name);
		reset_stats();
		GW_CHECK(window_below(k->seq) == 0, "%s: window", k->name);
		m = inbound_mbuf(k->outer, k->outer_len, k->udp);
		GW_CHECK(m != NULL, "alloc");
		good = inb_one(&m);
		if (good != 1) {
			rte_pktmbuf_free(m);
			drops_are(GW_DROP_MALFORMED, 0);
			GW_CHECK(good == 1, "%s: dropped", k->name);
		}
		if (mbuf_equals(m, k->inner, k->inner_len) != 0) {
			rte_pktmbuf_free(m);
			GW_CHECK(false, "%s: inner", k->name);
		}
		GW_CHECK_EQ(m->packet_type, RTE_PTYPE_L3_IPV4);
		rte_pktmbuf_free(m);
		GW_CHECK(sa_in.replay.top == k->seq, "%s: top", k->name);
		GW_CHECK_EQ(sa_in.cnt.bytes, k->inner_len);
		GW_CHECK_EQ(stats.decrypted, 1);

		/* The same packet again is a replay. */
		m = inbound_mbuf(k->outer, k->outer_len, k->udp);
		GW_CHECK(m != NULL, "alloc");
		good = inb_one(&m);
		rte_pktmbuf_free(m);
		GW_CHECK(good == 0, "%s: replay accepted", k->name);
		GW_CHECK_EQ(sa_in.err.replay, 1);
		GW_CHECK(drops_are(GW_DROP_REPLAY, 1) == 0, "%s: drops", k->name);
	}
	return 0;
}

/*
 * A flipped bit anywhere the ICV covers (ESP header's sequence number,
 * IV, ciphertext, ICV itself) is an ICV drop, and leaves the window alone
 * so that the genuine packet is still accepted afterwards.
 */
static int
test_inb_tamper(void)
{
	static uint8_t pkt[PKT_MAX];

	for (size_t i = 0; i < GW_ARRAY_SIZE(esp_alg_kats); i++) {
		const struct esp_alg_kat *k = &esp_alg_kats[i];
		uint32_t esp_off = 20 + (k->udp ? 8 : 0);
		uint32_t iv_off = esp_off + 8;
		uint32_t where[] = {
			iv_off,                              /* IV */
			iv_off + (is_cbc(k) ? 16 : 8) + 3,   /* ciphertext */
			k->outer_len - k->icv_len - 1,       /* last trailer byte */
			k->outer_len - 1,                    /* ICV */
		};
		struct rte_mbuf *m;

		GW_CHECK(sa_pair(k) == 0, "%s: init", k->name);
		reset_stats();
		GW_CHECK(window_below(k->seq) == 0, "%s: window", k->name);
		for (size_t w = 0; w < GW_ARRAY_SIZE(where); w++) {
			memcpy(pkt, k->outer, k->outer_len);
			pkt[where[w]] ^= 0x04;
			m = inbound_mbuf(pkt, k->outer_len, k->udp);
			GW_CHECK(m != NULL, "alloc");
			GW_CHECK(inb_one(&m) == 0, "%s: byte %u tampered, accepted",
				 k->name, where[w]);
			rte_pktmbuf_free(m);
		}
		GW_CHECK_EQ(sa_in.err.icv, GW_ARRAY_SIZE(where));
		GW_CHECK(drops_are(GW_DROP_ICV, GW_ARRAY_SIZE(where)) == 0,
			 "%s: drops", k->name);
		m = inbound_mbuf(k->outer, k->outer_len, k->udp);
		GW_CHECK(m != NULL, "alloc");
		GW_CHECK(inb_one(&m) == 1, "%s: genuine after tampered", k->name);
		rte_pktmbuf_free(m);
	}
	return 0;
}

/*
 * Authentic packets (valid ICV) with a wrong trailer: padding content not
 * 1, 2, 3, ... and a pad length beyond the payload are bad_padding; a
 * correct forged packet passes (the forger is right).
 */
static int
test_inb_bad_padding(void)
{
	static uint8_t plain[PKT_MAX];

	for (size_t i = 0; i < GW_ARRAY_SIZE(esp_alg_kats); i++) {
		const struct esp_alg_kat *k = &esp_alg_kats[i];
		uint32_t align = is_cbc(k) ? 16 : 4;
		/* three sequence numbers; without ESN keep clear of 2^32 */
		uint64_t seq = k->esn ? k->seq : 100;
		struct rte_mbuf *m;
		uint32_t plen;

		GW_CHECK(sa_pair(k) == 0, "%s: init", k->name);
		reset_stats();
		GW_CHECK(window_below(seq) == 0, "%s: window", k->name);

		/* good */
		plen = plain_with_trailer(plain, k->inner, k->inner_len, align,
					  4);
		m = forge(seq, plain, plen);
		GW_CHECK(m != NULL, "forge");
		GW_CHECK(inb_one(&m) == 1, "%s: forged good packet dropped",
			 k->name);
		GW_CHECK(mbuf_equals(m, k->inner, k->inner_len) == 0, "%s: inner",
			 k->name);
		rte_pktmbuf_free(m);

		/* wrong padding content: make a 3-byte pad 1, 2, 4 (or a
		 * block of padding more for CBC, still aligned) */
		plen = plain_with_trailer(plain, k->inner, k->inner_len, align,
					  4);
		{
			uint32_t padlen = plain[plen - 2];

			if (padlen == 0) {
				/* add a whole aligned run of padding */
				uint32_t add = align;

				for (uint32_t j = 0; j < add; j++)
					plain[plen - 2 + j] = (uint8_t)(j + 1);
				plain[plen - 2 + add] = (uint8_t)add;
				plain[plen - 1 + add] = 4;
				plen += add;
				padlen = add;
			}
			plain[plen - 3] ^= 0x80;   /* last padding byte */
		}
		m = forge(seq + 1, plain, plen);
		GW_CHECK(m != NULL, "forge");
		GW_CHECK(inb_one(&m) == 0, "%s: bad padding accepted", k->name);
		rte_pktmbuf_free(m);

		/* pad length larger than the payload */
		plen = plain_with_trailer(plain, k->inner, k->inner_len, align,
					  4);
		plain[plen - 2] = 0xff;
		m = forge(seq + 2, plain, plen);
		GW_CHECK(m != NULL, "forge");
		GW_CHECK(inb_one(&m) == 0, "%s: pad length accepted", k->name);
		rte_pktmbuf_free(m);

		GW_CHECK(sa_in.err.bad_padding == 2, "%s: bad_padding %llu", k->name,
			 (unsigned long long)sa_in.err.bad_padding);
		GW_CHECK(drops_are(GW_DROP_BAD_PADDING, 2) == 0, "%s: drops",
			 k->name);
		/* both were authentic: their sequence numbers are used up */
		GW_CHECK(sa_in.replay.top == seq + 2, "%s: top", k->name);
	}
	return 0;
}

/* CBC ciphertext must be whole blocks; shorter than one block is truncated. */
static int
test_inb_cbc_lengths(void)
{
	static uint8_t pkt[PKT_MAX];
	const struct esp_alg_kat *k = &esp_alg_kats[4];   /* raw, sha256 */
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)pkt;
	struct rte_mbuf *m;

	GW_CHECK(is_cbc(k) && !k->udp, "case 4 is raw CBC");
	GW_CHECK(sa_pair(k) == 0, "init");
	reset_stats();

	/* drop 4 bytes: ciphertext no longer a multiple of 16 */
	memcpy(pkt, k->outer, k->outer_len);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(k->outer_len - 4));
	m = inbound_mbuf(pkt, k->outer_len - 4, false);
	GW_CHECK(m != NULL, "alloc");
	GW_CHECK(inb_one(&m) == 0, "misaligned accepted");
	rte_pktmbuf_free(m);
	GW_CHECK(drops_are(GW_DROP_MALFORMED, 1) == 0, "misaligned drops");

	/* header, IV, 8 bytes, ICV: less than a block of ciphertext */
	reset_stats();
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + 16 + 8 + 16));
	m = inbound_mbuf(pkt, 20 + 8 + 16 + 8 + 16, false);
	GW_CHECK(m != NULL, "alloc");
	GW_CHECK(inb_one(&m) == 0, "truncated accepted");
	rte_pktmbuf_free(m);
	GW_CHECK(drops_are(GW_DROP_ESP_TRUNCATED, 1) == 0, "truncated drops");
	return 0;
}

/*
 * One inbound burst with tampered packets (ICV) and a replay between good
 * ones: the good ones come out first, in their order, and each bad one is
 * counted once (CBC runs the whole burst through the job API at once).
 */
static int
mixed_burst(const struct esp_alg_kat *k, uint8_t *buf)
{
	enum { N = 12 };
	static const bool bad[N] = { [1] = true, [4] = true, [5] = true, [11] = true };
	struct rte_mbuf *mb[N];
	uint32_t lens[N], want = 0;
	uint16_t good;

	for (uint32_t j = 0; j < N; j++) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;

		memcpy(buf, k->inner, 28);
		lens[j] = 40 + 3 * j;
		ip->total_length = rte_cpu_to_be_16((uint16_t)lens[j]);
		mb[j] = mbuf_from(buf, lens[j]);
		GW_CHECK(mb[j] != NULL, "alloc");
	}
	GW_CHECK_EQ(sa_out.process(&ctx, &sa_out, mb, N), N);
	for (uint32_t j = 0; j < N; j++) {
		mb[j]->l3_len = 20;
		mb[j]->l4_len = k->udp ? 8 : 0;
		if (bad[j])   /* last byte of the ICV */
			*rte_pktmbuf_mtod_offset(mb[j], uint8_t *, mb[j]->data_len - 1) ^= 1;
	}
	reset_stats();
	good = sa_in.process(&ctx, &sa_in, mb, N);
	for (uint32_t j = 0; j < N; j++)
		want += !bad[j];
	GW_CHECK_EQ(good, want);
	for (uint32_t j = 0, g = 0; j < N; j++) {
		if (bad[j])
			continue;
		GW_CHECK_EQ(mb[g]->pkt_len, lens[j]);
		g++;
	}
	GW_CHECK(drops_are(GW_DROP_ICV, N - want) == 0, "ICV drops");
	for (uint32_t j = 0; j < N; j++)
		rte_pktmbuf_free(mb[j]);
	return 0;
}

/*
 * Every padding length through sa_out then sa_in in one burst, with the
 * random IV key of a real SA: CBC IVs differ from packet to packet.
 */
static int
test_roundtrip(void)
{
	static uint8_t buf[PKT_MAX];

	for (size_t i = 0; i < GW_ARRAY_SIZE(esp_alg_kats); i++) {
		const struct esp_alg_kat *k = &esp_alg_kats[i];
		struct rte_mbuf *mb[20];
		uint8_t iv0[16];
		uint32_t lens[20];
		uint32_t iv_off = 20 + (k->udp ? 8 : 0) + 8;
		uint16_t good;
		struct gw_cfg_sa c;

		GW_CHECK(sa_pair(k) == 0, "%s: init", k->name);
		/* a fresh outbound SA: random IV key, sequence from 1 */
		cfg_for(&c, k, GW_DIR_OUT);
		gw_esp_sa_wipe(&sa_out);
		GW_CHECK(gw_esp_sa_init(&sa_out, &c, &ctx.crypto) == 0, "init");
		gw_wipe(&c, sizeof(c));
		reset_stats();
		for (uint32_t j = 0; j < GW_ARRAY_SIZE(mb); j++) {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;

			memcpy(buf, k->inner, 28);
			lens[j] = 28 + j;
			ip->total_length = rte_cpu_to_be_16((uint16_t)lens[j]);
			for (uint32_t b = 28; b < lens[j]; b++)
				buf[b] = (uint8_t)(b * 3 + j);
			mb[j] = mbuf_from(buf, lens[j]);
			GW_CHECK(mb[j] != NULL, "alloc");
		}
		good = sa_out.process(&ctx, &sa_out, mb, GW_ARRAY_SIZE(mb));
		GW_CHECK(good == GW_ARRAY_SIZE(mb), "%s: outbound %u", k->name, good);
		memcpy(iv0, rte_pktmbuf_mtod_offset(mb[0], uint8_t *, iv_off), 16);
		GW_CHECK(memcmp(iv0, rte_pktmbuf_mtod_offset(mb[1], uint8_t *,
				iv_off), is_cbc(k) ? 16 : 8) != 0, "%s: same IV",
			 k->name);
		for (uint32_t j = 0; j < GW_ARRAY_SIZE(mb); j++) {
			mb[j]->l3_len = 20;
			mb[j]->l4_len = k->udp ? 8 : 0;
			GW_CHECK((mb[j]->pkt_len - 20 - (k->udp ? 8 : 0) - 8 -
				  (is_cbc(k) ? 16 : 8) - k->icv_len) %
				 (is_cbc(k) ? 16 : 4) == 0, "%s: alignment", k->name);
		}
		good = sa_in.process(&ctx, &sa_in, mb, GW_ARRAY_SIZE(mb));
		if (good != GW_ARRAY_SIZE(mb))
			drops_are(GW_DROP_MALFORMED, 0);
		for (uint32_t j = 0; j < GW_ARRAY_SIZE(mb); j++) {
			if (j < good)
				GW_CHECK_EQ(mb[j]->pkt_len, lens[j]);
			rte_pktmbuf_free(mb[j]);
		}
		GW_CHECK(good == GW_ARRAY_SIZE(mb), "%s: inbound %u", k->name, good);
		GW_CHECK(mixed_burst(k, buf) == 0, "%s: mixed burst", k->name);
	}
	return 0;
}

static int
test_no_mbuf_leak(void)
{
	GW_CHECK_EQ(rte_mempool_in_use_count(pool), 0);
	return 0;
}

static const struct gw_test_case alg_cases[] = {
	{ "sa_init_families", test_sa_init_families },
	{ "sa_init_rejects", test_sa_init_rejects },
	{ "outb_kat_scapy", test_outb_kat },
	{ "inb_kat_scapy_replay", test_inb_kat_replay },
	{ "inb_tamper_icv", test_inb_tamper },
	{ "inb_bad_padding", test_inb_bad_padding },
	{ "inb_cbc_lengths", test_inb_cbc_lengths },
	{ "roundtrip", test_roundtrip },
	{ "no_mbuf_leak", test_no_mbuf_leak },
	{ NULL, NULL },
};

static const struct gw_test_suite suite_esp_alg = {
	.name = "esp_alg",
	.setup = alg_setup,
	.teardown = alg_teardown,
	.cases = alg_cases,
};

GW_TEST_MAIN(&suite_esp_alg)
