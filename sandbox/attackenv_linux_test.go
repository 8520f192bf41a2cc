package sandbox

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/codex-go/codex/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// Fixtures of the red-team suite (attack_linux_test.go): how a hostile
// command is started, and the things outside the sandbox it goes after,
// each inspected from outside afterwards.

// jail describes how one command is started under the sandbox.
type jail struct {
	// mode is isolated (namespaces, as codex starts commands) or plain
	// (the same start, on a system that refuses namespaces).
	mode   mode
	policy protocol.SandboxPolicy
	// prot is the extra protection (CODEX_HOME).
	prot Protection
	// cwd is the working directory and the directory the policy is for.
	cwd string
	// env is added to the test's environment (TMPDIR is removed first).
	env []string
	// stdin is the standard input (nil: /dev/null).
	stdin *os.File
	// session starts the command in a session of its own, as codex starts
	// model commands; ctty also makes stdin its controlling terminal.
	session, ctty bool
	// files are inherited as descriptors 3, 4...
	files []*os.File
	// unprepared starts the helper without Prepare, as codex did before
	// it scrubbed the helper's loader variables (for controls).
	unprepared bool
}

// run runs argv in the jail and returns how it ended.
func (j jail) run(t *testing.T, argv ...string) result {
	t.Helper()
	wrapped, err := Wrap(testExecutable(t), j.policy, j.cwd, argv, j.prot)
	require.NoError(t, err)
	cmd := exec.CommandContext(t.Context(), wrapped[0], wrapped[1:]...)
	cmd.Dir = j.cwd
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TMPDIR=") && !strings.HasPrefix(kv, EnvNoNamespaces+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if os.Getenv("GORACE") == "" {
		// A race-enabled test binary otherwise sleeps a second on exit,
		// as probe and as helper.
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	cmd.Env = append(cmd.Env, j.env...)
	if j.mode == plain {
		cmd.Env = append(cmd.Env, EnvNoNamespaces+"=1")
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if j.stdin != nil {
		cmd.Stdin = j.stdin
	}
	cmd.ExtraFiles = j.files
	if j.session || j.ctty {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: j.ctty, Ctty: 0}
	}
	if !j.unprepared {
		Prepare(cmd)
	}
	err = cmd.Run()
	code := 0
	if err != nil {
		var exitErr *exec.ExitError
		require.ErrorAs(t, err, &exitErr)
		code = exitErr.ExitCode()
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// probe runs the probe operation op with arg in the jail.
func (j jail) probe(t *testing.T, op, arg string) result {
	t.Helper()
	return j.run(t, testExecutable(t), probeArg, op, arg)
}

// shell runs a shell script in the jail.
func (j jail) shell(t *testing.T, script string) result {
	t.Helper()
	return j.run(t, "sh", "-c", script)
}

// Policies of the suite. Workspace-write never includes /tmp or $TMPDIR,
// so that directories the tests make there are outside unless added.
func readOnlyPolicy() protocol.SandboxPolicy {
	return protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}
}

// networkPolicy is workspace-write with the network open.
func networkPolicy() protocol.SandboxPolicy {
	return workspace(func(p *protocol.SandboxPolicy) { p.NetworkAccess = true })
}

// unrestricted is danger-full-access, under which the attacks must work:
// it shows that a probe really does what it claims.
func unrestricted() protocol.SandboxPolicy {
	return protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}
}

// restrictingPolicies are the two policies every attack is tried under.
func restrictingPolicies() map[string]protocol.SandboxPolicy {
	return map[string]protocol.SandboxPolicy{"read-only": readOnlyPolicy(), "workspace-write": workspace(nil)}
}

// Kernel error texts, as the probe prints them.
const (
	errEPERM  = "operation not permitted"
	errEACCES = "permission denied"
	errEROFS  = "read-only file system"
	errENOENT = "no such file or directory"
	errESRCH  = "no such process"
	errENXIO  = "no such device or address"
	errENOSYS = "function not implemented"
	errEXDEV  = "invalid cross-device link"
	errEINVAL = "invalid argument"
)

// assertDenied asserts that the probe failed with one of the errors.
func assertDenied(t *testing.T, res result, errs ...string) {
	t.Helper()
	if !assert.Equal(t, 3, res.code, "the attempt must fail\nstdout: %s\nstderr: %s", res.stdout, res.stderr) {
		return
	}
	pattern := strings.Join(errs, "|")
	assert.Regexp(t, regexp.MustCompile(pattern), res.stderr, "the failure must come from the sandbox")
}

// assertWorked asserts that the probe succeeded.
func assertWorked(t *testing.T, res result) {
	t.Helper()
	assert.Equal(t, 0, res.code, "stdout: %s\nstderr: %s", res.stdout, res.stderr)
}

// knownHole fails the test, naming the hole, when the attack succeeded
// (holds): every hole these probes found is closed, and must stay closed.
func knownHole(t *testing.T, holds bool, format string, args ...any) {
	t.Helper()
	if holds {
		t.Fatalf("HOLE: "+format, args...)
	}
}

// outsideDir makes a directory directly below /tmp, outside every root.
func outsideDir(t *testing.T) string {
	t.Helper()
	return dirUnderSlashTmp(t)
}

// writeFile writes content to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

// fileState is what the tests compare of a file before and after an
// attack: everything a command could change about it.
type fileState struct {
	content string
	mode    os.FileMode
	uid     uint32
	gid     uint32
	mtime   time.Time
	flags   int
	xattrs  string
}

// stateOf reads the state of the file at path (without following a final
// symbolic link).
func stateOf(t *testing.T, path string) fileState {
	t.Helper()
	info, err := os.Lstat(path)
	require.NoError(t, err)
	st := info.Sys().(*syscall.Stat_t)
	s := fileState{mode: info.Mode(), uid: st.Uid, gid: st.Gid, mtime: info.ModTime()}
	if info.Mode().IsRegular() {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		s.content = string(data)
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		require.NoError(t, err)
		s.flags, _ = unix.IoctlGetInt(fd, unix.FS_IOC_GETFLAGS)
		unix.Close(fd)
	}
	buf := make([]byte, 4096)
	if n, err := unix.Llistxattr(path, buf); err == nil {
		s.xattrs = string(buf[:n])
	}
	return s
}

// victim is a process outside the sandbox that commands go after: uid 0
// (when the tests run as root) but without any capability, as the server
// of an ordinary user is, with a secret in its environment.
type victim struct {
	pid    int
	secret string
	cmd    *exec.Cmd
}

// victimName is the program name the victims run under.
const victimName = "codex-victim"

// startVictim starts a victim in the directory dir and waits until it
// runs.
func startVictim(t *testing.T, dir string) *victim {
	t.Helper()
	secret := fmt.Sprintf("victim-secret-%d-%d", os.Getpid(), time.Now().UnixNano())
	cmd := exec.Command(testExecutable(t), probeArg, "victim", victimName)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CODEX_VICTIM_SECRET="+secret)
	require.NoError(t, cmd.Start())
	v := &victim{pid: cmd.Process.Pid, secret: secret, cmd: cmd}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", v.pid))
		require.NoError(t, err, "the victim ended early")
		if strings.TrimSpace(string(comm)) == "sleep" {
			return v
		}
		require.True(t, time.Now().Before(deadline), "the victim did not start")
		time.Sleep(5 * time.Millisecond)
	}
}

// arg is the victim's pid as a probe argument.
func (v *victim) arg() string { return strconv.Itoa(v.pid) }

// victimState is what an attack could change about a victim.
type victimState struct {
	alive    bool
	nice     string
	policy   string
	limits   string
	affinity unix.CPUSet
	tracer   string
	// pending are the signals sent but not yet handled (a SIGKILL shows
	// here until the victim is gone).
	pending string
	ioprio  int
}

// state reads the victim's state from outside.
func (v *victim) state(t *testing.T) victimState {
	t.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", v.pid))
	require.NoError(t, err)
	// The fields after the command name, which is in parentheses.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	var s victimState
	s.alive = fields[0] != "Z" && fields[0] != "X"
	s.nice = fields[16]
	s.policy = fields[38]
	limits, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", v.pid))
	require.NoError(t, err)
	s.limits = string(limits)
	require.NoError(t, unix.SchedGetaffinity(v.pid, &s.affinity))
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", v.pid))
	require.NoError(t, err)
	for _, line := range strings.Split(string(status), "\n") {
		name, value, _ := strings.Cut(line, ":")
		switch name {
		case "TracerPid":
			s.tracer = strings.TrimSpace(value)
		case "SigPnd", "ShdPnd":
			s.pending += strings.TrimSpace(value)
		}
	}
	prio, _, errno := unix.Syscall(unix.SYS_IOPRIO_GET, 1, uintptr(v.pid), 0)
	require.Zero(t, errno)
	s.ioprio = int(prio)
	return s
}

// unixListener is a Unix domain socket outside the sandbox, checked
// without waiting after the command ended.
type unixListener struct {
	fd   int
	typ  int
	addr string
}

// listenUnix binds a socket of type typ (SOCK_STREAM or SOCK_DGRAM) to
// addr (a path, or @name for an abstract address).
func listenUnix(t *testing.T, typ int, addr string) *unixListener {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	require.NoError(t, err)
	t.Cleanup(func() { unix.Close(fd) })
	require.NoError(t, unix.Bind(fd, &unix.SockaddrUnix{Name: addr}))
	if typ == unix.SOCK_STREAM {
		require.NoError(t, unix.Listen(fd, 16))
	}
	return &unixListener{fd: fd, typ: typ, addr: addr}
}

// received returns how many connections, messages and passed descriptors
// reached the socket so far. Whatever a finished command sent is already
// queued, so nothing is waited for.
func (l *unixListener) received(t *testing.T) (conns, msgs, fds int) {
	t.Helper()
	drain := func(fd int) {
		buf, oob := make([]byte, 256), make([]byte, 256)
		for {
			n, oobn, _, _, err := unix.Recvmsg(fd, buf, oob, unix.MSG_DONTWAIT|unix.MSG_CMSG_CLOEXEC)
			if err != nil || (n == 0 && oobn == 0) {
				return
			}
			msgs++
			msgsCtl, err := unix.ParseSocketControlMessage(oob[:oobn])
			require.NoError(t, err)
			for _, m := range msgsCtl {
				got, err := unix.ParseUnixRights(&m)
				if err == nil {
					fds += len(got)
					for _, f := range got {
						unix.Close(f)
					}
				}
			}
		}
	}
	if l.typ == unix.SOCK_DGRAM {
		drain(l.fd)
		return 0, msgs, fds
	}
	for {
		conn, _, err := unix.Accept4(l.fd, unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK)
		if err != nil {
			require.ErrorIs(t, err, unix.EAGAIN)
			return conns, msgs, fds
		}
		conns++
		drain(conn)
		unix.Close(conn)
	}
}

// gitRepo makes dir a git repository with one commit, and returns dir.
func gitRepo(t *testing.T, dir string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, args := range [][]string{
		{"init", "-q"},
		{"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "init"},
	} {
		out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
	}
	return dir
}

// requireTool skips the test when the program name is not installed.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed", name)
	}
	return path
}

// requireRoot skips the test when it does not run as root.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("this attack needs root's powers to be meaningful")
	}
}
