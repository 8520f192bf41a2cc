//go:build unix

package mcpclient

import (
	"os"
	"syscall"
)

// killGroup sends SIGKILL to the process group led by p. Errors (the group
// is already gone) are ignored.
func killGroup(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
}
