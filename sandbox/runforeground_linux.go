package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/codex-go/codex/protocol"
)

// runAsChild runs argv under p through the helper, as a child of this
// process (see Prepare), passes on the signals the command would not get
// otherwise (SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, and SIGINT and
// SIGQUIT that did not come from the terminal, which also delivers them to
// the command, in this process's group) and then ends this process the way
// the command ended. It only returns when the helper could not be started.
func runAsChild(p protocol.SandboxPolicy, cwd string, argv, env []string, prot Protection, report bool) error {
	self, err := SelfExecutable()
	if err != nil {
		return fmt.Errorf("sandbox: locate the codex executable: %w", err)
	}
	wrapped, err := Wrap(self, p, cwd, argv, prot)
	if err != nil {
		return err
	}
	if report {
		wrapped = insertHelperFlags(wrapped, reportFlag)
	}
	cmd := exec.Command(wrapped[0], wrapped[1:]...)
	cmd.Dir = cwd
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	Prepare(cmd)
	if err := runPassingSignals(cmd, forwardedSignals(), nil, nil, nil); err != nil {
		return err
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		dieOf(ws.Signal())
	}
	os.Exit(cmd.ProcessState.ExitCode())
	return nil
}

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

// dieOf ends the process with sig, as the command it ran did, so that a
// shell sees the same death; if the signal does not end it, the process
// exits with 128+sig.
func dieOf(sig syscall.Signal) {
	signal.Reset(sig)
	_ = syscall.Kill(os.Getpid(), sig)
	os.Exit(128 + int(sig))
}
