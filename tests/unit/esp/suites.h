/* SPDX-License-Identifier: BSD-3-Clause */
/* The suites of the test_esp binary, one file each. */
#ifndef SUITES_H
#define SUITES_H

#include "gw_test.h"

extern const struct gw_test_suite suite_crypto;
extern const struct gw_test_suite suite_replay;
extern const struct gw_test_suite suite_esp;

#endif /* SUITES_H */
