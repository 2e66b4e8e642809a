#!/usr/bin/env bash
# `smbwatch sensor --db`: the sensor's alerts and sightings in the store, in
# SQLite and in a PostgreSQL server this test starts (pg_lib.sh), from the
# real captures vendored in tests/data/pcaps (README.md there: provenance).
#  - the stored alerts are exactly the lines `sensor` prints on the same
#    captures (same JSON, same counts by kind); the SMB1 clients are the
#    ones --summary lists, with a capture that has none beside them;
#  - batched: far fewer transactions than alerts + sightings;
#  - serve's /api/sensor, /api/host and views over that store;
#  - smb1-usage: the scan x sensor join, with scan rows and timestamps
#    this test sets;
#  - a dead, unwritable or corrupt database: exit 3 before any packet;
#  - PostgreSQL stopped in the middle of a capture: reported, the sensor
#    keeps going, and once the server is back everything is stored.
# Needs root (PostgreSQL runs as user postgres). TAP output.
#   SMBWATCH=path/to/smbwatch tests/integration/test_sensor_db.sh
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
. "$ROOT/tests/integration/pg_lib.sh"
PCAPS=$ROOT/tests/data/pcaps

need_smbwatch
need_root "needs root (a PostgreSQL server of its own, run as user postgres)"
need_tools jq sqlite3 curl python3 timeout chromium node
work_dir sensordb
chmod 755 "$WORK"
at_exit pg_stop

CAPS=(wannacry suricata-win81-smb1-win10-smb311 zeek-raw_ntlm_in_smb
	eternalblue-success-unpatched-win7 401trg-at-schedule)
for c in "${CAPS[@]}"; do
	check "vendored capture $c.pcap is there" test -s "$PCAPS/$c.pcap"
done
sanitizer() { grep -cE 'Sanitizer|runtime error' "$@" | awk -F: '{s+=$NF} END {print s+0}'; }

# What the sensor says without a store: the reference for every backend.
: >"$WORK/ref.jsonl"
: >"$WORK/ref.smb1"
for c in "${CAPS[@]}"; do
	"$SMBWATCH" sensor -r "$PCAPS/$c.pcap" --format json >>"$WORK/ref.jsonl"
	"$SMBWATCH" sensor -r "$PCAPS/$c.pcap" --summary -o /dev/null |
		awk '/^SMB1 talkers/ {on=1; next} /^$/ {on=0} on && $2 == "->" {print $1 ">" $3}' >>"$WORK/ref.smb1"
done
REF_KINDS=$(jq -r .id "$WORK/ref.jsonl" | sort | uniq -c | awk '{print $2 "|" $1}')
REF_SMB1=$(LC_ALL=C sort -u "$WORK/ref.smb1")
n_ref=$(wc -l <"$WORK/ref.jsonl")
diag "reference: $n_ref alerts over ${#CAPS[@]} captures; SMB1 pairs: $(echo "$REF_SMB1" | wc -l)"
if [ "$n_ref" -gt 30 ]; then ok "reference alerts printed ($n_ref)"; else not_ok "reference alerts printed" "$n_ref"; fi
has "reference: the Windows 8.1 capture's SMB1 client" "$REF_SMB1" "192.168.199.133>192.168.199.1"

# run_sensor DB LABEL: every capture into DB, stdout/stderr kept per capture
run_sensor() {
	local db=$1 w=$2 c rc=0 items=0 tx=0 line
	: >"$WORK/$w.jsonl"
	for c in "${CAPS[@]}"; do
		"$SMBWATCH" sensor -r "$PCAPS/$c.pcap" --db "$db" --stats >"$WORK/$w.$c.out" 2>"$WORK/$w.$c.err" || rc=$?
		cat "$WORK/$w.$c.out" >>"$WORK/$w.jsonl"
		line=$(grep '^sensor database:' "$WORK/$w.$c.err")
		items=$((items + $(awk '{print $3 + $6}' <<<"$line")))
		tx=$((tx + $(awk '{print $10}' <<<"$line")))
	done
	eq "$w: sensor --db exits 0 on every capture, no sanitizer report" \
		"$rc $(sanitizer "$WORK"/"$w".*.err)" "0 0"
	eq "$w: stdout is still the alerts, as without --db" \
		"$(md5sum <"$WORK/$w.jsonl")" "$(md5sum <"$WORK/ref.jsonl")"
	# one transaction per 256 items or per second, never per item (the
	# bound holds on any machine: 5 captures take far less than items/5 s)
	if [ "$items" -gt 100 ] && [ "$tx" -ge 5 ] && [ $((tx * 5)) -lt "$items" ]; then
		ok "$w: batched: $items items in $tx transactions"
	else
		not_ok "$w: batched" "items $items, transactions $tx"
	fi
}

# store_checks LABEL SQL_FN: the rows against the reference
store_checks() {
	local w=$1 sql=$2
	eq "$w: alerts by kind equal what sensor prints" \
		"$($sql 'SELECT kind, COUNT(*) FROM sensor_alerts GROUP BY kind ORDER BY kind')" "$REF_KINDS"
	eq "$w: each stored alert is the printed line, in order" \
		"$($sql 'SELECT alert FROM sensor_alerts ORDER BY id' | md5sum)" "$(md5sum <"$WORK/ref.jsonl")"
	eq "$w: SMB1 clients are --summary's SMB1 talkers" \
		"$($sql "SELECT DISTINCT client || '>' || server FROM sensor_smb1" | LC_ALL=C sort)" "$REF_SMB1"
	eq "$w: the Windows 8.1 server: SMB1 and 2.x/3.0.2 negotiated on 139, signing optional" \
		"$($sql "SELECT s.smb1, s.sign_required, s.sign_optional, (SELECT COUNT(*) FROM sensor_dialects d WHERE d.ip = s.ip AND d.port = s.port) FROM sensor_servers s WHERE ip = '192.168.199.1' AND port = 139")" \
		"1|0|1|3"
	eq "$w: its SMB1 client, dialect and capture time" \
		"$($sql "SELECT client, dialect, first_seen, negotiations FROM sensor_smb1 WHERE server = '192.168.199.1'")" \
		"192.168.199.133|NT LM 0.12|1476605364|1"
	# the negative beside the positives above: an SMB2-only capture's
	# server is stored, as not SMB1, and has no SMB1 client
	local srv2
	srv2=$(jq -r 'select(.id == "REMOTE_TASK_CREATED" or .id == "REMOTE_TASK") | .dst' \
		"$WORK/$w.401trg-at-schedule.out" | head -1)
	[ -n "$srv2" ] || srv2=$(jq -r .dst "$WORK/$w.401trg-at-schedule.out" | head -1)
	eq "$w: the SMB2-only server ($srv2) is stored, smb1 0, no SMB1 client" \
		"$($sql "SELECT smb1, (SELECT COUNT(*) FROM sensor_smb1 WHERE server = '$srv2') FROM sensor_servers WHERE ip = '$srv2' AND port = 445")" \
		"0|0"
}

# --- SQLite -----------------------------------------------------------------
DB=$WORK/s.db
sq() { sqlite3 -batch "$DB" "$1"; }
run_sensor "$DB" sqlite
store_checks sqlite sq

# --- PostgreSQL ---------------------------------------------------------------
if pg_start "$WORK/pg"; then
	ok "postgres started"
	PGD=$PG_DIR
	pq() { runuser -u postgres -- "$PG_BIN/psql" -h "$PGD" -d smbwatch -XAtq -c "$1"; }
	run_sensor "$PG_URL" postgres
	store_checks postgres pq
else
	not_ok "postgres started" "$PG_WHY"
fi

# --- serve over the SQLite store ---------------------------------------------
# scan rows this test sets (no lab here): 192.168.199.1:139 SMB1 enabled
# (the sensor saw a client use SMB1 with it), 192.168.199.133:445 SMB1
# enabled (the sensor saw it, SMB2 only), 198.18.7.7:445 SMB1 enabled (never
# on the wire), 192.168.199.133:139 without SMB1
NOW=$(date +%s)
scan_rows() { # scan_rows SQL_FN: one complete run with four services
	local sql=$1 i=0 ipport ip port f
	$sql "INSERT INTO runs (scope, view, targets, ports, options, scanner, started_at, ended_at, complete) VALUES ('t', 'internal', 't', '445', '{}', 'test', $NOW, $NOW, $2)"
	for ipport in 192.168.199.1:139:1 192.168.199.133:445:1 198.18.7.7:445:1 192.168.199.133:139:0; do
		IFS=: read -r ip port f <<<"$ipport"
		i=$((i + 1))
		$sql "INSERT INTO services (run_id, ip, port, scanned_at, record) VALUES ((SELECT MAX(id) FROM runs), '$ip', $port, $NOW, '{\"ip\":\"$ip\",\"port\":$port,\"smb1\":{\"enabled\":$([ "$f" = 1 ] && echo true || echo false)}}')"
		# as the store's upsert writes it (views since migration 4; open
		# findings since 7: the SMB1_ENABLED below, high, when f = 1)
		$sql "INSERT INTO service_latest (ip, port, first_seen, last_seen, sightings, run_id, service_id, views, open_findings) SELECT ip, port, scanned_at, scanned_at, 1, run_id, id, ' internal ', $f FROM services WHERE ip = '$ip' AND port = $port"
		[ "$f" = 1 ] && $sql "INSERT INTO findings (service_id, run_id, finding, severity, title) SELECT id, run_id, 'SMB1_ENABLED', 'high', 'SMBv1 is enabled' FROM services WHERE ip = '$ip' AND port = $port"
	done
}
scan_rows sq 1
PORT=$((20000 + $$ % 20000))
BASE=http://127.0.0.1:$PORT
serve serve "$SMBWATCH" serve --db "$DB" --listen 127.0.0.1:$PORT
SERVE_PID=${PIDS[-1]}
wait_for "$WORK/serve.log" 'smbwatch serve: http' 60 || not_ok "serve starts" "$(cat "$WORK/serve.log")"
get() { curl -s --max-time 30 "$BASE$1"; }
api=$(get '/api/sensor?days=3650')
eq "/api/sensor: totals by kind equal what sensor prints" \
	"$(jq -r '[.totals[] | {kind, alerts}] | group_by(.kind) | map("\(.[0].kind)|\(map(.alerts) | add)") | .[]' <<<"$api")" \
	"$REF_KINDS"
eq "/api/sensor: by_day adds up to every alert" "$(jq '[.by_day[].alerts] | add' <<<"$api")" "$n_ref"
eq "/api/sensor: SMB1 clients as stored" \
	"$(jq -r '.smb1_clients[] | "\(.client)>\(.server)"' <<<"$api" | LC_ALL=C sort -u)" "$REF_SMB1"
eq "/api/sensor: top talker is the source with most alerts" \
	"$(jq -r '.top_talkers[0] | "\(.src) \(.alerts)"' <<<"$api")" \
	"$(jq -r .src "$WORK/ref.jsonl" | sort | uniq -c | sort -k1,1nr -k2 | head -1 | awk '{print $2, $1}')"
eq "/api/sensor: bad days is a 400" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/sensor?days=0")" "400"
host=$(get '/api/host?ip=192.168.199.1')
eq "/api/host: the sensor alerts that involve 192.168.199.1" \
	"$(jq -r '[.sensor_alerts[].kind] | sort | join(",")' <<<"$host")" \
	"$(jq -r 'select(.src == "192.168.199.1" or .dst == "192.168.199.1") | .id' "$WORK/ref.jsonl" | sort | paste -sd,)"
host=$(get '/api/host?ip=192.168.56.101')
eq "/api/host: a host only the sensor saw has a page (its alerts)" \
	"$(jq -r '[(.ports | length), (.sensor_alerts | length > 0)] | @csv' <<<"$host")" "0,true"
inv=$(get '/api/inventory?per_page=100')
eq "inventory views: sensor listed for services it saw, not for the one it never saw" \
	"$(jq -r '.items[] | "\(.ip):\(.port) \(.views | join(","))"' <<<"$inv" | LC_ALL=C sort)" \
	"$(printf '%s\n' '192.168.199.1:139 internal,sensor' '192.168.199.133:139 internal' '192.168.199.133:445 internal,sensor' '198.18.7.7:445 internal' | LC_ALL=C sort)"
# the page in chromium (tests/browser/check_serve.js): the sensor page and
# the host page's sensor alerts, no console error
shots=${SMBW_ARTIFACTS:-$ROOT/build/test-artifacts}/sensordb-$(basename "$(dirname "$SMBWATCH")")
mkdir -p "$shots"
if (cd "$ROOT/tests/browser" && timeout 300 node check_serve.js "$BASE/" "$shots" 192.168.199.1 192.168.199.1) >"$WORK/page.json" 2>"$WORK/page.err"; then
	ok "chromium opened every page"
else
	not_ok "chromium opened every page" "$(tail -20 "$WORK/page.err")"
fi
j=$WORK/page.json
for p in overview inventory host sensor; do
	eq "page $p: no console error, no page error, no request outside the server, no dialog" \
		"$(jq -c ".pages.$p | [.console_errors, .page_errors, .outside_requests, .dialogs, .error]" "$j")" '[[],[],[],[],null]'
done
eq "sensor page: totals, SMB1 clients and the SMB1 join listed as the API says" \
	"$(jq -c '.pages.sensor.tables | [.["sensor-totals"], .["sensor-smb1"], .["sensor-smb1-usage"]]' "$j")" \
	"$(jq -c '[(.totals | length), (.smb1_clients | length), (.smb1_usage.servers | length)]' <<<"$api")"
eq "sensor page: the alerts chart has painted pixels (> 500)" \
	"$(jq -c '.pages.sensor.charts["chart-sensor"] > 500' "$j")" "true"
eq "host page: the sensor alerts that involve 192.168.199.1" \
	"$(jq -c '.pages.host.sensor_alerts' "$j")" \
	"$(jq -r 'select(.src == "192.168.199.1" or .dst == "192.168.199.1") | .id' "$WORK/ref.jsonl" | wc -l)"
diag "screenshots: $shots"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
eq "serve stops with 0, no sanitizer report" "$? $(sanitizer "$WORK/serve.log")" "0 0"

# --- smb1-usage: the join, with timestamps set here ---------------------------
# the captures are years old: within the default 30 days there is no sensor
# data (no verdict), then the sightings are moved to 3 days ago
u=$("$SMBWATCH" smb1-usage --db "$DB" --format json)
eq "smb1-usage: old captures only: no_sensor for every SMB1 server" \
	"$(jq -r '[.servers[].verdict] | unique | join(",")' <<<"$u")" "no_sensor"
sq "UPDATE sensor_servers SET first_seen = $((NOW - 20 * 86400)), last_seen = $((NOW - 3 * 86400)); UPDATE sensor_smb1 SET first_seen = $((NOW - 20 * 86400)), last_seen = $((NOW - 3 * 86400))"
u=$("$SMBWATCH" smb1-usage --db "$DB" --format json)
eq "smb1-usage: used / unused / not_observed per SMB1 server" \
	"$(jq -r '.servers[] | "\(.ip):\(.port) \(.verdict) \([.clients[].client] | join(","))"' <<<"$u")" \
	"$(printf '%s\n' '192.168.199.1:139 used 192.168.199.133' '192.168.199.133:445 unused ' '198.18.7.7:445 not_observed ')"
has "smb1-usage text: used by whom" "$("$SMBWATCH" smb1-usage --db "$DB")" "SMB1 enabled and used by 192.168.199.133 (last seen"
has "smb1-usage text: safe to disable, with the coverage" "$("$SMBWATCH" smb1-usage --db "$DB")" "no SMB1 use seen in 17 days of sensor coverage (window 30 days): safe to disable"
eq "smb1-usage: SCAN_GAP lists SMB1 servers no scan stored (not the scanned one)" \
	"$(jq -r '.scan_gaps[] | "\(.ip):\(.port)"' <<<"$u" | paste -sd,)" \
	"$(sq "SELECT DISTINCT server || ':' || port FROM sensor_smb1 WHERE server <> '192.168.199.1' ORDER BY server" | paste -sd,)"
u=$("$SMBWATCH" smb1-usage --db "$DB" --format json --smb1-usage-days 2)
eq "smb1-usage --smb1-usage-days 2: the 3-day-old use is outside, no verdict" \
	"$(jq -r '[.servers[].verdict] | unique | join(",")' <<<"$u")" "no_sensor"
if [ -n "${PGD:-}" ]; then
	scan_rows pq true
	pq "UPDATE sensor_servers SET first_seen = $((NOW - 20 * 86400)), last_seen = $((NOW - 3 * 86400)); UPDATE sensor_smb1 SET first_seen = $((NOW - 20 * 86400)), last_seen = $((NOW - 3 * 86400))" >/dev/null
	u=$("$SMBWATCH" smb1-usage --db "$PG_URL" --format json)
	eq "postgres: smb1-usage verdicts as in SQLite" \
		"$(jq -r '.servers[] | "\(.ip):\(.port) \(.verdict)"' <<<"$u" | paste -sd,)" \
		"192.168.199.1:139 used,192.168.199.133:445 unused,198.18.7.7:445 not_observed"
fi

# --- a dead database: exit 3 before the first packet ---------------------------
one=$PCAPS/wannacry.pcap
"$SMBWATCH" sensor -r "$one" --db "postgresql://postgres@/smbwatch?host=$WORK/nowhere" >"$WORK/dead.out" 2>"$WORK/dead.err"
eq "dead PostgreSQL: exit 3, no alert printed" "$? $(wc -l <"$WORK/dead.out")" "3 0"
has "dead PostgreSQL: clear error" "$(cat "$WORK/dead.err")" "smbwatch sensor: database error: cannot connect to PostgreSQL"
mkdir "$WORK/ro" && chmod 555 "$WORK/ro"
runuser -u nobody -- "$SMBWATCH" sensor -r "$one" --db "$WORK/ro/x.db" >"$WORK/ro.out" 2>"$WORK/ro.err"
eq "unwritable SQLite path: exit 3, no alert printed" "$? $(wc -l <"$WORK/ro.out")" "3 0"
has "unwritable SQLite path: clear error" "$(cat "$WORK/ro.err")" "database error: $WORK/ro/x.db: Permission denied"
head -c 4096 /dev/urandom >"$WORK/corrupt.db"
"$SMBWATCH" sensor -r "$one" --db "$WORK/corrupt.db" >"$WORK/corrupt.out" 2>"$WORK/corrupt.err"
eq "corrupt SQLite file: exit 3" "$? $(wc -l <"$WORK/corrupt.out")" "3 0"
has "corrupt SQLite file: clear error" "$(cat "$WORK/corrupt.err")" "is not a database"
# positive control: the same command with a good database stores alerts
"$SMBWATCH" sensor -r "$one" --db "$WORK/good.db" >"$WORK/good.out" 2>"$WORK/good.err"
eq "control: a good database, same capture: exit 0, alerts stored" \
	"$? $(sqlite3 "$WORK/good.db" 'SELECT COUNT(*) FROM sensor_alerts')" "0 $(wc -l <"$WORK/good.out")"

# --- PostgreSQL stopped mid-capture, then back --------------------------------
if [ -n "${PGD:-}" ]; then
	pq "TRUNCATE sensor_alerts" >/dev/null
	# the feeder writes wannacry.pcap three times (each round 2 h later in
	# capture time), pausing mid-round so the sensor's once-a-second write
	# happens inside it; round 2 and 3 wait for go files
	cat >"$WORK/feed.py" <<'PY'
import os, struct, sys, time
src, work = sys.argv[1], sys.argv[2]
data = open(src, 'rb').read()
hdr, off, pkts = data[:24], 24, []
while off + 16 <= len(data):
    ts, us, incl, orig = struct.unpack('<IIII', data[off:off + 16])
    pkts.append((ts, us, data[off + 16:off + 16 + incl], orig))
    off += 16 + incl
out = sys.stdout.buffer
out.write(hdr)
for rnd in range(3):
    if rnd:
        for _ in range(1200):
            if os.path.exists(f'{work}/go{rnd}'):
                break
            time.sleep(0.1)
    for i, (ts, us, body, orig) in enumerate(pkts):
        if i == len(pkts) // 2:
            out.flush()
            time.sleep(1.5)
        out.write(struct.pack('<IIII', ts + rnd * 7200, us, len(body), orig) + body)
    out.flush()
    open(f'{work}/done{rnd}', 'w').close()
PY
	python3 "$WORK/feed.py" "$one" "$WORK" |
		"$SMBWATCH" sensor -r - --db "$PG_URL" --stats >"$WORK/mid.out" 2>"$WORK/mid.err" &
	MID=$!
	wait_for_file() { for _ in $(seq 1200); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }
	wait_for_file "$WORK/done0"
	# round 1 is written once a second has passed
	for _ in $(seq 300); do [ "$(pq 'SELECT COUNT(*) FROM sensor_alerts')" -gt 0 ] 2>/dev/null && break; sleep 0.1; done
	r1=$(pq 'SELECT COUNT(*) FROM sensor_alerts')
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGD/data" -m immediate stop >/dev/null 2>&1
	touch "$WORK/go1"
	wait_for "$WORK/mid.err" 'smbwatch sensor: database: ' 120
	check "postgres stopped mid-capture: the failure is reported" grep -q 'smbwatch sensor: database: .*retried' "$WORK/mid.err"
	check "... and the sensor is still running" kill -0 "$MID"
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGD/data" -w -t 30 \
		-o "-c listen_addresses='' -k $PGD -c fsync=on" -l "$PGD/server.log" start >/dev/null 2>&1
	touch "$WORK/go2"
	timeout 300 tail --pid="$MID" -f /dev/null
	wait "$MID"
	eq "postgres back: the sensor exits 0, no sanitizer report" "$? $(sanitizer "$WORK/mid.err")" "0 0"
	has "postgres back: writing again is reported" "$(cat "$WORK/mid.err")" "database: writing again"
	printed=$(wc -l <"$WORK/mid.out")
	diag "mid-capture: $r1 alerts stored before the stop, $printed printed over three rounds"
	eq "postgres back: every printed alert is stored, none lost" \
		"$(pq 'SELECT alert FROM sensor_alerts ORDER BY id' | md5sum)" "$(md5sum <"$WORK/mid.out")"
	if [ "$printed" -gt "$r1" ] && [ "$r1" -gt 0 ]; then ok "alerts came before and after the stop"; else not_ok "alerts before and after the stop" "$r1 / $printed"; fi
fi
finish
