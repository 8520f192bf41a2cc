//go:build !linux

package sandbox

import (
	"fmt"
	"runtime"
)

// RunHelper is the Linux sandbox helper; on this system it always fails.
func RunHelper(args []string) error {
	return fmt.Errorf("sandbox helper: not supported on %s", runtime.GOOS)
}
