//go:build !linux

package sandbox

import "fmt"

// extraProbe knows no operations on this system.
func extraProbe(op, _ string) error {
	return fmt.Errorf("unknown operation %q", op)
}
