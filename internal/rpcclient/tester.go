package rpcclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// TB is the part of testing.TB that a Tester uses.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Tester drives a Client from a test: every wait is bounded by a time
// limit, and every failure ends the test with a message that says what was
// awaited and what arrived instead. Test harnesses build their domain
// helpers (initialize, newConversation, ...) on top of it.
type Tester struct {
	c     *Client
	t     TB
	limit time.Duration
}

// NewTester returns a Tester of c for t whose waits last at most limit.
func NewTester(t TB, c *Client, limit time.Duration) *Tester {
	return &Tester{c: c, t: t, limit: limit}
}

// Client returns the client the Tester drives.
func (x *Tester) Client() *Client { return x.c }

// Take removes and returns the oldest message of the inbox that match
// accepts, waiting for it at most the time limit; what names the message
// in the failure.
func (x *Tester) Take(match func(Message) bool, what string) Message {
	x.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), x.limit)
	defer cancel()
	m, err := x.c.Take(ctx, match)
	if err == nil {
		return m
	}
	var werr *WaitError
	if !errors.As(err, &werr) {
		x.t.Fatalf("waiting for %s: %v", what, err)
		return Message{}
	}
	lines := rawLines(werr.Unconsumed)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		x.t.Fatalf("no %s after %s; unconsumed: %q", what, x.limit, lines)
	case errors.Is(err, ErrOutputEnded):
		x.t.Fatalf("server output ended while waiting for %s; unconsumed: %q%s", what, lines, x.stderr())
	default:
		x.t.Fatalf("waiting for %s: %v; unconsumed: %q%s", what, werr.Err, lines, x.stderr())
	}
	return Message{}
}

// stderr is the server's standard error for a failure message.
func (x *Tester) stderr() string {
	if s := x.c.Stderr(); s != "" {
		return "; stderr:\n" + s
	}
	return ""
}

// Next removes and returns the oldest message of the inbox.
func (x *Tester) Next() Message {
	x.t.Helper()
	return x.Take(func(Message) bool { return true }, "message")
}

// Response waits for the response to request id.
func (x *Tester) Response(id int) Message {
	x.t.Helper()
	return x.Take(func(m Message) bool { return m.IsResponse() && m.HasID(id) },
		fmt.Sprintf("response to request %d", id))
}

// Send writes a request with the next id and returns the id; its response
// goes to the inbox. A nil params is left out.
func (x *Tester) Send(method string, params any) int {
	x.t.Helper()
	id, err := x.c.Send(method, params)
	if err != nil {
		x.t.Fatalf("send %s: %v", method, err)
	}
	return id
}

// Call sends a request and waits for its response in the inbox; messages
// that arrive before it stay there.
func (x *Tester) Call(method string, params any) Message {
	x.t.Helper()
	return x.Response(x.Send(method, params))
}

// CallResult is Call for a request that must succeed; it decodes the
// result into out unless out is nil.
func (x *Tester) CallResult(method string, params, out any) Message {
	x.t.Helper()
	m := x.Call(method, params)
	if m.Error != nil {
		x.t.Fatalf("%s failed: %s", method, m.Raw)
	}
	if out != nil {
		if err := json.Unmarshal(m.Result, out); err != nil {
			x.t.Fatalf("decode the result of %s: %v: %s", method, err, m.Raw)
		}
	}
	return m
}

// Notify writes a notification. A nil params is left out.
func (x *Tester) Notify(method string, params any) {
	x.t.Helper()
	if err := x.c.Notify(method, params); err != nil {
		x.t.Fatalf("notify %s: %v", method, err)
	}
}

// Reply answers the server request with the given id.
func (x *Tester) Reply(id json.RawMessage, result any) {
	x.t.Helper()
	if err := x.c.Reply(id, result); err != nil {
		x.t.Fatalf("reply to %s: %v", id, err)
	}
}

// SendRaw writes line as it is.
func (x *Tester) SendRaw(line string) {
	x.t.Helper()
	if err := x.c.SendRaw(line); err != nil {
		x.t.Fatalf("send %q: %v", line, err)
	}
}

// Sendf writes the line fmt.Sprintf(format, args...).
func (x *Tester) Sendf(format string, args ...any) {
	x.t.Helper()
	x.SendRaw(fmt.Sprintf(format, args...))
}

// CloseInput closes the server's input.
func (x *Tester) CloseInput() {
	x.t.Helper()
	if err := x.c.CloseInput(); err != nil {
		x.t.Fatalf("close the server's input: %v", err)
	}
}

// Shutdown closes the server's input and waits at most the time limit for
// the server to stop, failing the test if it does not. It returns the
// server's error (see Client.Shutdown).
func (x *Tester) Shutdown() error {
	x.t.Helper()
	x.CloseInput()
	select {
	case <-x.c.Done():
		return x.c.Shutdown(context.Background())
	case <-time.After(x.limit):
		_ = x.c.Kill()
		x.t.Fatalf("server still running %s after its input closed%s", x.limit, x.stderr())
		return nil
	}
}

// Skipped returns the Raw of each message that waits passed over and
// that is still in the inbox (see Client.Skipped).
func (x *Tester) Skipped() []string { return rawLines(x.c.Skipped()) }
