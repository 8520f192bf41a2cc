// Package version holds the program's version and identity strings.
package version

// Version is this build's version. Release builds (scripts/release.sh)
// replace it at link time with the one taken from the git tag, through
// -ldflags "-X github.com/codex-go/codex/internal/version.Version=...";
// the linker can only set a variable, so it is one, and no code assigns
// it.
var Version = "0.1.0"

// Originator identifies this program to model providers and in rollout files.
const Originator = "codex_cli_go"
