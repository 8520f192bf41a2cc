// Package oauthtest runs an OAuth 2.1 authorization server and an MCP
// endpoint it protects, on one httptest server, for tests of MCP
// authorization. The authorization server publishes its metadata under a
// path (RFC 8414 path insertion), registers clients dynamically (RFC 7591),
// approves every authorization request that is valid by redirecting to the
// client's loopback redirect URI, checks PKCE (S256) and the resource
// parameter (RFC 8707) at the token endpoint, and rotates refresh tokens.
// The MCP endpoint answers 401 with a Bearer challenge naming its protected
// resource metadata until it gets a valid access token.
package oauthtest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Paths of the server's endpoints.
const (
	// MCPPath is the path of the protected MCP endpoint.
	MCPPath = "/mcp"
	// IssuerPath is the path of the authorization server's issuer URL.
	IssuerPath = "/tenant"
	// resourceMetadataPath is where the protected resource metadata is
	// served (path inserted after /.well-known/oauth-protected-resource).
	resourceMetadataPath = "/.well-known/oauth-protected-resource" + MCPPath
)

// Scopes are the scopes the MCP endpoint asks for in its challenge.
var Scopes = []string{"mcp:read", "mcp:write"}

// Stats counts what the server saw.
type Stats struct {
	// Registrations is the number of dynamic client registrations.
	Registrations int
	// CodeExchanges is the number of authorization codes exchanged.
	CodeExchanges int
	// Refreshes is the number of refresh token grants that succeeded.
	Refreshes int
	// Resource is the resource parameter of the last authorization request.
	Resource string
	// Scope is the scope parameter of the last authorization request.
	Scope string
	// MCPCalls is the number of authorized requests to the MCP endpoint.
	MCPCalls int
}

// client is a registered OAuth client.
type client struct {
	secret       string
	redirectURIs []string
}

// grant is what an authorization code, access token or refresh token
// stands for.
type grant struct {
	clientID    string
	redirectURI string
	challenge   string
	resource    string
	scope       string
	expires     time.Time
}

// Server is the test authorization server and MCP endpoint.
type Server struct {
	srv *httptest.Server

	mu       sync.Mutex
	ttl      time.Duration
	clients  map[string]client
	codes    map[string]grant
	access   map[string]grant
	refresh  map[string]grant
	stats    Stats
	noDCR    bool
	resource string
	// protected, when set, is the MCP URL the resource metadata names
	// instead of the server's own (see SetProtectedResource).
	protected string
}

// New starts a server; close it with Close. Access tokens live ttl.
func New(ttl time.Duration) *Server {
	s := &Server{
		ttl:     ttl,
		clients: map[string]client{},
		codes:   map[string]grant{},
		access:  map[string]grant{},
		refresh: map[string]grant{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc(MCPPath, s.handleMCP)
	mux.HandleFunc(resourceMetadataPath, s.handleResourceMetadata)
	mux.HandleFunc("/.well-known/oauth-authorization-server"+IssuerPath, s.handleASMetadata)
	mux.HandleFunc(IssuerPath+"/register", s.handleRegister)
	mux.HandleFunc(IssuerPath+"/authorize", s.handleAuthorize)
	mux.HandleFunc(IssuerPath+"/token", s.handleToken)
	s.srv = httptest.NewServer(mux)
	s.resource = s.MCPURL()
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// URL is the server's base URL.
func (s *Server) URL() string { return s.srv.URL }

// MCPURL is the URL of the protected MCP endpoint.
func (s *Server) MCPURL() string { return s.srv.URL + MCPPath }

// IssuerURL is the authorization server's issuer.
func (s *Server) IssuerURL() string { return s.srv.URL + IssuerPath }

// SetTTL changes the lifetime of access tokens issued from now on.
func (s *Server) SetTTL(ttl time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ttl = ttl
}

// SetProtectedResource makes the server the authorization server of an
// MCP endpoint served elsewhere, at u: the resource metadata names u and
// tokens are issued for it.
func (s *Server) SetProtectedResource(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.protected, s.resource = u, u
}

// protectedURL is the MCP URL the resource metadata names.
func (s *Server) protectedURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.protected != "" {
		return s.protected
	}
	return s.MCPURL()
}

// SetResource changes the resource indicator the authorization server
// requires (the MCP URL by default), while the protected resource metadata
// keeps naming the MCP URL: a server for which oauth_resource must be
// configured.
func (s *Server) SetResource(resource string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resource = resource
}

// DisableRegistration makes the server refuse dynamic registration, so
// only clients added with AddClient work.
func (s *Server) DisableRegistration() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noDCR = true
}

// AddClient registers a client beforehand; secret is empty for a public
// client. Any loopback redirect URI is accepted for it.
func (s *Server) AddClient(id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[id] = client{secret: secret}
}

// RevokeRefreshTokens invalidates every refresh token.
func (s *Server) RevokeRefreshTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.refresh)
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// ValidToken reports whether token is a live access token for the MCP
// endpoint.
func (s *Server) ValidToken(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.access[token]
	return ok && time.Now().Before(g.expires) && g.resource == s.resource
}

func (s *Server) handleMCP(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !s.ValidToken(token) {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="invalid_token", resource_metadata="%s", scope="%s"`,
			s.srv.URL+resourceMetadataPath, strings.Join(Scopes, " ")))
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	s.stats.MCPCalls++
	s.mu.Unlock()
	var req struct {
		ID json.RawMessage `json:"id"`
	}
	_ = json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req)
	if len(req.ID) == 0 {
		req.ID = json.RawMessage("null")
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"jsonrpc": "2.0", "id": req.ID,
		"result": map[string]any{
			"protocolVersion": "2025-06-18",
			"capabilities":    map[string]any{"tools": map[string]any{}},
			"serverInfo":      map[string]any{"name": "oauthtest", "version": "1"},
		},
	})
}

func (s *Server) handleResourceMetadata(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"resource":                 s.protectedURL(),
		"authorization_servers":    []string{s.IssuerURL()},
		"scopes_supported":         Scopes,
		"bearer_methods_supported": []string{"header"},
	})
}

func (s *Server) handleASMetadata(w http.ResponseWriter, _ *http.Request) {
	iss := s.IssuerURL()
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                iss,
		"authorization_endpoint":                iss + "/authorize",
		"token_endpoint":                        iss + "/token",
		"registration_endpoint":                 iss + "/register",
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"none", "client_secret_post", "client_secret_basic"},
		"scopes_supported":                      append(slices.Clone(Scopes), "offline_access"),
	})
}

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	var req struct {
		RedirectURIs []string `json:"redirect_uris"`
		AuthMethod   string   `json:"token_endpoint_auth_method"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_client_metadata", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.noDCR {
		oauthError(w, http.StatusForbidden, "access_denied", "registration is closed")
		return
	}
	if len(req.RedirectURIs) == 0 {
		oauthError(w, http.StatusBadRequest, "invalid_redirect_uri", "redirect_uris is required")
		return
	}
	for _, u := range req.RedirectURIs {
		if !isLoopback(u) {
			oauthError(w, http.StatusBadRequest, "invalid_redirect_uri", "only loopback redirect URIs are allowed: "+u)
			return
		}
	}
	id := "dyn-" + randomString()
	s.clients[id] = client{redirectURIs: req.RedirectURIs}
	s.stats.Registrations++
	writeJSON(w, http.StatusCreated, map[string]any{
		"client_id":                  id,
		"client_id_issued_at":        time.Now().Unix(),
		"redirect_uris":              req.RedirectURIs,
		"token_endpoint_auth_method": "none",
		"grant_types":                []string{"authorization_code", "refresh_token"},
	})
}

func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[q.Get("client_id")]
	switch {
	case !ok:
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	case !redirectAllowed(c, q.Get("redirect_uri")):
		http.Error(w, "redirect_uri not registered", http.StatusBadRequest)
		return
	}
	s.stats.Resource = q.Get("resource")
	s.stats.Scope = q.Get("scope")
	deny := func(code, desc string) {
		u, _ := url.Parse(q.Get("redirect_uri"))
		v := u.Query()
		v.Set("error", code)
		v.Set("error_description", desc)
		v.Set("state", q.Get("state"))
		u.RawQuery = v.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		deny("unsupported_response_type", "response_type must be code")
		return
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		deny("invalid_request", "PKCE with S256 is required")
		return
	case q.Get("resource") != s.resource:
		deny("invalid_target", "unknown resource "+q.Get("resource"))
		return
	}
	code := randomString()
	s.codes[code] = grant{
		clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"),
		resource: q.Get("resource"), scope: q.Get("scope"), expires: time.Now().Add(time.Minute),
	}
	u, _ := url.Parse(q.Get("redirect_uri"))
	v := u.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	u.RawQuery = v.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	clientID, secret, basic := r.BasicAuth()
	if !basic {
		clientID, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[clientID]
	if !ok || subtle.ConstantTimeCompare([]byte(c.secret), []byte(secret)) != 1 {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client or bad secret")
		return
	}
	var g grant
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		code := r.PostForm.Get("code")
		g, ok = s.codes[code]
		delete(s.codes, code)
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		switch {
		case !ok || time.Now().After(g.expires) || g.clientID != clientID:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown or expired code")
			return
		case g.redirectURI != r.PostForm.Get("redirect_uri"):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request")
			return
		case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
			return
		}
		s.stats.CodeExchanges++
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		g, ok = s.refresh[rt]
		delete(s.refresh, rt)
		if !ok || g.clientID != clientID {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown refresh token")
			return
		}
		s.stats.Refreshes++
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", r.PostForm.Get("grant_type"))
		return
	}
	if res := r.PostForm.Get("resource"); res != g.resource {
		oauthError(w, http.StatusBadRequest, "invalid_target", fmt.Sprintf("resource %q, want %q", res, g.resource))
		return
	}
	access, refresh := "at-"+randomString(), "rt-"+randomString()
	g.expires = time.Now().Add(s.ttl)
	s.access[access] = g
	s.refresh[refresh] = g
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  access,
		"token_type":    "Bearer",
		"expires_in":    int(s.ttl / time.Second),
		"refresh_token": refresh,
		"scope":         g.scope,
	})
}

// redirectAllowed reports whether uri may receive c's codes: one of its
// registered URIs, with any port for a loopback URI (RFC 8252 §7.3).
func redirectAllowed(c client, uri string) bool {
	if !isLoopback(uri) {
		return false
	}
	if len(c.redirectURIs) == 0 {
		return true
	}
	want := withoutPort(uri)
	for _, r := range c.redirectURIs {
		if withoutPort(r) == want {
			return true
		}
	}
	return false
}

// isLoopback reports whether u is an http URL on 127.0.0.1, ::1 or
// localhost.
func isLoopback(u string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "http" {
		return false
	}
	if p.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(p.Hostname())
	return ip != nil && ip.IsLoopback()
}

// withoutPort returns u with its port removed.
func withoutPort(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	p.Host = p.Hostname()
	return p.String()
}

func randomString() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
