// Command mcptestserver is a small MCP server speaking over stdio, used by
// tests of the MCP client. Its tools:
//
//   - echo: returns its "text" argument;
//   - add: returns a+b;
//   - slow: sleeps "ms" milliseconds, returning early when the call is cancelled;
//   - crash: writes a line to stderr, then exits with status 3 in the middle of the call;
//   - fail: returns a result flagged isError;
//   - image: returns a text item and a small PNG image item;
//   - env: returns the value of the environment variable "name";
//   - spawn_child: starts an idle child process and returns its pid;
//   - barrier: waits until "count" calls with the same "key" are in flight;
//   - bare: has an input schema without properties;
//   - ask: asks the user's name with an elicitation and greets them; it is
//     listed only to clients that declare the elicitation capability; with
//     MCPTEST_ASK_LOG set, it appends how each question ended to that file;
//   - a tool with a long name full of characters that are not allowed in
//     model-facing tool names.
//
// Flags make it misbehave: -fail-start exits at once with an error on
// stderr, -hang-start never answers initialize, -linger keeps running (and
// ignores SIGTERM) after its stdin closes, -no-tools serves no tools
// capability at all.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// weirdToolName is the name of the tool exercising name sanitising.
const weirdToolName = "weird.name/with spaces and a very long suffix that goes past sixty four characters"

// tinyPNG is a 1x1 transparent PNG, base64-encoded.
const tinyPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="

func main() {
	failStart := flag.Bool("fail-start", false, "exit at once with an error")
	hangStart := flag.Bool("hang-start", false, "never answer initialize")
	idle := flag.Bool("idle", false, "do nothing until killed (used as a child process)")
	linger := flag.Bool("linger", false, "keep running after stdin closes, until killed")
	noTools := flag.Bool("no-tools", false, "offer no tools capability at all")
	flag.Parse()

	switch {
	case *failStart:
		fmt.Fprintln(os.Stderr, "mcptestserver: refusing to start (-fail-start)")
		os.Exit(1)
	case *hangStart:
		fmt.Fprintln(os.Stderr, "mcptestserver: hanging at start-up (-hang-start)")
		sleepForever()
	case *idle:
		sleepForever()
	}

	srv := newServer()
	if *noTools {
		srv = server.NewMCPServer("mcptestserver", "1.0.0")
	}
	if err := server.ServeStdio(srv, server.WithWorkerPoolSize(32)); err != nil {
		fmt.Fprintln(os.Stderr, "mcptestserver:", err)
		os.Exit(1)
	}
	if *linger {
		fmt.Fprintln(os.Stderr, "mcptestserver: stdin closed, lingering (-linger)")
		signal.Ignore(syscall.SIGTERM)
		sleepForever()
	}
}

// sleepForever blocks until the process is killed. (An empty select would
// make the runtime report a deadlock.)
func sleepForever() {
	for {
		time.Sleep(time.Hour)
	}
}

// newServer builds the MCP server with every test tool.
func newServer() *server.MCPServer {
	s := server.NewMCPServer("mcptestserver", "1.0.0", server.WithToolCapabilities(false), server.WithToolFilter(hideAsk))
	b := &barriers{waiting: map[string]*barrier{}}

	s.AddTool(mcp.NewTool("echo",
		mcp.WithDescription("Returns its text argument."),
		mcp.WithString("text", mcp.Required(), mcp.Description("The text to return")),
	), echo)
	s.AddTool(mcp.NewTool("add",
		mcp.WithDescription("Adds two numbers."),
		mcp.WithNumber("a", mcp.Required()),
		mcp.WithNumber("b", mcp.Required()),
	), add)
	s.AddTool(mcp.NewTool("slow",
		mcp.WithDescription("Sleeps for ms milliseconds."),
		mcp.WithNumber("ms", mcp.Required()),
	), slow)
	s.AddTool(mcp.NewTool("crash",
		mcp.WithDescription("Exits the server in the middle of the call."),
	), crash)
	s.AddTool(mcp.NewTool("fail",
		mcp.WithDescription("Returns an error result."),
	), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultError("something went wrong"), nil
	})
	s.AddTool(mcp.NewTool("image",
		mcp.WithDescription("Returns a caption and a tiny image."),
	), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultImage("a tiny image", tinyPNG, "image/png"), nil
	})
	s.AddTool(mcp.NewTool("env",
		mcp.WithDescription("Returns the value of an environment variable."),
		mcp.WithString("name", mcp.Required()),
	), env)
	s.AddTool(mcp.NewTool("spawn_child",
		mcp.WithDescription("Starts an idle child process and returns its pid."),
	), spawnChild)
	s.AddTool(mcp.NewTool("barrier",
		mcp.WithDescription("Waits until count calls with the same key are in flight."),
		mcp.WithString("key", mcp.Required()),
		mcp.WithNumber("count", mcp.Required()),
	), b.wait)
	s.AddTool(mcp.NewToolWithRawSchema("bare", "Takes no arguments; its schema has no properties.",
		json.RawMessage(`{"type":"object"}`),
	), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText("bare"), nil
	})
	s.AddTool(mcp.NewTool("ask",
		mcp.WithDescription("Asks the user's name, then greets them."),
	), func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return ask(ctx, s)
	})
	s.AddTool(mcp.NewTool(weirdToolName,
		mcp.WithDescription("A tool whose name needs sanitising."),
	), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText("weird"), nil
	})
	return s
}

// echo returns the text argument.
func echo(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	text, err := req.RequireString("text")
	if err != nil {
		return mcp.NewToolResultError(err.Error()), nil
	}
	return mcp.NewToolResultText(text), nil
}

// add returns a+b as text, and as structured content.
func add(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	a, errA := req.RequireFloat("a")
	b, errB := req.RequireFloat("b")
	if errA != nil || errB != nil {
		return mcp.NewToolResultError("a and b must be numbers"), nil
	}
	sum := a + b
	return mcp.NewToolResultStructured(map[string]float64{"sum": sum}, strconv.FormatFloat(sum, 'f', -1, 64)), nil
}

// slow sleeps, returning early with an error when the call is cancelled.
func slow(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	ms, err := req.RequireFloat("ms")
	if err != nil {
		return mcp.NewToolResultError(err.Error()), nil
	}
	timer := time.NewTimer(time.Duration(ms * float64(time.Millisecond)))
	defer timer.Stop()
	select {
	case <-timer.C:
		return mcp.NewToolResultText(fmt.Sprintf("slept %g ms", ms)), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("slow: %w", ctx.Err())
	}
}

// crash ends the process in the middle of the call.
func crash(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	fmt.Fprintln(os.Stderr, "mcptestserver: crashing on purpose")
	os.Exit(3)
	return nil, nil
}

// env returns the value of an environment variable ("" when unset).
func env(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	name, err := req.RequireString("name")
	if err != nil {
		return mcp.NewToolResultError(err.Error()), nil
	}
	return mcp.NewToolResultText(os.Getenv(name)), nil
}

// spawnChild starts this program again with -idle and returns the child's
// pid. The child is left running: whoever stops the server must stop it too.
func spawnChild(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable: %w", err)
	}
	cmd := exec.Command(self, "-idle")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start child: %w", err)
	}
	pid := cmd.Process.Pid
	// Reap the child whenever it ends, so it does not linger as a zombie.
	go func() { _ = cmd.Wait() }()
	return mcp.NewToolResultText(strconv.Itoa(pid)), nil
}

// barriers holds the barrier calls waiting for their peers.
type barriers struct {
	mu      sync.Mutex
	waiting map[string]*barrier
}

// barrier is one group of calls sharing a key.
type barrier struct {
	arrived int
	open    chan struct{}
}

// wait blocks until count calls with the same key have arrived, or the call
// is cancelled.
func (b *barriers) wait(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	key, errKey := req.RequireString("key")
	count, errCount := req.RequireInt("count")
	if errKey != nil || errCount != nil {
		return mcp.NewToolResultError("key and count are required"), nil
	}
	b.mu.Lock()
	w, ok := b.waiting[key]
	if !ok {
		w = &barrier{open: make(chan struct{})}
		b.waiting[key] = w
	}
	w.arrived++
	if w.arrived == count {
		close(w.open)
		delete(b.waiting, key)
	}
	b.mu.Unlock()
	select {
	case <-w.open:
		return mcp.NewToolResultText(fmt.Sprintf("%s: %d calls met", key, count)), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("barrier %s: %w", key, ctx.Err())
	}
}

// askSchema is the form of the ask tool's elicitation.
const askSchema = `{"type":"object","properties":{"name":{"type":"string","title":"Name","description":"Your name"}},"required":["name"]}`

// ask asks the user's name and greets them, or says how the question ended.
func ask(ctx context.Context, s *server.MCPServer) (*mcp.CallToolResult, error) {
	res, err := s.RequestElicitation(ctx, mcp.ElicitationRequest{Params: mcp.ElicitationParams{
		Message:         "What is your name?",
		RequestedSchema: json.RawMessage(askSchema),
	}})
	if err != nil {
		logAsk("error")
		return nil, fmt.Errorf("ask: %w", err)
	}
	logAsk(string(res.Action))
	switch res.Action {
	case mcp.ElicitationResponseActionAccept:
		content, _ := res.Content.(map[string]any)
		name, _ := content["name"].(string)
		return mcp.NewToolResultText("hello " + name), nil
	case mcp.ElicitationResponseActionDecline:
		return mcp.NewToolResultText("the user declined to answer"), nil
	default:
		return mcp.NewToolResultText("the user cancelled the question"), nil
	}
}

// hideAsk leaves the ask tool out of the list for clients that cannot
// answer elicitations.
func hideAsk(ctx context.Context, tools []mcp.Tool) []mcp.Tool {
	if session, ok := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo); ok &&
		session.GetClientCapabilities().Elicitation != nil {
		return tools
	}
	out := tools[:0:0]
	for _, t := range tools {
		if t.Name != "ask" {
			out = append(out, t)
		}
	}
	return out
}

// logAsk appends how a question ended to the file named by MCPTEST_ASK_LOG.
func logAsk(outcome string) {
	path := os.Getenv("MCPTEST_ASK_LOG")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	_, _ = fmt.Fprintln(f, outcome)
	_ = f.Close()
}
