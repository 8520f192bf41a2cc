//go:build unix

package history

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// tryLockFile attempts a non-blocking flock on f. It reports false when
// another holder has a conflicting lock.
func tryLockFile(f *os.File, exclusive bool) (bool, error) {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, unix.EWOULDBLOCK), errors.Is(err, unix.EINTR):
		return false, nil
	default:
		return false, err
	}
}

// unlockFile releases the lock taken by tryLockFile. Closing the file would
// release it as well; unlocking first keeps the lock no longer than needed.
func unlockFile(f *os.File) {
	_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
}

// fileID returns the inode number of f.
func fileID(f *os.File) (uint64, error) {
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, fmt.Errorf("no inode for %s", f.Name())
	}
	return uint64(st.Ino), nil
}

// restrictMode narrows the permissions of f to 0600 when group or others
// have any access.
func restrictMode(f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.Mode().Perm()&0o077 == 0 {
		return nil
	}
	return f.Chmod(fileMode)
}

// replaceFile atomically moves src over dst.
func replaceFile(src, dst string) error {
	return os.Rename(src, dst)
}
