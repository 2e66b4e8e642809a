#!/usr/bin/env bash
# Run every libFuzzer target of a -Dfuzz=true build for SECONDS each, one at
# a time (the machines are shared), seeded from tests/fuzz/corpus/NAME/.
# New inputs go to a temporary directory, never into the repository; crash
# reproducers are written to tests/fuzz/crash-* (ignored by git) to be turned
# into a corpus entry and a unit test.
#   tests/fuzz/run-fuzz.sh BUILD_DIR [SECONDS]
set -u
if [ $# -lt 1 ]; then
	echo "usage: $0 BUILD_DIR [SECONDS]" >&2
	exit 2
fi
build=$1
secs=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
found=0
for bin in "$build"/tests/fuzz/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	found=1
	name=${bin##*/fuzz_}
	mkdir -p "$work/$name"
	[ -d "$here/corpus/$name" ] && cp "$here/corpus/$name"/* "$work/$name"/ 2>/dev/null
	echo "== fuzz_$name for ${secs}s"
	# the stream target also gets large inputs (frames over the sensor's
	# 128 KiB buffer, issue 23)
	max_len=4096
	[ "$name" = stream ] && max_len=1048576
	if ! "$bin" -max_total_time="$secs" -max_len=$max_len -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="$here/crash-$name-" -print_final_stats=1 \
		"$work/$name" >"$work/$name.log" 2>&1; then
		echo "fuzz_$name: FAILED (see reproducer $here/crash-$name-*)"
		tail -n 40 "$work/$name.log"
		status=1
	else
		grep -E 'stat::number_of_executed_units|cov:' "$work/$name.log" | tail -n 2
	fi
done
if [ "$found" = 0 ]; then
	echo "no fuzz_* binaries in $build/tests/fuzz (configure with CC=clang -Dfuzz=true)" >&2
	exit 2
fi
exit $status
