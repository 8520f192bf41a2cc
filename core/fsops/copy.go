package fsops

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Copy copies the file, directory or symbolic link at src to dst.
//
// A regular file is copied with its permission bits, replacing a regular
// file at dst; dst must not be a directory. A symbolic link is copied as a
// link with the same target. A directory is copied only with recursive:
// dst is created (its parent must exist) or, when it is a directory
// already, merged into; dst must not lie inside src. Inside a directory,
// links are copied as links and special files (pipes, devices, sockets)
// make the copy fail. Nothing is written through a symbolic link found at
// dst or inside it. A cancelled ctx stops a directory copy between entries.
func Copy(ctx context.Context, src, dst string, recursive bool) error {
	const op = "copy"
	src, err := CheckPath(src)
	if err != nil {
		return err
	}
	dst, err = CheckPath(dst)
	if err != nil {
		return err
	}
	info, err := os.Lstat(src)
	if err != nil {
		return osErr(op, src, err)
	}
	if !info.IsDir() {
		return copyEntry(src, dst, info)
	}
	if !recursive {
		return pathErr(op, src, ErrRefused, "is a directory; copying it needs recursive: true")
	}
	if inside(src, dst) {
		return pathErr(op, dst, ErrRefused, "the destination lies inside the source "+src)
	}
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return osErr(op, path, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return osErr(op, path, err)
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return osErr(op, path, err)
		}
		if d.IsDir() {
			return makeDir(target, info.Mode().Perm())
		}
		return copyEntry(path, target, info)
	})
}

// inside reports whether dst is src or lies inside it, once the symbolic
// links leading to both are resolved.
func inside(src, dst string) bool {
	if real, err := filepath.EvalSymlinks(src); err == nil {
		src = real
	}
	// dst may not exist yet: resolve its nearest existing ancestor.
	rest := ""
	for d := dst; ; d = filepath.Dir(d) {
		if real, err := filepath.EvalSymlinks(d); err == nil {
			dst = filepath.Join(real, rest)
			break
		}
		if filepath.Dir(d) == d {
			break
		}
		rest = filepath.Join(filepath.Base(d), rest)
	}
	return dst == src || strings.HasPrefix(dst, src+string(filepath.Separator))
}

// makeDir creates the directory path with perm (before the umask), or
// accepts a real directory already there.
func makeDir(path string, perm fs.FileMode) error {
	const op = "copy"
	err := os.Mkdir(path, perm|0o700)
	if err == nil || !errors.Is(err, fs.ErrExist) {
		if err != nil {
			return osErr(op, path, err)
		}
		return nil
	}
	info, err := os.Lstat(path)
	if err != nil {
		return osErr(op, path, err)
	}
	if !info.IsDir() {
		return pathErr(op, path, ErrExists, "exists and is not a directory")
	}
	return nil
}

// copyEntry copies the regular file or symbolic link src, described by
// info, to dst.
func copyEntry(src, dst string, info fs.FileInfo) error {
	const op = "copy"
	switch mode := info.Mode(); {
	case mode&fs.ModeSymlink != 0:
		target, err := os.Readlink(src)
		if err != nil {
			return osErr(op, src, err)
		}
		if old, err := os.Lstat(dst); err == nil {
			if old.IsDir() {
				return pathErr(op, dst, ErrIsDirectory, "is a directory")
			}
			if err := os.Remove(dst); err != nil {
				return osErr(op, dst, err)
			}
		}
		if err := os.Symlink(target, dst); err != nil {
			return osErr(op, dst, err)
		}
		return nil
	case !mode.IsRegular():
		return pathErr(op, src, ErrWrongKind, "is not a regular file, directory or symbolic link")
	}
	if old, err := os.Lstat(dst); err == nil {
		if err := regularOnly(op, dst, old); err != nil {
			return err
		}
		if os.SameFile(old, info) {
			return pathErr(op, dst, ErrExists, "is the source file itself")
		}
	}
	in, err := os.Open(src)
	if err != nil {
		return osErr(op, src, err)
	}
	defer in.Close()
	out, err := createNoFollow(op, dst, info.Mode().Perm())
	if err != nil {
		return err
	}
	if err := out.Truncate(0); err != nil {
		out.Close()
		return osErr(op, dst, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return osErr(op, dst, err)
	}
	if err := out.Chmod(info.Mode().Perm()); err != nil {
		out.Close()
		return osErr(op, dst, err)
	}
	if err := out.Close(); err != nil {
		return osErr(op, dst, err)
	}
	return nil
}
