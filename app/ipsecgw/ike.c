/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE on the control path: configured connections become IKEv2 engine
 * connections; IKE datagrams from the workers feed the engine; its
 * messages go out through worker 0; negotiated CHILD SAs become data-plane
 * SAs through the same SAD functions as manual ones (rings + QSBR).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "control.h"
#include "dataplane.h"
#include "gw_ike_pki.h"
#include "gw_log.h"
#include "ike.h"
#include "events.h"
#include "ike_io.h"
#include "trap.h"
#include "v2/gw_ikev2.h"

static struct gw_ikev2_engine *engine;

static void
ike_send(void *ctx, const struct gw_ikev2_endpoint *from,
	 const struct gw_ikev2_endpoint *to, const uint8_t *buf, size_t len)
{
	int rc = gw_ike_dgram_send(&from->addr, from->port, &to->addr, to->port, buf, len);

	(void)ctx;
	if (rc != GW_IKE_IO_OK)
		GW_DEBUG("IKE: not sent (%s); the engine retransmits", gw_ike_io_strerror(rc));
}

/* Negotiated selectors as data-plane prefixes; a range that is not a
 * prefix is not representable yet and refuses the child. */
static int
ts_to_prefixes(const struct gw_ike_ts *ts, size_t n, struct gw_prefix *out, unsigned *n_out)
{
	*n_out = 0;
	for (size_t i = 0; i < n && i < GW_MAX_TS; i++) {
		char buf[64];

		gw_ikev2_ts_format(&ts[i], buf, sizeof(buf));
		if (gw_prefix_parse(buf, &out[*n_out]) != 0)
			return -1;
		(*n_out)++;
	}
	return 0;
}

/* One direction of a negotiated CHILD SA as the data plane's SA config. */
static int
child_to_cfg(const struct gw_ikev2_child *c, bool inbound, struct gw_cfg_sa *s)
{
	const struct gw_ike_esp_keys *k = inbound ? &c->in : &c->out;

	memset(s, 0, sizeof(*s));
	switch (c->encr) {
	case GW_IKE_ENCR_AES_GCM_16:
		if (k->salt_len != GW_SALT_LEN ||
		    (c->encr_key_bits != 128 && c->encr_key_bits != 256))
			return -ENOTSUP;
		s->alg = c->encr_key_bits == 128 ? GW_ALG_AES128GCM16
						 : GW_ALG_AES256GCM16;
		break;
	case GW_IKE_ENCR_CHACHA20_POLY1305:
		if (k->salt_len != GW_SALT_LEN || k->enc_key_len != 32)
			return -ENOTSUP;
		s->alg = GW_ALG_CHACHA20POLY1305;
		break;
	case GW_IKE_ENCR_AES_CBC: {
		/* [key bits 128/256][integ SHA-256/384/512] */
		static const enum gw_esp_alg cbc[2][3] = {
			{ GW_ALG_AES128CBC_SHA256, GW_ALG_AES128CBC_SHA384,
			  GW_ALG_AES128CBC_SHA512 },
			{ GW_ALG_AES256CBC_SHA256, GW_ALG_AES256CBC_SHA384,
			  GW_ALG_AES256CBC_SHA512 },
		};
		int h;

		switch (c->integ) {
		case GW_IKE_INTEG_HMAC_SHA2_256_128:
			h = 0;
			break;
		case GW_IKE_INTEG_HMAC_SHA2_384_192:
			h = 1;
			break;
		case GW_IKE_INTEG_HMAC_SHA2_512_256:
			h = 2;
			break;
		default:
			return -ENOTSUP;
		}
		if ((c->encr_key_bits != 128 && c->encr_key_bits != 256) ||
		    k->integ_key_len != 32 + 16 * h ||
		    k->integ_key_len > sizeof(s->integ_key))
			return -ENOTSUP;
		s->alg = cbc[c->encr_key_bits == 256][h];
		memcpy(s->integ_key, k->integ_key, k->integ_key_len);
		s->integ_key_len = k->integ_key_len;
		break;
	}
	default:
		return -ENOTSUP; /* not implemented by the data plane */
	}
	if (k->enc_key_len != gw_esp_alg_key_len(s->alg))
		return -ENOTSUP;
	snprintf(s->name, sizeof(s->name), "%s-%s-%08x", c->conn, inbound ? "in" : "out",
		 inbound ? c->spi_in : c->spi_out);
	s->dir = inbound ? GW_DIR_IN : GW_DIR_OUT;
	s->spi = inbound ? c->spi_in : c->spi_out;
	s->mode = GW_MODE_TUNNEL;
	s->local = c->local.addr;
	s->remote = c->remote.addr;
	s->key_len = k->enc_key_len;
	memcpy(s->key, k->enc_key, k->enc_key_len);
	if (k->salt_len == GW_SALT_LEN)
		memcpy(s->salt, k->salt, GW_SALT_LEN);
	s->udp_encap = c->encap;
	s->encap_sport = c->local.port;
	s->encap_dport = c->remote.port;
	s->esn = c->esn;
	s->replay_window = inbound ? GW_REPLAY_DEFAULT : 0;
	/* selectors from our point of view */
	if (ts_to_prefixes(c->local_ts, c->n_local_ts, s->local_ts, &s->n_local_ts) != 0 ||
	    ts_to_prefixes(c->remote_ts, c->n_remote_ts, s->remote_ts, &s->n_remote_ts) != 0)
		return -ENOTSUP;
	return 0;
}

static int
ike_install_child(void *ctx, const struct gw_ikev2_child *c)
{
	struct gw_cfg_sa in, out;
	struct gw_sa *sa_in = NULL;
	int rc;

	(void)ctx;
	rc = child_to_cfg(c, true, &in);
	if (rc == 0)
		rc = child_to_cfg(c, false, &out);
	if (rc != 0) {
		GW_ERR("IKE %s: CHILD SA not installed: %s", c->conn,
		       rc == -ENOTSUP ? "transform or selectors not supported by the data plane"
				      : "bad parameters");
		goto wipe;
	}
	/* inbound first: the peer may use it as soon as it has our response */
	rc = gw_control_sa_add(&in, &sa_in);
	if (rc == 0 && gw_control_sa_add(&out, NULL) != 0) {
		gw_control_sa_remove(sa_in);
		rc = -1;
	}
	if (rc == 0)
		rc = gw_control_spd_publish();
	if (rc == 0)
		GW_INFO("IKE %s: CHILD SA installed, SPIs in 0x%08x out 0x%08x%s", c->conn,
			c->spi_in, c->spi_out, c->encap ? ", UDP encapsulated" : "");
wipe:
	gw_wipe(&in, sizeof(in));
	gw_wipe(&out, sizeof(out));
	return rc == 0 ? 0 : -1;
}

static void
ike_delete_child(void *ctx, uint32_t spi_in, uint32_t spi_out)
{
	struct gw_sa *in = gw_control_sa_find(GW_DIR_IN, spi_in);
	struct gw_sa *out = gw_control_sa_find(GW_DIR_OUT, spi_out);

	(void)ctx;
	/* outbound first: stop sending on it, then stop accepting */
	if (out)
		gw_control_sa_remove(out);
	if (in)
		gw_control_sa_remove(in);
}

static void
ike_event(void *ctx, enum gw_ikev2_level level, const char *text)
{
	(void)ctx;
	gw_log(level == GW_IKEV2_ERROR ? GW_LOG_ERR :
	       level == GW_IKEV2_INFO ? GW_LOG_INFO : GW_LOG_DEBUG, "IKE %s", text);
}

/* SA events into the events log (`show events`). */
static void
ike_sa_event(void *ctx, const struct gw_ikev2_sa_event *ev)
{
	char detail[192];
	int n;

	(void)ctx;
	n = snprintf(detail, sizeof(detail), "IKE SA %u", ev->ike_sa_id);
	if (ev->spi_in)
		n += snprintf(detail + n, sizeof(detail) - (size_t)n,
			      ", SPIs 0x%08x in 0x%08x out", ev->spi_in, ev->spi_out);
	if (ev->type == GW_IKEV2_EV_CHILD_REKEYED)
		n += snprintf(detail + n, sizeof(detail) - (size_t)n, ", replaces 0x%08x",
			      ev->old_spi_in);
	else if (ev->type == GW_IKEV2_EV_IKE_REKEYED)
		n += snprintf(detail + n, sizeof(detail) - (size_t)n, ", replaces IKE SA %u",
			      ev->old_spi_in);
	if (ev->cause && n > 0 && (size_t)n < sizeof(detail))
		snprintf(detail + n, sizeof(detail) - (size_t)n, ": %s", ev->cause);
	gw_events_add(gw_ikev2_event_name(ev->type), ev->conn, ev->child, "%s", detail);
}

/* Volume lifetimes: the larger of a CHILD SA's inbound and outbound
 * counts (each SA of the pair has the limit, as in the kernel). */
static int
child_usage(void *ctx, uint32_t spi_in, uint32_t spi_out, uint64_t *bytes, uint64_t *packets)
{
	const struct gw_sa *in = gw_control_sa_find(GW_DIR_IN, spi_in);
	const struct gw_sa *out = gw_control_sa_find(GW_DIR_OUT, spi_out);
	uint64_t b[2] = { 0, 0 }, p[2] = { 0, 0 };

	(void)ctx;
	if (in == NULL && out == NULL)
		return -1;
	if (in) {
		b[0] = __atomic_load_n(&in->cnt.bytes, __ATOMIC_RELAXED);
		p[0] = __atomic_load_n(&in->cnt.packets, __ATOMIC_RELAXED);
	}
	if (out) {
		b[1] = __atomic_load_n(&out->cnt.bytes, __ATOMIC_RELAXED);
		p[1] = __atomic_load_n(&out->cnt.packets, __ATOMIC_RELAXED);
	}
	*bytes = b[0] > b[1] ? b[0] : b[1];
	*packets = p[0] > p[1] ? p[0] : p[1];
	return 0;
}

static int
ts_list(const struct gw_ts *in, unsigned n, struct gw_ike_ts *out, size_t *n_out)
{
	*n_out = 0;
	for (unsigned i = 0; i < n && i < GW_IKEV2_TS_MAX; i++) {
		char buf[GW_ADDR_STRLEN];

		gw_prefix_format(&in[i].prefix, buf, sizeof(buf));
		if (gw_ikev2_ts_parse(buf, &out[*n_out]) != 0)
			return -1;
		out[*n_out].ip_proto = in[i].proto;
		out[*n_out].start_port = in[i].port_lo;
		out[*n_out].end_port = in[i].port_hi ? in[i].port_hi : 65535;
		(*n_out)++;
	}
	return 0;
}

static int
proposals(char (*strs)[GW_CONN_PROPOSAL_LEN], unsigned n, uint8_t proto, bool weak,
	  struct gw_ike_proposal *out, size_t *n_out, const char *conn)
{
	char err[160];

	*n_out = 0;
	for (unsigned i = 0; i < n && *n_out < GW_IKE_PROP_MAX; i++) {
		if (gw_ike_proposal_parse(strs[i], proto, weak ? GW_IKE_PROP_ALLOW_WEAK : 0,
					  &out[*n_out], err, sizeof(err)) != 0) {
			GW_ERR("IKE %s: proposal '%s': %s", conn, strs[i], err);
			return -1;
		}
		(*n_out)++;
	}
	return 0;
}

/*
 * Certificates, keys and trusted CAs of the configured connections
 * (index: the connection's in cfg->conns), loaded once before the engine
 * starts and freed after it stops: the engine's conns point at them.
 */
static struct gw_ike_cred **creds;
static struct gw_ike_cas **trusted;
static unsigned n_creds;

void
gw_ike_credentials_free(void)
{
	for (unsigned i = 0; i < n_creds; i++) {
		gw_ike_cred_free(creds[i]);
		gw_ike_cas_free(trusted[i]);
	}
	free(creds);
	free(trusted);
	creds = NULL;
	trusted = NULL;
	n_creds = 0;
}

static int
credentials_of(const struct gw_cfg_conn *cc, unsigned i)
{
	const char *files[2 * GW_CONN_MAX_CERTS];
	char err[512], why[512];
	size_t n = 0;

	if (cc->local.auth == GW_AUTH_PUBKEY) {
		struct gw_ikev2_id id;

		for (unsigned k = 0; k < cc->local.n_certs; k++)
			files[n++] = cc->local.certs[k];
		if (gw_ike_cred_load(&creds[i], files, n, cc->local.key, err, sizeof(err)) != 0) {
			GW_ERR("IKE %s: local certificate: %s", cc->name, err);
			return -1;
		}
		if (cc->local.id_set && gw_ikev2_id_parse(cc->local.id.str, &id) == 0 &&
		    gw_ike_cred_has_id(creds[i], id.type, id.data, id.len, why, sizeof(why)) != 0)
			GW_WARN("IKE %s: local id '%s' is not in our certificate (%s): peers will refuse it",
				cc->name, cc->local.id.str, why);
	}
	if (cc->remote.auth == GW_AUTH_PUBKEY) {
		/* the peer's own certificate (remote certs) is trusted as is */
		n = 0;
		for (unsigned k = 0; k < cc->remote.n_cacerts; k++)
			files[n++] = cc->remote.cacerts[k];
		for (unsigned k = 0; k < cc->remote.n_certs; k++)
			files[n++] = cc->remote.certs[k];
		if (gw_ike_cas_load(&trusted[i], files, n, err, sizeof(err)) != 0) {
			GW_ERR("IKE %s: remote cacerts: %s", cc->name, err);
			return -1;
		}
	}
	return 0;
}

int
gw_ike_credentials_load(const struct gw_cfg *cfg)
{
	int rc = 0;

	gw_ike_credentials_free();
	if (cfg->n_conns == 0)
		return 0;
	creds = calloc(cfg->n_conns, sizeof(*creds));
	trusted = calloc(cfg->n_conns, sizeof(*trusted));
	if (!creds || !trusted) {
		gw_ike_credentials_free();
		return -1;
	}
	n_creds = cfg->n_conns;
	for (unsigned i = 0; i < cfg->n_conns; i++)
		if (credentials_of(&cfg->conns[i], i) != 0)
			rc = -1;
	return rc;
}

/* Authentication per side: PSK from secrets, or credentials_of()'s. */
static int
auth_from_cfg(const struct gw_cfg *cfg, const struct gw_cfg_conn *cc, struct gw_ikev2_conn *c)
{
	const struct gw_cfg_secret *sec = gw_cfg_conn_secret(cfg, cc);
	unsigned i = (unsigned)(cc - cfg->conns);

	c->local_auth = cc->local.auth == GW_AUTH_PUBKEY ? GW_IKEV2_AUTH_PUBKEY : GW_IKEV2_AUTH_PSK;
	c->remote_auth = cc->remote.auth == GW_AUTH_PUBKEY ? GW_IKEV2_AUTH_PUBKEY : GW_IKEV2_AUTH_PSK;
	if (i < n_creds) {
		c->cred = c->local_auth == GW_IKEV2_AUTH_PUBKEY ? creds[i] : NULL;
		c->cas = c->remote_auth == GW_IKEV2_AUTH_PUBKEY ? trusted[i] : NULL;
	}
	if ((c->local_auth == GW_IKEV2_AUTH_PUBKEY && !c->cred) ||
	    (c->remote_auth == GW_IKEV2_AUTH_PUBKEY && !c->cas)) {
		GW_ERR("IKE %s: certificates not loaded", cc->name);
		return -1;
	}
	/* Without an id a certificate speaks for itself: the engine sends
	 * its subject DN. */
	if ((cc->local.id_set || c->local_auth != GW_IKEV2_AUTH_PUBKEY) &&
	    gw_ikev2_id_parse(cc->local.id.str, &c->local_id) != 0) {
		GW_ERR("IKE %s: local id '%s' not understood", cc->name, cc->local.id.str);
		return -1;
	}
	if (strcmp(cc->remote.id.str, "%any") != 0 &&
	    gw_ikev2_id_parse(cc->remote.id.str, &c->remote_id) != 0) {
		GW_ERR("IKE %s: remote id '%s' not understood", cc->name, cc->remote.id.str);
		return -1;
	}
	c->send_remote_id = cc->remote.id_set;
	if (c->local_auth == GW_IKEV2_AUTH_PUBKEY && c->remote_auth == GW_IKEV2_AUTH_PUBKEY)
		return 0;
	if (sec == NULL || sec->secret_len > sizeof(c->psk)) {
		GW_ERR("IKE %s: no usable pre-shared key", cc->name);
		return -1;
	}
	memcpy(c->psk, sec->secret, sec->secret_len);
	c->psk_len = sec->secret_len;
	return 0;
}


/* Whether a child's SAs should be trapped: on load (start_action), or
 * after DPD or a close by the peer (the trap entry sits below the
 * CHILD SA's protect entries, so it may as well stay from the start). */
static bool
child_trapped(const struct gw_cfg_conn *cc, const struct gw_cfg_child *ch)
{
	return ch->start_action == GW_START_TRAP || ch->dpd_action == GW_DPD_TRAP ||
	       cc->dpd_action == GW_DPD_TRAP || ch->close_action == GW_CLOSE_TRAP;
}

/* Every child of a connection as an engine CHILD SA template (@p tpls has
 * room for GW_IKEV2_CHILD_CFG_MAX), its traps registered. */
static int
children_from_cfg(const struct gw_cfg_conn *cc, struct gw_ikev2_conn *c,
		  struct gw_ikev2_child_cfg *tpls)
{
	static char default_esp[1][GW_CONN_PROPOSAL_LEN] = { "aes256gcm16-ecp384" };

	if (cc->n_children > GW_IKEV2_CHILD_CFG_MAX) {
		GW_ERR("IKE %s: %u children, at most %d are supported", cc->name,
		       cc->n_children, GW_IKEV2_CHILD_CFG_MAX);
		return -1;
	}
	for (unsigned k = 0; k < cc->n_children; k++) {
		const struct gw_cfg_child *ch = &cc->children[k];
		struct gw_ikev2_child_cfg *t = &tpls[k];

		memset(t, 0, sizeof(*t));
		snprintf(t->name, sizeof(t->name), "%s", ch->name);
		if (proposals(ch->n_esp_proposals ? (char (*)[GW_CONN_PROPOSAL_LEN])ch->esp_proposals
						  : default_esp,
			      ch->n_esp_proposals ? ch->n_esp_proposals : 1, GW_IKE_PROTO_ESP,
			      cc->allow_weak, t->esp_proposals, &t->n_esp_proposals,
			      cc->name) != 0)
			return -1;
		if (ts_list(ch->local_ts, ch->n_local_ts, t->local_ts, &t->n_local_ts) != 0 ||
		    ts_list(ch->remote_ts, ch->n_remote_ts, t->remote_ts, &t->n_remote_ts) != 0) {
			GW_ERR("IKE %s: child %s: traffic selectors not understood", cc->name,
			       ch->name);
			return -1;
		}
		/* the engine rekeys at these (time less jitter, volume at
		 * 85-90%) and deletes at 1.1x the time or the full volume */
		t->lifetime_s = ch->rekey_time;
		t->lifetime_bytes = ch->life_bytes;
		t->lifetime_packets = ch->life_packets;
		t->start_action = ch->start_action == GW_START_START ? GW_IKEV2_START_START :
				  ch->start_action == GW_START_TRAP ? GW_IKEV2_START_TRAP :
				  GW_IKEV2_START_NONE;
		if (child_trapped(cc, ch) &&
		    gw_trap_add(cc->name, ch->name, ch->local_ts, ch->n_local_ts,
				ch->remote_ts, ch->n_remote_ts) != 0) {
			GW_ERR("IKE %s: child %s: cannot trap its selectors (IPv4 only)",
			       cc->name, ch->name);
			return -1;
		}
	}
	c->children = tpls;
	c->n_children = cc->n_children;
	return 0;
}

/* A configured connection (with its children) as an engine connection. */
static int
conn_from_cfg(const struct gw_cfg *cfg, const struct gw_cfg_conn *cc, struct gw_ikev2_conn *c,
	      struct gw_ikev2_child_cfg *tpls)
{
	static char default_ike[1][GW_CONN_PROPOSAL_LEN] = { "aes256gcm16-prfsha384-ecp384" };

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", cc->name);
	if (cc->n_local_addrs)
		c->local.addr = cc->local_addrs[0];
	c->local.port = cc->local_port;
	if (!cc->remote_any && cc->n_remote_addrs)
		c->remote.addr = cc->remote_addrs[0];
	c->remote.port = cc->remote_port;
	if (proposals(cc->n_proposals ? (char (*)[GW_CONN_PROPOSAL_LEN])cc->proposals : default_ike,
		      cc->n_proposals ? cc->n_proposals : 1, GW_IKE_PROTO_IKE, cc->allow_weak,
		      c->proposals, &c->n_proposals, cc->name) != 0 ||
	    children_from_cfg(cc, c, tpls) != 0)
		return -1;
	if (auth_from_cfg(cfg, cc, c) != 0)
		return -1;
	c->tunnel = true;
	c->allow_weak = cc->allow_weak;
	c->force_encap = cc->encap;
	/* the engine rekeys at these (minus jitter) and deletes at 1.1x */
	c->ike_lifetime_s = cc->rekey_time;
	c->ike_hard_lifetime_s = cc->rekey_time ? cc->rekey_time + cc->over_time : 0;
	c->dpd_delay_s = cc->dpd_delay;
	c->dpd_timeout_s = cc->dpd_timeout;
	/* swanctl: keyingtries = 0 keeps trying */
	c->keyingtries = cc->keyingtries ? cc->keyingtries : GW_IKEV2_KEYINGTRIES_FOREVER;
	c->dpd_action = cc->dpd_action == GW_DPD_RESTART ? GW_IKEV2_DPD_RESTART :
			cc->dpd_action == GW_DPD_TRAP ? GW_IKEV2_DPD_TRAP : GW_IKEV2_DPD_CLEAR;
	c->keepalive_s = cc->keep_alive;
	return 0;
}

int
gw_ike_start(void)
{
	static const struct gw_ikev2_io io = {
		.send = ike_send,
		.install_child = ike_install_child,
		.delete_child = ike_delete_child,
		.event = ike_event,
		.sa_event = ike_sa_event,
	};
	const struct gw_cfg *cfg = &gw_control.cfg;
	struct gw_ikev2_conn *conns;
	struct gw_ikev2_child_cfg *tpls;
	unsigned n = 0;

	if (cfg->n_conns == 0)
		return 0;
	if (gw_ike_credentials_load(cfg) != 0)
		return -1;
	conns = calloc(cfg->n_conns, sizeof(*conns));
	/* the engine copies the templates: only needed until it is made */
	tpls = calloc((size_t)cfg->n_conns * GW_IKEV2_CHILD_CFG_MAX, sizeof(*tpls));
	if (conns == NULL || tpls == NULL) {
		free(conns);
		free(tpls);
		return -1;
	}
	for (unsigned i = 0; i < cfg->n_conns; i++) {
		if (cfg->conns[i].version != 2) {
			GW_WARN("IKE %s: IKEv1 is not implemented yet; skipped", cfg->conns[i].name);
			continue;
		}
		if (conn_from_cfg(cfg, &cfg->conns[i], &conns[n],
				  &tpls[(size_t)n * GW_IKEV2_CHILD_CFG_MAX]) != 0) {
			gw_wipe(conns, cfg->n_conns * sizeof(*conns));
			free(conns);
			free(tpls);
			return -1;
		}
		n++;
	}
	engine = gw_ikev2_engine_new(&io, NULL, conns, n);
	gw_wipe(conns, cfg->n_conns * sizeof(*conns));
	free(conns);
	free(tpls);
	if (engine == NULL)
		return -1;
	/* trap policies join the SPD once the workers can find their flags */
	if (gw_traps_ready() != 0 || (gw_trap_spd_count() && gw_control_spd_publish() != 0)) {
		GW_ERR("IKE: cannot install the trap policies");
		return -1;
	}
	gw_ikev2_set_limits(engine, &(struct gw_ikev2_limits){
		.cookie_threshold = cfg->ike_cookie_threshold,
		.half_open_max = cfg->ike_half_open_max,
	});
	/* Debug events cost a parse and a format per message: only when shown. */
	gw_ikev2_set_log_level(engine, gw_log_get_level() >= GW_LOG_DEBUG ?
			       GW_IKEV2_DEBUG : GW_IKEV2_INFO);
	GW_INFO("IKEv2: %u connection(s) loaded", n);
	return 0;
}

void
gw_ike_initiate_configured(void)
{
	const struct gw_cfg *cfg = &gw_control.cfg;

	/* the engine's clock first: deadlines are set from it, and before the
	 * first tick it reads 0 (the first retransmit would follow at once) */
	if (engine)
		gw_ikev2_tick(engine, gw_now_ns() / 1000000);
	for (unsigned i = 0; engine && i < cfg->n_conns; i++) {
		const struct gw_cfg_conn *cc = &cfg->conns[i];

		bool start = false;

		for (unsigned k = 0; k < cc->n_children; k++)
			start |= cc->children[k].start_action == GW_START_START;
		/* the engine brings up every child with start_action start */
		if (cc->version == 2 && start)
			gw_ikev2_initiate(engine, cc->name);
	}
}

void
gw_ike_input(struct rte_mbuf *m)
{
	struct gw_ike_dgram d;
	struct gw_ikev2_endpoint from, to;

	int rc = gw_ike_dgram_parse(m, &d);

	if (rc == GW_IKE_IO_KEEPALIVE) {
		gw_control.stats.natt_keepalives_in++; /* its only job was the NAT's */
		return;
	}
	if (rc != GW_IKE_IO_OK) {
		gw_control.stats.ike_malformed++;
		return;
	}
	if (engine == NULL) {
		gw_control.stats.ike_unhandled++;
		return;
	}
	from.addr = d.src;
	from.port = d.sport;
	to.addr = d.dst;
	to.port = d.dport;
	gw_control.stats.ike_in++;
	gw_ikev2_input(engine, &from, &to, d.msg, d.len);
}

void
gw_ike_tick(uint64_t now_ms)
{
	static uint64_t last_ms;

	/* A tick walks every IKE SA; its deadlines are seconds apart, so
	 * 10 ms steps lose nothing and keep tens of thousands of SAs cheap
	 * on a loop that wakes every millisecond. */
	static uint64_t last_usage_ms;

	if (engine && now_ms - last_ms >= 10) {
		last_ms = now_ms;
		gw_ikev2_tick(engine, now_ms);
	}
	/* volume lifetimes: a walk over the children with a limit, reading
	 * two counters each; 100 ms lets a 10 Gbit/s flow overshoot a soft
	 * limit by 125 MB at most, which the 10-15% margin absorbs */
	if (engine && now_ms - last_usage_ms >= 100) {
		last_usage_ms = now_ms;
		gw_ikev2_poll_usage(engine, child_usage, NULL);
	}
	gw_trap_tick(now_ms);
}

/* The connection a CHILD SA template of that name belongs to (names are
 * unique across connections), NULL when it names none. */
static const char *
child_owner(const char *child)
{
	const struct gw_cfg *cfg = &gw_control.cfg;

	for (unsigned i = 0; i < cfg->n_conns; i++)
		for (unsigned k = 0; k < cfg->conns[i].n_children; k++)
			if (strcmp(cfg->conns[i].children[k].name, child) == 0 &&
			    strcmp(cfg->conns[i].name, child) != 0)
				return cfg->conns[i].name;
	return NULL;
}

int
gw_ike_command(const char *what, const char *conn)
{
	if (engine == NULL)
		return -ENOENT;
	gw_ikev2_tick(engine, gw_now_ns() / 1000000);
	if (strcmp(what, "initiate") == 0) {
		const char *owner = child_owner(conn);

		/* a child template's name brings up just that child */
		return owner ? gw_ikev2_initiate_child(engine, owner, conn) :
			       gw_ikev2_initiate(engine, conn);
	}
	if (strcmp(what, "terminate") == 0)
		return gw_ikev2_terminate(engine, conn);
	if (strcmp(what, "rekey") == 0)
		return gw_ikev2_rekey_child(engine, conn);
	if (strcmp(what, "rekey-ike") == 0)
		return gw_ikev2_rekey_ike(engine, conn);
	return -EINVAL;
}

struct gw_ikev2_engine *
gw_ike_engine(void)
{
	return engine;
}

void
gw_ike_stop(void)
{
	if (engine)
		gw_ikev2_engine_free(engine);
	engine = NULL;
	gw_trap_free();
	gw_ike_credentials_free();
}
