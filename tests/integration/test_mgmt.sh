#!/usr/bin/env bash
# Integration test: the management services beside SMB (issue 18 part 3)
# on real servers in the lab (tests/lab/lab.sh with SMBW_LAB_MGMT=1):
# "mgmt" (198.18.1.70) runs smbd on 445 beside xrdp on 3389 (security_layer
# = negotiate: standard RDP security accepted), OpenSSH on 22 and a
# WinRM-like listener on 5985 (tests/responders/winrm_responder.py);
# "mgmt-nosmb" (198.18.1.71) runs the same three without smbd, xrdp with
# security_layer = tls. Asserts each service's record, MGMT_EXPOSED_WITH_SMB
# on the first only (info inside, high from the external view), the second
# host's services left out under --surface full (no SMB there) and reported
# without the finding when -p names their ports, RDP_STANDARD_SECURITY on
# xrdp negotiate only, and agreement with nmap (rdp-enum-encryption's
# "Native RDP", the banner script's SSH line: the peer). Nothing is logged
# in to. Prints TAP.
#   SMBWATCH=path/to/smbwatch tests/integration/test_mgmt.sh
set -uo pipefail # no -e: a failed assertion must not stop the test
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwmg$$}
export SMBW_LAB_MGMT=1
SCAN_TIMEOUT=${SCAN_TIMEOUT:-300}
MGMT_IP=198.18.1.70
ALONE_IP=198.18.1.71

need_root "integration test needs root (network namespaces, xrdp, sshd)"
need_tools jq ip smbd timeout xrdp /usr/sbin/sshd ssh-keygen openssl nmap
need_smbwatch

work_dir mgmt
lab_up
ok "lab up (with the management personas)"

rec() { # FILE IP PORT JQ
	jq -c --arg ip "$2" --argjson port "$3" \
		"select(.type == \"service\" and .ip == \$ip and .port == \$port) | $4" "$1"
}

# --- --surface full: beside SMB only --------------------------------------
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress --surface full \
	--format jsonl -o "$WORK/full.jsonl" "$MGMT_IP" "$ALONE_IP" 2>"$WORK/full.err"
eq "--surface full scan exits 0" "$?" 0
F=$WORK/full.jsonl
eq "mgmt: its SMB service answered (445)" "$(rec "$F" $MGMT_IP 445 '.smb2 != null')" true
eq "mgmt: RDP record" "$(rec "$F" $MGMT_IP 3389 '.mgmt')" \
	'{"service":"rdp","smb_on_host":true,"selected_protocol":"tls","standard_rdp_security":true}'
eq "mgmt: WinRM record (POST /wsman without credentials)" "$(rec "$F" $MGMT_IP 5985 '.mgmt')" \
	'{"service":"winrm","smb_on_host":true,"http_status":401,"auth_schemes":["Negotiate","Kerberos"],"server":"Microsoft-HTTPAPI/2.0"}'
eq "mgmt: SSH record (the identification line)" \
	"$(rec "$F" $MGMT_IP 22 '[.mgmt.service, .mgmt.smb_on_host, .mgmt.protocol_version, (.mgmt.software | startswith("OpenSSH_"))]')" \
	'["ssh",true,"2.0",true]'
for port in 3389 5985 22; do
	eq "mgmt $port: the mgmt check ran" "$(rec "$F" $MGMT_IP $port '.checks.mgmt.status')" '"ok"'
	eq "mgmt $port: MGMT_EXPOSED_WITH_SMB, info inside" \
		"$(rec "$F" $MGMT_IP $port '.findings[] | select(.id == "MGMT_EXPOSED_WITH_SMB") | .severity')" '"info"'
done
eq "cost: RDP took two connections, WinRM and SSH one each" \
	"$(rec "$F" $MGMT_IP 3389 '.cost.connections') $(rec "$F" $MGMT_IP 5985 '.cost.connections') $(rec "$F" $MGMT_IP 22 '.cost.connections')" "2 1 1"
eq "mgmt 3389: RDP_STANDARD_SECURITY (xrdp security_layer = negotiate)" \
	"$(rec "$F" $MGMT_IP 3389 '[.findings[].id] | index("RDP_STANDARD_SECURITY") != null')" true
eq "mgmt 445: the SMB record has no mgmt, check not run" "$(rec "$F" $MGMT_IP 445 '[.mgmt, .checks.mgmt.status]')" '[null,"not_run"]'
# the negative control: the same services, no SMB on the host
eq "mgmt-nosmb: no record at all under --surface full (no SMB there)" \
	"$(jq -c --arg ip $ALONE_IP 'select(.type == "service" and .ip == $ip) | .port' "$F" | wc -l)" 0
has "summary counts 4 services (the left-out ones are not)" "$(cat "$WORK/full.err")" "4 SMB services"

# --- -p names the ports: every host, the finding only beside SMB ------------
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress -p 445,3389,5985,22 \
	--format jsonl -o "$WORK/named.jsonl" "$MGMT_IP" "$ALONE_IP" 2>/dev/null
eq "-p 445,3389,5985,22 scan exits 0" "$?" 0
N=$WORK/named.jsonl
eq "mgmt-nosmb: its three services reported when asked" \
	"$(jq -c --arg ip $ALONE_IP '[select(.type == "service" and .ip == $ip) | .mgmt.service] | sort' "$N" | jq -sc 'add | sort')" \
	'["rdp","ssh","winrm"]'
eq "mgmt-nosmb: no finding at all (no SMB; standard RDP security refused)" \
	"$(jq -c --arg ip $ALONE_IP '[select(.type == "service" and .ip == $ip) | .findings[].id]' "$N" | jq -sc add)" '[]'
eq "mgmt-nosmb: RDP refuses standard security (xrdp security_layer = tls)" \
	"$(rec "$N" $ALONE_IP 3389 '[.mgmt.selected_protocol, .mgmt.standard_rdp_security, .mgmt.standard_rdp_refusal, .mgmt.smb_on_host]')" \
	'["tls",false,"ssl required by server",false]'
eq "mgmt-nosmb: WinRM offers Basic" "$(rec "$N" $ALONE_IP 5985 '.mgmt.auth_schemes')" '["Negotiate","Basic"]'
eq "mgmt (control): still MGMT_EXPOSED_WITH_SMB on 3389" \
	"$(rec "$N" $MGMT_IP 3389 '[.findings[].id] | index("MGMT_EXPOSED_WITH_SMB") != null')" true

# --- the external view: high ---------------------------------------------
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress --surface full --view external \
	--format jsonl -o "$WORK/ext.jsonl" "$MGMT_IP" 2>/dev/null
eq "external scan exits 0" "$?" 0
eq "external: MGMT_EXPOSED_WITH_SMB high on each of the three" \
	"$(jq -c 'select(.type == "service" and .mgmt != null) | .findings[] | select(.id == "MGMT_EXPOSED_WITH_SMB") | .severity' "$WORK/ext.jsonl" | sort | uniq -c | tr -s ' ')" \
	' 3 "high"'

# --- --checks without mgmt: 3389 is not spoken to as a management port ------
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress -p 445,3389 --checks auth \
	--format jsonl -o "$WORK/nocheck.jsonl" "$MGMT_IP" 2>/dev/null
eq "--checks auth scan exits 0" "$?" 0
eq "--checks auth: no mgmt record on 3389" "$(rec "$WORK/nocheck.jsonl" $MGMT_IP 3389 '.mgmt' | grep -c rdp)" 0
eq "--checks auth: the SMB record is there (control)" "$(rec "$WORK/nocheck.jsonl" $MGMT_IP 445 '.port')" 445

# --- the writers ------------------------------------------------------------
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress --surface full \
	"$MGMT_IP" >"$WORK/run.txt" 2>&1
eq "text scan exits 0" "$?" 0
TXT=$(tr '\037' ' ' <"$WORK/run.txt")
has "text: RDP words" "$TXT" "RDP tls, standard RDP security accepted"
has "text: WinRM words" "$TXT" "WinRM 401 Negotiate Kerberos"
has "text: SSH words" "$TXT" "SSH OpenSSH_"
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress --surface full --format csv \
	"$MGMT_IP" >"$WORK/run.csv" 2>/dev/null
eq "csv scan exits 0" "$?" 0
has "csv: the mgmt column of 5985" "$(cat "$WORK/run.csv")" "WinRM 401 Negotiate Kerberos"
has "scan --list-checks names mgmt" "$("$SMBWATCH" scan --list-checks 2>&1)" "mgmt "

# --- the peer: nmap on the same servers ------------------------------------
timeout "$SCAN_TIMEOUT" "$LAB" exec nmap -Pn -n -p22,3389 --script rdp-enum-encryption,banner \
	"$MGMT_IP" "$ALONE_IP" >"$WORK/nmap.txt" 2>&1
eq "nmap exits 0" "$?" 0
nmap_host() { awk -v ip="$1" '/^Nmap scan report for/ { on = ($5 == ip) } on' "$WORK/nmap.txt"; }
native() { nmap_host "$1" | grep -c "Native RDP: SUCCESS"; }
eq "peer: nmap's Native RDP agrees on mgmt (accepted)" "$(native $MGMT_IP)" 1
eq "peer: nmap's Native RDP agrees on mgmt-nosmb (refused)" "$(native $ALONE_IP)" 0
for ip in $MGMT_IP $ALONE_IP; do
	ours=$(rec "$N" "$ip" 22 '"SSH-" + .mgmt.protocol_version + "-" + .mgmt.software + " " + .mgmt.comments' | tr -d '"')
	eq "peer: nmap's SSH banner agrees on $ip" \
		"$(nmap_host "$ip" | sed -n 's/^|_banner: //p')" "$ours"
done

finish
