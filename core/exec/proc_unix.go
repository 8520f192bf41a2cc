//go:build unix

package exec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// errNotFound reports a program missing from every PATH directory.
var errNotFound = errors.New("executable file not found in $PATH")

// killGroup sends SIGKILL to the process group led by p. Errors (the group
// is already gone) are ignored.
func killGroup(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
}

// exitCode maps a finished process to a shell-style exit status.
func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return exitSignalBase + int(ws.Signal())
	}
	return ps.ExitCode()
}

// lookPath resolves name the way execvp does, but with the PATH of the
// command's environment env (or of this process when env has none).
// Relative PATH entries are taken relative to dir, the command's working
// directory. A name containing a slash is returned unchanged.
func lookPath(name string, env []string, dir string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	pathVar, ok := envValue(env, "PATH")
	if !ok {
		pathVar = os.Getenv("PATH")
	}
	for _, d := range filepath.SplitList(pathVar) {
		if d == "" {
			d = "."
		}
		if !filepath.IsAbs(d) {
			d = filepath.Join(dir, d)
		}
		candidate := filepath.Join(d, name)
		if isExecutable(candidate) {
			return candidate, nil
		}
	}
	return "", errNotFound
}

// isExecutable reports whether path is a regular file with an execute bit.
func isExecutable(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0
}
