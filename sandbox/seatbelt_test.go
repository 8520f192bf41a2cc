package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codex-go/codex/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSeatbeltProfile(t *testing.T) {
	cwd := resolved(t, t.TempDir())
	require.NoError(t, os.Mkdir(filepath.Join(cwd, ".git"), 0o755))
	extra := resolved(t, t.TempDir())
	tmpdir := resolved(t, t.TempDir())
	env := envOf(map[string]string{"TMPDIR": tmpdir})

	const networkRule = "(allow network-outbound)\n"
	tests := []struct {
		name       string
		policy     protocol.SandboxPolicy
		wantParams []string
		contains   []string
		excludes   []string
	}{
		{
			name:     "read-only",
			policy:   protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly},
			contains: []string{"(deny default)", "(allow file-read*)", "(allow process-exec)", `(literal "/dev/null")`, "(remote unix-socket)"},
			excludes: []string{"(allow file-write*", "WRITABLE_ROOT", networkRule, "(allow default)"},
		},
		{
			name: "workspace-write without network",
			policy: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite,
				WritableRoots: []string{extra}, ExcludeSlashTmp: true},
			wantParams: []string{
				"WRITABLE_ROOT_0=" + cwd,
				"WRITABLE_ROOT_0_RO_0=" + filepath.Join(cwd, ".git"),
				"WRITABLE_ROOT_1=" + extra,
				"WRITABLE_ROOT_2=" + tmpdir,
			},
			contains: []string{
				"(deny default)",
				"(allow file-write*",
				`(require-all (subpath (param "WRITABLE_ROOT_0")) (require-not (subpath (param "WRITABLE_ROOT_0_RO_0"))))`,
				`(subpath (param "WRITABLE_ROOT_1"))`,
				`(subpath (param "WRITABLE_ROOT_2"))`,
			},
			excludes: []string{networkRule, cwd, extra},
		},
		{
			name: "workspace-write with network",
			policy: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, NetworkAccess: true,
				ExcludeTmpdirEnvVar: true, ExcludeSlashTmp: true},
			wantParams: []string{
				"WRITABLE_ROOT_0=" + cwd,
				"WRITABLE_ROOT_0_RO_0=" + filepath.Join(cwd, ".git"),
			},
			contains: []string{"(deny default)", networkRule, "(allow network-inbound)", `"com.apple.dnssd.service"`},
			excludes: []string{"WRITABLE_ROOT_1"},
		},
		{
			name:     "danger-full-access",
			policy:   protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess},
			contains: []string{"(version 1)", "(allow default)"},
			excludes: []string{"(deny default)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			profile, params := SeatbeltProfile(tt.policy, cwd, env, Protection{})
			assert.Equal(t, tt.wantParams, params)
			assert.True(t, strings.HasPrefix(profile, "(version 1)\n"), profile)
			for _, s := range tt.contains {
				assert.Contains(t, profile, s)
			}
			for _, s := range tt.excludes {
				assert.NotContains(t, profile, s)
			}
			assert.Equal(t, strings.Count(profile, "("), strings.Count(profile, ")"), "parentheses balance")
		})
	}
}

func TestSeatbeltParamsMatchProfile(t *testing.T) {
	cwd := resolved(t, t.TempDir())
	require.NoError(t, os.Mkdir(filepath.Join(cwd, ".git"), 0o755))
	profile, params := SeatbeltProfile(protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite}, cwd,
		envOf(map[string]string{"TMPDIR": t.TempDir()}), Protection{})
	require.NotEmpty(t, params)
	for _, kv := range params {
		key, value, ok := strings.Cut(kv, "=")
		require.True(t, ok, kv)
		assert.True(t, filepath.IsAbs(value), kv)
		assert.Contains(t, profile, `(param "`+key+`")`)
	}
}
