#!/usr/bin/env bash
# A host lost to load is tried once more at the end of the scan (the sweep).
# CI lost 7 of 256 farm hosts as "accepted, then silent (servers
# overloaded)": their smbd children were starved through every retry the
# service makes, and the scan gave them up although the servers were calm a
# few seconds later.
#
# hostile.py --mode choke lets the first N connections in and then drops
# them (odd) or says nothing (even), and answers sanely after that. One
# service run of smbwatch uses 8 connections on such a host (a, b and the
# retries while overload shows), so:
#   - choke 12: the sweep's first round meets 4 more choked connections and
#     then sane answers: a full record (5 dialects), "1 open, 0 errors";
#   - choke 1000 (control: the host never recovers): the sweep gives up after
#     its rounds and the target is one "accepted, then silent" error, not a
#     hang and not a record;
#   - the connection count the server saw proves the sweep ran (more than the
#     8 of one service run).
# Loopback only (127.0.0.90/91). Prints TAP.
#
#   SMBWATCH=build/smbwatch tests/hostile/test_overload_sweep.sh
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
HOSTILE=$ROOT/tests/hostile/hostile.py
PORT=${PORT:-10446}
HANG_BOUND=300

need_tools jq python3 timeout
need_smbwatch
work_dir sweep

serve calm python3 "$HOSTILE" --mode choke --choke 12 --host 127.0.0.90 --port "$PORT" --lifetime 400
serve never python3 "$HOSTILE" --mode choke --choke 1000 --host 127.0.0.91 --port "$PORT" --lifetime 400
ready calm "choke 12: hostile server ready"
ready never "choke 1000: hostile server ready"

# scan NAME IP
scan() {
	timeout -s KILL "$HANG_BOUND" "$SMBWATCH" scan "$2" -p "$PORT" --format jsonl --no-progress -v \
		>"$WORK/$1.out" 2>"$WORK/$1.err"
	echo $? >"$WORK/$1.rc"
}
scan calm 127.0.0.90 &
p1=$!
scan never 127.0.0.91 &
p2=$!
wait "$p1" "$p2"

# conns NAME: connections the server saw (its stderr, kept by serve)
conns() { grep -c '^connection ' "$WORK/$1.log" 2>/dev/null || echo 0; }
summary() { grep '^smbwatch: Targets:' "$WORK/$1.err"; }

eq "choke 12: exit 0" "$(cat "$WORK/calm.rc")" 0
eq "choke 12: the host counted open, no error" "$(summary calm)" \
	"smbwatch: Targets: 1 tried: 1 open, 0 closed, 0 filtered, 0 errors"
eq "choke 12: a full record (all 5 dialects of the sane answers)" \
	"$(jq -c 'select(.type == "service") | .smb2.dialects' "$WORK/calm.out")" \
	'["2.0.2","2.1","3.0","3.0.2","3.1.1"]'
nc=$(conns calm)
if [ "$nc" -gt 12 ]; then ok "choke 12: the sweep came back ($nc connections, > 12)"
else not_ok "choke 12: the sweep came back" "$nc connections"; fi

eq "choke 1000: exit 0" "$(cat "$WORK/never.rc")" 0
eq "choke 1000: one error, said by reason" "$(summary never)" \
	"smbwatch: Targets: 1 tried: 0 open, 0 closed, 0 filtered, 1 error"
eq "choke 1000: -v names the target and the reason once" \
	"$(grep -c '^smbwatch: error 127.0.0.91 port '"$PORT"': accepted, then silent (servers overloaded)$' "$WORK/never.err")" 1
eq "choke 1000: no record" "$(jq -s 'map(select(.type == "service")) | length' "$WORK/never.out")" 0
nc=$(conns never)
if [ "$nc" -gt 8 ] && [ "$nc" -le 40 ]; then ok "choke 1000: bounded sweep ($nc connections, 9..40)"
else not_ok "choke 1000: bounded sweep (9..40 connections)" "$nc connections"; fi
finish
