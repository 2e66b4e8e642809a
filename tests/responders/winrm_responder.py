#!/usr/bin/env python3
"""A listener that answers like WinRM's HTTP listener (TCP 5985) for
tests/integration/test_mgmt.sh: every request gets the answer Windows'
WinRM service (HTTP.sys) gives a POST /wsman without credentials, 401 with
one WWW-Authenticate header per scheme it accepts, then the connection
closes. Built from the WS-Management / MS-WSMV behaviour (401 plus the
schemes), not from a capture; the schemes are the last argument, comma-separated:
    winrm_responder.py ADDR PORT 'Negotiate,Basic realm=WSMAN'
"""
import socket
import sys
import threading


def serve(conn, schemes):
    with conn:
        conn.settimeout(10)
        data = b""
        try:
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
        except OSError:
            return
        head = b"HTTP/1.1 401 \r\nServer: Microsoft-HTTPAPI/2.0\r\n"
        for s in schemes:
            head += b"WWW-Authenticate: " + s.encode() + b"\r\n"
        head += b"Content-Length: 0\r\nConnection: close\r\n\r\n"
        try:
            conn.sendall(head)
        except OSError:
            pass


def main():
    addr, port, schemes = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(64)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, schemes), daemon=True).start()


if __name__ == "__main__":
    main()
