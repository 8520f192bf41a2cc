package sandbox

import "strings"

// Exit statuses with a known meaning for LikelyDenied.
const (
	// exitSIGSYS is the shell-style status of a process killed by SIGSYS,
	// which is how seccomp kills a process.
	exitSIGSYS = 128 + 31
	// exitNotFound is the shell's status for a command that does not exist.
	exitNotFound = 127
)

// LikelyDenied reports whether a failed command's exit code and output look
// like a sandbox refusal: killed by SIGSYS (exit 159), or a non-zero exit with
// output mentioning "Permission denied", "Operation not permitted" or
// "Read-only file system". A successful command or one that was not found
// (exit 127) is never a refusal.
func LikelyDenied(exitCode int, stdout, stderr string) bool {
	switch exitCode {
	case 0, exitNotFound:
		return false
	case exitSIGSYS:
		return true
	}
	// Lower-case texts printed for system calls refused with EACCES, EPERM
	// and EROFS.
	markers := []string{"permission denied", "operation not permitted", "read-only file system"}
	out := strings.ToLower(stderr + "\n" + stdout)
	for _, marker := range markers {
		if strings.Contains(out, marker) {
			return true
		}
	}
	return false
}
