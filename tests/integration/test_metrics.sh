#!/usr/bin/env bash
# Integration test of `monitor --metrics-listen` against the Samba lab: a
# monitor runs short cycles, /metrics is scraped with curl (inside the
# lab's scanner namespace, on its loopback) and checked by promtool (Debian
# prometheus, installed by scripts/deps.sh: missing = a failure, not a
# skip); the values are checked against the lab: services = its personas,
# open findings = what the monitor's own events say, the last-run time
# advances, events are counted when the lab changes, a failing sink is
# counted. Also: a non-loopback address is refused without
# --metrics-allow-remote; and the same monitor's ecs+file: sink writes every
# event the file: sink got as an ECS document, each key an ECS 8.11 field of
# tests/data/ecs-fields-8.11.txt or smbwatch.* (tests/lib/exports_check.py).
# Prints TAP.
#   SMBWATCH=path/to/smbwatch tests/integration/test_metrics.sh
set -uo pipefail # no -e: a failed assertion must not stop the test
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwp$$}

need_root "needs root (network namespaces, smbd)"
need_tools jq ip smbd timeout curl promtool
need_smbwatch

work_dir metrics
MON_PID=""
stop_monitor() { [ -n "$MON_PID" ] && kill "$MON_PID" 2>/dev/null; }
at_exit stop_monitor
lab_up
ok "lab up"

ADDR=127.0.0.1:9466
DB=$WORK/db/smbwatch.db
TARGETS=(198.18.1.10-16 -p 139,445,8445)
# refused before anything starts: exit 2, no store touched
"$LAB" exec "$SMBWATCH" monitor --once --db "$WORK/refused.db" --metrics-listen 0.0.0.0:9466 \
	"${TARGETS[@]}" >/dev/null 2>"$WORK/refused.err"
eq "--metrics-listen 0.0.0.0 without --metrics-allow-remote: exit 2" "$?" 2
has "... and says why" "$(cat "$WORK/refused.err")" "--metrics-allow-remote"

# the monitor: file sink, an exec sink that always fails (no retries), and
# the file sink again in ECS
"$LAB" exec sh -c 'echo $$ >"$0"; exec "$@"' "$WORK/mon.pid" "$SMBWATCH" monitor --every 3s \
	--db "$DB" --no-progress --metrics-listen "$ADDR" --sink "file:$WORK/events.jsonl" \
	--sink "exec:exit 1" --sink "ecs+file:$WORK/ecs.jsonl" --sink-retries 0 "${TARGETS[@]}" \
	>"$WORK/mon.out" 2>"$WORK/mon.err" &
LAB_PID=$!
wait_for "$WORK/mon.pid" '^[0-9]+$' 30
MON_PID=$(cat "$WORK/mon.pid" 2>/dev/null)
[ -n "$MON_PID" ] && ok "monitor started (pid $MON_PID)" || not_ok "monitor started"

scrape() { "$LAB" exec curl -sf --max-time 10 "http://$ADDR/metrics" >"$1"; }
# value of one sample, exactly as written (name{labels}), or "" when absent
val() { awk -v k="$2" '$1 == k {print $2}' "$1"; }
sum() { awk -v p="$2{" 'index($1, p) == 1 {s += $2} END {print s + 0}' "$1"; }
# until the sample $2 is > $3 (bounded: each cycle is a few seconds)
scrape_until() {
	local out=$1 key=$2 above=$3 i
	for ((i = 0; i < 180; i++)); do
		if scrape "$out" && [ "$(val "$out" "$key")" != "" ] &&
			awk -v v="$(val "$out" "$key")" -v a="$above" 'BEGIN {exit !(v > a)}'; then
			return 0
		fi
		sleep 1
	done
	return 1
}

check "a complete run is on /metrics" scrape_until "$WORK/m1" 'smbwatch_runs_total{result="complete"}' 0
if promtool check metrics <"$WORK/m1" >"$WORK/promtool.1" 2>&1; then
	ok "promtool check metrics: no problem"
else
	not_ok "promtool check metrics: no problem" "$(cat "$WORK/promtool.1")"
fi
check "the content type is Prometheus text 0.0.4" \
	grep -q 'version=0.0.4' <("$LAB" exec curl -sf -o /dev/null -w '%{content_type}' "http://$ADDR/metrics")
eq "another path is 404" "$("$LAB" exec curl -s -o /dev/null -w '%{http_code}' "http://$ADDR/")" 404
# control: promtool does catch a bad exposition (a counter without _total)
sed 's/smbwatch_runs_total/smbwatch_runs/g' "$WORK/m1" >"$WORK/m-bad"
promtool check metrics <"$WORK/m-bad" >/dev/null 2>&1
check "control: promtool flags a counter not named _total" test $? -ne 0

want_svc=$("$LAB" truth | jq -s '[.[] | select(.service and (.ip | test("^198\\.18\\.1\\.1[0-6]$")))] | length')
eq "services (all views and severities) = the lab's personas ($want_svc)" \
	"$(sum "$WORK/m1" smbwatch_services)" "$want_svc"
eq "services: view internal only" \
	"$(grep '^smbwatch_services{' "$WORK/m1" | grep -vc 'view="internal"')" 0
# the first run's "new" events carry each service's findings
wait_for "$WORK/events.jsonl" 'new' 30
want_findings=$(jq -r 'select(.event == "new" and .run == 1) | .findings[] | "smbwatch_findings_open{id=\"\(.id)\",severity=\"\(.severity)\"}"' \
	"$WORK/events.jsonl" | sort | uniq -c | awk '{print $2, $1}')
got_findings=$(grep '^smbwatch_findings_open{' "$WORK/m1" | sort)
if [ "$(val "$WORK/m1" 'smbwatch_runs_total{result="complete"}')" = 1 ]; then
	eq "findings_open = the findings of the run's new events" "$got_findings" "$want_findings"
else
	# a later run may have seen a check time out: compare the ids only
	eq "findings_open ids = the findings of the first run's new events" \
		"$(cut -d' ' -f1 <<<"$got_findings")" "$(cut -d' ' -f1 <<<"$want_findings")"
fi
eq "events_total{new} = one per service" "$(val "$WORK/m1" 'smbwatch_events_total{kind="new"}')" "$want_svc"
T1=$(val "$WORK/m1" smbwatch_last_run_timestamp_seconds)
check "last run time is unix seconds of today" \
	awk -v t="$T1" -v now="$(date +%s)" 'BEGIN {exit !(t > now - 3600 && t <= now + 5)}'
check "last run duration > 0" awk -v d="$(val "$WORK/m1" smbwatch_last_run_duration_seconds)" 'BEGIN {exit !(d > 0)}'
# the failing exec sink is counted, the file sink is not
check "sink failures: the exec sink (position 1) > 0" \
	awk -v v="$(val "$WORK/m1" 'smbwatch_sink_failures_total{sink="exec",position="1"}')" 'BEGIN {exit !(v > 0)}'
eq "sink failures: the file sink (position 0) = 0" \
	"$(val "$WORK/m1" 'smbwatch_sink_failures_total{sink="file",position="0"}')" 0
CH0=$(val "$WORK/m1" 'smbwatch_events_total{kind="changed"}')
eq "no change yet: events_total{changed} = 0" "$CH0" 0
SMB1_0=$(val "$WORK/m1" 'smbwatch_findings_open{id="SMB1_ENABLED",severity="high"}')

# --- change the lab: SMB1 on the unsigned SMB2 persona ---------------------
"$LAB" reconfigure smb2-unsigned 'server min protocol = NT1' >/dev/null
eq "lab changed (SMB1 on .12)" "$?" 0
# until a run shows SMB1 open on .12 (a run in the middle of smbd's
# restart may report other changes first)
check "after the change: findings_open{SMB1_ENABLED} > $SMB1_0" \
	scrape_until "$WORK/m2" 'smbwatch_findings_open{id="SMB1_ENABLED",severity="high"}' "$SMB1_0"
check "events_total{changed} > 0" \
	awk -v v="$(val "$WORK/m2" 'smbwatch_events_total{kind="changed"}')" 'BEGIN {exit !(v > 0)}'
check "the last-run time advanced" awk -v a="$(val "$WORK/m2" smbwatch_last_run_timestamp_seconds)" -v b="$T1" 'BEGIN {exit !(a > b)}'
check "finding_opened counted" \
	awk -v v="$(val "$WORK/m2" 'smbwatch_events_total{kind="finding_opened"}')" 'BEGIN {exit !(v > 0)}'
eq "findings_open{SMB1_ENABLED} one more" \
	"$(val "$WORK/m2" 'smbwatch_findings_open{id="SMB1_ENABLED",severity="high"}')" "$((SMB1_0 + 1))"
check "runs_total{complete} advanced" awk -v a="$(val "$WORK/m2" 'smbwatch_runs_total{result="complete"}')" \
	-v b="$(val "$WORK/m1" 'smbwatch_runs_total{result="complete"}')" 'BEGIN {exit !(a > b)}'
if promtool check metrics <"$WORK/m2" >"$WORK/promtool.2" 2>&1; then
	ok "promtool check metrics (second scrape): no problem"
else
	not_ok "promtool check metrics (second scrape): no problem" "$(cat "$WORK/promtool.2")"
fi

eq "sink failures: the ecs+file sink (position 2) = 0" \
	"$(val "$WORK/m2" 'smbwatch_sink_failures_total{sink="file",position="2"}')" 0

# --- the ecs+file: sink --------------------------------------------------------
FIELDS=$ROOT/tests/data/ecs-fields-8.11.txt
/usr/bin/python3 "$ROOT/tests/lib/exports_check.py" ecs "$FIELDS" "$WORK/ecs.jsonl" monitor >"$WORK/ecs.tap"
eq "ecs+file: only listed ECS fields (with their types) and smbwatch.*" "$?" 0
grep -v '^ok' "$WORK/ecs.tap" | head -20 | sed 's/^/# /'
eq "ecs+file: one document per event of the file: sink (event.id = key)" \
	"$(jq -r '.event.id' "$WORK/ecs.jsonl" | sort)" "$(jq -r .key "$WORK/events.jsonl" | sort)"
eq "ecs+file: event.action is the event's name" \
	"$(jq -r '"\(.event.id) \(.event.action)"' "$WORK/ecs.jsonl" | sort)" \
	"$(jq -r '"\(.key) \(.event)"' "$WORK/events.jsonl" | sort)"
eq "ecs+file: finding_opened of SMB1 on .12 is an alert with vulnerability.* and rule.name" \
	"$(jq -c 'select(.event.action == "finding_opened" and .destination.ip == "198.18.1.12" and .rule.name == "SMB1_ENABLED") | [.event.kind, .vulnerability.severity, .smbwatch.monitor.finding.id]' "$WORK/ecs.jsonl")" \
	'["alert","High","SMB1_ENABLED"]'
eq "ecs+file: the change's old/new are text (smb1.enabled false -> true)" \
	"$(jq -c 'select(.event.action == "changed" and .destination.ip == "198.18.1.12") | .smbwatch.monitor.changes[] | select(.field == "smb1.enabled") | [.old, .new]' "$WORK/ecs.jsonl")" \
	'["false","true"]'
# control: the monitor's own JSON is not ECS, and the check says so
/usr/bin/python3 "$ROOT/tests/lib/exports_check.py" ecs "$FIELDS" "$WORK/events.jsonl" monitor >/dev/null
eq "control: the file: sink's native events fail the ECS check" "$?" 1

# stop: SIGTERM ends it cleanly, the port is closed
kill -TERM "$MON_PID"
timeout 120 tail --pid="$MON_PID" -f /dev/null
wait "$LAB_PID"
eq "monitor exits 0 on SIGTERM" "$?" 0
MON_PID=""
has "monitor stopped on SIGTERM" "$(cat "$WORK/mon.err")" "smbwatch monitor: stopped"
eq "no sanitizer report on the monitor's stderr" "$(grep -c 'Sanitizer' "$WORK/mon.err")" 0
"$LAB" exec curl -sf --max-time 5 "http://$ADDR/metrics" >/dev/null 2>&1
check "the metrics port is closed after the monitor stopped" test $? -ne 0

finish
