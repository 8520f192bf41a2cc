package mcpclient

import "syscall"

// sysProcAttr puts a server in a process group of its own, so that it can be
// killed with its children, and has the kernel kill it if this process dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
