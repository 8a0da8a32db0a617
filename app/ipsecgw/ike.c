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
#include "gw_log.h"
#include "ike.h"
#include "ike_io.h"
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

/* A configured connection (with its first child) as an engine connection. */
static int
conn_from_cfg(const struct gw_cfg *cfg, const struct gw_cfg_conn *cc, struct gw_ikev2_conn *c)
{
	const struct gw_cfg_child *ch = &cc->children[0];
	const struct gw_cfg_secret *sec = gw_cfg_conn_secret(cfg, cc);
	static char default_ike[1][GW_CONN_PROPOSAL_LEN] = { "aes256gcm16-prfsha384-ecp384" };
	static char default_esp[1][GW_CONN_PROPOSAL_LEN] = { "aes256gcm16-ecp384" };

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
	    proposals(ch->n_esp_proposals ? (char (*)[GW_CONN_PROPOSAL_LEN])ch->esp_proposals : default_esp,
		      ch->n_esp_proposals ? ch->n_esp_proposals : 1, GW_IKE_PROTO_ESP,
		      cc->allow_weak, c->esp_proposals, &c->n_esp_proposals, cc->name) != 0)
		return -1;
	if (cc->local.auth != GW_AUTH_PSK || cc->remote.auth != GW_AUTH_PSK) {
		GW_ERR("IKE %s: only PSK authentication is implemented yet", cc->name);
		return -1;
	}
	if (gw_ikev2_id_parse(cc->local.id.str, &c->local_id) != 0 ||
	    (strcmp(cc->remote.id.str, "%any") != 0 &&
	     gw_ikev2_id_parse(cc->remote.id.str, &c->remote_id) != 0)) {
		GW_ERR("IKE %s: identities not understood", cc->name);
		return -1;
	}
	c->send_remote_id = cc->remote.id_set;
	if (sec == NULL || sec->secret_len > sizeof(c->psk)) {
		GW_ERR("IKE %s: no usable pre-shared key", cc->name);
		return -1;
	}
	memcpy(c->psk, sec->secret, sec->secret_len);
	c->psk_len = sec->secret_len;
	if (ts_list(ch->local_ts, ch->n_local_ts, c->local_ts, &c->n_local_ts) != 0 ||
	    ts_list(ch->remote_ts, ch->n_remote_ts, c->remote_ts, &c->n_remote_ts) != 0) {
		GW_ERR("IKE %s: traffic selectors not understood", cc->name);
		return -1;
	}
	c->tunnel = true;
	c->allow_weak = cc->allow_weak;
	c->force_encap = cc->encap;
	/* the engine rekeys at these (minus jitter) and deletes at 1.1x */
	c->ike_lifetime_s = cc->rekey_time;
	c->child_lifetime_s = ch->rekey_time;
	c->child_lifetime_bytes = ch->life_bytes;
	c->dpd_delay_s = cc->dpd_delay;
	c->dpd_timeout_s = cc->dpd_timeout;
	c->dpd_action = cc->dpd_action == GW_DPD_RESTART ? GW_IKEV2_DPD_RESTART :
			cc->dpd_action == GW_DPD_TRAP ? GW_IKEV2_DPD_TRAP : GW_IKEV2_DPD_CLEAR;
	if (cc->n_children > 1)
		GW_WARN("IKE %s: only the first child (%s) is negotiated yet", cc->name, ch->name);
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
	};
	const struct gw_cfg *cfg = &gw_control.cfg;
	struct gw_ikev2_conn *conns;
	unsigned n = 0;

	if (cfg->n_conns == 0)
		return 0;
	conns = calloc(cfg->n_conns, sizeof(*conns));
	if (conns == NULL)
		return -1;
	for (unsigned i = 0; i < cfg->n_conns; i++) {
		if (cfg->conns[i].version != 2) {
			GW_WARN("IKE %s: IKEv1 is not implemented yet; skipped", cfg->conns[i].name);
			continue;
		}
		if (conn_from_cfg(cfg, &cfg->conns[i], &conns[n]) != 0) {
			gw_wipe(conns, cfg->n_conns * sizeof(*conns));
			free(conns);
			return -1;
		}
		n++;
	}
	engine = gw_ikev2_engine_new(&io, NULL, conns, n);
	gw_wipe(conns, cfg->n_conns * sizeof(*conns));
	free(conns);
	if (engine == NULL)
		return -1;
	GW_INFO("IKEv2: %u connection(s) loaded", n);
	return 0;
}

void
gw_ike_initiate_configured(void)
{
	const struct gw_cfg *cfg = &gw_control.cfg;

	for (unsigned i = 0; engine && i < cfg->n_conns; i++) {
		const struct gw_cfg_conn *cc = &cfg->conns[i];

		if (cc->version == 2 && cc->n_children &&
		    cc->children[0].start_action == GW_START_START)
			gw_ikev2_initiate(engine, cc->name);
	}
}

void
gw_ike_input(struct rte_mbuf *m)
{
	struct gw_ike_dgram d;
	struct gw_ikev2_endpoint from, to;

	if (gw_ike_dgram_parse(m, &d) != GW_IKE_IO_OK) {
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
	if (engine)
		gw_ikev2_tick(engine, now_ms);
}

int
gw_ike_command(const char *what, const char *conn)
{
	if (engine == NULL)
		return -ENOENT;
	if (strcmp(what, "initiate") == 0)
		return gw_ikev2_initiate(engine, conn);
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
}
