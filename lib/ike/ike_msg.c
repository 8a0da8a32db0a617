/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 message codec: parser, writer and the name tables.
 *
 * The parser never reads a byte before checking that it lies inside the
 * structure that contains it: every length is checked against the room
 * its container has left, containers first (message, payload, proposal,
 * transform, attribute). Failures are early returns through fail(), which
 * records the code, the offset and a static word on what was wrong.
 */
#include <stdio.h>
#include <string.h>

#include "gw_common.h"
#include "gw_ike_msg.h"

/* ---------------------------------------------------------------- helpers */

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t
rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void
wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)(v >> 32));
	wr32(p + 4, (uint32_t)v);
}

/* ------------------------------------------------------------------ names */

const char *
gw_ike_exchange_name(uint8_t exchange)
{
	switch (exchange) {
#define _(n, v) case v: return #n;
	foreach_gw_ike_exchange
#undef _
	}
	return "UNKNOWN";
}

const char *
gw_ike_payload_name(uint8_t type)
{
	switch (type) {
	case GW_IKE_PL_NONE: return "NONE";
#define _(n, v, name, sname) case v: return name;
	foreach_gw_ike_payload
#undef _
	}
	return "UNKNOWN";
}

const char *
gw_ike_payload_short_name(uint8_t type)
{
	switch (type) {
	case GW_IKE_PL_NONE: return "NONE";
#define _(n, v, name, sname) case v: return sname;
	foreach_gw_ike_payload
#undef _
	}
	return "UNKNOWN";
}

const char *
gw_ike_notify_name(uint16_t type)
{
	switch (type) {
#define _(n, v) case v: return #n;
	foreach_gw_ike_notify
#undef _
	}
	return "UNKNOWN";
}

const char *
gw_ike_xf_type_name(uint8_t type)
{
	switch (type) {
#define _(n, v) case v: return #n;
	foreach_gw_ike_xf_type
#undef _
	}
	return "UNKNOWN";
}

static const char *
encr_name(uint16_t id)
{
	switch (id) {
#define _(n, v, name, aead, kl) case v: return name;
	foreach_gw_ike_encr
#undef _
	}
	return "UNKNOWN";
}

static const char *
prf_name(uint16_t id)
{
	switch (id) {
#define _(n, v, name, len) case v: return name;
	foreach_gw_ike_prf
#undef _
	}
	return "UNKNOWN";
}

static const char *
integ_name(uint16_t id)
{
	switch (id) {
#define _(n, v, name, klen, icv) case v: return name;
	foreach_gw_ike_integ
#undef _
	}
	return "UNKNOWN";
}

static const char *
dh_name(uint16_t id)
{
	switch (id) {
#define _(n, v, name, len) case v: return name;
	foreach_gw_ike_dh
#undef _
	}
	return "UNKNOWN";
}

static const char *
esn_name(uint16_t id)
{
	switch (id) {
#define _(n, v, name) case v: return name;
	foreach_gw_ike_esn
#undef _
	}
	return "UNKNOWN";
}

const char *
gw_ike_xf_id_name(uint8_t type, uint16_t id)
{
	switch (type) {
	case GW_IKE_XF_ENCR: return encr_name(id);
	case GW_IKE_XF_PRF: return prf_name(id);
	case GW_IKE_XF_INTEG: return integ_name(id);
	case GW_IKE_XF_DH: return dh_name(id);
	case GW_IKE_XF_ESN: return esn_name(id);
	}
	return "UNKNOWN";
}

const char *
gw_ike_proto_name(uint8_t proto)
{
	switch (proto) {
	case GW_IKE_PROTO_NONE: return "NONE";
#define _(n, v) case v: return #n;
	foreach_gw_ike_proto
#undef _
	}
	return "UNKNOWN";
}

const char *
gw_ike_id_type_name(uint8_t type)
{
	switch (type) {
#define _(n, v) case v: return "ID_" #n;
	foreach_gw_ike_id
#undef _
	}
	return "UNKNOWN";
}

const char *
gw_ike_auth_method_name(uint8_t method)
{
	switch (method) {
#define _(n, v) case v: return #n;
	foreach_gw_ike_auth
#undef _
	}
	return "UNKNOWN";
}

const char *
gw_ike_ts_type_name(uint8_t type)
{
	switch (type) {
#define _(n, v) case v: return "TS_" #n;
	foreach_gw_ike_ts_type
#undef _
	}
	return "UNKNOWN";
}

const char *
gw_ike_cert_encoding_name(uint8_t encoding)
{
	switch (encoding) {
#define _(n, v) case v: return #n;
	foreach_gw_ike_cert
#undef _
	}
	return "UNKNOWN";
}

const char *
gw_ike_cfg_type_name(uint8_t type)
{
	switch (type) {
#define _(n, v) case v: return "CFG_" #n;
	foreach_gw_ike_cfg
#undef _
	}
	return "UNKNOWN";
}

static const char *const err_names[] = {
#define _(n, d) #n,
	foreach_gw_ike_err
#undef _
};

static const char *const err_strs[] = {
#define _(n, d) d,
	foreach_gw_ike_err
#undef _
};

const char *
gw_ike_err_name(int code)
{
	if (code < 0 || code >= GW_IKE_E_COUNT)
		return "UNKNOWN";
	return err_names[code];
}

const char *
gw_ike_err_str(int code)
{
	if (code < 0 || code >= GW_IKE_E_COUNT)
		return "unknown error";
	return err_strs[code];
}

bool
gw_ike_encr_is_aead(uint16_t id)
{
	switch (id) {
#define _(n, v, name, aead, kl) case v: return aead;
	foreach_gw_ike_encr
#undef _
	}
	return false;
}

bool
gw_ike_encr_has_key_len(uint16_t id)
{
	switch (id) {
#define _(n, v, name, aead, kl) case v: return kl;
	foreach_gw_ike_encr
#undef _
	}
	return false;
}

unsigned
gw_ike_prf_len(uint16_t id)
{
	switch (id) {
#define _(n, v, name, len) case v: return len;
	foreach_gw_ike_prf
#undef _
	}
	return 0;
}

unsigned
gw_ike_integ_key_len(uint16_t id)
{
	switch (id) {
#define _(n, v, name, klen, icv) case v: return klen;
	foreach_gw_ike_integ
#undef _
	}
	return 0;
}

unsigned
gw_ike_integ_icv_len(uint16_t id)
{
	switch (id) {
#define _(n, v, name, klen, icv) case v: return icv;
	foreach_gw_ike_integ
#undef _
	}
	return 0;
}

unsigned
gw_ike_dh_ke_len(uint16_t group)
{
	switch (group) {
#define _(n, v, name, len) case v: return len;
	foreach_gw_ike_dh
#undef _
	}
	return 0;
}

uint16_t
gw_ike_err_notify(int code)
{
	switch (code) {
	case GW_IKE_E_BAD_VERSION: return GW_IKE_N_INVALID_MAJOR_VERSION;
	case GW_IKE_E_UNSUPPORTED_CRITICAL: return GW_IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD;
	case GW_IKE_E_NO_PROPOSAL_CHOSEN: return GW_IKE_N_NO_PROPOSAL_CHOSEN;
	}
	return GW_IKE_N_INVALID_SYNTAX;
}

/* ----------------------------------------------------------------- parser */

static int
fail(struct gw_ike_err *err, int code, size_t offset, uint8_t type,
     const char *what)
{
	if (err) {
		err->code = code;
		err->offset = (uint32_t)offset;
		err->payload_type = type;
		err->what = what;
	}
	return code;
}

/*
 * A payload body being parsed: p/n is the body, base the offset of p in the
 * parsed buffer (for error offsets), type the payload type.
 */
struct body {
	const uint8_t *p;
	size_t n;
	size_t base;
	uint8_t type;
	struct gw_ike_err *err;
};

#define FAIL(b, code, at, what) fail((b)->err, (code), (b)->base + (at), (b)->type, (what))

static int
parse_transform_attrs(const struct body *b, size_t pos, size_t end,
		      struct gw_ike_transform *xf)
{
	while (pos < end) {
		uint16_t atype;
		size_t alen;

		if (GW_UNLIKELY(end - pos < 4))
			return FAIL(b, GW_IKE_E_BAD_LENGTH, pos, "transform attribute header");
		atype = rd16(b->p + pos);
		if (atype & 0x8000) {
			/* TV: the value is in the length field's place */
			if ((atype & 0x7fff) == GW_IKE_ATTR_KEY_LENGTH) {
				if (GW_UNLIKELY(xf->has_key_len))
					return FAIL(b, GW_IKE_E_INVALID_SYNTAX, pos,
						    "repeated key length attribute");
				xf->key_len = rd16(b->p + pos + 2);
				xf->has_key_len = true;
			} else {
				xf->unknown_attr = true;
			}
			alen = 4;
		} else {
			alen = 4 + (size_t)rd16(b->p + pos + 2);
			if (GW_UNLIKELY(alen > end - pos))
				return FAIL(b, GW_IKE_E_BAD_LENGTH, pos, "transform attribute length");
			/* key length is TV only; a TLV form is not understood */
			xf->unknown_attr = true;
		}
		pos += alen;
	}
	return 0;
}

static int
parse_proposal(const struct body *b, size_t pos, size_t end,
	       struct gw_ike_sa_prop *prop)
{
	size_t xpos;
	unsigned count = 0;
	uint8_t n_xf;
	int rc;

	prop->num = b->p[pos + 4];
	prop->protocol = b->p[pos + 5];
	prop->spi_size = b->p[pos + 6];
	n_xf = b->p[pos + 7];
	if (GW_UNLIKELY(prop->spi_size > GW_IKE_SPI_MAX))
		return FAIL(b, GW_IKE_E_INVALID_SYNTAX, pos + 6, "proposal SPI size");
	if (GW_UNLIKELY(end - (pos + 8) < prop->spi_size))
		return FAIL(b, GW_IKE_E_BAD_LENGTH, pos, "proposal SPI overruns the proposal");
	memcpy(prop->spi, b->p + pos + 8, prop->spi_size);

	xpos = pos + 8 + prop->spi_size;
	while (xpos < end) {
		struct gw_ike_transform *xf;
		uint8_t last;
		size_t xlen;

		if (GW_UNLIKELY(count == GW_IKE_MAX_TRANSFORMS))
			return FAIL(b, GW_IKE_E_TOO_MANY, xpos, "transforms in a proposal");
		if (GW_UNLIKELY(end - xpos < 8))
			return FAIL(b, GW_IKE_E_BAD_LENGTH, xpos, "transform header");
		last = b->p[xpos];
		xlen = rd16(b->p + xpos + 2);
		if (GW_UNLIKELY(xlen < 8 || xlen > end - xpos))
			return FAIL(b, GW_IKE_E_BAD_LENGTH, xpos, "transform length");
		if (GW_UNLIKELY(last != 0 && last != 3))
			return FAIL(b, GW_IKE_E_INVALID_SYNTAX, xpos, "transform last-substruc");
		if (GW_UNLIKELY((last == 0) != (xpos + xlen == end)))
			return FAIL(b, GW_IKE_E_INVALID_SYNTAX, xpos,
				    "transform last-substruc disagrees with the proposal length");
		xf = &prop->xf[count];
		memset(xf, 0, sizeof(*xf));
		xf->type = b->p[xpos + 4];
		xf->id = rd16(b->p + xpos + 6);
		rc = parse_transform_attrs(b, xpos + 8, xpos + xlen, xf);
		if (rc)
			return rc;
		count++;
		xpos += xlen;
	}
	if (GW_UNLIKELY(count != n_xf))
		return FAIL(b, GW_IKE_E_INVALID_SYNTAX, pos + 7, "number of transforms");
	prop->n_xf = (uint8_t)count;
	return 0;
}

static int
parse_sa(const struct body *b, struct gw_ike_sa_pl *sa)
{
	size_t pos = 0;
	int rc;

	if (GW_UNLIKELY(b->n == 0))
		return FAIL(b, GW_IKE_E_INVALID_SYNTAX, 0, "SA payload without proposals");
	while (pos < b->n) {
		uint8_t last;
		size_t plen;

		if (GW_UNLIKELY(sa->n_prop == GW_IKE_MAX_PROPOSALS))
			return FAIL(b, GW_IKE_E_TOO_MANY, pos, "proposals");
		if (GW_UNLIKELY(b->n - pos < 8))
			return FAIL(b, GW_IKE_E_BAD_LENGTH, pos, "proposal header");
		last = b->p[pos];
		plen = rd16(b->p + pos + 2);
		if (GW_UNLIKELY(plen < 8 || plen > b->n - pos))
			return FAIL(b, GW_IKE_E_BAD_LENGTH, pos, "proposal length");
		if (GW_UNLIKELY(last != 0 && last != 2))
			return FAIL(b, GW_IKE_E_INVALID_SYNTAX, pos, "proposal last-substruc");
		if (GW_UNLIKELY((last == 0) != (pos + plen == b->n)))
			return FAIL(b, GW_IKE_E_INVALID_SYNTAX, pos,
				    "proposal last-substruc disagrees with the SA length");
		rc = parse_proposal(b, pos, pos + plen, &sa->prop[sa->n_prop]);
		if (rc)
			return rc;
		sa->n_prop++;
		pos += plen;
	}
	return 0;
}

static int
parse_ts(const struct body *b, struct gw_ike_ts_pl *tsp)
{
	size_t pos = 4;
	unsigned count = 0, n_ts;

	if (GW_UNLIKELY(b->n < 4))
		return FAIL(b, GW_IKE_E_BAD_LENGTH, 0, "TS payload header");
	n_ts = b->p[0];
	if (GW_UNLIKELY(n_ts == 0))
		return FAIL(b, GW_IKE_E_INVALID_SYNTAX, 0, "TS payload without selectors");
	while (pos < b->n) {
		uint8_t type;
		size_t slen, alen;
		struct gw_ike_ts *ts;

		if (GW_UNLIKELY(b->n - pos < 4))
			return FAIL(b, GW_IKE_E_BAD_LENGTH, pos, "traffic selector header");
		type = b->p[pos];
		slen = rd16(b->p + pos + 2);
		if (GW_UNLIKELY(slen < 4 || slen > b->n - pos))
			return FAIL(b, GW_IKE_E_BAD_LENGTH, pos, "traffic selector length");
		count++;
		if (type != GW_IKE_TS_IPV4_ADDR_RANGE && type != GW_IKE_TS_IPV6_ADDR_RANGE) {
			/* a type we do not know: its length lets us step over it */
			tsp->n_skipped++;
			pos += slen;
			continue;
		}
		alen = type == GW_IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;
		if (GW_UNLIKELY(slen != 8 + 2 * alen))
			return FAIL(b, GW_IKE_E_BAD_LENGTH, pos, "traffic selector length for its type");
		if (GW_UNLIKELY(tsp->n == GW_IKE_MAX_TS))
			return FAIL(b, GW_IKE_E_TOO_MANY, pos, "traffic selectors");
		ts = &tsp->ts[tsp->n++];
		memset(ts, 0, sizeof(*ts));
		ts->type = type;
		ts->ip_proto = b->p[pos + 1];
		ts->start_port = rd16(b->p + pos + 4);
		ts->end_port = rd16(b->p + pos + 6);
		memcpy(ts->start, b->p + pos + 8, alen);
		memcpy(ts->end, b->p + pos + 8 + alen, alen);
		pos += slen;
	}
	if (GW_UNLIKELY(count != n_ts))
		return FAIL(b, GW_IKE_E_INVALID_SYNTAX, 0, "number of traffic selectors");
	return 0;
}

static int
parse_cp(const struct body *b, struct gw_ike_cp_pl *cp)
{
	size_t pos = 4;

	if (GW_UNLIKELY(b->n < 4))
		return FAIL(b, GW_IKE_E_BAD_LENGTH, 0, "CP payload header");
	cp->cfg_type = b->p[0];
	while (pos < b->n) {
		struct gw_ike_cp_attr *a;
		size_t vlen;

		if (GW_UNLIKELY(b->n - pos < 4))
			return FAIL(b, GW_IKE_E_BAD_LENGTH, pos, "configuration attribute header");
		vlen = rd16(b->p + pos + 2);
		if (GW_UNLIKELY(vlen > b->n - pos - 4))
			return FAIL(b, GW_IKE_E_BAD_LENGTH, pos, "configuration attribute length");
		if (GW_UNLIKELY(cp->n_attr == GW_IKE_MAX_CP_ATTRS))
			return FAIL(b, GW_IKE_E_TOO_MANY, pos, "configuration attributes");
		a = &cp->attr[cp->n_attr++];
		a->type = rd16(b->p + pos) & 0x7fff;
		a->value = b->p + pos + 4;
		a->len = (uint16_t)vlen;
		pos += 4 + vlen;
	}
	return 0;
}

/* Payload types that may appear once per message. */
static bool
singleton(uint8_t type)
{
	switch (type) {
	case GW_IKE_PL_SA: case GW_IKE_PL_KE: case GW_IKE_PL_IDI:
	case GW_IKE_PL_IDR: case GW_IKE_PL_AUTH: case GW_IKE_PL_NONCE:
	case GW_IKE_PL_TSI: case GW_IKE_PL_TSR: case GW_IKE_PL_CP:
	case GW_IKE_PL_EAP: case GW_IKE_PL_SK: case GW_IKE_PL_SKF:
		return true;
	}
	return false;
}

static bool
known_type(uint8_t type)
{
	switch (type) {
#define _(n, v, name, sname) case v:
	foreach_gw_ike_payload
#undef _
		return true;
	}
	return false;
}

/* Parses one known payload's body into msg; sets *idx to its array index. */
static int
parse_body(const struct body *b, struct gw_ike_msg *msg, uint8_t *idx)
{
	const uint8_t *p = b->p;
	size_t n = b->n;

	*idx = 0;
	switch (b->type) {
	case GW_IKE_PL_SA:
		return parse_sa(b, &msg->sa);

	case GW_IKE_PL_KE:
		if (GW_UNLIKELY(n < 4))
			return FAIL(b, GW_IKE_E_BAD_LENGTH, 0, "KE payload header");
		msg->ke.group = rd16(p);
		msg->ke.data = p + 4;
		msg->ke.len = (uint16_t)(n - 4);
		return 0;

	case GW_IKE_PL_IDI:
	case GW_IKE_PL_IDR: {
		struct gw_ike_id_pl *id = b->type == GW_IKE_PL_IDI ? &msg->idi : &msg->idr;

		if (GW_UNLIKELY(n < 4))
			return FAIL(b, GW_IKE_E_BAD_LENGTH, 0, "ID payload header");
		id->type = p[0];
		id->data = p + 4;
		id->len = (uint16_t)(n - 4);
		id->body = p;
		id->body_len = (uint16_t)n;
		if (GW_UNLIKELY((id->type == GW_IKE_ID_IPV4_ADDR && id->len != 4) ||
				(id->type == GW_IKE_ID_IPV6_ADDR && id->len != 16)))
			return FAIL(b, GW_IKE_E_INVALID_SYNTAX, 4, "ID address length");
		return 0;
	}

	case GW_IKE_PL_CERT:
	case GW_IKE_PL_CERTREQ: {
		struct gw_ike_cert_pl *c;

		if (GW_UNLIKELY(n < 1))
			return FAIL(b, GW_IKE_E_BAD_LENGTH, 0, "certificate encoding");
		if (b->type == GW_IKE_PL_CERT) {
			if (GW_UNLIKELY(msg->n_cert == GW_IKE_MAX_CERT))
				return FAIL(b, GW_IKE_E_TOO_MANY, 0, "CERT payloads");
			*idx = msg->n_cert;
			c = &msg->cert[msg->n_cert++];
		} else {
			if (GW_UNLIKELY(msg->n_certreq == GW_IKE_MAX_CERTREQ))
				return FAIL(b, GW_IKE_E_TOO_MANY, 0, "CERTREQ payloads");
			*idx = msg->n_certreq;
			c = &msg->certreq[msg->n_certreq++];
		}
		c->encoding = p[0];
		c->data = p + 1;
		c->len = (uint16_t)(n - 1);
		return 0;
	}

	case GW_IKE_PL_AUTH:
		if (GW_UNLIKELY(n < 4))
			return FAIL(b, GW_IKE_E_BAD_LENGTH, 0, "AUTH payload header");
		msg->auth.method = p[0];
		msg->auth.data = p + 4;
		msg->auth.len = (uint16_t)(n - 4);
		return 0;

	case GW_IKE_PL_NONCE:
		if (GW_UNLIKELY(n < GW_IKE_NONCE_MIN || n > GW_IKE_NONCE_MAX))
			return FAIL(b, GW_IKE_E_INVALID_SYNTAX, 0, "nonce length not 16..256");
		msg->nonce.data = p;
		msg->nonce.len = (uint16_t)n;
		return 0;

	case GW_IKE_PL_NOTIFY: {
		struct gw_ike_notify_pl *nt;

		if (GW_UNLIKELY(n < 4))
			return FAIL(b, GW_IKE_E_BAD_LENGTH, 0, "notify payload header");
		if (GW_UNLIKELY(n - 4 < p[1]))
			return FAIL(b, GW_IKE_E_BAD_LENGTH, 1, "notify SPI overruns the payload");
		if (GW_UNLIKELY(msg->n_notify == GW_IKE_MAX_NOTIFY))
			return FAIL(b, GW_IKE_E_TOO_MANY, 0, "notify payloads");
		*idx = msg->n_notify;
		nt = &msg->notify[msg->n_notify++];
		nt->protocol = p[0];
		nt->spi_size = p[1];
		nt->type = rd16(p + 2);
		nt->spi = p + 4;
		nt->data = p + 4 + nt->spi_size;
		nt->len = (uint16_t)(n - 4 - nt->spi_size);
		return 0;
	}

	case GW_IKE_PL_DELETE: {
		struct gw_ike_delete_pl *d;
		uint8_t proto, spi_size;
		uint16_t n_spi;

		if (GW_UNLIKELY(n < 4))
			return FAIL(b, GW_IKE_E_BAD_LENGTH, 0, "delete payload header");
		proto = p[0];
		spi_size = p[1];
		n_spi = rd16(p + 2);
		if (GW_UNLIKELY((size_t)spi_size * n_spi != n - 4))
			return FAIL(b, GW_IKE_E_BAD_LENGTH, 2, "delete SPIs disagree with the payload length");
		if (GW_UNLIKELY((proto == GW_IKE_PROTO_IKE && spi_size != 0) ||
				((proto == GW_IKE_PROTO_ESP || proto == GW_IKE_PROTO_AH) &&
				 spi_size != 4)))
			return FAIL(b, GW_IKE_E_INVALID_SYNTAX, 1, "delete SPI size for the protocol");
		if (GW_UNLIKELY(msg->n_delete == GW_IKE_MAX_DELETE))
			return FAIL(b, GW_IKE_E_TOO_MANY, 0, "delete payloads");
		*idx = msg->n_delete;
		d = &msg->del[msg->n_delete++];
		d->protocol = proto;
		d->spi_size = spi_size;
		d->n_spi = n_spi;
		d->spis = p + 4;
		return 0;
	}

	case GW_IKE_PL_VENDOR:
		if (GW_UNLIKELY(msg->n_vendor == GW_IKE_MAX_VENDOR))
			return FAIL(b, GW_IKE_E_TOO_MANY, 0, "vendor ID payloads");
		*idx = msg->n_vendor;
		msg->vendor[msg->n_vendor].data = p;
		msg->vendor[msg->n_vendor].len = (uint16_t)n;
		msg->n_vendor++;
		return 0;

	case GW_IKE_PL_TSI:
		return parse_ts(b, &msg->tsi);
	case GW_IKE_PL_TSR:
		return parse_ts(b, &msg->tsr);
	case GW_IKE_PL_CP:
		return parse_cp(b, &msg->cp);

	case GW_IKE_PL_EAP:
		msg->eap.data = p;
		msg->eap.len = (uint16_t)n;
		return 0;

	case GW_IKE_PL_SK:
	case GW_IKE_PL_SKF:
		/* filled by the chain walker, which knows the offsets */
		if (b->type == GW_IKE_PL_SKF) {
			if (GW_UNLIKELY(n < 4))
				return FAIL(b, GW_IKE_E_BAD_LENGTH, 0, "SKF payload header");
			msg->sk.frag_num = rd16(p);
			msg->sk.frag_total = rd16(p + 2);
			if (GW_UNLIKELY(msg->sk.frag_num == 0 || msg->sk.frag_total == 0 ||
					msg->sk.frag_num > msg->sk.frag_total))
				return FAIL(b, GW_IKE_E_INVALID_SYNTAX, 0, "fragment number/total");
		}
		return 0;
	}
	return 0;
}

/*
 * Walks a payload chain in buf[start, end), first payload of type np.
 * Outer chains stop at SK/SKF, which must be last.
 */
static int
parse_chain(const uint8_t *buf, size_t start, size_t end, uint8_t np,
	    bool inner, struct gw_ike_msg *msg, struct gw_ike_err *err)
{
	size_t off = start;
	int rc;

	while (np != GW_IKE_PL_NONE) {
		uint8_t type = np;
		size_t plen;
		bool critical, known;
		struct gw_ike_payload *pl;
		struct body b;
		uint8_t idx = 0;

		if (GW_UNLIKELY(end - off < GW_IKE_GEN_HDR_LEN))
			return fail(err, GW_IKE_E_BAD_LENGTH, off, type,
				    off == end ? "payload chain continues past the message end"
					       : "generic payload header");
		np = buf[off];
		critical = buf[off + 1] & 0x80;
		plen = rd16(buf + off + 2);
		if (GW_UNLIKELY(plen < GW_IKE_GEN_HDR_LEN))
			return fail(err, GW_IKE_E_BAD_LENGTH, off, type, "payload length below 4");
		if (GW_UNLIKELY(plen > end - off))
			return fail(err, GW_IKE_E_BAD_LENGTH, off, type, "payload overruns the message");

		known = known_type(type);
		if (!known && critical)
			return fail(err, GW_IKE_E_UNSUPPORTED_CRITICAL, off, type,
				    "unknown payload type with the critical bit set");
		if (GW_UNLIKELY(msg->n_payloads == GW_IKE_MAX_PAYLOADS))
			return fail(err, GW_IKE_E_TOO_MANY, off, type, "payloads");
		if (known) {
			if (GW_UNLIKELY(inner && (type == GW_IKE_PL_SK || type == GW_IKE_PL_SKF)))
				return fail(err, GW_IKE_E_INVALID_SYNTAX, off, type,
					    "encrypted payload inside an encrypted payload");
			if (GW_UNLIKELY(singleton(type) && gw_ike_msg_has(msg, type)))
				return fail(err, GW_IKE_E_INVALID_SYNTAX, off, type,
					    "payload type may appear only once");
			b = (struct body){ .p = buf + off + 4, .n = plen - 4, .base = off + 4,
					   .type = type, .err = err };
			rc = parse_body(&b, msg, &idx);
			if (rc)
				return rc;
			msg->present |= UINT64_C(1) << (type - 32);
		}
		pl = &msg->payloads[msg->n_payloads++];
		pl->type = type;
		pl->idx = idx;
		pl->critical = critical;
		pl->known = known;
		pl->inner = inner;
		pl->offset = (uint32_t)off;
		pl->len = (uint16_t)plen;

		if (type == GW_IKE_PL_SK || type == GW_IKE_PL_SKF) {
			if (GW_UNLIKELY(off + plen != end))
				return fail(err, GW_IKE_E_INVALID_SYNTAX, off, type,
					    "encrypted payload is not the last payload");
			msg->sk.inner_np = np;
			msg->sk.fragment = type == GW_IKE_PL_SKF;
			msg->sk.payload_off = (uint32_t)off;
			msg->sk.body_off = (uint32_t)(off + 4 + (type == GW_IKE_PL_SKF ? 4 : 0));
			msg->sk.body_len = (uint32_t)(end - msg->sk.body_off);
			return 0;
		}
		off += plen;
	}
	if (GW_UNLIKELY(off != end))
		return fail(err, GW_IKE_E_BAD_LENGTH, off, GW_IKE_PL_NONE,
			    "octets after the last payload");
	return 0;
}

int
gw_ike_msg_parse(const uint8_t *buf, size_t len, struct gw_ike_msg *msg,
		 struct gw_ike_err *err)
{
	struct gw_ike_hdr *h = &msg->hdr;

	memset(msg, 0, sizeof(*msg));
	if (err)
		*err = (struct gw_ike_err){ .code = GW_IKE_E_OK };
	if (GW_UNLIKELY(buf == NULL || len < GW_IKE_HDR_LEN))
		return fail(err, GW_IKE_E_TRUNCATED, 0, 0, "IKE header");

	h->spi_i = rd64(buf);
	h->spi_r = rd64(buf + 8);
	h->next_payload = buf[16];
	h->major = buf[17] >> 4;
	h->minor = buf[17] & 0x0f;
	h->exchange = buf[18];
	h->flags = buf[19];
	h->msg_id = rd32(buf + 20);
	h->length = rd32(buf + 24);
	msg->buf = buf;

	/* a higher minor version must be accepted (RFC 7296 2.5) */
	if (GW_UNLIKELY(h->major != 2))
		return fail(err, GW_IKE_E_BAD_VERSION, 17, 0, "major version");
	if (GW_UNLIKELY(h->length < GW_IKE_HDR_LEN))
		return fail(err, GW_IKE_E_BAD_LENGTH, 24, 0, "header length below 28");
	if (GW_UNLIKELY(h->length > len))
		return fail(err, GW_IKE_E_TRUNCATED, len, 0, "message shorter than its header length");
	if (GW_UNLIKELY(h->length < len))
		return fail(err, GW_IKE_E_BAD_LENGTH, h->length, 0,
			    "datagram longer than the header length");
	msg->len = h->length;
	return parse_chain(buf, GW_IKE_HDR_LEN, len, h->next_payload, false, msg, err);
}

int
gw_ike_msg_parse_inner(struct gw_ike_msg *msg, uint8_t first_np,
		       const uint8_t *plain, size_t len, struct gw_ike_err *err)
{
	if (err)
		*err = (struct gw_ike_err){ .code = GW_IKE_E_OK };
	if (GW_UNLIKELY(msg->inner_parsed || (plain == NULL && len > 0)))
		return fail(err, GW_IKE_E_BAD_ARG, 0, 0, "inner chain already parsed");
	if (GW_UNLIKELY(len > UINT32_MAX))
		return fail(err, GW_IKE_E_BAD_LENGTH, 0, 0, "inner chain too long");
	msg->inner_parsed = true;
	return parse_chain(plain, 0, len, first_np, true, msg, err);
}

int
gw_ike_sk_unpad(const uint8_t *plain, size_t len, size_t *chain_len)
{
	size_t pad;

	if (GW_UNLIKELY(len < 1))
		return GW_IKE_E_INVALID_SYNTAX;
	pad = plain[len - 1];
	if (GW_UNLIKELY(pad + 1 > len))
		return GW_IKE_E_INVALID_SYNTAX;
	*chain_len = len - 1 - pad;
	return 0;
}

const struct gw_ike_notify_pl *
gw_ike_msg_notify(const struct gw_ike_msg *msg, uint16_t type)
{
	for (unsigned i = 0; i < msg->n_notify; i++)
		if (msg->notify[i].type == type)
			return &msg->notify[i];
	return NULL;
}

int
gw_ike_msg_format(const struct gw_ike_msg *msg, char *buf, size_t size)
{
	size_t used = 0;
	int n;

#define APPEND(...)                                                            \
	do {                                                                   \
		n = snprintf(used < size ? buf + used : NULL,                  \
			     used < size ? size - used : 0, __VA_ARGS__);      \
		if (n < 0)                                                     \
			return n;                                              \
		used += (size_t)n;                                             \
	} while (0)

	if (buf == NULL)
		size = 0;
	APPEND("%s %s %u [", gw_ike_exchange_name(msg->hdr.exchange),
	       msg->hdr.flags & GW_IKE_FLAG_R ? "response" : "request",
	       msg->hdr.msg_id);
	for (unsigned i = 0; i < msg->n_payloads; i++) {
		const struct gw_ike_payload *pl = &msg->payloads[i];

		if (!pl->known)
			APPEND(" UNKNOWN(%u)", pl->type);
		else if (pl->type == GW_IKE_PL_NOTIFY) {
			uint16_t t = msg->notify[pl->idx].type;
			const char *name = gw_ike_notify_name(t);

			if (strcmp(name, "UNKNOWN") == 0)
				APPEND(" N(%u)", t);
			else
				APPEND(" N(%s)", name);
		} else if (pl->type == GW_IKE_PL_SKF)
			APPEND(" EF(%u/%u)", msg->sk.frag_num, msg->sk.frag_total);
		else
			APPEND(" %s", gw_ike_payload_short_name(pl->type));
	}
	APPEND(" ]");
#undef APPEND
	return (int)used;
}

/* ----------------------------------------------------------------- writer */

enum { WR_OPEN, WR_IN_SK, WR_SK_CLOSED };

static int
wr_fail(struct gw_ike_writer *w, int code)
{
	if (w->err == GW_IKE_E_OK)
		w->err = code;
	return w->err;
}

void
gw_ike_wr_init(struct gw_ike_writer *w, uint8_t *buf, size_t cap,
	       const struct gw_ike_hdr *hdr)
{
	*w = (struct gw_ike_writer){ .buf = buf, .cap = cap, .np_off = 16,
				     .state = WR_OPEN };
	if (buf == NULL || hdr == NULL) {
		wr_fail(w, GW_IKE_E_BAD_ARG);
		return;
	}
	if (cap < GW_IKE_HDR_LEN) {
		wr_fail(w, GW_IKE_E_NO_SPACE);
		return;
	}
	wr64(buf, hdr->spi_i);
	wr64(buf + 8, hdr->spi_r);
	buf[16] = GW_IKE_PL_NONE;
	buf[17] = GW_IKE_VERSION;
	buf[18] = hdr->exchange;
	buf[19] = hdr->flags & (GW_IKE_FLAG_I | GW_IKE_FLAG_V | GW_IKE_FLAG_R);
	wr32(buf + 20, hdr->msg_id);
	wr32(buf + 24, GW_IKE_HDR_LEN);
	w->len = GW_IKE_HDR_LEN;
}

/*
 * Appends a payload of body_len octets, chains it and returns its body for
 * the caller to fill, or NULL (error recorded).
 */
static uint8_t *
wr_payload(struct gw_ike_writer *w, uint8_t type, bool critical, size_t body_len)
{
	uint8_t *p;

	if (w->err)
		return NULL;
	if (GW_UNLIKELY(w->state == WR_SK_CLOSED)) {
		wr_fail(w, GW_IKE_E_BAD_ARG);
		return NULL;
	}
	if (GW_UNLIKELY(body_len > UINT16_MAX - GW_IKE_GEN_HDR_LEN)) {
		wr_fail(w, GW_IKE_E_BAD_LENGTH);
		return NULL;
	}
	if (GW_UNLIKELY(w->cap - w->len < GW_IKE_GEN_HDR_LEN + body_len)) {
		wr_fail(w, GW_IKE_E_NO_SPACE);
		return NULL;
	}
	p = w->buf + w->len;
	w->buf[w->np_off] = type;
	p[0] = GW_IKE_PL_NONE;
	p[1] = critical ? 0x80 : 0;
	wr16(p + 2, (uint16_t)(GW_IKE_GEN_HDR_LEN + body_len));
	w->np_off = w->len;
	w->len += GW_IKE_GEN_HDR_LEN + body_len;
	return p + GW_IKE_GEN_HDR_LEN;
}

static void
put(uint8_t *dst, const void *src, size_t len)
{
	if (len)
		memcpy(dst, src, len);
}

/* A payload of a fixed 4-octet head (type, reserved...) then data. */
static int
wr_head4(struct gw_ike_writer *w, uint8_t type, const uint8_t head[4],
	 const void *data, size_t len)
{
	uint8_t *p;

	if (GW_UNLIKELY(data == NULL && len > 0))
		return wr_fail(w, GW_IKE_E_BAD_ARG);
	if (GW_UNLIKELY(len > UINT16_MAX))
		return wr_fail(w, GW_IKE_E_BAD_LENGTH);
	p = wr_payload(w, type, false, 4 + len);
	if (p == NULL)
		return w->err;
	memcpy(p, head, 4);
	put(p + 4, data, len);
	return 0;
}

static size_t
sa_body_len(const struct gw_ike_sa_pl *sa)
{
	size_t len = 0;

	for (unsigned i = 0; i < sa->n_prop; i++) {
		const struct gw_ike_sa_prop *pr = &sa->prop[i];

		len += 8 + pr->spi_size;
		for (unsigned j = 0; j < pr->n_xf; j++)
			len += pr->xf[j].has_key_len ? 12 : 8;
	}
	return len;
}

int
gw_ike_wr_sa(struct gw_ike_writer *w, const struct gw_ike_sa_pl *sa)
{
	uint8_t *p;

	if (GW_UNLIKELY(sa == NULL || sa->n_prop == 0 || sa->n_prop > GW_IKE_MAX_PROPOSALS))
		return wr_fail(w, GW_IKE_E_BAD_ARG);
	for (unsigned i = 0; i < sa->n_prop; i++)
		if (GW_UNLIKELY(sa->prop[i].spi_size > GW_IKE_SPI_MAX ||
				sa->prop[i].n_xf > GW_IKE_MAX_TRANSFORMS))
			return wr_fail(w, GW_IKE_E_BAD_ARG);
	p = wr_payload(w, GW_IKE_PL_SA, false, sa_body_len(sa));
	if (p == NULL)
		return w->err;
	for (unsigned i = 0; i < sa->n_prop; i++) {
		const struct gw_ike_sa_prop *pr = &sa->prop[i];
		uint8_t *prop = p;

		p[0] = i + 1 == sa->n_prop ? 0 : 2;
		p[1] = 0;
		p[4] = pr->num;
		p[5] = pr->protocol;
		p[6] = pr->spi_size;
		p[7] = pr->n_xf;
		put(p + 8, pr->spi, pr->spi_size);
		p += 8 + pr->spi_size;
		for (unsigned j = 0; j < pr->n_xf; j++) {
			const struct gw_ike_transform *xf = &pr->xf[j];
			uint16_t xlen = xf->has_key_len ? 12 : 8;

			p[0] = j + 1 == pr->n_xf ? 0 : 3;
			p[1] = 0;
			wr16(p + 2, xlen);
			p[4] = xf->type;
			p[5] = 0;
			wr16(p + 6, xf->id);
			if (xf->has_key_len) {
				wr16(p + 8, 0x8000 | GW_IKE_ATTR_KEY_LENGTH);
				wr16(p + 10, xf->key_len);
			}
			p += xlen;
		}
		wr16(prop + 2, (uint16_t)(p - prop));
	}
	return 0;
}

int
gw_ike_wr_ke(struct gw_ike_writer *w, uint16_t group, const void *data, size_t len)
{
	uint8_t head[4] = { (uint8_t)(group >> 8), (uint8_t)group, 0, 0 };

	return wr_head4(w, GW_IKE_PL_KE, head, data, len);
}

int
gw_ike_wr_nonce(struct gw_ike_writer *w, const void *data, size_t len)
{
	uint8_t *p;

	if (GW_UNLIKELY(data == NULL || len < GW_IKE_NONCE_MIN || len > GW_IKE_NONCE_MAX))
		return wr_fail(w, GW_IKE_E_BAD_ARG);
	p = wr_payload(w, GW_IKE_PL_NONCE, false, len);
	if (p == NULL)
		return w->err;
	memcpy(p, data, len);
	return 0;
}

int
gw_ike_wr_id(struct gw_ike_writer *w, uint8_t payload, uint8_t id_type,
	     const void *data, size_t len)
{
	uint8_t head[4] = { id_type, 0, 0, 0 };

	if (GW_UNLIKELY(payload != GW_IKE_PL_IDI && payload != GW_IKE_PL_IDR))
		return wr_fail(w, GW_IKE_E_BAD_ARG);
	if (GW_UNLIKELY((id_type == GW_IKE_ID_IPV4_ADDR && len != 4) ||
			(id_type == GW_IKE_ID_IPV6_ADDR && len != 16)))
		return wr_fail(w, GW_IKE_E_BAD_ARG);
	return wr_head4(w, payload, head, data, len);
}

int
gw_ike_wr_auth(struct gw_ike_writer *w, uint8_t method, const void *data, size_t len)
{
	uint8_t head[4] = { method, 0, 0, 0 };

	return wr_head4(w, GW_IKE_PL_AUTH, head, data, len);
}

int
gw_ike_wr_notify(struct gw_ike_writer *w, uint8_t protocol, const void *spi,
		 size_t spi_size, uint16_t type, const void *data, size_t len)
{
	uint8_t *p;

	if (GW_UNLIKELY(spi_size > UINT8_MAX || (spi == NULL && spi_size > 0) ||
			(data == NULL && len > 0) || len > UINT16_MAX))
		return wr_fail(w, GW_IKE_E_BAD_ARG);
	p = wr_payload(w, GW_IKE_PL_NOTIFY, false, 4 + spi_size + len);
	if (p == NULL)
		return w->err;
	p[0] = protocol;
	p[1] = (uint8_t)spi_size;
	wr16(p + 2, type);
	put(p + 4, spi, spi_size);
	put(p + 4 + spi_size, data, len);
	return 0;
}

int
gw_ike_wr_delete(struct gw_ike_writer *w, uint8_t protocol, uint8_t spi_size,
		 const void *spis, uint16_t n_spi)
{
	size_t len = (size_t)spi_size * n_spi;
	uint8_t head[4] = { protocol, spi_size, (uint8_t)(n_spi >> 8), (uint8_t)n_spi };

	if (GW_UNLIKELY((protocol == GW_IKE_PROTO_IKE && spi_size != 0) ||
			((protocol == GW_IKE_PROTO_ESP || protocol == GW_IKE_PROTO_AH) &&
			 spi_size != 4)))
		return wr_fail(w, GW_IKE_E_BAD_ARG);
	return wr_head4(w, GW_IKE_PL_DELETE, head, spis, len);
}

int
gw_ike_wr_ts(struct gw_ike_writer *w, uint8_t payload, const struct gw_ike_ts *ts,
	     size_t n)
{
	size_t len = 4;
	uint8_t *p;

	if (GW_UNLIKELY((payload != GW_IKE_PL_TSI && payload != GW_IKE_PL_TSR) ||
			ts == NULL || n == 0 || n > GW_IKE_MAX_TS))
		return wr_fail(w, GW_IKE_E_BAD_ARG);
	for (size_t i = 0; i < n; i++) {
		if (ts[i].type == GW_IKE_TS_IPV4_ADDR_RANGE)
			len += 16;
		else if (ts[i].type == GW_IKE_TS_IPV6_ADDR_RANGE)
			len += 40;
		else
			return wr_fail(w, GW_IKE_E_BAD_ARG);
	}
	p = wr_payload(w, payload, false, len);
	if (p == NULL)
		return w->err;
	p[0] = (uint8_t)n;
	p[1] = p[2] = p[3] = 0;
	p += 4;
	for (size_t i = 0; i < n; i++) {
		size_t alen = ts[i].type == GW_IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;

		p[0] = ts[i].type;
		p[1] = ts[i].ip_proto;
		wr16(p + 2, (uint16_t)(8 + 2 * alen));
		wr16(p + 4, ts[i].start_port);
		wr16(p + 6, ts[i].end_port);
		memcpy(p + 8, ts[i].start, alen);
		memcpy(p + 8 + alen, ts[i].end, alen);
		p += 8 + 2 * alen;
	}
	return 0;
}

int
gw_ike_wr_vendor(struct gw_ike_writer *w, const void *data, size_t len)
{
	return gw_ike_wr_raw(w, GW_IKE_PL_VENDOR, false, data, len);
}

static int
wr_cert(struct gw_ike_writer *w, uint8_t type, uint8_t encoding,
	const void *data, size_t len)
{
	uint8_t *p;

	if (GW_UNLIKELY(data == NULL && len > 0))
		return wr_fail(w, GW_IKE_E_BAD_ARG);
	p = wr_payload(w, type, false, 1 + len);
	if (p == NULL)
		return w->err;
	p[0] = encoding;
	put(p + 1, data, len);
	return 0;
}

int
gw_ike_wr_cert(struct gw_ike_writer *w, uint8_t encoding, const void *data, size_t len)
{
	return wr_cert(w, GW_IKE_PL_CERT, encoding, data, len);
}

int
gw_ike_wr_certreq(struct gw_ike_writer *w, uint8_t encoding, const void *data,
		  size_t len)
{
	return wr_cert(w, GW_IKE_PL_CERTREQ, encoding, data, len);
}

int
gw_ike_wr_cp(struct gw_ike_writer *w, uint8_t cfg_type,
	     const struct gw_ike_cp_attr *attr, size_t n)
{
	size_t len = 4;
	uint8_t *p;

	if (GW_UNLIKELY((attr == NULL && n > 0) || n > GW_IKE_MAX_CP_ATTRS))
		return wr_fail(w, GW_IKE_E_BAD_ARG);
	for (size_t i = 0; i < n; i++) {
		if (GW_UNLIKELY(attr[i].value == NULL && attr[i].len > 0))
			return wr_fail(w, GW_IKE_E_BAD_ARG);
		len += 4 + attr[i].len;
	}
	p = wr_payload(w, GW_IKE_PL_CP, false, len);
	if (p == NULL)
		return w->err;
	p[0] = cfg_type;
	p[1] = p[2] = p[3] = 0;
	p += 4;
	for (size_t i = 0; i < n; i++) {
		wr16(p, attr[i].type & 0x7fff);
		wr16(p + 2, attr[i].len);
		put(p + 4, attr[i].value, attr[i].len);
		p += 4 + attr[i].len;
	}
	return 0;
}

int
gw_ike_wr_eap(struct gw_ike_writer *w, const void *data, size_t len)
{
	return gw_ike_wr_raw(w, GW_IKE_PL_EAP, false, data, len);
}

int
gw_ike_wr_raw(struct gw_ike_writer *w, uint8_t type, bool critical,
	      const void *body, size_t len)
{
	uint8_t *p;

	if (GW_UNLIKELY(type == GW_IKE_PL_NONE || (body == NULL && len > 0)))
		return wr_fail(w, GW_IKE_E_BAD_ARG);
	p = wr_payload(w, type, critical, len);
	if (p == NULL)
		return w->err;
	put(p, body, len);
	return 0;
}

int
gw_ike_wr_sk_begin(struct gw_ike_writer *w, size_t iv_len)
{
	uint8_t *p;

	if (GW_UNLIKELY(w->state != WR_OPEN))
		return wr_fail(w, GW_IKE_E_BAD_ARG);
	p = wr_payload(w, GW_IKE_PL_SK, false, 0);
	if (p == NULL)
		return w->err;
	w->sk_off = w->np_off;
	if (GW_UNLIKELY(w->cap - w->len < iv_len))
		return wr_fail(w, GW_IKE_E_NO_SPACE);
	memset(p, 0, iv_len);
	w->len += iv_len;
	w->plain_off = w->len;
	w->state = WR_IN_SK;
	return 0;
}

int
gw_ike_wr_sk_end(struct gw_ike_writer *w, size_t block_size, size_t icv_len,
		 struct gw_ike_sk_layout *layout)
{
	size_t chain, pad = 0, sk_len;

	if (w->err)
		return w->err;
	if (GW_UNLIKELY(w->state != WR_IN_SK || block_size > 256))
		return wr_fail(w, GW_IKE_E_BAD_ARG);
	chain = w->len - w->plain_off;
	if (block_size > 1)
		pad = (block_size - (chain + 1) % block_size) % block_size;
	if (GW_UNLIKELY(w->cap - w->len < pad + 1 + icv_len))
		return wr_fail(w, GW_IKE_E_NO_SPACE);
	sk_len = w->len + pad + 1 + icv_len - w->sk_off;
	if (GW_UNLIKELY(sk_len > UINT16_MAX))
		return wr_fail(w, GW_IKE_E_BAD_LENGTH);
	/* RFC 7296 3.14: padding may hold any value; zeros leak nothing */
	memset(w->buf + w->len, 0, pad);
	w->buf[w->len + pad] = (uint8_t)pad;
	memset(w->buf + w->len + pad + 1, 0, icv_len);
	w->len += pad + 1 + icv_len;
	wr16(w->buf + w->sk_off + 2, (uint16_t)sk_len);
	wr32(w->buf + 24, (uint32_t)w->len);
	w->state = WR_SK_CLOSED;
	if (layout) {
		size_t iv_off = w->sk_off + GW_IKE_GEN_HDR_LEN;

		*layout = (struct gw_ike_sk_layout){
			.sk_off = w->sk_off,
			.aad_len = iv_off,
			.iv_off = iv_off,
			.iv_len = w->plain_off - iv_off,
			.plain_off = w->plain_off,
			.plain_len = chain + pad + 1,
			.pad_len = pad,
			.icv_off = w->len - icv_len,
			.icv_len = icv_len,
			.msg_len = w->len,
		};
	}
	return 0;
}

int
gw_ike_wr_finish(struct gw_ike_writer *w, size_t *len)
{
	if (w->err)
		return w->err;
	if (GW_UNLIKELY(w->state == WR_IN_SK || w->len > UINT32_MAX))
		return wr_fail(w, GW_IKE_E_BAD_ARG);
	wr32(w->buf + 24, (uint32_t)w->len);
	if (len)
		*len = w->len;
	return 0;
}
