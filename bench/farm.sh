#!/usr/bin/env bash
# Throughput and completeness on the farm (tests/lab/farm.sh): one smbd on
# every address of 198.19.0.0/20 (4,096) inside a silent 198.19.0.0/16.
#
# BENCH_REPEAT times (default 3), one after the other, each under
# /usr/bin/time -v inside the scanner namespace:
#   smbwatch scan 198.19.0.0/16 -p 445 --checks none --format jsonl   (defaults)
#   smbwatch ... $BENCH_TUNED                                          (tuned)
#   masscan 198.19.0.0/16 -p445 --banners --adapter ... --rate R      for each
#     R in $BENCH_MASSCAN_RATES (a sweep: masscan with --banners does not take
#     N/R + --wait seconds, so a rate for "the same wall time" cannot be
#     computed up front)
# then prints a table (medians): wall time, peak RSS, full fingerprints out of
# the farm's addresses, ratios to smbwatch's defaults, and the connections
# each run left open on the farm (killed before the next run: masscan leaves
# a few hundred idle smbd children per run, which slow the runs after it);
# masscan's fastest rate with >= 95%; and, interpolated along the masscan
# sweep, masscan's wall time at 95% completeness and its completeness at the
# tuned smbwatch run's wall time.
#   smbwatch "full" = a record with smb2.dialects non-empty and
#     ntlm.netbios_computer present (and "5 dialects": all Samba offers)
#   masscan "full"  = an smb banner with the NetBIOS name (name=FARM)
#
#   SMBWATCH=path            binary (default ./build/smbwatch)
#   BENCH_REPEAT=N           repetitions (default 3)
#   BENCH_TARGET=CIDR        scan range (default 198.19.0.0/16)
#   FARM_PREFIX_LEN=N        farm size 198.19.0.0/N (default 20)
#   BENCH_TUNED="opts"       smbwatch tuned options (default "--rate 5000
#                            --max-inflight 12000 --syn")
#   BENCH_MASSCAN_RATES="R…" masscan rates, pps (default "2000 3000 4000")
#   BENCH_MASSCAN_WAIT=S     masscan --wait (default 5)
#   BENCH_OUT=dir            outputs (default bench/out/farm-<timestamp>)
# No thresholds: machines are noisy, read the ratios.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SMBWATCH=${SMBWATCH:-$ROOT/build/smbwatch}
case $SMBWATCH in /*) ;; *) SMBWATCH=$ROOT/$SMBWATCH ;; esac
REPEAT=${BENCH_REPEAT:-3}
TARGET=${BENCH_TARGET:-198.19.0.0/16}
TUNED=${BENCH_TUNED:---rate 5000 --max-inflight 12000 --syn}
read -r -a MRATES <<<"${BENCH_MASSCAN_RATES:-2000 3000 4000}"
MWAIT=${BENCH_MASSCAN_WAIT:-5}
OUT=${BENCH_OUT:-$ROOT/bench/out/farm-$(date -u +%Y%m%dT%H%M%SZ)}
# the scans keep their default store (its cost is part of the figures), but
# in the output directory, not in the user's own database
export XDG_DATA_HOME=$OUT/xdg-data
FARM=$ROOT/tests/lab/farm.sh
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwfb$$}
export FARM_PREFIX_LEN=${FARM_PREFIX_LEN:-20}

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (network namespaces, smbd)" >&2; exit 1; }
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_REPEAT must be a positive integer" >&2; exit 2; }
for r in "${MRATES[@]}"; do
	[[ $r =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_MASSCAN_RATES: '$r' is not a rate" >&2; exit 2; }
done
for b in masscan /usr/bin/time python3 jq "$SMBWATCH"; do
	command -v "$b" >/dev/null || { echo "bench: missing $b" >&2; exit 1; }
done
mkdir -p "$OUT"
trap '"$FARM" down >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM
"$FARM" up
eval "$("$FARM" info)"
NADDR=$(python3 -c "import ipaddress,sys; print(ipaddress.ip_network(sys.argv[1]).num_addresses)" "$TARGET")
{
	echo "date: $(date -u +%FT%TZ)"
	echo "host: $(nproc) CPUs, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
	echo "smbwatch: $SMBWATCH ($(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null))"
	echo "masscan: $(masscan --version 2>/dev/null | grep -m1 -o 'version [0-9.]*')"
	echo "samba: $(smbd --version)"
	echo "target: $TARGET ($NADDR addresses), farm $FARM_CIDR ($FARM_SIZE answer SMB)"
	echo "tuned: $TUNED; masscan rates ${MRATES[*]}, wait $MWAIT"
} >"$OUT/env.txt"
cat "$OUT/env.txt"

# TCP connections the scanner left open on the farm's port 445
farm_open() {
	ip netns exec "$NS_HOSTS" ss -Htn state connected '( sport = :445 )' | wc -l
}
# run NAME CMD...: in the scanner namespace under time -v. Afterwards the
# connections the run left open on the farm are counted (NAME.linger) and
# then killed: masscan --banners abandons a few hundred per run, each an idle
# smbd child for minutes, and they would slow whatever runs next.
run() {
	local name=$1; shift
	echo "bench: $name" >&2
	"$FARM" exec /usr/bin/time -v -o "$OUT/$name.time" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || true
	farm_open >"$OUT/$name.linger"
	ip netns exec "$NS_HOSTS" ss -K -Htn state connected '( sport = :445 )' >/dev/null 2>&1 || true
	local n=0
	while [ "$(farm_open)" -gt 0 ] && [ $((n += 1)) -le 20 ]; do sleep 0.5; done
	sleep 1 # the killed smbd children exit and are reaped
}
smbwatch_run() {
	local name=$1; shift
	# shellcheck disable=SC2086
	run "$name" "$SMBWATCH" scan "$TARGET" -p 445 --checks none --format jsonl --no-progress \
		--seed "$i" -o "$OUT/$name.jsonl" "$@"
}
masscan_run() {
	local name=$1 rate=$2
	run "$name" masscan "$TARGET" -p445 --banners --adapter "$VETH_SCAN" --adapter-ip "$MASSCAN_IP" \
		--router-mac "$MAC_HOSTS" --rate "$rate" --wait "$MWAIT" --seed "$i" -oL "$OUT/$name.list"
	echo "$rate" >"$OUT/$name.rate"
}

for ((i = 1; i <= REPEAT; i++)); do
	smbwatch_run "smbwatch-default-$i"
	# shellcheck disable=SC2086
	smbwatch_run "smbwatch-tuned-$i" $TUNED
	for r in "${MRATES[@]}"; do
		masscan_run "masscan-$r-$i" "$r"
	done
done

echo
echo "== bench farm: $TARGET, $FARM_SIZE SMB addresses ($FARM_CIDR), $REPEAT run(s) each, outputs in $OUT"
python3 "$ROOT/bench/farm_table.py" "$OUT" "$FARM_CIDR" | tee "$OUT/summary.txt"
