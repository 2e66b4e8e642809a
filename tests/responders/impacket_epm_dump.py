#!/usr/bin/python3
# impacket_epm_dump.py - the second implementation test_epm.sh compares
# smbwatch's endpoint-mapper walk with: impacket's (Debian python3-impacket)
# EPM client and tower decoder, one ept_lookup page at a time from a null
# entry handle to the end. rpcdump.py itself cannot be the peer on Samba:
# impacket 0.10 raises on the status Samba gives its last page
# (0x16c9a0d6 ept_s_not_registered, MS-RPCE 2.2.1.2.4) and drops every entry
# it had; here that status ends the walk and its page still counts.
#
# Prints one line per entry: "UUID vMAJOR.MINOR BINDING". Refuses any
# address outside the lab ranges (198.18.0.0/15, 2001:2::/48).
#
#     /usr/bin/python3 impacket_epm_dump.py 198.18.1.50
#
import ipaddress
import sys

from impacket.dcerpc.v5 import epm, transport
from impacket.uuid import bin_to_string

LAB = [ipaddress.ip_network("198.18.0.0/15"), ipaddress.ip_network("2001:2::/48")]
NOT_REGISTERED = 0x16C9A0D6


def main():
    host = sys.argv[1]
    if not any(ipaddress.ip_address(host) in n for n in LAB):
        sys.exit(f"impacket_epm_dump: refusing non-lab address {host}")
    rpc = transport.DCERPCTransportFactory(f"ncacn_ip_tcp:{host}[135]")
    rpc.set_connect_timeout(30)
    dce = rpc.get_dce_rpc()
    dce.connect()
    dce.bind(epm.MSRPC_UUID_PORTMAP)
    handle = epm.ept_lookup_handle_t()
    for _ in range(64):
        req = epm.ept_lookup()
        req["inquiry_type"] = epm.RPC_C_EP_ALL_ELTS
        req["object"] = epm.NULL
        req["Ifid"] = epm.NULL
        req["vers_option"] = epm.RPC_C_VERS_ALL
        req["entry_handle"] = handle
        req["max_ents"] = 64
        resp = dce.request(req, checkError=False)
        for i in range(resp["num_ents"]):
            entry = resp["entries"][i]
            tower = epm.EPMTower(b"".join(entry["tower"]["tower_octet_string"]))
            floors = tower["Floors"]
            iface = bin_to_string(floors[0]["InterfaceUUID"]).lower()
            print(f"{iface} v{floors[0]['MajorVersion']}.{floors[0]['MinorVersion']} "
                  f"{epm.PrintStringBinding(floors)}")
        handle = resp["entry_handle"]
        if resp["status"] != 0 or handle.isNull() or not resp["num_ents"]:
            if resp["status"] not in (0, NOT_REGISTERED):
                sys.exit(f"impacket_epm_dump: status 0x{resp['status']:08x}")
            break
    dce.disconnect()


if __name__ == "__main__":
    main()
