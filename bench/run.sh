#!/usr/bin/env bash
# `make bench`: smbwatch and nmap side by side on the same lab, in one run.
#
# Brings the lab up (tests/lab/lab.sh), then BENCH_REPEAT times (default 3)
# runs, each under /usr/bin/time -v inside the scanner namespace:
#   smbwatch scan 198.18.1.0/24 -p 139,445,8445 --format jsonl
#   nmap -Pn -n -p139,445,8445 --script smb-protocols,smb2-security-mode,
#        smb-security-mode,smb-os-discovery,smb2-capabilities,smb2-time -oX ...
# (alternating which goes first), and prints a table: median wall time, median
# peak RSS, services found, per-field agreement with `lab.sh truth`, and the
# nmap/smbwatch ratios. Raw outputs stay in bench/out/<timestamp>/.
#
#   SMBWATCH=path     binary (default ./build/smbwatch); if missing, nmap only
#   BENCH_REPEAT=N    repetitions (default 3)
#   BENCH_OUT=dir     output directory (default bench/out/<timestamp>)
# No timing thresholds here: machines are noisy, read the ratios.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SMBWATCH=${SMBWATCH:-$ROOT/build/smbwatch}
case $SMBWATCH in /*) ;; *) SMBWATCH=$ROOT/$SMBWATCH ;; esac
REPEAT=${BENCH_REPEAT:-3}
OUT=${BENCH_OUT:-$ROOT/bench/out/$(date -u +%Y%m%dT%H%M%SZ)}
# the scans keep their default store (its cost is part of the figures), but
# in the output directory, not in the user's own database
export XDG_DATA_HOME=$OUT/xdg-data
LAB=$ROOT/tests/lab/lab.sh
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwb$$}
TARGET=198.18.1.0/24
NMAP_SCRIPTS=smb-protocols,smb2-security-mode,smb-security-mode,smb-os-discovery,smb2-capabilities,smb2-time,smb-vuln-ms17-010,smb-enum-shares

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (network namespaces, smbd)" >&2; exit 1; }
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_REPEAT must be a positive integer" >&2; exit 2; }
for b in nmap /usr/bin/time /usr/bin/python3 jq; do
	command -v "$b" >/dev/null || { echo "bench: missing $b (make bench installs it)" >&2; exit 1; }
done
have_smbwatch=1
if [ ! -x "$SMBWATCH" ]; then
	echo "bench: $SMBWATCH not built: running nmap only" >&2
	have_smbwatch=0
fi

mkdir -p "$OUT"
trap '"$LAB" down >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM
"$LAB" up
"$LAB" truth >"$OUT/truth.jsonl"

run_smbwatch() {
	local i=$1
	echo "bench: run $i/$REPEAT smbwatch" >&2
	"$LAB" exec /usr/bin/time -v -o "$OUT/smbwatch-$i.time" \
		"$SMBWATCH" scan "$TARGET" -p 139,445,8445 --format jsonl \
		>"$OUT/smbwatch-$i.jsonl" 2>"$OUT/smbwatch-$i.err" || true
	# the same scan without the security checks: what the checks cost
	"$LAB" exec /usr/bin/time -v -o "$OUT/smbwatch_fp-$i.time" \
		"$SMBWATCH" scan "$TARGET" -p 139,445,8445 --format jsonl --checks none \
		>"$OUT/smbwatch_fp-$i.jsonl" 2>"$OUT/smbwatch_fp-$i.err" || true
}
run_nmap() {
	local i=$1
	echo "bench: run $i/$REPEAT nmap" >&2
	"$LAB" exec /usr/bin/time -v -o "$OUT/nmap-$i.time" \
		nmap -Pn -n -p139,445,8445 --script "$NMAP_SCRIPTS" -oX "$OUT/nmap-$i.xml" "$TARGET" \
		>"$OUT/nmap-$i.txt" 2>"$OUT/nmap-$i.err" || true
}

for ((i = 1; i <= REPEAT; i++)); do
	# alternate the order so neither tool always runs on a "warm" lab
	if ((i % 2)); then
		[ "$have_smbwatch" = 1 ] && run_smbwatch "$i"
		run_nmap "$i"
	else
		run_nmap "$i"
		[ "$have_smbwatch" = 1 ] && run_smbwatch "$i"
	fi
done

echo
echo "== bench: $TARGET -p 139,445,8445, $REPEAT run(s) each, outputs in $OUT"
/usr/bin/python3 "$ROOT/bench/compare.py" "$OUT" | tee "$OUT/summary.txt"
