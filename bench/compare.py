#!/usr/bin/python3
"""Summarise a bench run: wall time, peak RSS, services found and per-field
agreement with the lab truth, for smbwatch and nmap, plus nmap/smbwatch ratios.

    compare.py OUTDIR

OUTDIR (written by bench/run.sh) holds truth.jsonl and, per repetition i,
smbwatch-i.jsonl + smbwatch-i.time and nmap-i.xml + nmap-i.time
(`/usr/bin/time -v` reports). Only the IPv4 services of the truth are scored:
the bench scans 198.18.1.0/24.
"""
import glob
import json
import os
import re
import statistics
import sys
import xml.etree.ElementTree as ET

FIELDS = ["smb1 enabled", "dialect list", "signing", "netbios name", "anonymous share list"]
NMAP_DIALECTS = {"202": "2.0.2", "210": "2.1", "300": "3.0", "302": "3.0.2", "311": "3.1.1",
                 "2.02": "2.0.2", "2.10": "2.1", "3.00": "3.0", "3.02": "3.0.2", "3.11": "3.1.1"}


def load_truth(path):
    """{(ip, port): expected fields} for the IPv4 services of the lab."""
    truth = {}
    with open(path) as f:
        for line in f:
            t = json.loads(line)
            if not t.get("service") or ":" in t["ip"]:
                continue
            truth[(t["ip"], t["port"])] = {
                "smb1 enabled": t["smb1_enabled"],
                "dialect list": t["smb2_dialects"],
                # the signing verdict of the highest protocol: SMB2 if any, else SMB1
                "signing": t["smb2_signing"] or t["smb1_signing"],
                "netbios name": t["netbios_computer"],
                "anonymous share list": bool(t.get("anon_share_list")),
            }
    return truth


def parse_time(path):
    """(wall seconds, peak RSS KiB, exit status) from a `time -v` report."""
    wall, rss, status = None, None, None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("Elapsed (wall clock) time"):
                v = line.rsplit(" ", 1)[1]
                secs = 0.0
                for part in v.split(":"):
                    secs = secs * 60 + float(part)
                wall = secs
            elif line.startswith("Maximum resident set size"):
                rss = int(line.rsplit(" ", 1)[1])
            elif line.startswith("Exit status"):
                status = int(line.rsplit(" ", 1)[1])
            elif line.startswith("Command terminated by signal"):
                status = 128 + int(line.rsplit(" ", 1)[1])
    return wall, rss, status


def smbwatch_services(path):
    """{(ip, port): fields} from smbwatch JSON Lines."""
    found = {}
    with open(path, errors="replace") as f:
        for line in f:
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if not isinstance(r, dict) or r.get("type") != "service":
                continue
            smb1 = r.get("smb1") or {}
            smb2 = r.get("smb2") or {}
            ntlm = r.get("ntlm") or {}
            found[(r.get("ip"), r.get("port"))] = {
                "smb1 enabled": smb1.get("enabled"),
                "dialect list": smb2.get("dialects") or [],
                "signing": smb2.get("signing") or smb1.get("signing"),
                "netbios name": ntlm.get("netbios_computer") or smb1.get("server_name"),
                "anonymous share list": bool(r.get("shares")),
            }
    return found


def nmap_services(path):
    """{(ip, port): fields} from nmap XML. nmap's SMB scripts are host scripts
    bound to 445 (else 139), so a host with an smb-protocols answer counts as
    one service on that port; nmap never probes SMB on 8445."""
    found = {}
    root = ET.parse(path).getroot()
    for host in root.iter("host"):
        addr = host.find("address").get("addr")
        open_ports = {int(p.get("portid")) for p in host.iter("port")
                      if p.find("state") is not None and p.find("state").get("state") == "open"}
        scripts = {s.get("id"): s for s in host.iter("script")}
        proto = scripts.get("smb-protocols")
        if proto is None:
            continue
        dialects = [e.text or "" for t in proto.iter("table") if t.get("key") == "dialects"
                    for e in t.iter("elem")]
        if not dialects:
            continue
        port = 445 if 445 in open_ports else 139
        smb1 = any("NT LM 0.12" in d for d in dialects)
        smb2 = [NMAP_DIALECTS.get(d.strip(), d.strip()) for d in dialects if "NT LM" not in d]
        signing = None
        sm2 = scripts.get("smb2-security-mode")
        if sm2 is not None:
            out = sm2.get("output", "")
            signing = "required" if "and required" in out else ("enabled" if "enabled" in out else None)
        sm1 = scripts.get("smb-security-mode")
        if signing is None and sm1 is not None:
            for e in sm1.iter("elem"):
                if e.get("key") == "message_signing":
                    signing = {"supported": "enabled"}.get(e.text, e.text)
        name = None
        osd = scripts.get("smb-os-discovery")
        if osd is not None:
            for e in osd.iter("elem"):
                if e.get("key") == "server" and e.text:
                    # nmap leaves the NUL terminator in, printed as "\x00"
                    name = re.sub(r"(\\x00|\x00)+$", "", e.text)
        shares = scripts.get("smb-enum-shares")
        listed = shares is not None and any(t.get("key", "").startswith("\\\\")
                                            for t in shares.iter("table"))
        found[(addr, port)] = {"smb1 enabled": smb1, "dialect list": smb2,
                               "signing": signing, "netbios name": name,
                               "anonymous share list": listed}
    return found


def score(truth, found):
    """services found (matching the truth) and correct answers per field."""
    hits = {f: 0 for f in FIELDS}
    for key, want in truth.items():
        got = found.get(key)
        if got is None:
            continue
        for f in FIELDS:
            if got.get(f) == want[f]:
                hits[f] += 1
    return sum(1 for k in found if k in truth), len(found), hits


def summarise(outdir, tool, parse):
    runs = sorted(glob.glob(os.path.join(outdir, f"{tool}-*.time")))
    if not runs:
        return None
    walls, rsss, statuses, scores = [], [], [], []
    truth = load_truth(os.path.join(outdir, "truth.jsonl"))
    for t in runs:
        wall, rss, status = parse_time(t)
        walls.append(wall)
        rsss.append(rss)
        statuses.append(status)
        out = t[:-len(".time")] + (".jsonl" if tool.startswith("smbwatch") else ".xml")
        try:
            scores.append(score(truth, parse(out)))
        except (OSError, ET.ParseError, ValueError) as e:
            print(f"bench: cannot read {out}: {e}", file=sys.stderr)
            scores.append((0, 0, {f: 0 for f in FIELDS}))
    # answers should not vary between runs; if they do, show the worst run
    good, found, hits = min(scores, key=lambda s: (s[0], sum(s[2].values())))
    return {
        "wall": statistics.median(w for w in walls if w is not None),
        "rss": statistics.median(r for r in rsss if r is not None) / 1024.0,
        "status": ",".join(str(s) for s in statuses),
        "runs": len(runs), "good": good, "found": found, "hits": hits, "total": len(truth),
    }


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = sys.argv[1]
    s = summarise(outdir, "smbwatch", smbwatch_services)
    f = summarise(outdir, "smbwatch_fp", smbwatch_services)
    n = summarise(outdir, "nmap", nmap_services)

    def cell(x, fmt):
        return fmt(x) if x is not None else "-"

    def ratio(a, b):
        if a is None or b is None or not b:
            return "-"
        return f"{a / b:.1f}x"

    rows = [
        ("runs", cell(s, lambda x: str(x["runs"])), cell(n, lambda x: str(x["runs"])), ""),
        ("exit status", cell(s, lambda x: x["status"]), cell(n, lambda x: x["status"]), ""),
        ("wall time, median (s)", cell(s, lambda x: f"{x['wall']:.2f}"),
         cell(n, lambda x: f"{x['wall']:.2f}"),
         ratio(n and n["wall"], s and s["wall"])),
        ("peak RSS, median (MiB)", cell(s, lambda x: f"{x['rss']:.1f}"),
         cell(n, lambda x: f"{x['rss']:.1f}"),
         ratio(n and n["rss"], s and s["rss"])),
        ("SMB services found (true/all)", cell(s, lambda x: f"{x['good']}/{x['found']}"),
         cell(n, lambda x: f"{x['good']}/{x['found']}"), ""),
    ]
    if f is not None:
        rows.append(("  fingerprint only (--checks none), s", f"{f['wall']:.2f}", "", ""))
    for fld in FIELDS:
        rows.append((f"correct: {fld}", cell(s, lambda x: f"{x['hits'][fld]}/{x['total']}"),
                     cell(n, lambda x: f"{x['hits'][fld]}/{x['total']}"), ""))
    w = max(len(r[0]) for r in rows)
    print(f"{'':{w}}  {'smbwatch':>10}  {'nmap':>10}  {'nmap/smbwatch':>13}")
    for r in rows:
        print(f"{r[0]:{w}}  {r[1]:>10}  {r[2]:>10}  {r[3]:>13}")
    print(f"(truth: {s['total'] if s else (n['total'] if n else 0)} IPv4 services of "
          "`lab.sh truth`; answers scored on the worst repetition; "
          "ratios > 1 mean smbwatch is faster / smaller)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
