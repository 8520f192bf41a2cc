package sandbox

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/codex-go/codex/internal/pathwalk"
	"github.com/codex-go/codex/protocol"
)

// HelperArg is the hidden first argument that makes the binary act as the
// Linux sandbox helper (see RunHelperIfRequested).
const HelperArg = "__codex_linux_sandbox"

// protectedName is the entry directly inside a writable root that stays
// read-only where the platform can express it.
const protectedName = ".git"

// WritableRoot is a directory writable under the policy, with subpaths kept read-only (e.g. <root>/.git).
type WritableRoot struct {
	// Root is the absolute, symlink-free path of the directory.
	Root string
	// ReadOnlySubpaths are existing paths below Root that stay read-only.
	ReadOnlySubpaths []string
}

// WritableRoots computes the directories a command may write to under p when
// it runs for the working directory cwd. getenv looks up environment variables
// of the command (TMPDIR).
//
// For workspace-write the candidates are cwd, every writable_roots entry
// (relative entries are taken relative to cwd), $TMPDIR unless
// exclude_tmpdir_env_var is set and /tmp unless exclude_slash_tmp is set.
// Candidates that do not exist or are not directories are dropped, symlinks
// are resolved and duplicates removed. For read-only the result is an empty,
// non-nil slice. For danger-full-access it is nil: everything is writable.
func WritableRoots(p protocol.SandboxPolicy, cwd string, getenv func(string) string) []WritableRoot {
	switch p.Mode {
	case protocol.SandboxDangerFullAccess:
		return nil
	case protocol.SandboxWorkspaceWrite:
	default:
		return []WritableRoot{}
	}

	candidates := []string{cwd}
	for _, r := range p.WritableRoots {
		if !filepath.IsAbs(r) {
			r = filepath.Join(cwd, r)
		}
		candidates = append(candidates, r)
	}
	if !p.ExcludeTmpdirEnvVar && getenv != nil {
		if tmp := getenv("TMPDIR"); tmp != "" {
			candidates = append(candidates, tmp)
		}
	}
	if !p.ExcludeSlashTmp {
		candidates = append(candidates, "/tmp")
	}

	roots := []WritableRoot{}
	seen := make(map[string]bool, len(candidates))
	for _, c := range candidates {
		dir, ok := existingDir(c)
		if !ok || seen[dir] {
			continue
		}
		seen[dir] = true
		roots = append(roots, WritableRoot{Root: dir, ReadOnlySubpaths: readOnlySubpaths(dir)})
	}
	return roots
}

// existingDir returns the absolute, symlink-free form of path when it names
// an existing directory.
func existingDir(path string) (string, bool) {
	resolved, ok := resolveExisting(path)
	if !ok {
		return "", false
	}
	info, err := os.Stat(resolved)
	if err != nil || !info.IsDir() {
		return "", false
	}
	return resolved, true
}

// resolveExisting returns the absolute, symlink-free form of an existing
// path.
func resolveExisting(path string) (string, bool) {
	if path == "" {
		return "", false
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", false
	}
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", false
	}
	return resolved, true
}

// readOnlySubpaths lists the protected entry of root when it exists: its
// .git, and when .git is a file pointing elsewhere ("gitdir: PATH", as in a
// linked worktree or a repository made with --separate-git-dir), the
// directory it points to and that directory's common directory (its
// "commondir" file), where the configuration and hooks live.
func readOnlySubpaths(root string) []string {
	p := filepath.Join(root, protectedName)
	info, err := os.Lstat(p)
	if err != nil {
		return nil
	}
	if resolved, err := filepath.EvalSymlinks(p); err == nil {
		p = resolved
		info, err = os.Stat(p)
		if err != nil {
			return []string{p}
		}
	}
	paths := []string{p}
	if !info.Mode().IsRegular() {
		return paths
	}
	gitDir, ok := pointedDir(p, "gitdir: ")
	if !ok {
		return paths
	}
	paths = append(paths, gitDir)
	if common, ok := pointedDir(filepath.Join(gitDir, "commondir"), ""); ok {
		paths = append(paths, common)
	}
	return paths
}

// pointedDir reads the file at path, whose content is prefix followed by a
// directory (relative to the file's own directory), and returns that
// directory resolved, when it exists.
func pointedDir(path, prefix string) (string, bool) {
	data, err := os.ReadFile(path)
	if err != nil || len(data) > 4096 {
		return "", false
	}
	target, ok := strings.CutPrefix(strings.TrimSpace(string(data)), prefix)
	if !ok || target == "" {
		return "", false
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(path), target)
	}
	return existingDir(target)
}

// linksOnPath returns where the symbolic links met while resolving the
// absolute path p lie (each with its directory resolved), in the order
// they are met (see pathwalk.Resolve).
func linksOnPath(p string) []string {
	_, links, _ := pathwalk.Resolve(p)
	return links
}
