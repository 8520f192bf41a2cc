//go:build !linux && !darwin

package sandbox

import (
	"fmt"
	"runtime"

	"github.com/codex-go/codex/protocol"
)

// wrapPlatform refuses: there is no sandbox backend for this system yet.
func wrapPlatform(_ string, p protocol.SandboxPolicy, _ string, _ []string, _ Protection) ([]string, error) {
	return nil, fmt.Errorf("sandbox: %s policy cannot be enforced on %s (only danger-full-access is available)", p.Mode, runtime.GOOS)
}
