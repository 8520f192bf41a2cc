package patch

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// zeroOID is the object id git shows for a side of a diff that does not exist.
const zeroOID = "0000000000000000000000000000000000000000"

// TurnDiffTracker accumulates the net change made to files over several
// patches: it remembers each file's content from before the first patch that
// touched it and diffs that against the file's current content. It is safe
// for concurrent use.
type TurnDiffTracker struct {
	mu       sync.Mutex
	baseline map[string]trackedFile
}

// trackedFile is a file's state as the tracker sees it.
type trackedFile struct {
	exists  bool
	content string
	mode    fs.FileMode
}

// NewTurnDiffTracker returns a tracker with nothing recorded.
func NewTurnDiffTracker() *TurnDiffTracker {
	return &TurnDiffTracker{baseline: make(map[string]trackedFile)}
}

// readTracked reads path; a missing file is a state, not an error.
func readTracked(path string) (trackedFile, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return trackedFile{}, nil
	}
	if err != nil {
		return trackedFile{}, err
	}
	if info.IsDir() {
		return trackedFile{}, fmt.Errorf("%s is a directory", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return trackedFile{}, err
	}
	return trackedFile{exists: true, content: string(data), mode: info.Mode()}, nil
}

// Track records the current state of each absolute path not tracked yet. Call
// it with a plan's Paths before applying the plan. Paths that do not exist
// are recorded as absent, so files created later show as added.
func (t *TurnDiffTracker) Track(paths []string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var errs []error
	for _, p := range paths {
		p = filepath.Clean(p)
		if _, ok := t.baseline[p]; ok {
			continue
		}
		s, err := readTracked(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("track %s: %w", p, err))
			continue
		}
		t.baseline[p] = s
	}
	return errors.Join(errs...)
}

// Diff returns the git-style unified diff from the recorded states to the
// files' current contents, naming files relative to root when they are
// inside it. Added and deleted files are included. It returns "" when no
// tracked file differs from its recorded state. Files that cannot be read
// now are left out.
func (t *TurnDiffTracker) Diff(root string) string {
	t.mu.Lock()
	baseline := maps.Clone(t.baseline)
	t.mu.Unlock()

	type entry struct {
		name     string
		old, new trackedFile
	}
	var entries []entry
	for p, old := range baseline {
		cur, err := readTracked(p)
		if err != nil {
			continue
		}
		if old.exists == cur.exists && old.content == cur.content && gitMode(old.mode) == gitMode(cur.mode) {
			continue
		}
		entries = append(entries, entry{name: displayName(root, p), old: old, new: cur})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(gitFileDiff(e.name, e.old, e.new))
	}
	return b.String()
}

// displayName names path relative to root when inside it, otherwise by its
// absolute path, always with forward slashes: a file outside the root shows
// as "a//tmp/x" in the diff header, as codex-cli 0.45.0 shows it.
func displayName(root, path string) string {
	if root != "" {
		if abs, err := filepath.Abs(root); err == nil {
			if rel, err := filepath.Rel(abs, path); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return filepath.ToSlash(rel)
			}
		}
	}
	return filepath.ToSlash(path)
}

// gitMode is the mode git records for a regular file.
func gitMode(m fs.FileMode) string {
	if m&0o111 != 0 {
		return "100755"
	}
	return "100644"
}

// gitBlobID is git's object id for a blob holding content.
func gitBlobID(content string) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(content))
	h.Write([]byte(content))
	return hex.EncodeToString(h.Sum(nil))
}

// gitFileDiff renders one file's change the way `git diff` does.
func gitFileDiff(name string, old, cur trackedFile) string {
	var b strings.Builder
	fmt.Fprintf(&b, "diff --git a/%s b/%s\n", name, name)
	oldID, newID := zeroOID, zeroOID
	oldName, newName := "/dev/null", "/dev/null"
	if old.exists {
		oldID, oldName = gitBlobID(old.content), "a/"+name
	}
	if cur.exists {
		newID, newName = gitBlobID(cur.content), "b/"+name
	}
	switch {
	case !old.exists:
		fmt.Fprintf(&b, "new file mode %s\n", gitMode(cur.mode))
		fmt.Fprintf(&b, "index %s..%s\n", oldID, newID)
	case !cur.exists:
		fmt.Fprintf(&b, "deleted file mode %s\n", gitMode(old.mode))
		fmt.Fprintf(&b, "index %s..%s\n", oldID, newID)
	case gitMode(old.mode) != gitMode(cur.mode):
		fmt.Fprintf(&b, "old mode %s\nnew mode %s\n", gitMode(old.mode), gitMode(cur.mode))
		if old.content != cur.content {
			fmt.Fprintf(&b, "index %s..%s\n", oldID, newID)
		}
	default:
		fmt.Fprintf(&b, "index %s..%s %s\n", oldID, newID, gitMode(cur.mode))
	}
	if old.content != cur.content {
		b.WriteString("--- " + oldName + "\n+++ " + newName + "\n")
		b.WriteString(Hunks(old.content, cur.content, DefaultContext))
	}
	return b.String()
}
