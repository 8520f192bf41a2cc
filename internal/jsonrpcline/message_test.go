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

// decodedValue returns the value of JSON text with numbers kept as
// written, or nil when there is no text, so that two texts compare equal
// when they decode to the same values, however they are laid out.
func decodedValue(t testing.TB, raw *json.RawMessage) *any {
	t.Helper()
	if raw == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(*raw))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v), string(*raw))
	return &v
}

// decodedLine is what reading one line produced, in comparable form.
type decodedLine struct {
	Err    bool
	Req    bool
	Method string
	Notif  bool
	ID     jsonrpc2.ID
	Params *any
	Meta   *any
	Resp   *jsonrpc2.Response
}

// decodeWith reads line into a fresh connection message with decode.
func decodeWith(t testing.TB, typ reflect.Type, line []byte, decode func([]byte, any) error) decodedLine {
	v, req, resp := newConnMessage(t, typ)
	if err := decode(line, v); err != nil {
		return decodedLine{Err: true}
	}
	if r := req(); r != nil {
		return decodedLine{Req: true, Method: r.Method, Notif: r.Notif, ID: r.ID, Params: decodedValue(t, r.Params), Meta: decodedValue(t, r.Meta)}
	}
	return decodedLine{Resp: resp()}
}

// readLine reads line as a stream does.
func readLine(line []byte, v any) error {
	m, err := readMembers(line)
	if err != nil {
		return err
	}
	return m.storeIn(line, v)
}

// memberName returns the name of the members field that encoding/json
// stores a member named key in, or "" when there is none.
func memberName(t testing.TB, key string) string {
	t.Helper()
	keyJSON, err := json.Marshal(key)
	require.NoError(t, err)
	var m members
	require.NoError(t, json.Unmarshal([]byte(`{`+string(keyJSON)+`:0}`), &m))
	fields := reflect.ValueOf(m)
	for i := range fields.NumField() {
		if fields.Field(i).Len() > 0 {
			name, _, _ := strings.Cut(fields.Type().Field(i).Tag.Get("json"), ",")
			return name
		}
	}
	return ""
}

// spelledOut returns the JSON object line as jsonrpc2 reads it the way a
// stream reads line: each member that a stream takes for one of a
// message's (whatever the case of its name) is named as jsonrpc2 expects,
// and only the last of several such members of one name is kept. With
// newID, the id member's value is replaced by it. A line that is not an
// object is returned as it is.
func spelledOut(t testing.TB, line []byte, newID string) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return line
	}
	type member struct {
		name  string
		value json.RawMessage
	}
	var all []member
	last := map[string]int{}
	for dec.More() {
		tok, err := dec.Token()
		require.NoError(t, err)
		m := member{name: tok.(string)}
		require.NoError(t, dec.Decode(&m.value))
		if name := memberName(t, m.name); name != "" {
			m.name = name
			last[name] = len(all)
			if name == "id" && newID != "" {
				m.value = json.RawMessage(newID)
			}
		}
		all = append(all, m)
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range all {
		if n, ours := last[m.name]; ours && n != i {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		name, err := json.Marshal(m.name)
		require.NoError(t, err)
		b.Write(name)
		b.WriteByte(':')
		b.Write(m.value)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// checkMatchesJSONRPC2 checks that a line is read as jsonrpc2 reads it,
// except that the members of a message are found whatever the case of
// their names, only the last of several of one name counts, params and
// meta are kept as sent, and ids jsonrpc2 cannot carry are carried.
func checkMatchesJSONRPC2(t *testing.T, typ reflect.Type, line []byte) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] == '[' || !json.Valid(line) {
		return
	}
	ours := decodeWith(t, typ, line, readLine)
	newID := ""
	if ours.Req && !ours.Notif {
		text, carried := carriedText(ours.ID)
		if carried || !ours.ID.IsString && ours.ID.Num > math.MaxInt64 {
			// jsonrpc2 refuses or wraps this id (it reads numbers as
			// int64); the rest must match what it reads with an ordinary
			// id in its place.
			assert.True(t, !carried || isIDText(text))
			newID = "7"
			ours.ID = jsonrpc2.ID{Num: 7}
		}
	}
	theirs := decodeWith(t, typ, spelledOut(t, line, newID), func(line []byte, v any) error { return json.Unmarshal(line, v) })
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
	`{"method":"m","ID":1,"Params":{ "a" : [ 1 ] },"META":null}`,
	`{"method":5,"Method":"m","id":1}`,
	`{"method":"m","id":1,"Id":"\u0000x","params":1,"params":2}`,
	`{"id":1,"result":1,"Error":null,"meta":{"a":1}}`,
	`{"id":1,"result":1,"meta":null}`,
	`{"id":null,"error":{"code":1,"message":"m","data":[ 1 ]}}`,
	`{"id":"r","error":5}`,
	` { "method" : "m" , "id" : "a" , "params" : { "b" : 1 , "a" : 2 } } `,
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

func TestRequestsLeaveExtraFieldsEmptyAndParamsAsSent(t *testing.T) {
	m, err := readMembers([]byte(`{"id":1,"method":"m","x":[1,2],"jsonrpc":"2.0","params":{ "b" : 1, "a" : 2 }}`))
	require.NoError(t, err)
	req, err := m.request()
	require.NoError(t, err)
	assert.Nil(t, req.ExtraFields)
	assert.Equal(t, "m", req.Method)
	require.NotNil(t, req.Params)
	assert.Equal(t, `{ "b" : 1, "a" : 2 }`, string(*req.Params))
	assert.Nil(t, req.Meta)
}

func TestMembers(t *testing.T) {
	tests := []struct {
		line    string
		want    members
		wantErr string // "syntax" for a *json.SyntaxError, "other" for another error
	}{
		{line: `{}`},
		{line: `null`},
		{line: `5`, wantErr: "other"},
		{line: `"x"`, wantErr: "other"},
		{line: `{"id":1,}`, wantErr: "syntax"},
		{line: `{"id":1} {}`, wantErr: "syntax"},
		{line: `{"ID":1,"Method":"m","params":null,"x":{"id":2}}`, want: members{ID: json.RawMessage(`1`), Method: json.RawMessage(`"m"`), Params: json.RawMessage(nullJSON)}},
		{line: `{"result":[ 1 ],"result":{"a":1},"error":null}`, want: members{Result: json.RawMessage(`{"a":1}`), Error: json.RawMessage(nullJSON)}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, err := readMembers([]byte(tt.line))
			_, syntax := errors.AsType[*json.SyntaxError](err)
			switch tt.wantErr {
			case "syntax":
				assert.True(t, syntax, "%v", err)
			case "other":
				assert.Error(t, err)
				assert.False(t, syntax, "%v", err)
			default:
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
			}
		})
	}
}

func TestEchoID(t *testing.T) {
	for id, want := range map[string]string{
		``:          nullJSON,
		`null`:      nullJSON,
		`true`:      nullJSON,
		`{"a":1}`:   nullJSON,
		`[1]`:       nullJSON,
		`"a\u0062"`: `"a\u0062"`,
		`-1.5e3`:    `-1.5e3`,
		`0`:         `0`,
	} {
		m := members{ID: json.RawMessage(id)}
		if id == "" {
			m.ID = nil
		}
		assert.Equal(t, want, string(m.echoID()), id)
	}
}
