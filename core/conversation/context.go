package conversation

import (
	_ "embed"
	"os"
	"path/filepath"
	"strings"

	"github.com/codex-go/codex/core/rollout"
	"github.com/codex-go/codex/protocol"
)

//go:embed instructions.md
var baseInstructions string

// BaseInstructions returns the built-in instructions sent to the model.
func BaseInstructions() string { return baseInstructions }

const (
	envContextOpen        = rollout.EnvironmentContextTag
	envContextClose       = "</environment_context>"
	userInstructionsOpen  = rollout.UserInstructionsTag
	userInstructionsClose = "</user_instructions>"
)

// environmentContext is what the model is told about where it runs.
type environmentContext struct {
	cwd      string
	approval protocol.AskForApproval
	sandbox  protocol.SandboxPolicy
	shell    string
}

// render writes the <environment_context> message text.
func (e environmentContext) render() string {
	var b strings.Builder
	b.WriteString(envContextOpen + "\n")
	if e.cwd != "" {
		b.WriteString("  <cwd>" + e.cwd + "</cwd>\n")
	}
	if e.approval != "" {
		b.WriteString("  <approval_policy>" + string(e.approval) + "</approval_policy>\n")
	}
	if e.sandbox.Mode != "" {
		b.WriteString("  <sandbox_mode>" + string(e.sandbox.Mode) + "</sandbox_mode>\n")
		network := "restricted"
		if e.sandbox.HasFullNetworkAccess() {
			network = "enabled"
		}
		b.WriteString("  <network_access>" + network + "</network_access>\n")
		if e.sandbox.Mode == protocol.SandboxWorkspaceWrite && len(e.sandbox.WritableRoots) > 0 {
			b.WriteString("  <writable_roots>\n")
			for _, r := range e.sandbox.WritableRoots {
				b.WriteString("    <root>" + r + "</root>\n")
			}
			b.WriteString("  </writable_roots>\n")
		}
	}
	if e.shell != "" {
		b.WriteString("  <shell>" + e.shell + "</shell>\n")
	}
	b.WriteString(envContextClose)
	return b.String()
}

// userInstructionsMessage wraps AGENTS.md text for the model.
func userInstructionsMessage(text string) protocol.ResponseItem {
	return protocol.UserText(userInstructionsOpen + "\n\n" + text + "\n\n" + userInstructionsClose)
}

// IsContextMessage reports whether a user message is generated context
// (environment context or user instructions) rather than typed by the user.
func IsContextMessage(text string) bool { return rollout.IsContextMessage(text) }

// userShell names the user's login shell (bash, zsh, ...), "" when unknown.
func userShell(getenv func(string) string) string {
	sh := getenv("SHELL")
	if sh == "" {
		if _, err := os.Stat("/bin/bash"); err == nil {
			return "bash"
		}
		return ""
	}
	return filepath.Base(sh)
}
