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

/**
 * Buckets for the largest window: the next power of two >= max/64 + 1
 * (RFC 6479 keeps one bucket more than the window needs, so the window can
 * slide without clearing a bucket still in use). GW_REPLAY_MAX is a power
 * of two, so that is 2 * max/64.
 */
#define GW_REPLAY_BUCKETS (2 * GW_REPLAY_MAX / 64)

/**
 * Window assumed for ESN reconstruction when anti-replay is disabled
 * (window 0): half the 32-bit space, so a packet is attributed to the
 * epoch it is nearest to.
 */
#define GW_REPLAY_RECON_WINDOW_DISABLED (1u << 31)

struct gw_replay {
	uint64_t top;              /**< highest verified 64-bit sequence number */
	uint32_t window;           /**< packets; 0 disables the check */
	uint32_t bucket_mask;      /**< buckets in use - 1 (power of two) */
	uint32_t recon_window;     /**< window used by gw_replay_seq64 */
	bool esn;
	uint64_t bitmap[GW_REPLAY_BUCKETS] __attribute__((aligned(64)));
};

/** Buckets of the bitmap a window uses: next power of two >= ceil(w/64) + 1. */
static inline uint32_t
gw_replay_buckets(uint32_t window)
{
	uint32_t need = (window + 63) / 64 + 1, n;

	for (n = 1; n < need; n <<= 1)
		;
	return n;
}

/**
 * Initialises an empty window. Touches only the buckets the window uses,
 * so the caller may allocate just gw_replay_buckets(window) of them. window is 0 (disabled) or 32..GW_REPLAY_MAX
 * (any value: the bitmap uses the next power of two >= ceil(window/64) + 1
 * buckets, but the accept test uses window exactly); returns 0 or -1 for a
 * size out of range.
 */
int gw_replay_init(struct gw_replay *r, uint32_t window, bool esn);

/**
 * Reconstructs the 64-bit sequence number from the 32 bits on the wire
 * (RFC 4303 A.2). Without ESN the high half is zero. In the first epoch a
 * value that would belong to epoch -1 is taken as epoch 0 (far ahead).
 */
static inline uint64_t
gw_replay_seq64(const struct gw_replay *r, uint32_t seq_lo)
{
	uint32_t tl, th, w, bottom;

	if (!r->esn)
		return seq_lo;
	tl = (uint32_t)r->top;
	th = (uint32_t)(r->top >> 32);
	w = r->recon_window;
	bottom = tl - w + 1;       /* modulo 2^32: the window's lowest value */
	if (tl >= w - 1) {
		/* Case A: the window lies within one epoch. */
		if (seq_lo < bottom)
			th++;
	} else {
		/* Case B: the window straddles the epoch boundary. */
		if (seq_lo >= bottom && th > 0)
			th--;
	}
	return (uint64_t)th << 32 | seq_lo;
}

/** 0 when seq may be accepted (new, inside the window), -1 otherwise. */
static inline int
gw_replay_check(const struct gw_replay *r, uint64_t seq)
{
	uint64_t bucket;

	/* The first packet of an SA is 1 (RFC 4303 3.3.3): 0 never is. */
	if (GW_UNLIKELY(seq == 0))
		return -1;
	if (r->window == 0 || seq > r->top)
		return 0;
	if (r->top - seq >= r->window)
		return -1;
	bucket = (seq >> 6) & r->bucket_mask;
	return (r->bitmap[bucket] >> (seq & 63)) & 1 ? -1 : 0;
}

/** Records seq after its ICV verified. -1 if it was already seen/too old. */
static inline int
gw_replay_update(struct gw_replay *r, uint64_t seq)
{
	uint64_t bucket, bit;

	if (GW_UNLIKELY(seq == 0))
		return -1;
	if (r->window == 0) {
		/* No check, but the top still drives ESN reconstruction. */
		if (seq > r->top)
			r->top = seq;
		return 0;
	}
	bucket = seq >> 6;
	bit = UINT64_C(1) << (seq & 63);
	if (seq > r->top) {
		uint64_t cur = r->top >> 6;
		uint64_t diff = bucket - cur;

		if (diff > r->bucket_mask)
			diff = r->bucket_mask + 1;
		for (uint64_t i = 1; i <= diff; i++)
			r->bitmap[(cur + i) & r->bucket_mask] = 0;
		r->top = seq;
		r->bitmap[bucket & r->bucket_mask] |= bit;
		return 0;
	}
	if (r->top - seq >= r->window)
		return -1;
	bucket &= r->bucket_mask;
	if (r->bitmap[bucket] & bit)
		return -1;
	r->bitmap[bucket] |= bit;
	return 0;
}

#endif /* GW_REPLAY_H */
