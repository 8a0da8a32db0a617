#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""IKE setup rate: ipsecgw and strongSwan's charon as responders, one run.

    ns host_a (ping source) - ns gw_a (responder) - ns gw_b (ipsecgw-ikeload)

For each IKE proposal, ipsecgw (af_packet on gw_a's veths) answers the load
tool's IKE_SA_INIT + IKE_AUTH (PSK, one CHILD SA each, deleted once up) and
its control thread's CPU time comes from `show ike-stats`; a ping from
host_a through the gateway (a bypass policy) runs meanwhile and tells
whether the data plane noticed. Then charon answers the same load on the
same address; its CPU time is utime+stime of the process. The table gives
establishments per responder CPU-second and the ratio ipsecgw / charon.

Usage: scripts/bench-ike-setup.sh [--duration S] [--window W] [--groups a,b]
       [--json FILE]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "interop"))
import cleanup  # noqa: E402
from strongswan import Charon, Child, Conn, make_ca, make_cert, missing  # noqa: E402
from topology import GW_A_WAN_IP, GW_B_WAN_IP, HOST_A_IP, Topology, sh  # noqa: E402

PSK = "ike-setup-bench-psk-0123456789"
GROUPS = {
    # name: (IKE proposal, ESP proposal)
    "curve25519": ("aes128gcm16-prfsha256-curve25519", "aes128gcm16"),
    "ecp256": ("aes128gcm16-prfsha256-ecp256", "aes128gcm16"),
    "modp2048": ("aes128gcm16-prfsha256-modp2048", "aes128gcm16"),
    # ECDSA P-256 certificates both ways (pki-made CA, one end-entity
    # certificate per side); the DH group as in the ecp256 case
    "ecdsa-p256": ("aes128gcm16-prfsha256-ecp256", "aes128gcm16"),
}
CERT_GROUPS = {"ecdsa-p256"}


def log(msg):
    print(f"[bench-ike] {msg}", file=sys.stderr, flush=True)


def gateway_conf(work, prefix, ike, esp, cookie_threshold, pki=None):
    if pki:
        auth = (f'local = {{ auth = "pubkey"; id = "gw.test"; certs = ["{pki["gw"][0]}"]; '
                f'key = "{pki["gw"][1]}"; }}; remote = {{ auth = "pubkey"; id = "%any"; '
                f'cacerts = ["{pki["ca"][0]}"]; }};')
    else:
        auth = ('local = { auth = "psk"; id = "gw.test"; }; '
                'remote = { auth = "psk"; id = "%any"; };')
    return f"""
eal = {{ args = ["--no-pci", "--no-huge", "-m", "256", "--no-shconf",
  "--file-prefix={prefix}", "--log-level=*:notice",
  "--vdev=net_af_packet0,iface=lan", "--vdev=net_af_packet1,iface=wan"]; }};
lcores = {{ control = 0; workers = [1]; idle = "sleep"; }};
ports = {{
  lan = {{ device = "net_af_packet0"; role = "protected"; address = ["10.1.0.1/24"]; }};
  wan = {{ device = "net_af_packet1"; role = "unprotected"; address = ["{GW_A_WAN_IP}/24"]; }};
}};
spd_default = "bypass";
ike = {{ cookie_threshold = {cookie_threshold}; }};
connections = {{
  load = {{ version = 2; local_addrs = ["{GW_A_WAN_IP}"]; remote_addrs = ["%any"];
    proposals = ["{ike}"];
    {auth}
    children = {{ net = {{ local_ts = ["10.99.0.0/24"]; remote_ts = ["10.200.0.0/13"];
      esp_proposals = ["{esp}"]; start_action = "none"; }}; }};
  }};
}};
secrets = {{ load = {{ secret = "{PSK}"; }}; }};
control = {{ socket = "{work}/gw.sock"; }};
"""


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = args.build
        self.topo = Topology(stem="igike").up()
        self.work = f"/tmp/ipsecgw-ikebench-{os.getpid()}"
        os.makedirs(self.work, exist_ok=True)
        ga, gb = self.topo.ns_gw_a, self.topo.ns_gw_b
        # gw_b reaches host_a's LAN through the gateway (bypass policy)
        sh("ip", "-n", gb, "route", "add", "10.1.0.0/24", "via", GW_A_WAN_IP)
        self.ga, self.gb = ga, gb
        # ECDSA P-256: a CA, the responder's and the load tool's certificates
        pki_dir = os.path.join(self.work, "pki")
        ca = make_ca(pki_dir, cn="ike bench CA", key_type="ecdsa", size=256)
        self.pki = {"ca": ca,
                    "gw": make_cert(pki_dir, ca, "gw.test", key_type="ecdsa", size=256),
                    "load": make_cert(pki_dir, ca, "load.test", key_type="ecdsa", size=256)}
        cleanup.register(self.close)

    def auth_args(self, name):
        """ikeload's auth options for a group."""
        if name not in CERT_GROUPS:
            return ["--psk", PSK]
        return ["--cert", str(self.pki["load"][0]), "--key", str(self.pki["load"][1]),
                "--cacert", str(self.pki["ca"][0])]

    def close(self):
        cleanup.unregister(self.close)
        self.topo.down()

    def load(self, name, ike, esp, extra):
        cmd = ["ip", "netns", "exec", self.gb, f"{self.build}/app/ipsecgw-ikeload/ipsecgw-ikeload",
               "--target", GW_A_WAN_IP, "--local-addrs", GW_B_WAN_IP, *self.auth_args(name),
               "--ike", ike, "--esp", esp, "--duration", str(self.args.duration),
               "--window", str(self.args.window), "--delete", "--remote-id", "gw.test",
               "--json"] + extra
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=self.args.duration + 60)
        out = r.stdout.strip().splitlines()
        if not out:
            raise RuntimeError(f"ikeload gave nothing: {r.stderr[-2000:]}")
        res = json.loads(out[-1])
        res["stderr"] = r.stderr[-1000:]
        return res

    def ctl(self, *words):
        r = subprocess.run([f"{self.build}/app/ipsecgw-ctl/ipsecgw-ctl", "-s",
                            f"{self.work}/gw.sock", "--json", *words],
                           capture_output=True, text=True, timeout=10)
        return json.loads(r.stdout) if r.stdout.strip() else {}

    def ping_start(self):
        # 100 per second through the gateway while the load runs
        n = int(self.args.duration * 100)
        return subprocess.Popen(["ip", "netns", "exec", self.topo.ns_host_a, "ping", "-n",
                                 "-q", "-i", "0.01", "-c", str(n), "-W", "1", GW_B_WAN_IP],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    @staticmethod
    def ping_result(p):
        out = p.communicate(timeout=120)[0]
        sent = re.search(r"(\d+) packets transmitted, (\d+) (?:packets )?received", out)
        rtt = re.search(r"= [\d.]+/([\d.]+)/([\d.]+)/", out)
        return {"sent": int(sent.group(1)) if sent else 0,
                "received": int(sent.group(2)) if sent else 0,
                "rtt_avg_ms": float(rtt.group(1)) if rtt else None,
                "rtt_max_ms": float(rtt.group(2)) if rtt else None}

    def run_ipsecgw(self, name, ike, esp):
        for dev in ("lan", "wan"):
            sh("ip", "-n", self.ga, "addr", "flush", "dev", dev)
        sh("sysctl", "-qw", "net.ipv4.ip_forward=0", ns=self.ga)
        conf = os.path.join(self.work, f"gw-{name}.conf")
        with open(conf, "w") as f:
            f.write(gateway_conf(self.work, f"ikb{os.getpid()}{name}", ike, esp,
                                 self.args.cookie_threshold,
                                 self.pki if name in CERT_GROUPS else None))
        logf = open(os.path.join(self.work, f"gw-{name}.log"), "w")
        gw = subprocess.Popen(["ip", "netns", "exec", self.ga, f"{self.build}/app/ipsecgw/ipsecgw",
                               "-c", conf], stdin=subprocess.DEVNULL, stdout=logf,
                              stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 20
            while time.time() < deadline and "ports" not in self.ctl("show", "ports"):
                time.sleep(0.2)
            # warm-up: ARP both ways, and the ping path before measuring
            self.topo.ping("host_a", GW_B_WAN_IP, count=2)
            base = self.ctl("show", "stats").get("total", {})
            p = self.ping_start()
            cpu0 = proc_cpu_s(gw.pid)
            res = self.load(name, ike, esp, ["--responder-ctl", f"{self.work}/gw.sock"])
            # the whole process too: the worker that carries IKE datagrams
            # between the port and the control thread is part of the cost
            res["process_cpu_s"] = proc_cpu_s(gw.pid) - cpu0
            res["per_process_cpu_s"] = res["established"] / max(res["process_cpu_s"], 1e-3)
            res["ping"] = self.ping_result(p)
            after = self.ctl("show", "stats").get("total", {})
            res["drops"] = drops_delta(base, after)
            res["ike_stats"] = self.ctl("show", "ike-stats").get("ike_stats", {})
            return res
        finally:
            gw.terminate()
            try:
                gw.wait(10)
            except subprocess.TimeoutExpired:
                gw.kill()
            logf.close()

    def run_charon(self, name, ike, esp):
        sh("ip", "-n", self.ga, "addr", "replace", f"{GW_A_WAN_IP}/24", "dev", "wan")
        c = Charon(self.ga, os.path.join(self.work, f"charon-{name}"), "resp",
                   [Conn(name="load", local_addrs=GW_A_WAN_IP, remote_addrs="%any",
                         proposals=ike, local_id="gw.test", remote_id="%any",
                         children=[Child("net", ["10.99.0.0/24"], ["10.200.0.0/13"],
                                         esp_proposals=esp)],
                         **(dict(auth="pubkey", cert=str(self.pki["gw"][0]),
                                 key=str(self.pki["gw"][1]),
                                 cacerts=[str(self.pki["ca"][0])])
                            if name in CERT_GROUPS else dict(auth="psk", psk=PSK)))],
                   install_routes=False,
                   log_levels={"default": 1, "ike": 1, "cfg": 1, "net": 1, "knl": 1,
                               "enc": 1, "chd": 1},
                   # the same limits as ipsecgw: none per source address
                   # (all load comes from one), the global cookie threshold
                   extra=f"  cookie_threshold = {self.args.cookie_threshold}\n"
                         f"  cookie_threshold_ip = {self.args.cookie_threshold}\n"
                         f"  block_threshold = {self.args.cookie_threshold}\n")
        # kernel-libipsec routes need an address of local_ts on the box
        sh("ip", "-n", self.ga, "addr", "replace", "10.99.0.1/24", "dev", "lan")
        c.start()
        try:
            return self.load(name, ike, esp, ["--responder-pid", str(c.proc.pid)])
        finally:
            c.stop()
            for dev in ("lan", "wan"):
                sh("ip", "-n", self.ga, "addr", "flush", "dev", dev)


def proc_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drops_delta(a, b):
    da, db = a.get("drops", {}), b.get("drops", {})
    return {k: db[k] - da.get(k, 0) for k in db if isinstance(db[k], int) and db[k] != da.get(k, 0)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.environ.get("IPSECGW_BUILD", os.path.join(ROOT, "build")))
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--window", type=int, default=16)
    ap.add_argument("--cookie-threshold", type=int, default=1000)
    ap.add_argument("--groups", default=",".join(GROUPS))
    ap.add_argument("--no-charon", action="store_true")
    ap.add_argument("--json", help="write all figures to this file")
    args = ap.parse_args()
    if os.geteuid() != 0:
        log("needs root (network namespaces)")
        return 77
    why = None if args.no_charon else missing()
    if why:
        log(why)
        return 77
    b = Bench(args)
    rows = []
    try:
        for name in args.groups.split(","):
            ike, esp = GROUPS[name]
            log(f"{name}: ipsecgw responder, {args.duration:g} s, window {args.window}")
            g = b.run_ipsecgw(name, ike, esp)
            log(f"{name}: ipsecgw {json.dumps({k: v for k, v in g.items() if k != 'stderr'})}")
            s = None
            if not args.no_charon:
                log(f"{name}: charon responder")
                s = b.run_charon(name, ike, esp)
                log(f"{name}: charon {json.dumps({k: v for k, v in s.items() if k != 'stderr'})}")
            rows.append((name, g, s))
    finally:
        b.close()
    print()
    print("ipsecgw per CPU-s: control thread (process: all threads incl. the worker); "
          "charon: whole process")
    print(f"{'group':<12}{'ipsecgw est/s':>14}{'per CPU-s':>11}{'(process)':>10}{'charon est/s':>14}"
          f"{'per CPU-s':>11}{'ratio':>7}{'(process)':>10}   ping during ipsecgw load")
    for name, g, s in rows:
        gp = g.get("per_responder_cpu_s", 0)
        sp = s.get("per_responder_cpu_s", 0) if s else 0
        pg = g["ping"]
        loss = 100.0 * (pg["sent"] - pg["received"]) / pg["sent"] if pg["sent"] else 100
        gpp = g.get("per_process_cpu_s", 0)
        print(f"{name:<12}{g['per_second']:>14.0f}{gp:>11.0f}{gpp:>10.0f}"
              f"{(s['per_second'] if s else 0):>14.0f}{sp:>11.0f}"
              f"{(gp / sp if sp else 0):>7.2f}{(gpp / sp if sp else 0):>10.2f}"
              f"   {pg['received']}/{pg['sent']} "
              f"({loss:.1f}% loss), {pg['rtt_avg_ms']}/{pg['rtt_max_ms']} ms, "
              f"worker drops {g['drops'] or 'none'}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{"group": n, "ipsecgw": g, "charon": s} for n, g, s in rows], f, indent=1)
    bad = [n for n, g, s in rows if not g["established"] or (s is not None and not s["established"])]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
