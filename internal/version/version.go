// Package version holds the program's version and identity strings.
package version

// Version is this build's version.
const Version = "0.1.0"

// Originator identifies this program to model providers and in rollout files.
const Originator = "codex_cli_go"
