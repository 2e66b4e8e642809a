#!/usr/bin/env bash
# Install what smbwatch needs to build, test and run its lab on Debian 12.
# Idempotent: only calls apt-get when a package is missing.
set -euo pipefail
pkgs=(build-essential pkg-config meson ninja-build clang libclang-rt-14-dev
      libuv1-dev libjansson-dev libcmocka-dev libpcap-dev libsqlite3-dev sqlite3
      libpq-dev postgresql libcurl4-openssl-dev libssl-dev
      samba smbclient iproute2 socat jq procps python3 tshark nftables
      python3-impacket stress-ng
      nmap libxml2-utils xsltproc python3-libnmap python3-jsonschema)
# monitor --metrics-listen: the HTTP server, and promtool to check its output
pkgs+=(libmicrohttpd-dev)
pkgs+=(prometheus curl)
# stress-ng: the CPU hog of make test's loaded pass (tests/run.sh).
# nmap (nmap.dtd, nmap.xsl and nmap itself for the side-by-side test),
# xmllint, xsltproc, python3-libnmap and python3-jsonschema check the export
# formats (tests/integration/test_exports.sh); they are Debian's, for
# /usr/bin/python3.
# the provisioned AD DC persona of test_epm.sh (samba, samba-tool domain provision)
pkgs+=(samba-ad-dc samba-ad-provision samba-dsdb-modules winbind)
# SMB over QUIC (net/quic.c) and its test server: ngtcp2 0.12 with GnuTLS; certtool (gnutls-bin) makes the test certificates
pkgs+=(libngtcp2-dev libngtcp2-crypto-gnutls-dev libgnutls28-dev gnutls-bin)
# the management services of test_mgmt.sh (issue 18 part 3): xrdp, OpenSSH
pkgs+=(xrdp openssh-server)
[ "${1:-}" = "--bench" ] && pkgs+=(nmap masscan time)
# The HTML report's browser test (tests/integration/test_html_report.sh):
# Debian's chromium and node (npm too where node does not bring its own),
# then `npm ci` in tests/browser (puppeteer-core, pinned by package-lock.json)
# when the lock file changed, also on a run that had no package to install.
browser_pkgs=(chromium nodejs)
command -v npm >/dev/null 2>&1 || browser_pkgs+=(npm)
pkgs+=("${browser_pkgs[@]}")
browser_npm_ci() {
	local dir lock stamp
	dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/browser" && pwd)
	lock=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
	stamp=$dir/node_modules/.smbwatch-lock.sha256
	[ "$(cat "$stamp" 2>/dev/null)" = "$lock" ] && return 0
	echo "deps: npm ci in tests/browser" >&2
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) && echo "$lock" >"$stamp"
}
trap 'rc=$?; if [ "$rc" -eq 0 ]; then browser_npm_ci || rc=1; fi; exit "$rc"' EXIT
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The samba package starts system daemons; the lab runs its own smbd per
# persona and must not share ports with them.
for s in smbd nmbd samba-ad-dc postgresql xrdp xrdp-sesman ssh; do
	systemctl disable --now "$s" >/dev/null 2>&1 || true
done
# the prometheus package is here for promtool only: its server stays off
systemctl disable --now prometheus >/dev/null 2>&1 || true
# Without systemd the package's init scripts started them: stop those by
# their pid files (never by name: other servers may run on the machine).
for d in smbd nmbd; do
	[ -s "/run/samba/$d.pid" ] &&
		start-stop-daemon --stop --quiet --pidfile "/run/samba/$d.pid" --exec "/usr/sbin/$d" >/dev/null 2>&1 || true
done
# the lab runs its own xrdp and sshd per management persona
for pf in /run/xrdp/xrdp.pid:/usr/sbin/xrdp /run/xrdp/xrdp-sesman.pid:/usr/sbin/xrdp-sesman /run/sshd.pid:/usr/sbin/sshd; do
	[ -s "${pf%%:*}" ] &&
		start-stop-daemon --stop --quiet --pidfile "${pf%%:*}" --exec "${pf#*:}" >/dev/null 2>&1 || true
done
exit 0
