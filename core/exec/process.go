package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"sync"
	"time"

	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/sandbox"
)

// Errors of a Process's methods.
var (
	// ErrNoStdin is returned by Write and CloseStdin for a command started
	// without StdinPipe or TTY.
	ErrNoStdin = errors.New("exec: the command's standard input is not open for writing")
	// ErrNoTerminal is returned by Resize for a command started without TTY.
	ErrNoTerminal = errors.New("exec: the command does not run in a pseudo-terminal")
	// ErrStdinClosed is returned by Write after CloseStdin, or once the
	// command has ended.
	ErrStdinClosed = errors.New("exec: the command's standard input is closed")
)

// endOfInput is what CloseStdin types into a terminal: the end-of-file
// character (Control-D) of a terminal in its default settings.
const endOfInput = 0x04

// Process is a command started by Start. Its methods may be called from
// any goroutine.
type Process struct {
	// term is the pseudo-terminal's master side, nil without Params.TTY.
	term *os.File

	// stdin is the write end of the stdin pipe; nil without StdinPipe.
	stdin *os.File

	inMu     sync.Mutex // orders writes and the closing of the input
	inClosed bool       // CloseStdin was called

	kill     chan struct{}
	killOnce sync.Once
	done     chan struct{}
	res      Result
	err      error
}

// Start starts the command as Run does and returns at once. The command
// is supervised in the background: its timeout, the cancellation of ctx
// and Kill end its whole process group, and Wait returns the Result as
// Run would. A program that cannot be started gives a Process that has
// already ended (see Run); errors are reserved for invalid parameters and
// internal failures.
func Start(ctx context.Context, p Params, delta Delta) (*Process, error) {
	if len(p.Command) == 0 {
		return nil, errors.New("exec: empty command")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cwd, err := resolveCwd(p.Cwd)
	if err != nil {
		return nil, err
	}
	argv, err := commandLine(p, cwd)
	if err != nil {
		return nil, err
	}
	env := p.Env
	if env == nil {
		env = os.Environ()
	}
	if !p.Unsandboxed && p.Sandbox.Mode != protocol.SandboxDangerFullAccess {
		// What the sandbox forbids is announced to the command, as
		// codex-cli does (CODEX_SANDBOX_NETWORK_DISABLED, CODEX_SANDBOX).
		env = sandbox.CommandEnv(env, p.Sandbox)
	}

	start := time.Now()
	proc := &Process{kill: make(chan struct{}), done: make(chan struct{})}
	path, err := lookPath(argv[0], env, cwd)
	if err != nil {
		return proc.ended(notStarted(argv[0], err, start)), nil
	}
	cmd := &osexec.Cmd{Path: path, Args: argv, Dir: cwd, Env: env, SysProcAttr: sysProcAttr()}
	outputs, childEnds, err := proc.connect(cmd, p)
	if err != nil {
		return nil, err
	}
	sandbox.Prepare(cmd)
	err = cmd.Start()
	// The child has its own copies of its ends; closing ours lets the
	// readers see the end of the output once every process holding them
	// is gone.
	closeAll(childEnds...)
	if err != nil {
		for _, o := range outputs {
			closeAll(o.file)
		}
		proc.closeStdin()
		return proc.ended(notStarted(argv[0], err, start)), nil
	}
	go proc.supervise(ctx, p, cmd, newCollector(p, delta), outputs, start)
	return proc, nil
}

// output is a file the output of one stream is read from.
type output struct {
	file   *os.File
	stream Stream
}

// connect gives cmd its standard streams as p asks: a pseudo-terminal,
// or pipes for the output and (with StdinPipe) the input. It returns the
// files to read the output from and the child's ends, which the caller
// closes once the child has started.
func (proc *Process) connect(cmd *osexec.Cmd, p Params) (outputs []output, childEnds []*os.File, err error) {
	if p.TTY != nil {
		master, slave, err := openTerminal(*p.TTY)
		if err != nil {
			return nil, nil, fmt.Errorf("exec: open a pseudo-terminal: %w", err)
		}
		cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
		controllingTerminal(cmd.SysProcAttr)
		proc.term = master
		return []output{{master, Stdout}}, []*os.File{slave}, nil
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("exec: create stdout pipe: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		closeAll(outR, outW)
		return nil, nil, fmt.Errorf("exec: create stderr pipe: %w", err)
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	childEnds = []*os.File{outW, errW}
	switch {
	case p.StdinPipe:
		inR, inW, err := os.Pipe()
		if err != nil {
			closeAll(outR, outW, errR, errW)
			return nil, nil, fmt.Errorf("exec: create stdin pipe: %w", err)
		}
		cmd.Stdin = inR
		childEnds = append(childEnds, inR)
		proc.stdin = inW
	case p.Stdin != nil:
		cmd.Stdin = bytes.NewReader(p.Stdin)
	}
	return []output{{outR, Stdout}, {errR, Stderr}}, childEnds, nil
}

// ended marks proc, which never started, as over with res.
func (proc *Process) ended(res Result) *Process {
	proc.res = res
	close(proc.done)
	return proc
}

// supervise reads the output of the started cmd, enforces its timeout,
// the cancellation of ctx and Kill, and records the Result.
func (proc *Process) supervise(ctx context.Context, p Params, cmd *osexec.Cmd, c *collector, outputs []output, start time.Time) {
	defer close(proc.done)
	var readers sync.WaitGroup
	readers.Add(len(outputs))
	for _, o := range outputs {
		go c.read(&readers, o.file, o.stream)
	}
	readersDone := make(chan struct{})
	go func() {
		readers.Wait()
		close(readersDone)
	}()
	waitDone := make(chan error, 1)
	go func() { waitDone <- cmd.Wait() }()

	var expired <-chan time.Time
	if !p.NoTimeout {
		timeout := p.Timeout
		if timeout <= 0 {
			timeout = DefaultTimeout
		}
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		expired = timer.C
	}

	var (
		waitErr  error
		timedOut bool
		ctxErr   error
	)
	select {
	case waitErr = <-waitDone:
	case <-expired:
		timedOut = true
		killGroup(cmd.Process)
		waitErr = <-waitDone
	case <-ctx.Done():
		ctxErr = ctx.Err()
		killGroup(cmd.Process)
		waitErr = <-waitDone
	case <-proc.kill:
		killGroup(cmd.Process)
		waitErr = <-waitDone
	}
	// Nothing reads the input any more.
	proc.closeStdin()

	// Drain what is left in the pipes, but do not wait for processes that
	// escaped the group and kept them open.
	grace := time.NewTimer(ioGrace)
	defer grace.Stop()
	cancelled := ctx.Done()
	if ctxErr != nil {
		cancelled = nil
	}
	killed := proc.kill
drain:
	for {
		select {
		case <-readersDone:
			break drain
		case <-grace.C:
			break drain
		case <-cancelled:
			ctxErr = ctx.Err()
			cancelled = nil
			killGroup(cmd.Process)
		case <-killed:
			killed = nil
			killGroup(cmd.Process)
		}
	}
	for _, o := range outputs {
		closeAll(o.file)
	}
	<-readersDone

	res := c.result()
	res.Duration = time.Since(start)
	switch {
	case timedOut:
		res.ExitCode = ExitTimedOut
		res.TimedOut = true
	case cmd.ProcessState != nil:
		res.ExitCode = exitCode(cmd.ProcessState)
	default:
		proc.res, proc.err = res, fmt.Errorf("exec: wait for %s: %w", cmd.Args[0], waitErr)
		return
	}
	proc.res, proc.err = res, ctxErr
}

// Wait waits for the command to end and returns its Result, as Run does.
func (proc *Process) Wait() (Result, error) {
	<-proc.done
	return proc.res, proc.err
}

// Done is closed when the command has ended and its output was read.
func (proc *Process) Done() <-chan struct{} { return proc.done }

// Kill ends the command's whole process group. The Result then has the
// exit code of a command killed by SIGKILL. Killing an ended command does
// nothing.
func (proc *Process) Kill() {
	proc.killOnce.Do(func() { close(proc.kill) })
}

// Write sends data to the command's standard input: the stdin pipe, or
// the terminal as typed input. It may block while the command does not
// read.
func (proc *Process) Write(data []byte) error {
	proc.inMu.Lock()
	defer proc.inMu.Unlock()
	switch {
	case proc.term != nil:
		if proc.inClosed {
			return ErrStdinClosed
		}
		_, err := proc.term.Write(data)
		return inputError(err)
	case proc.stdin == nil:
		return ErrNoStdin
	case proc.inClosed:
		return ErrStdinClosed
	}
	_, err := proc.stdin.Write(data)
	return inputError(err)
}

// inputError reports a write to an input that is gone as ErrStdinClosed.
func inputError(err error) error {
	if errors.Is(err, os.ErrClosed) {
		return ErrStdinClosed
	}
	return err
}

// CloseStdin ends the command's input: it closes the stdin pipe, or types
// the end-of-file character into the terminal. Closing it again does
// nothing.
func (proc *Process) CloseStdin() error {
	proc.inMu.Lock()
	defer proc.inMu.Unlock()
	switch {
	case proc.term == nil && proc.stdin == nil:
		return ErrNoStdin
	case proc.inClosed:
		return nil
	}
	proc.inClosed = true
	if proc.term != nil {
		_, err := proc.term.Write([]byte{endOfInput})
		return inputError(err)
	}
	if err := proc.stdin.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return err
	}
	return nil
}

// closeStdin closes the stdin pipe, if there is one, once the command
// cannot read it any more. It does not take inMu: closing the file ends
// a Write blocked on it, which holds inMu.
func (proc *Process) closeStdin() {
	if proc.stdin != nil {
		_ = proc.stdin.Close()
	}
}

// Resize sets the size of the command's terminal; the command gets
// SIGWINCH.
func (proc *Process) Resize(size TermSize) error {
	if proc.term == nil {
		return ErrNoTerminal
	}
	return resizeTerminal(proc.term, size)
}
