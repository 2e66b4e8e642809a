#!/usr/bin/env bash
# smbwatch farm: one listener answering on every address of a prefix, inside
# an otherwise silent 198.19.0.0/16, for throughput, completeness, loss and
# memory tests.
#
#   tests/lab/farm.sh up            namespaces + listener; returns when it listens
#   tests/lab/farm.sh down          stop everything, delete namespaces and dir
#   tests/lab/farm.sh exec CMD...   run CMD inside the scanner namespace
#   tests/lab/farm.sh hosts CMD...  run CMD inside the hosts namespace
#   tests/lab/farm.sh netem ARGS... tc netem on the scanner veth ("off" removes it);
#                                   without netem: "loss N%" with nftables
#   tests/lab/farm.sh lossstat      packets the nftables loss rule dropped
#   tests/lab/farm.sh info          KEY=VALUE lines: veths, MACs, prefixes
#   tests/lab/farm.sh status        addresses, routes, listeners, processes
#
#  netns PREFIX-scan                      netns PREFIX-hosts
#  198.18.0.1 (veth PREFIX-s0)  ──veth──  198.18.0.2 (veth PREFIX-h0)
#  routes: 198.18.0.0/15 only             local route FARM_NET/FARM_PREFIX_LEN on lo
#  NO default route                       one listener on 0.0.0.0:445
#                                         rest of 198.19.0.0/16: silent
#
# Network safety: only 198.18.0.0/15 is used, only inside the namespaces made
# here; the scanner namespace has no default route. 198.18.0.3 is reserved for
# masscan (--adapter-ip): the hosts side routes it back through the veth with a
# static neighbour entry (the scanner MAC), and no kernel owns it, so
# masscan's own TCP stack gets the answers and nothing else resets them.
#
# Environment:
#   SMBW_LAB_PREFIX  name prefix (default "smbwf"; at most 12 chars): netns
#                    PREFIX-scan / PREFIX-hosts, veth PREFIX-s0 / PREFIX-h0,
#                    state file /run/smbwatch-lab/PREFIX.dir
#   FARM_PREFIX_LEN  size of the answering prefix 198.19.0.0/LEN (default 20:
#                    4,096 addresses; 24 for tests; 16..30)
#   FARM_MODE        smbd (default): one smbd (SMB2+ defaults, bind interfaces
#                    only = no, max connections = 0, a guest-ok share);
#                    mute: a python3 listener that accepts every connection
#                    (backlog 65535) and never reads nor writes (memory tests)
#   SMBW_LAB_KEEP=1  keep the farm dir (smbd log) on `down`
set -euo pipefail

KIND=farm
DEFAULT_PREFIX=smbwf
# namespaces, veth, scanner and gateway addresses (198.18.0.1/.2)
# shellcheck source=tests/lab/netns.sh
. "$(dirname "${BASH_SOURCE[0]}")/netns.sh"
# a farm that is up keeps the size and mode it was made with
if [ "${1:-}" != up ] && [ -f "$STATE_FILE" ] && [ -f "$(cat "$STATE_FILE")/farm.env" ]; then
	# shellcheck disable=SC1090
	. "$(cat "$STATE_FILE")/farm.env"
fi
LEN=${FARM_PREFIX_LEN:-20}
if ! [[ $LEN =~ ^[0-9]+$ ]] || [ "$LEN" -lt 16 ] || [ "$LEN" -gt 30 ]; then
	echo "farm: FARM_PREFIX_LEN must be 16..30" >&2
	exit 2
fi
MODE=${FARM_MODE:-smbd}
case $MODE in smbd | mute) ;; *) echo "farm: FARM_MODE must be smbd or mute" >&2; exit 2 ;; esac
MASSCAN_IP4=198.18.0.3
FARM_NET=198.19.0.0
SILENT_NET=198.19.0.0/16
FARM_CIDR=$FARM_NET/$LEN

write_conf() {
	local dir=$1
	mkdir -p "$dir"/{pid,lock,state,cache,private,ncalrpc,binddns,share}
	chmod 755 "$dir" "$dir/share"
	echo "smbwatch farm" >"$dir/share/README.txt"
	chmod 644 "$dir/share/README.txt"
	cat >"$dir/smb.conf" <<-EOF
	# smbwatch farm: one smbd for every address of $FARM_CIDR
	[global]
	   netbios name = FARM
	   workgroup = LAB
	   server string = smbwatch farm
	   server role = standalone server
	   security = user
	   map to guest = Bad User
	   bind interfaces only = no
	   smb ports = 445
	   disable netbios = yes
	   max connections = 0
	$(smbd_private_conf "$dir" 0)

	[public]
	   path = $dir/share
	   comment = farm public share
	   read only = yes
	   guest ok = yes
	   browseable = yes
	EOF
}

# A listener that accepts everything and never reads nor writes: the peer's
# bytes sit in the receive buffer and the connection stays open until the
# peer closes or resets it (watched with EPOLLRDHUP only, to free the fd).
write_mute() {
	cat >"$1/mute.py" <<-'EOF'
	import os, resource, select, socket, sys
	soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
	resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.bind(("0.0.0.0", 445))
	s.listen(65535)
	s.setblocking(False)
	ep = select.epoll()
	ep.register(s.fileno(), select.EPOLLIN)
	conns = {}
	while True:
	    for fd, ev in ep.poll():
	        if fd == s.fileno():
	            while True:
	                try:
	                    c, _ = s.accept()
	                except (BlockingIOError, InterruptedError):
	                    break
	                except OSError:
	                    break  # EMFILE: leave it in the queue
	                conns[c.fileno()] = c
	                ep.register(c.fileno(), select.EPOLLRDHUP)
	        else:
	            c = conns.pop(fd, None)
	            if c is not None:
	                ep.unregister(fd)
	                c.close()
	EOF
}

cmd_up() {
	local tools=(ip ss python3)
	[ "$MODE" = smbd ] && tools+=(smbd)
	ns_up_begin "${tools[@]}"
	local dir=$LAB_DIR
	printf 'FARM_PREFIX_LEN=%s\nFARM_MODE=%s\n' "$LEN" "$MODE" >"$dir/farm.env"
	ns_create
	# hosts: the farm prefix answers (local route), nothing else does
	ip -n "$NS_HOSTS" route add "$MASSCAN_IP4/32" dev "$VETH_H"
	ip -n "$NS_HOSTS" neigh replace "$MASSCAN_IP4" dev "$VETH_H" \
		lladdr "$(ip -n "$NS_SCAN" -br link show "$VETH_S" | awk '{print $3}')" nud permanent
	ip -n "$NS_HOSTS" route add local "$FARM_CIDR" dev lo
	# many connections at once: room in the accept queue (the mute listener
	# asks for 65535; smbd hard-codes 50 whatever this says)
	in_hosts sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535

	if [ "$MODE" = smbd ]; then
		write_conf "$dir"
		echo "smbd -D -s '$dir/smb.conf'" >"$dir/daemons.sh"
	else
		write_mute "$dir"
		echo "python3 '$dir/mute.py' </dev/null >'$dir/mute.log' 2>&1 &" >"$dir/daemons.sh"
	fi
	ns_start_daemons "the listener" "$dir/reaper.log"
	wait_listen "0.0.0.0:445"
	UP_OK=1
	echo "farm up: $dir ($MODE on $FARM_CIDR inside silent $SILENT_NET; scanner netns $NS_SCAN = $SCAN_IP4)"
}

# Loss (and delay) on the scanner -> hosts direction. tc netem on the
# scanner's veth when the kernel has it (CONFIG_NET_SCH_NETEM); otherwise
# loss only, with nftables on the hosts side: every packet that arrives on
# the hosts' veth is dropped with probability N% (numgen random), which is
# what netem loss on the scanner's egress does.
#   farm.sh netem loss 5%       farm.sh netem delay 50ms loss 1%       farm.sh netem off
cmd_netem() {
	ns_exists "$NS_SCAN" || die "farm $PREFIX is not up"
	ip netns exec "$NS_SCAN" tc qdisc del dev "$VETH_S" root 2>/dev/null || true
	in_hosts nft delete table inet farmloss 2>/dev/null || true
	[ "$1" = off ] && return 0
	if ip netns exec "$NS_SCAN" tc qdisc add dev "$VETH_S" root netem "$@" 2>/dev/null; then
		echo "farm: tc netem $* on $VETH_S"
		return 0
	fi
	[ $# -eq 2 ] && [ "$1" = loss ] && [[ $2 =~ ^([0-9]+)%$ ]] ||
		die "no netem in this kernel; the nftables fallback does 'loss N%' only"
	local pct=${BASH_REMATCH[1]}
	command -v nft >/dev/null || die "no netem in this kernel and no nft (apt-get install nftables)"
	in_hosts nft -f - <<-EOF
	table inet farmloss {
		chain pre {
			type filter hook prerouting priority -300; policy accept;
			iifname "$VETH_H" numgen random mod 100 < $pct counter drop
		}
	}
	EOF
	echo "farm: no netem here; nftables drops $pct% of the packets arriving on $VETH_H"
}

# packets dropped by the loss set with `netem` (tc netem's qdisc counter, or
# the nftables fallback's rule counter); 0 when no loss is set
cmd_lossstat() {
	local n
	n=$(ip netns exec "$NS_SCAN" tc -s qdisc show dev "$VETH_S" 2>/dev/null |
		awk '/qdisc netem/ { q = 1 } q && /dropped/ { sub(/.*dropped /, ""); sub(/,.*/, ""); print; exit }')
	[ -n "$n" ] || n=$(in_hosts nft list table inet farmloss 2>/dev/null | grep -o 'packets [0-9]*' | awk '{print $2}')
	echo "${n:-0}"
}

cmd_info() {
	ns_exists "$NS_SCAN" || die "farm $PREFIX is not up"
	echo "NS_SCAN=$NS_SCAN"
	echo "NS_HOSTS=$NS_HOSTS"
	echo "VETH_SCAN=$VETH_S"
	echo "VETH_HOSTS=$VETH_H"
	echo "MAC_SCAN=$(ip -n "$NS_SCAN" -br link show "$VETH_S" | awk '{print $3}')"
	echo "MAC_HOSTS=$(ip -n "$NS_HOSTS" -br link show "$VETH_H" | awk '{print $3}')"
	echo "SCAN_IP=$SCAN_IP4"
	echo "MASSCAN_IP=$MASSCAN_IP4"
	echo "FARM_CIDR=$FARM_CIDR"
	echo "SILENT_CIDR=$SILENT_NET"
	echo "FARM_SIZE=$((1 << (32 - LEN)))"
	echo "FARM_DIR=$(lab_dir)"
}

cmd_status() {
	echo "prefix: $PREFIX  dir: $(lab_dir)"
	ns_exists "$NS_HOSTS" || { echo "namespaces: down"; return 0; }
	ip -n "$NS_SCAN" -br addr
	ip -n "$NS_SCAN" route
	ip -n "$NS_HOSTS" route show table local | grep -F 198.19 || true
	in_hosts ss -Hltn | awk '{print "  listen " $4}'
	local pids
	pids=$(ip netns pids "$NS_HOSTS" | tr '\n' ',' | sed 's/,$//')
	[ -n "$pids" ] && ps -o pid=,rss=,args= -p "$pids" | head -20 | sed 's/^/  /'
	return 0
}

usage() {
	sed -n '2,39p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}

case "${1:-}" in
up) cmd_up ;;
down) ns_down ;;
exec) shift; [ $# -gt 0 ] || usage; ns_exec "$NS_SCAN" "$@" ;;
hosts) shift; [ $# -gt 0 ] || usage; ns_exec "$NS_HOSTS" "$@" ;;
netem) shift; [ $# -gt 0 ] || usage; cmd_netem "$@" ;;
info) cmd_info ;;
lossstat) cmd_lossstat ;;
status) cmd_status ;;
*) usage ;;
esac
