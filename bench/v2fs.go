package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// The directory the fs/readDirectory benchmark lists: readDirEntries
// entries in one directory, one in readDirSubdirEvery a subdirectory and
// the others empty files.
const (
	readDirEntries     = 100_000
	readDirSubdirEvery = 100
	// readDirVersion names the layout of the directory. Change it whenever
	// the layout changes so that cached directories of the old layout are
	// not reused.
	readDirVersion = "v1"
	// methodFsReadDirectory lists a directory.
	methodFsReadDirectory = "fs/readDirectory"
)

// readDirName returns the name of entry i and whether it is a directory.
func readDirName(i int) (string, bool) {
	if i%readDirSubdirEvery == 0 {
		return fmt.Sprintf("dir_%06d", i), true
	}
	return fmt.Sprintf("file_%06d.txt", i), false
}

// readDirFixture returns the benchmark's directory under the OS temporary
// directory, building it on first use and reusing it in later runs (see
// ensureCached).
func (r *runner) readDirFixture() (string, error) {
	name := fmt.Sprintf("codex-bench-readdir-%s-%d", readDirVersion, readDirEntries)
	what := fmt.Sprintf("a directory of %d entries", readDirEntries)
	return ensureCached(os.TempDir(), name, "dir", what, r.log, func(dir string) error {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for i := range readDirEntries {
			name, isDir := readDirName(i)
			path := filepath.Join(dir, name)
			var err error
			if isDir {
				err = os.Mkdir(path, 0o755)
			} else {
				err = os.WriteFile(path, nil, 0o644)
			}
			if err != nil {
				return fmt.Errorf("create %s: %w", path, err)
			}
		}
		return nil
	})
}

// setupReadDir builds (or finds) the directory before either binary is
// measured, so that its progress lines stand on their own.
func setupReadDir(_ context.Context, r *runner) error {
	_, err := r.readDirFixture()
	return err
}

// readDirEntry is one entry of an fs/readDirectory answer.
type readDirEntry struct {
	FileName    string `json:"fileName"`
	IsDirectory bool   `json:"isDirectory"`
	IsFile      bool   `json:"isFile"`
}

// prepareReadDir starts one v2 app-server for all samples; each sample is
// one fs/readDirectory of the whole directory, whose answer must list
// every entry with its kind.
func prepareReadDir(ctx context.Context, r *runner, t *target) (sampleFunc, func() error, error) {
	dir, err := r.readDirFixture()
	if err != nil {
		return nil, nil, err
	}
	s, err := startV2Server(ctx, r, t)
	if err != nil {
		return nil, nil, err
	}
	params := map[string]any{"path": dir}
	sample := func(ctx context.Context) (float64, error) {
		ctx, cancel := context.WithTimeout(ctx, r.timeout)
		defer cancel()
		var resp struct {
			Entries []readDirEntry `json:"entries"`
		}
		start := time.Now()
		if err := s.client.Call(ctx, methodFsReadDirectory, params, &resp); err != nil {
			return 0, fmt.Errorf("%s: %w", methodFsReadDirectory, err)
		}
		elapsed := millisSince(start)
		if err := checkReadDir(resp.Entries); err != nil {
			return 0, err
		}
		return elapsed, nil
	}
	return sample, s.close, nil
}

// checkReadDir reports whether entries are exactly the directory's, each
// of the right kind, in any order.
func checkReadDir(entries []readDirEntry) error {
	if len(entries) != readDirEntries {
		return fmt.Errorf("%s listed %d entries, want %d", methodFsReadDirectory, len(entries), readDirEntries)
	}
	want := make(map[string]bool, readDirEntries)
	for i := range readDirEntries {
		name, isDir := readDirName(i)
		want[name] = isDir
	}
	for _, e := range entries {
		isDir, ok := want[e.FileName]
		if !ok {
			return fmt.Errorf("%s listed %q, which is not in the directory or came twice", methodFsReadDirectory, e.FileName)
		}
		if e.IsDirectory != isDir || e.IsFile == isDir {
			return fmt.Errorf("%s described %q as isDirectory=%v isFile=%v", methodFsReadDirectory, e.FileName, e.IsDirectory, e.IsFile)
		}
		delete(want, e.FileName)
	}
	return nil
}
