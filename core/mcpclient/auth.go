package mcpclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Authorizer supplies the Authorization header of the HTTP requests made to
// a streamable HTTP server. It is called before every request (so that it
// can renew an expired token), with the configured server name and URL, and
// returns the whole header value ("Bearer <token>"), or "" to send none.
// An error fails the request, and so the start-up or the tool call that
// made it; returning an error wrapping [ErrAuthorizationRequired] says that
// the user has to log in first.
//
// This is the hook for OAuth: a token store keyed by server name and URL
// (under CODEX_HOME) plugs in here through [WithAuthorizer]. A server with
// bearer_token_env_var set never calls it: the token from that variable is
// used.
type Authorizer func(ctx context.Context, server, url string) (string, error)

// ErrAuthorizationRequired is wrapped by the errors of requests a server
// refused with HTTP 401 Unauthorized, and may be wrapped by an
// [Authorizer]'s errors when it has no credentials to offer.
var ErrAuthorizationRequired = errors.New("the MCP server requires authorization")

// WithAuthorizer sets the source of the Authorization header for streamable
// HTTP servers that have no bearer_token_env_var. Without it such servers
// are sent no Authorization header.
func WithAuthorizer(a Authorizer) Option {
	return func(o *options) { o.authorizer = a }
}

// bearerFromEnv returns an Authorizer sending the token held by the
// variable name of environ, checked once now: an unset or empty variable is
// an error.
func bearerFromEnv(server, name string, environ []string) (Authorizer, error) {
	token, ok := lookupEnv(environ, name)
	switch {
	case !ok:
		return nil, fmt.Errorf("environment variable %s (bearer_token_env_var of MCP server %s) is not set", name, server)
	case strings.TrimSpace(token) == "":
		return nil, fmt.Errorf("environment variable %s (bearer_token_env_var of MCP server %s) is empty", name, server)
	}
	header := "Bearer " + strings.TrimSpace(token)
	return func(context.Context, string, string) (string, error) { return header, nil }, nil
}

// lookupEnv finds a variable in environ ("NAME=value" entries); the last
// entry of a name wins, as in os/exec.
func lookupEnv(environ []string, name string) (string, bool) {
	value, found := "", false
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && k == name {
			value, found = v, true
		}
	}
	return value, found
}

// maxResponseBytes bounds the body of one HTTP response of a server (a JSON
// answer, or the event stream answering one request), so that a hostile
// or broken server cannot exhaust memory.
const maxResponseBytes = 64 << 20

// headerTransport adds a server's configured headers and its Authorization
// header to every request, and bounds the size of response bodies.
type headerTransport struct {
	base      http.RoundTripper
	server    string
	url       string
	headers   map[string]string
	authorize Authorizer
}

// RoundTrip sends req with the extra headers. The request is cloned, as a
// RoundTripper must not change it.
func (t *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	for k, v := range t.headers {
		r.Header.Set(k, v)
	}
	if t.authorize != nil {
		header, err := t.authorize(req.Context(), t.server, t.url)
		if err != nil {
			if req.Body != nil {
				_ = req.Body.Close()
			}
			return nil, fmt.Errorf("authorization: %w", err)
		}
		if header != "" {
			r.Header.Set("Authorization", header)
		}
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{rc: resp.Body, left: maxResponseBytes}
	return resp, nil
}

// errResponseTooLarge ends the reading of a response body over
// maxResponseBytes.
var errResponseTooLarge = fmt.Errorf("response larger than %d MiB", maxResponseBytes>>20)

// limitedBody is a response body that fails once more than its limit has
// been read.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

// Read reads from the body, failing past the limit.
func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errResponseTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

// Close closes the body.
func (b *limitedBody) Close() error { return b.rc.Close() }
