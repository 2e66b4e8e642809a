#!/usr/bin/env python3
"""Write a pcap with N concurrent SMB flows (lab addresses 198.18.0.0/15):
each flow opens (SYN, SYN-ACK), sends an SMB1 NEGOTIATE split so its
second half is held out of order, and the server half a frame; nothing
closes until the end. Measures the sensor's per-flow memory.
With --syn-flood: N half-open flows as a SYN flood to 445 leaves them (a
SYN, then half an SMB frame from the client, no SYN-ACK, never closed;
sources spoofed over all of 198.18.0.0/15), all
within 4 s of capture time so none times out: the --max-memory bound.
usage: sensor_flows.py N OUT.pcap [--syn-flood]"""
import struct, sys

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff

def pkt(src, dst, sp, dp, seq, ack, flags, payload=b''):
    tcp = struct.pack('!HHIIBBHHH', sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return b'\0' * 6 + b'\x02' + b'\0' * 5 + b'\x08\x00' + ip + tcp

def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    flood = sys.argv[3:] == ['--syn-flood']
    neg = b'\xffSMB\x72' + b'\0' * 27 + b'\0' + struct.pack('<H', 12) + b'\x02NT LM 0.12\0'
    frame = struct.pack('!I', len(neg)) + neg
    with open(out, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        t = 1_700_000_000_000_000
        def w(p):
            nonlocal t
            t += 1 if flood else 10
            f.write(struct.pack('<IIII', t // 1_000_000, t % 1_000_000, len(p), len(p)) + p)
        for i in range(n):
            cli = bytes([198, 18, 64 + (i >> 16) % 64, (i >> 8) & 255]); srv = bytes([198, 19, 0, 1 + i % 250])
            sp = 1024 + i % 60000
            if flood:  # spoofed: every address of 198.18.0.0/15, then the next port
                j = i % 131072
                cli = bytes([198, 18 + (j >> 16), (j >> 8) & 255, j & 255])
                sp = 1024 + i // 131072
            w(pkt(cli, srv, sp, 445, 1000, 0, 0x02))
            if flood:
                w(pkt(cli, srv, sp, 445, 1001, 0, 0x08, frame[:len(frame) // 2]))
                continue
            w(pkt(srv, cli, 445, sp, 5000, 1001, 0x12))
            h = len(frame) // 2
            w(pkt(cli, srv, sp, 445, 1001 + h, 5001, 0x18, frame[h:]))  # ahead of a hole
            w(pkt(srv, cli, 445, sp, 5001, 1001, 0x18, frame[:h]))      # half a frame
main()
