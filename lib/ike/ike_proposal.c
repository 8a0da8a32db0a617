/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proposals: strongSwan's keyword syntax, SA payload conversion, selection.
 *
 * One keyword table serves parsing and formatting; the first keyword of a
 * (type, id, key length) is the one printed, so that format(parse(s))
 * gives strongSwan's canonical spelling and parses back to the same thing.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gw_common.h"
#include "gw_ike_proposal.h"

/* ----------------------------------------------------------- the keywords */

/* _(keyword, transform type, transform id, key length in bits) */
#define foreach_prop_keyword                                                  \
	_("aes128", ENCR, AES_CBC, 128)                                        \
	_("aes192", ENCR, AES_CBC, 192)                                        \
	_("aes256", ENCR, AES_CBC, 256)                                        \
	_("aes", ENCR, AES_CBC, 128)                                           \
	_("aes128ctr", ENCR, AES_CTR, 128)                                     \
	_("aes192ctr", ENCR, AES_CTR, 192)                                     \
	_("aes256ctr", ENCR, AES_CTR, 256)                                     \
	_("aes128gcm16", ENCR, AES_GCM_16, 128)                                \
	_("aes192gcm16", ENCR, AES_GCM_16, 192)                                \
	_("aes256gcm16", ENCR, AES_GCM_16, 256)                                \
	_("aes128gcm", ENCR, AES_GCM_16, 128)                                  \
	_("aes192gcm", ENCR, AES_GCM_16, 192)                                  \
	_("aes256gcm", ENCR, AES_GCM_16, 256)                                  \
	_("aes128gcm128", ENCR, AES_GCM_16, 128)                               \
	_("aes256gcm128", ENCR, AES_GCM_16, 256)                               \
	_("aes128gcm12", ENCR, AES_GCM_12, 128)                                \
	_("aes256gcm12", ENCR, AES_GCM_12, 256)                                \
	_("aes128gcm8", ENCR, AES_GCM_8, 128)                                  \
	_("aes256gcm8", ENCR, AES_GCM_8, 256)                                  \
	_("aes128ccm16", ENCR, AES_CCM_16, 128)                                \
	_("aes256ccm16", ENCR, AES_CCM_16, 256)                                \
	_("aes128ccm12", ENCR, AES_CCM_12, 128)                                \
	_("aes256ccm12", ENCR, AES_CCM_12, 256)                                \
	_("aes128ccm8", ENCR, AES_CCM_8, 128)                                  \
	_("aes256ccm8", ENCR, AES_CCM_8, 256)                                  \
	_("chacha20poly1305", ENCR, CHACHA20_POLY1305, 0)                      \
	_("3des", ENCR, 3DES, 0)                                               \
	_("des", ENCR, DES, 0)                                                 \
	_("sha256", INTEG, HMAC_SHA2_256_128, 0)                               \
	_("sha384", INTEG, HMAC_SHA2_384_192, 0)                               \
	_("sha512", INTEG, HMAC_SHA2_512_256, 0)                               \
	_("sha1", INTEG, HMAC_SHA1_96, 0)                                      \
	_("md5", INTEG, HMAC_MD5_96, 0)                                        \
	_("sha2_256", INTEG, HMAC_SHA2_256_128, 0)                             \
	_("sha2_384", INTEG, HMAC_SHA2_384_192, 0)                             \
	_("sha2_512", INTEG, HMAC_SHA2_512_256, 0)                             \
	_("sha", INTEG, HMAC_SHA1_96, 0)                                       \
	_("aesxcbc", INTEG, AES_XCBC_96, 0)                                    \
	_("aescmac", INTEG, AES_CMAC_96, 0)                                    \
	_("prfsha256", PRF, HMAC_SHA2_256, 0)                                  \
	_("prfsha384", PRF, HMAC_SHA2_384, 0)                                  \
	_("prfsha512", PRF, HMAC_SHA2_512, 0)                                  \
	_("prfsha1", PRF, HMAC_SHA1, 0)                                        \
	_("prfmd5", PRF, HMAC_MD5, 0)                                          \
	_("prfaesxcbc", PRF, AES128_XCBC, 0)                                   \
	_("prfaescmac", PRF, AES128_CMAC, 0)                                   \
	_("modp2048", DH, MODP2048, 0)                                         \
	_("modp3072", DH, MODP3072, 0)                                         \
	_("modp4096", DH, MODP4096, 0)                                         \
	_("modp6144", DH, MODP6144, 0)                                         \
	_("modp8192", DH, MODP8192, 0)                                         \
	_("ecp256", DH, ECP256, 0)                                             \
	_("ecp384", DH, ECP384, 0)                                             \
	_("ecp521", DH, ECP521, 0)                                             \
	_("curve25519", DH, CURVE25519, 0)                                     \
	_("x25519", DH, CURVE25519, 0)                                         \
	_("curve448", DH, CURVE448, 0)                                         \
	_("x448", DH, CURVE448, 0)                                             \
	_("modp1536", DH, MODP1536, 0)                                         \
	_("modp1024", DH, MODP1024, 0)                                         \
	_("modp768", DH, MODP768, 0)                                           \
	_("esn", ESN, YES, 0)                                                  \
	_("noesn", ESN, NO, 0)

struct keyword {
	const char *name;
	uint8_t type;
	uint16_t id;
	uint16_t key_len;
};

static const struct keyword keywords[] = {
#define _(s, t, i, k) { s, GW_IKE_XF_##t, GW_IKE_##t##_##i, k },
	foreach_prop_keyword
#undef _
};

/* The PRF an IKE proposal gets from an integrity keyword (strongSwan). */
static uint16_t
prf_for_integ(uint16_t integ)
{
	switch (integ) {
	case GW_IKE_INTEG_HMAC_MD5_96: return GW_IKE_PRF_HMAC_MD5;
	case GW_IKE_INTEG_HMAC_SHA1_96: return GW_IKE_PRF_HMAC_SHA1;
	case GW_IKE_INTEG_AES_XCBC_96: return GW_IKE_PRF_AES128_XCBC;
	case GW_IKE_INTEG_AES_CMAC_96: return GW_IKE_PRF_AES128_CMAC;
	case GW_IKE_INTEG_HMAC_SHA2_256_128: return GW_IKE_PRF_HMAC_SHA2_256;
	case GW_IKE_INTEG_HMAC_SHA2_384_192: return GW_IKE_PRF_HMAC_SHA2_384;
	case GW_IKE_INTEG_HMAC_SHA2_512_256: return GW_IKE_PRF_HMAC_SHA2_512;
	}
	return 0;
}

bool
gw_ike_alg_is_weak(uint8_t type, uint16_t id)
{
	switch (type) {
	case GW_IKE_XF_ENCR:
		/* DES_IV64 (1), DES, 3DES, DES_IV32 (9), NULL */
		return id == 1 || id == GW_IKE_ENCR_DES || id == GW_IKE_ENCR_3DES ||
		       id == 9 || id == GW_IKE_ENCR_NULL;
	case GW_IKE_XF_PRF:
		return id == GW_IKE_PRF_HMAC_MD5 || id == GW_IKE_PRF_HMAC_SHA1;
	case GW_IKE_XF_INTEG:
		return id == GW_IKE_INTEG_HMAC_MD5_96 || id == GW_IKE_INTEG_HMAC_SHA1_96;
	case GW_IKE_XF_DH:
		/* and the MODP groups with small subgroups, 22..24 (RFC 8247) */
		return id == GW_IKE_DH_MODP768 || id == GW_IKE_DH_MODP1024 ||
		       id == GW_IKE_DH_MODP1536 || (id >= 22 && id <= 24);
	}
	return false;
}

static const struct keyword *
keyword_find(const char *tok, size_t len)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(keywords); i++)
		if (strlen(keywords[i].name) == len &&
		    strncasecmp(keywords[i].name, tok, len) == 0)
			return &keywords[i];
	return NULL;
}

static const struct keyword *
keyword_for(uint8_t type, uint16_t id, uint16_t key_len)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(keywords); i++)
		if (keywords[i].type == type && keywords[i].id == id &&
		    keywords[i].key_len == key_len)
			return &keywords[i];
	return NULL;
}

/* ------------------------------------------------------ bounded text out */

struct sbuf {
	char *buf;
	size_t size;
	size_t used;               /* may exceed size: what snprintf would need */
};

__attribute__((format(printf, 2, 3))) static void
sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(sb->used < sb->size ? sb->buf + sb->used : NULL,
		      sb->used < sb->size ? sb->size - sb->used : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb->used += (size_t)n;
}

static struct sbuf
sb_init(char *buf, size_t size)
{
	if (buf && size)
		buf[0] = '\0';
	return (struct sbuf){ .buf = buf, .size = buf ? size : 0 };
}

__attribute__((format(printf, 3, 4))) static void
set_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- parsing */

static bool
prop_has(const struct gw_ike_proposal *p, uint8_t type, uint16_t id, uint16_t key_len)
{
	for (unsigned i = 0; i < p->n[type]; i++)
		if (p->alg[type][i].id == id && p->alg[type][i].key_len == key_len)
			return true;
	return false;
}

/* Adds an algorithm unless present; false when the type's list is full. */
static bool
prop_add(struct gw_ike_proposal *p, uint8_t type, uint16_t id, uint16_t key_len)
{
	if (prop_has(p, type, id, key_len))
		return true;
	if (p->n[type] == GW_IKE_PROP_MAX_ALGS)
		return false;
	p->alg[type][p->n[type]++] = (struct gw_ike_alg){ .id = id, .key_len = key_len };
	return true;
}

static bool
prop_is_weak(const struct gw_ike_proposal *p)
{
	for (uint8_t t = 1; t <= GW_IKE_XF_TYPE_MAX; t++)
		for (unsigned i = 0; i < p->n[t]; i++)
			if (gw_ike_alg_is_weak(t, p->alg[t][i].id))
				return true;
	return false;
}

static const char *
proto_word(uint8_t protocol)
{
	return protocol == GW_IKE_PROTO_IKE ? "IKE" : "ESP";
}

/* Parses str[0, len) (not NUL-terminated); messages quote it. */
static int
parse_n(const char *str, size_t len, uint8_t protocol, unsigned flags,
	struct gw_ike_proposal *p, char *errbuf, size_t errlen)
{
	const char *tok = str, *end = str + len;
	const char *aead_kw = NULL, *plain_kw = NULL, *integ_kw = NULL;
	int aead_len = 0, plain_len = 0, integ_len = 0;
	int slen = (int)(len > 200 ? 200 : len);
	bool aead = false, plain = false;

	memset(p, 0, sizeof(*p));
	p->protocol = protocol;
	if (protocol != GW_IKE_PROTO_IKE && protocol != GW_IKE_PROTO_ESP) {
		set_err(errbuf, errlen, "proposals are for IKE or ESP, not protocol %u",
			protocol);
		return GW_IKE_E_BAD_PROPOSAL;
	}
	while (tok <= end) {
		const char *dash = memchr(tok, '-', (size_t)(end - tok));
		const char *tend = dash ? dash : end;
		const char *a = tok, *b = tend;
		const struct keyword *kw;

		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (a == b) {
			set_err(errbuf, errlen, "empty algorithm name in proposal '%.*s'",
				slen, str);
			return GW_IKE_E_BAD_PROPOSAL;
		}
		kw = keyword_find(a, (size_t)(b - a));
		if (kw == NULL) {
			set_err(errbuf, errlen, "unknown algorithm '%.*s' in proposal '%.*s'",
				(int)(b - a > 40 ? 40 : b - a), a, slen, str);
			return GW_IKE_E_BAD_PROPOSAL;
		}
		if (gw_ike_alg_is_weak(kw->type, kw->id) && !(flags & GW_IKE_PROP_ALLOW_WEAK)) {
			set_err(errbuf, errlen,
				"weak algorithm '%s' in proposal '%.*s' refused "
				"(allow weak algorithms to use it)", kw->name, slen, str);
			return GW_IKE_E_WEAK_ALGORITHM;
		}
		if (!prop_add(p, kw->type, kw->id, kw->key_len)) {
			set_err(errbuf, errlen, "more than %d %s algorithms in proposal '%.*s'",
				GW_IKE_PROP_MAX_ALGS, gw_ike_xf_type_name(kw->type), slen, str);
			return GW_IKE_E_BAD_PROPOSAL;
		}
		if (kw->type == GW_IKE_XF_ENCR) {
			if (gw_ike_encr_is_aead(kw->id)) {
				if (!aead)
					aead_kw = a, aead_len = (int)(b - a);
				aead = true;
			} else {
				if (!plain)
					plain_kw = a, plain_len = (int)(b - a);
				plain = true;
			}
		} else if (kw->type == GW_IKE_XF_INTEG && integ_kw == NULL) {
			integ_kw = a;
			integ_len = (int)(b - a);
		}
		if (dash == NULL)
			break;
		tok = dash + 1;
	}

	if (p->n[GW_IKE_XF_ENCR] == 0) {
		set_err(errbuf, errlen, "no encryption algorithm in proposal '%.*s'", slen, str);
		return GW_IKE_E_BAD_PROPOSAL;
	}
	if (aead && plain) {
		set_err(errbuf, errlen,
			"proposal '%.*s' mixes AEAD '%.*s' and non-AEAD '%.*s' ciphers; "
			"use separate proposals", slen, str, aead_len, aead_kw,
			plain_len, plain_kw);
		return GW_IKE_E_BAD_PROPOSAL;
	}
	if (aead && p->n[GW_IKE_XF_INTEG]) {
		set_err(errbuf, errlen,
			"AEAD algorithm '%.*s' with integrity algorithm '%.*s' in proposal '%.*s'",
			aead_len, aead_kw, integ_len, integ_kw, slen, str);
		return GW_IKE_E_BAD_PROPOSAL;
	}

	if (protocol == GW_IKE_PROTO_IKE) {
		if (p->n[GW_IKE_XF_ESN]) {
			set_err(errbuf, errlen, "esn/noesn in IKE proposal '%.*s' (ESP only)",
				slen, str);
			return GW_IKE_E_BAD_PROPOSAL;
		}
		if (!aead && p->n[GW_IKE_XF_INTEG] == 0) {
			set_err(errbuf, errlen,
				"IKE proposal '%.*s' needs an integrity algorithm for '%.*s'",
				slen, str, plain_len, plain_kw);
			return GW_IKE_E_BAD_PROPOSAL;
		}
		if (p->n[GW_IKE_XF_PRF] == 0) {
			/* strongSwan: the integrity algorithms' PRFs, in order */
			for (unsigned i = 0; i < p->n[GW_IKE_XF_INTEG]; i++) {
				uint16_t prf = prf_for_integ(p->alg[GW_IKE_XF_INTEG][i].id);

				if (prf && !prop_add(p, GW_IKE_XF_PRF, prf, 0))
					break;
			}
		}
		if (p->n[GW_IKE_XF_PRF] == 0) {
			set_err(errbuf, errlen,
				"IKE proposal '%.*s' needs a PRF (e.g. prfsha256) with AEAD '%.*s'",
				slen, str, aead_len, aead_kw);
			return GW_IKE_E_BAD_PROPOSAL;
		}
		if (p->n[GW_IKE_XF_DH] == 0) {
			set_err(errbuf, errlen,
				"IKE proposal '%.*s' needs a DH group (e.g. ecp256, modp2048)",
				slen, str);
			return GW_IKE_E_BAD_PROPOSAL;
		}
	} else {
		if (p->n[GW_IKE_XF_PRF]) {
			set_err(errbuf, errlen, "PRF in ESP proposal '%.*s' (IKE only)", slen, str);
			return GW_IKE_E_BAD_PROPOSAL;
		}
		if (p->n[GW_IKE_XF_ESN] == 0)
			prop_add(p, GW_IKE_XF_ESN, GW_IKE_ESN_NO, 0);
		if (!aead && p->n[GW_IKE_XF_INTEG] == 0) {
			if (!(flags & GW_IKE_PROP_ALLOW_WEAK)) {
				set_err(errbuf, errlen,
					"ESP proposal '%.*s' without integrity refused "
					"(allow weak algorithms to use it)", slen, str);
				return GW_IKE_E_WEAK_ALGORITHM;
			}
			p->weak = true;
		}
	}
	p->weak = p->weak || prop_is_weak(p);
	return 0;
}

int
gw_ike_proposal_parse(const char *str, uint8_t protocol, unsigned flags,
		      struct gw_ike_proposal *p, char *errbuf, size_t errlen)
{
	if (str == NULL || p == NULL) {
		set_err(errbuf, errlen, "no proposal");
		return GW_IKE_E_BAD_PROPOSAL;
	}
	return parse_n(str, strlen(str), protocol, flags, p, errbuf, errlen);
}

int
gw_ike_proposal_list_parse(const char *str, uint8_t protocol, unsigned flags,
			   struct gw_ike_proposal *list, size_t max, size_t *n,
			   char *errbuf, size_t errlen)
{
	const char *item, *end;

	*n = 0;
	if (str == NULL || list == NULL) {
		set_err(errbuf, errlen, "no proposal");
		return GW_IKE_E_BAD_PROPOSAL;
	}
	end = str + strlen(str);
	for (item = str; item <= end;) {
		const char *comma = memchr(item, ',', (size_t)(end - item));
		const char *iend = comma ? comma : end;
		const char *a = item, *b = iend;
		int rc;

		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (a == b) {
			set_err(errbuf, errlen, "empty proposal in '%.200s'", str);
			return GW_IKE_E_BAD_PROPOSAL;
		}
		if (*n == max) {
			set_err(errbuf, errlen, "more than %zu proposals in '%.200s'", max, str);
			return GW_IKE_E_BAD_PROPOSAL;
		}
		rc = parse_n(a, (size_t)(b - a), protocol, flags, &list[*n], errbuf, errlen);
		if (rc)
			return rc;
		(*n)++;
		if (comma == NULL)
			break;
		item = comma + 1;
	}
	return 0;
}

/* ------------------------------------------------------------- formatting */

/* The order strongSwan writes them: encryption, integrity, PRF, DH, ESN. */
static const uint8_t format_order[] = {
	GW_IKE_XF_ENCR, GW_IKE_XF_INTEG, GW_IKE_XF_PRF, GW_IKE_XF_DH, GW_IKE_XF_ESN,
};

static void
format_alg(struct sbuf *sb, uint8_t type, uint16_t id, uint16_t key_len, bool *first)
{
	const struct keyword *kw = keyword_for(type, id, key_len);
	const char *sep = *first ? "" : "-";

	*first = false;
	if (kw) {
		sb_printf(sb, "%s%s", sep, kw->name);
		return;
	}
	if (strcmp(gw_ike_xf_id_name(type, id), "UNKNOWN") != 0)
		sb_printf(sb, "%s%s", sep, gw_ike_xf_id_name(type, id));
	else
		sb_printf(sb, "%s%s_%u", sep, gw_ike_xf_type_name(type), id);
	if (key_len)
		sb_printf(sb, "_%u", key_len);
}

static void
format_prop(struct sbuf *sb, const struct gw_ike_proposal *p)
{
	bool first = true;

	for (size_t k = 0; k < GW_ARRAY_SIZE(format_order); k++) {
		uint8_t t = format_order[k];

		for (unsigned i = 0; i < p->n[t]; i++) {
			const struct gw_ike_alg *a = &p->alg[t][i];

			if (a->id == 0 && (t == GW_IKE_XF_INTEG || t == GW_IKE_XF_DH))
				continue;       /* NONE */
			format_alg(sb, t, a->id, a->key_len, &first);
		}
	}
}

int
gw_ike_proposal_format(const struct gw_ike_proposal *p, char *buf, size_t size)
{
	struct sbuf sb = sb_init(buf, size);

	format_prop(&sb, p);
	return (int)sb.used;
}

int
gw_ike_proposal_list_format(const struct gw_ike_proposal *list, size_t n,
			    char *buf, size_t size)
{
	struct sbuf sb = sb_init(buf, size);

	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_printf(&sb, ",");
		format_prop(&sb, &list[i]);
	}
	return (int)sb.used;
}

static void
format_sa_prop(struct sbuf *sb, const struct gw_ike_sa_prop *in)
{
	bool first = true;

	if (in->protocol == GW_IKE_PROTO_IKE || in->protocol == GW_IKE_PROTO_ESP ||
	    in->protocol == GW_IKE_PROTO_AH)
		sb_printf(sb, "%s:", gw_ike_proto_name(in->protocol));
	else
		sb_printf(sb, "PROTO_%u:", in->protocol);
	for (size_t k = 0; k < GW_ARRAY_SIZE(format_order); k++)
		for (unsigned i = 0; i < in->n_xf; i++) {
			const struct gw_ike_transform *xf = &in->xf[i];

			if (xf->type == format_order[k])
				format_alg(sb, xf->type, xf->id,
					   xf->has_key_len ? xf->key_len : 0, &first);
		}
	for (unsigned i = 0; i < in->n_xf; i++) {
		const struct gw_ike_transform *xf = &in->xf[i];

		if (xf->type == 0 || xf->type > GW_IKE_XF_TYPE_MAX) {
			sb_printf(sb, "%sTYPE%u_%u", first ? "" : "-", xf->type, xf->id);
			first = false;
		}
	}
}

int
gw_ike_sa_prop_format(const struct gw_ike_sa_prop *in, char *buf, size_t size)
{
	struct sbuf sb = sb_init(buf, size);

	format_sa_prop(&sb, in);
	return (int)sb.used;
}

/* ------------------------------------------------------ SA payload <-> us */

int
gw_ike_proposal_to_sa(const struct gw_ike_proposal *p, uint8_t num,
		      const void *spi, uint8_t spi_size, struct gw_ike_sa_prop *out)
{
	unsigned k = 0;

	if (p == NULL || out == NULL || spi_size > GW_IKE_SPI_MAX ||
	    (spi == NULL && spi_size > 0))
		return GW_IKE_E_BAD_ARG;
	memset(out, 0, sizeof(*out));
	out->num = num;
	out->protocol = p->protocol;
	out->spi_size = spi_size;
	if (spi_size)
		memcpy(out->spi, spi, spi_size);
	for (uint8_t t = 1; t <= GW_IKE_XF_TYPE_MAX; t++)
		for (unsigned i = 0; i < p->n[t]; i++) {
			if (k == GW_IKE_MAX_TRANSFORMS)
				return GW_IKE_E_TOO_MANY;
			out->xf[k++] = (struct gw_ike_transform){
				.type = t,
				.id = p->alg[t][i].id,
				.key_len = p->alg[t][i].key_len,
				.has_key_len = p->alg[t][i].key_len != 0,
			};
		}
	out->n_xf = (uint8_t)k;
	return 0;
}

int
gw_ike_proposal_list_to_sa(const struct gw_ike_proposal *list, size_t n,
			   const void *spi, uint8_t spi_size, struct gw_ike_sa_pl *out)
{
	int rc;

	if (list == NULL || out == NULL || n == 0 || n > GW_IKE_MAX_PROPOSALS)
		return GW_IKE_E_BAD_ARG;
	out->n_prop = 0;
	for (size_t i = 0; i < n; i++) {
		rc = gw_ike_proposal_to_sa(&list[i], (uint8_t)(i + 1), spi, spi_size,
					   &out->prop[i]);
		if (rc)
			return rc;
	}
	out->n_prop = (uint8_t)n;
	return 0;
}

int
gw_ike_proposal_from_sa(const struct gw_ike_sa_prop *in, struct gw_ike_proposal *p,
			char *errbuf, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->protocol = in->protocol;
	for (unsigned i = 0; i < in->n_xf; i++) {
		const struct gw_ike_transform *xf = &in->xf[i];

		if (xf->type == 0 || xf->type > GW_IKE_XF_TYPE_MAX) {
			set_err(errbuf, errlen, "proposal %u: unknown transform type %u",
				in->num, xf->type);
			return GW_IKE_E_BAD_PROPOSAL;
		}
		if (xf->unknown_attr) {
			set_err(errbuf, errlen, "proposal %u: unknown attribute in %s transform %u",
				in->num, gw_ike_xf_type_name(xf->type), xf->id);
			return GW_IKE_E_BAD_PROPOSAL;
		}
		if (!prop_add(p, xf->type, xf->id, xf->has_key_len ? xf->key_len : 0)) {
			set_err(errbuf, errlen, "proposal %u: more than %d %s transforms",
				in->num, GW_IKE_PROP_MAX_ALGS, gw_ike_xf_type_name(xf->type));
			return GW_IKE_E_BAD_PROPOSAL;
		}
	}
	p->weak = prop_is_weak(p);
	return 0;
}

/* -------------------------------------------------------------- selection */

static bool
spi_size_ok(uint8_t protocol, uint8_t spi_size)
{
	if (protocol == GW_IKE_PROTO_IKE)
		return spi_size == 0 || spi_size == 8;
	return spi_size == 4;
}

/*
 * Does local proposal l accept the peer's proposal pp? On success chosen
 * holds one algorithm per transform type the reply will carry.
 */
static bool
match(const struct gw_ike_proposal *l, const struct gw_ike_sa_prop *pp,
      uint16_t ke_group, struct gw_ike_proposal *chosen)
{
	if (pp->protocol != l->protocol || !spi_size_ok(pp->protocol, pp->spi_size))
		return false;
	for (unsigned i = 0; i < pp->n_xf; i++)
		if (pp->xf[i].type == 0 || pp->xf[i].type > GW_IKE_XF_TYPE_MAX)
			return false;   /* RFC 7296 3.3.6: a type we do not know */

	memset(chosen, 0, sizeof(*chosen));
	chosen->protocol = l->protocol;
	for (uint8_t t = 1; t <= GW_IKE_XF_TYPE_MAX; t++) {
		const struct gw_ike_transform *pick = NULL;
		bool offered = false, none = false;

		for (unsigned i = 0; i < pp->n_xf; i++) {
			const struct gw_ike_transform *xf = &pp->xf[i];
			uint16_t key_len = xf->has_key_len ? xf->key_len : 0;

			if (xf->type != t)
				continue;
			offered = true;
			if (xf->unknown_attr)
				continue;
			if (xf->id == 0 && (t == GW_IKE_XF_INTEG || t == GW_IKE_XF_DH)) {
				none = true;
				continue;
			}
			if (!prop_has(l, t, xf->id, key_len))
				continue;
			if (pick == NULL)
				pick = xf;
			if (t == GW_IKE_XF_DH && ke_group && xf->id == ke_group) {
				pick = xf;
				break;
			}
		}
		if (l->n[t] == 0) {
			/* we want none of this type: only NONE or absence will do */
			if (!offered)
				continue;
			if (!none)
				return false;
			chosen->alg[t][0] = (struct gw_ike_alg){ 0, 0 };
			chosen->n[t] = 1;
			continue;
		}
		/* RFC 7296 3.3.6: a mandatory type missing makes it unacceptable */
		if (pick == NULL)
			return false;
		chosen->alg[t][0] = (struct gw_ike_alg){
			.id = pick->id, .key_len = pick->has_key_len ? pick->key_len : 0 };
		chosen->n[t] = 1;
	}
	chosen->weak = prop_is_weak(chosen);
	return true;
}

static void
describe_lists(struct sbuf *sb, const struct gw_ike_proposal *local, size_t n_local,
	       const struct gw_ike_sa_pl *received)
{
	sb_printf(sb, "received proposals: ");
	for (unsigned i = 0; i < received->n_prop; i++) {
		sb_printf(sb, "%s", i ? ", " : "");
		format_sa_prop(sb, &received->prop[i]);
	}
	if (received->n_prop == 0)
		sb_printf(sb, "none");
	sb_printf(sb, "; configured proposals: ");
	for (size_t i = 0; i < n_local; i++) {
		sb_printf(sb, "%s%s:", i ? ", " : "", proto_word(local[i].protocol));
		format_prop(sb, &local[i]);
	}
	if (n_local == 0)
		sb_printf(sb, "none");
}

static void
fill_selection(struct gw_ike_selection *sel, const struct gw_ike_sa_prop *pp,
	       unsigned peer_index, unsigned local_index)
{
	sel->prop_num = pp->num;
	sel->peer_index = (uint8_t)peer_index;
	sel->local_index = (uint8_t)local_index;
	sel->spi_size = pp->spi_size;
	memcpy(sel->spi, pp->spi, sizeof(sel->spi));
}

int
gw_ike_proposal_select(const struct gw_ike_proposal *local, size_t n_local,
		       const struct gw_ike_sa_pl *received, uint16_t ke_group,
		       struct gw_ike_selection *sel, char *why, size_t why_len)
{
	struct sbuf sb = sb_init(why, why_len);
	struct gw_ike_proposal chosen;

	memset(sel, 0, sizeof(*sel));
	for (unsigned i = 0; i < received->n_prop && i < GW_IKE_MAX_PROPOSALS; i++)
		for (size_t j = 0; j < n_local; j++) {
			if (!match(&local[j], &received->prop[i], ke_group, &chosen))
				continue;
			fill_selection(sel, &received->prop[i], i, (unsigned)j);
			sel->chosen = chosen;
			return 0;
		}
	sb_printf(&sb, "no acceptable proposal; ");
	describe_lists(&sb, local, n_local, received);
	return GW_IKE_E_NO_PROPOSAL_CHOSEN;
}

int
gw_ike_proposal_check_reply(const struct gw_ike_proposal *local, size_t n_local,
			    const struct gw_ike_sa_pl *reply,
			    struct gw_ike_selection *sel, char *why, size_t why_len)
{
	struct sbuf sb = sb_init(why, why_len);
	const struct gw_ike_sa_prop *pp;
	const struct gw_ike_proposal *l;
	struct gw_ike_proposal chosen;

	memset(sel, 0, sizeof(*sel));
	if (reply->n_prop != 1) {
		sb_printf(&sb, "reply carries %u proposals, not 1; ", reply->n_prop);
		describe_lists(&sb, local, n_local, reply);
		return GW_IKE_E_INVALID_SYNTAX;
	}
	pp = &reply->prop[0];
	if (pp->num == 0 || pp->num > n_local) {
		sb_printf(&sb, "reply chose proposal %u, we sent %zu; ", pp->num, n_local);
		describe_lists(&sb, local, n_local, reply);
		return GW_IKE_E_NO_PROPOSAL_CHOSEN;
	}
	l = &local[pp->num - 1];

	/* one transform per type, each one we offered: then match() agrees */
	for (uint8_t t = 1; t <= GW_IKE_XF_TYPE_MAX; t++) {
		unsigned count = 0;

		for (unsigned i = 0; i < pp->n_xf; i++)
			count += pp->xf[i].type == t;
		if (count > 1) {
			sb_printf(&sb, "reply has %u %s transforms; ", count,
				  gw_ike_xf_type_name(t));
			describe_lists(&sb, local, n_local, reply);
			return GW_IKE_E_NO_PROPOSAL_CHOSEN;
		}
	}
	if (!match(l, pp, 0, &chosen)) {
		sb_printf(&sb, "reply's proposal is not one we offered; ");
		describe_lists(&sb, local, n_local, reply);
		return GW_IKE_E_NO_PROPOSAL_CHOSEN;
	}
	fill_selection(sel, pp, 0, pp->num - 1u);
	sel->chosen = chosen;
	return 0;
}
