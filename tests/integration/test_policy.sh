#!/usr/bin/env bash
# Integration test of the exposure policy (--policy FILE, docs/policy.md) on
# the Samba lab: a policy that allows what the lab runs (no violation) beside
# one that denies it (the positive control), SMB1 allowed in a legacy
# segment but denied by [default], signing = required against a persona
# that does not require it, IPv6 cidrs, the segmentation check from
# --view segment:guest (failed when SMB answers, passed when nothing does),
# the monitor's policy_violation_opened/_resolved between two cycles, and
# `smbwatch policy check` on a good and a bad file. Prints TAP.
#   SMBWATCH=path/to/smbwatch tests/integration/test_policy.sh
set -uo pipefail
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwp$$}

need_root "needs root (network namespaces, smbd)"
need_tools jq ip smbd timeout
need_smbwatch
work_dir policy

# --- policy check (no lab needed) ------------------------------------------
cat >"$WORK/good.ini" <<'EOF'
# nothing at all from outside
[external]
smb = deny
# the guest network: no SMB may answer there
[segment guest]
cidr = 198.18.40.0/24
smb = deny
; the one place SMBv1 may still live: smb1-and-2 (.10), on both families
[segment legacy]
cidr = 198.18.1.10/32
cidr = 2001:2::10/128
smb1 = allow
[default]
smb1 = deny
signing = required
null_session = deny
EOF
cat >"$WORK/bad.ini" <<'EOF'
[default]
smb1 = deny
[segment guest]
cidr = 198.18.40.0/24
smb = nope
[segment dmz]
cidr = 198.18.40.0/24
colour = blue
[segment guest]
cidr = 198.18.41.0/24
[segment x]
cidr = 198.18.1.10/24
[perimeter]
EOF
out=$("$SMBWATCH" policy check "$WORK/good.ini"); rc=$?
eq "policy check good file: exit 0" "$rc" 0
eq "policy check good file: says ok" "$out" "$WORK/good.ini: ok (4 sections, 2 segments)"
out=$("$SMBWATCH" policy check "$WORK/bad.ini"); rc=$?
eq "policy check bad file: exit 1" "$rc" 1
eq "policy check bad file: every error with FILE:LINE" "$out" \
	"$WORK/bad.ini:5: unknown value 'nope' for smb: allow or deny
$WORK/bad.ini:7: cidr 198.18.40.0/24 is already in [segment guest] (line 4)
$WORK/bad.ini:8: unknown key 'colour' (cidr, smb, smb1, signing, null_session, guest, anonymous_shares)
$WORK/bad.ini:9: duplicate segment 'guest' (first at line 3)
$WORK/bad.ini:12: bad cidr '198.18.1.10/24': host bits set after the prefix
$WORK/bad.ini:13: unknown section '[perimeter]': [external], [default] or [segment NAME]
$WORK/bad.ini:6: segment 'dmz' has no cidr
$WORK/bad.ini:11: segment 'x' has no cidr"
"$SMBWATCH" policy check "$WORK/missing.ini" >/dev/null 2>&1
eq "policy check on a missing file: exit 2" "$?" 2
err=$("$SMBWATCH" scan --no-db --policy "$WORK/bad.ini" 198.18.1.10 2>&1 >/dev/null); rc=$?
eq "scan --policy with a bad file: exit 2 before scanning" "$rc" 2
has "scan --policy with a bad file: names the first error and policy check" "$err" \
	"--policy: $WORK/bad.ini:5: unknown value 'nope' for smb: allow or deny (and 7 more: smbwatch policy check $WORK/bad.ini)"
err=$("$SMBWATCH" scan --no-db --policy "$WORK/good.ini" --view segment:lab 198.18.1.10 2>&1 >/dev/null); rc=$?
eq "--view segment:NAME without that segment: exit 2" "$rc" 2
has "--view segment:NAME without that segment: says so" "$err" "has no [segment lab]"

lab_up
ok "lab up"

# scan POLICY OUT [scan options] TARGETS: jsonl to OUT, stderr to OUT.err
scan() {
	local pol=$1 out=$2
	shift 2
	timeout 120 "$LAB" exec "$SMBWATCH" scan --no-db --format jsonl --no-progress \
		--read-timeout 5s --timeout 60s --policy "$pol" "$@" >"$out" 2>"$out.err"
}
# violations OUT: "ip rule severity" per POLICY_VIOLATION, sorted, ';'-joined
violations() {
	jq -r '. as $r | .findings[] | select(.id == "POLICY_VIOLATION") |
		"\($r.ip) \(.rule) \(.severity)"' "$1" | sort | tr '\n' ';'
}

# --- allow vs deny, same hosts ------------------------------------------------
cat >"$WORK/allow.ini" <<'EOF'
[default]
smb1 = allow
signing = optional
null_session = allow
EOF
scan "$WORK/allow.ini" "$WORK/allow.jsonl" -p 445 198.18.1.10-13
eq "allow policy: scan exits 0" "$?" 0
eq "allow policy: 4 services seen" "$(jq -s length "$WORK/allow.jsonl")" 4
eq "allow policy: no POLICY_VIOLATION on any service" "$(violations "$WORK/allow.jsonl")" ""
# the positive control: the same hosts, the policy that denies
scan "$WORK/good.ini" "$WORK/deny.jsonl" -p 445 198.18.1.10-13
eq "deny policy: scan exits 0" "$?" 0
eq "deny policy: exact violations (SMB1 only in legacy, signing, null session)" \
	"$(violations "$WORK/deny.jsonl")" \
	"198.18.1.10 [default] null_session = deny high;198.18.1.10 [default] signing = required medium;198.18.1.11 [default] null_session = deny high;198.18.1.11 [default] signing = required medium;198.18.1.11 [default] smb1 = deny high;198.18.1.12 [default] null_session = deny high;198.18.1.12 [default] signing = required medium;"
eq "smb1: enabled on .10 (legacy) and .11, SMB1_ENABLED on both" \
	"$(jq -c 'select(.ip == "198.18.1.10" or .ip == "198.18.1.11") | [.ip, ([.findings[].id] | index("SMB1_ENABLED") != null)]' "$WORK/deny.jsonl" | sort | tr '\n' ' ')" \
	'["198.18.1.10",true] ["198.18.1.11",true] '
eq "signing = required: .13 (signing mandatory) breaks no rule, .12 (auto) does" \
	"$(jq -c '[.ip, .smb2.signing, ([.findings[] | select(.id == "POLICY_VIOLATION")] | length)]' "$WORK/deny.jsonl" | grep -E '1\.1[23]"' | sort | tr '\n' ' ')" \
	'["198.18.1.12","enabled",2] ["198.18.1.13","required",0] '
eq "a violation carries rule, FILE:LINE and evidence" \
	"$(jq -c 'select(.ip == "198.18.1.11") | .findings[] | select(.rule == "[default] smb1 = deny") | [.policy, .evidence, .title]' "$WORK/deny.jsonl")" \
	"[\"$WORK/good.ini:14\",\"[default] smb1 = deny ($WORK/good.ini:14, view internal): SMB1-only NEGOTIATE accepted\",\"Breaks the exposure policy\"]"

# --- IPv6: .10's v6 address is in legacy too --------------------------------
scan "$WORK/good.ini" "$WORK/v6.jsonl" -p 445 2001:2::10
eq "IPv6: scan exits 0" "$?" 0
eq "IPv6: 2001:2::10 in legacy (smb1 allowed), signing still required" \
	"$(violations "$WORK/v6.jsonl")" \
	"2001:2::10 [default] null_session = deny high;2001:2::10 [default] signing = required medium;"

# --- segmentation from the guest segment's vantage point ----------------------
scan "$WORK/good.ini" "$WORK/guest-fail.jsonl" --view segment:guest -p 445 198.18.1.12
eq "segment:guest, SMB answers: scan exits 0" "$?" 0
eq "segment:guest, SMB answers: a POLICY_VIOLATION of [segment guest] smb = deny" \
	"$(violations "$WORK/guest-fail.jsonl" | tr ';' '\n' | grep -c 'segment guest\] smb = deny high')" 1
has "segment:guest, SMB answers: the check failed" "$(cat "$WORK/guest-fail.jsonl.err")" \
	"smbwatch: policy check [segment guest] smb = deny ($WORK/good.ini:7) from view segment:guest: failed: 1 SMB service answered (POLICY_VIOLATION)"
# nothing answers: .30 refuses every port (RST)
scan "$WORK/good.ini" "$WORK/guest-pass.jsonl" --view segment:guest -p 445 198.18.1.30
eq "segment:guest, nothing answers: scan exits 0" "$?" 0
eq "segment:guest, nothing answers: no service" "$(jq -s length "$WORK/guest-pass.jsonl")" 0
has "segment:guest, nothing answers: the check passed (a result, not silence)" \
	"$(cat "$WORK/guest-pass.jsonl.err")" \
	"smbwatch: policy check [segment guest] smb = deny ($WORK/good.ini:7) from view segment:guest: passed: no SMB answered"
# from outside: critical
scan "$WORK/good.ini" "$WORK/ext.jsonl" --view external -p 445 198.18.1.13
eq "external view: [external] smb = deny is critical" "$(violations "$WORK/ext.jsonl")" \
	"198.18.1.13 [external] smb = deny critical;"
scan "$WORK/good.ini" "$WORK/int.jsonl" -p 445 198.18.1.13
eq "internal view, same host: no violation (control)" "$(violations "$WORK/int.jsonl")" ""

# --- monitor: a violation opens and one resolves between two cycles ------------
DB=$WORK/db/smbwatch.db
cycle() {
	timeout 120 "$LAB" exec "$SMBWATCH" monitor --once --db "$DB" --no-progress \
		--policy "$WORK/good.ini" -p 445 198.18.1.12-13 >"$WORK/mon.$1" 2>"$WORK/mon.$1.err"
}
pol_events() { jq -r 'select(.event | startswith("policy_violation")) | [.event, .ip, .finding.rule, .severity] | join(" ")' "$1" | sort | tr '\n' ';'; }
cycle 1
eq "monitor cycle 1: exits 0" "$?" 0
eq "monitor cycle 1: services new, no policy event yet" "$(pol_events "$WORK/mon.1")" ""
"$LAB" reconfigure smb2-unsigned 'server signing = mandatory' >/dev/null &&
	"$LAB" reconfigure smb311-signed 'server signing = auto' >/dev/null
eq "lab changed (signing mandatory on .12, auto on .13)" "$?" 0
cycle 2
eq "monitor cycle 2: exits 0" "$?" 0
eq "monitor cycle 2: policy_violation_opened on .13, _resolved on .12" "$(pol_events "$WORK/mon.2")" \
	"policy_violation_opened 198.18.1.13 [default] signing = required medium;policy_violation_resolved 198.18.1.12 [default] signing = required info;"
eq "monitor cycle 2: the opened event names the policy line" \
	"$(jq -r 'select(.event == "policy_violation_opened") | [.finding.id, .finding.policy] | join(" ")' "$WORK/mon.2")" \
	"POLICY_VIOLATION $WORK/good.ini:15"
eq "monitor cycle 2: the null session rule on .12 stays open (no event)" \
	"$(jq -r 'select(.ip == "198.18.1.12" and (.finding.rule // "") == "[default] null_session = deny") | .event' "$WORK/mon.2")" ""
# the monitor from the guest segment: the verdict after each run, pass and fail
mon_guest() {
	timeout 120 "$LAB" exec "$SMBWATCH" monitor --once --db "$DB" --no-progress \
		--policy "$WORK/good.ini" --view segment:guest -p 445 "$1" >"$WORK/mon.g$1" 2>"$WORK/mon.g$1.err"
}
mon_guest 198.18.1.30
eq "monitor from segment:guest, nothing answers: exits 0" "$?" 0
has "monitor from segment:guest, nothing answers: the check passed" "$(cat "$WORK/mon.g198.18.1.30.err")" \
	"policy check [segment guest] smb = deny ($WORK/good.ini:7) from view segment:guest: passed: no SMB answered"
mon_guest 198.18.1.12
eq "monitor from segment:guest, SMB answers: exits 0" "$?" 0
has "monitor from segment:guest, SMB answers: the check failed" "$(cat "$WORK/mon.g198.18.1.12.err")" \
	"policy check [segment guest] smb = deny ($WORK/good.ini:7) from view segment:guest: failed: 1 SMB service answered (POLICY_VIOLATION)"
eq "monitor from segment:guest, SMB answers: the new service carries the violations (signing is mandatory on .12 by now)" \
	"$(jq -r 'select(.event == "new") | [.ip, (.findings[] | select(.id == "POLICY_VIOLATION") | .rule)] | join(" ")' "$WORK/mon.g198.18.1.12")" \
	"198.18.1.12 [segment guest] smb = deny [default] null_session = deny"

finish
