package tests

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpgo "github.com/mark3labs/mcp-go/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/internal/oauthtest"
	"github.com/codex-go/codex/tests/fakemodel"
)

// TestMCPOAuthServerInAConversation signs in to an OAuth-protected remote
// MCP server with `codex mcp login`, then has the model call one of its
// tools in `codex exec`: the stored token reaches the server and the tool's
// answer reaches the model. Before the login, the server's refusal names
// the command that fixes it.
func TestMCPOAuthServerInAConversation(t *testing.T) {
	auth := oauthtest.New(time.Hour)
	t.Cleanup(auth.Close)
	tools := mcpgo.NewMCPServer("docs", "1.0.0", mcpgo.WithToolCapabilities(false))
	tools.AddTool(mcp.NewTool("lookup", mcp.WithString("term", mcp.Required())),
		func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText("definition of " + req.GetString("term", "")), nil
		})
	authorized := mcpgo.NewStreamableHTTPServer(tools)
	authURL, err := url.Parse(auth.URL())
	require.NoError(t, err)
	// The MCP endpoint answers requests with a valid token; the others get
	// the authorization server's own refusal, which points at its
	// metadata. Other paths (discovery) are the authorization server's.
	proxy := httputil.NewSingleHostReverseProxy(authURL)
	protected := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/mcp" {
			proxy.ServeHTTP(w, r)
			return
		}
		token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if token == "" || !auth.ValidToken(token) {
			r.URL.Path = strings.TrimPrefix(auth.MCPURL(), auth.URL())
			proxy.ServeHTTP(w, r)
			return
		}
		authorized.ServeHTTP(w, r)
	}))
	t.Cleanup(protected.Close)
	auth.SetProtectedResource(protected.URL + "/mcp")

	s := newExecSetup(t,
		fakemodel.Text("The docs server is not available"),
		fakemodel.FunctionCall("call_1", "docs__lookup", `{"term":"rollout"}`),
		fakemodel.Text("Looked it up"),
	)
	cfg, err := os.ReadFile(filepath.Join(s.home, "config.toml"))
	require.NoError(t, err)
	cfg = append(cfg, []byte("\n[mcp_servers.docs]\nurl = \""+protected.URL+"/mcp\"\n")...)
	require.NoError(t, os.WriteFile(filepath.Join(s.home, "config.toml"), cfg, 0o600))

	before := s.run(t, "", "--json", "look it up")
	assert.Contains(t, before.stdout, "codex mcp login docs", "the refusal says how to sign in")

	_, stderr, code, _ := mcpLogin(t, s.home, "docs")
	require.Equal(t, 0, code, stderr)

	res := s.run(t, "", "--json", "look it up")
	require.Equal(t, 0, res.code, res.stderr)
	assert.NotContains(t, res.stdout, `"type":"error"`)
	assert.Contains(t, res.stdout, `"type":"mcp_tool_call","server":"docs","tool":"lookup","status":"completed"`)
	body := s.requestBody(t, len(s.model.Requests())-1)
	assert.Contains(t, body, "definition of rollout")
}
