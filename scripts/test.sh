#!/usr/bin/env bash
# Runs every check and test of the project.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-deps.sh

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt needed on:" >&2
	echo "$unformatted" >&2
	exit 1
fi

echo "== codespell"
# Settings and the ignore list are in .codespellrc.
codespell

echo "== go vet"
go vet ./...
echo "== staticcheck"
# A fixed release from the Go module proxy; it does not touch go.mod.
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

echo "== go vet (darwin, windows)"
CGO_ENABLED=0 GOOS=darwin go vet ./...
CGO_ENABLED=0 GOOS=windows go vet ./...

echo "== go test -race"
go test -race -count=1 -timeout 20m ./...
