//go:build unix

package fsops

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckPath(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{in: "/a/b", want: "/a/b"},
		{in: "/a/./b//c/", want: "/a/b/c"},
		{in: "/", want: "/"},
		{in: "", bad: true},
		{in: "a/b", bad: true},
		{in: "./a", bad: true},
		{in: "/a/../b", bad: true},
		{in: "/a/..", bad: true},
		{in: "/a/b\x00c", bad: true},
		{in: "/a/..b", want: "/a/..b"},
	} {
		got, err := CheckPath(tc.in)
		if tc.bad {
			assert.ErrorIs(t, err, ErrInvalidPath, "%q", tc.in)
			continue
		}
		require.NoError(t, err, "%q", tc.in)
		assert.Equal(t, tc.want, got)
	}
}

func TestReadFileCapsAndKinds(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	require.NoError(t, os.WriteFile(small, []byte("0123456789"), 0o644))
	got, err := readFile(small, 10)
	require.NoError(t, err)
	assert.Equal(t, "0123456789", string(got))

	_, err = readFile(small, 9)
	assert.ErrorIs(t, err, ErrTooLarge)
	assert.Contains(t, err.Error(), small)

	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	got, err = ReadFile(empty)
	require.NoError(t, err)
	assert.Empty(t, got)

	_, err = ReadFile(dir)
	assert.ErrorIs(t, err, ErrWrongKind)
	assert.Contains(t, err.Error(), "is a directory")

	// A pipe without a writer is refused at once, not waited on.
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	_, err = ReadFile(fifo)
	assert.ErrorIs(t, err, ErrWrongKind)

	_, err = ReadFile(filepath.Join(dir, "missing"))
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, "read "+filepath.Join(dir, "missing")+": no such file or directory", err.Error())

	// Reading follows links.
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(small, link))
	got, err = ReadFile(link)
	require.NoError(t, err)
	assert.Equal(t, "0123456789", string(got))
}

func TestWriteFileNeverWritesThroughALink(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "outside")
	require.NoError(t, os.WriteFile(outside, []byte("keep"), 0o644))
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(outside, link))
	err := WriteFile(link, []byte("evil"))
	assert.ErrorIs(t, err, ErrWrongKind)
	assert.Contains(t, err.Error(), "symbolic link")
	data, _ := os.ReadFile(outside)
	assert.Equal(t, "keep", string(data))

	// A dangling link is not followed either: its target is not created.
	dangling := filepath.Join(dir, "dangling")
	target := filepath.Join(t.TempDir(), "created")
	require.NoError(t, os.Symlink(target, dangling))
	assert.ErrorIs(t, WriteFile(dangling, []byte("x")), ErrWrongKind)
	assert.NoFileExists(t, target)

	// Writing replaces the whole contents.
	f := filepath.Join(dir, "f")
	require.NoError(t, WriteFile(f, []byte("a longer text")))
	require.NoError(t, WriteFile(f, []byte("short")))
	data, _ = os.ReadFile(f)
	assert.Equal(t, "short", string(data))

	assert.ErrorIs(t, WriteFile(filepath.Join(dir, "no", "f"), nil), ErrNotFound)
	assert.ErrorIs(t, WriteFile(dir, nil), ErrIsDirectory)
	assert.ErrorIs(t, WriteFile(f, make([]byte, MaxFileBytes+1)), ErrTooLarge)
}

func TestReadDirectory(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.txt"), nil, 0o644))
	require.NoError(t, os.Symlink("sub", filepath.Join(dir, "a-link")))
	require.NoError(t, os.Symlink("missing", filepath.Join(dir, "c-dangling")))
	entries, err := ReadDirectory(context.Background(), dir)
	require.NoError(t, err)
	assert.Equal(t, []Entry{
		{Name: "a-link", IsDirectory: true},
		{Name: "b.txt", IsFile: true},
		{Name: "c-dangling"},
		{Name: "sub", IsDirectory: true},
	}, entries)

	_, err = readDirectory(context.Background(), dir, 3)
	assert.ErrorIs(t, err, ErrTooLarge)
	_, err = ReadDirectory(context.Background(), filepath.Join(dir, "b.txt"))
	assert.ErrorIs(t, err, ErrNotDirectory)

	empty := filepath.Join(dir, "sub")
	entries, err = ReadDirectory(context.Background(), empty)
	require.NoError(t, err)
	assert.NotNil(t, entries)
	assert.Empty(t, entries)
}

func TestRemove(t *testing.T) {
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	require.NoError(t, os.MkdirAll(filepath.Join(tree, "a", "b"), 0o755))
	assert.ErrorIs(t, Remove(tree, false, true), syscall.ENOTEMPTY)
	assert.DirExists(t, tree)
	require.NoError(t, Remove(tree, true, true))
	assert.NoDirExists(t, tree)
	require.NoError(t, Remove(tree, true, true), "force: a missing path is fine")
	assert.ErrorIs(t, Remove(tree, true, false), ErrNotFound)
	assert.ErrorIs(t, Remove("/", true, true), ErrRefused)

	// A link goes, its target stays.
	target := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(target, "keep"), nil, 0o644))
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(target, link))
	require.NoError(t, Remove(link, true, true))
	assert.FileExists(t, filepath.Join(target, "keep"))
}

func TestCopy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	require.NoError(t, os.MkdirAll(filepath.Join(src, "deep"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "deep", "x.sh"), []byte("#!/bin/sh\n"), 0o755))
	require.NoError(t, os.Symlink("/etc/hostname", filepath.Join(src, "link")))

	dst := filepath.Join(dir, "dst")
	assert.ErrorIs(t, Copy(ctx, src, dst, false), ErrRefused)
	require.NoError(t, Copy(ctx, src, dst, true))
	info, err := os.Stat(filepath.Join(dst, "deep", "x.sh"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), info.Mode().Perm())
	target, err := os.Readlink(filepath.Join(dst, "link"))
	require.NoError(t, err)
	assert.Equal(t, "/etc/hostname", target, "links are copied as links")

	assert.ErrorIs(t, Copy(ctx, src, filepath.Join(src, "deep", "inner"), true), ErrRefused)
	assert.ErrorIs(t, Copy(ctx, src, src, true), ErrRefused)

	file := filepath.Join(src, "deep", "x.sh")
	assert.ErrorIs(t, Copy(ctx, file, file, false), ErrExists, "a file onto itself")
	data, _ := os.ReadFile(file)
	assert.Equal(t, "#!/bin/sh\n", string(data))
	assert.ErrorIs(t, Copy(ctx, file, dst, false), ErrIsDirectory, "onto a directory")

	// Nothing is written through a link at the destination.
	outside := filepath.Join(t.TempDir(), "outside")
	require.NoError(t, os.WriteFile(outside, []byte("keep"), 0o644))
	trap := filepath.Join(dir, "trap")
	require.NoError(t, os.Symlink(outside, trap))
	assert.ErrorIs(t, Copy(ctx, file, trap, false), ErrWrongKind)
	data, _ = os.ReadFile(outside)
	assert.Equal(t, "keep", string(data))

	fifo := filepath.Join(src, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	assert.ErrorIs(t, Copy(ctx, src, filepath.Join(dir, "dst2"), true), ErrWrongKind)
}

func TestGetMetadata(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "f")
	require.NoError(t, os.WriteFile(f, nil, 0o644))
	mtime := time.UnixMilli(1_700_000_000_123)
	require.NoError(t, os.Chtimes(f, mtime, mtime))
	md, err := GetMetadata(f)
	require.NoError(t, err)
	assert.True(t, md.IsFile)
	assert.False(t, md.IsDirectory || md.IsSymlink)
	assert.Equal(t, mtime.UnixMilli(), md.Modified.UnixMilli())

	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(dir, link))
	md, err = GetMetadata(link)
	require.NoError(t, err)
	assert.True(t, md.IsSymlink && md.IsDirectory)

	dangling := filepath.Join(dir, "dangling")
	require.NoError(t, os.Symlink("missing", dangling))
	md, err = GetMetadata(dangling)
	require.NoError(t, err)
	assert.True(t, md.IsSymlink)
	assert.False(t, md.IsFile || md.IsDirectory)

	_, err = GetMetadata(filepath.Join(dir, "missing"))
	assert.ErrorIs(t, err, ErrNotFound)
}

// recorder collects a Watcher's notifications; while hold is set, it
// blocks in notify as a client that reads slowly would.
type recorder struct {
	mu   sync.Mutex
	got  map[string][][]string
	seen chan struct{}
	hold chan struct{}
}

func newRecorder() *recorder {
	return &recorder{got: map[string][][]string{}, seen: make(chan struct{}, 1)}
}

func (r *recorder) notify(id string, paths []string) {
	r.mu.Lock()
	r.got[id] = append(r.got[id], paths)
	hold := r.hold
	r.mu.Unlock()
	select {
	case r.seen <- struct{}{}:
	default:
	}
	if hold != nil {
		<-hold
	}
}

// waitFor waits until a notification of watch id has reported paths.
func (r *recorder) waitFor(t *testing.T, id string, paths ...string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		for _, got := range r.got[id] {
			if slices.Equal(got, paths) {
				r.mu.Unlock()
				return
			}
		}
		n := len(r.got[id])
		r.mu.Unlock()
		select {
		case <-r.seen:
		case <-deadline:
			t.Fatalf("watch %s did not report %v in its %d notifications", id, paths, n)
		}
	}
}

// startWatcher runs a Watcher reporting to rec until the test ends.
func startWatcher(t *testing.T, rec *recorder) *Watcher {
	t.Helper()
	w, err := NewWatcher(rec.notify)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

func TestWatcherReportsChangesOfAFileAndADirectory(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	rec := newRecorder()
	w := startWatcher(t, rec)
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))

	got, err := w.Add("d", dir)
	require.NoError(t, err)
	assert.Equal(t, dir, got)
	_, err = w.Add("f", file)
	require.NoError(t, err)
	_, err = w.Add("d", dir)
	assert.ErrorIs(t, err, ErrRefused)
	_, err = w.Add("", dir)
	assert.ErrorIs(t, err, ErrInvalidPath)
	_, err = w.Add("x", filepath.Join(dir, "no", "such"))
	assert.ErrorIs(t, err, ErrNotFound)

	// A path that does not exist yet is reported when it appears.
	later := filepath.Join(dir, "later")
	_, err = w.Add("later", later)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(later, nil, 0o644))
	rec.waitFor(t, "later", later)

	other := filepath.Join(dir, "other")
	require.NoError(t, os.WriteFile(other, []byte("x"), 0o644))
	rec.waitFor(t, "d", other)
	// Replaced by rename, as editors save.
	tmp := filepath.Join(dir, "file.tmp")
	require.NoError(t, os.WriteFile(tmp, []byte("new"), 0o644))
	require.NoError(t, os.Rename(tmp, file))
	rec.waitFor(t, "f", file)
	rec.mu.Lock()
	for _, paths := range rec.got["f"] {
		assert.Equal(t, []string{file}, paths, "a file watch reports only its file")
	}
	rec.mu.Unlock()

	assert.True(t, w.Remove("d"))
	assert.False(t, w.Remove("d"))
}

func TestWatcherCoalescesFloods(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	rec := newRecorder()
	w := startWatcher(t, rec)
	_, err = w.Add("d", dir)
	require.NoError(t, err)

	// The client stops reading after the first notification.
	hold := make(chan struct{})
	rec.mu.Lock()
	rec.hold = hold
	rec.mu.Unlock()
	first := filepath.Join(dir, "first")
	require.NoError(t, os.WriteFile(first, nil, 0o644))
	rec.waitFor(t, "d", first)

	// Meanwhile more files change than a watch keeps.
	for i := range MaxPendingPaths + 10 {
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%04d", i)), nil, 0o644))
	}
	require.Eventually(t, func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.watches["d"].overflow
	}, 10*time.Second, 5*time.Millisecond, "the watch forgets the paths past its cap")
	rec.mu.Lock()
	rec.hold = nil
	rec.mu.Unlock()
	close(hold)
	// The next notification names the watched directory alone.
	rec.waitFor(t, "d", dir)
	// Over a thousand changes made a handful of notifications (the last
	// events may still come after the overflow was reported).
	rec.mu.Lock()
	assert.LessOrEqual(t, len(rec.got["d"]), 3)
	rec.mu.Unlock()
}
