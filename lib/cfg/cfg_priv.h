/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Private to lib/cfg: the loader's state and the typed getters every
 * section parser uses. A getter that finds a problem reports it (with the
 * setting's line and path) and returns -1; the caller moves on to the next
 * setting so that one run shows as many errors as possible.
 */
#ifndef CFG_PRIV_H
#define CFG_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <libconfig.h>

#include "gw_cfg.h"

struct cfg_loader {
	struct gw_cfg *cfg;
	struct gw_diag *diag;
	const char *text;          /**< the main file, to re-read integer literals */
	bool ports_ok;             /**< ports parsed cleanly: address checks mean something */
};

/** A string value allowed for a setting and what it stands for. */
struct cfg_enum {
	const char *name;
	int value;
};

void cfg_report(struct cfg_loader *ld, enum gw_diag_kind kind,
		const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define cfg_error(ld, s, ...) cfg_report(ld, GW_DIAG_ERROR, s, __VA_ARGS__)
#define cfg_warn(ld, s, ...) cfg_report(ld, GW_DIAG_WARNING, s, __VA_ARGS__)

int cfg_line(const config_setting_t *s);

/** Reports every member of group whose name is not in allowed (NULL-ended). */
void cfg_check_keys(struct cfg_loader *ld, const config_setting_t *group,
		    const char *const allowed[]);

/** The member name of group; reports it missing when required. */
config_setting_t *cfg_member(struct cfg_loader *ld,
			     const config_setting_t *group, const char *name,
			     bool required);

/** Type checks: 0, or -1 after reporting "expected <what>, found <type>". */
int cfg_want_group(struct cfg_loader *ld, const config_setting_t *s);
int cfg_want_list(struct cfg_loader *ld, const config_setting_t *s);

int cfg_string(struct cfg_loader *ld, const config_setting_t *s,
	       const char **out);
int cfg_bool(struct cfg_loader *ld, const config_setting_t *s, bool *out);
int cfg_uint(struct cfg_loader *ld, const config_setting_t *s, uint64_t min,
	     uint64_t max, uint64_t *out);
int cfg_enum(struct cfg_loader *ld, const config_setting_t *s,
	     const struct cfg_enum *names, int *out);
/** Copies a string into a fixed buffer, reporting one that does not fit. */
int cfg_copy_name(struct cfg_loader *ld, const config_setting_t *s,
		  const char *str, char *dst, size_t size);

/**
 * A setting that may be one string or a list/array of strings: fills
 * out[] with the string settings (s itself for a single string) and
 * returns how many, or -1 after reporting.
 */
int cfg_strings(struct cfg_loader *ld, const config_setting_t *s,
		const config_setting_t *out[], unsigned max);

/** Parses a prefix with gw_prefix_parse, explaining what is wrong. */
int cfg_prefix(struct cfg_loader *ld, const config_setting_t *s,
	       struct gw_prefix *p);
int cfg_addr(struct cfg_loader *ld, const config_setting_t *s,
	     struct gw_addr *a);

const char *cfg_family_name(uint8_t family);

/** An integer as written in the text, or -1 if it cannot be found. */
int cfg_int_literal(const struct cfg_loader *ld, const config_setting_t *s,
		    long long seen, long long *value, bool *overflow);

/** Reports settings in the main text that lack their ';'. */
void cfg_check_terminators(struct cfg_loader *ld);

/** Edit distance of two names (UINT_MAX past GW_NAME_MAX), for did-you-mean. */
unsigned cfg_edit_distance(const char *a, const char *b);

/** Section parsers, in the order gw_cfg_load runs them. */
void cfg_parse_sas(struct cfg_loader *ld, const config_setting_t *sas);
void cfg_parse_policies(struct cfg_loader *ld, const config_setting_t *list);
/** `connections` and `secrets` (either may be NULL), then their cross checks. */
void cfg_parse_ike(struct cfg_loader *ld, const config_setting_t *conns,
		   const config_setting_t *secrets);
/** Frees connections and wipes secrets; part of gw_cfg_free. */
void cfg_free_ike(struct gw_cfg *cfg);

#endif /* CFG_PRIV_H */
