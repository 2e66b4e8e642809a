#!/usr/bin/env bash
# The cost per address of the quic check (issue 19): wall time and UDP
# datagrams out/in of `smbwatch scan -p U:443 --retries 0 ADDR`, one
# address at a time, median of N runs, for each kind of answer:
#   smb      .13: the test server (tests/responders/quic_relay.c) with ALPN
#            smb relaying to the lab Samba: handshake + SMB2 negotiate and
#            session setup through the tunnel
#   h3       .12: the same server with ALPN h3 only: CONNECTION_CLOSE 0x0178
#   closed   .11: nothing on UDP 443 (ICMP port unreachable)
#   silent   .99: not routed (the handshake timeout, --read-timeout)
# and, beside them, a TCP 445 scan of .13 (the SMB service over TCP).
# Datagrams are counted in the scanner namespace (/proc/net/snmp: nothing
# else runs there). Everything runs inside the lab's namespaces.
#   SMBWATCH=path  N=5  SMBW_LAB_PREFIX (default smbwqb)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SMBWATCH=${SMBWATCH:-$ROOT/build/smbwatch}
case $SMBWATCH in /*) ;; *) SMBWATCH=$ROOT/$SMBWATCH ;; esac
RELAY=${QUIC_RELAY:-$(dirname "$SMBWATCH")/tests/responders/quic_relay}
N=${N:-5}
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwqb}
LAB=$ROOT/tests/lab/lab.sh
[ "$(id -u)" -eq 0 ] || { echo "bench/quic_cost.sh: needs root" >&2; exit 2; }
OUT=$(mktemp -d)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	"$LAB" down >/dev/null 2>&1 || true
	rm -rf "$OUT"
}
trap cleanup EXIT
"$LAB" up >"$OUT/lab-up.log"
printf 'cn = "bench.lab.test"\ntls_www_server\nsigning_key\nexpiration_days = 2\n' >"$OUT/c.tmpl"
certtool --generate-privkey --key-type=rsa --bits=2048 --outfile "$OUT/c.key" 2>/dev/null
certtool --generate-self-signed --load-privkey "$OUT/c.key" --template "$OUT/c.tmpl" \
	--outfile "$OUT/c.pem" 2>/dev/null
leaf_pid() { local p=$1 c; while c=$(pgrep -P "$p" | head -1) && [ -n "$c" ]; do p=$c; done; echo "$p"; }
relay() { # IP ARGS...
	local ip=$1
	shift
	"$LAB" hosts "$RELAY" --listen "$ip:443" --backend "$ip:445" --cert "$OUT/c.pem" \
		--key "$OUT/c.key" "$@" >"$OUT/$ip.ready" 2>"$OUT/$ip.log" &
	local pid=$!
	for _ in $(seq 100); do grep -q '^ready' "$OUT/$ip.ready" 2>/dev/null && break; sleep 0.1; done
	PIDS+=("$(leaf_pid "$pid")")
}
relay 198.18.1.13
relay 198.18.1.12 --alpn h3
snmp() { "$LAB" exec awk '/^Udp: [0-9]/ {print $2, $5}' /proc/net/snmp; } # InDatagrams OutDatagrams
one() { # PORTS IP -> "seconds out in"
	local b a t0 t1
	b=$(snmp)
	t0=$(date +%s.%N)
	"$LAB" exec "$SMBWATCH" scan --no-db --no-progress --format jsonl --retries 0 -p "$1" "$2" \
		>/dev/null 2>&1 || true
	t1=$(date +%s.%N)
	a=$(snmp)
	echo "$(echo "$t1 - $t0" | bc) $(( ${a#* } - ${b#* } )) $(( ${a% *} - ${b% *} ))"
}
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
printf '%-8s %-14s %10s %8s %8s\n' kind target "wall s" "dgr out" "dgr in"
for row in "smb U:443 198.18.1.13" "h3 U:443 198.18.1.12" "closed U:443 198.18.1.11" \
	"silent U:443 198.18.1.99" "tcp445 445 198.18.1.13"; do
	set -- $row
	: >"$OUT/runs"
	for _ in $(seq "$N"); do one "$2" "$3" >>"$OUT/runs"; done
	printf '%-8s %-14s %10s %8s %8s\n' "$1" "$3:$2" "$(cut -d' ' -f1 "$OUT/runs" | median)" \
		"$(cut -d' ' -f2 "$OUT/runs" | median)" "$(cut -d' ' -f3 "$OUT/runs" | median)"
done
echo "(wall includes lab.sh exec and the process start: the tcp445 row is the reference)"
