package jsonrpcline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// typeStream is an ObjectStream that reports the type a connection reads
// messages into and then ends.
type typeStream struct{ types chan reflect.Type }

func (s typeStream) ReadObject(v any) error {
	s.types <- reflect.TypeOf(v)
	return io.EOF
}
func (typeStream) WriteObject(any) error { return nil }
func (typeStream) Close() error          { return nil }

// connMessageType returns the pointer type a jsonrpc2 connection passes to
// ReadObject.
func connMessageType(t testing.TB) reflect.Type {
	t.Helper()
	types := make(chan reflect.Type, 1)
	conn := jsonrpc2.NewConn(context.Background(), typeStream{types}, nil, jsonrpc2.SetLogger(NewLogger(nil)))
	typ := <-types
	<-conn.DisconnectNotify()
	return typ
}

// newConnMessage returns a fresh value of the connection's message type
// and accessors for its request and response.
func newConnMessage(t testing.TB, typ reflect.Type) (any, func() *jsonrpc2.Request, func() *jsonrpc2.Response) {
	t.Helper()
	v := reflect.New(typ.Elem()).Interface()
	req, resp, ok := messageFields(v)
	require.True(t, ok, "the connection's message type %s is not recognised", typ)
	return v, func() *jsonrpc2.Request { return *req }, func() *jsonrpc2.Response { return *resp }
}

func TestMessageFieldsRecognisesOnlyTheConnectionType(t *testing.T) {
	typ := connMessageType(t)
	_, _, ok := messageFields(reflect.New(typ.Elem()).Interface())
	assert.True(t, ok)
	for _, v := range []any{&jsonrpc2.Request{}, &struct{ request, response *int }{}, 5, (*struct{})(nil), nil} {
		_, _, ok := messageFields(v)
		assert.False(t, ok, "%T", v)
	}
}

// jsonTokens returns the tokens of JSON text, numbers as written, so that
// two texts compare equal when they decode to the same values in the same
// member order, however their strings are escaped.
func jsonTokens(t testing.TB, raw *json.RawMessage) []any {
	t.Helper()
	if raw == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(*raw))
	dec.UseNumber()
	toks := []any{}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return toks
		}
		require.NoError(t, err, string(*raw))
		toks = append(toks, tok)
	}
}

// decodedLine is what reading one line produced, in comparable form.
type decodedLine struct {
	Err    bool
	Req    bool
	Method string
	Notif  bool
	ID     jsonrpc2.ID
	Params []any
	Meta   []any
	Resp   *jsonrpc2.Response
}

// decodeWith reads line into a fresh connection message with decode.
func decodeWith(t testing.TB, typ reflect.Type, line []byte, decode func([]byte, any) error) decodedLine {
	v, req, resp := newConnMessage(t, typ)
	if err := decode(line, v); err != nil {
		return decodedLine{Err: true}
	}
	if r := req(); r != nil {
		return decodedLine{Req: true, Method: r.Method, Notif: r.Notif, ID: r.ID, Params: jsonTokens(t, r.Params), Meta: jsonTokens(t, r.Meta)}
	}
	return decodedLine{Resp: resp()}
}

// checkMatchesJSONRPC2 checks that a line is read as jsonrpc2 reads it,
// except for ids jsonrpc2 cannot carry.
func checkMatchesJSONRPC2(t *testing.T, typ reflect.Type, line []byte) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] == '[' || !json.Valid(line) {
		return
	}
	ours := decodeWith(t, typ, line, decodeInto)
	if ours.Req && !ours.Notif {
		text, carried := carriedText(ours.ID)
		if carried || !ours.ID.IsString && ours.ID.Num > math.MaxInt64 {
			// jsonrpc2 refuses or wraps this id (it reads numbers as
			// int64); the rest must match what it reads with an ordinary
			// id in its place.
			assert.True(t, !carried || isIDText(text))
			t2, _ := readTopLevel(line)
			require.NotNil(t, t2.id)
			start := bytes.Index(line, t2.id)
			line = append(append(append([]byte{}, line[:start]...), '7'), line[start+len(t2.id):]...)
			ours.ID = jsonrpc2.ID{Num: 7}
		}
	}
	theirs := decodeWith(t, typ, line, func(line []byte, v any) error { return json.Unmarshal(line, v) })
	assert.Equal(t, theirs, ours, "%s", line)
}

// differentialLines are lines read both by jsonrpc2 and by the stream.
var differentialLines = []string{
	`{"id":1,"method":"m"}`,
	`{"jsonrpc":"2.0","id":"a","method":"m","params":{"b":[1,2.50,-0,1e400],"a":"<&>","c":{}}}`,
	`{"method":"n","params":null}`,
	`{"method":"n","params":[]}`,
	`{"method":"n","id":null,"params":[{"z":1,"a":2,"z":3},{"\u0061":1,"a":2}]}`,
	`{"method":"n","params":{"b":1,"B":2,"a":{"d":1,"c":2}},"meta":{"y":1,"x":2}}`,
	`{"method":"n","params":{"é":1,"e":2,"\u00e9":3,"\ud800":4,"x\\y":5}}`,
	`{"method":"n","params":"str","extra":[1,2]}`,
	`{"Method":"m","id":1}`,
	`{"Method":"m","method":"x","id":1}`,
	`{"method":"m","METHOD":null,"id":1}`,
	`{"method":5,"id":1}`,
	`{"method":"m","result":1,"id":1}`,
	`{"method":"m","error":null,"id":1}`,
	`{"method":"m","id":true}`,
	`{"method":"m","id":{"a":1}}`,
	`{"method":"m","id":-1}`,
	`{"method":"m","id":1.5}`,
	`{"method":"m","id":"\u0000"}`,
	`{"method":"m","id":"\u0061"}`,
	`{"method":"m","id":9223372036854775808}`,
	`{"id":0,"result":{"decision":"approved"}}`,
	`{"id":0,"result":null}`,
	`{"id":"s","error":{"code":-32000,"message":"no","data":{"b":1,"a":2}}}`,
	`{"id":1,"error":{"code":"x"}}`,
	`{"id":-1,"result":1}`,
	`{"id":null,"result":1}`,
	`{"id":1,"Result":[1 , 2]}`,
	`{"id":1}`,
	`{}`,
	`5`,
	`"x"`,
	`null`,
	`{"id":1,"method":"m","params":{"a":{"b":{"c":[{"y":1,"x":{"q":1,"p":2}}]}},"a":0}}`,
}

func TestDecodeMatchesJSONRPC2(t *testing.T) {
	typ := connMessageType(t)
	for _, line := range differentialLines {
		t.Run(line, func(t *testing.T) { checkMatchesJSONRPC2(t, typ, []byte(line)) })
	}
}

func FuzzDecodeMatchesJSONRPC2(f *testing.F) {
	for _, line := range differentialLines {
		f.Add([]byte(line))
	}
	typ := connMessageType(f)
	f.Fuzz(func(t *testing.T, line []byte) {
		if bytes.ContainsAny(line, "\n") {
			return
		}
		checkMatchesJSONRPC2(t, typ, line)
	})
}

func TestCanonicalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{`1`, `1`},
		{` "a b" `, `"a b"`},
		{`[ 1 , 2.50 , -0 , 1e400 , true , null ]`, `[1,2.50,-0,1e400,true,null]`},
		{`{ "b" : 1 , "a" : [ ] , "c" : { } }`, `{"a":[],"b":1,"c":{}}`},
		{`{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},
		{`{"\u0061":1,"a":2}`, `{"a":2}`},
		{`{"a":2,"\u0061":1}`, `{"\u0061":1}`},
		{`{"B":1,"a":2,"b":3}`, `{"B":1,"a":2,"b":3}`},
		{`{"z":{"y":1,"x":2},"a":[{"d":1,"c":2},{"c":1}]}`, `{"a":[{"c":2,"d":1},{"c":1}],"z":{"x":2,"y":1}}`},
		{`{"a":{"q":1,"p":2},"a":{"n":1,"m":2}}`, `{"a":{"m":2,"n":1}}`},
		{`{"s":"<\u003c\"\\"}`, `{"s":"<\u003c\"\\"}`},
		{`[{},[],[[{"b":1,"a":2}]]]`, `[{},[],[[{"a":2,"b":1}]]]`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, string(canonicalize([]byte(tt.in))))
		})
	}
}

func TestDecodeRequestLeavesExtraFieldsEmpty(t *testing.T) {
	req, err := decodeRequest([]byte(`{"id":1,"method":"m","x":[1,2],"jsonrpc":"2.0"}`))
	require.NoError(t, err)
	assert.Nil(t, req.ExtraFields)
	assert.Equal(t, "m", req.Method)
}

func TestScanHelpers(t *testing.T) {
	for _, tt := range []struct {
		in  string
		end int
	}{
		{`"a\"b\\" x`, 8},
		{`"\\\\\"" x`, 8},
		{`{"a":"}"} x`, 9},
		{`[[],{"]":[1]}] x`, 14},
		{`123 x`, 3},
		{`-1.5e3,`, 6},
		{`true}`, 4},
	} {
		assert.Equal(t, tt.end, valueEnd([]byte(tt.in), 0), tt.in)
	}
	assert.Equal(t, "a\"b", string(decodedKey([]byte(`"a\"b"`))))
	assert.Equal(t, "plain", string(decodedKey([]byte(`"plain"`))))
	assert.Equal(t, "\ufffd", string(decodedKey([]byte("\"\xff\""))))
	assert.True(t, strings.HasPrefix(string(decodedKey([]byte(`"\u00e9"`))), "é"))
}
