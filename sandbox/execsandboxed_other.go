//go:build !darwin && !linux

package sandbox

import (
	"fmt"
	"runtime"

	"github.com/codex-go/codex/protocol"
)

// ExecSandboxed runs a command under a sandbox in place of the current
// process on Linux and macOS; on this system it always fails.
func ExecSandboxed(p protocol.SandboxPolicy, _ string, _, _ []string, _ Protection, _ bool) error {
	return fmt.Errorf("sandbox: %s policy cannot be enforced on %s", p.Mode, runtime.GOOS)
}
