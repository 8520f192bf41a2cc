// Package exec spawns the commands the model asks for: it resolves the
// program, wraps it in the sandbox helper when the policy requires it, runs
// it in a session of its own (no controlling terminal) with stdin on
// /dev/null, streams its output while capturing it, enforces a timeout that
// kills the whole process group, and formats the result the way it is
// reported to the model.
package exec

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/sandbox"
)

// Defaults and limits of Run.
const (
	// DefaultTimeout is used when Params.Timeout is zero.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxCapture is the per-stream capture cap used when
	// Params.MaxCapture is zero.
	DefaultMaxCapture = 1 << 20
	// MaxDeltas is the most delta callbacks one run makes unless
	// Params.DeltaLimit lowers it.
	MaxDeltas = 10000
	// ExitTimedOut is the exit code reported for a command killed by the timeout.
	ExitTimedOut = 124
	// ExitCannotExecute is the exit code reported for a program that exists
	// but could not be started.
	ExitCannotExecute = 126
	// ExitNotFound is the exit code reported for a program that does not exist.
	ExitNotFound = 127
	// exitSignalBase is added to the signal number of a command killed by a signal.
	exitSignalBase = 128
	// readChunk is the size of the buffer each output reader uses.
	readChunk = 8 << 10
	// ioGrace is how long Run keeps reading after the command ended (or was
	// killed) before it abandons pipes still held open by other processes.
	ioGrace = time.Second
)

// Params describes one command to run.
type Params struct {
	// Command is the argv; Command[0] is looked up in the PATH of Env.
	Command []string
	// Cwd is the working directory; "" means the current directory.
	Cwd string
	// SandboxCwd is the directory the sandbox policy is evaluated for (under
	// workspace-write it is writable); "" means Cwd. It is kept apart from
	// Cwd so that a command run in another directory does not make that
	// directory writable.
	SandboxCwd string
	// Protect lists paths protected beyond the sandbox policy (see
	// sandbox.Protection), such as the configuration directory.
	Protect sandbox.Protection
	// Timeout bounds the run; zero (or negative) means DefaultTimeout.
	Timeout time.Duration
	// NoTimeout lets the command run until it ends, it is killed or the
	// context is cancelled; Timeout is then ignored.
	NoTimeout bool
	// Env is the full environment of the command (see BuildEnv); nil means
	// the environment of the current process.
	Env []string
	// Sandbox is the policy the command runs under; danger-full-access runs
	// it directly.
	Sandbox protocol.SandboxPolicy
	// Unsandboxed runs the command directly whatever Sandbox says: a
	// command the user approved to run outside the sandbox.
	Unsandboxed bool
	// SelfExe is the executable that acts as the sandbox helper: the
	// running binary (see sandbox.SelfExecutable), whose main begins with
	// sandbox.RunHelperIfRequested. It is required for every policy but
	// danger-full-access.
	SelfExe string
	// MaxCapture caps each captured stream in bytes; zero (or negative)
	// means DefaultMaxCapture. Output beyond it is left out of the Result
	// but still passed to the delta callback.
	MaxCapture int
	// DeltaLimit caps the number of delta callbacks; zero (or negative), or
	// anything above MaxDeltas, means MaxDeltas.
	DeltaLimit int
	// Stdin is what the command reads on its standard input; nil means
	// /dev/null.
	Stdin []byte
	// StdinPipe connects the command's standard input to a pipe that
	// Process.Write feeds and Process.CloseStdin closes; Stdin is then
	// ignored.
	StdinPipe bool
	// TTY runs the command in a pseudo-terminal of this size, which becomes
	// its controlling terminal and its standard input, output and error.
	// What it prints arrives as Stdout; Process.Write types into it. Stdin
	// and StdinPipe are then ignored.
	TTY *TermSize
	// StreamOnly hands every chunk of output to the delta callback, with no
	// limit on the number of calls, and captures nothing: the Result
	// carries no output. For callers that forward output as it comes.
	StreamOnly bool
}

// TermSize is the size of a terminal in character cells.
type TermSize struct {
	// Rows is the height.
	Rows uint16
	// Cols is the width.
	Cols uint16
}

// Millis converts a timeout in milliseconds, as requests give it, to a
// duration: at least a nanosecond (zero times out at once rather than
// meaning the default) and at most what a duration holds.
func Millis(ms int64) time.Duration {
	const most = int64(math.MaxInt64 / time.Millisecond)
	return max(time.Duration(min(ms, most))*time.Millisecond, time.Nanosecond)
}

// Stream names an output stream of a command.
type Stream string

// The output streams.
const (
	// Stdout is the standard output.
	Stdout Stream = "stdout"
	// Stderr is the standard error.
	Stderr Stream = "stderr"
)

// Delta receives a chunk of output as it arrives. It is called from one
// reader goroutine per stream, so chunks of one stream arrive in order, and
// calls for the two streams may be concurrent. The chunk belongs to the
// callee. At most MaxDeltas calls are made per run.
type Delta func(stream Stream, chunk []byte)

// Result is how a command ended and what it printed.
type Result struct {
	// ExitCode is the exit status: the process's own, 128+N after signal N,
	// ExitTimedOut after the timeout, ExitNotFound or ExitCannotExecute when
	// the program could not be started.
	ExitCode int
	// Stdout is the captured standard output.
	Stdout string
	// Stderr is the captured standard error.
	Stderr string
	// Aggregated is both captured streams interleaved in arrival order.
	Aggregated string
	// Duration is the wall time of the run.
	Duration time.Duration
	// TimedOut is set when the timeout killed the command.
	TimedOut bool
}

// Run starts the command in its own process group, streams output chunks
// to delta (which may be nil) and waits for it. The timeout and the
// cancellation of ctx kill the whole process group; Run then returns after
// at most a short grace period even if a process outside the group still
// holds the output pipes. When ctx is cancelled Run returns what was
// captured together with ctx.Err(). A program that cannot be started is
// reported through Result (ExitNotFound or ExitCannotExecute, the reason in
// Stderr); errors are reserved for invalid parameters and internal failures.
func Run(ctx context.Context, p Params, delta Delta) (Result, error) {
	proc, err := Start(ctx, p, delta)
	if err != nil {
		return Result{}, err
	}
	return proc.Wait()
}

// resolveCwd returns the absolute working directory for cwd ("" is the
// current directory).
func resolveCwd(cwd string) (string, error) {
	if cwd == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("exec: current directory: %w", err)
		}
		return wd, nil
	}
	abs, err := filepath.Abs(cwd)
	if err != nil {
		return "", fmt.Errorf("exec: working directory %s: %w", cwd, err)
	}
	return abs, nil
}

// commandLine returns the argv to execute: the command itself, or the
// command wrapped for the sandbox policy.
func commandLine(p Params, cwd string) ([]string, error) {
	if p.Unsandboxed || p.Sandbox.Mode == protocol.SandboxDangerFullAccess {
		return p.Command, nil
	}
	if !p.Sandbox.Mode.Valid() {
		return nil, fmt.Errorf("exec: unknown sandbox mode %q", p.Sandbox.Mode)
	}
	if p.SelfExe == "" {
		return nil, fmt.Errorf("exec: sandbox policy %s needs the path of the codex executable (Params.SelfExe is empty)", p.Sandbox.Mode)
	}
	policyCwd := cwd
	if p.SandboxCwd != "" {
		abs, err := resolveCwd(p.SandboxCwd)
		if err != nil {
			return nil, err
		}
		policyCwd = abs
	}
	argv, err := sandbox.Wrap(p.SelfExe, p.Sandbox, policyCwd, p.Command, p.Protect)
	if err != nil {
		return nil, fmt.Errorf("exec: wrap command for the sandbox: %w", err)
	}
	return argv, nil
}

// notStarted is the Result of a program that could not be started.
func notStarted(name string, err error, start time.Time) Result {
	code := ExitCannotExecute
	msg := err.Error()
	switch {
	case errors.Is(err, errNotFound):
		code = ExitNotFound
		msg = fmt.Sprintf("exec: %s: command not found", name)
	case errors.Is(err, fs.ErrNotExist):
		code = ExitNotFound
	}
	msg += "\n"
	return Result{ExitCode: code, Stderr: msg, Aggregated: msg, Duration: time.Since(start)}
}

// closeAll closes files, ignoring errors: they are pipe ends whose close
// cannot lose data.
func closeAll(files ...*os.File) {
	for _, f := range files {
		_ = f.Close()
	}
}

// collector gathers the output of one run.
type collector struct {
	limit      int
	deltaLimit int64
	streamOnly bool
	delta      Delta
	deltas     atomic.Int64

	mu         sync.Mutex
	stdout     []byte
	stderr     []byte
	aggregated []byte
}

// newCollector applies the defaults of p's limits.
func newCollector(p Params, delta Delta) *collector {
	limit := p.MaxCapture
	if limit <= 0 {
		limit = DefaultMaxCapture
	}
	deltaLimit := p.DeltaLimit
	if deltaLimit <= 0 || deltaLimit > MaxDeltas {
		deltaLimit = MaxDeltas
	}
	return &collector{limit: limit, deltaLimit: int64(deltaLimit), delta: delta, streamOnly: p.StreamOnly}
}

// read copies r into the capture of stream until EOF, until r is closed,
// or (for a terminal) until nothing holds its other end open.
func (c *collector) read(wg *sync.WaitGroup, r *os.File, stream Stream) {
	defer wg.Done()
	buf := make([]byte, readChunk)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			c.add(stream, buf[:n])
		}
		if err != nil {
			return
		}
	}
}

// add records a chunk of stream and forwards it to the delta callback.
func (c *collector) add(stream Stream, chunk []byte) {
	if c.streamOnly {
		if c.delta != nil {
			c.delta(stream, append([]byte(nil), chunk...))
		}
		return
	}
	c.mu.Lock()
	dst := &c.stdout
	if stream == Stderr {
		dst = &c.stderr
	}
	if room := c.limit - len(*dst); room > 0 {
		kept := chunk[:min(room, len(chunk))]
		*dst = append(*dst, kept...)
		c.aggregated = append(c.aggregated, kept...)
	}
	c.mu.Unlock()

	if c.delta != nil && c.deltas.Add(1) <= c.deltaLimit {
		c.delta(stream, append([]byte(nil), chunk...))
	}
}

// result returns the captured output.
func (c *collector) result() Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Result{Stdout: string(c.stdout), Stderr: string(c.stderr), Aggregated: string(c.aggregated)}
}
