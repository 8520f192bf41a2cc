package patch

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// dirID identifies a directory independently of the path that leads to it.
type dirID struct {
	// Dev is the device number of the file system.
	Dev uint64 `json:"dev"`
	// Ino is the inode number on that device.
	Ino uint64 `json:"ino"`
}

// place is where Apply reaches a path: rel below dir, a directory that
// existed and had no symbolic link in its path when the plan was verified.
type place struct {
	// dir is the absolute, symlink-free directory.
	dir string
	// id is dir's identity at verification; nil where the system gives none.
	id *dirID
	// rel is the path below dir, possibly through directories to create.
	rel string
}

// places are the two ways a path of the plan is reached.
type places struct {
	// target is where the file's content is read and written. For a file
	// that was a symbolic link at verification, it is the file the link
	// pointed to.
	target place
	// entry is the directory entry of the path itself, which a deletion
	// removes.
	entry place
}

// locateAll records the places of every path the plan reads or writes.
func (pl *Plan) locateAll() error {
	pl.places = make(map[string]places, len(pl.original))
	for _, p := range slices.Sorted(maps.Keys(pl.original)) {
		entry, err := locate(p)
		if err != nil {
			return err
		}
		target := entry
		if pl.original[p].exists {
			resolved, err := filepath.EvalSymlinks(p)
			if err != nil {
				return fmt.Errorf("resolve %s: %w", p, err)
			}
			if resolved != p {
				if target, err = locate(resolved); err != nil {
					return err
				}
			}
		}
		pl.places[p] = places{target: target, entry: entry}
	}
	return nil
}

// locate finds the place of the absolute path p: its nearest ancestor that
// is an existing directory, resolved to a symlink-free path.
func locate(p string) (place, error) {
	dir := filepath.Dir(p)
	for {
		if info, err := os.Stat(dir); err == nil && info.IsDir() {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return place{}, fmt.Errorf("locate %s: no existing directory above it", p)
		}
		dir = parent
	}
	rel, err := filepath.Rel(dir, p)
	if err != nil {
		return place{}, fmt.Errorf("locate %s: %w", p, err)
	}
	resolved, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return place{}, fmt.Errorf("locate %s: %w", p, err)
	}
	info, err := os.Stat(resolved)
	if err != nil {
		return place{}, fmt.Errorf("locate %s: %w", p, err)
	}
	if !info.IsDir() {
		return place{}, fmt.Errorf("locate %s: %s is not a directory", p, resolved)
	}
	pl := place{dir: resolved, rel: rel}
	if id, ok := identity(info); ok {
		pl.id = &id
	}
	return pl, nil
}

// openDirs holds the directories Apply has opened, so that each is opened
// and checked once.
type openDirs struct {
	roots map[string]*os.Root
	ids   map[string]*dirID
}

// newOpenDirs returns an empty set of opened directories.
func newOpenDirs() *openDirs {
	return &openDirs{roots: map[string]*os.Root{}, ids: map[string]*dirID{}}
}

// reach opens pl's directory (or reuses it) and checks that it is the
// directory found at verification. It returns the root to use with pl.rel.
func (d *openDirs) reach(pl place) (*os.Root, string, error) {
	if pl.dir == "" {
		return nil, "", errors.New("the plan does not say where the file is")
	}
	root, ok := d.roots[pl.dir]
	if !ok {
		r, err := os.OpenRoot(pl.dir)
		if err != nil {
			return nil, "", err
		}
		info, err := r.Stat(".")
		if err != nil {
			_ = r.Close()
			return nil, "", err
		}
		var id *dirID
		if v, ok := identity(info); ok {
			id = &v
		}
		root = r
		d.roots[pl.dir] = r
		d.ids[pl.dir] = id
	}
	if pl.id != nil {
		if now := d.ids[pl.dir]; now == nil || *now != *pl.id {
			return nil, "", fmt.Errorf("%s changed on disk after the patch was verified", pl.dir)
		}
	}
	return root, pl.rel, nil
}

// close closes every opened directory.
func (d *openDirs) close() {
	for _, r := range d.roots {
		_ = r.Close()
	}
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
