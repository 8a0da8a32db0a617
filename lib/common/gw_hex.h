/* SPDX-License-Identifier: BSD-3-Clause */
/** @file Hex strings ("0x0011..") for keys in configuration and tests. */
#ifndef GW_HEX_H
#define GW_HEX_H

#include <stddef.h>
#include <stdint.h>

/**
 * Decodes hex digits (an optional "0x" prefix, optional ':' separators)
 * into out. Returns the number of bytes, or -1 on a bad digit, an odd
 * count or more than max bytes.
 */
int gw_hex_decode(const char *s, uint8_t *out, size_t max);

#endif /* GW_HEX_H */
