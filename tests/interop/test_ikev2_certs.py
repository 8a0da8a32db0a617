#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ipsecgw's IKEv2 certificate authentication against strongSwan 5.9.8.

Certificates are made by strongSwan's `pki` (a root CA both sides trust,
and a CA only charon knows). Same topology and checks as
test_ikev2_strongswan.py (its Case class is reused): IKE and CHILD SA
up, our SPIs equal charon's, pings both ways; failures name their cause
in ipsecgw's log.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_ikev2_strongswan as base  # noqa: E402
from strongswan import Charon, Child, Conn, make_ca, make_cert, missing  # noqa: E402
from topology import GW_A_WAN_IP, GW_B_WAN_IP, HOST_A_IP, HOST_B_IP, NET_A, NET_B  # noqa: E402

PSK_AUTH = 'local = { auth = "psk"; id = "gwa.test"; }; remote = { auth = "psk"; id = "gwb.test"; };'
GWA_DN = "C=CH, O=ipsecgw interop, CN=gwa.test"
PKI = None


class Pki:
    """Root CA (ECDSA), an untrusted CA, and end entities made by `pki`."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ipsecgw-iop-pki-")
        d = self.dir
        self.ca = make_ca(os.path.join(d, "ca"), "ipsecgw interop Root CA")
        self.evil = make_ca(os.path.join(d, "evil"), "Untrusted CA")
        self.gwa_rsa = make_cert(os.path.join(d, "gwa-rsa"), self.ca, "gwa.test",
                                 key_type="rsa", size=2048)
        self.gwa_ec = make_cert(os.path.join(d, "gwa-ec"), self.ca, "gwa.test")
        self.gwa_dn = make_cert(os.path.join(d, "gwa-dn"), self.ca, "gwa.test",
                                key_type="ecdsa", size=384, dn=GWA_DN)
        self.gwa_other = make_cert(os.path.join(d, "gwa-other"), self.ca, "gwa-other.test")
        self.gwb_ec384 = make_cert(os.path.join(d, "gwb-ec384"), self.ca, "gwb.test",
                                   key_type="ecdsa", size=384)
        self.gwb_rsa = make_cert(os.path.join(d, "gwb-rsa"), self.ca, "gwb.test",
                                 key_type="rsa", size=2048)
        self.gwb_evil = make_cert(os.path.join(d, "gwb-evil"), self.evil, "gwb.test")


class Certs(base.Case):
    def start_certs(self, initiator, ours, theirs, proposals, esp="aes256gcm16",
                    our_id="gwa.test", their_id="gwb.test", our_auth="pubkey",
                    their_auth="pubkey"):
        """ours/theirs: (cert, key) or None for PSK on that side's local end."""
        work = base.T.work
        name = self._testMethodName
        idl = f'id = "{our_id}"; ' if our_id else ""
        local = (f'local = {{ auth = "psk"; {idl}}};' if ours is None else
                 f'local = {{ auth = "pubkey"; {idl}'
                 f'certs = ["{ours[0]}"]; key = "{ours[1]}"; }};')
        remote = (f'remote = {{ auth = "psk"; id = "{their_id}"; }};' if their_auth == "psk" else
                  f'remote = {{ auth = "pubkey"; id = "{their_id}"; cacerts = ["{PKI.ca[0]}"]; }};')
        conf = base.gateway_conf(work, f"iop{os.getpid()}{name[-8:]}", proposals, esp,
                                 "start" if initiator == "ipsecgw" else "none")
        self.assertIn(PSK_AUTH, conf)
        conf = conf.replace(PSK_AUTH, local + " " + remote)
        # our PSK (mixed cases) by the secret's name, whatever the ids
        conf = conf.replace('gwb = { id = ["gwa.test", "gwb.test"];', "gwb = {")
        self.gw_log = os.path.join(work, f"{name}.log")
        path = os.path.join(work, f"{name}.conf")
        with open(path, "w") as f:
            f.write(conf)
        peer_id = our_id if our_id else f'"{GWA_DN}"'
        conn = Conn(local_addrs=GW_B_WAN_IP, remote_addrs=GW_A_WAN_IP, proposals=proposals,
                    local_id=their_id, remote_id=peer_id,
                    auth="psk" if theirs is None else "pubkey",
                    remote_auth="psk" if ours is None else "pubkey",
                    psk=base.PSK,
                    cert=str(theirs[0]) if theirs else None,
                    key=str(theirs[1]) if theirs else None,
                    cacerts=[str(PKI.ca[0])] if ours is not None else [],
                    children=[Child("net", [NET_B], [NET_A], esp_proposals=esp)])
        self.charon = Charon(base.T.topo.ns_gw_b, os.path.join(work, f"{name}-gwb"), "gwb",
                             [conn])
        self.charon.start()
        self.addCleanup(self.charon.stop)
        self.launch(path, initiator)

    def launch(self, conf, initiator):
        log = open(self.gw_log, "w")
        self.gw = subprocess.Popen(["ip", "netns", "exec", base.T.topo.ns_gw_a,
                                    f"{base.BUILD}/app/ipsecgw/ipsecgw", "-c", conf],
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(self.stop_gateway)
        self.sock = os.path.join(base.T.work, "gwa.sock")
        deadline = time.time() + 20
        while time.time() < deadline and '"ports"' not in self.ctl("show", "ports"):
            time.sleep(0.2)
        if initiator == "charon":
            time.sleep(0.5)
            try:
                self.charon.initiate("net", timeout=15)
            except Exception:
                pass  # failure cases check the outcome below

    def assert_up(self, our_id, their_id, their_auth_prefix, our_auth_prefix):
        child = self.wait_for(self.our_child)
        self.assertIsNotNone(child, "no CHILD SA on ipsecgw:\n" + self.log_text()[-3000:])
        ike = self.ctl_json("show", "ike-sa")["ike_sas"][0]
        self.assertEqual(ike["state"], "ESTABLISHED")
        self.assertEqual(ike["local_id"], our_id)
        self.assertEqual(ike["remote_id"], their_id)
        self.assertTrue(ike["remote_auth"].startswith(their_auth_prefix), ike["remote_auth"])
        self.assertTrue(ike["local_auth"].startswith(our_auth_prefix), ike["local_auth"])
        theirs = self.wait_for(lambda: self.charon.installed_child("net"))
        self.assertIsNotNone(theirs, "no CHILD SA on charon")
        self.assertEqual(int(child["spi_in"], 16), theirs["spi_out"])
        self.assertEqual(int(child["spi_out"], 16), theirs["spi_in"])
        got, out = base.T.topo.ping("host_a", HOST_B_IP, count=4)
        self.assertEqual(got, 4, out)
        got, out = base.T.topo.ping("host_b", HOST_A_IP, count=3)
        self.assertEqual(got, 3, out)
        for src, dst in (("host_a", HOST_B_IP), ("host_b", HOST_A_IP)):
            ok, detail = base.T.topo.tcp_transfer(src, dst, nbytes=1 << 20, timeout=30)
            self.assertTrue(ok, f"TCP {src} -> {dst}: {detail}")
        # charon checked our certificate and signature the same way
        self.assertTrue(self.charon.wait_log(r"authentication of '.*' with .* successful",
                                             timeout=5))

    def test_initiator_rsa_vs_ecdsa384(self):
        """We initiate with RSA-2048, charon answers with ECDSA P-384."""
        self.start_certs("ipsecgw", PKI.gwa_rsa, PKI.gwb_ec384,
                         "aes256gcm16-prfsha384-ecp384")
        self.assert_up("gwa.test", "gwb.test", "pubkey ecdsa-with-SHA384", "pubkey RSA-SHA256")

    def test_responder_ecdsa_vs_rsa(self):
        """charon initiates with RSA-2048, we answer with ECDSA P-256."""
        self.start_certs("charon", PKI.gwa_ec, PKI.gwb_rsa, "aes128gcm16-prfsha256-ecp256",
                         esp="aes128gcm16")
        self.assert_up("gwa.test", "gwb.test", "pubkey RSA-SHA256", "pubkey ecdsa-with-SHA256")

    def test_responder_dn_identity_mixed(self):
        """Our ID is our certificate's DN (not configured); charon uses PSK."""
        self.start_certs("charon", PKI.gwa_dn, None, "aes256gcm16-prfsha384-ecp384",
                         our_id=None, their_auth="psk")
        self.assert_up(GWA_DN, "gwb.test", "psk", "pubkey ecdsa-with-SHA384")

    def test_untrusted_ca(self):
        """charon's certificate comes from a CA we do not trust."""
        self.start_certs("ipsecgw", PKI.gwa_ec, PKI.gwb_evil, "aes256gcm16-prfsha384-ecp384")
        self.assertTrue(self.wait_for(lambda: "certificate chain not trusted: unable to get "
                                              "local issuer certificate" in self.log_text()),
                        "ipsecgw should name the untrusted chain:\n" + self.log_text()[-3000:])
        self.assertIsNone(self.our_child())
        self.assertTrue(self.charon.wait_log(r"N\(AUTH_FAILED\)", timeout=10))

    def test_identity_not_in_certificate(self):
        """Our ID gwa.test is not in the certificate we present."""
        self.start_certs("ipsecgw", PKI.gwa_other, PKI.gwb_ec384,
                         "aes256gcm16-prfsha384-ecp384")
        self.assertTrue(self.wait_for(lambda: "received AUTHENTICATION_FAILED"
                                      in self.log_text()), self.log_text()[-3000:])
        self.assertIn("local id 'gwa.test' is not in our certificate (subject CN=gwa-other.test, "
                      "SAN gwa-other.test)", self.log_text())
        self.assertIsNone(self.our_child())
        self.assertTrue(self.charon.wait_log(r"no trusted .* public key found for 'gwa.test'",
                                             timeout=5))


def setUpModule():
    global PKI
    base.T = base.Env()
    PKI = Pki()


def tearDownModule():
    if base.T:
        base.T.close()
    if PKI and not os.environ.get("IPSECGW_KEEP"):
        shutil.rmtree(PKI.dir, ignore_errors=True)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        sys.exit(77)
    why = missing()
    if why:
        print(f"SKIP: {why} (scripts/setup-interop.sh installs it)")
        sys.exit(77)
    unittest.main(verbosity=2)
