/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * RFC 4303 anti-replay with extended sequence numbers (RFC 4303 Appendix A),
 * as an RFC 6479 bitmap of 64-bit buckets. Single writer: the SA's owning
 * worker. Check before decryption, update only after the ICV verified; the
 * update re-checks so two copies in one burst cannot both pass.
 */
#ifndef GW_REPLAY_H
#define GW_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "gw_common.h"

/** Buckets for the largest window, plus one so the window can slide. */
#define GW_REPLAY_BUCKETS (GW_REPLAY_MAX / 64 + 1)

struct gw_replay {
	uint64_t top;              /**< highest verified 64-bit sequence number */
	uint32_t window;           /**< packets; 0 disables the check */
	uint32_t bucket_mask;      /**< buckets in use - 1 (power of two) */
	bool esn;
	uint64_t bitmap[GW_REPLAY_BUCKETS + 1] __attribute__((aligned(64)));
};

/**
 * Initialises an empty window. window is 0 (disabled) or 32..GW_REPLAY_MAX;
 * returns 0 or -1 for a size out of range.
 */
int gw_replay_init(struct gw_replay *r, uint32_t window, bool esn);

/**
 * Reconstructs the 64-bit sequence number from the 32 bits on the wire
 * (RFC 4303 A.2). Without ESN the high half is zero.
 */
uint64_t gw_replay_seq64(const struct gw_replay *r, uint32_t seq_lo);

/** 0 when seq may be accepted (new, inside the window), -1 otherwise. */
int gw_replay_check(const struct gw_replay *r, uint64_t seq);

/** Records seq after its ICV verified. -1 if it was already seen/too old. */
int gw_replay_update(struct gw_replay *r, uint64_t seq);

#endif /* GW_REPLAY_H */
