package rpcserver

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/internal/jsonrpcline"
	"github.com/codex-go/codex/internal/rpcclient"
)

// testServer is a server with one handler of each kind.
type testServer struct {
	rpc   *Server[*testServer]
	notes chan string
}

type helloParams struct {
	Name  string  `json:"name"`
	Title *string `json:"title,omitempty"`
}

type helloResult struct {
	Greeting string `json:"greeting"`
}

func (s *testServer) initialize(context.Context, None) (struct{}, error) { return struct{}{}, nil }

func (s *testServer) hello(_ context.Context, p helloParams) (helloResult, error) {
	if p.Name == "fail" {
		return helloResult{}, &jsonrpc2.Error{Code: 7, Message: "no"}
	}
	return helloResult{Greeting: "hi " + p.Name}, nil
}

// later answers from a goroutine, after a notification.
func (s *testServer) later(ctx context.Context, p helloParams, r Reply[helloResult]) {
	s.rpc.Go(func() {
		_ = s.rpc.Notify(ctx, "before", p)
		r.Send(s.rpc.Lifetime(), helloResult{Greeting: "later " + p.Name})
	})
}

// maybe takes params that may be left out.
func (s *testServer) maybe(_ context.Context, p *helloParams) (helloResult, error) {
	if p == nil {
		return helloResult{Greeting: "hi nobody"}, nil
	}
	return helloResult{Greeting: "hi " + p.Name}, nil
}

func (s *testServer) note(_ context.Context, p helloParams) { s.notes <- p.Name }

func testTable() []Method[*testServer] {
	return []Method[*testServer]{
		Request("initialize", (*testServer).initialize),
		Request("hello", (*testServer).hello),
		Deferred("later", (*testServer).later),
		Request("maybe", (*testServer).maybe),
		Notification("note", (*testServer).note),
	}
}

// pipeSession runs a test server on in-memory pipes and returns a function
// that sends a line and one that reads the next line written.
func pipeSession(t *testing.T, opts Options) (send func(string), next func() string, srv *testServer) {
	t.Helper()
	srv = &testServer{notes: make(chan string, 4)}
	srv.rpc = New(srv, testTable(), opts)
	c := rpcclient.NewTester(t, rpcclient.Serve(context.Background(), srv.rpc.Run, rpcclient.Options{}), 10*time.Second)
	t.Cleanup(func() { assert.NoError(t, c.Shutdown()) })
	send = func(line string) {
		t.Helper()
		c.SendRaw(line)
	}
	next = func() string {
		t.Helper()
		return c.Next().Raw
	}
	return send, next, srv
}

func TestDispatch(t *testing.T) {
	tests := []struct {
		name   string
		policy ParamsPolicy
		in     string
		want   string
	}{
		{"typed request", StrictParams, `{"id":1,"method":"hello","params":{"name":"ann"}}`, `{"id":1,"result":{"greeting":"hi ann"}}`},
		{"handler error", StrictParams, `{"id":2,"method":"hello","params":{"name":"fail"}}`, `{"error":{"code":7,"message":"no"},"id":2}`},
		{"missing required member", StrictParams, `{"id":3,"method":"hello","params":{"title":"x"}}`, `{"error":{"code":-32602,"message":"Invalid params: missing field \"name\""},"id":3}`},
		{"null required member", StrictParams, `{"id":4,"method":"hello","params":{"name":null}}`, `{"error":{"code":-32602,"message":"Invalid params: missing field \"name\""},"id":4}`},
		{"params not an object", StrictParams, `{"id":5,"method":"hello","params":[1]}`, `{"error":{"code":-32602,"message":"Invalid params: params must be an object"},"id":5}`},
		{"wrong member type", StrictParams, `{"id":6,"method":"hello","params":{"name":1}}`, `{"error":{"code":-32602,"message":"Invalid params: params: json: cannot unmarshal number into Go struct field helloParams.name of type string"},"id":6}`},
		{"second handshake", StrictParams, `{"id":7,"method":"initialize","params":{"x":1}}`, `{"error":{"code":-32600,"message":"Already initialized"},"id":7}`},
		{"unknown method", StrictParams, `{"id":"s","method":"nope"}`, `{"error":{"code":-32601,"message":"Method not found: nope"},"id":"s"}`},
		{"notification called as a request", StrictParams, `{"id":8,"method":"note","params":{"name":"x"}}`, `{"error":{"code":-32601,"message":"Method not found: note"},"id":8}`},
		{"lenient: absent params with required members", LenientParams, `{"id":9,"method":"hello"}`, `{"error":{"code":-32602,"message":"Invalid params: missing params"},"id":9}`},
		{"optional params left out", StrictParams, `{"id":11,"method":"maybe"}`, `{"id":11,"result":{"greeting":"hi nobody"}}`},
		{"optional params null", StrictParams, `{"id":12,"method":"maybe","params":null}`, `{"id":12,"result":{"greeting":"hi nobody"}}`},
		{"optional params given", StrictParams, `{"id":13,"method":"maybe","params":{"name":"bo"}}`, `{"id":13,"result":{"greeting":"hi bo"}}`},
		{"optional params still checked", StrictParams, `{"id":14,"method":"maybe","params":{}}`, `{"error":{"code":-32602,"message":"Invalid params: missing field \"name\""},"id":14}`},
		{"lenient: members not checked", LenientParams, `{"id":10,"method":"hello","params":{}}`, `{"id":10,"result":{"greeting":"hi "}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			send, next, _ := pipeSession(t, Options{Params: tt.policy, Handshake: "initialize", NotInitialized: "Not initialized", AlreadyInitialized: "Already initialized"})
			send(`{"id":0,"method":"initialize"}`)
			assert.Equal(t, `{"id":0,"result":{}}`, next())
			send(tt.in)
			assert.Equal(t, tt.want, next())
		})
	}
}

func TestHandshake(t *testing.T) {
	send, next, _ := pipeSession(t, Options{
		Handshake: "initialize", NotInitialized: "Not initialized", AlreadyInitialized: "again",
		BeforeHandshake: []string{"hello"},
	})
	send(`{"id":1,"method":"later","params":{"name":"a"}}`)
	assert.Equal(t, `{"error":{"code":-32600,"message":"Not initialized"},"id":1}`, next())
	send(`{"id":2,"method":"nope"}`)
	assert.Equal(t, `{"error":{"code":-32600,"message":"Not initialized"},"id":2}`, next())
	send(`{"id":3,"method":"hello","params":{"name":"early"}}`)
	assert.Equal(t, `{"id":3,"result":{"greeting":"hi early"}}`, next())
	send(`{"id":4,"method":"initialize","params":{"unexpected":1}}`)
	assert.Equal(t, `{"error":{"code":-32602,"message":"Invalid params: the method takes no params"},"id":4}`, next())
	send(`{"id":5,"method":"initialize"}`)
	assert.Equal(t, `{"id":5,"result":{}}`, next())
	send(`{"id":6,"method":"initialize"}`)
	assert.Equal(t, `{"error":{"code":-32600,"message":"again"},"id":6}`, next())
}

func TestDeferredAnswerAndNotifications(t *testing.T) {
	send, next, srv := pipeSession(t, Options{})
	send(`{"method":"note","params":{"name":"n1"}}`)
	send(`{"method":"note","params":{"name":1}}`) // bad params: dropped
	send(`{"method":"unknown"}`)
	send(`{"id":1,"method":"later","params":{"name":"b"}}`)
	assert.Equal(t, `{"method":"before","params":{"name":"b"}}`, next())
	assert.Equal(t, `{"id":1,"result":{"greeting":"later b"}}`, next())
	assert.Equal(t, "n1", <-srv.notes)
	assert.Empty(t, srv.notes)
}

func TestAnswerExactlyOnce(t *testing.T) {
	inR, inW := io.Pipe()
	defer func() { _ = inW.Close() }()
	conn := jsonrpc2.NewConn(context.Background(), jsonrpcline.NewStream(inR, io.Discard, jsonrpcline.Options{}), jsonrpc2.HandlerWithError(func(context.Context, *jsonrpc2.Conn, *jsonrpc2.Request) (any, error) {
		return nil, nil
	}))
	defer func() { _ = conn.Close() }()
	srv := New(&testServer{}, testTable(), Options{})
	require.True(t, srv.strict, "answers are checked strictly in tests")

	c := &Call{srv: srv.calls, conn: conn, id: jsonrpc2.ID{Num: 1}, method: "later"}
	c.deferAnswer()
	r := Reply[helloResult]{call: c}
	r.Send(context.Background(), helloResult{})
	assert.Panics(t, func() { r.Send(context.Background(), helloResult{}) }, "a second answer panics in tests")

	never := &Call{srv: srv.calls, conn: conn, id: jsonrpc2.ID{Num: 2}, method: "later"}
	never.deferAnswer()
	assert.Panics(t, srv.checkAnswered, "a request never answered panics in tests")
	Reply[helloResult]{call: never}.Abandon()
	assert.NotPanics(t, srv.checkAnswered, "an abandoned request counts as answered")
}

func TestNewRefusesBadTables(t *testing.T) {
	dup := append(testTable(), Request("hello", (*testServer).hello))
	assert.Panics(t, func() { New(&testServer{}, dup, Options{}) })
	assert.Panics(t, func() { New(&testServer{}, []Method[*testServer]{{Name: "empty"}}, Options{}) })
}

func TestRequiredMembers(t *testing.T) {
	type inner struct{}
	type sample struct {
		A string         `json:"a"`
		B *string        `json:"b,omitempty"`
		C inner          `json:"c,omitzero"`
		D int            `json:"-"`
		E map[string]int `json:"e"`
		F int
		g int
	}
	_ = sample{}.g
	assert.Equal(t, []string{"a", "e", "F"}, RequiredMembers(reflectTypeOf[sample]()))
	assert.Nil(t, RequiredMembers(reflectTypeOf[string]()))
}

func TestInvalidParamsf(t *testing.T) {
	err := InvalidParamsf(slog.New(slog.DiscardHandler), "m", "bad %s", "thing")
	assert.Equal(t, int64(jsonrpc2.CodeInvalidParams), err.Code)
	assert.Equal(t, "Invalid params: bad thing", err.Message)
	b, _ := json.Marshal(err)
	assert.JSONEq(t, `{"code":-32602,"message":"Invalid params: bad thing"}`, string(b))
}

func reflectTypeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }
