#!/usr/bin/env python3
"""Build the sensor throughput capture (bench/sensor.sh) from real captures.

usage: sensor_mix.py OUT.pcap MIN_BYTES LAB.pcap [VENDORED.pcap ...]

LAB.pcap (bench/sensor_lab_capture.sh: SMB 3.1.1 file copies from the Samba
lab) is first cut to 1448-byte TCP segments: the veth capture holds GSO
super-packets of up to 64 KiB, a 1500-byte-MTU wire does not. Then it is
replicated until OUT reaches MIN_BYTES, copy i overlapping the others in
time (start shifted by a fraction of the capture's length) with the third
octet of every IPv4 address raised by i, so each copy's flows are distinct
yet keep their client/server relations. Each VENDORED capture (Ethernet,
classic pcap) is laid in VENDORED_COPIES times (env, default 20) the same
way, spread over the whole mix. Checksums are kept right (RFC 1624
incremental update). Packets are merged by timestamp; output is a
microsecond pcap, Ethernet. The file is a bench input, never committed."""
import heapq
import os
import struct
import sys

MSS = 1448


def read_pcap(path):
    """[(ts_us, bytes)], linktype; classic pcap, us or ns, either byte order."""
    with open(path, 'rb') as f:
        data = f.read()
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        sys.exit(f'{path}: not a classic pcap (convert with editcap -F pcap)')
    nano = magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
    linktype = struct.unpack(e + 'I', data[20:24])[0]
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(e + 'IIII', data[off:off + 16])
        off += 16
        ts = sec * 1_000_000 + (frac // 1000 if nano else frac)
        out.append((ts, data[off:off + caplen]))
        off += caplen
    return out, linktype


def csum_words(b):
    """One's complement sum of b as 16-bit words, in network order."""
    if len(b) % 2:
        b += b'\0'
    s = sum(memoryview(b).cast('H'))  # host order; swap at the end
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    if sys.byteorder == 'little':
        s = ((s & 0xff) << 8) | (s >> 8)
    return s


def tcp_ipv4(p):
    """(ip offset, ip header len, tcp header len) of an Ethernet/IPv4/TCP
    packet captured whole, else None."""
    if len(p) < 34 or p[12:14] != b'\x08\x00':
        return None
    ihl = (p[14] & 15) * 4
    if p[14] >> 4 != 4 or p[23] != 6 or len(p) < 14 + ihl + 20:
        return None
    total = struct.unpack('!H', p[16:18])[0]
    if len(p) < 14 + total:
        return None
    thl = (p[14 + ihl + 12] >> 4) * 4
    return 14, ihl, thl


def segment(ts, p):
    """Cut one packet's TCP payload into MSS-sized segments."""
    h = tcp_ipv4(p)
    if not h:
        return [(ts, p)]
    ip, ihl, thl = h
    total = struct.unpack('!H', p[ip + 2:ip + 4])[0]
    t = ip + ihl
    payload = p[t + thl:ip + total]
    if len(payload) <= MSS:
        return [(ts, p)]
    eth, iph, tcph = p[:ip], bytearray(p[ip:t]), bytearray(p[t:t + thl])
    seq = struct.unpack('!I', tcph[4:8])[0]
    flags = tcph[13]
    out = []
    for off in range(0, len(payload), MSS):
        chunk = payload[off:off + MSS]
        last = off + MSS >= len(payload)
        iph[2:4] = struct.pack('!H', ihl + thl + len(chunk))
        iph[10:12] = b'\0\0'
        iph[10:12] = struct.pack('!H', ~csum_words(bytes(iph)) & 0xffff)
        tcph[4:8] = struct.pack('!I', (seq + off) & 0xffffffff)
        tcph[13] = flags if last else flags & ~0x09  # FIN, PSH on the last piece only
        tcph[16:18] = b'\0\0'
        pseudo = iph[12:20] + struct.pack('!BBH', 0, 6, thl + len(chunk))
        c = ~csum_words(bytes(pseudo) + bytes(tcph) + chunk) & 0xffff
        tcph[16:18] = struct.pack('!H', c)
        out.append((ts, eth + bytes(iph) + bytes(tcph) + chunk))
    return out


def fold(s):
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def rewritten(pkts, shift_us, delta):
    """Yield (ts, packet) with ts shifted and each IPv4 address's third
    octet raised by delta (mod 256); IP and TCP checksums updated."""
    for ts, p in pkts:
        if delta and len(p) >= 34 and p[12:14] == b'\x08\x00' and p[14] >> 4 == 4:
            b = bytearray(p)
            old = b[26:34]
            b[28] = (b[28] + delta) & 255
            b[32] = (b[32] + delta) & 255
            # RFC 1624: HC' = ~(~HC + ~m + m') over the changed words
            d = 0
            for w in (26, 28, 30, 32):
                d += (~struct.unpack('!H', old[w - 26:w - 24])[0] & 0xffff)
                d += struct.unpack('!H', b[w:w + 2])[0]
            hc = struct.unpack('!H', b[24:26])[0]
            b[24:26] = struct.pack('!H', ~fold((~hc & 0xffff) + d) & 0xffff)
            ihl = (b[14] & 15) * 4
            tc = 14 + ihl + 16
            if b[23] == 6 and len(b) >= tc + 2 and not (b[20] & 0x3f or b[21]):
                c = struct.unpack('!H', b[tc:tc + 2])[0]
                b[tc:tc + 2] = struct.pack('!H', ~fold((~c & 0xffff) + d) & 0xffff)
            p = bytes(b)
        yield ts + shift_us, p


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    out, min_bytes, lab = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    vendored = sys.argv[4:]
    vcopies = int(os.environ.get('VENDORED_COPIES', '20'))
    base, lt = read_pcap(lab)
    if lt != 1:
        sys.exit(f'{lab}: linktype {lt}, want Ethernet')
    seg = [s for ts, p in base for s in segment(ts, p)]
    t0 = seg[0][0]
    seg = [(ts - t0, p) for ts, p in seg]
    span = max(seg[-1][0], 1)
    lab_bytes = sum(16 + len(p) for _, p in seg)
    vend = []
    for v in vendored:
        pk, vlt = read_pcap(v)
        if vlt != 1 or not pk:
            print(f'{v}: skipped (linktype {vlt})', file=sys.stderr)
            continue
        v0 = pk[0][0]
        vend.append([(ts - v0, p) for ts, p in pk])
    vend_bytes = vcopies * sum(16 + len(p) for pk in vend for _, p in pk)
    copies = max(1, -(-(min_bytes - 24 - vend_bytes) // lab_bytes))
    # copies start a fraction of the span apart: ~4 overlap at any time
    step = max(span // 4, 1)
    gens = [rewritten(seg, i * step, i) for i in range(copies)]
    total_span = (copies - 1) * step + span
    for j in range(vcopies):
        for k, pk in enumerate(vend):
            at = (j * len(vend) + k) * total_span // max(vcopies * len(vend), 1)
            gens.append(rewritten(pk, at, (copies + j) & 255))
    start = 1_700_000_000_000_000
    n = 0
    with open(out, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        for ts, p in heapq.merge(*gens, key=lambda x: x[0]):
            ts += start
            f.write(struct.pack('<IIII', ts // 1_000_000, ts % 1_000_000, len(p), len(p)))
            f.write(p)
            n += 1
    print(f'{out}: {os.path.getsize(out)} bytes, {n} packets; lab capture x{copies} '
          f'({len(seg)} segments of <= {MSS} B each), {len(vend)} vendored captures '
          f'x{vcopies}', file=sys.stderr)


main()
