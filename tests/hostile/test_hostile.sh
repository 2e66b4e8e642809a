#!/usr/bin/env bash
# Hostile servers: smbwatch against peers that misbehave on purpose
# (tests/hostile/hostile.py). For every mode, and for each binary (the
# normal one, and the ASan+UBSan one when $SMBWATCH_SAN or build-san/smbwatch
# exists), asserts:
#   - the scan exits 0 and is not killed by a signal,
#   - it ends by itself (its deadlines fired: only a hang reaches the
#     generous outer bound, HANG_BOUND) and its summary accounts for the
#     one target (open + closed + filtered + errors = 1); no wall-clock
#     assertion, a loaded machine only makes it slower,
#   - no sanitizer report on stderr,
#   - the output has no service record, or every service record carries an
#     errors[] entry (testing.md: "record an error for that service and go on"),
#   - endless-* modes: max RSS (/usr/bin/time -v) below 64 MiB (plain binary).
# Prints TAP. Loopback only (127.0.0.31..), one address per mode, port $PORT.
#
#   SMBWATCH=build/smbwatch SMBWATCH_SAN=build-san/smbwatch tests/hostile/test_hostile.sh
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
TAP_DIAG_MAX=3000 # diagnostics quote stderr: keep them short
SAN=${SMBWATCH_SAN:-}
[ -z "$SAN" ] && [ -x "$ROOT/build-san/smbwatch" ] && SAN=$ROOT/build-san/smbwatch
case $SAN in /* | "") ;; *) SAN=$ROOT/$SAN ;; esac
HOSTILE=$ROOT/tests/hostile/hostile.py
PORT=${PORT:-10445}
TIMEOUT=5 # --timeout (per-service deadline), seconds
RSS_MAX_KB=65536
HANG_BOUND=300 # seconds: a scan still running then is hung (killed, fails)
# the servers outlive both rounds of scans, whatever the load (they are
# stopped by pid on exit)
LIFETIME=$((2 * HANG_BOUND + 60))
SCAN_ARGS=(scan --format jsonl -p "$PORT" --no-progress --read-timeout 1s --timeout "${TIMEOUT}s")

MODES=(silent truncated nbss-16m nbss-over-16m secbuf-oob secbuf-len-oob ctx-off-oob
	ctx-count-oob ctx-len-oob zero-fields empty-frames endless-random endless-frames
	endless-answers endless-keepalive slow reset-mid cross smb1-to-smb2 smb2-to-smb1 garbage garbage-header
	ntlm-avpair-oob ntlm-targetinfo-oob ntlm-targetname-oob smb1-neg-bytecount
	smb1-peek-wordcount smb1-session-bytecount)

# Modes where a record without errors[] is the scanner's stated contract:
# src/probe/smb1.c reads an SMB2 answer to the SMB1-only NEGOTIATE as "speaks
# SMB, not SMB1" (smb1.enabled false). Everything else must explain itself.
LENIENT=" smb2-to-smb1 "

need_tools jq python3 timeout /usr/bin/time
need_smbwatch

work_dir hostile
WORK_KEPT=${KEEP_WORK:+kept}

ip_of() { echo "127.0.0.$((31 + $1))"; }

i=0
for m in "${MODES[@]}"; do
	serve "$m" python3 "$HOSTILE" --mode "$m" --host "$(ip_of $i)" --port "$PORT" --lifetime "$LIFETIME"
	i=$((i + 1))
done
for m in "${MODES[@]}"; do
	ready "$m" "$m: hostile server ready"
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# scan_one TAG BIN MODE IP : run one scan in the background-friendly way
scan_one() {
	local tag=$1 bin=$2 m=$3 ip=$4 f=$WORK/$1.$3
	timeout -s KILL "$HANG_BOUND" /usr/bin/time -v -o "$f.time" "$bin" "${SCAN_ARGS[@]}" "$ip" \
		>"$f.out" 2>"$f.err"
	echo $? >"$f.rc"
}

check_run() { # TAG MODE
	local tag=$1 m=$2 f=$WORK/$1.$2 rc counts
	rc=$(cat "$f.rc")
	# /usr/bin/time reports a signal as "Command terminated by signal N"
	if grep -q 'terminated by signal' "$f.time" 2>/dev/null || [ "$rc" -ge 128 ]; then
		not_ok "$tag $m: no crash" "rc=$rc; $(grep -m1 'signal' "$f.time")"$'\n'"$(tail -20 "$f.err")"
	else
		ok "$tag $m: no crash"
	fi
	if [ "$rc" = 0 ]; then ok "$tag $m: exit status 0"; else
		not_ok "$tag $m: exit status 0" "rc=$rc"$'\n'"$(tail -20 "$f.err")"; fi
	# ended by itself, with the target concluded: the summary line on
	# stderr ("Targets: 1 tried: A open, B closed, C filtered, D error(s)")
	counts=$(sed -n 's/^smbwatch: Targets: \([0-9]*\) tried: \([0-9]*\) open, \([0-9]*\) closed, \([0-9]*\) filtered, \([0-9]*\) errors*$/\1 \2 \3 \4 \5/p' "$f.err")
	if [ "$rc" = 137 ]; then
		not_ok "$tag $m: ends by itself, the target accounted for" "still running after ${HANG_BOUND}s: killed"
	elif [ -n "$counts" ] && awk -v c="$counts" 'BEGIN { split(c, a, " "); exit !(a[1] == 1 && a[2] + a[3] + a[4] + a[5] == 1) }'; then
		ok "$tag $m: ends by itself, the target accounted for ($counts)"
	else
		not_ok "$tag $m: ends by itself, the target accounted for" "summary: ${counts:-none}"$'\n'"$(tail -5 "$f.err")"
	fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$f.err"; then
		not_ok "$tag $m: no sanitizer report" "$(grep -m3 -A12 -E 'Sanitizer|runtime error:' "$f.err")"
	else
		ok "$tag $m: no sanitizer report"
	fi
	local nrec bad
	nrec=$(jq -s 'map(select(.type == "service")) | length' "$f.out" 2>/dev/null)
	bad=$(jq -c 'select(.type == "service") | select((.errors // []) | length == 0)' "$f.out" 2>/dev/null)
	if [ -z "$nrec" ]; then
		not_ok "$tag $m: output is JSON Lines" "$(head -c 1000 "$f.out")"
	elif [ -n "$bad" ] && [[ $LENIENT == *" $m "* ]]; then
		ok "$tag $m: record without errors[] accepted (smb1.enabled: $(jq -c 'select(.type == "service") | .smb1.enabled' "$f.out"))"
	elif [ -n "$bad" ]; then
		not_ok "$tag $m: no record, or a record with errors[] ($nrec record(s))" "$bad"
	else
		ok "$tag $m: no record, or a record with errors[] ($nrec record(s))"
	fi
	if [ "$tag" = plain ] && [[ $m == endless-* || $m == nbss-* ]]; then
		local rss
		rss=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$f.time")
		if [ -n "$rss" ] && [ "$rss" -lt "$RSS_MAX_KB" ]; then
			ok "$tag $m: max RSS ${rss} KiB < $RSS_MAX_KB KiB"
		else
			not_ok "$tag $m: max RSS ${rss:-?} KiB < $RSS_MAX_KB KiB"
		fi
	fi
}

BINS=("plain:$SMBWATCH")
if [ -n "$SAN" ] && [ -x "$SAN" ] && [ "$(readlink -f "$SAN")" != "$(readlink -f "$SMBWATCH")" ]; then
	BINS+=("san:$SAN")
fi
for tb in "${BINS[@]}"; do
	tag=${tb%%:*}
	bin=${tb#*:}
	# all modes at once: each scan has its own address and deadline
	jobs_=()
	i=0
	for m in "${MODES[@]}"; do
		scan_one "$tag" "$bin" "$m" "$(ip_of $i)" &
		jobs_+=($!)
		i=$((i + 1))
	done
	for p in "${jobs_[@]}"; do wait "$p"; done
	for m in "${MODES[@]}"; do check_run "$tag" "$m"; done
done
# a skip, not a silent pass (tests/skip-allowlist.txt says when it is fine)
if [ -z "$SAN" ] || [ ! -x "$SAN" ]; then
	skip "no ASan+UBSan binary beside (set SMBWATCH_SAN or build build-san/): plain binary only"
fi

finish
