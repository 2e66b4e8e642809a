#!/usr/bin/env bash
# Integration test: SMB over QUIC (issue 19) on the Samba lab. Four QUIC
# personas, each a test-only server (tests/responders/quic_relay.c, on
# ngtcp2's server API) on UDP 443 of a lab address, relaying stream 0 to
# that persona's real Samba on TCP 445; certificates made here by certtool:
#   .13  ALPN smb, a certificate issued by a test CA (RSA 2048): SMB 3.1.1
#        fingerprinted through the tunnel, SMB_OVER_QUIC_EXPOSED
#   .12  ALPN h3 only: CONNECTION_CLOSE 0x0178, quic.alpn_refused, no SMB
#   .10  ALPN smb, an expired self-signed certificate (EC P-256):
#        QUIC_CERT_EXPIRED, QUIC_CERT_SELF_SIGNED
#   .14  ALPN smb, CertificateRequest: client_cert_requested, the finding a
#        step lower
#   2001:2::10  ALPN smb over IPv6, relaying to that persona's v6 445
# plus closed (.11: nothing on UDP 443, ICMP port unreachable) and silent
# (.99, not routed); the default scan sends no datagram, -p U:443 and
# --surface full --quic do; the store's diff sees a certificate change.
# Prints TAP.
#   SMBWATCH=path/to/smbwatch tests/integration/test_quic.sh
set -uo pipefail # no -e: a failed assertion must not stop the test
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwq$$}
SCAN_TIMEOUT=${SCAN_TIMEOUT:-120}
RELAY=${QUIC_RELAY:-$(dirname "$SMBWATCH")/tests/responders/quic_relay}
SMBQ=198.18.1.13      # smb311-signed behind QUIC, CA-issued certificate
H3=198.18.1.12        # QUIC, ALPN h3 only
EXPIRED=198.18.1.10   # smb1-and-2 behind QUIC, expired self-signed certificate
CLIENTCERT=198.18.1.14 # guest behind QUIC, client certificate requested
CLOSED=198.18.1.11    # lab host, nothing on UDP 443
SILENT=198.18.1.99    # not routed on the hosts side
SMB6=2001:2::10       # smb1-and-2's IPv6 address, behind QUIC too

need_root "integration test needs root (network namespaces, smbd)"
need_tools jq ip smbd timeout certtool
need_smbwatch
[ -x "$RELAY" ] || { not_ok "quic_relay built at $RELAY"; finish; exit 1; }

work_dir quic
lab_up
ok "lab up"

# --- certificates (certtool, at test time)
certs() {
	cd "$WORK" || return 1
	printf 'cn = "smbwatch test CA"\nca\ncert_signing_key\nexpiration_days = 30\n' >ca.tmpl
	printf 'cn = "fs.lab.test"\ndns_name = "fs.lab.test"\nip_address = "%s"\ntls_www_server\nsigning_key\nencryption_key\nexpiration_days = 30\n' "$SMBQ" >srv.tmpl
	printf 'cn = "old.lab.test"\ndns_name = "old.lab.test"\ntls_www_server\nsigning_key\nactivation_date = "2020-01-01 00:00:00"\nexpiration_date = "2021-01-01 00:00:00"\n' >old.tmpl
	printf 'cn = "cc.lab.test"\ndns_name = "cc.lab.test"\ntls_www_server\nsigning_key\nexpiration_days = 30\n' >cc.tmpl
	certtool --generate-privkey --key-type=rsa --bits=2048 --outfile ca.key &&
		certtool --generate-self-signed --load-privkey ca.key --template ca.tmpl --outfile ca.pem &&
		certtool --generate-privkey --key-type=rsa --bits=2048 --outfile srv.key &&
		certtool --generate-certificate --load-privkey srv.key --load-ca-certificate ca.pem \
			--load-ca-privkey ca.key --template srv.tmpl --outfile srv.pem &&
		certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile old.key &&
		certtool --generate-self-signed --load-privkey old.key --template old.tmpl --outfile old.pem &&
		certtool --generate-privkey --key-type=rsa --bits=2048 --outfile cc.key &&
		certtool --generate-self-signed --load-privkey cc.key --template cc.tmpl --outfile cc.pem
}
certs >"$WORK/certtool.log" 2>&1
eq "certificates made by certtool" "$?" 0
cd "$ROOT" || exit 1

# --- the relays, in the hosts namespace; stopped by the leaf pid (the
# relay itself under lab.sh and ip netns exec)
leaf_pid() { local p=$1 c; while c=$(pgrep -P "$p" | head -1) && [ -n "$c" ]; do p=$c; done; echo "$p"; }
relay() { # NAME IP CERT ARGS...
	local name=$1 ip=$2 cert=$3
	shift 3
	"$LAB" hosts "$RELAY" --listen "$ip:443" --backend "$ip:445" --cert "$WORK/$cert.pem" \
		--key "$WORK/$cert.key" "$@" >"$WORK/$name.ready" 2>"$WORK/$name.log" &
	local pid=$!
	if wait_for "$WORK/$name.ready" '^ready' 30; then
		local leaf
		leaf=$(leaf_pid "$pid")
		echo "$leaf" >"$WORK/$name.leaf"
		at_exit "kill $leaf 2>/dev/null || true"
		ok "relay $name up on $ip:443"
	else
		not_ok "relay $name up on $ip:443" "$(cat "$WORK/$name.log")"
	fi
}
relay smb "$SMBQ" srv
relay h3 "$H3" srv --alpn h3
relay expired "$EXPIRED" old
relay clientcert "$CLIENTCERT" cc --request-client-cert
relay v6 "[$SMB6]" srv

scan() { # OUT ARGS...: a scan from the scanner namespace, JSON lines to OUT
	local out=$1
	shift
	timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress --format jsonl \
		-o "$out" "$@" 2>"$out.err"
}
udp_out() { "$LAB" exec awk '/^Udp: [0-9]/ {print $5}' /proc/net/snmp; }
rec() { jq -c --arg ip "$2" "select(.ip == \$ip and .transport == \"quic\") | $3" "$1"; }
findings() { rec "$1" "$2" '[.findings[] | "\(.id):\(.severity)"] | sort'; }

# --- -p U:443 on every persona
scan "$WORK/all.jsonl" -p U:443 "$SMBQ" "$H3" "$EXPIRED" "$CLIENTCERT" "$CLOSED" "$SILENT"
eq "-p U:443 scan exits 0" "$?" 0
has "four open, one closed, one filtered" "$(cat "$WORK/all.jsonl.err")" \
	"6 tried: 4 open, 1 closed, 1 filtered, 0 errors"

# SMB over QUIC, fingerprinted through the tunnel (real Samba 3.1.1 behind)
eq "smb: UDP 443, transport quic" "$(rec "$WORK/all.jsonl" "$SMBQ" '[.port, .transport]')" '[443,"quic"]'
eq "smb: handshake, not refused, no client certificate" \
	"$(rec "$WORK/all.jsonl" "$SMBQ" '.quic | [.handshake, .alpn_refused, .client_cert_requested]')" '[true,false,false]'
eq "smb: SMB2 through the tunnel: dialect 3.1.1, signing required" \
	"$(rec "$WORK/all.jsonl" "$SMBQ" '[.smb2.dialects[-1], .smb2.signing]')" '["3.1.1","required"]'
eq "smb: NTLM challenge through the tunnel names the persona" \
	"$(rec "$WORK/all.jsonl" "$SMBQ" '.ntlm.netbios_computer')" '"LAB-SECURE"'
eq "smb: certificate subject, SANs, issuer" \
	"$(rec "$WORK/all.jsonl" "$SMBQ" '.quic.certificate | [.subject, .sans, .issuer]')" \
	"[\"CN=fs.lab.test\",\"DNS:fs.lab.test, IP:$SMBQ\",\"CN=smbwatch test CA\"]"
eq "smb: certificate key and issuer: RSA 2048, not self-signed" \
	"$(rec "$WORK/all.jsonl" "$SMBQ" '.quic.certificate | [.key_type, .key_bits, .self_signed]')" '["RSA",2048,false]'
want_fp=$(certtool --fingerprint --hash=sha256 --infile "$WORK/srv.pem" 2>/dev/null | tr -d ':\n' | tr 'A-F' 'a-f')
eq "smb: certificate fingerprint (certtool's)" \
	"$(rec "$WORK/all.jsonl" "$SMBQ" '.quic.certificate.sha256')" "\"$want_fp\""
eq "smb: cost: one connection" "$(rec "$WORK/all.jsonl" "$SMBQ" '.cost.connections')" 1
eq "smb: quic check ok" "$(rec "$WORK/all.jsonl" "$SMBQ" '.checks.quic.status')" '"ok"'
eq "smb: findings (internal view)" "$(findings "$WORK/all.jsonl" "$SMBQ")" \
	'["SMB_EXPOSED:info","SMB_OVER_QUIC_EXPOSED:medium"]'

# QUIC, not SMB
eq "h3: alpn_refused, no handshake" \
	"$(rec "$WORK/all.jsonl" "$H3" '.quic | [.handshake, .alpn_refused]')" '[false,true]'
eq "h3: no SMB part, no finding" "$(rec "$WORK/all.jsonl" "$H3" '[has("smb2"), (.findings | length)]')" '[false,0]'

# expired and self-signed
eq "expired: certificate validity and key" \
	"$(rec "$WORK/all.jsonl" "$EXPIRED" '.quic.certificate | [.not_before, .not_after, .key_type, .key_bits, .self_signed]')" \
	'["2020-01-01T00:00:00Z","2021-01-01T00:00:00Z","EC",256,true]'
has "expired: QUIC_CERT_EXPIRED and QUIC_CERT_SELF_SIGNED" "$(findings "$WORK/all.jsonl" "$EXPIRED")" \
	'"QUIC_CERT_EXPIRED:medium","QUIC_CERT_SELF_SIGNED:medium"'
eq "expired: SMB through the tunnel too (SMB1-and-2 persona)" \
	"$(rec "$WORK/all.jsonl" "$EXPIRED" '.ntlm.netbios_computer')" '"LAB-SMB1"'

# client certificates requested
eq "clientcert: handshake, client_cert_requested" \
	"$(rec "$WORK/all.jsonl" "$CLIENTCERT" '.quic | [.handshake, .client_cert_requested]')" '[true,true]'
has "clientcert: SMB_OVER_QUIC_EXPOSED low (internal, client certificates)" \
	"$(findings "$WORK/all.jsonl" "$CLIENTCERT")" '"SMB_OVER_QUIC_EXPOSED:low"'
eq "closed and silent: no record" \
	"$(jq -s --arg c "$CLOSED" --arg s "$SILENT" 'map(select(.ip == $c or .ip == $s)) | length' "$WORK/all.jsonl")" 0

# --- from outside: high, medium with client certificates
scan "$WORK/ext.jsonl" -p U:443 --view external "$SMBQ" "$CLIENTCERT"
eq "external view scan exits 0" "$?" 0
has "external: SMB_OVER_QUIC_EXPOSED high" "$(findings "$WORK/ext.jsonl" "$SMBQ")" '"SMB_OVER_QUIC_EXPOSED:high"'
has "external, client certificates: medium" "$(findings "$WORK/ext.jsonl" "$CLIENTCERT")" '"SMB_OVER_QUIC_EXPOSED:medium"'
eq "external: no SMB_EXPOSED_PUBLIC over QUIC (its advice is 'block 445')" \
	"$(rec "$WORK/ext.jsonl" "$SMBQ" '[.findings[].id | select(. == "SMB_EXPOSED_PUBLIC")] | length')" 0

# --- IPv6: the same conversation over a v6 socket
scan "$WORK/v6.jsonl" -p U:443 "$SMB6"
eq "IPv6 scan exits 0" "$?" 0
eq "IPv6: handshake, SMB through the tunnel" \
	"$(rec "$WORK/v6.jsonl" "$SMB6" '[.port, .quic.handshake, .ntlm.netbios_computer]')" '[443,true,"LAB-SMB1"]'

# --- silence resent per --retries; closed answered at once
b=$(udp_out)
scan "$WORK/silent.jsonl" -p U:443 --retries 1 --read-timeout 1s "$SILENT"
a=$(udp_out)
has "silence: open|filtered" "$(cat "$WORK/silent.jsonl.err")" "1 tried: 0 open, 0 closed, 1 filtered, 0 errors"
check "silence: Initials sent (resent within the handshake, and per --retries)" [ "$((a - b))" -ge 2 ]

# --- the default scan sends no datagram; --surface full --quic does
b=$(udp_out)
scan "$WORK/default.jsonl" "$SMBQ"
a=$(udp_out)
eq "default scan: no datagram sent" "$((a - b))" 0
eq "default scan: SMB on 445 (positive control), no quic record" \
	"$(jq -s -c 'map([.port, .transport])' "$WORK/default.jsonl")" '[[445,"direct"]]'
scan "$WORK/full.jsonl" --surface full --quic "$SMBQ"
eq "--surface full --quic exits 0" "$?" 0
eq "--surface full --quic: the quic record beside 445" \
	"$(jq -s -c 'map(select(.transport == "quic")) | map(.port)' "$WORK/full.jsonl")" '[443]'

# --- the store and the monitor: a new certificate is a change (the quic
# field is the check's, diffed like any other); the relay of .13 comes back
# with a self-signed one between two cycles
mon() { timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" monitor --once --db "$WORK/q.db" -p U:443 \
	"$SMBQ" --sink "file:$WORK/events.jsonl" >/dev/null 2>>"$WORK/mon.err"; }
mon
eq "monitor cycle 1 exits 0" "$?" 0
kill "$(cat "$WORK/smb.leaf")" 2>/dev/null
relay smb-newcert "$SMBQ" cc
mon
eq "monitor cycle 2 exits 0" "$?" 0
eq "monitor: new, then changed and QUIC_CERT_SELF_SIGNED opened" \
	"$(jq -r '[.event, (.finding.id // "")] | join(" ")' "$WORK/events.jsonl" | sed 's/ $//' | sort | tr '\n' ';')" \
	"changed;finding_opened QUIC_CERT_SELF_SIGNED;new;"
d=$("$SMBWATCH" diff --db "$WORK/q.db" 2>&1)
has "diff: the certificate's subject changed" "$d" "quic.certificate.subject: CN=fs.lab.test → CN=cc.lab.test"
has "diff: and its fingerprint" "$d" "quic.certificate.sha256"

# --- --list-checks says where it runs
has "--list-checks: quic on U:443" "$("$SMBWATCH" scan --list-checks)" "quic            U:443"

finish
