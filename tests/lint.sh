#!/usr/bin/env bash
# House rules that a compiler does not check (TAP output):
#  - banned functions in src/ (style.md 8.6);
#  - no literal network addresses in tests/ and bench/ outside loopback and
#    the lab ranges 198.18.0.0/15 / 2001:2::/48 (parser tests use others only
#    as strings that must be rejected or classified, in tests/unit, and the
#    capture-reading test_sensor.sh);
#  - every unit test and fuzz target is built, every fuzz target has a corpus.
set -u
cd "$(dirname "$0")/.."
n=0
fail=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }

bad=$(grep -rnE '\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|sscanf|gets|alloca)\s*\(' src | grep -v '^\s*//' || true)
[ -z "$bad" ]; t $? "no banned functions in src/"
[ -n "$bad" ] && echo "$bad" | sed 's/^/#   /'

# code lines only (comments cite spec sections such as "MS-NLMP 2.2.1.2").
# test_sensor.sh, test_sensor_db.sh, test_exposure.sh and test_pattern.sh
# send nothing to those: they read vendored captures and quote their own
# hosts (and malformed --approved-scanners / --inside values) as strings.
addrs=$(grep -rhvE '^\s*#' --exclude=test_sensor.sh --exclude=test_sensor_db.sh --exclude=test_exposure.sh --exclude=test_pattern.sh tests/integration tests/lab tests/hostile bench tests/responders 2>/dev/null |
	grep -oE '\b([0-9]{1,3}\.){3}[0-9]{1,3}\b' |
	grep -vE '^(127\.|198\.1[89]\.|0\.0\.0\.0|255\.255\.)' | sort -u || true)
[ -z "$addrs" ]; t $? "tests and bench only address loopback and 198.18.0.0/15"
[ -n "$addrs" ] && echo "$addrs" | sed 's/^/#   /'

# every test source is built: meson lists unit tests and fuzz targets by
# name (it cannot glob; "NAMES += [...]" lines count too); a listed file
# that is missing stops meson, a file not listed would never run. Every fuzz
# target has a corpus to replay.
listed() { tr -d '\n' <"$1" | grep -oE "$2 *\+?= *\[[^]]*\]" | grep -oE "'[^']*'" | tr -d "'"; }
unlisted=""
for f in tests/unit/test_*.c; do
	nm=${f#tests/unit/test_}
	listed tests/unit/meson.build unit_names | grep -qx "${nm%.c}" || unlisted+=" $f"
done
for f in tests/fuzz/fuzz_*.c; do
	nm=${f#tests/fuzz/fuzz_}
	listed tests/fuzz/meson.build fuzz_names | grep -qx "${nm%.c}" || unlisted+=" $f"
done
[ -z "$unlisted" ]; t $? "every tests/unit/test_*.c and tests/fuzz/fuzz_*.c is listed in its meson.build"
[ -n "$unlisted" ] && echo "# not listed:$unlisted"
nocorpus=""
for nm in $(listed tests/fuzz/meson.build fuzz_names); do
	[ -n "$(find "tests/fuzz/corpus/$nm" -maxdepth 1 -type f ! -name '.*' 2>/dev/null | head -1)" ] ||
		nocorpus+=" $nm"
done
[ -z "$nocorpus" ]; t $? "every fuzz target has a non-empty corpus in tests/fuzz/corpus/NAME"
[ -n "$nocorpus" ] && echo "# no corpus:$nocorpus"

big=$(find src -name '*.c' -size +40k)
[ -z "$big" ]; t $? "source files stay small (< 40 KiB)"
echo "1..$n"
exit $fail
