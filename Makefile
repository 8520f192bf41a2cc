.PHONY: demo test build bench schema release

# Runs a scripted editor session against codex app-server (no API key needed).
demo:
	scripts/demo.sh

# Runs every check and test; installs missing system packages first.
test:
	scripts/test.sh

build:
	scripts/ensure-deps.sh
	go build -o bin/codex ./cmd/codex

# Builds the release archives under dist/ (static Linux amd64 and arm64,
# macOS amd64 and arm64, Windows amd64), stamped with the version from the
# git tag, and their SHA-256 checksums (dist/SHA256SUMS); installs the
# cross compilers and static libraries it needs first. One target only:
# scripts/release.sh linux/amd64.
release:
	scripts/release.sh

bench:
	go run ./bench

# Regenerates the committed JSON Schema of the app-server protocol (schema/)
# from the Go types of package protocol.
schema:
	go run ./internal/schemagen/cmd/schemagen
