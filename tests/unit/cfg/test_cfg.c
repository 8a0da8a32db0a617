/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration parser tests:
 *   files   every tests/configs/good and config/ file loads cleanly; every
 *           tests/configs/bad file fails with the message and line its
 *           header names ("# expect: <text>", "# line: <n>"), and no
 *           finding quotes key material
 *   values  full.conf and minimal.conf field by field (SPIs, keys, salts,
 *           selectors, encap ports, defaults)
 *   text    in-memory cases: integer literals libconfig truncates, ';'
 *           checks, diag overflow and printing
 *   review  weak.conf: each review finding at its line
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gw_cfg.h"
#include "gw_test.h"

#ifndef CFG_TEST_DIR
#define CFG_TEST_DIR "tests/configs"
#endif
#ifndef CFG_SAMPLE_DIR
#define CFG_SAMPLE_DIR "config"
#endif

enum { MIN_BAD_FILES = 25, PATH_LEN = 1024, KEY_WINDOW = 12 };

static struct gw_cfg cfg;
static struct gw_diag diag;

/* ---- helpers ------------------------------------------------------------ */

static void
dump(const char *what)
{
	fprintf(stderr, "--- findings of %s:\n", what);
	gw_diag_print(&diag, stderr);
}

static const struct gw_diag_item *
find_item(enum gw_diag_kind kind, int line, const char *text)
{
	for (unsigned i = 0; i < diag.n; i++) {
		const struct gw_diag_item *it = &diag.items[i];

		if (it->kind == kind && (line < 0 || it->line == line) &&
		    strstr(it->msg, text) != NULL)
			return it;
	}
	return NULL;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/*
 * True when some finding quotes KEY_WINDOW consecutive characters of a
 * `key = "..."` or `secret = "..."` string of text: keys and pre-shared
 * secrets must never reach a log.
 */
static bool
leaks_value(const char *text, const char *pattern)
{
	const char *p = text;

	while ((p = strstr(p, pattern)) != NULL) {
		char digits[256];
		size_t n = 0;

		p += strlen(pattern);
		if (p[0] == '0' && p[1] == 'x')
			p += 2;
		for (; *p != '"' && *p != '\0' && n < sizeof(digits) - 1; p++)
			if (*p != ':')
				digits[n++] = *p;
		digits[n] = '\0';
		for (size_t off = 0; off + KEY_WINDOW <= n; off++) {
			char win[KEY_WINDOW + 1];

			memcpy(win, digits + off, KEY_WINDOW);
			win[KEY_WINDOW] = '\0';
			for (unsigned i = 0; i < diag.n; i++)
				if (strstr(diag.items[i].msg, win) != NULL)
					return true;
		}
	}
	return false;
}

static bool
leaks_key(const char *text)
{
	return leaks_value(text, "key = \"") || leaks_value(text, "secret = \"");
}

static int
conf_files(const char *dir, char names[][256], int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL && n < max) {
		size_t len = strlen(e->d_name);

		if (len > 5 && len < 256 && strcmp(e->d_name + len - 5, ".conf") == 0)
			memcpy(names[n++], e->d_name, len + 1);
	}
	closedir(d);
	return n;
}

static int
load_good(const char *dir)
{
	static char names[256][256];
	char path[PATH_LEN];
	int n = conf_files(dir, names, 256), failed = 0;

	GW_CHECK(n > 0, "no .conf files in %s", dir);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%.255s", dir, names[i]);
		if (gw_cfg_load(path, &cfg, &diag) != 0 || diag.errors != 0) {
			dump(path);
			failed++;
			continue;
		}
		gw_cfg_review(&cfg, &diag);
		if (diag.errors != 0) {
			dump(path);
			failed++;
		}
		gw_cfg_free(&cfg);
	}
	GW_CHECK(failed == 0, "%d of %d files in %s failed", failed, n, dir);
	return 0;
}

/* ---- files -------------------------------------------------------------- */

static int
test_good_files(void)
{
	return load_good(CFG_TEST_DIR "/good");
}

static int
test_sample_files(void)
{
	return load_good(CFG_SAMPLE_DIR);
}

/* One bad file: header, failure, message at its line, no key in findings. */
static int
check_bad(const char *path)
{
	char expect[256] = "";
	char *text = slurp(path);
	const char *p, *nl;
	int line = -1, rc;

	GW_CHECK(text != NULL, "cannot read %s", path);
	p = strstr(text, "# expect: ");
	if (p != NULL) {
		p += strlen("# expect: ");
		nl = strchr(p, '\n');
		snprintf(expect, sizeof(expect), "%.*s", (int)(nl ? nl - p : (long)strlen(p)), p);
	}
	p = strstr(text, "# line: ");
	if (p != NULL)
		line = atoi(p + strlen("# line: "));
	if (expect[0] == '\0' || line < 0) {
		free(text);
		GW_CHECK(0, "%s: no '# expect:' and '# line:' header", path);
	}
	rc = gw_cfg_load(path, &cfg, &diag);
	if (rc == 0 || diag.errors == 0 || find_item(GW_DIAG_ERROR, line, expect) == NULL ||
	    leaks_key(text) || cfg.sas != NULL || cfg.n_sas != 0 ||
	    cfg.conns != NULL || cfg.secrets != NULL || cfg.n_secrets != 0) {
		fprintf(stderr, "%s: expected error at line %d containing \"%s\" "
			"(rc %d, key leaked: %s)\n", path, line, expect, rc,
			leaks_key(text) ? "yes" : "no");
		dump(path);
		gw_cfg_free(&cfg);
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

static int
test_bad_files(void)
{
	static char names[256][256];
	char path[PATH_LEN];
	int n = conf_files(CFG_TEST_DIR "/bad", names, 256), failed = 0;

	GW_CHECK(n >= MIN_BAD_FILES, "only %d bad files", n);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/bad/%.255s", CFG_TEST_DIR, names[i]);
		if (check_bad(path) != 0)
			failed++;
	}
	printf("  %d bad configurations checked\n", n);
	GW_CHECK(failed == 0, "%d of %d bad files misjudged", failed, n);
	return 0;
}

static int
test_missing_file(void)
{
	GW_CHECK_EQ(gw_cfg_load(CFG_TEST_DIR "/no-such.conf", &cfg, &diag), -1);
	GW_CHECK_EQ(diag.errors, 1);
	GW_CHECK(find_item(GW_DIAG_ERROR, 0, "cannot open") != NULL, "no 'cannot open'");
	return 0;
}

/* ---- values ------------------------------------------------------------- */

static int
check_prefix(const struct gw_prefix *p, const char *want)
{
	char buf[GW_ADDR_STRLEN];

	gw_prefix_format(p, buf, sizeof(buf));
	GW_CHECK(strcmp(buf, want) == 0, "prefix %s, expected %s", buf, want);
	return 0;
}

static int
check_addr(const struct gw_addr *a, const char *want)
{
	char buf[GW_ADDR_STRLEN];

	gw_addr_format(a, buf, sizeof(buf));
	GW_CHECK(strcmp(buf, want) == 0, "address %s, expected %s", buf, want);
	return 0;
}

static int
check_full_sas(void)
{
	static const uint8_t salt_b[4] = { 0xde, 0xad, 0xbe, 0xef };
	static const uint8_t salt_a[4] = { 0xa0, 0xa1, 0xa2, 0xa3 };
	static const uint8_t key_b[16] = {
		0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87,
		0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f,
	};
	const struct gw_cfg_sa *sa;
	uint8_t key_a[32];

	for (unsigned i = 0; i < 32; i++)
		key_a[i] = (uint8_t)i;
	GW_CHECK_EQ(cfg.n_sas, 5);

	sa = gw_cfg_sa_by_name(&cfg, "to-b");
	GW_CHECK(sa != NULL, "no SA to-b");
	GW_CHECK_EQ(sa->dir, GW_DIR_OUT);
	GW_CHECK_EQ(sa->spi, 0x1001);
	GW_CHECK_EQ(sa->mode, GW_MODE_TUNNEL);
	GW_CHECK(check_addr(&sa->local, "192.0.2.1") == 0, "local");
	GW_CHECK(check_addr(&sa->remote, "192.0.2.2") == 0, "remote");
	GW_CHECK_EQ(sa->n_local_ts, 2);
	GW_CHECK(check_prefix(&sa->local_ts[0], "10.1.0.0/24") == 0, "local_ts[0]");
	GW_CHECK(check_prefix(&sa->local_ts[1], "10.11.0.0/16") == 0, "local_ts[1]");
	GW_CHECK_EQ(sa->n_remote_ts, 2);
	GW_CHECK(check_prefix(&sa->remote_ts[1], "10.3.0.0/24") == 0, "remote_ts[1]");
	GW_CHECK_EQ(sa->alg, GW_ALG_AES256GCM16);
	GW_CHECK_EQ(sa->key_len, 32);
	GW_CHECK_MEM(sa->key, key_a, 32);
	GW_CHECK_MEM(sa->salt, salt_a, 4);
	GW_CHECK_EQ(sa->udp_encap, true);
	GW_CHECK_EQ(sa->encap_sport, 4501);
	GW_CHECK_EQ(sa->encap_dport, 4502);
	GW_CHECK_EQ(sa->esn, true);
	GW_CHECK_EQ(sa->line, 27);

	sa = gw_cfg_sa_by_name(&cfg, "from-b");
	GW_CHECK(sa != NULL, "no SA from-b");
	GW_CHECK_EQ(sa->dir, GW_DIR_IN);
	GW_CHECK_EQ(sa->spi, 0x2001);          /* given as a string */
	GW_CHECK_EQ(sa->alg, GW_ALG_AES128GCM16);
	GW_CHECK_EQ(sa->key_len, 16);
	GW_CHECK_MEM(sa->key, key_b, 16);      /* ':'-separated hex */
	GW_CHECK_MEM(sa->salt, salt_b, 4);
	GW_CHECK_EQ(sa->n_local_ts, 1);         /* a string, not a list */
	GW_CHECK(check_prefix(&sa->remote_ts[0], "10.2.0.0/24") == 0, "remote_ts");
	GW_CHECK_EQ(sa->udp_encap, false);
	GW_CHECK_EQ(sa->encap_sport, 4500);     /* defaults */
	GW_CHECK_EQ(sa->encap_dport, 4500);
	GW_CHECK_EQ(sa->esn, false);
	GW_CHECK_EQ(sa->replay_window, 64);

	sa = gw_cfg_sa_by_name(&cfg, "max-spi");
	GW_CHECK(sa != NULL, "no SA max-spi");
	GW_CHECK_EQ(sa->spi, 0xffffffffu);      /* hex that libconfig holds as -1 */
	GW_CHECK_EQ(sa->n_local_ts, 0);         /* selectors are optional */
	GW_CHECK_EQ(sa->esn, true);
	GW_CHECK_EQ(sa->replay_window, GW_REPLAY_DEFAULT);
	sa = gw_cfg_sa_by_name(&cfg, "dec-spi");
	GW_CHECK(sa != NULL, "no SA dec-spi");
	GW_CHECK_EQ(sa->spi, 4294967294u);      /* decimal beyond INT_MAX */
	GW_CHECK_EQ(sa->replay_window, 0);
	sa = gw_cfg_sa_by_name(&cfg, "long-spi");
	GW_CHECK(sa != NULL, "no SA long-spi");
	GW_CHECK_EQ(sa->spi, 0xfffffff0u);      /* int64 literal */
	return 0;
}

static int
check_full_policies(void)
{
	const struct gw_cfg_policy *p = cfg.policies;

	/* mgmt, pair x4 (2 local x 2 remote, local outer), 2 unnamed */
	GW_CHECK_EQ(cfg.n_policies, 7);
	GW_CHECK(strcmp(p[0].name, "mgmt") == 0, "name %s", p[0].name);
	GW_CHECK_EQ(p[0].action, GW_ACT_BYPASS);
	GW_CHECK_EQ(p[0].local_ts.proto, 6);
	GW_CHECK_EQ(p[0].local_ts.port_lo, 22);
	GW_CHECK_EQ(p[0].local_ts.port_hi, 22);
	GW_CHECK_EQ(p[0].remote_ts.proto, 6);
	GW_CHECK_EQ(p[0].remote_ts.port_lo, 1024);
	GW_CHECK_EQ(p[0].remote_ts.port_hi, 65535);
	GW_CHECK(check_prefix(&p[0].remote_ts.prefix, "10.9.0.0/16") == 0, "mgmt");
	GW_CHECK_EQ(p[0].line, 18);

	GW_CHECK(strcmp(p[1].name, "pair-1") == 0, "name %s", p[1].name);
	GW_CHECK(strcmp(p[4].name, "pair-4") == 0, "name %s", p[4].name);
	GW_CHECK(check_prefix(&p[1].local_ts.prefix, "10.1.0.0/24") == 0, "p1");
	GW_CHECK(check_prefix(&p[1].remote_ts.prefix, "10.2.0.0/24") == 0, "p1");
	GW_CHECK(check_prefix(&p[2].local_ts.prefix, "10.1.0.0/24") == 0, "p2");
	GW_CHECK(check_prefix(&p[2].remote_ts.prefix, "10.3.0.0/24") == 0, "p2");
	GW_CHECK(check_prefix(&p[3].local_ts.prefix, "10.11.0.0/16") == 0, "p3");
	GW_CHECK(check_prefix(&p[4].remote_ts.prefix, "10.3.0.0/24") == 0, "p4");
	for (int i = 1; i <= 4; i++) {
		GW_CHECK_EQ(p[i].action, GW_ACT_PROTECT);
		GW_CHECK(strcmp(p[i].sa, "to-b") == 0, "sa %s", p[i].sa);
		GW_CHECK_EQ(p[i].local_ts.proto, 0);
		GW_CHECK_EQ(p[i].local_ts.port_lo, 0);
		GW_CHECK_EQ(p[i].remote_ts.port_hi, 65535);
		GW_CHECK_EQ(p[i].line, 20);
	}
	GW_CHECK(strcmp(p[5].name, "policy-5") == 0, "name %s", p[5].name);
	GW_CHECK_EQ(p[5].action, GW_ACT_DISCARD);
	GW_CHECK_EQ(p[5].local_ts.proto, 47);
	GW_CHECK_EQ(p[5].sa[0], '\0');
	GW_CHECK_EQ(p[6].remote_ts.proto, 17);
	GW_CHECK_EQ(p[6].remote_ts.port_lo, 53);
	GW_CHECK_EQ(p[6].remote_ts.port_hi, 53);
	GW_CHECK_EQ(p[6].local_ts.port_lo, 0);
	GW_CHECK_EQ(p[6].local_ts.port_hi, 65535);
	return 0;
}

static int
test_full_values(void)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0xfe };
	const struct gw_cfg_port *port;
	int rc = -1;

	if (gw_cfg_load(CFG_TEST_DIR "/good/full.conf", &cfg, &diag) != 0) {
		dump("full.conf");
		return -1;
	}
	GW_CHECK(strcmp(cfg.path, CFG_TEST_DIR "/good/full.conf") == 0, "path %s", cfg.path);
	GW_CHECK_EQ(cfg.n_eal_args, 3);
	GW_CHECK(strcmp(cfg.eal_args[2], "--vdev=net_af_packet0,iface=t-lan") == 0, "eal");
	GW_CHECK_EQ(cfg.lcores.control, 2);
	GW_CHECK_EQ(cfg.lcores.n_workers, 2);
	GW_CHECK_EQ(cfg.lcores.workers[0], 3);
	GW_CHECK_EQ(cfg.lcores.workers[1], 5);
	GW_CHECK_EQ(cfg.lcores.idle, GW_IDLE_SLEEP);
	GW_CHECK_EQ(cfg.lcores.idle_sleep_us, 250);

	GW_CHECK_EQ(cfg.n_ports, 3);
	port = gw_cfg_port_by_name(&cfg, "lan");
	GW_CHECK(port != NULL, "no port lan");
	GW_CHECK(strcmp(port->device, "net_af_packet0") == 0, "device");
	GW_CHECK_EQ(port->role, GW_ROLE_PROTECTED);
	GW_CHECK_EQ(port->n_addrs, 2);
	GW_CHECK(check_prefix(&port->addrs[0], "10.1.0.1/24") == 0, "host bits kept");
	GW_CHECK(check_prefix(&port->addrs[1], "10.11.0.1/16") == 0, "addr 1");
	GW_CHECK_EQ(port->mtu, 1400);
	port = gw_cfg_port_by_name(&cfg, "wan");
	GW_CHECK(port != NULL && port->role == GW_ROLE_UNPROTECTED, "wan");
	GW_CHECK_EQ(port->mtu, 0);
	port = gw_cfg_port_by_name(&cfg, "lan6");
	GW_CHECK(port != NULL, "no port lan6");
	GW_CHECK(strcmp(port->device, "0000:3b:00.1") == 0, "pci device");
	GW_CHECK(check_prefix(&port->addrs[0], "2001:db8:1::1/64") == 0, "v6 addr");
	GW_CHECK(gw_cfg_port_by_name(&cfg, "dmz") == NULL, "port dmz");

	GW_CHECK_EQ(cfg.n_routes, 2);
	GW_CHECK(check_prefix(&cfg.routes[0].dst, "0.0.0.0/0") == 0, "route 0");
	GW_CHECK(check_addr(&cfg.routes[0].via, "192.0.2.254") == 0, "via");
	GW_CHECK(strcmp(cfg.routes[0].port, "wan") == 0, "route port");
	GW_CHECK_EQ(cfg.routes[1].via.family, GW_AF_NONE);
	GW_CHECK_EQ(cfg.routes[1].line, 12);
	GW_CHECK_EQ(cfg.n_neighbors, 1);
	GW_CHECK_MEM(cfg.neighbors[0].mac, mac, 6);
	GW_CHECK(check_addr(&cfg.neighbors[0].addr, "192.0.2.254") == 0, "neighbor");

	GW_CHECK_EQ(cfg.spd_default, GW_ACT_BYPASS);
	GW_CHECK(strcmp(cfg.control_socket, "/tmp/ipsecgw-test/full.sock") == 0, "socket");
	GW_CHECK_EQ(cfg.mbufs, 8191);
	GW_CHECK_EQ(cfg.burst, 16);
	if (check_full_sas() == 0 && check_full_policies() == 0)
		rc = 0;
	gw_cfg_free(&cfg);
	GW_CHECK(cfg.sas == NULL && cfg.n_sas == 0 && cfg.policies == NULL, "not freed");
	return rc;
}

static int
test_defaults(void)
{
	if (gw_cfg_load(CFG_TEST_DIR "/good/minimal.conf", &cfg, &diag) != 0) {
		dump("minimal.conf");
		return -1;
	}
	GW_CHECK_EQ(diag.errors + diag.warnings, 0);
	GW_CHECK_EQ(cfg.n_eal_args, 0);
	GW_CHECK_EQ(cfg.lcores.control, 0);
	GW_CHECK_EQ(cfg.lcores.idle, GW_IDLE_POLL);
	GW_CHECK_EQ(cfg.lcores.idle_sleep_us, 100);
	GW_CHECK_EQ(cfg.spd_default, GW_ACT_DISCARD);
	GW_CHECK(strcmp(cfg.control_socket, "/run/ipsecgw/ipsecgw.sock") == 0, "socket");
	GW_CHECK_EQ(cfg.mbufs, 16383);
	GW_CHECK_EQ(cfg.burst, 32);
	GW_CHECK_EQ(cfg.n_routes + cfg.n_neighbors + cfg.n_policies + cfg.n_sas, 0);
	GW_CHECK(cfg.routes == NULL && cfg.sas == NULL, "empty arrays allocated");
	gw_cfg_free(&cfg);
	gw_cfg_free(&cfg);                      /* twice is harmless */
	return 0;
}

static int
test_ipv6_expansion(void)
{
	if (gw_cfg_load(CFG_TEST_DIR "/good/ipv6.conf", &cfg, &diag) != 0) {
		dump("ipv6.conf");
		return -1;
	}
	/* 2 x 2 mixed-family lists keep the two same-family pairs, in order. */
	GW_CHECK_EQ(cfg.n_policies, 3);
	GW_CHECK(check_prefix(&cfg.policies[0].remote_ts.prefix, "2001:db8:b::/64") == 0, "p0");
	GW_CHECK(check_prefix(&cfg.policies[1].remote_ts.prefix, "10.2.0.0/24") == 0, "p1");
	GW_CHECK(strcmp(cfg.policies[1].name, "both-2") == 0, "name %s", cfg.policies[1].name);
	GW_CHECK_EQ(cfg.policies[2].local_ts.proto, 58);
	GW_CHECK(check_addr(&cfg.sas[0].remote, "2001:db8:ffff::2") == 0, "sa remote");
	GW_CHECK_EQ(cfg.sas[0].n_remote_ts, 2);
	gw_cfg_free(&cfg);
	return 0;
}

/* ---- text --------------------------------------------------------------- */

#define PORTS \
	"lcores = { workers = [1]; };\n" \
	"ports = { lan = { device = \"p0\"; role = \"protected\"; " \
	"address = \"10.1.0.1/24\"; };\n" \
	"          wan = { device = \"p1\"; role = \"unprotected\"; " \
	"address = \"192.0.2.1/24\"; }; };\n"
#define KEY36 "0x5f1e2d3c4b5a69788796a5b4c3d2e1f0" \
	"112233445566778899aabbccddeeff0001020304"
/* The rest of an inbound SA after its spi, on the same line. */
#define SA_REST " local = \"192.0.2.1\"; remote = \"192.0.2.2\"; " \
	"aead = \"aes256gcm16\"; key = \"" KEY36 "\"; };"

static int
load_text(const char *text)
{
	return gw_cfg_load_string(text, "mem.conf", &cfg, &diag);
}

static int
test_int_literals(void)
{
	/* Two SAs on one line: each spi must be re-read from its own literal. */
	static const char text[] = PORTS
		"sas = {\n"
		"  a = { direction = \"in\"; spi = 300;" SA_REST
		" b = { direction = \"in\"; spi = 4294967295;" SA_REST "\n"
		"  c = { direction = \"in\"; spi = 0x80000000;" SA_REST "\n"
		"};\n";

	if (load_text(text) != 0) {
		dump("int literals");
		return -1;
	}
	GW_CHECK_EQ(cfg.sas[0].spi, 300);
	GW_CHECK_EQ(cfg.sas[1].spi, 4294967295u);
	GW_CHECK_EQ(cfg.sas[2].spi, 0x80000000u);
	gw_cfg_free(&cfg);

	/* libconfig 1.5 reads 4294968319 as 1023: the range check must not. */
	GW_CHECK_EQ(load_text(PORTS "dataplane = { mbufs = 4294968319; };\n"), -1);
	GW_CHECK(find_item(GW_DIAG_ERROR, 4, "4294968319 is out of range") != NULL, "mbufs");
	GW_CHECK_EQ(load_text(PORTS "dataplane = { burst = 99999999999999999999; };\n"), -1);
	GW_CHECK(find_item(GW_DIAG_ERROR, 4, "too large") != NULL, "burst");
	/* A '#' comment holding the name must not be taken for the setting. */
	GW_CHECK_EQ(load_text(PORTS "dataplane = { burst = 16; }; # burst = 4294967312\n"), 0);
	GW_CHECK_EQ(cfg.burst, 16);
	gw_cfg_free(&cfg);
	return 0;
}

static int
test_terminators(void)
{
	GW_CHECK_EQ(load_text(PORTS "spd_default = \"discard\"\n"
			      "control = { socket = \"/x\"; };\n"), -1);
	GW_CHECK(find_item(GW_DIAG_ERROR, 4,
			   "missing ';' after the value of 'spd_default'") != NULL, "missing ;");
	GW_CHECK_EQ(load_text(PORTS "dataplane = { mbufs = 2047; burst = 8 };\n"), -1);
	GW_CHECK(find_item(GW_DIAG_ERROR, 4, "'burst'") != NULL, "missing ; before }");
	/* Adjacent strings, comments with ';' and ',' separators are fine. */
	GW_CHECK_EQ(load_text(PORTS "control = { socket = \"/run/\" /* ; */ "
			      "\"x.sock\"; }, // }\nspd_default = \"bypass\";\n"), 0);
	GW_CHECK(strcmp(cfg.control_socket, "/run/x.sock") == 0, "%s", cfg.control_socket);
	gw_cfg_free(&cfg);
	return 0;
}

static int
test_key_not_printed(void)
{
	static const char text[] = PORTS
		"sas = { a = { direction = \"out\"; spi = 0x1001; local = \"192.0.2.1\";\n"
		"  remote = \"192.0.2.2\"; aead = \"aes128gcm16\"; key = \"" KEY36 "\"; }; };\n";
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	GW_CHECK_EQ(load_text(text), -1);
	GW_CHECK(find_item(GW_DIAG_ERROR, 5, "key is 36 bytes; aes128gcm16 needs 20") != NULL,
		 "key length");
	GW_CHECK(!leaks_key(text), "a finding quotes the key");
	f = open_memstream(&out, &len);
	GW_CHECK(f != NULL, "open_memstream");
	gw_diag_print(&diag, f);
	fclose(f);
	GW_CHECK(strstr(out, "5f1e2d3c4b5a") == NULL, "printed output holds the key");
	GW_CHECK(strstr(out, "mem.conf:5: error: sas.a.key: key is 36 bytes") != NULL, "%s", out);
	free(out);
	return 0;
}

static int
test_diag(void)
{
	char *text = malloc(64 * 1024), *out = NULL;
	size_t n = 0, len = 0;
	FILE *f;

	GW_CHECK(text != NULL, "malloc");
	n += snprintf(text + n, 64 * 1024 - n, "%s", PORTS);
	for (int i = 0; i < 300; i++)
		n += snprintf(text + n, 64 * 1024 - n, "unknown%d = %d;\n", i, i);
	GW_CHECK_EQ(load_text(text), -1);
	free(text);
	GW_CHECK_EQ(diag.errors, 300);
	GW_CHECK_EQ(diag.n, GW_ARRAY_SIZE(diag.items));
	GW_CHECK_EQ(diag.dropped, 300 - GW_ARRAY_SIZE(diag.items));
	f = open_memstream(&out, &len);
	GW_CHECK(f != NULL, "open_memstream");
	gw_diag_print(&diag, f);
	fclose(f);
	GW_CHECK(strstr(out, "mem.conf:4: error: unknown key 'unknown0' in the top level") != NULL,
		 "first line: %.200s", out);
	GW_CHECK(strstr(out, "mem.conf: note: 44 more findings not shown") != NULL, "trailer");
	free(out);

	gw_diag_init(&diag, NULL);
	gw_diag_add(&diag, GW_DIAG_WARNING, 0, "w %d", 1);
	gw_diag_add(&diag, GW_DIAG_NOTE, 7, "n");
	GW_CHECK_EQ(diag.warnings, 1);
	GW_CHECK_EQ(diag.notes, 1);
	f = open_memstream(&out, &len);
	gw_diag_print(&diag, f);
	fclose(f);
	GW_CHECK(strcmp(out, "warning: w 1\nline 7: note: n\n") == 0, "%s", out);
	free(out);
	return 0;
}

static int
test_alg_names(void)
{
	GW_CHECK(strcmp(gw_esp_alg_name(GW_ALG_AES128GCM16), "aes128gcm16") == 0, "128");
	GW_CHECK(strcmp(gw_esp_alg_name(GW_ALG_AES256GCM16), "aes256gcm16") == 0, "256");
	GW_CHECK(strcmp(gw_esp_alg_name(GW_ALG_NONE), "none") == 0, "none");
	GW_CHECK_EQ(gw_esp_alg_key_len(GW_ALG_AES128GCM16), 16);
	GW_CHECK_EQ(gw_esp_alg_key_len(GW_ALG_AES256GCM16), 32);
	GW_CHECK_EQ(gw_esp_alg_key_len(GW_ALG_NONE), 0);
	return 0;
}

/* ---- IKE: connections and secrets ----------------------------------------- */

static int
check_ts(const struct gw_ts *ts, const char *prefix, uint8_t proto,
	 uint16_t lo, uint16_t hi)
{
	GW_CHECK(check_prefix(&ts->prefix, prefix) == 0, "ts prefix");
	GW_CHECK_EQ(ts->proto, proto);
	GW_CHECK_EQ(ts->port_lo, lo);
	GW_CHECK_EQ(ts->port_hi, hi);
	return 0;
}

static int
check_psk_conn(const struct gw_cfg_conn *c)
{
	const struct gw_cfg_child *ch;

	GW_CHECK(strcmp(c->name, "siteb") == 0, "name %s", c->name);
	GW_CHECK_EQ(c->line, 9);
	GW_CHECK_EQ(c->version, 2);
	GW_CHECK_EQ(c->n_local_addrs, 1);
	GW_CHECK(check_addr(&c->local_addrs[0], "192.0.2.1") == 0, "local_addrs");
	GW_CHECK_EQ(c->n_remote_addrs, 1);
	GW_CHECK(check_addr(&c->remote_addrs[0], "192.0.2.2") == 0, "remote_addrs");
	GW_CHECK_EQ(c->remote_any, false);
	GW_CHECK_EQ(c->local_port, 500);
	GW_CHECK_EQ(c->remote_port, 4500);
	GW_CHECK_EQ(c->n_proposals, 2);
	GW_CHECK(strcmp(c->proposals[0], "aes256gcm16-prfsha384-ecp384") == 0, "%s",
		 c->proposals[0]);
	GW_CHECK(strcmp(c->proposals[1], "aes256-sha256-modp2048") == 0, "%s",
		 c->proposals[1]);
	GW_CHECK_EQ(c->local.auth, GW_AUTH_PSK);
	GW_CHECK_EQ(c->local.id.type, GW_ID_FQDN);
	GW_CHECK(strcmp(c->local.id.str, "gw-a.example.com") == 0, "local id");
	GW_CHECK_EQ(c->local.id_set, true);
	GW_CHECK_EQ(c->local.n_certs + c->local.n_cacerts, 0);
	GW_CHECK_EQ(c->local.key[0], '\0');
	GW_CHECK_EQ(c->local.line, 16);
	GW_CHECK_EQ(c->remote.auth, GW_AUTH_PSK);
	GW_CHECK(strcmp(c->remote.id.str, "gw-b.example.com") == 0, "remote id");
	GW_CHECK_EQ(c->rekey_time, 14400);
	GW_CHECK_EQ(c->over_time, 600);
	GW_CHECK_EQ(c->rand_time, 300);
	GW_CHECK_EQ(c->reauth_time, 0);
	GW_CHECK_EQ(c->dpd_delay, 10);
	GW_CHECK_EQ(c->dpd_timeout, 30);
	GW_CHECK_EQ(c->dpd_action, GW_DPD_RESTART);
	GW_CHECK_EQ(c->encap, false);
	GW_CHECK_EQ(c->allow_weak, false);
	GW_CHECK_EQ(c->mobike, false);
	GW_CHECK_EQ(c->keyingtries, 3);
	GW_CHECK_EQ(c->unique, GW_UNIQUE_REPLACE);

	GW_CHECK_EQ(c->n_children, 1);
	ch = &c->children[0];
	GW_CHECK(strcmp(ch->name, "lan") == 0, "child %s", ch->name);
	GW_CHECK_EQ(ch->line, 31);
	GW_CHECK_EQ(ch->n_local_ts, 1);
	GW_CHECK(check_ts(&ch->local_ts[0], "10.1.0.0/24", 0, 0, 65535) == 0, "lts");
	GW_CHECK_EQ(ch->n_remote_ts, 2);
	GW_CHECK(check_ts(&ch->remote_ts[0], "10.2.0.0/24", 0, 0, 65535) == 0, "rts0");
	GW_CHECK(check_ts(&ch->remote_ts[1], "10.3.0.0/24", 6, 80, 80) == 0, "rts1");
	GW_CHECK_EQ(ch->n_esp_proposals, 2);
	GW_CHECK(strcmp(ch->esp_proposals[0], "aes256gcm16-ecp384") == 0, "esp0");
	GW_CHECK(strcmp(ch->esp_proposals[1], "aes128gcm16-curve25519-esn") == 0, "esp1");
	GW_CHECK_EQ(ch->rekey_time, 3600);
	GW_CHECK_EQ(ch->life_time, 4000);
	GW_CHECK_EQ(ch->rand_time, 120);
	GW_CHECK_EQ(ch->life_bytes, 10000000000ull);   /* beyond 32 bits */
	GW_CHECK_EQ(ch->life_packets, 5000000);
	GW_CHECK_EQ(ch->start_action, GW_START_START);
	GW_CHECK_EQ(ch->mode, GW_MODE_TUNNEL);
	GW_CHECK_EQ(ch->dpd_action, GW_DPD_CLEAR);
	GW_CHECK_EQ(ch->close_action, GW_CLOSE_TRAP);
	GW_CHECK_EQ(ch->replay_window, 2048);
	return 0;
}

static int
test_ike_psk_values(void)
{
	static const uint8_t psk[32] = {
		0x5d, 0x1f, 0x0c, 0x8e, 0x3a, 0x7b, 0x92, 0xe4,
		0xf6, 0xa1, 0xc0, 0xd9, 0xb8, 0xe7, 0xf6, 0xa5,
		0xd4, 0xc3, 0xb2, 0xa1, 0x90, 0x8f, 0x7e, 0x6d,
		0x5c, 0x4b, 0x3a, 0x29, 0x18, 0x07, 0xf6, 0xe5,
	};
	const struct gw_cfg_secret *sec;
	const struct gw_cfg_conn *c;
	int rc = -1;

	if (gw_cfg_load(CFG_TEST_DIR "/good/ike-psk.conf", &cfg, &diag) != 0) {
		dump("ike-psk.conf");
		return -1;
	}
	gw_cfg_review(&cfg, &diag);
	if (diag.errors + diag.warnings != 0)
		dump("ike-psk.conf");
	GW_CHECK_EQ(diag.errors + diag.warnings, 0);
	GW_CHECK_EQ(cfg.n_conns, 1);
	c = gw_cfg_conn_by_name(&cfg, "siteb");
	GW_CHECK(c != NULL, "no connection siteb");
	GW_CHECK(gw_cfg_conn_by_name(&cfg, "sitec") == NULL, "sitec");
	GW_CHECK_EQ(cfg.n_secrets, 1);
	sec = &cfg.secrets[0];
	GW_CHECK(strcmp(sec->name, "siteb") == 0, "secret name");
	GW_CHECK_EQ(sec->line, 50);
	GW_CHECK_EQ(sec->n_ids, 2);
	GW_CHECK_EQ(sec->ids[0].type, GW_ID_FQDN);
	GW_CHECK(strcmp(sec->ids[1].str, "gw-b.example.com") == 0, "id 1");
	GW_CHECK_EQ(sec->secret_len, 32);
	GW_CHECK_MEM(sec->secret, psk, 32);
	GW_CHECK(gw_cfg_conn_secret(&cfg, c) == sec, "secret by ids");
	if (check_psk_conn(c) == 0)
		rc = 0;
	gw_cfg_free(&cfg);
	GW_CHECK(cfg.conns == NULL && cfg.secrets == NULL && cfg.n_secrets == 0,
		 "not freed");
	return rc;
}

/* A path as stored: the config file's directory, then what was written. */
static int
check_path(const char *path, const char *written)
{
	char want[PATH_LEN];

	snprintf(want, sizeof(want), "%s/good/%s", CFG_TEST_DIR, written);
	GW_CHECK(strcmp(path, want) == 0, "path %s, expected %s", path, want);
	return 0;
}

static int
check_multi_hq(const struct gw_cfg_conn *c)
{
	const struct gw_cfg_child *ch;

	GW_CHECK_EQ(c->n_local_addrs, 2);
	GW_CHECK(check_addr(&c->local_addrs[1], "2001:db8:ffff::1") == 0, "v6 local");
	GW_CHECK_EQ(c->n_proposals, 1);                   /* a string, not a list */
	GW_CHECK_EQ(c->local.auth, GW_AUTH_PUBKEY);
	GW_CHECK_EQ(c->local.id.type, GW_ID_DN);
	GW_CHECK(strcmp(c->local.id.str, "C=CH, O=Example, CN=gw-a.example.com") == 0,
		 "dn %s", c->local.id.str);
	GW_CHECK_EQ(c->local.n_certs, 1);
	GW_CHECK(check_path(c->local.certs[0], "../certs/gw-a-cert.pem") == 0, "cert");
	GW_CHECK(check_path(c->local.key, "../certs/gw-a-key.pem") == 0, "key");
	GW_CHECK_EQ(c->remote.auth, GW_AUTH_PUBKEY);
	GW_CHECK_EQ(c->remote.id.type, GW_ID_USER_FQDN);
	GW_CHECK_EQ(c->remote.n_cacerts, 1);
	GW_CHECK(check_path(c->remote.cacerts[0], "../certs/ca-cert.pem") == 0, "ca");
	/* strongSwan's defaults for what the file leaves out */
	GW_CHECK_EQ(c->version, 2);
	GW_CHECK_EQ(c->local_port, 500);
	GW_CHECK_EQ(c->remote_port, 500);
	GW_CHECK_EQ(c->rekey_time, 14400);
	GW_CHECK_EQ(c->over_time, 1440);
	GW_CHECK_EQ(c->rand_time, 1440);
	GW_CHECK_EQ(c->dpd_timeout, 0);
	GW_CHECK_EQ(c->dpd_action, GW_DPD_CLEAR);
	GW_CHECK_EQ(c->keyingtries, 1);
	GW_CHECK_EQ(c->unique, GW_UNIQUE_NO);
	GW_CHECK_EQ(c->mobike, false);

	GW_CHECK_EQ(c->n_children, 3);
	ch = &c->children[0];
	GW_CHECK(strcmp(ch->name, "hq-lan") == 0, "child %s", ch->name);
	GW_CHECK_EQ(ch->rekey_time, 3600);
	GW_CHECK_EQ(ch->life_time, 3960);
	GW_CHECK_EQ(ch->rand_time, 360);
	GW_CHECK_EQ(ch->start_action, GW_START_NONE);
	GW_CHECK_EQ(ch->close_action, GW_CLOSE_NONE);
	GW_CHECK_EQ(ch->replay_window, GW_REPLAY_DEFAULT);
	GW_CHECK_EQ(ch->life_bytes + ch->life_packets, 0);
	ch = &c->children[1];
	GW_CHECK(check_ts(&ch->local_ts[0], "10.1.0.0/24", 17, 5060, 5060) == 0, "sip");
	GW_CHECK(check_ts(&ch->remote_ts[0], "10.21.0.0/24", 17, 10000, 20000) == 0,
		 "rtp");
	GW_CHECK_EQ(ch->start_action, GW_START_TRAP);
	ch = &c->children[2];
	GW_CHECK(check_ts(&ch->remote_ts[0], "2001:db8:20::/48", 58, 0, 65535) == 0,
		 "icmpv6");
	GW_CHECK_EQ(ch->rekey_time, 1800);
	GW_CHECK_EQ(ch->life_time, 1980);
	return 0;
}

static int
test_ike_multi_values(void)
{
	const struct gw_cfg_conn *hq, *rw;
	const struct gw_cfg_secret *sec;
	int rc = -1;

	if (gw_cfg_load(CFG_TEST_DIR "/good/ike-multi.conf", &cfg, &diag) != 0) {
		dump("ike-multi.conf");
		return -1;
	}
	GW_CHECK_EQ(diag.errors + diag.warnings, 0);
	GW_CHECK_EQ(cfg.n_conns, 2);
	hq = gw_cfg_conn_by_name(&cfg, "hq");
	rw = gw_cfg_conn_by_name(&cfg, "roadwarrior");
	GW_CHECK(hq != NULL && rw != NULL, "connections");
	GW_CHECK_EQ(rw->remote_any, true);
	GW_CHECK_EQ(rw->n_remote_addrs, 0);
	GW_CHECK_EQ(rw->local.id.type, GW_ID_KEY_ID);
	GW_CHECK(strcmp(rw->local.id.str, "keyid:#a0b1c2d3") == 0, "keyid");
	GW_CHECK_EQ(rw->remote.id_set, false);
	GW_CHECK_EQ(rw->remote.id.type, GW_ID_ANY);       /* no address: %any */
	GW_CHECK_EQ(rw->dpd_timeout, 150);
	GW_CHECK_EQ(rw->n_children, 1);
	GW_CHECK(check_ts(&rw->children[0].remote_ts[0], "0.0.0.0/0", 0, 0, 65535) == 0,
		 "rw ts");
	GW_CHECK_EQ(cfg.n_secrets, 1);
	sec = gw_cfg_conn_secret(&cfg, rw);             /* found by its name */
	GW_CHECK(sec == &cfg.secrets[0], "roadwarrior secret");
	GW_CHECK_EQ(sec->n_ids, 0);
	GW_CHECK_EQ(sec->secret_len, strlen("correct horse battery staple, and some "
					    "more words"));
	GW_CHECK_MEM(sec->secret, "correct horse", 13);
	GW_CHECK(gw_cfg_conn_secret(&cfg, hq) == NULL, "hq has no PSK");
	if (check_multi_hq(hq) == 0)
		rc = 0;
	gw_cfg_free(&cfg);
	return rc;
}

/* A connection body for in-memory cases: LOCAL/REMOTE ids and the rest. */
#define CONN(name, extra) \
	"connections = { " name " = { local_addrs = \"192.0.2.1\"; " \
	"remote_addrs = \"192.0.2.2\";\n" \
	"  proposals = \"aes256gcm16-prfsha384-ecp384\"; dpd_delay = 10; " extra "\n" \
	"  local = { auth = \"psk\"; id = \"gw-a.example.com\"; };\n" \
	"  remote = { auth = \"psk\"; id = \"gw-b.example.com\"; };\n" \
	"  children = { c1 = { local_ts = \"10.1.0.0/24\"; remote_ts = \"10.2.0.0/24\"; " \
	"esp_proposals = \"aes256gcm16-ecp384\"; }; }; }; };\n"

static int
test_id_types(void)
{
	static const struct {
		const char *id;
		enum gw_id_type type;
	} ids[] = {
		{ "192.0.2.9", GW_ID_IPV4 },
		{ "2001:db8::9", GW_ID_IPV6 },
		{ "gw.example.com", GW_ID_FQDN },
		{ "@gw", GW_ID_FQDN },
		{ "admin@example.com", GW_ID_USER_FQDN },
		{ "C=CH, O=Org, CN=gw", GW_ID_DN },
		{ "CN=gw", GW_ID_DN },
		{ "keyid:#0a0b", GW_ID_KEY_ID },
		{ "@#0a0b", GW_ID_KEY_ID },
		{ "%any", GW_ID_ANY },
	};
	char text[2048];

	for (size_t i = 0; i < GW_ARRAY_SIZE(ids); i++) {
		snprintf(text, sizeof(text), PORTS "secrets = { s = { id = [ \"%s\" ]; "
			 "secret = \"0x00112233445566778899aabbccddeeff00112233\"; }; };\n",
			 ids[i].id);
		if (load_text(text) != 0) {
			dump(ids[i].id);
			return -1;
		}
		GW_CHECK_EQ(cfg.secrets[0].ids[0].type, ids[i].type);
		GW_CHECK(strcmp(cfg.secrets[0].ids[0].str, ids[i].id) == 0, "%s", ids[i].id);
		gw_cfg_free(&cfg);
	}
	GW_CHECK(strcmp(gw_id_type_name(GW_ID_USER_FQDN), "user_fqdn") == 0, "name");
	GW_CHECK(strcmp(gw_id_type_name(GW_ID_KEY_ID), "key_id") == 0, "name");
	return 0;
}

#define PSK_TEXT "Tr0ub4dor&3-horse-staple-battery"
#define PSK_HEX "0x9f8e7d6c5b4a39281706f5e4d3c2b1a0"

/*
 * Secrets with every kind of mistake around them: no finding and no
 * printed line may quote them, whether the load fails or the review warns.
 */
static int
test_secret_not_printed(void)
{
	static const char bad[] = PORTS CONN("siteb", "version = 7;")
		"secrets = { siteb = { id = [ \"gw-a.example.com\", \"gw-b..x\" ];\n"
		"  secret = \"" PSK_TEXT "\"; bogus = 1; };\n"
		"  other = { secret = \"" PSK_HEX "zz\"; };\n"
		"  third = { id = \"x@y\"; secret = \"" PSK_HEX "\"; secret2 = 3; }; };\n";
	static const char weak[] = PORTS CONN("siteb", "")
		"secrets = { siteb = { secret = \"Tr0ub4dor&3\"; }; };\n";
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	GW_CHECK_EQ(load_text(bad), -1);
	GW_CHECK(diag.errors >= 4, "errors %u", diag.errors);
	GW_CHECK(find_item(GW_DIAG_ERROR, 11, "secret starts with 0x but is not hex") != NULL,
		 "hex");
	GW_CHECK(!leaks_key(bad), "a finding quotes a secret");
	f = open_memstream(&out, &len);
	GW_CHECK(f != NULL, "open_memstream");
	gw_diag_print(&diag, f);
	fclose(f);
	GW_CHECK(strstr(out, "Tr0ub4dor") == NULL, "printed output holds the text PSK");
	GW_CHECK(strstr(out, "9f8e7d6c5b4a") == NULL, "printed output holds the hex PSK");
	free(out);

	GW_CHECK_EQ(load_text(weak), 0);
	gw_cfg_review(&cfg, &diag);
	GW_CHECK(find_item(GW_DIAG_WARNING, 9, "secrets.siteb: weak PSK: 11 bytes") != NULL,
		 "weak PSK");
	f = open_memstream(&out, &len);
	GW_CHECK(f != NULL, "open_memstream");
	gw_diag_print(&diag, f);
	fclose(f);
	GW_CHECK(strstr(out, "Tr0ub4dor") == NULL, "review output holds the PSK");
	free(out);
	gw_cfg_free(&cfg);
	return 0;
}

static int
test_review_ike(void)
{
	static const char text[] = PORTS
		"connections = { weak = { version = 1; local_addrs = \"192.0.2.9\";\n"
		"  remote_addrs = \"192.0.2.2\"; allow_weak = true;\n"
		"  proposals = [ \"aes256-sha1-modp2048\", \"aes256-sha256-modp2048\" ];\n"
		"  local = { auth = \"psk\"; id = \"a.example.com\"; certs = \"/nonexistent\"; };\n"
		"  remote = { auth = \"psk\"; id = \"b.example.com\"; };\n"
		"  children = { c1 = { local_ts = \"10.1.0.0/24\"; remote_ts = \"10.2.0.0/24\";\n"
		"    esp_proposals = [ \"aes256gcm16\", \"aes256gcm16-modp1024\" ]; replay_window = 0; };\n"
		"    c2 = { local_ts = \"10.1.0.0/24\"; remote_ts = \"10.3.0.0/24\"; }; }; }; };\n"
		"secrets = { weak = { secret = \"short-psk\"; }; };\n";
	static const struct {
		enum gw_diag_kind kind;
		int line;
		const char *text;
	} want[] = {
		{ GW_DIAG_WARNING, 4, "IKEv1 is not implemented yet" },
		{ GW_DIAG_WARNING, 4, "192.0.2.9 is not an address of any port" },
		{ GW_DIAG_WARNING, 6, "weak algorithm 'sha1' in proposal 'aes256-sha1-modp2048' "
		  "(SHA-1 is deprecated) accepted because allow_weak = true" },
		{ GW_DIAG_WARNING, 10, "weak algorithm 'modp1024'" },
		{ GW_DIAG_WARNING, 4, "connections.weak: allow_weak = true" },
		{ GW_DIAG_WARNING, 4, "connections.weak: dpd_delay = 0" },
		{ GW_DIAG_NOTE, 4, "connections.weak: modp2048 is the only DH group" },
		{ GW_DIAG_NOTE, 9, "children.c1: an esp_proposal without a DH group" },
		{ GW_DIAG_WARNING, 9, "children.c1: replay_window = 0" },
		{ GW_DIAG_NOTE, 11, "children.c2: default esp_proposals without a DH group" },
		{ GW_DIAG_WARNING, 12, "secrets.weak: weak PSK: 9 bytes" },
	};
	int failed = 0;

	/* certs under psk: the missing file is an error even though ignored */
	GW_CHECK_EQ(load_text(text), -1);
	GW_CHECK(find_item(GW_DIAG_ERROR, 7, "'/nonexistent': file not found") != NULL,
		 "certs checked");
	GW_CHECK(find_item(GW_DIAG_WARNING, 7, "ignored with auth = \"psk\"") != NULL,
		 "certs ignored");
	{
		char fixed[sizeof(text)];
		char *p;

		memcpy(fixed, text, sizeof(text));
		p = strstr(fixed, " certs = \"/nonexistent\";");
		memset(p, ' ', strlen(" certs = \"/nonexistent\";"));
		if (load_text(fixed) != 0) {
			dump("review_ike");
			return -1;
		}
	}
	gw_cfg_review(&cfg, &diag);
	for (size_t i = 0; i < GW_ARRAY_SIZE(want); i++) {
		if (find_item(want[i].kind, want[i].line, want[i].text) == NULL) {
			fprintf(stderr, "missing at line %d: %s\n", want[i].line, want[i].text);
			failed++;
		}
	}
	if (failed)
		dump("review_ike");
	GW_CHECK_EQ(diag.errors, 0);
	gw_cfg_free(&cfg);
	return failed ? -1 : 0;
}

/* ---- review ------------------------------------------------------------- */

static int
test_review_weak(void)
{
	static const struct {
		enum gw_diag_kind kind;
		int line;
		const char *text;
	} want[] = {
		{ GW_DIAG_WARNING, 16, "sas.out-a: key is all zeros" },
		{ GW_DIAG_WARNING, 16, "selector 10.1.0.0/24 <-> 10.2.0.0/24 never matches: "
		  "policy 'wide'" },
		{ GW_DIAG_WARNING, 19, "sas.in-a: replay_window = 0 turns anti-replay off" },
		{ GW_DIAG_WARNING, 19, "sas.in-a: esn = false: 32-bit sequence numbers" },
		{ GW_DIAG_NOTE, 19, "sas.in-a: aes128gcm16 is acceptable; aes256gcm16 is "
		  "recommended" },
		{ GW_DIAG_WARNING, 21, "sas.in-b: replay_window 32 is small" },
		{ GW_DIAG_WARNING, 21, "sas.in-b: same key as SA 'in-a' (line 19)" },
		{ GW_DIAG_WARNING, 23, "sas.out-b: key is a repeating pattern of 4 bytes" },
		{ GW_DIAG_WARNING, 23, "sas.out-b: no selectors and no protect policy" },
		{ GW_DIAG_WARNING, 11, "'narrow' never matches: 'wide' (line 10)" },
		{ GW_DIAG_WARNING, 12, "'outside' sends 10.5.0.0/24 through SA 'out-a', "
		  "whose local_ts" },
		{ GW_DIAG_WARNING, 14, "spd_default = \"bypass\"" },
		{ GW_DIAG_NOTE, 4, "lcores.idle = \"sleep\"" },
		{ GW_DIAG_WARNING, 26, "control.socket: /tmp is world-writable" },
	};
	struct stat st;
	int failed = 0;

	if (gw_cfg_load(CFG_TEST_DIR "/good/weak.conf", &cfg, &diag) != 0) {
		dump("weak.conf");
		return -1;
	}
	GW_CHECK_EQ(diag.warnings + diag.notes, 0);
	gw_cfg_review(&cfg, &diag);
	for (size_t i = 0; i < GW_ARRAY_SIZE(want); i++) {
		/* The socket check needs a world-writable /tmp, as most hosts have. */
		if (strncmp(want[i].text, "control.socket", 14) == 0 &&
		    (stat("/tmp", &st) != 0 || !(st.st_mode & S_IWOTH)))
			continue;
		if (find_item(want[i].kind, want[i].line, want[i].text) == NULL) {
			fprintf(stderr, "missing at line %d: %s\n", want[i].line, want[i].text);
			failed++;
		}
	}
	if (failed)
		dump("weak.conf review");
	GW_CHECK_EQ(diag.errors, 0);
	GW_CHECK(!leaks_key("key = \"0xdeadbeefdeadbeefdeadbeefdeadbeef"
			    "deadbeefdeadbeefdeadbeefdeadbeef01020304\""), "review quotes a key");
	gw_cfg_free(&cfg);
	return failed ? -1 : 0;
}

static int
test_review_sample_clean(void)
{
	if (gw_cfg_load(CFG_SAMPLE_DIR "/site-a.conf", &cfg, &diag) != 0) {
		dump("site-a.conf");
		return -1;
	}
	gw_cfg_review(&cfg, &diag);
	if (diag.errors + diag.warnings != 0)
		dump("site-a.conf review");
	GW_CHECK_EQ(diag.errors + diag.warnings, 0);
	GW_CHECK(find_item(GW_DIAG_NOTE, -1, "idle = \"sleep\"") != NULL, "idle note");
	gw_cfg_free(&cfg);
	return 0;
}

/* config/example.conf's commented IKE example, uncommented, loads cleanly. */
static int
test_example_ike(void)
{
	char *text = slurp(CFG_SAMPLE_DIR "/example.conf");
	char *begin, *end, *p, *q;
	const struct gw_cfg_conn *c;
	int failed = 0;

	GW_CHECK(text != NULL, "cannot read example.conf");
	begin = strstr(text, "# -- begin IKE example --\n");
	end = begin != NULL ? strstr(begin, "# -- end IKE example --") : NULL;
	if (end == NULL) {
		free(text);
		GW_CHECK(0, "no IKE example markers in example.conf");
	}
	/* Drop one '#' at the start of each line between the markers. */
	p = q = strchr(begin, '\n') + 1;
	while (p < end) {
		if (p[0] == '#' && (p == begin || p[-1] == '\n'))
			p++;
		*q++ = *p++;
	}
	memmove(q, end, strlen(end) + 1);
	if (gw_cfg_load_string(text, CFG_SAMPLE_DIR "/example.conf", &cfg, &diag) != 0) {
		dump("example.conf with its IKE example");
		free(text);
		return -1;
	}
	free(text);
	gw_cfg_review(&cfg, &diag);
	for (unsigned i = 0; i < diag.n; i++)
		if (diag.items[i].kind == GW_DIAG_WARNING &&
		    (strstr(diag.items[i].msg, "connections.") != NULL ||
		     strstr(diag.items[i].msg, "secrets.") != NULL))
			failed++;
	if (failed)
		dump("example.conf IKE review");
	GW_CHECK_EQ(failed, 0);
	GW_CHECK_EQ(cfg.n_conns, 1);
	c = gw_cfg_conn_by_name(&cfg, "siteb");
	GW_CHECK(c != NULL && c->n_children == 1, "siteb");
	GW_CHECK_EQ(c->children[0].n_remote_ts, 2);
	GW_CHECK(gw_cfg_conn_secret(&cfg, c) == &cfg.secrets[0], "secret");
	gw_cfg_free(&cfg);
	return 0;
}

static const struct gw_test_case file_cases[] = {
	{ "good_files", test_good_files },
	{ "sample_files", test_sample_files },
	{ "bad_files", test_bad_files },
	{ "missing_file", test_missing_file },
	{ NULL, NULL },
};

static const struct gw_test_case value_cases[] = {
	{ "full_values", test_full_values },
	{ "defaults", test_defaults },
	{ "ipv6_expansion", test_ipv6_expansion },
	{ "alg_names", test_alg_names },
	{ "ike_psk_values", test_ike_psk_values },
	{ "ike_multi_values", test_ike_multi_values },
	{ "id_types", test_id_types },
	{ NULL, NULL },
};

static const struct gw_test_case text_cases[] = {
	{ "int_literals", test_int_literals },
	{ "terminators", test_terminators },
	{ "key_not_printed", test_key_not_printed },
	{ "diag", test_diag },
	{ "secret_not_printed", test_secret_not_printed },
	{ NULL, NULL },
};

static const struct gw_test_case review_cases[] = {
	{ "review_weak", test_review_weak },
	{ "review_sample_clean", test_review_sample_clean },
	{ "review_ike", test_review_ike },
	{ "example_ike", test_example_ike },
	{ NULL, NULL },
};

static const struct gw_test_suite files_suite = { "cfg_files", NULL, NULL, file_cases };
static const struct gw_test_suite values_suite = { "cfg_values", NULL, NULL, value_cases };
static const struct gw_test_suite text_suite = { "cfg_text", NULL, NULL, text_cases };
static const struct gw_test_suite review_suite = { "cfg_review", NULL, NULL, review_cases };

GW_TEST_MAIN(&files_suite, &values_suite, &text_suite, &review_suite)
