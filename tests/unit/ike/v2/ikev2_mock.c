/* SPDX-License-Identifier: BSD-3-Clause */
/* The IKEv2 tests' mock network and installer (ikev2_mock.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ikev2_mock.h"

struct mock_net net;

struct gw_addr
v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct gw_addr x = { .family = GW_AF_INET };

	x.v4 = (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
	return x;
}

bool
addr_eq(const struct gw_addr *a, const struct gw_addr *b)
{
	if (a->family != b->family)
		return false;
	return a->family == GW_AF_INET6 ? memcmp(a->v6, b->v6, 16) == 0 :
	       a->v4 == b->v4;
}

static void
q_push(const struct gw_ikev2_endpoint *from, const struct gw_ikev2_endpoint *to,
       const uint8_t *buf, size_t len)
{
	struct dgram *d;

	if (net.n >= Q_MAX)
		return;
	d = &net.q[(net.head + net.n++) % Q_MAX];
	d->from = *from;
	d->to = *to;
	memcpy(d->buf, buf, len);
	d->len = len;
}

static void
mock_send(void *ctx, const struct gw_ikev2_endpoint *from,
	  const struct gw_ikev2_endpoint *to, const uint8_t *buf, size_t len)
{
	unsigned i = net.sent++;
	struct gw_ikev2_endpoint f = *from;

	(void)ctx;
	if (net.n_cap < 8) {
		struct dgram *c = &net.cap[net.n_cap++];

		c->from = *from;
		c->to = *to;
		memcpy(c->buf, buf, len);
		c->len = len;
	}
	if (i < 64 && (net.drop_mask >> i & 1))
		return;
	for (int k = 0; k < 2; k++)
		if (net.mute[k] && net.nodes[k] &&
		    addr_eq(&from->addr, &net.nodes[k]->addr))
			return;
	if (net.nat && addr_eq(&f.addr, &net.a_priv)) {
		f.addr = net.nat_pub;
		f.port = (uint16_t)(f.port + 10000);
	}
	if ((int)i == net.tamper_index && net.tamper) {
		uint8_t b[GW_IKEV2_MSG_MAX];

		memcpy(b, buf, len);
		net.tamper(b, len);
		q_push(&f, to, b, len);
		return;
	}
	if ((int)i == net.corrupt_index && net.corrupt_byte < len) {
		uint8_t b[GW_IKEV2_MSG_MAX];

		memcpy(b, buf, len);
		b[net.corrupt_byte] ^= (uint8_t)(1u << (net.corrupt_byte % 8));
		q_push(&f, to, b, len);
		return;
	}
	q_push(&f, to, buf, len);
	if (i < 64 && (net.dup_mask >> i & 1))
		q_push(&f, to, buf, len);
}

static int
mock_install(void *ctx, const struct gw_ikev2_child *c)
{
	struct node *n = ctx;

	if (n->n_installs < REC_MAX)
		n->installs[n->n_installs++] = *c;
	if (n->n_ops < OPS_MAX) {
		n->ops[n->n_ops].op = 'I';
		n->ops[n->n_ops++].spi_in = c->spi_in;
	}
	return 0;
}

static void
mock_delete(void *ctx, uint32_t spi_in, uint32_t spi_out)
{
	struct node *n = ctx;

	if (n->n_deletes < REC_MAX) {
		n->del_in[n->n_deletes] = spi_in;
		n->del_out[n->n_deletes++] = spi_out;
	}
	if (n->n_ops < OPS_MAX) {
		n->ops[n->n_ops].op = 'D';
		n->ops[n->n_ops++].spi_in = spi_in;
	}
}

static void
mock_event(void *ctx, enum gw_ikev2_level lvl, const char *text)
{
	struct node *n = ctx;
	int w;

	if (net.verbose)
		printf("  %s: %s\n", n->name, text);
	(void)lvl;
	w = snprintf(n->log + n->log_len, LOG_MAX - n->log_len, "%s\n", text);
	if (w > 0 && n->log_len + (size_t)w < LOG_MAX)
		n->log_len += (size_t)w;
}

const struct gw_ikev2_io mock_io = {
	.send = mock_send,
	.install_child = mock_install,
	.delete_child = mock_delete,
	.event = mock_event,
};

/* Delivers queued datagrams until the network is quiet. */
void
pump(void)
{
	for (int guard = 0; net.n && guard < 1000; guard++) {
		struct dgram d = net.q[net.head];

		net.head = (net.head + 1) % Q_MAX;
		net.n--;
		if (net.nat && addr_eq(&d.to.addr, &net.nat_pub)) {
			d.to.addr = net.a_priv;
			d.to.port = (uint16_t)(d.to.port - 10000);
		}
		for (int k = 0; k < 2; k++)
			if (net.nodes[k] && addr_eq(&net.nodes[k]->addr, &d.to.addr))
				gw_ikev2_input(net.nodes[k]->e, &d.from, &d.to,
					       d.buf, d.len);
	}
}

/* Lets time pass in 500 ms steps, ticking both engines. */
void
run(uint64_t *now, uint64_t ms)
{
	pump();
	for (uint64_t t = 0; t < ms; t += 500) {
		*now += 500;
		for (int k = 0; k < 2; k++)
			gw_ikev2_tick(net.nodes[k]->e, *now);
		pump();
	}
}

int
mock_report(int rc, void (*teardown)(void), const char *fmt, ...)
{
	va_list ap;

	printf("  %s ", rc ? "FAIL" : "ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (rc)
		teardown();
	return rc != 0;
}
