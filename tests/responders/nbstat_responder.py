#!/usr/bin/env python3
"""NBSTAT responder on loopback for tests/integration/test_nbns.sh: answers
every datagram on ADDR:PORT with Windows Server 2019's node status answer
(3 names, MAC 0a:02:d7:5e:97:02), read from the vendored capture
tests/data/pcaps/zeek-smb_v2_only_non_zero_reserved1.pcap frame 130, with
the query's transaction id put in. A real Windows answer end to end: the
lab's nmbd sends no unit id.
    nbstat_responder.py ADDR PORT"""
import os
import socket
import struct
import sys

PCAP = os.path.join(os.path.dirname(__file__), "..", "data", "pcaps",
                    "zeek-smb_v2_only_non_zero_reserved1.pcap")
FRAME = 130


def udp_payload(path, frame):
    with open(path, "rb") as f:
        data = f.read()
    endian = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    link = struct.unpack(endian + "I", data[20:24])[0]
    off, n = 24, 0
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        n += 1
        if n != frame:
            continue
        l2 = 14 if link == 1 else 16  # Ethernet or Linux cooked
        ip = pkt[l2:]
        ihl = (ip[0] & 0x0F) * 4
        assert ip[9] == 17, "frame is not UDP"
        return ip[ihl + 8:]
    raise SystemExit("frame %d not in %s" % (frame, path))


def main():
    answer = udp_payload(PCAP, FRAME)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], int(sys.argv[2])))
    print("ready", flush=True)
    while True:
        query, peer = s.recvfrom(2048)
        if len(query) >= 2:
            s.sendto(query[:2] + answer[2:], peer)


if __name__ == "__main__":
    main()
