// Package protocol holds the wire types shared by the engine and its front ends:
// core events and submissions, the app-server's JSON-RPC messages and the
// mcp-server's tool arguments. It has no I/O and no behaviour beyond JSON
// encoding; field names, casing and omission rules are the wire contract.
package protocol

import (
	"encoding/json"
	"fmt"
)

// AskForApproval says when the user is asked before a command runs.
type AskForApproval string

// The approval policies.
const (
	// ApprovalUntrusted runs only known-safe read-only commands without asking.
	ApprovalUntrusted AskForApproval = "untrusted"
	// ApprovalOnFailure runs everything sandboxed and asks when the sandbox refuses.
	ApprovalOnFailure AskForApproval = "on-failure"
	// ApprovalOnRequest lets the model decide when to ask for escalation.
	ApprovalOnRequest AskForApproval = "on-request"
	// ApprovalNever never asks; failures go back to the model.
	ApprovalNever AskForApproval = "never"
)

// Valid reports whether a is one of the known policies.
func (a AskForApproval) Valid() bool {
	switch a {
	case ApprovalUntrusted, ApprovalOnFailure, ApprovalOnRequest, ApprovalNever:
		return true
	}
	return false
}

// ParseAskForApproval converts a user-facing string to an AskForApproval.
func ParseAskForApproval(s string) (AskForApproval, error) {
	a := AskForApproval(s)
	if !a.Valid() {
		return "", fmt.Errorf("unknown approval policy %q (expected untrusted, on-failure, on-request or never)", s)
	}
	return a, nil
}

// SandboxMode is the coarse sandbox setting chosen in config or on the command line.
type SandboxMode string

// The sandbox modes.
const (
	// SandboxReadOnly allows reading anything and writing nothing.
	SandboxReadOnly SandboxMode = "read-only"
	// SandboxWorkspaceWrite allows writing inside the workspace and configured roots.
	SandboxWorkspaceWrite SandboxMode = "workspace-write"
	// SandboxDangerFullAccess disables the sandbox.
	SandboxDangerFullAccess SandboxMode = "danger-full-access"
)

// Valid reports whether m is one of the known modes.
func (m SandboxMode) Valid() bool {
	switch m {
	case SandboxReadOnly, SandboxWorkspaceWrite, SandboxDangerFullAccess:
		return true
	}
	return false
}

// ParseSandboxMode converts a user-facing string to a SandboxMode.
func ParseSandboxMode(s string) (SandboxMode, error) {
	m := SandboxMode(s)
	if !m.Valid() {
		return "", fmt.Errorf("unknown sandbox mode %q (expected read-only, workspace-write or danger-full-access)", s)
	}
	return m, nil
}

// SandboxPolicy is the full sandbox policy applied to commands of a turn.
// On the wire it is tagged by "mode"; only workspace-write carries the other fields.
type SandboxPolicy struct {
	// Mode selects the kind of policy.
	Mode SandboxMode `json:"mode"`
	// WritableRoots are extra directories writable under workspace-write.
	WritableRoots []string `json:"writable_roots,omitempty"`
	// NetworkAccess allows outbound network under workspace-write.
	NetworkAccess bool `json:"network_access"`
	// ExcludeTmpdirEnvVar keeps $TMPDIR read-only under workspace-write.
	ExcludeTmpdirEnvVar bool `json:"exclude_tmpdir_env_var"`
	// ExcludeSlashTmp keeps /tmp read-only under workspace-write.
	ExcludeSlashTmp bool `json:"exclude_slash_tmp"`
}

// MarshalJSON writes only the mode for policies other than workspace-write.
func (p SandboxPolicy) MarshalJSON() ([]byte, error) {
	if p.Mode != SandboxWorkspaceWrite {
		return Marshal(struct {
			Mode SandboxMode `json:"mode"`
		}{p.Mode})
	}
	type plain SandboxPolicy
	return Marshal(plain(p))
}

// UnmarshalJSON reads a mode-tagged policy and rejects unknown modes.
func (p *SandboxPolicy) UnmarshalJSON(data []byte) error {
	type plain SandboxPolicy
	var v plain
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	if !v.Mode.Valid() {
		return fmt.Errorf("unknown sandbox policy mode %q", v.Mode)
	}
	*p = SandboxPolicy(v)
	return nil
}

// HasFullNetworkAccess reports whether commands may use the network.
func (p SandboxPolicy) HasFullNetworkAccess() bool {
	switch p.Mode {
	case SandboxDangerFullAccess:
		return true
	case SandboxWorkspaceWrite:
		return p.NetworkAccess
	}
	return false
}

// ReasoningEffort is the reasoning effort requested from reasoning models.
type ReasoningEffort string

// The reasoning efforts.
const (
	// EffortMinimal asks for the least reasoning.
	EffortMinimal ReasoningEffort = "minimal"
	// EffortLow asks for little reasoning.
	EffortLow ReasoningEffort = "low"
	// EffortMedium is the default effort.
	EffortMedium ReasoningEffort = "medium"
	// EffortHigh asks for the most reasoning.
	EffortHigh ReasoningEffort = "high"
)

// Valid reports whether e is a known effort.
func (e ReasoningEffort) Valid() bool {
	switch e {
	case EffortMinimal, EffortLow, EffortMedium, EffortHigh:
		return true
	}
	return false
}

// ReasoningSummary is how much of its reasoning a model summarises.
type ReasoningSummary string

// The reasoning summary settings.
const (
	// SummaryAuto lets the model choose.
	SummaryAuto ReasoningSummary = "auto"
	// SummaryConcise asks for short summaries.
	SummaryConcise ReasoningSummary = "concise"
	// SummaryDetailed asks for long summaries.
	SummaryDetailed ReasoningSummary = "detailed"
	// SummaryNone turns summaries off.
	SummaryNone ReasoningSummary = "none"
)

// Valid reports whether s is a known summary setting.
func (s ReasoningSummary) Valid() bool {
	switch s {
	case SummaryAuto, SummaryConcise, SummaryDetailed, SummaryNone:
		return true
	}
	return false
}

// Verbosity is the output verbosity requested from GPT-5 family models.
type Verbosity string

// The verbosity levels.
const (
	// VerbosityLow asks for terse answers.
	VerbosityLow Verbosity = "low"
	// VerbosityMedium is the default.
	VerbosityMedium Verbosity = "medium"
	// VerbosityHigh asks for long answers.
	VerbosityHigh Verbosity = "high"
)

// Valid reports whether v is a known verbosity.
func (v Verbosity) Valid() bool {
	switch v {
	case VerbosityLow, VerbosityMedium, VerbosityHigh:
		return true
	}
	return false
}

// ReviewDecision is the user's answer to an approval request.
type ReviewDecision string

// The review decisions.
const (
	// DecisionApproved runs the action once.
	DecisionApproved ReviewDecision = "approved"
	// DecisionApprovedForSession runs it and does not ask again for the same command.
	DecisionApprovedForSession ReviewDecision = "approved_for_session"
	// DecisionDenied refuses the action; the model is told.
	DecisionDenied ReviewDecision = "denied"
	// DecisionAbort refuses the action and ends the turn.
	DecisionAbort ReviewDecision = "abort"
)

// Valid reports whether d is a known decision.
func (d ReviewDecision) Valid() bool {
	switch d {
	case DecisionApproved, DecisionApprovedForSession, DecisionDenied, DecisionAbort:
		return true
	}
	return false
}

// TurnAbortReason says why a turn ended early.
type TurnAbortReason string

// The abort reasons.
const (
	// AbortInterrupted means the user interrupted the turn.
	AbortInterrupted TurnAbortReason = "interrupted"
	// AbortReplaced means a new turn replaced the running one.
	AbortReplaced TurnAbortReason = "replaced"
	// AbortReviewEnded means a review turn finished.
	AbortReviewEnded TurnAbortReason = "review_ended"
)

// InputMessageKind classifies a user-role message recorded in a rollout.
type InputMessageKind string

// The input message kinds.
const (
	// KindPlain is a message typed by the user.
	KindPlain InputMessageKind = "plain"
	// KindUserInstructions is the AGENTS.md text.
	KindUserInstructions InputMessageKind = "user_instructions"
	// KindEnvironmentContext is the environment context message.
	KindEnvironmentContext InputMessageKind = "environment_context"
)
