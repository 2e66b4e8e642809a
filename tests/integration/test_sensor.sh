#!/usr/bin/env bash
# smbwatch sensor as a command: JSON Lines shape, -o, --summary, and clear
# errors (no crash) on truncated, corrupt and missing captures, and large
# SMB frames (issue 23: one 128-256 KiB frame crashed the sensor). Reads the
# real captures vendored in tests/data/pcaps (README.md there: provenance)
# and captures generated here by tests/lib/gen_frames_pcap.py (python3); a
# missing one, or a missing python3, fails the test. TAP output.
set -u
cd "$(dirname "$0")/../.."
SMBWATCH=${SMBWATCH:-build/smbwatch}
PCAPS=${SMBW_PCAPS:-$(pwd)/tests/data/pcaps}
n=0
fail=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# every capture read below is there: without it each case below would test
# an empty input (and "no alert" would pass)
for f in eternalblue-success-unpatched-win7 internet-445-syn-scan wannacry doublepulsar-backdoor-connect-win7; do
	[ -s "$PCAPS/$f.pcap" ]
	t $? "vendored capture $f.pcap is there"
done

out=$("$SMBWATCH" sensor -r "$PCAPS/eternalblue-success-unpatched-win7.pcap")
t $? "sensor -r exits 0"
echo "$out" | jq -e -s 'length > 0 and all(.[]; .type == "alert" and (.id|type) == "string" and
	(.severity|type) == "string" and (.ts|test("^[0-9-]+T[0-9:.]+Z$")) and (.src|type) == "string"
	and has("dst") and (.evidence|length) > 0 and (.remediation|length) > 0)' >/dev/null
t $? "every line is an alert object with type, id, severity, ts, src, dst, evidence, remediation"
[ "$(echo "$out" | jq -r 'select(.id=="MS17_010_EXPLOIT") | .id' | wc -l)" = 1 ]
t $? "one MS17_010_EXPLOIT for one attack (not one per packet)"

"$SMBWATCH" sensor -r "$PCAPS/internet-445-syn-scan.pcap" -o "$tmp/a.jsonl" >"$tmp/stdout"
t $? "sensor -o FILE exits 0"
[ ! -s "$tmp/stdout" ] && [ "$(jq -r .id "$tmp/a.jsonl")" = SMB_SCAN ]
t $? "-o writes the alerts to the file, not stdout"
# the same capture, the default thresholds (9 hosts >= 5): SMB_SCAN (the
# positive control just above); raised to 10: a clean run with no alert
"$SMBWATCH" sensor -r "$PCAPS/internet-445-syn-scan.pcap" --scan-failed 10 --scan-hosts 10 >"$tmp/b"
rc=$?
[ "$rc" = 0 ] && [ ! -s "$tmp/b" ] && [ "$(jq -r .id "$tmp/a.jsonl" 2>/dev/null)" = SMB_SCAN ]
t $? "scan thresholds are configurable (9 hosts < 10: exit 0, no alert; SMB_SCAN at the defaults) (exit $rc)"

"$SMBWATCH" sensor -r "$PCAPS/wannacry.pcap" --summary >"$tmp/sum"
[ $? = 0 ] && grep -q "^SMB hosts seen" "$tmp/sum" && grep -q "^SMB1 talkers" "$tmp/sum" &&
	grep -q "^Top sources of failed logons" "$tmp/sum" && grep -q "NT LM 0.12" "$tmp/sum"
t $? "--summary prints hosts, dialects, SMB1 talkers, failed logons"

# truncated: cut a capture mid-record
# (the whole capture reads cleanly: the --summary case above)
head -c 20000 "$PCAPS/wannacry.pcap" >"$tmp/cut.pcap"
"$SMBWATCH" sensor -r "$tmp/cut.pcap" >"$tmp/o" 2>"$tmp/e"
rc=$?
[ "$(stat -c %s "$tmp/cut.pcap")" = 20000 ] && [ "$rc" = 3 ] && grep -qi "truncated" "$tmp/e"
t $? "truncated capture: exit 3 and a clear 'truncated' message (got $rc: $(head -c 200 "$tmp/e"))"
# corrupt: random bytes after a valid global header, and garbage alone
head -c 24 "$PCAPS/wannacry.pcap" >"$tmp/bad.pcap"
head -c 5000 /dev/urandom >>"$tmp/bad.pcap"
"$SMBWATCH" sensor -r "$tmp/bad.pcap" >/dev/null 2>"$tmp/e"
rc=$?
[ "$(stat -c %s "$tmp/bad.pcap")" = 5024 ] && { [ "$rc" = 0 ] || [ "$rc" = 3 ]; }
t $? "corrupt records: no crash (exit $rc)"
head -c 3000 /dev/urandom >"$tmp/junk.pcap"
"$SMBWATCH" sensor -r "$tmp/junk.pcap" >/dev/null 2>"$tmp/e"
rc=$?
[ "$rc" = 3 ] && grep -q "cannot read capture" "$tmp/e"
t $? "not a capture: exit 3 with 'cannot read capture'"
"$SMBWATCH" sensor -r "$tmp/none.pcap" >/dev/null 2>"$tmp/e"
[ $? = 3 ] && [ "$(wc -l <"$tmp/e")" = 1 ]
t $? "missing file: exit 3, one-line error"
"$SMBWATCH" sensor >/dev/null 2>&1
[ $? = 2 ]
t $? "no source: usage error (exit 2)"
"$SMBWATCH" sensor -i lo --bpf "tcp port" >/dev/null 2>"$tmp/e"
rc=$?
[ "$rc" = 2 ] || [ "$rc" = 3 ]
t $? "bad BPF filter: clean error (exit $rc)"
# alerts through the monitor's sinks: file and exec get exactly what stdout gets
"$SMBWATCH" sensor -r "$PCAPS/doublepulsar-backdoor-connect-win7.pcap" >"$tmp/std.jsonl" 2>/dev/null
rc1=$?
"$SMBWATCH" sensor -r "$PCAPS/doublepulsar-backdoor-connect-win7.pcap" --sink "file:$tmp/sink.jsonl" \
	--sink "exec:cat >>$tmp/exec.jsonl" >/dev/null 2>&1
rc2=$?
a=$(jq -c '[.id,.src,.dst]' "$tmp/std.jsonl" | sort | tr '\n' ' ')
b=$(jq -c '[.id,.src,.dst]' "$tmp/sink.jsonl" 2>/dev/null | sort | tr '\n' ' ')
c=$(jq -c '[.id,.src,.dst]' "$tmp/exec.jsonl" 2>/dev/null | sort | tr '\n' ' ')
[ "$rc1" = 0 ] && [ "$rc2" = 0 ] && [ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$c" ]
t $? "--sink file: and exec: deliver the same alerts as stdout (exit $rc1, $rc2)"
grep -q '"DOUBLEPULSAR"' "$tmp/sink.jsonl"
t $? "the DoublePulsar alert reaches the file sink"
# syslog:SOCKET: RFC 3164 datagrams to a socket this test listens on
# (the receiver reads until the sender is done and the socket is drained:
# told by a stop file, not by a silence of N seconds a loaded machine
# outlasts; 300 s only bound a hang)
python3 - "$tmp/log.sock" "$tmp/syslog.txt" "$tmp/stop" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.2)
end = time.monotonic() + 300
with open(sys.argv[2], "w") as out:
    while time.monotonic() < end:
        try:
            out.write(s.recv(65536).decode() + "\n")
            out.flush()
        except socket.timeout:
            if os.path.exists(sys.argv[3]):
                break
PY
rcv=$!
for _ in $(seq 300); do [ -S "$tmp/log.sock" ] && break; sleep 0.1; done # until it listens (30 s: a hang bound)
"$SMBWATCH" sensor -r "$PCAPS/doublepulsar-backdoor-connect-win7.pcap" --sink "syslog:$tmp/log.sock" \
	>/dev/null 2>&1
rc1=$?
touch "$tmp/stop"
wait "$rcv"
n_sys=$(grep -c '^<28>smbwatch\[[0-9]*\]: {"type":"alert"' "$tmp/syslog.txt" 2>/dev/null)
n_std=$(wc -l <"$tmp/std.jsonl")
[ "$rc1" = 0 ] && [ "$n_sys" = "$n_std" ] && grep -q '"DOUBLEPULSAR"' "$tmp/syslog.txt"
t $? "--sink syslog:SOCKET: one RFC 3164 message per alert ($n_sys of $n_std)"
"$SMBWATCH" sensor -r "$PCAPS/doublepulsar-backdoor-connect-win7.pcap" --sink nowhere >/dev/null 2>"$tmp/e"
[ $? = 2 ] && grep -q "bad sink" "$tmp/e"
t $? "unknown sink: usage error naming it"

# --- large frames (issue 23, defect 1) -------------------------------------
# One connection per capture, 1,448-byte segments: a WRITE request and a READ
# response each declaring BODY bytes, then a NEGOTIATE each way (the server
# chooses 0x02FF). Bodies around the 128 KiB buffer (frame = 4 + body) and
# well beyond it; every one must exit 0 and still see the NEGOTIATEs behind.
GEN=tests/lib/gen_frames_pcap.py
if ! command -v python3 >/dev/null 2>&1 || [ ! -r "$GEN" ]; then
	t 1 "python3 and $GEN are needed to generate the large-frame captures"
else
	for body in 0 65536 131067 131068 131069 131077 200000 262144 262145 1048576 8388608; do
		python3 "$GEN" "$tmp/f$body.pcap" "$body"
		"$SMBWATCH" sensor -r "$tmp/f$body.pcap" --summary >"$tmp/f.out" 2>"$tmp/f.err"
		rc=$?
		big=0
		[ $((body + 4)) -gt 131072 ] && big=2
		writes=1
		[ "$body" -lt 112 ] && writes=0
		grep -Eq '^  198\.18\.1\.12 +445 +1 +optional +2\.x \(multi-protocol\)$' "$tmp/f.out" &&
			grep -Eq "^  WRITE requests +$writes\$" "$tmp/f.out" &&
			grep -Eq "^  frames over the buffer \(body skipped\) +$big\$" "$tmp/f.out" &&
			grep -Eq '^Alerts \(0\)$' "$tmp/f.out"
		t $((rc + $?)) "frame body $body: exit 0 (got $rc), NEGOTIATEs behind it decoded, $writes WRITE counted, $big frames over the buffer, no alert"
	done
	# the issue's reproduction: SYN, SYN-ACK, 200,000 bytes of 00 03 0d 40 FE 'SMB' 00...
	python3 "$GEN" "$tmp/raw.pcap" 200000 --raw --seg 1400
	"$SMBWATCH" sensor -r "$tmp/raw.pcap" >"$tmp/raw.jsonl" 2>"$tmp/f.err"
	rc=$?
	[ "$rc" = 0 ] && [ "$(jq -r .id "$tmp/raw.jsonl")" = MS17_010_EXPLOIT ]
	t $? "issue 23 reproduction (200,000 bytes behind 00 03 0d 40 FE 'SMB'): exit 0 (got $rc), seen as grooming"
fi

# --- summary: alert totals by kind and severity (issue 23, defect 6) -------
"$SMBWATCH" sensor -r "$PCAPS/wannacry.pcap" --summary >"$tmp/sum2"
want=$(grep '^{' "$tmp/sum2" | jq -r -s 'group_by([.id, .severity]) | map("\(.[0].id) \(.[0].severity) \(length)") | sort | .[]')
got=$(sed -n '/^Alerts (/,$p' "$tmp/sum2" | tail -n +2 | awk '{print $1, $2, $3}' | sort)
total=$(grep -c '^{' "$tmp/sum2")
[ -n "$want" ] && [ "$want" = "$got" ] && grep -q "^Alerts ($total)\$" "$tmp/sum2" &&
	[ "$(sed -n '/^Alerts (/{n;p}' "$tmp/sum2" | awk '{print $2}')" = critical ]
t $? "--summary: alert totals by kind and severity equal the alerts printed ($total), most severe first"
# --approved-scanners: an approved source's probes drop to info (kept, marked),
# its other alerts keep their severity; other sources are untouched
"$SMBWATCH" sensor -r "$PCAPS/wannacry.pcap" >"$tmp/wc0.jsonl"
t $? "wannacry without --approved-scanners exits 0"
"$SMBWATCH" sensor -r "$PCAPS/wannacry.pcap" --approved-scanners 192.168.116.149,2001:2::/48 \
	>"$tmp/wc1.jsonl"
t $? "wannacry with --approved-scanners exits 0"
sel='select(.src=="192.168.116.149" and .id=="MS17_010_CHECK") | [.severity, .approved_scanner]'
[ "$(jq -c "$sel" "$tmp/wc0.jsonl" | sort -u)" = '["high",null]' ] &&
	[ "$(jq -c "$sel" "$tmp/wc1.jsonl" | sort -u)" = '["info",true]' ]
t $? "MS17_010_CHECK from the approved scanner: high without the flag, info + approved_scanner with it"
[ "$(wc -l <"$tmp/wc0.jsonl")" = "$(wc -l <"$tmp/wc1.jsonl")" ]
t $? "approved probes are recorded, never dropped ($(wc -l <"$tmp/wc1.jsonl") alerts both ways)"
sel='select(.src=="192.168.116.149" and .id=="DOUBLEPULSAR") | .severity'
[ "$(jq -r "$sel" "$tmp/wc1.jsonl" | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')" = "critical:2 info:3 " ]
t $? "DOUBLEPULSAR knocks of the approved scanner at info, implant answers stay critical"
sel='select(.src=="192.168.116.149" and .id=="MS17_010_EXPLOIT") | .severity'
[ "$(jq -r "$sel" "$tmp/wc1.jsonl" | sort -u)" = critical ]
t $? "MS17_010_EXPLOIT from the approved address keeps critical"
sel='select(.src!="192.168.116.149") | [.id,.severity,.src,.dst]'
[ "$(jq -c "$sel" "$tmp/wc0.jsonl")" = "$(jq -c "$sel" "$tmp/wc1.jsonl")" ] &&
	jq -e -s '[.[] | select(.src=="192.168.116.138" and .id=="MS17_010_CHECK")] | length > 0' \
		"$tmp/wc1.jsonl" >/dev/null
t $? "alerts from other sources unchanged (192.168.116.138's MS17_010_CHECK stays high)"
printf '# approved\n10.0.0.0/24\n2001:2::1\n' >"$tmp/approved.txt"
"$SMBWATCH" sensor -r "$PCAPS/zeek-SMBGhost.pcap" >"$tmp/g0.jsonl"
"$SMBWATCH" sensor -r "$PCAPS/zeek-SMBGhost.pcap" --approved-scanners "@$tmp/approved.txt" >"$tmp/g1.jsonl"
[ "$(jq -c '[.id,.severity,.approved_scanner]' "$tmp/g0.jsonl")" = '["SMBGHOST_CHECK","high",null]' ] &&
	[ "$(jq -c '[.id,.severity,.approved_scanner]' "$tmp/g1.jsonl")" = '["SMBGHOST_CHECK","info",true]' ]
t $? "SMBGHOST_CHECK: high, and info with --approved-scanners @FILE"
"$SMBWATCH" sensor -r "$PCAPS/internet-445-syn-scan.pcap" --approved-scanners 176.192.150.0/24 >"$tmp/s1.jsonl"
[ "$(jq -c '[.id,.severity,.approved_scanner]' "$tmp/s1.jsonl")" = '["SMB_SCAN","info",true]' ]
t $? "SMB_SCAN from an approved CIDR at info"
for bad in "192.168.116.149,not-an-address" "10.0.0.0/33" "2001:2::/129" "@$tmp/none.txt" ","; do
	"$SMBWATCH" sensor -r "$PCAPS/wannacry.pcap" --approved-scanners "$bad" >"$tmp/o" 2>"$tmp/e"
	rc=$?
	item=${bad#*,}
	item=${item#@}
	[ "$rc" = 2 ] && [ ! -s "$tmp/o" ] && [ "$(wc -l <"$tmp/e")" = 1 ] &&
		{ [ "$bad" = "," ] || grep -qF -- "$item" "$tmp/e"; }
	t $? "--approved-scanners '$bad': exit 2 naming the item ($rc: $(cat "$tmp/e"))"
done
echo "1..$n"
exit $fail
