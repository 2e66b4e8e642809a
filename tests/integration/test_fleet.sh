#!/usr/bin/env bash
# Issue 22 section 5: a fleet of scanners writing to one store.
#  1. Offline checks of what contrib/ ships (no cluster, no systemd boot):
#     the Kubernetes manifests against the hand-written 1.29 schema subset
#     (tests/data/kubernetes-1.29/) and the fleet's own rules (shard from
#     JOB_COMPLETION_INDEX, one --seed, --db from the Secret), each rule shown
#     to refuse a broken copy; the systemd template units pass
#     `systemd-analyze verify` (and a broken copy does not).
#  2. The shape, on the Samba lab and a private PostgreSQL: 3 scanner
#     processes at once, each `scan --shard env:JOB_COMPLETION_INDEX/3` with
#     one --seed, store a union equal to one single-process scan (same
#     address:port set, same dialects each, no duplicates); then
#     `monitor --once` per shard diffs each shard against the fleet's run of
#     that shard: no new/gone, and a real change (SMB1 switched on at .12)
#     is the one event.
# The 3 scanners run at once in the lab's one scanner namespace (no default
# route), not in 3 namespaces: what is tested is the store and the slicing,
# which a namespace per process would not change.
# Prints TAP.   SMBWATCH=path/to/smbwatch tests/integration/test_fleet.sh
set -uo pipefail
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwl$$}
# shellcheck source=tests/integration/pg_lib.sh
. "$ROOT/tests/integration/pg_lib.sh"

need_tools python3 jq timeout
need_smbwatch
work_dir fleet
chmod 755 "$WORK"

# --- 1a. the Kubernetes manifests -------------------------------------------
SCHEMA=tests/data/kubernetes-1.29/schema.json
CHECK=tests/integration/fleet_manifests.py
if ! python3 -c 'import yaml, jsonschema' 2>/dev/null; then
	not_ok "python3 yaml and jsonschema installed (Debian: python3-yaml python3-jsonschema)"
else
	out=$(python3 "$CHECK" "$SCHEMA" contrib/kubernetes 2>&1)
	eq "contrib/kubernetes passes the 1.29 schema subset and the fleet rules" "$?|$(grep -c '^ok:' <<<"$out")" "0|4"
	has "the Indexed Job, the CronJob and the Secret were each validated" "$(grep '^ok:' <<<"$out" | sort | tr '\n' ';')" \
		"ok: monitor-cronjob.yaml: valid batch/v1 CronJob (Kubernetes 1.29 subset);ok: one --seed 20261205 for every sharded pod (1);ok: scan-job.yaml: valid batch/v1 Job (Kubernetes 1.29 subset);ok: secret.yaml: valid v1 Secret (Kubernetes 1.29 subset);"
	# each rule refuses a broken copy (the positive controls of the check above)
	broken() { # DESC SED-EXPR FILE WANT
		local d=$WORK/k8s-broken
		rm -rf "$d" && cp -r contrib/kubernetes "$d" && sed -i "$2" "$d/$3"
		local o
		o=$(python3 "$CHECK" "$SCHEMA" "$d" 2>&1)
		local rc=$?
		if [ "$rc" = 1 ] && grep -qF -- "$4" <<<"$o"; then ok "refused: $1"; else not_ok "refused: $1" "rc $rc: $o"; fi
	}
	broken "a 1-based K in an Indexed Job" 's|env:JOB_COMPLETION_INDEX/4|1/4|' scan-job.yaml "needs 'env:JOB_COMPLETION_INDEX/4'"
	broken "N of --shard unlike completions" 's|completions: 4|completions: 5|' scan-job.yaml "an Indexed Job of 5 completions"
	broken "a sharded scan without --seed" '/- --seed/,+1d' scan-job.yaml "without --seed"
	broken "an unknown field (closed object)" 's|completionMode: Indexed|completionsMode: Indexed|' scan-job.yaml "'completionsMode' was unexpected"
	broken "Indexed without completions" '/completions: 4/d' scan-job.yaml "'completions' is a required property"
	broken "restartPolicy Always in a Job" 's|restartPolicy: Never|restartPolicy: Always|' scan-job.yaml "restartPolicy"
	broken "a CronJob without a schedule" '/schedule:/d' monitor-cronjob.yaml "'schedule' is a required property"
	broken "--db from a key the Secret lacks" 's|^  url:|  uri:|' secret.yaml "has no key url"
	broken "a scan without --view" '/- --view/,+1d' scan-job.yaml "no --view"
fi

# --- 1b. the systemd template units -------------------------------------------
if ! command -v systemd-analyze >/dev/null; then
	not_ok "systemd-analyze installed (Debian: systemd)"
else
	# the installed path of the binary is /usr/bin/smbwatch; verify needs one that exists
	U=$WORK/units
	mkdir -p "$U"
	for f in contrib/systemd/smbwatch-scan@.service contrib/systemd/smbwatch-scan@.timer; do
		sed "s|/usr/bin/smbwatch|$SMBWATCH|" "$f" >"$U/$(basename "$f")"
	done
	out=$(systemd-analyze verify --man=no "$U/smbwatch-scan@site-a.service" "$U/smbwatch-scan@site-a.timer" 2>&1)
	eq "systemd-analyze verify smbwatch-scan@site-a.service + .timer: exit 0, no message" "$?|$out" "0|"
	sed -i 's/^Type=oneshot/Type=oneshott/' "$U/smbwatch-scan@.service"
	has "positive control: a misspelt Type= is reported" \
		"$(systemd-analyze verify --man=no "$U/smbwatch-scan@site-a.service" 2>&1)" "Failed to parse service type"
	score=$(systemd-analyze security --offline=yes "contrib/systemd/smbwatch-scan@.service" 2>/dev/null |
		sed -n 's/.*exposure level for .*: \([0-9.]*\).*/\1/p')
	systemd-analyze security --offline=yes --threshold=40 "contrib/systemd/smbwatch-scan@.service" >/dev/null 2>&1
	eq "the scan unit's exposure is at most 4.0 (it is ${score:-?})" "$?" 0
fi

# --- 2. the shape: 3 shards at once = one scan ----------------------------------
need_root "needs root (network namespaces, smbd, PostgreSQL)"
need_tools ip smbd
at_exit pg_stop
if ! pg_start "$WORK/pg"; then
	not_ok "private PostgreSQL 15 server up" "$PG_WHY"
	finish
	exit 1
fi
lab_up
ok "lab up, PostgreSQL up"
psqlq() { runuser -u postgres -- "$PG_BIN/psql" -h "$WORK/pg" -d smbwatch -XAtq -c "$1" 2>/dev/null; }
# the personas on their ports, the closed address, and silent ones
TARGETS=(-p "445,139,8445" 198.18.1.10-16 198.18.1.30-33)
SEED=20261205

timeout 300 "$LAB" exec "$SMBWATCH" scan --no-progress --format jsonl --seed "$SEED" \
	--view single --db "$PG_URL" "${TARGETS[@]}" >"$WORK/single.jsonl" 2>"$WORK/single.err"
eq "the single-process scan exits 0" "$?" 0

fleet_round() { # VIEW SUBCOMMAND [OPTION...]: 3 shards at once, each's exit status in
	# WORK; the OPTIONs come last (a later --seed wins) and @I@ in them becomes
	# the shard's index
	local view=$1 sub=$2 i
	shift 2
	local pids=() seed=(--seed "$SEED")
	[ "$view" = noseed ] && seed=() # the shards agree on a seed by themselves
	for i in 0 1 2; do
		timeout 300 "$LAB" exec env JOB_COMPLETION_INDEX=$i "$SMBWATCH" "$sub" --no-progress \
			--shard env:JOB_COMPLETION_INDEX/3 "${seed[@]}" --view "$view" --db "$PG_URL" \
			"${@//@I@/$i}" "${TARGETS[@]}" >"$WORK/$view-$i.out" 2>"$WORK/$view-$i.err" &
		pids+=($!)
	done
	for i in 0 1 2; do
		wait "${pids[$i]}"
		echo $? >"$WORK/$view-$i.rc"
	done
}
fleet_round internal scan --format jsonl
eq "the 3 shards exit 0" "$(cat "$WORK"/internal-{0,1,2}.rc | tr '\n' ' ')" "0 0 0 "
eq "3 complete runs in view internal, shards 1/3 2/3 3/3" \
	"$(psqlq "SELECT string_agg(substring(targets from '--shard=[0-9]+/3'), ' ' ORDER BY targets) FROM runs WHERE view='internal' AND complete")" \
	"--shard=1/3 --shard=2/3 --shard=3/3"
eq "the shards overlapped in time (they ran at once)" \
	"$(psqlq "SELECT count(*) FROM runs a, runs b WHERE a.view='internal' AND b.view='internal' AND a.id<b.id AND a.started_at<=b.ended_at AND b.started_at<=a.ended_at")" 3

by_view() { # VIEW: ip:port dialects, one line each, sorted
	psqlq "SELECT s.ip || ':' || s.port || ' smb1=' || COALESCE(s.record::json->'smb1'->>'enabled','-')
	       || ' smb2=' || COALESCE(s.record::json->'smb2'->>'dialects','-')
	       FROM services s JOIN runs r ON r.id = s.run_id WHERE r.view = '$1' ORDER BY 1"
}
single=$(by_view single)
fleet=$(by_view internal)
eq "the single scan found the 7 personas" "$(wc -l <<<"$single")" 7
eq "the fleet's union = the single scan (address:port, SMB1, SMB2 dialects)" "$fleet" "$single"
eq "no service stored twice by the fleet" \
	"$(psqlq "SELECT count(*) - count(DISTINCT (s.ip, s.port)) FROM services s JOIN runs r ON r.id=s.run_id WHERE r.view='internal'")" 0
eq "every shard found at least one and the slices are disjoint (sizes add up)" \
	"$(psqlq "SELECT bool_and(n_services > 0) || ' ' || sum(n_targets) FROM runs WHERE view='internal'")" \
	"true $(psqlq "SELECT n_targets FROM runs WHERE view='single'")"

# positive control: the same 3 shards, each with its own seed, do not add up
# to one scan (the slices of different permutations overlap and miss)
fleet_round mixed scan --format jsonl --seed 7@I@
eq "control: shards with different seeds exit 0" "$(cat "$WORK"/mixed-{0,1,2}.rc | tr '\n' ' ')" "0 0 0 "
mixed=$(by_view mixed)
dups=$(psqlq "SELECT count(*) - count(DISTINCT (s.ip, s.port)) FROM services s JOIN runs r ON r.id=s.run_id WHERE r.view='mixed'")
if [ "$mixed" != "$single" ] || [ "$dups" != 0 ]; then
	ok "control: different seeds per shard miss or duplicate services ($dups duplicates)"
else
	not_ok "control: different seeds per shard miss or duplicate services" "$mixed"
fi

# shards without --seed take theirs from the targets and ports they share:
# the same on every shard, so the slices still add up to one scan
fleet_round noseed scan --format jsonl
eq "shards without --seed exit 0" "$(cat "$WORK"/noseed-{0,1,2}.rc | tr '\n' ' ')" "0 0 0 "
eq "shards without --seed all chose one seed" \
	"$(grep -ho 'seed [0-9]*' "$WORK"/noseed-{0,1,2}.err | sort -u | wc -l)" 1
eq "shards without --seed: the union = the single scan" "$(by_view noseed)" "$single"
eq "shards without --seed: no service stored twice" \
	"$(psqlq "SELECT count(*) - count(DISTINCT (s.ip, s.port)) FROM services s JOIN runs r ON r.id=s.run_id WHERE r.view='noseed'")" 0

# --- monitor --once per shard, over the fleet's runs ---------------------------
"$LAB" reconfigure smb2-unsigned 'server min protocol = NT1' >/dev/null
fleet_round internal monitor --once --sink "file:$WORK/events-@I@.jsonl"
eq "the 3 monitor shards exit 0" "$(cat "$WORK"/internal-{0,1,2}.rc | tr '\n' ' ')" "0 0 0 "
events=$(jq -r '[.event, .ip, (.finding.id // "")] | join(" ")' "$WORK"/events-{0,1,2}.jsonl 2>/dev/null | sed 's/ $//' | sort | tr '\n' ';')
eq "monitor over the fleet's runs: SMB1 on .12 is the only change (no new, no gone)" \
	"$events" "changed 198.18.1.12;finding_opened 198.18.1.12 SMB1_ENABLED;"
finish
