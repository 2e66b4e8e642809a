#!/usr/bin/env bash
# House rules that a compiler does not check (TAP output):
#  - banned functions in src/ (style.md 8.6);
#  - no literal network addresses in tests/ and bench/ outside loopback and
#    the lab ranges 198.18.0.0/15 / 2001:2::/48 (parser tests use others only
#    as strings that must be rejected or classified, in tests/unit).
set -u
cd "$(dirname "$0")/.."
n=0
fail=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }

bad=$(grep -rnE '\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|sscanf|gets|alloca)\s*\(' src | grep -v '^\s*//' || true)
[ -z "$bad" ]; t $? "no banned functions in src/"
[ -n "$bad" ] && echo "$bad" | sed 's/^/#   /'

# code lines only (comments cite spec sections such as "MS-NLMP 2.2.1.2")
addrs=$(grep -rhvE '^\s*#' tests/integration tests/lab tests/hostile bench tests/responders 2>/dev/null |
	grep -oE '\b([0-9]{1,3}\.){3}[0-9]{1,3}\b' |
	grep -vE '^(127\.|198\.1[89]\.|0\.0\.0\.0|255\.255\.)' | sort -u || true)
[ -z "$addrs" ]; t $? "tests and bench only address loopback and 198.18.0.0/15"
[ -n "$addrs" ] && echo "$addrs" | sed 's/^/#   /'

big=$(find src -name '*.c' -size +40k)
[ -z "$big" ]; t $? "source files stay small (< 40 KiB)"
echo "1..$n"
exit $fail
