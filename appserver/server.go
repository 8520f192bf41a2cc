// Package appserver implements `codex app-server`: a JSON-RPC 2.0 server that
// reads one JSON object per line on its input and writes one per line on its
// output. Editors create conversations, send user input and receive the
// engine's events as `codex/event/<type>` notifications; approvals the engine
// needs are sent to the editor as server requests.
//
// The server is organised by families of methods: initialize.go (handshake,
// user agent), conversation.go (conversations, input, interrupts, listeners),
// rollouts.go (listing, resuming and archiving recorded conversations),
// approval.go (server requests), exec.go (one-off commands), auth.go
// (credentials and ChatGPT sign-in), config.go (the saved configuration and
// the default model), search.go (fuzzy file search) and git.go (the diff to
// the remote). state.go keeps the per-conversation listener state; the line
// codec is internal/jsonrpcline.
package appserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/sourcegraph/jsonrpc2"

	"github.com/codex-go/codex/core/conversation"
	"github.com/codex-go/codex/core/filesearch"
	"github.com/codex-go/codex/internal/frontend"
	"github.com/codex-go/codex/internal/jsonrpcline"
	"github.com/codex-go/codex/protocol"
)

// SessionSource is the source recorded in the rollouts of conversations
// started through the app server.
const SessionSource = "vscode"

// shutdownTimeout bounds how long Run waits for conversations to shut down
// once its input ended.
const shutdownTimeout = 5 * time.Second

// Options configure a Server.
type Options = frontend.Options

// Server is the app server. Create it with New and start it with Run; a
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
	convs       map[string]*conversationState // by conversation id
	subs        map[string]*conversationState // by subscription id

	login    loginSlot              // the ChatGPT sign-in in progress
	searches filesearch.Coordinator // fuzzy searches sharing a cancellation token

	wg sync.WaitGroup // handlers, event pumps, approval waits and deferred replies
}

// New returns a server for opts.
func New(opts Options) *Server {
	logger := opts.LoggerOrDiscard()
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	s := &Server{
		opts:  opts,
		log:   logger,
		ctx:   context.Background(),
		convs: map[string]*conversationState{},
		subs:  map[string]*conversationState{},
	}
	s.userAgent = defaultUserAgent(opts.Version)
	s.manager = conversation.NewManager(opts.Deps(SessionSource, s.currentUserAgent))
	return s
}

// Run serves requests read from in and writes messages to out until in
// ends or ctx is canceled. It then shuts every conversation down, which
// flushes their rollouts, and returns. Run must be called at most once.
func (s *Server) Run(ctx context.Context, in io.Reader, out io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()

	stream := jsonrpcline.NewStream(in, out, jsonrpcline.Options{DetailedParseErrors: true, Logger: s.log})
	conn := jsonrpc2.NewConn(ctx, stream, handler{s}, jsonrpc2.SetLogger(jsonrpcline.NewLogger(s.log)))
	select {
	case <-conn.DisconnectNotify():
		s.log.Debug("input ended")
	case <-ctx.Done():
	}
	parentErr := context.Cause(ctx)
	cancel()
	_ = conn.Close()

	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.wg.Wait()

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

// track registers a unit of work that Run waits for before it shuts the
// conversations down. It reports false once Run is shutting down.
func (s *Server) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.wg.Add(1)
	return true
}

// goTracked runs f in a goroutine that Run waits for.
func (s *Server) goTracked(f func()) bool {
	if !s.track() {
		return false
	}
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

// handler adapts a Server to jsonrpc2.Handler.
type handler struct{ s *Server }

// Handle dispatches one incoming request or notification. It runs on the
// connection's read loop, so messages are handled in the order they arrive;
// handlers that wait for something slow reply later from their own goroutine.
func (h handler) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	s := h.s
	if req.Notif {
		s.log.Debug("ignoring notification", "method", req.Method)
		return
	}
	if !s.track() {
		return
	}
	defer s.wg.Done()
	r := &request{conn: conn, id: req.ID, method: req.Method, params: req.Params, log: s.log}
	result, err := s.dispatch(ctx, r)
	if errors.Is(err, errDeferred) {
		return
	}
	r.reply(ctx, result, err)
}

// dispatch calls the handler of a request's method.
func (s *Server) dispatch(ctx context.Context, r *request) (any, error) {
	if r.method == protocol.MethodInitialize {
		return s.initialize(ctx, r)
	}
	if !s.isInitialized() {
		return nil, invalidRequest("Not initialized")
	}
	switch r.method {
	case protocol.MethodGetUserAgent:
		return s.getUserAgent(ctx, r)
	case protocol.MethodNewConversation:
		return s.newConversation(ctx, r)
	case protocol.MethodAddConversationListener:
		return s.addConversationListener(ctx, r)
	case protocol.MethodRemoveConversationListener:
		return s.removeConversationListener(ctx, r)
	case protocol.MethodSendUserMessage:
		return s.sendUserMessage(ctx, r)
	case protocol.MethodSendUserTurn:
		return s.sendUserTurn(ctx, r)
	case protocol.MethodInterruptConversation:
		return s.interruptConversation(ctx, r)
	case protocol.MethodExecOneOffCommand:
		return s.execOneOffCommand(ctx, r)
	case protocol.MethodListConversations:
		return s.listConversations(ctx, r)
	case protocol.MethodResumeConversation:
		return s.resumeConversation(ctx, r)
	case protocol.MethodArchiveConversation:
		return s.archiveConversation(ctx, r)
	case protocol.MethodLoginAPIKey:
		return s.loginAPIKey(ctx, r)
	case protocol.MethodLoginChatGpt:
		return s.loginChatGpt(ctx, r)
	case protocol.MethodCancelLoginChatGpt:
		return s.cancelLoginChatGpt(ctx, r)
	case protocol.MethodLogoutChatGpt:
		return s.logoutChatGpt(ctx, r)
	case protocol.MethodGetAuthStatus:
		return s.getAuthStatus(ctx, r)
	case protocol.MethodUserInfo:
		return s.userInfo(ctx, r)
	case protocol.MethodGetUserSavedConfig:
		return s.getUserSavedConfig(ctx, r)
	case protocol.MethodSetDefaultModel:
		return s.setDefaultModel(ctx, r)
	case protocol.MethodFuzzyFileSearch:
		return s.fuzzyFileSearch(ctx, r)
	case protocol.MethodGitDiffToRemote:
		return s.gitDiffToRemote(ctx, r)
	}
	return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: "Method not found: " + r.method}
}

// errDeferred is returned by handlers that reply later by themselves.
var errDeferred = errors.New("reply deferred")

// request is one incoming request and the means to answer it once.
type request struct {
	conn   *jsonrpc2.Conn
	id     jsonrpc2.ID
	method string
	params *json.RawMessage
	log    *slog.Logger

	once sync.Once
}

// reply answers the request with result, or with err when it is not nil.
// Only the first call has an effect. Errors that are not *jsonrpc2.Error
// are sent as internal errors.
func (r *request) reply(ctx context.Context, result any, err error) {
	r.once.Do(func() {
		if sendErr := jsonrpcline.Reply(ctx, r.conn, r.id, result, err); sendErr != nil {
			r.log.Debug("reply not sent", "method", r.method, "error", sendErr)
		}
	})
}

// decodeParams reads a request's params, which must be a JSON object, into
// v. required lists members that must be present and not null. Any problem
// is an invalid-params error that says what is wrong.
func (r *request) decodeParams(v any, required ...string) error {
	var raw json.RawMessage
	if r.params != nil {
		raw = *r.params
	}
	if err := decodeObject(raw, v, required); err != nil {
		return r.badParams(err)
	}
	return nil
}

// noParams checks that a method without params got none: no params, null or
// an empty object.
func (r *request) noParams() error {
	if r.params == nil {
		return nil
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(*r.params, &members); err != nil || len(members) > 0 {
		return r.badParams("the method takes no params")
	}
	return nil
}

// decodeObject decodes raw, which must be a JSON object holding the
// required members, into v.
func decodeObject(raw json.RawMessage, v any, required []string) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return fmt.Errorf("params must be an object")
	}
	for _, name := range required {
		if m, ok := members[name]; !ok || string(m) == "null" {
			return fmt.Errorf("missing field %q", name)
		}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("params: %w", err)
	}
	return nil
}

// checkUUID rejects an id that is not a UUID, as the reference server does
// for conversation and subscription ids.
func (r *request) checkUUID(field, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return r.badParams(fmt.Sprintf("%s %q is not a UUID", field, id))
	}
	return nil
}

// invalidRequest returns a JSON-RPC invalid-request error.
func invalidRequest(msg string) *jsonrpc2.Error {
	return &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidRequest, Message: msg}
}

// invalidParams returns a JSON-RPC invalid-params error.
func invalidParams(format string, args ...any) *jsonrpc2.Error {
	return &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: fmt.Sprintf(format, args...)}
}

// badParams logs and returns an invalid-params error for the request.
func (r *request) badParams(detail any) *jsonrpc2.Error {
	r.log.Warn("invalid params", "method", r.method, "error", detail)
	return invalidParams("Invalid params: %v", detail)
}

// internalError returns a JSON-RPC internal error.
func internalError(format string, args ...any) *jsonrpc2.Error {
	return &jsonrpc2.Error{Code: jsonrpc2.CodeInternalError, Message: fmt.Sprintf(format, args...)}
}
