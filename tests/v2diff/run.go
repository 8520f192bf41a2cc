package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/codex-go/codex/tests/fakemodel"
)

// entry is one line of a transcript: a message the client wrote (c2s) or
// the server wrote (s2c).
type entry struct {
	Dir string          `json:"dir"`
	Msg json.RawMessage `json:"msg"`
	// Answers names the client request a response answers.
	Answers string `json:"answers,omitempty"`
}

// result is what one binary did in one scenario.
type result struct {
	// entries is the transcript in wire order.
	entries []entry
	// requests lists the HTTP requests the fake model received.
	requests []string
	// tools lists the tools the model was made to call.
	tools []string
	// offered lists the tools the first model call offered, sorted.
	offered []string
	// err is why the client script did not run to its end, if it did not.
	err error
	// stderr is the tail of what the binary wrote to its standard error.
	stderr string
}

// wire is a decoded message of either direction.
type wire struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

// client drives one app-server process through a scenario.
type client struct {
	sc      scenario
	stdin   io.WriteCloser
	lines   chan []byte
	nextID  int
	pending map[string]string
	res     *result

	deltas      int
	interrupted bool
	turnDone    bool
}

// config is the config.toml both binaries get: the keys the reference needs
// to stay offline and quiet, and the fake model as provider.
func config(model *fakemodel.Server) string {
	return `model = "gpt-5.5"
check_for_update_on_startup = false
` + model.ConfigTOML() + `
[analytics]
enabled = false
`
}

// childEnv is this process's environment without what would point a binary
// at a real provider or at a user's configuration, plus the given homes.
func childEnv(home, codexHome string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == "HOME" || strings.HasPrefix(name, "CODEX_") || strings.HasPrefix(name, "OPENAI_") || strings.HasPrefix(name, "XDG_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+home, "CODEX_HOME="+codexHome)
}

// runScenario runs sc against bin: a fresh HOME, CODEX_HOME and workspace
// under a temporary directory, and a fake model of its own.
func runScenario(bin string, sc scenario, timeout time.Duration) *result {
	res := &result{}
	root, err := os.MkdirTemp("", "v2diff-")
	if err != nil {
		res.err = err
		return res
	}
	defer func() { _ = os.RemoveAll(root) }()
	home, codexHome, work := filepath.Join(root, "home"), filepath.Join(root, "codex-home"), filepath.Join(root, "workspace")
	for _, d := range []string{home, codexHome, work} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			res.err = err
			return res
		}
	}

	log := &modelLog{}
	model := fakemodel.Start(scriptHandler(log, sc.model))
	defer model.Close()
	if err := os.WriteFile(filepath.Join(codexHome, "config.toml"), []byte(config(model)), 0o600); err != nil {
		res.err = err
		return res
	}

	cmd := exec.Command(bin, "app-server")
	cmd.Dir = work
	cmd.Env = childEnv(home, codexHome)
	var stderr tail
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		res.err = err
		return res
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		res.err = err
		return res
	}
	if err := cmd.Start(); err != nil {
		res.err = err
		return res
	}
	c := &client{sc: sc, stdin: stdin, lines: make(chan []byte, 256), nextID: 1, pending: map[string]string{}, res: res}
	go readLines(stdout, c.lines)

	res.err = c.script(work, time.Now().Add(timeout))

	_ = stdin.Close()
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	select {
	case <-exited:
	case <-time.After(3 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
	res.requests, res.tools, res.offered = log.snapshot()
	sort.Strings(res.offered)
	res.stderr = stderr.String()
	return res
}

// readLines sends every line of r to lines and closes it at the end.
func readLines(r io.Reader, lines chan<- []byte) {
	defer close(lines)
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadBytes('\n')
		if line = bytes.TrimSpace(line); len(line) > 0 {
			lines <- line
		}
		if err != nil {
			return
		}
	}
}

// script is the client side of a scenario: the handshake, a thread, one
// turn, and whatever the scenario does during the turn; it returns once the
// turn completed and the server had a moment to send what follows.
func (c *client) script(work string, deadline time.Time) error {
	if _, err := c.call(deadline, "initialize", map[string]any{
		"clientInfo":   map[string]any{"name": "test_client", "title": "Test Client", "version": "0.0.1"},
		"capabilities": nil,
	}); err != nil {
		return err
	}
	if err := c.write(map[string]any{"method": "initialized"}, ""); err != nil {
		return err
	}
	params := map[string]any{"cwd": work}
	for k, v := range c.sc.thread {
		params[k] = v
	}
	started, err := c.call(deadline, "thread/start", params)
	if err != nil {
		return err
	}
	var thread struct {
		Thread struct {
			ID string `json:"id"`
		} `json:"thread"`
	}
	if err := json.Unmarshal(started, &thread); err != nil || thread.Thread.ID == "" {
		return fmt.Errorf("thread/start: no thread id in %s", started)
	}
	if _, err := c.call(deadline, "turn/start", map[string]any{
		"threadId": thread.Thread.ID,
		"input":    []any{map[string]any{"type": "text", "text": c.sc.prompt, "text_elements": []any{}}},
	}); err != nil {
		return err
	}
	for !c.turnDone {
		if _, err := c.next(deadline); err != nil {
			return fmt.Errorf("waiting for turn/completed: %w", err)
		}
	}
	c.settle()
	if f := c.sc.then; f != nil {
		params := map[string]any{"threadId": thread.Thread.ID}
		for k, v := range f.params {
			params[k] = v
		}
		c.turnDone = false
		if _, err := c.call(deadline, f.method, params); err != nil {
			return err
		}
		for !c.turnDone {
			if _, err := c.next(deadline); err != nil {
				return fmt.Errorf("waiting for the turn/completed of %s: %w", f.method, err)
			}
		}
		c.settle()
	}
	for _, f := range c.sc.calls {
		var params any
		if f.params != nil {
			params = substitute(f.params, thread.Thread.ID, work)
		}
		if err := c.request(deadline, f.method, params); err != nil {
			return err
		}
	}
	if len(c.sc.calls) > 0 {
		c.settle()
	}
	return nil
}

// request sends a request and reads messages until its answer, a result
// or an error alike.
func (c *client) request(deadline time.Time, method string, params any) error {
	id, err := c.send(method, params)
	if err != nil {
		return err
	}
	for {
		m, err := c.next(deadline)
		if err != nil {
			return fmt.Errorf("waiting for the answer to %s: %w", method, err)
		}
		if m.Method == "" && string(bytes.TrimSpace(m.ID)) == id {
			return nil
		}
	}
}

// settle reads what the server sends in a moment after a turn: it belongs
// to the turn too.
func (c *client) settle() {
	grace := time.Now().Add(700 * time.Millisecond)
	for {
		if _, err := c.next(grace); err != nil {
			return
		}
	}
}

// errTimeout means the server sent nothing more before the deadline.
var errTimeout = errors.New("timed out")

// errClosed means the server closed its output.
var errClosed = errors.New("the server closed its output")

// write sends msg; answers, for a request, is its method.
func (c *client) write(msg map[string]any, answers string) error {
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	c.res.entries = append(c.res.entries, entry{Dir: "c2s", Msg: b, Answers: answers})
	_, err = c.stdin.Write(append(b, '\n'))
	return err
}

// send writes a request and returns its id.
func (c *client) send(method string, params any) (string, error) {
	id := c.nextID
	c.nextID++
	key := fmt.Sprint(id)
	c.pending[key] = method
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	return key, c.write(msg, "")
}

// call sends a request and reads messages until its response; an error
// response is an error.
func (c *client) call(deadline time.Time, method string, params any) (json.RawMessage, error) {
	id, err := c.send(method, params)
	if err != nil {
		return nil, err
	}
	for {
		m, err := c.next(deadline)
		if err != nil {
			return nil, fmt.Errorf("waiting for the response to %s: %w", method, err)
		}
		if m.Method == "" && string(bytes.TrimSpace(m.ID)) == id {
			if len(m.Error) > 0 {
				return nil, fmt.Errorf("%s failed: %s", method, m.Error)
			}
			return m.Result, nil
		}
	}
}

// next reads, records and reacts to the next message of the server: it
// answers server requests as the scenario says, interrupts the turn when
// the scenario wants it, and notes the end of the turn.
func (c *client) next(deadline time.Time) (wire, error) {
	var line []byte
	select {
	case l, ok := <-c.lines:
		if !ok {
			return wire{}, errClosed
		}
		line = l
	case <-time.After(time.Until(deadline)):
		return wire{}, errTimeout
	}
	var m wire
	if err := json.Unmarshal(line, &m); err != nil {
		b, _ := json.Marshal(map[string]string{"unparsable": string(line)})
		c.res.entries = append(c.res.entries, entry{Dir: "s2c", Msg: b})
		return m, nil
	}
	e := entry{Dir: "s2c", Msg: append(json.RawMessage(nil), line...)}
	if m.Method == "" {
		key := string(bytes.TrimSpace(m.ID))
		e.Answers = c.pending[key]
		delete(c.pending, key)
	}
	c.res.entries = append(c.res.entries, e)

	switch {
	case m.Method != "" && len(m.ID) > 0:
		return m, c.answer(m)
	case m.Method == "turn/completed":
		c.turnDone = true
	case m.Method == "item/agentMessage/delta":
		c.deltas++
		if c.sc.interruptAfter > 0 && c.deltas >= c.sc.interruptAfter && !c.interrupted {
			c.interrupted = true
			var p struct {
				ThreadID string `json:"threadId"`
				TurnID   string `json:"turnId"`
			}
			_ = json.Unmarshal(m.Params, &p)
			_, err := c.send("turn/interrupt", map[string]any{"threadId": p.ThreadID, "turnId": p.TurnID})
			return m, err
		}
	}
	return m, nil
}

// answer replies to a server request: approvals get the scenario's
// decision, anything else a method-not-found error.
func (c *client) answer(m wire) error {
	switch m.Method {
	case "item/commandExecution/requestApproval", "item/fileChange/requestApproval":
		if c.sc.decision != "" {
			return c.write(map[string]any{"id": m.ID, "result": map[string]any{"decision": c.sc.decision}}, "")
		}
	}
	return c.write(map[string]any{"id": m.ID, "error": map[string]any{"code": -32601, "message": "the client does not handle " + m.Method}}, "")
}

// tail keeps the last 16 KiB written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

// Write implements io.Writer.
func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - 16<<10; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

// String returns what was kept.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
