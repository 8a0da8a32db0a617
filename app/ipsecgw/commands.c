/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Operator commands, shared by the console and the control socket. Each
 * object has one formatter (gw_out_* calls), rendered as text or JSON.
 * Counters are read relaxed from the workers' own structs and shown minus
 * the snapshot taken at `clear stats`, so clearing never writes to memory
 * a worker owns.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_version.h>

#include "control.h"
#include "dataplane.h"
#include "events.h"
#include "ike.h"
#include "v2/gw_ikev2.h"

static const char *
port_name(uint16_t id)
{
	return gw_dp.port[id].cfg ? gw_dp.port[id].cfg->name : "?";
}

static const char *
mac_str(const struct rte_ether_addr *mac, char *buf, size_t len)
{
	rte_ether_format_addr(buf, (uint16_t)len, mac);
	return buf;
}

static const char *
ip4_str(uint32_t ip, char *buf, size_t len)
{
	struct gw_addr a = { .family = GW_AF_INET, .v4 = ip };

	return gw_addr_format(&a, buf, len);
}

static int
cmd_show_ports(struct gw_out *o, int argc, char **argv, void *ctx)
{
	(void)argc, (void)argv, (void)ctx;
	gw_out_list(o, "ports");
	for (unsigned i = 0; i < gw_dp.n_ports; i++) {
		uint16_t id = gw_dp.port_ids[i];
		const struct gw_dp_port *p = &gw_dp.port[id];
		struct rte_eth_stats st;
		struct rte_eth_link link;
		char buf[GW_ADDR_STRLEN], addrs[256] = "";
		size_t off = 0;

		memset(&st, 0, sizeof(st));
		memset(&link, 0, sizeof(link));
		rte_eth_stats_get(id, &st);
		rte_eth_link_get_nowait(id, &link);
		for (unsigned a = 0; a < p->cfg->n_addrs && off < sizeof(addrs); a++)
			off += (size_t)snprintf(addrs + off, sizeof(addrs) - off, "%s%s",
						a ? "," : "",
						gw_prefix_format(&p->cfg->addrs[a], buf, sizeof(buf)));
		gw_out_obj(o, NULL);
		gw_out_str(o, "name", p->cfg->name);
		gw_out_str(o, "device", p->cfg->device);
		gw_out_u64(o, "port_id", id);
		gw_out_str(o, "role", p->role == GW_ROLE_PROTECTED ? "protected" : "unprotected");
		gw_out_str(o, "mac", mac_str(&p->mac, buf, sizeof(buf)));
		gw_out_str(o, "address", addrs);
		gw_out_u64(o, "mtu", p->mtu);
		gw_out_str(o, "link", link.link_status ? "up" : "down");
		gw_out_u64(o, "rx_queues", p->nb_rxq);
		gw_out_u64(o, "rx_packets", st.ipackets);
		gw_out_u64(o, "tx_packets", st.opackets);
		gw_out_u64(o, "rx_bytes", st.ibytes);
		gw_out_u64(o, "tx_bytes", st.obytes);
		gw_out_u64(o, "rx_missed", st.imissed);
		gw_out_u64(o, "rx_errors", st.ierrors);
		gw_out_u64(o, "tx_errors", st.oerrors);
		gw_out_end(o);
	}
	gw_out_end(o);
	return 0;
}

static uint64_t
rd(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void
format_sa(struct gw_out *o, const struct gw_ctl_sa *cs)
{
	const struct gw_sa *sa = cs->sa;
	char buf[GW_ADDR_STRLEN];

	gw_out_obj(o, NULL);
	gw_out_str(o, "name", sa->name);
	gw_out_str(o, "direction", sa->dir == GW_DIR_IN ? "in" : "out");
	gw_out_u64(o, "spi", sa->spi);
	gw_out_fmt(o, "spi_hex", "0x%08x", sa->spi);
	gw_out_str(o, "mode", sa->mode == GW_MODE_TUNNEL ? "tunnel" : "transport");
	/* "aead" kept for scripts written against AEAD-only releases */
	gw_out_str(o, "alg", gw_esp_alg_name(sa->alg));
	gw_out_str(o, "aead", gw_esp_alg_name(sa->alg));
	gw_out_str(o, "encap", sa->flags & GW_SA_F_UDP ? "udp" : "none");
	gw_out_bool(o, "esn", sa->flags & GW_SA_F_ESN);
	gw_out_str(o, "local", gw_addr_format(&sa->local, buf, sizeof(buf)));
	gw_out_str(o, "remote", gw_addr_format(&sa->remote, buf, sizeof(buf)));
	gw_out_u64(o, "owner_worker", sa->owner);
	gw_out_u64(o, "packets", rd(&sa->cnt.packets) - cs->base.packets);
	gw_out_u64(o, "bytes", rd(&sa->cnt.bytes) - cs->base.bytes);
	gw_out_u64(o, "drops", rd(&sa->err.drops) - cs->base_err.drops);
	gw_out_u64(o, "replay", rd(&sa->err.replay) - cs->base_err.replay);
	gw_out_u64(o, "icv", rd(&sa->err.icv) - cs->base_err.icv);
	gw_out_u64(o, "bad_padding", rd(&sa->err.bad_padding) - cs->base_err.bad_padding);
	gw_out_u64(o, "inner_policy", rd(&sa->err.inner_policy) - cs->base_err.inner_policy);
	if (sa->dir == GW_DIR_OUT) {
		gw_out_u64(o, "seq", rd(&sa->seq));
	} else {
		gw_out_u64(o, "replay_window", sa->replay.window);
		gw_out_u64(o, "highest_seq", rd(&sa->replay.top));
	}
	gw_out_u64(o, "age_s", (gw_now_ns() - cs->installed_ns) / 1000000000ull);
	gw_out_end(o);
}

static int
cmd_show_sa(struct gw_out *o, int argc, char **argv, void *ctx)
{
	unsigned shown = 0;

	(void)ctx;
	gw_out_list(o, "sas");
	for (unsigned i = 0; i < gw_control.n_sas; i++) {
		if (argc > 0 && strcmp(argv[0], gw_control.sas[i].sa->name) != 0)
			continue;
		format_sa(o, &gw_control.sas[i]);
		shown++;
	}
	gw_out_end(o);
	if (argc > 0 && shown == 0) {
		gw_out_error(o, "no SA named '%s'", argv[0]);
		return -1;
	}
	return 0;
}

static const char *
action_name(uint8_t a)
{
	return a == GW_ACT_PROTECT ? "protect" : a == GW_ACT_BYPASS ? "bypass" :
	       a == GW_ACT_TRAP ? "trap" : "discard";
}

static void
format_sel(struct gw_out *o, const char *key, uint32_t net, uint32_t mask)
{
	char buf[GW_ADDR_STRLEN];

	gw_out_fmt(o, key, "%s/%u", ip4_str(net, buf, sizeof(buf)),
		   (unsigned)__builtin_popcount(mask));
}

static int
cmd_show_policies(struct gw_out *o, int argc, char **argv, void *ctx)
{
	const struct gw_spd_table *t = gw_control.spd;

	(void)argc, (void)argv, (void)ctx;
	gw_out_list(o, "policies");
	for (uint32_t i = 0; t && i < t->n; i++) {
		const struct gw_spd_entry *e = &t->entries[i];

		gw_out_obj(o, NULL);
		gw_out_u64(o, "index", e->index);
		format_sel(o, "local_ts", e->local_net, e->local_mask);
		format_sel(o, "remote_ts", e->remote_net, e->remote_mask);
		gw_out_u64(o, "proto", e->proto);
		gw_out_fmt(o, "local_ports", "%u-%u", e->local_port_lo, e->local_port_hi);
		gw_out_fmt(o, "remote_ports", "%u-%u", e->remote_port_lo, e->remote_port_hi);
		gw_out_str(o, "action", action_name(e->action));
		gw_out_str(o, "sa", e->sa ? e->sa->name : "-");
		gw_out_end(o);
	}
	gw_out_end(o);
	if (t)
		gw_out_str(o, "default_action", action_name(t->default_action));
	return 0;
}

static int
cmd_show_routes(struct gw_out *o, int argc, char **argv, void *ctx)
{
	(void)argc, (void)argv, (void)ctx;
	gw_out_list(o, "routes");
	for (uint32_t i = 0; i < gw_dp.routes.n_routes; i++) {
		const struct gw_route_entry *r = &gw_dp.routes.routes[i];
		char buf[GW_ADDR_STRLEN];

		gw_out_obj(o, NULL);
		gw_out_str(o, "dst", gw_prefix_format(&r->dst, buf, sizeof(buf)));
		gw_out_str(o, "via", r->via.family ? gw_addr_format(&r->via, buf, sizeof(buf)) : "-");
		gw_out_str(o, "port", port_name(r->port));
		gw_out_str(o, "type", r->connected ? "connected" : "static");
		gw_out_end(o);
	}
	gw_out_end(o);
	return 0;
}

static int
cmd_show_neighbors(struct gw_out *o, int argc, char **argv, void *ctx)
{
	uint64_t now = gw_now_ns();

	(void)argc, (void)argv, (void)ctx;
	gw_out_list(o, "neighbors");
	for (unsigned i = 0; i < gw_control.n_neigh; i++) {
		const struct gw_ctl_neigh *n = &gw_control.neigh[i];
		char buf[GW_ADDR_STRLEN];

		gw_out_obj(o, NULL);
		gw_out_str(o, "address", ip4_str(n->ip, buf, sizeof(buf)));
		gw_out_str(o, "mac", mac_str(&n->mac, buf, sizeof(buf)));
		gw_out_str(o, "port", port_name(n->port));
		gw_out_str(o, "type", n->is_static ? "static" : "dynamic");
		gw_out_u64(o, "age_s", (now - n->updated_ns) / 1000000000ull);
		gw_out_end(o);
	}
	gw_out_end(o);
	return 0;
}

static void
snapshot_worker(unsigned i, struct gw_worker_stats *s)
{
	const struct gw_worker_stats *live = &gw_dp.workers[i]->stats;
	const uint64_t *src = (const uint64_t *)live;
	uint64_t *dst = (uint64_t *)s;

	/* the struct is all uint64_t counters: read each one relaxed */
	for (size_t k = 0; k < offsetof(struct gw_worker_stats, drops) / 8 + GW_DROP_MAX; k++)
		dst[k] = rd(&src[k]);
}

static void
format_worker_stats(struct gw_out *o, const struct gw_worker_stats *s)
{
	gw_out_u64(o, "rx_packets", s->rx_packets);
	gw_out_u64(o, "tx_packets", s->tx_packets);
	gw_out_u64(o, "encrypted", s->encrypted);
	gw_out_u64(o, "decrypted", s->decrypted);
	gw_out_u64(o, "bypassed", s->bypassed);
	gw_out_u64(o, "local", s->local);
	gw_out_u64(o, "icmp_replies", s->icmp_replies);
	gw_out_u64(o, "icmp_errors", s->icmp_errors);
	gw_out_u64(o, "handoff", s->handoff);
	gw_out_u64(o, "polls", s->polls);
	gw_out_u64(o, "idle_polls", s->idle_polls);
	gw_out_u64(o, "neigh_held", s->neigh_held);
	gw_out_obj(o, "drops");
	for (int d = 0; d < GW_DROP_MAX; d++)
		gw_out_u64(o, gw_drop_name(d), s->drops[d]);
	gw_out_end(o);
}

static void
stats_since_clear(unsigned i, struct gw_worker_stats *s)
{
	uint64_t *v = (uint64_t *)s;
	const uint64_t *b = (const uint64_t *)&gw_control.base[i];

	snapshot_worker(i, s);
	for (size_t k = 0; k < offsetof(struct gw_worker_stats, drops) / 8 + GW_DROP_MAX; k++)
		v[k] -= b[k];
}

static int
cmd_show_stats(struct gw_out *o, int argc, char **argv, void *ctx)
{
	struct gw_worker_stats total, s;
	const struct gw_ctl_stats *c = &gw_control.stats;

	(void)argc, (void)argv, (void)ctx;
	memset(&total, 0, sizeof(total));
	gw_out_list(o, "workers");
	for (unsigned i = 0; i < gw_dp.n_workers; i++) {
		stats_since_clear(i, &s);
		s.neigh_held = __atomic_load_n(&gw_dp.workers[i]->stats.neigh_held, __ATOMIC_RELAXED);
		gw_worker_stats_add(&total, &s);
		gw_out_obj(o, NULL);
		gw_out_u64(o, "worker", i);
		gw_out_u64(o, "lcore", gw_dp.workers[i]->lcore);
		format_worker_stats(o, &s);
		gw_out_end(o);
	}
	gw_out_end(o);
	gw_out_obj(o, "total");
	format_worker_stats(o, &total);
	gw_out_end(o);
	gw_out_obj(o, "control");
	gw_out_u64(o, "arp_requests_in", c->arp_requests_in);
	gw_out_u64(o, "arp_replies_in", c->arp_replies_in);
	gw_out_u64(o, "arp_requests_out", c->arp_requests_out);
	gw_out_u64(o, "arp_replies_out", c->arp_replies_out);
	gw_out_u64(o, "arp_invalid", c->arp_invalid);
	gw_out_u64(o, "ike_unhandled", c->ike_unhandled);
	gw_out_u64(o, "ike_malformed", c->ike_malformed);
	gw_out_u64(o, "ike_in", c->ike_in);
	gw_out_u64(o, "natt_keepalives_in", c->natt_keepalives_in);
	gw_out_u64(o, "alloc_failed", c->alloc_failed);
	gw_out_u64(o, "neigh_table_full", c->neigh_table_full);
	gw_out_end(o);
	return 0;
}

/* Copies counters a worker is updating, one relaxed 64-bit load each. */
static void
snapshot_u64s(void *dst, const void *live, size_t size)
{
	const uint64_t *src = live;
	uint64_t *d = dst;

	for (size_t k = 0; k < size / 8; k++)
		d[k] = rd(&src[k]);
}

static int
cmd_clear_stats(struct gw_out *o, int argc, char **argv, void *ctx)
{
	(void)argc, (void)argv, (void)ctx;
	for (unsigned i = 0; i < gw_dp.n_workers; i++)
		snapshot_worker(i, &gw_control.base[i]);
	for (unsigned i = 0; i < gw_control.n_sas; i++) {
		struct gw_ctl_sa *cs = &gw_control.sas[i];

		snapshot_u64s(&cs->base, &cs->sa->cnt, sizeof(cs->base));
		snapshot_u64s(&cs->base_err, &cs->sa->err, sizeof(cs->base_err));
	}
	memset(&gw_control.stats, 0, sizeof(gw_control.stats));
	gw_out_str(o, "result", "statistics cleared");
	return 0;
}

static int
cmd_quit(struct gw_out *o, int argc, char **argv, void *ctx)
{
	(void)argc, (void)argv, (void)ctx;
	gw_control.quit = true;
	gw_out_str(o, "result", "shutting down");
	return 0;
}

static int
cmd_show_version(struct gw_out *o, int argc, char **argv, void *ctx)
{
	(void)argc, (void)argv, (void)ctx;
	gw_out_str(o, "ipsecgw", "0.1.0");
	gw_out_str(o, "dpdk", rte_version());
	gw_out_str(o, "intel_ipsec_mb", imb_get_version_str());
	gw_out_str(o, "crypto_path", gw_crypto_arch_name(&gw_control.crypto));
	gw_out_u64(o, "workers", gw_dp.n_workers);
	gw_out_u64(o, "uptime_s", (gw_now_ns() - gw_control.started_ns) / 1000000000ull);
	return 0;
}

static int
cmd_show_ike_sa(struct gw_out *o, int argc, char **argv, void *ctx)
{
	struct gw_ikev2_engine *e = gw_ike_engine();
	struct gw_ikev2_ike_sa_info info[64];
	size_t n = e ? gw_ikev2_list_ike_sas(e, info, RTE_DIM(info)) : 0;

	(void)ctx;
	gw_out_list(o, "ike_sas");
	for (size_t i = 0; i < n && i < RTE_DIM(info); i++) {
		const struct gw_ikev2_ike_sa_info *s = &info[i];
		char buf[GW_ADDR_STRLEN];

		if (argc > 0 && strcmp(argv[0], s->conn) != 0)
			continue;
		gw_out_obj(o, NULL);
		gw_out_u64(o, "id", s->id);
		gw_out_str(o, "conn", s->conn);
		gw_out_str(o, "state", gw_ikev2_state_name(s->state));
		gw_out_str(o, "role", s->initiator ? "initiator" : "responder");
		gw_out_fmt(o, "local", "%s[%u]", gw_addr_format(&s->local.addr, buf, sizeof(buf)),
			   s->local.port);
		gw_out_fmt(o, "remote", "%s[%u]", gw_addr_format(&s->remote.addr, buf, sizeof(buf)),
			   s->remote.port);
		gw_out_str(o, "local_id", s->local_id);
		gw_out_str(o, "remote_id", s->remote_id);
		gw_out_str(o, "local_auth", s->local_auth);
		gw_out_str(o, "remote_auth", s->remote_auth);
		gw_out_fmt(o, "spi_i", "%016" PRIx64, s->spi_i);
		gw_out_fmt(o, "spi_r", "%016" PRIx64, s->spi_r);
		gw_out_str(o, "proposal", s->proposal);
		gw_out_bool(o, "nat", s->nat);
		gw_out_u64(o, "children", s->n_children);
		gw_out_u64(o, "age_s", s->age_s);
		gw_out_i64(o, "rekey_in_s", s->rekey_in_s);
		gw_out_end(o);
	}
	gw_out_end(o);
	return 0;
}

/* IKE counters and the control thread's CPU time: a load tool reads both
 * before and after a run to get establishments per responder CPU-second
 * (scripts/bench-ike-setup.sh). Commands run on the control thread, so
 * its own CPU clock is the one that does the IKE work. */
static int
cmd_show_ike_stats(struct gw_out *o, int argc, char **argv, void *ctx)
{
	struct gw_ikev2_engine *e = gw_ike_engine();
	struct gw_ikev2_stats st;
	struct timespec ts;

	(void)argc, (void)argv, (void)ctx;
	memset(&st, 0, sizeof(st));
	if (e)
		gw_ikev2_get_stats(e, &st);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	gw_out_obj(o, "ike_stats");
	gw_out_u64(o, "init_requests", st.init_requests);
	gw_out_u64(o, "established", st.established);
	gw_out_u64(o, "failed", st.failed);
	gw_out_u64(o, "cookies_sent", st.cookies_sent);
	gw_out_u64(o, "cookies_invalid", st.cookies_invalid);
	gw_out_u64(o, "half_open_dropped", st.half_open_dropped);
	gw_out_u64(o, "half_open", st.half_open);
	gw_out_u64(o, "ike_sas", st.ike_sas);
	gw_out_u64(o, "messages_in", gw_control.stats.ike_in);
	gw_out_u64(o, "control_cpu_ns", (uint64_t)ts.tv_sec * 1000000000ull +
		   (uint64_t)ts.tv_nsec);
	gw_out_end(o);
	return 0;
}

static int
cmd_show_child_sa(struct gw_out *o, int argc, char **argv, void *ctx)
{
	struct gw_ikev2_engine *e = gw_ike_engine();
	struct gw_ikev2_child_sa_info info[128];
	size_t n = e ? gw_ikev2_list_child_sas(e, info, RTE_DIM(info)) : 0;

	(void)ctx;
	gw_out_list(o, "child_sas");
	for (size_t i = 0; i < n && i < RTE_DIM(info); i++) {
		const struct gw_ikev2_child_sa_info *c = &info[i];
		const struct gw_sa *in = gw_control_sa_find(GW_DIR_IN, c->spi_in);
		const struct gw_sa *out = gw_control_sa_find(GW_DIR_OUT, c->spi_out);

		if (argc > 0 && strcmp(argv[0], c->conn) != 0)
			continue;
		gw_out_obj(o, NULL);
		gw_out_str(o, "conn", c->conn);
		gw_out_str(o, "child", c->child);
		gw_out_u64(o, "ike_sa", c->ike_sa_id);
		gw_out_fmt(o, "spi_in", "0x%08x", c->spi_in);
		gw_out_fmt(o, "spi_out", "0x%08x", c->spi_out);
		gw_out_str(o, "proposal", c->proposal);
		gw_out_bool(o, "encap", c->encap);
		gw_out_str(o, "local_ts", c->local_ts);
		gw_out_str(o, "remote_ts", c->remote_ts);
		gw_out_i64(o, "rekey_in_s", c->rekey_in_s);
		gw_out_i64(o, "expire_in_s", c->expire_in_s);
		gw_out_u64(o, "rekey_bytes", c->rekey_bytes);
		gw_out_u64(o, "life_bytes", c->life_bytes);
		gw_out_u64(o, "packets_in", in ? rd(&in->cnt.packets) : 0);
		gw_out_u64(o, "bytes_in", in ? rd(&in->cnt.bytes) : 0);
		gw_out_u64(o, "packets_out", out ? rd(&out->cnt.packets) : 0);
		gw_out_u64(o, "bytes_out", out ? rd(&out->cnt.bytes) : 0);
		gw_out_end(o);
	}
	gw_out_end(o);
	return 0;
}

static int
ike_conn_command(struct gw_out *o, int argc, char **argv, const char *what)
{
	int rc;

	if (argc != 1) {
		gw_out_error(o, "usage: %s CONNECTION", what);
		return -1;
	}
	rc = gw_ike_command(what, argv[0]);
	if (rc != 0) {
		gw_out_error(o, "%s %s: %s", what, argv[0],
			     rc == -ENOENT ? "no such IKE connection or SA" :
			     rc == -EALREADY ? "already up or being set up" : strerror(-rc));
		return -1;
	}
	gw_out_fmt(o, "result", "%s %s started", what, argv[0]);
	return 0;
}

static int
cmd_initiate(struct gw_out *o, int argc, char **argv, void *ctx)
{
	(void)ctx;
	return ike_conn_command(o, argc, argv, "initiate");
}

static int
cmd_terminate(struct gw_out *o, int argc, char **argv, void *ctx)
{
	(void)ctx;
	return ike_conn_command(o, argc, argv, "terminate");
}

static int
cmd_rekey(struct gw_out *o, int argc, char **argv, void *ctx)
{
	(void)ctx;
	return ike_conn_command(o, argc, argv, "rekey");
}

static int
cmd_rekey_ike(struct gw_out *o, int argc, char **argv, void *ctx)
{
	(void)ctx;
	return ike_conn_command(o, argc, argv, "rekey-ike");
}

static const struct gw_cli_cmd commands[] = {
	{ "show ike-sa", "[CONN]", "IKE SAs: state, peer, identities, algorithms", cmd_show_ike_sa },
	{ "show ike-stats", "", "IKE counters, half-open SAs, control thread CPU time",
	  cmd_show_ike_stats },
	{ "show child-sa", "[CONN]", "negotiated CHILD SAs: SPIs, selectors, counters",
	  cmd_show_child_sa },
	{ "show events", "[N]", "the last SA events: established, rekeyed, deleted, expired, DPD, traps",
	  gw_events_show },
	{ "initiate", "CONN|CHILD", "start negotiating an IKE connection (all its start children) or one CHILD SA", cmd_initiate },
	{ "terminate", "CONN", "delete a connection's IKE SA and its children", cmd_terminate },
	{ "rekey child", "CONN|CHILD", "rekey a connection's CHILD SAs or one CHILD SA (make-before-break)", cmd_rekey },
	{ "rekey ike", "CONN", "rekey a connection's IKE SA", cmd_rekey_ike },
	{ "show ports", "", "ports with link state and device counters", cmd_show_ports },
	{ "show sa", "[NAME]", "SAs with SPI, algorithm and counters", cmd_show_sa },
	{ "show policies", "", "the SPD in lookup order", cmd_show_policies },
	{ "show routes", "", "connected and static routes", cmd_show_routes },
	{ "show neighbors", "", "resolved next hops (static and ARP)", cmd_show_neighbors },
	{ "show stats", "", "per-worker counters and drops by reason", cmd_show_stats },
	{ "show version", "", "versions and crypto code path", cmd_show_version },
	{ "clear stats", "", "zero worker and SA counters", cmd_clear_stats },
	{ "quit", "", "stop the gateway", cmd_quit },
};

void
gw_commands_register(void)
{
	gw_cli_set_commands(commands, RTE_DIM(commands), NULL);
}
