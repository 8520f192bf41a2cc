package mcpclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/config"
)

// httpTestServer is a streamable HTTP MCP server (mcp-go's server side)
// that records the headers of the requests it gets and can insist on a
// bearer token.
type httpTestServer struct {
	url string
	// token, when set, is the bearer token every request must carry.
	token string

	mu      sync.Mutex
	headers []http.Header
	calls   int
}

// newHTTPTestServer starts a server offering the tools echo, add and slow.
func newHTTPTestServer(t *testing.T, token string) *httpTestServer {
	t.Helper()
	s := mcpserver.NewMCPServer("httptest", "1.0.0", mcpserver.WithToolCapabilities(false))
	s.AddTool(mcp.NewTool("echo",
		mcp.WithDescription("Returns its text argument."),
		mcp.WithString("text", mcp.Required()),
	), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText("echo: " + req.GetString("text", "")), nil
	})
	s.AddTool(mcp.NewTool("add",
		mcp.WithDescription("Adds two numbers."),
		mcp.WithNumber("a", mcp.Required()),
		mcp.WithNumber("b", mcp.Required()),
	), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText(strconv.FormatFloat(req.GetFloat("a", 0)+req.GetFloat("b", 0), 'f', -1, 64)), nil
	})
	s.AddTool(mcp.NewTool("slow",
		mcp.WithDescription("Waits until the call is cancelled."),
	), func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		select {
		case <-ctx.Done():
		case <-time.After(30 * time.Second):
		}
		return mcp.NewToolResultText("late"), nil
	})
	h := mcpserver.NewStreamableHTTPServer(s)
	ts := &httpTestServer{token: token}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		ts.headers = append(ts.headers, r.Header.Clone())
		ts.calls++
		ts.mu.Unlock()
		if ts.token != "" && r.Header.Get("Authorization") != "Bearer "+ts.token {
			w.Header().Set("WWW-Authenticate", `Bearer realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	ts.url = srv.URL + "/mcp"
	return ts
}

// seen returns the headers of every request so far.
func (s *httpTestServer) seen() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.headers...)
}

func TestHTTPServerToolsAndCalls(t *testing.T) {
	srv := newHTTPTestServer(t, "")
	m := startAll(t, map[string]config.MCPServerConfig{"remote": {URL: srv.url}})

	var names []string
	for _, tool := range m.Tools() {
		names = append(names, tool.QualifiedName)
	}
	assert.Equal(t, []string{"remote__add", "remote__echo", "remote__slow"}, names)

	res, err := m.Call(context.Background(), "remote__echo", `{"text":"hi"}`)
	require.NoError(t, err)
	assert.JSONEq(t, `{"content":[{"type":"text","text":"echo: hi"}]}`, string(res))

	// A cancelled call ends at once, and the server hears about it.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = m.Call(ctx, "remote__slow", `{}`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cancelled")

	// Every request after initialize carries the session and the
	// negotiated protocol version.
	headers := srv.seen()
	require.GreaterOrEqual(t, len(headers), 3)
	last := headers[len(headers)-1]
	assert.NotEmpty(t, last.Get("Mcp-Session-Id"))
	assert.Equal(t, protocolVersion, last.Get("Mcp-Protocol-Version"))

	require.NoError(t, m.Close())
	_, err = m.Call(context.Background(), "remote__echo", `{"text":"hi"}`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "shut down")
}

func TestHTTPServerToolTimeout(t *testing.T) {
	srv := newHTTPTestServer(t, "")
	m := startAll(t, map[string]config.MCPServerConfig{"remote": {URL: srv.url, ToolTimeoutSec: 0.2}})
	_, err := m.Call(context.Background(), "remote__slow", `{}`)
	require.Error(t, err)
	assert.Equal(t, "tool call to MCP server remote timed out after 200ms", err.Error())
}

func TestHTTPServerBearerToken(t *testing.T) {
	srv := newHTTPTestServer(t, "s3cret")
	cfg := config.MCPServerConfig{URL: srv.url, BearerTokenEnvVar: "TEST_MCP_TOKEN"}

	m := startAll(t, map[string]config.MCPServerConfig{"remote": cfg},
		WithEnviron([]string{"TEST_MCP_TOKEN=s3cret"}))
	res, err := m.Call(context.Background(), "remote__echo", `{"text":"with token"}`)
	require.NoError(t, err)
	assert.Contains(t, string(res), "echo: with token")
	for _, h := range srv.seen() {
		assert.Equal(t, "Bearer s3cret", h.Get("Authorization"))
	}

	cases := []struct {
		name    string
		environ []string
		want    string
		is      error
	}{
		{"unset", nil, "environment variable TEST_MCP_TOKEN (bearer_token_env_var of MCP server remote) is not set", nil},
		{"empty", []string{"TEST_MCP_TOKEN="}, "environment variable TEST_MCP_TOKEN (bearer_token_env_var of MCP server remote) is empty", nil},
		{"wrong", []string{"TEST_MCP_TOKEN=nope"}, "HTTP 401 Unauthorized", ErrAuthorizationRequired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, failures := Start(context.Background(), map[string]config.MCPServerConfig{"remote": cfg}, WithEnviron(tc.environ))
			defer func() { _ = m.Close() }()
			require.Len(t, failures, 1)
			assert.Contains(t, failures[0].Error(), "MCP client for `remote` failed to start: ")
			assert.Contains(t, failures[0].Error(), tc.want)
			if tc.is != nil {
				assert.ErrorIs(t, failures[0], tc.is)
			}
			assert.Empty(t, m.Tools())
		})
	}
}

func TestHTTPServerAuthorizer(t *testing.T) {
	srv := newHTTPTestServer(t, "from-hook")
	type asked struct{ server, url string }
	var mu sync.Mutex
	var calls []asked
	authorize := func(_ context.Context, server, url string) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, asked{server, url})
		return "Bearer from-hook", nil
	}
	m := startAll(t, map[string]config.MCPServerConfig{"remote": {URL: srv.url}}, WithAuthorizer(authorize))
	_, err := m.Call(context.Background(), "remote__echo", `{"text":"x"}`)
	require.NoError(t, err)
	mu.Lock()
	require.NotEmpty(t, calls)
	// Asked before every request, with the server's name and URL.
	assert.Len(t, calls, len(srv.seen()))
	assert.Equal(t, asked{"remote", srv.url}, calls[0])
	mu.Unlock()

	// An authorizer's error fails the start-up, and bearer_token_env_var
	// takes precedence over the authorizer.
	noLogin := func(context.Context, string, string) (string, error) {
		return "", errors.Join(ErrAuthorizationRequired, errors.New("run codex mcp login remote"))
	}
	m2, failures := Start(context.Background(), map[string]config.MCPServerConfig{"remote": {URL: srv.url}}, WithAuthorizer(noLogin))
	defer func() { _ = m2.Close() }()
	require.Len(t, failures, 1)
	assert.ErrorIs(t, failures[0], ErrAuthorizationRequired)
	assert.Contains(t, failures[0].Error(), "run codex mcp login remote")

	m3 := startAll(t, map[string]config.MCPServerConfig{"remote": {URL: srv.url, BearerTokenEnvVar: "T"}},
		WithAuthorizer(noLogin), WithEnviron([]string{"T=from-hook"}))
	assert.Len(t, m3.Tools(), 3)
}

func TestHTTPServerHeaders(t *testing.T) {
	srv := newHTTPTestServer(t, "")
	cfg := config.MCPServerConfig{
		URL:            srv.url,
		HTTPHeaders:    map[string]string{"X-Static": "fixed"},
		EnvHTTPHeaders: map[string]string{"X-From-Env": "TEST_HEADER_VALUE", "X-Unset": "TEST_NOT_SET", "X-Empty": "TEST_EMPTY"},
	}
	startAll(t, map[string]config.MCPServerConfig{"remote": cfg},
		WithEnviron([]string{"TEST_HEADER_VALUE=from env", "TEST_EMPTY="}))
	headers := srv.seen()
	require.NotEmpty(t, headers)
	for _, h := range headers {
		assert.Equal(t, "fixed", h.Get("X-Static"))
		assert.Equal(t, "from env", h.Get("X-From-Env"))
		assert.NotContains(t, h, "X-Unset")
		assert.NotContains(t, h, "X-Empty")
		assert.Empty(t, h.Get("Authorization"))
	}

	bad := config.MCPServerConfig{URL: srv.url, HTTPHeaders: map[string]string{"Bad Header": "x"}}
	m, failures := Start(context.Background(), map[string]config.MCPServerConfig{"remote": bad})
	defer func() { _ = m.Close() }()
	require.Len(t, failures, 1)
	assert.Contains(t, failures[0].Error(), `invalid HTTP header name "Bad Header"`)
}

func TestToolFiltersAndDisabledServers(t *testing.T) {
	srv := newHTTPTestServer(t, "")
	var updates []StartupUpdate
	m := startAll(t, map[string]config.MCPServerConfig{
		"only":  {URL: srv.url, EnabledTools: []string{"echo", "add", "missing"}, DisabledTools: []string{"add"}},
		"minus": {URL: srv.url, DisabledTools: []string{"slow"}},
		"none":  {URL: srv.url, EnabledTools: []string{}},
		"stdio": {Command: serverBin, EnabledTools: []string{"echo"}},
		"off":   {URL: "http://127.0.0.1:1/never", Disabled: true},
	}, WithStartupObserver(func(u StartupUpdate) { updates = append(updates, u) }))

	var names []string
	for _, tool := range m.Tools() {
		names = append(names, tool.QualifiedName)
	}
	assert.Equal(t, []string{"minus__add", "minus__echo", "only__echo", "stdio__echo"}, names)
	assert.Equal(t, []string{"minus", "none", "only", "stdio"}, m.Servers())

	// Every enabled server is reported starting, in name order, before any
	// outcome; the disabled one is never mentioned.
	require.Len(t, updates, 8)
	for i, name := range []string{"minus", "none", "only", "stdio"} {
		assert.Equal(t, StartupUpdate{Server: name, State: StartupStarting}, updates[i])
	}
	ready := map[string]bool{}
	for _, u := range updates[4:] {
		assert.Equal(t, StartupReady, u.State)
		ready[u.Server] = true
	}
	assert.Len(t, ready, 4)
}

func TestHTTPServerStartFailures(t *testing.T) {
	notMCP := httptest.NewServer(http.NotFoundHandler())
	defer notMCP.Close()
	hang := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer hanging.Close()
	defer close(hang)

	var updates []StartupUpdate
	m, failures := Start(context.Background(), map[string]config.MCPServerConfig{
		"refused": {URL: "http://127.0.0.1:1/mcp", Required: true},
		"notmcp":  {URL: notMCP.URL},
		"hanging": {URL: hanging.URL, StartupTimeoutSec: 0.3},
	}, WithStartupObserver(func(u StartupUpdate) { updates = append(updates, u) }))
	defer func() { _ = m.Close() }()
	require.Len(t, failures, 3)
	got := map[string]StartFailure{}
	for _, f := range failures {
		got[f.Server] = f
	}
	assert.True(t, got["refused"].Required)
	assert.False(t, got["notmcp"].Required)
	assert.Contains(t, got["refused"].Error(), "connection refused")
	assert.Contains(t, got["notmcp"].Error(), "older HTTP+SSE transport")
	assert.Equal(t, "MCP client for `hanging` failed to start: server did not start: timed out after 300ms", got["hanging"].Error())

	failed := 0
	for _, u := range updates {
		if u.State == StartupFailed {
			failed++
			require.NotNil(t, u.Failure)
			assert.Equal(t, got[u.Server], *u.Failure)
		}
	}
	assert.Equal(t, 3, failed)
}
