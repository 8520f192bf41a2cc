package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The probe operations of the red-team suite (attack_linux_test.go). Each
// tries one thing a hostile command would, with the system call itself
// rather than a tool, so that the error seen is the kernel's. An operation
// returns nil when the attempt worked (the probe then exits 0) and the
// kernel's error otherwise (the probe prints it and exits 3). Arguments
// that need more than one value separate them with argSep.

// argSep separates the values of a probe argument.
const argSep = "|"

// injectedInput is what the terminal probes try to push into a terminal's
// input queue or write to it.
const injectedInput = "touch INJECTED-BY-PROBE\n"

// attackOps maps the probe operation names to their implementations.
func attackOps() map[string]func(arg string) error {
	return map[string]func(string) error{
		// Terminals.
		"tiocsti":        func(a string) error { return terminalIoctl(a, unix.TIOCSTI, false) },
		"tiocsti-high":   func(a string) error { return terminalIoctl(a, unix.TIOCSTI|1<<32, false) },
		"tioclinux":      func(a string) error { return terminalIoctl(a, unix.TIOCLINUX, true) },
		"tioclinux-high": func(a string) error { return terminalIoctl(a, unix.TIOCLINUX|1<<32, true) },
		"opentty":        openTerminal,
		"writetty":       writeTerminal,
		"readtty":        readTerminal,
		"newpty":         newPseudoTerminal,

		// Unix domain sockets.
		"unix-stream":        unixStream,
		"unix-dgram-sendto":  unixDgramSendto,
		"unix-dgram-sendmsg": unixDgramSendmsg,
		"unix-dgram-connect": unixDgramConnect,
		"scm-rights":         scmRightsStream,
		"scm-rights-dgram":   scmRightsDgram,
		"socketpair":         socketpairRoundTrip,
		"socketpair-rights":  socketpairRights,
		"unix-self":          unixSelfServe,

		// Writes outside the roots, and ways around the file rules.
		"symlink-write":  symlinkWrite,
		"hardlink-write": hardlinkWrite,
		"rename":         renamePaths,
		"exchange":       exchangePaths,
		"openat-fd":      openatInherited,
		"mount-tmpfs":    func(a string) error { return unix.Mount("tmpfs", a, "tmpfs", 0, "") },
		"bind":           bindMount,
		"umount":         func(a string) error { return unix.Unmount(a, unix.MNT_DETACH) },
		"pivot-root":     pivotRoot,
		"open-by-handle": openByHandle,
		"ptrace":         ptraceSeize,
		"pidfd-getfd":    pidfdGetfd,
		"io-uring":       ioUringSetup,
		"socket":         openSocket,
		"udp-send":       udpSend,
		"ls":             listDir,
		"readlink":       readLink,

		// Other processes.
		"proc-scan": procScan,
		"proc-mem":  func(a string) error { return openClose("/proc/"+a+"/mem", unix.O_RDWR) },
		"kill":      func(a string) error { return withPid(a, func(p int) error { return unix.Kill(p, unix.SIGKILL) }) },
		"prlimit":   prlimitOther,
		"setpriority": func(a string) error {
			return withPid(a, func(p int) error { return unix.Setpriority(unix.PRIO_PROCESS, p, 19) })
		},
		"prio-user":    func(string) error { return unix.Setpriority(unix.PRIO_USER, 0, 19) },
		"setaffinity":  setAffinity,
		"setscheduler": setSchedulerIdle,
		"ioprio":       setIOPriorityIdle,

		// Root's powers and kernel interfaces.
		"chmod":         func(a string) error { return os.Chmod(a, 0o777) },
		"chown":         func(a string) error { return os.Lchown(a, 65534, 65534) },
		"utime":         func(a string) error { return os.Chtimes(a, time.Unix(1000, 0), time.Unix(1000, 0)) },
		"setxattr":      setXattr,
		"chattr":        changeFileFlags,
		"add-key":       addKey,
		"keyctl":        func(string) error { _, err := unix.KeyctlJoinSessionKeyring("codex-probe"); return err },
		"request-key":   func(string) error { _, err := unix.RequestKey("user", "codex-probe", "", 0); return err },
		"bpf":           bpfMapCreate,
		"perf":          perfSystemWide,
		"userfaultfd":   userfaultfd,
		"sethostname":   sameHostname,
		"setdomainname": sameDomainname,
		"settimeofday":  invalidTimeOfDay,
		"clock-settime": invalidClock,
		"adjtimex":      func(string) error { var tx unix.Timex; _, err := unix.Adjtimex(&tx); return err },
		"reboot":        func(string) error { return unix.Reboot(unix.LINUX_REBOOT_CMD_CAD_OFF) },
		"kexec":         func(string) error { return errnoOf(unix.Syscall6(unix.SYS_KEXEC_LOAD, 0, 0, 0, 0, 0, 0)) },
		"delete-module": deleteModule,
		"swapon":        swaponMissing,
		"acct":          func(string) error { return unix.Acct("") },
		"syslog":        func(string) error { _, err := unix.Klogctl(10, nil); return err },
		"iopl":          func(string) error { return unix.Iopl(3) },
		"unshare-user":  func(string) error { return unix.Unshare(unix.CLONE_NEWUSER) },
		"unshare-mount": func(string) error { return unix.Unshare(unix.CLONE_NEWNS | unix.CLONE_NEWNET) },
		"clone-user":    cloneUser,
		"clone3":        func(string) error { return errnoOf(unix.Syscall(unix.SYS_CLONE3, 0, 0, 0)) },
		"setuid":        func(string) error { return errnoOf(unix.RawSyscall(unix.SYS_SETUID, 65534, 0, 0)) },
		"capset":        raiseCapability,
		"securebits":    func(string) error { return unix.Prctl(unix.PR_SET_SECUREBITS, 0, 0, 0, 0) },
		"status":        printStatus,
		"dev-mem":       func(string) error { return openClose("/dev/mem", unix.O_RDONLY) },
		"open-write":    func(a string) error { return openClose(a, unix.O_WRONLY) },
		"victim":        runVictim,
	}
}

// splitArg splits a probe argument into n values.
func splitArg(arg string, n int) ([]string, error) {
	parts := strings.Split(arg, argSep)
	if len(parts) != n {
		return nil, fmt.Errorf("want %d values separated by %q, got %q", n, argSep, arg)
	}
	return parts, nil
}

// errnoOf turns the result of a raw system call into an error.
func errnoOf(_, _ uintptr, errno syscall.Errno) error {
	if errno != 0 {
		return errno
	}
	return nil
}

// withPid calls f with arg as a process id.
func withPid(arg string, f func(pid int) error) error {
	pid, err := strconv.Atoi(arg)
	if err != nil {
		return fmt.Errorf("bad pid %q", arg)
	}
	return f(pid)
}

// openClose opens path with flags and closes it again.
func openClose(path string, flags int) error {
	fd, err := unix.Open(path, flags|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	return unix.Close(fd)
}

// terminalFD returns the descriptor the terminal probes work on: "fd:N"
// is inherited descriptor N; anything else is a path opened for reading
// and writing, or for reading only when writing is refused (TIOCSTI needs
// a readable descriptor, no more).
func terminalFD(arg string) (int, error) {
	if n, ok := strings.CutPrefix(arg, "fd:"); ok {
		return strconv.Atoi(n)
	}
	fd, err := unix.Open(arg, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err == nil {
		return fd, nil
	}
	fd, err2 := unix.Open(arg, unix.O_RDONLY|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err2 != nil {
		return -1, fmt.Errorf("open %s: %w", arg, err)
	}
	return fd, nil
}

// terminalIoctl pushes injectedInput into the terminal of arg one byte at
// a time with the ioctl request (TIOCSTI, possibly with high bits set), or
// for TIOCLINUX asks for the console selection to be pasted (subcode 3).
func terminalIoctl(arg string, request uint64, linux bool) error {
	fd, err := terminalFD(arg)
	if err != nil {
		return err
	}
	if linux {
		sub := [1]byte{3}
		return errnoOf(unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(request), uintptr(unsafe.Pointer(&sub[0]))))
	}
	for _, c := range []byte(injectedInput) {
		b := c
		if err := errnoOf(unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(request), uintptr(unsafe.Pointer(&b)))); err != nil {
			return err
		}
	}
	return nil
}

// openTerminal opens the terminal at arg (such as /dev/tty) for reading
// and writing.
func openTerminal(arg string) error {
	return openClose(arg, unix.O_RDWR)
}

// writeTerminal writes injectedInput to the terminal at arg.
func writeTerminal(arg string) error {
	fd, err := unix.Open(arg, unix.O_WRONLY|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", arg, err)
	}
	defer unix.Close(fd)
	_, err = unix.Write(fd, []byte(injectedInput))
	return err
}

// readTerminal reads, without waiting, what is queued as input of the
// terminal at arg (what someone typed there) and prints it.
func readTerminal(arg string) error {
	fd, err := unix.Open(arg, unix.O_RDONLY|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", arg, err)
	}
	defer unix.Close(fd)
	buf := make([]byte, 256)
	n, err := unix.Read(fd, buf)
	if n > 0 {
		os.Stdout.Write(buf[:n])
	}
	if errors.Is(err, unix.EAGAIN) {
		return nil
	}
	return err
}

// newPseudoTerminal creates a pseudo-terminal of the command's own through
// /dev/ptmx and writes through it, as terminal multiplexers and expect-like
// tools do.
func newPseudoTerminal(string) error {
	master, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open /dev/ptmx: %w", err)
	}
	defer unix.Close(master)
	if err := unix.IoctlSetPointerInt(master, unix.TIOCSPTLCK, 0); err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	n, err := unix.IoctlGetUint32(master, unix.TIOCGPTN)
	if err != nil {
		return fmt.Errorf("pty number: %w", err)
	}
	slave, err := unix.Open(fmt.Sprintf("/dev/pts/%d", n), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open own pty: %w", err)
	}
	defer unix.Close(slave)
	_, err = unix.Write(slave, []byte("own terminal\n"))
	return err
}

// unixSocket creates a Unix domain socket of type typ.
func unixSocket(typ int) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	return fd, nil
}

// unixSend sends msg (with the ancillary data oob) to the Unix socket at
// arg (a path, or @name for an abstract socket) from a new socket of type
// typ: connected first with connect, or addressed with sendto (when oob
// is nil) or sendmsg.
func unixSend(arg string, typ int, connect bool, msg, oob []byte) error {
	fd, err := unixSocket(typ)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	to := &unix.SockaddrUnix{Name: arg}
	switch {
	case connect:
		if err := unix.Connect(fd, to); err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		if oob != nil {
			_, err = unix.SendmsgN(fd, msg, oob, nil, 0)
		} else {
			_, err = unix.Write(fd, msg)
		}
	case oob == nil:
		err = unix.Sendto(fd, msg, 0, to)
	default:
		_, err = unix.SendmsgN(fd, msg, oob, to, 0)
	}
	return err
}

// unixStream connects to the stream socket at arg and sends a message.
func unixStream(arg string) error {
	return unixSend(arg, unix.SOCK_STREAM, true, []byte("from the sandbox"), nil)
}

// unixDgramSendto sends a datagram to the socket at arg with sendto.
func unixDgramSendto(arg string) error {
	return unixSend(arg, unix.SOCK_DGRAM, false, []byte("from the sandbox"), nil)
}

// unixDgramSendmsg sends a datagram to the socket at arg with sendmsg.
func unixDgramSendmsg(arg string) error {
	return unixSend(arg, unix.SOCK_DGRAM, false, []byte("from the sandbox"), []byte{})
}

// unixDgramConnect connects a datagram socket to arg and writes to it.
func unixDgramConnect(arg string) error {
	return unixSend(arg, unix.SOCK_DGRAM, true, []byte("from the sandbox"), nil)
}

// cwdRights is an SCM_RIGHTS message carrying a descriptor of the working
// directory, which a receiver outside could write through.
func cwdRights() ([]byte, error) {
	dir, err := unix.Open(".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return unix.UnixRights(dir), nil
}

// scmRightsStream connects to the stream socket at arg and passes it a
// descriptor.
func scmRightsStream(arg string) error {
	rights, err := cwdRights()
	if err != nil {
		return err
	}
	return unixSend(arg, unix.SOCK_STREAM, true, []byte("fd"), rights)
}

// scmRightsDgram passes a descriptor to the datagram socket at arg.
func scmRightsDgram(arg string) error {
	rights, err := cwdRights()
	if err != nil {
		return err
	}
	return unixSend(arg, unix.SOCK_DGRAM, false, []byte("fd"), rights)
}

// socketpairRoundTrip sends a message through a socket pair of its own.
func socketpairRoundTrip(string) error {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socketpair: %w", err)
	}
	defer unix.Close(pair[0])
	defer unix.Close(pair[1])
	if _, err := unix.Write(pair[0], []byte("ping")); err != nil {
		return err
	}
	buf := make([]byte, 4)
	if _, err := unix.Read(pair[1], buf); err != nil {
		return err
	}
	if string(buf) != "ping" {
		return fmt.Errorf("read %q", buf)
	}
	return nil
}

// socketpairRights passes a descriptor over a socket pair of its own.
func socketpairRights(string) error {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socketpair: %w", err)
	}
	defer unix.Close(pair[0])
	defer unix.Close(pair[1])
	rights, err := cwdRights()
	if err != nil {
		return err
	}
	_, err = unix.SendmsgN(pair[0], []byte("fd"), rights, nil, 0)
	return err
}

// unixSelfServe listens on a socket in the directory arg and connects to
// it from the same process.
func unixSelfServe(arg string) error {
	path := filepath.Join(arg, "self.sock")
	ln, err := unixSocket(unix.SOCK_STREAM)
	if err != nil {
		return err
	}
	defer unix.Close(ln)
	if err := unix.Bind(ln, &unix.SockaddrUnix{Name: path}); err != nil {
		return fmt.Errorf("bind: %w", err)
	}
	if err := unix.Listen(ln, 1); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return unixStream(path)
}

// symlinkWrite creates the symbolic link DIR/link pointing to TARGET
// (arg "DIR|TARGET") and writes through it.
func symlinkWrite(arg string) error {
	parts, err := splitArg(arg, 2)
	if err != nil {
		return err
	}
	link := filepath.Join(parts[0], "link")
	if err := os.Symlink(parts[1], link); err != nil {
		return err
	}
	return os.WriteFile(link, []byte("written through a link"), 0o644)
}

// hardlinkWrite links SRC as DST (arg "SRC|DST") and writes through the
// new name.
func hardlinkWrite(arg string) error {
	parts, err := splitArg(arg, 2)
	if err != nil {
		return err
	}
	if err := os.Link(parts[0], parts[1]); err != nil {
		return err
	}
	return overwrite(parts[1])
}

// overwrite replaces the start of the existing file path.
func overwrite(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString("overwritten")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// renamePaths renames OLD to NEW (arg "OLD|NEW").
func renamePaths(arg string) error {
	parts, err := splitArg(arg, 2)
	if err != nil {
		return err
	}
	return os.Rename(parts[0], parts[1])
}

// exchangePaths swaps A and B atomically (arg "A|B").
func exchangePaths(arg string) error {
	parts, err := splitArg(arg, 2)
	if err != nil {
		return err
	}
	return unix.Renameat2(unix.AT_FDCWD, parts[0], unix.AT_FDCWD, parts[1], unix.RENAME_EXCHANGE)
}

// openatInherited creates the file NAME below the directory inherited as
// descriptor 3, then through /proc/self/fd/3.
func openatInherited(arg string) error {
	fd, err := unix.Openat(3, arg, unix.O_CREAT|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
	if err == nil {
		unix.Close(fd)
		return nil
	}
	if werr := os.WriteFile("/proc/self/fd/3/"+arg, []byte("x"), 0o644); werr == nil {
		return nil
	}
	return fmt.Errorf("openat: %w", err)
}

// bindMount binds SRC onto DST (arg "SRC|DST").
func bindMount(arg string) error {
	parts, err := splitArg(arg, 2)
	if err != nil {
		return err
	}
	return unix.Mount(parts[0], parts[1], "", unix.MS_BIND, "")
}

// pivotRoot makes the directory arg the root, keeping the old one below
// it.
func pivotRoot(arg string) error {
	old := filepath.Join(arg, "old")
	if err := os.MkdirAll(old, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		// A read-only policy cannot make the directory; pivot_root is
		// still tried on arg itself.
		old = arg
	}
	return unix.PivotRoot(arg, old)
}

// openByHandle opens the file at arg for writing through its file handle,
// which bypasses path-based rules.
func openByHandle(arg string) error {
	handle, mountID, err := unix.NameToHandleAt(unix.AT_FDCWD, arg, 0)
	if err != nil {
		return fmt.Errorf("name_to_handle_at: %w", err)
	}
	_ = mountID
	mnt, err := unix.Open(filepath.Dir(arg), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(mnt)
	fd, err := unix.OpenByHandleAt(mnt, handle, unix.O_RDWR)
	if err != nil {
		return fmt.Errorf("open_by_handle_at: %w", err)
	}
	return unix.Close(fd)
}

// ptraceSeize attaches to process arg as a tracer and detaches again.
func ptraceSeize(arg string) error {
	return withPid(arg, func(pid int) error {
		runtime.LockOSThread()
		if err := unix.PtraceSeize(pid); err != nil {
			return err
		}
		return unix.PtraceDetach(pid)
	})
}

// pidfdGetfd takes a copy of descriptor 0 of process arg.
func pidfdGetfd(arg string) error {
	return withPid(arg, func(pid int) error {
		pidfd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			return fmt.Errorf("pidfd_open: %w", err)
		}
		defer unix.Close(pidfd)
		fd, err := unix.PidfdGetfd(pidfd, 0, 0)
		if err != nil {
			return fmt.Errorf("pidfd_getfd: %w", err)
		}
		return unix.Close(fd)
	})
}

// ioUringSetup creates an io_uring instance, whose operations a seccomp
// filter never sees.
func ioUringSetup(string) error {
	var params [120]byte
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, 4, uintptr(unsafe.Pointer(&params[0])), 0)
	if errno != 0 {
		return errno
	}
	return unix.Close(int(fd))
}

// socketFamilies names the address families openSocket knows.
var socketFamilies = map[string]int{
	"inet": unix.AF_INET, "inet6": unix.AF_INET6, "netlink": unix.AF_NETLINK,
	"vsock": unix.AF_VSOCK, "packet": unix.AF_PACKET, "unix": unix.AF_UNIX,
}

// socketTypes names the socket types openSocket knows.
var socketTypes = map[string]int{"stream": unix.SOCK_STREAM, "dgram": unix.SOCK_DGRAM, "raw": unix.SOCK_RAW}

// openSocket creates a socket described by arg, "FAMILY|TYPE|PROTOCOL".
func openSocket(arg string) error {
	parts, err := splitArg(arg, 3)
	if err != nil {
		return err
	}
	family, ok1 := socketFamilies[parts[0]]
	typ, ok2 := socketTypes[parts[1]]
	proto, err := strconv.Atoi(parts[2])
	if !ok1 || !ok2 || err != nil {
		return fmt.Errorf("bad socket %q", arg)
	}
	fd, err := unix.Socket(family, typ|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	return unix.Close(fd)
}

// udpSend sends a datagram to the IPv4 address arg ("127.0.0.1:PORT").
func udpSend(arg string) error {
	host, portText, ok := strings.Cut(arg, ":")
	port, err := strconv.Atoi(portText)
	if !ok || err != nil || host != "127.0.0.1" {
		return fmt.Errorf("bad address %q", arg)
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	return unix.Sendto(fd, []byte("from the sandbox"), 0, &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}})
}

// listDir prints the names in the directory arg.
func listDir(arg string) error {
	entries, err := os.ReadDir(arg)
	for _, e := range entries {
		fmt.Println(e.Name())
	}
	return err
}

// readLink prints the target of the symbolic link arg.
func readLink(arg string) error {
	target, err := os.Readlink(arg)
	if err == nil {
		fmt.Println(target)
	}
	return err
}

// procScan looks for a secret in the environment and command line of
// every process it can see, and prints "PID FILE" for each hit and "seen
// N" for the number of processes listed. arg is the secret reversed, so
// that the command lines of the probe and of the helper do not hold it.
func procScan(arg string) error {
	secret := []byte(arg)
	slices.Reverse(secret)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return err
	}
	seen := 0
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		seen++
		for _, file := range []string{"environ", "cmdline"} {
			data, err := os.ReadFile(filepath.Join("/proc", e.Name(), file))
			if err == nil && bytes.Contains(data, secret) {
				fmt.Println(e.Name(), file)
			}
		}
	}
	fmt.Println("seen", seen)
	return nil
}

// prlimitOther lowers the open-file limit of process arg to 7.
func prlimitOther(arg string) error {
	return withPid(arg, func(pid int) error {
		return unix.Prlimit(pid, unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: 7, Max: 7}, nil)
	})
}

// setAffinity confines process arg to the first CPU.
func setAffinity(arg string) error {
	return withPid(arg, func(pid int) error {
		var set unix.CPUSet
		set.Set(0)
		return unix.SchedSetaffinity(pid, &set)
	})
}

// setSchedulerIdle moves process arg to the SCHED_IDLE policy.
func setSchedulerIdle(arg string) error {
	return withPid(arg, func(pid int) error {
		var prio int32
		return errnoOf(unix.Syscall(unix.SYS_SCHED_SETSCHEDULER, uintptr(pid), 5 /* SCHED_IDLE */, uintptr(unsafe.Pointer(&prio))))
	})
}

// setIOPriorityIdle moves process arg to the idle I/O class.
func setIOPriorityIdle(arg string) error {
	return withPid(arg, func(pid int) error {
		const whoProcess, classIdle = 1, 3
		return errnoOf(unix.Syscall(unix.SYS_IOPRIO_SET, whoProcess, uintptr(pid), classIdle<<13))
	})
}

// setXattr sets the extended attribute NAME on PATH (arg "PATH|NAME"); a
// security.capability value grants CAP_SYS_ADMIN.
func setXattr(arg string) error {
	parts, err := splitArg(arg, 2)
	if err != nil {
		return err
	}
	value := []byte("probe")
	if parts[1] == "security.capability" {
		// struct vfs_cap_data, revision 2, effective, CAP_SYS_ADMIN (21).
		value = []byte{1, 0, 0, 2, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	}
	return unix.Lsetxattr(parts[0], parts[1], value, 0)
}

// fileFlags names the inode flags changeFileFlags can set.
var fileFlags = map[string]int{
	"immutable": 0x10, "append": 0x20, "nodump": 0x40, "noatime": 0x80,
}

// changeFileFlags sets an inode flag on PATH (arg "PATH|FLAG"), as chattr
// does.
func changeFileFlags(arg string) error {
	parts, err := splitArg(arg, 2)
	if err != nil {
		return err
	}
	flag, ok := fileFlags[parts[1]]
	if !ok {
		return fmt.Errorf("unknown flag %q", parts[1])
	}
	fd, err := unix.Open(parts[0], unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	defer unix.Close(fd)
	flags, err := unix.IoctlGetInt(fd, unix.FS_IOC_GETFLAGS)
	if err != nil {
		return fmt.Errorf("get flags: %w", err)
	}
	return unix.IoctlSetPointerInt(fd, unix.FS_IOC_SETFLAGS, flags|flag)
}

// addKey adds a key to the process keyring.
func addKey(string) error {
	_, err := unix.AddKey("user", "codex-probe", []byte("x"), unix.KEY_SPEC_PROCESS_KEYRING)
	return err
}

// bpfMapCreate creates a small BPF array map.
func bpfMapCreate(string) error {
	attr := [5]uint32{2 /* BPF_MAP_TYPE_ARRAY */, 4, 4, 1, 0}
	fd, _, errno := unix.Syscall(unix.SYS_BPF, 0 /* BPF_MAP_CREATE */, uintptr(unsafe.Pointer(&attr[0])), unsafe.Sizeof(attr))
	if errno != 0 {
		return errno
	}
	return unix.Close(int(fd))
}

// perfSystemWide opens a software event counting on CPU 0 for every
// process (pid -1), which needs privilege.
func perfSystemWide(string) error {
	attr := unix.PerfEventAttr{Type: unix.PERF_TYPE_SOFTWARE, Config: unix.PERF_COUNT_SW_CPU_CLOCK}
	attr.Size = uint32(unsafe.Sizeof(attr))
	fd, err := unix.PerfEventOpen(&attr, -1, 0, -1, unix.PERF_FLAG_FD_CLOEXEC)
	if err != nil {
		return err
	}
	return unix.Close(fd)
}

// userfaultfd creates a userfaultfd descriptor.
func userfaultfd(string) error {
	fd, _, errno := unix.Syscall(unix.SYS_USERFAULTFD, unix.O_CLOEXEC, 0, 0)
	if errno != 0 {
		return errno
	}
	return unix.Close(int(fd))
}

// utsField returns a NUL-terminated field of struct utsname as bytes.
func utsField(f []byte) []byte {
	if i := bytes.IndexByte(f, 0); i >= 0 {
		return f[:i]
	}
	return f
}

// sameHostname sets the host name to what it already is, so that a
// sandbox that let it through changes nothing.
func sameHostname(string) error {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return err
	}
	return unix.Sethostname(utsField(u.Nodename[:]))
}

// sameDomainname sets the NIS domain name to what it already is.
func sameDomainname(string) error {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return err
	}
	return unix.Setdomainname(utsField(u.Domainname[:]))
}

// invalidTimeOfDay calls settimeofday with an invalid time, which the
// kernel rejects (EINVAL) before it checks the capability: only a filter
// answers EPERM, and nothing can change the clock.
func invalidTimeOfDay(string) error {
	return unix.Settimeofday(&unix.Timeval{Sec: 1, Usec: 2_000_000})
}

// invalidClock calls clock_settime with an invalid time (see
// invalidTimeOfDay).
func invalidClock(string) error {
	return unix.ClockSettime(unix.CLOCK_REALTIME, &unix.Timespec{Sec: 1, Nsec: 2_000_000_000})
}

// deleteModule unloads a module that does not exist (ENOENT when the call
// is allowed).
func deleteModule(string) error {
	name, err := unix.BytePtrFromString("codex_probe_no_such_module")
	if err != nil {
		return err
	}
	return errnoOf(unix.Syscall(unix.SYS_DELETE_MODULE, uintptr(unsafe.Pointer(name)), unix.O_NONBLOCK, 0))
}

// swaponMissing enables swapping on a file that does not exist.
func swaponMissing(string) error {
	name, err := unix.BytePtrFromString("/codex-probe-no-such-swap")
	if err != nil {
		return err
	}
	return errnoOf(unix.Syscall(unix.SYS_SWAPON, uintptr(unsafe.Pointer(name)), 0, 0))
}

// cloneUser starts a process in a new user namespace.
func cloneUser(string) error {
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER}
	return cmd.Run()
}

// raiseCapability tries to make CAP_SYS_ADMIN effective again.
func raiseCapability(string) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	data[0].Effective = 1 << unix.CAP_SYS_ADMIN
	data[0].Permitted = 1 << unix.CAP_SYS_ADMIN
	return unix.Capset(&hdr, &data[0])
}

// printStatus prints the capability, no_new_privs and seccomp lines of
// /proc/self/status.
func printStatus(string) error {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "Cap") || strings.HasPrefix(line, "NoNewPrivs") || strings.HasPrefix(line, "Seccomp:") {
			fmt.Println(line)
		}
	}
	return nil
}

// runVictim turns the probe into a victim process for the tests of other
// processes: it gives up every capability (as a process of an ordinary
// user has none) and replaces itself with `sleep`, named arg, keeping its
// environment (where the tests put a secret).
func runVictim(arg string) error {
	runtime.LockOSThread()
	if err := dropCapabilities(&measures{}); err != nil {
		return err
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		return err
	}
	return syscall.Exec(sleep, []string{arg, "3600"}, os.Environ())
}
