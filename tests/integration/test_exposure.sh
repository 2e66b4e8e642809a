#!/usr/bin/env bash
# Integration test of `smbwatch exposure` and serve's /api/exposure (issue
# 22, section 1): one store holding an internal scan of the Samba lab, an
# external-view scan that sees only part of it (.13 and .14), a second
# internal scan, and what `sensor --db` saw in a vendored capture. Asserts
# the exact rows (views, first seen order and run, ports, worst finding per
# view), that the external view raises SMB_EXPOSED_PUBLIC critical in the
# first run that saw it (and the internal view does not), that the API
# answers the same table, and the same over PostgreSQL. Prints TAP.
#   SMBWATCH=path/to/smbwatch tests/integration/test_exposure.sh
set -uo pipefail # no -e: a failed assertion must not stop the test
. "$(dirname "$0")/../lib/lab_test.sh"
. "$ROOT/tests/integration/pg_lib.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwx$$}
PCAPS=$ROOT/tests/data/pcaps

need_root "needs root (network namespaces, smbd)"
need_tools jq ip smbd timeout curl sqlite3
need_smbwatch
at_exit pg_stop
work_dir exposure
chmod 755 "$WORK" # the PostgreSQL server (user postgres) keeps its socket here
PORT=$((20000 + ($$ + 7) % 20000))

sanitizer() { grep -cE 'Sanitizer|runtime error' "$@" | awk -F: '{s += $NF} END {print s + 0}'; }

# --- usage and a store that is not there -----------------------------------
"$SMBWATCH" exposure --format xml >/dev/null 2>"$WORK/e"
eq "bad --format: exit 2" "$?" 2
"$SMBWATCH" exposure --db "$WORK/none.db" >/dev/null 2>"$WORK/e"
eq "a store that does not exist: exit 3, nothing created" "$? $(test -e "$WORK/none.db" && echo created)" "3 "

lab_up
ok "lab up"

# fill DB: internal (run 1), external sees .13-.14 (run 2), internal again
# (run 3), then the sensor from a capture. The sleeps keep the first-seen
# seconds of the views apart, so their order is the scans' order.
fill() { # fill DB LABEL
	local db=$1 w=$2
	timeout 180 "$LAB" exec "$SMBWATCH" scan --db "$db" --view internal --no-progress -p 445 \
		--format jsonl 198.18.1.10-14 >"$WORK/$w.int1.jsonl" 2>"$WORK/$w.int1.err"
	eq "$w: internal scan (run 1) exits 0" "$?" 0
	sleep 1
	timeout 180 "$LAB" exec "$SMBWATCH" scan --db "$db" --view external --no-progress -p 445 \
		--format jsonl 198.18.1.13-14 >"$WORK/$w.ext.jsonl" 2>"$WORK/$w.ext.err"
	eq "$w: external scan (run 2) exits 0" "$?" 0
	sleep 1
	timeout 180 "$LAB" exec "$SMBWATCH" scan --db "$db" --view internal --no-progress -p 445 \
		--format jsonl 198.18.1.10-14 >"$WORK/$w.int2.jsonl" 2>"$WORK/$w.int2.err"
	eq "$w: internal scan (run 3) exits 0" "$?" 0
	"$SMBWATCH" sensor -r "$PCAPS/wannacry.pcap" --db "$db" >/dev/null 2>"$WORK/$w.sensor.err"
	eq "$w: sensor --db of wannacry.pcap exits 0" "$?" 0
	eq "$w: no sanitizer report while filling" \
		"$(sanitizer "$WORK/$w".*.err)" 0
}

# worst finding of each record in a scan's JSON Lines: "ip id(severity)";
# the rank order and the tie rule (id order) are exposure.h's
WORST='def rank: {"critical":4,"high":3,"medium":2,"low":1,"info":0}[.] // 0;
	"\(.ip) " + ([.findings[] | {id, severity, r: (.severity | rank)}]
	| sort_by(-.r, .id) | first | "\(.id)(\(.severity))")'
# the rows, one line per host and view: "ip view first_run ports worst(sev)"
ROWS='.hosts[] | .ip as $ip | .views[] |
	"\($ip) \(.view) \(.first_run) \(.ports | map(tostring) | join(",")) \(if .worst then "\(.worst.id)(\(.worst.severity))" else "none" end)"'

checks() { # checks DB LABEL SQL_FN
	local db=$1 w=$2 sql=$3 out rows
	"$SMBWATCH" exposure --db "$db" --format json >"$WORK/$w.exp.json" 2>"$WORK/$w.exp.err"
	eq "$w: exposure --format json exits 0, no sanitizer report" \
		"$? $(sanitizer "$WORK/$w.exp.err")" "0 0"
	out=$WORK/$w.exp.json
	rows=$(jq -r "$ROWS" "$out")
	# what each view's latest scan said of each host, as the scan printed it
	local w_int w_ext
	w_int=$(jq -r "$WORST" "$WORK/$w.int2.jsonl" | sort)
	w_ext=$(jq -r "$WORST" "$WORK/$w.ext.jsonl" | sort)
	eq "$w: the external scan raised SMB_EXPOSED_PUBLIC (critical) on .13 and .14" \
		"$(jq -r '.ip + " " + (.findings[] | select(.id == "SMB_EXPOSED_PUBLIC") | .severity)' "$WORK/$w.ext.jsonl" | sort | tr '\n' ';')" \
		"198.18.1.13 critical;198.18.1.14 critical;"
	eq "$w: the internal scan did not (control)" \
		"$(jq -r '.findings[] | select(.id == "SMB_EXPOSED_PUBLIC") | .id' "$WORK/$w.int1.jsonl" "$WORK/$w.int2.jsonl" | wc -l)" 0
	local want="" ip
	for ip in 10 11 12 13 14; do
		want+="198.18.1.$ip internal 1 445 $(grep "^198.18.1.$ip " <<<"$w_int" | cut -d' ' -f2)"$'\n'
		case $ip in 13 | 14) want+="198.18.1.$ip external 2 445 $(grep "^198.18.1.$ip " <<<"$w_ext" | cut -d' ' -f2)"$'\n' ;; esac
	done
	eq "$w: lab rows: internal first (run 1, not 3), then external (run 2) for .13/.14 only; worst per view" \
		"$(grep '^198\.18\.' <<<"$rows")" "${want%$'\n'}"
	eq "$w: .13 (the hardened persona): informational inside, critical from outside" \
		"$(grep '^198.18.1.13 ' <<<"$rows" | cut -d' ' -f2,5 | tr '\n' ';')" \
		"internal SMB_EXPOSED(info);external SMB_EXPOSED_PUBLIC(critical);"
	eq "$w: hosts in address order, the capture's before the lab's" \
		"$(jq -r '[.hosts[].ip] | join(" ")' "$out")" \
		"192.168.116.138 192.168.116.143 192.168.116.149 192.168.116.150 192.168.116.172 198.18.1.10 198.18.1.11 198.18.1.12 198.18.1.13 198.18.1.14"
	eq "$w: external flag only on what the external view saw" \
		"$(jq -r '[.hosts[] | select(.external) | .ip] | join(" ")' "$out")" "198.18.1.13 198.18.1.14"
	eq "$w: the sensor's rows: first seen (capture time), worst alert against each server" \
		"$(jq -r '.hosts[] | .ip as $ip | .views[] | select(.view == "sensor") | "\($ip) \(.first_seen) \(.first_run) \(.worst.id // "none")(\(.worst.severity // "-"))"' "$out" | tr '\n' ';')" \
		"192.168.116.138 1495095127 null DOUBLEPULSAR(critical);192.168.116.143 1495095127 null MS17_010_EXPLOIT(critical);192.168.116.149 1495095201 null MS17_010_EXPLOIT(critical);192.168.116.150 1495095128 null SMB1_IN_USE(medium);192.168.116.172 1495095131 null DOUBLEPULSAR(critical);"
	eq "$w: internal first_seen = the stored first sighting of .13 in run 1" \
		"$(jq -r '.hosts[] | select(.ip == "198.18.1.13") | .views[0].first_seen' "$out")" \
		"$($sql "SELECT scanned_at FROM services WHERE ip = '198.18.1.13' AND run_id = 1")"
	# the store: critical in the first run that saw it from outside, and
	# never from the internal view (the control)
	eq "$w: stored: SMB_EXPOSED_PUBLIC critical in run 2 (external) for .13, .14" \
		"$($sql "SELECT s.ip || ' ' || f.severity FROM findings f JOIN services s ON s.id = f.service_id WHERE f.finding = 'SMB_EXPOSED_PUBLIC' AND f.run_id = 2 ORDER BY s.ip" | tr '\n' ';')" \
		"198.18.1.13 critical;198.18.1.14 critical;"
	eq "$w: stored: no SMB_EXPOSED_PUBLIC in the internal runs 1 and 3 (control)" \
		"$($sql "SELECT COUNT(*) FROM findings WHERE finding = 'SMB_EXPOSED_PUBLIC' AND run_id IN (1, 3)")" 0
	# text: one line per view
	"$SMBWATCH" exposure --db "$db" >"$WORK/$w.exp.txt" 2>>"$WORK/$w.exp.err"
	eq "$w: text exits 0" "$?" 0
	has "$w: text: .13 from outside" "$(cat "$WORK/$w.exp.txt")" "198.18.1.13  ports 445  SEEN FROM OUTSIDE"
	has "$w: text: its external line" "$(cat "$WORK/$w.exp.txt")" ", run 2  ports 445  worst SMB_EXPOSED_PUBLIC (critical) on 445"
	# serve answers the same table (the same query code)
	serve "serve.$w" "$SMBWATCH" serve --db "$db" --listen "127.0.0.1:$PORT"
	local pid=${PIDS[-1]} body=""
	for _ in $(seq 100); do
		grep -q 'smbwatch serve: http' "$WORK/serve.$w.log" 2>/dev/null && break
		sleep 0.1
	done
	body=$(curl -s --max-time 30 "http://127.0.0.1:$PORT/api/exposure")
	eq "$w: /api/exposure = smbwatch exposure --format json" \
		"$(jq -S -c . <<<"$body")" "$(jq -S -c . "$out")"
	kill -TERM "$pid"
	wait "$pid"
	eq "$w: serve stops with 0, no sanitizer report" \
		"$? $(sanitizer "$WORK/serve.$w.log")" "0 0"
}

DB=$WORK/db/smbwatch.db
sq() { sqlite3 -batch "$DB" "$1"; }
fill "$DB" sqlite
checks "$DB" sqlite sq

if pg_start "$WORK/pg"; then
	ok "postgres started"
	pq() { runuser -u postgres -- "$PG_BIN/psql" -h "$PG_DIR" -d smbwatch -XAtq -c "$1"; }
	fill "$PG_URL" postgres
	checks "$PG_URL" postgres pq
else
	not_ok "postgres started" "$PG_WHY"
fi
stop_servers
PIDS=()
pg_stop
finish
