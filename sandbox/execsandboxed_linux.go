package sandbox

import (
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/codex-go/codex/protocol"
)

// ExecSandboxed replaces the current process with argv running under p, in
// the directory cwd (also the directory p is evaluated for) with the
// environment env. The sandboxed command takes over the process: its
// standard streams, its signals and, in the end, its exit status (a command
// killed by a signal kills the process with it). Signals the program asked
// to be notified of get their inherited handling back first.
//
// On Linux the process restricts itself exactly as the helper does (see
// RunHelper) and then executes the command, which saves starting the helper.
// It only returns on failure; HelperExitCode maps the error to an exit
// status. Once the restriction has begun, a failure leaves the process
// restricted, so the caller should exit.
func ExecSandboxed(p protocol.SandboxPolicy, cwd string, argv, env []string) error {
	args, err := encodeHelperArgs(p, cwd, argv)
	if err != nil {
		return err
	}
	if err := os.Chdir(cwd); err != nil {
		return fmt.Errorf("sandbox: change to %s: %w", cwd, err)
	}
	os.Clearenv()
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			if err := os.Setenv(k, v); err != nil {
				return fmt.Errorf("sandbox: set %s: %w", k, err)
			}
		}
	}
	signal.Reset()
	return RunHelper(args)
}
