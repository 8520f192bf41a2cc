//go:build !unix

package mcpclient

import (
	"os"
	"syscall"
)

// sysProcAttr returns no special attributes: there are no process groups here.
func sysProcAttr() *syscall.SysProcAttr {
	return nil
}

// killGroup kills the process itself; its children are not tracked on this
// system.
func killGroup(p *os.Process) {
	_ = p.Kill()
}
