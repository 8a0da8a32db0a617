/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the IKEv2 engine: the IKE SA, its tasks and the helpers the
 * task files share.
 */
#ifndef IKEV2_H
#define IKEV2_H

#include <stdarg.h>

#include "gw_ike_crypto.h"
#include "gw_ikev2.h"

enum {
	IKEV2_NONCE_LEN = 32,
	IKEV2_MAX_CHILDREN = 8,
	IKEV2_MAX_QUEUE = 4,
	IKEV2_HALF_OPEN_MS = 30000, /* responder: IKE_AUTH must follow within */
};

/* What a task step tells the engine. */
enum ikev2_rc {
	IKEV2_DONE,                /* exchange finished, next task */
	IKEV2_RETRY,               /* initiator: run the same task again (INVALID_KE) */
	IKEV2_DESTROY,             /* the IKE SA is finished (after sending, for a responder) */
	IKEV2_IGNORE,              /* initiator: a stale response, keep waiting */
};

struct ikev2_sa;
struct ikev2_task;

/*
 * One exchange. An initiator builds the request and processes the
 * response; a responder processes the request and builds the response.
 * ikev2_task_*_i()/_r() assign the two functions once.
 */
struct ikev2_task {
	uint8_t exchange;
	const char *name;
	int (*build)(struct ikev2_sa *sa, struct ikev2_task *t,
		     struct gw_ike_writer *w);
	int (*process)(struct ikev2_sa *sa, struct ikev2_task *t,
		       const struct gw_ike_msg *m);
	/* Task state. */
	uint16_t notify_err;       /* responder: error notify to send */
	uint16_t notify_data16;    /* its two data octets (INVALID_KE group) */
	uint8_t prop_num;          /* responder: the accepted proposal's number */
	uint32_t spi_in;           /* child: our inbound SPI */
	uint32_t spi_out;          /* child: the peer's */
	size_t n_tsi, n_tsr;       /* responder: narrowed selectors */
	struct gw_ike_ts tsi[GW_IKEV2_TS_MAX];
	struct gw_ike_ts tsr[GW_IKEV2_TS_MAX];
	struct gw_ike_proposal esp; /* child: chosen */
	uint8_t tpl;               /* child: index of its gw_ikev2_child_cfg */
	bool child_ok;
	bool bare_notify;          /* responder: answer with notify_err alone */
	uint32_t del_spis[GW_IKE_MAX_DELETE * 4]; /* info responder: our inbound SPIs deleted */
	size_t n_del;
	bool del_ike;              /* info: delete the IKE SA */
	bool del_children;         /* info: delete the CHILD SAs */
	uint32_t del_spi;          /* info initiator: delete this child (inbound SPI) */
	bool del_gone;             /* info initiator: del_spi is removed already */
	bool dpd;                  /* info initiator: a DPD liveness check */
	int result;                /* responder: process()'s enum ikev2_rc */
	/* CREATE_CHILD_SA */
	uint32_t rekey_spi;        /* child rekey: the old child's inbound SPI */
	bool rekey_ike;            /* IKE SA rekey */
	uint16_t ke_group;         /* initiator: group asked for by INVALID_KE */
	uint8_t retries;           /* initiator: INVALID_KE rounds */
	uint8_t nonce[IKEV2_NONCE_LEN]; /* our nonce of this exchange */
	uint16_t nonce_len;
	uint64_t new_spi;          /* IKE rekey: our SPI of the new IKE SA */
	struct gw_ike_ke *ke;      /* responder: our key pair, freed by build */
};

struct ikev2_child {
	struct gw_ikev2_child c;   /* as installed */
	struct gw_ike_proposal proposal; /* the chosen ESP algorithms */
	bool installed;
	bool expired;              /* going at a hard limit (the event says so) */
	bool replaced;             /* rekey responder: a successor is installed */
	uint8_t tpl;               /* index of its template in conn->children */
	uint64_t soft_bytes, hard_bytes; /* volume limits; 0: none */
	uint64_t soft_packets, hard_packets;
	uint64_t rekey_ms;         /* 0: no soft lifetime */
	uint64_t expire_ms;        /* 0: no hard lifetime */
	bool rekeying;             /* our CREATE_CHILD_SA for it is in flight */
	bool rekeyed;              /* replaced; its Delete is coming or going */
	bool deleting;             /* our Delete of it is queued or in flight */
	/* RFC 7296 2.8.1: the peer rekeyed it while we did. */
	uint32_t peer_new_spi;     /* inbound SPI of the child we made for the peer */
	uint8_t peer_low[GW_IKE_NONCE_MAX]; /* lowest nonce of the peer's exchange */
	uint16_t peer_low_len;
};

struct ikev2_sa {
	struct ikev2_sa *next;
	struct ikev2_sa *prev;     /* e->sas is doubly linked: O(1) unlink */
	struct ikev2_sa *hnext_spi; /* chain of e->by_spi (key hashed_spi) */
	struct ikev2_sa *hnext_id; /* chain of e->by_id */
	uint64_t hashed_spi;       /* spi_i when it was put into e->by_spi */
	bool half_open;            /* responder between IKE_SA_INIT and IKE_AUTH */
	struct gw_ikev2_engine *engine;
	const struct gw_ikev2_conn *conn;
	uint32_t id;
	enum gw_ikev2_state state;
	bool initiator;
	bool initiated;            /* made by initiate_sa(): keyingtries apply */
	uint64_t created_ms;
	uint64_t spi_i;
	uint64_t spi_r;
	struct gw_ikev2_endpoint local;
	struct gw_ikev2_endpoint remote;
	bool nat_local;            /* we are behind a NAT */
	bool nat_remote;           /* the peer is */

	/* IKE_SA_INIT */
	uint16_t ke_group;
	struct gw_ike_ke *ke;
	uint8_t cookie[64];        /* the responder's N(COOKIE) (2.6), resent */
	uint8_t cookie_len;
	uint8_t init_retries;      /* COOKIE / INVALID_KE rounds so far */
	uint8_t nonce_i[GW_IKE_NONCE_MAX];
	uint8_t nonce_r[GW_IKE_NONCE_MAX];
	uint16_t nonce_i_len;
	uint16_t nonce_r_len;
	uint8_t *init_req;         /* both as on the wire, for AUTH (2.15) */
	size_t init_req_len;
	uint8_t *init_resp;
	size_t init_resp_len;
	struct gw_ike_proposal proposal; /* chosen IKE algorithms */
	struct gw_ike_sa_keys keys;
	struct gw_ike_sk *sk_out;
	struct gw_ike_sk *sk_in;
	bool keyed;

	/* IKE_AUTH */
	struct gw_ikev2_id remote_id; /* as authenticated */
	uint32_t peer_hashes;      /* RFC 7427 hashes the peer announced (1 << hash) */
	char auth_local[40];       /* how we authenticated ("pubkey ECDSA_384") */
	char auth_remote[40];      /* how the peer did; "" before */
	bool send_auth_failed;     /* initiator: tell the peer before going (2.21.2) */

	struct ikev2_child children[IKEV2_MAX_CHILDREN];
	size_t n_children;

	/* Rekeying (RFC 7296 2.8, 2.18) and DPD. */
	struct gw_ike_ke *rekey_ke; /* initiator: key pair of the exchange in flight */
	uint64_t rekey_ms;         /* IKE SA soft lifetime; 0: not set yet */
	bool rekeying;             /* our IKE rekey is in flight */
	uint32_t successor_id;     /* the IKE SA our children move to on delete */
	uint32_t peer_new_id;      /* collision: the IKE SA we made for the peer */
	uint8_t peer_low[GW_IKE_NONCE_MAX];
	uint16_t peer_low_len;
	uint64_t last_rx_ms;       /* last authenticated message from the peer */
	uint64_t last_tx_ms;       /* last datagram we sent (NAT keepalives) */
	uint32_t want_tpl;         /* templates to create once established */
	char last_err[128];        /* the last error logged: a failure's cause */
	uint64_t dpd_deadline_ms;  /* 0: no DPD check in flight */

	/* Requests we send: window of one. */
	uint32_t msg_id_out;
	struct ikev2_task queue[IKEV2_MAX_QUEUE];
	size_t n_queue;
	bool active;               /* queue[0] is in flight */
	uint8_t *req;
	size_t req_len;
	unsigned tries;
	uint64_t next_retransmit_ms;

	/* Requests we answer. */
	uint32_t msg_id_in;        /* next expected */
	uint8_t *resp;             /* the last response, for retransmits */
	size_t resp_len;
	uint32_t resp_msg_id;
	bool has_resp;
};

struct gw_ikev2_engine {
	struct gw_ikev2_io io;
	void *ctx;
	struct gw_ikev2_conn *conns;
	size_t n_conns;
	struct gw_ikev2_child_cfg *tpls; /* every conn's templates (conns point here) */
	struct ikev2_sa *sas;
	/* Lookup by SPIi (both roles know it from the first message) and by
	 * id: chained hash tables of hash_size buckets, doubled when full. */
	struct ikev2_sa **by_spi;
	struct ikev2_sa **by_id;
	size_t hash_size;
	size_t n_sas;
	uint32_t next_id;
	struct gw_ikev2_limits limits;
	struct gw_ikev2_stats stats;
	enum gw_ikev2_level log_min;
	/* RFC 7296 2.6 cookie secrets: cur and the one before it. */
	uint8_t cookie_secret[2][32];
	uint8_t cookie_version;    /* of cookie_secret[0] */
	bool cookie_ready;
	uint64_t cookie_rotated_ms;
	uint64_t now_ms;
	/* per conn (same index): failed attempts in a row, next one when */
	struct ikev2_retry {
		uint32_t failed;
		uint64_t at_ms;    /* 0: none scheduled */
	} *retry;
	bool freeing;              /* gw_ikev2_engine_free(): no retries */
	uint8_t scratch[GW_IKEV2_MSG_MAX];
	uint8_t out[GW_IKEV2_MSG_MAX];
};

/* ikev2_engine.c: keyingtries. A failed initiation schedules the next
 * attempt (or gives up); an established one clears the count. */
void ikev2_retry_failed(struct gw_ikev2_engine *e, const struct gw_ikev2_conn *c);
void ikev2_retry_clear(struct gw_ikev2_engine *e, const struct gw_ikev2_conn *c);

/* ikev2_sa.c */
struct ikev2_sa *ikev2_sa_new(struct gw_ikev2_engine *e,
			      const struct gw_ikev2_conn *conn, bool initiator);
void ikev2_sa_destroy(struct ikev2_sa *sa);
/* Puts the SA under its current spi_i again (after spi_i was set). */
void ikev2_sa_rehash(struct ikev2_sa *sa);
void ikev2_sa_index_free(struct gw_ikev2_engine *e);
/* False when an event of this level would be thrown away. */
bool ikev2_log_on(const struct gw_ikev2_engine *e, enum gw_ikev2_level lvl);
struct ikev2_sa *ikev2_sa_find(struct gw_ikev2_engine *e,
			       const struct gw_ike_hdr *h);
struct ikev2_sa *ikev2_sa_find_half_open(struct gw_ikev2_engine *e,
					 uint64_t spi_i,
					 const struct gw_ikev2_endpoint *from);
const struct gw_ikev2_conn *ikev2_conn_find(struct gw_ikev2_engine *e,
					    const char *name);
bool ikev2_endpoint_match(const struct gw_ikev2_endpoint *conf,
			  const struct gw_addr *a);
bool ikev2_id_equal(const struct gw_ikev2_id *a, const struct gw_ikev2_id *b);
void ikev2_log(struct ikev2_sa *sa, enum gw_ikev2_level lvl,
	       const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ikev2_elog(struct gw_ikev2_engine *e, enum gw_ikev2_level lvl,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ikev2_put64(uint8_t *p, uint64_t v);
int ikev2_sa_queue(struct ikev2_sa *sa, const struct ikev2_task *t);

/* ikev2_engine.c: sends the next queued request if none is in flight. */
void ikev2_sa_kick(struct ikev2_sa *sa);

/* Tasks: _i initiator, _r responder. */
void ikev2_task_init_i(struct ikev2_task *t);
void ikev2_task_init_r(struct ikev2_task *t);
void ikev2_task_auth_i(struct ikev2_task *t);
void ikev2_task_auth_r(struct ikev2_task *t);
void ikev2_task_info_i(struct ikev2_task *t, bool del_ike, bool del_children);
void ikev2_task_info_r(struct ikev2_task *t);
void ikev2_task_unsupported_r(struct ikev2_task *t, uint8_t exchange);
void ikev2_task_rekey_child_i(struct ikev2_task *t, uint32_t spi_in);
void ikev2_task_rekey_ike_i(struct ikev2_task *t);
void ikev2_task_create_r(struct ikev2_task *t);
/* CREATE_CHILD_SA for a new CHILD SA of template @p tpl (1.3.1). */
void ikev2_task_create_child_i(struct ikev2_task *t, uint8_t tpl);
/* Queues CREATE_CHILD_SA for the templates in sa->want_tpl that have no
 * child yet, as far as the queue has room. */
void ikev2_children_pump(struct ikev2_sa *sa);
/* A template has a child that is up or a request for one queued. */
bool ikev2_tpl_busy(const struct ikev2_sa *sa, unsigned tpl);
/* Reports an SA event through io.sa_event: about child @p ch, or the
 * template named @p child (a failed one), or the IKE SA (both NULL). */
void ikev2_sa_event(struct ikev2_sa *sa, enum gw_ikev2_event_type type,
		    const struct ikev2_child *ch, const char *child,
		    uint32_t old_spi, const char *cause);
/* A task whose object is gone (a child deleted meanwhile): dropped unsent. */
bool ikev2_task_stale(struct ikev2_sa *sa, const struct ikev2_task *t);
/* Queues an INFORMATIONAL Delete of one child (our inbound SPI); @p now:
 * removes it at once (hard lifetime), not when the peer answers. */
int ikev2_queue_child_delete(struct ikev2_sa *sa, uint32_t spi_in, bool now);
struct ikev2_sa *ikev2_sa_by_id(struct gw_ikev2_engine *e, uint32_t id);

/* ikev2_cookie.c (RFC 7296 2.6) */
bool ikev2_cookie_needed(const struct gw_ikev2_engine *e);
/* 0: a valid cookie; -1: none; -2: wrong or too old. */
int ikev2_cookie_verify(struct gw_ikev2_engine *e, const struct gw_ike_msg *m,
			const struct gw_ikev2_endpoint *from);
/* Answers the IKE_SA_INIT request @p m with N(COOKIE), keeping no state. */
void ikev2_cookie_send(struct gw_ikev2_engine *e,
		       const struct gw_ikev2_endpoint *from,
		       const struct gw_ikev2_endpoint *to,
		       const struct gw_ike_msg *m);
void ikev2_cookie_tick(struct gw_ikev2_engine *e);

/* ikev2_init.c: the IKE SA's keys after both KE and nonces are known. */
int ikev2_init_derive(struct ikev2_sa *sa);

/* ikev2_certs.c: certificate side of IKE_SA_INIT and IKE_AUTH. */
/* N(SIGNATURE_HASH_ALGORITHMS) (RFC 7427 4) with the hashes we verify. */
void ikev2_write_sig_hashes(struct gw_ike_writer *w);
/* Remembers the hashes of the peer's N(SIGNATURE_HASH_ALGORITHMS). */
void ikev2_read_sig_hashes(struct ikev2_sa *sa, const struct gw_ike_msg *m);
/* CERTREQ with our trusted CAs when @p c authenticates its peer by certificate. */
void ikev2_write_certreq(const struct gw_ikev2_conn *c, struct gw_ike_writer *w);
/* Responder: the conn whose CAs to ask for before IDi is known: the
 * chosen one, or the first of the same addresses with certificates. */
const struct gw_ikev2_conn *ikev2_certreq_conn(struct ikev2_sa *sa);
/* CERT payloads of our chain when @p c authenticates us by certificate. */
void ikev2_write_certs(const struct gw_ikev2_conn *c, struct gw_ike_writer *w);
/* gw_ikev2_engine_new()'s checks of a conn's authentication settings:
 * a PSK where a side uses one, credentials where a side uses
 * certificates, a local ID or a certificate to take it from. */
bool ikev2_conn_auth_ok(const struct gw_ikev2_conn *c);
/* Our ID from the certificate: its subject DN without local_id, the
 * subject's exact DER when local_id names it in other words. */
void ikev2_conn_auth_prepare(struct gw_ikev2_conn *c);
/* Signs @p octets (RFC 7296 2.15) for our AUTH payload. */
int ikev2_auth_sign(struct ikev2_sa *sa, const uint8_t *octets, size_t len,
		    uint8_t *method, uint8_t *auth, size_t cap, size_t *auth_len);
/* DN-aware ID comparison: DER_ASN1_DN equal as names (gw_ike_dn_equal). */
bool ikev2_id_match(const struct gw_ikev2_id *a, const struct gw_ikev2_id *b);
/* Checks the peer's CERTs, identity @p id and AUTH over @p octets; logs the cause. */
int ikev2_auth_verify_cert(struct ikev2_sa *sa, const struct gw_ike_msg *m,
			   const struct gw_ikev2_id *id, const uint8_t *octets,
			   size_t len);

/* ikev2_child.c */
static inline const struct gw_ikev2_child_cfg *
ikev2_tpl(const struct gw_ikev2_conn *c, unsigned i)
{
	return &c->children[i < c->n_children ? i : 0];
}
/* The template's ESP proposals without DH groups (for IKE_AUTH, 1.2). */
void ikev2_esp_without_dh(const struct gw_ikev2_child_cfg *tpl,
			  struct gw_ike_proposal *out);
/* Responder: the template the peer's TSi/TSr select, narrowed into
 * t->tsi/t->tsr and t->tpl; -1 when none fits (TS_UNACCEPTABLE). */
int ikev2_tpl_pick(struct ikev2_sa *sa, const struct gw_ike_msg *m,
		   struct ikev2_task *t);
/* Applies a CHILD SA's data-plane counters (volume lifetimes). */
void ikev2_child_usage_apply(struct ikev2_sa *sa, struct ikev2_child *ch,
			     uint64_t bytes, uint64_t packets);
/* RFC 7296 2.9: ours ∩ theirs per selector; returns how many are left. */
size_t ikev2_ts_narrow(const struct gw_ike_ts *theirs, size_t n_theirs,
		       const struct gw_ike_ts *ours, size_t n_ours,
		       struct gw_ike_ts *out, size_t max);
void ikev2_ts_list_format(const struct gw_ike_ts *ts, size_t n, char *buf,
			  size_t len);
uint32_t ikev2_child_spi_new(const struct gw_ikev2_engine *e);
/* Derives keys for the chosen ESP proposal and installs the child. */
int ikev2_child_install(struct ikev2_sa *sa, unsigned tpl,
			const struct gw_ike_proposal *esp,
			uint32_t spi_in, uint32_t spi_out,
			const struct gw_ike_ts *tsl, size_t n_tsl,
			const struct gw_ike_ts *tsr, size_t n_tsr);
/* The same with the nonces, role and optional g^ir of a CREATE_CHILD_SA. */
struct ikev2_keysrc {
	const uint8_t *gir;        /* NULL without PFS */
	size_t gir_len;
	const uint8_t *ni, *nr;
	size_t ni_len, nr_len;
	bool initiator;            /* our role in the exchange that made it */
	uint8_t tpl;               /* the child's template */
	uint32_t rekey_of;         /* inbound SPI of the child it replaces; 0: new */
};
int ikev2_child_install_keyed(struct ikev2_sa *sa,
			      const struct gw_ike_proposal *esp,
			      uint32_t spi_in, uint32_t spi_out,
			      const struct gw_ike_ts *tsl, size_t n_tsl,
			      const struct gw_ike_ts *tsr, size_t n_tsr,
			      const struct ikev2_keysrc *src);
uint64_t ikev2_jittered_ms(uint64_t now, uint32_t life_s);
struct ikev2_child *ikev2_child_by_in(struct ikev2_sa *sa, uint32_t spi_in);
struct ikev2_child *ikev2_child_by_out(struct ikev2_sa *sa, uint32_t spi_out);
bool ikev2_child_delete_by_in(struct ikev2_sa *sa, uint32_t spi_in);
/* Hands every child to @p to (an IKE SA rekey, RFC 7296 2.18). */
void ikev2_children_move(struct ikev2_sa *from, struct ikev2_sa *to);
void ikev2_child_delete_all(struct ikev2_sa *sa, bool notify_io);
/* Deletes the child whose outbound (peer's inbound) SPI is @p spi_out. */
bool ikev2_child_delete_by_out(struct ikev2_sa *sa, uint32_t spi_out,
			       uint32_t *spi_in);

#endif /* IKEV2_H */
