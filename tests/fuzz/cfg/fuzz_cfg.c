/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzzing gw_cfg_load_string + gw_cfg_review + gw_diag_print.
 *
 * Built two ways:
 *  - plain (default): a small mutation fuzzer over the configs in
 *    tests/configs and config/, run by meson test for FUZZ_SECONDS
 *    (default 5) from seed FUZZ_SEED (default: time). On a crash the input
 *    is written to fuzz-cfg-crash.conf in the working directory.
 *  - libFuzzer (-DGW_LIBFUZZER, clang -fsanitize=fuzzer): only
 *    LLVMFuzzerTestOneInput below.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gw_cfg.h"

enum { INPUT_MAX = 64 * 1024 };

static FILE *devnull;

/* @include could name any file (a FIFO, /dev/zero): keep it a comment. */
static void
defuse_include(char *text)
{
	char *p = text;

	while ((p = strstr(p, "@include")) != NULL)
		*p = '#';
}

static void
run_one(char *text)
{
	struct gw_cfg cfg;
	struct gw_diag diag;

	defuse_include(text);
	if (gw_cfg_load_string(text, "fuzz.conf", &cfg, &diag) == 0) {
		gw_cfg_review(&cfg, &diag);
		gw_cfg_free(&cfg);
	}
	gw_diag_print(&diag, devnull);
}

#ifdef GW_LIBFUZZER

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size > INPUT_MAX)
		return 0;
	if (devnull == NULL)
		devnull = fopen("/dev/null", "w");
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	run_one(text);
	free(text);
	return 0;
}

#else /* !GW_LIBFUZZER */

#ifndef CFG_TEST_DIR
#define CFG_TEST_DIR "tests/configs"
#endif
#ifndef CFG_SAMPLE_DIR
#define CFG_SAMPLE_DIR "config"
#endif

enum { SEEDS_MAX = 512 };

static char *seeds[SEEDS_MAX];
static size_t seed_len[SEEDS_MAX];
static unsigned n_seeds;
static char current[INPUT_MAX + 1];
static size_t current_len;
static uint64_t rng;

/* Tokens that reach parser corners random bytes rarely build. */
static const char *const dict[] = {
	"{", "}", "(", ")", "[", "]", ";", ",", "=", ":", "\"", "\n", "#",
	"/*", "*/", "//", "0x", "0xffffffff", "4294967295", "4294967552",
	"99999999999999999999", "-1", "0", "255", "256", "1.5", "L", "true",
	"/0", "/33", "::", "::/0", "2001:db8::1", "0.0.0.0/0", "10.1.0.1/24",
	"\"\"", "aes128gcm16", "aes256gcm16", "3des", "in", "out", "udp",
	"protect", "bypass", "discard", "tcp", "1-65535", "65535-1",
	"local_ts", "remote_ts", "spi", "key", "sa", "port", "workers",
	"replay_window", "esn", "encap", "00:11:22:33:44:55", "\\",
};

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static size_t
pick(size_t n)
{
	return n ? next_rand() % n : 0;
}

static void
on_crash(int sig)
{
	int fd = open("fuzz-cfg-crash.conf", O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd >= 0) {
		ssize_t w = write(fd, current, current_len);

		(void)w;
		close(fd);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
add_seeds(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[1024];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL && n_seeds < SEEDS_MAX) {
		size_t len = strlen(e->d_name);
		FILE *f;
		long n;

		if (len < 6 || strcmp(e->d_name + len - 5, ".conf") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%.255s", dir, e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		rewind(f);
		if (n > 0 && n < INPUT_MAX / 2) {
			seeds[n_seeds] = malloc((size_t)n + 1);
			if (seeds[n_seeds] != NULL &&
			    fread(seeds[n_seeds], 1, (size_t)n, f) == (size_t)n) {
				seeds[n_seeds][n] = '\0';
				seed_len[n_seeds++] = (size_t)n;
			}
		}
		fclose(f);
	}
	closedir(d);
}

static void
insert(const char *s, size_t n, size_t at)
{
	if (current_len + n > INPUT_MAX)
		return;
	memmove(current + at + n, current + at, current_len - at);
	memcpy(current + at, s, n);
	current_len += n;
}

static void
mutate(void)
{
	unsigned rounds = 1 + pick(8);

	for (unsigned r = 0; r < rounds; r++) {
		size_t at = pick(current_len + 1), n;
		const char *tok;

		switch (pick(6)) {
		case 0:         /* flip a byte */
			if (current_len > 0)
				current[pick(current_len)] ^= (char)(1u << pick(8));
			break;
		case 1:         /* random byte, NUL excluded: the text is a C string */
			current[at < current_len ? at : 0] = (char)(1 + pick(255));
			break;
		case 2:         /* delete a span */
			n = pick(32);
			if (at + n > current_len)
				n = current_len - at;
			memmove(current + at, current + at + n, current_len - at - n);
			current_len -= n;
			break;
		case 3:         /* dictionary token */
			tok = dict[pick(GW_ARRAY_SIZE(dict))];
			insert(tok, strlen(tok), at);
			break;
		case 4:         /* duplicate a span */
			if (current_len > 0) {
				size_t from = pick(current_len);
				char buf[64];

				n = pick(sizeof(buf));
				if (from + n > current_len)
					n = current_len - from;
				memcpy(buf, current + from, n);
				insert(buf, n, at);
			}
			break;
		default:        /* splice a line of another seed */
			if (n_seeds > 0) {
				unsigned s = (unsigned)pick(n_seeds);
				size_t from = pick(seed_len[s]);
				const char *nl = strchr(seeds[s] + from, '\n');

				n = nl ? (size_t)(nl - (seeds[s] + from)) + 1 :
					seed_len[s] - from;
				insert(seeds[s] + from, n, at);
			}
			break;
		}
	}
	current[current_len] = '\0';
}

int
main(void)
{
	const char *env = getenv("FUZZ_SECONDS");
	double seconds = env ? atof(env) : 5.0;
	struct timespec start, now;
	unsigned long runs = 0;

	env = getenv("FUZZ_SEED");
	rng = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	if (rng == 0)
		rng = 1;
	printf("fuzz_cfg: seed %llu, %.1f s\n", (unsigned long long)rng, seconds);
	fflush(stdout);
	devnull = fopen("/dev/null", "w");
	add_seeds(CFG_TEST_DIR "/good");
	add_seeds(CFG_TEST_DIR "/bad");
	add_seeds(CFG_SAMPLE_DIR);
	if (n_seeds == 0 || devnull == NULL) {
		fprintf(stderr, "fuzz_cfg: no seeds under %s\n", CFG_TEST_DIR);
		return 1;
	}
	signal(SIGSEGV, on_crash);
	signal(SIGABRT, on_crash);
	signal(SIGBUS, on_crash);
	signal(SIGFPE, on_crash);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		unsigned s = (unsigned)pick(n_seeds);

		memcpy(current, seeds[s], seed_len[s] + 1);
		current_len = seed_len[s];
		mutate();
		run_one(current);
		current_len = strlen(current);
		runs++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((double)(now.tv_sec - start.tv_sec) +
		 (double)(now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
	printf("fuzz_cfg: %lu inputs from %u seeds, no crash\n", runs, n_seeds);
	for (unsigned i = 0; i < n_seeds; i++)
		free(seeds[i]);
	fclose(devnull);
	return 0;
}

#endif /* GW_LIBFUZZER */
