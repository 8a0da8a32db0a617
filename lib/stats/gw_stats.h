/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-worker counters. Each worker writes only its own struct (no atomics);
 * the control path reads them relaxed and sums across workers.
 *
 * Every way a packet can be dropped has one entry here, with a short name
 * (CLI and JSON key) and a description.
 */
#ifndef GW_STATS_H
#define GW_STATS_H

#include <stdint.h>

/* _(ENUM, "json_name", "description") */
#define foreach_gw_drop                                                        \
	_(MALFORMED, "malformed", "malformed or truncated header")             \
	_(UNSUPPORTED, "unsupported", "unsupported protocol (e.g. IPv6)")      \
	_(MULTISEG, "multiseg", "chained mbuf not supported")                  \
	_(LOOPED, "looped", "own transmitted frame seen again (AF_PACKET)")    \
	_(OTHER_HOST, "other_host", "frame for another host's MAC")          \
	_(NO_SA, "no_sa", "inbound ESP with unknown SPI or destination")     \
	_(ESP_TRUNCATED, "esp_truncated", "ESP packet too short")              \
	_(REPLAY, "replay", "replayed or outside the anti-replay window")      \
	_(ICV, "icv", "ICV mismatch (tampered or wrong key)")                  \
	_(BAD_PADDING, "bad_padding", "bad ESP padding or pad length")          \
	_(BAD_NEXT_HEADER, "bad_next_header", "unexpected ESP next header")    \
	_(DUMMY, "dummy", "dummy ESP packet (next header 59)")                 \
	_(INNER_POLICY, "inner_policy", "decrypted packet outside SA selectors") \
	_(SEQ_OVERFLOW, "seq_overflow", "outbound sequence number exhausted")  \
	_(NO_ROOM, "no_room", "no mbuf headroom/tailroom for ESP")             \
	_(NO_POLICY, "no_policy", "no matching policy (default discard)")      \
	_(POLICY_DISCARD, "policy_discard", "policy action discard")           \
	_(PLAINTEXT_PROTECTED, "plaintext_protected",                          \
	  "plaintext from unprotected side matches a protect policy")          \
	_(SA_GONE, "sa_gone", "policy refers to an SA being removed")          \
	_(NO_ROUTE, "no_route", "no route to destination")                     \
	_(NO_NEIGHBOR, "no_neighbor", "next hop not resolved")                 \
	_(TTL, "ttl", "TTL expired")                                           \
	_(TOO_BIG, "too_big", "packet exceeds egress MTU")                     \
	_(NOT_FOR_US, "not_for_us", "local packet with no handler")            \
	_(BAD_CHECKSUM, "bad_checksum", "bad IPv4 header checksum")            \
	_(SLOW_RING_FULL, "slow_ring_full", "control-path ring full")          \
	_(HANDOFF_FULL, "handoff_full", "handoff ring to owning worker full")  \
	_(TX_FULL, "tx_full", "transmit queue full")                           \
	_(TRAP, "trap", "matched a trap policy: negotiation triggered")

enum gw_drop {
#define _(e, n, d) GW_DROP_##e,
	foreach_gw_drop
#undef _
	GW_DROP_MAX
};

/** JSON/CLI name of a drop reason ("icv"). */
const char *gw_drop_name(enum gw_drop d);
/** Human description of a drop reason. */
const char *gw_drop_desc(enum gw_drop d);

/** One worker's counters; cache aligned, written by that worker only. */
struct gw_worker_stats {
	uint64_t rx_packets;
	uint64_t tx_packets;
	uint64_t encrypted;        /**< packets ESP-encapsulated */
	uint64_t decrypted;        /**< packets ESP-decapsulated and verified */
	uint64_t bypassed;         /**< forwarded in clear by a bypass policy */
	uint64_t local;            /**< handed to the control path (ARP, IKE) */
	uint64_t icmp_replies;     /**< echo requests answered by the worker */
	uint64_t icmp_errors;      /**< ICMP errors sent (fragmentation needed) */
	uint64_t handoff;          /**< handed to the SA's owning worker */
	uint64_t polls;            /**< poll rounds */
	uint64_t idle_polls;       /**< rounds that found no packet */
	uint64_t drops[GW_DROP_MAX];
	/* gauges after the counters: `clear stats` snapshots stop at drops[] */
	uint64_t neigh_held;       /**< packets now waiting for ARP */
} __attribute__((aligned(64)));

/** Adds src into dst (used to sum workers). */
void gw_worker_stats_add(struct gw_worker_stats *dst,
			 const struct gw_worker_stats *src);

#endif /* GW_STATS_H */
