package tests

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// waitLimit bounds every wait for the server so that a broken server fails
// the test instead of hanging it. It is not a speed requirement.
const waitLimit = 30 * time.Second

// rpcMessage is one line written by the server.
type rpcMessage struct {
	// Raw is the line as written.
	Raw string
	// ID is the raw id; empty for notifications.
	ID json.RawMessage `json:"id"`
	// Method is set for notifications and server requests.
	Method string `json:"method"`
	// Params are the params of notifications and server requests.
	Params json.RawMessage `json:"params"`
	// Result is set for successful responses.
	Result json.RawMessage `json:"result"`
	// Error is set for error responses.
	Error *rpcError `json:"error"`
}

// rpcError is the error member of a response.
type rpcError struct {
	Code    int64  `json:"code"`
	Message string `json:"message"`
}

// isNotification reports whether m is a notification.
func (m rpcMessage) isNotification() bool { return m.Method != "" && len(m.ID) == 0 }

// isServerRequest reports whether m is a request from the server.
func (m rpcMessage) isServerRequest() bool { return m.Method != "" && len(m.ID) > 0 }

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

// appServer is a running `codex app-server` child process and a line-based
// JSON-RPC client talking to it.
type appServer struct {
	t       *testing.T
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	stderr  *bytes.Buffer
	home    string
	workDir string

	lines   chan rpcMessage
	backlog []rpcMessage // read but not consumed yet, in arrival order
	nextID  int
	exited  chan struct{}
	waitErr error

	mu sync.Mutex // guards stderr
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
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	s := &appServer{
		t: t, cmd: cmd, stdin: stdin, stderr: &bytes.Buffer{}, home: home, workDir: work,
		lines: make(chan rpcMessage, 4096), nextID: 1, exited: make(chan struct{}),
	}
	cmd.Stderr = lockedWriter{s}
	require.NoError(t, cmd.Start())

	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer close(s.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			line := sc.Text()
			var m rpcMessage
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				m = rpcMessage{Method: "<not json>"}
			}
			m.Raw = line
			s.lines <- m
		}
	}()
	go func() {
		<-readerDone
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			t.Logf("server stderr:\n%s", s.stderrText())
		}
	})
	return s
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

// lockedWriter collects the server's stderr.
type lockedWriter struct{ s *appServer }

// Write appends p to the collected stderr.
func (w lockedWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.stderr.Write(p)
}

// stderrText returns what the server wrote to stderr so far.
func (s *appServer) stderrText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

// sendRaw writes one line to the server.
func (s *appServer) sendRaw(line string) {
	s.t.Helper()
	_, err := io.WriteString(s.stdin, line+"\n")
	require.NoError(s.t, err)
}

// send writes a request with the next id and returns the id.
func (s *appServer) send(method string, params any) int {
	s.t.Helper()
	id := s.nextID
	s.nextID++
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	b, err := json.Marshal(msg)
	require.NoError(s.t, err)
	s.sendRaw(string(b))
	return id
}

// notify writes a notification.
func (s *appServer) notify(method string) {
	s.t.Helper()
	s.sendRaw(fmt.Sprintf(`{"method":%q}`, method))
}

// respond answers a server request.
func (s *appServer) respond(id json.RawMessage, result any) {
	s.t.Helper()
	b, err := json.Marshal(map[string]any{"id": id, "result": result})
	require.NoError(s.t, err)
	s.sendRaw(string(b))
}

// call sends a request and waits for its response. Messages read meanwhile
// stay in the backlog.
func (s *appServer) call(method string, params any) rpcMessage {
	s.t.Helper()
	return s.response(s.send(method, params))
}

// callResult is call for a request that must succeed; it decodes the result into out.
func (s *appServer) callResult(method string, params, out any) rpcMessage {
	s.t.Helper()
	m := s.call(method, params)
	require.Nil(s.t, m.Error, "%s failed: %s", method, m.Raw)
	if out != nil {
		require.NoError(s.t, json.Unmarshal(m.Result, out), m.Raw)
	}
	return m
}

// response waits for the response to id.
func (s *appServer) response(id int) rpcMessage {
	s.t.Helper()
	want := fmt.Sprint(id)
	return s.take(func(m rpcMessage) bool {
		return m.Method == "" && string(m.ID) == want
	}, fmt.Sprintf("response to request %d", id))
}

// take waits for the first message (in arrival order) that matches, removes
// it from the backlog and returns it.
func (s *appServer) take(match func(rpcMessage) bool, what string) rpcMessage {
	s.t.Helper()
	for i, m := range s.backlog {
		if match(m) {
			s.backlog = append(s.backlog[:i:i], s.backlog[i+1:]...)
			return m
		}
	}
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for {
		select {
		case m, ok := <-s.lines:
			if !ok {
				s.t.Fatalf("server output ended while waiting for %s; stderr:\n%s", what, s.stderrText())
			}
			if match(m) {
				return m
			}
			s.backlog = append(s.backlog, m)
		case <-deadline.C:
			s.t.Fatalf("no %s after %s; unconsumed: %v", what, waitLimit, s.backlogRaw())
		}
	}
}

// next removes and returns the oldest unconsumed message.
func (s *appServer) next() rpcMessage {
	s.t.Helper()
	return s.take(func(rpcMessage) bool { return true }, "message")
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

// backlogRaw returns the unconsumed lines.
func (s *appServer) backlogRaw() []string {
	out := make([]string, 0, len(s.backlog))
	for _, m := range s.backlog {
		out = append(out, m.Raw)
	}
	return out
}

// closeAndWait closes stdin and waits for the process to exit.
func (s *appServer) closeAndWait() error {
	s.t.Helper()
	require.NoError(s.t, s.stdin.Close())
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for {
		select {
		case _, ok := <-s.lines:
			if !ok {
				<-s.exited
				return s.waitErr
			}
		case <-deadline.C:
			s.t.Fatalf("server still running %s after stdin closed", waitLimit)
		}
	}
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
