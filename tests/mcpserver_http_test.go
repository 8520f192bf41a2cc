package tests

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/tests/fakemodel"
)

// mcpHTTPServer is `codex mcp-server --listen` running with a fresh
// CODEX_HOME and working directory.
type mcpHTTPServer struct {
	url    string
	home   string
	work   string
	cmd    *exec.Cmd
	exited chan error

	mu     sync.Mutex
	stderr bytes.Buffer
}

// log returns what the server wrote to stderr so far.
func (s *mcpHTTPServer) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

// startMCPHTTP starts the server with config and extra arguments, and
// waits for the URL it prints.
func startMCPHTTP(t *testing.T, config string, args ...string) *mcpHTTPServer {
	t.Helper()
	s, err := launchMCPHTTP(t, config, args...)
	require.NoError(t, err)
	return s
}

// launchMCPHTTP starts the server and returns an error when it exits
// before printing its URL (the error holds its stderr).
func launchMCPHTTP(t *testing.T, config string, args ...string) (*mcpHTTPServer, error) {
	t.Helper()
	home, work := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(config), 0o600))
	s := &mcpHTTPServer{home: home, work: work, exited: make(chan error, 1)}
	if len(args) == 0 {
		args = []string{"--listen", "http://127.0.0.1:0"}
	}
	s.cmd = exec.Command(codexBin, append([]string{"mcp-server"}, args...)...)
	s.cmd.Env = append(filteredEnv(), "CODEX_HOME="+home, "HOME="+home)
	s.cmd.Dir = work
	pipe, err := s.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, s.cmd.Start())
	urls := make(chan string, 1)
	go func() {
		r := bufio.NewReader(pipe)
		for {
			line, err := r.ReadString('\n')
			s.mu.Lock()
			s.stderr.WriteString(line)
			s.mu.Unlock()
			if _, url, ok := strings.Cut(line, "listening on "); ok {
				urls <- strings.TrimSpace(url)
			}
			if err != nil {
				s.exited <- s.cmd.Wait()
				close(urls)
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		if t.Failed() {
			t.Logf("mcp-server stderr:\n%s", s.log())
		}
	})
	select {
	case url, ok := <-urls:
		if !ok {
			return nil, fmt.Errorf("mcp-server exited before listening:\n%s", s.log())
		}
		s.url = url
		return s, nil
	case <-time.After(waitLimit):
		return nil, fmt.Errorf("mcp-server printed no URL:\n%s", s.log())
	}
}

// stop sends SIGTERM and waits for the server to exit.
func (s *mcpHTTPServer) stop(t *testing.T) error {
	t.Helper()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-s.exited:
		return err
	case <-time.After(waitLimit):
		t.Fatalf("mcp-server did not exit after SIGTERM")
		return nil
	}
}

// httpMCPHost connects an mcp-go streamable HTTP client to the server.
func httpMCPHost(t *testing.T, url string, headers map[string]string, opts ...client.ClientOption) (*client.Client, *mcpEventLog) {
	t.Helper()
	tr, err := transport.NewStreamableHTTP(url, transport.WithHTTPHeaders(headers))
	require.NoError(t, err)
	c := client.NewClient(tr, opts...)
	require.NoError(t, c.Start(context.Background()))
	events := newMCPEventLog()
	c.OnNotification(events.add)
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	_, err = c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: "2025-06-18",
		ClientInfo:      mcp.Implementation{Name: "mcp-http-test", Version: "1.0"},
	}})
	require.NoError(t, err)
	return c, events
}

func TestMCPHTTPCodexCallWithElicitation(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script(mcpBash("call1", mcpWriteScript), mcpHello(), fakemodel.TextDeltas([]string{"Second answer"})))
	t.Cleanup(model.Close)
	srv := startMCPHTTP(t, mcpModelConfig(model))
	assert.True(t, strings.HasPrefix(srv.url, "http://127.0.0.1:") && strings.HasSuffix(srv.url, "/mcp"), srv.url)

	var mu sync.Mutex
	var asked []mcp.ElicitationRequest
	c, events := httpMCPHost(t, srv.url, nil, client.WithElicitationHandler(elicitFunc(
		func(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
			mu.Lock()
			asked = append(asked, req)
			mu.Unlock()
			return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{}}}, nil
		})))

	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	tools, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	require.NoError(t, err)
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	assert.Equal(t, []string{"codex", "codex-reply"}, names)

	r, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "codex", Arguments: map[string]any{
		"prompt": "write the file", "cwd": srv.work, "approval-policy": "untrusted", "sandbox": "workspace-write",
	}}})
	require.NoError(t, err)
	assert.False(t, r.IsError)
	assert.Equal(t, "Hello from mock", resultText(t, r))
	content, err := os.ReadFile(filepath.Join(srv.work, "out.txt"))
	require.NoError(t, err, "the command approved over HTTP did not run")
	assert.Equal(t, "hi\n", string(content))
	mu.Lock()
	require.Len(t, asked, 1)
	assert.Equal(t, fmt.Sprintf("Allow Codex to run `bash -lc 'echo hi > out.txt; cat out.txt'` in `%s`?", srv.work), asked[0].Params.Message)
	mu.Unlock()

	// The events came on the call's SSE stream before its result.
	first := events.all()
	require.NotEmpty(t, first)
	var types []string
	for _, e := range first {
		assert.Equal(t, first[0].RequestID, e.RequestID)
		types = append(types, e.Type)
	}
	assert.Equal(t, "session_configured", types[0])
	assert.Subset(t, types, []string{"exec_approval_request", "exec_command_end", "task_complete"})
	assert.Equal(t, "task_complete", types[len(types)-1])

	conv := (&mcpHost{events: events}).sessionOf(t, first[0].RequestID)
	r, err = c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "codex-reply", Arguments: map[string]any{
		"conversationId": conv, "prompt": "and now?",
	}}})
	require.NoError(t, err)
	assert.Equal(t, "Second answer", resultText(t, r))
	assert.Contains(t, model.Requests()[0].Header.Get("User-Agent"), "(mcp-http-test; 1.0)")
}

// rawHTTP is a minimal streamable HTTP client: it shows exactly what the
// server answers.
type rawHTTP struct {
	url     string
	session string
	headers map[string]string
}

// httpAnswer is a POST's answer: the status, the headers and the messages
// (from a JSON body or from every SSE event).
type httpAnswer struct {
	status   int
	header   http.Header
	body     string
	messages []json.RawMessage
}

// post sends body with the session's header and reads the whole answer.
func (c *rawHTTP) post(t *testing.T, body string, accept string, extra ...string) httpAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", accept)
	return c.do(t, req, extra...)
}

// do sends req with the client's headers, then extra name/value pairs.
func (c *rawHTTP) do(t *testing.T, req *http.Request, extra ...string) httpAnswer {
	t.Helper()
	if c.session != "" {
		req.Header.Set("Mcp-Session-Id", c.session)
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if strings.EqualFold(extra[i], "Host") {
			req.Host = extra[i+1]
			continue
		}
		req.Header.Set(extra[i], extra[i+1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := httpAnswer{status: resp.StatusCode, header: resp.Header, body: string(data)}
	switch {
	case strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream"):
		for line := range strings.SplitSeq(string(data), "\n") {
			if payload, ok := strings.CutPrefix(line, "data: "); ok {
				a.messages = append(a.messages, json.RawMessage(payload))
			}
		}
	case strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && len(data) > 0:
		if data[0] == '[' {
			require.NoError(t, json.Unmarshal(data, &a.messages))
		} else {
			a.messages = []json.RawMessage{data}
		}
	}
	return a
}

// initialize opens a session.
func (c *rawHTTP) initialize(t *testing.T, name string) {
	t.Helper()
	a := c.post(t, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"`+name+`","version":"1"}}}`,
		"application/json, text/event-stream")
	require.Equal(t, http.StatusOK, a.status, a.body)
	c.session = a.header.Get("Mcp-Session-Id")
	require.NotEmpty(t, c.session)
	require.Len(t, a.messages, 1)
	assert.Contains(t, string(a.messages[0]), `"codex-mcp-server"`)
	a = c.post(t, `{"jsonrpc":"2.0","method":"notifications/initialized"}`, "application/json, text/event-stream")
	require.Equal(t, http.StatusAccepted, a.status, a.body)
}

// toolResultOf returns the text and error flag of the answer to id among msgs.
func toolResultOf(t *testing.T, msgs []json.RawMessage, id string) (string, bool) {
	t.Helper()
	for _, m := range msgs {
		var r struct {
			ID     json.RawMessage `json:"id"`
			Result *struct {
				Content []struct {
					Text string `json:"text"`
				} `json:"content"`
				IsError bool `json:"isError"`
			} `json:"result"`
		}
		require.NoError(t, json.Unmarshal(m, &r), string(m))
		if string(r.ID) == id && r.Result != nil {
			require.Len(t, r.Result.Content, 1)
			return r.Result.Content[0].Text, r.Result.IsError
		}
	}
	t.Fatalf("no result for id %s in %s", id, msgs)
	return "", false
}

func TestMCPHTTPSessionsAreIsolated(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script(mcpHello()))
	t.Cleanup(model.Close)
	srv := startMCPHTTP(t, mcpModelConfig(model))
	a := &rawHTTP{url: srv.url}
	b := &rawHTTP{url: srv.url}
	a.initialize(t, "host-a")
	b.initialize(t, "host-b")
	assert.NotEqual(t, a.session, b.session)

	answer := a.post(t, `{"jsonrpc":"2.0","id":"call-a","method":"tools/call","params":{"name":"codex","arguments":{"prompt":"hi"}}}`,
		"application/json, text/event-stream")
	require.Equal(t, http.StatusOK, answer.status, answer.body)
	assert.Equal(t, "text/event-stream", answer.header.Get("Content-Type"))
	text, isErr := toolResultOf(t, answer.messages, `"call-a"`)
	assert.False(t, isErr)
	assert.Equal(t, "Hello from mock", text)
	var conv string
	for _, m := range answer.messages {
		var n struct {
			Method string `json:"method"`
			Params struct {
				Meta struct {
					RequestID string `json:"requestId"`
				} `json:"_meta"`
				Msg struct {
					Type      string `json:"type"`
					SessionID string `json:"session_id"`
				} `json:"msg"`
			} `json:"params"`
		}
		require.NoError(t, json.Unmarshal(m, &n))
		if n.Method == "codex/event" {
			assert.Equal(t, "call-a", n.Params.Meta.RequestID)
			if n.Params.Msg.Type == "session_configured" {
				conv = n.Params.Msg.SessionID
			}
		}
	}
	require.NotEmpty(t, conv, "no session_configured on the call's stream")

	// The conversation belongs to session a only.
	reply := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"codex-reply","arguments":{"conversationId":"` + conv + `","prompt":"again"}}}`
	answer = b.post(t, reply, "application/json")
	require.Equal(t, http.StatusOK, answer.status, answer.body)
	text, isErr = toolResultOf(t, answer.messages, "7")
	assert.True(t, isErr)
	assert.Equal(t, "Session not found for conversation_id: "+conv, text)
	// Each session has its own client identity in the user agent.
	assert.Contains(t, model.Requests()[0].Header.Get("User-Agent"), "(host-a; 1)")
}

func TestMCPHTTPDeleteEndsTheSession(t *testing.T) {
	srv := startMCPHTTP(t, "model = \"gpt-5\"\n")
	c := &rawHTTP{url: srv.url}
	c.initialize(t, "deleter")
	answer := c.post(t, `[{"jsonrpc":"2.0","id":2,"method":"ping"},{"jsonrpc":"2.0","id":3,"method":"tools/list"}]`, "application/json")
	require.Equal(t, http.StatusOK, answer.status, answer.body)
	require.Len(t, answer.messages, 2, "a batch is answered with an array")

	req, err := http.NewRequest(http.MethodDelete, srv.url, nil)
	require.NoError(t, err)
	answer = c.do(t, req)
	assert.Equal(t, http.StatusOK, answer.status, answer.body)
	answer = c.post(t, `{"jsonrpc":"2.0","id":4,"method":"ping"}`, "application/json")
	assert.Equal(t, http.StatusNotFound, answer.status, "a deleted session is unknown")
	req, err = http.NewRequest(http.MethodDelete, srv.url, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, c.do(t, req).status)
}

func TestMCPHTTPRefusals(t *testing.T) {
	srv := startMCPHTTP(t, "model = \"gpt-5\"\n")
	c := &rawHTTP{url: srv.url}
	c.initialize(t, "refusals")
	ping := `{"jsonrpc":"2.0","id":9,"method":"ping"}`
	huge := `{"jsonrpc":"2.0","id":9,"method":"ping","params":{"pad":"` + strings.Repeat("x", 5<<20) + `"}}`
	cases := []struct {
		name   string
		body   string
		accept string
		extra  []string
		status int
		logged string
	}{
		{"foreign origin", ping, "application/json", []string{"Origin", "http://evil.example"}, http.StatusForbidden, `origin \"http://evil.example\" is not allowed`},
		{"null origin", ping, "application/json", []string{"Origin", "null"}, http.StatusForbidden, `origin \"null\" is not allowed`},
		{"rebound host", ping, "application/json", []string{"Host", "evil.example:80"}, http.StatusForbidden, "is not a loopback address"},
		{"oversized body", huge, "application/json", nil, http.StatusRequestEntityTooLarge, "the body is larger than"},
		{"not json", "{", "application/json", nil, http.StatusBadRequest, "the body is not JSON"},
		{"not a message", `{"id":1}`, "application/json", nil, http.StatusBadRequest, "a message must carry"},
		{"unknown session", ping, "application/json", []string{"Mcp-Session-Id", "nope"}, http.StatusNotFound, "session not found"},
		{"wrong media type", ping, "application/json", []string{"Content-Type", "text/plain"}, http.StatusUnsupportedMediaType, "application/json"},
		{"not acceptable", ping, "text/html", nil, http.StatusNotAcceptable, "must accept"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			answer := c.post(t, tc.body, tc.accept, tc.extra...)
			assert.Equal(t, tc.status, answer.status, answer.body)
			assert.Eventually(t, func() bool { return strings.Contains(srv.log(), tc.logged) }, waitLimit, 10*time.Millisecond,
				"the refusal is logged")
		})
	}
	// A loopback origin is fine, and the session still serves.
	answer := c.post(t, ping, "application/json", "Origin", "http://localhost:3000")
	require.Equal(t, http.StatusOK, answer.status, answer.body)
	assert.JSONEq(t, `{"id":9,"jsonrpc":"2.0","result":{}}`, string(answer.messages[0]))
	// Without a session, only initialize is served.
	fresh := &rawHTTP{url: srv.url}
	answer = fresh.post(t, ping, "application/json")
	assert.Equal(t, http.StatusBadRequest, answer.status)
	assert.Contains(t, answer.body, "Mcp-Session-Id")
}

func TestMCPHTTPBearerToken(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte("s3cret-token\n"), 0o600))

	// A non-loopback address needs a token.
	_, err := launchMCPHTTP(t, "model = \"gpt-5\"\n", "--listen", "http://0.0.0.0:0")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a loopback address, without a bearer token")

	srv := startMCPHTTP(t, "model = \"gpt-5\"\n", "--listen", "http://0.0.0.0:0", "--token-file", tokenFile)
	require.True(t, strings.HasPrefix(srv.url, "http://0.0.0.0:"), srv.url)
	url := strings.Replace(srv.url, "0.0.0.0", "127.0.0.1", 1)
	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	for _, tc := range []struct {
		name   string
		auth   string
		status int
		logged string
	}{
		{"missing token", "", http.StatusUnauthorized, "no bearer token"},
		{"wrong token", "Bearer s3cret-tokem", http.StatusUnauthorized, "wrong bearer token"},
		{"wrong scheme", "Basic s3cret-token", http.StatusUnauthorized, "wrong bearer token"},
		{"right token", "Bearer s3cret-token", http.StatusOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &rawHTTP{url: url}
			var extra []string
			if tc.auth != "" {
				extra = []string{"Authorization", tc.auth}
			}
			answer := c.post(t, init, "application/json", extra...)
			require.Equal(t, tc.status, answer.status, answer.body)
			if tc.status == http.StatusUnauthorized {
				assert.Equal(t, `Bearer realm="codex"`, answer.header.Get("WWW-Authenticate"))
				assert.Empty(t, answer.header.Get("Mcp-Session-Id"), "a refused request opened a session")
				assert.Eventually(t, func() bool { return strings.Contains(srv.log(), tc.logged) }, waitLimit, 10*time.Millisecond)
				assert.NotContains(t, srv.log(), "s3cret", "the token is never logged")
			} else {
				assert.NotEmpty(t, answer.header.Get("Mcp-Session-Id"))
			}
		})
	}

	// The mcp-go client gets through with the token.
	c, _ := httpMCPHost(t, url, map[string]string{"Authorization": "Bearer s3cret-token"})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	tools, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	require.NoError(t, err)
	assert.Len(t, tools.Tools, 2)
}

func TestMCPHTTPSigtermEndsSessionsAndFlushesRollouts(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script(mcpStall()))
	t.Cleanup(model.Close)
	srv := startMCPHTTP(t, mcpModelConfig(model))
	c := &rawHTTP{url: srv.url}
	c.initialize(t, "stopper")

	req, err := http.NewRequest(http.MethodPost, srv.url, strings.NewReader(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"codex","arguments":{"prompt":"long"}}}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Session-Id", c.session)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	sse := bufio.NewReader(resp.Body)
	var rollout string
	var delta bool
	for !delta {
		line, err := sse.ReadString('\n')
		require.NoError(t, err)
		payload, ok := strings.CutPrefix(strings.TrimSpace(line), "data: ")
		if !ok {
			continue
		}
		var n struct {
			Params struct {
				Msg struct {
					Type        string `json:"type"`
					RolloutPath string `json:"rollout_path"`
				} `json:"msg"`
			} `json:"params"`
		}
		require.NoError(t, json.Unmarshal([]byte(payload), &n))
		switch n.Params.Msg.Type {
		case "session_configured":
			rollout = n.Params.Msg.RolloutPath
		case "agent_message_delta":
			delta = true
		}
	}
	require.NotEmpty(t, rollout)

	require.NoError(t, srv.stop(t), "mcp-server did not exit cleanly on SIGTERM")
	rest, _ := io.ReadAll(sse)
	assert.Contains(t, string(rest), `"id":2`, "the interrupted call's stream is told the session ended")
	assert.Contains(t, string(rest), "the session ended before the request was answered")
	data, err := os.ReadFile(rollout)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"turn_aborted"`)
	assert.Contains(t, string(data), `"source":"mcp"`)
}
