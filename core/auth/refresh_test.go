package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refreshIssuer is a token endpoint on loopback that answers refresh_token
// grants with numbered tokens, or with status when it is set.
type refreshIssuer struct {
	t      *testing.T
	srv    *httptest.Server
	expiry time.Time // exp of the access tokens it hands out
	status int       // non-zero: answer with this status and no tokens

	mu    sync.Mutex
	forms []url.Values
}

func newRefreshIssuer(t *testing.T, expiry time.Time) *refreshIssuer {
	iss := &refreshIssuer{t: t, expiry: expiry}
	iss.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/oauth/token" {
			http.NotFound(w, r)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		iss.mu.Lock()
		iss.forms = append(iss.forms, r.PostForm)
		n := len(iss.forms)
		status := iss.status
		iss.mu.Unlock()
		if status != 0 {
			http.Error(w, `{"error":"invalid_grant"}`, status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"id_token":      testJWT(t, map[string]any{"email": "new@example.com", "https://api.openai.com/auth": map[string]any{"chatgpt_account_id": "acct-new"}}),
			"access_token":  testJWT(t, map[string]any{"exp": iss.expiry.Unix(), "n": n}),
			"refresh_token": "refresh-" + string(rune('0'+n)),
		})
	}))
	t.Cleanup(iss.srv.Close)
	return iss
}

func (iss *refreshIssuer) received() []url.Values {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	return append([]url.Values(nil), iss.forms...)
}

// storeTokens writes ChatGPT tokens whose access token expires at exp.
func storeTokens(t *testing.T, home string, exp time.Time, refresh string) {
	t.Helper()
	last := "2025-01-01T00:00:00Z"
	require.NoError(t, Save(home, &File{
		Tokens: &Tokens{
			IDToken:      testJWT(t, map[string]any{"email": "old@example.com"}),
			AccessToken:  testJWT(t, map[string]any{"exp": exp.Unix()}),
			RefreshToken: refresh,
			AccountID:    "acct-old",
		},
		LastRefresh: &last,
	}))
}

func TestRefresherRenewsTokensAboutToExpire(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	home := t.TempDir()
	iss := newRefreshIssuer(t, now.Add(time.Hour))
	r := NewRefresher(home, RefreshOptions{Issuer: iss.srv.URL, Now: func() time.Time { return now }})

	// Valid for another hour: used as stored.
	storeTokens(t, home, now.Add(time.Hour), "refresh-0")
	f, err := r.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "refresh-0", f.Tokens.RefreshToken)
	assert.Empty(t, iss.received(), "no renewal while the token is fresh")

	// Expiring within the margin: renewed with the refresh token.
	storeTokens(t, home, now.Add(RefreshMargin/2), "refresh-0")
	f, err = r.Load(context.Background())
	require.NoError(t, err)
	forms := iss.received()
	require.Len(t, forms, 1)
	assert.Equal(t, "refresh_token", forms[0].Get("grant_type"))
	assert.Equal(t, "refresh-0", forms[0].Get("refresh_token"))
	assert.Equal(t, DefaultClientID, forms[0].Get("client_id"))
	assert.Equal(t, "refresh-1", f.Tokens.RefreshToken)
	assert.Equal(t, "acct-new", f.Tokens.AccountID)
	assert.Equal(t, "new@example.com", f.Email())
	require.NotNil(t, f.LastRefresh)
	assert.Equal(t, now.Format(time.RFC3339Nano), *f.LastRefresh)

	// What Load returned is what auth.json holds, still 0600 and alone.
	stored, err := Load(home)
	require.NoError(t, err)
	assert.Equal(t, f, stored)
	requireMode0600(t, Path(home))
	requireOnlyAuthFile(t, home)

	// The renewed token is fresh: no second renewal.
	_, err = r.Load(context.Background())
	require.NoError(t, err)
	assert.Len(t, iss.received(), 1)

	// Refresh renews whatever the age.
	f, err = r.Refresh(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "refresh-2", f.Tokens.RefreshToken)
}

func TestRefresherFailures(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	iss := newRefreshIssuer(t, now.Add(time.Hour))
	iss.status = http.StatusUnauthorized
	clock := func() time.Time { return now }

	t.Run("refused while still valid keeps the stored token", func(t *testing.T) {
		home := t.TempDir()
		storeTokens(t, home, now.Add(time.Minute), "refresh-0")
		before, err := os.ReadFile(Path(home))
		require.NoError(t, err)
		f, err := NewRefresher(home, RefreshOptions{Issuer: iss.srv.URL, Now: clock}).Load(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "refresh-0", f.Tokens.RefreshToken)
		after, err := os.ReadFile(Path(home))
		require.NoError(t, err)
		assert.Equal(t, before, after, "auth.json is untouched")
	})
	t.Run("refused after expiry is an error", func(t *testing.T) {
		home := t.TempDir()
		storeTokens(t, home, now.Add(-time.Minute), "refresh-0")
		_, err := NewRefresher(home, RefreshOptions{Issuer: iss.srv.URL, Now: clock}).Load(context.Background())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "401")
	})
	t.Run("no refresh token", func(t *testing.T) {
		home := t.TempDir()
		storeTokens(t, home, now.Add(-time.Minute), "")
		_, err := NewRefresher(home, RefreshOptions{Issuer: iss.srv.URL, Now: clock}).Load(context.Background())
		assert.ErrorIs(t, err, ErrNoRefreshToken)
	})
	t.Run("an API key is never renewed", func(t *testing.T) {
		home := t.TempDir()
		require.NoError(t, SaveAPIKey(home, "sk-1"))
		f, err := NewRefresher(home, RefreshOptions{Issuer: iss.srv.URL, Now: clock}).Refresh(context.Background())
		require.NoError(t, err)
		assert.Equal(t, AuthMethodAPIKey, f.Method())
	})
	t.Run("no credentials", func(t *testing.T) {
		f, err := NewRefresher(t.TempDir(), RefreshOptions{Issuer: iss.srv.URL, Now: clock}).Load(context.Background())
		require.NoError(t, err)
		assert.Nil(t, f)
	})
	t.Run("unknown expiry renews after the interval", func(t *testing.T) {
		home := t.TempDir()
		ok := newRefreshIssuer(t, now.Add(time.Hour))
		last := now.Add(-RefreshInterval - time.Hour).Format(time.RFC3339Nano)
		require.NoError(t, Save(home, &File{Tokens: &Tokens{AccessToken: "opaque", RefreshToken: "refresh-0"}, LastRefresh: &last}))
		f, err := NewRefresher(home, RefreshOptions{Issuer: ok.srv.URL, Now: clock}).Load(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "refresh-1", f.Tokens.RefreshToken)
		assert.Len(t, ok.received(), 1)
	})
	assert.NotEmpty(t, iss.received())
}
