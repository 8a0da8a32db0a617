# SPDX-License-Identifier: BSD-3-Clause
"""End-to-end harness for ipsecgw: network namespaces, the gateway process,
the control client, and an independent ESP peer built on scapy.

Topology (one gateway):

    ns HOSTA               ns GW (ipsecgw, af_packet)            ns PEER
    a0 10.1.0.10/24 <-veth-> gw-lan | ipsecgw | gw-wan <-veth-> p0 192.0.2.2/24

The test process never runs scapy's own sockets. It enters a namespace with
setns(2) only long enough to open an AF_PACKET socket on a0 or p0 (a socket
stays bound to the namespace it was created in), then builds and parses
frames with scapy and sends/receives raw bytes. Sockets are opened before
anything is sent, so no frame can be missed by a late capture.

Everything created here (namespaces, the gateway process, temp dirs) is
registered for cleanup that runs from try/finally, atexit and SIGINT/SIGTERM/
SIGHUP handlers; the gateway also gets PR_SET_PDEATHSIG so it cannot outlive
the test process.
"""

import atexit
import ctypes
import importlib
import ipaddress
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("IPSECGW_BUILD", str(REPO / "build")))
GW_BIN = BUILD / "app" / "ipsecgw" / "ipsecgw"
CTL_BIN = BUILD / "app" / "ipsecgw-ctl" / "ipsecgw-ctl"

SKIP = 77  # meson's "skipped" exit status

# Addresses of the e2e topology.
HOSTA_IP = "10.1.0.10"
GW_LAN_IP = "10.1.0.1"
GW_WAN_IP = "192.0.2.1"
PEER_IP = "192.0.2.2"
LAN_NET = "10.1.0.0/24"
REMOTE_NET = "10.2.0.0/24"
REMOTE_HOST = "10.2.0.5"

ALG_KEY_LEN = {"aes128gcm16": 16, "aes256gcm16": 32}
SALT_LEN = 4
ICV_LEN = 16
IV_LEN = 8

ESP_DROP_KEYS = ("no_sa", "replay", "icv", "bad_padding", "esp_truncated",
                 "malformed", "inner_policy", "bad_next_header")


def log(msg):
    print(f"[e2e] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# environment checks

def environment_problem():
    """Returns why the e2e suite cannot run here, or None."""
    if os.geteuid() != 0:
        return "not root: network namespaces need CAP_SYS_ADMIN"
    if shutil.which("ip") is None:
        return "iproute2 'ip' not found"
    r = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    if r.returncode != 0:
        return f"'ip netns' unavailable: {r.stderr.strip()}"
    try:
        for mod in ("scapy.layers.ipsec", "cryptography.hazmat.primitives.ciphers.aead"):
            importlib.import_module(mod)
    except ImportError as e:
        return f"python modules missing ({e}): apt-get install python3-scapy python3-cryptography"
    return None


def binaries_problem():
    missing = [str(p) for p in (GW_BIN, CTL_BIN) if not os.access(p, os.X_OK)]
    if missing:
        return ("gateway binaries not built: " + ", ".join(missing) +
                " (set IPSECGW_BUILD to the build directory)")
    return None


def skip_unless_runnable():
    """Exits 77 (skipped) with a message if the e2e suite cannot run."""
    why = environment_problem()
    if why:
        print(f"SKIP: e2e suite needs root and 'ip netns': {why}", flush=True)
        sys.exit(SKIP)


# --------------------------------------------------------------------------
# cleanup registry: try/finally, atexit and signals all run the same list

_cleanups = []
_handlers_installed = False


def register_cleanup(fn):
    """Registers fn to run at exit (LIFO). Returns a handle for unregister."""
    _install_handlers()
    _cleanups.append(fn)
    return fn


def unregister_cleanup(fn):
    try:
        _cleanups.remove(fn)
    except ValueError:
        pass


def run_cleanups():
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except Exception as e:  # keep cleaning up the rest
            log(f"cleanup {fn!r} failed: {e}")


def _on_signal(signum, _frame):
    log(f"signal {signum}: cleaning up")
    run_cleanups()
    os._exit(128 + signum)


def _install_handlers():
    global _handlers_installed
    if _handlers_installed:
        return
    _handlers_installed = True
    atexit.register(run_cleanups)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _on_signal)


# --------------------------------------------------------------------------
# namespaces

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"setns: {os.strerror(e)}")


@contextmanager
def in_netns(name):
    """Runs the body with this thread in network namespace `name`."""
    here = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    there = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        _setns(there)
        try:
            yield
        finally:
            _setns(here)
    finally:
        os.close(there)
        os.close(here)


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


def link_mac(ns, dev):
    r = sh("ip", "-n", ns, "-j", "link", "show", "dev", dev)
    return json.loads(r.stdout)[0]["address"]


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def remove_stale_namespaces(stem="ige2e"):
    """Deletes namespaces left by an earlier run of this suite whose process
    is gone (names are <stem><pid>-<role>)."""
    r = sh("ip", "netns", "list", check=False)
    for line in r.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        m = re.match(rf"^{stem}(\d+)-", name)
        if m and not _pid_alive(int(m.group(1))):
            sh("ip", "netns", "del", name, check=False)


class Topology:
    """Three namespaces and two veth pairs, as in the module docstring."""

    def __init__(self, stem="ige2e"):
        p = f"{stem}{os.getpid()}-"
        self.ns_a = p + "a"
        self.ns_gw = p + "gw"
        self.ns_peer = p + "p"
        self.created = []
        self.mac = {}

    def up(self):
        remove_stale_namespaces()
        register_cleanup(self.down)
        for ns in (self.ns_a, self.ns_gw, self.ns_peer):
            sh("ip", "netns", "add", ns)
            self.created.append(ns)
            # No IPv6: keeps kernel chatter (RS, MLD, DAD) off the links.
            sh("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
               "net.ipv6.conf.default.disable_ipv6=1", ns=ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "link", "add", "a0", "netns", self.ns_a, "type", "veth",
           "peer", "name", "gw-lan", "netns", self.ns_gw)
        sh("ip", "link", "add", "p0", "netns", self.ns_peer, "type", "veth",
           "peer", "name", "gw-wan", "netns", self.ns_gw)
        for dev in ("gw-lan", "gw-wan"):
            sh("ip", "-n", self.ns_gw, "link", "set", dev, "up")
        sh("ip", "-n", self.ns_a, "addr", "add", f"{HOSTA_IP}/24", "dev", "a0")
        sh("ip", "-n", self.ns_a, "link", "set", "a0", "up")
        sh("ip", "-n", self.ns_a, "route", "add", "default", "via", GW_LAN_IP)
        sh("ip", "-n", self.ns_peer, "addr", "add", f"{PEER_IP}/24", "dev", "p0")
        sh("ip", "-n", self.ns_peer, "link", "set", "p0", "up")
        sh("ip", "-n", self.ns_peer, "route", "add", LAN_NET, "via", GW_WAN_IP)
        # The kernel hands locally generated UDP to AF_PACKET readers with a
        # partial checksum unless TX checksum offload is off on the sender.
        sh("ethtool", "-K", "a0", "tx", "off", ns=self.ns_a)
        sh("ethtool", "-K", "p0", "tx", "off", ns=self.ns_peer)
        self.mac = {
            "a0": link_mac(self.ns_a, "a0"),
            "p0": link_mac(self.ns_peer, "p0"),
            "gw-lan": link_mac(self.ns_gw, "gw-lan"),
            "gw-wan": link_mac(self.ns_gw, "gw-wan"),
        }
        return self

    def down(self):
        unregister_cleanup(self.down)
        for ns in reversed(self.created):
            sh("ip", "netns", "del", ns, check=False)
        self.created = []

    def __enter__(self):
        return self.up()

    def __exit__(self, *exc):
        self.down()


# --------------------------------------------------------------------------
# raw L2 endpoints inside a namespace

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


class L2Port:
    """An AF_PACKET socket on one interface of a namespace: sends frames and
    collects the frames that interface receives (not the ones it sends)."""

    def __init__(self, ns, ifname, mac, ip):
        self.ns, self.ifname, self.mac, self.ip = ns, ifname, mac, ip
        with in_netns(ns):
            # protocol 0 first: nothing is queued until bound to ifname
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            s.bind((ifname, ETH_P_ALL))
        s.setblocking(False)
        self.sock = s

    def close(self):
        self.sock.close()

    def send(self, frame):
        self.sock.send(bytes(frame))

    def drain(self):
        """Discards everything received so far."""
        n = 0
        while True:
            try:
                self.sock.recvfrom(65536)
                n += 1
            except BlockingIOError:
                return n

    def collect(self, match, count=None, timeout=2.0, settle=0.3):
        """Returns the received frames (scapy Ether) for which match(frame)
        is true. Waits up to `timeout` for `count` of them (all of timeout
        when count is None); once count is reached it keeps listening for
        `settle` more seconds so that extra copies are seen too."""
        from scapy.layers.l2 import Ether
        got = []
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return got
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                continue
            while True:
                try:
                    data, addr = self.sock.recvfrom(65536)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                f = Ether(data)
                if match(f):
                    got.append(f)
                    if count is not None and len(got) == count:
                        end = time.monotonic() + settle

    def arp_resolve(self, target_ip, tries=5, timeout=1.0):
        """ARP for target_ip from this port; returns the MAC that answered."""
        from scapy.layers.l2 import ARP, Ether
        req = Ether(src=self.mac, dst="ff:ff:ff:ff:ff:ff") / ARP(
            op=1, hwsrc=self.mac, psrc=self.ip, pdst=target_ip)

        def is_reply(f):
            return (ARP in f and f[ARP].op == 2 and f[ARP].psrc == target_ip
                    and f[ARP].pdst == self.ip)
        for _ in range(tries):
            self.send(req)
            got = self.collect(is_reply, count=1, timeout=timeout, settle=0)
            if got:
                return got[0][ARP].hwsrc
        raise TimeoutError(f"no ARP reply for {target_ip} on {self.ns}/{self.ifname}")

    def ping(self, dst_mac, dst_ip, count=3, timeout=1.0, ident=None, size=32):
        """Sends ICMP echo requests one by one; returns how many matching
        replies (same id, seq and payload, from dst_ip) came back."""
        from scapy.layers.inet import ICMP, IP
        from scapy.layers.l2 import Ether
        from scapy.packet import Raw
        ident = ident if ident is not None else (os.getpid() & 0xffff)
        answered = 0
        for seq in range(1, count + 1):
            payload = os.urandom(size)
            req = (Ether(src=self.mac, dst=dst_mac) /
                   IP(src=self.ip, dst=dst_ip, ttl=64) /
                   ICMP(type=8, id=ident, seq=seq) / Raw(payload))

            def is_reply(f, seq=seq, payload=payload):
                return (IP in f and ICMP in f and f[IP].src == dst_ip and
                        f[IP].dst == self.ip and f[ICMP].type == 0 and
                        f[ICMP].id == ident and f[ICMP].seq == seq and
                        bytes(f[ICMP].payload) == payload)
            self.send(req)
            if self.collect(is_reply, count=1, timeout=timeout, settle=0):
                answered += 1
        return answered


def open_sink(ns, kind, port=0, addr="0.0.0.0"):
    """Opens a socket in ns that swallows traffic the kernel would otherwise
    answer with ICMP unreachable (which would put extra packets on the
    gateway's SAs): kind "udp" binds a UDP port, "esp" is a raw proto-50
    socket."""
    with in_netns(ns):
        if kind == "udp":
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((addr, port))
        elif kind == "esp":
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ESP)
        else:
            raise ValueError(kind)
    s.setblocking(False)
    return s


# --------------------------------------------------------------------------
# keys and configuration

def new_key(alg):
    """Random key material for alg: key || 4-byte salt (RFC 4106)."""
    return os.urandom(ALG_KEY_LEN[alg] + SALT_LEN)


@dataclass
class SaSpec:
    name: str
    direction: str            # "out" | "in"
    spi: int
    alg: str
    keymat: bytes             # key || salt
    encap: str = "none"       # "none" | "udp"
    esn: bool = True
    replay_window: int = 1024
    local: str = GW_WAN_IP
    remote: str = PEER_IP
    local_ts: list = field(default_factory=lambda: [LAN_NET])
    remote_ts: list = field(default_factory=lambda: [REMOTE_NET])

    @property
    def key(self):
        return self.keymat[:-SALT_LEN]

    @property
    def salt(self):
        return self.keymat[-SALT_LEN:]


def _cfg_list(items):
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def gateway_config(file_prefix, socket_path, sas, neighbors=(), mem_mb=512,
                   lan_if="gw-lan", wan_if="gw-wan", extra="", workers=1):
    """libconfig text for the e2e gateway. With workers=2 both workers
    share CPU 1 (this machine has two) and each port has two queue pairs,
    which af_packet fills by flow hash: packets reach the worker that does
    not own their SA and are handed to the owner."""
    # --no-huge implies legacy memory, which DPDK 22.11 refuses together
    # with --in-memory; --no-shconf keeps the runtime files away instead.
    qp = f",qpairs={workers}" if workers > 1 else ""
    eal = ["--no-pci", "--no-huge", "-m", str(mem_mb), "--no-shconf",
           f"--file-prefix={file_prefix}", "--log-level=*:notice",
           f"--vdev=net_af_packet0,iface={lan_if}{qp}",
           f"--vdev=net_af_packet1,iface={wan_if}{qp}"]
    if workers > 1:
        eal.append("--lcores=0@0," + ",".join(f"{i}@1" for i in range(1, workers + 1)))
    worker_list = ", ".join(str(i) for i in range(1, workers + 1))
    lines = [
        "# generated by tests/e2e/harness.py",
        f"eal = {{ args = {_cfg_list(eal)}; }};",
        f'lcores = {{ control = 0; workers = [{worker_list}]; idle = "sleep"; }};',
        "ports = {",
        f'  lan = {{ device = "net_af_packet0"; role = "protected"; address = ["{GW_LAN_IP}/24"]; }};',
        f'  wan = {{ device = "net_af_packet1"; role = "unprotected"; address = ["{GW_WAN_IP}/24"]; }};',
        "};",
        f'routes = ( {{ dst = "10.2.0.0/16"; via = "{PEER_IP}"; port = "wan"; }} );',
    ]
    if neighbors:
        ents = [f'{{ address = "{a}"; mac = "{m}"; port = "{p}"; }}' for a, m, p in neighbors]
        lines.append("neighbors = ( " + ", ".join(ents) + " );")
    lines.append('spd_default = "discard";')
    lines.append("sas = {")
    for sa in sas:
        parts = [f'direction = "{sa.direction}"', f"spi = 0x{sa.spi:x}",
                 'mode = "tunnel"', f'local = "{sa.local}"',
                 f'remote = "{sa.remote}"', f"local_ts = {_cfg_list(sa.local_ts)}",
                 f"remote_ts = {_cfg_list(sa.remote_ts)}", f'aead = "{sa.alg}"',
                 f'key = "0x{sa.keymat.hex()}"', f'encap = "{sa.encap}"',
                 f"esn = {'true' if sa.esn else 'false'}"]
        if sa.direction == "in":
            parts.append(f"replay_window = {sa.replay_window}")
        lines.append(f"  {sa.name} = {{ " + "; ".join(parts) + "; };")
    lines.append("};")
    lines.append(f'control = {{ socket = "{socket_path}"; }};')
    if extra:
        lines.append(extra)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# the gateway process and its control client

def _pdeathsig():
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class Gateway:
    """One ipsecgw process in a namespace, with its log in workdir."""

    log_dir = None  # copies of every gateway log land here when set

    def __init__(self, ns, name, conf_text, workdir=None):
        self.ns, self.name = ns, name
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix=f"ipsecgw-{name}-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.conf = self.workdir / f"{name}.conf"
        self.conf.write_text(conf_text)
        m = re.search(r'socket\s*=\s*"([^"]+)"', conf_text)
        self.socket = m.group(1) if m else None
        m = re.search(r'--file-prefix=([\w.-]+)', conf_text)
        self.file_prefix = m.group(1) if m else None
        self.log_path = self.workdir / f"{name}.log"
        self.proc = None
        self._logf = None

    def start(self, timeout=20.0):
        """Starts ipsecgw and waits until the control socket answers
        `show ports`. Raises with the log on failure."""
        register_cleanup(self.kill)
        self._logf = open(self.log_path, "wb")
        argv = ["ip", "netns", "exec", self.ns, str(GW_BIN), "-c", str(self.conf)]
        log(f"start {self.name}: {' '.join(argv)}")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=self._logf, stderr=subprocess.STDOUT,
                                     preexec_fn=_pdeathsig)
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name}: ipsecgw exited with {self.proc.returncode} "
                                   f"before answering\n{self.log_tail()}")
            if self.socket and os.path.exists(self.socket):
                r = self.ctl_raw("show", "ports", check=False, timeout=5)
                if r.returncode == 0:
                    return self
                last = r.stdout + r.stderr
            time.sleep(0.2)
        raise RuntimeError(f"{self.name}: control socket {self.socket} did not answer "
                           f"'show ports' within {timeout:.0f}s ({last.strip()})\n"
                           f"{self.log_tail()}")

    def ctl_raw(self, *args, json_out=False, check=True, timeout=10):
        argv = [str(CTL_BIN), "-s", self.socket] + (["--json"] if json_out else []) + list(args)
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({r.returncode}): "
                               f"{r.stdout}{r.stderr}")
        return r

    def ctl(self, *args):
        """Runs an ipsecgw-ctl command with --json; returns parsed JSON."""
        r = self.ctl_raw(*args, json_out=True)
        try:
            return json.loads(r.stdout)
        except ValueError as e:
            raise RuntimeError(f"ipsecgw-ctl {' '.join(args)}: not JSON ({e}): {r.stdout!r}")

    def stats(self):
        return self.ctl("show", "stats")

    def sas(self):
        """{name: sa dict} from `show sa --json`."""
        return {s["name"]: s for s in self.ctl("show", "sa")["sas"]}

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10.0):
        """Asks the gateway to quit; kills it if it does not. Returns its
        exit status (None if it had to be killed)."""
        if self.proc is None:
            return None
        rc = None
        if self.running() and self.socket:
            self.ctl_raw("quit", check=False, timeout=5)
            try:
                rc = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log(f"{self.name}: did not quit within {timeout:.0f}s, killing")
        self.kill()
        if rc is None and self.proc.returncode is not None and self.proc.returncode >= 0:
            rc = self.proc.returncode
        return rc

    def kill(self):
        unregister_cleanup(self.kill)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._logf:
            self._logf.close()
            self._logf = None
        if self.file_prefix and self.proc is not None:
            # EAL's runtime directory (telemetry socket) outlives the process
            shutil.rmtree(f"/var/run/dpdk/{self.file_prefix}", ignore_errors=True)
        if Gateway.log_dir:
            try:
                os.makedirs(Gateway.log_dir, exist_ok=True)
                shutil.copy(self.log_path, Path(Gateway.log_dir) / self.log_path.name)
                shutil.copy(self.conf, Path(Gateway.log_dir) / self.conf.name)
            except OSError:
                pass

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines=60):
        t = self.log_text().splitlines()
        body = "\n".join(t[-lines:])
        return f"----- {self.name} log ({self.log_path}), last {min(lines, len(t))} lines -----\n{body}\n-----"


def counter_delta(before, after):
    """Recursive numeric difference after - before for nested dicts."""
    if isinstance(before, dict):
        return {k: counter_delta(before.get(k, 0), v) for k, v in after.items()}
    if isinstance(after, (int, float)) and isinstance(before, (int, float)):
        return after - before
    return after


def wait_for(fn, timeout=5.0, interval=0.05):
    """Polls fn() until it returns a true value; returns the last value."""
    deadline = time.monotonic() + timeout
    v = fn()
    while not v and time.monotonic() < deadline:
        time.sleep(interval)
        v = fn()
    return v


# --------------------------------------------------------------------------
# the ESP peer (scapy SecurityAssociation + an AESGCM builder of our own)

def scapy_sa(spec, esn_hi=0):
    """scapy SA for a tunnel SA as the PEER sees it. Outer headers are added
    and removed by esp_wrap/esp_unwrap, so scapy does ESP only."""
    from scapy.layers.inet import IP
    from scapy.layers.ipsec import ESP, SecurityAssociation
    if spec.direction == "in":   # the gateway's inbound = the peer's outbound
        src, dst = spec.remote, spec.local
    else:
        src, dst = spec.local, spec.remote
    return SecurityAssociation(ESP, spi=spec.spi, crypt_algo="AES-GCM",
                               crypt_key=spec.keymat,
                               tunnel_header=IP(src=src, dst=dst),
                               esn_en=spec.esn, esn=esn_hi)


def esp_encrypt(spec, inner, seq, esn_hi=0, ttl=64, ip_id=0):
    """ESP packet (outer IPv4 bytes) from the PEER to the gateway carrying
    `inner` (scapy IP), encrypted by scapy with IV = seq (64-bit BE)."""
    sa = scapy_sa(spec, esn_hi)
    iv = struct.pack("!Q", (esn_hi << 32) | seq)
    p = sa.encrypt(inner.__class__(bytes(inner)), seq_num=seq, iv=iv)
    esp = bytes(p.payload)            # SPI, seq, IV, ciphertext, ICV
    return esp_wrap(spec, esp, ttl=ttl, ip_id=ip_id)


def esp_wrap(spec, esp_bytes, ttl=64, ip_id=0):
    """Outer IPv4 (+ UDP 4500 for encap udp) around ESP bytes, PEER -> GW.
    Built by hand rather than with scapy's nat_t_header, whose UDP length
    scapy 2.5 leaves at 8."""
    from scapy.layers.inet import IP, UDP
    from scapy.packet import Raw
    if spec.encap == "udp":
        p = IP(src=spec.remote, dst=spec.local, ttl=ttl, id=ip_id) / \
            UDP(sport=4500, dport=4500, chksum=0) / Raw(esp_bytes)
    else:
        p = IP(src=spec.remote, dst=spec.local, ttl=ttl, id=ip_id, proto=50) / Raw(esp_bytes)
    return bytes(p)


def esp_unwrap(outer):
    """Splits a received outer IPv4 packet (scapy IP) into (esp bytes,
    encap, udp header) with encap "none" or "udp"; raises ValueError if it
    is neither ESP nor ESP-in-UDP-4500 (UDP 4500 is not decoded as ESP by
    scapy automatically, and a 4-byte zero marker means IKE)."""
    from scapy.layers.inet import UDP
    ip = outer
    ihl = ip.ihl * 4
    raw = bytes(ip)[:ip.len]
    if ip.proto == 50:
        return raw[ihl:], "none", None
    if ip.proto == 17:
        udp = UDP(raw[ihl:ihl + 8])
        payload = raw[ihl + 8:]
        if 4500 in (udp.dport, udp.sport):
            if payload[:4] == b"\0\0\0\0":
                raise ValueError("UDP 4500 with non-ESP marker (IKE)")
            return payload, "udp", udp
    raise ValueError(f"not ESP: proto {ip.proto}")


def esp_decrypt_scapy(spec, esp_bytes, esn_hi=0):
    """Decrypts ESP bytes with scapy; returns the inner packet (scapy IP).
    Raises scapy's IPSecIntegrityError on a bad ICV."""
    from scapy.layers.inet import IP
    from scapy.layers.ipsec import ESP
    sa = scapy_sa(spec, esn_hi)
    th = sa.tunnel_header
    pkt = IP(src=th.src, dst=th.dst, proto=50) / ESP(esp_bytes)
    pkt = IP(bytes(pkt))
    return sa.decrypt(pkt)


def esp_decrypt_raw(spec, esp_bytes, esn_hi=0):
    """Our own RFC 4106 decryption; returns dict with spi, seq, iv, payload
    (inner bytes), padding, pad_len, next_header. Independent of scapy so
    the trailer (padding 1,2,3.., next header) can be checked."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    spi, seq = struct.unpack("!II", esp_bytes[:8])
    iv = esp_bytes[8:16]
    ct = esp_bytes[16:]
    aad = struct.pack("!III", spi, esn_hi, seq) if spec.esn else struct.pack("!II", spi, seq)
    pt = AESGCM(spec.key).decrypt(spec.salt + iv, ct, aad)
    pad_len, nh = pt[-2], pt[-1]
    return {"spi": spi, "seq": seq, "iv": iv, "payload": pt[:-2 - pad_len],
            "padding": pt[-2 - pad_len:-2], "pad_len": pad_len, "next_header": nh}


def esp_build_raw(spec, inner_bytes, seq, esn_hi=0, padding=None, next_header=4,
                  iv=None):
    """ESP bytes built with python3-cryptography, PEER -> gateway. padding
    None gives RFC 4303 padding 1,2,3..; otherwise the given bytes are used
    as-is (their length must keep the 4-byte alignment)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    if padding is None:
        n = (-(len(inner_bytes) + 2)) % 4
        padding = bytes(range(1, n + 1))
    if (len(inner_bytes) + len(padding) + 2) % 4:
        raise ValueError("padding breaks 4-byte alignment")
    iv = iv if iv is not None else struct.pack("!Q", (esn_hi << 32) | seq)
    pt = inner_bytes + padding + bytes([len(padding), next_header])
    aad = struct.pack("!III", spec.spi, esn_hi, seq) if spec.esn else struct.pack("!II", spec.spi, seq)
    ct = AESGCM(spec.key).encrypt(spec.salt + iv, pt, aad)
    return struct.pack("!II", spec.spi, seq) + iv + ct


def ipv4_checksum_ok(ip):
    """True when the IPv4 header checksum of scapy IP `ip` verifies."""
    hdr = bytes(ip)[:ip.ihl * 4]
    s = 0
    for i in range(0, len(hdr), 2):
        s += (hdr[i] << 8) | hdr[i + 1]
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s == 0xffff


def expected_forwarded(sent_ip):
    """What a router must emit for scapy IP `sent_ip`: TTL - 1 and the
    header checksum recomputed; everything else unchanged."""
    from scapy.layers.inet import IP
    p = IP(bytes(sent_ip))
    p.ttl = p.ttl - 1
    del p.chksum
    return IP(bytes(p))


IP_FIELDS = ("version", "ihl", "tos", "len", "id", "flags", "frag", "ttl",
             "proto", "chksum", "src", "dst")


def compare_ip(expected, got):
    """Lists differences between two scapy IPv4 packets: header fields one
    by one, then the bytes after the header."""
    diffs = []
    for f in IP_FIELDS:
        a, b = getattr(expected, f), getattr(got, f)
        if a != b:
            diffs.append(f"{f}: expected {a!r}, got {b!r}")
    pe = bytes(expected)[expected.ihl * 4:expected.len]
    pg = bytes(got)[got.ihl * 4:got.len]
    if pe != pg:
        diffs.append(f"payload differs: expected {pe.hex()} got {pg.hex()}")
    return diffs


def ip_in(addr, net):
    return ipaddress.ip_address(addr) in ipaddress.ip_network(net)
