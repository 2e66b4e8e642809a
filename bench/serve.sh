#!/usr/bin/env bash
# bench/serve.sh: median latency of every `smbwatch serve` page and API call
# over a large store (bench/serve_gen.py: SERVICES x RUNS service rows),
# SQLite, or PostgreSQL with BACKEND=postgres (a private server of its own,
# Unix socket only: tests/integration/pg_lib.sh; needs root). Loopback
# only; the store and logs in a temp dir removed on exit (KEEP=1 keeps a
# SQLite store).
#   bench/serve.sh            # SERVICES=100000 RUNS=30 REPEAT=7 BACKEND=sqlite SMBWATCH=build/smbwatch
#   STORE=FILE bench/serve.sh # measure a SQLite store kept before (KEEP=1), no filling
#   STORE=postgresql://... bench/serve.sh # or a PostgreSQL store filled before
set -euo pipefail
cd "$(dirname "$0")/.."
SMBWATCH=${SMBWATCH:-build/smbwatch}
SERVICES=${SERVICES:-100000}
RUNS=${RUNS:-30}
REPEAT=${REPEAT:-7}
PORT=${PORT:-$((30000 + $$ % 20000))}
BACKEND=${BACKEND:-sqlite}
W=$(mktemp -d /tmp/smbwatch-serve-bench.XXXXXX)
SERVE=""
cleanup() {
	[ -n "$SERVE" ] && kill "$SERVE" 2>/dev/null && wait "$SERVE" 2>/dev/null
	[ "$BACKEND" = postgres ] && pg_stop
	[ "${KEEP:-0}" = 1 ] && echo "store kept: $W/bench.db" || rm -rf "$W"
}
trap cleanup EXIT
if [ "$BACKEND" = postgres ]; then
	. tests/integration/pg_lib.sh
	chmod 755 "$W" # the server (user postgres) keeps its socket here
	pg_start "$W/pg" || { echo "bench/serve.sh: $PG_WHY" >&2; exit 1; }
	DB=$PG_URL
	GEN="psql:-h $W/pg -U postgres -d smbwatch"
	sql() { psql -h "$W/pg" -U postgres -d smbwatch -XAtq -c "$1"; }
	size() { sql "SELECT pg_database_size('smbwatch') / 1048576"; }
elif [ -n "${STORE:-}" ] && [ "${STORE#postgresql:}" != "$STORE" ]; then
	DB=$STORE # a PostgreSQL store filled before (a URL)
	KIND=postgres
	sql() { psql "$DB" -XAtq -c "$1"; }
	size() { sql "SELECT pg_database_size(current_database()) / 1048576"; }
elif [ -n "${STORE:-}" ]; then
	DB=$STORE
	sql() { sqlite3 "$DB" "$1"; }
	size() { du -m "$DB" | cut -f1; }
else
	DB=$W/bench.db
	: >"$DB"
	GEN=$DB
	sql() { sqlite3 "$DB" "$1"; }
	size() { du -m "$DB" | cut -f1; }
fi
t0=$(date +%s)
if [ -z "${STORE:-}" ]; then
	"$SMBWATCH" history --db "$DB" 198.18.0.1 >/dev/null # creates the schema (migrations)
	python3 bench/serve_gen.py "$GEN" "$SERVICES" "$RUNS" 2>"$W/gen.log" || { cat "$W/gen.log" >&2; exit 1; }
fi
echo "store (${KIND:-$BACKEND}): $SERVICES services x $RUNS runs, $(sql 'SELECT count(*) FROM services') service rows, $(sql 'SELECT count(*) FROM findings') finding rows, $(size) MB, filled in $(($(date +%s) - t0)) s"
"$SMBWATCH" serve --db "$DB" --listen "127.0.0.1:$PORT" 2>"$W/serve.log" &
SERVE=$!
for _ in $(seq 100); do grep -q 'http://' "$W/serve.log" && break; sleep 0.1; done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() { # measure PATH: median of REPEAT runs, in ms
	local i
	for i in $(seq "$REPEAT"); do
		curl -s -o /dev/null -w '%{time_total}\n' --max-time 600 "http://127.0.0.1:$PORT$1"
	done | awk '{printf "%.0f\n", $1 * 1000}' | median
}
printf '%-60s %s\n' "request" "median ms"
last=$((SERVICES / 50))
for p in / /static/app.js /static/chart.umd.min.js /api/overview /api/inventory \
	"/api/inventory?page=$last" "/api/inventory?sort=last_seen&order=desc" "/api/inventory?sort=findings&order=desc" \
	"/api/inventory?q=198.18.1.2" "/api/inventory?q=198.18.0.0/16" "/api/inventory?q=host000123" \
	"/api/inventory?finding=SMB1_ENABLED" "/api/inventory?q=SMB1_ENABLED" \
	"/api/changes?runs=1" "/api/changes?runs=30&kind=finding_opened" "/api/changes?runs=30" \
	"/api/host?ip=198.18.0.100" /api/runs /api/relay.txt /api/inventory.csv \
	"/api/latest.xml?run=1" /api/latest.html; do
	printf '%-60s %s\n' "$p" "$(measure "$p")"
done
# the streamed exports: when the first byte arrives (the answer starts)
# beside the whole transfer above
ttfb() {
	local i
	for i in $(seq "$REPEAT"); do
		curl -s -o /dev/null -w '%{time_starttransfer}\n' --max-time 600 "http://127.0.0.1:$PORT$1"
	done | awk '{printf "%.0f\n", $1 * 1000}' | median
}
printf '%-60s %s\n' "streamed export" "median ms to the first byte"
for p in /api/inventory.csv "/api/latest.xml?run=1" /api/latest.html; do
	printf '%-60s %s\n' "$p" "$(ttfb "$p")"
done
echo "serve RSS after: $(awk '/^VmRSS/ {print $2}' "/proc/$SERVE/status") kB"
