# shellcheck shell=bash
# Sourced by the integration tests that run on the Samba lab
# (tests/lab/lab.sh), or on the farm when LAB is set to tests/lab/farm.sh
# before: tap.sh, plus bringing the lab up under the test's own
# SMBW_LAB_PREFIX and tearing it down on exit.
#   . "$(dirname "$0")/../lib/lab_test.sh"
# shellcheck source=tests/lib/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
LAB=${LAB:-$ROOT/tests/lab/lab.sh}

# lab_up: after work_dir (and the test's own at_exit commands, which run
# before the lab goes down): bring the lab up, torn down on exit; if it does
# not come up, "not ok - lab up" (or "farm up") with its log, and exit 1.
lab_up() {
	local what
	what=$(basename "$LAB" .sh)
	at_exit '"$LAB" down >/dev/null 2>&1 || true'
	if ! "$LAB" up >"$WORK/$what-up.log" 2>&1; then
		not_ok "$what up" "$(cat "$WORK/$what-up.log")"
		finish
		exit 1
	fi
}
