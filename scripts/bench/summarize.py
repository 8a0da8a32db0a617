#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Summarises scripts/bench-compare.sh runs (runs.jsonl): medians per
direction, size and application, the ipsecgw/ipsec-secgw ratio, a CSV, a
JSON file, gnuplot data and a gnuplot script (chart.gp) for chart.png.

Two ratios are given:
  ratio         median(ipsecgw Mpps) / median(ipsec-secgw Mpps)
  paired_ratio  median over rounds of ipsecgw/secgw within the same round
                (the two runs of a round are back to back, so they saw
                similar background load)
and, as a noise-robust hint, Mpps per worker CPU-second (the rate divided
by the CPU time the worker thread actually got).

An optional crypto-limit CSV (columns size,mpps[,dir]; size as in --sizes,
e.g. 64, imix, 1420) adds a third bar: the raw AES-GCM limit of one core.
"""
import argparse
import csv
import json
import os
import statistics
import sys

APP_NAME = {"secgw": "ipsec-secgw", "ipsecgw": "ipsecgw"}
DIR_NAME = {"enc": "encrypt (protected -> unprotected)",
            "dec": "decrypt (unprotected -> protected)"}


def worker_cores(r):
    return sum(v for k, v in r.get("app_threads_cpu_cores", {}).items()
               if k.startswith("rte-worker"))


def med(xs):
    return statistics.median(xs) if xs else None


def fmt(x, f="{:.2f}"):
    return "-" if x is None else f.format(x)


def read_limit(path):
    out = {}
    if not path or not os.path.exists(path):
        return out
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            try:
                mpps = float(row["mpps"])
            except (KeyError, ValueError):
                continue
            d = row.get("dir") or row.get("direction") or "enc"
            d = {"encrypt": "enc", "decrypt": "dec"}.get(d.lower(), d.lower())
            out[(d, row.get("size", "").lower())] = mpps
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--sizes", default="64,imix,1420")
    ap.add_argument("--dirs", default="enc,dec")
    ap.add_argument("--crypto-limit")
    a = ap.parse_args()

    runs = [json.loads(l) for l in open(a.runs) if l.strip()]
    sizes = a.sizes.split(",")
    dirs = a.dirs.split(",")
    limit = read_limit(a.crypto_limit)

    rows = []
    for d in dirs:
        for s in sizes:
            row = {"dir": d, "size": s,
                   "size_unit": "Ethernet frame bytes incl. FCS" +
                   (" (inner plaintext frame)" if d == "dec" else "")}
            per_round = {}
            for app in ("secgw", "ipsecgw"):
                every = [r for r in runs if r["dir"] == d and r["size"] == s and r["app"] == app]
                ok = [r for r in every if "error" not in r]
                clean = [r for r in ok if r.get("clean", True)]
                # medians over clean runs (the worker got its core); all
                # successful runs only when none was clean
                rs = clean or ok
                mp = [r["tx_mpps"] for r in rs]
                pc = [r["tx_mpps"] / worker_cores(r) for r in rs if worker_cores(r) > 0.05]
                row[f"{app}_mpps"] = med(mp)
                row[f"{app}_min"] = min(mp) if mp else None
                row[f"{app}_max"] = max(mp) if mp else None
                row[f"{app}_runs"] = len(mp)
                row[f"{app}_clean_runs"] = len(clean)
                row[f"{app}_noisy_runs"] = len(ok) - len(clean)
                row[f"{app}_errors"] = len(every) - len(ok)
                row[f"{app}_mpps_per_worker_core"] = med(pc)
                row[f"{app}_worker_cores"] = med([worker_cores(r) for r in rs])
                row[f"{app}_other_cores"] = med([r["other_cpu_cores"] for r in rs])
                row[f"{app}_loss_runs"] = sum(
                    1 for r in rs if r["rx_packets"] and r["tx_packets"] < 0.99 * r["rx_packets"])
                for r in rs:  # per round: the clean run, else the last attempt
                    per_round.setdefault(r["round"], {})[app] = r["tx_mpps"]
            g, sg = row["ipsecgw_mpps"], row["secgw_mpps"]
            row["ratio"] = g / sg if g and sg else None
            pr = [v["ipsecgw"] / v["secgw"] for v in per_round.values()
                  if v.get("secgw") and v.get("ipsecgw")]
            row["paired_ratio"] = med(pr)
            gc, sc = row["ipsecgw_mpps_per_worker_core"], row["secgw_mpps_per_worker_core"]
            row["ratio_per_worker_core"] = gc / sc if gc and sc else None
            row["crypto_limit_mpps"] = limit.get((d, s.lower()))
            rows.append(row)

    # --- console table ---
    print()
    print("Rates: sink-port TX packets per second, median of rounds "
          "(sizes = Ethernet frames incl. FCS; dec: inner frame)")
    hdr = f"{'dir':<4} {'size':>5} | {'ipsec-secgw':>11} {'ipsecgw':>8} | {'ratio':>6} " \
          f"{'paired':>6} | {'Mpps/worker-core':>17} {'ratio':>6} | runs"
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        notes = []
        for app in ("secgw", "ipsecgw"):
            if r[f"{app}_errors"]:
                notes.append(f"{APP_NAME[app]}: {r[f'{app}_errors']} failed")
            if r[f"{app}_runs"] and not r[f"{app}_clean_runs"]:
                notes.append(f"{APP_NAME[app]}: no clean run, noisy figures")
            if r[f"{app}_loss_runs"]:
                notes.append(f"{APP_NAME[app]}: loss in {r[f'{app}_loss_runs']} run(s)")
        print(f"{r['dir']:<4} {r['size']:>5} | {fmt(r['secgw_mpps'], '{:8.2f} Mpps'):>11} "
              f"{fmt(r['ipsecgw_mpps'], '{:8.2f}'):>8} | {fmt(r['ratio'], '{:5.2f}x'):>6} "
              f"{fmt(r['paired_ratio'], '{:5.2f}x'):>6} | "
              f"{fmt(r['secgw_mpps_per_worker_core'], '{:7.2f}'):>8} "
              f"{fmt(r['ipsecgw_mpps_per_worker_core'], '{:7.2f}'):>8} "
              f"{fmt(r['ratio_per_worker_core'], '{:5.2f}x'):>6} | "
              f"{r['secgw_runs']}+{r['ipsecgw_runs']}"
              + (f"  ({'; '.join(notes)})" if notes else ""))
    print("ratio = ipsecgw / ipsec-secgw (of medians); paired = median of per-round ratios;")
    print("runs = runs used (secgw+ipsecgw): the clean ones (worker got its whole core, machine quiet),")
    print("       or all of them when none was clean (flagged)")
    print()

    # --- files ---
    keys = list(rows[0].keys()) if rows else []
    with open(os.path.join(a.out, "summary.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if v is None else (round(v, 4) if isinstance(v, float) else v))
                        for k, v in r.items()})
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump({"note": "Mpps = sink-port TX packets/s (DPDK telemetry), median of rounds; "
                           "sizes are Ethernet frame bytes incl. FCS",
                   "results": rows}, f, indent=1)

    # --- gnuplot ---
    def nan(x):
        return "NaN" if x is None else f"{x:.4f}"

    panels = []
    for d in dirs:
        dat = os.path.join(a.out, f"chart-{d}.dat")
        with open(dat, "w") as f:
            f.write("# size secgw min max ipsecgw min max limit limit limit ratio_label top\n")
            for r in rows:
                if r["dir"] != d:
                    continue
                lim = r["crypto_limit_mpps"]
                top = max([x for x in (r["secgw_max"], r["ipsecgw_max"]) if x] or [0])
                lab = "" if r["ratio"] is None else f"{r['ratio']:.2f}x"
                f.write(f"\"{r['size'].upper() if r['size'] == 'imix' else r['size'] + ' B'}\" "
                        f"{nan(r['secgw_mpps'])} {nan(r['secgw_min'])} {nan(r['secgw_max'])} "
                        f"{nan(r['ipsecgw_mpps'])} {nan(r['ipsecgw_min'])} {nan(r['ipsecgw_max'])} "
                        f"{nan(lim)} {nan(lim)} {nan(lim)} \"{lab}\" {top:.4f}\n")
        panels.append((d, dat, any(r["crypto_limit_mpps"] for r in rows if r["dir"] == d)))

    here = os.path.dirname(os.path.abspath(__file__))
    tmpl = open(os.path.join(here, "chart.gp")).read()
    with open(os.path.join(a.out, "chart.gp"), "w") as f:
        f.write(f"outfile = '{os.path.join(a.out, 'chart.png')}'\n")
        f.write(f"npanels = {len(panels)}\n")
        for i, (d, dat, has_lim) in enumerate(panels, 1):
            f.write(f"dat{i} = '{dat}'\ntitle{i} = '{DIR_NAME[d]}'\nlim{i} = {1 if has_lim else 0}\n")
        f.write(tmpl)
    return 0


if __name__ == "__main__":
    sys.exit(main())
