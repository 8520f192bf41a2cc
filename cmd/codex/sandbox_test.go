package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/protocol"
)

func TestSandboxPolicy(t *testing.T) {
	wd, err := os.Getwd()
	require.NoError(t, err)
	other := t.TempDir()
	const richConfig = `sandbox_mode = "danger-full-access"
[sandbox_workspace_write]
writable_roots = ["/srv/extra"]
network_access = true
exclude_slash_tmp = true
`
	tests := []struct {
		name       string
		configTOML string
		overrides  []string
		typed      config.Typed
		fullAuto   bool
		want       protocol.SandboxPolicy
		wantCwd    string
		wantErr    string
	}{
		{
			name: "default is read-only",
			want: protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly},
		},
		{
			name:       "configured mode is ignored",
			configTOML: richConfig,
			overrides:  []string{`sandbox_mode="workspace-write"`},
			want:       protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly},
		},
		{
			name: "full-auto is workspace-write",
			want: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite}, fullAuto: true,
		},
		{
			name:       "full-auto keeps the settings but closes the network",
			configTOML: richConfig,
			fullAuto:   true,
			overrides:  []string{"sandbox_workspace_write.exclude_tmpdir_env_var=true"},
			typed:      config.Typed{AdditionalWritableRoots: []string{other}},
			want: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite,
				WritableRoots: []string{"/srv/extra", other}, ExcludeSlashTmp: true, ExcludeTmpdirEnvVar: true},
		},
		{
			name:     "network override is closed too",
			fullAuto: true,
			overrides: []string{
				"sandbox_workspace_write.network_access=true",
			},
			want: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite},
		},
		{
			name:    "working directory from -C",
			typed:   config.Typed{Cwd: other},
			want:    protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly},
			wantCwd: other,
		},
		{
			name:       "broken configuration",
			configTOML: "sandbox_workspace_write = 3\n",
			fullAuto:   true,
			wantErr:    "sandbox_workspace_write",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			if tt.configTOML != "" {
				require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(tt.configTOML), 0o600))
			}
			var ovs []config.Override
			for _, raw := range tt.overrides {
				ovs = append(ovs, mustOverride(t, raw))
			}
			got, cwd, err := sandboxPolicy(config.LoadOptions{CodexHome: home, Overrides: ovs, Typed: tt.typed,
				Getenv: func(string) string { return "" }}, tt.fullAuto)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			wantCwd := tt.wantCwd
			if wantCwd == "" {
				wantCwd = wd
			}
			assert.Equal(t, wantCwd, cwd)
		})
	}
}

// TestSandboxCommandErrors covers the command lines that fail before any
// command runs; those that run one are tested with the built binary in
// tests/.
func TestSandboxCommandErrors(t *testing.T) {
	t.Setenv("CODEX_HOME", t.TempDir())
	otherOS, otherMsg := "macos", "Seatbelt is only available on macOS"
	if runtime.GOOS == "darwin" {
		otherOS, otherMsg = "linux", "only available on Linux"
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no command", []string{"sandbox", "linux"}, exitUsage, "no command given"},
		{"no command after --", []string{"debug", "seatbelt", "--full-auto", "--"}, exitUsage, "no command given"},
		{"sandbox mode flag", []string{"sandbox", "-s", "danger-full-access", "linux", "true"}, exitUsage, "-s/--sandbox does not apply"},
		{"bad override", []string{"sandbox", "linux", "-c", "novalue", "true"}, exitUsage, "invalid -c/--config"},
		{"unknown backend", []string{"sandbox", "windows", "true"}, exitUsage, `unknown command "windows"`},
		{"other system", []string{"sandbox", otherOS, "--", "true"}, exitFailure, otherMsg},
		{"other system through debug", []string{"debug", otherOS, "true"}, exitFailure, otherMsg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			root := newRootCommand(stdio{in: strings.NewReader(""), out: &out, err: &errOut})
			root.SetArgs(tt.args)
			err := root.Execute()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			code := exitUsage
			var ee *exitError
			if errors.As(err, &ee) {
				code = ee.code
			}
			assert.Equal(t, tt.wantCode, code)
		})
	}
}
