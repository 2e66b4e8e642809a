#!/usr/bin/env bash
# smbwatch sensor's ECS output and metrics, on the real captures vendored in
# tests/data/pcaps (no root, no lab: /metrics is served on this host's
# loopback, on a port of the test's own):
#   --format ecs       every alert one ECS 8.11 document (each key a field of
#                      tests/data/ecs-fields-8.11.txt with its type, or
#                      smbwatch.*; tests/lib/exports_check.py), the same
#                      alerts as the JSON output
#   --sink ecs+file:   the same documents through the monitor's sinks
#   --metrics-listen   while the sensor reads, /metrics counts its alerts by
#                      id and severity, exactly as many as it wrote; promtool
#                      (Debian prometheus, scripts/deps.sh) finds no problem
# Prints TAP.   SMBWATCH=path/to/smbwatch tests/integration/test_sensor_exports.sh
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
PCAPS=$ROOT/tests/data/pcaps
FIELDS=$ROOT/tests/data/ecs-fields-8.11.txt
need_tools jq curl promtool
need_smbwatch
work_dir sensorx
SENSOR_PID=""
stop_sensor() { [ -n "$SENSOR_PID" ] && kill "$SENSOR_PID" 2>/dev/null; }
at_exit stop_sensor

CAPS=(eternalblue-success-unpatched-win7 zeek-SMBGhost internet-445-syn-scan
	doublepulsar-backdoor-connect-win7 401trg-metasploit-psexec-pth-download-meterpreter)
for c in "${CAPS[@]}"; do
	"$SMBWATCH" sensor -r "$PCAPS/$c.pcap" >>"$WORK/native.jsonl" || not_ok "sensor -r $c (json)"
	"$SMBWATCH" sensor -r "$PCAPS/$c.pcap" --format ecs >>"$WORK/ecs.jsonl" || not_ok "sensor -r $c --format ecs"
	"$SMBWATCH" sensor -r "$PCAPS/$c.pcap" --sink "ecs+file:$WORK/sink.jsonl" >/dev/null ||
		not_ok "sensor -r $c --sink ecs+file:"
done
check "the captures raise alerts" test -s "$WORK/native.jsonl"
/usr/bin/python3 "$ROOT/tests/lib/exports_check.py" ecs "$FIELDS" "$WORK/ecs.jsonl" sensor >"$WORK/ecs.tap"
eq "--format ecs: only listed ECS fields (with their types) and smbwatch.*" "$?" 0
grep -v '^ok' "$WORK/ecs.tap" | head -20 | sed 's/^/# /'
key_native='[.id, .severity, .src, (.dst // ""), .ts] | join(" ")'
key_ecs='[.event.action, .smbwatch.alert.severity, .source.ip, (.destination.ip // ""), ."@timestamp"] | join(" ")'
eq "--format ecs: the same alerts as the JSON output" \
	"$(jq -r "$key_ecs" "$WORK/ecs.jsonl")" "$(jq -r "$key_native" "$WORK/native.jsonl")"
eq "--sink ecs+file: the same documents as --format ecs" \
	"$(jq -c . "$WORK/sink.jsonl")" "$(jq -c . "$WORK/ecs.jsonl")"
eq "MS17_010_EXPLOIT carries vulnerability.id CVE-2017-0143 and rule.name" \
	"$(jq -r 'select(.event.action == "MS17_010_EXPLOIT") | "\(.vulnerability.id) \(.rule.name)"' "$WORK/ecs.jsonl" | sort -u)" \
	"CVE-2017-0143 MS17_010_EXPLOIT"
eq "SMBGHOST_CHECK carries CVE-2020-0796" \
	"$(jq -r 'select(.event.action == "SMBGHOST_CHECK") | .vulnerability.id' "$WORK/ecs.jsonl" | sort -u)" "CVE-2020-0796"
eq "SMB_SCAN (about a source, no server) has no destination.*" \
	"$(jq -c 'select(.event.action == "SMB_SCAN") | [has("destination"), .source.ip != null]' "$WORK/ecs.jsonl" | sort -u)" \
	'[false,true]'
# control: the JSON output is not ECS, and the check says so
/usr/bin/python3 "$ROOT/tests/lib/exports_check.py" ecs "$FIELDS" "$WORK/native.jsonl" sensor >/dev/null
eq "control: the native JSON fails the ECS check" "$?" 1
"$SMBWATCH" sensor -r "$PCAPS/${CAPS[0]}.pcap" --format xml >/dev/null 2>"$WORK/fmt.err"
eq "--format xml: exit 2" "$?" 2

# --- --metrics-listen -------------------------------------------------------
# the capture comes through a FIFO the test holds open: the sensor has read
# it all and waits for more while /metrics is scraped
PORT=$((20000 + $$ % 20000))
ADDR=127.0.0.1:$PORT
"$SMBWATCH" sensor -r - --metrics-listen 0.0.0.0:$PORT </dev/null >/dev/null 2>"$WORK/remote.err"
eq "--metrics-listen 0.0.0.0 without --metrics-allow-remote: exit 2" "$?" 2
has "... and says why" "$(cat "$WORK/remote.err")" "--metrics-allow-remote"
mkfifo "$WORK/in"
"$SMBWATCH" sensor -r - --metrics-listen "$ADDR" <"$WORK/in" >"$WORK/live.jsonl" 2>"$WORK/live.err" &
SENSOR_PID=$!
exec 3>"$WORK/in"
cat "$PCAPS/eternalblue-success-unpatched-win7.pcap" >&3
# until the count equals the lines written, on three scrapes in a row (the
# sensor may still be reading: a match in passing is not the end)
scraped=no
same=0
for ((i = 0; i < 150; i++)); do
	if curl -sf --max-time 5 "http://$ADDR/metrics" >"$WORK/m" 2>/dev/null &&
		[ -s "$WORK/live.jsonl" ] &&
		[ "$(awk '/^smbwatch_sensor_alerts_total\{/ {s += $2} END {print s + 0}' "$WORK/m")" = "$(wc -l <"$WORK/live.jsonl")" ]; then
		same=$((same + 1))
		[ "$same" -ge 3 ] && scraped=yes && break
	else
		same=0
	fi
	sleep 0.2
done
eq "/metrics counts every alert the sensor wrote" "$scraped" yes
want=$(jq -r '"smbwatch_sensor_alerts_total{id=\"\(.id)\",severity=\"\(.severity)\"}"' "$WORK/live.jsonl" |
	sort | uniq -c | awk '{print $2, $1}')
eq "alerts by id and severity = the alerts written" \
	"$(grep '^smbwatch_sensor_alerts_total{' "$WORK/m" | sort)" "$want"
has "MS17_010_EXPLOIT is counted" "$(cat "$WORK/m")" 'smbwatch_sensor_alerts_total{id="MS17_010_EXPLOIT",severity="critical"} 1'
if promtool check metrics <"$WORK/m" >"$WORK/promtool" 2>&1; then
	ok "promtool check metrics: no problem"
else
	not_ok "promtool check metrics: no problem" "$(cat "$WORK/promtool")"
fi
exec 3>&- # end of the capture: the sensor finishes
wait "$SENSOR_PID"
eq "the sensor exits 0 at the end of the capture" "$?" 0
eq "no sanitizer report on the sensor's stderr" "$(grep -c 'Sanitizer' "$WORK/live.err")" 0
SENSOR_PID=""
curl -sf --max-time 5 "http://$ADDR/metrics" >/dev/null 2>&1
check "the metrics port is closed after the sensor ended" test $? -ne 0

finish
