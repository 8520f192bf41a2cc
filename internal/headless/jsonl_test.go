package headless

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
)

// jsonlOf prints events with a jsonlPrinter and returns its lines.
func jsonlOf(t *testing.T, events ...protocol.EventMsg) []string {
	t.Helper()
	var out, errs strings.Builder
	p := newJSONLPrinter(&out, &errs)
	p.header(Summary{SessionID: "s"}, nil)
	p.prompt("ignored", nil)
	for _, m := range events {
		p.event(protocol.Event{ID: "0", Msg: m})
	}
	assert.Empty(t, errs.String())
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	for _, l := range lines {
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &v), l)
	}
	return lines
}

// TestJSONLPrinter pins the lines codex-cli 0.45.0 prints for each kind of
// event (captured with tests/execdiff from the npm release).
func TestJSONLPrinter(t *testing.T) {
	usage := &protocol.TokenUsageInfo{TotalTokenUsage: protocol.TokenUsage{InputTokens: 40, OutputTokens: 20, TotalTokens: 60}}
	plan := func(done bool) protocol.PlanUpdateEvent {
		status := "in_progress"
		if done {
			status = "completed"
		}
		return protocol.PlanUpdateEvent{Plan: []protocol.PlanItem{{Step: "write the file", Status: "completed"}, {Step: "add the note", Status: status}}}
	}
	tests := []struct {
		name   string
		events []protocol.EventMsg
		want   []string
	}{
		{
			name: "a command, a patch, a plan and an answer",
			events: []protocol.EventMsg{
				protocol.SessionConfiguredEvent{SessionID: "0199a213-81c0-7800-8aa1-bbab2a035a53"},
				protocol.TaskStartedEvent{},
				protocol.ExecCommandBeginEvent{CallID: "c1", Command: []string{"bash", "-lc", "echo hi > out.txt; cat out.txt"}},
				protocol.ExecCommandOutputDeltaEvent{CallID: "c1"},
				protocol.ExecCommandEndEvent{CallID: "c1", AggregatedOutput: "hi\n"},
				protocol.TokenCountEvent{Info: usage},
				protocol.PatchApplyBeginEvent{CallID: "c2", Changes: map[string]protocol.FileChange{
					"/w/notes.txt": {Add: &protocol.FileAdd{Content: "a note\n"}}, "/w/a.txt": {Delete: &protocol.FileDelete{}}}},
				protocol.PatchApplyEndEvent{CallID: "c2", Success: true},
				plan(false),
				plan(true),
				protocol.AgentMessageDeltaEvent{Delta: "Done"},
				protocol.AgentMessageEvent{Message: "Done"},
				protocol.TaskCompleteEvent{},
			},
			want: []string{
				`{"type":"thread.started","thread_id":"0199a213-81c0-7800-8aa1-bbab2a035a53"}`,
				`{"type":"turn.started"}`,
				`{"type":"item.started","item":{"id":"item_0","type":"command_execution","command":"bash -lc 'echo hi > out.txt; cat out.txt'","aggregated_output":"","status":"in_progress"}}`,
				`{"type":"item.completed","item":{"id":"item_0","type":"command_execution","command":"bash -lc 'echo hi > out.txt; cat out.txt'","aggregated_output":"hi\n","exit_code":0,"status":"completed"}}`,
				`{"type":"item.completed","item":{"id":"item_1","type":"file_change","changes":[{"path":"/w/a.txt","kind":"delete"},{"path":"/w/notes.txt","kind":"add"}],"status":"completed"}}`,
				`{"type":"item.started","item":{"id":"item_2","type":"todo_list","items":[{"text":"write the file","completed":true},{"text":"add the note","completed":false}]}}`,
				`{"type":"item.updated","item":{"id":"item_2","type":"todo_list","items":[{"text":"write the file","completed":true},{"text":"add the note","completed":true}]}}`,
				`{"type":"item.completed","item":{"id":"item_3","type":"agent_message","text":"Done"}}`,
				`{"type":"item.completed","item":{"id":"item_2","type":"todo_list","items":[{"text":"write the file","completed":true},{"text":"add the note","completed":true}]}}`,
				`{"type":"turn.completed","usage":{"input_tokens":40,"cached_input_tokens":0,"output_tokens":20}}`,
			},
		},
		{
			name: "reasoning, a web search, an MCP call that failed, a failed command",
			events: []protocol.EventMsg{
				protocol.TaskStartedEvent{},
				protocol.AgentReasoningEvent{Text: "Thinking"},
				protocol.WebSearchEndEvent{CallID: "ws", Query: "weather"},
				protocol.McpToolCallBeginEvent{CallID: "m", Invocation: protocol.McpInvocation{Server: "docs", Tool: "search"}},
				protocol.McpToolCallEndEvent{CallID: "m", Invocation: protocol.McpInvocation{Server: "docs", Tool: "search"}, Result: json.RawMessage(`{"Err":"timed out"}`)},
				protocol.ExecCommandBeginEvent{CallID: "c", Command: []string{"false"}},
				protocol.ExecCommandEndEvent{CallID: "c", ExitCode: 1},
				protocol.TaskCompleteEvent{},
			},
			want: []string{
				`{"type":"turn.started"}`,
				`{"type":"item.completed","item":{"id":"item_0","type":"reasoning","text":"Thinking"}}`,
				`{"type":"item.completed","item":{"id":"item_1","type":"web_search","query":"weather"}}`,
				`{"type":"item.started","item":{"id":"item_2","type":"mcp_tool_call","server":"docs","tool":"search","status":"in_progress"}}`,
				`{"type":"item.completed","item":{"id":"item_2","type":"mcp_tool_call","server":"docs","tool":"search","status":"failed"}}`,
				`{"type":"item.started","item":{"id":"item_3","type":"command_execution","command":"false","aggregated_output":"","status":"in_progress"}}`,
				`{"type":"item.completed","item":{"id":"item_3","type":"command_execution","command":"false","aggregated_output":"","exit_code":1,"status":"failed"}}`,
				`{"type":"turn.completed","usage":{"input_tokens":0,"cached_input_tokens":0,"output_tokens":0}}`,
			},
		},
		{
			name: "a model error fails the turn",
			events: []protocol.EventMsg{
				protocol.TaskStartedEvent{},
				protocol.StreamErrorEvent{Message: "stream error: dropped; retrying 1/5 in 200ms…"},
				protocol.ErrorEvent{Message: "unexpected status 400 Bad Request"},
				protocol.TaskCompleteEvent{},
			},
			want: []string{
				`{"type":"turn.started"}`,
				`{"type":"item.completed","item":{"id":"item_0","type":"error","message":"stream error: dropped; retrying 1/5 in 200ms…"}}`,
				`{"type":"error","message":"unexpected status 400 Bad Request"}`,
				`{"type":"turn.failed","error":{"message":"unexpected status 400 Bad Request"}}`,
			},
		},
		{
			name:   "an interrupted turn fails",
			events: []protocol.EventMsg{protocol.TaskStartedEvent{}, protocol.TurnAbortedEvent{Reason: protocol.AbortInterrupted}},
			want:   []string{`{"type":"turn.started"}`, `{"type":"turn.failed","error":{"message":"turn aborted: interrupted"}}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, jsonlOf(t, tt.events...))
		})
	}
}
