package mcpserver

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/internal/version"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

// hello is the fake model's closing answer.
func hello() fakemodel.Reply { return fakemodel.TextDeltas([]string{"Hello from mock"}) }

// bash is a reply asking for `bash -lc script`.
func bash(callID, script string) fakemodel.Reply {
	b, err := json.Marshal(map[string]any{"command": []string{"bash", "-lc", script}})
	if err != nil {
		panic(err)
	}
	return fakemodel.FunctionCall(callID, "shell", string(b))
}

// writeScript writes out.txt in the working directory and prints it.
const writeScript = "echo hi > out.txt; cat out.txt"

func TestHandshakeMatchesCapture(t *testing.T) {
	s := startSession(t, fakemodel.Script())
	init := s.initialize(true)
	var res initializeResult
	require.NoError(t, json.Unmarshal(init.Result, &res))
	assert.Regexp(t, `^codex_cli_go/`+regexp.QuoteMeta(version.Version)+` \(\S.*; \S+\) \S+ \(t; 1\)$`, res.ServerInfo.UserAgent)
	want := strings.NewReplacer(`"version":"0.45.0"`, `"version":"`+version.Version+`"`,
		`"codex_cli_rs/0.45.0 (Debian 12.0.0; x86_64) xterm (t; 1)"`, fmt.Sprintf("%q", res.ServerInfo.UserAgent)).Replace(captureLine(t, 1))
	assert.Equal(t, want, init.Raw)

	s.send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	assert.Equal(t, captureLine(t, 2), s.response(2).Raw)

	s.send(`{"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"again","version":"2"}}}`)
	assert.Equal(t, `{"error":{"code":-32600,"message":"initialize called more than once"},"id":3,"jsonrpc":"2.0"}`, s.response(3).Raw)
	s.send(`{"id":4,"method":"ping"}`)
	assert.Equal(t, `{"id":4,"jsonrpc":"2.0","result":{}}`, s.response(4).Raw)
	s.send(`{"jsonrpc":"2.0","id":5,"method":"resources/list"}`)
	assert.Equal(t, `{"error":{"code":-32601,"message":"Method not found: resources/list"},"id":5,"jsonrpc":"2.0"}`, s.response(5).Raw)
	s.send(`{"jsonrpc":"2.0","id":"six","method":"tools/call","params":{"name":"nope","arguments":{}}}`)
	assert.Equal(t, `{"id":"six","jsonrpc":"2.0","result":{"content":[{"text":"Unknown tool 'nope'","type":"text"}],"isError":true}}`,
		s.take(func(m wireMsg) bool { return string(m.ID) == `"six"` }, "response to six").Raw)
	s.send(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":"nope"}`)
	assert.Equal(t, int64(-32602), s.response(7).Error.Code)
	assert.Empty(t, s.close())
}

func TestProtocolVersionNegotiation(t *testing.T) {
	tests := []struct{ asked, want string }{
		{"2024-11-05", "2024-11-05"},
		{"2025-03-26", "2025-03-26"},
		{"2025-06-18", "2025-06-18"},
		{"2025-11-25", "2025-11-25"},
		{"2099-01-01", "2025-11-25"},
	}
	for _, tt := range tests {
		t.Run(tt.asked, func(t *testing.T) {
			s := startSession(t, fakemodel.Script())
			s.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":%q,"capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`, tt.asked)
			var res initializeResult
			require.NoError(t, json.Unmarshal(s.response(1).Result, &res))
			assert.Equal(t, tt.want, res.ProtocolVersion)
		})
	}
}

// normalizeEvent replaces what differs between runs and implementations in
// a codex/event line: the session id, the rollout path and the submission id.
func normalizeEvent(line string) string {
	line = regexp.MustCompile(`"session_id":"[^"]+"`).ReplaceAllString(line, `"session_id":"SESSION"`)
	line = regexp.MustCompile(`"rollout_path":"[^"]+"`).ReplaceAllString(line, `"rollout_path":"ROLLOUT"`)
	return regexp.MustCompile(`\},"id":"\d+","msg"`).ReplaceAllString(line, `},"id":"SUB","msg"`)
}

func TestTextTurnMatchesCapture(t *testing.T) {
	s := startSession(t, fakemodel.Script(hello()))
	s.initialize(true)
	s.send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	s.response(2)
	s.callTool(3, ToolCodex, map[string]any{"prompt": "say hello", "cwd": s.work})

	f, err := os.Open(filepath.Join("..", "protocol", "testdata", "reference", "mcpserver-codex-tool.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	var want []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"method":"codex/event"`) {
			want = append(want, normalizeEvent(sc.Text()))
		}
	}
	events := s.events(3, "task_complete")
	got := make([]string, len(events))
	for i, m := range events {
		got[i] = normalizeEvent(m.Raw)
	}
	assert.Equal(t, want, got)

	configured := events[0].asEvent(t)
	var sc2 protocol.SessionConfiguredEvent
	require.NoError(t, json.Unmarshal(configured.MsgRaw, &sc2))
	assert.FileExists(t, sc2.RolloutPath)
	assert.True(t, strings.HasPrefix(sc2.RolloutPath, filepath.Join(s.home, "sessions")+string(filepath.Separator)), sc2.RolloutPath)

	assert.Equal(t, captureLine(t, 3), s.response(3).Raw)
	assert.Empty(t, s.close())
}

// approvalTurn starts a codex call (request 3) whose model runs writeScript
// with approval untrusted and no sandbox. It returns after the
// exec_approval_request event, with that event and the conversation id.
func approvalTurn(t *testing.T, elicits bool) (*session, event, string) {
	t.Helper()
	s := startSession(t, fakemodel.Script(bash("call1", writeScript), hello(), hello()))
	s.initialize(elicits)
	s.callTool(3, ToolCodex, map[string]any{
		"prompt": "write it", "cwd": s.work, "approval-policy": "untrusted", "sandbox": "danger-full-access",
	})
	evs := s.events(3, "exec_approval_request")
	var configured protocol.SessionConfiguredEvent
	require.NoError(t, json.Unmarshal(evs[0].asEvent(t).MsgRaw, &configured))
	return s, evs[len(evs)-1].asEvent(t), configured.SessionID
}

func TestApprovalAnswers(t *testing.T) {
	tests := []struct {
		name    string
		answer  string // the JSON-RPC answer to the elicitation, %s is its id
		written bool
	}{
		{name: "reference approval", answer: `{"jsonrpc":"2.0","id":%s,"result":{"decision":"approved"}}`, written: true},
		{name: "approved for the session", answer: `{"jsonrpc":"2.0","id":%s,"result":{"decision":"approved_for_session"}}`, written: true},
		{name: "MCP accept", answer: `{"jsonrpc":"2.0","id":%s,"result":{"action":"accept","content":{}}}`, written: true},
		{name: "reference denial", answer: `{"jsonrpc":"2.0","id":%s,"result":{"decision":"denied"}}`},
		{name: "MCP decline", answer: `{"jsonrpc":"2.0","id":%s,"result":{"action":"decline"}}`},
		{name: "MCP cancel", answer: `{"jsonrpc":"2.0","id":%s,"result":{"action":"cancel"}}`},
		{name: "error answer", answer: `{"jsonrpc":"2.0","id":%s,"error":{"code":-32603,"message":"no user here"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, approval, _ := approvalTurn(t, true)
			req := s.elicitation()
			assert.Equal(t, "0", string(req.ID), "server request ids start at 0")
			want := fmt.Sprintf("{\"message\":\"Allow Codex to run `bash -lc 'echo hi > out.txt; cat out.txt'` in `%s`?\","+
				`"requestedSchema":{"properties":{},"type":"object"},"codex_elicitation":"exec-approval","codex_mcp_tool_call_id":"3",`+
				`"codex_event_id":%q,"codex_call_id":"call1","codex_command":["bash","-lc","echo hi > out.txt; cat out.txt"],"codex_cwd":%q}`,
				s.work, approval.ID, s.work)
			assert.Equal(t, want, string(req.Params))

			s.send(tt.answer, req.ID)
			end := s.events(3, "exec_command_end")
			var ended protocol.ExecCommandEndEvent
			require.NoError(t, json.Unmarshal(end[len(end)-1].asEvent(t).MsgRaw, &ended))
			s.events(3, "task_complete")
			assert.Equal(t, textResult("Hello from mock"), result(t, s.response(3)))

			content, err := os.ReadFile(filepath.Join(s.work, "out.txt"))
			if tt.written {
				require.NoError(t, err)
				assert.Equal(t, "hi\n", string(content))
				assert.Equal(t, 0, ended.ExitCode)
			} else {
				assert.True(t, os.IsNotExist(err), "out.txt was written")
				assert.NotEqual(t, 0, ended.ExitCode)
			}
			assert.Empty(t, s.close())
		})
	}
}

func TestAbortAnswerEndsTheCallAndTheConversationGoesOn(t *testing.T) {
	s, _, conv := approvalTurn(t, true)
	req := s.elicitation()
	s.send(`{"jsonrpc":"2.0","id":%s,"result":{"decision":"abort"}}`, req.ID)
	evs := s.events(3, "turn_aborted")
	assert.JSONEq(t, `{"type":"turn_aborted","reason":"interrupted"}`, string(evs[len(evs)-1].asEvent(t).MsgRaw))
	assert.Equal(t, errorResult("Turn aborted: interrupted"), result(t, s.response(3)))
	assert.NoFileExists(t, filepath.Join(s.work, "out.txt"))

	s.callTool(4, ToolCodexReply, map[string]any{"conversationId": conv, "prompt": "never mind"})
	s.events(4, "task_complete")
	assert.Equal(t, textResult("Hello from mock"), result(t, s.response(4)))
	assert.Empty(t, s.close())
}

func TestCodexReplyContinuesTheConversation(t *testing.T) {
	s := startSession(t, fakemodel.Script(hello(), fakemodel.TextDeltas([]string{"Second answer"})))
	s.initialize(true)
	s.callTool(3, ToolCodex, map[string]any{"prompt": "first", "cwd": s.work})
	first := s.events(3, "task_complete")
	var configured protocol.SessionConfiguredEvent
	require.NoError(t, json.Unmarshal(first[0].asEvent(t).MsgRaw, &configured))
	assert.Equal(t, textResult("Hello from mock"), result(t, s.response(3)))

	s.callTool(4, ToolCodexReply, map[string]any{"conversationId": configured.SessionID, "prompt": "second"})
	second := s.events(4, "task_complete")
	assert.NotEqual(t, "session_configured", second[0].asEvent(t).Msg.Type)
	for _, m := range second {
		assert.NotEqual(t, first[1].asEvent(t).ID, m.asEvent(t).ID, "the reply's turn has its own submission id")
	}
	assert.Equal(t, textResult("Second answer"), result(t, s.response(4)))

	reqs := s.model.Requests()
	require.Len(t, reqs, 2)
	assert.Contains(t, string(reqs[1].Body), "Hello from mock", "the second request carries the history")
	assert.Equal(t, configured.SessionID, reqs[1].Header.Get("session_id"))

	s.callTool(5, ToolCodexReply, map[string]any{"conversationId": "00000000-0000-0000-0000-000000000000", "prompt": "x"})
	assert.Equal(t, `{"id":5,"jsonrpc":"2.0","result":{"content":[{"text":"Session not found for conversation_id: 00000000-0000-0000-0000-000000000000","type":"text"}],"isError":true}}`,
		s.response(5).Raw)
	s.callTool(6, ToolCodexReply, map[string]any{"prompt": "x"})
	assert.Equal(t, errorResult("Failed to parse configuration for Codex tool: missing field `conversationId`"), result(t, s.response(6)))
	assert.Empty(t, s.close())
}

func TestNoElicitationCapabilityDeniesAtOnce(t *testing.T) {
	s, approval, _ := approvalTurn(t, false)
	evs := s.events(3, "task_complete")
	var sawNote, sawEnd bool
	for _, m := range evs {
		e := m.asEvent(t)
		switch e.Msg.Type {
		case "background_event":
			sawNote = true
			assert.Equal(t, approval.ID, e.ID)
			assert.JSONEq(t, `{"type":"background_event","message":"the MCP client does not support elicitation, so the command was denied"}`, string(e.MsgRaw))
		case "exec_command_end":
			sawEnd = true
			var ended protocol.ExecCommandEndEvent
			require.NoError(t, json.Unmarshal(e.MsgRaw, &ended))
			assert.NotEqual(t, 0, ended.ExitCode)
		}
	}
	assert.True(t, sawNote, "no background_event explained the denial")
	assert.True(t, sawEnd, "no exec_command_end for the denied command")
	assert.Equal(t, textResult("Hello from mock"), result(t, s.response(3)))
	assert.NoFileExists(t, filepath.Join(s.work, "out.txt"))
	for _, m := range s.close() {
		assert.NotEqual(t, "elicitation/create", m.Method, "the client was asked although it cannot answer")
	}
}

// stall is a reply that streams one delta and then never completes.
func stall() fakemodel.Reply {
	r := fakemodel.Turn(fakemodel.OutputTextDelta("partial"))
	r.Events = r.Events[:len(r.Events)-1]
	r.Stall = true
	return r
}

func TestCancellationInterruptsWithoutAnswer(t *testing.T) {
	s := startSession(t, fakemodel.Script(stall(), hello()))
	s.initialize(true)
	s.callTool(3, ToolCodex, map[string]any{"prompt": "take your time", "cwd": s.work})
	first := s.events(3, "agent_message_delta")
	var configured protocol.SessionConfiguredEvent
	require.NoError(t, json.Unmarshal(first[0].asEvent(t).MsgRaw, &configured))

	// A reply to a conversation whose turn is still running is refused.
	s.callTool(4, ToolCodexReply, map[string]any{"conversationId": configured.SessionID, "prompt": "and?"})
	r := result(t, s.response(4))
	assert.True(t, r.IsError)
	assert.Contains(t, r.Content[0].Text, "is still running a turn")

	s.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3,"reason":"user gave up"}}`)
	s.events(3, "turn_aborted")

	// The conversation is free again.
	s.callTool(5, ToolCodexReply, map[string]any{"conversationId": configured.SessionID, "prompt": "again"})
	s.events(5, "task_complete")
	assert.Equal(t, textResult("Hello from mock"), result(t, s.response(5)))
	for _, m := range s.close() {
		assert.NotEqual(t, "3", string(m.ID), "the cancelled request was answered: %s", m.Raw)
	}
}

func TestConcurrentCalls(t *testing.T) {
	// The model answers A only once B's request arrived, so A can only
	// finish if both calls run at the same time.
	bArrived := make(chan struct{})
	handler := func(r fakemodel.Recorded, _ int) fakemodel.Reply {
		if strings.Contains(string(r.Body), "prompt B") {
			close(bArrived)
			return fakemodel.TextDeltas([]string{"answer B"})
		}
		select {
		case <-bArrived:
		case <-time.After(waitLimit):
		}
		return fakemodel.TextDeltas([]string{"answer A"})
	}
	s := startSession(t, handler)
	s.initialize(true)
	s.callTool(3, ToolCodex, map[string]any{"prompt": "prompt A", "cwd": s.work})
	s.events(3, "task_started")
	s.callTool(4, ToolCodex, map[string]any{"prompt": "prompt B", "cwd": s.work})
	b := s.events(4, "task_complete")
	a := s.events(3, "task_complete")
	assert.Equal(t, textResult("answer B"), result(t, s.response(4)))
	assert.Equal(t, textResult("answer A"), result(t, s.response(3)))

	session := func(evs []wireMsg) string {
		var c protocol.SessionConfiguredEvent
		require.NoError(t, json.Unmarshal(evs[0].asEvent(t).MsgRaw, &c))
		return c.SessionID
	}
	assert.NotEqual(t, session(a), session(b))
	assert.Empty(t, s.close())
}

func TestInputEndAnswersFinishedCallsAndFlushesRollouts(t *testing.T) {
	s := startSession(t, fakemodel.Script(stall()))
	s.initialize(true)
	s.callTool(3, ToolCodex, map[string]any{"prompt": "long", "cwd": s.work})
	evs := s.events(3, "agent_message_delta")
	var configured protocol.SessionConfiguredEvent
	require.NoError(t, json.Unmarshal(evs[0].asEvent(t).MsgRaw, &configured))
	s.callTool(4, ToolCodex, map[string]any{})
	rest := s.close()

	var answered []string
	for _, m := range rest {
		if m.Method == "" {
			answered = append(answered, string(m.ID))
		}
	}
	assert.Equal(t, []string{"4"}, answered, "only the finished call is answered")
	data, err := os.ReadFile(configured.RolloutPath)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"type":"turn_aborted"`, "the interrupted turn was recorded")
}

func TestLoadConfigPrecedence(t *testing.T) {
	home := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte("model = \"gpt-5\"\nmodel_reasoning_effort = \"low\"\n"), 0o600))
	var overrides []config.Override
	for _, raw := range []string{`model="from-flag"`, `model_reasoning_effort="medium"`, `model_verbosity="low"`} {
		ov, err := config.ParseOverride(raw)
		require.NoError(t, err)
		overrides = append(overrides, ov)
	}
	extra := t.TempDir()
	srv := New(Options{CodexHome: home, Overrides: overrides, Typed: config.Typed{
		SandboxMode: protocol.SandboxReadOnly, AdditionalWritableRoots: []string{extra},
	}})

	cfg, err := srv.loadConfig(CodexArgs{Prompt: "x"})
	require.NoError(t, err)
	assert.Equal(t, "from-flag", cfg.Model)
	assert.Equal(t, protocol.EffortMedium, cfg.ModelReasoningEffort)
	assert.Equal(t, protocol.SandboxReadOnly, cfg.SandboxPolicy.Mode)

	model := "o3"
	workspace := protocol.SandboxWorkspaceWrite
	cfg, err = srv.loadConfig(CodexArgs{
		Prompt: "x", Model: &model, Sandbox: &workspace,
		Config: map[string]any{"model_reasoning_effort": "high"},
	})
	require.NoError(t, err)
	assert.Equal(t, "o3", cfg.Model, "a typed argument beats -c")
	assert.Equal(t, protocol.EffortHigh, cfg.ModelReasoningEffort, "the config argument beats -c")
	assert.Equal(t, protocol.VerbosityLow, cfg.ModelVerbosity, "-c still applies")
	assert.Equal(t, protocol.SandboxWorkspaceWrite, cfg.SandboxPolicy.Mode)
	assert.Contains(t, cfg.SandboxPolicy.WritableRoots, extra, "--add-dir applies")

	_, err = srv.loadConfig(CodexArgs{Prompt: "x", Profile: strPtr("missing")})
	assert.Error(t, err)
}

// TestNegativeRequestIDs checks that ids jsonrpc2 cannot hold as numbers
// come back as sent: in the answer, in the events' _meta.requestId and in
// a cancellation naming the request.
func TestNegativeRequestIDs(t *testing.T) {
	s := startSession(t, fakemodel.Script(stall(), hello()))
	s.initialize(true)
	s.callTool(-7, ToolCodex, map[string]any{"prompt": "take your time", "cwd": s.work})
	first := s.events(-7, "agent_message_delta")
	var configured protocol.SessionConfiguredEvent
	require.NoError(t, json.Unmarshal(first[0].asEvent(t).MsgRaw, &configured))
	s.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":-7}}`)
	s.events(-7, "turn_aborted")

	s.callTool(-8, ToolCodexReply, map[string]any{"conversationId": configured.SessionID, "prompt": "again"})
	s.events(-8, "task_complete")
	assert.Equal(t, textResult("Hello from mock"), result(t, s.response(-8)))
	for _, m := range s.close() {
		assert.NotEqual(t, "-7", string(m.ID), "the cancelled request was answered: %s", m.Raw)
	}
}
