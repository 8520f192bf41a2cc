package appserver

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/core/tools"
	"github.com/codex-go/codex/internal/rpcclient"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

// waitLimit bounds waits so that a broken server fails a test instead of
// hanging it.
const waitLimit = 30 * time.Second

// pipeClient drives a Server running in this process over pipes.
type pipeClient struct {
	t   *testing.T
	srv *Server
	c   *rpcclient.Tester
}

// startServer runs a server with opts on pipes; it is stopped at the end of
// the test.
func startServer(t *testing.T, opts Options) *pipeClient {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	srv := New(opts)
	c := &pipeClient{t: t, srv: srv, c: rpcclient.NewTester(t, rpcclient.Serve(context.Background(), srv.Run, rpcclient.Options{}), waitLimit)}
	t.Cleanup(func() { assert.NoError(t, c.c.Shutdown()) })
	return c
}

// send writes one line.
func (c *pipeClient) send(format string, args ...any) {
	c.t.Helper()
	c.c.Sendf(format, args...)
}

// next returns the next line written by the server.
func (c *pipeClient) next() string {
	c.t.Helper()
	return c.c.Next().Raw
}

// nextMatching skips lines until one has the given method (or, for "", is a
// response) and returns it decoded, with the raw line.
func (c *pipeClient) nextMatching(method string) (map[string]json.RawMessage, string) {
	c.t.Helper()
	for {
		line := c.next()
		var m map[string]json.RawMessage
		require.NoError(c.t, json.Unmarshal([]byte(line), &m), line)
		var got string
		if raw, ok := m["method"]; ok {
			require.NoError(c.t, json.Unmarshal(raw, &got))
		}
		if got == method {
			return m, line
		}
	}
}

// probeTools registers "probe_exec" and "probe_patch", which ask for
// approval and report each decision on decisions.
func probeTools(decisions chan<- protocol.ReviewDecision) func(*config.Config) *tools.Router {
	spec := func(name string) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`{"type":"function","name":%q,"description":"test","strict":false,"parameters":{"type":"object","properties":{}}}`, name))
	}
	return func(*config.Config) *tools.Router {
		r := tools.NewRouter()
		r.Register("probe_exec", spec("probe_exec"), tools.HandlerFunc(func(ctx context.Context, turn *tools.Turn, c tools.Call) (string, error) {
			reason := "needs approval"
			d, err := turn.AskExec(ctx, c.CallID, []string{"echo", "<hi>"}, turn.Cwd, &reason)
			if err != nil {
				return "", err
			}
			decisions <- d
			return "ran", nil
		}))
		r.Register("probe_patch", spec("probe_patch"), tools.HandlerFunc(func(ctx context.Context, turn *tools.Turn, c tools.Call) (string, error) {
			changes := map[string]protocol.FileChange{"/w/a.txt": {Add: &protocol.FileAdd{Content: "a\n"}}}
			d, err := turn.AskPatch(ctx, c.CallID, changes, nil, nil)
			if err != nil {
				return "", err
			}
			decisions <- d
			return "patched", nil
		}))
		return r
	}
}

func TestApprovalRequests(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script(
		fakemodel.FunctionCall("call1", "probe_exec", "{}"),
		fakemodel.FunctionCall("call2", "probe_patch", "{}"),
		fakemodel.FunctionCall("call3", "probe_exec", "{}"),
		fakemodel.FunctionCall("call4", "probe_patch", "{}"),
		fakemodel.TextDeltas([]string{"done"}),
	))
	t.Cleanup(model.Close)
	home := t.TempDir()
	work := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(`model = "gpt-5"
`+model.ConfigTOML()), 0o600))

	decisions := make(chan protocol.ReviewDecision, 8)
	c := startServer(t, Options{
		Version:    "0.0.0",
		Originator: "codex_cli_go",
		CodexHome:  home,
		Typed:      config.Typed{Cwd: work},
		Tools:      probeTools(decisions),
	})

	c.send(`{"id":1,"method":"initialize","params":{"clientInfo":{"name":"t","version":"1"}}}`)
	c.nextMatching("")
	c.send(`{"id":2,"method":"newConversation","params":{"approvalPolicy":"untrusted"}}`)
	resp, raw := c.nextMatching("")
	var created protocol.NewConversationResponse
	require.NoError(t, json.Unmarshal(resp["result"], &created), raw)
	conv := created.ConversationID
	c.send(`{"id":3,"method":"addConversationListener","params":{"conversationId":%q}}`, conv)
	c.nextMatching("")
	c.send(`{"id":4,"method":"sendUserMessage","params":{"conversationId":%q,"items":[{"type":"text","data":{"text":"go"}}]}}`, conv)
	assert.Equal(t, `{"id":4,"result":{}}`, c.next())

	tests := []struct {
		name         string
		event        string
		request      string
		wantRequest  string
		answer       string
		wantDecision protocol.ReviewDecision
	}{
		{
			name:    "exec approved",
			event:   "codex/event/exec_approval_request",
			request: "execCommandApproval",
			wantRequest: fmt.Sprintf(`{"method":"execCommandApproval","id":0,"params":{"conversationId":%q,"callId":"call1","command":["echo","<hi>"],"cwd":%q,"reason":"needs approval"}}`,
				conv, work),
			answer:       `{"id":0,"result":{"decision":"approved"}}`,
			wantDecision: protocol.DecisionApproved,
		},
		{
			name:         "patch answered with an error is denied",
			event:        "codex/event/apply_patch_approval_request",
			request:      "applyPatchApproval",
			wantRequest:  fmt.Sprintf(`{"method":"applyPatchApproval","id":1,"params":{"conversationId":%q,"callId":"call2","fileChanges":{"/w/a.txt":{"add":{"content":"a\n"}}}}}`, conv),
			answer:       `{"id":1,"error":{"code":-1,"message":"no"}}`,
			wantDecision: protocol.DecisionDenied,
		},
		{
			name:         "unknown decision is denied",
			event:        "codex/event/exec_approval_request",
			request:      "execCommandApproval",
			answer:       `{"jsonrpc":"2.0","id":2,"result":{"decision":"maybe"}}`,
			wantDecision: protocol.DecisionDenied,
		},
		{
			name:         "patch approved for the session",
			event:        "codex/event/apply_patch_approval_request",
			request:      "applyPatchApproval",
			answer:       `{"id":3,"result":{"decision":"approved_for_session"}}`,
			wantDecision: protocol.DecisionApprovedForSession,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.nextMatching(tt.event)
			// The server request directly follows the event.
			line := c.next()
			if tt.wantRequest != "" {
				assert.Equal(t, tt.wantRequest, line)
			}
			assert.Contains(t, line, `"method":"`+tt.request+`"`)
			c.send("%s", tt.answer)
			select {
			case d := <-decisions:
				assert.Equal(t, tt.wantDecision, d)
			case <-time.After(waitLimit):
				t.Fatal("the tool got no decision")
			}
		})
	}
	_, line := c.nextMatching("codex/event/task_complete")
	assert.Contains(t, line, `"last_agent_message":"done"`)
}

func TestInterruptWithoutListener(t *testing.T) {
	stalled := fakemodel.Reply{Events: []fakemodel.SSE{fakemodel.Created(), fakemodel.OutputTextDelta("partial")}, Stall: true}
	model := fakemodel.Start(fakemodel.Script(stalled))
	t.Cleanup(model.Close)
	home := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(`model = "gpt-5"
`+model.ConfigTOML()), 0o600))
	c := startServer(t, Options{Version: "0.0.0", CodexHome: home, Typed: config.Typed{Cwd: t.TempDir()}})

	c.send(`{"id":1,"method":"initialize","params":{"clientInfo":{"name":"t","version":"1"}}}`)
	c.nextMatching("")
	c.send(`{"id":2,"method":"newConversation","params":{}}`)
	resp, _ := c.nextMatching("")
	var created protocol.NewConversationResponse
	require.NoError(t, json.Unmarshal(resp["result"], &created))
	conv := created.ConversationID
	c.send(`{"id":3,"method":"addConversationListener","params":{"conversationId":%q}}`, conv)
	resp, _ = c.nextMatching("")
	var sub protocol.AddConversationSubscriptionResponse
	require.NoError(t, json.Unmarshal(resp["result"], &sub))
	c.send(`{"id":4,"method":"sendUserMessage","params":{"conversationId":%q,"items":[{"type":"text","data":{"text":"go"}}]}}`, conv)
	assert.Equal(t, `{"id":4,"result":{}}`, c.next())
	c.nextMatching("codex/event/agent_message_delta")

	// The turn is streaming. Without a listener the interrupt is answered
	// as soon as the engine stopped the turn, and turn_aborted waits in the
	// engine for the next listener.
	c.send(`{"id":5,"method":"removeConversationListener","params":{"subscriptionId":%q}}`, sub.SubscriptionID)
	assert.Equal(t, `{"id":5,"result":{}}`, c.next())
	c.send(`{"id":6,"method":"interruptConversation","params":{"conversationId":%q}}`, conv)
	assert.Equal(t, `{"id":6,"result":{"abortReason":"interrupted"}}`, c.next())
	c.send(`{"id":7,"method":"addConversationListener","params":{"conversationId":%q}}`, conv)
	assert.Contains(t, c.next(), `"id":7,"result":{"subscriptionId":`)
	assert.Equal(t, fmt.Sprintf(`{"method":"codex/event/turn_aborted","params":{"id":"0","msg":{"type":"turn_aborted","reason":"interrupted"},"conversationId":%q}}`, conv), c.next())
}
