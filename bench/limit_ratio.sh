#!/usr/bin/env bash
# How close a full scan of the farm comes to what the farm itself can serve
# (issue 17). On a real network the targets' cost sets the time of a large
# scan: every connection forks an smbd child (or wakes srv2.sys). In ONE run
# of the farm (tests/lab/farm.sh: an smbd on every address of
# 198.19.0.0/FARM_PREFIX_LEN inside the silent 198.19.0.0/16):
#   1. smbd's CPU per connection, measured as bench/smbd_cost.sh does
#      (LIMIT_COST_N sequential smb2-ntlm connections, smbd's parent + reaped
#      children CPU from /proc/PID/stat), before the scans and again after
#      them; the limit takes the lower;
#   2. smbwatch's default full scan (every check) of the /16, then the same
#      with the tuned options: wall time, the scan's connections (the sum of
#      the records' cost.connections) and smbd's CPU over the scan;
#   1b. the same for smbwatch's own connections: a default scan of
#      LIMIT_OWN_N (100) farm addresses, one service at a time;
#   3. the limit: connections x cost per connection / the cores the farm has
#      (nproc: the farm and the scanner share them), and smbwatch's wall time
#      as a ratio to it (issue 17's goal: <= 1.2 with defaults); beside it the
#      same ratio against smbd's CPU measured over the scan itself;
#   4. masscan --banners at each rate of LIMIT_MASSCAN_RATES (banners only):
#      wall time and banners with the NetBIOS name, the best rate marked.
#
#   sudo bench/limit_ratio.sh
#   FARM_PREFIX_LEN=N      farm size (default 20; 22 for a shorter run)
#   LIMIT_TARGET=CIDR      the scanned range (default 198.19.0.0/16, the silent /16)
#   LIMIT_COST_N=N         connections for the cost measure (default 300)
#   LIMIT_TUNED="opts"     tuned options (default "--rate 5000 --max-inflight 12000 --syn")
#   LIMIT_MASSCAN_RATES="R..." (default "2000 4000"), LIMIT_MASSCAN_WAIT=S (default 5)
#   SMBWATCH=path          binary (default ./build/smbwatch)
#   BENCH_OUT=dir          outputs (default bench/out/limit-<timestamp>)
# No thresholds: a figure to read and track (docs/performance.md).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SMBWATCH=${SMBWATCH:-$ROOT/build/smbwatch}
case $SMBWATCH in /*) ;; *) SMBWATCH=$ROOT/$SMBWATCH ;; esac
N=${LIMIT_COST_N:-300}
TUNED=${LIMIT_TUNED:---rate 5000 --max-inflight 12000 --syn}
read -r -a MRATES <<<"${LIMIT_MASSCAN_RATES:-2000 4000}"
MWAIT=${LIMIT_MASSCAN_WAIT:-5}
TARGET=${LIMIT_TARGET:-198.19.0.0/16}
OUT=${BENCH_OUT:-$ROOT/bench/out/limit-$(date -u +%Y%m%dT%H%M%SZ)}
export XDG_DATA_HOME=$OUT/xdg-data
FARM=$ROOT/tests/lab/farm.sh
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwlr$$}
export FARM_PREFIX_LEN=${FARM_PREFIX_LEN:-20}

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (network namespaces, smbd)" >&2; exit 1; }
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "bench: LIMIT_COST_N must be a positive integer" >&2; exit 2; }
for b in masscan /usr/bin/time python3 jq "$SMBWATCH"; do
	command -v "$b" >/dev/null || { echo "bench: missing $b (scripts/deps.sh --bench)" >&2; exit 1; }
done
mkdir -p "$OUT"
trap '"$FARM" down >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM
"$FARM" up
eval "$("$FARM" info)"
dir=$(cat "/run/smbwatch-lab/$SMBW_LAB_PREFIX.dir")
pid=$(cat "$dir"/pid/smbd*.pid 2>/dev/null | head -1)
[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || { echo "bench: no smbd pid in $dir/pid" >&2; exit 1; }
ticks=$(getconf CLK_TCK)
cores=$(nproc)
# smbd's CPU so far, ms: parent (utime+stime) + reaped children (cutime+cstime)
smbd_ms() { awk -v t="$ticks" '{printf "%d\n", ($14 + $15 + $16 + $17) * 1000 / t}' "/proc/$pid/stat"; }
farm_open() { ip netns exec "$NS_HOSTS" ss -Htn state connected '( sport = :445 )' | wc -l; }
drain() { # kill what a run left open on the farm, wait for smbd to reap it
	ip netns exec "$NS_HOSTS" ss -K -Htn state connected '( sport = :445 )' >/dev/null 2>&1 || true
	local n=0
	while [ "$(farm_open)" -gt 0 ] && [ $((n += 1)) -le 20 ]; do sleep 0.5; done
	sleep 1
}
# one line a second while a scan runs: seconds, the machine's busy share of
# its cores (from /proc/stat) and smbd's CPU in that second, both in percent
# of one core: where the wall time went (servers saturated, or idle cores)
sample() {
	local t=0 b0 i0 s0 b1 i1 s1
	read -r b0 i0 < <(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat)
	s0=$(smbd_ms)
	echo "# s busy%(of one core) smbd%"
	while sleep 1; do
		read -r b1 i1 < <(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat)
		s1=$(smbd_ms)
		t=$((t + 1))
		awk -v t=$t -v b=$((b1 - b0)) -v i=$((i1 - i0)) -v c="$cores" -v s=$((s1 - s0)) \
			'BEGIN { printf "%d %.0f %.0f\n", t, (b + i > 0 ? 100 * c * b / (b + i) : 0), s / 10 }'
		b0=$b1 i0=$i1 s0=$s1
	done
}
wall_of() { awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s}' "$1"; }
{
	echo "date: $(date -u +%FT%TZ)"
	echo "host: $cores CPUs, $(uname -r); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "smbwatch: $SMBWATCH ($(git rev-parse --short HEAD 2>/dev/null))"
	echo "masscan: $(masscan --version 2>/dev/null | grep -m1 -o 'version [0-9.]*')"
	echo "target: $TARGET, farm $FARM_CIDR ($FARM_SIZE answer SMB)"
} | tee "$OUT/env.txt"

# 1. smbd's cost per connection (as bench/smbd_cost.sh, kind smb2-ntlm)
spread=$FARM_SIZE
[ "$spread" -gt 250 ] && spread=250
# (measured again after the scans: it moves between runs on a shared VM, so
# the limit takes the lower of the two, the server at its best)
bare_cost() { # WHEN
	local c0 c1 ms
	c0=$(smbd_ms)
	"$FARM" exec python3 "$ROOT/bench/smbd_cost_client.py" smb2-ntlm "$N" 198.19.0.1 "$((spread - 1))" >>"$OUT/cost.out" 2>&1
	sleep 1
	c1=$(smbd_ms)
	ms=$(awk -v d=$((c1 - c0)) -v n="$N" 'BEGIN {printf "%.2f", d / n}')
	echo "$ms ms per connection ($1: $N smb2-ntlm connections, $((c1 - c0)) ms)" >>"$OUT/cost.txt"
	echo "$ms"
}
cost_before=$(bare_cost before)
cost=$cost_before
echo "smbd cost: $cost_before ms per connection ($N smb2-ntlm connections)" | tee -a "$OUT/env.txt"

# 1b. what smbwatch's own connections cost smbd, one service at a time
# (--max-inflight 2: one service, which may hold its two connections):
# the full check exchange, on LIMIT_OWN_N farm addresses
M=${LIMIT_OWN_N:-100}
[ "$M" -gt "$spread" ] && M=$spread
last=$(python3 -c "import ipaddress; print(ipaddress.ip_address('198.19.0.1') + $M - 1)")
c0=$(smbd_ms)
"$FARM" exec "$SMBWATCH" scan 198.19.0.1-"$last" -p 445 --no-db --no-progress --format jsonl \
	--max-inflight 2 >"$OUT/own.jsonl" 2>"$OUT/own.err" || true
sleep 1
c1=$(smbd_ms)
own_conns=$(jq -s 'map(.cost.connections) | add // 0' "$OUT/own.jsonl")
own=$(awk -v d=$((c1 - c0)) -v n="$own_conns" 'BEGIN {printf "%.2f", (n ? d / n : 0)}')
echo "smbd cost of smbwatch's own connections: $own ms per connection ($M services one at a time, $own_conns connections, $((c1 - c0)) ms)" | tee -a "$OUT/env.txt"
drain

# 2. the scans
scan() { # NAME [OPTS...]
	local name=$1 s0 s1
	shift
	echo "bench: $name" >&2
	s0=$(smbd_ms)
	sample >"$OUT/$name.cpu" &
	local sampler=$!
	"$FARM" exec /usr/bin/time -v -o "$OUT/$name.time" "$SMBWATCH" scan "$TARGET" -p 445 \
		--format jsonl --no-progress --stats-every 5s -o "$OUT/$name.jsonl" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || true
	kill "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
	drain
	s1=$(smbd_ms)
	echo $((s1 - s0)) >"$OUT/$name.smbd_ms"
	uptime >"$OUT/$name.uptime"
}
scan default
# shellcheck disable=SC2086
scan tuned $TUNED

# 4. masscan beside it (banners only)
for r in "${MRATES[@]}"; do
	echo "bench: masscan $r" >&2
	"$FARM" exec /usr/bin/time -v -o "$OUT/masscan-$r.time" masscan "$TARGET" -p445 --banners \
		--adapter "$VETH_SCAN" --adapter-ip "$MASSCAN_IP" --router-mac "$MAC_HOSTS" --rate "$r" \
		--wait "$MWAIT" -oL "$OUT/masscan-$r.list" >"$OUT/masscan-$r.out" 2>"$OUT/masscan-$r.err" || true
	drain
done

cost_after=$(bare_cost after)
cost=$(awk -v a="$cost_before" -v b="$cost_after" 'BEGIN {printf "%.2f", (b > 0 && b < a) ? b : a}')
echo "smbd cost after the scans: $cost_after ms per connection; the limit uses $cost" | tee -a "$OUT/env.txt"

# 3. the table
echo
echo "== limit ratio: $TARGET, $FARM_SIZE SMB addresses ($FARM_CIDR), $cores cores, smbd $cost ms/connection"
printf '%-9s %8s %8s %8s %7s %9s %7s %9s %7s %7s %7s %6s %6s  %s\n' run wall_s records full conns conn/host limit_s ratio smbd_ms ratio2 ratio3 busy% smbd% load
for name in default tuned; do
	f=$OUT/$name.jsonl
	wall=$(wall_of "$OUT/$name.time")
	recs=$(jq -s 'map(select(.type == "service")) | length' "$f")
	full=$(jq -s 'map(select(.type == "service" and (.smb2.dialects | length) == 5 and .ntlm.netbios_computer != null and .auth.anonymous_logon != null)) | length' "$f")
	conns=$(jq -s 'map(select(.type == "service") | .cost.connections) | add // 0' "$f")
	smbd=$(cat "$OUT/$name.smbd_ms")
	read -r busy smbdp < <(awk '!/^#/ {b += $2; s += $3; n++} END {printf "%.0f %.0f\n", (n ? b / n : 0), (n ? s / n : 0)}' "$OUT/$name.cpu")
	awk -v n="$name" -v w="$wall" -v r="$recs" -v fu="$full" -v c="$conns" -v k="$cost" -v o="$own" -v cores="$cores" \
		-v s="$smbd" -v b="$busy" -v sp="$smbdp" -v load="$(awk -F'load average: ' '{print $2}' "$OUT/$name.uptime")" 'BEGIN {
		lim = c * k / cores / 1000; lim2 = s / cores / 1000; lim3 = c * o / cores / 1000;
		printf "%-9s %8.1f %8d %8d %7d %9.2f %7.1f %9.2f %7d %7.2f %7.2f %6d %6d  %s\n", n, w, r, fu, c, (r ? c / r : 0),
			lim, (lim > 0 ? w / lim : 0), s, (lim2 > 0 ? w / lim2 : 0), (lim3 > 0 ? w / lim3 : 0), b, sp, load }'
done | tee "$OUT/summary.txt"
best=""
for r in "${MRATES[@]}"; do
	wall=$(wall_of "$OUT/masscan-$r.time")
	named=$(grep -c 'smb.*name=' "$OUT/masscan-$r.list" 2>/dev/null || true)
	echo "masscan --banners --rate $r: ${wall}s, $named of $FARM_SIZE banners with the NetBIOS name" | tee -a "$OUT/summary.txt"
	[ "${named:-0}" -ge $((FARM_SIZE * 95 / 100)) ] && [ -z "$best" ] && best=$r
done
[ -n "$best" ] && echo "masscan: lowest rate with >= 95% banners: $best" | tee -a "$OUT/summary.txt"
echo "(limit_s = conns x smbd ms/connection / cores; ratio = wall / limit_s; ratio2 = wall / (smbd CPU measured over the scan / cores);"
echo " ratio3 = wall / (conns x smbd ms per smbwatch connection, one service at a time / cores); busy% and smbd%: mean CPU"
echo " over the scan in % of one core (all processes; smbd and its reaped children); outputs in $OUT)"
