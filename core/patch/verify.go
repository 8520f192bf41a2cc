package patch

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/codex-go/codex/protocol"
)

// newFilePerm is the permission of files the patch creates.
const newFilePerm fs.FileMode = 0o644

// fileState is what a path holds: nothing, or a regular file.
type fileState struct {
	exists  bool
	content string
	// perm is the permission to give the file when writing it; 0 leaves an
	// existing file's permission alone and uses newFilePerm for a new one.
	perm fs.FileMode
}

func (s fileState) sameAs(o fileState) bool {
	return s.exists == o.exists && s.content == o.content
}

// fileReader is what reading a file's state needs: the file system by path
// (osFiles) or below a root (*os.Root).
type fileReader interface {
	Stat(name string) (fs.FileInfo, error)
	ReadFile(name string) ([]byte, error)
}

// osFiles reads files by path.
type osFiles struct{}

// Stat is os.Stat.
func (osFiles) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

// ReadFile is os.ReadFile.
func (osFiles) ReadFile(name string) ([]byte, error) { return os.ReadFile(name) }

// readState reads path from disk. A missing path is a state, not an error;
// a directory or unreadable file is an error.
func readState(path string) (fileState, error) {
	return readStateFrom(osFiles{}, path, path)
}

// readStateIn is readState for rel below root; path names the file in
// errors.
func readStateIn(root *os.Root, rel, path string) (fileState, error) {
	return readStateFrom(root, rel, path)
}

// readStateFrom reads name from files; path names the file in errors.
func readStateFrom(files fileReader, name, path string) (fileState, error) {
	info, err := files.Stat(name)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return fileState{}, nil
	}
	if err != nil {
		return fileState{}, err
	}
	if info.IsDir() {
		return fileState{}, fmt.Errorf("%s is a directory", path)
	}
	data, err := files.ReadFile(name)
	if err != nil {
		return fileState{}, err
	}
	return fileState{exists: true, content: string(data), perm: info.Mode().Perm()}, nil
}

// Plan is the verified effect of a patch: what every touched file will hold.
// Nothing is written until Apply.
type Plan struct {
	// Changes describes each file operation keyed by absolute path (the
	// source path for a move).
	Changes map[string]protocol.FileChange

	// original is the disk state of every touched path when verified.
	original map[string]fileState
	// final is the state every touched path will have after Apply.
	final map[string]fileState
	// summary lists "A path", "M path", "D path" entries in patch order.
	summary []string
	// places tells, for every path of original and final, where Apply
	// reaches it.
	places map[string]places
}

// Verify computes the effect of p against the filesystem, resolving relative
// paths against cwd, without writing anything. Every file to update or delete
// must exist and every chunk must match; operations see the effect of the
// ones before them, so a patch may add a file and then update it.
func Verify(p *Patch, cwd string) (*Plan, error) {
	if p == nil || len(p.Hunks) == 0 {
		return nil, errors.New("the patch contains no file operations")
	}
	root, err := filepath.Abs(cwd)
	if err != nil {
		return nil, fmt.Errorf("resolve working directory %q: %w", cwd, err)
	}
	pl := &Plan{
		Changes:  make(map[string]protocol.FileChange),
		original: make(map[string]fileState),
		final:    make(map[string]fileState),
	}
	for _, op := range p.Hunks {
		if err := pl.verifyOp(op, root); err != nil {
			return nil, err
		}
	}
	if err := pl.checkParents(); err != nil {
		return nil, err
	}
	if err := pl.locateAll(); err != nil {
		return nil, err
	}
	return pl, nil
}

// checkParents makes sure no file to be written sits below a path that will
// be a file.
func (pl *Plan) checkParents() error {
	for _, p := range pl.Paths() {
		if !pl.final[p].exists {
			continue
		}
		for dir := filepath.Dir(p); dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
			if s, ok := pl.final[dir]; ok {
				if s.exists {
					return fmt.Errorf("cannot write %s: %s is a file", p, dir)
				}
				continue
			}
			info, err := os.Stat(dir)
			if err != nil {
				continue
			}
			if !info.IsDir() {
				return fmt.Errorf("cannot write %s: %s is not a directory", p, dir)
			}
			break
		}
	}
	return nil
}

// resolvePath makes path absolute against root.
func resolvePath(root, path string) string {
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(root, path)
}

// state returns what path holds at this point of the patch.
func (pl *Plan) state(path string) (fileState, error) {
	if s, ok := pl.final[path]; ok {
		return s, nil
	}
	if s, ok := pl.original[path]; ok {
		return s, nil
	}
	s, err := readState(path)
	if err != nil {
		return fileState{}, err
	}
	pl.original[path] = s
	return s, nil
}

func (pl *Plan) verifyOp(op FileOp, root string) error {
	path := resolvePath(root, op.Path)
	cur, err := pl.state(path)
	switch op.Kind {
	case OpAdd:
		if err != nil {
			return fmt.Errorf("add %s: %w", op.Path, err)
		}
		pl.final[path] = fileState{exists: true, content: op.Contents}
		pl.Changes[path] = protocol.FileChange{Add: &protocol.FileAdd{Content: op.Contents}}
		pl.summary = append(pl.summary, "A "+op.Path)
	case OpDelete:
		if err != nil {
			return fmt.Errorf("delete %s: %w", op.Path, err)
		}
		if !cur.exists {
			return fmt.Errorf("delete %s: file does not exist", op.Path)
		}
		pl.final[path] = fileState{}
		pl.Changes[path] = protocol.FileChange{Delete: &protocol.FileDelete{Content: cur.content}}
		pl.summary = append(pl.summary, "D "+op.Path)
	case OpUpdate:
		if err != nil {
			return fmt.Errorf("update %s: %w", op.Path, err)
		}
		if !cur.exists {
			return fmt.Errorf("update %s: file does not exist", op.Path)
		}
		newContent, err := applyChunks(cur.content, op.Chunks, op.Path)
		if err != nil {
			return fmt.Errorf("update %w", err)
		}
		change := &protocol.FileUpdate{UnifiedDiff: Hunks(cur.content, newContent, 1)}
		shown := op.Path
		if op.MovePath != "" {
			dest := resolvePath(root, op.MovePath)
			if _, err := pl.state(dest); err != nil {
				return fmt.Errorf("move %s to %s: %w", op.Path, op.MovePath, err)
			}
			change.MovePath = &dest
			shown = op.MovePath
			pl.final[path] = fileState{}
			pl.final[dest] = fileState{exists: true, content: newContent, perm: cur.perm}
		} else {
			pl.final[path] = fileState{exists: true, content: newContent, perm: cur.perm}
		}
		if prev, ok := pl.Changes[path]; ok && prev.Add != nil && op.MovePath == "" {
			// Added earlier in this patch: report the file's final content.
			pl.Changes[path] = protocol.FileChange{Add: &protocol.FileAdd{Content: newContent}}
		} else {
			pl.Changes[path] = protocol.FileChange{Update: change}
		}
		pl.summary = append(pl.summary, "M "+shown)
	default:
		return fmt.Errorf("%s: unknown operation %v", op.Path, op.Kind)
	}
	return nil
}

// Paths returns every absolute path the plan writes or removes, including
// move destinations, sorted.
func (pl *Plan) Paths() []string {
	return slices.Sorted(maps.Keys(pl.final))
}

// Summary returns the report Apply gives on success: one "A", "M" or "D"
// line per operation, naming files as the patch wrote them.
func (pl *Plan) Summary() string {
	var b strings.Builder
	b.WriteString("Success. Updated the following files:\n")
	for _, s := range pl.summary {
		b.WriteString(s + "\n")
	}
	return b.String()
}

// Apply writes the plan to disk, creating parent directories as needed, and
// returns the summary. It first checks that no touched file changed since
// Verify and writes nothing if one did.
//
// Every path is reached from a directory that existed, free of symbolic
// links, when the plan was verified (the file's parent, or its nearest
// existing ancestor when directories are to be created), through an os.Root
// opened on that directory. This guarantees that:
//
//   - a directory replaced after verification, for instance by a symbolic
//     link to somewhere else, fails the patch instead of redirecting it: the
//     opened directory must be the one verified (same device and inode, on
//     systems that have them);
//   - nothing is read, written or removed outside those directories: a
//     symbolic link that appears below them after verification is followed
//     only when it stays inside them, and directories to create are created
//     below them;
//   - a file that was a symbolic link when verified is updated at the file
//     it pointed to then, as writing through the link would have done, and
//     deleting it removes the link itself.
//
// It does not guarantee anything about what happened during verification
// (the directories are taken as Verify found them), nor that the whole
// patch lands or none of it: a failure part way leaves the files written
// before it. Confinement to the writable roots of a sandbox is not Apply's
// job; auto-approved patches are applied by ApplyMain inside the sandbox.
func (pl *Plan) Apply() (string, error) {
	dirs := newOpenDirs()
	defer dirs.close()
	for _, p := range slices.Sorted(maps.Keys(pl.original)) {
		root, rel, err := dirs.reach(pl.places[p].target)
		if err != nil {
			return "", fmt.Errorf("recheck %s: %w", p, err)
		}
		now, err := readStateIn(root, rel, p)
		if err != nil {
			return "", fmt.Errorf("recheck %s: %w", p, err)
		}
		if !now.sameAs(pl.original[p]) {
			return "", fmt.Errorf("%s changed on disk after the patch was verified", p)
		}
	}
	paths := pl.Paths()
	// Removals first, so a removed file may make room for a directory.
	for _, p := range paths {
		if pl.final[p].exists {
			continue
		}
		root, rel, err := dirs.reach(pl.places[p].entry)
		if err != nil {
			return "", fmt.Errorf("delete %s: %w", p, err)
		}
		if err := root.Remove(rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("delete %s: %w", p, err)
		}
	}
	for _, p := range paths {
		s := pl.final[p]
		if !s.exists {
			continue
		}
		root, rel, err := dirs.reach(pl.places[p].target)
		if err != nil {
			return "", fmt.Errorf("write %s: %w", p, err)
		}
		if parent := filepath.Dir(rel); parent != "." {
			if err := root.MkdirAll(parent, 0o755); err != nil {
				return "", fmt.Errorf("create parent directories of %s: %w", p, err)
			}
		}
		if err := writeFileIn(root, rel, s); err != nil {
			return "", fmt.Errorf("write %s: %w", p, err)
		}
	}
	return pl.Summary(), nil
}

// writeFileIn replaces the content of rel below root with s.content,
// creating it with newFilePerm (less the umask) when it does not exist and
// giving it s.perm when that is set.
func writeFileIn(root *os.Root, rel string, s fileState) error {
	perm := s.perm
	if perm == 0 {
		perm = newFilePerm
	}
	f, err := root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s.content); err != nil {
		_ = f.Close()
		return err
	}
	if s.perm != 0 {
		if err := f.Chmod(s.perm); err != nil {
			_ = f.Close()
			return fmt.Errorf("set permissions: %w", err)
		}
	}
	return f.Close()
}
