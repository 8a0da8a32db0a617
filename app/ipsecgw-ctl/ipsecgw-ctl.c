/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipsecgw-ctl: sends one command to the gateway's control socket and prints
 * the answer. Exit status: 0 ok, 1 command or usage error, 2 no gateway.
 * Needs no DPDK: only the protocol constants come from gw_cli.h.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "gw_cli.h"

enum {
	EXIT_CMD_ERROR = 1,
	EXIT_CONN_ERROR = 2,
	RESPONSE_TIMEOUT_S = 30,
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: ipsecgw-ctl [-s SOCKET] [--json] COMMAND [WORDS...]\n"
		"  -s, --socket SOCKET  control socket (default $IPSECGW_SOCKET or\n"
		"                       " GW_CTL_SOCKET_DEFAULT ")\n"
		"  -j, --json           JSON output\n"
		"  -h, --help           this text; 'ipsecgw-ctl help' lists commands\n");
}

struct strbuf {
	char *p;
	size_t len, cap;
};

static int
sb_add(struct strbuf *b, const char *s, size_t n)
{
	if (b->cap - b->len < n + 1) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap - b->len < n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* Quotes a word the server's tokenizer would otherwise split or strip. */
static int
add_word(struct strbuf *b, const char *w)
{
	bool quote = w[0] == '\0' || strpbrk(w, " \t\r\v\f\"") != NULL;

	if (!quote)
		return sb_add(b, w, strlen(w));
	if (sb_add(b, "\"", 1) != 0)
		return -1;
	for (; *w != '\0'; w++) {
		if ((*w == '"' || *w == '\\') && sb_add(b, "\\", 1) != 0)
			return -1;
		if (sb_add(b, w, 1) != 0)
			return -1;
	}
	return sb_add(b, "\"", 1);
}

static int
conn_error(const char *path, const char *what)
{
	fprintf(stderr, "ipsecgw-ctl: cannot connect to %s: %s (is ipsecgw running?)\n",
		path, what);
	return EXIT_CONN_ERROR;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = RESPONSE_TIMEOUT_S };
	struct strbuf req = { NULL, 0, 0 }, resp = { NULL, 0, 0 };
	const char *path = getenv("IPSECGW_SOCKET");
	const char *body;
	bool json = false;
	size_t off;
	char *nl;
	int opt, fd, rc;

	if (path == NULL || path[0] == '\0')
		path = GW_CTL_SOCKET_DEFAULT;
	while ((opt = getopt_long(argc, argv, "+s:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_CMD_ERROR;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_CMD_ERROR;
	}

	if (sb_add(&req, json ? "json" : "text", 4) != 0)
		goto oom;
	for (int i = optind; i < argc; i++) {
		if (strchr(argv[i], '\n') != NULL) {
			fprintf(stderr, "ipsecgw-ctl: newline in argument %d\n",
				i - optind + 1);
			return EXIT_CMD_ERROR;
		}
		if (sb_add(&req, " ", 1) != 0 || add_word(&req, argv[i]) != 0)
			goto oom;
	}
	if (sb_add(&req, "\n", 1) != 0)
		goto oom;
	if (req.len > GW_CTL_LINE_MAX) {
		fprintf(stderr, "ipsecgw-ctl: command too long (max %d bytes)\n",
			GW_CTL_LINE_MAX);
		return EXIT_CMD_ERROR;
	}

	if (strlen(path) >= sizeof(sa.sun_path))
		return conn_error(path, "path too long");
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return conn_error(path, strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return conn_error(path, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

	for (off = 0; off < req.len; ) {
		ssize_t n = send(fd, req.p + off, req.len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "ipsecgw-ctl: cannot send to %s: %s\n",
				path, n < 0 ? strerror(errno) : "closed");
			return EXIT_CONN_ERROR;
		}
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);

	for (;;) {
		char chunk[16384];
		ssize_t n = recv(fd, chunk, sizeof(chunk), 0);

		if (n < 0 && errno == EINTR)
			continue;
		/* A reset after the answer (server closed early) ends it too. */
		if (n < 0 && errno == ECONNRESET && resp.len > 0)
			break;
		if (n < 0) {
			fprintf(stderr, "ipsecgw-ctl: no response from %s: %s\n",
				path, errno == EAGAIN || errno == EWOULDBLOCK ?
				"timed out" : strerror(errno));
			return EXIT_CONN_ERROR;
		}
		if (n == 0)
			break;
		if (sb_add(&resp, chunk, (size_t)n) != 0)
			goto oom;
	}
	close(fd);

	nl = resp.len > 0 ? memchr(resp.p, '\n', resp.len) : NULL;
	if (nl == NULL) {
		fprintf(stderr, "ipsecgw-ctl: %s from %s\n",
			resp.len == 0 ? "no response" : "malformed response", path);
		return EXIT_CONN_ERROR;
	}
	*nl = '\0';
	body = nl + 1;
	if (strcmp(resp.p, "ok") == 0) {
		rc = 0;
	} else if (strcmp(resp.p, "error") == 0) {
		rc = EXIT_CMD_ERROR;
	} else {
		fprintf(stderr, "ipsecgw-ctl: malformed response from %s\n", path);
		return EXIT_CONN_ERROR;
	}
	/* Scripts read JSON from stdout whatever the status; people see errors on stderr. */
	fwrite(body, 1, resp.len - (size_t)(body - resp.p),
	       rc == 0 || json ? stdout : stderr);
	free(req.p);
	free(resp.p);
	return rc;

oom:
	fprintf(stderr, "ipsecgw-ctl: out of memory\n");
	return EXIT_CMD_ERROR;
}
