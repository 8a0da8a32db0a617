#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Several CHILD SAs, traps and volume lifetimes against strongSwan 5.9.8.

Same topology and gateway as test_ikev2_strongswan.py (its Case is
reused), with the hosts given a second address so that two CHILD SAs of
one connection carry different traffic: 10.1.0.0/25 <-> 10.2.0.0/25
(hosts .10) and 10.1.0.128/25 <-> 10.2.0.128/25 (hosts .200).

- two children set up by either side (IKE_AUTH + CREATE_CHILD_SA), both
  listed on both sides with matching SPIs, traffic through each;
- start_action = "trap": a ping triggers the negotiation, the first
  packets are dropped and counted as "trap", later pings pass;
- life_bytes: traffic makes ipsecgw rekey the child, nothing is lost,
  no ICV or replay drops; `show events` lists what happened.
"""
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_ikev2_strongswan as base  # noqa: E402
from strongswan import Charon, Child, Conn, missing  # noqa: E402
from topology import GW_A_WAN_IP, GW_B_WAN_IP, HOST_A_IP, HOST_B_IP, NET_A, NET_B, sh  # noqa: E402

HOST_A_IP2 = "10.1.0.200"
HOST_B_IP2 = "10.2.0.200"
LOWER = ("10.1.0.0/25", "10.2.0.0/25")
UPPER = ("10.1.0.128/25", "10.2.0.128/25")


def children_conf(children):
    """ipsecgw children block: [(name, local_ts, remote_ts, extra keys)]."""
    body = " ".join(f'{n} = {{ local_ts = ["{l}"]; remote_ts = ["{r}"]; '
                    f'esp_proposals = ["aes256gcm16"]; {extra} }};'
                    for n, l, r, extra in children)
    return f"children = {{ {body} }};"


class Children(base.Case):
    def start_children(self, ours, theirs, initiator=None):
        """ours: [(name, local_ts, remote_ts, extra)]; theirs: [Child]."""
        work = base.T.work
        name = self._testMethodName
        conf = base.gateway_conf(work, f"iop{os.getpid()}{name[-8:]}",
                                 "aes256gcm16-prfsha384-ecp384", "aes256gcm16", "none")
        conf, n = re.subn(r"children = \{.*?\}; \};", children_conf(ours), conf,
                          count=1, flags=re.S)
        self.assertEqual(n, 1, conf)
        self.gw_log = os.path.join(work, f"{name}.log")
        path = os.path.join(work, f"{name}.conf")
        with open(path, "w") as f:
            f.write(conf)
        self.charon = Charon(base.T.topo.ns_gw_b, os.path.join(work, f"{name}-gwb"), "gwb",
                             [Conn(local_addrs=GW_B_WAN_IP, remote_addrs=GW_A_WAN_IP,
                                   proposals="aes256gcm16-prfsha384-ecp384",
                                   local_id="gwb.test", remote_id="gwa.test", auth="psk",
                                   psk=base.PSK, children=theirs)])
        self.charon.start()
        self.addCleanup(self.charon.stop)
        log = open(self.gw_log, "w")
        self.addCleanup(log.close)
        self.gw = subprocess.Popen(["ip", "netns", "exec", base.T.topo.ns_gw_a,
                                    f"{base.BUILD}/app/ipsecgw/ipsecgw", "-c", path],
                                   stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT)
        self.addCleanup(self.stop_gateway)
        self.sock = os.path.join(work, "gwa.sock")
        deadline = time.time() + 20
        while time.time() < deadline and '"ports"' not in self.ctl("show", "ports"):
            time.sleep(0.2)
        if initiator == "charon":
            time.sleep(0.5)
            for ch in theirs:
                self.charon.initiate(ch.name, timeout=15)

    def children(self):
        return self.ctl_json("show", "child-sa").get("child_sas", [])

    def child_named(self, name):
        return [c for c in self.children() if c["child"] == name]

    def events(self):
        return self.ctl_json("show", "events").get("events", [])

    def ping_from(self, src, dst, count=3, interval=0.2, size=56):
        r = sh("ping", "-n", "-c", count, "-i", interval, "-W", 1, "-s", size, "-I", src, dst,
               ns=base.T.topo.ns_host_a, check=False, timeout=count * (interval + 1) + 20)
        m = re.search(r"(\d+) packets transmitted, (\d+) received", r.stdout)
        self.assertIsNotNone(m, r.stdout + r.stderr)
        return int(m.group(1)), int(m.group(2))

    def drops(self):
        return self.ctl_json("show", "stats")["total"]["drops"]

    # ------------------------------------------------------------ (a)
    def check_two(self, initiator):
        ours = [("net1", *LOWER, f'start_action = "{"start" if initiator == "ipsecgw" else "none"}";'),
                ("net2", *UPPER, f'start_action = "{"start" if initiator == "ipsecgw" else "none"}";')]
        # charon lists them the other way round: the responder's choice
        # must follow the selectors, not the order
        theirs = [Child("upper", [UPPER[1]], [UPPER[0]], esp_proposals="aes256gcm16"),
                  Child("lower", [LOWER[1]], [LOWER[0]], esp_proposals="aes256gcm16")]
        self.start_children(ours, theirs, initiator)
        both = self.wait_for(lambda: len(self.children()) == 2 and
                             self.charon.installed_child("upper") and
                             self.charon.installed_child("lower"), timeout=20)
        self.assertTrue(both, f"ours: {self.children()}, theirs: {self.charon.list_sas()}")
        ike = self.ctl_json("show", "ike-sa")["ike_sas"]
        self.assertEqual(len(ike), 1, ike)
        self.assertEqual(ike[0]["children"], 2)
        for ours_name, theirs_name, ts in (("net1", "lower", LOWER), ("net2", "upper", UPPER)):
            mine = self.child_named(ours_name)
            self.assertEqual(len(mine), 1, self.children())
            theirs_c = self.charon.installed_child(theirs_name)
            self.assertEqual(int(mine[0]["spi_in"], 16), theirs_c["spi_out"], ours_name)
            self.assertEqual(int(mine[0]["spi_out"], 16), theirs_c["spi_in"], ours_name)
            self.assertEqual(mine[0]["local_ts"], ts[0])
            self.assertEqual(mine[0]["remote_ts"], ts[1])
        for src, dst, name in ((HOST_A_IP, HOST_B_IP, "net1"), (HOST_A_IP2, HOST_B_IP2, "net2")):
            sent, got = self.ping_from(src, dst, count=4)
            self.assertEqual(got, sent, f"{src} -> {dst}")
        for name in ("net1", "net2"):
            c = self.child_named(name)[0]
            self.assertGreaterEqual(c["packets_out"], 4, c)
            self.assertGreaterEqual(c["packets_in"], 4, c)
        d = self.drops()
        self.assertEqual(d["icv"], 0)
        self.assertEqual(d["replay"], 0)
        types = [(e["type"], e["child"]) for e in self.events()]
        self.assertIn(("ike-established", ""), types)
        self.assertIn(("child-established", "net1"), types)
        self.assertIn(("child-established", "net2"), types)

    def test_two_children_ipsecgw_initiates(self):
        self.check_two("ipsecgw")
        # `rekey child NAME` with a template's name rekeys that child only
        before = {n: self.child_named(n)[0]["spi_in"] for n in ("net1", "net2")}
        out = self.ctl("rekey", "child", "net2")
        self.assertNotIn("error", out.lower(), out)
        self.assertTrue(self.wait_for(lambda: self.child_named("net2") and
                                      self.child_named("net2")[0]["spi_in"] != before["net2"] and
                                      len(self.children()) == 2, timeout=15),
                        self.children())
        self.assertEqual(self.child_named("net1")[0]["spi_in"], before["net1"])
        sent, got = self.ping_from(HOST_A_IP2, HOST_B_IP2, count=3)
        self.assertEqual(got, sent, "net2 after its rekey")

    def test_two_children_charon_initiates(self):
        self.check_two("charon")

    # ------------------------------------------------------------ (b)
    def test_trap(self):
        self.start_children([("net", NET_A, NET_B, 'start_action = "trap";')],
                            [Child("net", [NET_B], [NET_A], esp_proposals="aes256gcm16")])
        time.sleep(1)
        self.assertEqual(self.children(), [])
        pol = [p for p in self.ctl_json("show", "policies").get("policies", [])
               if p.get("action") == "trap"]
        self.assertTrue(pol, self.ctl("show", "policies"))
        # the first pings hit the trap: dropped, the negotiation starts
        self.ping_from(HOST_A_IP, HOST_B_IP, count=2, interval=0.2)
        self.assertTrue(self.wait_for(lambda: self.children(), timeout=15),
                        "the trap did not bring the CHILD SA up")
        self.assertTrue(self.wait_for(lambda: self.charon.installed_child("net")))
        trapped = self.drops()["trap"]
        self.assertGreaterEqual(trapped, 1)
        sent, got = self.ping_from(HOST_A_IP, HOST_B_IP, count=4)
        self.assertEqual(got, sent)
        self.assertEqual(self.drops()["trap"], trapped, "the CHILD SA's policy must win")
        types = [e["type"] for e in self.events()]
        self.assertEqual(types.count("trap-triggered"), 1, types)
        self.assertIn("child-established", types)
        # gone (charon deletes it): the trap is back and triggers again
        self.charon.terminate(child="net")
        self.assertTrue(self.wait_for(lambda: not self.children(), timeout=10))
        self.ping_from(HOST_A_IP, HOST_B_IP, count=2)
        self.assertTrue(self.wait_for(lambda: self.children(), timeout=15),
                        "the trap did not come back")
        sent, got = self.ping_from(HOST_A_IP, HOST_B_IP, count=3)
        self.assertEqual(got, sent)

    # ------------------------------------------------------------ (c, d)
    def test_byte_lifetime_rekeys(self):
        self.start_children([("net", NET_A, NET_B, 'start_action = "start"; life_bytes = 200000;')],
                            [Child("net", [NET_B], [NET_A], esp_proposals="aes256gcm16")])
        self.assertTrue(self.wait_for(lambda: self.children() and
                                      self.charon.installed_child("net"), timeout=20))
        first = self.children()[0]["spi_in"]
        # about 600 kB each way: rekeyed at 85-90% of 200 kB, several times
        sent, got = self.ping_from(HOST_A_IP, HOST_B_IP, count=500, interval=0.01, size=1200)
        self.assertEqual(got, sent, f"{sent - got} of {sent} lost across volume rekeys")
        rekeys = [e for e in self.events() if e["type"] == "child-rekeyed"]
        self.assertGreaterEqual(len(rekeys), 2, self.events())
        self.assertNotIn("child-expired", [e["type"] for e in self.events()])
        cs = self.wait_for(lambda: len(self.children()) == 1 and self.children())
        self.assertTrue(cs, self.children())
        self.assertNotEqual(cs[0]["spi_in"], first)
        theirs = self.wait_for(lambda: self.charon.installed_child("net"))
        self.assertEqual(int(cs[0]["spi_in"], 16), theirs["spi_out"])
        self.assertIn("soft volume limit reached", self.log_text())
        d = self.drops()
        self.assertEqual(d["icv"], 0)
        self.assertEqual(d["replay"], 0)
        # the text form too
        r = subprocess.run([f"{base.BUILD}/app/ipsecgw-ctl/ipsecgw-ctl", "-s", self.sock,
                            "show", "events"], capture_output=True, text=True, timeout=10)
        self.assertIn("child-rekeyed", r.stdout)
        self.assertIn("ike-established", r.stdout)


def setUpModule():
    base.setUpModule()
    # charon (kernel-libipsec) routes a CHILD SA only with one of its own
    # addresses inside the local selector: give it one in the upper half
    for ns, dev, ip in ((base.T.topo.ns_host_a, "a0", HOST_A_IP2),
                        (base.T.topo.ns_host_b, "b0", HOST_B_IP2),
                        (base.T.topo.ns_gw_b, "lan", "10.2.0.129")):
        sh("ip", "-n", ns, "addr", "add", f"{ip}/24", "dev", dev)


def tearDownModule():
    base.tearDownModule()


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        sys.exit(77)
    why = missing()
    if why:
        print(f"SKIP: {why} (scripts/setup-interop.sh installs it)")
        sys.exit(77)
    unittest.main(verbosity=2)
