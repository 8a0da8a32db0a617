/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libconfig takes `a = 1 b = 2` as two settings: the ';' after a setting
 * is optional to it. A forgotten ';' is far more often a mangled line than
 * a style, so every setting in a group must end in ';' (or ','). This runs
 * after libconfig accepted the text, so the structure is known to be sound
 * and a small scanner suffices; it only looks for missing terminators.
 */
#include <ctype.h>
#include <string.h>

#include "cfg_priv.h"

enum { SYNTAX_DEPTH_MAX = 64 };

enum tok {
	TOK_END,
	TOK_WORD,                  /**< name, number, true/false */
	TOK_STRING,
	TOK_PUNCT,                 /**< = : ; , { } ( ) [ ] */
};

struct scanner {
	const char *p;
	int line;
	int tok_line;
	char punct;
	char word[GW_NAME_MAX];
};

/* Group states; lists and arrays need none. */
enum gstate { EXPECT_NAME, EXPECT_EQ, EXPECT_VALUE, AFTER_VALUE };

struct level {
	char kind;                 /**< '{' group (root too), '(' list, '[' array */
	enum gstate state;
	int value_line;            /**< where the current setting's value ended */
	char name[GW_NAME_MAX];
};

static void
skip_space(struct scanner *sc)
{
	for (;;) {
		const char *p = sc->p;

		if (*p == '\n') {
			sc->line++;
			sc->p++;
		} else if (isspace((unsigned char)*p)) {
			sc->p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/') ||
			   (*p == '@' && strncmp(p, "@include", 8) == 0)) {
			while (*sc->p != '\0' && *sc->p != '\n')
				sc->p++;
		} else if (p[0] == '/' && p[1] == '*') {
			for (sc->p += 2; *sc->p != '\0' &&
			     !(sc->p[0] == '*' && sc->p[1] == '/'); sc->p++)
				if (*sc->p == '\n')
					sc->line++;
			if (*sc->p != '\0')
				sc->p += 2;
		} else {
			return;
		}
	}
}

static enum tok
next_token(struct scanner *sc)
{
	size_t n = 0;

	skip_space(sc);
	sc->tok_line = sc->line;
	if (*sc->p == '\0')
		return TOK_END;
	if (*sc->p == '"') {
		for (sc->p++; *sc->p != '\0' && *sc->p != '"'; sc->p++) {
			if (*sc->p == '\\' && sc->p[1] != '\0')
				sc->p++;
			if (*sc->p == '\n')
				sc->line++;
		}
		if (*sc->p == '"')
			sc->p++;
		return TOK_STRING;
	}
	if (strchr("=:;,{}()[]", *sc->p) != NULL) {
		sc->punct = *sc->p++;
		return TOK_PUNCT;
	}
	while (*sc->p != '\0' && !isspace((unsigned char)*sc->p) &&
	       strchr("=:;,{}()[]\"#", *sc->p) == NULL &&
	       !(sc->p[0] == '/' && (sc->p[1] == '/' || sc->p[1] == '*'))) {
		if (n + 1 < sizeof(sc->word))
			sc->word[n++] = *sc->p;
		sc->p++;
	}
	sc->word[n] = '\0';
	if (n == 0) {
		/* Not libconfig syntax; it would have refused the text. */
		sc->p++;
		return next_token(sc);
	}
	return TOK_WORD;
}

static void
missing_terminator(struct cfg_loader *ld, const struct level *lv)
{
	gw_diag_add(ld->diag, GW_DIAG_ERROR, lv->value_line, "syntax error: "
		    "missing ';' after the value of '%s'", lv->name);
}

void
cfg_check_terminators(struct cfg_loader *ld)
{
	struct level stack[SYNTAX_DEPTH_MAX];
	struct scanner sc = { .p = ld->text, .line = 1 };
	struct level *top = stack;
	enum tok t;

	if (ld->text == NULL)
		return;
	memset(top, 0, sizeof(*top));
	top->kind = '{';
	for (;;) {
		t = next_token(&sc);
		if (top->kind == '{' && top->state == AFTER_VALUE) {
			if (t == TOK_STRING)
				continue;      /* "a" "b" is one string */
			if (t == TOK_PUNCT && (sc.punct == ';' || sc.punct == ',')) {
				top->state = EXPECT_NAME;
				continue;
			}
			missing_terminator(ld, top);
			top->state = EXPECT_NAME;
		}
		if (t == TOK_END)
			return;
		if (t == TOK_PUNCT && (sc.punct == '}' || sc.punct == ')' ||
				       sc.punct == ']')) {
			if (top == stack)
				return;
			top--;
			top->value_line = sc.tok_line;
			continue;
		}
		if (top->kind != '{') {
			if (t == TOK_PUNCT && strchr("{([", sc.punct) != NULL)
				goto open;
			continue;
		}
		switch (top->state) {
		case EXPECT_NAME:
			if (t == TOK_WORD) {
				memcpy(top->name, sc.word, sizeof(top->name));
				top->state = EXPECT_EQ;
			}
			break;
		case EXPECT_EQ:
			top->state = EXPECT_VALUE;
			break;
		case EXPECT_VALUE:
			top->state = AFTER_VALUE;
			top->value_line = sc.tok_line;
			if (t == TOK_PUNCT && strchr("{([", sc.punct) != NULL)
				goto open;
			break;
		case AFTER_VALUE:
			break;
		}
		continue;
open:
		if (top == &stack[SYNTAX_DEPTH_MAX - 1])
			return;
		top++;
		memset(top, 0, sizeof(*top));
		top->kind = sc.punct;
	}
}
