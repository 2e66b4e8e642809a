# shellcheck shell=bash
# Sourced by the integration tests (tests/integration, tests/hostile): TAP
# output ("ok N - ...", "not ok N - ...", the plan "1..N" at the end, as
# tests/run.sh counts them), the checks every test starts with, and a work
# directory cleaned up on exit.
#   . "$(dirname "$0")/../lib/tap.sh"
# Sets ROOT (the repository), changes into it, and makes SMBWATCH (default
# ./build/smbwatch) an absolute path.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
SMBWATCH=${SMBWATCH:-./build/smbwatch}
case $SMBWATCH in /*) ;; *) SMBWATCH=$ROOT/$SMBWATCH ;; esac

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
# skip WHY: a test not run. tests/run.sh counts it apart (never as passed),
# lists it with WHY, and fails the suite unless tests/skip-allowlist.txt
# allows it: say why precisely, the reason is what the allow-list matches.
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
# not_ok DESC [DIAGNOSTIC]: the diagnostic follows as "#   " lines, cut to
# TAP_DIAG_MAX bytes when that is set
not_ok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	if [ -n "${2:-}" ]; then
		if [ -n "${TAP_DIAG_MAX:-}" ]; then
			printf '%s\n' "$2" | head -c "$TAP_DIAG_MAX" | sed 's/^/#   /'
		else
			printf '%s\n' "$2" | sed 's/^/#   /'
		fi
	fi
	return 0
}
diag() { printf '%s\n' "$*" | sed 's/^/# /'; }
# check DESC CMD... : one TAP line from CMD's exit status
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# eq DESC GOT WANT : compare two strings (JSON values as jq -c prints them)
eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $2"$'\n'"want: $3"; fi; }
# has DESC TEXT PART : TEXT contains PART
has() { if grep -qF -- "$3" <<<"$2"; then ok "$1"; else not_ok "$1" "missing: $3"$'\n'"in: $2"; fi; }
# wait_for FILE PATTERN [SECONDS]: until FILE has a line matching PATTERN
# (grep -E), at most SECONDS (default 30); status 1 when it never came. For
# "the process is ready" points instead of fixed sleeps, which a loaded CI
# machine outruns.
wait_for() {
	local i
	for ((i = 0; i < ${3:-30} * 10; i++)); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# finish: the plan; the exit status says whether every test passed
finish() { echo "1..$n"; [ "$failed" -eq 0 ]; }

# need_root WHY: without root, one skipped test (a skip, not a pass: see
# skip) and exit 0
need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		skip "not root: $1"
		finish
		exit 0
	fi
}
# need_tools CMD...: each must be installed, else fail the test
need_tools() {
	local b
	for b in "$@"; do
		command -v "$b" >/dev/null || { not_ok "tool $b installed"; finish; exit 1; }
	done
}
# need_smbwatch: the binary under test must be there
need_smbwatch() {
	[ -x "$SMBWATCH" ] || { not_ok "smbwatch binary at $SMBWATCH"; finish; exit 1; }
}

# work_dir NAME: a fresh WORK=/tmp/smbwatch-NAME.XXXXXX (XDG_DATA_HOME inside it,
# so the default store is the test's). On exit every command
# given to at_exit runs (in that order), then WORK is removed, unless
# WORK_KEPT is set then: "# $WORK_KEPT $WORK" is printed instead.
AT_EXIT=()
at_exit() { AT_EXIT+=("$1"); }
work_dir() {
	WORK=$(mktemp -d "/tmp/smbwatch-$1.XXXXXX")
	# scans without --db must not land in the user's own store when a
	# script runs alone (tests/run.sh isolates the whole suite as well)
	export XDG_DATA_HOME=$WORK/xdg-data
	trap _tap_exit EXIT
	trap 'exit 130' INT TERM
}
_tap_exit() {
	local c
	for c in "${AT_EXIT[@]}"; do eval "$c"; done
	if [ -n "${WORK_KEPT:-}" ]; then echo "# $WORK_KEPT $WORK"; else rm -rf "$WORK"; fi
}

# Local servers (responders, hostile peers) in the background, stopped on
# exit. serve NAME CMD... runs CMD with stdout to $WORK/NAME.ready and stderr
# to $WORK/NAME.log; ready NAME DESC waits up to 5 s for a "ready" line, else
# fails DESC with the server's log.
PIDS=()
at_exit stop_servers
serve() {
	local name=$1
	shift
	"$@" >"$WORK/$name.ready" 2>"$WORK/$name.log" &
	PIDS+=($!)
}
ready() {
	for _ in $(seq 50); do grep -q '^ready' "$WORK/$1.ready" 2>/dev/null && break; sleep 0.1; done
	grep -q '^ready' "$WORK/$1.ready" || not_ok "$2" "$(cat "$WORK/$1.log")"
}
stop_servers() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
}
