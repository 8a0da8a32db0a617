/* SPDX-License-Identifier: BSD-3-Clause */
/* Inside the SPD: the tuple space groups built by gw_spd_table_finalize(). */
#ifndef SPD_PRIV_H
#define SPD_PRIV_H

#include <stdint.h>

#include "gw_spd.h"

struct rte_hash;

/*
 * Prefix policies sharing one (local mask, remote mask) pair. The hash maps
 * the masked (local, remote) addresses to the lowest policy index with that
 * key (the index itself is the data: no entry is touched to compare).
 */
struct gw_spd_group {
	uint32_t local_mask, remote_mask;
	uint32_t min_index;        /* lowest policy index in the group */
	uint32_t n_policies;
	struct rte_hash *hash;
};

/* Drops what gw_spd_table_finalize() built; the table is unfinalized. */
void spd_tss_free(struct gw_spd_table *t);

#endif /* SPD_PRIV_H */
