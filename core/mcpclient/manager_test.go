package mcpclient

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/core/tools"
	"github.com/codex-go/codex/protocol"
)

// weirdTool is the name of the test server's tool needing sanitising.
const weirdTool = "weird.name/with spaces and a very long suffix that goes past sixty four characters"

// weirdQualified is the name the model sees for weirdTool on server "test":
// its first 24 characters, sanitised, and the SHA-1 of the full name.
func weirdQualified() string {
	return "test__weird_name_with_sp" + sha1Hex("test__"+weirdTool)
}

func TestToolsListing(t *testing.T) {
	m := startAll(t, map[string]config.MCPServerConfig{"test": testServer()})

	var names []string
	for _, tool := range m.Tools() {
		names = append(names, tool.QualifiedName)
	}
	assert.Equal(t, []string{
		"test__add", "test__bare", "test__barrier", "test__crash", "test__echo", "test__env",
		"test__fail", "test__image", "test__slow", "test__spawn_child", weirdQualified(),
	}, names)
	assert.Equal(t, []string{"test"}, m.Servers())

	valid := regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	for _, name := range names {
		assert.Regexp(t, valid, name)
	}

	weird, ok := m.Tool(weirdQualified())
	require.True(t, ok)
	assert.Equal(t, "test", weird.Server)
	assert.Equal(t, weirdTool, weird.Name)
	assert.Equal(t, "A tool whose name needs sanitising.", weird.Description)
	assert.Len(t, weird.QualifiedName, 64)

	echo, ok := m.Tool("test__echo")
	require.True(t, ok)
	assert.Equal(t, "echo", echo.Name)
	assert.JSONEq(t, `{
		"type": "function",
		"name": "test__echo",
		"description": "Returns its text argument.",
		"strict": false,
		"parameters": {
			"type": "object",
			"properties": {"text": {"type": "string", "description": "The text to return"}},
			"required": ["text"]
		}
	}`, string(echo.Spec()))
	var def map[string]any
	require.NoError(t, json.Unmarshal(echo.Definition, &def))
	assert.Equal(t, "echo", def["name"])
	assert.Contains(t, def, "inputSchema")

	// A schema without properties gets an empty properties object.
	bare, ok := m.Tool("test__bare")
	require.True(t, ok)
	assert.JSONEq(t, `{"type":"object","properties":{}}`, string(bare.InputSchema))

	_, ok = m.Tool("test__nope")
	assert.False(t, ok)

	ev := m.ListToolsEvent()
	assert.Len(t, ev.Tools, len(names))
	assert.JSONEq(t, string(echo.Definition), string(ev.Tools["test__echo"]))
}

func TestCall(t *testing.T) {
	m := startAll(t, map[string]config.MCPServerConfig{"test": testServer()})

	tests := []struct {
		name   string
		tool   string
		args   string
		result string // JSON, when the call succeeds
		text   string // OutputText of the result
		err    string // substring of the error otherwise
	}{
		{name: "echo", tool: "test__echo", args: `{"text":"hello"}`,
			result: `{"content":[{"type":"text","text":"hello"}]}`, text: "hello"},
		{name: "html characters stay raw", tool: "test__echo", args: `{"text":"<a & b>"}`,
			result: `{"content":[{"type":"text","text":"<a & b>"}]}`, text: "<a & b>"},
		{name: "structured content", tool: "test__add", args: `{"a": 2, "b": 3.5}`,
			result: `{"content":[{"type":"text","text":"5.5"}],"structuredContent":{"sum":5.5}}`, text: "5.5"},
		{name: "error result", tool: "test__fail", args: `{}`,
			result: `{"content":[{"type":"text","text":"something went wrong"}],"isError":true}`, text: "something went wrong"},
		{name: "no arguments", tool: "test__bare", args: "",
			result: `{"content":[{"type":"text","text":"bare"}]}`, text: "bare"},
		{name: "null arguments", tool: "test__bare", args: " null ",
			result: `{"content":[{"type":"text","text":"bare"}]}`, text: "bare"},
		{name: "sanitised name", tool: weirdQualified(), args: `{}`,
			result: `{"content":[{"type":"text","text":"weird"}]}`, text: "weird"},
		{name: "image", tool: "test__image", args: `{}`,
			text: "a tiny image\n[image content (image/png), 92 bytes of base64 data not shown]"},
		{name: "invalid JSON", tool: "test__echo", args: `{"text":`, err: "failed to parse tool call arguments as JSON"},
		{name: "not an object", tool: "test__echo", args: `["hello"]`, err: `tool call arguments must be a JSON object, got ["hello"]`},
		{name: "unknown tool", tool: "test__nope", args: `{}`, err: `unknown MCP tool "test__nope"`},
		{name: "invalid arguments for the server", tool: "test__slow", args: `{"ms":"soon"}`,
			result: `{"content":[{"type":"text","text":"argument \"ms\" cannot be converted to float64"}],"isError":true}`,
			text:   `argument "ms" cannot be converted to float64`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := m.Call(context.Background(), tt.tool, tt.args)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			if tt.result != "" {
				assert.JSONEq(t, tt.result, string(res))
			}
			assert.Equal(t, tt.text, OutputText(res))
			assert.NotContains(t, string(res), `\u003c`)
		})
	}
}

func TestCallTimeout(t *testing.T) {
	cfg := testServer()
	cfg.ToolTimeoutSec = 1
	m := startAll(t, map[string]config.MCPServerConfig{"test": cfg})

	_, err := m.Call(context.Background(), "test__slow", `{"ms": 60000}`)
	require.Error(t, err)
	assert.Equal(t, "tool call to MCP server test timed out after 1s", err.Error())

	// The server is still usable.
	res, err := m.Call(context.Background(), "test__echo", `{"text":"still here"}`)
	require.NoError(t, err)
	assert.Equal(t, "still here", OutputText(res))
}

func TestCallCancelled(t *testing.T) {
	m := startAll(t, map[string]config.MCPServerConfig{"test": testServer()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := m.Call(ctx, "test__slow", `{"ms": 60000}`)
		done <- err
	}()
	cancel()
	err := <-done
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestServerExitsMidCall(t *testing.T) {
	m := startAll(t, map[string]config.MCPServerConfig{"test": testServer()})

	_, err := m.Call(context.Background(), "test__crash", `{}`)
	require.Error(t, err)
	assert.Equal(t, "MCP server test exited during the call (exit status 3); stderr:\nmcptestserver: crashing on purpose", err.Error())

	_, err = m.Call(context.Background(), "test__echo", `{"text":"anyone?"}`)
	require.Error(t, err)
	assert.Equal(t, "MCP server test is not running: it exited (exit status 3); stderr:\nmcptestserver: crashing on purpose", err.Error())
}

func TestStartFailures(t *testing.T) {
	hanging := testServer("-hang-start")
	hanging.StartupTimeoutSec = 1
	m, failures := Start(context.Background(), map[string]config.MCPServerConfig{
		"good":    testServer(),
		"failing": testServer("-fail-start"),
		"hanging": hanging,
		"missing": {Command: "/nonexistent/mcp-server"},
		"empty":   {},
	})
	t.Cleanup(func() { _ = m.Close() })

	require.Len(t, failures, 4)
	got := map[string]string{}
	var order []string
	for _, f := range failures {
		got[f.Server] = f.Error()
		order = append(order, f.Server)
	}
	assert.Equal(t, []string{"empty", "failing", "hanging", "missing"}, order)
	assert.Equal(t, "MCP client for `empty` failed to start: no command configured", got["empty"])
	assert.Equal(t, "MCP client for `failing` failed to start: server exited during start-up (exit status 1); stderr:\nmcptestserver: refusing to start (-fail-start)", got["failing"])
	assert.Equal(t, "MCP client for `hanging` failed to start: server did not start: timed out after 1s; stderr:\nmcptestserver: hanging at start-up (-hang-start)", got["hanging"])
	assert.Contains(t, got["missing"], "MCP client for `missing` failed to start: launch \"/nonexistent/mcp-server\": ")
	assert.Contains(t, got["missing"], "no such file or directory")

	assert.Equal(t, []string{"good"}, m.Servers())
	res, err := m.Call(context.Background(), "good__echo", `{"text":"fine"}`)
	require.NoError(t, err)
	assert.Equal(t, "fine", OutputText(res))
	for _, tool := range m.Tools() {
		assert.Equal(t, "good", tool.Server)
	}
}

func TestServerWithoutTools(t *testing.T) {
	m := startAll(t, map[string]config.MCPServerConfig{"plain": testServer("-no-tools"), "test": testServer()})
	assert.Equal(t, []string{"plain", "test"}, m.Servers())
	for _, tool := range m.Tools() {
		assert.Equal(t, "test", tool.Server)
	}
}

func TestStartCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m, failures := Start(ctx, map[string]config.MCPServerConfig{"test": testServer()})
	t.Cleanup(func() { _ = m.Close() })
	require.Len(t, failures, 1)
	assert.Equal(t, "test", failures[0].Server)
	assert.ErrorIs(t, failures[0], context.Canceled)
	assert.Empty(t, m.Tools())
}

func TestConcurrentCalls(t *testing.T) {
	cfg := testServer()
	cfg.ToolTimeoutSec = 30
	m := startAll(t, map[string]config.MCPServerConfig{"one": cfg, "two": cfg})

	// Each barrier call returns only once all of them are in flight at the
	// same time; calls made one after another would time out instead.
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, 2*n)
	texts := make([]string, 2*n)
	for i := range n {
		wg.Go(func() {
			res, err := m.Call(context.Background(), "one__barrier", `{"key":"k","count":8}`)
			errs[i], texts[i] = err, OutputText(res)
		})
		wg.Go(func() {
			want := fmt.Sprintf("message %d", i)
			res, err := m.Call(context.Background(), "two__echo", fmt.Sprintf(`{"text":%q}`, want))
			errs[n+i], texts[n+i] = err, OutputText(res)
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, "k: 8 calls met", texts[i])
		require.NoError(t, errs[n+i])
		assert.Equal(t, fmt.Sprintf("message %d", i), texts[n+i])
	}
}

func TestEnvironment(t *testing.T) {
	cfg := testServer()
	cfg.Env = map[string]string{"EXTRA_SETTING": "on", "HOME": "/configured/home"}
	m := startAll(t, map[string]config.MCPServerConfig{"test": cfg}, WithEnviron([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=/parent/home",
		"LANG=C.UTF-8",
		"OPENAI_API_KEY=sk-secret",
		"RANDOM_VAR=x",
	}))

	for name, want := range map[string]string{
		"EXTRA_SETTING":  "on",
		"HOME":           "/configured/home",
		"LANG":           "C.UTF-8",
		"PATH":           os.Getenv("PATH"),
		"OPENAI_API_KEY": "",
		"RANDOM_VAR":     "",
	} {
		res, err := m.Call(context.Background(), "test__env", fmt.Sprintf(`{"name":%q}`, name))
		require.NoError(t, err)
		assert.Equal(t, want, OutputText(res), name)
	}
}

// processGone reports whether pid no longer runs (it does not exist, or is
// a zombie waiting for its parent).
func processGone(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// The state follows the command name, which is in parentheses.
	rest := string(data[strings.LastIndexByte(string(data), ')')+1:])
	fields := strings.Fields(rest)
	return len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X")
}

func TestCloseKillsEverything(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("checks processes through /proc")
	}
	m, failures := Start(context.Background(), map[string]config.MCPServerConfig{
		"polite":   testServer(),
		"stubborn": testServer("-linger"),
	})
	require.Empty(t, failures)
	// A stubborn server is killed once the grace period is over.
	m.grace = 100 * time.Millisecond

	res, err := m.Call(context.Background(), "polite__spawn_child", `{}`)
	require.NoError(t, err)
	child, err := strconv.Atoi(OutputText(res))
	require.NoError(t, err)
	require.False(t, processGone(child))

	pids := map[string]int{}
	for name, s := range m.servers {
		pids[name] = s.(*server).proc.cmd.Process.Pid
		require.False(t, processGone(pids[name]), name)
	}

	require.NoError(t, m.Close())
	require.NoError(t, m.Close())

	// Close has waited for the servers themselves.
	for name, pid := range pids {
		assert.True(t, processGone(pid), name)
	}
	assert.Equal(t, "exit status 0", m.servers["polite"].(*server).proc.exitStatus())
	assert.Equal(t, "signal: killed", m.servers["stubborn"].(*server).proc.exitStatus())
	// The child left behind is killed with its server's process group; the
	// kill takes effect asynchronously.
	require.Eventually(t, func() bool { return processGone(child) }, 10*time.Second, 10*time.Millisecond)

	_, err = m.Call(context.Background(), "polite__echo", `{"text":"late"}`)
	require.Error(t, err)
	assert.Equal(t, "MCP server polite was shut down", err.Error())
}

func TestCloseDuringCall(t *testing.T) {
	m, failures := Start(context.Background(), map[string]config.MCPServerConfig{"test": testServer()})
	require.Empty(t, failures)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		close(started)
		_, err := m.Call(ctx, "test__slow", `{"ms": 60000}`)
		done <- err
	}()
	<-started
	require.NoError(t, m.Close())
	err := <-done
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MCP server test was shut down")
}

func TestNilManager(t *testing.T) {
	var m *Manager
	assert.Empty(t, m.Tools())
	assert.Empty(t, m.Servers())
	assert.NoError(t, m.Close())
	_, err := m.Call(context.Background(), "a__b", "{}")
	assert.Error(t, err)
}

func TestHandlerEvents(t *testing.T) {
	cfg := testServer()
	cfg.ToolTimeoutSec = 1
	m := startAll(t, map[string]config.MCPServerConfig{"test": cfg})

	var mu sync.Mutex
	var events []protocol.EventMsg
	turn := &tools.Turn{Emit: func(ev protocol.EventMsg) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, ev)
	}}
	take := func() []protocol.EventMsg {
		mu.Lock()
		defer mu.Unlock()
		out := events
		events = nil
		return out
	}
	encode := func(ev protocol.EventMsg) map[string]any {
		data, err := protocol.EncodeEventMsg(ev)
		require.NoError(t, err)
		var v map[string]any
		require.NoError(t, json.Unmarshal(data, &v))
		return v
	}
	h := m.Handler()

	tests := []struct {
		name    string
		call    tools.Call
		output  string
		err     string
		begin   string // JSON of the begin event; "" when no events are expected
		result  string // JSON of the end event's result
		invoker string // JSON of the invocation
	}{
		{
			name:    "success",
			call:    tools.Call{Name: "test__echo", CallID: "call-1", Arguments: `{"text": "hi"}`},
			output:  "hi",
			invoker: `{"server":"test","tool":"echo","arguments":{"text":"hi"}}`,
			result:  `{"Ok":{"content":[{"type":"text","text":"hi"}]}}`,
		},
		{
			name:    "no arguments",
			call:    tools.Call{Name: "test__bare", CallID: "call-2"},
			output:  "bare",
			invoker: `{"server":"test","tool":"bare"}`,
			result:  `{"Ok":{"content":[{"type":"text","text":"bare"}]}}`,
		},
		{
			name:    "error result",
			call:    tools.Call{Name: "test__fail", CallID: "call-3", Arguments: `{}`},
			output:  "something went wrong",
			invoker: `{"server":"test","tool":"fail","arguments":{}}`,
			result:  `{"Ok":{"content":[{"type":"text","text":"something went wrong"}],"isError":true}}`,
		},
		{
			name:    "timeout",
			call:    tools.Call{Name: "test__slow", CallID: "call-4", Arguments: `{"ms":60000}`},
			err:     "tool call to MCP server test timed out after 1s",
			invoker: `{"server":"test","tool":"slow","arguments":{"ms":60000}}`,
			result:  `{"Err":"tool call to MCP server test timed out after 1s"}`,
		},
		{
			name: "invalid arguments",
			call: tools.Call{Name: "test__echo", CallID: "call-5", Arguments: `{"text"`},
			err:  "failed to parse tool call arguments as JSON",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := h.HandleOutput(context.Background(), turn, tt.call)
			evs := take()
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
			} else {
				require.NoError(t, err)
				require.Len(t, out.Content, 2)
				assert.Regexp(t, `^Wall time: \d+\.\d{4} seconds\nOutput:$`, out.Content[0].Text)
				assert.Equal(t, protocol.ContentItem{Type: protocol.ContentInputText, Text: tt.output}, out.Content[1])
			}
			if tt.invoker == "" {
				assert.Empty(t, evs)
				return
			}
			require.Len(t, evs, 2)
			begin, end := encode(evs[0]), encode(evs[1])
			assert.Equal(t, "mcp_tool_call_begin", begin["type"])
			assert.Equal(t, tt.call.CallID, begin["call_id"])
			inv, _ := json.Marshal(begin["invocation"])
			assert.JSONEq(t, tt.invoker, string(inv))

			assert.Equal(t, "mcp_tool_call_end", end["type"])
			assert.Equal(t, tt.call.CallID, end["call_id"])
			inv, _ = json.Marshal(end["invocation"])
			assert.JSONEq(t, tt.invoker, string(inv))
			result, _ := json.Marshal(end["result"])
			assert.JSONEq(t, tt.result, string(result))
			dur, ok := end["duration"].(map[string]any)
			require.True(t, ok)
			assert.Contains(t, dur, "secs")
			assert.Contains(t, dur, "nanos")
		})
	}
}

func TestRegisterWithRouter(t *testing.T) {
	m := startAll(t, map[string]config.MCPServerConfig{"test": testServer()})
	r := tools.NewRouter()
	m.Register(r)

	assert.Len(t, r.Specs(), len(m.Tools()))
	assert.Contains(t, r.Names(), "test__echo")
	assert.Contains(t, r.Names(), weirdQualified())

	var emitted []string
	turn := &tools.Turn{Emit: func(ev protocol.EventMsg) { emitted = append(emitted, ev.EventType()) }}
	out, err := r.Dispatch(context.Background(), turn, protocol.ResponseItem{
		Type: protocol.ItemFunctionCall, Name: "test__echo", CallID: "c1", Arguments: `{"text":"routed"}`,
	})
	require.NoError(t, err)
	assert.Equal(t, protocol.ItemFunctionCallOutput, out.Type)
	assert.Equal(t, "c1", out.CallID)
	require.Len(t, out.OutputContent, 2)
	assert.Equal(t, "routed", out.OutputContent[1].Text)
	assert.Equal(t, []string{"mcp_tool_call_begin", "mcp_tool_call_end"}, emitted)

	// A failed call is reported to the model as the output.
	out, err = r.Dispatch(context.Background(), turn, protocol.ResponseItem{
		Type: protocol.ItemFunctionCall, Name: "test__crash", CallID: "c2", Arguments: `{}`,
	})
	require.NoError(t, err)
	assert.Contains(t, out.Output, "MCP server test exited during the call (exit status 3)")
}

// TestProcessGoneHelper checks the helper the process tests rely on.
func TestProcessGoneHelper(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	assert.False(t, processGone(os.Getpid()))
	assert.True(t, processGone(1<<30))
}
