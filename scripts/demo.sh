#!/usr/bin/env bash
# Builds codex and runs a scripted editor session against it: a local fake
# model server unless OPENAI_API_KEY is set, in which case the real API.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-deps.sh
mkdir -p bin
go build -o bin/codex ./cmd/codex
go run ./cmd/codex-demo --codex bin/codex "$@"
