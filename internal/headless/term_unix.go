//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package headless

import (
	"os"

	"golang.org/x/sys/unix"
)

// IsTerminal reports whether v is an *os.File open on a terminal.
func IsTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok || f == nil {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), getTermios)
	return err == nil
}
