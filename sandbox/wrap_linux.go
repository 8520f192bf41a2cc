package sandbox

import "github.com/codex-go/codex/protocol"

// wrapPlatform runs argv through the re-executed helper.
func wrapPlatform(self string, p protocol.SandboxPolicy, cwd string, argv []string, prot Protection) ([]string, error) {
	return wrapHelper(self, p, cwd, argv, prot)
}
