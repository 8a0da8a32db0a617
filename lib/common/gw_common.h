/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Small helpers shared by every ipsecgw library: branch hints, limits,
 * secure wiping and constant-time comparison. No DPDK dependency, so the
 * config parser and its tests build without it.
 */
#ifndef GW_COMMON_H
#define GW_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define GW_LIKELY(x)   __builtin_expect(!!(x), 1)
#define GW_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define GW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/** Protocol and product limits in one place. */
enum {
	GW_NAME_MAX = 64,          /**< names of ports, SAs, policies */
	GW_MAX_PORTS = 8,
	GW_MAX_WORKERS = 64,
	GW_MAX_PORT_ADDRS = 8,
	GW_MAX_TS = 8,             /**< traffic selectors per side of an SA */
	GW_MAX_KEY_LEN = 32,
	GW_SALT_LEN = 4,
	GW_ICV_LEN = 16,
	GW_ESP_IV_LEN = 8,
	GW_REPLAY_DEFAULT = 1024,  /**< default anti-replay window, packets */
	GW_REPLAY_MAX = 4096,
	GW_BURST_MAX = 64,
};

/** Wipes key material; the compiler may not elide it. */
static inline void
gw_wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

/** Constant-time equality: 0 when equal, independent of where they differ. */
static inline int
gw_ct_memcmp(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d;
}

/**
 * Constant-time equality of two 16-byte values (an AEAD tag): two 64-bit
 * XORs ORed together, no branch on the data. Returns 0 when equal. A
 * fraction of gw_ct_memcmp()'s cost, whose volatile byte loop exists to
 * keep the compiler from short-cutting arbitrary lengths.
 */
static inline uint64_t
gw_ct_diff16(const void *a, const void *b)
{
	uint64_t x[2], y[2];

	memcpy(x, a, 16);
	memcpy(y, b, 16);
	return (x[0] ^ y[0]) | (x[1] ^ y[1]);
}

#endif /* GW_COMMON_H */
