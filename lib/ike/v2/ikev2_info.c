/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * INFORMATIONAL task (RFC 7296 1.4): liveness checks (empty), Delete of
 * CHILD SAs (ESP SPIs: all, or the one a rekey replaced) and of the IKE
 * SA. Also the answer to exchanges not implemented yet.
 */
#include <errno.h>
#include <string.h>

#include "ikev2.h"

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int
write_esp_delete(struct gw_ike_writer *w, const uint32_t *spis, size_t n)
{
	uint8_t buf[IKEV2_MAX_CHILDREN * 4 * 4];

	if (n == 0)
		return 0;
	if (n * 4 > sizeof(buf))
		n = sizeof(buf) / 4;
	for (size_t i = 0; i < n; i++)
		put_be32(buf + 4 * i, spis[i]);
	return gw_ike_wr_delete(w, GW_IKE_PROTO_ESP, 4, buf, (uint16_t)n);
}

/* ------------------------------------------------------------ initiator */

static int
info_i_build(struct ikev2_sa *sa, struct ikev2_task *t,
	     struct gw_ike_writer *w)
{
	if (t->notify_err)
		gw_ike_wr_notify(w, 0, NULL, 0, t->notify_err, NULL, 0);
	if (t->del_ike) {
		ikev2_log(sa, GW_IKEV2_INFO, "deleting IKE_SA %s[%u]",
			  sa->conn->name, sa->id);
		gw_ike_wr_delete(w, GW_IKE_PROTO_IKE, 0, NULL, 0);
	} else if (t->del_spi) {
		struct ikev2_child *ch = ikev2_child_by_in(sa, t->del_spi);

		if (ch)
			ch->deleting = true;
		ikev2_log(sa, GW_IKEV2_INFO, "deleting CHILD_SA %08x_i",
			  t->del_spi);
		write_esp_delete(w, &t->del_spi, 1);
	} else if (t->del_children) {
		uint32_t spis[IKEV2_MAX_CHILDREN];

		for (size_t k = 0; k < sa->n_children; k++) {
			spis[k] = sa->children[k].c.spi_in;
			sa->children[k].deleting = true;
		}
		ikev2_log(sa, GW_IKEV2_INFO, "deleting %zu CHILD_SA(s)",
			  sa->n_children);
		write_esp_delete(w, spis, sa->n_children);
	}
	return w->err ? -ENOSPC : 0;
}

static int
info_i_process(struct ikev2_sa *sa, struct ikev2_task *t,
	       const struct gw_ike_msg *m)
{
	(void)m;
	if (t->del_ike) {
		ikev2_log(sa, GW_IKEV2_INFO, "IKE_SA deleted");
		return IKEV2_DESTROY;
	}
	if (t->del_spi)
		ikev2_child_delete_by_in(sa, t->del_spi);
	else if (t->del_children)
		ikev2_child_delete_all(sa, true);
	else
		ikev2_log(sa, GW_IKEV2_DEBUG, "peer is alive");
	return IKEV2_DONE;
}

int
ikev2_queue_child_delete(struct ikev2_sa *sa, uint32_t spi_in, bool now)
{
	struct ikev2_task t;
	struct ikev2_child *ch = ikev2_child_by_in(sa, spi_in);

	memset(&t, 0, sizeof(t));
	ikev2_task_info_i(&t, false, false);
	t.del_spi = spi_in;
	t.del_gone = now;
	if (ch)
		ch->deleting = true;
	if (now)
		ikev2_child_delete_by_in(sa, spi_in);
	return ikev2_sa_queue(sa, &t);
}

void
ikev2_task_info_i(struct ikev2_task *t, bool del_ike, bool del_children)
{
	t->exchange = GW_IKE_EXCH_INFORMATIONAL;
	t->name = "INFORMATIONAL";
	t->build = info_i_build;
	t->process = info_i_process;
	t->del_ike = del_ike;
	t->del_children = del_children;
}

/* ------------------------------------------------------------ responder */

static int
info_r_process(struct ikev2_sa *sa, struct ikev2_task *t,
	       const struct gw_ike_msg *m)
{
	if (gw_ike_msg_notify(m, GW_IKE_N_AUTHENTICATION_FAILED)) {
		ikev2_log(sa, GW_IKEV2_ERROR,
			  "peer failed to authenticate us (AUTHENTICATION_FAILED), deleting IKE_SA");
		t->del_ike = true;
		return IKEV2_DESTROY;
	}
	for (unsigned i = 0; i < m->n_delete; i++) {
		const struct gw_ike_delete_pl *d = &m->del[i];

		if (d->protocol == GW_IKE_PROTO_IKE) {
			t->del_ike = true;
			continue;
		}
		if (d->protocol != GW_IKE_PROTO_ESP || d->spi_size != 4)
			continue;
		for (unsigned k = 0; k < d->n_spi; k++) {
			const uint8_t *p = d->spis + 4 * k;
			uint32_t out = (uint32_t)p[0] << 24 |
				       (uint32_t)p[1] << 16 |
				       (uint32_t)p[2] << 8 | p[3];
			uint32_t in;

			struct ikev2_sa *succ = sa->successor_id ?
				ikev2_sa_by_id(sa->engine, sa->successor_id) :
				NULL;

			/* A Delete that crossed our IKE SA rekey: the child
			 * moved to the new IKE SA already. */
			if (ikev2_child_delete_by_out(sa, out, &in) ||
			    (succ && ikev2_child_delete_by_out(succ, out, &in))) {
				if (t->n_del < sizeof(t->del_spis) /
						       sizeof(t->del_spis[0]))
					t->del_spis[t->n_del++] = in;
			} else {
				ikev2_log(sa, GW_IKEV2_INFO,
					  "received DELETE for unknown ESP SPI %08x",
					  out);
			}
		}
	}
	if (t->del_ike) {
		ikev2_log(sa, GW_IKEV2_INFO,
			  "received DELETE for IKE_SA %s[%u], deleting",
			  sa->conn->name, sa->id);
		return IKEV2_DESTROY;
	}
	return IKEV2_DONE;
}

static int
info_r_build(struct ikev2_sa *sa, struct ikev2_task *t,
	     struct gw_ike_writer *w)
{
	(void)sa;
	if (!t->del_ike)
		write_esp_delete(w, t->del_spis, t->n_del);
	return w->err ? -ENOSPC : 0;
}

void
ikev2_task_info_r(struct ikev2_task *t)
{
	t->exchange = GW_IKE_EXCH_INFORMATIONAL;
	t->name = "INFORMATIONAL";
	t->build = info_r_build;
	t->process = info_r_process;
}

/* ------------------------------------------------- not implemented yet */

static int
unsupported_process(struct ikev2_sa *sa, struct ikev2_task *t,
		    const struct gw_ike_msg *m)
{
	(void)t;
	ikev2_log(sa, GW_IKEV2_INFO, "%s not supported yet, refused",
		  gw_ike_exchange_name(m->hdr.exchange));
	return IKEV2_DONE;
}

static int
unsupported_build(struct ikev2_sa *sa, struct ikev2_task *t,
		  struct gw_ike_writer *w)
{
	(void)sa;
	(void)t;
	gw_ike_wr_notify(w, 0, NULL, 0, GW_IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
	return w->err ? -ENOSPC : 0;
}

void
ikev2_task_unsupported_r(struct ikev2_task *t, uint8_t exchange)
{
	t->exchange = exchange;
	t->name = gw_ike_exchange_name(exchange);
	t->build = unsupported_build;
	t->process = unsupported_process;
}
