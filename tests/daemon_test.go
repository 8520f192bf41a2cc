//go:build unix

package tests

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/codex-go/codex/internal/rpcclient"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

// daemonStatus is the JSON line `codex app-server daemon ...` prints.
type daemonStatus struct {
	Status     string `json:"status"`
	Pid        int    `json:"pid"`
	SocketPath string `json:"socketPath"`
	PidFile    string `json:"pidFile"`
	LogFile    string `json:"logFile"`
	Answering  *bool  `json:"answering"`
}

// daemonHome is a CODEX_HOME for a daemon. It is short (a unix socket path
// is limited to about a hundred bytes) and the daemon it may hold is
// stopped, or killed, at the end of the test.
type daemonHome struct {
	t    *testing.T
	home string
	work string
}

// newDaemonHome creates a CODEX_HOME holding config and a working directory.
func newDaemonHome(t *testing.T, config string) *daemonHome {
	t.Helper()
	home, err := os.MkdirTemp("", "cxd")
	require.NoError(t, err)
	d := &daemonHome{t: t, home: home, work: t.TempDir()}
	t.Cleanup(func() {
		d.killDaemon()
		_ = os.RemoveAll(home)
	})
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(config), 0o600))
	return d
}

// env is the environment of codex commands run on d.
func (d *daemonHome) env() []string {
	return append(filteredEnv(), "CODEX_HOME="+d.home, "HOME="+d.home)
}

// run runs `codex app-server daemon args...` and returns its decoded
// output and exit status.
func (d *daemonHome) run(args ...string) (daemonStatus, int) {
	d.t.Helper()
	cmd := exec.Command(codexBin, append([]string{"app-server", "daemon"}, args...)...)
	cmd.Env = d.env()
	cmd.Dir = d.work
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(d.t, err)
	}
	var st daemonStatus
	require.NoError(d.t, json.Unmarshal(stdout.Bytes(), &st), "daemon %v: stdout %q stderr %q", args, stdout.String(), stderr.String())
	assert.Equal(d.t, 1, bytes.Count(stdout.Bytes(), []byte("\n")), "one JSON line: %q", stdout.String())
	return st, code
}

// start runs `daemon start` and checks that it started a server.
func (d *daemonHome) start() daemonStatus {
	d.t.Helper()
	st, code := d.run("start")
	require.Equal(d.t, 0, code, "%+v", st)
	require.Equal(d.t, "started", st.Status, "%+v\nlog:\n%s", st, d.log())
	require.Positive(d.t, st.Pid)
	return st
}

// log returns the daemon's log.
func (d *daemonHome) log() string {
	b, _ := os.ReadFile(filepath.Join(d.home, "app-server-daemon", "daemon.log"))
	return string(b)
}

// pidFile and socket are where the daemon keeps its pid and listens.
func (d *daemonHome) pidFile() string {
	return filepath.Join(d.home, "app-server-daemon", "daemon.pid")
}
func (d *daemonHome) socket() string {
	return filepath.Join(d.home, "app-server-control", "app-server-control.sock")
}

// killDaemon ends a daemon the test left running.
func (d *daemonHome) killDaemon() {
	b, err := os.ReadFile(d.pidFile())
	if err != nil {
		return
	}
	var rec struct {
		Pid int `json:"pid"`
	}
	if json.Unmarshal(b, &rec) == nil && rec.Pid > 0 && isAppServer(rec.Pid) {
		_ = syscall.Kill(rec.Pid, syscall.SIGKILL)
	}
}

// isAppServer reports whether pid runs `codex app-server --listen ...`.
func isAppServer(pid int) bool {
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	args := strings.Split(string(cmdline), "\x00")
	return len(args) > 2 && args[1] == "app-server" && args[2] == "--listen" && !processGone(pid)
}

// daemonServers lists the app-server processes listening on d's socket.
func (d *daemonHome) daemonServers() []int {
	want := "unix://" + d.socket()
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !isAppServer(pid) {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if strings.Contains(string(cmdline), "\x00"+want) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// proxy spawns `codex app-server proxy` and returns a test client of it.
func (d *daemonHome) proxy() *appServer {
	d.t.Helper()
	cmd := exec.Command(codexBin, "app-server", "proxy")
	cmd.Env = d.env()
	cmd.Dir = d.work
	c, err := rpcclient.Spawn(cmd, rpcclient.Options{})
	require.NoError(d.t, err)
	d.t.Cleanup(func() {
		_ = c.Kill()
		if d.t.Failed() {
			d.t.Logf("proxy stderr:\n%s\ndaemon log:\n%s", c.Stderr(), d.log())
		}
	})
	return &appServer{t: d.t, c: rpcclient.NewTester(d.t, c, waitLimit), home: d.home, workDir: d.work}
}

func TestDaemonStartStatusStop(t *testing.T) {
	d := newDaemonHome(t, `model = "gpt-5"`+"\n")

	st, code := d.run("status")
	assert.Equal(t, 1, code)
	assert.Equal(t, daemonStatus{Status: "notRunning", SocketPath: d.socket(), PidFile: d.pidFile(),
		LogFile: filepath.Join(d.home, "app-server-daemon", "daemon.log")}, st)

	started := d.start()
	assert.Equal(t, d.socket(), started.SocketPath)
	assert.Equal(t, []int{started.Pid}, d.daemonServers())
	fi, err := os.Stat(d.socket())
	require.NoError(t, err)
	assert.Equal(t, os.ModeSocket|0o600, fi.Mode()&(os.ModeSocket|os.ModePerm))
	// The daemon is in a session of its own, away from the terminal of
	// whoever started it.
	sid, err := unix.Getsid(started.Pid)
	require.NoError(t, err)
	assert.Equal(t, started.Pid, sid)

	st, code = d.run("status")
	assert.Equal(t, 0, code)
	assert.Equal(t, "running", st.Status)
	assert.Equal(t, started.Pid, st.Pid)
	require.NotNil(t, st.Answering)
	assert.True(t, *st.Answering)

	// A second start leaves the first server be and starts no other.
	st, code = d.run("start")
	assert.Equal(t, 0, code)
	assert.Equal(t, "alreadyRunning", st.Status)
	assert.Equal(t, started.Pid, st.Pid)
	assert.Equal(t, []int{started.Pid}, d.daemonServers())

	st, code = d.run("stop")
	assert.Equal(t, 0, code)
	assert.Equal(t, "stopped", st.Status)
	assert.Equal(t, started.Pid, st.Pid)
	assert.True(t, processGone(started.Pid), "the server still runs")
	assert.NoFileExists(t, d.pidFile())
	_, err = os.Lstat(d.socket())
	assert.ErrorIs(t, err, os.ErrNotExist, "socket left behind")

	st, code = d.run("stop")
	assert.Equal(t, 0, code)
	assert.Equal(t, "notRunning", st.Status)
	st, code = d.run("status")
	assert.Equal(t, 1, code)
	assert.Equal(t, "notRunning", st.Status)
}

func TestDaemonStalePidFile(t *testing.T) {
	// A pid file left behind names a process that is gone, or one that is
	// alive but no app-server (the number was reused): neither is the
	// daemon, and neither is signalled.
	gone := exec.Command("true")
	require.NoError(t, gone.Run())
	sleeper := exec.Command("sleep", "60")
	require.NoError(t, sleeper.Start())
	t.Cleanup(func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() })

	tests := []struct {
		name    string
		content string
	}{
		{"exited", `{"pid":` + strconv.Itoa(gone.Process.Pid) + `}`},
		{"reused", `{"pid":` + strconv.Itoa(sleeper.Process.Pid) + `}`},
		{"damaged", `{"pid":`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDaemonHome(t, `model = "gpt-5"`+"\n")
			require.NoError(t, os.MkdirAll(filepath.Dir(d.pidFile()), 0o700))
			require.NoError(t, os.WriteFile(d.pidFile(), []byte(tt.content), 0o600))
			// And a socket file nobody listens on any more.
			require.NoError(t, os.MkdirAll(filepath.Dir(d.socket()), 0o700))
			ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: d.socket(), Net: "unix"})
			require.NoError(t, err)
			ln.SetUnlinkOnClose(false)
			require.NoError(t, ln.Close())

			st, code := d.run("status")
			assert.Equal(t, 1, code)
			assert.Equal(t, "notRunning", st.Status)

			started := d.start()
			assert.NotEqual(t, sleeper.Process.Pid, started.Pid)
			assert.Equal(t, []int{started.Pid}, d.daemonServers())
			assert.False(t, processGone(sleeper.Process.Pid), "the unrelated process was signalled")

			st, _ = d.run("stop")
			assert.Equal(t, "stopped", st.Status)
			assert.Equal(t, started.Pid, st.Pid)
		})
	}

	t.Run("stop", func(t *testing.T) {
		d := newDaemonHome(t, `model = "gpt-5"`+"\n")
		require.NoError(t, os.MkdirAll(filepath.Dir(d.pidFile()), 0o700))
		require.NoError(t, os.WriteFile(d.pidFile(), []byte(`{"pid":`+strconv.Itoa(sleeper.Process.Pid)+`}`), 0o600))
		st, code := d.run("stop")
		assert.Equal(t, 0, code)
		assert.Equal(t, "notRunning", st.Status)
		assert.NoFileExists(t, d.pidFile())
		assert.False(t, processGone(sleeper.Process.Pid), "the unrelated process was signalled")
	})
}

func TestDaemonStartFailureIsReported(t *testing.T) {
	// A socket that some other server answers on is not taken over.
	d := newDaemonHome(t, `model = "gpt-5"`+"\n")
	other := exec.Command(codexBin, "app-server", "--listen", "unix://"+d.socket())
	require.NoError(t, os.MkdirAll(filepath.Dir(d.socket()), 0o700))
	other.Env = d.env()
	require.NoError(t, other.Start())
	t.Cleanup(func() { _ = other.Process.Kill(); _ = other.Wait() })
	require.Eventually(t, func() bool { _, err := os.Stat(d.socket()); return err == nil }, waitLimit, 20*time.Millisecond)

	cmd := exec.Command(codexBin, "app-server", "daemon", "start")
	cmd.Env = d.env()
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "%s", out)
	assert.Equal(t, 1, ee.ExitCode())
	assert.Contains(t, string(out), "already listens on "+d.socket())
	assert.NoFileExists(t, d.pidFile())
}

// startDaemonWithModel starts a fake provider answering replies in order
// and a daemon using it.
func startDaemonWithModel(t *testing.T, replies ...fakemodel.Reply) (*daemonHome, *fakemodel.Server) {
	t.Helper()
	model := fakemodel.Start(fakemodel.Script(replies...))
	t.Cleanup(model.Close)
	d := newDaemonHome(t, mockConfig(model.URL, 0, 0))
	d.start()
	return d, model
}

func TestDaemonProxyCarries045Session(t *testing.T) {
	d, model := startDaemonWithModel(t, bashCall("call1", writeScript), answer())
	s := d.proxy()
	s.initialize()
	conv := startConversation(s, map[string]any{"approvalPolicy": "untrusted", "sandbox": "workspace-write", "cwd": s.workDir})
	s.sendText(conv, "write it")

	req := s.serverRequest("execCommandApproval")
	assert.Equal(t, approvalParams{ConversationID: conv, CallID: "call1", Command: []string{"bash", "-lc", writeScript}, Cwd: s.workDir},
		decodeApproval(t, req))
	s.respond(req.ID, map[string]any{"decision": "approved"})
	events := s.eventsUntil(conv, "task_complete")

	ends := msgsOf[protocol.ExecCommandEndEvent](t, events, "exec_command_end")
	require.Len(t, ends, 1, rawLines(events))
	assert.Equal(t, 0, ends[0].ExitCode)
	assert.Equal(t, "hi\n", ends[0].Stdout)
	assert.Equal(t, []string{"Hello from mock"}, eventMessages(events, "agent_message"))
	assert.Positive(t, countOf(events, "agent_message_delta"))
	_, output := modelToolOutput(t, model, 1)
	assert.Equal(t, "hi\n", decodeShellOutput(t, output).Output)
	b, err := os.ReadFile(filepath.Join(s.workDir, "out.txt"))
	require.NoError(t, err)
	assert.Equal(t, "hi\n", string(b))

	// A bad line goes through the proxy to the server, which answers it
	// and keeps serving.
	s.sendRaw("{not json")
	m := s.next()
	require.NotNil(t, m.Error, m.Raw)
	assert.Equal(t, int64(-32700), m.Error.Code)
	s.callResult("getUserAgent", nil, nil)

	// The end of stdin ends the proxy, not the daemon.
	require.NoError(t, s.closeAndWait())
	st, code := d.run("status")
	assert.Equal(t, 0, code)
	assert.Equal(t, "running", st.Status)
}

func TestDaemonSurvivesClientCrash(t *testing.T) {
	d, _ := startDaemonWithModel(t, bashCall("call1", writeScript), answer(), answer())
	pid := d.daemonServers()
	require.Len(t, pid, 1)

	first := d.proxy()
	first.initialize()
	conv := startConversation(first, map[string]any{"approvalPolicy": "untrusted", "sandbox": "workspace-write", "cwd": first.workDir})
	first.sendText(conv, "write it")
	// Mid-turn: the turn waits for the approval only this client can give.
	first.serverRequest("execCommandApproval")
	require.NoError(t, syscall.Kill(first.pid(), syscall.SIGKILL))
	<-first.exited()

	second := d.proxy()
	second.initialize()
	conv2 := startConversation(second, map[string]any{"cwd": second.workDir})
	second.sendText(conv2, "hello")
	events := second.eventsUntil(conv2, "task_complete")
	assert.NotEmpty(t, eventMessages(events, "agent_message"))
	require.NoError(t, second.closeAndWait())

	assert.Equal(t, pid, d.daemonServers())
	st, code := d.run("status")
	assert.Equal(t, 0, code)
	assert.Equal(t, "running", st.Status)
	assert.Equal(t, pid[0], st.Pid)
}

func TestProxyWithoutDaemon(t *testing.T) {
	d := newDaemonHome(t, `model = "gpt-5"`+"\n")
	cmd := exec.Command(codexBin, "app-server", "proxy")
	cmd.Env = d.env()
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "%s", out)
	assert.Equal(t, 1, ee.ExitCode())
	assert.Contains(t, string(out), d.socket())
	assert.Contains(t, string(out), "codex app-server daemon start")
}
