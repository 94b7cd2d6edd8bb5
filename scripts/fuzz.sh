#!/usr/bin/env bash
# Runs each Fuzz* target in the module for FUZZTIME (first argument, default 30s).
# `go test -fuzz` takes one package and one target at a time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
fuzztime=${1:-30s}
GO=${GO:-go}

# `go test -list` prints each package's matching names, then its "ok <pkg>" line.
listing=$($GO test -list '^Fuzz' ./...)
targets=()
names=()
while read -r first second _; do
	case $first in
	Fuzz*) names+=("$first") ;;
	ok)
		for n in "${names[@]}"; do targets+=("$second $n"); done
		names=()
		;;
	*) names=() ;;
	esac
done <<<"$listing"

if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no Fuzz targets found"
	exit 0
fi
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	echo "fuzz: $pkg $name for $fuzztime"
	$GO test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg"
done
