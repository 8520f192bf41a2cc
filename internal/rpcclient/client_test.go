package rpcclient_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/appserver"
	"github.com/codex-go/codex/internal/rpcclient"
	"github.com/codex-go/codex/protocol"
)

// waitLimit bounds every wait of these tests; it is not a speed requirement.
const waitLimit = 30 * time.Second

// echoServer is a small line-delimited JSON-RPC server for the tests. Its
// requests:
//   - echo: answers with its params.
//   - lines: writes each string of params.lines as a line, then answers.
//   - hold: answered, in reverse order, on the notification "release".
//   - ask: sends the server request "approve" with id "s1" and answers
//     with the result of the client's reply, or its error's message.
//   - flood: writes params.n notifications with params.size bytes of
//     padding each, then answers.
//
// It records every line it reads.
type echoServer struct {
	mu       sync.Mutex
	received []string
	// end is what Run returns once its input ended.
	end error
}

// request is a message read by echoServer.
type request struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// Run serves in and out until in ends.
func (s *echoServer) Run(_ context.Context, in io.Reader, out io.Writer) error {
	w := bufio.NewWriter(out)
	write := func(line string) {
		_, _ = w.WriteString(line + "\n")
		_ = w.Flush()
	}
	answer := func(id json.RawMessage, result any) {
		b, _ := json.Marshal(map[string]any{"id": id, "result": result})
		write(string(b))
	}
	var held []request
	var asking *request
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		s.mu.Lock()
		s.received = append(s.received, sc.Text())
		s.mu.Unlock()
		var r request
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			write(`{"error":{"code":-32700,"message":"Parse error"},"id":null}`)
			continue
		}
		switch r.Method {
		case "echo":
			answer(r.ID, r.Params)
		case "lines":
			var p struct{ Lines []string }
			_ = json.Unmarshal(r.Params, &p)
			for _, l := range p.Lines {
				write(l)
			}
			answer(r.ID, "written")
		case "hold":
			held = append(held, r)
		case "release":
			for i := len(held) - 1; i >= 0; i-- {
				answer(held[i].ID, held[i].Params)
			}
			held = nil
		case "ask":
			asking = &r
			write(`{"id":"s1","method":"approve","params":{"what":"this"}}`)
		case "flood":
			var p struct{ N, Size int }
			_ = json.Unmarshal(r.Params, &p)
			for i := range p.N {
				write(fmt.Sprintf(`{"method":"note","params":{"i":%d,"pad":%q}}`, i, strings.Repeat("x", p.Size)))
			}
			answer(r.ID, "flooded")
		case "":
			if asking != nil && string(r.ID) == `"s1"` {
				if r.Error != nil {
					answer(asking.ID, r.Error.Message)
				} else {
					answer(asking.ID, r.Result)
				}
				asking = nil
			}
		}
	}
	return s.end
}

// lines returns the lines the server read.
func (s *echoServer) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.received...)
}

// serve runs an echoServer in this process and returns a client on it,
// shut down at the end of the test.
func serve(t *testing.T, opts rpcclient.Options) (*rpcclient.Client, *echoServer) {
	t.Helper()
	srv := &echoServer{}
	c := rpcclient.Serve(context.Background(), srv.Run, opts)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		assert.NoError(t, c.Shutdown(ctx))
	})
	return c, srv
}

// bounded returns a context that ends after waitLimit.
func bounded(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

// writeLines makes the server write lines and waits until it did.
func writeLines(t *testing.T, c *rpcclient.Client, lines ...string) {
	t.Helper()
	require.NoError(t, c.Call(bounded(t), "lines", map[string]any{"lines": lines}, nil))
}

func TestCallRoutesResponsesByID(t *testing.T) {
	c, srv := serve(t, rpcclient.Options{})
	ctx := bounded(t)
	const n = 4
	results := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var got struct{ K int }
			assert.NoError(t, c.Call(ctx, "hold", map[string]any{"k": i}, &got))
			results[i] = got.K
		})
	}
	// The server answers the held requests in reverse order once all came.
	require.Eventually(t, func() bool {
		held := 0
		for _, l := range srv.lines() {
			held += strings.Count(l, `"method":"hold"`)
		}
		return held == n
	}, waitLimit, time.Millisecond)
	require.NoError(t, c.Notify("release", nil))
	wg.Wait()
	assert.Equal(t, []int{0, 1, 2, 3}, results)
	assert.Empty(t, c.Unconsumed(), "routed responses do not reach the inbox")
}

func TestRequestReturnsWholeResponses(t *testing.T) {
	c, _ := serve(t, rpcclient.Options{})
	require.NoError(t, c.SendRaw(`{"id":7,"method":"echo"}`))
	m, err := c.Request(bounded(t), "echo", map[string]any{"a": 1})
	require.NoError(t, err)
	assert.Equal(t, `{"id":1,"result":{"a":1}}`, m.Raw)
	assert.JSONEq(t, `{"a":1}`, string(m.Result))

	// The response to a request written raw goes to the inbox.
	resp, err := c.Response(bounded(t), 7)
	require.NoError(t, err)
	assert.Equal(t, `{"id":7,"result":null}`, resp.Raw)
	assert.True(t, resp.IsResponse())

	// So does one to a request made with Send.
	id, err := c.Send("echo", "x")
	require.NoError(t, err)
	assert.Equal(t, 2, id)
	resp, err = c.Response(bounded(t), id)
	require.NoError(t, err)
	assert.Equal(t, `{"id":2,"result":"x"}`, resp.Raw)

	// An error response: Request returns it, Call returns its error.
	require.NoError(t, c.SendRaw(`not json`))
	m, err = c.Next(bounded(t))
	require.NoError(t, err)
	require.NotNil(t, m.Error)
	assert.Equal(t, int64(-32700), m.Error.Code)
	assert.Equal(t, "rpc error -32700: Parse error", m.Error.Error())
}

func TestServerRequestsAreAnswered(t *testing.T) {
	tests := []struct {
		name  string
		reply func(c *rpcclient.Client, id json.RawMessage) error
		want  string
	}{
		{
			name: "result",
			reply: func(c *rpcclient.Client, id json.RawMessage) error {
				return c.Reply(id, map[string]string{"decision": "approved"})
			},
			want: `{"decision":"approved"}`,
		},
		{
			name:  "error",
			reply: func(c *rpcclient.Client, id json.RawMessage) error { return c.ReplyError(id, -1, "no") },
			want:  `"no"`,
		},
		{
			name:  "null result",
			reply: func(c *rpcclient.Client, id json.RawMessage) error { return c.Reply(id, nil) },
			want:  `null`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := serve(t, rpcclient.Options{})
			ctx := bounded(t)
			answer := make(chan rpcclient.Message, 1)
			go func() {
				m, err := c.Request(ctx, "ask", nil)
				assert.NoError(t, err)
				answer <- m
			}()
			req, err := c.Take(ctx, rpcclient.Message.IsRequest)
			require.NoError(t, err)
			assert.Equal(t, `{"id":"s1","method":"approve","params":{"what":"this"}}`, req.Raw)
			assert.Equal(t, "approve", req.Method)
			assert.JSONEq(t, `{"what":"this"}`, string(req.Params))
			require.NoError(t, tt.reply(c, req.ID))
			m := <-answer
			assert.Equal(t, tt.want, string(m.Result), m.Raw)
			got := srv.lines()
			assert.Contains(t, got[len(got)-1], `"id":"s1"`)
		})
	}
}

func TestWrittenMessages(t *testing.T) {
	tests := []struct {
		name string
		opts rpcclient.Options
		want []string
	}{
		{
			name: "app-server",
			want: []string{
				`{"id":1,"method":"echo","params":{"html":"<a&b>"}}`,
				`{"method":"initialized"}`,
				`{"method":"note","params":[1]}`,
				`{"id":2,"method":"echo"}`,
				`{"id":"s1","result":{"ok":true}}`,
				`{"id":3,"error":{"code":-32601,"message":"nope"}}`,
				`{"raw" : true}`,
			},
		},
		{
			name: "MCP",
			opts: rpcclient.Options{JSONRPC: true},
			want: []string{
				`{"jsonrpc":"2.0","id":1,"method":"echo","params":{"html":"<a&b>"}}`,
				`{"jsonrpc":"2.0","method":"initialized"}`,
				`{"jsonrpc":"2.0","method":"note","params":[1]}`,
				`{"jsonrpc":"2.0","id":2,"method":"echo"}`,
				`{"jsonrpc":"2.0","id":"s1","result":{"ok":true}}`,
				`{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"nope"}}`,
				`{"raw" : true}`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := serve(t, tt.opts)
			require.NoError(t, c.Call(bounded(t), "echo", map[string]string{"html": "<a&b>"}, nil))
			require.NoError(t, c.Notify("initialized", nil))
			require.NoError(t, c.Notify("note", []int{1}))
			_, err := c.Send("echo", nil)
			require.NoError(t, err)
			require.NoError(t, c.Reply(json.RawMessage(`"s1"`), map[string]bool{"ok": true}))
			require.NoError(t, c.ReplyError(json.RawMessage(`3`), -32601, "nope"))
			require.NoError(t, c.SendRaw(`{"raw" : true}`))
			assert.Error(t, c.SendRaw("two\nlines"))
			require.NoError(t, c.Shutdown(bounded(t)))
			assert.Equal(t, tt.want, srv.lines())
		})
	}
}

func TestInboxKeepsOrderAndRawLines(t *testing.T) {
	c, _ := serve(t, rpcclient.Options{})
	lines := []string{
		`{"method":"a","params":{"s":"\u003c"}}`,
		`{ "method" : "b" }`,
		`{"id":0,"method":"c","params":{}}`,
		`not json`,
		`{"method":"d"}`,
	}
	writeLines(t, c, lines...)
	assert.Equal(t, lines, raws(c.Unconsumed()))
	assert.Empty(t, c.Skipped(), "nothing was passed over yet")

	// Take passes over what does not match and leaves it in order.
	ctx := bounded(t)
	m, err := c.Take(ctx, func(m rpcclient.Message) bool { return m.Method == "c" })
	require.NoError(t, err)
	assert.Equal(t, lines[2], m.Raw)
	assert.True(t, m.IsRequest())
	assert.Equal(t, `0`, string(m.ID))
	assert.Equal(t, []string{lines[0], lines[1]}, raws(c.Skipped()))
	assert.Equal(t, []string{lines[0], lines[1], lines[3], lines[4]}, raws(c.Unconsumed()))

	m, err = c.Next(ctx)
	require.NoError(t, err)
	assert.Equal(t, lines[0], m.Raw)
	assert.True(t, m.IsNotification())
	assert.JSONEq(t, `{"s":"<"}`, string(m.Params))

	m, err = c.Take(ctx, func(m rpcclient.Message) bool { return m.Invalid != nil })
	require.NoError(t, err)
	assert.Equal(t, "not json", m.Raw)
	assert.Empty(t, m.Method)
	assert.Equal(t, []string{lines[1]}, raws(c.Skipped()))

	assert.Equal(t, []string{lines[1], lines[4]}, raws(c.Drain()))
	assert.Empty(t, c.Unconsumed())
	assert.Empty(t, c.Skipped())
}

// raws returns the Raw of each message.
func raws(ms []rpcclient.Message) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Raw)
	}
	return out
}

func TestConcurrentTakes(t *testing.T) {
	c, _ := serve(t, rpcclient.Options{})
	ctx := bounded(t)
	const n = 8
	got := make(chan string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			method := fmt.Sprint("m", i)
			m, err := c.Take(ctx, func(m rpcclient.Message) bool { return m.Method == method })
			assert.NoError(t, err)
			got <- m.Method
		})
	}
	var lines []string
	for i := n - 1; i >= 0; i-- {
		lines = append(lines, fmt.Sprintf(`{"method":"m%d"}`, i), `{"method":"other"}`)
	}
	writeLines(t, c, lines...)
	wg.Wait()
	close(got)
	var methods []string
	for m := range got {
		methods = append(methods, m)
	}
	assert.ElementsMatch(t, []string{"m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"}, methods)
	assert.Len(t, c.Unconsumed(), n)
}

func TestWaitEndsWithContextAndReportsTheInbox(t *testing.T) {
	c, _ := serve(t, rpcclient.Options{})
	writeLines(t, c, `{"method":"a"}`)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := c.Take(ctx, func(m rpcclient.Message) bool { return m.Method == "b" })
	var werr *rpcclient.WaitError
	require.ErrorAs(t, err, &werr)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, []string{`{"method":"a"}`}, raws(werr.Unconsumed))
	assert.Equal(t, `context deadline exceeded; unconsumed: ["{\"method\":\"a\"}"]`, err.Error())
	assert.Len(t, c.Unconsumed(), 1, "a failed wait takes nothing")
}

func TestWaitErrorShowsTheFirstLines(t *testing.T) {
	var ms []rpcclient.Message
	for i := range 12 {
		ms = append(ms, rpcclient.Message{Raw: fmt.Sprint(i)})
	}
	err := &rpcclient.WaitError{Err: rpcclient.ErrOutputEnded, Unconsumed: ms}
	assert.Equal(t, `the server's output ended; unconsumed: ["0" "1" "2" "3" "4" "5" "6" "7" "8" "9"] and 2 more`, err.Error())
}

func TestOutputEnd(t *testing.T) {
	srv := &echoServer{end: errors.New("stopped badly")}
	c := rpcclient.Serve(context.Background(), srv.Run, rpcclient.Options{})
	writeLines(t, c, `{"method":"left"}`)
	ctx := bounded(t)
	require.NoError(t, c.CloseInput())
	require.NoError(t, c.CloseInput(), "closing twice is harmless")
	assert.ErrorIs(t, c.Notify("late", nil), os.ErrClosed)

	_, err := c.Take(ctx, func(m rpcclient.Message) bool { return m.Method == "never" })
	assert.ErrorIs(t, err, rpcclient.ErrOutputEnded)
	_, err = c.Request(ctx, "echo", nil)
	assert.ErrorIs(t, err, rpcclient.ErrOutputEnded)
	m, err := c.Next(ctx)
	require.NoError(t, err, "what arrived before the end can still be taken")
	assert.Equal(t, "left", m.Method)

	assert.EqualError(t, c.Shutdown(ctx), "stopped badly")
	assert.EqualError(t, c.Shutdown(ctx), "stopped badly", "Shutdown can be called again")
	assert.ErrorIs(t, c.Failure(), rpcclient.ErrOutputEnded)
}

func TestPendingCallFailsWhenTheOutputEnds(t *testing.T) {
	srv := &echoServer{}
	c := rpcclient.Serve(context.Background(), srv.Run, rpcclient.Options{})
	ctx := bounded(t)
	done := make(chan error, 1)
	go func() { done <- c.Call(ctx, "hold", nil, nil) }()
	require.Eventually(t, func() bool { return len(srv.lines()) == 1 }, waitLimit, time.Millisecond)
	require.NoError(t, c.Shutdown(ctx))
	assert.ErrorIs(t, <-done, rpcclient.ErrOutputEnded)
}

func TestAbandonedCallsResponseIsDropped(t *testing.T) {
	c, srv := serve(t, rpcclient.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Call(ctx, "hold", nil, nil) }()
	require.Eventually(t, func() bool { return len(srv.lines()) == 1 }, waitLimit, time.Millisecond)
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)

	require.NoError(t, c.Notify("release", nil))
	// The echo is answered after the released request.
	require.NoError(t, c.Call(bounded(t), "echo", nil, nil))
	assert.Empty(t, c.Unconsumed(), "the late response was dropped")
}

func TestBacklogBound(t *testing.T) {
	c, _ := serve(t, rpcclient.Options{MaxBacklog: 2000})
	ctx := bounded(t)
	// Nobody takes the notifications: the client fails instead of holding
	// them all, and the server can still write everything.
	_, err := c.Send("flood", map[string]int{"n": 100, "size": 100})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return c.Failure() != nil }, waitLimit, time.Millisecond)
	assert.ErrorIs(t, c.Failure(), rpcclient.ErrBacklogFull)
	assert.LessOrEqual(t, len(strings.Join(raws(c.Unconsumed()), "")), 2000)

	_, err = c.Next(ctx)
	assert.ErrorIs(t, err, rpcclient.ErrBacklogFull)
	assert.ErrorIs(t, c.Call(ctx, "echo", nil, nil), rpcclient.ErrBacklogFull)
	require.NoError(t, c.Shutdown(ctx), "the server ran to its end")
}

func TestBacklogWithinBound(t *testing.T) {
	c, _ := serve(t, rpcclient.Options{MaxBacklog: 20000})
	ctx := bounded(t)
	id, err := c.Send("flood", map[string]int{"n": 100, "size": 100})
	require.NoError(t, err)
	// Taking messages makes room for more.
	for i := range 100 {
		m, err := c.Next(ctx)
		require.NoError(t, err)
		assert.Contains(t, m.Raw, fmt.Sprintf(`"i":%d,`, i))
	}
	_, err = c.Response(ctx, id)
	require.NoError(t, err)
	assert.NoError(t, c.Failure())
}

func TestLineBound(t *testing.T) {
	c, _ := serve(t, rpcclient.Options{MaxLine: 1000})
	ctx := bounded(t)
	_, err := c.Send("flood", map[string]int{"n": 10, "size": 2000})
	require.NoError(t, err)
	_, err = c.Next(ctx)
	assert.ErrorIs(t, err, rpcclient.ErrLineTooLong)
	require.NoError(t, c.Shutdown(ctx), "the server ran to its end")
}

func TestSpawn(t *testing.T) {
	cmd := exec.Command("sh", "-c", `echo "starting on $GREETING" >&2; echo '{"method":"ready"}'; exec cat`)
	cmd.Env = []string{"GREETING=stderr"}
	c, err := rpcclient.Spawn(cmd, rpcclient.Options{})
	require.NoError(t, err)
	assert.Positive(t, c.Pid())
	x := rpcclient.NewTester(t, c, waitLimit)
	assert.Equal(t, "ready", x.Next().Method)

	// cat writes the request back, so it comes as a server request.
	id := x.Send("hello", map[string]int{"n": 1})
	m := x.Take(rpcclient.Message.IsRequest, "the request written back")
	assert.Equal(t, fmt.Sprintf(`{"id":%d,"method":"hello","params":{"n":1}}`, id), m.Raw)

	require.NoError(t, x.Shutdown())
	assert.Equal(t, "starting on stderr\n", c.Stderr())
}

func TestSpawnFailures(t *testing.T) {
	_, err := rpcclient.Spawn(exec.Command("/nonexistent/server"), rpcclient.Options{})
	assert.Error(t, err)

	// A server that exits with an error.
	c, err := rpcclient.Spawn(exec.Command("sh", "-c", "echo bye >&2; exit 3"), rpcclient.Options{})
	require.NoError(t, err)
	var exitErr *exec.ExitError
	require.ErrorAs(t, c.Shutdown(bounded(t)), &exitErr)
	assert.Equal(t, 3, exitErr.ExitCode())

	// A server that ignores the end of its input is killed.
	c, err = rpcclient.Spawn(exec.Command("sh", "-c", "exec sleep 300 <&-"), rpcclient.Options{})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, c.Shutdown(ctx), context.DeadlineExceeded)
	require.ErrorAs(t, c.Kill(), &exitErr)
	assert.Equal(t, -1, exitErr.ExitCode(), "killed by a signal")
}

func TestStderrKeepsItsEnd(t *testing.T) {
	c, err := rpcclient.Spawn(exec.Command("sh", "-c", "printf 0123456789abcdef >&2"), rpcclient.Options{MaxStderr: 6})
	require.NoError(t, err)
	require.NoError(t, c.Shutdown(bounded(t)))
	assert.Equal(t, "[10 earlier bytes dropped]\nabcdef", c.Stderr())
}

func TestServeKill(t *testing.T) {
	stopped := errors.New("cancelled")
	run := func(ctx context.Context, in io.Reader, out io.Writer) error {
		_, _ = io.WriteString(out, `{"method":"up"}`+"\n")
		<-ctx.Done()
		return stopped
	}
	c := rpcclient.Serve(context.Background(), run, rpcclient.Options{})
	_, err := c.Next(bounded(t))
	require.NoError(t, err)
	assert.ErrorIs(t, c.Kill(), stopped)
	// Writes to a stopped server fail instead of blocking.
	assert.Error(t, c.Notify("late", nil))
}

func TestWritesToAStoppedServerFail(t *testing.T) {
	run := func(context.Context, io.Reader, io.Writer) error { return nil }
	c := rpcclient.Serve(context.Background(), run, rpcclient.Options{})
	<-c.Done()
	assert.Error(t, c.Notify("late", nil))
	_, err := c.Request(bounded(t), "echo", nil)
	assert.ErrorIs(t, err, rpcclient.ErrOutputEnded)
}

func TestNew(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := rpcclient.New(outR, inW, rpcclient.Options{})
	go func() {
		sc := bufio.NewScanner(inR)
		for sc.Scan() {
			var r request
			_ = json.Unmarshal(sc.Bytes(), &r)
			_, _ = fmt.Fprintf(outW, `{"id":%s,"result":"pong"}`+"\n", r.ID)
		}
		_ = outW.Close()
	}()
	var got string
	require.NoError(t, c.Call(bounded(t), "ping", nil, &got))
	assert.Equal(t, "pong", got)
	require.NoError(t, c.Shutdown(bounded(t)))
	assert.Zero(t, c.Pid())
	assert.Empty(t, c.Stderr())
}

func TestConversationEvent(t *testing.T) {
	m := rpcclient.Message{
		Method: "codex/event/agent_message_delta",
		Params: json.RawMessage(`{"id":"0","msg":{"type":"agent_message_delta","delta":"hi"},"conversationId":"c1"}`),
	}
	conv, ev, err := rpcclient.ConversationEvent(m)
	require.NoError(t, err)
	assert.Equal(t, "c1", conv)
	assert.Equal(t, protocol.Event{ID: "0", Msg: protocol.AgentMessageDeltaEvent{Delta: "hi"}}, ev)

	_, _, err = rpcclient.ConversationEvent(rpcclient.Message{Params: json.RawMessage(`[]`)})
	assert.Error(t, err)
}

func TestAppServer(t *testing.T) {
	srv := appserver.New(appserver.Options{Version: "0.0.0", CodexHome: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	c := rpcclient.Serve(context.Background(), srv.Run, rpcclient.Options{})
	x := rpcclient.NewTester(t, c, waitLimit)

	assert.Equal(t, `{"error":{"code":-32600,"message":"Not initialized"},"id":1}`, x.Call("getUserAgent", nil).Raw)
	var init protocol.InitializeResponse
	require.NoError(t, c.Call(bounded(t), protocol.MethodInitialize,
		protocol.InitializeParams{ClientInfo: protocol.ClientInfo{Name: "t", Version: "1"}}, &init))
	assert.Contains(t, init.UserAgent, "(t; 1)")
	x.Notify("initialized", nil)
	var ua struct {
		UserAgent string `json:"userAgent"`
	}
	m := x.CallResult("getUserAgent", nil, &ua)
	assert.Equal(t, fmt.Sprintf(`{"id":3,"result":{"userAgent":%q}}`, init.UserAgent), m.Raw)
	assert.Equal(t, init.UserAgent, ua.UserAgent)
	assert.Empty(t, x.Skipped())
	require.NoError(t, x.Shutdown())
}

// fatalTB is a TB whose Fatalf records the message and ends the goroutine.
type fatalTB struct {
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// fatal runs fn with a Tester of c on a fatalTB and returns the message of
// its failure, or "" when it did not fail.
func fatal(c *rpcclient.Client, limit time.Duration, fn func(x *rpcclient.Tester)) string {
	tb := &fatalTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(rpcclient.NewTester(tb, c, limit))
	}()
	<-done
	return tb.msg
}

func TestTesterFailures(t *testing.T) {
	c, _ := serve(t, rpcclient.Options{})
	writeLines(t, c, `{"method":"a"}`)
	msg := fatal(c, 20*time.Millisecond, func(x *rpcclient.Tester) {
		x.Take(func(m rpcclient.Message) bool { return m.Method == "b" }, "notification b")
	})
	assert.Equal(t, `no notification b after 20ms; unconsumed: ["{\"method\":\"a\"}"]`, msg)

	msg = fatal(c, 20*time.Millisecond, func(x *rpcclient.Tester) { x.Response(99) })
	assert.Equal(t, `no response to request 99 after 20ms; unconsumed: ["{\"method\":\"a\"}"]`, msg)

	msg = fatal(c, waitLimit, func(x *rpcclient.Tester) {
		var n int
		x.CallResult("echo", map[string]int{"a": 1}, &n)
	})
	assert.True(t, strings.HasPrefix(msg, "decode the result of echo: json: cannot unmarshal"), msg)

	require.NoError(t, c.Shutdown(bounded(t)))
	msg = fatal(c, waitLimit, func(x *rpcclient.Tester) { x.Take(func(rpcclient.Message) bool { return false }, "anything") })
	assert.Equal(t, `server output ended while waiting for anything; unconsumed: ["{\"method\":\"a\"}"]`, msg)
	msg = fatal(c, waitLimit, func(x *rpcclient.Tester) { x.Notify("late", nil) })
	assert.Equal(t, "notify late: file already closed", msg)
}

func TestTesterReportsStderr(t *testing.T) {
	c, err := rpcclient.Spawn(exec.Command("sh", "-c", "echo broken >&2"), rpcclient.Options{})
	require.NoError(t, err)
	<-c.Done()
	msg := fatal(c, waitLimit, func(x *rpcclient.Tester) { x.Next() })
	assert.Equal(t, "server output ended while waiting for message; unconsumed: []; stderr:\nbroken\n", msg)
}

func TestShutdownUnblocksAWriteToAServerThatDoesNotRead(t *testing.T) {
	run := func(ctx context.Context, _ io.Reader, _ io.Writer) error {
		<-ctx.Done()
		return nil
	}
	c := rpcclient.Serve(context.Background(), run, rpcclient.Options{})
	written := make(chan error, 1)
	go func() { written <- c.Notify("stuck", nil) }()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, c.Shutdown(ctx), context.DeadlineExceeded)
	select {
	case err := <-written:
		assert.Error(t, err)
	case <-time.After(waitLimit):
		t.Fatal("the write is still blocked")
	}
}
