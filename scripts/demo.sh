#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Two sites joined by two ipsecgw gateways over manually keyed ESP SAs, all
# in network namespaces on this machine (needs root):
#
#   demo-hosta            demo-gwa                 demo-gwb            demo-hostb
#   ha0 10.1.0.10 -- gwa-lan [ipsecgw] gwa-wan -- gwb-wan [ipsecgw] gwb-lan -- hb0 10.2.0.10
#                   10.1.0.1          192.0.2.1   192.0.2.2          10.2.0.1
#
# Gateway A runs config/site-a.conf, gateway B config/site-b.conf. Host A
# pings host B, both gateways show their SAs, and a capture on the WAN link
# shows that only ESP crosses it. Then (part 2, scripts/demo_ike.py) an
# ipsecgw gateway negotiates the tunnel with strongSwan over IKEv2 (PSK)
# and host A pings host B through it. Everything is removed at the end,
# also on Ctrl-C or failure.
#
#   scripts/demo.sh                 # builds first (scripts/setup.sh)
#   NO_SETUP=1 scripts/demo.sh      # use the existing build
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BUILD_DIR=${BUILD_DIR:-build}
GW=$ROOT/$BUILD_DIR/app/ipsecgw/ipsecgw
CTL=$ROOT/$BUILD_DIR/app/ipsecgw-ctl/ipsecgw-ctl
CONF_A=${CONF_A:-$ROOT/config/site-a.conf}
CONF_B=${CONF_B:-$ROOT/config/site-b.conf}

NS_HA=demo-hosta NS_GA=demo-gwa NS_GB=demo-gwb NS_HB=demo-hostb
ALL_NS=("$NS_HA" "$NS_GA" "$NS_GB" "$NS_HB")

if [[ -t 1 ]]; then
	say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	say() { printf '\n== %s\n' "$*"; }
fi
die() { echo "demo: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (network namespaces)"
if [[ -z ${NO_SETUP:-} ]]; then
	bash scripts/setup.sh
fi
[[ -x $GW && -x $CTL ]] || die "$GW or $CTL missing: build first (scripts/setup.sh)"
for c in "$CONF_A" "$CONF_B"; do [[ -f $c ]] || die "$c missing"; done

sock_of() { sed -n 's/^[^#]*socket[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$1" | head -1; }
prefix_of() { grep -o -- '--file-prefix=[A-Za-z0-9_.-]*' "$1" | head -1 | cut -d= -f2; }
SOCK_A=$(sock_of "$CONF_A")
SOCK_B=$(sock_of "$CONF_B")
[[ -n $SOCK_A && -n $SOCK_B ]] || die "no control socket in the site configs"

WORK=$(mktemp -d /tmp/ipsecgw-demo.XXXXXX)
PID_A='' PID_B=''
PID_CAPS=()

cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	set +e
	((${#PID_CAPS[@]})) && kill "${PID_CAPS[@]}" 2>/dev/null
	for s in "$SOCK_A" "$SOCK_B"; do
		[[ -S $s ]] && timeout 5 "$CTL" -s "$s" quit >/dev/null 2>&1
	done
	for p in $PID_A $PID_B; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.3; done
		kill -0 "$p" 2>/dev/null && kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	for ns in "${ALL_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	for c in "$CONF_A" "$CONF_B"; do
		p=$(prefix_of "$c"); [[ -n $p ]] && rm -rf "/var/run/dpdk/$p"
	done
	if ((rc != 0)); then
		for l in "$WORK"/gw-*.log; do
			[[ -f $l ]] && { echo "----- $l"; tail -40 "$l"; }
		done
	fi
	rm -rf "$WORK"
	echo "demo: cleaned up"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

say "checking both configurations"
"$GW" --check -c "$CONF_A"
"$GW" --check -c "$CONF_B"

say "creating namespaces and links"
for ns in "${ALL_NS[@]}"; do
	ip netns del "$ns" 2>/dev/null || true    # left over from an earlier run
	ip netns add "$ns"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "$ns" link set lo up
done
ip link add ha0 netns "$NS_HA" type veth peer name gwa-lan netns "$NS_GA"
ip link add gwa-wan netns "$NS_GA" type veth peer name gwb-wan netns "$NS_GB"
ip link add gwb-lan netns "$NS_GB" type veth peer name hb0 netns "$NS_HB"
ip -n "$NS_GA" link set gwa-lan up
ip -n "$NS_GA" link set gwa-wan up
ip -n "$NS_GB" link set gwb-wan up
ip -n "$NS_GB" link set gwb-lan up
ip -n "$NS_HA" addr add 10.1.0.10/24 dev ha0
ip -n "$NS_HA" link set ha0 up
ip -n "$NS_HA" route add default via 10.1.0.1
ip -n "$NS_HB" addr add 10.2.0.10/24 dev hb0
ip -n "$NS_HB" link set hb0 up
ip -n "$NS_HB" route add default via 10.2.0.1
# Kernel-side veths facing a gateway: full checksums for AF_PACKET readers.
ip netns exec "$NS_HA" ethtool -K ha0 tx off >/dev/null
ip netns exec "$NS_HB" ethtool -K hb0 tx off >/dev/null

wait_gw() { # name sock pid log
	local _
	for _ in $(seq 1 100); do
		kill -0 "$3" 2>/dev/null || { cat "$4"; die "gateway $1 exited"; }
		"$CTL" -s "$2" show ports >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	cat "$4"
	die "gateway $1 did not answer on $2 within 20 s"
}

say "starting gateway A (config/site-a.conf) and gateway B (config/site-b.conf)"
ip netns exec "$NS_GA" "$GW" -c "$CONF_A" </dev/null >"$WORK/gw-a.log" 2>&1 &
PID_A=$!
ip netns exec "$NS_GB" "$GW" -c "$CONF_B" </dev/null >"$WORK/gw-b.log" 2>&1 &
PID_B=$!
wait_gw A "$SOCK_A" "$PID_A" "$WORK/gw-a.log"
wait_gw B "$SOCK_B" "$PID_B" "$WORK/gw-b.log"
"$CTL" -s "$SOCK_A" show ports

# Each gateway sends with AF_PACKET's qdisc bypass, which capture taps on
# the sending side do not see: capture on both WAN ends, what each receives.
say "capturing on the WAN link (gwb-wan: A -> B, gwa-wan: B -> A)"
for side in a b; do
	ns=$NS_GA; [[ $side == b ]] && ns=$NS_GB
	ip netns exec "$ns" tcpdump -i "gw$side-wan" -n -U --immediate-mode -c 4 \
		-w "$WORK/wan-$side.pcap" 'ip proto 50 or udp port 4500 or icmp' \
		2>>"$WORK/tcpdump.log" &
	PID_CAPS+=("$!")
done
sleep 1

say "ping host A (10.1.0.10) -> host B (10.2.0.10)"
# The first packets may wait on ARP in either gateway: warm up, then count.
for _ in 1 2 3 4 5; do
	ip netns exec "$NS_HA" ping -c 1 -W 1 10.2.0.10 >/dev/null 2>&1 && break
done
ping_rc=0
ip netns exec "$NS_HA" ping -c 5 -i 0.3 -W 2 10.2.0.10 || ping_rc=$?

sleep 0.5
kill "${PID_CAPS[@]}" 2>/dev/null || true
wait "${PID_CAPS[@]}" 2>/dev/null || true
PID_CAPS=()

say "gateway A: ipsecgw-ctl show sa"
"$CTL" -s "$SOCK_A" show sa
say "gateway B: ipsecgw-ctl show sa"
"$CTL" -s "$SOCK_B" show sa

show_pcap() {
	if command -v tshark >/dev/null; then
		tshark -r "$1" -n 2>/dev/null || tcpdump -r "$1" -n 2>/dev/null
	else
		tcpdump -r "$1" -n 2>/dev/null
	fi
}
say "what crossed the WAN link: A -> B (received on gwb-wan)"
show_pcap "$WORK/wan-b.pcap"
say "what crossed the WAN link: B -> A (received on gwa-wan)"
show_pcap "$WORK/wan-a.pcap"
for side in a b; do
	if tcpdump -r "$WORK/wan-$side.pcap" -n icmp 2>/dev/null | grep -q .; then
		die "plaintext ICMP seen on the WAN link"
	fi
done

if ((ping_rc != 0)); then
	die "ping from host A to host B failed"
fi
say "done: host A and host B talk through ESP"

# Part 2: the same kind of tunnel negotiated with IKEv2 against strongSwan
# (scripts/demo_ike.py, on namespaces of its own). SKIP_IKE=1 leaves it out.
if [[ -z ${SKIP_IKE:-} ]]; then
	say "part 2: IKEv2 between ipsecgw (site A) and strongSwan (site B)"
	if [[ -z ${NO_SETUP:-} ]]; then
		bash scripts/setup-interop.sh
	fi
	BUILD_DIR=$BUILD_DIR /usr/bin/python3 scripts/demo_ike.py || die "IKEv2 demo failed"
fi
