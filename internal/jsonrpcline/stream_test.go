package jsonrpcline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// appOptions and mcpOptions return the settings of the two servers.
func appOptions() Options { return Options{DetailedParseErrors: true} }
func mcpOptions() Options { return Options{WithVersion: true} }

func rawJSON(s string) *json.RawMessage {
	r := json.RawMessage(s)
	return &r
}

func TestWriteObject(t *testing.T) {
	tests := []struct {
		name    string
		obj     any
		app     string // without "jsonrpc"
		withVer string // with "jsonrpc":"2.0"
	}{
		{
			name:    "response",
			obj:     &jsonrpc2.Response{ID: jsonrpc2.ID{Num: 4}, Result: rawJSON(`{}`)},
			app:     `{"id":4,"result":{}}`,
			withVer: `{"id":4,"jsonrpc":"2.0","result":{}}`,
		},
		{
			name:    "response with string id",
			obj:     &jsonrpc2.Response{ID: jsonrpc2.ID{Str: "abc", IsString: true}, Result: rawJSON(`{"userAgent":"x"}`)},
			app:     `{"id":"abc","result":{"userAgent":"x"}}`,
			withVer: `{"id":"abc","jsonrpc":"2.0","result":{"userAgent":"x"}}`,
		},
		{
			name:    "null result",
			obj:     &jsonrpc2.Response{ID: jsonrpc2.ID{Num: 2}, Result: rawJSON(`null`)},
			app:     `{"id":2,"result":null}`,
			withVer: `{"id":2,"jsonrpc":"2.0","result":null}`,
		},
		{
			name:    "error response",
			obj:     &jsonrpc2.Response{ID: jsonrpc2.ID{Num: 1}, Error: &jsonrpc2.Error{Code: -32600, Message: "Not initialized"}},
			app:     `{"error":{"code":-32600,"message":"Not initialized"},"id":1}`,
			withVer: `{"error":{"code":-32600,"message":"Not initialized"},"id":1,"jsonrpc":"2.0"}`,
		},
		{
			name:    "error response with data",
			obj:     &jsonrpc2.Response{ID: jsonrpc2.ID{Num: 1}, Error: &jsonrpc2.Error{Code: -32000, Message: "no <good>", Data: rawJSON(`{"k": "<v>"}`)}},
			app:     `{"error":{"code":-32000,"data":{"k":"<v>"},"message":"no <good>"},"id":1}`,
			withVer: `{"error":{"code":-32000,"data":{"k":"<v>"},"message":"no <good>"},"id":1,"jsonrpc":"2.0"}`,
		},
		{
			name:    "notification",
			obj:     &jsonrpc2.Request{Method: "codex/event/task_started", Notif: true, Params: rawJSON(`{"id":"0","msg":{"type":"task_started"}}`)},
			app:     `{"method":"codex/event/task_started","params":{"id":"0","msg":{"type":"task_started"}}}`,
			withVer: `{"jsonrpc":"2.0","method":"codex/event/task_started","params":{"id":"0","msg":{"type":"task_started"}}}`,
		},
		{
			name:    "notification without params",
			obj:     &jsonrpc2.Request{Method: "notifications/initialized", Notif: true},
			app:     `{"method":"notifications/initialized"}`,
			withVer: `{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		},
		{
			name:    "server request with id 0",
			obj:     &jsonrpc2.Request{Method: "execCommandApproval", ID: jsonrpc2.ID{Num: 0}, Params: rawJSON(`{"callId":"call1"}`)},
			app:     `{"method":"execCommandApproval","id":0,"params":{"callId":"call1"}}`,
			withVer: `{"id":0,"jsonrpc":"2.0","method":"execCommandApproval","params":{"callId":"call1"}}`,
		},
		{
			name:    "html characters and line separators are written as they are",
			obj:     &jsonrpc2.Request{Method: "n", Notif: true, Params: rawJSON(`{"text":"<ctx> a && b \u2028"}`)},
			app:     `{"method":"n","params":{"text":"<ctx> a && b ` + "\u2028" + `"}}`,
			withVer: `{"jsonrpc":"2.0","method":"n","params":{"text":"<ctx> a && b ` + "\u2028" + `"}}`,
		},
		{
			name:    "escaped backslashes stay escaped",
			obj:     &jsonrpc2.Request{Method: "n", Notif: true, Params: rawJSON(`{"text":"\\u003c \\\u003e \n"}`)},
			app:     `{"method":"n","params":{"text":"\\u003c \\> \n"}}`,
			withVer: `{"jsonrpc":"2.0","method":"n","params":{"text":"\\u003c \\> \n"}}`,
		},
		{
			name:    "numbers and member order of params are kept",
			obj:     &jsonrpc2.Request{Method: "n", Notif: true, Params: rawJSON(`{"z":1.50e3,"a":[true,null],"big":123456789012345678901234567890}`)},
			app:     `{"method":"n","params":{"z":1.50e3,"a":[true,null],"big":123456789012345678901234567890}}`,
			withVer: `{"jsonrpc":"2.0","method":"n","params":{"z":1.50e3,"a":[true,null],"big":123456789012345678901234567890}}`,
		},
	}
	for _, tt := range tests {
		for _, layout := range []struct {
			name string
			opts Options
			want string
		}{{"app", appOptions(), tt.app}, {"versioned", mcpOptions(), tt.withVer}} {
			t.Run(tt.name+"/"+layout.name, func(t *testing.T) {
				var out bytes.Buffer
				s := NewStream(strings.NewReader(""), &out, layout.opts)
				require.NoError(t, s.WriteObject(tt.obj))
				assert.Equal(t, layout.want+"\n", out.String())
			})
		}
	}
}

func TestReadObjectSkipsBadLines(t *testing.T) {
	input := strings.Join([]string{
		`not json`,
		``,
		`{"foo":1}`,
		`{"jsonrpc":"2.0","id":7,"method":"getUserAgent"}`,
		`[1,2]`,
		`{"id":9,"neither":"method nor result"}`,
		`{"id":{"a":1},"method":"getUserAgent"}`,
		`   `,
		`{"id":"x","method":"initialize","params":{"clientInfo":{}}}`,
		`{"id":8,"method":"last"}`, // no final newline
	}, "\n")
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{
			name: "app",
			opts: appOptions(),
			want: []string{
				`{"error":{"code":-32700,"message":"Parse error: invalid character 'o' in literal null (expecting 'u')"},"id":null}`,
				`{"error":{"code":-32600,"message":"Invalid request"},"id":null}`,
				`{"error":{"code":-32600,"message":"Invalid request"},"id":null}`,
				`{"error":{"code":-32600,"message":"Invalid request"},"id":9}`,
				`{"error":{"code":-32600,"message":"Invalid request"},"id":null}`,
			},
		},
		{
			name: "versioned",
			opts: mcpOptions(),
			want: []string{
				`{"error":{"code":-32700,"message":"Parse error"},"id":null,"jsonrpc":"2.0"}`,
				`{"error":{"code":-32600,"message":"Invalid request"},"id":null,"jsonrpc":"2.0"}`,
				`{"error":{"code":-32600,"message":"Invalid request"},"id":null,"jsonrpc":"2.0"}`,
				`{"error":{"code":-32600,"message":"Invalid request"},"id":9,"jsonrpc":"2.0"}`,
				`{"error":{"code":-32600,"message":"Invalid request"},"id":null,"jsonrpc":"2.0"}`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			ended := 0
			opts := tt.opts
			opts.AtEnd = func() { ended++ }
			s := NewStream(strings.NewReader(input), &out, opts)

			var methods []string
			for {
				var req jsonrpc2.Request
				err := s.ReadObject(&req)
				if err == io.EOF {
					break
				}
				require.NoError(t, err)
				methods = append(methods, req.Method+" "+req.ID.String())
			}
			assert.Equal(t, []string{`getUserAgent 7`, `initialize "x"`, `last 8`}, methods)
			// Reading past the end fails again without running AtEnd again.
			var req jsonrpc2.Request
			assert.ErrorIs(t, s.ReadObject(&req), io.EOF)
			assert.Equal(t, 1, ended)

			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			assert.Equal(t, tt.want, lines)
		})
	}
}

func TestClose(t *testing.T) {
	r, w := io.Pipe()
	var out bytes.Buffer
	s := NewStream(r, &out, appOptions())
	done := make(chan error, 1)
	go func() {
		var req jsonrpc2.Request
		done <- s.ReadObject(&req)
	}()
	require.NoError(t, s.Close())
	assert.ErrorIs(t, <-done, io.ErrClosedPipe)
	assert.ErrorIs(t, s.WriteObject(&jsonrpc2.Response{ID: jsonrpc2.ID{Num: 1}, Result: rawJSON(`{}`)}), io.ErrClosedPipe)
	assert.Empty(t, out.String())
	_ = w.Close()
}

func TestUnescape(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"plain"`, `"plain"`},
		{`"\u003cb\u003e \u0026"`, `"<b> &"`},
		{`{"t":"\u003cenv\u003e \u0026 more"}`, `{"t":"<env> & more"}`},
		{`"\\u003c"`, `"\\u003c"`},
		{`"\\\u003c"`, `"\\<"`},
		{`{"t":"a\\u003cb"}`, `{"t":"a\\u003cb"}`},
		{`"\u00e9 \n \""`, `"\u00e9 \n \""`},
		{`"\u2029"`, "\"\u2029\""},
		{`{"e":{},"l":[],"s":"tab\tquote\"nl\n"}`, `{"e":{},"l":[],"s":"tab\tquote\"nl\n"}`},
		{`"cut \u003`, `"cut \u003`},
		{`"trailing \`, `"trailing \`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, string(unescape([]byte(tt.in))))
		})
	}
}

// echoHandler answers "echo" with its params, "fail" with a JSON-RPC error,
// "boom" with a plain error, and records notifications.
type echoHandler struct{ notes chan *jsonrpc2.Request }

func (h echoHandler) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	var err error
	switch {
	case req.Notif:
		h.notes <- req
		return
	case req.Method == "fail":
		err = Reply(ctx, conn, req.ID, nil, &jsonrpc2.Error{Code: -32000, Message: "no <good>"})
	case req.Method == "boom":
		err = Reply(ctx, conn, req.ID, nil, errors.New("went <wrong>"))
	default:
		err = Reply(ctx, conn, req.ID, req.Params, nil)
	}
	if err != nil {
		panic(err)
	}
}

func TestConnection(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	h := echoHandler{notes: make(chan *jsonrpc2.Request, 4)}
	conn := jsonrpc2.NewConn(context.Background(), NewStream(inR, outW, mcpOptions()), h,
		jsonrpc2.SetLogger(NewLogger(nil)))
	t.Cleanup(func() {
		_ = conn.Close()
		_ = outW.Close()
	})
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	next := func() string {
		t.Helper()
		select {
		case l := <-lines:
			return l
		case <-time.After(10 * time.Second):
			t.Fatal("no line written")
			return ""
		}
	}
	send := func(line string) {
		t.Helper()
		_, err := io.WriteString(inW, line+"\n")
		require.NoError(t, err)
	}

	send(`{"jsonrpc":"2.0","id":7,"method":"echo","params":{"a":1,"z":"<a & b>"}}`)
	assert.Equal(t, `{"id":7,"jsonrpc":"2.0","result":{"a":1,"z":"<a & b>"}}`, next())
	send(`{"id":"s","method":"fail"}`)
	assert.Equal(t, `{"error":{"code":-32000,"message":"no <good>"},"id":"s","jsonrpc":"2.0"}`, next())
	send(`{"id":3,"method":"boom"}`)
	assert.Equal(t, `{"error":{"code":-32603,"message":"went <wrong>"},"id":3,"jsonrpc":"2.0"}`, next())
	send(`not json`)
	assert.Equal(t, `{"error":{"code":-32700,"message":"Parse error"},"id":null,"jsonrpc":"2.0"}`, next())
	send(`{"id":9,"neither":"method nor result"}`)
	assert.Equal(t, `{"error":{"code":-32600,"message":"Invalid request"},"id":9,"jsonrpc":"2.0"}`, next())
	send(`{"id":"both","result":1,"method":"echo"}`)
	assert.Equal(t, `{"error":{"code":-32600,"message":"Invalid request"},"id":"both","jsonrpc":"2.0"}`, next())
	send(``)
	send(`{"jsonrpc":"2.0","method":"note","params":{"k":"v"}}`)
	select {
	case n := <-h.notes:
		assert.Equal(t, "note", n.Method)
	case <-time.After(10 * time.Second):
		t.Fatal("notification not handled")
	}

	require.NoError(t, conn.Notify(context.Background(), "codex/event", map[string]string{"m": "<x>"}))
	assert.Equal(t, `{"jsonrpc":"2.0","method":"codex/event","params":{"m":"<x>"}}`, next())
	call, err := conn.DispatchCall(context.Background(), "elicitation/create", map[string]int{"n": 1})
	require.NoError(t, err)
	assert.Equal(t, `{"id":0,"jsonrpc":"2.0","method":"elicitation/create","params":{"n":1}}`, next())
	send(`{"id":0,"jsonrpc":"2.0","result":{"decision":"approved"}}`)
	var answer map[string]string
	require.NoError(t, call.Wait(context.Background(), &answer))
	assert.Equal(t, map[string]string{"decision": "approved"}, answer)
}

func TestNewLogger(t *testing.T) {
	var buf bytes.Buffer
	l := NewLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}})))
	l.Printf("jsonrpc2: %s\n", "handler panicked")
	assert.Equal(t, "level=WARN msg=\"jsonrpc2: handler panicked\"\n", buf.String())
}

func TestReadObjectSkipsLongLinesAndBatches(t *testing.T) {
	const limit = 64
	tooLong := func(n int) string {
		return fmt.Sprintf(`{"error":{"code":-32600,"message":"Invalid request: the line exceeded %d bytes and was skipped"},"id":null}`, n)
	}
	batch := `{"error":{"code":-32600,"message":"Invalid request"},"id":null}`
	request := `{"id":1,"method":"next"}`
	// padded returns a request of exactly n bytes.
	padded := func(n int) string {
		head := `{"id":2,"method":"padded","params":"`
		return head + strings.Repeat("p", n-len(head)-2) + `"}`
	}
	tests := []struct {
		name    string
		max     int
		input   string
		methods []string
		want    []string
	}{
		{name: "line over the limit, then a request", max: limit,
			input: strings.Repeat("x", 100) + "\n" + request, methods: []string{"next 1"}, want: []string{tooLong(limit)}},
		{name: "request over the limit by one byte", max: limit,
			input: padded(limit+1) + "\n" + request, methods: []string{"next 1"}, want: []string{tooLong(limit)}},
		{name: "request at the limit", max: limit,
			input: padded(limit) + "\n" + request, methods: []string{"padded 2", "next 1"}},
		{name: "a carriage return counts, the newline does not", max: limit,
			input: padded(limit) + "\r\n" + request, methods: []string{"next 1"}, want: []string{tooLong(limit)}},
		{name: "last line over the limit without a newline", max: limit,
			input: request + "\n" + strings.Repeat("x", 1000), methods: []string{"next 1"}, want: []string{tooLong(limit)}},
		{name: "several lines over the limit", max: limit,
			input: strings.Repeat(strings.Repeat("y", 70)+"\n", 3) + request, methods: []string{"next 1"},
			want: []string{tooLong(limit), tooLong(limit), tooLong(limit)}},
		{name: "blank line over the limit", max: limit,
			input: strings.Repeat(" ", 100) + "\n" + request, methods: []string{"next 1"}, want: []string{tooLong(limit)}},
		{name: "line longer than the read buffer", max: 3 * readChunk,
			input: padded(2*readChunk+10) + "\n" + request, methods: []string{"padded 2", "next 1"}},
		{name: "line over a limit beyond the read buffer", max: 3 * readChunk,
			input: padded(3*readChunk+1) + "\n" + request, methods: []string{"next 1"}, want: []string{tooLong(3 * readChunk)}},
		{name: "default limit", input: padded(readChunk+1) + "\n" + request, methods: []string{"padded 2", "next 1"}},
		{name: "batch", max: limit,
			input: `[{"id":1,"method":"a"},{"id":2,"method":"b"}]` + "\n" + request, methods: []string{"next 1"}, want: []string{batch}},
		{name: "empty batch after blanks", max: limit,
			input: " \t [ ]\n" + request, methods: []string{"next 1"}, want: []string{batch}},
		{name: "batch that is not JSON", max: limit,
			input: "[1,\n" + request, methods: []string{"next 1"}, want: []string{batch}},
		{name: "batch over the limit", max: limit,
			input: "[" + strings.Repeat("1,", 1000) + "1]\n" + request, methods: []string{"next 1"}, want: []string{batch}},
		{name: "batch over the read buffer without a newline", max: limit,
			input: request + "\n[" + strings.Repeat("1,", readChunk), methods: []string{"next 1"}, want: []string{batch}},
	}
	for _, tt := range tests {
		for _, layout := range []struct {
			name    string
			opts    Options
			version string
		}{{"app", appOptions(), ""}, {"versioned", mcpOptions(), `,"jsonrpc":"2.0"`}} {
			t.Run(tt.name+"/"+layout.name, func(t *testing.T) {
				var out bytes.Buffer
				opts := layout.opts
				opts.MaxLineBytes = tt.max
				s := NewStream(strings.NewReader(tt.input), &out, opts)
				var methods []string
				for {
					var req jsonrpc2.Request
					err := s.ReadObject(&req)
					if err == io.EOF {
						break
					}
					require.NoError(t, err)
					methods = append(methods, req.Method+" "+req.ID.String())
				}
				assert.Equal(t, tt.methods, methods)
				var want []string
				for _, w := range tt.want {
					want = append(want, strings.TrimSuffix(w, "}")+layout.version+"}")
				}
				var lines []string
				if out.Len() > 0 {
					lines = strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
				}
				assert.Equal(t, want, lines)
			})
		}
	}
}

func TestConnectionServesTheRequestAfterALongLine(t *testing.T) {
	c := newLineConn(t, Options{MaxLineBytes: 100}, echoHandler{notes: make(chan *jsonrpc2.Request, 1)})
	c.send(`{"id":1,"method":"echo","params":"` + strings.Repeat("x", 200) + `"}`)
	assert.Equal(t, `{"error":{"code":-32600,"message":"Invalid request: the line exceeded 100 bytes and was skipped"},"id":null}`, c.next())
	c.send(`[1,1,1]`)
	assert.Equal(t, `{"error":{"code":-32600,"message":"Invalid request"},"id":null}`, c.next())
	c.send(`{"id":2,"method":"echo","params":{"ok":true}}`)
	assert.Equal(t, `{"id":2,"result":{"ok":true}}`, c.next())
}

func TestWriteObjectPassesEmittedAtMs(t *testing.T) {
	req := &jsonrpc2.Request{Method: "turn/started", Notif: true, Params: rawJSON(`{"threadId":"t"}`)}
	req.SetExtraField("emittedAtMs", 1733300000123)
	for _, layout := range []struct {
		opts Options
		want string
	}{
		{appOptions(), `{"method":"turn/started","params":{"threadId":"t"},"emittedAtMs":1733300000123}`},
		{mcpOptions(), `{"emittedAtMs":1733300000123,"jsonrpc":"2.0","method":"turn/started","params":{"threadId":"t"}}`},
	} {
		var out bytes.Buffer
		require.NoError(t, NewStream(strings.NewReader(""), &out, layout.opts).WriteObject(req))
		assert.Equal(t, layout.want+"\n", out.String())
	}
}
