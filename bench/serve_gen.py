#!/usr/bin/env python3
"""serve_gen.py DB SERVICES RUNS: fill a store for the `smbwatch serve`
benchmark (bench/serve.sh). DB is a SQLite file, or "psql:ARGS" to pipe
the same SQL into psql (ARGS: its connection options, e.g.
"psql:-h /tmp/pg -U postgres -d smbwatch").

SERVICES distinct SMB services (at most 131,072: 198.18.0.0/15, port 445),
each seen in every one of RUNS complete runs of the internal view, a day
apart; a fifth of them without signing required (and so relay targets),
one in ten with SMB1 (it appears at run RUNS/2 on a tenth of those, so
there are changes), every service with the SMB_EXPOSED info finding.

The schema must already exist and be empty (serve.sh has smbwatch create
it). Rows are made by the database itself (INSERT ... SELECT over a
counter), one statement per table and run, not through smbwatch (a scan of
3 million services is not what is measured here); what smbwatch keeps as
it stores (service_latest, views, open findings, finding_first, per-run
counts: store migrations 3, 4 and 7) is built at the end as the
migrations build it. Each run's events are the monitor's for this history: "new" for every service
on the first run, "changed" + "finding_opened" where SMB1 appears."""
import subprocess
import sys

DAY = 86400
T0 = 1767225600  # 2026-01-01


def q(s):
    return s.replace("'", "''")


def statements(services, runs):
    """The SQL, one statement at a time (SQLite and PostgreSQL alike)."""
    n = f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {services - 1})"
    ip = ("'198.' || CAST(18 + ((i / 65536) % 2) AS TEXT) || '.' || CAST((i / 256) % 256 AS TEXT)"
          " || '.' || CAST(i % 256 AS TEXT)")
    host = "SUBSTR(CAST(1000000 + i AS TEXT), 2)"  # six digits
    for run in range(runs):
        rid = run + 1
        at = T0 + run * DAY
        smb1 = f"(i % 10 = 0 AND (i % 100 <> 0 OR {run} >= {runs // 2}))"
        unsigned = "(i % 5 = 0)"
        finding = lambda fid, sev, title, ev: (  # noqa: E731
            f"'{{\"evidence\":\"{ev}\",\"id\":\"{fid}\",\"remediation\":\"fix\","
            f"\"severity\":\"{sev}\",\"title\":\"{title}\"}}'")
        record = (
            "'{\"errors\":[],\"findings\":[' || "
            + finding("SMB_EXPOSED", "info", "SMB reachable from this view", "SMB answered")
            + f" || CASE WHEN {smb1} THEN ',' || "
            + finding("SMB1_ENABLED", "high", "SMBv1 is enabled", "SMB1-only NEGOTIATE accepted")
            + " ELSE '' END"
            + f" || CASE WHEN {unsigned} THEN ',' || "
            + finding("SIGNING_NOT_REQUIRED", "medium", "SMB signing is not required",
                      "signing enabled")
            + " || ',' || "
            + finding("RELAY_TARGET", "high", "NTLM can be relayed to this service",
                      "signing not required, NTLM offered")
            + " ELSE '' END"
            + " || '],\"ip\":\"' || " + ip + " || '\",\"ntlm\":{\"dns_computer\":\"host' || "
            + host + " || '.corp.example\",\"netbios_computer\":\"HOST' || " + host
            + " || '\"},\"port\":445,\"smb1\":{\"enabled\":' || CASE WHEN " + smb1
            + " THEN 'true' ELSE 'false' END || '},\"smb2\":{\"dialects\":[\"2.0.2\",\"2.1\","
            "\"3.0\",\"3.0.2\",\"3.1.1\"],\"signing\":\"' || CASE WHEN " + unsigned
            + " THEN 'enabled' ELSE 'required' END || '\"},\"transport\":\"direct\","
            "\"type\":\"service\",\"view\":\"internal\"}'")
        yield ("INSERT INTO runs (id, scope, view, targets, ports, options, scanner, started_at,"
               " ended_at, complete, n_targets, n_open, n_services, events_stored) VALUES"
               f" ({rid}, 'bench', 'internal', '198.18.0.0/15', '445', '{{}}', 'serve_gen', {at},"
               f" {at + 3600}, '1', {services}, {services}, {services}, 1)")
        sid = f"{run * services} + i + 1"
        yield (f"INSERT INTO services (id, run_id, ip, port, scanned_at, record) {n}"
               f" SELECT {sid}, {rid}, {ip}, 445, {at} + i % 3600, {record} FROM n")
        first = f"{T0} + i % 3600"  # first run, or the run SMB1 appeared
        smb1_first = f"CASE WHEN i % 100 = 0 THEN {T0 + (runs // 2) * DAY} + i % 3600 ELSE {first} END"
        for fid, sev, title, cond, since in [
                ("SMB_EXPOSED", "info", "SMB reachable from this view", "1 = 1", first),
                ("SMB1_ENABLED", "high", "SMBv1 is enabled", smb1, smb1_first),
                ("SIGNING_NOT_REQUIRED", "medium", "SMB signing is not required", unsigned, first),
                ("RELAY_TARGET", "high", "NTLM can be relayed to this service", unsigned, first)]:
            yield (f"INSERT INTO findings (service_id, run_id, finding, severity, title, first_seen)"
                   f" {n} SELECT {sid}, {rid}, '{fid}', '{sev}', '{q(title)}', {since} FROM n"
                   f" WHERE {cond}")
        ev = lambda kind, sev, extra: (  # noqa: E731
            f"'{{\"at\":{at},\"event\":\"{kind}\",\"ip\":\"' || {ip} || '\",\"key\":\"{rid}/' ||"
            f" {ip} || '/445/{kind}\",\"port\":445,\"run\":{rid},\"schema\":1,\"scope\":\"bench\","
            f"\"severity\":\"{sev}\",\"targets\":\"198.18.0.0/15\",\"view\":\"internal\"{extra}}}'")
        if run == 0:
            yield (f"INSERT INTO events (run_id, seq, event, severity, ip, port, view, body) {n}"
                   f" SELECT {rid}, i, 'new', 0, {ip}, 445, 'internal', {ev('new', 'info', '')}"
                   " FROM n")
        elif run == runs // 2:
            prev = ',"previous_run":' + str(rid - 1)
            opened = ',"finding":{"id":"SMB1_ENABLED"}'
            yield (f"INSERT INTO events (run_id, seq, event, severity, ip, port, view, body) {n}"
                   f" SELECT {rid}, 2 * i, 'changed', 3, {ip}, 445, 'internal',"
                   f" {ev('changed', 'high', prev)} FROM n"
                   " WHERE i % 100 = 0")
            yield (f"INSERT INTO events (run_id, seq, event, severity, ip, port, view, body) {n}"
                   f" SELECT {rid}, 2 * i + 1, 'finding_opened', 3, {ip}, 445, 'internal',"
                   f" {ev('finding_opened', 'high', opened)}"
                   " FROM n WHERE i % 100 = 0")
    # what service_put keeps as it goes (store migrations 3, 4 and 7), at once:
    # each service's latest row is the last run's; its search text
    # (store_search_text) is its address and names
    last = runs - 1
    yield (f"INSERT INTO service_latest (ip, port, first_seen, last_seen, sightings, run_id,"
           f" service_id, views, search) {n} SELECT {ip}, 445, {T0} + i % 3600,"
           f" {T0 + last * DAY} + i % 3600, {runs}, {runs}, {last * services} + i + 1,"
           f" ' internal ', {ip} || ' host' || {host} || ' host' || {host} || '.corp.example '"
           " FROM n")
    # its open findings (store migration 7), counted as the migration does
    yield ("UPDATE service_latest SET open_findings = (SELECT COUNT(*) FROM findings f"
           " WHERE f.service_id = service_latest.service_id AND f.severity <> 'info')")
    yield ("INSERT INTO finding_first (ip, port, finding, first_seen)"
           " SELECT s.ip, s.port, f.finding, MIN(s.scanned_at) FROM findings f"
           " JOIN services s ON s.id = f.service_id GROUP BY s.ip, s.port, f.finding")
    counts = ", ".join(
        f"{col} = (SELECT COUNT(*) FROM findings f WHERE f.run_id = runs.id AND {cond})"
        for col, cond in [("n_info", "f.severity = 'info'"), ("n_low", "f.severity = 'low'"),
                          ("n_medium", "f.severity = 'medium'"), ("n_high", "f.severity = 'high'"),
                          ("n_critical", "f.severity = 'critical'"),
                          ("n_smb1", "f.finding = 'SMB1_ENABLED'"),
                          ("n_unsigned", "f.finding = 'SIGNING_NOT_REQUIRED'")])
    yield f"UPDATE runs SET {counts}"


def main():
    db, services, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if not 0 < services <= 131072:
        sys.exit("serve_gen.py: SERVICES is 1 to 131072 (the addresses of 198.18.0.0/15)")
    if db.startswith("psql:"):
        sql = ";\n".join(statements(services, runs))
        # ids were given: the sequences go past them; then the planner's stats
        sql += (";\nSELECT setval('runs_id_seq', (SELECT MAX(id) FROM runs));"
                "\nSELECT setval('services_id_seq', (SELECT MAX(id) FROM services));"
                "\nVACUUM ANALYZE;\n")
        subprocess.run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1"] + db[5:].split(),
                       input=sql.encode(), check=True, stdout=subprocess.DEVNULL)
        return
    import sqlite3
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous = OFF")
    for st in statements(services, runs):
        con.execute(st)
        con.commit()
    con.execute("ANALYZE")
    con.commit()
    con.close()


if __name__ == "__main__":
    main()
