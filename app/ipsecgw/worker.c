/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker pipeline. One burst goes through stages, each working on an
 * array of packets: classify (L2/L3 checks, local delivery, direction),
 * outbound (SPD -> SA), inbound (SPI -> SA), clear inbound (SPD check),
 * ESP by runs of packets of the same SA, then forward (route, neighbour,
 * L2 header, TX buffer). Every packet that leaves the pipeline early is
 * counted by reason. Nothing here locks, allocates, logs or makes a
 * syscall per packet; the only sleep is when a whole poll round was idle.
 */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf_dyn.h>
#include <rte_icmp.h>
#include <rte_udp.h>
#include <rte_tcp.h>

#include "dataplane.h"
#include "gw_pkt.h"
#include "trap.h"

struct gw_dp gw_dp;
int gw_mbuf_sa_offset = -1;

#define ETH_LEN ((uint16_t)sizeof(struct rte_ether_hdr))
#define IKE_PORT 500
#define NATT_PORT 4500

int
gw_mbuf_sa_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "ipsecgw_sa",
		.size = sizeof(struct gw_sa *),
		.align = __alignof__(struct gw_sa *),
	};

	gw_mbuf_sa_offset = rte_mbuf_dynfield_register(&desc);
	return gw_mbuf_sa_offset < 0 ? -1 : 0;
}

/* Per-stage cycles, only while profiling: one predictable branch per stage
 * and burst otherwise. */
static inline uint64_t
prof_start(void)
{
	return unlikely(gw_dp.profile) ? rte_rdtsc() : 0;
}

static inline void
prof_add(struct gw_worker *w, enum gw_prof_stage st, uint64_t *t0)
{
	if (unlikely(gw_dp.profile)) {
		uint64_t t1 = rte_rdtsc();

		w->prof[st] += t1 - *t0;
		*t0 = t1;
	}
}

static inline void
drop(struct gw_worker *w, struct rte_mbuf *m, enum gw_drop why)
{
	w->stats.drops[why]++;
	rte_pktmbuf_free(m);
}

/* Sends what is buffered for one port; what the queue refuses is dropped. */
static void
tx_flush_port(struct gw_worker *w, uint16_t port)
{
	typeof(w->txbuf[0]) *b = &w->txbuf[port];
	uint16_t sent;

	if (b->n == 0)
		return;
	sent = rte_eth_tx_burst(port, w->txq, b->pkts, b->n);
	w->stats.tx_packets += sent;
	if (unlikely(sent < b->n)) {
		w->stats.drops[GW_DROP_TX_FULL] += b->n - sent;
		rte_pktmbuf_free_bulk(&b->pkts[sent], b->n - sent);
	}
	b->n = 0;
}

static inline void
tx_buffer(struct gw_worker *w, struct rte_mbuf *m, uint16_t port)
{
	typeof(w->txbuf[0]) *b = &w->txbuf[port];

	/* A poll round may buffer more than one burst per port (control
	 * frames, one burst per RX queue, handoff): send early rather than
	 * drop while the port itself has room. */
	if (unlikely(b->n == RTE_DIM(b->pkts)))
		tx_flush_port(w, port);
	b->pkts[b->n++] = m;
}

void
gw_worker_flush(struct gw_worker *w)
{
	uint64_t t = prof_start();

	for (unsigned i = 0; i < gw_dp.n_ports; i++)
		tx_flush_port(w, gw_dp.port_ids[i]);
	prof_add(w, GW_PROF_TX, &t);
}

/* Hands a classified packet (SA in its dynfield) to the SA's owner. */
static inline void
handoff(struct gw_worker *w, struct rte_mbuf *m, struct gw_sa *sa)
{
	*gw_mbuf_sa(m) = sa;
	if (unlikely(rte_ring_mp_enqueue(gw_dp.workers[sa->owner]->handoff, m) != 0)) {
		drop(w, m, GW_DROP_HANDOFF_FULL);
		return;
	}
	w->stats.handoff++;
}

/* Answers an ICMP echo request in place and queues it on its input port. */
static void
icmp_echo_reply(struct gw_worker *w, struct rte_mbuf *m,
		struct rte_ether_hdr *eth, struct rte_ipv4_hdr *ip)
{
	uint16_t ihl = rte_ipv4_hdr_len(ip);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + ihl);
	uint32_t sum;
	rte_be32_t a;

	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&gw_dp.port[m->port].mac, &eth->src_addr);
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	/* type 8 -> 0 lowers the first word by 0x0800: adjust the sum */
	sum = (uint32_t)icmp->icmp_cksum + rte_cpu_to_be_16(RTE_IP_ICMP_ECHO_REQUEST << 8);
	icmp->icmp_cksum = (uint16_t)(sum + (sum >> 16));
	w->stats.icmp_replies++;
	tx_buffer(w, m, m->port);
}

static inline void
to_control(struct gw_worker *w, struct rte_mbuf *m)
{
	if (unlikely(!gw_ctrl_up_packet(&gw_dp.ctrl, m))) {
		drop(w, m, GW_DROP_SLOW_RING_FULL);
		return;
	}
	w->stats.local++;
}

/* Packets for one of our addresses: ESP goes to *esp, the rest is handled. */
static inline void
classify_local(struct gw_worker *w, struct rte_mbuf *m, struct rte_ether_hdr *eth,
	       struct rte_ipv4_hdr *ip, uint16_t ihl, struct rte_mbuf **esp,
	       uint16_t *n_esp)
{
	uint16_t l3_payload = rte_be_to_cpu_16(ip->total_length) - ihl;

	m->l2_len = ETH_LEN;
	m->l3_len = ihl;
	if (ip->next_proto_id == IPPROTO_ESP) {
		m->l4_len = 0;
		esp[(*n_esp)++] = m;
		return;
	}
	if (ip->next_proto_id == IPPROTO_UDP) {
		const struct rte_udp_hdr *udp = (const void *)((uint8_t *)ip + ihl);
		uint16_t dport;

		if (unlikely(l3_payload < sizeof(*udp))) {
			drop(w, m, GW_DROP_MALFORMED);
			return;
		}
		dport = rte_be_to_cpu_16(udp->dst_port);
		if (dport == NATT_PORT && l3_payload > sizeof(*udp) + 4 &&
		    *(const uint32_t *)(udp + 1) != 0) {
			/* RFC 3948: a non-zero first word is an SPI */
			m->l4_len = sizeof(*udp);
			esp[(*n_esp)++] = m;
			return;
		}
		if (dport == NATT_PORT || dport == IKE_PORT) {
			to_control(w, m);
			return;
		}
	}
	if (ip->next_proto_id == IPPROTO_ICMP && l3_payload >= sizeof(struct rte_icmp_hdr)) {
		const struct rte_icmp_hdr *icmp = (const void *)((uint8_t *)ip + ihl);

		if (icmp->icmp_type == RTE_IP_ICMP_ECHO_REQUEST && icmp->icmp_code == 0 &&
		    (rte_be_to_cpu_16(ip->fragment_offset) & (RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG)) == 0) {
			icmp_echo_reply(w, m, eth, ip);
			return;
		}
	}
	drop(w, m, GW_DROP_NOT_FOR_US);
}

/* Where a packet's destination address leads. */
enum dst_kind { DST_TRANSIT, DST_LOCAL, DST_NOT_FOR_US };

/* One pass over our addresses: one of them, a broadcast or multicast
 * address (class D/E, limited or a local subnet's broadcast), or transit. */
static inline enum dst_kind
dst_kind(uint32_t dst)
{
	enum dst_kind k = dst >= 0xe0000000u ? DST_NOT_FOR_US : DST_TRANSIT;

	for (unsigned i = 0; i < gw_dp.n_local; i++) {
		const struct gw_local_addr *l = &gw_dp.local[i];

		if (dst == l->ip)
			return DST_LOCAL;
		if (l->mask != ~0u && (dst & ~l->mask) == ~l->mask &&
		    (dst & l->mask) == (l->ip & l->mask))
			k = DST_NOT_FOR_US;
	}
	return k;
}

/* 5-tuple of an IPv4 packet whose header is at the start of the data. */
static inline void
flow_of(const struct rte_ipv4_hdr *ip, struct gw_flow4 *f)
{
	f->src = rte_be_to_cpu_32(ip->src_addr);
	f->dst = rte_be_to_cpu_32(ip->dst_addr);
	f->proto = ip->next_proto_id;
	f->sport = f->dport = 0;
	if ((f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP ||
	     f->proto == IPPROTO_SCTP) &&
	    (rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) == 0 &&
	    rte_be_to_cpu_16(ip->total_length) >= rte_ipv4_hdr_len(ip) + 4) {
		const rte_be16_t *ports =
			(const void *)((const uint8_t *)ip + rte_ipv4_hdr_len(ip));

		f->sport = rte_be_to_cpu_16(ports[0]);
		f->dport = rte_be_to_cpu_16(ports[1]);
	}
}

/* The local address of a port to send ICMP errors from, 0 if none. */
static inline uint32_t
port_address(uint16_t port)
{
	for (unsigned i = 0; i < gw_dp.n_local; i++)
		if (gw_dp.local[i].port == port)
			return gw_dp.local[i].ip;
	return 0;
}

/*
 * An inner packet that ESP would make too big for the tunnel (RFC 4301
 * 8.2). With DF set it becomes, in place, the ICMP "fragmentation needed"
 * error (RFC 792, RFC 1191) that tells its source the MTU left inside the
 * tunnel, so TCP's path MTU discovery works through the gateway; it goes
 * back out through the forward stage. Without DF it is dropped: no
 * fragmentation. Never an error about an ICMP error or a fragment, and at
 * most one per icmp_gap_tsc per worker.
 */
static void
too_big_for_tunnel(struct gw_worker *w, struct rte_mbuf *m, const struct gw_sa *sa,
		   struct rte_mbuf *fwd[], uint16_t *n_fwd)
{
	const struct rte_ipv4_hdr *orig = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint16_t keep = (uint16_t)(rte_ipv4_hdr_len(orig) + 8);
	uint16_t frag = rte_be_to_cpu_16(orig->fragment_offset);
	const uint8_t *l4 = (const uint8_t *)orig + rte_ipv4_hdr_len(orig);
	uint32_t src = port_address(m->port), dst = orig->src_addr;
	uint64_t now = rte_rdtsc();
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *icmp;

	w->stats.drops[GW_DROP_TOO_BIG]++;
	if (!(frag & RTE_IPV4_HDR_DF_FLAG) || (frag & RTE_IPV4_HDR_OFFSET_MASK) ||
	    src == 0 || rte_pktmbuf_data_len(m) < keep ||
	    (orig->next_proto_id == IPPROTO_ICMP && l4[0] != RTE_IP_ICMP_ECHO_REQUEST &&
	     l4[0] != RTE_IP_ICMP_ECHO_REPLY) ||
	    now - w->icmp_last_tsc < gw_dp.icmp_gap_tsc) {
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - keep));
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, sizeof(*ip) + sizeof(*icmp));
	if (ip == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	w->icmp_last_tsc = now;
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*icmp) + keep));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp->icmp_type = 3;       /* destination unreachable */
	icmp->icmp_code = 4;       /* fragmentation needed and DF set */
	icmp->icmp_cksum = 0;
	icmp->icmp_ident = 0;      /* unused */
	icmp->icmp_seq_nb = rte_cpu_to_be_16((uint16_t)(gw_dp.tunnel_mtu - sa->overhead));
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, sizeof(*icmp) + keep);
	m->l3_len = sizeof(*ip);
	w->stats.icmp_errors++;
	fwd[(*n_fwd)++] = m;
}

/* What a lookup result means: its action, else the SPD's default (no SPD
 * published yet: discard). */
static inline uint8_t
policy_action(const struct gw_spd_table *spd, const struct gw_spd_entry *e)
{
	return e ? e->action : (spd ? spd->default_action : GW_ACT_DISCARD);
}

/*
 * Key schedule (and inbound replay window) of packet i, ahead of its ESP
 * step; the lookup stages already asked for the SA's hot lines. With many SAs
 * each is a DRAM miss; the core keeps only a couple of dozen misses in
 * flight and drops software prefetches beyond that, so they are issued a
 * few packets ahead (ESP_PREFETCH_AHEAD) rather than for a whole burst at
 * once.
 */
#define ESP_PREFETCH_AHEAD 4

static inline void
esp_prefetch(struct rte_mbuf *mb[], struct gw_sa *sas[], uint16_t i, enum gw_sa_dir dir)
{
	if (i > 0 && sas[i] == sas[i - 1])
		return; /* a run of one SA: already asked for */
	if (dir == GW_DIR_OUT)
		gw_sa_prefetch_out(sas[i], rte_pktmbuf_data_len(mb[i]));
	else
		gw_sa_prefetch_in(sas[i], rte_pktmbuf_data_len(mb[i]));
}

/* Runs packets through their SAs, one call per run of the same SA. */
static void
esp_by_runs(struct gw_worker *w, struct rte_mbuf *mb[], struct gw_sa *sas[],
	    uint16_t n, enum gw_sa_dir dir, struct rte_mbuf *fwd[], uint16_t *n_fwd)
{
	uint16_t i = 0, ahead = 0;
	uint64_t t = prof_start();

	while (i < n) {
		struct gw_sa *sa = sas[i];
		uint16_t j = i + 1, good;

		while (j < n && sas[j] == sa)
			j++;
		for (; ahead < n && ahead < j + ESP_PREFETCH_AHEAD; ahead++)
			esp_prefetch(mb, sas, ahead, dir);
		good = sa->process(&w->esp, sa, &mb[i], j - i);
		for (uint16_t k = 0; k < good; k++)
			fwd[(*n_fwd)++] = mb[i + k];
		if (good < j - i)
			rte_pktmbuf_free_bulk(&mb[i + good], j - i - good);
		i = j;
	}
	prof_add(w, GW_PROF_ESP, &t);
}

/* Packets from the protected side: strip L2, SPD, then protect/bypass. */
static void
stage_outbound(struct gw_worker *w, struct rte_mbuf *mb[], uint16_t n,
	       struct rte_mbuf *fwd[], uint16_t *n_fwd)
{
	const struct gw_spd_table *spd = w->spd;
	const struct gw_spd_entry *match[GW_BURST_MAX];
	struct gw_flow4 flows[GW_BURST_MAX];
	struct rte_mbuf *prot[GW_BURST_MAX];
	struct gw_sa *sas[GW_BURST_MAX];
	uint16_t n_prot = 0;

	for (uint16_t i = 0; i < n; i++)
		flow_of((struct rte_ipv4_hdr *)rte_pktmbuf_adj(mb[i], ETH_LEN), &flows[i]);
	gw_spd_lookup_bulk(spd, flows, n, 0, match);
	/* with many SAs each packet misses on its policy, SA and key: issue
	 * all of those loads for the burst first, so they overlap */
	for (uint16_t i = 0; i < n; i++)
		if (match[i])
			rte_prefetch0(match[i]);
	for (uint16_t i = 0; i < n; i++)
		if (match[i] && match[i]->sa)
			gw_sa_prefetch_hot(match[i]->sa); /* overhead and owner, below */
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = mb[i];
		const struct gw_spd_entry *e = match[i];
		uint8_t action;

		action = policy_action(spd, e);
		if (action == GW_ACT_PROTECT) {
			if (unlikely(rte_pktmbuf_data_len(m) + e->sa->overhead >
				     gw_dp.tunnel_mtu)) {
				too_big_for_tunnel(w, m, e->sa, fwd, n_fwd);
				continue;
			}
			if (unlikely(e->sa->owner != w->idx)) {
				handoff(w, m, e->sa);
				continue;
			}
			prot[n_prot] = m;
			sas[n_prot++] = e->sa;
		} else if (action == GW_ACT_BYPASS) {
			w->stats.bypassed++;
			fwd[(*n_fwd)++] = m;
		} else if (unlikely(action == GW_ACT_TRAP)) {
			/* no SA yet: ask the control path for one (once), drop */
			gw_trap_hit(e->trap);
			drop(w, m, GW_DROP_TRAP);
		} else {
			drop(w, m, e ? GW_DROP_POLICY_DISCARD : GW_DROP_NO_POLICY);
		}
	}
	esp_by_runs(w, prot, sas, n_prot, GW_DIR_OUT, fwd, n_fwd);
}

/*
 * SAs for a burst's SPIs. Packets of one SA tend to come in runs, so only
 * the first SPI of each run is looked up (one rte_hash bulk call for the
 * distinct ones) and the rest reuse its result: at one busy SA this turns
 * ~35 cycles per packet into one lookup per burst.
 */
static inline void
spi_lookup_bulk(struct gw_worker *w, const uint32_t spis[], const void *keys[],
		uint16_t n, uint64_t *hits, void *data[])
{
	const void *ukeys[GW_BURST_MAX];
	void *udata[GW_BURST_MAX];
	uint8_t run_of[GW_BURST_MAX];
	uint64_t uhits = 0;
	uint16_t n_u = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (i == 0 || spis[i] != spis[i - 1]) {
			ukeys[n_u++] = keys[i];
		}
		run_of[i] = (uint8_t)(n_u - 1);
	}
	rte_hash_lookup_bulk_data(w->spi_table, ukeys, n_u, &uhits, udata);
	/* the hot lines the checks below read; the rest ahead of ESP */
	for (uint16_t u = 0; u < n_u; u++)
		if (uhits & (1ull << u))
			gw_sa_prefetch_hot(udata[u]);
	*hits = 0;
	for (uint16_t i = 0; i < n; i++) {
		data[i] = udata[run_of[i]];
		*hits |= ((uhits >> run_of[i]) & 1) << i;
	}
}

/* ESP for our addresses: strip L2, SPI lookup, then the SA's inbound. */
static void
stage_inbound_esp(struct gw_worker *w, struct rte_mbuf *mb[], uint16_t n,
		  struct rte_mbuf *fwd[], uint16_t *n_fwd)
{
	uint32_t spis[GW_BURST_MAX];
	const void *keys[GW_BURST_MAX];
	void *data[GW_BURST_MAX];
	struct rte_mbuf *own[GW_BURST_MAX];
	struct gw_sa *sas[GW_BURST_MAX];
	uint64_t hits = 0;
	uint16_t n_keyed = 0, n_own = 0;
	struct rte_mbuf *keyed[GW_BURST_MAX];

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = mb[i];
		uint16_t off = m->l3_len + m->l4_len;
		const uint8_t *p = (const uint8_t *)rte_pktmbuf_adj(m, ETH_LEN);

		if (unlikely(rte_pktmbuf_data_len(m) < off + 8u)) {
			drop(w, m, GW_DROP_ESP_TRUNCATED);
			continue;
		}
		spis[n_keyed] = rte_be_to_cpu_32(*(const uint32_t *)(p + off));
		keys[n_keyed] = &spis[n_keyed];
		keyed[n_keyed++] = m;
	}
	if (n_keyed == 0)
		return;
	spi_lookup_bulk(w, spis, keys, n_keyed, &hits, data);
	for (uint16_t i = 0; i < n_keyed; i++) {
		struct gw_sa *sa = data[i];
		const struct rte_ipv4_hdr *outer =
			rte_pktmbuf_mtod(keyed[i], const struct rte_ipv4_hdr *);

		/* an SA is identified by SPI and its destination (RFC 4301 4.1) */
		if (unlikely(!(hits & (1ull << i)) ||
			     rte_be_to_cpu_32(outer->dst_addr) != sa->in.local_v4)) {
			drop(w, keyed[i], GW_DROP_NO_SA);
			continue;
		}
		if (unlikely(sa->owner != w->idx)) {
			handoff(w, keyed[i], sa);
			continue;
		}
		own[n_own] = keyed[i];
		sas[n_own++] = sa;
	}
	/* the ESP step also drops the inner TTL (gw_esp_ctx.dec_ttl) */
	esp_by_runs(w, own, sas, n_own, GW_DIR_IN, fwd, n_fwd);
}

/* Clear traffic from the unprotected side: allowed only by a bypass policy. */
static void
stage_inbound_clear(struct gw_worker *w, struct rte_mbuf *mb[], uint16_t n,
		    struct rte_mbuf *fwd[], uint16_t *n_fwd)
{
	const struct gw_spd_table *spd = w->spd;
	const struct gw_spd_entry *match[GW_BURST_MAX];
	struct gw_flow4 flows[GW_BURST_MAX];

	for (uint16_t i = 0; i < n; i++)
		flow_of((struct rte_ipv4_hdr *)rte_pktmbuf_adj(mb[i], ETH_LEN), &flows[i]);
	gw_spd_lookup_bulk(spd, flows, n, 1, match);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = mb[i];
		const struct gw_spd_entry *e = match[i];
		uint8_t action;

		action = policy_action(spd, e);
		if (action == GW_ACT_BYPASS) {
			w->stats.bypassed++;
			fwd[(*n_fwd)++] = m;
		} else if (action == GW_ACT_PROTECT) {
			drop(w, m, GW_DROP_PLAINTEXT_PROTECTED);
		} else {
			drop(w, m, e ? GW_DROP_POLICY_DISCARD : GW_DROP_NO_POLICY);
		}
	}
}

/* Asks the control path for a MAC (at most once a second per neighbour)
 * and returns the cache slot, or NULL when the cache is full. */
static struct gw_neigh *
request_resolution(struct gw_worker *w, struct gw_neigh *nb, uint32_t ip, uint16_t port)
{
	uint64_t now = rte_rdtsc();
	struct gw_event ev = {
		.type = GW_EV_RESOLVE, .ip = ip, .port = port, .worker = (uint16_t)w->idx,
	};

	if (nb == NULL)
		return NULL; /* cache full: the control path still learns via ARP */
	if (nb->state == GW_NEIGH_INCOMPLETE &&
	    now - nb->requested_tsc < gw_dp.resolve_retry_tsc)
		return nb;
	if (nb->state == GW_NEIGH_EMPTY) {
		w->neigh.used++;
		nb->ip = ip;
		nb->state = GW_NEIGH_INCOMPLETE;
	} else if (nb->held) {
		/* a second without an answer: give up on the held packet */
		drop(w, nb->held, GW_DROP_NO_NEIGHBOR);
		nb->held = NULL;
		w->stats.neigh_held--;
	}
	nb->requested_tsc = now;
	gw_ctrl_up_event(&gw_dp.ctrl, &ev);
	return nb;
}

/* Adds the L2 header for a resolved next hop and queues the frame. */
static inline void
send_to_neighbor(struct gw_worker *w, struct rte_mbuf *m, uint16_t port,
		 const struct rte_ether_addr *mac)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, ETH_LEN);

	if (unlikely(eth == NULL)) {
		drop(w, m, GW_DROP_NO_ROOM);
		return;
	}
	rte_ether_addr_copy(mac, &eth->dst_addr);
	rte_ether_addr_copy(&gw_dp.port[port].mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	tx_buffer(w, m, port);
}

/* Packets whose data starts at an IPv4 header: route, L2, TX buffer.
 * Consecutive packets to one destination (all ESP of one peer, a bulk
 * flow) reuse the previous route and neighbour within the burst. */
static void
stage_forward(struct gw_worker *w, struct rte_mbuf *mb[], uint16_t n)
{
	uint32_t last_dst = 0;
	const struct gw_nexthop *last_nh = NULL;
	const struct gw_neigh *last_nb = NULL;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = mb[i];
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
		uint32_t dst = rte_be_to_cpu_32(ip->dst_addr), target;
		const struct gw_nexthop *nh;
		struct gw_neigh *nb;

		if (last_nb != NULL && dst == last_dst) {
			if (unlikely(rte_pktmbuf_pkt_len(m) > gw_dp.port[last_nh->port].mtu)) {
				drop(w, m, GW_DROP_TOO_BIG);
				continue;
			}
			send_to_neighbor(w, m, last_nh->port, &last_nb->mac);
			continue;
		}
		nh = gw_route_lookup(&gw_dp.routes, dst);
		if (unlikely(nh == NULL)) {
			drop(w, m, GW_DROP_NO_ROUTE);
			continue;
		}
		if (unlikely(rte_pktmbuf_pkt_len(m) > gw_dp.port[nh->port].mtu)) {
			drop(w, m, GW_DROP_TOO_BIG);
			continue;
		}
		target = nh->gateway ? nh->gateway : dst;
		nb = gw_neigh_find(&w->neigh, target);
		if (unlikely(nb == NULL || nb->state != GW_NEIGH_VALID)) {
			nb = request_resolution(w, nb, target, nh->port);
			if (nb && nb->held == NULL) {
				nb->held = m;
				nb->held_port = nh->port;
				w->stats.neigh_held++;
			} else {
				drop(w, m, GW_DROP_NO_NEIGHBOR);
			}
			continue;
		}
		last_dst = dst;
		last_nh = nh;
		last_nb = nb;
		send_to_neighbor(w, m, nh->port, &nb->mac);
	}
}

/*
 * The common frame, checked with one branch: one segment, unicast to this
 * port's MAC from another MAC, IPv4 without options, lengths that agree,
 * a right header checksum (or the NIC's word for it). Anything else goes
 * through frame_checks_slow, which finds what exactly is wrong.
 */
static inline bool
frame_is_plain_ipv4(const struct rte_mbuf *m, const struct rte_ether_hdr *eth, uint16_t len)
{
	const uint64_t mac_mask = rte_cpu_to_le_64(0xffffffffffffull);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	uint64_t mine = gw_dp.port[m->port].mac64, dst, src;
	uint16_t tot;
	bool bad;

	if (unlikely(len < ETH_LEN + sizeof(*ip)))
		return false;
	memcpy(&dst, &eth->dst_addr, sizeof(dst));
	memcpy(&src, &eth->src_addr, sizeof(src));
	tot = rte_be_to_cpu_16(ip->total_length);
	bad = (m->nb_segs != 1) | (((dst ^ mine) & mac_mask) != 0) |
	      (((src ^ mine) & mac_mask) == 0) |
	      (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) |
	      (ip->version_ihl != RTE_IPV4_VHL_DEF) | (tot < sizeof(*ip)) |
	      (ETH_LEN + tot > len) |
	      !((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_GOOD) | gw_ipv4_cksum_ok(ip, sizeof(*ip)));
	return !bad;
}

/* Every check of frame_is_plain_ipv4 one at a time, with its drop reason;
 * ARP goes to the control path. True when the frame is IPv4 to go on
 * with (options, multicast MAC), its header and lengths in *ipp. */
static bool
frame_checks_slow(struct gw_worker *w, struct rte_mbuf *m, struct rte_ether_hdr *eth,
		  uint16_t len, struct rte_ipv4_hdr **ipp, uint16_t *ihlp, uint16_t *totp)
{
	struct rte_ipv4_hdr *ip;
	uint16_t ihl, tot;

	if (unlikely(m->nb_segs != 1)) {
		drop(w, m, GW_DROP_MULTISEG);
		return false;
	}
	if (unlikely(len < ETH_LEN)) {
		drop(w, m, GW_DROP_MALFORMED);
		return false;
	}
	/* AF_PACKET may hand our own transmissions back to us */
	if (unlikely(rte_is_same_ether_addr(&eth->src_addr,
					    &gw_dp.port[m->port].mac))) {
		drop(w, m, GW_DROP_LOOPED);
		return false;
	}
	/* a router takes only frames for its MAC, broadcast or multicast */
	if (unlikely(!rte_is_multicast_ether_addr(&eth->dst_addr) &&
		     !rte_is_same_ether_addr(&eth->dst_addr,
					     &gw_dp.port[m->port].mac))) {
		drop(w, m, GW_DROP_OTHER_HOST);
		return false;
	}
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		to_control(w, m);
		return false;
	}
	if (unlikely(eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))) {
		drop(w, m, GW_DROP_UNSUPPORTED);
		return false;
	}
	*ipp = ip = (struct rte_ipv4_hdr *)(eth + 1);
	if (unlikely(len < ETH_LEN + sizeof(*ip) || (ip->version_ihl >> 4) != 4)) {
		drop(w, m, GW_DROP_MALFORMED);
		return false;
	}
	*ihlp = ihl = rte_ipv4_hdr_len(ip);
	*totp = tot = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(ihl < sizeof(*ip) || tot < ihl || ETH_LEN + tot > len)) {
		drop(w, m, GW_DROP_MALFORMED);
		return false;
	}
	if (!(m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_GOOD) &&
	    unlikely(!gw_ipv4_cksum_ok(ip, ihl))) {
		drop(w, m, GW_DROP_BAD_CHECKSUM);
		return false;
	}
	return true;
}

void
gw_worker_process(struct gw_worker *w, struct rte_mbuf *pkts[], uint16_t n)
{
	struct rte_mbuf *esp_in[GW_BURST_MAX], *out[GW_BURST_MAX];
	struct rte_mbuf *clear_in[GW_BURST_MAX], *fwd[2 * GW_BURST_MAX];
	uint16_t n_esp = 0, n_out = 0, n_clear = 0, n_fwd = 0;
	uint64_t t = prof_start(), esp_before;

	w->stats.rx_packets += n;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		struct rte_ipv4_hdr *ip;
		uint16_t ihl, tot, len = rte_pktmbuf_data_len(m);
		enum dst_kind kind;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		if (likely(frame_is_plain_ipv4(m, eth, len))) {
			ip = (struct rte_ipv4_hdr *)(eth + 1);
			ihl = sizeof(*ip);
			tot = rte_be_to_cpu_16(ip->total_length);
		} else if (!frame_checks_slow(w, m, eth, len, &ip, &ihl, &tot)) {
			continue;
		}
		/* drop Ethernet padding so lengths are the IP lengths */
		if (ETH_LEN + tot < len)
			rte_pktmbuf_trim(m, len - ETH_LEN - tot);
		kind = dst_kind(rte_be_to_cpu_32(ip->dst_addr));
		if (kind == DST_LOCAL) {
			classify_local(w, m, eth, ip, ihl, esp_in, &n_esp);
			continue;
		}
		if (unlikely(kind == DST_NOT_FOR_US)) {
			drop(w, m, GW_DROP_NOT_FOR_US);
			continue;
		}
		if (unlikely(gw_ipv4_dec_ttl(ip) <= 1)) {
			drop(w, m, GW_DROP_TTL);
			continue;
		}
		if (gw_dp.port[m->port].role == GW_ROLE_PROTECTED)
			out[n_out++] = m;
		else
			clear_in[n_clear++] = m;
	}
	prof_add(w, GW_PROF_CLASSIFY, &t);
	esp_before = w->prof[GW_PROF_ESP];
	if (n_out)
		stage_outbound(w, out, n_out, fwd, &n_fwd);
	if (n_esp)
		stage_inbound_esp(w, esp_in, n_esp, fwd, &n_fwd);
	if (n_clear)
		stage_inbound_clear(w, clear_in, n_clear, fwd, &n_fwd);
	if (unlikely(gw_dp.profile)) {
		/* the stages above timed their ESP part themselves */
		uint64_t t1 = rte_rdtsc();

		w->prof[GW_PROF_LOOKUP] += t1 - t - (w->prof[GW_PROF_ESP] - esp_before);
		t = t1;
	}
	if (n_fwd)
		stage_forward(w, fwd, n_fwd);
	prof_add(w, GW_PROF_FORWARD, &t);
}

/* Packets other workers classified for SAs this worker owns. */
uint16_t
gw_worker_handoff(struct gw_worker *w)
{
	struct rte_mbuf *mb[GW_BURST_MAX], *dir_mb[2][GW_BURST_MAX];
	struct rte_mbuf *fwd[2 * GW_BURST_MAX];
	struct gw_sa *dir_sa[2][GW_BURST_MAX];
	uint16_t total = 0, n;

	/* drain what is there now: a retired SA may be referenced only by
	 * packets enqueued before its grace periods (see gw_ctrl_retire) */
	do {
		uint16_t n_dir[2] = { 0, 0 }, n_fwd = 0;

		n = (uint16_t)rte_ring_sc_dequeue_burst(w->handoff, (void **)mb,
							w->burst, NULL);
		for (uint16_t i = 0; i < n; i++) {
			struct gw_sa *sa = *gw_mbuf_sa(mb[i]);

			dir_mb[sa->dir][n_dir[sa->dir]] = mb[i];
			dir_sa[sa->dir][n_dir[sa->dir]++] = sa;
		}
		esp_by_runs(w, dir_mb[GW_DIR_OUT], dir_sa[GW_DIR_OUT], n_dir[GW_DIR_OUT],
			    GW_DIR_OUT, fwd, &n_fwd);
		esp_by_runs(w, dir_mb[GW_DIR_IN], dir_sa[GW_DIR_IN], n_dir[GW_DIR_IN],
			    GW_DIR_IN, fwd, &n_fwd);
		stage_forward(w, fwd, n_fwd);
		total += n;
	} while (n == w->burst && total < 1024);
	return total;
}

unsigned
gw_worker_apply_messages(struct gw_worker *w)
{
	struct gw_msg m;
	unsigned n = 0;

	while (rte_ring_sc_dequeue_elem(gw_dp.ctrl.msg[w->idx], &m, sizeof(m)) == 0) {
		switch (m.type) {
		case GW_MSG_SA_ADD:
			rte_hash_add_key_data(w->spi_table, &m.sa->spi, m.sa);
			break;
		case GW_MSG_SA_DEL:
			rte_hash_del_key(w->spi_table, &m.sa->spi);
			break;
		case GW_MSG_SPD_SET:
			w->spd = m.spd;
			break;
		case GW_MSG_NEIGH_SET: {
			struct gw_neigh *nb;

			gw_neigh_set(&w->neigh, m.neigh.ip, m.neigh.mac);
			nb = gw_neigh_find(&w->neigh, m.neigh.ip);
			if (nb && nb->held) {
				send_to_neighbor(w, nb->held, nb->held_port, &nb->mac);
				nb->held = NULL;
				w->stats.neigh_held--;
			}
			break;
		}
		}
		/* the ack is what lets the control path free replaced objects */
		__atomic_store_n(&w->msg_applied, m.seq, __ATOMIC_RELEASE);
		n++;
	}
	return n;
}

/* Frames the control path asked this worker to send (ARP, IKE). */
static void
drain_control_tx(struct gw_worker *w)
{
	struct rte_mbuf *mb[GW_BURST_MAX];
	unsigned n = rte_ring_sc_dequeue_burst(gw_dp.ctrl.tx[w->idx], (void **)mb,
					       GW_BURST_MAX, NULL);

	for (unsigned i = 0; i < n; i++)
		tx_buffer(w, mb[i], mb[i]->port);
}

int
gw_worker_main(void *arg)
{
	struct gw_worker *w = arg;
	struct rte_mbuf *pkts[GW_BURST_MAX];

	rte_rcu_qsbr_thread_register(gw_dp.ctrl.qsbr, w->idx);
	rte_rcu_qsbr_thread_online(gw_dp.ctrl.qsbr, w->idx);
	while (!gw_dp.stop) {
		unsigned got = 0;

		gw_worker_apply_messages(w);
		drain_control_tx(w);
		for (uint16_t q = 0; q < w->n_rxq; q++) {
			uint16_t n = rte_eth_rx_burst(w->rxq[q].port, w->rxq[q].queue,
						      pkts, w->burst);

			if (n) {
				gw_worker_process(w, pkts, n);
				got += n;
			}
		}
		got += gw_worker_handoff(w);
		gw_worker_flush(w);
		w->stats.polls++;
		rte_rcu_qsbr_quiescent(gw_dp.ctrl.qsbr, w->idx);
		if (got == 0) {
			w->stats.idle_polls++;
			if (gw_dp.idle_sleep)
				rte_delay_us_sleep(gw_dp.idle_sleep_us);
		}
	}
	rte_rcu_qsbr_thread_offline(gw_dp.ctrl.qsbr, w->idx);
	rte_rcu_qsbr_thread_unregister(gw_dp.ctrl.qsbr, w->idx);
	return 0;
}
