#!/usr/bin/python3
"""Table for bench/farm.sh.

    farm_table.py OUTDIR FARM_CIDR     median wall, peak RSS, completeness

OUTDIR holds, per run NAME-i: NAME-i.time (time -v), and smbwatch-*.jsonl or
masscan-RATE-*.list (masscan -oL) plus masscan-RATE-*.rate; NAME-i.linger
(optional): connections the run left open on the farm.

Along the masscan rate sweep (medians per rate) it names the fastest rate
whose median completeness reached 95%, and interpolates linearly: masscan's
wall time at 95% completeness, and masscan's completeness at the wall time
of the tuned smbwatch run.
"""
import glob
import ipaddress
import json
import os
import re
import statistics
import sys


def parse_time(path):
    wall = rss = None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("Elapsed (wall clock) time"):
                v = line.rsplit(" ", 1)[1]
                parts = [float(p) for p in v.split(":")]
                wall = 0.0
                for p in parts:
                    wall = wall * 60 + p
            elif line.startswith("Maximum resident set size"):
                rss = int(line.rsplit(" ", 1)[1])
    return wall, rss


def smbwatch_counts(path, farm):
    full, five, records = set(), set(), 0
    with open(path) as f:
        for line in f:
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if r.get("type") != "service":
                continue
            records += 1
            ip = r.get("ip", "")
            if ipaddress.ip_address(ip) not in farm:
                continue
            dia = (r.get("smb2") or {}).get("dialects") or []
            name = (r.get("ntlm") or {}).get("netbios_computer")
            if dia and name:
                full.add(ip)
                if len(dia) == 5:
                    five.add(ip)
    return len(full), len(five), records


def masscan_counts(path, farm):
    opened, full = set(), set()
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) < 5 or ipaddress.ip_address(p[3]) not in farm:
                continue
            if p[0] == "open":
                opened.add(p[3])
            elif p[0] == "banner" and len(p) > 5 and p[5] == "smb" and re.search(r"\bname=\S", line):
                full.add(p[3])
    return len(full), len(opened)


def interpolate(points, x):
    """y at x on the polyline through the (x, y) points in sweep order
    (rising rate), or None when no two neighbouring points bracket x. The
    first bracketing pair wins: noisy runs need not be monotonic."""
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if min(x0, x1) <= x <= max(x0, x1):
            return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return None


def main():
    out, farm = sys.argv[1], ipaddress.ip_network(sys.argv[2])
    size = farm.num_addresses
    rows = {}
    for t in sorted(glob.glob(os.path.join(out, "*.time"))):
        base = t[:-5]
        name = re.sub(r"-\d+$", "", os.path.basename(base))
        wall, rss = parse_time(t)
        if wall is None or rss is None:
            continue  # still running, or time -v failed
        r = rows.setdefault(name, {"wall": [], "rss": [], "full": [], "extra": [], "rate": [],
                                   "linger": []})
        if os.path.exists(base + ".linger"):
            with open(base + ".linger") as f:
                r["linger"].append(int(f.read().strip() or 0))
        r["wall"].append(wall)
        r["rss"].append(rss / 1024.0)
        if name.startswith("smbwatch"):
            full, five, _ = smbwatch_counts(base + ".jsonl", farm)
            r["full"].append(full)
            r["extra"].append(five)
        else:
            full, opened = masscan_counts(base + ".list", farm)
            r["full"].append(full)
            r["extra"].append(opened)
            with open(base + ".rate") as f:
                r["rate"].append(int(f.read()))
    if not rows:
        print("no runs")
        return 1
    med = {k: {f: statistics.median(v[f]) if v[f] else None for f in v} for k, v in rows.items()}
    ref = med.get("smbwatch-default")
    sweep = sorted((k for k in med if k.startswith("masscan-")), key=lambda k: med[k]["rate"] or 0)
    print(f"{'run':<18} {'n':>2} {'wall s':>8} {'peak RSS MiB':>12} {'full/' + str(size):>10} "
          f"{'%':>6} {'5-dia|open':>10} {'rate':>6} {'wall/ref':>8} {'RSS/ref':>8} {'left open':>9}")
    for k in ["smbwatch-default", "smbwatch-tuned"] + sweep:
        if k not in med:
            continue
        m = med[k]
        rw = f"{m['wall'] / ref['wall']:.2f}" if ref else "-"
        rr = f"{m['rss'] / ref['rss']:.2f}" if ref else "-"
        rate = f"{m['rate']:.0f}" if m["rate"] is not None else "-"
        linger = f"{m['linger']:.0f}" if m["linger"] is not None else "-"
        print(f"{k:<18} {len(rows[k]['wall']):>2} {m['wall']:>8.1f} {m['rss']:>12.1f} "
              f"{m['full']:>10.0f} {100.0 * m['full'] / size:>6.1f} {m['extra']:>10.0f} {rate:>6} "
              f"{rw:>8} {rr:>8} {linger:>9}")
    print("all runs (wall s / full):")
    for k, v in rows.items():
        print(f"  {k}: " + ", ".join(f"{w:.1f}/{f}" for w, f in zip(v["wall"], v["full"])))
    print("ratios are to smbwatch-default (medians); '5-dia|open' = smbwatch records with all"
          " 5 dialects | masscan open ports; 'left open' = TCP connections still open on the"
          " farm after the run")
    pts = [(100.0 * med[k]["full"] / size, med[k]["wall"], med[k]["rate"]) for k in sweep]
    at95 = interpolate([(p, w) for p, w, _ in pts], 95.0)
    tuned = med.get("smbwatch-tuned")
    fast = [(w, r, p) for p, w, r in pts if p >= 95.0]
    if fast:
        w, r, p = min(fast)
        line = f"masscan's fastest rate with a median of >= 95%: {r:.0f} pps, {w:.1f} s ({p:.1f}%)"
        if tuned:
            line += f"; smbwatch-tuned {tuned['wall'] / w:.2f}x that time"
        print(line)
    else:
        print("masscan: no rate in the sweep reached a median of 95%")
    if at95 is None:
        print("masscan at 95%: not bracketed by the sweep (" +
              ", ".join(f"{r:.0f} pps {p:.1f}%" for p, _, r in pts) + ")")
    else:
        line = f"masscan at 95% (interpolated): {at95:.1f} s"
        if tuned:
            line += (f"; smbwatch-tuned: {tuned['wall']:.1f} s for "
                     f"{100.0 * tuned['full'] / size:.1f}% = {tuned['wall'] / at95:.2f}x that time")
        print(line)
    if tuned:
        pct = interpolate([(w, p) for p, w, _ in pts], tuned["wall"])
        if pct is None:
            print(f"masscan at smbwatch-tuned's {tuned['wall']:.1f} s: not bracketed by the sweep")
        else:
            print(f"masscan at smbwatch-tuned's {tuned['wall']:.1f} s (interpolated): {pct:.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
