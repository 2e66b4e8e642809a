#!/usr/bin/env bash
# A slow SRVSVC bind is waited for, a mute one is a failed check (not "no
# shares"), and the answer that comes later is no change. A proxy in front of
# a real Samba persona (tests/responders/rpc_delay_proxy.py) holds back the
# DCE/RPC BIND the way Samba 4.17 does while it starts samba-dcerpcd:
#  - slow (4 s: past the 2 s read timeout, within the 10 s --rpc-timeout):
#    the share list is there, checks.shares is ok; the same delay with the
#    RPC wait cut to 2 s fails (the positive control: the delay is real);
#  - mute: checks.shares is failed/timeout, retried once on a new connection;
#  - monitor: a mute first cycle, then answers: no `changed`; then a real
#    share added: `changed shares.extra` (positive control); then mute after
#    a known list: the store keeps it, marked stale, and no event.
# Prints TAP.   SMBWATCH=path/to/smbwatch tests/integration/test_rpc_timeout.sh
set -uo pipefail
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwr$$}

need_root "needs root (network namespaces, smbd)"
need_tools jq ip smbd python3 timeout
need_smbwatch

work_dir rpct
PROXY_PID=""
stop_proxy() { [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; }
at_exit stop_proxy
lab_up
ok "lab up"

# the proxy lives in the scanner namespace, on its loopback, in front of
# the smb2-unsigned persona (anonymous share list allowed)
echo pass >"$WORK/mode"
"$LAB" exec python3 "$ROOT/tests/responders/rpc_delay_proxy.py" --listen 127.0.0.1 \
	--upstream 198.18.1.12:445 --mode-file "$WORK/mode" --log "$WORK/proxy.log" \
	>"$WORK/proxy.ready" 2>"$WORK/proxy.err" &
PROXY_PID=$!
wait_for "$WORK/proxy.ready" '^ready' 10 || not_ok "proxy starts" "$(cat "$WORK/proxy.err")"
PORT=$(awk '/^ready/ {print $3}' "$WORK/proxy.ready")

scan() { # scan OUT [options]: one scan of the proxy, JSON Lines to OUT
	local out=$1
	shift
	timeout 120 "$LAB" exec "$SMBWATCH" scan --no-db --format jsonl --no-progress -p "$PORT" \
		"$@" 127.0.0.1 >"$out" 2>"$out.err"
}
svc() { jq -c "select(.type==\"service\") | $2" "$1"; }
binds() { grep -c "mode=$1" "$WORK/proxy.log" 2>/dev/null; }

# --- pass: the baseline ----------------------------------------------------
scan "$WORK/pass.jsonl"
eq "pass: scan exits 0" "$?" 0
eq "pass: shares ok, public listed" \
	"$(svc "$WORK/pass.jsonl" '[.checks.shares.status, ([.shares[]?.name] | index("public") != null)]')" \
	'["ok",true]'
eq "pass: the proxy saw the bind" "$(binds pass)" 1

# --- slow: 4 s bind -------------------------------------------------------
echo slow:4 >"$WORK/mode"
scan "$WORK/slow.jsonl"
eq "slow bind (4 s): scan exits 0" "$?" 0
eq "slow bind (4 s): checks.shares ok and the list is there" \
	"$(svc "$WORK/slow.jsonl" '[.checks.shares.status, ([.shares[]?.name] | index("public") != null)]')" \
	'["ok",true]'
eq "slow bind (4 s): no shares error" \
	"$(svc "$WORK/slow.jsonl" '[.errors[] | select(.stage=="shares")] | length')" 0
eq "slow bind (4 s): the proxy held one bind back" "$(binds slow:4)" 1

# positive control: the same delay against a 2 s RPC wait (what every RPC
# step had before --rpc-timeout) times out, and is retried once
: >"$WORK/proxy.log"
scan "$WORK/short.jsonl" --rpc-timeout 2s
eq "slow bind, --rpc-timeout 2s: scan exits 0" "$?" 0
eq "slow bind, --rpc-timeout 2s: shares failed (timeout), no list" \
	"$(svc "$WORK/short.jsonl" '[.checks.shares.status, .checks.shares.error, .shares]')" \
	'["failed","timeout",null]'
check "slow bind, --rpc-timeout 2s: tried again on a new connection" \
	test "$(binds slow:4)" -ge 2

# --- mute: never answers ----------------------------------------------------
echo mute >"$WORK/mode"
: >"$WORK/proxy.log"
scan "$WORK/mute.jsonl" --rpc-timeout 3s
eq "mute bind: scan exits 0" "$?" 0
eq "mute bind: shares failed, error timeout, no list" \
	"$(svc "$WORK/mute.jsonl" '[.checks.shares.status, .checks.shares.error, .shares]')" \
	'["failed","timeout",null]'
eq "mute bind: the fingerprint and auth still answer" \
	"$(svc "$WORK/mute.jsonl" '[.checks.auth.status, .auth.anonymous_logon, (.smb2.dialects | length > 0)]')" \
	'["ok",true,true]'
# anon2 and its retry, then the guest check's listing and its retry
check "mute bind: the share check was retried on a new connection" \
	test "$(cut -d' ' -f2 "$WORK/proxy.log" | sort -u | wc -l)" -ge 2

# --- monitor: unknown is not a change -------------------------------------
DB=$WORK/db/smbwatch.db
cycle() { # cycle N: monitor --once; events to mon.N
	timeout 180 "$LAB" exec "$SMBWATCH" monitor --once --db "$DB" --no-progress \
		--rpc-timeout 3s -p "$PORT" 127.0.0.1 >"$WORK/mon.$1" 2>"$WORK/mon.$1.err"
}
events() { jq -r '[.event, ((.changes // [])[0].field // ""), (.finding.id // "")] | join(" ")' "$1" |
	sed 's/ *$//' | sort | tr '\n' ';'; }
stored() { # stored N: the record of the Nth run, from the store
	python3 - "$DB" "$1" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
row = db.execute("SELECT record FROM services WHERE run_id = ?", (int(sys.argv[2]),)).fetchone()
print(row[0] if row else "{}")
EOF
}

echo mute >"$WORK/mode"
cycle 1
eq "monitor 1 (bind mute): exits 0" "$?" 0
eq "monitor 1: new" "$(events "$WORK/mon.1")" "new;"
eq "monitor 1: stored shares failed, no value" \
	"$(stored 1 | jq -c '[.checks.shares.status, .shares]')" '["failed",null]'

echo pass >"$WORK/mode"
cycle 2
eq "monitor 2 (answers now): exits 0" "$?" 0
eq "monitor 2: no event (was: changed shares: null -> {...})" "$(events "$WORK/mon.2")" ""
eq "monitor 2: stored shares ok with the list" \
	"$(stored 2 | jq -c '[.checks.shares.status, (.shares | length > 0)]')" '["ok",true]'

# positive control: a real change is still seen
"$LAB" add-share smb2-unsigned extra >/dev/null
for _ in $(seq 50); do
	timeout 60 "$LAB" exec "$SMBWATCH" scan --no-db --format jsonl --no-progress -p 445 \
		198.18.1.12 2>/dev/null | jq -e 'select(.type=="service") | [.shares[]?.name] | index("extra")' \
		>/dev/null && break
	sleep 0.2
done
cycle 3
eq "monitor 3 (share added): exits 0" "$?" 0
eq "monitor 3: changed shares.extra" "$(events "$WORK/mon.3")" "changed shares.extra;"

# mute again after a known list: kept in the store, stale, no event
echo mute >"$WORK/mode"
cycle 4
eq "monitor 4 (bind mute again): exits 0" "$?" 0
eq "monitor 4: no event" "$(events "$WORK/mon.4")" ""
eq "monitor 4: stored list kept, marked stale from run 3" \
	"$(stored 4 | jq -c '[.checks.shares.status, .checks.shares.stale_from_run, ([.shares[]?.name] | index("extra") != null)]')" \
	'["failed",3,true]'
echo pass >"$WORK/mode"
cycle 5
eq "monitor 5 (answers again): exits 0, no event" "$? $(events "$WORK/mon.5")" "0 "

finish
