package protocol

// TurnContext holds the settings of a turn: where its commands run, when the
// user is asked, how commands are sandboxed, and the model settings. A
// user_turn op carries it, a rollout records it on turn_context lines, and
// the engine hands it to the tools of the turn. Its members are snake_case,
// as in ops and rollouts.
type TurnContext struct {
	// Cwd is the working directory.
	Cwd string `json:"cwd"`
	// ApprovalPolicy says when the user is asked.
	ApprovalPolicy AskForApproval `json:"approval_policy"`
	// SandboxPolicy is the sandbox of the turn's commands.
	SandboxPolicy SandboxPolicy `json:"sandbox_policy"`
	// Model is the model.
	Model string `json:"model"`
	// Effort is the reasoning effort, when set.
	Effort ReasoningEffort `json:"effort,omitempty"`
	// Summary is the reasoning summary setting.
	Summary ReasoningSummary `json:"summary"`
}

// TurnContext returns the turn settings of a sendUserTurn request.
func (p SendUserTurnParams) TurnContext() TurnContext {
	tc := TurnContext{
		Cwd:            p.Cwd,
		ApprovalPolicy: p.ApprovalPolicy,
		SandboxPolicy:  p.SandboxPolicy,
		Model:          p.Model,
		Summary:        p.Summary,
	}
	if p.Effort != nil {
		tc.Effort = *p.Effort
	}
	return tc
}
