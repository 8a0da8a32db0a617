/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `sas`: manually keyed ESP SAs. Only what the data plane implements is
 * accepted (tunnel mode, AES-GCM with a 16-byte ICV); anything weaker is
 * an error, not a warning, because a manual SA is never renegotiated.
 * Key material is never written into a finding.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_priv.h"
#include "gw_hex.h"

enum {
	SPI_MIN = 256,             /**< 1-255 reserved by IANA, 0 invalid */
	REPLAY_MIN = 32,
	ENCAP_PORT_DEFAULT = 4500,
};

static const char *const sa_keys[] = {
	"direction", "spi", "mode", "local", "remote", "local_ts", "remote_ts",
	"aead", "key", "encap", "encap_sport", "encap_dport", "esn",
	"replay_window", NULL
};

static const struct cfg_enum dir_names[] = {
	{ "out", GW_DIR_OUT }, { "in", GW_DIR_IN }, { NULL, 0 }
};

static const struct cfg_enum mode_names[] = {
	{ "tunnel", GW_MODE_TUNNEL }, { "transport", GW_MODE_TRANSPORT },
	{ NULL, 0 }
};

static const struct cfg_enum encap_names[] = {
	{ "none", 0 }, { "udp", 1 }, { NULL, 0 }
};

static const struct cfg_enum aead_names[] = {
	{ "aes128gcm16", GW_ALG_AES128GCM16 },
	{ "aes256gcm16", GW_ALG_AES256GCM16 },
	{ NULL, 0 }
};

/* Names carried over from IKE proposals or older setups, and why not. */
static const struct {
	const char *name;          /**< lower case, without '-' and '_' */
	const char *why;
} weak_algs[] = {
	{ "null", "no encryption" },
	{ "encrnull", "no encryption" },
	{ "des", "DES: 56-bit key, broken" },
	{ "descbc", "DES: 56-bit key, broken" },
	{ "3des", "3DES: 64-bit block, Sweet32" },
	{ "3descbc", "3DES: 64-bit block, Sweet32" },
	{ "blowfish", "64-bit block" },
	{ "cast128", "64-bit block" },
	{ "aes128", "AES-CBC needs a separate integrity algorithm" },
	{ "aes192", "AES-CBC needs a separate integrity algorithm" },
	{ "aes256", "AES-CBC needs a separate integrity algorithm" },
	{ "aes128cbc", "AES-CBC needs a separate integrity algorithm" },
	{ "aes256cbc", "AES-CBC needs a separate integrity algorithm" },
	{ "aes128ctr", "AES-CTR needs a separate integrity algorithm" },
	{ "aes256ctr", "AES-CTR needs a separate integrity algorithm" },
	{ "md5", "MD5 is broken" },
	{ "hmacmd5", "MD5 is broken" },
	{ "md596", "MD5 is broken" },
	{ "sha1", "SHA-1 is deprecated" },
	{ "sha196", "SHA-1 is deprecated" },
	{ "hmacsha1", "SHA-1 is deprecated" },
	{ "aes128gcm8", "an 8-byte ICV is too short" },
	{ "aes128gcm12", "a 12-byte ICV is shorter than needed" },
	{ "aes256gcm8", "an 8-byte ICV is too short" },
	{ "aes256gcm12", "a 12-byte ICV is shorter than needed" },
	{ "aes192gcm16", "not implemented by the data plane" },
	{ "chacha20poly1305", "not implemented by the data plane" },
};

static int
parse_aead(struct cfg_loader *ld, const config_setting_t *s,
	   enum gw_esp_alg *alg)
{
	char norm[GW_NAME_MAX];
	const char *str, *why = NULL;
	size_t n = 0;

	if (cfg_string(ld, s, &str) < 0)
		return -1;
	for (const struct cfg_enum *e = aead_names; e->name != NULL; e++) {
		if (strcmp(str, e->name) == 0) {
			*alg = e->value;
			return 0;
		}
	}
	for (const char *p = str; *p != '\0' && n < sizeof(norm) - 1; p++)
		if (*p != '-' && *p != '_')
			norm[n++] = (char)tolower((unsigned char)*p);
	norm[n] = '\0';
	for (size_t i = 0; i < GW_ARRAY_SIZE(weak_algs); i++)
		if (strcmp(norm, weak_algs[i].name) == 0)
			why = weak_algs[i].why;
	cfg_error(ld, s, "weak or unsupported algorithm '%.32s'%s%s%s for a manual "
		  "SA; use aes256gcm16", str, why ? " (" : "", why ? why : "",
		  why ? ")" : "");
	return -1;
}

/*
 * "0x<key><salt>". Only lengths go into findings, never digits; the
 * string is wiped in libconfig's copy once decoded.
 */
static void
parse_key(struct cfg_loader *ld, const config_setting_t *s,
	  struct gw_cfg_sa *sa)
{
	uint8_t buf[GW_MAX_KEY_LEN + GW_SALT_LEN];
	unsigned key_len = gw_esp_alg_key_len(sa->alg);
	size_t digits = 0;
	bool bad = false;
	const char *str, *p;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cfg_error(ld, s, "key must be a quoted hex string: key = \"0x...\"");
		return;
	}
	str = config_setting_get_string(s);
	p = str;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (; *p != '\0'; p++) {
		if (*p == ':' && digits % 2 == 0)
			continue;
		if (!isxdigit((unsigned char)*p))
			bad = true;
		digits++;
	}
	if (bad || digits % 2 != 0) {
		cfg_error(ld, s, "key is not a hex string (an optional 0x, then "
			  "pairs of digits 0-9a-f, optionally ':'-separated)");
	} else if (key_len != 0 && digits / 2 != key_len + GW_SALT_LEN) {
		cfg_error(ld, s, "key is %zu bytes; %s needs %u (%u-byte key + "
			  "%u-byte salt)", digits / 2, gw_esp_alg_name(sa->alg),
			  key_len + GW_SALT_LEN, key_len, GW_SALT_LEN);
	} else if (key_len != 0) {
		if (gw_hex_decode(str, buf, sizeof(buf)) != (int)(key_len + GW_SALT_LEN)) {
			cfg_error(ld, s, "key is not a hex string");
		} else {
			memcpy(sa->key, buf, key_len);
			memcpy(sa->salt, buf + key_len, GW_SALT_LEN);
			sa->key_len = (uint8_t)key_len;
		}
	}
	gw_wipe(buf, sizeof(buf));
	/* libconfig frees its strings without wiping them. */
	gw_wipe((char *)(uintptr_t)str, strlen(str));
}

static int
parse_spi(struct cfg_loader *ld, const config_setting_t *s, uint32_t *spi)
{
	uint64_t v;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		const char *str = config_setting_get_string(s);
		char *end;

		bool hex = str[0] == '0' && (str[1] == 'x' || str[1] == 'X');

		errno = 0;
		v = strtoull(str, &end, hex ? 16 : 10);
		if (!isdigit((unsigned char)str[0]) || (hex && !isxdigit((unsigned char)str[2])) ||
		    *end != '\0' || errno != 0) {
			/* Longer than any SPI: maybe a pasted key, so not echoed. */
			if (strlen(str) > 10)
				cfg_error(ld, s, "a %zu-character string is not an SPI; "
					  "write it as 0x1001 or \"0x1001\"", strlen(str));
			else
				cfg_error(ld, s, "'%s' is not a number; write the SPI as "
					  "0x1001 or \"0x1001\"", str);
			return -1;
		}
	} else if (config_setting_type(s) == CONFIG_TYPE_INT ||
		   config_setting_type(s) == CONFIG_TYPE_INT64) {
		if (cfg_uint(ld, s, 0, UINT64_MAX >> 1, &v) < 0)
			return -1;
	} else {
		cfg_error(ld, s, "expected an integer such as 0x1001");
		return -1;
	}
	if (v > UINT32_MAX) {
		cfg_error(ld, s, "SPI 0x%llx does not fit in 32 bits",
			  (unsigned long long)v);
		return -1;
	}
	if (v < SPI_MIN) {
		cfg_error(ld, s, "SPI %llu is reserved (0 is invalid, 1-255 are "
			  "reserved by IANA); use 256..0xffffffff",
			  (unsigned long long)v);
		return -1;
	}
	*spi = (uint32_t)v;
	return 0;
}

/* local_ts / remote_ts: one prefix or a list, all of the SA's family. */
static void
parse_sa_ts(struct cfg_loader *ld, const config_setting_t *group,
	    const char *key, uint8_t family, struct gw_prefix ts[],
	    unsigned *n_ts)
{
	const config_setting_t *elems[GW_MAX_TS];
	const config_setting_t *s = cfg_member(ld, group, key, false);
	char buf[GW_ADDR_STRLEN];
	int n;

	/*
	 * Optional: an outbound SA's selectors become protect entries after
	 * the configured policies; without them only policies feed it.
	 */
	if (s == NULL)
		return;
	n = cfg_strings(ld, s, elems, GW_MAX_TS);
	if (n == 0)
		cfg_error(ld, s, "needs at least one prefix (\"0.0.0.0/0\" for any)");
	for (int i = 0; i < n; i++) {
		struct gw_prefix *p = &ts[*n_ts];

		if (cfg_prefix(ld, elems[i], p) < 0)
			continue;
		if (family != GW_AF_NONE && p->addr.family != family) {
			cfg_error(ld, elems[i], "%s is %s but the SA is %s; one SA "
				  "carries one address family",
				  gw_prefix_format(p, buf, sizeof(buf)),
				  cfg_family_name(p->addr.family),
				  cfg_family_name(family));
			continue;
		}
		(*n_ts)++;
	}
}

static bool
unprotected_owns(const struct gw_cfg *cfg, const struct gw_addr *a)
{
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct gw_cfg_port *port = &cfg->ports[i];

		if (port->role != GW_ROLE_UNPROTECTED)
			continue;
		for (unsigned k = 0; k < port->n_addrs; k++) {
			const struct gw_addr *o = &port->addrs[k].addr;

			if (o->family == a->family &&
			    (a->family == GW_AF_INET ? o->v4 == a->v4 :
			     memcmp(o->v6, a->v6, sizeof(o->v6)) == 0))
				return true;
		}
	}
	return false;
}

static void
parse_sa_addrs(struct cfg_loader *ld, const config_setting_t *s,
	       struct gw_cfg_sa *sa)
{
	const config_setting_t *local, *remote;
	char buf[GW_ADDR_STRLEN];
	bool local_ok = false;

	local = cfg_member(ld, s, "local", true);
	if (local != NULL && cfg_addr(ld, local, &sa->local) == 0)
		local_ok = true;
	remote = cfg_member(ld, s, "remote", true);
	if (remote == NULL || cfg_addr(ld, remote, &sa->remote) < 0)
		return;
	if (!local_ok)
		return;
	if (sa->remote.family != sa->local.family) {
		cfg_error(ld, remote, "remote is %s but local is %s; both tunnel "
			  "ends must be one address family",
			  cfg_family_name(sa->remote.family),
			  cfg_family_name(sa->local.family));
		return;
	}
	if (memcmp(&sa->remote, &sa->local, sizeof(sa->local)) == 0) {
		cfg_error(ld, remote, "remote is the same address as local");
		return;
	}
	if (ld->ports_ok && !unprotected_owns(ld->cfg, &sa->local))
		cfg_warn(ld, local, "%s is not an address of any unprotected port",
			 gw_addr_format(&sa->local, buf, sizeof(buf)));
}

static void
parse_sa_encap(struct cfg_loader *ld, const config_setting_t *s,
	       struct gw_cfg_sa *sa)
{
	static const char *const port_keys[] = { "encap_sport", "encap_dport" };
	uint16_t *ports[] = { &sa->encap_sport, &sa->encap_dport };
	const config_setting_t *m;
	bool encap_ok = true;
	uint64_t v;
	int e;

	m = cfg_member(ld, s, "encap", false);
	if (m != NULL && cfg_enum(ld, m, encap_names, &e) < 0)
		encap_ok = false;
	else if (m != NULL)
		sa->udp_encap = e != 0;
	for (unsigned i = 0; i < GW_ARRAY_SIZE(ports); i++) {
		*ports[i] = ENCAP_PORT_DEFAULT;
		m = cfg_member(ld, s, port_keys[i], false);
		if (m == NULL || cfg_uint(ld, m, 1, UINT16_MAX, &v) < 0)
			continue;
		*ports[i] = (uint16_t)v;
		if (!sa->udp_encap && encap_ok)
			cfg_warn(ld, m, "has no effect without encap = \"udp\"");
	}
}

static void
parse_sa(struct cfg_loader *ld, const config_setting_t *s)
{
	struct gw_cfg *cfg = ld->cfg;
	struct gw_cfg_sa *sa = &cfg->sas[cfg->n_sas];
	const config_setting_t *m;
	bool have_dir = false;
	uint8_t family;
	uint64_t v;
	int e;

	/* Counted at once so that gw_cfg_free wipes whatever gets written. */
	cfg->n_sas++;
	sa->line = cfg_line(s);
	if (cfg_want_group(ld, s) < 0 ||
	    cfg_copy_name(ld, s, config_setting_name(s), sa->name,
			  sizeof(sa->name)) < 0)
		return;
	cfg_check_keys(ld, s, sa_keys);

	m = cfg_member(ld, s, "direction", true);
	if (m != NULL && cfg_enum(ld, m, dir_names, &e) == 0) {
		sa->dir = e;
		have_dir = true;
	}
	m = cfg_member(ld, s, "spi", true);
	if (m != NULL && parse_spi(ld, m, &sa->spi) == 0 && have_dir) {
		for (const struct gw_cfg_sa *o = cfg->sas; o < sa; o++)
			if (o->spi == sa->spi && o->dir == sa->dir)
				cfg_error(ld, m, "SPI 0x%x is already used by %s SA "
					  "'%s' (line %d)", sa->spi,
					  sa->dir == GW_DIR_IN ? "inbound" : "outbound",
					  o->name, o->line);
	}
	m = cfg_member(ld, s, "mode", false);
	if (m != NULL && cfg_enum(ld, m, mode_names, &e) == 0) {
		sa->mode = e;
		if (sa->mode == GW_MODE_TRANSPORT)
			cfg_error(ld, m, "transport mode is not supported yet; use "
				  "\"tunnel\"");
	}

	parse_sa_addrs(ld, s, sa);
	family = sa->local.family;
	if (family == GW_AF_NONE)
		family = sa->remote.family;
	parse_sa_ts(ld, s, "local_ts", family, sa->local_ts, &sa->n_local_ts);
	if (family == GW_AF_NONE && sa->n_local_ts > 0)
		family = sa->local_ts[0].addr.family;
	parse_sa_ts(ld, s, "remote_ts", family, sa->remote_ts, &sa->n_remote_ts);

	m = cfg_member(ld, s, "aead", true);
	if (m != NULL)
		parse_aead(ld, m, &sa->alg);
	m = cfg_member(ld, s, "key", true);
	if (m != NULL)
		parse_key(ld, m, sa);

	parse_sa_encap(ld, s, sa);
	sa->esn = true;
	m = cfg_member(ld, s, "esn", false);
	if (m != NULL)
		cfg_bool(ld, m, &sa->esn);
	sa->replay_window = GW_REPLAY_DEFAULT;
	m = cfg_member(ld, s, "replay_window", false);
	if (m != NULL && cfg_uint(ld, m, 0, UINT32_MAX, &v) == 0) {
		if (v != 0 && (v < REPLAY_MIN || v > GW_REPLAY_MAX))
			cfg_error(ld, m, "replay_window %llu is out of range: use 0 "
				  "(anti-replay off) or %d..%d",
				  (unsigned long long)v, REPLAY_MIN, GW_REPLAY_MAX);
		else
			sa->replay_window = (uint32_t)v;
		if (have_dir && sa->dir == GW_DIR_OUT)
			cfg_warn(ld, m, "replay_window only applies to inbound SAs; "
				 "ignored on an outbound one");
	}
}

void
cfg_parse_sas(struct cfg_loader *ld, const config_setting_t *sas)
{
	int n;

	if (cfg_want_group(ld, sas) < 0)
		return;
	n = config_setting_length(sas);
	if (n == 0)
		return;
	ld->cfg->sas = calloc(n, sizeof(ld->cfg->sas[0]));
	if (ld->cfg->sas == NULL) {
		cfg_error(ld, sas, "out of memory");
		return;
	}
	for (int i = 0; i < n; i++)
		parse_sa(ld, config_setting_get_elem(sas, i));
}
