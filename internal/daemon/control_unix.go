//go:build unix

package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/sys/unix"

	"github.com/codex-go/codex/internal/stdioproxy"
)

// StartOptions configure Start.
type StartOptions struct {
	// Executable is the codex binary to run; empty means this one.
	Executable string
	// Args come after `app-server --listen unix://SOCKET`, e.g. -c
	// overrides.
	Args []string
	// Env is the server's environment; nil means this process's.
	Env []string
	// Dir is the server's working directory; empty means the user's home
	// directory, else /.
	Dir string
	// Timeout bounds the wait for the socket to answer; zero means 30s.
	Timeout time.Duration
}

// pollInterval is how often Start and Stop look at the server.
const pollInterval = 25 * time.Millisecond

// logTailBytes is how much of the log an error about a server that did not
// come up quotes.
const logTailBytes = 2048

// Start launches the server of p unless one already runs, and waits until
// its socket accepts a WebSocket connection. It reports StatusStarted or
// StatusAlreadyRunning. A pid file naming a process that is gone (or is not
// an app-server) is removed first, and so is a socket file nobody answers
// on.
func Start(ctx context.Context, p Paths, opts StartOptions) (Status, error) {
	if err := checkSocketPath(p.Socket); err != nil {
		return Status{}, err
	}
	for _, dir := range []string{p.Dir, filepath.Dir(p.Socket)} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return Status{}, err
		}
	}
	unlock, err := p.lock()
	if err != nil {
		return Status{}, err
	}
	defer unlock()

	if rec, err := p.readRecord(); err != nil {
		return Status{}, err
	} else if rec != nil {
		if running(rec.Pid) {
			return p.status(StatusAlreadyRunning, rec.Pid), nil
		}
		if err := p.removeRecord(); err != nil {
			return Status{}, err
		}
	}
	if err := clearSocket(ctx, p.Socket); err != nil {
		return Status{}, err
	}

	exe := opts.Executable
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return Status{}, fmt.Errorf("find the codex binary: %w", err)
		}
	}
	logFile, err := os.OpenFile(p.LogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return Status{}, fmt.Errorf("open log: %w", err)
	}
	defer logFile.Close()
	logStart, _ := logFile.Seek(0, 2)
	fmt.Fprintf(logFile, "--- %s starting %s app-server --listen unix://%s\n", now(), exe, p.Socket)

	cmd := exec.Command(exe, append([]string{"app-server", "--listen", "unix://" + p.Socket}, opts.Args...)...)
	cmd.Env = opts.Env
	cmd.Dir = opts.Dir
	if cmd.Dir == "" {
		cmd.Dir = "/"
		if home, err := os.UserHomeDir(); err == nil {
			cmd.Dir = home
		}
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// A session of its own: no controlling terminal, and the signals of
	// the terminal that started it (Ctrl-C, hang-up) do not reach it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return Status{}, fmt.Errorf("start the server: %w", err)
	}
	pid := cmd.Process.Pid
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	fail := func(err error) (Status, error) {
		_ = p.removeRecord()
		if tail := readTail(p.LogFile, logStart); tail != "" {
			err = fmt.Errorf("%w; its log (%s) ends:\n%s", err, p.LogFile, tail)
		}
		return Status{}, err
	}
	if err := p.writeRecord(Record{Pid: pid, SocketPath: p.Socket, Executable: exe, StartedAt: now()}); err != nil {
		_ = cmd.Process.Kill()
		<-exited
		return Status{}, err
	}

	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		if answers(ctx, p.Socket) {
			return p.status(StatusStarted, pid), nil
		}
		select {
		case err := <-exited:
			return fail(fmt.Errorf("the server (pid %d) exited before its socket answered: %v", pid, err))
		case <-deadline.C:
			_ = cmd.Process.Kill()
			<-exited
			return fail(fmt.Errorf("the server (pid %d) did not answer on %s within %v", pid, p.Socket, timeout))
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			<-exited
			return fail(ctx.Err())
		case <-tick.C:
		}
	}
}

// Stop ends the running server of p: SIGTERM, then, when it has not exited
// within grace, SIGKILL to its process group. The pid file goes, and so
// does the socket file if the server left it. It reports StatusStopped, or
// StatusNotRunning (after removing a stale pid file) when none runs.
func Stop(ctx context.Context, p Paths, grace time.Duration) (Status, error) {
	if err := os.MkdirAll(p.Dir, 0o700); err != nil {
		return Status{}, err
	}
	unlock, err := p.lock()
	if err != nil {
		return Status{}, err
	}
	defer unlock()

	rec, err := p.readRecord()
	if err != nil {
		return Status{}, err
	}
	if rec == nil || !running(rec.Pid) {
		if err := p.removeRecord(); err != nil {
			return Status{}, err
		}
		if err := clearSocket(ctx, p.Socket); err != nil {
			return Status{}, err
		}
		return p.status(StatusNotRunning, 0), nil
	}
	if err := unix.Kill(rec.Pid, unix.SIGTERM); err != nil && !errors.Is(err, unix.ESRCH) {
		return Status{}, fmt.Errorf("signal the server (pid %d): %w", rec.Pid, err)
	}
	if !waitGone(ctx, rec.Pid, grace) {
		// It did not wind down: end it and whatever it started in its
		// session.
		_ = unix.Kill(-rec.Pid, unix.SIGKILL)
		_ = unix.Kill(rec.Pid, unix.SIGKILL)
		if !waitGone(ctx, rec.Pid, 5*time.Second) {
			return Status{}, fmt.Errorf("the server (pid %d) did not exit", rec.Pid)
		}
	}
	if err := p.removeRecord(); err != nil {
		return Status{}, err
	}
	if err := os.Remove(p.Socket); err != nil && !errors.Is(err, os.ErrNotExist) {
		return Status{}, err
	}
	return p.status(StatusStopped, rec.Pid), nil
}

// Query reports whether the server of p runs (StatusRunning, with its pid
// and whether its socket answers) or not (StatusNotRunning). It changes
// nothing: a stale pid file stays until the next Start or Stop.
func Query(ctx context.Context, p Paths) (Status, error) {
	rec, err := p.readRecord()
	if err != nil {
		return Status{}, err
	}
	if rec == nil || !running(rec.Pid) {
		return p.status(StatusNotRunning, 0), nil
	}
	st := p.status(StatusRunning, rec.Pid)
	ok := answers(ctx, p.Socket)
	st.Answering = &ok
	return st, nil
}

// lock takes the lock of p's daemon, waiting for another Start or Stop to
// finish, and returns its release.
func (p Paths) lock() (func(), error) {
	f, err := os.OpenFile(p.LockFile, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock: %w", err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", p.LockFile, err)
	}
	return func() {
		_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
		_ = f.Close()
	}, nil
}

// answers reports whether a server accepts a WebSocket connection on the
// socket at path; the connection is closed at once.
func answers(ctx context.Context, path string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := stdioproxy.DialUnix(ctx, path)
	if err != nil {
		return false
	}
	_ = conn.Close(websocket.StatusNormalClosure, "")
	return true
}

// clearSocket removes a socket file nobody answers on, and fails when a
// server (one that no pid file records) does answer there.
func clearSocket(ctx context.Context, path string) error {
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if answers(ctx, path) {
		return fmt.Errorf("a server that this command did not start already listens on %s", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove stale socket: %w", err)
	}
	return nil
}

// running reports whether pid is a live process that is a codex
// app-server: a pid file can outlive its server, and the number be reused.
// Where /proc is available its command line is checked and a zombie counts
// as gone; elsewhere a process that exists is taken to be the server.
func running(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := unix.Kill(pid, 0); err != nil && !errors.Is(err, unix.EPERM) {
		return false
	}
	if _, err := os.Stat("/proc/self/cmdline"); err != nil {
		return true
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	args := strings.Split(string(bytes.TrimRight(cmdline, "\x00")), "\x00")
	if len(args) < 3 || args[1] != "app-server" || args[2] != "--listen" {
		return false
	}
	return !zombie(pid)
}

// zombie reports whether pid has exited but not been reaped.
func zombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses and
	// may itself hold spaces and parentheses.
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

// waitGone waits up to limit for pid to stop running.
func waitGone(ctx context.Context, pid int, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for {
		if err := unix.Kill(pid, 0); errors.Is(err, unix.ESRCH) || zombie(pid) {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(pollInterval)
	}
}

// readTail returns the end of the log written since offset from.
func readTail(path string, from int64) string {
	b, err := os.ReadFile(path)
	if err != nil || int64(len(b)) < from {
		return ""
	}
	b = b[from:]
	if len(b) > logTailBytes {
		b = b[len(b)-logTailBytes:]
	}
	return strings.TrimSpace(string(b))
}
