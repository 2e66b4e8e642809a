#!/usr/bin/env python3
"""gen_syn_flood_pcap.py - a SYN flood to port 445 from spoofed sources.

    gen_syn_flood_pcap.py OUT.pcap N

N half-open flows, each a SYN from its own (address, port) in
198.18.0.0/15 to 198.19.255.254:445 followed by half an SMB2 frame from the
client (so that every flow holds bytes); no SYN-ACK, nothing closes. All N
flows start within N microseconds of capture time, so none times out: the
only thing that keeps the sensor's memory bounded is --max-memory's
eviction. Raw-IPv4 link type.

Built from two packet templates whose varying fields are patched in place,
so a million flows take a few seconds. The IPv4 header checksum is right;
the TCP checksum is left 0, as capture offload often leaves it (the sensor
does not check it). Standard library only; lab addresses, never sent.
"""
import struct
import sys

DST = bytes([198, 19, 255, 254])
HALF_FRAME = b"\x00\x00\x00\x40\xfeSMB\x40\x00"  # declares 64 bytes, carries 6


def template(flags, payload):
    tcp = struct.pack("!HHIIBBHHH", 0, 445, 0, 0, 5 << 4, flags, 65535, 0, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0,
                     b"\0\0\0\0", DST)
    return bytearray(ip + tcp)


def ip_sum_without_src(pkt):
    words = struct.unpack("!10H", bytes(pkt[:20]))
    return sum(words)


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    syn = template(0x02, b"")
    data = template(0x18, HALF_FRAME)
    base = {id(syn): ip_sum_without_src(syn), id(data): ip_sum_without_src(data)}
    rec = struct.Struct("<IIII")
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        t0 = 1_700_000_000_000_000
        for i in range(n):
            a = i % 131070  # every address of 198.18.0.0/15 but the last two
            src = (198 << 24) | (18 << 16) | a
            port = 1024 + i // 131070
            for k, p in enumerate((syn, data)):
                struct.pack_into("!I", p, 12, src)
                struct.pack_into("!H", p, 20, port)
                struct.pack_into("!I", p, 24, 1000 + k)
                s = base[id(p)] + (src >> 16) + (src & 0xFFFF)
                s = (s & 0xFFFF) + (s >> 16)
                s = (s & 0xFFFF) + (s >> 16)
                struct.pack_into("!H", p, 10, ~s & 0xFFFF)
                t = t0 + 2 * i + k
                f.write(rec.pack(t // 1_000_000, t % 1_000_000, len(p), len(p)))
                f.write(p)


if __name__ == "__main__":
    main()
