package rollout_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/rollout"
	"github.com/codex-go/codex/protocol"
)

func TestReadRoundTrip(t *testing.T) {
	home := t.TempDir()
	start := at(2025, 4, 1, 12, 0, 0)
	instructions := "be brief"
	meta := rollout.SessionMeta{
		ID: testID(1), Cwd: "/w", Originator: "codex_cli_rs", CLIVersion: "0.45.0",
		Instructions: &instructions, Source: "vscode",
		Git: &rollout.GitInfo{CommitHash: "abc", Branch: "main"},
	}
	w, err := rollout.Create(home, meta, start, func() time.Time { return start })
	require.NoError(t, err)

	window := int64(272000)
	enc := "opaque"
	items := []protocol.ResponseItem{
		protocol.UserText(envContext),
		protocol.UserText("list files & <tags>"),
		{Type: protocol.ItemReasoning, ID: "rs_1", Summary: []protocol.ReasoningSummaryPart{{Type: "summary_text", Text: "think"}}, EncryptedContent: &enc},
		{Type: protocol.ItemFunctionCall, Name: "shell", Arguments: `{"command":["ls"]}`, CallID: "call1"},
		protocol.FunctionOutput("call1", "a\nb\n"),
		protocol.AssistantText("two files"),
	}
	events := []protocol.EventMsg{
		protocol.UserMessageEvent{Message: "list files & <tags>", Kind: protocol.KindPlain},
		protocol.TokenCountEvent{},
		protocol.TokenCountEvent{Info: &protocol.TokenUsageInfo{
			TotalTokenUsage:    protocol.TokenUsage{InputTokens: 10, OutputTokens: 5, TotalTokens: 15},
			LastTokenUsage:     protocol.TokenUsage{InputTokens: 10, OutputTokens: 5, TotalTokens: 15},
			ModelContextWindow: &window,
		}},
		protocol.AgentMessageEvent{Message: "two files"},
	}
	first := protocol.TurnContext{Cwd: "/w", ApprovalPolicy: protocol.ApprovalNever,
		SandboxPolicy: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite}, Model: "gpt-5", Summary: "auto"}
	last := first
	last.Model = "o3"
	last.Effort = "high"

	require.NoError(t, w.ResponseItems(items[:2]...))
	require.NoError(t, w.EventMsg(events[0]))
	require.NoError(t, w.TurnContext(first))
	require.NoError(t, w.EventMsg(events[1]))
	require.NoError(t, w.ResponseItems(items[2:5]...))
	require.NoError(t, w.TurnContext(last))
	require.NoError(t, w.EventMsg(events[2]))
	require.NoError(t, w.EventMsg(events[3]))
	require.NoError(t, w.ResponseItems(items[5]))
	require.NoError(t, w.Close())

	rec, err := rollout.Read(w.Path())
	require.NoError(t, err)
	meta.Timestamp = start.UTC().Format(rollout.TimestampFormat)
	assert.Equal(t, meta, rec.Meta)
	assert.Equal(t, items, rec.Items)
	assert.Equal(t, events, rec.Events)
	require.NotNil(t, rec.LastTurnContext)
	assert.Equal(t, last, *rec.LastTurnContext)

	// Appending after a resume continues the same history.
	w2, err := rollout.Open(w.Path(), nil)
	require.NoError(t, err)
	require.NoError(t, w2.ResponseItems(protocol.UserText("more")))
	require.NoError(t, w2.Close())
	rec, err = rollout.Read(w.Path())
	require.NoError(t, err)
	assert.Equal(t, append(items, protocol.UserText("more")), rec.Items)
}

func TestReadReferenceRollout(t *testing.T) {
	rec, err := rollout.Read(filepath.Join("..", "..", "protocol", "testdata", "reference", "rollout-example.jsonl"))
	require.NoError(t, err)
	assert.Equal(t, "01a20e36-5070-7241-a419-f89a08aa24d3", rec.Meta.ID)
	assert.Equal(t, "vscode", rec.Meta.Source)
	require.Len(t, rec.Items, 5)
	assert.Equal(t, "run it", rec.Items[1].MessageText())
	assert.Equal(t, protocol.ItemFunctionCall, rec.Items[2].Type)
	assert.Equal(t, "Hello from mock", rec.Items[4].MessageText())
	var types []string
	for _, e := range rec.Events {
		types = append(types, e.EventType())
	}
	assert.Equal(t, []string{"user_message", "token_count", "token_count", "token_count", "agent_message", "token_count"}, types)
	require.NotNil(t, rec.LastTurnContext)
	assert.Equal(t, "gpt-5", rec.LastTurnContext.Model)
	assert.Equal(t, protocol.SandboxWorkspaceWrite, rec.LastTurnContext.SandboxPolicy.Mode)
}

func TestReadTolerance(t *testing.T) {
	id := testID(1)
	tests := []struct {
		name    string
		content func(t *testing.T) string
		items   []string // expected message texts
		errText string
	}{
		{
			name: "torn last line",
			content: func(t *testing.T) string {
				torn := itemLine(t, protocol.UserText("lost"))
				return metaLine(t, id) + itemLine(t, protocol.UserText("kept")) + torn[:len(torn)-10]
			},
			items: []string{"kept"},
		},
		{
			name: "complete last line without newline",
			content: func(t *testing.T) string {
				last := itemLine(t, protocol.UserText("second"))
				return metaLine(t, id) + itemLine(t, protocol.UserText("first")) + strings.TrimSuffix(last, "\n")
			},
			items: []string{"first", "second"},
		},
		{
			name: "blank lines and unknown line types",
			content: func(t *testing.T) string {
				return metaLine(t, id) + "\n" + line(t, "future_kind", map[string]int{"x": 1}) +
					line(t, rollout.LineCompacted, map[string]string{"message": "summary"}) +
					"  \n" + itemLine(t, protocol.UserText("only")) + metaLine(t, testID(2))
			},
			items: []string{rollout.SummaryMessage("summary"), "only"},
		},
		{
			name: "compacted line with its replacement history",
			content: func(t *testing.T) string {
				return metaLine(t, id) + itemLine(t, protocol.UserText("a")) + itemLine(t, protocol.AssistantText("b")) +
					line(t, rollout.LineCompacted, rollout.Compacted{Message: "s", ReplacementHistory: []protocol.ResponseItem{protocol.UserText("kept")}}) +
					itemLine(t, protocol.UserText("c"))
			},
			items: []string{"kept", "c"},
		},
		{
			name: "compacted line with only the summary (as earlier versions write it)",
			content: func(t *testing.T) string {
				return metaLine(t, id) + itemLine(t, protocol.UserText("<environment_context>x</environment_context>")) +
					itemLine(t, protocol.UserText("a")) + itemLine(t, protocol.AssistantText("b")) +
					line(t, rollout.LineCompacted, map[string]string{"message": "s"}) + itemLine(t, protocol.UserText("c"))
			},
			items: []string{"<environment_context>x</environment_context>", "a", rollout.SummaryMessage("s"), "c"},
		},
		{
			name: "malformed middle line",
			content: func(t *testing.T) string {
				return metaLine(t, id) + itemLine(t, protocol.UserText("a")) + "{not json\n" + itemLine(t, protocol.UserText("b"))
			},
			errText: "line 3",
		},
		{
			name: "malformed last line with newline",
			content: func(t *testing.T) string {
				return metaLine(t, id) + itemLine(t, protocol.UserText("a")) + "{\"timestamp\":\n"
			},
			errText: "line 3",
		},
		{
			name: "bad payload",
			content: func(t *testing.T) string {
				return metaLine(t, id) + `{"timestamp":"x","type":"response_item","payload":{"type":"message","role":"user","content":"nope"}}` + "\n" +
					itemLine(t, protocol.UserText("a"))
			},
			errText: "line 2",
		},
		{
			name: "bad event payload",
			content: func(t *testing.T) string {
				return metaLine(t, id) + `{"timestamp":"x","type":"event_msg","payload":{"type":"agent_message","message":7}}` + "\n"
			},
			errText: "line 2",
		},
		{
			name: "values written by a newer version",
			content: func(t *testing.T) string {
				return metaLine(t, id) +
					`{"timestamp":"x","type":"turn_context","payload":{"cwd":"/w","approval_policy":"granular","sandbox_policy":{"mode":"read-only"},"model":"m","summary":"auto"}}` + "\n" +
					`{"timestamp":"x","type":"event_msg","payload":{"type":"turn_aborted","reason":"review_ended"}}` + "\n" +
					itemLine(t, protocol.UserText("kept"))
			},
			items: []string{"kept"},
		},
		{
			name: "first line is not session meta",
			content: func(t *testing.T) string {
				return itemLine(t, protocol.UserText("a")) + metaLine(t, id)
			},
			errText: "line 1",
		},
		{
			name:    "empty file",
			content: func(*testing.T) string { return "" },
			errText: "no session_meta",
		},
		{
			name: "torn session meta",
			content: func(t *testing.T) string {
				m := metaLine(t, id)
				return m[:len(m)/2]
			},
			errText: "no session_meta",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rollout.jsonl")
			writeFile(t, path, tt.content(t))
			rec, err := rollout.Read(path)
			if tt.errText != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.errText)
				assert.Contains(t, err.Error(), path)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, id, rec.Meta.ID)
			var texts []string
			for _, it := range rec.Items {
				texts = append(texts, it.MessageText())
			}
			assert.Equal(t, tt.items, texts)
		})
	}
}

func TestReadMissingFile(t *testing.T) {
	_, err := rollout.Read(filepath.Join(t.TempDir(), "nope.jsonl"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestReadKeepsUnknownEvents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rollout.jsonl")
	writeFile(t, path, metaLine(t, testID(1))+line(t, rollout.LineEventMsg, json.RawMessage(`{"type":"brand_new","n":1}`)))
	rec, err := rollout.Read(path)
	require.NoError(t, err)
	require.Len(t, rec.Events, 1)
	assert.Equal(t, "brand_new", rec.Events[0].EventType())
}

func TestReadKeepsEventsWithNewerValues(t *testing.T) {
	id := testID(1)
	path := filepath.Join(t.TempDir(), "rollout.jsonl")
	aborted := `{"type":"turn_aborted","reason":"review_ended"}`
	writeFile(t, path, metaLine(t, id)+
		`{"timestamp":"x","type":"turn_context","payload":{"cwd":"/w","approval_policy":"granular","sandbox_policy":{"mode":"read-only"},"model":"m","summary":"auto"}}`+"\n"+
		`{"timestamp":"x","type":"event_msg","payload":`+aborted+`}`+"\n")
	rec, err := rollout.Read(path)
	require.NoError(t, err)
	assert.Nil(t, rec.LastTurnContext, "settings this build cannot represent are not used")
	require.Len(t, rec.Events, 1)
	assert.Equal(t, "turn_aborted", rec.Events[0].EventType())
	raw, err := protocol.EncodeEventMsg(rec.Events[0])
	require.NoError(t, err)
	assert.JSONEq(t, aborted, string(raw), "the event is replayed as recorded")
}

func TestDiscardRecordsNothing(t *testing.T) {
	w := rollout.Discard()
	assert.Empty(t, w.Path())
	require.NoError(t, w.ResponseItems(protocol.UserText("hi")))
	require.NoError(t, w.EventMsg(protocol.AgentMessageEvent{Message: "x"}))
	require.NoError(t, w.Close())
}
