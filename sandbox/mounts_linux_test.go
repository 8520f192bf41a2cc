package sandbox

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMountPlanFor(t *testing.T) {
	base := resolvedTemp(t)
	ws := filepath.Join(base, "ws")
	home := filepath.Join(ws, ".codex")
	outsideHome := filepath.Join(base, "home", ".codex")
	for _, d := range []string{filepath.Join(ws, ".git"), home, outsideHome, filepath.Join(ws, "sub")} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(home, "auth.json"), []byte("{}"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(outsideHome, "auth.json"), []byte("{}"), 0o600))

	roots := []WritableRoot{
		{Root: filepath.Join(ws, "sub")},
		{Root: ws, ReadOnlySubpaths: []string{filepath.Join(ws, ".git")}},
	}
	plan := mountPlanFor(roots, Protection{
		ReadOnly: []string{home, outsideHome, filepath.Join(base, "missing")},
		Hidden:   []string{filepath.Join(home, "auth.json"), filepath.Join(outsideHome, "auth.json"), home},
	}, true)
	assert.True(t, plan.privateShm, "a policy with writable roots gets its own /dev/shm")

	assert.Equal(t, []string{ws}, plan.writable, "a root inside another is not mounted twice")
	assert.ElementsMatch(t, []string{filepath.Join(ws, ".git"), home}, plan.readOnly,
		"only paths inside a writable root need binding; outside, everything is read-only already")
	assert.Equal(t, []string{filepath.Join(home, "auth.json"), filepath.Join(outsideHome, "auth.json")}, plan.hidden,
		"hidden files are covered wherever they lie; directories are not hidden")
	assert.True(t, plan.freshPTS)
}

func TestInsideAnyDir(t *testing.T) {
	dirs := []string{"/a/b", "/c"}
	for p, want := range map[string]bool{
		"/a/b": true, "/a/b/c": true, "/a/bc": false, "/a": false, "/c/d": true, "/cd": false,
	} {
		assert.Equal(t, want, insideAnyDir(dirs, p), p)
	}
	assert.True(t, insideAnyDir([]string{"/"}, "/x"))
}

// resolvedTemp is a temporary directory without symbolic links in its path.
func resolvedTemp(t *testing.T) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	return dir
}

func TestMountPlanPinsTheWayToProtectedPaths(t *testing.T) {
	base := resolvedTemp(t)
	repo := filepath.Join(base, "x", "repo")
	home := filepath.Join(base, "x", "repo", "sub", "codex-home")
	require.NoError(t, os.MkdirAll(filepath.Join(repo, ".git"), 0o755))
	require.NoError(t, os.MkdirAll(home, 0o755))
	roots := []WritableRoot{
		{Root: base},
		{Root: repo, ReadOnlySubpaths: []string{filepath.Join(repo, ".git")}},
	}
	plan := mountPlanFor(roots, Protection{ReadOnly: []string{home}}, false)
	assert.Equal(t, []string{base}, plan.writable)
	assert.Equal(t, []string{filepath.Join(repo, ".git"), home}, plan.readOnly)
	assert.Equal(t, []string{filepath.Join(base, "x"), repo, filepath.Join(repo, "sub")}, plan.pinned,
		"every directory between the outer root and a protected path cannot be renamed")
}

func TestBetween(t *testing.T) {
	roots := []string{"/r", "/s/t"}
	tests := []struct {
		p    string
		want []string
	}{
		{"/r/.git", nil},
		{"/r/a/b/.git", []string{"/r/a", "/r/a/b"}},
		{"/s/t/u/v", []string{"/s/t/u"}},
		{"/elsewhere/x", nil},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, between(roots, tt.p), tt.p)
	}
}

func TestMountPlanPrivateDirectories(t *testing.T) {
	base := resolvedTemp(t)
	ws := filepath.Join(base, "ws")
	home := filepath.Join(ws, "sub", ".codex")
	other := filepath.Join(base, "elsewhere", ".codex")
	holding := filepath.Join(base, "holding")
	for _, d := range []string{home, other, filepath.Join(holding, "project")} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	for _, d := range []string{home, other, holding} {
		require.NoError(t, os.WriteFile(filepath.Join(d, "auth.json"), []byte("{}"), 0o600))
	}
	roots := []WritableRoot{{Root: ws}, {Root: filepath.Join(holding, "project")}}
	prot := func(dirs ...string) Protection {
		var p Protection
		for _, d := range dirs {
			c := CodexHomeProtection(d)
			p.ReadOnly = append(p.ReadOnly, c.ReadOnly...)
			p.Hidden = append(p.Hidden, c.Hidden...)
			p.Private = append(p.Private, c.Private...)
		}
		return p
	}
	plan := mountPlanFor(roots, prot(home, other, holding), false)
	assert.Equal(t, []string{home, other, holding}, plan.private)
	assert.Equal(t, []string{filepath.Join(holding, "project")}, plan.holes[holding],
		"a writable root inside a private directory shows through it")
	assert.Empty(t, plan.holes[home])
	assert.Empty(t, plan.hidden, "hidden files inside private directories need no cover of their own")
	assert.Contains(t, plan.pinned, filepath.Join(ws, "sub"), "the way to a private directory inside a root is pinned")

	self := mountPlanFor([]WritableRoot{{Root: holding}}, prot(holding), false)
	assert.Empty(t, self.private, "a private directory that is a writable root itself stays visible")
	assert.Empty(t, self.readOnly, "and writable")
	assert.Equal(t, []string{filepath.Join(holding, "auth.json")}, self.hidden, "but for its credentials")

	nested := mountPlanFor([]WritableRoot{{Root: base}, {Root: filepath.Join(holding, "project")}},
		Protection{ReadOnly: []string{holding}}, false)
	assert.Empty(t, nested.readOnly, "a read-only bind would cover the writable root inside it")
	assert.False(t, mountPlanFor(nil, Protection{}, false).privateShm, "read-only gets no writable /dev/shm")
}

func TestMountPlanPinsLinksToProtectedPaths(t *testing.T) {
	base := resolvedTemp(t)
	ws := filepath.Join(base, "ws")
	require.NoError(t, os.MkdirAll(filepath.Join(ws, "dotfiles", "codex"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(ws, "gitdir"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(ws, "deep", "dir"), 0o755))
	require.NoError(t, os.Symlink("dotfiles/codex", filepath.Join(ws, "deep", "dir", ".codex")))
	require.NoError(t, os.Symlink("gitdir", filepath.Join(ws, ".git")))
	roots := []WritableRoot{{Root: ws, ReadOnlySubpaths: readOnlySubpaths(ws)}}

	plan := mountPlanFor(roots, CodexHomeProtection(filepath.Join(ws, "deep", "dir", ".codex")), false)
	assert.ElementsMatch(t, []string{filepath.Join(ws, ".git"), filepath.Join(ws, "deep", "dir", ".codex")}, plan.links)
	assert.Contains(t, plan.readOnly, filepath.Join(ws, "gitdir"), "the link's target is read-only")
	assert.Contains(t, plan.pinned, filepath.Join(ws, "deep", "dir"), "and the way to the link cannot be renamed")
}

func TestLinksOnPath(t *testing.T) {
	base := resolvedTemp(t)
	require.NoError(t, os.MkdirAll(filepath.Join(base, "a", "real"), 0o755))
	require.NoError(t, os.Symlink("a", filepath.Join(base, "l1")))
	require.NoError(t, os.Symlink(filepath.Join(base, "l1", "real"), filepath.Join(base, "a", "l2")))
	assert.Equal(t, []string{filepath.Join(base, "l1"), filepath.Join(base, "a", "l2"), filepath.Join(base, "l1")},
		linksOnPath(filepath.Join(base, "l1", "l2", "x")))
	assert.Empty(t, linksOnPath(filepath.Join(base, "a", "real")))
	assert.Empty(t, linksOnPath("relative"))
}
