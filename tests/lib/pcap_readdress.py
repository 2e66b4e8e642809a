#!/usr/bin/env python3
"""pcap_readdress.py - copy a classic pcap (Ethernet, little or big endian)
with IPv4 addresses replaced, so a vendored capture's victim becomes an
address the test controls (e.g. the loopback responder its scan found
vulnerable). The IPv4 header checksum is recomputed; the TCP checksum is
left as it was (the sensor, like most passive sensors behind checksum
offload, does not verify it).

    pcap_readdress.py IN OUT OLD=NEW [OLD=NEW ...]
"""
import socket
import struct
import sys


def ip_checksum(hdr):
    s = 0
    for i in range(0, len(hdr), 2):
        s += (hdr[i] << 8) + hdr[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main():
    src, dst, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
    swap = {socket.inet_aton(o): socket.inet_aton(n) for o, n in (p.split("=") for p in pairs)}
    data = open(src, "rb").read()
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        e = "<"
    elif magic == b"\xa1\xb2\xc3\xd4":
        e = ">"
    else:
        sys.exit("not a classic pcap")
    if struct.unpack(e + "I", data[20:24])[0] != 1:
        sys.exit("not Ethernet")
    out = bytearray(data[:24])
    off, changed = 24, 0
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        frame = bytearray(data[off + 16:off + 16 + incl])
        # Ethernet, optional 802.1Q tags, IPv4
        l3, etype = 14, frame[12:14] if len(frame) >= 14 else b""
        while etype == b"\x81\x00" and len(frame) >= l3 + 4:
            etype = frame[l3 + 2:l3 + 4]
            l3 += 4
        if etype == b"\x08\x00" and len(frame) >= l3 + 20:
            ihl = (frame[l3] & 0x0F) * 4
            for a in (l3 + 12, l3 + 16):
                new = swap.get(bytes(frame[a:a + 4]))
                if new:
                    frame[a:a + 4] = new
                    changed += 1
            frame[l3 + 10:l3 + 12] = b"\0\0"
            frame[l3 + 10:l3 + 12] = struct.pack(">H", ip_checksum(frame[l3:l3 + ihl]))
        out += data[off:off + 16] + frame
        off += 16 + incl
    open(dst, "wb").write(out)
    print(f"{changed} addresses replaced")


if __name__ == "__main__":
    main()
