//go:build windows

package history

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// tryLockFile attempts a non-blocking LockFileEx on the first byte range of
// f. It reports false when another holder has a conflicting lock.
func tryLockFile(f *os.File, exclusive bool) (bool, error) {
	flags := uint32(windows.LOCKFILE_FAIL_IMMEDIATELY)
	if exclusive {
		flags |= windows.LOCKFILE_EXCLUSIVE_LOCK
	}
	var ol windows.Overlapped
	err := windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, &ol)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, windows.ERROR_LOCK_VIOLATION), errors.Is(err, windows.ERROR_IO_PENDING):
		return false, nil
	default:
		return false, err
	}
}

// unlockFile releases the lock taken by tryLockFile.
func unlockFile(f *os.File) {
	var ol windows.Overlapped
	_ = windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, &ol)
}

// fileID returns the NTFS file index of f, the counterpart of an inode.
func fileID(f *os.File) (uint64, error) {
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(windows.Handle(f.Fd()), &info); err != nil {
		return 0, err
	}
	return uint64(info.FileIndexHigh)<<32 | uint64(info.FileIndexLow), nil
}

// restrictMode is a no-op: access on Windows is governed by ACLs, which the
// profile directory already limits to its owner.
func restrictMode(*os.File) error { return nil }

// replaceFile moves src over dst. Windows refuses to replace a file that is
// open without delete sharing, in which case the error is returned and the
// log keeps its previous size.
func replaceFile(src, dst string) error {
	return os.Rename(src, dst)
}
