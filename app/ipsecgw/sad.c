/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control path's SAD: SAs are created and withdrawn here, for
 * configured (manual) SAs and negotiated ones alike, and reach the workers
 * only through ring messages; the SPD is rebuilt and swapped whole.
 */
#include <errno.h>
#include <stdlib.h>

#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "control.h"
#include "dataplane.h"
#include "gw_log.h"
#include "trap.h"

static struct gw_sa *
sa_by_name(const char *name)
{
	for (unsigned i = 0; i < gw_control.n_sas; i++)
		if (strcmp(gw_control.sas[i].sa->name, name) == 0)
			return gw_control.sas[i].sa;
	return NULL;
}

/* (direction, SPI) -> SA on the control path, so that adding a million
 * SAs or finding one for a Delete is not a scan of all of them */
static struct rte_hash *sa_index;

static uint64_t
sa_key(enum gw_sa_dir dir, uint32_t spi)
{
	return (uint64_t)dir << 32 | spi;
}

static int
sa_index_init(void)
{
	struct rte_hash_parameters hp = {
		.name = "gw_ctl_sa_index",
		.entries = RTE_MAX(65536u, 4 * gw_control.cfg.n_sas),
		.key_len = sizeof(uint64_t),
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};

	sa_index = rte_hash_create(&hp);
	return sa_index ? 0 : -1;
}

struct gw_sa *
gw_control_sa_find(enum gw_sa_dir dir, uint32_t spi)
{
	uint64_t key = sa_key(dir, spi);
	void *sa;

	if (sa_index == NULL || rte_hash_lookup_data(sa_index, &key, &sa) < 0)
		return NULL;
	return sa;
}

int
gw_control_sa_add(const struct gw_cfg_sa *c, struct gw_sa **out)
{
	struct gw_sa *sa;
	uint64_t key;

	if (gw_control.n_sas == gw_control.max_sas) {
		unsigned cap = gw_control.max_sas ? 2 * gw_control.max_sas : 64;
		struct gw_ctl_sa *grown;

		if (cap < gw_control.cfg.n_sas)
			cap = gw_control.cfg.n_sas;
		grown = realloc(gw_control.sas, cap * sizeof(*grown));
		if (grown == NULL)
			return -1;
		gw_control.sas = grown;
		gw_control.max_sas = cap;
	}
	if (sa_index == NULL && sa_index_init() != 0)
		return -1;
	if (gw_control_sa_find(c->dir, c->spi) != NULL) {
		GW_ERR("SA %s: %s SPI 0x%08x is already installed", c->name,
		       c->dir == GW_DIR_IN ? "inbound" : "outbound", c->spi);
		return -1;
	}
	sa = rte_zmalloc("sa", gw_sa_size(c->dir, c->replay_window), RTE_CACHE_LINE_SIZE);
	if (sa == NULL || gw_esp_sa_init(sa, c, &gw_control.crypto) != 0) {
		rte_free(sa);
		return -1;
	}
	key = sa_key(c->dir, c->spi);
	if (rte_hash_add_key_data(sa_index, &key, sa) != 0) {
		GW_ERR("SA %s: control-path SA index full", c->name);
		gw_esp_sa_wipe(sa);
		rte_free(sa);
		return -1;
	}
	sa->id = ++gw_control.next_sa_id;
	sa->owner = (uint16_t)(sa->id % gw_dp.n_workers);
	sa->created_ns = gw_now_ns();
	memset(&gw_control.sas[gw_control.n_sas], 0, sizeof(gw_control.sas[0]));
	gw_control.sas[gw_control.n_sas].sa = sa;
	gw_control.sas[gw_control.n_sas++].installed_ns = sa->created_ns;
	if (sa->dir == GW_DIR_IN) {
		struct gw_msg m = { .type = GW_MSG_SA_ADD, .sa = sa };

		if (gw_ctrl_send_all(&gw_dp.ctrl, &m) != 0)
			return -1;
	}
	/* thousands of SAs (benchmarks, IKE at scale) stay out of the log */
	gw_log(gw_control.n_sas <= 64 ? GW_LOG_INFO : GW_LOG_DEBUG,
	       "SA %s installed: %s spi 0x%08x %s%s, owner worker %u", sa->name,
	       sa->dir == GW_DIR_IN ? "in" : "out", sa->spi, gw_esp_alg_name(sa->alg),
	       sa->flags & GW_SA_F_UDP ? " udp-encap" : "", sa->owner);
	if (out)
		*out = sa;
	return 0;
}

static void
retire_sa(void *obj)
{
	struct gw_sa *sa = obj;

	gw_esp_sa_wipe(sa);
	rte_free(sa);
}

int
gw_control_sa_remove(struct gw_sa *sa)
{
	unsigned i;

	for (i = 0; i < gw_control.n_sas && gw_control.sas[i].sa != sa; i++)
		;
	if (i == gw_control.n_sas)
		return -1;
	gw_control.sas[i] = gw_control.sas[--gw_control.n_sas];
	{
		uint64_t key = sa_key(sa->dir, sa->spi);

		rte_hash_del_key(sa_index, &key);
	}
	if (sa->dir == GW_DIR_IN) {
		struct gw_msg m = { .type = GW_MSG_SA_DEL, .sa = sa };

		gw_ctrl_send_all(&gw_dp.ctrl, &m);
	} else {
		gw_control_spd_publish(); /* a new SPD without its policies */
	}
	GW_INFO("SA %s removed: %s spi 0x%08x", sa->name,
		sa->dir == GW_DIR_IN ? "in" : "out", sa->spi);
	/* freed once every worker applied the messages above and passed a
	 * quiescent state: no packet can still reference it */
	if (gw_ctrl_retire(&gw_dp.ctrl, sa, retire_sa) != 0) {
		GW_ERR("SA %s: no memory to retire it; kept (leaked, keys wiped later)",
		       sa->name);
		return -1;
	}
	return 0;
}

static int
add_sel_pair(struct gw_spd_table *t, const struct gw_sa_sel4 *l,
	     const struct gw_sa_sel4 *r, struct gw_sa *sa)
{
	struct gw_ts lt = { .port_hi = 65535 }, rt = { .port_hi = 65535 };

	lt.prefix.addr.family = rt.prefix.addr.family = GW_AF_INET;
	lt.prefix.addr.v4 = l->net;
	lt.prefix.len = (uint8_t)__builtin_popcount(l->mask);
	rt.prefix.addr.v4 = r->net;
	rt.prefix.len = (uint8_t)__builtin_popcount(r->mask);
	return gw_spd_table_add(t, &lt, &rt, GW_ACT_PROTECT, sa);
}

/* The SPD: configured policies in order, then one protect entry per
 * selector pair of each outbound SA, then the traps (an SA's policies
 * win over its child's trap). */
static struct gw_spd_table *
build_spd(void)
{
	const struct gw_cfg *cfg = &gw_control.cfg;
	uint32_t max = cfg->n_policies + gw_trap_spd_count();
	struct gw_spd_table *t;
	int rc;

	for (unsigned i = 0; i < gw_control.n_sas; i++)
		max += (uint32_t)gw_control.sas[i].sa->n_local_sel *
		       gw_control.sas[i].sa->n_remote_sel;
	t = gw_spd_table_alloc(max ? max : 1, cfg->spd_default);
	if (t == NULL)
		return NULL;
	for (unsigned i = 0; i < cfg->n_policies; i++) {
		const struct gw_cfg_policy *p = &cfg->policies[i];
		struct gw_sa *sa = p->action == GW_ACT_PROTECT ? sa_by_name(p->sa) : NULL;

		if (p->action == GW_ACT_PROTECT && sa == NULL)
			continue; /* its SA is gone (negotiated SAs come and go) */
		if (gw_spd_table_add(t, &p->local_ts, &p->remote_ts, p->action, sa) != 0) {
			GW_ERR("%s:%d: policy %s: only IPv4 selectors are supported yet",
			       cfg->path, p->line, p->name);
			goto fail;
		}
	}
	for (unsigned i = 0; i < gw_control.n_sas; i++) {
		struct gw_sa *sa = gw_control.sas[i].sa;

		if (sa->dir != GW_DIR_OUT)
			continue;
		for (unsigned l = 0; l < sa->n_local_sel; l++)
			for (unsigned r = 0; r < sa->n_remote_sel; r++)
				if (add_sel_pair(t, &sa->local_sel[l], &sa->remote_sel[r], sa) != 0)
					goto fail;
	}
	if (gw_trap_spd_add(t) != 0)
		goto fail;
	rc = gw_spd_table_finalize(t, "spd");
	if (rc != 0) {
		GW_ERR("SPD: cannot build lookup tables for %u policies: %s",
		       t->n, strerror(-rc));
		goto fail;
	}
	return t;
fail:
	gw_spd_table_free(t);
	return NULL;
}

static void
retire_spd(void *obj)
{
	gw_spd_table_free(obj);
}

int
gw_control_spd_publish(void)
{
	struct gw_spd_table *spd = build_spd();
	struct gw_msg m = { .type = GW_MSG_SPD_SET };

	if (spd == NULL)
		return -1;
	m.spd = spd;
	if (gw_ctrl_send_all(&gw_dp.ctrl, &m) != 0)
		return -1;
	if (gw_control.spd)
		gw_ctrl_retire(&gw_dp.ctrl, gw_control.spd, retire_spd);
	gw_control.spd = spd;
	return 0;
}
