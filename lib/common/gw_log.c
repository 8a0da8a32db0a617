/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "gw_log.h"

static enum gw_log_level log_level = GW_LOG_INFO;
static const char *const level_names[] = { "error", "warning", "info", "debug" };

void
gw_log_set_level(enum gw_log_level level)
{
	log_level = level;
}

enum gw_log_level
gw_log_get_level(void)
{
	return log_level;
}

void
gw_log(enum gw_log_level level, const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	va_list ap;

	if (level > log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ ipsecgw %s: ", stamp, ts.tv_nsec / 1000000,
		level_names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
