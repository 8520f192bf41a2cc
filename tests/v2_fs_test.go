//go:build unix

package tests

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/fsops"
)

// This file covers the v2 file methods: fs/readFile, fs/writeFile,
// fs/createDirectory, fs/getMetadata, fs/readDirectory, fs/remove, fs/copy,
// fs/watch and fs/unwatch, with the fs/changed notifications.

// startFs starts a server initialized as a v2 client; the file methods
// need no thread. It returns the server and a fresh directory to work in,
// with symbolic links resolved so that watched paths compare equal.
func startFs(t *testing.T) (*appServer, string) {
	t.Helper()
	s := startAppServer(t, serverEnv{config: `model = "gpt-5"` + "\n"})
	s.callResult("initialize", map[string]any{"clientInfo": map[string]any{"name": "fstest", "version": "1.0"}, "capabilities": nil}, nil)
	s.notify("initialized")
	dir, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	return s, dir
}

// fsCall sends a file request that must succeed, checks its result
// against both schemas and decodes it into out (when not nil).
func fsCall(t *testing.T, s *appServer, method string, params, out any) {
	t.Helper()
	m := s.call(method, params)
	require.Nil(t, m.Error, "%s: %s", method, m.Raw)
	checkV2(t, method, m.Result, "result")
	if out != nil {
		require.NoError(t, json.Unmarshal(m.Result, out), m.Raw)
	}
}

// fsFail sends a file request that must fail with code and a message
// holding every one of parts.
func fsFail(t *testing.T, s *appServer, method string, params any, code int64, parts ...string) {
	t.Helper()
	m := s.call(method, params)
	require.NotNil(t, m.Error, "%s must fail: %s", method, m.Raw)
	assert.Equal(t, code, m.Error.Code, m.Raw)
	for _, p := range parts {
		assert.Contains(t, m.Error.Message, p, m.Raw)
	}
}

func TestV2FsReadAndWriteFiles(t *testing.T) {
	s, dir := startFs(t)
	file := filepath.Join(dir, "notes.txt")
	binary := "\x00\xff\xfeline\r\n"
	fsCall(t, s, "fs/writeFile", map[string]any{"path": file, "dataBase64": b64(binary)}, nil)
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, binary, string(data))

	var read struct {
		DataBase64 string `json:"dataBase64"`
	}
	fsCall(t, s, "fs/readFile", map[string]any{"path": file}, &read)
	assert.Equal(t, b64(binary), read.DataBase64)

	// Writing again replaces the contents; an empty file reads as "".
	fsCall(t, s, "fs/writeFile", map[string]any{"path": file, "dataBase64": ""}, nil)
	fsCall(t, s, "fs/readFile", map[string]any{"path": file}, &read)
	assert.Equal(t, "", read.DataBase64)

	// Reading follows a link; writing through one is refused and leaves
	// the target alone.
	outside := filepath.Join(t.TempDir(), "outside.txt")
	require.NoError(t, os.WriteFile(outside, []byte("outside"), 0o644))
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(outside, link))
	fsCall(t, s, "fs/readFile", map[string]any{"path": link}, &read)
	assert.Equal(t, b64("outside"), read.DataBase64)

	missing := filepath.Join(dir, "missing.txt")
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	for _, tt := range []struct {
		name   string
		method string
		params map[string]any
		code   int64
		parts  []string
	}{
		{"read a missing file", "fs/readFile", map[string]any{"path": missing}, -32603, []string{missing, "no such file or directory"}},
		{"read a directory", "fs/readFile", map[string]any{"path": dir}, -32600, []string{dir, "is a directory"}},
		{"read a pipe", "fs/readFile", map[string]any{"path": fifo}, -32600, []string{fifo, "not a regular file"}},
		{"read a relative path", "fs/readFile", map[string]any{"path": "notes.txt"}, -32602, []string{`"notes.txt" is not an absolute path`}},
		{"read with ..", "fs/readFile", map[string]any{"path": dir + "/sub/../notes.txt"}, -32602, []string{"'..'"}},
		{"read without a path", "fs/readFile", map[string]any{}, -32602, []string{`missing field "path"`}},
		{"write through a link", "fs/writeFile", map[string]any{"path": link, "dataBase64": b64("x")}, -32600, []string{link, "symbolic link"}},
		{"write into a missing directory", "fs/writeFile", map[string]any{"path": filepath.Join(dir, "no", "f"), "dataBase64": b64("x")}, -32603, []string{filepath.Join(dir, "no")}},
		{"write a directory", "fs/writeFile", map[string]any{"path": dir, "dataBase64": b64("x")}, -32603, []string{dir, "is a directory"}},
		{"write bad base64", "fs/writeFile", map[string]any{"path": file, "dataBase64": "!!!"}, -32600, []string{file, "not valid base64"}},
		{"write a relative path", "fs/writeFile", map[string]any{"path": "../escape", "dataBase64": b64("x")}, -32602, []string{"not an absolute path"}},
		{"write with ..", "fs/writeFile", map[string]any{"path": dir + "/../escape", "dataBase64": b64("x")}, -32602, []string{"'..'"}},
		{"write without data", "fs/writeFile", map[string]any{"path": file}, -32602, []string{`missing field "dataBase64"`}},
	} {
		t.Run(tt.name, func(t *testing.T) { fsFail(t, s, tt.method, tt.params, tt.code, tt.parts...) })
	}
	data, err = os.ReadFile(outside)
	require.NoError(t, err)
	assert.Equal(t, "outside", string(data))
	assert.NoFileExists(t, filepath.Join(filepath.Dir(dir), "escape"))
	assert.NoFileExists(t, missing)
}

func TestV2FsSizeCaps(t *testing.T) {
	s, dir := startFs(t)

	// A payload over the cap is refused before anything is written.
	huge := filepath.Join(dir, "huge.bin")
	payload := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{'a'}, fsops.MaxFileBytes+1))
	fsFail(t, s, "fs/writeFile", map[string]any{"path": huge, "dataBase64": payload}, -32600, huge, "more than")
	assert.NoFileExists(t, huge)

	// A line over the protocol's limit is skipped; the server goes on.
	s.sendRaw(`{"id":"big","method":"fs/writeFile","params":{"path":"` + huge + `","dataBase64":"` + strings.Repeat("QUFB", (64<<20)/4+1) + `"}}`)
	skipped := s.take(func(m rpcMessage) bool { return m.Error != nil && string(m.ID) == "null" }, "the answer to an over-long line")
	assert.Equal(t, int64(-32600), skipped.Error.Code, skipped.Raw)
	assert.NoFileExists(t, huge)

	// A file at the cap is read whole; one byte more is refused.
	require.NoError(t, os.WriteFile(huge, bytes.Repeat([]byte{'b'}, fsops.MaxFileBytes), 0o644))
	var read struct {
		DataBase64 string `json:"dataBase64"`
	}
	fsCall(t, s, "fs/readFile", map[string]any{"path": huge}, &read)
	assert.Equal(t, base64.StdEncoding.EncodedLen(fsops.MaxFileBytes), len(read.DataBase64))
	f, err := os.OpenFile(huge, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("b")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	fsFail(t, s, "fs/readFile", map[string]any{"path": huge}, -32600, huge, "more than")
	s.callResult("getUserAgent", nil, nil)
}

func TestV2FsDirectories(t *testing.T) {
	s, dir := startFs(t)
	deep := filepath.Join(dir, "a", "b", "c")
	fsCall(t, s, "fs/createDirectory", map[string]any{"path": deep}, nil)
	assert.DirExists(t, deep)
	fsCall(t, s, "fs/createDirectory", map[string]any{"path": deep, "recursive": nil}, nil)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a", "file.txt"), []byte("x"), 0o644))
	require.NoError(t, os.Symlink("b", filepath.Join(dir, "a", "link-to-b")))

	var listing struct {
		Entries []struct {
			FileName    string `json:"fileName"`
			IsDirectory bool   `json:"isDirectory"`
			IsFile      bool   `json:"isFile"`
		} `json:"entries"`
	}
	fsCall(t, s, "fs/readDirectory", map[string]any{"path": filepath.Join(dir, "a")}, &listing)
	var names []string
	for _, e := range listing.Entries {
		names = append(names, e.FileName)
	}
	assert.Equal(t, []string{"b", "file.txt", "link-to-b"}, names)
	assert.True(t, listing.Entries[0].IsDirectory && !listing.Entries[0].IsFile)
	assert.True(t, listing.Entries[1].IsFile && !listing.Entries[1].IsDirectory)
	assert.True(t, listing.Entries[2].IsDirectory, "a link is described by its target")

	fsCall(t, s, "fs/readDirectory", map[string]any{"path": deep}, &listing)
	assert.Empty(t, listing.Entries)
	m := s.call("fs/readDirectory", map[string]any{"path": deep})
	assert.Contains(t, m.Raw, `"entries":[]`)

	var md struct {
		IsDirectory  bool  `json:"isDirectory"`
		IsFile       bool  `json:"isFile"`
		IsSymlink    bool  `json:"isSymlink"`
		CreatedAtMs  int64 `json:"createdAtMs"`
		ModifiedAtMs int64 `json:"modifiedAtMs"`
	}
	stamp := time.UnixMilli(1_700_000_000_250)
	file := filepath.Join(dir, "a", "file.txt")
	require.NoError(t, os.Chtimes(file, stamp, stamp))
	fsCall(t, s, "fs/getMetadata", map[string]any{"path": file}, &md)
	assert.True(t, md.IsFile)
	assert.False(t, md.IsDirectory || md.IsSymlink)
	assert.Equal(t, stamp.UnixMilli(), md.ModifiedAtMs)
	assert.GreaterOrEqual(t, md.CreatedAtMs, int64(0))
	fsCall(t, s, "fs/getMetadata", map[string]any{"path": filepath.Join(dir, "a", "link-to-b")}, &md)
	assert.True(t, md.IsSymlink && md.IsDirectory)

	file2 := filepath.Join(dir, "a", "file.txt", "under")
	for _, tt := range []struct {
		name   string
		method string
		params map[string]any
		code   int64
		parts  []string
	}{
		{"list a file", "fs/readDirectory", map[string]any{"path": file}, -32603, []string{file, "not a directory"}},
		{"list a missing directory", "fs/readDirectory", map[string]any{"path": filepath.Join(dir, "gone")}, -32603, []string{filepath.Join(dir, "gone"), "no such file"}},
		{"list a relative path", "fs/readDirectory", map[string]any{"path": "a"}, -32602, []string{"not an absolute path"}},
		{"list with ..", "fs/readDirectory", map[string]any{"path": deep + "/../../.."}, -32602, []string{"'..'"}},
		{"describe a missing path", "fs/getMetadata", map[string]any{"path": filepath.Join(dir, "gone")}, -32603, []string{filepath.Join(dir, "gone")}},
		{"describe a relative path", "fs/getMetadata", map[string]any{"path": "./a"}, -32602, []string{"not an absolute path"}},
		{"create an existing directory, not recursive", "fs/createDirectory", map[string]any{"path": deep, "recursive": false}, -32603, []string{deep, "already exists"}},
		{"create without the parent, not recursive", "fs/createDirectory", map[string]any{"path": filepath.Join(dir, "x", "y"), "recursive": false}, -32603, []string{filepath.Join(dir, "x", "y")}},
		{"create under a file", "fs/createDirectory", map[string]any{"path": file2}, -32603, []string{file2, "not a directory"}},
		{"create with ..", "fs/createDirectory", map[string]any{"path": dir + "/a/../../evil"}, -32602, []string{"'..'"}},
	} {
		t.Run(tt.name, func(t *testing.T) { fsFail(t, s, tt.method, tt.params, tt.code, tt.parts...) })
	}
	assert.NoDirExists(t, filepath.Join(filepath.Dir(dir), "evil"))
}

func TestV2FsRemoveAndCopy(t *testing.T) {
	s, dir := startFs(t)
	src := filepath.Join(dir, "src")
	require.NoError(t, os.MkdirAll(filepath.Join(src, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "sub", "run.sh"), []byte("echo hi\n"), 0o755))
	require.NoError(t, os.Symlink("/etc/hostname", filepath.Join(src, "host")))

	// Copies: a file, a tree (links stay links).
	fsCall(t, s, "fs/copy", map[string]any{"sourcePath": filepath.Join(src, "sub", "run.sh"), "destinationPath": filepath.Join(dir, "run-copy.sh")}, nil)
	data, err := os.ReadFile(filepath.Join(dir, "run-copy.sh"))
	require.NoError(t, err)
	assert.Equal(t, "echo hi\n", string(data))
	dst := filepath.Join(dir, "dst")
	fsCall(t, s, "fs/copy", map[string]any{"sourcePath": src, "destinationPath": dst, "recursive": true}, nil)
	info, err := os.Stat(filepath.Join(dst, "sub", "run.sh"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), info.Mode().Perm())
	target, err := os.Readlink(filepath.Join(dst, "host"))
	require.NoError(t, err)
	assert.Equal(t, "/etc/hostname", target)

	// Removal: a link goes, its target stays; a tree goes whole.
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "keep"), nil, 0o644))
	link := filepath.Join(dir, "outside-link")
	require.NoError(t, os.Symlink(outside, link))
	fsCall(t, s, "fs/remove", map[string]any{"path": link}, nil)
	assert.NoFileExists(t, link)
	assert.FileExists(t, filepath.Join(outside, "keep"))
	fsCall(t, s, "fs/remove", map[string]any{"path": dst, "recursive": nil, "force": nil}, nil)
	assert.NoDirExists(t, dst)
	fsCall(t, s, "fs/remove", map[string]any{"path": dst}, nil)

	trap := filepath.Join(dir, "trap")
	require.NoError(t, os.Symlink(filepath.Join(outside, "keep"), trap))
	for _, tt := range []struct {
		name   string
		method string
		params map[string]any
		code   int64
		parts  []string
	}{
		{"remove a missing path without force", "fs/remove", map[string]any{"path": dst, "force": false}, -32603, []string{dst, "no such file"}},
		{"remove a full directory, not recursive", "fs/remove", map[string]any{"path": src, "recursive": false}, -32603, []string{src, "not empty"}},
		{"remove a relative path", "fs/remove", map[string]any{"path": "src"}, -32602, []string{"not an absolute path"}},
		{"remove with ..", "fs/remove", map[string]any{"path": src + "/../.."}, -32602, []string{"'..'"}},
		{"remove the root", "fs/remove", map[string]any{"path": "/"}, -32600, []string{"root directory"}},
		{"copy a directory, not recursive", "fs/copy", map[string]any{"sourcePath": src, "destinationPath": dst}, -32600, []string{src, "recursive"}},
		{"copy a directory into itself", "fs/copy", map[string]any{"sourcePath": src, "destinationPath": filepath.Join(src, "sub", "again"), "recursive": true}, -32600, []string{"inside the source"}},
		{"copy a missing file", "fs/copy", map[string]any{"sourcePath": filepath.Join(dir, "gone"), "destinationPath": dst}, -32603, []string{filepath.Join(dir, "gone")}},
		{"copy onto a link", "fs/copy", map[string]any{"sourcePath": filepath.Join(src, "sub", "run.sh"), "destinationPath": trap}, -32600, []string{trap, "symbolic link"}},
		{"copy to a relative path", "fs/copy", map[string]any{"sourcePath": src, "destinationPath": "dst", "recursive": true}, -32602, []string{"not an absolute path"}},
		{"copy without a destination", "fs/copy", map[string]any{"sourcePath": src}, -32602, []string{`missing field "destinationPath"`}},
	} {
		t.Run(tt.name, func(t *testing.T) { fsFail(t, s, tt.method, tt.params, tt.code, tt.parts...) })
	}
	assert.DirExists(t, src)
	data, err = os.ReadFile(filepath.Join(outside, "keep"))
	require.NoError(t, err)
	assert.Empty(t, data)
	assert.NoDirExists(t, filepath.Join(src, "sub", "again"))
}

// fsChanged waits for the next fs/changed notification of watch id and
// returns its paths.
func fsChanged(t *testing.T, s *appServer, id string) []string {
	t.Helper()
	m := s.take(func(m rpcMessage) bool {
		return m.Method == "fs/changed" && strings.Contains(string(m.Params), `"watchId":"`+id+`"`)
	}, "fs/changed of "+id)
	checkV2(t, m.Method, m.Params, "notification")
	assert.Contains(t, m.Raw, `"emittedAtMs":`)
	var n struct {
		WatchID      string   `json:"watchId"`
		ChangedPaths []string `json:"changedPaths"`
	}
	require.NoError(t, json.Unmarshal(m.Params, &n))
	return n.ChangedPaths
}

// fsChangedUntil takes the fs/changed notifications of watch id until one
// names path, and returns the paths of each.
func fsChangedUntil(t *testing.T, s *appServer, id, path string) [][]string {
	t.Helper()
	var all [][]string
	for {
		paths := fsChanged(t, s, id)
		all = append(all, paths)
		if slices.Contains(paths, path) {
			return all
		}
	}
}

func TestV2FsWatch(t *testing.T) {
	s, dir := startFs(t)
	file := filepath.Join(dir, "watched.txt")
	require.NoError(t, os.WriteFile(file, []byte("v1"), 0o644))

	var watched struct {
		Path string `json:"path"`
	}
	fsCall(t, s, "fs/watch", map[string]any{"path": dir, "watchId": "dir"}, &watched)
	assert.Equal(t, dir, watched.Path)
	fsCall(t, s, "fs/watch", map[string]any{"path": file, "watchId": "file"}, &watched)
	assert.Equal(t, file, watched.Path)
	// Through a link, the answer names the resolved path.
	link := filepath.Join(t.TempDir(), "to-dir")
	require.NoError(t, os.Symlink(dir, link))
	fsCall(t, s, "fs/watch", map[string]any{"path": link, "watchId": "via-link"}, &watched)
	assert.Equal(t, dir, watched.Path)

	// Created, modified, removed: each is seen.
	created := filepath.Join(dir, "created.txt")
	require.NoError(t, os.WriteFile(created, []byte("new"), 0o644))
	fsChangedUntil(t, s, "dir", created)
	require.NoError(t, os.WriteFile(file, []byte("v2"), 0o644))
	for _, paths := range fsChangedUntil(t, s, "file", file) {
		assert.Equal(t, []string{file}, paths, "a file watch reports its file alone")
	}
	fsChangedUntil(t, s, "dir", file)
	require.NoError(t, os.Remove(created))
	fsChangedUntil(t, s, "dir", created)
	fsChangedUntil(t, s, "via-link", created)

	// Errors.
	fsFail(t, s, "fs/watch", map[string]any{"path": file, "watchId": "dir"}, -32600, `"dir" is already in use`)
	fsFail(t, s, "fs/watch", map[string]any{"path": "rel", "watchId": "w"}, -32602, "not an absolute path")
	fsFail(t, s, "fs/watch", map[string]any{"path": dir + "/x/../..", "watchId": "w"}, -32602, "'..'")
	fsFail(t, s, "fs/watch", map[string]any{"path": filepath.Join(dir, "no", "such"), "watchId": "w"}, -32603, filepath.Join(dir, "no", "such"))
	fsFail(t, s, "fs/watch", map[string]any{"path": dir}, -32602, `missing field "watchId"`)
	fsFail(t, s, "fs/unwatch", map[string]any{}, -32602, `missing field "watchId"`)

	// After fs/unwatch, no fs/changed of that watch: the file watch, still
	// on, reports a later change, and the unwatched ones never do.
	fsCall(t, s, "fs/unwatch", map[string]any{"watchId": "dir"}, nil)
	fsCall(t, s, "fs/unwatch", map[string]any{"watchId": "via-link"}, nil)
	fsCall(t, s, "fs/unwatch", map[string]any{"watchId": "never-was"}, nil)
	after := filepath.Join(dir, "after.txt")
	require.NoError(t, os.WriteFile(after, nil, 0o644))
	require.NoError(t, os.WriteFile(file, []byte("v3"), 0o644))
	fsChangedUntil(t, s, "file", file)
	// Created after the answers to fs/unwatch, after.txt is reported by no
	// watch (notifications of the directory that came before them may
	// still wait in the backlog).
	for _, m := range s.backlog() {
		if m.Method == "fs/changed" {
			assert.NotContains(t, string(m.Params), after, m.Raw)
		}
	}
	// The id is free again.
	fsCall(t, s, "fs/watch", map[string]any{"path": dir, "watchId": "dir"}, nil)
}

func TestV2FsWatchEndsWithTheConnection(t *testing.T) {
	s, dir := startFs(t)
	assert.Zero(t, countInotify(t, s.pid()), "no watcher before the first fs/watch")
	fsCall(t, s, "fs/watch", map[string]any{"path": dir, "watchId": "w"}, nil)
	assert.Equal(t, 1, countInotify(t, s.pid()), "one watcher per connection")
	fsCall(t, s, "fs/watch", map[string]any{"path": t.TempDir(), "watchId": "w2"}, nil)
	assert.Equal(t, 1, countInotify(t, s.pid()), "one watcher per connection")
	// A change is pending as the input ends: the server still stops
	// (its watcher goroutines end with the connection).
	require.NoError(t, os.WriteFile(filepath.Join(dir, "late"), nil, 0o644))
	require.NoError(t, s.closeAndWait())
}

// countInotify counts the inotify descriptors process pid holds.
func countInotify(t *testing.T, pid int) int {
	t.Helper()
	fds := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	entries, err := os.ReadDir(fds)
	if err != nil {
		t.Skipf("no %s: %v", fds, err)
	}
	n := 0
	for _, e := range entries {
		if target, err := os.Readlink(filepath.Join(fds, e.Name())); err == nil && strings.Contains(target, "inotify") {
			n++
		}
	}
	return n
}

// TestV2FuzzyFileSearch checks fuzzyFileSearch, shared with the 0.45
// protocol, against the v2 schema and the reference's answer to the same
// query (the capture's request 26): files and directories, each with its
// match_type.
func TestV2FuzzyFileSearch(t *testing.T) {
	s, dir := startFs(t)
	writeFiles(t, dir, map[string]string{"README.md": "# x\n", "logs/refs/heads/master": "", "src/main.go": ""})
	m := s.call("fuzzyFileSearch", map[string]any{"query": "read", "roots": []string{dir}, "cancellationToken": nil})
	require.Nil(t, m.Error, m.Raw)
	checkV2(t, "fuzzyFileSearch", m.Result, "result")
	var res struct {
		Files []struct {
			Root      string `json:"root"`
			Path      string `json:"path"`
			MatchType string `json:"match_type"`
			FileName  string `json:"file_name"`
			Indices   []int  `json:"indices"`
		} `json:"files"`
	}
	require.NoError(t, json.Unmarshal(m.Result, &res))
	require.NotEmpty(t, res.Files)
	first := res.Files[0]
	assert.Equal(t, dir, first.Root)
	assert.Equal(t, "README.md", first.Path)
	assert.Equal(t, "file", first.MatchType)
	assert.Equal(t, []int{0, 1, 2, 3}, first.Indices)
	kinds := map[string]string{}
	for _, f := range res.Files {
		kinds[f.Path] = f.MatchType
	}
	assert.Equal(t, "directory", kinds["logs/refs/heads"], m.Raw)
	assert.Equal(t, "file", kinds["logs/refs/heads/master"], m.Raw)
	assert.NotContains(t, kinds, "src/main.go")
}
