#!/usr/bin/python3
# dcom_responder.py - a Windows-like endpoint mapper on TCP 135 for
# tests/integration/test_epm.sh, built from the specifications, not from a
# capture (no Windows host is available to record): Samba has neither
# IObjectExporter (ServerAlive2) nor an MS-EFSR endpoint nor, as a standalone
# server, Netlogon.
#
# - BIND (C706 12.6.4.3) -> BIND_ACK accepting the first context with the
#   transfer syntax it offers, NDR or NDR64 (MS-RPCE 2.2.5: a 64-bit Windows
#   accepts NDR64; getArch.py's test), any other: provider rejection,
#   reason 2 (proposed transfer syntaxes not supported);
# - ept_lookup (EPM opnum 2, C706 appendix O, MS-RPCE 2.2.1.2.4) -> three
#   entries in one page, towers per C706 appendix L: MS-EFSR df1941c5 v1.0 over
#   ncacn_ip_tcp, MS-EFSR c681d488 v1.0 over ncacn_np \\pipe\\lsarpc, Netlogon
#   12345678-1234-abcd-ef00-01234567cffb v1.0 over ncacn_ip_tcp; status 0 and
#   a null entry handle (how Windows ends the walk);
# - ServerAlive2 (IObjectExporter opnum 5, MS-DCOM 3.1.2.5.1.6) -> COMVERSION
#   5.7 and a DUALSTRINGARRAY (MS-DCOM 2.2.19) of three ncacn_ip_tcp string
#   bindings: the host name, its lab address and a second address in another
#   segment (--other), then one security binding;
# - anything else -> FAULT nca_s_op_rng_error.
#
# Lab addresses only (198.18.0.0/15): refuses any other --host.
#     dcom_responder.py --host 198.18.1.52 --other 198.19.7.5 [--lifetime 300]
#
import argparse
import ipaddress
import socket
import socketserver
import struct
import sys
import threading
import uuid

EPM = uuid.UUID("e1af8308-5d1f-11c9-91a4-08002b14a0fa")
OXID = uuid.UUID("99fcfec4-5260-101b-bbcb-00aa0021347a")
NDR = uuid.UUID("8a885d04-1ceb-11c9-9fe8-08002b104860")
NDR64 = uuid.UUID("71710533-beba-4937-8319-b5dbef9ccc36")


def pdu(ptype, call_id, body, flags=3):
    return struct.pack("<BBBB4sHHI", 5, 0, ptype, flags, b"\x10\0\0\0", 16 + len(body), 0,
                       call_id) + body


def floor(lhs, rhs):
    return struct.pack("<H", len(lhs)) + lhs + struct.pack("<H", len(rhs)) + rhs


def tower(iface, major, transport):
    f = [floor(b"\x0d" + iface.bytes_le + struct.pack("<H", major), struct.pack("<H", 0)),
         floor(b"\x0d" + NDR.bytes_le + struct.pack("<H", 2), struct.pack("<H", 0)),
         floor(b"\x0b", struct.pack("<H", 0))] + transport
    return struct.pack("<H", len(f)) + b"".join(f)


def tcp(port, ip):
    return [floor(b"\x07", struct.pack(">H", port)), floor(b"\x09", socket.inet_aton(ip))]


def pipe(name, host):
    return [floor(b"\x0f", name.encode() + b"\0"), floor(b"\x11", host.encode() + b"\0")]


def lookup_answer(ip):
    entries = [
        (uuid.UUID("df1941c5-fe89-4e79-bf10-463657acf44d"), tcp(49668, ip), b"EFS RPC Interface"),
        (uuid.UUID("c681d488-d850-11d0-8c52-00c04fd90f7e"), pipe("\\pipe\\lsarpc", "LAB-DCOM"), b""),
        (uuid.UUID("12345678-1234-abcd-ef00-01234567cffb"), tcp(49667, ip), b""),
    ]
    # entry_handle (null: the end), num_ents, conformant varying array
    out = b"\0" * 20 + struct.pack("<IIII", len(entries), len(entries), 0, len(entries))
    for i, (_, _, ann) in enumerate(entries):
        a = ann + b"\0"
        out += b"\0" * 16 + struct.pack("<III", 0x20000 + i, 0, len(a)) + a
        out += b"\0" * (-len(out) % 4)
    for iface, transport, _ in entries:
        t = tower(iface, 1, transport)
        out += b"\0" * (-len(out) % 4)
        out += struct.pack("<II", len(t), len(t)) + t
    out += b"\0" * (-len(out) % 4)
    return out + struct.pack("<I", 0)


def alive2_answer(host, ip, other):
    arr = []
    for name in (host, ip, other):
        arr += [0x07] + [ord(c) for c in name] + [0]
    arr += [0]  # end of the string bindings
    sec = len(arr)
    arr += [0x0a, 0xffff, 0, 0]  # RPC_C_AUTHN_WINNT, no principal; end
    body = struct.pack("<HHI", 5, 7, 0x20000)
    body += struct.pack("<IHH", len(arr), len(arr), sec) + struct.pack("<%dH" % len(arr), *arr)
    body += b"\0" * (-len(body) % 4)
    return body + struct.pack("<II", 0, 0)


class Handler(socketserver.BaseRequestHandler):
    def recv_pdu(self):
        h = b""
        while len(h) < 16:
            c = self.request.recv(16 - len(h))
            if not c:
                return None
            h += c
        n = struct.unpack_from("<H", h, 8)[0]
        b = h
        while len(b) < n:
            c = self.request.recv(n - len(b))
            if not c:
                return None
            b += c
        return b

    def handle(self):
        iface = None
        while True:
            p = self.recv_pdu()
            if p is None:
                return
            ptype, call_id = p[2], struct.unpack_from("<I", p, 12)[0]
            if ptype == 11:  # BIND: the first context's abstract syntax
                iface = uuid.UUID(bytes_le=p[32:48])
                sec = b"135\0"
                body = struct.pack("<HHIH", 4280, 4280, 0x1234, len(sec)) + sec
                body += b"\0" * (-(16 + len(body)) % 4)
                # the first context's first transfer syntax (uuid, version)
                xfer, xver = uuid.UUID(bytes_le=p[52:68]), p[68:72]
                if xfer in (NDR, NDR64):
                    body += struct.pack("<B3xHH", 1, 0, 0) + xfer.bytes_le + xver
                else:
                    body += struct.pack("<B3xHH", 1, 2, 2) + b"\0" * 20
                self.request.sendall(pdu(12, call_id, body))
            elif ptype == 0:
                opnum = struct.unpack_from("<H", p, 22)[0]
                if iface == EPM and opnum == 2:
                    stub = lookup_answer(self.server.ip)
                elif iface == OXID and opnum == 5:
                    stub = alive2_answer("LAB-DCOM", self.server.ip, self.server.other)
                else:
                    body = struct.pack("<IHBBI", 0, 0, 0, 0, 0x1c010002) + b"\0" * 4
                    self.request.sendall(pdu(3, call_id, body))
                    continue
                self.request.sendall(pdu(2, call_id, struct.pack("<IHBB", len(stub), 0, 0, 0) + stub))
            else:
                return


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--other", required=True)
    ap.add_argument("--port", type=int, default=135)
    ap.add_argument("--lifetime", type=int, default=300)
    a = ap.parse_args()
    lab = ipaddress.ip_network("198.18.0.0/15")
    for addr in (a.host, a.other):
        if ipaddress.ip_address(addr) not in lab:
            sys.exit(f"dcom_responder: refusing non-lab address {addr}")
    srv = Server((a.host, a.port), Handler)
    srv.ip, srv.other = a.host, a.other
    threading.Timer(a.lifetime, srv.shutdown).start()
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
