#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""IKEv2 demo: ipsecgw (site A) negotiates a tunnel with strongSwan (site B).

  hostA 10.1.0.10 -- [ipsecgw] 192.0.2.1 -- 192.0.2.2 [charon] -- hostB 10.2.0.10

ipsecgw initiates (PSK, aes256gcm16-prfsha384-ecp384, ESP aes256gcm16),
host A pings host B through the tunnel, and both sides list their SAs.
Uses the interop harness in tests/interop; everything is removed at the end.
"""
import os
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "interop"))
import cleanup  # noqa: E402
from strongswan import Charon, Child, Conn, missing  # noqa: E402
from topology import GW_A_WAN_IP, GW_B_WAN_IP, HOST_B_IP, NET_A, NET_B, Topology, sh  # noqa: E402

BUILD = os.path.join(ROOT, os.environ.get("BUILD_DIR", "build"))
PSK = "demo-" + os.urandom(12).hex()


def say(msg):
    print(f"\n== {msg}", flush=True)


def main():
    why = missing()
    if why:
        print(f"demo-ike: {why}")
        return 1
    work = f"/tmp/ipsecgw-demo-ike-{os.getpid()}"
    os.makedirs(work, exist_ok=True)
    t = Topology().up()
    ga = t.ns_gw_a
    for dev in ("lan", "wan"):  # ipsecgw owns gwA's ports
        sh("ip", "-n", ga, "addr", "flush", "dev", dev)
    sh("sysctl", "-qw", "net.ipv4.ip_forward=0", ns=ga)
    sock = f"{work}/gwa.sock"
    conf = f"{work}/gwa.conf"
    with open(conf, "w") as f:
        f.write(f"""
eal = {{ args = ["--no-pci", "--no-huge", "-m", "256", "--no-shconf", "--file-prefix=demoike",
  "--log-level=*:notice", "--vdev=net_af_packet0,iface=lan", "--vdev=net_af_packet1,iface=wan"]; }};
lcores = {{ control = 0; workers = [1]; idle = "sleep"; }};
ports = {{
  lan = {{ device = "net_af_packet0"; role = "protected"; address = ["10.1.0.1/24"]; }};
  wan = {{ device = "net_af_packet1"; role = "unprotected"; address = ["{GW_A_WAN_IP}/24"]; }};
}};
connections = {{
  siteb = {{ version = 2; local_addrs = ["{GW_A_WAN_IP}"]; remote_addrs = ["{GW_B_WAN_IP}"];
    proposals = ["aes256gcm16-prfsha384-ecp384"]; dpd_delay = 30; dpd_timeout = 90;
    local = {{ auth = "psk"; id = "gw-a.example.com"; }};
    remote = {{ auth = "psk"; id = "gw-b.example.com"; }};
    children = {{ lan = {{ local_ts = ["{NET_A}"]; remote_ts = ["{NET_B}"];
      esp_proposals = ["aes256gcm16"]; start_action = "start"; }}; }};
  }};
}};
secrets = {{ siteb = {{ id = ["gw-a.example.com", "gw-b.example.com"]; secret = "{PSK}"; }}; }};
control = {{ socket = "{sock}"; }};
""")
    b = Charon(t.ns_gw_b, f"{work}/gwb", "gwb", [Conn(
        local_addrs=GW_B_WAN_IP, remote_addrs=GW_A_WAN_IP, proposals="aes256gcm16-prfsha384-ecp384",
        local_id="gw-b.example.com", remote_id="gw-a.example.com", auth="psk", psk=PSK,
        children=[Child("lan", [NET_B], [NET_A], esp_proposals="aes256gcm16")])])
    say("starting strongSwan (charon) at site B, then ipsecgw at site A")
    b.start()
    log = open(f"{work}/gwa.log", "w")
    gw = subprocess.Popen(["ip", "netns", "exec", ga, f"{BUILD}/app/ipsecgw/ipsecgw", "-c", conf],
                          stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    cleanup.register(gw.kill)

    def ctl(*args):
        return subprocess.run([f"{BUILD}/app/ipsecgw-ctl/ipsecgw-ctl", "-s", sock, *args],
                              capture_output=True, text=True).stdout

    ok = False
    for _ in range(100):
        if "ESTABLISHED" in ctl("show", "ike-sa") and "0x" in ctl("show", "child-sa"):
            ok = True
            break
        time.sleep(0.2)
    say("ipsecgw log (IKE)")
    with open(f"{work}/gwa.log") as f:
        print("".join(line for line in f if "IKE" in line or "SA " in line), end="")
    if not ok:
        print("demo-ike: the tunnel did not come up")
        return 1
    say("ping host A (10.1.0.10) -> host B (10.2.0.10) through the negotiated tunnel")
    got, out = t.ping("host_a", HOST_B_IP, count=5)
    print(out)
    say("ipsecgw-ctl show ike-sa")
    print(ctl("show", "ike-sa"))
    say("ipsecgw-ctl show child-sa")
    print(ctl("show", "child-sa"))
    say("swanctl --list-sas (strongSwan at site B)")
    print(subprocess.run(["ip", "netns", "exec", t.ns_gw_b, "swanctl", "--list-sas", "--uri",
                          f"unix://{work}/gwb/charon.vici"], capture_output=True, text=True).stdout)
    gw.terminate()
    gw.wait(10)
    b.stop()
    t.down()
    if got != 5:
        print("demo-ike: ping failed")
        return 1
    say("done: ipsecgw and strongSwan negotiated IKEv2 and host A reached host B")
    return 0


if __name__ == "__main__":
    sys.exit(main())
