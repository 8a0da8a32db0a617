#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Builds ipsecgw (scripts/setup.sh) and runs every test suite: unit tests,
# the end-to-end suites in network namespaces and the strongSwan interop
# suite (those need root; as another user they are reported as skipped).
# Exits with the tests' status.
#
#   scripts/test.sh                      # everything
#   scripts/test.sh --suite e2e          # extra arguments go to meson test
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD_DIR=${BUILD_DIR:-build}

bash scripts/setup.sh
# strongSwan, the independent IKE peer of the interop suite (as root only:
# without root the suite skips anyway)
if [[ $(id -u) -eq 0 ]]; then
	bash scripts/setup-interop.sh
fi

rc=0
meson test -C "$BUILD_DIR" --print-errorlogs "$@" || rc=$?

# One closing line with the counts, from meson's machine-readable log.
log=$BUILD_DIR/meson-logs/testlog.json
if [[ -f $log ]]; then
	/usr/bin/python3 - "$log" <<'EOF' || true
import json, sys
counts = {}
with open(sys.argv[1]) as f:
    for line in f:
        if line.strip():
            r = json.loads(line)["result"]
            counts[r] = counts.get(r, 0) + 1
passed = counts.get("OK", 0) + counts.get("EXPECTEDFAIL", 0)
skipped = counts.get("SKIP", 0)
failed = sum(counts.values()) - passed - skipped
print(f"meson: {passed} passed, {failed} failed, {skipped} skipped")
EOF
fi
exit $rc
