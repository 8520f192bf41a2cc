//go:build unix && !linux

package mcpclient

import "syscall"

// sysProcAttr puts a server in a process group of its own, so that it can be
// killed with its children.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
