/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateless cookies (RFC 7296 2.6): with many half-open IKE SAs a
 * responder answers IKE_SA_INIT with N(COOKIE) and keeps nothing; only a
 * request that returns the cookie, proving the initiator receives at its
 * address, gets a DH computation and state.
 *
 * Cookie = VersionIDofSecret (1 octet) | HMAC-SHA-256(secret, Ni | IPi |
 * SPIi) truncated to 16 octets. The secret rotates every
 * limits.cookie_secret_ms; cookies of the previous secret stay valid so
 * that a rotation between our N(COOKIE) and the retry costs nothing.
 */
#include <arpa/inet.h>
#include <string.h>

#include "gw_common.h"
#include "ikev2.h"

enum { COOKIE_HASH_LEN = 16, COOKIE_LEN = 1 + COOKIE_HASH_LEN };

static int
secret_new(uint8_t s[32])
{
	return gw_ike_random(s, 32);
}

/* Initialises the secrets at first use, rotates them when due. */
static int
secrets_current(struct gw_ikev2_engine *e)
{
	uint32_t period = e->limits.cookie_secret_ms ?
			  e->limits.cookie_secret_ms : GW_IKEV2_COOKIE_SECRET_MS;

	if (!e->cookie_ready) {
		if (secret_new(e->cookie_secret[0]) != 0)
			return -1;
		/* No previous secret yet: one nobody can know. */
		if (secret_new(e->cookie_secret[1]) != 0)
			return -1;
		e->cookie_ready = true;
		e->cookie_rotated_ms = e->now_ms;
	}
	if (e->now_ms >= e->cookie_rotated_ms + period) {
		uint8_t fresh[32];

		if (secret_new(fresh) != 0)
			return -1;
		memcpy(e->cookie_secret[1], e->cookie_secret[0], 32);
		memcpy(e->cookie_secret[0], fresh, 32);
		gw_wipe(fresh, sizeof(fresh));
		e->cookie_version++;
		e->cookie_rotated_ms = e->now_ms;
	}
	return 0;
}

void
ikev2_cookie_tick(struct gw_ikev2_engine *e)
{
	if (e->cookie_ready)
		secrets_current(e);
}

static int
cookie_make(const struct gw_ikev2_engine *e, unsigned which,
	    const struct gw_ike_msg *m, const struct gw_ikev2_endpoint *from,
	    uint8_t out[COOKIE_LEN])
{
	uint8_t ip[16], spi[8], mac[32];
	struct gw_ike_chunk in[3] = {
		{ m->nonce.data, m->nonce.len },
		{ ip, 4 },
		{ spi, sizeof(spi) },
	};
	int rc;

	if (from->addr.family == GW_AF_INET6) {
		memcpy(ip, from->addr.v6, 16);
		in[1].len = 16;
	} else {
		uint32_t v = htonl(from->addr.v4);

		memcpy(ip, &v, 4);
	}
	ikev2_put64(spi, m->hdr.spi_i);
	rc = gw_ike_prf(GW_IKE_PRF_HMAC_SHA2_256, e->cookie_secret[which], 32,
			in, 3, mac);
	out[0] = (uint8_t)(e->cookie_version - which);
	memcpy(out + 1, mac, COOKIE_HASH_LEN);
	gw_wipe(mac, sizeof(mac));
	return rc;
}

bool
ikev2_cookie_needed(const struct gw_ikev2_engine *e)
{
	return e->limits.cookie_threshold &&
	       e->stats.half_open >= e->limits.cookie_threshold;
}

int
ikev2_cookie_verify(struct gw_ikev2_engine *e, const struct gw_ike_msg *m,
		    const struct gw_ikev2_endpoint *from)
{
	const struct gw_ike_notify_pl *n = gw_ike_msg_notify(m, GW_IKE_N_COOKIE);
	uint8_t want[COOKIE_LEN];
	unsigned which;
	int diff;

	if (!n)
		return -1;
	if (secrets_current(e) != 0 || n->len != COOKIE_LEN)
		return -2;
	/* The version octet picks the secret; anything else is stale. */
	which = (uint8_t)(e->cookie_version - n->data[0]);
	if (which > 1)
		return -2;
	if (cookie_make(e, which, m, from, want) != 0)
		return -2;
	diff = gw_ct_memcmp(want, n->data, COOKIE_LEN);
	gw_wipe(want, sizeof(want));
	return diff ? -2 : 0;
}

void
ikev2_cookie_send(struct gw_ikev2_engine *e, const struct gw_ikev2_endpoint *from,
		  const struct gw_ikev2_endpoint *to, const struct gw_ike_msg *m)
{
	struct gw_ike_hdr h = {
		.spi_i = m->hdr.spi_i,
		.exchange = GW_IKE_EXCH_IKE_SA_INIT,
		.flags = GW_IKE_FLAG_R,
	};
	struct gw_ike_writer w;
	uint8_t cookie[COOKIE_LEN];
	size_t len;

	if (secrets_current(e) != 0 || cookie_make(e, 0, m, from, cookie) != 0)
		return;
	gw_ike_wr_init(&w, e->out, sizeof(e->out), &h);
	gw_ike_wr_notify(&w, 0, NULL, 0, GW_IKE_N_COOKIE, cookie, sizeof(cookie));
	if (w.err || gw_ike_wr_finish(&w, &len) != 0)
		return;
	e->stats.cookies_sent++;
	e->io.send(e->ctx, to, from, e->out, len);
}
