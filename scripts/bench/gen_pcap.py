#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Benchmark traffic for scripts/bench-compare.sh, written with scapy.

Sizes are Ethernet FRAME sizes including the 4-byte FCS (RFC 2544 style):
a "64" frame is 60 bytes in the pcap (no FCS there), an IPv4 packet of 46
bytes. IMIX is 7:4:1 of 64/570/1518-byte frames, interleaved.

--mode plain: IPv4/UDP frames as they arrive on the protected port
              (10.1.0.0/24 -> 10.2.0.0/24), for the encrypt run.
--mode esp:   the same plaintext frames, encrypted by scapy's own ESP
              (tunnel mode, AES-GCM, 16-byte ICV, no ESN, sequence numbers
              1..count) as they arrive on the unprotected port from the peer
              (outer 192.0.2.2 -> 192.0.2.1), for the decrypt run. The size
              then names the inner (plaintext) frame; the ESP frame on the
              wire is longer by the tunnel overhead (about 54-57 bytes).

Prints one JSON line: packets, bytes, average frame length.
"""
import argparse
import json
import sys

from scapy.all import Ether, IP, UDP, Raw, wrpcap  # noqa: E402
from scapy.layers.ipsec import SecurityAssociation, ESP  # noqa: E402

IMIX = [64] * 7 + [570] * 4 + [1518]
# interleaved 7:4:1 pattern (same multiset as IMIX, no long runs of one size)
IMIX_ORDER = [64, 570, 64, 64, 570, 64, 1518, 64, 570, 64, 64, 570]
assert sorted(IMIX_ORDER) == sorted(IMIX)

FCS = 4
ETH = 14


def frame_sizes(size, count):
    if size == "imix":
        n = max(1, count // len(IMIX_ORDER)) * len(IMIX_ORDER)
        return [IMIX_ORDER[i % len(IMIX_ORDER)] for i in range(n)]
    return [int(size)] * count


def plaintext(i, frame, reverse):
    ip_len = frame - FCS - ETH
    if ip_len < 28:
        raise SystemExit(f"frame size {frame} too small for IPv4/UDP")
    lan = f"10.1.0.{1 + i % 200}"
    far = f"10.2.0.{1 + (i // 7) % 200}"
    src, dst = (far, lan) if reverse else (lan, far)
    pkt = IP(src=src, dst=dst, ttl=64, id=i & 0xffff) / \
        UDP(sport=1024 + i % 4096, dport=5001) / Raw(b"\x5a" * (ip_len - 28))
    return IP(bytes(pkt))  # checksums and lengths filled in


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["plain", "esp"], required=True)
    ap.add_argument("--size", required=True, help="frame size with FCS, or imix")
    ap.add_argument("--count", type=int, default=1024)
    ap.add_argument("--out", required=True)
    ap.add_argument("--src-mac", default="02:00:00:00:be:01")
    # net_pcap's MAC for the first (only) pcap device of a process: ipsecgw
    # accepts only frames for its port's MAC (or multicast/broadcast)
    ap.add_argument("--dst-mac", default="02:70:63:61:70:00")
    ap.add_argument("--spi", type=lambda s: int(s, 0), default=0x2001)
    ap.add_argument("--key", help="hex AES key + 4-byte salt (esp mode)")
    ap.add_argument("--outer-src", default="192.0.2.2")
    ap.add_argument("--outer-dst", default="192.0.2.1")
    a = ap.parse_args()

    sa = None
    if a.mode == "esp":
        if not a.key:
            raise SystemExit("--key is required with --mode esp")
        sa = SecurityAssociation(
            ESP, spi=a.spi, crypt_algo="AES-GCM",
            crypt_key=bytes.fromhex(a.key.replace(":", "").removeprefix("0x")),
            tunnel_header=IP(src=a.outer_src, dst=a.outer_dst, ttl=64))

    frames = []
    nbytes = 0
    for i, fs in enumerate(frame_sizes(a.size, a.count)):
        inner = plaintext(i, fs, reverse=sa is not None)
        l3 = sa.encrypt(inner, seq_num=i + 1) if sa else inner
        fr = Ether(src=a.src_mac, dst=a.dst_mac, type=0x0800) / l3
        raw = bytes(fr)
        if sa is None and len(raw) != fs - FCS:
            raise SystemExit(f"internal error: frame {len(raw)} != {fs - FCS}")
        nbytes += len(raw)
        frames.append(fr)
    wrpcap(a.out, frames)
    print(json.dumps({"file": a.out, "mode": a.mode, "size": a.size,
                      "packets": len(frames), "pcap_bytes": nbytes,
                      "avg_pcap_len": round(nbytes / len(frames), 1),
                      "avg_frame_len_with_fcs": round(nbytes / len(frames) + FCS, 1)}))


if __name__ == "__main__":
    sys.exit(main())
