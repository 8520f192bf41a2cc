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

	status, tree, err := r.runForeground(cmd)
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
// descendants until it ends. The command line's context, which ends on
// SIGINT or SIGTERM, does not stop it: those signals are passed on, and the
// command decides when to stop.
func (r denialLogRun) runForeground(cmd *exec.Cmd) (int, *processTree, error) {
	var tree *processTree
	observe := func() {
		if parents, err := r.snapshot(); err == nil {
			tree.observe(parents)
		}
	}
	ticker := time.NewTicker(r.poll)
	defer ticker.Stop()
	started := func() {
		tree = newProcessTree(cmd.Process.Pid)
		observe()
	}
	signals := []os.Signal{syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGHUP}
	if err := runPassingSignals(cmd, signals, started, ticker.C, observe); err != nil {
		return 0, nil, err
	}
	return exitStatus(cmd.ProcessState), tree, nil
}

// runPassingSignals starts cmd and waits for it, passing on the signals
// among signals that this process receives meanwhile, except SIGINT and
// SIGQUIT that the terminal sent (see fromTerminal), which reached cmd
// too. started runs once cmd has started; every tick of tick (nil for
// none) runs onTick. An exit status other than 0 is not an error.
func runPassingSignals(cmd *exec.Cmd, signals []os.Signal, started func(), tick <-chan time.Time, onTick func()) error {
	received := make(chan os.Signal, 8)
	signal.Notify(received, signals...)
	defer signal.Stop(received)

	if err := cmd.Start(); err != nil {
		return fmt.Errorf("sandbox: start %s: %w", cmd.Path, err)
	}
	if started != nil {
		started()
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for {
		select {
		case err := <-exited:
			var exitErr *exec.ExitError
			if err != nil && !errors.As(err, &exitErr) {
				return fmt.Errorf("sandbox: wait for %s: %w", cmd.Path, err)
			}
			return nil
		case <-tick:
			onTick()
		case sig := <-received:
			if s, ok := sig.(syscall.Signal); ok && !fromTerminal(s) {
				_ = cmd.Process.Signal(s)
			}
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
