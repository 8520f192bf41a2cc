package sandbox

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/codex-go/codex/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// resolved returns path with symlinks resolved, as WritableRoots reports it.
func resolved(t *testing.T, path string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(path)
	require.NoError(t, err)
	return r
}

// envOf returns a getenv function backed by vars.
func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestWritableRoots(t *testing.T) {
	cwd := resolved(t, t.TempDir())
	extra := resolved(t, t.TempDir())
	tmpdir := resolved(t, t.TempDir())
	slashTmp := resolved(t, "/tmp")
	require.NoError(t, os.Mkdir(filepath.Join(cwd, ".git"), 0o755))
	require.NoError(t, os.Mkdir(filepath.Join(cwd, "sub"), 0o755))
	link := filepath.Join(t.TempDir(), "link")
	require.NoError(t, os.Symlink(extra, link))
	missing := filepath.Join(cwd, "missing")
	file := filepath.Join(cwd, "file.txt")
	require.NoError(t, os.WriteFile(file, nil, 0o644))

	cwdRoot := WritableRoot{Root: cwd, ReadOnlySubpaths: []string{filepath.Join(cwd, ".git")}}
	env := envOf(map[string]string{"TMPDIR": tmpdir})
	tests := []struct {
		name   string
		policy protocol.SandboxPolicy
		env    func(string) string
		want   []WritableRoot
	}{
		{
			name:   "read-only has no roots",
			policy: protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly},
			env:    env,
			want:   []WritableRoot{},
		},
		{
			name: "workspace-write with everything excluded is cwd only",
			policy: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite,
				ExcludeTmpdirEnvVar: true, ExcludeSlashTmp: true},
			env:  env,
			want: []WritableRoot{cwdRoot},
		},
		{
			name:   "workspace-write adds TMPDIR and /tmp",
			policy: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite},
			env:    env,
			want:   []WritableRoot{cwdRoot, {Root: tmpdir}, {Root: slashTmp}},
		},
		{
			name:   "unset TMPDIR is skipped",
			policy: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, ExcludeSlashTmp: true},
			env:    envOf(nil),
			want:   []WritableRoot{cwdRoot},
		},
		{
			name:   "nil getenv is allowed",
			policy: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, ExcludeSlashTmp: true},
			want:   []WritableRoot{cwdRoot},
		},
		{
			name: "writable roots: symlinks resolved, relative to cwd, missing and files dropped",
			policy: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite,
				WritableRoots:       []string{link, "sub", missing, file},
				ExcludeTmpdirEnvVar: true, ExcludeSlashTmp: true},
			env:  env,
			want: []WritableRoot{cwdRoot, {Root: extra}, {Root: filepath.Join(cwd, "sub")}},
		},
		{
			name: "duplicates are removed",
			policy: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite,
				WritableRoots: []string{cwd, "."}, ExcludeSlashTmp: true},
			env:  envOf(map[string]string{"TMPDIR": cwd}),
			want: []WritableRoot{cwdRoot},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := WritableRoots(tt.policy, cwd, tt.env)
			require.NotNil(t, got)
			assert.Equal(t, tt.want, got)
		})
	}

	t.Run("danger-full-access is nil", func(t *testing.T) {
		assert.Nil(t, WritableRoots(protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}, cwd, env))
	})
}

func TestWritableRootsGitFileAndSymlinkedCwd(t *testing.T) {
	real := resolved(t, t.TempDir())
	// A worktree has a .git file rather than a directory; it is protected too.
	require.NoError(t, os.WriteFile(filepath.Join(real, ".git"), []byte("gitdir: elsewhere\n"), 0o644))
	link := filepath.Join(t.TempDir(), "ws")
	require.NoError(t, os.Symlink(real, link))

	got := WritableRoots(protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite,
		ExcludeTmpdirEnvVar: true, ExcludeSlashTmp: true}, link, nil)
	assert.Equal(t, []WritableRoot{{Root: real, ReadOnlySubpaths: []string{filepath.Join(real, ".git")}}}, got)
}
