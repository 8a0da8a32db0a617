/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Control-path logging (never called per packet on a worker).
 */
#ifndef GW_LOG_H
#define GW_LOG_H

enum gw_log_level { GW_LOG_ERR, GW_LOG_WARN, GW_LOG_INFO, GW_LOG_DEBUG };

/** Messages above this level are dropped; default GW_LOG_INFO. */
void gw_log_set_level(enum gw_log_level level);

/** The level set last (so callers can skip formatting what is dropped). */
enum gw_log_level gw_log_get_level(void);

/** printf-style message with a timestamp and level to stderr. */
void gw_log(enum gw_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define GW_ERR(...)   gw_log(GW_LOG_ERR, __VA_ARGS__)
#define GW_WARN(...)  gw_log(GW_LOG_WARN, __VA_ARGS__)
#define GW_INFO(...)  gw_log(GW_LOG_INFO, __VA_ARGS__)
#define GW_DEBUG(...) gw_log(GW_LOG_DEBUG, __VA_ARGS__)

#endif /* GW_LOG_H */
