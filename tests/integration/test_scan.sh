#!/usr/bin/env bash
# Integration test: scan the Samba lab (tests/lab/lab.sh) and check every
# service record against the lab's ground truth (`lab.sh truth`).
# Prints TAP ("ok N - ...", "not ok N - ...", plan at the end).
#
#   SMBWATCH=path/to/smbwatch tests/integration/test_scan.sh
#
# SMBWATCH defaults to ./build/smbwatch. The test brings its own lab up under a
# unique prefix (so parallel runs do not collide) and tears it down on exit.
# Without root it prints one skipped test.
# smbw: loaded-pass (tests/run.sh runs it once more beside a CPU hog: it
# exercises timeouts and diffs, which load must not change)
set -uo pipefail # no -e: a failed assertion must not stop the test
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwi$$}
SCAN_TIMEOUT=${SCAN_TIMEOUT:-300} # seconds; a hang is a failure, not a wait
BAD_TIMEOUT=20                    # bad-input cases must fail fast

need_root "integration test needs root (network namespaces, smbd)"
need_tools jq ip smbd socat timeout
need_smbwatch

work_dir it
lab_up
ok "lab up (all persona listeners ready)"
"$LAB" truth >"$WORK/truth.jsonl"

# --- the scan --------------------------------------------------------------
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --format jsonl -p 139,445,8445 \
	198.18.1.0/24 2001:2::10 >"$WORK/out.jsonl" 2>"$WORK/err.txt"
rc=$?
eq "scan exits with status 0" "$rc" "0"
[ "$rc" -eq 0 ] || sed 's/^/#   stderr: /' "$WORK/err.txt" | head -20

if jq -e . "$WORK/out.jsonl" >/dev/null 2>&1 && [ -s "$WORK/out.jsonl" ]; then
	ok "output is JSON Lines"
else
	not_ok "output is JSON Lines" "$(head -c 600 "$WORK/out.jsonl")"
fi
# service records only, one compact line each
jq -c 'select(type == "object" and .type == "service")' "$WORK/out.jsonl" >"$WORK/svc.jsonl" 2>/dev/null

# record IP PORT : the service records for ip:port
record() { jq -c --arg ip "$1" --argjson port "$2" 'select(.ip == $ip and .port == $port)' "$WORK/svc.jsonl"; }
# field JSON FILTER : one value, compact ("null" when absent)
field() { jq -c "$2" <<<"$1" 2>/dev/null || echo '"<jq error>"'; }

check "every service record has ip, port, transport, scanned_at (RFC 3339 UTC)" \
	jq -e -s 'all(.[]; (.ip|type) == "string" and (.port|type) == "number"
		and (.transport == "direct" or .transport == "netbios")
		and ((.scanned_at // "") | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")))' "$WORK/svc.jsonl"

# --- per persona, driven by the ground truth ---------------------------------
while IFS= read -r t; do
	persona=$(jq -r .persona <<<"$t")
	ip=$(jq -r .ip <<<"$t")
	port=$(jq -r .port <<<"$t")
	tag="$persona $ip:$port"
	recs=$(record "$ip" "$port")
	count=$(grep -c . <<<"$recs")
	if [ "$count" -ne 1 ]; then
		not_ok "$tag: exactly one service record" "found $count"
		continue
	fi
	ok "$tag: exactly one service record"
	r=$recs
	eq "$tag: transport" "$(field "$r" .transport)" "$(jq -c .transport <<<"$t")"
	eq "$tag: smb1.enabled" "$(field "$r" .smb1.enabled)" "$(jq -c .smb1_enabled <<<"$t")"
	if [ "$(jq -r .smb1_enabled <<<"$t")" = true ]; then
		eq "$tag: smb1.signing" "$(field "$r" .smb1.signing)" "$(jq -c .smb1_signing <<<"$t")"
	fi
	# no SMB2 at all: smb2 absent/null or an empty dialect list
	eq "$tag: smb2.dialects" "$(field "$r" '.smb2.dialects // []')" "$(jq -c .smb2_dialects <<<"$t")"
	eq "$tag: smb2.signing" "$(field "$r" '.smb2.signing // null')" "$(jq -c .smb2_signing <<<"$t")"
	eq "$tag: ntlm.netbios_computer" "$(field "$r" .ntlm.netbios_computer)" "$(jq -c .netbios_computer <<<"$t")"
	eq "$tag: ntlm.netbios_domain" "$(field "$r" .ntlm.netbios_domain)" "$(jq -c .netbios_domain <<<"$t")"
	eq "$tag: ntlm.os_version" "$(field "$r" .ntlm.os_version)" "$(jq -c .os_version <<<"$t")"
done < <(jq -c 'select(.service)' "$WORK/truth.jsonl")

# --- ports and addresses that must not produce records ----------------------
eq "198.18.1.15: no record on 445 (only 8445 listens)" "$(record 198.18.1.15 445 | grep -c .)" "0"
eq "198.18.1.16: no record on 445 (only 139 listens)" "$(record 198.18.1.16 445 | grep -c .)" "0"
eq "198.18.1.20 (echo server on 445): no record" \
	"$(jq -c 'select(.ip == "198.18.1.20")' "$WORK/svc.jsonl" | grep -c .)" "0"
eq "198.18.1.21 (accepts, never answers): no record" \
	"$(jq -c 'select(.ip == "198.18.1.21")' "$WORK/svc.jsonl" | grep -c .)" "0"
eq "198.18.1.30 (closed ports): no record" \
	"$(jq -c 'select(.ip == "198.18.1.30")' "$WORK/svc.jsonl" | grep -c .)" "0"
want=$(jq -c -s '[.[] | select(.service) | "\(.ip):\(.port)"] | sort' "$WORK/truth.jsonl")
got=$(jq -c -s '[.[] | "\(.ip):\(.port)"] | sort' "$WORK/svc.jsonl")
eq "exactly the lab's services, nothing on silent addresses" "$got" "$want"

# --- dialect listing: range (default) and each, on raised minimums ----------
# Reconfigure one persona to several min/max pairs; both methods must give
# the exact list, and range must cost no more connections (TCP ActiveOpens of
# the scanner namespace; 1 SMB2 + 1 SMB1 + the dialect probes).
active_opens() { "$LAB" exec awk '/^Tcp:/ { if (h) print $6; h = 1 }' /proc/net/snmp; }
dialect_scan() { # METHOD -> "dialects method opens"
	local before after out
	before=$(active_opens)
	out=$(timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --format jsonl --checks none \
		--no-progress --dialects "$1" -p 445 198.18.1.12 2>/dev/null |
		jq -c 'select(.type == "service") | [.smb2.dialects, (.smb2.dialects_method // "-")]')
	after=$(active_opens)
	echo "$out $((after - before))"
}
for pair in "SMB2_02 SMB3 2.0.2,2.1,3.0,3.0.2,3.1.1" "SMB2_10 SMB3 2.1,3.0,3.0.2,3.1.1" \
	"SMB3_00 SMB3_02 3.0,3.0.2" "SMB3_02 SMB3 3.0.2,3.1.1" "SMB2_02 SMB2_10 2.0.2,2.1" \
	"SMB3_11 SMB3_11 3.1.1" "NT1 SMB3 2.0.2,2.1,3.0,3.0.2,3.1.1" "NT1 SMB2_10 2.0.2,2.1"; do
	read -r lo hi want <<<"$pair"
	"$LAB" reconfigure smb2-unsigned "server min protocol = $lo" "server max protocol = $hi" >/dev/null
	wantj=$(jq -c -R 'split(",")' <<<"$want")
	read -r rj ro <<<"$(dialect_scan range)"
	read -r ej eo <<<"$(dialect_scan each)"
	nd=$(jq length <<<"$wantj")
	m=$([ "$nd" -gt 1 ] && echo range || echo -)
	eq "dialects $lo..$hi, --dialects range" "$rj" "[$wantj,\"$m\"]"
	m=$([ "$nd" -gt 1 ] && echo each || echo -)
	eq "dialects $lo..$hi, --dialects each" "$ej" "[$wantj,\"$m\"]"
	# range: 2 negotiates, then 2.0.2 alone, the one below the max, bisection;
	# none after the 2 negotiates when SMB1 answered (the range starts below SMB2)
	case $lo in NT1) rmax=2 ;; SMB2_02) rmax=3 ;; SMB3_11) rmax=4 ;; *) rmax=6 ;; esac
	check "dialects $lo..$hi: range used $ro connections (<= $rmax), each $eo" \
		test "$ro" -le "$rmax" -a "$ro" -le $((eo + 1))
done
"$LAB" reconfigure smb2-unsigned "server min protocol = SMB2_02" "server max protocol = SMB3" >/dev/null

# --- bad input: exit 2, one-line error naming the item, nothing sent ---------
# Counters of the scanner namespace (/proc/net/snmp is per namespace): TCP
# connection attempts and IPv4/UDP datagrams sent. They must not move.
sent() {
	"$LAB" exec cat /proc/net/snmp | awk '
		/^Tcp:/ { if (!th) { split($0, h); th = 1 } else for (i = 1; i <= NF; i++) if (h[i] == "ActiveOpens") a = $i }
		/^Udp:/ { if (!uh) { split($0, u); uh = 1 } else for (i = 1; i <= NF; i++) if (u[i] == "OutDatagrams") b = $i }
		END { print a + b }'
}
# bad DESC ITEM ARGS... : run `smbwatch ARGS`, expect exit 2 and no traffic;
# ITEM (if not empty) must appear in the single stderr line.
bad() {
	local desc=$1 item=$2 before after rc lines
	shift 2
	before=$(sent)
	timeout "$BAD_TIMEOUT" "$LAB" exec "$SMBWATCH" "$@" >"$WORK/bad.out" 2>"$WORK/bad.err"
	rc=$?
	after=$(sent)
	eq "$desc: exit status 2" "$rc" "2"
	lines=$(grep -c . "$WORK/bad.err")
	if [ -n "$item" ]; then
		if [ "$lines" -eq 1 ] && grep -qF -- "$item" "$WORK/bad.err"; then
			ok "$desc: one-line error naming '$item'"
		else
			not_ok "$desc: one-line error naming '$item'" "$(head -5 "$WORK/bad.err")"
		fi
	else
		if [ "$lines" -ge 1 ]; then ok "$desc: error message on stderr"
		else not_ok "$desc: error message on stderr"; fi
	fi
	eq "$desc: nothing sent" "$((after - before))" "0"
	eq "$desc: no service record on stdout" "$(grep -c '"service"' "$WORK/bad.out")" "0"
}
bad "scan 198.18.1.0/33" 198.18.1.0/33 scan 198.18.1.0/33 -p 445
bad "scan foo..bar" foo..bar scan foo..bar -p 445
bad "scan -iL /nonexistent" /nonexistent scan -iL /nonexistent -p 445
bad "scan --exclude 198.18.1.0/99" "--exclude: bad target '198.18.1.0/99'" \
	scan --exclude 198.18.1.0/99 -p 445 198.18.1.10
bad "scan without targets" "no targets given" scan -p 445
eq "scan without targets: the message" "$(cat "$WORK/bad.err")" "smbwatch scan: no targets given (see --help)"
# A /8 must be refused without --force-large. Never scan it: the check stops
# at the refusal (and the timeout guards against a scanner that starts).
bad "scan 198.18.0.0/8 without --force-large" "" scan 198.18.0.0/8 -p 445
# the positive control of "nothing sent": the same counters move, and the
# exit status is 0, when the scan is valid
before=$(sent)
timeout "$BAD_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --checks none --no-progress -p 445 198.18.1.12 \
	>/dev/null 2>&1
rc=$?
after=$(sent)
eq "a valid scan: exit 0, the counters move" "$rc $([ $((after - before)) -gt 0 ] && echo moved)" "0 moved"

finish
