/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gw_cfg_load: reads the file, lets libconfig parse it, then walks every
 * section with the typed getters of cfg_value.c. A section parser reports
 * and goes on, so one run lists every problem; the load fails if any error
 * was reported. SAs and policies live in cfg_sa.c and cfg_policy.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "cfg_priv.h"

enum {
	CFG_FILE_MAX = 4 << 20,    /**< a config larger than this is a mistake */
	CFG_LCORE_MAX = 1023,
	CFG_MTU_MIN = 576,         /**< IPv4 minimum reassembly size */
	CFG_MTU_MAX = 9216,
	CFG_MBUFS_MIN = 1023,
	CFG_MBUFS_MAX = (1 << 24) - 1,
	CFG_IDLE_SLEEP_MAX = 1000000,
};

#define CFG_SOCKET_DEFAULT "/run/ipsecgw/ipsecgw.sock"

const char *
gw_esp_alg_name(enum gw_esp_alg alg)
{
	switch (alg) {
	case GW_ALG_AES128GCM16:
		return "aes128gcm16";
	case GW_ALG_AES256GCM16:
		return "aes256gcm16";
	case GW_ALG_CHACHA20POLY1305:
		return "chacha20poly1305";
	case GW_ALG_AES128CBC_SHA256:
		return "aes128-sha256";
	case GW_ALG_AES128CBC_SHA384:
		return "aes128-sha384";
	case GW_ALG_AES128CBC_SHA512:
		return "aes128-sha512";
	case GW_ALG_AES256CBC_SHA256:
		return "aes256-sha256";
	case GW_ALG_AES256CBC_SHA384:
		return "aes256-sha384";
	case GW_ALG_AES256CBC_SHA512:
		return "aes256-sha512";
	default:
		return "none";
	}
}

unsigned
gw_esp_alg_key_len(enum gw_esp_alg alg)
{
	switch (alg) {
	case GW_ALG_AES128GCM16:
	case GW_ALG_AES128CBC_SHA256:
	case GW_ALG_AES128CBC_SHA384:
	case GW_ALG_AES128CBC_SHA512:
		return 16;
	case GW_ALG_AES256GCM16:
	case GW_ALG_CHACHA20POLY1305:
	case GW_ALG_AES256CBC_SHA256:
	case GW_ALG_AES256CBC_SHA384:
	case GW_ALG_AES256CBC_SHA512:
		return 32;
	default:
		return 0;
	}
}

const struct gw_cfg_port *
gw_cfg_port_by_name(const struct gw_cfg *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return &cfg->ports[i];
	return NULL;
}

const struct gw_cfg_sa *
gw_cfg_sa_by_name(const struct gw_cfg *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_sas; i++)
		if (strcmp(cfg->sas[i].name, name) == 0)
			return &cfg->sas[i];
	return NULL;
}

void
gw_cfg_free(struct gw_cfg *cfg)
{
	for (unsigned i = 0; i < cfg->n_eal_args; i++)
		free(cfg->eal_args[i]);
	free(cfg->routes);
	free(cfg->neighbors);
	free(cfg->policies);
	if (cfg->sas != NULL)
		gw_wipe(cfg->sas, cfg->n_sas * sizeof(cfg->sas[0]));
	free(cfg->sas);
	cfg_free_ike(cfg);
	gw_wipe(cfg, sizeof(*cfg));
}

static void
parse_eal(struct cfg_loader *ld, const config_setting_t *eal)
{
	static const char *const keys[] = { "args", NULL };
	const config_setting_t *elems[GW_ARRAY_SIZE(ld->cfg->eal_args)];
	const config_setting_t *no_huge = NULL, *in_memory = NULL;
	const config_setting_t *args;
	struct gw_cfg *cfg = ld->cfg;
	int n;

	if (cfg_want_group(ld, eal) < 0)
		return;
	cfg_check_keys(ld, eal, keys);
	args = cfg_member(ld, eal, "args", false);
	if (args == NULL)
		return;
	/* One string would be one argument, not a command line split on spaces. */
	if (config_setting_type(args) == CONFIG_TYPE_STRING) {
		cfg_error(ld, args, "expected a list of strings, one per argument: "
			  "[\"--no-pci\", \"--in-memory\"]");
		return;
	}
	n = cfg_strings(ld, args, elems, GW_ARRAY_SIZE(elems));
	for (int i = 0; i < n; i++) {
		const char *arg = config_setting_get_string(elems[i]);

		if (arg[0] == '\0') {
			cfg_error(ld, elems[i], "empty argument");
			continue;
		}
		if (strcmp(arg, "--no-huge") == 0)
			no_huge = elems[i];
		else if (strcmp(arg, "--in-memory") == 0)
			in_memory = elems[i];
		cfg->eal_args[cfg->n_eal_args] = strdup(arg);
		if (cfg->eal_args[cfg->n_eal_args] == NULL) {
			cfg_error(ld, elems[i], "out of memory");
			return;
		}
		cfg->n_eal_args++;
	}
	/* EAL would refuse to start; say so at --check time. */
	if (no_huge != NULL && in_memory != NULL)
		cfg_error(ld, in_memory, "DPDK 22.11 refuses --in-memory together "
			  "with --no-huge; use --no-shconf");
}

static void
parse_workers(struct cfg_loader *ld, const config_setting_t *s)
{
	struct gw_cfg_lcores *lc = &ld->cfg->lcores;
	const config_setting_t *e;
	int n;

	if (config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64) {
		n = 1;
	} else if (config_setting_is_list(s) || config_setting_is_array(s)) {
		n = config_setting_length(s);
	} else {
		cfg_error(ld, s, "expected a list of lcore ids, e.g. [1, 2]");
		return;
	}
	if (n == 0) {
		cfg_error(ld, s, "at least one worker lcore is needed");
		return;
	}
	if (n > GW_MAX_WORKERS) {
		cfg_error(ld, s, "%d workers; at most %d are supported", n,
			  GW_MAX_WORKERS);
		return;
	}
	for (int i = 0; i < n; i++) {
		uint64_t id;
		unsigned j;

		e = n == 1 && !config_setting_is_aggregate(s) ? s :
			config_setting_get_elem(s, i);
		if (cfg_uint(ld, e, 0, CFG_LCORE_MAX, &id) < 0)
			continue;
		if (id == lc->control) {
			cfg_error(ld, e, "lcore %u is the control lcore; a worker "
				  "needs an lcore of its own", (unsigned)id);
			continue;
		}
		for (j = 0; j < lc->n_workers; j++)
			if (lc->workers[j] == id)
				break;
		if (j < lc->n_workers) {
			cfg_error(ld, e, "lcore %u is listed twice", (unsigned)id);
			continue;
		}
		lc->workers[lc->n_workers++] = (unsigned)id;
	}
}

static void
parse_lcores(struct cfg_loader *ld, const config_setting_t *s)
{
	static const char *const keys[] = {
		"control", "workers", "idle", "idle_sleep_us", NULL
	};
	static const struct cfg_enum idle_names[] = {
		{ "poll", GW_IDLE_POLL }, { "sleep", GW_IDLE_SLEEP }, { NULL, 0 }
	};
	struct gw_cfg_lcores *lc = &ld->cfg->lcores;
	const config_setting_t *m;
	uint64_t v;
	int e;

	if (cfg_want_group(ld, s) < 0)
		return;
	lc->line = cfg_line(s);
	cfg_check_keys(ld, s, keys);
	m = cfg_member(ld, s, "control", false);
	if (m != NULL && cfg_uint(ld, m, 0, CFG_LCORE_MAX, &v) == 0)
		lc->control = (unsigned)v;
	m = cfg_member(ld, s, "workers", true);
	if (m != NULL)
		parse_workers(ld, m);
	m = cfg_member(ld, s, "idle", false);
	if (m != NULL && cfg_enum(ld, m, idle_names, &e) == 0)
		lc->idle = e;
	m = cfg_member(ld, s, "idle_sleep_us", false);
	if (m != NULL && cfg_uint(ld, m, 1, CFG_IDLE_SLEEP_MAX, &v) == 0)
		lc->idle_sleep_us = (unsigned)v;
}

/* "10.1.0.1/24": the port's address and its connected subnet. */
static int
parse_port_addr(struct cfg_loader *ld, const config_setting_t *s,
		struct gw_prefix *p)
{
	char addr[GW_ADDR_STRLEN];
	const char *str, *slash;
	unsigned max;
	char *end;
	long len;

	if (cfg_string(ld, s, &str) < 0)
		return -1;
	slash = strchr(str, '/');
	if (slash == NULL) {
		cfg_error(ld, s, "'%.64s' needs a prefix length for its connected "
			  "subnet, e.g. \"%.64s/24\"", str, str);
		return -1;
	}
	if (slash == str || slash - str >= (long)sizeof(addr)) {
		cfg_error(ld, s, "'%.64s' is not an address/length", str);
		return -1;
	}
	memcpy(addr, str, slash - str);
	addr[slash - str] = '\0';
	if (gw_addr_parse(addr, &p->addr) < 0) {
		cfg_error(ld, s, "'%.64s' is not an address/length: '%s' is not an "
			  "IPv4 or IPv6 address", str, addr);
		return -1;
	}
	max = p->addr.family == GW_AF_INET ? 32 : 128;
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || errno != 0 ||
	    len < 1 || len > (long)max) {
		cfg_error(ld, s, "'%.64s': prefix length must be 1..%u", str, max);
		return -1;
	}
	p->len = (uint8_t)len;
	if (p->addr.family == GW_AF_INET && p->len <= 30) {
		uint32_t host = p->addr.v4 & ~gw_v4_mask(p->len);

		if (host == 0 || host == ~gw_v4_mask(p->len)) {
			cfg_error(ld, s, "'%.64s' is the subnet's %s address; a port "
				  "needs a host address", str,
				  host == 0 ? "network" : "broadcast");
			return -1;
		}
	}
	return 0;
}

static bool
same_addr(const struct gw_addr *a, const struct gw_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == GW_AF_INET)
		return a->v4 == b->v4;
	return memcmp(a->v6, b->v6, sizeof(a->v6)) == 0;
}

static void
parse_port(struct cfg_loader *ld, const config_setting_t *s)
{
	static const char *const keys[] = {
		"device", "role", "address", "mtu", NULL
	};
	static const struct cfg_enum role_names[] = {
		{ "protected", GW_ROLE_PROTECTED },
		{ "unprotected", GW_ROLE_UNPROTECTED },
		{ NULL, 0 }
	};
	const config_setting_t *elems[GW_MAX_PORT_ADDRS];
	struct gw_cfg *cfg = ld->cfg;
	struct gw_cfg_port *port = &cfg->ports[cfg->n_ports];
	const config_setting_t *m;
	const char *str;
	uint64_t v;
	int n, e;

	if (cfg_want_group(ld, s) < 0)
		return;
	memset(port, 0, sizeof(*port));
	port->line = cfg_line(s);
	if (cfg_copy_name(ld, s, config_setting_name(s), port->name,
			  sizeof(port->name)) < 0)
		return;
	cfg_check_keys(ld, s, keys);
	/* Counted before its checks, so a later duplicate device still finds it. */
	cfg->n_ports++;

	m = cfg_member(ld, s, "device", true);
	if (m != NULL && cfg_string(ld, m, &str) == 0 &&
	    cfg_copy_name(ld, m, str, port->device, sizeof(port->device)) == 0) {
		for (struct gw_cfg_port *o = cfg->ports; o < port; o++)
			if (strcmp(o->device, port->device) == 0)
				cfg_error(ld, m, "device '%s' is already used by port "
					  "'%s' (line %d)", str, o->name, o->line);
	}
	port->role = (enum gw_port_role)-1;
	m = cfg_member(ld, s, "role", true);
	if (m != NULL && cfg_enum(ld, m, role_names, &e) == 0)
		port->role = e;
	m = cfg_member(ld, s, "address", true);
	n = m != NULL ? cfg_strings(ld, m, elems, GW_MAX_PORT_ADDRS) : -1;
	if (n == 0)
		cfg_error(ld, m, "a port needs at least one address");
	for (int i = 0; i < n; i++) {
		struct gw_prefix *a = &port->addrs[port->n_addrs];

		if (parse_port_addr(ld, elems[i], a) < 0)
			continue;
		for (struct gw_cfg_port *o = cfg->ports; o <= port; o++)
			for (unsigned k = 0; k < o->n_addrs; k++)
				if (same_addr(&o->addrs[k].addr, &a->addr))
					cfg_error(ld, elems[i], "address is already "
						  "assigned to port '%s' (line %d)",
						  o->name, o->line);
		port->n_addrs++;
	}
	m = cfg_member(ld, s, "mtu", false);
	if (m != NULL && cfg_uint(ld, m, CFG_MTU_MIN, CFG_MTU_MAX, &v) == 0)
		port->mtu = (uint16_t)v;
}

static void
parse_ports(struct cfg_loader *ld, const config_setting_t *s)
{
	unsigned errors = ld->diag->errors;
	unsigned roles[2] = { 0, 0 };
	int n;

	if (cfg_want_group(ld, s) < 0)
		return;
	n = config_setting_length(s);
	if (n > GW_MAX_PORTS) {
		cfg_error(ld, s, "%d ports; at most %d are supported", n, GW_MAX_PORTS);
		n = GW_MAX_PORTS;
	}
	for (int i = 0; i < n; i++)
		parse_port(ld, config_setting_get_elem(s, i));
	ld->ports_ok = ld->diag->errors == errors;
	for (unsigned i = 0; i < ld->cfg->n_ports; i++)
		if ((unsigned)ld->cfg->ports[i].role < 2)
			roles[ld->cfg->ports[i].role]++;
	/* An unreadable role was reported already; the count would mislead. */
	if (roles[0] + roles[1] < ld->cfg->n_ports)
		return;
	if (roles[GW_ROLE_PROTECTED] == 0 || roles[GW_ROLE_UNPROTECTED] == 0)
		cfg_error(ld, s, "a gateway needs at least one protected and one "
			  "unprotected port (found %u protected, %u unprotected)",
			  roles[GW_ROLE_PROTECTED], roles[GW_ROLE_UNPROTECTED]);
}

/* The port named by `port = "..."`, reporting an unknown name. */
static const struct gw_cfg_port *
lookup_port(struct cfg_loader *ld, const config_setting_t *m, char *dst)
{
	const struct gw_cfg_port *port;
	const char *str;

	if (cfg_string(ld, m, &str) < 0 ||
	    cfg_copy_name(ld, m, str, dst, GW_NAME_MAX) < 0)
		return NULL;
	port = gw_cfg_port_by_name(ld->cfg, str);
	if (port == NULL)
		cfg_error(ld, m, "no port named '%s' under ports", str);
	return port;
}

static bool
port_on_link(const struct gw_cfg_port *port, const struct gw_addr *a)
{
	for (unsigned i = 0; i < port->n_addrs; i++)
		if (gw_prefix_contains(&port->addrs[i], a))
			return true;
	return false;
}

static bool
port_owns(const struct gw_cfg_port *port, const struct gw_addr *a)
{
	for (unsigned i = 0; i < port->n_addrs; i++)
		if (same_addr(&port->addrs[i].addr, a))
			return true;
	return false;
}

static void
parse_route(struct cfg_loader *ld, const config_setting_t *s)
{
	static const char *const keys[] = { "dst", "via", "port", NULL };
	struct gw_cfg *cfg = ld->cfg;
	struct gw_cfg_route *r = &cfg->routes[cfg->n_routes];
	const struct gw_cfg_port *port = NULL;
	const config_setting_t *m, *via;
	char buf[GW_ADDR_STRLEN];
	bool dst_ok = false;

	if (cfg_want_group(ld, s) < 0)
		return;
	cfg_check_keys(ld, s, keys);
	r->line = cfg_line(s);
	m = cfg_member(ld, s, "dst", true);
	if (m != NULL && cfg_prefix(ld, m, &r->dst) == 0) {
		dst_ok = true;
		for (struct gw_cfg_route *o = cfg->routes; o < r; o++)
			if (o->dst.len == r->dst.len && same_addr(&o->dst.addr, &r->dst.addr))
				cfg_error(ld, m, "duplicate route to %s (line %d)",
					  gw_prefix_format(&r->dst, buf, sizeof(buf)),
					  o->line);
	}
	m = cfg_member(ld, s, "port", true);
	if (m != NULL)
		port = lookup_port(ld, m, r->port);
	cfg->n_routes++;
	via = cfg_member(ld, s, "via", false);
	if (via == NULL || cfg_addr(ld, via, &r->via) < 0)
		return;
	gw_addr_format(&r->via, buf, sizeof(buf));
	if (dst_ok && r->via.family != r->dst.addr.family) {
		cfg_error(ld, via, "via %s is %s but dst is %s", buf,
			  cfg_family_name(r->via.family),
			  cfg_family_name(r->dst.addr.family));
		return;
	}
	if (port == NULL || !ld->ports_ok)
		return;
	if (port_owns(port, &r->via))
		cfg_error(ld, via, "via %s is port '%s''s own address; name the "
			  "next hop, or leave via out for a connected route", buf,
			  port->name);
	else if (!port_on_link(port, &r->via))
		cfg_warn(ld, via, "via %s is in none of port '%s''s subnets; the "
			 "next hop will not be reachable", buf, port->name);
}

static void
parse_neighbor(struct cfg_loader *ld, const config_setting_t *s)
{
	static const char *const keys[] = { "address", "mac", "port", NULL };
	struct gw_cfg *cfg = ld->cfg;
	struct gw_cfg_neighbor *nb = &cfg->neighbors[cfg->n_neighbors];
	const struct gw_cfg_port *port = NULL;
	const config_setting_t *m, *addr;
	char buf[GW_ADDR_STRLEN];
	const char *str;

	if (cfg_want_group(ld, s) < 0)
		return;
	cfg_check_keys(ld, s, keys);
	nb->line = cfg_line(s);
	m = cfg_member(ld, s, "mac", true);
	if (m != NULL && cfg_string(ld, m, &str) == 0) {
		static const uint8_t zero[6];

		if (gw_mac_parse(str, nb->mac) < 0)
			cfg_error(ld, m, "'%.64s' is not a MAC address like "
				  "02:00:00:00:00:02", str);
		else if ((nb->mac[0] & 1) || memcmp(nb->mac, zero, 6) == 0)
			cfg_error(ld, m, "'%s' is a %s MAC address; a neighbor needs "
				  "a unicast one", str,
				  (nb->mac[0] & 1) ? "multicast" : "zero");
	}
	m = cfg_member(ld, s, "port", true);
	if (m != NULL)
		port = lookup_port(ld, m, nb->port);
	cfg->n_neighbors++;
	addr = cfg_member(ld, s, "address", true);
	if (addr == NULL || cfg_addr(ld, addr, &nb->addr) < 0)
		return;
	gw_addr_format(&nb->addr, buf, sizeof(buf));
	for (struct gw_cfg_neighbor *o = cfg->neighbors; o < nb; o++)
		if (same_addr(&o->addr, &nb->addr) && strcmp(o->port, nb->port) == 0)
			cfg_error(ld, addr, "neighbor %s on port '%s' is already "
				  "defined (line %d)", buf, nb->port, o->line);
	if (port != NULL && ld->ports_ok && !port_on_link(port, &nb->addr))
		cfg_warn(ld, addr, "%s is in none of port '%s''s subnets", buf,
			 port->name);
}

/* routes and neighbors: lists of groups, one parser per entry. */
static void
parse_list(struct cfg_loader *ld, const config_setting_t *s, void **array,
	   size_t size, void (*entry)(struct cfg_loader *, const config_setting_t *))
{
	int n;

	if (cfg_want_list(ld, s) < 0)
		return;
	n = config_setting_length(s);
	if (n == 0)
		return;
	*array = calloc(n, size);
	if (*array == NULL) {
		cfg_error(ld, s, "out of memory");
		return;
	}
	for (int i = 0; i < n; i++)
		entry(ld, config_setting_get_elem(s, i));
}

static void
parse_control(struct cfg_loader *ld, const config_setting_t *s)
{
	static const char *const keys[] = { "socket", NULL };
	const config_setting_t *m;
	const char *str;

	if (cfg_want_group(ld, s) < 0)
		return;
	cfg_check_keys(ld, s, keys);
	ld->cfg->control_line = cfg_line(s);
	m = cfg_member(ld, s, "socket", false);
	if (m == NULL || cfg_string(ld, m, &str) < 0)
		return;
	ld->cfg->control_line = cfg_line(m);
	if (str[0] == '\0' ||
	    strlen(str) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		cfg_error(ld, m, "socket path must be 1..%zu characters (a unix "
			  "socket address limit)",
			  sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		return;
	}
	snprintf(ld->cfg->control_socket, sizeof(ld->cfg->control_socket), "%s", str);
}

static void
parse_dataplane(struct cfg_loader *ld, const config_setting_t *s)
{
	static const char *const keys[] = { "mbufs", "burst", NULL };
	const config_setting_t *m;
	uint64_t v;

	if (cfg_want_group(ld, s) < 0)
		return;
	cfg_check_keys(ld, s, keys);
	m = cfg_member(ld, s, "mbufs", false);
	if (m != NULL && cfg_uint(ld, m, CFG_MBUFS_MIN, CFG_MBUFS_MAX, &v) == 0)
		ld->cfg->mbufs = (unsigned)v;
	m = cfg_member(ld, s, "burst", false);
	if (m != NULL && cfg_uint(ld, m, 1, GW_BURST_MAX, &v) == 0)
		ld->cfg->burst = (unsigned)v;
}

/* ike = { cookie_threshold = 1000; half_open_max = 0; } */
static void
parse_ike_global(struct cfg_loader *ld, const config_setting_t *s)
{
	static const char *const keys[] = { "cookie_threshold", "half_open_max", NULL };
	const config_setting_t *m;
	uint64_t v;

	if (cfg_want_group(ld, s) < 0)
		return;
	cfg_check_keys(ld, s, keys);
	m = cfg_member(ld, s, "cookie_threshold", false);
	if (m != NULL && cfg_uint(ld, m, 0, 1000000, &v) == 0)
		ld->cfg->ike_cookie_threshold = (unsigned)v;
	m = cfg_member(ld, s, "half_open_max", false);
	if (m != NULL && cfg_uint(ld, m, 0, 1000000, &v) == 0)
		ld->cfg->ike_half_open_max = (unsigned)v;
	if (ld->cfg->ike_half_open_max && ld->cfg->ike_cookie_threshold &&
	    ld->cfg->ike_half_open_max < ld->cfg->ike_cookie_threshold)
		cfg_error(ld, m, "half_open_max (%u) below cookie_threshold (%u): "
			  "cookies would never be asked for",
			  ld->cfg->ike_half_open_max, ld->cfg->ike_cookie_threshold);
}

static void
set_defaults(struct gw_cfg *cfg)
{
	cfg->lcores.idle = GW_IDLE_POLL;
	cfg->lcores.idle_sleep_us = 100;
	cfg->spd_default = GW_ACT_DISCARD;
	snprintf(cfg->control_socket, sizeof(cfg->control_socket), "%s",
		 CFG_SOCKET_DEFAULT);
	cfg->mbufs = 16383;
	cfg->burst = 32;
	cfg->ike_cookie_threshold = 1000;
}

static void
parse_root(struct cfg_loader *ld, const config_setting_t *root)
{
	static const char *const keys[] = {
		"eal", "lcores", "ports", "routes", "neighbors", "policies",
		"spd_default", "sas", "control", "dataplane", "connections",
		"secrets", "ike", NULL
	};
	static const struct cfg_enum spd_default_names[] = {
		{ "discard", GW_ACT_DISCARD }, { "bypass", GW_ACT_BYPASS },
		{ NULL, 0 }
	};
	struct gw_cfg *cfg = ld->cfg;
	const config_setting_t *m;
	int e;

	cfg_check_keys(ld, root, keys);
	/* Order matters: routes name ports, policies name SAs. */
	if ((m = cfg_member(ld, root, "eal", false)) != NULL)
		parse_eal(ld, m);
	if ((m = cfg_member(ld, root, "lcores", true)) != NULL)
		parse_lcores(ld, m);
	if ((m = cfg_member(ld, root, "ports", true)) != NULL)
		parse_ports(ld, m);
	if ((m = cfg_member(ld, root, "sas", false)) != NULL)
		cfg_parse_sas(ld, m);
	if ((m = cfg_member(ld, root, "policies", false)) != NULL)
		cfg_parse_policies(ld, m);
	if ((m = cfg_member(ld, root, "spd_default", false)) != NULL) {
		cfg->spd_default_line = cfg_line(m);
		if (cfg_enum(ld, m, spd_default_names, &e) == 0)
			cfg->spd_default = e;
	}
	if ((m = cfg_member(ld, root, "routes", false)) != NULL)
		parse_list(ld, m, (void **)&cfg->routes, sizeof(cfg->routes[0]),
			   parse_route);
	if ((m = cfg_member(ld, root, "neighbors", false)) != NULL)
		parse_list(ld, m, (void **)&cfg->neighbors,
			   sizeof(cfg->neighbors[0]), parse_neighbor);
	if ((m = cfg_member(ld, root, "control", false)) != NULL)
		parse_control(ld, m);
	if ((m = cfg_member(ld, root, "dataplane", false)) != NULL)
		parse_dataplane(ld, m);
	if ((m = cfg_member(ld, root, "ike", false)) != NULL)
		parse_ike_global(ld, m);
	/* After ports: local_addrs are checked against the ports' addresses. */
	cfg_parse_ike(ld, cfg_member(ld, root, "connections", false),
		      cfg_member(ld, root, "secrets", false));
}

/* libconfig's parse errors are terse; say what usually causes them. */
static const char *
syntax_hint(const char *text)
{
	if (strcmp(text, "syntax error") == 0)
		return " (a missing ';', ',' or '\"' on this or the line before?)";
	if (strcmp(text, "duplicate setting name") == 0)
		return " (each key may appear once in a group)";
	if (strcmp(text, "mismatched element type in array") == 0)
		return " (an array [ ] holds one type; use a list ( ) to mix)";
	return "";
}

static int
load_text(const char *text, const char *include_dir, struct gw_cfg *cfg,
	  struct gw_diag *diag)
{
	struct cfg_loader ld = { .cfg = cfg, .diag = diag, .text = text };
	config_t lc;

	config_init(&lc);
	if (include_dir != NULL)
		config_set_include_dir(&lc, include_dir);
	if (config_read_string(&lc, text) == CONFIG_TRUE) {
		cfg_check_terminators(&ld);
		parse_root(&ld, config_root_setting(&lc));
	} else {
		const char *msg = config_error_text(&lc) ? config_error_text(&lc) :
			"cannot parse";

		if (config_error_file(&lc) != NULL)
			gw_diag_add(diag, GW_DIAG_ERROR, 0, "%s:%d: %s%s",
				    config_error_file(&lc), config_error_line(&lc),
				    msg, syntax_hint(msg));
		else
			gw_diag_add(diag, GW_DIAG_ERROR, config_error_line(&lc),
				    "%s%s", msg, syntax_hint(msg));
	}
	config_destroy(&lc);
	if (diag->errors == 0)
		return 0;
	gw_cfg_free(cfg);
	return -1;
}

static void
cfg_start(const char *name, struct gw_cfg *cfg, struct gw_diag *diag)
{
	gw_diag_init(diag, name);
	memset(cfg, 0, sizeof(*cfg));
	set_defaults(cfg);
	if (name != NULL && strlen(name) >= sizeof(cfg->path))
		gw_diag_add(diag, GW_DIAG_ERROR, 0, "path is too long (%zu "
			    "characters at most)", sizeof(cfg->path) - 1);
	else if (name != NULL)
		memcpy(cfg->path, name, strlen(name) + 1);
}

int
gw_cfg_load_string(const char *text, const char *name, struct gw_cfg *cfg,
		   struct gw_diag *diag)
{
	cfg_start(name, cfg, diag);
	return load_text(text, NULL, cfg, diag);
}

static char *
read_file(const char *path, size_t *len, struct gw_diag *diag)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL) {
		gw_diag_add(diag, GW_DIAG_ERROR, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	buf = malloc(CFG_FILE_MAX + 1);
	if (buf == NULL) {
		fclose(f);
		gw_diag_add(diag, GW_DIAG_ERROR, 0, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, CFG_FILE_MAX + 1, f);
	if (ferror(f))
		gw_diag_add(diag, GW_DIAG_ERROR, 0, "cannot read: %s", strerror(errno));
	else if (n > CFG_FILE_MAX)
		gw_diag_add(diag, GW_DIAG_ERROR, 0, "larger than %d MiB: not a "
			    "configuration", CFG_FILE_MAX >> 20);
	else if (memchr(buf, '\0', n) != NULL)
		gw_diag_add(diag, GW_DIAG_ERROR, 0, "contains a NUL byte: not a "
			    "text file");
	if (diag->errors > 0) {
		fclose(f);
		gw_wipe(buf, n);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

int
gw_cfg_load(const char *path, struct gw_cfg *cfg, struct gw_diag *diag)
{
	char dir[sizeof(cfg->path)];
	const char *slash;
	size_t len = 0;
	char *text;
	int rc;

	cfg_start(path, cfg, diag);
	if (diag->errors > 0) {
		gw_cfg_free(cfg);
		return -1;
	}
	text = read_file(path, &len, diag);
	if (text == NULL) {
		gw_cfg_free(cfg);
		return -1;
	}
	/* @include "x.conf" is found next to the file, not in the cwd. */
	slash = strrchr(path, '/');
	if (slash != NULL)
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path),
			 path);
	rc = load_text(text, slash != NULL ? dir : NULL, cfg, diag);
	/* The text holds the keys in hex. */
	gw_wipe(text, len);
	free(text);
	return rc;
}
