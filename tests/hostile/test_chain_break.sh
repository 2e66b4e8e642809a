#!/usr/bin/env bash
# A server that breaks smbwatch's chain of conversations (issue 17): the
# checks ride the connections the negotiates opened and kept, so a peer
# that drops a kept connection, or goes quiet on it mid-check, must cost a
# fresh connection counted as a retry (cost.retries) and never an answer:
# each broken scan's answers equal the unbroken scan's of the same persona.
# tests/hostile/chain_breaker.py relays to a lab persona from the scanner's
# namespace (127.0.0.41-44, no route out) and breaks the Nth connection
# after K server frames. Prints TAP. Needs root (the lab).
set -uo pipefail
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwk$$}
BREAKER=$ROOT/tests/hostile/chain_breaker.py
PORT=10445

need_root "needs root (network namespaces, smbd)"
need_tools jq python3
need_smbwatch
work_dir chain-break
lab_up
ok "lab up"
leaf_pid() { local p=$1 c; while c=$(pgrep -P "$p" | head -1) && [ -n "$c" ]; do p=$c; done; echo "$p"; }
BRK=()
stop_breakers() { local p; for p in "${BRK[@]}"; do kill "$(leaf_pid "$p")" 2>/dev/null; done; }
at_exit stop_breakers

scan() { # OUT ARGS...: a full default scan from the scanner's namespace
	local out=$1
	shift
	timeout 120 "$LAB" exec "$SMBWATCH" scan --no-db --no-progress --format jsonl \
		--read-timeout 1s "$@" >"$out" 2>"$out.err"
}
# what a scan answered, without where it was asked or what it cost
answers() {
	jq -S -c '{smb1: .smb1.enabled, dialects: .smb2.dialects, signing: .smb2.signing,
		auth, shares, vulns, relay, ntlm: .ntlm.netbios_computer,
		checks: (.checks | map_values(.status? // .))}' "$1"
}

# the unbroken answers of the two personas (the reference)
scan "$WORK/ref12.jsonl" -p 445 198.18.1.12
scan "$WORK/ref10.jsonl" -p 445 198.18.1.10
eq "reference .12: SMB1 off, 3 connections, no retry" \
	"$(jq -r '"\(.smb1.enabled) \(.cost.connections) \(.cost.retries)"' "$WORK/ref12.jsonl")" "false 3 0"
eq "reference .10: SMB1 on, 2 connections, no retry" \
	"$(jq -r '"\(.smb1.enabled) \(.cost.connections) \(.cost.retries)"' "$WORK/ref10.jsonl")" "true 2 0"

# case NAME IP TARGET MODE AFTER NTH REF BOUND
i=0
case_() {
	local name=$1 ip=$2 to=$3 mode=$4 after=$5 nth=$6 ref=$7 bound=$8 f=$WORK/$1
	"$LAB" exec python3 "$BREAKER" --listen "$ip" --port "$PORT" --to "$to" --mode "$mode" \
		--after "$after" --nth "$nth" >"$f.ready" 2>"$f.log" &
	BRK+=($!)
	wait_for "$f.ready" '^ready' 10 || diag "$name: breaker not ready: $(cat "$f.log")"
	scan "$f.jsonl" -p "$PORT" "$ip"
	eq "$name: the scan exits 0" "$?" 0
	check "$name: the breaker broke connection $nth (positive control)" grep -q '^broken' "$f.log"
	eq "$name: same answers as the unbroken scan" "$(answers "$f.jsonl")" "$(answers "$ref")"
	local c r
	c=$(jq -r '.cost.connections' "$f.jsonl")
	r=$(jq -r '.cost.retries' "$f.jsonl")
	check "$name: the fresh connection is counted as a retry (retries $r >= 1)" [ "${r:-0}" -ge 1 ]
	check "$name: still within the bound without retries ($c - $r <= $bound)" [ $((c - r)) -le "$bound" ]
}
# the full negotiate's connection dropped while it waits for the checks
case_ drop-smb2-link 127.0.0.41 198.18.1.12:445 drop 2 1 "$WORK/ref12.jsonl" 3
# ... or silent in the middle of the null session's checks (tree connect)
case_ mute-smb2-link 127.0.0.42 198.18.1.12:445 mute 4 1 "$WORK/ref12.jsonl" 3
# the SMB1 negotiate's connection dropped before the SMB1 checks ride it
case_ drop-smb1-link 127.0.0.43 198.18.1.10:445 drop 2 2 "$WORK/ref10.jsonl" 2
# the refused dialect probes' connection: .13 refuses 2.0.2, then the probe
# chained on that connection meets a dropped one
scan "$WORK/ref13.jsonl" -p 445 198.18.1.13
case_ drop-probe-link 127.0.0.44 198.18.1.13:445 drop 1 3 "$WORK/ref13.jsonl" 3
finish
