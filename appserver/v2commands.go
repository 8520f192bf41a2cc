package appserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/core/exec"
	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/protocol"
	v2 "github.com/codex-go/codex/protocol/v2"
)

// Limits of command/exec.
const (
	// commandOutputCeiling caps each captured stream of a buffered
	// command/exec that asked for disableOutputCap: the answer is held in
	// memory, so even then it is bounded.
	commandOutputCeiling = 16 << 20
	// commandPendingWrites is how many command/exec/write requests may
	// wait for one command to read its input.
	commandPendingWrites = 64
)

// defaultTerminalSize is the size of a command/exec terminal when the
// request gives none.
var defaultTerminalSize = exec.TermSize{Rows: 24, Cols: 80}

// commandProcs are the running command/exec processes of the connection
// that the client named with a processId.
type commandProcs struct {
	mu    sync.Mutex
	procs map[string]*commandProc
}

// commandProc is one named command/exec process.
type commandProc struct {
	// proc is nil while the process is being started.
	proc  *exec.Process
	stdin bool // streamStdin or tty: command/exec/write is allowed
	tty   bool
	// writes feeds the goroutine that writes the input, in the order the
	// requests came; closed (under commandProcs.mu) once the process is
	// gone.
	writes chan commandWrite
	gone   bool
}

// commandWrite is one command/exec/write waiting for its turn.
type commandWrite struct {
	data  []byte
	close bool
	reply rpcserver.Reply[v2.CommandExecWriteResponse]
}

// reserve registers a new process id; it fails when a running process
// has it already.
func (c *commandProcs) reserve(id string, entry *commandProc) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.procs == nil {
		c.procs = map[string]*commandProc{}
	}
	if _, taken := c.procs[id]; taken {
		return invalidRequest(fmt.Sprintf("duplicate active command/exec process id: %q", id))
	}
	c.procs[id] = entry
	return nil
}

// started records the process of a reserved id.
func (c *commandProcs) started(id string, proc *exec.Process) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.procs[id]; e != nil {
		e.proc = proc
	}
}

// release forgets the process of id, which has ended or never started;
// pending writes then fail.
func (c *commandProcs) release(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.procs[id]
	if e == nil {
		return
	}
	delete(c.procs, id)
	e.gone = true
	close(e.writes)
}

// lookup returns the running process of id.
func (c *commandProcs) lookup(id string) (*commandProc, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.procs[id]
	if e == nil || e.proc == nil {
		return nil, unknownProcess(id)
	}
	return e, nil
}

// enqueue hands a write to the process's writer.
func (c *commandProcs) enqueue(id string, w commandWrite) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.procs[id]
	switch {
	case e == nil || e.proc == nil || e.gone:
		return unknownProcess(id)
	case !e.stdin:
		return invalidRequest("stdin streaming is not enabled for this command/exec")
	}
	select {
	case e.writes <- w:
		return nil
	default:
		return invalidRequest(fmt.Sprintf("too many writes waiting for command/exec %q to read its input", id))
	}
}

// unknownProcess is the error naming a process id that runs no command.
func unknownProcess(id string) error {
	return invalidRequest(fmt.Sprintf("no active command/exec for process id %q", id))
}

// commandExec runs a command outside any thread. The answer comes when it
// has ended, after its streamed output.
func (s *Server) commandExec(ctx context.Context, p v2.CommandExecParams, r rpcserver.Reply[v2.CommandExecResponse]) {
	if err := checkCommandExec(p); err != nil {
		r.Fail(ctx, err)
		return
	}
	cfg, err := s.eng.LoadConfig(config.Request{})
	if err != nil {
		r.Fail(ctx, internalError("error loading config: %v", err))
		return
	}
	policy := cfg.SandboxPolicy
	if p.SandboxPolicy != nil {
		if policy, err = commandSandbox(*p.SandboxPolicy); err != nil {
			r.Fail(ctx, err)
			return
		}
	}
	params := s.commandParams(cfg, p.Command, p.Cwd, policy)
	if info, err := os.Stat(params.Cwd); err != nil || !info.IsDir() {
		r.Fail(ctx, internalError("failed to spawn command: working directory %s is not a directory", params.Cwd))
		return
	}
	params.Env = withEnvOverrides(params.Env, p.Env)
	switch {
	case p.DisableTimeout:
		params.NoTimeout = true
	case p.TimeoutMs != nil:
		params.Timeout = exec.Millis(*p.TimeoutMs)
	}
	outputCap := int64(-1) // no cap on streamed output
	switch {
	case p.OutputBytesCap != nil:
		outputCap = *p.OutputBytesCap
		params.MaxCapture = int(min(max(outputCap, 1), commandOutputCeiling))
	case p.DisableOutputCap:
		params.MaxCapture = commandOutputCeiling
	default:
		outputCap = exec.DefaultMaxCapture
	}
	streaming := p.Tty || p.StreamStdoutStderr
	if p.Tty {
		size := defaultTerminalSize
		if p.Size != nil {
			size = exec.TermSize{Rows: p.Size.Rows, Cols: p.Size.Cols}
		}
		params.TTY = &size
	}
	params.StdinPipe = p.StreamStdin && !p.Tty

	life := s.lifetime()
	id := ""
	if p.ProcessID != nil {
		id = *p.ProcessID
		entry := &commandProc{stdin: p.Tty || p.StreamStdin, tty: p.Tty, writes: make(chan commandWrite, commandPendingWrites)}
		if err := s.commands.reserve(id, entry); err != nil {
			r.Fail(ctx, err)
			return
		}
		if !s.goTracked(func() { s.writeInput(entry) }) {
			s.commands.release(id)
			r.Fail(ctx, shuttingDown())
			return
		}
	}
	var delta exec.Delta
	if streaming {
		params.StreamOnly = true
		delta = s.streamOutput(life, id, outputCap)
	}
	proc, err := exec.Start(life, params, delta)
	if err != nil {
		s.commands.release(id)
		r.Fail(ctx, internalError("failed to spawn command: %v", err))
		return
	}
	if id != "" {
		s.commands.started(id, proc)
	}
	if !s.goTracked(func() {
		res, err := proc.Wait()
		s.commands.release(id)
		if err != nil {
			r.Fail(life, internalError("command/exec failed: %v", err))
			return
		}
		r.Send(life, v2.CommandExecResponse{ExitCode: res.ExitCode,
			Stdout: capped(res.Stdout, outputCap), Stderr: capped(res.Stderr, outputCap)})
	}) {
		proc.Kill()
		s.commands.release(id)
		r.Fail(ctx, shuttingDown())
	}
}

// checkCommandExec checks the params of command/exec that do not need the
// configuration.
func checkCommandExec(p v2.CommandExecParams) error {
	switch {
	case len(p.Command) == 0:
		return invalidRequest(emptyCommandMessage)
	case p.TimeoutMs != nil && p.DisableTimeout:
		return invalidParams("command/exec cannot set both timeoutMs and disableTimeout")
	case p.TimeoutMs != nil && *p.TimeoutMs < 0:
		return invalidParams("command/exec timeoutMs must be non-negative, got %d", *p.TimeoutMs)
	case p.OutputBytesCap != nil && p.DisableOutputCap:
		return invalidParams("command/exec cannot set both outputBytesCap and disableOutputCap")
	case p.OutputBytesCap != nil && *p.OutputBytesCap < 0:
		return invalidParams("command/exec outputBytesCap must be non-negative, got %d", *p.OutputBytesCap)
	case p.Size != nil && !p.Tty:
		return invalidParams("command/exec size requires tty: true")
	case p.Size != nil && (p.Size.Rows == 0 || p.Size.Cols == 0):
		return invalidParams("command/exec size must have at least one row and one column")
	case (p.Tty || p.StreamStdin || p.StreamStdoutStderr) && p.ProcessID == nil:
		return invalidRequest("command/exec tty or streaming requires a client-supplied processId")
	}
	return nil
}

// commandSandbox converts the sandbox policy of a command/exec request.
// An externalSandbox policy says the server runs inside a sandbox of the
// client's: the command runs without one of ours.
func commandSandbox(p v2.CommandSandboxPolicy) (protocol.SandboxPolicy, error) {
	network := func() (bool, error) {
		var on bool
		if len(p.NetworkAccess) == 0 || string(p.NetworkAccess) == "null" {
			return false, nil
		}
		if err := json.Unmarshal(p.NetworkAccess, &on); err != nil {
			return false, invalidParams("sandboxPolicy.networkAccess must be a boolean for %s", p.Type)
		}
		return on, nil
	}
	switch p.Type {
	case "dangerFullAccess":
		return protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}, nil
	case "externalSandbox":
		var access string
		if len(p.NetworkAccess) > 0 && string(p.NetworkAccess) != "null" {
			if json.Unmarshal(p.NetworkAccess, &access) != nil || (access != "restricted" && access != "enabled") {
				return protocol.SandboxPolicy{}, invalidParams(`sandboxPolicy.networkAccess must be "restricted" or "enabled" for externalSandbox`)
			}
		}
		return protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}, nil
	case "readOnly":
		on, err := network()
		if err != nil {
			return protocol.SandboxPolicy{}, err
		}
		if on {
			return protocol.SandboxPolicy{}, invalidParams("sandboxPolicy readOnly with networkAccess is not supported; use workspaceWrite or dangerFullAccess")
		}
		return protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}, nil
	case "workspaceWrite":
		on, err := network()
		if err != nil {
			return protocol.SandboxPolicy{}, err
		}
		return protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: p.WritableRoots,
			NetworkAccess: on, ExcludeTmpdirEnvVar: p.ExcludeTmpdirEnvVar, ExcludeSlashTmp: p.ExcludeSlashTmp}, nil
	}
	return protocol.SandboxPolicy{}, invalidParams("unknown sandboxPolicy type %q", p.Type)
}

// withEnvOverrides applies a request's environment overrides to env
// ("NAME=value" entries): a value replaces the variable, null removes it.
func withEnvOverrides(env []string, over map[string]*string) []string {
	if len(over) == 0 {
		return env
	}
	out := make([]string, 0, len(env)+len(over))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if _, replaced := over[name]; !replaced {
			out = append(out, kv)
		}
	}
	for name, value := range over {
		if value != nil {
			out = append(out, name+"="+*value)
		}
	}
	return out
}

// capped returns at most limit bytes of s; a negative limit keeps it all.
func capped(s string, limit int64) string {
	if limit >= 0 && int64(len(s)) > limit {
		return s[:limit]
	}
	return s
}

// streamOutput returns the delta callback of a streaming command/exec:
// each chunk becomes a command/exec/outputDelta notification, up to limit
// bytes per stream (no limit when negative). The chunk that reaches the
// limit says so; later output of that stream is dropped.
func (s *Server) streamOutput(ctx context.Context, id string, limit int64) exec.Delta {
	// Each stream's callbacks come from one goroutine, in order: a
	// stream's count is only touched by its own.
	var sent [2]int64
	return func(stream exec.Stream, chunk []byte) {
		i, name := 0, v2.CommandStreamStdout
		if stream == exec.Stderr {
			i, name = 1, v2.CommandStreamStderr
		}
		reached := false
		if limit >= 0 {
			if sent[i] >= limit {
				return
			}
			if room := limit - sent[i]; int64(len(chunk)) >= room {
				chunk, reached = chunk[:room], true
			}
		}
		sent[i] += int64(len(chunk))
		s.notifyV2(ctx, v2.NotificationCommandExecOutputDelta, v2.CommandExecOutputDeltaNotification{
			ProcessID: id, Stream: name, DeltaBase64: base64.StdEncoding.EncodeToString(chunk), CapReached: reached})
	}
}

// writeInput writes the queued input of a command, in order, until the
// command is gone; writes after that fail.
func (s *Server) writeInput(e *commandProc) {
	life := s.lifetime()
	for w := range e.writes {
		err := e.proc.Write(w.data)
		if err == nil && w.close {
			err = e.proc.CloseStdin()
		}
		switch {
		case errors.Is(err, exec.ErrStdinClosed):
			w.reply.Fail(life, invalidRequest("stdin of this command/exec is closed"))
		case err != nil:
			w.reply.Fail(life, internalError("failed to write stdin: %v", err))
		default:
			w.reply.Send(life, v2.CommandExecWriteResponse{})
		}
	}
}

// commandExecWrite writes to a command's input, or closes it. The answer
// comes once the command took the bytes.
func (s *Server) commandExecWrite(ctx context.Context, p v2.CommandExecWriteParams, r rpcserver.Reply[v2.CommandExecWriteResponse]) {
	var data []byte
	if p.DeltaBase64 != nil {
		var err error
		if data, err = base64.StdEncoding.DecodeString(*p.DeltaBase64); err != nil {
			r.Fail(ctx, invalidParams("invalid deltaBase64: %v", err))
			return
		}
	}
	if err := s.commands.enqueue(p.ProcessID, commandWrite{data: data, close: p.CloseStdin, reply: r}); err != nil {
		r.Fail(ctx, err)
	}
}

// commandExecTerminate kills a command's process group. The command/exec
// answer follows, with the exit code of a killed command.
func (s *Server) commandExecTerminate(_ context.Context, p v2.CommandExecTerminateParams) (v2.CommandExecTerminateResponse, error) {
	e, err := s.commands.lookup(p.ProcessID)
	if err != nil {
		return v2.CommandExecTerminateResponse{}, err
	}
	e.proc.Kill()
	return v2.CommandExecTerminateResponse{}, nil
}

// commandExecResize resizes a command's terminal.
func (s *Server) commandExecResize(_ context.Context, p v2.CommandExecResizeParams) (v2.CommandExecResizeResponse, error) {
	e, err := s.commands.lookup(p.ProcessID)
	if err != nil {
		return v2.CommandExecResizeResponse{}, err
	}
	if !e.tty {
		return v2.CommandExecResizeResponse{}, invalidRequest("failed to resize PTY: process is not attached to a PTY")
	}
	if p.Size.Rows == 0 || p.Size.Cols == 0 {
		return v2.CommandExecResizeResponse{}, invalidParams("command/exec/resize size must have at least one row and one column")
	}
	if err := e.proc.Resize(exec.TermSize{Rows: p.Size.Rows, Cols: p.Size.Cols}); err != nil {
		return v2.CommandExecResizeResponse{}, internalError("failed to resize PTY: %v", err)
	}
	return v2.CommandExecResizeResponse{}, nil
}
