/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE SA state: creation, lookup by SPI, teardown, identities, logging and
 * the `show ike-sa` / `show child-sa` listings.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gw_common.h"
#include "gw_ike_pki.h"
#include "ikev2.h"

void
ikev2_put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static void
vlog(struct gw_ikev2_engine *e, const char *conn, enum gw_ikev2_level lvl,
     const char *fmt, va_list ap)
{
	char text[1024];
	int n = 0;

	if (!ikev2_log_on(e, lvl))
		return;
	if (conn)
		n = snprintf(text, sizeof(text), "[%s] ", conn);
	vsnprintf(text + n, sizeof(text) - (size_t)n, fmt, ap);
	e->io.event(e->ctx, lvl, text);
}

bool
ikev2_log_on(const struct gw_ikev2_engine *e, enum gw_ikev2_level lvl)
{
	return e->io.event && lvl >= e->log_min;
}

void
ikev2_log(struct ikev2_sa *sa, enum gw_ikev2_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl == GW_IKEV2_ERROR) {
		/* Kept as the cause a failure event reports. */
		va_start(ap, fmt);
		vsnprintf(sa->last_err, sizeof(sa->last_err), fmt, ap);
		va_end(ap);
	}
	va_start(ap, fmt);
	vlog(sa->engine, sa->conn ? sa->conn->name : "?", lvl, fmt, ap);
	va_end(ap);
}

const char *
gw_ikev2_event_name(enum gw_ikev2_event_type t)
{
	static const char *const names[] = {
		[GW_IKEV2_EV_IKE_UP] = "ike-established",
		[GW_IKEV2_EV_IKE_REKEYED] = "ike-rekeyed",
		[GW_IKEV2_EV_IKE_DOWN] = "ike-deleted",
		[GW_IKEV2_EV_CHILD_UP] = "child-established",
		[GW_IKEV2_EV_CHILD_REKEYED] = "child-rekeyed",
		[GW_IKEV2_EV_CHILD_DOWN] = "child-deleted",
		[GW_IKEV2_EV_CHILD_EXPIRED] = "child-expired",
		[GW_IKEV2_EV_DPD_DEAD] = "dpd-dead",
		[GW_IKEV2_EV_FAILED] = "failed",
	};

	return (unsigned)t < GW_ARRAY_SIZE(names) && names[t] ? names[t] : "?";
}

void
ikev2_sa_event(struct ikev2_sa *sa, enum gw_ikev2_event_type type,
	       const struct ikev2_child *ch, const char *child,
	       uint32_t old_spi, const char *cause)
{
	struct gw_ikev2_engine *e = sa->engine;
	struct gw_ikev2_sa_event ev = {
		.type = type,
		.conn = sa->conn ? sa->conn->name : "?",
		.child = ch ? ch->c.child : child,
		.ike_sa_id = sa->id,
		.spi_in = ch ? ch->c.spi_in : 0,
		.spi_out = ch ? ch->c.spi_out : 0,
		.old_spi_in = old_spi,
		.cause = cause && cause[0] ? cause : NULL,
	};

	if (e->io.sa_event)
		e->io.sa_event(e->ctx, &ev);
}

void
ikev2_elog(struct gw_ikev2_engine *e, enum gw_ikev2_level lvl,
	   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(e, NULL, lvl, fmt, ap);
	va_end(ap);
}

static uint64_t
spi_new(void)
{
	uint64_t v = 0;

	while (v == 0)
		if (gw_ike_random(&v, sizeof(v)) != 0)
			return 0;
	return v;
}

/* ----------------------------------------------------------- SA index */

static size_t
spi_bucket(const struct gw_ikev2_engine *e, uint64_t spi)
{
	/* SPIs are random; the multiply only folds the high bits in. */
	return (size_t)((spi * 0x9e3779b97f4a7c15ull) >> 32) & (e->hash_size - 1);
}

static void
chain_unlink(struct ikev2_sa **pp, struct ikev2_sa *sa, bool by_spi)
{
	for (; *pp; pp = by_spi ? &(*pp)->hnext_spi : &(*pp)->hnext_id) {
		if (*pp == sa) {
			*pp = by_spi ? sa->hnext_spi : sa->hnext_id;
			return;
		}
	}
}

static void
index_put(struct gw_ikev2_engine *e, struct ikev2_sa *sa)
{
	struct ikev2_sa **b = &e->by_spi[spi_bucket(e, sa->spi_i)];

	sa->hashed_spi = sa->spi_i;
	sa->hnext_spi = *b;
	*b = sa;
	b = &e->by_id[sa->id & (e->hash_size - 1)];
	sa->hnext_id = *b;
	*b = sa;
}

/* Doubles the tables once there are as many SAs as buckets. */
static int
index_grow(struct gw_ikev2_engine *e)
{
	size_t size = e->hash_size ? e->hash_size * 2 : 64;
	struct ikev2_sa **s = calloc(size, sizeof(*s));
	struct ikev2_sa **i = calloc(size, sizeof(*i));

	if (!s || !i) {
		free(s);
		free(i);
		return e->hash_size ? 0 : -1; /* longer chains still work */
	}
	free(e->by_spi);
	free(e->by_id);
	e->by_spi = s;
	e->by_id = i;
	e->hash_size = size;
	for (struct ikev2_sa *sa = e->sas; sa; sa = sa->next)
		index_put(e, sa);
	return 0;
}

void
ikev2_sa_rehash(struct ikev2_sa *sa)
{
	struct gw_ikev2_engine *e = sa->engine;

	if (sa->hashed_spi == sa->spi_i)
		return;
	chain_unlink(&e->by_spi[spi_bucket(e, sa->hashed_spi)], sa, true);
	sa->hashed_spi = sa->spi_i;
	sa->hnext_spi = e->by_spi[spi_bucket(e, sa->spi_i)];
	e->by_spi[spi_bucket(e, sa->spi_i)] = sa;
}

void
ikev2_sa_index_free(struct gw_ikev2_engine *e)
{
	free(e->by_spi);
	free(e->by_id);
	e->by_spi = e->by_id = NULL;
	e->hash_size = 0;
}

struct ikev2_sa *
ikev2_sa_new(struct gw_ikev2_engine *e, const struct gw_ikev2_conn *conn,
	     bool initiator)
{
	struct ikev2_sa *sa;

	if (e->n_sas >= e->hash_size && index_grow(e) != 0)
		return NULL;
	sa = calloc(1, sizeof(*sa));
	if (!sa)
		return NULL;
	sa->engine = e;
	sa->conn = conn;
	sa->initiator = initiator;
	sa->id = ++e->next_id;
	sa->state = GW_IKEV2_STATE_CREATED;
	sa->created_ms = e->now_ms;
	sa->last_rx_ms = e->now_ms;
	if (initiator) {
		sa->spi_i = spi_new();
		if (!sa->spi_i) {
			free(sa);
			return NULL;
		}
	}
	sa->next = e->sas;
	if (e->sas)
		e->sas->prev = sa;
	e->sas = sa;
	e->n_sas++;
	index_put(e, sa);
	return sa;
}

void
ikev2_sa_destroy(struct ikev2_sa *sa)
{
	struct gw_ikev2_engine *e = sa->engine;

	if (sa->prev)
		sa->prev->next = sa->next;
	else
		e->sas = sa->next;
	if (sa->next)
		sa->next->prev = sa->prev;
	e->n_sas--;
	chain_unlink(&e->by_spi[spi_bucket(e, sa->hashed_spi)], sa, true);
	chain_unlink(&e->by_id[sa->id & (e->hash_size - 1)], sa, false);
	if (sa->half_open)
		e->stats.half_open--;
	if (sa->state == GW_IKEV2_STATE_CREATED ||
	    sa->state == GW_IKEV2_STATE_CONNECTING) {
		e->stats.failed++;
		ikev2_sa_event(sa, GW_IKEV2_EV_FAILED, NULL, NULL, 0,
			       sa->last_err[0] ? sa->last_err : "no answer");
		if (sa->initiated && !e->freeing)
			ikev2_retry_failed(e, sa->conn);
	}
	if (sa->successor_id && sa->n_children) {
		/* Deleted after a rekey: the children live on (2.18). */
		struct ikev2_sa *n = ikev2_sa_by_id(e, sa->successor_id);

		if (n && n->state == GW_IKEV2_STATE_ESTABLISHED)
			ikev2_children_move(sa, n);
	}
	ikev2_child_delete_all(sa, true);
	/* A rekeyed one was reported with its successor. */
	if (sa->keyed && sa->remote_id.type && !sa->successor_id &&
	    (sa->state == GW_IKEV2_STATE_ESTABLISHED ||
	     sa->state == GW_IKEV2_STATE_DELETING ||
	     sa->state == GW_IKEV2_STATE_DEAD))
		ikev2_sa_event(sa, GW_IKEV2_EV_IKE_DOWN, NULL, NULL, 0, NULL);
	gw_ike_ke_free(sa->ke);
	gw_ike_ke_free(sa->rekey_ke);
	for (size_t i = 0; i < sa->n_queue; i++)
		gw_ike_ke_free(sa->queue[i].ke);
	gw_ike_sk_free(sa->sk_out);
	gw_ike_sk_free(sa->sk_in);
	gw_ike_sa_keys_wipe(&sa->keys);
	free(sa->init_req);
	free(sa->init_resp);
	free(sa->req);
	free(sa->resp);
	gw_wipe(sa, sizeof(*sa));
	free(sa);
}

struct ikev2_sa *
ikev2_sa_by_id(struct gw_ikev2_engine *e, uint32_t id)
{
	if (!e->hash_size)
		return NULL;
	for (struct ikev2_sa *sa = e->by_id[id & (e->hash_size - 1)]; sa;
	     sa = sa->hnext_id)
		if (sa->id == id)
			return sa;
	return NULL;
}

struct ikev2_sa *
ikev2_sa_find(struct gw_ikev2_engine *e, const struct gw_ike_hdr *h)
{
	/* The I flag says who sent it: the original initiator (we respond). */
	bool from_initiator = h->flags & GW_IKE_FLAG_I;

	if (!e->hash_size)
		return NULL;
	for (struct ikev2_sa *sa = e->by_spi[spi_bucket(e, h->spi_i)]; sa;
	     sa = sa->hnext_spi) {
		if (sa->spi_i != h->spi_i)
			continue;
		if (from_initiator) {
			if (!sa->initiator && sa->spi_r == h->spi_r)
				return sa;
		} else if (sa->initiator &&
			   (sa->spi_r == h->spi_r || sa->spi_r == 0 ||
			    h->spi_r == 0)) {
			return sa;
		}
	}
	return NULL;
}

static bool
addr_equal(const struct gw_addr *a, const struct gw_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == GW_AF_INET)
		return a->v4 == b->v4;
	if (a->family == GW_AF_INET6)
		return memcmp(a->v6, b->v6, 16) == 0;
	return true;
}

struct ikev2_sa *
ikev2_sa_find_half_open(struct gw_ikev2_engine *e, uint64_t spi_i,
			const struct gw_ikev2_endpoint *from)
{
	if (!e->hash_size)
		return NULL;
	for (struct ikev2_sa *sa = e->by_spi[spi_bucket(e, spi_i)]; sa;
	     sa = sa->hnext_spi)
		if (!sa->initiator && sa->spi_i == spi_i &&
		    addr_equal(&sa->remote.addr, &from->addr))
			return sa;
	return NULL;
}

const struct gw_ikev2_conn *
ikev2_conn_find(struct gw_ikev2_engine *e, const char *name)
{
	for (size_t i = 0; i < e->n_conns; i++)
		if (strcmp(e->conns[i].name, name) == 0)
			return &e->conns[i];
	return NULL;
}

bool
ikev2_endpoint_match(const struct gw_ikev2_endpoint *conf,
		     const struct gw_addr *a)
{
	return conf->addr.family == GW_AF_NONE || addr_equal(&conf->addr, a);
}

int
ikev2_sa_queue(struct ikev2_sa *sa, const struct ikev2_task *t)
{
	if (sa->n_queue >= IKEV2_MAX_QUEUE)
		return -ENOSPC;
	sa->queue[sa->n_queue++] = *t;
	return 0;
}

/* ------------------------------------------------------------ identities */

bool
ikev2_id_equal(const struct gw_ikev2_id *a, const struct gw_ikev2_id *b)
{
	return a->type == b->type && a->len == b->len &&
	       memcmp(a->data, b->data, a->len) == 0;
}

static int
id_set(struct gw_ikev2_id *id, uint8_t type, const void *data, size_t len)
{
	if (len == 0 || len > GW_IKEV2_ID_MAX)
		return -1;
	id->type = type;
	id->len = (uint8_t)len;
	memcpy(id->data, data, len);
	return 0;
}

static int
hex_decode(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)(n / 2);
}

int
gw_ikev2_id_parse(const char *s, struct gw_ikev2_id *id)
{
	uint8_t a[16];

	memset(id, 0, sizeof(*id));
	if (!s || !*s)
		return -1;
	if (strncasecmp(s, "keyid:", 6) == 0) {
		int n = hex_decode(s + 6, a, sizeof(a));
		uint8_t kb[GW_IKEV2_ID_MAX];

		if (n > 0)
			return id_set(id, GW_IKE_ID_KEY_ID, a, (size_t)n);
		n = hex_decode(s + 6, kb, sizeof(kb));
		return n > 0 ? id_set(id, GW_IKE_ID_KEY_ID, kb, (size_t)n) : -1;
	}
	if (strncasecmp(s, "fqdn:", 5) == 0)
		return id_set(id, GW_IKE_ID_FQDN, s + 5, strlen(s + 5));
	if (strncasecmp(s, "email:", 6) == 0)
		return id_set(id, GW_IKE_ID_RFC822_ADDR, s + 6, strlen(s + 6));
	if (gw_ike_dn_is_text(s)) {
		uint8_t der[GW_IKEV2_ID_MAX];
		int n = gw_ike_dn_parse(s, der, sizeof(der));

		return n > 0 ? id_set(id, GW_IKE_ID_DER_ASN1_DN, der, (size_t)n) : -1;
	}
	if (strncasecmp(s, "ipv4:", 5) == 0)
		s += 5;
	else if (strncasecmp(s, "ipv6:", 5) == 0)
		s += 5;
	if (inet_pton(AF_INET, s, a) == 1)
		return id_set(id, GW_IKE_ID_IPV4_ADDR, a, 4);
	if (inet_pton(AF_INET6, s, a) == 1)
		return id_set(id, GW_IKE_ID_IPV6_ADDR, a, 16);
	if (s[0] == '@')
		return id_set(id, GW_IKE_ID_FQDN, s + 1, strlen(s + 1));
	if (strchr(s, '@'))
		return id_set(id, GW_IKE_ID_RFC822_ADDR, s, strlen(s));
	return id_set(id, GW_IKE_ID_FQDN, s, strlen(s));
}

const char *
gw_ikev2_id_format(const struct gw_ikev2_id *id, char *buf, size_t len)
{
	size_t o;

	switch (id->type) {
	case GW_IKE_ID_IPV4_ADDR:
		if (id->len == 4 && inet_ntop(AF_INET, id->data, buf, (socklen_t)len))
			return buf;
		break;
	case GW_IKE_ID_IPV6_ADDR:
		if (id->len == 16 && inet_ntop(AF_INET6, id->data, buf, (socklen_t)len))
			return buf;
		break;
	case GW_IKE_ID_FQDN:
	case GW_IKE_ID_RFC822_ADDR:
		snprintf(buf, len, "%.*s", id->len, (const char *)id->data);
		for (char *p = buf; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				*p = '?';
		return buf;
	case GW_IKE_ID_DER_ASN1_DN:
		if (*gw_ike_dn_format(id->data, id->len, buf, len))
			return buf;
		break;
	case 0:
		snprintf(buf, len, "%%any");
		return buf;
	default:
		break;
	}
	o = (size_t)snprintf(buf, len, "%s:",
			     id->type == GW_IKE_ID_KEY_ID ? "keyid" :
			     gw_ike_id_type_name(id->type));
	for (size_t i = 0; i < id->len && o + 3 <= len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%02x", id->data[i]);
	return buf;
}

/* ---------------------------------------------------- traffic selectors */

int
gw_ikev2_ts_parse(const char *s, struct gw_ike_ts *ts)
{
	char tmp[128];
	char *dash;
	struct gw_prefix p;

	memset(ts, 0, sizeof(*ts));
	ts->end_port = 65535;
	if (strlen(s) >= sizeof(tmp))
		return -1;
	strcpy(tmp, s);
	dash = strchr(tmp, '-');
	if (dash) {
		*dash = 0;
		if (inet_pton(AF_INET, tmp, ts->start) == 1 &&
		    inet_pton(AF_INET, dash + 1, ts->end) == 1) {
			ts->type = GW_IKE_TS_IPV4_ADDR_RANGE;
			return memcmp(ts->start, ts->end, 4) <= 0 ? 0 : -1;
		}
		if (inet_pton(AF_INET6, tmp, ts->start) == 1 &&
		    inet_pton(AF_INET6, dash + 1, ts->end) == 1) {
			ts->type = GW_IKE_TS_IPV6_ADDR_RANGE;
			return memcmp(ts->start, ts->end, 16) <= 0 ? 0 : -1;
		}
		return -1;
	}
	if (gw_prefix_parse(tmp, &p) != 0)
		return -1;
	if (p.addr.family == GW_AF_INET) {
		uint32_t m = gw_v4_mask(p.len);
		uint32_t lo = htonl(p.addr.v4 & m), hi = htonl(p.addr.v4 | ~m);

		ts->type = GW_IKE_TS_IPV4_ADDR_RANGE;
		memcpy(ts->start, &lo, 4);
		memcpy(ts->end, &hi, 4);
		return 0;
	}
	ts->type = GW_IKE_TS_IPV6_ADDR_RANGE;
	for (int i = 0; i < 16; i++) {
		int bits = p.len - i * 8;
		uint8_t m = bits >= 8 ? 0xff : bits <= 0 ? 0 :
			    (uint8_t)(0xff << (8 - bits));

		ts->start[i] = p.addr.v6[i] & m;
		ts->end[i] = p.addr.v6[i] | (uint8_t)~m;
	}
	return 0;
}

/* The prefix length if [start, end] is exactly one prefix, else -1. */
static int
range_prefix_len(const uint8_t *a, const uint8_t *b, int bytes)
{
	int len = 0, i = 0;

	for (; i < bytes * 8; i++) {
		int bit_a = a[i / 8] >> (7 - i % 8) & 1;
		int bit_b = b[i / 8] >> (7 - i % 8) & 1;

		if (bit_a != bit_b)
			break;
		len++;
	}
	for (; i < bytes * 8; i++)
		if ((a[i / 8] >> (7 - i % 8) & 1) != 0 ||
		    (b[i / 8] >> (7 - i % 8) & 1) != 1)
			return -1;
	return len;
}

const char *
gw_ikev2_ts_format(const struct gw_ike_ts *ts, char *buf, size_t len)
{
	int af = ts->type == GW_IKE_TS_IPV6_ADDR_RANGE ? AF_INET6 : AF_INET;
	int bytes = af == AF_INET6 ? 16 : 4;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int pl = range_prefix_len(ts->start, ts->end, bytes);
	size_t o;

	inet_ntop(af, ts->start, a, sizeof(a));
	inet_ntop(af, ts->end, b, sizeof(b));
	if (pl >= 0)
		o = (size_t)snprintf(buf, len, "%s/%d", a, pl);
	else
		o = (size_t)snprintf(buf, len, "%s..%s", a, b);
	if (o < len && (ts->ip_proto || ts->start_port != 0 ||
			ts->end_port != 65535))
		snprintf(buf + o, len - o, "[%u/%u-%u]", ts->ip_proto,
			 ts->start_port, ts->end_port);
	return buf;
}

/* -------------------------------------------------------------- listing */

const char *
gw_ikev2_state_name(enum gw_ikev2_state s)
{
	static const char *const names[] = {
		[GW_IKEV2_STATE_CREATED] = "CREATED",
		[GW_IKEV2_STATE_CONNECTING] = "CONNECTING",
		[GW_IKEV2_STATE_ESTABLISHED] = "ESTABLISHED",
		[GW_IKEV2_STATE_DELETING] = "DELETING",
		[GW_IKEV2_STATE_DEAD] = "DEAD",
	};

	return (unsigned)s < GW_ARRAY_SIZE(names) ? names[s] : "UNKNOWN";
}

/* Seconds from now until an absolute engine time; -1 when unset. */
static int64_t
time_left_s(const struct gw_ikev2_engine *e, uint64_t at_ms)
{
	if (at_ms == 0 || at_ms == UINT64_MAX)   /* unset, or tried already */
		return -1;
	return at_ms > e->now_ms ? (int64_t)((at_ms - e->now_ms) / 1000) : 0;
}

size_t
gw_ikev2_list_ike_sas(const struct gw_ikev2_engine *e,
		      struct gw_ikev2_ike_sa_info *out, size_t max)
{
	size_t n = 0;

	for (const struct ikev2_sa *sa = e->sas; sa; sa = sa->next, n++) {
		struct gw_ikev2_ike_sa_info *i = &out[n];

		if (n >= max)
			continue;
		memset(i, 0, sizeof(*i));
		i->id = sa->id;
		snprintf(i->conn, sizeof(i->conn), "%s", sa->conn->name);
		i->state = sa->state;
		i->initiator = sa->initiator;
		i->nat = sa->nat_local || sa->nat_remote;
		i->local = sa->local;
		i->remote = sa->remote;
		gw_ikev2_id_format(&sa->conn->local_id, i->local_id,
				   sizeof(i->local_id));
		gw_ikev2_id_format(sa->remote_id.len ? &sa->remote_id :
				   &sa->conn->remote_id, i->remote_id,
				   sizeof(i->remote_id));
		i->spi_i = sa->spi_i;
		i->spi_r = sa->spi_r;
		snprintf(i->local_auth, sizeof(i->local_auth), "%s",
			 sa->auth_local);
		snprintf(i->remote_auth, sizeof(i->remote_auth), "%s",
			 sa->auth_remote);
		if (sa->keyed)
			gw_ike_proposal_format(&sa->proposal, i->proposal,
					       sizeof(i->proposal));
		i->n_children = (unsigned)sa->n_children;
		i->age_s = (e->now_ms - sa->created_ms) / 1000;
		i->rekey_in_s = time_left_s(e, sa->rekey_ms);
	}
	return n;
}

size_t
gw_ikev2_list_child_sas(const struct gw_ikev2_engine *e,
			struct gw_ikev2_child_sa_info *out, size_t max)
{
	size_t n = 0;

	for (const struct ikev2_sa *sa = e->sas; sa; sa = sa->next) {
		for (size_t k = 0; k < sa->n_children; k++, n++) {
			const struct ikev2_child *ch = &sa->children[k];
			struct gw_ikev2_child_sa_info *c = &out[n];

			if (n >= max)
				continue;
			memset(c, 0, sizeof(*c));
			c->ike_sa_id = sa->id;
			snprintf(c->conn, sizeof(c->conn), "%s", sa->conn->name);
			snprintf(c->child, sizeof(c->child), "%s",
				 ch->c.child ? ch->c.child : "");
			c->spi_in = ch->c.spi_in;
			c->spi_out = ch->c.spi_out;
			c->encap = ch->c.encap;
			gw_ike_proposal_format(&ch->proposal, c->proposal,
					       sizeof(c->proposal));
			ikev2_ts_list_format(ch->c.local_ts, ch->c.n_local_ts,
					     c->local_ts, sizeof(c->local_ts));
			ikev2_ts_list_format(ch->c.remote_ts, ch->c.n_remote_ts,
					     c->remote_ts, sizeof(c->remote_ts));
			c->rekey_in_s = time_left_s(e, ch->rekey_ms);
			c->expire_in_s = time_left_s(e, ch->expire_ms);
			c->rekey_bytes = ch->soft_bytes;
			c->life_bytes = ch->hard_bytes;
		}
	}
	return n;
}

/* "in 3540s" or "none" for a time left. */
static const char *
secs_format(int64_t s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "in %llds", (long long)s);
	return buf;
}

static const char *
endpoint_format(const struct gw_ikev2_endpoint *ep, char *buf, size_t len)
{
	char a[GW_ADDR_STRLEN];

	if (ep->addr.family == GW_AF_NONE)
		snprintf(buf, len, "%%any");
	else
		snprintf(buf, len, "%s[%u]",
			 gw_addr_format(&ep->addr, a, sizeof(a)), ep->port);
	return buf;
}

int
gw_ikev2_ike_sa_format(const struct gw_ikev2_ike_sa_info *i, char *buf,
		       size_t len)
{
	char l[GW_ADDR_STRLEN + 8], r[GW_ADDR_STRLEN + 8], rk[24];

	return snprintf(buf, len,
			"%s[%u]: %s %llus, %s[%s]...%s[%s]%s, %s SPIs: %016llx_i%s %016llx_r%s, %s, %u child SA(s), auth %s/%s, rekey %s",
			i->conn, i->id, gw_ikev2_state_name(i->state),
			(unsigned long long)i->age_s,
			endpoint_format(&i->local, l, sizeof(l)), i->local_id,
			endpoint_format(&i->remote, r, sizeof(r)),
			i->remote_id, i->nat ? " (NAT)" : "",
			i->initiator ? "initiator" : "responder",
			(unsigned long long)i->spi_i, i->initiator ? "*" : "",
			(unsigned long long)i->spi_r, i->initiator ? "" : "*",
			i->proposal[0] ? i->proposal : "-", i->n_children,
			i->local_auth[0] ? i->local_auth : "-",
			i->remote_auth[0] ? i->remote_auth : "-",
			secs_format(i->rekey_in_s, rk, sizeof(rk)));
}

int
gw_ikev2_child_sa_format(const struct gw_ikev2_child_sa_info *c, char *buf,
			 size_t len)
{
	char rk[24], ex[24];

	return snprintf(buf, len,
			"%s{%u}: INSTALLED, TUNNEL%s, ESP SPIs: %08x_i %08x_o, %s, rekey %s, expires %s, %s === %s",
			c->child[0] ? c->child : c->conn, c->ike_sa_id,
			c->encap ? " in UDP" : "",
			c->spi_in, c->spi_out, c->proposal,
			secs_format(c->rekey_in_s, rk, sizeof(rk)),
			secs_format(c->expire_in_s, ex, sizeof(ex)), c->local_ts,
			c->remote_ts);
}
