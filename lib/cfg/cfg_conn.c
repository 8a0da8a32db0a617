/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `connections` and `secrets`: IKE peers and their pre-shared keys, with
 * strongSwan's swanctl.conf names so that a working swanctl.conf carries
 * over key by key.
 *
 * Proposals are kept as strings. lib/ike comes after cfg in lib/meson.build,
 * so its strict parser (gw_ike_proposal_parse) cannot be called here; the
 * light check below knows the same keywords and the structural rules
 * (a cipher, a DH group for IKE, integrity or AEAD), refuses weak
 * algorithms unless allow_weak = true, and lib/ike re-parses every string
 * when it builds its proposals.
 *
 * Secrets are never written into a finding: only their lengths are, and
 * libconfig's copy of the string is wiped once decoded.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cfg_priv.h"
#include "gw_hex.h"

enum {
	IKE_PORT_DEFAULT = 500,
	IKE_REKEY_DEFAULT = 14400, /**< strongSwan: 4 h */
	CHILD_REKEY_DEFAULT = 3600,/**< strongSwan: 1 h */
	REPLAY_MIN = 32,
	TIME_MAX = 10 * 365 * 86400,/**< a timer longer than ten years is a typo */
	KEYINGTRIES_MAX = 1000,
	PROTO_ICMP = 1,
	PROTO_TCP = 6,
	PROTO_UDP = 17,
	PROTO_ICMPV6 = 58,
	PROTO_SCTP = 132,
};

static const char *const conn_keys[] = {
	"version", "local_addrs", "remote_addrs", "local_port", "remote_port",
	"proposals", "local", "remote", "rekey_time", "over_time", "rand_time",
	"reauth_time", "dpd_delay", "dpd_timeout", "dpd_action", "encap",
	"allow_weak", "mobike", "keyingtries", "unique", "children", "keep_alive", NULL
};

static const char *const auth_keys[] = {
	"auth", "id", "certs", "key", "cacerts", NULL
};

static const char *const child_keys[] = {
	"local_ts", "remote_ts", "esp_proposals", "rekey_time", "life_time",
	"rand_time", "life_bytes", "life_packets", "start_action", "mode",
	"dpd_action", "close_action", "replay_window", NULL
};

static const char *const secret_keys[] = { "id", "secret", NULL };

static const struct cfg_enum auth_names[] = {
	{ "psk", GW_AUTH_PSK }, { "pubkey", GW_AUTH_PUBKEY }, { NULL, 0 }
};

static const struct cfg_enum dpd_names[] = {
	{ "clear", GW_DPD_CLEAR }, { "restart", GW_DPD_RESTART },
	{ "trap", GW_DPD_TRAP }, { NULL, 0 }
};

static const struct cfg_enum close_names[] = {
	{ "none", GW_CLOSE_NONE }, { "clear", GW_CLOSE_CLEAR },
	{ "trap", GW_CLOSE_TRAP }, { "start", GW_CLOSE_START }, { NULL, 0 }
};

static const struct cfg_enum start_names[] = {
	{ "none", GW_START_NONE }, { "start", GW_START_START },
	{ "trap", GW_START_TRAP }, { NULL, 0 }
};

static const struct cfg_enum unique_names[] = {
	{ "no", GW_UNIQUE_NO }, { "never", GW_UNIQUE_NEVER },
	{ "keep", GW_UNIQUE_KEEP }, { "replace", GW_UNIQUE_REPLACE },
	{ NULL, 0 }
};

static const struct cfg_enum mode_names[] = {
	{ "tunnel", GW_MODE_TUNNEL }, { "transport", GW_MODE_TRANSPORT },
	{ NULL, 0 }
};

static const struct cfg_enum proto_names[] = {
	{ "any", 0 }, { "%any", 0 }, { "icmp", PROTO_ICMP }, { "tcp", PROTO_TCP },
	{ "udp", PROTO_UDP }, { "icmpv6", PROTO_ICMPV6 },
	{ "ipv6-icmp", PROTO_ICMPV6 }, { "sctp", PROTO_SCTP }, { NULL, 0 }
};

/* ---- proposals ---------------------------------------------------------- */

/* What a proposal keyword is, as lib/ike's keyword table sorts them. */
enum kw_kind { KW_AEAD, KW_CIPHER, KW_INTEG, KW_PRF, KW_DH, KW_ESN };

#define foreach_proposal_kw                                                \
	_("aes128", CIPHER, NULL) _("aes192", CIPHER, NULL)                \
	_("aes256", CIPHER, NULL) _("aes", CIPHER, NULL)                   \
	_("aes128ctr", CIPHER, NULL) _("aes192ctr", CIPHER, NULL)          \
	_("aes256ctr", CIPHER, NULL)                                       \
	_("aes128gcm16", AEAD, NULL) _("aes192gcm16", AEAD, NULL)          \
	_("aes256gcm16", AEAD, NULL) _("aes128gcm", AEAD, NULL)            \
	_("aes192gcm", AEAD, NULL) _("aes256gcm", AEAD, NULL)              \
	_("aes128gcm128", AEAD, NULL) _("aes256gcm128", AEAD, NULL)        \
	_("aes128gcm12", AEAD, NULL) _("aes256gcm12", AEAD, NULL)          \
	_("aes128gcm8", AEAD, NULL) _("aes256gcm8", AEAD, NULL)            \
	_("aes128ccm16", AEAD, NULL) _("aes256ccm16", AEAD, NULL)          \
	_("aes128ccm12", AEAD, NULL) _("aes256ccm12", AEAD, NULL)          \
	_("aes128ccm8", AEAD, NULL) _("aes256ccm8", AEAD, NULL)            \
	_("chacha20poly1305", AEAD, NULL)                                  \
	_("3des", CIPHER, "3DES: 64-bit block, Sweet32")                   \
	_("des", CIPHER, "DES: 56-bit key, broken")                        \
	_("sha256", INTEG, NULL) _("sha384", INTEG, NULL)                  \
	_("sha512", INTEG, NULL) _("sha2_256", INTEG, NULL)                \
	_("sha2_384", INTEG, NULL) _("sha2_512", INTEG, NULL)              \
	_("sha1", INTEG, "SHA-1 is deprecated")                            \
	_("sha", INTEG, "SHA-1 is deprecated")                             \
	_("md5", INTEG, "MD5 is broken")                                   \
	_("aesxcbc", INTEG, NULL) _("aescmac", INTEG, NULL)                \
	_("prfsha256", PRF, NULL) _("prfsha384", PRF, NULL)                \
	_("prfsha512", PRF, NULL) _("prfaesxcbc", PRF, NULL)               \
	_("prfaescmac", PRF, NULL)                                         \
	_("prfsha1", PRF, "SHA-1 is deprecated")                           \
	_("prfmd5", PRF, "MD5 is broken")                                  \
	_("modp2048", DH, NULL) _("modp3072", DH, NULL)                    \
	_("modp4096", DH, NULL) _("modp6144", DH, NULL)                    \
	_("modp8192", DH, NULL) _("ecp256", DH, NULL) _("ecp384", DH, NULL) \
	_("ecp521", DH, NULL) _("curve25519", DH, NULL)                    \
	_("x25519", DH, NULL) _("curve448", DH, NULL) _("x448", DH, NULL)  \
	_("modp1536", DH, "a 1536-bit group is too small (RFC 8247)")      \
	_("modp1024", DH, "a 1024-bit group is too small (RFC 8247)")      \
	_("modp768", DH, "a 768-bit group is broken")                      \
	_("esn", ESN, NULL) _("noesn", ESN, NULL)

static const struct proposal_kw {
	const char *name;
	enum kw_kind kind;
	const char *weak;          /**< why it is weak; NULL if it is not */
} proposal_kws[] = {
#define _(name, kind, weak) { name, KW_##kind, weak },
	foreach_proposal_kw
#undef _
};

/* ESP transforms the data plane implements: AES-GCM with a 16-byte ICV,
 * ChaCha20-Poly1305, and AES-128/256-CBC with HMAC-SHA-256/384/512. */
static const char *const dataplane_aeads[] = {
	"aes128gcm16", "aes256gcm16", "aes128gcm", "aes256gcm",
	"aes128gcm128", "aes256gcm128", "chacha20poly1305",
};
static const char *const dataplane_cbc[] = { "aes128", "aes256" };
static const char *const dataplane_integ[] = {
	"sha256", "sha384", "sha512", "sha2_256", "sha2_384", "sha2_512",
};

static bool
in_list(const char *tok, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(tok, list[i]) == 0)
			return true;
	return false;
}

static const struct proposal_kw *
proposal_kw_find(const char *tok)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(proposal_kws); i++)
		if (strcmp(tok, proposal_kws[i].name) == 0)
			return &proposal_kws[i];
	return NULL;
}

static const char *
proposal_kw_near(const char *tok)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(proposal_kws); i++)
		if (cfg_edit_distance(tok, proposal_kws[i].name) <= 2)
			return proposal_kws[i].name;
	return NULL;
}

static bool
dataplane_aead(const char *tok)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(dataplane_aeads); i++)
		if (strcmp(tok, dataplane_aeads[i]) == 0)
			return true;
	return false;
}

/*
 * One proposal string, "aes256gcm16-prfsha384-ecp384": every token a known
 * keyword, then the rules lib/ike applies. Weak keywords are an error
 * unless allow_weak, then a warning. Copies it into dst when valid.
 */
static int
check_proposal(struct cfg_loader *ld, const config_setting_t *s, bool ike,
	       bool allow_weak, char dst[GW_CONN_PROPOSAL_LEN])
{
	unsigned count[KW_ESN + 1] = { 0 };
	char buf[GW_CONN_PROPOSAL_LEN];
	const char *str, *weak_tok = NULL, *weak_why = NULL;
	bool usable = false, cbc_ok = false, integ_ok = false;
	char *tok, *save;
	int rc = 0;

	if (cfg_string(ld, s, &str) < 0)
		return -1;
	if (strlen(str) >= sizeof(buf)) {
		cfg_error(ld, s, "proposal is too long (%zu characters at most)",
			  sizeof(buf) - 1);
		return -1;
	}
	if (ike && strcmp(str, "default") == 0) {
		memcpy(dst, str, strlen(str) + 1);
		return 0;
	}
	if (str[0] == '\0' || str[0] == '-' || str[strlen(str) - 1] == '-' ||
	    strstr(str, "--") != NULL) {
		cfg_error(ld, s, "'%s' is not a proposal: keywords joined by single "
			  "'-', e.g. \"%s\"", str, ike ? "aes256gcm16-prfsha384-ecp384" :
			  "aes256gcm16-ecp384");
		return -1;
	}
	memcpy(buf, str, strlen(str) + 1);
	for (tok = strtok_r(buf, "-", &save); tok != NULL;
	     tok = strtok_r(NULL, "-", &save)) {
		const struct proposal_kw *kw = proposal_kw_find(tok);
		const char *near;

		if (kw == NULL) {
			near = proposal_kw_near(tok);
			if (near != NULL)
				cfg_error(ld, s, "unknown algorithm '%.32s' in proposal "
					  "'%s'; did you mean '%s'?", tok, str, near);
			else
				cfg_error(ld, s, "unknown algorithm '%.32s' in proposal "
					  "'%s'", tok, str);
			rc = -1;
			continue;
		}
		count[kw->kind]++;
		if (kw->kind == KW_AEAD && dataplane_aead(tok))
			usable = true;
		if (in_list(tok, dataplane_cbc, GW_ARRAY_SIZE(dataplane_cbc)))
			cbc_ok = true;
		if (in_list(tok, dataplane_integ, GW_ARRAY_SIZE(dataplane_integ)))
			integ_ok = true;
		if (kw->weak != NULL && weak_tok == NULL) {
			weak_tok = kw->name;
			weak_why = kw->weak;
		}
	}
	if (rc < 0)
		return -1;
	if (count[KW_AEAD] + count[KW_CIPHER] == 0) {
		cfg_error(ld, s, "proposal '%s' has no encryption algorithm", str);
		return -1;
	}
	if (count[KW_AEAD] > 0 && count[KW_CIPHER] > 0) {
		cfg_error(ld, s, "proposal '%s' mixes AEAD and non-AEAD ciphers; use "
			  "separate proposals", str);
		return -1;
	}
	if (count[KW_AEAD] > 0 && count[KW_INTEG] > 0) {
		cfg_error(ld, s, "proposal '%s': an AEAD cipher takes no integrity "
			  "algorithm", str);
		return -1;
	}
	if (ike) {
		if (count[KW_ESN] > 0) {
			cfg_error(ld, s, "esn/noesn in IKE proposal '%s' (ESP only)", str);
			return -1;
		}
		if (count[KW_CIPHER] > 0 && count[KW_INTEG] == 0) {
			cfg_error(ld, s, "IKE proposal '%s' needs an integrity "
				  "algorithm, e.g. sha256", str);
			return -1;
		}
		if (count[KW_AEAD] > 0 && count[KW_PRF] == 0) {
			cfg_error(ld, s, "IKE proposal '%s' needs a PRF with an AEAD "
				  "cipher, e.g. prfsha384", str);
			return -1;
		}
		if (count[KW_DH] == 0) {
			cfg_error(ld, s, "IKE proposal '%s' needs a DH group, e.g. "
				  "ecp384 or curve25519", str);
			return -1;
		}
	} else {
		if (count[KW_PRF] > 0) {
			cfg_error(ld, s, "PRF in ESP proposal '%s' (IKE only)", str);
			return -1;
		}
		if (!usable && !(cbc_ok && integ_ok)) {
			cfg_error(ld, s, "ESP proposal '%s': the data plane implements "
				  "aes128gcm16, aes256gcm16, chacha20poly1305 and "
				  "aes128/aes256 with sha256/sha384/sha512", str);
			return -1;
		}
	}
	if (weak_tok != NULL && !allow_weak) {
		cfg_error(ld, s, "weak algorithm '%s' in proposal '%s' (%s); set "
			  "allow_weak = true to accept it", weak_tok, str, weak_why);
		return -1;
	}
	if (weak_tok != NULL)
		cfg_warn(ld, s, "weak algorithm '%s' in proposal '%s' (%s) accepted "
			 "because allow_weak = true", weak_tok, str, weak_why);
	memcpy(dst, str, strlen(str) + 1);
	return 0;
}

static void
parse_proposals(struct cfg_loader *ld, const config_setting_t *s, bool ike,
		bool allow_weak, char dst[][GW_CONN_PROPOSAL_LEN], unsigned *n_out)
{
	const config_setting_t *elems[GW_CONN_MAX_PROPOSALS];
	int n = cfg_strings(ld, s, elems, GW_CONN_MAX_PROPOSALS);

	if (n == 0)
		cfg_error(ld, s, "needs at least one proposal, e.g. \"%s\"",
			  ike ? "aes256gcm16-prfsha384-ecp384" : "aes256gcm16-ecp384");
	for (int i = 0; i < n; i++)
		if (check_proposal(ld, elems[i], ike, allow_weak, dst[*n_out]) == 0)
			(*n_out)++;
}

/* ---- identities --------------------------------------------------------- */

const char *
gw_id_type_name(enum gw_id_type type)
{
	switch (type) {
	case GW_ID_ANY:
		return "any";
	case GW_ID_IPV4:
		return "ipv4";
	case GW_ID_IPV6:
		return "ipv6";
	case GW_ID_FQDN:
		return "fqdn";
	case GW_ID_USER_FQDN:
		return "user_fqdn";
	case GW_ID_DN:
		return "dn";
	case GW_ID_KEY_ID:
		return "key_id";
	}
	return "?";
}

/* RFC 1123 host name: labels of letters, digits and inner '-'. */
static bool
fqdn_valid(const char *s)
{
	size_t label = 0;

	if (*s == '\0' || strlen(s) > 253)
		return false;
	for (const char *p = s; ; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0 || label > 63 || p[-1] == '-')
				return false;
			if (*p == '\0')
				return true;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && !(*p == '-' && label > 0))
			return false;
		label++;
	}
}

/*
 * The type as strongSwan guesses it from the text: an address, "keyid:",
 * a DN (an '=' in "C=..., CN=..."), a user FQDN ('@'), else an FQDN.
 * Returns NULL or what is wrong.
 */
static const char *
id_parse(const char *str, bool allow_any, struct gw_cfg_id *id)
{
	const char *at;

	memset(id, 0, sizeof(*id));
	if (strlen(str) >= sizeof(id->str))
		return "identity is too long";
	memcpy(id->str, str, strlen(str) + 1);
	if (str[0] == '\0')
		return "identity must not be empty";
	if (strcmp(str, "%any") == 0) {
		id->type = GW_ID_ANY;
		return allow_any ? NULL : "%any is not an identity this end can "
			"claim; give its FQDN, address or DN";
	}
	if (gw_addr_parse(str, &id->addr) == 0) {
		id->type = id->addr.family == GW_AF_INET ? GW_ID_IPV4 : GW_ID_IPV6;
		return NULL;
	}
	if (strncmp(str, "keyid:", 6) == 0) {
		id->type = GW_ID_KEY_ID;
		return str[6] != '\0' ? NULL : "keyid: needs a value, e.g. "
			"keyid:#0123abcd";
	}
	if (strchr(str, '=') != NULL) {
		id->type = GW_ID_DN;
		/* "C=CH, O=Org, CN=gw": RDNs as type=value, ',' or '/' separated. */
		if (str[0] == '=' || strstr(str, ",=") != NULL ||
		    strstr(str, ", =") != NULL || str[strlen(str) - 1] == '=' ||
		    str[strlen(str) - 1] == ',')
			return "not a distinguished name like \"C=CH, O=Org, CN=gw\"";
		return NULL;
	}
	at = strchr(str, '@');
	if (at != NULL) {
		id->type = GW_ID_USER_FQDN;
		/* strongSwan's "@host" forces an FQDN; "@#hex" a KEY_ID. */
		if (at == str && str[1] == '#') {
			id->type = GW_ID_KEY_ID;
			return str[2] != '\0' ? NULL : "@# needs hex digits";
		}
		if (at == str) {
			id->type = GW_ID_FQDN;
			return fqdn_valid(str + 1) ? NULL : "not a host name after '@'";
		}
		if (strchr(at + 1, '@') != NULL || at[1] == '\0' ||
		    strchr(str, ' ') != NULL)
			return "not an email-style identity like user@example.com";
		return NULL;
	}
	id->type = GW_ID_FQDN;
	if (isdigit((unsigned char)str[0]) && strspn(str, "0123456789.") == strlen(str))
		return "neither an IPv4 address nor a host name";
	if (strchr(str, ':') != NULL)
		return "neither an IPv6 address nor a host name";
	return fqdn_valid(str) ? NULL : "not a host name (letters, digits, '-' "
		"and '.'), address, email, DN or keyid:";
}

static bool
addr_equal(const struct gw_addr *a, const struct gw_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == GW_AF_INET)
		return a->v4 == b->v4;
	return memcmp(a->v6, b->v6, sizeof(a->v6)) == 0;
}

static bool
id_equal(const struct gw_cfg_id *a, const struct gw_cfg_id *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case GW_ID_IPV4:
	case GW_ID_IPV6:
		return addr_equal(&a->addr, &b->addr);
	case GW_ID_FQDN:
	case GW_ID_USER_FQDN:
		return strcasecmp(a->str, b->str) == 0;
	default:
		return strcmp(a->str, b->str) == 0;
	}
}

/* ---- files ---------------------------------------------------------------- */

/*
 * A relative certificate or key path is taken from the configuration
 * file's directory, as @include is; the stored path is the one opened.
 */
static int
parse_file(struct cfg_loader *ld, const config_setting_t *s, char *dst)
{
	const char *str, *slash = strrchr(ld->cfg->path, '/');
	struct stat st;
	int n;

	if (cfg_string(ld, s, &str) < 0)
		return -1;
	if (str[0] == '\0') {
		cfg_error(ld, s, "path must not be empty");
		return -1;
	}
	if (str[0] == '/' || slash == NULL)
		n = snprintf(dst, GW_CONN_PATH_LEN, "%s", str);
	else
		n = snprintf(dst, GW_CONN_PATH_LEN, "%.*s/%s",
			     (int)(slash - ld->cfg->path), ld->cfg->path, str);
	if (n < 0 || n >= GW_CONN_PATH_LEN) {
		cfg_error(ld, s, "path is too long (%d characters at most)",
			  GW_CONN_PATH_LEN - 1);
		dst[0] = '\0';
		return -1;
	}
	if (stat(dst, &st) != 0) {
		cfg_error(ld, s, "'%.128s': file not found (%s)", str,
			  strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		cfg_error(ld, s, "'%.128s' is not a regular file", str);
		return -1;
	}
	return 0;
}

static void
parse_files(struct cfg_loader *ld, const config_setting_t *s,
	    char dst[][GW_CONN_PATH_LEN], unsigned *n_out)
{
	const config_setting_t *elems[GW_CONN_MAX_CERTS];
	int n = cfg_strings(ld, s, elems, GW_CONN_MAX_CERTS);

	if (n == 0)
		cfg_error(ld, s, "needs at least one file");
	for (int i = 0; i < n; i++)
		if (parse_file(ld, elems[i], dst[*n_out]) == 0)
			(*n_out)++;
}

/* ---- connections ---------------------------------------------------------- */

static void
parse_auth(struct cfg_loader *ld, const config_setting_t *s, bool local,
	   struct gw_cfg_auth *a)
{
	const config_setting_t *m, *auth;
	const char *str, *why;
	bool auth_ok = false;
	int e;

	if (cfg_want_group(ld, s) < 0)
		return;
	a->line = cfg_line(s);
	cfg_check_keys(ld, s, auth_keys);
	/* Unreadable: neither method, so no PSK check piles onto the error. */
	a->auth = (enum gw_ike_auth)-1;
	auth = cfg_member(ld, s, "auth", true);
	if (auth != NULL && cfg_enum(ld, auth, auth_names, &e) == 0) {
		a->auth = e;
		auth_ok = true;
	}
	m = cfg_member(ld, s, "id", false);
	if (m != NULL && cfg_string(ld, m, &str) == 0) {
		why = id_parse(str, !local, &a->id);
		if (why != NULL)
			cfg_error(ld, m, "'%.64s': %s", str, why);
		else
			a->id_set = true;
	}
	if ((m = cfg_member(ld, s, "certs", false)) != NULL)
		parse_files(ld, m, a->certs, &a->n_certs);
	if ((m = cfg_member(ld, s, "key", false)) != NULL) {
		if (!local)
			cfg_error(ld, m, "a private key belongs to the local end");
		else
			parse_file(ld, m, a->key);
	}
	if ((m = cfg_member(ld, s, "cacerts", false)) != NULL)
		parse_files(ld, m, a->cacerts, &a->n_cacerts);
	if (!auth_ok)
		return;
	if (a->auth == GW_AUTH_PSK) {
		m = cfg_member(ld, s, "certs", false);
		if (m == NULL)
			m = cfg_member(ld, s, "cacerts", false);
		if (m == NULL)
			m = cfg_member(ld, s, "key", false);
		if (m != NULL)
			cfg_warn(ld, m, "ignored with auth = \"psk\"");
		return;
	}
	if (local && cfg_member(ld, s, "certs", false) == NULL)
		cfg_error(ld, auth, "auth = \"pubkey\" needs certs: the local "
			  "certificate to send");
	else if (local && cfg_member(ld, s, "key", false) == NULL)
		cfg_error(ld, auth, "auth = \"pubkey\" needs key: the private key "
			  "of the local certificate");
	else if (!local && cfg_member(ld, s, "cacerts", false) == NULL &&
		 cfg_member(ld, s, "certs", false) == NULL)
		cfg_error(ld, auth, "auth = \"pubkey\" needs cacerts (the CA that "
			  "signs the peer's certificate) or certs (the peer's own)");
}

static int
parse_addr_list(struct cfg_loader *ld, const config_setting_t *s, bool allow_any,
		struct gw_addr addrs[], unsigned *n_out, bool *any)
{
	const config_setting_t *elems[GW_CONN_MAX_ADDRS];
	int n = cfg_strings(ld, s, elems, GW_CONN_MAX_ADDRS);

	if (n == 0) {
		cfg_error(ld, s, "needs at least one address%s",
			  allow_any ? " (or \"%any\")" : "");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const char *str = config_setting_get_string(elems[i]);

		if (allow_any && strcmp(str, "%any") == 0) {
			if (n > 1) {
				cfg_error(ld, elems[i], "\"%%any\" stands alone: it "
					  "already covers every address");
				return -1;
			}
			*any = true;
			continue;
		}
		if (cfg_addr(ld, elems[i], &addrs[*n_out]) < 0)
			continue;
		for (unsigned k = 0; k < *n_out; k++)
			if (addr_equal(&addrs[k], &addrs[*n_out]))
				cfg_error(ld, elems[i], "address is listed twice");
		(*n_out)++;
	}
	return n < 0 ? -1 : 0;
}

static bool
port_owns(const struct gw_cfg *cfg, const struct gw_addr *a)
{
	for (unsigned i = 0; i < cfg->n_ports; i++)
		for (unsigned k = 0; k < cfg->ports[i].n_addrs; k++)
			if (addr_equal(&cfg->ports[i].addrs[k].addr, a))
				return true;
	return false;
}

static void
parse_conn_addrs(struct cfg_loader *ld, const config_setting_t *s,
		 struct gw_cfg_conn *c)
{
	const config_setting_t *local, *remote;
	char buf[GW_ADDR_STRLEN];
	bool dummy = false;

	local = cfg_member(ld, s, "local_addrs", true);
	if (local != NULL &&
	    parse_addr_list(ld, local, false, c->local_addrs, &c->n_local_addrs,
			    &dummy) == 0 && ld->ports_ok) {
		for (unsigned i = 0; i < c->n_local_addrs; i++)
			if (!port_owns(ld->cfg, &c->local_addrs[i]))
				cfg_warn(ld, local, "%s is not an address of any port; "
					 "IKE cannot be sent from it",
					 gw_addr_format(&c->local_addrs[i], buf,
							sizeof(buf)));
	}
	remote = cfg_member(ld, s, "remote_addrs", true);
	if (remote == NULL ||
	    parse_addr_list(ld, remote, true, c->remote_addrs, &c->n_remote_addrs,
			    &c->remote_any) < 0)
		return;
	for (unsigned i = 0; i < c->n_remote_addrs; i++)
		for (unsigned k = 0; k < c->n_local_addrs; k++)
			if (addr_equal(&c->remote_addrs[i], &c->local_addrs[k]))
				cfg_error(ld, remote, "%s is also in local_addrs; a "
					  "peer is another host",
					  gw_addr_format(&c->remote_addrs[i], buf,
							 sizeof(buf)));
}

static int
parse_u32(struct cfg_loader *ld, const config_setting_t *group,
	  const char *key, uint64_t max, uint32_t *out, bool *set)
{
	const config_setting_t *m = cfg_member(ld, group, key, false);
	uint64_t v;

	if (set != NULL)
		*set = false;
	if (m == NULL || cfg_uint(ld, m, 0, max, &v) < 0)
		return -1;
	*out = (uint32_t)v;
	if (set != NULL)
		*set = true;
	return 0;
}

/* "tcp", "17", "" (any). */
static int
ts_proto(const char *s, uint8_t *proto)
{
	char *end;
	unsigned long v;

	if (*s == '\0') {
		*proto = 0;
		return 0;
	}
	for (const struct cfg_enum *e = proto_names; e->name != NULL; e++) {
		if (strcmp(s, e->name) == 0) {
			*proto = (uint8_t)e->value;
			return 0;
		}
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || errno != 0 || v > UINT8_MAX)
		return -1;
	*proto = (uint8_t)v;
	return 0;
}

/* "80", "1024-65535", "%any", "" (any). */
static int
ts_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	unsigned long a, b;
	char *end;

	if (*s == '\0' || strcmp(s, "%any") == 0) {
		*lo = 0;
		*hi = UINT16_MAX;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	a = strtoul(s, &end, 10);
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

/* strongSwan's "10.1.0.0/24[tcp/80]": a prefix, then [proto] or [proto/port]. */
static int
parse_ts(struct cfg_loader *ld, const config_setting_t *s, struct gw_ts *ts)
{
	char pfx[GW_ADDR_STRLEN], sel[48] = "";
	const char *str, *br, *slash;
	size_t len;

	if (cfg_string(ld, s, &str) < 0)
		return -1;
	memset(ts, 0, sizeof(*ts));
	ts->port_hi = UINT16_MAX;
	br = strchr(str, '[');
	len = br != NULL ? (size_t)(br - str) : strlen(str);
	if (len == 0 || len >= sizeof(pfx)) {
		cfg_error(ld, s, "'%.64s' is not a prefix like \"10.1.0.0/24\" or "
			  "\"10.1.0.0/24[tcp/80]\"", str);
		return -1;
	}
	memcpy(pfx, str, len);
	pfx[len] = '\0';
	if (gw_prefix_parse(pfx, &ts->prefix) < 0) {
		if (strcmp(pfx, "dynamic") == 0)
			cfg_error(ld, s, "\"dynamic\" selectors are not supported "
				  "yet; write the prefix");
		else
			cfg_error(ld, s, "'%.64s': '%s' is not a prefix with zero "
				  "host bits, e.g. \"10.1.0.0/24\"", str, pfx);
		return -1;
	}
	if (br == NULL)
		return 0;
	len = strlen(br + 1);
	if (len == 0 || br[len] != ']' || len - 1 >= sizeof(sel)) {
		cfg_error(ld, s, "'%.64s': a selector's protocol/port is written "
			  "[proto] or [proto/port], e.g. [tcp/80]", str);
		return -1;
	}
	memcpy(sel, br + 1, len - 1);
	sel[len - 1] = '\0';
	slash = strchr(sel, '/');
	if (slash != NULL)
		sel[slash - sel] = '\0';
	if (ts_proto(sel, &ts->proto) < 0) {
		cfg_error(ld, s, "'%.64s': protocol '%s' is not tcp, udp, sctp, "
			  "icmp, icmpv6 or a number 0..255", str, sel);
		return -1;
	}
	if (slash == NULL)
		return 0;
	if (ts_ports(sel + (slash - sel) + 1, &ts->port_lo, &ts->port_hi) < 0) {
		cfg_error(ld, s, "'%.64s': port '%s' is not N, N-M (N <= M <= "
			  "65535) or %%any", str, sel + (slash - sel) + 1);
		return -1;
	}
	if ((ts->port_lo != 0 || ts->port_hi != UINT16_MAX) &&
	    ts->proto != PROTO_TCP && ts->proto != PROTO_UDP &&
	    ts->proto != PROTO_SCTP) {
		cfg_error(ld, s, "'%.64s': ports need protocol tcp, udp or sctp", str);
		return -1;
	}
	return 0;
}

static void
parse_ts_list(struct cfg_loader *ld, const config_setting_t *group,
	      const char *key, struct gw_ts ts[], unsigned *n_ts)
{
	const config_setting_t *elems[GW_MAX_TS];
	const config_setting_t *s = cfg_member(ld, group, key, true);
	int n;

	if (s == NULL)
		return;
	n = cfg_strings(ld, s, elems, GW_MAX_TS);
	if (n == 0)
		cfg_error(ld, s, "needs at least one selector (\"0.0.0.0/0\" for any)");
	for (int i = 0; i < n; i++)
		if (parse_ts(ld, elems[i], &ts[*n_ts]) == 0)
			(*n_ts)++;
}

/* A child is named alone by the CLI and the control socket. */
static const struct gw_cfg_conn *
child_name_taken(const struct gw_cfg *cfg, const struct gw_cfg_child *ch,
		 const struct gw_cfg_child **other)
{
	for (unsigned k = 0; k < cfg->n_conns; k++)
		for (unsigned i = 0; i < cfg->conns[k].n_children; i++) {
			*other = &cfg->conns[k].children[i];
			if (*other != ch && strcmp((*other)->name, ch->name) == 0)
				return &cfg->conns[k];
		}
	return NULL;
}

static bool
ts_has_family(const struct gw_ts ts[], unsigned n, uint8_t family)
{
	for (unsigned i = 0; i < n; i++)
		if (ts[i].prefix.addr.family == family)
			return true;
	return false;
}

/* Each family on one side needs the same family on the other. */
static void
check_ts_families(struct cfg_loader *ld, const config_setting_t *s,
		  const struct gw_cfg_child *ch)
{
	static const uint8_t families[] = { GW_AF_INET, GW_AF_INET6 };

	for (size_t i = 0; i < GW_ARRAY_SIZE(families); i++) {
		bool l = ts_has_family(ch->local_ts, ch->n_local_ts, families[i]);
		bool r = ts_has_family(ch->remote_ts, ch->n_remote_ts, families[i]);

		if (l != r)
			cfg_error(ld, s, "%s has %s selectors but %s has none: they "
				  "would never match", l ? "local_ts" : "remote_ts",
				  cfg_family_name(families[i]),
				  l ? "remote_ts" : "local_ts");
	}
}

static void
parse_child_lifetimes(struct cfg_loader *ld, const config_setting_t *s,
		      struct gw_cfg_child *ch)
{
	const config_setting_t *m;
	bool life_set, rand_set;
	uint64_t v;

	ch->rekey_time = CHILD_REKEY_DEFAULT;
	parse_u32(ld, s, "rekey_time", TIME_MAX, &ch->rekey_time, NULL);
	parse_u32(ld, s, "life_time", TIME_MAX, &ch->life_time, &life_set);
	parse_u32(ld, s, "rand_time", TIME_MAX, &ch->rand_time, &rand_set);
	/* 0 is written to turn a limit off; only two set limits can clash. */
	if (life_set && ch->life_time != 0 && ch->rekey_time != 0 &&
	    ch->rekey_time >= ch->life_time)
		cfg_error(ld, cfg_member(ld, s, "life_time", false), "life_time %u "
			  "must be longer than rekey_time %u: the CHILD_SA would "
			  "expire before it is rekeyed", ch->life_time, ch->rekey_time);
	if (!life_set)
		ch->life_time = (uint32_t)((uint64_t)ch->rekey_time * 11 / 10);
	if (!rand_set && ch->life_time > ch->rekey_time)
		ch->rand_time = ch->life_time - ch->rekey_time;
	if ((m = cfg_member(ld, s, "life_bytes", false)) != NULL &&
	    cfg_uint(ld, m, 0, UINT64_MAX >> 1, &v) == 0)
		ch->life_bytes = v;
	if ((m = cfg_member(ld, s, "life_packets", false)) != NULL &&
	    cfg_uint(ld, m, 0, UINT64_MAX >> 1, &v) == 0)
		ch->life_packets = v;
}

static void
parse_child(struct cfg_loader *ld, const config_setting_t *s,
	    struct gw_cfg_conn *c)
{
	struct gw_cfg_child *ch = &c->children[c->n_children];
	const struct gw_cfg_child *other;
	const struct gw_cfg_conn *owner;
	const config_setting_t *m;
	uint64_t v;
	int e;

	ch->line = cfg_line(s);
	if (cfg_want_group(ld, s) < 0 ||
	    cfg_copy_name(ld, s, config_setting_name(s), ch->name,
			  sizeof(ch->name)) < 0)
		return;
	c->n_children++;
	cfg_check_keys(ld, s, child_keys);
	owner = child_name_taken(ld->cfg, ch, &other);
	if (owner != NULL)
		cfg_error(ld, s, "child name '%s' is already used in connection "
			  "'%s' (line %d); child names must be unique", ch->name,
			  owner->name, other->line);
	parse_ts_list(ld, s, "local_ts", ch->local_ts, &ch->n_local_ts);
	parse_ts_list(ld, s, "remote_ts", ch->remote_ts, &ch->n_remote_ts);
	if (ch->n_local_ts > 0 && ch->n_remote_ts > 0)
		check_ts_families(ld, s, ch);
	if ((m = cfg_member(ld, s, "esp_proposals", false)) != NULL)
		parse_proposals(ld, m, false, c->allow_weak, ch->esp_proposals,
				&ch->n_esp_proposals);
	parse_child_lifetimes(ld, s, ch);

	ch->start_action = GW_START_NONE;
	if ((m = cfg_member(ld, s, "start_action", false)) != NULL &&
	    cfg_enum(ld, m, start_names, &e) == 0)
		ch->start_action = e;
	ch->mode = GW_MODE_TUNNEL;
	if ((m = cfg_member(ld, s, "mode", false)) != NULL &&
	    cfg_enum(ld, m, mode_names, &e) == 0) {
		ch->mode = e;
		if (ch->mode == GW_MODE_TRANSPORT)
			cfg_error(ld, m, "transport mode is not supported yet; use "
				  "\"tunnel\"");
	}
	ch->dpd_action = c->dpd_action;
	if ((m = cfg_member(ld, s, "dpd_action", false)) != NULL &&
	    cfg_enum(ld, m, dpd_names, &e) == 0)
		ch->dpd_action = e;
	ch->close_action = GW_CLOSE_NONE;
	if ((m = cfg_member(ld, s, "close_action", false)) != NULL &&
	    cfg_enum(ld, m, close_names, &e) == 0)
		ch->close_action = e;
	ch->replay_window = GW_REPLAY_DEFAULT;
	if ((m = cfg_member(ld, s, "replay_window", false)) != NULL &&
	    cfg_uint(ld, m, 0, UINT32_MAX, &v) == 0) {
		if (v != 0 && (v < REPLAY_MIN || v > GW_REPLAY_MAX))
			cfg_error(ld, m, "replay_window %llu is out of range: use 0 "
				  "(anti-replay off) or %d..%d",
				  (unsigned long long)v, REPLAY_MIN, GW_REPLAY_MAX);
		else
			ch->replay_window = (uint32_t)v;
	}
}

static void
parse_children(struct cfg_loader *ld, const config_setting_t *s,
	       struct gw_cfg_conn *c)
{
	int n;

	if (cfg_want_group(ld, s) < 0)
		return;
	n = config_setting_length(s);
	if (n == 0) {
		cfg_error(ld, s, "a connection needs at least one child to carry "
			  "traffic");
		return;
	}
	c->children = calloc(n, sizeof(c->children[0]));
	if (c->children == NULL) {
		cfg_error(ld, s, "out of memory");
		return;
	}
	for (int i = 0; i < n; i++)
		parse_child(ld, config_setting_get_elem(s, i), c);
}

static void
parse_conn_timers(struct cfg_loader *ld, const config_setting_t *s,
		  struct gw_cfg_conn *c)
{
	const config_setting_t *m;
	bool over_set, rand_set, delay_set, timeout_set;
	int e;

	c->rekey_time = IKE_REKEY_DEFAULT;
	parse_u32(ld, s, "rekey_time", TIME_MAX, &c->rekey_time, NULL);
	parse_u32(ld, s, "over_time", TIME_MAX, &c->over_time, &over_set);
	if (!over_set)
		c->over_time = c->rekey_time / 10;
	parse_u32(ld, s, "rand_time", TIME_MAX, &c->rand_time, &rand_set);
	if (!rand_set)
		c->rand_time = c->over_time;
	parse_u32(ld, s, "reauth_time", TIME_MAX, &c->reauth_time, NULL);
	parse_u32(ld, s, "dpd_delay", TIME_MAX, &c->dpd_delay, &delay_set);
	parse_u32(ld, s, "dpd_timeout", TIME_MAX, &c->dpd_timeout, &timeout_set);
	parse_u32(ld, s, "keep_alive", TIME_MAX, &c->keep_alive, NULL);
	m = cfg_member(ld, s, "dpd_timeout", false);
	if (delay_set && timeout_set && c->dpd_delay > 0 && c->dpd_timeout > 0 &&
	    c->dpd_timeout <= c->dpd_delay)
		cfg_error(ld, m, "dpd_timeout %u must be longer than dpd_delay %u",
			  c->dpd_timeout, c->dpd_delay);
	else if (timeout_set && c->dpd_timeout > 0 && (!delay_set || c->dpd_delay == 0))
		cfg_warn(ld, m, "has no effect without dpd_delay");
	c->dpd_action = GW_DPD_CLEAR;
	if ((m = cfg_member(ld, s, "dpd_action", false)) != NULL &&
	    cfg_enum(ld, m, dpd_names, &e) == 0)
		c->dpd_action = e;
}

static void
parse_conn(struct cfg_loader *ld, const config_setting_t *s)
{
	struct gw_cfg *cfg = ld->cfg;
	struct gw_cfg_conn *c = &cfg->conns[cfg->n_conns];
	const config_setting_t *m;
	uint64_t v;
	int e;

	c->line = cfg_line(s);
	if (cfg_want_group(ld, s) < 0 ||
	    cfg_copy_name(ld, s, config_setting_name(s), c->name,
			  sizeof(c->name)) < 0)
		return;
	cfg->n_conns++;
	cfg_check_keys(ld, s, conn_keys);

	c->version = 2;
	if ((m = cfg_member(ld, s, "version", false)) != NULL &&
	    cfg_uint(ld, m, 0, UINT32_MAX, &v) == 0) {
		if (v == 1)
			cfg_warn(ld, m, "IKEv1 is not implemented yet: this "
				 "connection will not be started");
		else if (v != 2)
			cfg_error(ld, m, "version %llu is not an IKE version; use 2 "
				  "(IKEv2)", (unsigned long long)v);
		c->version = (unsigned)v;
	}
	parse_conn_addrs(ld, s, c);
	c->local_port = c->remote_port = IKE_PORT_DEFAULT;
	if ((m = cfg_member(ld, s, "local_port", false)) != NULL &&
	    cfg_uint(ld, m, 1, UINT16_MAX, &v) == 0)
		c->local_port = (uint16_t)v;
	if ((m = cfg_member(ld, s, "remote_port", false)) != NULL &&
	    cfg_uint(ld, m, 1, UINT16_MAX, &v) == 0)
		c->remote_port = (uint16_t)v;

	/* Before the proposals: it decides whether weak ones are refused. */
	if ((m = cfg_member(ld, s, "allow_weak", false)) != NULL)
		cfg_bool(ld, m, &c->allow_weak);
	if ((m = cfg_member(ld, s, "proposals", true)) != NULL)
		parse_proposals(ld, m, true, c->allow_weak, c->proposals,
				&c->n_proposals);

	if ((m = cfg_member(ld, s, "local", true)) != NULL)
		parse_auth(ld, m, true, &c->local);
	if ((m = cfg_member(ld, s, "remote", true)) != NULL)
		parse_auth(ld, m, false, &c->remote);
	/* strongSwan's defaults: our first address; any peer that authenticates. */
	if (!c->local.id_set && c->n_local_addrs > 0) {
		c->local.id.type = c->local_addrs[0].family == GW_AF_INET ?
			GW_ID_IPV4 : GW_ID_IPV6;
		c->local.id.addr = c->local_addrs[0];
		gw_addr_format(&c->local_addrs[0], c->local.id.str,
			       sizeof(c->local.id.str));
	}
	if (!c->remote.id_set) {
		c->remote.id.type = GW_ID_ANY;
		snprintf(c->remote.id.str, sizeof(c->remote.id.str), "%%any");
	}

	parse_conn_timers(ld, s, c);
	if ((m = cfg_member(ld, s, "encap", false)) != NULL)
		cfg_bool(ld, m, &c->encap);
	if ((m = cfg_member(ld, s, "mobike", false)) != NULL &&
	    cfg_bool(ld, m, &c->mobike) == 0 && c->mobike)
		cfg_warn(ld, m, "MOBIKE is not implemented yet; the connection "
			 "runs without it");
	c->keyingtries = 1;
	if ((m = cfg_member(ld, s, "keyingtries", false)) != NULL &&
	    cfg_uint(ld, m, 0, KEYINGTRIES_MAX, &v) == 0)
		c->keyingtries = (unsigned)v;
	c->unique = GW_UNIQUE_NO;
	if ((m = cfg_member(ld, s, "unique", false)) != NULL &&
	    cfg_enum(ld, m, unique_names, &e) == 0)
		c->unique = e;
	if ((m = cfg_member(ld, s, "children", true)) != NULL)
		parse_children(ld, m, c);
}

static void
parse_connections(struct cfg_loader *ld, const config_setting_t *s)
{
	int n;

	if (cfg_want_group(ld, s) < 0)
		return;
	n = config_setting_length(s);
	if (n == 0)
		return;
	ld->cfg->conns = calloc(n, sizeof(ld->cfg->conns[0]));
	if (ld->cfg->conns == NULL) {
		cfg_error(ld, s, "out of memory");
		return;
	}
	for (int i = 0; i < n; i++)
		parse_conn(ld, config_setting_get_elem(s, i));
}

/* ---- secrets -------------------------------------------------------------- */

/*
 * "0x<hex>" or plain text. Only lengths reach a finding; libconfig's copy
 * of the string is wiped whatever happens.
 */
static void
parse_secret_value(struct cfg_loader *ld, const config_setting_t *s,
		   struct gw_cfg_secret *sec)
{
	const char *str;
	size_t len;
	int n;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cfg_error(ld, s, "secret must be a quoted string: text, or hex "
			  "as \"0x...\"");
		return;
	}
	str = config_setting_get_string(s);
	len = strlen(str);
	if (str[0] == '0' && (str[1] == 'x' || str[1] == 'X')) {
		n = gw_hex_decode(str, sec->secret, sizeof(sec->secret));
		if (n < 0 && (len - 2) / 2 > sizeof(sec->secret))
			cfg_error(ld, s, "secret is longer than %zu bytes",
				  sizeof(sec->secret));
		else if (n < 0)
			cfg_error(ld, s, "secret starts with 0x but is not hex (pairs "
				  "of digits 0-9a-f, optionally ':'-separated)");
		else if (n == 0)
			cfg_error(ld, s, "secret must not be empty");
		else
			sec->secret_len = (unsigned)n;
	} else if (str[0] == '0' && (str[1] == 's' || str[1] == 'S')) {
		cfg_error(ld, s, "base64 secrets (0s...) are not supported; write "
			  "hex as \"0x...\" or text");
	} else if (len == 0) {
		cfg_error(ld, s, "secret must not be empty");
	} else if (len > sizeof(sec->secret)) {
		cfg_error(ld, s, "secret is %zu bytes; %zu at most", len,
			  sizeof(sec->secret));
	} else {
		memcpy(sec->secret, str, len);
		sec->secret_len = (unsigned)len;
	}
	gw_wipe((char *)(uintptr_t)str, len);
}

static void
parse_secret(struct cfg_loader *ld, const config_setting_t *s)
{
	const config_setting_t *elems[GW_SECRET_MAX_IDS];
	struct gw_cfg *cfg = ld->cfg;
	struct gw_cfg_secret *sec = &cfg->secrets[cfg->n_secrets];
	const config_setting_t *m;
	int n;

	/* Counted at once so that gw_cfg_free wipes whatever gets written. */
	cfg->n_secrets++;
	sec->line = cfg_line(s);
	if (cfg_want_group(ld, s) < 0 ||
	    cfg_copy_name(ld, s, config_setting_name(s), sec->name,
			  sizeof(sec->name)) < 0)
		return;
	cfg_check_keys(ld, s, secret_keys);
	if ((m = cfg_member(ld, s, "secret", true)) != NULL)
		parse_secret_value(ld, m, sec);
	m = cfg_member(ld, s, "id", false);
	n = m != NULL ? cfg_strings(ld, m, elems, GW_SECRET_MAX_IDS) : 0;
	for (int i = 0; i < n; i++) {
		const char *str = config_setting_get_string(elems[i]);
		struct gw_cfg_id *id = &sec->ids[sec->n_ids];
		const char *why = id_parse(str, true, id);

		if (why != NULL) {
			cfg_error(ld, elems[i], "'%.64s': %s", str, why);
			continue;
		}
		for (unsigned k = 0; k < sec->n_ids; k++)
			if (id_equal(&sec->ids[k], id))
				cfg_error(ld, elems[i], "identity '%.64s' is listed "
					  "twice", str);
		sec->n_ids++;
	}
}

static void
parse_secrets(struct cfg_loader *ld, const config_setting_t *s)
{
	int n;

	if (cfg_want_group(ld, s) < 0)
		return;
	n = config_setting_length(s);
	if (n == 0)
		return;
	ld->cfg->secrets = calloc(n, sizeof(ld->cfg->secrets[0]));
	if (ld->cfg->secrets == NULL) {
		cfg_error(ld, s, "out of memory");
		return;
	}
	for (int i = 0; i < n; i++)
		parse_secret(ld, config_setting_get_elem(s, i));
}

/* ---- cross checks ------------------------------------------------------- */

/* %any on either side matches: the peer's real id is known only at run time. */
static bool
secret_has_id(const struct gw_cfg_secret *sec, const struct gw_cfg_id *id)
{
	if (id->type == GW_ID_ANY)
		return true;
	for (unsigned i = 0; i < sec->n_ids; i++)
		if (sec->ids[i].type == GW_ID_ANY || id_equal(&sec->ids[i], id))
			return true;
	return false;
}

const struct gw_cfg_secret *
gw_cfg_conn_secret(const struct gw_cfg *cfg, const struct gw_cfg_conn *conn)
{
	const struct gw_cfg_secret *named = NULL;

	for (unsigned i = 0; i < cfg->n_secrets; i++) {
		const struct gw_cfg_secret *sec = &cfg->secrets[i];

		if (sec->secret_len == 0)
			continue;
		if (sec->n_ids > 0 && secret_has_id(sec, &conn->local.id) &&
		    secret_has_id(sec, &conn->remote.id))
			return sec;
		if (named == NULL && strcmp(sec->name, conn->name) == 0)
			named = sec;
	}
	return named;
}

const struct gw_cfg_conn *
gw_cfg_conn_by_name(const struct gw_cfg *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_conns; i++)
		if (strcmp(cfg->conns[i].name, name) == 0)
			return &cfg->conns[i];
	return NULL;
}

static const config_setting_t *
conn_setting(const config_setting_t *conns, const struct gw_cfg_conn *c)
{
	return conns != NULL ? config_setting_get_member(conns, c->name) : NULL;
}

static bool
addrs_overlap(const struct gw_cfg_conn *a, const struct gw_cfg_conn *b)
{
	if (a->remote_any || b->remote_any)
		return a->remote_any && b->remote_any;
	for (unsigned i = 0; i < a->n_remote_addrs; i++)
		for (unsigned k = 0; k < b->n_remote_addrs; k++)
			if (addr_equal(&a->remote_addrs[i], &b->remote_addrs[k]))
				return true;
	return false;
}

static void
check_conns(struct cfg_loader *ld, const config_setting_t *conns,
	    bool secrets_ok)
{
	const struct gw_cfg *cfg = ld->cfg;

	for (unsigned i = 0; i < cfg->n_conns; i++) {
		const struct gw_cfg_conn *c = &cfg->conns[i];
		const config_setting_t *s = conn_setting(conns, c);
		bool psk = c->local.auth == GW_AUTH_PSK ||
			   c->remote.auth == GW_AUTH_PSK;

		if (s == NULL)
			continue;
		/* A missing group or unreadable secret was reported already. */
		if (psk && secrets_ok && c->local.line > 0 && c->remote.line > 0 &&
		    gw_cfg_conn_secret(cfg, c) == NULL)
			cfg_error(ld, s, "auth = \"psk\" but no secret covers ids "
				  "'%.64s' and '%.64s' (nor is one named '%s'); add "
				  "secrets.%s = { id = [...]; secret = ...; }",
				  c->local.id.str, c->remote.id.str, c->name, c->name);
		/* A responder could not tell which one an IKE_SA belongs to. */
		for (unsigned k = 0; k < i; k++) {
			const struct gw_cfg_conn *o = &cfg->conns[k];

			if (o->remote.line == 0 || c->remote.line == 0 ||
			    !addrs_overlap(o, c) || !id_equal(&o->local.id, &c->local.id) ||
			    !id_equal(&o->remote.id, &c->remote.id))
				continue;
			cfg_error(ld, s, "same peer (remote_addrs and ids) as "
				  "connection '%s' (line %d); merge their children "
				  "into one connection", o->name, o->line);
			break;
		}
	}
}

/* A secret no connection can find is likely a misspelt name or id. */
static void
check_secrets(struct cfg_loader *ld, const config_setting_t *secrets)
{
	const struct gw_cfg *cfg = ld->cfg;

	for (unsigned i = 0; i < cfg->n_secrets; i++) {
		const struct gw_cfg_secret *sec = &cfg->secrets[i];
		unsigned k;

		if (sec->secret_len == 0)
			continue;
		for (k = 0; k < cfg->n_conns; k++)
			if (gw_cfg_conn_secret(cfg, &cfg->conns[k]) == sec)
				break;
		if (k == cfg->n_conns && sec->n_ids == 0)
			cfg_warn(ld, config_setting_get_member(secrets, sec->name),
				 "no id and no connection named '%s': this secret "
				 "is never used", sec->name);
	}
}

void
cfg_parse_ike(struct cfg_loader *ld, const config_setting_t *conns,
	      const config_setting_t *secrets)
{
	unsigned errors = ld->diag->errors;
	bool secrets_ok;

	if (secrets != NULL)
		parse_secrets(ld, secrets);
	secrets_ok = ld->diag->errors == errors;
	if (conns != NULL)
		parse_connections(ld, conns);
	check_conns(ld, conns, secrets_ok);
	if (secrets != NULL && config_setting_is_group(secrets))
		check_secrets(ld, secrets);
}

void
cfg_free_ike(struct gw_cfg *cfg)
{
	for (unsigned i = 0; i < cfg->n_conns; i++)
		free(cfg->conns[i].children);
	free(cfg->conns);
	if (cfg->secrets != NULL)
		gw_wipe(cfg->secrets, cfg->n_secrets * sizeof(cfg->secrets[0]));
	free(cfg->secrets);
	cfg->conns = NULL;
	cfg->secrets = NULL;
	cfg->n_conns = cfg->n_secrets = 0;
}
