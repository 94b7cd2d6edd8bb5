#!/usr/bin/env bash
# Screenshots of every screen of the real Mailark window, in English and
# Japanese, for CI artifacts and for people to look at.
#
# Builds ./mailark-screenshots (cgo, Fyne's GL driver, -tags screenshots:
# the screenshot driver is not in the shipped binary), starts a private Xvfb, and runs
# `mailark demo` twice (LANG=en_US.UTF-8, then ja_JP.UTF-8) with
# MAILARK_GUI_SCRIPT=1: the app walks through its own screens (account,
# wrong password, connected, before you start, where is your mail?
# (the demo's Thunderbird), backup stopped, backup done,
# contacts, contacts saved, safe to remove?, archive search 会議, done, then
# step 6 into the demo's empty second account: new account, folders, copy
# stopped, copy done, the drafted message, drafts saved, done again),
# waits for the work each step starts, and saves a PNG of its window after
# each. Where the GL driver cannot read its own window back (Mesa under
# Xvfb), the app asks the X server for the pixels with ImageMagick's import.
#
# Output: ci-artifacts/screenshots/NN-screen-LANG.png (OUT=dir to change).
# MAILARK_BIN=path uses a binary built before (with -tags screenshots).
# Needs: xvfb (Xvfb), imagemagick (import), the Fyne build packages
# (`make deps` installs all of them).
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=${OUT:-ci-artifacts/screenshots}
DISPLAY_NUM=${DISPLAY_NUM:-99}

missing=()
command -v Xvfb >/dev/null || missing+=("xvfb (Xvfb)")
command -v import >/dev/null || missing+=("imagemagick (import)")
command -v pkg-config >/dev/null || missing+=("pkg-config")
pkg-config --exists gl x11 xrandr xxf86vm xi xcursor xinerama 2>/dev/null ||
	missing+=("libgl-dev libx11-dev libxrandr-dev libxxf86vm-dev libxi-dev libxcursor-dev libxinerama-dev")
if [ ${#missing[@]} -gt 0 ]; then
	echo "gui-screenshots: missing: ${missing[*]}" >&2
	echo "gui-screenshots: run 'make deps' (or apt-get install them) first." >&2
	exit 1
fi

BIN=${MAILARK_BIN:-}
if [ -z "$BIN" ]; then
	echo "gui-screenshots: building ./mailark-screenshots (a cold cgo build of Fyne takes about 3 minutes)"
	go build -tags screenshots -o mailark-screenshots .
	BIN=./mailark-screenshots
fi

tmp=$(mktemp -d)
xvfb_pid=
cleanup() {
	if [ -n "$xvfb_pid" ]; then kill "$xvfb_pid" 2>/dev/null || true; wait "$xvfb_pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# A display of our own; -nolisten tcp keeps it private.
Xvfb ":$DISPLAY_NUM" -screen 0 1280x800x24 -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 50); do
	[ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ] && break
	sleep 0.1
done
if ! kill -0 "$xvfb_pid" 2>/dev/null; then
	echo "gui-screenshots: Xvfb did not start:" >&2
	cat "$tmp/xvfb.log" >&2
	exit 1
fi

rm -rf "$OUT"
mkdir -p "$OUT"
status=0
for lang in en_US.UTF-8 ja_JP.UTF-8; do
	home="$tmp/home-$lang"
	mkdir -p "$home"
	echo "gui-screenshots: mailark demo with LANG=$lang"
	# Fyne writes its settings and caches under HOME and XDG_*: keep them private.
	if ! env -i PATH="$PATH" HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share" \
		XDG_CACHE_HOME="$home/.cache" XDG_RUNTIME_DIR="$home/run" TMPDIR="$tmp" \
		DISPLAY=":$DISPLAY_NUM" LANG="$lang" MAILARK_GUI_SCRIPT=1 MAILARK_SCREENSHOT_DIR="$OUT" \
		timeout 300 "$BIN" demo >"$tmp/run-$lang.log" 2>&1; then
		echo "gui-screenshots: the app failed with LANG=$lang:" >&2
		cat "$tmp/run-$lang.log" >&2
		status=1
	fi
done

n=$(find "$OUT" -name '*.png' | wc -l)
echo "gui-screenshots: $n screenshots in $OUT"
if [ "$n" -lt 44 ]; then
	echo "gui-screenshots: expected 44 (22 screens in 2 languages)" >&2
	status=1
fi
# A screenshot of one colour means nothing was captured.
for f in "$OUT"/*.png; do
	if [ "$(convert "$f" -format '%[fx:standard_deviation]' info: 2>/dev/null)" = "0" ]; then
		echo "gui-screenshots: $f is blank" >&2
		status=1
	fi
done
exit $status
