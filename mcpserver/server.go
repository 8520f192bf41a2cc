// Package mcpserver implements `codex mcp-server`: a Model Context Protocol
// server on stdio offering two tools, `codex`, which starts a conversation
// with a prompt, and `codex-reply`, which continues one.
//
// While a tool call runs, every event of its conversation is sent to the
// host as a `codex/event` notification tagged with the call's request id
// and thread id (params._meta.requestId and threadId), followed by a
// `notifications/progress` when the call carried a progressToken, and the
// approvals the engine needs are asked of the user with
// `elicitation/create` requests. The call's result is the last message of
// the model, as text and as structuredContent {threadId, content}.
//
// To serve it from a program of your own: call sandbox.RunHelperIfRequested
// first in main (commands run under the sandbox by re-executing the
// program), then New with Options (every field may stay zero) and Run on
// the streams the host is connected to. Run returns when the input ends,
// after every conversation was shut down and its rollout flushed.
//
// Messages are JSON-RPC 2.0, one per line; the connection, the dispatch
// and the shutdown are internal/rpcserver's, and the MCP messages use the
// types of mark3labs/mcp-go where they fit. The files are organised by
// topic: server.go (the method table and the handshake), tools.go (tool
// list and arguments), call.go (running a call), progress.go (progress
// notifications), elicit.go (approvals).
package mcpserver

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/sourcegraph/jsonrpc2"

	"github.com/codex-go/codex/internal/frontend"
	"github.com/codex-go/codex/internal/jsonrpcline"
	"github.com/codex-go/codex/internal/rpcserver"
)

// Identity of the server in the initialize answer.
const (
	// ServerName is serverInfo.name.
	ServerName = "codex-mcp-server"
	// ServerTitle is serverInfo.title.
	ServerTitle = "Codex"
)

// SessionSource is the source recorded in the rollouts of conversations
// started through the MCP server.
const SessionSource = "mcp"

// MethodCodexEvent is the notification carrying one conversation event.
const MethodCodexEvent = "codex/event"

// Server is the MCP server. Create it with New and start it with Run; a
// Server serves one connection.
type Server struct {
	eng *frontend.Engine
	log *slog.Logger
	rpc *rpcserver.Server[*Server]
	// heartbeat is the longest a call that asked for progress goes without
	// a progress notification.
	heartbeat time.Duration

	mu          sync.Mutex
	elicitation bool                      // the client declared the elicitation capability
	convs       map[string]*convState     // by conversation id
	calls       map[jsonrpc2.ID]*toolCall // running tools/call requests
}

// New returns a server for opts, whose zero fields get their defaults.
func New(options Options) *Server {
	eng := frontend.NewEngine(frontend.Options(options), SessionSource)
	logger := eng.Log
	s := &Server{
		eng:       eng,
		log:       logger,
		heartbeat: progressHeartbeat,
		convs:     map[string]*convState{},
		calls:     map[jsonrpc2.ID]*toolCall{},
	}
	s.rpc = rpcserver.New(s, methods(), rpcserver.Options{
		Stream:             jsonrpcline.Options{WithVersion: true},
		Logger:             logger,
		Params:             rpcserver.LenientParams,
		Handshake:          string(mcp.MethodInitialize),
		NotInitialized:     "Not initialized",
		AlreadyInitialized: "initialize called more than once",
		BeforeHandshake:    []string{string(mcp.MethodPing)},
		AtInputEnd:         s.cancelCalls,
	})
	return s
}

// methods is the table of the messages the server handles: the one list
// of its MCP methods.
func methods() []rpcserver.Method[*Server] {
	return []rpcserver.Method[*Server]{
		rpcserver.Request(string(mcp.MethodInitialize), (*Server).initialize),
		rpcserver.Request(string(mcp.MethodPing), (*Server).ping),
		rpcserver.Request(string(mcp.MethodToolsList), (*Server).listTools),
		rpcserver.Deferred(string(mcp.MethodToolsCall), (*Server).callTool),
		rpcserver.Notification(string(mcp.MethodNotificationCancelled), (*Server).cancelled),
		rpcserver.Notification("notifications/initialized", (*Server).initializedNote),
	}
}

// Methods returns the method table, for documentation and tests.
func Methods() []rpcserver.Method[*Server] { return methods() }

// Run reads the client's messages from in and writes the server's to out
// until in ends or ctx is canceled. Running tool calls are then interrupted
// (those that finish meanwhile are still answered), every conversation is
// shut down, which flushes its rollout, and Run returns. Run must be called
// at most once.
func (s *Server) Run(ctx context.Context, in io.Reader, out io.Writer) error {
	return s.eng.Serve(ctx, func(ctx context.Context) error {
		err := s.rpc.Run(ctx, in, out)
		s.cancelCalls()
		return err
	})
}

// cancelCalls interrupts the running tool calls. It runs once new work is
// refused; Run then waits for the calls, which are still answered when
// they finish and the connection is open.
func (s *Server) cancelCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.calls {
		c.cancel()
	}
}

// lifetime returns the context of Run.
func (s *Server) lifetime() context.Context { return s.rpc.Lifetime() }

// clientElicits reports whether the client declared the elicitation capability.
func (s *Server) clientElicits() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.elicitation
}

// cancelledParams are the params of notifications/cancelled.
type cancelledParams struct {
	RequestID json.RawMessage `json:"requestId"`
	Reason    string          `json:"reason,omitempty"`
}

// cancelled handles the client's cancellation of a request, named by its id
// as the client sent it.
func (s *Server) cancelled(_ context.Context, p cancelledParams) {
	id, err := jsonrpcline.ParseWireID(p.RequestID)
	if err != nil {
		s.log.Warn("ignoring a cancellation without a request id", "error", err)
		return
	}
	s.cancelCall(id, p.Reason)
}

// initializedNote handles the client's notifications/initialized, which
// needs nothing: the server is ready once it answered initialize.
func (s *Server) initializedNote(context.Context, rpcserver.None) {}

// ping answers a ping.
func (s *Server) ping(context.Context, rpcserver.None) (struct{}, error) { return struct{}{}, nil }

// listTools answers tools/list.
func (s *Server) listTools(context.Context, rpcserver.None) (listToolsResult, error) {
	return toolList(), nil
}

// initializeParams are the members of initialize's params the server
// reads; all are optional.
type initializeParams struct {
	ProtocolVersion string                 `json:"protocolVersion,omitempty"`
	Capabilities    mcp.ClientCapabilities `json:"capabilities,omitzero"`
	ClientInfo      mcp.Implementation     `json:"clientInfo,omitzero"`
}

// initializeResult is the answer to initialize. serverInfo carries the user
// agent the server sends to model providers, as the reference does.
type initializeResult struct {
	Capabilities    serverCapabilities `json:"capabilities"`
	ProtocolVersion string             `json:"protocolVersion"`
	ServerInfo      serverInfo         `json:"serverInfo"`
}

// serverCapabilities are what the server offers: tools only.
type serverCapabilities struct {
	Tools struct {
		ListChanged bool `json:"listChanged"`
	} `json:"tools"`
}

// serverInfo identifies the server.
type serverInfo struct {
	Name      string `json:"name"`
	Title     string `json:"title"`
	Version   string `json:"version"`
	UserAgent string `json:"user_agent"`
}

// initialize handles the handshake: it records the client's identity for
// the user agent and whether it can answer elicitation requests, and
// negotiates the protocol version. The skeleton refuses a second one.
func (s *Server) initialize(_ context.Context, p initializeParams) (initializeResult, error) {
	userAgent := s.eng.SetClient(p.ClientInfo.Name, p.ClientInfo.Version)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.elicitation = p.Capabilities.Elicitation != nil
	res := initializeResult{
		ProtocolVersion: mcp.NegotiateLegacyVersion(p.ProtocolVersion),
		ServerInfo: serverInfo{
			Name:      ServerName,
			Title:     ServerTitle,
			Version:   s.eng.Version,
			UserAgent: userAgent,
		},
	}
	res.Capabilities.Tools.ListChanged = true
	return res, nil
}
