#!/usr/bin/env bash
# smbwatch's mgmt check against nmap (the peer, issue 18 part 3) on the
# lab's management persona (tests/lab/lab.sh, SMBW_LAB_MGMT=1, 198.18.1.70:
# xrdp, sshd, the WinRM-like listener on 5985 and over HTTPS on 5986), both
# run inside the scanner namespace:
#   smbwatch scan -p 3389,22,5986 198.18.1.70 --format jsonl
#   nmap -n -Pn -p3389,22,5986 --script rdp-enum-encryption,banner,ssl-cert 198.18.1.70
# prints side by side: RDP's standard security (nmap's "Native RDP"), the
# SSH line, and 5986's certificate (subject, SANs, validity; smbwatch's
# SHA-256 and nmap's SHA-1 with openssl's two fingerprints of the lab's
# certificate file, which tie them to one certificate), and the wall time
# of each. tests/integration/test_mgmt.sh asserts the same agreement.
#   SMBWATCH=path   SMBW_LAB_PREFIX (default smbwmgb)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SMBWATCH=${SMBWATCH:-$ROOT/build/smbwatch}
case $SMBWATCH in /*) ;; *) SMBWATCH=$ROOT/$SMBWATCH ;; esac
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwmgb} SMBW_LAB_MGMT=1
LAB=$ROOT/tests/lab/lab.sh
IP=198.18.1.70
[ "$(id -u)" -eq 0 ] || { echo "bench/mgmt_vs_nmap.sh: needs root" >&2; exit 2; }
command -v nmap >/dev/null || { echo "bench/mgmt_vs_nmap.sh: nmap not installed" >&2; exit 2; }
OUT=$(mktemp -d)
trap '"$LAB" down >/dev/null 2>&1 || true; rm -rf "$OUT"' EXIT
"$LAB" up >"$OUT/lab-up.log"
CERT=$("$LAB" status | sed -n 's/^lab dir: //p')/mgmt-mgmt/winrm-cert.pem
t0=$(date +%s.%N)
"$LAB" exec "$SMBWATCH" scan --no-db --no-progress --format jsonl -p 3389,22,5986 "$IP" \
	>"$OUT/s.jsonl" 2>/dev/null
t1=$(date +%s.%N)
"$LAB" exec nmap -n -Pn -p3389,22,5986 --script rdp-enum-encryption,banner,ssl-cert "$IP" \
	>"$OUT/n.txt" 2>&1
t2=$(date +%s.%N)
s() { jq -r --argjson p "$1" "select(.port == \$p) | $2" "$OUT/s.jsonl"; }
n() { sed -n "s/^|[_ ]$1: *//p" "$OUT/n.txt" | head -1; }
fp() { openssl x509 -in "$CERT" -noout -fingerprint "-$1" | sed 's/^[^=]*=//; s/://g' | tr 'A-F' 'a-f'; }
row() { printf '%-22s %-72s %s\n' "$1" "$2" "$3"; }
row "" "smbwatch (mgmt)" "nmap"
row "RDP standard security" "$(s 3389 '.mgmt.standard_rdp_security')" \
	"$(grep -c 'Native RDP: SUCCESS' "$OUT/n.txt" | sed 's/^1$/true (Native RDP: SUCCESS)/; s/^0$/false/')"
row "SSH line" "$(s 22 '"SSH-" + .mgmt.protocol_version + "-" + .mgmt.software + " " + .mgmt.comments')" \
	"$(n banner)"
row "5986 TLS" "$(s 5986 '.mgmt.tls.version + " " + .mgmt.tls.cipher')" "(ssl-cert does not say)"
row "5986 subject" "$(s 5986 '.mgmt.certificate.subject')" "$(n 'ssl-cert: Subject')"
row "5986 SANs" "$(s 5986 '.mgmt.certificate.sans')" "$(n 'Subject Alternative Name')"
row "5986 not after" "$(s 5986 '.mgmt.certificate.not_after')" "$(n 'Not valid after')"
row "5986 fingerprint" "sha256 $(s 5986 '.mgmt.certificate.sha256')" "sha1 $(n SHA-1)"
row "  openssl, lab file" "sha256 $(fp sha256)" "sha1 $(fp sha1)"
row "wall" "$(printf %.2f "$(echo "$t1 - $t0" | bc)") s" "$(printf %.2f "$(echo "$t2 - $t1" | bc)") s"
if [ "$(s 5986 '.mgmt.certificate.sha256')" = "$(fp sha256)" ] && [ "$(n SHA-1)" = "$(fp sha1)" ]; then
	echo "5986 certificate: the same (both fingerprints match the lab's file)"
else
	echo "5986 certificate: DIFFERS"
	exit 1
fi
