#!/usr/bin/env bash
# Integration test: MS17-010, DoublePulsar and SMBGhost verdicts against the
# capture-based responders (tests/responders/smbresponder.py), one persona per
# loopback address (127.0.0.11..), all on port $PORT. Prints TAP.
#
#   SMBWATCH=path/to/smbwatch tests/integration/test_vulns.sh
#
# An absent verdict, null, or "unknown" all count as unknown (the record's
# contract: what could not be learned is absent, never guessed).
# Network: loopback only. Every responder is stopped on exit (trap) and exits
# by itself after $LIFETIME seconds anyway.
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
RESPONDER=$ROOT/tests/responders/smbresponder.py
PORT=${PORT:-10445}
LIFETIME=60
SCAN_ARGS=(scan --format jsonl -p "$PORT" --no-progress --read-timeout 1s --timeout 8s)

need_tools jq python3 timeout
need_smbwatch

work_dir vulns
WORK_KEPT=${KEEP_WORK:+kept}

# persona  address  ms17_010  doublepulsar  cve_2020_0796  findings-present  findings-absent
CASES=(
	"ms17-vulnerable             127.0.0.11 vulnerable     not_vulnerable unknown        MS17_010              DOUBLEPULSAR,CVE_2020_0796"
	"ms17-patched                127.0.0.12 not_vulnerable not_vulnerable unknown        -                     MS17_010,DOUBLEPULSAR,CVE_2020_0796"
	"ms17-patched-invalid-handle 127.0.0.13 not_vulnerable not_vulnerable unknown        -                     MS17_010,DOUBLEPULSAR,CVE_2020_0796"
	"doublepulsar-infected       127.0.0.14 vulnerable     vulnerable     unknown        MS17_010,DOUBLEPULSAR CVE_2020_0796"
	"doublepulsar-clean          127.0.0.15 vulnerable     not_vulnerable unknown        MS17_010              DOUBLEPULSAR,CVE_2020_0796"
	"anon-denied                 127.0.0.16 unknown        unknown        unknown        -                     MS17_010,DOUBLEPULSAR,CVE_2020_0796"
	"ipc-denied                  127.0.0.17 unknown        unknown        unknown        -                     MS17_010,DOUBLEPULSAR,CVE_2020_0796"
	"smbghost-vulnerable         127.0.0.18 unknown        unknown        vulnerable     CVE_2020_0796         MS17_010,DOUBLEPULSAR"
	"smbghost-patched-build      127.0.0.19 unknown        unknown        not_vulnerable -                     MS17_010,DOUBLEPULSAR,CVE_2020_0796"
	"smbghost-no-compression     127.0.0.20 unknown        unknown        not_vulnerable -                     MS17_010,DOUBLEPULSAR,CVE_2020_0796"
	"no-smb1                     127.0.0.21 unknown        unknown        not_vulnerable -                     MS17_010,DOUBLEPULSAR,CVE_2020_0796"
	"no-smb1-silent              127.0.0.22 unknown        unknown        not_vulnerable -                     MS17_010,DOUBLEPULSAR,CVE_2020_0796"
)

# Start every responder, wait until each says "ready".
for c in "${CASES[@]}"; do
	read -r persona ip _ <<<"$c"
	serve "$persona" python3 "$RESPONDER" --persona "$persona" --host "$ip" --port "$PORT" --lifetime "$LIFETIME"
done
for c in "${CASES[@]}"; do
	read -r persona ip _ <<<"$c"
	ready "$persona" "$persona: responder ready on $ip:$PORT"
done

# Scan them all at once (each scan is bounded by timeout).
SCANS=()
for c in "${CASES[@]}"; do
	read -r persona ip _ <<<"$c"
	(
		timeout 30 "$SMBWATCH" "${SCAN_ARGS[@]}" "$ip" >"$WORK/$persona.jsonl" 2>"$WORK/$persona.err"
		echo $? >"$WORK/$persona.rc"
	) &
	SCANS+=($!)
done
for p in "${SCANS[@]}"; do wait "$p"; done

verdict() { # FILE KEY
	jq -r --arg k "$2" '.vulns[$k] // "unknown"' "$1" 2>/dev/null
}
has_finding() { # FILE ID
	jq -e --arg id "$2" '[.findings[]?.id] | index($id) != null' "$1" >/dev/null 2>&1
}

for c in "${CASES[@]}"; do
	read -r persona ip ms17 dp ghost present absent <<<"$c"
	out=$WORK/$persona.jsonl
	eq "$persona: scan exits 0" "$(cat "$WORK/$persona.rc")" 0
	recs=$(jq -s 'map(select(.type == "service")) | length' "$out" 2>/dev/null)
	if [ "$recs" != 1 ]; then
		not_ok "$persona: one service record" "records: ${recs:-none}"$'\n'"$(head -c 2000 "$out")"$'\n'"$(tail -5 "$WORK/$persona.err")"
		continue
	fi
	ok "$persona: one service record"
	jq -c 'select(.type == "service")' "$out" >"$out.rec"
	eq "$persona: vulns.ms17_010" "$(verdict "$out.rec" ms17_010)" "$ms17"
	eq "$persona: vulns.doublepulsar" "$(verdict "$out.rec" doublepulsar)" "$dp"
	eq "$persona: vulns.cve_2020_0796" "$(verdict "$out.rec" cve_2020_0796)" "$ghost"
	for id in ${present//,/ }; do
		[ "$id" = - ] && continue
		if has_finding "$out.rec" "$id"; then ok "$persona: finding $id present"; else
			not_ok "$persona: finding $id present" "$(jq -c '[.findings[]?.id]' "$out.rec")"; fi
	done
	for id in ${absent//,/ }; do
		if has_finding "$out.rec" "$id"; then
			not_ok "$persona: finding $id absent" "$(jq -c '[.findings[]?.id]' "$out.rec")"
		else ok "$persona: finding $id absent"; fi
	done
done

# Persona-specific facts the verdicts rest on.
rec() { jq -c "$2" "$WORK/$1.jsonl.rec" 2>/dev/null; }
eq "ms17-vulnerable: smb1.enabled" "$(rec ms17-vulnerable '.smb1.enabled')" true
eq "ms17-vulnerable: native_os from the capture" "$(rec ms17-vulnerable '.smb1.native_os')" '"Windows 7 Enterprise 7601 Service Pack 1"'
eq "ms17-vulnerable: null session (anonymous + IPC$)" "$(rec ms17-vulnerable '.auth.null_session')" true
eq "anon-denied: anonymous_logon false" "$(rec anon-denied '.auth.anonymous_logon')" false
eq "anon-denied: errors[] says why ms17_010 is unknown" \
	"$(rec anon-denied '[.errors[]? | select(.stage == "ms17_010")] | length > 0')" true
eq "ipc-denied: anonymous_logon true" "$(rec ipc-denied '.auth.anonymous_logon')" true
eq "ipc-denied: null_session false" "$(rec ipc-denied '.auth.null_session')" false
eq "ipc-denied: errors[] says why ms17_010 is unknown" \
	"$(rec ipc-denied '[.errors[]? | select(.stage == "ms17_010")] | length > 0')" true
eq "smbghost-vulnerable: dialect 3.1.1" "$(rec smbghost-vulnerable '.smb2.dialects | index("3.1.1") != null')" true
eq "smbghost-vulnerable: compression offered" "$(rec smbghost-vulnerable '(.smb2.compression // []) | length > 0')" true
eq "smbghost-vulnerable: NTLM build" "$(rec smbghost-vulnerable '.ntlm.os_version')" '"10.0.18362"'
eq "smbghost-patched-build: NTLM build" "$(rec smbghost-patched-build '.ntlm.os_version')" '"10.0.19041"'
eq "smbghost-no-compression: no compression" "$(rec smbghost-no-compression '(.smb2.compression // []) | length')" 0
eq "smbghost-vulnerable: smb1.enabled false (RST)" "$(rec smbghost-vulnerable '.smb1.enabled')" false
eq "no-smb1: smb1.enabled false (RST)" "$(rec no-smb1 '.smb1.enabled')" false
eq "no-smb1-silent: smb1.enabled not claimed" "$(rec no-smb1-silent '.smb1.enabled // "unknown"')" '"unknown"'
eq "no-smb1-silent: errors[] notes the silent SMB1 negotiate" \
	"$(rec no-smb1-silent '[.errors[]? | select(.stage == "smb1")] | length > 0')" true

finish
