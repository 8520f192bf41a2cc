// Package projectdoc discovers the user instructions sent to the model: the
// global $CODEX_HOME/AGENTS.md and the AGENTS.md files of the project, from
// the repository root down to the working directory.
package projectdoc

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// FileName is the name of the instruction files looked for.
const FileName = "AGENTS.md"

// ProjectSeparator separates the global instructions from the project ones
// when both are present.
const ProjectSeparator = "\n\n--- project-doc ---\n\n"

// Discover returns the combined user instructions for a conversation whose
// working directory is cwd, or "" when there are none.
//
// The global part is $CODEX_HOME/AGENTS.md, trimmed (skipped when codexHome is
// empty or the file is missing or blank). The project part is every AGENTS.md
// from the repository root (the nearest ancestor of cwd holding a .git
// directory or file; cwd alone when there is none) down to cwd, root first,
// joined with a blank line. At most maxBytes bytes of project files are read
// in total, the last one being truncated; maxBytes <= 0 disables project docs.
func Discover(cwd, codexHome string, maxBytes int) (string, error) {
	global, err := readGlobal(codexHome)
	if err != nil {
		return "", err
	}
	project, err := readProject(cwd, maxBytes)
	if err != nil {
		return "", err
	}
	switch {
	case global != "" && project != "":
		return global + ProjectSeparator + project, nil
	case global != "":
		return global, nil
	default:
		return project, nil
	}
}

func readGlobal(codexHome string) (string, error) {
	if codexHome == "" {
		return "", nil
	}
	path := filepath.Join(codexHome, FileName)
	info, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		return "", fmt.Errorf("stat global instructions %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return "", nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read global instructions %s: %w", path, err)
	}
	return strings.TrimSpace(string(data)), nil
}

func readProject(cwd string, maxBytes int) (string, error) {
	if maxBytes <= 0 {
		return "", nil
	}
	dir, err := filepath.Abs(cwd)
	if err != nil {
		return "", fmt.Errorf("resolve working directory %q: %w", cwd, err)
	}
	dirs := searchDirs(dir)

	var parts []string
	remaining := maxBytes
	for _, d := range dirs {
		if remaining <= 0 {
			break
		}
		path := filepath.Join(d, FileName)
		data, err := readCapped(path, remaining)
		if err != nil {
			return "", err
		}
		remaining -= len(data)
		if text := strings.TrimSpace(string(data)); text != "" {
			parts = append(parts, text)
		}
	}
	return strings.Join(parts, "\n\n"), nil
}

// GitRoot returns the nearest ancestor of dir (dir included) that holds a
// .git directory or file, and whether there is one.
func GitRoot(dir string) (string, bool) {
	for d := dir; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d, true
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", false
		}
		d = parent
	}
}

// searchDirs lists the directories whose AGENTS.md apply to dir, outermost
// first: from the repository root down to dir, or dir alone outside a
// repository.
func searchDirs(dir string) []string {
	root, ok := GitRoot(dir)
	if !ok {
		return []string{dir}
	}
	chain := []string{dir}
	for d := dir; d != root; {
		d = filepath.Dir(d)
		chain = append(chain, d)
	}
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	return chain
}

// readCapped reads at most limit bytes of the regular file at path. A missing
// file or a path that is not a regular file yields no data. Truncated text is
// cut back to the last complete UTF-8 character.
func readCapped(path string, limit int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("open project doc %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat project doc %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("read project doc %s: %w", path, err)
	}
	if len(data) == limit && info.Size() > int64(limit) {
		data = trimPartialRune(data)
	}
	return data, nil
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}
