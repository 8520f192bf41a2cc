package mcpclient

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// peer is the server end of a connection: it reads what the client writes
// and writes lines for the client to read.
type peer struct {
	t      *testing.T
	in     *bufio.Reader
	out    *io.PipeWriter
	fromUs *io.PipeReader
}

// newPeer connects a client connection to a scripted server end. Both are
// closed when the test ends.
func newPeer(t *testing.T) (*rpcConn, *peer) {
	t.Helper()
	clientIn, peerOut := io.Pipe()
	peerIn, clientOut := io.Pipe()
	conn := newRPCConn(clientIn, clientOut)
	p := &peer{t: t, in: bufio.NewReader(peerIn), out: peerOut, fromUs: peerIn}
	t.Cleanup(func() {
		_ = conn.close()
		_ = peerOut.Close()
		_ = peerIn.Close()
		conn.wait()
	})
	return conn, p
}

// read returns the next message the client wrote.
func (p *peer) read() map[string]any {
	p.t.Helper()
	line, err := p.in.ReadBytes('\n')
	require.NoError(p.t, err)
	var msg map[string]any
	require.NoError(p.t, json.Unmarshal(line, &msg), "line %q", line)
	return msg
}

// send writes lines to the client, each followed by a newline.
func (p *peer) send(lines ...string) {
	p.t.Helper()
	for _, l := range lines {
		_, err := io.WriteString(p.out, l+"\n")
		require.NoError(p.t, err)
	}
}

// newTestServer returns a server speaking over conn, not backed by a process.
func newTestServer(conn *rpcConn) *server {
	s := &server{name: "fake", conn: conn}
	s.lifetime, s.cancel = context.WithCancel(context.Background())
	return s
}

func TestHandshakeWire(t *testing.T) {
	conn, p := newPeer(t)
	s := newTestServer(conn)
	defer s.cancel()

	type outcome struct {
		tools []listedTool
		err   error
	}
	done := make(chan outcome, 1)
	go func() {
		tools, err := handshake(context.Background(), s)
		done <- outcome{tools, err}
	}()

	initMsg := p.read()
	assert.Equal(t, "2.0", initMsg["jsonrpc"])
	assert.Equal(t, "initialize", initMsg["method"])
	assert.Equal(t, "codex-1", initMsg["id"])
	params := initMsg["params"].(map[string]any)
	assert.Equal(t, "2025-06-18", params["protocolVersion"])
	assert.Equal(t, map[string]any{}, params["capabilities"])
	info := params["clientInfo"].(map[string]any)
	assert.Equal(t, "codex-mcp-client", info["name"])
	assert.Equal(t, "Codex", info["title"])
	assert.NotEmpty(t, info["version"])

	// Before answering, the server asks things of the client, notifies it
	// and prints a stray line: only the requests get answers.
	p.send(
		`{"jsonrpc":"2.0","id":7,"method":"ping"}`,
		`{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"hello"}}`,
		`this is not JSON`,
		`{"jsonrpc":"2.0","id":"s-1","method":"sampling/createMessage","params":{}}`,
	)
	replies := map[any]map[string]any{}
	for range 2 {
		msg := p.read()
		replies[msg["id"]] = msg
	}
	assert.Equal(t, map[string]any{"jsonrpc": "2.0", "id": float64(7), "result": map[string]any{}}, replies[float64(7)])
	unknown := replies["s-1"]
	require.NotNil(t, unknown)
	assert.Nil(t, unknown["result"])
	assert.Equal(t, float64(-32601), unknown["error"].(map[string]any)["code"])

	p.send(`{"jsonrpc":"2.0","id":"codex-1","result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"fake","version":"1"}}}`)
	assert.Equal(t, map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"}, p.read())

	// The tool list comes in two pages.
	list := p.read()
	assert.Equal(t, "tools/list", list["method"])
	assert.NotContains(t, list, "params")
	p.send(`{"jsonrpc":"2.0","id":"` + list["id"].(string) + `","result":{"tools":[{"name":"a","description":"first","inputSchema":{"type":"object"}}],"nextCursor":"page2"}}`)
	list = p.read()
	assert.Equal(t, "tools/list", list["method"])
	assert.Equal(t, map[string]any{"cursor": "page2"}, list["params"])
	p.send(`{"jsonrpc":"2.0","id":"` + list["id"].(string) + `","result":{"tools":[{"name":"b","inputSchema":{"type":"object","properties":{"x":{"type":"string"}}}}]}}`)

	got := <-done
	require.NoError(t, got.err)
	require.Len(t, got.tools, 2)
	assert.Equal(t, "a", got.tools[0].name)
	assert.Equal(t, "first", got.tools[0].description)
	assert.Equal(t, "b", got.tools[1].name)
	assert.JSONEq(t, `{"type":"object","properties":{"x":{"type":"string"}}}`, string(got.tools[1].inputSchema))
}

func TestHandshakeRejects(t *testing.T) {
	tests := []struct {
		name   string
		answer string
		want   string
	}{
		{
			name:   "unknown protocol version",
			answer: `{"jsonrpc":"2.0","id":"codex-1","result":{"protocolVersion":"1999-01-01","capabilities":{}}}`,
			want:   `initialize: unsupported protocol version: "1999-01-01"`,
		},
		{
			name:   "error answer",
			answer: `{"jsonrpc":"2.0","id":"codex-1","error":{"code":-32602,"message":"bad params"}}`,
			want:   `initialize: bad params (JSON-RPC error -32602)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, p := newPeer(t)
			s := newTestServer(conn)
			defer s.cancel()
			done := make(chan error, 1)
			go func() {
				_, err := handshake(context.Background(), s)
				done <- err
			}()
			p.read()
			p.send(tt.answer)
			err := <-done
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestCancelledRequestIsAnnounced(t *testing.T) {
	conn, p := newPeer(t)
	s := newTestServer(conn)
	defer s.cancel()

	reason := errors.New("the user gave up")
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.request(ctx, "tools/call", callParams{Name: "slow", Arguments: json.RawMessage(`{"x":"<b>"}`)})
		done <- err
	}()
	call := p.read()
	assert.Equal(t, "tools/call", call["method"])
	cancel(reason)
	require.ErrorIs(t, <-done, context.Canceled)

	notice := p.read()
	assert.Equal(t, "notifications/cancelled", notice["method"])
	assert.Equal(t, map[string]any{"requestId": call["id"], "reason": "the user gave up"}, notice["params"])
	s.notices.Wait()

	// A late answer to the cancelled request is dropped, and the
	// connection keeps working.
	p.send(`{"jsonrpc":"2.0","id":"` + call["id"].(string) + `","result":{"content":[]}}`)
	next := make(chan error, 1)
	go func() {
		res, err := s.request(context.Background(), "tools/call", callParams{Name: "echo"})
		if err == nil && string(res) != `{"ok":true}` {
			err = errors.New("unexpected result " + string(res))
		}
		next <- err
	}()
	call = p.read()
	p.send(`{"jsonrpc":"2.0","id":"` + call["id"].(string) + `","result":{"ok":true}}`)
	require.NoError(t, <-next)
}

func TestRawArgumentsAreNotEscaped(t *testing.T) {
	conn, p := newPeer(t)
	done := make(chan error, 1)
	go func() {
		_, err := conn.call(context.Background(), "codex-9", "tools/call", callParams{Name: "echo", Arguments: json.RawMessage(`{"text":"<a & b>"}`)})
		done <- err
	}()
	line, err := p.in.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, `{"jsonrpc":"2.0","id":"codex-9","method":"tools/call","params":{"name":"echo","arguments":{"text":"<a & b>"}}}`+"\n", line)
	p.send(`{"jsonrpc":"2.0","id":"codex-9","result":{}}`)
	require.NoError(t, <-done)
}

func TestConnectionClosing(t *testing.T) {
	tests := []struct {
		name string
		// end finishes the connection while a call is waiting.
		end func(conn *rpcConn, p *peer, id string)
		// wantResult is the result expected, or "" for errConnClosed.
		wantResult string
	}{
		{
			name: "server closes its output",
			end:  func(_ *rpcConn, p *peer, _ string) { _ = p.out.Close() },
		},
		{
			name: "answer then end of output",
			end: func(_ *rpcConn, p *peer, id string) {
				// The last message lacks its newline.
				_, _ = io.WriteString(p.out, `{"jsonrpc":"2.0","id":"`+id+`","result":{"last":1}}`)
				_ = p.out.Close()
			},
			wantResult: `{"last":1}`,
		},
		{
			name: "client closes",
			end:  func(conn *rpcConn, _ *peer, _ string) { _ = conn.close() },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, p := newPeer(t)
			type outcome struct {
				res json.RawMessage
				err error
			}
			done := make(chan outcome, 1)
			go func() {
				res, err := conn.call(context.Background(), "codex-1", "tools/list", nil)
				done <- outcome{res, err}
			}()
			p.read()
			tt.end(conn, p, "codex-1")
			got := <-done
			if tt.wantResult != "" {
				require.NoError(t, got.err)
				assert.JSONEq(t, tt.wantResult, string(got.res))
				return
			}
			require.ErrorIs(t, got.err, errConnClosed)

			// Nothing more can be sent.
			_, err := conn.call(context.Background(), "codex-2", "tools/list", nil)
			require.ErrorIs(t, err, errConnClosed)
			require.ErrorIs(t, conn.notify(context.Background(), "notifications/initialized", nil), errConnClosed)
		})
	}
}

func TestReadLineSkipsLinesOverTheLimit(t *testing.T) {
	input := "short\n" + strings.Repeat("x", 100) + "\nafter\nlast"
	r := bufio.NewReaderSize(strings.NewReader(input), 16)
	var got []string
	for {
		line, err := readLine(r, 32)
		got = append(got, string(line))
		if err != nil {
			break
		}
	}
	assert.Equal(t, []string{"short\n", "", "after\n", "last"}, got)
}

func TestCallGivesUpWhenTheServerStopsReading(t *testing.T) {
	// Nobody reads the server's input: a large request cannot be written.
	outR, outW := io.Pipe()
	defer outR.Close()
	inR, inW := io.Pipe()
	defer inW.Close()
	c := newRPCConn(inR, outW)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.call(ctx, "codex-1", "tools/call", map[string]string{"big": strings.Repeat("y", 1<<20)})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	require.NoError(t, c.close())
}
