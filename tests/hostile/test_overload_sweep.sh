#!/usr/bin/env bash
# Hosts lost to load are tried once more at the end of the scan (the sweep),
# and a host that is merely mute is not taken for an overloaded one.
# CI lost 7 of 256 farm hosts as "accepted, then silent (servers
# overloaded)": their smbd children were starved through every retry the
# service makes, and the scan gave them up although the servers were calm a
# few seconds later.
#
# hostile.py --mode choke lets the first N connections in and then drops
# them (odd) or says nothing (even), and answers sanely after that; with
# several addresses it is one server behind all of them (as the farm's one
# smbd), counting their connections together. One service run of smbwatch
# uses 8 connections on such a host (a, b and the retries while overload
# shows).
#   farm: 4 addresses, choke 40: the first pass loses all four (32
#     connections), the sweep meets the last 8 choked ones and then sane
#     answers: 4 full records (5 dialects), "4 open, 0 errors";
#   never: 2 addresses that never recover (control): the sweep gives up after
#     its rounds, each target one "accepted, then silent" error, no record,
#     a bounded number of connections;
#   mute: 1 address alone that never answers (a tarpit; the lab's .21): its
#     own silence is no sign of load elsewhere, so no "overloaded" error and
#     no sweep: one service run (<= 8 connections), counted open.
# Loopback only (127.0.0.90..96). Prints TAP.
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

FARM_IPS=127.0.0.90,127.0.0.91,127.0.0.92,127.0.0.93
NEVER_IPS=127.0.0.94,127.0.0.95
MUTE_IP=127.0.0.96
serve farm python3 "$HOSTILE" --mode choke --choke 40 --host "$FARM_IPS" --port "$PORT" --lifetime 400
serve never python3 "$HOSTILE" --mode choke --choke 100000 --host "$NEVER_IPS" --port "$PORT" --lifetime 400
serve mute python3 "$HOSTILE" --mode choke --choke 100000 --host "$MUTE_IP" --port "$PORT" --lifetime 400
ready farm "farm (choke 40): hostile server ready"
ready never "never (choke 100000): hostile server ready"
ready mute "mute (choke 100000): hostile server ready"

# scan NAME TARGETS...
scan() {
	local name=$1
	shift
	timeout -s KILL "$HANG_BOUND" "$SMBWATCH" scan "$@" -p "$PORT" --format jsonl --no-progress -v \
		>"$WORK/$name.out" 2>"$WORK/$name.err"
	echo $? >"$WORK/$name.rc"
}
scan farm ${FARM_IPS//,/ } &
p1=$!
scan never ${NEVER_IPS//,/ } &
p2=$!
scan mute "$MUTE_IP" &
p3=$!
wait "$p1" "$p2" "$p3"

# conns NAME: connections the server saw (its stderr, kept by serve)
conns() { grep -c '^connection ' "$WORK/$1.log" 2>/dev/null || echo 0; }
summary() { grep '^smbwatch: Targets:' "$WORK/$1.err"; }

eq "farm: exit 0" "$(cat "$WORK/farm.rc")" 0
eq "farm: all four counted open, no error" "$(summary farm)" \
	"smbwatch: Targets: 4 tried: 4 open, 0 closed, 0 filtered, 0 errors"
eq "farm: four full records (all 5 dialects of the sane answers)" \
	"$(jq -s -c '[.[] | select(.type == "service") | [.ip, (.smb2.dialects | length)]] | sort' "$WORK/farm.out")" \
	'[["127.0.0.90",5],["127.0.0.91",5],["127.0.0.92",5],["127.0.0.93",5]]'
nc=$(conns farm)
if [ "$nc" -gt 40 ]; then ok "farm: the sweep came back after the 40 choked connections ($nc in all)"
else not_ok "farm: the sweep came back" "$nc connections"; fi

eq "never: exit 0" "$(cat "$WORK/never.rc")" 0
eq "never: two errors" "$(summary never)" \
	"smbwatch: Targets: 2 tried: 0 open, 0 closed, 0 filtered, 2 errors"
eq "never: -v names each target once, with the reason" \
	"$(grep -c '^smbwatch: error 127\.0\.0\.9[45] port '"$PORT"': accepted, then silent (servers overloaded)$' "$WORK/never.err")" 2
eq "never: no record" "$(jq -s 'map(select(.type == "service")) | length' "$WORK/never.out")" 0
nc=$(conns never)
if [ "$nc" -gt 16 ] && [ "$nc" -le 60 ]; then ok "never: swept, and bounded ($nc connections, 17..60)"
else not_ok "never: swept, and bounded (17..60 connections)" "$nc connections"; fi

eq "mute: exit 0" "$(cat "$WORK/mute.rc")" 0
eq "mute: counted open, no 'overloaded' error" "$(summary mute)" \
	"smbwatch: Targets: 1 tried: 1 open, 0 closed, 0 filtered, 0 errors"
eq "mute: no record" "$(jq -s 'map(select(.type == "service")) | length' "$WORK/mute.out")" 0
nc=$(conns mute)
if [ "$nc" -ge 1 ] && [ "$nc" -le 8 ]; then ok "mute: one service run, no sweep ($nc connections, 1..8)"
else not_ok "mute: one service run, no sweep (1..8 connections)" "$nc connections"; fi
finish
