package mcpserver

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReencode(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`{"b":1,"a":[true,false,null,"x"]}`, `{"b":1,"a":[true,false,null,"x"]}`},
		{`{"t":"\u003cenv\u003e \u0026 more"}`, `{"t":"<env> & more"}`},
		{`{"t":"a\\u003cb"}`, `{"t":"a\\u003cb"}`},
		{`{"n":1.50e3,"m":-0,"big":123456789012345678901234567890}`, `{"n":1.50e3,"m":-0,"big":123456789012345678901234567890}`},
		{`{"e":{},"l":[],"s":"tab\tquote\"nl\n"}`, `{"e":{},"l":[],"s":"tab\tquote\"nl\n"}`},
		{`[{"a":{"b":[1,{"c":2}]}},3]`, `[{"a":{"b":[1,{"c":2}]}},3]`},
		{` { "spaced" : [ 1 , 2 ] } `, `{"spaced":[1,2]}`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := reencode([]byte(tt.in))
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
	_, err := reencode([]byte(`{"a":`))
	assert.Error(t, err)
}

// echoHandler answers "echo" with its params, "fail" with an error and
// records notifications.
type echoHandler struct{ notes chan *jsonrpc2.Request }

func (h echoHandler) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	switch {
	case req.Notif:
		h.notes <- req
	case req.Method == "fail":
		_ = conn.ReplyWithError(ctx, req.ID, &jsonrpc2.Error{Code: -32000, Message: "no <good>"})
	default:
		_ = conn.Reply(ctx, req.ID, req.Params)
	}
}

func TestLineStreamWire(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	h := echoHandler{notes: make(chan *jsonrpc2.Request, 4)}
	conn := jsonrpc2.NewConn(context.Background(), newLineStream(inR, outW, slog.New(slog.DiscardHandler)), h)
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
	send(`not json`)
	assert.Equal(t, `{"error":{"code":-32700,"message":"Parse error"},"id":null,"jsonrpc":"2.0"}`, next())
	send(`{"id":9,"neither":"method nor result"}`)
	assert.Equal(t, `{"error":{"code":-32600,"message":"Invalid request"},"id":9,"jsonrpc":"2.0"}`, next())
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
