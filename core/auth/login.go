package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Defaults of the browser sign-in.
const (
	// DefaultIssuer is the OAuth issuer of ChatGPT sign-in.
	DefaultIssuer = "https://auth.openai.com"
	// DefaultClientID is the public OAuth client id of the Codex CLI, as sent
	// in its authorize URL.
	DefaultClientID = "app_EMoamEEZ73f0CkXaXp7hrann"
	// DefaultOriginator is the originator parameter of the authorize URL.
	DefaultOriginator = "codex_cli_rs"
	// DefaultPort is the loopback port of the callback server registered for
	// the public client; pass it as LoginOptions.Port.
	DefaultPort = 1455
	// LoginTimeout is how long a sign-in may take before it expires.
	LoginTimeout = 10 * time.Minute
	// CallbackPath is the path of the redirect URI on the callback server.
	CallbackPath = "/auth/callback"
	// LoginScope is the OAuth scope requested.
	LoginScope = "openid profile email offline_access"
)

const (
	// shutdownGrace bounds how long the callback server waits for a
	// response in progress (the success page) when the sign-in ends.
	shutdownGrace = 5 * time.Second
	// tokenResponseLimit caps the token endpoint response read into memory.
	tokenResponseLimit = 1 << 20
	// errorBodySnippet caps how much of an error response goes into errors.
	errorBodySnippet = 512
)

// Outcomes of a sign-in other than success, reported by Login.Wait.
var (
	// ErrLoginCancelled is returned by Wait after Cancel.
	ErrLoginCancelled = errors.New("login cancelled")
	// ErrLoginExpired is returned by Wait when the sign-in was not completed
	// in time.
	ErrLoginExpired = errors.New("login timed out")
	// ErrStateMismatch is returned by Wait when the callback carried a state
	// other than the one in the authorize URL.
	ErrStateMismatch = errors.New("login callback: state mismatch")
)

// LoginOptions configure StartLogin. Empty strings select the defaults.
type LoginOptions struct {
	// CodexHome is where auth.json is written on success (required).
	CodexHome string
	// Issuer is the OAuth issuer base URL (DefaultIssuer when empty); the
	// authorize endpoint is {Issuer}/oauth/authorize and the token endpoint
	// {Issuer}/oauth/token.
	Issuer string
	// ClientID is the OAuth client id (DefaultClientID when empty).
	ClientID string
	// Originator is sent as the originator parameter (DefaultOriginator when
	// empty).
	Originator string
	// Port is the loopback port of the callback server: DefaultPort for the
	// registered redirect URI, 0 for any free port. When the port is taken,
	// a free port is used instead and the redirect URI says so.
	Port int
	// OpenBrowser opens the authorize URL in the system browser. A failure to
	// start the browser is not an error: the URL is returned in Login.AuthURL
	// for the caller to show.
	OpenBrowser bool
	// HTTPClient performs the token request (a client with a 30 s timeout
	// when nil).
	HTTPClient *http.Client
	// Timeout overrides LoginTimeout when positive.
	Timeout time.Duration
}

// Login is a browser sign-in in progress: an OAuth 2.0 authorization code
// flow with PKCE whose redirect URI points at a loopback callback server.
type Login struct {
	// ID identifies the sign-in (a UUID), e.g. for cancelLoginChatGpt.
	ID string
	// AuthURL is the authorize URL to open in a browser.
	AuthURL string
	// RedirectURI is the callback URL, http://localhost:PORT/auth/callback.
	RedirectURI string

	codexHome string
	tokenURL  string
	clientID  string
	state     string
	verifier  string
	client    *http.Client

	// ctx ends the sign-in: Cancel, the timeout or the caller's context.
	ctx    context.Context
	cancel context.CancelCauseFunc
	// releaseTimer frees the timeout's timer.
	releaseTimer context.CancelFunc

	// callbackMu serialises callback requests.
	callbackMu sync.Mutex

	// mu guards ended and err; the first outcome wins.
	mu    sync.Mutex
	ended bool
	err   error
	// finished is closed when the outcome is known.
	finished chan struct{}
	// done is closed when the callback server has stopped and the port is
	// free; Wait returns after it.
	done chan struct{}
}

// StartLogin starts the callback server and returns at once; the sign-in
// completes in the background. ctx bounds the whole sign-in: cancelling it
// ends the sign-in like Cancel (Wait then returns the context's cause), so
// pass a context that outlives the request that started it.
func StartLogin(ctx context.Context, o LoginOptions) (*Login, error) {
	if o.CodexHome == "" {
		return nil, errors.New("start login: CodexHome is required")
	}
	issuer := strings.TrimRight(defaultString(o.Issuer, DefaultIssuer), "/")
	if u, err := url.Parse(issuer); err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("start login: invalid issuer %q", issuer)
	}
	clientID := defaultString(o.ClientID, DefaultClientID)
	originator := defaultString(o.Originator, DefaultOriginator)
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = LoginTimeout
	}
	client := o.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Port < 0 || o.Port > 65535 {
		return nil, fmt.Errorf("start login: invalid port %d", o.Port)
	}

	verifier, err := randomToken(64)
	if err != nil {
		return nil, err
	}
	state, err := randomToken(32)
	if err != nil {
		return nil, err
	}

	ln, err := listenLoopback(ctx, o.Port)
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	redirectURI := "http://localhost:" + strconv.Itoa(port) + CallbackPath

	lctx, cancel := context.WithCancelCause(ctx)
	tctx, releaseTimer := context.WithTimeoutCause(lctx, timeout, ErrLoginExpired)
	l := &Login{
		ID:          uuid.NewString(),
		RedirectURI: redirectURI,
		AuthURL: authorizeURL(issuer, [][2]string{
			{"response_type", "code"},
			{"client_id", clientID},
			{"redirect_uri", redirectURI},
			{"scope", LoginScope},
			{"code_challenge", pkceChallenge(verifier)},
			{"code_challenge_method", "S256"},
			{"id_token_add_organizations", "true"},
			{"codex_cli_simplified_flow", "true"},
			{"state", state},
			{"originator", originator},
		}),
		codexHome:    o.CodexHome,
		tokenURL:     issuer + "/oauth/token",
		clientID:     clientID,
		state:        state,
		verifier:     verifier,
		client:       client,
		ctx:          tctx,
		cancel:       cancel,
		releaseTimer: releaseTimer,
		finished:     make(chan struct{}),
		done:         make(chan struct{}),
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET "+CallbackPath, l.handleCallback)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
	}
	go l.run(srv, ln)

	if o.OpenBrowser {
		// Best effort: the caller also has AuthURL to show.
		_ = openBrowser(l.AuthURL)
	}
	return l, nil
}

// Wait blocks until the sign-in succeeds (nil), fails, is cancelled
// (ErrLoginCancelled) or expires (ErrLoginExpired), and the callback server
// has stopped; or until ctx ends (ctx.Err(), the sign-in goes on).
func (l *Login) Wait(ctx context.Context) error {
	select {
	case <-l.done:
		return l.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Cancel ends the sign-in unless it has already ended, and returns once the
// callback server has stopped and its port is free. Wait then returns
// ErrLoginCancelled. Calling it more than once is harmless.
func (l *Login) Cancel() {
	l.cancel(ErrLoginCancelled)
	<-l.done
}

// Done is closed when the sign-in has ended and the callback server has
// stopped.
func (l *Login) Done() <-chan struct{} { return l.done }

// run serves callbacks until the outcome is known, then stops the server.
func (l *Login) run(srv *http.Server, ln net.Listener) {
	defer close(l.done)
	defer l.releaseTimer()

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case <-l.finished:
	case <-l.ctx.Done():
		l.finish(context.Cause(l.ctx))
	case err := <-served:
		l.finish(fmt.Errorf("login callback server: %w", err))
		served <- err
	}
	// Abort a token request still in flight; the outcome is fixed.
	l.cancel(nil)

	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
	}
	<-served
}

// finish records err as the outcome unless one is already known. When the
// sign-in's context has ended, its cause is the outcome instead, so that a
// request aborted by Cancel reports ErrLoginCancelled.
func (l *Login) finish(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return
	}
	if l.ctx.Err() != nil {
		err = context.Cause(l.ctx)
	}
	l.ended = true
	l.err = err
	close(l.finished)
}

// succeed runs save and records its result as the outcome, unless the
// sign-in has already ended, in which case nothing is saved.
func (l *Login) succeed(save func() error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return errors.New("this sign-in has already ended")
	}
	if l.ctx.Err() != nil {
		return context.Cause(l.ctx)
	}
	l.ended = true
	l.err = save()
	close(l.finished)
	return l.err
}

// isEnded reports whether the outcome is known.
func (l *Login) isEnded() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ended
}

// handleCallback serves the redirect from the issuer.
func (l *Login) handleCallback(w http.ResponseWriter, r *http.Request) {
	l.callbackMu.Lock()
	defer l.callbackMu.Unlock()

	if l.isEnded() {
		writePage(w, http.StatusGone, false, "This sign-in has already ended.")
		return
	}
	fail := func(status int, err error) {
		l.finish(err)
		writePage(w, status, false, err.Error())
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(l.state)) != 1 {
		fail(http.StatusBadRequest, ErrStateMismatch)
		return
	}
	if e := q.Get("error"); e != "" {
		msg := e
		if d := q.Get("error_description"); d != "" {
			msg += ": " + d
		}
		fail(http.StatusBadRequest, fmt.Errorf("login refused by the issuer: %s", msg))
		return
	}
	code := q.Get("code")
	if code == "" {
		fail(http.StatusBadRequest, errors.New("login callback: missing authorization code"))
		return
	}
	tokens, err := l.exchange(code)
	if err != nil {
		fail(http.StatusBadGateway, err)
		return
	}
	if err := l.succeed(func() error { return saveTokens(l.codexHome, tokens) }); err != nil {
		writePage(w, http.StatusInternalServerError, false, err.Error())
		return
	}
	writePage(w, http.StatusOK, true, "")
}

// tokenResponse is the token endpoint's JSON answer.
type tokenResponse struct {
	IDToken      string `json:"id_token"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// exchange trades the authorization code for tokens at the token endpoint.
func (l *Login) exchange(code string) (*tokenResponse, error) {
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {l.RedirectURI},
		"client_id":     {l.clientID},
		"code_verifier": {l.verifier},
	}
	req, err := http.NewRequestWithContext(l.ctx, http.MethodPost, l.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("token request to %s: %w", l.tokenURL, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, tokenResponseLimit))
	if err != nil {
		return nil, fmt.Errorf("read token response from %s: %w", l.tokenURL, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		snippet := strings.TrimSpace(string(body))
		if len(snippet) > errorBodySnippet {
			snippet = snippet[:errorBodySnippet] + "…"
		}
		return nil, fmt.Errorf("token endpoint %s answered %s: %s", l.tokenURL, resp.Status, snippet)
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return nil, fmt.Errorf("parse token response from %s: %w", l.tokenURL, err)
	}
	if tr.IDToken == "" || tr.AccessToken == "" {
		return nil, fmt.Errorf("token response from %s lacks id_token or access_token", l.tokenURL)
	}
	return &tr, nil
}

// saveTokens replaces auth.json with the sign-in's tokens. A previously
// saved API key is dropped, so that the stored method is unambiguously
// ChatGPT after a sign-in.
func saveTokens(codexHome string, tr *tokenResponse) error {
	var accountID string
	// A malformed id token only loses the account id; the tokens still work.
	if claims, err := ParseIDToken(tr.IDToken); err == nil {
		accountID = claims.AccountID
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	return Save(codexHome, &File{
		Tokens: &Tokens{
			IDToken:      tr.IDToken,
			AccessToken:  tr.AccessToken,
			RefreshToken: tr.RefreshToken,
			AccountID:    accountID,
		},
		LastRefresh: &now,
	})
}

// listenLoopback listens on 127.0.0.1:port, falling back to a free port when
// a fixed port cannot be had.
func listenLoopback(ctx context.Context, port int) (net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err == nil || port == 0 {
		if err != nil {
			return nil, fmt.Errorf("listen for login callback: %w", err)
		}
		return ln, nil
	}
	ln, ferr := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if ferr != nil {
		return nil, fmt.Errorf("listen for login callback on port %d: %w; on a free port: %w", port, err, ferr)
	}
	return ln, nil
}

// authorizeURL builds {issuer}/oauth/authorize with the parameters in the
// given order, spaces encoded as %20.
func authorizeURL(issuer string, params [][2]string) string {
	var b strings.Builder
	b.WriteString(issuer)
	b.WriteString("/oauth/authorize?")
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(queryEscape(p[0]))
		b.WriteByte('=')
		b.WriteString(queryEscape(p[1]))
	}
	return b.String()
}

// queryEscape escapes s for a query component with %20 for spaces (a literal
// '+' is already escaped as %2B by url.QueryEscape).
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// randomToken returns n random bytes from crypto/rand, base64url-encoded
// without padding (URL-safe; 64 bytes give the 86-character PKCE verifier).
func randomToken(n int) (string, error) {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("generate random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(buf), nil
}

// pkceChallenge is the S256 code challenge of verifier:
// base64url(sha256(verifier)) without padding.
func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// writePage answers the browser with a small HTML page.
func writePage(w http.ResponseWriter, status int, ok bool, detail string) {
	title, message := "Signed in to Codex", "You are signed in. You can close this tab and go back to your editor."
	if !ok {
		title, message = "Codex sign-in failed", "The sign-in did not complete: "+detail
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Connection", "close")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>%s</title></head>\n"+
		"<body style=\"font-family: sans-serif; margin: 4em auto; max-width: 36em\">\n<h1>%s</h1>\n<p>%s</p>\n</body></html>\n",
		html.EscapeString(title), html.EscapeString(title), html.EscapeString(message))
}

// defaultString returns s, or def when s is empty.
func defaultString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
