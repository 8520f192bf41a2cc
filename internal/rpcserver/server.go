// Package rpcserver is the skeleton both stdio servers (the app-server and
// the MCP server) are built on: one JSON-RPC connection over a line stream
// (package jsonrpcline), a table of typed methods (Method) that the
// connection dispatches to, the handshake rule, the tracking of the work a
// server starts so that shutdown waits for it, and answers that happen
// exactly once.
//
// A server is a value S holding its own state and a table []Method[S] of
// rows built from its handlers' method expressions:
//
//	rpcserver.Request(protocol.MethodGetUserAgent, (*Server).getUserAgent)
//
// Handlers are typed, func(S, context.Context, P) (R, error); the params
// are decoded and checked once, here. Run serves one connection.
package rpcserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/codex-go/codex/internal/jsonrpcline"
)

// Options configure a Server.
type Options struct {
	// Stream configures the line codec. Its AtEnd is set by the Server.
	Stream jsonrpcline.Options
	// Logger receives diagnostics; nil discards them.
	Logger *slog.Logger
	// Params is how strictly params are read.
	Params ParamsPolicy
	// Handshake is the method that must come first (initialize). Until it
	// has been answered successfully, other requests are refused with
	// NotInitialized, except those listed in BeforeHandshake; a second
	// handshake is refused with AlreadyInitialized. Empty: no handshake.
	Handshake string
	// NotInitialized is the message of the invalid-request error answering
	// a request that came before the handshake.
	NotInitialized string
	// AlreadyInitialized is the message of the invalid-request error
	// answering a second handshake.
	AlreadyInitialized string
	// BeforeHandshake lists methods served before the handshake.
	BeforeHandshake []string
	// AtInputEnd, when set, runs once when the input ends, while answers
	// can still be written: new work is refused first, then AtInputEnd
	// runs (it can stop long-running work), then the server waits for the
	// work it tracks. When unset, the connection closes first.
	AtInputEnd func()
}

// Server serves one JSON-RPC connection for the server state S, dispatching
// requests to the rows of its method table. Create it with New.
type Server[S any] struct {
	state   S
	opts    Options
	log     *slog.Logger
	methods map[string]Method[S]
	before  map[string]bool
	calls   *callServer // what every Call of the server shares
	// strict makes a request answered twice, or never, panic; it is on in
	// tests.
	strict bool

	mu          sync.Mutex
	ctx         context.Context // lifetime of Run
	conn        *jsonrpc2.Conn
	closing     bool
	initialized bool
	unanswered  map[*Call]struct{} // deferred answers not sent yet
	wg          sync.WaitGroup     // handlers and work started with Go
	requests    atomic.Uint64      // ids given to requests to the client
}

// New returns a server dispatching to table for state. It panics when two
// rows share a name or a row has no handler: tables are fixed at compile
// time, so that is a programming error.
func New[S any](state S, table []Method[S], opts Options) *Server[S] {
	s := &Server[S]{
		state:      state,
		opts:       opts,
		log:        opts.Logger,
		methods:    make(map[string]Method[S], len(table)),
		before:     map[string]bool{},
		strict:     testing.Testing(),
		ctx:        context.Background(),
		unanswered: map[*Call]struct{}{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, m := range table {
		if _, dup := s.methods[m.Name]; dup || m.serve == nil {
			panic(fmt.Sprintf("rpcserver: method %q listed twice or without a handler", m.Name))
		}
		s.methods[m.Name] = m
	}
	for _, name := range opts.BeforeHandshake {
		s.before[name] = true
	}
	s.calls = s.newCallServer()
	return s
}

// Run serves the connection reading in and writing out until in ends or
// ctx is canceled. It then refuses new work and waits for the work it
// tracks (handlers and goroutines started with Go) before it returns. Run
// must be called at most once. It returns ctx's cause when ctx was canceled
// for another reason than a plain cancel.
func (s *Server[S]) Run(ctx context.Context, in io.Reader, out io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	streamOpts := s.opts.Stream
	if streamOpts.Logger == nil {
		streamOpts.Logger = s.log
	}
	if s.opts.AtInputEnd != nil {
		streamOpts.AtEnd = func() {
			s.stopAccepting()
			s.opts.AtInputEnd()
			s.wg.Wait()
		}
	}
	stream := jsonrpcline.NewStream(in, out, streamOpts)
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()
	conn := jsonrpc2.NewConn(ctx, stream, handler[S]{s}, jsonrpc2.SetLogger(jsonrpcline.NewLogger(s.log)))
	s.mu.Lock()
	s.conn = conn
	s.mu.Unlock()

	select {
	case <-conn.DisconnectNotify():
		s.log.Debug("input ended")
	case <-ctx.Done():
	}
	parentErr := context.Cause(ctx)
	cancel()
	_ = conn.Close()
	s.stopAccepting()
	s.wg.Wait()
	s.checkAnswered()
	if parentErr != nil && !errors.Is(parentErr, context.Canceled) {
		return parentErr
	}
	return nil
}

// stopAccepting makes Go and the dispatch of new requests refuse work.
func (s *Server[S]) stopAccepting() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
}

// checkAnswered reports requests whose handler took the answer on and never
// gave it. In tests that is a panic, so the broken handler is found.
func (s *Server[S]) checkAnswered() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.unanswered {
		s.log.Error("request never answered", "method", c.method, "id", c.id.String())
		if s.strict {
			panic(fmt.Sprintf("rpcserver: request %s (%s) was never answered", c.id.String(), c.method))
		}
	}
}

// track registers a unit of work that Run waits for. It reports false once
// the server is shutting down.
func (s *Server[S]) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.wg.Add(1)
	return true
}

// Go runs f in a goroutine that Run waits for before it returns. It reports
// false, and does not run f, once the server is shutting down.
func (s *Server[S]) Go(f func()) bool {
	if !s.track() {
		return false
	}
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

// Lifetime returns the context of Run: canceled when the input ends or
// Run's context is canceled. Work that outlives a request (event pumps,
// deferred answers) runs under it.
func (s *Server[S]) Lifetime() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctx
}

// Conn returns the connection, nil before Run started it. Handlers use it
// to send notifications and requests to the client.
func (s *Server[S]) Conn() *jsonrpc2.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn
}

// Notify sends a notification to the client and returns the error of
// sending it. A connection that is gone is logged at debug level; any
// other failure, which loses a message the client expects, as a warning.
func (s *Server[S]) Notify(ctx context.Context, method string, params any, opts ...jsonrpc2.CallOption) error {
	conn := s.Conn()
	if conn == nil {
		s.log.Warn("notification sent before the connection started", "method", method)
		return jsonrpc2.ErrClosed
	}
	err := conn.Notify(ctx, method, params, opts...)
	switch {
	case err == nil:
	case errors.Is(err, jsonrpc2.ErrClosed), errors.Is(err, io.ErrClosedPipe):
		s.log.Debug("notification not sent: the connection is closed", "method", method)
	default:
		s.log.Warn("notification not sent", "method", method, "error", err)
	}
	return err
}

// Request sends a request to the client and returns its id and the means
// to wait for the answer. Ids are 0, 1, 2, ... in the order of the
// requests of the connection.
func (s *Server[S]) Request(ctx context.Context, method string, params any) (jsonrpc2.ID, jsonrpc2.Waiter, error) {
	id := jsonrpc2.ID{Num: s.requests.Add(1) - 1}
	conn := s.Conn()
	if conn == nil {
		return id, jsonrpc2.Waiter{}, jsonrpc2.ErrClosed
	}
	w, err := conn.DispatchCall(ctx, method, params, jsonrpc2.PickID(id))
	return id, w, err
}

// Initialized reports whether the handshake was answered successfully.
func (s *Server[S]) Initialized() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.initialized
}

// handler adapts a Server to jsonrpc2.Handler.
type handler[S any] struct{ s *Server[S] }

// Handle dispatches one message. It runs on the connection's read loop, so
// messages are handled in the order they arrive; handlers that wait for
// something slow answer later from a goroutine started with Go.
func (h handler[S]) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	s := h.s
	if !s.track() {
		return
	}
	defer s.wg.Done()
	s.mu.Lock()
	if s.conn == nil {
		// The connection reads before NewConn has returned to Run.
		s.conn = conn
	}
	s.mu.Unlock()
	var raw json.RawMessage
	if req.Params != nil {
		raw = *req.Params
	}
	m, known := s.methods[req.Method]
	if req.Notif {
		if !known || !m.IsNotification() {
			s.log.Debug("ignoring notification", "method", req.Method)
			return
		}
		m.serve(s.state, ctx, &Call{srv: s.calls, conn: conn, method: req.Method, notif: true}, raw)
		return
	}
	c := &Call{srv: s.calls, conn: conn, id: req.ID, method: req.Method}
	if err := s.admit(req.Method, known && !m.IsNotification()); err != nil {
		c.answer(ctx, nil, err)
		return
	}
	m.serve(s.state, ctx, c, raw)
	if req.Method == s.opts.Handshake && c.succeeded.Load() {
		s.mu.Lock()
		s.initialized = true
		s.mu.Unlock()
	}
}

// admit checks that a request may be served now.
func (s *Server[S]) admit(method string, known bool) *jsonrpc2.Error {
	if s.opts.Handshake != "" {
		initialized := s.Initialized()
		switch {
		case method == s.opts.Handshake && initialized:
			return &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidRequest, Message: s.opts.AlreadyInitialized}
		case method != s.opts.Handshake && !initialized && !s.before[method]:
			return &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidRequest, Message: s.opts.NotInitialized}
		}
	}
	if !known {
		return &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: "Method not found: " + method}
	}
	return nil
}

// newCallServer returns the parts of the server a Call needs.
func (s *Server[S]) newCallServer() *callServer {
	return &callServer{
		log:    s.log,
		policy: s.opts.Params,
		strict: s.strict,
		pending: func(c *Call, add bool) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if add {
				s.unanswered[c] = struct{}{}
			} else {
				delete(s.unanswered, c)
			}
		},
	}
}

// callServer is what a Call needs of its server, without its type
// parameter.
type callServer struct {
	log     *slog.Logger
	policy  ParamsPolicy
	strict  bool
	pending func(c *Call, add bool)
}

// Call is one incoming message being served.
type Call struct {
	srv    *callServer
	conn   *jsonrpc2.Conn
	id     jsonrpc2.ID
	method string
	notif  bool

	deferred  bool
	answered  atomic.Bool
	succeeded atomic.Bool
}

// decode reads the params into v, as an invalid-params error.
func (c *Call) decode(raw json.RawMessage, v any, noParams bool, required, nullable []string) error {
	if err := decodeParams(c.srv.policy, raw, v, noParams, required, nullable); err != nil {
		return InvalidParamsf(c.srv.log, c.method, "%v", err)
	}
	return nil
}

// deferAnswer records that the handler answers by itself.
func (c *Call) deferAnswer() {
	c.deferred = true
	c.srv.pending(c, true)
}

// answer sends the result, or err when it is not nil. A second answer is a
// programming error: it is dropped and logged, and panics in tests.
func (c *Call) answer(ctx context.Context, result any, err error) {
	if c.answered.Swap(true) {
		c.srv.log.Error("request answered twice", "method", c.method, "id", c.id.String())
		if c.srv.strict {
			panic(fmt.Sprintf("rpcserver: request %s (%s) answered twice", c.id.String(), c.method))
		}
		return
	}
	if c.deferred {
		c.srv.pending(c, false)
	}
	if err == nil {
		c.succeeded.Store(true)
	}
	if sendErr := jsonrpcline.Reply(ctx, c.conn, c.id, result, err); sendErr != nil {
		c.srv.log.Debug("answer not sent", "method", c.method, "error", sendErr)
	}
}

// Reply answers a request of a Deferred method. It must be used exactly
// once.
type Reply[R any] struct{ call *Call }

// Send answers with result.
func (r Reply[R]) Send(ctx context.Context, result R) { r.call.answer(ctx, result, nil) }

// Fail answers with err: a *jsonrpc2.Error as it is, any other error as an
// internal error.
func (r Reply[R]) Fail(ctx context.Context, err error) { r.call.answer(ctx, nil, err) }

// Answer answers with err when it is not nil, with result otherwise.
func (r Reply[R]) Answer(ctx context.Context, result R, err error) {
	if err != nil {
		r.Fail(ctx, err)
		return
	}
	r.Send(ctx, result)
}

// Abandon ends the request without an answer, for a protocol where the
// client's cancellation means no answer (MCP). It counts as the answer.
func (r Reply[R]) Abandon() {
	c := r.call
	if c.answered.Swap(true) {
		return
	}
	if c.deferred {
		c.srv.pending(c, false)
	}
}

// ID returns the request's id.
func (r Reply[R]) ID() jsonrpc2.ID { return r.call.id }

// InvalidParamsf logs and returns an invalid-params error (-32602) whose
// message is "Invalid params: " and the formatted detail.
func InvalidParamsf(log *slog.Logger, method, format string, args ...any) *jsonrpc2.Error {
	detail := fmt.Sprintf(format, args...)
	if log != nil {
		log.Warn("invalid params", "method", method, "error", detail)
	}
	return &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: "Invalid params: " + detail}
}
