package appserver

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func rawJSON(s string) *json.RawMessage {
	r := json.RawMessage(s)
	return &r
}

func TestLineStreamWriteObject(t *testing.T) {
	tests := []struct {
		name string
		obj  any
		want string
	}{
		{
			name: "response",
			obj:  &jsonrpc2.Response{ID: jsonrpc2.ID{Num: 4}, Result: rawJSON(`{}`)},
			want: `{"id":4,"result":{}}`,
		},
		{
			name: "response with string id",
			obj:  &jsonrpc2.Response{ID: jsonrpc2.ID{Str: "abc", IsString: true}, Result: rawJSON(`{"userAgent":"x"}`)},
			want: `{"id":"abc","result":{"userAgent":"x"}}`,
		},
		{
			name: "error response",
			obj:  &jsonrpc2.Response{ID: jsonrpc2.ID{Num: 1}, Error: &jsonrpc2.Error{Code: -32600, Message: "Not initialized"}},
			want: `{"error":{"code":-32600,"message":"Not initialized"},"id":1}`,
		},
		{
			name: "notification",
			obj:  &jsonrpc2.Request{Method: "codex/event/task_started", Notif: true, Params: rawJSON(`{"id":"0","msg":{"type":"task_started"}}`)},
			want: `{"method":"codex/event/task_started","params":{"id":"0","msg":{"type":"task_started"}}}`,
		},
		{
			name: "server request with id 0",
			obj:  &jsonrpc2.Request{Method: "execCommandApproval", ID: jsonrpc2.ID{Num: 0}, Params: rawJSON(`{"callId":"call1"}`)},
			want: `{"method":"execCommandApproval","id":0,"params":{"callId":"call1"}}`,
		},
		{
			name: "html characters and line separators are written as they are",
			obj:  &jsonrpc2.Request{Method: "n", Notif: true, Params: rawJSON(`{"text":"<ctx> a && b \u2028"}`)},
			want: `{"method":"n","params":{"text":"<ctx> a && b ` + "\u2028" + `"}}`,
		},
		{
			name: "escaped backslashes stay escaped",
			obj:  &jsonrpc2.Request{Method: "n", Notif: true, Params: rawJSON(`{"text":"\\u003c \\\u003e \n"}`)},
			want: `{"method":"n","params":{"text":"\\u003c \\> \n"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			s := newLineStream(strings.NewReader(""), &out, slog.New(slog.DiscardHandler))
			require.NoError(t, s.WriteObject(tt.obj))
			assert.Equal(t, tt.want+"\n", out.String())
		})
	}
}

func TestLineStreamReadObjectSkipsBadLines(t *testing.T) {
	input := strings.Join([]string{
		`not json`,
		``,
		`{"foo":1}`,
		`{"jsonrpc":"2.0","id":7,"method":"getUserAgent"}`,
		`[1,2]`,
		`{"id":"x","method":"initialize","params":{"clientInfo":{}}}`,
		`{"id":8,"method":"last"}`, // no final newline
	}, "\n")
	var out bytes.Buffer
	s := newLineStream(strings.NewReader(input), &out, slog.New(slog.DiscardHandler))

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

	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 3)
	assert.Equal(t, `{"error":{"code":-32700,"message":"Parse error: invalid character 'o' in literal null (expecting 'u')"},"id":null}`, lines[0])
	assert.Equal(t, `{"error":{"code":-32600,"message":"Invalid request"},"id":null}`, lines[1])
	assert.Equal(t, `{"error":{"code":-32600,"message":"Invalid request"},"id":null}`, lines[2])
}

func TestLineStreamClose(t *testing.T) {
	r, w := io.Pipe()
	var out bytes.Buffer
	s := newLineStream(r, &out, slog.New(slog.DiscardHandler))
	done := make(chan error, 1)
	go func() {
		var req jsonrpc2.Request
		done <- s.ReadObject(&req)
	}()
	require.NoError(t, s.Close())
	assert.ErrorIs(t, <-done, io.ErrClosedPipe)
	assert.Error(t, s.WriteObject(&jsonrpc2.Response{ID: jsonrpc2.ID{Num: 1}, Result: rawJSON(`{}`)}))
	assert.Empty(t, out.String())
	_ = w.Close()
}

func TestUnescapeJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"plain"`, `"plain"`},
		{`"\u003cb\u003e \u0026"`, `"<b> &"`},
		{`"\\u003c"`, `"\\u003c"`},
		{`"\\\u003c"`, `"\\<"`},
		{`"\u00e9 \n \""`, `"\u00e9 \n \""`},
		{`"\u2029"`, "\"\u2029\""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, string(unescapeJSON([]byte(tt.in))))
		})
	}
}
