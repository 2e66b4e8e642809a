#!/usr/bin/env bash
# Integration test: `smbwatch scan --syn` (raw SYN discovery) on the farm
# (tests/lab/farm.sh): one smbd answering on every address of 198.19.0.0/24
# inside a silent 198.19.0.0/16. Scans target 198.19.0.0/23: 256 SMB
# addresses, 256 silent ones; port 139 is closed on the farm (RST).
# Prints TAP ("ok N - ...", "not ok N - ...", plan at the end).
#
#   SMBWATCH=path/to/smbwatch tests/integration/test_syn.sh
#
# Cases: same records as a normal scan (all 256 fully fingerprinted);
# open/closed/filtered counts; privileges dropped before scanning (/proc);
# exit 2 with a clear message without root or without CAP_NET_RAW; IPv6
# refused; shards disjoint and covering; SIGINT + --resume; duplicate
# SYN-ACKs (our RSTs dropped, so the farm resends them) start one service
# each; SYN-ACKed ports that take no connection are errors; a full hit
# queue pauses the sender and loses nothing; a shard of 2^29 positions
# runs in constant memory (peak RSS asserted); 50k SYN/s into silent space is not held back
# by the hit queue. About 100 s. Without root: one skipped test.
#
# Network safety: every packet goes to 198.19.0.0/23 from inside the
# farm's scanner namespace (no default route); nothing runs in the host's
# namespace.
set -uo pipefail # no -e: a failed assertion must not stop the test
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
FARM=$ROOT/tests/lab/farm.sh
LAB=$FARM # lab_up brings the farm up
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwy$$}
export FARM_PREFIX_LEN=24
TARGET=198.19.0.0/23
SMB_COUNT=256
SCAN_TIMEOUT=120 # seconds: a hang is a failure, not a wait
NOBODY_UID=$(id -u nobody 2>/dev/null || echo 65534)
# peak RSS of the 2^29-position scan: below a per-position bit array (64 MiB);
# ASan's shadow memory and quarantine come on top in the sanitizer build
BIG_RSS_MAX_KB=${BIG_RSS_MAX_KB:-49152}
ldd "$SMBWATCH" 2>/dev/null | grep -q libasan && BIG_RSS_MAX_KB=$((BIG_RSS_MAX_KB + 131072))

# check_rc STATUS DESC [DETAIL]: one TAP line from a status already taken
check_rc() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2" "${3:-}"; fi; }

need_root "--syn test needs root (network namespaces, smbd, raw sockets)"
need_tools jq ip smbd nft timeout python3 setpriv
need_smbwatch

# The scan drops to "nobody" after opening its sockets: the files it writes
# later (the resume file) must be in a directory nobody may write.
work_dir syn
chmod 1777 "$WORK"
lab_up
for i in $(seq 0 255); do echo "198.19.0.$i"; done | sort >"$WORK/all.ips"

# scan NAME ARGS...: smbwatch in the scanner namespace (no database), jsonl
# to NAME.jsonl, stderr to NAME.err, exit status to NAME.rc
scan() {
	local name=$1; shift
	timeout "$SCAN_TIMEOUT" "$FARM" exec "$SMBWATCH" scan "$TARGET" --format jsonl --no-db \
		--no-progress -o "$WORK/$name.jsonl" "$@" 2>"$WORK/$name.err"
	echo $? >"$WORK/$name.rc"
}
rc() { cat "$WORK/$1.rc"; }
ips() { jq -r 'select(.type == "service") | .ip' "$WORK/$1.jsonl" 2>/dev/null | sort -u; }
records() { jq -r 'select(.type == "service") | .ip' "$WORK/$1.jsonl" 2>/dev/null | wc -l; }
full() {
	jq -r 'select(.type == "service" and (.smb2.dialects | length) > 0
		and (.ntlm.netbios_computer // "") != "") | .ip' "$WORK/$1.jsonl" 2>/dev/null | sort -u
}
nfull() { full "$1" | comm -12 - "$WORK/all.ips" | wc -l; }
# the "Targets:" summary of a text report
targets_line() { grep -m1 '^Targets:' "$WORK/$1.jsonl"; }

# 1. the reference: a normal scan, then the same with --syn
scan plain -p 445 --checks none --seed 11
scan syn -p 445 --checks none --seed 11 --syn
diag "plain: exit $(rc plain), $(nfull plain) full; syn: exit $(rc syn), $(nfull syn) full, $(records syn) records"
diag "$(grep -- '--syn' "$WORK/syn.err")"
[ "$(rc syn)" = 0 ] && [ "$(nfull syn)" -eq "$SMB_COUNT" ] && [ "$(records syn)" -eq "$SMB_COUNT" ]
check_rc $? "--syn: all $SMB_COUNT SMB addresses fully fingerprinted, one record each, exit 0" \
	"exit $(rc syn); $(tail -3 "$WORK/syn.err")"
[ "$(ips syn)" = "$(ips plain)" ] && [ "$(nfull plain)" -eq "$SMB_COUNT" ]
check_rc $? "--syn: the same address set as the scan without --syn"

# 2. the counts: 445 open on 256, 139 closed (RST) on 256, 512 silent
scan counts -p 445,139 --checks none --seed 4 --syn --format text
line=$(targets_line counts)
diag "counts: exit $(rc counts): $line"
[ "$line" = "Targets: 1024 tried: 256 open, 256 closed, 512 filtered, 0 errors" ]
check_rc $? "--syn -p 445,139: 256 open, 256 closed, 512 filtered, 0 errors" "got: $line"

# 3. privileges: the scanning process runs as nobody with no capability.
#    Read in /proc of a scan that cannot end before it is read (the farm's
#    /16 at --rate 100: ten minutes), once it has said it dropped: a state
#    to wait for, not a time to poll in (a 5 s poll raced the drop on a
#    loaded machine); SIGINT then ends it. It drops before it scans: the
#    drop line comes before the scan's first stats line.
"$FARM" exec "$SMBWATCH" scan 198.19.0.0/16 -p 445 --checks none --format jsonl --no-db \
	--no-progress --syn --rate 100 --stats-every 1 -o "$WORK/privlong.jsonl" \
	2>"$WORK/privlong.err" &
pid=$!
seen=""
# 120 s bounds a hang only (the line comes within a second when idle)
if wait_for "$WORK/privlong.err" 'privileges dropped' 120 && st=$(cat "/proc/$pid/status" 2>/dev/null); then
	uid=$(printf '%s\n' "$st" | awk '/^Uid:/ {print $2, $3, $4, $5}')
	cap=$(printf '%s\n' "$st" | awk '/^CapEff:/ {print $2}')
	prm=$(printf '%s\n' "$st" | awk '/^CapPrm:/ {print $2}')
	seen="uid $uid, CapEff $cap, CapPrm $prm"
fi
wait_for "$WORK/privlong.err" '"type":"stats"' 120
kill -INT "$pid" 2>/dev/null
wait "$pid"
lrc=$?
drop_at=$(grep -n -m1 'privileges dropped' "$WORK/privlong.err" | cut -d: -f1)
stats_at=$(grep -n -m1 '"type":"stats"' "$WORK/privlong.err" | cut -d: -f1)
diag "while scanning: $seen (exit $lrc after SIGINT; drop on stderr line ${drop_at:-none}, first stats line ${stats_at:-none})"
[ "$seen" = "uid $NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID, CapEff 0000000000000000, CapPrm 0000000000000000" ]
check_rc $? "--syn: scanning as uid $NOBODY_UID (real, effective, saved, fs) with no capability" \
	"saw: '$seen'; $(head -3 "$WORK/privlong.err")"
# (its exit status after SIGINT is the resume case's subject, 6 below)
[ -n "$drop_at" ] && [ -n "$stats_at" ] && [ "$drop_at" -lt "$stats_at" ]
check_rc $? "--syn: privileges dropped before the scan starts (drop line before the first stats line)" \
	"exit $lrc; $(head -5 "$WORK/privlong.err")"
mkdir -m 700 "$WORK/ro" # root's: the dropped scan cannot write its resume file there
scan priv -p 445 --checks none --syn --resume-file "$WORK/ro/x.resume"
prc=$(rc priv)
grep -q "privileges dropped, now uid $NOBODY_UID gid" "$WORK/priv.err" && [ "$prc" -eq 0 ] &&
	[ "$(ips priv | wc -l)" -eq "$SMB_COUNT" ]
check_rc $? "--syn: says it dropped privileges, and still finds all $SMB_COUNT" \
	"exit $prc; $(ips priv | wc -l) found"
grep -q "uid $NOBODY_UID cannot write in '$WORK/ro'" "$WORK/priv.err"
check_rc $? "--syn: warns at start when the resume file's directory is not writable after the drop" \
	"$(cat "$WORK/priv.err")"
SUDO_UID=$NOBODY_UID SUDO_GID=$(id -g nobody) "$FARM" exec "$SMBWATCH" scan 198.19.0.0/30 \
	-p 445 --checks none --no-db --no-progress --syn >/dev/null 2>"$WORK/sudo.err"
grep -q "now uid $NOBODY_UID gid $(id -g nobody)" "$WORK/sudo.err"
check_rc $? "--syn under sudo: drops to SUDO_UID/SUDO_GID" "$(cat "$WORK/sudo.err")"

# 4. without root, or root without CAP_NET_RAW: exit 2 and a clear message
"$FARM" exec setpriv --reuid=nobody --regid=nogroup --clear-groups "$SMBWATCH" scan "$TARGET" \
	-p 445 --no-db --syn >"$WORK/noroot.out" 2>"$WORK/noroot.err"
nrc=$?
[ "$nrc" -eq 2 ] && grep -q -- '--syn needs root or CAP_NET_RAW' "$WORK/noroot.err" &&
	! [ -s "$WORK/noroot.out" ]
check_rc $? "--syn as nobody: exit 2, '--syn needs root or CAP_NET_RAW', nothing scanned" \
	"exit $nrc; $(cat "$WORK/noroot.err")"
"$FARM" exec setpriv --inh-caps=-net_raw --bounding-set=-net_raw "$SMBWATCH" scan "$TARGET" \
	-p 445 --no-db --syn >/dev/null 2>"$WORK/nocap.err"
nrc=$?
[ "$nrc" -eq 2 ] && grep -q -- '--syn needs root or CAP_NET_RAW' "$WORK/nocap.err"
check_rc $? "--syn as root without CAP_NET_RAW: exit 2 and the message" "exit $nrc; $(cat "$WORK/nocap.err")"
"$FARM" exec "$SMBWATCH" scan 2001:2::5 --no-db --syn >/dev/null 2>"$WORK/v6.err"
nrc=$?
[ "$nrc" -eq 2 ] && grep -q -- '--syn is IPv4 only' "$WORK/v6.err"
check_rc $? "--syn with an IPv6 target: exit 2, 'IPv4 only'" "exit $nrc; $(cat "$WORK/v6.err")"

# 5. shards: same seed, 2 slices with --syn, disjoint and covering
for k in 1 2; do scan "shard$k" -p 445 --checks none --seed 7 --shard "$k/2" --syn; done
union=$(sort -u <(ips shard1) <(ips shard2) | comm -12 - "$WORK/all.ips" | wc -l)
dups=$(sort <(ips shard1) <(ips shard2) | uniq -d | wc -l)
diag "shards: $(ips shard1 | wc -l) + $(ips shard2 | wc -l), exit $(rc shard1) $(rc shard2)"
[ "$union" -eq "$SMB_COUNT" ] && [ "$dups" -eq 0 ]
check_rc $? "--syn --shard 1/2 + 2/2: disjoint, union = all $SMB_COUNT" "union $union, $dups in both"

# 6. SIGINT, resume file, --resume with --syn
RES=$WORK/syn.resume
"$FARM" exec "$SMBWATCH" scan "$TARGET" -p 445 --format jsonl --no-db --no-progress \
	--checks none --seed 5 --syn --rate 100 -o "$WORK/resume.jsonl" --resume-file "$RES" \
	--stats-every 1 2>"$WORK/resume1.err" &
pid=$!
# the first stats line (at 1 s) comes from the running scan, after its
# signal handlers: a fixed sleep can beat a slow start
wait_for "$WORK/resume1.err" '"type":"stats"' 30
kill -INT "$pid"
wait "$pid"
rc1=$?
part1=$(ips resume | wc -l)
diag "interrupted: exit $rc1, $part1 records, $(grep '^position' "$RES" 2>/dev/null)"
[ "$rc1" -eq 130 ] && [ -s "$RES" ] && [ "$part1" -lt "$SMB_COUNT" ]
check_rc $? "--syn, SIGINT: exit 130 after a clean stop, resume file written, scan cut short" \
	"exit $rc1, $part1 records; $(tail -3 "$WORK/resume1.err")"
timeout "$SCAN_TIMEOUT" "$FARM" exec "$SMBWATCH" scan --resume "$RES" -o "$WORK/resume.jsonl" \
	2>"$WORK/resume2.err"
rc2=$?
got=$(nfull resume)
total=$(records resume)
diag "resumed: exit $rc2, $got addresses, $total records"
[ "$rc2" -eq 0 ] && [ "$got" -eq "$SMB_COUNT" ] && grep -q -- '--syn' "$WORK/resume2.err"
check_rc $? "--syn --resume: both parts together fully fingerprint all $SMB_COUNT" \
	"exit $rc2, $got; $(tail -3 "$WORK/resume2.err")"

# 7. duplicates: drop the RSTs our kernel sends for the SYN stage's port
#    (above the ephemeral range), so each farm address resends its SYN-ACK
#    (1 s, 3 s): one service per address all the same. 32 SMB addresses only:
#    their half-open connections all sit in the one farm listener's queue
#    (backlog 50) for a minute; 256 of them fill it and, on a busy machine,
#    starve the SMB stage's own connects, which a real network (a queue per
#    host) never does. --rate 16 spreads the 32 SYNs over 2 s, so the scan
#    is still listening when the first resends come (1 s after the first
#    SYN-ACK) however fast the machine's SMB stage is: unpaced, a fast CI
#    machine finished all 32 in under a second and saw no duplicate.
DUP_TARGET=198.19.0.0/27
DUP_COUNT=32
"$FARM" exec nft -f - <<-'EOF'
table inet synlab {
	chain out {
		type filter hook output priority 0; policy accept;
		tcp sport >= 61000 tcp flags & rst == rst counter drop
	}
}
EOF
TARGET=$DUP_TARGET scan dup -p 445 --checks none --seed 9 --syn --rate 16
dropped=$("$FARM" exec nft list table inet synlab | grep -o 'packets [0-9]*' | awk '{print $2}')
"$FARM" exec nft delete table inet synlab
ndup=$(grep -o '[0-9]* duplicates ignored' "$WORK/dup.err" | awk '{print $1}')
diag "RSTs dropped: $dropped; $(grep -- 'SYNs' "$WORK/dup.err")"
[ "${ndup:-0}" -gt 0 ] && [ "$(records dup)" -eq "$DUP_COUNT" ] && [ "$(nfull dup)" -eq "$DUP_COUNT" ]
check_rc $? "--syn: retransmitted SYN-ACKs ignored (${ndup:-0}), one record for each of $DUP_COUNT" \
	"records $(records dup), full $(nfull dup); $(tail -2 "$WORK/dup.err")"

# 9 (before 8). SYN-ACK, then no connection: the kernel's own SYNs (source
#    ports below the SYN stage's) are dropped on the way out for 4 farm
#    addresses; raw SYNs pass (packet sockets do not cross the output hook).
#    Those ports are errors, not filtered.
"$FARM" exec nft -f - <<-'EOF'
table inet synlab {
	chain out {
		type filter hook output priority 0; policy accept;
		ip daddr 198.19.0.0/30 tcp sport < 61000 tcp flags & (syn | ack) == syn counter drop
	}
}
EOF
TARGET=198.19.0.0/30 scan noconn -p 445 --checks none --seed 5 --syn --format text --timeout 3s
"$FARM" exec nft delete table inet synlab
line=$(targets_line noconn)
diag "SYN-ACK without connection: exit $(rc noconn), $line; $(grep 'no connection' "$WORK/noconn.err")"
[ "$line" = "Targets: 4 tried: 0 open, 0 closed, 0 filtered, 4 errors" ] &&
	grep -q '4 ports answered SYN-ACK but no connection to them got through' "$WORK/noconn.err"
check_rc $? "--syn: SYN-ACKed ports no connection reaches count as errors, and are named on stderr" \
	"$line; $(tail -2 "$WORK/noconn.err")"

# 8. backpressure: a tiny hit queue and a slow SMB stage (4 connections at
#    once): the queue fills, the sender pauses, no hit is lost
#    (the farm's /24 only: silent addresses would hold queue places for
#    their waits and hide the effect)
timeout "$SCAN_TIMEOUT" "$FARM" exec "$SMBWATCH" scan 198.19.0.0/24 -p 445 --checks none \
	--seed 3 --no-db --no-progress --syn-queue 32 --max-inflight 4 --format text \
	-o "$WORK/bp.txt" 2>"$WORK/bp.err"
echo $? >"$WORK/bp.rc"
bpline=$(grep -m1 '^Targets:' "$WORK/bp.txt")
peak=$(grep -o 'hit queue peak [0-9]*' "$WORK/bp.err" | awk '{print $4}')
paused=$(grep -o 'sender paused [0-9]*' "$WORK/bp.err" | awk '{print $3}')
diag "backpressure: exit $(rc bp), $bpline; queue peak $peak, paused $paused"
[ "$(rc bp)" = 0 ] && [ "${peak:-0}" -eq 32 ] && [ "${paused:-0}" -gt 0 ] &&
	[ "$bpline" = "Targets: 256 tried: 256 open, 0 closed, 0 filtered, 0 errors" ]
check_rc $? "--syn-queue 32 with a slow SMB stage: queue full (peak 32), sender paused, all 256 open" \
	"$bpline; peak $peak, paused $paused"

# 10. a shard larger than 2^28 positions (the farm's /16 x ports 1-8192 =
#     2^29): started, not refused (the de-dup marks are a sliding window,
#     not one bit per position); SIGINT, as in 6
BIG=$WORK/big.resume
"$FARM" exec "$SMBWATCH" scan 198.19.0.0/16 -p 1-8192 --format jsonl --no-db --no-progress \
	--checks none --seed 4 --syn --rate 20000 -o "$WORK/big.jsonl" --resume-file "$BIG" \
	--stats-every 1 2>"$WORK/big.err" &
pid=$!
# 4 stats lines: the first positions are then resolved (1 s wait, a resend,
# 1 s), so the saved place is past them
for _ in $(seq 1200); do # 120 s: a hang bound (4 s when idle)
	[ "$(grep -c '"type":"stats"' "$WORK/big.err")" -ge 4 ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
# $pid is the scan itself (farm.sh execs into it)
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
kill -INT "$pid"
wait "$pid"
rcb=$?
posb=$(awk '$1 == "position" {print $2}' "$BIG" 2>/dev/null)
# the stats lines count the SYNs in flight (no connection is open here)
unans=$(grep '"type":"stats"' "$WORK/big.err" | tail -1 | jq -r '.syn_unanswered // 0' 2>/dev/null)
diag "2^29 positions: exit $rcb, resume position ${posb:-none}, peak RSS ${hwm:-?} KiB after 4 s, SYNs unanswered ${unans:-?}"
# Ctrl-C: exit 130, the scan stopped cleanly (a crash would be 128 + its signal)
[ "$rcb" = 130 ] && [ "${posb:-0}" -gt 0 ] && ! grep -q 'at most' "$WORK/big.err" &&
	[ "${unans:-0}" -gt 0 ]
check_rc $? "--syn with 2^29 positions in one shard: scans, SIGINT saves the place, SYNs in flight counted" \
	"exit $rcb; $(tail -3 "$WORK/big.err")"
# constant memory: one bit per position would be 2^29 bits = 64 MiB on its
# own; the peak stays well under that (measured: 22,408 KiB in the normal
# build, 32,228 KiB under ASan)
[[ ${hwm:-} =~ ^[0-9]+$ ]] && [ "$hwm" -lt "$BIG_RSS_MAX_KB" ]
check_rc $? "--syn with 2^29 positions: peak RSS ${hwm:-?} KiB < $BIG_RSS_MAX_KB KiB (no per-position memory)" \
	"VmHWM '${hwm:-}'"

# 11. silent space at --rate 50000: unanswered positions hold hit-queue
#     places for ~2 s (wait, resend, wait), 100,000 of them at this rate;
#     the queue must leave room for that (65,536 places paused the sender
#     thousands of times and held the rate at ~33k/s). A count, not a time.
timeout "$SCAN_TIMEOUT" "$FARM" exec "$SMBWATCH" scan 198.19.0.0/16 -p 1-4 --checks none \
	--seed 6 --no-db --no-progress --syn --rate 50000 --format text -o "$WORK/fast.txt" \
	2>"$WORK/fast.err"
echo $? >"$WORK/fast.rc"
fline=$(grep -m1 '^Targets:' "$WORK/fast.txt")
fpaused=$(grep -o 'sender paused [0-9]*' "$WORK/fast.err" | awk '{print $3}')
diag "silent space at 50k SYN/s: exit $(rc fast), $fline; $(grep -o '[0-9]* SYNs ([0-9]* resent)' "$WORK/fast.err"), paused ${fpaused:-?}"
[ "$(rc fast)" = 0 ] && [ "${fpaused:-1}" -eq 0 ] &&
	[ "$fline" = "Targets: 262144 tried: 0 open, 1024 closed, 261120 filtered, 0 errors" ]
check_rc $? "--syn --rate 50000 over 262,144 positions: sender never paused, every position counted" \
	"$fline; paused ${fpaused:-?}; $(tail -2 "$WORK/fast.err")"

finish
