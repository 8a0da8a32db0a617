/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * One command grammar for the interactive console and the control socket,
 * and one output builder that renders the same calls as text for people or
 * JSON for scripts (like VPP's shared formatters).
 *
 * Handlers describe objects, never print: gw_out_* calls build a tree that
 * is rendered at the end as text (lists of flat items as aligned tables,
 * objects as indented "key: value" lines) or as JSON.
 */
#ifndef GW_CLI_H
#define GW_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gw_out_fmt { GW_OUT_TEXT, GW_OUT_JSON };

enum {
	GW_CLI_MAX_WORDS = 32,     /**< words in one command line */
	GW_CTL_LINE_MAX = 4096,    /**< control socket request line, with '\n' */
};

/** Default control socket path; ipsecgw-ctl also honours $IPSECGW_SOCKET. */
#define GW_CTL_SOCKET_DEFAULT "/run/ipsecgw/ipsecgw.sock"

struct gw_out;

struct gw_out *gw_out_new(enum gw_out_fmt fmt);
void gw_out_free(struct gw_out *o);
/** Renders everything added so far; valid until the next call or free. */
const char *gw_out_render(struct gw_out *o, size_t *len);

/** Begins a nested object under key (key NULL inside a list). */
void gw_out_obj(struct gw_out *o, const char *key);
/** Begins a list under key; its elements are objects begun with key NULL. */
void gw_out_list(struct gw_out *o, const char *key);
/** Ends the innermost object or list. */
void gw_out_end(struct gw_out *o);
void gw_out_str(struct gw_out *o, const char *key, const char *val);
void gw_out_u64(struct gw_out *o, const char *key, uint64_t val);
void gw_out_bool(struct gw_out *o, const char *key, bool val);
void gw_out_i64(struct gw_out *o, const char *key, int64_t val);
/** Adds a string value made by printf. */
void gw_out_fmt(struct gw_out *o, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/** Records an error: JSON {"error": msg}, text "error: msg"; status fails. */
void gw_out_error(struct gw_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool gw_out_failed(const struct gw_out *o);

/**
 * A handler gets the words after its command words. Returns 0, or -1 after
 * gw_out_error for a bad argument.
 */
typedef int (*gw_cli_handler)(struct gw_out *o, int argc, char **argv, void *ctx);

struct gw_cli_cmd {
	const char *words;         /**< "show sa" */
	const char *args;          /**< argument synopsis for help, e.g. "[NAME]" */
	const char *help;
	gw_cli_handler fn;
};

/**
 * Splits line in place into words separated by blanks. Double quotes group
 * words ("a b" is one word) and may hold \" and \\; elsewhere a backslash
 * is literal. Returns the number of words, -1 on an unterminated quote,
 * -2 when there are more than max words.
 */
int gw_cli_split(char *line, char **argv, int max);

/** Installs the command table (static storage) and the handlers' context. */
void gw_cli_set_commands(const struct gw_cli_cmd *cmds, unsigned n, void *ctx);

/**
 * Runs one command line into o. Matches the longest command whose words
 * prefix the line; "help" lists commands; an unknown or incomplete command
 * is an error naming the candidates. Returns 0 or -1.
 */
int gw_cli_exec(const char *line, struct gw_out *o);

/* --- control socket (server side, polled by the control loop) --- */

/*
 * Protocol: the client connects and sends one request line,
 * "json WORDS...\n" or "text WORDS...\n" (at most GW_CTL_LINE_MAX bytes;
 * end of stream also ends the line). The server answers "ok\n" or
 * "error\n" followed by the rendered output, then closes the connection.
 */

struct gw_ctl_server;

/**
 * Listens on a unix stream socket at path (created with its directory,
 * mode 0600 socket). Returns NULL with a logged reason on failure.
 */
struct gw_ctl_server *gw_ctl_server_open(const char *path);
/**
 * File descriptor to poll() for readability: an epoll set holding the
 * listening socket and every client, so one fd wakes the control loop.
 * Idle clients are dropped after a deadline, checked on each poll call.
 */
int gw_ctl_server_fd(const struct gw_ctl_server *s);
/** Serves pending clients without blocking; call when readable or periodically. */
void gw_ctl_server_poll(struct gw_ctl_server *s);
void gw_ctl_server_close(struct gw_ctl_server *s);

/* --- interactive console (DPDK cmdline on a terminal) --- */

struct gw_console;

/** Starts a console on stdin/stdout with the given prompt; NULL on failure. */
struct gw_console *gw_console_open(const char *prompt);
/** Handles pending input without blocking; returns -1 once stdin is closed. */
int gw_console_poll(struct gw_console *c);
void gw_console_close(struct gw_console *c);

#endif /* GW_CLI_H */
