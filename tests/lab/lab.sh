#!/usr/bin/env bash
# smbwatch test lab: real Samba personas in two network namespaces.
#
#   tests/lab/lab.sh up            create namespaces, start every persona, wait for listeners
#   tests/lab/lab.sh down          stop everything, delete namespaces and the lab dir
#   tests/lab/lab.sh exec CMD...   run CMD inside the scanner namespace
#   tests/lab/lab.sh hosts CMD...  run CMD inside the hosts namespace (debugging)
#   tests/lab/lab.sh truth         print the personas' ground truth (JSON Lines)
#   tests/lab/lab.sh status        show namespaces, addresses, listeners, processes
#   tests/lab/lab.sh reconfigure PERSONA 'key = value'...
#                                  set [global] keys in the persona's smb.conf and
#                                  make its smbd reload it (SIGHUP)
#   tests/lab/lab.sh add-share PERSONA NAME [writable|unlistable]
#                                  add a guest-readable share NAME and reload
#                                  (writable: guests may also write to it)
#   tests/lab/lab.sh stop PERSONA  take the persona off the network (its addresses
#                                  leave the hosts side: no answer, like a host
#                                  switched off); smbd keeps running
#   tests/lab/lab.sh start PERSONA put its addresses back
#   tests/lab/lab.sh ext CMD...    (SMBW_LAB_ROUTER=1) run CMD in the external
#                                  scanner namespace, outside the router
#   tests/lab/lab.sh client CMD... (SMBW_LAB_ROUTER=1) run CMD in the client
#                                  namespace on the lab bridge
#
# Network safety: only 198.18.0.0/15 and 2001:2::/48 are used, only inside the
# namespaces made here. The scanner namespace has no default route: its only
# routes are 198.18.0.0/15 and 2001:2::/48 through the veth pair, so nothing
# the scanner sends can leave the machine.
#
# Environment:
#   SMBW_LAB_PREFIX  name prefix (default "smbw"): namespaces PREFIX-scan and
#                    PREFIX-hosts, veth PREFIX-s0/PREFIX-h0, state file
#                    /run/smbwatch-lab/PREFIX.dir. Two labs with different
#                    prefixes can coexist (each in its own namespaces).
#   SMBW_LAB_STATE   directory for the state file (default /run/smbwatch-lab)
#   SMBW_LAB_KEEP=1  keep the lab dir (logs) on `down`
#   SMBW_LAB_SURFACE=1  also the attack-surface personas (.40-.43, below);
#                    set it for every lab.sh call of that lab
#   SMBW_LAB_EPM=1   also the endpoint-mapper personas (.50-.51, below): Samba's
#                    samba-dcerpcd on TCP 135; set it for every call too
#   SMBW_LAB_NBNS=1  also the NetBIOS name service persona (.60: nmbd alone,
#                    UDP 137, no smbd: TCP 139/445 closed); every call too
#   SMBW_LAB_ADDC=1  also a provisioned Samba AD DC (.53, LABAD /
#                    labad.smbwatch.test): `samba-tool domain provision` into
#                    the lab dir, then `samba` (135, 88, 389, 445, UDP 137);
#                    every call too. Costs 34-150 s of provision (7.6 s
#                    CPU, 131 MB peak RSS; the rest is waiting for a loaded
#                    machine's disk and CPU), 8-22 s to start, ~140 MB PSS.
#   SMBW_LAB_MGMT=1  also the management personas (.70-.71, below): xrdp on
#                    3389, OpenSSH on 22, a WinRM-like listener on 5985 and
#                    on 5986 (TLS on .70, certificate made at lab start:
#                    mgmt-mgmt/winrm-cert.pem; plain HTTP on .71); every
#                    call too
#   SMBW_LAB_ROUTER=1  also the lab LAN (issue 22's exposure test): a bridge
#                    PREFIX-br in the hosts namespace (198.18.2.1/24) where a
#                    client namespace (PREFIX-cli, 198.18.2.10) and a router
#                    namespace (PREFIX-rtr, 198.18.2.254) plug in; behind the
#                    router, an "external" scanner namespace (PREFIX-ext,
#                    198.19.0.1) that the router's nftables rules let reach
#                    only 198.18.1.13 and .14 on TCP 445. A sensor on
#                    PREFIX-br (`lab.sh hosts smbwatch sensor -i PREFIX-br`)
#                    sees the client's and the external scanner's traffic,
#                    not the internal scanner's (that one has its own veth).
#                    Every call of that lab too.
set -euo pipefail

KIND=lab
DEFAULT_PREFIX=smbw
# namespaces, veth, scanner and gateway addresses (198.18.0.1/.2, 2001:2::1/::2)
# shellcheck source=tests/lab/netns.sh
. "$(dirname "${BASH_SOURCE[0]}")/netns.sh"

# Persona addresses (all inside 198.18.0.0/15 and 2001:2::/48).
NET=198.18.1 # personas live in 198.18.1.0/24

# Personas: name|ipv4|ipv6 (or -)|ports|netbios name|extra smb.conf lines (\n-separated)
# The ground truth printed by `truth` below was measured against Samba 4.17.12
# with these exact settings (see tests/lab/README.md).
PERSONAS=(
	"smb1-and-2|$NET.10|2001:2::10|445|LAB-SMB1|server min protocol = NT1\nserver max protocol = SMB3\nserver signing = default"
	"smb1-only|$NET.11|-|445|LAB-OLD|server min protocol = NT1\nserver max protocol = NT1"
	"smb2-unsigned|$NET.12|-|445|LAB-SMB2|server min protocol = SMB2_02\nserver max protocol = SMB3\nserver signing = auto"
	"smb311-signed|$NET.13|-|445|LAB-SECURE|server min protocol = SMB3_11\nserver max protocol = SMB3_11\nserver signing = mandatory\nrestrict anonymous = 2"
	"guest|$NET.14|-|445|LAB-GUEST|map to guest = Bad User"
	"nonstandard-port|$NET.15|-|8445|LAB-8445|"
	"netbios-139|$NET.16|-|139|LAB-139|"
)
# The attack-surface personas (issue 16 part 2, tests/integration/
# test_surface.sh): off by default, so the other tests' lab stays as it is.
if [ "${SMBW_LAB_SURFACE:-0}" = 1 ]; then
	PERSONAS+=(
		"signing-off|$NET.40|-|445|LAB-NOSIGN|server min protocol = NT1\nserver signing = disabled"
		"encrypt-required|$NET.41|-|445|LAB-ENCRYPT|server smb encrypt = required"
		"plaintext|$NET.42|-|445|LAB-PLAIN|server min protocol = NT1\nencrypt passwords = no"
		"writable|$NET.43|-|445|LAB-WRITE|server min protocol = NT1\nmap to guest = Bad User"
	)
fi
# The endpoint-mapper personas (issue 18 part 2, tests/integration/
# test_epm.sh): Samba's samba-dcerpcd as a daemon, listening on 135 (and
# dynamic ports 49152+). name|ipv4|samba-dcerpcd arguments (the RPC
# services it runs). "epm" is also an smbd persona (445, in PERSONAS) with
# every rpcd of Samba and the spooler on; "epm-winreg" runs only the
# endpoint mapper and winreg, and no smbd: 135 without 445.
EPM_PERSONAS=()
if [ "${SMBW_LAB_EPM:-0}" = 1 ]; then
	PERSONAS+=(
		"epm|$NET.50|-|445|LAB-EPM|rpc start on demand helpers = false\nload printers = no\ndisable spoolss = no"
	)
	EPM_PERSONAS=(
		"epm|$NET.50|--libexec-rpcds"
		"epm-winreg|$NET.51|/usr/libexec/samba/rpcd_epmapper /usr/libexec/samba/rpcd_winreg"
	)
fi
ADDC_IP=$NET.53   # SMBW_LAB_ADDC=1: samba (the AD DC daemon), test_epm.sh
ADDC_REALM=LABAD.SMBWATCH.TEST
ADDC_DOMAIN=LABAD
ADDC_NAME=LABDC
# The management personas (issue 18 part 3, tests/integration/
# test_mgmt.sh): name|ipv4|xrdp security_layer|WinRM 5986|WinRM schemes.
# "mgmt" is also an smbd persona (445); "mgmt-nosmb" has no smbd:
# management alone. WinRM 5986: tls (HTTPS, its certificate made at lab
# start) or plain (HTTP on the HTTPS port: the not-TLS control).
MGMT_PERSONAS=()
if [ "${SMBW_LAB_MGMT:-0}" = 1 ]; then
	PERSONAS+=("mgmt|$NET.70|-|445|LAB-MGMT|")
	MGMT_PERSONAS=(
		"mgmt|$NET.70|negotiate|tls|Negotiate,Kerberos"
		"mgmt-nosmb|$NET.71|tls|plain|Negotiate,Basic realm=WSMAN"
	)
fi
ECHO_IP=$NET.20   # socat echo on 445: answers with whatever it receives
MUTE_IP=$NET.21   # accepts on 445 and never sends a byte
CLOSED_IP=$NET.30 # address answers, no listener: RST on every port
NBNS_IP=$NET.60   # SMBW_LAB_NBNS=1: nmbd only (test_nbns.sh)
NBNS_NAME=LAB-NBNS
NBNS_GROUP=LABNB

# nmbd.conf of the name service persona: NetBIOS on, its own workgroup, a
# domain master and local master browser so that <1B>/<1D> names appear
write_nmbd_conf() {
	local dir=$1
	mkdir -p "$dir"/{pid,lock,state,cache,private,ncalrpc,binddns}
	cat >"$dir/smb.conf" <<-EOF
	# smbwatch lab persona: nmbd (NetBIOS name service only)
	[global]
	   netbios name = $NBNS_NAME
	   workgroup = $NBNS_GROUP
	   server role = standalone server
	   interfaces = $NBNS_IP/32
	   bind interfaces only = yes
	   disable netbios = no
	   domain master = yes
	   local master = yes
	   preferred master = yes
	   os level = 65
	$(smbd_private_conf "$dir" 1)
	EOF
}

# wait_udp ADDR:PORT: until a UDP socket is bound there in the hosts namespace
wait_udp() {
	local i
	for ((i = 0; i < 100; i++)); do
		in_hosts ss -Hlun | awk '{print $4}' | grep -qxF "$1" && return 0
		sleep 0.2
	done
	die "UDP $1 not bound after 20 s (see $(lab_dir)/nmbd/smbd.log)"
}

# provision_addc DIR: a new AD domain whose every file lives under DIR
# (--targetdir and the --option lines: nothing in /etc/samba, /var/lib/samba
# or /var/log/samba). No DNS server (53 stays closed); the replication,
# KCC, DNS-update and NTP-signing services are off: nothing in the lab uses
# them and they cost CPU. Provisioning only writes files: it runs here, the
# daemon runs in the hosts namespace. Its wall time goes to DIR/provision.time.
provision_addc() {
	local dir=$1 t0 t1
	mkdir -p "$dir"/{pid,ncalrpc,winbindd,ntp_signd}
	t0=$(date +%s.%N)
	samba-tool domain provision --realm="$ADDC_REALM" --domain="$ADDC_DOMAIN" \
		--server-role=dc --dns-backend=NONE --host-name="$ADDC_NAME" --host-ip="$ADDC_IP" \
		--adminpass='Lab-Admin-Pass-1' --targetdir="$dir" \
		--option="interfaces = $ADDC_IP/32" --option="bind interfaces only = yes" \
		--option="pid directory = $dir/pid" --option="ncalrpc dir = $dir/ncalrpc" \
		--option="winbindd socket directory = $dir/winbindd" \
		--option="ntp signd socket directory = $dir/ntp_signd" \
		--option="log file = $dir/samba.log" --option="max log size = 0" \
		--option="server services = s3fs, rpc, nbt, ldap, cldap, kdc, winbindd" \
		--option="dns proxy = no" --option="multicast dns register = no" \
		--option="load printers = no" --option="printcap name = /dev/null" \
		>"$dir/provision.log" 2>&1 || die "samba-tool domain provision failed (see $dir/provision.log)"
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }' >"$dir/provision.time"
}

# wait_addc: the AD DC's listeners (135, 88, 389, 445) and its name service
# (UDP 137). samba starts its services one by one: a hang bound, not a wait.
wait_addc() {
	local i have w missing
	for ((i = 0; i < 600; i++)); do
		have=$(in_hosts ss -Hltun | awk '{print $1 " " $5}')
		missing=()
		for w in "tcp $ADDC_IP:135" "tcp $ADDC_IP:88" "tcp $ADDC_IP:389" "tcp $ADDC_IP:445" "udp $ADDC_IP:137"; do
			grep -qxF "$w" <<<"$have" || missing+=("$w")
		done
		[ ${#missing[@]} -eq 0 ] && return 0
		sleep 0.2
	done
	die "AD DC not up after 120 s: ${missing[*]} (see $(lab_dir)/addc/samba.log)"
}

# --- the lab LAN, the router and the outside (SMBW_LAB_ROUTER=1) ------------
#
#  netns PREFIX-ext         netns PREFIX-rtr              netns PREFIX-hosts
#  198.19.0.1 ──veth── 198.19.0.254 | 198.18.2.254 ──veth── bridge PREFIX-br
#  route 198.18.0.0/15      forwarding on, nftables:       198.18.2.1/24
#  via the router           outside -> .13/.14:445 only    (personas on lo)
#                                                          │ veth
#                                        netns PREFIX-cli: 198.18.2.10
#
# No namespace has a default route; the router forwards only between its two
# lab links, and its forward chain drops everything from outside but new TCP
# connections to EXT_ALLOWED port 445 (and what belongs to them), silently:
# the rest of the lab is "filtered" from outside.
LAN=198.18.2            # the lab LAN on the bridge
LAN_HOSTS_IP=$LAN.1     # the hosts namespace on the bridge
LAN_RTR_IP=$LAN.254     # the router's inside address
CLIENT_IP=$LAN.10       # the client namespace
OUT=198.19.0            # the outside link (still inside 198.18.0.0/15)
EXT_IP=$OUT.1           # the external scanner
OUT_RTR_IP=$OUT.254     # the router's outside address
EXT_ALLOWED="$NET.13, $NET.14" # what the outside may reach (TCP 445)
BRIDGE=$PREFIX-br

router_up() {
	command -v nft >/dev/null || die "missing nft (nftables)"
	local ns
	for ns in "$NS_RTR" "$NS_EXT" "$NS_CLI"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
	done
	# the bridge in the hosts namespace, with a port for the router and one
	# for the client; the veths are made in place (names are per namespace)
	ip -n "$NS_HOSTS" link add "$BRIDGE" type bridge
	ip -n "$NS_HOSTS" link set "$BRIDGE" up
	ip -n "$NS_HOSTS" addr add "$LAN_HOSTS_IP/24" dev "$BRIDGE"
	ip -n "$NS_HOSTS" link add "$PREFIX-hr" type veth peer name "$PREFIX-rh" netns "$NS_RTR"
	ip -n "$NS_HOSTS" link add "$PREFIX-hc" type veth peer name "$PREFIX-ch" netns "$NS_CLI"
	for ns in hr hc; do
		ip -n "$NS_HOSTS" link set "$PREFIX-$ns" master "$BRIDGE"
		ip -n "$NS_HOSTS" link set "$PREFIX-$ns" up
	done
	ip -n "$NS_HOSTS" route add "$OUT.0/24" via "$LAN_RTR_IP" dev "$BRIDGE"
	# client: on the LAN, reaches the personas through the hosts namespace
	ip -n "$NS_CLI" link set "$PREFIX-ch" up
	ip -n "$NS_CLI" addr add "$CLIENT_IP/24" dev "$PREFIX-ch"
	ip -n "$NS_CLI" route add "$NET.0/24" via "$LAN_HOSTS_IP" dev "$PREFIX-ch"
	# router: LAN side, outside side, forwarding (IPv4 only) under nftables
	ip -n "$NS_RTR" link set "$PREFIX-rh" up
	ip -n "$NS_RTR" addr add "$LAN_RTR_IP/24" dev "$PREFIX-rh"
	ip -n "$NS_RTR" route add "$NET.0/24" via "$LAN_HOSTS_IP" dev "$PREFIX-rh"
	ip -n "$NS_RTR" link add "$PREFIX-re" type veth peer name "$PREFIX-er" netns "$NS_EXT"
	ip -n "$NS_RTR" link set "$PREFIX-re" up
	ip -n "$NS_RTR" addr add "$OUT_RTR_IP/24" dev "$PREFIX-re"
	ip netns exec "$NS_RTR" nft -f - <<-EOF
	table ip smbwatch_lab {
		chain forward {
			type filter hook forward priority 0; policy drop;
			ct state established,related accept
			iifname "$PREFIX-re" oifname "$PREFIX-rh" ip daddr { $EXT_ALLOWED } tcp dport 445 ct state new accept
		}
	}
	EOF
	ip netns exec "$NS_RTR" sysctl -qw net.ipv4.ip_forward=1
	# the external scanner: only the lab prefixes, through the router
	ip -n "$NS_EXT" link set "$PREFIX-er" up
	ip -n "$NS_EXT" addr add "$EXT_IP/24" dev "$PREFIX-er"
	ip -n "$NS_EXT" route add 198.18.0.0/15 via "$OUT_RTR_IP" dev "$PREFIX-er"
}

# --- smb.conf for one persona ------------------------------------------------
write_conf() {
	local dir=$1 name=$2 ip4=$3 ip6=$4 ports=$5 nb=$6 extra=$7
	local ifaces="$ip4/32" netbios="yes"
	[ "$ip6" != "-" ] && ifaces="$ifaces $ip6/128"
	[ "$ports" = 139 ] && netbios="no"
	mkdir -p "$dir"/{pid,lock,state,cache,private,ncalrpc,binddns,share,guest,drop}
	chmod 1777 "$dir/drop" # guests map to nobody: [drop] lets them write
	chmod 755 "$dir" "$dir/share" "$dir/guest"
	echo "smbwatch lab persona $name" >"$dir/share/README.txt"
	echo "guest-readable file" >"$dir/guest/hello.txt"
	chmod 644 "$dir/share/README.txt" "$dir/guest/hello.txt"
	{
		cat <<-EOF
		# smbwatch lab persona: $name
		[global]
		   netbios name = $nb
		   workgroup = LAB
		   server string = smbwatch lab $name
		   server role = standalone server
		   security = user
		   interfaces = $ifaces
		   bind interfaces only = yes
		   smb ports = $ports
		   disable netbios = $netbios
		$(smbd_private_conf "$dir" 1)
		EOF
		printf '%b\n' "$extra" | sed 's/^/   /'
		share_conf public "$dir/share" "lab public share" yes "browseable = yes"
		if [ "$name" = guest ]; then share_conf guest "$dir/guest" "guest share" yes; fi
		if [ "$name" = writable ]; then share_conf drop "$dir/drop" "writable by guests" no; fi
	} >"$dir/smb.conf"
}

# xrdp and sshd of a management persona, in DIR, listening on IP:
# xrdp.ini with the given security_layer (negotiate: standard RDP security
# accepted; tls: refused) and its own certificate; sshd_config with its own
# host key and pid file.
write_mgmt_conf() {
	local dir=$1 ip=$2 layer=$3
	mkdir -p "$dir"
	openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=lab-mgmt" -days 7 \
		-keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1
	cat >"$dir/xrdp.ini" <<-EOF
		[Globals]
		ini_version=1
		port=tcp://$ip:3389
		security_layer=$layer
		crypt_level=high
		certificate=$dir/cert.pem
		key_file=$dir/key.pem
		ssl_protocols=TLSv1.2, TLSv1.3
		[Logging]
		LogFile=$dir/xrdp.log
		LogLevel=INFO
		EnableSyslog=false
		[Channels]
	EOF
	# WinRM's HTTPS listener: self-signed like New-SelfSignedCertificate's,
	# made here (no private key in git)
	openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=lab-winrm" -days 7 \
		-addext "subjectAltName=DNS:lab-winrm.smbwatch.test,IP:$ip" \
		-keyout "$dir/winrm-key.pem" -out "$dir/winrm-cert.pem" >/dev/null 2>&1
	ssh-keygen -q -t ed25519 -N '' -f "$dir/ssh_host_ed25519_key" </dev/null >/dev/null
	mkdir -p /run/sshd
	cat >"$dir/sshd_config" <<-EOF
		ListenAddress $ip:22
		HostKey $dir/ssh_host_ed25519_key
		PidFile $dir/sshd.pid
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
	EOF
}

# One guest-accessible share stanza: NAME PATH COMMENT READ_ONLY [LINE]
share_conf() {
	printf '\n[%s]\n   path = %s\n   comment = %s\n   read only = %s\n   guest ok = yes\n' \
		"$1" "$2" "$3" "$4"
	[ -z "${5:-}" ] || printf '   %s\n' "$5"
}

cmd_up() {
	ns_up_begin ip smbd socat ss
	local dir=$LAB_DIR
	ns_create ipv6
	# Hosts: persona addresses on lo. Only the addresses listed here answer;
	# the rest of 198.18.1.0/24 is silent.
	local p name ip4 ip6 ports nb extra listen=()
	for p in "${PERSONAS[@]}"; do
		IFS='|' read -r name ip4 ip6 ports nb extra <<<"$p"
		ip -n "$NS_HOSTS" addr add "$ip4/32" dev lo
		[ "$ip6" != "-" ] && ip -n "$NS_HOSTS" -6 addr add "$ip6/128" dev lo nodad
		write_conf "$dir/$name" "$name" "$ip4" "$ip6" "$ports" "$nb" "$extra"
		listen+=("$ip4:$ports")
		[ "$ip6" != "-" ] && listen+=("[$ip6]:$ports")
	done
	for ip4 in "$ECHO_IP" "$MUTE_IP" "$CLOSED_IP"; do
		ip -n "$NS_HOSTS" addr add "$ip4/32" dev lo
	done
	local rpcds
	for p in "${EPM_PERSONAS[@]}"; do
		IFS='|' read -r name ip4 rpcds <<<"$p"
		# an smbd persona has its address and smb.conf already
		if [ ! -f "$dir/$name/smb.conf" ]; then
			ip -n "$NS_HOSTS" addr add "$ip4/32" dev lo
			write_conf "$dir/$name" "$name" "$ip4" - 445 LAB-EPM-WINREG \
				"rpc start on demand helpers = false"
		fi
		listen+=("$ip4:135")
	done
	if [ "${SMBW_LAB_NBNS:-0}" = 1 ]; then
		ip -n "$NS_HOSTS" addr add "$NBNS_IP/32" dev lo
		write_nmbd_conf "$dir/nmbd"
	fi
	if [ "${SMBW_LAB_ADDC:-0}" = 1 ]; then
		ip -n "$NS_HOSTS" addr add "$ADDC_IP/32" dev lo
		provision_addc "$dir/addc"
	fi
	local layer https schemes
	for p in "${MGMT_PERSONAS[@]}"; do
		IFS='|' read -r name ip4 layer https schemes <<<"$p"
		[ -f "$dir/$name/smb.conf" ] || ip -n "$NS_HOSTS" addr add "$ip4/32" dev lo
		write_mgmt_conf "$dir/mgmt-$name" "$ip4" "$layer"
		listen+=("$ip4:3389" "$ip4:22" "$ip4:5985" "$ip4:5986")
	done

	# every daemon is started by one script run under reaper.py
	{
		echo "# started by lab.sh under reaper.py, in netns $NS_HOSTS"
		for p in "${PERSONAS[@]}"; do
			IFS='|' read -r name _ <<<"$p"
			echo "smbd -D -s '$dir/$name/smb.conf'"
		done
		for p in "${EPM_PERSONAS[@]}"; do
			IFS='|' read -r name _ rpcds <<<"$p"
			echo "/usr/libexec/samba/samba-dcerpcd -D -s '$dir/$name/smb.conf' $rpcds"
		done
		echo "socat 'TCP-LISTEN:445,bind=$ECHO_IP,fork,reuseaddr' EXEC:cat </dev/null >'$dir/socat-echo.log' 2>&1 &"
		echo "socat -u 'TCP-LISTEN:445,bind=$MUTE_IP,fork,reuseaddr' OPEN:/dev/null </dev/null >'$dir/socat-mute.log' 2>&1 &"
		[ "${SMBW_LAB_NBNS:-0}" = 1 ] && echo "nmbd -D -s '$dir/nmbd/smb.conf'"
		# date +%s.%N first: wait_addc's end minus it is the start time
		[ "${SMBW_LAB_ADDC:-0}" = 1 ] && echo "date +%s.%N >'$dir/addc/start.t0'; samba -D -s '$dir/addc/etc/smb.conf'"
		for p in "${MGMT_PERSONAS[@]}"; do
			IFS='|' read -r name ip4 layer https schemes <<<"$p"
			local m=$dir/mgmt-$name tls=""
			[ "$https" = tls ] && tls=" --tls '$m/winrm-cert.pem' '$m/winrm-key.pem'"
			echo "xrdp -n -c '$m/xrdp.ini' </dev/null >'$m/xrdp.out' 2>&1 &"
			echo "/usr/sbin/sshd -D -e -f '$m/sshd_config' </dev/null >'$m/sshd.log' 2>&1 &"
			echo "/usr/bin/python3 '$LAB_HOME/../responders/winrm_responder.py' $ip4 5985 '$schemes' </dev/null >'$m/winrm.log' 2>&1 &"
			echo "/usr/bin/python3 '$LAB_HOME/../responders/winrm_responder.py' $ip4 5986 '$schemes'$tls </dev/null >'$m/winrm-5986.log' 2>&1 &"
		done
		true
	} >"$dir/daemons.sh"
	ns_start_daemons "the daemons" "$dir/reaper.log and $dir/*/smbd.log"
	listen+=("$ECHO_IP:445" "$MUTE_IP:445")
	wait_listen "${listen[@]}"
	[ "${SMBW_LAB_NBNS:-0}" = 1 ] && wait_udp "$NBNS_IP:137"
	if [ "${SMBW_LAB_ADDC:-0}" = 1 ]; then
		wait_addc
		awk -v a="$(cat "$dir/addc/start.t0")" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", b - a }' >"$dir/addc/start.time"
	fi
	[ "${SMBW_LAB_ROUTER:-0}" = 1 ] && router_up
	UP_OK=1
	echo "lab up: $dir (scanner netns $NS_SCAN = $SCAN_IP4, hosts netns $NS_HOSTS)"
}

cmd_status() {
	local dir
	dir=$(lab_dir)
	echo "prefix:  $PREFIX"
	echo "lab dir: ${dir:-none}"
	if ! ns_exists "$NS_HOSTS"; then
		echo "namespaces: down"
		return 0
	fi
	echo "== scanner ($NS_SCAN) addresses and routes"
	ip -n "$NS_SCAN" -br addr
	ip -n "$NS_SCAN" route
	ip -n "$NS_SCAN" -6 route
	echo "== hosts ($NS_HOSTS) listeners"
	in_hosts ss -Hltn | awk '{print "  " $4}' | sort -V
	echo "== hosts processes"
	local pids
	pids=$(ip netns pids "$NS_HOSTS" | tr '\n' ',' | sed 's/,$//')
	[ -n "$pids" ] && ps -o pid=,args= -p "$pids" | sed 's/^/  /'
	return 0
}

# Ground truth, as measured against Samba 4.17.12 (Debian 12) with the
# configuration above, using smbclient and nmap's smb-protocols,
# smb2-security-mode, smb-security-mode and smb-os-discovery from the scanner
# namespace. One line per expected service (ip, port), then one line per
# address that must produce no service record ("service": false).
#   smb1_signing: SMB1 NEGOTIATE SecurityMode (disabled/enabled/required)
#   smb2_signing: SMB2 NEGOTIATE SecurityMode bit 0x02 (enabled/required)
#   os_version: NTLMSSP CHALLENGE version; Samba always sends 6.1 build 0
#   anon_share_list: `smbclient -N -L` lists shares anonymously
cmd_truth() {
	local v=6.1.0
	cat <<-EOF
	{"persona":"smb1-and-2","ip":"$NET.10","port":445,"transport":"direct","service":true,"smb1_enabled":true,"smb1_signing":"disabled","smb2_dialects":["2.0.2","2.1","3.0","3.0.2","3.1.1"],"smb2_signing":"enabled","netbios_computer":"LAB-SMB1","netbios_domain":"LAB-SMB1","os_version":"$v","anon_share_list":true}
	{"persona":"smb1-and-2","ip":"2001:2::10","port":445,"transport":"direct","service":true,"smb1_enabled":true,"smb1_signing":"disabled","smb2_dialects":["2.0.2","2.1","3.0","3.0.2","3.1.1"],"smb2_signing":"enabled","netbios_computer":"LAB-SMB1","netbios_domain":"LAB-SMB1","os_version":"$v","anon_share_list":true}
	{"persona":"smb1-only","ip":"$NET.11","port":445,"transport":"direct","service":true,"smb1_enabled":true,"smb1_signing":"disabled","smb2_dialects":[],"smb2_signing":null,"netbios_computer":"LAB-OLD","netbios_domain":"LAB-OLD","os_version":"$v","anon_share_list":true}
	{"persona":"smb2-unsigned","ip":"$NET.12","port":445,"transport":"direct","service":true,"smb1_enabled":false,"smb1_signing":null,"smb2_dialects":["2.0.2","2.1","3.0","3.0.2","3.1.1"],"smb2_signing":"enabled","netbios_computer":"LAB-SMB2","netbios_domain":"LAB-SMB2","os_version":"$v","anon_share_list":true}
	{"persona":"smb311-signed","ip":"$NET.13","port":445,"transport":"direct","service":true,"smb1_enabled":false,"smb1_signing":null,"smb2_dialects":["3.1.1"],"smb2_signing":"required","netbios_computer":"LAB-SECURE","netbios_domain":"LAB-SECURE","os_version":"$v","anon_share_list":false}
	{"persona":"guest","ip":"$NET.14","port":445,"transport":"direct","service":true,"smb1_enabled":false,"smb1_signing":null,"smb2_dialects":["2.0.2","2.1","3.0","3.0.2","3.1.1"],"smb2_signing":"enabled","netbios_computer":"LAB-GUEST","netbios_domain":"LAB-GUEST","os_version":"$v","anon_share_list":true,"guest":true}
	{"persona":"nonstandard-port","ip":"$NET.15","port":8445,"transport":"direct","service":true,"smb1_enabled":false,"smb1_signing":null,"smb2_dialects":["2.0.2","2.1","3.0","3.0.2","3.1.1"],"smb2_signing":"enabled","netbios_computer":"LAB-8445","netbios_domain":"LAB-8445","os_version":"$v","anon_share_list":true}
	{"persona":"netbios-139","ip":"$NET.16","port":139,"transport":"netbios","service":true,"smb1_enabled":false,"smb1_signing":null,"smb2_dialects":["2.0.2","2.1","3.0","3.0.2","3.1.1"],"smb2_signing":"enabled","netbios_computer":"LAB-139","netbios_domain":"LAB-139","os_version":"$v","anon_share_list":true}
	{"persona":"echo","ip":"$ECHO_IP","port":445,"service":false,"note":"socat echo: TCP open, not SMB"}
	{"persona":"mute","ip":"$MUTE_IP","port":445,"service":false,"note":"accepts, never answers"}
	{"persona":"closed","ip":"$CLOSED_IP","port":null,"service":false,"note":"address answers, every port closed (RST)"}
	{"persona":"silent","ip":"$NET.0/24 (all other)","port":null,"service":false,"note":"not routed on the hosts side: filtered"}
	EOF
}

# --- changing a persona between scans (monitor tests) ------------------------
persona_line() {
	local p name
	for p in "${PERSONAS[@]}"; do
		IFS='|' read -r name _ <<<"$p"
		[ "$name" = "$1" ] && { echo "$p"; return 0; }
	done
	die "unknown persona '$1'"
}

# smbd re-reads smb.conf on SIGHUP; new connections get the new settings.
# The reload is asynchronous: wait until smbd logs it (log level 1), not for
# a fixed time a loaded machine outruns. smbd reloads in the same step as it
# logs, before it accepts another connection, so the next scan sees it.
reload_persona() {
	local dir=$1 pid before i
	local mark='Reloading services after SIGHUP'
	pid=$(cat "$dir/pid/smbd.pid" 2>/dev/null) || die "no smbd pid file in $dir/pid"
	before=$(grep -c "$mark" "$dir/smbd.log" 2>/dev/null || true)
	kill -HUP "$pid" || die "smbd $pid is not running"
	for ((i = 0; i < 600; i++)); do # a hang bound, not a wait: 60 s
		[ "$(grep -c "$mark" "$dir/smbd.log" 2>/dev/null)" -gt "${before:-0}" ] && return 0
		sleep 0.1
	done
	die "smbd $pid did not log its reload within 60 s ($dir/smbd.log)"
}

cmd_reconfigure() {
	need_root
	local name=$1 dir kv key
	shift
	persona_line "$name" >/dev/null
	dir=$(lab_dir)/$name
	[ -f "$dir/smb.conf" ] || die "lab $PREFIX is not up"
	for kv in "$@"; do
		[[ $kv == *=* ]] || die "reconfigure: expected 'key = value', got '$kv'"
		key=$(sed 's/[[:space:]]*=.*//; s/^[[:space:]]*//' <<<"$kv")
		# replace the key in [global] (before the first share), else add it
		awk -v key="$key" -v kv="$kv" '
			BEGIN { done = 0; sec = "" }
			/^\[/ { if (sec == "global" && !done) { print "   " kv; done = 1 }
			        sec = substr($0, 2, index($0, "]") - 2) }
			{ line = $0; k = line; sub(/^[ \t]*/, "", k); sub(/[ \t]*=.*/, "", k)
			  if (sec == "global" && k == key) { if (!done) print "   " kv; done = 1; next }
			  print }
			END { if (!done) print "   " kv }' "$dir/smb.conf" >"$dir/smb.conf.new"
		mv "$dir/smb.conf.new" "$dir/smb.conf"
	done
	reload_persona "$dir"
	echo "lab: $name reconfigured: $*"
}

cmd_add_share() {
	need_root
	local name=$1 share=$2 mode=${3:-} dir ro=yes perm=755
	persona_line "$name" >/dev/null
	[[ $share =~ ^[A-Za-z0-9_-]+$ ]] || die "add-share: share name [A-Za-z0-9_-]"
	case $mode in
	"") ;;
	writable) ro=no perm=1777 ;; # guests map to nobody: the directory must let them write
	# guests may enter (tree connect works) but not list the root
	unlistable) perm=711 ;;
	*) die "add-share: third argument is 'writable', 'unlistable' or nothing" ;;
	esac
	dir=$(lab_dir)/$name
	[ -f "$dir/smb.conf" ] || die "lab $PREFIX is not up"
	mkdir -p "$dir/$share"
	chmod "$perm" "$dir/$share"
	share_conf "$share" "$dir/$share" "added by lab.sh" "$ro" "browseable = yes" >>"$dir/smb.conf"
	reload_persona "$dir"
	echo "lab: $name has share $share"
}

# Addresses leave/return on the hosts side; smbd's sockets stay bound, so
# `start` is instant and nothing is left to reap.
cmd_stop_start() {
	need_root
	local what=$1 name=$2 line ip4 ip6
	line=$(persona_line "$name")
	IFS='|' read -r _ ip4 ip6 _ <<<"$line"
	ns_exists "$NS_HOSTS" || die "lab $PREFIX is not up"
	if [ "$what" = stop ]; then
		ip -n "$NS_HOSTS" addr del "$ip4/32" dev lo
		[ "$ip6" != "-" ] && ip -n "$NS_HOSTS" -6 addr del "$ip6/128" dev lo
	else
		ip -n "$NS_HOSTS" addr add "$ip4/32" dev lo
		[ "$ip6" != "-" ] && ip -n "$NS_HOSTS" -6 addr add "$ip6/128" dev lo nodad
	fi
	echo "lab: $name: $what"
}

usage() {
	sed -n '2,/^set -euo pipefail/{/^set/!p}' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}

case "${1:-}" in
up) cmd_up ;;
down) ns_down ;;
exec) shift; [ $# -gt 0 ] || usage; ns_exec "$NS_SCAN" "$@" ;;
hosts) shift; [ $# -gt 0 ] || usage; ns_exec "$NS_HOSTS" "$@" ;;
truth) cmd_truth ;;
status) cmd_status ;;
reconfigure) shift; [ $# -ge 2 ] || usage; cmd_reconfigure "$@" ;;
add-share) [ $# -eq 3 ] || [ $# -eq 4 ] || usage; cmd_add_share "$2" "$3" "${4:-}" ;;
stop | start) [ $# -eq 2 ] || usage; cmd_stop_start "$1" "$2" ;;
ext) shift; [ $# -gt 0 ] || usage; ns_exec "$NS_EXT" "$@" ;;
client) shift; [ $# -gt 0 ] || usage; ns_exec "$NS_CLI" "$@" ;;
*) usage ;;
esac
