package approval

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/codex-go/codex/protocol"
)

var (
	readOnly       = protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}
	workspaceWrite = protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{"/extra"}}
	fullAccess     = protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}
)

const (
	untrusted = protocol.ApprovalUntrusted
	onFailure = protocol.ApprovalOnFailure
	onRequest = protocol.ApprovalOnRequest
	never     = protocol.ApprovalNever
)

func TestAssessExec(t *testing.T) {
	safe := bash("ls -la")
	unsafe := bash("echo hi > out.txt; cat out.txt")
	const why = "needs network"
	sandboxed := ExecAssessment{Decision: RunSandboxed}
	unsandboxed := ExecAssessment{Decision: RunUnsandboxed}
	ask := ExecAssessment{Decision: Ask}
	askWhy := ExecAssessment{Decision: Ask, Reason: why}
	rejectNever := ExecAssessment{Decision: Reject, Reason: ReasonNoEscalationUnderNever}

	tests := []struct {
		policy    protocol.AskForApproval
		sandbox   protocol.SandboxPolicy
		argv      []string
		escalated bool
		want      ExecAssessment
	}{
		{untrusted, readOnly, safe, false, sandboxed},
		{untrusted, readOnly, safe, true, askWhy},
		{untrusted, readOnly, unsafe, false, ask},
		{untrusted, readOnly, unsafe, true, askWhy},
		{untrusted, workspaceWrite, safe, false, sandboxed},
		{untrusted, workspaceWrite, safe, true, askWhy},
		{untrusted, workspaceWrite, unsafe, false, ask},
		{untrusted, workspaceWrite, unsafe, true, askWhy},
		{untrusted, fullAccess, safe, false, unsandboxed},
		{untrusted, fullAccess, safe, true, unsandboxed},
		{untrusted, fullAccess, unsafe, false, ask},
		{untrusted, fullAccess, unsafe, true, askWhy},

		{onFailure, readOnly, safe, false, sandboxed},
		{onFailure, readOnly, safe, true, sandboxed},
		{onFailure, readOnly, unsafe, false, sandboxed},
		{onFailure, readOnly, unsafe, true, sandboxed},
		{onFailure, workspaceWrite, safe, false, sandboxed},
		{onFailure, workspaceWrite, safe, true, sandboxed},
		{onFailure, workspaceWrite, unsafe, false, sandboxed},
		{onFailure, workspaceWrite, unsafe, true, sandboxed},
		{onFailure, fullAccess, safe, false, unsandboxed},
		{onFailure, fullAccess, safe, true, unsandboxed},
		{onFailure, fullAccess, unsafe, false, unsandboxed},
		{onFailure, fullAccess, unsafe, true, unsandboxed},

		{onRequest, readOnly, safe, false, sandboxed},
		{onRequest, readOnly, safe, true, askWhy},
		{onRequest, readOnly, unsafe, false, sandboxed},
		{onRequest, readOnly, unsafe, true, askWhy},
		{onRequest, workspaceWrite, safe, false, sandboxed},
		{onRequest, workspaceWrite, safe, true, askWhy},
		{onRequest, workspaceWrite, unsafe, false, sandboxed},
		{onRequest, workspaceWrite, unsafe, true, askWhy},
		{onRequest, fullAccess, safe, false, unsandboxed},
		{onRequest, fullAccess, safe, true, unsandboxed},
		{onRequest, fullAccess, unsafe, false, unsandboxed},
		{onRequest, fullAccess, unsafe, true, unsandboxed},

		{never, readOnly, safe, false, sandboxed},
		{never, readOnly, safe, true, rejectNever},
		{never, readOnly, unsafe, false, sandboxed},
		{never, readOnly, unsafe, true, rejectNever},
		{never, workspaceWrite, safe, false, sandboxed},
		{never, workspaceWrite, safe, true, rejectNever},
		{never, workspaceWrite, unsafe, false, sandboxed},
		{never, workspaceWrite, unsafe, true, rejectNever},
		{never, fullAccess, safe, false, unsandboxed},
		{never, fullAccess, safe, true, unsandboxed},
		{never, fullAccess, unsafe, false, unsandboxed},
		{never, fullAccess, unsafe, true, unsandboxed},

		// Unknown policies behave as untrusted, unknown sandboxes as sandboxed.
		{"bogus", workspaceWrite, unsafe, false, ask},
		{"bogus", workspaceWrite, safe, false, sandboxed},
		{never, protocol.SandboxPolicy{Mode: "bogus"}, unsafe, false, sandboxed},
	}
	for _, tc := range tests {
		name := fmt.Sprintf("%s/%s/safe=%v/escalated=%v", tc.policy, tc.sandbox.Mode, IsKnownSafe(tc.argv), tc.escalated)
		t.Run(name, func(t *testing.T) {
			got := AssessExec(tc.policy, tc.sandbox, tc.argv, tc.escalated, why, nil)
			assert.Equal(t, tc.want, got)
			// A session approval of another argv changes nothing.
			other := func(argv []string) bool { return len(argv) == 1 && argv[0] == "other" }
			assert.Equal(t, tc.want, AssessExec(tc.policy, tc.sandbox, tc.argv, tc.escalated, why, other))
		})
	}
}

func TestAssessExecJustificationOnlyWhenEscalated(t *testing.T) {
	got := AssessExec(untrusted, readOnly, bash("rm x"), false, "ignored", nil)
	assert.Equal(t, ExecAssessment{Decision: Ask}, got)
}

func TestAssessExecApprovedForSession(t *testing.T) {
	argv := bash("echo hi > out.txt")
	var approvals SessionApprovals
	approvals.Add(argv)

	tests := []struct {
		policy    protocol.AskForApproval
		sandbox   protocol.SandboxPolicy
		escalated bool
		want      ExecDecision
	}{
		{untrusted, readOnly, false, RunUnsandboxed},
		{untrusted, readOnly, true, RunUnsandboxed},
		{untrusted, workspaceWrite, false, RunUnsandboxed},
		{untrusted, fullAccess, false, RunUnsandboxed},
		{untrusted, fullAccess, true, RunUnsandboxed},
		{onFailure, readOnly, false, RunUnsandboxed},
		{onFailure, readOnly, true, RunUnsandboxed},
		{onRequest, workspaceWrite, false, RunUnsandboxed},
		{onRequest, workspaceWrite, true, RunUnsandboxed},
		{never, readOnly, false, RunUnsandboxed},
		{never, readOnly, true, RunUnsandboxed},
		{never, fullAccess, false, RunUnsandboxed},
	}
	for _, tc := range tests {
		name := fmt.Sprintf("%s/%s/escalated=%v", tc.policy, tc.sandbox.Mode, tc.escalated)
		t.Run(name, func(t *testing.T) {
			got := AssessExec(tc.policy, tc.sandbox, argv, tc.escalated, "why", approvals.Has)
			assert.Equal(t, ExecAssessment{Decision: tc.want}, got)
		})
	}
}

func TestAfterSandboxFailure(t *testing.T) {
	tests := []struct {
		policy protocol.AskForApproval
		want   ExecAssessment
	}{
		{untrusted, ExecAssessment{Decision: Ask, Reason: "command failed; retry without sandbox?"}},
		{onFailure, ExecAssessment{Decision: Ask, Reason: "command failed; retry without sandbox?"}},
		{onRequest, ExecAssessment{Decision: Reject, Reason: "command was denied by the sandbox and approval policy on-request does not ask to retry without it"}},
		{never, ExecAssessment{Decision: Reject, Reason: "command was denied by the sandbox and approval policy never does not ask to retry without it"}},
		{"bogus", ExecAssessment{Decision: Ask, Reason: "command failed; retry without sandbox?"}},
	}
	for _, tc := range tests {
		t.Run(string(tc.policy), func(t *testing.T) {
			assert.Equal(t, tc.want, AfterSandboxFailure(tc.policy))
		})
	}
}

func TestDecisionStrings(t *testing.T) {
	assert.Equal(t, "RunSandboxed", RunSandboxed.String())
	assert.Equal(t, "RunUnsandboxed", RunUnsandboxed.String())
	assert.Equal(t, "Ask", Ask.String())
	assert.Equal(t, "Reject", Reject.String())
	assert.Equal(t, "ExecDecision(0)", ExecDecision(0).String())
	assert.Equal(t, "AutoApprove", AutoApprove.String())
	assert.Equal(t, "AskPatch", AskPatch.String())
	assert.Equal(t, "RejectPatch", RejectPatch.String())
	assert.Equal(t, "PatchDecision(9)", PatchDecision(9).String())
}
