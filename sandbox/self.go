package sandbox

import (
	"os"
	"runtime"
)

// SelfExecutable returns the path by which this process should start the
// codex binary as the sandbox helper. On Linux it is /proc/self/exe, which
// names the very file this process runs even if the file at its path was
// replaced since (for instance by a command writing in a writable root that
// holds the binary, which would otherwise get its own program run outside
// the sandbox as the next helper). Elsewhere it is os.Executable().
func SelfExecutable() (string, error) {
	if runtime.GOOS == "linux" {
		if _, err := os.Stat("/proc/self/exe"); err == nil {
			return "/proc/self/exe", nil
		}
	}
	return os.Executable()
}
