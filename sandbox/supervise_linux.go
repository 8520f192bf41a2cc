package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// forwardedSignals are the signals a process running a command on
// someone's behalf passes on to it. SIGINT and SIGQUIT typed at a terminal
// already reach the command, which shares the process group, so they are
// only passed on when they did not come from the terminal (see
// fromTerminal).
func forwardedSignals() []os.Signal {
	return []os.Signal{
		syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGHUP,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGALRM,
	}
}

// superviseCommand starts the command as the only child of the helper,
// which is process 1 of its PID namespace, and stays as the namespace's
// init until the command ends: it passes signals on, reaps the orphans the
// namespace's processes leave and then exits with the command's status
// (128+N after signal N, which is also sent on the status pipe so that the
// parent waiting outside the namespace can die of it). Its exit ends every other process of the namespace.
//
// The calling thread carries the restrictions, so the command is started
// from it. The helper makes itself non-dumpable first: it keeps
// capabilities on its other threads, and nothing in the sandbox may read
// or write its memory or its descriptors through /proc.
func superviseCommand(path string, argv, env []string, status *statusWriter) error {
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("sandbox: make the helper non-dumpable: %w", err)
	}
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, forwardedSignals()...)

	pid, err := syscall.ForkExec(path, argv, &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{0, 1, 2},
		Sys:   &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	})
	if err != nil {
		return &helperError{code: ExitCannotExecute, err: fmt.Errorf("sandbox: execute %s: %w", argv[0], err)}
	}
	go forwardSignals(signals, pid)

	for {
		var ws syscall.WaitStatus
		wpid, err := syscall.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("sandbox: wait for %s: %w", argv[0], err)
		}
		if wpid != pid || !(ws.Exited() || ws.Signaled()) {
			continue
		}
		if ws.Signaled() {
			status.send("signal " + strconv.Itoa(int(ws.Signal())))
			os.Exit(128 + int(ws.Signal()))
		}
		os.Exit(ws.ExitStatus())
	}
}

// forwardSignals passes the signals the helper receives on to the command.
func forwardSignals(signals <-chan os.Signal, pid int) {
	for sig := range signals {
		s, ok := sig.(syscall.Signal)
		if !ok || fromTerminal(s) {
			continue
		}
		_ = syscall.Kill(pid, s)
	}
}
