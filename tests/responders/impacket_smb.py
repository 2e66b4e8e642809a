#!/usr/bin/python3
"""impacket_smb.py - impacket's SMB server (Debian python3-impacket) as a
second SMB implementation for smbwatch's attack-surface test: anonymous
logons allowed, signing not required, one share impacket serves read/write
(its TREE_CONNECT answers MaximalAccess 0x000f01ff), SMB1 and SMB2.

    /usr/bin/python3 impacket_smb.py --host 127.0.0.6 --port 10446 --dir DIR

Listens on loopback only, prints "ready HOST PORT" once listening and exits
after --lifetime seconds. Run with Debian's /usr/bin/python3 (the package
installs impacket there)."""
import argparse
import ipaddress
import sys
import threading
import time

from impacket import smbserver


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.6")
    ap.add_argument("--port", type=int, default=10446)
    ap.add_argument("--dir", required=True, help="directory served as share DATA")
    ap.add_argument("--lifetime", type=float, default=120)
    a = ap.parse_args()
    if not ipaddress.ip_address(a.host).is_loopback:
        sys.exit(f"impacket_smb: refusing to listen on non-loopback {a.host}")
    srv = smbserver.SimpleSMBServer(listenAddress=a.host, listenPort=a.port)
    srv.addShare("DATA", a.dir, "impacket share")
    srv.setSMB2Support(True)
    srv.setSMBChallenge("")
    srv.setLogFile("")
    threading.Thread(target=srv.start, daemon=True).start()
    time.sleep(0.5)  # the listening socket exists once the constructor returned
    print(f"ready {a.host} {a.port}", flush=True)
    time.sleep(a.lifetime)


if __name__ == "__main__":
    main()
