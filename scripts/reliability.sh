#!/usr/bin/env bash
# Prints the reliability lines the tests wrote into DIR (reliability*.txt, from
# the TestMain of backup, migrate, gate and cli: "reliability…: N faults, …")
# and their sum, "reliability (total): …". Used by .ci/run and `make soak`.
set -euo pipefail
dir="${1:-ci-artifacts}"
reliability=$(cat "$dir"/reliability*.txt 2>/dev/null || true)
if [ -n "$reliability" ]; then
	echo "$reliability"
	echo "$reliability" | awk -F': ' '
		/^reliability/ { n = split($2, part, ", "); for (i = 1; i <= n; i++) { sum[i] += part[i] + 0; sub(/^[0-9]+ /, "", part[i]); label[i] = part[i] } }
		END { printf "reliability (total):"; for (i = 1; i <= n; i++) printf "%s %d %s", (i > 1 ? "," : ""), sum[i], label[i]; print "" }'
fi
