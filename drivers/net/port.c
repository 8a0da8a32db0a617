/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>

#include "gw_log.h"
#include "gw_port.h"

static uint16_t
clamp_desc(uint16_t want, const struct rte_eth_desc_lim *lim)
{
	if (want > lim->nb_max)
		want = lim->nb_max;
	if (want < lim->nb_min)
		want = lim->nb_min;
	if (lim->nb_align > 1)
		want = (uint16_t)(want - want % lim->nb_align);
	return want;
}

int
gw_port_configure(uint16_t port_id, const struct gw_port_request *req,
		  struct gw_port_setup *out)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nb_rxd, nb_txd;
	int rc;

	memset(&conf, 0, sizeof(conf));
	memset(out, 0, sizeof(*out));
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0) {
		GW_ERR("port %u: cannot read device info: %s", port_id, strerror(-rc));
		return rc;
	}
	snprintf(out->driver, sizeof(out->driver), "%s", info.driver_name);
	out->nb_rxq = RTE_MIN(req->nb_queues, info.max_rx_queues);
	out->nb_txq = req->nb_queues;
	if (out->nb_txq > info.max_tx_queues) {
		GW_ERR("port %u (%s): %u workers need %u TX queues, device has %u",
		       port_id, info.driver_name, req->nb_queues, req->nb_queues,
		       info.max_tx_queues);
		return -EINVAL;
	}
	if (out->nb_rxq > 1 && info.flow_type_rss_offloads) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
		out->rss = true;
	}
	/* Without RSS offload every queue the device has is still polled:
	 * some PMDs spread packets themselves (af_packet's fanout with
	 * qpairs=N), and polling an empty queue costs little. */
	/* Only offloads the device reports; the fast path checks flags. */
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) {
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
		out->rx_ipv4_cksum = true;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;

	/* The MTU goes in the configuration: every PMD honours that, while
	 * rte_eth_dev_set_mtu() is missing from some (net_pcap). */
	if (req->mtu) {
		if (req->mtu > info.max_mtu || req->mtu < info.min_mtu)
			GW_WARN("port %u (%s): MTU %u outside %u..%u; keeping the default",
				port_id, info.driver_name, req->mtu, info.min_mtu, info.max_mtu);
		else
			conf.rxmode.mtu = req->mtu;
	}
	rc = rte_eth_dev_configure(port_id, out->nb_rxq, out->nb_txq, &conf);
	if (rc != 0 && conf.rxmode.mtu) {
		/* e.g. af_packet cannot exceed the kernel interface's MTU */
		GW_WARN("port %u (%s): MTU %u refused (%s); keeping the default",
			port_id, info.driver_name, conf.rxmode.mtu, strerror(-rc));
		conf.rxmode.mtu = 0;
		rc = rte_eth_dev_configure(port_id, out->nb_rxq, out->nb_txq, &conf);
	}
	if (rc != 0) {
		GW_ERR("port %u (%s): configure failed: %s", port_id,
		       info.driver_name, strerror(-rc));
		return rc;
	}
	if (rte_eth_dev_get_mtu(port_id, &out->mtu) != 0)
		out->mtu = RTE_ETHER_MTU;

	nb_rxd = clamp_desc(req->nb_rxd, &info.rx_desc_lim);
	nb_txd = clamp_desc(req->nb_txd, &info.tx_desc_lim);
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (rc != 0)
		return rc;
	for (uint16_t q = 0; q < out->nb_rxq; q++) {
		struct rte_eth_rxconf rxc = info.default_rxconf;

		rxc.offloads = conf.rxmode.offloads;
		rc = rte_eth_rx_queue_setup(port_id, q, nb_rxd,
					    rte_eth_dev_socket_id(port_id), &rxc,
					    req->pool);
		if (rc != 0) {
			GW_ERR("port %u: RX queue %u setup failed: %s", port_id, q,
			       strerror(-rc));
			return rc;
		}
	}
	for (uint16_t q = 0; q < out->nb_txq; q++) {
		struct rte_eth_txconf txc = info.default_txconf;

		txc.offloads = conf.txmode.offloads;
		rc = rte_eth_tx_queue_setup(port_id, q, nb_txd,
					    rte_eth_dev_socket_id(port_id), &txc);
		if (rc != 0) {
			GW_ERR("port %u: TX queue %u setup failed: %s", port_id, q,
			       strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(port_id);
	if (rc != 0) {
		GW_ERR("port %u: start failed: %s", port_id, strerror(-rc));
		return rc;
	}
	/* Not promiscuous: a router needs its own MAC, broadcast (ARP) and
	 * multicast only. All-multicast where supported, for future IPv6 ND. */
	rte_eth_allmulticast_enable(port_id);
	rte_eth_macaddr_get(port_id, &out->mac);
	return 0;
}

void
gw_port_close(uint16_t port_id)
{
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
}
