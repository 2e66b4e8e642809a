#!/usr/bin/env bash
# Issue 22's lab test: every vantage point of the Samba lab in one store.
#  - an internal scanner (the lab's scanner namespace) and an "external" one
#    behind a namespace router whose nftables rules let it reach only .13
#    and .14 on 445 (tests/lab/lab.sh, SMBW_LAB_ROUTER=1);
#  - one sensor on the lab bridge (`sensor -i PREFIX-br --db`, live, in the
#    hosts namespace) writing to the same SQLite store;
#  - a client namespace on the bridge: an `smbclient -m NT1` loop to
#    smb1-only (.11, SMB1 used) and to signing-off (.40, SMB1 used, never
#    scanned: SCAN_GAP), an SMB2 loop to smb1-and-2 (.10: SMB1 enabled,
#    unused), anonymous share listings of .12 (scanned: NULL_SESSION) and
#    .40 (not scanned: the control of the escalation);
#  - a policy file with every section kind and every key.
# Asserts: what the outside reaches; each POLICY_VIOLATION, exactly, derived
# from the personas' measured truth (lab.sh truth, tests/lab/README.md), its
# absence on the compliant host (.13) beside the same rules firing elsewhere;
# the SMB1 used/unused verdicts and SCAN_GAP (smb1-usage); the escalated
# NULL_SESSION_USED and its unescalated control; the exposure table. Prints
# TAP.   SMBWATCH=path/to/smbwatch tests/integration/test_exposure_lab.sh
# (exposure and smb1-usage output kept in build/test-artifacts/exposurelab-BUILD/)
set -uo pipefail # no -e: a failed assertion must not stop the test
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwv$$}
export SMBW_LAB_ROUTER=1  # the router, the outside, the client, the bridge
export SMBW_LAB_SURFACE=1 # signing-off (.40): an SMB1 server no scan targets

need_root "needs root (network namespaces, nftables, smbd)"
need_tools jq ip nft smbd smbclient timeout sqlite3
need_smbwatch
work_dir exposurelab
chmod 755 "$WORK"
SENSOR_PID=
sensor_stop() { [ -n "$SENSOR_PID" ] && kill -INT "$SENSOR_PID" 2>/dev/null; wait "$SENSOR_PID" 2>/dev/null; SENSOR_PID=; }
at_exit sensor_stop
sanitizer() { grep -cE 'Sanitizer|runtime error' "$@" | awk -F: '{s += $NF} END {print s + 0}'; }
DB=$WORK/db/smbwatch.db
mkdir -p "$WORK/db"
sq() { sqlite3 -batch "$DB" "$1"; }
TARGETS=198.18.1.10-16 # the scans' targets: .40 is not among them
PORTS=139,445,8445

# Every section kind ([external], [segment NAME], [default]) and every key
# (smb, smb1, signing, null_session, guest, anonymous_shares).
POLICY=$WORK/policy.ini
cat >"$POLICY" <<'EOF'
# nothing at all from outside
[external]
smb = deny
# the guest persona stands for the guest network: no SMB may answer there
[segment guest]
cidr = 198.18.1.14/32
smb = deny
; the one place SMBv1 may still live: smb1-only
[segment legacy]
cidr = 198.18.1.11/32
smb1 = allow
[default]
smb1 = deny
signing = required
null_session = deny
guest = deny
anonymous_shares = deny
EOF
eq "policy check: the lab's policy is clean" "$("$SMBWATCH" policy check "$POLICY")" \
	"$POLICY: ok (4 sections, 2 segments)"

lab_up
ok "lab up (router, outside, client, bridge)"

# scan NS VIEW OUT: a scan of the targets from the namespace NS (exec: the
# internal scanner, ext: behind the router) into the store
scan() {
	timeout 180 "$LAB" "$1" "$SMBWATCH" scan --db "$DB" --view "$2" --policy "$POLICY" \
		--no-progress --format jsonl -p "$PORTS" "$TARGETS" >"$WORK/$3.jsonl" 2>"$WORK/$3.err"
}
# services OUT: "ip:port" of every record, sorted, ';'-joined
services() { jq -r '"\(.ip):\(.port)"' "$WORK/$1.jsonl" | sort -V | tr '\n' ';'; }
# violations OUT: "ip rule severity" per POLICY_VIOLATION, sorted
violations() {
	jq -r '. as $r | .findings[] | select(.id == "POLICY_VIOLATION") |
		"\($r.ip) \(.rule) \(.severity)"' "$WORK/$1.jsonl" | sort -V
}

# --- the internal scan (run 1) ------------------------------------------------
scan exec internal int
eq "internal scan (run 1): exit 0" "$?" 0
eq "internal scan: every SMB persona of the targets" "$(services int)" \
	"198.18.1.10:445;198.18.1.11:445;198.18.1.12:445;198.18.1.13:445;198.18.1.14:445;198.18.1.15:8445;198.18.1.16:139;"
# The expected violations, from the personas' truth: .10 and .11 have SMB1
# (.11 in [segment legacy], where smb1 = allow); every persona but .13 signs
# optionally, lets a null session reach IPC$ and lists a guest-readable
# share; only .14 maps unknown users to guest, and .14 is [segment guest],
# where smb = deny. .13 (SMB 3.1.1 only, signing mandatory, restrict
# anonymous = 2) breaks nothing.
want_int=""
for h in 10:445 11:445 12:445 14:445 15:8445 16:139; do
	ip=198.18.1.${h%%:*}
	want_int+="$ip [default] anonymous_shares = deny high"$'\n'
	want_int+="$ip [default] null_session = deny high"$'\n'
	want_int+="$ip [default] signing = required medium"$'\n'
	[ "$ip" = 198.18.1.10 ] && want_int+="$ip [default] smb1 = deny high"$'\n'
	[ "$ip" = 198.18.1.14 ] && want_int+="$ip [default] guest = deny medium"$'\n'$ip' [segment guest] smb = deny high'$'\n'
done
eq "internal: each POLICY_VIOLATION, exactly (rule and severity)" \
	"$(violations int)" "$(sort -V <<<"${want_int%$'\n'}")"
eq "internal: the compliant host (.13) has none, while the same rules fire on .12 (control)" \
	"$(jq -r 'select(.ip == "198.18.1.13" or .ip == "198.18.1.12") | "\(.ip) \([.findings[] | select(.id == "POLICY_VIOLATION")] | length)"' "$WORK/int.jsonl" | sort | tr '\n' ';')" \
	"198.18.1.12 3;198.18.1.13 0;"
eq "internal: smb1 = allow in [segment legacy]: .11 has SMB1_ENABLED and no smb1 violation; .10 has both" \
	"$(jq -r 'select(.smb1.enabled == true) | "\(.ip) \([.findings[].id] | index("SMB1_ENABLED") != null) \([.findings[] | select(.rule == "[default] smb1 = deny")] | length)"' "$WORK/int.jsonl" | sort | tr '\n' ';')" \
	"198.18.1.10 true 1;198.18.1.11 true 0;"
eq "internal: a violation names the policy line and the evidence" \
	"$(jq -r 'select(.ip == "198.18.1.14") | .findings[] | select(.rule == "[segment guest] smb = deny") | "\(.policy) | \(.evidence)"' "$WORK/int.jsonl")" \
	"$POLICY:7 | [segment guest] smb = deny ($POLICY:7, view internal): SMB answered on 198.18.1.14 port 445"

# --- the external scan (run 2), through the router ---------------------------
scan ext external ext
eq "external scan (run 2): exit 0" "$?" 0
eq "external: the router lets only .13 and .14 through (445)" "$(services ext)" \
	"198.18.1.13:445;198.18.1.14:445;"
has "external: the rest is filtered, not closed (nftables drops it)" "$(cat "$WORK/ext.err")" \
	"Targets: 21 tried: 2 open, 0 closed, 19 filtered, 0 errors"
has "external: [external] smb = deny is a failed check" "$(cat "$WORK/ext.err")" \
	"policy check [external] smb = deny ($POLICY:3) from view external: failed: 2 SMB services answered (POLICY_VIOLATION)"
# from outside every violation is critical; [external] decides smb for .14
# (the vantage before its segment), the other keys fall through to [default]
eq "external: each POLICY_VIOLATION, exactly, all critical" "$(violations ext)" \
	"$(sort -V <<-EOF
	198.18.1.13 [external] smb = deny critical
	198.18.1.14 [external] smb = deny critical
	198.18.1.14 [default] anonymous_shares = deny critical
	198.18.1.14 [default] guest = deny critical
	198.18.1.14 [default] null_session = deny critical
	198.18.1.14 [default] signing = required critical
	EOF
	)"
eq "external: SMB_EXPOSED_PUBLIC (critical) on both, from the first run that saw them" \
	"$(jq -r '.ip + " " + (.findings[] | select(.id == "SMB_EXPOSED_PUBLIC") | .severity)' "$WORK/ext.jsonl" | sort | tr '\n' ';')" \
	"198.18.1.13 critical;198.18.1.14 critical;"
eq "internal: no SMB_EXPOSED_PUBLIC on the same hosts (control)" \
	"$(jq -r '.findings[] | select(.id == "SMB_EXPOSED_PUBLIC") | .id' "$WORK/int.jsonl" | wc -l)" 0
eq "both scans: no sanitizer report" "$(sanitizer "$WORK/int.err" "$WORK/ext.err")" 0

# --- the sensor on the lab bridge ------------------------------------------
# started after the internal scan, so its cache of open findings (for the
# escalation) holds run 1 from the start; it runs as nobody once the
# interface is open (the store was opened before)
BRIDGE=$SMBW_LAB_PREFIX-br
"$LAB" hosts "$SMBWATCH" sensor -i "$BRIDGE" --db "$DB" >"$WORK/sensor.jsonl" 2>"$WORK/sensor.err" &
SENSOR_PID=$!
for _ in $(seq 300); do
	[ "$(ps -o user= -p "$SENSOR_PID" 2>/dev/null)" = nobody ] && break
	kill -0 "$SENSOR_PID" 2>/dev/null || break
	sleep 0.1
done
eq "sensor: live on $BRIDGE with --db, as nobody once the interface is open" \
	"$(ps -o user= -p "$SENSOR_PID" 2>/dev/null)" nobody

# the client: three rounds of SMB1 (smbclient -m NT1) to .11 and .40, and
# of SMB2 to .10, then the anonymous listings of .12 and .40
cli_ok=0
for _ in 1 2 3; do
	for h in 11 40; do
		timeout 60 "$LAB" client smbclient -N -m NT1 --option='client min protocol=NT1' \
			"//198.18.1.$h/public" -c ls >>"$WORK/client.log" 2>&1 && cli_ok=$((cli_ok + 1))
	done
	timeout 60 "$LAB" client smbclient -N "//198.18.1.10/public" -c ls >>"$WORK/client.log" 2>&1 &&
		cli_ok=$((cli_ok + 1))
done
for h in 12 40; do
	timeout 60 "$LAB" client smbclient -N -L "//198.18.1.$h" >>"$WORK/client.log" 2>&1 && cli_ok=$((cli_ok + 1))
done
eq "client: every smbclient session succeeded (9 share listings, 2 share lists)" "$cli_ok" 11
# until the last alerts are out (60 s only bounds a hang)
for _ in $(seq 600); do
	[ "$(jq -s '[.[] | select(.id == "NULL_SESSION_USED")] | length' "$WORK/sensor.jsonl" 2>/dev/null)" -ge 2 ] && break
	sleep 0.1
done
kill -INT "$SENSOR_PID"
wait "$SENSOR_PID"
eq "sensor: SIGINT ends it, exit 0, no sanitizer report" "$? $(sanitizer "$WORK/sensor.err")" "0 0"
SENSOR_PID=
eq "sensor: every alert it printed is in the store" \
	"$(sq 'SELECT COUNT(*) FROM sensor_alerts')" "$(wc -l <"$WORK/sensor.jsonl")"

# --- the escalated alert ----------------------------------------------------
# NULL_SESSION_USED (medium) against .12, which run 1 found with NULL_SESSION:
# high, naming the finding and its run; against .40 (never scanned) it stays
# medium (the control: the same alert, no finding to meet)
eq "escalation: NULL_SESSION_USED to .12 is high and names NULL_SESSION of run 1 (view internal); to .40 medium, not escalated" \
	"$(jq -r 'select(.id == "NULL_SESSION_USED") | "\(.dst) \(.severity) \(.escalation.finding // "-") \(.escalation.run // "-") \(.escalation.view // "-") \(.escalation.severity_before // "-")"' "$WORK/sensor.jsonl" | sort | tr '\n' ';')" \
	"198.18.1.12 high NULL_SESSION 1 internal medium;198.18.1.40 medium - - - -;"
has "escalation: the evidence names both pieces" \
	"$(jq -r 'select(.id == "NULL_SESSION_USED" and .dst == "198.18.1.12") | .evidence' "$WORK/sensor.jsonl")" \
	"escalated: null-session enumeration of a host the scan found accepting null sessions: the scan found NULL_SESSION (high) on 198.18.1.12:445 in run 1 (view internal, "
eq "escalation: stored as printed" \
	"$(sq "SELECT json_extract(alert, '\$.severity') || ' ' || json_extract(alert, '\$.escalation.finding') FROM sensor_alerts WHERE kind = 'NULL_SESSION_USED' AND alert LIKE '%198.18.1.12%'")" \
	"high NULL_SESSION"

# --- SMB1 used / unused, SCAN_GAP (smb1-usage) --------------------------------
"$SMBWATCH" smb1-usage --db "$DB" --format json >"$WORK/usage.json" 2>"$WORK/usage.err"
eq "smb1-usage: exit 0" "$?" 0
eq "smb1-usage: .10 unused (only SMB2 seen), .11 used by the client, 3 NT1 negotiations" \
	"$(jq -r '.servers[] | "\(.ip):\(.port) \(.verdict) \([.clients[] | "\(.client) \(.dialect) \(.negotiations)"] | join(","))"' "$WORK/usage.json" | tr '\n' ';')" \
	"198.18.1.10:445 unused ;198.18.1.11:445 used 198.18.2.10 NT LANMAN 1.0 3;"
eq "smb1-usage: SCAN_GAP is .40 (SMB1 on the wire, outside the scan targets), not the scanned .11" \
	"$(jq -r '.scan_gaps[] | "\(.ip):\(.port) \(.clients)"' "$WORK/usage.json" | tr '\n' ';')" \
	"198.18.1.40:445 1;"
"$SMBWATCH" smb1-usage --db "$DB" >"$WORK/usage.txt" 2>>"$WORK/usage.err"
has "smb1-usage text: used by whom" "$(cat "$WORK/usage.txt")" \
	"198.18.1.11:445          used         SMB1 enabled and used by 198.18.2.10 (last seen"
# the sensor ran for seconds: "unused" must not claim more than that
has "smb1-usage text: unused after seconds of coverage says so, and not 'safe to disable'" "$(cat "$WORK/usage.txt")" \
	"198.18.1.10:445          unused       SMB1 enabled, no SMB1 use seen in less than a day of sensor coverage (window 30 days): too little to call it safe to disable"
has "smb1-usage text: the scan gap" "$(cat "$WORK/usage.txt")" \
	"198.18.1.40:445          1 SMBv1 clients, last"

# --- the exposure table ---------------------------------------------------------
"$SMBWATCH" exposure --db "$DB" --format json >"$WORK/exp.json" 2>"$WORK/exp.err"
eq "exposure --format json: exit 0, no sanitizer report" "$? $(sanitizer "$WORK/exp.err" "$WORK/usage.err")" "0 0"
"$SMBWATCH" exposure --db "$DB" >"$WORK/exp.txt" 2>>"$WORK/exp.err"
eq "exposure (text): exit 0" "$?" 0
# worst per record (scan) or per destination (sensor): rank, then id order
RANK='def rank: {"critical":4,"high":3,"medium":2,"low":1,"info":0}[.] // 0;'
w_int=$(jq -r "$RANK"' "\(.ip) " + ([.findings[] | {id, severity, r: (.severity | rank)}] | sort_by(-.r, .id) | first | "\(.id)(\(.severity))")' "$WORK/int.jsonl")
w_ext=$(jq -r "$RANK"' "\(.ip) " + ([.findings[] | {id, severity, r: (.severity | rank)}] | sort_by(-.r, .id) | first | "\(.id)(\(.severity))")' "$WORK/ext.jsonl")
w_sen=$(jq -s -r "$RANK"' map(select(.dst != null)) | group_by(.dst)[] | "\(.[0].dst) " + (map({id, severity, r: (.severity | rank)}) | sort_by(-.r, .id) | first | "\(.id)(\(.severity))")' "$WORK/sensor.jsonl")
want=""
for ip in 10 11 12 13 14 15 16 40; do
	a=198.18.1.$ip
	port=$(jq -r --arg a "$a" 'select(.ip == $a) | .port' "$WORK/int.jsonl")
	[ -n "$port" ] && want+="$a internal 1 $port $(grep "^$a " <<<"$w_int" | cut -d' ' -f2)"$'\n'
	case $ip in 13 | 14) want+="$a external 2 445 $(grep "^$a " <<<"$w_ext" | cut -d' ' -f2)"$'\n' ;; esac
	case $ip in 10 | 11 | 12 | 40) want+="$a sensor null 445 $(grep "^$a " <<<"$w_sen" | cut -d' ' -f2)"$'\n' ;; esac
done
eq "exposure: the rows (host, view, first run, ports, worst): internal for every scanned persona, external for .13/.14 only, the sensor for what the client talked to" \
	"$(jq -r '.hosts[] | .ip as $ip | .views[] | "\($ip) \(.view) \(.first_run) \(.ports | map(tostring) | join(",")) \(if .worst then "\(.worst.id)(\(.worst.severity))" else "none" end)"' "$WORK/exp.json")" \
	"${want%$'\n'}"
eq "exposure: the worst from outside is critical; .13 informational inside" \
	"$(printf '%s\n%s\n' "$w_int" "$w_ext" | grep '^198.18.1.13 ')" "198.18.1.13 SMB_EXPOSED(info)"$'\n'"198.18.1.13 POLICY_VIOLATION(critical)"
eq "exposure: seen from outside: .13 and .14 only" \
	"$(jq -r '[.hosts[] | select(.external) | .ip] | join(" ")' "$WORK/exp.json")" "198.18.1.13 198.18.1.14"
eq "exposure: .40 is known only from the wire (the scan gap)" \
	"$(jq -r '.hosts[] | select(.ip == "198.18.1.40") | [.views[].view] | join(",")' "$WORK/exp.json")" sensor
has "exposure text: the header counts the hosts" "$(head -1 "$WORK/exp.txt")" "Exposure: 8 hosts"
has "exposure text: .14 seen from outside" "$(cat "$WORK/exp.txt")" "198.18.1.14  ports 445  SEEN FROM OUTSIDE"
# the positive control of the short-coverage text: the same store once the
# sensor's first sightings are 10 days old (timestamps this test sets)
sq "UPDATE sensor_servers SET first_seen = first_seen - 10 * 86400"
"$SMBWATCH" smb1-usage --db "$DB" >"$WORK/usage10.txt" 2>>"$WORK/usage.err"
has "smb1-usage text: after 10 days of coverage, unused is safe to disable (control)" "$(cat "$WORK/usage10.txt")" \
	"198.18.1.10:445          unused       SMB1 enabled, no SMB1 use seen in 10 days of sensor coverage (window 30 days): safe to disable"
has "smb1-usage text: ... and .11 is still used" "$(cat "$WORK/usage10.txt")" \
	"198.18.1.11:445          used         SMB1 enabled and used by 198.18.2.10 (last seen"
# the README's first screen shows this output (kept for it, timestamps vary)
art=${SMBW_ARTIFACTS:-$ROOT/build/test-artifacts}/exposurelab-$(basename "$(dirname "$SMBWATCH")")
mkdir -p "$art" && cp "$WORK/exp.txt" "$art/exposure-lab.txt" && cp "$WORK/usage.txt" "$art/smb1-usage-lab.txt"
diag "exposure and smb1-usage output: $art/exposure-lab.txt, $art/smb1-usage-lab.txt"
finish
