package gitdiff

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// isolate keeps the user's and the system's git configuration out of the
// test, stops git from finding a repository above dir and keeps the
// isolated views of DiffToRemote out of the user's cache directory.
func isolate(t *testing.T, dir string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CEILING_DIRECTORIES", dir)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
}

// run runs git in dir and returns its trimmed output.
func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %s: %s", strings.Join(args, " "), out)
	return strings.TrimSpace(string(out))
}

func write(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func configureUser(t *testing.T, dir string) {
	t.Helper()
	run(t, dir, "config", "user.name", "Test User")
	run(t, dir, "config", "user.email", "test@example.com")
}

func commitAll(t *testing.T, dir, msg string) string {
	t.Helper()
	run(t, dir, "add", "-A")
	run(t, dir, "commit", "-q", "-m", msg)
	return run(t, dir, "rev-parse", "HEAD")
}

// fixture is a bare remote and a clone of it with one pushed commit.
type fixture struct {
	base   string // the temp directory holding both
	remote string
	work   string
	pushed string // the commit on the remote's main
}

// newFixture creates the remote and a work tree whose main tracks
// origin/main. With setUpstream false the push does not record an
// upstream, and the work tree has no origin/HEAD.
func newFixture(t *testing.T, setUpstream bool) fixture {
	t.Helper()
	base := t.TempDir()
	isolate(t, base)
	f := fixture{base: base, remote: filepath.Join(base, "remote.git"), work: filepath.Join(base, "work")}
	run(t, base, "-c", "init.defaultBranch=main", "init", "-q", "--bare", f.remote)
	run(t, base, "-c", "init.defaultBranch=main", "init", "-q", f.work)
	configureUser(t, f.work)
	write(t, filepath.Join(f.work, "tracked.txt"), "one\n")
	write(t, filepath.Join(f.work, "doomed.txt"), "delete me\n")
	write(t, filepath.Join(f.work, ".gitignore"), "*.ignored\n")
	require.NoError(t, os.WriteFile(filepath.Join(f.work, "blob.bin"), []byte{0, 1, 2, 3, 0, 255}, 0o644))
	f.pushed = commitAll(t, f.work, "initial")
	run(t, f.work, "remote", "add", "origin", f.remote)
	if setUpstream {
		run(t, f.work, "push", "-q", "-u", "origin", "main")
	} else {
		run(t, f.work, "push", "-q", "origin", "main")
	}
	return f
}

func TestDiffToRemoteWorkingTree(t *testing.T) {
	f := newFixture(t, true)
	write(t, filepath.Join(f.work, "tracked.txt"), "one\ntwo\n")
	require.NoError(t, os.Remove(filepath.Join(f.work, "doomed.txt")))
	require.NoError(t, os.WriteFile(filepath.Join(f.work, "blob.bin"), []byte{0, 9, 9, 9, 0, 255}, 0o644))
	write(t, filepath.Join(f.work, "new.txt"), "brand new\n")
	write(t, filepath.Join(f.work, "sub", "deep.txt"), "deep file\n")
	write(t, filepath.Join(f.work, "sub", "secret.ignored"), "hidden\n")
	write(t, filepath.Join(f.work, "staged.txt"), "staged content\n")
	run(t, f.work, "add", "staged.txt")

	// Asked from a subdirectory, the whole work tree is still covered.
	sha, diff, err := DiffToRemote(context.Background(), filepath.Join(f.work, "sub"))
	require.NoError(t, err)
	assert.Equal(t, f.pushed, sha)

	for _, want := range []string{
		"diff --git a/tracked.txt b/tracked.txt",
		"+two",
		"diff --git a/doomed.txt b/doomed.txt\ndeleted file mode",
		"-delete me",
		"diff --git a/blob.bin b/blob.bin",
		"GIT binary patch",
		"diff --git a/staged.txt b/staged.txt\nnew file mode",
		"+staged content",
		"diff --git a/new.txt b/new.txt\nnew file mode 100644",
		"+brand new",
		"diff --git a/sub/deep.txt b/sub/deep.txt\nnew file mode 100644",
		"+deep file",
	} {
		assert.Contains(t, diff, want)
	}
	assert.NotContains(t, diff, "secret.ignored")
	assert.NotContains(t, diff, "hidden")
	// Tracked changes come first, then the untracked files.
	assert.Less(t, strings.Index(diff, "a/tracked.txt"), strings.Index(diff, "a/new.txt"))

	// The diff applies to the base commit and reproduces the work tree.
	check := filepath.Join(f.base, "check")
	run(t, f.base, "clone", "-q", f.remote, check)
	patch := filepath.Join(f.base, "change.patch")
	require.NoError(t, os.WriteFile(patch, []byte(diff), 0o644))
	run(t, check, "apply", "--binary", patch)
	for _, name := range []string{"tracked.txt", "new.txt", "sub/deep.txt", "staged.txt", "blob.bin"} {
		want, err := os.ReadFile(filepath.Join(f.work, name))
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(check, name))
		require.NoError(t, err)
		assert.Equal(t, want, got, name)
	}
	assert.NoFileExists(t, filepath.Join(check, "doomed.txt"))
}

func TestDiffToRemoteCleanTree(t *testing.T) {
	f := newFixture(t, true)
	sha, diff, err := DiffToRemote(context.Background(), f.work)
	require.NoError(t, err)
	assert.Equal(t, f.pushed, sha)
	assert.Empty(t, diff)
}

func TestDiffToRemoteUsesMergeBase(t *testing.T) {
	f := newFixture(t, true)

	// The remote moves on through another clone...
	other := filepath.Join(f.base, "other")
	run(t, f.base, "clone", "-q", f.remote, other)
	configureUser(t, other)
	write(t, filepath.Join(other, "remote-only.txt"), "from elsewhere\n")
	remoteHead := commitAll(t, other, "remote change")
	run(t, other, "push", "-q", "origin", "main")

	// ...while the work tree has local commits and fetches.
	write(t, filepath.Join(f.work, "tracked.txt"), "one\nlocal\n")
	commitAll(t, f.work, "local 1")
	write(t, filepath.Join(f.work, "local.txt"), "local file\n")
	commitAll(t, f.work, "local 2")
	run(t, f.work, "fetch", "-q", "origin")
	require.Equal(t, remoteHead, run(t, f.work, "rev-parse", "origin/main"))

	sha, diff, err := DiffToRemote(context.Background(), f.work)
	require.NoError(t, err)
	assert.Equal(t, f.pushed, sha, "the merge base, not the upstream tip")
	assert.Contains(t, diff, "+local")
	assert.Contains(t, diff, "diff --git a/local.txt b/local.txt")
	assert.NotContains(t, diff, "remote-only.txt", "changes only on the remote are not shown")
}

func TestDiffToRemoteFallbacks(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, f fixture) string // returns the directory to diff
	}{
		{"branch without upstream uses origin/HEAD", func(t *testing.T, f fixture) string {
			clone := filepath.Join(f.base, "clone")
			run(t, f.base, "clone", "-q", f.remote, clone)
			configureUser(t, clone)
			require.NotEmpty(t, run(t, clone, "rev-parse", "--verify", "refs/remotes/origin/HEAD"))
			run(t, clone, "checkout", "-q", "-b", "feature")
			write(t, filepath.Join(clone, "feature.txt"), "feature\n")
			commitAll(t, clone, "feature work")
			return clone
		}},
		{"no upstream and no origin/HEAD uses origin/main", func(t *testing.T, f fixture) string {
			write(t, filepath.Join(f.work, "feature.txt"), "feature\n")
			commitAll(t, f.work, "feature work")
			return f.work
		}},
		{"origin/master", func(t *testing.T, f fixture) string {
			run(t, f.work, "push", "-q", "origin", "main:master")
			run(t, f.work, "fetch", "-q", "origin")
			run(t, f.work, "update-ref", "-d", "refs/remotes/origin/main")
			write(t, filepath.Join(f.work, "feature.txt"), "feature\n")
			commitAll(t, f.work, "feature work")
			return f.work
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, false)
			dir := tt.setup(t, f)
			sha, diff, err := DiffToRemote(context.Background(), dir)
			require.NoError(t, err)
			assert.Equal(t, f.pushed, sha)
			assert.Contains(t, diff, "diff --git a/feature.txt b/feature.txt")
		})
	}
}

func TestDiffToRemoteErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string
	}{
		{"not a repository", func(t *testing.T, dir string) string {
			plain := filepath.Join(dir, "plain")
			require.NoError(t, os.Mkdir(plain, 0o755))
			return plain
		}},
		{"missing directory", func(t *testing.T, dir string) string {
			return filepath.Join(dir, "missing")
		}},
		{"repository without a remote", func(t *testing.T, dir string) string {
			repo := filepath.Join(dir, "solo")
			run(t, dir, "-c", "init.defaultBranch=main", "init", "-q", repo)
			configureUser(t, repo)
			write(t, filepath.Join(repo, "a.txt"), "a\n")
			commitAll(t, repo, "only")
			return repo
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			isolate(t, dir)
			cwd := tt.setup(t, dir)
			sha, diff, err := DiffToRemote(context.Background(), cwd)
			require.Error(t, err)
			assert.Empty(t, sha)
			assert.Empty(t, diff)
			assert.Equal(t, `failed to compute git diff to remote for cwd: "`+cwd+`"`, err.Error())
			var de *Error
			require.ErrorAs(t, err, &de)
			assert.Equal(t, cwd, de.Cwd)
			assert.Error(t, de.Unwrap())
		})
	}
}

func TestDiffToRemoteCancelled(t *testing.T) {
	f := newFixture(t, true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := DiffToRemote(ctx, f.work)
	require.ErrorIs(t, err, context.Canceled)
}
