#!/usr/bin/env python3
"""extract_rpc_stubs.py - DCE/RPC request stubs cut out of a capture, as
seeds for tests/fuzz/fuzz_rpc_stubs.c.

    extract_rpc_stubs.py PCAP OUTDIR PREFIX

Reads a classic pcap (Ethernet), follows each TCP direction, finds the
connection-oriented DCE/RPC PDUs in the payload (SMB1 or SMB2 named-pipe
writes carry them whole), learns from BIND / BIND_ACK which interface and
transfer syntax (NDR or NDR64) each context id stands for, reassembles
fragmented REQUESTs by call id, and writes one seed per request on an
interface the fuzz target knows: byte 0 the target's selector, then the stub.
Prints "file <- frame N iface opnum syntax" for the corpus README.

Standard library only.
"""
import os
import struct
import sys

NDR64 = bytes.fromhex("330571 71babe3749 8319b5dbef9ccc36".replace(" ", ""))
IFACES = {  # abstract syntax uuid (wire order) -> name
    "81bb7a364498f135ad3298f038001003": "svcctl",
    "8206f71f510ae830076d740be8cee98b": "atsvc",
    "4959d386c9834440b424db363231fd0c": "tsch",
    "01d08c334422f131aaaa900038001003": "winreg",
}
# the order of calls[] in fuzz_rpc_stubs.c: selector = index * 2 + ndr64
CALLS = [("svcctl", 12), ("svcctl", 24), ("svcctl", 44), ("svcctl", 45), ("svcctl", 60),
         ("svcctl", 16), ("svcctl", 15), ("svcctl", 19), ("atsvc", 0), ("tsch", 1),
         ("winreg", 6), ("winreg", 15), ("winreg", 20), ("winreg", 22), ("winreg", 31)]


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    link = struct.unpack(end + "I", data[20:24])[0]
    if link != 1:
        sys.exit("only Ethernet captures")
    off, frame = 24, 0
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        frame += 1
        eth_type = struct.unpack("!H", pkt[12:14])[0]
        if eth_type != 0x0800:
            continue
        ip = pkt[14:]
        ihl = (ip[0] & 15) * 4
        if ip[9] != 6:
            continue
        tot = struct.unpack("!H", ip[2:4])[0]
        tcp = ip[ihl:tot]
        thl = (tcp[12] >> 4) * 4
        key = (ip[12:16], tcp[0:2], ip[16:20], tcp[2:4])
        yield frame, key, tcp[thl:]


def pdus(payload):
    """(offset, ptype, flags, frag_len, auth_len, call_id) of every PDU header."""
    i = 0
    while True:
        i = payload.find(b"\x05\x00", i)
        if i < 0 or i + 16 > len(payload):
            return
        ptype, flags = payload[i + 2], payload[i + 3]
        if payload[i + 4:i + 8] == b"\x10\x00\x00\x00" and ptype in (0, 11, 12):
            frag, auth, call = struct.unpack("<HHI", payload[i + 8:i + 16])
            if frag >= 16:
                yield i, ptype, flags, frag, auth, call
        i += 1


def main():
    pcap, outdir, prefix = sys.argv[1:4]
    ctx = {}      # (client key) -> {ctx_id: iface}
    offered = {}  # (client key) -> [(ctx_id, iface)] in bind order
    syntax = {}   # (client key, ctx_id) -> ndr64?
    partial = {}  # (key, call_id) -> [frame, iface, opnum, ndr64, stub]
    os.makedirs(outdir, exist_ok=True)
    for frame, key, pl in packets(pcap):
        rev = (key[2], key[3], key[0], key[1])
        for i, ptype, flags, frag, auth, call in pdus(pl):
            pdu = pl[i:i + frag]
            if ptype == 11:  # BIND: context list
                n = pdu[24]
                o, items = 28, []
                for _ in range(n):
                    cid, nts = struct.unpack("<HB", pdu[o:o + 3])
                    items.append((cid, IFACES.get(pdu[o + 4:o + 20].hex())))
                    o += 24 + 20 * nts
                offered[key] = items
            elif ptype == 12 and rev in offered:  # BIND_ACK: results in order
                sec = struct.unpack("<H", pdu[24:26])[0]
                o = 26 + sec
                o += (-o) % 4
                n = pdu[o]
                o += 4
                for k in range(min(n, len(offered[rev]))):
                    res = struct.unpack("<H", pdu[o:o + 2])[0]
                    cid, iface = offered[rev][k]
                    if res == 0 and iface:
                        ctx.setdefault(rev, {})[cid] = iface
                        syntax[(rev, cid)] = pdu[o + 4:o + 20] == NDR64
                    o += 24
            elif ptype == 0:  # REQUEST (fragments by call id)
                cid, opnum = struct.unpack("<HH", pdu[20:24])
                body = pdu[24:frag - (auth + 8 if auth else 0)]
                if flags & 1:
                    iface = ctx.get(key, {}).get(cid)
                    partial[(key, call)] = [frame, iface, opnum, syntax.get((key, cid)), body]
                elif (key, call) in partial:
                    partial[(key, call)][4] += body
                if flags & 2 and (key, call) in partial:
                    f0, iface, op, n64, stub = partial.pop((key, call))
                    if (iface, op) not in CALLS:
                        continue
                    sel = CALLS.index((iface, op)) * 2 + (1 if n64 else 0)
                    name = "%s-%s-%d-frame%d" % (prefix, iface, op, f0)
                    with open(os.path.join(outdir, name), "wb") as f:
                        f.write(bytes([sel]) + stub)
                    print("%s <- frame %d %s opnum %d %s, %d stub bytes" %
                          (name, f0, iface, op, "NDR64" if n64 else "NDR", len(stub)))


if __name__ == "__main__":
    main()
