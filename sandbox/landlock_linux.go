package sandbox

import (
	"errors"
	"fmt"
	"os"
	"strings"

	llsys "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"
)

// Groups of Landlock file-system access rights.
const (
	// llRead is reading files, listing directories and executing files.
	llRead uint64 = llsys.AccessFSExecute | llsys.AccessFSReadFile | llsys.AccessFSReadDir
	// llWriteV1 is every write right of Landlock ABI 1.
	llWriteV1 uint64 = llsys.AccessFSWriteFile | llsys.AccessFSRemoveDir |
		llsys.AccessFSRemoveFile | llsys.AccessFSMakeChar |
		llsys.AccessFSMakeDir | llsys.AccessFSMakeReg |
		llsys.AccessFSMakeSock | llsys.AccessFSMakeFifo |
		llsys.AccessFSMakeBlock | llsys.AccessFSMakeSym
	// llMakeDevice is creating device nodes, never granted: a device node in
	// a writable root would give raw access to the device behind it.
	llMakeDevice uint64 = llsys.AccessFSMakeChar | llsys.AccessFSMakeBlock
	// llDevice is what the allowed character devices are granted.
	llDevice uint64 = llsys.AccessFSReadFile | llsys.AccessFSWriteFile |
		llsys.AccessFSTruncate | llsys.AccessFSIoctlDev
	// llFileOnly is the rights the kernel accepts in a rule on anything but
	// a directory: the others only make sense for what lies below a
	// directory, and a rule carrying them on a file is refused (EINVAL).
	llFileOnly uint64 = llsys.AccessFSExecute | llsys.AccessFSWriteFile |
		llsys.AccessFSReadFile | llsys.AccessFSTruncate | llsys.AccessFSIoctlDev
	// llNetTCP is TCP bind and connect.
	llNetTCP uint64 = llsys.AccessNetBindTCP | llsys.AccessNetConnectTCP
)

// devicePaths are the character devices that commands may read, write and
// use ioctl on under every restricting policy. /dev/tty is the calling
// process's controlling terminal, if it has one; /dev/ptmx creates
// pseudo-terminals of the command's own. No other device can even be read
// (see readRules).
func devicePaths() []string {
	return []string{
		"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
		"/dev/tty", "/dev/ptmx",
	}
}

// terminalDevices are the devices granted besides devicePaths: the
// terminals the command was given (ttys), and /dev/pts as a whole when it
// is a pseudo-terminal instance of the command's own (freshPTS). Other
// terminals stay unwritable.
func terminalDevices(ttys []string, freshPTS bool) []string {
	out := append([]string(nil), ttys...)
	if freshPTS {
		out = append(out, "/dev/pts")
	}
	return out
}

// landlockRule grants access to the hierarchy below path (or to path
// itself when it is not a directory).
type landlockRule struct {
	path   string
	access uint64
}

// landlockPlan is the ruleset to enforce: the handled file-system and
// network rights, and the rules granting some of the file-system rights
// back. No rule grants network rights back.
type landlockPlan struct {
	handledFS  uint64
	handledNet uint64
	// scoped are the IPC scopes: signals, and abstract Unix sockets when
	// the network is closed (Landlock ABI 6 and later).
	scoped uint64
	rules  []landlockRule
}

// landlockHandled returns the file-system and network rights Landlock ABI
// abi can handle, capped at ABI 5. The later ABIs add scopes (ABI 6, see
// landlockScopes) and restrictions the policies do not ask for or that
// seccomp already covers (connecting to Unix domain sockets by path, ABI 9;
// UDP, ABI 10).
func landlockHandled(abi int) (fs, net uint64) {
	if abi < 1 {
		return 0, 0
	}
	fs = llRead | llWriteV1
	if abi >= 2 {
		fs |= llsys.AccessFSRefer
	}
	if abi >= 3 {
		fs |= llsys.AccessFSTruncate
	}
	if abi >= 4 {
		net = llNetTCP
	}
	if abi >= 5 {
		fs |= llsys.AccessFSIoctlDev
	}
	return fs, net
}

// landlockScopes returns the IPC scopes to restrict on ABI abi: sending
// signals to processes outside the sandbox always, and connecting to
// abstract Unix sockets created outside it when the network is closed.
func landlockScopes(abi int, network bool) uint64 {
	if abi < 6 {
		return 0
	}
	scoped := uint64(llsys.ScopeSignal)
	if !network {
		scoped |= llsys.ScopeAbstractUnixSocket
	}
	return scoped
}

// planLandlock computes the ruleset for roots on a kernel with Landlock ABI
// abi. network says whether the network stays open; when it is closed and
// the ABI knows network rules, TCP bind and connect are handled without any
// rule granting them back. terminals are devices granted on top of
// devicePaths (see terminalDevices); rootEntries are the names in "/" (see
// readRules).
func planLandlock(roots []WritableRoot, network bool, abi int, terminals, rootEntries []string) landlockPlan {
	handledFS, handledNet := landlockHandled(abi)
	plan := landlockPlan{handledFS: handledFS, scoped: landlockScopes(abi, network)}
	if !network {
		plan.handledNet = handledNet
	}
	plan.rules = append(plan.rules, readRules(rootEntries, handledFS)...)
	rootAccess := handledFS &^ (llMakeDevice | llsys.AccessFSIoctlDev)
	for _, r := range roots {
		plan.rules = append(plan.rules, landlockRule{path: r.Root, access: rootAccess})
	}
	for _, d := range append(devicePaths(), terminals...) {
		plan.rules = append(plan.rules, landlockRule{path: d, access: llDevice & handledFS})
	}
	return plan
}

// readRules grants reading the whole file system but /dev: listing
// directories everywhere, and reading and executing below every entry of
// "/" (rootEntries) except /dev, where only devicePaths, the command's
// terminals and /dev/shm can be read. A rule on "/" itself would take in
// every device: raw disks (and with them files the sandbox hides), other
// terminals' input, virtual consoles, keyboards, cameras and microphones.
// An entry created in "/" after the sandbox started cannot be read.
func readRules(rootEntries []string, handledFS uint64) []landlockRule {
	rules := []landlockRule{{path: "/", access: llsys.AccessFSReadDir & handledFS}}
	for _, name := range rootEntries {
		if name == "dev" || name == "" || strings.Contains(name, "/") {
			continue
		}
		rules = append(rules, landlockRule{path: "/" + name, access: llRead & handledFS})
	}
	return append(rules, landlockRule{path: "/dev/shm", access: llRead & handledFS})
}

// rootEntries lists the names in "/".
func rootEntries() ([]string, error) {
	entries, err := os.ReadDir("/")
	if err != nil {
		return nil, fmt.Errorf("sandbox: list /: %w", err)
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names, nil
}

// landlock records what plan enforces on ABI abi.
func (ms *measures) landlock(abi int, plan landlockPlan) {
	ms.abi = abi
	ms.add(measureLandlockFiles)
	if plan.handledNet != 0 {
		ms.add(measureLandlockTCP)
	}
	if plan.scoped&llsys.ScopeSignal != 0 {
		ms.add(measureLandlockSignals)
	}
	if plan.scoped&llsys.ScopeAbstractUnixSocket != 0 {
		ms.add(measureLandlockAbstract)
	}
}

// landlockABI returns the Landlock ABI version of the running kernel, or an
// error saying why Landlock cannot be used.
func landlockABI() (int, error) {
	v, err := llsys.LandlockGetABIVersion()
	if err != nil {
		switch {
		case errors.Is(err, unix.ENOSYS):
			return 0, errors.New("the kernel has no landlock support")
		case errors.Is(err, unix.EOPNOTSUPP):
			return 0, errors.New("landlock is disabled (check the lsm= boot parameter)")
		}
		return 0, fmt.Errorf("query landlock ABI version: %w", err)
	}
	if v < 1 {
		return 0, fmt.Errorf("unexpected landlock ABI version %d", v)
	}
	return v, nil
}

// requireLandlock turns the result of landlockABI into the error the helper
// fails with when the kernel cannot enforce the policy.
func requireLandlock(abi int, abiErr error) error {
	if abiErr == nil && abi >= 1 {
		return nil
	}
	if abiErr == nil {
		abiErr = fmt.Errorf("landlock ABI version %d", abi)
	}
	return fmt.Errorf("sandbox: this kernel cannot enforce the sandbox policy (landlock unavailable): %w", abiErr)
}

// enforceLandlock restricts the calling OS thread with plan. Only that
// thread is restricted, not the other threads of the process: the caller
// keeps the goroutine locked to the thread and replaces the process through
// execve from it, and execve carries the thread's Landlock domain over to
// the new program while the other threads end. The kernel requires
// no_new_privs on the thread (or CAP_SYS_ADMIN); the caller sets it first.
//
// The ruleset handles exactly the rights in plan, which match the kernel's
// ABI: there is no best-effort downgrade, so a mismatch fails instead of
// silently enforcing less. Paths that do not exist are skipped because they
// cannot be reached.
func enforceLandlock(plan landlockPlan) error {
	attr := llsys.RulesetAttr{HandledAccessFS: plan.handledFS, HandledAccessNet: plan.handledNet, Scoped: plan.scoped}
	ruleset, err := llsys.LandlockCreateRuleset(&attr, 0)
	if err != nil {
		return fmt.Errorf("sandbox: landlock: create ruleset (fs %#x, net %#x): %w", plan.handledFS, plan.handledNet, err)
	}
	defer unix.Close(ruleset)
	for _, r := range plan.rules {
		if err := addLandlockRule(ruleset, r, plan.handledFS); err != nil {
			return err
		}
	}
	if err := llsys.LandlockRestrictSelf(ruleset, 0); err != nil {
		if errors.Is(err, unix.E2BIG) {
			return fmt.Errorf("sandbox: landlock: too many stacked rulesets: %w", err)
		}
		return fmt.Errorf("sandbox: landlock: restrict thread: %w", err)
	}
	return nil
}

// addLandlockRule adds a path-beneath rule for r to ruleset, limited to the
// handled rights and, when r.path is not a directory, to the rights that
// apply to files. A missing path, or a rule left without rights, adds
// nothing.
func addLandlockRule(ruleset int, r landlockRule, handledFS uint64) error {
	access := r.access & handledFS
	if access == 0 {
		return nil
	}
	fd, err := unix.Open(r.path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sandbox: landlock: open %s: %w", r.path, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("sandbox: landlock: stat %s: %w", r.path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		access &= llFileOnly
		if access == 0 {
			return nil
		}
	}
	beneath := llsys.PathBeneathAttr{AllowedAccess: access, ParentFd: fd}
	if err := llsys.LandlockAddPathBeneathRule(ruleset, &beneath, 0); err != nil {
		return fmt.Errorf("sandbox: landlock: rule for %s (access %#x): %w", r.path, access, err)
	}
	return nil
}
