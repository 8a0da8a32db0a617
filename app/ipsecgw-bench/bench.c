/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipsecgw-bench: runs the gateway's own pipeline (gw_worker_process and
 * gw_worker_flush, the functions the gateway's workers call) on virtual
 * ports fed by an in-process source, and reports per worker core:
 *   - the source alone (alloc + copy + TX, like testpmd io forwarding),
 *   - the raw intel-ipsec-mb rate of the SA's algorithm for the same
 *     payloads (the limit),
 *   - the pipeline: Mpps, Gbps, cycles per packet, drops by reason,
 *     and its share of the crypto limit.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "bench.h"
#include "control.h"
#include "dataplane.h"
#include "gw_log.h"

enum worker_cmd { CMD_IDLE, CMD_RUN, CMD_SOURCE, CMD_LIMIT, CMD_EXIT };

/* One worker's share of a phase. */
struct bench_run {
	struct gw_worker *w;
	volatile int cmd;
	volatile uint32_t gen;     /* bumped after cmd is set: one run per bump */
	volatile int done;
	volatile int stop;
	enum bench_dir dir;
	const struct bench_size *size;
	const struct bench_traffic *tr;
	uint32_t *idx;             /* templates this worker feeds */
	uint32_t n_idx;
	uint16_t in_port, out_port;
	/* results */
	uint64_t fed, fed_inner_bytes, cycles, out;
	uint64_t proc_cycles;      /* inside gw_worker_process (+ handoff) only */
	uint64_t prof[GW_PROF_MAX];
	struct gw_worker_stats before, after;
	double limit_mpps;
} __rte_cache_aligned;

static struct bench_opts opts = {
	.alg = GW_ALG_AES256GCM16,
	.n_sas = 1,
	.n_workers = 1,
	.duration = 3.0,
	.esn = true,
	.burst = 32,
	.mem_mb = 1024,
	.rounds = 5,
};
static struct bench_run runs[GW_MAX_WORKERS];

/* Many SAs: probe the memory floor (beyond the 32 MB of L3 a 64 B
 * outbound packet's SA and key are 8 lines: 2 of the SA, 4 of round keys,
 * 2 of GHASH powers). */
#define MEMPROBE_MIN_SAS 16384
#define MEMPROBE_LINES 8
static struct bench_memprobe memprobe;
static struct gw_sa **in_sas;      /* inbound SA i, for the replay rewind */
static struct rte_ring *cap_ring[2]; /* capture mode: TX rings of lan, wan */
static uint32_t feeding;           /* workers still feeding in this phase */
static double phase_seconds;       /* length of the current timed phase */

static const char *const dir_name[] = { "encrypt", "decrypt" };

static void
usage(const char *prog)
{
	printf("usage: %s [options]\n"
	       "  --sizes LIST     frame sizes: 64, imix (7:4:1 of 64/570/1518), 1420, any N;\n"
	       "                   comma separated (default 64,imix,1420)\n"
	       "  --dir D          encrypt, decrypt or both (default both)\n"
	       "  --alg A          aes128gcm16, aes256gcm16 (default), chacha20poly1305,\n"
	       "                   aes128-sha256/384/512, aes256-sha256/384/512\n"
	       "  --sas N          SAs (and policies), flows spread over them (default 1)\n"
	       "  --workers N      worker cores (default 1)\n"
	       "  --duration S     seconds of pipeline per (size, direction) (default 3)\n"
	       "  --rounds N       interleaved rounds of limit/source/pipeline; the best\n"
	       "                   of each is kept (default 5)\n"
	       "  --udp            ESP in UDP 4500\n"
	       "  --no-esn         32-bit sequence numbers\n"
	       "  --burst N        burst size (default 32)\n"
	       "  --profile        add a profiled pass: cycles per pipeline stage\n"
	       "  --no-limit       skip the raw crypto limit\n"
	       "  --json FILE      write all figures as JSON\n"
	       "  --capture DIR    write source and output frames as pcap (functional check)\n"
	       "  --max-packets N  stop each run after N packets per worker\n"
	       "  --mem MB         DPDK memory (default 1024)\n"
	       "  --huge           take DPDK memory from hugepages (reserve them first:\n"
	       "                   many SAs miss the TLB on every packet without)\n"
	       "  --spread         every worker feeds every SA: packets are handed to\n"
	       "                   the SA's owning worker (correctness of the handoff)\n"
	       "  --lcores MAP     EAL --lcores map, e.g. 0@0,1@1,2@1 to run two workers\n"
	       "                   on one CPU (correctness only, not speed)\n", prog);
}

static int
parse_sizes(const char *s)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", s);
	opts.n_sizes = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct bench_size *z;

		if (opts.n_sizes == BENCH_MAX_SIZES)
			return -1;
		z = &opts.sizes[opts.n_sizes++];
		snprintf(z->name, sizeof(z->name), "%s", tok);
		if (strcmp(tok, "imix") == 0) {
			z->frame[0] = 64, z->weight[0] = 7;
			z->frame[1] = 570, z->weight[1] = 4;
			z->frame[2] = 1518, z->weight[2] = 1;
			z->n_frames = 3;
		} else {
			long v = strtol(tok, NULL, 10);

			if (v < 60 || v > 9000)
				return -1;
			z->frame[0] = (uint16_t)v, z->weight[0] = 1;
			z->n_frames = 1;
		}
	}
	return opts.n_sizes ? 0 : -1;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "sizes", 1, NULL, 's' }, { "dir", 1, NULL, 'd' }, { "alg", 1, NULL, 'a' },
		{ "sas", 1, NULL, 'n' }, { "workers", 1, NULL, 'w' }, { "duration", 1, NULL, 't' },
		{ "udp", 0, NULL, 'u' }, { "no-esn", 0, NULL, 'E' }, { "burst", 1, NULL, 'b' },
		{ "profile", 0, NULL, 'p' }, { "no-limit", 0, NULL, 'L' }, { "json", 1, NULL, 'j' },
		{ "capture", 1, NULL, 'c' }, { "max-packets", 1, NULL, 'm' }, { "mem", 1, NULL, 'M' },
		{ "huge", 0, NULL, 'H' },
		{ "spread", 0, NULL, 'S' }, { "lcores", 1, NULL, 'l' }, { "rounds", 1, NULL, 'R' },
		{ "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c;

	parse_sizes("64,imix,1420");
	opts.dir[0] = opts.dir[1] = true;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_sizes(optarg) != 0)
				return -1;
			break;
		case 'd':
			opts.dir[BENCH_ENCRYPT] = !strcmp(optarg, "encrypt") || !strcmp(optarg, "both");
			opts.dir[BENCH_DECRYPT] = !strcmp(optarg, "decrypt") || !strcmp(optarg, "both");
			if (!opts.dir[0] && !opts.dir[1])
				return -1;
			break;
		case 'a':
			opts.alg = GW_ALG_NONE;
			for (int a = GW_ALG_AES128GCM16; a <= GW_ALG_AES256CBC_SHA512; a++)
				if (!strcmp(optarg, gw_esp_alg_name((enum gw_esp_alg)a)))
					opts.alg = (enum gw_esp_alg)a;
			if (opts.alg == GW_ALG_NONE)
				return -1;
			break;
		case 'n':
			opts.n_sas = (uint32_t)strtoul(optarg, NULL, 0);
			if (opts.n_sas == 0 || opts.n_sas > (1u << 22))
				return -1;
			break;
		case 'w':
			opts.n_workers = (unsigned)strtoul(optarg, NULL, 0);
			if (opts.n_workers == 0 || opts.n_workers > GW_MAX_WORKERS)
				return -1;
			break;
		case 't':
			opts.duration = strtod(optarg, NULL);
			if (opts.duration <= 0)
				return -1;
			break;
		case 'u':
			opts.udp = true;
			break;
		case 'E':
			opts.esn = false;
			break;
		case 'b':
			opts.burst = (uint16_t)strtoul(optarg, NULL, 0);
			if (opts.burst == 0 || opts.burst > GW_BURST_MAX)
				return -1;
			break;
		case 'p':
			opts.profile = true;
			break;
		case 'L':
			opts.skip_limit = true;
			break;
		case 'j':
			opts.json_path = optarg;
			break;
		case 'c':
			opts.capture_dir = optarg;
			break;
		case 'm':
			opts.max_packets = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'M':
			opts.mem_mb = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'H':
			opts.huge = true;
			break;
		case 'S':
			opts.spread = true;
			break;
		case 'R':
			opts.rounds = (unsigned)strtoul(optarg, NULL, 0);
			if (opts.rounds == 0 || opts.rounds > 100)
				return -1;
			break;
		case 'l':
			opts.lcores = optarg;
			break;
		default:
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

static int
eal_init(const char *prog)
{
	char lcores[64], mem[16], *argv[32];
	int argc = 0, n;

	n = snprintf(lcores, sizeof(lcores), "0");
	for (unsigned i = 1; i <= opts.n_workers; i++)
		n += snprintf(lcores + n, sizeof(lcores) - (size_t)n, ",%u", i);
	snprintf(mem, sizeof(mem), "%u", opts.mem_mb);
	argv[argc++] = (char *)(uintptr_t)prog;
	argv[argc++] = opts.lcores ? (char *)"--lcores" : (char *)"-l";
	argv[argc++] = opts.lcores ? (char *)(uintptr_t)opts.lcores : lcores;
	argv[argc++] = (char *)"--main-lcore";
	argv[argc++] = (char *)"0";
	argv[argc++] = opts.huge ? (char *)"--in-memory" : (char *)"--no-huge";
	argv[argc++] = (char *)"-m";
	argv[argc++] = mem;
	if (!opts.huge)
		argv[argc++] = (char *)"--no-shconf";
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"--log-level=*:warning";
	if (opts.capture_dir == NULL) {
		argv[argc++] = (char *)"--vdev=net_null0,no-rx=1";
		argv[argc++] = (char *)"--vdev=net_null1,no-rx=1";
	}
	argv[argc] = NULL;
	return rte_eal_init(argc, argv);
}

/* Capture mode: ports made of rings the main lcore drains into pcaps. */
static int
make_ring_ports(void)
{
	static const char *const names[2] = { "bench_lan", "bench_wan" };

	for (int p = 0; p < 2; p++) {
		char rn[32];
		struct rte_ring *rx, *tx[GW_MAX_WORKERS];

		snprintf(rn, sizeof(rn), "%s_rx", names[p]);
		rx = rte_ring_create(rn, 64, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(rn, sizeof(rn), "%s_tx", names[p]);
		/* all workers' TX queues share one MP ring */
		tx[0] = rte_ring_create(rn, 65536, 0, RING_F_SC_DEQ);
		if (rx == NULL || tx[0] == NULL)
			return -1;
		for (unsigned w = 1; w < opts.n_workers; w++)
			tx[w] = tx[0];
		cap_ring[p] = tx[0];
		if (rte_eth_from_rings(names[p], &rx, 1, tx, (unsigned)opts.n_workers, 0) < 0)
			return -1;
	}
	return 0;
}

static struct gw_cfg cfg;

/* The benchmark's gateway: 16.0.0.0/8 behind the LAN, 48.0.0.0/8 behind
 * the peer 192.0.2.2; SA i protects 16.0.0.0+i <-> 48.0.0.0+i. */
static int
build_config(void)
{
	uint32_t n_out = opts.dir[BENCH_ENCRYPT] ? opts.n_sas : 0;
	uint32_t n_in = opts.dir[BENCH_DECRYPT] ? opts.n_sas : 0;
	const char *lan = opts.capture_dir ? "net_ring_bench_lan" : "net_null0";
	const char *wan = opts.capture_dir ? "net_ring_bench_wan" : "net_null1";

	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.path, sizeof(cfg.path), "<ipsecgw-bench>");
	cfg.lcores.control = 0;
	for (unsigned i = 0; i < opts.n_workers; i++)
		cfg.lcores.workers[i] = i + 1;
	cfg.lcores.n_workers = opts.n_workers;
	cfg.lcores.idle = GW_IDLE_POLL;
	cfg.n_ports = 2;
	snprintf(cfg.ports[0].name, GW_NAME_MAX, "lan");
	snprintf(cfg.ports[0].device, GW_NAME_MAX, "%s", lan);
	cfg.ports[0].role = GW_ROLE_PROTECTED;
	gw_prefix_parse("10.0.0.1", &cfg.ports[0].addrs[0]);
	cfg.ports[0].addrs[0].len = 24;
	cfg.ports[0].n_addrs = 1;
	snprintf(cfg.ports[1].name, GW_NAME_MAX, "wan");
	snprintf(cfg.ports[1].device, GW_NAME_MAX, "%s", wan);
	cfg.ports[1].role = GW_ROLE_UNPROTECTED;
	gw_prefix_parse("192.0.2.1", &cfg.ports[1].addrs[0]);
	cfg.ports[1].addrs[0].len = 24;
	cfg.ports[1].n_addrs = 1;

	cfg.routes = calloc(2, sizeof(*cfg.routes));
	cfg.neighbors = calloc(2, sizeof(*cfg.neighbors));
	cfg.sas = calloc(n_out + n_in + 1, sizeof(*cfg.sas));
	if (cfg.routes == NULL || cfg.neighbors == NULL || cfg.sas == NULL)
		return -1;
	gw_prefix_parse("16.0.0.0/8", &cfg.routes[0].dst);
	gw_addr_parse("10.0.0.2", &cfg.routes[0].via);
	snprintf(cfg.routes[0].port, GW_NAME_MAX, "lan");
	gw_prefix_parse("48.0.0.0/8", &cfg.routes[1].dst);
	gw_addr_parse("192.0.2.2", &cfg.routes[1].via);
	snprintf(cfg.routes[1].port, GW_NAME_MAX, "wan");
	cfg.n_routes = 2;
	gw_addr_parse("10.0.0.2", &cfg.neighbors[0].addr);
	memcpy(cfg.neighbors[0].mac, "\x02\x00\x00\x00\x0a\x02", 6);
	snprintf(cfg.neighbors[0].port, GW_NAME_MAX, "lan");
	gw_addr_parse("192.0.2.2", &cfg.neighbors[1].addr);
	memcpy(cfg.neighbors[1].mac, "\x02\x00\x00\x00\xc0\x02", 6);
	snprintf(cfg.neighbors[1].port, GW_NAME_MAX, "wan");
	cfg.n_neighbors = 2;

	for (uint32_t k = 0; k < n_out + n_in; k++) {
		struct gw_cfg_sa *s = &cfg.sas[k];
		bool in = k >= n_out;
		uint32_t i = in ? k - n_out : k;

		snprintf(s->name, GW_NAME_MAX, "%s-%u", in ? "in" : "out", i);
		s->dir = in ? GW_DIR_IN : GW_DIR_OUT;
		s->spi = (in ? 0x20000000u : 0x10000000u) + i;
		s->mode = GW_MODE_TUNNEL;
		gw_addr_parse("192.0.2.1", &s->local);
		gw_addr_parse("192.0.2.2", &s->remote);
		s->local_ts[0].addr.family = GW_AF_INET;
		s->remote_ts[0].addr.family = GW_AF_INET;
		if (opts.n_sas == 1) {
			gw_prefix_parse("16.0.0.0/8", &s->local_ts[0]);
			gw_prefix_parse("48.0.0.0/8", &s->remote_ts[0]);
		} else {
			s->local_ts[0].addr.v4 = bench_local_host(i);
			s->local_ts[0].len = 32;
			s->remote_ts[0].addr.v4 = bench_remote_host(i);
			s->remote_ts[0].len = 32;
		}
		s->n_local_ts = s->n_remote_ts = 1;
		s->alg = opts.alg;
		bench_sa_keys(i, s->dir, s);
		s->udp_encap = opts.udp;
		s->encap_sport = s->encap_dport = 4500;
		s->esn = opts.esn;
		s->replay_window = in ? GW_REPLAY_DEFAULT : 0;
	}
	cfg.n_sas = n_out + n_in;
	cfg.spd_default = GW_ACT_DISCARD;
	cfg.mbufs = 32767;
	cfg.burst = opts.burst;
	snprintf(cfg.control_socket, sizeof(cfg.control_socket), "/nonexistent");
	return 0;
}

/* Lets decrypt templates be replayed: the SA's window goes back to the
 * start. Bench bookkeeping on the owning worker, excluded from timing. */
static void
rewind_replay(struct bench_run *r)
{
	uint32_t buckets = r->tr->max_seq / 64 + 2;

	for (uint32_t i = r->w->idx; i < opts.n_sas; i += opts.n_workers) {
		struct gw_replay *rp = &in_sas[i]->replay;

		rp->top = 0;
		/* only the buckets this SA was allocated with (gw_sa_size) */
		memset(rp->bitmap, 0, RTE_MIN(buckets, rp->bucket_mask + 1) * 8);
	}
}

/* Fills a burst from the templates; with many SAs the encrypt source
 * rewrites the addresses so flows cover every SA this worker owns. */
static inline uint16_t
fill_burst(struct bench_run *r, struct rte_mbuf *mb[], uint16_t n, uint32_t *cursor,
	   uint32_t *sa_cursor, bool *wrapped)
{
	bool rewrite = r->dir == BENCH_ENCRYPT && opts.n_sas >= 64;

	if (rte_pktmbuf_alloc_bulk(gw_dp.pool, mb, n) != 0)
		return 0;
	for (uint16_t i = 0; i < n; i++) {
		const struct bench_template *t = &r->tr->t[r->idx[*cursor]];
		uint8_t *d = rte_pktmbuf_mtod(mb[i], uint8_t *);

		rte_memcpy(d, t->data, t->len);
		mb[i]->data_len = mb[i]->pkt_len = t->len;
		mb[i]->port = r->in_port;
		r->fed_inner_bytes += bench_inner_len(t->len, r->dir, opts.udp);
		if (rewrite) {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + RTE_ETHER_HDR_LEN);
			uint32_t sa = *sa_cursor;

			ip->src_addr = rte_cpu_to_be_32(bench_local_host(sa));
			ip->dst_addr = rte_cpu_to_be_32(bench_remote_host(sa));
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
			*sa_cursor += opts.n_workers;
			if (*sa_cursor >= opts.n_sas)
				*sa_cursor = r->w->idx;
		}
		if (++*cursor == r->n_idx) {
			*cursor = 0;
			*wrapped = true;
			/* decrypt: end the burst here, the replay rewind must come
			 * between the last and the first template */
			if (r->dir == BENCH_DECRYPT) {
				rte_pktmbuf_free_bulk(&mb[i + 1], n - i - 1);
				return i + 1;
			}
		}
	}
	return n;
}

static void
run_phase(struct bench_run *r, bool source_only)
{
	struct gw_worker *w = r->w;
	struct rte_mbuf *mb[GW_BURST_MAX];
	uint32_t cursor = 0, sa_cursor = w->idx;
	uint64_t excluded = 0, start, proc = 0;

	/* with --spread other workers feed this worker's SAs: no rewind then */
	if (r->dir == BENCH_DECRYPT && !opts.spread)
		rewind_replay(r);
	r->fed = r->fed_inner_bytes = 0;
	r->before = w->stats;
	memcpy(r->prof, w->prof, sizeof(r->prof));
	start = rte_rdtsc();
	while (!r->stop && (opts.max_packets == 0 || r->fed < opts.max_packets)) {
		bool wrapped = false;
		uint16_t n = fill_burst(r, mb, w->burst, &cursor, &sa_cursor, &wrapped);

		/* fed_inner_bytes counted every filled frame, sent or not */

		if (n == 0) {
			gw_worker_flush(w);
			continue;
		}
		r->fed += n;
		if (source_only) {
			uint16_t sent = rte_eth_tx_burst(r->out_port, w->txq, mb, n);

			if (sent < n)
				rte_pktmbuf_free_bulk(&mb[sent], n - sent);
			r->out += sent;
		} else {
			uint64_t t0 = rte_rdtsc();

			gw_worker_process(w, mb, n);
			if (opts.spread)
				gw_worker_handoff(w);
			proc += rte_rdtsc() - t0;
			gw_worker_flush(w);
		}
		if (unlikely(wrapped) && r->dir == BENCH_DECRYPT && !opts.spread) {
			uint64_t t0 = rte_rdtsc();

			rewind_replay(r);
			excluded += rte_rdtsc() - t0;
		}
	}
	/* packets handed to this worker keep coming until everyone stopped */
	__atomic_sub_fetch(&feeding, 1, __ATOMIC_ACQ_REL);
	while (!source_only && opts.spread &&
	       (__atomic_load_n(&feeding, __ATOMIC_ACQUIRE) > 0 || !rte_ring_empty(w->handoff))) {
		gw_worker_handoff(w);
		gw_worker_flush(w);
	}
	r->cycles = rte_rdtsc() - start - excluded;
	r->proc_cycles = proc;
	r->after = w->stats;
	for (int k = 0; k < GW_PROF_MAX; k++)
		r->prof[k] = w->prof[k] - r->prof[k];
	if (!source_only)
		r->out = r->after.tx_packets - r->before.tx_packets;
}

static int
bench_worker_main(void *arg)
{
	struct bench_run *r = arg;

	rte_rcu_qsbr_thread_register(gw_dp.ctrl.qsbr, r->w->idx);
	rte_rcu_qsbr_thread_online(gw_dp.ctrl.qsbr, r->w->idx);
	uint32_t seen = 0;

	for (;;) {
		uint32_t gen = __atomic_load_n(&r->gen, __ATOMIC_ACQUIRE);
		int cmd;

		gw_worker_apply_messages(r->w);
		rte_rcu_qsbr_quiescent(gw_dp.ctrl.qsbr, r->w->idx);
		if (gen == seen) {
			rte_pause();
			continue;
		}
		/* a new command: read it only after seeing its generation */
		seen = gen;
		cmd = r->cmd;
		if (cmd == CMD_EXIT)
			break;
		if (cmd == CMD_IDLE)
			continue;
		r->out = 0;
		if (cmd == CMD_LIMIT)
			r->limit_mpps = bench_crypto_limit(&r->w->esp.crypto, &opts, r->size,
							   r->dir, RTE_MIN(phase_seconds, 0.25));
		else
			run_phase(r, cmd == CMD_SOURCE);
		r->done = 1;
	}
	rte_rcu_qsbr_thread_offline(gw_dp.ctrl.qsbr, r->w->idx);
	return 0;
}

static void
drain_captures(struct bench_pcap *pc[2])
{
	struct rte_mbuf *mb[64];

	for (int p = 0; p < 2; p++) {
		unsigned n;

		while ((n = rte_ring_dequeue_burst(cap_ring[p], (void **)mb, 64, NULL)) > 0) {
			for (unsigned i = 0; i < n; i++)
				bench_pcap_write(pc[p], rte_pktmbuf_mtod(mb[i], void *),
						 rte_pktmbuf_data_len(mb[i]));
			rte_pktmbuf_free_bulk(mb, n);
		}
	}
}

/* Runs one command on every worker, printing progress while it runs. */
static void
run_all(int cmd, const char *label, struct bench_pcap *pc[2])
{
	uint64_t hz = rte_get_tsc_hz(), start = rte_rdtsc(), next = start + hz;
	bool timed = cmd == CMD_RUN || cmd == CMD_SOURCE;

	feeding = opts.n_workers;
	for (unsigned i = 0; i < opts.n_workers; i++) {
		runs[i].done = 0;
		runs[i].stop = 0;
		runs[i].cmd = cmd;
		__atomic_add_fetch(&runs[i].gen, 1, __ATOMIC_RELEASE);
	}
	for (;;) {
		unsigned done = 0;
		uint64_t now = rte_rdtsc();

		for (unsigned i = 0; i < opts.n_workers; i++)
			done += runs[i].done;
		if (done == opts.n_workers)
			break;
		if (timed && now - start > (uint64_t)(phase_seconds * (double)hz))
			for (unsigned i = 0; i < opts.n_workers; i++)
				runs[i].stop = 1;
		if (cmd == CMD_RUN && now > next && isatty(2)) {
			uint64_t tx = 0;

			for (unsigned i = 0; i < opts.n_workers; i++)
				tx += runs[i].w->stats.tx_packets - runs[i].before.tx_packets;
			fprintf(stderr, "\r  %-24s %5.1f s  %8.2f Mpps", label,
				(double)(now - start) / (double)hz,
				(double)tx / ((double)(now - start) / (double)hz) / 1e6);
			next += hz;
		}
		if (pc[0])
			drain_captures(pc);
		rte_delay_us_sleep(1000); /* the main lcore must not steal the workers' CPU */
	}
	if (pc[0])
		drain_captures(pc);
	if (cmd == CMD_RUN && isatty(2))
		fprintf(stderr, "\r%60s\r", "");
	for (unsigned i = 0; i < opts.n_workers; i++)
		runs[i].cmd = CMD_IDLE;
}

/* Figures of one (size, direction). */
struct bench_result {
	const char *size;
	enum bench_dir dir;
	double mpps, gbps, cycles_per_pkt, src_mpps, limit_mpps;
	double src_cpp;            /* source cycles per packet */
	double pipe_mpps;          /* the pipeline alone: source cycles removed */
	double timed_mpps;         /* the pipeline alone: TSC around gw_worker_process */
	double stage_cpp[GW_PROF_MAX]; /* profiled pass */
	double stage_total;
	uint64_t packets_in, packets_out;
	uint64_t drops[GW_DROP_MAX];
	double worker_mpps[GW_MAX_WORKERS];
};

static struct bench_result results[2 * BENCH_MAX_SIZES];
static unsigned n_results;

static void
measure(const struct bench_size *sz, enum bench_dir dir, struct bench_pcap *pc[2])
{
	struct bench_traffic tr;
	struct bench_result *res = &results[n_results++];
	uint16_t lan = gw_dp.port_ids[0], wan = gw_dp.port_ids[1];
	uint64_t hz = rte_get_tsc_hz(), pkts = 0, cycles = 0, inner = 0;
	unsigned rounds;
	char label[64];

	memset(res, 0, sizeof(*res));
	res->size = sz->name;
	res->dir = dir;
	if (bench_traffic_build(&tr, &opts, sz, dir, dir == BENCH_ENCRYPT ? lan : wan) != 0) {
		fprintf(stderr, "cannot build traffic for %s\n", sz->name);
		exit(1);
	}
	if (opts.capture_dir) {
		char path[512];

		snprintf(path, sizeof(path), "%s/source-%s-%s.pcap", opts.capture_dir,
			 sz->name, dir_name[dir]);
		struct bench_pcap *src = bench_pcap_open(path);

		for (uint32_t i = 0; src && i < tr.n; i++)
			bench_pcap_write(src, tr.t[i].data, tr.t[i].len);
		bench_pcap_close(src);
	}
	for (unsigned i = 0; i < opts.n_workers; i++) {
		struct bench_run *r = &runs[i];

		r->dir = dir;
		r->size = sz;
		r->tr = &tr;
		r->in_port = dir == BENCH_ENCRYPT ? lan : wan;
		r->out_port = dir == BENCH_ENCRYPT ? wan : lan;
		free(r->idx);
		r->idx = malloc(sizeof(uint32_t) * tr.n);
		r->n_idx = 0;
		/* normally a worker feeds the SAs it owns; --spread deals each
		 * SA's successive packets to the workers in turn, so most of
		 * them are handed to the owner */
		for (uint32_t t = 0; t < tr.n; t++)
			if (opts.spread ? (t / opts.n_sas) % opts.n_workers == i
					: tr.t[t].sa % opts.n_workers == i)
				r->idx[r->n_idx++] = t;
		if (r->n_idx == 0) { /* more workers than flows: share template 0 */
			r->idx[0] = 0;
			r->n_idx = 1;
		}
	}
	/* workers are idle between phases: with --spread the main lcore
	 * rewinds the windows (each worker rewinds its own SAs otherwise) */
	for (unsigned i = 0; dir == BENCH_DECRYPT && opts.spread && i < opts.n_workers; i++)
		rewind_replay(&runs[i]);
	snprintf(label, sizeof(label), "%s %s", sz->name, dir_name[dir]);
	/* Rounds of limit, source and pipeline, back to back, keeping the best
	 * of each: other load on the machine only ever slows a measurement
	 * down, so the best of interleaved rounds compares like with like. */
	rounds = opts.capture_dir ? 1 : opts.rounds;
	for (unsigned round = 0; round < rounds; round++) {
		double best_cpp = 0;

		phase_seconds = opts.duration / rounds;
		if (!opts.skip_limit) {
			run_all(CMD_LIMIT, label, pc);
			res->limit_mpps = RTE_MAX(res->limit_mpps, runs[0].limit_mpps);
		}
		if (opts.capture_dir == NULL) {
			uint64_t sp = 0, sc = 0;

			phase_seconds = RTE_MIN(opts.duration / rounds, 0.5);
			run_all(CMD_SOURCE, label, pc);
			for (unsigned i = 0; i < opts.n_workers; i++) {
				sp += runs[i].fed;
				sc += runs[i].cycles;
			}
			if (sp && (res->src_cpp == 0 || (double)sc / (double)sp < res->src_cpp)) {
				res->src_cpp = (double)sc / (double)sp;
				res->src_mpps = (double)hz / res->src_cpp / 1e6;
			}
			phase_seconds = opts.duration / rounds;
		}
		if (opts.profile) {
			uint64_t pp = 0;
			double total = 0, st_cpp[GW_PROF_MAX];

			gw_dp.profile = true;
			run_all(CMD_RUN, label, pc);
			gw_dp.profile = false;
			for (unsigned i = 0; i < opts.n_workers; i++)
				pp += runs[i].out;
			for (int st = 0; st < GW_PROF_MAX; st++) {
				uint64_t c = 0;

				for (unsigned i = 0; i < opts.n_workers; i++)
					c += runs[i].prof[st];
				st_cpp[st] = pp ? (double)c / (double)pp : 0;
				total += st_cpp[st];
			}
			if (res->stage_cpp[0] == 0 || total < res->stage_total)
				memcpy(res->stage_cpp, st_cpp, sizeof(st_cpp)), res->stage_total = total;
		}
		run_all(CMD_RUN, label, pc);
		pkts = cycles = inner = 0;
		for (unsigned i = 0; i < opts.n_workers; i++) {
			struct bench_run *r = &runs[i];
			double secs = (double)r->cycles / (double)hz;

			if (r->out && r->proc_cycles)
				res->timed_mpps = RTE_MAX(res->timed_mpps,
							  (double)r->out / ((double)r->proc_cycles /
									    (double)hz) / 1e6);

			res->worker_mpps[i] = RTE_MAX(res->worker_mpps[i],
						      r->out ? (double)r->out / secs / 1e6 : 0);
			pkts += r->out;
			res->packets_in += r->fed;
			res->packets_out += r->out;
			cycles += r->cycles;
			inner += r->fed ? r->fed_inner_bytes * r->out / r->fed : 0;
			for (int d = 0; d < GW_DROP_MAX; d++)
				res->drops[d] += r->after.drops[d] - r->before.drops[d];
		}
		best_cpp = pkts ? (double)cycles / (double)pkts : 0;
		if (best_cpp > 0 && (res->cycles_per_pkt == 0 || best_cpp < res->cycles_per_pkt)) {
			res->cycles_per_pkt = best_cpp;
			res->gbps = (double)inner * 8 /
				    ((double)cycles / opts.n_workers / (double)hz) / 1e9 /
				    opts.n_workers;
		}
	}
	for (unsigned i = 0; i < opts.n_workers; i++)
		res->mpps += res->worker_mpps[i];
	res->mpps /= opts.n_workers; /* per worker core */
	if (res->src_cpp > 0 && res->cycles_per_pkt > res->src_cpp)
		res->pipe_mpps = (double)hz / (res->cycles_per_pkt - res->src_cpp) / 1e6;
	printf("%-6s %-8s", sz->name, dir_name[dir]);
	for (unsigned i = 0; i < opts.n_workers; i++)
		printf("  w%u %7.2f Mpps", i, res->worker_mpps[i]);
	printf("  | %6.2f Gbps inner  %6.0f cyc/pkt", res->gbps, res->cycles_per_pkt);
	if (res->src_mpps > 0)
		printf("  source %6.2f Mpps", res->src_mpps);
	if (res->limit_mpps > 0)
		printf("  limit %6.2f Mpps (%3.0f%%)", res->limit_mpps,
		       100.0 * res->mpps / res->limit_mpps);
	printf("\n");
	if (res->pipe_mpps > 0)
		printf("         pipeline alone: %.2f Mpps with the source's cycles removed, "
		       "%.2f Mpps timed inside the pipeline", res->pipe_mpps, res->timed_mpps);
	if (res->pipe_mpps > 0 && res->limit_mpps > 0)
		printf(" (%.0f%% / %.0f%% of the limit)", 100.0 * res->pipe_mpps / res->limit_mpps,
		       100.0 * res->timed_mpps / res->limit_mpps);
	if (res->pipe_mpps > 0)
		printf("\n");
	if (opts.profile)
		printf("         cycles/pkt: source %.0f | classify %.0f | lookup %.0f | "
		       "esp %.0f | forward %.0f | tx %.0f\n", res->src_cpp,
		       res->stage_cpp[GW_PROF_CLASSIFY], res->stage_cpp[GW_PROF_LOOKUP],
		       res->stage_cpp[GW_PROF_ESP], res->stage_cpp[GW_PROF_FORWARD],
		       res->stage_cpp[GW_PROF_TX]);
	for (int d = 0; d < GW_DROP_MAX; d++)
		if (res->drops[d])
			printf("         drops %s: %lu (%s)\n", gw_drop_name(d),
			       (unsigned long)res->drops[d], gw_drop_desc(d));
	fflush(stdout);
	bench_traffic_free(&tr);
}

static void
report(void)
{
	FILE *j = opts.json_path ? fopen(opts.json_path, "w") : NULL;

	printf("\n%-6s %-8s %10s %8s %8s %12s %14s %11s %8s %8s %8s\n", "size", "dir",
	       "Mpps/core", "Gbps", "cyc/pkt", "source Mpps", "pipeline Mpps", "limit Mpps",
	       "%limit", "%limit*", "%limitT");
	for (unsigned i = 0; i < n_results; i++) {
		const struct bench_result *r = &results[i];

		printf("%-6s %-8s %10.2f %8.2f %8.0f %12.2f %6.2f/%7.2f %11.2f %7.0f%% %7.0f%% "
		       "%7.0f%%\n",
		       r->size, dir_name[r->dir], r->mpps, r->gbps, r->cycles_per_pkt,
		       r->src_mpps, r->pipe_mpps, r->timed_mpps, r->limit_mpps,
		       r->limit_mpps > 0 ? 100.0 * r->mpps / r->limit_mpps : 0,
		       r->limit_mpps > 0 ? 100.0 * r->pipe_mpps / r->limit_mpps : 0,
		       r->limit_mpps > 0 ? 100.0 * r->timed_mpps / r->limit_mpps : 0);
	}
	printf("Mpps/core includes the in-process source; pipeline Mpps: source cycles removed / "
	       "timed inside gw_worker_process (TX to the sink counts as the source's);\n"
	       "%%limit* and %%limitT = those two / crypto limit\n");
	if (j == NULL)
		return;
	fprintf(j, "{\"alg\":\"%s\",\"sas\":%u,\"workers\":%u,\"udp\":%s,\"esn\":%s,"
		"\"burst\":%u,\"duration_s\":%.2f,\"gbps_counts\":\"inner IP bytes\","
		"\"sa_bytes_out\":%zu,\"sa_bytes_in\":%zu,\"mem_chase_cycles\":%.1f,"
		"\"mem_line_cycles\":%.1f,\"results\":[",
		gw_esp_alg_name(opts.alg), opts.n_sas, opts.n_workers,
		opts.udp ? "true" : "false", opts.esn ? "true" : "false", opts.burst,
		opts.duration, gw_sa_size(GW_DIR_OUT, 0), gw_sa_size(GW_DIR_IN, GW_REPLAY_DEFAULT),
		memprobe.chase_cycles, memprobe.line_cycles);
	for (unsigned i = 0; i < n_results; i++) {
		const struct bench_result *r = &results[i];

		fprintf(j, "%s{\"size\":\"%s\",\"dir\":\"%s\",\"mpps_per_core\":%.3f,"
			"\"gbps\":%.3f,\"cycles_per_packet\":%.1f,\"source_mpps\":%.3f,"
			"\"source_cycles_per_packet\":%.1f,\"pipeline_mpps\":%.3f,"
			"\"pipeline_timed_mpps\":%.3f,"
			"\"limit_mpps\":%.3f,\"packets_in\":%lu,\"packets_out\":%lu,"
			"\"stage_cycles\":{\"classify\":%.1f,\"lookup\":%.1f,\"esp\":%.1f,"
			"\"forward\":%.1f,\"tx\":%.1f},\"workers_mpps\":[", i ? "," : "",
			r->size, dir_name[r->dir], r->mpps, r->gbps, r->cycles_per_pkt,
			r->src_mpps, r->src_cpp, r->pipe_mpps, r->timed_mpps, r->limit_mpps,
			(unsigned long)r->packets_in, (unsigned long)r->packets_out,
			r->stage_cpp[GW_PROF_CLASSIFY], r->stage_cpp[GW_PROF_LOOKUP],
			r->stage_cpp[GW_PROF_ESP], r->stage_cpp[GW_PROF_FORWARD],
			r->stage_cpp[GW_PROF_TX]);
		for (unsigned w = 0; w < opts.n_workers; w++)
			fprintf(j, "%s%.3f", w ? "," : "", r->worker_mpps[w]);
		fprintf(j, "],\"drops\":{");
		for (int d = 0, first = 1; d < GW_DROP_MAX; d++)
			if (r->drops[d]) {
				fprintf(j, "%s\"%s\":%lu", first ? "" : ",", gw_drop_name(d),
					(unsigned long)r->drops[d]);
				first = 0;
			}
		fprintf(j, "}}");
	}
	fprintf(j, "]}\n");
	fclose(j);
}

static size_t
heap_used(void)
{
	struct rte_malloc_socket_stats st;

	rte_malloc_get_socket_stats(0, &st);
	return st.heap_allocsz_bytes;
}

int
main(int argc, char **argv)
{
	struct bench_pcap *pc[2] = { NULL, NULL };
	size_t heap_before;
	uint64_t t0;

	if (parse_args(argc, argv) != 0) {
		usage(argv[0]);
		return 2;
	}
	gw_log_set_level(GW_LOG_WARN);
	if (eal_init(argv[0]) < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if ((opts.capture_dir && make_ring_ports() != 0) || build_config() != 0 ||
	    gw_dp_setup(&cfg) != 0) {
		fprintf(stderr, "data plane setup failed\n");
		return 1;
	}
	/* virtual sinks have no MTU: let IMIX's 1518-byte frames grow with ESP */
	for (unsigned p = 0; p < gw_dp.n_ports; p++)
		gw_dp.port[gw_dp.port_ids[p]].mtu = 9000;
	gw_dp.tunnel_mtu = 9000;
	for (unsigned i = 0; i < opts.n_workers; i++) {
		runs[i].w = gw_dp.workers[i];
		rte_eal_remote_launch(bench_worker_main, &runs[i], gw_dp.workers[i]->lcore);
	}
	memcpy(&gw_control.cfg, &cfg, sizeof(cfg));
	heap_before = heap_used();
	t0 = rte_rdtsc();
	if (gw_control_install_config() != 0) {
		fprintf(stderr, "SA installation failed\n");
		return 1;
	}
	while (!gw_ctrl_all_applied(&gw_dp.ctrl))
		rte_delay_us_sleep(1000);
	in_sas = calloc(opts.n_sas, sizeof(*in_sas));
	for (unsigned i = 0; i < gw_control.n_sas; i++) {
		struct gw_sa *sa = gw_control.sas[i].sa;
		uint32_t idx = sa->spi & 0x0fffffff;

		/* flows of SA i are fed by worker i % workers: make it the owner */
		sa->owner = (uint16_t)(idx % opts.n_workers);
		if (sa->dir == GW_DIR_IN)
			in_sas[idx] = sa;
	}
	printf("ipsecgw-bench: %s, %u SA(s) per direction, %u worker(s), burst %u, %s%s\n",
	       gw_esp_alg_name(opts.alg), opts.n_sas, opts.n_workers, opts.burst,
	       opts.udp ? "ESP in UDP" : "raw ESP", opts.esn ? ", ESN" : "");
	printf("SAs installed in %.2f s; %zu bytes per SA in DPDK memory, SPI hash and SPD "
	       "entries included (SA: outbound %zu bytes, inbound %zu with a %u-packet window; "
	       "expanded key %zu)\n",
	       (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz(),
	       (heap_used() - heap_before) / gw_control.n_sas, gw_sa_size(GW_DIR_OUT, 0),
	       gw_sa_size(GW_DIR_IN, GW_REPLAY_DEFAULT), GW_REPLAY_DEFAULT,
	       sizeof(struct gw_aead_key));
	if (opts.n_sas >= MEMPROBE_MIN_SAS && opts.capture_dir == NULL) {
		size_t bytes = RTE_MIN((size_t)opts.n_sas * 2048, (size_t)512 << 20);

		if (bench_memprobe(bytes, MEMPROBE_LINES, &memprobe) == 0)
			printf("memory floor (%zu MB probed): a dependent miss %.0f cycles; %u lines "
			       "per SA for 32 SAs in flight %.1f cycles per line, so a packet whose "
			       "SA and key (%u lines) miss costs at least %.0f cycles more than "
			       "with one SA\n", memprobe.bytes >> 20, memprobe.chase_cycles,
			       memprobe.lines, memprobe.line_cycles, memprobe.lines,
			       memprobe.lines * memprobe.line_cycles);
		else
			printf("memory floor: not measured (no %zu MB of DPDK memory left)\n",
			       bytes >> 20);
	}
	printf("sizes are frames without FCS on the protected side; Gbps counts inner IP bytes; "
	       "source = alloc+copy+TX only; limit = raw intel-ipsec-mb %s on the same payloads\n\n",
	       gw_esp_alg_name(opts.alg));
	if (opts.capture_dir) {
		char path[512];

		snprintf(path, sizeof(path), "%s/lan-tx.pcap", opts.capture_dir);
		pc[0] = bench_pcap_open(path);
		snprintf(path, sizeof(path), "%s/wan-tx.pcap", opts.capture_dir);
		pc[1] = bench_pcap_open(path);
		if (pc[0] == NULL || pc[1] == NULL) {
			fprintf(stderr, "cannot write captures in %s\n", opts.capture_dir);
			return 1;
		}
	}
	for (unsigned s = 0; s < opts.n_sizes; s++)
		for (int d = 0; d < 2; d++)
			if (opts.dir[d]) {
				/* a capture run writes its sources before the outputs */
				struct bench_pcap *none[2] = { NULL, NULL };

				measure(&opts.sizes[s], (enum bench_dir)d, opts.capture_dir ? pc : none);
			}
	report();
	for (unsigned i = 0; i < opts.n_workers; i++) {
		runs[i].cmd = CMD_EXIT;
		__atomic_add_fetch(&runs[i].gen, 1, __ATOMIC_RELEASE);
	}
	rte_eal_mp_wait_lcore();
	bench_pcap_close(pc[0]);
	bench_pcap_close(pc[1]);
	return 0;
}
