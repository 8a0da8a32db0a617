/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The runtime SA shared by the control path (which creates and retires it)
 * and the workers (which look it up and process packets with it).
 *
 * Ownership: one worker owns each SA (sa->owner). Only the owner processes
 * its packets, so the outbound sequence number, the replay window and the
 * per-SA counters are single-writer and need no atomics; packets that RSS
 * delivers to another worker are handed off to the owner (as VPP does).
 *
 * Lifetime: created by the control path, published to workers by ring
 * message, freed (keys wiped) only after every worker passed a quiescent
 * state following its removal.
 */
#ifndef GW_SA_H
#define GW_SA_H

#include <stdbool.h>
#include <stdint.h>

#include "gw_addr.h"
#include "gw_cfg.h"
#include "gw_common.h"
#include "gw_crypto.h"
#include "gw_replay.h"

struct rte_mbuf;
struct gw_esp_ctx;
struct gw_sa;

/**
 * Burst contract: processes n packets of one SA in place; returns the
 * number of good packets, which are first in mb[]; bad packets follow,
 * already counted by reason, for the caller to free.
 */
typedef uint16_t (*gw_sa_process_fn)(struct gw_esp_ctx *ctx, struct gw_sa *sa,
				     struct rte_mbuf *mb[], uint16_t n);

enum {
	GW_SA_F_ESN = 1 << 0,
	GW_SA_F_UDP = 1 << 1,      /**< ESP in UDP (RFC 3948) */
	GW_SA_F_TUNNEL = 1 << 2,
	GW_SA_F_OUTER_V6 = 1 << 3,
};

/** IPv4 selector in host order, for the inbound inner-packet check. */
struct gw_sa_sel4 {
	uint32_t net;
	uint32_t mask;
};

/** Traffic counters of one SA, written by its owner for every burst. */
struct gw_sa_traffic {
	uint64_t packets;
	uint64_t bytes;            /**< inner (plaintext) bytes */
};

/** Drop counters of one SA, written by its owner on drops only. */
struct gw_sa_errors {
	uint64_t drops;            /**< all reasons; per reason in worker stats */
	uint64_t replay;
	uint64_t icv;
	uint64_t bad_padding;
	uint64_t inner_policy;
};

struct gw_sa {
	/* --- hot: read for every packet --- */
	gw_sa_process_fn process;  /**< chosen at install by direction/encap */
	uint32_t spi;              /**< host order */
	uint16_t owner;            /**< worker index */
	uint8_t flags;             /**< GW_SA_F_* */
	uint8_t dir;               /**< enum gw_sa_dir */
	uint8_t hdr_len;           /**< outer header template bytes (20 or 28) */
	uint8_t n_local_sel;
	uint8_t n_remote_sel;
	uint8_t overhead;          /**< outbound: most bytes ESP adds to a packet
				    *   (outer headers, ESP header, IV, largest
				    *   padding, trailer, ICV) */
	uint32_t hdr_sum;          /**< outbound: folded sum of the template with
				    *   length, id and checksum zero */
	uint64_t seq;              /**< outbound: last sequence number used */
	uint64_t seq_limit;        /**< outbound: highest allowed (2^32-1 or 2^64-1) */
	struct gw_sa_traffic cnt;
	/* AES-GCM: what a packet needs of the key besides its schedule,
	 * copied here so it never reads the key's own first line */
	uint8_t salt[4];
	uint8_t ghash_tail;        /**< see gw_aead_key.ghash_tail */
	gw_gcm_fn gcm;             /**< encrypt (outbound) or decrypt (inbound); NULL if not GCM */
	union {
		uint8_t hdr[32];   /**< outbound: outer IPv4 [+ UDP] template */
		/** inbound: what every packet checks, kept hot (copies of
		 *  local_sel[0], remote_sel[0] and the local address) */
		struct {
			struct gw_sa_sel4 local_sel0;
			struct gw_sa_sel4 remote_sel0;
			uint32_t local_v4; /**< outer destination, host order */
		} in;
	};
	/* a packet of an SA reads the two lines above and the key schedule
	 * below, nothing else of it (with many SAs each line is a DRAM miss) */
	struct gw_aead_key key;    /**< expanded once at install */
	struct gw_sa_sel4 local_sel[GW_MAX_TS];   /**< inner destinations (in) */
	struct gw_sa_sel4 remote_sel[GW_MAX_TS];  /**< inner sources (in) */

	/* --- cold: control path and display --- */
	struct gw_sa_errors err;
	uint32_t size;             /**< bytes of this SA in use (see gw_sa_size) */
	char name[GW_NAME_MAX];
	uint32_t id;               /**< control-path handle */
	enum gw_esp_alg alg;
	enum gw_sa_mode mode;
	struct gw_addr local;
	struct gw_addr remote;
	uint16_t encap_sport;
	uint16_t encap_dport;
	uint64_t created_ns;

	/* --- inbound only, last: an outbound SA is allocated without it and an
	 * inbound one with only the buckets its window needs --- */
	struct gw_replay replay;
} __attribute__((aligned(64)));

_Static_assert(__builtin_offsetof(struct gw_sa, key) == 128,
	       "hot fields must fit the first two cache lines, the key follows");

/**
 * Bytes an SA needs: outbound SAs stop before the replay window, inbound
 * ones keep the buckets of their window only (a 1024-packet window needs
 * 32 of the 128 buckets the largest window needs).
 */
static inline size_t
gw_sa_size(enum gw_sa_dir dir, uint32_t replay_window)
{
	size_t base = __builtin_offsetof(struct gw_sa, replay);

	if (dir == GW_DIR_OUT)
		return base;
	if (replay_window > GW_REPLAY_MAX)
		replay_window = GW_REPLAY_MAX; /* refused later by gw_replay_init */
	return base + __builtin_offsetof(struct gw_replay, bitmap) +
	       gw_replay_buckets(replay_window) * sizeof(uint64_t);
}

/**
 * Prefetches an SA's two hot lines: what the lookup stages check (owner,
 * overhead, outer destination) and what every packet of it reads.
 */
static inline void
gw_sa_prefetch_hot(const struct gw_sa *sa)
{
	__builtin_prefetch(sa);
	__builtin_prefetch((const uint8_t *)sa + 64);
}

/**
 * Prefetches the rest of what processing a packet of @p len bytes with
 * this outbound SA reads, after gw_sa_prefetch_hot: the key schedule.
 */
static inline void
gw_sa_prefetch_out(const struct gw_sa *sa, uint32_t len)
{
	gw_aead_key_prefetch(&sa->key, sa->gcm != NULL, sa->ghash_tail, len);
}

/**
 * The same for an inbound SA: key schedule and the replay window (header
 * and bitmap; the default 1024-packet window is 3 lines). Every line is
 * named: with thousands of SAs each one is a DRAM miss, and one left to
 * chance stalls the packet.
 */
static inline void
gw_sa_prefetch_in(const struct gw_sa *sa, uint32_t len)
{
	const uint8_t *bm = (const uint8_t *)sa->replay.bitmap;

	gw_aead_key_prefetch(&sa->key, sa->gcm != NULL, sa->ghash_tail, len);
	__builtin_prefetch(&sa->replay);
	__builtin_prefetch(bm + 64);
	__builtin_prefetch(bm + 128);
}

/** True when an IPv4 inner packet (host order) is within the SA's selectors. */
static inline bool
gw_sa_inner_ok4(const struct gw_sa *sa, uint32_t src, uint32_t dst)
{
	/* the first selectors live in the hot lines: most SAs have one */
	bool s = ((src ^ sa->in.remote_sel0.net) & sa->in.remote_sel0.mask) == 0;
	bool d = ((dst ^ sa->in.local_sel0.net) & sa->in.local_sel0.mask) == 0;

	for (unsigned i = 1; !s && i < sa->n_remote_sel; i++)
		s = ((src ^ sa->remote_sel[i].net) & sa->remote_sel[i].mask) == 0;
	for (unsigned i = 1; !d && i < sa->n_local_sel; i++)
		d = ((dst ^ sa->local_sel[i].net) & sa->local_sel[i].mask) == 0;
	return s && d;
}

#endif /* GW_SA_H */
