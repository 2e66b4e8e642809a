#!/usr/bin/env bash
# --syn against the plain scan on the farm (tests/lab/farm.sh): one smbd on
# every address of 198.19.0.0/20 (4,096) inside a silent 198.19.0.0/16.
# BENCH_REPEAT times (default 2), alternating, under /usr/bin/time -v in the
# scanner namespace:
#   smbwatch scan 198.19.0.0/16 -p 445 --checks none --format jsonl --seed i [--syn]
# prints per run: wall s, peak RSS MiB, full fingerprints / farm size, the
# open/closed/filtered summary (from --stats-every's last line) and the
# --syn counters. No thresholds: machines are noisy, read the ratios.
#   SMBWATCH=path   BENCH_REPEAT=N   FARM_PREFIX_LEN=N (default 20)
#   SMBW_LAB_PREFIX (default smbwsynb)   BENCH_OUT=dir (default bench/out/syn-<ts>)
#   BENCH_OPTS="..." more scan options for both runs (e.g. "--rate 10000")
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SMBWATCH=${SMBWATCH:-$ROOT/build/smbwatch}
case $SMBWATCH in /*) ;; *) SMBWATCH=$ROOT/$SMBWATCH ;; esac
REPEAT=${BENCH_REPEAT:-2}
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwsynb}
export FARM_PREFIX_LEN=${FARM_PREFIX_LEN:-20}
OUT=${BENCH_OUT:-$ROOT/bench/out/syn-$(date -u +%Y%m%dT%H%M%SZ)}
FARM=$ROOT/tests/lab/farm.sh
[ "$(id -u)" -eq 0 ] || { echo "bench/syn.sh: needs root" >&2; exit 2; }
mkdir -p "$OUT"
chmod 1777 "$OUT" # the --syn run drops to nobody before its first write
trap '"$FARM" down >/dev/null 2>&1 || true' EXIT
"$FARM" up >"$OUT/farm-up.log"
size=$((1 << (32 - FARM_PREFIX_LEN)))
printf '%-6s %-5s %8s %8s %10s  %s\n' run seed wall_s rss_mib full summary
for i in $(seq 1 "$REPEAT"); do
	for mode in plain syn; do
		read -r -a extra <<<"${BENCH_OPTS:-}"
		[ "$mode" = syn ] && extra+=(--syn)
		name=$mode-$i
		"$FARM" exec /usr/bin/time -v -o "$OUT/$name.time" "$SMBWATCH" scan 198.19.0.0/16 \
			-p 445 --checks none --format jsonl --no-db --no-progress --seed "$i" \
			--stats-every 1 -o "$OUT/$name.jsonl" "${extra[@]}" 2>"$OUT/$name.err" || true
		wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0;
			for (k = 1; k <= n; k++) s = s * 60 + t[k]; print s}' "$OUT/$name.time")
		rss=$(awk '/Maximum resident/ {printf "%.1f", $NF / 1024}' "$OUT/$name.time")
		full=$(jq -r 'select(.type == "service" and (.smb2.dialects | length) > 0 and
			(.ntlm.netbios_computer // "") != "") | .ip' "$OUT/$name.jsonl" | sort -u | wc -l)
		sum=$(grep '"type":"stats"' "$OUT/$name.err" | tail -1 |
			jq -r '"open \(.open) closed \(.closed) filtered \(.filtered) errors \(.errors) done \(.done)"')
		printf '%-6s %-5s %8s %8s %5s/%-4s  %s\n' "$mode" "$i" "$wall" "$rss" "$full" "$size" "$sum"
		grep -- '--syn: [0-9]* SYNs' "$OUT/$name.err" | sed 's/^/       /' || true
	done
done
echo "outputs: $OUT"
