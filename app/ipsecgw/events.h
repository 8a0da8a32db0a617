/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The events log: the last GW_EVENTS_MAX SA events (IKE SA and CHILD SA
 * established, rekeyed, deleted, expired, DPD dead, failed negotiations,
 * traps triggered) with their time, for `show events`. Control path only.
 */
#ifndef IPSECGW_EVENTS_H
#define IPSECGW_EVENTS_H

#include "gw_cli.h"

#define GW_EVENTS_MAX 256

/**
 * Records an event: its type ("child-rekeyed"), connection, child (may be
 * NULL) and a detail line. The oldest one goes when the log is full.
 */
void gw_events_add(const char *type, const char *conn, const char *child,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/** `show events [N]`: the last N (default all), oldest first. */
int gw_events_show(struct gw_out *o, int argc, char **argv, void *ctx);

#endif /* IPSECGW_EVENTS_H */
