package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"

	"github.com/codex-go/codex/protocol"
	"golang.org/x/sys/unix"
)

// RunHelper is the Linux sandbox helper, called by main when os.Args[1] is
// HelperArg with the arguments that follow it (those produced by Wrap). It
// looks the command up in $PATH, restricts the process with Landlock (and,
// when the network is closed, seccomp) and then executes the command in its
// place. It only returns on error; HelperExitCode maps the error to an exit
// status.
func RunHelper(args []string) error {
	req, err := parseHelperArgs(args)
	if err != nil {
		return err
	}
	path, err := lookCommand(req.argv[0])
	if err != nil {
		return err
	}

	// no_new_privs and the Landlock domain are applied to the calling OS
	// thread only, and execve carries that thread's restrictions over to
	// the command while the process's other threads end. (The seccomp
	// filter is also copied to the other threads by the kernel, because
	// libseccomp-golang always asks for TSYNC; that costs one system call
	// and changes nothing.) Everything from here on therefore runs on one
	// OS thread, the one that calls execve. The thread is never released:
	// the process either becomes the command or exits with an error.
	runtime.LockOSThread()
	if err := applyPolicy(req.policy, req.cwd, os.Getenv); err != nil {
		return err
	}
	if err := syscall.Exec(path, req.argv, os.Environ()); err != nil {
		return &helperError{code: ExitCannotExecute, err: fmt.Errorf("sandbox: execute %s: %w", req.argv[0], err)}
	}
	return errors.New("sandbox helper: exec returned without an error")
}

// lookCommand resolves name the way a shell would, using $PATH.
func lookCommand(name string) (string, error) {
	path, err := exec.LookPath(name)
	if err == nil || errors.Is(err, exec.ErrDot) {
		return path, nil
	}
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
		return "", &helperError{code: ExitCommandNotFound, err: fmt.Errorf("sandbox: command %q not found", name)}
	}
	return "", &helperError{code: ExitCannotExecute, err: fmt.Errorf("sandbox: command %q cannot be executed: %w", name, err)}
}

// applyPolicy restricts the calling OS thread according to p, in this
// order: no_new_privs (which Landlock requires of an unprivileged thread),
// then Landlock, then the seccomp filter when the network is closed. The
// caller must keep its goroutine locked to the thread. A kernel without
// Landlock is an error unless p is danger-full-access.
func applyPolicy(p protocol.SandboxPolicy, cwd string, getenv func(string) string) error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("sandbox: set no_new_privs: %w", err)
	}
	if p.Mode == protocol.SandboxDangerFullAccess {
		return nil
	}
	abi, abiErr := landlockABI()
	if err := requireLandlock(abi, abiErr); err != nil {
		return err
	}
	network := p.HasFullNetworkAccess()
	plan := planLandlock(WritableRoots(p, cwd, getenv), network, abi)
	if err := enforceLandlock(plan); err != nil {
		return err
	}
	if !network {
		if err := closeNetwork(); err != nil {
			return err
		}
	}
	return nil
}
