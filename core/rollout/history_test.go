package rollout_test

import (
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

// referenceLines is a rollout in the form codex-cli 0.171 records it: turns
// delimited by task_started and task_complete, messages as item_completed
// events, lines this program does not know.
const referenceLines = `{"timestamp":"2025-06-01T10:00:00.000Z","ordinal":0,"type":"session_meta","payload":{"id":"0190aaaa-0000-7000-8000-000000000000","timestamp":"2025-06-01T10:00:00.000Z","cwd":"/w","originator":"codex_vscode","cli_version":"0.171.0","source":"vscode","model_provider":"mock"}}
{"timestamp":"2025-06-01T10:00:01.000Z","ordinal":1,"type":"event_msg","payload":{"type":"task_started","turn_id":"turn-1"}}
{"timestamp":"2025-06-01T10:00:01.000Z","ordinal":2,"type":"world_state","payload":{"full":true}}
{"timestamp":"2025-06-01T10:00:01.000Z","ordinal":3,"type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"hello"}]}}
{"timestamp":"2025-06-01T10:00:01.000Z","ordinal":4,"type":"event_msg","payload":{"type":"item_completed","turn_id":"turn-1","item":{"type":"UserMessage","id":"u1","content":[{"type":"text","text":"hello","text_elements":[]}]}}}
{"timestamp":"2025-06-01T10:00:02.000Z","ordinal":5,"type":"event_msg","payload":{"type":"item_completed","turn_id":"turn-1","item":{"type":"AgentMessage","id":"m1","content":[{"type":"Text","text":"Answer 1"}]}}}
{"timestamp":"2025-06-01T10:00:02.000Z","ordinal":6,"type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Answer 1"}]}}
{"timestamp":"2025-06-01T10:00:02.000Z","ordinal":7,"type":"event_msg","payload":{"type":"task_complete","turn_id":"turn-1","last_agent_message":"Answer 1"}}
{"timestamp":"2025-06-01T10:00:03.000Z","ordinal":8,"type":"event_msg","payload":{"type":"task_started","turn_id":"turn-2"}}
{"timestamp":"2025-06-01T10:00:03.000Z","ordinal":9,"type":"compacted","payload":{"message":"summary"}}
{"timestamp":"2025-06-01T10:00:04.000Z","ordinal":10,"type":"event_msg","payload":{"type":"turn_aborted","reason":"interrupted"}}
`

func TestReadHistoryOfAReferenceRollout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rollout-2025-06-01T10-00-00-0190aaaa-0000-7000-8000-000000000000.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(referenceLines), 0o644))
	h, err := rollout.ReadHistory(path)
	require.NoError(t, err)
	assert.Equal(t, "mock", h.Meta.ModelProvider)
	assert.Equal(t, 1, h.Compactions)
	require.Len(t, h.Turns, 2)
	first := h.Turns[0]
	assert.Equal(t, "turn-1", first.ID)
	assert.Equal(t, rollout.TurnCompleted, first.End)
	require.Len(t, first.Events, 2)
	assert.Equal(t, protocol.UserMessageEvent{Message: "hello", Kind: protocol.KindPlain}, first.Events[0].Msg)
	assert.Equal(t, protocol.AgentMessageEvent{Message: "Answer 1", ItemID: "m1"}, first.Events[1].Msg)
	assert.Equal(t, 8, first.EndLine, "a fork keeping the first turn copies up to its task_complete")
	assert.Equal(t, rollout.TurnAborted, h.Turns[1].End)
}

func TestReadHistoryAndForkOfOurRollout(t *testing.T) {
	home := t.TempDir()
	start := at(2025, time.May, 2, 9, 0, 0)
	path := record(t, home, start, testID(1),
		protocol.UserText(envContext),
		protocol.UserText("one"),
		protocol.UserMessageEvent{Message: "one", Kind: protocol.KindPlain},
		protocol.AgentMessageEvent{Message: "first"},
		protocol.ResponseItem{Type: protocol.ItemMessage, Role: "assistant", Content: []protocol.ContentItem{{Type: protocol.ContentOutputText, Text: "first"}}},
		protocol.UserText("two"),
		protocol.UserMessageEvent{Message: "two", Kind: protocol.KindPlain},
		protocol.AgentMessageEvent{Message: "second"},
	)
	h, err := rollout.ReadHistory(path)
	require.NoError(t, err)
	require.Len(t, h.Turns, 2)
	assert.Equal(t, "", h.Turns[0].ID)
	assert.Equal(t, 6, h.Turns[0].EndLine, "up to the assistant's item, before the next input")

	meta := rollout.SessionMeta{ID: testID(2), ForkedFromID: testID(1), Cwd: "/w", Source: "vscode"}
	forked, err := rollout.Fork(home, path, meta, h.Turns[0].EndLine, start.Add(time.Hour), nil)
	require.NoError(t, err)
	rec, err := rollout.Read(forked)
	require.NoError(t, err)
	assert.Equal(t, testID(1), rec.Meta.ForkedFromID)
	var texts []string
	for _, it := range rec.Items {
		texts = append(texts, it.MessageText())
	}
	assert.Equal(t, []string{envContext, "one", "first"}, texts)
	fh, err := rollout.ReadHistory(forked)
	require.NoError(t, err)
	require.Len(t, fh.Turns, 1)
	assert.Equal(t, h.Turns[0].StartedAt, fh.Turns[0].StartedAt)
}

func TestNamesLastWins(t *testing.T) {
	home := t.TempDir()
	now := time.Now()
	require.NoError(t, rollout.SetName(home, testID(1), "first", now))
	require.NoError(t, rollout.SetName(home, testID(2), "other", now))
	require.NoError(t, rollout.SetName(home, testID(1), "renamed", now))
	f, err := os.OpenFile(filepath.Join(home, "session_index.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("not json\n{\"id\":\"" + testID(3) + "\",\"thread_name\":\"" + strings.Repeat("x", 70<<10) + "\"}\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.NoError(t, rollout.SetName(home, testID(4), "after", now))
	names, err := rollout.Names(home)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{testID(1): "renamed", testID(2): "other", testID(4): "after"}, names)
}
