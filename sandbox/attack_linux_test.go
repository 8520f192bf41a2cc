package sandbox

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/codex-go/codex/internal/ptytest"
	"github.com/codex-go/codex/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// The red-team suite: every family of attack a hostile command could try,
// under read-only and workspace-write, with namespaces (isolated, as codex
// starts commands) and without (plain, as on systems that refuse them).
// Each case asserts that the kernel refused the attempt and then checks
// from outside that nothing changed. Controls under danger-full-access
// show that each probe does what it claims. The fixtures are in
// attackenv_linux_test.go, the probe operations in
// attackprobe_linux_test.go.

// forEachJail runs f as a parallel subtest for every restricting policy
// and mode.
func forEachJail(t *testing.T, name string, f func(t *testing.T, p protocol.SandboxPolicy, md mode)) {
	t.Helper()
	for pname, p := range restrictingPolicies() {
		for _, md := range modes() {
			t.Run(fmt.Sprintf("%s/%s/%s", name, pname, md), func(t *testing.T) {
				t.Parallel()
				f(t, p, md)
			})
		}
	}
}

// terminals are the pseudo-terminals of a terminal attack: own is the one
// the command was given, other one it was not.
type terminals struct{ own, other *ptytest.Pair }

func TestAttackTerminalInjection(t *testing.T) {
	tests := []struct {
		name string
		// given gives the command own as standard input and controlling
		// terminal; otherwise it starts in a session of its own without
		// one, as codex starts model commands.
		given  bool
		op     string
		target func(s terminals) string
		errs   []string
		// check inspects the terminals afterwards.
		check func(t *testing.T, s terminals)
	}{
		{"TIOCSTI on its own terminal", true, "tiocsti", func(terminals) string { return "fd:0" }, []string{errEPERM}, ownQueueEmpty},
		{"TIOCSTI with high bits on its own terminal", true, "tiocsti-high", func(terminals) string { return "fd:0" }, []string{errEPERM}, ownQueueEmpty},
		{"TIOCLINUX on its own terminal", true, "tioclinux", func(terminals) string { return "fd:0" }, []string{errEPERM}, ownQueueEmpty},
		{"TIOCLINUX with high bits on its own terminal", true, "tioclinux-high", func(terminals) string { return "fd:0" }, []string{errEPERM}, ownQueueEmpty},
		{"TIOCSTI through the tty device", true, "tiocsti", func(terminals) string { return "/dev/tty" }, []string{errEPERM}, ownQueueEmpty},
		{"tty device without a controlling terminal", false, "opentty", func(terminals) string { return "/dev/tty" }, []string{errENXIO}, nil},
		{"TIOCSTI on another terminal", true, "tiocsti", func(s terminals) string { return s.other.Path }, []string{errEPERM, errEACCES}, otherUntouched},
		{"TIOCSTI on another terminal without one", false, "tiocsti", func(s terminals) string { return s.other.Path }, []string{errEPERM, errEACCES, errENOENT}, otherUntouched},
		{"write to another terminal", true, "writetty", func(s terminals) string { return s.other.Path }, []string{errEACCES}, otherUntouched},
		{"write to another terminal without one", false, "writetty", func(s terminals) string { return s.other.Path }, []string{errEACCES, errENOENT}, otherUntouched},
	}
	for _, tt := range tests {
		forEachJail(t, tt.name, func(t *testing.T, p protocol.SandboxPolicy, md mode) {
			s := terminals{own: ptytest.Open(t), other: ptytest.Open(t)}
			j := jail{mode: md, policy: p, cwd: t.TempDir(), session: true}
			if tt.given {
				j.stdin, j.ctty = s.own.SlaveFile, true
			}
			res := j.probe(t, tt.op, tt.target(s))
			assertDenied(t, res, tt.errs...)
			if tt.check != nil {
				tt.check(t, s)
			}
		})
	}

	t.Run("control: injection works without the sandbox", func(t *testing.T) {
		t.Parallel()
		own := ptytest.Open(t)
		res := jail{policy: unrestricted(), cwd: t.TempDir(), stdin: own.SlaveFile, ctty: true}.probe(t, "tiocsti", "/dev/tty")
		assertWorked(t, res)
		assert.Equal(t, len(injectedInput), own.Queued(t))
	})
}

// ownQueueEmpty checks that nothing was pushed into the input of the
// command's own terminal.
func ownQueueEmpty(t *testing.T, s terminals) {
	t.Helper()
	assert.Zero(t, s.own.Queued(t), "bytes were injected into the terminal's input")
}

// otherUntouched checks that nothing reached the other terminal, neither as
// input nor as output.
func otherUntouched(t *testing.T, s terminals) {
	t.Helper()
	assert.Zero(t, s.other.Queued(t), "bytes were injected into another terminal's input")
	assert.Empty(t, s.other.Shown(t), "bytes were written to another terminal")
}

func TestAttackTerminalReading(t *testing.T) {
	// What someone types at another terminal (a password at a sudo prompt)
	// must not be readable by a command.
	const typed = "typed-secret-password\n"
	for _, given := range []bool{false, true} {
		name := "another terminal's input"
		if given {
			name += " (command has a terminal)"
		}
		forEachJail(t, name, func(t *testing.T, p protocol.SandboxPolicy, md mode) {
			own, other := ptytest.Open(t), ptytest.Open(t)
			other.TypeIn(t, typed)
			j := jail{mode: md, policy: p, cwd: t.TempDir(), session: true}
			if given {
				j.stdin, j.ctty = own.SlaveFile, true
			}
			res := j.probe(t, "readtty", other.Path)
			knownHole(t, strings.Contains(res.stdout, "typed-secret"),
				"a command can read another terminal's input (%s mode, terminal given: %v): Landlock grants read on all of /dev, and only an own /dev/pts instance hides other terminals", md, given)
			assertDenied(t, res, errEACCES, errENOENT)
			assert.Equal(t, len(typed), other.Queued(t))
		})
	}

	t.Run("virtual console", func(t *testing.T) {
		requireRoot(t)
		if _, err := os.Stat("/dev/tty1"); err != nil {
			t.Skip("no virtual console")
		}
		for _, md := range modes() {
			res := jail{mode: md, policy: readOnlyPolicy(), cwd: t.TempDir(), session: true}.probe(t, "readtty", "/dev/tty1")
			knownHole(t, res.code == 0, "root can open the virtual console /dev/tty1 for reading (%s mode): its keyboard input is readable", md)
			assertDenied(t, res, errEACCES, errENOENT, errEPERM)
		}
	})
}

func TestAttackUnixSockets(t *testing.T) {
	tests := []struct {
		name     string
		op       string
		typ      int
		abstract bool
		// want is what reaches the listener when the network is open.
		wantConns, wantMsgs, wantFDs int
	}{
		{"stream to a path", "unix-stream", unix.SOCK_STREAM, false, 1, 1, 0},
		{"stream to an abstract name", "unix-stream", unix.SOCK_STREAM, true, 1, 1, 0},
		{"datagram by sendto to a path", "unix-dgram-sendto", unix.SOCK_DGRAM, false, 0, 1, 0},
		{"datagram by sendmsg to a path", "unix-dgram-sendmsg", unix.SOCK_DGRAM, false, 0, 1, 0},
		{"datagram by connect to a path", "unix-dgram-connect", unix.SOCK_DGRAM, false, 0, 1, 0},
		{"datagram by sendto to an abstract name", "unix-dgram-sendto", unix.SOCK_DGRAM, true, 0, 1, 0},
		{"datagram by sendmsg to an abstract name", "unix-dgram-sendmsg", unix.SOCK_DGRAM, true, 0, 1, 0},
		{"SCM_RIGHTS over a stream", "scm-rights", unix.SOCK_STREAM, false, 1, 1, 1},
		{"SCM_RIGHTS in a datagram", "scm-rights-dgram", unix.SOCK_DGRAM, false, 0, 1, 1},
	}
	policies := map[string]protocol.SandboxPolicy{"read-only": readOnlyPolicy(), "workspace-write": workspace(nil), "network": networkPolicy()}
	for _, tt := range tests {
		for pname, p := range policies {
			for _, md := range modes() {
				t.Run(fmt.Sprintf("%s/%s/%s", tt.name, pname, md), func(t *testing.T) {
					t.Parallel()
					addr := filepath.Join(outsideDir(t), "s")
					if tt.abstract {
						addr = fmt.Sprintf("@codex-attack-%d-%s", os.Getpid(), strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()))
					}
					ln := listenUnix(t, tt.typ, addr)
					res := jail{mode: md, policy: p, cwd: t.TempDir()}.probe(t, tt.op, addr)
					conns, msgs, fds := ln.received(t)
					if p.NetworkAccess {
						// Documented: with the network open, every socket the
						// command can name is reachable.
						assertWorked(t, res)
						assert.Equal(t, []int{tt.wantConns, tt.wantMsgs, tt.wantFDs}, []int{conns, msgs, fds})
						return
					}
					assertDenied(t, res, errEPERM)
					assert.Equal(t, []int{0, 0, 0}, []int{conns, msgs, fds}, "connections, messages, descriptors received outside")
				})
			}
		}
	}

	// Inside the sandbox, with the network closed: a socket pair carries
	// data but not descriptors (sendmsg is refused), and a server the
	// command starts itself cannot be connected to (connect is refused).
	inside := []struct {
		name   string
		op     string
		closed []string // the errors with the network closed; none: it works
	}{
		{"socketpair carries data", "socketpair", nil},
		{"socketpair cannot pass descriptors", "socketpair-rights", []string{errEPERM}},
		{"own server cannot be connected to", "unix-self", []string{errEPERM}},
	}
	for _, tt := range inside {
		for _, network := range []bool{false, true} {
			for _, md := range modes() {
				t.Run(fmt.Sprintf("inside/%s/network=%v/%s", tt.name, network, md), func(t *testing.T) {
					t.Parallel()
					cwd := t.TempDir()
					p := workspace(func(p *protocol.SandboxPolicy) { p.NetworkAccess = network })
					res := jail{mode: md, policy: p, cwd: cwd}.probe(t, tt.op, cwd)
					if network || tt.closed == nil {
						assertWorked(t, res)
						return
					}
					assertDenied(t, res, tt.closed...)
				})
			}
		}
	}
}

func TestAttackWritesOutsideTheRoots(t *testing.T) {
	// Each case gets a workspace (cwd, the writable root under
	// workspace-write) holding "file", and a directory outside holding
	// "target"; a victim process runs in the outside directory.
	type place struct{ ws, out, target string }
	tests := []struct {
		name string
		op   string
		arg  func(p place, v *victim) string
		errs []string
	}{
		{"write", "write", func(p place, _ *victim) string { return p.target }, []string{errEACCES, errEROFS}},
		{"write through a symbolic link", "symlink-write", func(p place, _ *victim) string { return p.ws + argSep + p.target }, []string{errEACCES, errEROFS}},
		{"write through a hard link", "hardlink-write", func(p place, _ *victim) string { return p.target + argSep + filepath.Join(p.ws, "hard") }, []string{errEACCES, errEROFS, errEXDEV}},
		{"rename into the workspace", "rename", func(p place, _ *victim) string { return p.target + argSep + filepath.Join(p.ws, "stolen") }, []string{errEACCES, errEROFS, errEXDEV}},
		{"rename out of the workspace", "rename", func(p place, _ *victim) string {
			return filepath.Join(p.ws, "file") + argSep + filepath.Join(p.out, "planted")
		}, []string{errEACCES, errEROFS, errEXDEV}},
		{"exchange with a file outside", "exchange", func(p place, _ *victim) string { return filepath.Join(p.ws, "file") + argSep + p.target }, []string{errEACCES, errEROFS, errEXDEV}},
		{"write through /proc/self/root", "write", func(p place, _ *victim) string { return "/proc/self/root" + p.target }, []string{errEACCES, errEROFS}},
		{"write through another process's cwd", "write", func(p place, v *victim) string { return fmt.Sprintf("/proc/%d/cwd/planted", v.pid) }, []string{errEACCES, errENOENT}},
		{"write through an inherited directory descriptor", "openat-fd", func(place, *victim) string { return "planted" }, []string{errEACCES, errEROFS}},
		{"mount over the workspace", "mount-tmpfs", func(p place, _ *victim) string { return p.ws }, []string{errEPERM}},
		{"bind the outside into the workspace", "bind", func(p place, _ *victim) string { return p.out + argSep + p.ws }, []string{errEPERM}},
		{"pivot_root", "pivot-root", func(p place, _ *victim) string { return p.ws }, []string{errEPERM}},
		{"open_by_handle_at", "open-by-handle", func(p place, _ *victim) string { return p.target }, []string{errEPERM}},
		{"ptrace another process", "ptrace", func(_ place, v *victim) string { return v.arg() }, []string{errEPERM, errESRCH}},
		{"pidfd_getfd of another process", "pidfd-getfd", func(_ place, v *victim) string { return v.arg() }, []string{errEPERM, errESRCH}},
		{"another process's memory", "proc-mem", func(_ place, v *victim) string { return v.arg() }, []string{errEACCES, errEPERM, errENOENT, errEROFS}},
		{"io_uring", "io-uring", func(place, *victim) string { return "" }, []string{errEPERM}},
		{"device node outside", "mknod", func(p place, _ *victim) string { return filepath.Join(p.out, "null") }, []string{errEACCES, errEROFS, errEPERM}},
		{"device node in the workspace", "mknod", func(p place, _ *victim) string { return filepath.Join(p.ws, "null") }, []string{errEACCES, errEROFS, errEPERM}},
		{"a file in /proc/sys", "open-write", func(place, *victim) string { return "/proc/sys/kernel/hostname" }, []string{errEACCES, errEROFS}},
		{"the sysrq trigger", "open-write", func(place, *victim) string { return "/proc/sysrq-trigger" }, []string{errEACCES, errEROFS}},
		{"a file in /sys", "open-write", func(place, *victim) string {
			return firstExisting("/sys/kernel/mm/transparent_hugepage/enabled", "/sys/power/state", "/sys/kernel/uevent_helper")
		}, []string{errEACCES, errEROFS}},
		{"a cgroup's process list", "open-write", func(place, *victim) string {
			return firstExisting("/sys/fs/cgroup/cgroup.procs", "/sys/fs/cgroup/unified/cgroup.procs", "/sys/fs/cgroup/pids/cgroup.procs")
		}, []string{errEACCES, errEROFS}},
	}
	for _, tt := range tests {
		forEachJail(t, tt.name, func(t *testing.T, p protocol.SandboxPolicy, md mode) {
			if arg := tt.arg(place{}, &victim{}); tt.op == "open-write" {
				if _, err := os.Stat(arg); err != nil {
					t.Skipf("this system has no %s", arg)
				}
			}
			pl := place{ws: t.TempDir(), out: outsideDir(t)}
			writeFile(t, pl.ws, "file", "inside")
			pl.target = writeFile(t, pl.out, "target", "original")
			before := stateOf(t, pl.target)
			v := startVictim(t, pl.out)
			dir, err := os.Open(pl.out)
			require.NoError(t, err)
			defer dir.Close()
			j := jail{mode: md, policy: p, cwd: pl.ws, files: []*os.File{dir}}
			res := j.probe(t, tt.op, tt.arg(pl, v))
			assertDenied(t, res, tt.errs...)
			assert.Equal(t, before, stateOf(t, pl.target), "the file outside changed")
			assert.Equal(t, []string{"target"}, dirNames(t, pl.out), "entries outside")
			assert.Equal(t, "inside", readString(t, filepath.Join(pl.ws, "file")))
			assert.True(t, v.state(t).alive)
			assert.Equal(t, "0", v.state(t).tracer)
		})
	}

	t.Run("control: the probes work without the sandbox", func(t *testing.T) {
		t.Parallel()
		for _, op := range []string{"symlink-write", "hardlink-write", "openat-fd"} {
			ws, out := t.TempDir(), outsideDir(t)
			target := writeFile(t, out, "target", "original")
			before := stateOf(t, target)
			dir, err := os.Open(out)
			require.NoError(t, err)
			defer dir.Close()
			arg := map[string]string{
				"symlink-write":  ws + argSep + target,
				"hardlink-write": target + argSep + filepath.Join(ws, "hard"),
				"openat-fd":      "planted",
			}[op]
			res := jail{policy: unrestricted(), cwd: ws, files: []*os.File{dir}}.probe(t, op, arg)
			assertWorked(t, res)
			changed := before != stateOf(t, target) || len(dirNames(t, out)) != 1
			assert.True(t, changed, "%s changed nothing", op)
		}
	})
}

func TestAttackNetworkSockets(t *testing.T) {
	tcp := tcpServer(t)
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { udp.Close() })
	tests := []struct{ name, op, arg string }{
		{"TCP connect", "dial", tcp},
		{"UDP send", "udp-send", udp.LocalAddr().String()},
		{"IPv4 stream socket", "socket", "inet|stream|0"},
		{"IPv4 datagram socket", "socket", "inet|dgram|0"},
		{"IPv6 stream socket", "socket", "inet6|stream|0"},
		{"raw ICMP socket", "socket", "inet|raw|1"},
		{"netlink route socket", "socket", "netlink|raw|0"},
		{"vsock socket", "socket", "vsock|stream|0"},
		{"packet socket", "socket", "packet|raw|768"},
	}
	for _, tt := range tests {
		forEachJail(t, tt.name, func(t *testing.T, p protocol.SandboxPolicy, md mode) {
			res := jail{mode: md, policy: p, cwd: t.TempDir()}.probe(t, tt.op, tt.arg)
			assertDenied(t, res, errEPERM, errEACCES)
		})
	}
	// Nothing reached the UDP listener.
	require.NoError(t, udp.SetReadDeadline(time.Now()))
	t.Cleanup(func() {
		buf := make([]byte, 64)
		_, _, err := udp.ReadFrom(buf)
		assert.Error(t, err, "a datagram from the sandbox arrived")
	})
}

// firstExisting returns the first of paths that exists, or the last.
func firstExisting(paths ...string) string {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return paths[len(paths)-1]
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// readString returns the content of the file at path.
func readString(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

// int80Connect connects to the Unix socket named by its argument through
// the 32-bit system call interface (int $0x80, socketcall), whose calls a
// filter written for x86-64 would not recognise.
const int80Connect = `#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

static long socketcall32(long call, unsigned int *args) {
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(102), "b"(call), "c"(args) : "memory", "r8", "r9", "r10", "r11");
	return r;
}

int main(int argc, char **argv) {
	if (argc != 2) return 2;
	/* Memory the 32-bit interface can address. */
	char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (low == MAP_FAILED) return 2;
	struct sockaddr_un *sa = (struct sockaddr_un *)low;
	sa->sun_family = AF_UNIX;
	strncpy(sa->sun_path, argv[1], sizeof sa->sun_path - 1);
	unsigned int *args = (unsigned int *)(low + 1024);
	args[0] = AF_UNIX; args[1] = SOCK_STREAM; args[2] = 0;
	long fd = socketcall32(1 /* SYS_SOCKET */, args);
	if (fd < 0) { printf("socket %ld\n", fd); return 3; }
	args[0] = (unsigned int)fd; args[1] = (unsigned int)(unsigned long)sa; args[2] = sizeof *sa;
	long r = socketcall32(3 /* SYS_CONNECT */, args);
	printf("connect %ld\n", r);
	return r == 0 ? 0 : 3;
}
`

func TestAttackUnixSocketThrough32BitCalls(t *testing.T) {
	gcc := requireTool(t, "gcc")
	dir := outsideDir(t)
	src := writeFile(t, dir, "int80.c", int80Connect)
	bin := filepath.Join(dir, "int80")
	if out, err := exec.Command(gcc, "-O1", "-o", bin, src).CombinedOutput(); err != nil {
		t.Skipf("cannot build a program using int $0x80: %v: %s", err, out)
	}
	path := filepath.Join(dir, "s")
	ln := listenUnix(t, unix.SOCK_STREAM, path)
	res := jail{policy: unrestricted(), cwd: t.TempDir()}.run(t, bin, path)
	if res.code != 0 {
		t.Skipf("this kernel does not run 32-bit system calls: %s", res.stdout)
	}
	conns, _, _ := ln.received(t)
	require.Equal(t, 1, conns, "the control connection must arrive")

	forEachJail(t, "int 0x80 connect", func(t *testing.T, p protocol.SandboxPolicy, md mode) {
		ln := listenUnix(t, unix.SOCK_STREAM, filepath.Join(outsideDir(t), "s"))
		res := jail{mode: md, policy: p, cwd: t.TempDir()}.run(t, bin, ln.addr)
		assert.NotEqual(t, 0, res.code, "the 32-bit call must kill the process: %s", res.stdout)
		assert.NotContains(t, res.stdout, "connect 0")
		conns, msgs, _ := ln.received(t)
		assert.Equal(t, []int{0, 0}, []int{conns, msgs})
	})
}

// treeState maps every path below dir to its mode and content, to tell
// whether anything in the tree changed.
func treeState(t *testing.T, dir string) map[string]string {
	t.Helper()
	state := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		entry := info.Mode().String()
		switch {
		case info.Mode().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			entry += " " + string(data)
		case info.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			entry += " -> " + target
		}
		state[path] = entry
		return nil
	})
	require.NoError(t, err)
	return state
}

// treeChanges lists the paths whose state differs between two treeState
// snapshots.
func treeChanges(before, after map[string]string) []string {
	var changed []string
	for path, state := range before {
		if after[path] != state {
			changed = append(changed, path)
		}
	}
	for path := range after {
		if _, ok := before[path]; !ok {
			changed = append(changed, path+" (new)")
		}
	}
	return changed
}

// gitConfigValue returns a repository setting as git itself sees it from
// outside the sandbox ("" when unset).
func gitConfigValue(t *testing.T, repo, key string) string {
	t.Helper()
	out, _ := exec.Command("git", "-C", repo, "config", "--get", key).Output()
	return strings.TrimSpace(string(out))
}

func TestAttackGitDirectory(t *testing.T) {
	tests := []struct {
		name, script string
		// chmod says the attack only changes a mode, which root may do
		// as the owner without a mount namespace (documented).
		chmod bool
	}{
		{"plant a hook", `printf '#!/bin/sh\ntouch "$0.ran"\n' > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit`, false},
		{"set core.fsmonitor with git config", `git config core.fsmonitor 'touch fsmonitor-ran'`, false},
		{"append core.fsmonitor to the config", `printf '[core]\n\tfsmonitor = touch fsmonitor-ran\n' >> .git/config`, false},
		{"set a clean filter", `git config filter.x.clean 'touch filter-ran'`, false},
		{"replace the config", `cp .git/config c && printf '[core]\n\thooksPath = /tmp\n' >> c && mv -f c .git/config`, false},
		{"create commondir", `echo /tmp > .git/commondir`, false},
		{"rename .git away and replace it", `mv .git .git-old && mkdir .git`, false},
		{"remove .git", `rm -rf .git`, false},
		{"replace hooks with a link", `rm -rf .git/hooks && ln -s /tmp .git/hooks`, false},
		{"change the config's mode", `chmod 666 .git/config`, true},
		{"unmount .git", `umount -l .git`, false},
		{"mount over .git", `mount -t tmpfs none .git`, false},
	}
	for _, tt := range tests {
		forEachJail(t, tt.name, func(t *testing.T, p protocol.SandboxPolicy, md mode) {
			if md == plain && (p.Mode == protocol.SandboxWorkspaceWrite || tt.chmod) {
				t.Skip("without a mount namespace .git inside a writable root stays writable, and root may change modes (documented)")
			}
			ws := gitRepo(t, t.TempDir())
			git := filepath.Join(ws, ".git")
			before := treeState(t, git)
			res := jail{mode: md, policy: p, cwd: ws}.shell(t, tt.script)
			assert.NotEqual(t, 0, res.code, "the attack must fail: %s", res.stderr)
			// An ordinary user's umount finds nothing it may unmount.
			assert.Regexp(t, "(?i)read-only file system|permission denied|device or resource busy|operation not permitted|must be superuser|not mounted", res.stderr)
			assert.Empty(t, treeChanges(before, treeState(t, git)), "the repository changed")
			assert.NoDirExists(t, git+"-old")
			assert.Empty(t, gitConfigValue(t, ws, "core.fsmonitor"))
			assert.Empty(t, gitConfigValue(t, ws, "core.hookspath"))
		})
	}
}

func TestAttackGitDirectoryBelowANestedRoot(t *testing.T) {
	// The workspace is a repository inside another writable root (the
	// default /tmp or $TMPDIR, an --add-dir parent): .git is bound
	// read-only, but the workspace itself is an ordinary directory of the
	// outer root and can be renamed, taking the protected .git with it.
	for _, md := range modes() {
		t.Run(string(md), func(t *testing.T) {
			t.Parallel()
			if md == plain {
				t.Skip("without a mount namespace .git inside a writable root stays writable (documented)")
			}
			outer := t.TempDir()
			ws := gitRepo(t, filepath.Join(outer, "repo"))
			p := workspace(func(p *protocol.SandboxPolicy) { p.WritableRoots = []string{outer} })
			res := jail{mode: md, policy: p, cwd: ws}.shell(t,
				`cd .. && mv repo repo.moved && mkdir repo && cp -a repo.moved/.git repo/.git && `+
					`git -C repo config core.fsmonitor 'touch fsmonitor-ran' && mv repo.moved/* repo/ 2>/dev/null; true`)
			require.Equal(t, 0, res.code, res.stderr)
			knownHole(t, gitConfigValue(t, ws, "core.fsmonitor") != "",
				"renaming the workspace inside an outer writable root replaces its read-only .git (fsmonitor now %q)", gitConfigValue(t, ws, "core.fsmonitor"))
			assert.NoDirExists(t, filepath.Join(outer, "repo.moved"))
		})
	}
}

func TestAttackCodexHome(t *testing.T) {
	const secret = "sk-codex-home-secret-0123456789"
	const config = "model = \"gpt-5\"\n"
	// HOME is replaced by the CODEX_HOME path in each script.
	tests := []struct {
		name   string
		script string
		// reads says the attack only reads: its output must not hold the
		// secret, and it may succeed (reading an empty auth.json).
		reads bool
		// harmless says the command may see success as long as nothing
		// changes (auth.json is /dev/null to it).
		harmless bool
	}{
		{"add an MCP server", `printf '[mcp_servers.evil]\ncommand = "touch"\nargs = ["mcp-ran"]\n' >> HOME/config.toml`, false, false},
		{"replace config.toml", `cp HOME/config.toml c && echo 'approval_policy = "never"' >> c && mv -f c HOME/config.toml`, false, false},
		{"remove and recreate config.toml", `rm -f HOME/config.toml && echo 'approval_policy = "never"' > HOME/config.toml`, false, false},
		{"rename CODEX_HOME away and replace it", `mv HOME HOME.old && mkdir HOME && echo 'approval_policy = "never"' > HOME/config.toml`, false, false},
		{"overwrite auth.json", `echo '{}' > HOME/auth.json`, false, true},
		{"unmount the cover of auth.json", `umount -l HOME/auth.json`, false, false},
		{"read auth.json", `cat HOME/auth.json`, true, false},
		{"copy auth.json", `cp HOME/auth.json ./stolen; cat ./stolen`, true, false},
		{"hard link auth.json", `ln HOME/auth.json ./linked; cat ./linked`, true, false},
	}
	for _, inside := range []bool{true, false} {
		where := "outside the roots"
		if inside {
			where = "inside the workspace"
		}
		for _, tt := range tests {
			forEachJail(t, where+"/"+tt.name, func(t *testing.T, p protocol.SandboxPolicy, md mode) {
				if md == plain && (tt.reads || tt.harmless || (inside && p.Mode == protocol.SandboxWorkspaceWrite)) {
					t.Skip("without a mount namespace auth.json stays readable, and CODEX_HOME inside a writable root writable (documented)")
				}
				ws := t.TempDir()
				home := filepath.Join(ws, ".codex")
				if !inside {
					home = filepath.Join(outsideDir(t), ".codex")
				}
				writeFile(t, home, "config.toml", config)
				require.NoError(t, os.WriteFile(filepath.Join(home, "auth.json"), []byte(`{"OPENAI_API_KEY":"`+secret+`"}`), 0o600))
				before := treeState(t, home)
				j := jail{mode: md, policy: p, cwd: ws, prot: CodexHomeProtection(home)}
				res := j.shell(t, strings.ReplaceAll(tt.script, "HOME", home))
				assert.NotContains(t, res.stdout+res.stderr, secret, "the command read the credentials")
				if !tt.reads && !tt.harmless {
					assert.NotEqual(t, 0, res.code, "the attack must fail")
				}
				assert.Empty(t, treeChanges(before, treeState(t, home)), "CODEX_HOME changed")
				assert.NoDirExists(t, home+".old")
				for path, state := range treeState(t, ws) {
					if !strings.HasPrefix(path, home) {
						assert.NotContains(t, state, secret, "%s holds the credentials", path)
					}
				}
			})
		}
	}

	t.Run("below a subdirectory of the workspace", func(t *testing.T) {
		// CODEX_HOME two levels below a writable root: its parent is an
		// ordinary directory that can be renamed, taking the read-only
		// mount with it.
		t.Parallel()
		ws := t.TempDir()
		home := filepath.Join(ws, "sub", "codex-home")
		writeFile(t, home, "config.toml", config)
		j := jail{mode: isolated, policy: workspace(nil), cwd: ws, prot: CodexHomeProtection(home)}
		res := j.shell(t, `mv sub sub.moved && mkdir -p sub/codex-home && printf '[mcp_servers.evil]\ncommand = "touch"\n' > sub/codex-home/config.toml`)
		data, err := os.ReadFile(filepath.Join(home, "config.toml"))
		require.NoError(t, err)
		knownHole(t, strings.Contains(string(data), "mcp_servers.evil"),
			"renaming a parent of CODEX_HOME inside a writable root replaces its config.toml (exit %d)", res.code)
		assert.Equal(t, config, string(data))
	})
}

func TestAttackProtectedPathsThroughSymlinks(t *testing.T) {
	// A protected path (CODEX_HOME, .git) reached through a symbolic link
	// inside a writable root: the target is bound read-only, but the link
	// is an ordinary entry of the root. Replacing it changes what the next
	// reader of the path (the next conversation, the user's git) gets.
	tests := []struct {
		name string
		// setup makes the layout in the workspace and returns the path a
		// reader uses, and the protection.
		setup func(t *testing.T, ws string) (path string, prot Protection)
		// script replaces the link with a directory of the attacker's.
		script string
		// planted says whether the reader now gets the attacker's file.
		planted func(t *testing.T, path string) bool
	}{
		{
			name: "CODEX_HOME is a link",
			setup: func(t *testing.T, ws string) (string, Protection) {
				writeFile(t, ws, "dotfiles/codex/config.toml", "model = \"gpt-5\"\n")
				require.NoError(t, os.Symlink("dotfiles/codex", filepath.Join(ws, ".codex")))
				home := filepath.Join(ws, ".codex")
				return home, CodexHomeProtection(home)
			},
			script: `rm .codex && mkdir .codex && printf '[mcp_servers.evil]\ncommand = "touch"\n' > .codex/config.toml`,
			planted: func(t *testing.T, home string) bool {
				data, _ := os.ReadFile(filepath.Join(home, "config.toml"))
				return strings.Contains(string(data), "mcp_servers.evil")
			},
		},
		{
			name: "a directory above CODEX_HOME is a link",
			setup: func(t *testing.T, ws string) (string, Protection) {
				writeFile(t, ws, "real/codex/config.toml", "model = \"gpt-5\"\n")
				require.NoError(t, os.Symlink("real", filepath.Join(ws, "state")))
				home := filepath.Join(ws, "state", "codex")
				return home, CodexHomeProtection(home)
			},
			script: `rm state && mkdir -p state/codex && printf '[mcp_servers.evil]\ncommand = "touch"\n' > state/codex/config.toml`,
			planted: func(t *testing.T, home string) bool {
				data, _ := os.ReadFile(filepath.Join(home, "config.toml"))
				return strings.Contains(string(data), "mcp_servers.evil")
			},
		},
		{
			name: ".git is a link",
			setup: func(t *testing.T, ws string) (string, Protection) {
				gitRepo(t, filepath.Join(ws, "repo.git.d"))
				require.NoError(t, os.Rename(filepath.Join(ws, "repo.git.d", ".git"), filepath.Join(ws, "gitdir")))
				require.NoError(t, os.Symlink("gitdir", filepath.Join(ws, ".git")))
				return ws, Protection{}
			},
			script: `rm .git && cp -a gitdir .git.new && git --git-dir=.git.new config core.fsmonitor 'touch fsmonitor-ran' && mv .git.new .git`,
			planted: func(t *testing.T, ws string) bool {
				return gitConfigValue(t, ws, "core.fsmonitor") != ""
			},
		},
	}
	for _, tt := range tests {
		for _, md := range modes() {
			t.Run(fmt.Sprintf("%s/%s", tt.name, md), func(t *testing.T) {
				t.Parallel()
				if md == plain {
					t.Skip("without a mount namespace CODEX_HOME and .git inside a writable root stay writable (documented)")
				}
				ws := t.TempDir()
				path, prot := tt.setup(t, ws)
				res := jail{mode: md, policy: workspace(nil), cwd: ws, prot: prot}.shell(t, tt.script)
				knownHole(t, tt.planted(t, path),
					"%s inside a writable root: the command replaced the link (exit %d), so the path now leads to its own files", tt.name, res.code)
				assert.NotEqual(t, 0, res.code, "the link must not be replaceable")
			})
		}
	}
}

func TestAttackCodexHomeRewrittenWhileACommandRuns(t *testing.T) {
	// codex rewrites auth.json by renaming a new file over it (a login, a
	// refreshed token). The file a running command sees must stay hidden.
	const secret = "sk-refreshed-secret-0123456789"
	for _, md := range modes() {
		t.Run(string(md), func(t *testing.T) {
			t.Parallel()
			if md == plain {
				t.Skip("without a mount namespace auth.json stays readable anyway (documented)")
			}
			ws, home := t.TempDir(), filepath.Join(outsideDir(t), "codex-home")
			auth := writeFile(t, home, "auth.json", `{"OPENAI_API_KEY":"sk-old"}`)
			ready, goOn := filepath.Join(ws, "ready"), filepath.Join(ws, "go")
			script := fmt.Sprintf(`touch %s; while [ ! -e %s ]; do sleep 0.01; done; cat %s`, ready, goOn, auth)
			// The rewrite happens outside, once the command runs.
			rewritten := make(chan error, 1)
			go func() {
				rewritten <- func() error {
					if err := waitForFile(ready); err != nil {
						return err
					}
					// As core/auth writes it: a new file renamed over the old one.
					tmp := filepath.Join(home, ".auth.json.tmp")
					if err := os.WriteFile(tmp, []byte(`{"OPENAI_API_KEY":"`+secret+`"}`), 0o600); err != nil {
						return err
					}
					if err := os.Rename(tmp, auth); err != nil {
						return err
					}
					return os.WriteFile(goOn, nil, 0o644)
				}()
			}()
			res := jail{mode: md, policy: workspace(nil), cwd: ws, prot: CodexHomeProtection(home)}.shell(t, script)
			require.NoError(t, <-rewritten)
			knownHole(t, strings.Contains(res.stdout, secret),
				"auth.json rewritten by rename while a command runs is readable by it: the /dev/null cover was on the replaced file")
			assert.NotContains(t, res.stdout+res.stderr, secret)
		})
	}
}

// waitForFile waits until path exists (a command signalling that it got
// somewhere), and fails after a generous while.
func waitForFile(path string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s never appeared", path)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestAttackCodexHomeThroughTheBlockDevice(t *testing.T) {
	// auth.json is covered by /dev/null, but the file system it lives on
	// is a block device root can open for reading.
	requireRoot(t)
	for _, tool := range []string{"losetup", "mkfs.ext4", "mount", "umount"} {
		requireTool(t, tool)
	}
	const secret = "sk-block-device-secret-0123456789"
	dir := outsideDir(t)
	image := filepath.Join(dir, "fs.img")
	require.NoError(t, os.WriteFile(image, nil, 0o600))
	require.NoError(t, os.Truncate(image, 8<<20))
	if out, err := exec.Command("mkfs.ext4", "-q", image).CombinedOutput(); err != nil {
		t.Skipf("cannot make a file system: %v: %s", err, out)
	}
	out, err := exec.Command("losetup", "-f", "--show", image).CombinedOutput()
	if err != nil {
		t.Skipf("no loop device: %v: %s", err, out)
	}
	loop := strings.TrimSpace(string(out))
	t.Cleanup(func() { _ = exec.Command("losetup", "-d", loop).Run() })
	mnt := filepath.Join(dir, "mnt")
	require.NoError(t, os.Mkdir(mnt, 0o755))
	if out, err := exec.Command("mount", loop, mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount the loop device: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", mnt).Run() })
	home := filepath.Join(mnt, "codex-home")
	require.NoError(t, os.Mkdir(home, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(home, "auth.json"), []byte(`{"OPENAI_API_KEY":"`+secret+`"}`), 0o600))
	require.NoError(t, exec.Command("sync").Run())

	for _, md := range modes() {
		t.Run(string(md), func(t *testing.T) {
			if md == plain {
				t.Skip("without a mount namespace auth.json stays readable anyway (documented)")
			}
			j := jail{mode: md, policy: readOnlyPolicy(), cwd: t.TempDir(), prot: CodexHomeProtection(home)}
			res := j.shell(t, fmt.Sprintf("cat %s/auth.json; grep -a -o 'sk-block-device-secret-[0-9]*' %s | head -n 1", home, loop))
			knownHole(t, strings.Contains(res.stdout, secret),
				"root reads the hidden auth.json through the block device %s (Landlock grants read on all of /dev)", loop)
			assert.NotContains(t, res.stdout+res.stderr, secret)
		})
	}
}

func TestAttackOtherProcessesProc(t *testing.T) {
	tests := []struct {
		name string
		op   string
		arg  func(v *victim) string
		errs []string
		// plainReadable says plain mode leaves it readable (documented).
		plainReadable bool
	}{
		{"environment", "read", func(v *victim) string { return "/proc/" + v.arg() + "/environ" }, []string{errEACCES, errENOENT}, false},
		{"command line", "read", func(v *victim) string { return "/proc/" + v.arg() + "/cmdline" }, []string{errENOENT}, true},
		{"descriptor list", "ls", func(v *victim) string { return "/proc/" + v.arg() + "/fd" }, []string{errEACCES, errENOENT}, true},
		{"descriptor target", "readlink", func(v *victim) string { return "/proc/" + v.arg() + "/fd/0" }, []string{errEACCES, errENOENT}, false},
		{"open a descriptor", "read", func(v *victim) string { return "/proc/" + v.arg() + "/fd/0" }, []string{errEACCES, errENOENT}, false},
		{"working directory", "readlink", func(v *victim) string { return "/proc/" + v.arg() + "/cwd" }, []string{errEACCES, errENOENT}, false},
		{"root directory", "ls", func(v *victim) string { return "/proc/" + v.arg() + "/root/" }, []string{errEACCES, errENOENT}, false},
		{"memory", "proc-mem", func(v *victim) string { return v.arg() }, []string{errEACCES, errEPERM, errENOENT, errEROFS}, false},
		{"process 1's environment", "read", func(*victim) string { return "/proc/1/environ" }, []string{errEACCES, errENOENT}, false},
		{"process 1's memory", "proc-mem", func(*victim) string { return "1" }, []string{errEACCES, errEPERM, errENOENT, errEROFS}, false},
	}
	for _, tt := range tests {
		forEachJail(t, tt.name, func(t *testing.T, p protocol.SandboxPolicy, md mode) {
			if md == plain && tt.plainReadable {
				t.Skip("without a PID namespace other processes' command lines and descriptor lists stay readable (documented)")
			}
			v := startVictim(t, outsideDir(t))
			res := jail{mode: md, policy: p, cwd: t.TempDir()}.probe(t, tt.op, tt.arg(v))
			assertDenied(t, res, tt.errs...)
			assert.NotContains(t, res.stdout, v.secret)
		})
	}

	forEachJail(t, "scan every environment", func(t *testing.T, p protocol.SandboxPolicy, md mode) {
		v := startVictim(t, outsideDir(t))
		reversed := []byte(v.secret)
		slices.Reverse(reversed)
		res := jail{mode: md, policy: p, cwd: t.TempDir()}.probe(t, "proc-scan", string(reversed))
		assertWorked(t, res)
		assert.Regexp(t, `^seen \d+\n$`, res.stdout, "the secret was found")
		if md == isolated {
			// The probe and the helper, process 1.
			assert.Equal(t, "seen 2\n", res.stdout, "processes outside are visible")
		}
	})
}

func TestAttackOtherProcessesControl(t *testing.T) {
	tests := []struct {
		name string
		op   string
		// plainHole names what plain mode lets through, if anything.
		plainHole string
	}{
		{"kill", "kill", ""},
		{"prlimit", "prlimit", ""},
		{"setpriority", "setpriority", "setpriority on an outside process of the same user (no capability and no filter stop it)"},
		{"sched_setaffinity", "setaffinity", "sched_setaffinity on an outside process of the same user"},
		{"sched_setscheduler", "setscheduler", "sched_setscheduler(SCHED_IDLE) on an outside process of the same user"},
		{"ioprio_set", "ioprio", "ioprio_set(IOPRIO_CLASS_IDLE) on an outside process of the same user"},
	}
	for _, tt := range tests {
		forEachJail(t, tt.name, func(t *testing.T, p protocol.SandboxPolicy, md mode) {
			v := startVictim(t, outsideDir(t))
			before := v.state(t)
			res := jail{mode: md, policy: p, cwd: t.TempDir()}.probe(t, tt.op, v.arg())
			after := v.state(t)
			if md == plain && tt.plainHole != "" {
				knownHole(t, res.code == 0 && before != after, "plain mode: %s", tt.plainHole)
			}
			assertDenied(t, res, errEPERM, errESRCH)
			assert.Equal(t, before, after, "the victim changed")
		})
	}

	t.Run("every process of the user", func(t *testing.T) {
		// PRIO_USER reaches every process of the user the caller can see;
		// in a PID namespace only its own. Without one it would renice
		// every process of the user on the machine, so only isolated
		// mode is tried.
		t.Parallel()
		v := startVictim(t, outsideDir(t))
		before := v.state(t)
		jail{mode: isolated, policy: workspace(nil), cwd: t.TempDir()}.probe(t, "prio-user", "")
		assert.Equal(t, before, v.state(t), "the victim changed")
	})

	t.Run("control: the probes work without the sandbox", func(t *testing.T) {
		t.Parallel()
		for _, op := range []string{"setpriority", "setaffinity", "prlimit", "kill"} {
			v := startVictim(t, outsideDir(t))
			before := v.state(t)
			res := jail{policy: unrestricted(), cwd: t.TempDir()}.probe(t, op, v.arg())
			assertWorked(t, res)
			if op == "setaffinity" && before.affinity.Count() == 1 {
				continue
			}
			assert.NotEqual(t, before, v.state(t), "%s changed nothing", op)
		}
	})
}

func TestAttackFileMetadata(t *testing.T) {
	requireRoot(t)
	tests := []struct {
		name, op, arg string
		// plainOwner says root, as the file's owner, may do it without a
		// mount namespace (documented).
		plainOwner bool
	}{
		{"chmod", "chmod", "", true},
		{"chown", "chown", "", false},
		{"utimensat", "utime", "", true},
		{"user xattr", "setxattr", "user.codex", true},
		{"security.capability", "setxattr", "security.capability", false},
		{"chattr +i", "chattr", "immutable", false},
		{"chattr +a", "chattr", "append", false},
		{"chattr +d", "chattr", "nodump", true},
	}
	for _, tt := range tests {
		forEachJail(t, tt.name+" outside", func(t *testing.T, p protocol.SandboxPolicy, md mode) {
			if md == plain && tt.plainOwner {
				t.Skip("without a mount namespace root may change its own files' modes, times and attributes outside the roots (documented)")
			}
			target := writeFile(t, outsideDir(t), "target", "original")
			before := stateOf(t, target)
			arg := target
			if tt.arg != "" {
				arg += argSep + tt.arg
			}
			res := jail{mode: md, policy: p, cwd: t.TempDir()}.probe(t, tt.op, arg)
			assertDenied(t, res, errEROFS, errEPERM, errEACCES)
			assert.Equal(t, before, stateOf(t, target), "the file outside changed")
		})
	}

	// Inside the roots, ordinary builds change modes and times.
	inside := []struct {
		op     string
		worked bool
	}{
		{"chmod", true}, {"utime", true}, {"chown", false},
	}
	for _, tt := range inside {
		for _, md := range modes() {
			t.Run(fmt.Sprintf("%s inside/%s", tt.op, md), func(t *testing.T) {
				t.Parallel()
				ws := t.TempDir()
				target := writeFile(t, ws, "target", "original")
				before := stateOf(t, target)
				res := jail{mode: md, policy: workspace(nil), cwd: ws}.probe(t, tt.op, target)
				if !tt.worked {
					assertDenied(t, res, errEPERM)
					return
				}
				assertWorked(t, res)
				assert.NotEqual(t, before, stateOf(t, target))
			})
		}
	}
}

func TestAttackKernelInterfaces(t *testing.T) {
	tests := []struct {
		name, op string
		errs     []string
	}{
		{"add_key", "add-key", []string{errEPERM}},
		{"keyctl", "keyctl", []string{errEPERM}},
		{"request_key", "request-key", []string{errEPERM}},
		{"bpf", "bpf", []string{errEPERM}},
		{"perf_event_open system-wide", "perf", []string{errEPERM}},
		{"userfaultfd", "userfaultfd", []string{errEPERM}},
		{"sethostname", "sethostname", []string{errEPERM}},
		{"setdomainname", "setdomainname", []string{errEPERM}},
		{"settimeofday", "settimeofday", []string{errEPERM}},
		{"clock_settime", "clock-settime", []string{errEPERM}},
		{"adjtimex", "adjtimex", []string{errEPERM}},
		{"reboot", "reboot", []string{errEPERM}},
		{"kexec_load", "kexec", []string{errEPERM}},
		{"delete_module", "delete-module", []string{errEPERM}},
		{"swapon", "swapon", []string{errEPERM}},
		{"acct", "acct", []string{errEPERM}},
		{"syslog", "syslog", []string{errEPERM}},
		{"unshare a user namespace", "unshare-user", []string{errEPERM}},
		{"unshare mount and network namespaces", "unshare-mount", []string{errEPERM}},
		{"clone into a user namespace", "clone-user", []string{errEPERM}},
		{"clone3", "clone3", []string{errENOSYS}},
		// An ordinary user in its user namespace has no other id mapped.
		{"setuid", "setuid", []string{errEPERM, errEINVAL}},
		{"capset", "capset", []string{errEPERM}},
		{"securebits", "securebits", []string{errEPERM}},
		{"the memory device", "dev-mem", []string{errEPERM, errEACCES}},
	}
	for _, tt := range tests {
		forEachJail(t, tt.name, func(t *testing.T, p protocol.SandboxPolicy, md mode) {
			if _, err := os.Stat("/dev/mem"); tt.op == "dev-mem" && err != nil {
				t.Skip("this system has no /dev/mem")
			}
			res := jail{mode: md, policy: p, cwd: t.TempDir()}.probe(t, tt.op, "")
			assertDenied(t, res, tt.errs...)
		})
	}

	forEachJail(t, "capabilities", func(t *testing.T, p protocol.SandboxPolicy, md mode) {
		res := jail{mode: md, policy: p, cwd: t.TempDir()}.probe(t, "status", "")
		assertWorked(t, res)
		sets := []string{"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}
		if md == plain && os.Geteuid() != 0 {
			// Without CAP_SETPCAP the bounding set stays; no_new_privs
			// keeps it from granting anything (documented).
			sets = []string{"CapInh", "CapPrm", "CapEff", "CapAmb"}
		}
		for _, set := range sets {
			assert.Contains(t, res.stdout, set+":\t0000000000000000\n")
		}
		assert.Contains(t, res.stdout, "NoNewPrivs:\t1\n")
		assert.Contains(t, res.stdout, "Seccomp:\t2\n")
	})

	t.Run("control: the calls reach the kernel without the sandbox", func(t *testing.T) {
		// As root, without the sandbox, these fail only for their invalid
		// or missing arguments, which shows that EPERM above comes from
		// the sandbox.
		requireRoot(t)
		t.Parallel()
		for op, want := range map[string]string{
			"settimeofday": "invalid argument", "clock-settime": "invalid argument",
			// A kernel without modules does not know delete_module.
			"delete-module": errENOENT + "|" + errENOSYS, "swapon": errENOENT, "sethostname": "",
		} {
			res := jail{policy: unrestricted(), cwd: t.TempDir()}.probe(t, op, "")
			if want == "" {
				assertWorked(t, res)
				continue
			}
			assert.Regexp(t, want, res.stderr, op)
		}
	})
}

func TestAttackLeftoverProcesses(t *testing.T) {
	// A command that leaves a process running in a session of its own
	// (a race against the patch writer needs one).
	for _, md := range modes() {
		t.Run(string(md), func(t *testing.T) {
			t.Parallel()
			name := fmt.Sprintf("codex-leftover-%d-%s", os.Getpid(), md)
			script := fmt.Sprintf("setsid %s %s victim %s >/dev/null 2>&1 < /dev/null &", testExecutable(t), probeArg, name)
			res := jail{mode: md, policy: workspace(nil), cwd: t.TempDir()}.shell(t, script)
			require.Equal(t, 0, res.code, res.stderr)
			left := processesNamed(t, name)
			for _, pid := range left {
				_ = unix.Kill(pid, unix.SIGKILL)
			}
			if md == plain {
				t.Skip("without a PID namespace a command's background processes outlive it (documented)")
			}
			assert.Empty(t, left, "processes outlived the command")
		})
	}
}

// processesNamed returns the pids of the processes whose command line
// holds name, as seen from outside (a leftover may still be on its way to
// the program it ends up as).
func processesNamed(t *testing.T, name string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), name) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// plantedLibrary is a shared library whose constructor appends the
// "Seccomp:" line of /proc/self/status of whatever process loads it to the
// files named by CODEX_PLANT_OUTSIDE and CODEX_PLANT_INSIDE (when it can
// write them).
const plantedLibrary = `#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void record(const char *path, const char *line) {
	if (path == NULL) return;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) return;
	(void)!write(fd, line, strlen(line));
	close(fd);
}

__attribute__((constructor)) static void planted(void) {
	char buf[8192];
	char line[64] = "Seccomp: unknown\n";
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n > 0) {
			buf[n] = 0;
			char *s = strstr(buf, "Seccomp:");
			if (s != NULL) {
				char *end = strchr(s, '\n');
				size_t len = end ? (size_t)(end - s) : strlen(s);
				if (len > sizeof line - 2) len = sizeof line - 2;
				memcpy(line, s, len);
				line[len] = '\n';
				line[len + 1] = 0;
			}
		}
	}
	record(getenv("CODEX_PLANT_OUTSIDE"), line);
	record(getenv("CODEX_PLANT_INSIDE"), line);
}
`

// buildPlantedLibrary compiles plantedLibrary with gcc into dir.
func buildPlantedLibrary(t *testing.T, dir string) string {
	t.Helper()
	gcc := requireTool(t, "gcc")
	src := writeFile(t, dir, "planted.c", plantedLibrary)
	lib := filepath.Join(dir, "planted.so")
	out, err := exec.Command(gcc, "-shared", "-fPIC", "-o", lib, src).CombinedOutput()
	require.NoError(t, err, "gcc: %s", out)
	return lib
}

func TestAttackLoaderVariables(t *testing.T) {
	// The server's loader variables point into a directory commands can
	// write (LD_LIBRARY_PATH=<workspace>/lib): a first command plants a
	// library there; the helper of the next command must not load it
	// (it would run before any restriction), while the command itself
	// gets the variables back and loads it under the sandbox.
	built := buildPlantedLibrary(t, outsideDir(t))
	run := func(t *testing.T, md mode, unprepared bool) (res result, outside, inside string) {
		ws := t.TempDir()
		plant := jail{mode: md, policy: workspace(nil), cwd: ws}.shell(t,
			fmt.Sprintf("mkdir lib && cp %s lib/libseccomp.so.2 && cp %s lib/planted.so", built, built))
		require.Equal(t, 0, plant.code, plant.stderr)
		outside = filepath.Join(outsideDir(t), "marker")
		inside = filepath.Join(ws, "marker")
		j := jail{mode: md, policy: workspace(nil), cwd: ws, unprepared: unprepared, env: []string{
			"LD_LIBRARY_PATH=" + filepath.Join(ws, "lib"),
			"LD_PRELOAD=" + filepath.Join(ws, "lib", "planted.so"),
			"CODEX_PLANT_OUTSIDE=" + outside,
			"CODEX_PLANT_INSIDE=" + inside,
		}}
		return j.run(t, "cat", "/proc/self/status"), outside, inside
	}
	for _, md := range modes() {
		t.Run(string(md), func(t *testing.T) {
			t.Parallel()
			res, outside, inside := run(t, md, false)
			require.Equal(t, 0, res.code, res.stderr)
			assert.Contains(t, res.stdout, "Seccomp:\t2\n")
			assert.NoFileExists(t, outside, "the helper ran the planted library before restricting itself")
			assert.Equal(t, "Seccomp:\t2\n", readString(t, inside), "the command gets the loader variables back")
		})
	}

	t.Run("control: a helper started with them runs the library", func(t *testing.T) {
		t.Parallel()
		res, outside, _ := run(t, plain, true)
		require.Equal(t, 0, res.code, res.stderr)
		assert.Equal(t, "Seccomp:\t0\n", readString(t, outside))
	})
}
