package mcpclient

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/core/tools"
	"github.com/codex-go/codex/protocol"
)

// Manager owns the MCP server connections of one conversation. Its methods
// are safe for concurrent use.
type Manager struct {
	servers map[string]connection
	tools   []Tool
	byName  map[string]int
	grace   time.Duration

	closeOnce sync.Once
}

// Tool is a tool of a running MCP server.
type Tool struct {
	// QualifiedName is the name the model calls the tool by
	// ("<server>__<tool>", sanitised and unique).
	QualifiedName string
	// Server is the configured server name.
	Server string
	// Name is the tool's name on its server.
	Name string
	// Description is the server's description of the tool.
	Description string
	// InputSchema is the tool's argument schema, normalised for the model
	// API (an object schema with properties).
	InputSchema json.RawMessage
	// Definition is the tool as the server listed it.
	Definition json.RawMessage
}

// functionSpec is a Responses API function tool.
type functionSpec struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Strict      bool            `json:"strict"`
	Parameters  json.RawMessage `json:"parameters"`
}

// Spec returns the tool as a Responses API function tool:
// {"type":"function","name":...,"description":...,"strict":false,"parameters":...}.
// An InputSchema that is not valid JSON is replaced by the schema of a tool
// without arguments.
func (t Tool) Spec() json.RawMessage {
	params := t.InputSchema
	if !json.Valid(params) {
		params = json.RawMessage(emptyObjectSchema)
	}
	// Strings and valid JSON always encode.
	out, _ := marshalJSON(functionSpec{
		Type:        "function",
		Name:        t.QualifiedName,
		Description: t.Description,
		Parameters:  params,
	})
	return out
}

// connection is a running server, whatever its transport.
type connection interface {
	// callTool calls a tool within the server's tool timeout and returns
	// the CallToolResult as JSON.
	callTool(ctx context.Context, tool string, args json.RawMessage) (json.RawMessage, error)
	// shutdown ends the connection, giving a child process grace to exit.
	shutdown(grace time.Duration)
}

// StartFailure is a server that could not be started.
type StartFailure struct {
	// Server is the configured server name.
	Server string
	// Required is set when the server is configured with required = true.
	Required bool
	// Err says what went wrong, with the tail of the server's stderr when
	// it wrote any.
	Err error
}

// Error returns "MCP client for `NAME` failed to start: ...", suitable for
// showing to the user (the reference's wording).
func (f StartFailure) Error() string {
	return fmt.Sprintf("MCP client for `%s` failed to start: %v", f.Server, f.Err)
}

// Unwrap returns the cause.
func (f StartFailure) Unwrap() error { return f.Err }

// Option adjusts how [Start] runs servers.
type Option func(*options)

// options are the settings of Start.
type options struct {
	environ       []string
	elicit        ElicitationHandler
	authorizer    Authorizer
	httpTransport http.RoundTripper
	observe       func(StartupUpdate)
}

// StartupState is where a server is in its start-up.
type StartupState string

// The start-up states reported to a [WithStartupObserver] function.
const (
	// StartupStarting: the server is being launched or connected to.
	StartupStarting StartupState = "starting"
	// StartupReady: the server answered and its tools are listed.
	StartupReady StartupState = "ready"
	// StartupFailed: the server could not be started; see Err.
	StartupFailed StartupState = "failed"
)

// StartupUpdate reports a change in the start-up of one server.
type StartupUpdate struct {
	// Server is the configured server name.
	Server string
	// State is the server's new state.
	State StartupState
	// Failure is set with StartupFailed.
	Failure *StartFailure
}

// WithStartupObserver has Start report each server's progress to fn:
// StartupStarting for every enabled server (in name order) before any is
// launched, then StartupReady or StartupFailed for each as it finishes.
// fn is called from the goroutine running Start, one call at a time.
func WithStartupObserver(fn func(StartupUpdate)) Option {
	return func(o *options) { o.observe = fn }
}

// WithHTTPTransport sets the round tripper the HTTP requests to streamable
// HTTP servers go through (http.DefaultTransport by default).
func WithHTTPTransport(rt http.RoundTripper) Option {
	return func(o *options) { o.httpTransport = rt }
}

// WithEnviron sets the environment ("NAME=value" entries) the servers'
// base variables are taken from, instead of this process's environment.
func WithEnviron(environ []string) Option {
	return func(o *options) { o.environ = environ }
}

// Start launches every enabled server concurrently and returns once each
// has started or failed; servers with enabled = false are left alone. Each
// server has its startup_timeout_sec (default 10 s) to be spawned (or
// reached at its URL), answer initialize and list its tools; ctx bounds the
// whole start-up but not the servers' lives, which last until Close. Only
// the tools allowed by a server's enabled_tools and disabled_tools are
// kept. A server that fails is stopped and reported in the failures, sorted
// by server name; the manager goes on without it (whether a failure of a
// required server is fatal is for the caller to decide). Close must be
// called in every case.
func Start(ctx context.Context, servers map[string]config.MCPServerConfig, opts ...Option) (*Manager, []StartFailure) {
	o := options{environ: os.Environ()}
	for _, opt := range opts {
		opt(&o)
	}
	observe := o.observe
	if observe == nil {
		observe = func(StartupUpdate) {}
	}

	type outcome struct {
		name   string
		server connection
		tools  []listedTool
		err    error
	}
	enabled := map[string]config.MCPServerConfig{}
	for name, cfg := range servers {
		if !cfg.Disabled {
			enabled[name] = cfg
		}
	}
	for _, name := range slices.Sorted(maps.Keys(enabled)) {
		observe(StartupUpdate{Server: name, State: StartupStarting})
	}
	results := make(chan outcome, len(enabled))
	for name, cfg := range enabled {
		go func() {
			var (
				s      connection
				listed []listedTool
				err    error
			)
			if cfg.IsHTTP() {
				var hs *httpServer
				hs, listed, err = startHTTPServer(ctx, name, cfg, o)
				if err == nil {
					s = hs
				}
			} else {
				var ps *server
				ps, listed, err = startServer(ctx, name, cfg, o.environ, o.elicit)
				if err == nil {
					s = ps
				}
			}
			results <- outcome{name: name, server: s, tools: listed, err: err}
		}()
	}

	m := &Manager{servers: map[string]connection{}, byName: map[string]int{}, grace: shutdownGrace}
	var failures []StartFailure
	var listed []Tool
	for range enabled {
		r := <-results
		cfg := enabled[r.name]
		if r.err != nil {
			f := StartFailure{Server: r.name, Required: cfg.Required, Err: r.err}
			failures = append(failures, f)
			observe(StartupUpdate{Server: r.name, State: StartupFailed, Failure: &f})
			continue
		}
		m.servers[r.name] = r.server
		observe(StartupUpdate{Server: r.name, State: StartupReady})
		for _, t := range r.tools {
			if !cfg.ToolAllowed(t.name) {
				continue
			}
			listed = append(listed, Tool{
				Server:      r.name,
				Name:        t.name,
				Description: t.description,
				InputSchema: normalizeSchema(t.inputSchema),
				Definition:  t.definition,
			})
		}
	}
	slices.SortFunc(failures, func(a, b StartFailure) int { return cmp.Compare(a.Server, b.Server) })
	m.setTools(listed)
	return m, failures
}

// setTools sorts the tools by server then name and assigns their qualified
// names.
func (m *Manager) setTools(list []Tool) {
	slices.SortStableFunc(list, func(a, b Tool) int {
		return cmp.Or(cmp.Compare(a.Server, b.Server), cmp.Compare(a.Name, b.Name))
	})
	keys := make([]toolKey, len(list))
	for i, t := range list {
		keys[i] = toolKey{server: t.Server, tool: t.Name}
	}
	for i, name := range qualifiedNames(keys) {
		list[i].QualifiedName = name
		m.byName[name] = i
	}
	m.tools = list
}

// Servers returns the names of the servers that started, sorted.
func (m *Manager) Servers() []string {
	if m == nil {
		return nil
	}
	names := make([]string, 0, len(m.servers))
	for name := range m.servers {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Tools returns the tools of every started server, sorted by server then
// tool name.
func (m *Manager) Tools() []Tool {
	if m == nil {
		return nil
	}
	return slices.Clone(m.tools)
}

// Tool returns the tool with the given qualified name.
func (m *Manager) Tool(qualifiedName string) (Tool, bool) {
	if m == nil {
		return Tool{}, false
	}
	i, ok := m.byName[qualifiedName]
	if !ok {
		return Tool{}, false
	}
	return m.tools[i], true
}

// ListToolsEvent returns the mcp_list_tools_response event: every tool's
// definition, as its server listed it, by qualified name.
func (m *Manager) ListToolsEvent() protocol.McpListToolsResponseEvent {
	ev := protocol.McpListToolsResponseEvent{Tools: map[string]json.RawMessage{}}
	for _, t := range m.Tools() {
		ev.Tools[t.QualifiedName] = t.Definition
	}
	return ev
}

// Register adds every tool to r, with its spec and the manager's handler.
func (m *Manager) Register(r *tools.Router) {
	h := m.Handler()
	for _, t := range m.Tools() {
		r.Register(t.QualifiedName, t.Spec(), h)
	}
}

// Call calls a tool by qualified name. arguments is the JSON argument string
// the model sent: a JSON object, or empty (or null) for a call without
// arguments; anything else is an error. The call is bounded by the server's
// tool_timeout_sec (default 60 s) and by ctx. It returns the MCP
// CallToolResult as JSON (content, and isError / structuredContent when the
// server set them), or an error: the call timed out, the server exited (with
// the tail of its stderr), the server answered with a JSON-RPC error...
func (m *Manager) Call(ctx context.Context, qualifiedName, arguments string) (json.RawMessage, error) {
	t, ok := m.Tool(qualifiedName)
	if !ok {
		return nil, fmt.Errorf("unknown MCP tool %q", qualifiedName)
	}
	args, err := parseArguments(arguments)
	if err != nil {
		return nil, err
	}
	return m.call(ctx, t, args)
}

// call calls a tool with parsed arguments.
func (m *Manager) call(ctx context.Context, t Tool, args json.RawMessage) (json.RawMessage, error) {
	s, ok := m.servers[t.Server]
	if !ok {
		return nil, fmt.Errorf("MCP server %s is not running", t.Server)
	}
	return s.callTool(ctx, t.Name, args)
}

// parseArguments checks the model's argument string: nil for no arguments,
// otherwise a compact JSON object.
func parseArguments(arguments string) (json.RawMessage, error) {
	trimmed := bytes.TrimSpace([]byte(arguments))
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return nil, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &obj); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) || !json.Valid(trimmed) {
			return nil, fmt.Errorf("failed to parse tool call arguments as JSON: %w", err)
		}
		return nil, fmt.Errorf("tool call arguments must be a JSON object, got %s", truncate(string(trimmed), 100))
	}
	return compactJSON(trimmed), nil
}

// Handler returns the handler of every MCP tool: it emits
// mcp_tool_call_begin, calls the tool, emits mcp_tool_call_end (result
// {"Ok":CallToolResult} or {"Err":"message"}) and gives the model the
// result as [ModelOutput] renders it (content items, images included).
// Arguments that are not a JSON object fail the call before any event, and
// a failed call is an error, which the router gives to the model.
func (m *Manager) Handler() tools.ContentHandler {
	return handler{m}
}

// handler runs model calls of MCP tools.
type handler struct{ m *Manager }

// Handle runs the call and returns its output flattened to text.
func (h handler) Handle(ctx context.Context, turn *tools.Turn, c tools.Call) (string, error) {
	out, err := h.m.handle(ctx, turn, c)
	return outputText(out), err
}

// HandleOutput runs the call and returns its output.
func (h handler) HandleOutput(ctx context.Context, turn *tools.Turn, c tools.Call) (tools.Output, error) {
	return h.m.handle(ctx, turn, c)
}

// handle runs one model call of an MCP tool.
func (m *Manager) handle(ctx context.Context, turn *tools.Turn, c tools.Call) (tools.Output, error) {
	t, ok := m.Tool(c.Name)
	if !ok {
		return tools.Output{}, fmt.Errorf("unknown MCP tool %q", c.Name)
	}
	args, err := parseArguments(c.Arguments)
	if err != nil {
		return tools.Output{}, err
	}
	emit := func(protocol.EventMsg) {}
	if turn != nil && turn.Emit != nil {
		emit = turn.Emit
	}
	inv := protocol.McpInvocation{Server: t.Server, Tool: t.Name, Arguments: args}
	emit(protocol.McpToolCallBeginEvent{CallID: c.CallID, Invocation: inv})
	start := time.Now()
	result, callErr := m.call(ctx, t, args)
	wall := time.Since(start)
	end := protocol.McpToolCallEndEvent{
		CallID:     c.CallID,
		Invocation: inv,
		Duration:   protocol.DurationOf(wall),
	}
	if callErr != nil {
		end.Result, err = marshalJSON(struct {
			Err string `json:"Err"`
		}{callErr.Error()})
	} else {
		end.Result, err = marshalJSON(struct {
			Ok json.RawMessage `json:"Ok"`
		}{result})
	}
	if err != nil {
		return tools.Output{}, err
	}
	emit(end)
	if callErr != nil {
		return tools.Output{}, callErr
	}
	return ModelOutput(result, wall), nil
}

// Close shuts every server down: it closes each server's stdin, waits a
// short grace period for it to exit, then kills its process group. Calls
// still running fail. Safe to call more than once, and on a nil Manager.
func (m *Manager) Close() error {
	if m == nil {
		return nil
	}
	m.closeOnce.Do(func() {
		var wg sync.WaitGroup
		for _, s := range m.servers {
			wg.Go(func() { s.shutdown(m.grace) })
		}
		wg.Wait()
	})
	return nil
}
