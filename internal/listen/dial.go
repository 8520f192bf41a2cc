package listen

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/coder/websocket"
)

// DialOptions configure Dial.
type DialOptions struct {
	// Token, when set, is sent as "Authorization: Bearer TOKEN".
	Token string
	// MaxMessageBytes is the largest message read; zero is
	// DefaultMaxMessageBytes.
	MaxMessageBytes int64
}

// Conn is a client connection to a listening app server: what is written
// to it, one JSON-RPC message per line, is sent as WebSocket text
// messages, and the server's messages are read from it one per line.
type Conn struct {
	ws     *websocket.Conn
	cancel context.CancelFunc
	in     *frameReader
	out    *frameWriter
}

// Dial connects to a Unix or WebSocket endpoint. Over a unix socket the
// WebSocket upgrade is GET ws://localhost/ sent on the socket. When the
// server refuses the upgrade, the error says why and the response is
// returned too.
func Dial(ctx context.Context, ep Endpoint, opts DialOptions) (*Conn, *http.Response, error) {
	ws, resp, err := DialWebSocket(ctx, ep, opts)
	if err != nil {
		return nil, resp, err
	}
	life, cancel := context.WithCancel(context.Background())
	return &Conn{
		ws:     ws,
		cancel: cancel,
		in:     &frameReader{ctx: life, conn: ws},
		out:    &frameWriter{ctx: life, conn: ws, fail: cancel},
	}, resp, nil
}

// DialWebSocket is Dial for callers that handle the WebSocket messages
// themselves (a proxy, say): it returns the connection, with its read
// limit set.
func DialWebSocket(ctx context.Context, ep Endpoint, opts DialOptions) (*websocket.Conn, *http.Response, error) {
	dopts := &websocket.DialOptions{}
	if opts.Token != "" {
		dopts.HTTPHeader = http.Header{"Authorization": {"Bearer " + opts.Token}}
	}
	var url string
	switch ep.Scheme {
	case Unix:
		path := ep.Addr
		dopts.HTTPClient = &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", path)
			},
		}}
		url = "ws://localhost/"
	case WebSocket:
		url = "ws://" + ep.Addr + "/"
	default:
		return nil, nil, fmt.Errorf("dial: %s is not a socket endpoint", ep)
	}
	ws, resp, err := websocket.Dial(ctx, url, dopts)
	if err != nil {
		if resp != nil && resp.Body != nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
			_ = resp.Body.Close()
			err = fmt.Errorf("%w: %s", err, body)
		}
		return nil, resp, err
	}
	ws.SetReadLimit(orDefault(opts.MaxMessageBytes, DefaultMaxMessageBytes))
	return ws, resp, nil
}

// Read reads the server's messages, one per line; io.EOF once the
// connection is closed.
func (c *Conn) Read(p []byte) (int, error) { return c.in.Read(p) }

// Write sends each complete line as one message.
func (c *Conn) Write(p []byte) (int, error) { return c.out.Write(p) }

// Close closes the connection.
func (c *Conn) Close() error {
	err := c.ws.Close(websocket.StatusNormalClosure, "")
	c.cancel()
	return err
}
