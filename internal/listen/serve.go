package listen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Handler serves one connection: it reads one JSON-RPC message per line
// from in and writes one per line to out, until in ends or ctx is done.
type Handler func(ctx context.Context, in io.Reader, out io.Writer) error

// Defaults of Options.
const (
	// DefaultMaxConnections is how many connections are served at once
	// unless Options.MaxConnections says otherwise.
	DefaultMaxConnections = 256
	// DefaultMaxMessageBytes is the largest WebSocket message read: the
	// stdio transport's line limit, 64 MiB.
	DefaultMaxMessageBytes = 64 << 20
	// writeTimeout bounds how long a message waits for a client that does
	// not read; the connection is closed after it.
	writeTimeout = 30 * time.Second
	// headerTimeout bounds how long a client takes to send its upgrade.
	headerTimeout = 10 * time.Second
)

// Options configure Serve.
type Options struct {
	// Auth authenticates WebSocket clients of a ws:// endpoint; nil lets
	// every client in, which Serve refuses unless the address is a
	// loopback one. Unix sockets rely on their file mode (0600).
	Auth Authenticator
	// Logger receives the connections accepted and refused; nil discards.
	Logger *slog.Logger
	// MaxConnections is how many connections are served at once; zero is
	// DefaultMaxConnections. Clients beyond it are refused (503).
	MaxConnections int
	// MaxMessageBytes is the largest message read; zero is
	// DefaultMaxMessageBytes. A larger one closes the connection.
	MaxMessageBytes int64
	// Ready, when set, is called with the listening address (IP:PORT, or
	// the socket's path) once connections are accepted.
	Ready func(addr string)
}

// Serve accepts connections on ep, a Unix or WebSocket endpoint, and runs
// h for each until ctx is done; it then closes the listener (removing a
// unix socket), waits for the handlers and returns.
func Serve(ctx context.Context, ep Endpoint, h Handler, opts Options) error {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var ln net.Listener
	var err error
	switch ep.Scheme {
	case Unix:
		ln, err = listenUnix(ep.Addr)
	case WebSocket:
		if opts.Auth == nil && !ep.Loopback() {
			return fmt.Errorf("refusing to listen on %s without authentication: it is not a loopback address; use --ws-auth %s or %s",
				ep.Addr, AuthCapabilityToken, AuthSignedBearerToken)
		}
		ln, err = net.Listen("tcp", ep.Addr)
	default:
		return fmt.Errorf("listen: %s is not a socket endpoint", ep)
	}
	if err != nil {
		return err
	}
	auth := opts.Auth
	if ep.Scheme == Unix {
		auth = nil
	}
	srv := &server{
		handler: h, auth: auth, log: log, ctx: ctx,
		slots:    make(chan struct{}, orDefault(opts.MaxConnections, DefaultMaxConnections)),
		maxBytes: orDefault(opts.MaxMessageBytes, DefaultMaxMessageBytes),
	}
	httpSrv := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: headerTimeout,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	log.Info("app-server listening", "url", Endpoint{Scheme: ep.Scheme, Addr: ln.Addr().String()}.String())
	if opts.Ready != nil {
		opts.Ready(ln.Addr().String())
	}
	served := make(chan error, 1)
	go func() { served <- httpSrv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = httpSrv.Shutdown(shutCtx)
	srv.wg.Wait()
	if ep.Scheme == Unix {
		_ = os.Remove(ep.Addr)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// orDefault is v, or def when v is not positive.
func orDefault[T int | int64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// listenUnix listens on a unix socket at path, mode 0600, in a directory
// it creates (0700) when missing. A socket left by a server that is gone
// is replaced; one a server still answers on is an error.
func listenUnix(path string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("socket directory: %w", err)
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("%s exists and is not a socket", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			_ = c.Close()
			return nil, fmt.Errorf("%s: another server is listening on it", path)
		}
		_ = os.Remove(path)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	if err := os.Chmod(path, 0o600); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("socket mode: %w", err)
	}
	return ln, nil
}

// server is the HTTP side of Serve: health checks and WebSocket upgrades.
type server struct {
	handler  Handler
	auth     Authenticator
	log      *slog.Logger
	ctx      context.Context
	slots    chan struct{} // a token per connection served
	maxBytes int64
	wg       sync.WaitGroup
}

// ServeHTTP answers the health checks and upgrades the others to a
// WebSocket served by the handler, once admitted.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Upgrade") == "" && (r.URL.Path == "/readyz" || r.URL.Path == "/healthz") {
		w.WriteHeader(http.StatusOK)
		return
	}
	if r.Header.Get("Origin") != "" {
		// Browsers send an Origin: a web page must not drive the server.
		s.refuse(w, r, http.StatusForbidden, "requests from browsers are refused")
		return
	}
	if s.auth != nil {
		if err := s.auth.Authenticate(r); err != nil {
			s.refuse(w, r, http.StatusUnauthorized, err.Error())
			return
		}
	}
	select {
	case s.slots <- struct{}{}:
	default:
		s.refuse(w, r, http.StatusServiceUnavailable, "too many connections")
		return
	}
	defer func() { <-s.slots }()
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		s.log.Info("websocket upgrade failed", "remote", r.RemoteAddr, "error", err)
		return
	}
	s.wg.Add(1)
	defer s.wg.Done()
	conn.SetReadLimit(s.maxBytes)
	s.log.Info("client connected", "remote", r.RemoteAddr)
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	in, out := &frameReader{ctx: ctx, conn: conn}, &frameWriter{ctx: ctx, conn: conn, fail: cancel}
	err = s.handler(ctx, in, out)
	status, reason := websocket.StatusNormalClosure, ""
	if in.err != nil && websocket.CloseStatus(in.err) == websocket.StatusMessageTooBig {
		status, reason = websocket.StatusMessageTooBig, "message too big"
	}
	_ = conn.Close(status, reason)
	s.log.Info("client disconnected", "remote", r.RemoteAddr, "error", err)
}

// refuse answers a request that never reaches the protocol, and logs it.
func (s *server) refuse(w http.ResponseWriter, r *http.Request, code int, why string) {
	s.log.Warn("connection refused", "remote", r.RemoteAddr, "status", code, "reason", why)
	http.Error(w, why, code)
}
