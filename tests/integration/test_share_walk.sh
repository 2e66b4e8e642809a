#!/usr/bin/env bash
# Integration test of the one share walk (probe/sharewalk.c) over both
# transports against the same kind of share: SMB1 (the smb1-only persona)
# and SMB2 (smb2-unsigned, and smb1-and-2 whose shares go over SMB2). A
# share guests can connect to but whose root they cannot list ("sealed",
# mode 0711) is not anonymously readable on either transport; the public
# share is (the positive control). Before the walk was written once, SMB1
# called "sealed" readable (the tree connect worked).
# Prints TAP. SMBWATCH defaults to ./build/smbwatch. Needs root (the lab).
set -uo pipefail
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbww$$}

need_root "needs root (network namespaces, smbd)"
need_smbwatch
work_dir sharewalk
lab_up
ok "lab up"

for p in smb1-only smb2-unsigned smb1-and-2; do
	"$LAB" add-share "$p" sealed unlistable >/dev/null || not_ok "add-share $p sealed"
done

timeout 120 "$LAB" exec "$SMBWATCH" scan --format jsonl --no-progress --read-timeout 5s \
	--timeout 60s --checks auth,shares 198.18.1.10-12 >"$WORK/out.jsonl" 2>"$WORK/err.txt"
eq "scan exits 0" "$?" "0"

get() { jq -c --arg ip "$1" "select(.ip == \$ip and .port == 445) | $2" "$WORK/out.jsonl"; }
reads() { get "$1" '[.shares[] | select(.type == "disk") | [.name, .anonymous_read]] | sort'; }

# the same share, the same verdict, whatever the transport
eq "198.18.1.11 (SMB1 only): public listed, sealed not" "$(reads 198.18.1.11)" \
	'[["public",true],["sealed",false]]'
eq "198.18.1.12 (SMB2): public listed, sealed not" "$(reads 198.18.1.12)" \
	'[["public",true],["sealed",false]]'
eq "198.18.1.10 (SMB1 and SMB2): public listed, sealed not" "$(reads 198.18.1.10)" \
	'[["public",true],["sealed",false]]'
# the SMB1 list came over SMB1 (no SMB2 there), and fully: IPC$ too
eq "198.18.1.11 share names over SMB1" "$(get 198.18.1.11 '[.shares[].name] | sort')" \
	'["IPC$","public","sealed"]'
eq "198.18.1.11 shares check ok, no errors" \
	"$(get 198.18.1.11 '[.checks.shares.status, (.errors | length)]')" '["ok",0]'
# the finding names the readable share only
eq "198.18.1.11 ANON_SHARE_READABLE evidence" \
	"$(get 198.18.1.11 '[.findings[] | select(.id == "ANON_SHARE_READABLE") | .evidence]')" \
	'["listed without credentials: public"]'
finish
