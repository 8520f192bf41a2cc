package mcpauth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/client/transport"
)

// ErrLoginRequired is wrapped by the errors of Authorization when the user
// has to run `codex mcp login NAME`: no token is stored for the server, or
// the stored one expired and cannot be refreshed.
var ErrLoginRequired = errors.New("MCP server login required")

// loginRequiredError names the server and the command that fixes it.
type loginRequiredError struct {
	server string
	reason string
	cause  error
}

func (e *loginRequiredError) Error() string {
	msg := fmt.Sprintf("%s for MCP server '%s'; run `codex mcp login %s`", e.reason, e.server, e.server)
	if e.cause != nil {
		msg += " (" + e.cause.Error() + ")"
	}
	return msg
}

func (e *loginRequiredError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrLoginRequired}
	}
	return []error{ErrLoginRequired, e.cause}
}

// Authorization returns the value of the Authorization header for requests
// to the MCP server serverName at serverURL: "Bearer <access token>". An
// access token that expires within 30 seconds is refreshed first and the
// new tokens stored. When there are no credentials, or they cannot be
// refreshed, the error wraps ErrLoginRequired and tells the user to run
// `codex mcp login serverName`.
//
// It is meant to be the authorization provider of the streamable HTTP
// transport of the MCP client.
func (s *Store) Authorization(ctx context.Context, serverName, serverURL string) (string, error) {
	c, err := s.Load(serverName, serverURL)
	if err != nil {
		return "", err
	}
	if c == nil {
		return "", &loginRequiredError{server: serverName, reason: "no OAuth credentials are stored"}
	}
	if !s.needsRefresh(c) {
		return bearer(c.AccessToken), nil
	}

	lock := s.refreshLock(StoreKey(serverName, serverURL))
	lock.Lock()
	defer lock.Unlock()
	// Another caller may have refreshed while this one waited.
	if c, err = s.Load(serverName, serverURL); err != nil {
		return "", err
	}
	if c == nil {
		return "", &loginRequiredError{server: serverName, reason: "no OAuth credentials are stored"}
	}
	if !s.needsRefresh(c) {
		return bearer(c.AccessToken), nil
	}
	if err := s.refresh(ctx, c); err != nil {
		return "", err
	}
	return bearer(c.AccessToken), nil
}

// StoredAuthorization is Authorization for servers that may not use OAuth
// at all: with no credentials stored for the server it returns "" and no
// error, so that no Authorization header is sent. Stored credentials that
// cannot be refreshed are still an error wrapping ErrLoginRequired.
func (s *Store) StoredAuthorization(ctx context.Context, serverName, serverURL string) (string, error) {
	c, err := s.Load(serverName, serverURL)
	if err != nil || c == nil {
		return "", err
	}
	return s.Authorization(ctx, serverName, serverURL)
}

// bearer formats an access token as an Authorization header value.
func bearer(token string) string {
	return "Bearer " + token
}

// needsRefresh reports whether c's access token expires within refreshSkew.
func (s *Store) needsRefresh(c *Credentials) bool {
	exp, ok := c.expiry()
	return ok && !s.now().Add(refreshSkew).Before(exp)
}

// refreshLock returns the lock held while the token of key is refreshed.
func (s *Store) refreshLock(key string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.refreshing[key]
	if !ok {
		l = &sync.Mutex{}
		s.refreshing[key] = l
	}
	return l
}

// refresh exchanges c's refresh token for new tokens, updates c and stores
// it.
func (s *Store) refresh(ctx context.Context, c *Credentials) error {
	if c.RefreshToken == nil || *c.RefreshToken == "" {
		return &loginRequiredError{server: c.ServerName, reason: "the OAuth access token has expired"}
	}
	h := transport.NewOAuthHandler(transport.OAuthConfig{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Scopes:       c.Scopes,
		PKCEEnabled:  true,
		HTTPClient:   withResource(s.client, c.Resource),
	})
	h.SetBaseURL(c.ServerURL)
	if c.ResourceMetadataURL != "" {
		h.SetProtectedResourceMetadataURL(c.ResourceMetadataURL)
	}
	tok, err := h.RefreshToken(ctx, *c.RefreshToken)
	if err != nil {
		var oauthErr transport.OAuthError
		if errors.As(err, &oauthErr) && oauthErr.ErrorCode == "invalid_grant" {
			return &loginRequiredError{server: c.ServerName, reason: "the OAuth refresh token was rejected", cause: err}
		}
		return fmt.Errorf("refresh OAuth token for MCP server '%s': %w", c.ServerName, err)
	}
	applyToken(c, tok)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked(*c)
}

// applyToken copies a token response into c, keeping the refresh token and
// scopes that the response does not replace.
func applyToken(c *Credentials, tok *transport.Token) {
	c.AccessToken = tok.AccessToken
	c.ExpiresAt = nil
	if !tok.ExpiresAt.IsZero() {
		ms := tok.ExpiresAt.UnixMilli()
		c.ExpiresAt = &ms
	}
	if tok.RefreshToken != "" {
		rt := tok.RefreshToken
		c.RefreshToken = &rt
	}
	if scopes := strings.Fields(tok.Scope); len(scopes) > 0 {
		c.Scopes = scopes
	}
}
