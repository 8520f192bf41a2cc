package sandbox

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// extraProbe handles the Linux-only probe operations: "mknod PATH", which
// creates a character device node like /dev/null at PATH, and those of
// attackOps.
func extraProbe(op, arg string) error {
	if op == "mknod" {
		return unix.Mknod(arg, unix.S_IFCHR|0o600, int(unix.Mkdev(1, 3)))
	}
	if f, ok := attackOps()[op]; ok {
		return f(arg)
	}
	return fmt.Errorf("unknown operation %q", op)
}
