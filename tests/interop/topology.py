# SPDX-License-Identifier: BSD-3-Clause
"""Network namespaces for interop tests: two hosts behind two gateways.

    ns host_a            ns gw_a                       ns gw_b             ns host_b
    a0 10.1.0.10 <-veth-> lan 10.1.0.1 | wan 192.0.2.1 <-veth-> wan 192.0.2.2 | lan 10.2.0.1 <-veth-> b0 10.2.0.10

A gateway namespace holds nothing but its two interfaces, addresses and
forwarding: whatever runs there (a charon instance, later ipsecgw on
af_packet) provides the tunnel. Hosts route everything via their gateway;
gateways get no route to the other LAN, so hostA -> hostB only works
through a tunnel (charon installs its own routes, table 220).

Namespace names are <stem><pid>-<role> so that parallel runs never meet,
and namespaces left by a dead run are removed on the next one. Cleanup
runs from try/finally, atexit and SIGINT/SIGTERM/SIGHUP (tests/interop/
cleanup.py keeps the list).
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cleanup  # noqa: E402

HOST_A_IP = "10.1.0.10"
HOST_B_IP = "10.2.0.10"
GW_A_LAN_IP = "10.1.0.1"
GW_B_LAN_IP = "10.2.0.1"
GW_A_WAN_IP = "192.0.2.1"
GW_B_WAN_IP = "192.0.2.2"
NET_A = "10.1.0.0/24"
NET_B = "10.2.0.0/24"
WAN_NET = "192.0.2.0/24"

STEM = "igiop"

# tcp_transfer()'s two ends, run with /usr/bin/python3 -c in a namespace.
# argv: ip port timeout. The receiver prints "ready" once listening, then
# "<bytes> <sha256>" of everything read until the sender's FIN.
_TCP_RECEIVER = r"""
import hashlib, socket, sys
ip, port, tmo = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((ip, port))
s.listen(1)
s.settimeout(tmo)
print("ready", flush=True)
c, _ = s.accept()
c.settimeout(tmo)
h, n = hashlib.sha256(), 0
while True:
    b = c.recv(1 << 16)
    if not b:
        break
    h.update(b)
    n += len(b)
print(n, h.hexdigest(), flush=True)
"""
# Sends stdin to ip:port, closes its half, waits for the receiver to close.
_TCP_SENDER = r"""
import socket, sys, time
ip, port, tmo = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
data = sys.stdin.buffer.read()
c = socket.create_connection((ip, port), timeout=tmo)
c.sendall(data)
c.shutdown(socket.SHUT_WR)
while c.recv(1 << 16):
    pass
"""


def log(msg):
    print(f"[interop] {msg}", file=sys.stderr, flush=True)


def sh(*cmd, check=True, ns=None, timeout=30):
    """Runs a command (in namespace ns); returns CompletedProcess."""
    argv = [str(c) for c in cmd]
    if ns:
        argv = ["ip", "netns", "exec", ns] + argv
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if check and r.returncode != 0:
        raise RuntimeError(f"command failed ({r.returncode}): {' '.join(argv)}\n"
                           f"{r.stdout}{r.stderr}")
    return r


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def kill_namespace_pids(ns):
    """SIGKILLs every process still running in namespace ns (a charon
    whose test process died: charon drops capabilities at start, which
    clears PR_SET_PDEATHSIG, so it can outlive a SIGKILLed test)."""
    r = sh("ip", "netns", "pids", ns, check=False)
    pids = [int(p) for p in r.stdout.split() if p.isdigit()]
    for pid in pids:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
    return pids


def delete_namespace(ns):
    pids = kill_namespace_pids(ns)
    if pids:
        log(f"{ns}: killed leftover processes {pids}")
    sh("ip", "netns", "del", ns, check=False)


def remove_stale_namespaces(stem=STEM):
    """Deletes namespaces of earlier runs whose process is gone, and
    whatever still runs in them."""
    r = sh("ip", "netns", "list", check=False)
    for line in r.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        m = re.match(rf"^{stem}(\d+)-", name)
        if m and not _pid_alive(int(m.group(1))):
            log(f"removing stale namespace {name}")
            delete_namespace(name)


class Topology:
    """hostA - gwA - (WAN) - gwB - hostB, as in the module docstring.

    Attributes: ns_host_a, ns_gw_a, ns_gw_b, ns_host_b (namespace names);
    dev[role] = (ns, ifname) for roles host_a, gw_a_lan, gw_a_wan,
    gw_b_wan, gw_b_lan, host_b. Interface names are fixed inside each
    namespace (a0, lan, wan, b0), so configs need not know the prefix.
    """

    def __init__(self, stem=STEM, tx_csum_off=True):
        p = f"{stem}{os.getpid()}-"
        self.stem = stem
        self.ns_host_a = p + "ha"
        self.ns_gw_a = p + "ga"
        self.ns_gw_b = p + "gb"
        self.ns_host_b = p + "hb"
        self.tx_csum_off = tx_csum_off
        self.created = []
        self.dev = {
            "host_a": (self.ns_host_a, "a0"),
            "gw_a_lan": (self.ns_gw_a, "lan"),
            "gw_a_wan": (self.ns_gw_a, "wan"),
            "gw_b_wan": (self.ns_gw_b, "wan"),
            "gw_b_lan": (self.ns_gw_b, "lan"),
            "host_b": (self.ns_host_b, "b0"),
        }

    @property
    def namespaces(self):
        return [self.ns_host_a, self.ns_gw_a, self.ns_gw_b, self.ns_host_b]

    def _veth(self, ns1, if1, ns2, if2):
        sh("ip", "link", "add", if1, "netns", ns1, "type", "veth",
           "peer", "name", if2, "netns", ns2)

    def _addr(self, ns, dev, cidr):
        sh("ip", "-n", ns, "addr", "add", cidr, "dev", dev)
        sh("ip", "-n", ns, "link", "set", dev, "up")

    def up(self):
        remove_stale_namespaces(self.stem)
        cleanup.register(self.down)
        for ns in self.namespaces:
            sh("ip", "netns", "add", ns)
            self.created.append(ns)
            # No IPv6: keeps RS/MLD/DAD chatter off the links and captures.
            sh("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
               "net.ipv6.conf.default.disable_ipv6=1", ns=ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        self._veth(self.ns_host_a, "a0", self.ns_gw_a, "lan")
        self._veth(self.ns_gw_a, "wan", self.ns_gw_b, "wan")
        self._veth(self.ns_gw_b, "lan", self.ns_host_b, "b0")
        self._addr(self.ns_host_a, "a0", f"{HOST_A_IP}/24")
        self._addr(self.ns_gw_a, "lan", f"{GW_A_LAN_IP}/24")
        self._addr(self.ns_gw_a, "wan", f"{GW_A_WAN_IP}/24")
        self._addr(self.ns_gw_b, "wan", f"{GW_B_WAN_IP}/24")
        self._addr(self.ns_gw_b, "lan", f"{GW_B_LAN_IP}/24")
        self._addr(self.ns_host_b, "b0", f"{HOST_B_IP}/24")
        sh("ip", "-n", self.ns_host_a, "route", "add", "default", "via", GW_A_LAN_IP)
        sh("ip", "-n", self.ns_host_b, "route", "add", "default", "via", GW_B_LAN_IP)
        for ns in (self.ns_gw_a, self.ns_gw_b):
            # Decrypted packets come out of charon's TUN device and must be
            # forwarded to the LAN; rp_filter would drop them (no route
            # back through the TUN device in the main table).
            sh("sysctl", "-qw", "net.ipv4.ip_forward=1",
               "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0",
               ns=ns)
            for dev in ("lan", "wan"):
                sh("sysctl", "-qw", f"net.ipv4.conf.{dev}.rp_filter=0", ns=ns)
        if self.tx_csum_off:
            # A DPDK gateway reading a veth with af_packet gets locally
            # generated UDP with a partial checksum unless TX checksum
            # offload is off on the sender (MACHINE-NOTES). Harmless for
            # charon, so done on every veth end.
            for ns, dev in self.dev.values():
                sh("ethtool", "-K", dev, "tx", "off", ns=ns, check=False)
        return self

    def down(self):
        cleanup.unregister(self.down)
        for ns in reversed(self.created):
            delete_namespace(ns)
        self.created = []

    def link_mac(self, role):
        ns, dev = self.dev[role]
        r = sh("ip", "-n", ns, "-j", "link", "show", "dev", dev)
        return json.loads(r.stdout)[0]["address"]

    def ping(self, src_role="host_a", dst_ip=HOST_B_IP, count=3, interval=0.2,
             wait=1, size=56):
        """Pings dst_ip from a host namespace; returns (received, output)."""
        ns = self.dev[src_role][0]
        r = sh("ping", "-n", "-c", count, "-i", interval, "-W", wait, "-s", size,
               dst_ip, ns=ns, check=False, timeout=count * (interval + wait) + 10)
        m = re.search(r"(\d+) (?:packets )?received", r.stdout)
        return (int(m.group(1)) if m else 0), r.stdout + r.stderr

    def forget_pmtu(self):
        """Flushes the hosts' routing caches, path MTUs learnt from ICMP
        fragmentation-needed included: each test starts from the link MTU
        (the namespaces live as long as the test module)."""
        for ns in (self.ns_host_a, self.ns_host_b):
            sh("ip", "route", "flush", "cache", ns=ns)

    def tcp_transfer(self, src_role="host_a", dst_ip=HOST_B_IP, nbytes=2 << 20,
                     port=5201, timeout=30):
        """Sends nbytes of random data over one TCP connection from the
        namespace of src_role to dst_ip:port (a receiver started in the
        namespace owning dst_ip). Returns (ok, detail): ok when the
        receiver got exactly the bytes sent (length and SHA-256) before
        timeout seconds; detail says what was sent and what arrived.

        Plain /usr/bin/python3 on both ends (no socat/nc needed). The data
        comes from the test through the sender's stdin, so the expected
        digest is computed here, independently of both ends."""
        dst_ns = next((ns for ns, ip in ((self.ns_host_a, HOST_A_IP),
                                         (self.ns_host_b, HOST_B_IP),
                                         (self.ns_gw_a, GW_A_WAN_IP),
                                         (self.ns_gw_b, GW_B_WAN_IP))
                       if ip == dst_ip), None)
        if dst_ns is None:
            raise ValueError(f"no namespace owns {dst_ip}")
        src_ns = self.dev[src_role][0]
        data = os.urandom(nbytes)
        want = hashlib.sha256(data).hexdigest()
        recv = subprocess.Popen(
            ["ip", "netns", "exec", dst_ns, "/usr/bin/python3", "-c", _TCP_RECEIVER,
             dst_ip, str(port), str(timeout)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)
        t0 = time.monotonic()
        try:
            ready = recv.stdout.readline().strip()
            if ready != "ready":
                recv.kill()
                out, _ = recv.communicate()
                return False, f"receiver did not start: {ready}{out}"
            send = subprocess.run(
                ["ip", "netns", "exec", src_ns, "/usr/bin/python3", "-c", _TCP_SENDER,
                 dst_ip, str(port), str(timeout)],
                input=data, capture_output=True, timeout=timeout + 5)
            out, _ = recv.communicate(timeout=max(1.0, timeout + 5 - (time.monotonic() - t0)))
        except subprocess.TimeoutExpired:
            recv.kill()
            out, _ = recv.communicate()
            return False, (f"{src_role} -> {dst_ip}: timed out after {timeout}s "
                           f"(receiver: {out.strip()})")
        dt = time.monotonic() - t0
        got = out.split()

        def last(text):  # a traceback's last line says what went wrong
            lines = text.strip().splitlines()
            return lines[-1] if lines else ""
        detail = (f"{src_role} -> {dst_ip}: sent {nbytes} bytes sha256 {want[:16]}, "
                  f"receiver says {last(out)!r}, sender rc {send.returncode} "
                  f"{last(send.stdout.decode(errors='replace') + send.stderr.decode(errors='replace'))!r}"
                  f", {dt:.2f}s")
        ok = (send.returncode == 0 and len(got) == 2 and got[0] == str(nbytes)
              and got[1] == want)
        return ok, detail

    def __enter__(self):
        return self.up()

    def __exit__(self, *exc):
        self.down()
