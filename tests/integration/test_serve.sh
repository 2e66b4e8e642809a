#!/usr/bin/env bash
# Integration test of `smbwatch serve` (the dashboard and its JSON API):
# a store filled by two monitor cycles over the Samba lab with a change
# between them (SMB1 enabled on .12) and an external-view scan of .14 whose
# server string carries markup; the API's answers are checked against the
# monitor's own events and the stored records; then the security limits
# (token, non-loopback bind, oversize request, slowloris, flood), every
# page in chromium (tests/browser/check_serve.js), and the same API over
# PostgreSQL (the suite's own server). Prints TAP.
#   SMBWATCH=path/to/smbwatch tests/integration/test_serve.sh
set -uo pipefail # no -e: a failed assertion must not stop the test
. "$(dirname "$0")/../lib/lab_test.sh"
. "$ROOT/tests/integration/pg_lib.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwv$$}
BROWSER_DIR=$ROOT/tests/browser
ARTIFACTS=${SMBW_ARTIFACTS:-$ROOT/build/test-artifacts}

need_root "needs root (network namespaces, smbd)"
need_tools jq ip smbd python3 timeout curl sqlite3 chromium node
need_smbwatch
at_exit pg_stop

work_dir serve
chmod 755 "$WORK" # the PostgreSQL server (user postgres) keeps its socket here
mkdir -p "$ARTIFACTS"
PORT=$((20000 + $$ % 20000))
BASE=http://127.0.0.1:$PORT
P1='<script>alert(1)</script>'
P2='"><img src=x onerror=alert(1)>'
P3='javascript:alert(1)'
EVIL="$P1 $P2 $P3"

# --- refused before anything is served --------------------------------------
"$SMBWATCH" serve --db "$WORK/none.db" --listen 198.18.0.1:$PORT >"$WORK/o" 2>"$WORK/e"
eq "non-loopback --listen without --token-file: exit 2" "$?" 2
has "… and says why" "$(cat "$WORK/e")" "is not a loopback address"
"$SMBWATCH" serve --db "$WORK/none.db" --listen "[::]:$PORT" >"$WORK/o" 2>"$WORK/e"
eq "[::] without --token-file: exit 2" "$?" 2
echo short >"$WORK/short.token"
"$SMBWATCH" serve --db "$WORK/none.db" --token-file "$WORK/short.token" --listen 127.0.0.1:$PORT >"$WORK/o" 2>"$WORK/e"
eq "a token under 16 characters: exit 2" "$?" 2
"$SMBWATCH" serve --db "$WORK/none.db" --listen 127.0.0.1:$PORT >"$WORK/o" 2>"$WORK/e"
eq "a store that does not exist: exit 3, nothing created" "$? $(test -e "$WORK/none.db" && echo created)" "3 "

# --- the store: two monitor cycles with a change, one external scan ---------
lab_up
ok "lab up"
"$LAB" reconfigure guest "server string = $EVIL" >"$WORK/reconf.log" 2>&1
eq "guest persona's server string carries the payloads" "$?" 0
DB=$WORK/db/smbwatch.db
cycle() {
	timeout 180 "$LAB" exec "$SMBWATCH" monitor --once --db "$1" --no-progress --sink stdout \
		-p 445 198.18.1.10-14 >>"$WORK/events.$2" 2>"$WORK/mon.err"
}
cycle "$DB" sqlite
eq "monitor cycle 1 exits 0" "$?" 0
"$LAB" reconfigure smb2-unsigned 'server min protocol = NT1' >/dev/null
# the store's times are whole seconds: on a quick machine both cycles can
# scan .12 within one, and "first seen before last seen" would not show
sleep 1.1
cycle "$DB" sqlite
eq "monitor cycle 2 (after SMB1 was enabled on .12) exits 0" "$?" 0
timeout 180 "$LAB" exec "$SMBWATCH" scan --db "$DB" --view external --no-progress -p 445 \
	--format jsonl 198.18.1.14 >"$WORK/ext.jsonl" 2>"$WORK/ext.err"
eq "external-view scan of .14 exits 0" "$?" 0
eq "the stored record of .14 has the payloads in its IPC\$ comment" \
	"$(jq -r --arg e "$EVIL" '[.shares[]? | select(.comment | contains($e))] | length > 0' "$WORK/ext.jsonl")" "true"
runs_before=$(sqlite3 "$DB" 'SELECT count(*), max(id) FROM runs')

declare -A SERVE_PID_OF
start_serve() { # start_serve NAME ARGS...: serve in the background until it answers
	local name=$1
	shift
	serve "$name" "$SMBWATCH" serve "$@"
	SERVE_PID_OF[$name]=${PIDS[-1]}
	for _ in $(seq 100); do
		grep -q 'smbwatch serve: http' "$WORK/$name.log" 2>/dev/null && break
		sleep 0.1
	done
}
# (under ASan a freed block waits in a 256 MB quarantine: capped here so
# RSS shows the server's own memory, not the quarantine filling)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8 start_serve sqlite --db "$DB" --listen 127.0.0.1:$PORT
SERVE_PID=${PIDS[-1]}
has "serve starts on loopback, read-only" "$(cat "$WORK/sqlite.log")" "read-only"
get() { curl -s --max-time 30 "$BASE$1"; }
stop_serve() { # stop_serve NAME: SIGTERM, then its exit status and log are checked
	local pid=${SERVE_PID_OF[$1]} rc
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	eq "$1: serve stops on SIGTERM with 0, no sanitizer report" \
		"$rc $(grep -cE 'Sanitizer|runtime error' "$WORK/$1.log")" "0 0"
}
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$@"; }

api_checks() { # api_checks LABEL EVENTS_FILE: the API against the store
	local w=$1 evfile=$2
	local inv
	inv=$(get '/api/inventory?per_page=100')
	eq "$w: inventory has the lab's 5 services, by address" \
		"$(jq -c '[.total, [.items[] | "\(.ip):\(.port)"]]' <<<"$inv")" \
		'[5,["198.18.1.10:445","198.18.1.11:445","198.18.1.12:445","198.18.1.13:445","198.18.1.14:445"]]'
	eq "$w: .12 as last seen: SMB1 on, signing enabled (not required), first seen before last seen" \
		"$(jq -c '.items[] | select(.ip=="198.18.1.12") | [.smb1, .signing, (.first_seen < .last_seen), .sightings, ([.findings[].id] | index("SMB1_ENABLED") != null)]' <<<"$inv")" \
		'[true,"enabled",true,2,true]'
	eq "$w: names from NTLM" "$(jq -c '[.items[].name]' <<<"$inv")" \
		"$(jq -sc '[sort_by(.ip)[] | .ntlm.netbios_computer // .smb1.server_name // ""]' <"$WORK/last.$w.jsonl")"
	eq "$w: sort by address descending" \
		"$(get '/api/inventory?sort=address&order=desc' | jq -c '[.items[].ip]')" \
		'["198.18.1.14","198.18.1.13","198.18.1.12","198.18.1.11","198.18.1.10"]'
	eq "$w: paging: page 3 of 2 per page is the 5th service" \
		"$(get '/api/inventory?per_page=2&page=3' | jq -c '[.total, .page, [.items[].ip]]')" '[5,3,["198.18.1.14"]]'
	eq "$w: search by address" "$(get '/api/inventory?q=198.18.1.13' | jq -c '[.items[].ip]')" '["198.18.1.13"]'
	eq "$w: search by CIDR" "$(get '/api/inventory?q=198.18.1.0/24' | jq .total) $(get '/api/inventory?q=198.19.0.0/16' | jq .total)" "5 0"
	eq "$w: search by name" "$(get '/api/inventory?q=lab-old' | jq -c '[.items[].ip]')" '["198.18.1.11"]'
	local smb1_ips
	smb1_ips=$(jq -sc '[sort_by(.ip)[] | select([.findings[].id] | index("SMB1_ENABLED")) | .ip]' <"$WORK/last.$w.jsonl")
	eq "$w: filter finding=SMB1_ENABLED = the records with it ($smb1_ips)" \
		"$(get '/api/inventory?finding=SMB1_ENABLED' | jq -c '[.items[].ip]')" "$smb1_ips"
	eq "$w: search by finding id = the same" \
		"$(get '/api/inventory?q=SMB1_ENABLED' | jq -c '[.items[].ip]')" "$smb1_ips"
	check "$w: .12 is among them (it changed between the cycles)" grep -q 198.18.1.12 <<<"$smb1_ips"
	eq "$w: bad sort refused" "$(code "$BASE/api/inventory?sort=record;drop")" 400
	eq "$w: changes of the internal view = exactly the monitor's events (by key)" \
		"$(get '/api/changes?view=internal' | jq -r '.events[].key' | sort | tr '\n' ' ')" \
		"$(jq -r .key "$evfile" | sort | tr '\n' ' ')"
	eq "$w: changes newest first" \
		"$(get '/api/changes' | jq -c '[.events[].run] | . == (sort | reverse)')" "true"
	eq "$w: changes of the external view: .14 new" \
		"$(get '/api/changes?view=external' | jq -c '[.events[] | [.event, .ip]]')" '[["new","198.18.1.14"]]'
	eq "$w: changes filtered by kind" \
		"$(get '/api/changes?kind=finding_opened' | jq -c '[.events[] | [.ip, .finding.id]]')" \
		"$(jq -sc '[.[] | select(.event=="finding_opened") | [.ip, .finding.id]]' "$evfile")"
	# the page's kind filter comes from the answer: every kind the monitor emits
	eq "$w: changes list every event kind for the filter (12, with policy and attack rate)" \
		"$(get '/api/changes' | jq -c '[.kinds | length, index("policy_violation_opened") != null, index("attack_rate_changed") != null]')" \
		'[12,true,true]'
	local host
	host=$(get '/api/host?ip=198.18.1.12')
	eq "$w: host .12: history newest first: changed (smb1.enabled false -> true), then first seen" \
		"$(jq -c '[.history[] | select(.view=="internal") | [.status, ([.changes[] | select(.field=="smb1.enabled") | .new] | first)]]' <<<"$host")" \
		'[["changed",true],["first_seen",null]]'
	eq "$w: host .12: findings with evidence and the fix" \
		"$(jq -c '.ports[0].findings[] | select(.id=="SMB1_ENABLED") | [(.evidence|length>0), (.remediation|length>0)]' <<<"$host")" '[true,true]'
	eq "$w: host: a bad address is 400, an unknown one 404" \
		"$(code "$BASE/api/host?ip=x") $(code "$BASE/api/host?ip=198.18.1.99")" "400 404"
	local ov
	ov=$(get '/api/overview')
	eq "$w: overview: external view first: .14" "$(jq -c '[.external[] | "\(.ip):\(.port)"]' <<<"$ov")" '["198.18.1.14:445"]'
	eq "$w: overview: 5 services, 5 hosts" "$(jq -c '[.now.services, .now.hosts]' <<<"$ov")" '[5,5]'
	eq "$w: overview: trend of 3 runs; SMB1 count +1 from run 1 to run 2" \
		"$(jq -c '[(.trend | length), (.trend[1].smb1 - .trend[0].smb1)]' <<<"$ov")" '[3,1]'
	eq "$w: overview: last run of each view" "$(jq -c '[.last_runs[].view]' <<<"$ov")" '["external","internal"]'
	# open findings are kept in service_latest at store time (migration 7)
	eq "$w: sort by findings: the latest records' findings other than info, most first, then by address" \
		"$(get '/api/inventory?sort=findings&order=desc' | jq -c '[.items[] | "\(.ip):\(.open_findings)"]')" \
		"$(jq -sc 'map({ip, n: ([.findings[]? | select(.severity != "info")] | length)}) | sort_by(-.n, .ip) | map("\(.ip):\(.n)")' <"$WORK/last.$w.jsonl")"
	eq "$w: sort by findings ascending" \
		"$(get '/api/inventory?sort=findings&order=asc' | jq -c '[.items[] | "\(.ip):\(.open_findings)"]')" \
		"$(jq -sc 'map({ip, n: ([.findings[]? | select(.severity != "info")] | length)}) | sort_by(.n, .ip) | map("\(.ip):\(.n)")' <"$WORK/last.$w.jsonl")"
	eq "$w: inventory CSV: header + 5 rows" "$(get '/api/inventory.csv' | wc -l)" 6
	# each CSV row says what the inventory's JSON says of its service
	eq "$w: inventory CSV rows = the inventory (address, port, name, views, dialects, smb1, signing, findings)" \
		"$(get '/api/inventory.csv' | tail -n +2 | tr -d '\r' | python3 -c '
import csv, sys
for r in csv.reader(sys.stdin):
    print("|".join([r[0], r[1], r[2], r[6], r[7], r[8], r[9], r[10]]))')" \
		"$(get '/api/inventory?per_page=100' | jq -r '.items[] | [.ip, (.port|tostring), .name, (.views|join(" ")), (.dialects|join(" ")), (if .smb1 then "yes" else "no" end), (.signing // ""), ([.findings[].id]|join(" "))] | join("|")')"
	# the verdict scan --relay-list writes (RELAY_TARGET), not signing alone
	eq "$w: relay list = services with the RELAY_TARGET verdict" "$(get '/api/relay.txt' | tr '\n' ' ')" \
		"$(jq -sr 'sort_by(.ip)[] | select([.findings[].id] | index("RELAY_TARGET")) | .ip' <"$WORK/last.$w.jsonl" | tr '\n' ' ')"
	eq "$w: latest.xml: nmap XML of the latest complete run (the external scan: .14)" \
		"$(get '/api/latest.xml' | grep -o '<address addr="[^"]*"' | sort -u | tr '\n' ' ')" '<address addr="198.18.1.14" '
	eq "$w: latest.html?run=1: the HTML report of the first monitor run, every lab service" \
		"$(get '/api/latest.html?run=1' | grep -o '198\.18\.1\.1[0-4]' | sort -u | tr '\n' ' ')" \
		'198.18.1.10 198.18.1.11 198.18.1.12 198.18.1.13 198.18.1.14 '
	eq "$w: monitor --once runs have no next run due" "$(jq -c '[.last_runs[].next_due]' <<<"$ov")" '[null,null]'
	eq "$w: changes read from the stored events: new: 5 internal (run 1) + .14 external" \
		"$(get '/api/changes?runs=200&kind=new' | jq ".events | length")" 6
}
# A store written by schema 6 (SMBW_TEST_SCHEMA_MAX=6 makes this smbwatch
# create it; the rows as schema 6's upsert wrote them, no open_findings):
# four services in two runs, run 1 superseded (.20 had 3 there). serve
# migrates it to 7 and sorts by the latest rows' open findings.
v6_rows() { # v6_rows SQL_FN
	local sql=$1 run i sid n k at
	local -a high1=(3 0 0 0) high2=(0 2 1 2)
	for run in 1 2; do
		at=$((1690000000 + run * 86400))
		$sql "INSERT INTO runs (id, scope, view, targets, ports, options, scanner, started_at, ended_at, complete) VALUES ($run, 'sc', 'internal', 't', '445', '{}', 'v6', $at, $at, $([ "$2" = pg ] && echo true || echo 1))"
		for i in 0 1 2 3; do
			sid=$((run * 10 + i))
			if [ $run = 1 ]; then n=${high1[$i]}; else n=${high2[$i]}; fi
			$sql "INSERT INTO services (id, run_id, ip, port, scanned_at, record) VALUES ($sid, $run, '198.18.1.2$i', 445, $at, '{\"ip\":\"198.18.1.2$i\",\"port\":445}')"
			$sql "INSERT INTO findings (service_id, run_id, finding, severity, title) VALUES ($sid, $run, 'SMB_EXPOSED', 'info', 'x')"
			for k in $(seq "$n"); do
				$sql "INSERT INTO findings (service_id, run_id, finding, severity, title) VALUES ($sid, $run, 'HIGH_$k', 'high', 'x')"
			done
			$sql "INSERT INTO service_latest (ip, port, first_seen, last_seen, sightings, run_id, service_id, views, search) VALUES ('198.18.1.2$i', 445, $at, $at, 1, $run, $sid, ' internal ', '') ON CONFLICT (ip, port) DO UPDATE SET last_seen = excluded.last_seen, sightings = service_latest.sightings + 1, run_id = excluded.run_id, service_id = excluded.service_id"
		done
	done
}
v6_check() { # v6_check LABEL STORE SQL_FN PORT: migrate by serving, then sort
	local w=$1 store=$2 sql=$3 port=$4
	case $store in postgres*) ;; *) : >"$store" ;; esac # history opens what exists
	SMBW_TEST_SCHEMA_MAX=6 "$SMBWATCH" history --db "$store" 198.18.0.1 >/dev/null 2>&1
	eq "$w v6: an empty store of schema 6 is made" "$?" 0
	v6_rows "$sql" "$w"
	start_serve "v6$w" --db "$store" --listen 127.0.0.1:$port
	has "$w v6: serve migrates it and starts" "$(cat "$WORK/v6$w.log")" "read-only"
	eq "$w v6: sort by findings after the migration, most first (latest run only), then by address" \
		"$(curl -s --max-time 30 "http://127.0.0.1:$port/api/inventory?sort=findings&order=desc" | jq -c '[.items[] | "\(.ip):\(.open_findings)"]')" \
		'["198.18.1.21:2","198.18.1.23:2","198.18.1.22:1","198.18.1.20:0"]'
	eq "$w v6: ... and ascending" \
		"$(curl -s --max-time 30 "http://127.0.0.1:$port/api/inventory?sort=findings&order=asc" | jq -c '[.items[] | .ip[8:]]')" \
		'[".20",".22",".21",".23"]'
	stop_serve "v6$w"
}
sqv6() { sqlite3 "$WORK/v6.db" "$1"; }
v6_check sqlite "$WORK/v6.db" sqv6 $((PORT + 3))

# the last stored record of each service, straight from the store
sqlite3 "$DB" "SELECT record FROM services s WHERE run_id = (SELECT max(run_id) FROM services t WHERE t.ip = s.ip AND t.port = s.port)" >"$WORK/last.sqlite.jsonl"
api_checks sqlite "$WORK/events.sqlite"
eq "views of .14: external and internal" \
	"$(get '/api/inventory?q=198.18.1.14' | jq -c '.items[0].views')" '["external","internal"]'
eq "the view filter" "$(get '/api/inventory?view=external' | jq -c '[.items[].ip]')" '["198.18.1.14"]'

# --- HTTP: read-only, headers, limits ---------------------------------------
eq "POST is refused (405)" "$(code -X POST -d x "$BASE/api/overview")" 405
hdrs=$(curl -s -D - -o /dev/null "$BASE/")
has "CSP: default-src 'self', no inline script" "$hdrs" "Content-Security-Policy: default-src 'self'; script-src 'self';"
has "nosniff" "$hdrs" "X-Content-Type-Options: nosniff"
eq "a foreign Host (DNS rebinding) is refused; an address is answered" \
	"$(code -H 'Host: evil.example' "$BASE/api/overview") $(code "$BASE/api/overview")" "403 200"
big=$(head -c 40000 /dev/zero | tr '\0' a)
eq "a 40 kB header is refused (431), then a normal request answers" \
	"$(code -H "X-Big: $big" "$BASE/api/overview") $(code "$BASE/api/overview")" "431 200"
eq "a 40 kB URL is refused (414 or 431)" \
	"$(code "$BASE/api/inventory?q=$big" | grep -cE '^(414|431)$')" 1
eq "the store was not written (runs unchanged)" "$(sqlite3 "$DB" 'SELECT count(*), max(id) FROM runs')" "$runs_before"
rss() { awk '/^VmRSS/ {print $2}' "/proc/$SERVE_PID/status"; }
flood() { # flood FILE: 500 inventory pages from 16 clients at once, status codes to FILE
	for _ in $(seq 5); do seq 100; done | xargs -P 16 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
		--max-time 30 "$BASE/api/inventory?page={}" >"$1"
}
rss0=$(rss)
flood "$WORK/flood1.codes"
eq "flood: 500 requests from 16 clients all answered 200" "$(sort "$WORK/flood1.codes" | uniq -c | awk '{print $1, $2}')" "500 200"
rss1=$(rss)
timeout 120 python3 "$ROOT/tests/integration/slow_clients.py" 127.0.0.1 "$PORT" 150 8 >"$WORK/slow.out" 2>&1 &
SLOW=$!
wait_for "$WORK/slow.out" '^ready' 30
has "slowloris: 150 slow connections open" "$(cat "$WORK/slow.out")" "ready 150"
eq "slowloris: a normal request is still answered" "$(code --max-time 20 "$BASE/api/overview")" 200
flood "$WORK/flood2.codes"
eq "slowloris + a second flood: all 500 answered 200" "$(sort "$WORK/flood2.codes" | uniq -c | awk '{print $1, $2}')" "500 200"
wait "$SLOW"
rss2=$(rss)
diag "serve RSS: ${rss0} kB at start, ${rss1} kB after a flood, ${rss2} kB after slowloris + a second flood"
# bounded: the same load again (plus 150 held connections) costs no more
# memory; ASan's quarantine is capped for this process (see start_serve)
check "bounded memory: the second round grew RSS by less than 16 MB" test $((rss2 - rss1)) -lt 16384

# --- in chromium ------------------------------------------------------------
# an attack_rate_changed as the monitor stores it (monitor/attack_rate.c):
# about a whole view, ip "" and port 0, so the Changes page has no service
# to link and must say what it is about
rate_run=$(sqlite3 "$DB" "SELECT MAX(id) FROM runs WHERE complete = 1 AND events_stored = 1")
rate_text="SMB_SCAN alerts in the 24 h before 2026-12-05T00:00:00Z: 40, baseline median 2.0 a day over the previous 14 days (normal -> above)"
rate_body=$(jq -cn --argjson run "$rate_run" --arg text "$rate_text" '{schema: 1, event: "attack_rate_changed",
	key: "\($run)//0/attack_rate_changed/SMB_SCAN", ip: "", port: 0, view: "internal", run: $run,
	at: "2026-12-05T00:00:00Z", severity: "high", attack_rate: {kind: "SMB_SCAN", from: "normal", to: "above",
	current: 40, baseline_median: 2.0, baseline_days: 14, text: $text}}')
sqlite3 "$DB" "INSERT INTO events (run_id, seq, event, severity, ip, port, view, body)
	SELECT $rate_run, MAX(seq) + 1, 'attack_rate_changed', 3, '', 0, 'internal', '$rate_body'
	FROM events WHERE run_id = $rate_run"
eq "the attack_rate_changed event is served" \
	"$(get '/api/changes?kind=attack_rate_changed' | jq -r '.events[0].attack_rate.kind')" SMB_SCAN
build_tag=$(basename "$(dirname "$SMBWATCH")")
shots=$ARTIFACTS/serve-$build_tag
mkdir -p "$shots"
if (cd "$BROWSER_DIR" && timeout 300 node check_serve.js "$BASE/" "$shots" 198.18.1.14 198.18.1.12 "$P1" "$P2" "$P3") >"$WORK/page.json" 2>"$WORK/page.err"; then
	ok "chromium opened every page"
else
	not_ok "chromium opened every page" "$(tail -20 "$WORK/page.err")"
fi
j=$WORK/page.json
for p in overview inventory changes host sensor exposure; do
	eq "$p: no console error, no page error, no request outside the server, no dialog" \
		"$(jq -c ".pages.$p | [.console_errors, .page_errors, .outside_requests, .dialogs, .error]" "$j")" '[[],[],[],[],null]'
	eq "$p: no <img>, no inline handler, no javascript: link, only the two scripts" \
		"$(jq -c ".pages.$p | [.img_count, .inline_handlers, .js_links, .script_count]" "$j")" '[0,0,0,2]'
done
eq "overview: three charts, each with painted pixels (> 500)" \
	"$(jq -c '.pages.overview.charts | [keys, ([.[] | . > 500] | all)]' "$j")" '[["chart-age","chart-severity","chart-smb1"],true]'
diag "painted pixels: $(jq -c '.pages.overview.charts' "$j")"
eq "overview: the external service listed, its heading red" \
	"$(jq -c '.pages.overview | [.external_rows, .external_color]' "$j")" '[1,"rgb(176, 0, 32)"]'
eq "overview: its nmap XML and HTML report links download the latest run's reports" \
	"$(jq -c '.pages.overview.exports' "$j")" '{"export-nmap":"200 report attachment","export-html":"200 report attachment"}'
eq "inventory: the lab's services" "$(jq -c '.pages.inventory.rows' "$j")" \
	'["198.18.1.10:445","198.18.1.11:445","198.18.1.12:445","198.18.1.13:445","198.18.1.14:445"]'
eq "inventory: the search box filters" "$(jq -c '.pages.inventory.filtered_rows' "$j")" '["198.18.1.12:445"]'
eq "inventory: a click on Service sorts descending" "$(jq -c '.pages.inventory.sorted_desc_rows' "$j")" \
	'["198.18.1.14:445","198.18.1.13:445","198.18.1.12:445","198.18.1.11:445","198.18.1.10:445"]'
eq "changes: the events listed (the monitor's, the external run's new, the attack rate)" "$(jq '.pages.changes.events | length' "$j")" "$(($(wc -l <"$WORK/events.sqlite") + 2))"
eq "changes: the attack rate row names its view, not a service, and says what changed" \
	"$(jq -r '.pages.changes.rate_row' "$j")" "every service in internal|SMB_SCAN $rate_text"
eq "host .14: history shown (internal twice, external once)" \
	"$(jq -c '.pages.host.history | sort' "$j")" '["first_seen","first_seen","same"]'
eq "host .14: every payload shown as text (inert)" "$(jq -c '.pages.host.payloads_in_text' "$j")" '[true,true,true]'
eq "sensor: no sensor data in this store, said so" "$(jq -c '.pages.sensor.empty' "$j")" 'true'
eq "exposure: one row per host and view; .14 inside first, then from outside" \
	"$(jq -c '.pages.exposure.rows' "$j")" \
	'["198.18.1.10 internal","198.18.1.11 internal","198.18.1.12 internal","198.18.1.13 internal","198.18.1.14 internal","198.18.1.14 external"]'
for s in overview inventory changes host; do
	if [ -s "$shots/serve-$s.png" ]; then ok "screenshot $s kept"; else not_ok "screenshot $s kept"; fi
done
diag "screenshots: $shots"

# --- with a token -----------------------------------------------------------
TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$TOKEN" >"$WORK/token"
TPORT=$((PORT + 1))
start_serve token --db "$DB" --listen 127.0.0.1:$TPORT --token-file "$WORK/token"
TB=http://127.0.0.1:$TPORT
eq "token: none 401, wrong 401, bearer 200, basic 200, basic wrong 401" \
	"$(code "$TB/api/overview") $(code -H "Authorization: Bearer x$TOKEN" "$TB/api/overview") $(code -H "Authorization: Bearer $TOKEN" "$TB/api/overview") $(code -u "anyone:$TOKEN" "$TB/api/overview") $(code -u "anyone:nope" "$TB/api/overview")" \
	"401 401 200 200 401"
eq "token: the page itself needs it too" "$(code "$TB/") $(code -H "Authorization: Bearer $TOKEN" "$TB/")" "401 200"
# a non-loopback bind with a token, inside the lab's scanner namespace
"$LAB" exec "$SMBWATCH" serve --db "$DB" --listen 198.18.0.1:$TPORT --token-file "$WORK/token" \
	>"$WORK/remote.out" 2>"$WORK/remote.log" &
REMOTE=$!
PIDS+=("$REMOTE")
for _ in $(seq 100); do grep -q 'smbwatch serve: http' "$WORK/remote.log" && break; sleep 0.1; done
eq "non-loopback bind with --token-file: refuses without, answers with the token" \
	"$("$LAB" exec curl -s -o /dev/null -w '%{http_code}' "http://198.18.0.1:$TPORT/api/overview") $("$LAB" exec curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://198.18.0.1:$TPORT/api/overview")" \
	"401 200"
stop_serve sqlite
stop_serve token

# --- a responder whose names and OS strings are markup ----------------------
RESP_IP=127.77.$((($$ >> 8) % 250 + 1)).$(($$ % 250 + 1))
serve markup python3 "$ROOT/tests/hostile/hostile.py" --mode markup-strings --host "$RESP_IP" \
	--port 10445 --lifetime 300
ready markup "markup-strings responder ready"
timeout 180 "$SMBWATCH" scan --db "$WORK/names.db" --no-progress -p 10445 --format jsonl \
	"$RESP_IP" >"$WORK/names.jsonl" 2>"$WORK/names.err"
eq "scan of the responder into a store exits 0" "$?" 0
M='<script>alert(1)</script> "><img src=x onerror=alert(1)> </style> </script>'
eq "its record has the payloads as name, domain, OS and LAN manager" \
	"$(jq -c --arg e "$M" '[.smb1.server_name, .smb1.domain, .smb1.native_os, .smb1.native_lanman] | map(. == $e)' "$WORK/names.jsonl")" \
	"[true,true,true,true]"
NPORT=$((PORT + 2))
start_serve names --db "$WORK/names.db" --listen 127.0.0.1:$NPORT
mkdir -p "$shots/names"
if (cd "$BROWSER_DIR" && timeout 300 node check_serve.js "http://127.0.0.1:$NPORT/" "$shots/names" "$RESP_IP" "$RESP_IP" \
	'<script>alert(1)</script>' '"><img src=x onerror=alert(1)>' '</style>' '</script>') >"$WORK/names-page.json" 2>"$WORK/names-page.err"; then
	ok "names: chromium opened every page"
else
	not_ok "names: chromium opened every page" "$(tail -20 "$WORK/names-page.err")"
fi
j=$WORK/names-page.json
for p in overview inventory changes host; do
	eq "names $p: no error, outside request, dialog, <img>, inline handler, extra script" \
		"$(jq -c ".pages.$p | [.console_errors, .page_errors, .outside_requests, .dialogs, .img_count, .inline_handlers, .script_count]" "$j")" \
		'[[],[],[],[],0,0,2]'
done
eq "names: inventory lists the responder" "$(jq -c '.pages.inventory.rows' "$j")" "[\"$RESP_IP:10445\"]"
eq "names: host page shows every payload as text" "$(jq -c '.pages.host.payloads_in_text' "$j")" '[true,true,true,true]'
stop_serve names
stop_servers
PIDS=()

# --- PostgreSQL ---------------------------------------------------------------
if ! pg_start "$WORK/pg"; then
	not_ok "private PostgreSQL server up" "$PG_WHY"
	finish
	exit $?
fi
ok "private PostgreSQL 15 server up"
"$LAB" reconfigure smb2-unsigned 'server min protocol = SMB2_02' >/dev/null
cycle "$PG_URL" pg
eq "postgres: monitor cycle 1 exits 0" "$?" 0
"$LAB" reconfigure smb2-unsigned 'server min protocol = NT1' >/dev/null
sleep 1.1 # whole seconds in the store (see the SQLite cycles)
cycle "$PG_URL" pg
eq "postgres: monitor cycle 2 exits 0" "$?" 0
timeout 180 "$LAB" exec "$SMBWATCH" scan --db "$PG_URL" --view external --no-progress -p 445 \
	198.18.1.14 >/dev/null 2>"$WORK/ext.err"
eq "postgres: external scan exits 0" "$?" 0
runuser -u postgres -- "$PG_BIN/psql" -h "$WORK/pg" -d smbwatch -XAtq -c \
	"SELECT record FROM services s WHERE run_id = (SELECT max(run_id) FROM services t WHERE t.ip = s.ip AND t.port = s.port)" >"$WORK/last.pg.jsonl"
runuser -u postgres -- "$PG_BIN/createdb" -h "$WORK/pg" v6
pgv6() { runuser -u postgres -- "$PG_BIN/psql" -h "$WORK/pg" -d v6 -XAtq -v ON_ERROR_STOP=1 -c "$1" >/dev/null; }
v6_check pg "postgresql://postgres@/v6?host=$WORK/pg" pgv6 $((PORT + 3))
start_serve pg --db "$PG_URL" --listen 127.0.0.1:$PORT
has "postgres: serve starts" "$(cat "$WORK/pg.log")" "store: postgres, read-only"
api_checks pg "$WORK/events.pg"
stop_serve pg
stop_servers
PIDS=()
pg_stop
finish
