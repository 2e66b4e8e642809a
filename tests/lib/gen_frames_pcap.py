#!/usr/bin/env python3
"""gen_frames_pcap.py - a small capture with one large SMB2 frame per direction.

    gen_frames_pcap.py OUT.pcap BODY_LEN [--seg N] [--dialect 0xHHHH] [--raw]

One TCP connection 198.18.0.1:40000 -> 198.18.1.12:445 (SYN, SYN-ACK, ACK),
then, in segments of --seg bytes (default 1448):
  client: an NBSS frame declaring BODY_LEN bytes that holds an SMB2 WRITE
          request (header + fixed part, then zeros), then a NEGOTIATE request;
  server: an NBSS frame declaring BODY_LEN bytes that holds an SMB2 READ
          response, then a NEGOTIATE response choosing --dialect
          (default 0x02FF, the SMB2 wildcard);
then FIN from both sides. The sensor must skip or decode the big frames and
still see both NEGOTIATEs behind them.

--raw writes the issue-23 reproduction instead: SYN, SYN-ACK, then BODY_LEN
bytes of 00 03 0d 40 'FE' 'S' 'M' 'B' followed by zeros (the declared length
is always 200,000), client to server only, nothing after it.

Standard library only; addresses from 198.18.0.0/15 (never sent anywhere).
"""
import argparse
import struct

CLI = bytes([198, 18, 0, 1])
SRV = bytes([198, 18, 1, 12])
CPORT, SPORT = 40000, 445
SYN, ACK, FIN, PSH = 0x02, 0x10, 0x01, 0x08


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def packet(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      5 << 4, flags, 65535, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp + payload)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6,
                     0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp + payload


def smb2_header(cmd, mid, reply):
    flags = 1 if reply else 0
    return (b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ", 64, 1, 0, cmd, 1, flags, 0, mid, 0, 0, 0)
            + b"\0" * 16)


def nbss(body, declared=None):
    n = len(body) if declared is None else declared
    return struct.pack("!I", n) + body


def big_frame(body_len, reply):
    if reply:  # READ response: StructureSize 17, DataOffset 0x50
        fixed = struct.pack("<HBBIII", 17, 0x50, 0, max(body_len - 80, 0), 0, 0)
        msg = smb2_header(8, 5, True) + fixed
    else:  # WRITE request: StructureSize 49, DataOffset 0x70
        fixed = struct.pack("<HHIQ16sIIHHI", 49, 0x70, max(body_len - 112, 0), 0, b"\0" * 16, 0,
                            0, 0, 0, 0)
        msg = smb2_header(9, 5, False) + fixed
    msg = msg[:body_len]
    return nbss(msg + b"\0" * (body_len - len(msg)), body_len)


def negotiate_request():
    dialects = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311]
    body = struct.pack("<HHHHI16sQ", 36, len(dialects), 1, 0, 0, b"\x11" * 16, 0)
    body += b"".join(struct.pack("<H", d) for d in dialects)
    return nbss(smb2_header(0, 6, False) + body)


def negotiate_response(dialect):
    body = struct.pack("<HHHH16sIIIIQQHHI", 65, 1, dialect, 0, b"\x22" * 16, 0, 65536, 65536,
                       65536, 0, 0, 128, 0, 0)
    return nbss(smb2_header(0, 6, True) + body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("body_len", type=int)
    ap.add_argument("--seg", type=int, default=1448)
    ap.add_argument("--dialect", type=lambda s: int(s, 0), default=0x02FF)
    ap.add_argument("--raw", action="store_true")
    a = ap.parse_args()

    pkts = []
    cseq, sseq = 1000, 500000

    def send(to_server, data, seg):
        nonlocal cseq, sseq
        for i in range(0, len(data), seg):
            chunk = data[i:i + seg]
            if to_server:
                pkts.append(packet(CLI, SRV, CPORT, SPORT, cseq, sseq, ACK | PSH, chunk))
                cseq += len(chunk)
            else:
                pkts.append(packet(SRV, CLI, SPORT, CPORT, sseq, cseq, ACK | PSH, chunk))
                sseq += len(chunk)

    pkts.append(packet(CLI, SRV, CPORT, SPORT, cseq, 0, SYN))
    pkts.append(packet(SRV, CLI, SPORT, CPORT, sseq, cseq + 1, SYN | ACK))
    cseq += 1
    sseq += 1
    if a.raw:
        head = b"\x00\x03\x0d\x40\xfeSMB"
        send(True, head + b"\0" * (a.body_len - len(head)), a.seg)
    else:
        pkts.append(packet(CLI, SRV, CPORT, SPORT, cseq, sseq, ACK))
        send(True, big_frame(a.body_len, False) + negotiate_request(), a.seg)
        send(False, big_frame(a.body_len, True) + negotiate_response(a.dialect), a.seg)
        pkts.append(packet(CLI, SRV, CPORT, SPORT, cseq, sseq, FIN | ACK))
        pkts.append(packet(SRV, CLI, SPORT, CPORT, sseq, cseq + 1, FIN | ACK))

    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))  # raw IPv4
        for i, p in enumerate(pkts):
            f.write(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000, len(p),
                                len(p)))
            f.write(p)


if __name__ == "__main__":
    main()
