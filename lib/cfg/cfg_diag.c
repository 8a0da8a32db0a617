/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Findings of a load or review: kept in a fixed array so that reporting
 * never fails; past its end they are only counted.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gw_cfg.h"

static const char *const diag_kind_name[] = {
	[GW_DIAG_ERROR] = "error",
	[GW_DIAG_WARNING] = "warning",
	[GW_DIAG_NOTE] = "note",
};

void
gw_diag_init(struct gw_diag *diag, const char *file)
{
	memset(diag, 0, sizeof(*diag));
	diag->file = file;
}

void
gw_diag_add(struct gw_diag *diag, enum gw_diag_kind kind, int line,
	    const char *fmt, ...)
{
	struct gw_diag_item *it;
	va_list ap;

	switch (kind) {
	case GW_DIAG_ERROR:
		diag->errors++;
		break;
	case GW_DIAG_WARNING:
		diag->warnings++;
		break;
	case GW_DIAG_NOTE:
		diag->notes++;
		break;
	}
	if (diag->n == GW_ARRAY_SIZE(diag->items)) {
		diag->dropped++;
		return;
	}
	it = &diag->items[diag->n++];
	it->kind = kind;
	it->line = line > 0 ? line : 0;
	va_start(ap, fmt);
	vsnprintf(it->msg, sizeof(it->msg), fmt, ap);
	va_end(ap);
}

void
gw_diag_print(const struct gw_diag *diag, void *stream)
{
	FILE *f = stream;
	const char *file = diag->file ? diag->file : "";
	const char *sep = diag->file ? ": " : "";

	for (unsigned i = 0; i < diag->n; i++) {
		const struct gw_diag_item *it = &diag->items[i];
		const char *kind = (unsigned)it->kind < GW_ARRAY_SIZE(diag_kind_name) ?
			diag_kind_name[it->kind] : "?";

		if (it->line > 0 && diag->file != NULL)
			fprintf(f, "%s:%d: %s: %s\n", file, it->line, kind, it->msg);
		else if (it->line > 0)
			fprintf(f, "line %d: %s: %s\n", it->line, kind, it->msg);
		else
			fprintf(f, "%s%s%s: %s\n", file, sep, kind, it->msg);
	}
	if (diag->dropped > 0)
		fprintf(f, "%s%snote: %u more findings not shown\n", file, sep,
			diag->dropped);
}
