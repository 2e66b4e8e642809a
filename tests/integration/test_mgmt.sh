#!/usr/bin/env bash
# Integration test: the management services beside SMB (issue 18 part 3)
# on real servers in the lab (tests/lab/lab.sh with SMBW_LAB_MGMT=1):
# "mgmt" (198.18.1.70) runs smbd on 445 beside xrdp on 3389 (security_layer
# = negotiate: standard RDP security accepted), OpenSSH on 22 and a
# WinRM-like listener on 5985 and over HTTPS on 5986 (tests/responders/
# winrm_responder.py; its certificate made at lab start);
# "mgmt-nosmb" (198.18.1.71) runs the same without smbd, xrdp with
# security_layer = tls, plain HTTP on 5986 (the not-TLS control). Asserts
# each service's record (5986: the TLS session the server logged, the
# certificate against openssl's fingerprint), MGMT_EXPOSED_WITH_SMB
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
LAB_DIR=$("$LAB" status | sed -n 's/^lab dir: //p')
WINRM_TLS_LOG=$LAB_DIR/mgmt-mgmt/winrm-5986.log # one "accept" line per connection
WINRM_CERT=$LAB_DIR/mgmt-mgmt/winrm-cert.pem
accepts() { grep -c '^accept ' "$WINRM_TLS_LOG"; }

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
# WinRM over HTTPS: the same POST inside TLS, the session and the certificate
eq "mgmt 5986: WinRM record over TLS (the same 401 and schemes as 5985)" \
	"$(rec "$F" $MGMT_IP 5986 '.mgmt | [.service, .smb_on_host, .http_status, .auth_schemes, .server]')" \
	'["winrm",true,401,["Negotiate","Kerberos"],"Microsoft-HTTPAPI/2.0"]'
eq "mgmt 5986: the mgmt check ran, one connection" \
	"$(rec "$F" $MGMT_IP 5986 '[.checks.mgmt.status, .cost.connections]')" '["ok",1]'
server_tls=$(awk '$1 == "tls" { v = $2; c = $3 } END { sub(/^TLSv/, "TLS", v); printf "[\"%s\",\"%s\"]", v, c }' "$WINRM_TLS_LOG")
eq "mgmt 5986: TLS version and cipher suite are what the server logged" \
	"$(rec "$F" $MGMT_IP 5986 '[.mgmt.tls.version, .mgmt.tls.cipher]')" "$server_tls"
eq "mgmt 5986: TLS 1.3 (python's ssl and GnuTLS both offer it)" "$(rec "$F" $MGMT_IP 5986 '.mgmt.tls.version')" '"TLS1.3"'
eq "mgmt 5986: certificate subject, issuer, SANs, self-signed" \
	"$(rec "$F" $MGMT_IP 5986 '.mgmt.certificate | [.subject, .issuer, .sans, .self_signed, .key_type, .key_bits]')" \
	"[\"CN=lab-winrm\",\"CN=lab-winrm\",\"DNS:lab-winrm.smbwatch.test, IP:$MGMT_IP\",true,\"RSA\",2048]"
eq "mgmt 5986: certificate SHA-256 = openssl x509 -fingerprint -sha256 of the lab's certificate" \
	"$(rec "$F" $MGMT_IP 5986 '.mgmt.certificate.sha256' | tr -d '"')" \
	"$(openssl x509 -in "$WINRM_CERT" -noout -fingerprint -sha256 | sed 's/^[^=]*=//; s/://g' | tr 'A-F' 'a-f')"
eq "mgmt 5986: certificate validity = openssl's notAfter" \
	"$(rec "$F" $MGMT_IP 5986 '.mgmt.certificate.not_after' | tr -d '"')" \
	"$(date -u -d "$(openssl x509 -in "$WINRM_CERT" -noout -enddate | sed 's/^notAfter=//')" +%Y-%m-%dT%H:%M:%SZ)"
eq "mgmt 5986: MGMT_EXPOSED_WITH_SMB, info inside, its evidence names TLS and the self-signed certificate" \
	"$(rec "$F" $MGMT_IP 5986 '.findings[] | select(.id == "MGMT_EXPOSED_WITH_SMB") | [.severity, (.evidence | test("^WinRM over HTTPS answered on .* TCP 5986 [(]TLS1.3, certificate CN=lab-winrm self-signed[)]; SMB answered"))]')" \
	'["info",true]'
eq "mgmt 3389: RDP_STANDARD_SECURITY (xrdp security_layer = negotiate)" \
	"$(rec "$F" $MGMT_IP 3389 '[.findings[].id] | index("RDP_STANDARD_SECURITY") != null')" true
eq "mgmt 445: the SMB record has no mgmt, check not run" "$(rec "$F" $MGMT_IP 445 '[.mgmt, .checks.mgmt.status]')" '[null,"not_run"]'
# the negative control: the same services, no SMB on the host
eq "mgmt-nosmb: no record at all under --surface full (no SMB there)" \
	"$(jq -c --arg ip $ALONE_IP 'select(.type == "service" and .ip == $ip) | .port' "$F" | wc -l)" 0
has "summary counts 1 SMB and 4 other services (the left-out ones are not)" "$(cat "$WORK/full.err")" \
	"1 SMB service and 4 other services"

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

# --- 5986 not TLS: plain HTTP there is a failed check, not a crash ----------
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress -p 5986 \
	--format jsonl -o "$WORK/https.jsonl" "$MGMT_IP" "$ALONE_IP" 2>/dev/null
eq "-p 5986 scan exits 0" "$?" 0
H=$WORK/https.jsonl
eq "mgmt-nosmb 5986 (plain HTTP): the mgmt check failed with a TLS handshake error, no mgmt record" \
	"$(rec "$H" $ALONE_IP 5986 '[.checks.mgmt.status, .checks.mgmt.error, .mgmt]')" \
	'["failed","TLS handshake failed",null]'
eq "mgmt-nosmb 5986: the error says what answered" \
	"$(rec "$H" $ALONE_IP 5986 '.errors[] | select(.stage == "mgmt") | .message')" \
	'"TLS handshake: the answer is not TLS (it begins \"HTTP/1.1 400 Bad Request\")"'
eq "mgmt 5986 in the same scan (control): TLS, the certificate, the schemes" \
	"$(rec "$H" $MGMT_IP 5986 '[.checks.mgmt.status, .mgmt.tls.version, .mgmt.certificate.subject, .mgmt.auth_schemes]')" \
	'["ok","TLS1.3","CN=lab-winrm",["Negotiate","Kerberos"]]'

# --- the default scan never touches 5986; --surface full does ---------------
before=$(accepts)
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress \
	--format jsonl -o "$WORK/default.jsonl" "$MGMT_IP" 2>/dev/null
eq "default scan exits 0, its SMB answered on 445 (control)" "$? $(rec "$WORK/default.jsonl" $MGMT_IP 445 '.smb2 != null')" "0 true"
eq "default scan: no connection reached 5986 (the listener's own log)" "$(accepts)" "$before"
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress --surface full \
	--format jsonl -o "$WORK/full2.jsonl" "$MGMT_IP" 2>/dev/null
eq "--surface full: exactly one connection reached 5986" "$(accepts)" "$((before + 1))"

# --- the external view: high ---------------------------------------------
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress --surface full --view external \
	--format jsonl -o "$WORK/ext.jsonl" "$MGMT_IP" 2>/dev/null
eq "external scan exits 0" "$?" 0
eq "external: MGMT_EXPOSED_WITH_SMB high on each of the four" \
	"$(jq -c 'select(.type == "service" and .mgmt != null) | .findings[] | select(.id == "MGMT_EXPOSED_WITH_SMB") | .severity' "$WORK/ext.jsonl" | sort | uniq -c | tr -s ' ')" \
	' 4 "high"'

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
has "text: WinRM over HTTPS words (lines joined: the text report wraps)" \
	"$(tr '\037\n' '  ' <"$WORK/run.txt" | tr -s ' ')" "WinRM 401 Negotiate Kerberos, TLS1.3, self-signed certificate"
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress --surface full --format csv \
	"$MGMT_IP" >"$WORK/run.csv" 2>/dev/null
eq "csv scan exits 0" "$?" 0
has "csv: the mgmt column of 5985" "$(cat "$WORK/run.csv")" "WinRM 401 Negotiate Kerberos"
has "csv: the mgmt column of 5986" "$(cat "$WORK/run.csv")" '"WinRM 401 Negotiate Kerberos, TLS1.3, self-signed certificate"'
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
# nmap's ssl-cert on 5986: the same certificate (nmap 7.93 prints SHA-1,
# not SHA-256: both fingerprints are checked against the same lab file)
timeout "$SCAN_TIMEOUT" "$LAB" exec nmap -Pn -n -p5986 --script ssl-cert "$MGMT_IP" >"$WORK/nmap-cert.txt" 2>&1
eq "nmap ssl-cert exits 0" "$?" 0
nmap_cert() { sed -n "s/^|[_ ]$1: *//p" "$WORK/nmap-cert.txt" | head -1; }
echo "# 5986 certificate, side by side:"
echo "#   smbwatch: $(rec "$F" $MGMT_IP 5986 '.mgmt.certificate | .subject + "  " + .sans + "  until " + .not_after + "  sha256 " + .sha256' | tr -d '"')"
echo "#   nmap:     $(nmap_cert 'ssl-cert: Subject')  $(nmap_cert 'Subject Alternative Name')  until $(nmap_cert 'Not valid after')  sha1 $(nmap_cert 'SHA-1')"
eq "peer: nmap's subject agrees" "$(nmap_cert 'ssl-cert: Subject' | sed 's/^commonName=/CN=/')" \
	"$(rec "$F" $MGMT_IP 5986 '.mgmt.certificate.subject' | tr -d '"')"
eq "peer: nmap's SANs agree" "$(nmap_cert 'Subject Alternative Name' | sed 's/IP Address:/IP:/g')" \
	"$(rec "$F" $MGMT_IP 5986 '.mgmt.certificate.sans' | tr -d '"')"
eq "peer: nmap's not-after agrees" "$(nmap_cert 'Not valid after')Z" \
	"$(rec "$F" $MGMT_IP 5986 '.mgmt.certificate.not_after' | tr -d '"')"
eq "peer: nmap's SHA-1 is the lab certificate's (whose SHA-256 is ours)" "$(nmap_cert 'SHA-1')" \
	"$(openssl x509 -in "$WINRM_CERT" -noout -fingerprint -sha1 | sed 's/^[^=]*=//; s/://g' | tr 'A-F' 'a-f')"

finish
