#!/usr/bin/env python3
"""chain_breaker.py - a TCP relay that breaks the first connection of a
scan mid-chain (issue 17): smbwatch keeps that connection open and runs
its later checks on it, so a server that drops it, or goes quiet on it,
must cost a fresh connection (a retry), never an answer.

    chain_breaker.py --listen 127.0.0.41 --port 10445 --to 198.18.1.12:445 \
        --mode drop --after 2

Relays every connection to --to; the --nth accepted connection (default
1: the full SMB2 negotiate's; 2: the SMB1 negotiate's) is broken
after the server has sent --after whole NBSS frames to the client:
  drop  close both sides at once (a server that drops a kept connection)
  mute  stop relaying both ways, keep the socket open (a check times out)
Later connections are relayed untouched. Prints "ready" once listening and
"broken N" on stderr when it broke one. Test-lab use only (loopback and the
lab's 198.18.0.0/15)."""
import argparse
import socket
import sys
import threading


def relay(src, dst):
    """Copy src -> dst until either side ends."""
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class Breaker:
    """Counts whole NBSS frames from the server; breaks after `after`."""

    def __init__(self, cli, srv, mode, after):
        self.cli, self.srv, self.mode, self.after = cli, srv, mode, after
        self.buf = b""
        self.frames = 0
        self.broken = False

    def from_server(self, b):
        """Forward the server's whole frames; break after `after`."""
        if self.broken:
            return
        self.buf += b
        out = b""
        while len(self.buf) >= 4:
            n = int.from_bytes(self.buf[1:4], "big")
            if len(self.buf) < 4 + n:
                break
            out += self.buf[:4 + n]
            self.buf = self.buf[4 + n:]
            self.frames += 1
            if self.frames >= self.after:
                self.cli.sendall(out)
                self.break_now()
                return
        if out:
            self.cli.sendall(out)

    def break_now(self):
        self.broken = True
        print("broken %d" % self.frames, file=sys.stderr, flush=True)
        if self.mode == "drop":
            for s in (self.cli, self.srv):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


def serve(a):
    host, port = a.to.rsplit(":", 1)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.listen, a.port))
    ls.listen(64)
    print("ready", flush=True)
    seen = 0
    while True:
        cli, _ = ls.accept()
        seen += 1
        srv = socket.create_connection((host, int(port)), timeout=10)
        srv.settimeout(None)
        if seen == a.nth:
            br = Breaker(cli, srv, a.mode, a.after)

            def up(cli=cli, srv=srv, br=br):
                try:
                    while not br.broken:
                        b = cli.recv(65536)
                        if not b or br.broken:
                            break
                        srv.sendall(b)
                except OSError:
                    pass

            def down(srv=srv, br=br):
                try:
                    while not br.broken:
                        b = srv.recv(65536)
                        if not b:
                            break
                        br.from_server(b)
                except OSError:
                    pass

            threading.Thread(target=up, daemon=True).start()
            threading.Thread(target=down, daemon=True).start()
        else:
            threading.Thread(target=relay, args=(cli, srv), daemon=True).start()
            threading.Thread(target=relay, args=(srv, cli), daemon=True).start()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--to", required=True)
    p.add_argument("--mode", choices=("drop", "mute"), required=True)
    p.add_argument("--after", type=int, required=True)
    p.add_argument("--nth", type=int, default=1)
    a = p.parse_args()
    serve(a)


if __name__ == "__main__":
    main()
