package tests

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/tests/fakemodel"
)

// mockConfig is a config.toml selecting the fake provider at url with the
// given retry limits.
func mockConfig(url string, requestRetries, streamRetries int) string {
	return fmt.Sprintf(`model = "gpt-5"
model_provider = "mock"

[model_providers.mock]
name = "mock"
base_url = %q
wire_api = "responses"
request_max_retries = %d
stream_max_retries = %d
`, url, requestRetries, streamRetries)
}

// startWithModel starts a fake provider answering with handler and an app
// server using it, and performs the handshake.
func startWithModel(t *testing.T, handler fakemodel.Handler, requestRetries, streamRetries int) (*appServer, *fakemodel.Server) {
	t.Helper()
	model := fakemodel.Start(handler)
	t.Cleanup(model.Close)
	s := startAppServer(t, serverEnv{config: mockConfig(model.URL, requestRetries, streamRetries)})
	s.initialize()
	return s, model
}

// Lines of the reference capture appserver-shell-never.jsonl for the text
// part of a turn; CONV stands for the conversation id. The token_count with
// usage is the one reporting a single model call.
const (
	captureTaskStarted    = `{"method":"codex/event/task_started","params":{"id":"0","msg":{"type":"task_started","model_context_window":272000},"conversationId":"CONV"}}`
	captureTokenCountNull = `{"method":"codex/event/token_count","params":{"id":"0","msg":{"type":"token_count","info":null,"rate_limits":{"primary":null,"secondary":null}},"conversationId":"CONV"}}`
	captureDelta          = `{"method":"codex/event/agent_message_delta","params":{"id":"0","msg":{"type":"agent_message_delta","delta":"Hello from mock"},"conversationId":"CONV"}}`
	captureAgentMessage   = `{"method":"codex/event/agent_message","params":{"id":"0","msg":{"type":"agent_message","message":"Hello from mock"},"conversationId":"CONV"}}`
	captureTokenCount     = `{"method":"codex/event/token_count","params":{"id":"0","msg":{"type":"token_count","info":{"total_token_usage":{"input_tokens":10,"cached_input_tokens":0,"output_tokens":5,"reasoning_output_tokens":0,"total_tokens":15},"last_token_usage":{"input_tokens":10,"cached_input_tokens":0,"output_tokens":5,"reasoning_output_tokens":0,"total_tokens":15},"model_context_window":272000},"rate_limits":{"primary":null,"secondary":null}},"conversationId":"CONV"}}`
	captureTaskComplete   = `{"method":"codex/event/task_complete","params":{"id":"0","msg":{"type":"task_complete","last_agent_message":"Hello from mock"},"conversationId":"CONV"}}`
)

func TestAppServerHandshake(t *testing.T) {
	s := startAppServer(t, serverEnv{config: `model = "gpt-5"` + "\n"})

	assert.Equal(t, `{"error":{"code":-32600,"message":"Not initialized"},"id":1}`, s.call("getUserAgent", nil).Raw)
	assert.Equal(t, `{"error":{"code":-32600,"message":"Not initialized"},"id":2}`, s.call("newConversation", map[string]any{}).Raw)

	init := s.call("initialize", map[string]any{"clientInfo": map[string]any{"name": "test", "version": "0.0.1"}})
	require.Nil(t, init.Error, init.Raw)
	var res struct {
		UserAgent string `json:"userAgent"`
	}
	require.NoError(t, json.Unmarshal(init.Result, &res))
	assert.Regexp(t, `^codex_cli_go/0\.1\.0 \(\S.*; \S+\) \S+ \(test; 0\.0\.1\)$`, res.UserAgent)
	// A 0.45 client reads userAgent; the other members are v2's.
	assert.Equal(t, fmt.Sprintf(`{"id":3,"result":{"userAgent":%q,"codexHome":%q,"platformFamily":"unix","platformOs":"linux"}}`, res.UserAgent, s.home), init.Raw)

	// The initialized notification gets no answer: the next line is the
	// response to the next request.
	s.notify("initialized")
	assert.Equal(t, `{"error":{"code":-32600,"message":"Already initialized"},"id":4}`,
		s.call("initialize", map[string]any{"clientInfo": map[string]any{"name": "other", "version": "1"}}).Raw)
	assert.Equal(t, fmt.Sprintf(`{"id":5,"result":{"userAgent":%q}}`, res.UserAgent), s.call("getUserAgent", nil).Raw)
	assert.Empty(t, s.backlogRaw())

	// "jsonrpc" is accepted and string ids are echoed.
	s.sendRaw(`{"jsonrpc":"2.0","id":"str-id","method":"getUserAgent","params":{}}`)
	got := s.take(func(m rpcMessage) bool { return string(m.ID) == `"str-id"` }, "response to str-id")
	assert.Equal(t, fmt.Sprintf(`{"id":"str-id","result":{"userAgent":%q}}`, res.UserAgent), got.Raw)
}

func TestAppServerTextTurnMatchesCapture(t *testing.T) {
	s, model := startWithModel(t, fakemodel.Script(fakemodel.TextDeltas([]string{"Hello from mock"})), 0, 0)

	created := s.call("newConversation", map[string]any{"approvalPolicy": "never", "sandbox": "workspace-write"})
	require.Nil(t, created.Error, created.Raw)
	var conv struct {
		ConversationID string `json:"conversationId"`
		RolloutPath    string `json:"rolloutPath"`
	}
	require.NoError(t, json.Unmarshal(created.Result, &conv))
	assert.Equal(t,
		fmt.Sprintf(`{"id":2,"result":{"conversationId":%q,"model":"gpt-5","rolloutPath":%q}}`, conv.ConversationID, conv.RolloutPath),
		created.Raw)
	assert.Regexp(t, `^`+regexp.QuoteMeta(s.home)+`/sessions/\d{4}/\d{2}/\d{2}/rollout-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-`+
		regexp.QuoteMeta(conv.ConversationID)+`\.jsonl$`, conv.RolloutPath)

	// The answer is followed by a sessionConfigured notification, and
	// nothing else is written before the listener's answer.
	configured := s.sessionConfigured(conv.ConversationID)
	assert.Equal(t, fmt.Sprintf(`{"method":"sessionConfigured","params":{"sessionId":%q,"model":"gpt-5","historyLogId":0,"historyEntryCount":0,"rolloutPath":%q}}`,
		conv.ConversationID, conv.RolloutPath), configured.Raw)
	sub := s.listen(conv.ConversationID)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, sub)
	assert.Empty(t, s.backlogRaw())

	sent := s.sendText(conv.ConversationID, "say hello")
	assert.Equal(t, `{"id":4,"result":{}}`, sent.Raw)

	events := s.eventsUntil(conv.ConversationID, "task_complete")
	want := []string{captureTaskStarted, captureTokenCountNull, captureDelta, captureAgentMessage, captureTokenCount, captureTaskComplete}
	got := make([]string, 0, len(events))
	for _, ev := range events {
		got = append(got, strings.ReplaceAll(ev.Raw, conv.ConversationID, "CONV"))
	}
	assert.Equal(t, want, got)

	reqs := model.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/v1/responses", reqs[0].Path)
	assert.True(t, strings.HasSuffix(reqs[0].Header.Get("User-Agent"), " (test; 0.0.1)"),
		"user agent %q names the client", reqs[0].Header.Get("User-Agent"))
}

func TestAppServerRequestErrors(t *testing.T) {
	s := startAppServer(t, serverEnv{config: `model = "gpt-5"` + "\n"})
	s.initialize()
	const zero = "00000000-0000-0000-0000-000000000000"
	text := []any{map[string]any{"type": "text", "data": map[string]any{"text": "x"}}}
	tests := []struct {
		name    string
		method  string
		params  any
		code    int64
		message string // exact, or a prefix when prefix is set
		prefix  bool
	}{
		{name: "unknown method", method: "noSuchMethod", params: map[string]any{}, code: -32601, message: "Method not found: noSuchMethod"},
		{name: "newConversation without params", method: "newConversation", code: -32602, message: "Invalid params: ", prefix: true},
		{name: "bad approval policy", method: "newConversation", params: map[string]any{"approvalPolicy": "bogus"}, code: -32602, message: "Invalid params: ", prefix: true},
		{name: "bad sandbox mode", method: "newConversation", params: map[string]any{"sandbox": "bogus"}, code: -32602, message: "Invalid params: ", prefix: true},
		{name: "wrong param type", method: "newConversation", params: map[string]any{"model": 5}, code: -32602, message: "Invalid params: ", prefix: true},
		{name: "unknown profile", method: "newConversation", params: map[string]any{"profile": "nope"}, code: -32602, message: "error deriving config: ", prefix: true},
		{name: "params on getUserAgent", method: "getUserAgent", params: map[string]any{"extra": 1}, code: -32602, message: "Invalid params: ", prefix: true},
		{name: "missing conversationId", method: "sendUserMessage", params: map[string]any{"items": text}, code: -32602, message: "Invalid params: ", prefix: true},
		{name: "conversationId not a UUID", method: "sendUserMessage", params: map[string]any{"conversationId": "not-a-uuid", "items": text}, code: -32602, message: "Invalid params: ", prefix: true},
		{name: "unknown item type", method: "sendUserMessage", params: map[string]any{"conversationId": zero, "items": []any{map[string]any{"type": "video"}}}, code: -32602, message: "Invalid params: ", prefix: true},
		{name: "unknown conversation", method: "sendUserMessage", params: map[string]any{"conversationId": zero, "items": text}, code: -32602, message: "conversation not found: " + zero},
		{name: "interrupt unknown conversation", method: "interruptConversation", params: map[string]any{"conversationId": zero}, code: -32602, message: "conversation not found: " + zero},
		{name: "listen to unknown conversation", method: "addConversationListener", params: map[string]any{"conversationId": zero}, code: -32602, message: "conversation not found: " + zero},
		{name: "unknown subscription", method: "removeConversationListener", params: map[string]any{"subscriptionId": zero}, code: -32602, message: "subscription not found: " + zero},
		{name: "sendUserTurn missing fields", method: "sendUserTurn", params: map[string]any{"conversationId": zero, "items": text}, code: -32602, message: "Invalid params: ", prefix: true},
		{name: "bad listing cursor", method: "listConversations", params: map[string]any{"cursor": "nope"}, code: -32602, message: "invalid cursor ", prefix: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := s.call(tt.method, tt.params)
			require.NotNil(t, m.Error, m.Raw)
			assert.Equal(t, tt.code, m.Error.Code, m.Raw)
			if tt.prefix {
				assert.True(t, strings.HasPrefix(m.Error.Message, tt.message), m.Raw)
				return
			}
			assert.Equal(t, fmt.Sprintf(`{"error":{"code":%d,"message":%q},"id":%s}`, tt.code, tt.message, m.ID), m.Raw)
		})
	}
}

func TestAppServerMalformedLines(t *testing.T) {
	s := startAppServer(t, serverEnv{config: `model = "gpt-5"` + "\n"})
	ua := s.initialize()

	s.sendRaw("this is not json")
	m := s.next()
	require.NotNil(t, m.Error, m.Raw)
	assert.Equal(t, int64(-32700), m.Error.Code)
	assert.True(t, strings.HasPrefix(m.Raw, `{"error":{"code":-32700,"message":"Parse error: `), m.Raw)
	assert.True(t, strings.HasSuffix(m.Raw, `"},"id":null}`), m.Raw)

	for _, line := range []string{`{"foo":1}`, `[1,2]`, `{"id":{"a":1},"method":"getUserAgent"}`} {
		s.sendRaw(line)
		assert.Equal(t, `{"error":{"code":-32600,"message":"Invalid request"},"id":null}`, s.next().Raw, line)
	}

	// The connection survived.
	assert.Equal(t, fmt.Sprintf(`{"id":2,"result":{"userAgent":%q}}`, ua), s.call("getUserAgent", nil).Raw)
}

func TestAppServerInterrupt(t *testing.T) {
	stalled := fakemodel.Reply{Events: []fakemodel.SSE{fakemodel.Created(), fakemodel.OutputTextDelta("partial")}, Stall: true}
	s, _ := startWithModel(t, fakemodel.Script(stalled, fakemodel.TextDeltas([]string{"Hello from mock"})), 0, 0)
	conv, _ := s.newConversation(nil)
	s.listen(conv)

	// With no turn running the interrupt is answered at once.
	assert.Equal(t, `{"id":4,"result":{"abortReason":"interrupted"}}`,
		s.call("interruptConversation", map[string]any{"conversationId": conv}).Raw)

	s.sendText(conv, "stall please")
	events := s.eventsUntil(conv, "agent_message_delta")
	assert.Equal(t, []string{"task_started", "token_count", "agent_message_delta"}, eventTypes(events))
	require.Empty(t, s.backlogRaw())

	// The turn_aborted notification comes first, then the response.
	id := s.send("interruptConversation", map[string]any{"conversationId": conv})
	aborted := s.next()
	assert.Equal(t, "turn_aborted", aborted.eventType(), aborted.Raw)
	assert.Contains(t, aborted.Raw, `"msg":{"type":"turn_aborted","reason":"interrupted"}`)
	assert.Equal(t, fmt.Sprintf(`{"id":%d,"result":{"abortReason":"interrupted"}}`, id), s.next().Raw)

	// The conversation takes new input afterwards.
	s.sendText(conv, "again")
	events = s.eventsUntil(conv, "task_complete")
	assert.Equal(t, []string{"task_started", "token_count", "agent_message_delta", "agent_message", "token_count", "task_complete"}, eventTypes(events))
	assert.Contains(t, events[len(events)-1].Raw, `"last_agent_message":"Hello from mock"`)
}

func TestAppServerModelFailures(t *testing.T) {
	dropped := fakemodel.Reply{
		Events:    []fakemodel.SSE{fakemodel.Created(), fakemodel.OutputTextDelta("partial"), fakemodel.Completed(fakemodel.ResponseID, fakemodel.DefaultUsage())},
		DropAfter: 2,
	}
	tests := []struct {
		name           string
		replies        []fakemodel.Reply
		requestRetries int
		streamRetries  int
		wantRequests   int
		// wantTypes are the event types of the turn with token_count and
		// agent_message_delta left out.
		wantTypes []string
		check     func(t *testing.T, events []rpcMessage)
	}{
		{
			name:           "server error retried with a notice then text",
			replies:        []fakemodel.Reply{fakemodel.Error(http.StatusInternalServerError, "boom"), fakemodel.TextDeltas([]string{"Hello from mock"})},
			requestRetries: 1,
			wantRequests:   2,
			wantTypes:      []string{"task_started", "stream_error", "agent_message", "task_complete"},
			check: func(t *testing.T, events []rpcMessage) {
				retries := eventMessages(events, "stream_error")
				require.Len(t, retries, 1)
				assert.Regexp(t, `^model provider returned 500 Internal Server Error: boom; retrying 1/1 in \d+ms…$`, retries[0])
			},
		},
		{
			name:         "server error without retries ends the turn",
			replies:      []fakemodel.Reply{fakemodel.Error(http.StatusInternalServerError, "boom")},
			wantRequests: 1,
			wantTypes:    []string{"task_started", "error", "task_complete"},
			check: func(t *testing.T, events []rpcMessage) {
				assert.Equal(t, []string{"model provider returned 500 Internal Server Error: boom"}, eventMessages(events, "error"))
				assert.Contains(t, events[len(events)-1].Raw, `"last_agent_message":null`)
			},
		},
		{
			name:          "stream cut short exhausts retries",
			replies:       []fakemodel.Reply{dropped, dropped},
			streamRetries: 1,
			wantRequests:  2,
			wantTypes:     []string{"task_started", "stream_error", "error", "task_complete"},
			check: func(t *testing.T, events []rpcMessage) {
				retries := eventMessages(events, "stream_error")
				require.Len(t, retries, 1)
				assert.Regexp(t, `^stream error: stream disconnected before completion: stream closed before response\.completed; retrying 1/1 in \d+ms…$`, retries[0])
				assert.Equal(t, []string{"stream disconnected before completion: stream closed before response.completed"}, eventMessages(events, "error"))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, model := startWithModel(t, fakemodel.Script(tt.replies...), tt.requestRetries, tt.streamRetries)
			conv, _ := s.newConversation(nil)
			s.listen(conv)
			s.sendText(conv, "hello")
			events := s.eventsUntil(conv, "task_complete")
			var types []string
			for _, ty := range eventTypes(events) {
				if ty != "token_count" && ty != "agent_message_delta" {
					types = append(types, ty)
				}
			}
			assert.Equal(t, tt.wantTypes, types, "events:\n%s", rawLines(events))
			assert.Len(t, model.Requests(), tt.wantRequests)
			if tt.check != nil {
				tt.check(t, events)
			}
		})
	}
}

func TestAppServerTwoConversations(t *testing.T) {
	reply := func(r fakemodel.Recorded, _ int) fakemodel.Reply {
		if strings.Contains(string(r.Body), "question alpha") {
			return fakemodel.TextDeltas([]string{"answer ", "alpha"})
		}
		return fakemodel.TextDeltas([]string{"answer ", "beta"})
	}
	s, _ := startWithModel(t, reply, 0, 0)
	alpha, _ := s.newConversation(nil)
	beta, _ := s.newConversation(nil)
	require.NotEqual(t, alpha, beta)
	s.listen(alpha)
	s.listen(beta)

	s.sendText(alpha, "question alpha")
	s.sendText(beta, "question beta")
	for conv, want := range map[string]string{alpha: "answer alpha", beta: "answer beta"} {
		events := s.eventsUntil(conv, "task_complete")
		var messages []string
		for _, ev := range events {
			require.Equal(t, conv, ev.conversationID(), ev.Raw)
			if ev.eventType() == "agent_message" {
				var p struct {
					Msg struct {
						Message string `json:"message"`
					} `json:"msg"`
				}
				require.NoError(t, json.Unmarshal(ev.Params, &p))
				messages = append(messages, p.Msg.Message)
			}
		}
		assert.Equal(t, []string{want}, messages)
	}
}

func TestAppServerListenerRemovedThenAdded(t *testing.T) {
	s, _ := startWithModel(t, fakemodel.Script(fakemodel.TextDeltas([]string{"Hello from mock"})), 0, 0)
	conv, _ := s.newConversation(nil)
	sub := s.listen(conv)
	assert.Equal(t, `{"id":4,"result":{}}`, s.call("removeConversationListener", map[string]any{"subscriptionId": sub}).Raw)
	assert.Equal(t, `{"error":{"code":-32602,"message":"subscription not found: `+sub+`"},"id":5}`,
		s.call("removeConversationListener", map[string]any{"subscriptionId": sub}).Raw)

	// Events produced while nobody listens wait for the next listener: the
	// whole turn is delivered once a listener is back.
	s.sendText(conv, "hello")
	s.listen(conv)
	events := s.eventsUntil(conv, "task_complete")
	assert.Equal(t, []string{"task_started", "token_count", "agent_message_delta", "agent_message", "token_count", "task_complete"}, eventTypes(events))
}

func TestAppServerStdinCloseFlushesRollout(t *testing.T) {
	s, _ := startWithModel(t, fakemodel.Script(fakemodel.TextDeltas([]string{"Hello from mock"})), 0, 0)
	conv, rolloutPath := s.newConversation(map[string]any{"approvalPolicy": "never"})
	s.listen(conv)
	s.sendText(conv, "hello rollout")
	s.eventsUntil(conv, "task_complete")

	require.NoError(t, s.closeAndWait(), "exit status after stdin closed")

	f, err := os.Open(rolloutPath)
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	require.True(t, strings.HasPrefix(rolloutPath, filepath.Join(s.home, "sessions")+string(filepath.Separator)))
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	type line struct {
		Type    string          `json:"type"`
		Payload json.RawMessage `json:"payload"`
	}
	var lines []line
	for sc.Scan() {
		var l line
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l), sc.Text())
		lines = append(lines, l)
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, lines)
	assert.Equal(t, "session_meta", lines[0].Type)
	var meta struct {
		ID         string `json:"id"`
		Originator string `json:"originator"`
		Source     string `json:"source"`
	}
	require.NoError(t, json.Unmarshal(lines[0].Payload, &meta))
	assert.Equal(t, conv, meta.ID)
	assert.Equal(t, "codex_cli_go", meta.Originator)
	assert.Equal(t, "vscode", meta.Source)

	var sawUserText, sawAnswer bool
	for _, l := range lines[1:] {
		if l.Type != "response_item" {
			continue
		}
		sawUserText = sawUserText || strings.Contains(string(l.Payload), `"text":"hello rollout"`)
		sawAnswer = sawAnswer || strings.Contains(string(l.Payload), `"text":"Hello from mock"`)
	}
	assert.True(t, sawUserText, "the user message is recorded")
	assert.True(t, sawAnswer, "the answer is recorded")
}

func TestAppServerCommandLineOverrides(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script(fakemodel.TextDeltas([]string{"Hello from mock"})))
	t.Cleanup(model.Close)
	// config.toml points at a closed port; -c points the provider at the fake
	// server and -m chooses the model, which the request then replaces.
	s := startAppServer(t, serverEnv{
		config: mockConfig("http://127.0.0.1:1/v1", 0, 0),
		args:   []string{"-c", "model_providers.mock.base_url=" + model.URL, "-m", "o3"},
	})
	s.initialize()
	var fromFlags struct {
		ConversationID string `json:"conversationId"`
		Model          string `json:"model"`
	}
	s.callResult("newConversation", map[string]any{}, &fromFlags)
	assert.Equal(t, "o3", fromFlags.Model)
	s.sessionConfigured(fromFlags.ConversationID)

	conv, _ := s.newConversation(map[string]any{"model": "gpt-5", "config": map[string]any{"model_reasoning_effort": "high"}})
	s.listen(conv)
	s.sendText(conv, "hi")
	s.eventsUntil(conv, "task_complete")
	reqs := model.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "gpt-5", reqs[0].JSON["model"])
}

// eventMessages returns msg.message of the events of one type.
func eventMessages(events []rpcMessage, eventType string) []string {
	var out []string
	for _, ev := range events {
		if ev.eventType() != eventType {
			continue
		}
		var p struct {
			Msg struct {
				Message string `json:"message"`
			} `json:"msg"`
		}
		if json.Unmarshal(ev.Params, &p) == nil {
			out = append(out, p.Msg.Message)
		}
	}
	return out
}

// rawLines joins the lines of messages for failure output.
func rawLines(ms []rpcMessage) string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Raw)
	}
	return strings.Join(out, "\n")
}
