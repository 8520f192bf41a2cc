//go:build !unix && !windows

package history

import "os"

// tryLockFile always succeeds: this platform has no advisory file locks, so
// appends rely on O_APPEND single writes alone.
func tryLockFile(*os.File, bool) (bool, error) { return true, nil }

// unlockFile is a no-op on platforms without file locks.
func unlockFile(*os.File) {}

// fileID returns 0: this platform exposes no stable file identity, so every
// version of the log shares the same id.
func fileID(*os.File) (uint64, error) { return 0, nil }

// restrictMode is a no-op on platforms without Unix permissions.
func restrictMode(*os.File) error { return nil }

// replaceFile moves src over dst.
func replaceFile(src, dst string) error { return os.Rename(src, dst) }
