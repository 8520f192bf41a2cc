// Package protocol holds the wire types shared by the engine and its front ends:
// core events and submissions, the app-server's JSON-RPC messages and the
// mcp-server's tool arguments. It has no I/O and no behaviour beyond JSON
// encoding; field names, casing and omission rules are the wire contract.
package protocol

import (
	"encoding/json"
	"fmt"
	"slices"
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

// AskForApprovalValues lists the approval policies in declaration order: the
// one list that validation, decoding and the JSON Schema use.
func AskForApprovalValues() []AskForApproval {
	return []AskForApproval{ApprovalUntrusted, ApprovalOnFailure, ApprovalOnRequest, ApprovalNever}
}

// Valid reports whether a is one of the known policies.
func (a AskForApproval) Valid() bool { return slices.Contains(AskForApprovalValues(), a) }

// EnumValues implements Enum.
func (AskForApproval) EnumValues() []string { return enumStrings(AskForApprovalValues()) }

// UnmarshalJSON rejects values other than the approval policies.
func (a *AskForApproval) UnmarshalJSON(data []byte) error {
	return decodeEnumJSON(data, a, AskForApprovalValues())
}

// UnmarshalText rejects values other than the approval policies.
func (a *AskForApproval) UnmarshalText(text []byte) error {
	return decodeEnumText(text, a, AskForApprovalValues())
}

// ParseAskForApproval converts a user-facing string to an AskForApproval.
func ParseAskForApproval(s string) (AskForApproval, error) {
	return parseEnum(s, "approval policy", AskForApprovalValues())
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

// SandboxModeValues lists the sandbox modes in declaration order: the one
// list that validation, decoding and the JSON Schema use.
func SandboxModeValues() []SandboxMode {
	return []SandboxMode{SandboxReadOnly, SandboxWorkspaceWrite, SandboxDangerFullAccess}
}

// Valid reports whether m is one of the known modes.
func (m SandboxMode) Valid() bool { return slices.Contains(SandboxModeValues(), m) }

// EnumValues implements Enum.
func (SandboxMode) EnumValues() []string { return enumStrings(SandboxModeValues()) }

// UnmarshalJSON rejects values other than the sandbox modes.
func (m *SandboxMode) UnmarshalJSON(data []byte) error {
	return decodeEnumJSON(data, m, SandboxModeValues())
}

// UnmarshalText rejects values other than the sandbox modes.
func (m *SandboxMode) UnmarshalText(text []byte) error {
	return decodeEnumText(text, m, SandboxModeValues())
}

// ParseSandboxMode converts a user-facing string to a SandboxMode.
func ParseSandboxMode(s string) (SandboxMode, error) {
	return parseEnum(s, "sandbox mode", SandboxModeValues())
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

// ReasoningEffortValues lists the reasoning efforts in declaration order:
// the one list that validation, decoding and the JSON Schema use.
func ReasoningEffortValues() []ReasoningEffort {
	return []ReasoningEffort{EffortMinimal, EffortLow, EffortMedium, EffortHigh}
}

// Valid reports whether e is a known effort.
func (e ReasoningEffort) Valid() bool { return slices.Contains(ReasoningEffortValues(), e) }

// EnumValues implements Enum.
func (ReasoningEffort) EnumValues() []string { return enumStrings(ReasoningEffortValues()) }

// UnmarshalJSON rejects values other than the reasoning efforts.
func (e *ReasoningEffort) UnmarshalJSON(data []byte) error {
	return decodeEnumJSON(data, e, ReasoningEffortValues())
}

// UnmarshalText rejects values other than the reasoning efforts.
func (e *ReasoningEffort) UnmarshalText(text []byte) error {
	return decodeEnumText(text, e, ReasoningEffortValues())
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

// ReasoningSummaryValues lists the reasoning summary settings in declaration
// order: the one list that validation, decoding and the JSON Schema use.
func ReasoningSummaryValues() []ReasoningSummary {
	return []ReasoningSummary{SummaryAuto, SummaryConcise, SummaryDetailed, SummaryNone}
}

// Valid reports whether s is a known summary setting.
func (s ReasoningSummary) Valid() bool { return slices.Contains(ReasoningSummaryValues(), s) }

// EnumValues implements Enum.
func (ReasoningSummary) EnumValues() []string { return enumStrings(ReasoningSummaryValues()) }

// UnmarshalJSON rejects values other than the reasoning summary settings.
func (s *ReasoningSummary) UnmarshalJSON(data []byte) error {
	return decodeEnumJSON(data, s, ReasoningSummaryValues())
}

// UnmarshalText rejects values other than the reasoning summary settings.
func (s *ReasoningSummary) UnmarshalText(text []byte) error {
	return decodeEnumText(text, s, ReasoningSummaryValues())
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

// VerbosityValues lists the verbosity levels in declaration order: the one
// list that validation, decoding and the JSON Schema use.
func VerbosityValues() []Verbosity {
	return []Verbosity{VerbosityLow, VerbosityMedium, VerbosityHigh}
}

// Valid reports whether v is a known verbosity.
func (v Verbosity) Valid() bool { return slices.Contains(VerbosityValues(), v) }

// EnumValues implements Enum.
func (Verbosity) EnumValues() []string { return enumStrings(VerbosityValues()) }

// UnmarshalJSON rejects values other than the verbosity levels.
func (v *Verbosity) UnmarshalJSON(data []byte) error {
	return decodeEnumJSON(data, v, VerbosityValues())
}

// UnmarshalText rejects values other than the verbosity levels.
func (v *Verbosity) UnmarshalText(text []byte) error {
	return decodeEnumText(text, v, VerbosityValues())
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

// ReviewDecisionValues lists the review decisions in declaration order: the
// one list that validation, decoding and the JSON Schema use.
func ReviewDecisionValues() []ReviewDecision {
	return []ReviewDecision{DecisionApproved, DecisionApprovedForSession, DecisionDenied, DecisionAbort}
}

// Valid reports whether d is a known decision.
func (d ReviewDecision) Valid() bool { return slices.Contains(ReviewDecisionValues(), d) }

// EnumValues implements Enum.
func (ReviewDecision) EnumValues() []string { return enumStrings(ReviewDecisionValues()) }

// UnmarshalJSON rejects values other than the review decisions.
func (d *ReviewDecision) UnmarshalJSON(data []byte) error {
	return decodeEnumJSON(data, d, ReviewDecisionValues())
}

// UnmarshalText rejects values other than the review decisions.
func (d *ReviewDecision) UnmarshalText(text []byte) error {
	return decodeEnumText(text, d, ReviewDecisionValues())
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

// TurnAbortReasonValues lists the abort reasons in declaration order: the
// one list that validation, decoding and the JSON Schema use.
func TurnAbortReasonValues() []TurnAbortReason {
	return []TurnAbortReason{AbortInterrupted, AbortReplaced, AbortReviewEnded}
}

// Valid reports whether r is a known abort reason.
func (r TurnAbortReason) Valid() bool { return slices.Contains(TurnAbortReasonValues(), r) }

// EnumValues implements Enum.
func (TurnAbortReason) EnumValues() []string { return enumStrings(TurnAbortReasonValues()) }

// UnmarshalJSON rejects values other than the abort reasons.
func (r *TurnAbortReason) UnmarshalJSON(data []byte) error {
	return decodeEnumJSON(data, r, TurnAbortReasonValues())
}

// UnmarshalText rejects values other than the abort reasons.
func (r *TurnAbortReason) UnmarshalText(text []byte) error {
	return decodeEnumText(text, r, TurnAbortReasonValues())
}

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

// InputMessageKindValues lists the input message kinds in declaration order:
// the one list that validation, decoding and the JSON Schema use.
func InputMessageKindValues() []InputMessageKind {
	return []InputMessageKind{KindPlain, KindUserInstructions, KindEnvironmentContext}
}

// Valid reports whether k is a known kind.
func (k InputMessageKind) Valid() bool { return slices.Contains(InputMessageKindValues(), k) }

// EnumValues implements Enum.
func (InputMessageKind) EnumValues() []string { return enumStrings(InputMessageKindValues()) }

// UnmarshalJSON rejects values other than the input message kinds.
func (k *InputMessageKind) UnmarshalJSON(data []byte) error {
	return decodeEnumJSON(data, k, InputMessageKindValues())
}

// UnmarshalText rejects values other than the input message kinds.
func (k *InputMessageKind) UnmarshalText(text []byte) error {
	return decodeEnumText(text, k, InputMessageKindValues())
}
