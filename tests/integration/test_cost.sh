#!/usr/bin/env bash
# What a default full scan costs each server it checks (issue 17): every
# record's cost.connections must equal the connections the server saw, read
# from a capture of SYNs on the scanner's veth (one distinct source port per
# connection, resent SYNs not counted twice), and cost.retries counts the
# retries among them. Issue 17's bound is asserted per persona: at most two
# connections (retries not counted) where SMB1 is on, three where it is off
# (before the chained conversations: 4-6, 49 in all; after: 28). Prints TAP.
# Needs root.
set -uo pipefail
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwc$$}
export SMBW_LAB_SURFACE=1

need_root "needs root (network namespaces, smbd)"
need_smbwatch
work_dir cost
lab_up
ok "lab up (with the attack-surface personas)"
leaf_pid() { local p=$1 c; while c=$(pgrep -P "$p" | head -1) && [ -n "$c" ]; do p=$c; done; echo "$p"; }

TARGETS=(198.18.1.10-16 198.18.1.40-43)
# SYNs without ACK: connection attempts, as the servers see them
"$LAB" exec timeout 300 tshark -i "$SMBW_LAB_PREFIX-s0" -B 16 \
	-f 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and net 198.18.1.0/24' \
	-w "$WORK/syn.pcap" >/dev/null 2>"$WORK/tshark.err" &
cap=$!
wait_for "$WORK/tshark.err" '^Capturing on' 30 || diag "tshark did not say it was capturing: $(cat "$WORK/tshark.err")"
timeout 300 "$LAB" exec "$SMBWATCH" scan --no-db --no-progress --format jsonl -p 445,139,8445 \
	"${TARGETS[@]}" >"$WORK/scan.jsonl" 2>"$WORK/scan.err"
eq "the default full scan exits 0" "$?" 0
sleep 0.5
kill -INT "$(leaf_pid "$cap")" 2>/dev/null
wait "$cap" 2>/dev/null
grep -q "dropped" "$WORK/tshark.err" && diag "tshark: $(grep dropped "$WORK/tshark.err")"

eq "the 11 personas answered" "$(jq -s 'length' "$WORK/scan.jsonl")" 11
retries_pre=$(jq -s 'map(.cost.retries) | add' "$WORK/scan.jsonl")
eq "every record has a cost, at least one connection" \
	"$(jq -s '[.[] | select(.cost.connections >= 1)] | length' "$WORK/scan.jsonl")" 11

# connections per ip:port on the wire: distinct source ports of the SYNs
tshark -r "$WORK/syn.pcap" -T fields -e ip.dst -e tcp.dstport -e tcp.srcport 2>/dev/null |
	sort -u | awk '{n[$1 ":" $2]++} END {for (k in n) print k, n[k]}' | sort >"$WORK/wire.txt"
jq -r '"\(.ip):\(.port) \(.cost.connections)"' "$WORK/scan.jsonl" | sort >"$WORK/cost.txt"
check "the capture saw the scan (positive control: SYNs to 198.18.1.10:445)" grep -q '^198.18.1.10:445 [1-9]' "$WORK/wire.txt"
eq "cost.connections = the connections each server saw (capture)" \
	"$(join "$WORK/cost.txt" "$WORK/wire.txt" | awk '$2 != $3' | tr '\n' ';')" ""
eq "every record's service is in the capture" "$(join -v1 "$WORK/cost.txt" "$WORK/wire.txt" | tr '\n' ';')" ""
diag "connections per service (ip:port connections retries): $(jq -r '"\(.ip):\(.port) \(.cost.connections) \(.cost.retries)"' "$WORK/scan.jsonl" | sort | tr '\n' ';')"

# issue 17: the bound, per persona, from the record (retries are not counted;
# cross-checked with the capture above)
over=$(jq -r 'select((.cost.connections - .cost.retries) > (if .smb1.enabled == true then 2 else 3 end))
	| "\(.ip):\(.port) \(.cost.connections)-\(.cost.retries) smb1=\(.smb1.enabled)"' "$WORK/scan.jsonl" | tr '\n' ';')
eq "at most 2 connections per service with SMB1 on, 3 with it off" "$over" ""
eq "positive control: both kinds scanned (SMB1 on: .10 .11 .40 .42 .43)" \
	"$(jq -r 'select(.smb1.enabled == true) | .ip' "$WORK/scan.jsonl" | sort | tr '\n' ' ')" \
	"198.18.1.10 198.18.1.11 198.18.1.40 198.18.1.42 198.18.1.43 "
eq "no retries in a quiet lab (the bound is not met by hiding connections as retries)" "$retries_pre" 0
eq "the 11 personas cost 28 connections (49 before issue 17)" "$(jq -s 'map(.cost.connections) | add' "$WORK/scan.jsonl")" 28

# the summary's total is the records' sum
total=$(jq -s 'map(.cost.connections) | add' "$WORK/scan.jsonl")
retries=$(jq -s 'map(.cost.retries) | add' "$WORK/scan.jsonl")
has "the summary gives the total" "$(cat "$WORK/scan.err")" \
	"smbwatch: Cost: $total connections to the 11 services found"
check "retries are a part of the connections" [ "$retries" -le "$total" ]

# --dialects each: one accepted negotiate per dialect, each on a connection
# of its own, costs more (a control that the count follows what the scan
# does; --checks none costs the same since the checks ride the fingerprint's
# connections)
timeout 300 "$LAB" exec "$SMBWATCH" scan --no-db --no-progress --format jsonl --dialects each \
	-p 445 198.18.1.12 >"$WORK/each.jsonl" 2>/dev/null
full12=$(jq -r 'select(.ip == "198.18.1.12") | .cost.connections' "$WORK/scan.jsonl")
each12=$(jq -r '.cost.connections' "$WORK/each.jsonl")
check "--dialects each costs .12 more connections than the default ($each12 > $full12)" [ "$each12" -gt "$full12" ]
timeout 300 "$LAB" exec "$SMBWATCH" scan --no-db --no-progress --format jsonl --checks none \
	-p 445 198.18.1.12 >"$WORK/none.jsonl" 2>/dev/null
eq "--checks none: .12 costs its three fingerprint connections" "$(jq -r '.cost.connections' "$WORK/none.jsonl")" 3

# A small --max-inflight: a service holds its SMB2 link while the SMB1
# negotiate or a probe runs, so the kept links once filled the engine and
# every follow-up waited for the 20 s deadline (--max-inflight 1 hung each
# service). Now N/2 services run at once, and with 1 nothing is kept. The
# answers must be the default scan's (positive control: that scan itself).
answers() { # the record less what changes from run to run
	jq -c '{ip, port, auth, smb1, relay, vulns, d: .smb2.dialects, s: .smb2.signing,
		n: .ntlm.netbios_computer, shares: ([.shares[]?.name] | sort),
		f: ([.findings[]?.id] | sort), c: (.checks | map_values(.status)), e: .errors}' "$1" | sort
}
answers "$WORK/scan.jsonl" >"$WORK/answers.default"
check "positive control: the default answers have shares and an SMB1 side" \
	grep -q '"shares":\["[^]]' "$WORK/answers.default"
for mi in 2 1; do
	t0=$(date +%s)
	timeout 300 "$LAB" exec "$SMBWATCH" scan --no-db --no-progress --format jsonl -p 445,139,8445 \
		--max-inflight "$mi" "${TARGETS[@]}" >"$WORK/mi$mi.jsonl" 2>"$WORK/mi$mi.err"
	eq "--max-inflight $mi: the scan exits 0" "$?" 0
	diag "--max-inflight $mi: $(($(date +%s) - t0)) s, $(jq -s 'map(.cost.connections) | add' "$WORK/mi$mi.jsonl") connections"
	eq "--max-inflight $mi: no service ran out of time" \
		"$(grep -c 'deadline' "$WORK/mi$mi.jsonl")" 0
	answers "$WORK/mi$mi.jsonl" >"$WORK/answers.mi$mi"
	eq "--max-inflight $mi: the same answers as the default scan" \
		"$(diff "$WORK/answers.default" "$WORK/answers.mi$mi" | head -5)" ""
done
eq "--max-inflight 2: the links are kept (28 connections, as the default)" \
	"$(jq -s 'map(.cost.connections - .cost.retries) | add' "$WORK/mi2.jsonl")" 28
check "--max-inflight 1: nothing kept, every check on a connection of its own (more than 28)" \
	[ "$(jq -s 'map(.cost.connections) | add' "$WORK/mi1.jsonl")" -gt 28 ]
finish
