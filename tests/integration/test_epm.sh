#!/usr/bin/env bash
# Integration test: the RPC endpoint mapper on TCP 135 (issue 18 part 2) on
# Samba's samba-dcerpcd run as a daemon in the lab (tests/lab/lab.sh with
# SMBW_LAB_EPM=1): "epm" (198.18.1.50) runs every rpcd of Samba 4.17 with
# the spooler on, beside smbd on 445; "epm-winreg" (198.18.1.51) runs only
# the endpoint mapper and winreg, no smbd. Asserts the exact interface set
# recorded, that it agrees entry for entry with impacket's EPM client
# (tests/responders/impacket_epm_dump.py, the peer), and COERCION_SURFACE
# present on the first (spoolss, netdfs, FSRVP are registered there) and
# absent on the second (the negative control). Nothing listed is called.
# "addc" (198.18.1.53, SMBW_LAB_ADDC=1) is a provisioned Samba AD DC
# (samba-tool domain provision into the lab dir, then `samba`), provisioned
# once per run by lab_up and used by every AD DC case below. What it costs,
# measured on the 2-core CI machine shared with builds and other labs:
# provision 34-150 s wall (7.6 s of CPU; 131 MB peak RSS), `samba` up (135,
# 88, 389, 445, UDP 137 bound) in 8-22 s, the running DC 46 processes and
# 141-147 MB PSS; the whole test ~6 min, of it ~1-3 min the DC (the test
# prints its own run's figures as a TAP comment).
# Prints TAP.
#   SMBWATCH=path/to/smbwatch tests/integration/test_epm.sh
set -uo pipefail # no -e: a failed assertion must not stop the test
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwep$$}
export SMBW_LAB_EPM=1
export SMBW_LAB_ADDC=1
SCAN_TIMEOUT=${SCAN_TIMEOUT:-300}
PEER=$ROOT/tests/responders/impacket_epm_dump.py
ARCH_PEER=$ROOT/tests/responders/impacket_getarch.py
EPM_IP=198.18.1.50
WINREG_IP=198.18.1.51
ADDC_IP=198.18.1.53

need_root "integration test needs root (network namespaces, samba-dcerpcd)"
need_tools jq ip smbd timeout samba samba-tool
need_smbwatch
[ -x /usr/libexec/samba/samba-dcerpcd ] || { not_ok "samba-dcerpcd installed"; finish; exit 1; }

work_dir epm
lab_up
ok "lab up (with the endpoint-mapper personas and the AD DC)"
LABDIR=$(cat "${SMBW_LAB_STATE:-/run/smbwatch-lab}/$SMBW_LAB_PREFIX.dir")
# the AD DC's cost: provision and start seconds, and the memory of the
# samba process tree (PSS: shared pages counted once)
addc_tree() { # samba's pid and all its descendants
	local todo=("$(cat "$LABDIR/addc/pid/samba.pid")") p
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]}
		todo=("${todo[@]:1}")
		echo "$p"
		# shellcheck disable=SC2207
		todo+=($(ps -o pid= --ppid "$p"))
	done
}
pss=$(for p in $(addc_tree); do awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null; done |
	awk '{ s += $1 } END { printf "%.0f", s / 1024 }')
echo "# AD DC: provision $(cat "$LABDIR/addc/provision.time") s, samba up in $(cat "$LABDIR/addc/start.time") s, $(addc_tree | wc -l) processes, ${pss} MB PSS"

timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress -p 135,445 \
	--format jsonl -o "$WORK/run.jsonl" "$EPM_IP" "$WINREG_IP" 198.18.1.10 2>"$WORK/err.txt"
eq "scan of 135 and 445 exits 0" "$?" 0

rec() { # IP PORT JQ
	jq -c --arg ip "$1" --argjson port "$2" \
		"select(.type == \"service\" and .ip == \$ip and .port == \$port) | $3" "$WORK/run.jsonl"
}
# "uuid vX.Y binding" lines, sorted: what smbwatch recorded, what impacket lists
ours() { rec "$1" 135 '.epm.interfaces[] | .uuid + " v" + .version + " " + .bindings[]' | tr -d '"' | sed 's/\\\\/\\/g' | sort; }
ours_in() { # FILE IP: as ours, from another run's file
	jq -c --arg ip "$2" 'select(.type == "service" and .ip == $ip and .port == 135) | .epm.interfaces[] | .uuid + " v" + .version + " " + .bindings[]' "$1" |
		tr -d '"' | sed 's/\\\\/\\/g' | sort
}
peer() { "$LAB" exec /usr/bin/python3 "$PEER" "$1" | sort; }
arch_peer() { "$LAB" exec /usr/bin/python3 "$ARCH_PEER" "$1"; }

# --- epm: every rpcd of Samba 4.17 --------------------------------------------
eq "epm: one record on 135" "$(rec $EPM_IP 135 '.port' | wc -l)" 1
eq "epm: the epm check ran" "$(rec $EPM_IP 135 '.checks.epm.status')" '"ok"'
eq "epm: walked to the end" "$(rec $EPM_IP 135 '.epm.complete')" true
eq "epm: 38 entries (every one of the walk)" "$(rec $EPM_IP 135 '.epm.entries')" 38
# the interface set, measured on Samba 4.17.12 (samba-dcerpcd --libexec-rpcds)
WANT_EPM='12345678-1234-abcd-ef00-0123456789ab 1.0
12345778-1234-abcd-ef00-0123456789ab 0.0
12345778-1234-abcd-ef00-0123456789ac 1.0
338cd001-2244-31f1-aaaa-900038001003 1.0
367abb81-9844-35f1-ad32-98f038001003 2.0
3919286a-b10c-11d0-9ba8-00c04fd92ef5 0.0
4b324fc8-1670-01d3-1278-5a47bf6ee188 3.0
4fc742e0-4a10-11cf-8273-00aa004ae673 3.0
6bffd098-a112-3610-9833-46c3f87e345a 1.0
82273fdc-e32a-18c3-3f78-827929dc23ea 0.0
885d85fb-c754-4062-a0e7-6872ce0064f4 2.0
894de0c0-0d55-11d3-a322-00c04fa321a1 1.0
8d9f4e40-a03d-11ce-8f69-08003e30051b 1.0
a8e0653c-2744-4389-a61d-7373df8b2292 1.0
e1af8308-5d1f-11c9-91a4-08002b14a0fa 3.0'
eq "epm: the exact interface set" \
	"$(rec $EPM_IP 135 '.epm.interfaces[] | .uuid + " " + .version' | tr -d '"' | sort)" "$WANT_EPM"
eq "epm: spoolss over its pipe" \
	"$(rec $EPM_IP 135 '.epm.interfaces[] | select(.annotation == "spoolss") | .bindings[0]')" '"ncacn_np:[\\pipe\\spoolss]"'
eq "epm: winreg over ncacn_ip_tcp on a dynamic port" \
	"$(rec $EPM_IP 135 '.epm.interfaces[] | select(.name == "MS-RRP winreg") | .bindings[] | select(startswith("ncacn_ip_tcp")) | test("^ncacn_ip_tcp:198\\.18\\.1\\.50\\[49[0-9]{3}\\]$")')" true
PEER_EPM=$(peer $EPM_IP)
eq "epm: impacket lists 38 entries too" "$(wc -l <<<"$PEER_EPM")" 38
eq "epm: every entry agrees with impacket (uuid, version, binding)" "$(ours $EPM_IP)" "$PEER_EPM"
# Samba's smbd on 445 of the same host does not require signing: a relay
# target, so the coerced authentication can be relayed back to it
# Samba has no NDR64: it refuses the NDR64-only bind for the transfer
# syntax, on any CPU; getArch.py's reading of that is "x86", and so is ours
eq "epm: impacket's getArch reading: x86 (Samba refuses NDR64)" "$(arch_peer $EPM_IP)" x86
eq "epm: arch agrees with it" "$(rec $EPM_IP 135 '.epm.arch')" '"x86"'
eq "epm: its SMB service on 445 is a relay target" "$(rec $EPM_IP 445 '.relay.target')" true
eq "epm: COERCION_SURFACE, high (the host is a relay target)" \
	"$(rec $EPM_IP 135 '.findings[] | select(.id == "COERCION_SURFACE") | .severity')" '"high"'
eq "epm: its evidence names the three registered and the relay target" \
	"$(rec $EPM_IP 135 '.findings[] | select(.id == "COERCION_SURFACE") | .evidence')" \
	'"registered on TCP 135: MS-FSRVP (ShadowCoerce), MS-RPRN print spooler (PrinterBug), MS-DFSNM netdfs (DFSCoerce); the host'"'"'s SMB service is an NTLM relay target"'
eq "epm: no MS-EFSR on Samba" "$(rec $EPM_IP 135 '[.epm.interfaces[] | select(.coercion == "PetitPotam")] | length')" 0
eq "epm: no Netlogon, no DC role (standalone server)" "$(rec $EPM_IP 135 '.epm.role')" null
eq "epm: the SMB service on 445 is its own record, without epm" "$(rec $EPM_IP 445 '[.epm, .checks.epm.status]')" '[null,"not_run"]'

eq "epm: no IObjectExporter on Samba: no addresses, no MULTI_HOMED" \
	"$(rec $EPM_IP 135 '[.epm.addresses, ([.findings[].id] | index("MULTI_HOMED"))]')" '[null,null]'

# --- epm-winreg: the negative control -----------------------------------------
eq "epm-winreg: walked to the end" "$(rec $WINREG_IP 135 '.epm.complete')" true
eq "epm-winreg: the exact interface set (winreg and the mapper)" \
	"$(rec $WINREG_IP 135 '.epm.interfaces[] | .uuid + " " + .version' | tr -d '"' | sort | tr '\n' ' ')" \
	"338cd001-2244-31f1-aaaa-900038001003 1.0 e1af8308-5d1f-11c9-91a4-08002b14a0fa 3.0 "
eq "epm-winreg: every entry agrees with impacket" "$(ours $WINREG_IP)" "$(peer $WINREG_IP)"
eq "epm-winreg: no finding at all (no coercion interface)" "$(rec $WINREG_IP 135 '.findings')" '[]'
eq "epm-winreg: nothing on 445" "$(rec $WINREG_IP 445 '.port' | wc -l)" 0
eq "smb1-and-2 (.10): 135 closed, no record" "$(rec 198.18.1.10 135 '.port' | wc -l)" 0
eq "smb1-and-2 (.10): its 445 record is there (control)" "$(rec 198.18.1.10 445 '.port')" 445

# --- addc: a provisioned Samba AD DC ----------------------------------------
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress -p 135 \
	--format jsonl -o "$WORK/addc.jsonl" "$ADDC_IP" 2>/dev/null
eq "addc: scan of 135 exits 0" "$?" 0
arec() { jq -c "select(.type == \"service\" and .port == ${2:-135}) | $1" "$WORK/addc.jsonl"; }
eq "addc: walked to the end" "$(arec '.epm.complete')" true
eq "addc: Netlogon is registered" \
	"$(arec '[.epm.interfaces[] | select(.uuid == "12345678-1234-abcd-ef00-01234567cffb") | .name]')" '["MS-NRPC Netlogon"]'
eq "addc: drsuapi is registered" \
	"$(arec '[.epm.interfaces[] | select(.uuid == "e3514235-4b06-11d1-ab04-00c04fc2dcd2") | .name]')" '["MS-DRSR drsuapi"]'
eq "addc: the DC role is set" "$(arec '.epm.role')" '"domain controller"'
PEER_ADDC=$(peer $ADDC_IP)
# measured on Samba 4.17.12: 53 entries, 17 of them bindings of the mgmt
# interface (afa8bd80-...), beyond the 4 per interface the record once kept
eq "addc: impacket lists 53 entries" "$(wc -l <<<"$PEER_ADDC")" 53
eq "addc: smbwatch counted 53 entries" "$(arec '.epm.entries')" 53
eq "addc: every entry agrees with impacket, line for line" "$(ours_in "$WORK/addc.jsonl" $ADDC_IP)" "$PEER_ADDC"
# Samba's AD DC registers no coercion interface on 135 (no spoolss, netdfs,
# FSRVP or MS-EFSR in its mapper): no COERCION_SURFACE. The positive control
# for "high on a DC" is the MS-RPCE responder below (MS-EFSR and Netlogon).
eq "addc: impacket's getArch reading: x86" "$(arch_peer $ADDC_IP)" x86
eq "addc: arch agrees with it" "$(arec '.epm.arch')" '"x86"'
eq "addc: no coercion interface registered (Samba AD DC has none)" \
	"$(arec '[.epm.interfaces[] | select(.coercion)] | length')" 0
eq "addc: hence no COERCION_SURFACE" "$(arec '[.findings[].id] | index("COERCION_SURFACE")')" null
eq "addc: -p 135 alone: the role rests on Netlogon only" "$(arec '[.epm.role_from, .epm.dc_signs]')" '["Netlogon registered",null]'

# the other signs of the role (the same host's other records of the scan):
# Kerberos (TCP 88) and LDAP (TCP 389) open, a <1C> name in its NBSTAT
# answer (samba's nbt server registers LABAD<1C>); each alone, then all.
# .50 (samba-dcerpcd, no AD) answers none of them: the control.
dc_scan() { # PORTS -> dc_signs of .53 and .50's 135 records
	timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress -p "$1" \
		--format jsonl -o "$WORK/dc.jsonl" "$ADDC_IP" "$EPM_IP" 2>/dev/null || echo "exit $?"
	jq -c 'select(.type == "service" and .port == 135) | [.ip, .epm.dc_signs]' "$WORK/dc.jsonl" | sort
}
eq "addc: TCP 88 open is a sign" "$(dc_scan 135,88)" \
	'["198.18.1.50",null]
["198.18.1.53","TCP 88 open (Kerberos)"]'
eq "addc: TCP 389 open is a sign" "$(dc_scan 135,389)" \
	'["198.18.1.50",null]
["198.18.1.53","TCP 389 open (LDAP)"]'
eq "addc: a <1C> name on U:137 is a sign" "$(dc_scan 135,U:137)" \
	'["198.18.1.50",null]
["198.18.1.53","<1C> name (LABAD)"]'
eq "addc: the 137 record holds the <1C> group name" \
	"$(jq -c 'select(.type == "service" and .port == 137) | [.nbns.names[] | select(.suffix == "1C") | [.name, .group]]' "$WORK/dc.jsonl")" '[["LABAD",true]]'
dc_scan 135,88,389,U:137 >/dev/null
eq "addc: all signs together, and the role" \
	"$(jq -c 'select(.type == "service" and .port == 135 and .ip == "'"$ADDC_IP"'") | [.epm.role, (.epm.dc_signs | split(", ") | sort)]' "$WORK/dc.jsonl")" \
	'["domain controller",["<1C> name (LABAD)","TCP 389 open (LDAP)","TCP 88 open (Kerberos)"]]'
eq "addc: 88 and 389 are open ports without a record (not SMB)" \
	"$(jq -c 'select(.type == "service" and (.port == 88 or .port == 389))' "$WORK/dc.jsonl" | wc -l)" 0
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress -p 135,88 "$ADDC_IP" >"$WORK/addc.txt" 2>&1
eq "addc: text scan exits 0" "$?" 0
has "addc: text: the role and what it rests on" "$(tr '\n' ' ' <"$WORK/addc.txt" | tr -s ' ')" \
	"RPC endpoint mapper: 13 interfaces, domain controller (Netlogon registered, TCP 88 open (Kerberos)), arch x86"

# --- the writers and the check table ------------------------------------------
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress -p 135 \
	"$EPM_IP" >"$WORK/run.txt" 2>&1
eq "text scan exits 0" "$?" 0
# 135 alone: the relay verdict of 445 is not known, the finding stays medium
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress -p 135 \
	--format jsonl "$EPM_IP" >"$WORK/only135.jsonl" 2>/dev/null
eq "-p 135 alone exits 0" "$?" 0
eq "-p 135 alone: COERCION_SURFACE medium (no relay verdict known)" \
	"$(jq -c 'select(.type == "service") | .findings[] | select(.id == "COERCION_SURFACE") | .severity' "$WORK/only135.jsonl")" '"medium"'
has "text: the mapper's words" "$(tr '\n' ' ' <"$WORK/run.txt" | tr -s ' ')" \
	"RPC endpoint mapper: 15 interfaces, coercion: MS-FSRVP (ShadowCoerce), MS-RPRN print spooler (PrinterBug), MS-DFSNM netdfs (DFSCoerce), arch x86"
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress -p 135 --format csv \
	"$EPM_IP" >"$WORK/run.csv" 2>/dev/null
eq "csv scan exits 0" "$?" 0
col() { # CSV column NAME of the first row (no quoted commas in these)
	awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i } NR == 2 { print $c }' "$WORK/run.csv"
}
eq "csv: coercion_surface column" "$(col coercion_surface)" '"MS-FSRVP (ShadowCoerce)'
has "scan --list-checks names epm" "$("$SMBWATCH" scan --list-checks 2>&1)" "epm "
# the check is one of --checks: without it, 135 is not walked
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress -p 135 --checks auth \
	--format jsonl -o "$WORK/noepm.jsonl" "$EPM_IP" 2>/dev/null
eq "--checks auth: scan exits 0" "$?" 0
eq "--checks auth: no endpoint-mapper record" "$(jq -c 'select(.type == "service")' "$WORK/noepm.jsonl" | wc -l)" 0

# --- a Windows-like mapper: MS-EFSR, Netlogon, ServerAlive2 ------------------
# tests/responders/dcom_responder.py, built from MS-RPCE / MS-DCOM (Samba has
# none of these), on a lab address of its own in the hosts namespace
DCOM_IP=198.18.1.52
"$LAB" hosts ip addr add "$DCOM_IP/32" dev lo
"$LAB" hosts /usr/bin/python3 "$ROOT/tests/responders/dcom_responder.py" --host "$DCOM_IP" \
	--other 198.19.7.5 --lifetime 600 >"$WORK/dcom.log" 2>&1 &
DCOM_PID=$!
at_exit "kill $DCOM_PID 2>/dev/null || true"
wait_for "$WORK/dcom.log" listening 30
eq "dcom responder listening" "$?" 0
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --no-db --no-progress -p 135 \
	--format jsonl -o "$WORK/dcom.jsonl" "$DCOM_IP" 2>/dev/null
eq "dcom: scan exits 0" "$?" 0
drec() { jq -c "select(.type == \"service\" and .port == 135) | $1" "$WORK/dcom.jsonl"; }
eq "dcom: the interface set (two MS-EFSR, Netlogon)" \
	"$(drec '[.epm.interfaces[] | .uuid + " " + .version] | sort')" \
	'["12345678-1234-abcd-ef00-01234567cffb 1.0","c681d488-d850-11d0-8c52-00c04fd90f7e 1.0","df1941c5-fe89-4e79-bf10-463657acf44d 1.0"]'
eq "dcom: every entry agrees with impacket" \
	"$(drec '.epm.interfaces[] | .uuid + " v" + .version + " " + .bindings[]' | tr -d '"' | sed 's/\\\\/\\/g' | sort)" \
	"$(peer $DCOM_IP)"
eq "dcom: Netlogon registered: a domain controller" "$(drec '.epm.role')" '"domain controller"'
eq "dcom: COERCION_SURFACE high (a DC), PetitPotam both ways" \
	"$(drec '.findings[] | select(.id == "COERCION_SURFACE") | [.severity, .evidence]')" \
	'["high","registered on TCP 135: MS-EFSR (efsrpc) (PetitPotam), MS-EFSR (lsarpc pipe) (PetitPotam); a domain controller (Netlogon registered)"]'
# the positive control of arch: the responder accepts NDR64 as a 64-bit
# Windows does
eq "dcom: impacket's getArch reading: x64" "$(arch_peer $DCOM_IP)" x64
eq "dcom: arch x64, agreeing" "$(drec '.epm.arch')" '"x64"'
eq "dcom: ServerAlive2's addresses" "$(drec '.epm.addresses')" '["LAB-DCOM","198.18.1.52","198.19.7.5"]'
eq "dcom: MULTI_HOMED for the address in another segment" \
	"$(drec '.findings[] | select(.id == "MULTI_HOMED") | [.severity, .evidence]')" \
	'["medium","ServerAlive2 on 198.18.1.52 port 135 lists 198.19.7.5"]'

# --- the store: a new interface on 135 is a change --------------------------
# epm-winreg scanned into a store, then its samba-dcerpcd (stopped by its pid
# file, the one the lab started) restarted with the spooler added: the diff
# says 198.18.1.51:135 changed, epm.interfaces among the fields, and
# COERCION_SURFACE opened. The unchanged .50 beside it is the control.
DB=$WORK/epm.db
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --db "$DB" --no-progress -p 135 \
	"$EPM_IP" "$WINREG_IP" >/dev/null 2>&1
eq "store: first run exits 0" "$?" 0
old_pid=$(cat "$LABDIR/epm-winreg/pid/samba-dcerpcd.pid")
kill "$old_pid"
gone=1
for ((i = 0; i < 100; i++)); do
	"$LAB" hosts ss -Hltn | awk '{print $4}' | grep -qxF "$WINREG_IP:135" || { gone=0; break; }
	sleep 0.2
done
eq "store: epm-winreg's mapper stopped" "$gone" 0
"$LAB" hosts /usr/libexec/samba/samba-dcerpcd -D -s "$LABDIR/epm-winreg/smb.conf" \
	/usr/libexec/samba/rpcd_epmapper /usr/libexec/samba/rpcd_winreg /usr/libexec/samba/rpcd_spoolss
up=1
for ((i = 0; i < 100; i++)); do
	"$LAB" hosts ss -Hltn | awk '{print $4}' | grep -qxF "$WINREG_IP:135" && { up=0; break; }
	sleep 0.2
done
eq "store: epm-winreg's mapper back, with the spooler" "$up" 0
timeout "$SCAN_TIMEOUT" "$LAB" exec "$SMBWATCH" scan --db "$DB" --no-progress -p 135 \
	"$EPM_IP" "$WINREG_IP" >/dev/null 2>&1
eq "store: second run exits 0" "$?" 0
"$SMBWATCH" diff --db "$DB" --format json >"$WORK/diff.jsonl" 2>&1
eq "diff exits 0" "$?" 0
eq "diff: only epm-winreg changed" \
	"$(jq -c 'select(.type == "diff" and .status != "unchanged") | [.ip, .port, .status]' "$WORK/diff.jsonl")" \
	'["198.18.1.51",135,"changed"]'
eq "diff: its interfaces and COERCION_SURFACE opened are the changes" \
	"$(jq -c 'select(.type == "diff" and .ip == "198.18.1.51") | [.changes[].field] | sort' "$WORK/diff.jsonl")" \
	'["epm.entries","epm.interfaces","findings.COERCION_SURFACE"]'
eq "diff: the new interface is the spooler" \
	"$(jq -c 'select(.type == "diff" and .ip == "198.18.1.51") | .changes[] | select(.field == "epm.interfaces") | [.new[].annotation] - [.old[].annotation]' "$WORK/diff.jsonl")" \
	'["spoolss"]'

finish
