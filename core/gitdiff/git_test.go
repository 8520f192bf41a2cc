package gitdiff

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// attack is a fixture whose repository a sandboxed command has tampered
// with. Every program it plants records its run in marker.
type attack struct {
	fixture
	gitDir string
	// dir holds the attacker's files, outside the work tree.
	dir    string
	marker string
	// prog records its run and exits; filter also copies its input to its
	// output, as a clean or smudge filter would.
	prog, filter string
}

func newAttack(t *testing.T) attack {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the planted programs are shell scripts")
	}
	a := attack{fixture: newFixture(t, true)}
	a.gitDir = filepath.Join(a.work, ".git")
	a.dir = filepath.Join(a.base, "attacker")
	a.marker = filepath.Join(a.base, "marker")
	a.prog = filepath.Join(a.dir, "prog")
	a.filter = filepath.Join(a.dir, "filter")
	a.script(t, a.prog, "exit 0")
	a.script(t, a.filter, "exec cat")
	return a
}

// script writes an executable shell script that records its run and then
// executes body.
func (a attack) script(t *testing.T, path, body string) {
	t.Helper()
	text := "#!/bin/sh\necho \"$0 $*\" >> '" + a.marker + "'\n" + body + "\n"
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(text), 0o755))
}

// appendFile adds text to the file at path, creating it when needed.
func appendFile(t *testing.T, path, text string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	_, err = f.WriteString(text)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// hookNames are hooks a git command might run.
var hookNames = []string{
	"pre-commit", "prepare-commit-msg", "commit-msg", "post-commit", "post-checkout",
	"post-merge", "post-rewrite", "post-index-change", "reference-transaction",
	"pre-auto-gc", "fsmonitor-watchman", "pre-push", "push-to-checkout",
}

func TestDiffToRemoteRunsNothingPlanted(t *testing.T) {
	tests := []struct {
		name  string
		plant func(t *testing.T, a attack)
		// env is set in the server's environment.
		env map[string]string
		// trigger is a git command that runs the planted program without
		// our hardening, proving that the plant is live; nil when none
		// does so without a terminal.
		trigger []string
		// submodule adds a submodule, which the diff shows as a commit.
		submodule bool
	}{
		{name: "hooks in .git/hooks", plant: func(t *testing.T, a attack) {
			for _, h := range hookNames {
				a.script(t, filepath.Join(a.gitDir, "hooks", h), "exit 0")
			}
		}, trigger: []string{"commit", "-q", "--allow-empty", "-m", "x"}},
		{name: "core.hooksPath", plant: func(t *testing.T, a attack) {
			for _, h := range hookNames {
				a.script(t, filepath.Join(a.dir, "hooks", h), "exit 0")
			}
			appendFile(t, filepath.Join(a.gitDir, "config"), "[core]\n\thooksPath = "+filepath.Join(a.dir, "hooks")+"\n")
		}, trigger: []string{"commit", "-q", "--allow-empty", "-m", "x"}},
		{name: "core.fsmonitor", plant: func(t *testing.T, a attack) {
			appendFile(t, filepath.Join(a.gitDir, "config"), "[core]\n\tfsmonitor = "+a.prog+"\n")
		}, trigger: []string{"status"}},
		{name: "clean and smudge filter", plant: func(t *testing.T, a attack) {
			appendFile(t, filepath.Join(a.work, ".gitattributes"), "*.txt filter=evil\n")
			appendFile(t, filepath.Join(a.gitDir, "config"), "[filter \"evil\"]\n\tclean = "+a.filter+
				"\n\tsmudge = "+a.filter+"\n\trequired = true\n")
		}, trigger: []string{"diff"}},
		{name: "long-running process filter", plant: func(t *testing.T, a attack) {
			appendFile(t, filepath.Join(a.work, ".gitattributes"), "*.txt filter=evil\n")
			appendFile(t, filepath.Join(a.gitDir, "config"), "[filter \"evil\"]\n\tprocess = "+a.filter+"\n")
		}, trigger: []string{"diff"}},
		{name: "filter named in info/attributes", plant: func(t *testing.T, a attack) {
			appendFile(t, filepath.Join(a.gitDir, "info", "attributes"), "* filter=evil\n")
			appendFile(t, filepath.Join(a.gitDir, "config"), "[filter \"evil\"]\n\tclean = "+a.filter+"\n")
		}, trigger: []string{"diff"}},
		{name: "diff.external", plant: func(t *testing.T, a attack) {
			appendFile(t, filepath.Join(a.gitDir, "config"), "[diff]\n\texternal = "+a.prog+"\n")
		}, trigger: []string{"diff"}},
		{name: "textconv", plant: func(t *testing.T, a attack) {
			appendFile(t, filepath.Join(a.work, ".gitattributes"), "*.txt diff=evil\n")
			appendFile(t, filepath.Join(a.gitDir, "config"), "[diff \"evil\"]\n\ttextconv = "+a.prog+"\n")
		}, trigger: []string{"diff"}},
		{name: "diff driver command", plant: func(t *testing.T, a attack) {
			appendFile(t, filepath.Join(a.work, ".gitattributes"), "*.txt diff=evil\n")
			appendFile(t, filepath.Join(a.gitDir, "config"), "[diff \"evil\"]\n\tcommand = "+a.prog+"\n")
		}, trigger: []string{"diff"}},
		{name: "pager", plant: func(t *testing.T, a attack) {
			appendFile(t, filepath.Join(a.gitDir, "config"), "[core]\n\tpager = "+a.prog+
				"\n[pager]\n\tdiff = "+a.prog+"\n\tls-files = "+a.prog+"\n")
		}},
		{name: "include.path to the attacker's configuration", plant: func(t *testing.T, a attack) {
			included := filepath.Join(a.dir, "config")
			appendFile(t, included, "[core]\n\tfsmonitor = "+a.prog+"\n\thooksPath = "+filepath.Join(a.dir, "hooks")+
				"\n[filter \"evil\"]\n\tclean = "+a.filter+"\n[diff]\n\texternal = "+a.prog+"\n")
			a.script(t, filepath.Join(a.dir, "hooks", "post-index-change"), "exit 0")
			appendFile(t, filepath.Join(a.work, ".gitattributes"), "*.txt filter=evil\n")
			appendFile(t, filepath.Join(a.gitDir, "config"), "[include]\n\tpath = "+included+"\n")
		}, trigger: []string{"diff"}},
		{name: "remote access", plant: func(t *testing.T, a attack) {
			appendFile(t, filepath.Join(a.gitDir, "config"), "[core]\n\tsshCommand = "+a.prog+"\n\taskPass = "+a.prog+
				"\n[credential]\n\thelper = "+a.prog+"\n[remote \"origin\"]\n\tuploadpack = "+a.prog+"\n")
		}, trigger: []string{"fetch", "-q", "origin"}},
		{name: "server environment", plant: func(t *testing.T, a attack) {
			other := filepath.Join(a.base, "other")
			run(t, a.base, "init", "-q", other)
			t.Setenv("GIT_DIR", filepath.Join(other, ".git"))
		}, env: map[string]string{
			"GIT_EXTERNAL_DIFF": "{prog}", "GIT_PAGER": "{prog}", "PAGER": "{prog}",
			"GIT_SSH_COMMAND": "{prog}", "GIT_ASKPASS": "{prog}", "SSH_ASKPASS": "{prog}",
			"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "core.fsmonitor", "GIT_CONFIG_VALUE_0": "{prog}",
			"GIT_CONFIG_PARAMETERS": "'diff.external'='{prog}'",
		}, trigger: []string{"--git-dir=.git", "diff"}},
		{name: "filter in a dirty submodule", submodule: true, plant: func(t *testing.T, a attack) {
			sub := filepath.Join(a.work, "sub")
			appendFile(t, filepath.Join(a.gitDir, "modules", "sub", "config"), "[filter \"evil\"]\n\tclean = "+a.filter+"\n")
			write(t, filepath.Join(sub, ".gitattributes"), "* filter=evil\n")
			// Same content, new time: git compares the contents.
			later := time.Now().Add(time.Hour)
			require.NoError(t, os.Chtimes(filepath.Join(sub, "inner.txt"), later, later))
		}, trigger: []string{"diff"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAttack(t)
			cleanEnv := os.Environ()
			if tt.submodule {
				inner := filepath.Join(a.base, "inner")
				run(t, a.base, "-c", "init.defaultBranch=main", "init", "-q", inner)
				configureUser(t, inner)
				write(t, filepath.Join(inner, "inner.txt"), "inner\n")
				commitAll(t, inner, "inner")
				run(t, a.work, "-c", "protocol.file.allow=always", "submodule", "add", "-q", inner, "sub")
			}
			// The changes the diff must show: a tracked file edited (with
			// the same size, so that git compares contents) and a new one.
			write(t, filepath.Join(a.work, "tracked.txt"), "ONE\n")
			write(t, filepath.Join(a.work, "new.txt"), "brand new\n")

			tt.plant(t, a)
			for name, value := range tt.env {
				t.Setenv(name, strings.ReplaceAll(value, "{prog}", a.prog))
			}

			sha, diff, err := DiffToRemote(context.Background(), a.work)
			require.NoError(t, err)
			assert.NoFileExists(t, a.marker, "a planted program ran")
			assert.Equal(t, a.pushed, sha)
			assert.Contains(t, diff, "diff --git a/tracked.txt b/tracked.txt")
			assert.Contains(t, diff, "-one\n+ONE\n")
			assert.Contains(t, diff, "diff --git a/new.txt b/new.txt\nnew file mode 100644")
			assert.Contains(t, diff, "+brand new\n")
			if tt.submodule {
				assert.Contains(t, diff, "+Subproject commit ")
			} else {
				assertApplies(t, a.fixture, diff, cleanEnv, "tracked.txt", "new.txt")
			}

			if tt.trigger != nil {
				cmd := exec.Command("git", tt.trigger...)
				cmd.Dir = a.work
				_ = cmd.Run()
				assert.FileExists(t, a.marker, "the plant is not live: git %s did not run it", strings.Join(tt.trigger, " "))
			}
		})
	}
}

// assertApplies applies diff to a fresh clone of the remote and checks that
// the named files then match the work tree. git runs with env.
func assertApplies(t *testing.T, f fixture, diff string, env []string, names ...string) {
	t.Helper()
	runEnv := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %s: %s", strings.Join(args, " "), out)
	}
	check := filepath.Join(f.base, "check")
	runEnv(f.base, "clone", "-q", f.remote, check)
	patch := filepath.Join(f.base, "change.patch")
	require.NoError(t, os.WriteFile(patch, []byte(diff), 0o644))
	runEnv(check, "apply", "--binary", patch)
	for _, name := range names {
		want, err := os.ReadFile(filepath.Join(f.work, name))
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(check, name))
		require.NoError(t, err)
		assert.Equal(t, want, got, name)
	}
}

// The isolated view still reads the work tree the way the repository's
// configuration and attributes ask.
func TestDiffToRemoteKeepsRepositorySettings(t *testing.T) {
	t.Run("core.fileMode", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("no executable bit")
		}
		f := newFixture(t, true)
		run(t, f.work, "config", "core.fileMode", "false")
		require.NoError(t, os.Chmod(filepath.Join(f.work, "tracked.txt"), 0o755))
		_, diff, err := DiffToRemote(context.Background(), f.work)
		require.NoError(t, err)
		assert.Empty(t, diff)
	})
	t.Run("end-of-line conversion from info/attributes", func(t *testing.T) {
		f := newFixture(t, true)
		write(t, filepath.Join(f.work, ".git", "info", "attributes"), "*.txt text eol=crlf\n")
		write(t, filepath.Join(f.work, "tracked.txt"), "one\r\ntwo\r\n")
		write(t, filepath.Join(f.work, "new.txt"), "new\r\n")
		_, diff, err := DiffToRemote(context.Background(), f.work)
		require.NoError(t, err)
		assert.Contains(t, diff, " one\n+two\n")
		assert.Contains(t, diff, "+new\n")
		assert.NotContains(t, diff, "\r")
	})
	t.Run("linked worktree", func(t *testing.T) {
		f := newFixture(t, true)
		linked := filepath.Join(f.base, "linked")
		run(t, f.work, "worktree", "add", "-q", "-b", "side", linked, "main")
		run(t, linked, "branch", "-q", "--set-upstream-to", "origin/main")
		write(t, filepath.Join(linked, "tracked.txt"), "one\nlinked\n")
		write(t, filepath.Join(linked, "fresh.txt"), "fresh\n")
		sha, diff, err := DiffToRemote(context.Background(), linked)
		require.NoError(t, err)
		assert.Equal(t, f.pushed, sha)
		assert.Contains(t, diff, "+linked\n")
		assert.Contains(t, diff, "diff --git a/fresh.txt b/fresh.txt\nnew file mode 100644")
	})
	t.Run("sha256 repository", func(t *testing.T) {
		base := t.TempDir()
		isolate(t, base)
		remote, work := filepath.Join(base, "remote.git"), filepath.Join(base, "work")
		run(t, base, "-c", "init.defaultBranch=main", "init", "-q", "--bare", "--object-format=sha256", remote)
		run(t, base, "-c", "init.defaultBranch=main", "init", "-q", "--object-format=sha256", work)
		configureUser(t, work)
		write(t, filepath.Join(work, "a.txt"), "a\n")
		pushed := commitAll(t, work, "initial")
		run(t, work, "remote", "add", "origin", remote)
		run(t, work, "push", "-q", "-u", "origin", "main")
		write(t, filepath.Join(work, "a.txt"), "a\nb\n")
		write(t, filepath.Join(work, "b.txt"), "b\n")
		sha, diff, err := DiffToRemote(context.Background(), work)
		require.NoError(t, err)
		assert.Equal(t, pushed, sha)
		assert.Len(t, sha, 64)
		assert.Contains(t, diff, "+b\n")
		assert.Contains(t, diff, "diff --git a/b.txt b/b.txt\nnew file mode 100644")
	})
	t.Run("the isolated view is removed", func(t *testing.T) {
		f := newFixture(t, true)
		write(t, filepath.Join(f.work, "new.txt"), "new\n")
		_, _, err := DiffToRemote(context.Background(), f.work)
		require.NoError(t, err)
		cache, err := os.UserCacheDir()
		require.NoError(t, err)
		entries, err := os.ReadDir(filepath.Join(cache, "codex", "git"))
		require.NoError(t, err)
		assert.Empty(t, entries)
	})
}

func TestHardenedEnv(t *testing.T) {
	env := hardenedEnv([]string{
		"PATH=/usr/bin", "HOME=/home/u", "LANG=C.UTF-8",
		"GIT_DIR=/elsewhere", "GIT_WORK_TREE=/elsewhere", "GIT_INDEX_FILE=/x", "GIT_OBJECT_DIRECTORY=/x",
		"GIT_EXTERNAL_DIFF=evil", "GIT_PAGER=evil", "PAGER=evil", "GIT_SSH_COMMAND=evil", "GIT_SSH=evil",
		"GIT_ASKPASS=evil", "SSH_ASKPASS=evil", "GIT_CONFIG_PARAMETERS='a'='b'", "GIT_CONFIG_COUNT=1",
		"GIT_CONFIG_KEY_0=core.fsmonitor", "GIT_CONFIG_VALUE_0=evil", "git_external_diff=evil",
		"GIT_OPTIONAL_LOCKS=1", "GIT_TERMINAL_PROMPT=1",
		"GIT_CONFIG_GLOBAL=/home/u/.gitconfig", "GIT_CONFIG_NOSYSTEM=1", "GIT_CEILING_DIRECTORIES=/home",
	})
	assert.Equal(t, []string{
		"PATH=/usr/bin", "HOME=/home/u", "LANG=C.UTF-8",
		"GIT_CONFIG_GLOBAL=/home/u/.gitconfig", "GIT_CONFIG_NOSYSTEM=1", "GIT_CEILING_DIRECTORIES=/home",
		"GIT_OPTIONAL_LOCKS=0", "GIT_TERMINAL_PROMPT=0", "GIT_NO_LAZY_FETCH=1",
	}, env)
}
