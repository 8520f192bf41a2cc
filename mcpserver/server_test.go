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
	// 0.153.4 answers the same, with its own version.
	want153 := strings.NewReplacer(`"0.153.4"`, fmt.Sprintf("%q", version.Version),
		`"codex_cli_rs/0.153.4 (Debian 12.0.0; x86_64) xterm (test; 0.0.1)"`, fmt.Sprintf("%q", res.ServerInfo.UserAgent)).Replace(string(capture153Answer(t, 1)))
	assert.JSONEq(t, want153, string(init.Result))

	s.send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	got, err := protocol.Marshal(toolList())
	require.NoError(t, err)
	assert.Equal(t, string(got), string(s.response(2).Result))

	s.send(`{"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"again","version":"2"}}}`)
	assert.Equal(t, `{"error":{"code":-32600,"message":"initialize called more than once"},"id":3,"jsonrpc":"2.0"}`, s.response(3).Raw)
	s.send(`{"id":4,"method":"ping"}`)
	assert.Equal(t, `{"id":4,"jsonrpc":"2.0","result":{}}`, s.response(4).Raw)
	// No resources or prompts are offered: their methods are unknown (the
	// reference leaves them unanswered).
	s.send(`{"jsonrpc":"2.0","id":5,"method":"resources/list"}`)
	assert.Equal(t, `{"error":{"code":-32601,"message":"Method not found: resources/list"},"id":5,"jsonrpc":"2.0"}`, s.response(5).Raw)
	s.send(`{"jsonrpc":"2.0","id":8,"method":"prompts/list"}`)
	assert.Equal(t, `{"error":{"code":-32601,"message":"Method not found: prompts/list"},"id":8,"jsonrpc":"2.0"}`, s.response(8).Raw)
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
// a codex/event line: the session (thread) id, the rollout path and the
// submission id.
func normalizeEvent(line string) string {
	line = regexp.MustCompile(`"session_id":"[^"]+"`).ReplaceAllString(line, `"session_id":"SESSION"`)
	line = regexp.MustCompile(`"threadId":"[^"]+"`).ReplaceAllString(line, `"threadId":"SESSION"`)
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
			// The events are 0.45's; their _meta is 0.153.4's, which adds
			// the thread id.
			line := strings.Replace(sc.Text(), `"_meta":{"requestId":3}`, `"_meta":{"requestId":3,"threadId":"SESSION"}`, 1)
			want = append(want, normalizeEvent(line))
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

	for _, m := range events {
		var p struct {
			Meta map[string]any `json:"_meta"`
		}
		require.NoError(t, json.Unmarshal(m.Params, &p))
		assert.Equal(t, map[string]any{"requestId": float64(3), "threadId": sc2.SessionID}, p.Meta)
	}

	// The result is 0.153.4's: the text, and the thread with the text as
	// structuredContent.
	want153 := strings.ReplaceAll(string(capture153Answer(t, 3)), "<UUID-1>", sc2.SessionID)
	assert.JSONEq(t, want153, string(s.response(3).Result))
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
			s, approval, conv := approvalTurn(t, true)
			req := s.elicitation()
			assert.Equal(t, "0", string(req.ID), "server request ids start at 0")
			want := fmt.Sprintf("{\"message\":\"Allow Codex to run `bash -lc 'echo hi > out.txt; cat out.txt'` in `%s`?\","+
				`"requestedSchema":{"type":"object","properties":{}},"threadId":%q,"codex_elicitation":"exec-approval","codex_mcp_tool_call_id":"3",`+
				`"codex_event_id":%q,"codex_call_id":"call1","codex_command":["bash","-lc","echo hi > out.txt; cat out.txt"],"codex_cwd":%q,`+
				`"codex_parsed_cmd":[{"type":"unknown","cmd":"echo hi > out.txt; cat out.txt"}]}`,
				s.work, conv, approval.ID, s.work)
			assert.Equal(t, want, string(req.Params))

			s.send(tt.answer, req.ID)
			end := s.events(3, "exec_command_end")
			var ended protocol.ExecCommandEndEvent
			require.NoError(t, json.Unmarshal(end[len(end)-1].asEvent(t).MsgRaw, &ended))
			s.events(3, "task_complete")
			assert.Equal(t, textResult("Hello from mock").inThread(conv), result(t, s.response(3)))

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
	assert.Equal(t, errorResult("Turn aborted: interrupted").inThread(conv), result(t, s.response(3)))
	assert.NoFileExists(t, filepath.Join(s.work, "out.txt"))

	s.callTool(4, ToolCodexReply, map[string]any{"threadId": conv, "prompt": "never mind"})
	s.events(4, "task_complete")
	assert.Equal(t, textResult("Hello from mock").inThread(conv), result(t, s.response(4)))
	assert.Empty(t, s.close())
}

func TestCodexReplyContinuesTheConversation(t *testing.T) {
	s := startSession(t, fakemodel.Script(hello(), fakemodel.TextDeltas([]string{"Second answer"}), fakemodel.TextDeltas([]string{"Third answer"})))
	s.initialize(true)
	s.callTool(3, ToolCodex, map[string]any{"prompt": "first", "cwd": s.work})
	first := s.events(3, "task_complete")
	var configured protocol.SessionConfiguredEvent
	require.NoError(t, json.Unmarshal(first[0].asEvent(t).MsgRaw, &configured))
	thread := configured.SessionID
	assert.Equal(t, textResult("Hello from mock").inThread(thread), result(t, s.response(3)))

	s.callTool(4, ToolCodexReply, map[string]any{"threadId": thread, "prompt": "second"})
	second := s.events(4, "task_complete")
	assert.NotEqual(t, "session_configured", second[0].asEvent(t).Msg.Type)
	for _, m := range second {
		assert.NotEqual(t, first[1].asEvent(t).ID, m.asEvent(t).ID, "the reply's turn has its own submission id")
		var p struct {
			Meta struct {
				ThreadID string `json:"threadId"`
			} `json:"_meta"`
		}
		require.NoError(t, json.Unmarshal(m.Params, &p))
		assert.Equal(t, thread, p.Meta.ThreadID)
	}
	assert.Equal(t, textResult("Second answer").inThread(thread), result(t, s.response(4)))

	reqs := s.model.Requests()
	require.Len(t, reqs, 2)
	assert.Contains(t, string(reqs[1].Body), "Hello from mock", "the second request carries the history")
	assert.Equal(t, thread, reqs[1].Header.Get("session_id"))

	// The deprecated conversationId still works.
	s.callTool(5, ToolCodexReply, map[string]any{"conversationId": thread, "prompt": "third"})
	s.events(5, "task_complete")
	assert.Equal(t, textResult("Third answer").inThread(thread), result(t, s.response(5)))

	// An unknown thread is reported with the thread named, as 0.153.4 does;
	// threadId wins over conversationId.
	s.callTool(6, ToolCodexReply, map[string]any{"threadId": "00000000-0000-0000-0000-000000000000", "conversationId": thread, "prompt": "x"})
	assert.JSONEq(t, `{"content":[{"text":"Session not found for thread_id: 00000000-0000-0000-0000-000000000000","type":"text"}],"isError":true,`+
		`"structuredContent":{"threadId":"00000000-0000-0000-0000-000000000000","content":"Session not found for thread_id: 00000000-0000-0000-0000-000000000000"}}`,
		string(s.response(6).Result))
	s.callTool(7, ToolCodexReply, map[string]any{"prompt": "x"})
	assert.Equal(t, errorResult("Failed to parse thread_id: either threadId or conversationId must be provided"), result(t, s.response(7)))
	s.callTool(8, ToolCodexReply, map[string]any{"threadId": thread})
	assert.Equal(t, errorResult("Failed to parse configuration for Codex tool: missing field `prompt`"), result(t, s.response(8)))
	s.send(`{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"codex-reply"}}`)
	assert.Equal(t, errorResult("Missing arguments for codex-reply: `threadId` (or the deprecated `conversationId`) and `prompt` are required."), result(t, s.response(9)))
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
	r := result(t, s.response(3))
	assert.Equal(t, "Hello from mock", r.Content[0].Text)
	assert.False(t, r.IsError)
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
	s.callTool(5, ToolCodexReply, map[string]any{"threadId": configured.SessionID, "prompt": "again"})
	s.events(5, "task_complete")
	assert.Equal(t, textResult("Hello from mock").inThread(configured.SessionID), result(t, s.response(5)))
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
	a := s.events(3, "task_started")
	s.callTool(4, ToolCodex, map[string]any{"prompt": "prompt B", "cwd": s.work})
	b := s.events(4, "task_complete")
	s.events(3, "task_complete")
	session := func(evs []wireMsg) string {
		var c protocol.SessionConfiguredEvent
		require.NoError(t, json.Unmarshal(evs[0].asEvent(t).MsgRaw, &c))
		return c.SessionID
	}
	assert.Equal(t, textResult("answer B").inThread(session(b)), result(t, s.response(4)))
	assert.Equal(t, textResult("answer A").inThread(session(a)), result(t, s.response(3)))
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
	assert.Equal(t, textResult("Hello from mock").inThread(configured.SessionID), result(t, s.response(-8)))
	for _, m := range s.close() {
		assert.NotEqual(t, "-7", string(m.ID), "the cancelled request was answered: %s", m.Raw)
	}
}

func TestDeveloperInstructionsAndCompactPrompt(t *testing.T) {
	s := startSession(t, fakemodel.Script(hello(), fakemodel.TextDeltas([]string{"a short summary"}), fakemodel.TextDeltas([]string{"Second answer"})))
	s.initialize(true)
	s.callTool(3, ToolCodex, map[string]any{
		"prompt": "first", "cwd": s.work,
		"developer-instructions": "Answer in French.",
		"compact-prompt":         "Summarise the conversation in one line.",
		// A tiny limit: the next turn starts by compacting the history.
		"config": map[string]any{"model_auto_compact_token_limit": 5},
	})
	evs := s.events(3, "task_complete")
	var configured protocol.SessionConfiguredEvent
	require.NoError(t, json.Unmarshal(evs[0].asEvent(t).MsgRaw, &configured))
	s.response(3)
	s.callTool(4, ToolCodexReply, map[string]any{"threadId": configured.SessionID, "prompt": "second"})
	s.events(4, "task_complete")
	assert.Equal(t, textResult("Second answer").inThread(configured.SessionID), result(t, s.response(4)))

	type message struct {
		Role    string `json:"role"`
		Content []struct {
			Text string `json:"text"`
		} `json:"content"`
	}
	input := func(n int) []message {
		var body struct {
			Input []message `json:"input"`
		}
		require.NoError(t, json.Unmarshal(s.model.Requests()[n].Body, &body))
		return body.Input
	}
	require.Len(t, s.model.Requests(), 3)
	var developer []string
	for _, m := range input(0) {
		if m.Role == "developer" {
			developer = append(developer, m.Content[0].Text)
		}
	}
	assert.Contains(t, developer, "Answer in French.")
	summary := input(1)
	require.NotEmpty(t, summary)
	last := summary[len(summary)-1]
	assert.Equal(t, "user", last.Role)
	assert.Equal(t, "Summarise the conversation in one line.", last.Content[0].Text, "the summary request is the compact prompt")
	assert.Empty(t, s.close())
}

func TestCodexRefusesUnknownArguments(t *testing.T) {
	s := startSession(t, fakemodel.Script())
	s.initialize(true)
	s.callTool(3, ToolCodex, map[string]any{"prompt": "x", "aproval-policy": "never"})
	r := result(t, s.response(3))
	assert.True(t, r.IsError)
	assert.Nil(t, r.StructuredContent, "no thread was started")
	assert.True(t, strings.HasPrefix(r.Content[0].Text, "Failed to parse configuration for Codex tool: unknown field `aproval-policy`, expected one of `prompt`, "), r.Content[0].Text)
	assert.Empty(t, s.model.Requests())
	assert.Empty(t, s.close())
}
