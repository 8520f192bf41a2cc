package conversation

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/rollout"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

// requestInput decodes the input items and tools of the nth model request.
func requestInput(t *testing.T, f *fixture, n int) ([]protocol.ResponseItem, []json.RawMessage) {
	t.Helper()
	reqs := f.srv.Requests()
	require.Greater(t, len(reqs), n)
	var body struct {
		Input []protocol.ResponseItem `json:"input"`
		Tools []json.RawMessage       `json:"tools"`
	}
	require.NoError(t, json.Unmarshal(reqs[n].Body, &body))
	return body.Input, body.Tools
}

// texts lists "role: text" of the messages among items, and the types of
// the other items.
func texts(items []protocol.ResponseItem) []string {
	var out []string
	for _, it := range items {
		if it.Type != protocol.ItemMessage {
			out = append(out, string(it.Type))
			continue
		}
		text := it.MessageText()
		if strings.HasPrefix(text, rollout.EnvironmentContextTag) {
			text = "<env>"
		}
		out = append(out, it.Role+": "+text)
	}
	return out
}

// setAutoCompactLimit adds model_auto_compact_token_limit to the fixture's
// config.toml (a top-level key, so it goes first).
func setAutoCompactLimit(t *testing.T, f *fixture, limit int) {
	t.Helper()
	path := filepath.Join(f.home, "config.toml")
	old, err := os.ReadFile(path)
	require.NoError(t, err)
	top := fmt.Appendf(nil, "model_auto_compact_token_limit = %d\n", limit)
	require.NoError(t, os.WriteFile(path, append(top, old...), 0o600))
}

func TestCompactOpReplacesTheHistoryWithASummary(t *testing.T) {
	f := newFixture(t, "", fakemodel.Script(
		fakemodel.Text("first answer"),
		fakemodel.Text("the user said hello; nothing else happened"),
		fakemodel.Text("after"),
	))
	c := f.start(t)
	say(t, c, "hello")
	until(t, c, "task_complete")

	_, err := c.Submit(protocol.CompactOp{})
	require.NoError(t, err)
	evs := until(t, c, "task_complete")
	assert.Equal(t, []string{"task_started", "context_compaction_begin", "token_count", "token_count", "token_count", "context_compacted", "task_complete"}, types(evs))
	estimate := evs[4].Msg.(protocol.TokenCountEvent)
	require.NotNil(t, estimate.Info)
	assert.Equal(t, int64(30), estimate.Info.TotalTokenUsage.TotalTokens, "the summary request's usage counts")
	assert.Positive(t, estimate.Info.LastTokenUsage.TotalTokens)
	assert.Zero(t, estimate.Info.LastTokenUsage.InputTokens, "the last usage is an estimate of the new history")

	// The summary request: the history, the request for a summary, no tools.
	in, tools := requestInput(t, f, 1)
	assert.Empty(t, tools)
	got := texts(in)
	assert.Equal(t, []string{"user: <env>", "user: hello", "assistant: first answer"}, got[:3])
	assert.Equal(t, "user: "+compactionRequest, got[3])

	say(t, c, "next")
	until(t, c, "task_complete")
	in, _ = requestInput(t, f, 2)
	got = texts(in)
	require.Len(t, got, 4)
	assert.Equal(t, []string{"user: <env>", "user: hello"}, got[:2])
	assert.Contains(t, got[2], "the user said hello; nothing else happened")
	assert.True(t, strings.HasPrefix(got[2], "user: "+rollout.SummaryTag))
	assert.Equal(t, "user: next", got[3])

	// A resumed conversation starts from the same history.
	rec, err := rollout.Read(c.RolloutPath())
	require.NoError(t, err)
	assert.Equal(t, got, texts(rec.Items)[:4])
	var compacted []protocol.EventMsg
	for _, m := range rec.Events {
		if _, ok := m.(protocol.ContextCompactedEvent); ok {
			compacted = append(compacted, m)
		}
	}
	assert.Len(t, compacted, 1, "context_compacted is recorded")
}

func TestAutomaticCompactionBeforeATurn(t *testing.T) {
	f := newFixture(t, "", fakemodel.Script(
		fakemodel.Text("one done"),
		fakemodel.Text("summary of one"),
		fakemodel.Text("two done"),
	))
	setAutoCompactLimit(t, f, 15) // every reply reports 15 tokens
	c := f.start(t)
	say(t, c, "one")
	assert.NotContains(t, types(until(t, c, "task_complete")), "context_compaction_begin", "nothing was used before the first turn")
	say(t, c, "two")
	evs := types(until(t, c, "task_complete"))
	assert.Equal(t, []string{"task_started", "context_compaction_begin", "token_count", "token_count", "token_count", "context_compacted"}, evs[:6])
	assert.Equal(t, "agent_message", evs[len(evs)-3])

	in, _ := requestInput(t, f, 2)
	got := texts(in)
	assert.Equal(t, "user: one", got[1])
	assert.Contains(t, got[2], "summary of one")
	assert.Equal(t, "user: two", got[3])
	assert.NotContains(t, got, "assistant: one done")
}

func TestAutomaticCompactionBetweenToolCalls(t *testing.T) {
	f := newFixture(t, "", fakemodel.Script(
		fakemodel.FunctionCall("call_1", "no_such_tool", `{}`),
		fakemodel.Text("the model called a tool that does not exist"),
		fakemodel.Text("done"),
	))
	setAutoCompactLimit(t, f, 15)
	c := f.start(t)
	say(t, c, "go")
	evs := types(until(t, c, "task_complete"))
	assert.Contains(t, evs, "context_compacted")
	require.Len(t, f.srv.Requests(), 3)
	summaryReq, _ := requestInput(t, f, 1)
	assert.Contains(t, texts(summaryReq), "function_call_output", "the tool's output is summarised")
	in, _ := requestInput(t, f, 2)
	got := texts(in)
	assert.NotContains(t, got, "function_call")
	assert.Contains(t, got[len(got)-1], "the model called a tool that does not exist")
}

func TestFailedCompactionKeepsTheHistory(t *testing.T) {
	cases := []struct {
		name  string
		reply fakemodel.Reply
		want  string
	}{
		{"model error", fakemodel.Error(400, "context too long"), "context too long"},
		{"empty summary", fakemodel.Text(""), errNoSummary.Error()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, "", fakemodel.Script(fakemodel.Text("first answer"), tc.reply, fakemodel.Text("after")))
			c := f.start(t)
			say(t, c, "hello")
			until(t, c, "task_complete")
			_, err := c.Submit(protocol.CompactOp{})
			require.NoError(t, err)
			evs := until(t, c, "task_complete")
			assert.Equal(t, "error", evs[len(evs)-2].Msg.EventType())
			assert.Contains(t, evs[len(evs)-2].Msg.(protocol.ErrorEvent).Message, tc.want)
			assert.NotContains(t, types(evs), "context_compacted")
			say(t, c, "next")
			until(t, c, "task_complete")
			in, _ := requestInput(t, f, 2)
			assert.Contains(t, texts(in), "assistant: first answer")
		})
	}
}

func TestCompactWhileATurnRunsIsRefused(t *testing.T) {
	f := newFixture(t, "", fakemodel.Script(fakemodel.Reply{Events: fakemodel.Text("slow").Events, Delay: 100 * time.Millisecond}))
	c := f.start(t)
	say(t, c, "hello")
	_, err := c.Submit(protocol.CompactOp{})
	require.NoError(t, err)
	evs := until(t, c, "task_complete")
	var refused bool
	for _, e := range evs {
		if m, ok := e.Msg.(protocol.ErrorEvent); ok && strings.Contains(m.Message, "while a turn is running") {
			refused = true
		}
	}
	assert.True(t, refused, "events: %v", types(evs))
	assert.Len(t, f.srv.Requests(), 1)
}

// TestUserShellCommandJoinsACompaction runs a user's shell command while a
// compaction turn waits for its summary: the command joins that turn and
// the turn ends after it.
func TestUserShellCommandJoinsACompaction(t *testing.T) {
	f := newFixture(t, "", fakemodel.Script(
		fakemodel.Text("first answer"),
		fakemodel.Reply{Events: fakemodel.Text("summary").Events, Delay: 50 * time.Millisecond},
	))
	c := f.start(t)
	say(t, c, "hello")
	until(t, c, "task_complete")
	sub, err := c.Submit(protocol.CompactOp{})
	require.NoError(t, err)
	until(t, c, "context_compaction_begin")
	owner, err := c.SubmitUserShell("", protocol.RunUserShellCommandOp{Command: "echo joined"})
	require.NoError(t, err)
	assert.Equal(t, sub, owner, "the command joins the compaction's turn")
	evs := until(t, c, "task_complete")
	got := types(evs)
	assert.Contains(t, got, "exec_command_end")
	assert.Contains(t, got, "context_compacted")
}

// TestCompactPromptReplacesTheSummaryRequest sets compact_prompt: it is
// the instruction of the summary request.
func TestCompactPromptReplacesTheSummaryRequest(t *testing.T) {
	f := newFixture(t, "", fakemodel.Script(
		fakemodel.Text("first answer"),
		fakemodel.Text("short summary"),
	))
	path := filepath.Join(f.home, "config.toml")
	old, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, append([]byte("compact_prompt = \"Summarise in one line.\"\n"), old...), 0o600))
	c := f.start(t)
	say(t, c, "hello")
	until(t, c, "task_complete")

	_, err = c.Submit(protocol.CompactOp{})
	require.NoError(t, err)
	until(t, c, "task_complete")
	in, _ := requestInput(t, f, 1)
	got := texts(in)
	require.NotEmpty(t, got)
	assert.Equal(t, "user: Summarise in one line.", got[len(got)-1])
}
