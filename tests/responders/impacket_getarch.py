#!/usr/bin/python3
# impacket_getarch.py - the peer of smbwatch's epm.arch in
# tests/integration/test_epm.sh: impacket's EPM client binds the endpoint
# mapper offering NDR64 as the only transfer syntax, the question impacket's
# examples/getArch.py asks. Prints "x64" when the bind is accepted, "x86"
# when refused for "proposed transfer syntaxes not supported", else
# "unknown: ...". Lab addresses only (198.18.0.0/15).
#     impacket_getarch.py 198.18.1.53
import ipaddress
import sys

from impacket.dcerpc.v5 import epm, transport
from impacket.dcerpc.v5.rpcrt import DCERPCException

NDR64 = ("71710533-BEBA-4937-8319-B5DBEF9CCC36", "1.0")


def main() -> int:
    host = sys.argv[1]
    if ipaddress.ip_address(host) not in ipaddress.ip_network("198.18.0.0/15"):
        print("lab addresses only (198.18.0.0/15)", file=sys.stderr)
        return 2
    t = transport.DCERPCTransportFactory(f"ncacn_ip_tcp:{host}[135]")
    t.set_connect_timeout(10)
    dce = t.get_dce_rpc()
    dce.connect()
    try:
        dce.bind(epm.MSRPC_UUID_PORTMAP, transfer_syntax=NDR64)
    except DCERPCException as e:
        print("x86" if "syntaxes_not_supported" in str(e) else f"unknown: {e}")
    else:
        print("x64")
    dce.disconnect()
    return 0


if __name__ == "__main__":
    sys.exit(main())
