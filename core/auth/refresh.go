package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// EnvIssuer is the environment variable that replaces DefaultIssuer, for
// the browser sign-in and for renewing tokens alike (tests point it at a
// loopback issuer).
const EnvIssuer = "CODEX_LOGIN_ISSUER"

// Token renewal policy.
const (
	// RefreshMargin is how long before its expiry an access token is
	// renewed.
	RefreshMargin = 5 * time.Minute
	// RefreshInterval is how old tokens whose expiry is unknown may get
	// before they are renewed.
	RefreshInterval = 8 * 24 * time.Hour
	// RefreshScope is the scope asked for when renewing.
	RefreshScope = "openid profile email"
)

// ErrNoRefreshToken is returned when ChatGPT tokens must be renewed but
// auth.json holds no refresh token.
var ErrNoRefreshToken = errors.New("the stored ChatGPT sign-in has no refresh token; sign in again")

// RefreshOptions configure a Refresher. Zero fields get defaults.
type RefreshOptions struct {
	// Issuer is the OAuth issuer base URL (DefaultIssuer when empty); the
	// token endpoint is {Issuer}/oauth/token.
	Issuer string
	// ClientID is the OAuth client id (DefaultClientID when empty).
	ClientID string
	// HTTPClient performs the token request (a client with a 30 s timeout
	// when nil).
	HTTPClient *http.Client
	// Now reads the clock (time.Now when nil).
	Now func() time.Time
}

// Refresher reads the stored credentials of one CODEX_HOME and renews
// ChatGPT tokens before they expire, with the refresh token, at the
// issuer's token endpoint. Renewed tokens are written to auth.json only
// (mode 0600). A Refresher is safe for concurrent use; renewals of one
// Refresher never overlap, so a refresh token is spent once.
type Refresher struct {
	codexHome string
	tokenURL  string
	clientID  string
	client    *http.Client
	now       func() time.Time

	mu sync.Mutex
}

// NewRefresher returns a Refresher of the credentials in codexHome.
func NewRefresher(codexHome string, o RefreshOptions) *Refresher {
	client := o.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Refresher{
		codexHome: codexHome,
		tokenURL:  strings.TrimRight(defaultString(o.Issuer, DefaultIssuer), "/") + "/oauth/token",
		clientID:  defaultString(o.ClientID, DefaultClientID),
		client:    client,
		now:       now,
	}
}

// Load reads auth.json like the package's Load and, when it holds ChatGPT
// tokens that expire within RefreshMargin (or, when the access token says
// nothing of its expiry, were renewed more than RefreshInterval ago),
// renews them first. When the renewal fails and the access token has not
// expired yet, the stored credentials are returned as they are; once it
// has expired, the renewal's error is returned.
func (r *Refresher) Load(ctx context.Context) (*File, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, err := Load(r.codexHome)
	if err != nil || f.Method() != AuthMethodChatGPT {
		return f, err
	}
	due, expired := r.due(f)
	if !due {
		return f, nil
	}
	renewed, err := r.renew(ctx, f)
	if err != nil {
		if expired {
			return nil, err
		}
		return f, nil
	}
	return renewed, nil
}

// Refresh renews the stored ChatGPT tokens now, whatever their age. It
// returns the credentials as stored afterwards; credentials without
// ChatGPT tokens (none, or an API key) are returned unchanged.
func (r *Refresher) Refresh(ctx context.Context) (*File, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, err := Load(r.codexHome)
	if err != nil || f.Method() != AuthMethodChatGPT {
		return f, err
	}
	return r.renew(ctx, f)
}

// due reports whether f's tokens should be renewed, and whether the
// access token has already expired.
func (r *Refresher) due(f *File) (due, expired bool) {
	now := r.now()
	if claims, err := ParseIDToken(f.Tokens.AccessToken); err == nil && !claims.Expiry.IsZero() {
		return !now.Add(RefreshMargin).Before(claims.Expiry), !now.Before(claims.Expiry)
	}
	if f.LastRefresh == nil {
		return true, false
	}
	last, err := time.Parse(time.RFC3339Nano, *f.LastRefresh)
	if err != nil {
		return true, false
	}
	return now.Sub(last) > RefreshInterval, false
}

// renew trades f's refresh token for new tokens and saves them.
func (r *Refresher) renew(ctx context.Context, f *File) (*File, error) {
	if f.Tokens.RefreshToken == "" {
		return nil, ErrNoRefreshToken
	}
	tr, err := r.requestTokens(ctx, f.Tokens.RefreshToken)
	if err != nil {
		return nil, err
	}
	next := *f.Tokens
	next.AccessToken = tr.AccessToken
	if tr.IDToken != "" {
		next.IDToken = tr.IDToken
		if claims, err := ParseIDToken(tr.IDToken); err == nil && claims.AccountID != "" {
			next.AccountID = claims.AccountID
		}
	}
	if tr.RefreshToken != "" {
		next.RefreshToken = tr.RefreshToken
	}
	now := r.now().UTC().Format(time.RFC3339Nano)
	out := &File{OpenAIAPIKey: f.OpenAIAPIKey, Tokens: &next, LastRefresh: &now}
	if err := Save(r.codexHome, out); err != nil {
		return nil, fmt.Errorf("save renewed tokens: %w", err)
	}
	return out, nil
}

// requestTokens posts a refresh_token grant to the token endpoint.
func (r *Refresher) requestTokens(ctx context.Context, refreshToken string) (*tokenResponse, error) {
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
		"client_id":     {r.clientID},
		"scope":         {RefreshScope},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("token refresh request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("token refresh request to %s: %w", r.tokenURL, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, tokenResponseLimit))
	if err != nil {
		return nil, fmt.Errorf("read token refresh response from %s: %w", r.tokenURL, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		snippet := strings.TrimSpace(string(body))
		if len(snippet) > errorBodySnippet {
			snippet = snippet[:errorBodySnippet] + "…"
		}
		return nil, fmt.Errorf("token endpoint %s refused the refresh (%s): %s", r.tokenURL, resp.Status, snippet)
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return nil, fmt.Errorf("parse token refresh response from %s: %w", r.tokenURL, err)
	}
	if tr.AccessToken == "" {
		return nil, fmt.Errorf("token refresh response from %s lacks access_token", r.tokenURL)
	}
	return &tr, nil
}
