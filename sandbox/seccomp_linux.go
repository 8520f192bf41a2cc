//go:build cgo

package sandbox

import (
	"fmt"

	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// deniedSyscalls are system calls no coding command needs and that reach
// beyond the sandbox: kernel extension and tracing interfaces, the kernel
// keyrings, the clock, the host's names, swap, accounting, the kernel log,
// rebooting, io_uring (whose operations escape system-call filtering) and
// mounting (also refused for want of capabilities). They fail with EPERM.
func deniedSyscalls() []string {
	return []string{
		"bpf", "perf_event_open", "userfaultfd",
		"keyctl", "add_key", "request_key",
		"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
		"reboot", "swapon", "swapoff", "acct", "syslog",
		"settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
		"sethostname", "setdomainname",
		"io_uring_setup", "io_uring_enter", "io_uring_register",
		"mount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen",
		"fsmount", "fsconfig", "fspick", "mount_setattr", "setns",
		"lookup_dcookie", "quotactl", "quotactl_fd", "nfsservctl", "vhangup",
	}
}

// installFilter loads the seccomp filter of every restricting policy on the
// calling thread (and, through TSYNC, which libseccomp-golang always asks
// for, on the others; that changes nothing for the helper). Everything is
// allowed except:
//
//   - deniedSyscalls;
//   - ioctl TIOCSTI and TIOCLINUX on any descriptor, which push input into
//     a terminal (the command number is compared on its low 32 bits, as the
//     kernel reads it);
//   - creating a user namespace (clone, unshare) and clone3, whose flags a
//     filter cannot inspect (it fails with ENOSYS, so the C library falls
//     back to clone);
//   - set-user-ID and set-group-ID bits on files (see setIDFiles);
//   - without namespaces of its own (ownNamespaces), changing another
//     process's limits, priorities, scheduling or memory placement
//     (prlimit64, setpriority, ioprio_set, sched_set*, migrate_pages,
//     move_pages naming another process or user), which an ordinary user's
//     command could otherwise do to the user's other processes, and System
//     V IPC (shared memory, message queues, semaphores), which would reach
//     other processes' segments;
//
// and, when closeNetwork is set:
//
//   - socket and socketpair for any family but AF_UNIX;
//   - connect (so Unix domain sockets outside the sandbox cannot be
//     reached either), bind and listen, sendto with a destination address,
//     sendmsg and sendmmsg (which can carry one).
//
// System calls of a foreign architecture (32-bit programs) kill the
// process, because their arguments cannot be checked the same way.
func installFilter(closeNetwork, ownNamespaces bool) error {
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
	b := filterBuilder{filter: filter, deny: seccomp.ActErrno.SetReturnCode(int16(unix.EPERM))}
	for _, name := range deniedSyscalls() {
		b.rule(name, b.deny)
	}
	b.rule("clone3", seccomp.ActErrno.SetReturnCode(int16(unix.ENOSYS)))
	for _, request := range []uint64{unix.TIOCSTI, unix.TIOCLINUX} {
		b.rule("ioctl", b.deny, b.cond(1, seccomp.CompareMaskedEqual, 0xffffffff, request))
	}
	b.rule("clone", b.deny, b.cond(0, seccomp.CompareMaskedEqual, unix.CLONE_NEWUSER, unix.CLONE_NEWUSER))
	b.rule("unshare", b.deny, b.cond(0, seccomp.CompareMaskedEqual, unix.CLONE_NEWUSER, unix.CLONE_NEWUSER))
	b.setIDFiles()
	b.rule("openat2", seccomp.ActErrno.SetReturnCode(int16(unix.ENOSYS)))
	// Calls that act on another process by its number, or on every
	// process of the user, are refused unless they name the caller (0);
	// so is System V IPC, which is shared across the machine. In PID and
	// IPC namespaces of its own the command cannot reach anything outside,
	// and may go on naming itself by number (as psutil does).
	if !ownNamespaces {
		b.otherProcesses()
		for _, name := range []string{"shmget", "shmat", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl",
			"semget", "semop", "semtimedop", "semctl"} {
			b.rule(name, b.deny)
		}
	}
	if closeNetwork {
		b.network()
	}
	if b.err != nil {
		return b.err
	}
	if err := filter.Load(); err != nil {
		return fmt.Errorf("sandbox: load seccomp filter: %w", err)
	}
	return nil
}

// otherProcesses refuses changing another process's limits, priorities,
// scheduling and memory placement.
func (b *filterBuilder) otherProcesses() {
	for _, name := range []string{"prlimit64", "sched_setaffinity", "sched_setscheduler", "sched_setparam",
		"sched_setattr", "migrate_pages", "move_pages"} {
		b.rule(name, b.deny, b.cond(0, seccomp.CompareNotEqual, 0))
	}
	for _, name := range []string{"setpriority", "ioprio_set"} {
		// Only (which = the process itself, who = 0) is allowed.
		self := uint64(unix.PRIO_PROCESS)
		if name == "ioprio_set" {
			self = 1 // IOPRIO_WHO_PROCESS
		}
		b.rule(name, b.deny, b.cond(0, seccomp.CompareNotEqual, self))
		b.rule(name, b.deny, b.cond(1, seccomp.CompareNotEqual, 0))
	}
}

// setIDFiles refuses giving a file the set-user-ID or set-group-ID bit,
// through chmod or when creating it: a command running as root could
// otherwise leave a set-user-ID root program in a writable root such as
// /tmp for any user of the machine to run. openat2, whose mode a filter
// cannot read, fails with ENOSYS (callers fall back to openat).
func (b *filterBuilder) setIDFiles() {
	for _, bit := range []uint64{unix.S_ISUID, unix.S_ISGID} {
		for name, modeArg := range map[string]uint{"chmod": 1, "fchmod": 1, "fchmodat": 2, "fchmodat2": 2, "mknod": 1, "mknodat": 2, "creat": 1} {
			b.rule(name, b.deny, b.cond(modeArg, seccomp.CompareMaskedEqual, bit, bit))
		}
		for _, create := range []uint64{unix.O_CREAT, unix.O_TMPFILE &^ unix.O_DIRECTORY} {
			b.rule("open", b.deny, b.cond(1, seccomp.CompareMaskedEqual, create, create), b.cond(2, seccomp.CompareMaskedEqual, bit, bit))
			b.rule("openat", b.deny, b.cond(2, seccomp.CompareMaskedEqual, create, create), b.cond(3, seccomp.CompareMaskedEqual, bit, bit))
		}
	}
}

// network refuses every way of reaching the network, and Unix sockets
// outside.
func (b *filterBuilder) network() {
	for _, name := range []string{"socket", "socketpair"} {
		b.rule(name, b.deny, b.cond(0, seccomp.CompareNotEqual, unix.AF_UNIX))
	}
	// Neither connecting nor listening: a command could otherwise take an
	// abstract socket name a program outside expects (an X server's, say).
	for _, name := range []string{"connect", "bind", "listen"} {
		b.rule(name, b.deny)
	}
	b.rule("sendto", b.deny, b.cond(4, seccomp.CompareNotEqual, 0))
	b.rule("sendmsg", b.deny)
	b.rule("sendmmsg", b.deny)
}

// newerSyscalls are system calls the filter must name that an older
// libseccomp may not know, with their number, which is the same on amd64
// and arm64 (the only architectures of the release builds).
func newerSyscalls() map[string]int32 {
	return map[string]int32{"fchmodat2": 452}
}

// filterBuilder adds rules to a filter and keeps the first error.
type filterBuilder struct {
	filter *seccomp.ScmpFilter
	deny   seccomp.ScmpAction
	err    error
}

// cond makes a condition on argument arg; values are the operands of op.
func (b *filterBuilder) cond(arg uint, op seccomp.ScmpCompareOp, values ...uint64) seccomp.ScmpCondition {
	c, err := seccomp.MakeCondition(arg, op, values...)
	if err != nil && b.err == nil {
		b.err = fmt.Errorf("sandbox: seccomp condition on argument %d: %w", arg, err)
	}
	return c
}

// rule makes the system call name take action, under conds when given.
func (b *filterBuilder) rule(name string, action seccomp.ScmpAction, conds ...seccomp.ScmpCondition) {
	if b.err != nil {
		return
	}
	call, err := seccomp.GetSyscallFromName(name)
	if err != nil {
		nr, ok := newerSyscalls()[name]
		if !ok {
			// A system call this architecture does not have cannot be
			// made.
			return
		}
		// The kernel has it, libseccomp does not know its name yet.
		call = seccomp.ScmpSyscall(nr)
	}
	if len(conds) == 0 {
		err = b.filter.AddRule(call, action)
	} else {
		err = b.filter.AddRuleConditional(call, action, conds)
	}
	if err != nil {
		b.err = fmt.Errorf("sandbox: seccomp rule for %s: %w", name, err)
	}
}
