#!/usr/bin/env python3
"""slow_clients.py HOST PORT N SECONDS: slowloris against a local HTTP
server (tests/integration/test_serve.sh). Opens N connections, sends each
a request line and then one header byte per second, never finishing the
request, for SECONDS; prints "ready N" once all are open, then at the end
"open K": how many the server still held open (not closed by it)."""
import socket
import sys
import time


def main():
    host, port, n, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    conns = []
    for _ in range(n):
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(b"GET /api/overview HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        conns.append(s)
    print(f"ready {len(conns)}", flush=True)
    end = time.monotonic() + secs
    while time.monotonic() < end:
        for s in list(conns):
            try:
                s.sendall(b"a")
            except OSError:
                conns.remove(s)
        time.sleep(1)
    print(f"open {len(conns)}", flush=True)
    for s in conns:
        s.close()


if __name__ == "__main__":
    main()
