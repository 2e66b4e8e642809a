#!/usr/bin/env bash
# smbwatch's nbns check against nmap's nbstat script (the peer, issue 18
# part 1) on the lab's nmbd persona (tests/lab/lab.sh, SMBW_LAB_NBNS=1,
# 198.18.1.60), both run inside the scanner namespace:
#   smbwatch scan -p U:137 198.18.1.60 --format jsonl
#   nmap -n -Pn -sU -p137 --script nbstat --script-args nbstat.verbose=1 198.18.1.60
# prints the name table (name<suffix> and group/unique), the MAC and the
# wall time of each, side by side; tests/integration/test_nbns.sh asserts
# that the names agree. nmbd registers its browser names (<1B>, <1D>) only
# after its election, so the script waits for them first (bounded).
#   SMBWATCH=path   SMBW_LAB_PREFIX (default smbwnbb)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SMBWATCH=${SMBWATCH:-$ROOT/build/smbwatch}
case $SMBWATCH in /*) ;; *) SMBWATCH=$ROOT/$SMBWATCH ;; esac
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwnbb} SMBW_LAB_NBNS=1
LAB=$ROOT/tests/lab/lab.sh
IP=198.18.1.60
[ "$(id -u)" -eq 0 ] || { echo "bench/nbns_vs_nmap.sh: needs root" >&2; exit 2; }
command -v nmap >/dev/null || { echo "bench/nbns_vs_nmap.sh: nmap not installed" >&2; exit 2; }
OUT=$(mktemp -d)
trap '"$LAB" down >/dev/null 2>&1 || true; rm -rf "$OUT"' EXIT
"$LAB" up >"$OUT/lab-up.log"
smbw() {
	"$LAB" exec "$SMBWATCH" scan --no-db --no-progress --format jsonl -p U:137 "$IP" 2>/dev/null
}
for _ in $(seq 1 40); do
	smbw >"$OUT/s.jsonl"
	jq -e '.nbns.names | map(.suffix) | index("1D")' "$OUT/s.jsonl" >/dev/null && break
	sleep 3
done
t0=$(date +%s.%N)
smbw >"$OUT/s.jsonl"
t1=$(date +%s.%N)
"$LAB" exec nmap -n -Pn -sU -p137 --script nbstat --script-args nbstat.verbose=1 "$IP" \
	>"$OUT/n.txt" 2>&1
t2=$(date +%s.%N)
jq -r '.nbns.names[] | "\(.name)<\(.suffix)> \(if .group then "group" else "unique" end)"' \
	"$OUT/s.jsonl" | sort >"$OUT/s.names"
sed -n 's/^|[_ ]  *\(.*<[0-9a-f][0-9a-f]>\) *Flags: <\([a-z]*\)>.*/\1 \2/p' "$OUT/n.txt" |
	sed 's/\\x[0-9a-f][0-9a-f]/?/g; s/<\([0-9a-f]*\)>/<\U\1>/' | sort >"$OUT/n.names"
printf '%-32s %-32s\n' "smbwatch (nbns)" "nmap (nbstat)"
paste -d'|' "$OUT/s.names" "$OUT/n.names" | awk -F'|' '{printf "%-32s %-32s\n", $1, $2}'
printf '%-32s %-32s\n' "MAC: $(jq -r '.nbns.mac // "none (all zero)"' "$OUT/s.jsonl")" \
	"MAC: $(sed -n 's/.*NetBIOS MAC: \([^ ]*\).*/\1/p' "$OUT/n.txt")"
printf '%-32s %-32s\n' "wall: $(echo "$t1 - $t0" | bc) s" "wall: $(echo "$t2 - $t1" | bc) s"
if cmp -s "$OUT/s.names" "$OUT/n.names"; then echo "names: agree"; else echo "names: DIFFER"; exit 1; fi
