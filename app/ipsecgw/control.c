/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control loop: SA and SPD installation, ARP, neighbour resolution, and
 * the operator interfaces. Everything that can sleep, allocate or log
 * lives here, never on a worker.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include <rte_arp.h>
#include <rte_malloc.h>

#include "control.h"
#include "dataplane.h"
#include "gw_log.h"
#include "ike.h"
#include "trap.h"

struct gw_control gw_control;

uint64_t
gw_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int
gw_control_install_config(void)
{
	const struct gw_cfg *cfg = &gw_control.cfg;

	if (cfg->n_sas > 64)
		GW_INFO("installing %u SAs", cfg->n_sas);
	for (unsigned i = 0; i < cfg->n_sas; i++) {
		if (gw_control_sa_add(&cfg->sas[i], NULL) != 0) {
			GW_ERR("%s:%d: SA %s cannot be installed (unsupported in the data plane)",
			       cfg->path, cfg->sas[i].line, cfg->sas[i].name);
			return -1;
		}
	}
	if (gw_control_spd_publish() != 0)
		return -1;
	for (unsigned i = 0; i < cfg->n_neighbors; i++) {
		const struct gw_cfg_neighbor *n = &cfg->neighbors[i];
		const struct gw_cfg_port *p = gw_cfg_port_by_name(cfg, n->port);
		uint16_t port = gw_dp.port_ids[p - cfg->ports];
		struct rte_ether_addr mac;

		memcpy(&mac, n->mac, 6);
		if (n->addr.family == GW_AF_INET &&
		    gw_control_neigh_set(n->addr.v4, port, &mac, true) != 0)
			return -1;
	}
	return 0;
}

struct gw_ctl_neigh *
gw_control_neigh_find(uint32_t ip)
{
	for (unsigned i = 0; i < gw_control.n_neigh; i++)
		if (gw_control.neigh[i].ip == ip)
			return &gw_control.neigh[i];
	return NULL;
}

int
gw_control_neigh_set(uint32_t ip, uint16_t port, const struct rte_ether_addr *mac,
		     bool is_static)
{
	struct gw_ctl_neigh *n = gw_control_neigh_find(ip);
	struct gw_msg m = { .type = GW_MSG_NEIGH_SET };

	if (n == NULL) {
		if (gw_control.n_neigh == GW_CTL_MAX_NEIGH) {
			gw_control.stats.neigh_table_full++;
			return -1;
		}
		n = &gw_control.neigh[gw_control.n_neigh++];
		n->ip = ip;
	} else if (n->is_static && !is_static) {
		return 0; /* configured entries win over ARP */
	} else if (rte_is_same_ether_addr(&n->mac, mac) && n->port == port) {
		n->updated_ns = gw_now_ns();
		return 0;
	}
	n->port = port;
	n->mac = *mac;
	n->is_static = is_static;
	n->updated_ns = gw_now_ns();
	m.neigh.ip = ip;
	m.neigh.port = port;
	memcpy(m.neigh.mac, mac, 6);
	return gw_ctrl_send_all(&gw_dp.ctrl, &m);
}

/* Our address on port that shares a subnet with ip, else the port's first. */
static const struct gw_local_addr *
local_addr_for(uint16_t port, uint32_t ip)
{
	const struct gw_local_addr *first = NULL;

	for (unsigned i = 0; i < gw_dp.n_local; i++) {
		const struct gw_local_addr *l = &gw_dp.local[i];

		if (l->port != port)
			continue;
		if (((l->ip ^ ip) & l->mask) == 0)
			return l;
		if (first == NULL)
			first = l;
	}
	return first;
}

void
gw_control_send_frame(struct rte_mbuf *m)
{
	/* worker 0 transmits control frames on its own TX queue */
	if (rte_ring_sp_enqueue(gw_dp.ctrl.tx[0], m) != 0)
		rte_pktmbuf_free(m);
}

void
gw_control_arp_request(uint32_t target, uint16_t port)
{
	const struct gw_local_addr *src = local_addr_for(port, target);
	struct rte_mbuf *m;
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	if (src == NULL)
		return;
	m = rte_pktmbuf_alloc(gw_dp.pool);
	if (m == NULL) {
		gw_control.stats.alloc_failed++;
		return;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp));
	arp = (struct rte_arp_hdr *)(eth + 1);
	memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	eth->src_addr = gw_dp.port[port].mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = gw_dp.port[port].mac;
	arp->arp_data.arp_sip = rte_cpu_to_be_32(src->ip);
	memset(&arp->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
	arp->arp_data.arp_tip = rte_cpu_to_be_32(target);
	m->port = port;
	gw_control.stats.arp_requests_out++;
	gw_control_send_frame(m);
}

static bool
on_connected_subnet(uint16_t port, uint32_t ip)
{
	for (unsigned i = 0; i < gw_dp.n_local; i++)
		if (gw_dp.local[i].port == port &&
		    ((gw_dp.local[i].ip ^ ip) & gw_dp.local[i].mask) == 0)
			return true;
	return false;
}

static void
handle_arp(struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	uint32_t sip, tip;
	const struct gw_local_addr *l;

	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*arp) ||
	    arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4) {
		gw_control.stats.arp_invalid++;
		rte_pktmbuf_free(m);
		return;
	}
	sip = rte_be_to_cpu_32(arp->arp_data.arp_sip);
	tip = rte_be_to_cpu_32(arp->arp_data.arp_tip);
	/* learn senders on our subnets (RFC 826 merge), never multicast MACs */
	if (sip != 0 && on_connected_subnet(m->port, sip) &&
	    rte_is_unicast_ether_addr(&arp->arp_data.arp_sha))
		gw_control_neigh_set(sip, m->port, &arp->arp_data.arp_sha, false);
	if (arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY)) {
		gw_control.stats.arp_replies_in++;
		rte_pktmbuf_free(m);
		return;
	}
	if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST)) {
		gw_control.stats.arp_invalid++;
		rte_pktmbuf_free(m);
		return;
	}
	gw_control.stats.arp_requests_in++;
	l = gw_dp_local_lookup(tip);
	if (l == NULL || l->port != m->port) {
		rte_pktmbuf_free(m);
		return;
	}
	/* answer in place */
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = arp->arp_data.arp_sha;
	arp->arp_data.arp_tip = arp->arp_data.arp_sip;
	arp->arp_data.arp_sha = gw_dp.port[m->port].mac;
	arp->arp_data.arp_sip = rte_cpu_to_be_32(tip);
	eth->dst_addr = eth->src_addr;
	eth->src_addr = gw_dp.port[m->port].mac;
	gw_control.stats.arp_replies_out++;
	gw_control_send_frame(m);
}

static void
handle_slow_burst(struct rte_mbuf **mb, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(mb[i], void *);

		if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
			handle_arp(mb[i]);
			continue;
		}
		/* UDP 500/4500 without an ESP SPI: IKE */
		gw_ike_input(mb[i]);
		rte_pktmbuf_free(mb[i]);
	}
}

static void
handle_slow_packets(void)
{
	struct rte_mbuf *mb[32];
	unsigned n, rounds = 0;

	/* Drain what arrived during the 1 ms sleep (up to 8 bursts per
	 * wakeup): a burst of IKE requests must not wait a poll period per
	 * 32 datagrams, and a flood must not starve the operator sockets. */
	do {
		n = rte_ring_sc_dequeue_burst(gw_dp.ctrl.slow, (void **)mb, 32, NULL);
		handle_slow_burst(mb, n);
	} while (n == 32 && ++rounds < 8);
}

static void
handle_events(void)
{
	struct gw_event ev[32];
	unsigned n = rte_ring_sc_dequeue_burst_elem(gw_dp.ctrl.events, ev, sizeof(ev[0]),
						    32, NULL);

	for (unsigned i = 0; i < n; i++) {
		const struct gw_ctl_neigh *known;

		if (ev[i].type == GW_EV_TRAP) {
			gw_trap_event(ev[i].ip);
			continue;
		}
		if (ev[i].type != GW_EV_RESOLVE)
			continue;
		known = gw_control_neigh_find(ev[i].ip);
		if (known) {
			/* the worker missed an update (e.g. its cache was full
			 * then): resend rather than ask the network again */
			struct gw_msg m = { .type = GW_MSG_NEIGH_SET };

			m.neigh.ip = known->ip;
			m.neigh.port = known->port;
			memcpy(m.neigh.mac, &known->mac, 6);
			gw_ctrl_send(&gw_dp.ctrl, ev[i].worker, &m);
			continue;
		}
		gw_control_arp_request(ev[i].ip, ev[i].port);
	}
}

/* Next hops the gateway will need (route gateways, SA peers): resolving
 * them before traffic arrives keeps the first packets of a tunnel from
 * being dropped for want of a neighbour. */
static void
resolve_known_next_hops(void)
{
	static uint64_t last_ns;
	uint64_t now = gw_now_ns();

	if (now - last_ns < 1000000000ull)
		return;
	last_ns = now;
	for (uint32_t i = 0; i < gw_dp.routes.n_routes; i++) {
		const struct gw_route_entry *r = &gw_dp.routes.routes[i];

		if (r->via.family == GW_AF_INET && gw_control_neigh_find(r->via.v4) == NULL)
			gw_control_arp_request(r->via.v4, r->port);
	}
	/* configured IKE peers: our first IKE_SA_INIT (or response) must not
	 * wait a retransmission period for ARP */
	for (unsigned i = 0; i < gw_control.cfg.n_conns; i++) {
		const struct gw_cfg_conn *c = &gw_control.cfg.conns[i];
		const struct gw_nexthop *nh;
		uint32_t target;

		if (c->remote_any || c->n_remote_addrs == 0 ||
		    c->remote_addrs[0].family != GW_AF_INET)
			continue;
		nh = gw_route_lookup(&gw_dp.routes, c->remote_addrs[0].v4);
		if (nh == NULL)
			continue;
		target = nh->gateway ? nh->gateway : c->remote_addrs[0].v4;
		if (gw_control_neigh_find(target) == NULL)
			gw_control_arp_request(target, nh->port);
	}
	for (unsigned i = 0; i < gw_control.n_sas; i++) {
		const struct gw_sa *sa = gw_control.sas[i].sa;
		const struct gw_nexthop *nh;
		uint32_t target;

		if (sa->dir != GW_DIR_OUT || sa->remote.family != GW_AF_INET)
			continue;
		nh = gw_route_lookup(&gw_dp.routes, sa->remote.v4);
		if (nh == NULL)
			continue;
		target = nh->gateway ? nh->gateway : sa->remote.v4;
		if (gw_control_neigh_find(target) == NULL)
			gw_control_arp_request(target, nh->port);
	}
}

void
gw_control_loop(void)
{
	while (!gw_control.quit && !gw_dp.stop) {
		struct pollfd fds[2];
		nfds_t nfds = 0;

		if (gw_control.server) {
			fds[nfds].fd = gw_ctl_server_fd(gw_control.server);
			fds[nfds++].events = POLLIN;
		}
		if (gw_control.console) {
			fds[nfds].fd = 0;
			fds[nfds++].events = POLLIN;
		}
		/* 1 ms: ARP and (later) IKE latency stay low while idle cost is nil */
		if (poll(fds, nfds, 1) < 0 && errno != EINTR)
			break;
		if (gw_control.server)
			gw_ctl_server_poll(gw_control.server);
		if (gw_control.console && gw_console_poll(gw_control.console) < 0) {
			gw_console_close(gw_control.console);
			gw_control.console = NULL;
			gw_control.quit = true;
		}
		handle_slow_packets();
		handle_events();
		resolve_known_next_hops();
		gw_ike_tick(gw_now_ns() / 1000000);
		gw_ctrl_retire_poll(&gw_dp.ctrl);
	}
}
