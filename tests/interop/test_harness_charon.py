#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Proves the interop harness with strongSwan on both sides:

    hostA - gwA (charon) ==IKEv2/ESP-in-UDP 4500== gwB (charon) - hostB

1. IKEv2 PSK, IKE aes256gcm16-prfsha384-ecp384, ESP aes256gcm16: establish.
2. Routes in table 220 via charon's TUN device; ping hostA -> hostB.
3. list_sas: algorithms as configured, SPIs agree (A out = B in and back),
   packet counters moved.
4. Capture on the WAN veth: IKE_SA_INIT on 500, everything after it UDP
   4500, no raw ESP, no clear-text traffic between the LANs.
5. ESP keys from the chd=4 logs agree between the peers, and scapy
   decrypts every captured ESP packet with them (inner ICMP echo/reply);
   again after a CHILD_SA rekey initiated by the responder.
6. Wrong PSK on B: initiate fails, AUTHENTICATION_FAILED in the logs.
7. ECDSA certificates made with pki: IKEv2 pubkey authentication, ping.
8. IKEv1 Main Mode + Quick Mode with PSK: SPIs and logged keys agree, ping.

Exit 0 pass, 1 fail, 77 skipped (not root, strongSwan or scapy missing).
Run: /usr/bin/python3 tests/interop/test_harness_charon.py [-v] [--keep DIR]
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cleanup  # noqa: E402
import strongswan  # noqa: E402
import topology as topo  # noqa: E402
from strongswan import Charon, Child, Conn  # noqa: E402

SKIP = 77
IKE_PROPOSAL = "aes256gcm16-prfsha384-ecp384"
ESP_PROPOSAL = "aes256gcm16"
IKE_V1_PROPOSAL = "aes256-sha256-modp2048"

# the charons of the step running now: their logs are shown on failure
current = []


def log(msg):
    print(f"[interop] {msg}", file=sys.stderr, flush=True)


def environment_problem():
    if os.geteuid() != 0:
        return "not root: network namespaces need CAP_SYS_ADMIN"
    why = strongswan.missing()
    if why:
        return why
    for tool in ("ip", "tcpdump"):
        if shutil.which(tool) is None:
            return f"{tool} not found"
    try:
        import importlib
        for mod in ("scapy.layers.ipsec", "cryptography.hazmat.primitives.ciphers.aead"):
            importlib.import_module(mod)
    except ImportError as e:
        return f"python modules missing ({e}): apt-get install python3-scapy python3-cryptography"
    return None


class Failed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)
    log(f"ok: {what}")


class Capture:
    """tcpdump on one interface of a namespace, written to a pcap file."""

    def __init__(self, ns, dev, path, bpf=""):
        self.path = Path(path)
        self.errpath = self.path.with_suffix(".err")
        self._err = open(self.errpath, "wb")
        # --immediate-mode -U: nothing is held back in buffers when it is
        # stopped. -Z root: keeps root for -C/-G style reopening (the first
        # file is opened before tcpdump drops to user tcpdump anyway).
        argv = ["ip", "netns", "exec", ns, "tcpdump", "-i", dev, "-n", "-s", "0",
                "--immediate-mode", "-U", "-Z", "root", "-w", str(self.path)]
        if bpf:
            argv.append(bpf)
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self._err,
                                     preexec_fn=strongswan.pdeathsig)
        cleanup.register(self.stop)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if b"listening on" in self.errpath.read_bytes():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"tcpdump did not start: {self.errpath.read_text()}")

    def stop(self):
        cleanup.unregister(self.stop)
        if self.proc.poll() is None:
            time.sleep(0.2)   # let the last packets reach the socket
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._err.close()

    def packets(self):
        from scapy.utils import rdpcap
        return list(rdpcap(str(self.path)))


def classify(pkts):
    """Splits captured frames into IKE (port 500, 4500 with zero marker),
    ESP-in-UDP, NAT-T keepalives, raw ESP and anything else IPv4."""
    from scapy.layers.inet import IP, UDP
    out = {"ike500": [], "ike4500": [], "esp_udp": [], "keepalive": [],
           "esp_raw": [], "other": []}
    for p in pkts:
        if IP not in p:
            continue  # ARP
        ip = p[IP]
        if ip.proto == 50:
            out["esp_raw"].append(p)
        elif UDP in ip and 500 in (ip[UDP].sport, ip[UDP].dport):
            out["ike500"].append(p)
        elif UDP in ip and 4500 in (ip[UDP].sport, ip[UDP].dport):
            payload = bytes(ip[UDP].payload)
            if payload == b"\xff":
                out["keepalive"].append(p)
            elif payload[:4] == b"\0\0\0\0":
                out["ike4500"].append(p)
            else:
                out["esp_udp"].append(p)
        else:
            out["other"].append(p)
    return out


def decrypt_esp_udp(pkt, keys):
    """Decrypts one captured ESP-in-UDP frame with scapy; returns
    (spi, seq, inner scapy IP). keys: {spi: (key||salt, integ)}."""
    import struct
    from scapy.layers.inet import IP, UDP
    from scapy.layers.ipsec import ESP, SecurityAssociation
    ip = pkt[IP]
    esp = bytes(ip[UDP].payload)
    spi, seq = struct.unpack("!II", esp[:8])
    if spi not in keys:
        raise Failed(f"captured ESP SPI 0x{spi:08x} has no key in the logs")
    sa = SecurityAssociation(ESP, spi=spi, crypt_algo="AES-GCM",
                             crypt_key=keys[spi][0],
                             tunnel_header=IP(src=ip.src, dst=ip.dst))
    # UDP 4500 is not decoded as ESP by scapy: rebuild the packet as
    # IP/ESP (the encapsulation is outside what ESP authenticates).
    outer = IP(bytes(IP(src=ip.src, dst=ip.dst, proto=50) / ESP(esp)))
    return spi, seq, sa.decrypt(outer)


def wait_for(fn, timeout=5.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(interval)


def decrypt_pings(esp_pkts, keys, spi_a_out, spi_b_out):
    """Decrypts captured ESP-in-UDP frames that carry hostA <-> hostB
    pings; checks requests ride A's outbound SA and replies B's. Returns
    {"a2b": n, "b2a": n}."""
    from scapy.layers.inet import ICMP, IP
    seen = {"a2b": 0, "b2a": 0}
    for p in esp_pkts:
        spi, seq, inner = decrypt_esp_udp(p, keys)
        if not (IP in inner and ICMP in inner):
            raise Failed(f"decrypted SPI 0x{spi:08x} seq {seq}: not ICMP: {inner.summary()}")
        what = (inner[IP].src, inner[IP].dst, inner[ICMP].type)
        if what == (topo.HOST_A_IP, topo.HOST_B_IP, 8) and spi == spi_a_out:
            seen["a2b"] += 1
        elif what == (topo.HOST_B_IP, topo.HOST_A_IP, 0) and spi == spi_b_out:
            seen["b2a"] += 1
        else:
            raise Failed(f"unexpected inner packet on SPI 0x{spi:08x}: {inner.summary()}")
    return seen


def make_pair(t, workroot, psk_a, psk_b, suffix="", version=2, proposals=IKE_PROPOSAL):
    def conn(local, remote, lid, rid, lts, rts, psk):
        return Conn(name="gw", version=version, local_addrs=local, remote_addrs=remote,
                    proposals=proposals, local_id=lid, remote_id=rid,
                    auth="psk", psk=psk,
                    children=[Child(name="net", local_ts=[lts], remote_ts=[rts],
                                    esp_proposals=ESP_PROPOSAL)])
    a = Charon(t.ns_gw_a, workroot / f"gwa{suffix}", f"gwa{suffix}",
               [conn(topo.GW_A_WAN_IP, topo.GW_B_WAN_IP, "gwa.test", "gwb.test",
                     topo.NET_A, topo.NET_B, psk_a)])
    b = Charon(t.ns_gw_b, workroot / f"gwb{suffix}", f"gwb{suffix}",
               [conn(topo.GW_B_WAN_IP, topo.GW_A_WAN_IP, "gwb.test", "gwa.test",
                     topo.NET_B, topo.NET_A, psk_b)])
    current[:] = [a, b]
    return a, b


def run(args, workroot):
    timings = {}
    t0 = time.monotonic()
    t = topo.Topology().up()
    timings["topology"] = time.monotonic() - t0
    log(f"namespaces: {' '.join(t.namespaces)}; workdir {workroot}")

    a, b = make_pair(t, workroot, "correct horse battery staple", "correct horse battery staple")
    t1 = time.monotonic()
    a.start()
    b.start()
    timings["charon start+load (both)"] = time.monotonic() - t1

    # Without a tunnel hostB is unreachable (gateways have no route).
    n, _ = t.ping(count=1, wait=1)
    check(n == 0, "no tunnel yet: hostA cannot reach hostB")

    cap = Capture(t.ns_gw_b, "wan", workroot / "wan.pcap")

    # 1. establish
    t1 = time.monotonic()
    r = a.initiate("net", timeout=15, check=False)
    timings["initiate (IKE_SA_INIT+IKE_AUTH)"] = time.monotonic() - t1
    if args.verbose:
        log(r.stdout)
    check(r.returncode == 0, f"swanctl --initiate succeeded ({r.returncode})")
    ike_a = a.wait_established("net", timeout=5)
    ike_b = b.wait_established("net", timeout=5)
    check(ike_a is not None and ike_b is not None, "IKE_SA ESTABLISHED, CHILD_SA INSTALLED on both")

    # 2. routes and ping
    tuns = a.tun_devices()
    check(len(tuns) == 1, f"gwA has one kernel-libipsec TUN device ({tuns})")
    rt = a.routes(220)
    check(topo.NET_B in rt and f"dev {tuns[0]}" in rt,
          f"gwA table 220 routes {topo.NET_B} via {tuns[0]}: {rt.strip()!r}")
    t1 = time.monotonic()
    n, out = t.ping(count=5, interval=0.2, wait=2)
    timings["ping x5"] = time.monotonic() - t1
    check(n == 5, f"ping hostA -> hostB through the tunnel: {n}/5 replies")
    if args.verbose:
        log(out)

    # 3. list_sas agree
    ike_a = a.established("net")
    ike_b = b.established("net")
    for side, ike in (("A", ike_a), ("B", ike_b)):
        check((ike["version"], ike["encr-alg"], ike["encr-keysize"], ike["prf-alg"],
               ike["dh-group"]) == ("2", "AES_GCM_16", "256", "PRF_HMAC_SHA2_384", "ECP_384"),
              f"{side}: IKE SA is v2 AES_GCM_16/256 PRF_HMAC_SHA2_384 ECP_384")
        check(ike["local-port"] == "4500" and ike["remote-port"] == "4500",
              f"{side}: IKE floated to 4500")
    check((ike_a["spi_i"], ike_a["spi_r"]) == (ike_b["spi_i"], ike_b["spi_r"]),
          f"IKE SPIs agree: {ike_a['initiator-spi']}/{ike_a['responder-spi']}")
    ca, cb = ike_a["children"][0], ike_b["children"][0]
    for side, c in (("A", ca), ("B", cb)):
        check((c["mode"], c["protocol"], c["encap"], c["encr-alg"], c["encr-keysize"]) ==
              ("TUNNEL", "ESP", "yes", "AES_GCM_16", "256"),
              f"{side}: CHILD_SA tunnel ESP, UDP-encapsulated, AES_GCM_16/256")
    check(ca["spi_out"] == cb["spi_in"] and ca["spi_in"] == cb["spi_out"],
          f"CHILD SPIs agree: A out {ca['spi-out']} = B in {cb['spi-in']}, "
          f"A in {ca['spi-in']} = B out {cb['spi-out']}")
    check(ca["packets_out"] >= 5 and cb["packets_in"] >= 5 and cb["packets_out"] >= 5
          and ca["packets_in"] >= 5,
          f"counters: A out {ca['packets_out']} in {ca['packets_in']}, "
          f"B out {cb['packets_out']} in {cb['packets_in']}")

    # 4. the wire
    cap.stop()
    pkts = cap.packets()
    c = classify(pkts)
    log("capture on gwB wan: " + ", ".join(f"{k} {len(v)}" for k, v in c.items()))
    check(len(c["ike500"]) == 2, "IKE_SA_INIT request+response on UDP 500 only")
    check(len(c["ike4500"]) >= 2, "IKE_AUTH on UDP 4500 (non-ESP marker)")
    check(len(c["esp_raw"]) == 0, "no raw ESP (IP proto 50)")
    check(len(c["other"]) == 0, "no other IPv4 on the WAN (no clear-text LAN traffic)")
    check(len(c["esp_udp"]) >= 10, f"ESP in UDP 4500: {len(c['esp_udp'])} packets")

    # 5. keys from the logs, scapy decrypts
    ka, kb = a.esp_keys(), b.esp_keys()
    check(len(ka) == 1 and len(kb) == 1, "one CHILD_SA key set logged by each side (chd = 4)")
    ka, kb = ka[0], kb[0]
    check((ka.spi_in, ka.spi_out) == (ca["spi_in"], ca["spi_out"]),
          "A's logged SPIs are the ones list_sas shows")
    check(ka.encr_out == kb.encr_in and ka.encr_in == kb.encr_out and len(ka.encr_out) == 36,
          "A's outbound key = B's inbound key and back (32-byte key + 4-byte salt)")
    keys = strongswan.keys_by_spi([ka, kb])
    seen = decrypt_pings(c["esp_udp"], keys, ca["spi_out"], cb["spi_out"])
    check(seen["a2b"] >= 5 and seen["b2a"] >= 5,
          f"scapy decrypted every captured ESP packet: {seen['a2b']} requests on A's "
          f"outbound SPI, {seen['b2a']} replies on B's")
    # 5b. CHILD_SA rekey initiated by the responder (B): the new keys are
    # logged on both sides with the roles swapped; scapy decrypts again.
    cap = Capture(t.ns_gw_b, "wan", workroot / "wan-rekey.pcap", bpf="udp port 4500")
    t1 = time.monotonic()
    b.rekey(child="net")
    check(a.wait_log(r"CHILD_SA net\{2\} established", timeout=5) is not None and
          b.wait_log(r"CHILD_SA net\{2\} established", timeout=5) is not None,
          "B-initiated CHILD_SA rekey: net{2} established on both")
    check(wait_for(lambda: [c["state"] for c in a.list_sas()[0]["children"]]
                   .count("INSTALLED") == 1, 5),
          "old CHILD_SA no longer INSTALLED after the rekey")
    timings["CHILD_SA rekey"] = time.monotonic() - t1
    n, _ = t.ping(count=3, interval=0.2, wait=2)
    check(n == 3, f"ping after the rekey: {n}/3")
    cap.stop()
    ca2, cb2 = a.installed_child("net"), b.installed_child("net")
    check(ca2["spi_out"] == cb2["spi_in"] and ca2["spi_out"] != ca["spi_out"],
          f"new SPIs agree: A out {ca2['spi-out']} = B in {cb2['spi-in']}")
    ka2, kb2 = a.esp_keys(), b.esp_keys()
    check(len(ka2) == 2 and not ka2[1].initiator and kb2[1].initiator and
          ka2[1].encr_out == kb2[1].encr_in and ka2[1].encr_in == kb2[1].encr_out,
          "rekey keys logged: A is responder, B initiator, keys agree")
    c2 = classify(cap.packets())
    seen = decrypt_pings(c2["esp_udp"], strongswan.keys_by_spi(ka2 + kb2),
                         ca2["spi_out"], cb2["spi_out"])
    check(seen == {"a2b": 3, "b2a": 3},
          f"scapy decrypts the traffic of the rekeyed CHILD_SA ({seen})")

    if args.verbose:
        p = c["esp_udp"][0]
        log(f"example: {p.summary()} -> {decrypt_esp_udp(p, keys)[2].summary()}")

    # 6. wrong PSK on B
    a.terminate(ike="gw", timeout=10)
    check(a.wait_no_sas(timeout=5) and b.wait_no_sas(timeout=5),
          "terminate removes the SAs on both sides")
    b.conns[0].psk = "wrong psk"
    b.load()
    t1 = time.monotonic()
    r = a.initiate("net", timeout=15, check=False)
    timings["failed initiate (wrong PSK)"] = time.monotonic() - t1
    check(r.returncode != 0, f"initiate with mismatched PSK fails ({r.returncode})")
    check(b.wait_log(r"MAC mismatched", timeout=5) is not None,
          "B (responder) logs the PSK MAC mismatch")
    check(b.wait_log(r"generating IKE_AUTH response 1 \[ N\(AUTH_FAILED\) \]", timeout=5) is not None,
          "B answers IKE_AUTH with N(AUTH_FAILED)")
    check(a.wait_log(r"received AUTHENTICATION_FAILED notify error", timeout=5) is not None,
          "A logs 'received AUTHENTICATION_FAILED notify error'")
    check(a.established() is None and b.established() is None, "no SA is left established")

    t1 = time.monotonic()
    a.stop()
    b.stop()
    timings["stop both"] = time.monotonic() - t1
    check(a.proc.returncode == 0 and b.proc.returncode == 0,
          f"both charons exit cleanly on SIGTERM ({a.proc.returncode}, {b.proc.returncode})")

    # 7. certificates (ECDSA P-256 from pki), IKEv2 pubkey auth
    t1 = time.monotonic()
    ca = strongswan.make_ca(workroot / "pki")
    cert_a = strongswan.make_cert(workroot / "pki", ca, "gwa.test")
    cert_b = strongswan.make_cert(workroot / "pki", ca, "gwb.test")
    timings["pki: CA + 2 certs"] = time.monotonic() - t1
    a, b = make_pair(t, workroot, "unused", "unused", suffix="-cert")
    for ch, (crt, key) in ((a, cert_a), (b, cert_b)):
        c = ch.conns[0]
        c.auth, c.cert, c.key, c.cacerts = "pubkey", str(crt), str(key), [str(ca[0])]
    a.start()
    b.start()
    t1 = time.monotonic()
    r = a.initiate("net", timeout=15, check=False)
    timings["initiate with certificates"] = time.monotonic() - t1
    check(r.returncode == 0, "IKEv2 with ECDSA certificates: initiate succeeded")
    check(b.wait_log(r"authentication of 'gwa.test' with ECDSA_WITH_SHA256_DER successful",
                     timeout=2) is not None,
          "B verified A's ECDSA signature, trusting the CA from x509ca/")
    n, _ = t.ping(count=3, interval=0.2, wait=2)
    check(n == 3, f"ping through the certificate-authenticated tunnel: {n}/3")
    a.stop()
    b.stop()

    # 8. IKEv1 (Main Mode + Quick Mode), PSK
    # IKEv1 has no AEAD for the ISAKMP SA: GCM in Main Mode is refused
    # with NO_PROPOSAL_CHOSEN ("no proposal found" on the responder).
    a, b = make_pair(t, workroot, "ikev1 psk", "ikev1 psk", suffix="-v1", version=1,
                     proposals=IKE_V1_PROPOSAL)
    a.start()
    b.start()
    t1 = time.monotonic()
    r = a.initiate("net", timeout=15, check=False)
    timings["IKEv1 initiate (MM + QM)"] = time.monotonic() - t1
    check(r.returncode == 0, "IKEv1 Main Mode + Quick Mode: initiate succeeded")
    ike_a, ike_b = a.established("net"), b.established("net")
    check(ike_a["version"] == "1" and ike_b["version"] == "1", "IKE_SA version 1 on both")
    ca1, cb1 = ike_a["children"][0], ike_b["children"][0]
    check(ca1["spi_out"] == cb1["spi_in"] and ca1["spi_in"] == cb1["spi_out"],
          "IKEv1 CHILD SPIs agree")
    ka, kb = a.esp_keys(), b.esp_keys()
    check(len(ka) == 1 and len(kb) == 1 and ka[0].encr_out == kb[0].encr_in
          and ka[0].encr_in == kb[0].encr_out and ka[0].spi_out == ca1["spi_out"],
          "IKEv1 ESP keys parsed from both logs agree")
    cap = Capture(t.ns_gw_b, "wan", workroot / "wan-v1.pcap", bpf="udp port 4500")
    n, _ = t.ping(count=3, interval=0.2, wait=2)
    check(n == 3, f"ping through the IKEv1 tunnel: {n}/3")
    cap.stop()
    c = classify(cap.packets())
    seen = decrypt_pings(c["esp_udp"], strongswan.keys_by_spi(ka + kb),
                         ca1["spi_out"], cb1["spi_out"])
    check(seen == {"a2b": 3, "b2a": 3},
          f"IKEv1: scapy decrypts the captured ESP with the logged keys ({seen})")
    a.stop()
    b.stop()
    t.down()
    timings["total"] = time.monotonic() - t0
    for k, v in timings.items():
        log(f"time {k}: {v:.2f} s")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--keep", metavar="DIR",
                    help="keep configs, logs and the capture in DIR")
    args = ap.parse_args()
    why = environment_problem()
    if why:
        print(f"SKIP: interop harness test needs root and strongSwan: {why}", flush=True)
        return SKIP
    if args.keep:
        workroot = Path(args.keep).resolve()
        shutil.rmtree(workroot, ignore_errors=True)
        workroot.mkdir(parents=True)
    else:
        workroot = Path(tempfile.mkdtemp(prefix="interop-"))
        # registered first, so it runs last (after the charons stopped),
        # also on SIGINT/SIGTERM
        cleanup.register(lambda: shutil.rmtree(workroot, ignore_errors=True))
    try:
        run(args, workroot)
        print("PASS: test_harness_charon", flush=True)
        return 0
    except Exception as e:
        if isinstance(e, Failed):
            print(f"FAIL: {e}", flush=True)
        else:
            import traceback
            traceback.print_exc()
            print(f"FAIL: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", flush=True)
        for ch in current:
            print(ch.log_tail(40), flush=True)
        return 1
    finally:
        cleanup.run_all()
        if not args.keep:
            shutil.rmtree(workroot, ignore_errors=True)
        else:
            log(f"kept {workroot}")


if __name__ == "__main__":
    sys.exit(main())
