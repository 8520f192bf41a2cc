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

// RunHelper is the Linux sandbox helper, run (through HelperMain) by
// RunHelperIfRequested when os.Args[1] is HelperArg, with the arguments
// that follow it (those produced by Wrap and Prepare). It looks the command
// up in $PATH, restricts itself and runs the command (see confine). It only
// returns on error; HelperExitCode maps the error to an exit status.
func RunHelper(args []string) error {
	req, err := parseHelperArgs(args)
	if err != nil {
		return err
	}
	env := commandEnvironment(os.Environ(), req.setenv)
	path, err := lookCommand(req.argv[0])
	if err != nil {
		return err
	}
	return confine(req, path, env, isolationOf(preinitIsolation()))
}

// isolationOf completes iso with the reason namespaces were not even
// tried, when they were turned off.
func isolationOf(iso isolation) isolation {
	if iso.level == isolationNone && iso.reason == "" && os.Getenv(EnvNoNamespaces) != "" {
		iso.reason = "turned off by " + EnvNoNamespaces
	}
	return iso
}

// confine runs the command of req (found at path, with the environment env)
// under its policy, from this process, which got the isolation iso before
// the Go runtime started (see preinit_linux.c):
//
//   - With namespaces, it first rearranges the private mount table (see
//     isolateFiles).
//   - It restricts its thread (see applyPolicy) and executes the command
//     in its place.
//
// It only returns on error.
func confine(req helperRequest, path string, env []string, iso isolation) error {
	// no_new_privs, the capabilities and the Landlock domain are applied
	// to the calling OS thread only: execve carries that thread's
	// restrictions over to the command while the other threads end.
	// Everything from here on therefore runs on one OS thread, which is
	// never released: the process either becomes the command or exits
	// with an error.
	runtime.LockOSThread()
	m := measures{isolation: iso}
	roots := WritableRoots(req.policy, req.cwd, envLookup(env))
	ttys := ownTerminals()
	freshPTS := false
	restricting := req.policy.Mode != protocol.SandboxDangerFullAccess
	if iso.level == isolationFull && restricting {
		plan := mountPlanFor(roots, req.protect, len(ttys) == 0)
		if err := isolateFiles(plan, &m); err != nil {
			return err
		}
		freshPTS = m.has(measureFreshPTS)
		if m.has(measurePrivateShm) {
			// Nobody else sees it: the command may write there.
			roots = append(roots, WritableRoot{Root: "/dev/shm"})
		}
		// The working directory still refers to what was there before the
		// mounts (a writable root now lies on top of it): enter it again.
		if wd, err := os.Getwd(); err == nil {
			if err := os.Chdir(wd); err != nil {
				return fmt.Errorf("sandbox: enter %s again: %w", wd, err)
			}
		}
	}
	if err := applyPolicy(req.policy, roots, ttys, freshPTS, iso.level == isolationFull, &m); err != nil {
		return err
	}
	if req.report {
		m.report(os.Stderr)
	}
	if err := syscall.Exec(path, req.argv, env); err != nil {
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
// every capability dropped, Landlock, then the seccomp filter. roots are
// the writable roots of p, ttys the terminals the command was given,
// freshPTS whether /dev/pts is a pseudo-terminal instance of the command's
// own and ownNamespaces whether the command runs in PID and IPC namespaces
// of its own. The caller must keep its goroutine locked to the thread. A kernel
// without Landlock is an error unless p is danger-full-access.
func applyPolicy(p protocol.SandboxPolicy, roots []WritableRoot, ttys []string, freshPTS, ownNamespaces bool, m *measures) error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("sandbox: set no_new_privs: %w", err)
	}
	if p.Mode == protocol.SandboxDangerFullAccess {
		return nil
	}
	if err := dropCapabilities(m); err != nil {
		return err
	}
	abi, abiErr := landlockABI()
	if err := requireLandlock(abi, abiErr); err != nil {
		return err
	}
	network := p.HasFullNetworkAccess()
	entries, err := rootEntries()
	if err != nil {
		return err
	}
	plan := planLandlock(roots, network, abi, terminalDevices(ttys, freshPTS), entries)
	if err := enforceLandlock(plan); err != nil {
		return err
	}
	m.landlock(abi, plan)
	if err := installFilter(!network, ownNamespaces); err != nil {
		return err
	}
	m.add(measureSeccomp)
	if !network {
		m.add(measureSeccompNetwork)
	}
	return nil
}
