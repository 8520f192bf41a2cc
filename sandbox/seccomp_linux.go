//go:build cgo

package sandbox

import (
	"fmt"

	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// closeNetwork loads a seccomp filter that lets every system call through
// except: socket(2) and socketpair(2) for any family but AF_UNIX, io_uring
// (which can open sockets without socket(2)) and ptrace, which all fail with
// EPERM. System calls of a foreign architecture (32-bit programs) kill the
// process, because their socket calls cannot be inspected the same way.
func closeNetwork() error {
	filter, err := seccomp.NewFilter(seccomp.ActAllow)
	if err != nil {
		return fmt.Errorf("sandbox: seccomp filter: %w", err)
	}
	defer filter.Release()

	if err := filter.SetNoNewPrivsBit(true); err != nil {
		return fmt.Errorf("sandbox: seccomp no_new_privs: %w", err)
	}
	if err := filter.SetBadArchAction(seccomp.ActKillProcess); err != nil {
		return fmt.Errorf("sandbox: seccomp foreign architecture action: %w", err)
	}

	deny := seccomp.ActErrno.SetReturnCode(int16(unix.EPERM))
	notUnix, err := seccomp.MakeCondition(0, seccomp.CompareNotEqual, unix.AF_UNIX)
	if err != nil {
		return fmt.Errorf("sandbox: seccomp condition: %w", err)
	}
	for _, name := range []string{"socket", "socketpair"} {
		call, err := seccomp.GetSyscallFromName(name)
		if err != nil {
			return fmt.Errorf("sandbox: seccomp: unknown system call %s: %w", name, err)
		}
		if err := filter.AddRuleConditional(call, deny, []seccomp.ScmpCondition{notUnix}); err != nil {
			return fmt.Errorf("sandbox: seccomp rule for %s: %w", name, err)
		}
	}
	for _, name := range []string{"io_uring_setup", "io_uring_enter", "io_uring_register", "ptrace"} {
		call, err := seccomp.GetSyscallFromName(name)
		if err != nil {
			return fmt.Errorf("sandbox: seccomp: unknown system call %s: %w", name, err)
		}
		if err := filter.AddRule(call, deny); err != nil {
			return fmt.Errorf("sandbox: seccomp rule for %s: %w", name, err)
		}
	}
	if err := filter.Load(); err != nil {
		return fmt.Errorf("sandbox: load seccomp filter: %w", err)
	}
	return nil
}
