/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipsecgw-bench: drives the gateway's own worker pipeline (gw_worker_process)
 * with an in-process traffic source, as testpmd drives a forwarding engine.
 */
#ifndef IPSECGW_BENCH_H
#define IPSECGW_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "gw_cfg.h"
#include "gw_crypto.h"

#define BENCH_MAX_SIZES 16
#define BENCH_MAX_FRAMES 16     /* frame sizes in one size mix (imix: 3) */

enum bench_dir { BENCH_ENCRYPT, BENCH_DECRYPT };

/** A packet size mix: "64" is one size; "imix" is 7:4:1 of 64/570/1518. */
struct bench_size {
	char name[16];
	uint16_t frame[BENCH_MAX_FRAMES]; /**< frame bytes without FCS */
	uint8_t weight[BENCH_MAX_FRAMES];
	unsigned n_frames;
};

struct bench_opts {
	struct bench_size sizes[BENCH_MAX_SIZES];
	unsigned n_sizes;
	bool dir[2];               /**< which directions to run */
	enum gw_esp_alg alg;
	uint32_t n_sas;
	unsigned n_workers;
	double duration;           /**< seconds per (size, direction) */
	bool udp;
	bool esn;
	uint16_t burst;
	const char *json_path;
	const char *capture_dir;   /**< write source and output pcaps here */
	uint32_t max_packets;      /**< stop after this many (0 = duration only) */
	bool profile;              /**< per-stage cycles (a second, profiled pass) */
	bool skip_limit;           /**< skip the raw crypto limit */
	uint32_t mem_mb;
	bool huge;                 /**< DPDK memory from hugepages (else --no-huge) */
	bool spread;               /**< every worker feeds every SA (handoff path) */
	unsigned rounds;           /**< interleaved measurement rounds, best kept */
	const char *lcores;        /**< EAL --lcores map (oversubscribed tests) */
};

/** One flow template: a whole frame as the worker will receive it. */
struct bench_template {
	uint8_t *data;
	uint16_t len;
	uint32_t sa;               /**< SA index, for the replay rewind */
};

/** The frames a worker cycles through for one (size, direction). */
struct bench_traffic {
	struct bench_template *t;
	uint32_t n;
	uint64_t inner_bytes;      /**< sum of inner IP lengths of all templates */
	uint32_t max_seq;          /**< highest ESP sequence number (decrypt) */
};

/** Keys of SA i: deterministic so a verifier can decrypt the output. */
void bench_sa_key(uint32_t i, enum gw_sa_dir dir, uint8_t *key, unsigned key_len,
		  uint8_t salt[4]);
/** HMAC key length of an AES-CBC algorithm (RFC 4868: the hash size), else 0. */
unsigned bench_integ_key_len(enum gw_esp_alg alg);
/** All keys of SA i for s->alg (cipher key, salt, HMAC key) into s. */
void bench_sa_keys(uint32_t i, enum gw_sa_dir dir, struct gw_cfg_sa *s);

/** Inner addresses of flow/SA i (host order). */
static inline uint32_t bench_local_host(uint32_t i) { return 0x10000000u + i; }  /* 16.0.0.0/8 */
static inline uint32_t bench_remote_host(uint32_t i) { return 0x30000000u + i; } /* 48.0.0.0/8 */

/** Builds the templates for one size mix and direction. 0 or -1. */
int bench_traffic_build(struct bench_traffic *tr, const struct bench_opts *o,
			const struct bench_size *sz, enum bench_dir dir,
			uint16_t in_port);
void bench_traffic_free(struct bench_traffic *tr);

/** What bench_memprobe measured. */
struct bench_memprobe {
	double chase_cycles;       /**< TSC cycles of one dependent miss */
	double line_cycles;        /**< TSC cycles per line, 32 objects in flight */
	unsigned lines;            /**< lines per object (in one 4 KB page) */
	size_t bytes;              /**< buffer probed */
};

/**
 * The memory floor under many SAs: a dependent miss, and cycles per line
 * when 32 objects of @p lines lines (one 4 KB page each) are prefetched
 * together, over @p bytes of DPDK memory. 0, or -1 without memory.
 */
int bench_memprobe(size_t bytes, unsigned lines, struct bench_memprobe *out);

/**
 * Raw intel-ipsec-mb rate (Mpps) for the ESP payloads of a size mix: the
 * direct API for AES-GCM, for ChaCha20-Poly1305 and AES-CBC + HMAC the job
 * API with a whole burst of jobs in flight (its multi-buffer lanes).
 */
double bench_crypto_limit(struct gw_crypto_lcore *c, const struct bench_opts *o,
			  const struct bench_size *sz, enum bench_dir dir, double seconds);

/** Minimal pcap writer (Ethernet link type), for the functional check. */
struct bench_pcap;
struct bench_pcap *bench_pcap_open(const char *path);
void bench_pcap_write(struct bench_pcap *p, const void *data, uint32_t len);
void bench_pcap_close(struct bench_pcap *p);

/** Inner IP packet length for a frame of `frame` bytes in a direction. */
uint16_t bench_inner_len(uint16_t frame, enum bench_dir dir, bool udp);

#endif /* IPSECGW_BENCH_H */
