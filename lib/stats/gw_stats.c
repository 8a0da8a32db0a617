/* SPDX-License-Identifier: BSD-3-Clause */
#include "gw_stats.h"

static const char *const drop_names[] = {
#define _(e, n, d) [GW_DROP_##e] = n,
	foreach_gw_drop
#undef _
};

static const char *const drop_descs[] = {
#define _(e, n, d) [GW_DROP_##e] = d,
	foreach_gw_drop
#undef _
};

const char *
gw_drop_name(enum gw_drop d)
{
	return d < GW_DROP_MAX ? drop_names[d] : "?";
}

const char *
gw_drop_desc(enum gw_drop d)
{
	return d < GW_DROP_MAX ? drop_descs[d] : "?";
}

void
gw_worker_stats_add(struct gw_worker_stats *dst, const struct gw_worker_stats *src)
{
	dst->rx_packets += src->rx_packets;
	dst->tx_packets += src->tx_packets;
	dst->encrypted += src->encrypted;
	dst->decrypted += src->decrypted;
	dst->bypassed += src->bypassed;
	dst->local += src->local;
	dst->icmp_replies += src->icmp_replies;
	dst->icmp_errors += src->icmp_errors;
	dst->neigh_held += src->neigh_held;
	dst->handoff += src->handoff;
	dst->polls += src->polls;
	dst->idle_polls += src->idle_polls;
	for (int i = 0; i < GW_DROP_MAX; i++)
		dst->drops[i] += src->drops[i];
}
