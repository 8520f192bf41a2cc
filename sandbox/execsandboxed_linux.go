package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/codex-go/codex/protocol"
)

// ExecSandboxed runs argv under p in place of the current process (`codex
// sandbox linux`), in the directory cwd (also the directory p is evaluated
// for), with the environment env and the protection prot; report describes
// the applied measures on standard error first. The command takes over the
// process's standard streams and, in the end, its exit status (a command
// killed by a signal kills the process with it).
//
// When the process got namespaces before the Go runtime started (see
// preinit_linux.c, which recognises the command line of the codex command,
// and of no other program), it confines itself
// exactly as the helper does (see RunHelper), which saves starting the
// helper. When it did not, but the system allows namespaces, it runs the
// helper as a child instead (see runAsChild) and exits as the command
// did. It only returns on failure; HelperExitCode maps the error to an
// exit status. Once the restriction has begun, a failure leaves the
// process restricted, so the caller should exit.
func ExecSandboxed(p protocol.SandboxPolicy, cwd string, argv, env []string, prot Protection, report bool) error {
	if len(argv) == 0 {
		return errors.New("sandbox: empty command")
	}
	req := helperRequest{policy: p, cwd: cwd, argv: argv, protect: prot, report: report}
	iso := isolationOf(preinitIsolation())
	if iso.level == isolationNone && iso.reason == "" && p.Mode != protocol.SandboxDangerFullAccess && namespacesPossible() {
		return runAsChild(p, cwd, argv, env, prot, report)
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
	path, err := lookCommand(argv[0])
	if err != nil {
		return err
	}
	signal.Reset()
	return confine(req, path, env, iso)
}

// namespacesPossible reports whether namespaces are worth trying: root can
// create them, and so can an ordinary user unless the system restricts
// unprivileged user namespaces (as Ubuntu's AppArmor setting does, which
// lets them be created but without the capabilities mounting needs).
// (Namespaces turned off by EnvNoNamespaces come with a reason, see
// isolationOf, and are not tried either.)
func namespacesPossible() bool {
	if os.Geteuid() == 0 {
		return true
	}
	data, err := os.ReadFile("/proc/sys/kernel/apparmor_restrict_unprivileged_userns")
	return err != nil || strings.TrimSpace(string(data)) != "1"
}
