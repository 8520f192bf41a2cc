package conversation

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/core/history"
	"github.com/codex-go/codex/core/rollout"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

type fixture struct {
	srv  *fakemodel.Server
	home string
	cwd  string
	mgr  *Manager
}

func newFixture(t *testing.T, extraTables string, h fakemodel.Handler) *fixture {
	t.Helper()
	srv := fakemodel.Start(h)
	t.Cleanup(srv.Close)
	home, cwd := t.TempDir(), t.TempDir()
	// extraTables must hold only tables: it comes after the provider's table.
	cfg := "model = \"gpt-5\"\napproval_policy = \"never\"\nsandbox_mode = \"workspace-write\"\n" + srv.ConfigTOML() + "\n" + extraTables
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600))
	mgr := NewManager(Deps{CodexHome: home, Source: "vscode", Getenv: func(k string) string {
		if k == "SHELL" {
			return "/bin/bash"
		}
		return ""
	}})
	t.Cleanup(func() { _ = mgr.Close(context.Background()) })
	return &fixture{srv: srv, home: home, cwd: cwd, mgr: mgr}
}

func (f *fixture) start(t *testing.T) *Conversation {
	t.Helper()
	cfg, err := config.Load(config.LoadOptions{CodexHome: f.home, Typed: config.Typed{Cwd: f.cwd}, Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	c, ev, err := f.mgr.NewConversation(context.Background(), cfg)
	require.NoError(t, err)
	assert.Equal(t, c.ID(), ev.SessionID)
	assert.Equal(t, "gpt-5", ev.Model)
	assert.Equal(t, c.RolloutPath(), ev.RolloutPath)
	return c
}

// until collects events up to and including the first of type stop.
func until(t *testing.T, c *Conversation, stop string) []protocol.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []protocol.Event
	for {
		ev, err := c.NextEvent(ctx)
		require.NoError(t, err, "waiting for %s; got %v", stop, types(out))
		out = append(out, ev)
		if ev.Msg.EventType() == stop {
			return out
		}
	}
}

func types(evs []protocol.Event) []string {
	var s []string
	for _, e := range evs {
		s = append(s, e.Msg.EventType())
	}
	return s
}

func say(t *testing.T, c *Conversation, text string) string {
	t.Helper()
	id, err := c.Submit(protocol.UserInputOp{Items: []protocol.InputItem{protocol.TextInput(text)}})
	require.NoError(t, err)
	return id
}

func TestTextTurnEventsAndRollout(t *testing.T) {
	f := newFixture(t, "", fakemodel.Script(fakemodel.TextDeltas([]string{"Hello ", "from mock"})))
	c := f.start(t)
	sub := say(t, c, "hi there")
	assert.Equal(t, "0", sub)
	evs := until(t, c, "task_complete")
	assert.Equal(t, []string{"task_started", "token_count", "agent_message_delta", "agent_message_delta", "agent_message", "token_count", "task_complete"}, types(evs))
	for _, e := range evs {
		assert.Equal(t, "0", e.ID)
	}
	done := evs[len(evs)-1].Msg.(protocol.TaskCompleteEvent)
	require.NotNil(t, done.LastAgentMessage)
	assert.Equal(t, "Hello from mock", *done.LastAgentMessage)
	last := evs[5].Msg.(protocol.TokenCountEvent)
	require.NotNil(t, last.Info)
	assert.Equal(t, int64(15), last.Info.TotalTokenUsage.TotalTokens)
	assert.Equal(t, int64(272000), *last.Info.ModelContextWindow)

	// The request carried the environment context and the user message.
	reqs := f.srv.Requests()
	require.Len(t, reqs, 1)
	var body struct {
		Model        string                  `json:"model"`
		Instructions string                  `json:"instructions"`
		Input        []protocol.ResponseItem `json:"input"`
	}
	require.NoError(t, json.Unmarshal(reqs[0].Body, &body))
	assert.Equal(t, "gpt-5", body.Model)
	assert.Equal(t, BaseInstructions(), body.Instructions)
	require.Len(t, body.Input, 2)
	assert.Equal(t, "<environment_context>\n  <cwd>"+f.cwd+"</cwd>\n  <approval_policy>never</approval_policy>\n  <sandbox_mode>workspace-write</sandbox_mode>\n  <network_access>restricted</network_access>\n  <shell>bash</shell>\n</environment_context>", body.Input[0].MessageText())
	assert.Equal(t, "hi there", body.Input[1].MessageText())

	// The rollout has the reference's line sequence, with the turn's start
	// and end recorded as later releases of the reference record them.
	require.NoError(t, f.mgr.Close(context.Background()))
	lines := readRollout(t, c.RolloutPath())
	assert.Equal(t, []string{
		"session_meta", "response_item:message", "event_msg:task_started", "response_item:message", "event_msg:user_message", "turn_context",
		"event_msg:token_count", "event_msg:agent_message", "event_msg:token_count", "response_item:message", "event_msg:task_complete",
	}, lines)
	assert.True(t, strings.HasPrefix(filepath.Base(c.RolloutPath()), "rollout-"))
	assert.Contains(t, c.RolloutPath(), filepath.Join(f.home, "sessions"))
}

func readRollout(t *testing.T, path string) []string {
	t.Helper()
	file, err := os.Open(path)
	require.NoError(t, err)
	defer file.Close()
	var out []string
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		var l rollout.Line
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		var p struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(l.Payload, &p)
		if p.Type != "" && l.Type != rollout.LineTurnContext && l.Type != rollout.LineSessionMeta {
			out = append(out, l.Type+":"+p.Type)
		} else {
			out = append(out, l.Type)
		}
	}
	return out
}

func TestUnknownToolCallIsAnsweredWithError(t *testing.T) {
	f := newFixture(t, "", fakemodel.Script(
		fakemodel.FunctionCall("call_1", "no_such_tool", `{}`),
		fakemodel.Text("ok"),
	))
	c := f.start(t)
	say(t, c, "go")
	evs := until(t, c, "task_complete")
	assert.Equal(t, "task_complete", evs[len(evs)-1].Msg.EventType())
	reqs := f.srv.Requests()
	require.Len(t, reqs, 2)
	var body struct {
		Input []protocol.ResponseItem `json:"input"`
	}
	require.NoError(t, json.Unmarshal(reqs[1].Body, &body))
	out := body.Input[len(body.Input)-1]
	assert.Equal(t, protocol.ItemFunctionCallOutput, out.Type)
	assert.Equal(t, "call_1", out.CallID)
	assert.Contains(t, out.Output, "unsupported call: no_such_tool")
}

func TestInterruptStopsStalledTurn(t *testing.T) {
	stall := fakemodel.Reply{Events: []fakemodel.SSE{fakemodel.Created(), fakemodel.OutputTextDelta("partial")}, Stall: true}
	f := newFixture(t, "", fakemodel.Script(stall, fakemodel.Text("second")))
	c := f.start(t)
	say(t, c, "slow please")
	until(t, c, "agent_message_delta")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reason, err := c.Interrupt(ctx)
	require.NoError(t, err)
	assert.Equal(t, protocol.AbortInterrupted, reason)
	evs := until(t, c, "turn_aborted")
	assert.Equal(t, protocol.AbortInterrupted, evs[len(evs)-1].Msg.(protocol.TurnAbortedEvent).Reason)

	// The conversation keeps working after an interrupt.
	say(t, c, "again")
	evs = until(t, c, "task_complete")
	assert.Equal(t, "second", *evs[len(evs)-1].Msg.(protocol.TaskCompleteEvent).LastAgentMessage)
}

func TestStreamErrorsRetryThenGiveUp(t *testing.T) {
	drop := fakemodel.Reply{Events: []fakemodel.SSE{fakemodel.Created(), fakemodel.OutputTextDelta("x")}, DropAfter: 2}
	f := newFixture(t, "", fakemodel.Script(drop, fakemodel.Text("recovered"), drop, drop))
	// Allow one stream retry.
	cfgPath := filepath.Join(f.home, "config.toml")
	data, err := os.ReadFile(cfgPath)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cfgPath, []byte(strings.Replace(string(data), "stream_max_retries = 0", "stream_max_retries = 1", 1)), 0o600))
	c := f.start(t)

	say(t, c, "first")
	evs := until(t, c, "task_complete")
	assert.Contains(t, types(evs), "stream_error")
	assert.Equal(t, "recovered", *evs[len(evs)-1].Msg.(protocol.TaskCompleteEvent).LastAgentMessage)

	say(t, c, "second")
	evs = until(t, c, "task_complete")
	got := types(evs)
	assert.Contains(t, got, "stream_error")
	assert.Contains(t, got, "error")
}

func TestInputDuringTurnIsPickedUp(t *testing.T) {
	first := fakemodel.Text("one")
	first.Delay = 100 * time.Millisecond
	f := newFixture(t, "", fakemodel.Script(first, fakemodel.Text("two")))
	c := f.start(t)
	say(t, c, "a")
	until(t, c, "task_started")
	say(t, c, "b")
	evs := until(t, c, "task_complete")
	assert.Equal(t, "two", *evs[len(evs)-1].Msg.(protocol.TaskCompleteEvent).LastAgentMessage)
	reqs := f.srv.Requests()
	require.Len(t, reqs, 2)
	assert.Contains(t, string(reqs[1].Body), `"text":"b"`)
}

func TestShutdownEndsEventStream(t *testing.T) {
	f := newFixture(t, "", fakemodel.Script())
	c := f.start(t)
	_, err := c.Submit(protocol.ShutdownOp{})
	require.NoError(t, err)
	until(t, c, "shutdown_complete")
	_, err = c.NextEvent(context.Background())
	assert.Error(t, err)
	_, err = c.Submit(protocol.UserInputOp{Items: []protocol.InputItem{protocol.TextInput("x")}})
	assert.ErrorIs(t, err, ErrClosed)
}

func TestConfigWarningsBecomeBackgroundEvents(t *testing.T) {
	f := newFixture(t, "[sandbox]\nmode = \"workspace-write\"\n", fakemodel.Script(fakemodel.Text("ok")))
	c := f.start(t)
	ev, err := c.NextEvent(context.Background())
	require.NoError(t, err)
	bg, ok := ev.Msg.(protocol.BackgroundEvent)
	require.True(t, ok, "first event is %s", ev.Msg.EventType())
	assert.Contains(t, bg.Message, "sandbox_mode")

	// The legacy table changed nothing: the conversation still works.
	say(t, c, "hello")
	evs := until(t, c, "task_complete")
	assert.Equal(t, "ok", *evs[len(evs)-1].Msg.(protocol.TaskCompleteEvent).LastAgentMessage)
}

func TestNotifyProgramRunsAfterTurn(t *testing.T) {
	out := filepath.Join(t.TempDir(), "notify.json")
	script := fmt.Sprintf("notify = [\"sh\", \"-c\", \"printf '%%s' \\\"$1\\\" > %s.tmp && mv %s.tmp %s\", \"notify\"]\n", out, out, out)
	f := newFixture(t, "", fakemodel.Script(fakemodel.Text("all done")))
	cfgPath := filepath.Join(f.home, "config.toml")
	data, err := os.ReadFile(cfgPath)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cfgPath, append([]byte(script), data...), 0o600))
	c := f.start(t)
	say(t, c, "please finish")
	until(t, c, "task_complete")
	require.Eventually(t, func() bool { _, err := os.Stat(out); return err == nil }, 10*time.Second, 10*time.Millisecond)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"agent-turn-complete","turn-id":"0","input-messages":["please finish"],"last-assistant-message":"all done"}`, string(got))
}

func TestResumeContinuesWithWholeHistory(t *testing.T) {
	f := newFixture(t, "", fakemodel.Script(fakemodel.Text("first answer"), fakemodel.Text("second answer")))
	c := f.start(t)
	say(t, c, "first question")
	until(t, c, "task_complete")
	path := c.RolloutPath()
	require.NoError(t, f.mgr.Close(context.Background()))

	cfg, err := config.Load(config.LoadOptions{CodexHome: f.home, Typed: config.Typed{Cwd: f.cwd}, Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	mgr := NewManager(Deps{CodexHome: f.home, Source: "vscode", Getenv: func(string) string { return "" }})
	t.Cleanup(func() { _ = mgr.Close(context.Background()) })
	resumed, ev, err := mgr.ResumeConversation(context.Background(), cfg, path)
	require.NoError(t, err)
	assert.Equal(t, c.ID(), resumed.ID())
	assert.Equal(t, path, ev.RolloutPath)
	var kinds []string
	for _, m := range ev.InitialMessages {
		kinds = append(kinds, m.EventType())
	}
	assert.Equal(t, []string{"user_message", "token_count", "agent_message", "token_count"}, kinds)
	assert.Equal(t, 1, ev.HistoryEntryCount)

	say(t, resumed, "second question")
	evs := until(t, resumed, "task_complete")
	assert.Equal(t, "second answer", *evs[len(evs)-1].Msg.(protocol.TaskCompleteEvent).LastAgentMessage)
	reqs := f.srv.Requests()
	require.Len(t, reqs, 2)
	var body struct {
		Input []protocol.ResponseItem `json:"input"`
	}
	require.NoError(t, json.Unmarshal(reqs[1].Body, &body))
	var texts []string
	for _, it := range body.Input {
		texts = append(texts, it.Role+":"+it.MessageText())
	}
	require.Len(t, texts, 4)
	assert.True(t, strings.HasPrefix(texts[0], "user:<environment_context>"))
	assert.Equal(t, []string{"user:first question", "assistant:first answer", "user:second question"}, texts[1:])

	// Resuming a conversation that is running is refused.
	_, _, err = mgr.ResumeConversation(context.Background(), cfg, path)
	assert.Error(t, err)
}

func TestHistoryRecordsUserMessages(t *testing.T) {
	f := newFixture(t, "", fakemodel.Script(fakemodel.Text("ok"), fakemodel.Text("ok")))
	c := f.start(t)
	say(t, c, "remember me")
	until(t, c, "task_complete")

	info, err := os.Stat(filepath.Join(f.home, "history.jsonl"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	c2 := f.start(t)
	logID, count, err := history.Open(f.home, history.PersistenceSaveAll, 0).Metadata()
	require.NoError(t, err)
	assert.Equal(t, 1, count)
	_, err = c2.Submit(protocol.GetHistoryEntryRequestOp{Offset: 0, LogID: logID})
	require.NoError(t, err)
	evs := until(t, c2, "get_history_entry_response")
	resp := evs[len(evs)-1].Msg.(protocol.GetHistoryEntryResponseEvent)
	require.NotNil(t, resp.Entry)
	assert.Equal(t, "remember me", resp.Entry.Text)
	assert.Equal(t, c.ID(), resp.Entry.ConversationID)
}

func TestHistoryPersistenceNone(t *testing.T) {
	f := newFixture(t, "[history]\npersistence = \"none\"\n", fakemodel.Script(fakemodel.Text("ok")))
	c := f.start(t)
	say(t, c, "forget me")
	until(t, c, "task_complete")
	_, err := os.Stat(filepath.Join(f.home, "history.jsonl"))
	assert.True(t, os.IsNotExist(err))
}

func TestStreamRetryKeepsToolCallsThatRan(t *testing.T) {
	call := fakemodel.FunctionCall("call_1", "no_such_tool", `{}`)
	// The call arrives, then the stream drops before response.completed.
	dropped := fakemodel.Reply{Events: call.Events[:len(call.Events)-1], DropAfter: len(call.Events) - 1}
	f := newFixture(t, "", fakemodel.Script(dropped, fakemodel.Text("done")))
	cfgPath := filepath.Join(f.home, "config.toml")
	data, err := os.ReadFile(cfgPath)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cfgPath, []byte(strings.Replace(string(data), "stream_max_retries = 0", "stream_max_retries = 1", 1)), 0o600))
	c := f.start(t)
	say(t, c, "go")
	evs := until(t, c, "task_complete")
	assert.Contains(t, types(evs), "stream_error")

	reqs := f.srv.Requests()
	require.Len(t, reqs, 2)
	var body struct {
		Input []protocol.ResponseItem `json:"input"`
	}
	require.NoError(t, json.Unmarshal(reqs[1].Body, &body))
	n := len(body.Input)
	require.GreaterOrEqual(t, n, 2)
	assert.Equal(t, protocol.ItemFunctionCall, body.Input[n-2].Type)
	assert.Equal(t, protocol.ItemFunctionCallOutput, body.Input[n-1].Type)
	assert.Equal(t, "call_1", body.Input[n-1].CallID)
}

func TestInputQueuedDuringAFailedTurnIsKept(t *testing.T) {
	slowFailure := fakemodel.Reply{Events: []fakemodel.SSE{fakemodel.Created(), fakemodel.OutputTextDelta("x"), fakemodel.Failed("model broke")}, Delay: 150 * time.Millisecond}
	f := newFixture(t, "", fakemodel.Script(slowFailure, fakemodel.Text("ok")))
	c := f.start(t)
	say(t, c, "first")
	until(t, c, "task_started")
	say(t, c, "queued while running")
	evs := until(t, c, "task_complete")
	assert.Contains(t, types(evs), "error")

	say(t, c, "third")
	until(t, c, "task_complete")
	reqs := f.srv.Requests()
	require.Len(t, reqs, 2)
	assert.Contains(t, string(reqs[1].Body), "queued while running")
}

func TestShutdownOpForgetsTheConversation(t *testing.T) {
	f := newFixture(t, "", fakemodel.Script())
	c := f.start(t)
	_, err := c.Submit(protocol.ShutdownOp{})
	require.NoError(t, err)
	until(t, c, "shutdown_complete")
	_, err = f.mgr.Get(c.ID())
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestWebSearchItemsBecomeEvents(t *testing.T) {
	search := protocol.ResponseItem{Type: protocol.ItemWebSearchCall, ID: "ws_1", Status: "completed",
		Action: json.RawMessage(`{"type":"search","query":"go landlock"}`)}
	reply := fakemodel.Turn(fakemodel.ItemAdded(protocol.ResponseItem{Type: protocol.ItemWebSearchCall, ID: "ws_1", Status: "in_progress"}),
		fakemodel.ItemDone(search), fakemodel.OutputTextDelta("found it"), fakemodel.ItemDone(protocol.AssistantText("found it")))
	f := newFixture(t, "[tools]\nweb_search = true\n", fakemodel.Script(reply))
	c := f.start(t)
	say(t, c, "search")
	evs := until(t, c, "task_complete")
	var begin *protocol.WebSearchBeginEvent
	var end *protocol.WebSearchEndEvent
	for _, e := range evs {
		switch m := e.Msg.(type) {
		case protocol.WebSearchBeginEvent:
			begin = &m
		case protocol.WebSearchEndEvent:
			end = &m
		}
	}
	require.NotNil(t, begin)
	require.NotNil(t, end)
	assert.Equal(t, "ws_1", begin.CallID)
	assert.Equal(t, protocol.WebSearchEndEvent{CallID: "ws_1", Query: "go landlock"}, *end)
	assert.Contains(t, string(f.srv.Requests()[0].Body), `{"type":"web_search"}`)
}

func TestListMcpToolsWithoutServers(t *testing.T) {
	f := newFixture(t, "", fakemodel.Script())
	c := f.start(t)
	_, err := c.Submit(protocol.ListMcpToolsOp{})
	require.NoError(t, err)
	evs := until(t, c, "mcp_list_tools_response")
	assert.Empty(t, evs[len(evs)-1].Msg.(protocol.McpListToolsResponseEvent).Tools)
}
