#!/usr/bin/env bash
# What --surface full costs (issue 18 "Speed"): the persona lab's /24
# (tests/lab/lab.sh with the nmbd persona, SMBW_LAB_NBNS=1, and the
# management personas, SMBW_LAB_MGMT=1: xrdp, sshd, WinRM-like) scanned
# BENCH_REPEAT times (default 3) in turn by
#   base:    $SMBWATCH_BASE scan 198.18.1.0/24           (optional: e.g. main's build)
#   basefull: $SMBWATCH_BASE scan 198.18.1.0/24 --surface full (its full set)
#   default: $SMBWATCH scan 198.18.1.0/24
#   full:    $SMBWATCH scan 198.18.1.0/24 --surface full
# all with --no-db --format jsonl --seed i, inside the scanner namespace;
# prints wall seconds and records per run, and the medians. No thresholds:
# read the ratios (full/default; default/base: the default scan must not
# get slower).
#   SMBWATCH=path  SMBWATCH_BASE=path  BENCH_REPEAT=N  SMBW_LAB_PREFIX (default smbwsfc)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
abs() { case $1 in /*) echo "$1" ;; *) echo "$ROOT/$1" ;; esac; }
SMBWATCH=$(abs "${SMBWATCH:-build/smbwatch}")
BASE=${SMBWATCH_BASE:+$(abs "$SMBWATCH_BASE")}
REPEAT=${BENCH_REPEAT:-3}
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwsfc} SMBW_LAB_NBNS=1 SMBW_LAB_MGMT=1
LAB=$ROOT/tests/lab/lab.sh
[ "$(id -u)" -eq 0 ] || { echo "bench/surface_cost.sh: needs root" >&2; exit 2; }
OUT=$(mktemp -d)
trap '"$LAB" down >/dev/null 2>&1 || true; rm -rf "$OUT"' EXIT
"$LAB" up >"$OUT/lab-up.log"
one() { # NAME BINARY SEED ARGS...
	local name=$1 bin=$2 seed=$3 t0 t1
	shift 3
	t0=$(date +%s.%N)
	"$LAB" exec "$bin" scan --no-db --no-progress --format jsonl --seed "$seed" "$@" \
		198.18.1.0/24 >"$OUT/$name.jsonl" 2>/dev/null
	t1=$(date +%s.%N)
	printf '%-8s %4s %8.2f %7s\n' "$name" "$seed" "$(echo "$t1 - $t0" | bc)" "$(wc -l <"$OUT/$name.jsonl")"
}
printf '%-8s %4s %8s %7s\n' run seed wall_s records
# the base goes first in odd rounds and last in even ones: no order effect
for i in $(seq 1 "$REPEAT"); do
	[ -n "$BASE" ] && [ $((i % 2)) = 1 ] && one base "$BASE" "$i" && one basefull "$BASE" "$i" --surface full
	one default "$SMBWATCH" "$i"
	one full "$SMBWATCH" "$i" --surface full
	[ -n "$BASE" ] && [ $((i % 2)) = 0 ] && one base "$BASE" "$i" && one basefull "$BASE" "$i" --surface full
	true
done | tee "$OUT/runs.txt"
echo "medians (s):"
for name in base basefull default full; do
	m=$(awk -v n="$name" '$1 == n {print $3}' "$OUT/runs.txt" | sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}')
	[ -n "$m" ] && printf '  %-8s %s\n' "$name" "$m"
done
