/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A minimal unit-test harness: suites of cases with optional setup and
 * teardown, table-driven cases welcome. Each test binary has one main()
 * made by GW_TEST_MAIN listing its suites; exit status is the failure count
 * (0 = pass), as meson expects.
 */
#ifndef GW_TEST_H
#define GW_TEST_H

#include <stdio.h>
#include <string.h>

struct gw_test_case {
	const char *name;
	int (*fn)(void);           /**< 0 = pass */
};

struct gw_test_suite {
	const char *name;
	int (*setup)(void);        /**< optional; non-zero skips the suite as failed */
	void (*teardown)(void);    /**< optional */
	const struct gw_test_case *cases; /**< terminated by { NULL, NULL } */
};

/** Fails the current case with file:line and a message. */
#define GW_CHECK(cond, ...)                                                    \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, \
				__LINE__, #cond);                              \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			return -1;                                             \
		}                                                              \
	} while (0)

#define GW_CHECK_EQ(a, b)                                                      \
	GW_CHECK((a) == (b), "%lld != %lld", (long long)(a), (long long)(b))

#define GW_CHECK_MEM(a, b, n)                                                  \
	GW_CHECK(memcmp((a), (b), (n)) == 0, "%zu bytes differ", (size_t)(n))

static inline int
gw_test_run_suite(const struct gw_test_suite *s)
{
	int failed = 0, passed = 0;

	if (s->setup && s->setup() != 0) {
		fprintf(stderr, "suite %s: setup failed\n", s->name);
		return 1;
	}
	for (const struct gw_test_case *c = s->cases; c->name; c++) {
		int rc = c->fn();

		printf("%s %s/%s\n", rc == 0 ? "PASS" : "FAIL", s->name, c->name);
		if (rc == 0)
			passed++;
		else
			failed++;
	}
	if (s->teardown)
		s->teardown();
	printf("suite %s: %d passed, %d failed\n", s->name, passed, failed);
	return failed;
}

/** Defines main() running the listed suites (pointers to gw_test_suite). */
#define GW_TEST_MAIN(...)                                                      \
	int main(void)                                                         \
	{                                                                      \
		const struct gw_test_suite *suites[] = { __VA_ARGS__ };        \
		int failed = 0;                                                \
		for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) \
			failed += gw_test_run_suite(suites[i]);                \
		return failed > 0;                                             \
	}

#endif /* GW_TEST_H */
