/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `policies`: the ordered SPD. An entry whose local_ts or remote_ts is a
 * list expands into one gw_cfg_policy per (local, remote) pair of one
 * address family, in the order written (local outer, remote inner).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_priv.h"

enum {
	POLICY_TS_MAX = 32,        /**< prefixes per side of one entry */
	PROTO_ICMP = 1,
	PROTO_TCP = 6,
	PROTO_UDP = 17,
	PROTO_ICMPV6 = 58,
	PROTO_SCTP = 132,
};

static const char *const policy_keys[] = {
	"name", "local_ts", "remote_ts", "action", "sa", "proto",
	"local_port", "remote_port", NULL
};

static const struct cfg_enum action_names[] = {
	{ "protect", GW_ACT_PROTECT }, { "bypass", GW_ACT_BYPASS },
	{ "discard", GW_ACT_DISCARD }, { NULL, 0 }
};

static const struct cfg_enum proto_names[] = {
	{ "any", 0 }, { "icmp", PROTO_ICMP }, { "tcp", PROTO_TCP },
	{ "udp", PROTO_UDP }, { "icmpv6", PROTO_ICMPV6 }, { "sctp", PROTO_SCTP },
	{ NULL, 0 }
};

static int
parse_proto(struct cfg_loader *ld, const config_setting_t *s, uint8_t *proto)
{
	const char *str;
	uint64_t v;
	int e;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		if (cfg_uint(ld, s, 0, UINT8_MAX, &v) < 0)
			return -1;
		*proto = (uint8_t)v;
		return 0;
	}
	str = config_setting_get_string(s);
	if (isdigit((unsigned char)str[0])) {
		char *end;

		errno = 0;
		v = strtoul(str, &end, 10);
		if (*end != '\0' || errno != 0 || v > UINT8_MAX) {
			cfg_error(ld, s, "protocol '%.16s' must be 0..255", str);
			return -1;
		}
		*proto = (uint8_t)v;
		return 0;
	}
	if (cfg_enum(ld, s, proto_names, &e) < 0)
		return -1;
	*proto = (uint8_t)e;
	return 0;
}

static int
parse_port_range(const char *str, uint16_t *lo, uint16_t *hi)
{
	unsigned long a, b;
	char *end;

	if (strcmp(str, "any") == 0) {
		*lo = 0;
		*hi = UINT16_MAX;
		return 0;
	}
	if (!isdigit((unsigned char)str[0]))
		return -1;
	errno = 0;
	a = strtoul(str, &end, 10);
	b = a;
	if (*end == '-') {
		if (!isdigit((unsigned char)end[1]))
			return -1;
		b = strtoul(end + 1, &end, 10);
	}
	if (*end != '\0' || errno != 0 || a > b || b > UINT16_MAX)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static int
parse_ports(struct cfg_loader *ld, const config_setting_t *s, uint8_t proto,
	    struct gw_ts *ts)
{
	uint64_t v;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		const char *str = config_setting_get_string(s);

		if (parse_port_range(str, &ts->port_lo, &ts->port_hi) < 0) {
			cfg_error(ld, s, "'%.32s' is not a port or range: use \"N\" "
				  "or \"N-M\" with N <= M <= 65535", str);
			return -1;
		}
	} else if (cfg_uint(ld, s, 0, UINT16_MAX, &v) == 0) {
		ts->port_lo = ts->port_hi = (uint16_t)v;
	} else {
		return -1;
	}
	if (proto != PROTO_TCP && proto != PROTO_UDP && proto != PROTO_SCTP &&
	    (ts->port_lo != 0 || ts->port_hi != UINT16_MAX)) {
		cfg_error(ld, s, "ports need proto = \"tcp\", \"udp\" or \"sctp\"");
		return -1;
	}
	return 0;
}

static int
parse_side(struct cfg_loader *ld, const config_setting_t *entry,
	   const char *key, struct gw_prefix ts[])
{
	const config_setting_t *elems[POLICY_TS_MAX];
	const config_setting_t *s = cfg_member(ld, entry, key, true);
	int n, good = 0;

	if (s == NULL)
		return -1;
	n = cfg_strings(ld, s, elems, POLICY_TS_MAX);
	if (n == 0)
		cfg_error(ld, s, "needs at least one prefix (\"0.0.0.0/0\" for any)");
	if (n <= 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (cfg_prefix(ld, elems[i], &ts[good]) == 0)
			good++;
	return good == n ? n : -1;
}

/* The outbound SA a protect policy names, or NULL after reporting. */
static const struct gw_cfg_sa *
lookup_out_sa(struct cfg_loader *ld, const config_setting_t *m)
{
	const struct gw_cfg_sa *sa;
	const char *str;

	if (cfg_string(ld, m, &str) < 0)
		return NULL;
	sa = gw_cfg_sa_by_name(ld->cfg, str);
	if (sa == NULL) {
		cfg_error(ld, m, "no SA named '%.64s' under sas", str);
		return NULL;
	}
	if (sa->dir != GW_DIR_OUT) {
		cfg_error(ld, m, "'%s' is an inbound SA; protect needs the "
			  "outbound SA (direction = \"out\")", sa->name);
		return NULL;
	}
	return sa;
}

static struct gw_cfg_policy *
policy_add(struct cfg_loader *ld, const config_setting_t *entry,
	   unsigned *cap)
{
	struct gw_cfg *cfg = ld->cfg;

	if (cfg->n_policies == *cap) {
		unsigned ncap = *cap ? *cap * 2 : 16;
		struct gw_cfg_policy *p = realloc(cfg->policies, ncap * sizeof(*p));

		if (p == NULL) {
			cfg_error(ld, entry, "out of memory");
			return NULL;
		}
		cfg->policies = p;
		*cap = ncap;
	}
	return memset(&cfg->policies[cfg->n_policies++], 0,
		      sizeof(cfg->policies[0]));
}

/* "mgmt" with several selector pairs: "mgmt-1", "mgmt-2", ... */
static void
name_pair(struct cfg_loader *ld, const config_setting_t *e,
	  struct gw_cfg_policy *p, const char *name, unsigned k)
{
	char buf[GW_NAME_MAX + 16];

	snprintf(buf, sizeof(buf), "%s-%u", name, k);
	cfg_copy_name(ld, e, buf, p->name, sizeof(p->name));
}

static void
parse_policy(struct cfg_loader *ld, const config_setting_t *e, unsigned *cap)
{
	struct gw_prefix local[POLICY_TS_MAX], remote[POLICY_TS_MAX];
	struct gw_ts proto_ts = { .port_hi = UINT16_MAX };
	struct gw_ts local_ports = proto_ts, remote_ports = proto_ts;
	const struct gw_cfg_sa *sa = NULL;
	const config_setting_t *m, *sa_m;
	char name[GW_NAME_MAX] = "";
	unsigned errors = ld->diag->errors;
	unsigned pairs = 0, k = 0;
	int action = -1, nl, nr;
	const char *str;

	if (cfg_want_group(ld, e) < 0)
		return;
	cfg_check_keys(ld, e, policy_keys);
	m = cfg_member(ld, e, "name", false);
	if (m != NULL && cfg_string(ld, m, &str) == 0)
		cfg_copy_name(ld, m, str, name, sizeof(name));
	m = cfg_member(ld, e, "action", true);
	if (m != NULL)
		cfg_enum(ld, m, action_names, &action);
	sa_m = cfg_member(ld, e, "sa", false);
	if (action == GW_ACT_PROTECT && sa_m == NULL)
		cfg_error(ld, e, "action \"protect\" needs sa = \"<outbound SA>\"");
	else if (action == GW_ACT_PROTECT)
		sa = lookup_out_sa(ld, sa_m);
	else if (action >= 0 && sa_m != NULL)
		cfg_error(ld, sa_m, "sa is only allowed with action = \"protect\"");

	m = cfg_member(ld, e, "proto", false);
	/* Ports are checked against the protocol only when it was readable. */
	if (m == NULL || parse_proto(ld, m, &proto_ts.proto) == 0) {
		local_ports = remote_ports = proto_ts;
		m = cfg_member(ld, e, "local_port", false);
		if (m != NULL)
			parse_ports(ld, m, proto_ts.proto, &local_ports);
		m = cfg_member(ld, e, "remote_port", false);
		if (m != NULL)
			parse_ports(ld, m, proto_ts.proto, &remote_ports);
	}

	nl = parse_side(ld, e, "local_ts", local);
	nr = parse_side(ld, e, "remote_ts", remote);
	if (nl < 0 || nr < 0 || ld->diag->errors != errors)
		return;

	for (int i = 0; i < nl; i++)
		for (int j = 0; j < nr; j++)
			pairs += local[i].addr.family == remote[j].addr.family;
	if (pairs == 0) {
		cfg_error(ld, e, "local_ts and remote_ts have no pair of one address "
			  "family (%s vs %s)", cfg_family_name(local[0].addr.family),
			  cfg_family_name(remote[0].addr.family));
		return;
	}
	for (int i = 0; i < nl; i++) {
		uint8_t family = local[i].addr.family;

		if ((proto_ts.proto == PROTO_ICMP && family == GW_AF_INET6) ||
		    (proto_ts.proto == PROTO_ICMPV6 && family == GW_AF_INET)) {
			cfg_error(ld, e, "proto %s does not go with %s selectors",
				  proto_ts.proto == PROTO_ICMP ? "icmp" : "icmpv6",
				  cfg_family_name(family));
			return;
		}
		if (sa != NULL && family != sa->local.family &&
		    sa->local.family != GW_AF_NONE) {
			cfg_error(ld, e, "%s selectors cannot go through %s SA '%s'",
				  cfg_family_name(family),
				  cfg_family_name(sa->local.family), sa->name);
			return;
		}
	}
	for (int i = 0; i < nl; i++) {
		for (int j = 0; j < nr; j++) {
			struct gw_cfg_policy *p;

			if (local[i].addr.family != remote[j].addr.family)
				continue;
			p = policy_add(ld, e, cap);
			if (p == NULL)
				return;
			k++;
			p->line = cfg_line(e);
			p->action = action;
			p->local_ts = local_ports;
			p->local_ts.prefix = local[i];
			p->remote_ts = remote_ports;
			p->remote_ts.prefix = remote[j];
			if (sa != NULL)
				memcpy(p->sa, sa->name, sizeof(p->sa));
			if (name[0] == '\0')
				snprintf(p->name, sizeof(p->name), "policy-%u",
					 ld->cfg->n_policies - 1);
			else if (pairs == 1)
				memcpy(p->name, name, sizeof(p->name));
			else
				name_pair(ld, e, p, name, k);
		}
	}
}

void
cfg_parse_policies(struct cfg_loader *ld, const config_setting_t *list)
{
	struct gw_cfg *cfg = ld->cfg;
	unsigned cap = 0;
	int n;

	if (cfg_want_list(ld, list) < 0)
		return;
	n = config_setting_length(list);
	for (int i = 0; i < n; i++)
		parse_policy(ld, config_setting_get_elem(list, i), &cap);
	for (unsigned i = 1; i < cfg->n_policies; i++) {
		for (unsigned j = 0; j < i; j++) {
			if (strcmp(cfg->policies[i].name, cfg->policies[j].name) != 0)
				continue;
			gw_diag_add(ld->diag, GW_DIAG_ERROR, cfg->policies[i].line,
				    "policies: name '%s' is already used (line %d)",
				    cfg->policies[i].name, cfg->policies[j].line);
			break;
		}
	}
}
