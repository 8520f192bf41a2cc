// Package appserver implements `codex app-server`: a JSON-RPC 2.0 server that
// reads one JSON object per line on its input and writes one per line on its
// output. Editors create conversations, send user input and receive the
// engine's events as `codex/event/<type>` notifications; approvals the engine
// needs are sent to the editor as server requests.
//
// To serve it from a program of your own: call sandbox.RunHelperIfRequested
// first in main (commands run under the sandbox by re-executing the
// program), then New with Options (every field may stay zero) and Run on
// the streams the editor is connected to. Run returns when the input ends,
// after every conversation was shut down and its rollout flushed. The
// protocol is described in docs/app-server-protocol.md and, as JSON Schema,
// in the schema directory of the module.
//
// The server is organised by families of methods: initialize.go (handshake,
// user agent), conversation.go (conversations, input, interrupts, listeners),
// rollouts.go (listing, resuming and archiving recorded conversations),
// approval.go (server requests), exec.go (one-off commands), auth.go
// (credentials and ChatGPT sign-in), config.go (the saved configuration and
// the default model), search.go (fuzzy file search), git.go (the diff to
// the remote); for v2, v2.go and v2translate.go (threads, turns, items),
// v2history.go (recorded threads), v2compact.go and v2review.go (turns of
// their own), v2fs.go (files by absolute path, watches), v2commands.go
// (command/exec) and v2shell.go (thread/shellCommand), and the account,
// model and settings families. methods.go is the method table, the one list of the
// protocol's methods; state.go keeps the per-conversation listener state.
// The connection, the dispatch and the shutdown are internal/rpcserver's.
package appserver

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/google/uuid"
	"github.com/sourcegraph/jsonrpc2"

	"github.com/codex-go/codex/core/filesearch"
	"github.com/codex-go/codex/internal/jsonrpcline"
	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/protocol"
)

// SessionSource is the source recorded in the rollouts of conversations
// started through the app server.
const SessionSource = "vscode"

// Server is the app server. Create it with New and start it with Run; a
// Server serves one connection. Several connections served at once, each
// by a Server of its own sharing one hub, are a Hub's.
type Server struct {
	*hub // the engine, threads and conversations, shared with other connections
	rpc  *rpcserver.Server[*Server]
	peer peer // who the client is and what it opted out of

	login    loginSlot              // the ChatGPT sign-in in progress
	searches filesearch.Coordinator // fuzzy searches sharing a cancellation token
	files    fsState                // the v2 file methods' requests and watches
	commands commandProcs           // command/exec processes named by the client
}

// peer is what a connection's client said of itself in initialize.
type peer struct {
	mu     sync.Mutex
	name   string          // the client's name
	optOut map[string]bool // notifications the client opted out of
}

// New returns a server for opts, whose zero fields get their defaults.
func New(options Options) *Server {
	return newServer(newHub(options))
}

// newServer returns the server of one connection sharing h.
func newServer(h *hub) *Server {
	s := &Server{
		hub:   h,
		peer:  peer{optOut: map[string]bool{}},
		files: newFSState(),
	}
	s.rpc = rpcserver.New(s, methods(), rpcserver.Options{
		Stream:             jsonrpcline.Options{DetailedParseErrors: true},
		Logger:             h.log,
		Params:             rpcserver.StrictParams,
		Handshake:          protocol.MethodInitialize,
		NotInitialized:     "Not initialized",
		AlreadyInitialized: "Already initialized",
	})
	return s
}

// Run serves requests read from in and writes messages to out until in
// ends or ctx is canceled. It then waits for the work under way, shuts
// every conversation down, which flushes their rollouts, and returns. Run
// must be called at most once.
func (s *Server) Run(ctx context.Context, in io.Reader, out io.Writer) error {
	return s.hub.run(ctx, func(ctx context.Context) error {
		s.hub.join(s)
		defer s.hub.leave(s)
		return s.rpc.Run(ctx, in, out)
	})
}

// goTracked runs f in a goroutine that Run waits for.
func (s *Server) goTracked(f func()) bool { return s.rpc.Go(f) }

// lifetime returns the context of Run.
func (s *Server) lifetime() context.Context { return s.rpc.Lifetime() }

// notify sends a notification to the client.
func (s *Server) notify(ctx context.Context, method string, params any) {
	_ = s.rpc.Notify(ctx, method, params)
}

// checkUUID rejects an id that is not a UUID, as the reference server does
// for conversation and subscription ids.
func (s *Server) checkUUID(field, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return s.badParams("%s %q is not a UUID", field, id)
	}
	return nil
}

// badParams logs and returns an invalid-params error whose message is
// "Invalid params: " and the detail.
func (s *Server) badParams(format string, args ...any) *jsonrpc2.Error {
	return rpcserver.InvalidParamsf(s.log, "", format, args...)
}

// invalidRequest returns a JSON-RPC invalid-request error.
func invalidRequest(msg string) *jsonrpc2.Error {
	return &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidRequest, Message: msg}
}

// invalidParams returns a JSON-RPC invalid-params error.
func invalidParams(format string, args ...any) *jsonrpc2.Error {
	return &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: fmt.Sprintf(format, args...)}
}

// internalError returns a JSON-RPC internal error.
func internalError(format string, args ...any) *jsonrpc2.Error {
	return &jsonrpc2.Error{Code: jsonrpc2.CodeInternalError, Message: fmt.Sprintf(format, args...)}
}

// shuttingDown is the error answering a request that arrives while the
// server stops.
func shuttingDown() *jsonrpc2.Error { return internalError("server is shutting down") }
