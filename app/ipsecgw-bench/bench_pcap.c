/* SPDX-License-Identifier: BSD-3-Clause */
/* Just enough of the pcap format to let an independent tool read frames. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

struct bench_pcap {
	FILE *f;
};

struct bench_pcap *
bench_pcap_open(const char *path)
{
	const uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 /* Ethernet */ };
	struct bench_pcap *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->f = fopen(path, "wb");
	if (p->f == NULL || fwrite(hdr, sizeof(hdr), 1, p->f) != 1) {
		if (p->f)
			fclose(p->f);
		free(p);
		return NULL;
	}
	return p;
}

void
bench_pcap_write(struct bench_pcap *p, const void *data, uint32_t len)
{
	struct timespec ts;
	uint32_t rec[4];

	clock_gettime(CLOCK_REALTIME, &ts);
	rec[0] = (uint32_t)ts.tv_sec;
	rec[1] = (uint32_t)(ts.tv_nsec / 1000);
	rec[2] = rec[3] = len;
	fwrite(rec, sizeof(rec), 1, p->f);
	fwrite(data, len, 1, p->f);
}

void
bench_pcap_close(struct bench_pcap *p)
{
	if (p) {
		fclose(p->f);
		free(p);
	}
}
