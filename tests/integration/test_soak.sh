#!/usr/bin/env bash
# Soak test for quietness, with a positive control. `monitor --once` runs 11
# cycles over the unchanged lab (every persona, every check, ports
# 139/445/8445, IPv4 and IPv6): the first reports every service as new, the
# ten after it must report nothing at all (a slow RPC service, a timed-out
# check or a flapping field would show up here as a false `changed`). Each
# cycle's exit status is checked. Then one persona is changed (SMB1 switched
# on, signing made optional), and the next cycle must report exactly that
# persona's events and nothing else; one more cycle is quiet again.
# Prints TAP.   SMBWATCH=path/to/smbwatch tests/integration/test_soak.sh
# smbw: loaded-pass (tests/run.sh runs it once more beside a CPU hog: a busy
# machine must not make an unchanged lab look changed)
set -uo pipefail
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwk$$}

need_root "needs root (network namespaces, smbd)"
need_tools jq ip smbd timeout python3
need_smbwatch

work_dir soak
lab_up
ok "lab up"

DB=$WORK/db/smbwatch.db
QUIET_CYCLES=10
# every persona: the SMB ones, the echo and mute listeners, the closed host
PORTS=139,445,8445
TARGETS=(-p "$PORTS" 198.18.1.10-16 198.18.1.20-21 198.18.1.30 2001:2::10)
cycle() { # cycle N: one monitor --once with all checks; events to out.N
	timeout 300 "$LAB" exec "$SMBWATCH" monitor --once --db "$DB" --no-progress \
		"${TARGETS[@]}" >"$WORK/out.$1" 2>"$WORK/err.$1"
}
summary() { jq -r '[.event, .ip, (.port|tostring), (.finding.id // "")] | join(" ")' "$1" |
	sed 's/ $//' | sort | tr '\n' ';'; }

cycle 1
eq "cycle 1: monitor exits 0" "$?" 0
eq "cycle 1: every SMB service is new (and nothing else)" "$(summary "$WORK/out.1")" \
	"new 198.18.1.10 445;new 198.18.1.11 445;new 198.18.1.12 445;new 198.18.1.13 445;new 198.18.1.14 445;new 198.18.1.15 8445;new 198.18.1.16 139;new 2001:2::10 445;"

# --- the unchanged lab: nothing to report, cycle after cycle -------------
noisy=""
for c in $(seq 2 $((QUIET_CYCLES + 1))); do
	cycle "$c"
	rc=$?
	eq "cycle $c: monitor exits 0" "$rc" 0
	nev=$(wc -l <"$WORK/out.$c")
	eq "cycle $c (lab unchanged): no events" "$nev" 0
	[ "$nev" -eq 0 ] || noisy+="cycle $c: $(summary "$WORK/out.$c")"$'\n'
	# the cycle really scanned: its run stored every service again
	has "cycle $c: the run stored 8 services" "$(cat "$WORK/err.$c")" ": 8 SMB services in"
done
[ -z "$noisy" ] || diag "$noisy"
# and every check answered every time (a failure would be quiet too, but it
# would mean the quiet was bought by not looking)
failed_checks=$(python3 - "$DB" <<'EOF2'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for ip, port, run, rec in db.execute("SELECT ip, port, run_id, record FROM services"):
    for name, c in json.loads(rec).get("checks", {}).items():
        if c.get("status") == "failed":
            print("%s:%s run %s %s %s" % (ip, port, run, name, c.get("error")))
EOF2
)
eq "$((QUIET_CYCLES + 1)) cycles: no check failed in any stored record" "$failed_checks" ""

# --- positive control: one persona changes --------------------------------
"$LAB" reconfigure smb311-signed 'server min protocol = NT1' 'server signing = auto' >/dev/null
eq "lab: smb311-signed gets SMB1 and optional signing" "$?" 0
# smbd reloads asynchronously: poll until a scan sees the change
seen=""
for _ in $(seq 100); do
	seen=$(timeout 60 "$LAB" exec "$SMBWATCH" scan --no-db --format jsonl --no-progress \
		--checks none -p 445 198.18.1.13 2>/dev/null |
		jq -c 'select(.type=="service") | [.smb1.enabled, .smb2.signing]')
	[ "$seen" = '[true,"enabled"]' ] && break
	sleep 0.2
done
eq "the change is visible to a scan" "$seen" '[true,"enabled"]'

C=$((QUIET_CYCLES + 2))
cycle "$C"
eq "cycle $C (after the change): monitor exits 0" "$?" 0
eq "cycle $C: exactly the changed persona's events" "$(summary "$WORK/out.$C")" \
	"changed 198.18.1.13 445;finding_opened 198.18.1.13 445 RELAY_TARGET;finding_opened 198.18.1.13 445 SIGNING_NOT_REQUIRED;finding_opened 198.18.1.13 445 SMB1_ENABLED;"
eq "cycle $C: smb1.enabled false -> true" \
	"$(jq -c 'select(.event=="changed") | .changes[] | select(.field=="smb1.enabled") | [.old, .new]' "$WORK/out.$C")" \
	'[false,true]'
eq "cycle $C: smb2.signing required -> enabled" \
	"$(jq -c 'select(.event=="changed") | .changes[] | select(.field=="smb2.signing") | [.old, .new]' "$WORK/out.$C")" \
	'["required","enabled"]'

C=$((C + 1))
cycle "$C"
eq "cycle $C (settled): monitor exits 0" "$?" 0
eq "cycle $C: no events" "$(wc -l <"$WORK/out.$C")" 0

finish
