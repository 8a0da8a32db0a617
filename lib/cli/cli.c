/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command grammar: a line is split into words and matched word by word
 * against the command table, each word exact or a unique prefix; the
 * longest complete command wins and gets the remaining words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_cli.h"

static const struct gw_cli_cmd *cli_cmds;
static unsigned int cli_ncmds;
static void *cli_ctx;

/* Built in, listed after the table's commands; "?" is an alias. */
static const struct gw_cli_cmd help_cmd = {
	.words = "help",
	.args = "[WORDS...]",
	.help = "list commands, or those starting with WORDS",
};

enum { MSG_MAX = 1024 };

void
gw_cli_set_commands(const struct gw_cli_cmd *cmds, unsigned int n, void *ctx)
{
	cli_cmds = cmds;
	cli_ncmds = cmds != NULL ? n : 0;
	cli_ctx = ctx;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

int
gw_cli_split(char *line, char **argv, int max)
{
	char *r = line, *w = line;
	int argc = 0;

	for (;;) {
		while (is_blank(*r))
			r++;
		if (*r == '\0')
			return argc;
		if (argc == max)
			return -2;
		argv[argc++] = w;
		/* w never passes r, so the word is rebuilt in place. */
		while (*r != '\0' && !is_blank(*r)) {
			if (*r != '"') {
				*w++ = *r++;
				continue;
			}
			for (r++; *r != '"'; ) {
				if (*r == '\0')
					return -1;
				if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
					r++;
				*w++ = *r++;
			}
			r++;
		}
		if (*r != '\0')
			r++;
		*w++ = '\0';
	}
}

static const struct gw_cli_cmd *
entry(unsigned int i)
{
	return i < cli_ncmds ? &cli_cmds[i] : &help_cmd;
}

/* The k-th word of a command, with its length; NULL past the last one. */
static const char *
cmd_word(const struct gw_cli_cmd *c, int k, size_t *len)
{
	const char *s = c->words;

	for (;;) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			return NULL;
		*len = strcspn(s, " ");
		if (k-- == 0)
			return s;
		s += *len;
	}
}

static int
cmd_nwords(const struct gw_cli_cmd *c)
{
	size_t len;
	int k = 0;

	while (cmd_word(c, k, &len) != NULL)
		k++;
	return k;
}

struct word {
	const char *s;
	size_t len;
};

static bool
word_eq(struct word a, struct word b)
{
	return a.len == b.len && memcmp(a.s, b.s, a.len) == 0;
}

/* Abbreviation: a non-empty prefix of the command word. */
static bool
word_abbrev(const char *typed, struct word w)
{
	size_t n = strlen(typed);

	return n > 0 && n <= w.len && memcmp(typed, w.s, n) == 0;
}

/* Whether command c's first depth words are the chosen ones. */
static bool
cmd_alive(const struct gw_cli_cmd *c, const struct word *chosen, int depth)
{
	struct word w;

	for (int k = 0; k < depth; k++) {
		w.s = cmd_word(c, k, &w.len);
		if (w.s == NULL || !word_eq(w, chosen[k]))
			return false;
	}
	return true;
}

struct msg {
	char s[MSG_MAX];
	size_t len;
};

static void
msg_add(struct msg *m, const char *s, size_t n)
{
	static const char more[] = "...";

	if (m->len + n >= sizeof(m->s) - sizeof(more)) {
		if (m->len + sizeof(more) < sizeof(m->s)) {
			memcpy(m->s + m->len, more, sizeof(more));
			m->len = sizeof(m->s);
		}
		return;
	}
	memcpy(m->s + m->len, s, n);
	m->len += n;
	m->s[m->len] = '\0';
}

static void
msg_puts(struct msg *m, const char *s)
{
	msg_add(m, s, strlen(s));
}

static void
msg_words(struct msg *m, char **argv, int n)
{
	for (int k = 0; k < n; k++) {
		if (k > 0)
			msg_puts(m, " ");
		msg_puts(m, argv[k]);
	}
}

/*
 * Lists the commands alive at depth; with typed set, only those whose next
 * word it abbreviates, each distinct next word once.
 */
static void
msg_candidates(struct msg *m, const struct word *chosen, int depth,
	       const char *typed)
{
	unsigned int total = cli_ncmds + 1;
	bool first = true;

	for (unsigned int i = 0; i < total; i++) {
		const struct gw_cli_cmd *c = entry(i);
		struct word w;
		bool seen = false;

		if (!cmd_alive(c, chosen, depth))
			continue;
		w.s = cmd_word(c, depth, &w.len);
		if (typed != NULL) {
			if (w.s == NULL || !word_abbrev(typed, w))
				continue;
			for (unsigned int j = 0; j < i && !seen; j++) {
				struct word v;

				if (!cmd_alive(entry(j), chosen, depth))
					continue;
				v.s = cmd_word(entry(j), depth, &v.len);
				seen = v.s != NULL && word_eq(v, w);
			}
			if (seen)
				continue;
		}
		msg_puts(m, first ? "" : ", ");
		first = false;
		if (typed != NULL) {
			for (int k = 0; k < depth; k++) {
				msg_add(m, chosen[k].s, chosen[k].len);
				msg_puts(m, " ");
			}
			msg_add(m, w.s, w.len);
		} else {
			msg_puts(m, c->words);
		}
	}
}

static int
cli_help(struct gw_out *o, int argc, char **argv)
{
	unsigned int total = cli_ncmds + 1, shown = 0;

	for (unsigned int i = 0; i < total; i++) {
		const struct gw_cli_cmd *c = entry(i);
		bool match = true;

		for (int k = 0; k < argc && match; k++) {
			struct word w;

			w.s = cmd_word(c, k, &w.len);
			match = w.s != NULL && word_abbrev(argv[k], w);
		}
		if (!match)
			continue;
		if (shown++ == 0)
			gw_out_list(o, "commands");
		gw_out_obj(o, NULL);
		gw_out_str(o, "command", c->words);
		gw_out_str(o, "args", c->args != NULL ? c->args : "");
		gw_out_str(o, "help", c->help != NULL ? c->help : "");
		gw_out_end(o);
	}
	if (shown == 0) {
		struct msg m = { .len = 0 };

		msg_words(&m, argv, argc);
		gw_out_error(o, "no command matches '%s'; try 'help'", m.s);
		return -1;
	}
	gw_out_end(o);
	return 0;
}

/* Matches argv against the table; returns the command and its word count. */
static const struct gw_cli_cmd *
cli_match(struct gw_out *o, int argc, char **argv, int *ncmdwords)
{
	struct word chosen[GW_CLI_MAX_WORDS];
	const struct gw_cli_cmd *best = NULL;
	unsigned int total = cli_ncmds + 1;
	int depth = 0;
	struct msg m = { .len = 0 };

	for (;;) {
		const char *typed;
		struct word found = { NULL, 0 };
		bool exact = false, ambiguous = false;

		for (unsigned int i = 0; i < total && depth > 0; i++) {
			const struct gw_cli_cmd *c = entry(i);

			if (best == NULL || *ncmdwords < depth) {
				if (cmd_nwords(c) == depth &&
				    cmd_alive(c, chosen, depth)) {
					best = c;
					*ncmdwords = depth;
				}
			}
		}
		if (depth == argc || depth == GW_CLI_MAX_WORDS)
			break;
		typed = argv[depth];
		for (unsigned int i = 0; i < total && !exact; i++) {
			const struct gw_cli_cmd *c = entry(i);
			struct word w;

			if (!cmd_alive(c, chosen, depth))
				continue;
			w.s = cmd_word(c, depth, &w.len);
			if (w.s == NULL || !word_abbrev(typed, w))
				continue;
			if (w.len == strlen(typed)) {
				exact = true;
				found = w;
			} else if (found.s == NULL) {
				found = w;
			} else if (!word_eq(found, w)) {
				ambiguous = true;
			}
		}
		if (!exact && ambiguous) {
			msg_words(&m, argv, depth + 1);
			msg_puts(&m, "'; candidates: ");
			msg_candidates(&m, chosen, depth, typed);
			gw_out_error(o, "ambiguous command '%s", m.s);
			return NULL;
		}
		if (found.s == NULL)
			break;
		chosen[depth++] = found;
	}
	if (best != NULL)
		return best;

	if (depth == 0) {
		gw_out_error(o, "unknown command '%s'; try 'help'", argv[0]);
		return NULL;
	}
	if (depth == argc) {
		msg_words(&m, argv, depth);
		msg_puts(&m, "'; candidates: ");
		msg_candidates(&m, chosen, depth, NULL);
		gw_out_error(o, "incomplete command '%s", m.s);
	} else {
		msg_words(&m, argv, depth + 1);
		msg_puts(&m, "'; candidates: ");
		msg_candidates(&m, chosen, depth, NULL);
		gw_out_error(o, "unknown command '%s", m.s);
	}
	return NULL;
}

int
gw_cli_exec(const char *line, struct gw_out *o)
{
	char *argv[GW_CLI_MAX_WORDS];
	const struct gw_cli_cmd *cmd;
	int argc, nwords = 0, rc;
	char *copy;

	if (o == NULL)
		return -1;
	if (line == NULL)
		line = "";
	copy = strdup(line);
	if (copy == NULL) {
		gw_out_error(o, "out of memory");
		return -1;
	}
	argc = gw_cli_split(copy, argv, GW_CLI_MAX_WORDS);
	if (argc < 0) {
		if (argc == -1)
			gw_out_error(o, "unterminated quote");
		else
			gw_out_error(o, "too many words (at most %d)",
				     GW_CLI_MAX_WORDS);
		goto out;
	}
	if (argc == 0)
		goto out;

	if (strcmp(argv[0], "?") == 0) {
		cli_help(o, argc - 1, argv + 1);
		goto out;
	}
	cmd = cli_match(o, argc, argv, &nwords);
	if (cmd == NULL)
		goto out;
	if (cmd == &help_cmd) {
		cli_help(o, argc - nwords, argv + nwords);
	} else if (cmd->fn == NULL) {
		gw_out_error(o, "command '%s' is not implemented", cmd->words);
	} else {
		rc = cmd->fn(o, argc - nwords, argv + nwords, cli_ctx);
		if (rc != 0 && !gw_out_failed(o))
			gw_out_error(o, "command '%s' failed", cmd->words);
	}
out:
	free(copy);
	return gw_out_failed(o) ? -1 : 0;
}
