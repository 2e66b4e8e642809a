#!/usr/bin/env bash
# Sensor throughput and memory (issue 23; figures in docs/performance.md,
# section "Sensor").
#  1. capture (>= MIN_MB, in a temp dir, never committed): real SMB 3.1.1
#     file copies from the Samba lab (bench/sensor_lab_capture.sh: root;
#     SENSOR_LAB_PCAP=FILE reuses one), cut to 1448-byte segments and
#     replicated with the vendored captures of tests/data/pcaps (SMB1
#     sessions, EternalBlue, DoublePulsar, WannaCry, psexec, ...) by
#     bench/sensor_mix.py; SENSOR_PCAP=FILE uses a ready mix instead.
#  2. throughput: `smbwatch sensor -r FILE --summary` RUNS times under
#     /usr/bin/time: CPU (user+sys) is the figure "on one core" (the machine
#     is shared and loaded: wall time is printed, not trusted); then
#     `tshark -n -r FILE -Y smb2` once on the same file. Table + ratio.
#  3. memory: bench/sensor_flows.py FLOWS --syn-flood (1M half-open flows
#     from spoofed sources, each holding half an SMB frame), then
#     `smbwatch sensor -r FLOOD --max-memory M --max-flows 4000000 --summary
#     --stats` for each M in MEMS (MiB): PASS when peak RSS <= M (+
#     BASELINE_MIB, default 0) and the stats line counts evicted flows.
# Prints PASS/FAIL per check; exits 1 if any FAIL.
#   sudo bench/sensor.sh            (SMBWATCH=build/smbwatch by default)
set -euo pipefail
cd "$(dirname "$0")/.."
SMBWATCH=${SMBWATCH:-build/smbwatch}
PCAPS=tests/data/pcaps
MIN_MB=${MIN_MB:-500}
RUNS=${RUNS:-3}
FLOWS=${FLOWS:-1000000}
MEMS=${MEMS:-16 64 256}
BASELINE_MIB=${BASELINE_MIB:-0} # allowed over the cap: none since memcap.c
TSHARK=${TSHARK:-1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check NAME COND-EXIT-STATUS
	if [ "$2" = 0 ]; then echo "PASS $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}
# run_timed OUT CMD...: runs CMD, stdout to /dev/null, stderr to OUT.err;
# OUT gets "wall user sys maxrss_kib"
run_timed() {
	local out=$1
	shift
	/usr/bin/time -f "%e %U %S %M" -o "$out" "$@" >/dev/null 2>"$out.err"
}

# --- 1. the capture ----------------------------------------------------------
if [ -n "${SENSOR_PCAP:-}" ]; then
	big=$SENSOR_PCAP
else
	lab=${SENSOR_LAB_PCAP:-}
	if [ -z "$lab" ]; then
		lab=$tmp/lab.pcap
		bench/sensor_lab_capture.sh "$lab"
	fi
	vend=()
	for f in "$PCAPS"/*.pcap "$PCAPS"/*.pcapng; do
		case $f in
		*.pcapng) editcap -F pcap "$f" "$tmp/$(basename "$f" .pcapng).pcap"; vend+=("$tmp/$(basename "$f" .pcapng).pcap") ;;
		*) vend+=("$f") ;;
		esac
	done
	big=$tmp/big.pcap
	python3 bench/sensor_mix.py "$big" $((MIN_MB * 1000000)) "$lab" "${vend[@]}"
fi
bytes=$(stat -c %s "$big")
pkts=$(capinfos -M -c "$big" | awk -F: '/Number of packets/ { gsub(/ /, "", $2); print $2 }')

# --- 2. throughput -------------------------------------------------------------
best_cpu=
for r in $(seq "$RUNS"); do
	run_timed "$tmp/s$r" "$SMBWATCH" sensor -r "$big" --summary --stats
	read -r w u s m <"$tmp/s$r"
	cpu=$(echo "$u $s" | awk '{ printf "%.2f", $1 + $2 }')
	echo "sensor run $r: wall ${w}s, user ${u}s, sys ${s}s, peak RSS $((m / 1024)) MiB"
	if [ -z "$best_cpu" ] || [ "$(echo "$cpu < $best_cpu" | bc -l)" = 1 ]; then
		best_cpu=$cpu best_wall=$w best_rss=$m best=$r
	fi
done
tail -1 "$tmp/s$best.err"
if [ "$TSHARK" = 1 ]; then
	run_timed "$tmp/t" tshark -n -r "$big" -Y smb2
	read -r tw tu ts tm <"$tmp/t"
	tcpu=$(echo "$tu $ts" | awk '{ printf "%.2f", $1 + $2 }')
fi
rate() { # rate CPU_S -> "pkts/s Gbit/s"
	echo "$pkts $bytes $1" | awk '{ printf "%.0f %.2f", $1 / $3, $2 * 8 / $3 / 1e9 }'
}
echo
echo "capture: $bytes bytes ($(echo "$bytes" | awk '{ printf "%.0f", $1 / 1e6 }') MB), $pkts packets; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %10s %10s %9s %12s %14s %9s\n' "" "CPU s" "wall s" "pkts/s" "Gbit/s(CPU)" "Gbit/s(wall)" "RSS MiB"
read -r pps gbps <<<"$(rate "$best_cpu")"
read -r _ gbpsw <<<"$(rate "$best_wall")"
printf '%-8s %10s %10s %9s %12s %14s %9s\n' smbwatch "$best_cpu" "$best_wall" "$pps" "$gbps" "$gbpsw" $((best_rss / 1024))
if [ "$TSHARK" = 1 ]; then
	read -r tpps tgbps <<<"$(rate "$tcpu")"
	read -r _ tgbpsw <<<"$(rate "$tw")"
	printf '%-8s %10s %10s %9s %12s %14s %9s\n' tshark "$tcpu" "$tw" "$tpps" "$tgbps" "$tgbpsw" $((tm / 1024))
	echo "ratio (tshark CPU / smbwatch CPU): $(echo "$tcpu / $best_cpu" | bc -l | cut -c1-5)x (tshark decodes every protocol; context, not a target)"
fi
check "throughput >= 1 Gbit/s per CPU-second ($gbps)" "$(echo "$gbps >= 1" | bc -l | grep -qx 1; echo $?)"
check "capture >= $MIN_MB MB" "$([ "$bytes" -ge $((MIN_MB * 1000000)) ]; echo $?)"

# --- 3. memory under a SYN flood ---------------------------------------------
echo
python3 bench/sensor_flows.py "$FLOWS" "$tmp/flood.pcap" --syn-flood
run_timed "$tmp/b" "$SMBWATCH" sensor -r "$PCAPS/zeek-smb3.pcap"
read -r _ _ _ base <"$tmp/b"
echo "baseline: RSS on a 54-packet capture $((base / 1024)) MiB; allowed over the cap: $BASELINE_MIB MiB"
for m in $MEMS; do
	run_timed "$tmp/m$m" "$SMBWATCH" sensor -r "$tmp/flood.pcap" --max-memory "$m" --max-flows 4000000 --summary --stats
	read -r w u s rss <"$tmp/m$m"
	st=$(grep '^sensor:' "$tmp/m$m.err")
	ev=$(sed -n 's/.* \([0-9][0-9]*\) evicted).*/\1/p' <<<"$st")
	peak=$(sed -n 's/.*(peak \([0-9][0-9]*\),.*/\1/p' <<<"$st")
	echo "--max-memory $m: $FLOWS flows, peak $peak held, ${ev:-?} evicted; CPU $(echo "$u $s" | awk '{ printf "%.2f", $1 + $2 }') s, peak RSS $((rss / 1024)) MiB"
	check "--max-memory $m: peak RSS $((rss / 1024)) MiB <= $m + $BASELINE_MIB MiB" \
		"$([ "$rss" -le $(((m + BASELINE_MIB) * 1024)) ]; echo $?)"
	check "--max-memory $m: evicted flows counted (${ev:-none})" "$([ "${ev:-0}" -gt 0 ]; echo $?)"
done
[ "$fails" = 0 ]
