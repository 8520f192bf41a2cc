package tests

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openAIConfig selects the built-in OpenAI provider, which takes OpenAI
// credentials.
const openAIConfig = `model = "gpt-5"` + "\n"

// authFile is the content of auth.json.
type authFile struct {
	OpenAIAPIKey *string `json:"OPENAI_API_KEY"`
	Tokens       *struct {
		IDToken      string `json:"id_token"`
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		AccountID    string `json:"account_id"`
	} `json:"tokens"`
}

// readAuthFile reads auth.json and checks that only its owner can read it.
func readAuthFile(t *testing.T, home string) authFile {
	t.Helper()
	path := filepath.Join(home, "auth.json")
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "auth.json mode")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var f authFile
	require.NoError(t, json.Unmarshal(data, &f), string(data))
	return f
}

// replyThenNotification sends a request and checks that its answer is
// followed directly by a notification, which it returns.
func (s *appServer) replyThenNotification(method string, params any, wantResult string) rpcMessage {
	s.t.Helper()
	id := s.send(method, params)
	resp := s.next()
	require.Equal(s.t, fmt.Sprintf(`{"id":%d,"result":%s}`, id, wantResult), resp.Raw)
	note := s.next()
	require.True(s.t, note.isNotification(), note.Raw)
	return note
}

func TestAuthAPIKeyRoundTrip(t *testing.T) {
	s := startAppServer(t, serverEnv{config: openAIConfig})
	s.initialize()

	status := func(params map[string]any) string {
		t.Helper()
		return string(s.callResult("getAuthStatus", params, nil).Result)
	}
	assert.Equal(t, `{"requiresOpenaiAuth":true}`, status(map[string]any{}))
	assert.Equal(t, `{"requiresOpenaiAuth":true}`, status(map[string]any{"includeToken": true}))
	assert.Equal(t, `{"allegedUserEmail":null}`, string(s.callResult("userInfo", nil, nil).Result))

	note := s.replyThenNotification("loginApiKey", map[string]any{"apiKey": "sk-test-123"}, `{}`)
	assert.Equal(t, `{"method":"authStatusChange","params":{"authMethod":"apikey"}}`, note.Raw)
	stored := readAuthFile(t, s.home)
	require.NotNil(t, stored.OpenAIAPIKey)
	assert.Equal(t, "sk-test-123", *stored.OpenAIAPIKey)
	assert.Nil(t, stored.Tokens)

	assert.Equal(t, `{"authMethod":"apikey","requiresOpenaiAuth":true}`, status(map[string]any{}))
	assert.Equal(t, `{"authMethod":"apikey","authToken":"sk-test-123","requiresOpenaiAuth":true}`, status(map[string]any{"includeToken": true}))
	assert.Equal(t, `{"authMethod":"apikey","requiresOpenaiAuth":true}`, status(map[string]any{"includeToken": false, "refreshToken": true}))
	assert.Equal(t, `{"allegedUserEmail":null}`, string(s.callResult("userInfo", nil, nil).Result))

	note = s.replyThenNotification("logoutChatGpt", nil, `{}`)
	assert.Equal(t, `{"method":"authStatusChange","params":{}}`, note.Raw)
	assert.NoFileExists(t, filepath.Join(s.home, "auth.json"))
	assert.Equal(t, `{"requiresOpenaiAuth":true}`, status(map[string]any{"includeToken": true}))

	// Logging out twice is fine.
	s.replyThenNotification("logoutChatGpt", nil, `{}`)

	for _, bad := range []struct {
		method string
		params any
	}{
		{"loginApiKey", map[string]any{}},
		{"loginApiKey", map[string]any{"apiKey": ""}},
		{"loginApiKey", map[string]any{"apiKey": 7}},
		{"getAuthStatus", map[string]any{"includeToken": "yes"}},
		{"userInfo", map[string]any{"x": 1}},
		{"logoutChatGpt", map[string]any{"x": 1}},
	} {
		m := s.call(bad.method, bad.params)
		require.NotNil(t, m.Error, "%s %v: %s", bad.method, bad.params, m.Raw)
		assert.Equal(t, int64(-32602), m.Error.Code, m.Raw)
	}
	assert.NoFileExists(t, filepath.Join(s.home, "auth.json"))
}

func TestAuthStatusWithProviderWithoutOpenAIAuth(t *testing.T) {
	s, _ := startModel(t, nil)
	assert.Equal(t, `{"requiresOpenaiAuth":false}`, string(s.callResult("getAuthStatus", map[string]any{}, nil).Result))
	s.replyThenNotification("loginApiKey", map[string]any{"apiKey": "sk-test-123"}, `{}`)
	// The key is stored, but the provider does not use it.
	assert.Equal(t, `{"requiresOpenaiAuth":false}`, string(s.callResult("getAuthStatus", map[string]any{"includeToken": true}, nil).Result))
	require.NotNil(t, readAuthFile(t, s.home).OpenAIAPIKey)
}

// unsignedJWT builds a JWT with the given claims and no signature.
func unsignedJWT(t *testing.T, claims map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding
	payload, err := json.Marshal(claims)
	require.NoError(t, err)
	return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(payload) + "."
}

// tokenIssuer is an OAuth issuer on loopback that answers the token
// endpoint and records the forms it received.
type tokenIssuer struct {
	srv     *httptest.Server
	idToken string

	mu    sync.Mutex
	forms []url.Values
}

func startTokenIssuer(t *testing.T, idToken string) *tokenIssuer {
	t.Helper()
	iss := &tokenIssuer{idToken: idToken}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		iss.mu.Lock()
		iss.forms = append(iss.forms, r.PostForm)
		iss.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"id_token":      iss.idToken,
			"access_token":  "access-token-1",
			"refresh_token": "refresh-token-1",
		})
	})
	iss.srv = httptest.NewServer(mux)
	t.Cleanup(iss.srv.Close)
	return iss
}

// tokenForms returns the forms posted to the token endpoint.
func (iss *tokenIssuer) tokenForms() []url.Values {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	return append([]url.Values(nil), iss.forms...)
}

// loginEnv lets a server sign in against iss on any free port without
// opening a browser.
func loginEnv(iss *tokenIssuer) []string {
	return []string{"CODEX_LOGIN_ISSUER=" + iss.srv.URL, "CODEX_LOGIN_PORT=0", "CODEX_LOGIN_NO_BROWSER=1"}
}

// loginStarted is the answer to loginChatGpt.
type loginStarted struct {
	LoginID string `json:"loginId"`
	AuthURL string `json:"authUrl"`
}

// startLogin calls loginChatGpt and returns its answer and the query of the
// authorize URL.
func (s *appServer) startLogin() (loginStarted, url.Values) {
	s.t.Helper()
	var res loginStarted
	s.callResult("loginChatGpt", nil, &res)
	require.NotEmpty(s.t, res.LoginID)
	u, err := url.Parse(res.AuthURL)
	require.NoError(s.t, err)
	return res, u.Query()
}

// loginComplete waits for the loginChatGptComplete notification of loginID.
func (s *appServer) loginComplete(loginID string) rpcMessage {
	s.t.Helper()
	return s.take(func(m rpcMessage) bool {
		return m.Method == "loginChatGptComplete" && strings.Contains(string(m.Params), loginID)
	}, "loginChatGptComplete of "+loginID)
}

// getCallback performs the browser's redirect to the callback server.
func getCallback(t *testing.T, redirectURI string, query url.Values) (int, error) {
	t.Helper()
	resp, err := http.Get(redirectURI + "?" + query.Encode())
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func TestLoginChatGptEndToEnd(t *testing.T) {
	idToken := unsignedJWT(t, map[string]any{
		"email": "user@example.com",
		"https://api.openai.com/auth": map[string]any{
			"chatgpt_account_id": "acct-1",
			"chatgpt_plan_type":  "plus",
		},
	})
	iss := startTokenIssuer(t, idToken)
	s := startAppServer(t, serverEnv{config: openAIConfig, env: loginEnv(iss)})
	s.initialize()

	login, q := s.startLogin()
	assert.True(t, strings.HasPrefix(login.AuthURL, iss.srv.URL+"/oauth/authorize?"), login.AuthURL)
	assert.Equal(t, "code", q.Get("response_type"))
	assert.Equal(t, "S256", q.Get("code_challenge_method"))
	assert.Equal(t, "codex_cli_go", q.Get("originator"))
	assert.NotEmpty(t, q.Get("code_challenge"))
	redirect := q.Get("redirect_uri")
	assert.Regexp(t, `^http://localhost:\d+/auth/callback$`, redirect)
	require.NotEmpty(t, q.Get("state"))

	// The browser comes back from the issuer with a code.
	status, err := getCallback(t, redirect, url.Values{"code": {"the-code"}, "state": {q.Get("state")}})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)

	done := s.loginComplete(login.LoginID)
	assert.Equal(t, fmt.Sprintf(`{"method":"loginChatGptComplete","params":{"loginId":%q,"success":true}}`, login.LoginID), done.Raw)
	change := s.next()
	assert.Equal(t, `{"method":"authStatusChange","params":{"authMethod":"chatgpt"}}`, change.Raw)

	forms := iss.tokenForms()
	require.Len(t, forms, 1)
	assert.Equal(t, "authorization_code", forms[0].Get("grant_type"))
	assert.Equal(t, "the-code", forms[0].Get("code"))
	assert.Equal(t, redirect, forms[0].Get("redirect_uri"))
	assert.NotEmpty(t, forms[0].Get("code_verifier"))

	stored := readAuthFile(t, s.home)
	require.NotNil(t, stored.Tokens)
	assert.Equal(t, idToken, stored.Tokens.IDToken)
	assert.Equal(t, "access-token-1", stored.Tokens.AccessToken)
	assert.Equal(t, "refresh-token-1", stored.Tokens.RefreshToken)
	assert.Equal(t, "acct-1", stored.Tokens.AccountID)
	assert.Nil(t, stored.OpenAIAPIKey)

	assert.Equal(t, `{"allegedUserEmail":"user@example.com"}`, string(s.callResult("userInfo", nil, nil).Result))
	assert.Equal(t, `{"authMethod":"chatgpt","authToken":"access-token-1","requiresOpenaiAuth":true}`,
		string(s.callResult("getAuthStatus", map[string]any{"includeToken": true}, nil).Result))

	// The sign-in is over: its id is unknown and its callback server gone.
	m := s.call("cancelLoginChatGpt", map[string]any{"loginId": login.LoginID})
	require.NotNil(t, m.Error, m.Raw)
	assert.Equal(t, fmt.Sprintf(`{"error":{"code":-32602,"message":"login id not found: %s"},"id":%s}`, login.LoginID, m.ID), m.Raw)
	_, err = getCallback(t, redirect, url.Values{"code": {"again"}, "state": {q.Get("state")}})
	assert.Error(t, err, "the callback server has stopped")
	require.NoError(t, s.closeAndWait())
}

func TestLoginChatGptFailureAndCancel(t *testing.T) {
	iss := startTokenIssuer(t, unsignedJWT(t, map[string]any{"email": "x@example.com"}))
	s := startAppServer(t, serverEnv{config: openAIConfig, env: loginEnv(iss)})
	s.initialize()

	// A callback with the wrong state ends the sign-in unsuccessfully.
	login, q := s.startLogin()
	status, err := getCallback(t, q.Get("redirect_uri"), url.Values{"code": {"c"}, "state": {"forged"}})
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, status)
	var done struct {
		LoginID string  `json:"loginId"`
		Success bool    `json:"success"`
		Error   *string `json:"error"`
	}
	m := s.loginComplete(login.LoginID)
	require.NoError(t, json.Unmarshal(m.Params, &done))
	assert.False(t, done.Success)
	require.NotNil(t, done.Error)
	assert.Contains(t, *done.Error, "state mismatch")
	assert.Empty(t, iss.tokenForms(), "no code was exchanged")

	// Cancelling stops the callback server before the answer.
	login, q = s.startLogin()
	s.callResult("cancelLoginChatGpt", map[string]any{"loginId": login.LoginID}, nil)
	_, err = getCallback(t, q.Get("redirect_uri"), url.Values{"code": {"c"}, "state": {q.Get("state")}})
	assert.Error(t, err, "the callback server has stopped")
	m = s.loginComplete(login.LoginID)
	require.NoError(t, json.Unmarshal(m.Params, &done))
	assert.False(t, done.Success)
	require.NotNil(t, done.Error)
	assert.Contains(t, *done.Error, "cancelled")
	m = s.call("cancelLoginChatGpt", map[string]any{"loginId": login.LoginID})
	require.NotNil(t, m.Error, m.Raw)
	assert.Equal(t, "login id not found: "+login.LoginID, m.Error.Message)

	// A new sign-in replaces the running one.
	older, olderQuery := s.startLogin()
	newer, newerQuery := s.startLogin()
	require.NotEqual(t, older.LoginID, newer.LoginID)
	m = s.loginComplete(older.LoginID)
	require.NoError(t, json.Unmarshal(m.Params, &done))
	assert.False(t, done.Success)
	_, err = getCallback(t, olderQuery.Get("redirect_uri"), url.Values{"code": {"c"}, "state": {olderQuery.Get("state")}})
	assert.Error(t, err, "the older callback server has stopped")
	m = s.call("cancelLoginChatGpt", map[string]any{"loginId": older.LoginID})
	require.NotNil(t, m.Error, m.Raw)

	status, err = getCallback(t, newerQuery.Get("redirect_uri"), url.Values{"code": {"c2"}, "state": {newerQuery.Get("state")}})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	m = s.loginComplete(newer.LoginID)
	require.NoError(t, json.Unmarshal(m.Params, &done))
	assert.True(t, done.Success)
	assert.Equal(t, `{"allegedUserEmail":"x@example.com"}`, string(s.callResult("userInfo", nil, nil).Result))

	for _, bad := range []map[string]any{{}, {"loginId": 5}} {
		m := s.call("cancelLoginChatGpt", bad)
		require.NotNil(t, m.Error, m.Raw)
		assert.Equal(t, int64(-32602), m.Error.Code, m.Raw)
	}

	// A sign-in in progress does not keep the server alive once its input ends.
	s.startLogin()
	require.NoError(t, s.closeAndWait())
}
