#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ipsecgw's IKEv2 against strongSwan 5.9.8 (charon with kernel-libipsec).

hostA - ipsecgw (gwA) - WAN - charon (gwB) - hostB. For each case both
sides load a connection, one initiates, and the test checks what each
side reports and what crosses: the IKE and CHILD SAs come up, the SPIs
agree (our inbound is charon's outbound and the reverse), pings pass
through the tunnel both ways and are counted by ipsecgw's SAs; failures
(wrong PSK, proposals or selectors that do not match) fail on both sides
with the cause named in ipsecgw's log.
"""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cleanup  # noqa: E402
from strongswan import Charon, Child, Conn, missing  # noqa: E402
from topology import (GW_A_WAN_IP, GW_B_WAN_IP, HOST_A_IP, HOST_B_IP, NET_A,  # noqa: E402
                      NET_B, Topology, sh)

BUILD = os.environ.get("IPSECGW_BUILD",
                       os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "build"))
PSK = "interop-test-psk-0123456789"
T = None


def gateway_conf(work, prefix, proposals, esp, start, psk=PSK, local_ts=NET_A,
                 remote_ts=NET_B, dpd_delay=30, dpd_timeout=90):
    return f"""
eal = {{ args = ["--no-pci", "--no-huge", "-m", "256", "--no-shconf",
  "--file-prefix={prefix}", "--log-level=*:notice",
  "--vdev=net_af_packet0,iface=lan", "--vdev=net_af_packet1,iface=wan"]; }};
lcores = {{ control = 0; workers = [1]; idle = "sleep"; }};
ports = {{
  lan = {{ device = "net_af_packet0"; role = "protected"; address = ["10.1.0.1/24"]; }};
  wan = {{ device = "net_af_packet1"; role = "unprotected"; address = ["{GW_A_WAN_IP}/24"]; }};
}};
spd_default = "discard";
connections = {{
  gwb = {{ version = 2; local_addrs = ["{GW_A_WAN_IP}"]; remote_addrs = ["{GW_B_WAN_IP}"];
    proposals = ["{proposals}"]; dpd_delay = {dpd_delay}; dpd_timeout = {dpd_timeout};
    local = {{ auth = "psk"; id = "gwa.test"; }}; remote = {{ auth = "psk"; id = "gwb.test"; }};
    children = {{ net = {{ local_ts = ["{local_ts}"]; remote_ts = ["{remote_ts}"];
      esp_proposals = ["{esp}"]; start_action = "{start}"; }}; }};
  }};
}};
secrets = {{ gwb = {{ id = ["gwa.test", "gwb.test"]; secret = "{psk}"; }}; }};
control = {{ socket = "{work}/gwa.sock"; }};
"""


class Env:
    def __init__(self):
        self.topo = Topology().up()
        ga = self.topo.ns_gw_a
        # ipsecgw owns gwA's ports through af_packet: the kernel there
        # must neither answer nor forward
        for dev in ("lan", "wan"):
            sh("ip", "-n", ga, "addr", "flush", "dev", dev)
        sh("sysctl", "-qw", "net.ipv4.ip_forward=0", ns=ga)
        self.work = f"/tmp/ipsecgw-iop-{os.getpid()}"
        os.makedirs(self.work, exist_ok=True)
        cleanup.register(self.close)

    def close(self):
        cleanup.unregister(self.close)
        self.topo.down()


class Case(unittest.TestCase):
    """One ipsecgw and one charon per test."""

    def start(self, initiator, proposals="aes256gcm16-prfsha384-ecp384", esp="aes256gcm16",
              their_proposals=None, their_esp=None, their_psk=PSK, their_ts=None, **conf_kw):
        work = T.work
        self.gw_log = os.path.join(work, f"{self._testMethodName}.log")
        conf = os.path.join(work, f"{self._testMethodName}.conf")
        with open(conf, "w") as f:
            f.write(gateway_conf(work, f"iop{os.getpid()}{self._testMethodName[-8:]}",
                                 proposals, esp, "start" if initiator == "ipsecgw" else "none",
                                 **conf_kw))
        self.charon = Charon(T.topo.ns_gw_b, os.path.join(work, f"{self._testMethodName}-gwb"),
                             "gwb", [Conn(local_addrs=GW_B_WAN_IP, remote_addrs=GW_A_WAN_IP,
                                          proposals=their_proposals or proposals,
                                          local_id="gwb.test", remote_id="gwa.test",
                                          auth="psk", psk=their_psk,
                                          children=[Child("net", their_ts or [NET_B], [NET_A],
                                                          esp_proposals=their_esp or esp)])])
        self.charon.start()
        self.addCleanup(self.charon.stop)
        log = open(self.gw_log, "w")
        self.gw = subprocess.Popen(["ip", "netns", "exec", T.topo.ns_gw_a,
                                    f"{BUILD}/app/ipsecgw/ipsecgw", "-c", conf],
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(self.stop_gateway)
        self.sock = os.path.join(work, "gwa.sock")
        deadline = time.time() + 20
        while time.time() < deadline and '"ports"' not in self.ctl("show", "ports"):
            time.sleep(0.2)
        if initiator == "charon":
            time.sleep(0.5)
            try:
                self.charon.initiate("net", timeout=15)
            except Exception:
                pass  # failure cases check the outcome below

    def stop_gateway(self):
        if self.gw.poll() is None:
            self.gw.terminate()
            try:
                self.gw.wait(10)
            except subprocess.TimeoutExpired:
                self.gw.kill()
        if self._outcome_failed():
            print(f"\n--- ipsecgw log ({self._testMethodName}) ---\n" + self.log_text()[-4000:],
                  file=sys.stderr)
            print(self.charon.log_tail(40), file=sys.stderr)

    def _outcome_failed(self):
        res = getattr(self, "_outcome", None)
        if res is None or not hasattr(res, "result"):
            return False
        r = res.result
        return any(t is self for t, _ in r.failures + r.errors)

    def ctl(self, *args):
        r = subprocess.run([f"{BUILD}/app/ipsecgw-ctl/ipsecgw-ctl", "-s", self.sock, "--json",
                            *args], capture_output=True, text=True, timeout=10)
        return r.stdout

    def ctl_json(self, *args):
        out = self.ctl(*args)
        return json.loads(out) if out.strip() else {}

    def log_text(self):
        with open(self.gw_log) as f:
            return f.read()

    def wait_for(self, pred, timeout=15, step=0.2):
        deadline = time.time() + timeout
        while time.time() < deadline:
            v = pred()
            if v:
                return v
            time.sleep(step)
        return pred()

    def our_child(self):
        cs = self.ctl_json("show", "child-sa").get("child_sas", [])
        return cs[0] if cs else None

    def assert_tunnel(self, proposal, esp):
        child = self.wait_for(self.our_child)
        self.assertIsNotNone(child, "no CHILD SA on ipsecgw")
        ike = self.ctl_json("show", "ike-sa")["ike_sas"][0]
        self.assertEqual(ike["state"], "ESTABLISHED")
        for tok in proposal.split("-"):  # we also name an implied PRF
            self.assertIn(tok, ike["proposal"].split("-"), ike["proposal"])
        self.assertEqual(ike["local_id"], "gwa.test")
        self.assertEqual(ike["remote_id"], "gwb.test")
        theirs = self.wait_for(lambda: self.charon.installed_child("net"))
        self.assertIsNotNone(theirs, "no CHILD SA on charon")
        # our inbound SPI is charon's outbound and the reverse
        self.assertEqual(int(child["spi_in"], 16), theirs["spi_out"])
        self.assertEqual(int(child["spi_out"], 16), theirs["spi_in"])
        for tok in esp.split("-"):
            self.assertIn(tok, child["proposal"].split("-"), child["proposal"])
        self.assertTrue(child["encap"], "kernel-libipsec peers use UDP 4500")
        # traffic both ways through the tunnel, counted on our SAs
        got, out = T.topo.ping("host_a", HOST_B_IP, count=5)
        self.assertEqual(got, 5, out)
        got, out = T.topo.ping("host_b", HOST_A_IP, count=3)
        self.assertEqual(got, 3, out)
        child = self.our_child()
        self.assertGreaterEqual(child["packets_out"], 8)
        self.assertGreaterEqual(child["packets_in"], 8)
        stats = self.ctl_json("show", "stats")["total"]
        self.assertEqual(stats["drops"]["icv"], 0)
        self.assertEqual(stats["drops"]["replay"], 0)


class Establish(Case):
    def check(self, initiator, proposals, esp, their_esp=None):
        self.start(initiator, proposals=proposals, esp=esp, their_esp=their_esp)
        self.assert_tunnel(proposals, esp)

    def test_initiator_aes256gcm_ecp384(self):
        self.check("ipsecgw", "aes256gcm16-prfsha384-ecp384", "aes256gcm16")

    def test_responder_aes256gcm_ecp384(self):
        self.check("charon", "aes256gcm16-prfsha384-ecp384", "aes256gcm16")

    def test_initiator_aes128_sha256_modp2048(self):
        self.check("ipsecgw", "aes128-sha256-modp2048", "aes128-sha256")

    def test_responder_aes256_sha512_modp4096(self):
        self.check("charon", "aes256-sha512-modp4096", "aes256gcm16")

    def test_initiator_chacha20_curve25519(self):
        self.check("ipsecgw", "chacha20poly1305-prfsha256-curve25519", "chacha20poly1305")

    def test_responder_esp_aes256_sha512(self):
        self.check("charon", "aes256gcm16-prfsha384-ecp384", "aes256-sha512")

    def test_responder_aes128gcm_ecp256(self):
        self.check("charon", "aes128gcm16-prfsha256-ecp256", "aes128gcm16")


class Failures(Case):
    def test_wrong_psk_as_responder(self):
        self.start("charon", their_psk="not-the-right-key-at-all-1234")
        self.assertTrue(self.wait_for(lambda: "AUTH payload mismatch" in self.log_text()),
                        "ipsecgw should log the AUTH mismatch")
        self.assertTrue(self.charon.wait_log(r"AUTHENTICATION_FAILED", timeout=10))
        self.assertIsNone(self.our_child())

    def test_wrong_psk_as_initiator(self):
        self.start("ipsecgw", their_psk="not-the-right-key-at-all-1234")
        self.assertTrue(self.wait_for(lambda: "AUTHENTICATION_FAILED" in self.log_text()),
                        "ipsecgw should log the AUTHENTICATION_FAILED notify")
        self.assertIsNone(self.our_child())

    def test_no_common_proposal(self):
        self.start("charon", proposals="aes256gcm16-prfsha384-ecp384",
                   their_proposals="aes128-sha256-modp3072")
        self.assertTrue(self.wait_for(lambda: "NO_PROPOSAL_CHOSEN" in self.log_text()),
                        "ipsecgw should log NO_PROPOSAL_CHOSEN")
        self.assertIsNone(self.our_child())

    def test_selectors_do_not_match(self):
        self.start("charon", their_ts=["10.9.0.0/24"])
        self.assertTrue(self.wait_for(lambda: "TS_UNACCEPTABLE" in self.log_text()),
                        "ipsecgw should log TS_UNACCEPTABLE")
        self.assertIsNone(self.our_child())


class Lifecycle(Case):
    """Rekeys under traffic lose nothing; a dead peer is noticed by DPD."""

    def ping_during(self, action, count=60, interval=0.05):
        """Pings host B from host A while action() runs; returns (sent, got)."""
        p = subprocess.Popen(["ip", "netns", "exec", T.topo.ns_host_a, "ping", "-n", "-c",
                              str(count), "-i", str(interval), "-W", "2", HOST_B_IP],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(count * interval / 3)
        action()
        out, _ = p.communicate(timeout=count * interval + 30)
        m = __import__("re").search(r"(\d+) packets transmitted, (\d+) received", out)
        self.assertIsNotNone(m, out)
        return int(m.group(1)), int(m.group(2))

    def child_spis(self):
        c = self.our_child()
        return (c["spi_in"], c["spi_out"]) if c else None

    def check_rekey(self, action, what):
        self.start("ipsecgw")
        self.assert_tunnel("aes256gcm16-prfsha384-ecp384", "aes256gcm16")
        before = self.child_spis()
        sent, got = self.ping_during(action)
        after = self.wait_for(lambda: self.child_spis() not in (None, before) and self.child_spis())
        self.assertTrue(after, f"{what}: CHILD SPIs did not change")
        self.assertEqual(got, sent, f"{what}: {sent - got} of {sent} pings lost")
        theirs = self.wait_for(lambda: self.charon.installed_child("net"))
        self.assertEqual(int(after[0], 16), theirs["spi_out"])
        self.assertEqual(int(after[1], 16), theirs["spi_in"])
        cs = self.ctl_json("show", "child-sa")["child_sas"]
        self.assertEqual(len(cs), 1, f"{what}: old CHILD SA not removed: {cs}")
        got, out = T.topo.ping("host_a", HOST_B_IP, count=3)
        self.assertEqual(got, 3, out)

    def test_child_rekey_by_ipsecgw(self):
        self.check_rekey(lambda: self.ctl("rekey", "child", "gwb"), "our CHILD rekey")

    def test_child_rekey_by_strongswan(self):
        self.check_rekey(lambda: self.charon.rekey(child="net"), "charon's CHILD rekey")

    def test_ike_rekey_by_ipsecgw(self):
        self.start("ipsecgw")
        self.assert_tunnel("aes256gcm16-prfsha384-ecp384", "aes256gcm16")
        old = self.ctl_json("show", "ike-sa")["ike_sas"][0]
        sent, got = self.ping_during(lambda: self.ctl("rekey", "ike", "gwb"))
        new = self.wait_for(lambda: [s for s in self.ctl_json("show", "ike-sa")["ike_sas"]
                                     if s["spi_i"] != old["spi_i"] and s["state"] == "ESTABLISHED"])
        self.assertTrue(new, "IKE SA was not rekeyed")
        self.assertEqual(got, sent, f"{sent - got} pings lost during the IKE rekey")
        # the rekeyed IKE SA still works: a CHILD rekey over it
        self.ctl("rekey", "child", "gwb")
        got, out = T.topo.ping("host_a", HOST_B_IP, count=3)
        self.assertEqual(got, 3, out)

    def test_dpd_clears_dead_peer(self):
        self.start("ipsecgw", dpd_delay=2, dpd_timeout=6)
        self.assert_tunnel("aes256gcm16-prfsha384-ecp384", "aes256gcm16")
        self.charon.proc.kill()          # gone without a Delete
        self.charon.proc.wait(5)
        t0 = time.time()
        gone = self.wait_for(lambda: not self.ctl_json("show", "child-sa").get("child_sas"),
                             timeout=20)
        self.assertTrue(gone, "CHILD SA still installed after the peer died")
        self.assertLess(time.time() - t0, 2 + 6 + 5, "DPD slower than delay + timeout")
        self.assertIn("DPD", self.log_text())


def setUpModule():
    global T
    T = Env()


def tearDownModule():
    if T:
        T.close()


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        sys.exit(77)
    why = missing()
    if why:
        print(f"SKIP: {why} (scripts/setup-interop.sh installs it)")
        sys.exit(77)
    unittest.main(verbosity=2)
