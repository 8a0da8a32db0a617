/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 6479 anti-replay window. Bit (seq & 63) of bucket (seq >> 6) & mask
 * records seq. Sliding forward clears only the buckets the new top moves
 * into, so an update costs O(1) however far the window jumps.
 */
#include <stddef.h>
#include <string.h>

#include "gw_replay.h"

int
gw_replay_init(struct gw_replay *r, uint32_t window, bool esn)
{
	uint32_t n;

	if (window != 0 && (window < 32 || window > GW_REPLAY_MAX))
		return -1;
	/* A window of w packets touches up to ceil(w/64) + 1 buckets. */
	n = gw_replay_buckets(window);
	memset(r, 0, offsetof(struct gw_replay, bitmap) + n * sizeof(r->bitmap[0]));
	r->window = window;
	r->esn = esn;
	r->recon_window = window != 0 ? window : GW_REPLAY_RECON_WINDOW_DISABLED;
	r->bucket_mask = n - 1;
	return 0;
}
