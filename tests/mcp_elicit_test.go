package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

// askSchema is the form the test MCP server's ask tool requests.
const askSchema = `{"type":"object","properties":{"name":{"type":"string","title":"Name","description":"Your name"}},"required":["name"]}`

// askServerTOML configures the test MCP server as "asker", with an
// elicitation timeout (0: the default) and a file logging how each of its
// questions ended.
func askServerTOML(timeoutSec float64, askLog string) string {
	out := fmt.Sprintf("\n[mcp_servers.asker]\ncommand = %q\n", mcpTestServerBin)
	if timeoutSec > 0 {
		out += fmt.Sprintf("elicitation_timeout_sec = %g\n", timeoutSec)
	}
	return out + fmt.Sprintf("[mcp_servers.asker.env]\nMCPTEST_ASK_LOG = %q\n", askLog)
}

// askOutcomes reads the ask tool's log: how each question ended.
func askOutcomes(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	return strings.Fields(string(data))
}

// waitForAskOutcome waits until the ask tool logged an outcome.
func waitForAskOutcome(t *testing.T, path string) []string {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		if got := askOutcomes(t, path); len(got) > 0 {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the MCP server's question never ended")
	return nil
}

// askScript is the model's side of an elicitation test: call the ask tool,
// then answer.
func askScript() fakemodel.Handler {
	return fakemodel.Script(fakemodel.FunctionCall("call1", "asker__ask", "{}"), fakemodel.TextDeltas([]string{"done"}))
}

// toolOutputSeen returns the last input item of the model's second
// request: the output of the ask tool.
func toolOutputSeen(t *testing.T, model *fakemodel.Server) string {
	t.Helper()
	reqs := model.Requests()
	require.Len(t, reqs, 2)
	var second struct {
		Input []json.RawMessage `json:"input"`
	}
	require.NoError(t, json.Unmarshal(reqs[1].Body, &second))
	require.NotEmpty(t, second.Input)
	return string(second.Input[len(second.Input)-1])
}

func TestAppServerMcpElicitation(t *testing.T) {
	tests := []struct {
		name    string
		timeout float64
		answer  func(s *appServer, req rpcMessage)
		output  string
		outcome string
	}{
		{"accept", 0, func(s *appServer, req rpcMessage) {
			s.respond(req.ID, map[string]any{"action": "accept", "content": map[string]any{"name": "Ada"}})
		}, "hello Ada", "accept"},
		{"decline", 0, func(s *appServer, req rpcMessage) {
			s.respond(req.ID, map[string]any{"action": "decline"})
		}, "the user declined to answer", "decline"},
		{"cancel", 0, func(s *appServer, req rpcMessage) {
			s.respond(req.ID, map[string]any{"action": "cancel"})
		}, "the user cancelled the question", "cancel"},
		{"error answer declines", 0, func(s *appServer, req rpcMessage) {
			require.NoError(t, s.c.Client().ReplyError(req.ID, -32601, "Method not found"))
		}, "the user declined to answer", "decline"},
		{"unknown action declines", 0, func(s *appServer, req rpcMessage) {
			s.respond(req.ID, map[string]any{"action": "later"})
		}, "the user declined to answer", "decline"},
		{"unanswered declines after the timeout", 0.5, func(*appServer, rpcMessage) {}, "the user declined to answer", "decline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			model := fakemodel.Start(askScript())
			t.Cleanup(model.Close)
			askLog := filepath.Join(t.TempDir(), "ask.log")
			s := startAppServer(t, serverEnv{config: mockConfig(model.URL, 0, 0) + askServerTOML(tt.timeout, askLog)})
			s.initialize()
			conv, _ := s.newConversation(map[string]any{"approvalPolicy": "never"})
			s.listen(conv)
			s.sendText(conv, "ask me")

			req := s.serverRequest(protocol.MethodMcpElicitationRequest)
			var p map[string]any
			require.NoError(t, json.Unmarshal(req.Params, &p))
			assert.Equal(t, conv, p["conversationId"])
			assert.Equal(t, "asker", p["serverName"])
			assert.Equal(t, "What is your name?", p["message"])
			assert.NotNil(t, p["requestId"])
			schema, err := json.Marshal(p["requestedSchema"])
			require.NoError(t, err)
			assert.JSONEq(t, askSchema, string(schema))
			tt.answer(s, req)

			events := s.eventsUntil(conv, "task_complete")
			types := eventTypes(events)
			assert.Subset(t, types, []string{"mcp_tool_call_begin", "elicitation_request", "mcp_tool_call_end"})
			for _, ev := range events {
				if ev.eventType() == "elicitation_request" {
					assert.Contains(t, ev.Raw, `"server_name":"asker"`)
					assert.Contains(t, ev.Raw, `"message":"What is your name?"`)
				}
			}
			assert.Contains(t, toolOutputSeen(t, model), tt.output)
			assert.Equal(t, []string{tt.outcome}, askOutcomes(t, askLog))
		})
	}
}

func TestAppServerMcpElicitationInterrupted(t *testing.T) {
	model := fakemodel.Start(askScript())
	t.Cleanup(model.Close)
	askLog := filepath.Join(t.TempDir(), "ask.log")
	s := startAppServer(t, serverEnv{config: mockConfig(model.URL, 0, 0) + askServerTOML(0, askLog)})
	s.initialize()
	conv, _ := s.newConversation(map[string]any{"approvalPolicy": "never"})
	s.listen(conv)
	s.sendText(conv, "ask me")
	req := s.serverRequest(protocol.MethodMcpElicitationRequest)

	s.callResult("interruptConversation", map[string]any{"conversationId": conv}, nil)
	events := s.eventsUntil(conv, "turn_aborted")
	assert.Contains(t, events[len(events)-1].Raw, `"reason":"interrupted"`)
	// The MCP server was not left waiting: the question was cancelled (or
	// ended with the cancelled call).
	got := waitForAskOutcome(t, askLog)
	require.Len(t, got, 1)
	assert.Contains(t, []string{"cancel", "error"}, got[0])
	// A late answer changes nothing.
	s.respond(req.ID, map[string]any{"action": "accept", "content": map[string]any{"name": "Ada"}})
	assert.Len(t, model.Requests(), 1)
}

func TestExecDeclinesMcpElicitation(t *testing.T) {
	model := fakemodel.Start(askScript())
	t.Cleanup(model.Close)
	askLog := filepath.Join(t.TempDir(), "ask.log")
	home := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(mockConfig(model.URL, 0, 0)+askServerTOML(0, askLog)), 0o600))
	res := runCodexIn(t, t.TempDir(), home, "", "exec", "--skip-git-repo-check", "ask me")
	require.Equal(t, 0, res.code, "stdout:\n%s\nstderr:\n%s", res.stdout, res.stderr)
	assert.Contains(t, res.stderr, "declined the question of MCP server asker")
	assert.Contains(t, toolOutputSeen(t, model), "the user declined to answer")
	assert.Equal(t, []string{"decline"}, askOutcomes(t, askLog))
}

func TestMCPServerForwardsMcpElicitation(t *testing.T) {
	tests := []struct {
		name    string
		elicits bool
		output  string
		outcome string
	}{
		{"host answers", true, "hello Grace", "accept"},
		{"host without elicitation", false, "the user declined to answer", "decline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			model := fakemodel.Start(askScript())
			t.Cleanup(model.Close)
			askLog := filepath.Join(t.TempDir(), "ask.log")
			asked := make(chan mcp.ElicitationRequest, 4)
			var opts []client.ClientOption
			if tt.elicits {
				opts = append(opts, client.WithElicitationHandler(elicitFunc(
					func(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
						asked <- req
						return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{
							Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"name": "Grace"}}}, nil
					})))
			}
			h := startMCPHost(t, mcpModelConfig(model)+askServerTOML(0, askLog), opts...)
			h.initialize(t)
			r, err := h.call(context.Background(), "codex", map[string]any{"prompt": "ask me", "cwd": h.work, "approval-policy": "never"})
			require.NoError(t, err)
			assert.Equal(t, "done", resultText(t, r))
			assert.Contains(t, toolOutputSeen(t, model), tt.output)
			assert.Equal(t, []string{tt.outcome}, askOutcomes(t, askLog))
			require.Len(t, h.events.ofType("elicitation_request"), 1)
			if !tt.elicits {
				assert.Empty(t, asked)
				notes := h.events.ofType("background_event")
				require.NotEmpty(t, notes)
				assert.Contains(t, string(notes[0].Msg), "the question of MCP server asker was declined")
				return
			}
			require.Len(t, asked, 1)
			req := <-asked
			assert.Equal(t, "What is your name?", req.Params.Message)
			raw, err := json.Marshal(req.Params.RequestedSchema)
			require.NoError(t, err)
			assert.JSONEq(t, askSchema, string(raw))
		})
	}
}
