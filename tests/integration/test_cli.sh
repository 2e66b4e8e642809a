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
cat >"$WORK/hosts.txt" <<'H'
# lab personas
198.18.1.10-12

198.18.1.13   # hardened
2001:2::10
H
echo "198.18.1.11" >"$WORK/excl.txt"
"$LAB" exec timeout 60 tshark -i "$SMBW_LAB_PREFIX-s0" -f 'host 198.18.1.11 or host 198.18.1.12' \
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
pkts=$(tshark -r "$WORK/excl.pcap" 2>/dev/null | wc -l)
if [ -s "$WORK/excl.pcap" ]; then
	eq "excluded addresses saw no packet (capture on the scanner veth)" "$pkts" "0"
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
want=$(jq -r '"smbwatch: Targets: 4 tried: \(.open) open, \(.closed) closed, \(.filtered) filtered, \(.errors) errors"' <<<"$final")
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
tried=$(grep -o 'Targets: [0-9]* tried: [0-9]* open, [0-9]* closed, [0-9]* filtered, [0-9]* errors' "$WORK/r.err" |
	awk '{t += $2; o += $4 + $6 + $8 + $10} END {print NR, t, o}')
eq "resume: two summaries whose tries add up to 96 (parts, tried, outcomes)" "$tried" "2 96 96"
if grep -q '^done ' "$WORK/r.resume" 2>/dev/null; then diag "resume file listed $(grep -c '^done ' "$WORK/r.resume") positions finished above the resume point"; fi
finish
