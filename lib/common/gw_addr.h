/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IPv4/IPv6 addresses and prefixes as the control path stores them.
 * IPv4 is kept in host byte order so that prefix tests are one mask and
 * compare; IPv6 as 16 network-order bytes.
 */
#ifndef GW_ADDR_H
#define GW_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gw_family { GW_AF_NONE = 0, GW_AF_INET = 4, GW_AF_INET6 = 6 };

/** An IPv4 or IPv6 address. */
struct gw_addr {
	uint8_t family;            /**< enum gw_family */
	union {
		uint32_t v4;       /**< host byte order */
		uint8_t v6[16];    /**< network byte order */
	};
};

/** An address with a prefix length; host bits are zero after parsing. */
struct gw_prefix {
	struct gw_addr addr;
	uint8_t len;
};

/** Longest text form of an address or prefix, with NUL. */
#define GW_ADDR_STRLEN 64

/** Parses "192.0.2.1" or "2001:db8::1". Returns 0 or -1. */
int gw_addr_parse(const char *s, struct gw_addr *a);

/**
 * Parses "10.0.0.0/8", or a bare address as a host prefix. Host bits set
 * beyond the length are an error (a typo an operator wants to hear about).
 * Returns 0 or -1.
 */
int gw_prefix_parse(const char *s, struct gw_prefix *p);

/** Writes the text form into buf (GW_ADDR_STRLEN bytes); returns buf. */
const char *gw_addr_format(const struct gw_addr *a, char *buf, size_t len);
const char *gw_prefix_format(const struct gw_prefix *p, char *buf, size_t len);

/** True when a lies within p (same family). */
bool gw_prefix_contains(const struct gw_prefix *p, const struct gw_addr *a);

/** IPv4 netmask for a prefix length, host order (len 0 gives 0). */
static inline uint32_t
gw_v4_mask(uint8_t len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

/** Parses "02:00:00:00:00:02". Returns 0 or -1. */
int gw_mac_parse(const char *s, uint8_t mac[6]);

#endif /* GW_ADDR_H */
