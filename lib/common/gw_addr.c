/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_addr.h"

int
gw_addr_parse(const char *s, struct gw_addr *a)
{
	struct in_addr in4;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &in4) == 1) {
		a->family = GW_AF_INET;
		a->v4 = ntohl(in4.s_addr);
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->v6) == 1) {
		a->family = GW_AF_INET6;
		return 0;
	}
	return -1;
}

static bool
v6_host_bits_zero(const uint8_t *v6, unsigned len)
{
	for (unsigned bit = len; bit < 128; bit++)
		if (v6[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

int
gw_prefix_parse(const char *s, struct gw_prefix *p)
{
	char buf[GW_ADDR_STRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned max;
	char *end;
	long len;

	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (gw_addr_parse(buf, &p->addr) < 0)
		return -1;
	max = p->addr.family == GW_AF_INET ? 32 : 128;
	if (slash == NULL) {
		p->len = max;
		return 0;
	}
	if (slash[1] < '0' || slash[1] > '9')
		return -1;
	len = strtol(slash + 1, &end, 10);
	if (*end != '\0' || len < 0 || len > (long)max)
		return -1;
	p->len = (uint8_t)len;
	if (p->addr.family == GW_AF_INET)
		return (p->addr.v4 & ~gw_v4_mask(p->len)) ? -1 : 0;
	return v6_host_bits_zero(p->addr.v6, p->len) ? 0 : -1;
}

const char *
gw_addr_format(const struct gw_addr *a, char *buf, size_t len)
{
	struct in_addr in4;

	if (a->family == GW_AF_INET) {
		in4.s_addr = htonl(a->v4);
		inet_ntop(AF_INET, &in4, buf, len);
	} else if (a->family == GW_AF_INET6) {
		inet_ntop(AF_INET6, a->v6, buf, len);
	} else {
		snprintf(buf, len, "-");
	}
	return buf;
}

const char *
gw_prefix_format(const struct gw_prefix *p, char *buf, size_t len)
{
	char a[GW_ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", gw_addr_format(&p->addr, a, sizeof(a)), p->len);
	return buf;
}

bool
gw_prefix_contains(const struct gw_prefix *p, const struct gw_addr *a)
{
	if (p->addr.family != a->family)
		return false;
	if (a->family == GW_AF_INET)
		return ((a->v4 ^ p->addr.v4) & gw_v4_mask(p->len)) == 0;
	for (unsigned bit = 0; bit < p->len; bit++) {
		uint8_t m = 0x80 >> (bit % 8);
		if ((a->v6[bit / 8] & m) != (p->addr.v6[bit / 8] & m))
			return false;
	}
	return true;
}

int
gw_mac_parse(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}
