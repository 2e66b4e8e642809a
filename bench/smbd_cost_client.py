#!/usr/bin/python3
"""Open N connections one after another to the farm and make each do one kind
of SMB exchange, then reset it (as smbwatch closes). bench/smbd_cost.sh reads
smbd's CPU time around each kind: what one connection costs the server.

    smbd_cost_client.py KIND N FIRST_ADDRESS [SPREAD]

KIND: connect   connect, then reset (no SMB at all)
      smb1      SMB1 NEGOTIATE offering NT LM 0.12 only (smbwatch's SMBv1 probe)
      smb2-202  SMB2 NEGOTIATE offering 2.0.2 only (smbwatch's lowest-dialect probe)
      smb2-ntlm SMB2 NEGOTIATE 2.0.2-3.0.2 + SESSION_SETUP with an NTLMSSP
                NEGOTIATE (smbwatch's first connection, less 3.1.1 contexts)
The connections go to FIRST_ADDRESS and the next SPREAD-1 addresses (default
250) in turn. Prints how many got an answer.
"""
import ipaddress
import socket
import struct
import sys


def nbss(payload):
    return struct.pack(">I", len(payload)) + payload


def smb1_negotiate():
    # flags 0x18 (case-insensitive, canonical paths), flags2 0xc853
    hdr = (b"\xffSMB" + bytes([0x72]) + b"\0" * 4 + bytes([0x18]) + struct.pack("<H", 0xC853)
           + b"\0" * 12 + struct.pack("<HHHH", 0, 0xFEFF, 0, 0))
    dialects = b"\x02NT LM 0.12\x00"
    return nbss(hdr + b"\x00" + struct.pack("<H", len(dialects)) + dialects)


def smb2_header(command, message_id):
    return (b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ", 64, 0, 0, command, 1, 0, 0, message_id,
                                     0, 0, 0) + b"\0" * 16)


def smb2_negotiate(dialects):
    body = (struct.pack("<HHHHI", 36, len(dialects), 1, 0, 0x7F) + b"\x11" * 16
            + struct.pack("<IHH", 0, 0, 0) + b"".join(struct.pack("<H", d) for d in dialects))
    return nbss(smb2_header(0, 0) + body)


def smb2_session_setup_ntlm():
    token = (b"NTLMSSP\0" + struct.pack("<II", 1, 0xE2088297) + b"\0" * 16
             + b"\x0a\x00\x63\x45\x00\x00\x00\x0f")
    body = struct.pack("<HBBIIHHQ", 25, 0, 1, 0, 0, 64 + 24, len(token), 0) + token
    return nbss(smb2_header(1, 1) + body)


def read_message(s):
    def exactly(n):
        b = b""
        while len(b) < n:
            c = s.recv(n - len(b))
            if not c:
                return None
            b += c
        return b
    h = exactly(4)
    return None if h is None else exactly(struct.unpack(">I", h)[0] & 0xFFFFFF)


def one(addr, kind):
    s = socket.create_connection((addr, 445), timeout=5)
    try:
        if kind == "connect":
            return True
        if kind == "smb1":
            s.sendall(smb1_negotiate())
        elif kind == "smb2-202":
            s.sendall(smb2_negotiate([0x202]))
        else:
            s.sendall(smb2_negotiate([0x202, 0x210, 0x300, 0x302]))
        answer = read_message(s)
        if kind == "smb2-ntlm" and answer is not None:
            s.sendall(smb2_session_setup_ntlm())
            answer = read_message(s)
        return answer is not None
    except OSError:
        return False
    finally:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()


def main():
    kind, n, first = sys.argv[1], int(sys.argv[2]), ipaddress.ip_address(sys.argv[3])
    spread = int(sys.argv[4]) if len(sys.argv) > 4 else 250
    if kind not in ("connect", "smb1", "smb2-202", "smb2-ntlm"):
        sys.exit(f"smbd_cost_client: unknown kind {kind}")
    answered = sum(one(str(first + i % spread), kind) for i in range(n))
    print(f"{kind}: {n} connections, {answered} answered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
