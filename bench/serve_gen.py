#!/usr/bin/env python3
"""serve_gen.py DB SERVICES RUNS: fill a SQLite store for the `smbwatch
serve` benchmark (bench/serve.sh): SERVICES distinct SMB services (at most
131,072: 198.18.0.0/15, port 445), each seen in every one of RUNS complete runs of the internal view,
a day apart; a fifth of them without signing required, one in ten with
SMB1 (it appears at run RUNS/2 on a tenth of those, so there are changes),
every service with the SMB_EXPOSED info finding. The schema must already
exist (the script asks smbwatch to create it: see serve.sh); rows go in
through Python's sqlite3 in large transactions, and what smbwatch keeps as
it stores (service_latest, the views, finding_first, the per-run counts:
store migrations 3 and 4) is built at the end as the migrations build it,
not through smbwatch (a scan of 3 million services is not what is measured
here). Each run's events are the monitor's for this history: "new" for
every service on the first run, "finding_opened" + "changed" where SMB1
appears, stored as scan_store_end stores them."""
import json
import sqlite3
import sys

DAY = 86400
T0 = 1767225600  # 2026-01-01


def record(i, run, runs):
    ip = f"198.{18 + ((i >> 16) & 1)}.{(i >> 8) & 255}.{i & 255}"
    unsigned = i % 5 == 0
    smb1 = i % 10 == 0 and (i % 100 != 0 or run >= runs // 2)
    findings = [{"id": "SMB_EXPOSED", "severity": "info", "title": "SMB reachable from this view",
                 "evidence": f"SMB answered on {ip} port 445", "remediation": "segment"}]
    if smb1:
        findings.append({"id": "SMB1_ENABLED", "severity": "high", "title": "SMBv1 is enabled",
                         "evidence": "SMB1-only NEGOTIATE accepted", "remediation": "disable SMB1"})
    if unsigned:
        findings.append({"id": "SIGNING_NOT_REQUIRED", "severity": "medium",
                         "title": "SMB signing is not required", "evidence": "signing enabled",
                         "remediation": "require signing"})
    rec = {"type": "service", "ip": ip, "port": 445, "transport": "direct", "view": "internal",
           "smb1": {"enabled": smb1},
           "smb2": {"dialects": ["2.0.2", "2.1", "3.0", "3.0.2", "3.1.1"],
                    "signing": "enabled" if unsigned else "required"},
           "ntlm": {"netbios_computer": f"HOST{i:06d}", "dns_computer": f"host{i:06d}.corp.example"},
           "findings": findings, "errors": []}
    return ip, json.dumps(rec, separators=(",", ":")), findings


def event(kind, run_id, at, ip, severity, extra=None):
    ev = {"schema": 1, "event": kind, "key": f"{run_id}/{ip}/445/{kind}", "ip": ip, "port": 445,
          "view": "internal", "run": run_id, "at": at, "severity": severity, "scope": "bench",
          "targets": "198.18.0.0/15"}
    ev.update(extra or {})
    return ev


SEV = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


def main():
    db, services, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if not 0 < services <= 131072:
        sys.exit("serve_gen.py: SERVICES is 1 to 131072 (the addresses of 198.18.0.0/15)")
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA journal_mode = OFF")
    scope = "bench"
    for run in range(runs):
        at = T0 + run * DAY
        cur = con.execute(
            "INSERT INTO runs (scope, view, targets, ports, options, scanner, started_at, ended_at,"
            " complete, n_targets, n_open, n_services) VALUES (?,?,?,?,?,?,?,?,1,?,?,?)",
            (scope, "internal", "198.18.0.0/15", "445", "{}", "serve_gen", at, at + 3600,
             services, services, services))
        run_id = cur.lastrowid
        seq = 0
        for i in range(services):
            ip, text, findings = record(i, run, runs)
            c = con.execute("INSERT INTO services (run_id, ip, port, scanned_at, record)"
                            " VALUES (?,?,?,?,?)", (run_id, ip, 445, at + i % 3600, text))
            sid = c.lastrowid
            evs = []
            if run == 0:
                evs.append(event("new", run_id, at, ip, "info"))
            elif i % 100 == 0 and run == runs // 2:
                evs.append(event("changed", run_id, at, ip, "high", {"previous_run": run_id - 1}))
                evs.append(event("finding_opened", run_id, at, ip, "high",
                                 {"finding": {"id": "SMB1_ENABLED", "severity": "high"}}))
            for ev in evs:
                con.execute("INSERT INTO events (run_id, seq, event, severity, ip, port, view, body)"
                            " VALUES (?,?,?,?,?,445,'internal',?)",
                            (run_id, seq, ev["event"], SEV[ev["severity"]], ip,
                             json.dumps(ev, separators=(",", ":"))))
                seq += 1
            con.executemany("INSERT INTO findings (service_id, run_id, finding, severity, title)"
                            " VALUES (?,?,?,?,?)",
                            [(sid, run_id, f["id"], f["severity"], f["title"]) for f in findings])
        con.commit()
        print(f"run {run + 1}/{runs}", file=sys.stderr, flush=True)
    # what service_put keeps as it goes (store migration 3), built at once
    con.execute("DELETE FROM service_latest")
    con.execute(
        "INSERT INTO service_latest (ip, port, first_seen, last_seen, sightings, run_id, service_id)"
        " SELECT s.ip, s.port, a.first_seen, a.last_seen, a.sightings, a.run_id, s.id FROM"
        " (SELECT ip, port, MIN(scanned_at) AS first_seen, MAX(scanned_at) AS last_seen,"
        " COUNT(*) AS sightings, MAX(run_id) AS run_id FROM services GROUP BY ip, port) a"
        " JOIN services s ON s.ip = a.ip AND s.port = a.port AND s.run_id = a.run_id")
    con.execute("UPDATE service_latest SET views = ' internal '")
    con.execute("DELETE FROM finding_first")
    con.execute("INSERT INTO finding_first (ip, port, finding, first_seen)"
                " SELECT s.ip, s.port, f.finding, MIN(s.scanned_at) FROM findings f"
                " JOIN services s ON s.id = f.service_id GROUP BY s.ip, s.port, f.finding")
    counts = ", ".join(f"{col} = (SELECT COUNT(*) FROM findings f WHERE f.run_id = runs.id AND {cond})"
                       for col, cond in [("n_info", "f.severity = 'info'"),
                                         ("n_low", "f.severity = 'low'"),
                                         ("n_medium", "f.severity = 'medium'"),
                                         ("n_high", "f.severity = 'high'"),
                                         ("n_critical", "f.severity = 'critical'"),
                                         ("n_smb1", "f.finding = 'SMB1_ENABLED'"),
                                         ("n_unsigned", "f.finding = 'SIGNING_NOT_REQUIRED'")])
    con.execute(f"UPDATE runs SET {counts}, events_stored = 1")
    con.execute("ANALYZE")
    con.commit()
    con.close()


if __name__ == "__main__":
    main()
