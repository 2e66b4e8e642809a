#!/usr/bin/env bash
# Integration test: the NetBIOS name service check (issue 18 part 1) on a
# real nmbd (tests/lab/lab.sh with SMBW_LAB_NBNS=1: 198.18.1.60, nmbd alone,
# TCP 139/445 closed). Asserts the persona's exact name table (names,
# suffixes, roles, group flags), its unit id (Samba sends none: all zero),
# NBNS_EXPOSED (medium inside, high from --view external), closed (ICMP
# port unreachable) against silent (open|filtered, resent per --retries),
# that a default scan sends no datagram while --surface full does, and,
# when nmap is installed, that nmap's nbstat script sees the same names.
# Prints TAP.
#   SMBWATCH=path/to/smbwatch tests/integration/test_nbns.sh
set -uo pipefail # no -e: a failed assertion must not stop the test
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwnb$$}
export SMBW_LAB_NBNS=1
SCAN_TIMEOUT=${SCAN_TIMEOUT:-120}
NBNS=198.18.1.60   # nmbd
SMB_ONLY=198.18.1.10 # smbd with disable netbios = yes
CLOSED=198.18.1.30 # the address answers, nothing listens
SILENT=198.18.1.99 # not routed on the hosts side

need_root "integration test needs root (network namespaces, nmbd)"
need_tools jq ip smbd nmbd timeout python3
need_smbwatch

work_dir nbns
lab_up
ok "lab up (with the nmbd persona)"

scan() { # OUT ARGS...: a scan from the scanner namespace, JSON lines to OUT
	local out=$1
	shift
	timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress --format jsonl \
		-o "$out" "$@" 2>"$out.err"
}
# UDP datagrams the scanner namespace has sent (only our scans run there)
udp_out() { "$LAB" exec awk '/^Udp: [0-9]/ {print $5}' /proc/net/snmp; }
names_of() { # FILE IP: "NAME<XX>:group|unique" sorted, one line
	jq -r --arg ip "$2" 'select(.ip == $ip and .transport == "udp") | .nbns.names[] |
		"\(.name)<\(.suffix)>:\(if .group then "group" else "unique" end)"' "$1" | sort | tr '\n' ' '
}

# nmbd registers the browser names (<1B>, <1D>, __MSBROWSE__) once it has
# won its election: wait for them (bounded; the scan itself is the probe)
for _ in $(seq 1 40); do
	scan "$WORK/wait.jsonl" -p U:137 --retries 0 "$NBNS"
	jq -e 'select(.nbns) | .nbns.names | map(.suffix) | index("1D")' "$WORK/wait.jsonl" >/dev/null && break
	sleep 3
done

# --- the whole surface of four hosts: nmbd, smbd only, closed, silent
before=$(udp_out)
scan "$WORK/full.jsonl" --surface full "$NBNS" "$SMB_ONLY" "$CLOSED" "$SILENT"
eq "--surface full scan exits 0" "$?" 0
after_full=$(udp_out)
check "--surface full sent datagrams (positive control)" [ "$((after_full - before))" -ge 3 ]
# the summary counts the SMB records apart from the 135 and U:137 ones
n_smb=$(jq -s '[.[] | select(.smb1 or .smb2)] | length' "$WORK/full.jsonl")
n_other=$(jq -s '[.[] | select((.smb1 or .smb2) | not)] | length' "$WORK/full.jsonl")
check "--surface full found SMB and other services (control)" [ "$n_smb" -ge 1 ] && [ "$n_other" -ge 1 ]
has "the summary counts SMB services apart from the others" "$(cat "$WORK/full.jsonl.err")" \
	"smbwatch: $n_smb SMB service$([ "$n_smb" = 1 ] || echo s) and $n_other other service$([ "$n_other" = 1 ] || echo s) in "

eq "nmbd: one record, UDP 137, transport udp" \
	"$(jq -c --arg ip "$NBNS" 'select(.ip == $ip) | [.port, .transport]' "$WORK/full.jsonl")" '[137,"udp"]'
eq "nmbd: the exact name table" "$(names_of "$WORK/full.jsonl" "$NBNS")" \
	"??__MSBROWSE__?<01>:group LAB-NBNS<00>:unique LAB-NBNS<03>:unique LAB-NBNS<20>:unique LABNB<00>:group LABNB<1B>:unique LABNB<1D>:unique LABNB<1E>:group "
eq "nmbd: names_total" "$(jq --arg ip "$NBNS" 'select(.ip == $ip) | .nbns.names_total' "$WORK/full.jsonl")" 8
eq "nmbd: the roles of the suffixes" \
	"$(jq -c --arg ip "$NBNS" 'select(.ip == $ip) | [.nbns.names[] | select(.name | startswith("LAB")) | "\(.suffix)=\(.role)"] | unique' "$WORK/full.jsonl")" \
	'["00=domain/workgroup name","00=workstation","03=messenger","1B=domain master browser","1D=master browser","1E=browser election","20=file server"]'
# Samba has no unit id to give: nmbd sends six zero bytes (nmap: 000000000000)
eq "nmbd: unit id all zero, so no mac" "$(jq --arg ip "$NBNS" 'select(.ip == $ip) | .nbns | has("mac")' "$WORK/full.jsonl")" false
eq "nmbd: NBNS_EXPOSED medium" \
	"$(jq -c --arg ip "$NBNS" 'select(.ip == $ip) | [.findings[] | "\(.id):\(.severity)"]' "$WORK/full.jsonl")" '["NBNS_EXPOSED:medium"]'
has "nmbd: evidence names the computer" \
	"$(jq -r --arg ip "$NBNS" 'select(.ip == $ip) | .findings[0].evidence' "$WORK/full.jsonl")" "computer LAB-NBNS"
eq "nmbd: the nbns check ran" "$(jq -r --arg ip "$NBNS" 'select(.ip == $ip) | .checks.nbns.status' "$WORK/full.jsonl")" ok
# 139/445 closed on that host, and still a record with the finding (above)
eq "nmbd: no TCP record (139/445 closed)" \
	"$(jq -s --arg ip "$NBNS" 'map(select(.ip == $ip and .transport != "udp")) | length' "$WORK/full.jsonl")" 0
eq "smbd only: its 445 record, no name service record" \
	"$(jq -s -c --arg ip "$SMB_ONLY" 'map(select(.ip == $ip)) | map([.port, .transport])' "$WORK/full.jsonl")" '[[445,"direct"]]'
eq "smbd only: no NBNS_EXPOSED" \
	"$(jq -s --arg ip "$SMB_ONLY" '[.[] | select(.ip == $ip) | .findings[].id | select(. == "NBNS_EXPOSED")] | length' "$WORK/full.jsonl")" 0
eq "closed and silent hosts: no record" \
	"$(jq -s --arg c "$CLOSED" --arg s "$SILENT" 'map(select(.ip == $c or .ip == $s)) | length' "$WORK/full.jsonl")" 0

# --- from outside: high
scan "$WORK/ext.jsonl" -p U:137 --view external "$NBNS"
eq "external view scan exits 0" "$?" 0
eq "external view: NBNS_EXPOSED high" \
	"$(jq -c 'select(.nbns) | [.findings[] | "\(.id):\(.severity)"]' "$WORK/ext.jsonl")" '["NBNS_EXPOSED:high"]'

# --- closed against silent. nmbd listens on 0.0.0.0:137 in the hosts
# namespace (it takes broadcasts there), so every lab address has a 137:
# the closed case asks a UDP port nothing holds, where the kernel answers
# ICMP port unreachable, the same path as 137 on a host without nmbd.
scan "$WORK/closed.jsonl" -p U:1137 --retries 0 "$CLOSED"
eq "closed scan exits 0" "$?" 0
has "ICMP port unreachable: closed" "$(cat "$WORK/closed.jsonl.err")" "1 tried: 0 open, 1 closed, 0 filtered, 0 errors"
b=$(udp_out)
scan "$WORK/silent.jsonl" -p U:137 --retries 2 "$SILENT"
eq "silent scan exits 0" "$?" 0
a=$(udp_out)
has "silence: open|filtered" "$(cat "$WORK/silent.jsonl.err")" "1 tried: 0 open, 0 closed, 1 filtered, 0 errors"
eq "silence: the query sent 1 + --retries 2 times" "$((a - b))" 3
# the answering host is asked once, whatever --retries says
b=$(udp_out)
scan "$WORK/once.jsonl" -p U:137 --retries 2 "$NBNS"
a=$(udp_out)
eq "an answer: one query" "$((a - b))" 1

# --- the default scan sends nothing to UDP (the positive control is the
# --surface full scan above, and this scan's own TCP record)
b=$(udp_out)
scan "$WORK/default.jsonl" "$NBNS" "$SMB_ONLY"
eq "default scan exits 0" "$?" 0
a=$(udp_out)
eq "default scan: no datagram sent" "$((a - b))" 0
eq "default scan: SMB found (positive control), no udp record" \
	"$(jq -s -c 'map([.ip, .port])' "$WORK/default.jsonl")" "[[\"$SMB_ONLY\",445]]"

# --- a real Windows answer end to end, with its MAC: the capture's
# node status replayed on loopback inside the scanner namespace
"$LAB" exec python3 "$ROOT/tests/responders/nbstat_responder.py" 127.0.0.1 11137 \
	>"$WORK/responder.log" 2>&1 &
RESP_PID=$!
wait_for "$WORK/responder.log" '^ready' 30
# the python process under lab.sh exec: the one to stop, by its pid
leaf_pid() { local p=$1 c; while c=$(pgrep -P "$p" | head -1) && [ -n "$c" ]; do p=$c; done; echo "$p"; }
RESP_LEAF=$(leaf_pid "$RESP_PID")
at_exit 'kill "$RESP_LEAF" 2>/dev/null || true' 
scan "$WORK/win.jsonl" -p U:11137 127.0.0.1
eq "Windows answer: scan exits 0" "$?" 0
eq "Windows answer: names" "$(names_of "$WORK/win.jsonl" 127.0.0.1)" \
	"WIN-I82B81NSLLJ<00>:unique WIN-I82B81NSLLJ<20>:unique WORKGROUP<00>:group "
eq "Windows answer: MAC" "$(jq -r 'select(.nbns) | .nbns.mac' "$WORK/win.jsonl")" 0a:02:d7:5e:97:02
kill "$RESP_LEAF" 2>/dev/null
wait "$RESP_PID" 2>/dev/null

# --- --list-checks says where each check runs
has "--list-checks: nbns on U:137" "$("$SMBWATCH" scan --list-checks)" "nbns            U:137"

# --- the peer: nmap's nbstat script on the same persona
if command -v nmap >/dev/null; then
	timeout "$SCAN_TIMEOUT" "$LAB" exec nmap -n -Pn -sU -p137 --script nbstat \
		--script-args nbstat.verbose=1 "$NBNS" >"$WORK/nmap.txt" 2>&1
	# "|   LAB-NBNS<00>   Flags: <unique><active>": control bytes as '?'
	nmap_names=$(sed -n 's/^|[_ ]  *\(.*<[0-9a-f][0-9a-f]>\) *Flags: <\([a-z]*\)>.*/\1:\2/p' "$WORK/nmap.txt" |
		sed 's/\\x[0-9a-f][0-9a-f]/?/g; s/<\([0-9a-f]*\)>/<\U\1>/' | sort | tr '\n' ' ')
	eq "nmap nbstat: the same names, suffixes and flags" "$nmap_names" "$(names_of "$WORK/full.jsonl" "$NBNS")"
	has "nmap nbstat: the same (absent) MAC" "$(cat "$WORK/nmap.txt")" "NetBIOS MAC: 000000000000"
else
	skip "nmap not installed: no peer comparison"
fi

finish
