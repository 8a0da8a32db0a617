/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker pipeline end to end, in process: the real gw_dp_setup and
 * gw_control_install_config on two net_ring ports (lan, wan), frames fed to
 * gw_worker_process on the main lcore (no worker is launched), and what the
 * worker sent read back from the ports' TX rings and the control rings.
 * Known cases check bytes and counters; a fuzz suite mutates valid frames
 * and checks that every mbuf and every packet is accounted for.
 *
 * GW_FUZZ_SEED=<n> replays a fuzz run, GW_FUZZ_ITERS=<n> sets its number of
 * bursts (default 200000, stopped early at 20 s).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_esp.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "control.h"
#include "dataplane.h"
#include "ike_io.h"
#include "gw_crypto.h"
#include "gw_log.h"
#include "gw_pkt.h"
#include "gw_test.h"

#define ETH_LEN 14u
#define FRAME_MAX 2048u            /* mbuf data room */
#define RING_SIZE 1024
#define CAP_MAX 256u

#define IP4 RTE_IPV4
#define LAN_IP IP4(10, 1, 0, 1)
#define WAN_IP IP4(192, 0, 2, 1)
#define PEER_IP IP4(192, 0, 2, 2)
#define HOST_IP IP4(10, 1, 0, 10)   /* static neighbour on lan */
#define REMOTE_IP IP4(10, 2, 0, 5)  /* behind the peer */
#define SPI_OUT 0x1001u
#define SPI_IN 0x2001u

static const struct rte_ether_addr host_mac = { { 0x02, 0, 0, 0, 0x01, 0x0a } };
static const struct rte_ether_addr peer_mac = { { 0x02, 0, 0, 0, 0x02, 0x02 } };
static const struct rte_ether_addr bcast_mac = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

/* AES-256 key then the 4-byte salt, as in the configuration. */
static const uint8_t key_out[36] = {
	0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0,
	0x85, 0x7d, 0x77, 0x81, 0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7,
	0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4, 0xca, 0xfe, 0xba, 0xbe,
};
static const uint8_t key_in[36] = {
	0x8e, 0x73, 0xb0, 0xf7, 0xda, 0x0e, 0x64, 0x52, 0xc8, 0x10, 0xf3, 0x2b,
	0x80, 0x90, 0x79, 0xe5, 0x62, 0xf8, 0xea, 0xd2, 0x52, 0x2c, 0x6b, 0x7b,
	0xfe, 0x0c, 0x91, 0xa1, 0x56, 0x3a, 0x08, 0x97, 0xde, 0xad, 0xbe, 0xef,
};

static struct rte_ring *lan_rx, *lan_tx, *wan_rx, *wan_tx;
static uint16_t lan_port, wan_port;
static struct gw_worker *w;
static struct gw_crypto_lcore crypto;
static struct gw_aead_key aead_out, aead_in;
static uint32_t in_seq;            /* last sequence number sent to SPI_IN */
static uint32_t out_seq_seen;      /* last sequence number seen from SPI_OUT */
static char tmpdir[64];

/* ------------------------------------------------------------ frames */

struct frame {
	uint8_t b[FRAME_MAX];
	uint16_t len;
	uint16_t port;
};

static struct rte_ipv4_hdr *
frame_ip(struct frame *f)
{
	return (struct rte_ipv4_hdr *)(f->b + ETH_LEN);
}

static void
eth_fill(struct frame *f, uint16_t port, const struct rte_ether_addr *dst,
	 const struct rte_ether_addr *src, uint16_t type)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f->b;

	eth->dst_addr = *dst;
	eth->src_addr = *src;
	eth->ether_type = rte_cpu_to_be_16(type);
	f->port = port;
	f->len = ETH_LEN;
}

/* Writes an IPv4 header (no options) at p with a valid checksum. */
static void
ip_fill(struct rte_ipv4_hdr *ip, uint32_t src, uint32_t dst, uint8_t proto,
	uint8_t ttl, uint16_t payload_len)
{
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + payload_len));
	ip->packet_id = rte_cpu_to_be_16(0x1234);
	ip->time_to_live = ttl;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* IPv4/UDP packet (no L2) at p; returns its length. */
static uint16_t
udp_packet(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
	   uint8_t ttl, uint16_t plen, uint8_t fill)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

	ip_fill(ip, src, dst, IPPROTO_UDP, ttl, (uint16_t)(sizeof(*u) + plen));
	u->src_port = rte_cpu_to_be_16(sport);
	u->dst_port = rte_cpu_to_be_16(dport);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*u) + plen));
	u->dgram_cksum = 0;
	for (uint16_t i = 0; i < plen; i++)
		((uint8_t *)(u + 1))[i] = (uint8_t)(fill + i);
	return (uint16_t)(sizeof(*ip) + sizeof(*u) + plen);
}

static void
frame_udp(struct frame *f, uint16_t port, const struct rte_ether_addr *src_mac,
	  uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint8_t ttl,
	  uint16_t plen)
{
	eth_fill(f, port, &gw_dp.port[port].mac, src_mac, RTE_ETHER_TYPE_IPV4);
	f->len = (uint16_t)(f->len + udp_packet(f->b + ETH_LEN, src, dst, sport, dport,
						ttl, plen, (uint8_t)plen));
}

static void
frame_icmp_echo(struct frame *f, uint16_t port, const struct rte_ether_addr *src_mac,
		uint32_t src, uint32_t dst, uint16_t plen)
{
	struct rte_ipv4_hdr *ip = frame_ip(f);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);
	uint16_t ilen = (uint16_t)(sizeof(*icmp) + plen);

	eth_fill(f, port, &gw_dp.port[port].mac, src_mac, RTE_ETHER_TYPE_IPV4);
	ip_fill(ip, src, dst, IPPROTO_ICMP, 64, ilen);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	icmp->icmp_code = 0;
	icmp->icmp_cksum = 0;
	icmp->icmp_ident = rte_cpu_to_be_16(0x4242);
	icmp->icmp_seq_nb = rte_cpu_to_be_16(7);
	for (uint16_t i = 0; i < plen; i++)
		((uint8_t *)(icmp + 1))[i] = (uint8_t)(0xa0 + i);
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, ilen);
	f->len = (uint16_t)(ETH_LEN + sizeof(*ip) + ilen);
}

static void
frame_arp_request(struct frame *f, uint16_t port, const struct rte_ether_addr *src_mac,
		  uint32_t sip, uint32_t tip)
{
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(f->b + ETH_LEN);

	eth_fill(f, port, &bcast_mac, src_mac, RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = *src_mac;
	arp->arp_data.arp_sip = rte_cpu_to_be_32(sip);
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = rte_cpu_to_be_32(tip);
	f->len = (uint16_t)(ETH_LEN + sizeof(*arp));
}

/*
 * ESP tunnel packet from the peer to us for spi, sealed with the inbound
 * key (RFC 4106, ESN: AAD is SPI | seq_hi | seq_lo), carrying inner[ilen]
 * with next header nh; in UDP 4500 when udp.
 */
static void
frame_esp_in(struct frame *f, uint32_t spi, uint32_t seq, const uint8_t *inner,
	     uint16_t ilen, uint8_t nh, bool udp)
{
	uint16_t hl = (uint16_t)(sizeof(struct rte_ipv4_hdr) +
				 (udp ? sizeof(struct rte_udp_hdr) : 0));
	uint16_t pad = (uint16_t)((0u - (ilen + 2u)) & 3u);
	uint16_t clen = (uint16_t)(ilen + pad + 2);
	uint16_t plen = (uint16_t)(hl + 8 + 8 + clen + 16);
	struct rte_ipv4_hdr *ip = frame_ip(f);
	uint8_t *esp = (uint8_t *)ip + hl, *ct = esp + 16;
	rte_be32_t aad[3] = { rte_cpu_to_be_32(spi), 0, rte_cpu_to_be_32(seq) };
	uint64_t iv = rte_cpu_to_be_64(((uint64_t)seq << 16) ^ 0x5a5a);

	eth_fill(f, wan_port, &gw_dp.port[wan_port].mac, &peer_mac, RTE_ETHER_TYPE_IPV4);
	ip_fill(ip, PEER_IP, WAN_IP, udp ? IPPROTO_UDP : IPPROTO_ESP, 64,
		(uint16_t)(plen - sizeof(*ip)));
	if (udp) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

		u->src_port = rte_cpu_to_be_16(4500);
		u->dst_port = rte_cpu_to_be_16(4500);
		u->dgram_len = rte_cpu_to_be_16((uint16_t)(plen - sizeof(*ip)));
		u->dgram_cksum = 0;
	}
	((rte_be32_t *)esp)[0] = aad[0];
	((rte_be32_t *)esp)[1] = aad[2];
	memcpy(esp + 8, &iv, 8);
	memcpy(ct, inner, ilen);
	for (uint16_t i = 0; i < pad; i++)
		ct[ilen + i] = (uint8_t)(i + 1);
	ct[ilen + pad] = (uint8_t)pad;
	ct[ilen + pad + 1] = nh;
	gw_aead_seal(&crypto, &aead_in, ct, ct, clen, esp + 8, (const uint8_t *)aad,
		     sizeof(aad), ct + clen);
	f->len = (uint16_t)(ETH_LEN + plen);
}

static struct rte_mbuf *
mbuf_of(const struct frame *f)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(gw_dp.pool);
	char *p;

	if (m == NULL)
		return NULL;
	p = rte_pktmbuf_append(m, f->len);
	if (p == NULL && f->len != 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	if (f->len)
		memcpy(p, f->b, f->len);
	m->port = f->port;
	return m;
}

/* ----------------------------------------------------- run and capture */

/* What one pass of the worker produced, in order. */
struct capture {
	struct rte_mbuf *lan[CAP_MAX], *wan[CAP_MAX], *slow[CAP_MAX];
	unsigned n_lan, n_wan, n_slow;
	struct gw_event ev[CAP_MAX];
	unsigned n_ev;
};

static unsigned
drain_ring(struct rte_ring *r, struct rte_mbuf **out, unsigned max)
{
	void *objs[64];
	unsigned n, total = 0;

	while ((n = rte_ring_dequeue_burst(r, objs, RTE_DIM(objs), NULL)) != 0) {
		for (unsigned i = 0; i < n; i++) {
			if (out != NULL && total < max)
				out[total] = objs[i];
			else
				rte_pktmbuf_free(objs[i]);
			total++;
		}
	}
	return total;
}

static void
capture_free(struct capture *c)
{
	rte_pktmbuf_free_bulk(c->lan, RTE_MIN(c->n_lan, CAP_MAX));
	rte_pktmbuf_free_bulk(c->wan, RTE_MIN(c->n_wan, CAP_MAX));
	rte_pktmbuf_free_bulk(c->slow, RTE_MIN(c->n_slow, CAP_MAX));
	memset(c, 0, sizeof(*c));
}

/* Everything the worker queued: ports' TX rings and both control rings. */
static void
drain_all(struct capture *c)
{
	struct gw_event ev[64];
	unsigned n;

	memset(c, 0, sizeof(*c));
	c->n_lan = drain_ring(lan_tx, c->lan, CAP_MAX);
	c->n_wan = drain_ring(wan_tx, c->wan, CAP_MAX);
	c->n_slow = drain_ring(gw_dp.ctrl.slow, c->slow, CAP_MAX);
	while ((n = rte_ring_dequeue_burst_elem(gw_dp.ctrl.events, ev, sizeof(ev[0]),
						RTE_DIM(ev), NULL)) != 0) {
		for (unsigned i = 0; i < n; i++)
			if (c->n_ev < CAP_MAX)
				c->ev[c->n_ev++] = ev[i];
	}
}

static void
process(struct rte_mbuf **pkts, uint16_t n, struct capture *c)
{
	gw_worker_process(w, pkts, n);
	gw_worker_flush(w);
	drain_all(c);
}

/* Runs frames[0..n) through the worker; 0, or -1 when out of mbufs. */
static int
run_frames(const struct frame *frames, uint16_t n, struct capture *c)
{
	struct rte_mbuf *pkts[GW_BURST_MAX];

	for (uint16_t i = 0; i < n; i++) {
		pkts[i] = mbuf_of(&frames[i]);
		if (pkts[i] == NULL) {
			rte_pktmbuf_free_bulk(pkts, i);
			return -1;
		}
	}
	process(pkts, n, c);
	return 0;
}

static struct gw_worker_stats snap;

static void
stats_mark(void)
{
	snap = w->stats;
}

#define D(field) ((long long)(w->stats.field - snap.field))
#define DDROP(reason) ((long long)(w->stats.drops[GW_DROP_##reason] - \
				   snap.drops[GW_DROP_##reason]))

static uint64_t
drops_sum(const struct gw_worker_stats *s)
{
	uint64_t t = 0;

	for (unsigned i = 0; i < GW_DROP_MAX; i++)
		t += s->drops[i];
	return t;
}

/* Checks that exactly one drop happened, for reason `why`, and nothing left. */
static int
expect_single_drop(enum gw_drop why, const struct capture *c)
{
	for (unsigned i = 0; i < GW_DROP_MAX; i++) {
		uint64_t d = w->stats.drops[i] - snap.drops[i];

		GW_CHECK(d == (i == (unsigned)why ? 1u : 0u), "drop %s: %" PRIu64
			 " (expected one %s)", gw_drop_name(i), d, gw_drop_name(why));
	}
	GW_CHECK_EQ(D(rx_packets), 1);
	GW_CHECK_EQ(D(tx_packets), 0);
	GW_CHECK_EQ(D(local), 0);
	GW_CHECK_EQ(c->n_lan + c->n_wan + c->n_slow, 0);
	return 0;
}

static bool
ip_cksum_ok(const struct rte_ipv4_hdr *ip)
{
	return rte_ipv4_cksum(ip) == 0;
}

static void
dec_ttl_expected(uint8_t *ipb)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)ipb;

	ip->time_to_live--;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* ------------------------------------------------------------- setup */

static int
make_ports(void)
{
	int l, x;

	lan_rx = rte_ring_create("t_lan_rx", RING_SIZE, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	lan_tx = rte_ring_create("t_lan_tx", RING_SIZE, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	wan_rx = rte_ring_create("t_wan_rx", RING_SIZE, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	wan_tx = rte_ring_create("t_wan_tx", RING_SIZE, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!lan_rx || !lan_tx || !wan_rx || !wan_tx)
		return -1;
	l = rte_eth_from_rings("ring_lan", &lan_rx, 1, &lan_tx, 1, rte_socket_id());
	x = rte_eth_from_rings("ring_wan", &wan_rx, 1, &wan_tx, 1, rte_socket_id());
	if (l < 0 || x < 0) {
		fprintf(stderr, "rte_eth_from_rings failed (net_ring driver missing?)\n");
		return -1;
	}
	lan_port = (uint16_t)l;
	wan_port = (uint16_t)x;
	return 0;
}

static void
hex36(char *out, const uint8_t k[36])
{
	out += sprintf(out, "0x");
	for (unsigned i = 0; i < 36; i++)
		out += sprintf(out, "%02x", k[i]);
}

static int
load_config(void)
{
	static struct gw_diag diag;
	char lan_dev[RTE_ETH_NAME_MAX_LEN], wan_dev[RTE_ETH_NAME_MAX_LEN];
	char kout[80], kin[80];
	char *text;
	int rc;

	if (rte_eth_dev_get_name_by_port(lan_port, lan_dev) != 0 ||
	    rte_eth_dev_get_name_by_port(wan_port, wan_dev) != 0)
		return -1;
	hex36(kout, key_out);
	hex36(kin, key_in);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_pipeline.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	/* A bypass policy for management traffic to the WAN subnet, so that
	 * the clear forwarding path is exercised too. The worker lcore is
	 * replaced by the main lcore below: the loader refuses a worker on
	 * the control lcore, but this test never launches the worker. */
	rc = asprintf(&text,
		"lcores = { control = 0; workers = [ 1 ]; };\n"
		"ports = {\n"
		"  lan = { device = \"%s\"; role = \"protected\"; address = \"10.1.0.1/24\"; };\n"
		"  wan = { device = \"%s\"; role = \"unprotected\"; address = \"192.0.2.1/24\"; };\n"
		"};\n"
		"routes = ( { dst = \"10.2.0.0/16\"; via = \"192.0.2.2\"; port = \"wan\"; } );\n"
		"neighbors = (\n"
		"  { address = \"192.0.2.2\"; mac = \"02:00:00:00:02:02\"; port = \"wan\"; },\n"
		"  { address = \"10.1.0.10\"; mac = \"02:00:00:00:01:0a\"; port = \"lan\"; }\n"
		");\n"
		"policies = (\n"
		"  { name = \"mgmt\"; local_ts = \"10.1.0.0/24\"; remote_ts = \"192.0.2.0/24\";\n"
		"    action = \"bypass\"; }\n"
		");\n"
		"spd_default = \"discard\";\n"
		"sas = {\n"
		"  to-peer = { direction = \"out\"; spi = 0x1001; local = \"192.0.2.1\";\n"
		"    remote = \"192.0.2.2\"; local_ts = \"10.1.0.0/24\"; remote_ts = \"10.2.0.0/24\";\n"
		"    aead = \"aes256gcm16\"; key = \"%s\"; esn = true; };\n"
		"  from-peer = { direction = \"in\"; spi = 0x2001; local = \"192.0.2.1\";\n"
		"    remote = \"192.0.2.2\"; local_ts = \"10.1.0.0/24\"; remote_ts = \"10.2.0.0/24\";\n"
		"    aead = \"aes256gcm16\"; key = \"%s\"; esn = true; replay_window = 1024; };\n"
		"};\n"
		"control = { socket = \"%s/ipsecgw.sock\"; };\n"
		"dataplane = { mbufs = 4095; burst = 32; };\n",
		lan_dev, wan_dev, kout, kin, tmpdir);
	if (rc < 0)
		return -1;
	rc = gw_cfg_load_string(text, "test_pipeline.conf", &gw_control.cfg, &diag);
	free(text);
	if (rc != 0) {
		gw_diag_print(&diag, stderr);
		return -1;
	}
	gw_control.cfg.lcores.workers[0] = rte_get_main_lcore();
	return 0;
}

static int
pipeline_setup(void)
{
	char *argv[] = {
		"test_pipeline", "--no-huge", "-m", "256", "--no-shconf", "--no-pci",
		"-l", "0", "--log-level=*:error",
	};

	if (rte_eal_init((int)RTE_DIM(argv), argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return -1;
	}
	gw_log_set_level(GW_LOG_WARN);
	if (make_ports() != 0 || load_config() != 0)
		return -1;
	if (gw_dp_setup(&gw_control.cfg) != 0 || gw_control_install_config() != 0) {
		fprintf(stderr, "data plane setup failed\n");
		return -1;
	}
	w = gw_dp.workers[0];
	gw_worker_apply_messages(w);
	if (!gw_ctrl_all_applied(&gw_dp.ctrl) || w->spd == NULL) {
		fprintf(stderr, "worker did not apply the configuration\n");
		return -1;
	}
	if (gw_crypto_lcore_init(&crypto) != 0 ||
	    gw_aead_key_init(&crypto, &aead_out, key_out, 32, key_out + 32) != 0 ||
	    gw_aead_key_init(&crypto, &aead_in, key_in, 32, key_in + 32) != 0)
		return -1;
	return 0;
}

static void
pipeline_teardown(void)
{
	char path[128];

	gw_aead_key_wipe(&aead_out);
	gw_aead_key_wipe(&aead_in);
	gw_crypto_lcore_free(&crypto);
	gw_dp_shutdown();
	gw_cfg_free(&gw_control.cfg);
	rte_eal_cleanup();
	snprintf(path, sizeof(path), "%s/ipsecgw.sock", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}

/* ------------------------------------------------------- known cases */

static int
test_setup_state(void)
{
	GW_CHECK_EQ(gw_dp.n_ports, 2);
	GW_CHECK_EQ(gw_dp.n_workers, 1);
	GW_CHECK_EQ(gw_dp.port[lan_port].role, GW_ROLE_PROTECTED);
	GW_CHECK_EQ(gw_dp.port[wan_port].role, GW_ROLE_UNPROTECTED);
	GW_CHECK(gw_dp_local_lookup(LAN_IP) != NULL, "10.1.0.1 not local");
	GW_CHECK(gw_dp_local_lookup(WAN_IP) != NULL, "192.0.2.1 not local");
	GW_CHECK_EQ(gw_control.n_sas, 2);
	GW_CHECK_EQ(gw_neigh_find(&w->neigh, PEER_IP)->state, GW_NEIGH_VALID);
	GW_CHECK_EQ(gw_neigh_find(&w->neigh, HOST_IP)->state, GW_NEIGH_VALID);
	return 0;
}

static int
test_arp_to_control(void)
{
	struct frame f;
	struct capture c;
	const struct rte_arp_hdr *arp;

	frame_arp_request(&f, lan_port, &host_mac, HOST_IP, LAN_IP);
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(c.n_slow, 1);
	GW_CHECK_EQ(c.n_lan + c.n_wan, 0);
	GW_CHECK_EQ(rte_pktmbuf_data_len(c.slow[0]), f.len);
	GW_CHECK_MEM(rte_pktmbuf_mtod(c.slow[0], void *), f.b, f.len);
	GW_CHECK_EQ(c.slow[0]->port, lan_port);
	arp = rte_pktmbuf_mtod_offset(c.slow[0], const struct rte_arp_hdr *, ETH_LEN);
	GW_CHECK_EQ(rte_be_to_cpu_32(arp->arp_data.arp_tip), LAN_IP);
	GW_CHECK_EQ(D(rx_packets), 1);
	GW_CHECK_EQ(D(local), 1);
	GW_CHECK_EQ(D(tx_packets), 0);
	GW_CHECK_EQ(drops_sum(&w->stats) - drops_sum(&snap), 0);
	capture_free(&c);
	return 0;
}

static int
test_icmp_echo_reply(void)
{
	struct frame f;
	struct capture c;
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	const struct rte_icmp_hdr *icmp, *req;
	uint16_t ilen;

	frame_icmp_echo(&f, lan_port, &host_mac, HOST_IP, LAN_IP, 56);
	/* Ethernet padding after the IP packet must not be echoed */
	memset(f.b + f.len, 0xee, 10);
	f.len += 10;
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(c.n_lan, 1);
	GW_CHECK_EQ(c.n_wan + c.n_slow, 0);
	GW_CHECK_EQ(D(rx_packets), 1);
	GW_CHECK_EQ(D(icmp_replies), 1);
	GW_CHECK_EQ(D(local), 0);
	GW_CHECK_EQ(D(tx_packets), 1);
	GW_CHECK_EQ(drops_sum(&w->stats) - drops_sum(&snap), 0);

	eth = rte_pktmbuf_mtod(c.lan[0], const struct rte_ether_hdr *);
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	icmp = (const struct rte_icmp_hdr *)(ip + 1);
	req = (const struct rte_icmp_hdr *)(frame_ip(&f) + 1);
	ilen = (uint16_t)(sizeof(*icmp) + 56);
	GW_CHECK_EQ(rte_pktmbuf_data_len(c.lan[0]), f.len - 10);
	GW_CHECK(rte_is_same_ether_addr(&eth->dst_addr, &host_mac), "dst MAC");
	GW_CHECK(rte_is_same_ether_addr(&eth->src_addr, &gw_dp.port[lan_port].mac), "src MAC");
	GW_CHECK_EQ(eth->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
	GW_CHECK_EQ(rte_be_to_cpu_32(ip->src_addr), LAN_IP);
	GW_CHECK_EQ(rte_be_to_cpu_32(ip->dst_addr), HOST_IP);
	GW_CHECK_EQ(rte_be_to_cpu_16(ip->total_length), sizeof(*ip) + ilen);
	GW_CHECK_EQ(ip->next_proto_id, IPPROTO_ICMP);
	GW_CHECK(ip->time_to_live > 0, "TTL 0");
	GW_CHECK(ip_cksum_ok(ip), "IPv4 checksum");
	GW_CHECK_EQ(icmp->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	GW_CHECK_EQ(icmp->icmp_code, 0);
	GW_CHECK_EQ(rte_raw_cksum(icmp, ilen), 0xffff);
	GW_CHECK_EQ(icmp->icmp_ident, req->icmp_ident);
	GW_CHECK_EQ(icmp->icmp_seq_nb, req->icmp_seq_nb);
	GW_CHECK_MEM(icmp + 1, req + 1, 56);
	capture_free(&c);

	/* the incremental checksum update over many checksum values,
	 * the end-around carry included */
	for (unsigned ident = 0; ident < 65536; ident += 257) {
		struct rte_icmp_hdr *r = (struct rte_icmp_hdr *)(frame_ip(&f) + 1);

		frame_icmp_echo(&f, wan_port, &peer_mac, PEER_IP, WAN_IP, 0);
		r->icmp_ident = rte_cpu_to_be_16((uint16_t)ident);
		r->icmp_cksum = 0;
		r->icmp_cksum = (uint16_t)~rte_raw_cksum(r, sizeof(*r));
		GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
		GW_CHECK_EQ(c.n_wan, 1);
		icmp = rte_pktmbuf_mtod_offset(c.wan[0], const struct rte_icmp_hdr *,
					       ETH_LEN + sizeof(struct rte_ipv4_hdr));
		GW_CHECK(rte_raw_cksum(icmp, sizeof(*icmp)) == 0xffff,
			 "ICMP checksum for ident %u", ident);
		capture_free(&c);
	}
	return 0;
}

/* Decrypts an outbound ESP frame (data at Ethernet) into inner; returns its length. */
static int
open_outbound(const struct rte_mbuf *m, uint8_t *inner, uint32_t *seq_out)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *oip = (const struct rte_ipv4_hdr *)(p + ETH_LEN);
	const uint8_t *esp = (const uint8_t *)(oip + 1);
	uint16_t tot = rte_be_to_cpu_16(oip->total_length);
	uint32_t seq, clen;
	uint8_t padlen, nh;
	uint64_t iv;
	rte_be32_t aad[3];

	GW_CHECK(tot >= sizeof(*oip) + 16 + 4 + 16, "outer too short: %u", tot);
	clen = tot - (uint32_t)sizeof(*oip) - 16 - 16;
	seq = rte_be_to_cpu_32(((const rte_be32_t *)esp)[1]);
	memcpy(&iv, esp + 8, 8);
	GW_CHECK_EQ(rte_be_to_cpu_64(iv), seq); /* IV is the 64-bit sequence number */
	aad[0] = ((const rte_be32_t *)esp)[0];
	aad[1] = 0;                             /* ESN high half, still 0 */
	aad[2] = ((const rte_be32_t *)esp)[1];
	GW_CHECK(gw_aead_open(&crypto, &aead_out, inner, esp + 16, clen, esp + 8,
			      (const uint8_t *)aad, sizeof(aad), esp + 16 + clen) == 0,
		 "ICV of outbound packet seq %u", seq);
	padlen = inner[clen - 2];
	nh = inner[clen - 1];
	GW_CHECK_EQ(nh, 4);
	GW_CHECK(padlen + 2u <= clen, "pad length %u", padlen);
	for (unsigned i = 0; i < padlen; i++)
		GW_CHECK_EQ(inner[clen - 2 - padlen + i], i + 1);
	GW_CHECK_EQ(clen % 4, 0);
	*seq_out = seq;
	return (int)(clen - 2 - padlen);
}

static int
test_outbound_esp(void)
{
	struct frame f;
	struct capture c;
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *oip;
	uint8_t inner[FRAME_MAX], expect[FRAME_MAX];
	uint16_t ilen;
	uint32_t seq;
	int got;

	frame_udp(&f, lan_port, &host_mac, HOST_IP, REMOTE_IP, 1234, 5678, 64, 100);
	ilen = (uint16_t)(f.len - ETH_LEN);
	memcpy(expect, f.b + ETH_LEN, ilen);
	dec_ttl_expected(expect);
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(c.n_wan, 1);
	GW_CHECK_EQ(c.n_lan + c.n_slow, 0);
	GW_CHECK_EQ(D(rx_packets), 1);
	GW_CHECK_EQ(D(tx_packets), 1);
	GW_CHECK_EQ(D(encrypted), 1);
	GW_CHECK_EQ(drops_sum(&w->stats) - drops_sum(&snap), 0);

	eth = rte_pktmbuf_mtod(c.wan[0], const struct rte_ether_hdr *);
	oip = (const struct rte_ipv4_hdr *)(eth + 1);
	GW_CHECK(rte_is_same_ether_addr(&eth->dst_addr, &peer_mac), "dst MAC not the neighbour");
	GW_CHECK(rte_is_same_ether_addr(&eth->src_addr, &gw_dp.port[wan_port].mac), "src MAC");
	GW_CHECK_EQ(eth->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
	GW_CHECK_EQ(oip->version_ihl, RTE_IPV4_VHL_DEF);
	GW_CHECK_EQ(rte_be_to_cpu_32(oip->src_addr), WAN_IP);
	GW_CHECK_EQ(rte_be_to_cpu_32(oip->dst_addr), PEER_IP);
	GW_CHECK_EQ(oip->next_proto_id, IPPROTO_ESP);
	GW_CHECK_EQ(rte_be_to_cpu_16(oip->total_length), rte_pktmbuf_data_len(c.wan[0]) - ETH_LEN);
	GW_CHECK(ip_cksum_ok(oip), "outer IPv4 checksum");
	GW_CHECK_EQ(rte_be_to_cpu_32(*(const rte_be32_t *)(oip + 1)), SPI_OUT);
	got = open_outbound(c.wan[0], inner, &seq);
	GW_CHECK(got >= 0, "decrypt");
	GW_CHECK_EQ(seq, out_seq_seen + 1);
	out_seq_seen = seq;
	GW_CHECK_EQ(got, ilen);
	GW_CHECK_MEM(inner, expect, ilen);
	capture_free(&c);

	/* a burst of several: sequence numbers consecutive, order kept */
	{
		struct frame fs[4];

		for (unsigned i = 0; i < 4; i++)
			frame_udp(&fs[i], lan_port, &host_mac, HOST_IP, REMOTE_IP + i,
				  1000, (uint16_t)(2000 + i), 64, (uint16_t)(i * 7));
		stats_mark();
		GW_CHECK_EQ(run_frames(fs, 4, &c), 0);
		GW_CHECK_EQ(c.n_wan, 4);
		GW_CHECK_EQ(D(encrypted), 4);
		for (unsigned i = 0; i < 4; i++) {
			uint16_t l = (uint16_t)(fs[i].len - ETH_LEN);

			memcpy(expect, fs[i].b + ETH_LEN, l);
			dec_ttl_expected(expect);
			got = open_outbound(c.wan[i], inner, &seq);
			GW_CHECK_EQ(got, l);
			GW_CHECK_EQ(seq, out_seq_seen + 1);
			out_seq_seen = seq;
			GW_CHECK_MEM(inner, expect, l);
		}
		capture_free(&c);
	}
	return 0;
}

/* A UDP frame from the LAN host whose inner IPv4 packet is ilen bytes,
 * DF set or not (checksum redone). */
static void
frame_sized(struct frame *f, uint16_t ilen, bool df)
{
	struct rte_ipv4_hdr *ip;

	frame_udp(f, lan_port, &host_mac, HOST_IP, REMOTE_IP, 1234, 5678, 64,
		  (uint16_t)(ilen - sizeof(*ip) - sizeof(struct rte_udp_hdr)));
	ip = frame_ip(f);
	ip->fragment_offset = df ? rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) : 0;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/*
 * Path MTU through the tunnel: an inner packet that fits once encrypted
 * goes out; one byte more with DF set comes back to its source as ICMP
 * "fragmentation needed" carrying the MTU left inside the tunnel; without
 * DF it is dropped (no fragmentation). Both count as too_big.
 */
static int
test_tunnel_mtu(void)
{
	const struct gw_sa *sa = gw_control_sa_find(GW_DIR_OUT, SPI_OUT);
	uint16_t fit, mtu_inside;
	struct frame f;
	struct capture c;
	const struct rte_ipv4_hdr *ip, *quoted;
	const struct rte_icmp_hdr *icmp;

	GW_CHECK(sa != NULL, "outbound SA");
	mtu_inside = (uint16_t)(gw_dp.tunnel_mtu - sa->overhead);
	fit = mtu_inside;
	GW_CHECK(fit + ETH_LEN <= FRAME_MAX, "test MTU %u", gw_dp.tunnel_mtu);

	frame_sized(&f, fit, true);
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(c.n_wan, 1);
	GW_CHECK(rte_pktmbuf_data_len(c.wan[0]) - ETH_LEN <= gw_dp.tunnel_mtu, "fits");
	out_seq_seen++;
	capture_free(&c);

	frame_sized(&f, (uint16_t)(fit + 1), true);
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(c.n_wan, 0);
	GW_CHECK_EQ(c.n_lan, 1);
	GW_CHECK_EQ(DDROP(TOO_BIG), 1);
	GW_CHECK_EQ(D(icmp_errors), 1);
	ip = (const struct rte_ipv4_hdr *)(rte_pktmbuf_mtod(c.lan[0], const uint8_t *) + ETH_LEN);
	icmp = (const struct rte_icmp_hdr *)(ip + 1);
	quoted = (const struct rte_ipv4_hdr *)(icmp + 1);
	GW_CHECK(ip_cksum_ok(ip), "ICMP's IPv4 checksum");
	GW_CHECK_EQ(rte_be_to_cpu_32(ip->src_addr), LAN_IP);
	GW_CHECK_EQ(rte_be_to_cpu_32(ip->dst_addr), HOST_IP);
	GW_CHECK_EQ(ip->next_proto_id, IPPROTO_ICMP);
	GW_CHECK_EQ(rte_be_to_cpu_16(ip->total_length), 20 + 8 + 20 + 8);
	GW_CHECK_EQ(rte_pktmbuf_data_len(c.lan[0]), ETH_LEN + 20 + 8 + 20 + 8);
	GW_CHECK_EQ(icmp->icmp_type, 3);
	GW_CHECK_EQ(icmp->icmp_code, 4);
	GW_CHECK_EQ(rte_be_to_cpu_16(icmp->icmp_seq_nb), mtu_inside);
	GW_CHECK_EQ(rte_raw_cksum(icmp, 8 + 28), 0xffff);
	/* it quotes the offending header (as forwarded: TTL already down) */
	GW_CHECK_EQ(rte_be_to_cpu_32(quoted->src_addr), HOST_IP);
	GW_CHECK_EQ(rte_be_to_cpu_32(quoted->dst_addr), REMOTE_IP);
	GW_CHECK_EQ(rte_be_to_cpu_16(quoted->total_length), fit + 1);
	capture_free(&c);

	/* without DF: dropped, no ICMP (the rate limit is not what stops it) */
	rte_delay_ms(2);
	frame_sized(&f, (uint16_t)(fit + 1), false);
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(c.n_wan + c.n_lan, 0);
	GW_CHECK_EQ(DDROP(TOO_BIG), 1);
	GW_CHECK_EQ(D(icmp_errors), 0);
	capture_free(&c);
	return 0;
}

static int
test_inbound_esp(void)
{
	struct frame f;
	struct capture c;
	uint8_t inner[256], expect[256];
	uint16_t ilen;
	const struct rte_ether_hdr *eth;

	for (int udp = 0; udp <= 1; udp++) {
		ilen = udp_packet(inner, REMOTE_IP, HOST_IP, 5678, 1234, 64, 77, 0x33);
		memcpy(expect, inner, ilen);
		dec_ttl_expected(expect);
		frame_esp_in(&f, SPI_IN, ++in_seq, inner, ilen, 4, udp);
		stats_mark();
		GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
		GW_CHECK_EQ(c.n_lan, 1);
		GW_CHECK_EQ(c.n_wan + c.n_slow, 0);
		GW_CHECK_EQ(D(rx_packets), 1);
		GW_CHECK_EQ(D(decrypted), 1);
		GW_CHECK_EQ(D(tx_packets), 1);
		GW_CHECK_EQ(drops_sum(&w->stats) - drops_sum(&snap), 0);
		eth = rte_pktmbuf_mtod(c.lan[0], const struct rte_ether_hdr *);
		GW_CHECK(rte_is_same_ether_addr(&eth->dst_addr, &host_mac), "dst MAC");
		GW_CHECK(rte_is_same_ether_addr(&eth->src_addr, &gw_dp.port[lan_port].mac),
			 "src MAC");
		GW_CHECK_EQ(eth->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
		GW_CHECK_EQ(rte_pktmbuf_data_len(c.lan[0]), ETH_LEN + ilen);
		GW_CHECK_MEM(eth + 1, expect, ilen);
		capture_free(&c);
	}

	/* the same packet again is a replay */
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(expect_single_drop(GW_DROP_REPLAY, &c), 0);
	capture_free(&c);

	/* two copies in one burst: the first passes, the second is a replay */
	frame_esp_in(&f, SPI_IN, ++in_seq, inner, ilen, 4, false);
	{
		struct frame two[2] = { f, f };

		stats_mark();
		GW_CHECK_EQ(run_frames(two, 2, &c), 0);
		GW_CHECK_EQ(c.n_lan, 1);
		GW_CHECK_EQ(DDROP(REPLAY), 1);
		GW_CHECK_EQ(D(decrypted), 1);
		capture_free(&c);
	}

	/* a flipped ciphertext bit fails the ICV and does not move the window */
	frame_esp_in(&f, SPI_IN, in_seq + 1, inner, ilen, 4, false);
	f.b[ETH_LEN + 20 + 16 + 3] ^= 0x10;
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(expect_single_drop(GW_DROP_ICV, &c), 0);
	frame_esp_in(&f, SPI_IN, ++in_seq, inner, ilen, 4, false);
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(c.n_lan, 1);
	capture_free(&c);

	/* unknown SPI */
	frame_esp_in(&f, 0x9999, 1, inner, ilen, 4, false);
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(expect_single_drop(GW_DROP_NO_SA, &c), 0);

	/* inner packet outside the SA's selectors */
	ilen = udp_packet(inner, IP4(10, 9, 0, 1), HOST_IP, 1, 2, 64, 10, 0);
	frame_esp_in(&f, SPI_IN, ++in_seq, inner, ilen, 4, false);
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(expect_single_drop(GW_DROP_INNER_POLICY, &c), 0);

	/* runs of one SPI share a lookup: known and unknown SPIs interleaved
	 * in one burst must each get their own result */
	{
		static const bool known[] = { true, true, false, true, false, false, true };
		struct frame mix[RTE_DIM(known)];

		ilen = udp_packet(inner, REMOTE_IP, HOST_IP, 5678, 1234, 64, 77, 0x33);
		for (unsigned i = 0; i < RTE_DIM(known); i++)
			frame_esp_in(&mix[i], known[i] ? SPI_IN : 0x9999,
				     known[i] ? ++in_seq : 1, inner, ilen, 4, false);
		stats_mark();
		GW_CHECK_EQ(run_frames(mix, RTE_DIM(mix), &c), 0);
		GW_CHECK_EQ(c.n_lan, 4);
		GW_CHECK_EQ(D(decrypted), 4);
		GW_CHECK_EQ(DDROP(NO_SA), 3);
		capture_free(&c);
	}

	/* decrypted inner packet with TTL 1 */
	ilen = udp_packet(inner, REMOTE_IP, HOST_IP, 1, 2, 1, 10, 0);
	frame_esp_in(&f, SPI_IN, ++in_seq, inner, ilen, 4, false);
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(expect_single_drop(GW_DROP_TTL, &c), 0);
	return 0;
}

static int
test_drop_reasons(void)
{
	struct frame f;
	struct capture c;

	/* plaintext from the WAN that matches the SA's selectors */
	frame_udp(&f, wan_port, &peer_mac, REMOTE_IP, HOST_IP, 1, 2, 64, 20);
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(expect_single_drop(GW_DROP_PLAINTEXT_PROTECTED, &c), 0);

	/* from the LAN to a network no policy covers */
	frame_udp(&f, lan_port, &host_mac, HOST_IP, IP4(10, 3, 0, 5), 1, 2, 64, 20);
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(expect_single_drop(GW_DROP_NO_POLICY, &c), 0);

	/* TTL 1 on a packet to forward */
	frame_udp(&f, lan_port, &host_mac, HOST_IP, REMOTE_IP, 1, 2, 1, 20);
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(expect_single_drop(GW_DROP_TTL, &c), 0);

	/* bad IPv4 header checksum */
	frame_udp(&f, lan_port, &host_mac, HOST_IP, REMOTE_IP, 1, 2, 64, 20);
	frame_ip(&f)->hdr_checksum ^= 0x0100;
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(expect_single_drop(GW_DROP_BAD_CHECKSUM, &c), 0);

	/* truncated IPv4: header cut short, then total length past the frame */
	frame_udp(&f, lan_port, &host_mac, HOST_IP, REMOTE_IP, 1, 2, 64, 20);
	f.len = ETH_LEN + 12;
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(expect_single_drop(GW_DROP_MALFORMED, &c), 0);
	frame_udp(&f, lan_port, &host_mac, HOST_IP, REMOTE_IP, 1, 2, 64, 20);
	f.len -= 5;
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(expect_single_drop(GW_DROP_MALFORMED, &c), 0);

	/* a frame with our own source MAC came back to us */
	frame_udp(&f, lan_port, &gw_dp.port[lan_port].mac, HOST_IP, REMOTE_IP, 1, 2, 64, 20);
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(expect_single_drop(GW_DROP_LOOPED, &c), 0);

	/* IPv6 */
	frame_udp(&f, lan_port, &host_mac, HOST_IP, REMOTE_IP, 1, 2, 64, 20);
	((struct rte_ether_hdr *)f.b)->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(expect_single_drop(GW_DROP_UNSUPPORTED, &c), 0);

	/* bypass to a WAN host that has no neighbour entry: resolution asked */
	frame_udp(&f, lan_port, &host_mac, HOST_IP, IP4(192, 0, 2, 77), 1, 2, 64, 20);
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(D(bypassed), 1);
	/* the packet waits for the answer, as an ARP cache holds the first one */
	GW_CHECK_EQ(DDROP(NO_NEIGHBOR), 0);
	GW_CHECK_EQ(D(neigh_held), 1);
	GW_CHECK_EQ(c.n_ev, 1);
	GW_CHECK_EQ(c.ev[0].type, GW_EV_RESOLVE);
	GW_CHECK_EQ(c.ev[0].ip, IP4(192, 0, 2, 77));
	GW_CHECK_EQ(c.ev[0].port, wan_port);

	/* bypass to the peer: forwarded in clear with TTL - 1 */
	frame_udp(&f, lan_port, &host_mac, HOST_IP, PEER_IP, 1, 2, 64, 20);
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(c.n_wan, 1);
	GW_CHECK_EQ(D(bypassed), 1);
	GW_CHECK_EQ(D(tx_packets), 1);
	{
		uint8_t expect[FRAME_MAX];
		uint16_t l = (uint16_t)(f.len - ETH_LEN);

		memcpy(expect, f.b + ETH_LEN, l);
		dec_ttl_expected(expect);
		GW_CHECK_EQ(rte_pktmbuf_data_len(c.wan[0]), f.len);
		GW_CHECK_MEM(rte_pktmbuf_mtod_offset(c.wan[0], void *, ETH_LEN), expect, l);
	}
	capture_free(&c);

	/* IKE to our WAN address goes to the control path */
	frame_udp(&f, wan_port, &peer_mac, PEER_IP, WAN_IP, 500, 500, 64, 40);
	stats_mark();
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(c.n_slow, 1);
	GW_CHECK_EQ(D(local), 1);
	capture_free(&c);
	return 0;
}

/*
 * One poll round of gw_worker_main buffers the control path's frames, one
 * burst per RX queue and up to 1024 handed-off packets before its single
 * flush: more than one burst for a port must not be dropped as tx_full
 * while the port itself has room.
 */
static int
test_tx_buffer_between_flushes(void)
{
	struct frame f;
	struct capture c;
	struct rte_mbuf *pkts[32];
	const unsigned rounds = 5;

	stats_mark();
	for (unsigned r = 0; r < rounds; r++) {
		for (unsigned i = 0; i < 32; i++) {
			frame_udp(&f, lan_port, &host_mac, HOST_IP, REMOTE_IP, 1000,
				  (uint16_t)(r * 32 + i), 64, 50);
			pkts[i] = mbuf_of(&f);
			GW_CHECK(pkts[i] != NULL, "out of mbufs");
		}
		gw_worker_process(w, pkts, 32);
	}
	gw_worker_flush(w);
	drain_all(&c);
	GW_CHECK_EQ(D(encrypted), rounds * 32);
	GW_CHECK_EQ(DDROP(TX_FULL), 0);
	GW_CHECK_EQ(c.n_wan, rounds * 32);
	GW_CHECK_EQ(D(tx_packets), rounds * 32);
	for (unsigned i = 0; i < c.n_wan; i++) {
		uint8_t inner[FRAME_MAX];
		uint32_t seq;

		GW_CHECK(open_outbound(c.wan[i], inner, &seq) >= 0, "open");
		GW_CHECK_EQ(seq, out_seq_seen + 1);   /* order kept across the flush */
		out_seq_seen = seq;
	}
	capture_free(&c);
	return 0;
}

/* ------------------------------------------------------------- fuzz */

static uint64_t rng_state;

static uint64_t
rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint32_t
rnd_below(uint32_t n)
{
	return (uint32_t)((rnd() >> 32) % n);
}

enum fuzz_kind {
	FK_ARP, FK_ICMP, FK_OUT_UDP, FK_ESP, FK_ESP_UDP, FK_IKE, FK_BYPASS, FK_MAX
};

static const uint32_t interesting_dst[] = {
	LAN_IP, WAN_IP, REMOTE_IP, HOST_IP, PEER_IP, IP4(10, 1, 0, 255),
	IP4(192, 0, 2, 255), IP4(224, 0, 0, 5), 0xffffffffu, IP4(10, 2, 0, 1),
	IP4(10, 1, 0, 77), IP4(10, 3, 0, 1), 0,
};

static void
fuzz_template(struct frame *f, enum fuzz_kind k)
{
	uint8_t inner[1600];
	uint16_t ilen;
	uint32_t host = HOST_IP + (rnd_below(4) == 0 ? rnd_below(8) : 0);

	switch (k) {
	case FK_ARP:
		frame_arp_request(f, rnd_below(2) ? lan_port : wan_port, &host_mac,
				  host, rnd_below(2) ? LAN_IP : WAN_IP);
		break;
	case FK_ICMP:
		if (rnd_below(2))
			frame_icmp_echo(f, lan_port, &host_mac, host, LAN_IP,
					(uint16_t)rnd_below(200));
		else
			frame_icmp_echo(f, wan_port, &peer_mac, PEER_IP, WAN_IP,
					(uint16_t)rnd_below(1600));
		break;
	case FK_OUT_UDP:
		frame_udp(f, lan_port, &host_mac, host, REMOTE_IP + rnd_below(4),
			  (uint16_t)rnd(), (uint16_t)rnd(), (uint8_t)(1 + rnd_below(64)),
			  (uint16_t)rnd_below(rnd_below(4) ? 200 : 1600));
		break;
	case FK_ESP:
	case FK_ESP_UDP:
		ilen = udp_packet(inner, REMOTE_IP + rnd_below(3), host, (uint16_t)rnd(),
				  (uint16_t)rnd(), (uint8_t)(1 + rnd_below(64)),
				  (uint16_t)rnd_below(rnd_below(4) ? 200 : 1500), (uint8_t)rnd());
		frame_esp_in(f, SPI_IN,
			     rnd_below(8) || in_seq < 2000 ? ++in_seq : in_seq - rnd_below(2000),
			     inner, ilen, rnd_below(16) ? 4 : (uint8_t)rnd(), k == FK_ESP_UDP);
		break;
	case FK_IKE:
		frame_udp(f, wan_port, &peer_mac, PEER_IP, WAN_IP, 500,
			  rnd_below(2) ? 500 : 4500, 64, (uint16_t)rnd_below(300));
		if (rnd_below(2) && f->len >= ETH_LEN + 28 + 4)
			memset(f->b + ETH_LEN + 28, 0, 4); /* non-ESP marker */
		break;
	case FK_BYPASS:
	default:
		if (rnd_below(2))
			frame_udp(f, lan_port, &host_mac, host, PEER_IP + rnd_below(2),
				  1, 2, 64, (uint16_t)rnd_below(1500));
		else
			frame_udp(f, wan_port, &peer_mac, PEER_IP, host, 1, 2, 64,
				  (uint16_t)rnd_below(1500));
		break;
	}
}

/* Offset of the L4 header, or 0 when the frame has no room for an IPv4 header. */
static unsigned
l4_off(const struct frame *f)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f->b + ETH_LEN);

	if (f->len < ETH_LEN + sizeof(*ip))
		return 0;
	return ETH_LEN + (ip->version_ihl & 0xfu) * 4u;
}

static void
put16(struct frame *f, unsigned off, uint16_t v)
{
	if (off + 2 <= f->len)
		*(rte_be16_t *)(f->b + off) = rte_cpu_to_be_16(v);
}

static void
put32(struct frame *f, unsigned off, uint32_t v)
{
	if (off + 4 <= f->len)
		*(rte_be32_t *)(f->b + off) = rte_cpu_to_be_32(v);
}

static void
fuzz_mutate(struct frame *f)
{
	struct rte_ipv4_hdr *ip = frame_ip(f);
	unsigned l4 = l4_off(f), off;
	bool ip_ok = f->len >= ETH_LEN + sizeof(*ip);

	switch (rnd_below(14)) {
	case 0: /* bit flips */
		for (unsigned i = 1 + rnd_below(4); i > 0 && f->len; i--)
			f->b[rnd_below(f->len)] ^= (uint8_t)(1u << rnd_below(8));
		break;
	case 1: /* truncate */
		f->len = (uint16_t)rnd_below(f->len + 1u);
		break;
	case 2: /* extend with random bytes */
		for (unsigned i = 1 + rnd_below(256); i > 0 && f->len < FRAME_MAX; i--)
			f->b[f->len++] = (uint8_t)rnd();
		break;
	case 3: { /* ethertype */
		static const uint16_t types[] = { 0x0800, 0x0806, 0x86dd, 0x8100, 0x0000 };
		uint16_t t = rnd_below(4) ? types[rnd_below(RTE_DIM(types))] : (uint16_t)rnd();

		put16(f, 12, t);
		break;
	}
	case 4: /* version / IHL */
		if (ip_ok)
			ip->version_ihl = rnd_below(4) ? (uint8_t)(0x40 | rnd_below(16)) :
				(uint8_t)rnd();
		break;
	case 5: /* total length */
		if (ip_ok) {
			uint16_t tot = rte_be_to_cpu_16(ip->total_length);

			tot = rnd_below(2) ? (uint16_t)rnd() :
				(uint16_t)(tot + (int)rnd_below(64) - 32);
			ip->total_length = rte_cpu_to_be_16(tot);
		}
		break;
	case 6: { /* protocol */
		static const uint8_t protos[] = { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP,
						  IPPROTO_ESP, IPPROTO_SCTP, 0 };

		if (ip_ok)
			ip->next_proto_id = rnd_below(4) ? protos[rnd_below(RTE_DIM(protos))] :
				(uint8_t)rnd();
		break;
	}
	case 7: { /* UDP ports */
		static const uint16_t ports[] = { 500, 4500, 0, 53 };

		if (l4 && ip_ok) {
			put16(f, l4 + rnd_below(2) * 2,
			      rnd_below(4) ? ports[rnd_below(RTE_DIM(ports))] : (uint16_t)rnd());
		}
		break;
	}
	case 8: /* SPI at raw ESP and at ESP-in-UDP offsets */
		if (l4 && ip_ok) {
			static const uint32_t spis[] = { SPI_IN, SPI_OUT, 0, 0xffffffffu };
			uint32_t spi = rnd_below(2) ? spis[rnd_below(RTE_DIM(spis))] : (uint32_t)rnd();

			put32(f, l4 + (rnd_below(2) ? 8 : 0), spi);
		}
		break;
	case 9: /* ESP length: shorten or grow the payload, keeping the IP length */
		if (ip_ok && l4 && l4 <= f->len) {
			unsigned nl = l4 + rnd_below(64);

			if (rnd_below(2) && nl < f->len)
				f->len = (uint16_t)nl;
			else
				for (unsigned i = rnd_below(40); i > 0 && f->len < FRAME_MAX; i--)
					f->b[f->len++] = (uint8_t)rnd();
			ip->total_length = rte_cpu_to_be_16((uint16_t)(f->len - ETH_LEN));
			if (l4 + 8 <= f->len && ip->next_proto_id == IPPROTO_UDP)
				put16(f, l4 + 4, (uint16_t)(f->len - l4));
		}
		break;
	case 10: /* TTL */
		if (ip_ok)
			ip->time_to_live = rnd_below(2) ? (uint8_t)rnd_below(3) : (uint8_t)rnd();
		break;
	case 11: /* destination / source address */
		if (ip_ok) {
			uint32_t a = rnd_below(4) ? interesting_dst[rnd_below(RTE_DIM(interesting_dst))] :
				(uint32_t)rnd();

			if (rnd_below(3))
				ip->dst_addr = rte_cpu_to_be_32(a);
			else
				ip->src_addr = rte_cpu_to_be_32(a);
		}
		break;
	case 12: /* fragment flags / offset */
		if (ip_ok)
			ip->fragment_offset = rnd_below(2) ? rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG) :
				(rte_be16_t)rnd();
		break;
	default: /* source port of the frame */
		f->port = rnd_below(2) ? lan_port : wan_port;
		off = 6;
		if (f->len >= 12)
			memcpy(f->b + off, f->port == lan_port ? &host_mac : &peer_mac, 6);
		break;
	}
}

/* Makes the IPv4 header checksum valid again, when the header fits. */
static void
fuzz_fix_cksum(struct frame *f)
{
	struct rte_ipv4_hdr *ip = frame_ip(f);
	unsigned ihl;

	if (f->len < ETH_LEN + sizeof(*ip) ||
	    ((const struct rte_ether_hdr *)f->b)->ether_type !=
	    rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return;
	ihl = (ip->version_ihl & 0xfu) * 4u;
	if (ihl < sizeof(*ip) || ETH_LEN + ihl > f->len)
		return;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static bool
is_local_ip(uint32_t a)
{
	return gw_dp_local_lookup(a) != NULL;
}

/* Every transmitted frame: our MAC, IPv4 with a valid header, exact length. */
static int
check_tx_frame(const struct rte_mbuf *m, uint16_t port)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	uint16_t len = rte_pktmbuf_data_len(m);

	GW_CHECK_EQ(m->nb_segs, 1);
	GW_CHECK(len >= ETH_LEN + sizeof(*ip), "short frame %u", len);
	GW_CHECK(rte_is_same_ether_addr(&eth->src_addr, &gw_dp.port[port].mac), "src MAC");
	GW_CHECK_EQ(eth->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
	GW_CHECK_EQ(ip->version_ihl >> 4, 4);
	GW_CHECK(ETH_LEN + rte_ipv4_hdr_len(ip) <= len, "IHL past the frame");
	GW_CHECK(ip_cksum_ok(ip), "IPv4 checksum of a transmitted frame");
	GW_CHECK_EQ(rte_be_to_cpu_16(ip->total_length), len - ETH_LEN);
	GW_CHECK(ip->time_to_live > 0, "TTL 0 sent");
	/* only ICMP replies (sourced from us) skip the egress MTU check */
	if (!is_local_ip(rte_be_to_cpu_32(ip->src_addr)) || ip->next_proto_id != IPPROTO_ICMP)
		GW_CHECK(len - ETH_LEN <= gw_dp.port[port].mtu, "%u bytes over MTU %u",
			 len - ETH_LEN, gw_dp.port[port].mtu);
	/* ESP from our WAN address can only be our SA's: the bypass policy
	 * passes LAN sources only. It must open with the SA's key. */
	if (port == wan_port && ip->next_proto_id == IPPROTO_ESP &&
	    rte_be_to_cpu_32(ip->src_addr) == WAN_IP) {
		static uint8_t inner[FRAME_MAX];
		uint32_t seq;

		GW_CHECK(rte_is_same_ether_addr(&eth->dst_addr, &peer_mac), "ESP dst MAC");
		GW_CHECK_EQ(rte_be_to_cpu_32(ip->dst_addr), PEER_IP);
		GW_CHECK_EQ(rte_be_to_cpu_32(*(const rte_be32_t *)(ip + 1)), SPI_OUT);
		GW_CHECK(open_outbound(m, inner, &seq) >= 0, "outbound ESP does not open");
		GW_CHECK(seq > out_seq_seen, "sequence number %u not above %u", seq, out_seq_seen);
		out_seq_seen = seq;
	}
	return 0;
}

/* A resolution request names a next hop on the subnet of the port it is for. */
static int
check_event(const struct gw_event *ev)
{
	GW_CHECK_EQ(ev->type, GW_EV_RESOLVE);
	GW_CHECK_EQ(ev->worker, 0);
	if (ev->port == lan_port)
		GW_CHECK((ev->ip & 0xffffff00u) == IP4(10, 1, 0, 0), "lan next hop %08x", ev->ip);
	else if (ev->port == wan_port)
		GW_CHECK((ev->ip & 0xffffff00u) == IP4(192, 0, 2, 0), "wan next hop %08x", ev->ip);
	else
		GW_CHECK(false, "event for port %u", ev->port);
	GW_CHECK(!is_local_ip(ev->ip), "resolving our own address %08x", ev->ip);
	return 0;
}

static int
test_fuzz(void)
{
	const char *env = getenv("GW_FUZZ_SEED");
	const char *env_n = getenv("GW_FUZZ_ITERS");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x1b5ec9a7e2024ull;
	unsigned long bursts_max = env_n ? strtoul(env_n, NULL, 0) : 200000ul;
	static struct frame burst[GW_BURST_MAX];
	struct rte_mbuf *pkts[GW_BURST_MAX];
	struct capture c;
	unsigned long frames = 0, bursts = 0, sent_lan = 0, sent_wan = 0, slow = 0;
	unsigned long replies = 0;
	unsigned base_in_use;
	struct timespec t0, t1;
	double secs = 0;
	uint64_t drops_before[GW_DROP_MAX];

	printf("fuzz: seed 0x%" PRIx64 " (GW_FUZZ_SEED to replay), %lu bursts\n", seed,
	       bursts_max);
	rng_state = seed ? seed : 1;
	drain_all(&c);
	capture_free(&c);
	base_in_use = rte_mempool_in_use_count(gw_dp.pool) - (unsigned)w->stats.neigh_held;
	for (unsigned i = 0; i < GW_DROP_MAX; i++)
		drops_before[i] = w->stats.drops[i];
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (bursts < bursts_max) {
		uint16_t n = (uint16_t)(1 + rnd_below(32));
		struct gw_worker_stats before = w->stats;
		long long d_rx, d_tx, d_drop, d_local, d_hand, d_held;

		for (uint16_t i = 0; i < n; i++) {
			fuzz_template(&burst[i], (enum fuzz_kind)rnd_below(FK_MAX));
			if (rnd_below(10) >= 3) {
				for (unsigned k = 1 + rnd_below(3); k > 0; k--)
					fuzz_mutate(&burst[i]);
				if (rnd_below(4))
					fuzz_fix_cksum(&burst[i]);
			}
			pkts[i] = mbuf_of(&burst[i]);
			GW_CHECK(pkts[i] != NULL, "out of mbufs at burst %lu (leak?)", bursts);
		}
		process(pkts, n, &c);

		for (unsigned i = 0; i < RTE_MIN(c.n_lan, CAP_MAX); i++)
			if (check_tx_frame(c.lan[i], lan_port) != 0)
				goto fail;
		for (unsigned i = 0; i < RTE_MIN(c.n_wan, CAP_MAX); i++)
			if (check_tx_frame(c.wan[i], wan_port) != 0)
				goto fail;
		for (unsigned i = 0; i < c.n_ev; i++)
			if (check_event(&c.ev[i]) != 0)
				goto fail;

		/*
		 * Accounting, exact from the counters: a packet ends in one of a
		 * drop counter, the TX ring (tx_packets, echo replies included),
		 * the control ring (local), a handoff ring, or the neighbour
		 * cache while ARP is pending (the neigh_held gauge).
		 */
		d_rx = (long long)(w->stats.rx_packets - before.rx_packets);
		d_tx = (long long)(w->stats.tx_packets - before.tx_packets);
		d_drop = (long long)(drops_sum(&w->stats) - drops_sum(&before));
		d_local = (long long)(w->stats.local - before.local);
		d_hand = (long long)(w->stats.handoff - before.handoff);
		d_held = (long long)w->stats.neigh_held - (long long)before.neigh_held;
		GW_CHECK_EQ(d_rx, n);
		GW_CHECK_EQ(d_tx, c.n_lan + c.n_wan);
		GW_CHECK_EQ(d_hand, 0);
		GW_CHECK_EQ(d_local, c.n_slow);
		GW_CHECK(d_rx == d_tx + d_drop + d_local + d_hand + d_held,
			 "burst %lu: rx %lld != tx %lld + drops %lld + local %lld + handoff %lld + held %lld",
			 bursts, d_rx, d_tx, d_drop, d_local, d_hand, d_held);
		replies += (unsigned long)(w->stats.icmp_replies - before.icmp_replies);
		sent_lan += c.n_lan;
		sent_wan += c.n_wan;
		slow += c.n_slow;
		capture_free(&c);
		GW_CHECK(rte_mempool_in_use_count(gw_dp.pool) ==
				 base_in_use + w->stats.neigh_held,
			 "burst %lu: %u mbufs in use, baseline %u + %lu held (leak or double free)",
			 bursts, rte_mempool_in_use_count(gw_dp.pool), base_in_use,
			 (unsigned long)w->stats.neigh_held);
		GW_CHECK_EQ(w->txbuf[lan_port].n + w->txbuf[wan_port].n, 0);
		frames += n;
		bursts++;
		if ((bursts & 255) == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			if (secs > 20.0) {
				printf("fuzz: stopping at the 20 s budget\n");
				break;
			}
		}
		continue;
fail:
		fprintf(stderr, "fuzz: failed at burst %lu, seed 0x%" PRIx64 "\n", bursts, seed);
		capture_free(&c);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("fuzz: %lu frames in %lu bursts, %.2f s: %lu sent on lan, %lu on wan, "
	       "%lu to control, %lu ICMP replies\n", frames, bursts, secs, sent_lan,
	       sent_wan, slow, replies);
	printf("fuzz: drops:");
	for (unsigned i = 0; i < GW_DROP_MAX; i++)
		if (w->stats.drops[i] != drops_before[i])
			printf(" %s=%" PRIu64, gw_drop_name(i), w->stats.drops[i] - drops_before[i]);
	printf("\n");
	/* the fuzz must reach the deep paths, not only the early drops */
	GW_CHECK(sent_lan > 0 && sent_wan > 0 && slow > 0 && replies > 0,
		 "fuzz did not reach every output");
	return 0;
}

/* IKE datagrams: up through the slow ring, parsed by the control path's
 * ike_io, and back down through worker 0's control TX ring. */
static int
test_ike_io(void)
{
	struct frame f;
	struct capture c;
	struct gw_ike_dgram d;
	struct rte_mbuf *m;
	uint8_t msg[60];
	struct gw_addr wan = { .family = GW_AF_INET, .v4 = WAN_IP };
	struct gw_addr peer = { .family = GW_AF_INET, .v4 = PEER_IP };
	struct gw_addr stranger = { .family = GW_AF_INET, .v4 = IP4(192, 0, 2, 99) };
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;

	/* UDP 500: the whole payload is the IKE message */
	frame_udp(&f, wan_port, &peer_mac, PEER_IP, WAN_IP, 500, 500, 64, 40);
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(c.n_slow, 1);
	GW_CHECK_EQ(gw_ike_dgram_parse(c.slow[0], &d), GW_IKE_IO_OK);
	GW_CHECK_EQ(d.src.v4, PEER_IP);
	GW_CHECK_EQ(d.dst.v4, WAN_IP);
	GW_CHECK_EQ(d.sport, 500);
	GW_CHECK_EQ(d.dport, 500);
	GW_CHECK_EQ(d.in_port, wan_port);
	GW_CHECK_EQ(d.len, 40);
	GW_CHECK_MEM(d.msg, f.b + ETH_LEN + 28, 40);
	capture_free(&c);

	/* UDP 4500 with the non-ESP marker: the marker is not part of IKE */
	frame_udp(&f, wan_port, &peer_mac, PEER_IP, WAN_IP, 4500, 4500, 64, 40);
	memset(f.b + ETH_LEN + 28, 0, 4);
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(c.n_slow, 1);
	GW_CHECK_EQ(gw_ike_dgram_parse(c.slow[0], &d), GW_IKE_IO_OK);
	GW_CHECK_EQ(d.len, 36);
	GW_CHECK_MEM(d.msg, f.b + ETH_LEN + 32, 36);
	capture_free(&c);

	/* a NAT keepalive (one 0xff byte) reaches the control path, not IKE */
	frame_udp(&f, wan_port, &peer_mac, PEER_IP, WAN_IP, 4500, 4500, 64, 1);
	f.b[ETH_LEN + 28] = 0xff;
	GW_CHECK_EQ(run_frames(&f, 1, &c), 0);
	GW_CHECK_EQ(c.n_slow, 1);
	GW_CHECK_EQ(gw_ike_dgram_parse(c.slow[0], &d), GW_IKE_IO_KEEPALIVE);
	capture_free(&c);

	/* and one we send goes without the non-ESP marker (RFC 3948 2.3) */
	msg[0] = 0xff;
	GW_CHECK_EQ(gw_ike_dgram_send(&wan, 4500, &peer, 4500, msg, 1), GW_IKE_IO_OK);
	GW_CHECK_EQ(rte_ring_dequeue(gw_dp.ctrl.tx[0], (void **)&m), 0);
	GW_CHECK_EQ(rte_pktmbuf_data_len(m), ETH_LEN + 28 + 1);
	GW_CHECK_EQ(rte_pktmbuf_mtod(m, const uint8_t *)[ETH_LEN + 28], 0xff);
	rte_pktmbuf_free(m);

	/* sending on 4500 adds the marker; checksums are valid */
	for (unsigned i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(0xa0 + i);
	GW_CHECK_EQ(gw_ike_dgram_send(&wan, 4500, &peer, 4500, msg, sizeof(msg)), GW_IKE_IO_OK);
	GW_CHECK_EQ(rte_ring_dequeue(gw_dp.ctrl.tx[0], (void **)&m), 0);
	GW_CHECK_EQ(m->port, wan_port);
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	udp = (const struct rte_udp_hdr *)(ip + 1);
	GW_CHECK(rte_is_same_ether_addr(&eth->dst_addr, &peer_mac), "peer MAC");
	GW_CHECK(rte_is_same_ether_addr(&eth->src_addr, &gw_dp.port[wan_port].mac), "our MAC");
	GW_CHECK_EQ(rte_be_to_cpu_32(ip->src_addr), WAN_IP);
	GW_CHECK_EQ(rte_be_to_cpu_32(ip->dst_addr), PEER_IP);
	GW_CHECK_EQ(rte_ipv4_cksum(ip), 0);
	{
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(uintptr_t)udp;
		uint16_t sent = u->dgram_cksum;

		u->dgram_cksum = 0;
		GW_CHECK(sent != 0 && rte_ipv4_udptcp_cksum(ip, u) == sent, "UDP checksum");
	}
	GW_CHECK_EQ(rte_be_to_cpu_16(udp->dgram_len), 8 + 4 + sizeof(msg));
	GW_CHECK_EQ(*(const uint32_t *)(udp + 1), 0);
	GW_CHECK_MEM((const uint8_t *)(udp + 1) + 4, msg, sizeof(msg));
	GW_CHECK_EQ(rte_pktmbuf_data_len(m), ETH_LEN + 20 + 8 + 4 + sizeof(msg));
	rte_pktmbuf_free(m);

	/* port 500: no marker */
	GW_CHECK_EQ(gw_ike_dgram_send(&wan, 500, &peer, 500, msg, sizeof(msg)), GW_IKE_IO_OK);
	GW_CHECK_EQ(rte_ring_dequeue(gw_dp.ctrl.tx[0], (void **)&m), 0);
	udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, ETH_LEN + 20);
	GW_CHECK_MEM(udp + 1, msg, sizeof(msg));
	rte_pktmbuf_free(m);

	/* an unresolved peer: nothing sent but an ARP request */
	GW_CHECK_EQ(gw_ike_dgram_send(&wan, 500, &stranger, 500, msg, sizeof(msg)),
		    GW_IKE_IO_NO_NEIGHBOR);
	GW_CHECK_EQ(rte_ring_dequeue(gw_dp.ctrl.tx[0], (void **)&m), 0);
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	GW_CHECK_EQ(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_ARP);
	rte_pktmbuf_free(m);
	GW_CHECK_EQ(rte_ring_count(gw_dp.ctrl.tx[0]), 0);
	return 0;
}

/* The fast header checksum check agrees with DPDK's on random headers,
 * valid or not, with and without options. */
static int
test_ipv4_cksum(void)
{
	uint8_t buf[60];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;

	srand(7);
	for (int i = 0; i < 200000; i++) {
		uint16_t ihl = (uint16_t)(i & 1 ? 20 : 4 * (5 + rand() % 11));

		for (unsigned b = 0; b < sizeof(buf); b++)
			buf[b] = (uint8_t)rand();
		ip->version_ihl = (uint8_t)(0x40 | ihl / 4);
		if (i % 3 == 0) {
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
		}
		GW_CHECK_EQ(gw_ipv4_cksum_ok(ip, ihl), rte_ipv4_cksum(ip) == 0);
	}
	return 0;
}

static const struct gw_test_case pipeline_cases[] = {
	{ "ipv4_cksum", test_ipv4_cksum },
	{ "setup_state", test_setup_state },
	{ "arp_to_control", test_arp_to_control },
	{ "icmp_echo_reply", test_icmp_echo_reply },
	{ "outbound_esp", test_outbound_esp },
	{ "inbound_esp", test_inbound_esp },
	{ "tunnel_mtu", test_tunnel_mtu },
	{ "drop_reasons", test_drop_reasons },
	{ "tx_buffer_between_flushes", test_tx_buffer_between_flushes },
	{ "ike_io", test_ike_io },
	{ "fuzz", test_fuzz },
	{ NULL, NULL },
};

static const struct gw_test_suite pipeline_suite = {
	.name = "pipeline",
	.setup = pipeline_setup,
	.teardown = pipeline_teardown,
	.cases = pipeline_cases,
};

GW_TEST_MAIN(&pipeline_suite)
