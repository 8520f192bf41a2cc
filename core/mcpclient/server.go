package mcpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/internal/version"
)

const (
	// defaultStartupTimeout bounds a server's start-up when the config does not.
	defaultStartupTimeout = 10 * time.Second
	// defaultToolTimeout bounds a tool call when the config does not.
	defaultToolTimeout = 60 * time.Second
	// protocolVersion is the MCP revision asked for in initialize.
	protocolVersion = mcp.ProtocolVersion20250618
	// clientName identifies this client to servers.
	clientName = "codex-mcp-client"
	// exitWait bounds the wait for a server's exit status once its stdout
	// has closed.
	exitWait = 2 * time.Second
	// shutdownGrace is how long a server has to exit once its stdin is
	// closed before it is killed.
	shutdownGrace = 2 * time.Second
	// cancelNoticeTimeout bounds sending notifications/cancelled.
	cancelNoticeTimeout = 5 * time.Second
)

// listedTool is a tool as a server listed it.
type listedTool struct {
	name        string
	description string
	inputSchema json.RawMessage
	definition  json.RawMessage
}

// server is a connection to one running MCP server.
type server struct {
	name        string
	toolTimeout time.Duration
	proc        *process
	conn        *rpcConn
	nextID      atomic.Int64

	// elicit answers the server's elicitations; nil when not offered.
	elicit        ElicitationHandler
	elicitTimeout time.Duration
	// clocks are the timeouts of the running tool calls.
	clocks callClocks

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

// duration converts a timeout in seconds from the config, falling back to
// def when it is not positive.
func duration(secs float64, def time.Duration) time.Duration {
	if secs <= 0 {
		return def
	}
	return time.Duration(secs * float64(time.Second))
}

// startServer launches a server, runs the initialize handshake and lists its
// tools, all within the server's start-up timeout and ctx. On failure the
// process is killed.
func startServer(ctx context.Context, name string, cfg config.MCPServerConfig, environ []string, elicit ElicitationHandler) (*server, []listedTool, error) {
	timeout := duration(cfg.StartupTimeoutSec, defaultStartupTimeout)
	timedOut := fmt.Errorf("timed out after %s", timeout)
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, timedOut)
	defer cancel()

	if cfg.Command == "" {
		return nil, nil, errors.New("no command configured")
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("start-up was cancelled: %w", err)
	}
	proc, err := spawn(cfg.Command, cfg.Args, serverEnv(environ, cfg.Env), cfg.Cwd)
	if err != nil {
		return nil, nil, fmt.Errorf("launch %q: %w", cfg.Command, err)
	}
	s := &server{
		name:          name,
		toolTimeout:   duration(cfg.ToolTimeoutSec, defaultToolTimeout),
		proc:          proc,
		elicit:        elicit,
		elicitTimeout: duration(cfg.ElicitationTimeoutSec, defaultElicitationTimeout),
	}
	s.conn = newRPCConnWith(proc.stdout, proc.stdin, s.serveRequest)
	s.lifetime, s.cancel = context.WithCancel(context.Background())

	tools, err := handshake(ctx, s)
	if err != nil {
		err = s.describe(ctx, "start-up", err, timedOut)
		s.shutdown(0)
		return nil, nil, err
	}
	return s, tools, nil
}

// requester sends requests and notifications to a server, whatever the
// transport.
type requester interface {
	// request sends one request and returns its result; a JSON-RPC error
	// answer is an error.
	request(ctx context.Context, method string, params any) (json.RawMessage, error)
	// notify sends one notification.
	notify(ctx context.Context, method string, params any) error
	// negotiated is told the protocol version the server chose.
	negotiated(version string)
	// offersElicitation reports whether the client answers the server's
	// elicitation requests on this connection.
	offersElicitation() bool
}

// handshake initialises the connection (initialize, then
// notifications/initialized) and lists the server's tools.
func handshake(ctx context.Context, s requester) ([]listedTool, error) {
	initResult, err := initialize(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("initialize: %w", err)
	}
	s.negotiated(string(initResult.ProtocolVersion))
	if err := s.notify(ctx, string(mcp.MethodNotificationInitialized), nil); err != nil {
		return nil, fmt.Errorf("send initialized notification: %w", err)
	}
	if initResult.Capabilities.Tools == nil {
		// A server offering only prompts or resources has no tools to list.
		return nil, nil
	}
	tools, err := listTools(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("tools/list: %w", err)
	}
	return tools, nil
}

// initialize sends the initialize request and checks the protocol version
// the server answers with.
func initialize(ctx context.Context, s requester) (*mcp.InitializeResult, error) {
	params := mcp.InitializeParams{
		ProtocolVersion: protocolVersion,
		ClientInfo:      mcp.Implementation{Name: clientName, Title: "Codex", Version: version.Version},
	}
	if s.offersElicitation() {
		params.Capabilities.Elicitation = &mcp.ElicitationCapability{}
	}
	raw, err := s.request(ctx, string(mcp.MethodInitialize), params)
	if err != nil {
		return nil, err
	}
	var result mcp.InitializeResult
	if err := json.Unmarshal(raw, &result); err != nil {
		return nil, fmt.Errorf("decode result: %w", err)
	}
	if !mcp.IsValidProtocolVersion(result.ProtocolVersion) {
		return nil, mcp.UnsupportedProtocolVersionError{Version: result.ProtocolVersion}
	}
	return &result, nil
}

// listTools fetches every page of the server's tool list. Tools are decoded
// from the raw response so that their schemas reach the model unchanged.
func listTools(ctx context.Context, s requester) ([]listedTool, error) {
	var tools []listedTool
	seen := map[string]bool{}
	cursor := ""
	for {
		var params any
		if cursor != "" {
			params = map[string]string{"cursor": cursor}
		}
		raw, err := s.request(ctx, string(mcp.MethodToolsList), params)
		if err != nil {
			return nil, err
		}
		var page struct {
			Tools      []json.RawMessage `json:"tools"`
			NextCursor string            `json:"nextCursor"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return nil, fmt.Errorf("decode result: %w", err)
		}
		for _, def := range page.Tools {
			var t struct {
				Name        string          `json:"name"`
				Description string          `json:"description"`
				InputSchema json.RawMessage `json:"inputSchema"`
			}
			if err := json.Unmarshal(def, &t); err != nil {
				return nil, fmt.Errorf("decode tool: %w", err)
			}
			if t.Name == "" {
				continue
			}
			tools = append(tools, listedTool{
				name:        t.Name,
				description: t.Description,
				inputSchema: t.InputSchema,
				definition:  compactJSON(def),
			})
		}
		if page.NextCursor == "" {
			return tools, nil
		}
		if seen[page.NextCursor] {
			return nil, fmt.Errorf("cursor %q repeated", page.NextCursor)
		}
		seen[page.NextCursor] = true
		cursor = page.NextCursor
	}
}

// callParams are the params of tools/call.
type callParams struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
}

// callTool calls a tool within the server's tool timeout and returns the
// CallToolResult as JSON.
func (s *server) callTool(ctx context.Context, tool string, args json.RawMessage) (json.RawMessage, error) {
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if closing {
		return nil, fmt.Errorf("MCP server %s was shut down", s.name)
	}
	if s.proc.hasExited() {
		return nil, errors.New(withStderr(
			fmt.Sprintf("MCP server %s is not running: it exited (%s)", s.name, s.proc.exitStatus()),
			s.proc.stderrTail()))
	}
	timedOut := fmt.Errorf("timed out after %s", s.toolTimeout)
	ctx, release := s.withCallTimeout(ctx, s.toolTimeout, timedOut)
	defer release()
	raw, err := s.request(ctx, string(mcp.MethodToolsCall), callParams{Name: tool, Arguments: args})
	if err != nil {
		return nil, s.describe(ctx, "the call", err, timedOut)
	}
	return normalizeResult(raw)
}

// request sends one JSON-RPC request and returns its result; a JSON-RPC
// error answer is returned as an error. When ctx ends first, the server is
// told to stop working on the request.
func (s *server) request(ctx context.Context, method string, params any) (json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id := "codex-" + strconv.FormatInt(s.nextID.Add(1), 10)
	result, err := s.conn.call(ctx, id, method, params)
	if err != nil && ctx.Err() != nil {
		s.notifyCancelled(id, context.Cause(ctx))
	}
	return result, err
}

// notify sends one notification to the server.
func (s *server) notify(ctx context.Context, method string, params any) error {
	return s.conn.notify(ctx, method, params)
}

// negotiated does nothing: the stdio transport carries no protocol version.
func (s *server) negotiated(string) {}

// offersElicitation implements requester.
func (s *server) offersElicitation() bool { return s.elicit != nil }

// notifyCancelled sends notifications/cancelled for a request, in the
// background: the caller already has its answer.
func (s *server) notifyCancelled(id string, reason error) {
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
		_ = s.conn.notify(ctx, string(mcp.MethodNotificationCancelled), mcp.CancelledNotificationParams{
			RequestId: mcp.NewRequestId(id),
			Reason:    reason.Error(),
		})
	}()
}

// describe turns the failure of a request made during phase ("start-up" or
// "the call") into an error saying what happened to the server.
func (s *server) describe(ctx context.Context, phase string, err error, timedOut error) error {
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	switch {
	case context.Cause(ctx) == timedOut:
		if phase == "start-up" {
			return errors.New(withStderr("server did not start: "+timedOut.Error(), s.proc.stderrTail()))
		}
		return fmt.Errorf("tool call to MCP server %s %s", s.name, timedOut)
	case ctx.Err() != nil:
		return fmt.Errorf("%s was cancelled: %w", phase, context.Cause(ctx))
	case closing && phase != "start-up":
		return fmt.Errorf("MCP server %s was shut down during the call", s.name)
	case errors.Is(err, errConnClosed) || s.proc.hasExited():
		if !s.proc.awaitExit(exitWait) {
			return errors.New(withStderr(
				fmt.Sprintf("MCP server %s closed its output during %s", s.name, phase),
				s.proc.stderrTail()))
		}
		if phase == "start-up" {
			return errors.New(withStderr(
				fmt.Sprintf("server exited during start-up (%s)", s.proc.exitStatus()),
				s.proc.stderrTail()))
		}
		return errors.New(withStderr(
			fmt.Sprintf("MCP server %s exited during the call (%s)", s.name, s.proc.exitStatus()),
			s.proc.stderrTail()))
	}
	if phase == "start-up" {
		return errors.New(withStderr(err.Error(), s.proc.stderrTail()))
	}
	return fmt.Errorf("MCP server %s: %w", s.name, err)
}

// shutdown ends the server: it closes the server's stdin, gives it grace to
// exit, then kills its process group. Safe to call more than once.
func (s *server) shutdown(grace time.Duration) {
	s.shutdownOnce.Do(func() {
		s.mu.Lock()
		s.closing = true
		s.mu.Unlock()

		// Closing the connection closes the server's stdin and fails the
		// requests still waiting for an answer.
		_ = s.conn.close()
		if grace <= 0 || !s.proc.awaitExit(grace) {
			s.proc.kill()
		}
		<-s.proc.exited
		// Children the server left behind share its process group.
		killGroup(s.proc.cmd.Process)
		s.proc.closePipes()
		s.conn.wait()
		s.cancel()
		s.notices.Wait()
	})
}

// normalizeResult checks that a tools/call result is a JSON object and gives
// it a content list when it has none.
func normalizeResult(raw json.RawMessage) (json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return nil, fmt.Errorf("tools/call returned an invalid result: %s", truncate(string(raw), 200))
	}
	if c, ok := fields["content"]; !ok || string(c) == "null" {
		fields["content"] = json.RawMessage("[]")
		return marshalJSON(fields)
	}
	return compactJSON(raw), nil
}

// compactJSON returns valid JSON without insignificant space, and with the
// escapes \u003c, \u003e and \u0026 that some encoders write for <, > and &
// turned back into those characters, as the rest of the wire has them.
func compactJSON(raw json.RawMessage) json.RawMessage {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return raw
	}
	return unescapeHTML(buf.Bytes())
}

// unescapeHTML replaces the escapes \u003c, \u003e and \u0026 inside the
// strings of valid JSON by the characters they stand for.
func unescapeHTML(data []byte) []byte {
	if !bytes.Contains(data, []byte(`\u00`)) {
		return data
	}
	out := make([]byte, 0, len(data))
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case !inString:
			inString = c == '"'
		case c == '"':
			inString = false
		case c == '\\' && i+1 < len(data):
			if i+5 < len(data) && data[i+1] == 'u' && data[i+2] == '0' && data[i+3] == '0' {
				if r, ok := htmlChar(data[i+4], data[i+5]); ok {
					out = append(out, r)
					i += 5
					continue
				}
			}
			// Any other escape is copied whole, so that an escaped
			// backslash is not taken for the start of an escape.
			out = append(out, c, data[i+1])
			i++
			continue
		}
		out = append(out, c)
	}
	return out
}

// htmlChar returns the character encoded by the escape \u00XY when it is
// <, > or &.
func htmlChar(x, y byte) (byte, bool) {
	switch strings.ToLower(string([]byte{x, y})) {
	case "3c":
		return '<', true
	case "3e":
		return '>', true
	case "26":
		return '&', true
	}
	return 0, false
}

// truncate shortens s to at most n bytes, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
