/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Typed getters over libconfig settings. Each reports what is wrong as
 * "<path>: <problem>" at the setting's line, so a section parser only
 * says what it expects.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_priv.h"

int
cfg_line(const config_setting_t *s)
{
	return s != NULL ? (int)config_setting_source_line(s) : 0;
}

/* "sas.to-b.spi", "routes[2].via": where a setting sits, for messages. */
static void
setting_path(const config_setting_t *s, char *buf, size_t size)
{
	const config_setting_t *parent = config_setting_parent(s);
	size_t n;

	buf[0] = '\0';
	if (parent == NULL)
		return;
	setting_path(parent, buf, size);
	n = strlen(buf);
	if (config_setting_is_group(parent) && config_setting_name(s) != NULL)
		snprintf(buf + n, size - n, "%s%s", n > 0 ? "." : "",
			 config_setting_name(s));
	else
		snprintf(buf + n, size - n, "[%d]", config_setting_index(s));
}

static void
report_v(struct cfg_loader *ld, enum gw_diag_kind kind,
	 const config_setting_t *subject, const config_setting_t *at,
	 const char *fmt, va_list ap)
{
	char path[96] = "";
	char msg[256];
	const char *file = at != NULL ? config_setting_source_file(at) : NULL;
	const char *sep;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (subject != NULL)
		setting_path(subject, path, sizeof(path));
	sep = path[0] != '\0' ? ": " : "";
	/* A setting from an @include file: its line is not in diag->file. */
	if (file != NULL)
		gw_diag_add(ld->diag, kind, 0, "%s:%d: %s%s%s", file,
			    cfg_line(at), path, sep, msg);
	else
		gw_diag_add(ld->diag, kind, cfg_line(at), "%s%s%s", path, sep,
			    msg);
}

void
cfg_report(struct cfg_loader *ld, enum gw_diag_kind kind,
	   const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_v(ld, kind, s, s, fmt, ap);
	va_end(ap);
}

static void
report_at(struct cfg_loader *ld, const config_setting_t *at,
	  const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
report_at(struct cfg_loader *ld, const config_setting_t *at,
	  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_v(ld, GW_DIAG_ERROR, NULL, at, fmt, ap);
	va_end(ap);
}

static const char *
type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group { }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "true/false";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ]";
	case CONFIG_TYPE_LIST:
		return "a list ( )";
	default:
		return "nothing";
	}
}

/* Edit distance of short names, to suggest the key a typo meant. */
static unsigned
edit_distance(const char *a, const char *b)
{
	unsigned row[GW_NAME_MAX + 1];
	size_t la = strlen(a), lb = strlen(b);

	if (la > GW_NAME_MAX || lb > GW_NAME_MAX)
		return UINT_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

unsigned
cfg_edit_distance(const char *a, const char *b)
{
	return edit_distance(a, b);
}

void
cfg_check_keys(struct cfg_loader *ld, const config_setting_t *group,
	       const char *const allowed[])
{
	char where[96], list[200];
	int n = config_setting_length(group);

	setting_path(group, where, sizeof(where));
	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(group, i);
		const char *name = config_setting_name(m);
		const char *near = NULL;
		size_t len = 0;
		unsigned k;

		if (name == NULL)
			continue;
		for (k = 0; allowed[k] != NULL; k++) {
			if (strcmp(name, allowed[k]) == 0)
				break;
			if (near == NULL && edit_distance(name, allowed[k]) <= 2)
				near = allowed[k];
		}
		if (allowed[k] != NULL)
			continue;
		if (near != NULL) {
			report_at(ld, m, "unknown key '%s' in %s; did you mean '%s'?",
				  name, where[0] ? where : "the top level", near);
			continue;
		}
		list[0] = '\0';
		for (k = 0; allowed[k] != NULL && len < sizeof(list); k++)
			len += snprintf(list + len, sizeof(list) - len, "%s%s",
					k > 0 ? ", " : "", allowed[k]);
		report_at(ld, m, "unknown key '%s' in %s; allowed: %s", name,
			  where[0] ? where : "the top level", list);
	}
}

config_setting_t *
cfg_member(struct cfg_loader *ld, const config_setting_t *group,
	   const char *name, bool required)
{
	config_setting_t *m = config_setting_get_member(group, name);

	if (m == NULL && required)
		cfg_error(ld, group, "missing required key '%s'", name);
	return m;
}

int
cfg_want_group(struct cfg_loader *ld, const config_setting_t *s)
{
	if (config_setting_is_group(s))
		return 0;
	cfg_error(ld, s, "expected a group { ... }, found %s", type_name(s));
	return -1;
}

int
cfg_want_list(struct cfg_loader *ld, const config_setting_t *s)
{
	/* An empty `[]` is an array to libconfig; take it as an empty list. */
	if (config_setting_is_list(s) ||
	    (config_setting_is_array(s) && config_setting_length(s) == 0))
		return 0;
	cfg_error(ld, s, "expected a list ( { ... }, ... ), found %s",
		  type_name(s));
	return -1;
}

int
cfg_string(struct cfg_loader *ld, const config_setting_t *s, const char **out)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cfg_error(ld, s, "expected a string, found %s", type_name(s));
		return -1;
	}
	*out = config_setting_get_string(s);
	return 0;
}

int
cfg_bool(struct cfg_loader *ld, const config_setting_t *s, bool *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		cfg_error(ld, s, "expected true or false, found %s", type_name(s));
		return -1;
	}
	*out = config_setting_get_bool(s) != 0;
	return 0;
}

static bool
is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '*';
}

static const char *
line_start(const char *text, int line)
{
	for (int l = 1; l < line; l++) {
		text = strchr(text, '\n');
		if (text == NULL)
			return NULL;
		text++;
	}
	return text;
}

/*
 * libconfig 1.5 keeps a plain integer in an int: 4294967295 reads as -1
 * and 0x100000100 as 256. Re-read the literal from the setting's line so
 * range checks see what the operator wrote. Only a literal that agrees
 * with libconfig's value in its low 32 bits is taken, so a line holding
 * several settings of one name cannot mislead it.
 */
int
cfg_int_literal(const struct cfg_loader *ld, const config_setting_t *s,
		long long seen, long long *value, bool *overflow)
{
	const char *name = config_setting_name(s);
	const char *start, *p;
	bool too_big = false;
	size_t nlen;

	if (ld->text == NULL || name == NULL ||
	    config_setting_source_file(s) != NULL || cfg_line(s) <= 0)
		return -1;
	start = line_start(ld->text, cfg_line(s));
	if (start == NULL)
		return -1;
	nlen = strlen(name);
	for (p = start; *p != '\0' && *p != '\n'; p++) {
		unsigned long long u;
		const char *q;
		char *end;
		bool neg;

		if (*p == '"') {
			for (p++; *p != '\0' && *p != '\n' && *p != '"'; p++)
				if (*p == '\\' && p[1] != '\0' && p[1] != '\n')
					p++;
			if (*p != '"')
				break;
			continue;
		}
		if (*p == '#' || (p[0] == '/' && p[1] == '/'))
			break;
		if (p[0] == '/' && p[1] == '*') {
			q = strstr(p + 2, "*/");
			if (q == NULL || memchr(p, '\n', q - p) != NULL)
				break;
			p = q + 1;
			continue;
		}
		if (strncmp(p, name, nlen) != 0 || (p > start && is_name_char(p[-1])) ||
		    is_name_char(p[nlen]))
			continue;
		q = p + nlen;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '=' && *q != ':')
			continue;
		for (q++; *q == ' ' || *q == '\t'; q++)
			;
		neg = *q == '-';
		if (*q == '-' || *q == '+')
			q++;
		if (!isdigit((unsigned char)*q))
			continue;
		errno = 0;
		u = strtoull(q, &end, (q[0] == '0' && (q[1] | 0x20) == 'x') ? 16 : 10);
		if (errno == ERANGE || u > LLONG_MAX) {
			too_big = true;
			continue;
		}
		if ((uint32_t)(neg ? -(long long)u : (long long)u) == (uint32_t)seen) {
			*value = neg ? -(long long)u : (long long)u;
			*overflow = false;
			return 0;
		}
	}
	if (!too_big)
		return -1;
	*value = 0;
	*overflow = true;
	return 0;
}

int
cfg_uint(struct cfg_loader *ld, const config_setting_t *s, uint64_t min,
	 uint64_t max, uint64_t *out)
{
	long long v, lit;
	bool overflow = false;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		v = config_setting_get_int(s);
		/* 0x80000000..0xffffffff arrive as negative ints. */
		if (v < 0 && config_setting_get_format(s) == CONFIG_FORMAT_HEX)
			v = (uint32_t)v;
		break;
	case CONFIG_TYPE_INT64:
		v = config_setting_get_int64(s);
		break;
	default:
		cfg_error(ld, s, "expected an integer, found %s", type_name(s));
		return -1;
	}
	if (cfg_int_literal(ld, s, v, &lit, &overflow) == 0 && !overflow)
		v = lit;
	if (overflow) {
		cfg_error(ld, s, "value is too large (%llu at most)",
			  (unsigned long long)max);
		return -1;
	}
	if (v < 0 || (uint64_t)v < min || (uint64_t)v > max) {
		cfg_error(ld, s, "%lld is out of range %llu..%llu", v,
			  (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = (uint64_t)v;
	return 0;
}

int
cfg_enum(struct cfg_loader *ld, const config_setting_t *s,
	 const struct cfg_enum *names, int *out)
{
	char list[128];
	const char *str;
	size_t len = 0;

	if (cfg_string(ld, s, &str) < 0)
		return -1;
	for (const struct cfg_enum *e = names; e->name != NULL; e++) {
		if (strcmp(str, e->name) == 0) {
			*out = e->value;
			return 0;
		}
	}
	list[0] = '\0';
	for (const struct cfg_enum *e = names; e->name != NULL && len < sizeof(list); e++)
		len += snprintf(list + len, sizeof(list) - len, "%s\"%s\"",
				e == names ? "" : e[1].name == NULL ? " or " : ", ",
				e->name);
	cfg_error(ld, s, "'%.48s' is not valid; use %s", str, list);
	return -1;
}

int
cfg_copy_name(struct cfg_loader *ld, const config_setting_t *s,
	      const char *str, char *dst, size_t size)
{
	size_t len = strlen(str);

	if (len == 0) {
		cfg_error(ld, s, "must not be empty");
		return -1;
	}
	if (len >= size) {
		cfg_error(ld, s, "'%.24s...' is too long (%zu characters at most)",
			  str, size - 1);
		return -1;
	}
	memcpy(dst, str, len + 1);
	return 0;
}

int
cfg_strings(struct cfg_loader *ld, const config_setting_t *s,
	    const config_setting_t *out[], unsigned max)
{
	int n, rc = 0;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		out[0] = s;
		return 1;
	}
	if (!config_setting_is_list(s) && !config_setting_is_array(s)) {
		cfg_error(ld, s, "expected a string or a list of strings, found %s",
			  type_name(s));
		return -1;
	}
	n = config_setting_length(s);
	if ((unsigned)n > max) {
		cfg_error(ld, s, "too many entries: %d (%u at most)", n, max);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			cfg_error(ld, e, "expected a string, found %s", type_name(e));
			rc = -1;
		}
		out[i] = e;
	}
	return rc < 0 ? -1 : n;
}

const char *
cfg_family_name(uint8_t family)
{
	return family == GW_AF_INET ? "IPv4" : family == GW_AF_INET6 ? "IPv6" : "none";
}

int
cfg_prefix(struct cfg_loader *ld, const config_setting_t *s,
	   struct gw_prefix *p)
{
	char addr[GW_ADDR_STRLEN], net[GW_ADDR_STRLEN];
	const char *str, *slash;
	struct gw_prefix fix;
	unsigned max;
	char *end;
	long len;

	if (cfg_string(ld, s, &str) < 0)
		return -1;
	if (gw_prefix_parse(str, p) == 0)
		return 0;
	/* Say which part is wrong; a set host bit gets the likely intent. */
	slash = strchr(str, '/');
	len = slash != NULL ? slash - str : (long)strlen(str);
	if (len == 0 || len >= (long)sizeof(addr)) {
		cfg_error(ld, s, "'%.64s' is not a valid prefix", str);
		return -1;
	}
	memcpy(addr, str, len);
	addr[len] = '\0';
	if (gw_addr_parse(addr, &fix.addr) < 0) {
		cfg_error(ld, s, "'%.64s' is not a valid prefix: '%s' is not an "
			  "IPv4 or IPv6 address", str, addr);
		return -1;
	}
	max = fix.addr.family == GW_AF_INET ? 32 : 128;
	if (slash == NULL) {
		cfg_error(ld, s, "'%.64s' is not a valid prefix", str);
		return -1;
	}
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (!isdigit((unsigned char)slash[1]) || *end != '\0' || errno != 0 ||
	    len < 0 || len > (long)max) {
		cfg_error(ld, s, "'%.64s' is not a valid prefix: length must be 0..%u",
			  str, max);
		return -1;
	}
	fix.len = (uint8_t)len;
	if (fix.addr.family == GW_AF_INET) {
		fix.addr.v4 &= gw_v4_mask(fix.len);
	} else {
		for (unsigned bit = fix.len; bit < 128; bit++)
			fix.addr.v6[bit / 8] &= ~(0x80 >> (bit % 8));
	}
	cfg_error(ld, s, "'%.64s' has host bits set; did you mean %s?", str,
		  gw_prefix_format(&fix, net, sizeof(net)));
	return -1;
}

int
cfg_addr(struct cfg_loader *ld, const config_setting_t *s, struct gw_addr *a)
{
	const char *str;

	if (cfg_string(ld, s, &str) < 0)
		return -1;
	if (gw_addr_parse(str, a) == 0)
		return 0;
	if (strchr(str, '/') != NULL)
		cfg_error(ld, s, "'%.64s' is a prefix; an address is expected here",
			  str);
	else
		cfg_error(ld, s, "'%.64s' is not an IPv4 or IPv6 address", str);
	return -1;
}
