#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench-compare.sh: ipsecgw against DPDK's ipsec-secgw example on this
# machine: same traffic, same ports, one worker lcore each. Prints both
# rates and their ratio, writes CSV/JSON and a gnuplot chart. Not part of
# the test suite. Method, caveats and measured figures: docs/bench-compare.md.
#
# Each run starts one application alone. Its input port is a net_pcap vdev
# replaying a scapy-made capture forever (rx_pcap=F,infinite_rx=1), its
# output port a net_null sink (no-rx=1). Both apps run their main/control
# thread on lcore 0 (sleeping: ipsec-secgw is patched for that, see
# scripts/bench/build-secgw.sh) and their only worker on lcore 1. The rate
# is the sink port's TX packet counter read through DPDK telemetry
# (/ethdev/stats) for both apps, at t0 after a warm-up and at t0+duration.
# Rounds alternate which app goes first; the report gives medians.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: scripts/bench-compare.sh [options]
  --duration S        measurement window per run (default 10)
  --warmup S          seconds between first packet out and t0 (default 3)
  --rounds N          rounds; each runs every case once per app (default 3)
  --sizes LIST        frame sizes incl. FCS, 64..1518, or imix (default 64,imix,1420)
  --dirs LIST         enc (protected->unprotected), dec (the reverse) (default enc,dec)
  --apps LIST         secgw,ipsecgw (default both)
  --mem huge|nohuge   EAL memory: hugepages (reserved for the run if needed
                      and given back after) or --no-huge (default huge)
  --quiet-wait S      before each run, wait up to S s for the rest of the
                      machine to use <= --quiet-max cores (default 30)
  --quiet-max CORES   (default 0.4)
  --min-worker CORES  a run is clean when its worker thread got at least this
                      much CPU and the rest of the machine used <= --quiet-max
                      (default 0.97); medians use clean runs when there are any
  --retries N         re-run a noisy case up to N times (default 2)
  --build-dir DIR     ipsecgw build directory (default build; built if missing)
  --rebuild           run ninja in --build-dir first
  --gw-rev REV        instead of --build-dir: build ipsecgw as committed at REV
                      (git archive, into the work dir), so that parallel edits
                      and rebuilds of build/ cannot change the binary mid-run
  --work-dir DIR      pcaps, ipsec-secgw build, results (default build-bench)
  --crypto-limit F    CSV size,mpps[,dir] of the raw one-core AES-GCM limit,
                      drawn as a third bar (default build/bench/crypto-limit.csv
                      when it exists)
EOF
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=/usr/bin/python3          # Debian's interpreter, with python3-scapy
BENCH="$ROOT/scripts/bench"

DURATION=10
WARMUP=3
ROUNDS=3
SIZES=64,imix,1420
DIRS=enc,dec
APPS=secgw,ipsecgw
MEM=huge
QUIET_WAIT=30
QUIET_MAX=0.4
MIN_WORKER=0.97
RETRIES=2
REBUILD=0
BUILD_DIR=$ROOT/build
WORK=$ROOT/build-bench
CRYPTO_LIMIT=""
GW_REV=""
MTU=1600      # >= 1500 + ESP tunnel overhead (IMIX 1518-byte frames)
MEM_MB=512    # per application; one runs at a time

while [ $# -gt 0 ]; do
	case "$1" in
	--duration) DURATION=$2; shift 2 ;;
	--warmup) WARMUP=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--sizes) SIZES=$2; shift 2 ;;
	--dirs) DIRS=$2; shift 2 ;;
	--apps) APPS=$2; shift 2 ;;
	--mem) MEM=$2; shift 2 ;;
	--quiet-wait) QUIET_WAIT=$2; shift 2 ;;
	--quiet-max) QUIET_MAX=$2; shift 2 ;;
	--min-worker) MIN_WORKER=$2; shift 2 ;;
	--retries) RETRIES=$2; shift 2 ;;
	--build-dir) BUILD_DIR=$(realpath -m "$2"); shift 2 ;;
	--rebuild) REBUILD=1; shift ;;
	--gw-rev) GW_REV=$2; shift 2 ;;
	--work-dir) WORK=$(realpath -m "$2"); shift 2 ;;
	--crypto-limit) CRYPTO_LIMIT=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "bench-compare: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
die() { echo "bench-compare: $*" >&2; exit 2; }
[ -n "$CRYPTO_LIMIT" ] || CRYPTO_LIMIT="$ROOT/build/bench/crypto-limit.csv"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "--rounds: a number >= 1"
[[ "$RETRIES" =~ ^[0-9]+$ ]] || die "--retries: a number >= 0"
[[ "$DURATION" =~ ^[0-9]+(\.[0-9]+)?$ && "$WARMUP" =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
	die "--duration/--warmup: seconds"
[[ "$QUIET_WAIT" =~ ^[0-9]+$ ]] || die "--quiet-wait: whole seconds"
[[ "$MEM" == huge || "$MEM" == nohuge ]] || die "--mem: huge or nohuge"
for s in ${SIZES//,/ }; do
	[[ "$s" == imix || ("$s" =~ ^[0-9]+$ && "$s" -ge 64 && "$s" -le 1518) ]] ||
		die "size '$s': 64..1518 (frame bytes with FCS) or imix"
done
for d in ${DIRS//,/ }; do [[ "$d" == enc || "$d" == dec ]] || die "--dirs takes enc,dec"; done
for a in ${APPS//,/ }; do [[ "$a" == secgw || "$a" == ipsecgw ]] || die "--apps takes secgw,ipsecgw"; done
[ "$(id -u)" = 0 ] || { echo "bench-compare: run as root (DPDK)" >&2; exit 1; }

log() { printf '%s bench-compare: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- cleanup: only what this script started or changed -----------------------
APP_PID=""
PREFIXES=()
HP_RESTORE=""     # nr_hugepages to put back
HP_UMOUNT=""      # hugetlbfs mount point to unmount
stop_app() {
	local pid=$APP_PID
	[ -n "$pid" ] || return 0
	APP_PID=""
	if kill -0 "$pid" 2>/dev/null; then
		kill -INT "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
	fi
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_app
	for p in "${PREFIXES[@]}"; do rm -rf "/var/run/dpdk/$p"; done
	if [ -n "$HP_UMOUNT" ]; then umount "$HP_UMOUNT" 2>/dev/null || true; fi
	if [ -n "$HP_RESTORE" ]; then echo "$HP_RESTORE" > /proc/sys/vm/nr_hugepages 2>/dev/null || true; fi
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
GW_SRC=$ROOT
if [ -n "$GW_REV" ]; then
	rev=$(git -C "$ROOT" rev-parse --short=12 "$GW_REV^{commit}") || die "--gw-rev: no commit '$GW_REV'"
	GW_SRC="$WORK/gw-$rev/src"
	BUILD_DIR="$WORK/gw-$rev/build"
	if [ ! -f "$GW_SRC/meson.build" ]; then
		log "exporting ipsecgw $rev to $GW_SRC"
		rm -rf "$GW_SRC" && mkdir -p "$GW_SRC"
		git -C "$ROOT" archive "$rev" | tar -x -C "$GW_SRC"
	fi
fi
GW="$BUILD_DIR/app/ipsecgw/ipsecgw"
GWCTL="$BUILD_DIR/app/ipsecgw-ctl/ipsecgw-ctl"
build_gw() {
	local try
	for try in 1 2 3; do
		if { [ -f "$BUILD_DIR/build.ninja" ] || meson setup "$BUILD_DIR" "$GW_SRC" >&2; } &&
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

# --- EAL memory: the same for both apps ----------------------------------------
if [ "$MEM" = huge ]; then
	hp_kb=$(awk '/^Hugepagesize:/ {print $2}' /proc/meminfo)
	hp_need=$(( (MEM_MB + 64) * 1024 / hp_kb ))
	hp_free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
	if [ "$hp_free" -lt "$hp_need" ]; then
		hp_total=$(cat /proc/sys/vm/nr_hugepages)
		HP_RESTORE=$hp_total
		echo $((hp_total + hp_need - hp_free)) > /proc/sys/vm/nr_hugepages || true
		log "reserved hugepages: nr_hugepages $hp_total -> $(cat /proc/sys/vm/nr_hugepages) (given back on exit)"
	fi
	if ! awk '$3 == "hugetlbfs" {found=1} END {exit !found}' /proc/mounts; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages && HP_UMOUNT=/dev/hugepages
	fi
	hp_free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
	if [ "$hp_free" -lt "$hp_need" ]; then
		log "only $hp_free free hugepages (need $hp_need): falling back to --mem nohuge"
		MEM=nohuge
	fi
fi
if [ "$MEM" = huge ]; then
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
GEN_SUM="$(sha256sum "$BENCH/gen_pcap.py" | cut -c1-12) $(echo "$KEY_IN" | sha256sum | cut -c1-12)"
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
	if [ ! -s "$f" ] || [ "$(cat "$f.stamp" 2>/dev/null)" != "$GEN_SUM" ]; then
		if [ "$dir" = enc ]; then
			$PY "$BENCH/gen_pcap.py" --mode plain --size "$size" --dst-mac "$PCAP_MAC" --out "$f" > "$f.json"
		else
			$PY "$BENCH/gen_pcap.py" --mode esp --size "$size" --dst-mac "$PCAP_MAC" --key "$KEY_IN" \
				--spi 0x2001 --out "$f" > "$f.json"
		fi
		echo "$GEN_SUM" > "$f.stamp"
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
run_one() { # round app dir size attempt
	local round=$1 app=$2 dir=$3 size=$4 attempt=$5 pcap prefix sock tag log cmdf pre res
	local src_port sink_port
	pcap=$(pcap_for "$dir" "$size")
	prefix="bc-$app-$$"
	PREFIXES+=("$prefix")
	tag="r$round-$dir-$size-$app"
	[ "$attempt" = 0 ] || tag+="-a$attempt"
	log="$RES/runs/$tag.log"
	cmdf="$RES/runs/$tag.cmd"
	if [ "$dir" = enc ]; then src_port=0; sink_port=1; else src_port=1; sink_port=0; fi

	pre=$(wait_quiet)
	rm -rf "/var/run/dpdk/$prefix"
	if [ "$app" = secgw ]; then
		write_secgw_cfg "$RES/secgw.cfg"
		local vd=()
		for a in $(vdevs_for "$dir" "$pcap"); do vd+=(--vdev "$a"); done
		# shellcheck disable=SC2054 # the commas belong to -l 0,1
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
	# record the run; exit status 0 when it is clean: the worker thread got
	# at least MIN_WORKER cores over the window and the rest of the machine
	# used at most QUIET_MAX cores (on 2 vCPUs a busy neighbour slows the
	# worker even when it does not take its CPU)
	$PY - "$res" "$round" "$app" "$dir" "$size" "$pre" "$attempt" "$tag" "$MIN_WORKER" \
		"$QUIET_MAX" "$RUNS" <<'EOF'
import json, sys
res, rnd, app, d, size, pre, attempt, tag, min_w, max_o, runs = sys.argv[1:]
r = json.loads(res)
r.update(round=int(rnd), app=app, dir=d, size=size, attempt=int(attempt),
         busy_before_cores=float(pre))
if "error" in r:
    r["clean"] = False
    line = f"  {tag:<24} ERROR {r['error']}"
else:
    w = sum(v for k, v in r["app_threads_cpu_cores"].items() if k.startswith("rte-worker"))
    r["worker_cpu_cores"] = round(w, 3)
    r["clean"] = w >= float(min_w) and r["other_cpu_cores"] <= float(max_o)
    loss = "" if r["rx_packets"] == 0 or r["tx_packets"] >= 0.99 * r["rx_packets"] else \
        f"  LOSS: tx {r['tx_packets']} of rx {r['rx_packets']}"
    line = (f"  {tag:<24} {r['tx_mpps']:7.3f} Mpps  worker {w:.2f} cores,"
            f" others {r['other_cpu_cores']:.2f} (before {float(pre):.2f})"
            f"{'' if r['clean'] else '  NOISY'}{loss}")
with open(runs, "a") as f:
    f.write(json.dumps(r) + "\n")
print(line, file=sys.stderr)
sys.exit(0 if r["clean"] else 1)
EOF
}

# --- environment record ---------------------------------------------------------
{
	echo "date: $(date -Is)"
	echo "host: $(uname -srm), $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
	echo "debian: $(cat /etc/debian_version)"
	echo "dpdk (libdpdk-dev): $(dpkg-query -W -f '${Version}' libdpdk-dev 2>/dev/null)"
	echo "dpdk-doc (ipsec-secgw source): $(dpkg-query -W -f '${Version}' dpdk-doc 2>/dev/null)"
	echo "intel-ipsec-mb: $(dpkg-query -W -f '${Version}' libipsec-mb1 2>/dev/null || echo '?') (both apps; ipsec-secgw through the crypto_aesni_gcm PMD, cpu-crypto)"
	if [ -n "$GW_REV" ]; then
		echo "ipsecgw: $GW (commit $rev, exported with git archive; binary $(date -r "$GW" -Is))"
	else
		echo "ipsecgw: $GW (working tree at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' with uncommitted changes'); binary $(date -r "$GW" -Is))"
	fi
	echo "ipsec-secgw: $SECGW (patch: $WORK/secgw/secgw.patch)"
	echo "duration ${DURATION}s, warm-up ${WARMUP}s, rounds $ROUNDS, sizes $SIZES, dirs $DIRS"
	echo "clean run: worker >= $MIN_WORKER cores and others <= $QUIET_MAX cores; retries $RETRIES; quiet wait ${QUIET_WAIT}s"
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
				for attempt in $(seq 0 "$RETRIES"); do
					if run_one "$round" "$app" "$dir" "$size" "$attempt"; then
						break
					fi
					if [ "$attempt" -lt "$RETRIES" ]; then
						log "noisy or failed run: again"
					fi
				done
			done
		done
	done
done

limit_arg=()
[ -f "$CRYPTO_LIMIT" ] && limit_arg=(--crypto-limit "$CRYPTO_LIMIT")
$PY "$BENCH/summarize.py" --runs "$RUNS" --out "$RES" --sizes "$SIZES" --dirs "$DIRS" \
	"${limit_arg[@]}" | tee "$RES/summary.txt"
if command -v gnuplot >/dev/null && [ -f "$RES/chart.gp" ]; then
	if gnuplot "$RES/chart.gp" 2>"$RES/gnuplot.log"; then
		log "chart: $RES/chart.png"
	else
		log "gnuplot failed (see $RES/gnuplot.log)"
	fi
fi
log "done: $RES/summary.csv $RES/summary.json $RES/runs.jsonl"
