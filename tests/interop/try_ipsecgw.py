#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Scratch: ipsecgw (gwA) against charon (gwB), IKEv2 PSK."""
import os, subprocess, sys, time, json
sys.path.insert(0, os.path.dirname(__file__))
from topology import Topology, sh, GW_A_WAN_IP, GW_B_WAN_IP, NET_A, NET_B, HOST_B_IP
from strongswan import Charon, Conn, Child
import cleanup

BUILD = os.environ.get("IPSECGW_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
PSK = "interop-test-psk-0123456789"
initiator = sys.argv[1] if len(sys.argv) > 1 else "ipsecgw"
work = "/tmp/iop"
t = Topology().up()
ga = t.ns_gw_a
# ipsecgw owns gwA's ports: the kernel there must stay out of the way
for dev in ("lan", "wan"):
    sh("ip", "-n", ga, "addr", "flush", "dev", dev)
sh("sysctl", "-qw", "net.ipv4.ip_forward=0", ns=ga)
sock = f"{work}/gwa.sock"
conf = f"""
eal = {{ args = ["--no-pci", "--no-huge", "-m", "256", "--no-shconf", "--file-prefix=iopa{os.getpid()}",
  "--log-level=*:notice", "--vdev=net_af_packet0,iface=lan", "--vdev=net_af_packet1,iface=wan"]; }};
lcores = {{ control = 0; workers = [1]; idle = "sleep"; }};
ports = {{
  lan = {{ device = "net_af_packet0"; role = "protected"; address = ["10.1.0.1/24"]; }};
  wan = {{ device = "net_af_packet1"; role = "unprotected"; address = ["192.0.2.1/24"]; }};
}};
spd_default = "discard";
connections = {{
  gwb = {{ version = 2; local_addrs = ["{GW_A_WAN_IP}"]; remote_addrs = ["{GW_B_WAN_IP}"];
    proposals = ["aes256gcm16-prfsha384-ecp384"];
    local = {{ auth = "psk"; id = "gwa.test"; }}; remote = {{ auth = "psk"; id = "gwb.test"; }};
    children = {{ net = {{ local_ts = ["{NET_A}"]; remote_ts = ["{NET_B}"];
      esp_proposals = ["aes256gcm16"]; start_action = "{'start' if initiator == 'ipsecgw' else 'none'}"; }}; }};
  }};
}};
secrets = {{ gwb = {{ id = ["gwa.test", "gwb.test"]; secret = "{PSK}"; }}; }};
control = {{ socket = "{sock}"; }};
"""
os.makedirs(work, exist_ok=True)
open(f"{work}/gwa.conf", "w").write(conf)
b = Charon(t.ns_gw_b, f"{work}/gwb", "gwb", [Conn(
    local_addrs=GW_B_WAN_IP, remote_addrs=GW_A_WAN_IP,
    proposals="aes256gcm16-prfsha384-ecp384", local_id="gwb.test", remote_id="gwa.test",
    auth="psk", psk=PSK, children=[Child("net", [NET_B], [NET_A], esp_proposals="aes256gcm16")])])
b.start()
log = open(f"{work}/gwa.log", "w")
gw = subprocess.Popen(["ip", "netns", "exec", ga, f"{BUILD}/app/ipsecgw/ipsecgw", "-c", f"{work}/gwa.conf"],
                      stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
cleanup.register(lambda: gw.kill())
ctl = lambda *a: subprocess.run([f"{BUILD}/app/ipsecgw-ctl/ipsecgw-ctl", "-s", sock, *a], capture_output=True, text=True).stdout
for _ in range(50):
    if "ports" in ctl("show", "ports"):
        break
    time.sleep(0.2)
if initiator == "charon":
    time.sleep(1)
    try:
        b.initiate("net", timeout=15)
    except Exception as e:
        print("initiate failed:", e)
time.sleep(4)
print(ctl("show", "ike-sa"))
print(ctl("show", "child-sa"))
try:
    print(json.dumps(b.list_sas(), indent=1)[:1500])
except Exception as e:
    print("list_sas", e)
rx, out = t.ping(count=5)
print("ping received", rx)
print(ctl("show", "child-sa"))
print(ctl("show", "stats"))
gw.terminate(); gw.wait(5)
print(open(f"{work}/gwa.log").read()[-3000:])
print(b.log_tail(40))
b.stop(); t.down()
