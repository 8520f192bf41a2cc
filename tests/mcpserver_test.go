package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/internal/rpcclient"
	"github.com/codex-go/codex/internal/version"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

// mcpEvent is one codex/event notification received by an MCP host.
type mcpEvent struct {
	// RequestID is params._meta.requestId as JSON.
	RequestID string
	// ThreadID is params._meta.threadId.
	ThreadID string
	// ID is the event (submission) id.
	ID string
	// Type is msg.type.
	Type string
	// Msg is the raw msg.
	Msg json.RawMessage
}

// mcpEventLog collects the codex/event notifications of a host.
type mcpEventLog struct {
	mu      sync.Mutex
	events  []mcpEvent
	changed chan struct{}
}

func newMCPEventLog() *mcpEventLog {
	return &mcpEventLog{changed: make(chan struct{}, 1)}
}

// add records a notification; other methods than codex/event are ignored.
func (l *mcpEventLog) add(n mcp.JSONRPCNotification) {
	if n.Method != "codex/event" {
		return
	}
	raw, err := json.Marshal(n.Params)
	if err != nil {
		return
	}
	var p struct {
		Meta struct {
			RequestID json.RawMessage `json:"requestId"`
			ThreadID  string          `json:"threadId"`
		} `json:"_meta"`
		ID  string          `json:"id"`
		Msg json.RawMessage `json:"msg"`
	}
	var tag struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(raw, &p) != nil || json.Unmarshal(p.Msg, &tag) != nil {
		return
	}
	l.mu.Lock()
	l.events = append(l.events, mcpEvent{RequestID: string(p.Meta.RequestID), ThreadID: p.Meta.ThreadID, ID: p.ID, Type: tag.Type, Msg: p.Msg})
	l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

// all returns a copy of the events so far.
func (l *mcpEventLog) all() []mcpEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]mcpEvent(nil), l.events...)
}

// waitFor waits until an event matches and returns it.
func (l *mcpEventLog) waitFor(t *testing.T, what string, match func(mcpEvent) bool) mcpEvent {
	t.Helper()
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for {
		for _, e := range l.all() {
			if match(e) {
				return e
			}
		}
		select {
		case <-l.changed:
		case <-deadline.C:
			t.Fatalf("no %s after %s", what, waitLimit)
		}
	}
}

// ofType returns the events of a type.
func (l *mcpEventLog) ofType(typ string) []mcpEvent {
	var out []mcpEvent
	for _, e := range l.all() {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// mcpHost is an MCP host driving `codex mcp-server` with the mcp-go client.
type mcpHost struct {
	client    *client.Client
	transport *transport.Stdio
	events    *mcpEventLog
	home      string
	work      string
	stderr    *bytes.Buffer
}

// mcpModelConfig is a config.toml using the fake provider.
func mcpModelConfig(model *fakemodel.Server) string {
	return "model = \"gpt-5\"\n" + model.ConfigTOML()
}

// startMCPHost spawns `codex mcp-server` with a fresh CODEX_HOME holding
// config and a fresh working directory, and starts an mcp-go client on it
// (not initialised yet).
func startMCPHost(t *testing.T, config string, opts ...client.ClientOption) *mcpHost {
	t.Helper()
	return startMCPHostArgs(t, config, nil, opts...)
}

// startMCPHostArgs is startMCPHost with extra command-line arguments after
// mcp-server.
func startMCPHostArgs(t *testing.T, config string, args []string, opts ...client.ClientOption) *mcpHost {
	t.Helper()
	home, work := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(config), 0o600))
	h := &mcpHost{events: newMCPEventLog(), home: home, work: work, stderr: &bytes.Buffer{}}
	var stderrMu sync.Mutex
	tr := transport.NewStdioWithOptions(codexBin, nil, append([]string{"mcp-server"}, args...),
		transport.WithCommandFunc(func(ctx context.Context, command string, _ []string, args []string) (*exec.Cmd, error) {
			cmd := exec.CommandContext(ctx, command, args...)
			cmd.Env = append(filteredEnv(), "CODEX_HOME="+home, "HOME="+home)
			cmd.Dir = work
			cmd.Stderr = writerFunc(func(p []byte) (int, error) {
				stderrMu.Lock()
				defer stderrMu.Unlock()
				return h.stderr.Write(p)
			})
			return cmd, nil
		}))
	h.transport = tr
	h.client = client.NewClient(tr, opts...)
	require.NoError(t, h.client.Start(context.Background()))
	h.client.OnNotification(h.events.add)
	t.Cleanup(func() {
		_ = h.client.Close()
		if t.Failed() {
			stderrMu.Lock()
			t.Logf("mcp-server stderr:\n%s", h.stderr.String())
			stderrMu.Unlock()
		}
	})
	return h
}

// writerFunc adapts a function to io.Writer.
type writerFunc func(p []byte) (int, error)

// Write calls f.
func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// initialize performs the handshake as host "mcp-test" 1.0.
func (h *mcpHost) initialize(t *testing.T) *mcp.InitializeResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	res, err := h.client.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
		ClientInfo: mcp.Implementation{Name: "mcp-test", Version: "1.0"},
	}})
	require.NoError(t, err)
	return res
}

// call calls a tool and waits for its result.
func (h *mcpHost) call(ctx context.Context, name string, args map[string]any) (*mcp.CallToolResult, error) {
	ctx, cancel := context.WithTimeout(ctx, waitLimit)
	defer cancel()
	return h.client.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args}})
}

// text returns the only text of a tool result.
func resultText(t *testing.T, r *mcp.CallToolResult) string {
	t.Helper()
	require.Len(t, r.Content, 1)
	tc, ok := r.Content[0].(mcp.TextContent)
	require.True(t, ok, "content is %T", r.Content[0])
	return tc.Text
}

// sessionOf returns the conversation id announced to request id.
func (h *mcpHost) sessionOf(t *testing.T, requestID string) string {
	t.Helper()
	e := h.events.waitFor(t, "session_configured of "+requestID, func(e mcpEvent) bool {
		return e.RequestID == requestID && e.Type == "session_configured"
	})
	var sc protocol.SessionConfiguredEvent
	require.NoError(t, json.Unmarshal(e.Msg, &sc))
	return sc.SessionID
}

// elicitFunc adapts a function to client.ElicitationHandler.
type elicitFunc func(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error)

// Elicit calls f.
func (f elicitFunc) Elicit(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	return f(ctx, req)
}

// mcpWriteScript writes out.txt in the working directory and prints it.
const mcpWriteScript = "echo hi > out.txt; cat out.txt"

// mcpBash is a model reply asking for `bash -lc script`.
func mcpBash(callID, script string) fakemodel.Reply {
	b, err := json.Marshal(map[string]any{"command": []string{"bash", "-lc", script}})
	if err != nil {
		panic(err)
	}
	return fakemodel.FunctionCall(callID, "shell", string(b))
}

// mcpHello is the model's closing answer.
func mcpHello() fakemodel.Reply { return fakemodel.TextDeltas([]string{"Hello from mock"}) }

// mcpCaptureResult returns the result member of the capture's answer to id.
func mcpCaptureResult(t *testing.T, id int) json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "protocol", "testdata", "reference", "mcpserver-codex-tool.jsonl"))
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var m struct {
			ID     *int            `json:"id"`
			Result json.RawMessage `json:"result"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		if m.ID != nil && *m.ID == id {
			return m.Result
		}
	}
	t.Fatalf("no answer to %d in the capture", id)
	return nil
}

// mcp153Answer returns the result of the answer to request id in the
// capture of the reference mcp-server 0.153.4.
func mcp153Answer(t *testing.T, id int) json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "reference-v2", "mcp-153.transcript.jsonl"))
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var l struct {
			Dir string `json:"dir"`
			Msg struct {
				ID     *int            `json:"id"`
				Method string          `json:"method"`
				Result json.RawMessage `json:"result"`
			} `json:"msg"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &l))
		if l.Dir == "s2c" && l.Msg.Method == "" && l.Msg.ID != nil && *l.Msg.ID == id {
			return l.Msg.Result
		}
	}
	t.Fatalf("no answer to %d in the 0.153.4 capture", id)
	return nil
}

// mcpOurTools returns the tool list of the 0.153.4 capture with what ours
// adds: codex also takes profile and include-plan-tool, and every approval
// policy (0.153.4 narrowed them to on-request and never).
func mcpOurTools(t *testing.T) json.RawMessage {
	t.Helper()
	var res struct {
		Tools []map[string]any `json:"tools"`
	}
	require.NoError(t, json.Unmarshal(mcp153Answer(t, 2), &res))
	props := res.Tools[0]["inputSchema"].(map[string]any)["properties"].(map[string]any)
	props["profile"] = map[string]any{"description": "Configuration profile from config.toml to specify default options.", "type": "string"}
	props["include-plan-tool"] = map[string]any{"description": "Whether to include the plan tool in the conversation.", "type": "boolean"}
	props["approval-policy"] = map[string]any{
		"description": "Approval policy for shell commands generated by the model: `untrusted`, `on-failure`, `on-request`, `never`.",
		"type":        "string",
		"enum":        []string{"untrusted", "on-failure", "on-request", "never"},
	}
	out, err := json.Marshal(res.Tools)
	require.NoError(t, err)
	return out
}

func TestMCPServerHandshake(t *testing.T) {
	h := startMCPHost(t, `model = "gpt-5"`+"\n")
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()

	// Raw requests through the transport show the wire as it is.
	resp, err := h.transport.SendRequest(ctx, transport.JSONRPCRequest{
		JSONRPC: "2.0", ID: mcp.NewRequestId(int64(1)), Method: "initialize",
		Params: map[string]any{"protocolVersion": "2025-06-18", "capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "t", "version": "1"}},
	})
	require.NoError(t, err)
	require.Nil(t, resp.Error)
	var init struct {
		ServerInfo struct {
			UserAgent string `json:"user_agent"`
		} `json:"serverInfo"`
	}
	require.NoError(t, json.Unmarshal(resp.Result, &init))
	assert.Regexp(t, `^codex_cli_go/\S+ \(\S.*; \S+\) \S+ \(t; 1\)$`, init.ServerInfo.UserAgent)
	want := strings.NewReplacer(`"version":"0.45.0"`, `"version":"`+version.Version+`"`,
		`"codex_cli_rs/0.45.0 (Debian 12.0.0; x86_64) xterm (t; 1)"`, fmt.Sprintf("%q", init.ServerInfo.UserAgent)).Replace(string(mcpCaptureResult(t, 1)))
	assert.Equal(t, want, string(resp.Result))

	// The same answer as 0.153.4, whose version and user agent differ.
	want153 := strings.NewReplacer(`"0.153.4"`, fmt.Sprintf("%q", version.Version),
		`"codex_cli_rs/0.153.4 (Debian 12.0.0; x86_64) xterm (test; 0.0.1)"`, fmt.Sprintf("%q", init.ServerInfo.UserAgent)).Replace(string(mcp153Answer(t, 1)))
	assert.JSONEq(t, want153, string(resp.Result))

	resp, err = h.transport.SendRequest(ctx, transport.JSONRPCRequest{JSONRPC: "2.0", ID: mcp.NewRequestId(int64(2)), Method: "tools/list"})
	require.NoError(t, err)
	var tools struct {
		Tools json.RawMessage `json:"tools"`
	}
	require.NoError(t, json.Unmarshal(resp.Result, &tools))
	assert.JSONEq(t, string(mcpOurTools(t)), string(tools.Tools))

	// Nothing but tools is offered: resources and prompts are unknown
	// methods, answered at once (0.153.4 never answers them).
	for i, method := range []string{"resources/list", "resources/templates/list", "prompts/list"} {
		resp, err = h.transport.SendRequest(ctx, transport.JSONRPCRequest{JSONRPC: "2.0", ID: mcp.NewRequestId(int64(10 + i)), Method: method})
		require.NoError(t, err)
		require.NotNil(t, resp.Error, method)
		assert.Equal(t, mcp.METHOD_NOT_FOUND, resp.Error.Code, method)
	}

	resp, err = h.transport.SendRequest(ctx, transport.JSONRPCRequest{JSONRPC: "2.0", ID: mcp.NewRequestId(int64(3)), Method: "initialize", Params: map[string]any{}})
	require.NoError(t, err)
	require.NotNil(t, resp.Error)
	assert.Equal(t, mcp.INVALID_REQUEST, resp.Error.Code)
	assert.Equal(t, "initialize called more than once", resp.Error.Message)
}

func TestMCPServerClientHandshake(t *testing.T) {
	h := startMCPHost(t, `model = "gpt-5"`+"\n")
	res := h.initialize(t)
	assert.Equal(t, "codex-mcp-server", res.ServerInfo.Name)
	assert.Equal(t, "Codex", res.ServerInfo.Title)
	assert.Equal(t, version.Version, res.ServerInfo.Version)
	assert.Equal(t, mcp.LATEST_LEGACY_PROTOCOL_VERSION, res.ProtocolVersion, "the client's version is accepted")
	require.NotNil(t, res.Capabilities.Tools)
	assert.True(t, res.Capabilities.Tools.ListChanged)

	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	list, err := h.client.ListTools(ctx, mcp.ListToolsRequest{})
	require.NoError(t, err)
	var names []string
	for _, tool := range list.Tools {
		names = append(names, tool.Name+"/"+tool.Title)
	}
	assert.Equal(t, []string{"codex/Codex", "codex-reply/Codex Reply"}, names)
	assert.Equal(t, []string{"prompt"}, list.Tools[0].InputSchema.Required)

	r, err := h.call(ctx, "nope", map[string]any{})
	require.NoError(t, err)
	assert.True(t, r.IsError)
	assert.Equal(t, "Unknown tool 'nope'", resultText(t, r))
	r, err = h.call(ctx, "codex", map[string]any{"prompt": "x", "sandbox": "everything"})
	require.NoError(t, err)
	assert.True(t, r.IsError)
	assert.Equal(t, "Failed to parse configuration for Codex tool: unknown variant `everything`, expected one of `read-only`, `workspace-write`, `danger-full-access`", resultText(t, r))
}

func TestMCPServerCodexAndReplyWithElicitation(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script(mcpBash("call1", mcpWriteScript), mcpHello(), fakemodel.TextDeltas([]string{"Second answer"})))
	t.Cleanup(model.Close)
	var mu sync.Mutex
	var asked []mcp.ElicitationRequest
	h := startMCPHost(t, mcpModelConfig(model), client.WithElicitationHandler(elicitFunc(
		func(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
			mu.Lock()
			asked = append(asked, req)
			mu.Unlock()
			return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{}}}, nil
		})))
	h.initialize(t)

	r, err := h.call(context.Background(), "codex", map[string]any{
		"prompt": "write the file", "cwd": h.work, "approval-policy": "untrusted", "sandbox": "workspace-write",
	})
	require.NoError(t, err)
	assert.False(t, r.IsError)
	assert.Equal(t, "Hello from mock", resultText(t, r))
	thread := h.sessionOf(t, h.events.all()[0].RequestID)
	assert.Equal(t, map[string]any{"threadId": thread, "content": "Hello from mock"}, r.StructuredContent)

	content, err := os.ReadFile(filepath.Join(h.work, "out.txt"))
	require.NoError(t, err, "the approved command did not write its file")
	assert.Equal(t, "hi\n", string(content))
	mu.Lock()
	require.Len(t, asked, 1)
	assert.Equal(t, fmt.Sprintf("Allow Codex to run `bash -lc 'echo hi > out.txt; cat out.txt'` in `%s`?", h.work), asked[0].Params.Message)
	mu.Unlock()

	first := h.events.all()
	require.NotEmpty(t, first)
	firstID := first[0].RequestID
	assert.Regexp(t, `^\d+$`, firstID)
	var types []string
	for i, e := range first {
		assert.Equal(t, firstID, e.RequestID, "every event of the call carries its request id")
		assert.Equal(t, thread, e.ThreadID, "every event of the call carries its thread id")
		if i > 0 {
			// As in the reference, the first turn's submission id is the request id.
			assert.Equal(t, firstID, e.ID, "event %s", e.Type)
		}
		types = append(types, e.Type)
	}
	assert.Equal(t, "session_configured", types[0])
	assert.Subset(t, types, []string{"task_started", "exec_approval_request", "exec_command_begin", "exec_command_end", "agent_message", "task_complete"})
	assert.Equal(t, "task_complete", types[len(types)-1], "the result comes after the last event")
	end := h.events.ofType("exec_command_end")
	require.Len(t, end, 1)
	var ended protocol.ExecCommandEndEvent
	require.NoError(t, json.Unmarshal(end[0].Msg, &ended))
	assert.Equal(t, 0, ended.ExitCode)
	assert.Equal(t, "hi\n", ended.Stdout)

	conv := h.sessionOf(t, firstID)
	assert.Equal(t, thread, conv)
	r, err = h.call(context.Background(), "codex-reply", map[string]any{"threadId": thread, "prompt": "and now?"})
	require.NoError(t, err)
	assert.False(t, r.IsError)
	assert.Equal(t, "Second answer", resultText(t, r))
	assert.Equal(t, map[string]any{"threadId": thread, "content": "Second answer"}, r.StructuredContent)
	second := h.events.all()[len(first):]
	require.NotEmpty(t, second)
	for _, e := range second {
		// Submissions so far: the first prompt and the approval answer.
		assert.Equal(t, "2", e.ID, "the reply is the conversation's third submission")
		assert.NotEqual(t, firstID, e.RequestID)
		assert.Equal(t, second[0].RequestID, e.RequestID)
		assert.NotEqual(t, "session_configured", e.Type)
		assert.Equal(t, thread, e.ThreadID)
	}
	reqs := model.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, conv, reqs[2].Header.Get("session_id"))
	assert.Contains(t, reqs[2].Header.Get("User-Agent"), "(mcp-test; 1.0)")
}

func TestMCPServerReferenceDecisionFormat(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script(mcpBash("call1", mcpWriteScript), mcpHello()))
	t.Cleanup(model.Close)
	h := startMCPHost(t, mcpModelConfig(model), client.WithClientCapabilities(mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{}}))
	// A host written for the reference reads the codex_* members and
	// answers with a decision.
	params := make(chan map[string]any, 1)
	h.transport.SetRequestHandler(func(_ context.Context, req transport.JSONRPCRequest) (*transport.JSONRPCResponse, error) {
		if req.Method != "elicitation/create" {
			return nil, fmt.Errorf("unexpected %s", req.Method)
		}
		raw, err := json.Marshal(req.Params)
		if err != nil {
			return nil, err
		}
		var p map[string]any
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, err
		}
		params <- p
		return transport.NewJSONRPCResultResponse(req.ID, json.RawMessage(`{"decision":"approved"}`)), nil
	})
	h.initialize(t)

	r, err := h.call(context.Background(), "codex", map[string]any{
		"prompt": "write the file", "cwd": h.work, "approval-policy": "untrusted", "sandbox": "workspace-write",
	})
	require.NoError(t, err)
	assert.Equal(t, "Hello from mock", resultText(t, r))
	assert.FileExists(t, filepath.Join(h.work, "out.txt"))

	p := <-params
	approval := h.events.ofType("exec_approval_request")
	require.Len(t, approval, 1)
	assert.Equal(t, map[string]any{
		"message":                fmt.Sprintf("Allow Codex to run `bash -lc 'echo hi > out.txt; cat out.txt'` in `%s`?", h.work),
		"requestedSchema":        map[string]any{"type": "object", "properties": map[string]any{}},
		"codex_elicitation":      "exec-approval",
		"codex_mcp_tool_call_id": approval[0].RequestID,
		"codex_event_id":         approval[0].ID,
		"codex_call_id":          "call1",
		"codex_command":          []any{"bash", "-lc", mcpWriteScript},
		"codex_cwd":              h.work,
		"codex_parsed_cmd":       []any{map[string]any{"type": "unknown", "cmd": mcpWriteScript}},
		"threadId":               approval[0].ThreadID,
	}, p)
	assert.Equal(t, h.sessionOf(t, approval[0].RequestID), approval[0].ThreadID)
}

func TestMCPServerHostWithoutElicitationGetsDenial(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script(mcpBash("call1", mcpWriteScript), mcpHello()))
	t.Cleanup(model.Close)
	h := startMCPHost(t, mcpModelConfig(model))
	asked := make(chan struct{}, 1)
	h.transport.SetRequestHandler(func(context.Context, transport.JSONRPCRequest) (*transport.JSONRPCResponse, error) {
		asked <- struct{}{}
		return nil, errors.New("this host cannot answer requests")
	})
	h.initialize(t)

	r, err := h.call(context.Background(), "codex", map[string]any{
		"prompt": "write the file", "cwd": h.work, "approval-policy": "untrusted", "sandbox": "workspace-write",
	})
	require.NoError(t, err)
	assert.Equal(t, "Hello from mock", resultText(t, r))
	assert.NoFileExists(t, filepath.Join(h.work, "out.txt"))
	assert.Empty(t, asked, "the server sent a request the host cannot answer")
	notes := h.events.ofType("background_event")
	require.NotEmpty(t, notes)
	assert.JSONEq(t, `{"type":"background_event","message":"the MCP client does not support elicitation, so the command was denied"}`, string(notes[0].Msg))

	// The model was told the command did not run.
	reqs := model.Requests()
	require.Len(t, reqs, 2)
	assert.Contains(t, string(reqs[1].Body), "rejected")
}

func TestMCPServerConcurrentCalls(t *testing.T) {
	// The model answers A only once B's request arrived, so A finishes only
	// if both calls run at the same time.
	bArrived := make(chan struct{})
	var once sync.Once
	model := fakemodel.Start(func(r fakemodel.Recorded, _ int) fakemodel.Reply {
		if strings.Contains(string(r.Body), "prompt B") {
			once.Do(func() { close(bArrived) })
			return fakemodel.TextDeltas([]string{"answer B"})
		}
		select {
		case <-bArrived:
		case <-time.After(waitLimit):
		}
		return fakemodel.TextDeltas([]string{"answer A"})
	})
	t.Cleanup(model.Close)
	h := startMCPHost(t, mcpModelConfig(model))
	h.initialize(t)

	results := make(map[string]string)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range []string{"A", "B"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := h.call(context.Background(), "codex", map[string]any{"prompt": "prompt " + name, "cwd": h.work})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				results[name] = "error: " + err.Error()
				return
			}
			results[name] = fmt.Sprint(r.IsError, " ", r.Content[0].(mcp.TextContent).Text)
		}()
	}
	wg.Wait()
	assert.Equal(t, map[string]string{"A": "false answer A", "B": "false answer B"}, results)

	// Each call's events carry its own request id and conversation.
	byRequest := map[string][]string{}
	for _, e := range h.events.all() {
		byRequest[e.RequestID] = append(byRequest[e.RequestID], e.Type)
	}
	require.Len(t, byRequest, 2)
	sessions := map[string]bool{}
	for id, types := range byRequest {
		assert.Equal(t, "session_configured", types[0])
		assert.Equal(t, "task_complete", types[len(types)-1])
		sessions[h.sessionOf(t, id)] = true
	}
	assert.Len(t, sessions, 2)
}

// mcpStall is a reply that streams one delta and then never completes.
func mcpStall() fakemodel.Reply {
	r := fakemodel.Turn(fakemodel.OutputTextDelta("partial"))
	r.Events = r.Events[:len(r.Events)-1]
	r.Stall = true
	return r
}

func TestMCPServerCancellation(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script(mcpStall(), mcpHello()))
	t.Cleanup(model.Close)
	h := startMCPHost(t, mcpModelConfig(model))
	h.initialize(t)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := h.call(ctx, "codex", map[string]any{"prompt": "take your time", "cwd": h.work})
		done <- err
	}()
	delta := h.events.waitFor(t, "agent_message_delta", func(e mcpEvent) bool { return e.Type == "agent_message_delta" })
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(waitLimit):
		t.Fatal("the cancelled call did not return")
	}
	// The client sent notifications/cancelled: the turn is interrupted.
	h.events.waitFor(t, "turn_aborted", func(e mcpEvent) bool {
		return e.Type == "turn_aborted" && e.RequestID == delta.RequestID
	})

	// The conversation can go on.
	r, err := h.call(context.Background(), "codex-reply", map[string]any{"conversationId": h.sessionOf(t, delta.RequestID), "prompt": "again"})
	require.NoError(t, err)
	assert.Equal(t, "Hello from mock", resultText(t, r))
}

func TestMCPServerEndOfInputFlushesRollouts(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script(mcpStall()))
	t.Cleanup(model.Close)
	home, work := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(mcpModelConfig(model)), 0o600))
	cmd := exec.Command(codexBin, "mcp-server")
	cmd.Env = append(filteredEnv(), "CODEX_HOME="+home, "HOME="+home)
	cmd.Dir = work
	c, err := rpcclient.Spawn(cmd, rpcclient.Options{JSONRPC: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Kill() })
	x := rpcclient.NewTester(t, c, waitLimit)

	x.SendRaw(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	x.SendRaw(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"codex","arguments":{"prompt":"long"}}}`)
	var rollout string
	for rollout == "" {
		m := x.Next()
		require.NoError(t, m.Invalid, m.Raw)
		var p struct {
			Msg struct {
				Type        string `json:"type"`
				RolloutPath string `json:"rollout_path"`
			} `json:"msg"`
		}
		if len(m.Params) > 0 {
			require.NoError(t, json.Unmarshal(m.Params, &p), m.Raw)
		}
		if p.Msg.Type == "session_configured" {
			rollout = p.Msg.RolloutPath
		}
	}
	require.NotEmpty(t, rollout)
	// Wait for the stalled turn's delta, then end the input.
	for !strings.Contains(x.Next().Raw, `"agent_message_delta"`) {
	}
	require.NoError(t, x.Shutdown(), "mcp-server did not exit cleanly")
	for _, m := range c.Drain() {
		assert.NotContains(t, m.Raw, `"id":2,`, "the interrupted call was answered")
	}
	data, err := os.ReadFile(rollout)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"turn_aborted"`)
	assert.Contains(t, string(data), `"source":"mcp"`)
}

func TestMCPServerCommandLineDefaults(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script(mcpHello(), mcpHello()))
	t.Cleanup(model.Close)
	extra := t.TempDir()
	h := startMCPHostArgs(t, mcpModelConfig(model), []string{"-m", "o3", "-c", `model_reasoning_effort="low"`, "-s", "workspace-write", "--add-dir", extra})
	h.initialize(t)

	_, err := h.call(context.Background(), "codex", map[string]any{"prompt": "first", "cwd": h.work})
	require.NoError(t, err)
	_, err = h.call(context.Background(), "codex", map[string]any{
		"prompt": "second", "cwd": h.work, "model": "o4-mini", "config": map[string]any{"model_reasoning_effort": "high"},
	})
	require.NoError(t, err)

	reqs := model.Requests()
	require.Len(t, reqs, 2)
	type body struct {
		Model     string `json:"model"`
		Reasoning struct {
			Effort string `json:"effort"`
		} `json:"reasoning"`
		Input []struct {
			Content []struct {
				Text string `json:"text"`
			} `json:"content"`
		} `json:"input"`
	}
	var first, second body
	require.NoError(t, json.Unmarshal(reqs[0].Body, &first))
	require.NoError(t, json.Unmarshal(reqs[1].Body, &second))
	assert.Equal(t, "o3", first.Model, "-m sets the default model")
	assert.Equal(t, "low", first.Reasoning.Effort, "-c applies")
	assert.Equal(t, "o4-mini", second.Model, "the call's model wins over -m")
	assert.Equal(t, "high", second.Reasoning.Effort, "the call's config wins over -c")
	require.NotEmpty(t, first.Input)
	assert.Contains(t, first.Input[0].Content[0].Text, "<sandbox_mode>workspace-write</sandbox_mode>", "-s applies")
}

func TestMCPServerProgressNotifications(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script(mcpBash("call1", "echo progress"), mcpHello()))
	t.Cleanup(model.Close)
	h := startMCPHost(t, mcpModelConfig(model))
	var mu sync.Mutex
	var notes []mcp.JSONRPCNotification
	h.client.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == string(mcp.MethodNotificationProgress) {
			mu.Lock()
			notes = append(notes, n)
			mu.Unlock()
		}
	})
	h.initialize(t)

	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	r, err := h.client.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{
		Name:      "codex",
		Arguments: map[string]any{"prompt": "run it", "cwd": h.work, "approval-policy": "never", "sandbox": "workspace-write"},
		Meta:      &mcp.Meta{ProgressToken: "codex-progress-1"},
	}})
	require.NoError(t, err)
	assert.Equal(t, "Hello from mock", resultText(t, r))

	// Every notification precedes the answer, so all are in by now.
	events := h.events.all()
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, notes, len(events), "one progress notification per event")
	var messages []string
	for i, n := range notes {
		raw, err := json.Marshal(n.Params)
		require.NoError(t, err)
		var p struct {
			Token    any     `json:"progressToken"`
			Progress float64 `json:"progress"`
			Message  string  `json:"message"`
		}
		require.NoError(t, json.Unmarshal(raw, &p))
		assert.Equal(t, "codex-progress-1", p.Token)
		assert.Equal(t, float64(i+1), p.Progress, "the counter increases by one")
		assert.NotEmpty(t, p.Message)
		assert.LessOrEqual(t, len([]rune(p.Message)), 80)
		messages = append(messages, p.Message)
	}
	assert.Equal(t, "Session started", messages[0])
	assert.Contains(t, messages, "Running bash -lc 'echo progress'")
	assert.Equal(t, "Turn complete", messages[len(messages)-1])

	// A call without a token gets none.
	before := len(notes)
	mu.Unlock()
	_, err = h.call(context.Background(), "codex-reply", map[string]any{"threadId": h.sessionOf(t, events[0].RequestID), "prompt": "again"})
	mu.Lock()
	require.NoError(t, err)
	assert.Len(t, notes, before)
}
