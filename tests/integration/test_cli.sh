#!/usr/bin/env bash
# Integration test of the scan command's inputs and outputs on the lab:
# -iL files with comments, --exclude and --exclude-file (never touched),
# ranges and IPv6, --format line/csv/text, -o FILE, --stats-every, --shard
# and --seed, resume after SIGINT. Prints TAP. Needs root (the lab).
set -uo pipefail
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwl$$}

need_root "needs root (network namespaces, smbd)"
need_smbwatch
work_dir cli
lab_up
ok "lab up"
scan() { timeout 120 "$LAB" exec "$SMBWATCH" scan --no-progress --checks none "$@"; }
# the process at the end of the chain PID started (timeout -> lab.sh -> ip
# netns exec -> the program): signals go to it alone, by pid
leaf_pid() { local p=$1 c; while c=$(pgrep -P "$p" | head -1) && [ -n "$c" ]; do p=$c; done; echo "$p"; }
ips() { jq -r '"\(.ip):\(.port)"' "$1" | sort | tr '\n' ' '; }

# -iL with comments and blank lines, plus --exclude and --exclude-file; a
# capture on the scanner's veth proves the excluded addresses saw no packet
# (and, as its positive control, that it saw the packets to .10)
cat >"$WORK/hosts.txt" <<'H'
# lab personas
198.18.1.10-12

198.18.1.13   # hardened
2001:2::10
H
echo "198.18.1.11" >"$WORK/excl.txt"
"$LAB" exec timeout 120 tshark -i "$SMBW_LAB_PREFIX-s0" -f 'host 198.18.1.10 or host 198.18.1.11 or host 198.18.1.12' \
	-w "$WORK/excl.pcap" >/dev/null 2>"$WORK/tshark.err" &
cap=$!
# tshark says "Capturing on ..." once it sees packets (seconds on a busy machine)
wait_for "$WORK/tshark.err" '^Capturing on' 30 || diag "tshark did not say it was capturing: $(cat "$WORK/tshark.err")"
scan --format jsonl -iL "$WORK/hosts.txt" --exclude 198.18.1.12 --exclude-file "$WORK/excl.txt" \
	>"$WORK/il.jsonl" 2>/dev/null
sleep 0.5
kill -INT "$(leaf_pid "$cap")" 2>/dev/null
wait "$cap" 2>/dev/null
eq "-iL with excludes: exactly the remaining services" "$(ips "$WORK/il.jsonl")" \
	"198.18.1.10:445 198.18.1.13:445 2001:2::10:445 "
pkts=$(tshark -r "$WORK/excl.pcap" -Y 'ip.addr == 198.18.1.11 || ip.addr == 198.18.1.12' 2>/dev/null | wc -l)
seen=$(tshark -r "$WORK/excl.pcap" -Y 'ip.addr == 198.18.1.10' 2>/dev/null | wc -l)
if [ -s "$WORK/excl.pcap" ]; then
	eq "excluded addresses saw no packet, the scanned .10 did (capture on the scanner veth)" \
		"$pkts $([ "$seen" -gt 0 ] && echo seen)" "0 seen"
else
	not_ok "excluded addresses saw no packet (capture on the scanner veth)" "no capture written"
fi

# -o FILE and --format line / csv / text
scan --format line -o "$WORK/out.line" 198.18.1.12 2>/dev/null
if grep -qE '^SMB +198\.18\.1\.12 +445 +LAB-SMB2 .*\(signing:False\) \(SMBv1:False\)' "$WORK/out.line"; then
	ok "--format line -o FILE writes a NetExec-style line"
else
	not_ok "--format line -o FILE writes a NetExec-style line" "$(cat "$WORK/out.line")"
fi
scan --format csv 198.18.1.12 198.18.1.13 >"$WORK/out.csv" 2>/dev/null
eq "--format csv: header and one row per service" "$(wc -l <"$WORK/out.csv" | tr -d ' ')" "3"
head -1 "$WORK/out.csv" | grep -q '^ip,port,transport,' && ok "csv header names the columns" ||
	not_ok "csv header names the columns" "$(head -1 "$WORK/out.csv")"
scan 198.18.1.13 >"$WORK/out.txt" 2>/dev/null
grep -q '^198.18.1.13  (LAB-SECURE' "$WORK/out.txt" && grep -q '^Summary: 1 SMB service' "$WORK/out.txt" &&
	ok "text: one block per host and a summary" || not_ok "text: one block per host and a summary" "$(cat "$WORK/out.txt")"
long=$(awk 'length > 80' "$WORK/out.txt" | wc -l)
eq "text lines fit 80 columns" "$long" "0"

# --stats-every prints JSON stats lines on stderr
scan --format jsonl --stats-every 1 --read-timeout 3s 198.18.1.21 198.18.1.12 >/dev/null 2>"$WORK/stats.err"
if grep -q '"type":"stats"' "$WORK/stats.err" && grep '"type":"stats"' "$WORK/stats.err" | head -1 | jq -e '.total == 4' >/dev/null; then
	ok "--stats-every: JSON stats lines with done/total"
else
	not_ok "--stats-every: JSON stats lines with done/total" "$(cat "$WORK/stats.err")"
fi
grep -q 'seed [0-9]' "$WORK/stats.err" && ok "the seed is printed at start" || not_ok "the seed is printed at start"
# the last stats line is the run's end: everything done, nothing left
final=$(grep '"type":"stats"' "$WORK/stats.err" | tail -1)
if jq -e '.final == true and .done == 4 and .eta_s == 0 and .open + .closed + .filtered + .errors == 4' \
	>/dev/null <<<"$final"; then
	ok "--stats-every: a final line with the end counts"
else
	not_ok "--stats-every: a final line with the end counts" "$final"
fi
# jsonl holds services only: the counts go to stderr, the same as the final stats line
want=$(jq -r '"smbwatch: Targets: 4 tried: \(.open) open, \(.closed) closed, \(.filtered) filtered, \(.errors) error\(if .errors == 1 then "" else "s" end)"' <<<"$final")
grep -qxF "$want" "$WORK/stats.err" && ok "jsonl: the summary is on stderr" ||
	not_ok "jsonl: the summary is on stderr" "want '$want'; $(grep -v '"type"' "$WORK/stats.err")"

# shards: same seed, 3 shards: disjoint, union = the whole scan
: >"$WORK/all.txt"
for k in 1 2 3; do
	scan --format jsonl --seed 42 --shard "$k/3" -p 139,445,8445 198.18.1.10-16 >"$WORK/s$k.jsonl" 2>/dev/null
	ips "$WORK/s$k.jsonl" | tr ' ' '\n' | sed '/^$/d' >>"$WORK/all.txt"
done
eq "shards: no service in two shards" "$(sort "$WORK/all.txt" | uniq -d | wc -l | tr -d ' ')" "0"
eq "shards: together they find all 7 services" "$(sort -u "$WORK/all.txt" | wc -l | tr -d ' ')" "7"

# resume: interrupt a slow scan, continue it, union = everything
rm -f "$WORK/r.jsonl" "$WORK/r.resume"
timeout 120 "$LAB" exec "$SMBWATCH" scan --no-progress --checks none --format jsonl --rate 30 \
	--seed 7 --resume-file "$WORK/r.resume" -o "$WORK/r.jsonl" -p 139,445,8445 198.18.1.0/27 \
	--stats-every 1 2>"$WORK/r.err" &
pid=$!
# the first stats line comes from the running scan, after its signal handlers
wait_for "$WORK/r.err" '"type":"stats"' 30
kill -INT "$(leaf_pid "$pid")" 2>/dev/null
wait "$pid"
rc=$?
[ -s "$WORK/r.resume" ] && ok "SIGINT writes a resume file" || not_ok "SIGINT writes a resume file" "$(cat "$WORK/r.err")"
eq "SIGINT: exit status 130" "$rc" "130"
has "SIGINT: says how to resume" "$(cat "$WORK/r.err")" "continue with: smbwatch scan --resume $WORK/r.resume"
first=$(jq -s length "$WORK/r.jsonl" 2>/dev/null || echo 0)
timeout 120 "$LAB" exec "$SMBWATCH" scan --resume "$WORK/r.resume" --no-progress 2>>"$WORK/r.err" >/dev/null
eq "resume: the resumed part exits 0" "$?" "0"
got=$(jq -r '"\(.ip):\(.port)"' "$WORK/r.jsonl" | sort -u | tr '\n' ' ')
eq "resume: the two parts together find all 7 services (first part had $first)" "$got" \
	"198.18.1.10:445 198.18.1.11:445 198.18.1.12:445 198.18.1.13:445 198.18.1.14:445 198.18.1.15:8445 198.18.1.16:139 "
eq "resume: no service reported by both parts" "$(jq -r '"\(.ip):\(.port)"' "$WORK/r.jsonl" | sort | uniq -d | wc -l | tr -d ' ')" "0"
# the two parts' counts add up to 32 addresses x 3 ports, each tried once
tried=$(grep -o 'Targets: [0-9]* tried: [0-9]* open, [0-9]* closed, [0-9]* filtered, [0-9]* errors*' "$WORK/r.err" |
	awk '{t += $2; o += $4 + $6 + $8 + $10} END {print NR, t, o}')
eq "resume: two summaries whose tries add up to 96 (parts, tried, outcomes)" "$tried" "2 96 96"
if grep -q '^done ' "$WORK/r.resume" 2>/dev/null; then diag "resume file listed $(grep -c '^done ' "$WORK/r.resume") positions finished above the resume point"; fi
# ---- issue 15, CLI traps -------------------------------------------------
# usage: every trap refused with exit 2 and a message naming what was typed
usage_case() { # usage_case DESC WANT_TEXT ARGS...
	local d=$1 want=$2 out rc
	shift 2
	out=$("$SMBWATCH" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" = 2 ] && grep -qF -- "$want" <<<"$out"; then ok "$d"; else not_ok "$d" "exit $rc: $out"; fi
}
# (from $WORK: the relative names are looked up there; not a subshell, so
# the TAP count goes on)
cd "$WORK" || exit 1
{
	: >out.xml
	# (-oX and -oA write nmap XML: tests/integration/test_exports.sh)
	usage_case "-oN is refused with the spelling that works (nothing scanned, no ./N)" \
		"-oN is nmap's normal output; use --format text -o FILE" scan -oN out.txt 198.18.1.12
	[ ! -e N ] && ok "-oN: no report file ./N" || not_ok "-oN: no report file ./N"
	usage_case "-oG is refused" "use --format line -o FILE" scan 198.18.1.12 -oG out.gnmap
	usage_case "a file given as a target: did you mean -iL?" "did you mean -iL out.xml?" scan 198.18.1.12 out.xml
	usage_case "scan -sV names -sV" "unknown option '-sV'" scan -sV 198.18.1.12
	usage_case "scan TARGET -Pn names -Pn" "unknown option '-Pn'" scan 198.18.1.12 -Pn
	usage_case "monitor -Pn names -Pn" "unknown option '-Pn'" monitor --once 198.18.1.12 -Pn
	usage_case "diff -x names -x" "bad option '-x'" diff -x
	usage_case "history TARGET -Zq names -Zq" "bad option '-Zq'" history 198.18.1.12 -Zq
	usage_case "sensor -x names -x" "unknown option '-x'" sensor -r "$ROOT/tests/data/pcaps/wannacry.pcap" -x
	usage_case "sensor --scan-hosts abc names the option" "bad --scan-hosts 'abc'" \
		sensor -r "$ROOT/tests/data/pcaps/wannacry.pcap" --scan-hosts abc
	usage_case "sensor --scan-hosts 0 is refused" "bad --scan-hosts '0'" \
		sensor -r "$ROOT/tests/data/pcaps/wannacry.pcap" --scan-hosts 0
	usage_case "--db mysql://x: unknown scheme" "unknown database URL scheme 'mysql://'" \
		scan --db mysql://x 198.18.1.12
	usage_case "diff --db mysql://x: unknown scheme" "unknown database URL scheme" diff --db mysql://x
	[ ! -e mysql: ] && ok "--db mysql://x created nothing" || not_ok "--db mysql://x created nothing"
	printf '[monitor]\ntargets = 198.18.1.12\n\ninterval = soon\n' >bad.ini
	usage_case "a bad config value says file:line and key" "bad.ini:4: interval: bad --every 'soon'" \
		monitor --once --config bad.ini
}
cd "$ROOT" || exit 1
# positive control: the same file with a good interval runs (in the lab)
printf '[monitor]\ntargets = 198.18.1.12\nports = 445\nchecks = none\ninterval = 5m\n' >"$WORK/good.ini"
timeout 120 "$LAB" exec "$SMBWATCH" monitor --once --config "$WORK/good.ini" --db "$WORK/mon/g.db" \
	--sink "file:$WORK/good.jsonl" >/dev/null 2>&1
eq "positive control: a good config file runs (exit 0)" "$?" "0"

# the store is opened (and created, 0600 in a 0700 directory) before the
# first packet: one that cannot be opened stops the scan, nothing is lost
: >"$WORK/afile"
scan --db "$WORK/afile/x.db" 198.18.1.12 >"$WORK/db-bad.out" 2>"$WORK/db-bad.err"
rc=$?
eq "an unopenable --db: exit 3" "$rc" "3"
eq "an unopenable --db: no report (nothing scanned)" "$(wc -c <"$WORK/db-bad.out" | tr -d ' ')" "0"
has "an unopenable --db: says nothing was scanned" "$(cat "$WORK/db-bad.err")" "nothing scanned"
scan --db "$WORK/newdir/sub/s.db" 198.18.1.12 >"$WORK/db-ok.out" 2>/dev/null
eq "positive control: a writable --db scans (exit 0)" "$?" "0"
grep -q '^198.18.1.12 ' "$WORK/db-ok.out" && ok "positive control: the host is reported" ||
	not_ok "positive control: the host is reported" "$(cat "$WORK/db-ok.out")"
eq "the database is 0600, its new directory 0700" \
	"$(stat -c %a "$WORK/newdir/sub/s.db") $(stat -c %a "$WORK/newdir/sub")" "600 700"

# -v and the errors summary: a route of the test's own scanner namespace
# makes 198.19.254.0/24 unreachable (no packet leaves)
"$LAB" exec ip route add unreachable 198.19.254.0/24
scan -v --format jsonl --stats-every 1 --no-db -p 445,139 198.19.254.1 198.18.1.12 \
	>"$WORK/v.jsonl" 2>"$WORK/v.err"
eq "-v: exit 0" "$?" "0"
eq "-v: one line per failed target, with the reason" \
	"$(grep -c '^smbwatch: error 198.19.254.1 port \(445\|139\): connect: ' "$WORK/v.err")" "2"
grep -q '^smbwatch: Errors: 2 connect: ' "$WORK/v.err" && ok "the summary counts errors by reason" ||
	not_ok "the summary counts errors by reason" "$(cat "$WORK/v.err")"
final=$(grep '"final":true' "$WORK/v.err")
if jq -e '.errors == 2 and ([.error_reasons[]] | add) == 2' >/dev/null <<<"$final"; then
	ok "the final stats line has error_reasons adding up to errors"
else
	not_ok "the final stats line has error_reasons adding up to errors" "$final"
fi
eq "positive control: the reachable host is still reported" "$(ips "$WORK/v.jsonl")" "198.18.1.12:445 "

# monitor --once: an event no sink took is an exit 3 and is kept; the next
# run delivers it to the same sink once it is back
MDB=$WORK/mon/m.db
mon() { timeout 120 "$LAB" exec "$SMBWATCH" monitor --once --db "$MDB" --checks none \
	--sink-retries 0 -p 445 "$@" 198.18.1.12; }
recv_start() { # recv_start [PORT]
	rm -f "$WORK/wport"
	"$LAB" exec python3 "$ROOT/tests/integration/webhook_receiver.py" "$WORK/wport" \
		"$WORK/hook.jsonl" secret "${1:-0}" >>"$WORK/recv.log" 2>&1 &
	RECV=$!
	for _ in $(seq 100); do [ -s "$WORK/wport" ] && break; sleep 0.1; done
}
recv_stop() { kill "$(leaf_pid "$RECV")" 2>/dev/null; wait "$RECV" 2>/dev/null; }
recv_start
WPORT=$(cat "$WORK/wport" 2>/dev/null)
recv_stop
mon --sink "webhook:http://127.0.0.1:$WPORT/h" >/dev/null 2>"$WORK/m1.err"
eq "monitor --once: exit 3 when the webhook took no event" "$?" "3"
has "monitor --once: says the events are kept" "$(cat "$WORK/m1.err")" "kept and retried by the next run"
recv_start "$WPORT"
mon --sink "webhook:http://127.0.0.1:$WPORT/h" >/dev/null 2>"$WORK/m2.err"
eq "the next run, receiver back: exit 0" "$?" "0"
recv_stop
eq "the kept 'new' event reached the webhook, once" \
	"$(jq -r '"\(.body.event) \(.body.ip)"' "$WORK/hook.jsonl" 2>/dev/null | tr '\n' ';')" "new 198.18.1.12;"
# syslog: a socket that is not there is a failed delivery with a warning
MDB=$WORK/mon/s.db
mon --sink "syslog:$WORK/no-such.sock" >/dev/null 2>"$WORK/m3.err"
eq "syslog sink without its socket: exit 3" "$?" "3"
has "syslog sink without its socket: a warning" "$(cat "$WORK/m3.err")" "warning: sink syslog:$WORK/no-such.sock"
python3 -c 'import socket,sys
s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(60)
open(sys.argv[2], "wb").write(s.recv(65536))' "$WORK/log.sock" "$WORK/log.got" &
LOGR=$!
for _ in $(seq 50); do [ -S "$WORK/log.sock" ] && break; sleep 0.1; done
mon --sink "syslog:$WORK/log.sock" >/dev/null 2>"$WORK/m4.err"
eq "positive control: the same events to a listening socket: exit 0" "$?" "0"
wait "$LOGR"
grep -q '^<28>smbwatch\[[0-9]*\]: {.*"event":"new"' "$WORK/log.got" 2>/dev/null &&
	ok "positive control: the kept event arrived as a syslog datagram" ||
	not_ok "positive control: the kept event arrived as a syslog datagram" "$(cat "$WORK/log.got" 2>/dev/null)"

# the systemd unit: exposure at most 4.0 (systemd-analyze's threshold is x10)
if command -v systemd-analyze >/dev/null; then
	unit=$(dirname "$SMBWATCH")/smbwatch-monitor.service
	score=$(systemd-analyze security --offline=yes "$unit" 2>/dev/null | sed -n 's/.*exposure level for .*: \([0-9.]*\).*/\1/p')
	systemd-analyze security --offline=yes --threshold=40 "$unit" >/dev/null 2>&1
	eq "the monitor unit's exposure is at most 4.0 (it is $score)" "$?" "0"
else
	not_ok "the monitor unit's exposure is at most 4.0" "systemd-analyze not installed"
fi

# --list-checks: every check, one a line, exit 0, nothing sent; a bad
# --checks name is refused (exit 2) with the valid names
out=$(timeout 30 "$LAB" exec "$SMBWATCH" scan --list-checks 2>&1)
eq "--list-checks exits 0 with one line per check" "$? $(wc -l <<<"$out")" "0 11"
has "--list-checks shows SMBGhost's other name" "$out" "cve_2020_0796   SMB               SMBGhost"
has "--list-checks: smbghost selects it" "$out" "(also selected by: smbghost)"
has "--list-checks shows the relay check" "$out" "relay           SMB               NTLM relay target"
has "--list-checks shows the mgmt check's ports" "$out" "mgmt            22,3389,5985,5986 beside SMB"
err=$(timeout 30 "$LAB" exec "$SMBWATCH" scan --checks smbghots 198.18.1.10 2>&1 >/dev/null)
eq "--checks with a typo exits 2" "$?" "2"
has "--checks typo: the valid names are listed" "$err" "use auth, guest, shares, ms17_010, cve_2020_0796, smbghost, doublepulsar, relay, epm, nbns, quic, mgmt, all or none"

finish
