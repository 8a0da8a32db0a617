/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gw_cfg_review: a valid configuration measured against today's baseline
 * (AES-GCM, SHA-2, DH >= 14; DES, 3DES, MD5, SHA-1, DH 1/2/5 are weak).
 * Algorithms below the baseline are already load errors; what is left are
 * choices that work but weaken the result, one line each.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "gw_cfg.h"

enum {
	REPLAY_RECOMMENDED = 64,   /**< RFC 4303 3.4.3: 64 packets at least */
	PSK_MIN_LEN = 20,          /**< below this a PSK falls to offline guessing */
};

static bool
prefix_covers(const struct gw_prefix *a, const struct gw_prefix *b)
{
	return a->addr.family == b->addr.family && a->len <= b->len &&
	       gw_prefix_contains(a, &b->addr);
}

/* True when every packet b selects is also selected by a. */
static bool
ts_covers(const struct gw_ts *a, const struct gw_ts *b)
{
	return prefix_covers(&a->prefix, &b->prefix) &&
	       (a->proto == 0 || a->proto == b->proto) &&
	       a->port_lo <= b->port_lo && a->port_hi >= b->port_hi;
}

static bool
prefix_in(const struct gw_prefix *p, const struct gw_prefix set[], unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (prefix_covers(&set[i], p))
			return true;
	return false;
}

/* A key a person typed rather than one a CSPRNG made; NULL if none seen. */
static const char *
key_pattern(const uint8_t *k, unsigned len, unsigned *period)
{
	unsigned i, p;

	if (len == 0)
		return NULL;
	for (i = 1; i < len && k[i] == (uint8_t)(k[0] + i); i++)
		;
	if (i == len)
		return "a counting sequence (a test pattern?)";
	for (p = 1; p <= len / 2; p++) {
		for (i = p; i < len && k[i] == k[i - p]; i++)
			;
		if (i == len)
			break;
	}
	*period = p;
	if (p == 1)
		return k[0] == 0 ? "all zeros" : "one repeated byte";
	return p <= len / 2 ? "a repeating pattern" : NULL;
}

static void
review_sa(const struct gw_cfg *cfg, const struct gw_cfg_sa *sa,
	  struct gw_diag *diag)
{
	const char *pattern;
	unsigned period = 0, i;

	if (sa->dir == GW_DIR_IN && sa->replay_window == 0)
		gw_diag_add(diag, GW_DIAG_WARNING, sa->line, "sas.%s: replay_window "
			    "= 0 turns anti-replay off: replayed packets are accepted",
			    sa->name);
	else if (sa->dir == GW_DIR_IN && sa->replay_window < REPLAY_RECOMMENDED)
		gw_diag_add(diag, GW_DIAG_WARNING, sa->line, "sas.%s: replay_window "
			    "%u is small: packets reordered further are dropped; %d "
			    "or more is recommended", sa->name, sa->replay_window,
			    REPLAY_RECOMMENDED);
	if (!sa->esn)
		gw_diag_add(diag, GW_DIAG_WARNING, sa->line, "sas.%s: esn = false: "
			    "32-bit sequence numbers; the SA must be rekeyed before "
			    "2^32 packets (7 minutes at 10 Mpps)", sa->name);
	if (sa->alg == GW_ALG_AES128GCM16)
		gw_diag_add(diag, GW_DIAG_NOTE, sa->line, "sas.%s: aes128gcm16 is "
			    "acceptable; aes256gcm16 is recommended (CNSA 2.0)",
			    sa->name);
	pattern = key_pattern(sa->key, sa->key_len, &period);
	if (pattern != NULL && period > 1 && period <= sa->key_len / 2u)
		gw_diag_add(diag, GW_DIAG_WARNING, sa->line, "sas.%s: key is %s of "
			    "%u bytes; generate keys with a CSPRNG (openssl rand "
			    "-hex %u)", sa->name, pattern, period,
			    sa->key_len + GW_SALT_LEN);
	else if (pattern != NULL)
		gw_diag_add(diag, GW_DIAG_WARNING, sa->line, "sas.%s: key is %s; "
			    "generate keys with a CSPRNG (openssl rand -hex %u)",
			    sa->name, pattern, sa->key_len + GW_SALT_LEN);
	if (sa->dir != GW_DIR_OUT || (sa->n_local_ts > 0 && sa->n_remote_ts > 0))
		return;
	for (i = 0; i < cfg->n_policies; i++)
		if (cfg->policies[i].action == GW_ACT_PROTECT &&
		    strcmp(cfg->policies[i].sa, sa->name) == 0)
			return;
	gw_diag_add(diag, GW_DIAG_WARNING, sa->line, "sas.%s: no selectors and no "
		    "protect policy: nothing is sent through this outbound SA",
		    sa->name);
}

/*
 * An outbound SA's selector pairs are protect entries placed after every
 * policy: one a policy already covers never matches, unless that policy
 * sends the traffic into the same SA anyway.
 */
static void
review_sa_selectors(const struct gw_cfg *cfg, const struct gw_cfg_sa *sa,
		    struct gw_diag *diag)
{
	char l[GW_ADDR_STRLEN], r[GW_ADDR_STRLEN];

	if (sa->dir != GW_DIR_OUT)
		return;
	for (unsigned a = 0; a < sa->n_local_ts; a++) {
		for (unsigned b = 0; b < sa->n_remote_ts; b++) {
			struct gw_ts lt = { .prefix = sa->local_ts[a], .port_hi = UINT16_MAX };
			struct gw_ts rt = { .prefix = sa->remote_ts[b], .port_hi = UINT16_MAX };

			for (unsigned i = 0; i < cfg->n_policies; i++) {
				const struct gw_cfg_policy *p = &cfg->policies[i];

				if (!ts_covers(&p->local_ts, &lt) ||
				    !ts_covers(&p->remote_ts, &rt))
					continue;
				if (p->action != GW_ACT_PROTECT ||
				    strcmp(p->sa, sa->name) != 0)
					gw_diag_add(diag, GW_DIAG_WARNING, sa->line,
						    "sas.%s: selector %s <-> %s never "
						    "matches: policy '%s' (line %d) covers "
						    "it first", sa->name,
						    gw_prefix_format(&lt.prefix, l, sizeof(l)),
						    gw_prefix_format(&rt.prefix, r, sizeof(r)),
						    p->name, p->line);
				break;
			}
		}
	}
}

/* One key in two SAs: GCM nonces (salt + sequence number) can repeat. */
static void
review_shared_keys(const struct gw_cfg *cfg, struct gw_diag *diag)
{
	for (unsigned j = 1; j < cfg->n_sas; j++) {
		const struct gw_cfg_sa *b = &cfg->sas[j];

		for (unsigned i = 0; i < j; i++) {
			const struct gw_cfg_sa *a = &cfg->sas[i];

			if (a->key_len != b->key_len || b->key_len == 0 ||
			    gw_ct_memcmp(a->key, b->key, b->key_len) != 0)
				continue;
			gw_diag_add(diag, GW_DIAG_WARNING, b->line, "sas.%s: same key "
				    "as SA '%s' (line %d): AES-GCM nonces can repeat "
				    "across them; give every SA its own key", b->name,
				    a->name, a->line);
			break;
		}
	}
}

static void
review_policies(const struct gw_cfg *cfg, struct gw_diag *diag)
{
	char buf[GW_ADDR_STRLEN];

	for (unsigned j = 0; j < cfg->n_policies; j++) {
		const struct gw_cfg_policy *p = &cfg->policies[j];
		const struct gw_cfg_sa *sa;

		for (unsigned i = 0; i < j; i++) {
			const struct gw_cfg_policy *o = &cfg->policies[i];

			if (!ts_covers(&o->local_ts, &p->local_ts) ||
			    !ts_covers(&o->remote_ts, &p->remote_ts))
				continue;
			gw_diag_add(diag, GW_DIAG_WARNING, p->line, "policies: '%s' "
				    "never matches: '%s' (line %d) comes first and "
				    "covers all its traffic", p->name, o->name, o->line);
			break;
		}
		if (p->action != GW_ACT_PROTECT)
			continue;
		sa = gw_cfg_sa_by_name(cfg, p->sa);
		if (sa == NULL)
			continue;
		/* An SA without selectors takes whatever its policies send. */
		if (sa->n_local_ts == 0 || sa->n_remote_ts == 0)
			continue;
		if (!prefix_in(&p->local_ts.prefix, sa->local_ts, sa->n_local_ts))
			gw_diag_add(diag, GW_DIAG_WARNING, p->line, "policies: '%s' "
				    "sends %s through SA '%s', whose local_ts does not "
				    "cover it; the peer will drop it", p->name,
				    gw_prefix_format(&p->local_ts.prefix, buf, sizeof(buf)),
				    sa->name);
		else if (!prefix_in(&p->remote_ts.prefix, sa->remote_ts,
				    sa->n_remote_ts))
			gw_diag_add(diag, GW_DIAG_WARNING, p->line, "policies: '%s' "
				    "sends to %s through SA '%s', whose remote_ts does "
				    "not cover it; the peer will drop it", p->name,
				    gw_prefix_format(&p->remote_ts.prefix, buf, sizeof(buf)),
				    sa->name);
	}
}

/* Anyone who can write the directory can bind the socket's name first. */
static void
review_control_socket(const struct gw_cfg *cfg, struct gw_diag *diag)
{
	char dir[sizeof(cfg->control_socket)];
	const char *slash = strrchr(cfg->control_socket, '/');
	struct stat st;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s",
			 slash == cfg->control_socket ? 1 :
			 (int)(slash - cfg->control_socket), cfg->control_socket);
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & S_IWOTH))
		gw_diag_add(diag, GW_DIAG_WARNING, cfg->control_line, "control.socket: "
			    "%s is world-writable: another user could take the "
			    "socket's name; use a root-only directory such as "
			    "/run/ipsecgw", dir);
}

static bool
is_dh_token(const char *tok, size_t len)
{
	static const char *const prefixes[] = { "modp", "ecp", "curve", "x25519",
						"x448" };

	for (size_t i = 0; i < GW_ARRAY_SIZE(prefixes); i++)
		if (len >= strlen(prefixes[i]) &&
		    strncmp(tok, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/*
 * Counts the DH groups of a proposal ("aes256gcm16-prfsha384-ecp384"):
 * all of them, and those that are modp2048.
 */
static void
proposal_dh(const char *prop, unsigned *n_dh, unsigned *n_modp2048)
{
	const char *tok = prop;

	while (*tok != '\0') {
		size_t len = strcspn(tok, "-");

		if (is_dh_token(tok, len)) {
			(*n_dh)++;
			if (len == 8 && strncmp(tok, "modp2048", 8) == 0)
				(*n_modp2048)++;
		}
		tok += len;
		if (*tok == '-')
			tok++;
	}
}

static void
review_child(const struct gw_cfg_conn *c, const struct gw_cfg_child *ch,
	     struct gw_diag *diag)
{
	unsigned with_dh = 0;

	for (unsigned i = 0; i < ch->n_esp_proposals; i++) {
		unsigned n_dh = 0, n_modp = 0;

		proposal_dh(ch->esp_proposals[i], &n_dh, &n_modp);
		with_dh += n_dh > 0;
	}
	if (ch->n_esp_proposals == 0 || with_dh < ch->n_esp_proposals)
		gw_diag_add(diag, GW_DIAG_NOTE, ch->line, "connections.%s.children.%s: "
			    "%s without a DH group: CHILD_SA rekeys have no perfect "
			    "forward secrecy; add one, e.g. \"aes256gcm16-ecp384\"",
			    c->name, ch->name, ch->n_esp_proposals == 0 ?
			    "default esp_proposals" : "an esp_proposal");
	if (ch->replay_window == 0)
		gw_diag_add(diag, GW_DIAG_WARNING, ch->line, "connections.%s.children.%s: "
			    "replay_window = 0 turns anti-replay off: replayed "
			    "packets are accepted", c->name, ch->name);
}

static void
review_conn(const struct gw_cfg *cfg, const struct gw_cfg_conn *c,
	    struct gw_diag *diag)
{
	unsigned n_dh = 0, n_modp = 0;

	(void)cfg;
	if (c->allow_weak)
		gw_diag_add(diag, GW_DIAG_WARNING, c->line, "connections.%s: "
			    "allow_weak = true: proposals with broken or deprecated "
			    "algorithms are accepted", c->name);
	if (c->dpd_delay == 0)
		gw_diag_add(diag, GW_DIAG_WARNING, c->line, "connections.%s: "
			    "dpd_delay = 0: a dead peer is noticed only at the next "
			    "rekey; traffic is dropped until then (try dpd_delay = 30)",
			    c->name);
	for (unsigned i = 0; i < c->n_proposals; i++)
		proposal_dh(c->proposals[i], &n_dh, &n_modp);
	if (n_dh > 0 && n_dh == n_modp)
		gw_diag_add(diag, GW_DIAG_NOTE, c->line, "connections.%s: modp2048 is "
			    "the only DH group in proposals; ecp256/ecp384 or "
			    "curve25519 are much faster and as strong or stronger",
			    c->name);
	for (unsigned i = 0; i < c->n_children; i++)
		review_child(c, &c->children[i], diag);
}

/* Lengths only: a finding never quotes a secret. */
static void
review_secrets(const struct gw_cfg *cfg, struct gw_diag *diag)
{
	for (unsigned i = 0; i < cfg->n_secrets; i++) {
		const struct gw_cfg_secret *sec = &cfg->secrets[i];

		if (sec->secret_len > 0 && sec->secret_len < PSK_MIN_LEN)
			gw_diag_add(diag, GW_DIAG_WARNING, sec->line, "secrets.%s: weak "
				    "PSK: %u bytes can be guessed offline from one "
				    "captured handshake; use %d or more random bytes "
				    "(openssl rand -hex 32)", sec->name, sec->secret_len,
				    PSK_MIN_LEN);
	}
}

void
gw_cfg_review(const struct gw_cfg *cfg, struct gw_diag *diag)
{
	for (unsigned i = 0; i < cfg->n_sas; i++) {
		review_sa(cfg, &cfg->sas[i], diag);
		review_sa_selectors(cfg, &cfg->sas[i], diag);
	}
	review_shared_keys(cfg, diag);
	review_policies(cfg, diag);
	if (cfg->spd_default == GW_ACT_BYPASS)
		gw_diag_add(diag, GW_DIAG_WARNING, cfg->spd_default_line,
			    "spd_default = \"bypass\": traffic no policy matches "
			    "passes in clear; \"discard\" is the safe default");
	if (cfg->lcores.idle == GW_IDLE_SLEEP)
		gw_diag_add(diag, GW_DIAG_NOTE, cfg->lcores.line, "lcores.idle = "
			    "\"sleep\" saves CPU but adds up to %u us latency after a "
			    "quiet spell; \"poll\" gives the lowest latency",
			    cfg->lcores.idle_sleep_us);
	review_control_socket(cfg, diag);
	for (unsigned i = 0; i < cfg->n_conns; i++)
		review_conn(cfg, &cfg->conns[i], diag);
	review_secrets(cfg, diag);
}
