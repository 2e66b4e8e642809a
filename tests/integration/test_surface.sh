#!/usr/bin/env bash
# Integration test: the checks of issue 16 part 2 on real Samba personas
# (tests/lab/lab.sh with SMBW_LAB_SURFACE=1) and on loopback responders:
#   relay target (RELAY_TARGET, relay.*, --relay-list), writable shares from
#   maximal access (ANON_SHARE_WRITABLE, SMB2 and SMB1), the Samba version
#   and the CVEs it indicates, SMB1 plaintext passwords / share-level
#   security. Every check is asserted on every persona, present where the
#   persona has it and absent where it has not; impacket's SMB server is the
#   second implementation. Prints TAP.
#   SMBWATCH=path/to/smbwatch tests/integration/test_surface.sh
set -uo pipefail # no -e: a failed assertion must not stop the test
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwsf$$}
export SMBW_LAB_SURFACE=1
SCAN_TIMEOUT=${SCAN_TIMEOUT:-300}
RESPONDER=$ROOT/tests/responders/smbresponder.py
IMPACKET=$ROOT/tests/responders/impacket_smb.py
PORT=${PORT:-10447}

need_root "integration test needs root (network namespaces, smbd)"
need_tools jq ip smbd timeout python3
need_smbwatch

work_dir surface
lab_up
ok "lab up (with the attack-surface personas)"

# Persona changes the checks need: an old version in the server string
# (the SRVSVC IPC$ comment tells it), Samba's own "%v", guest-writable shares.
"$LAB" reconfigure guest 'server string = Samba 4.5.9' >/dev/null &&
	"$LAB" add-share guest drop writable >/dev/null &&
	"$LAB" reconfigure smb2-unsigned 'server string = Samba %v' >/dev/null &&
	"$LAB" add-share smb1-only drop writable >/dev/null
eq "personas reconfigured" "$?" 0

timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress -p 139,445,8445 \
	--format jsonl -o "$WORK/run.jsonl" --relay-list "$WORK/relay.txt" \
	198.18.1.10-16 198.18.1.40-43 2>"$WORK/err.txt"
eq "lab scan exits 0" "$?" "0"

rec() { # IP JQ
	jq -c --arg ip "$1" "select(.type == \"service\" and .ip == \$ip) | $2" "$WORK/run.jsonl" 2>/dev/null
}
has_finding() { # IP ID -> true/false
	rec "$1" "[.findings[]?.id] | index(\"$2\") != null"
}

# ip  persona  RELAY_TARGET ANON_SHARE_WRITABLE SAMBA_CVE_2017_7494 SAMBA_CVE_2021_44142
#     SMB1_PLAINTEXT_PASSWORDS SMB1_SHARE_LEVEL
CASES=(
	"198.18.1.10 smb1-and-2       true  false false false false false"
	"198.18.1.11 smb1-only+drop   true  true  false false false false"
	"198.18.1.12 smb2-unsigned    true  false false false false false"
	"198.18.1.13 smb311-signed    false false false false false false"
	"198.18.1.14 guest+4.5.9+drop true  true  true  true  false false"
	"198.18.1.15 nonstandard-port true  false false false false false"
	"198.18.1.16 netbios-139      true  false false false false false"
	"198.18.1.40 signing-off      true  false false false false false"
	"198.18.1.41 encrypt-required false false false false false false"
	"198.18.1.42 plaintext        true  false false false true  false"
	"198.18.1.43 writable         true  true  false false false false"
)
IDS=(RELAY_TARGET ANON_SHARE_WRITABLE SAMBA_CVE_2017_7494 SAMBA_CVE_2021_44142
	SMB1_PLAINTEXT_PASSWORDS SMB1_SHARE_LEVEL)
for c in "${CASES[@]}"; do
	read -r ip persona rest <<<"$c"
	read -r -a want <<<"$rest"
	eq "$persona: one service record" "$(jq -s --arg ip "$ip" 'map(select(.ip == $ip)) | length' "$WORK/run.jsonl")" 1
	for i in "${!IDS[@]}"; do
		eq "$persona: ${IDS[$i]} $([ "${want[$i]}" = true ] && echo present || echo absent)" \
			"$(has_finding "$ip" "${IDS[$i]}")" "${want[$i]}"
	done
	# the relay verdict in the record is the finding's
	eq "$persona: relay.target agrees" "$(rec "$ip" '.relay.target')" "${want[0]}"
done

# --- relay: the facts behind the verdicts
eq "encrypt-required: encryption required" "$(rec 198.18.1.41 '.relay.encryption')" '"required"'
eq "encrypt-required: the 2.0.2/2.1-only client was refused" "$(rec 198.18.1.41 '.relay.legacy_client_refused')" true
eq "encrypt-required: NTLM offered all the same" "$(rec 198.18.1.41 '.relay.ntlm')" '"offered"'
eq "encrypt-required: signing alone would list it (SIGNING_NOT_REQUIRED)" \
	"$(has_finding 198.18.1.41 SIGNING_NOT_REQUIRED)" true
eq "control smb2-unsigned: 2.x-only client accepted" "$(rec 198.18.1.12 '.relay.legacy_client_refused')" false
eq "control smb2-unsigned: encryption not required" "$(rec 198.18.1.12 '.relay.encryption')" '"not_required"'
eq "control smb2-unsigned: NTLMSSP in mechTypes, CHALLENGE returned" \
	"$(rec 198.18.1.12 '[.relay.ntlm_in_mechtypes, .relay.ntlm_challenge]')" '[true,true]'
eq "signing-off: SMB1 signing disabled" "$(rec 198.18.1.40 '.smb1.signing')" '"disabled"'
has "RELAY_TARGET evidence names the three facts" "$(rec 198.18.1.12 '.findings[] | select(.id == "RELAY_TARGET") | .evidence')" \
	"signing enabled; NTLM offered (CHALLENGE returned); encryption not required"
eq "RELAY_TARGET is high from the internal view" "$(rec 198.18.1.12 '.findings[] | select(.id == "RELAY_TARGET") | .severity')" '"high"'
entry='if .port == 445 then .ip elif (.ip | test(":")) then "[\(.ip)]:\(.port)" else "\(.ip):\(.port)" end'
want=$(jq -r "select(.relay.target == true) | $entry" "$WORK/run.jsonl" | sort)
eq "the relay list is the records whose relay.target is true" "$(sort "$WORK/relay.txt")" "$want"
eq "the relay list: 9 of the 11 services" "$(wc -l <"$WORK/relay.txt")" 9
eq "encrypt-required is not in the relay list" "$(grep -cx 198.18.1.41 "$WORK/relay.txt")" 0
eq "control: signing-off is" "$(grep -cx 198.18.1.40 "$WORK/relay.txt")" 1

# --- writable shares: which share, from which answer
eq "writable: [drop] writable, [public] read-only" \
	"$(rec 198.18.1.43 '[.shares[] | select(.type == "disk") | {(.name): .anonymous_write}] | add')" '{"public":false,"drop":true}'
eq "writable: [drop] maximal access" "$(rec 198.18.1.43 '.shares[] | select(.name == "drop") | .maximal_access')" '"0x001f01ff"'
eq "writable: [public] maximal access (DELETE, no write)" "$(rec 198.18.1.43 '.shares[] | select(.name == "public") | .maximal_access')" '"0x001f00a9"'
eq "smb1-only: [drop] writable seen over SMB1 (extended TREE_CONNECT_ANDX)" \
	"$(rec 198.18.1.11 '[.shares[] | select(.type == "disk") | {(.name): .anonymous_write}] | add')" '{"public":false,"drop":true}'
has "ANON_SHARE_WRITABLE names drop" "$(rec 198.18.1.43 '.findings[] | select(.id == "ANON_SHARE_WRITABLE") | .evidence')" "drop (0x001f01ff)"
eq "nothing was written: [drop] is still empty" \
	"$(find "$("$LAB" status | sed -n 's/^lab dir: //p')"/{writable,guest,smb1-only}/drop -mindepth 1 | wc -l)" 0

# --- Samba version
eq "plaintext: version from NativeLanMan" "$(rec 198.18.1.42 '.samba')" '{"version":"4.17.12-Debian","source":"smb1_native_lanman"}'
eq "smb2-unsigned: version from the SRVSVC IPC$ comment" "$(rec 198.18.1.12 '.samba')" '{"version":"4.17.12-Debian","source":"srvsvc_comment"}'
eq "guest: the server string's 4.5.9" "$(rec 198.18.1.14 '.samba.version')" '"4.5.9"'
eq "control smb2 persona without a version in its server string: none" "$(rec 198.18.1.16 '.samba // "none"')" '"none"'
has "SAMBA_CVE_2017_7494 says version-indicated, not probed" \
	"$(rec 198.18.1.14 '.findings[] | select(.id == "SAMBA_CVE_2017_7494") | .evidence')" "version-indicated, not probed"
eq "the Samba CVEs are medium" "$(rec 198.18.1.14 '[.findings[] | select(.id | startswith("SAMBA_CVE")) | .severity] | unique')" '["medium"]'

# --- SMB1 security mode
eq "plaintext: SMB1 plaintext passwords is critical" \
	"$(rec 198.18.1.42 '.findings[] | select(.id == "SMB1_PLAINTEXT_PASSWORDS") | .severity')" '"critical"'

# --- the external view raises RELAY_TARGET and ANON_SHARE_WRITABLE
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress --view external \
	--format jsonl -o "$WORK/ext.jsonl" 198.18.1.43 2>>"$WORK/err.txt"
eq "external scan exits 0" "$?" 0
eq "external view: RELAY_TARGET and ANON_SHARE_WRITABLE critical" \
	"$(jq -c '[.findings[] | select(.id == "RELAY_TARGET" or .id == "ANON_SHARE_WRITABLE") | .severity]' "$WORK/ext.jsonl")" '["critical","critical"]'

# --- loopback responders: Kerberos only and its control, share-level
# security, and impacket's server
mkdir -p "$WORK/impacket-share"
serve kerberos-only python3 "$RESPONDER" --persona kerberos-only --host 127.0.0.31 --port "$PORT" --lifetime 120
serve ntlm-offered python3 "$RESPONDER" --persona ntlm-offered --host 127.0.0.32 --port "$PORT" --lifetime 120
serve share-level python3 "$RESPONDER" --persona share-level --host 127.0.0.33 --port "$PORT" --lifetime 120
IMPACKET_OK=1
if /usr/bin/python3 -c 'import impacket' 2>/dev/null; then
	serve impacket /usr/bin/python3 "$IMPACKET" --host 127.0.0.34 --port "$PORT" --dir "$WORK/impacket-share" --lifetime 120
else
	IMPACKET_OK=0
	not_ok "impacket (Debian python3-impacket) is installed" "scripts/deps.sh installs it"
fi
for r in kerberos-only ntlm-offered share-level; do ready "$r" "$r: responder ready"; done
if [ "$IMPACKET_OK" = 1 ]; then
	wait_for "$WORK/impacket.ready" "^ready" 30 || not_ok "impacket server ready" "$(cat "$WORK/impacket.log")"
fi
timeout 60 "$SMBWATCH" scan --no-db --no-progress --format jsonl -p "$PORT" --read-timeout 2s --timeout 20s \
	-o "$WORK/lo.jsonl" --relay-list "$WORK/lo-relay.txt" 127.0.0.31-34 2>"$WORK/lo-err.txt"
eq "loopback scan exits 0" "$?" 0
lo() { jq -c --arg ip "$1" "select(.type == \"service\" and .ip == \$ip) | $2" "$WORK/lo.jsonl" 2>/dev/null; }
eq "kerberos-only: NTLM not offered (mechTypes without NTLMSSP, no CHALLENGE)" \
	"$(lo 127.0.0.31 '[.relay.ntlm, .relay.ntlm_in_mechtypes, .relay.ntlm_challenge, .relay.target]')" '["not_offered",false,false,false]'
eq "kerberos-only: no RELAY_TARGET" "$(lo 127.0.0.31 '[.findings[].id] | index("RELAY_TARGET") == null')" true
eq "kerberos-only: signing is still not required" "$(lo 127.0.0.31 '[.findings[].id] | index("SIGNING_NOT_REQUIRED") != null')" true
eq "control ntlm-offered: NTLM offered, RELAY_TARGET" \
	"$(lo 127.0.0.32 '[.relay.ntlm, .relay.ntlm_in_mechtypes, ([.findings[].id] | index("RELAY_TARGET") != null)]')" '["offered",true,true]'
has "control ntlm-offered is in the relay list" "$(cat "$WORK/lo-relay.txt")" "127.0.0.32:$PORT"
eq "kerberos-only is not" "$(grep -c '^127.0.0.31:' "$WORK/lo-relay.txt")" 0
eq "share-level: SMB1_SHARE_LEVEL critical, no plaintext finding" \
	"$(lo 127.0.0.33 '[.findings[] | select(.id | startswith("SMB1_SHARE_LEVEL") or startswith("SMB1_PLAINTEXT")) | .id + ":" + .severity]')" '["SMB1_SHARE_LEVEL:critical"]'
if [ "$IMPACKET_OK" = 1 ]; then
	eq "impacket: RELAY_TARGET (signing not required, NTLM)" "$(lo 127.0.0.34 '.relay.target')" true
	eq "impacket: share DATA writable (MaximalAccess 0x000f01ff)" \
		"$(lo 127.0.0.34 '.shares[] | select(.name == "DATA") | [.anonymous_write, .maximal_access]')" '[true,"0x000f01ff"]'
	eq "impacket: ANON_SHARE_WRITABLE" "$(lo 127.0.0.34 '[.findings[].id] | index("ANON_SHARE_WRITABLE") != null')" true
	eq "impacket: no SMB1 security-mode finding (SecurityMode 0x03)" \
		"$(lo 127.0.0.34 '[.findings[].id | select(startswith("SMB1_PLAINTEXT") or startswith("SMB1_SHARE_LEVEL"))] | length')" 0
	eq "impacket: nothing written to its share" "$(find "$WORK/impacket-share" -mindepth 1 | wc -l)" 0
fi

finish
