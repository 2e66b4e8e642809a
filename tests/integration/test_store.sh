#!/usr/bin/env bash
# Integration test of the store's failure modes against the Samba lab:
#  - crash safety: kill -9 in the middle of a scan, reopen: every committed
#    service intact, the run marked incomplete (SQLite, and PostgreSQL on a
#    private server this test starts);
#  - SIGTERM to the monitor during a scan: the scan in flight is checkpointed;
#  - bad inputs: corrupt, locked and unwritable databases (exit 3 before the
#    first packet: nothing scanned, so no scan whose history is lost),
#    unreadable config, bad interval, unreachable webhook
#    (retried, logged, the monitor keeps running).
# Prints TAP.   SMBWATCH=path/to/smbwatch tests/integration/test_store.sh
set -uo pipefail
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwt$$}
. "$ROOT/tests/integration/pg_lib.sh"

need_root "needs root (network namespaces, smbd)"
need_tools jq ip smbd python3 sqlite3 timeout
need_smbwatch

work_dir store
chmod 755 "$WORK"
BG=""
at_exit '[ -n "$BG" ] && kill -9 "$BG" 2>/dev/null'
at_exit pg_stop
lab_up
ok "lab up"

# A slow scan: 5 personas among 31 silent addresses, one service at a time,
# 2 s per silent address -> about a minute, services committed as it goes.
SLOW=(scan --no-progress --format jsonl -p 445 --max-inflight 2 --connect-timeout 2s --retries 0
	198.18.1.10-14 198.18.1.100-130)
sq() { sqlite3 -batch "$1" "$2" 2>/dev/null; }

# --- kill -9 in the middle of a scan (SQLite) ------------------------------
DB=$WORK/crash.db
"$LAB" exec "$SMBWATCH" "${SLOW[@]}" --db "$DB" >"$WORK/crash.out" 2>"$WORK/crash.err" &
BG=$!
for _ in $(seq 600); do
	[ "$(sq "$DB" 'SELECT count(*) FROM services')" -ge 2 ] 2>/dev/null && break
	sleep 0.2
done
kill -9 "$BG" 2>/dev/null; wait "$BG" 2>/dev/null; BG=""
got=$(sq "$DB" 'SELECT count(*) FROM services')
if [ "${got:-0}" -ge 2 ]; then ok "sqlite: $got services committed before kill -9"; else not_ok "sqlite: services committed during the scan" "count: $got"; fi
eq "sqlite: integrity_check after kill -9" "$(sq "$DB" 'PRAGMA integrity_check')" "ok"
eq "sqlite: the run is marked incomplete" "$(sq "$DB" 'SELECT complete, ended_at FROM runs')" "0|0"
eq "sqlite: every committed record is whole JSON with its findings" \
	"$(sq "$DB" "SELECT count(*) FROM services WHERE json_valid(record) AND json_extract(record,'\$.ip')=ip AND json_array_length(json_extract(record,'\$.findings'))>0")" "$got"
eq "sqlite: findings rows match the records" \
	"$(sq "$DB" "SELECT count(*) FROM findings")" \
	"$(sq "$DB" "SELECT sum(json_array_length(json_extract(record,'\$.findings'))) FROM services")"
timeout 60 "$LAB" exec "$SMBWATCH" scan --no-progress --format jsonl -p 445 198.18.1.10-14 --db "$DB" >/dev/null 2>&1
eq "sqlite: reopened after the crash, the next scan stores normally" "$?" 0
eq "sqlite: runs now incomplete + complete" "$(sq "$DB" 'SELECT group_concat(complete) FROM runs ORDER BY id')" "0,1"
has "diff skips the incomplete run" "$("$SMBWATCH" diff --db "$DB" 2>&1)" "need two complete runs"
eq "the run's options say the default rate is adaptive, not 0 (no cap)" \
	"$(sq "$DB" "SELECT json_extract(options,'\$.rate') FROM runs ORDER BY id DESC LIMIT 1")" "adaptive"
timeout 60 "$LAB" exec "$SMBWATCH" scan --no-progress --format jsonl -p 445 --rate 300 198.18.1.10 --db "$DB" >/dev/null 2>&1
eq "control: --rate 300 is stored as the number" \
	"$(sq "$DB" "SELECT json_extract(options,'\$.rate') FROM runs ORDER BY id DESC LIMIT 1")" "300"

# --- SIGTERM to the monitor during a scan: checkpoint ------------------------
DB=$WORK/term.db
"$LAB" exec "$SMBWATCH" monitor --every 1m --db "$DB" "${SLOW[@]:1}" >"$WORK/term.out" 2>"$WORK/term.err" &
BG=$!
for _ in $(seq 600); do
	[ "$(sq "$DB" 'SELECT count(*) FROM services')" -ge 1 ] 2>/dev/null && break
	sleep 0.2
done
kill -TERM "$BG"
timeout 30 tail --pid="$BG" -f /dev/null
wait "$BG"; rc=$?; BG=""
eq "monitor: SIGTERM during a scan -> exit 0" "$rc" 0
has "monitor: says the run was checkpointed" "$(cat "$WORK/term.err")" "marked incomplete"
eq "monitor: the interrupted run is stored incomplete, no events from it" \
	"$(sq "$DB" 'SELECT complete, n_services>0 FROM runs') $(wc -l <"$WORK/term.out")" "0|1 0"

# --- corrupt, locked, unwritable -------------------------------------------
FAST=(scan --no-progress --format jsonl -p 445 198.18.1.10-14)
head -c 65536 /dev/urandom >"$WORK/corrupt.db"
timeout 60 "$LAB" exec "$SMBWATCH" "${FAST[@]}" --db "$WORK/corrupt.db" >"$WORK/c.out" 2>"$WORK/c.err"
eq "corrupt database: exit 3" "$?" 3
has "corrupt database: clear error" "$(cat "$WORK/c.err")" "not a database"
eq "corrupt database: nothing scanned (checked before the first packet)" \
	"$(wc -c <"$WORK/c.out" | tr -d ' ') $(grep -c 'nothing scanned' "$WORK/c.err")" "0 1"

DB=$WORK/locked.db
timeout 60 "$LAB" exec "$SMBWATCH" "${FAST[@]}" --db "$DB" >/dev/null 2>&1
python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
c.execute("INSERT INTO runs (scope, view, targets, ports, options, scanner, started_at) VALUES (1,1,1,1,1,1,1)")
open(sys.argv[2], "w").close()
time.sleep(30)' "$DB" "$WORK/locked.ready" &
LOCKER=$!
for _ in $(seq 100); do [ -e "$WORK/locked.ready" ] && break; sleep 0.1; done
timeout 60 "$LAB" exec "$SMBWATCH" "${FAST[@]}" --db "$DB" -o "$WORK/l.out" 2>"$WORK/l.err"
rc=$?
kill "$LOCKER" 2>/dev/null; wait "$LOCKER" 2>/dev/null
eq "database locked by another writer: exit 3" "$rc" 3
has "database locked: clear error" "$(cat "$WORK/l.err")" "database is locked"
eq "database locked: nothing scanned, no -o file" \
	"$(test -e "$WORK/l.out" && echo exists || echo none) $(grep -c 'nothing scanned' "$WORK/l.err")" "none 1"

timeout 60 "$LAB" exec "$SMBWATCH" "${FAST[@]}" --db "$WORK/c.out/sub/x.db" >"$WORK/u.out" 2>"$WORK/u.err"
eq "unwritable database path: exit 3" "$?" 3
has "unwritable database path: clear error" "$(cat "$WORK/u.err")" "database error"
eq "unwritable database path: nothing scanned" "$(wc -l <"$WORK/u.out" | tr -d ' ')" 0
# positive control: the same scan with a database it can write finds all 5
timeout 60 "$LAB" exec "$SMBWATCH" "${FAST[@]}" --db "$WORK/ok/x.db" >"$WORK/ok.out" 2>/dev/null
eq "positive control: a writable database, exit 0 and all 5 on stdout" "$? $(wc -l <"$WORK/ok.out" | tr -d ' ')" "0 5"
# readers do not create a database at a mistyped path
for cmd in diff "history 198.18.1.10"; do
	# shellcheck disable=SC2086 # cmd holds the command and its argument
	"$SMBWATCH" $cmd --db "$WORK/typo.db" >/dev/null 2>"$WORK/t.err"
	eq "${cmd%% *} on a missing database: exit 3" "$?" 3
	has "${cmd%% *} on a missing database: says so" "$(cat "$WORK/t.err")" "no database at $WORK/typo.db"
	eq "${cmd%% *} on a missing database: nothing created" "$(test -e "$WORK/typo.db" && echo yes || echo no)" no
done
timeout 60 "$LAB" exec "$SMBWATCH" "${FAST[@]}" --no-db >/dev/null 2>&1
eq "--no-db: exit 0" "$?" 0
HOME=$WORK/home XDG_DATA_HOME= timeout 60 "$LAB" exec "$SMBWATCH" "${FAST[@]}" >/dev/null 2>&1
eq "default path ~/.local/share/smbwatch/smbwatch.db" \
	"$(sq "$WORK/home/.local/share/smbwatch/smbwatch.db" 'SELECT count(*) FROM services')" 5

# --- monitor bad inputs -----------------------------------------------------
"$SMBWATCH" monitor --config "$WORK/nope.ini" 198.18.1.10 >/dev/null 2>"$WORK/e"
rc=$?; eq "unreadable config (missing): exit 2" "$rc" 2
has "unreadable config: clear error" "$(cat "$WORK/e")" "cannot read config"
"$SMBWATCH" monitor --config "$WORK" 198.18.1.10 >/dev/null 2>"$WORK/e"
eq "unreadable config (a directory): exit 2" "$?" 2
printf '[monitor]\ntargets = 198.18.1.10\nintervall = 5m\n' >"$WORK/typo.ini"
"$SMBWATCH" monitor --config "$WORK/typo.ini" >/dev/null 2>"$WORK/e"
eq "config with an unknown key: exit 2" "$?" 2
has "config error names file and line" "$(cat "$WORK/e")" "typo.ini:3: unknown key 'intervall'"
for bad in 0s soon -5m 0.2s; do
	"$SMBWATCH" monitor --every "$bad" --db "$WORK/m.db" 198.18.1.10 >/dev/null 2>"$WORK/e"
	eq "bad interval '$bad': exit 2" "$?" 2
done
has "bad interval: clear error" "$(cat "$WORK/e")" "bad --every"
"$SMBWATCH" monitor --sink carrier-pigeon --db "$WORK/m.db" 198.18.1.10 >/dev/null 2>"$WORK/e"
eq "unknown sink: exit 2" "$?" 2

# unreachable webhook: retried with backoff, logged, the monitor keeps going;
# targets, view, interval and sinks from a config file
cat >"$WORK/mon.ini" <<INI
# smbwatch monitor test config
[monitor]
targets = 198.18.1.10-12
ports = 445
checks = all
view = lab
interval = 2s
db = $WORK/hook.db
sink = webhook:http://127.0.0.1:9/never
sink = file:$WORK/hook-file.jsonl
sink_retries = 2
sink_backoff = 100ms
INI
"$LAB" exec "$SMBWATCH" monitor --config "$WORK/mon.ini" >"$WORK/h.out" 2>"$WORK/h.err" &
BG=$!
# keeps running = a third cycle completes after two with failed deliveries
# (a state to wait for, not a fixed sleep; 120 s only bound a hang)
for _ in $(seq 600); do
	[ "$(sq "$WORK/hook.db" 'SELECT count(*) FROM runs WHERE complete=1')" -ge 3 ] 2>/dev/null && break
	kill -0 "$BG" 2>/dev/null || break
	sleep 0.2
done
nruns=$(sq "$WORK/hook.db" 'SELECT count(*) FROM runs WHERE complete=1')
if kill -0 "$BG" 2>/dev/null && [ "${nruns:-0}" -ge 3 ]; then ok "unreachable webhook: the monitor keeps running ($nruns cycles)"; else not_ok "unreachable webhook: the monitor keeps running" "$nruns cycles; $(tail -5 "$WORK/h.err")"; fi
kill -TERM "$BG"; wait "$BG"; rc=$?; BG=""
eq "unreachable webhook: SIGTERM while waiting -> exit 0" "$rc" 0
E=$(cat "$WORK/h.err")
has "unreachable webhook: each attempt logged" "$E" "attempt 1/3 failed"
has "unreachable webhook: backoff doubles" "$E" "retrying in 200 ms"
has "unreachable webhook: gives up for now, retried next cycle" "$E" "attempt 3/3 failed"
eq "unreachable webhook: the file sink still got the 3 new events, view from config" \
	"$(jq -r '[.event, .view] | join(" ")' "$WORK/hook-file.jsonl" | sort | uniq -c | awk '{print $1, $2, $3}')" "3 new lab"
eq "unreachable webhook: nothing recorded as delivered to it" \
	"$(sq "$WORK/hook.db" "SELECT count(*) FROM delivered WHERE sink LIKE 'webhook:%'")" 0

# --- PostgreSQL --------------------------------------------------------------
if ! pg_start "$WORK/pg"; then
	skip "PostgreSQL tests: cannot start a server here: $PG_WHY"
	finish
	exit $?
fi
ok "private PostgreSQL 15 server up (Unix socket in $WORK/pg)"
psqlq() { runuser -u postgres -- "$PG_BIN/psql" -h "$WORK/pg" -d smbwatch -XAtq -c "$1" 2>/dev/null; }
"$LAB" exec "$SMBWATCH" "${SLOW[@]}" --db "$PG_URL" >"$WORK/pgcrash.out" 2>"$WORK/pgcrash.err" &
BG=$!
for _ in $(seq 600); do
	[ "$(psqlq 'SELECT count(*) FROM services')" -ge 2 ] 2>/dev/null && break
	sleep 0.2
done
kill -9 "$BG" 2>/dev/null; wait "$BG" 2>/dev/null; BG=""
got=$(psqlq 'SELECT count(*) FROM services')
if [ "${got:-0}" -ge 2 ]; then ok "postgres: $got services committed before kill -9"; else not_ok "postgres: services committed during the scan" "count: $got $(cat "$WORK/pgcrash.err")"; fi
eq "postgres: the run is marked incomplete" "$(psqlq 'SELECT complete, ended_at FROM runs')" "f|0"
eq "postgres: every record whole, findings match" \
	"$(psqlq "SELECT count(*) FROM services WHERE (record::json->>'ip')=ip")|$(psqlq 'SELECT count(*) FROM findings')" \
	"$got|$(psqlq "SELECT sum(json_array_length(record::json->'findings')) FROM services")"
for i in 1 2; do
	timeout 60 "$LAB" exec "$SMBWATCH" monitor --once --db "$PG_URL" -p 445 198.18.1.10-14 \
		--sink "file:$WORK/pg-ev.jsonl" >/dev/null 2>"$WORK/pgmon.err"
	eq "postgres: monitor cycle $i exits 0" "$?" 0
	[ "$i" = 1 ] && "$LAB" reconfigure smb2-unsigned 'server min protocol = NT1' >/dev/null
done
eq "postgres: events (5 new, then SMB1 on .12)" \
	"$(jq -r '[.event, .ip, (.finding.id // "")] | join(" ")' "$WORK/pg-ev.jsonl" | sed 's/ $//' | sort | uniq -c | awk '{$1=$1; print}' | tr '\n' ';')" \
	"1 changed 198.18.1.12;1 finding_opened 198.18.1.12 SMB1_ENABLED;1 new 198.18.1.10;1 new 198.18.1.11;1 new 198.18.1.12;1 new 198.18.1.13;1 new 198.18.1.14;"
has "postgres: diff" "$("$SMBWATCH" diff --db "$PG_URL")" "smb1.enabled: false → true"
eq "postgres: two writers at once both land" "$(
	for v in a b; do timeout 60 "$LAB" exec "$SMBWATCH" "${FAST[@]}" --view "w$v" --db "$PG_URL" >/dev/null 2>&1 & done
	wait; psqlq "SELECT count(*) FROM runs WHERE view IN ('wa','wb') AND complete")" 2
pg_stop
timeout 60 "$LAB" exec "$SMBWATCH" "${FAST[@]}" --db "$PG_URL" >"$WORK/pgdown.out" 2>"$WORK/pgdown.err"
eq "postgres down: exit 3, nothing scanned" "$? $(wc -l <"$WORK/pgdown.out" | tr -d ' ')" "3 0"
has "postgres down: clear error" "$(cat "$WORK/pgdown.err")" "cannot connect to PostgreSQL"
# libpq's message spans lines ("...refused", "\tIs the server running..."): one line here
eq "postgres down: the error is one line (no continuation lines, no tabs)" \
	"$(grep -c -e '^[[:space:]]' -e "$(printf '\t')" "$WORK/pgdown.err")" "0"

finish
