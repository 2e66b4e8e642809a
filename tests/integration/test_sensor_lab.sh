#!/usr/bin/env bash
# Integration test: the passive sensor on real traffic captured in the Samba
# lab (tests/lab/lab.sh). Each scenario runs in the scanner namespace while
# tshark captures on the scanner end of the veth (inside that namespace, so
# only lab traffic is seen); the capture then goes through
# `smbwatch sensor -r` and the alerts are checked by id with jq.
#   a. smbwatch scan 198.18.1.0/24 -p 139,445       -> SMB_SCAN from 198.18.0.1,
#      SMBGHOST_CHECK for its SMBGhost probe; with --approved-scanners its
#      probe alerts at info, the others unchanged
#   b. smbclient -N -L and a share listing (normal) -> only ANONYMOUS_IPC and
#      NULL_SESSION_USED; ten -L in a row           -> still no SMB_BRUTE_FORCE
#   c. 12 failed logons, 5 account names            -> SMB_BRUTE_FORCE naming them
#   d. an SMB1 (NT1) share listing of .10           -> SMB1_IN_USE client/server
#   f. smbclient -m SMB3 copies 100 KB, 200 KB, 300 KB and 20 MiB to and from
#      a writable guest share of .14 (SMB 3.1.1: frames below, inside and
#      above the sensor's 128 KiB buffer, 4-8 MiB READ/WRITE frames), then an
#      anonymous -L of .12 (control)  -> exit 0, every session and every
#      READ/WRITE counted (as tshark counts them), only the control's
#      ANONYMOUS_IPC and NULL_SESSION_USED (issue 23: a 200 KB copy crashed
#      the sensor)
#   e. live (-i on the veth, as nobody): SYNs to 8 silent addresses, then
#      silence                                      -> SMB_SCAN ~30 s later
#      then the scan of a live                      -> SMB1_IN_USE .10, .11
#   g. impacket psexec.py / smbexec.py, smbclient puts to C$ and to a plain
#      share                                        -> LATERAL_SERVICE_CREATE,
#      ADMIN_SHARE_EXEC_WRITE (critical after psexec's service); plain: none
#   h. impacket reg.py against the same account: add of a value -> one
#      REMOTE_REGISTRY_WRITE naming it; backup of SAM/SYSTEM/SECURITY ->
#      REMOTE_SECRETS_DUMP (critical); query (read only, the control) -> no
#      REMOTE_REGISTRY_WRITE, no REMOTE_SECRETS_DUMP
# SMBW_SENSOR_LAB_ONLY="g h" runs only the scenarios listed.
# Prints TAP ("ok N - ...", "not ok N - ...", plan at the end).
#
#   SMBWATCH=path/to/smbwatch tests/integration/test_sensor_lab.sh
#
# SMBWATCH defaults to ./build/smbwatch. Own lab prefix (smbwx<pid>), torn
# down on exit together with any capture still running. Captures are kept in
# a temporary directory and removed (SMBW_KEEP_CAPTURES=1 keeps them).
# Without root it prints one skipped test.
set -uo pipefail # no -e: a failed assertion must not stop the test
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwx$$}
NS_SCAN=$SMBW_LAB_PREFIX-scan
VETH=$SMBW_LAB_PREFIX-s0 # scanner end of the veth pair (lab.sh)
T=20                     # seconds: any single client command
SCAN_TIMEOUT=120

need_root "integration test needs root (network namespaces, smbd, capture)"
need_tools jq ip smbd smbclient tshark timeout pdbedit
need_smbwatch

work_dir sensorlab
CAP_PID=
cap_kill() {
	[ -n "$CAP_PID" ] || return 0
	kill -INT "$CAP_PID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$CAP_PID" 2>/dev/null || break; sleep 0.1; done
	kill -TERM "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	CAP_PID=
}
at_exit cap_kill
[ "${SMBW_KEEP_CAPTURES:-0}" = 1 ] && WORK_KEPT="captures kept in"
lab_up
ok "lab up (prefix $SMBW_LAB_PREFIX)"

# cap_start NAME: tshark on the scanner end of the veth, inside the scanner
# namespace, SMB ports only; returns once the capture is running.
cap_start() {
	# -B 128: a 20 MiB copy at ~80 MB/s overflows the default 2 MiB buffer
	ip netns exec "$NS_SCAN" tshark -q -n -B 128 -i "$VETH" -F pcap -f 'tcp port 445 or tcp port 139' \
		-w "$WORK/$1.pcap" >"$WORK/$1.tshark.log" 2>&1 &
	CAP_PID=$!
	for _ in $(seq 100); do
		# dumpcap says "Capturing on" before its ring is attached: traffic
		# sent at once can be missed (seen: a whole smbclient -L absent from
		# the capture, on a quiet machine, with any smbwatch build)
		grep -q 'Capturing on' "$WORK/$1.tshark.log" 2>/dev/null && { sleep 1; return 0; }
		kill -0 "$CAP_PID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}
# cap_stop NAME: let the last segments (FIN/ACK) arrive, stop tshark, run the
# sensor on the capture: alerts in NAME.jsonl, summary in NAME.summary.
# Extra arguments go to the sensor (thresholds).
cap_stop() {
	local name=$1
	shift
	sleep 0.3
	cap_kill
	"$SMBWATCH" sensor -r "$WORK/$name.pcap" "$@" >"$WORK/$name.jsonl" 2>"$WORK/$name.err"
}
# capture NAME CMD...: CMD (a shell function) under capture; one TAP line for
# capture + sensor.
capture() {
	local name=$1 rc
	shift
	if ! cap_start "$name"; then
		not_ok "$name: tshark capturing on $VETH in $NS_SCAN" "$(cat "$WORK/$name.tshark.log")"
		cap_kill
		return 1
	fi
	"$@"
	cap_stop "$name"
	rc=$?
	local pk
	pk=$(tshark -r "$WORK/$name.pcap" -T fields -e frame.number 2>/dev/null | grep -c .)
	if [ "$rc" -eq 0 ] && [ "$pk" -gt 0 ] && jq -e . "$WORK/$name.jsonl" >/dev/null 2>&1; then
		ok "$name: captured $pk packets ($(stat -c %s "$WORK/$name.pcap") bytes), sensor exit 0, JSON Lines"
	else
		not_ok "$name: capture and sensor" "packets $pk, sensor exit $rc: $(head -3 "$WORK/$name.err")"
	fi
}
# ids NAME: sorted unique alert ids of a capture, as a JSON array
ids() { jq -s -c '[.[].id] | unique' "$WORK/$1.jsonl"; }
# count NAME ID: how many alerts with that id
count() { jq -s --arg id "$2" '[.[] | select(.id == $id)] | length' "$WORK/$1.jsonl"; }
# alerts NAME ID FILTER: FILTER over the alerts with that id, compact, slurped
alerts() { jq -s -c --arg id "$2" "[.[] | select(.id == \$id)] | $3" "$WORK/$1.jsonl"; }
lab() { timeout "$T" "$LAB" exec "$@"; }
# want X: scenario X runs (all of them unless SMBW_SENSOR_LAB_ONLY lists some,
# e.g. SMBW_SENSOR_LAB_ONLY="g h": the lab is heavy, a scenario is not)
want() { [ -z "${SMBW_SENSOR_LAB_ONLY:-}" ] || [[ " $SMBW_SENSOR_LAB_ONLY " == *" $1 "* ]]; }
t0=$(date +%s.%N)

if want a; then # (body not indented: the blocks read as before)
# --- a. the scanner ---------------------------------------------------------
do_scan() {
	timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan 198.18.1.0/24 -p 139,445 \
		>"$WORK/scan.out" 2>&1
	echo $? >"$WORK/scan.rc"
}
capture scan do_scan
eq "scan: smbwatch scan exits 0" "$(cat "$WORK/scan.rc")" "0"
eq "scan: exactly one SMB_SCAN" "$(count scan SMB_SCAN)" "1"
eq "scan: SMB_SCAN names 198.18.0.1 as source (per-source alert, dst null)" \
	"$(alerts scan SMB_SCAN 'map([.src, .dst])')" '[["198.18.0.1",null]]'
eq "scan: SMB_SCAN counted >= 32 distinct hosts" \
	"$(alerts scan SMB_SCAN 'map(.details.hosts >= 32)')" '[true]'
# the scanner's SMB1 negotiation with the two SMB1 personas is real SMB1 use
eq "scan: SMB1_IN_USE for exactly the SMB1 personas .10 and .11" \
	"$(alerts scan SMB1_IN_USE 'map(.dst) | unique')" '["198.18.1.10","198.18.1.11"]'
# its logons carry no password: not a brute force; its MS17-010 check is not an exploit
eq "scan: no SMB_BRUTE_FORCE, no MS17_010_EXPLOIT" \
	"$(count scan SMB_BRUTE_FORCE)/$(count scan MS17_010_EXPLOIT)" "0/0"
# smbwatch's own SMBGhost probe (3.1.1 NEGOTIATE offering compression, then
# close without SESSION_SETUP) is the pattern SMBGHOST_CHECK looks for
eq "scan: SMBGHOST_CHECK for smbwatch's own probe, from 198.18.0.1 only" \
	"$(alerts scan SMBGHOST_CHECK 'map(.src) | unique')" '["198.18.0.1"]'
# the same capture with the scanner approved: every probe alert kept, at
# info and marked; every other alert keeps its severity
"$SMBWATCH" sensor -r "$WORK/scan.pcap" --approved-scanners 198.18.0.1 >"$WORK/scan-approved.jsonl" \
	2>"$WORK/scan-approved.err"
eq "scan, --approved-scanners 198.18.0.1: exit 0" "$?" "0"
probe_sel='select(.id | test("^(SMB_SCAN|MS17_010_CHECK|SMBGHOST_CHECK|DOUBLEPULSAR)$"))'
eq "scan, approved: probe alerts at info with approved_scanner, none dropped" \
	"$(jq -s -c "[.[] | $probe_sel] | [length, (map([.severity, .approved_scanner]) | unique)]" \
		"$WORK/scan-approved.jsonl")" \
	"[$(jq -s "[.[] | $probe_sel] | length" "$WORK/scan.jsonl"),[[\"info\",true]]]"
eq "scan, approved: the other alerts unchanged" \
	"$(jq -c "select(.id | test(\"^(SMB_SCAN|MS17_010_CHECK|SMBGHOST_CHECK|DOUBLEPULSAR)\$\") | not) | [.id,.severity,.dst]" \
		"$WORK/scan-approved.jsonl")" \
	"$(jq -c "select(.id | test(\"^(SMB_SCAN|MS17_010_CHECK|SMBGHOST_CHECK|DOUBLEPULSAR)\$\") | not) | [.id,.severity,.dst]" \
		"$WORK/scan.jsonl")"

fi # scenario a
if want b; then # (body not indented: the blocks read as before)
# --- b. a normal anonymous listing and a share listing ----------------------
do_normal() {
	lab smbclient -N -L //198.18.1.12 >"$WORK/normal.out1" 2>&1
	echo $? >"$WORK/normal.rc"
	lab smbclient //198.18.1.12/public -N -c ls >"$WORK/normal.out2" 2>&1
	echo $? >>"$WORK/normal.rc"
}
capture normal do_normal
eq "normal: both smbclient runs exit 0" "$(tr '\n' ' ' <"$WORK/normal.rc")" "0 0 "
if grep -q README.txt "$WORK/normal.out2"; then ok "normal: share listing shows README.txt"
else not_ok "normal: share listing shows README.txt" "$(head -5 "$WORK/normal.out2")"; fi
eq "normal: alert ids are exactly ANONYMOUS_IPC and NULL_SESSION_USED (no SCAN, BRUTE, SMB1, MS17, DOUBLEPULSAR, UNSIGNED)" \
	"$(ids normal)" '["ANONYMOUS_IPC","NULL_SESSION_USED"]'
eq "normal: ANONYMOUS_IPC 198.18.0.1 -> 198.18.1.12:445" \
	"$(alerts normal ANONYMOUS_IPC 'map([.src, .dst, .dst_port])')" '[["198.18.0.1","198.18.1.12",445]]'
eq "normal: NULL_SESSION_USED is the srvsvc share enumeration of -L" \
	"$(alerts normal NULL_SESSION_USED 'map([.dst, (.evidence | test("srvsvc"))])')" '[["198.18.1.12",true]]'

# smbclient -N first logs on as the Unix user with no password at all
# (refused), then anonymously: ten listings are ten "failed logons" on the
# wire, but no password was tried.
do_listings() {
	for _ in $(seq 10); do lab smbclient -N -L //198.18.1.12 >/dev/null 2>&1; done
}
capture listings do_listings
eq "listings: 10 x smbclient -N -L raise no SMB_BRUTE_FORCE (no password tried)" \
	"$(count listings SMB_BRUTE_FORCE)" "0"
"$SMBWATCH" sensor -r "$WORK/listings.pcap" --summary >"$WORK/listings.summary" 2>&1
if grep -Eq '^  198\.18\.0\.1 +10$' "$WORK/listings.summary"; then
	ok "listings: --summary still counts the 10 refused no-password logons"
else
	not_ok "listings: --summary still counts the 10 refused no-password logons" \
		"$(tail -3 "$WORK/listings.summary")"
fi

fi # scenario b
if want c; then # (body not indented: the blocks read as before)
# --- c. failed logons: one account guessed 8 times, then 4 more accounts -----
USERS=(nosuchuser nosuchuser nosuchuser nosuchuser nosuchuser nosuchuser nosuchuser nosuchuser
	svc_backup svc_sql jdoe administrator)
do_brute() {
	local u
	for u in "${USERS[@]}"; do
		lab smbclient -U "$u%wrong" //198.18.1.12/public -c ls >>"$WORK/brute.out" 2>&1
	done
}
capture brute do_brute
eq "brute: all 12 logons refused with NT_STATUS_LOGON_FAILURE" \
	"$(grep -c NT_STATUS_LOGON_FAILURE "$WORK/brute.out")" "12"
eq "brute: exactly one SMB_BRUTE_FORCE, from 198.18.0.1, at the 10th failure" \
	"$(alerts brute SMB_BRUTE_FORCE 'map([.src, .details.failures, .details.targets])')" '[["198.18.0.1",10,1]]'
eq "brute: details.accounts = the accounts tried by then" \
	"$(alerts brute SMB_BRUTE_FORCE 'map(.details.accounts)')" \
	'[["WORKGROUP\\nosuchuser","WORKGROUP\\svc_backup","WORKGROUP\\svc_sql"]]'
eq "brute: evidence names the accounts" \
	"$(alerts brute SMB_BRUTE_FORCE 'map(.evidence | test("nosuchuser.*svc_backup.*svc_sql"))')" '[true]'
eq "brute: nothing else alerted" "$(ids brute)" '["SMB_BRUTE_FORCE"]'
# the same capture with the per-source count out of reach: the fifth
# distinct account (12th failure) makes it password spraying
"$SMBWATCH" sensor -r "$WORK/brute.pcap" --brute-failures 100 >"$WORK/spray.jsonl" 2>/dev/null
eq "brute (--brute-failures 100): spraying alert with the 5 accounts" \
	"$(alerts spray SMB_BRUTE_FORCE 'map([(.evidence | startswith("password spraying")), .details.failures, (.details.accounts | length)])')" \
	'[[true,12,5]]'

fi # scenario c
if want d; then # (body not indented: the blocks read as before)
# --- d. SMB1 ----------------------------------------------------------------
do_smb1() {
	lab smbclient -m NT1 --option='client min protocol=NT1' -N -L //198.18.1.10 \
		>"$WORK/smb1.out" 2>&1
	echo $? >"$WORK/smb1.rc"
}
capture smb1 do_smb1
if grep -q 'IPC\$' "$WORK/smb1.out"; then ok "smb1: smbclient -m NT1 listed the shares of .10"
else not_ok "smb1: smbclient -m NT1 listed the shares of .10" "$(head -5 "$WORK/smb1.out")"; fi
eq "smb1: exactly one SMB1_IN_USE, 198.18.0.1 -> 198.18.1.10:445" \
	"$(alerts smb1 SMB1_IN_USE 'map([.src, .dst, .dst_port])')" '[["198.18.0.1","198.18.1.10",445]]'
eq "smb1: evidence names client and server" \
	"$(alerts smb1 SMB1_IN_USE 'map(.evidence | test("client 198\\.18\\.0\\.1 and server 198\\.18\\.1\\.10 negotiated SMB1"))')" '[true]'
eq "smb1: no SCAN, BRUTE, MS17 or DOUBLEPULSAR alert" \
	"$(jq -s -c '[.[].id | select(test("SMB_SCAN|SMB_BRUTE_FORCE|MS17|DOUBLEPULSAR"))]' "$WORK/smb1.jsonl")" '[]'

fi # scenario d
if want f; then # (body not indented: the blocks read as before)
# --- f. file copies over SMB 3.1.1 with large READ/WRITE frames -------------
"$LAB" add-share guest rw writable >/dev/null
SIZES=(100000 200000 300000 20971520)
for s in "${SIZES[@]}"; do head -c "$s" /dev/urandom >"$WORK/file$s"; done
do_copies() {
	local s
	: >"$WORK/copies.rc"
	for s in "${SIZES[@]}"; do
		# .14 maps an unknown user to guest: a real (non-anonymous) logon
		(cd "$WORK" && timeout 60 "$LAB" exec smbclient -m SMB3 //198.18.1.14/rw -U nosuch%x \
			-c "put file$s f$s; get f$s back$s") >>"$WORK/copies.out" 2>&1
		echo "$? $(cmp -s "$WORK/file$s" "$WORK/back$s" && echo same)" >>"$WORK/copies.rc"
	done
	# the positive control: an anonymous share listing of .12 alerts
	lab smbclient -m SMB3 -N -L //198.18.1.12 >>"$WORK/copies.out" 2>&1
	echo "$?" >>"$WORK/copies.rc"
}
capture copies do_copies
eq "copies: 4 x put + get over SMB3 exit 0 and bring the same bytes back, the control -L exits 0" \
	"$(tr '\n' ' ' <"$WORK/copies.rc")" "0 same 0 same 0 same 0 same 0 "
# what tshark sees: SMB2 messages by command, request/response and status
tshark -r "$WORK/copies.pcap" -T fields -e smb2.cmd -e smb2.flags.response -e smb2.nt_status \
	-e smb2.read_length -e smb2.write_length -e nbss.length 2>/dev/null | awk -F'\t' '
	{ nc = split($1, c, ","); split($2, r, ","); split($3, st, ",")
	  for (i = 1; i <= nc; i++) {
		resp = (r[i] == "1" || r[i] == "True")
		if (c[i] == 8 && !resp) reads++
		if (c[i] == 9 && !resp) writes++
		if (c[i] == 1 && resp && st[i] + 0 == 0 && st[i] != "") sessions++
	  }
	  n = split($4 "," $5, len, ",")
	  for (i = 1; i <= n; i++) if (len[i] + 0 > max) max = len[i] + 0
	  for (i = 1; i <= n; i++) if (len[i] + 0 > 131068 && len[i] + 0 <= 262140) inside++
	  n = split($6, nb, ",")
	  for (i = 1; i <= n; i++) if (nb[i] + 4 > 131072) over++ }
	END { printf "%d %d %d %d %d %d\n", reads, writes, sessions, max, inside, over }' >"$WORK/copies.tshark"
read -r ts_reads ts_writes ts_sessions ts_max ts_inside ts_over <"$WORK/copies.tshark"
"$SMBWATCH" sensor -r "$WORK/copies.pcap" --summary >"$WORK/copies.summary" 2>&1
sum_n() { awk -v k="$1" 'index($0, "  " k " ") == 1 { print $NF }' "$WORK/copies.summary"; }
if [ "$ts_max" -ge 1048576 ] && [ "$ts_max" -le 8388608 ] && [ "$ts_inside" -ge 2 ]; then
	ok "copies: the capture holds READ/WRITE frames inside 128-256 KiB ($ts_inside) and of 1-8 MiB (largest $ts_max)"
else
	not_ok "copies: the capture holds READ/WRITE frames inside 128-256 KiB and of 1-8 MiB" \
		"inside $ts_inside, largest $ts_max"
fi
# tshark is the reference only where it saw the whole stream: a segment the
# capture missed (tshark -B 128 on a busy machine; CI saw sensor 10, tshark 9
# frames, and once a SESSION_SETUP reply lost to both) hides a header from one
# or both. Exact on a whole capture; with holes, within one per hole, and said.
ts_lost=$(tshark -r "$WORK/copies.pcap" -Y 'tcp.analysis.lost_segment' -T fields -e frame.number 2>/dev/null | grep -c .)
[ "$ts_lost" -eq 0 ] || diag "copies: the capture missed $ts_lost segment(s) (tcp.analysis.lost_segment); counts below are within that many"
# like_tshark WHAT SENSOR TSHARK MIN: the sensor's count is tshark's (within
# the holes), and tshark saw at least MIN (fewer by the holes at most)
like_tshark() {
	local what=$1 got=$2 ref=$3 min=$4
	if [ "$ts_lost" -eq 0 ]; then
		eq "copies: every $what counted (tshark: $ref)" "$got/$([ "$ref" -ge "$min" ] && echo "$min+")" "$ref/$min+"
	elif [[ $got =~ ^[0-9]+$ ]] && [ "$got" -ge $((ref - ts_lost)) ] && [ "$got" -le $((ref + ts_lost)) ] &&
		[ "$ref" -ge $((min - ts_lost)) ]; then
		ok "copies: $what counted within the capture's $ts_lost hole(s) (sensor $got, tshark $ref, at least $min sent)"
	else
		not_ok "copies: $what counted within the capture's holes" \
			"sensor $got, tshark $ref, at least $min sent, lost segments $ts_lost"
	fi
}
# 4 guest logons + 1 anonymous; 4 gets and 4 puts at least
like_tshark "SESSION_SETUP success" "$(sum_n "sessions set up")" "$ts_sessions" 5
like_tshark "READ request" "$(sum_n "READ requests")" "$ts_reads" 4
like_tshark "WRITE request" "$(sum_n "WRITE requests")" "$ts_writes" 4
if grep -Eq '^  198\.18\.1\.14 +445 +4 +optional +3\.1\.1$' "$WORK/copies.summary"; then
	ok "copies: --summary: 4 flows to .14, SMB 3.1.1 negotiated"
else
	not_ok "copies: --summary: 4 flows to .14, SMB 3.1.1 negotiated" "$(grep 198.18.1.14 "$WORK/copies.summary")"
fi
like_tshark "NBSS frame over the 128 KiB buffer" "$(sum_n "frames over the buffer (body skipped)")" "$ts_over" 4
# nothing about the copies; the control's anonymous listing still alerts
eq "copies: alerts are only the control's (ANONYMOUS_IPC, NULL_SESSION_USED to .12)" \
	"$(jq -s -c '[.[] | [.id, .dst]] | unique' "$WORK/copies.jsonl")" \
	'[["ANONYMOUS_IPC","198.18.1.12"],["NULL_SESSION_USED","198.18.1.12"]]'

fi # scenario f
if want e; then # (body not indented: the blocks read as before)
# --- e. live capture: unanswered probes, then a quiet interface ------------
# SYNs to 8 silent addresses, then no packet at all: the probes count as
# unanswered only when their flows time out (30 s), which on a live
# interface must happen with time, not wait for the next packet.
LIVE_PID=
live_kill() { [ -n "$LIVE_PID" ] && kill -INT "$LIVE_PID" 2>/dev/null; wait "$LIVE_PID" 2>/dev/null; LIVE_PID=; }
at_exit live_kill
ip netns exec "$NS_SCAN" "$SMBWATCH" sensor -i "$VETH" --user nobody >"$WORK/live.jsonl" 2>"$WORK/live.err" &
LIVE_PID=$!
# the handle is open and the filter set once it runs as nobody
for _ in $(seq 300); do [ "$(ps -o user= -p "$LIVE_PID" 2>/dev/null)" = nobody ] && break; sleep 0.1; done
eq "live: runs as nobody once the interface is open" "$(ps -o user= -p "$LIVE_PID" 2>/dev/null)" nobody
lab "$SMBWATCH" scan --no-db --no-progress --checks none --retries 0 -p 445 198.18.1.100-107 \
	>/dev/null 2>&1
t1=$(date +%s)
# until the alert comes (flows time out at 30 s); 120 s only bound a hang
for _ in $(seq 1200); do grep -q SMB_SCAN "$WORK/live.jsonl" && break; kill -0 "$LIVE_PID" 2>/dev/null || break; sleep 0.1; done
t2=$(date +%s)
eq "live, quiet interface: SMB_SCAN for 8 unanswered probes from 198.18.0.1 ($((t2 - t1)) s after the probes)" \
	"$(jq -s -c '[.[] | select(.id == "SMB_SCAN") | [.src, .details.failed]]' "$WORK/live.jsonl")" '[["198.18.0.1",8]]'
# then a burst (the scan of scenario a, ~1,500 packets): decoded live as from
# the file (SMB_SCAN itself is de-duplicated per source for an hour)
lab "$SMBWATCH" scan --no-db --no-progress -p 139,445 198.18.1.0/24 >/dev/null 2>&1
# until both alerts are out (a loaded machine decodes slower); 60 s bound a hang
for _ in $(seq 600); do [ "$(grep -c SMB1_IN_USE "$WORK/live.jsonl")" -ge 2 ] && break; kill -0 "$LIVE_PID" 2>/dev/null || break; sleep 0.1; done
eq "live, a scan burst: SMB1_IN_USE for exactly .10 and .11" \
	"$(jq -s -c '[.[] | select(.id == "SMB1_IN_USE") | .dst] | unique' "$WORK/live.jsonl")" \
	'["198.18.1.10","198.18.1.11"]'
kill -INT "$LIVE_PID"
wait "$LIVE_PID"
eq "live: SIGINT ends the sensor, exit 0" "$?" 0
LIVE_PID=

fi # scenario e
# --- g. lateral movement (issue 23): impacket psexec/smbexec, admin shares --
# For this block only, .12 gets a Samba account (root, so Samba's service
# manager lets it in: its CreateServiceW is then refused with a fault, but
# the request is on the wire), a writable administrative share C$ (browseable,
# listed before "data", so psexec's search for a writable share picks it), a
# writable ordinary share "data", and no SMB3 encryption (impacket encrypts
# when the server offers it; the sensor cannot read encrypted sessions).
# smb.conf is restored at the end of the block.
#   g1. impacket psexec.py  -> ADMIN_SHARE_EXEC_WRITE (its service exe, MZ, to
#       C$), LATERAL_SERVICE_CREATE, then ADMIN_SHARE_EXEC_WRITE critical
#   g2. impacket smbexec.py -> LATERAL_SERVICE_CREATE "BTOBTO", no exec write
#   g3. smbclient put of an MZ file to C$ -> one ADMIN_SHARE_EXEC_WRITE (high)
#   g4. the same put to the ordinary share "data" -> none of these alerts
IMPACKET_EXAMPLES=${IMPACKET_EXAMPLES:-/usr/share/doc/python3-impacket/examples}
LAT_PW=Lab-Lateral-1
LAT_DIR=$(ls -d /tmp/smbwatch-lab-"$SMBW_LAB_PREFIX".*/smb2-unsigned 2>/dev/null | head -1)
LAT_IDS='LATERAL_SERVICE_CREATE|LATERAL_TASK_CREATE|REMOTE_REGISTRY_WRITE|REMOTE_SECRETS_DUMP|ADMIN_SHARE_EXEC_WRITE'
# lat_ids NAME: the lateral-movement alert ids of a capture, in order
lat_ids() { jq -s -c --arg re "$LAT_IDS" '[.[] | select(.id | test($re)) | [.id, .severity]]' "$WORK/$1.jsonl"; }
impacket() { lab timeout "$T" /usr/bin/python3 "$IMPACKET_EXAMPLES/$1" "root:$LAT_PW@198.18.1.12" "${@:2}"; }
if ! want g && ! want h; then
	: # neither lateral scenario asked for
elif [ -z "$LAT_DIR" ] || [ ! -f "$IMPACKET_EXAMPLES/psexec.py" ] ||
	! /usr/bin/python3 -c 'import impacket' 2>/dev/null; then
	not_ok "lateral: lab persona dir and impacket (python3-impacket, scripts/deps.sh)" \
		"dir '$LAT_DIR', examples in $IMPACKET_EXAMPLES"
else
	cp "$LAT_DIR/smb.conf" "$WORK/smb2-unsigned.conf"
	mkdir -p "$LAT_DIR/cdollar" "$LAT_DIR/data"
	chmod 777 "$LAT_DIR/cdollar" "$LAT_DIR/data"
	printf '\n[C$]\n   path = %s\n   read only = no\n\n[data]\n   path = %s\n   read only = no\n' \
		"$LAT_DIR/cdollar" "$LAT_DIR/data" >>"$LAT_DIR/smb.conf"
	printf '%s\n%s\n' "$LAT_PW" "$LAT_PW" | pdbedit -s "$LAT_DIR/smb.conf" -a -t -u root >/dev/null 2>&1
	"$LAB" reconfigure smb2-unsigned 'server smb encrypt = off' >/dev/null 2>&1 # HUPs smbd
	# a small PE-looking file: "MZ", then padding
	{ printf 'MZ\220\0'; head -c 4092 /dev/zero; } >"$WORK/tool.exe"

	if want g; then # (body not indented)

	do_psexec() { impacket psexec.py 'cmd.exe /c whoami' >"$WORK/lateral_psexec.out" 2>&1 </dev/null; }
	capture lateral_psexec do_psexec
	has "psexec: impacket uploaded its service binary to C\$ and asked for a service" \
		"$(cat "$WORK/lateral_psexec.out")" "Creating service"
	eq "psexec: exec write to C\$ (high), LATERAL_SERVICE_CREATE, exec write escalated (critical)" \
		"$(lat_ids lateral_psexec)" \
		'[["ADMIN_SHARE_EXEC_WRITE","high"],["LATERAL_SERVICE_CREATE","high"],["ADMIN_SHARE_EXEC_WRITE","critical"]]'
	eq "psexec: LATERAL_SERVICE_CREATE 198.18.0.1 -> 198.18.1.12, svcctl CreateServiceW (12), binary on C\$" \
		"$(alerts lateral_psexec LATERAL_SERVICE_CREATE 'map([.src, .dst, .details.interface, .details.opnum, (.details.service | length > 0), (.details.binary_path | test("C\\$"))])')" \
		'[["198.18.0.1","198.18.1.12","svcctl",12,true,true]]'
	eq "psexec: the file written is an .exe on C\$ with an MZ header" \
		"$(alerts lateral_psexec ADMIN_SHARE_EXEC_WRITE '.[0] | [(.details.file | test("^C\\$\\\\[A-Za-z]+\\.exe$")), .details.mz_header]')" \
		'[true,true]'

	do_smbexec() { impacket smbexec.py >"$WORK/lateral_smbexec.out" 2>&1 </dev/null; }
	capture lateral_smbexec do_smbexec
	eq "smbexec: exactly one LATERAL_SERVICE_CREATE, nothing else lateral" \
		"$(lat_ids lateral_smbexec)" '[["LATERAL_SERVICE_CREATE","high"]]'
	eq "smbexec: service BTOBTO whose binary is its execute.bat command line" \
		"$(alerts lateral_smbexec LATERAL_SERVICE_CREATE 'map([.details.service, (.details.binary_path | test("execute\\.bat"))])')" \
		'[["BTOBTO",true]]'

	do_put_admin() { lab smbclient -U "root%$LAT_PW" '//198.18.1.12/C$' -c "put $WORK/tool.exe tool.exe" >"$WORK/lateral_put_admin.out" 2>&1; echo $? >"$WORK/lateral_put_admin.rc"; }
	capture lateral_put_admin do_put_admin
	eq "put to C\$: smbclient exit 0, file there" \
		"$(cat "$WORK/lateral_put_admin.rc") $(cmp -s "$WORK/tool.exe" "$LAT_DIR/cdollar/tool.exe" && echo same)" "0 same"
	eq "put to C\$: exactly one ADMIN_SHARE_EXEC_WRITE (high), C\$\\tool.exe, MZ" \
		"$(alerts lateral_put_admin ADMIN_SHARE_EXEC_WRITE 'map([.severity, .details.file, .details.mz_header])')" \
		'[["high","C$\\tool.exe",true]]'
	eq "put to C\$: nothing else lateral" "$(lat_ids lateral_put_admin)" '[["ADMIN_SHARE_EXEC_WRITE","high"]]'

	do_put_data() { lab smbclient -U "root%$LAT_PW" //198.18.1.12/data -c "put $WORK/tool.exe tool.exe" >"$WORK/lateral_put_data.out" 2>&1; echo $? >"$WORK/lateral_put_data.rc"; }
	capture lateral_put_data do_put_data
	eq "put to data: smbclient exit 0, file there" \
		"$(cat "$WORK/lateral_put_data.rc") $(cmp -s "$WORK/tool.exe" "$LAT_DIR/data/tool.exe" && echo same)" "0 same"
	eq "put to data (ordinary share): no lateral-movement alert" "$(lat_ids lateral_put_data)" '[]'
	fi # scenario g

	# --- h. remote registry over \winreg: impacket reg.py ---------------------
	# Samba serves winreg from its own registry.tdb: it may refuse a write or
	# a save; the request on the wire is what the sensor must see. Before
	# winreg, reg.py asks svcctl about RemoteRegistry (OpenSCManagerW,
	# OpenServiceW): that is no service creation.
	if want h; then # (body not indented)
	reg() { impacket reg.py "$@" >"$WORK/reg_$1.out" 2>&1 </dev/null; echo $? >"$WORK/reg_$1.rc"; }
	do_reg_add() { reg add -keyName 'HKLM\SOFTWARE' -v SmbwatchLabRun -vt REG_SZ -vd 'C:\Windows\Temp\x.exe'; }
	capture registry_add do_reg_add
	has "reg add: reg.py reached winreg and sent BaseRegSetValue" "$(cat "$WORK/reg_add.out")" "SmbwatchLabRun"
	eq "reg add: exactly one REMOTE_REGISTRY_WRITE (medium), 198.18.0.1 -> 198.18.1.12, winreg BaseRegSetValue (22), value SmbwatchLabRun in key SOFTWARE; nothing else lateral" \
		"$(lat_ids registry_add) $(alerts registry_add REMOTE_REGISTRY_WRITE 'map([.src, .dst, .details.interface, .details.opnum, .details.value, .details.key])')" \
		'[["REMOTE_REGISTRY_WRITE","medium"]] [["198.18.0.1","198.18.1.12","winreg",22,"SmbwatchLabRun","SOFTWARE"]]'

	do_reg_backup() { reg backup -o '\\198.18.0.1\share'; }
	capture registry_backup do_reg_backup
	# Samba has no SAM or SECURITY key (BaseRegOpenKey fails, so no save is
	# asked for them); SYSTEM opens, and its BaseRegSaveKey is sent (and
	# refused: ERROR_BAD_PATHNAME)
	has "reg backup: reg.py asked to save HKLM\\SYSTEM" "$(cat "$WORK/reg_backup.out")" "save HKLM\\SYSTEM: RRP SessionError"
	eq "reg backup: exactly one REMOTE_SECRETS_DUMP (critical), 198.18.0.1, winreg BaseRegSaveKey (20) of SYSTEM to its UNC path; nothing else lateral" \
		"$(lat_ids registry_backup) $(alerts registry_backup REMOTE_SECRETS_DUMP 'map([.src, .details.interface, .details.opnum, .details.key, .details.file])')" \
		'[["REMOTE_SECRETS_DUMP","critical"]] [["198.18.0.1","winreg",20,"SYSTEM","\\\\198.18.0.1\\share\\SYSTEM.save"]]'

	# secretsdump.py itself is not run: its remote-registry path reads the
	# boot key from SYSTEM\CurrentControlSet\Control\Lsa\JD (and Skew1, GBG,
	# Data) before any save, Samba has no such key ("RemoteOperations failed:
	# ERROR_FILE_NOT_FOUND"), and no BaseRegSaveKey reaches the wire (tshark:
	# 0), so it could only show "no alert". reg.py backup above sends the
	# same BaseRegOpenKey + BaseRegSaveKey pair for the hives that exist.

	do_reg_query() { reg query -keyName 'HKLM\SOFTWARE'; }
	capture registry_query do_reg_query
	has "reg query: reg.py listed HKLM\\SOFTWARE (read only)" "$(cat "$WORK/reg_query.out")" 'HKLM\SOFTWARE'
	# the capture line above asserts the sensor's exit 0; add and backup
	# above are the positive controls
	eq "reg query (control): no lateral-movement alert" "$(lat_ids registry_query)" '[]'
	fi # scenario h

	cp "$WORK/smb2-unsigned.conf" "$LAT_DIR/smb.conf"
	kill -HUP "$(cat "$LAT_DIR/pid/smbd.pid")" 2>/dev/null
fi

echo "# scenarios took $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
finish
