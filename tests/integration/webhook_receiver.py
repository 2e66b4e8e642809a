#!/usr/bin/python3
"""Tiny webhook receiver for the monitor tests (loopback only).

    webhook_receiver.py PORTFILE OUTFILE SECRET [PORT]

Listens on 127.0.0.1 (PORT, or a free port; written to PORTFILE), and for every POST
appends one JSON line to OUTFILE: {"sig_ok": bool, "event_header": ...,
"body": <the posted JSON>}. sig_ok checks X-Smbwatch-Signature against
HMAC-SHA256(SECRET, body). Answers 200.
"""
import hashlib
import hmac
import http.server
import json
import sys

portfile, outfile, secret = sys.argv[1], sys.argv[2], sys.argv[3].encode()


class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        want = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        got = self.headers.get("X-Smbwatch-Signature", "")
        try:
            ev = json.loads(body)
        except ValueError:
            ev = None
        with open(outfile, "a") as f:
            f.write(json.dumps({"sig_ok": hmac.compare_digest(want, got),
                                "event_header": self.headers.get("X-Smbwatch-Event"),
                                "body": ev}) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.HTTPServer.allow_reuse_address = True
srv = http.server.HTTPServer(("127.0.0.1", int(sys.argv[4]) if len(sys.argv) > 4 else 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os  # noqa: E402
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
