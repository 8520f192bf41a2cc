package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/protocol"
)

func TestGlobalFlagsResolve(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	wd, err := os.Getwd()
	require.NoError(t, err)

	tests := []struct {
		name    string
		flags   globalFlags
		want    settings
		wantErr string
	}{
		{name: "nothing set"},
		{
			name: "typed flags",
			flags: globalFlags{profile: "p1", model: "o3", sandbox: "workspace-write", approval: "never",
				cd: dir, addDirs: []string{"rel", dir}},
			want: settings{typed: config.Typed{Profile: "p1", Model: "o3", SandboxMode: protocol.SandboxWorkspaceWrite,
				ApprovalPolicy: protocol.ApprovalNever, Cwd: dir,
				AdditionalWritableRoots: []string{filepath.Join(wd, "rel"), dir}}},
		},
		{
			name:  "overrides keep their order",
			flags: globalFlags{configOverrides: []string{"model=o3", `model_providers.mock.name="x"`}},
			want: settings{overrides: []config.Override{
				mustOverride(t, "model=o3"), mustOverride(t, `model_providers.mock.name="x"`)}},
		},
		{name: "bad override", flags: globalFlags{configOverrides: []string{"novalue"}}, wantErr: "invalid -c/--config"},
		{name: "bad sandbox", flags: globalFlags{sandbox: "open"}, wantErr: "invalid -s/--sandbox"},
		{name: "bad approval", flags: globalFlags{approval: "sometimes"}, wantErr: "invalid -a/--ask-for-approval"},
		{name: "missing cd", flags: globalFlags{cd: filepath.Join(dir, "missing")}, wantErr: "invalid -C/--cd"},
		{name: "cd is a file", flags: globalFlags{cd: file}, wantErr: "is not a directory"},
		{name: "empty add-dir", flags: globalFlags{addDirs: []string{""}}, wantErr: "invalid --add-dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.flags.resolve()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func mustOverride(t *testing.T, s string) config.Override {
	t.Helper()
	ov, err := config.ParseOverride(s)
	require.NoError(t, err)
	return ov
}
