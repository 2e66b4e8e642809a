#!/usr/bin/env bash
# Integration test of issue 22 section 4, "attack pattern change":
#  - escalation: a real scan (into a SQLite store) of the ms17-vulnerable
#    loopback responder stores an MS17_010 finding for 127.0.0.A; the
#    vendored EternalBlue capture, its victim readdressed to 127.0.0.A, read
#    by `sensor --db` into the same store: MS17_010_EXPLOIT and the
#    DoublePulsar knock are escalated (critical) and name both the packet
#    evidence and the finding with its run; in stdout and in sensor_alerts.
#    The same capture readdressed to 127.0.0.B (no finding): nothing escalated
#    (exit 0), the first case being the positive control beside it;
#  - pivot: the vendored internet 445 SYN scan with its source inside
#    (--inside, and --policy segments) is SMB_PIVOT_SCAN (high); without, SMB_SCAN;
#  - rate change: a store seeded with 14 days of sensor SMB_SCAN alerts
#    (median 3 a day) and 12 today: `monitor --once` (against a loopback
#    responder) reports attack_rate_changed normal -> above with both figures;
#    a first run before the seeding and a run after it report none; with
#    --attack-baseline-days 0, none.
# No root, no lab: loopback responders only. Prints TAP.
#   SMBWATCH=path/to/smbwatch tests/integration/test_pattern.sh
set -uo pipefail # no -e: a failed assertion must not stop the test
. "$(dirname "$0")/../lib/tap.sh"

PCAPS=$ROOT/tests/data/pcaps
RESPONDER=$ROOT/tests/responders/smbresponder.py
READDRESS=$ROOT/tests/lib/pcap_readdress.py
PORT=$((20000 + ($$ + 13) % 20000))
# loopback addresses of this run (tests may run concurrently)
A=127.0.$((100 + $$ % 100)).61
B=127.0.$((100 + $$ % 100)).62

need_tools jq python3 timeout sqlite3
need_smbwatch
work_dir pattern

sanitizer() { grep -cE 'Sanitizer|runtime error' "$@" | awk -F: '{s += $NF} END {print s + 0}'; }

serve vuln python3 "$RESPONDER" --persona ms17-vulnerable --host "$A" --port "$PORT" --lifetime 120
ready vuln "ms17-vulnerable responder ready on $A:$PORT"

# --- escalation ----------------------------------------------------------------
DB=$WORK/esc.db
timeout 60 "$SMBWATCH" scan --db "$DB" --view internal --no-progress --format jsonl \
	--read-timeout 1s --timeout 8s -p "$PORT" "$A" >"$WORK/scan.jsonl" 2>"$WORK/scan.err"
eq "scan of the ms17-vulnerable responder exits 0" "$?" 0
eq "the scan found MS17_010 on $A" \
	"$(jq -r '[.findings[]?.id] | index("MS17_010") != null' "$WORK/scan.jsonl")" true
RUN=$(sqlite3 "$DB" "SELECT MAX(id) FROM runs")

python3 "$READDRESS" "$PCAPS/eternalblue-success-unpatched-win7.pcap" "$WORK/eb-a.pcap" \
	192.168.198.203="$A" >/dev/null
python3 "$READDRESS" "$PCAPS/eternalblue-success-unpatched-win7.pcap" "$WORK/eb-b.pcap" \
	192.168.198.203="$B" >/dev/null

"$SMBWATCH" sensor -r "$WORK/eb-a.pcap" --db "$DB" >"$WORK/a.jsonl" 2>"$WORK/a.err"
eq "sensor --db on the capture against $A exits 0" "$?" 0
EXPLOIT=$(jq -c 'select(.id == "MS17_010_EXPLOIT")' "$WORK/a.jsonl")
eq "MS17_010_EXPLOIT against $A is critical" "$(jq -r .severity <<<"$EXPLOIT")" critical
has "its evidence keeps the sensor's packet evidence" "$(jq -r .evidence <<<"$EXPLOIT")" \
	"EternalBlue: oversized NT_TRANSACT: function 0, TotalDataCount 66512, 976 sent; escalated: "
has "its evidence names the scan finding, its service and run" "$(jq -r .evidence <<<"$EXPLOIT")" \
	"the scan found MS17_010 (critical) on $A:$PORT in run $RUN (view internal, "
eq "its escalation object names the finding and run" \
	"$(jq -c '.escalation | [.finding, .run, .view, .port]' <<<"$EXPLOIT")" \
	"[\"MS17_010\",$RUN,\"internal\",$PORT]"
KNOCK=$(jq -c 'select(.id == "DOUBLEPULSAR" and (.evidence | contains("no implant answered")))' "$WORK/a.jsonl")
eq "the DoublePulsar knock (high) is escalated to critical" \
	"$(jq -r '[.severity, .escalation.severity_before, .escalation.finding] | join(" ")' <<<"$KNOCK")" \
	"critical high MS17_010"
eq "SMB1_IN_USE (no rule) is not escalated" \
	"$(jq -r 'select(.id == "SMB1_IN_USE") | [.severity, (.escalation != null)] | join(" ")' "$WORK/a.jsonl")" \
	"medium false"
eq "the store holds the escalated alert: critical, the same JSON" \
	"$(sqlite3 "$DB" "SELECT severity || ' ' || json_extract(alert, '\$.escalation.finding') || ' ' || json_extract(alert, '\$.escalation.run') FROM sensor_alerts WHERE kind = 'MS17_010_EXPLOIT' AND dst = '$A'")" \
	"critical MS17_010 $RUN"
eq "the store holds the escalated knock at critical" \
	"$(sqlite3 "$DB" "SELECT COUNT(*) FROM sensor_alerts WHERE kind = 'DOUBLEPULSAR' AND dst = '$A' AND severity = 'critical' AND json_extract(alert, '\$.escalation.finding') = 'MS17_010'")" 2

# the same attack on a host without the finding: nothing escalated
"$SMBWATCH" sensor -r "$WORK/eb-b.pcap" --db "$DB" >"$WORK/b.jsonl" 2>"$WORK/b.err"
eq "sensor --db on the capture against $B exits 0" "$?" 0
eq "against $B: the same alert ids as against $A" \
	"$(jq -r .id "$WORK/b.jsonl" | sort | tr '\n' ' ')" "$(jq -r .id "$WORK/a.jsonl" | sort | tr '\n' ' ')"
eq "against $B: no alert has an escalation" \
	"$(jq -s '[.[] | select(.escalation != null)] | length' "$WORK/b.jsonl")" 0
eq "against $B: the knock stays high, the evidence without 'escalated'" \
	"$(jq -r 'select(.id == "DOUBLEPULSAR" and (.evidence | contains("no implant answered"))) | [.severity, (.evidence | contains("escalated"))] | join(" ")' "$WORK/b.jsonl")" \
	"high false"
eq "against $B: nothing escalated in the store" \
	"$(sqlite3 "$DB" "SELECT COUNT(*) FROM sensor_alerts WHERE dst = '$B' AND json_extract(alert, '\$.escalation') IS NOT NULL")" 0

# --- pivot -----------------------------------------------------------------------
SCAN=$PCAPS/internet-445-syn-scan.pcap
"$SMBWATCH" sensor -r "$SCAN" --inside 176.192.150.0/24,2001:2::/48 >"$WORK/p1.jsonl" 2>"$WORK/p1.err"
eq "--inside: exit 0" "$?" 0
eq "a 445 scan from an --inside address is SMB_PIVOT_SCAN, high" \
	"$(jq -r '[.id, .severity, .src] | join(" ")' "$WORK/p1.jsonl")" "SMB_PIVOT_SCAN high 176.192.150.3"
has "its evidence names the prefix" "$(jq -r .evidence "$WORK/p1.jsonl")" \
	"the source is inside (--inside 176.192.150.0/24): pivot"
printf '# the organisation\n[segment office]\ncidr = 176.192.150.0/24\n[default]\nsmb1 = deny\n' >"$WORK/policy.ini"
"$SMBWATCH" sensor -r "$SCAN" --policy "$WORK/policy.ini" --db "$DB" >"$WORK/p2.jsonl" 2>"$WORK/p2.err"
eq "--policy: exit 0, SMB_PIVOT_SCAN naming the segment" \
	"$? $(jq -r '[.id, .details.inside] | join(" ")' "$WORK/p2.jsonl")" \
	"0 SMB_PIVOT_SCAN segment office 176.192.150.0/24"
eq "the store holds the pivot alert at high" \
	"$(sqlite3 "$DB" "SELECT kind || ' ' || severity FROM sensor_alerts WHERE src = '176.192.150.3'")" \
	"SMB_PIVOT_SCAN high"
"$SMBWATCH" sensor -r "$SCAN" --inside 198.18.0.0/15 >"$WORK/p3.jsonl" 2>"$WORK/p3.err"
eq "the same scan from outside the prefixes is SMB_SCAN, medium" \
	"$? $(jq -r '[.id, .severity] | join(" ")' "$WORK/p3.jsonl")" "0 SMB_SCAN medium"
"$SMBWATCH" sensor -r "$SCAN" --inside 176.192.150.0/24 --approved-scanners 176.192.150.3 \
	>"$WORK/p4.jsonl" 2>"$WORK/p4.err"
eq "an approved scanner inside stays SMB_SCAN at info" \
	"$? $(jq -r '[.id, .severity] | join(" ")' "$WORK/p4.jsonl")" "0 SMB_SCAN info"
"$SMBWATCH" sensor -r "$SCAN" --inside 176.192.150.0/33 >/dev/null 2>"$WORK/p5.err"
eq "a bad --inside prefix: exit 2" "$?" 2
has "... naming it" "$(cat "$WORK/p5.err")" "176.192.150.0/33"
printf '[default]\nsmb1 = deny\n' >"$WORK/nosegments.ini"
"$SMBWATCH" sensor -r "$SCAN" --policy "$WORK/nosegments.ini" >/dev/null 2>"$WORK/p6.err"
eq "a --policy without segments: exit 2" "$?" 2

# --- rate change -------------------------------------------------------------------
monitor_once() { # monitor_once DB OUT [options]: one cycle against the responder
	local db=$1 out=$2
	shift 2
	timeout 120 "$SMBWATCH" monitor --once --db "$db" --no-progress --read-timeout 1s \
		--timeout 8s -p "$PORT" "$@" "$A" >"$out" 2>"$out.err"
}
seed() { # seed DB: 14 days of 2-4 SMB_SCAN a day (median 3), then 12 today
	local db=$1 now d i n counts=(2 3 2 4 3 2 3 3 2 4 3 2 3 3)
	now=$(date +%s)
	{
		echo "BEGIN;"
		for d in $(seq 1 14); do
			n=${counts[$((d - 1))]}
			for i in $(seq 1 "$n"); do
				echo "INSERT INTO sensor_alerts (at, at_us, kind, severity, src, dst, src_port, dst_port, approved, alert) VALUES ($((now - d * 86400 - 3600 + i)), $(((now - d * 86400 - 3600 + i) * 1000000)), 'SMB_SCAN', 'medium', '198.19.0.$i', '', 0, 0, 0, '{}');"
			done
		done
		for i in $(seq 1 12); do
			echo "INSERT INTO sensor_alerts (at, at_us, kind, severity, src, dst, src_port, dst_port, approved, alert) VALUES ($((now - 600 + i)), $(((now - 600 + i) * 1000000)), 'SMB_SCAN', 'medium', '198.19.1.$i', '', 0, 0, 0, '{}');"
		done
		echo "COMMIT;"
	} | sqlite3 "$db"
}
RDB=$WORK/rate.db
monitor_once "$RDB" "$WORK/m1.jsonl"
eq "monitor run 1 (no sensor data) exits 0" "$?" 0
eq "run 1: no attack_rate_changed" \
	"$(jq -s '[.[] | select(.event == "attack_rate_changed")] | length' "$WORK/m1.jsonl")" 0
seed "$RDB"
monitor_once "$RDB" "$WORK/m2.jsonl"
eq "monitor run 2 (14 days of history + today's burst) exits 0" "$?" 0
EV=$(jq -c 'select(.event == "attack_rate_changed")' "$WORK/m2.jsonl")
eq "run 2: one attack_rate_changed for SMB_SCAN, normal -> above, high" \
	"$(jq -r '[.attack_rate.kind, .attack_rate.from, .attack_rate.to, .severity] | join(" ")' <<<"$EV")" \
	"SMB_SCAN normal above high"
eq "run 2: both figures: 12 today, baseline median 3 over 14 days" \
	"$(jq -c '[.attack_rate.current, .attack_rate.baseline_median, .attack_rate.baseline_days, (.attack_rate.baseline_daily | add)]' <<<"$EV")" \
	"[12,3,14,39]"
has "run 2: the text says both" "$(jq -r .attack_rate.text <<<"$EV")" \
	"SMB_SCAN alerts in the 24 h before"
eq "run 2: the event is stored with the run" \
	"$(sqlite3 "$RDB" "SELECT COUNT(*) FROM events WHERE event = 'attack_rate_changed' AND run_id = (SELECT MAX(id) FROM runs)")" 1
monitor_once "$RDB" "$WORK/m3.jsonl"
eq "run 3 (still above): exit 0, no new attack_rate_changed (one per change)" \
	"$? $(jq -s '[.[] | select(.event == "attack_rate_changed")] | length' "$WORK/m3.jsonl")" "0 0"
ODB=$WORK/off.db
monitor_once "$ODB" "$WORK/o1.jsonl"
seed "$ODB"
monitor_once "$ODB" "$WORK/o2.jsonl" --attack-baseline-days 0
eq "--attack-baseline-days 0: exit 0, no attack_rate_changed on the same history" \
	"$? $(jq -s '[.[] | select(.event == "attack_rate_changed")] | length' "$WORK/o2.jsonl")" "0 0"
monitor_once "$ODB" "$WORK/o3.jsonl" --attack-baseline-days 30
eq "--attack-baseline-days 30: no baseline yet (14 days of data), no event" \
	"$? $(jq -s '[.[] | select(.event == "attack_rate_changed")] | length' "$WORK/o3.jsonl")" "0 0"

eq "no sanitizer report" "$(sanitizer "$WORK"/*.err)" 0
finish
