#!/usr/bin/env bash
# Capture real SMB 3.1.1 file copies from the Samba lab, for bench/sensor.sh.
#   bench/sensor_lab_capture.sh OUT.pcap [MIB]
# Brings up its own lab (tests/lab/lab.sh, prefix smbwb<pid>, torn down on
# exit), adds a writable guest share on .14 and, with tshark capturing on the
# scanner end of the veth (inside the scanner namespace, SMB ports only), runs
# `smbclient -m SMB3` put + get of files of 100 KB, 200 KB, 300 KB, 20 MiB and
# MIB MiB (default 48): READ/WRITE frames below, inside and above the sensor's
# 128 KiB buffer and 1-8 MiB ones. Needs root. The veth carries GSO
# super-packets (up to 64 KiB); bench/sensor_mix.py cuts them to 1448-byte
# segments as a 1500-byte-MTU wire would carry them.
# Network safety: lab addresses only (198.18.0.0/15), inside namespaces made
# here; the scanner namespace has no default route.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(realpath -m "$1")
MIB=${2:-48}
LAB=$ROOT/tests/lab/lab.sh
export SMBW_LAB_PREFIX=smbwb$$
NS_SCAN=$SMBW_LAB_PREFIX-scan
VETH=$SMBW_LAB_PREFIX-s0
work=$(mktemp -d)
cap_pid=
cleanup() {
	if [ -n "$cap_pid" ]; then kill -INT "$cap_pid" 2>/dev/null || true; wait "$cap_pid" 2>/dev/null || true; fi
	"$LAB" down >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
"$LAB" up >"$work/lab-up.log" 2>&1 || { cat "$work/lab-up.log" >&2; exit 1; }
"$LAB" add-share guest rw writable >/dev/null
sizes=(100000 200000 300000 20971520 $((MIB << 20)))
for s in "${sizes[@]}"; do head -c "$s" /dev/urandom >"$work/file$s"; done
# -B 128: a big copy at ~100 MB/s overflows tshark's default 2 MiB buffer
ip netns exec "$NS_SCAN" tshark -q -n -B 128 -i "$VETH" -F pcap -f 'tcp port 445' \
	-w "$work/copies.pcap" >"$work/tshark.log" 2>&1 &
cap_pid=$!
for _ in $(seq 100); do grep -q 'Capturing on' "$work/tshark.log" 2>/dev/null && break; sleep 0.1; done
for s in "${sizes[@]}"; do
	(cd "$work" && timeout 120 "$LAB" exec smbclient -m SMB3 //198.18.1.14/rw -U nosuch%x \
		-c "put file$s f$s; get f$s back$s") >>"$work/copies.out" 2>&1
	cmp -s "$work/file$s" "$work/back$s" || { echo "copy of $s bytes failed" >&2; cat "$work/copies.out" >&2; exit 1; }
done
sleep 1 # the last FIN/ACKs
kill -INT "$cap_pid"
wait "$cap_pid" || true
cap_pid=
grep -i 'dropped' "$work/tshark.log" >&2 || true
mv "$work/copies.pcap" "$OUT"
echo "lab capture: $OUT, $(stat -c %s "$OUT") bytes, sizes ${sizes[*]}" >&2
