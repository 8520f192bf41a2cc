package mcpserver

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

	"github.com/codex-go/codex/internal/rpcclient"
	"github.com/codex-go/codex/internal/version"
	"github.com/codex-go/codex/tests/fakemodel"
)

// waitLimit bounds every wait for the server so that a broken server fails
// a test instead of hanging it. It is not a speed requirement.
const waitLimit = 30 * time.Second

// wireMsg is one line written by the server.
type wireMsg struct{ rpcclient.Message }

// event is the decoded params of a codex/event notification.
type event struct {
	Meta struct {
		RequestID json.RawMessage `json:"requestId"`
	} `json:"_meta"`
	ID  string `json:"id"`
	Msg struct {
		Type string `json:"type"`
	} `json:"msg"`
	MsgRaw json.RawMessage `json:"-"`
}

// asEvent decodes a codex/event notification.
func (m wireMsg) asEvent(t *testing.T) event {
	t.Helper()
	require.Equal(t, MethodCodexEvent, m.Method, m.Raw)
	var e event
	require.NoError(t, json.Unmarshal(m.Params, &e), m.Raw)
	var raw struct {
		Msg json.RawMessage `json:"msg"`
	}
	require.NoError(t, json.Unmarshal(m.Params, &raw))
	e.MsgRaw = raw.Msg
	return e
}

// isEventOf reports whether m is a codex/event notification of request id.
func (m wireMsg) isEventOf(id string) bool {
	if m.Method != MethodCodexEvent {
		return false
	}
	var e event
	return json.Unmarshal(m.Params, &e) == nil && string(e.Meta.RequestID) == id
}

// session is a Server running in this process, driven over pipes, with a
// fake model provider and a fresh CODEX_HOME and workspace.
type session struct {
	t      *testing.T
	c      *rpcclient.Tester
	closed bool
	home   string
	work   string
	model  *fakemodel.Server
}

// startSession starts a server whose model answers with handler.
func startSession(t *testing.T, handler fakemodel.Handler, tweak ...func(*Options)) *session {
	t.Helper()
	return startSessionServer(t, handler, nil, tweak...)
}

// startSessionServer is startSession with a function that adjusts the
// Server before it runs (nil for none).
func startSessionServer(t *testing.T, handler fakemodel.Handler, adjust func(*Server), tweak ...func(*Options)) *session {
	t.Helper()
	model := fakemodel.Start(handler)
	t.Cleanup(model.Close)
	home, work := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte("model = \"gpt-5\"\n"+model.ConfigTOML()), 0o600))
	opts := Options{
		Version:    version.Version,
		Originator: version.Originator,
		CodexHome:  home,
		Logger:     slog.New(slog.DiscardHandler),
	}
	for _, f := range tweak {
		f(&opts)
	}
	srv := New(opts)
	if adjust != nil {
		adjust(srv)
	}
	c := rpcclient.Serve(context.Background(), srv.Run, rpcclient.Options{JSONRPC: true})
	s := &session{t: t, c: rpcclient.NewTester(t, c, waitLimit), home: home, work: work, model: model}
	t.Cleanup(func() { s.close() })
	return s
}

// close ends the input and waits until the server stopped; it returns
// every message not consumed yet.
func (s *session) close() []wireMsg {
	s.t.Helper()
	if s.closed {
		return nil
	}
	s.closed = true
	assert.NoError(s.t, s.c.Shutdown())
	var rest []wireMsg
	for _, m := range s.c.Client().Drain() {
		rest = append(rest, wireMsg{m})
	}
	return rest
}

// send writes one line.
func (s *session) send(format string, args ...any) {
	s.t.Helper()
	s.c.Sendf(format, args...)
}

// initialize performs the handshake as client "t" 1, declaring the
// elicitation capability when elicits is true.
func (s *session) initialize(elicits bool) wireMsg {
	s.t.Helper()
	caps := `{}`
	if elicits {
		caps = `{"elicitation":{}}`
	}
	s.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":%s,"clientInfo":{"name":"t","version":"1"}}}`, caps)
	m := s.response(1)
	s.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	return m
}

// callTool sends a tools/call with request id id.
func (s *session) callTool(id int, name string, args any) {
	s.t.Helper()
	b, err := json.Marshal(args)
	require.NoError(s.t, err)
	s.send(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":%s}}`, id, name, b)
}

// take waits for the first message, in arrival order, that matches and
// removes it from the backlog.
func (s *session) take(match func(wireMsg) bool, what string) wireMsg {
	s.t.Helper()
	return wireMsg{s.c.Take(func(m rpcclient.Message) bool { return match(wireMsg{m}) }, what)}
}

// response waits for the response to request id.
func (s *session) response(id int) wireMsg {
	s.t.Helper()
	return wireMsg{s.c.Response(id)}
}

// elicitation waits for the next elicitation/create request.
func (s *session) elicitation() wireMsg {
	s.t.Helper()
	return s.take(func(m wireMsg) bool { return m.Method == "elicitation/create" && len(m.ID) > 0 }, "elicitation request")
}

// events takes the notifications of request id up to and including the
// first of type last.
func (s *session) events(id int, last string) []wireMsg {
	s.t.Helper()
	want := fmt.Sprint(id)
	var out []wireMsg
	for {
		m := s.take(func(m wireMsg) bool { return m.isEventOf(want) }, "events of request "+want+" up to "+last)
		out = append(out, m)
		if m.asEvent(s.t).Msg.Type == last {
			return out
		}
	}
}

// result decodes a tools/call result.
func result(t *testing.T, m wireMsg) toolResult {
	t.Helper()
	require.Nil(t, m.Error, m.Raw)
	var r toolResult
	require.NoError(t, json.Unmarshal(m.Result, &r), m.Raw)
	return r
}
