package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// mountPlan is what isolateFiles does to the helper's private mount table.
type mountPlan struct {
	// writable are the writable roots that stay writable: existing,
	// symlink-free directories, none below another, shortest first.
	writable []string
	// readOnly are existing paths below a writable root that are bound
	// read-only on top of it (each root's .git...), none of them holding a
	// writable root.
	readOnly []string
	// private are existing directories covered with an empty read-only
	// directory (CODEX_HOME), but for the writable roots inside them,
	// which holes lists by private directory.
	private []string
	holes   map[string][]string
	// pinned are the directories between a writable root and a protected
	// path (read-only, private or a link leading to one), bound onto
	// themselves (still writable) so that, being mount points, they cannot
	// be renamed: renaming one would take the protected path with it and
	// leave its place free for a copy.
	pinned []string
	// links are the symbolic links inside writable roots through which a
	// protected path is reached, bound onto themselves so that they cannot
	// be removed or replaced by a link to a copy.
	links []string
	// hidden are existing files covered with an empty character device.
	hidden []string
	// freshPTS asks for a pseudo-terminal instance of the command's own on
	// /dev/pts (only when the command was given no terminal).
	freshPTS bool
	// privateShm makes the empty /dev/shm of the command's own writable
	// (when it may write at all), for POSIX shared memory and semaphores
	// (Python's multiprocessing, for one).
	privateShm bool
}

// mountPlanFor computes the mount plan for the writable roots of a policy
// and the paths of prot.
func mountPlanFor(roots []WritableRoot, prot Protection, freshPTS bool) mountPlan {
	plan := mountPlan{freshPTS: freshPTS, privateShm: len(roots) > 0, holes: map[string][]string{}}
	var dirs []string
	for _, r := range roots {
		dirs = append(dirs, r.Root)
	}
	slices.Sort(dirs)
	for _, d := range dirs {
		if !insideAnyDir(plan.writable, d) {
			plan.writable = append(plan.writable, d)
		}
	}
	for _, p := range prot.Private {
		resolved, ok := existingDir(p)
		if !ok || slices.Contains(plan.private, resolved) {
			continue
		}
		if slices.Contains(dirs, resolved) {
			// It is a writable root itself: only its hidden files are
			// protected.
			continue
		}
		var holes []string
		for _, root := range dirs {
			if insideAnyDir([]string{resolved}, root) && !insideAnyDir(holes, root) {
				holes = append(holes, root)
			}
		}
		plan.private = append(plan.private, resolved)
		plan.holes[resolved] = holes
	}
	// coversRoot reports whether binding p read-only would cover a
	// writable root.
	coversRoot := func(p string) bool {
		return slices.ContainsFunc(dirs, func(root string) bool { return insideAnyDir([]string{p}, root) })
	}
	// raw are the protected paths as given, to find the links on the way.
	var raw []string
	addReadOnly := func(p string) {
		if insideAnyDir(plan.writable, p) && !insideAnyDir(plan.private, p) && !coversRoot(p) && !slices.Contains(plan.readOnly, p) {
			plan.readOnly = append(plan.readOnly, p)
		}
	}
	for _, r := range roots {
		raw = append(raw, filepath.Join(r.Root, protectedName))
		for _, sub := range r.ReadOnlySubpaths {
			addReadOnly(sub)
		}
	}
	for _, p := range prot.ReadOnly {
		raw = append(raw, p)
		if resolved, ok := resolveExisting(p); ok {
			addReadOnly(resolved)
		}
	}
	raw = append(raw, prot.Private...)
	for _, p := range prot.Hidden {
		raw = append(raw, p)
		resolved, ok := resolveExisting(p)
		if !ok || insideAnyDir(plan.private, resolved) {
			continue
		}
		if info, err := os.Stat(resolved); err == nil && !info.IsDir() && !slices.Contains(plan.hidden, resolved) {
			plan.hidden = append(plan.hidden, resolved)
		}
	}
	for _, p := range raw {
		for _, link := range linksOnPath(p) {
			if insideAnyDir(plan.writable, link) && !slices.Contains(plan.links, link) {
				plan.links = append(plan.links, link)
			}
		}
	}
	pin := func(paths []string) {
		for _, p := range paths {
			for _, dir := range between(plan.writable, p) {
				if !slices.Contains(plan.pinned, dir) && !slices.Contains(plan.readOnly, dir) && !slices.Contains(plan.private, dir) {
					plan.pinned = append(plan.pinned, dir)
				}
			}
		}
	}
	pin(plan.readOnly)
	pin(plan.links)
	pin(slices.DeleteFunc(slices.Clone(plan.private), func(p string) bool { return !insideAnyDir(plan.writable, p) }))
	// Outer paths first, so that an inner bind lands on top of an outer one.
	byDepth := func(a, b string) int { return strings.Count(a, "/") - strings.Count(b, "/") }
	slices.SortFunc(plan.readOnly, byDepth)
	slices.SortFunc(plan.pinned, byDepth)
	return plan
}

// between returns the directories strictly between the writable root (one
// of roots) that holds p and p itself, outermost first.
func between(roots []string, p string) []string {
	var dirs []string
	for dir := filepath.Dir(p); dir != p && !slices.Contains(roots, dir) && insideAnyDir(roots, dir); dir = filepath.Dir(dir) {
		dirs = append(dirs, dir)
		p = dir
	}
	slices.Reverse(dirs)
	return dirs
}

// insideAnyDir reports whether p is one of dirs or below one of them; all
// are clean absolute paths.
func insideAnyDir(dirs []string, p string) bool {
	for _, d := range dirs {
		if p == d || strings.HasPrefix(p, strings.TrimSuffix(d, "/")+"/") {
			return true
		}
	}
	return false
}

// isolateFiles rearranges the private mount table the process got before
// the Go runtime started (see preinit_linux.c), before the restrictions are
// applied:
//
//  1. Every mount becomes read-only, except the writable roots, which are
//     cloned beforehand with their original flags and put back on top. So
//     outside the roots not only writing (which Landlock refuses too) but
//     also changing modes, owners, times and extended attributes fails,
//     even for root.
//  2. The plan's read-only paths (each root's .git, CODEX_HOME when a root
//     lies inside it) are bound read-only on top of the roots; being mount
//     points, they can neither be renamed nor removed, and neither can the
//     directories between them and their root, nor the symbolic links that
//     lead to them, which are bound onto themselves first. The private
//     directories (CODEX_HOME) are covered with an empty read-only
//     directory, in which only the writable roots inside them show (see
//     privateView): what the server writes there later (a renewed
//     auth.json replaces the file, which would drop a cover on the file
//     alone) stays out of sight.
//  3. /proc, which the constructor mounted for the PID namespace, is
//     read-only like every other mount.
//  4. The hidden files (the credentials in CODEX_HOME) are covered.
//  5. Without a terminal of its own, the command gets a new /dev/pts, so
//     other terminals are not even visible; it also gets an empty
//     /dev/shm of its own, writable under a policy with writable roots.
//
// A step that fails before changing anything is skipped and recorded in m
// (Landlock still refuses every write outside the roots). A failure that
// would leave the sandbox wrong (a writable root left read-only) is
// returned.
func isolateFiles(plan mountPlan, m *measures) error {
	if err := readOnlyOutsideRoots(plan.writable); err != nil {
		if errors.Is(err, errRootsLost) {
			return err
		}
		m.miss(measureReadOnlyMounts, err)
	} else {
		m.add(measureReadOnlyMounts)
		for _, dir := range plan.pinned {
			if err := bindOnItself(dir, false); err != nil {
				m.miss(measure("pin "+dir), err)
			}
		}
		for _, link := range plan.links {
			if err := bindLinkOnItself(link); err != nil {
				m.miss(measure("pin "+link), err)
			}
		}
		for _, p := range plan.readOnly {
			if err := bindReadOnly(p); err != nil {
				m.miss(measure("read-only "+p), err)
				continue
			}
			m.protected = append(m.protected, p)
		}
	}
	for _, dir := range plan.private {
		if err := privateView(dir, plan.holes[dir]); err != nil {
			if errors.Is(err, errRootsLost) {
				return err
			}
			m.miss(measure("hide "+dir), err)
			continue
		}
		m.hidden = append(m.hidden, dir+"/")
	}
	// The constructor mounted /proc for the namespace, and the first step
	// made it read-only like every other mount.
	m.add(measurePIDNamespace)
	for _, p := range plan.hidden {
		if err := unix.Mount("/dev/null", p, "", unix.MS_BIND, ""); err != nil {
			m.miss(measure("hide "+p), err)
			continue
		}
		m.hidden = append(m.hidden, p)
	}
	// The machine's /dev/shm is hidden either way; the command's own is
	// writable only when the policy lets it write.
	shmFlags := uintptr(unix.MS_NOSUID | unix.MS_NODEV)
	if !plan.privateShm {
		shmFlags |= unix.MS_RDONLY
	}
	if err := unix.Mount("tmpfs", "/dev/shm", "tmpfs", shmFlags, "mode=1777"); err == nil && plan.privateShm {
		m.add(measurePrivateShm)
	}
	if plan.freshPTS {
		// Without it Landlock still keeps the other terminals unwritable.
		if err := unix.Mount("devpts", "/dev/pts", "devpts", unix.MS_NOSUID|unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"); err == nil {
			m.add(measureFreshPTS)
		}
	}
	return nil
}

// errRootsLost marks a failure after the file system became read-only
// that left a writable root read-only.
var errRootsLost = errors.New("sandbox: a writable root could not be kept writable")

// readOnlyOutsideRoots makes every mount read-only but the writable roots.
func readOnlyOutsideRoots(writable []string) error {
	trees, err := cloneTrees(writable)
	if err != nil {
		return err
	}
	defer trees.close()
	if err := unix.MountSetattr(unix.AT_FDCWD, "/", unix.AT_RECURSIVE, &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}); err != nil {
		return fmt.Errorf("make the file system read-only: %w", err)
	}
	return trees.putBack(false)
}

// mountTrees are copies of the mounts at some paths (submounts included),
// taken with their flags before the mounts there change, to be put back on
// top afterwards.
type mountTrees struct {
	paths []string
	fds   []int
}

// cloneTrees copies the mounts at paths. Close the result.
func cloneTrees(paths []string) (*mountTrees, error) {
	t := &mountTrees{paths: paths}
	for _, p := range paths {
		fd, err := unix.OpenTree(unix.AT_FDCWD, p, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
		if err != nil {
			t.close()
			return nil, fmt.Errorf("clone mount of %s: %w", p, err)
		}
		t.fds = append(t.fds, fd)
	}
	return t, nil
}

// putBack mounts each copy at its path, creating the directory first when
// mkdir is set. A failure leaves a writable root hidden or read-only: it
// is an errRootsLost.
func (t *mountTrees) putBack(mkdir bool) error {
	for i, p := range t.paths {
		if mkdir {
			if err := os.MkdirAll(p, 0o755); err != nil {
				return fmt.Errorf("%w: %s: %w", errRootsLost, p, err)
			}
		}
		if err := unix.MoveMount(t.fds[i], "", unix.AT_FDCWD, p, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
			return fmt.Errorf("%w: %s: %w", errRootsLost, p, err)
		}
	}
	return nil
}

// close releases the copies that were not put back.
func (t *mountTrees) close() {
	for _, fd := range t.fds {
		unix.Close(fd)
	}
}

// bindReadOnly binds path onto itself, read-only (submounts included).
func bindReadOnly(path string) error {
	return bindOnItself(path, true)
}

// privateView covers dir with an empty directory that cannot be written,
// in which only the writable roots inside dir (holes) show, still
// writable. Renaming or replacing a file in dir afterwards (as the server
// does to renew auth.json) changes nothing in the view.
func privateView(dir string, holes []string) error {
	trees, err := cloneTrees(holes)
	if err != nil {
		return err
	}
	defer trees.close()
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size=64k,mode=0755"); err != nil {
		return fmt.Errorf("cover %s: %w", dir, err)
	}
	if err := trees.putBack(true); err != nil {
		return err
	}
	// Only the cover becomes read-only, not the roots on top of it.
	if err := unix.MountSetattr(unix.AT_FDCWD, dir, 0, &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}); err != nil {
		return fmt.Errorf("%w: make the cover of %s read-only: %w", errRootsLost, dir, err)
	}
	return nil
}

// bindLinkOnItself binds the symbolic link at path onto itself, which makes
// it a mount point: it can then be neither removed nor replaced, while
// paths through it resolve as before.
func bindLinkOnItself(path string) error {
	fd, err := unix.OpenTree(unix.AT_FDCWD, path, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_SYMLINK_NOFOLLOW)
	if err != nil {
		return fmt.Errorf("clone link %s: %w", path, err)
	}
	defer unix.Close(fd)
	// Without MOVE_MOUNT_T_SYMLINKS the link itself is the mount point.
	if err := unix.MoveMount(fd, "", unix.AT_FDCWD, path, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return fmt.Errorf("bind link %s: %w", path, err)
	}
	return nil
}

// bindOnItself binds path onto itself (submounts included), read-only when
// readOnly is set.
func bindOnItself(path string, readOnly bool) error {
	fd, err := unix.OpenTree(unix.AT_FDCWD, path, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
	if err != nil {
		return fmt.Errorf("clone mount of %s: %w", path, err)
	}
	defer unix.Close(fd)
	if readOnly {
		if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}); err != nil {
			return fmt.Errorf("make %s read-only: %w", path, err)
		}
	}
	if err := unix.MoveMount(fd, "", unix.AT_FDCWD, path, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return fmt.Errorf("bind %s: %w", path, err)
	}
	return nil
}

// ownTerminals returns the device paths of the terminals among the
// standard descriptors, which the command was given and may keep using.
func ownTerminals() []string {
	var ttys []string
	for fd := 0; fd <= 2; fd++ {
		if _, err := unix.IoctlGetTermios(fd, unix.TCGETS); err != nil {
			continue
		}
		target, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
		if err != nil || !strings.HasPrefix(target, "/dev/") || slices.Contains(ttys, target) {
			continue
		}
		ttys = append(ttys, filepath.Clean(target))
	}
	return ttys
}
