#!/usr/bin/env python3
"""hostile.py - SMB "servers" that misbehave on purpose, for smbwatch's
robustness tests (tests/hostile/test_hostile.sh). Each --mode is one kind
of bad peer; the well-formed parts are the captured messages of
tests/responders/captured.py, broken in one place.

    hostile.py --mode secbuf-oob --host 127.0.0.31 --port 10445

Loopback only; exits after --lifetime seconds; prints "ready HOST PORT".
Every mode applies to every connection (SMB2 and SMB1 alike) unless noted.
"""
import argparse
import ipaddress
import os
import random
import socket
import socketserver
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "responders"))
import captured as C  # noqa: E402
import smbresponder as R  # noqa: E402


def frame(msg):
    return struct.pack(">I", len(msg)) + bytes(msg)


def good_answer(req):
    """What a sane server answers (SMBGhost-vulnerable Windows 10 for SMB2,
    Windows 7 for SMB1); None when it would close."""
    p = GOOD_SMB2 if req[:4] == b"\xfeSMB" else GOOD_SMB1
    try:
        if req[:4] == b"\xfeSMB":
            return R.answer_smb2(p, req)
        return R.answer_smb1(p, req)
    except (R.Close, IndexError, struct.error):
        return None


GOOD_SMB2 = R.persona("smbghost-vulnerable")
GOOD_SMB1 = R.persona("ms17-vulnerable")


def ghost_negotiate(req, **patch):
    """zeek-SMBGhost.pcap frame 5 for this request, with header-relative
    fields of the NEGOTIATE response body replaced."""
    m = R.smb2_reply(C.GHOST_NEGOTIATE, req)
    offs = {"sec_off": (64 + 56, "<H"), "sec_len": (64 + 58, "<H"),
            "ctx_off": (64 + 60, "<I"), "ctx_count": (64 + 6, "<H")}
    for k, v in patch.items():
        if k == "ctx0_len":
            (co,) = struct.unpack_from("<I", m, 64 + 60)
            struct.pack_into("<H", m, co + 2, v)
        elif k == "ctx1_len":
            (co,) = struct.unpack_from("<I", m, 64 + 60)
            (l0,) = struct.unpack_from("<H", m, co + 2)
            c1 = co + ((8 + l0 + 7) & ~7)
            struct.pack_into("<H", m, c1 + 2, v)
        else:
            at, fmt = offs[k]
            struct.pack_into(fmt, m, at, v)
    return m


def challenge(req, mutate):
    """Captured CHALLENGE answer (Windows 10, build patched to 18362), with
    the NTLMSSP message broken by mutate(msg_bytearray, ntlmssp_offset)."""
    m = R.smb2_reply(R.with_build(C.W10_CHALLENGE, 18362), req)
    i = bytes(m).find(b"NTLMSSP\x00\x02\x00\x00\x00")
    mutate(m, i)
    return m


def avpair_oob(m, i):
    # TargetInfoFields: Len @40, MaxLen @42, Offset @44 (MS-NLMP 2.2.1.2)
    (ti_off,) = struct.unpack_from("<I", m, i + 44)
    struct.pack_into("<H", m, i + ti_off + 2, 0xFFF0)  # first AV_PAIR AvLen


def targetinfo_oob(m, i):
    struct.pack_into("<HHI", m, i + 40, 0xFFFF, 0xFFFF, 0x7FFFFFF0)


def targetname_oob(m, i):
    struct.pack_into("<HHI", m, i + 12, 0x4000, 0x4000, 0xFFFFFF00)


class Ctx:
    def __init__(self, sock, rng):
        self.sock, self.rng = sock, rng

    def send(self, b):
        self.sock.sendall(bytes(b))

    def stream(self, make):
        """Send make() chunks until the peer goes away."""
        while True:
            self.send(make())

    def reset(self):
        R.reset(self.sock)


def smb_kind(req):
    return "smb2" if req[:4] == b"\xfeSMB" else "smb1"


def m_silent(c, req):
    return "keep"


def m_truncated(c, req):
    a = good_answer(req) or os.urandom(100)
    c.send(struct.pack(">I", len(a) + 1000) + bytes(a))
    return "close"


def m_nbss_16m(c, req):
    c.send(b"\x00\xff\xff\xff")
    chunk = bytes(65536)
    for _ in range(16 * 16):  # 16 MiB, then wait for the peer
        c.send(chunk)
    return "keep"


def m_nbss_over_16m(c, req):
    # direct TCP has only 24 length bits; a reader that takes the first
    # byte as part of the length sees 0x01FFFFF0 (32 MiB)
    c.send(b"\x01\xff\xff\xf0")
    c.stream(lambda: bytes(65536))


def negotiate_mode(**patch):
    def f(c, req):
        if smb_kind(req) == "smb1":
            c.reset()
            return "gone"
        if struct.unpack_from("<H", req, 12)[0] != 0:
            a = good_answer(req)
            if a is None:
                return "close"
            c.send(frame(a))
            return "keep"
        c.send(frame(ghost_negotiate(req, **patch)))
        return "keep"
    return f


def m_zero_fields(c, req):
    if smb_kind(req) == "smb1":
        # WordCount 17 NEGOTIATE claiming 0 bytes of everything
        m = R.smb1_reply(C.W7_NEGOTIATE, req)
        del m[33 + 34:]
        m += b"\x00\x00"  # ByteCount 0
        m[33 + 22] = 0  # ChallengeLength 0
        if req[4] != 0x72:
            m = R.smb1_error(req, 0)
            del m[32:]
            m += b"\x00"  # WordCount 0, no ByteCount at all
        c.send(frame(m))
        return "keep"
    cmd = struct.unpack_from("<H", req, 12)[0]
    if cmd == 0:
        c.send(frame(ghost_negotiate(req, sec_off=0, sec_len=0, ctx_count=0)))
    elif cmd == 1:
        m = R.smb2_reply(C.W10_CHALLENGE, req)
        struct.pack_into("<HH", m, 64 + 4, 0, 0)  # SecurityBufferOffset/Length
        del m[64 + 8:]
        c.send(frame(m))
    else:
        c.send(frame(b""))
    return "keep"


def m_empty_frames(c, req):
    for _ in range(3):
        c.send(b"\x00\x00\x00\x00")
    return "keep"


def m_endless_random(c, req):
    c.stream(lambda: os.urandom(65536))


def m_endless_frames(c, req):
    magic = req[:4]

    def one():
        n = 60000
        return frame(magic + os.urandom(n - 4))
    c.stream(one)


def m_endless_answers(c, req):
    """The right answer, forever (MessageId/MID repeated)."""
    a = good_answer(req)
    if a is None:
        return "close"
    f = frame(a) * 64
    c.stream(lambda: f)


def m_endless_keepalive(c, req):
    k = b"\x85\x00\x00\x00" * 16384
    c.stream(lambda: k)


def m_slow(c, req):
    a = frame(good_answer(req) or b"\xfeSMB")
    for b in a:
        c.send(bytes([b]))
        time.sleep(1)
    return "keep"


def m_reset_mid(c, req):
    a = frame(good_answer(req) or b"\xfeSMB" + bytes(100))
    c.send(a[: len(a) // 2])
    time.sleep(0.05)
    c.reset()
    return "gone"


def m_cross(c, req):
    """SMB1 answers to SMB2 requests and SMB2 answers to SMB1 requests."""
    if smb_kind(req) == "smb2":
        fake = bytearray(b"\xffSMB\x72" + bytes(27)) + b"\x01\x00\x00\x02\x00\x02NT LM 0.12\x00"
        m = R.smb1_reply(C.W7_NEGOTIATE, fake)
        m[33:35] = b"\x00\x00"
    else:
        fake = bytearray(b"\xfeSMB" + bytes(60))
        m = R.smb2_reply(C.GHOST_NEGOTIATE, fake)
    c.send(frame(m))
    return "keep"


def m_smb1_to_smb2(c, req):
    """Only the SMB2 requests get an SMB1 answer; SMB1 is reset (SMB1 off)."""
    if smb_kind(req) == "smb1":
        c.reset()
        return "gone"
    return m_cross(c, req)


def m_smb2_to_smb1(c, req):
    """Sane SMB2 (SMBGhost persona); SMB1 requests get an SMB2 answer."""
    if smb_kind(req) == "smb1":
        return m_cross(c, req)
    a = good_answer(req)
    if a is None:
        return "close"
    c.send(frame(a))
    return "keep"


def m_garbage(c, req):
    n = c.rng.randint(1, 600)
    c.send(frame(bytes(c.rng.getrandbits(8) for _ in range(n))))
    return "keep"


def m_garbage_header(c, req):
    """Correct magic and command, everything after random."""
    hl = 64 if smb_kind(req) == "smb2" else 32
    n = c.rng.randint(hl, hl + 400)
    m = bytearray(c.rng.getrandbits(8) for _ in range(n))
    m[:4] = req[:4]
    if hl == 64:
        m[12:14] = req[12:14]
        m[16] |= 1  # SERVER_TO_REDIR
    else:
        m[4] = req[4]
        m[9] |= 0x80
    c.send(frame(m))
    return "keep"


def ntlm_mode(mutate):
    def f(c, req):
        if smb_kind(req) == "smb2" and struct.unpack_from("<H", req, 12)[0] == 1 \
                and R.ntlm_type(req) == 1:
            c.send(frame(challenge(req, mutate)))
            return "keep"
        a = good_answer(req)
        if a is None:
            c.reset()
            return "gone"
        c.send(frame(a))
        return "keep"
    return f


def smb1_mode(breaker):
    """Windows 7 persona, one SMB1 answer broken by breaker(req, answer)."""
    def f(c, req):
        a = good_answer(req)
        if a is None:
            return "close"
        if smb_kind(req) == "smb1":
            a = breaker(req, a)
        c.send(frame(a))
        return "keep"
    return f


def br_neg_bytecount(req, a):
    if req[4] == 0x72:
        struct.pack_into("<H", a, 33 + 34, 0xFFFF)
    return a


def br_peek_wordcount(req, a):
    if req[4] == 0x25:
        a[32] = 10  # claims 20 bytes of words, has 0
    return a


def br_session_strings(req, a):
    if req[4] == 0x73:
        struct.pack_into("<H", a, 33 + 6, 0xFFFF)  # ByteCount past the end
    return a


# markup-strings: the HTML report's payloads (tests/integration/
# test_html_report.sh) in every string an SMB1 server names itself with;
# each field gets the payloads joined, so any field shown raw breaks the page.
MARKUP = '<script>alert(1)</script> "><img src=x onerror=alert(1)> </style> </script>'


def utf16z(s):
    return s.encode("utf-16le") + b"\x00\x00"


def with_bytes(a, data):
    """SMB1 message a with its data bytes (after ByteCount) replaced."""
    bc = 33 + 2 * a[32]
    m = bytearray(a[:bc]) + struct.pack("<H", len(data)) + data
    return m


def m_markup_strings(c, req):
    """Windows 7 over SMB1 (SMB2 NEGOTIATE closed, like pre-SMB2 Windows)
    whose NEGOTIATE DomainName and ServerName and SESSION_SETUP NativeOS,
    NativeLanMan and PrimaryDomain are MARKUP: the names and OS strings of
    the report."""
    if smb_kind(req) == "smb2":
        return "close"
    a = good_answer(req)
    if a is None:
        return "close"
    if req[4] == 0x72 and a[32] == 17:  # NT LM 0.12, non-extended security
        bc = 33 + 2 * 17
        chal = bytes(a[bc + 2:bc + 2 + a[33 + 33]])  # ChallengeLength (byte 34 of the words)
        a = with_bytes(a, chal + utf16z(MARKUP) + utf16z(MARKUP))
    elif req[4] == 0x73 and a[32] == 3:
        # pad byte: the strings start at an even offset from the header
        a = with_bytes(a, b"\x00" + utf16z(MARKUP) + utf16z(MARKUP) + utf16z(MARKUP))
        struct.pack_into("<H", a, 33 + 2, len(a))  # AndXOffset: the end
    c.send(frame(a))
    return "keep"


CHOKE = {"n": 0, "limit": 0, "lock": threading.Lock()}


def m_choke(c, req):
    """An smbd over its limits, then calm: the first --choke connections
    are let in and then dropped (odd ones, closed at once) or left without a
    word (even ones); every later connection gets sane answers. Counted per
    connection, so the scanner's own retries decide when calm comes."""
    if not hasattr(c, "choked"):
        with CHOKE["lock"]:
            CHOKE["n"] += 1
            n = CHOKE["n"]
        c.choked = n <= CHOKE["limit"]
        c.odd = n % 2 == 1
        print(f"connection {n} {'choked' if c.choked else 'answered'}", file=sys.stderr, flush=True)
    if c.choked:
        return "close" if c.odd else "keep"
    a = good_answer(req)
    if a is None:
        return "close"
    c.send(frame(a))
    return "keep"


MODES = {
    "choke": m_choke,
    "silent": m_silent,
    "truncated": m_truncated,
    "nbss-16m": m_nbss_16m,
    "nbss-over-16m": m_nbss_over_16m,
    "secbuf-oob": negotiate_mode(sec_off=0xFFF0, sec_len=0x1000),
    "secbuf-len-oob": negotiate_mode(sec_len=0xFFFF),
    "ctx-off-oob": negotiate_mode(ctx_off=0xFFFFFFF0),
    "ctx-count-oob": negotiate_mode(ctx_count=0xFFFF),
    "ctx-len-oob": negotiate_mode(ctx1_len=0xFFFF),
    "zero-fields": m_zero_fields,
    "empty-frames": m_empty_frames,
    "endless-random": m_endless_random,
    "endless-frames": m_endless_frames,
    "endless-answers": m_endless_answers,
    "endless-keepalive": m_endless_keepalive,
    "slow": m_slow,
    "reset-mid": m_reset_mid,
    "cross": m_cross,
    "smb1-to-smb2": m_smb1_to_smb2,
    "smb2-to-smb1": m_smb2_to_smb1,
    "garbage": m_garbage,
    "garbage-header": m_garbage_header,
    "ntlm-avpair-oob": ntlm_mode(avpair_oob),
    "ntlm-targetinfo-oob": ntlm_mode(targetinfo_oob),
    "ntlm-targetname-oob": ntlm_mode(targetname_oob),
    "smb1-neg-bytecount": smb1_mode(br_neg_bytecount),
    "smb1-peek-wordcount": smb1_mode(br_peek_wordcount),
    "smb1-session-bytecount": smb1_mode(br_session_strings),
    "markup-strings": m_markup_strings,
}


def recv_exact(sock, n):
    return R.recv_exact(sock, n)


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        sock = self.request
        sock.settimeout(self.server.idle)
        c = Ctx(sock, random.Random(self.server.seed))
        mode = MODES[self.server.mode]
        try:
            while True:
                hdr = recv_exact(sock, 4)
                if hdr is None:
                    return
                n = int.from_bytes(hdr[1:4], "big")
                req = recv_exact(sock, n) if n else bytearray()
                if req is None or len(req) < 5:
                    return
                what = mode(c, req)
                if what in ("close", "gone", None):
                    if what == "close":
                        sock.close()
                    return
        except (OSError, socket.timeout):
            return


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", required=True, choices=sorted(MODES))
    ap.add_argument("--host", default="127.0.0.30")
    ap.add_argument("--port", type=int, default=10445)
    ap.add_argument("--lifetime", type=float, default=120)
    ap.add_argument("--idle", type=float, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--choke", type=int, default=0,
                    help="choke mode: how many connections are let down first")
    a = ap.parse_args()
    # several comma-separated addresses: one server behind them all, as
    # one smbd answering for a farm (choke mode counts their connections
    # together)
    hosts = a.host.split(",")
    for h in hosts:
        if not ipaddress.ip_address(h).is_loopback:
            sys.exit(f"hostile: refusing to listen on non-loopback {h}")
    CHOKE["limit"] = a.choke
    servers = []
    for h in hosts:
        srv = Server((h, a.port), Handler)
        srv.mode, srv.idle, srv.seed = a.mode, a.idle, a.seed
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
    print(f"ready {a.host} {a.port}", flush=True)
    time.sleep(a.lifetime)
    for srv in servers:
        srv.shutdown()


if __name__ == "__main__":
    main()
