#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench-compare.sh: ipsecgw against DPDK's ipsec-secgw example, on this
# machine, same traffic, one worker lcore each; prints both rates, their
# ratio, and draws a chart. Not part of the test suite. See
# docs/bench-compare.md for the method, the caveats and measured figures.
#
#   scripts/bench-compare.sh [--duration S] [--warmup S] [--rounds N]
#                            [--sizes 64,imix,1420] [--dirs enc,dec]
#                            [--apps secgw,ipsecgw] [--quiet-wait S]
#                            [--quiet-max CORES] [--min-worker CORES]
#                            [--retries N] [--huge] [--rebuild]
#                            [--build-dir DIR] [--work-dir DIR]
#                            [--crypto-limit FILE]
#
# Each run starts one application alone with a replaying net_pcap source
# (rx_pcap=F,infinite_rx=1) as its input port and a net_null sink (no-rx=1)
# as its output port; both apps use lcore 0 for their main/control thread
# (which sleeps) and lcore 1 as the only worker. The rate is read from DPDK
# telemetry (/ethdev/stats of the sink port, opackets) for both apps, at t0
# after a warm-up and at t0 + duration. Rounds interleave the apps (ABBA...)
# and the report gives medians.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=/usr/bin/python3
BENCH="$ROOT/scripts/bench"

DURATION=10
WARMUP=3
ROUNDS=3
SIZES=64,imix,1420
DIRS=enc,dec
APPS=secgw,ipsecgw
QUIET_WAIT=30
QUIET_MAX=0.3
MIN_WORKER=0.97
RETRIES=2
HUGE=0
REBUILD=0
BUILD_DIR=${IPSECGW_BUILD_DIR:-$ROOT/build}
WORK=${BENCH_WORK_DIR:-$ROOT/build-bench}
CRYPTO_LIMIT=""
MTU=1600
MEM_MB=1024

usage() { sed -n '4,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case "$1" in
	--duration) DURATION=$2; shift 2 ;;
	--warmup) WARMUP=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--sizes) SIZES=$2; shift 2 ;;
	--dirs) DIRS=$2; shift 2 ;;
	--apps) APPS=$2; shift 2 ;;
	--quiet-wait) QUIET_WAIT=$2; shift 2 ;;
	--quiet-max) QUIET_MAX=$2; shift 2 ;;
	--min-worker) MIN_WORKER=$2; shift 2 ;;
	--retries) RETRIES=$2; shift 2 ;;
	--huge) HUGE=1; shift ;;
	--rebuild) REBUILD=1; shift ;;
	--build-dir) BUILD_DIR=$2; shift 2 ;;
	--work-dir) WORK=$2; shift 2 ;;
	--crypto-limit) CRYPTO_LIMIT=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "bench-compare: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
[ -n "$CRYPTO_LIMIT" ] || CRYPTO_LIMIT="$BUILD_DIR/bench/crypto-limit.csv"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "bench-compare: --rounds must be >= 1" >&2; exit 2; }
for s in ${SIZES//,/ }; do
	[[ "$s" == imix || ("$s" =~ ^[0-9]+$ && "$s" -ge 64 && "$s" -le 1518) ]] ||
		{ echo "bench-compare: size '$s': 64..1518 (frame bytes) or imix" >&2; exit 2; }
done
for d in ${DIRS//,/ }; do
	[[ "$d" == enc || "$d" == dec ]] || { echo "bench-compare: --dirs takes enc,dec" >&2; exit 2; }
done
for a in ${APPS//,/ }; do
	[[ "$a" == secgw || "$a" == ipsecgw ]] || { echo "bench-compare: --apps takes secgw,ipsecgw" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "bench-compare: run as root (DPDK)" >&2; exit 1; }

log() { printf '%s bench-compare: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- cleanup: only the processes this script started ------------------------
APP_PID=""
PREFIXES=()
stop_app() {
	local pid=$APP_PID
	[ -n "$pid" ] || return 0
	APP_PID=""
	if kill -0 "$pid" 2>/dev/null; then
		kill -INT "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid" 2>/dev/null || true; }
	fi
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	local rc=$?
	stop_app
	for p in "${PREFIXES[@]}"; do rm -rf "/var/run/dpdk/$p"; done
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- prerequisites ----------------------------------------------------------
need_pkgs=()
[ -x "$PY" ] && $PY -c 'import scapy' 2>/dev/null || need_pkgs+=(python3-scapy python3-cryptography)
command -v gnuplot >/dev/null || need_pkgs+=(gnuplot-nox)
[ -d /usr/share/dpdk/examples/ipsec-secgw ] || need_pkgs+=(dpdk-doc)
pkg-config --exists libdpdk 2>/dev/null || need_pkgs+=(libdpdk-dev)
if [ ${#need_pkgs[@]} -gt 0 ]; then
	log "installing ${need_pkgs[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y "${need_pkgs[@]}" >&2
fi

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

# ipsec-secgw, patched copy (see scripts/bench/build-secgw.sh)
SECGW=$("$BENCH/build-secgw.sh" "$WORK/secgw")

# ipsecgw
GW="$BUILD_DIR/app/ipsecgw/ipsecgw"
GWCTL="$BUILD_DIR/app/ipsecgw-ctl/ipsecgw-ctl"
build_gw() {
	local try
	for try in 1 2 3; do
		if { [ -f "$BUILD_DIR/build.ninja" ] || meson setup "$BUILD_DIR" "$ROOT" >&2; } &&
			ninja -C "$BUILD_DIR" >&2; then
			return 0
		fi
		log "ipsecgw build failed (try $try/3; the tree may be mid-edit): retrying in 120 s"
		sleep 120
	done
	return 1
}
if [ "$REBUILD" = 1 ] || [ ! -x "$GW" ] || [ ! -x "$GWCTL" ]; then
	log "building ipsecgw in $BUILD_DIR"
	build_gw || { log "cannot build ipsecgw"; exit 1; }
fi

# EAL memory
if [ "$HUGE" = 1 ]; then
	free_pages=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	size_kb=$(awk '/Hugepagesize/ {print $2}' /proc/meminfo)
	if [ $((free_pages * size_kb / 1024)) -lt $MEM_MB ] || ! grep -q hugetlbfs /proc/mounts; then
		log "--huge needs ${MEM_MB} MiB of free hugepages and a hugetlbfs mount, e.g.:"
		log "  echo 600 > /proc/sys/vm/nr_hugepages; mount -t hugetlbfs nodev /dev/hugepages"
		exit 1
	fi
	EAL_MEM=(-m "$MEM_MB" --huge-unlink)
else
	# --no-huge cannot be combined with --in-memory on DPDK 22.11
	EAL_MEM=(--no-huge -m "$MEM_MB")
fi

# --- keys and traffic -------------------------------------------------------
# Benchmark-only keys, made once per work dir (AES-256 key + 4-byte salt).
KEYS="$WORK/keys"
if [ ! -s "$KEYS" ]; then
	umask 077
	{ echo "KEY_OUT=$(openssl rand -hex 36)"; echo "KEY_IN=$(openssl rand -hex 36)"; } > "$KEYS"
	umask 022
fi
# shellcheck disable=SC1090
. "$KEYS"
colons() { sed 's/../&:/g; s/:$//' <<<"$1"; }

PCAPS="$WORK/pcap"
mkdir -p "$PCAPS"
GEN_SUM=$(sha256sum "$BENCH/gen_pcap.py" | cut -c1-12)
# Frames are addressed to the input port's MAC: net_pcap gives the first
# (here the only) pcap device of a process 02:70:63:61:70:00 ("pcap" + 0).
PCAP_MAC=02:70:63:61:70:00
pcap_for() { # dir size -> path (generated when missing or stale)
	local dir=$1 size=$2 f
	if [ "$dir" = enc ]; then
		f="$PCAPS/plain-$size.pcap"
	else
		f="$PCAPS/esp-$size.pcap"
	fi
	if [ ! -s "$f" ] || [ "$(cat "$f.stamp" 2>/dev/null)" != "$GEN_SUM $KEY_IN" ]; then
		if [ "$dir" = enc ]; then
			$PY "$BENCH/gen_pcap.py" --mode plain --size "$size" --dst-mac "$PCAP_MAC" --out "$f" > "$f.json"
		else
			$PY "$BENCH/gen_pcap.py" --mode esp --size "$size" --dst-mac "$PCAP_MAC" --key "$KEY_IN" \
				--spi 0x2001 --out "$f" > "$f.json"
		fi
		echo "$GEN_SUM $KEY_IN" > "$f.stamp"
	fi
	echo "$f"
}

# --- results directory ------------------------------------------------------
STAMP=$(date +%Y%m%d-%H%M%S)
RES="$WORK/results/$STAMP"
mkdir -p "$RES/runs"
ln -sfn "$STAMP" "$WORK/results/latest"
RUNS="$RES/runs.jsonl"
: > "$RUNS"

# --- per-app configuration ---------------------------------------------------
# Port layout, both apps, both directions: the protected port is port 0 and
# the unprotected port is port 1 (vdev probe order). Encrypt: net_pcap
# (plaintext) protected -> net_null unprotected. Decrypt: net_pcap (ESP)
# unprotected -> net_null protected. The net_pcap port gets two tx_pcap=
# /dev/null queues only because ipsec-secgw sets up one TX queue per lcore
# on every port (net_pcap has as many TX queues as tx_ args); nothing is
# ever sent on it in these runs.
vdevs_for() { # dir pcap
	local pcapdev="net_pcap0,rx_pcap=$2,tx_pcap=/dev/null,tx_pcap=/dev/null,infinite_rx=1"
	local nulldev="net_null0,no-rx=1"
	if [ "$1" = enc ]; then
		echo "$pcapdev $nulldev"
	else
		echo "$nulldev $pcapdev"
	fi
}

write_secgw_cfg() { # file
	cat > "$1" <<EOF
# ipsec-secgw configuration written by scripts/bench-compare.sh (benchmark keys)
# SPIs are decimal in this syntax: 4097 = 0x1001, 8193 = 0x2001 (as in ipsecgw)
sa out 4097 aead_algo aes-256-gcm aead_key $(colons "$KEY_OUT") mode ipv4-tunnel src 192.0.2.1 dst 192.0.2.2 type cpu-crypto
sa in 8193 aead_algo aes-256-gcm aead_key $(colons "$KEY_IN") mode ipv4-tunnel src 192.0.2.2 dst 192.0.2.1 type cpu-crypto
sp ipv4 out esp protect 4097 pri 1 dst 10.2.0.0/16 sport 0:65535 dport 0:65535
sp ipv4 in esp protect 8193 pri 1 dst 10.1.0.0/16 sport 0:65535 dport 0:65535
rt ipv4 dst 192.0.2.2/32 port 1
rt ipv4 dst 10.1.0.0/16 port 0
neigh port 0 02:00:00:00:be:01
neigh port 1 02:00:00:00:be:fe
EOF
}

write_gw_cfg() { # file dir pcap prefix sock
	local f=$1 dir=$2 pcap=$3 prefix=$4 sock=$5 lan wan eal="" a
	for a in --no-pci "${EAL_MEM[@]}" "--file-prefix=$prefix" "--log-level=*:notice"; do
		eal+="\"$a\", "
	done
	for a in $(vdevs_for "$dir" "$pcap"); do eal+="\"--vdev=$a\", "; done
	if [ "$dir" = enc ]; then lan=net_pcap0; wan=net_null0; else lan=net_null0; wan=net_pcap0; fi
	cat > "$f" <<EOF
# ipsecgw configuration written by scripts/bench-compare.sh (benchmark keys)
eal = { args = [ ${eal%, } ]; };
lcores = { control = 0; workers = [ 1 ]; idle = "sleep"; };
ports = {
	lan = { device = "$lan"; role = "protected"; address = "10.0.0.1/24"; mtu = $MTU; };
	wan = { device = "$wan"; role = "unprotected"; address = "192.0.2.1/24"; mtu = $MTU; };
};
routes = ( { dst = "10.1.0.0/16"; via = "10.0.0.254"; port = "lan"; } );
neighbors = (
	{ address = "192.0.2.2"; mac = "02:00:00:00:be:fe"; port = "wan"; },
	{ address = "10.0.0.254"; mac = "02:00:00:00:be:01"; port = "lan"; }
);
sas = {
	bench-out = { direction = "out"; spi = 0x1001; local = "192.0.2.1"; remote = "192.0.2.2";
		local_ts = "10.1.0.0/16"; remote_ts = "10.2.0.0/16";
		aead = "aes256gcm16"; key = "0x$KEY_OUT"; esn = false; };
	bench-in = { direction = "in"; spi = 0x2001; local = "192.0.2.1"; remote = "192.0.2.2";
		local_ts = "10.1.0.0/16"; remote_ts = "10.2.0.0/16";
		aead = "aes256gcm16"; key = "0x$KEY_IN"; esn = false; replay_window = 0; };
};
control = { socket = "$sock"; };
EOF
}

# Waits until the rest of the machine uses less than QUIET_MAX cores (over
# 1 s), at most QUIET_WAIT seconds; prints the last figure.
wait_quiet() {
	local waited=0 busy
	while :; do
		busy=$(awk 'NR==1 {b=$2+$3+$4+$7+$8+$9; t=b+$5+$6; print b, t}' /proc/stat)
		sleep 1
		busy=$(awk -v p="$busy" -v hz="$(getconf CLK_TCK)" 'NR==1 {
			split(p, a, " "); b=$2+$3+$4+$7+$8+$9; printf "%.2f", (b-a[1])/hz }' /proc/stat)
		if awk -v b="$busy" -v m="$QUIET_MAX" 'BEGIN {exit !(b <= m)}' ||
			[ "$waited" -ge "$QUIET_WAIT" ]; then
			echo "$busy"
			return
		fi
		waited=$((waited + 1))
	done
}

# --- one measurement ----------------------------------------------------------
run_one() { # round app dir size
	local round=$1 app=$2 dir=$3 size=$4 pcap prefix sock tag log cmdf pre res
	local src_port sink_port extra=()
	pcap=$(pcap_for "$dir" "$size")
	prefix="bc-$app-$$"
	PREFIXES+=("$prefix")
	tag="r$round-$dir-$size-$app"
	log="$RES/runs/$tag.log"
	cmdf="$RES/runs/$tag.cmd"
	if [ "$dir" = enc ]; then src_port=0; sink_port=1; else src_port=1; sink_port=0; fi

	pre=$(wait_quiet)
	rm -rf "/var/run/dpdk/$prefix"
	if [ "$app" = secgw ]; then
		write_secgw_cfg "$RES/secgw.cfg"
		local vd=()
		for a in $(vdevs_for "$dir" "$pcap"); do vd+=(--vdev "$a"); done
		local cmd=("$SECGW" -l 0,1 --main-lcore 0 --no-pci "${EAL_MEM[@]}" "--file-prefix=$prefix"
			"--log-level=*:notice" "${vd[@]}" --vdev crypto_aesni_gcm0
			-- -p 0x3 -P -u 0x2 -l --mtu "$MTU" "--config=(0,0,1),(1,0,1)" -f "$RES/secgw.cfg")
		printf '%q ' "${cmd[@]}" > "$cmdf"
		"${cmd[@]}" > "$log" 2>&1 < /dev/null &
		APP_PID=$!
	else
		sock="$WORK/run/gw-$$.sock"
		mkdir -p "$WORK/run"
		write_gw_cfg "$RES/ipsecgw-$dir.conf" "$dir" "$pcap" "$prefix" "$sock"
		local cmd=("$GW" -c "$RES/ipsecgw-$dir.conf")
		printf '%q ' "${cmd[@]}" > "$cmdf"
		"${cmd[@]}" > "$log" 2>&1 < /dev/null &
		APP_PID=$!
	fi

	if ! res=$($PY "$BENCH/measure.py" --sock "/var/run/dpdk/$prefix/dpdk_telemetry.v2" \
		--pid "$APP_PID" --src-dev net_pcap0 --sink-dev net_null0 \
		--src-port "$src_port" --sink-port "$sink_port" \
		--warmup "$WARMUP" --duration "$DURATION" --start-timeout 20 2>>"$log"); then
		log "$tag: measurement failed; last lines of $log:"
		tail -5 "$log" >&2
		res='{"error": "measurement failed"}'
	fi
	if [ "$app" = ipsecgw ] && kill -0 "$APP_PID" 2>/dev/null; then
		"$GWCTL" -s "$sock" --json show stats > "$RES/runs/$tag.stats.json" 2>/dev/null || true
		"$GWCTL" -s "$sock" --json show ports > "$RES/runs/$tag.ports.json" 2>/dev/null || true
	fi
	stop_app
	rm -rf "/var/run/dpdk/$prefix"
	$PY - "$res" "$round" "$app" "$dir" "$size" "$pre" >> "$RUNS" <<'EOF'
import json, sys
r = json.loads(sys.argv[1])
r.update(round=int(sys.argv[2]), app=sys.argv[3], dir=sys.argv[4], size=sys.argv[5],
         busy_before_cores=float(sys.argv[6]))
print(json.dumps(r))
EOF
	$PY - "$res" "$tag" "$pre" <<'EOF' >&2
import json, sys
r = json.loads(sys.argv[1])
if "error" in r:
    print(f"  {sys.argv[2]:<24} ERROR {r['error']}")
else:
    w = sum(v for k, v in r["app_threads_cpu_cores"].items() if k.startswith("rte-worker"))
    loss = "" if r["rx_packets"] == 0 or r["tx_packets"] >= 0.99 * r["rx_packets"] else \
        f"  LOSS: tx {r['tx_packets']} of rx {r['rx_packets']}"
    print(f"  {sys.argv[2]:<24} {r['tx_mpps']:7.3f} Mpps  worker {w:.2f} cores,"
          f" others {r['other_cpu_cores']:.2f} (before {float(sys.argv[3]):.2f}){loss}")
EOF
}

# --- environment record ---------------------------------------------------------
{
	echo "date: $(date -Is)"
	echo "host: $(uname -srm), $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
	echo "debian: $(cat /etc/debian_version)"
	echo "dpdk (libdpdk-dev): $(dpkg-query -W -f '${Version}' libdpdk-dev 2>/dev/null)"
	echo "dpdk-doc (ipsec-secgw source): $(dpkg-query -W -f '${Version}' dpdk-doc 2>/dev/null)"
	echo "intel-ipsec-mb: $(dpkg-query -W -f '${Version}' libipsec-mb1 2>/dev/null || echo '?')"
	echo "ipsecgw: $GW ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ', tree modified'); binary $(date -r "$GW" -Is))"
	echo "ipsec-secgw: $SECGW (patch: $WORK/secgw/secgw.patch)"
	echo "duration ${DURATION}s, warm-up ${WARMUP}s, rounds $ROUNDS, sizes $SIZES, dirs $DIRS"
	echo "eal memory: ${EAL_MEM[*]}; MTU $MTU on both ports of both apps"
	echo "sizes are Ethernet frame sizes including the 4-byte FCS (IP packet = frame - 18);"
	echo "for dec the size is the inner (plaintext) frame; the ESP frame is ~54-57 bytes longer"
} > "$RES/env.txt"
cp "$WORK/secgw/secgw.patch" "$RES/" 2>/dev/null || true

log "results in $RES"
log "sizes are Ethernet frame sizes with FCS (IPv4 packet = frame - 18 bytes)"
for round in $(seq "$ROUNDS"); do
	# alternate which app goes first: A B, B A, A B, ...
	order=${APPS//,/ }
	if [ $((round % 2)) = 0 ]; then order=$(tr ' ' '\n' <<<"$order" | tac | tr '\n' ' '); fi
	for dir in ${DIRS//,/ }; do
		for size in ${SIZES//,/ }; do
			for app in $order; do
				log "round $round/$ROUNDS: $dir $size $app"
				run_one "$round" "$app" "$dir" "$size"
			done
		done
	done
done

limit_arg=()
[ -f "$CRYPTO_LIMIT" ] && limit_arg=(--crypto-limit "$CRYPTO_LIMIT")
$PY "$BENCH/summarize.py" --runs "$RUNS" --out "$RES" --sizes "$SIZES" --dirs "$DIRS" \
	"${limit_arg[@]}"
if command -v gnuplot >/dev/null && [ -f "$RES/chart.gp" ]; then
	if gnuplot "$RES/chart.gp" 2>"$RES/gnuplot.log"; then
		log "chart: $RES/chart.png"
	else
		log "gnuplot failed (see $RES/gnuplot.log)"
	fi
fi
log "done: $RES/summary.csv $RES/summary.json $RES/runs.jsonl"
