#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The benchmark must never measure broken output.

Runs ipsecgw-bench for a moment on tiny settings with capture on, then
checks with scapy (an independent ESP implementation) that every frame it
forwarded is correct: ESP on the WAN side decrypts to one of the plaintext
source frames (TTL - 1), and plaintext on the LAN side is the decryption of
one of the ESP source frames (TTL - 1).
"""
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile

from scapy.all import IP, UDP, Ether, rdpcap, raw
from scapy.layers.ipsec import ESP, SecurityAssociation

BUILD = os.environ.get("IPSECGW_BUILD",
                       os.path.join(os.path.dirname(__file__), "..", "..", "build"))
BENCH = os.path.join(BUILD, "app", "ipsecgw-bench", "ipsecgw-bench")
DIR_OUT, DIR_IN = 0, 1


def sa_key(i, direction, key_len):
    """Re-derivation of bench_sa_key() (app/ipsecgw-bench/bench_traffic.c)."""
    key = bytes((0x5a ^ (k * 29) ^ (i * 131) ^ (i >> 8) ^ (0xa5 if direction else 0)) & 0xff
                for k in range(32))[:key_len]
    salt = bytes((0xc3 ^ k ^ i ^ (direction << 4)) & 0xff for k in range(4))
    return key + salt


def esp_layer(pkt):
    """The outer IP packet as scapy's ESP, whether raw or in UDP 4500."""
    ip = pkt[IP]
    if ip.proto == 17:
        assert ip[UDP].dport == 4500 and ip[UDP].sport == 4500, "NAT-T ports"
        assert ip[UDP].chksum == 0, "RFC 3948: UDP checksum 0"
        esp = ESP(raw(ip[UDP].payload))
        return IP(src=ip.src, dst=ip.dst, proto=50) / esp
    assert ip.proto == 50, "ESP expected"
    return ip


def integ_key(i, direction, length):
    """Re-derivation of bench_sa_keys()' HMAC key."""
    return bytes((0x3c ^ (k * 17) ^ (i * 131) ^ (i >> 8) ^ (0x5a if direction else 0)) & 0xff
                 for k in range(length))


# bench --alg name -> (cipher key bytes, scapy cipher, scapy integrity, HMAC key bytes)
ALGS = {
    "aes128gcm16": (16, "AES-GCM", None, 0),
    "aes256gcm16": (32, "AES-GCM", None, 0),
    "chacha20poly1305": (32, "CHACHA20-POLY1305", None, 0),
    "aes128-sha256": (16, "AES-CBC", "SHA2-256-128", 32),
    "aes256-sha512": (32, "AES-CBC", "SHA2-512-256", 64),
}


def decrypt(ipesp, spi_base, direction, alg):
    key_len, crypt, auth, integ_len = ALGS[alg]
    spi = ipesp[ESP].spi
    idx = spi - spi_base
    assert 0 <= idx < 1 << 20, "SPI 0x%x outside the bench's range" % spi
    key = sa_key(idx, direction, key_len)
    extra = {}
    if auth:   # AES-CBC: no salt, a separate HMAC key
        key = key[:key_len]
        extra = dict(auth_algo=auth, auth_key=integ_key(idx, direction, integ_len))
    sa = SecurityAssociation(ESP, spi=spi, crypt_algo=crypt, crypt_key=key,
                             esn_en=True, esn=0, **extra)
    if auth:
        # scapy leaves the ESN's high half out of the HMAC (RFC 4303 2.2.1
        # puts it after the payload): check the ICV with hmac instead
        esp = raw(ipesp[ESP])
        icv_len = int(auth.split("-")[-1]) // 8
        hfn = {"SHA2-256-128": hashlib.sha256, "SHA2-512-256": hashlib.sha512}[auth]
        mac = hmac.new(extra["auth_key"], esp[:-icv_len] + bytes(4), hfn).digest()
        assert mac[:icv_len] == esp[-icv_len:], "HMAC ICV mismatch (SPI 0x%x)" % spi
    outer = sa.decrypt(ipesp, verify=not auth)
    # without a tunnel_header scapy keeps the outer header: take the inner
    assert outer.proto == 4, "tunnel mode: next header must be IPv4"
    return IP(raw(outer.payload))


def forwarded(inner):
    """A source packet as the gateway forwards it: TTL - 1, new checksum."""
    p = IP(raw(inner))
    p.ttl -= 1
    del p.chksum
    return raw(IP(raw(p)))


def run(tmp, alg, udp, spread=False):
    cmd = [BENCH, "--sizes", "64,imix", "--dir", "both", "--sas", "4",
           "--duration", "0.3", "--max-packets", "400", "--no-limit",
           "--alg", alg, "--capture", tmp, "--mem", "512",
           "--json", os.path.join(tmp, "result.json")]
    if udp:
        cmd.append("--udp")
    if spread:
        # two workers time-sharing one CPU; every SA's packets alternate
        # between them, so half are handed to the owning worker
        cmd += ["--workers", "2", "--spread", "--lcores", "0@0,1@1,2@1"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    print(out.stdout)
    if out.returncode != 0:
        print(out.stderr)
        raise SystemExit("ipsecgw-bench failed")

    plain_src, esp_src = set(), set()
    for name in os.listdir(tmp):
        if name.startswith("source-") and name.endswith("-encrypt.pcap"):
            for f in rdpcap(os.path.join(tmp, name)):
                plain_src.add(forwarded(f[IP]))
        elif name.startswith("source-") and name.endswith("-decrypt.pcap"):
            for f in rdpcap(os.path.join(tmp, name)):
                # the ESP sources are decrypted independently, with scapy
                esp_src.add(forwarded(decrypt(esp_layer(f), 0x20000000, DIR_IN, alg)))

    wan = rdpcap(os.path.join(tmp, "wan-tx.pcap"))
    lan = rdpcap(os.path.join(tmp, "lan-tx.pcap"))
    assert len(wan) >= 400, "too few encrypted frames: %d" % len(wan)
    assert len(lan) >= 400, "too few decrypted frames: %d" % len(lan)
    last_seq = {}
    for f in wan:
        assert f[Ether].dst == "02:00:00:00:c0:02", "peer MAC"
        ipesp = esp_layer(f)
        assert (ipesp.src, ipesp.dst) == ("192.0.2.1", "192.0.2.2"), "outer addresses"
        spi, seq = ipesp[ESP].spi, ipesp[ESP].seq
        assert seq > last_seq.get(spi, 0), "sequence numbers must grow per SA"
        last_seq[spi] = seq
        inner = decrypt(ipesp, 0x10000000, DIR_OUT, alg)
        assert raw(inner) in plain_src, "ESP output does not decrypt to a source frame"
    for f in lan:
        assert f[Ether].dst == "02:00:00:00:0a:02", "LAN next-hop MAC"
        assert raw(f[IP]) in esp_src, "plaintext output is not a decrypted source frame"
    with open(os.path.join(tmp, "result.json")) as f:
        result = json.load(f)
    fed = out = 0
    for r in result["results"]:
        assert r["drops"] == {}, "drops in %s %s: %s" % (r["size"], r["dir"], r["drops"])
        assert r["packets_in"] == r["packets_out"], "packets lost in %s %s" % (r["size"], r["dir"])
        fed += r["packets_in"]
        out += r["packets_out"]
    assert len(wan) + len(lan) == out, "captured %d frames, bench counted %d" % (
        len(wan) + len(lan), out)
    print("%s udp=%s spread=%s: %d ESP frames and %d plaintext frames verified, %d fed" %
          (alg, udp, spread, len(wan), len(lan), fed))


def main():
    if not os.path.exists(BENCH):
        print("ipsecgw-bench not built at", BENCH)
        return 1
    for alg, udp, spread in (("aes256gcm16", False, False),
                             ("aes128gcm16", True, False),
                             ("aes256gcm16", True, True),
                             ("chacha20poly1305", False, False),
                             ("aes128-sha256", True, False),
                             ("aes256-sha512", False, True)):
        with tempfile.TemporaryDirectory(prefix="ipsecgw-bench-check-") as tmp:
            run(tmp, alg, udp, spread)
    return 0


if __name__ == "__main__":
    sys.exit(main())
