package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The hostile-input section feeds each stdio server input a careless or
// malicious client could send and records whether the server keeps
// serving, how long it takes and its peak resident set. It runs after the
// benchmarks, once per server and binary; see README.md.

// hostileKey selects the hostile-input section in -only.
const hostileKey = "hostile"

// hostileConfig sizes the hostile-input section.
type hostileConfig struct {
	// requests is the number of requests sent in one write.
	requests int
	// lineBytes is the length of each oversized line.
	lineBytes int
	// stall is how long a client sends requests without reading answers.
	stall time.Duration
	// wait bounds every wait for an answer.
	wait time.Duration
	// rssLimit is the resident set at which a server is killed, to keep
	// the machine usable; 0 means no limit.
	rssLimit int64
}

// defaultHostileConfig is what `make bench` runs.
func defaultHostileConfig() hostileConfig {
	return hostileConfig{
		requests:  100_000,
		lineBytes: 100 << 20,
		stall:     2 * time.Second,
		wait:      10 * time.Second,
		rssLimit:  4 << 30,
	}
}

// hostileServer says how to talk to one stdio server.
type hostileServer struct {
	// command is the codex subcommand, also the name in the report.
	command string
	// handshake are the lines sent first; the answer to handshakeID ends
	// the handshake, and then the line after is sent (if any).
	handshake []string
	// handshakeID is the JSON text of the id the handshake waits for.
	handshakeID string
	// initialized is sent after the handshake's answer, when not empty.
	initialized string
	// method is a cheap request every version answers.
	method string
	// version is the "jsonrpc" member of requests, if any.
	version string
}

// hostileServers returns the two stdio servers.
func hostileServers() []hostileServer {
	return []hostileServer{
		{
			command:     "app-server",
			handshake:   []string{`{"id":0,"method":"initialize","params":{"clientInfo":{"name":"codex-bench","version":"1.0.0"}}}`},
			handshakeID: "0",
			method:      "getUserAgent",
		},
		{
			command:     "mcp-server",
			handshake:   []string{mcpInitializeRequest()},
			handshakeID: "1",
			initialized: `{"jsonrpc":"2.0","method":"notifications/initialized"}`,
			method:      "ping",
			version:     `"jsonrpc":"2.0",`,
		},
	}
}

// request returns the server's cheap request with the given id, without
// the newline.
func (s hostileServer) request(id int) string {
	return fmt.Sprintf(`{%s"id":%d,"method":%q}`, s.version, id, s.method)
}

// hostileScenario is one kind of hostile input.
type hostileScenario struct {
	// key names the scenario in the JSON report.
	key string
	// title describes it in the table.
	title string
	// run feeds the input to a started, initialized server and reports
	// what happened.
	run func(ctx context.Context, cfg hostileConfig, s hostileServer, p *hostileProc) hostileOutcome
}

// hostileScenarios lists the scenarios in report order.
func hostileScenarios(cfg hostileConfig) []hostileScenario {
	size := formatBytes(int64(cfg.lineBytes))
	return []hostileScenario{
		{key: "flood", title: fmt.Sprintf("%d requests in one write", cfg.requests), run: runFlood},
		{key: "batch-line", title: fmt.Sprintf("one %s line [1,1,...], then a request", size), run: runBatchLine},
		{key: "string-line", title: fmt.Sprintf("one %s string param, then a request", size), run: runStringLine},
		{key: "stalled-reader", title: fmt.Sprintf("client sends for %s without reading", cfg.stall), run: runStalledReader},
	}
}

// hostileOutcome is what one scenario observed.
type hostileOutcome struct {
	// ok says the server kept serving: it answered everything asked, or
	// stayed alive for the stalled reader.
	ok bool
	// outcome says what happened, in words.
	outcome string
	// millis is the time to the last answer, when everything was
	// answered.
	millis *float64
}

// hostileResult is one row of the hostile-input table.
type hostileResult struct {
	Key     string   `json:"key"`
	Title   string   `json:"title"`
	Server  string   `json:"server"`
	Binary  string   `json:"binary"`
	OK      bool     `json:"ok"`
	Outcome string   `json:"outcome"`
	Millis  *float64 `json:"ms,omitempty"`
	// PeakRSSMiB is the server's VmHWM when the scenario ended.
	PeakRSSMiB float64 `json:"peakRssMiB"`
	// Error is set when the scenario could not be run at all.
	Error string `json:"error,omitempty"`
}

// splitOnly separates the hostile key from the -only list. It returns
// the benchmark keys left, whether no benchmark is selected, and whether
// the hostile section runs: always without -only, else when named.
func splitOnly(only string, hostile bool) (rest string, noBenchmarks, runHostile bool) {
	if strings.TrimSpace(only) == "" {
		return "", false, hostile
	}
	var keys []string
	named := false
	for _, k := range strings.Split(only, ",") {
		switch k = strings.TrimSpace(k); k {
		case hostileKey:
			named = true
		case "":
		default:
			keys = append(keys, k)
		}
	}
	return strings.Join(keys, ","), len(keys) == 0, hostile && named
}

// runHostile runs every scenario against every server of every target.
func (r *runner) runHostile(ctx context.Context, targets []*target, cfg hostileConfig) []hostileResult {
	var results []hostileResult
	for _, sc := range hostileScenarios(cfg) {
		for _, srv := range hostileServers() {
			for _, t := range targets {
				if ctx.Err() != nil {
					return results
				}
				fmt.Fprintf(r.log, "hostile %s: %s %s ... ", sc.key, srv.command, t.Name)
				res := runHostileScenario(ctx, cfg, sc, srv, t)
				switch {
				case res.Error != "":
					fmt.Fprintln(r.log, "failed:", res.Error)
				default:
					fmt.Fprintf(r.log, "%s, peak RSS %.1f MiB\n", res.Outcome, res.PeakRSSMiB)
				}
				results = append(results, res)
			}
		}
	}
	return results
}

// runHostileScenario starts a server, runs one scenario and stops it.
func runHostileScenario(ctx context.Context, cfg hostileConfig, sc hostileScenario, srv hostileServer, t *target) hostileResult {
	res := hostileResult{Key: sc.key, Title: sc.title, Server: srv.command, Binary: t.Name}
	p, err := startHostile(ctx, t, srv.command, cfg.rssLimit)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer p.stop()
	if err := p.handshake(ctx, srv, cfg.wait); err != nil {
		res.Error = err.Error()
		return res
	}
	o := sc.run(ctx, cfg, srv, p)
	res.OK, res.Outcome, res.Millis = o.ok, o.outcome, o.millis
	res.PeakRSSMiB = float64(p.peakRSS()) / (1 << 20)
	if killed := p.killedAt.Load(); killed > 0 {
		res.OK = false
		res.Outcome += fmt.Sprintf("; killed at %s resident", formatBytes(killed))
	}
	return res
}

// runFlood sends cfg.requests requests in one write and waits for every
// answer.
func runFlood(ctx context.Context, cfg hostileConfig, s hostileServer, p *hostileProc) hostileOutcome {
	const firstID = 1_000_000
	var buf bytes.Buffer
	for i := range cfg.requests {
		buf.WriteString(s.request(firstID + i))
		buf.WriteByte('\n')
	}
	answers := p.readAnswers()
	start := time.Now()
	go func() { _, _ = p.stdin.Write(buf.Bytes()) }()
	seen := make([]bool, cfg.requests)
	n := 0
	timeout := time.After(cfg.wait)
	for n < cfg.requests {
		select {
		case a, ok := <-answers:
			if !ok {
				return hostileOutcome{outcome: fmt.Sprintf("exited after %d/%d answers", n, cfg.requests)}
			}
			id, err := strconv.Atoi(a.id)
			if err == nil && id >= firstID && id < firstID+cfg.requests && !seen[id-firstID] {
				seen[id-firstID] = true
				n++
			}
		case <-timeout:
			return hostileOutcome{outcome: fmt.Sprintf("%d/%d answered within %s", n, cfg.requests, cfg.wait)}
		case <-ctx.Done():
			return hostileOutcome{outcome: "interrupted"}
		}
	}
	ms := millisSince(start)
	return hostileOutcome{ok: true, outcome: fmt.Sprintf("all %d answered", cfg.requests), millis: &ms}
}

// runBatchLine sends a batch of cfg.lineBytes bytes, [1,1,...], then a
// request.
func runBatchLine(ctx context.Context, cfg hostileConfig, s hostileServer, p *hostileProc) hostileOutcome {
	return runBigLine(ctx, cfg, s, p, "[", "1,", "1]")
}

// runStringLine sends a request of cfg.lineBytes bytes whose params hold
// one long string, then a request.
func runStringLine(ctx context.Context, cfg hostileConfig, s hostileServer, p *hostileProc) hostileOutcome {
	head := strings.TrimSuffix(s.request(5), "}") + `,"params":{"text":"`
	return runBigLine(ctx, cfg, s, p, head, "x", `"}}`)
}

// runBigLine sends one line of about cfg.lineBytes bytes made of head,
// unit repeated and tail, then a request, and waits for the answer to the
// request.
func runBigLine(ctx context.Context, cfg hostileConfig, s hostileServer, p *hostileProc, head, unit, tail string) hostileOutcome {
	const nextID = 424242
	answers := p.readAnswers()
	start := time.Now()
	go func() {
		_ = writeRepeated(p.stdin, head, unit, tail, cfg.lineBytes)
		_, _ = io.WriteString(p.stdin, s.request(nextID)+"\n")
	}()
	var first string
	timeout := time.After(cfg.wait)
	for {
		select {
		case a, ok := <-answers:
			if !ok {
				return hostileOutcome{outcome: "exited" + answeredWith(first)}
			}
			if a.id == strconv.Itoa(nextID) {
				ms := millisSince(start)
				return hostileOutcome{ok: true, outcome: "request after it answered" + answeredWith(first), millis: &ms}
			}
			if first == "" {
				first = a.describe()
			}
		case <-timeout:
			return hostileOutcome{outcome: fmt.Sprintf("request after it not answered within %s", cfg.wait) + answeredWith(first)}
		case <-ctx.Done():
			return hostileOutcome{outcome: "interrupted"}
		}
	}
}

// answeredWith describes the answer to the long line, if there was one.
func answeredWith(first string) string {
	if first == "" {
		return "; the line got no answer"
	}
	return "; the line got " + first
}

// writeRepeated writes head, then unit repeated to make about size bytes,
// then tail and a newline, without building the line in memory.
func writeRepeated(w io.Writer, head, unit, tail string, size int) error {
	const block = 1 << 20
	chunk := []byte(strings.Repeat(unit, max(1, block/len(unit))))
	if _, err := io.WriteString(w, head); err != nil {
		return err
	}
	for left := size - len(head) - len(tail); left > 0; {
		n := min(left, len(chunk))
		n -= n % len(unit)
		if n == 0 {
			n = len(unit)
		}
		if _, err := w.Write(chunk[:n]); err != nil {
			return err
		}
		left -= n
	}
	_, err := io.WriteString(w, tail+"\n")
	return err
}

// runStalledReader sends requests for cfg.stall without ever reading an
// answer, then checks that the server is still alive.
func runStalledReader(ctx context.Context, cfg hostileConfig, s hostileServer, p *hostileProc) hostileOutcome {
	var batch bytes.Buffer
	for i := range 1000 {
		batch.WriteString(s.request(2_000_000 + i))
		batch.WriteByte('\n')
	}
	var written atomic.Int64
	go func() {
		for {
			n, err := p.stdin.Write(batch.Bytes())
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}()
	select {
	case <-time.After(cfg.stall):
	case <-ctx.Done():
		return hostileOutcome{outcome: "interrupted"}
	}
	sent := fmt.Sprintf("the server took %s of requests", formatBytes(written.Load()))
	if p.exitedNow() {
		return hostileOutcome{outcome: "exited; " + sent}
	}
	return hostileOutcome{ok: true, outcome: "alive; " + sent}
}

// hostileProc is a server process driven over raw pipes.
type hostileProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *bufio.Reader
	exited chan struct{}
	// hwm is the highest VmHWM seen, in bytes; it outlives the process.
	hwm atomic.Int64
	// killedAt is the resident set at which the guard killed the
	// process, 0 while it has not.
	killedAt atomic.Int64
	readOnce sync.Once
	answers  chan answer
}

// startHostile starts `bin command` for t with a guard that kills it when
// its resident set exceeds limit (when limit is positive).
func startHostile(ctx context.Context, t *target, command string, limit int64) (*hostileProc, error) {
	cmd := exec.CommandContext(ctx, t.Bin, command)
	cmd.Env = t.env()
	cmd.Dir = t.Workspace
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s %s: %w", t.Name, command, err)
	}
	p := &hostileProc{cmd: cmd, stdin: stdin, out: bufio.NewReaderSize(stdout, 64<<10), exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	go p.guard(limit)
	return p, nil
}

// guard records the process's VmHWM and kills it when its resident set
// passes limit.
func (p *hostileProc) guard(limit int64) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		p.sampleRSS(limit)
		select {
		case <-p.exited:
			return
		case <-tick.C:
		}
	}
}

// sampleRSS reads the process's status once.
func (p *hostileProc) sampleRSS(limit int64) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return
	}
	if hwm, err := statusBytes(status, "VmHWM"); err == nil && hwm > p.hwm.Load() {
		p.hwm.Store(hwm)
	}
	if rss, err := statusBytes(status, "VmRSS"); err == nil && limit > 0 && rss > limit {
		p.killedAt.CompareAndSwap(0, rss)
		_ = p.cmd.Process.Kill()
	}
}

// statusBytes returns a "<field>: <n> kB" value of /proc/<pid>/status text
// in bytes.
func statusBytes(status []byte, field string) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		value, ok := strings.CutPrefix(sc.Text(), field+":")
		if !ok {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("unexpected %s line %q", field, sc.Text())
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, err
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("no %s line", field)
}

// peakRSS returns the highest VmHWM of the process, read once more when it
// still runs.
func (p *hostileProc) peakRSS() int64 {
	if !p.exitedNow() {
		p.sampleRSS(0)
	}
	return p.hwm.Load()
}

// exitedNow reports whether the process has exited.
func (p *hostileProc) exitedNow() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// stop kills the process and waits for it.
func (p *hostileProc) stop() {
	_ = p.cmd.Process.Kill()
	<-p.exited
	_ = p.stdin.Close()
}

// answer is one response the server wrote.
type answer struct {
	// id is the JSON text of its id.
	id string
	// errCode and errMessage describe its error, if any.
	errCode    int64
	errMessage string
	isError    bool
}

// describe renders the answer for the report.
func (a answer) describe() string {
	if !a.isError {
		return "a result"
	}
	msg := a.errMessage
	if len(msg) > 60 {
		msg = msg[:57] + "..."
	}
	return fmt.Sprintf("error %d %q", a.errCode, msg)
}

// maxAnswerBytes is the longest output line read; longer lines are
// skipped.
const maxAnswerBytes = 1 << 20

// nextAnswer reads output lines until a response, which it returns.
func (p *hostileProc) nextAnswer() (answer, error) {
	for {
		line, err := p.readLine()
		if err != nil {
			return answer{}, err
		}
		var m struct {
			ID     json.RawMessage `json:"id"`
			Method *string         `json:"method"`
			Error  *struct {
				Code    int64  `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(line, &m) != nil || m.Method != nil || len(m.ID) == 0 {
			continue
		}
		a := answer{id: string(m.ID)}
		if m.Error != nil {
			a.isError, a.errCode, a.errMessage = true, m.Error.Code, m.Error.Message
		}
		return a, nil
	}
}

// readLine returns the next output line of at most maxAnswerBytes,
// skipping longer ones.
func (p *hostileProc) readLine() ([]byte, error) {
	var line []byte
	tooLong := false
	for {
		chunk, err := p.out.ReadSlice('\n')
		if !tooLong {
			line = append(line, chunk...)
			if len(line) > maxAnswerBytes {
				tooLong, line = true, nil
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil:
			return nil, err
		case tooLong:
			tooLong = false
			continue
		}
		return line, nil
	}
}

// handshake sends the server's handshake and waits for its answer.
func (p *hostileProc) handshake(ctx context.Context, s hostileServer, wait time.Duration) error {
	for _, line := range s.handshake {
		if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
			return fmt.Errorf("send handshake: %w", err)
		}
	}
	done := make(chan error, 1)
	go func() {
		for {
			a, err := p.nextAnswer()
			if err != nil {
				done <- fmt.Errorf("output ended before the handshake was answered: %w", err)
				return
			}
			if a.id == s.handshakeID {
				if a.isError {
					done <- fmt.Errorf("handshake refused: %s", a.describe())
				} else {
					done <- nil
				}
				return
			}
		}
	}()
	select {
	case err := <-done:
		if err != nil {
			return err
		}
	case <-time.After(wait):
		p.stop()
		return fmt.Errorf("handshake not answered within %s", wait)
	case <-ctx.Done():
		return ctx.Err()
	}
	if s.initialized != "" {
		if _, err := io.WriteString(p.stdin, s.initialized+"\n"); err != nil {
			return fmt.Errorf("send %s: %w", s.initialized, err)
		}
	}
	return nil
}

// readAnswers starts reading the server's answers in the background; the
// channel closes when its output ends.
func (p *hostileProc) readAnswers() <-chan answer {
	p.readOnce.Do(func() {
		p.answers = make(chan answer, 4096)
		go func() {
			defer close(p.answers)
			for {
				a, err := p.nextAnswer()
				if err != nil {
					return
				}
				p.answers <- a
			}
		}()
	})
	return p.answers
}

// formatBytes renders n bytes in KiB, MiB or GiB.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}

// writeHostileTable appends the hostile-input table to b.
func writeHostileTable(b *strings.Builder, results []hostileResult) {
	b.WriteString("\nhostile input (one run each; peak RSS is the server's VmHWM when the scenario ended)\n\n")
	rows := [][]string{{"scenario", "server", "binary", "kept serving", "time", "peak RSS", "what happened"}}
	for _, res := range results {
		kept, ms, rss, what := "no", "-", fmt.Sprintf("%.1f MiB", res.PeakRSSMiB), res.Outcome
		if res.OK {
			kept = "yes"
		}
		if res.Millis != nil {
			ms = formatValue(*res.Millis) + " ms"
		}
		if res.Error != "" {
			kept, rss, what = "error", "-", res.Error
		}
		rows = append(rows, []string{res.Title, res.Server, res.Binary, kept, ms, rss, what})
	}
	writeRows(b, rows)
}

// mcpInitializeRequest is the line of the initialize request an MCP host
// sends, with the params of the mcp-server cold start.
func mcpInitializeRequest() string {
	params, err := json.Marshal(mcpInitializeParams)
	if err != nil {
		panic(err) // a literal map of strings always encodes
	}
	return `{"jsonrpc":"2.0","id":1,"method":"initialize","params":` + string(params) + `}`
}
