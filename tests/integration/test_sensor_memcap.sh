#!/usr/bin/env bash
# smbwatch sensor --max-memory N keeps the process's peak RSS (as
# /usr/bin/time reports it) at or below N MiB under a SYN flood of one
# million half-open flows (issue 23, "Speed and memory"). Before the split
# of the cap (src/sensor/memcap.c) only the flow and source tables were
# counted and the process overshot by 10-12 MiB (32 -> 43 MiB, 64 -> 76 MiB).
# The flood is generated here by tests/lib/gen_syn_flood_pcap.py (python3,
# ~120 MB in a temp dir, never committed); no root, no network. TAP output.
set -u
cd "$(dirname "$0")/../.."
SMBWATCH=${SMBWATCH:-build/smbwatch}
FLOWS=${FLOWS:-1000000}
n=0
fail=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
# an ASan build's RSS is mostly shadow memory, redzones and the free
# quarantine, not the program's: RSS is asserted on the normal build only
# (everything else in both)
sanitized=0
ldd "$SMBWATCH" 2>/dev/null | grep -q 'libasan' && sanitized=1
# t_rss COND NAME: an RSS assertion, skipped on a sanitized build
t_rss() {
	if [ "$sanitized" = 1 ]; then
		n=$((n + 1))
		echo "ok $n - $2 # SKIP ASan build: its RSS is not the program's"
	else
		t "$1" "$2"
	fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 tests/lib/gen_syn_flood_pcap.py "$tmp/flood.pcap" "$FLOWS"
t $? "generated a SYN flood of $FLOWS half-open flows"

# run_capped M: sensor on the flood under --max-memory M; sets rss_kib,
# peak_flows, evicted, flows and rc
run_capped() {
	local m=$1
	# --max-flows far above what fits: only --max-memory bounds the run
	timeout 300 /usr/bin/time -f "%M" -o "$tmp/time$m" "$SMBWATCH" sensor -r "$tmp/flood.pcap" \
		--max-memory "$m" --max-flows 4000000 --summary --stats >"$tmp/out$m" 2>"$tmp/err$m"
	rc=$?
	rss_kib=$(tail -n 1 "$tmp/time$m")
	local st
	st=$(grep '^sensor:' "$tmp/err$m")
	flows=$(sed -n 's/.*; \([0-9][0-9]*\) flows (peak.*/\1/p' <<<"$st")
	peak_flows=$(sed -n 's/.*(peak \([0-9][0-9]*\),.*/\1/p' <<<"$st")
	evicted=$(sed -n 's/.* \([0-9][0-9]*\) evicted).*/\1/p' <<<"$st")
	echo "# --max-memory $m: exit $rc, peak RSS $((${rss_kib:-0} / 1024)) MiB, ${flows:-?} flows, peak ${peak_flows:-?} held, ${evicted:-?} evicted"
	grep '^sensor memory:' "$tmp/err$m" | sed 's/^/# /'
}

declare -A held
for m in 32 64; do
	run_capped $m
	t "$rc" "--max-memory $m: exits 0"
	[ "${flows:-0}" = "$FLOWS" ]
	t $? "--max-memory $m: all $FLOWS flows seen (${flows:-none})"
	[ -n "$rss_kib" ] && [ "$rss_kib" -le $((m * 1024)) ]
	t_rss $? "--max-memory $m: peak RSS ${rss_kib:-?} KiB <= $((m * 1024)) KiB"
	[ "${evicted:-0}" -gt 0 ] && [ $((evicted + peak_flows)) -ge "$FLOWS" ]
	t $? "--max-memory $m: evictions counted (${evicted:-none}; evicted + held >= $FLOWS)"
	held[$m]=${peak_flows:-0}
done
[ "${held[64]}" -gt "${held[32]}" ]
t $? "twice the cap holds more flows (${held[32]} -> ${held[64]})"

# control: a cap large enough for many more flows keeps many more (the caps
# above are what limits them, not something else), still within its cap
run_capped 256
t "$rc" "--max-memory 256: exits 0"
[ "${peak_flows:-0}" -gt $((held[64] * 3)) ]
t $? "--max-memory 256 holds > 3x the flows of 64 (${peak_flows:-none} vs ${held[64]})"
[ -n "$rss_kib" ] && [ "$rss_kib" -le $((256 * 1024)) ]
t_rss $? "--max-memory 256: peak RSS ${rss_kib:-?} KiB <= $((256 * 1024)) KiB"

# a cap below what the process needs before the first packet is refused,
# with the reason, rather than silently overshot (32 above is the control)
"$SMBWATCH" sensor -r "$tmp/flood.pcap" --max-memory 8 >/dev/null 2>"$tmp/small"
rc=$?
[ "$rc" = 2 ] && grep -q 'max-memory 8 MiB is too small' "$tmp/small"
t $? "--max-memory 8: refused with exit 2 and the reason (exit $rc: $(head -c 200 "$tmp/small"))"

echo "1..$n"
exit $fail
