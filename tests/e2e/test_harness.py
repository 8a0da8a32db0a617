#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Self-checks of the e2e harness, without the gateway: the ESP peer code
(scapy and our own AESGCM builder must agree in both directions), ESP in
UDP 4500 framing, namespace setup/teardown and raw L2 sockets across
namespaces. If these fail, the gateway tests would say nothing."""

import os
import struct
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def inner_udp(src, dst, payload, sport=40000, dport=7777, ttl=64, ip_id=1):
    from scapy.layers.inet import IP, UDP
    from scapy.packet import Raw
    return IP(bytes(IP(src=src, dst=dst, ttl=ttl, id=ip_id) /
                    UDP(sport=sport, dport=dport) / Raw(payload)))


class TestEspPeerCode(unittest.TestCase):
    """Our ESP helpers against scapy, no network."""

    def specs(self):
        for alg in ("aes128gcm16", "aes256gcm16"):
            for esn in (True, False):
                for encap in ("none", "udp"):
                    yield h.SaSpec("in1", "in", 0x2001, alg, h.new_key(alg),
                                   encap=encap, esn=esn)

    def test_scapy_encrypt_own_decrypt(self):
        for spec in self.specs():
            for size in range(0, 9):
                with self.subTest(alg=spec.alg, esn=spec.esn, size=size):
                    inner = inner_udp("10.2.0.5", "10.1.0.10", os.urandom(size))
                    outer = h.esp_encrypt(spec, inner, seq=7 + size, esn_hi=3)
                    from scapy.layers.inet import IP
                    ip = IP(outer)
                    esp, encap, _ = h.esp_unwrap(ip)
                    self.assertEqual(encap, spec.encap)
                    d = h.esp_decrypt_raw(spec, esp, esn_hi=3 if spec.esn else 0)
                    self.assertEqual(d["spi"], 0x2001)
                    self.assertEqual(d["seq"], 7 + size)
                    self.assertEqual(d["iv"], struct.pack("!Q", (3 << 32) | (7 + size)))
                    self.assertEqual(d["payload"], bytes(inner))
                    self.assertEqual(d["padding"], bytes(range(1, d["pad_len"] + 1)))
                    self.assertEqual((len(inner) + d["pad_len"] + 2) % 4, 0)
                    self.assertEqual(d["next_header"], 4)

    def test_own_encrypt_scapy_decrypt(self):
        from scapy.layers.ipsec import IPSecIntegrityError
        for spec in self.specs():
            with self.subTest(alg=spec.alg, esn=spec.esn):
                inner = inner_udp("10.2.0.5", "10.1.0.10", b"hello")
                esp = h.esp_build_raw(spec, bytes(inner), seq=5, esn_hi=1 if spec.esn else 0)
                got = h.esp_decrypt_scapy(spec, esp, esn_hi=1 if spec.esn else 0)
                self.assertEqual(bytes(got), bytes(inner))
                bad = bytearray(esp)
                bad[20] ^= 0x01
                with self.assertRaises(IPSecIntegrityError):
                    h.esp_decrypt_scapy(spec, bytes(bad), esn_hi=1 if spec.esn else 0)
                if spec.esn:
                    # the high half of the ESN is authenticated
                    with self.assertRaises(IPSecIntegrityError):
                        h.esp_decrypt_scapy(spec, esp, esn_hi=2)

    def test_bad_padding_builder(self):
        spec = h.SaSpec("in1", "in", 0x2001, "aes256gcm16", h.new_key("aes256gcm16"))
        inner = inner_udp("10.2.0.5", "10.1.0.10", b"x" * 9)
        n = (-(len(inner) + 2)) % 4 or 4
        pad = bytes([0xa5] * n)
        esp = h.esp_build_raw(spec, bytes(inner), seq=1, padding=pad)
        d = h.esp_decrypt_raw(spec, esp)
        self.assertEqual(d["padding"], pad)
        self.assertEqual(d["payload"], bytes(inner))

    def test_udp_encap_framing(self):
        from scapy.layers.inet import IP, UDP
        from scapy.layers.ipsec import ESP, SecurityAssociation
        spec = h.SaSpec("in1", "in", 0x2001, "aes128gcm16", h.new_key("aes128gcm16"),
                        encap="udp")
        inner = inner_udp("10.2.0.5", "10.1.0.10", b"natt")
        outer = IP(h.esp_wrap(spec, b"\x00\x00\x20\x01" + bytes(28)))
        self.assertEqual(outer[UDP].sport, 4500)
        self.assertEqual(outer[UDP].dport, 4500)
        self.assertEqual(outer[UDP].chksum, 0)
        self.assertEqual(outer[UDP].len, 8 + 32)
        self.assertEqual(outer.len, 20 + 8 + 32)
        self.assertTrue(h.ipv4_checksum_ok(outer))
        # scapy's own NAT-T header path: show why we frame by hand
        sa = SecurityAssociation(ESP, spi=0x2001, crypt_algo="AES-GCM",
                                 crypt_key=spec.keymat,
                                 tunnel_header=IP(src=h.PEER_IP, dst=h.GW_WAN_IP),
                                 nat_t_header=UDP(sport=4500, dport=4500))
        p = IP(bytes(sa.encrypt(inner)))
        esp_len = p.len - 20 - 8
        if p[UDP].len != 8 + esp_len:
            print(f"note: scapy NAT-T UDP length {p[UDP].len}, should be {8 + esp_len}",
                  file=sys.stderr)
        # IKE marker is not ESP
        ike = IP(bytes(IP(src=h.PEER_IP, dst=h.GW_WAN_IP) / UDP(sport=4500, dport=4500) /
                       (b"\0\0\0\0" + bytes(28))))
        with self.assertRaises(ValueError):
            h.esp_unwrap(ike)

    def test_forwarded_expectation(self):
        inner = inner_udp("10.1.0.10", "10.2.0.5", b"abc", ttl=17)
        fwd = h.expected_forwarded(inner)
        self.assertEqual(fwd.ttl, 16)
        self.assertTrue(h.ipv4_checksum_ok(fwd))
        self.assertEqual(h.compare_ip(fwd, fwd), [])
        self.assertNotEqual(h.compare_ip(inner, fwd), [])


class TestNamespaces(unittest.TestCase):
    """Raw sockets across the e2e topology with no gateway: the test plays
    the gateway on gw-wan itself."""

    @classmethod
    def setUpClass(cls):
        cls.topo = h.Topology(stem="ige2ehs").up()

    @classmethod
    def tearDownClass(cls):
        cls.topo.down()
        names = subprocess.run(["ip", "netns", "list"], capture_output=True,
                               text=True).stdout
        for ns in (cls.topo.ns_a, cls.topo.ns_gw, cls.topo.ns_peer):
            assert ns not in names, f"namespace {ns} left behind"

    def test_esp_across_namespaces(self):
        from scapy.layers.inet import IP
        from scapy.layers.l2 import Ether
        t = self.topo
        peer = h.L2Port(t.ns_peer, "p0", t.mac["p0"], h.PEER_IP)
        gw = h.L2Port(t.ns_gw, "gw-wan", t.mac["gw-wan"], h.GW_WAN_IP)
        try:
            # the PEER kernel answers ARP for 192.0.2.2 (the gateway relies on it)
            self.assertEqual(gw.arp_resolve(h.PEER_IP), t.mac["p0"])
            for alg in ("aes128gcm16", "aes256gcm16"):
                for encap in ("none", "udp"):
                    with self.subTest(alg=alg, encap=encap):
                        spec = h.SaSpec("in1", "in", 0x2001, alg, h.new_key(alg), encap=encap)
                        sent = []
                        for seq in range(1, 4):
                            inner = inner_udp("10.2.0.5", "10.1.0.10", os.urandom(seq * 11),
                                              ip_id=seq)
                            sent.append(inner)
                            outer = h.esp_encrypt(spec, inner, seq)
                            peer.send(Ether(src=t.mac["p0"], dst=t.mac["gw-wan"]) / IP(outer))

                        def is_esp(f):
                            return IP in f and f[IP].src == h.PEER_IP and f[IP].dst == h.GW_WAN_IP \
                                and f[IP].proto in (50, 17)
                        got = gw.collect(is_esp, count=3, timeout=3)
                        self.assertEqual(len(got), 3)
                        for seq, (f, inner) in enumerate(zip(got, sent), 1):
                            esp, enc, _ = h.esp_unwrap(f[IP])
                            self.assertEqual(enc, encap)
                            self.assertEqual(struct.unpack("!II", esp[:8]), (0x2001, seq))
                            dec = h.esp_decrypt_scapy(spec, esp)
                            self.assertEqual(bytes(dec), bytes(inner))
        finally:
            peer.close()
            gw.close()

    def test_udp_from_kernel_has_full_checksum(self):
        """With tx off on p0, kernel UDP reaches an AF_PACKET reader with a
        valid checksum (MACHINE-NOTES)."""
        from scapy.layers.inet import IP, UDP
        t = self.topo
        gw = h.L2Port(t.ns_gw, "gw-wan", t.mac["gw-wan"], h.GW_WAN_IP)
        try:
            # a static neighbor so the kernel sends without ARP
            h.sh("ip", "-n", t.ns_peer, "neigh", "replace", h.GW_WAN_IP, "lladdr",
                 t.mac["gw-wan"], "dev", "p0")
            with h.in_netns(t.ns_peer):
                import socket
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.sendto(b"checksum", (h.GW_WAN_IP, 4500))
                s.close()
            got = gw.collect(lambda f: UDP in f and f[UDP].dport == 4500, count=1, timeout=3)
            self.assertEqual(len(got), 1)
            u = got[0][UDP]
            ip = got[0][IP]
            ref = IP(bytes(IP(src=ip.src, dst=ip.dst) / UDP(sport=u.sport, dport=u.dport) / b"checksum"))
            self.assertEqual(u.chksum, ref[UDP].chksum)
        finally:
            gw.close()


if __name__ == "__main__":
    h.skip_unless_runnable()
    prog = unittest.main(exit=False, verbosity=2)
    r = prog.result
    print(f"harness: {r.testsRun - len(r.failures) - len(r.errors) - len(r.skipped)} passed, "
          f"{len(r.failures) + len(r.errors)} failed", flush=True)
    sys.exit(0 if r.wasSuccessful() else 1)
