/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKEv2 tests' mock world, shared by test_ikev2.c and
 * test_ikev2_certs.c: a network (a queue of datagrams that can drop,
 * duplicate, corrupt or NAT them) between engines held by nodes, each
 * with a mock installer recording its CHILD SAs and a log of its events.
 */
#ifndef IKEV2_MOCK_H
#define IKEV2_MOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw_ikev2.h"

enum { Q_MAX = 64, LOG_MAX = 1 << 16, REC_MAX = 32, OPS_MAX = 64 };

struct dgram {
	struct gw_ikev2_endpoint from, to;
	uint8_t buf[GW_IKEV2_MSG_MAX];
	size_t len;
};

struct node {
	const char *name;
	struct gw_ikev2_engine *e;
	struct gw_addr addr;
	struct gw_ikev2_child installs[REC_MAX];
	unsigned n_installs;
	uint32_t del_in[REC_MAX], del_out[REC_MAX];
	unsigned n_deletes;
	struct {
		char op;           /* 'I' install, 'D' delete */
		uint32_t spi_in;
	} ops[OPS_MAX];            /* installer calls in order */
	unsigned n_ops;
	char log[LOG_MAX];
	size_t log_len;
};

struct mock_net {
	struct dgram q[Q_MAX];
	size_t head, n;
	unsigned sent;             /* datagrams sent so far (index for the masks) */
	uint64_t drop_mask;        /* bit i: drop the i-th datagram */
	uint64_t dup_mask;         /* bit i: deliver the i-th datagram twice */
	bool nat;                  /* A behind a NAT: rewrite A's source */
	bool mute[2];              /* drop everything node k sends */
	struct gw_addr a_priv, nat_pub;
	struct node *nodes[2];
	bool verbose;
	int corrupt_index;         /* flip a bit of this datagram (-1: none) */
	size_t corrupt_byte;
	int tamper_index;          /* hand this datagram to tamper() (-1: none) */
	void (*tamper)(uint8_t *buf, size_t len);
	struct dgram cap[8];       /* the first datagrams sent, as sent */
	unsigned n_cap;
};

extern struct mock_net net;
/** send/install_child/delete_child/event recording into the node (ctx). */
extern const struct gw_ikev2_io mock_io;

struct gw_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
bool addr_eq(const struct gw_addr *a, const struct gw_addr *b);
/** Delivers queued datagrams until the network is quiet. */
void pump(void);
/** Lets time pass in 500 ms steps, ticking both engines. */
void run(uint64_t *now, uint64_t ms);
/**
 * Reports one case of a table: "  ok NAME" or "  FAIL NAME" (NAME from
 * the printf-style fmt); a failed case may leave its engines up, so
 * teardown() runs then. Returns 1 for a failure, else 0.
 */
int mock_report(int rc, void (*teardown)(void), const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* IKEV2_MOCK_H */
