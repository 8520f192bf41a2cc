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

// AutoCompactLimit returns the context size, in tokens, at which a
// conversation is compacted: model_auto_compact_token_limit when set,
// otherwise nine tenths of the model's context window; 0 (never) when
// neither is known or the limit set is not positive.
func (c *Config) AutoCompactLimit() int64 {
	if c.ModelAutoCompactTokenLimit != nil {
		return max(*c.ModelAutoCompactTokenLimit, 0)
	}
	if c.ModelContextWindow != nil {
		return *c.ModelContextWindow * 9 / 10
	}
	return 0
}
