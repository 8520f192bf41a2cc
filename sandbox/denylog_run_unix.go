//go:build unix

package sandbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Timing of RunLoggingDenials.
const (
	// denialLogStartWait bounds the wait for the log stream's first line
	// (its banner) before the command starts anyway.
	denialLogStartWait = 2 * time.Second
	// denialLogDrain is how long reports are still collected after the
	// command ended: the system log delivers them asynchronously.
	denialLogDrain = time.Second
	// processPollInterval is the period of the process table snapshots that
	// find the command's descendants.
	processPollInterval = 20 * time.Millisecond
	// maxLogLine bounds one line of log output.
	maxLogLine = 1 << 20
)

// denialLogRun is the machinery of RunLoggingDenials, with the pieces the
// tests replace.
type denialLogRun struct {
	// logArgv is the command streaming violation reports as ndjson.
	logArgv []string
	// snapshot reads the process table as pid -> parent pid.
	snapshot func() (map[int]int, error)
	// startWait, drain and poll are the timings described above.
	startWait, drain, poll time.Duration
}

// RunLoggingDenials runs cmd (normally a Wrap result for Seatbelt) in the
// foreground while collecting Seatbelt violation reports from the system
// log, and writes FormatDenials of those raised by cmd's process and its
// descendants to report once cmd has ended. SIGINT, SIGQUIT, SIGTERM and
// SIGHUP received meanwhile are passed on to cmd (SIGINT and SIGQUIT only
// when they cannot have come from the terminal, which sends them to cmd
// itself). It returns the exit status cmd ended with (128+N for signal N).
// Only macOS keeps such a log; elsewhere it fails without running cmd.
func RunLoggingDenials(ctx context.Context, cmd *exec.Cmd, report io.Writer) (int, error) {
	if runtime.GOOS != "darwin" {
		return 0, fmt.Errorf("sandbox: denial logging needs the macOS system log, not available on %s", runtime.GOOS)
	}
	r := denialLogRun{
		logArgv:   DenialLogCommand(),
		snapshot:  processSnapshot,
		startWait: denialLogStartWait,
		drain:     denialLogDrain,
		poll:      processPollInterval,
	}
	return r.run(ctx, cmd, report)
}

// run implements RunLoggingDenials.
func (r denialLogRun) run(ctx context.Context, cmd *exec.Cmd, report io.Writer) (int, error) {
	logCmd := exec.Command(r.logArgv[0], r.logArgv[1:]...)
	out, err := logCmd.StdoutPipe()
	if err != nil {
		return 0, fmt.Errorf("sandbox: denial log: %w", err)
	}
	if err := logCmd.Start(); err != nil {
		return 0, fmt.Errorf("sandbox: start %s: %w", r.logArgv[0], err)
	}

	var (
		mu      sync.Mutex
		denials []Denial
	)
	ready := make(chan struct{})
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 0, 64*1024), maxLogLine)
		first := true
		for sc.Scan() {
			if first {
				close(ready)
				first = false
			}
			if d, ok := ParseDenialLogLine(sc.Bytes()); ok {
				mu.Lock()
				denials = append(denials, d)
				mu.Unlock()
			}
		}
		if first {
			close(ready)
		}
		// Keep the pipe drained so the log command never blocks on it.
		_, _ = io.Copy(io.Discard, out)
	}()
	// stopLog ends the log command. Wait closes the read end of its pipe,
	// which also ends the reader should anything else still hold the write
	// end.
	stopLog := func() {
		_ = logCmd.Process.Kill()
		_ = logCmd.Wait()
		<-readDone
	}

	// Give the log stream a moment to attach so that the command's first
	// denials are not missed.
	wait := time.NewTimer(r.startWait)
	select {
	case <-ready:
	case <-wait.C:
	case <-ctx.Done():
	}
	wait.Stop()

	status, tree, err := r.runForeground(ctx, cmd)
	if err != nil {
		stopLog()
		return 0, err
	}

	drain := time.NewTimer(r.drain)
	select {
	case <-drain.C:
	case <-readDone:
	case <-ctx.Done():
	}
	drain.Stop()
	stopLog()

	mu.Lock()
	collected := denials
	mu.Unlock()
	if _, err := io.WriteString(report, FormatDenials(FilterDenials(collected, tree.contains))); err != nil {
		return status, fmt.Errorf("sandbox: write denials: %w", err)
	}
	return status, nil
}

// runForeground starts cmd, passes signals on to it and follows its
// descendants until it ends.
func (r denialLogRun) runForeground(ctx context.Context, cmd *exec.Cmd) (int, *processTree, error) {
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(signals)

	if err := cmd.Start(); err != nil {
		return 0, nil, fmt.Errorf("sandbox: start %s: %w", cmd.Path, err)
	}
	tree := newProcessTree(cmd.Process.Pid)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	ticker := time.NewTicker(r.poll)
	defer ticker.Stop()
	observe := func() {
		if parents, err := r.snapshot(); err == nil {
			tree.observe(parents)
		}
	}
	observe()
	ctxDone := ctx.Done()
	for {
		select {
		case err := <-exited:
			var exitErr *exec.ExitError
			if err != nil && !errors.As(err, &exitErr) {
				return 0, nil, fmt.Errorf("sandbox: wait for %s: %w", cmd.Path, err)
			}
			return exitStatus(cmd.ProcessState), tree, nil
		case <-ticker.C:
			observe()
		case sig := <-signals:
			if s, ok := sig.(syscall.Signal); ok && !fromTerminal(s) {
				_ = cmd.Process.Signal(s)
			}
		case <-ctxDone:
			// The command line's context ends on SIGINT or SIGTERM, which
			// the cases above already handle; the command decides when to
			// stop.
			ctxDone = nil
		}
	}
}

// fromTerminal reports whether sig is a terminal-generated signal that the
// terminal also delivered to the foreground command: SIGINT or SIGQUIT
// while this process's group is the foreground group of its controlling
// terminal.
func fromTerminal(sig syscall.Signal) bool {
	if sig != syscall.SIGINT && sig != syscall.SIGQUIT {
		return false
	}
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return false
	}
	defer tty.Close()
	fg, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	if err != nil {
		return false
	}
	return fg == unix.Getpgrp()
}

// exitStatus is the status a process that ran a command on the user's
// behalf should exit with: the command's exit code, or 128+N when signal N
// ended it.
func exitStatus(state *os.ProcessState) int {
	if state == nil {
		return 1
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return state.ExitCode()
}
