#!/usr/bin/env python3
"""A listener that answers like WinRM's HTTP listener (TCP 5985), or its
HTTPS listener (TCP 5986) with --tls, for tests/integration/test_mgmt.sh:
every request gets the answer Windows' WinRM service (HTTP.sys) gives a
POST /wsman without credentials, 401 with one WWW-Authenticate header per
scheme it accepts, then the connection closes. Built from the
WS-Management / MS-WSMV behaviour (401 plus the schemes), not from a
capture; the schemes are the third argument, comma-separated:
    winrm_responder.py ADDR PORT 'Negotiate,Basic realm=WSMAN' [--tls CERT KEY]
A request that does not begin like HTTP (a method, a space) gets HTTP.sys's
immediate "400 Bad Request", as a plain-HTTP listener answers a TLS
ClientHello. Each connection is logged on stdout, one line each:
"accept ADDR", then "tls VERSION CIPHER" once a TLS handshake completes or
"tls-error WHY" when it fails: the test counts what reached the port.
"""
import re
import socket
import ssl
import sys
import threading

LOG_LOCK = threading.Lock()
HTTP_START = re.compile(rb"^[A-Z]+ ")


def log(line):
    with LOG_LOCK:
        print(line, flush=True)


def answer(conn, schemes):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            return
        data += chunk
        if len(data) >= 8 and not HTTP_START.match(data):
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html; charset=us-ascii\r\n"
                         b"Server: Microsoft-HTTPAPI/2.0\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
            return
    head = b"HTTP/1.1 401 \r\nServer: Microsoft-HTTPAPI/2.0\r\n"
    for s in schemes:
        head += b"WWW-Authenticate: " + s.encode() + b"\r\n"
    head += b"Content-Length: 0\r\nConnection: close\r\n\r\n"
    conn.sendall(head)


def serve(conn, peer, schemes, tls):
    log("accept %s" % peer[0])
    with conn:
        conn.settimeout(10)
        try:
            if tls:
                conn = tls.wrap_socket(conn, server_side=True)
                log("tls %s %s" % (conn.version(), conn.cipher()[0]))
            answer(conn, schemes)
        except ssl.SSLError as e:
            log("tls-error %s" % e.reason)
        except OSError:
            pass


def main():
    addr, port, schemes = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
    tls = None
    if len(sys.argv) == 7 and sys.argv[4] == "--tls":
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(sys.argv[5], sys.argv[6])
    elif len(sys.argv) != 4:
        sys.exit(__doc__)
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(64)
    while True:
        conn, peer = srv.accept()
        threading.Thread(target=serve, args=(conn, peer, schemes, tls), daemon=True).start()


if __name__ == "__main__":
    main()
