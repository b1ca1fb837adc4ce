#!/usr/bin/env bash
# Checks and tests licensor's Go client: gofmt, go vet (also for Windows
# and macOS, whose hardware-id code is build-tagged), and every test with
# the race detector. The end-to-end tests build the licensor binary from
# this repository (../..) unless LICENSOR_BIN names one.
set -euo pipefail
cd "$(dirname "$0")"

unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
	echo "gofmt needed:" >&2
	echo "$unformatted" >&2
	exit 1
fi
go vet ./...
GOOS=windows go vet ./...
GOOS=darwin go vet ./...
go test -race -count=1 ./...
