package sandbox

import (
	"os"

	"github.com/codex-go/codex/protocol"
)

// wrapPlatform runs argv under sandbox-exec; the environment of the current
// process supplies TMPDIR.
func wrapPlatform(_ string, p protocol.SandboxPolicy, cwd string, argv []string, prot Protection) ([]string, error) {
	return wrapSeatbelt(p, cwd, argv, os.Getenv, prot), nil
}
