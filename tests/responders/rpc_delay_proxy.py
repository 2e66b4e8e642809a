#!/usr/bin/env python3
"""rpc_delay_proxy.py - a TCP proxy in front of a real SMB server that holds
back the client's DCE/RPC BIND (the SRVSVC bind of a share listing), the way
Samba 4.17 does while it starts samba-dcerpcd on demand, or a busy server.

    rpc_delay_proxy.py --listen 127.0.0.1 --upstream 198.18.1.12:445 \
        --mode-file MODE --log LOG

The mode is read from --mode-file at each new connection, so a test can
change the server's behaviour between scans:
    pass        forward everything
    slow:SECS   hold each BIND for SECS seconds, then forward it
    mute        never forward a BIND (the connection stays open, silent)
Every BIND seen is logged as "bind conn=N mode=MODE" (flushed), so a test
can assert that the delay really happened and how often the client tried.

Listens on loopback only; the upstream must be loopback or the lab's
198.18.0.0/15. Prints "ready HOST PORT"; exits after --lifetime seconds.
"""
import argparse
import ipaddress
import itertools
import select
import socket
import sys
import threading
import time

# DCE/RPC connection-oriented header (C706 12.6): version 5.0, ptype 11 =
# BIND, first flags byte, little-endian data representation.
BIND_HEAD = b"\x05\x00\x0b"

conn_ids = itertools.count(1)
log_lock = threading.Lock()


def log(path, line):
    with log_lock, open(path, "a") as f:
        f.write(line + "\n")
        f.flush()


def read_mode(path):
    try:
        with open(path) as f:
            return f.read().strip() or "pass"
    except OSError:
        return "pass"


def frames(buf):
    """Split whole NBSS frames off buf: (frames, rest)."""
    out = []
    while len(buf) >= 4:
        n = int.from_bytes(buf[1:4], "big")
        if len(buf) < 4 + n:
            break
        out.append(buf[: 4 + n])
        buf = buf[4 + n:]
    return out, buf


def is_bind(frame):
    """An SMB2 IOCTL (FSCTL_PIPE_TRANSCEIVE) or SMB1 TRANSACTION carrying a
    BIND PDU."""
    smb = frame[4:]
    if smb[:4] == b"\xfeSMB":
        carrier = smb[12:14] == b"\x0b\x00"  # SMB2 IOCTL
    elif smb[:4] == b"\xffSMB":
        carrier = smb[4:5] == b"\x25"  # SMB1 TRANSACTION
    else:
        return False
    return carrier and BIND_HEAD in smb


def handle(client, args):
    cid = next(conn_ids)
    mode = read_mode(args.mode_file)
    host, port = args.upstream.rsplit(":", 1)
    try:
        up = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
    except OSError:
        client.close()
        return
    up.settimeout(None)
    pending = b""
    muted = False
    try:
        while True:
            r, _, _ = select.select([client, up], [], [], 60)
            if not r:
                break
            if up in r:
                d = up.recv(65536)
                if not d:
                    break
                client.sendall(d)
            if client in r:
                d = client.recv(65536)
                if not d:
                    break
                if muted:
                    continue  # everything after a held-back BIND is dropped too
                whole, pending = frames(pending + d)
                for f in whole:
                    if is_bind(f):
                        log(args.log, "bind conn=%d mode=%s" % (cid, mode))
                        if mode == "mute":
                            muted = True
                            break
                        if mode.startswith("slow:"):
                            time.sleep(float(mode[5:]))
                    up.sendall(f)
    except OSError:
        pass
    finally:
        client.close()
        up.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--upstream", required=True, help="HOST:PORT of the real server")
    ap.add_argument("--mode-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--lifetime", type=float, default=600)
    args = ap.parse_args()
    if not ipaddress.ip_address(args.listen).is_loopback:
        sys.exit("refusing a non-loopback --listen")
    up = ipaddress.ip_address(args.upstream.rsplit(":", 1)[0].strip("[]"))
    if not (up.is_loopback or up in ipaddress.ip_network("198.18.0.0/15")):
        sys.exit("refusing an upstream outside loopback and 198.18.0.0/15")
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.listen, args.port))
    srv.listen(64)
    print("ready %s %d" % srv.getsockname(), flush=True)
    end = time.monotonic() + args.lifetime
    srv.settimeout(1)
    while time.monotonic() < end:
        try:
            c, _ = srv.accept()
        except socket.timeout:
            continue
        threading.Thread(target=handle, args=(c, args), daemon=True).start()


if __name__ == "__main__":
    main()
