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
# Escalation and rate change on SQLite and on PostgreSQL (a server of its
# own, run as user postgres: needs root). No lab: loopback responders only.
# Prints TAP.
#   SMBWATCH=path/to/smbwatch tests/integration/test_pattern.sh
set -uo pipefail # no -e: a failed assertion must not stop the test
. "$(dirname "$0")/../lib/tap.sh"
. "$ROOT/tests/integration/pg_lib.sh"

PCAPS=$ROOT/tests/data/pcaps
RESPONDER=$ROOT/tests/responders/smbresponder.py
READDRESS=$ROOT/tests/lib/pcap_readdress.py
PORT=$((20000 + ($$ + 13) % 20000))
# loopback addresses of this run (tests may run concurrently)
A=127.0.$((100 + $$ % 100)).61
B=127.0.$((100 + $$ % 100)).62

need_root "needs root (a PostgreSQL server of its own, run as user postgres)"
need_tools jq python3 timeout sqlite3
need_smbwatch
work_dir pattern
chmod 755 "$WORK" # the PostgreSQL server (user postgres) keeps its socket here
at_exit pg_stop

sanitizer() { grep -cE 'Sanitizer|runtime error' "$@" | awk -F: '{s += $NF} END {print s + 0}'; }

serve vuln python3 "$RESPONDER" --persona ms17-vulnerable --host "$A" --port "$PORT" --lifetime 600
ready vuln "ms17-vulnerable responder ready on $A:$PORT"

# --- escalation ----------------------------------------------------------------
python3 "$READDRESS" "$PCAPS/eternalblue-success-unpatched-win7.pcap" "$WORK/eb-a.pcap" \
	192.168.198.203="$A" >/dev/null
python3 "$READDRESS" "$PCAPS/eternalblue-success-unpatched-win7.pcap" "$WORK/eb-b.pcap" \
	192.168.198.203="$B" >/dev/null

escalation() { # escalation TAG DB SQL_FN: a scan, then the capture against A and B
	local t=$1 db=$2 sql=$3 run exploit knock
	timeout 60 "$SMBWATCH" scan --db "$db" --view internal --no-progress --format jsonl \
		--read-timeout 1s --timeout 8s -p "$PORT" "$A" >"$WORK/$t.scan.jsonl" 2>"$WORK/$t.scan.err"
	eq "$t: scan of the ms17-vulnerable responder exits 0" "$?" 0
	eq "$t: the scan found MS17_010 on $A" \
		"$(jq -r '[.findings[]?.id] | index("MS17_010") != null' "$WORK/$t.scan.jsonl")" true
	run=$($sql "SELECT MAX(id) FROM runs")

	"$SMBWATCH" sensor -r "$WORK/eb-a.pcap" --db "$db" >"$WORK/$t.a.jsonl" 2>"$WORK/$t.a.err"
	eq "$t: sensor --db on the capture against $A exits 0" "$?" 0
	exploit=$(jq -c 'select(.id == "MS17_010_EXPLOIT")' "$WORK/$t.a.jsonl")
	eq "$t: MS17_010_EXPLOIT against $A is critical" "$(jq -r .severity <<<"$exploit")" critical
	has "$t: its evidence keeps the sensor's packet evidence" "$(jq -r .evidence <<<"$exploit")" \
		"EternalBlue: oversized NT_TRANSACT: function 0, TotalDataCount 66512, 976 sent; escalated: "
	has "$t: its evidence names the scan finding, its service and run" "$(jq -r .evidence <<<"$exploit")" \
		"the scan found MS17_010 (critical) on $A:$PORT in run $run (view internal, "
	eq "$t: its escalation object names the finding and run" \
		"$(jq -c '.escalation | [.finding, .run, .view, .port]' <<<"$exploit")" \
		"[\"MS17_010\",$run,\"internal\",$PORT]"
	knock=$(jq -c 'select(.id == "DOUBLEPULSAR" and (.evidence | contains("no implant answered")))' "$WORK/$t.a.jsonl")
	eq "$t: the DoublePulsar knock (high) is escalated to critical" \
		"$(jq -r '[.severity, .escalation.severity_before, .escalation.finding] | join(" ")' <<<"$knock")" \
		"critical high MS17_010"
	eq "$t: SMB1_IN_USE (no rule) is not escalated" \
		"$(jq -r 'select(.id == "SMB1_IN_USE") | [.severity, (.escalation != null)] | join(" ")' "$WORK/$t.a.jsonl")" \
		"medium false"
	eq "$t: the store holds the escalated exploit and both knocks at critical" \
		"$($sql "SELECT kind || ' ' || severity FROM sensor_alerts WHERE dst = '$A' AND alert LIKE '%\"escalation\":{%\"finding\":\"MS17_010\"%\"run\":$run,%' ORDER BY kind, id" | tr '\n' ' ')" \
		"DOUBLEPULSAR critical DOUBLEPULSAR critical MS17_010_EXPLOIT critical "

	# the same attack on a host without the finding: nothing escalated
	"$SMBWATCH" sensor -r "$WORK/eb-b.pcap" --db "$db" >"$WORK/$t.b.jsonl" 2>"$WORK/$t.b.err"
	eq "$t: sensor --db on the capture against $B exits 0" "$?" 0
	eq "$t: against $B: the same alert ids as against $A" \
		"$(jq -r .id "$WORK/$t.b.jsonl" | sort | tr '\n' ' ')" "$(jq -r .id "$WORK/$t.a.jsonl" | sort | tr '\n' ' ')"
	eq "$t: against $B: no alert has an escalation" \
		"$(jq -s '[.[] | select(.escalation != null)] | length' "$WORK/$t.b.jsonl")" 0
	eq "$t: against $B: the knock stays high, the evidence without 'escalated'" \
		"$(jq -r 'select(.id == "DOUBLEPULSAR" and (.evidence | contains("no implant answered"))) | [.severity, (.evidence | contains("escalated"))] | join(" ")' "$WORK/$t.b.jsonl")" \
		"high false"
	eq "$t: against $B: nothing escalated in the store" \
		"$($sql "SELECT COUNT(*) FROM sensor_alerts WHERE dst = '$B' AND alert LIKE '%escalat%'")" 0
}

escalation sqlite "$WORK/esc.db" "sqlite3 $WORK/esc.db"

# --- pivot -----------------------------------------------------------------------
SCAN=$PCAPS/internet-445-syn-scan.pcap
"$SMBWATCH" sensor -r "$SCAN" --inside 176.192.150.0/24,2001:2::/48 >"$WORK/p1.jsonl" 2>"$WORK/p1.err"
eq "--inside: exit 0" "$?" 0
eq "a 445 scan from an --inside address is SMB_PIVOT_SCAN, high" \
	"$(jq -r '[.id, .severity, .src] | join(" ")' "$WORK/p1.jsonl")" "SMB_PIVOT_SCAN high 176.192.150.3"
has "its evidence names the prefix" "$(jq -r .evidence "$WORK/p1.jsonl")" \
	"the source is inside (--inside 176.192.150.0/24): pivot"
printf '# the organisation\n[segment office]\ncidr = 176.192.150.0/24\n[default]\nsmb1 = deny\n' >"$WORK/policy.ini"
"$SMBWATCH" sensor -r "$SCAN" --policy "$WORK/policy.ini" --db "$WORK/pivot.db" >"$WORK/p2.jsonl" 2>"$WORK/p2.err"
eq "--policy: exit 0, SMB_PIVOT_SCAN naming the segment" \
	"$? $(jq -r '[.id, .details.inside] | join(" ")' "$WORK/p2.jsonl")" \
	"0 SMB_PIVOT_SCAN segment office 176.192.150.0/24"
eq "the store holds the pivot alert at high" \
	"$(sqlite3 "$WORK/pivot.db" "SELECT kind || ' ' || severity FROM sensor_alerts WHERE src = '176.192.150.3'")" \
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
seed_sql() { # 14 days of 2-4 SMB_SCAN a day (median 3) before now, then 12 today
	local now d i n counts=(2 3 2 4 3 2 3 3 2 4 3 2 3 3)
	now=$(date +%s)
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
}
n_rate() { jq -s '[.[] | select(.event == "attack_rate_changed")] | length' "$1"; }
rate_change() { # rate_change TAG DB SQL_IN SQL_FN: the monitor over seeded history
	local t=$1 db=$2 sql_in=$3 sql=$4 ev
	monitor_once "$db" "$WORK/$t.m1.jsonl"
	eq "$t: monitor run 1 (no sensor data): exit 0, no attack_rate_changed" \
		"$? $(n_rate "$WORK/$t.m1.jsonl")" "0 0"
	seed_sql | $sql_in
	monitor_once "$db" "$WORK/$t.m2.jsonl"
	eq "$t: monitor run 2 (14 days of history + today's burst) exits 0" "$?" 0
	ev=$(jq -c 'select(.event == "attack_rate_changed")' "$WORK/$t.m2.jsonl")
	eq "$t: run 2: one attack_rate_changed for SMB_SCAN, normal -> above, high" \
		"$(jq -r '[.attack_rate.kind, .attack_rate.from, .attack_rate.to, .severity] | join(" ")' <<<"$ev")" \
		"SMB_SCAN normal above high"
	eq "$t: run 2: both figures: 12 today, baseline median 3 over 14 days" \
		"$(jq -c '[.attack_rate.current, .attack_rate.baseline_median, .attack_rate.baseline_days, (.attack_rate.baseline_daily | add)]' <<<"$ev")" \
		"[12,3,14,39]"
	has "$t: run 2: the text says both" "$(jq -r .attack_rate.text <<<"$ev")" \
		": 12, baseline median 3.0 a day over the previous 14 days (normal -> above)"
	eq "$t: run 2: the event is stored with the run" \
		"$($sql "SELECT COUNT(*) FROM events WHERE event = 'attack_rate_changed' AND run_id = (SELECT MAX(id) FROM runs)")" 1
	monitor_once "$db" "$WORK/$t.m3.jsonl"
	eq "$t: run 3 (still above): exit 0, no new attack_rate_changed (one per change)" \
		"$? $(n_rate "$WORK/$t.m3.jsonl")" "0 0"
}

rate_change sqlite "$WORK/rate.db" "sqlite3 $WORK/rate.db" "sqlite3 $WORK/rate.db"
ODB=$WORK/off.db
monitor_once "$ODB" "$WORK/o1.jsonl"
seed_sql | sqlite3 "$ODB"
monitor_once "$ODB" "$WORK/o2.jsonl" --attack-baseline-days 0
eq "--attack-baseline-days 0: exit 0, no attack_rate_changed on the same history" \
	"$? $(n_rate "$WORK/o2.jsonl")" "0 0"
monitor_once "$ODB" "$WORK/o3.jsonl" --attack-baseline-days 30
eq "--attack-baseline-days 30: no baseline yet (14 days of data), no event" \
	"$? $(n_rate "$WORK/o3.jsonl")" "0 0"
monitor_once "$ODB" "$WORK/o4.jsonl" --attack-baseline-days 91
eq "--attack-baseline-days 91: exit 2" "$?" 2

# --- both again on PostgreSQL ---------------------------------------------------------
if pg_start "$WORK/pg"; then
	ok "postgres started"
	pq() { runuser -u postgres -- "$PG_BIN/psql" -h "$PG_DIR" -d smbwatch -XAtq -c "$1"; }
	pq_in() { runuser -u postgres -- "$PG_BIN/psql" -h "$PG_DIR" -d smbwatch -XAtq -v ON_ERROR_STOP=1 >/dev/null; }
	escalation postgres "$PG_URL" pq
	# a fresh database for the rate: the escalation's scans are history too
	pq "CREATE DATABASE rate" >/dev/null
	RATE_URL="postgresql://postgres@/rate?host=$PG_DIR"
	pr() { runuser -u postgres -- "$PG_BIN/psql" -h "$PG_DIR" -d rate -XAtq -c "$1"; }
	pr_in() { runuser -u postgres -- "$PG_BIN/psql" -h "$PG_DIR" -d rate -XAtq -v ON_ERROR_STOP=1 >/dev/null; }
	rate_change postgres "$RATE_URL" pr_in pr
else
	not_ok "postgres started" "$PG_WHY"
fi

eq "no sanitizer report" "$(sanitizer "$WORK"/*.err)" 0
finish
