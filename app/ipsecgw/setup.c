/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data plane bring-up shared by the gateway and the benchmark: mempool,
 * rings, ports, routes and workers from a configuration, so both run the
 * same pipeline on the same structures.
 */
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_jhash.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "control.h"
#include "dataplane.h"
#include "gw_log.h"
#include "gw_port.h"

/* room for negotiated SAs beyond the configured ones */
#define SPI_TABLE_MIN_ENTRIES 16384
#define HANDOFF_RING_SIZE 4096

static int
setup_ports(const struct gw_cfg *cfg, unsigned n_workers)
{
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct gw_cfg_port *p = &cfg->ports[i];
		struct gw_port_request req = {
			.nb_queues = (uint16_t)n_workers,
			.nb_rxd = 1024,
			.nb_txd = 1024,
			.mtu = p->mtu,
			.pool = gw_dp.pool,
		};
		struct gw_port_setup out;
		struct gw_dp_port *dp;
		uint16_t id;

		if (rte_eth_dev_get_port_by_name(p->device, &id) != 0) {
			GW_ERR("%s:%d: port %s: no DPDK device named '%s' (check eal.args: "
			       "--vdev for virtual devices, -a for PCI)", cfg->path, p->line,
			       p->name, p->device);
			return -1;
		}
		if (gw_port_configure(id, &req, &out) != 0)
			return -1;
		dp = &gw_dp.port[id];
		dp->used = true;
		dp->role = (uint8_t)p->role;
		dp->mtu = out.mtu;
		if (p->role == GW_ROLE_UNPROTECTED && out.mtu < gw_dp.tunnel_mtu)
			gw_dp.tunnel_mtu = out.mtu;
		dp->nb_rxq = out.nb_rxq;
		dp->rx_ipv4_cksum = out.rx_ipv4_cksum;
		dp->mac = out.mac;
		dp->mac64 = 0;
		memcpy(&dp->mac64, &dp->mac, sizeof(dp->mac));
		dp->cfg = p;
		gw_dp.port_ids[i] = id;
		gw_dp.n_ports++;
		for (unsigned a = 0; a < p->n_addrs; a++) {
			const struct gw_prefix *pf = &p->addrs[a];
			struct gw_prefix net = *pf;

			if (pf->addr.family != GW_AF_INET)
				continue; /* IPv6 addresses: data plane is IPv4 for now */
			gw_dp.local[gw_dp.n_local].ip = pf->addr.v4;
			gw_dp.local[gw_dp.n_local].mask = gw_v4_mask(pf->len);
			gw_dp.local[gw_dp.n_local++].port = id;
			net.addr.v4 &= gw_v4_mask(pf->len);
			if (gw_route_add(&gw_dp.routes, &net, 0, id, 1) != 0) {
				GW_ERR("port %s: cannot add connected route", p->name);
				return -1;
			}
		}
		GW_INFO("port %s: %s (port %u, %s) %s, %u RX queue(s)%s, MTU %u",
			p->name, p->device, id, out.driver,
			p->role == GW_ROLE_PROTECTED ? "protected" : "unprotected",
			out.nb_rxq, out.rss ? " with RSS" : "", out.mtu);
	}
	return 0;
}

static int
setup_routes(const struct gw_cfg *cfg)
{
	for (unsigned i = 0; i < cfg->n_routes; i++) {
		const struct gw_cfg_route *r = &cfg->routes[i];
		const struct gw_cfg_port *p = gw_cfg_port_by_name(cfg, r->port);
		uint16_t id = gw_dp.port_ids[p - cfg->ports];

		if (r->dst.addr.family != GW_AF_INET)
			continue;
		if (gw_route_add(&gw_dp.routes, &r->dst,
				 r->via.family == GW_AF_INET ? r->via.v4 : 0, id, 0) != 0) {
			GW_ERR("%s:%d: cannot add route", cfg->path, r->line);
			return -1;
		}
	}
	return 0;
}

static int
setup_workers(const struct gw_cfg *cfg)
{
	unsigned n = cfg->lcores.n_workers;
	uint32_t spi_entries = RTE_MAX((uint32_t)SPI_TABLE_MIN_ENTRIES, 2 * cfg->n_sas);

	for (unsigned i = 0; i < n; i++) {
		char name[RTE_HASH_NAMESIZE];
		struct gw_worker *w;
		struct rte_hash_parameters hp = {
			.name = name,
			.entries = spi_entries,
			.key_len = sizeof(uint32_t),
			.hash_func = rte_jhash,
			.socket_id = (int)rte_socket_id(),
		};

		if (!rte_lcore_is_enabled(cfg->lcores.workers[i])) {
			GW_ERR("worker lcore %u is not enabled in EAL", cfg->lcores.workers[i]);
			return -1;
		}
		w = rte_zmalloc("worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
		if (w == NULL)
			return -1;
		w->idx = i;
		w->lcore = cfg->lcores.workers[i];
		w->burst = (uint16_t)cfg->burst;
		w->txq = (uint16_t)i;
		snprintf(name, sizeof(name), "spi_w%u", i);
		w->spi_table = rte_hash_create(&hp);
		snprintf(name, sizeof(name), "handoff_w%u", i);
		w->handoff = rte_ring_create(name, HANDOFF_RING_SIZE, rte_socket_id(),
					     RING_F_SC_DEQ);
		if (w->spi_table == NULL || w->handoff == NULL ||
		    gw_crypto_lcore_init(&w->esp.crypto) != 0) {
			GW_ERR("worker %u: out of memory", i);
			return -1;
		}
		w->esp.stats = &w->stats;
		w->esp.dec_ttl = true; /* inbound packets are forwarded */
		gw_dp.workers[i] = w;
		gw_ctrl_bind_worker(&gw_dp.ctrl, i, &w->msg_applied);
	}
	gw_dp.n_workers = n;
	/* spread RX queues: queue q of every port goes to worker q % n */
	for (unsigned p = 0; p < gw_dp.n_ports; p++) {
		uint16_t id = gw_dp.port_ids[p];

		for (uint16_t q = 0; q < gw_dp.port[id].nb_rxq; q++) {
			struct gw_worker *w = gw_dp.workers[q % n];

			w->rxq[w->n_rxq].port = id;
			w->rxq[w->n_rxq++].queue = q;
		}
	}
	return 0;
}

int
gw_dp_setup(const struct gw_cfg *cfg)
{
	unsigned pool_cache;

	gw_dp.cfg = cfg;
	gw_dp.idle_sleep = cfg->lcores.idle == GW_IDLE_SLEEP;
	gw_dp.idle_sleep_us = cfg->lcores.idle_sleep_us;
	gw_dp.resolve_retry_tsc = rte_get_tsc_hz(); /* ask ARP again after 1 s */
	gw_dp.icmp_gap_tsc = rte_get_tsc_hz() / 1000; /* <= 1000 ICMP errors/s/worker */
	gw_dp.tunnel_mtu = UINT16_MAX;     /* lowered by each unprotected port */
	pool_cache = RTE_MIN(256u, cfg->mbufs / 8);
	gw_dp.pool = rte_pktmbuf_pool_create("gw_mbufs", cfg->mbufs, pool_cache, 0,
					     RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (gw_dp.pool == NULL || gw_mbuf_sa_register() != 0 ||
	    gw_crypto_lcore_init(&gw_control.crypto) != 0 ||
	    gw_ctrl_init(&gw_dp.ctrl, cfg->lcores.n_workers, (int)rte_socket_id()) != 0 ||
	    gw_route_table_init(&gw_dp.routes, "gw_routes", (int)rte_socket_id()) != 0) {
		GW_ERR("data plane setup failed: %s (more memory: eal -m?)",
		       rte_strerror(rte_errno));
		return -1;
	}
	GW_INFO("intel-ipsec-mb %s, %s code path", imb_get_version_str(),
		gw_crypto_arch_name(&gw_control.crypto));
	if (setup_ports(cfg, cfg->lcores.n_workers) != 0 || setup_routes(cfg) != 0 ||
	    setup_workers(cfg) != 0)
		return -1;
	return 0;
}

void
gw_dp_launch(void)
{
	for (unsigned i = 0; i < gw_dp.n_workers; i++)
		rte_eal_remote_launch(gw_worker_main, gw_dp.workers[i], gw_dp.workers[i]->lcore);
}

void
gw_dp_shutdown(void)
{
	gw_dp.stop = true;
	rte_eal_mp_wait_lcore();
	for (unsigned i = 0; i < gw_control.n_sas; i++) {
		gw_esp_sa_wipe(gw_control.sas[i].sa);
		rte_free(gw_control.sas[i].sa);
	}
	gw_control.n_sas = 0;
	for (unsigned p = 0; p < gw_dp.n_ports; p++)
		gw_port_close(gw_dp.port_ids[p]);
	for (unsigned i = 0; i < gw_dp.n_workers; i++)
		gw_crypto_lcore_free(&gw_dp.workers[i]->esp.crypto);
	gw_crypto_lcore_free(&gw_control.crypto);
}
