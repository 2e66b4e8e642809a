#!/usr/bin/env bash
# Sensor throughput and memory (docs/sensor.md has the figures).
#  1. throughput: the real captures of tests/data/pcaps concatenated with
#     shifted timestamps (editcap -t, mergecap -a), COPIES times; decoded
#     with smbwatch sensor -r, best of 3 wall-clock runs -> bytes/s.
#  2. memory: bench/sensor_flows.py writes FLOWS concurrent half-open SMB
#     flows, each holding an out-of-order segment and half a frame; peak
#     RSS from /usr/bin/time (or /proc via GNU time's %M).
set -eu
cd "$(dirname "$0")/.."
SMBWATCH=${SMBWATCH:-build/smbwatch}
PCAPS=${SMBW_PCAPS:-$(git rev-parse --show-toplevel)/tests/data/pcaps}
COPIES=${COPIES:-40}
FLOWS=${FLOWS:-100000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

parts=()
i=0
for c in $(seq 1 "$COPIES"); do
	for f in wannacry.pcap eternalblue-success-unpatched-win7.pcap crackmapexec-win7.pcap \
		zeek-smb_v2_only_non_zero_reserved1.pcap suricata-win81-smb1-win10-smb311.pcap \
		doublepulsar-backdoor-connect-win7.pcap zeek-smb2-zero-byte-error-ioctl.pcapng; do
		i=$((i + 1))
		# each copy one day later, so flows of different copies never mix
		editcap -F pcap -t $((i * 86400)) "$PCAPS/$f" "$tmp/p$i.pcap" >/dev/null 2>&1
		parts+=("$tmp/p$i.pcap")
	done
done
mergecap -F pcap -a -w "$tmp/big.pcap" "${parts[@]}"
rm -f "${parts[@]}"
bytes=$(stat -c %s "$tmp/big.pcap")
best=
for r in 1 2 3; do
	s=$(date +%s.%N)
	"$SMBWATCH" sensor -r "$tmp/big.pcap" >/dev/null
	e=$(date +%s.%N)
	d=$(echo "$e - $s" | bc -l)
	if [ -z "$best" ] || [ "$(echo "$d < $best" | bc -l)" = 1 ]; then best=$d; fi
done
alerts=$("$SMBWATCH" sensor -r "$tmp/big.pcap" | wc -l)
echo "throughput: $bytes bytes in ${best}s = $(echo "$bytes / $best / 1000000" | bc -l | cut -c1-6) MB/s, $alerts alerts"

python3 bench/sensor_flows.py "$FLOWS" "$tmp/flows.pcap"
/usr/bin/time -f "%M" -o "$tmp/rss" "$SMBWATCH" sensor -r "$tmp/flows.pcap" --stats \
	--max-flows $((FLOWS * 2)) >/dev/null 2>"$tmp/stats"
cat "$tmp/stats"
echo "memory: $FLOWS concurrent flows, peak RSS $(cat "$tmp/rss") KiB"
