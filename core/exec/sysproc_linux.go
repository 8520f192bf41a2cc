package exec

import "syscall"

// sysProcAttr puts the command in a process group of its own and has the
// kernel kill it when the thread that started it (and so the server) dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
