package filesearch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeTree creates files (slash paths relative to root) with the given
// contents.
func writeTree(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

// paths returns the Path of every match.
func paths(ms []Match) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Path
	}
	return out
}

func TestSearchHonoursIgnoreFiles(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		".git/HEAD.txt":          "",
		".git/info/exclude":      "# local only\nsecret.txt\n",
		".gitignore":             "*.log\nbuild/\n/top_only.txt\n",
		"app.log":                "",
		"build/out.txt":          "",
		"src/build/gen.txt":      "",
		"top_only.txt":           "",
		"secret.txt":             "",
		".hidden/notes.txt":      "",
		".env.txt":               "",
		"x.tmp":                  "",
		"keep.txt":               "",
		"sub/.gitignore":         "*.tmp\n!important.log\n",
		"sub/top_only.txt":       "",
		"sub/x.tmp":              "",
		"sub/important.log":      "",
		"sub/other.log":          "",
		"sub/deeper/y.tmp":       "",
		"sub/deeper/z.txt":       "",
		"sub/deeper/.gitignore":  "z.txt\n",
		"sub/deeper/w.txt":       "",
		"sub/sub.git/inside.txt": "",
	})
	// A nested .git file (as in a submodule) is skipped as well.
	writeTree(t, root, map[string]string{"mod/.git": "gitdir: ../.git/modules/mod\n", "mod/code.txt": ""})

	got, err := Search(context.Background(), ".", []string{root}, 1000)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{
		".gitignore",
		".hidden", // directories match too
		".hidden/notes.txt",
		"sub/sub.git",
		".env.txt",
		"x.tmp",
		"keep.txt",
		"sub/.gitignore",
		"sub/top_only.txt",
		"sub/important.log",
		"sub/deeper/.gitignore",
		"sub/deeper/w.txt",
		"sub/sub.git/inside.txt",
		"mod/code.txt",
	}, paths(got))
}

func TestSearchRootInsideRepository(t *testing.T) {
	top := t.TempDir()
	writeTree(t, top, map[string]string{
		".git/info/exclude":    "excluded.txt\n",
		".gitignore":           "*.gen\n/pkg/local.txt\n",
		"pkg/.gitignore":       "!keep.gen\n",
		"pkg/a.gen":            "",
		"pkg/keep.gen":         "",
		"pkg/local.txt":        "",
		"pkg/excluded.txt":     "",
		"pkg/main.txt":         "",
		"pkg/inner/local.txt":  "",
		"pkg/inner/.gitignore": "main.txt\n",
		"pkg/inner/main.txt":   "",
		"other/x.txt":          "",
	})
	root := filepath.Join(top, "pkg")
	got, err := Search(context.Background(), ".", []string{root}, 100)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{
		".gitignore", "keep.gen", "main.txt", "inner/local.txt", "inner/.gitignore",
	}, paths(got))
	for _, m := range got {
		assert.Equal(t, root, m.Root)
	}
}

func TestSearchWithoutRepositoryStillHonoursGitignore(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		".gitignore":   "dist/\n",
		"dist/a.js":    "",
		"src/a.js":     "",
		"src/.ignored": "",
	})
	got, err := Search(context.Background(), "a.js", []string{root}, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"src/a.js"}, paths(got))
}

func TestSearchResults(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"alpha.txt":       "",
		"sub/alphabet.md": "",
		"a/lib/plot.go":   "",
		"zeta.txt":        "",
	})
	got, err := Search(context.Background(), "alp", []string{root}, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"alpha.txt", "sub/alphabet.md", "a/lib/plot.go"}, paths(got))

	assert.Equal(t, Match{Root: root, Path: "alpha.txt", FileName: "alpha.txt", Score: got[0].Score, MatchType: MatchFile, Indices: []int{0, 1, 2}}, got[0])
	assert.Equal(t, "alphabet.md", got[1].FileName)
	assert.Equal(t, []int{4, 5, 6}, got[1].Indices)
	assert.Equal(t, []int{0, 2, 6}, got[2].Indices)
	assert.Greater(t, got[0].Score, got[1].Score)
	assert.Greater(t, got[1].Score, got[2].Score)

	limited, err := Search(context.Background(), "alp", []string{root}, 2)
	require.NoError(t, err)
	assert.Equal(t, paths(got[:2]), paths(limited))
}

func TestSearchTiesSortByPath(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"b/x.go": "", "a/x.go": "", "c/x.go": ""})
	got, err := Search(context.Background(), "x", []string{root}, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"a/x.go", "b/x.go", "c/x.go"}, paths(got))
}

func TestSearchMultipleRoots(t *testing.T) {
	one, two := t.TempDir(), t.TempDir()
	writeTree(t, one, map[string]string{"notes.md": "", "other.txt": ""})
	writeTree(t, two, map[string]string{"notes.md": "", "more/notes.md": ""})
	got, err := Search(context.Background(), "notes", []string{one, two}, 0)
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, Match{Root: one, Path: "notes.md", FileName: "notes.md", Score: got[0].Score, MatchType: MatchFile, Indices: []int{0, 1, 2, 3, 4}}, got[0])
	assert.Equal(t, Match{Root: two, Path: "notes.md", FileName: "notes.md", Score: got[0].Score, MatchType: MatchFile, Indices: []int{0, 1, 2, 3, 4}}, got[1])
	assert.Equal(t, "more/notes.md", got[2].Path)
	assert.Equal(t, two, got[2].Root)
}

func TestSearchEmptyQuery(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"a.txt": ""})
	for _, q := range []string{"", "  "} {
		got, err := Search(context.Background(), q, []string{root}, 0)
		require.NoError(t, err)
		assert.NotNil(t, got)
		assert.Empty(t, got)
	}
}

func TestSearchBadRoot(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"file.txt": ""})
	for _, bad := range []string{filepath.Join(root, "missing"), filepath.Join(root, "file.txt")} {
		_, err := Search(context.Background(), "x", []string{bad}, 0)
		require.Error(t, err)
		assert.Contains(t, err.Error(), bad)
	}
}

func TestSearchCancelledContext(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"a.txt": ""})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := Search(ctx, "a", []string{root}, 0)
	require.ErrorIs(t, err, context.Canceled)
	assert.Nil(t, got)
}

// cancelAfter is a context that cancels itself once Err has been called
// limit times, which lets a test cancel a search part-way through its walk.
type cancelAfter struct {
	context.Context
	cancel context.CancelFunc
	calls  atomic.Int64
	limit  int64
}

func (c *cancelAfter) Err() error {
	if c.calls.Add(1) == c.limit {
		c.cancel()
	}
	return c.Context.Err()
}

func TestSearchCancelledDuringWalk(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{}
	for d := range 40 {
		files[fmt.Sprintf("d%02d/e/f.txt", d)] = ""
	}
	writeTree(t, root, files)

	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctx := &cancelAfter{Context: parent, cancel: cancel, limit: 10}
	_, err := Search(ctx, "f", []string{root}, 0)
	require.ErrorIs(t, err, context.Canceled)
	// Each of the 81 directories would check the context once; after the
	// cancellation only the directories already being read still do.
	assert.Less(t, ctx.calls.Load(), int64(20))
}

func TestCoordinatorCancelsOlderRunWithSameToken(t *testing.T) {
	var c Coordinator
	started := make(chan struct{})
	firstErr := make(chan error, 1)
	go func() {
		firstErr <- c.Run(context.Background(), "tok", func(ctx context.Context) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		})
	}()
	<-started

	ran := false
	err := c.Run(context.Background(), "tok", func(ctx context.Context) error {
		ran = true
		return ctx.Err()
	})
	require.NoError(t, err)
	assert.True(t, ran)
	require.ErrorIs(t, <-firstErr, context.Canceled)
}

func TestCoordinatorKeepsOtherTokens(t *testing.T) {
	var c Coordinator
	for _, tokens := range [][2]string{{"a", "b"}, {"", ""}} {
		t.Run(fmt.Sprintf("%q then %q", tokens[0], tokens[1]), func(t *testing.T) {
			started := make(chan struct{})
			release := make(chan struct{})
			firstErr := make(chan error, 1)
			go func() {
				firstErr <- c.Run(context.Background(), tokens[0], func(ctx context.Context) error {
					close(started)
					select {
					case <-ctx.Done():
						return ctx.Err()
					case <-release:
						return nil
					}
				})
			}()
			<-started
			require.NoError(t, c.Run(context.Background(), tokens[1], func(ctx context.Context) error {
				return ctx.Err()
			}))
			close(release)
			assert.NoError(t, <-firstErr, "the first call was not cancelled")
		})
	}
}

func TestCoordinatorWithSearch(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"alpha.txt": ""})
	var c Coordinator
	var got []Match
	err := c.Run(context.Background(), "tok", func(ctx context.Context) error {
		var err error
		got, err = Search(ctx, "alp", []string{root}, 0)
		return err
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"alpha.txt"}, paths(got))

	// A finished call no longer holds its token: the next one is not
	// affected by it and runs to completion.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err = c.Run(ctx, "tok", func(ctx context.Context) error { return ctx.Err() })
	assert.False(t, errors.Is(err, context.Canceled))
}

// benchWords gives the generated benchmark tree realistic file names.
var benchWords = [...]string{
	"handler", "server", "client", "config", "parser", "render", "widget", "model",
	"session", "router", "cache", "index", "store", "event", "stream", "buffer",
}

// BenchmarkSearch100k searches a generated tree of 100,000 files in 2,000
// directories (plus ignored ones that must not be walked).
func BenchmarkSearch100k(b *testing.B) {
	root := b.TempDir()
	require.NoError(b, os.WriteFile(filepath.Join(root, ".gitignore"), []byte("node_modules/\n*.tmp\n"), 0o644))
	n := 0
	for top := range 10 {
		for mid := range 20 {
			for leaf := range 10 {
				dir := filepath.Join(root,
					fmt.Sprintf("%s%d", benchWords[top], top),
					fmt.Sprintf("%s_%d", benchWords[(top+mid)%len(benchWords)], mid),
					fmt.Sprintf("pkg%d", leaf))
				require.NoError(b, os.MkdirAll(dir, 0o755))
				for f := range 50 {
					name := fmt.Sprintf("%s%s_%d.go", benchWords[(f+leaf)%len(benchWords)], benchWords[(f*7+mid)%len(benchWords)], f)
					require.NoError(b, os.WriteFile(filepath.Join(dir, name), nil, 0o644))
					n++
				}
			}
		}
	}
	require.Equal(b, 100_000, n)
	ignored := filepath.Join(root, "node_modules", "dep")
	require.NoError(b, os.MkdirAll(ignored, 0o755))
	for f := range 1000 {
		require.NoError(b, os.WriteFile(filepath.Join(ignored, fmt.Sprintf("handler%d.js", f)), nil, 0o644))
	}

	ctx := context.Background()
	for _, query := range []string{"srvhndl", "config parser", "e"} {
		b.Run(query, func(b *testing.B) {
			for b.Loop() {
				got, err := Search(ctx, query, []string{root}, 0)
				if err != nil || len(got) == 0 {
					b.Fatalf("search %q: %d results, %v", query, len(got), err)
				}
			}
		})
	}
}

func TestSearchMatchesDirectories(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"handlers/a.go": "", "other/handler.go": ""})
	got, err := Search(context.Background(), "handler", []string{root}, 0)
	require.NoError(t, err)
	kinds := map[string]string{}
	for _, m := range got {
		kinds[m.Path] = m.MatchType
	}
	assert.Equal(t, map[string]string{
		"handlers":         MatchDirectory,
		"handlers/a.go":    MatchFile,
		"other/handler.go": MatchFile,
	}, kinds)
}
