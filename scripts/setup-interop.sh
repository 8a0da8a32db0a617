#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Installs strongSwan 5.9 (Debian 12) as an independent IKE peer for the
# interop tests in tests/interop/, without letting it run as a service.
# Idempotent: apt runs only when a package is missing.
#
# charon needs kernel-libipsec here (the kernel has no ESP); Debian ships
# that plugin in libcharon-extra-plugins.
#
#   scripts/setup-interop.sh
set -euo pipefail

packages=(
	strongswan-swanctl charon-systemd strongswan-charon strongswan-pki
	libcharon-extra-plugins libstrongswan-extra-plugins
	libstrongswan-standard-plugins
	# the harness and its checks
	python3 python3-scapy python3-cryptography
	iproute2 ethtool tcpdump tshark iputils-ping
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if ((${#missing[@]})); then
	echo "setup-interop: installing ${missing[*]}"
	if [[ $(id -u) -ne 0 ]]; then
		echo "setup-interop: need root to install packages" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	echo 'wireshark-common wireshark-common/install-setuid boolean false' |
		debconf-set-selections
	# Without a running systemd, invoke-rc.d/deb-systemd-invoke would try to
	# start the service from the postinst; a policy-rc.d forbidding starts
	# keeps the daemon down during installation.
	policy=/usr/sbin/policy-rc.d
	own_policy=0
	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		own_policy=1
	fi
	trap 'if ((own_policy)); then rm -f "$policy"; fi' EXIT
	apt-get install -y --no-install-recommends "${missing[@]}" ||
		{ apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; }
else
	echo "setup-interop: all packages present"
fi

# The tests start charon by hand, one per namespace; a system instance
# would hold the default vici socket and /run/charon.pid.
if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
	for unit in strongswan.service strongswan-starter.service; do
		if systemctl list-unit-files "$unit" 2>/dev/null | grep -q "^$unit"; then
			systemctl disable --now "$unit" || true
		fi
	done
fi

for f in /usr/sbin/charon-systemd /usr/sbin/swanctl \
	/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so; do
	[[ -e $f ]] || { echo "setup-interop: $f missing after install" >&2; exit 1; }
done
echo "setup-interop: strongSwan $(dpkg-query -W -f='${Version}' charon-systemd) ready"
