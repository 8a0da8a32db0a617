/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CLI tests: tokenizer and matcher tables, exact JSON and text renderings,
 * the control socket against well- and ill-behaved clients, ipsecgw-ctl
 * against a live server (when $IPSECGW_CTL names it), and random lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gw_cli.h"
#include "gw_common.h"
#include "gw_test.h"

/* --- a small JSON validator, to check every JSON rendering --- */

struct jp {
	const char *s;
	int depth;
};

static void
jp_ws(struct jp *p)
{
	while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')
		p->s++;
}

static int jp_value(struct jp *p);

static int
jp_string(struct jp *p)
{
	if (*p->s++ != '"')
		return -1;
	for (;;) {
		unsigned char c = (unsigned char)*p->s++;

		if (c == '"')
			return 0;
		if (c < 0x20)
			return -1;     /* includes the terminating NUL */
		if (c == '\\') {
			c = (unsigned char)*p->s++;
			if (c == 'u') {
				for (int i = 0; i < 4; i++, p->s++)
					if (!strchr("0123456789abcdefABCDEF", *p->s) ||
					    *p->s == '\0')
						return -1;
			} else if (!strchr("\"\\/bfnrt", c) || c == '\0') {
				return -1;
			}
		} else if (c >= 0x80) {
			/* must be valid UTF-8 */
			int n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 ? 1 : -1;

			if (n < 0 || c > 0xf4)
				return -1;
			for (int i = 0; i < n; i++)
				if (((unsigned char)*p->s++ & 0xc0) != 0x80)
					return -1;
		}
	}
}

static int
jp_value(struct jp *p)
{
	if (++p->depth > 64)
		return -1;
	jp_ws(p);
	switch (*p->s) {
	case '{':
	case '[': {
		char close = *p->s == '{' ? '}' : ']';
		bool obj = close == '}';

		p->s++;
		jp_ws(p);
		if (*p->s == close) {
			p->s++;
			break;
		}
		for (;;) {
			jp_ws(p);
			if (obj) {
				if (jp_string(p) != 0)
					return -1;
				jp_ws(p);
				if (*p->s++ != ':')
					return -1;
			}
			if (jp_value(p) != 0)
				return -1;
			jp_ws(p);
			if (*p->s == ',') {
				p->s++;
				continue;
			}
			if (*p->s++ != close)
				return -1;
			break;
		}
		break;
	}
	case '"':
		if (jp_string(p) != 0)
			return -1;
		break;
	case 't':
	case 'f':
	case 'n':
		if (strncmp(p->s, "true", 4) == 0)
			p->s += 4;
		else if (strncmp(p->s, "false", 5) == 0)
			p->s += 5;
		else if (strncmp(p->s, "null", 4) == 0)
			p->s += 4;
		else
			return -1;
		break;
	default:
		if (*p->s == '-')
			p->s++;
		if (*p->s < '0' || *p->s > '9')
			return -1;
		if (*p->s == '0' && p->s[1] >= '0' && p->s[1] <= '9')
			return -1;
		while (*p->s >= '0' && *p->s <= '9')
			p->s++;
	}
	p->depth--;
	return 0;
}

static bool
json_valid(const char *s)
{
	struct jp p = { s, 0 };

	if (jp_value(&p) != 0)
		return false;
	jp_ws(&p);
	return *p.s == '\0';
}

/* --- the command table under test --- */

static int test_ctx_marker;

static void
out_args(struct gw_out *o, const char *cmd, int argc, char **argv)
{
	char args[256] = "";
	size_t len = 0;

	for (int i = 0; i < argc; i++)
		len += snprintf(args + len, sizeof(args) - len, "%s%s",
				i ? " " : "", argv[i]);
	gw_out_str(o, "cmd", cmd);
	gw_out_str(o, "args", args);
}

#define HANDLER(fn, name)                                                      \
	static int fn(struct gw_out *o, int argc, char **argv, void *ctx)      \
	{                                                                      \
		if (ctx != &test_ctx_marker) {                                 \
			gw_out_error(o, "wrong ctx");                          \
			return -1;                                             \
		}                                                              \
		out_args(o, name, argc, argv);                                 \
		return 0;                                                      \
	}
HANDLER(h_show_sa, "show sa")
HANDLER(h_show_sa_detail, "show sa detail")
HANDLER(h_show_stats, "show stats")
HANDLER(h_show_policy, "show policy")
HANDLER(h_set_log_level, "set log level")
HANDLER(h_clear_stats, "clear stats")
HANDLER(h_stop, "stop")

static int
h_fail(struct gw_out *o, int argc, char **argv, void *ctx)
{
	(void)o, (void)argc, (void)argv, (void)ctx;
	return -1;
}

static int
h_bad(struct gw_out *o, int argc, char **argv, void *ctx)
{
	(void)ctx;
	gw_out_error(o, "bad argument '%s'", argc > 0 ? argv[0] : "");
	return -1;
}

/* Enough rows to overflow the socket buffers. */
enum { BIG_ROWS = 20000 };

static int
h_big(struct gw_out *o, int argc, char **argv, void *ctx)
{
	(void)argc, (void)argv, (void)ctx;
	gw_out_list(o, "rows");
	for (unsigned int i = 0; i < BIG_ROWS; i++) {
		gw_out_obj(o, NULL);
		gw_out_u64(o, "i", i);
		gw_out_fmt(o, "name", "row-%u", i);
		gw_out_end(o);
	}
	gw_out_end(o);
	return 0;
}

static const struct gw_cli_cmd test_cmds[] = {
	{ "show sa", "[NAME]", "security associations", h_show_sa },
	{ "show sa detail", "[NAME]", "SAs with keys' metadata", h_show_sa_detail },
	{ "show stats", "", "counters", h_show_stats },
	{ "show policy", "", "security policies", h_show_policy },
	{ "set log level", "LEVEL", "log verbosity", h_set_log_level },
	{ "clear stats", "", "reset counters", h_clear_stats },
	{ "stop", "", "stop the gateway", h_stop },
	{ "fail", "", "fails without a message", h_fail },
	{ "bad", "ARG", "rejects its argument", h_bad },
	{ "big", "", "a long list", h_big },
};

static int
cli_setup(void)
{
	gw_cli_set_commands(test_cmds, GW_ARRAY_SIZE(test_cmds), &test_ctx_marker);
	return 0;
}

/* Runs line and compares rc and the JSON rendering. */
static int
exec_json(const char *line, int *rc, char *out, size_t cap)
{
	struct gw_out *o = gw_out_new(GW_OUT_JSON);
	const char *s;
	size_t len;

	if (o == NULL)
		return -1;
	*rc = gw_cli_exec(line, o);
	s = gw_out_render(o, &len);
	snprintf(out, cap, "%s", s);
	gw_out_free(o);
	return strlen(out) == len ? 0 : -1;
}

/* --- tokenizer --- */

static int
test_split(void)
{
	static const struct {
		const char *line;
		int argc;
		const char *argv[4];
	} cases[] = {
		{ "show sa", 2, { "show", "sa" } },
		{ "  show\t sa \r\n", 2, { "show", "sa" } },
		{ "", 0, { NULL } },
		{ " \t ", 0, { NULL } },
		{ "set name \"a b\"", 3, { "set", "name", "a b" } },
		{ "x \"\"", 2, { "x", "" } },
		{ "a\"b c\"d e", 2, { "ab cd", "e" } },
		{ "\"q\\\"x\\\\\"", 1, { "q\"x\\" } },
		{ "a\\b c\\", 2, { "a\\b", "c\\" } },
		{ "\"a\\n\"", 1, { "a\\n" } },
		{ "\"abc", -1, { NULL } },
		{ "a \"b\\\"", -1, { NULL } },
		{ "a b c d e", -2, { NULL } },
	};

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		char buf[64], *argv[4];
		int argc;

		snprintf(buf, sizeof(buf), "%s", cases[i].line);
		argc = gw_cli_split(buf, argv, 4);
		GW_CHECK(argc == cases[i].argc, "case %zu '%s': argc %d, want %d",
			 i, cases[i].line, argc, cases[i].argc);
		for (int k = 0; k < argc; k++)
			GW_CHECK(strcmp(argv[k], cases[i].argv[k]) == 0,
				 "case %zu word %d: '%s', want '%s'", i, k,
				 argv[k], cases[i].argv[k]);
	}
	return 0;
}

/* --- matcher --- */

static int
test_match(void)
{
	static const struct {
		const char *line;
		int rc;
		const char *json;
	} cases[] = {
		{ "show sa", 0, "{\"cmd\":\"show sa\",\"args\":\"\"}\n" },
		{ "sh sa", 0, "{\"cmd\":\"show sa\",\"args\":\"\"}\n" },
		{ "show sa x y", 0, "{\"cmd\":\"show sa\",\"args\":\"x y\"}\n" },
		{ "show sa \"a b\"", 0, "{\"cmd\":\"show sa\",\"args\":\"a b\"}\n" },
		{ "show sa detail", 0, "{\"cmd\":\"show sa detail\",\"args\":\"\"}\n" },
		{ "sh sa d", 0, "{\"cmd\":\"show sa detail\",\"args\":\"\"}\n" },
		{ "show sa detail extra", 0,
		  "{\"cmd\":\"show sa detail\",\"args\":\"extra\"}\n" },
		{ "show sa other", 0, "{\"cmd\":\"show sa\",\"args\":\"other\"}\n" },
		{ "sho st", 0, "{\"cmd\":\"show stats\",\"args\":\"\"}\n" },
		{ "show p", 0, "{\"cmd\":\"show policy\",\"args\":\"\"}\n" },
		{ "se l l debug", 0, "{\"cmd\":\"set log level\",\"args\":\"debug\"}\n" },
		{ "cl st", 0, "{\"cmd\":\"clear stats\",\"args\":\"\"}\n" },
		{ "st now", 0, "{\"cmd\":\"stop\",\"args\":\"now\"}\n" },
		{ "", 0, "{}\n" },
		{ "   ", 0, "{}\n" },
		{ "s", -1,
		  "{\"error\":\"ambiguous command 's'; candidates: show, set, stop\"}\n" },
		{ "sh s", -1,
		  "{\"error\":\"ambiguous command 'sh s'; candidates: show sa, show stats\"}\n" },
		{ "xyz", -1, "{\"error\":\"unknown command 'xyz'; try 'help'\"}\n" },
		{ "Show sa", -1, "{\"error\":\"unknown command 'Show'; try 'help'\"}\n" },
		{ "show", -1,
		  "{\"error\":\"incomplete command 'show'; candidates: show sa, "
		  "show sa detail, show stats, show policy\"}\n" },
		{ "sh xyz 1", -1,
		  "{\"error\":\"unknown command 'sh xyz'; candidates: show sa, "
		  "show sa detail, show stats, show policy\"}\n" },
		{ "clear", -1,
		  "{\"error\":\"incomplete command 'clear'; candidates: clear stats\"}\n" },
		{ "set log", -1,
		  "{\"error\":\"incomplete command 'set log'; candidates: set log level\"}\n" },
		{ "fail", -1, "{\"error\":\"command 'fail' failed\"}\n" },
		{ "bad \"x\\\"y\"", -1, "{\"error\":\"bad argument 'x\\\"y'\"}\n" },
		{ "show \"sa", -1, "{\"error\":\"unterminated quote\"}\n" },
		{ "help xyz", -1, "{\"error\":\"no command matches 'xyz'; try 'help'\"}\n" },
		{ "help show sa d", 0,
		  "{\"commands\":[{\"command\":\"show sa detail\",\"args\":\"[NAME]\","
		  "\"help\":\"SAs with keys' metadata\"}]}\n" },
		{ "? cl", 0,
		  "{\"commands\":[{\"command\":\"clear stats\",\"args\":\"\","
		  "\"help\":\"reset counters\"}]}\n" },
		{ "he he", 0,
		  "{\"commands\":[{\"command\":\"help\",\"args\":\"[WORDS...]\","
		  "\"help\":\"list commands, or those starting with WORDS\"}]}\n" },
	};
	char out[1024];
	int rc;

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		GW_CHECK(exec_json(cases[i].line, &rc, out, sizeof(out)) == 0,
			 "case %zu", i);
		GW_CHECK(rc == cases[i].rc, "'%s': rc %d, want %d", cases[i].line,
			 rc, cases[i].rc);
		GW_CHECK(strcmp(out, cases[i].json) == 0,
			 "'%s':\n got  %s want %s", cases[i].line, out,
			 cases[i].json);
		GW_CHECK(json_valid(out), "'%s': invalid JSON", cases[i].line);
	}

	/* Too many words. */
	{
		char line[GW_CLI_MAX_WORDS * 2 + 8] = "";

		for (int k = 0; k <= GW_CLI_MAX_WORDS; k++)
			strcat(line, "a ");
		GW_CHECK(exec_json(line, &rc, out, sizeof(out)) == 0, "exec");
		GW_CHECK(rc == -1 && strstr(out, "too many words") != NULL, "%s", out);
	}
	return 0;
}

static int
test_help(void)
{
	static const struct gw_cli_cmd small[] = {
		{ "show sa", "[NAME]", "security associations", h_show_sa },
		{ "clear stats", NULL, "reset counters", h_clear_stats },
	};
	static const char want[] =
		"command      args        help\n"
		"show sa      [NAME]      security associations\n"
		"clear stats              reset counters\n"
		"help         [WORDS...]  list commands, or those starting with WORDS\n";
	const char *lines[] = { "help", "?", "he", "  help  " };

	gw_cli_set_commands(small, GW_ARRAY_SIZE(small), &test_ctx_marker);
	for (size_t i = 0; i < GW_ARRAY_SIZE(lines); i++) {
		struct gw_out *o = gw_out_new(GW_OUT_TEXT);
		const char *s;
		int rc;

		rc = gw_cli_exec(lines[i], o);
		s = gw_out_render(o, NULL);
		if (rc != 0 || strcmp(s, want) != 0) {
			fprintf(stderr, "'%s': rc %d, got:\n%swant:\n%s", lines[i],
				rc, s, want);
			gw_out_free(o);
			cli_setup();
			return -1;
		}
		gw_out_free(o);
	}

	/* No table at all: only help. */
	gw_cli_set_commands(NULL, 0, NULL);
	{
		char out[256];
		int rc;

		GW_CHECK(exec_json("show sa", &rc, out, sizeof(out)) == 0, "exec");
		GW_CHECK(rc == -1 && strcmp(out,
			"{\"error\":\"unknown command 'show'; try 'help'\"}\n") == 0,
			"%s", out);
		GW_CHECK(exec_json("help", &rc, out, sizeof(out)) == 0, "exec");
		GW_CHECK(rc == 0 && strstr(out, "\"command\":\"help\"") != NULL,
			 "%s", out);
	}
	cli_setup();
	return 0;
}

/* --- output builder --- */

static int
check_render(struct gw_out *o, const char *want)
{
	size_t len;
	const char *s = gw_out_render(o, &len);

	GW_CHECK(strlen(s) == len, "length %zu vs %zu", strlen(s), len);
	GW_CHECK(strcmp(s, want) == 0, "\ngot:\n%s\nwant:\n%s", s, want);
	return 0;
}

/* Builds the same nested document for both formats. */
static void
build_doc(struct gw_out *o)
{
	gw_out_str(o, "name", "gw1");
	gw_out_u64(o, "uptime", 12345);
	gw_out_bool(o, "ready", true);
	gw_out_i64(o, "skew", -3);
	gw_out_obj(o, "limits");
	gw_out_u64(o, "max_sa", 18446744073709551615ULL);
	gw_out_bool(o, "esn", false);
	gw_out_end(o);
	gw_out_list(o, "sa");
	gw_out_obj(o, NULL);
	gw_out_str(o, "name", "to-branch");
	gw_out_fmt(o, "spi", "0x%08x", 0x1000u);
	gw_out_obj(o, "lifetime");
	gw_out_u64(o, "bytes", 100);
	gw_out_end(o);
	gw_out_end(o);
	gw_out_obj(o, NULL);
	gw_out_str(o, "name", "from-branch");
	gw_out_list(o, "ts");
	gw_out_str(o, NULL, "10.0.0.0/8");
	gw_out_str(o, NULL, "192.168.0.0/16");
	gw_out_end(o);
	gw_out_end(o);
	gw_out_end(o);
	gw_out_list(o, "empty");
	gw_out_end(o);
	gw_out_obj(o, "none");
	gw_out_end(o);
}

static int
test_json_nested(void)
{
	struct gw_out *o = gw_out_new(GW_OUT_JSON);
	static const char want[] =
		"{\"name\":\"gw1\",\"uptime\":12345,\"ready\":true,\"skew\":-3,"
		"\"limits\":{\"max_sa\":18446744073709551615,\"esn\":false},"
		"\"sa\":[{\"name\":\"to-branch\",\"spi\":\"0x00001000\","
		"\"lifetime\":{\"bytes\":100}},"
		"{\"name\":\"from-branch\",\"ts\":[\"10.0.0.0/8\",\"192.168.0.0/16\"]}],"
		"\"empty\":[],\"none\":{}}\n";
	int rc;

	build_doc(o);
	GW_CHECK(!gw_out_failed(o), "failed");
	rc = check_render(o, want);
	/* Rendering twice gives the same bytes. */
	rc |= check_render(o, want);
	GW_CHECK(json_valid(gw_out_render(o, NULL)), "invalid");
	gw_out_free(o);
	return rc;
}

static int
test_json_escape(void)
{
	static const struct {
		const char *in;
		const char *want;
	} cases[] = {
		{ "plain", "\"plain\"" },
		{ "q\"b\\s/", "\"q\\\"b\\\\s/\"" },
		{ "\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"" },
		{ "\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91\"" },
		{ "bad\xff\xc3(\xed\xa0\x80\xc0\xaf", "\"bad\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"" },
		{ "", "\"\"" },
	};

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct gw_out *o = gw_out_new(GW_OUT_JSON);
		char want[128];
		const char *s;

		/* keys are escaped the same way */
		gw_out_str(o, "k\"", cases[i].in);
		snprintf(want, sizeof(want), "{\"k\\\"\":%s}\n", cases[i].want);
		s = gw_out_render(o, NULL);
		if (strcmp(s, want) != 0 || !json_valid(s)) {
			fprintf(stderr, "case %zu: got %s want %s", i, s, want);
			gw_out_free(o);
			return -1;
		}
		gw_out_free(o);
	}
	return 0;
}

static int
test_error(void)
{
	struct gw_out *o = gw_out_new(GW_OUT_JSON);
	int rc;

	gw_out_str(o, "partial", "x");
	GW_CHECK(!gw_out_failed(o), "not failed yet");
	gw_out_error(o, "no SA named \"%s\"", "a\\b");
	gw_out_error(o, "second error is dropped");
	GW_CHECK(gw_out_failed(o), "failed");
	rc = check_render(o, "{\"error\":\"no SA named \\\"a\\\\b\\\"\"}\n");
	gw_out_free(o);
	if (rc)
		return rc;

	o = gw_out_new(GW_OUT_TEXT);
	gw_out_error(o, "no SA named '%s'", "x\ny");
	rc = check_render(o, "error: no SA named 'x?y'\n");
	gw_out_free(o);
	return rc;
}

static int
test_text_object(void)
{
	struct gw_out *o = gw_out_new(GW_OUT_TEXT);
	static const char want[] =
		"name:   gw1\n"
		"uptime: 12345\n"
		"ready:  true\n"
		"skew:   -3\n"
		"limits:\n"
		"  max_sa: 18446744073709551615\n"
		"  esn:    false\n"
		"sa:\n"
		"  - name: to-branch\n"
		"    spi:  0x00001000\n"
		"    lifetime:\n"
		"      bytes: 100\n"
		"  - name: from-branch\n"
		"    ts:\n"
		"      - 10.0.0.0/8\n"
		"      - 192.168.0.0/16\n"
		"empty: (none)\n"
		"none: (none)\n";
	int rc;

	build_doc(o);
	rc = check_render(o, want);
	gw_out_free(o);
	return rc;
}

static void
build_table(struct gw_out *o)
{
	gw_out_list(o, "sa");
	gw_out_obj(o, NULL);
	gw_out_str(o, "name", "to-branch");
	gw_out_u64(o, "spi", 4096);
	gw_out_str(o, "dir", "out");
	gw_out_u64(o, "packets", 7);
	gw_out_end(o);
	gw_out_obj(o, NULL);
	gw_out_str(o, "name", "b\t\xc3\xa9");
	gw_out_u64(o, "spi", 3735928559u);
	gw_out_str(o, "dir", "in");
	gw_out_u64(o, "packets", 123456789);
	gw_out_bool(o, "esn", true);
	gw_out_end(o);
	gw_out_obj(o, NULL);
	gw_out_str(o, "name", "c");
	gw_out_end(o);
	gw_out_end(o);
}

static int
test_text_table(void)
{
	/* A lone list at the top: no title; numbers right-aligned; "-" absent. */
	static const char want_lone[] =
		"name              spi  dir    packets  esn\n"
		"to-branch        4096  out          7  -\n"
		"b?\xc3\xa9        3735928559  in   123456789  true\n"
		"c                   -  -            -  -\n";
	static const char want_titled[] =
		"total: 3\n"
		"sa:\n"
		"  name              spi  dir    packets  esn\n"
		"  to-branch        4096  out          7  -\n"
		"  b?\xc3\xa9        3735928559  in   123456789  true\n"
		"  c                   -  -            -  -\n";
	struct gw_out *o = gw_out_new(GW_OUT_TEXT);
	int rc;

	build_table(o);
	rc = check_render(o, want_lone);
	gw_out_free(o);
	if (rc)
		return rc;

	o = gw_out_new(GW_OUT_TEXT);
	gw_out_u64(o, "total", 3);
	build_table(o);
	rc = check_render(o, want_titled);
	gw_out_free(o);
	if (rc)
		return rc;

	/* The same calls in JSON. */
	o = gw_out_new(GW_OUT_JSON);
	build_table(o);
	rc = check_render(o,
		"{\"sa\":[{\"name\":\"to-branch\",\"spi\":4096,\"dir\":\"out\","
		"\"packets\":7},{\"name\":\"b\\t\xc3\xa9\",\"spi\":3735928559,"
		"\"dir\":\"in\",\"packets\":123456789,\"esn\":true},"
		"{\"name\":\"c\"}]}\n");
	gw_out_free(o);
	return rc;
}

static int
test_text_misc(void)
{
	struct gw_out *o = gw_out_new(GW_OUT_TEXT);
	int rc;

	/* Empty output, a lone empty list, extra gw_out_end calls. */
	rc = check_render(o, "");
	gw_out_end(o);
	gw_out_list(o, "sa");
	gw_out_end(o);
	gw_out_end(o);
	rc |= check_render(o, "sa: (none)\n");
	gw_out_free(o);

	/* Unclosed containers render as if closed; NULL key in an object. */
	o = gw_out_new(GW_OUT_JSON);
	rc |= check_render(o, "{}\n");
	gw_out_list(o, "l");
	gw_out_obj(o, NULL);
	gw_out_u64(o, NULL, 1);
	gw_out_str(o, "s", NULL);
	rc |= check_render(o, "{\"l\":[{\"\":1,\"s\":\"\"}]}\n");
	gw_out_free(o);

	/* A NULL builder is harmless. */
	gw_out_str(NULL, "a", "b");
	gw_out_end(NULL);
	gw_out_free(NULL);
	GW_CHECK(gw_out_failed(NULL), "NULL builder counts as failed");
	return rc;
}

/* --- random lines --- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int
test_fuzz(void)
{
	static const char alphabet[] = "show sa detail set log level \"\\?help\t";
	char line[96];

	for (int iter = 0; iter < 20000; iter++) {
		size_t len = rng() % (sizeof(line) - 1);

		for (size_t i = 0; i < len; i++) {
			uint64_t r = rng();

			line[i] = (r & 1) ? alphabet[(r >> 8) % (sizeof(alphabet) - 1)] :
					    (char)(1 + (r >> 8) % 255);
		}
		line[len] = '\0';
		for (int f = 0; f < 2; f++) {
			struct gw_out *o = gw_out_new(f ? GW_OUT_JSON : GW_OUT_TEXT);
			const char *s;
			size_t n;
			int rc;

			/* "big" is slow and proves nothing here. */
			gw_cli_set_commands(test_cmds, GW_ARRAY_SIZE(test_cmds) - 1,
					    &test_ctx_marker);
			rc = gw_cli_exec(line, o);
			s = gw_out_render(o, &n);
			GW_CHECK(rc == (gw_out_failed(o) ? -1 : 0), "rc %d", rc);
			GW_CHECK(strlen(s) == n, "length");
			if (f && !json_valid(s)) {
				fprintf(stderr, "invalid JSON for line:");
				for (size_t i = 0; i < len; i++)
					fprintf(stderr, " %02x", (unsigned char)line[i]);
				fprintf(stderr, "\n%s", s);
				gw_out_free(o);
				cli_setup();
				return -1;
			}
			gw_out_free(o);
		}
	}
	cli_setup();
	return 0;
}

/* --- control socket --- */

static char sock_dir[40];
static char sock_path[100];

static int
sock_setup(void)
{
	snprintf(sock_dir, sizeof(sock_dir), "/tmp/gw-cli-test-XXXXXX");
	if (mkdtemp(sock_dir) == NULL)
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/run/ipsecgw/ctl.sock", sock_dir);
	return cli_setup();
}

static void
sock_teardown(void)
{
	char p[160];

	unlink(sock_path);
	snprintf(p, sizeof(p), "%s/run/ipsecgw", sock_dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/run", sock_dir);
	rmdir(p);
	rmdir(sock_dir);
}

static int
client_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Reads until EOF (or a reset after data) with a timeout; returns length. */
static ssize_t
client_read_all(int fd, char *buf, size_t cap, int timeout_ms)
{
	size_t len = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, timeout_ms) <= 0)
			return -1;
		n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n < 0 && errno == ECONNRESET && len > 0)
			break;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap - 1)
			break;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

/* One request; returns the response in buf. */
static ssize_t
client_request(const char *req, size_t len, char *buf, size_t cap)
{
	int fd = client_connect();
	ssize_t n;

	if (fd < 0)
		return -1;
	if (len > 0 && send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	shutdown(fd, SHUT_WR);
	n = client_read_all(fd, buf, cap, 5000);
	close(fd);
	return n;
}

#define CHILD_CHECK(cond, ...)                                                 \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "child %s:%d: %s: ", __FILE__,         \
				__LINE__, #cond);                              \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			_exit(1);                                              \
		}                                                              \
	} while (0)

/* The misbehaving and the well-behaved clients, in the forked child. */
static void
child_clients(void)
{
	static char big[2 * 1024 * 1024];
	char buf[8192], line[6000];
	int idle, many[20], nmany = 0;
	ssize_t n;

	/* Connects and says nothing: must not stall anybody else. */
	idle = client_connect();
	CHILD_CHECK(idle >= 0, "connect");

	n = client_request("json show sa \"a b\"\n", 19, buf, sizeof(buf));
	CHILD_CHECK(n > 0 && strcmp(buf, "ok\n{\"cmd\":\"show sa\",\"args\":\"a b\"}\n") == 0,
		    "%s", buf);
	n = client_request("text sh st\r\n", 12, buf, sizeof(buf));
	CHILD_CHECK(n > 0 && strcmp(buf, "ok\ncmd:  show stats\nargs: \n") == 0,
		    "%s", buf);
	/* End of stream ends the request line too. */
	n = client_request("json stop", 9, buf, sizeof(buf));
	CHILD_CHECK(n > 0 && strcmp(buf, "ok\n{\"cmd\":\"stop\",\"args\":\"\"}\n") == 0,
		    "%s", buf);
	n = client_request("json bogus\n", 11, buf, sizeof(buf));
	CHILD_CHECK(n > 0 && strcmp(buf,
		"error\n{\"error\":\"unknown command 'bogus'; try 'help'\"}\n") == 0,
		"%s", buf);
	n = client_request("json\n", 5, buf, sizeof(buf));
	CHILD_CHECK(n > 0 && strcmp(buf, "ok\n{}\n") == 0, "%s", buf);

	/* Garbage, NUL bytes, nothing at all, an oversize line. */
	n = client_request("hello world\n", 12, buf, sizeof(buf));
	CHILD_CHECK(n > 0 && strncmp(buf, "error\nerror: bad request", 24) == 0,
		    "%s", buf);
	n = client_request("json\0show\n", 10, buf, sizeof(buf));
	CHILD_CHECK(n > 0 && strncmp(buf, "error\nerror: bad request", 24) == 0,
		    "%s", buf);
	n = client_request("", 0, buf, sizeof(buf));
	CHILD_CHECK(n == 0, "closed without a word, got %zd", n);
	memset(line, 'a', sizeof(line));
	n = client_request(line, sizeof(line), buf, sizeof(buf));
	CHILD_CHECK(n > 0 && strcmp(buf, "error\nerror: request line too long\n") == 0,
		    "%s", buf);
	/* Longest acceptable line: GW_CTL_LINE_MAX with its newline. */
	memcpy(line, "json show sa ", 13);
	memset(line + 13, 'x', GW_CTL_LINE_MAX - 14);
	line[GW_CTL_LINE_MAX - 1] = '\n';
	n = client_request(line, GW_CTL_LINE_MAX, buf, sizeof(buf));
	CHILD_CHECK(n > 0 && strncmp(buf, "ok\n", 3) == 0, "%.40s", buf);

	/* Leaves before the answer: the server must not die of SIGPIPE. */
	for (int i = 0; i < 5; i++) {
		int fd = client_connect();

		CHILD_CHECK(fd >= 0, "connect");
		send(fd, "json big\n", 9, MSG_NOSIGNAL);
		close(fd);
	}

	/* An answer larger than the socket buffers. */
	n = client_request("json big\n", 9, big, sizeof(big));
	CHILD_CHECK(n > 0 && strncmp(big, "ok\n{\"rows\":[{\"i\":0,", 19) == 0 &&
		    strstr(big, "{\"i\":19999,\"name\":\"row-19999\"}]}\n") != NULL,
		    "big answer: %zd bytes", n);

	/* More clients than slots: the extra ones are told so. */
	for (nmany = 0; nmany < 20; nmany++)
		many[nmany] = client_connect();
	n = -1;
	{
		/* The turned-away ones answer at once, the others wait. */
		struct pollfd pfd[20];

		for (int i = 0; i < nmany; i++)
			pfd[i] = (struct pollfd){ .fd = many[i], .events = POLLIN };
		CHILD_CHECK(poll(pfd, (nfds_t)nmany, 1000) > 0, "no answer");
		for (int i = 0; i < nmany && n < 0; i++)
			if (pfd[i].revents & POLLIN)
				n = client_read_all(many[i], buf, sizeof(buf), 1000);
	}
	CHILD_CHECK(n > 0 && strcmp(buf, "error\nerror: too many control clients\n") == 0,
		    "n %zd: %s", n, buf);
	for (int i = 0; i < nmany; i++)
		if (many[i] >= 0)
			close(many[i]);

	/* The silent client is finally told off, not left hanging forever. */
	n = client_read_all(idle, buf, sizeof(buf), 5000);
	CHILD_CHECK(n > 0 && strcmp(buf, "error\nerror: request timed out\n") == 0,
		    "%s", buf);
	close(idle);
	_exit(0);
}

/*
 * Serves the control socket until the child exits; its stdout (if out is
 * given) is collected through fd_out.
 */
static int
serve_until_exit(struct gw_ctl_server *s, pid_t pid, int fd_out, char *out,
		 size_t cap)
{
	struct timespec start, now;
	size_t len = 0;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = gw_ctl_server_fd(s), .events = POLLIN },
			{ .fd = fd_out, .events = POLLIN },
		};

		poll(pfd, fd_out >= 0 ? 2 : 1, 20);
		gw_ctl_server_poll(s);
		if (fd_out >= 0 && (pfd[1].revents & (POLLIN | POLLHUP))) {
			ssize_t n = read(fd_out, out + len, cap - 1 - len);

			if (n > 0)
				len += (size_t)n;
			else
				fd_out = -1;
		}
		if (fd_out < 0 && waitpid(pid, &status, WNOHANG) == pid)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 20) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fprintf(stderr, "client child timed out\n");
			return -1;
		}
	}
	if (out != NULL)
		out[len] = '\0';
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int
test_socket_roundtrip(void)
{
	struct gw_ctl_server *s;
	struct stat st;
	pid_t pid;
	int rc;

	s = gw_ctl_server_open(sock_path);
	GW_CHECK(s != NULL, "open %s", sock_path);
	GW_CHECK(stat(sock_path, &st) == 0 && S_ISSOCK(st.st_mode), "socket file");
	GW_CHECK((st.st_mode & 0777) == 0600, "mode %o", st.st_mode & 0777);
	GW_CHECK(gw_ctl_server_fd(s) >= 0, "fd");

	/* A live server is not stolen from. */
	GW_CHECK(gw_ctl_server_open(sock_path) == NULL, "second server");

	fflush(NULL);
	pid = fork();
	GW_CHECK(pid >= 0, "fork");
	if (pid == 0)
		child_clients();
	rc = serve_until_exit(s, pid, -1, NULL, 0);
	gw_ctl_server_close(s);
	GW_CHECK(rc == 0, "client child failed: %d", rc);
	GW_CHECK(access(sock_path, F_OK) != 0, "socket removed on close");
	return 0;
}

static int
test_socket_stale(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct gw_ctl_server *s;
	int fd;

	/* A socket file nobody listens on is stale and replaced. */
	s = gw_ctl_server_open(sock_path);
	GW_CHECK(s != NULL, "open");
	gw_ctl_server_close(s);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	GW_CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind");
	close(fd);
	s = gw_ctl_server_open(sock_path);
	GW_CHECK(s != NULL, "stale socket not replaced");
	gw_ctl_server_close(s);

	/* A regular file is never removed. */
	fd = open(sock_path, O_CREAT | O_WRONLY, 0600);
	GW_CHECK(fd >= 0, "create");
	close(fd);
	GW_CHECK(gw_ctl_server_open(sock_path) == NULL, "regular file replaced");
	GW_CHECK(unlink(sock_path) == 0, "regular file kept");

	/* Too long a path. */
	{
		char longp[200];

		memset(longp, 'x', sizeof(longp) - 1);
		longp[0] = '/';
		longp[sizeof(longp) - 1] = '\0';
		GW_CHECK(gw_ctl_server_open(longp) == NULL, "long path");
	}
	return 0;
}

/* ipsecgw-ctl against the live server, when meson tells us where it is. */
static int
run_ctl(struct gw_ctl_server *s, char *const argv[], char *out, size_t cap)
{
	int pipefd[2];
	pid_t pid;

	if (pipe(pipefd) != 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	{
		int rc = serve_until_exit(s, pid, pipefd[0], out, cap);

		close(pipefd[0]);
		return rc;
	}
}

static int
test_ctl_client(void)
{
	const char *ctl = getenv("IPSECGW_CTL");
	struct gw_ctl_server *s;
	char out[4096];
	int rc;

	if (ctl == NULL || ctl[0] == '\0') {
		printf("SKIP ctl client: IPSECGW_CTL not set\n");
		return 0;
	}
	s = gw_ctl_server_open(sock_path);
	GW_CHECK(s != NULL, "open");
	{
		char *argv[] = { (char *)ctl, "-s", sock_path, "--json", "sh", "sa",
				 "a b", "q\"\\", "", NULL };

		rc = run_ctl(s, argv, out, sizeof(out));
		GW_CHECK(rc == 0, "rc %d: %s", rc, out);
		GW_CHECK(strcmp(out, "{\"cmd\":\"show sa\",\"args\":\"a b q\\\"\\\\ \"}\n") == 0,
			 "%s", out);
	}
	{
		char *argv[] = { (char *)ctl, "-s", sock_path, "show", NULL };

		rc = run_ctl(s, argv, out, sizeof(out));
		GW_CHECK(rc == 1, "rc %d: %s", rc, out);
		GW_CHECK(strncmp(out, "error: incomplete command 'show'", 32) == 0,
			 "%s", out);
	}
	{
		char *argv[] = { (char *)ctl, "-s", sock_path, "help", NULL };

		rc = run_ctl(s, argv, out, sizeof(out));
		GW_CHECK(rc == 0, "rc %d: %s", rc, out);
		GW_CHECK(strncmp(out, "command", 7) == 0 &&
			 strstr(out, "\nshow sa detail  [NAME]") != NULL, "%s", out);
	}
	gw_ctl_server_close(s);
	return 0;
}

static const struct gw_test_case cli_cases[] = {
	{ "split", test_split },
	{ "match", test_match },
	{ "help", test_help },
	{ "fuzz", test_fuzz },
	{ NULL, NULL },
};

static const struct gw_test_case out_cases[] = {
	{ "json_nested", test_json_nested },
	{ "json_escape", test_json_escape },
	{ "error", test_error },
	{ "text_object", test_text_object },
	{ "text_table", test_text_table },
	{ "text_misc", test_text_misc },
	{ NULL, NULL },
};

static const struct gw_test_case sock_cases[] = {
	{ "roundtrip", test_socket_roundtrip },
	{ "stale", test_socket_stale },
	{ "ctl_client", test_ctl_client },
	{ NULL, NULL },
};

static const struct gw_test_suite cli_suite = {
	.name = "cli", .setup = cli_setup, .cases = cli_cases,
};
static const struct gw_test_suite out_suite = {
	.name = "out", .cases = out_cases,
};
static const struct gw_test_suite sock_suite = {
	.name = "ctl_socket", .setup = sock_setup, .teardown = sock_teardown,
	.cases = sock_cases,
};

GW_TEST_MAIN(&cli_suite, &out_suite, &sock_suite)
