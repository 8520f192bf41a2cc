// Package appclient is a small client for `codex app-server`: it spawns the
// server, speaks line-delimited JSON-RPC on its stdio, and hands
// notifications and server requests to the caller. The demo and the
// benchmarks use it; it is written the way an editor extension would be.
package appclient

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"

	"github.com/codex-go/codex/protocol"
)

// Message is one line from the server: a response, a notification or a server request.
type Message struct {
	// ID is set on responses and server requests.
	ID json.RawMessage `json:"id,omitempty"`
	// Method is set on notifications and server requests.
	Method string `json:"method,omitempty"`
	// Params are the notification or request params.
	Params json.RawMessage `json:"params,omitempty"`
	// Result is a successful response's result.
	Result json.RawMessage `json:"result,omitempty"`
	// Error is a failed response's error.
	Error *RPCError `json:"error,omitempty"`
}

// RPCError is a JSON-RPC error object.
type RPCError struct {
	// Code is the JSON-RPC error code.
	Code int `json:"code"`
	// Message describes the error.
	Message string `json:"message"`
}

// Error implements error.
func (e *RPCError) Error() string { return fmt.Sprintf("rpc error %d: %s", e.Code, e.Message) }

// Client is a connection to a running app-server process.
type Client struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser

	writeMu sync.Mutex
	mu      sync.Mutex
	nextID  int
	waiting map[string]chan Message

	// Incoming receives every notification and server request, in order.
	Incoming chan Message
	done     chan struct{}
	readErr  error
}

// Start spawns `bin app-server` with the given environment (nil: inherit).
func Start(ctx context.Context, bin string, env []string, extraArgs ...string) (*Client, error) {
	args := append([]string{"app-server"}, extraArgs...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	c := &Client{cmd: cmd, stdin: stdin, waiting: map[string]chan Message{},
		Incoming: make(chan Message, 1024), done: make(chan struct{})}
	go c.read(stdout)
	return c, nil
}

func (c *Client) read(r io.Reader) {
	defer close(c.done)
	defer close(c.Incoming)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		var m Message
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			c.readErr = fmt.Errorf("server wrote a line that is not JSON: %q", sc.Text())
			return
		}
		if m.Method == "" && len(m.ID) > 0 {
			c.mu.Lock()
			ch := c.waiting[string(m.ID)]
			delete(c.waiting, string(m.ID))
			c.mu.Unlock()
			if ch != nil {
				ch <- m
			}
			continue
		}
		c.Incoming <- m
	}
	c.readErr = sc.Err()
}

// Call sends a request and waits for its response, decoding the result into out (if non-nil).
func (c *Client) Call(ctx context.Context, method string, params, out any) error {
	c.mu.Lock()
	id := c.nextID
	c.nextID++
	ch := make(chan Message, 1)
	c.waiting[fmt.Sprint(id)] = ch
	c.mu.Unlock()
	if err := c.send(map[string]any{"id": id, "method": method, "params": params}); err != nil {
		return err
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return m.Error
		}
		if out != nil {
			return json.Unmarshal(m.Result, out)
		}
		return nil
	case <-c.done:
		return errors.New("app-server closed its output")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Reply answers a server request.
func (c *Client) Reply(id json.RawMessage, result any) error {
	return c.send(map[string]any{"id": id, "result": result})
}

func (c *Client) send(v any) error {
	line, err := protocol.Marshal(v)
	if err != nil {
		return err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_, err = c.stdin.Write(append(line, '\n'))
	return err
}

// Pid returns the server's process id.
func (c *Client) Pid() int { return c.cmd.Process.Pid }

// Close closes the server's stdin and waits for it to exit.
func (c *Client) Close() error {
	_ = c.stdin.Close()
	<-c.done
	return c.cmd.Wait()
}

// Event decodes a codex/event/* notification.
func Event(m Message) (conversationID string, ev protocol.Event, err error) {
	var p struct {
		ID             string          `json:"id"`
		Msg            json.RawMessage `json:"msg"`
		ConversationID string          `json:"conversationId"`
	}
	if err := json.Unmarshal(m.Params, &p); err != nil {
		return "", ev, err
	}
	msg, err := protocol.DecodeEventMsg(p.Msg)
	if err != nil {
		return "", ev, err
	}
	return p.ConversationID, protocol.Event{ID: p.ID, Msg: msg}, nil
}
