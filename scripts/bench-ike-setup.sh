#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# IKE setup rate (IKE_SA + CHILD_SA per responder CPU-second) of ipsecgw and
# strongSwan's charon against the same load, in one run; a ping through the
# gateway meanwhile checks the data plane. Needs root, a build with
# app/ipsecgw-ikeload, and strongSwan (scripts/setup-interop.sh).
#   IPSECGW_BUILD=build scripts/bench-ike-setup.sh [--duration 10] [--window 16]
#       [--groups curve25519,ecp256,modp2048] [--json out.json]
# Takes about (duration + 8 s) x 2 per group: a few minutes by default.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/bench/ike_setup.py" "$@"
