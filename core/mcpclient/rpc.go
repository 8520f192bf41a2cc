package mcpclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-go/codex/protocol"
)

// errConnClosed is returned for requests that can no longer be answered: the
// server closed its stdout, or the connection was closed on our side.
var errConnClosed = errors.New("connection to the server closed")

// rpcError is a JSON-RPC error object received in answer to a request.
type rpcError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// Error describes the error with its code.
func (e *rpcError) Error() string {
	return fmt.Sprintf("%s (JSON-RPC error %d)", e.Message, e.Code)
}

// rpcResponse is the outcome of a request: a result or an error.
type rpcResponse struct {
	result json.RawMessage
	err    *rpcError
}

// outgoingRequest is a request or a notification (no ID) as written.
type outgoingRequest struct {
	JSONRPC string `json:"jsonrpc"`
	ID      string `json:"id,omitempty"`
	Method  string `json:"method"`
	Params  any    `json:"params,omitempty"`
}

// outgoingResponse answers a request of the server. Exactly one of Result
// and Error is set.
type outgoingResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  any             `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`
}

// incomingMessage is any message read from the server.
type incomingMessage struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *rpcError       `json:"error"`
}

// requestHandler answers a request of the server. It reports false for a
// method it does not serve. ctx ends when the connection closes.
type requestHandler func(ctx context.Context, id json.RawMessage, method string, params json.RawMessage) (result any, err *rpcError, served bool)

// rpcConn is the client side of a JSON-RPC 2.0 connection over a byte
// stream pair carrying one JSON message per line, as MCP's stdio transport
// does. Requests of the server are answered (ping with an empty result,
// those the handler serves with its answer, anything else with "method not
// found"); its notifications are ignored, as are lines that are not JSON
// messages.
type rpcConn struct {
	out io.WriteCloser
	// handle serves requests of the server other than ping; may be nil.
	handle requestHandler
	// writeMu keeps lines written concurrently from interleaving.
	writeMu sync.Mutex

	// mu guards pending and closed.
	mu      sync.Mutex
	pending map[string]chan rpcResponse
	closed  bool
	// done is closed once no more responses will be delivered.
	done chan struct{}

	// readerDone is closed when the read loop has returned.
	readerDone chan struct{}
	// replies tracks the answers to server requests being written.
	replies sync.WaitGroup
}

// newRPCConn starts reading messages from in and returns a connection
// writing to out. The read loop runs until in reports an error or its end.
func newRPCConn(in io.Reader, out io.WriteCloser) *rpcConn {
	return newRPCConnWith(in, out, nil)
}

// newRPCConnWith is newRPCConn with a handler for the server's requests.
func newRPCConnWith(in io.Reader, out io.WriteCloser, handle requestHandler) *rpcConn {
	c := &rpcConn{
		out:        out,
		handle:     handle,
		pending:    map[string]chan rpcResponse{},
		done:       make(chan struct{}),
		readerDone: make(chan struct{}),
	}
	go c.readLoop(in)
	return c
}

// call sends the request id and waits for its answer, for the end of ctx
// or for the connection to close. A JSON-RPC error answer is returned as a
// *rpcError.
func (c *rpcConn) call(ctx context.Context, id, method string, params any) (json.RawMessage, error) {
	line, err := protocol.Marshal(outgoingRequest{JSONRPC: mcp.JSONRPC_VERSION, ID: id, Method: method, Params: params})
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	ch := make(chan rpcResponse, 1)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, errConnClosed
	}
	c.pending[id] = ch
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}

	if err := c.writeLineCtx(ctx, line); err != nil {
		// The server may have read the request, answered it and closed
		// its output before the write was seen to complete.
		select {
		case resp := <-ch:
			return resp.value()
		default:
		}
		forget()
		return nil, fmt.Errorf("write request: %w", err)
	}
	select {
	case resp := <-ch:
		return resp.value()
	case <-ctx.Done():
		forget()
		return nil, ctx.Err()
	case <-c.done:
		// An answer delivered just before the connection closed wins.
		select {
		case resp := <-ch:
			return resp.value()
		default:
		}
		forget()
		return nil, errConnClosed
	}
}

// value returns the result, or the error as an error.
func (r rpcResponse) value() (json.RawMessage, error) {
	if r.err != nil {
		return nil, r.err
	}
	return r.result, nil
}

// notify sends a notification.
func (c *rpcConn) notify(ctx context.Context, method string, params any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.isClosed() {
		return errConnClosed
	}
	line, err := protocol.Marshal(outgoingRequest{JSONRPC: mcp.JSONRPC_VERSION, Method: method, Params: params})
	if err != nil {
		return fmt.Errorf("encode notification: %w", err)
	}
	if err := c.writeLineCtx(ctx, line); err != nil {
		return fmt.Errorf("write notification: %w", err)
	}
	return nil
}

// writeLineCtx is writeLine that gives up when ctx ends or the connection
// closes: a server that stops reading its input must not hold a call past
// its timeout. The abandoned write finishes, or fails, once the server
// reads again or its input is closed at shutdown.
func (c *rpcConn) writeLineCtx(ctx context.Context, line []byte) error {
	written := make(chan error, 1)
	go func() { written <- c.writeLine(line) }()
	select {
	case err := <-written:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		// A write that completed as the connection closed succeeded.
		select {
		case err := <-written:
			return err
		default:
		}
		return errConnClosed
	}
}

// writeLine writes one message followed by a newline.
func (c *rpcConn) writeLine(line []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_, err := c.out.Write(append(line, '\n'))
	return err
}

// isClosed reports whether the connection has closed.
func (c *rpcConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// markClosed fails the requests waiting for an answer and refuses new ones.
// It reports whether it was the first to do so.
func (c *rpcConn) markClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.closed = true
	close(c.done)
	return true
}

// close fails the requests waiting for an answer and closes the output,
// which tells the server to exit. Safe to call more than once.
func (c *rpcConn) close() error {
	c.markClosed()
	// Not under writeMu: closing the pipe is what releases a write blocked
	// on a server that stopped reading.
	if err := c.out.Close(); err != nil {
		return fmt.Errorf("close server input: %w", err)
	}
	return nil
}

// wait returns once the read loop and the answers to server requests are
// finished. The input must have ended (or been closed) for this to happen.
func (c *rpcConn) wait() {
	<-c.readerDone
	c.replies.Wait()
}

// readLoop reads messages until in fails or ends, then closes the
// connection.
func (c *rpcConn) readLoop(in io.Reader) {
	defer close(c.readerDone)
	defer c.markClosed()
	r := bufio.NewReader(in)
	for {
		line, err := readLine(r, maxLineBytes)
		// A last message without its newline still counts.
		if len(bytes.TrimSpace(line)) > 0 {
			c.dispatch(line)
		}
		if err != nil {
			return
		}
	}
}

// maxLineBytes bounds one line read from a server; longer lines (a server
// printing binary data, say) are skipped rather than buffered whole.
const maxLineBytes = 64 << 20

// readLine returns the next line without its limit-breaking excess: a line
// longer than limit is read to its end and returned empty.
func readLine(r *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	tooLong := false
	for {
		chunk, err := r.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > limit {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return line, err
	}
}

// dispatch handles one line read from the server.
func (c *rpcConn) dispatch(line []byte) {
	var msg incomingMessage
	if err := json.Unmarshal(line, &msg); err != nil {
		// Not a JSON-RPC message: servers sometimes print other output.
		return
	}
	hasID := len(msg.ID) > 0 && string(msg.ID) != "null"
	switch {
	case msg.Method != "" && !hasID:
		// Notifications (progress, logging, list changes) are not used.
	case msg.Method != "":
		c.answer(msg.ID, msg.Method, msg.Params)
	case hasID:
		c.deliver(msg)
	}
}

// deliver hands a response to the request waiting for it. Responses to
// requests nobody waits for any more are dropped.
func (c *rpcConn) deliver(msg incomingMessage) {
	var id string
	if err := json.Unmarshal(msg.ID, &id); err != nil {
		// Every request of ours has a string ID.
		return
	}
	c.mu.Lock()
	ch, ok := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if ok {
		ch <- rpcResponse{result: msg.Result, err: msg.Error}
	}
}

// answer replies to a request of the server, in the background so that the
// read loop never blocks on writing nor on a handler waiting for the user.
func (c *rpcConn) answer(id json.RawMessage, method string, params json.RawMessage) {
	if c.isClosed() {
		return
	}
	c.replies.Go(func() {
		resp := outgoingResponse{JSONRPC: mcp.JSONRPC_VERSION, ID: id}
		served := false
		if method == string(mcp.MethodPing) {
			resp.Result, served = struct{}{}, true
		} else if c.handle != nil {
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				select {
				case <-c.done:
					cancel()
				case <-ctx.Done():
				}
			}()
			resp.Result, resp.Error, served = c.handle(ctx, id, method, params)
			cancel()
		}
		if !served {
			resp.Result = nil
			resp.Error = &rpcError{Code: mcp.METHOD_NOT_FOUND, Message: "Method not found: " + method}
		}
		line, err := protocol.Marshal(resp)
		if err != nil {
			line, _ = protocol.Marshal(outgoingResponse{JSONRPC: mcp.JSONRPC_VERSION, ID: id,
				Error: &rpcError{Code: mcp.INTERNAL_ERROR, Message: "encode result: " + err.Error()}})
		}
		// A failed write means the server has gone; there is no one to tell.
		_ = c.writeLine(line)
	})
}
