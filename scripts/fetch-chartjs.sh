#!/usr/bin/env bash
# Re-fetch the vendored Chart.js (third_party/chartjs/) from npm and verify
# it: the tarball's sha512 must be the integrity in VERSION (the one npm's
# registry published), and the extracted file's sha256 the one in VERSION.
#   scripts/fetch-chartjs.sh          verify the committed file against npm
#   scripts/fetch-chartjs.sh --write  replace it (after editing VERSION)
# The build itself never fetches: it inlines the committed file.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/third_party/chartjs
val() { sed -n "s/^$1=//p" "$dir/VERSION"; }
pkg=$(val package) ver=$(val version) file=$(val file)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$pkg@$ver" >/dev/null)
tgz=$(ls "$tmp"/*.tgz)
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
[ "$got" = "$(val integrity)" ] || { echo "fetch-chartjs: tarball integrity $got != VERSION's" >&2; exit 1; }
tar -xzf "$tgz" -C "$tmp"
sum=$(sha256sum "$tmp/package/$file" | cut -d' ' -f1)
if [ "${1:-}" = --write ]; then
	cp "$tmp/package/$file" "$dir/$(basename "$file")"
	cp "$tmp/package/LICENSE.md" "$dir/LICENSE.md"
	sed -i "s/^sha256=.*/sha256=$sum/" "$dir/VERSION"
	echo "fetch-chartjs: wrote $pkg $ver ($sum)"
	exit 0
fi
[ "$sum" = "$(val sha256)" ] || { echo "fetch-chartjs: npm's $file has sha256 $sum, VERSION says $(val sha256)" >&2; exit 1; }
cmp -s "$tmp/package/$file" "$dir/$(basename "$file")" || { echo "fetch-chartjs: committed file differs from npm's" >&2; exit 1; }
echo "fetch-chartjs: $pkg $ver verified (sha256 $sum)"
