#!/usr/bin/env bash
# Integration test: scan --relay-list FILE on the Samba lab lists exactly
# the services that do not require SMB signing (the NTLM relay targets), as
# "ip" on 445 and "ip:port" elsewhere, in agreement with the lab's ground
# truth (tests/lab/lab.sh truth) and with the signing the scan's own JSON
# records report. Prints TAP.
#   SMBWATCH=path/to/smbwatch tests/integration/test_relay_list.sh
set -uo pipefail # no -e: a failed assertion must not stop the test
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwr$$}
SCAN_TIMEOUT=${SCAN_TIMEOUT:-300}

need_root "integration test needs root (network namespaces, smbd)"
need_tools jq ip smbd timeout
need_smbwatch

work_dir relay
lab_up
ok "lab up"

# every persona: IPv4 .10-.16 and the IPv6 one, on all three lab ports
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress -p 139,445,8445 \
	--format jsonl -o "$WORK/run.jsonl" --relay-list "$WORK/relay.txt" \
	198.18.1.10-16 2001:2::10 2>"$WORK/err.txt"
eq "scan --relay-list exits 0" "$?" "0"
check "--relay-list wrote the file" test -s "$WORK/relay.txt"

# "ip" for 445, "ip:port" otherwise ([v6]:port)
entry='if .port == 445 then .ip elif (.ip | test(":")) then "[\(.ip)]:\(.port)" else "\(.ip):\(.port)" end'
want=$("$LAB" truth | jq -r "select(.service and ((.smb2_signing // .smb1_signing) != \"required\")) | $entry" | sort)
got=$(sort "$WORK/relay.txt")
eq "the relay list is the lab's personas without mandatory signing" "$got" "$want"
from_json=$(jq -r "select(((.smb2.signing // .smb1.signing) // \"\") as \$s | \$s == \"enabled\" or \$s == \"disabled\") | $entry" "$WORK/run.jsonl" | sort)
eq "the relay list agrees with the JSON records' signing" "$got" "$from_json"
# controls: the signed persona is scanned but not listed; the non-445 forms
eq "control: the mandatory-signing persona 198.18.1.13 is in the JSON records" \
	"$(jq -r 'select(.ip == "198.18.1.13") | (.smb2.signing // .smb1.signing)' "$WORK/run.jsonl")" "required"
eq "control: and not in the relay list" "$(grep -cx '198.18.1.13' "$WORK/relay.txt")" "0"
has "port 8445 is written ip:port" "$got" "198.18.1.15:8445"
has "NetBIOS port 139 is written ip:port" "$got" "198.18.1.16:139"
has "IPv6 on 445 is the bare address" "$got" "2001:2::10"
diag "relay list: $(tr '\n' ' ' <"$WORK/relay.txt")"

# --format relay on stdout: the same lines
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress -p 139,445,8445 \
	--format relay 198.18.1.10-16 2001:2::10 >"$WORK/stdout.txt" 2>"$WORK/err2.txt"
eq "scan --format relay exits 0" "$?" "0"
eq "--format relay prints the same list" "$(sort "$WORK/stdout.txt")" "$got"

finish
