#!/bin/sh
# Builds a benchmark package's products in release mode, quietly. SwiftPM sometimes keeps a stale build plan
# after source files are added or renamed in the package it depends on (the build then fails for no reason in
# the sources): on a failure the plan is dropped and the build tried once more, showing its errors if it fails.
# Usage: scripts/release-build.sh PACKAGE-DIR [SWIFT BUILD FLAGS...]
set -u
dir=$1
shift
swift=${SWIFT:-swift}
cd "$dir" || exit 2
if "$swift" build -c release "$@" > /dev/null 2>&1; then exit 0; fi
rm -f .build/release.yaml .build/*/release/description.json
log=$(mktemp)
if "$swift" build -c release "$@" > "$log" 2>&1; then rm -f "$log"; exit 0; fi
echo "release build failed in $dir ($*):" >&2
tail -30 "$log" >&2
rm -f "$log"
exit 1
