package main

// The rows of the app-server's WebSocket transport (`--listen ws://`):
// round-trip latency of a small request, and many clients streaming long
// turns from one server at once. Both binaries speak the v2 protocol there
// and serve loopback connections without a token, so these rows compare
// with codex-cli 0.171.0.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

// fanoutClients is the number of clients of the ws-fanout rows.
const fanoutClients = 100

// wsServer is a running `codex app-server --listen ws://127.0.0.1:PORT`.
type wsServer struct {
	cmd  *exec.Cmd
	url  string
	done chan error
}

// startWSServer starts an app-server of t listening on a free loopback
// port and waits until it takes WebSocket connections.
func startWSServer(ctx context.Context, r *runner, t *target) (*wsServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	args := []string{"app-server", "--listen", "ws://" + addr}
	if t.Name == nameOurs {
		// Ours wants the opt-out of authentication said; 0.171 serves a
		// loopback address without it.
		args = append(args, "--ws-auth", "none")
	}
	cmd := exec.Command(t.Bin, args...)
	cmd.Env = t.env()
	cmd.Dir = t.Workspace
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s app-server --listen: %w", t.Name, err)
	}
	s := &wsServer{cmd: cmd, url: "ws://" + addr + "/", done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	for {
		c, err := s.dial(ctx)
		if err == nil {
			_ = c.conn.Close(websocket.StatusNormalClosure, "")
			return s, nil
		}
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("%s app-server --listen exited: %v", t.Name, err)
		case <-ctx.Done():
			_ = s.close()
			return nil, fmt.Errorf("%s app-server did not take connections on %s: %w", t.Name, addr, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// close stops the server: SIGTERM, then a kill after closeGrace.
func (s *wsServer) close() error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return nil
	case <-time.After(closeGrace):
		_ = s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("app-server did not exit within %s of SIGTERM", closeGrace)
	}
}

// wsMessage is one JSON-RPC message read from a WebSocket.
type wsMessage struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// wsClient is one WebSocket client of a wsServer; it is used by one
// goroutine.
type wsClient struct {
	conn *websocket.Conn
	next int
	// backlog holds the notifications read while waiting for a response.
	backlog []wsMessage
}

// dial connects a client.
func (s *wsServer) dial(ctx context.Context) (*wsClient, error) {
	conn, _, err := websocket.Dial(ctx, s.url, nil)
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(64 << 20)
	return &wsClient{conn: conn}, nil
}

// read returns the next message, from the backlog first.
func (c *wsClient) read(ctx context.Context) (wsMessage, error) {
	if len(c.backlog) > 0 {
		m := c.backlog[0]
		c.backlog = c.backlog[1:]
		return m, nil
	}
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		return wsMessage{}, err
	}
	var m wsMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return wsMessage{}, fmt.Errorf("a frame that is not JSON: %.100q", b)
	}
	return m, nil
}

// notify sends a notification.
func (c *wsClient) notify(ctx context.Context, method string) error {
	b, _ := json.Marshal(map[string]any{"method": method})
	return c.conn.Write(ctx, websocket.MessageText, b)
}

// call sends a request and decodes its result into out (when not nil).
// Notifications read meanwhile are kept for later reads.
func (c *wsClient) call(ctx context.Context, method string, params, out any) error {
	c.next++
	id := strconv.Itoa(c.next)
	b, err := json.Marshal(map[string]any{"id": c.next, "method": method, "params": params})
	if err != nil {
		return err
	}
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	var kept []wsMessage
	defer func() { c.backlog = append(kept, c.backlog...) }()
	for {
		_, b, err := c.conn.Read(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("%s: a frame that is not JSON: %.100q", method, b)
		}
		if m.Method != "" {
			if len(m.ID) > 0 {
				return fmt.Errorf("%s: unexpected server request %s", method, m.Method)
			}
			kept = append(kept, m)
			continue
		}
		if string(m.ID) != id {
			return fmt.Errorf("%s: a response to id %s, want %s", method, m.ID, id)
		}
		if m.Error != nil {
			return fmt.Errorf("%s: error %d: %s", method, m.Error.Code, m.Error.Message)
		}
		if out != nil {
			if err := json.Unmarshal(m.Result, out); err != nil {
				return fmt.Errorf("%s: decode result: %w", method, err)
			}
		}
		return nil
	}
}

// initialize performs the v2 handshake.
func (c *wsClient) initialize(ctx context.Context) error {
	var resp struct {
		UserAgent string `json:"userAgent"`
	}
	if err := c.call(ctx, "initialize", v2InitializeParams(), &resp); err != nil {
		return err
	}
	if resp.UserAgent == "" {
		return errors.New("initialize: the answer has no userAgent")
	}
	return c.notify(ctx, methodInitialized)
}

// streamTurn starts a thread and a turn streaming the long answer, and
// reads the turn's notifications up to turn/completed.
func (c *wsClient) streamTurn(ctx context.Context, workspace string) (*v2TurnStats, error) {
	var thread struct {
		Thread struct {
			ID string `json:"id"`
		} `json:"thread"`
	}
	params := map[string]any{"cwd": workspace, "approvalPolicy": "never", "sandbox": "read-only"}
	if err := c.call(ctx, methodThreadStart, params, &thread); err != nil {
		return nil, err
	}
	var turn struct {
		Turn struct {
			ID string `json:"id"`
		} `json:"turn"`
	}
	if err := c.call(ctx, methodTurnStart, map[string]any{
		"threadId": thread.Thread.ID,
		"input":    []any{map[string]any{"type": "text", "text": streamPrompt}},
	}, &turn); err != nil {
		return nil, err
	}
	st := &v2TurnStats{}
	for {
		m, err := c.read(ctx)
		if err != nil {
			return st, fmt.Errorf("waiting for turn/completed: %w", err)
		}
		if len(m.ID) > 0 {
			return st, fmt.Errorf("unexpected server request %s during a text turn", m.Method)
		}
		n, ok, err := decodeTurnNotice(m.Method, m.Params)
		if err != nil {
			return st, err
		}
		if !ok {
			continue
		}
		if n.ThreadID != thread.Thread.ID {
			return st, fmt.Errorf("%s of thread %s reached the client of thread %s", m.Method, n.ThreadID, thread.Thread.ID)
		}
		if done, err := st.add(m.Method, n, turn.Turn.ID); done || err != nil {
			return st, err
		}
	}
}

// prepareWSRoundTrip starts one server and one initialized client for all
// samples; each sample times one thread/loaded/list request, from writing
// its frame to reading its answer.
func prepareWSRoundTrip(ctx context.Context, r *runner, t *target) (sampleFunc, func() error, error) {
	s, err := startWSServer(ctx, r, t)
	if err != nil {
		return nil, nil, err
	}
	initCtx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	c, err := s.dial(initCtx)
	if err == nil {
		err = c.initialize(initCtx)
	}
	if err != nil {
		_ = s.close()
		return nil, nil, err
	}
	sample := func(ctx context.Context) (float64, error) {
		ctx, cancel := context.WithTimeout(ctx, r.timeout)
		defer cancel()
		var resp struct {
			Data []string `json:"data"`
		}
		start := time.Now()
		if err := c.call(ctx, "thread/loaded/list", map[string]any{}, &resp); err != nil {
			return 0, err
		}
		elapsed := millisSince(start)
		// Notifications the server sent meanwhile are not kept.
		c.backlog = nil
		return elapsed, nil
	}
	cleanup := func() error {
		_ = c.conn.Close(websocket.StatusNormalClosure, "")
		return s.close()
	}
	return sample, cleanup, nil
}

// fanoutRun starts a fresh server, connects fanoutClients clients that
// each start a thread and stream the 10,000-delta answer at the same time,
// and checks that every client got all its deltas. It returns the time
// from the first turn/start to the last turn/completed and the server's
// peak resident set in bytes.
func (r *runner) fanoutRun(ctx context.Context, t *target) (time.Duration, int64, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	s, err := startWSServer(ctx, r, t)
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = s.close() }()
	clients := make([]*wsClient, fanoutClients)
	for i := range clients {
		c, err := s.dial(ctx)
		if err == nil {
			err = c.initialize(ctx)
		}
		if err != nil {
			return 0, 0, fmt.Errorf("client %d: %w", i+1, err)
		}
		defer func() { _ = c.conn.CloseNow() }()
		clients[i] = c
	}
	calls := r.modelCalls()
	errs := make([]error, len(clients))
	var wg sync.WaitGroup
	start := time.Now()
	for i, c := range clients {
		wg.Go(func() {
			st, err := c.streamTurn(ctx, t.Workspace)
			if err == nil {
				err = checkStreamTurn(st)
			}
			if err != nil {
				errs[i] = fmt.Errorf("client %d: %w", i+1, err)
				cancel()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return 0, 0, err
	}
	if got := r.modelCalls() - calls; got < fanoutClients {
		return 0, 0, fmt.Errorf("the provider got %d requests for %d turns", got, fanoutClients)
	}
	hwm, err := vmHWM(s.cmd.Process.Pid)
	if err != nil {
		return 0, 0, err
	}
	return elapsed, hwm, nil
}

// prepareWSFanout times fanoutRun, a fresh server per sample.
func prepareWSFanout(_ context.Context, r *runner, t *target) (sampleFunc, func() error, error) {
	sample := func(ctx context.Context) (float64, error) {
		elapsed, _, err := r.fanoutRun(ctx, t)
		return float64(elapsed) / float64(time.Millisecond), err
	}
	return sample, noCleanup, nil
}

// prepareWSFanoutRSS reports the peak resident set of fanoutRun's server.
func prepareWSFanoutRSS(_ context.Context, r *runner, t *target) (sampleFunc, func() error, error) {
	sample := func(ctx context.Context) (float64, error) {
		_, hwm, err := r.fanoutRun(ctx, t)
		return float64(hwm) / (1 << 20), err
	}
	return sample, noCleanup, nil
}
