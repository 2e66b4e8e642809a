#!/usr/bin/env python3
"""smbresponder.py - a tiny SMB server (direct TCP, 4-byte NBSS header) that
plays one persona for smbwatch's vulnerability tests, answering with server
messages taken from real captures (captured.py). Only the fields that must
match the request are patched: PID/MID (SMB1), MessageId (SMB2), the UID/TID
the client echoes, and the SMB1 DialectIndex (the index of "NT LM 0.12" in
the client's list). The DoublePulsar answer keeps its captured MID 81: that
is the signal.

    smbresponder.py --persona ms17-vulnerable --host 127.0.0.5 --port 10445

Listens on loopback only (127.0.0.0/8) and exits after --lifetime seconds.
Prints "ready HOST PORT" on stdout once listening.

Personas:
  ms17-vulnerable        Windows 7 SP1 (wannacry.pcap): SMB1 only; anonymous
                         logon, IPC$, PeekNamedPipe -> 0xC0000205; the knock
                         is answered MID 65 / STATUS_NOT_IMPLEMENTED (clean)
  ms17-patched           same host, PeekNamedPipe -> 0xC0000022 (ACCESS_DENIED)
  ms17-patched-invalid-handle  PeekNamedPipe -> 0xC0000008 (INVALID_HANDLE)
  doublepulsar-infected  Windows 7 from doublepulsar-backdoor-connect-win7.pcap:
                         vulnerable, knock answered MID 81 (frame 87)
  doublepulsar-clean     same host, knock answered MID 65 (wannacry.pcap 228)
  anon-denied            SMB1 on, anonymous SESSION_SETUP -> 0xC0000022
                         (wannacry.pcap 219, a real refusal)
  ipc-denied             SMB1 on, anonymous logon OK, TREE_CONNECT IPC$ ->
                         STATUS_ACCESS_DENIED
  smbghost-vulnerable    SMB2 only: 3.1.1 + compression (zeek-SMBGhost.pcap),
                         NTLM VERSION 10.0.18362
  smbghost-patched-build same negotiate, NTLM VERSION 10.0.19041
  smbghost-no-compression  build 18362, negotiate without the compression context
  no-smb1                SMB2 only (Server 2019, 17763); SMB1 NEGOTIATE -> RST
  no-smb1-silent         same, but SMB1 NEGOTIATE is ignored (no answer)
  share-level            the ms17-patched Windows 7 host, its NEGOTIATE
                         SecurityMode 0x03 -> 0x02: USER_SECURITY clear
                         (share-level security, gone from Samba 4)
  kerberos-only          SMB 2.1, signing enabled not required; the NEGOTIATE's
                         SPNEGO mechTypes list only Kerberos (MS KRB5, KRB5),
                         an NTLMSSP SESSION_SETUP -> STATUS_NOT_SUPPORTED (NTLM
                         blocked). Built from the MS-SMB2 2.2.4 / RFC 4178
                         layouts, not captured
  ntlm-offered           same layout, mechTypes Kerberos and NTLMSSP, the
                         NTLMSSP NEGOTIATE answered with the captured Server
                         2019 CHALLENGE (the control of kerberos-only)
"""
import argparse
import ipaddress
import os
import socket
import socketserver
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import captured as C  # noqa: E402

STATUS_NOT_SUPPORTED = 0xC00000BB
STATUS_ACCESS_DENIED = 0xC0000022
STATUS_INVALID_HANDLE = 0xC0000008
STATUS_LOGON_FAILURE = 0xC000006D

SMB1_NEGOTIATE, SMB1_SESSION_SETUP, SMB1_TREE_CONNECT = 0x72, 0x73, 0x75
SMB1_TRANS, SMB1_TRANS2 = 0x25, 0x32
TRANS_PEEK_NMPIPE, TRANS2_SESSION_SETUP = 0x0023, 0x000E
SMB2_NEGOTIATE, SMB2_SESSION_SETUP = 0, 1


def body(frame):
    """Strip the 4-byte NBSS header of a captured TCP payload."""
    return bytearray(frame[4:])


def nbss(msg):
    return struct.pack(">I", len(msg)) + bytes(msg)


# ---- SMB1 ------------------------------------------------------------------

def smb1_reply(template, req, status=None, command=None, keep_mid=False):
    """Copy of a captured SMB1 response with the request's PID and MID, and
    the UID/TID the client sent (except where the server assigns them: UID in
    SESSION_SETUP, TID in TREE_CONNECT)."""
    m = body(template)
    if command is not None:
        m[4] = command
    if status is not None:
        m[5:9] = struct.pack("<I", status)
    cmd = m[4]
    m[12:14] = req[12:14]  # PIDHigh
    m[26:28] = req[26:28]  # PIDLow
    if cmd != SMB1_TREE_CONNECT:
        m[24:26] = req[24:26]  # TID
    if cmd != SMB1_SESSION_SETUP:
        m[28:30] = req[28:30]  # UID
    if not keep_mid:
        m[30:32] = req[30:32]
    return m


def smb1_error(req, status):
    """SMB1 error answer (WordCount 0, ByteCount 0) built from the captured
    STATUS_ACCESS_DENIED answer (wannacry.pcap 219), command and status patched."""
    return smb1_reply(C.SMB1_ACCESS_DENIED, req, status=status, command=req[4])


def smb1_dialects(req):
    """Dialect strings of an SMB1 NEGOTIATE request."""
    if len(req) < 35:
        return []
    wc = req[32]
    off = 33 + 2 * wc
    if len(req) < off + 2:
        return []
    (bc,) = struct.unpack_from("<H", req, off)
    data = bytes(req[off + 2:off + 2 + bc])
    out = []
    for part in data.split(b"\x02")[1:]:
        out.append(part.split(b"\x00")[0].decode("latin-1"))
    return out


def smb1_setup0(req):
    """Setup[0] of a TRANS/TRANS2 request (word 14), or None."""
    wc = req[32] if len(req) > 32 else 0
    if wc < 15 or len(req) < 33 + 30:
        return None
    return struct.unpack_from("<H", req, 33 + 28)[0]


# ---- SMB2 ------------------------------------------------------------------

def smb2_reply(template, req, status=None, command=None):
    """Copy of a captured SMB2 response with the request's MessageId (and
    SessionId/TreeId echoed except on SESSION_SETUP, where the server assigns
    the session id)."""
    m = body(template)
    if command is not None:
        m[12:14] = struct.pack("<H", command)
    if status is not None:
        m[8:12] = struct.pack("<I", status)
    m[24:32] = req[24:32]  # MessageId
    m[32:36] = req[32:36]  # Reserved (ProcessId)
    m[36:40] = req[36:40]  # TreeId
    cmd = struct.unpack_from("<H", m, 12)[0]
    if cmd != SMB2_SESSION_SETUP:
        m[40:48] = req[40:48]
    return m


def smb2_error(req, status):
    """SMB2 error answer (StructureSize 9) from the captured LOGON_FAILURE
    (suricata-win81-smb1-win10-smb311.pcap 710), command and status patched."""
    cmd = struct.unpack_from("<H", req, 12)[0]
    return smb2_reply(C.W10_LOGON_FAILURE, req, status=status, command=cmd)


def smb2_dialects(req):
    if len(req) < 64 + 36:
        return []
    (count,) = struct.unpack_from("<H", req, 64 + 2)
    out = []
    for i in range(count):
        at = 64 + 36 + 2 * i
        if at + 2 > len(req):
            break
        out.append(struct.unpack_from("<H", req, at)[0])
    return out


def ntlm_type(msg):
    """NTLMSSP message type found in a request's security blob, or 0."""
    i = bytes(msg).find(b"NTLMSSP\x00")
    if i < 0 or i + 12 > len(msg):
        return 0
    return struct.unpack_from("<I", msg, i + 8)[0]


def with_build(template, build):
    """A captured SESSION_SETUP answer whose NTLMSSP CHALLENGE VERSION build
    number (bytes 50..51 of the CHALLENGE, MS-NLMP VERSION structure) is replaced.
    This is the only synthetic part of the SMBGhost personas: the captured
    CHALLENGE (Windows 10 1511, build 10586) keeps everything else."""
    m = bytearray(template)
    i = bytes(m).find(b"NTLMSSP\x00\x02\x00\x00\x00")
    assert i > 0
    m[i + 50:i + 52] = struct.pack("<H", build)
    return bytes(m)


def ghost_without_compression():
    """zeek-SMBGhost.pcap frame 5 with the COMPRESSION context removed
    (NegotiateContextCount 2 -> 1, message cut after the PREAUTH context):
    what a 1903/1909 host with DisableCompression=1 (ADV200005) answers."""
    m = body(C.GHOST_NEGOTIATE)
    (ctx_off,) = struct.unpack_from("<I", m, 64 + 60)
    (dlen,) = struct.unpack_from("<H", m, ctx_off + 2)
    assert struct.unpack_from("<H", m, ctx_off)[0] == 1  # PREAUTH first
    m[64 + 6:64 + 8] = struct.pack("<H", 1)
    del m[ctx_off + 8 + dlen:]
    return b"\0" + struct.pack(">I", len(m))[1:] + bytes(m)


# ---- built from the specifications (no capture has these) -----------------

# DER of the OIDs (in ASN.1 notation, so no line reads like an address):
# SPNEGO {1 3 6 1 5 5 2}, MS KRB5 {1 2 840 48018 1 2 2}, KRB5
# {1 2 840 113554 1 2 2}, NTLMSSP {1 3 6 1 4 1 311 2 2 10}
OID_SPNEGO = bytes.fromhex("2b0601050502")
OID_MS_KRB5 = bytes.fromhex("2a864882f712010202")
OID_KRB5 = bytes.fromhex("2a864886f712010202")
OID_NTLMSSP = bytes.fromhex("2b06010401823702020a")


def der(tag, content):
    """One DER TLV (X.690 8.1.3: short form below 128, else 0x81/0x82)."""
    n = len(content)
    if n < 0x80:
        ln = bytes([n])
    elif n < 0x100:
        ln = bytes([0x81, n])
    else:
        ln = bytes([0x82]) + struct.pack(">H", n)
    return bytes([tag]) + ln + content


def neg_token_init(oids):
    """GSS InitialContextToken with a SPNEGO NegTokenInit (RFC 4178 4.2.1)
    whose mechTypes are oids: what a server puts in its NEGOTIATE response."""
    mech_list = der(0x30, b"".join(der(0x06, o) for o in oids))
    init = der(0xA0, der(0x30, der(0xA0, mech_list)))
    return der(0x60, der(0x06, OID_SPNEGO) + init)


def negotiate21(blob):
    """An SMB 2.1 NEGOTIATE response (MS-SMB2 2.2.4), signing enabled and not
    required, with blob as its security buffer, NBSS header included (like
    the captured frames, so smb2_reply can take it)."""
    hdr = (b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ", 64, 0, 0, SMB2_NEGOTIATE, 1, 1, 0, 0,
                                    0, 0, 0) + bytes(16))
    body = struct.pack("<HHHH", 65, 0x0001, 0x0210, 0) + bytes(range(16))
    body += struct.pack("<IIIIQQHHI", 0x1, 65536, 65536, 65536, 0, 0, 64 + 64, len(blob), 0)
    m = hdr + body + blob
    return struct.pack(">I", len(m)) + m


def share_level_negotiate():
    """wannacry.pcap's SMB1 NEGOTIATE answer with SecurityMode (word-area
    byte 2; MS-CIFS NEGOTIATE response) 0x03 -> 0x02: challenge/response passwords,
    but share-level security. The one synthetic byte of this persona."""
    m = bytearray(C.W7_NEGOTIATE)
    at = 4 + 32 + 1 + 2  # NBSS, SMB header, WordCount, DialectIndex
    assert m[at] == 0x03
    m[at] = 0x02
    return bytes(m)


# ---- personas --------------------------------------------------------------

class Persona:
    smb1 = False        # answers SMB1
    smb2 = False        # answers SMB2
    smb1_off = "close"  # SMB1 when off: "reset" | "close" | "ignore"
    # SMB1
    negotiate = C.W7_NEGOTIATE
    session = C.W7_SESSION_ANON
    session_status = None
    tree = C.W7_TREE_IPC
    tree_status = None
    peek = C.W7_PEEK_INSUFF
    peek_status = None
    knock = C.W7_KNOCK_CLEAN
    knock_keep_mid = False
    # SMB2
    negotiate2 = None
    dialect2 = 0x0311
    challenge2 = None
    ntlm_status = None  # the NTLMSSP NEGOTIATE refused with this status


def persona(name):
    p = Persona()
    smb1_names = ("ms17-vulnerable", "ms17-patched", "ms17-patched-invalid-handle",
                  "doublepulsar-infected", "doublepulsar-clean", "anon-denied", "ipc-denied",
                  "share-level")
    if name in smb1_names:
        p.smb1 = True
    if name in ("ms17-patched", "share-level"):
        p.peek_status = STATUS_ACCESS_DENIED  # patched: no captured TRANS answer
    if name == "share-level":
        p.negotiate = share_level_negotiate()
    elif name == "ms17-patched-invalid-handle":
        p.peek_status = STATUS_INVALID_HANDLE
    elif name in ("doublepulsar-infected", "doublepulsar-clean"):
        p.negotiate, p.session, p.tree = C.DP_NEGOTIATE, C.DP_SESSION_ANON, C.DP_TREE_IPC
        if name == "doublepulsar-infected":
            p.knock, p.knock_keep_mid = C.DP_KNOCK_IMPLANT, True
    elif name == "anon-denied":
        p.session = C.SMB1_ACCESS_DENIED
    elif name == "ipc-denied":
        p.tree_status = STATUS_ACCESS_DENIED
    elif name.startswith("smbghost-"):
        p.smb2, p.smb1_off = True, "reset"
        p.negotiate2 = C.GHOST_NEGOTIATE
        p.challenge2 = with_build(C.W10_CHALLENGE, 18362)
        if name == "smbghost-patched-build":
            p.challenge2 = with_build(C.W10_CHALLENGE, 19041)
        elif name == "smbghost-no-compression":
            p.negotiate2 = ghost_without_compression()
        elif name != "smbghost-vulnerable":
            raise ValueError(name)
    elif name in ("no-smb1", "no-smb1-silent"):
        p.smb2 = True
        p.smb1_off = "reset" if name == "no-smb1" else "ignore"
        p.negotiate2, p.challenge2 = C.S2019_NEGOTIATE, C.S2019_CHALLENGE
    elif name in ("kerberos-only", "ntlm-offered"):
        p.smb2, p.smb1_off, p.dialect2 = True, "reset", 0x0210
        if name == "kerberos-only":
            p.negotiate2 = negotiate21(neg_token_init([OID_MS_KRB5, OID_KRB5]))
            p.ntlm_status = STATUS_NOT_SUPPORTED
        else:
            p.negotiate2 = negotiate21(neg_token_init([OID_MS_KRB5, OID_KRB5, OID_NTLMSSP]))
            p.challenge2 = C.S2019_CHALLENGE
    elif name not in smb1_names:
        raise ValueError(name)
    return p


PERSONAS = ["ms17-vulnerable", "ms17-patched", "ms17-patched-invalid-handle",
            "doublepulsar-infected", "doublepulsar-clean", "anon-denied", "ipc-denied",
            "smbghost-vulnerable", "smbghost-patched-build", "smbghost-no-compression",
            "no-smb1", "no-smb1-silent", "kerberos-only", "ntlm-offered", "share-level"]


class Close(Exception):
    def __init__(self, how):
        super().__init__(how)
        self.how = how  # "close" | "reset" | "ignore"


def answer_smb1(p, req):
    if not p.smb1:
        raise Close(p.smb1_off)
    cmd = req[4]
    if cmd == SMB1_NEGOTIATE:
        d = smb1_dialects(req)
        if "NT LM 0.12" not in d:
            raise Close("close")
        m = smb1_reply(p.negotiate, req)
        m[33:35] = struct.pack("<H", d.index("NT LM 0.12"))  # DialectIndex
        return m
    if cmd == SMB1_SESSION_SETUP:
        return smb1_reply(p.session, req, status=p.session_status)
    if cmd == SMB1_TREE_CONNECT:
        if p.tree_status is not None:
            return smb1_error(req, p.tree_status)
        return smb1_reply(p.tree, req)
    if cmd == SMB1_TRANS and smb1_setup0(req) == TRANS_PEEK_NMPIPE:
        return smb1_reply(p.peek, req, status=p.peek_status)
    if cmd == SMB1_TRANS2 and smb1_setup0(req) == TRANS2_SESSION_SETUP:
        return smb1_reply(p.knock, req, keep_mid=p.knock_keep_mid)
    return smb1_error(req, STATUS_NOT_SUPPORTED)


def answer_smb2(p, req):
    if not p.smb2:
        raise Close("close")  # like pre-SMB2 Windows: no SMB2 at all
    cmd = struct.unpack_from("<H", req, 12)[0]
    if cmd == SMB2_NEGOTIATE:
        if p.dialect2 not in smb2_dialects(req):
            return smb2_error(req, STATUS_NOT_SUPPORTED)  # no common dialect
        return smb2_reply(p.negotiate2, req)
    if cmd == SMB2_SESSION_SETUP:
        t = ntlm_type(req)
        if t == 1 and p.ntlm_status is not None:
            return smb2_error(req, p.ntlm_status)
        if t == 1:
            return smb2_reply(p.challenge2, req)
        return smb2_reply(C.W10_LOGON_FAILURE, req)
    return smb2_error(req, STATUS_NOT_SUPPORTED)


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def reset(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        p, log = self.server.persona, self.server.log
        sock = self.request
        sock.settimeout(self.server.idle)
        try:
            while True:
                hdr = recv_exact(sock, 4)
                if hdr is None:
                    return
                n = int.from_bytes(hdr[1:4], "big")
                if hdr[0] == 0x85:  # keepalive
                    continue
                req = recv_exact(sock, n) if n else bytearray()
                if req is None or hdr[0] != 0 or len(req) < 4:
                    return
                try:
                    if req[:4] == b"\xffSMB" and len(req) >= 32:
                        out = answer_smb1(p, req)
                    elif req[:4] == b"\xfeSMB" and len(req) >= 64:
                        out = answer_smb2(p, req)
                    else:
                        return
                except Close as c:
                    if log:
                        print(f"smbresponder: {req[:4].hex()} cmd -> {c.how}", file=sys.stderr)
                    if c.how == "reset":
                        reset(sock)
                        return
                    if c.how == "ignore":
                        continue
                    return
                if log:
                    print(f"smbresponder: {req[:4].hex()} cmd 0x{req[4] if req[0] == 0xff else req[12]:02x}"
                          f" -> {len(out)} bytes", file=sys.stderr)
                sock.sendall(nbss(out))
        except (OSError, socket.timeout):
            return


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def loopback_only(host):
    ip = ipaddress.ip_address(host)
    if not ip.is_loopback:
        sys.exit(f"smbresponder: refusing to listen on non-loopback {host}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--persona", required=True, choices=PERSONAS)
    ap.add_argument("--host", default="127.0.0.5")
    ap.add_argument("--port", type=int, default=10445)
    ap.add_argument("--lifetime", type=float, default=120, help="exit after this many seconds")
    ap.add_argument("--idle", type=float, default=30, help="drop a silent client after this")
    ap.add_argument("--log", action="store_true")
    a = ap.parse_args()
    loopback_only(a.host)
    srv = Server((a.host, a.port), Handler)
    srv.persona, srv.log, srv.idle = persona(a.persona), a.log, a.idle
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print(f"ready {a.host} {a.port}", flush=True)
    time.sleep(a.lifetime)
    srv.shutdown()


if __name__ == "__main__":
    main()
