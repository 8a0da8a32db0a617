#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Measures a running DPDK application's forwarding rate through DPDK
telemetry (the v2 socket every DPDK 22.11 application opens, here
/var/run/dpdk/<file-prefix>/dpdk_telemetry.v2), without touching the app.

The same method serves ipsec-secgw and ipsecgw: /ethdev/stats,<port> of the
sink port (opackets) and of the source port (ipackets), sampled at t0 (after
a warm-up) and t0 + duration. Ports are found by device name through
/ethdev/info,<id> (falls back to probe order if that command is missing).

It also reports, over the same window, the CPU time of the application
(utime+stime of all its threads, in cores) and of everything else on the
machine, plus steal time: the noise indicators for this shared 2-vCPU box.

Prints one JSON object.
"""
import argparse
import json
import os
import signal
import socket
import sys
import time


class Telemetry:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.connect(path)
        hello = json.loads(self.s.recv(65536).decode())
        self.maxlen = int(hello.get("max_output_len", 16384))

    def cmd(self, c):
        self.s.send(c.encode())
        return json.loads(self.s.recv(max(self.maxlen, 65536)).decode())

    def close(self):
        self.s.close()


def cpu_times():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    steal = v[7] if len(v) > 7 else 0
    total = sum(v[:8])
    return total, idle, steal


def proc_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return int(rest[11]) + int(rest[12])  # utime, stime (fields 14, 15)
    except (OSError, IndexError, ValueError):
        return 0


def thread_ticks(pid):
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                raw = f.read()
            comm = raw[raw.index("(") + 1:raw.rindex(")")]
            rest = raw.rsplit(")", 1)[1].split()
            out[f"{comm}/{tid}"] = int(rest[11]) + int(rest[12])
        except (OSError, ValueError, IndexError):
            pass
    return out


def port_ids(t, names):
    ids = t.cmd("/ethdev/list").get("/ethdev/list", [])
    found = {}
    for pid in ids:
        try:
            info = t.cmd(f"/ethdev/info,{pid}").get("/ethdev/info")
        except (ValueError, OSError):
            info = None
        if isinstance(info, dict) and "name" in info:
            found[info["name"]] = pid
    out = {}
    for role, name in names.items():
        if name in found:
            out[role] = found[name]
    return out, ids, found


def sample(t, ports):
    t_a = time.monotonic()
    st = {role: t.cmd(f"/ethdev/stats,{p}")["/ethdev/stats"] for role, p in ports.items()}
    t_b = time.monotonic()
    return (t_a + t_b) / 2, st


def main():
    # die of SIGINT (not KeyboardInterrupt) so that the calling shell sees
    # the interrupt and stops instead of taking it for a failed run
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    ap = argparse.ArgumentParser()
    ap.add_argument("--sock", required=True)
    ap.add_argument("--pid", type=int, required=True, help="application pid (CPU accounting, liveness)")
    ap.add_argument("--src-dev", required=True, help="device name of the traffic source port")
    ap.add_argument("--sink-dev", required=True, help="device name of the sink port")
    ap.add_argument("--src-port", type=int, help="fallback port id of the source")
    ap.add_argument("--sink-port", type=int, help="fallback port id of the sink")
    ap.add_argument("--start-timeout", type=float, default=60)
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--duration", type=float, default=10)
    a = ap.parse_args()

    def alive():
        return os.path.exists(f"/proc/{a.pid}")

    deadline = time.monotonic() + a.start_timeout
    while not os.path.exists(a.sock):
        if not alive() or time.monotonic() > deadline:
            raise SystemExit(f"measure: telemetry socket {a.sock} never appeared "
                             f"({'app exited' if not alive() else 'timeout'})")
        time.sleep(0.1)
    t = None
    while t is None:
        try:
            t = Telemetry(a.sock)
        except OSError:
            if not alive() or time.monotonic() > deadline:
                raise
            time.sleep(0.1)

    ports, ids, names = port_ids(t, {"src": a.src_dev, "sink": a.sink_dev})
    how = "by name"
    if len(ports) != 2:
        if a.src_port is None or a.sink_port is None:
            raise SystemExit(f"measure: cannot find ports by name (got {names}, ids {ids})")
        ports = {"src": a.src_port, "sink": a.sink_port}
        how = "by probe order (no /ethdev/info)"

    # traffic has started when the sink has sent something
    while True:
        _, st = sample(t, ports)
        if st["sink"]["opackets"] > 0:
            break
        if not alive() or time.monotonic() > deadline:
            raise SystemExit(f"measure: no packet left the sink port within "
                             f"{a.start_timeout:.0f} s (stats {st})")
        time.sleep(0.2)
    time.sleep(a.warmup)

    c0, p0, th0 = cpu_times(), proc_ticks(a.pid), thread_ticks(a.pid)
    t0, s0 = sample(t, ports)
    time.sleep(a.duration)
    t1, s1 = sample(t, ports)
    c1, p1, th1 = cpu_times(), proc_ticks(a.pid), thread_ticks(a.pid)
    if not alive():
        raise SystemExit("measure: application exited during the measurement")
    t.close()

    dt = t1 - t0
    hz = os.sysconf("SC_CLK_TCK")
    total = c1[0] - c0[0]
    busy_cores = (total - (c1[1] - c0[1])) / hz / dt
    app_cores = (p1 - p0) / hz / dt
    tx = s1["sink"]["opackets"] - s0["sink"]["opackets"]
    rx = s1["src"]["ipackets"] - s0["src"]["ipackets"]
    res = {
        "ports": ports, "ports_found": how,
        "interval_s": round(dt, 4),
        "tx_packets": tx, "rx_packets": rx,
        "tx_mpps": round(tx / dt / 1e6, 4),
        "rx_mpps": round(rx / dt / 1e6, 4),
        "sink_oerrors": s1["sink"]["oerrors"] - s0["sink"]["oerrors"],
        "src_imissed": s1["src"].get("imissed", 0) - s0["src"].get("imissed", 0),
        "app_cpu_cores": round(app_cores, 3),
        "app_threads_cpu_cores": {k: round((v - th0.get(k, 0)) / hz / dt, 3)
                                  for k, v in th1.items() if v - th0.get(k, 0) > 0},
        "other_cpu_cores": round(max(0.0, busy_cores - app_cores), 3),
        "steal_cores": round((c1[2] - c0[2]) / hz / dt, 3),
        "loadavg": open("/proc/loadavg").read().split()[0],
    }
    print(json.dumps(res))


if __name__ == "__main__":
    sys.exit(main())
