package approval

import (
	"fmt"

	"github.com/codex-go/codex/protocol"
)

// ExecDecision is what to do with a shell call.
type ExecDecision int

// The exec decisions.
const (
	// RunSandboxed runs the command under the turn's sandbox policy.
	RunSandboxed ExecDecision = iota + 1
	// RunUnsandboxed runs the command without a sandbox.
	RunUnsandboxed
	// Ask asks the user first (an exec_approval_request).
	Ask
	// Reject refuses the command; the reason goes back to the model.
	Reject
)

// String returns the decision's name.
func (d ExecDecision) String() string {
	switch d {
	case RunSandboxed:
		return "RunSandboxed"
	case RunUnsandboxed:
		return "RunUnsandboxed"
	case Ask:
		return "Ask"
	case Reject:
		return "Reject"
	}
	return fmt.Sprintf("ExecDecision(%d)", int(d))
}

// ExecAssessment is a decision with its reason: for Ask the reason shown
// to the user (possibly empty), for Reject the message for the model.
type ExecAssessment struct {
	// Decision is what to do.
	Decision ExecDecision
	// Reason explains an Ask or a Reject.
	Reason string
}

// Reason texts.
const (
	// ReasonRetryWithoutSandbox is asked after a run the sandbox denied.
	ReasonRetryWithoutSandbox = "command failed; retry without sandbox?"
	// ReasonNoEscalationUnderNever rejects escalation under approval policy never.
	ReasonNoEscalationUnderNever = "escalated permissions are not available under approval policy never"
	// ReasonSandboxDenied is the format, given the policy, of the rejection
	// when the policy does not ask after a denial.
	ReasonSandboxDenied = "command was denied by the sandbox and approval policy %s does not ask to retry without it"
)

// normalPolicy maps unknown approval policies to the most cautious one.
func normalPolicy(p protocol.AskForApproval) protocol.AskForApproval {
	if !p.Valid() {
		return protocol.ApprovalUntrusted
	}
	return p
}

// AssessExec decides what to do with a shell call before it runs. Unknown
// approval policies are treated as untrusted, unknown sandbox modes as
// read-only. The rules, first match wins:
//
//   - argv approved for the session (approvedForSession(argv), which may be
//     nil) was consented to by the user and is never asked about again, under
//     any policy: RunUnsandboxed, as when the user approves it once, so that
//     an approved command is never half-run inside the sandbox first.
//   - danger-full-access: RunUnsandboxed, except that untrusted asks
//     (Reason = justification when escalated) for commands that are not
//     IsKnownSafe. Escalation asks for nothing more than this sandbox
//     already grants, so it is not refused even under never.
//   - untrusted: an escalated call Asks (Reason = justification); otherwise
//     an IsKnownSafe command is RunSandboxed and anything else Asks.
//   - on-failure: RunSandboxed, escalated or not; a denial by the sandbox is
//     handled after the run by AfterSandboxFailure.
//   - on-request: an escalated call Asks (Reason = justification); otherwise
//     RunSandboxed.
//   - never: an escalated call is Rejected
//     (ReasonNoEscalationUnderNever); otherwise RunSandboxed.
//
// When the user approves an Ask, the caller runs the command unsandboxed
// and records approved_for_session answers in a SessionApprovals.
func AssessExec(policy protocol.AskForApproval, sandbox protocol.SandboxPolicy, argv []string, withEscalated bool, justification string, approvedForSession func([]string) bool) ExecAssessment {
	policy = normalPolicy(policy)
	fullAccess := sandbox.Mode == protocol.SandboxDangerFullAccess
	askReason := ""
	if withEscalated {
		askReason = justification
	}

	if approvedForSession != nil && approvedForSession(argv) {
		return ExecAssessment{Decision: RunUnsandboxed}
	}
	if fullAccess {
		if policy == protocol.ApprovalUntrusted && !IsKnownSafe(argv) {
			return ExecAssessment{Decision: Ask, Reason: askReason}
		}
		return ExecAssessment{Decision: RunUnsandboxed}
	}
	switch policy {
	case protocol.ApprovalUntrusted:
		if withEscalated || !IsKnownSafe(argv) {
			return ExecAssessment{Decision: Ask, Reason: askReason}
		}
	case protocol.ApprovalOnRequest:
		if withEscalated {
			return ExecAssessment{Decision: Ask, Reason: askReason}
		}
	case protocol.ApprovalNever:
		if withEscalated {
			return ExecAssessment{Decision: Reject, Reason: ReasonNoEscalationUnderNever}
		}
	}
	return ExecAssessment{Decision: RunSandboxed}
}

// AfterSandboxFailure decides what happens when a sandboxed run looks
// denied by the sandbox:
//
//	policy      decision  reason
//	untrusted   Ask       ReasonRetryWithoutSandbox
//	on-failure  Ask       ReasonRetryWithoutSandbox
//	on-request  Reject    ReasonSandboxDenied (the model may retry with escalation)
//	never       Reject    ReasonSandboxDenied
//
// Unknown policies are treated as untrusted. An approved retry runs
// unsandboxed. Callers skip the question (and retry unsandboxed) when the
// argv was approved for the session.
func AfterSandboxFailure(policy protocol.AskForApproval) ExecAssessment {
	policy = normalPolicy(policy)
	switch policy {
	case protocol.ApprovalUntrusted, protocol.ApprovalOnFailure:
		return ExecAssessment{Decision: Ask, Reason: ReasonRetryWithoutSandbox}
	}
	return ExecAssessment{Decision: Reject, Reason: fmt.Sprintf(ReasonSandboxDenied, policy)}
}
