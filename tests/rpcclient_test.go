package tests

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/internal/rpcclient"
)

// waitLimit bounds every wait for the server so that a broken server fails
// the test instead of hanging it. It is not a speed requirement.
const waitLimit = 30 * time.Second

// rpcMessage is one line written by the server.
type rpcMessage struct{ rpcclient.Message }

// isNotification reports whether m is a notification.
func (m rpcMessage) isNotification() bool { return m.IsNotification() }

// isServerRequest reports whether m is a request from the server.
func (m rpcMessage) isServerRequest() bool { return m.IsRequest() }

// eventType returns the msg.type of a codex/event notification.
func (m rpcMessage) eventType() string {
	var p struct {
		Msg struct {
			Type string `json:"type"`
		} `json:"msg"`
	}
	_ = json.Unmarshal(m.Params, &p)
	return p.Msg.Type
}

// conversationID returns params.conversationId.
func (m rpcMessage) conversationID() string {
	var p struct {
		ConversationID string `json:"conversationId"`
	}
	_ = json.Unmarshal(m.Params, &p)
	return p.ConversationID
}

// appServer is a running `codex app-server` child process and a test
// client talking to it.
type appServer struct {
	t       *testing.T
	c       *rpcclient.Tester
	home    string
	workDir string
}

// serverEnv describes the CODEX_HOME of a test server.
type serverEnv struct {
	// config is the content of config.toml.
	config string
	// args are extra command-line arguments after app-server.
	args []string
	// env are extra "NAME=value" entries of the server's environment; they
	// come after the filtered environment of the tests, so they win.
	env []string
}

// startAppServer starts `codex app-server` with a fresh CODEX_HOME holding
// env.config and a fresh working directory. The process is killed at the
// end of the test if it is still running.
func startAppServer(t *testing.T, env serverEnv) *appServer {
	t.Helper()
	home := t.TempDir()
	work := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(env.config), 0o600))

	cmd := exec.Command(codexBin, append([]string{"app-server"}, env.args...)...)
	cmd.Dir = work
	cmd.Env = append(filteredEnv(), "CODEX_HOME="+home, "HOME="+home)
	cmd.Env = append(cmd.Env, env.env...)
	c, err := rpcclient.Spawn(cmd, rpcclient.Options{})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = c.Kill()
		if t.Failed() {
			t.Logf("server stderr:\n%s", c.Stderr())
		}
	})
	return &appServer{t: t, c: rpcclient.NewTester(t, c, waitLimit), home: home, workDir: work}
}

// filteredEnv is the test process environment without variables that would
// change how the server reaches a model provider.
func filteredEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case name == "CODEX_HOME", name == "HOME", strings.HasPrefix(name, "OPENAI_"):
			continue
		}
		env = append(env, kv)
	}
	return env
}

// pid returns the server's process id.
func (s *appServer) pid() int { return s.c.Client().Pid() }

// exited is closed once the server exited and its output was read.
func (s *appServer) exited() <-chan struct{} { return s.c.Client().Done() }

// sendRaw writes one line to the server.
func (s *appServer) sendRaw(line string) {
	s.t.Helper()
	s.c.SendRaw(line)
}

// send writes a request with the next id and returns the id.
func (s *appServer) send(method string, params any) int {
	s.t.Helper()
	return s.c.Send(method, params)
}

// notify writes a notification.
func (s *appServer) notify(method string) {
	s.t.Helper()
	s.c.Notify(method, nil)
}

// respond answers a server request.
func (s *appServer) respond(id json.RawMessage, result any) {
	s.t.Helper()
	s.c.Reply(id, result)
}

// call sends a request and waits for its response. Messages read meanwhile
// stay in the backlog.
func (s *appServer) call(method string, params any) rpcMessage {
	s.t.Helper()
	return rpcMessage{s.c.Call(method, params)}
}

// callResult is call for a request that must succeed; it decodes the result into out.
func (s *appServer) callResult(method string, params, out any) rpcMessage {
	s.t.Helper()
	return rpcMessage{s.c.CallResult(method, params, out)}
}

// response waits for the response to id.
func (s *appServer) response(id int) rpcMessage {
	s.t.Helper()
	return rpcMessage{s.c.Response(id)}
}

// take waits for the first message (in arrival order) that matches and
// removes it from the backlog.
func (s *appServer) take(match func(rpcMessage) bool, what string) rpcMessage {
	s.t.Helper()
	return rpcMessage{s.c.Take(func(m rpcclient.Message) bool { return match(rpcMessage{m}) }, what)}
}

// next removes and returns the oldest unconsumed message.
func (s *appServer) next() rpcMessage {
	s.t.Helper()
	return rpcMessage{s.c.Next()}
}

// eventsUntil consumes the notifications of one conversation up to and
// including the first event of type last, in order. Other messages stay in
// the backlog.
func (s *appServer) eventsUntil(conversationID, last string) []rpcMessage {
	s.t.Helper()
	var out []rpcMessage
	for {
		m := s.take(func(m rpcMessage) bool {
			return m.isNotification() && m.conversationID() == conversationID
		}, "event of "+conversationID+" up to "+last)
		out = append(out, m)
		if m.eventType() == last {
			return out
		}
	}
}

// serverRequest waits for a server request with the given method.
func (s *appServer) serverRequest(method string) rpcMessage {
	s.t.Helper()
	return s.take(func(m rpcMessage) bool {
		return m.isServerRequest() && m.Method == method
	}, "server request "+method)
}

// backlog returns the unconsumed messages that waits passed over.
func (s *appServer) backlog() []rpcMessage {
	var out []rpcMessage
	for _, m := range s.c.Client().Skipped() {
		out = append(out, rpcMessage{m})
	}
	return out
}

// backlogRaw returns the lines of backlog.
func (s *appServer) backlogRaw() []string { return s.c.Skipped() }

// closeAndWait closes stdin and waits for the process to exit.
func (s *appServer) closeAndWait() error {
	s.t.Helper()
	return s.c.Shutdown()
}

// initialize performs the handshake as client "test" 0.0.1.
func (s *appServer) initialize() string {
	s.t.Helper()
	var res struct {
		UserAgent string `json:"userAgent"`
	}
	s.callResult("initialize", map[string]any{"clientInfo": map[string]any{"name": "test", "version": "0.0.1"}}, &res)
	s.notify("initialized")
	return res.UserAgent
}

// newConversation starts a conversation and returns its id and rollout path.
func (s *appServer) newConversation(params map[string]any) (string, string) {
	s.t.Helper()
	if params == nil {
		params = map[string]any{}
	}
	var res struct {
		ConversationID string `json:"conversationId"`
		RolloutPath    string `json:"rolloutPath"`
	}
	s.callResult("newConversation", params, &res)
	require.NotEmpty(s.t, res.ConversationID)
	s.sessionConfigured(res.ConversationID)
	return res.ConversationID, res.RolloutPath
}

// sessionConfigured takes the sessionConfigured notification that follows a
// newConversation answer and checks that it describes conversationID.
func (s *appServer) sessionConfigured(conversationID string) rpcMessage {
	s.t.Helper()
	m := s.take(func(m rpcMessage) bool { return m.Method == "sessionConfigured" }, "sessionConfigured notification")
	var p struct {
		SessionID string `json:"sessionId"`
	}
	require.NoError(s.t, json.Unmarshal(m.Params, &p), m.Raw)
	require.Equal(s.t, conversationID, p.SessionID, m.Raw)
	return m
}

// listen subscribes to a conversation's events and returns the subscription id.
func (s *appServer) listen(conversationID string) string {
	s.t.Helper()
	var res struct {
		SubscriptionID string `json:"subscriptionId"`
	}
	s.callResult("addConversationListener", map[string]any{"conversationId": conversationID}, &res)
	return res.SubscriptionID
}

// sendText sends a user message with one text item.
func (s *appServer) sendText(conversationID, text string) rpcMessage {
	s.t.Helper()
	return s.callResult("sendUserMessage", map[string]any{
		"conversationId": conversationID,
		"items":          []any{map[string]any{"type": "text", "data": map[string]any{"text": text}}},
	}, nil)
}

// eventTypes lists the msg.type of each notification.
func eventTypes(ms []rpcMessage) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.eventType())
	}
	return out
}
