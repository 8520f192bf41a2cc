//go:build unix

package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// This file covers the workspace queries of the app server:
// fuzzyFileSearch and gitDiffToRemote.

// writeFiles creates files (path relative to dir -> content).
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
}

// fileMatch is one match of fuzzyFileSearch.
type fileMatch struct {
	Root     string `json:"root"`
	Path     string `json:"path"`
	FileName string `json:"file_name"`
	Score    int    `json:"score"`
	Indices  []int  `json:"indices"`
}

// searchResult decodes the answer of fuzzyFileSearch.
func searchResult(t *testing.T, m rpcMessage) []fileMatch {
	t.Helper()
	require.Nil(t, m.Error, m.Raw)
	var res struct {
		Files []fileMatch `json:"files"`
	}
	require.NoError(t, json.Unmarshal(m.Result, &res), m.Raw)
	require.NotNil(t, res.Files, "files is an array: %s", m.Raw)
	return res.Files
}

func TestFuzzyFileSearch(t *testing.T) {
	s := startAppServer(t, serverEnv{config: `model = "gpt-5"` + "\n"})
	s.initialize()
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"alpha.txt":       "",
		"beta.go":         "",
		"sub/alphabet.md": "",
		"sub/gamma.rs":    "",
	})
	other := t.TempDir()
	writeFiles(t, other, map[string]string{"deep/x/alp.c": ""})

	files := searchResult(t, s.call("fuzzyFileSearch", map[string]any{"query": "alp", "roots": []string{root}}))
	require.Len(t, files, 2)
	assert.Equal(t, fileMatch{Root: root, Path: "alpha.txt", FileName: "alpha.txt", Score: files[0].Score, Indices: []int{0, 1, 2}}, files[0])
	assert.Equal(t, fileMatch{Root: root, Path: "sub/alphabet.md", FileName: "alphabet.md", Score: files[1].Score, Indices: []int{4, 5, 6}}, files[1])
	assert.Greater(t, files[0].Score, files[1].Score, "the closer match ranks first")

	// The wire form, key order included.
	m := s.call("fuzzyFileSearch", map[string]any{"query": "gamma", "roots": []string{root}, "cancellationToken": "tok1"})
	want := fmt.Sprintf(`{"id":%s,"result":{"files":[{"root":%q,"path":"sub/gamma.rs","file_name":"gamma.rs","score":`, m.ID, root)
	assert.True(t, strings.HasPrefix(m.Raw, want), m.Raw)
	assert.True(t, strings.HasSuffix(m.Raw, `,"indices":[4,5,6,7,8]}]}}`), m.Raw)

	// Several roots; a query matching nothing; an empty query.
	files = searchResult(t, s.call("fuzzyFileSearch", map[string]any{"query": "alp", "roots": []string{root, other}}))
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Root+":"+f.Path)
	}
	assert.ElementsMatch(t, []string{root + ":alpha.txt", root + ":sub/alphabet.md", other + ":deep/x/alp.c"}, paths)
	assert.Empty(t, searchResult(t, s.call("fuzzyFileSearch", map[string]any{"query": "zzzz", "roots": []string{root}})))
	assert.Empty(t, searchResult(t, s.call("fuzzyFileSearch", map[string]any{"query": "", "roots": []string{root}})))

	for _, bad := range []map[string]any{
		{"query": "alp"},
		{"roots": []string{root}},
		{"query": "alp", "roots": []string{filepath.Join(root, "missing")}},
		{"query": "alp", "roots": "not-a-list"},
	} {
		m := s.call("fuzzyFileSearch", bad)
		require.NotNil(t, m.Error, m.Raw)
		assert.Equal(t, int64(-32602), m.Error.Code, m.Raw)
	}
}

func TestFuzzyFileSearchCancellationToken(t *testing.T) {
	s := startAppServer(t, serverEnv{config: `model = "gpt-5"` + "\n"})
	s.initialize()

	// The first search's root holds a .gitignore that is a named pipe:
	// reading it blocks until a writer shows up, which holds that search
	// up for as long as the test wants.
	slow := t.TempDir()
	writeFiles(t, slow, map[string]string{"alpha.txt": ""})
	fifo := filepath.Join(slow, ".gitignore")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	fast := t.TempDir()
	writeFiles(t, fast, map[string]string{"alpha.txt": ""})

	older := s.send("fuzzyFileSearch", map[string]any{"query": "alp", "roots": []string{slow}, "cancellationToken": "tok"})
	// The server goes on serving while that search waits.
	s.callResult("getUserAgent", nil, nil)
	other := searchResult(t, s.call("fuzzyFileSearch", map[string]any{"query": "alp", "roots": []string{fast}, "cancellationToken": "other"}))
	require.Len(t, other, 1)

	// A search with the same token replaces the first one.
	newer := searchResult(t, s.call("fuzzyFileSearch", map[string]any{"query": "alp", "roots": []string{fast}, "cancellationToken": "tok"}))
	require.Len(t, newer, 1)
	assert.Equal(t, fast, newer[0].Root)

	// Let the replaced search read the pipe (if it got that far) and see
	// that it was cancelled.
	stop := make(chan struct{})
	released := make(chan struct{})
	go func() {
		defer close(released)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			// Opening the write end without blocking succeeds only while
			// a reader waits on the pipe.
			if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				_ = f.Close()
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	resp := s.response(older)
	close(stop)
	<-released
	assert.Equal(t, fmt.Sprintf(`{"id":%d,"result":{"files":[]}}`, older), resp.Raw)
}

// gitEnv keeps the user's and the system's git configuration out of git
// commands run by the tests.
func gitEnv(home string) []string {
	return append(filteredEnv(), "HOME="+home, "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
}

// git runs git in dir and returns its trimmed output.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv(dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %s: %s", strings.Join(args, " "), out)
	return strings.TrimSpace(string(out))
}

func TestGitDiffToRemote(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	base := t.TempDir()
	remote := filepath.Join(base, "remote.git")
	work := filepath.Join(base, "work")
	git(t, base, "-c", "init.defaultBranch=main", "init", "-q", "--bare", remote)
	git(t, base, "-c", "init.defaultBranch=main", "init", "-q", work)
	git(t, work, "config", "user.name", "Test User")
	git(t, work, "config", "user.email", "test@example.com")
	writeFiles(t, work, map[string]string{"tracked.txt": "one\n", ".gitignore": "*.log\n"})
	git(t, work, "add", "-A")
	git(t, work, "commit", "-q", "-m", "initial")
	pushed := git(t, work, "rev-parse", "HEAD")
	git(t, work, "remote", "add", "origin", remote)
	git(t, work, "push", "-q", "-u", "origin", "main")

	// A local commit that is not pushed, an edit on top and files that are
	// untracked or ignored.
	writeFiles(t, work, map[string]string{"committed.txt": "local commit\n"})
	git(t, work, "add", "-A")
	git(t, work, "commit", "-q", "-m", "local")
	writeFiles(t, work, map[string]string{"tracked.txt": "two\n", "untracked.txt": "new file\n", "noise.log": "ignored\n"})

	s := startAppServer(t, serverEnv{config: `model = "gpt-5"` + "\n", env: []string{"GIT_CONFIG_GLOBAL=" + os.DevNull, "GIT_CONFIG_NOSYSTEM=1"}})
	s.initialize()
	var res struct {
		Sha  string `json:"sha"`
		Diff string `json:"diff"`
	}
	s.callResult("gitDiffToRemote", map[string]any{"cwd": work}, &res)
	assert.Equal(t, pushed, res.Sha, "the base is the pushed commit")
	assert.Contains(t, res.Diff, "diff --git a/tracked.txt b/tracked.txt")
	assert.Contains(t, res.Diff, "-one\n+two\n")
	assert.Contains(t, res.Diff, "+local commit\n", "the unpushed commit is part of the diff")
	assert.Contains(t, res.Diff, "diff --git a/untracked.txt b/untracked.txt")
	assert.Contains(t, res.Diff, "+new file\n")
	assert.NotContains(t, res.Diff, "noise.log")

	// A subdirectory of the work tree gives the same answer.
	sub := filepath.Join(work, "sub")
	require.NoError(t, os.Mkdir(sub, 0o755))
	var fromSub struct {
		Sha string `json:"sha"`
	}
	s.callResult("gitDiffToRemote", map[string]any{"cwd": sub}, &fromSub)
	assert.Equal(t, pushed, fromSub.Sha)

	notRepo := t.TempDir()
	m := s.call("gitDiffToRemote", map[string]any{"cwd": notRepo})
	require.NotNil(t, m.Error, m.Raw)
	assert.Equal(t, int64(-32602), m.Error.Code)
	assert.Equal(t, fmt.Sprintf("failed to compute git diff to remote for cwd: %q", notRepo), m.Error.Message)
	m = s.call("gitDiffToRemote", map[string]any{})
	require.NotNil(t, m.Error, m.Raw)
	assert.Equal(t, int64(-32602), m.Error.Code)
}
