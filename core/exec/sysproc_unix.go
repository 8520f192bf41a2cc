//go:build unix && !linux

package exec

import "syscall"

// sysProcAttr puts the command in a session (and so a process group) of
// its own, without a controlling terminal, so that it can neither open
// /dev/tty nor reach the terminal codex was started from.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}
