package mcpauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

const (
	// DefaultLoginTimeout is how long Wait waits for the browser to come
	// back to the callback server.
	DefaultLoginTimeout = 5 * time.Minute
	// DefaultCallbackPath is the path of the redirect URI when no callback
	// URL is configured.
	DefaultCallbackPath = "/callback"
	// DefaultClientName is the client_name sent in dynamic client
	// registration.
	DefaultClientName = "Codex"
	// offlineAccess is the scope that asks for a refresh token.
	offlineAccess = "offline_access"
	// shutdownGrace bounds how long the callback server waits for the
	// response in progress when the login ends.
	shutdownGrace = 5 * time.Second
)

// Outcomes of a login other than success, reported by Login.Wait.
var (
	// ErrLoginTimeout is returned when the browser did not come back in
	// time.
	ErrLoginTimeout = errors.New("timed out waiting for the OAuth callback")
	// ErrLoginCancelled is returned after Close or when Wait's context ends.
	ErrLoginCancelled = errors.New("OAuth login cancelled")
)

// LoginOptions describe the server to sign in to and how.
type LoginOptions struct {
	// ServerName is the name of the [mcp_servers] entry (required).
	ServerName string
	// ServerURL is the url of the streamable HTTP server (required).
	ServerURL string
	// Scopes are requested; when empty, the scopes named in the server's
	// WWW-Authenticate challenge are requested, if any.
	Scopes []string
	// ClientID is a client registered beforehand; when empty, a client is
	// registered dynamically.
	ClientID string
	// ClientSecret is the secret of a confidential ClientID.
	ClientSecret string
	// Resource replaces the discovered resource indicator (oauth_resource).
	Resource string
	// CallbackPort is the loopback port of the callback server; 0 picks a
	// free one, or the port of CallbackURL.
	CallbackPort int
	// CallbackURL is the redirect URI to register and send; when empty it
	// is http://127.0.0.1:PORT/callback. A loopback URL without a port gets
	// the callback server's port.
	CallbackURL string
	// Timeout bounds the wait for the callback (DefaultLoginTimeout when
	// zero).
	Timeout time.Duration
	// ClientName is sent in dynamic client registration (DefaultClientName
	// when empty).
	ClientName string
}

// Login is an OAuth login in progress: the user opens AuthURL in a browser,
// the authorization server redirects to the callback server, and Wait
// exchanges the code and stores the tokens.
type Login struct {
	// AuthURL is the authorization URL the user opens.
	AuthURL string
	// RedirectURI is the callback URL registered and sent.
	RedirectURI string

	store    *Store
	opts     LoginOptions
	handler  *transport.OAuthHandler
	verifier string
	state    string
	prmURL   string
	issuer   string
	scopes   []string
	tokens   *transport.MemoryTokenStore

	srv     *http.Server
	results chan callbackResult
	done    chan struct{}
	once    sync.Once
}

// callbackResult is what the callback server received.
type callbackResult struct {
	code string
	err  error
}

// StartLogin prepares a login: it starts the callback server, discovers the
// authorization server, registers a client when needed and builds the
// authorization URL. Call Wait, then Close.
func (s *Store) StartLogin(ctx context.Context, o LoginOptions) (*Login, error) {
	if o.ServerName == "" || o.ServerURL == "" {
		return nil, errors.New("mcp login: server name and url are required")
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultLoginTimeout
	}
	if o.ClientName == "" {
		o.ClientName = DefaultClientName
	}
	ln, redirect, err := listenCallback(o.CallbackURL, o.CallbackPort)
	if err != nil {
		return nil, err
	}
	l := &Login{
		RedirectURI: redirect.String(),
		store:       s,
		opts:        o,
		results:     make(chan callbackResult, 1),
		done:        make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc(redirect.Path, l.handleCallback)
	l.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = l.srv.Serve(ln) }()

	if err := l.prepare(ctx); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// prepare discovers the authorization server and builds AuthURL.
func (l *Login) prepare(ctx context.Context) error {
	o := l.opts
	challenge, err := l.store.probe(ctx, o.ServerURL)
	if err != nil {
		return err
	}
	scopes := o.Scopes
	if len(scopes) == 0 {
		scopes = strings.Fields(challenge.scope)
	}
	if sameOrigin(challenge.resourceMetadata, o.ServerURL) {
		l.prmURL = challenge.resourceMetadata
	}
	meta, err := l.newHandler(scopes, challenge.resp).GetServerMetadata(ctx)
	if err != nil {
		return fmt.Errorf("discover the authorization server of %s: %w", o.ServerURL, err)
	}
	l.issuer = meta.Issuer
	// Ask for a refresh token where the server offers them by scope.
	if len(scopes) > 0 && slices.Contains(meta.ScopesSupported, offlineAccess) && !slices.Contains(scopes, offlineAccess) {
		scopes = append(slices.Clone(scopes), offlineAccess)
	}
	l.scopes = scopes
	l.handler = l.newHandler(scopes, challenge.resp)
	if _, err := l.handler.GetServerMetadata(ctx); err != nil {
		return fmt.Errorf("discover the authorization server of %s: %w", o.ServerURL, err)
	}
	if o.ClientID == "" {
		if err := l.handler.RegisterClient(ctx, o.ClientName); err != nil {
			return fmt.Errorf("register an OAuth client with the authorization server of %s (configure [mcp_servers.%s.oauth] client_id if it does not allow dynamic registration): %w",
				o.ServerURL, o.ServerName, err)
		}
	}
	if l.verifier, err = transport.GenerateCodeVerifier(); err != nil {
		return err
	}
	if l.state, err = transport.GenerateState(); err != nil {
		return err
	}
	authURL, err := l.handler.GetAuthorizationURL(ctx, l.state, transport.GenerateCodeChallenge(l.verifier))
	if err != nil {
		return fmt.Errorf("build the authorization URL: %w", err)
	}
	if o.Resource != "" {
		if authURL, err = setQuery(authURL, "resource", o.Resource); err != nil {
			return fmt.Errorf("build the authorization URL: %w", err)
		}
	}
	u, err := url.Parse(authURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("the authorization server gave an unusable authorization endpoint %q", authURL)
	}
	l.AuthURL = authURL
	return nil
}

// newHandler returns an OAuth handler for the login's server requesting
// scopes, told about the server's 401 answer resp (nil when none).
func (l *Login) newHandler(scopes []string, resp *http.Response) *transport.OAuthHandler {
	o := l.opts
	l.tokens = transport.NewMemoryTokenStore()
	h := transport.NewOAuthHandler(transport.OAuthConfig{
		ClientID:     o.ClientID,
		ClientSecret: o.ClientSecret,
		RedirectURI:  l.RedirectURI,
		Scopes:       scopes,
		PKCEEnabled:  true,
		TokenStore:   l.tokens,
		HTTPClient:   withResource(l.store.client, o.Resource),
	})
	h.SetBaseURL(o.ServerURL)
	if resp != nil {
		h.HandleUnauthorizedResponse(resp)
	}
	return h
}

// handleCallback receives the browser's redirect. A request without the
// login's state is answered with 400 and ignored, so that only the browser
// the login was started for can end it.
func (l *Login) handleCallback(w http.ResponseWriter, r *http.Request) {
	res, err := l.deliver(r.URL.Query())
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errAlreadyCompleted) {
			status = http.StatusConflict
		}
		http.Error(w, err.Error(), status)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if res.err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintln(w, res.err.Error())
		return
	}
	fmt.Fprint(w, "Authentication complete. You may close this window.")
}

// Complete ends the login with a callback URL the user copied from the
// browser's address bar, for when the browser cannot reach the callback
// server (another machine). Wait then exchanges the code. An error means
// the URL was not a callback of this login; the login goes on waiting.
func (l *Login) Complete(callbackURL string) error {
	u, err := url.Parse(strings.TrimSpace(callbackURL))
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	_, err = l.deliver(u.Query())
	return err
}

// errAlreadyCompleted is returned for a second callback.
var errAlreadyCompleted = errors.New("this sign-in was already completed")

// deliver checks the query of a callback and hands its outcome to Wait.
func (l *Login) deliver(q url.Values) (callbackResult, error) {
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(l.state)) != 1 {
		return callbackResult{}, errors.New("this callback is not the one codex is waiting for (state mismatch)")
	}
	var res callbackResult
	switch {
	case q.Get("error") != "":
		res.err = fmt.Errorf("the authorization server refused the login: %s", oauthErrorText(q.Get("error"), q.Get("error_description")))
	case q.Get("code") == "":
		return callbackResult{}, errors.New("the callback has no authorization code")
	default:
		res.code = q.Get("code")
	}
	select {
	case l.results <- res:
		return res, nil
	default:
		return callbackResult{}, errAlreadyCompleted
	}
}

// oauthErrorText formats an OAuth error code and its description.
func oauthErrorText(code, desc string) string {
	if desc == "" {
		return code
	}
	return code + ": " + desc
}

// Wait waits for the callback, exchanges the code for tokens and stores
// them. It returns ErrLoginTimeout when the browser does not come back
// within the login's timeout.
func (l *Login) Wait(ctx context.Context) error {
	defer l.Close()
	timer := time.NewTimer(l.opts.Timeout)
	defer timer.Stop()
	var res callbackResult
	select {
	case res = <-l.results:
	case <-timer.C:
		return ErrLoginTimeout
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrLoginCancelled, ctx.Err())
	case <-l.done:
		return ErrLoginCancelled
	}
	if res.err != nil {
		return res.err
	}
	if err := l.handler.ProcessAuthorizationResponse(ctx, res.code, l.state, l.verifier); err != nil {
		return fmt.Errorf("exchange the authorization code: %w", err)
	}
	tok, err := l.tokens.GetToken(ctx)
	if err != nil || tok.AccessToken == "" {
		return errors.New("exchange the authorization code: the token response has no access token")
	}
	c := Credentials{
		ServerName:          l.opts.ServerName,
		ServerURL:           l.opts.ServerURL,
		Issuer:              l.issuer,
		ClientID:            l.handler.GetClientID(),
		ClientSecret:        l.handler.GetClientSecret(),
		Scopes:              l.scopes,
		ResourceMetadataURL: l.prmURL,
		Resource:            l.opts.Resource,
	}
	applyToken(&c, tok)
	return l.store.Save(c)
}

// Close stops the callback server; Wait returns ErrLoginCancelled if it is
// still waiting.
func (l *Login) Close() {
	l.once.Do(func() {
		close(l.done)
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		_ = l.srv.Shutdown(ctx)
	})
}

// listenCallback opens the callback server's socket on the loopback
// interface and returns it with the redirect URI.
func listenCallback(callbackURL string, port int) (net.Listener, *url.URL, error) {
	redirect := &url.URL{Scheme: "http", Host: "127.0.0.1", Path: DefaultCallbackPath}
	if callbackURL != "" {
		u, err := url.Parse(callbackURL)
		if err != nil || u.Scheme != "http" || u.Hostname() == "" {
			return nil, nil, fmt.Errorf("invalid OAuth callback URL %q: expected an http URL on the loopback interface", callbackURL)
		}
		redirect = u
		if redirect.Path == "" {
			redirect.Path = "/"
		}
		if port == 0 && u.Port() != "" {
			p, err := strconv.Atoi(u.Port())
			if err != nil {
				return nil, nil, fmt.Errorf("invalid OAuth callback URL %q: bad port", callbackURL)
			}
			port = p
		}
	}
	if port < 0 || port > 65535 {
		return nil, nil, fmt.Errorf("invalid OAuth callback port %d", port)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, nil, fmt.Errorf("start the OAuth callback server: %w", err)
	}
	if redirect.Port() == "" || port == 0 || redirect.Port() != strconv.Itoa(port) {
		actual := ln.Addr().(*net.TCPAddr).Port
		redirect.Host = net.JoinHostPort(redirect.Hostname(), strconv.Itoa(actual))
	}
	return ln, redirect, nil
}

// challenge is what an unauthenticated request to the MCP server told.
type challenge struct {
	// resp is the 401 response, handed to the OAuth handler to read
	// resource_metadata from; nil when the server did not answer 401.
	resp *http.Response
	// resourceMetadata and scope are the parameters of the Bearer
	// challenge.
	resourceMetadata string
	scope            string
}

// probe sends an MCP initialize request without credentials and reads the
// Bearer challenge of a 401 answer.
func (s *Store) probe(ctx context.Context, serverURL string) (challenge, error) {
	body := fmt.Sprintf(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":%q,"capabilities":{},"clientInfo":{"name":"codex-mcp-login","version":"0"}}}`,
		mcp.LATEST_PROTOCOL_VERSION)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, serverURL, strings.NewReader(body))
	if err != nil {
		return challenge{}, fmt.Errorf("invalid MCP server url %q: %w", serverURL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", mcp.LATEST_PROTOCOL_VERSION)
	resp, err := s.client.Do(req)
	if err != nil {
		return challenge{}, fmt.Errorf("reach MCP server %s: %w", serverURL, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		return challenge{}, nil
	}
	c := challenge{resp: resp}
	for _, h := range resp.Header.Values("WWW-Authenticate") {
		params := bearerParams(h)
		if params == nil {
			continue
		}
		c.resourceMetadata = params["resource_metadata"]
		c.scope = params["scope"]
		break
	}
	return c, nil
}

// bearerParams returns the auth-params of the Bearer challenge in a
// WWW-Authenticate value, nil when there is none. Other schemes' challenges
// in the same value are skipped.
func bearerParams(header string) map[string]string {
	var params map[string]string
	inBearer := false
	rest := header
	for {
		rest = strings.TrimLeft(rest, " \t,")
		if rest == "" {
			return params
		}
		// A token followed by '=' is a parameter; otherwise it starts a
		// new challenge.
		end := strings.IndexAny(rest, " \t,=")
		if end < 0 {
			end = len(rest)
		}
		token := rest[:end]
		rest = rest[end:]
		after := strings.TrimLeft(rest, " \t")
		if !strings.HasPrefix(after, "=") {
			if params != nil && inBearer {
				return params
			}
			inBearer = strings.EqualFold(token, "Bearer")
			if inBearer {
				params = map[string]string{}
			}
			continue
		}
		rest = strings.TrimLeft(after[1:], " \t")
		var value string
		if strings.HasPrefix(rest, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(rest) && rest[i] != '"'; i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
				}
				b.WriteByte(rest[i])
			}
			value = b.String()
			rest = rest[min(i+1, len(rest)):]
		} else {
			end := strings.IndexAny(rest, " \t,")
			if end < 0 {
				end = len(rest)
			}
			value, rest = rest[:end], rest[end:]
		}
		if inBearer {
			params[strings.ToLower(token)] = value
		}
	}
}

// sameOrigin reports whether the URL a has the scheme and host of b (the
// check the OAuth handler makes before it follows an advertised resource
// metadata URL).
func sameOrigin(a, b string) bool {
	ua, err := url.Parse(a)
	if err != nil || ua.Host == "" {
		return false
	}
	ub, err := url.Parse(b)
	return err == nil && strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host)
}
