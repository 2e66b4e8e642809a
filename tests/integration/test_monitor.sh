#!/usr/bin/env bash
# Integration test of the store, diff, history and monitor against the Samba
# lab: the lab is changed between monitor cycles (SMB1 enabled on a persona,
# signing mandatory -> auto, a share added, a persona stopped for two runs and
# started again) and the exact events and diffs are checked through every
# sink: stdout, file, exec, webhook (a local receiver checking the HMAC).
# Prints TAP.   SMBWATCH=path/to/smbwatch tests/integration/test_monitor.sh
# smbw: loaded-pass (tests/run.sh runs it once more beside a CPU hog: it
# exercises timeouts and diffs, which load must not change)
set -uo pipefail
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwm$$}

need_root "needs root (network namespaces, smbd)"
need_tools jq ip smbd python3 timeout
need_smbwatch

work_dir mon
RECV_PID=""
stop_receiver() { [ -n "$RECV_PID" ] && kill "$RECV_PID" 2>/dev/null; }
at_exit stop_receiver
lab_up
ok "lab up"

DB=$WORK/db/smbwatch.db
SECRET=s3cret-for-test
# the receiver runs inside the scanner namespace, on its loopback
"$LAB" exec python3 "$ROOT/tests/integration/webhook_receiver.py" "$WORK/port" "$WORK/hook.jsonl" \
	"$SECRET" >"$WORK/recv.log" 2>&1 &
RECV_PID=$!
wait_for "$WORK/port" '^[0-9]+' 60 # until it listens (slow under load)
PORT=$(cat "$WORK/port" 2>/dev/null)
[ -n "$PORT" ] && ok "webhook receiver on 127.0.0.1:$PORT" || not_ok "webhook receiver starts"

TARGETS=(198.18.1.10-14 -p 445)
cycle() { # cycle N: one monitor --once with every sink; stdout to out.N
	timeout 120 "$LAB" exec "$SMBWATCH" monitor --once --db "$DB" --no-progress \
		--sink stdout --sink "file:$WORK/file.jsonl" \
		--sink "exec:cat >>$WORK/exec.jsonl" \
		--sink "webhook:http://127.0.0.1:$PORT/hook" --webhook-secret "$SECRET" \
		"${TARGETS[@]}" >"$WORK/out.$1" 2>"$WORK/err.$1"
}
# "event ip finding" per event, sorted: what a cycle reported
summary() { jq -r '[.event, .ip, (.finding.id // "")] | join(" ")' "$1" | sed 's/ $//' | sort; }

cycle 1; rc=$?
eq "cycle 1: monitor --once exits 0" "$rc" 0
eq "cycle 1: every service is new" "$(summary "$WORK/out.1" | tr '\n' ';')" \
	"new 198.18.1.10;new 198.18.1.11;new 198.18.1.12;new 198.18.1.13;new 198.18.1.14;"
eq "cycle 1: events carry the schema fields" \
	"$(jq -c 'select(.ip=="198.18.1.10") | [.schema, .event, .port, .view, (.run|type), (.at|test("Z$")), (.findings|length>0)]' "$WORK/out.1")" \
	'[1,"new",445,"internal","number",true,true]'

# --- change the lab --------------------------------------------------------
"$LAB" reconfigure smb2-unsigned 'server min protocol = NT1' >/dev/null &&
	"$LAB" reconfigure smb311-signed 'server signing = auto' >/dev/null &&
	"$LAB" add-share guest extra >/dev/null &&
	"$LAB" stop smb1-only >/dev/null
eq "lab changed (SMB1 on .12, signing auto on .13, share on .14, .11 stopped)" "$?" 0

cycle 2; rc=$?
eq "cycle 2: exits 0" "$rc" 0
eq "cycle 2: exact events" "$(summary "$WORK/out.2" | tr '\n' ';')" \
	"changed 198.18.1.12;changed 198.18.1.13;changed 198.18.1.14;finding_opened 198.18.1.12 SMB1_ENABLED;finding_opened 198.18.1.13 RELAY_TARGET;finding_opened 198.18.1.13 SIGNING_NOT_REQUIRED;"
eq "cycle 2: smb1.enabled false -> true on .12" \
	"$(jq -c 'select(.event=="changed" and .ip=="198.18.1.12") | .changes[] | select(.field=="smb1.enabled")' "$WORK/out.2")" \
	'{"field":"smb1.enabled","old":false,"new":true}'
eq "cycle 2: smb2.signing required -> enabled on .13 (and with it the relay verdict: the only changes)" \
	"$(jq -c 'select(.event=="changed" and .ip=="198.18.1.13") | .changes' "$WORK/out.2")" \
	'[{"field":"relay.target","old":false,"new":true},{"field":"smb2.signing","old":"required","new":"enabled"}]'
eq "cycle 2: new share on .14 (the only change)" \
	"$(jq -c 'select(.event=="changed" and .ip=="198.18.1.14") | [.changes[] | [.field, .old, .new.type]]' "$WORK/out.2")" \
	'[["shares.extra",null,"disk"]]'
eq "cycle 2: finding event has id, severity, title, remediation" \
	"$(jq -c 'select(.event=="finding_opened" and .ip=="198.18.1.12") | [.finding.id, .finding.severity, (.finding.title|length>0), (.finding.remediation|length>0), .severity]' "$WORK/out.2")" \
	'["SMB1_ENABLED","high",true,true,"high"]'

D=$("$SMBWATCH" diff --db "$DB")
has "diff: smb1.enabled false→true" "$D" "smb1.enabled: false → true"
has "diff: smb2.signing required→enabled" "$D" "smb2.signing: required → enabled"
has "diff: a new share" "$D" "shares.extra: (none) →"
has "diff: a new finding" "$D" "finding SMB1_ENABLED opened (high"
has "diff: .11 gone between the two runs" "$D" "gone     198.18.1.11:445"
has "diff: summary line" "$D" "0 new, 1 gone, 3 changed, 1 unchanged"
eq "diff --format json: volatile fields never count" \
	"$("$SMBWATCH" diff --db "$DB" --format json | jq -r 'select(.type=="diff") | .changes[]?.field' | grep -cE '^(scanned_at|smb2\.system_time|smb2\.boot_time|errors)')" 0

cycle 3; rc=$?
eq "cycle 3: exits 0" "$rc" 0
eq "cycle 3 (.11 absent twice): exactly one gone event" "$(summary "$WORK/out.3" | tr '\n' ';')" "gone 198.18.1.11;"

"$LAB" start smb1-only >/dev/null
cycle 4; rc=$?
eq "cycle 4: exits 0" "$rc" 0
eq "cycle 4 (.11 started again): back" "$(summary "$WORK/out.4" | tr '\n' ';')" "back 198.18.1.11;"

# "no events" means something only from a monitor that ran to the end: its
# exit status here, its run in the history below ("same"); cycles 2-4 are
# the positive control (the same command reports changes when there are)
cycle 5; rc=$?
eq "cycle 5: exits 0" "$rc" 0
eq "cycle 5 (nothing changed): no events" "$(wc -l <"$WORK/out.5")" 0

H=$("$SMBWATCH" history --db "$DB" 198.18.1.11:445 | awk 'NR>1 {print $4}' | tr '\n' ' ')
eq "history of .11: new, absent, gone, back, same" "$H" "new absent gone back same "
eq "history --format json of .12: the smb1 change" \
	"$("$SMBWATCH" history --db "$DB" --format json 198.18.1.12 | jq -c 'select(.status=="changed") | [.run, (.changes[] | select(.field=="smb1.enabled") | .new)]')" \
	"[2,true]"

# --- every sink got the same events, exactly once --------------------------
cat "$WORK"/out.[1-5] >"$WORK/stdout.all"
want=$(jq -r .key "$WORK/stdout.all" | sort)
eq "stdout: 13 events in all (5+6+1+1), keys unique" "$(wc -l <<<"$want") $(uniq -d <<<"$want" | wc -l)" "13 0"
eq "file sink: the same events" "$(jq -r .key "$WORK/file.jsonl" | sort)" "$want"
eq "exec sink: the same events" "$(jq -r .key "$WORK/exec.jsonl" | sort)" "$want"
eq "webhook sink: the same events" "$(jq -r .body.key "$WORK/hook.jsonl" | sort)" "$want"
eq "webhook: every HMAC-SHA256 signature checks out" \
	"$(jq -r .sig_ok "$WORK/hook.jsonl" | sort -u)" "true"
eq "webhook: X-Smbwatch-Event header = event" \
	"$(jq -r 'select(.event_header != .body.event)' "$WORK/hook.jsonl" | wc -l)" 0

# a restart (catch-up of the last run) sends nothing twice
cycle 6; rc=$?
eq "restart: exits 0" "$rc" 0
eq "restart: nothing delivered twice (file sink)" "$(jq -r .key "$WORK/file.jsonl" | sort | uniq -d | wc -l)" 0

# --- --fail-on ------------------------------------------------------------
"$LAB" reconfigure smb2-unsigned 'server min protocol = SMB2_02' >/dev/null
"$LAB" reconfigure smb1-and-2 'server min protocol = SMB2_02' >/dev/null
timeout 120 "$LAB" exec "$SMBWATCH" monitor --once --db "$DB" --fail-on high "${TARGETS[@]}" \
	>"$WORK/out.7" 2>/dev/null
eq "--once --fail-on high: only resolved findings -> exit 0" "$?" 0
"$LAB" reconfigure smb2-unsigned 'server min protocol = NT1' >/dev/null
timeout 120 "$LAB" exec "$SMBWATCH" monitor --once --db "$DB" --fail-on high "${TARGETS[@]}" \
	>"$WORK/out.8" 2>/dev/null
eq "--once --fail-on high: SMB1_ENABLED opened -> exit 1" "$?" 1

finish
