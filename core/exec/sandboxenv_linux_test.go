package exec

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
)

// TestSandboxEnvReachesTheCommand runs a real command printing its
// environment under each policy: codex-cli 0.45.0 gives a command
// CODEX_SANDBOX_NETWORK_DISABLED=1 under read-only and workspace-write
// without network, and nothing under workspace-write with network or
// danger-full-access (CODEX_SANDBOX is set on macOS only).
func TestSandboxEnvReachesTheCommand(t *testing.T) {
	self, err := os.Executable()
	require.NoError(t, err)
	tests := []struct {
		name        string
		policy      protocol.SandboxPolicy
		unsandboxed bool
		want        string
	}{
		{"read-only", protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}, false, "CODEX_SANDBOX_NETWORK_DISABLED=1\n"},
		{"workspace-write", protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite}, false, "CODEX_SANDBOX_NETWORK_DISABLED=1\n"},
		{"workspace-write with network", protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, NetworkAccess: true}, false, ""},
		{"danger-full-access", fullAccess, false, ""},
		{"approved outside the sandbox", protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Run(context.Background(), Params{
				Command: []string{"sh", "-c", "env | grep '^CODEX_SANDBOX' | sort; true"},
				Cwd:     t.TempDir(), Env: []string{"PATH=" + os.Getenv("PATH")},
				Sandbox: tc.policy, Unsandboxed: tc.unsandboxed, SelfExe: self,
			}, nil)
			require.NoError(t, err)
			require.Equal(t, 0, res.ExitCode, res.Stderr)
			assert.Equal(t, tc.want, res.Stdout)
		})
	}
}
