#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Builds DPDK's ipsec-secgw example from Debian's dpdk-doc package, patched
# for the benchmark on virtual ports, into DIR (default build-bench/secgw).
# Prints the path of the binary on stdout; everything else goes to stderr.
#
# The package files are never modified: the sources are copied to DIR/src
# and patched there with sed. Patches (each checked after it is applied):
#   1. port_conf: mq_mode RTE_ETH_MQ_RX_RSS -> RTE_ETH_MQ_RX_NONE and
#      rxmode.offloads RTE_ETH_RX_OFFLOAD_CHECKSUM -> 0. net_pcap and
#      net_null report no RSS and no RX checksum offload; unpatched, port
#      configuration fails.
#   2. main lcore sleeps: with --config mapping every queue to lcore 1, the
#      main lcore has no queue, returns from its launch function at once and
#      then busy-waits in rte_eal_wait_lcore() (rte_pause() loop) until the
#      workers stop, stealing a vCPU from the worker on a 2-vCPU machine.
#      The patch makes it poll rte_eal_get_lcore_state() with usleep(1000)
#      (1 ms, the same period as ipsecgw's control loop, which waits in
#      poll(..., 1)) before calling rte_eal_wait_lcore().
# Nothing on the packet path is changed.
#
# Usage: build-secgw.sh [DIR]    (idempotent: rebuilds only when the
#                                 package or this script changed)
set -euo pipefail

DIR=${1:-build-bench/secgw}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

log() { echo "build-secgw: $*" >&2; }

if [ ! -d /usr/share/dpdk/examples/ipsec-secgw ]; then
	log "installing dpdk-doc (ipsec-secgw example sources)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y dpdk-doc >&2
fi
SRC_PKG=$(dirname "$(readlink -f /usr/share/dpdk/examples/ipsec-secgw/ipsec-secgw.c)")
[ -f "$SRC_PKG/ipsec-secgw.c" ] || { log "no ipsec-secgw sources under $SRC_PKG"; exit 1; }
if ! pkg-config --exists libdpdk 2>/dev/null; then
	log "libdpdk-dev (pkg-config libdpdk) is missing"
	exit 1
fi

PKG_VER=$(dpkg-query -W -f '${Version}' dpdk-doc 2>/dev/null || echo unknown)
SELF_SUM=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
STAMP="dpdk-doc=$PKG_VER libdpdk=$(pkg-config --modversion libdpdk) script=$SELF_SUM"
BIN="$DIR/src/ipsec-secgw/build/ipsec-secgw"

if [ -x "$BIN" ] && [ "$(cat "$DIR/stamp" 2>/dev/null)" = "$STAMP" ]; then
	log "up to date ($STAMP)"
	echo "$BIN"
	exit 0
fi

log "copying $SRC_PKG (and ../common) to $DIR/src"
rm -rf "$DIR/src"
mkdir -p "$DIR/src"
cp -a "$SRC_PKG" "$DIR/src/ipsec-secgw"
# the example's Makefile adds -I../common
if [ -d "$SRC_PKG/../common" ]; then
	cp -a "$SRC_PKG/../common" "$DIR/src/common"
fi
chmod -R u+w "$DIR/src"
S="$DIR/src/ipsec-secgw/ipsec-secgw.c"

# 1. port_conf for virtual ports
sed -i -e '/^static struct rte_eth_conf port_conf = {/,/^};/{
s/\.mq_mode[[:space:]]*= RTE_ETH_MQ_RX_RSS,/.mq_mode\t= RTE_ETH_MQ_RX_NONE, \/* bench-compare: virtual ports *\//
s/\.offloads = RTE_ETH_RX_OFFLOAD_CHECKSUM,/.offloads = 0, \/* bench-compare: no RX offloads *\//
}' "$S"
grep -q 'RTE_ETH_MQ_RX_NONE, /\* bench-compare' "$S" ||
	{ log "patch 1 (mq_mode) did not apply"; exit 1; }
grep -q '\.offloads = 0, /\* bench-compare' "$S" ||
	{ log "patch 1 (rx offloads) did not apply"; exit 1; }

# 2. the main lcore sleeps while the workers run
perl -0pi -e 's/(\tRTE_LCORE_FOREACH_WORKER\(lcore_id\) \{\n)(\t\tif \(rte_eal_wait_lcore\(lcore_id\) < 0\)\n\t\t\treturn -1;)/$1\t\t\/* bench-compare: sleep, do not spin in rte_eal_wait_lcore() *\/\n\t\twhile (rte_eal_get_lcore_state(lcore_id) == RUNNING)\n\t\t\tusleep(1000);\n$2/' "$S"
grep -q 'bench-compare: sleep' "$S" || { log "patch 2 (sleeping main lcore) did not apply"; exit 1; }
grep -q '#include <unistd.h>' "$S" || sed -i '0,/#include <stdio.h>/s//#include <stdio.h>\n#include <unistd.h>/' "$S"

log "building (make, pkg-config libdpdk)"
make -C "$DIR/src/ipsec-secgw" -j2 shared >"$DIR/make.log" 2>&1 ||
	{ tail -30 "$DIR/make.log" >&2; log "make failed (log: $DIR/make.log)"; exit 1; }
[ -x "$BIN" ] || { log "no binary after make"; exit 1; }
diff -u "$SRC_PKG/ipsec-secgw.c" "$S" > "$DIR/secgw.patch" || true
echo "$STAMP" > "$DIR/stamp"
log "built $BIN ($STAMP); applied patch in $DIR/secgw.patch"
echo "$BIN"
