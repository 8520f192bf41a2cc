package tests

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/tests/fakemodel"
)

// remoteMCP is a streamable HTTP MCP server run by the test process (with
// mcp-go's server side), offering the tools echo and add, recording the
// headers it is sent and refusing requests without the expected bearer
// token when one is set.
type remoteMCP struct {
	url   string
	token string

	mu      sync.Mutex
	headers []http.Header
}

// startRemoteMCP starts a remoteMCP server for the test.
func startRemoteMCP(t *testing.T, token string) *remoteMCP {
	t.Helper()
	s := mcpserver.NewMCPServer("remote-test", "1.0.0", mcpserver.WithToolCapabilities(false))
	s.AddTool(mcp.NewTool("echo",
		mcp.WithDescription("Returns its text argument."),
		mcp.WithString("text", mcp.Required()),
	), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText("remote says: " + req.GetString("text", "")), nil
	})
	s.AddTool(mcp.NewTool("add",
		mcp.WithDescription("Adds two numbers."),
		mcp.WithNumber("a", mcp.Required()),
		mcp.WithNumber("b", mcp.Required()),
	), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText(fmt.Sprint(req.GetFloat("a", 0) + req.GetFloat("b", 0))), nil
	})
	h := mcpserver.NewStreamableHTTPServer(s)
	r := &remoteMCP{token: token}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.headers = append(r.headers, req.Header.Clone())
		r.mu.Unlock()
		if r.token != "" && req.Header.Get("Authorization") != "Bearer "+r.token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.url = srv.URL + "/mcp"
	return r
}

// seen returns the headers of every request so far.
func (r *remoteMCP) seen() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]http.Header(nil), r.headers...)
}

// toolNames returns the names of the tools offered in a model request.
func toolNames(t *testing.T, body []byte) []string {
	t.Helper()
	var req struct {
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	require.NoError(t, json.Unmarshal(body, &req))
	var names []string
	for _, tool := range req.Tools {
		names = append(names, tool.Name)
	}
	return names
}

// deadURL is a streamable HTTP server address nobody listens on.
const deadURL = "http://127.0.0.1:1/mcp"

func TestMCPRemoteServerInConversation(t *testing.T) {
	remote := startRemoteMCP(t, "tok-123")
	model := fakemodel.Start(fakemodel.Script(
		fakemodel.FunctionCall("call1", "remote__echo", `{"text":"over http"}`),
		fakemodel.TextDeltas([]string{"done"}),
	))
	t.Cleanup(model.Close)
	config := mockConfig(model.URL, 0, 0) + fmt.Sprintf(`
[mcp_servers.remote]
url = %q
bearer_token_env_var = "REMOTE_MCP_TOKEN"
http_headers = { X-Static = "fixed" }
env_http_headers = { X-From-Env = "REMOTE_MCP_HEADER" }
disabled_tools = ["add"]

[mcp_servers.down]
url = %q

[mcp_servers.off]
url = %q
enabled = false
`, remote.url, deadURL, deadURL)
	s := startAppServer(t, serverEnv{config: config, env: []string{"REMOTE_MCP_TOKEN=tok-123", "REMOTE_MCP_HEADER=from-env"}})
	s.initialize()
	conv, _ := s.newConversation(map[string]any{"approvalPolicy": "never"})
	s.listen(conv)
	s.sendText(conv, "use the remote tool")
	events := s.eventsUntil(conv, "task_complete")

	var end, errs []string
	for _, ev := range events {
		switch ev.eventType() {
		case "mcp_tool_call_end":
			end = append(end, ev.Raw)
		case "error":
			errs = append(errs, ev.Raw)
		}
		// The 0.45 protocol has no start-up progress events.
		assert.NotEqual(t, "codex/event/mcp_startup_update", ev.Method)
	}
	require.Len(t, end, 1, "events:\n%s", rawLines(events))
	assert.Contains(t, end[0], `"invocation":{"server":"remote","tool":"echo","arguments":{"text":"over http"}}`)
	assert.Contains(t, end[0], `"result":{"Ok":{"content":[{"type":"text","text":"remote says: over http"}]}}`)

	// The server that is down is an error event of the session (id ""),
	// worded as the reference words it; the turn went on all the same.
	require.Len(t, errs, 1, "events:\n%s", rawLines(events))
	assert.Contains(t, errs[0], `"params":{"id":"","msg":{"type":"error","message":"MCP client for `+"`down`"+` failed to start: `)
	assert.Contains(t, errs[0], "connection refused")

	reqs := model.Requests()
	require.Len(t, reqs, 2)
	names := toolNames(t, reqs[0].Body)
	assert.Contains(t, names, "remote__echo")
	assert.NotContains(t, names, "remote__add", "disabled_tools")
	for _, n := range names {
		assert.False(t, strings.HasPrefix(n, "down__") || strings.HasPrefix(n, "off__"), n)
	}
	assert.Contains(t, string(reqs[1].Body), "remote says: over http")

	headers := remote.seen()
	require.NotEmpty(t, headers)
	for _, h := range headers {
		assert.Equal(t, "Bearer tok-123", h.Get("Authorization"))
		assert.Equal(t, "fixed", h.Get("X-Static"))
		assert.Equal(t, "from-env", h.Get("X-From-Env"))
	}
}

// requiredConfig is a config whose server "must" is required and down.
func requiredConfig(modelURL string) string {
	return mockConfig(modelURL, 0, 0) + fmt.Sprintf(`
[mcp_servers.must]
url = %q
required = true
`, deadURL)
}

func TestMCPRequiredServerFailsTheConversation(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script(fakemodel.TextDeltas([]string{"unreachable"})))
	t.Cleanup(model.Close)

	t.Run("newConversation", func(t *testing.T) {
		s := startAppServer(t, serverEnv{config: requiredConfig(model.URL)})
		s.initialize()
		m := s.call("newConversation", map[string]any{})
		require.NotNil(t, m.Error, m.Raw)
		assert.Contains(t, m.Error.Message, "required MCP servers failed to initialize: must: ")
		assert.Contains(t, m.Error.Message, "connection refused")
		// The server keeps serving, and no session was left behind.
		s.callResult("getUserAgent", map[string]any{}, nil)
		assert.Empty(t, rolloutFiles(t, s.home))
	})

	t.Run("thread/start", func(t *testing.T) {
		s := startV2Server(t, serverEnv{config: requiredConfig(model.URL)})
		m := s.call("thread/start", map[string]any{"cwd": s.workDir})
		require.NotNil(t, m.Error, m.Raw)
		assert.Equal(t, int64(-32603), int64(m.Error.Code))
		assert.Contains(t, m.Error.Message, "error creating thread: required MCP servers failed to initialize: must: ")
		s.v2Result("thread/list", map[string]any{}, nil)
	})

	t.Run("exec", func(t *testing.T) {
		setup := newExecSetup(t)
		require.NoError(t, os.WriteFile(filepath.Join(setup.home, "config.toml"), []byte(requiredConfig(model.URL)), 0o600))
		res := setup.run(t, "", "hello")
		assert.Equal(t, 1, res.code)
		assert.Contains(t, res.stderr, "required MCP servers failed to initialize: must: ")
		assert.Empty(t, rolloutFiles(t, setup.home))
	})
}

func TestMCPOptionalServerFailureInExec(t *testing.T) {
	setup := newExecSetup(t, fakemodel.TextDeltas([]string{"still answered"}))
	config := mockConfig(setup.model.URL, 0, 0) + fmt.Sprintf("\n[mcp_servers.down]\nurl = %q\n", deadURL)
	require.NoError(t, os.WriteFile(filepath.Join(setup.home, "config.toml"), []byte(config), 0o600))
	res := setup.run(t, "", "hello")
	// Shown as an error, but the turn runs and succeeds: only a required
	// server's failure fails the run.
	assert.Equal(t, 0, res.code)
	assert.Contains(t, res.stdout, "ERROR: MCP client for `down` failed to start: ")
	assert.Contains(t, res.stdout, "still answered")
}

func TestV2MCPStartupStatus(t *testing.T) {
	remote := startRemoteMCP(t, "")
	model := fakemodel.Start(fakemodel.Script(fakemodel.TextDeltas([]string{"ok"})))
	t.Cleanup(model.Close)
	config := mockConfig(model.URL, 0, 0) + fmt.Sprintf(`
[mcp_servers.good]
url = %q

[mcp_servers.bad]
url = %q
`, remote.url, deadURL)
	s := startV2Server(t, serverEnv{config: config})
	var started struct {
		Thread struct {
			ID string `json:"id"`
		} `json:"thread"`
	}
	s.v2Result("thread/start", map[string]any{"cwd": s.workDir}, &started)
	type status struct {
		ThreadID      *string `json:"threadId"`
		Name          string  `json:"name"`
		Status        string  `json:"status"`
		Error         *string `json:"error"`
		FailureReason *string `json:"failureReason"`
	}
	got := map[string][]status{}
	for range 4 {
		m := s.take(func(m rpcMessage) bool { return m.Method == "mcpServer/startupStatus/updated" }, "mcpServer/startupStatus/updated")
		checkV2(t, m.Method, m.Params, "notification")
		assert.Contains(t, m.Raw, `"environmentId":null`)
		var st status
		require.NoError(t, json.Unmarshal(m.Params, &st), m.Raw)
		require.NotNil(t, st.ThreadID)
		assert.Equal(t, started.Thread.ID, *st.ThreadID)
		assert.Nil(t, st.FailureReason)
		got[st.Name] = append(got[st.Name], st)
	}
	require.Len(t, got["good"], 2)
	assert.Equal(t, "starting", got["good"][0].Status)
	assert.Equal(t, "ready", got["good"][1].Status)
	assert.Nil(t, got["good"][1].Error)
	require.Len(t, got["bad"], 2)
	assert.Equal(t, "starting", got["bad"][0].Status)
	assert.Equal(t, "failed", got["bad"][1].Status)
	require.NotNil(t, got["bad"][1].Error)
	assert.Contains(t, *got["bad"][1].Error, "MCP client for `bad` failed to start: ")
	// No v2 error notification: a failed optional server is a status.
	for _, m := range s.backlog() {
		assert.NotEqual(t, "error", m.Method, m.Raw)
	}
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return port
}

// startEverything runs @modelcontextprotocol/server-everything in
// streamableHttp mode and returns its MCP endpoint. The test is skipped
// when node, npm or the registry is unavailable.
func startEverything(t *testing.T) string {
	t.Helper()
	node, dir := npmPackagesDir(t, "mcpeverything")
	script := filepath.Join(dir, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")
	port := freePort(t)
	cmd := exec.Command(node, script, "streamableHttp")
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port))
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		once := sync.Once{}
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening on port") {
				once.Do(func() { close(listening) })
			}
		}
	}()
	select {
	case <-listening:
	case <-time.After(30 * time.Second):
		t.Fatal("server-everything did not start listening within 30s")
	}
	return fmt.Sprintf("http://127.0.0.1:%d/mcp", port)
}

func TestMCPServerEverythingOverStreamableHTTP(t *testing.T) {
	url := startEverything(t)
	model := fakemodel.Start(fakemodel.Script(
		fakemodel.FunctionCall("call1", "everything__echo", `{"message":"hello everything"}`),
		fakemodel.TextDeltas([]string{"done"}),
	))
	t.Cleanup(model.Close)
	config := mockConfig(model.URL, 0, 0) + fmt.Sprintf(`
[mcp_servers.everything]
url = %q
required = true
startup_timeout_sec = 30
`, url)
	s := startAppServer(t, serverEnv{config: config})
	s.initialize()
	conv, _ := s.newConversation(map[string]any{"approvalPolicy": "never"})
	s.listen(conv)
	s.sendText(conv, "echo something")
	events := s.eventsUntil(conv, "task_complete")

	var end []string
	for _, ev := range events {
		if ev.eventType() == "mcp_tool_call_end" {
			end = append(end, ev.Raw)
		}
		assert.NotEqual(t, "error", ev.eventType(), ev.Raw)
	}
	require.Len(t, end, 1, "events:\n%s", rawLines(events))
	assert.Contains(t, end[0], `"invocation":{"server":"everything","tool":"echo","arguments":{"message":"hello everything"}}`)
	assert.Contains(t, end[0], `"result":{"Ok":`)
	assert.Contains(t, end[0], "Echo: hello everything")

	reqs := model.Requests()
	require.Len(t, reqs, 2)
	names := toolNames(t, reqs[0].Body)
	assert.Contains(t, names, "everything__echo")
	assert.Contains(t, names, "everything__get-sum")
	assert.Contains(t, string(reqs[1].Body), "Echo: hello everything")
}
