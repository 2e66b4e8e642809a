#!/usr/bin/env bash
# Integration test: the HTML report (--format html) of a real lab scan, in a
# real browser. The lab's "guest" persona gets a server string made of the
# payloads an attacker would use (<script>, "><img onerror>, </style>,
# </script>): Samba sends it as the IPC$ share comment, so it reaches the
# report from the network; names and OS strings (too long for NetBIOS names)
# come from a loopback responder (tests/hostile/hostile.py --mode
# markup-strings). Then Debian's chromium (headless, driven by
# puppeteer-core from tests/browser/, `npm ci` by scripts/deps.sh) opens the
# file and tests/browser/check_report.js measures it:
#   no console or page error, no request but the file itself, no dialog;
#   every chart canvas has painted pixels; a header click sorts the hosts
#   table; typing in the filter hides the rows that do not match; no <img>
#   and no inline handler in the document, the payloads in its text.
# A control page that does log an error, fetch, alert and carry an
# <img onerror> proves the checker sees each of those.
# The screenshot and the report are kept in $SMBW_ARTIFACTS (default
# build/test-artifacts), printed as TAP diagnostics.
# Prints TAP. SMBWATCH=path/to/smbwatch tests/integration/test_html_report.sh
set -uo pipefail # no -e: a failed assertion must not stop the test
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwh$$}
SCAN_TIMEOUT=${SCAN_TIMEOUT:-300}
BROWSER_DIR=$ROOT/tests/browser
ARTIFACTS=${SMBW_ARTIFACTS:-$ROOT/build/test-artifacts}

need_root "integration test needs root (network namespaces, smbd)"
# after scripts/deps.sh these are all there: missing is a failure, not a skip
need_tools jq ip smbd timeout chromium node
need_smbwatch
if [ ! -f "$BROWSER_DIR/node_modules/puppeteer-core/package.json" ]; then
	not_ok "puppeteer-core installed in tests/browser (scripts/deps.sh runs npm ci there)"
	finish
	exit 1
fi
# payloads, in the persona's server string (one line of smb.conf)
P1='<script>alert(1)</script>'
P2='"><img src=x onerror=alert(1)>'
P3='</style>'
P4='</script>'
EVIL="$P1 $P2 $P3 $P4"

work_dir html
mkdir -p "$ARTIFACTS"
check_page() { # check_page HTML PNG [PAYLOAD...] > JSON
	(cd "$BROWSER_DIR" && timeout 180 node check_report.js "$@")
}

# --- control: the checker sees errors, requests, dialogs and handlers ---------
# (the request goes to a lab address and is aborted by the checker, never sent)
cat >"$WORK/control.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>control</title></head><body>
<p>control page</p><img src="x" onerror="alert(1)">
<script>console.error("control error"); fetch("http://198.18.255.1/x").catch(function () {});</script>
</body></html>
HTML
if check_page "$WORK/control.html" "$WORK/control.png" "control page" >"$WORK/control.json" 2>"$WORK/control.err"; then
	c=$WORK/control.json
	eq "control: a console.error is seen" "$(jq '[.console_errors[] | select(test("control error"))] | length' "$c")" "1"
	eq "control: a request to another URL is seen" "$(jq -c '[.requests[] | select(test("198.18.255.1"))] | length > 0' "$c")" "true"
	eq "control: an alert() is seen" "$(jq -c '.dialogs' "$c")" '["alert: 1"]'
	eq "control: <img onerror> is seen" "$(jq -c '[.img_count, .inline_handlers]' "$c")" "[1,1]"
	eq "control: text is found" "$(jq -c '.payloads_in_text' "$c")" "[true]"
else
	not_ok "the checker runs chromium on the control page" "$(tail -20 "$WORK/control.err")"
fi

lab_up
ok "lab up"
if "$LAB" reconfigure guest "server string = $EVIL" >"$WORK/reconf.log" 2>&1; then
	ok "guest persona's server string set to the payloads"
else
	not_ok "guest persona's server string set to the payloads" "$(cat "$WORK/reconf.log")"
fi

# --- the lab's /24 as an HTML report ------------------------------------------
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db -p 139,445,8445 --format html \
	-o "$WORK/report.html" -oA "$WORK/run" 198.18.1.0/24 2>"$WORK/scan.err"
eq "scan --format html -o report.html (a /24) exits 0" "$?" "0"
n_svc=$(jq -s length "$WORK/run.jsonl")
eq "the lab has 7 SMB services on 139/445/8445" "$n_svc" "7"
# the payloads came from the network: the record has them as a share comment
eq "the scan's record carries the payloads as the IPC\$ comment (from the server)" \
	"$(jq -r --arg e "$EVIL" 'select(.ip == "198.18.1.14") | [.shares[]? | select(.comment | contains($e))] | length > 0' "$WORK/run.jsonl")" "true"
size=$(stat -c %s "$WORK/report.html")
diag "report size for the lab /24: $size bytes"
check "the report is under 1 MB" test "$size" -lt 1048576
html=$(cat "$WORK/report.html")
eq "no external URL in src/href (only #anchors)" \
	"$(grep -oE '(src|href)="[^"#][^"]*"' <<<"$html" | head -5)" ""
for p in "$P1" "$P2"; do
	if grep -qF -- "$p" <<<"$html"; then not_ok "payload not raw in the file: $p"; else ok "payload not raw in the file: $p"; fi
done
eq "</style> only once (the page's own)" "$(grep -oF '</style>' <<<"$html" | wc -l)" "1"
eq "</script> only three times (the page's own)" "$(grep -oF '</script>' <<<"$html" | wc -l)" "3"

# --- in the browser -------------------------------------------------------------
# one pair per build (make test runs this for build and build-san)
build_tag=$(basename "$(dirname "$SMBWATCH")")
shot=$ARTIFACTS/html-report-lab-$build_tag.png
cp "$WORK/report.html" "$ARTIFACTS/html-report-lab-$build_tag.html"
if check_page "$WORK/report.html" "$shot" "$P1" "$P2" "$P3" "$P4" >"$WORK/page.json" 2>"$WORK/page.err"; then
	ok "chromium opened the report"
else
	not_ok "chromium opened the report" "$(tail -20 "$WORK/page.err")"
fi
j=$WORK/page.json
# page_checks WHAT JSON [CHARTS]: what every report must show in the browser
FOUR_CHARTS='["chart-dialect","chart-severity","chart-signing","chart-smb1"]'
page_checks() {
	local w=$1 j=$2 charts=${3:-$FOUR_CHARTS}
	eq "$w: no console error" "$(jq -c '.console_errors' "$j")" "[]"
	eq "$w: no page error" "$(jq -c '.page_errors' "$j")" "[]"
	eq "$w: no request but the file itself" "$(jq -c '.requests' "$j")" "[]"
	eq "$w: no dialog (alert) fired" "$(jq -c '.dialogs' "$j")" "[]"
	eq "$w: the charts" "$(jq -c '.charts | keys' "$j")" "$charts"
	eq "$w: every chart has painted pixels (> 500 each)" "$(jq -c '[.charts[] | . > 500] | all' "$j")" "true"
	diag "$w: painted pixels: $(jq -c '.charts' "$j")"
	eq "$w: no <img> element, no inline event handler" "$(jq -c '[.img_count, .inline_handlers]' "$j")" "[0,0]"
	eq "$w: three scripts (chart data, Chart.js, the report's)" "$(jq '.script_count' "$j")" "3"
	eq "$w: each payload is in the page as text" "$(jq -c '.payloads_in_text' "$j")" "[true,true,true,true]"
}
page_checks "lab" "$j"
# sorting: a click on Address sorts ascending (numerically), another descending
want_asc=$(jq -c '.hosts_initial | sort_by(split(".") | map(tonumber))' "$j")
eq "hosts: the first click on Address sorts ascending" "$(jq -c '.hosts_after_click' "$j")" "$want_asc"
eq "hosts: the second click sorts descending" "$(jq -c '.hosts_after_second_click' "$j")" "$(jq -c 'reverse' <<<"$want_asc")"
check "hosts: worst first is not already address order (the sort changed it)" \
	test "$(jq -c '.hosts_initial' "$j")" != "$want_asc"
# filtering
eq "filter: one host of $(jq '.filter_total' "$j") left for '$(jq -r '.filter_text' "$j")'" \
	"$(jq -c '[(.filter_visible | length), (.filter_total > 1)]' "$j")" "[1,true]"
eq "filter: the row left is the one that matches" \
	"$(jq -c '.filter_text as $t | [.filter_visible[] | contains($t)] | all' "$j")" "true"
if [ -s "$shot" ]; then
	ok "screenshot kept"
	diag "screenshot: $shot"
	diag "report: $ARTIFACTS/html-report-lab-$build_tag.html"
else
	not_ok "screenshot kept" "$shot missing"
fi

# --- names and OS strings: a loopback responder ----------------------------------
# NetBIOS names are too short for the payloads: tests/hostile/hostile.py
# --mode markup-strings is an SMB1 server whose DomainName, ServerName,
# NativeOS, NativeLanMan and PrimaryDomain are all four payloads.
RESP_IP=127.77.$((($$ >> 8) % 250 + 1)).$(($$ % 250 + 1))
serve markup python3 "$ROOT/tests/hostile/hostile.py" --mode markup-strings --host "$RESP_IP" \
	--port 10445 --lifetime 300
ready markup "markup-strings responder ready"
timeout "$SCAN_TIMEOUT" "$SMBWATCH" scan --no-db --no-progress -p 10445 --format html \
	-o "$WORK/names.html" -oA "$WORK/names" "$RESP_IP" 2>"$WORK/names.err"
eq "scan of the responder --format html exits 0" "$?" "0"
eq "its record has the payloads as name, domain, OS and LAN manager (from the server)" \
	"$(jq -c --arg e "$EVIL" '[.smb1.server_name, .smb1.domain, .smb1.native_os, .smb1.native_lanman] | map(. == $e)' "$WORK/names.jsonl")" \
	"[true,true,true,true]"
nhtml=$(cat "$WORK/names.html")
for p in "$P1" "$P2"; do
	if grep -qF -- "$p" <<<"$nhtml"; then not_ok "names: payload not raw in the file: $p"; else ok "names: payload not raw in the file: $p"; fi
done
eq "names: </style> once, </script> three times" \
	"$(grep -oF '</style>' <<<"$nhtml" | wc -l) $(grep -oF '</script>' <<<"$nhtml" | wc -l)" "1 3"
nshot=$ARTIFACTS/html-report-names-$build_tag.png
if check_page "$WORK/names.html" "$nshot" "$P1" "$P2" "$P3" "$P4" >"$WORK/names.json" 2>"$WORK/names-page.err"; then
	ok "chromium opened the responder's report"
	page_checks "names" "$WORK/names.json"
	diag "screenshot: $nshot"
else
	not_ok "chromium opened the responder's report" "$(tail -20 "$WORK/names-page.err")"
fi

# --- findings over time: a second stored run of the same scan -------------------
for i in 1 2; do
	timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --db "$WORK/trend.db" --no-progress -p 445 \
		--format html -o "$WORK/trend$i.html" 198.18.1.10-14 2>"$WORK/trend$i.err"
	eq "stored scan $i --format html exits 0" "$?" "0"
done
eq "first run: no earlier run, no findings-over-time chart" \
	"$(grep -c '<canvas id="chart-trend">' "$WORK/trend1.html")" "0"
eq "second run: the chart, with both runs" \
	"$(grep -o '"trend":{"labels":\[[^]]*\]' "$WORK/trend2.html" | grep -o '"20[0-9-]* [0-9:]*"' | wc -l)" "2"
tshot=$ARTIFACTS/html-report-trend-$build_tag.png
if check_page "$WORK/trend2.html" "$tshot" "LAB-GUEST" >"$WORK/trend.json" 2>"$WORK/trend-page.err"; then
	ok "chromium opened the second run's report"
	eq "trend: no console error, request or dialog" \
		"$(jq -c '[.console_errors, .page_errors, .requests, .dialogs]' "$WORK/trend.json")" "[[],[],[],[]]"
	eq "trend: five charts, each with painted pixels (> 500)" \
		"$(jq -c '[(.charts | keys), ([.charts[] | . > 500] | all)]' "$WORK/trend.json")" \
		'[["chart-dialect","chart-severity","chart-signing","chart-smb1","chart-trend"],true]'
	diag "trend: painted pixels: $(jq -c '.charts' "$WORK/trend.json"); screenshot: $tshot"
else
	not_ok "chromium opened the second run's report" "$(tail -20 "$WORK/trend-page.err")"
fi

finish
