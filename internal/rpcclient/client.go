// Package rpcclient is the client side of the two stdio JSON-RPC servers,
// `codex app-server` and `codex mcp-server`: one JSON object per line in
// each direction, with or without "jsonrpc":"2.0".
//
// A Client works over any pair of streams (New); Spawn connects it to a
// child process and Serve to a server running in this process over
// in-memory pipes. Responses to Call and Request are routed to their caller
// by id. Every other message (notifications, server requests, and responses
// to requests written with Send or SendRaw) goes to the inbox, where it
// stays in arrival order until the caller takes it with Next or Take. Every
// message keeps the line the server wrote, byte for byte.
//
// # Bounds
//
// The client never makes the server wait: one goroutine reads the server's
// output as fast as it is written, whether or not anybody takes messages
// from the inbox, so a server never blocks on a full pipe and the response
// to a Call never waits behind notifications nobody read. What is read but
// not taken is bounded instead: when the inbox would hold more than
// Options.MaxBacklog bytes of lines, the client fails rather than grow
// without limit or stop reading. From then on every Call, Take and Next
// returns an error wrapping ErrBacklogFull, and the rest of the server's
// output is read and dropped, so that the server can still run to its end
// once its input is closed. A line longer than Options.MaxLine fails the
// client the same way, with ErrLineTooLong.
package rpcclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/codex-go/codex/protocol"
)

// Default bounds; see Options.
const (
	// DefaultMaxLine is the longest line a server may write by default.
	DefaultMaxLine = 64 << 20
	// DefaultMaxBacklog is the default bound of the inbox, in bytes.
	DefaultMaxBacklog = 256 << 20
)

// Errors a Client reports; test them with errors.Is.
var (
	// ErrOutputEnded means the server's output ended.
	ErrOutputEnded = errors.New("the server's output ended")
	// ErrBacklogFull means the inbox outgrew Options.MaxBacklog.
	ErrBacklogFull = errors.New("too many unconsumed messages")
	// ErrLineTooLong means the server wrote a line longer than Options.MaxLine.
	ErrLineTooLong = errors.New("the server wrote a line longer than the limit")
)

// Options configure a Client.
type Options struct {
	// JSONRPC adds "jsonrpc":"2.0" to every message the client writes, as
	// MCP servers expect. The app-server takes messages either way.
	JSONRPC bool
	// MaxLine is the longest line, in bytes, the server may write; zero
	// means DefaultMaxLine.
	MaxLine int
	// MaxBacklog bounds the total length, in bytes, of the lines in the
	// inbox; zero means DefaultMaxBacklog. See the package documentation.
	MaxBacklog int
	// MaxStderr bounds what Spawn keeps of the process's standard error:
	// the last MaxStderr bytes. Zero means 1 MiB.
	MaxStderr int
}

// Message is one line written by the server: a response, a notification or
// a request from the server.
type Message struct {
	// Raw is the line as the server wrote it, without its line ending.
	Raw string
	// ID is the id as written; empty for notifications.
	ID json.RawMessage
	// Method is set on notifications and server requests.
	Method string
	// Params are the params of a notification or server request.
	Params json.RawMessage
	// Result is a successful response's result.
	Result json.RawMessage
	// Error is an error response's error.
	Error *Error
	// Invalid says why the line is not a JSON object; the members above
	// but Raw are then empty.
	Invalid error
}

// IsResponse reports whether m answers a request of the client.
func (m Message) IsResponse() bool { return m.Method == "" && len(m.ID) > 0 }

// IsNotification reports whether m is a notification.
func (m Message) IsNotification() bool { return m.Method != "" && len(m.ID) == 0 }

// IsRequest reports whether m is a request from the server, which expects
// Reply or ReplyError.
func (m Message) IsRequest() bool { return m.Method != "" && len(m.ID) > 0 }

// HasID reports whether m carries the request id id.
func (m Message) HasID(id int) bool { return idKey(m.ID) == strconv.Itoa(id) }

// Error is a JSON-RPC error object.
type Error struct {
	// Code is the JSON-RPC error code.
	Code int64 `json:"code"`
	// Message describes the error.
	Message string `json:"message"`
	// Data is optional detail.
	Data json.RawMessage `json:"data,omitempty"`
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("rpc error %d: %s", e.Code, e.Message) }

// WaitError is what Next and Take return when no message came: the reason
// and the messages that were in the inbox when the wait ended.
type WaitError struct {
	// Err is the reason: the context's error, or an error wrapping
	// ErrOutputEnded, ErrBacklogFull or ErrLineTooLong.
	Err error
	// Unconsumed are the messages left in the inbox, in arrival order.
	Unconsumed []Message
}

// waitErrorLines is how many unconsumed lines WaitError.Error shows.
const waitErrorLines = 10

// Error implements error. It shows the first few unconsumed lines; all of
// them are in Unconsumed.
func (e *WaitError) Error() string {
	lines := rawLines(e.Unconsumed)
	if len(lines) <= waitErrorLines {
		return fmt.Sprintf("%v; unconsumed: %q", e.Err, lines)
	}
	return fmt.Sprintf("%v; unconsumed: %q and %d more", e.Err, lines[:waitErrorLines], len(lines)-waitErrorLines)
}

// Unwrap returns Err.
func (e *WaitError) Unwrap() error { return e.Err }

// rawLines returns the Raw of each message.
func rawLines(ms []Message) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Raw)
	}
	return out
}

// entry is a message in the inbox with its arrival number.
type entry struct {
	seq uint64
	m   Message
}

// Client is a connection to one server. Its methods may be called from
// several goroutines.
type Client struct {
	opts Options
	in   io.WriteCloser

	writeMu   sync.Mutex // serialises writes
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error

	mu        sync.Mutex
	nextID    int
	waiting   map[string]chan Message // request id -> its Call
	abandoned map[string]struct{}     // ids whose Call gave up
	inbox     []entry
	inboxSize int
	nextSeq   uint64
	taken     uint64        // highest arrival number taken from the inbox
	arrived   chan struct{} // closed and replaced when the inbox or the state changes while waiters > 0
	waiters   int           // Takes waiting on arrived
	failure   error         // why reading stopped: output end or a bound
	stopped   chan struct{} // closed when failure is set
	readDone  chan struct{} // closed when the output was read to its end

	// The server's end: done is closed once its output ended and it
	// stopped; serverErr is then its error.
	done      chan struct{}
	serverErr error
	kill      func()
	pid       int
	stderr    *tailBuffer
}

// New returns a client reading the server's output from out and writing
// to the server's input in. Closing in (CloseInput, Shutdown) tells the server
// that the input ended.
func New(out io.Reader, in io.WriteCloser, opts Options) *Client {
	c := start(out, in, opts)
	go func() {
		<-c.readDone
		c.finish(nil)
	}()
	return c
}

// start returns a client whose reader runs; the caller arranges for finish.
func start(out io.Reader, in io.WriteCloser, opts Options) *Client {
	if opts.MaxLine <= 0 {
		opts.MaxLine = DefaultMaxLine
	}
	if opts.MaxBacklog <= 0 {
		opts.MaxBacklog = DefaultMaxBacklog
	}
	c := &Client{
		opts: opts, in: in, nextID: 1,
		waiting: map[string]chan Message{}, abandoned: map[string]struct{}{},
		arrived: make(chan struct{}), stopped: make(chan struct{}), readDone: make(chan struct{}),
		done: make(chan struct{}),
		kill: func() {},
	}
	go c.read(out)
	return c
}

// finish records the server's error and marks the server as stopped.
func (c *Client) finish(err error) {
	c.serverErr = err
	close(c.done)
}

// read reads the server's output until it ends, routing each message.
func (c *Client) read(out io.Reader) {
	defer close(c.readDone)
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 0, min(64<<10, c.opts.MaxLine)), c.opts.MaxLine)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		c.deliver(decode(sc.Bytes()))
	}
	err := sc.Err()
	switch {
	case errors.Is(err, bufio.ErrTooLong):
		c.fail(fmt.Errorf("%w (%d bytes)", ErrLineTooLong, c.opts.MaxLine))
	case err != nil:
		c.fail(fmt.Errorf("%w: %w", ErrOutputEnded, err))
	default:
		c.fail(ErrOutputEnded)
	}
	// Whatever the reason, keep reading so that the server never blocks
	// on its output.
	_, _ = io.Copy(io.Discard, out)
}

// decode parses one line.
func decode(line []byte) Message {
	var w struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
		Result json.RawMessage `json:"result"`
		Error  *Error          `json:"error"`
	}
	m := Message{Raw: string(line)}
	if err := json.Unmarshal(line, &w); err != nil {
		m.Invalid = err
		return m
	}
	m.ID, m.Method, m.Params, m.Result, m.Error = w.ID, w.Method, w.Params, w.Result, w.Error
	return m
}

// idKey is the form of an id that responses are matched by.
func idKey(id json.RawMessage) string { return string(bytes.TrimSpace(id)) }

// deliver hands a message to its Call or puts it in the inbox.
func (c *Client) deliver(m Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m.IsResponse() {
		key := idKey(m.ID)
		if ch, ok := c.waiting[key]; ok {
			delete(c.waiting, key)
			ch <- m // buffered
			return
		}
		if _, ok := c.abandoned[key]; ok {
			delete(c.abandoned, key)
			return
		}
	}
	if c.failure != nil {
		return // failed on a bound: the rest is dropped
	}
	if c.inboxSize+len(m.Raw) > c.opts.MaxBacklog {
		c.failLocked(fmt.Errorf("%w: %d messages (%d bytes) read but not taken, bound %d bytes",
			ErrBacklogFull, len(c.inbox)+1, c.inboxSize+len(m.Raw), c.opts.MaxBacklog))
		return
	}
	c.nextSeq++
	c.inbox = append(c.inbox, entry{seq: c.nextSeq, m: m})
	c.inboxSize += len(m.Raw)
	c.wakeLocked()
}

// fail stops the client with err unless it stopped already.
func (c *Client) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failLocked(err)
}

func (c *Client) failLocked(err error) {
	if c.failure != nil {
		return
	}
	c.failure = err
	close(c.stopped)
	c.wakeLocked()
}

// wakeLocked wakes every waiter of the inbox.
func (c *Client) wakeLocked() {
	if c.waiters == 0 {
		return
	}
	close(c.arrived)
	c.arrived = make(chan struct{})
	c.waiters = 0
}

// Call sends a request and waits for its response, decoding the result
// into out unless out is nil. An error response is returned as *Error.
func (c *Client) Call(ctx context.Context, method string, params, out any) error {
	m, err := c.Request(ctx, method, params)
	if err != nil {
		return err
	}
	if m.Error != nil {
		return m.Error
	}
	if out != nil {
		if err := json.Unmarshal(m.Result, out); err != nil {
			return fmt.Errorf("decode the result of %s: %w", method, err)
		}
	}
	return nil
}

// Request sends a request and waits for its response, which it returns
// whole, error responses included. The error is about the transport or
// ctx. If ctx ends first, the response is dropped when it comes.
func (c *Client) Request(ctx context.Context, method string, params any) (Message, error) {
	c.mu.Lock()
	if c.failure != nil {
		err := c.failure
		c.mu.Unlock()
		return Message{}, fmt.Errorf("no response to %s: %w", method, err)
	}
	id := c.nextID
	c.nextID++
	key := strconv.Itoa(id)
	ch := make(chan Message, 1)
	c.waiting[key] = ch
	c.mu.Unlock()

	if err := c.write(outgoing{ID: id, Method: method, Params: params}); err != nil {
		c.abandon(key)
		return Message{}, fmt.Errorf("send %s: %w", method, err)
	}
	select {
	case m := <-ch:
		return m, nil
	case <-c.stopped:
		select {
		case m := <-ch:
			return m, nil
		default:
		}
		c.abandon(key)
		return Message{}, fmt.Errorf("no response to %s: %w", method, c.failure)
	case <-ctx.Done():
		c.abandon(key)
		select {
		case m := <-ch:
			return m, nil
		default:
		}
		return Message{}, fmt.Errorf("no response to %s: %w", method, ctx.Err())
	}
}

// abandon forgets the Call of id; its response is dropped if it comes.
func (c *Client) abandon(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.waiting[key]; ok {
		delete(c.waiting, key)
		c.abandoned[key] = struct{}{}
	}
}

// Send writes a request with the next id and returns the id without
// waiting. Its response goes to the inbox: take it with Response or Take.
// A nil params is left out.
func (c *Client) Send(method string, params any) (int, error) {
	c.mu.Lock()
	id := c.nextID
	c.nextID++
	c.mu.Unlock()
	return id, c.write(outgoing{ID: id, Method: method, Params: params})
}

// Notify writes a notification. A nil params is left out.
func (c *Client) Notify(method string, params any) error {
	return c.write(outgoing{Method: method, Params: params})
}

// Reply answers the server request with the given id.
func (c *Client) Reply(id json.RawMessage, result any) error {
	raw, err := protocol.Marshal(result)
	if err != nil {
		return err
	}
	return c.write(outgoing{ID: id, Result: raw})
}

// ReplyError answers the server request with the given id with an error.
func (c *Client) ReplyError(id json.RawMessage, code int64, message string) error {
	return c.write(outgoing{ID: id, Error: &Error{Code: code, Message: message}})
}

// SendRaw writes line, which must not contain a newline, as it is.
func (c *Client) SendRaw(line string) error {
	if strings.ContainsRune(line, '\n') {
		return errors.New("a raw line must not contain a newline")
	}
	return c.writeLine([]byte(line))
}

// outgoing is a message the client writes.
type outgoing struct {
	JSONRPC string          `json:"jsonrpc,omitempty"`
	ID      any             `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  any             `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *Error          `json:"error,omitempty"`
}

// write encodes and writes one message.
func (c *Client) write(o outgoing) error {
	if c.opts.JSONRPC {
		o.JSONRPC = "2.0"
	}
	line, err := protocol.Marshal(o)
	if err != nil {
		return err
	}
	return c.writeLine(line)
}

// writeLine writes line and a newline in one write.
func (c *Client) writeLine(line []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.closed.Load() {
		return os.ErrClosed
	}
	_, err := c.in.Write(append(line, '\n'))
	return err
}

// Next removes and returns the oldest message of the inbox, waiting for
// one until ctx ends. The error is a *WaitError.
func (c *Client) Next(ctx context.Context) (Message, error) {
	return c.Take(ctx, func(Message) bool { return true })
}

// Take removes and returns the oldest message of the inbox that match
// accepts, waiting for one until ctx ends. Messages it passes over stay in
// the inbox, in order. match is called with the inbox locked: it must be
// quick and must not call the client. The error is a *WaitError: after the
// output ended, Take still returns the messages that came before the end;
// after a bound failed, it fails at once.
func (c *Client) Take(ctx context.Context, match func(Message) bool) (Message, error) {
	var checked uint64 // arrival numbers up to checked did not match
	for {
		c.mu.Lock()
		if c.failure != nil && !errors.Is(c.failure, ErrOutputEnded) {
			// Messages were dropped: what is left is no longer the stream.
			return Message{}, c.waitErrorLocked(c.failure)
		}
		i := sort.Search(len(c.inbox), func(i int) bool { return c.inbox[i].seq > checked })
		for ; i < len(c.inbox); i++ {
			e := c.inbox[i]
			if match(e.m) {
				c.removeLocked(i)
				c.mu.Unlock()
				return e.m, nil
			}
			checked = e.seq
		}
		if c.failure != nil {
			return Message{}, c.waitErrorLocked(c.failure)
		}
		arrived := c.arrived
		c.waiters++
		c.mu.Unlock()
		select {
		case <-arrived:
		case <-ctx.Done():
			c.mu.Lock()
			return Message{}, c.waitErrorLocked(ctx.Err())
		}
	}
}

// waitErrorLocked returns a WaitError for err and unlocks c.mu.
func (c *Client) waitErrorLocked(err error) *WaitError {
	defer c.mu.Unlock()
	return &WaitError{Err: err, Unconsumed: c.unconsumedLocked()}
}

// removeLocked takes the i-th message out of the inbox.
func (c *Client) removeLocked(i int) {
	e := c.inbox[i]
	c.inboxSize -= len(e.m.Raw)
	c.taken = max(c.taken, e.seq)
	if i == 0 {
		// The usual case: the oldest message. Dropping it from the front
		// keeps taking in order linear; append reallocates in time.
		c.inbox[0] = entry{}
		c.inbox = c.inbox[1:]
		return
	}
	copy(c.inbox[i:], c.inbox[i+1:])
	c.inbox[len(c.inbox)-1] = entry{}
	c.inbox = c.inbox[:len(c.inbox)-1]
}

// Response removes and returns the response to request id from the inbox,
// waiting for it until ctx ends.
func (c *Client) Response(ctx context.Context, id int) (Message, error) {
	return c.Take(ctx, func(m Message) bool { return m.IsResponse() && m.HasID(id) })
}

// Unconsumed returns the messages in the inbox, in arrival order, leaving
// them there.
func (c *Client) Unconsumed() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.unconsumedLocked()
}

func (c *Client) unconsumedLocked() []Message {
	out := make([]Message, 0, len(c.inbox))
	for _, e := range c.inbox {
		out = append(out, e.m)
	}
	return out
}

// Skipped returns the messages in the inbox that arrived before the latest
// message taken from it, leaving them there: the ones that waits passed
// over. Messages that arrived after it are not included.
func (c *Client) Skipped() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Message
	for _, e := range c.inbox {
		if e.seq < c.taken {
			out = append(out, e.m)
		}
	}
	return out
}

// Drain removes and returns every message of the inbox, in arrival order,
// without waiting.
func (c *Client) Drain() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Message, 0, len(c.inbox))
	for _, e := range c.inbox {
		out = append(out, e.m)
		c.taken = max(c.taken, e.seq)
	}
	c.inbox, c.inboxSize = nil, 0
	return out
}

// Failure returns why the client stopped reading: nil while it reads,
// then an error wrapping ErrOutputEnded, ErrBacklogFull or ErrLineTooLong.
func (c *Client) Failure() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failure
}

// CloseInput closes the server's input, which asks it to finish. A write
// blocked on a server that does not read fails; later writes fail with
// os.ErrClosed. Closing again returns the first close's error.
func (c *Client) CloseInput() error {
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		c.closeErr = c.in.Close()
	})
	return c.closeErr
}

// Done is closed once the server stopped: its output ended and, for Spawn
// and Serve, the process exited or the Run function returned.
func (c *Client) Done() <-chan struct{} { return c.done }

// Shutdown closes the server's input and waits until the server stopped.
// If ctx ends first, the server is killed (see Kill). It returns the
// server's error: the process's exit error (Spawn) or what Run returned
// (Serve), or the context's error when the server had to be killed. It
// may be called more than once.
func (c *Client) Shutdown(ctx context.Context) error {
	_ = c.CloseInput()
	select {
	case <-c.done:
		return c.serverErr
	case <-ctx.Done():
		_ = c.Kill()
		return fmt.Errorf("the server did not stop after its input closed: %w", ctx.Err())
	}
}

// Kill stops the server at once, killing the process (Spawn) or cancelling
// the Run function's context (Serve), closes its input and waits until it
// stopped. It returns the server's error.
func (c *Client) Kill() error {
	c.kill()
	_ = c.CloseInput()
	<-c.done
	return c.serverErr
}

// Pid returns the server process's id (Spawn), or 0.
func (c *Client) Pid() int { return c.pid }

// Stderr returns what Spawn kept of the process's standard error: its last
// Options.MaxStderr bytes, when the command had no Stderr of its own.
func (c *Client) Stderr() string {
	if c.stderr == nil {
		return ""
	}
	return c.stderr.String()
}
