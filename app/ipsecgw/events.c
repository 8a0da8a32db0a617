/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The events log: a ring of the last GW_EVENTS_MAX events, written and
 * read on the control thread only (no locking), shown by `show events`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"

struct gw_event_rec {
	uint64_t seq;              /* 1, 2, ...: gaps show what was lost */
	struct timespec when;      /* wall clock */
	char type[24];
	char conn[64];
	char child[64];
	char text[192];
};

static struct gw_event_rec ring[GW_EVENTS_MAX];
static uint64_t n_total;

void
gw_events_add(const char *type, const char *conn, const char *child,
	      const char *fmt, ...)
{
	struct gw_event_rec *r = &ring[n_total % GW_EVENTS_MAX];
	va_list ap;

	memset(r, 0, sizeof(*r));
	r->seq = ++n_total;
	clock_gettime(CLOCK_REALTIME, &r->when);
	snprintf(r->type, sizeof(r->type), "%s", type);
	snprintf(r->conn, sizeof(r->conn), "%s", conn ? conn : "");
	snprintf(r->child, sizeof(r->child), "%s", child ? child : "");
	va_start(ap, fmt);
	vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
}

int
gw_events_show(struct gw_out *o, int argc, char **argv, void *ctx)
{
	uint64_t n = n_total < GW_EVENTS_MAX ? n_total : GW_EVENTS_MAX;

	(void)ctx;
	if (argc > 0) {
		char *end;
		unsigned long want = strtoul(argv[0], &end, 10);

		if (*end != 0) {
			gw_out_error(o, "usage: show events [N]");
			return -1;
		}
		if (want < n)
			n = want;
	}
	gw_out_list(o, "events");
	for (uint64_t s = n_total - n; s < n_total; s++) {
		const struct gw_event_rec *r = &ring[s % GW_EVENTS_MAX];
		struct tm tm;
		char t[40];

		gmtime_r(&r->when.tv_sec, &tm);
		strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
		gw_out_obj(o, NULL);
		gw_out_u64(o, "seq", r->seq);
		gw_out_fmt(o, "time", "%s.%03ldZ", t, r->when.tv_nsec / 1000000);
		gw_out_str(o, "type", r->type);
		gw_out_str(o, "conn", r->conn);
		gw_out_str(o, "child", r->child);
		gw_out_str(o, "detail", r->text);
		gw_out_end(o);
	}
	gw_out_end(o);
	return 0;
}
