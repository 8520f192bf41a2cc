package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-go/codex/core/config"
)

// httpServer is a connection to a server reached over MCP's streamable HTTP
// transport. The transport itself (POSTed messages answered with JSON or an
// event stream, the session id, the closing DELETE) is mcp-go's.
type httpServer struct {
	name        string
	url         string
	toolTimeout time.Duration
	tr          *transport.StreamableHTTP
	nextID      atomic.Int64

	// lifetime is cancelled when the server is shut down.
	lifetime context.Context
	cancel   context.CancelFunc

	// mu guards closing and additions to notices.
	mu      sync.Mutex
	closing bool
	// notices tracks notifications/cancelled being sent.
	notices      sync.WaitGroup
	shutdownOnce sync.Once
}

// startHTTPServer connects to a streamable HTTP server, runs the
// initialize handshake and lists its tools, within the server's start-up
// timeout and ctx.
func startHTTPServer(ctx context.Context, name string, cfg config.MCPServerConfig, o options) (*httpServer, []listedTool, error) {
	timeout := duration(cfg.StartupTimeoutSec, defaultStartupTimeout)
	timedOut := fmt.Errorf("timed out after %s", timeout)
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, timedOut)
	defer cancel()

	headers, authorize, err := httpSettings(name, cfg, o)
	if err != nil {
		return nil, nil, err
	}
	base := o.httpTransport
	if base == nil {
		base = http.DefaultTransport
	}
	client := &http.Client{Transport: &headerTransport{
		base: base, server: name, url: cfg.URL, headers: headers, authorize: authorize,
	}}
	tr, err := transport.NewStreamableHTTP(cfg.URL,
		transport.WithHTTPBasicClient(client),
		// The transport's own log lines would reach our stderr; failures
		// are reported through the errors returned instead.
		transport.WithHTTPLogger(slog.New(slog.DiscardHandler)),
	)
	if err != nil {
		return nil, nil, err
	}
	s := &httpServer{
		name:        name,
		url:         cfg.URL,
		toolTimeout: duration(cfg.ToolTimeoutSec, defaultToolTimeout),
		tr:          tr,
	}
	s.lifetime, s.cancel = context.WithCancel(context.Background())
	tr.SetRequestHandler(answerServerRequest)
	if err := tr.Start(s.lifetime); err != nil {
		s.shutdown(0)
		return nil, nil, err
	}
	tools, err := handshake(ctx, s)
	if err != nil {
		s.shutdown(0)
		if context.Cause(ctx) == timedOut {
			return nil, nil, errors.New("server did not start: " + timedOut.Error())
		}
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("start-up was cancelled: %w", context.Cause(ctx))
		}
		return nil, nil, err
	}
	return s, tools, nil
}

// httpSettings returns the fixed headers of a server (http_headers, then
// env_http_headers whose variables are set and not empty) and the source of
// its Authorization header: the variable named by bearer_token_env_var, or
// else the configured Authorizer.
func httpSettings(name string, cfg config.MCPServerConfig, o options) (map[string]string, Authorizer, error) {
	headers := map[string]string{}
	for k, v := range cfg.HTTPHeaders {
		headers[k] = v
	}
	for header, variable := range cfg.EnvHTTPHeaders {
		if v, ok := lookupEnv(o.environ, variable); ok && v != "" {
			headers[header] = v
		}
	}
	for k := range headers {
		if !validHeaderName(k) {
			return nil, nil, fmt.Errorf("invalid HTTP header name %q", k)
		}
	}
	if cfg.BearerTokenEnvVar != "" {
		auth, err := bearerFromEnv(name, cfg.BearerTokenEnvVar, o.environ)
		return headers, auth, err
	}
	return headers, o.authorizer, nil
}

// validHeaderName reports whether k is an HTTP token, as header names must
// be.
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && strings.IndexByte("!#$%&'*+-.^_`|~", c) < 0 {
			return false
		}
	}
	return true
}

// answerServerRequest answers the requests a server sends: ping with an
// empty result, anything else with "method not found".
func answerServerRequest(_ context.Context, req transport.JSONRPCRequest) (*transport.JSONRPCResponse, error) {
	if req.Method == string(mcp.MethodPing) {
		return transport.NewJSONRPCResultResponse(req.ID, json.RawMessage("{}")), nil
	}
	return transport.NewJSONRPCErrorResponse(req.ID, mcp.METHOD_NOT_FOUND, "method not found: "+req.Method, nil), nil
}

// request sends one request; a JSON-RPC error answer is returned as an
// error. When ctx ends first, the server is told to stop working on it.
func (s *httpServer) request(ctx context.Context, method string, params any) (json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id := "codex-" + strconv.FormatInt(s.nextID.Add(1), 10)
	resp, err := s.tr.SendRequest(ctx, transport.JSONRPCRequest{
		JSONRPC: mcp.JSONRPC_VERSION, ID: mcp.NewRequestId(id), Method: method, Params: params,
	})
	if err != nil {
		if ctx.Err() != nil {
			s.notifyCancelled(id, context.Cause(ctx))
		}
		return nil, httpError(s.name, s.url, err)
	}
	if resp.Error != nil {
		e := &rpcError{Code: resp.Error.Code, Message: resp.Error.Message}
		if resp.Error.Data != nil {
			e.Data, _ = json.Marshal(resp.Error.Data)
		}
		return nil, e
	}
	if len(resp.Result) == 0 {
		return json.RawMessage("{}"), nil
	}
	return resp.Result, nil
}

// httpError rewords the transport's errors that need explaining.
func httpError(name, url string, err error) error {
	var authErr *transport.AuthorizationRequiredError
	switch {
	case errors.As(err, &authErr):
		return fmt.Errorf("%w: %s answered HTTP 401 Unauthorized (for a server that signs in with OAuth, run `codex mcp login %s`)", ErrAuthorizationRequired, url, name)
	case errors.Is(err, transport.ErrLegacySSEServer):
		return fmt.Errorf("%s refused the streamable HTTP initialize request (HTTP 4xx); servers speaking only the older HTTP+SSE transport are not supported", url)
	}
	return err
}

// notify sends one notification.
func (s *httpServer) notify(ctx context.Context, method string, params any) error {
	var n mcp.JSONRPCNotification
	n.JSONRPC = mcp.JSONRPC_VERSION
	n.Method = method
	if params != nil {
		raw, err := json.Marshal(params)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &n.Params.AdditionalFields); err != nil {
			return err
		}
	}
	return httpError(s.name, s.url, s.tr.SendNotification(ctx, n))
}

// negotiated sends the chosen protocol version in the MCP-Protocol-Version
// header of the requests that follow.
func (s *httpServer) negotiated(version string) { s.tr.SetProtocolVersion(version) }

// offersElicitation implements requester: the HTTP transport does not take
// requests from the server, so elicitation is not offered over it.
func (s *httpServer) offersElicitation() bool { return false }

// notifyCancelled sends notifications/cancelled for a request, in the
// background: the caller already has its answer.
func (s *httpServer) notifyCancelled(id string, reason error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return
	}
	s.notices.Add(1)
	go func() {
		defer s.notices.Done()
		ctx, cancel := context.WithTimeout(s.lifetime, cancelNoticeTimeout)
		defer cancel()
		_ = s.notify(ctx, string(mcp.MethodNotificationCancelled), mcp.CancelledNotificationParams{
			RequestId: mcp.NewRequestId(id),
			Reason:    reason.Error(),
		})
	}()
}

// callTool calls a tool within the server's tool timeout and returns the
// CallToolResult as JSON.
func (s *httpServer) callTool(ctx context.Context, tool string, args json.RawMessage) (json.RawMessage, error) {
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if closing {
		return nil, fmt.Errorf("MCP server %s was shut down", s.name)
	}
	timedOut := fmt.Errorf("timed out after %s", s.toolTimeout)
	ctx, cancel := context.WithTimeoutCause(ctx, s.toolTimeout, timedOut)
	defer cancel()
	raw, err := s.request(ctx, string(mcp.MethodToolsCall), callParams{Name: tool, Arguments: args})
	if err != nil {
		s.mu.Lock()
		closing := s.closing
		s.mu.Unlock()
		switch {
		case context.Cause(ctx) == timedOut:
			return nil, fmt.Errorf("tool call to MCP server %s %s", s.name, timedOut)
		case ctx.Err() != nil:
			return nil, fmt.Errorf("the call was cancelled: %w", context.Cause(ctx))
		case closing:
			return nil, fmt.Errorf("MCP server %s was shut down during the call", s.name)
		}
		return nil, fmt.Errorf("MCP server %s: %w", s.name, err)
	}
	return normalizeResult(raw)
}

// shutdown ends the session (the transport sends DELETE for it) and fails
// the calls still running. Safe to call more than once.
func (s *httpServer) shutdown(time.Duration) {
	s.shutdownOnce.Do(func() {
		s.mu.Lock()
		s.closing = true
		s.mu.Unlock()
		_ = s.tr.Close()
		s.cancel()
		s.notices.Wait()
	})
}
