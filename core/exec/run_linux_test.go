package exec

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codex-go/codex/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// processGone reports whether pid no longer runs. A zombie counts as gone:
// it has been killed, only its parent has not collected it.
func processGone(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return false
	}
	fields := strings.Fields(string(data[i+1:]))
	return len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X")
}

func TestProcessGoneSeesRunningProcess(t *testing.T) {
	assert.False(t, processGone(os.Getpid()))
}

func TestRunSandboxed(t *testing.T) {
	self, err := os.Executable()
	require.NoError(t, err)
	root := t.TempDir()
	ws := filepath.Join(root, "ws")
	outside := filepath.Join(root, "outside")
	require.NoError(t, os.Mkdir(ws, 0o755))
	require.NoError(t, os.Mkdir(outside, 0o755))

	// The temporary directories are excluded so that root (below /tmp) is
	// not writable through them.
	workspace := protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, ExcludeTmpdirEnvVar: true, ExcludeSlashTmp: true}
	readOnly := protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}
	tests := []struct {
		name     string
		policy   protocol.SandboxPolicy
		target   string
		allowed  bool
		exitCode int
	}{
		{"workspace-write inside cwd", workspace, filepath.Join(ws, "inside"), true, 0},
		{"workspace-write outside cwd", workspace, filepath.Join(outside, "x"), false, 1},
		{"read-only inside cwd", readOnly, filepath.Join(ws, "ro"), false, 1},
		{"danger-full-access outside cwd", fullAccess, filepath.Join(outside, "free"), true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Params{Command: []string{"touch", tt.target}, Cwd: ws, Sandbox: tt.policy, SelfExe: self}
			res, err := run(t, t.Context(), p, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.exitCode, res.ExitCode, res.Stderr)
			_, statErr := os.Stat(tt.target)
			if tt.allowed {
				assert.NoError(t, statErr)
				assert.False(t, LikelyDenied(res))
			} else {
				assert.ErrorIs(t, statErr, os.ErrNotExist)
				assert.Regexp(t, "Permission denied|Read-only file system", res.Stderr)
				assert.True(t, LikelyDenied(res))
			}
		})
	}
}

func TestRunSandboxedOutputAndNotFound(t *testing.T) {
	self, err := os.Executable()
	require.NoError(t, err)
	p := Params{
		Command: []string{"bash", "-c", "echo out; echo err >&2; exit 7"},
		Cwd:     t.TempDir(),
		Sandbox: protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly},
		SelfExe: self,
	}
	res, err := run(t, t.Context(), p, nil)
	require.NoError(t, err)
	assert.Equal(t, 7, res.ExitCode)
	assert.Equal(t, "out\n", res.Stdout)
	assert.Equal(t, "err\n", res.Stderr)

	p.Command = []string{"no-such-command-for-exec-tests"}
	res, err = run(t, t.Context(), p, nil)
	require.NoError(t, err)
	assert.Equal(t, ExitNotFound, res.ExitCode)
	assert.Contains(t, res.Stderr, "not found")
}
