//go:build unix && !darwin && !linux

package sandbox

import (
	"fmt"
	"runtime"
)

// processSnapshot is not implemented on this system.
func processSnapshot() (map[int]int, error) {
	return nil, fmt.Errorf("sandbox: reading the process table is not supported on %s", runtime.GOOS)
}
