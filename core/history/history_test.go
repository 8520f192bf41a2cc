package history

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Environment variables that turn the test binary into an appending child
// process for TestConcurrentProcesses.
const (
	envChildHome  = "HISTORY_TEST_CHILD_HOME"
	envChildIndex = "HISTORY_TEST_CHILD_INDEX"
)

// entriesPerChild is how many lines each child process appends.
const entriesPerChild = 500

func TestMain(m *testing.M) {
	if home := os.Getenv(envChildHome); home != "" {
		os.Exit(runChild(home, os.Getenv(envChildIndex)))
	}
	os.Exit(m.Run())
}

// runChild waits for a line on stdin (the start signal shared by all
// children), then appends entriesPerChild entries.
func runChild(home, index string) int {
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		fmt.Fprintln(os.Stderr, "wait for start:", err)
		return 2
	}
	s := Open(home, PersistenceSaveAll, 0)
	// A long body makes a torn or interleaved write visible.
	filler := strings.Repeat(index, 3000)
	for i := range entriesPerChild {
		text := fmt.Sprintf("%s|%d|%s", index, i, filler)
		if err := s.Append("child-"+index, text, time.Unix(int64(i), 0)); err != nil {
			fmt.Fprintln(os.Stderr, "append:", err)
			return 1
		}
	}
	return 0
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	text := string(data)
	require.True(t, strings.HasSuffix(text, "\n"), "file ends with a newline")
	return strings.Split(strings.TrimSuffix(text, "\n"), "\n")
}

func TestAppendMetadataLookup(t *testing.T) {
	home := t.TempDir()
	s := Open(home, PersistenceSaveAll, 0)

	id, count, err := s.Metadata()
	require.NoError(t, err)
	assert.Zero(t, id, "missing file has id 0")
	assert.Zero(t, count)

	entry, err := s.Lookup(0, 0)
	require.NoError(t, err)
	assert.Nil(t, entry, "lookup in a missing file")

	now := time.Unix(1_700_000_000, 500)
	msgs := []string{"first", "second <b> & \"quoted\"", "third\nwith newline"}
	for i, m := range msgs {
		require.NoError(t, s.Append(fmt.Sprintf("conv-%d", i), m, now.Add(time.Duration(i)*time.Second)))
	}

	lines := readLines(t, filepath.Join(home, FileName))
	require.Len(t, lines, 3)
	assert.Equal(t, `{"session_id":"conv-0","ts":1700000000,"text":"first"}`, lines[0])
	assert.Equal(t, `{"session_id":"conv-1","ts":1700000001,"text":"second <b> & \"quoted\""}`, lines[1])

	id, count, err = s.Metadata()
	require.NoError(t, err)
	assert.NotZero(t, id)
	assert.Equal(t, 3, count)

	tests := []struct {
		name   string
		logID  uint64
		offset int
		want   *Entry
	}{
		{"first", id, 0, &Entry{SessionID: "conv-0", Ts: 1_700_000_000, Text: "first"}},
		{"last", id, 2, &Entry{SessionID: "conv-2", Ts: 1_700_000_002, Text: "third\nwith newline"}},
		{"past end", id, 3, nil},
		{"negative", id, -1, nil},
		{"other log id", id + 1, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Lookup(tt.logID, tt.offset)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFileMode(t *testing.T) {
	tests := []struct {
		name     string
		existing os.FileMode // 0: no file before the append
	}{
		{"new file", 0},
		{"existing 0644 is narrowed", 0o644},
		{"existing 0666 is narrowed", 0o666},
		{"existing 0600 stays", 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			path := filepath.Join(home, FileName)
			if tt.existing != 0 {
				require.NoError(t, os.WriteFile(path, []byte(`{"session_id":"a","ts":1,"text":"old"}`+"\n"), 0o600))
				require.NoError(t, os.Chmod(path, tt.existing))
			}
			s := Open(home, PersistenceSaveAll, 0)
			require.NoError(t, s.Append("conv", "hello", time.Unix(5, 0)))

			info, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
			_, count, err := s.Metadata()
			require.NoError(t, err)
			want := 1
			if tt.existing != 0 {
				want = 2
			}
			assert.Equal(t, want, count)
		})
	}
}

func TestPersistenceNone(t *testing.T) {
	home := t.TempDir()
	s := Open(home, PersistenceNone, 0)
	require.NoError(t, s.Append("conv", "secret", time.Now()))

	entries, err := os.ReadDir(home)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing written")
	_, count, err := s.Metadata()
	require.NoError(t, err)
	assert.Zero(t, count)
}

func TestCreatesCodexHome(t *testing.T) {
	home := filepath.Join(t.TempDir(), "nested", "home")
	s := Open(home, PersistenceSaveAll, 0)
	require.NoError(t, s.Append("conv", "hi", time.Unix(1, 0)))
	_, count, err := s.Metadata()
	require.NoError(t, err)
	assert.Equal(t, 1, count)
}

func TestTrimKeepsNewestLines(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, FileName)

	// Every line below has the same length: the limit holds exactly 4, and
	// 80% of it holds 3.
	line := func(i int) string {
		return fmt.Sprintf(`{"session_id":"conv","ts":%d,"text":"message %02d"}`, i, i)
	}
	lineLen := int64(len(line(10)) + 1)
	limit := 4 * lineLen
	s := Open(home, PersistenceSaveAll, limit)
	appendMsg := func(i int) {
		t.Helper()
		require.NoError(t, s.Append("conv", fmt.Sprintf("message %02d", i), time.Unix(int64(i), 0)))
	}

	for i := 10; i < 14; i++ {
		appendMsg(i)
	}
	idBefore, count, err := s.Metadata()
	require.NoError(t, err)
	require.Equal(t, 4, count, "at the limit: nothing trimmed")

	// The first append over the limit replaces the file. The new file is
	// created while the old one still exists, so their inodes differ.
	appendMsg(14)
	assert.Equal(t, []string{line(12), line(13), line(14)}, readLines(t, path))
	idAfter, count, err := s.Metadata()
	require.NoError(t, err)
	assert.Equal(t, 3, count)
	assert.NotEqual(t, idBefore, idAfter, "trimming replaces the file")

	stale, err := s.Lookup(idBefore, 0)
	require.NoError(t, err)
	assert.Nil(t, stale, "offsets of the old log are not applied to the new one")
	fresh, err := s.Lookup(idAfter, 0)
	require.NoError(t, err)
	require.NotNil(t, fresh)
	assert.Equal(t, "message 12", fresh.Text)

	appendMsg(15)
	idSame, _, err := s.Metadata()
	require.NoError(t, err)
	assert.Equal(t, idAfter, idSame, "appends under the limit keep the file")
	appendMsg(16)
	assert.Equal(t, []string{line(14), line(15), line(16)}, readLines(t, path))

	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	assert.LessOrEqual(t, info.Size(), limit)

	entries, err := os.ReadDir(home)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary files left behind")
}

func TestTrimKeepsOversizedNewestLine(t *testing.T) {
	home := t.TempDir()
	s := Open(home, PersistenceSaveAll, 40)
	require.NoError(t, s.Append("conv", "short", time.Unix(1, 0)))
	long := strings.Repeat("x", 100)
	require.NoError(t, s.Append("conv", long, time.Unix(2, 0)))

	lines := readLines(t, filepath.Join(home, FileName))
	require.Len(t, lines, 1)
	assert.Contains(t, lines[0], long)
}

func TestNewestLines(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		limit int64
		want  string
	}{
		{"fits", "a\nb\n", 10, "a\nb\n"},
		{"exact", "aa\nbb\n", 6, "aa\nbb\n"},
		{"drop first", "aa\nbb\n", 5, "bb\n"},
		{"drop two", "aaaa\nb\nc\n", 4, "b\nc\n"},
		{"cut lands on a line start", "ab\ncd\nef\n", 6, "cd\nef\n"},
		{"last line too big", "a\nbbbbbb\n", 3, "bbbbbb\n"},
		{"no trailing newline", "aa\nbbbb", 4, "bbbb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(newestLines([]byte(tt.data), tt.limit)))
		})
	}
}

func TestLookupWhileAppending(t *testing.T) {
	home := t.TempDir()
	s := Open(home, PersistenceSaveAll, 0)
	require.NoError(t, s.Append("conv", "entry 0", time.Unix(0, 0)))
	id, _, err := s.Metadata()
	require.NoError(t, err)

	const n = 200
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 1; i < n; i++ {
			assert.NoError(t, s.Append("conv", "entry "+strconv.Itoa(i), time.Unix(int64(i), 0)))
		}
	})
	// Every lookup of an existing offset sees a complete entry.
	for i := range n {
		for {
			e, err := s.Lookup(id, i)
			require.NoError(t, err)
			if e != nil {
				assert.Equal(t, "entry "+strconv.Itoa(i), e.Text)
				break
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	wg.Wait()
	_, count, err := s.Metadata()
	require.NoError(t, err)
	assert.Equal(t, n, count)
}

func TestConcurrentProcesses(t *testing.T) {
	const children = 3
	home := t.TempDir()
	exe, err := os.Executable()
	require.NoError(t, err)

	cmds := make([]*exec.Cmd, children)
	starts := make([]*os.File, children)
	for i := range children {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), envChildHome+"="+home, envChildIndex+"="+strconv.Itoa(i))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		r, w, err := os.Pipe()
		require.NoError(t, err)
		cmd.Stdin = r
		require.NoError(t, cmd.Start())
		r.Close()
		cmds[i], starts[i] = cmd, w
		t.Cleanup(func() {
			if stderr.Len() > 0 {
				t.Logf("child %d stderr: %s", i, stderr.String())
			}
		})
	}
	// Release all children at once.
	for _, w := range starts {
		_, err := w.WriteString("go\n")
		require.NoError(t, err)
		require.NoError(t, w.Close())
	}
	for i, cmd := range cmds {
		require.NoError(t, cmd.Wait(), "child %d", i)
	}

	lines := readLines(t, filepath.Join(home, FileName))
	require.Len(t, lines, children*entriesPerChild)

	next := make([]int, children) // per child, the next expected entry number
	for n, line := range lines {
		var e Entry
		require.NoError(t, json.Unmarshal([]byte(line), &e), "line %d is one JSON object", n)
		parts := strings.SplitN(e.Text, "|", 3)
		require.Len(t, parts, 3, "line %d", n)
		child, err := strconv.Atoi(parts[0])
		require.NoError(t, err)
		seq, err := strconv.Atoi(parts[1])
		require.NoError(t, err)
		require.Equal(t, "child-"+parts[0], e.SessionID)
		require.Equal(t, strings.Repeat(parts[0], 3000), parts[2], "line %d body intact", n)
		require.Equal(t, next[child], seq, "child %d entries in order", child)
		next[child]++
	}
	for i, got := range next {
		assert.Equal(t, entriesPerChild, got, "all entries of child %d", i)
	}

	info, err := os.Stat(filepath.Join(home, FileName))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}

func TestConcurrentAppendWithTrim(t *testing.T) {
	home := t.TempDir()
	const writers, perWriter, limit = 4, 100, 2000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			s := Open(home, PersistenceSaveAll, limit)
			for i := range perWriter {
				assert.NoError(t, s.Append("w"+strconv.Itoa(w), fmt.Sprintf("%d|%03d", w, i), time.Unix(int64(i), 0)))
			}
		})
	}
	wg.Wait()

	path := filepath.Join(home, FileName)
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.LessOrEqual(t, info.Size(), int64(limit))

	lines := readLines(t, path)
	require.NotEmpty(t, lines)
	last := make(map[string]string)
	for _, line := range lines {
		var e Entry
		require.NoError(t, json.Unmarshal([]byte(line), &e))
		w, seq, ok := strings.Cut(e.Text, "|")
		require.True(t, ok)
		assert.Greater(t, seq, last[w], "entries of writer %s stay in order", w)
		last[w] = seq
	}
	entries, err := os.ReadDir(home)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary files left behind")
}
