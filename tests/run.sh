#!/usr/bin/env bash
# Run every test against one or more build directories and print one closing
# line "N passed, N failed, N skipped". Each test program prints TAP lines
# ("ok ..." / "not ok ..." / "ok ... # SKIP why"); a program that crashes or
# prints no result counts as failed. A skip is never a pass: every skip is
# listed with its reason above the closing line, and the run fails unless
# tests/skip-allowlist.txt allows that skip (and says why).
#   tests/run.sh BUILD_DIR [BUILD_DIR...]
# SMBW_SKIP_INTEGRATION=1 skips the Samba lab (unit tests and replays only).
# SMBW_LOADED_PASS=0 skips the loaded pass: by default the lab tests marked
# "# smbw: loaded-pass" run once more against the first BUILD_DIR with a
# CPU hog beside them (stress-ng --cpu 2), tallied as BUILD-loaded/test_NAME.
set -u
cd "$(dirname "$0")/.." || exit 1
passed=0
failed=0
skipped=0
log=$(mktemp)
# every failure line again just above the closing line: CI shows only the tail
failures=$(mktemp)
# every skip with its reason, listed above the closing line as well
skips=$(mktemp)
ALLOWLIST=tests/skip-allowlist.txt
HOG_PID=""
# scans store their runs by default (docs/store.md): keep the tests' runs out
# of the user's database
XDG_DATA_HOME=$(mktemp -d)
export XDG_DATA_HOME
stop_hog() {
	[ -n "$HOG_PID" ] || return 0
	kill -TERM "$HOG_PID" 2>/dev/null
	wait "$HOG_PID" 2>/dev/null
	HOG_PID=""
}
trap 'stop_hog; rm -f "$log" "$failures" "$skips"; rm -rf "$XDG_DATA_HOME"' EXIT
trap 'exit 130' INT TERM

# skip_allowed NAME REASON: the allow-list has a line "TEST | REASON | WHY"
# whose patterns match; prints its WHY
skip_allowed() {
	local name=$1 reason=$2 pt pr why
	[ -f "$ALLOWLIST" ] || return 1
	while IFS='|' read -r pt pr why; do
		[[ $pt =~ ^[[:space:]]*(#|$) ]] && continue
		pt=$(echo "$pt" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
		pr=$(echo "$pr" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
		why=$(echo "$why" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
		[ -n "$why" ] || continue # an entry without a reason allows nothing
		# shellcheck disable=SC2053 # the allow-list holds patterns
		if [[ $name == $pt ]] && [[ $reason == $pr ]]; then
			echo "$why"
			return 0
		fi
	done <"$ALLOWLIST"
	return 1
}
# note_skip NAME REASON: one skip; returns 1 when it is not allowed (the
# caller counts that as a failure)
note_skip() {
	local name=$1 reason=$2 why
	skipped=$((skipped + 1))
	if why=$(skip_allowed "$name" "$reason"); then
		echo "  [$name] $reason (allowed: $why)" >>"$skips"
		return 0
	fi
	echo "  [$name] $reason (NOT on $ALLOWLIST: counts as a failure)" >>"$skips"
	echo "  [$name] skipped, not on $ALLOWLIST: $reason" | tee -a "$failures"
	return 1
}
# skip_suite NAME REASON: a part of the suite not run at all
skip_suite() {
	echo "== $1 skipped: $2"
	note_skip "$1" "$2" || failed=$((failed + 1))
	printf '%-40s %3d ok %3d failed %3d skipped\n' "$1" 0 0 1
}

# count TAP lines of one program's output; a non-zero exit with no "not ok"
# line is one more failure (a crash must never look like a pass). "ok ... #
# SKIP why" lines are skips, not passes.
tally() {
	local name=$1 rc=$2 secs=${3:-} ok nok skp reason bad=0
	ok=$(grep -cE '^ok ' "$log" || true)
	skp=$(grep -cE '^ok [0-9]* *(- )?.*# *SKIP' "$log" || true)
	ok=$((ok - skp))
	nok=$(grep -cE '^not ok ' "$log" || true)
	grep -E '^not ok ' "$log" | sed "s|^|  [$name] |" | tee -a "$failures"
	while IFS= read -r reason; do
		note_skip "$name" "$reason" || bad=$((bad + 1))
	done < <(grep -E '^ok [0-9]* *(- )?.*# *SKIP' "$log" | sed -E 's/^.*# *SKIP *//')
	if [ "$rc" -ne 0 ] && [ "$nok" -eq 0 ]; then
		echo "  [$name] exited with status $rc" | tee -a "$failures"
		tail -n 20 "$log" | sed "s|^|    |"
		nok=1
	fi
	if [ "$ok" -eq 0 ] && [ "$nok" -eq 0 ] && [ "$skp" -eq 0 ]; then
		echo "  [$name] printed no result" | tee -a "$failures"
		nok=1
	fi
	# the diagnostics a failing check printed (TAP "#" lines), for the recap
	if [ "$nok" -gt 0 ]; then
		grep -E -A6 '^not ok ' "$log" | grep -E '^#' | head -n 12 | sed "s|^|    |" >>"$failures"
	fi
	passed=$((passed + ok))
	failed=$((failed + nok + bad))
	printf '%-40s %3d ok %3d failed %3d skipped%s\n' "$name" "$ok" "$nok" "$skp" "${secs:+ ${secs}s}"
}

# run_lab_test TAG BUILD SCRIPT [TIMEOUT]: one integration script, tallied
# as TAG/test_NAME with the seconds it took; TIMEOUT (default 900 s, the
# slowest script takes a few minutes) only bounds a hang
run_lab_test() {
	local tag=$1 b=$2 t=$3 lim=${4:-900} t0 rc
	t0=$SECONDS
	SMBWATCH="$b/smbwatch" timeout "$lim" "$t" >"$log" 2>&1
	rc=$?
	tally "$tag/$(basename "$t" .sh)" $rc $((SECONDS - t0))
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
	# every target replays its whole corpus: a missing or empty corpus, or a
	# replay that ran fewer inputs than the corpus holds, is a failure
	for t in "$b"/tests/fuzz/replay_*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		n=${t##*/replay_}
		corpus=tests/fuzz/corpus/$n
		if [ ! -d "$corpus" ]; then
			echo "not ok 1 - replay $n: no corpus directory $corpus" >"$log"
			tally "$tag/replay_$n" 1
			continue
		fi
		want=$(find "$corpus" -maxdepth 1 -type f ! -name '.*' | wc -l)
		"$t" "$corpus" >"$log" 2>&1
		rc=$?
		ran=$(sed -n 's/^replayed \([0-9]*\) inputs$/\1/p' "$log" | tail -1)
		if [ "$rc" -eq 0 ] && [ "${ran:-0}" -gt 0 ] && [ "$ran" -eq "$want" ]; then
			echo "ok 1 - replay $n: $ran inputs" >>"$log"
		elif [ "$rc" -eq 0 ]; then
			echo "not ok 1 - replay $n: ran ${ran:-no} inputs of the $want in $corpus" >>"$log"
		fi
		tally "$tag/replay_$n" $rc
	done
	if [ "${SMBW_SKIP_INTEGRATION:-0}" = 1 ]; then
		skip_suite "$tag/integration" "SMBW_SKIP_INTEGRATION=1"
		continue
	fi
	echo "== $tag: integration tests (Samba lab)"
	for t in tests/integration/test_*.sh tests/hostile/test_*.sh; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		run_lab_test "$tag" "$b" "$t"
	done
done

# The loaded pass: the lab tests that exercise timeouts and diffs (marked
# "# smbw: loaded-pass") once more on the first build, with a CPU hog of
# 2 workers (this machine's cores) started and stopped by pid. Its
# --timeout only bounds a hog this script could not stop.
if [ $# -gt 0 ]; then
	lb=$1
	ltag=$(basename "$lb")-loaded
	if [ "${SMBW_SKIP_INTEGRATION:-0}" = 1 ]; then
		skip_suite "$ltag" "SMBW_SKIP_INTEGRATION=1"
	elif [ "${SMBW_LOADED_PASS:-1}" = 0 ]; then
		skip_suite "$ltag" "SMBW_LOADED_PASS=0"
	elif ! command -v stress-ng >/dev/null; then
		echo "not ok 1 - stress-ng installed (scripts/deps.sh installs it)" >"$log"
		tally "$ltag" 1
	else
		echo "== $ltag: lab tests with stress-ng --cpu 2 beside them"
		stress-ng --cpu 2 --timeout 3600s --quiet >/dev/null 2>&1 &
		HOG_PID=$!
		export SMBW_LOADED=1 # a test may keep to its cases about load
		for t in $(grep -l '^# smbw: loaded-pass' tests/integration/test_*.sh tests/hostile/test_*.sh 2>/dev/null); do
			[ -x "$t" ] || continue
			if ! kill -0 "$HOG_PID" 2>/dev/null; then
				echo "not ok 1 - the CPU hog (stress-ng pid $HOG_PID) is running" >"$log"
				tally "$ltag/$(basename "$t" .sh)" 1
				continue
			fi
			run_lab_test "$ltag" "$lb" "$t" 1200
		done
		stop_hog
		unset SMBW_LOADED
	fi
fi

# A short libFuzzer run of every target (FUZZ_BUILD: a -Dfuzz=true build):
# new inputs go to a temporary directory, crashes fail the run.
if [ -n "${FUZZ_BUILD:-}" ]; then
	echo "== fuzz smoke (${FUZZ_SMOKE_SECONDS:-4}s per target)"
	work=$(mktemp -d)
	nfuzz=0
	for t in "$FUZZ_BUILD"/tests/fuzz/fuzz_*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		nfuzz=$((nfuzz + 1))
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
	if [ "$nfuzz" -eq 0 ]; then # a fuzz build with no target fuzzed nothing
		echo "not ok 1 - fuzz smoke: no fuzz_* target in $FUZZ_BUILD/tests/fuzz" >"$log"
		tally fuzz 1
	fi
else
	skip_suite "fuzz" "FUZZ_BUILD not set"
fi
if [ -s "$skips" ]; then
	echo "== skipped"
	cat "$skips"
fi
if [ -s "$failures" ]; then
	echo "== failures"
	cat "$failures"
fi
if grep -q '\] not root: .*NOT on' "$skips"; then
	echo "(the lab tests need root: run make test as root, or make test-unit for the unit tests and replays alone)"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
