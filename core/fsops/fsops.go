// Package fsops carries out the file operations the app server offers its
// clients (read, write, list, describe, create, remove, copy and watch) on
// the host's file system, with the checks that make them safe to expose:
//
//   - Every path must be absolute and free of ".." elements; "." elements
//     and repeated separators are cleaned away. A path that breaks these
//     rules is refused with an error wrapping ErrInvalidPath.
//   - Nothing is written outside what the request names: a symbolic link
//     standing at a path that is written, created or copied onto is never
//     followed (writing through it is refused), removal removes a link and
//     not its target, and a directory copy copies the links inside it as
//     links. Links in the directories leading to a path are followed, as
//     the operating system does.
//   - Reads are capped at MaxFileBytes, so that a huge file cannot make the
//     server hold it (and its base64 form) in memory; writes are capped the
//     same. A directory listing is capped at MaxDirEntries entries.
//   - Special files (pipes, devices, sockets) are neither read, written
//     nor copied, so no request can block on a pipe or touch a device.
//
// Errors name the path they are about.
package fsops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// MaxFileBytes is the largest file ReadFile reads and WriteFile writes: 16
// MiB. Its base64 form, about 22 MiB, fits well within one protocol line,
// and a request holds at most a few copies of it in memory at once. Editors
// open larger files through other means.
const MaxFileBytes = 16 << 20

// MaxDirEntries is the most entries ReadDirectory lists; a larger
// directory is refused rather than listed in part.
const MaxDirEntries = 1_000_000

// The kinds of errors the operations return, to be tested with errors.Is.
var (
	// ErrInvalidPath marks a path that is not absolute, holds a ".."
	// element or a NUL byte, or is empty.
	ErrInvalidPath = errors.New("invalid path")
	// ErrTooLarge marks a file or a directory over the caps.
	ErrTooLarge = errors.New("too large")
	// ErrNotFound marks a path that does not exist.
	ErrNotFound = errors.New("no such file or directory")
	// ErrWrongKind marks a path of the wrong kind for the operation: a
	// directory or a special file to read, a symbolic link to write
	// through, a special file to write or copy.
	ErrWrongKind = errors.New("wrong kind of file")
	// ErrIsDirectory marks a directory where something else is needed.
	ErrIsDirectory = errors.New("is a directory")
	// ErrNotDirectory marks something else where a directory is needed.
	ErrNotDirectory = errors.New("not a directory")
	// ErrExists marks a path that already exists where it must not.
	ErrExists = errors.New("already exists")
	// ErrRefused marks a request that is refused as it stands: a
	// directory to copy without recursive, a copy into itself, a watch id
	// in use, the root directory to remove.
	ErrRefused = errors.New("refused")
)

// PathError is an operation's error about one path.
type PathError struct {
	// Op is the operation, e.g. "read".
	Op string
	// Path is the path the error is about.
	Path string
	// Reason says what went wrong.
	Reason string
	// Kind is one of the Err* values, or nil.
	Kind error
	// Err is the underlying error, or nil.
	Err error
}

// Error returns "<op> <path>: <reason>".
func (e *PathError) Error() string {
	return fmt.Sprintf("%s %s: %s", e.Op, e.Path, e.Reason)
}

// Unwrap returns the kind and the underlying error.
func (e *PathError) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// pathErr returns a PathError of kind with reason.
func pathErr(op, path string, kind error, reason string) error {
	return &PathError{Op: op, Path: path, Reason: reason, Kind: kind}
}

// osErr describes err, an error of the operating system about path, as a
// PathError with a short reason and a kind where one fits.
func osErr(op, path string, err error) error {
	var kind error
	reason := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		reason = pe.Err.Error()
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		reason = le.Err.Error()
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		kind, reason = ErrNotFound, "no such file or directory"
	case errors.Is(err, fs.ErrExist):
		kind, reason = ErrExists, "already exists"
	case errors.Is(err, syscall.ENOTDIR):
		kind, reason = ErrNotDirectory, "not a directory"
	case errors.Is(err, syscall.EISDIR):
		kind, reason = ErrIsDirectory, "is a directory"
	}
	return &PathError{Op: op, Path: path, Reason: reason, Kind: kind, Err: err}
}

// CheckPath validates a path a client sent and returns it cleaned. It must
// be absolute and hold no ".." element and no NUL byte.
func CheckPath(path string) (string, error) {
	switch {
	case path == "":
		return "", fmt.Errorf("%w: the path is empty", ErrInvalidPath)
	case strings.ContainsRune(path, 0):
		return "", fmt.Errorf("%w: %q holds a NUL byte", ErrInvalidPath, path)
	case !filepath.IsAbs(path):
		return "", fmt.Errorf("%w: %q is not an absolute path", ErrInvalidPath, path)
	}
	for elem := range strings.SplitSeq(filepath.ToSlash(path), "/") {
		if elem == ".." {
			return "", fmt.Errorf("%w: %q holds a '..' element", ErrInvalidPath, path)
		}
	}
	return filepath.Clean(path), nil
}

// ReadFile returns the contents of the regular file at path, which must
// be at most MaxFileBytes long.
func ReadFile(path string) ([]byte, error) {
	return readFile(path, MaxFileBytes)
}

// readFile is ReadFile with a cap of limit bytes.
func readFile(path string, limit int64) ([]byte, error) {
	const op = "read"
	path, err := CheckPath(path)
	if err != nil {
		return nil, err
	}
	// O_NONBLOCK: opening a named pipe must not wait for a writer; the
	// file is refused below anyway.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, osErr(op, path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, osErr(op, path, err)
	}
	if info.IsDir() {
		return nil, pathErr(op, path, ErrWrongKind, "is a directory, not a file")
	}
	if err := regularOnly(op, path, info); err != nil {
		return nil, err
	}
	if info.Size() > limit {
		return nil, pathErr(op, path, ErrTooLarge, fmt.Sprintf("the file has %d bytes, more than the %d this method reads", info.Size(), limit))
	}
	// The file may grow while it is read: read at most one byte past the
	// cap to tell.
	var buf bytes.Buffer
	buf.Grow(int(info.Size()) + 1)
	n, err := buf.ReadFrom(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, osErr(op, path, err)
	}
	if n > limit {
		return nil, pathErr(op, path, ErrTooLarge, fmt.Sprintf("the file grew past the %d bytes this method reads", limit))
	}
	return buf.Bytes(), nil
}

// regularOnly refuses anything but a regular file.
func regularOnly(op, path string, info fs.FileInfo) error {
	switch mode := info.Mode(); {
	case mode.IsRegular():
		return nil
	case mode.IsDir():
		return pathErr(op, path, ErrIsDirectory, "is a directory")
	case mode&fs.ModeSymlink != 0:
		return pathErr(op, path, ErrWrongKind, "is a symbolic link; it is not written through")
	default:
		return pathErr(op, path, ErrWrongKind, "is not a regular file")
	}
}

// WriteFile replaces the contents of the file at path with data, creating
// the file (mode 0644 before the umask) when it does not exist. The
// directory holding it must exist. A symbolic link at path is not written
// through, and nothing but a regular file is written.
func WriteFile(path string, data []byte) error {
	const op = "write"
	path, err := CheckPath(path)
	if err != nil {
		return err
	}
	if len(data) > MaxFileBytes {
		return pathErr(op, path, ErrTooLarge, fmt.Sprintf("%d bytes is more than the %d this method writes", len(data), MaxFileBytes))
	}
	if info, err := os.Lstat(path); err == nil {
		if err := regularOnly(op, path, info); err != nil {
			return err
		}
	}
	f, err := createNoFollow(op, path, 0o644)
	if err != nil {
		return err
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return osErr(op, path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return osErr(op, path, err)
	}
	if err := f.Close(); err != nil {
		return osErr(op, path, err)
	}
	return nil
}

// createNoFollow opens path for writing, creating it with perm when it
// does not exist, without following a symbolic link at path and without
// waiting on a pipe. It fails unless the result is a regular file; the
// file is not truncated.
func createNoFollow(op, path string, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|openNoFollow|syscall.O_NONBLOCK, perm)
	switch {
	case errors.Is(err, syscall.ELOOP):
		return nil, pathErr(op, path, ErrWrongKind, "is a symbolic link; it is not written through")
	case errors.Is(err, syscall.ENXIO):
		return nil, pathErr(op, path, ErrWrongKind, "is not a regular file")
	case errors.Is(err, fs.ErrNotExist):
		return nil, pathErr(op, path, ErrNotFound, "the directory "+filepath.Dir(path)+" does not exist")
	case err != nil:
		return nil, osErr(op, path, err)
	}
	info, err := f.Stat()
	if err == nil {
		err = regularOnly(op, path, info)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// CreateDirectory creates the directory path. With recursive, missing
// parents are created too and a directory already at path is fine;
// without, the parent must exist and path must not.
func CreateDirectory(path string, recursive bool) error {
	const op = "create directory"
	path, err := CheckPath(path)
	if err != nil {
		return err
	}
	if recursive {
		err = os.MkdirAll(path, 0o755)
	} else {
		err = os.Mkdir(path, 0o755)
	}
	if err != nil {
		return osErr(op, path, err)
	}
	return nil
}

// Metadata describes a path.
type Metadata struct {
	// IsDirectory: the path resolves to a directory.
	IsDirectory bool
	// IsFile: the path resolves to a regular file.
	IsFile bool
	// IsSymlink: the path itself is a symbolic link.
	IsSymlink bool
	// Created is the creation time, zero when unknown.
	Created time.Time
	// Modified is the modification time.
	Modified time.Time
}

// GetMetadata describes path. The kind and times are those of what a
// symbolic link points to; a dangling link is a symbolic link that is
// neither a file nor a directory, with the link's own times.
func GetMetadata(path string) (Metadata, error) {
	const op = "get metadata"
	path, err := CheckPath(path)
	if err != nil {
		return Metadata{}, err
	}
	linfo, err := os.Lstat(path)
	if err != nil {
		return Metadata{}, osErr(op, path, err)
	}
	md := Metadata{IsSymlink: linfo.Mode()&fs.ModeSymlink != 0, Modified: linfo.ModTime()}
	follow := md.IsSymlink
	info := linfo
	if follow {
		if target, err := os.Stat(path); err == nil {
			info = target
			md.Modified = target.ModTime()
		} else {
			follow = false
		}
	}
	md.IsDirectory = info.IsDir()
	md.IsFile = info.Mode().IsRegular()
	md.Created = birthTime(path, follow)
	return md, nil
}

// Entry is one child of a directory.
type Entry struct {
	// Name is the child's name.
	Name string
	// IsDirectory: the child resolves to a directory.
	IsDirectory bool
	// IsFile: the child resolves to a regular file.
	IsFile bool
}

// dirBatch is how many entries ReadDirectory reads at a time.
const dirBatch = 4096

// ReadDirectory lists the children of the directory path, sorted by name.
// A child that is a symbolic link is described by what it points to
// (neither a file nor a directory when it dangles). A directory of more
// than MaxDirEntries entries is refused. A cancelled ctx stops the listing.
func ReadDirectory(ctx context.Context, path string) ([]Entry, error) {
	return readDirectory(ctx, path, MaxDirEntries)
}

// readDirectory is ReadDirectory with a cap of limit entries.
func readDirectory(ctx context.Context, path string, limit int) ([]Entry, error) {
	const op = "read directory"
	path, err := CheckPath(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, osErr(op, path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, osErr(op, path, err)
	}
	if !info.IsDir() {
		return nil, pathErr(op, path, ErrNotDirectory, "not a directory")
	}
	var entries []Entry
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		batch, err := f.ReadDir(dirBatch)
		for _, d := range batch {
			e := Entry{Name: d.Name(), IsDirectory: d.IsDir(), IsFile: d.Type().IsRegular()}
			if d.Type()&fs.ModeSymlink != 0 {
				if target, err := os.Stat(filepath.Join(path, d.Name())); err == nil {
					e.IsDirectory, e.IsFile = target.IsDir(), target.Mode().IsRegular()
				}
			}
			entries = append(entries, e)
		}
		if len(entries) > limit {
			return nil, pathErr(op, path, ErrTooLarge, fmt.Sprintf("the directory has more than %d entries", limit))
		}
		if errors.Is(err, io.EOF) || (err == nil && len(batch) == 0) {
			break
		}
		if err != nil {
			return nil, osErr(op, path, err)
		}
	}
	slices.SortFunc(entries, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	if entries == nil {
		entries = []Entry{}
	}
	return entries, nil
}

// Remove removes path. With recursive, a directory goes with everything
// in it; without, only an empty directory is removed. With force, a
// missing path is a success. A symbolic link is removed, not its target.
// The root directory is never removed.
func Remove(path string, recursive, force bool) error {
	const op = "remove"
	path, err := CheckPath(path)
	if err != nil {
		return err
	}
	if filepath.Dir(path) == path {
		return pathErr(op, path, ErrRefused, "the root directory is not removed")
	}
	info, err := os.Lstat(path)
	if err != nil {
		if force && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return osErr(op, path, err)
	}
	if info.IsDir() && !recursive {
		if err := os.Remove(path); err != nil {
			if errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST) {
				return &PathError{Op: op, Path: path, Reason: "the directory is not empty and recursive is false", Err: err}
			}
			return osErr(op, path, err)
		}
		return nil
	}
	if err := os.RemoveAll(path); err != nil {
		return osErr(op, path, err)
	}
	return nil
}
