// Package pathwalk resolves a path the way the kernel does when it opens
// it, component by component, and says which symbolic links it met.
package pathwalk

import (
	"os"
	"path/filepath"
	"strings"
)

// MaxLinks bounds how many symbolic links one resolution follows, like the
// kernel's ELOOP limit.
const MaxLinks = 40

// Resolve returns where the absolute path p leads: its components are
// walked from the root as the kernel does, following symbolic links (also
// dangling ones) and applying ".." to the resolved prefix; components that
// do not exist are taken literally. links lists where the symbolic links
// met lie (each with its directory resolved), in the order they were met.
// ok is false for a relative path, an unreadable link or too many links.
func Resolve(p string) (resolved string, links []string, ok bool) {
	if !filepath.IsAbs(p) {
		return "", nil, false
	}
	vol := filepath.VolumeName(p)
	sep := string(filepath.Separator)
	resolved = vol + sep
	pending := components(p[len(vol):])
	for len(pending) > 0 {
		c := pending[0]
		pending = pending[1:]
		switch c {
		case ".":
			continue
		case "..":
			resolved = filepath.Dir(resolved)
			continue
		}
		next := filepath.Join(resolved, c)
		info, err := os.Lstat(next)
		if err != nil || info.Mode()&os.ModeSymlink == 0 {
			resolved = next
			continue
		}
		if len(links) == MaxLinks {
			return "", links, false
		}
		links = append(links, next)
		target, err := os.Readlink(next)
		if err != nil {
			return "", links, false
		}
		if filepath.IsAbs(target) {
			tvol := filepath.VolumeName(target)
			resolved = tvol + sep
			target = target[len(tvol):]
		}
		pending = append(components(target), pending...)
	}
	return resolved, links, true
}

// components returns the non-empty components of p.
func components(p string) []string {
	return strings.FieldsFunc(p, func(r rune) bool { return r == filepath.Separator || r == '/' })
}
