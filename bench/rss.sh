#!/usr/bin/env bash
# Memory with many connections in flight, and a CPU profile of a farm scan.
#
#   bench/rss.sh [rss|profile|all]      (default all)
#
# rss: the farm in mute mode (tests/lab/farm.sh, FARM_MODE=mute): every
#   address of 198.19.0.0/18 (16,384) accepts on 445 and never sends a byte.
#   smbwatch scan 198.19.0.0/18 -p 445 --checks none --max-inflight 10000
#     --read-timeout 20s --timeout 30s --rate $RSS_RATE --stats-every 1
#   runs under /usr/bin/time -v; once the scanner reports >= RSS_TARGET
#   connections in flight for RSS_HOLD seconds (or after RSS_MAX seconds) it
#   is stopped (SIGTERM twice: the first writes the resume file, the second
#   exits at once). Prints peak RSS, the peak "inflight" of --stats-every, the
#   established connections counted on the hosts side, and the 64 MiB goal.
# profile: the farm (smbd on 198.19.0.0/$PROF_LEN); perf record -e cpu-clock -g
#   of smbwatch scan $PROF_TARGET --checks none (perf has no hardware counters
#   here: `perf stat -e instructions true` says <not supported>; the software
#   cpu-clock event works). Falls back to valgrind --tool=callgrind when perf
#   cannot record. Prints the top entries (self and children).
#
#   SMBWATCH=path (default ./build/smbwatch)  RSS_OUT=dir (default bench/out/rss-<ts>)
#   RSS_RATE (default 5000)  RSS_TARGET (default 10000)  RSS_HOLD (3)  RSS_MAX (40)
#   PROF_LEN (default 20)  PROF_TARGET (default 198.19.0.0/20: 4,096 SMB addresses)
#   PROF_OPTS (default "--max-inflight 400 --rate 2000")
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SMBWATCH=${SMBWATCH:-$ROOT/build/smbwatch}
case $SMBWATCH in /*) ;; *) SMBWATCH=$ROOT/$SMBWATCH ;; esac
PART=${1:-all}
OUT=${RSS_OUT:-$ROOT/bench/out/rss-$(date -u +%Y%m%dT%H%M%SZ)}
# the scans keep their default store (its cost is part of the figures), but
# in the output directory, not in the user's own database
export XDG_DATA_HOME=$OUT/xdg-data
FARM=$ROOT/tests/lab/farm.sh
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwr$$}
RATE=${RSS_RATE:-5000}
WANT=${RSS_TARGET:-10000}
HOLD=${RSS_HOLD:-3}
MAXS=${RSS_MAX:-40}
PROF_LEN=${PROF_LEN:-20}
PROF_TARGET=${PROF_TARGET:-198.19.0.0/20}
read -r -a PROF_OPTS <<<"${PROF_OPTS:---max-inflight 400 --rate 2000}"

[ "$(id -u)" -eq 0 ] || { echo "rss: needs root (network namespaces)" >&2; exit 1; }
[ -x "$SMBWATCH" ] || { echo "rss: no $SMBWATCH" >&2; exit 1; }
mkdir -p "$OUT"
scan_pid=""
cleanup() {
	[ -n "$scan_pid" ] && kill -KILL "$scan_pid" 2>/dev/null
	"$FARM" down >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

part_rss() {
	FARM_MODE=mute FARM_PREFIX_LEN=18 "$FARM" up
	local stats=$OUT/rss.stats start now held=0 peak_est=0 est inflight
	"$FARM" exec /usr/bin/time -v -o "$OUT/rss.time" "$SMBWATCH" scan 198.19.0.0/18 -p 445 \
		--checks none --format jsonl --no-progress --max-inflight 10000 --read-timeout 20s \
		--timeout 30s --rate "$RATE" --stats-every 1 --resume-file "$OUT/rss.resume" \
		-o "$OUT/rss.jsonl" 2>"$stats" &
	scan_pid=$!
	start=$(date +%s)
	while kill -0 "$scan_pid" 2>/dev/null; do
		sleep 1
		est=$("$FARM" hosts ss -Htn state established '( sport = :445 )' | wc -l)
		[ "$est" -gt "$peak_est" ] && peak_est=$est
		inflight=$(grep '"type":"stats"' "$stats" | tail -1 | jq -r '.inflight // 0' 2>/dev/null || echo 0)
		echo "rss: t=$(($(date +%s) - start))s inflight=$inflight established(hosts)=$est" \
			"smbwatch VmRSS=$(awk '/VmRSS/{print $2 " " $3}' /proc/"$(pgrep -P "$scan_pid" smbwatch || echo self)"/status 2>/dev/null)" >&2
		if [ "${inflight:-0}" -ge "$WANT" ]; then held=$((held + 1)); fi
		now=$(date +%s)
		if [ "$held" -ge "$HOLD" ] || [ $((now - start)) -ge "$MAXS" ]; then
			# time -v's child is smbwatch: stop it (twice = at once)
			local child
			child=$(pgrep -P "$scan_pid" smbwatch || true)
			[ -n "$child" ] && { kill -TERM "$child"; sleep 0.5; kill -TERM "$child" 2>/dev/null || true; }
			break
		fi
	done
	wait "$scan_pid" || true
	scan_pid=""
	local peak_inflight rss_kb
	peak_inflight=$(grep '"type":"stats"' "$stats" | jq -s 'map(.inflight) | max // 0')
	rss_kb=$(awk -F': ' '/Maximum resident set size/{print $2}' "$OUT/rss.time")
	{
		echo "== rss: smbwatch --max-inflight 10000 --read-timeout 20s --checks none, mute /18"
		echo "peak inflight (--stats-every): $peak_inflight"
		echo "peak established on the hosts side: $peak_est"
		echo "peak RSS: $rss_kb KiB = $(awk -v k="$rss_kb" 'BEGIN{printf "%.1f", k/1024}') MiB (goal <= 64 MiB:" \
			"$([ "$rss_kb" -le 65536 ] && echo met || echo MISSED))"
		echo "per connection in flight: $(awk -v k="$rss_kb" -v n="$peak_inflight" 'BEGIN{if(n>0) printf "%.1f KiB", k/n}')"
	} | tee "$OUT/rss.summary"
	"$FARM" down >/dev/null
}

part_profile() {
	FARM_PREFIX_LEN=$PROF_LEN "$FARM" up
	local scan=("$SMBWATCH" scan "$PROF_TARGET" -p 445 --checks none --format jsonl --no-progress
		--seed 1 -o "$OUT/profile.jsonl" "${PROF_OPTS[@]}")
	if "$FARM" exec perf record -e cpu-clock -F 1999 -g -o "$OUT/perf.data" -- "${scan[@]}" \
		2>"$OUT/perf-record.err" && [ -s "$OUT/perf.data" ]; then
		# (a pipeline cut short by head must not stop the script: || true)
		perf report -i "$OUT/perf.data" --stdio --comm smbwatch --no-children --sort dso,symbol -g none \
			2>/dev/null | grep -E '^ +[0-9]' | head -40 >"$OUT/profile-self.txt" || true
		perf report -i "$OUT/perf.data" --stdio --comm smbwatch --children --sort symbol -g none \
			2>/dev/null | grep -E '^ +[0-9]' | grep -v '\] 0x\|\] 0000' | head -40 >"$OUT/profile-children.txt" || true
		perf report -i "$OUT/perf.data" --stdio --comm smbwatch --no-children --sort symbol -g none \
			--dsos smbwatch 2>/dev/null | grep -E '^ +[0-9]' | head -20 >"$OUT/profile-smbwatch.txt" || true
		echo "== profile (perf, cpu-clock): $PROF_TARGET on a /$PROF_LEN farm, ${PROF_OPTS[*]}"
		grep -m1 -o 'Captured.*' "$OUT/perf-record.err" || true
	else
		echo "rss: perf record failed ($(tail -1 "$OUT/perf-record.err")); using callgrind" >&2
		"$FARM" exec valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" "${scan[@]}" \
			2>"$OUT/callgrind.err"
		{ callgrind_annotate "$OUT/callgrind.out" 2>/dev/null || true; } | head -60 >"$OUT/profile-self.txt"
		: >"$OUT/profile-children.txt"
		: >"$OUT/profile-smbwatch.txt"
		echo "== profile (callgrind): $PROF_TARGET on a /$PROF_LEN farm, ${PROF_OPTS[*]}"
	fi
	echo "-- self (top 25)"
	sed -n 1,25p "$OUT/profile-self.txt"
	echo "-- children (top 25)"
	sed -n 1,25p "$OUT/profile-children.txt"
	echo "-- smbwatch's own code (self, share of all samples)"
	sed -n 1,20p "$OUT/profile-smbwatch.txt" 2>/dev/null || true
	echo "records: $(wc -l <"$OUT/profile.jsonl")"
	"$FARM" down >/dev/null
}

case $PART in
rss) part_rss ;;
profile) part_profile ;;
all) part_rss; part_profile ;;
*) echo "usage: bench/rss.sh [rss|profile|all]" >&2; exit 2 ;;
esac
echo "outputs in $OUT"
