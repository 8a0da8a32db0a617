#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ipsecgw-ikeload against an ipsecgw responder (functional, no timing).

gw_a runs ipsecgw (af_packet) with one connection accepting any peer;
gw_b runs the load tool, which sets up a handful of IKE SAs with a CHILD
SA each and deletes them. Every one must establish, the responder's
`show ike-stats` must count the same, and nothing may be left half-open
or up afterwards. With cookie_threshold = 1 the responder demands COOKIEs
(RFC 7296 2.6) as soon as one SA is half-open; all must still establish.
"""
import json
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "bench"))
import cleanup  # noqa: E402
from ike_setup import PSK, gateway_conf  # noqa: E402
from topology import GW_A_WAN_IP, GW_B_WAN_IP, Topology, sh  # noqa: E402

BUILD = os.environ.get("IPSECGW_BUILD", os.path.join(HERE, "..", "..", "build"))
T = None


class IkeLoad(unittest.TestCase):
    def start_gateway(self, cookie_threshold):
        ga = T.topo.ns_gw_a
        self.sock = os.path.join(T.work, "gw.sock")
        conf = os.path.join(T.work, f"{self._testMethodName}.conf")
        with open(conf, "w") as f:
            f.write(gateway_conf(T.work, f"ikl{os.getpid()}{cookie_threshold}",
                                 "aes128gcm16-prfsha256-curve25519", "aes128gcm16",
                                 cookie_threshold))
        self.log = open(os.path.join(T.work, f"{self._testMethodName}.log"), "w")
        self.gw = subprocess.Popen(["ip", "netns", "exec", ga, f"{BUILD}/app/ipsecgw/ipsecgw",
                                    "-c", conf], stdin=subprocess.DEVNULL, stdout=self.log,
                                   stderr=subprocess.STDOUT)
        self.addCleanup(self.stop_gateway)
        deadline = time.time() + 20
        while time.time() < deadline and "ports" not in self.ctl("show", "ports"):
            time.sleep(0.2)

    def stop_gateway(self):
        self.gw.terminate()
        try:
            self.gw.wait(10)
        except subprocess.TimeoutExpired:
            self.gw.kill()
        self.log.close()

    def ctl(self, *words):
        r = subprocess.run([f"{BUILD}/app/ipsecgw-ctl/ipsecgw-ctl", "-s", self.sock, "--json",
                            *words], capture_output=True, text=True, timeout=10)
        return json.loads(r.stdout) if r.stdout.strip() else {}

    def load(self, count, window):
        r = subprocess.run(["ip", "netns", "exec", T.topo.ns_gw_b,
                            f"{BUILD}/app/ipsecgw-ikeload/ipsecgw-ikeload",
                            "--target", GW_A_WAN_IP, "--local-addrs", GW_B_WAN_IP,
                            "--psk", PSK, "--count", str(count), "--window", str(window),
                            "--delete", "--remote-id", "gw.test", "--timeout", "5",
                            "--responder-ctl", self.sock, "--json"],
                           capture_output=True, text=True, timeout=60)
        self.assertTrue(r.stdout.strip(), r.stderr)
        return r.returncode, json.loads(r.stdout.strip().splitlines()[-1]), r.stderr

    def check(self, cookie_threshold, count, window):
        self.start_gateway(cookie_threshold)
        rc, res, err = self.load(count, window)
        self.assertEqual(rc, 0, err)
        self.assertEqual(res["established"], count, err)
        self.assertEqual(res["failed"], 0, err)
        self.assertEqual(res["timeouts"], 0, err)
        self.assertEqual(res["responder_established"], count)
        self.assertGreater(res["responder_cpu_s"], 0)
        st = self.ctl("show", "ike-stats")["ike_stats"]
        self.assertEqual(st["established"], count)
        self.assertEqual(st["failed"], 0)
        self.assertEqual(st["half_open"], 0)
        # every IKE SA deleted by the load tool: nothing left, no child SA
        deadline = time.time() + 5
        while time.time() < deadline and self.ctl("show", "ike-stats")["ike_stats"]["ike_sas"]:
            time.sleep(0.2)
        self.assertEqual(self.ctl("show", "ike-stats")["ike_stats"]["ike_sas"], 0)
        self.assertEqual(self.ctl("show", "child-sa").get("child_sas", []), [])
        return st

    def test_establish_and_delete(self):
        st = self.check(1000, 24, 4)
        self.assertEqual(st["cookies_sent"], 0)
        self.assertEqual(st["init_requests"], 24)

    def test_cookies_demanded(self):
        st = self.check(1, 24, 4)
        # window 4: whenever one SA is half-open the next INIT needs a cookie
        self.assertGreater(st["cookies_sent"], 0)
        self.assertEqual(st["cookies_invalid"], 0)
        self.assertEqual(st["init_requests"], 24 + st["cookies_sent"])


class Env:
    def __init__(self):
        self.topo = Topology(stem="igikl").up()
        for dev in ("lan", "wan"):
            sh("ip", "-n", self.topo.ns_gw_a, "addr", "flush", "dev", dev)
        sh("sysctl", "-qw", "net.ipv4.ip_forward=0", ns=self.topo.ns_gw_a)
        self.work = f"/tmp/ipsecgw-ikeload-{os.getpid()}"
        os.makedirs(self.work, exist_ok=True)
        cleanup.register(self.close)

    def close(self):
        cleanup.unregister(self.close)
        self.topo.down()


def main():
    global T
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        return 77
    if not os.path.exists(f"{BUILD}/app/ipsecgw-ikeload/ipsecgw-ikeload"):
        print(f"SKIP: no ipsecgw-ikeload in {BUILD}")
        return 77
    T = Env()
    try:
        r = unittest.main(exit=False, verbosity=2).result
    finally:
        T.close()
    return 0 if r.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
