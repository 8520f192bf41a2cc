// Package mcpserver implements `codex mcp-server`: a Model Context Protocol
// server on stdio offering two tools, `codex`, which starts a conversation
// with a prompt, and `codex-reply`, which continues one.
//
// While a tool call runs, every event of its conversation is sent to the
// host as a `codex/event` notification tagged with the call's request id
// (params._meta.requestId), and the approvals the engine needs are asked of
// the user with `elicitation/create` requests. The call's result is the
// last message of the model.
//
// Messages are JSON-RPC 2.0, one per line; the connection is a
// sourcegraph/jsonrpc2 Conn over the line codec of internal/jsonrpcline,
// and the MCP messages use the types of mark3labs/mcp-go where they fit. The files are
// organised by topic: server.go (connection, handshake, dispatch), tools.go
// (tool list and arguments), call.go (running a call), elicit.go
// (approvals).
package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/sourcegraph/jsonrpc2"

	"github.com/codex-go/codex/core/client"
	"github.com/codex-go/codex/core/conversation"
	"github.com/codex-go/codex/internal/frontend"
	"github.com/codex-go/codex/internal/jsonrpcline"
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

// shutdownTimeout bounds how long Run waits, once its input ended, for
// running turns to stop and for conversations to shut down.
const shutdownTimeout = 5 * time.Second

// Options configure a Server.
type Options = frontend.Options

// Server is the MCP server. Create it with New and start it with Run; a
// Server serves one connection.
type Server struct {
	opts    Options
	log     *slog.Logger
	manager *conversation.Manager

	mu          sync.Mutex
	ctx         context.Context // lifetime of Run; canceled when the input ends
	closing     bool
	initialized bool
	userAgent   string
	elicitation bool                      // the client declared the elicitation capability
	convs       map[string]*convState     // by conversation id
	calls       map[jsonrpc2.ID]*toolCall // running tools/call requests

	wg sync.WaitGroup // request handlers and tool calls
}

// New returns a server for opts.
func New(opts Options) *Server {
	logger := opts.LoggerOrDiscard()
	s := &Server{
		opts:      opts,
		log:       logger,
		ctx:       context.Background(),
		userAgent: client.UserAgent(opts.Version, "", ""),
		convs:     map[string]*convState{},
		calls:     map[jsonrpc2.ID]*toolCall{},
	}
	s.manager = conversation.NewManager(opts.Deps(SessionSource, s.currentUserAgent))
	return s
}

// Run reads the client's messages from in and writes the server's to out
// until in ends or ctx is canceled. Running tool calls are then interrupted
// (those that finish meanwhile are still answered), every conversation is
// shut down, which flushes its rollout, and Run returns. Run must be called
// at most once.
func (s *Server) Run(ctx context.Context, in io.Reader, out io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()

	stream := jsonrpcline.NewStream(in, out, jsonrpcline.Options{WithVersion: true, AtEnd: s.stopCalls, Logger: s.log})
	conn := jsonrpc2.NewConn(ctx, stream, handler{s}, jsonrpc2.SetLogger(jsonrpcline.NewLogger(s.log)))
	select {
	case <-conn.DisconnectNotify():
		s.log.Debug("input ended")
	case <-ctx.Done():
	}
	parentErr := context.Cause(ctx)
	s.stopCalls()
	cancel()
	_ = conn.Close()

	closeCtx, cancelClose := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancelClose()
	if err := s.manager.Close(closeCtx); err != nil {
		return fmt.Errorf("shut conversations down: %w", err)
	}
	if parentErr != nil && !errors.Is(parentErr, context.Canceled) {
		return parentErr
	}
	return nil
}

// stopCalls refuses new tool calls, interrupts the running ones and waits
// until they are over. Calls that finish meanwhile are still answered when
// the connection is open.
func (s *Server) stopCalls() {
	s.mu.Lock()
	s.closing = true
	for _, c := range s.calls {
		c.cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// goTracked runs f in a goroutine that Run waits for. It reports false,
// and does not run f, once Run is shutting down.
func (s *Server) goTracked(f func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

// lifetime returns the context of Run.
func (s *Server) lifetime() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctx
}

// currentUserAgent returns the user agent sent to model providers: the
// program's until initialize named the client, then the program's and the
// client's.
func (s *Server) currentUserAgent() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userAgent
}

// clientElicits reports whether the client declared the elicitation capability.
func (s *Server) clientElicits() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.elicitation
}

// handler adapts a Server to jsonrpc2.Handler.
type handler struct{ s *Server }

// Handle dispatches one incoming request or notification. It runs on the
// connection's read loop, so messages are handled in the order they arrive;
// tool calls run in their own goroutines and answer when they are done.
func (h handler) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	s := h.s
	if req.Notif {
		s.notification(req)
		return
	}
	result, err := s.dispatch(conn, req)
	if errors.Is(err, errDeferred) {
		return
	}
	reply(ctx, s.log, conn, req.ID, result, err)
}

// errDeferred is returned by handlers that answer later by themselves.
var errDeferred = errors.New("reply deferred")

// dispatch calls the handler of a request's method.
func (s *Server) dispatch(conn *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
	switch mcp.MCPMethod(req.Method) {
	case mcp.MethodInitialize:
		return s.initialize(req)
	case mcp.MethodPing:
		return struct{}{}, nil
	case mcp.MethodToolsList:
		return toolList(), nil
	case mcp.MethodToolsCall:
		return s.startToolCall(conn, req)
	}
	return nil, &jsonrpc2.Error{Code: mcp.METHOD_NOT_FOUND, Message: "Method not found: " + req.Method}
}

// notification handles a notification from the client.
func (s *Server) notification(req *jsonrpc2.Request) {
	switch mcp.MCPMethod(req.Method) {
	case mcp.MethodNotificationCancelled:
		var p struct {
			RequestID jsonrpc2.ID `json:"requestId"`
			Reason    string      `json:"reason"`
		}
		if req.Params == nil || json.Unmarshal(*req.Params, &p) != nil {
			s.log.Warn("ignoring a cancellation without a request id")
			return
		}
		s.cancelCall(p.RequestID, p.Reason)
	default:
		s.log.Debug("ignoring notification", "method", req.Method)
	}
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
// negotiates the protocol version.
func (s *Server) initialize(req *jsonrpc2.Request) (any, error) {
	var p mcp.InitializeParams
	if req.Params != nil {
		if err := json.Unmarshal(*req.Params, &p); err != nil {
			return nil, &jsonrpc2.Error{Code: mcp.INVALID_PARAMS, Message: "Invalid params: " + err.Error()}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.initialized {
		return nil, &jsonrpc2.Error{Code: mcp.INVALID_REQUEST, Message: "initialize called more than once"}
	}
	s.initialized = true
	s.elicitation = p.Capabilities.Elicitation != nil
	s.userAgent = client.UserAgent(s.opts.Version, p.ClientInfo.Name, p.ClientInfo.Version)
	res := initializeResult{
		ProtocolVersion: mcp.NegotiateLegacyVersion(p.ProtocolVersion),
		ServerInfo: serverInfo{
			Name:      ServerName,
			Title:     ServerTitle,
			Version:   s.opts.Version,
			UserAgent: s.userAgent,
		},
	}
	res.Capabilities.Tools.ListChanged = true
	return res, nil
}

// reply answers a request with result, or with err when it is not nil.
// Errors that are not *jsonrpc2.Error are sent as internal errors.
func reply(ctx context.Context, log *slog.Logger, conn *jsonrpc2.Conn, id jsonrpc2.ID, result any, err error) {
	if sendErr := jsonrpcline.Reply(ctx, conn, id, result, err); sendErr != nil {
		log.Debug("reply not sent", "id", id.String(), "error", sendErr)
	}
}
