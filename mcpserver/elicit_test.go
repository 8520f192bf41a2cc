package mcpserver

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
)

func TestExecApprovalMatchesReference(t *testing.T) {
	// The capture's approval: a command asked for in call 3, as event
	// <UUID-2> of thread <UUID-1>.
	var want json.RawMessage
	for _, m := range capture153(t) {
		if m.Method == "elicitation/create" {
			want = m.Params
		}
	}
	require.NotNil(t, want)
	ev := protocol.ExecApprovalRequestEvent{
		CallID:  "call1",
		Command: []string{"/bin/bash", "-lc", "echo hi > out.txt; cat out.txt"},
		Cwd:     "$WORKSPACE",
	}
	got, err := protocol.Marshal(execApproval("<UUID-1>", "3", "<UUID-2>", ev))
	require.NoError(t, err)
	var compact bytes.Buffer
	require.NoError(t, json.Compact(&compact, want))
	// Member order too is the reference's.
	assert.Equal(t, compact.String(), string(got))

	reason := "command failed; retry without sandbox?"
	ev.Reason = &reason
	withReason := execApproval("t", "7", "1", ev)
	assert.Equal(t, &reason, withReason.Reason)
	assert.Equal(t, "7", withReason.ToolCallID)
	assert.Equal(t, "1", withReason.EventID)
	assert.Equal(t, "t", withReason.ThreadID)
}

func TestPatchApproval(t *testing.T) {
	moved := "/ws/new.go"
	reason := "writes outside the workspace"
	root := "/other"
	tests := []struct {
		name        string
		ev          protocol.ApplyPatchApprovalRequestEvent
		wantMessage string
		wantJSON    string
	}{
		{
			name: "one added file",
			ev: protocol.ApplyPatchApprovalRequestEvent{CallID: "call2", Changes: map[string]protocol.FileChange{
				"/ws/hello.txt": {Add: &protocol.FileAdd{Content: "hello\n"}},
			}},
			wantMessage: "Allow Codex to change this file?\nadd /ws/hello.txt",
			wantJSON: `{"message":"Allow Codex to change this file?\nadd /ws/hello.txt","requestedSchema":{"type":"object","properties":{}},"threadId":"th",` +
				`"codex_elicitation":"patch-approval","codex_mcp_tool_call_id":"5","codex_event_id":"0","codex_call_id":"call2",` +
				`"codex_changes":{"/ws/hello.txt":{"add":{"content":"hello\n"}}}}`,
		},
		{
			name: "several files, a reason and a root to keep writable",
			ev: protocol.ApplyPatchApprovalRequestEvent{CallID: "call3", Reason: &reason, GrantRoot: &root, Changes: map[string]protocol.FileChange{
				"/ws/old.go": {Update: &protocol.FileUpdate{UnifiedDiff: "@@\n-a\n+b\n", MovePath: &moved}},
				"/ws/gone":   {Delete: &protocol.FileDelete{Content: "x"}},
				"/ws/a.txt":  {Update: &protocol.FileUpdate{UnifiedDiff: "@@\n-a\n+b\n"}},
			}},
			wantMessage: "writes outside the workspace\nAllow Codex to change these 3 files?\nupdate /ws/a.txt\ndelete /ws/gone\n" +
				"update /ws/old.go and move it to /ws/new.go\nThis also lets Codex write below /other for the rest of the conversation.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := patchApproval("th", "5", "0", tt.ev)
			assert.Equal(t, tt.wantMessage, p.Message)
			assert.Equal(t, ElicitPatchApproval, p.Elicitation)
			assert.Equal(t, tt.ev.Changes, p.Changes)
			assert.Equal(t, tt.ev.Reason, p.Reason)
			assert.Equal(t, tt.ev.GrantRoot, p.GrantRoot)
			if tt.wantJSON != "" {
				got, err := protocol.Marshal(p)
				require.NoError(t, err)
				assert.Equal(t, tt.wantJSON, string(got))
			}
		})
	}
}

func TestDecisionFromAnswer(t *testing.T) {
	tests := []struct {
		answer string
		want   protocol.ReviewDecision
	}{
		{`{"decision":"approved"}`, protocol.DecisionApproved},
		{`{"decision":"approved_for_session"}`, protocol.DecisionApprovedForSession},
		{`{"decision":"denied"}`, protocol.DecisionDenied},
		{`{"decision":"abort"}`, protocol.DecisionAbort},
		{`{"decision":"maybe"}`, protocol.DecisionDenied},
		{`{"decision":"approved","action":"decline"}`, protocol.DecisionApproved},
		{`{"action":"accept"}`, protocol.DecisionApproved},
		{`{"action":"accept","content":{}}`, protocol.DecisionApproved},
		{`{"action":"accept","content":{"decision":"approved_for_session"}}`, protocol.DecisionApprovedForSession},
		{`{"action":"accept","content":{"decision":"abort"}}`, protocol.DecisionAbort},
		{`{"action":"accept","content":{"decision":"bogus"}}`, protocol.DecisionApproved},
		{`{"action":"accept","content":"yes"}`, protocol.DecisionApproved},
		{`{"action":"decline"}`, protocol.DecisionDenied},
		{`{"action":"cancel"}`, protocol.DecisionDenied},
		{`{"action":"later"}`, protocol.DecisionDenied},
		{`{}`, protocol.DecisionDenied},
		{`null`, protocol.DecisionDenied},
		{`"approved"`, protocol.DecisionDenied},
	}
	for _, tt := range tests {
		t.Run(tt.answer, func(t *testing.T) {
			assert.Equal(t, tt.want, decisionFromAnswer(json.RawMessage(tt.answer)))
		})
	}
}
