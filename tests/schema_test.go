package tests

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/internal/schemagen/schemacheck"
	"github.com/codex-go/codex/schema"
	"github.com/codex-go/codex/tests/fakemodel"
)

// schemaSession drives an app server and records every line it writes,
// together with the method of every request the test sent, so that all of
// them can be validated against the schema.
type schemaSession struct {
	t       *testing.T
	s       *appServer
	v       *schemacheck.Validator
	methods map[string]string // request id -> method
	lines   []rpcMessage
}

// call validates the params of a client request, sends it and returns its response.
func (ss *schemaSession) call(method string, params any) rpcMessage {
	ss.t.Helper()
	raw, err := json.Marshal(params)
	require.NoError(ss.t, err)
	require.NoError(ss.t, ss.v.ClientRequest(method, raw), "the schema rejects our own %s params", method)
	id := ss.s.send(method, params)
	ss.methods[fmt.Sprint(id)] = method
	m := ss.s.response(id)
	require.Nil(ss.t, m.Error, m.Raw)
	ss.lines = append(ss.lines, m)
	return m
}

// finish closes the server's stdin, collects what it wrote afterwards and
// what was read but not consumed, and validates every line.
func (ss *schemaSession) finish() {
	ss.t.Helper()
	_ = ss.s.closeAndWait()
	for _, m := range ss.s.c.Client().Drain() {
		ss.lines = append(ss.lines, rpcMessage{m})
	}
	require.GreaterOrEqual(ss.t, len(ss.lines), 10, "too few lines to validate")
	methodOf := func(id json.RawMessage) (string, bool) {
		m, ok := ss.methods[string(id)]
		return m, ok
	}
	for _, m := range ss.lines {
		assert.NoError(ss.t, ss.v.ServerLine([]byte(m.Raw), methodOf), "%s", m.Raw)
	}
}

// startSchemaSession starts a server answering from handler and performs
// the handshake.
func startSchemaSession(t *testing.T, handler fakemodel.Handler) *schemaSession {
	t.Helper()
	v, err := schemacheck.New(schema.FS())
	require.NoError(t, err)
	model := fakemodel.Start(handler)
	t.Cleanup(model.Close)
	ss := &schemaSession{
		t: t, v: v, methods: map[string]string{},
		s: startAppServer(t, serverEnv{config: mockConfig(model.URL, 0, 0)}),
	}
	ss.call("initialize", map[string]any{"clientInfo": map[string]any{"name": "test", "version": "0.0.1"}})
	ss.s.notify("initialized")
	ss.call("getUserAgent", nil)
	return ss
}

// startTurn opens a conversation with the given approval policy, listens to
// it and sends one text message; it returns the conversation id.
func (ss *schemaSession) startTurn(approval string) string {
	ss.t.Helper()
	created := ss.call("newConversation", map[string]any{"approvalPolicy": approval, "sandbox": "workspace-write", "cwd": ss.s.workDir})
	var res struct {
		ConversationID string `json:"conversationId"`
	}
	require.NoError(ss.t, json.Unmarshal(created.Result, &res))
	ss.call("addConversationListener", map[string]any{"conversationId": res.ConversationID})
	ss.call("sendUserMessage", map[string]any{
		"conversationId": res.ConversationID,
		"items":          []any{map[string]any{"type": "text", "data": map[string]any{"text": "go"}}},
	})
	return res.ConversationID
}

func TestSchemaValidatesTextTurn(t *testing.T) {
	ss := startSchemaSession(t, fakemodel.Script(fakemodel.TextDeltas([]string{"Hello ", "from mock"})))
	conv := ss.startTurn("never")
	events := ss.s.eventsUntil(conv, "task_complete")
	ss.lines = append(ss.lines, events...)
	ss.finish()

	assert.Contains(t, eventTypes(events), "agent_message_delta")
	assert.Contains(t, eventTypes(events), "agent_message")
	var methods []string
	for _, m := range ss.lines {
		methods = append(methods, m.Method)
	}
	assert.Contains(t, methods, "sessionConfigured")
}

func TestSchemaValidatesShellTurnWithApproval(t *testing.T) {
	ss := startSchemaSession(t, shellTurn("echo hi > out.txt; cat out.txt"))
	conv := ss.startTurn("untrusted")

	req := ss.s.serverRequest("execCommandApproval")
	ss.lines = append(ss.lines, req)
	answer := map[string]any{"decision": "approved"}
	raw, err := json.Marshal(answer)
	require.NoError(t, err)
	require.NoError(t, ss.v.ServerResult("execCommandApproval", raw))
	ss.s.respond(req.ID, answer)

	events := ss.s.eventsUntil(conv, "task_complete")
	ss.lines = append(ss.lines, events...)
	ss.finish()

	types := eventTypes(events)
	for _, want := range []string{"exec_approval_request", "exec_command_begin", "exec_command_output_delta", "exec_command_end", "token_count", "task_complete"} {
		assert.Contains(t, types, want)
	}
}
