package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/codex-go/codex/protocol"
)

// The file tree the fuzzy-search benchmark searches: fuzzyOuterDirs ×
// fuzzyInnerDirs leaf directories of fuzzyFilesPerDir files each, 100,000
// files in all.
const (
	fuzzyOuterDirs   = 40
	fuzzyInnerDirs   = 50
	fuzzyFilesPerDir = 50
	// fuzzyQuery is the query sent; it matches the files named after
	// fuzzyMatchingStems.
	fuzzyQuery = "srvhndl"
	// fuzzyTreeVersion names the layout of the tree. Change it whenever the
	// layout changes so that cached trees of the old layout are not reused.
	fuzzyTreeVersion = "v1"
)

// fuzzyStems are the stems of the file names, used in rotation. The first
// two contain fuzzyQuery as a subsequence; the others, together with the
// directory names and extensions, do not.
func fuzzyStems() []string {
	return []string{
		"server_handler", "srv_handle",
		"router", "config", "model", "client", "util", "parser", "index",
		"readme", "types", "schema", "worker", "driver", "store", "cache",
	}
}

// fuzzyMatchingStems is how many of fuzzyStems, from the start, match
// fuzzyQuery.
const fuzzyMatchingStems = 2

// fuzzyExtensions are the file extensions, used in rotation.
func fuzzyExtensions() []string {
	return []string{".go", ".rs", ".ts", ".md", ".py"}
}

// fuzzyFileName returns the name of file f in leaf directory d (counting
// across the whole tree) and whether it matches fuzzyQuery.
func fuzzyFileName(d, f int) (string, bool) {
	stems, exts := fuzzyStems(), fuzzyExtensions()
	k := (d + f) % len(stems)
	return fmt.Sprintf("%s_%02d%s", stems[k], f, exts[f%len(exts)]), k < fuzzyMatchingStems
}

// ensureFuzzyTree returns the root of a tree of outer × inner directories
// holding files empty files each, kept under base across runs (see
// ensureCached). Progress goes to log.
func ensureFuzzyTree(base string, outer, inner, files int, log io.Writer) (string, error) {
	name := fmt.Sprintf("codex-bench-fuzzy-%s-%dx%dx%d", fuzzyTreeVersion, outer, inner, files)
	what := fmt.Sprintf("a tree of %d files", outer*inner*files)
	return ensureCached(base, name, "tree", what, log, func(root string) error {
		return writeFuzzyTree(root, outer, inner, files)
	})
}

// writeFuzzyTree creates the tree's directories and empty files under root.
func writeFuzzyTree(root string, outer, inner, files int) error {
	for o := range outer {
		for i := range inner {
			d := o*inner + i
			dir := filepath.Join(root, fmt.Sprintf("mod%02d", o), fmt.Sprintf("pkg%02d", i))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("create %s: %w", dir, err)
			}
			for f := range files {
				name, _ := fuzzyFileName(d, f)
				if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
					return fmt.Errorf("create file: %w", err)
				}
			}
		}
	}
	return nil
}

// fuzzyTree returns the benchmark's tree under the OS temp directory,
// building it on first use.
func (r *runner) fuzzyTree() (string, error) {
	if r.fixtures.fuzzyRoot != "" {
		return r.fixtures.fuzzyRoot, nil
	}
	root, err := ensureFuzzyTree(os.TempDir(), fuzzyOuterDirs, fuzzyInnerDirs, fuzzyFilesPerDir, r.log)
	if err != nil {
		return "", err
	}
	r.fixtures.fuzzyRoot = root
	return root, nil
}

// setupFuzzyTree builds (or finds) the tree before either binary is
// measured, so that its progress lines stand on their own.
func setupFuzzyTree(_ context.Context, r *runner) error {
	_, err := r.fuzzyTree()
	return err
}

// prepareFuzzySearch starts one app-server for all samples; each sample is
// one fuzzyFileSearch for fuzzyQuery over the whole tree, which must return
// matching files.
func prepareFuzzySearch(ctx context.Context, r *runner, t *target) (sampleFunc, func() error, error) {
	root, err := r.fuzzyTree()
	if err != nil {
		return nil, nil, err
	}
	s, err := startServer(ctx, r, t)
	if err != nil {
		return nil, nil, err
	}
	params := protocol.FuzzyFileSearchParams{Query: fuzzyQuery, Roots: []string{root}}
	sample := func(ctx context.Context) (float64, error) {
		ctx, cancel := context.WithTimeout(ctx, r.timeout)
		defer cancel()
		var resp protocol.FuzzyFileSearchResponse
		start := time.Now()
		if err := s.client.Call(ctx, protocol.MethodFuzzyFileSearch, params, &resp); err != nil {
			return 0, fmt.Errorf("fuzzyFileSearch: %w", err)
		}
		elapsed := millisSince(start)
		if err := checkFuzzyResults(resp, root); err != nil {
			return 0, err
		}
		return elapsed, nil
	}
	return sample, s.close, nil
}

// checkFuzzyResults reports whether resp holds at least one file, and only
// files under root named after a matching stem.
func checkFuzzyResults(resp protocol.FuzzyFileSearchResponse, root string) error {
	if len(resp.Files) == 0 {
		return errors.New("fuzzyFileSearch found no files")
	}
	matching := map[string]bool{}
	for _, stem := range fuzzyStems()[:fuzzyMatchingStems] {
		matching[stem] = true
	}
	for _, f := range resp.Files {
		if f.Root != root {
			return fmt.Errorf("fuzzyFileSearch result %q has root %q, want %q", f.Path, f.Root, root)
		}
		if !matching[stemOf(f.FileName)] {
			return fmt.Errorf("fuzzyFileSearch returned %q, which does not match %q", f.Path, fuzzyQuery)
		}
	}
	return nil
}

// stemOf returns a generated file name without its "_NN.ext" suffix.
func stemOf(name string) string {
	name = name[:len(name)-len(filepath.Ext(name))]
	if i := len(name) - 3; i >= 0 && name[i] == '_' {
		return name[:i]
	}
	return name
}
