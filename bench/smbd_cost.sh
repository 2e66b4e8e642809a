#!/usr/bin/env bash
# What one connection costs the farm's smbd, by kind of exchange: the farm's
# cost model. smbd forks a child per connection; the parent's own CPU time
# (accept, fork, reaping) and its children's (reaped) CPU time are read from
# /proc/PID/stat around COST_N sequential connections of each kind
# (bench/smbd_cost_client.py, run in the scanner namespace).
#
#   sudo bench/smbd_cost.sh
#   COST_N (default 1000)  FARM_PREFIX_LEN (default 24)
# Prints, per kind, ms of smbd CPU per connection (parent + children); then
# smbwatch's own exchanges one service at a time, per check set
# (COST_SCAN_N hosts, default 100; COST_SCAN_CHECKS, SMBWATCH).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
N=${COST_N:-1000}
FARM=$ROOT/tests/lab/farm.sh
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwc$$}
export FARM_PREFIX_LEN=${FARM_PREFIX_LEN:-24}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (network namespaces, smbd)" >&2; exit 1; }
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "bench: COST_N must be a positive integer" >&2; exit 2; }
trap '"$FARM" down >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM
"$FARM" up >/dev/null
dir=$(cat "/run/smbwatch-lab/$SMBW_LAB_PREFIX.dir")
pid=$(cat "$dir"/pid/smbd*.pid 2>/dev/null | head -1)
if [ -z "$pid" ] || [ ! -r "/proc/$pid/stat" ]; then echo "bench: no smbd pid file in $dir/pid" >&2; exit 1; fi
ticks=$(getconf CLK_TCK)
# parent and reaped-children CPU ticks: utime+stime, cutime+cstime (fields
# 14-17; the command name in field 2 has no spaces here)
cpu() { awk '{print $14 + $15, $16 + $17}' "/proc/$pid/stat"; }
spread=$((1 << (32 - FARM_PREFIX_LEN)))
[ "$spread" -gt 250 ] && spread=250
printf '%-10s %6s %10s %12s %10s\n' kind conns "parent ms" "children ms" "ms/conn"
for kind in connect smb1 smb2-202 smb2-ntlm; do
	read -r p0 c0 < <(cpu)
	"$FARM" exec python3 "$ROOT/bench/smbd_cost_client.py" "$kind" "$N" 198.19.0.1 "$((spread - 1))" >&2
	sleep 1 # the last children exit and are reaped
	read -r p1 c1 < <(cpu)
	awk -v n="$N" -v t="$ticks" -v k="$kind" -v p=$((p1 - p0)) -v c=$((c1 - c0)) \
		'BEGIN { printf "%-10s %6d %10.0f %12.0f %10.2f\n", k, n, p * 1000 / t, c * 1000 / t, (p + c) * 1000 / t / n }'
done
# smbwatch's own exchanges, one service at a time (--max-inflight 2: one
# service, which may hold its two connections): smbd's CPU per service and
# per connection, for the fingerprint alone and for each check set. This is
# what a scan asks of the server; the kinds above are single connections.
SMBWATCH=${SMBWATCH:-$ROOT/build/smbwatch}
M=${COST_SCAN_N:-100}
[ "$M" -gt "$spread" ] && M=$spread
last=$(python3 -c "import ipaddress; print(ipaddress.ip_address('198.19.0.1') + $M - 1)")
printf '\n%-22s %6s %6s %10s %10s %10s\n' "smbwatch --checks" hosts conns "smbd ms" "ms/host" "ms/conn"
for checks in ${COST_SCAN_CHECKS:-none auth auth,guest auth,guest,shares default}; do
	read -r p0 c0 < <(cpu)
	opt=(--checks "$checks")
	[ "$checks" = default ] && opt=()
	"$FARM" exec "$SMBWATCH" scan 198.19.0.1-"$last" -p 445 --no-db --no-progress --format jsonl \
		--max-inflight 2 "${opt[@]}" >"/tmp/smbd_cost.$$.jsonl" 2>/dev/null || true
	sleep 1
	read -r p1 c1 < <(cpu)
	conns=$(jq -s 'map(.cost.connections) | add // 0' "/tmp/smbd_cost.$$.jsonl")
	hosts=$(jq -s 'length' "/tmp/smbd_cost.$$.jsonl")
	awk -v k="$checks" -v h="$hosts" -v n="$conns" -v t="$ticks" -v d=$((p1 - p0 + c1 - c0)) \
		'BEGIN { ms = d * 1000 / t; printf "%-22s %6d %6d %10.0f %10.2f %10.2f\n", k, h, n, ms, (h ? ms / h : 0), (n ? ms / n : 0) }'
done
rm -f "/tmp/smbd_cost.$$.jsonl"
