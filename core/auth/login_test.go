package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testClientID   = "app_test_client"
	testOriginator = "test_originator"
	testCode       = "auth-code-1"
)

// fakeIssuer is an OAuth issuer on loopback: /oauth/authorize checks the
// request and redirects to the redirect URI like the real sign-in page would,
// and /oauth/token checks the form and the PKCE verifier against the
// challenge sent to /oauth/authorize.
type fakeIssuer struct {
	t   *testing.T
	srv *httptest.Server

	// idToken is returned by the token endpoint.
	idToken string
	// callback builds the query of the redirect to the callback server from
	// the state of the authorize request (code + state when nil).
	callback func(state string) url.Values
	// tokenStatus, when set, makes the token endpoint fail with it.
	tokenStatus int
	// tokenBody, when set, replaces the token endpoint's JSON answer.
	tokenBody string
	// tokenStarted, when set, is closed on the first token request, which
	// then blocks until the client goes away.
	tokenStarted chan struct{}

	mu            sync.Mutex
	challenge     string
	redirectURI   string
	tokenRequests int
}

func newFakeIssuer(t *testing.T, idToken string) *fakeIssuer {
	f := &fakeIssuer{t: t, idToken: idToken}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth/authorize", f.authorize)
	mux.HandleFunc("POST /oauth/token", f.token)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeIssuer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for key, want := range map[string]string{
		"response_type":              "code",
		"client_id":                  testClientID,
		"scope":                      "openid profile email offline_access",
		"code_challenge_method":      "S256",
		"id_token_add_organizations": "true",
		"codex_cli_simplified_flow":  "true",
		"originator":                 testOriginator,
	} {
		if got := q.Get(key); got != want {
			f.t.Errorf("authorize %s = %q, want %q", key, got, want)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
	}
	if q.Get("state") == "" || q.Get("code_challenge") == "" || q.Get("redirect_uri") == "" {
		f.t.Errorf("authorize request lacks state, code_challenge or redirect_uri: %v", q)
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.challenge = q.Get("code_challenge")
	f.redirectURI = q.Get("redirect_uri")
	f.mu.Unlock()

	back := url.Values{"code": {testCode}, "state": {q.Get("state")}}
	if f.callback != nil {
		back = f.callback(q.Get("state"))
	}
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
}

func (f *fakeIssuer) token(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.tokenRequests++
	first := f.tokenRequests == 1
	challenge, redirectURI := f.challenge, f.redirectURI
	f.mu.Unlock()

	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		f.t.Errorf("token request content type %q", ct)
	}
	// Reading the whole body also lets the server notice the client leave.
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("token request form: %v", err)
		return
	}
	if f.tokenStarted != nil {
		if first {
			close(f.tokenStarted)
		}
		<-r.Context().Done()
		return
	}
	for key, want := range map[string]string{
		"grant_type":   "authorization_code",
		"code":         testCode,
		"client_id":    testClientID,
		"redirect_uri": redirectURI,
	} {
		if got := r.PostForm.Get(key); got != want {
			f.t.Errorf("token form %s = %q, want %q", key, got, want)
		}
	}
	verifier := r.PostForm.Get("code_verifier")
	if !regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`).MatchString(verifier) {
		f.t.Errorf("code_verifier %q is not 43-128 unreserved characters", verifier)
	}
	sum := sha256.Sum256([]byte(verifier))
	if got := base64.RawURLEncoding.EncodeToString(sum[:]); got != challenge {
		f.t.Errorf("PKCE: S256(verifier) = %q, challenge was %q", got, challenge)
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":"invalid_grant"}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if f.tokenStatus != 0 {
		w.WriteHeader(f.tokenStatus)
		_, _ = io.WriteString(w, `{"error":"invalid_grant","error_description":"code expired"}`)
		return
	}
	if f.tokenBody != "" {
		_, _ = io.WriteString(w, f.tokenBody)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]string{
		"id_token":      f.idToken,
		"access_token":  "access-1",
		"refresh_token": "refresh-1",
	})
}

func (f *fakeIssuer) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenRequests
}

// browse follows u and its redirects like a browser and returns the final
// status and page.
func browse(t *testing.T, u string) (int, string) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(u)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// callbackPort returns the port of the login's redirect URI.
func callbackPort(t *testing.T, l *Login) string {
	t.Helper()
	u, err := url.Parse(l.RedirectURI)
	require.NoError(t, err)
	require.Equal(t, "localhost", u.Hostname())
	require.Equal(t, CallbackPath, u.Path)
	return u.Port()
}

// requirePortFree checks that the callback server's port can be bound again.
func requirePortFree(t *testing.T, port string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	require.NoError(t, err, "port %s still in use", port)
	require.NoError(t, ln.Close())
}

func startTestLogin(t *testing.T, ctx context.Context, home string, f *fakeIssuer) *Login {
	t.Helper()
	l, err := StartLogin(ctx, LoginOptions{
		CodexHome:  home,
		Issuer:     f.srv.URL + "/",
		ClientID:   testClientID,
		Originator: testOriginator,
		HTTPClient: f.srv.Client(),
	})
	require.NoError(t, err)
	t.Cleanup(l.Cancel)
	return l
}

func TestLoginSuccess(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	require.NoError(t, SaveAPIKey(home, "sk-old"))
	idToken := testJWT(t, map[string]any{
		"email":                       "user@example.com",
		"https://api.openai.com/auth": map[string]any{"chatgpt_account_id": "acct-42"},
	})
	f := newFakeIssuer(t, idToken)
	l := startTestLogin(t, t.Context(), home, f)

	port := callbackPort(t, l)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, l.ID)
	prefix := f.srv.URL + "/oauth/authorize?"
	require.True(t, strings.HasPrefix(l.AuthURL, prefix), l.AuthURL)
	var keys []string
	for _, kv := range strings.Split(strings.TrimPrefix(l.AuthURL, prefix), "&") {
		keys = append(keys, strings.SplitN(kv, "=", 2)[0])
	}
	assert.Equal(t, []string{"response_type", "client_id", "redirect_uri", "scope", "code_challenge",
		"code_challenge_method", "id_token_add_organizations", "codex_cli_simplified_flow", "state", "originator"}, keys)
	assert.Contains(t, l.AuthURL, "&redirect_uri=http%3A%2F%2Flocalhost%3A"+port+"%2Fauth%2Fcallback&")
	assert.Contains(t, l.AuthURL, "&scope=openid%20profile%20email%20offline_access&")

	status, page := browse(t, l.AuthURL)
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, "Signed in to Codex")
	require.NoError(t, l.Wait(t.Context()))
	assert.Equal(t, 1, f.requests())

	requireMode0600(t, Path(home))
	requireOnlyAuthFile(t, home)
	stored, err := Load(home)
	require.NoError(t, err)
	assert.Nil(t, stored.OpenAIAPIKey, "the sign-in replaces the API key")
	assert.Equal(t, &Tokens{IDToken: idToken, AccessToken: "access-1", RefreshToken: "refresh-1", AccountID: "acct-42"}, stored.Tokens)
	require.NotNil(t, stored.LastRefresh)
	_, err = time.Parse(time.RFC3339Nano, *stored.LastRefresh)
	require.NoError(t, err)
	assert.Equal(t, AuthMethodChatGPT, stored.Method())
	assert.Equal(t, "user@example.com", stored.Email())
	assert.Equal(t, "access-1", stored.BearerToken())

	requirePortFree(t, port)
	l.Cancel() // after success: no effect on the outcome
	require.NoError(t, l.Wait(t.Context()))
}

func TestLoginFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		setup      func(f *fakeIssuer)
		wantStatus int
		wantErr    error  // checked with errors.Is when set
		wantText   string // in the error message and the page
		wantTokens int    // token requests expected
	}{
		{
			name: "wrong state",
			setup: func(f *fakeIssuer) {
				f.callback = func(string) url.Values { return url.Values{"code": {testCode}, "state": {"forged"}} }
			},
			wantStatus: http.StatusBadRequest,
			wantErr:    ErrStateMismatch,
			wantText:   "state mismatch",
		},
		{
			name: "missing state",
			setup: func(f *fakeIssuer) {
				f.callback = func(string) url.Values { return url.Values{"code": {testCode}} }
			},
			wantStatus: http.StatusBadRequest,
			wantErr:    ErrStateMismatch,
			wantText:   "state mismatch",
		},
		{
			name: "refused by the issuer",
			setup: func(f *fakeIssuer) {
				f.callback = func(state string) url.Values {
					return url.Values{"error": {"access_denied"}, "error_description": {"user said no"}, "state": {state}}
				}
			},
			wantStatus: http.StatusBadRequest,
			wantText:   "access_denied: user said no",
		},
		{
			name: "missing code",
			setup: func(f *fakeIssuer) {
				f.callback = func(state string) url.Values { return url.Values{"state": {state}} }
			},
			wantStatus: http.StatusBadRequest,
			wantText:   "missing authorization code",
		},
		{
			name:       "token endpoint error",
			setup:      func(f *fakeIssuer) { f.tokenStatus = http.StatusBadRequest },
			wantStatus: http.StatusBadGateway,
			wantText:   "400 Bad Request",
			wantTokens: 1,
		},
		{
			name:       "token response without id token",
			setup:      func(f *fakeIssuer) { f.tokenBody = `{"access_token":"a","refresh_token":"r"}` },
			wantStatus: http.StatusBadGateway,
			wantText:   "lacks id_token",
			wantTokens: 1,
		},
		{
			name:       "token response not JSON",
			setup:      func(f *fakeIssuer) { f.tokenBody = `<html>oops</html>` },
			wantStatus: http.StatusBadGateway,
			wantText:   "parse token response",
			wantTokens: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			require.NoError(t, SaveAPIKey(home, "sk-keep"))
			before, err := os.ReadFile(Path(home))
			require.NoError(t, err)

			f := newFakeIssuer(t, testJWT(t, map[string]any{"email": "x@y.z"}))
			tc.setup(f)
			l := startTestLogin(t, t.Context(), home, f)

			status, page := browse(t, l.AuthURL)
			assert.Equal(t, tc.wantStatus, status)
			assert.Contains(t, page, "Codex sign-in failed")
			assert.Contains(t, page, tc.wantText)

			err = l.Wait(t.Context())
			require.Error(t, err)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
			}
			assert.Contains(t, err.Error(), tc.wantText)
			assert.Equal(t, tc.wantTokens, f.requests())

			after, err := os.ReadFile(Path(home))
			require.NoError(t, err)
			assert.Equal(t, string(before), string(after), "auth.json must be left alone")
			requireOnlyAuthFile(t, home)
			requirePortFree(t, callbackPort(t, l))
		})
	}
}

func TestLoginCancel(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	f := newFakeIssuer(t, "")
	l := startTestLogin(t, t.Context(), home, f)
	port := callbackPort(t, l)

	l.Cancel()
	// Cancel returns once the server has stopped.
	requirePortFree(t, port)
	select {
	case <-l.Done():
	default:
		t.Fatal("Done must be closed when Cancel returns")
	}
	require.ErrorIs(t, l.Wait(t.Context()), ErrLoginCancelled)
	l.Cancel() // a second call is harmless
	require.ErrorIs(t, l.Wait(t.Context()), ErrLoginCancelled)

	_, err := os.Stat(Path(home))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestLoginCancelDuringTokenExchange(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	f := newFakeIssuer(t, "")
	f.tokenStarted = make(chan struct{})
	l := startTestLogin(t, t.Context(), home, f)

	type result struct {
		status int
		page   string
	}
	browsed := make(chan result, 1)
	go func() {
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := client.Get(l.AuthURL)
		if err != nil {
			browsed <- result{page: err.Error()}
			return
		}
		defer func() { _ = resp.Body.Close() }()
		body, _ := io.ReadAll(resp.Body)
		browsed <- result{status: resp.StatusCode, page: string(body)}
	}()

	<-f.tokenStarted
	l.Cancel()
	require.ErrorIs(t, l.Wait(t.Context()), ErrLoginCancelled)
	got := <-browsed
	assert.Equal(t, http.StatusBadGateway, got.status)
	assert.Contains(t, got.page, "Codex sign-in failed")
	_, err := os.Stat(Path(home))
	require.ErrorIs(t, err, os.ErrNotExist)
	requirePortFree(t, callbackPort(t, l))
}

func TestLoginEndsWithItsContext(t *testing.T) {
	t.Parallel()
	f := newFakeIssuer(t, "")

	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		l, err := StartLogin(t.Context(), LoginOptions{CodexHome: t.TempDir(), Issuer: f.srv.URL, Timeout: time.Millisecond})
		require.NoError(t, err)
		require.ErrorIs(t, l.Wait(t.Context()), ErrLoginExpired)
		requirePortFree(t, callbackPort(t, l))
	})
	t.Run("caller context cancelled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		l, err := StartLogin(ctx, LoginOptions{CodexHome: t.TempDir(), Issuer: f.srv.URL})
		require.NoError(t, err)
		cancel()
		require.ErrorIs(t, l.Wait(t.Context()), context.Canceled)
		requirePortFree(t, callbackPort(t, l))
	})
}

func TestLoginWaitReturnsWhenItsContextEnds(t *testing.T) {
	t.Parallel()
	f := newFakeIssuer(t, "")
	l := startTestLogin(t, t.Context(), t.TempDir(), f)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.ErrorIs(t, l.Wait(ctx), context.Canceled)
	select {
	case <-l.Done():
		t.Fatal("the sign-in must go on after Wait's context ends")
	default:
	}
	l.Cancel()
	require.ErrorIs(t, l.Wait(t.Context()), ErrLoginCancelled)
}

func TestLoginPort(t *testing.T) {
	t.Parallel()
	f := newFakeIssuer(t, "")

	t.Run("busy port falls back to a free one", func(t *testing.T) {
		t.Parallel()
		busy, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer func() { _ = busy.Close() }()
		busyPort := busy.Addr().(*net.TCPAddr).Port

		l, err := StartLogin(t.Context(), LoginOptions{CodexHome: t.TempDir(), Issuer: f.srv.URL, Port: busyPort})
		require.NoError(t, err)
		defer l.Cancel()
		port := callbackPort(t, l)
		assert.NotEqual(t, busyPort, port)
		assert.Contains(t, l.AuthURL, url.QueryEscape(l.RedirectURI))

		// The fallback server is up: an unknown path is a 404.
		status, _ := browse(t, "http://127.0.0.1:"+port+"/elsewhere")
		assert.Equal(t, http.StatusNotFound, status)
	})
	t.Run("free fixed port is used", func(t *testing.T) {
		t.Parallel()
		probe, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		want := probe.Addr().(*net.TCPAddr).Port
		require.NoError(t, probe.Close())

		l, err := StartLogin(t.Context(), LoginOptions{CodexHome: t.TempDir(), Issuer: f.srv.URL, Port: want})
		require.NoError(t, err)
		defer l.Cancel()
		assert.Equal(t, "http://localhost:"+strconv.Itoa(want)+CallbackPath, l.RedirectURI)
	})
}

func TestStartLoginRejectsBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts LoginOptions
	}{
		{name: "no CODEX_HOME", opts: LoginOptions{}},
		{name: "negative port", opts: LoginOptions{CodexHome: "x", Port: -1}},
		{name: "port too large", opts: LoginOptions{CodexHome: "x", Port: 70000}},
		{name: "issuer not a URL", opts: LoginOptions{CodexHome: "x", Issuer: "auth.example"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, err := StartLogin(t.Context(), tc.opts)
			require.Error(t, err)
			require.Nil(t, l)
		})
	}
}

func TestLoginDefaults(t *testing.T) {
	t.Parallel()
	// Port 0 keeps the test off the real 1455; everything else is default.
	l, err := StartLogin(t.Context(), LoginOptions{CodexHome: t.TempDir()})
	require.NoError(t, err)
	defer l.Cancel()
	u, err := url.Parse(l.AuthURL)
	require.NoError(t, err)
	assert.Equal(t, "https://auth.openai.com/oauth/authorize", u.Scheme+"://"+u.Host+u.Path)
	q := u.Query()
	assert.Equal(t, DefaultClientID, q.Get("client_id"))
	assert.Equal(t, DefaultOriginator, q.Get("originator"))
	assert.Len(t, q.Get("state"), 43)
	assert.Len(t, q.Get("code_challenge"), 43)
}

func TestPKCEChallenge(t *testing.T) {
	t.Parallel()
	// RFC 7636, appendix B.
	assert.Equal(t, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
}

func TestRandomToken(t *testing.T) {
	t.Parallel()
	a, err := randomToken(64)
	require.NoError(t, err)
	b, err := randomToken(64)
	require.NoError(t, err)
	assert.Regexp(t, `^[A-Za-z0-9_-]{86}$`, a)
	assert.NotEqual(t, a, b)
}

func TestAuthorizeURLEscaping(t *testing.T) {
	t.Parallel()
	got := authorizeURL("https://issuer.example", [][2]string{{"a b", "x y+z/&="}, {"k", ""}})
	assert.Equal(t, "https://issuer.example/oauth/authorize?a%20b=x%20y%2Bz%2F%26%3D&k=", got)
}
