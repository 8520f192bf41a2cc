.PHONY: demo test build bench schema

# Runs a scripted editor session against codex app-server (no API key needed).
demo:
	scripts/demo.sh

# Runs every check and test; installs missing system packages first.
test:
	scripts/test.sh

build:
	scripts/ensure-deps.sh
	go build -o bin/codex ./cmd/codex

bench:
	go run ./bench

# Regenerates the committed JSON Schema of the app-server protocol (schema/)
# from the Go types of package protocol.
schema:
	go run ./internal/schemagen/cmd/schemagen
