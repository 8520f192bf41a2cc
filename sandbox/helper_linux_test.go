package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/codex-go/codex/protocol"
	"github.com/landlock-lsm/go-landlock/landlock"
	llsys "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// result is how a command ended.
type result struct {
	code   int
	stdout string
	stderr string
}

// testExecutable returns the path of the running test binary, which acts as
// the helper and as the probe (see TestMain).
func testExecutable(t testing.TB) string {
	t.Helper()
	self, err := os.Executable()
	require.NoError(t, err)
	return self
}

// runSandboxed runs argv under p with cwd as working and policy directory
// and TMPDIR set to tmpdir (unset when empty), the way codex starts model
// commands (with namespaces where the system allows them).
func runSandboxed(t *testing.T, p protocol.SandboxPolicy, cwd, tmpdir string, argv ...string) result {
	t.Helper()
	return runIn(t, isolated, p, cwd, tmpdir, argv...)
}

// A mode says how the helper is started.
type mode string

// The modes: as codex starts it, with namespaces, and without them, as on
// systems that refuse them.
const (
	isolated mode = "isolated"
	plain    mode = "plain"
)

// modes are both modes, for tests that must hold in each.
func modes() []mode { return []mode{isolated, plain} }

// runIn is runSandboxed in mode md.
func runIn(t *testing.T, md mode, p protocol.SandboxPolicy, cwd, tmpdir string, argv ...string) result {
	t.Helper()
	j := jail{mode: md, policy: p, cwd: cwd}
	if tmpdir != "" {
		j.env = []string{"TMPDIR=" + tmpdir}
	}
	return j.run(t, argv...)
}

// probe runs the probe operation op on arg under p.
func probe(t *testing.T, p protocol.SandboxPolicy, cwd, tmpdir, op, arg string) result {
	t.Helper()
	return runSandboxed(t, p, cwd, tmpdir, testExecutable(t), probeArg, op, arg)
}

// workspace returns a workspace-write policy with the temporary directories
// excluded unless the test opts in.
func workspace(mod func(*protocol.SandboxPolicy)) protocol.SandboxPolicy {
	p := protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, ExcludeTmpdirEnvVar: true, ExcludeSlashTmp: true}
	if mod != nil {
		mod(&p)
	}
	return p
}

// dirUnderSlashTmp creates a directory directly below /tmp, whatever TMPDIR says.
func dirUnderSlashTmp(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "sandbox-test-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func TestFileWrites(t *testing.T) {
	cwd := t.TempDir()
	outside := dirUnderSlashTmp(t)
	extra := t.TempDir()
	tmpdir := t.TempDir()
	slashTmp := dirUnderSlashTmp(t)

	readOnly := protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}
	tests := []struct {
		name    string
		policy  protocol.SandboxPolicy
		tmpdir  string
		target  string
		allowed bool
	}{
		{"workspace-write: inside cwd", workspace(nil), "", filepath.Join(cwd, "a.txt"), true},
		{"workspace-write: below cwd", workspace(nil), "", filepath.Join(cwd, "sub", "b.txt"), true},
		{"workspace-write: outside cwd", workspace(nil), "", filepath.Join(outside, "c.txt"), false},
		{"workspace-write: extra writable root", workspace(func(p *protocol.SandboxPolicy) {
			p.WritableRoots = []string{extra}
		}), "", filepath.Join(extra, "d.txt"), true},
		{"workspace-write: TMPDIR", workspace(func(p *protocol.SandboxPolicy) {
			p.ExcludeTmpdirEnvVar = false
		}), tmpdir, filepath.Join(tmpdir, "e.txt"), true},
		{"workspace-write: TMPDIR excluded", workspace(nil), tmpdir, filepath.Join(tmpdir, "f.txt"), false},
		{"workspace-write: /tmp", workspace(func(p *protocol.SandboxPolicy) {
			p.ExcludeSlashTmp = false
		}), "", filepath.Join(slashTmp, "g.txt"), true},
		{"workspace-write: /tmp excluded", workspace(nil), "", filepath.Join(slashTmp, "h.txt"), false},
		{"read-only: cwd", readOnly, tmpdir, filepath.Join(cwd, "i.txt"), false},
		{"read-only: TMPDIR", readOnly, tmpdir, filepath.Join(tmpdir, "j.txt"), false},
		{"read-only: /tmp", readOnly, "", filepath.Join(slashTmp, "k.txt"), false},
		{"danger-full-access: outside", protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess},
			"", filepath.Join(outside, "l.txt"), true},
	}
	require.NoError(t, os.Mkdir(filepath.Join(cwd, "sub"), 0o755))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := probe(t, tt.policy, cwd, tt.tmpdir, "write", tt.target)
			data, readErr := os.ReadFile(tt.target)
			if tt.allowed {
				require.Equal(t, 0, res.code, res.stderr)
				require.NoError(t, readErr)
				assert.Equal(t, "written", string(data))
				return
			}
			assert.Equal(t, 3, res.code, res.stderr)
			assert.Regexp(t, "permission denied|read-only file system", res.stderr)
			assert.True(t, LikelyDenied(res.code, res.stdout, res.stderr))
			assert.ErrorIs(t, readErr, os.ErrNotExist)
		})
	}
}

func TestReadOnlyAllowsReading(t *testing.T) {
	cwd := t.TempDir()
	file := filepath.Join(cwd, "data.txt")
	require.NoError(t, os.WriteFile(file, []byte("hello"), 0o644))
	res := probe(t, protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}, cwd, "", "read", file)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Equal(t, "hello", res.stdout)
}

func TestReadOnlyDeniesEveryKindOfWrite(t *testing.T) {
	cwd := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(cwd, "keep.txt"), []byte("original"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(cwd, "dir"), 0o755))
	scripts := map[string]string{
		"overwrite": "echo changed > keep.txt",
		"append":    "echo more >> keep.txt",
		"truncate":  "truncate -s 0 keep.txt",
		"remove":    "rm keep.txt",
		"rename":    "mv keep.txt moved.txt",
		"mkdir":     "mkdir newdir",
		"rmdir":     "rmdir dir",
		"symlink":   "ln -s keep.txt link",
		"hardlink":  "ln keep.txt hard",
		"fifo":      "mkfifo pipe",
		"touch":     "touch new.txt",
	}
	for name, script := range scripts {
		t.Run(name, func(t *testing.T) {
			res := runSandboxed(t, protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}, cwd, "", "sh", "-c", script)
			assert.NotEqual(t, 0, res.code)
			assert.True(t, LikelyDenied(res.code, res.stdout, res.stderr), res.stderr)
		})
	}
	entries, err := os.ReadDir(cwd)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"dir", "keep.txt"}, names)
	data, err := os.ReadFile(filepath.Join(cwd, "keep.txt"))
	require.NoError(t, err)
	assert.Equal(t, "original", string(data))
}

func TestShellWorksInWorkspace(t *testing.T) {
	cwd := t.TempDir()
	script := `echo discarded > /dev/null && mkdir -p a/b && echo ok > a/b/out.txt && mv a/b/out.txt a/moved.txt && cat a/moved.txt && head -c 4 /dev/zero | wc -c && exit 7`
	res := runSandboxed(t, workspace(nil), cwd, "", "sh", "-c", script)
	assert.Equal(t, 7, res.code, res.stderr)
	assert.Equal(t, "ok\n4\n", res.stdout)
	assert.FileExists(t, filepath.Join(cwd, "a", "moved.txt"))
}

func TestDeviceNodesCannotBeCreatedInWritableRoots(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("creating device nodes needs root")
	}
	cwd := t.TempDir()
	free := probe(t, protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}, cwd, "", "mknod", filepath.Join(cwd, "free"))
	if free.code != 0 {
		t.Skipf("mknod is not permitted here even without the sandbox: %s", free.stderr)
	}
	res := probe(t, workspace(nil), cwd, "", "mknod", filepath.Join(cwd, "null"))
	assert.Equal(t, 3, res.code)
	assert.Contains(t, res.stderr, "permission denied")
	assert.NoFileExists(t, filepath.Join(cwd, "null"))
}

// tcpServer listens on loopback and greets every connection.
func tcpServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	serve(t, ln)
	return ln.Addr().String()
}

// serve answers "hello" on every connection of ln until the test ends.
func serve(t *testing.T, ln net.Listener) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.Write([]byte("hello"))
			conn.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
}

func TestNetwork(t *testing.T) {
	addr := tcpServer(t)
	cwd := t.TempDir()
	tests := []struct {
		name    string
		policy  protocol.SandboxPolicy
		allowed bool
	}{
		{"read-only", protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}, false},
		{"workspace-write", workspace(nil), false},
		{"workspace-write with network_access", workspace(func(p *protocol.SandboxPolicy) { p.NetworkAccess = true }), true},
		{"danger-full-access", protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := probe(t, tt.policy, cwd, "", "dial", addr)
			if tt.allowed {
				require.Equal(t, 0, res.code, res.stderr)
				assert.Equal(t, "hello", res.stdout)
				return
			}
			assert.Equal(t, 3, res.code)
			assert.Contains(t, res.stderr, "operation not permitted")
			assert.True(t, LikelyDenied(res.code, res.stdout, res.stderr))
		})
	}
}

func TestUnixSocketsOutsideAreClosedWithoutNetwork(t *testing.T) {
	dir, err := os.MkdirTemp("", "us")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "s")
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	serve(t, ln)

	tests := []struct {
		policy  protocol.SandboxPolicy
		allowed bool
	}{
		{protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}, false},
		{workspace(nil), false},
		{workspace(func(p *protocol.SandboxPolicy) { p.NetworkAccess = true }), true},
	}
	for _, tt := range tests {
		for _, md := range modes() {
			t.Run(fmt.Sprintf("%s network=%v %s", tt.policy.Mode, tt.allowed, md), func(t *testing.T) {
				t.Parallel()
				res := runIn(t, md, tt.policy, t.TempDir(), "", testExecutable(t), probeArg, "unix", path)
				if tt.allowed {
					require.Equal(t, 0, res.code, res.stderr)
					assert.Equal(t, "hello", res.stdout)
					return
				}
				assert.Equal(t, 3, res.code, res.stderr)
				assert.Contains(t, res.stderr, "operation not permitted")
			})
		}
	}
}

func TestNonexistentCommand(t *testing.T) {
	res := runSandboxed(t, workspace(nil), t.TempDir(), "", "no-such-command-for-the-sandbox")
	assert.Equal(t, ExitCommandNotFound, res.code)
	assert.Equal(t, "sandbox: command \"no-such-command-for-the-sandbox\" not found\n", res.stderr)
	assert.False(t, LikelyDenied(res.code, res.stdout, res.stderr))
}

func TestRunHelperFailsBeforeRestricting(t *testing.T) {
	// These calls run in the test process itself: they must fail before any
	// restriction is applied.
	const policy = policyFlag + `{"mode":"read-only"}`
	err := RunHelper([]string{policy, cwdFlag + "/", "--", "no-such-command-for-the-sandbox"})
	require.ErrorContains(t, err, "not found")
	assert.Equal(t, ExitCommandNotFound, HelperExitCode(err))

	dir := t.TempDir()
	notExecutable := filepath.Join(dir, "script")
	require.NoError(t, os.WriteFile(notExecutable, []byte("#!/bin/sh\n"), 0o644))
	err = RunHelper([]string{policy, cwdFlag + "/", "--", notExecutable})
	require.Error(t, err)
	assert.Equal(t, ExitCannotExecute, HelperExitCode(err))

	err = RunHelper([]string{"--", "true"})
	require.ErrorContains(t, err, "missing")
	assert.Equal(t, ExitHelperFailed, HelperExitCode(err))

	// The restrictions did not leak into this process.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "still-writable"), nil, 0o644))
}

func TestRequireLandlock(t *testing.T) {
	require.NoError(t, requireLandlock(1, nil))
	require.NoError(t, requireLandlock(7, nil))
	err := requireLandlock(0, errors.New("the kernel has no landlock support"))
	require.EqualError(t, err, "sandbox: this kernel cannot enforce the sandbox policy (landlock unavailable): the kernel has no landlock support")
	require.ErrorContains(t, requireLandlock(0, nil), "landlock unavailable")

	abi, err := landlockABI()
	require.NoError(t, err, "the test kernel supports landlock")
	assert.GreaterOrEqual(t, abi, 1)
}

func TestPlanLandlock(t *testing.T) {
	roots := []WritableRoot{{Root: "/w"}}
	tests := []struct {
		name        string
		abi         int
		network     bool
		wantNet     uint64
		handled     uint64
		notHandled  uint64
		rootExcepts uint64
	}{
		{"abi 1", 1, false, 0, llRead | llWriteV1, llsys.AccessFSRefer | llsys.AccessFSTruncate, llMakeDevice},
		{"abi 3", 3, false, 0, llsys.AccessFSRefer | llsys.AccessFSTruncate, llsys.AccessFSIoctlDev, llMakeDevice},
		{"abi 4 closed network", 4, false, llNetTCP, llsys.AccessFSTruncate, llsys.AccessFSIoctlDev, llMakeDevice},
		{"abi 5 open network", 5, true, 0, llsys.AccessFSIoctlDev, llsys.AccessFSResolveUnix, llMakeDevice | llsys.AccessFSIoctlDev},
		{"abi 9", 9, false, llNetTCP, llsys.AccessFSIoctlDev, llsys.AccessFSResolveUnix, llMakeDevice},
		{"abi 11", 11, false, llNetTCP, llsys.AccessFSIoctlDev, llsys.AccessFSResolveUnix, llMakeDevice},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := planLandlock(roots, tt.network, tt.abi, nil, []string{"usr", "dev", "tmp"})
			assert.Equal(t, tt.wantNet, plan.handledNet)
			assert.Equal(t, tt.handled, plan.handledFS&tt.handled, "handled rights")
			assert.Zero(t, plan.handledFS&tt.notHandled, "rights not handled")
			require.NotEmpty(t, plan.rules)
			assert.Equal(t, []landlockRule{
				{path: "/", access: llsys.AccessFSReadDir},
				{path: "/usr", access: llRead},
				{path: "/tmp", access: llRead},
				{path: "/dev/shm", access: llRead},
			}, plan.rules[:4], "everything but /dev is readable")
			assert.Equal(t, "/w", plan.rules[4].path)
			assert.Zero(t, plan.rules[4].access&tt.rootExcepts, "root rights")
			assert.NotZero(t, plan.rules[4].access&llsys.AccessFSWriteFile)
			for _, r := range plan.rules {
				assert.Equal(t, r.access, r.access&plan.handledFS, "rule %s grants only handled rights", r.path)
			}
			if tt.abi >= 6 {
				assert.NotZero(t, plan.scoped&llsys.ScopeSignal, "signal scope")
				assert.Equal(t, !tt.network, plan.scoped&llsys.ScopeAbstractUnixSocket != 0, "abstract socket scope")
			} else {
				assert.Zero(t, plan.scoped)
			}
		})
	}
}

func TestPlanLandlockTerminals(t *testing.T) {
	paths := func(plan landlockPlan) []string {
		var out []string
		for _, r := range plan.rules {
			out = append(out, r.path)
		}
		return out
	}
	plan := planLandlock(nil, false, 7, terminalDevices([]string{"/dev/pts/3"}, false), nil)
	assert.Contains(t, paths(plan), "/dev/pts/3", "the command's own terminal")
	assert.NotContains(t, paths(plan), "/dev/pts", "not the other terminals")
	assert.Contains(t, paths(plan), "/dev/tty")

	fresh := planLandlock(nil, false, 7, terminalDevices(nil, true), nil)
	assert.Contains(t, paths(fresh), "/dev/pts", "a pseudo-terminal instance of the command's own")
}

func TestLandlockHandledMatchesPresets(t *testing.T) {
	tests := []struct {
		abi    int
		preset landlock.Config
	}{
		{1, landlock.V1}, {2, landlock.V2}, {3, landlock.V3}, {4, landlock.V4},
		{5, landlock.V5}, {6, landlock.V5}, {11, landlock.V5},
	}
	for _, tt := range tests {
		fsRights, netRights := landlockHandled(tt.abi)
		assert.Equal(t, uint64(tt.preset.HandledAccessFS), fsRights, "ABI %d file-system rights", tt.abi)
		assert.Equal(t, uint64(tt.preset.HandledAccessNet), netRights, "ABI %d network rights", tt.abi)
	}
	fsRights, netRights := landlockHandled(0)
	assert.Zero(t, fsRights)
	assert.Zero(t, netRights)
}

// threadWrites is what a goroutine restricted by enforceLandlock saw.
type threadWrites struct {
	enforce, inRoot, onFile, outside error
}

func TestEnforceLandlockRestrictsTheCallingThreadOnly(t *testing.T) {
	abi, err := landlockABI()
	require.NoError(t, err, "the test kernel supports landlock")
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	require.NoError(t, os.Mkdir(root, 0o755))
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	outside := filepath.Join(dir, "outside")

	entries, err := rootEntries()
	require.NoError(t, err)
	plan := planLandlock([]WritableRoot{{Root: root}}, true, abi, nil, entries)
	plan.rules = append(plan.rules,
		// Directory rights on a regular file are dropped rather than refused.
		landlockRule{path: file, access: plan.handledFS},
		// A missing path is skipped.
		landlockRule{path: filepath.Join(dir, "missing"), access: plan.handledFS},
	)

	done := make(chan threadWrites)
	go func() {
		// The goroutine ends while locked, so the restricted thread ends
		// with it and never runs anything else.
		runtime.LockOSThread()
		var w threadWrites
		if w.enforce = unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); w.enforce == nil {
			w.enforce = enforceLandlock(plan)
		}
		if w.enforce == nil {
			w.inRoot = os.WriteFile(filepath.Join(root, "a"), []byte("a"), 0o644)
			w.onFile = os.WriteFile(file, []byte("f"), 0o644)
			w.outside = os.WriteFile(outside, []byte("o"), 0o644)
		}
		done <- w
	}()
	w := <-done
	require.NoError(t, w.enforce)
	assert.NoError(t, w.inRoot)
	assert.NoError(t, w.onFile)
	assert.ErrorIs(t, w.outside, fs.ErrPermission)

	// The other threads, this one included, are not restricted.
	require.NoError(t, os.WriteFile(outside, []byte("o"), 0o644))
}

func BenchmarkWrapTrue(b *testing.B) {
	self := testExecutable(b)
	cwd := b.TempDir()
	policy := workspace(nil)
	wrapped, err := Wrap(self, policy, cwd, []string{"true"}, Protection{})
	require.NoError(b, err)
	for b.Loop() {
		cmd := exec.Command(wrapped[0], wrapped[1:]...)
		cmd.Dir = cwd
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
	}
}
