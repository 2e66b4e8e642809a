#!/usr/bin/env bash
# Run every test against one or more build directories and print one closing
# line "N passed, N failed". Each test program prints TAP lines ("ok ..." /
# "not ok ..."); a program that crashes or prints no result counts as failed.
#   tests/run.sh BUILD_DIR [BUILD_DIR...]
# SMBW_SKIP_INTEGRATION=1 skips the Samba lab (unit tests and replays only).
set -u
cd "$(dirname "$0")/.."
passed=0
failed=0
log=$(mktemp)
# every failure line again just above the closing line: CI shows only the tail
failures=$(mktemp)
# scans store their runs by default (docs/store.md): keep the tests' runs out
# of the user's database
XDG_DATA_HOME=$(mktemp -d)
export XDG_DATA_HOME
trap 'rm -f "$log" "$failures"; rm -rf "$XDG_DATA_HOME"' EXIT

# count TAP lines of one program's output; a non-zero exit with no "not ok"
# line is one more failure (a crash must never look like a pass).
tally() {
	local name=$1 rc=$2 ok nok
	ok=$(grep -cE '^ok ' "$log" || true)
	nok=$(grep -cE '^not ok ' "$log" || true)
	grep -E '^not ok ' "$log" | sed "s|^|  [$name] |" | tee -a "$failures"
	if [ "$rc" -ne 0 ] && [ "$nok" -eq 0 ]; then
		echo "  [$name] exited with status $rc" | tee -a "$failures"
		tail -n 20 "$log" | sed "s|^|    |"
		nok=1
	fi
	if [ "$ok" -eq 0 ] && [ "$nok" -eq 0 ]; then
		echo "  [$name] printed no result" | tee -a "$failures"
		nok=1
	fi
	# the diagnostics a failing check printed (TAP "#" lines), for the recap
	if [ "$nok" -gt 0 ]; then
		grep -E -A6 '^not ok ' "$log" | grep -E '^#' | head -n 12 | sed "s|^|    |" >>"$failures"
	fi
	passed=$((passed + ok))
	failed=$((failed + nok))
	printf '%-40s %3d ok %3d failed\n' "$name" "$ok" "$nok"
}

echo "== lint"
tests/lint.sh >"$log" 2>&1
tally lint $?

for b in "$@"; do
	tag=$(basename "$b")
	echo "== $tag: unit tests"
	for t in "$b"/tests/unit/test_*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log" 2>&1
		tally "$tag/$(basename "$t")" $?
	done
	echo "== $tag: fuzz corpus replay"
	for t in "$b"/tests/fuzz/replay_*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		n=${t##*/replay_}
		corpus=tests/fuzz/corpus/$n
		[ -d "$corpus" ] || corpus=""
		if "$t" $corpus >"$log" 2>&1; then
			echo "ok 1 - replay $n" >>"$log"
			tally "$tag/replay_$n" 0
		else
			rc=$?
			tally "$tag/replay_$n" $rc
		fi
	done
	if [ "${SMBW_SKIP_INTEGRATION:-0}" = 1 ]; then
		echo "== $tag: integration skipped (SMBW_SKIP_INTEGRATION=1)"
		continue
	fi
	echo "== $tag: integration tests (Samba lab)"
	for t in tests/integration/test_*.sh tests/hostile/test_*.sh; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		SMBWATCH="$b/smbwatch" timeout 600 "$t" >"$log" 2>&1
		tally "$tag/$(basename "$t" .sh)" $?
	done
done
# A short libFuzzer run of every target (FUZZ_BUILD: a -Dfuzz=true build):
# new inputs go to a temporary directory, crashes fail the run.
if [ -n "${FUZZ_BUILD:-}" ]; then
	echo "== fuzz smoke (${FUZZ_SMOKE_SECONDS:-4}s per target)"
	work=$(mktemp -d)
	for t in "$FUZZ_BUILD"/tests/fuzz/fuzz_*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		n=${t##*/fuzz_}
		mkdir -p "$work/$n"
		[ -d "tests/fuzz/corpus/$n" ] && cp "tests/fuzz/corpus/$n"/* "$work/$n"/ 2>/dev/null
		# the stream target also gets large inputs: frames over the
		# sensor's 128 KiB buffer (issue 23) need them
		max_len=4096
		[ "$n" = stream ] && max_len=1048576
		if "$t" -max_total_time="${FUZZ_SMOKE_SECONDS:-4}" -max_len=$max_len -timeout=10 \
			-rss_limit_mb=1024 -artifact_prefix="$work/crash-$n-" "$work/$n" >"$log" 2>&1; then
			echo "ok 1 - fuzz_$n smoke" >"$log"
			tally "fuzz/$n" 0
		else
			tally "fuzz/$n" 1
		fi
	done
	rm -rf "$work"
fi
if [ -s "$failures" ]; then
	echo "== failures"
	cat "$failures"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
