# shellcheck shell=bash
# Sourced by lab.sh and farm.sh: the two network namespaces they are built
# on, joined by one veth pair, and the lifetime of the daemons inside.
#
#  netns PREFIX-scan                      netns PREFIX-hosts
#  198.18.0.1 (veth PREFIX-s0)  ──veth──  198.18.0.2 (veth PREFIX-h0)
#  [2001:2::1]                            [2001:2::2]          ([] lab only)
#  routes: 198.18.0.0/15 [2001:2::/48]    route back to the scanner address
#  NO default route                       what answers: up to the caller
#
# Network safety: only 198.18.0.0/15 and 2001:2::/48 are used, only inside
# the namespaces made here. The scanner namespace has no default route: its
# only routes lead through the veth pair, so nothing the scanner sends can
# leave the machine. No forwarding in either namespace.
#
# Before sourcing: KIND (lab or farm: messages), DEFAULT_PREFIX. Reads
# SMBW_LAB_PREFIX and SMBW_LAB_STATE.

PREFIX=${SMBW_LAB_PREFIX:-$DEFAULT_PREFIX}
if [ ${#PREFIX} -gt 12 ] || ! [[ $PREFIX =~ ^[A-Za-z0-9_-]+$ ]]; then
	echo "$KIND: SMBW_LAB_PREFIX must be 1-12 characters [A-Za-z0-9_-]" >&2
	exit 2
fi
NS_SCAN=$PREFIX-scan
NS_HOSTS=$PREFIX-hosts
# the lab's optional router, outside scanner and client (SMBW_LAB_ROUTER=1):
# ns_down removes them whenever they exist
NS_RTR=$PREFIX-rtr
NS_EXT=$PREFIX-ext
NS_CLI=$PREFIX-cli
VETH_S=$PREFIX-s0 # scanner end
VETH_H=$PREFIX-h0 # hosts end
STATE_DIR=${SMBW_LAB_STATE:-/run/smbwatch-lab}
STATE_FILE=$STATE_DIR/$PREFIX.dir

# Addresses (all inside 198.18.0.0/15 and 2001:2::/48).
SCAN_IP4=198.18.0.1
GW_IP4=198.18.0.2
SCAN_IP6=2001:2::1
GW_IP6=2001:2::2

die() { echo "$KIND: $*" >&2; exit 1; }
need_root() { [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, smbd)"; }
in_scan() { ip netns exec "$NS_SCAN" "$@"; }
in_hosts() { ip netns exec "$NS_HOSTS" "$@"; }
LAB_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lab_dir() { if [ -f "$STATE_FILE" ]; then cat "$STATE_FILE"; fi; }
ns_exists() { ip netns list | awk '{print $1}' | grep -qxF "$1"; }

# ns_up_begin TOOL...: the start of `up`: a lab with this prefix (or its
# leftovers) goes first, every TOOL must be installed; makes the lab dir
# (LAB_DIR, recorded in the state file). From here on, any failure tears the
# half-built lab down (EXIT trap, until UP_OK=1).
ns_up_begin() {
	need_root
	if [ -f "$STATE_FILE" ] || ns_exists "$NS_SCAN" || ns_exists "$NS_HOSTS" ||
		ns_exists "$NS_RTR" || ns_exists "$NS_EXT" || ns_exists "$NS_CLI"; then
		ns_down >/dev/null 2>&1 || true
	fi
	local b
	for b in "$@"; do command -v "$b" >/dev/null || die "missing $b"; done
	mkdir -p "$STATE_DIR"
	LAB_DIR=$(mktemp -d "/tmp/smbwatch-lab-$PREFIX.XXXXXX")
	chmod 755 "$LAB_DIR"
	echo "$LAB_DIR" >"$STATE_FILE"
	UP_OK=0
	trap '[ "$UP_OK" = 1 ] || { echo "$KIND: up failed, tearing down" >&2; SMBW_LAB_KEEP=1 ns_down >&2 || true; }' EXIT
}

# ns_create [ipv6]: both namespaces and the veth pair between them, the
# scanner's address and routes (IPv6 too with "ipv6"), the gateway address on
# the hosts end and the route back to the scanner.
ns_create() {
	local v6=${1:-} ns
	ip netns add "$NS_SCAN"
	ip netns add "$NS_HOSTS"
	ip link add "$VETH_S" type veth peer name "$VETH_H"
	ip link set "$VETH_S" netns "$NS_SCAN"
	ip link set "$VETH_H" netns "$NS_HOSTS"
	for ns in "$NS_SCAN" "$NS_HOSTS"; do
		ip -n "$ns" link set lo up
		# no forwarding anywhere: unrouted lab addresses are dropped silently
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
	done
	# Scanner: routes only to the lab prefixes via the hosts end of the veth.
	# No default route.
	ip -n "$NS_SCAN" link set "$VETH_S" up
	ip -n "$NS_SCAN" addr add "$SCAN_IP4/32" dev "$VETH_S"
	if [ "$v6" = ipv6 ]; then
		ip -n "$NS_SCAN" -6 addr add "$SCAN_IP6/128" dev "$VETH_S" nodad
	fi
	ip -n "$NS_SCAN" route add "$GW_IP4/32" dev "$VETH_S"
	ip -n "$NS_SCAN" route add 198.18.0.0/15 via "$GW_IP4" dev "$VETH_S"
	if [ "$v6" = ipv6 ]; then
		ip -n "$NS_SCAN" -6 route add "$GW_IP6/128" dev "$VETH_S"
		ip -n "$NS_SCAN" -6 route add 2001:2::/48 via "$GW_IP6" dev "$VETH_S"
	fi
	# Hosts: the gateway addresses on the veth, the route back to the scanner.
	ip -n "$NS_HOSTS" link set "$VETH_H" up
	ip -n "$NS_HOSTS" addr add "$GW_IP4/32" dev "$VETH_H"
	if [ "$v6" = ipv6 ]; then
		ip -n "$NS_HOSTS" -6 addr add "$GW_IP6/128" dev "$VETH_H" nodad
	fi
	ip -n "$NS_HOSTS" route add "$SCAN_IP4/32" dev "$VETH_H"
	if [ "$v6" = ipv6 ]; then
		ip -n "$NS_HOSTS" -6 route add "$SCAN_IP6/128" dev "$VETH_H"
	fi
}

# ns_start_daemons WHAT SEE: run $LAB_DIR/daemons.sh in the hosts namespace
# under reaper.py (a child subreaper), so processes that daemonise are reaped
# even where PID 1 does not reap (see reaper.py); on failure "starting WHAT
# failed (rc N): see SEE".
ns_start_daemons() {
	local i rc
	in_hosts setsid /usr/bin/python3 "$LAB_HOME/reaper.py" "$LAB_DIR/reaper.pid" bash -e "$LAB_DIR/daemons.sh" \
		</dev/null >"$LAB_DIR/reaper.log" 2>&1 &
	for ((i = 0; i < 100; i++)); do
		[ -f "$LAB_DIR/reaper.pid" ] && break
		sleep 0.1
	done
	rc=$(cut -s -d' ' -f2 "$LAB_DIR/reaper.pid" 2>/dev/null || echo "?")
	[ "$rc" = 0 ] || die "starting $1 failed (rc $rc): see $2"
}

# wait_listen ADDR:PORT...: until every listener is up in the hosts namespace.
# ss prints local addresses as 198.18.1.10:445 and [2001:2::10]:445.
wait_listen() {
	local want=("$@") i have missing
	for ((i = 0; i < 100; i++)); do
		have=$(in_hosts ss -Hltn | awk '{print $4}')
		missing=()
		for w in "${want[@]}"; do
			grep -qxF "$w" <<<"$have" || missing+=("$w")
		done
		[ ${#missing[@]} -eq 0 ] && return 0
		sleep 0.2
	done
	die "listeners not up after 20 s: ${missing[*]} (see logs in $(lab_dir))"
}

# Kill every process living in a namespace: they were all started by the lab.
# The pid given as $2 (the reaper) is spared so it can reap the others.
kill_ns_procs() {
	local ns=$1 spare=${2:-} pids i sig
	ns_exists "$ns" || return 0
	ns_pids() { ip netns pids "$ns" 2>/dev/null | grep -vx "${spare:-none}" || true; }
	for sig in TERM KILL; do
		pids=$(ns_pids)
		[ -z "$pids" ] && return 0
		# shellcheck disable=SC2086
		kill -s "$sig" $pids 2>/dev/null || true
		for ((i = 0; i < 25; i++)); do
			[ -z "$(ns_pids)" ] && return 0
			sleep 0.2
		done
	done
}

# ns_down: stop everything, delete the namespaces and the lab dir (kept with
# SMBW_LAB_KEEP=1), forget the state file.
ns_down() {
	need_root
	local dir reaper=""
	dir=$(lab_dir)
	[ -n "$dir" ] && [ -f "$dir/reaper.pid" ] && reaper=$(cut -d' ' -f1 "$dir/reaper.pid")
	kill_ns_procs "$NS_SCAN"
	kill_ns_procs "$NS_EXT"
	kill_ns_procs "$NS_CLI"
	kill_ns_procs "$NS_RTR"
	kill_ns_procs "$NS_HOSTS" "$reaper" # daemons first, reaped by the reaper
	kill_ns_procs "$NS_HOSTS"           # then the reaper itself
	ip netns del "$NS_SCAN" 2>/dev/null || true
	ip netns del "$NS_HOSTS" 2>/dev/null || true
	ip netns del "$NS_RTR" 2>/dev/null || true
	ip netns del "$NS_EXT" 2>/dev/null || true
	ip netns del "$NS_CLI" 2>/dev/null || true
	ip link del "$VETH_S" 2>/dev/null || true # only if a failed up left it in the root ns
	if [ -n "$dir" ] && [ -d "$dir" ] && [[ $dir == /tmp/smbwatch-lab-* ]]; then
		if [ "${SMBW_LAB_KEEP:-0}" = 1 ]; then
			echo "$KIND: kept $dir"
		else
			rm -rf "$dir"
		fi
	fi
	rm -f "$STATE_FILE"
	echo "$KIND down ($PREFIX)"
}

# ns_exec NS CMD...: run CMD inside a namespace of this lab
ns_exec() {
	local ns=$1
	shift
	ns_exists "$ns" || die "$KIND $PREFIX is not up"
	exec ip netns exec "$ns" "$@"
}

# smbd_private_conf DIR LOGLEVEL: the [global] lines every smbd of ours has:
# all of its state, logs and sockets under DIR, nothing optional running
smbd_private_conf() {
	local d=$1
	cat <<EOF
   pid directory = $d/pid
   lock directory = $d/lock
   state directory = $d/state
   cache directory = $d/cache
   private dir = $d/private
   ncalrpc dir = $d/ncalrpc
   binddns dir = $d/binddns
   passdb backend = tdbsam:$d/private/passdb.tdb
   usershare path =
   log file = $d/smbd.log
   log level = $2
   max log size = 0
   logging = file
   load printers = no
   printing = bsd
   printcap name = /dev/null
   disable spoolss = yes
   guest account = nobody
   dns proxy = no
   wins support = no
   multicast dns register = no
EOF
}
