package tests

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/mcpauth"
	"github.com/codex-go/codex/internal/oauthtest"
)

// mcpLogin runs `codex mcp login` and plays the browser: it opens the
// authorization URL the command prints and follows the redirects to the
// command's callback server. It returns the command's stdout, stderr and
// exit status, and the authorization URL.
func mcpLogin(t *testing.T, home string, args ...string) (stdout, stderr string, code int, authURL string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, codexBin, append([]string{"mcp", "login"}, args...)...)
	cmd.Env = append(filteredEnv(), "CODEX_HOME="+home, "CODEX_LOGIN_NO_BROWSER=1")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	require.NoError(t, cmd.Start())
	var all strings.Builder
	sc := bufio.NewScanner(out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		all.WriteString(line + "\n")
		if authURL == "" && strings.HasPrefix(line, "http") {
			authURL = line
			resp, err := http.Get(line)
			require.NoError(t, err)
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode, string(page))
			assert.Equal(t, "Authentication complete. You may close this window.", string(page))
		}
	}
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return all.String(), errOut.String(), code, authURL
}

func TestMCPOAuthLoginRefreshLogout(t *testing.T) {
	srv := oauthtest.New(10 * time.Second) // expires inside the refresh window
	defer srv.Close()
	home := t.TempDir()
	config := fmt.Sprintf(`[mcp_servers.docs]
url = %q
scopes = ["mcp:read"]

[mcp_servers.files]
command = "files-server"
`, srv.MCPURL())
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(config), 0o600))
	ctx := context.Background()

	// Before login the token source tells the user what to run.
	store := mcpauth.NewStore(home)
	_, err := store.Authorization(ctx, "docs", srv.MCPURL())
	require.ErrorIs(t, err, mcpauth.ErrLoginRequired)
	assert.Contains(t, err.Error(), "run `codex mcp login docs`")

	stdout, stderr, code, authURL := mcpLogin(t, home, "docs", "--scopes", "mcp:read,mcp:write")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "Authorize `docs` by opening this URL in your browser:\n"+authURL+"\n\n"+
		"Successfully logged in to MCP server 'docs'.\n", stdout)
	stats := srv.Stats()
	assert.Equal(t, 1, stats.Registrations)
	assert.Equal(t, 1, stats.CodeExchanges)
	assert.Equal(t, "mcp:read mcp:write offline_access", stats.Scope, "--scopes wins over config")
	assert.Equal(t, srv.MCPURL(), stats.Resource)

	path := filepath.Join(home, ".credentials.json")
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	var file map[string]struct {
		ServerName   string   `json:"server_name"`
		ServerURL    string   `json:"server_url"`
		ClientID     string   `json:"client_id"`
		AccessToken  string   `json:"access_token"`
		ExpiresAt    int64    `json:"expires_at"`
		RefreshToken string   `json:"refresh_token"`
		Scopes       []string `json:"scopes"`
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &file))
	require.Len(t, file, 1)
	entry, ok := file[mcpauth.StoreKey("docs", srv.MCPURL())]
	require.True(t, ok, string(data))
	assert.Equal(t, "docs", entry.ServerName)
	assert.Equal(t, srv.MCPURL(), entry.ServerURL)
	assert.NotEmpty(t, entry.ClientID)
	assert.True(t, srv.ValidToken(entry.AccessToken))
	assert.NotEmpty(t, entry.RefreshToken)
	assert.Equal(t, []string{"mcp:read", "mcp:write", "offline_access"}, entry.Scopes)
	assert.InDelta(t, time.Now().Add(10*time.Second).UnixMilli(), entry.ExpiresAt, 60_000)

	// The token expires within 30 s, so the token source refreshes it and
	// the MCP endpoint accepts the new one.
	srv.SetTTL(time.Hour)
	header, err := store.Authorization(ctx, "docs", srv.MCPURL())
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Stats().Refreshes)
	assert.NotEqual(t, "Bearer "+entry.AccessToken, header)
	req, err := http.NewRequest(http.MethodPost, srv.MCPURL(), strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", header)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	runMCPSteps(t, home, []mcpStep{
		{args: []string{"mcp", "logout", "docs"}, wantStdout: "Removed OAuth credentials for 'docs'.\n"},
		{args: []string{"mcp", "logout", "docs"}, wantStdout: "No OAuth credentials stored for 'docs'.\n"},
		{args: []string{"mcp", "logout", "files"}, wantCode: 1, wantStderr: "OAuth logout is only supported for streamable_http transports."},
		{args: []string{"mcp", "logout", "nope"}, wantCode: 1, wantStderr: "No MCP server named 'nope' found in configuration."},
		{args: []string{"mcp", "login", "files"}, wantCode: 1, wantStderr: "OAuth login is only supported for streamable HTTP servers."},
		{args: []string{"mcp", "login", "nope"}, wantCode: 1, wantStderr: "No MCP server named 'nope' found."},
	})
	_, err = os.Stat(path)
	assert.ErrorIs(t, err, os.ErrNotExist)
	_, err = store.Authorization(ctx, "docs", srv.MCPURL())
	assert.ErrorIs(t, err, mcpauth.ErrLoginRequired)
}

func TestMCPOAuthLoginPreregisteredClient(t *testing.T) {
	srv := oauthtest.New(time.Hour)
	defer srv.Close()
	srv.DisableRegistration()
	srv.AddClient("cid123", "sec")
	home := t.TempDir()
	config := fmt.Sprintf(`mcp_oauth_credentials_store = "file"

[mcp_servers.docs]
url = %q

[mcp_servers.docs.oauth]
client_id = "cid123"
client_secret = "sec"
callback_url = "http://127.0.0.1/callback/fixed"
`, srv.MCPURL())
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(config), 0o600))

	_, stderr, code, authURL := mcpLogin(t, home, "docs")
	require.Equal(t, 0, code, stderr)
	u, err := url.Parse(authURL)
	require.NoError(t, err)
	assert.Equal(t, "cid123", u.Query().Get("client_id"))
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+/callback/fixed$`, u.Query().Get("redirect_uri"))
	assert.Equal(t, "mcp:read mcp:write offline_access", srv.Stats().Scope, "scopes of the server's challenge")
	assert.Equal(t, 0, srv.Stats().Registrations)
	c, err := mcpauth.NewStore(home).Load("docs", srv.MCPURL())
	require.NoError(t, err)
	require.NotNil(t, c)
	assert.Equal(t, "cid123", c.ClientID)
}

func TestMCPOAuthLoginConfigErrors(t *testing.T) {
	srv := oauthtest.New(time.Hour)
	defer srv.Close()
	tests := []struct {
		name, config, want string
	}{
		{"keyring store", "mcp_oauth_credentials_store = \"keyring\"\n[mcp_servers.docs]\nurl = %q\n", `mcp_oauth_credentials_store = "keyring" is not supported`},
		{"bearer token", "[mcp_servers.docs]\nurl = %q\nbearer_token_env_var = \"TOKEN\"\n", "OAuth login is not supported when a bearer token is configured."},
		{"bad scopes", "[mcp_servers.docs]\nurl = %q\nscopes = \"a\"\n", "mcp_servers.docs.scopes: expected an array of strings"},
		{"bad port", "mcp_oauth_callback_port = \"x\"\n[mcp_servers.docs]\nurl = %q\n", "mcp_oauth_callback_port: expected an integer"},
		{"bad toml", "[mcp_servers.docs\nurl = %q\n", "config.toml"},
		{"unreachable", "[mcp_servers.docs]\nurl = \"%s/elsewhere\"\n", "reach MCP server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			target := srv.MCPURL()
			if strings.Contains(tt.config, "/elsewhere") {
				target = "http://127.0.0.1:1"
			}
			require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(fmt.Sprintf(tt.config, target)), 0o600))
			stdout, stderr, code := mcpRun(t, home, "mcp", "login", "docs")
			assert.Equal(t, 1, code, stdout)
			assert.Contains(t, stderr, tt.want)
			assert.NotContains(t, stdout, "Successfully")
		})
	}
}
