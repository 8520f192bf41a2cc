package sandbox

import (
	"errors"
	"fmt"

	"github.com/landlock-lsm/go-landlock/landlock"
	llsys "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"
)

// Groups of Landlock file-system access rights.
const (
	// llRead is reading files, listing directories and executing files.
	llRead landlock.AccessFSSet = llsys.AccessFSExecute | llsys.AccessFSReadFile | llsys.AccessFSReadDir
	// llWriteV1 is every write right of Landlock ABI 1.
	llWriteV1 landlock.AccessFSSet = llsys.AccessFSWriteFile | llsys.AccessFSRemoveDir |
		llsys.AccessFSRemoveFile | llsys.AccessFSMakeChar |
		llsys.AccessFSMakeDir | llsys.AccessFSMakeReg |
		llsys.AccessFSMakeSock | llsys.AccessFSMakeFifo |
		llsys.AccessFSMakeBlock | llsys.AccessFSMakeSym
	// llMakeDevice is creating device nodes, never granted: a device node in
	// a writable root would give raw access to the device behind it.
	llMakeDevice landlock.AccessFSSet = llsys.AccessFSMakeChar | llsys.AccessFSMakeBlock
	// llDevice is what the allowed character devices are granted.
	llDevice landlock.AccessFSSet = llsys.AccessFSReadFile | llsys.AccessFSWriteFile |
		llsys.AccessFSTruncate | llsys.AccessFSIoctlDev
	// llNetTCP is TCP bind and connect.
	llNetTCP landlock.AccessNetSet = llsys.AccessNetBindTCP | llsys.AccessNetConnectTCP
)

// devicePaths are character devices (and the pty directory) that commands
// may write to and use ioctl on under every restricting policy.
func devicePaths() []string {
	return []string{
		"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
		"/dev/tty", "/dev/ptmx", "/dev/pts",
	}
}

// landlockRule grants access to the hierarchy below path.
type landlockRule struct {
	path   string
	access landlock.AccessFSSet
}

// landlockPlan is the ruleset to enforce: the handled rights (config) and
// the rules granting some of them back.
type landlockPlan struct {
	config landlock.Config
	rules  []landlockRule
}

// landlockPreset returns go-landlock's preset for Landlock ABI abi, capped
// at V5. The later ABIs add restrictions the policies do not ask for:
// connecting to existing Unix domain sockets (V9, left possible on purpose),
// UDP (V10) and IPC scopes (V6).
func landlockPreset(abi int) landlock.Config {
	switch {
	case abi >= 5:
		return landlock.V5
	case abi == 4:
		return landlock.V4
	case abi == 3:
		return landlock.V3
	case abi == 2:
		return landlock.V2
	case abi == 1:
		return landlock.V1
	}
	return landlock.Config{}
}

// planLandlock computes the ruleset for roots on a kernel with Landlock ABI
// abi. network says whether the network stays open; when it is closed and
// the ABI knows network rules, TCP bind and connect are handled without any
// rule granting them back.
func planLandlock(roots []WritableRoot, network bool, abi int) landlockPlan {
	preset := landlockPreset(abi)
	handled := preset.HandledAccessFS
	config := landlock.Config{HandledAccessFS: handled}
	if !network {
		config.HandledAccessNet = preset.HandledAccessNet & llNetTCP
	}
	plan := landlockPlan{config: config}
	plan.rules = append(plan.rules, landlockRule{path: "/", access: llRead & handled})
	rootAccess := handled &^ (llMakeDevice | llsys.AccessFSIoctlDev)
	for _, r := range roots {
		plan.rules = append(plan.rules, landlockRule{path: r.Root, access: rootAccess})
	}
	for _, d := range devicePaths() {
		plan.rules = append(plan.rules, landlockRule{path: d, access: llDevice & handled})
	}
	return plan
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

// enforceLandlock restricts every thread of the process with plan through
// go-landlock, which also sets no_new_privs on all of them. The restriction
// is inherited across execve.
//
// The configuration is deliberately not best effort: plan already matches
// the kernel's ABI, and best effort would silently enforce nothing if
// go-landlock judged the kernel differently (for instance a rule with the
// "refer" right on a kernel without it). A mismatch is an error instead.
// Paths that do not exist are skipped because they cannot be reached.
func enforceLandlock(plan landlockPlan) error {
	rules := make([]landlock.Rule, 0, len(plan.rules))
	for _, r := range plan.rules {
		if r.access == 0 {
			continue
		}
		rules = append(rules, landlock.PathAccess(r.access, r.path).IgnoreIfMissing())
	}
	if err := plan.config.Restrict(rules...); err != nil {
		return fmt.Errorf("sandbox: landlock: %w", err)
	}
	return nil
}
