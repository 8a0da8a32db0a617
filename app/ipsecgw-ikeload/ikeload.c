/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipsecgw-ikeload: IKE setup-rate load generator. Drives the ipsecgw
 * IKEv2 engine as initiator over plain kernel UDP sockets (no DPDK) and
 * counts IKE_SA + CHILD_SA establishments against any IKEv2 responder.
 *
 * The engine allows one IKE SA per connection name, so the tool makes
 * `window` connections ("load-<i>", identity "load-<i>.test", own inner
 * selector 10.200.x.y/32) and keeps each busy: initiate, established
 * (install_child), optionally delete, initiate again. Without --delete
 * every establishment needs its own connection (count of them).
 *
 * With --responder-pid the responder's CPU time is read from /proc (the
 * whole process: right for charon); with --responder-ctl from ipsecgw's
 * `show ike-stats` (the control thread, which does all IKE work), giving
 * establishments per responder CPU-second.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "gw_ike_pki.h"
#include "v2/gw_ikev2.h"

enum {
	MAX_ADDRS = 16,
	NON_ESP_MARKER = 4,
	TICK_MS = 10,
};

struct slot {
	bool busy;                 /* an attempt is in flight */
	uint64_t started_ms;
};

static struct {
	/* options */
	struct gw_addr target;
	struct gw_addr local[MAX_ADDRS];
	unsigned n_local;
	const char *psk, *ike, *esp, *remote_id, *ctl_path;
	const char *cert, *key, *cacert; /* certificate auth instead of PSK */
	struct gw_ike_cred *cred;
	struct gw_ike_cas *cas;
	unsigned long count;       /* 0: until duration */
	double duration;
	unsigned window;
	bool del, json, verbose;
	unsigned timeout_s;
	int pid;
	/* run */
	struct gw_ikev2_engine *e;
	struct gw_ikev2_conn *conns;
	struct slot *slots;
	unsigned n_conns;
	int fd[MAX_ADDRS][2];      /* [addr][0: 500, 1: 4500] */
	unsigned long started, established, timeouts, start_errors;
	unsigned n_busy;
	uint64_t lat_sum_ms, lat_max_ms;
	unsigned *to_delete;       /* slots established during this input */
	unsigned n_to_delete;
} L = {
	.ike = "aes128gcm16-prfsha256-curve25519",
	.esp = "aes128gcm16",
	.remote_id = NULL,
	.window = 16,
	.timeout_s = 10,
	.pid = -1,
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------- responder CPU */

/* utime + stime of a process (all threads), seconds; -1 when unreadable. */
static double
proc_cpu_s(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')'); /* the command name may hold spaces */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* One `show ike-stats` over ipsecgw's control socket: control thread CPU
 * seconds and established count; -1 on failure. */
static double
ctl_cpu_s(const char *path, unsigned long *established)
{
	static const char req[] = "json show ike-stats\n";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[8192];
	size_t len = 0;
	const char *p;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)sizeof(req) - 1) {
		close(fd);
		return -1;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);

		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = 0;
	if (established && (p = strstr(buf, "\"established\":")) != NULL)
		*established = strtoul(p + 14, NULL, 10);
	p = strstr(buf, "\"control_cpu_ns\":");
	return p ? (double)strtoull(p + 17, NULL, 10) / 1e9 : -1;
}

static double
responder_cpu_s(unsigned long *established)
{
	if (L.ctl_path)
		return ctl_cpu_s(L.ctl_path, established);
	if (L.pid > 0)
		return proc_cpu_s(L.pid);
	return -1;
}

/* ---------------------------------------------------------------- UDP */

static int
addr_index(const struct gw_addr *a)
{
	for (unsigned i = 0; i < L.n_local; i++)
		if (L.local[i].v4 == a->v4)
			return (int)i;
	return -1;
}

static void
io_send(void *ctx, const struct gw_ikev2_endpoint *from,
	const struct gw_ikev2_endpoint *to, const uint8_t *buf, size_t len)
{
	uint8_t pkt[GW_IKEV2_MSG_MAX + NON_ESP_MARKER];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	bool natt = from->port == GW_IKEV2_NATT_PORT;
	int i = addr_index(&from->addr);

	(void)ctx;
	if (i < 0 || len > GW_IKEV2_MSG_MAX)
		return;
	/* RFC 3948: IKE on 4500 carries four zero octets before the header. */
	memset(pkt, 0, NON_ESP_MARKER);
	memcpy(pkt + (natt ? NON_ESP_MARKER : 0), buf, len);
	sin.sin_addr.s_addr = htonl(to->addr.v4);
	sin.sin_port = htons(to->port);
	if (sendto(L.fd[i][natt], pkt, len + (natt ? NON_ESP_MARKER : 0), 0,
		   (struct sockaddr *)&sin, sizeof(sin)) < 0 && L.verbose)
		perror("sendto");
}

static int
udp_open(const struct gw_addr *a, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), one = 1;
	int rcvbuf = 4 << 20;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	sin.sin_addr.s_addr = htonl(a->v4);
	sin.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
udp_receive(unsigned ai, int natt)
{
	uint8_t buf[GW_IKEV2_MSG_MAX + NON_ESP_MARKER];

	for (int k = 0; k < 64; k++) {
		struct sockaddr_in sin;
		socklen_t sl = sizeof(sin);
		ssize_t n = recvfrom(L.fd[ai][natt], buf, sizeof(buf), 0,
				     (struct sockaddr *)&sin, &sl);
		struct gw_ikev2_endpoint from = { .port = ntohs(sin.sin_port) };
		struct gw_ikev2_endpoint to = { .addr = L.local[ai] };
		const uint8_t *msg = buf;

		if (n <= 0)
			return;
		if (natt) {
			static const uint8_t zero[NON_ESP_MARKER];

			/* Anything else on 4500 is ESP: not ours to handle. */
			if (n < NON_ESP_MARKER || memcmp(buf, zero, NON_ESP_MARKER) != 0)
				continue;
			msg += NON_ESP_MARKER;
			n -= NON_ESP_MARKER;
		}
		from.addr.family = GW_AF_INET;
		from.addr.v4 = ntohl(sin.sin_addr.s_addr);
		to.port = natt ? GW_IKEV2_NATT_PORT : GW_IKEV2_PORT;
		gw_ikev2_input(L.e, &from, &to, msg, (size_t)n);
	}
}

/* ------------------------------------------------------------- engine */

static unsigned
slot_of(const char *conn)
{
	return (unsigned)strtoul(conn + 5, NULL, 10); /* "load-<i>" */
}

static int
io_install(void *ctx, const struct gw_ikev2_child *c)
{
	unsigned i = slot_of(c->conn);
	uint64_t lat;

	(void)ctx;
	if (i >= L.n_conns || !L.slots[i].busy)
		return 0;
	lat = now_ms() - L.slots[i].started_ms;
	L.lat_sum_ms += lat;
	if (lat > L.lat_max_ms)
		L.lat_max_ms = lat;
	L.established++;
	L.slots[i].busy = false;
	L.n_busy--;
	if (L.del)
		L.to_delete[L.n_to_delete++] = i;
	return 0;
}

static void
io_delete(void *ctx, uint32_t spi_in, uint32_t spi_out)
{
	(void)ctx, (void)spi_in, (void)spi_out;
}

static void
io_event(void *ctx, enum gw_ikev2_level lvl, const char *text)
{
	(void)ctx;
	if (L.verbose || lvl == GW_IKEV2_ERROR)
		fprintf(stderr, "ikeload: %s\n", text);
}

static int
make_conns(void)
{
	char err[GW_IKE_PROP_ERR_MAX], id[64];

	L.conns = calloc(L.n_conns, sizeof(*L.conns));
	L.slots = calloc(L.n_conns, sizeof(*L.slots));
	L.to_delete = calloc(L.n_conns, sizeof(*L.to_delete));
	if (!L.conns || !L.slots || !L.to_delete)
		return -1;
	for (unsigned i = 0; i < L.n_conns; i++) {
		struct gw_ikev2_conn *c = &L.conns[i];
		char ts[32];

		snprintf(c->name, sizeof(c->name), "load-%u", i);
		c->local.addr = L.local[i % L.n_local];
		c->local.port = GW_IKEV2_PORT;
		c->remote.addr = L.target;
		c->remote.port = GW_IKEV2_PORT;
		if (gw_ike_proposal_list_parse(L.ike, GW_IKE_PROTO_IKE, 0, c->proposals,
					       GW_IKE_PROP_MAX, &c->n_proposals, err,
					       sizeof(err)) != 0 ||
		    gw_ike_proposal_list_parse(L.esp, GW_IKE_PROTO_ESP, 0,
					       c->esp_proposals, GW_IKE_PROP_MAX,
					       &c->n_esp_proposals, err, sizeof(err)) != 0) {
			fprintf(stderr, "ikeload: proposal: %s\n", err);
			return -1;
		}
		snprintf(id, sizeof(id), "load-%u.test", i);
		if (gw_ikev2_id_parse(id, &c->local_id) != 0 ||
		    (L.remote_id && gw_ikev2_id_parse(L.remote_id, &c->remote_id) != 0))
			return -1;
		if (L.cred) {
			/* one certificate for all: its SAN is the identity */
			c->local_auth = c->remote_auth = GW_IKEV2_AUTH_PUBKEY;
			c->cred = L.cred;
			c->cas = L.cas;
			if (gw_ikev2_id_parse("load.test", &c->local_id) != 0)
				return -1;
		} else {
			c->psk_len = strlen(L.psk);
			if (c->psk_len == 0 || c->psk_len > sizeof(c->psk))
				return -1;
			memcpy(c->psk, L.psk, c->psk_len);
		}
		/* A /32 of its own: the responder's SPD gets disjoint entries. */
		snprintf(ts, sizeof(ts), "10.%u.%u.%u/32", 200 + (i >> 16) % 56,
			 (i >> 8) & 255, i & 255);
		if (gw_ikev2_ts_parse(ts, &c->local_ts[0]) != 0 ||
		    gw_ikev2_ts_parse("0.0.0.0/0", &c->remote_ts[0]) != 0)
			return -1;
		c->n_local_ts = c->n_remote_ts = 1;
		c->tunnel = true;
	}
	return 0;
}

static void
start_slot(unsigned i, uint64_t now)
{
	int rc = gw_ikev2_initiate(L.e, L.conns[i].name);

	L.started++;
	if (rc != 0) {
		L.start_errors++;
		if (L.verbose)
			fprintf(stderr, "ikeload: initiate %s: %d\n", L.conns[i].name, rc);
		return;
	}
	L.slots[i].busy = true;
	L.slots[i].started_ms = now;
	L.n_busy++;
}

static bool
may_start(uint64_t now, uint64_t t0)
{
	if (L.count && L.started >= L.count)
		return false;
	return L.duration <= 0 || (double)(now - t0) < L.duration * 1000;
}

/* Fills the window: with --delete any idle connection, else the next
 * unused one (each establishment keeps its own). */
static void
fill_window(uint64_t now, uint64_t t0)
{
	static unsigned next;

	while (L.n_busy < L.window && may_start(now, t0)) {
		unsigned i;

		if (!L.del) {
			if (L.started >= L.n_conns)
				return;
			start_slot((unsigned)L.started, now);
			continue;
		}
		for (unsigned k = 0; k < L.n_conns; k++) {
			i = next;
			next = (next + 1) % L.n_conns;
			if (!L.slots[i].busy) {
				start_slot(i, now);
				break;
			}
		}
	}
}

/* Frees slots whose attempt failed (the engine dropped the IKE SA: a new
 * initiate is accepted) or timed out. */
static void
reap(uint64_t now)
{
	for (unsigned i = 0; i < L.n_conns; i++) {
		struct slot *s = &L.slots[i];

		if (!s->busy)
			continue;
		if (now - s->started_ms >= (uint64_t)L.timeout_s * 1000) {
			L.timeouts++;
			gw_ikev2_terminate(L.e, L.conns[i].name);
			s->busy = false;
			L.n_busy--;
		}
	}
}

/* ---------------------------------------------------------------- main */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: ipsecgw-ikeload --target ADDR --local-addrs A[,B...]\n"
		"         (--psk KEY | --cert PEM --key PEM --cacert PEM)\n"
		"         [--ike PROPOSAL] [--esp PROPOSAL] [--count N] [--duration S]\n"
		"         [--window W] [--delete] [--remote-id ID] [--timeout S]\n"
		"         [--responder-pid PID | --responder-ctl SOCKET] [--json] [-v]\n"
		"  --ike, --esp      strongSwan syntax (default %s, %s)\n"
		"  --count N         establishments to start (default: until --duration)\n"
		"  --window W        IKE SAs in flight at once (default %u)\n"
		"  --delete          delete each IKE SA once its CHILD SA is up\n"
		"  --responder-pid   CPU time from /proc/PID/stat (e.g. charon)\n"
		"  --responder-ctl   CPU time of ipsecgw's control thread (show ike-stats)\n"
		"  --cert, --key     our certificate (subjectAltName load.test) and key:\n"
		"                    signature auth both ways, --cacert trusts the peer's CA\n",
		L.ike, L.esp, L.window);
}

static int
parse_addrs(char *s)
{
	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		if (L.n_local == MAX_ADDRS || gw_addr_parse(tok, &L.local[L.n_local]) != 0 ||
		    L.local[L.n_local].family != GW_AF_INET)
			return -1;
		L.n_local++;
	}
	return L.n_local ? 0 : -1;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "local-addrs", required_argument, NULL, 'l' },
		{ "psk", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'K' },
		{ "cacert", required_argument, NULL, 'A' },
		{ "ike", required_argument, NULL, 'i' },
		{ "esp", required_argument, NULL, 'e' },
		{ "count", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "window", required_argument, NULL, 'w' },
		{ "delete", no_argument, NULL, 'D' },
		{ "remote-id", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "responder-pid", required_argument, NULL, 'p' },
		{ "responder-ctl", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (o) {
		case 't':
			if (gw_addr_parse(optarg, &L.target) != 0 ||
			    L.target.family != GW_AF_INET)
				return -1;
			break;
		case 'l':
			if (parse_addrs(optarg) != 0)
				return -1;
			break;
		case 'k': L.psk = optarg; break;
		case 'C': L.cert = optarg; break;
		case 'K': L.key = optarg; break;
		case 'A': L.cacert = optarg; break;
		case 'i': L.ike = optarg; break;
		case 'e': L.esp = optarg; break;
		case 'n': L.count = strtoul(optarg, NULL, 10); break;
		case 'd': L.duration = atof(optarg); break;
		case 'w': L.window = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'D': L.del = true; break;
		case 'r': L.remote_id = optarg; break;
		case 'T': L.timeout_s = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'p': L.pid = atoi(optarg); break;
		case 'c': L.ctl_path = optarg; break;
		case 'j': L.json = true; break;
		case 'v': L.verbose = true; break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	if (L.count > 1000000)
		return -1;
	if (L.cert || L.key || L.cacert) {
		char err[256];

		if (!L.cert || !L.key || !L.cacert ||
		    gw_ike_cred_load(&L.cred, &L.cert, 1, L.key, err, sizeof(err)) != 0 ||
		    gw_ike_cas_load(&L.cas, &L.cacert, 1, err, sizeof(err)) != 0) {
			fprintf(stderr, "ikeload: --cert, --key and --cacert go together: %s\n",
				L.cert && L.key && L.cacert ? err : "one is missing");
			return -1;
		}
		L.psk = "";   /* unused */
	}
	if (!L.target.family || !L.n_local || !L.psk || L.window == 0 ||
	    (!L.count && L.duration <= 0) || (!L.del && !L.count))
		return -1;
	/* Without --delete each establishment keeps its connection. */
	L.n_conns = L.del ? L.window : (unsigned)L.count;
	if (L.timeout_s == 0)
		L.timeout_s = 1;
	return 0;
}

static void
drain_deletes(void)
{
	for (unsigned k = 0; k < L.n_to_delete; k++)
		gw_ikev2_terminate(L.e, L.conns[L.to_delete[k]].name);
	L.n_to_delete = 0;
}

int
main(int argc, char **argv)
{
	static const struct gw_ikev2_io io = {
		.send = io_send,
		.install_child = io_install,
		.delete_child = io_delete,
		.event = io_event,
	};
	struct pollfd pfd[MAX_ADDRS * 2];
	struct gw_ikev2_stats st;
	unsigned long resp_est0 = 0, resp_est1 = 0, last_est = 0;
	uint64_t t0, t_end, last_tick = 0, last_print, last_reap = 0;
	double cpu0, cpu1, secs, cpu;

	if (parse_args(argc, argv) != 0) {
		usage(stderr);
		return 2;
	}
	if (make_conns() != 0)
		return 2;
	for (unsigned i = 0; i < L.n_local; i++) {
		L.fd[i][0] = udp_open(&L.local[i], GW_IKEV2_PORT);
		L.fd[i][1] = udp_open(&L.local[i], GW_IKEV2_NATT_PORT);
		if (L.fd[i][0] < 0 || L.fd[i][1] < 0) {
			perror("ikeload: bind to port 500/4500");
			return 2;
		}
		pfd[2 * i] = (struct pollfd){ .fd = L.fd[i][0], .events = POLLIN };
		pfd[2 * i + 1] = (struct pollfd){ .fd = L.fd[i][1], .events = POLLIN };
	}
	L.e = gw_ikev2_engine_new(&io, NULL, L.conns, L.n_conns);
	if (!L.e) {
		fprintf(stderr, "ikeload: bad connection parameters\n");
		return 2;
	}
	gw_ikev2_set_log_level(L.e, L.verbose ? GW_IKEV2_DEBUG : GW_IKEV2_ERROR);
	cpu0 = responder_cpu_s(&resp_est0);
	t0 = last_print = now_ms();
	gw_ikev2_tick(L.e, t0);
	for (;;) {
		uint64_t now = now_ms();

		fill_window(now, t0);
		if (L.n_busy == 0 && !may_start(now, t0))
			break;
		if (poll(pfd, L.n_local * 2, TICK_MS) > 0) {
			for (unsigned i = 0; i < L.n_local * 2; i++)
				if (pfd[i].revents & POLLIN)
					udp_receive(i / 2, (int)(i % 2));
			drain_deletes();
		}
		now = now_ms();
		if (now - last_tick >= TICK_MS) {
			gw_ikev2_tick(L.e, now);
			last_tick = now;
		}
		if (now - last_reap >= 200) {
			reap(now);
			last_reap = now;
		}
		if (now - last_print >= 1000) {
			gw_ikev2_get_stats(L.e, &st);
			if (!L.json)
				printf("t=%5.1fs established %lu (+%lu/s) failed %lu timeouts %lu in flight %u\n",
				       (double)(now - t0) / 1000, L.established,
				       L.established - last_est, (unsigned long)st.failed,
				       L.timeouts, L.n_busy);
			fflush(stdout);
			last_est = L.established;
			last_print = now;
		}
		if (L.duration > 0 && (double)(now - t0) > L.duration * 1000 +
		    (double)L.timeout_s * 1000)
			break;
	}
	t_end = now_ms();
	cpu1 = responder_cpu_s(&resp_est1);
	/* Let the last Deletes be answered so the responder ends clean. */
	for (uint64_t t = now_ms(); L.del && now_ms() - t < 500; ) {
		if (poll(pfd, L.n_local * 2, TICK_MS) > 0)
			for (unsigned i = 0; i < L.n_local * 2; i++)
				if (pfd[i].revents & POLLIN)
					udp_receive(i / 2, (int)(i % 2));
		gw_ikev2_tick(L.e, now_ms());
	}
	gw_ikev2_get_stats(L.e, &st);
	secs = (double)(t_end - t0) / 1000;
	cpu = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;
	if (L.json) {
		printf("{\"established\": %lu, \"failed\": %lu, \"timeouts\": %lu, "
		       "\"seconds\": %.3f, \"per_second\": %.1f, \"latency_ms_avg\": %.1f, "
		       "\"latency_ms_max\": %llu",
		       L.established, (unsigned long)st.failed, L.timeouts, secs,
		       L.established / secs,
		       L.established ? (double)L.lat_sum_ms / L.established : 0.0,
		       (unsigned long long)L.lat_max_ms);
		if (cpu > 0)
			printf(", \"responder_cpu_s\": %.3f, \"per_responder_cpu_s\": %.1f",
			       cpu, L.established / cpu);
		if (L.ctl_path)
			printf(", \"responder_established\": %lu", resp_est1 - resp_est0);
		printf("}\n");
	} else {
		printf("done: %lu established in %.2f s = %.1f/s, %lu failed, %lu timeouts, "
		       "latency avg %.1f ms max %llu ms",
		       L.established, secs, L.established / secs, (unsigned long)st.failed,
		       L.timeouts,
		       L.established ? (double)L.lat_sum_ms / L.established : 0.0,
		       (unsigned long long)L.lat_max_ms);
		if (cpu > 0)
			printf("; responder CPU %.3f s = %.1f establishments per CPU-second",
			       cpu, L.established / cpu);
		printf("\n");
	}
	gw_ikev2_engine_free(L.e);
	for (unsigned i = 0; i < L.n_local; i++) {
		close(L.fd[i][0]);
		close(L.fd[i][1]);
	}
	explicit_bzero(L.conns, L.n_conns * sizeof(*L.conns));
	free(L.conns);
	gw_ike_cred_free(L.cred);
	gw_ike_cas_free(L.cas);
	free(L.slots);
	free(L.to_delete);
	return L.established && !L.timeouts && !st.failed && !L.start_errors ? 0 : 1;
}
