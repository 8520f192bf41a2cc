package mcpauth

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/internal/oauthtest"
)

// browse plays the user's browser: it opens u and follows the redirects to
// the callback server, returning the final status and page.
func browse(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// login runs a whole login against srv with the browser played by browse.
func login(t *testing.T, store *Store, o LoginOptions) *Login {
	t.Helper()
	ctx := context.Background()
	l, err := store.StartLogin(ctx, o)
	require.NoError(t, err)
	status, page := browse(t, l.AuthURL)
	assert.Equal(t, http.StatusOK, status, page)
	assert.Equal(t, "Authentication complete. You may close this window.", page)
	require.NoError(t, l.Wait(ctx))
	return l
}

// callMCP sends an initialize request with the given Authorization value.
func callMCP(t *testing.T, srv *oauthtest.Server, authorization string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.MCPURL(), strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", authorization)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func TestLoginWithDynamicRegistration(t *testing.T) {
	srv := oauthtest.New(time.Hour)
	defer srv.Close()
	home := t.TempDir()
	store := NewStore(home)

	_, err := store.Authorization(context.Background(), "docs", srv.MCPURL())
	require.ErrorIs(t, err, ErrLoginRequired)
	assert.Contains(t, err.Error(), "run `codex mcp login docs`")

	l := login(t, store, LoginOptions{ServerName: "docs", ServerURL: srv.MCPURL()})
	assert.True(t, strings.HasPrefix(l.AuthURL, srv.IssuerURL()+"/authorize?"), l.AuthURL)
	q := mustQuery(t, l.AuthURL)
	assert.Equal(t, "S256", q.Get("code_challenge_method"))
	assert.Equal(t, l.RedirectURI, q.Get("redirect_uri"))
	assert.True(t, strings.HasPrefix(l.RedirectURI, "http://127.0.0.1:"), l.RedirectURI)
	assert.True(t, strings.HasSuffix(l.RedirectURI, "/callback"), l.RedirectURI)

	stats := srv.Stats()
	assert.Equal(t, 1, stats.Registrations)
	assert.Equal(t, 1, stats.CodeExchanges)
	assert.Equal(t, srv.MCPURL(), stats.Resource, "RFC 8707 resource")
	assert.Equal(t, "mcp:read mcp:write offline_access", stats.Scope, "scopes of the WWW-Authenticate challenge, and a refresh token")

	info, err := os.Stat(store.Path())
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	var file map[string]map[string]any
	data, err := os.ReadFile(store.Path())
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &file))
	entry, ok := file[StoreKey("docs", srv.MCPURL())]
	require.True(t, ok, string(data))
	assert.Equal(t, "docs", entry["server_name"])
	assert.Equal(t, srv.MCPURL(), entry["server_url"])
	assert.True(t, strings.HasPrefix(entry["client_id"].(string), "dyn-"))
	assert.True(t, strings.HasPrefix(entry["access_token"].(string), "at-"))
	assert.True(t, strings.HasPrefix(entry["refresh_token"].(string), "rt-"))
	assert.Equal(t, []any{"mcp:read", "mcp:write", "offline_access"}, entry["scopes"])
	assert.Equal(t, srv.IssuerURL(), entry["issuer"])
	exp := int64(entry["expires_at"].(float64))
	assert.InDelta(t, time.Now().Add(time.Hour).UnixMilli(), exp, float64(time.Minute.Milliseconds()))

	header, err := store.Authorization(context.Background(), "docs", srv.MCPURL())
	require.NoError(t, err)
	assert.Equal(t, "Bearer "+entry["access_token"].(string), header)
	assert.Equal(t, http.StatusOK, callMCP(t, srv, header))
	assert.Equal(t, 0, srv.Stats().Refreshes, "a fresh token is not refreshed")

	// Another URL under the same name has no credentials.
	_, err = store.Authorization(context.Background(), "docs", srv.URL()+"/other")
	assert.ErrorIs(t, err, ErrLoginRequired)
}

func TestAuthorizationRefreshesBeforeExpiry(t *testing.T) {
	srv := oauthtest.New(10 * time.Second) // inside the 30 s refresh window
	defer srv.Close()
	store := NewStore(t.TempDir())
	login(t, store, LoginOptions{ServerName: "docs", ServerURL: srv.MCPURL(), Scopes: []string{"mcp:read"}})
	assert.Equal(t, "mcp:read offline_access", srv.Stats().Scope, "configured scopes win over the challenge's")
	before, err := store.Load("docs", srv.MCPURL())
	require.NoError(t, err)

	srv.SetTTL(time.Hour)
	// Concurrent callers share one refresh: the server rotates refresh
	// tokens, so a second refresh with the old one would fail.
	var wg sync.WaitGroup
	headers := make([]string, 4)
	errs := make([]error, 4)
	for i := range headers {
		wg.Go(func() { headers[i], errs[i] = store.Authorization(context.Background(), "docs", srv.MCPURL()) })
	}
	wg.Wait()
	for i := range headers {
		require.NoError(t, errs[i])
		assert.Equal(t, headers[0], headers[i])
	}
	assert.Equal(t, 1, srv.Stats().Refreshes)
	assert.NotEqual(t, "Bearer "+before.AccessToken, headers[0])
	assert.Equal(t, http.StatusOK, callMCP(t, srv, headers[0]))

	after, err := store.Load("docs", srv.MCPURL())
	require.NoError(t, err)
	assert.NotEqual(t, *before.RefreshToken, *after.RefreshToken, "rotated refresh token stored")
	assert.Greater(t, *after.ExpiresAt, *before.ExpiresAt)
	assert.Equal(t, before.ClientID, after.ClientID)

	// Still fresh: no further refresh.
	_, err = store.Authorization(context.Background(), "docs", srv.MCPURL())
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Stats().Refreshes)
}

func TestAuthorizationRejectedRefreshAsksForLogin(t *testing.T) {
	srv := oauthtest.New(time.Second)
	defer srv.Close()
	store := NewStore(t.TempDir())
	login(t, store, LoginOptions{ServerName: "docs", ServerURL: srv.MCPURL()})
	srv.RevokeRefreshTokens()
	_, err := store.Authorization(context.Background(), "docs", srv.MCPURL())
	require.ErrorIs(t, err, ErrLoginRequired)
	assert.Contains(t, err.Error(), "run `codex mcp login docs`")
	assert.Contains(t, err.Error(), "invalid_grant")

	// Without a refresh token an expired token also needs a login.
	c, err := store.Load("docs", srv.MCPURL())
	require.NoError(t, err)
	c.RefreshToken = nil
	require.NoError(t, store.Save(*c))
	_, err = store.Authorization(context.Background(), "docs", srv.MCPURL())
	require.ErrorIs(t, err, ErrLoginRequired)
	assert.Contains(t, err.Error(), "expired")
}

func TestLoginWithPreregisteredClient(t *testing.T) {
	srv := oauthtest.New(time.Second)
	defer srv.Close()
	srv.DisableRegistration()
	srv.AddClient("cid123", "sec")
	store := NewStore(t.TempDir())

	_, err := store.StartLogin(context.Background(), LoginOptions{ServerName: "docs", ServerURL: srv.MCPURL()})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "[mcp_servers.docs.oauth] client_id")

	l := login(t, store, LoginOptions{
		ServerName: "docs", ServerURL: srv.MCPURL(), ClientID: "cid123", ClientSecret: "sec",
		CallbackURL: "http://127.0.0.1/callback/abc",
	})
	assert.Equal(t, 0, srv.Stats().Registrations)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+/callback/abc$`, l.RedirectURI)
	// The confidential client's secret is kept so that refresh works.
	header, err := store.Authorization(context.Background(), "docs", srv.MCPURL())
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Stats().Refreshes)
	assert.Equal(t, http.StatusOK, callMCP(t, srv, header))
}

func TestLoginResourceOverride(t *testing.T) {
	srv := oauthtest.New(time.Second)
	defer srv.Close()
	srv.SetResource("https://res.example.com")
	store := NewStore(t.TempDir())
	ctx := context.Background()

	// Without oauth_resource the discovered resource is refused.
	l, err := store.StartLogin(ctx, LoginOptions{ServerName: "docs", ServerURL: srv.MCPURL()})
	require.NoError(t, err)
	status, page := browse(t, l.AuthURL)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "invalid_target")
	require.ErrorContains(t, l.Wait(ctx), "invalid_target")

	l = login(t, store, LoginOptions{ServerName: "docs", ServerURL: srv.MCPURL(), Resource: "https://res.example.com"})
	assert.Equal(t, "https://res.example.com", mustQuery(t, l.AuthURL).Get("resource"))
	// The refresh names the configured resource too.
	header, err := store.Authorization(ctx, "docs", srv.MCPURL())
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Stats().Refreshes)
	assert.Equal(t, http.StatusOK, callMCP(t, srv, header))
}

func TestLoginCallbackErrors(t *testing.T) {
	srv := oauthtest.New(time.Hour)
	defer srv.Close()
	store := NewStore(t.TempDir())
	ctx := context.Background()

	l, err := store.StartLogin(ctx, LoginOptions{ServerName: "docs", ServerURL: srv.MCPURL()})
	require.NoError(t, err)
	// A request without the login's state is refused and ignored.
	status, _ := browse(t, l.RedirectURI+"?code=x&state=wrong")
	assert.Equal(t, http.StatusBadRequest, status)
	status, _ = browse(t, l.RedirectURI+"?state="+url.QueryEscape(mustQuery(t, l.AuthURL).Get("state")))
	assert.Equal(t, http.StatusBadRequest, status, "no code")
	// The authorization server's refusal ends the login.
	status, page := browse(t, l.RedirectURI+"?error=access_denied&error_description=no+thanks&state="+url.QueryEscape(mustQuery(t, l.AuthURL).Get("state")))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "access_denied: no thanks")
	err = l.Wait(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "access_denied: no thanks")
	_, statErr := os.Stat(store.Path())
	assert.True(t, errors.Is(statErr, os.ErrNotExist), "nothing stored")

	l, err = store.StartLogin(ctx, LoginOptions{ServerName: "docs", ServerURL: srv.MCPURL(), Timeout: 50 * time.Millisecond})
	require.NoError(t, err)
	assert.ErrorIs(t, l.Wait(ctx), ErrLoginTimeout)

	l, err = store.StartLogin(ctx, LoginOptions{ServerName: "docs", ServerURL: srv.MCPURL()})
	require.NoError(t, err)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, l.Wait(cctx), ErrLoginCancelled)
}

func TestLoginDiscoveryErrors(t *testing.T) {
	store := NewStore(t.TempDir())
	ctx := context.Background()
	_, err := store.StartLogin(ctx, LoginOptions{ServerName: "x", ServerURL: "http://127.0.0.1:1/mcp"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "reach MCP server")

	// A server that is not an OAuth resource and has no metadata.
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	_, err = store.StartLogin(ctx, LoginOptions{ServerName: "x", ServerURL: plain.URL + "/mcp"})
	require.Error(t, err)

	_, err = store.StartLogin(ctx, LoginOptions{})
	require.Error(t, err)
}

func TestDeleteAndKeys(t *testing.T) {
	store := NewStore(t.TempDir())
	rt := "r"
	require.NoError(t, store.Save(Credentials{ServerName: "a", ServerURL: "https://a/mcp", ClientID: "c", AccessToken: "t", RefreshToken: &rt}))
	require.NoError(t, store.Save(Credentials{ServerName: "b", ServerURL: "https://b/mcp", ClientID: "c", AccessToken: "u"}))
	removed, err := store.Delete("a", "https://a/mcp")
	require.NoError(t, err)
	assert.True(t, removed)
	removed, err = store.Delete("a", "https://a/mcp")
	require.NoError(t, err)
	assert.False(t, removed)
	c, err := store.Load("b", "https://b/mcp")
	require.NoError(t, err)
	assert.Equal(t, "u", c.AccessToken)
	assert.Nil(t, c.ExpiresAt)
	// A token without an expiry is used as is.
	h, err := store.Authorization(context.Background(), "b", "https://b/mcp")
	require.NoError(t, err)
	assert.Equal(t, "Bearer u", h)
	removed, err = store.Delete("b", "https://b/mcp")
	require.NoError(t, err)
	assert.True(t, removed)
	_, err = os.Stat(store.Path())
	assert.ErrorIs(t, err, os.ErrNotExist, "the file goes with its last entry")

	// The key is the name and a hash of the transport, stable across runs.
	assert.Equal(t, "docs|4282f2a9112820d2", StoreKey("docs", "https://mcp.example.com/mcp"))
	assert.NotEqual(t, StoreKey("docs", "https://mcp.example.com/mcp"), StoreKey("docs", "https://mcp.example.com/mcp2"))

	require.NoError(t, os.WriteFile(store.Path(), []byte("{not json"), 0o600))
	_, err = store.Load("a", "https://a/mcp")
	assert.ErrorContains(t, err, "parse")
}

func TestBearerParams(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]string
	}{
		{`Bearer resource_metadata="https://x/.well-known/oauth-protected-resource", scope="a b"`,
			map[string]string{"resource_metadata": "https://x/.well-known/oauth-protected-resource", "scope": "a b"}},
		{`Basic realm="r", Bearer error="invalid_token", scope=files`,
			map[string]string{"error": "invalid_token", "scope": "files"}},
		{`Bearer realm="a\"b", Basic realm="x"`, map[string]string{"realm": `a"b`}},
		{`Bearer`, map[string]string{}},
		{`Basic realm="x"`, nil},
		{``, nil},
		{`Bearer scope="unterminated`, map[string]string{"scope": "unterminated"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, bearerParams(tt.in), tt.in)
	}
}

func TestLimitReader(t *testing.T) {
	data, err := io.ReadAll(&limitReader{r: strings.NewReader("abcd"), n: 4})
	require.NoError(t, err)
	assert.Equal(t, "abcd", string(data))
	_, err = io.ReadAll(&limitReader{r: strings.NewReader("abcde"), n: 4})
	assert.ErrorIs(t, err, errTooLarge)
}

func mustQuery(t *testing.T, u string) url.Values {
	t.Helper()
	p, err := url.Parse(u)
	require.NoError(t, err)
	return p.Query()
}
