package sandbox

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/codex-go/codex/protocol"
)

// ExecSandboxed replaces the current process with argv running under p, in
// the directory cwd (also the directory p is evaluated for) with the
// environment env and the protection prot (the report flag has no effect
// here; see RunLoggingDenials). The sandboxed command takes over the
// process: its standard streams, its signals and, in the end, its exit status (a command
// killed by a signal kills the process with it). Signals the program asked
// to be notified of get their inherited handling back first.
//
// On macOS the process becomes sandbox-exec with the Seatbelt profile of p
// (TMPDIR is taken from env); the command is looked up first so that a
// missing one fails as it does on Linux. It only returns on failure;
// HelperExitCode maps the error to an exit status.
func ExecSandboxed(p protocol.SandboxPolicy, cwd string, argv, env []string, prot Protection, _ bool) error {
	if len(argv) == 0 {
		return fmt.Errorf("sandbox: empty command")
	}
	if !p.Mode.Valid() {
		return fmt.Errorf("sandbox: unknown sandbox mode %q", p.Mode)
	}
	path, err := FindCommand(argv[0], cwd)
	if err != nil {
		return err
	}
	wrapped := argv
	if p.Mode != protocol.SandboxDangerFullAccess {
		wrapped = wrapSeatbelt(p, cwd, argv, envLookup(env), prot)
		path = SeatbeltExecutable
	}
	if err := os.Chdir(cwd); err != nil {
		return fmt.Errorf("sandbox: change to %s: %w", cwd, err)
	}
	signal.Reset()
	if err := syscall.Exec(path, wrapped, env); err != nil {
		return &helperError{code: ExitCannotExecute, err: fmt.Errorf("sandbox: execute %s: %w", wrapped[0], err)}
	}
	return fmt.Errorf("sandbox: exec of %s returned", wrapped[0])
}
