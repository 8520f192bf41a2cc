//go:build !unix

package exec

import (
	"errors"
	"os"
	osexec "os/exec"
	"syscall"
)

// errNotFound reports a program missing from every PATH directory.
var errNotFound = osexec.ErrNotFound

// sysProcAttr returns no special attributes: there are no process groups here.
func sysProcAttr() *syscall.SysProcAttr {
	return nil
}

// killGroup kills the process itself; its children are not tracked on this
// system.
func killGroup(p *os.Process) {
	_ = p.Kill()
}

// exitCode returns the process's exit status.
func exitCode(ps *os.ProcessState) int {
	return ps.ExitCode()
}

// lookPath resolves name with the PATH of the current process.
func lookPath(name string, _ []string, _ string) (string, error) {
	path, err := osexec.LookPath(name)
	if err != nil && !errors.Is(err, osexec.ErrDot) {
		return "", err
	}
	return path, nil
}
