package headless

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/codex-go/codex/protocol"
)

// fixedClock always reads 2026-11-25T10:00:00 UTC.
func fixedClock() time.Time { return time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC) }

// ts is the timestamp fixedClock renders to.
const ts = "[2026-11-25T10:00:00] "

func ptr[T any](v T) *T { return &v }

func TestHumanPrinterEvents(t *testing.T) {
	manyLines := make([]string, 25)
	for i := range manyLines {
		manyLines[i] = fmt.Sprintf("line %d", i+1)
	}
	tests := []struct {
		name   string
		events []protocol.EventMsg
		want   string
	}{
		{
			name:   "task started",
			events: []protocol.EventMsg{protocol.TaskStartedEvent{ModelContextWindow: ptr(int64(1000))}},
			want:   ts + "Task started\n",
		},
		{
			name:   "agent message",
			events: []protocol.EventMsg{protocol.AgentMessageEvent{Message: "Hello there\nSecond line"}},
			want:   ts + "codex\nHello there\nSecond line\n",
		},
		{
			name: "deltas are not shown",
			events: []protocol.EventMsg{
				protocol.AgentMessageDeltaEvent{Delta: "Hel"},
				protocol.AgentReasoningDeltaEvent{Delta: "th"},
				protocol.ExecCommandOutputDeltaEvent{CallID: "c", Stream: "stdout", Chunk: []byte("x")},
			},
			want: "",
		},
		{
			name:   "reasoning",
			events: []protocol.EventMsg{protocol.AgentReasoningEvent{Text: "**Looking** at files"}},
			want:   ts + "thinking\n**Looking** at files\n",
		},
		{
			name:   "raw reasoning",
			events: []protocol.EventMsg{protocol.AgentReasoningRawContentEvent{Text: "raw thoughts"}},
			want:   ts + "thinking (raw)\nraw thoughts\n",
		},
		{
			name: "command that succeeded",
			events: []protocol.EventMsg{
				protocol.ExecCommandBeginEvent{CallID: "c1", Command: []string{"bash", "-lc", "echo hi"}, Cwd: "/work"},
				protocol.ExecCommandEndEvent{CallID: "c1", AggregatedOutput: "hi\n", ExitCode: 0, Duration: protocol.DurationOf(12 * time.Millisecond)},
			},
			want: ts + "exec bash -lc 'echo hi' in /work\n" +
				ts + "bash -lc 'echo hi' succeeded in 12ms:\nhi\n",
		},
		{
			name: "command that failed",
			events: []protocol.EventMsg{
				protocol.ExecCommandBeginEvent{CallID: "c1", Command: []string{"false"}, Cwd: "/work"},
				protocol.ExecCommandEndEvent{CallID: "c1", Stderr: "bad\n", ExitCode: 1, Duration: protocol.DurationOf(1500 * time.Millisecond)},
			},
			want: ts + "exec false in /work\n" +
				ts + "false exited 1 in 1.50s:\nbad\n",
		},
		{
			name: "command without output",
			events: []protocol.EventMsg{
				protocol.ExecCommandBeginEvent{CallID: "c1", Command: []string{"touch", "a b"}, Cwd: "/w"},
				protocol.ExecCommandEndEvent{CallID: "c1", Duration: protocol.DurationOf(75 * time.Second)},
			},
			want: ts + "exec touch 'a b' in /w\n" +
				ts + "touch 'a b' succeeded in 1m15s\n",
		},
		{
			name: "long output is truncated",
			events: []protocol.EventMsg{
				protocol.ExecCommandBeginEvent{CallID: "c1", Command: []string{"seq", "25"}, Cwd: "/w"},
				protocol.ExecCommandEndEvent{CallID: "c1", AggregatedOutput: strings.Join(manyLines, "\n") + "\n"},
			},
			want: ts + "exec seq 25 in /w\n" +
				ts + "seq 25 succeeded in 0ms:\n" + strings.Join(manyLines[:20], "\n") + "\n... (5 more lines)\n",
		},
		{
			name:   "end of an unknown command",
			events: []protocol.EventMsg{protocol.ExecCommandEndEvent{CallID: "zz", ExitCode: 2}},
			want:   ts + "command exited 2 in 0ms\n",
		},
		{
			name: "patch",
			events: []protocol.EventMsg{
				protocol.PatchApplyBeginEvent{CallID: "p", AutoApproved: true, Changes: map[string]protocol.FileChange{
					"b.txt":   {Delete: &protocol.FileDelete{Content: "x"}},
					"a.txt":   {Add: &protocol.FileAdd{Content: "y"}},
					"c.txt":   {Update: &protocol.FileUpdate{UnifiedDiff: "@@"}},
					"old.txt": {Update: &protocol.FileUpdate{UnifiedDiff: "@@", MovePath: ptr("new.txt")}},
				}},
				protocol.PatchApplyEndEvent{CallID: "p", Success: true, Stdout: "Success."},
			},
			want: ts + "apply patch (auto-approved)\nA a.txt\nD b.txt\nM c.txt\nM old.txt -> new.txt\n" +
				ts + "patch applied\n",
		},
		{
			name: "failed patch",
			events: []protocol.EventMsg{
				protocol.PatchApplyBeginEvent{CallID: "p", Changes: map[string]protocol.FileChange{"a.txt": {Add: &protocol.FileAdd{}}}},
				protocol.PatchApplyEndEvent{CallID: "p", Stderr: "a.txt exists\n"},
			},
			want: ts + "apply patch\nA a.txt\n" + ts + "patch failed:\na.txt exists\n",
		},
		{
			name: "plan",
			events: []protocol.EventMsg{protocol.PlanUpdateEvent{Explanation: ptr("Two steps"), Plan: []protocol.PlanItem{
				{Step: "Read code", Status: "completed"},
				{Step: "Fix bug", Status: "in_progress"},
				{Step: "Test", Status: "pending"},
			}}},
			want: ts + "plan updated\nTwo steps\n  [x] Read code\n  [>] Fix bug\n  [ ] Test\n",
		},
		{
			name: "MCP tool call",
			events: []protocol.EventMsg{
				protocol.McpToolCallBeginEvent{CallID: "m", Invocation: protocol.McpInvocation{Server: "docs", Tool: "search", Arguments: json.RawMessage(`{"q":"x"}`)}},
				protocol.McpToolCallEndEvent{CallID: "m", Invocation: protocol.McpInvocation{Server: "docs", Tool: "search", Arguments: json.RawMessage(`{"q":"x"}`)},
					Duration: protocol.DurationOf(5 * time.Millisecond),
					Result:   json.RawMessage(`{"Ok":{"content":[{"type":"text","text":"found it"},{"type":"image","data":"AA=="}],"isError":false}}`)},
			},
			want: ts + `tool docs.search({"q":"x"})` + "\n" +
				ts + `tool docs.search({"q":"x"}) succeeded in 5ms:` + "\nfound it\n[image content]\n",
		},
		{
			name: "MCP tool error",
			events: []protocol.EventMsg{
				protocol.McpToolCallEndEvent{CallID: "m", Invocation: protocol.McpInvocation{Server: "s", Tool: "t"},
					Result: json.RawMessage(`{"Err":"tool timed out"}`)},
			},
			want: ts + "tool s.t() failed in 0ms:\ntool timed out\n",
		},
		{
			name: "MCP tool result flagged as error",
			events: []protocol.EventMsg{
				protocol.McpToolCallEndEvent{CallID: "m", Invocation: protocol.McpInvocation{Server: "s", Tool: "t"},
					Result: json.RawMessage(`{"Ok":{"content":[{"type":"text","text":"no such file"}],"isError":true}}`)},
			},
			want: ts + "tool s.t() failed in 0ms:\nno such file\n",
		},
		{
			name: "token counts are shown when they change",
			events: []protocol.EventMsg{
				protocol.TokenCountEvent{},
				protocol.TokenCountEvent{Info: &protocol.TokenUsageInfo{TotalTokenUsage: protocol.TokenUsage{TotalTokens: 15}}},
				protocol.TokenCountEvent{Info: &protocol.TokenUsageInfo{TotalTokenUsage: protocol.TokenUsage{TotalTokens: 15}}},
				protocol.TokenCountEvent{Info: &protocol.TokenUsageInfo{TotalTokenUsage: protocol.TokenUsage{TotalTokens: 40}}},
			},
			want: ts + "tokens used: 15\n" + ts + "tokens used: 40\n",
		},
		{
			name: "errors and notes",
			events: []protocol.EventMsg{
				protocol.StreamErrorEvent{Message: "stream error: reset; retrying 1/5 in 200ms…"},
				protocol.BackgroundEvent{Message: "server docs failed to start"},
				protocol.ErrorEvent{Message: "unexpected status 400"},
				protocol.TurnAbortedEvent{Reason: protocol.AbortInterrupted},
			},
			want: ts + "stream error: reset; retrying 1/5 in 200ms…\n" +
				ts + "server docs failed to start\n" +
				ts + "ERROR: unexpected status 400\n" +
				ts + "turn aborted (interrupted)\n",
		},
		{
			name: "approval requests",
			events: []protocol.EventMsg{
				protocol.ExecApprovalRequestEvent{CallID: "c", Command: []string{"rm", "-rf", "build"}, Cwd: "/w"},
				protocol.ApplyPatchApprovalRequestEvent{CallID: "p", Changes: map[string]protocol.FileChange{"a": {Add: &protocol.FileAdd{}}}},
			},
			want: ts + "approval requested to run rm -rf build in /w: denied, exec cannot ask\n" +
				ts + "approval requested to change 1 file: denied, exec cannot ask\n",
		},
		{
			name: "user messages other than typed ones are hidden",
			events: []protocol.EventMsg{
				protocol.UserMessageEvent{Message: "typed", Kind: protocol.KindPlain},
				protocol.UserMessageEvent{Message: "<environment_context>", Kind: protocol.KindEnvironmentContext},
			},
			want: ts + "user\ntyped\n",
		},
		{
			name: "tools without a transcript line",
			events: []protocol.EventMsg{
				protocol.ViewImageToolCallEvent{CallID: "v", Path: "/w/a.png"},
				protocol.WebSearchEndEvent{CallID: "s", Query: "go generics"},
			},
			want: ts + "viewed image /w/a.png\n" + ts + "web search go generics\n",
		},
		{
			name: "silent events",
			events: []protocol.EventMsg{
				protocol.TaskCompleteEvent{LastAgentMessage: ptr("x")},
				protocol.TurnDiffEvent{UnifiedDiff: "diff"},
				protocol.ShutdownCompleteEvent{},
				protocol.SessionConfiguredEvent{SessionID: "s"},
				protocol.AgentReasoningSectionBreakEvent{},
				protocol.UnknownEvent{Raw: json.RawMessage(`{"type":"future"}`)},
			},
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			p := newHumanPrinter(&out, false, fixedClock, false)
			for _, m := range tt.events {
				p.event(protocol.Event{ID: "0", Msg: m})
			}
			assert.Equal(t, tt.want, out.String())
		})
	}
}

func TestHumanPrinterHidesReasoning(t *testing.T) {
	var out strings.Builder
	p := newHumanPrinter(&out, false, fixedClock, true)
	p.event(protocol.Event{Msg: protocol.AgentReasoningEvent{Text: "secret"}})
	p.event(protocol.Event{Msg: protocol.AgentReasoningRawContentEvent{Text: "raw"}})
	p.event(protocol.Event{Msg: protocol.AgentMessageEvent{Message: "shown"}})
	assert.Equal(t, ts+"codex\nshown\n", out.String())
}

func TestHumanPrinterHeaderAndPrompt(t *testing.T) {
	tests := []struct {
		name    string
		summary Summary
		initial []protocol.EventMsg
		want    string
	}{
		{
			name: "new conversation",
			summary: Summary{Version: "1.2.3", SessionID: "abc", Workdir: "/w", Model: "gpt-5", Provider: "openai",
				Approval: protocol.ApprovalNever, Sandbox: protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}},
			want: ts + "codex exec 1.2.3\n" +
				"  session   abc\n  workdir   /w\n  model     gpt-5\n  provider  openai\n" +
				"  approval  never\n  sandbox   read-only\n",
		},
		{
			name: "resumed, workspace-write",
			summary: Summary{Version: "1.2.3", SessionID: "abc", Workdir: "/w", Model: "o3", Provider: "mock",
				Approval: protocol.ApprovalOnRequest, ReasoningEffort: protocol.ReasoningEffort("high"), ResumedFrom: "/h/r.jsonl",
				Sandbox: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{"/x", "/y"}}},
			initial: []protocol.EventMsg{protocol.UserMessageEvent{Message: "a"}, protocol.AgentMessageEvent{Message: "b"}},
			want: ts + "codex exec 1.2.3\n" +
				"  session   abc\n  workdir   /w\n  model     o3\n  provider  mock\n" +
				"  approval  on-request\n  sandbox   workspace-write; network off; also writable: /x, /y\n" +
				"  reasoning high\n  resumed   /h/r.jsonl (2 earlier events)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			p := newHumanPrinter(&out, false, fixedClock, false)
			p.header(tt.summary, tt.initial)
			assert.Equal(t, tt.want, out.String())
		})
	}

	var out strings.Builder
	p := newHumanPrinter(&out, false, fixedClock, false)
	p.prompt("fix it\n", []string{"/a.png"})
	assert.Equal(t, ts+"prompt\n[image /a.png]\nfix it\n", out.String())
}

func TestHumanPrinterColor(t *testing.T) {
	var out strings.Builder
	p := newHumanPrinter(&out, true, fixedClock, false)
	p.event(protocol.Event{Msg: protocol.ErrorEvent{Message: "boom"}})
	got := out.String()
	assert.Contains(t, got, styleRed)
	assert.Contains(t, got, styleReset)
	assert.Contains(t, got, "ERROR: boom")
}

func TestQuoteCommand(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"ls", "-la", "/tmp"}, "ls -la /tmp"},
		{[]string{"bash", "-lc", "echo hi > x"}, "bash -lc 'echo hi > x'"},
		{[]string{"echo", "it's"}, `echo 'it'\''s'`},
		{[]string{"printf", ""}, "printf ''"},
		{[]string{"git", "commit", "-m=a,b:c@d%e+f"}, "git commit -m=a,b:c@d%e+f"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, quoteCommand(tt.argv))
	}
}

func TestUseColor(t *testing.T) {
	var b strings.Builder
	assert.False(t, UseColor(&b, func(string) string { return "" }), "not a terminal")
	assert.False(t, IsTerminal(nil))
}

func TestDisplayTextDefusesControlSequences(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "hello\n\tworld", "hello\n\tworld"},
		{"unicode", "héllo ✓", "héllo ✓"},
		{"clipboard (OSC 52)", "a\x1b]52;c;dG91Y2g=\x07b", `a\x1b]52;c;dG91Y2g=\x07b`},
		{"colour and cursor", "\x1b[31mred\x1b[2A", `\x1b[31mred\x1b[2A`},
		{"carriage return", "ok\rfake", `ok\x0dfake`},
		{"C1 control", "a\u009bb", `a\x9bb`},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, displayText(tt.in))
		})
	}
}
