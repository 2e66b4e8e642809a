#!/usr/bin/env bash
# Integration test: the export formats, checked by the schema or the reader
# each format has, on a scan of the Samba lab (tests/lab/lab.sh).
#   nmap-xml: nmap.dtd (xmllint), python3-libnmap reads every host, port,
#             service and script back, nmap.xsl renders it (xsltproc), and
#             nmap's own -oX of the same lab beside ours agrees on the shared
#             fields (tests/lib/nmapxml_check.py); -oA writes all three files.
#   defectdojo: valid against a JSON Schema written from DefectDojo's Generic
#             Findings Import documentation (python3-jsonschema), the same
#             unique_id_from_tool set on a second run (tests/lib/exports_check.py).
#   ecs:      every key an ECS 8.11 field of the vendored list
#             (tests/data/ecs-fields-8.11.txt) with its type, or smbwatch.*.
# Prints TAP. SMBWATCH=path/to/smbwatch tests/integration/test_exports.sh
set -uo pipefail # no -e: a failed assertion must not stop the test
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwx$$}
SCAN_TIMEOUT=${SCAN_TIMEOUT:-300}
PY=/usr/bin/python3 # Debian's, where python3-libnmap and python3-jsonschema live
DTD=/usr/share/nmap/nmap.dtd
XSL=/usr/share/nmap/nmap.xsl

need_root "integration test needs root (network namespaces, smbd)"
need_tools jq ip smbd timeout nmap xmllint xsltproc
need_smbwatch
if ! "$PY" -c 'import libnmap, jsonschema' 2>/dev/null; then
	skip "python3-libnmap or python3-jsonschema missing (scripts/deps.sh installs them)"
	finish
	exit 0
fi
TARGETS=198.18.1.10-16

work_dir exports
lab_up
ok "lab up"

# --- nmap XML ----------------------------------------------------------------
# -oA BASE besides --format nmap-xml on stdout: four reports of one run
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db -p 139,445 --format nmap-xml \
	-oA "$WORK/run" "$TARGETS" >"$WORK/stdout.xml" 2>"$WORK/err.txt"
eq "scan -oA exits 0" "$?" "0"
for f in run.txt run.jsonl run.xml; do
	check "-oA wrote $f" test -s "$WORK/$f"
done
has "-oA: BASE.txt is the text report" "$(cat "$WORK/run.txt")" "Summary: "
eq "-oA: BASE.jsonl is JSON Lines of services" \
	"$(jq -s 'length > 0 and all(.[]; .type == "service")' "$WORK/run.jsonl")" "true"
n_svc=$(jq -s length "$WORK/run.jsonl")
eq "the lab has 6 SMB services on 139/445" "$n_svc" "6"
# the same run: stdout and -oA's .xml differ only in the finish time
eq "--format nmap-xml on stdout = -oA's .xml (but the finish time)" \
	"$(grep -v '<runstats>' "$WORK/stdout.xml")" "$(grep -v '<runstats>' "$WORK/run.xml")"

for f in stdout.xml run.xml; do
	if xmllint --noout --dtdvalid "$DTD" "$WORK/$f" 2>"$WORK/xmllint.err"; then
		ok "$f is valid against nmap.dtd"
	else
		not_ok "$f is valid against nmap.dtd" "$(head -20 "$WORK/xmllint.err")"
	fi
done
if xsltproc "$XSL" "$WORK/run.xml" >"$WORK/run.html" 2>"$WORK/xslt.err" && [ ! -s "$WORK/xslt.err" ]; then
	ok "nmap.xsl renders it without errors"
else
	not_ok "nmap.xsl renders it without errors" "$(head -20 "$WORK/xslt.err")"
fi
has "the rendered page shows the host" "$(cat "$WORK/run.html")" "198.18.1.10"
has "the rendered page shows smb-protocols" "$(cat "$WORK/run.html")" "smb-protocols"

# libnmap reads every host, port, service and script back
"$PY" "$ROOT/tests/lib/nmapxml_check.py" read "$WORK/run.xml" "$WORK/run.jsonl" >"$WORK/read.tap"
eq "libnmap reads the file back (nmapxml_check.py read)" "$?" "0"
grep -v '^ok' "$WORK/read.tap" | head -20 | sed 's/^/# /'
diag "$(grep -c '^ok' "$WORK/read.tap") reader checks passed"

# nmap's own XML of the same lab, with the scripts whose ids we use
timeout "$SCAN_TIMEOUT" "$LAB" exec nmap -n -Pn -sT -p139,445 --script \
	smb-protocols,smb2-security-mode,smb-security-mode,smb-os-discovery,smb2-capabilities,smb2-time,smb-vuln-ms17-010,smb-double-pulsar-backdoor,smb-enum-shares \
	-oX "$WORK/nmap.xml" "$TARGETS" >"$WORK/nmap.txt" 2>&1
eq "nmap -oX of the lab exits 0" "$?" "0"
"$PY" "$ROOT/tests/lib/nmapxml_check.py" compare "$WORK/run.xml" "$WORK/nmap.xml" >"$WORK/compare.tap"
rc=$?
eq "ours and nmap's agree on addresses, ports, services, script ids and contents" "$rc" "0"
sed 's/^/# /' "$WORK/compare.tap"
# positive control: the comparison does catch a difference
sed 's/portid="445"/portid="4455"/' "$WORK/run.xml" >"$WORK/bad.xml"
"$PY" "$ROOT/tests/lib/nmapxml_check.py" compare "$WORK/bad.xml" "$WORK/nmap.xml" >/dev/null
eq "control: a changed port fails the comparison" "$?" "1"

# --- CSV ----------------------------------------------------------------------
# the check columns come from the check table: each agrees with the JSON
# record of the same service (run.jsonl above), and the lab's SMB1 persona
# has a verdict in ms17_010
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db -p 139,445 --format csv \
	"$TARGETS" >"$WORK/run.csv" 2>"$WORK/csv_err.txt"
eq "scan --format csv exits 0" "$?" "0"
csv_out=$("$PY" - "$WORK/run.csv" "$WORK/run.jsonl" <<'PYEOF'
import csv, json, sys
rows = {(r["ip"], r["port"]): r for r in csv.DictReader(open(sys.argv[1], newline=""))}
recs = [json.loads(l) for l in open(sys.argv[2])]
def want(rec, col):
    a, v = rec.get("auth", {}), rec.get("vulns", {})
    val = {"anonymous_logon": a.get("anonymous_logon"), "null_session": a.get("null_session"),
           "guest": a.get("guest"), "ms17_010": v.get("ms17_010"),
           "cve_2020_0796": v.get("cve_2020_0796"), "doublepulsar": v.get("doublepulsar"),
           "relay_target": rec.get("relay", {}).get("target")}[col]
    return "" if val is None else ("true" if val is True else "false" if val is False else val)
bad, verdicts = [], 0
for rec in recs:
    row = rows.get((rec["ip"], str(rec["port"])))
    if row is None:
        bad.append("no csv row for %s:%s" % (rec["ip"], rec["port"])); continue
    for col in ("anonymous_logon", "null_session", "guest", "ms17_010", "cve_2020_0796",
                "doublepulsar", "relay_target"):
        if row[col] != want(rec, col):
            bad.append("%s:%s %s csv=%r json=%r" % (rec["ip"], rec["port"], col, row[col], want(rec, col)))
    verdicts += row["ms17_010"] != ""
print("rows=%d verdicts=%d %s" % (len(rows), verdicts, "; ".join(bad) or "agree"))
PYEOF
)
has "csv: every check column agrees with the JSON record" "$csv_out" " agree"
has "csv: one row per service of the run" "$csv_out" "rows=$n_svc "
if [[ $csv_out =~ verdicts=([0-9]+) ]] && ((BASH_REMATCH[1] > 0)); then
	ok "csv: the SMB1 persona has an ms17_010 verdict (positive control)"
else
	not_ok "csv: the SMB1 persona has an ms17_010 verdict (positive control)" "$csv_out"
fi

# --- DefectDojo Generic Findings ----------------------------------------------
SCHEMA=$ROOT/tests/data/defectdojo-generic-findings.schema.json
# (finding id/address/port) of a run's JSON Lines, sorted
expected_ids() { jq -r '.ip as $ip | .port as $p | .findings[] | "\(.id)/\($ip)/\($p)"' "$1" | sort; }
# two runs, each with its own JSON Lines (-oA) to compare with
for i in 1 2; do
	timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db -p 139,445 --format defectdojo \
		-o "$WORK/dd$i.json" -oA "$WORK/dd$i" "$TARGETS" 2>"$WORK/dd$i.err"
	eq "scan --format defectdojo (run $i) exits 0" "$?" "0"
	eq "defectdojo run $i: one finding per (finding, service), id = ID/ADDRESS/PORT" \
		"$(jq -r '.findings[].unique_id_from_tool' "$WORK/dd$i.json" | sort)" \
		"$(expected_ids "$WORK/dd$i.jsonl")"
done
"$PY" "$ROOT/tests/lib/exports_check.py" defectdojo "$SCHEMA" "$WORK/dd1.json" >"$WORK/dd.tap"
eq "defectdojo: schema-valid, promised fields, unique ids" "$?" "0"
sed 's/^/# /' "$WORK/dd.tap"
# the lab's servers answer alike on both runs (mostly: a loaded machine can
# time a share listing out); when they did, the ids are the same set
if [ "$(expected_ids "$WORK/dd1.jsonl")" = "$(expected_ids "$WORK/dd2.jsonl")" ]; then
	eq "defectdojo: the same unique_id_from_tool set on the second run" \
		"$(jq -r '.findings[].unique_id_from_tool' "$WORK/dd2.json" | sort)" \
		"$(jq -r '.findings[].unique_id_from_tool' "$WORK/dd1.json" | sort)"
else
	skip "the lab answered differently on the two runs: id stability not comparable"
fi
# control: the schema rejects a wrong severity word
jq '.findings[0].severity = "high"' "$WORK/dd1.json" >"$WORK/dd-bad.json"
"$PY" "$ROOT/tests/lib/exports_check.py" defectdojo "$SCHEMA" "$WORK/dd-bad.json" >/dev/null
eq "control: a lower-case severity fails the schema" "$?" "1"

# --- Elastic Common Schema ------------------------------------------------------
FIELDS=$ROOT/tests/data/ecs-fields-8.11.txt
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db -p 139,445 --format ecs \
	-o "$WORK/ecs.jsonl" "$TARGETS" 2>"$WORK/ecs.err"
eq "scan --format ecs exits 0" "$?" "0"
"$PY" "$ROOT/tests/lib/exports_check.py" ecs "$FIELDS" "$WORK/ecs.jsonl" >"$WORK/ecs.tap"
eq "ecs: only listed ECS fields (with their types) and smbwatch.*" "$?" "0"
grep -v '^ok' "$WORK/ecs.tap" | head -20 | sed 's/^/# /'
eq "ecs: one state event per service" "$(jq -s '[.[] | select(.event.kind == "state")] | length' "$WORK/ecs.jsonl")" "$n_svc"
eq "ecs: one alert per finding of the services" \
	"$(jq -r 'select(.event.kind == "alert") | "\(.rule.name)/\(.destination.ip)/\(.destination.port)"' "$WORK/ecs.jsonl" | sort)" \
	"$(jq -r 'select(.event.kind == "state") | .smbwatch.service | .ip as $ip | .port as $p | .findings[] | "\(.id)/\($ip)/\($p)"' "$WORK/ecs.jsonl" | sort)"
# control: a key outside ECS and smbwatch.* is caught
head -1 "$WORK/ecs.jsonl" | jq -c '.host = {"nmae": "x"}' >"$WORK/ecs-bad.jsonl"
"$PY" "$ROOT/tests/lib/exports_check.py" ecs "$FIELDS" "$WORK/ecs-bad.jsonl" >/dev/null
eq "control: a key outside the list fails" "$?" "1"

finish
