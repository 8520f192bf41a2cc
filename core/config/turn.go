package config

import "github.com/codex-go/codex/protocol"

// TurnContext returns the turn settings the configuration starts a
// conversation with.
func (c *Config) TurnContext() protocol.TurnContext {
	return protocol.TurnContext{
		Cwd:            c.Cwd,
		ApprovalPolicy: c.ApprovalPolicy,
		SandboxPolicy:  c.SandboxPolicy,
		Model:          c.Model,
		Effort:         c.ModelReasoningEffort,
		Summary:        c.ModelReasoningSummary,
	}
}
