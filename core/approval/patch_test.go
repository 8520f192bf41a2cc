package approval

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
)

// patchFixture lays out, in a temporary directory:
//
//	ws/                  the writable root
//	ws/sub/file.txt
//	ws/escape -> ../outside      symlink leaving the root
//	ws/inner -> sub              symlink staying inside
//	ws/dangling -> ../outside/new.txt (target missing)
//	ws/loop -> loop
//	wsx/                 a sibling whose name extends the root's
//	outside/
//	alias -> ws          another name for the root
type patchFixture struct {
	base, ws, wsx, outside, alias string
}

func newPatchFixture(t *testing.T) patchFixture {
	t.Helper()
	base, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	f := patchFixture{
		base:    base,
		ws:      filepath.Join(base, "ws"),
		wsx:     filepath.Join(base, "wsx"),
		outside: filepath.Join(base, "outside"),
		alias:   filepath.Join(base, "alias"),
	}
	for _, d := range []string{filepath.Join(f.ws, "sub"), f.wsx, f.outside} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(f.ws, "sub", "file.txt"), []byte("x\n"), 0o644))
	require.NoError(t, os.Symlink("../outside", filepath.Join(f.ws, "escape")))
	require.NoError(t, os.Symlink("sub", filepath.Join(f.ws, "inner")))
	require.NoError(t, os.Symlink("../outside/new.txt", filepath.Join(f.ws, "dangling")))
	require.NoError(t, os.Symlink("loop", filepath.Join(f.ws, "loop")))
	require.NoError(t, os.Symlink(f.ws, f.alias))
	return f
}

func TestAssessPatchPaths(t *testing.T) {
	f := newPatchFixture(t)
	tests := []struct {
		name   string
		roots  []string
		paths  []string
		inside bool
	}{
		{"existing file", []string{f.ws}, []string{filepath.Join(f.ws, "sub", "file.txt")}, true},
		{"new file", []string{f.ws}, []string{filepath.Join(f.ws, "new.txt")}, true},
		{"new nested directories", []string{f.ws}, []string{filepath.Join(f.ws, "a", "b", "c.txt")}, true},
		{"the root itself", []string{f.ws}, []string{f.ws}, true},
		{"no paths", []string{f.ws}, nil, true},
		{"several inside", []string{f.ws}, []string{filepath.Join(f.ws, "a"), filepath.Join(f.ws, "sub", "b")}, true},
		{"symlink staying inside", []string{f.ws}, []string{filepath.Join(f.ws, "inner", "x.txt")}, true},
		{"dot dot staying inside", []string{f.ws}, []string{f.ws + "/sub/../new.txt"}, true},
		{"second root", []string{f.wsx, f.ws}, []string{filepath.Join(f.ws, "x")}, true},
		{"root named through a symlink", []string{f.alias}, []string{filepath.Join(f.ws, "x")}, true},
		{"path named through a symlink", []string{f.ws}, []string{filepath.Join(f.alias, "x")}, true},
		{"root with trailing slash", []string{f.ws + "/"}, []string{filepath.Join(f.ws, "x")}, true},
		{"filesystem root", []string{"/"}, []string{filepath.Join(f.outside, "x")}, true},

		{"outside", []string{f.ws}, []string{filepath.Join(f.outside, "x")}, false},
		{"one of several outside", []string{f.ws}, []string{filepath.Join(f.ws, "a"), filepath.Join(f.outside, "x")}, false},
		{"sibling sharing a prefix", []string{f.ws}, []string{filepath.Join(f.wsx, "x")}, false},
		{"dot dot traversal", []string{f.ws}, []string{f.ws + "/../outside/x"}, false},
		{"dot dot through new directory", []string{f.ws}, []string{f.ws + "/new/../../outside/x"}, false},
		{"symlinked ancestor escaping", []string{f.ws}, []string{filepath.Join(f.ws, "escape", "x.txt")}, false},
		{"dot dot after escaping symlink", []string{f.ws}, []string{f.ws + "/escape/../x"}, false},
		{"dangling symlink escaping", []string{f.ws}, []string{filepath.Join(f.ws, "dangling")}, false},
		{"symlink loop", []string{f.ws}, []string{filepath.Join(f.ws, "loop", "x")}, false},
		{"relative path", []string{f.ws}, []string{"x.txt"}, false},
		{"relative root", []string{"ws"}, []string{filepath.Join(f.ws, "x")}, false},
		{"no roots", nil, []string{filepath.Join(f.ws, "x")}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, policy := range []protocol.AskForApproval{onFailure, onRequest, never} {
				decision, reason := AssessPatch(policy, workspaceWrite, tc.roots, nil, tc.paths)
				switch {
				case tc.inside:
					assert.Equal(t, AutoApprove, decision, policy)
					assert.Empty(t, reason)
				case policy == never:
					assert.Equal(t, RejectPatch, decision, policy)
					assert.Contains(t, reason, "outside the writable roots")
				default:
					assert.Equal(t, AskPatch, decision, policy)
					assert.Contains(t, reason, "outside the writable roots")
				}
			}
		})
	}
}

func TestAssessPatchReasonNamesFirstOutsidePath(t *testing.T) {
	f := newPatchFixture(t)
	first := filepath.Join(f.outside, "first")
	paths := []string{filepath.Join(f.ws, "ok"), first, filepath.Join(f.outside, "second")}

	decision, reason := AssessPatch(onRequest, workspaceWrite, []string{f.ws}, nil, paths)
	assert.Equal(t, AskPatch, decision)
	assert.Equal(t, "patch writes outside the writable roots: "+first, reason)

	decision, reason = AssessPatch(never, workspaceWrite, []string{f.ws}, nil, paths)
	assert.Equal(t, RejectPatch, decision)
	assert.Equal(t, "patch writes outside the writable roots ("+first+") and approval policy never does not allow asking", reason)
}

func TestAssessPatchPolicies(t *testing.T) {
	f := newPatchFixture(t)
	inside := []string{filepath.Join(f.ws, "a.txt")}
	outside := []string{filepath.Join(f.outside, "a.txt")}
	roots := []string{f.ws}

	tests := []struct {
		name    string
		policy  protocol.AskForApproval
		sandbox protocol.SandboxPolicy
		paths   []string
		want    PatchDecision
	}{
		{"untrusted inside", untrusted, workspaceWrite, inside, AskPatch},
		{"untrusted outside", untrusted, workspaceWrite, outside, AskPatch},
		{"untrusted full access", untrusted, fullAccess, inside, AskPatch},
		{"untrusted no paths", untrusted, workspaceWrite, nil, AskPatch},
		{"unknown policy", "bogus", workspaceWrite, inside, AskPatch},
		{"on-failure inside", onFailure, workspaceWrite, inside, AutoApprove},
		{"on-request inside", onRequest, workspaceWrite, inside, AutoApprove},
		{"never inside", never, workspaceWrite, inside, AutoApprove},
		{"on-failure outside", onFailure, workspaceWrite, outside, AskPatch},
		{"on-request outside", onRequest, workspaceWrite, outside, AskPatch},
		{"never outside", never, workspaceWrite, outside, RejectPatch},
		{"full access on-failure", onFailure, fullAccess, outside, AutoApprove},
		{"full access on-request", onRequest, fullAccess, outside, AutoApprove},
		{"full access never", never, fullAccess, outside, AutoApprove},
		{"read-only ignores roots on-request", onRequest, readOnly, inside, AskPatch},
		{"read-only ignores roots on-failure", onFailure, readOnly, inside, AskPatch},
		{"read-only ignores roots never", never, readOnly, inside, RejectPatch},
		{"unknown sandbox mode ignores roots", onRequest, protocol.SandboxPolicy{Mode: "bogus"}, inside, AskPatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			decision, reason := AssessPatch(tc.policy, tc.sandbox, roots, nil, tc.paths)
			assert.Equal(t, tc.want, decision)
			if tc.want == AutoApprove || tc.policy == untrusted || !tc.policy.Valid() {
				assert.Empty(t, reason)
			} else {
				assert.NotEmpty(t, reason)
			}
		})
	}
}

func TestResolvePath(t *testing.T) {
	f := newPatchFixture(t)
	tests := []struct {
		in, want string
	}{
		{f.ws, f.ws},
		{f.alias + "/sub/./file.txt", filepath.Join(f.ws, "sub", "file.txt")},
		{f.ws + "/inner/../escape/y", filepath.Join(f.outside, "y")},
		{f.ws + "/dangling", filepath.Join(f.outside, "new.txt")},
		{"/../..", "/"},
		{"//a//b/", "/a/b"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := resolvePath(tc.in)
			require.True(t, ok)
			assert.Equal(t, tc.want, got)
		})
	}
	_, ok := resolvePath(filepath.Join(f.ws, "loop"))
	assert.False(t, ok)
	_, ok = resolvePath("rel/path")
	assert.False(t, ok)
}

func TestAssessPatchReadOnlySubpaths(t *testing.T) {
	ws := t.TempDir()
	git := filepath.Join(ws, ".git")
	tests := []struct {
		policy protocol.AskForApproval
		path   string
		want   PatchDecision
	}{
		{onRequest, filepath.Join(ws, "main.go"), AutoApprove},
		{onRequest, filepath.Join(git, "hooks", "pre-commit"), AskPatch},
		{never, filepath.Join(git, "config"), RejectPatch},
		{onRequest, git, AskPatch},
	}
	for _, tc := range tests {
		t.Run(string(tc.policy)+" "+tc.path, func(t *testing.T) {
			got, _ := AssessPatch(tc.policy, workspaceWrite, []string{ws}, []string{git}, []string{tc.path})
			assert.Equal(t, tc.want, got)
		})
	}
}
