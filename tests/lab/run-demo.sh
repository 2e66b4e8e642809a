#!/usr/bin/env bash
# `make run`: bring the lab up, scan it from the scanner namespace, print the
# report, tear the lab down (also on failure or Ctrl-C).
#   SMBWATCH=path/to/smbwatch   binary to run (default ./build/smbwatch)
#   SMBW_LAB_PREFIX             lab name prefix (default smbwd<pid>, so a demo
#                               never collides with a test run's lab)
#   extra arguments are passed to `smbwatch scan` (e.g. --format jsonl)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SMBWATCH=${SMBWATCH:-$ROOT/build/smbwatch}
case $SMBWATCH in /*) ;; *) SMBWATCH=$ROOT/$SMBWATCH ;; esac
export SMBW_LAB_PREFIX=${SMBW_LAB_PREFIX:-smbwd$$}
LAB=$ROOT/tests/lab/lab.sh

[ "$(id -u)" -eq 0 ] || { echo "run-demo: needs root (network namespaces, smbd)" >&2; exit 1; }
[ -x "$SMBWATCH" ] || { echo "run-demo: $SMBWATCH not built (run make)" >&2; exit 1; }

trap '"$LAB" down >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM
"$LAB" up
echo "== personas (ground truth)"
"$LAB" truth | jq -r 'select(.service) | "  \(.ip):\(.port)\t\(.persona)"'
echo "== smbwatch scan 198.18.1.0/24 -p 139,445,8445 (from netns $SMBW_LAB_PREFIX-scan)"
"$LAB" exec "$SMBWATCH" scan 198.18.1.0/24 -p 139,445,8445 "$@"
db=${XDG_DATA_HOME:-$HOME/.local/share}/smbwatch/smbwatch.db
echo
echo "== results kept in $db (run 'make run' again, then: $SMBWATCH diff)"
"$SMBWATCH" history 198.18.1.10 2>/dev/null | tail -n 5 || true
echo
echo "== the dashboard over this store (Ctrl-C stops it):"
echo "   $SMBWATCH serve --db $db    # then open http://127.0.0.1:9445/"
