//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package headless

import "os"

// IsTerminal reports whether v is an *os.File open on a character device,
// the closest test available on this system for a terminal.
func IsTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok || f == nil {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
