/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Output builder: handlers add nodes to a small tree held in an arena (one
 * free at the end), and the tree is rendered once as text or JSON, so both
 * formats always show the same fields.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_cli.h"

enum node_type { N_OBJ, N_LIST, N_STR, N_U64, N_I64, N_BOOL };

struct node {
	struct node *next;
	struct node *parent;
	struct node *child;        /**< containers: first member */
	struct node *last;         /**< containers: last member */
	const char *key;           /**< NULL for list elements */
	enum node_type type;
	union {
		const char *s;
		uint64_t u;
		int64_t i;
		bool b;
	};
};

struct chunk {
	struct chunk *next;
	size_t used, size;
	char mem[];
};

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

struct gw_out {
	enum gw_out_fmt fmt;
	bool oom;
	struct chunk *arena;
	struct node root;
	struct node *cur;          /**< innermost open container */
	const char *error;         /**< first error message, arena */
	struct buf out;
};

enum { CHUNK_SIZE = 4096, TEXT_INDENT = 2 };

static void *
arena_alloc(struct gw_out *o, size_t n)
{
	struct chunk *c = o->arena;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (c == NULL || c->size - c->used < n) {
		size_t size = n > CHUNK_SIZE ? n : CHUNK_SIZE;

		c = malloc(sizeof(*c) + size);
		if (c == NULL) {
			o->oom = true;
			return NULL;
		}
		c->used = 0;
		c->size = size;
		c->next = o->arena;
		o->arena = c;
	}
	p = c->mem + c->used;
	c->used += n;
	return p;
}

static const char *
arena_strdup(struct gw_out *o, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(o, n);

	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

static char *
arena_vprintf(struct gw_out *o, const char *fmt, va_list ap)
{
	va_list aq;
	char *p;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return NULL;
	p = arena_alloc(o, (size_t)n + 1);
	if (p != NULL)
		vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

struct gw_out *
gw_out_new(enum gw_out_fmt fmt)
{
	struct gw_out *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->fmt = fmt;
	o->root.type = N_OBJ;
	o->cur = &o->root;
	return o;
}

void
gw_out_free(struct gw_out *o)
{
	if (o == NULL)
		return;
	while (o->arena != NULL) {
		struct chunk *c = o->arena;

		o->arena = c->next;
		free(c);
	}
	free(o->out.p);
	free(o);
}

static struct node *
add_node(struct gw_out *o, const char *key, enum node_type type)
{
	struct node *n, *parent;

	if (o == NULL)
		return NULL;
	n = arena_alloc(o, sizeof(*n));
	if (n == NULL)
		return NULL;
	memset(n, 0, sizeof(*n));
	parent = o->cur;
	/* Inside a list keys are meaningless; inside an object they are required. */
	if (parent->type == N_LIST)
		key = NULL;
	else if (key == NULL)
		key = "";
	if (key != NULL && (n->key = arena_strdup(o, key)) == NULL)
		return NULL;
	n->type = type;
	n->parent = parent;
	if (parent->last != NULL)
		parent->last->next = n;
	else
		parent->child = n;
	parent->last = n;
	return n;
}

void
gw_out_obj(struct gw_out *o, const char *key)
{
	struct node *n = add_node(o, key, N_OBJ);

	if (n != NULL)
		o->cur = n;
}

void
gw_out_list(struct gw_out *o, const char *key)
{
	struct node *n = add_node(o, key, N_LIST);

	if (n != NULL)
		o->cur = n;
}

void
gw_out_end(struct gw_out *o)
{
	if (o != NULL && o->cur->parent != NULL)
		o->cur = o->cur->parent;
}

void
gw_out_str(struct gw_out *o, const char *key, const char *val)
{
	struct node *n = add_node(o, key, N_STR);

	if (n != NULL)
		n->s = arena_strdup(o, val != NULL ? val : "");
}

void
gw_out_u64(struct gw_out *o, const char *key, uint64_t val)
{
	struct node *n = add_node(o, key, N_U64);

	if (n != NULL)
		n->u = val;
}

void
gw_out_i64(struct gw_out *o, const char *key, int64_t val)
{
	struct node *n = add_node(o, key, N_I64);

	if (n != NULL)
		n->i = val;
}

void
gw_out_bool(struct gw_out *o, const char *key, bool val)
{
	struct node *n = add_node(o, key, N_BOOL);

	if (n != NULL)
		n->b = val;
}

void
gw_out_fmt(struct gw_out *o, const char *key, const char *fmt, ...)
{
	struct node *n = add_node(o, key, N_STR);
	va_list ap;

	if (n == NULL)
		return;
	va_start(ap, fmt);
	n->s = arena_vprintf(o, fmt, ap);
	va_end(ap);
	if (n->s == NULL)
		n->s = "";
}

void
gw_out_error(struct gw_out *o, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	/* The first error is the most specific one; keep it. */
	if (o == NULL || o->error != NULL)
		return;
	va_start(ap, fmt);
	msg = arena_vprintf(o, fmt, ap);
	va_end(ap);
	o->error = msg != NULL ? msg : "out of memory";
}

bool
gw_out_failed(const struct gw_out *o)
{
	return o == NULL || o->error != NULL || o->oom;
}

/* --- rendering --- */

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->cap - b->len < n + 1) {
		size_t cap = b->cap ? b->cap : 1024;
		char *p;

		while (cap - b->len < n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_fill(struct buf *b, char c, size_t n)
{
	char spaces[64];

	memset(spaces, c, sizeof(spaces));
	while (n > 0) {
		size_t k = n < sizeof(spaces) ? n : sizeof(spaces);

		buf_add(b, spaces, k);
		n -= k;
	}
}

static bool
is_scalar(const struct node *n)
{
	return n->type != N_OBJ && n->type != N_LIST;
}

/* Length of a valid UTF-8 sequence at s (RFC 3629), or 0 when invalid. */
static size_t
utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	else if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* JSON string: escapes quotes, backslashes and controls; bad UTF-8 -> U+FFFD. */
static void
json_str(struct buf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	char esc[8];

	buf_add(b, "\"", 1);
	while (*s != '\0') {
		size_t run = 0, n;

		while (s[run] >= 0x20 && s[run] != '"' && s[run] != '\\' &&
		       (n = utf8_seq_len(s + run)) > 0)
			run += n;
		buf_add(b, (const char *)s, run);
		s += run;
		if (*s == '\0')
			break;
		switch (*s) {
		case '"': buf_add(b, "\\\"", 2); break;
		case '\\': buf_add(b, "\\\\", 2); break;
		case '\b': buf_add(b, "\\b", 2); break;
		case '\f': buf_add(b, "\\f", 2); break;
		case '\n': buf_add(b, "\\n", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		case '\t': buf_add(b, "\\t", 2); break;
		default:
			if (*s < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", *s);
				buf_add(b, esc, 6);
			} else {
				buf_add(b, "\\ufffd", 6);
			}
		}
		s++;
	}
	buf_add(b, "\"", 1);
}

/* Scalar as text; tmp holds numbers. */
static const char *
scalar_text(const struct node *n, char tmp[static 24])
{
	switch (n->type) {
	case N_STR:
		return n->s != NULL ? n->s : "";
	case N_U64:
		snprintf(tmp, 24, "%" PRIu64, n->u);
		return tmp;
	case N_I64:
		snprintf(tmp, 24, "%" PRId64, n->i);
		return tmp;
	case N_BOOL:
		return n->b ? "true" : "false";
	default:
		return "";
	}
}

static void
json_node(struct buf *b, const struct node *n)
{
	const struct node *c;
	char tmp[24];

	switch (n->type) {
	case N_OBJ:
	case N_LIST:
		buf_add(b, n->type == N_OBJ ? "{" : "[", 1);
		for (c = n->child; c != NULL; c = c->next) {
			if (c != n->child)
				buf_add(b, ",", 1);
			if (n->type == N_OBJ) {
				json_str(b, c->key);
				buf_add(b, ":", 1);
			}
			json_node(b, c);
		}
		buf_add(b, n->type == N_OBJ ? "}" : "]", 1);
		break;
	case N_STR:
		json_str(b, n->s != NULL ? n->s : "");
		break;
	default:
		buf_puts(b, scalar_text(n, tmp));
	}
}

/* Columns a string takes on a terminal: code points, not bytes. */
static size_t
text_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* Text output keeps one item per line: control characters become '?'. */
static void
text_str(struct buf *b, const char *s)
{
	while (*s != '\0') {
		size_t run = 0;

		while ((unsigned char)s[run] >= 0x20 && s[run] != 0x7f)
			run++;
		buf_add(b, s, run);
		s += run;
		if (*s != '\0') {
			buf_add(b, "?", 1);
			s++;
		}
	}
}

static void text_list(struct buf *b, const struct node *list, size_t indent);

static void
text_members(struct buf *b, const struct node *obj, size_t indent)
{
	const struct node *c;
	size_t keyw = 0;
	char tmp[24];

	for (c = obj->child; c != NULL; c = c->next)
		if (is_scalar(c) && text_width(c->key) > keyw)
			keyw = text_width(c->key);
	for (c = obj->child; c != NULL; c = c->next) {
		buf_fill(b, ' ', indent);
		text_str(b, c->key);
		buf_add(b, ":", 1);
		if (is_scalar(c)) {
			buf_fill(b, ' ', keyw - text_width(c->key) + 1);
			text_str(b, scalar_text(c, tmp));
			buf_add(b, "\n", 1);
		} else if (c->child == NULL) {
			buf_puts(b, " (none)\n");
		} else {
			buf_add(b, "\n", 1);
			if (c->type == N_OBJ)
				text_members(b, c, indent + TEXT_INDENT);
			else
				text_list(b, c, indent + TEXT_INDENT);
		}
	}
}

static const struct node *
member(const struct node *obj, const char *key)
{
	const struct node *c;

	for (c = obj->child; c != NULL; c = c->next)
		if (strcmp(c->key, key) == 0)
			return c;
	return NULL;
}

struct column {
	const char *key;
	size_t width;
	bool numeric;
};

/*
 * Renders a list of flat objects as a table; the columns are the keys in
 * order of first appearance. Returns false (rendering nothing) when some
 * element is not a flat object.
 */
static bool
text_table(struct buf *b, const struct node *list, size_t indent)
{
	struct column *cols = NULL;
	const struct node *e, *c;
	size_t ncols = 0, cap = 0, i;
	char tmp[24];

	for (e = list->child; e != NULL; e = e->next) {
		if (e->type != N_OBJ)
			goto not_table;
		for (c = e->child; c != NULL; c = c->next) {
			if (!is_scalar(c))
				goto not_table;
			for (i = 0; i < ncols; i++)
				if (strcmp(cols[i].key, c->key) == 0)
					break;
			if (i == ncols) {
				if (ncols == cap) {
					struct column *nc;

					cap = cap ? cap * 2 : 8;
					nc = realloc(cols, cap * sizeof(*cols));
					if (nc == NULL) {
						b->oom = true;
						goto not_table;
					}
					cols = nc;
				}
				cols[ncols].key = c->key;
				cols[ncols].width = text_width(c->key);
				cols[ncols].numeric = true;
				ncols++;
			}
			if (text_width(scalar_text(c, tmp)) > cols[i].width)
				cols[i].width = text_width(scalar_text(c, tmp));
			if (c->type != N_U64 && c->type != N_I64)
				cols[i].numeric = false;
		}
	}
	if (ncols == 0)
		goto not_table;

	/* Header row first (e == NULL), then one row per element. */
	e = NULL;
	do {
		buf_fill(b, ' ', indent);
		for (i = 0; i < ncols; i++) {
			const char *cell;
			size_t pad;

			if (e == NULL) {
				cell = cols[i].key;
			} else {
				c = member(e, cols[i].key);
				cell = c != NULL ? scalar_text(c, tmp) : "-";
			}
			pad = cols[i].width - text_width(cell);
			if (cols[i].numeric)
				buf_fill(b, ' ', pad);
			text_str(b, cell);
			if (i + 1 < ncols)
				buf_fill(b, ' ', (cols[i].numeric ? 0 : pad) + 2);
		}
		buf_add(b, "\n", 1);
		e = e == NULL ? list->child : e->next;
	} while (e != NULL);
	free(cols);
	return true;

not_table:
	free(cols);
	return false;
}

/*
 * A list that is not a table shows each element as a block, YAML-like:
 * the first line of the element carries "- ".
 */
static void
text_list(struct buf *b, const struct node *list, size_t indent)
{
	const struct node *e;
	char tmp[24];

	if (text_table(b, list, indent))
		return;
	for (e = list->child; e != NULL; e = e->next) {
		size_t start = b->len;

		if (is_scalar(e)) {
			buf_fill(b, ' ', indent);
			buf_add(b, "- ", 2);
			text_str(b, scalar_text(e, tmp));
			buf_add(b, "\n", 1);
			continue;
		}
		if (e->type == N_OBJ)
			text_members(b, e, indent + TEXT_INDENT);
		else
			text_list(b, e, indent + TEXT_INDENT);
		if (b->oom)
			return;
		if (b->len == start) {
			buf_fill(b, ' ', indent);
			buf_add(b, "-\n", 2);
		} else {
			b->p[start + indent] = '-';
		}
	}
}

const char *
gw_out_render(struct gw_out *o, size_t *len)
{
	struct buf *b;
	const struct node *only;

	if (o == NULL) {
		if (len != NULL)
			*len = 0;
		return "";
	}
	b = &o->out;
	b->len = 0;
	b->oom = false;
	buf_add(b, "", 0);
	if (o->oom)
		gw_out_error(o, "out of memory");

	if (o->fmt == GW_OUT_JSON) {
		if (o->error != NULL) {
			buf_puts(b, "{\"error\":");
			json_str(b, o->error);
			buf_puts(b, "}");
		} else {
			json_node(b, &o->root);
		}
		buf_add(b, "\n", 1);
	} else if (o->error != NULL) {
		buf_puts(b, "error: ");
		text_str(b, o->error);
		buf_add(b, "\n", 1);
	} else {
		/* A lone list (the usual "show" result) needs no title line. */
		only = o->root.child;
		if (only != NULL && only->next == NULL &&
		    only->type == N_LIST && only->child != NULL)
			text_list(b, only, 0);
		else
			text_members(b, &o->root, 0);
	}

	if (b->oom) {
		static const char oom_text[] = "error: out of memory\n";
		static const char oom_json[] = "{\"error\":\"out of memory\"}\n";

		if (len != NULL)
			*len = o->fmt == GW_OUT_JSON ? sizeof(oom_json) - 1 :
						       sizeof(oom_text) - 1;
		return o->fmt == GW_OUT_JSON ? oom_json : oom_text;
	}
	if (len != NULL)
		*len = b->len;
	return b->p;
}
