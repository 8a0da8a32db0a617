#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Installs what ipsecgw needs to build and test (Debian 12), then configures
# and builds it. Idempotent: apt runs only when a package is missing, meson
# reconfigures an existing build directory.
#
#   scripts/setup.sh            # build into ./build
#   BUILD_DIR=out scripts/setup.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD_DIR=${BUILD_DIR:-build}

packages=(
	# build
	build-essential pkg-config meson ninja-build
	libdpdk-dev dpdk-dev libipsec-mb-dev libssl-dev libconfig-dev
	# tests and demo
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
	echo "setup: installing ${missing[*]}"
	if [[ $(id -u) -ne 0 ]]; then
		echo "setup: need root to install packages (run as root or with sudo)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	# tshark's wireshark-common asks whether non-root users may capture.
	echo 'wireshark-common wireshark-common/install-setuid boolean false' |
		debconf-set-selections
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	echo "setup: all packages present"
fi

if [[ -f $BUILD_DIR/meson-private/coredata.dat ]]; then
	meson setup --reconfigure "$BUILD_DIR"
else
	meson setup "$BUILD_DIR"
fi
ninja -C "$BUILD_DIR"
