package tests

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/tests/fakemodel"
)

// startV2Asker starts a v2 client on a server whose config has the asking
// MCP server, with a thread; it returns the thread id and the ask log.
func startV2Asker(t *testing.T, timeoutSec float64) (v2Client, string, string) {
	t.Helper()
	model := fakemodel.Start(askScript())
	t.Cleanup(model.Close)
	askLog := filepath.Join(t.TempDir(), "ask.log")
	s := v2Client{startAppServer(t, serverEnv{config: mockConfig(model.URL, 0, 0) + askServerTOML(timeoutSec, askLog)}), model}
	s.callResult("initialize", map[string]any{"clientInfo": map[string]any{"name": "v2test", "version": "1.0"}}, nil)
	s.notify("initialized")
	var started struct {
		Thread struct {
			ID string `json:"id"`
		} `json:"thread"`
	}
	s.callResult("thread/start", map[string]any{"cwd": s.workDir, "approvalPolicy": "never"}, &started)
	require.NotEmpty(t, started.Thread.ID)
	return s, started.Thread.ID, askLog
}

// elicitationRequest takes the mcpServer/elicitation/request, checks it
// against both schemas and its members, and returns it.
func (s v2Client) elicitationRequest(thread, turn string) rpcMessage {
	s.t.Helper()
	req := s.take(func(m rpcMessage) bool { return m.isServerRequest() }, "elicitation request")
	require.Equal(s.t, "mcpServer/elicitation/request", req.Method)
	checkV2(s.t, req.Method, req.Params, "request")
	var p map[string]any
	require.NoError(s.t, json.Unmarshal(req.Params, &p))
	assert.Equal(s.t, thread, p["threadId"])
	assert.Equal(s.t, turn, p["turnId"])
	assert.Equal(s.t, "asker", p["serverName"])
	assert.Equal(s.t, "form", p["mode"])
	assert.Equal(s.t, "What is your name?", p["message"])
	schema, err := json.Marshal(p["requestedSchema"])
	require.NoError(s.t, err)
	assert.JSONEq(s.t, askSchema, string(schema))
	return req
}

// mcpToolResult returns the mcpToolCall item of the notifications' last
// item/completed.
func mcpToolResult(ns []v2Notice) map[string]any {
	for _, n := range slices.Backward(ns) {
		if n.method == "item/completed" && n.item()["type"] == "mcpToolCall" {
			return n.item()
		}
	}
	return nil
}

func TestV2McpElicitation(t *testing.T) {
	tests := []struct {
		name    string
		timeout float64
		answer  func(s v2Client, req rpcMessage)
		output  string
		outcome string
	}{
		{"accept", 0, func(s v2Client, req rpcMessage) {
			s.respond(req.ID, map[string]any{"action": "accept", "content": map[string]any{"name": "Ada"}})
		}, "hello Ada", "accept"},
		{"decline", 0, func(s v2Client, req rpcMessage) {
			s.respond(req.ID, map[string]any{"action": "decline", "content": nil})
		}, "the user declined to answer", "decline"},
		{"cancel", 0, func(s v2Client, req rpcMessage) {
			s.respond(req.ID, map[string]any{"action": "cancel"})
		}, "the user cancelled the question", "cancel"},
		{"error answer declines", 0, func(s v2Client, req rpcMessage) {
			require.NoError(t, s.c.Client().ReplyError(req.ID, -32601, "Method not found"))
		}, "the user declined to answer", "decline"},
		{"unreadable answer declines", 0, func(s v2Client, req rpcMessage) {
			s.respond(req.ID, map[string]any{"action": 7})
		}, "the user declined to answer", "decline"},
		{"unanswered declines after the timeout", 0.5, func(v2Client, rpcMessage) {}, "the user declined to answer", "decline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, thread, askLog := startV2Asker(t, tt.timeout)
			turn := s.startTurn(thread, "ask me")
			req := s.elicitationRequest(thread, turn)
			tt.answer(s, req)
			ns := s.untilTurnCompleted()
			got := methods(ns)
			assert.Equal(t, "completed", ns[len(ns)-1].params["turn"].(map[string]any)["status"])
			resolved := slices.Index(got, "serverRequest/resolved")
			require.GreaterOrEqual(t, resolved, 0, "serverRequest/resolved in %v", got)
			var id any
			require.NoError(t, json.Unmarshal(req.ID, &id))
			assert.Equal(t, id, ns[resolved].params["requestId"])
			assert.Equal(t, thread, ns[resolved].params["threadId"])
			assert.Contains(t, toolOutputSeen(t, s.model), tt.output)
			assert.Equal(t, []string{tt.outcome}, askOutcomes(t, askLog))
			if item := mcpToolResult(ns); item != nil {
				raw, err := json.Marshal(item)
				require.NoError(t, err)
				assert.Contains(t, string(raw), tt.output)
			}
		})
	}
}

func TestV2McpElicitationInterrupted(t *testing.T) {
	s, thread, askLog := startV2Asker(t, 0)
	turn := s.startTurn(thread, "ask me")
	req := s.elicitationRequest(thread, turn)
	id := s.send("turn/interrupt", map[string]any{"threadId": thread, "turnId": turn})
	ns := s.untilTurnCompleted()
	got := methods(ns)
	assert.Equal(t, "interrupted", ns[len(ns)-1].params["turn"].(map[string]any)["status"])
	resolved := slices.Index(got, "serverRequest/resolved")
	require.GreaterOrEqual(t, resolved, 0, "serverRequest/resolved in %v", got)
	assert.Less(t, resolved, len(got)-1, "resolved before turn/completed")
	s.response(id)
	outcome := waitForAskOutcome(t, askLog)
	require.Len(t, outcome, 1)
	assert.Contains(t, []string{"cancel", "error"}, outcome[0])
	// A late answer changes nothing.
	s.respond(req.ID, map[string]any{"action": "accept", "content": map[string]any{"name": "Ada"}})
	assert.Len(t, s.model.Requests(), 1)
}
