/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interactive console: DPDK's cmdline gives line editing and history; its
 * only instruction takes the whole line, which our own grammar (cli.c)
 * parses, so the console and the control socket accept the same commands.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <cmdline_socket.h>

#include "gw_cli.h"

struct gw_console {
	struct cmdline *cl;
	bool closed;
};

struct console_line {
	cmdline_multi_string_t line;
};

static void
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static void
console_line_cb(void *parsed, struct cmdline *cl, void *data)
{
	struct console_line *res = parsed;
	struct gw_out *o;
	const char *text;
	size_t len;

	(void)cl;
	(void)data;
	o = gw_out_new(GW_OUT_TEXT);
	if (o == NULL) {
		write_all(STDOUT_FILENO, "error: out of memory\n", 21);
		return;
	}
	gw_cli_exec(res->line, o);
	text = gw_out_render(o, &len);
	/* cmdline_printf() formats into a bounded buffer; tables can be long. */
	write_all(STDOUT_FILENO, text, len);
	gw_out_free(o);
}

static cmdline_parse_token_string_t console_tok_line =
	TOKEN_STRING_INITIALIZER(struct console_line, line, TOKEN_STRING_MULTI);

static cmdline_parse_inst_t console_inst = {
	.f = console_line_cb,
	.data = NULL,
	.help_str = "an ipsecgw command; 'help' lists them",
	.tokens = {
		(void *)&console_tok_line,
		NULL,
	},
};

static cmdline_parse_ctx_t console_ctx[] = {
	&console_inst,
	NULL,
};

struct gw_console *
gw_console_open(const char *prompt)
{
	struct gw_console *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->cl = cmdline_stdin_new(console_ctx, prompt != NULL ? prompt : "> ");
	if (c->cl == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

/*
 * cmdline_poll() reads one byte per call and mistakes end of file for a
 * 0xff byte, spinning forever on a closed stdin; so read what is pending
 * here and feed it with cmdline_in(), which reports ctrl-d and quit.
 */
int
gw_console_poll(struct gw_console *c)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char buf[256];
	ssize_t n;

	if (c == NULL || c->closed)
		return -1;
	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if (pfd.revents & POLLNVAL) {
		c->closed = true;
		return -1;
	}
	n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0 || cmdline_in(c->cl, buf, (int)n) < 0) {
		c->closed = true;
		write_all(STDOUT_FILENO, "\n", 1);
		return -1;
	}
	return 0;
}

void
gw_console_close(struct gw_console *c)
{
	if (c == NULL)
		return;
	/* Restores the terminal settings and frees the cmdline. */
	cmdline_stdin_exit(c->cl);
	free(c);
}
