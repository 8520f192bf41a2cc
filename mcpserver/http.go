package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-go/codex/internal/frontend"
	"github.com/codex-go/codex/internal/mcphttp"
)

// DefaultHTTPPath is the path of the MCP endpoint when the listen URL
// names none.
const DefaultHTTPPath = "/mcp"

// httpShutdownTimeout bounds how long ServeHTTP waits for the sessions to
// end once its context is done.
const httpShutdownTimeout = 15 * time.Second

// HTTPOptions configure ServeHTTP.
type HTTPOptions struct {
	// Listen is the URL to serve, http://HOST:PORT[/PATH]; port 0 picks a
	// free port and the path defaults to DefaultHTTPPath.
	Listen string
	// Token, when not empty, is the bearer token every request must carry.
	// It is required when the address is not a loopback one.
	Token string
	// AllowedOrigins are the browser origins accepted besides loopback ones.
	AllowedOrigins []string
	// MaxBodyBytes bounds a request body; zero is mcphttp.DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Ready, when set, is called with the URL of the endpoint once the
	// server listens.
	Ready func(endpoint string)
}

// ServeHTTP serves the MCP streamable HTTP transport at opts.Listen until
// ctx ends. Each session (from its initialize to its DELETE, the idle
// timeout or the shutdown) has a Server of its own, built from options, so
// its conversations and the client's capabilities are its own. When ctx
// ends the listener is closed and every session winds down as Run does at
// the end of its input: running calls are interrupted and conversations
// shut down, which flushes their rollouts.
func ServeHTTP(ctx context.Context, options Options, opts HTTPOptions) error {
	if _, err := frontend.Options(options).WithDefaults(); err != nil {
		return err
	}
	ln, endpoint, err := listen(opts)
	if err != nil {
		return err
	}
	logger := options.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	handler := mcphttp.New(mcphttp.Options{
		Serve: func(ctx context.Context, in io.Reader, out io.Writer) error {
			return New(options).Run(ctx, in, out)
		},
		Token:            opts.Token,
		Loopback:         isLoopback(ln.Addr()),
		AllowedOrigins:   opts.AllowedOrigins,
		MaxBodyBytes:     opts.MaxBodyBytes,
		ProtocolVersions: slices.Clone(mcp.ValidProtocolVersions),
		RelatedRequest:   relatedRequest,
		Logger:           logger,
	})
	mux := http.NewServeMux()
	mux.Handle(endpoint.Path, handler)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if opts.Ready != nil {
		opts.Ready(endpoint.String())
	}

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), httpShutdownTimeout)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(shutCtx) }()
	closeErr := handler.Close(shutCtx)
	if err := <-shut; err != nil {
		_ = srv.Close()
		closeErr = errors.Join(closeErr, err)
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return closeErr
}

// listen opens the listener of opts.Listen and returns it with the
// endpoint's URL, its port filled in. It refuses a non-loopback address
// without a token.
func listen(opts HTTPOptions) (net.Listener, *url.URL, error) {
	u, err := url.Parse(opts.Listen)
	if err != nil {
		return nil, nil, fmt.Errorf("listen URL %q: %w", opts.Listen, err)
	}
	if u.Scheme != "http" {
		return nil, nil, fmt.Errorf("listen URL %q: the scheme must be http (put a TLS proxy in front for https)", opts.Listen)
	}
	if u.Hostname() == "" || u.Port() == "" {
		return nil, nil, fmt.Errorf("listen URL %q: a host and a port are needed, as in http://127.0.0.1:0 (port 0 picks a free one)", opts.Listen)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, nil, fmt.Errorf("listen URL %q: only a scheme, a host, a port and a path are allowed", opts.Listen)
	}
	ln, err := net.Listen("tcp", u.Host)
	if err != nil {
		return nil, nil, err
	}
	if !isLoopback(ln.Addr()) && opts.Token == "" {
		_ = ln.Close()
		return nil, nil, fmt.Errorf("refusing to listen on %s, which is not a loopback address, without a bearer token (--token-file)", ln.Addr())
	}
	port := ln.Addr().(*net.TCPAddr).Port
	endpoint := &url.URL{Scheme: "http", Host: net.JoinHostPort(u.Hostname(), fmt.Sprint(port)), Path: u.Path}
	if endpoint.Path == "" {
		endpoint.Path = DefaultHTTPPath
	}
	return ln, endpoint, nil
}

// isLoopback reports whether a listener's address is a loopback one.
func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// relatedRequest names the tools/call an elicitation belongs to, for the
// HTTP transport to send it on that call's stream; codex/event
// notifications say it in _meta.requestId already.
func relatedRequest(method string, params json.RawMessage) string {
	if method != string(mcp.MethodElicitationCreate) {
		return ""
	}
	var p struct {
		ToolCallID string `json:"codex_mcp_tool_call_id"`
	}
	if json.Unmarshal(params, &p) != nil {
		return ""
	}
	return p.ToolCallID
}
