#!/usr/bin/env bash
# Installs the Debian packages that Mailark's build, tests and demo need,
# only those that are missing. Run by `make deps`; safe to run again.
#
# Each line: package, then why we need it.
set -euo pipefail

read -r -d '' WANT <<'LIST' || true
gcc                     cgo: Fyne's GL driver
libc6-dev               cgo: Fyne's GL driver
pkg-config              cgo: go-gl finds its libraries with it
libgl-dev               Fyne: OpenGL headers
libx11-dev              Fyne: X11 headers
libxrandr-dev           Fyne: X11 headers (GLFW)
libxxf86vm-dev          Fyne: X11 headers (GLFW)
libxi-dev               Fyne: X11 headers (GLFW)
libxcursor-dev          Fyne: X11 headers (GLFW)
libxinerama-dev         Fyne: X11 headers (GLFW)
dovecot-core            tests: a private Dovecot on loopback (internal/testimap)
dovecot-imapd           tests: Dovecot's IMAP server
dovecot-pop3d           tests: Dovecot's POP3 server (backup --protocol pop3)
openssl                 tests: TLS clients and cert checks
sqlite3                 tests: the by-hand queries of docs/archive.md run as written
python3                 tests: Debian's Python reads our vCard/CSV exports
python3-vobject         tests: vCard parsing from Python
mutt                    tests: a second IMAP client against our archives
isync                   bench: mbsync as the speed reference
xvfb                    GUI: a headless X server for screenshots
xdotool                 GUI: clicks in a real window
imagemagick             GUI: screenshots (import) and image checks
xauth                   GUI: xvfb-run needs it
fonts-ipaexfont-gothic  GUI: the Japanese font we bundle
gnome-keyring           keyring tests: a Secret Service
dbus                    keyring tests: dbus-run-session
postgresql              desk tests: a private PostgreSQL queue on loopback (initdb + pg_ctl)
chromium                desk tests: the live board in a headless browser
LIST

# One dpkg-query for all: "name status" for each package dpkg knows.
mapfile -t names < <(awk 'NF {print $1}' <<<"$WANT")
installed=" $(dpkg-query -W -f='${Package}=${db:Status-Status} ' "${names[@]}" 2>/dev/null || true)"
missing=()
while read -r pkg why; do
	[ -n "$pkg" ] || continue
	if [[ $installed != *" $pkg=installed "* ]]; then
		echo "deps: will install $pkg ($why)"
		missing+=("$pkg")
	fi
done <<<"$WANT"

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all system packages present"
	exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi

# Keep package scripts from starting services (a system Dovecot on 143/993):
# a policy-rc.d that exits 101 is how Debian says "do not start anything".
# Leave an existing one alone; remove ours afterwards.
ours_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\n# temporary, from mailark scripts/deps.sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod 755 /usr/sbin/policy-rc.d
	ours_policy=1
fi
cleanup() {
	if [ -n "$ours_policy" ]; then
		$SUDO rm -f /usr/sbin/policy-rc.d
	fi
}
trap cleanup EXIT

had_dovecot=no
[[ $installed == *" dovecot-core=installed "* ]] && had_dovecot=installed

# apt's own output goes to a log, shown only if something fails.
log=$(mktemp)
run_apt() {
	if ! $SUDO env DEBIAN_FRONTEND=noninteractive "$@" </dev/null >>"$log" 2>&1; then
		tail -n 60 "$log"
		echo "deps: failed: $*" >&2
		exit 1
	fi
}
echo "deps: apt-get update"
run_apt apt-get update
echo "deps: apt-get install ${missing[*]}"
start=$SECONDS
run_apt apt-get install -y --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	"${missing[@]}"
echo "deps: installed ${#missing[@]} packages in $((SECONDS - start)) s"
rm -f "$log"

# If this run installed Dovecot, make sure no system Dovecot stays up or is
# enabled for the next boot: the tests start their own on free ports.
if [ "$had_dovecot" != installed ]; then
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
		$SUDO systemctl disable --now dovecot.service dovecot.socket >/dev/null 2>&1 || true
	fi
	if [ -s /run/dovecot/master.pid ] && kill -0 "$(cat /run/dovecot/master.pid)" 2>/dev/null; then
		echo "deps: stopping the system Dovecot that the package started"
		$SUDO doveadm stop >/dev/null 2>&1 || $SUDO kill "$(cat /run/dovecot/master.pid)" || true
	fi
fi
echo "deps: done"
