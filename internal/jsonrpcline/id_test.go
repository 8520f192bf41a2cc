package jsonrpcline

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// idTests are request ids as sent; ordinary ones are carried by
// jsonrpc2.ID as they always were.
var idTests = []struct {
	name     string
	id       string // JSON text
	ordinary *jsonrpc2.ID
}{
	{name: "zero", id: `0`, ordinary: &jsonrpc2.ID{Num: 0}},
	{name: "one", id: `1`, ordinary: &jsonrpc2.ID{Num: 1}},
	{name: "largest uint64", id: `18446744073709551615`, ordinary: &jsonrpc2.ID{Num: 18446744073709551615}},
	{name: "above int64", id: `9223372036854775808`, ordinary: &jsonrpc2.ID{Num: 9223372036854775808}},
	{name: "string", id: `"a"`, ordinary: &jsonrpc2.ID{Str: "a", IsString: true}},
	{name: "empty string", id: `""`, ordinary: &jsonrpc2.ID{IsString: true}},
	{name: "numeric string", id: `"1"`, ordinary: &jsonrpc2.ID{Str: "1", IsString: true}},
	{name: "html characters", id: `"<a&b>"`, ordinary: &jsonrpc2.ID{Str: "<a&b>", IsString: true}},
	{name: "line separator", id: "\"a\u2028b\"", ordinary: &jsonrpc2.ID{Str: "a\u2028b", IsString: true}},
	{name: "non-ASCII", id: `"é"`, ordinary: &jsonrpc2.ID{Str: "é", IsString: true}},
	{name: "escaped quote and newline", id: `"a\"b\n"`, ordinary: &jsonrpc2.ID{Str: "a\"b\n", IsString: true}},
	{name: "control character", id: `"\u001f"`, ordinary: &jsonrpc2.ID{Str: "\x1f", IsString: true}},
	{name: "minus one", id: `-1`},
	{name: "minus zero", id: `-0`},
	{name: "most negative", id: `-9223372036854775808`},
	{name: "fraction", id: `1.5`},
	{name: "whole fraction", id: `1.0`},
	{name: "exponent", id: `1e3`},
	{name: "signed exponent", id: `1E+3`},
	{name: "beyond uint64", id: `18446744073709551616`},
	{name: "huge", id: `123456789012345678901234567890`},
	{name: "leading NUL", id: `"\u0000x"`},
	{name: "only NUL", id: `"\u0000"`},
	{name: "escaped letter", id: `"\u0061"`},
	{name: "escaped html", id: `"\u003c"`},
	{name: "escaped slash", id: `"a\/b"`},
	{name: "escaped line separator", id: `"\u2028"`},
	{name: "escaped non-ASCII", id: `"\u00e9"`},
	{name: "lone surrogate", id: `"\ud800"`},
	{name: "invalid UTF-8", id: "\"\xff\""},
}

func TestRequestIDs(t *testing.T) {
	for _, tt := range idTests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := requestID([]byte(tt.id))
			require.NoError(t, err)
			if tt.ordinary != nil {
				assert.Equal(t, *tt.ordinary, id)
			} else {
				text, carried := carriedText(id)
				require.True(t, carried, "%#v", id)
				assert.Equal(t, tt.id, text)
			}
			assert.Equal(t, tt.id, string(WireID(id)))
			parsed, err := ParseWireID([]byte(tt.id))
			require.NoError(t, err)
			assert.Equal(t, id, parsed)
		})
	}
}

func TestParseWireIDRefusesOtherValues(t *testing.T) {
	for _, raw := range []string{``, `null`, `true`, `{}`, `[1]`, `"unterminated`, `1 2`} {
		_, err := ParseWireID([]byte(raw))
		assert.Error(t, err, raw)
	}
	id, err := ParseWireID([]byte(" -1 "))
	require.NoError(t, err)
	assert.Equal(t, "-1", string(WireID(id)))
}

func TestWireIDOfIdsNotReadByAStream(t *testing.T) {
	tests := []struct {
		id   jsonrpc2.ID
		want string
	}{
		{jsonrpc2.ID{Num: 7}, `7`},
		{jsonrpc2.ID{Str: "x<y", IsString: true}, `"x<y"`},
		{jsonrpc2.ID{Str: "\x00", IsString: true}, `"\u0000"`},
		{jsonrpc2.ID{Str: "\x00not json", IsString: true}, `"\u0000not json"`},
		{jsonrpc2.ID{Str: "\x00{}", IsString: true}, `"\u0000{}"`},
		{jsonrpc2.ID{Str: "\x00xzz", IsString: true}, `"\u0000xzz"`},
		{jsonrpc2.ID{Str: "\x00x2d31", IsString: true}, `-1`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, string(WireID(tt.id)))
		assert.True(t, json.Valid(WireID(tt.id)))
	}
}

// idHandler answers "echo" with null, "fail" with an error, and reports
// the id of every request it handles.
type idHandler struct{ ids chan jsonrpc2.ID }

func (h idHandler) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	h.ids <- req.ID
	var err error
	if req.Method == "fail" {
		err = &jsonrpc2.Error{Code: -32000, Message: "no"}
	}
	if err := Reply(ctx, conn, req.ID, nil, err); err != nil {
		panic(err)
	}
}

// lineConn is a connection over a Stream driven one line at a time.
type lineConn struct {
	t     *testing.T
	conn  *jsonrpc2.Conn
	in    *io.PipeWriter
	lines chan string
}

func newLineConn(t *testing.T, opts Options, h jsonrpc2.Handler) *lineConn {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	conn := jsonrpc2.NewConn(context.Background(), NewStream(inR, outW, opts), h, jsonrpc2.SetLogger(NewLogger(nil)))
	t.Cleanup(func() {
		_ = conn.Close()
		_ = outW.Close()
	})
	c := &lineConn{t: t, conn: conn, in: inW, lines: make(chan string, 16)}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	return c
}

func (c *lineConn) send(line string) {
	c.t.Helper()
	_, err := io.WriteString(c.in, line+"\n")
	require.NoError(c.t, err)
}

func (c *lineConn) next() string {
	c.t.Helper()
	select {
	case l := <-c.lines:
		return l
	case <-time.After(10 * time.Second):
		c.t.Fatal("no line written")
		return ""
	}
}

func TestResponsesEchoRequestIDs(t *testing.T) {
	for _, layout := range []struct {
		name    string
		opts    Options
		version string
	}{{"app", appOptions(), ""}, {"versioned", mcpOptions(), `,"jsonrpc":"2.0"`}} {
		t.Run(layout.name, func(t *testing.T) {
			h := idHandler{ids: make(chan jsonrpc2.ID, 1)}
			c := newLineConn(t, layout.opts, h)
			for _, tt := range idTests {
				t.Run(tt.name, func(t *testing.T) {
					c.send(`{"id":` + tt.id + `,"method":"echo"}`)
					id := <-h.ids
					assert.Equal(t, tt.id, string(WireID(id)))
					if tt.ordinary != nil {
						assert.Equal(t, *tt.ordinary, id)
					}
					assert.Equal(t, `{"id":`+tt.id+layout.version+`,"result":null}`, c.next())

					c.send(`{"id":` + tt.id + `,"method":"fail","params":{}}`)
					<-h.ids
					assert.Equal(t, `{"error":{"code":-32000,"message":"no"},"id":`+tt.id+layout.version+`}`, c.next())

					c.send(`{"id":` + tt.id + `,"neither":"method nor result"}`)
					assert.Equal(t, `{"error":{"code":-32600,"message":"Invalid request"},"id":`+tt.id+layout.version+`}`, c.next())
				})
			}

			// Requests of the server still get their answers, whatever ids
			// the client uses.
			call, err := c.conn.DispatchCall(context.Background(), "ask", map[string]int{"n": 1})
			require.NoError(t, err)
			sent := c.next()
			require.True(t, strings.Contains(sent, `"id":0`), sent)
			c.send(`{"id":0,"result":{"ok":true}}`)
			var answer map[string]bool
			require.NoError(t, call.Wait(context.Background(), &answer))
			assert.Equal(t, map[string]bool{"ok": true}, answer)
		})
	}
}
