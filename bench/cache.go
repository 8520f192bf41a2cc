package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// cacheStamp is the file a cached input's directory holds once it is
// complete.
const cacheStamp = "complete"

// ensureCached returns base/name/content, an input too slow to create on
// every run, building it on first use with build and reusing it in this and
// later runs. build fills the directory it is given (the future
// base/name/content). The input is built in a staging directory under base
// that is renamed into place only once complete, so an interrupted run
// never leaves a partial input behind that looks complete; a directory
// without the stamp is discarded and built again. Progress goes to log,
// described by what.
func ensureCached(base, name, content, what string, log io.Writer, build func(dir string) error) (string, error) {
	dir := filepath.Join(base, name)
	root := filepath.Join(dir, content)
	stamp := filepath.Join(dir, cacheStamp)
	if _, err := os.Stat(stamp); err == nil {
		return root, nil
	}
	fmt.Fprintf(log, "creating %s in %s (kept for later runs) ...\n", what, dir)
	start := time.Now()
	staging, err := os.MkdirTemp(base, name+".building-")
	if err != nil {
		return "", fmt.Errorf("create staging directory: %w", err)
	}
	defer os.RemoveAll(staging)
	if err := build(filepath.Join(staging, content)); err != nil {
		return "", fmt.Errorf("create %s: %w", what, err)
	}
	if err := os.WriteFile(filepath.Join(staging, cacheStamp), []byte(name+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("write stamp: %w", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", fmt.Errorf("remove incomplete %s: %w", dir, err)
	}
	if err := os.Rename(staging, dir); err != nil {
		// Another run may have finished the same input first.
		if _, statErr := os.Stat(stamp); statErr == nil {
			return root, nil
		}
		return "", fmt.Errorf("move %s into place: %w", dir, err)
	}
	fmt.Fprintf(log, "created in %.1f s\n", time.Since(start).Seconds())
	return root, nil
}
