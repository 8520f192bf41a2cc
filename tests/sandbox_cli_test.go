package tests

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sandboxResult is what one run of the codex binary produced.
type sandboxResult struct {
	code           int
	stdout, stderr string
	state          *os.ProcessState
}

// runCodexIn runs the codex binary with args in dir, with stdin as its
// input and a fresh CODEX_HOME (home, created when empty).
func runCodexIn(t *testing.T, dir, home, stdin string, args ...string) sandboxResult {
	t.Helper()
	return runCodexEnv(t, dir, home, stdin, nil, args...)
}

// runCodexEnv is runCodexIn with more environment variables.
func runCodexEnv(t *testing.T, dir, home, stdin string, env []string, args ...string) sandboxResult {
	t.Helper()
	if home == "" {
		home = t.TempDir()
	}
	cmd := exec.Command(codexBin, args...)
	cmd.Dir = dir
	cmd.Env = append(append(filteredEnv(), "CODEX_HOME="+home), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		require.NoError(t, err)
	}
	return sandboxResult{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String(), state: cmd.ProcessState}
}

// requireLinuxSandbox skips the test where the Linux sandbox cannot run.
func requireLinuxSandbox(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the Linux sandbox needs Linux")
	}
	res := runCodexIn(t, t.TempDir(), "", "", "sandbox", "linux", "--", "true")
	if strings.Contains(res.stderr, "landlock unavailable") {
		t.Skipf("this kernel cannot enforce the sandbox: %s", res.stderr)
	}
	require.Equal(t, 0, res.code, res.stderr)
}

// fullAutoNoTmp returns the arguments of `codex sandbox linux --full-auto`
// with overrides that keep /tmp and $TMPDIR out of the writable roots, so
// that directories made by t.TempDir() are outside the sandbox unless a test
// adds them, followed by more.
func fullAutoNoTmp(more ...string) []string {
	return append([]string{"sandbox", "linux", "--full-auto",
		"-c", "sandbox_workspace_write.exclude_slash_tmp=true",
		"-c", "sandbox_workspace_write.exclude_tmpdir_env_var=true"}, more...)
}

// deniedText reports whether stderr shows a refused write.
func deniedText(stderr string) bool {
	return strings.Contains(stderr, "Permission denied") || strings.Contains(stderr, "Read-only file system")
}

func TestSandboxLinuxFileAccess(t *testing.T) {
	requireLinuxSandbox(t)

	t.Run("read-only refuses writes in the working directory", func(t *testing.T) {
		cwd := t.TempDir()
		target := filepath.Join(cwd, "x")
		res := runCodexIn(t, cwd, "", "", "sandbox", "linux", "--", "touch", target)
		assert.NotEqual(t, 0, res.code)
		assert.True(t, deniedText(res.stderr), res.stderr)
		assert.NoFileExists(t, target)
	})

	t.Run("read-only allows reads", func(t *testing.T) {
		cwd := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(cwd, "in.txt"), []byte("content\n"), 0o644))
		res := runCodexIn(t, cwd, "", "", "sandbox", "linux", "cat", "in.txt")
		assert.Equal(t, 0, res.code, res.stderr)
		assert.Equal(t, "content\n", res.stdout)
	})

	t.Run("sandbox_mode overrides are ignored", func(t *testing.T) {
		cwd := t.TempDir()
		target := filepath.Join(cwd, "x")
		res := runCodexIn(t, cwd, "", "", "sandbox", "linux", "-c", `sandbox_mode="danger-full-access"`, "--", "touch", target)
		assert.NotEqual(t, 0, res.code)
		assert.NoFileExists(t, target)
	})

	t.Run("full-auto allows writes in the working directory", func(t *testing.T) {
		cwd := t.TempDir()
		res := runCodexIn(t, cwd, "", "", fullAutoNoTmp("--", "touch", "made")...)
		assert.Equal(t, 0, res.code, res.stderr)
		assert.FileExists(t, filepath.Join(cwd, "made"))
	})

	t.Run("full-auto refuses writes outside the writable roots", func(t *testing.T) {
		cwd, outside := t.TempDir(), t.TempDir()
		target := filepath.Join(outside, "x")
		res := runCodexIn(t, cwd, "", "", fullAutoNoTmp("--", "touch", target)...)
		assert.NotEqual(t, 0, res.code)
		assert.True(t, deniedText(res.stderr), res.stderr)
		assert.NoFileExists(t, target)
	})

	t.Run("full-auto allows /tmp and $TMPDIR by default", func(t *testing.T) {
		cwd, tmp := t.TempDir(), t.TempDir()
		target := filepath.Join(tmp, "x")
		res := runCodexIn(t, cwd, "", "", "sandbox", "linux", "--full-auto", "--", "touch", target)
		assert.Equal(t, 0, res.code, res.stderr)
		assert.FileExists(t, target)
	})

	t.Run("add-dir makes a directory writable", func(t *testing.T) {
		cwd, extra := t.TempDir(), t.TempDir()
		target := filepath.Join(extra, "x")
		res := runCodexIn(t, cwd, "", "", append([]string{"--add-dir", extra}, fullAutoNoTmp("--", "touch", target)...)...)
		assert.Equal(t, 0, res.code, res.stderr)
		assert.FileExists(t, target)

		// Without --add-dir the same write is refused.
		other := filepath.Join(extra, "y")
		res = runCodexIn(t, cwd, "", "", fullAutoNoTmp("--", "touch", other)...)
		assert.NotEqual(t, 0, res.code)
		assert.NoFileExists(t, other)
	})

	t.Run("configured writable roots", func(t *testing.T) {
		cwd, extra, home := t.TempDir(), t.TempDir(), t.TempDir()
		cfg := fmt.Sprintf("[sandbox_workspace_write]\nwritable_roots = [%q]\nexclude_slash_tmp = true\nexclude_tmpdir_env_var = true\n", extra)
		require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600))
		target := filepath.Join(extra, "x")
		res := runCodexIn(t, cwd, home, "", "sandbox", "linux", "--full-auto", "--", "touch", target)
		assert.Equal(t, 0, res.code, res.stderr)
		assert.FileExists(t, target)
	})

	t.Run("-C sets the working directory", func(t *testing.T) {
		cwd, other := t.TempDir(), t.TempDir()
		res := runCodexIn(t, cwd, "", "", append([]string{"-C", other}, fullAutoNoTmp("--", "sh", "-c", "pwd; touch made")...)...)
		require.Equal(t, 0, res.code, res.stderr)
		resolved, err := filepath.EvalSymlinks(other)
		require.NoError(t, err)
		assert.Contains(t, []string{other + "\n", resolved + "\n"}, res.stdout)
		assert.FileExists(t, filepath.Join(other, "made"))
		assert.NoFileExists(t, filepath.Join(cwd, "made"))
	})
}

func TestSandboxLinuxProcess(t *testing.T) {
	requireLinuxSandbox(t)
	cwd := t.TempDir()

	t.Run("streams and exit status pass through", func(t *testing.T) {
		res := runCodexIn(t, cwd, "", "", "sandbox", "linux", "--", "sh", "-c", "echo out; echo err >&2; exit 7")
		assert.Equal(t, 7, res.code)
		assert.Equal(t, "out\n", res.stdout)
		assert.Equal(t, "err\n", res.stderr)
	})

	t.Run("a signal ends codex the same way", func(t *testing.T) {
		res := runCodexIn(t, cwd, "", "", "sandbox", "linux", "--", "sh", "-c", "kill -KILL $$")
		ws, ok := res.state.Sys().(syscall.WaitStatus)
		require.True(t, ok)
		require.True(t, ws.Signaled(), "status %v", res.state)
		assert.Equal(t, syscall.SIGKILL, ws.Signal())
	})

	t.Run("a shell sees 128+signal", func(t *testing.T) {
		cmd := exec.Command("sh", "-c", `"$0" sandbox linux -- sh -c 'kill -KILL $$'; echo "status $?"`, codexBin)
		cmd.Dir = cwd
		cmd.Env = append(filteredEnv(), "CODEX_HOME="+t.TempDir())
		out, err := cmd.Output()
		require.NoError(t, err)
		assert.Equal(t, "status 137\n", string(out))
	})

	t.Run("stdin passes through", func(t *testing.T) {
		res := runCodexIn(t, cwd, "", "line one\nline two\n", "sandbox", "linux", "cat")
		assert.Equal(t, 0, res.code, res.stderr)
		assert.Equal(t, "line one\nline two\n", res.stdout)
	})

	t.Run("flags after the command belong to it", func(t *testing.T) {
		res := runCodexIn(t, cwd, "", "", "sandbox", "linux", "echo", "--full-auto", "-c", "x")
		assert.Equal(t, 0, res.code, res.stderr)
		assert.Equal(t, "--full-auto -c x\n", res.stdout)
	})

	t.Run("the command learns that the network is closed", func(t *testing.T) {
		res := runCodexIn(t, cwd, "", "", "sandbox", "linux", "--full-auto", "--", "sh", "-c", "echo $CODEX_SANDBOX_NETWORK_DISABLED")
		assert.Equal(t, 0, res.code, res.stderr)
		assert.Equal(t, "1\n", res.stdout)
	})

	for _, args := range [][]string{
		{"debug", "landlock", "--", "true"},
		{"debug", "linux", "true"},
		{"sandbox", "landlock", "true"},
	} {
		t.Run("alias "+strings.Join(args[:2], " "), func(t *testing.T) {
			res := runCodexIn(t, cwd, "", "", args...)
			assert.Equal(t, 0, res.code, res.stderr)
		})
	}

	t.Run("the debug alias applies the sandbox", func(t *testing.T) {
		target := filepath.Join(cwd, "x")
		res := runCodexIn(t, cwd, "", "", "debug", "landlock", "--", "touch", target)
		assert.NotEqual(t, 0, res.code)
		assert.NoFileExists(t, target)
	})
}

func TestSandboxLinuxNetworkClosed(t *testing.T) {
	requireLinuxSandbox(t)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("needs bash for /dev/tcp")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	connect := fmt.Sprintf("exec 3<>/dev/tcp/127.0.0.1/%d && echo connected", port)

	// pending returns a connection that reached the listener, if any. A
	// completed connect is queued before the client's command ends.
	pending := func() net.Conn {
		require.NoError(t, ln.(*net.TCPListener).SetDeadline(time.Now().Add(200*time.Millisecond)))
		conn, err := ln.Accept()
		if err != nil {
			return nil
		}
		return conn
	}

	// Unsandboxed, the same command reaches the listener.
	out, err := exec.Command(bash, "-c", connect).CombinedOutput()
	require.NoError(t, err, string(out))
	conn := pending()
	require.NotNil(t, conn, "the unsandboxed connect must arrive")
	conn.Close()

	// Under --full-auto the network stays closed even when the
	// configuration opens it.
	home := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"),
		[]byte("[sandbox_workspace_write]\nnetwork_access = true\n"), 0o600))
	res := runCodexIn(t, t.TempDir(), home, "", "sandbox", "linux", "--full-auto", "--", bash, "-c", connect)
	assert.NotEqual(t, 0, res.code)
	assert.NotContains(t, res.stdout, "connected")
	assert.True(t, strings.Contains(res.stderr, "Operation not permitted") || strings.Contains(res.stderr, "Permission denied"), res.stderr)
	if conn := pending(); conn != nil {
		conn.Close()
		t.Fatal("a connection from the sandbox reached the listener")
	}
}

func TestSandboxCLIErrors(t *testing.T) {
	cwd := t.TempDir()
	tests := []struct {
		name       string
		args       []string
		linuxOnly  bool
		wantCode   int
		wantStderr string
	}{
		{name: "no command", args: []string{"sandbox", "linux"}, wantCode: 2, wantStderr: "no command given"},
		{name: "no command after --", args: []string{"sandbox", "linux", "--full-auto", "--"}, wantCode: 2, wantStderr: "no command given"},
		{name: "command not found", args: []string{"sandbox", "linux", "--", "no-such-command-for-codex-tests"}, linuxOnly: true,
			wantCode: 127, wantStderr: `command "no-such-command-for-codex-tests" not found`},
		{name: "sandbox mode flag", args: []string{"-s", "danger-full-access", "sandbox", "linux", "true"}, wantCode: 2,
			wantStderr: "-s/--sandbox does not apply"},
		{name: "seatbelt elsewhere", args: []string{"sandbox", "macos", "--", "true"}, linuxOnly: true, wantCode: 1,
			wantStderr: "Seatbelt is only available on macOS"},
		{name: "seatbelt alias elsewhere", args: []string{"debug", "seatbelt", "--log-denials", "true"}, linuxOnly: true, wantCode: 1,
			wantStderr: "Seatbelt is only available on macOS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.linuxOnly && runtime.GOOS != "linux" {
				t.Skip("Linux behaviour")
			}
			res := runCodexIn(t, cwd, "", "", tt.args...)
			assert.Equal(t, tt.wantCode, res.code, res.stderr)
			assert.Contains(t, res.stderr, tt.wantStderr)
			assert.Empty(t, res.stdout)
		})
	}
}

func TestSandboxLinuxLogDenialsListsTheProtections(t *testing.T) {
	requireLinuxSandbox(t)
	cwd := t.TempDir()
	tests := []struct {
		name        string
		env         []string
		applied     []string
		unavailable []string
	}{
		{
			name:    "namespaces",
			applied: []string{"read-only mounts", "own PID namespace", "capabilities dropped", "landlock file rules", "seccomp filter"},
		},
		{
			name:        "namespaces turned off",
			env:         []string{"CODEX_SANDBOX_NO_NAMESPACES=1"},
			applied:     []string{"capabilities dropped", "landlock file rules", "seccomp filter"},
			unavailable: []string{"read-only mounts", "own PID namespace", "turned off by CODEX_SANDBOX_NO_NAMESPACES"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(codexBin, "sandbox", "linux", "--log-denials", "--", "true")
			cmd.Dir = cwd
			cmd.Env = append(append(filteredEnv(), "CODEX_HOME="+t.TempDir()), tt.env...)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				assert.True(t, strings.HasPrefix(line, "sandbox: "), "report line %q", line)
			}
			for _, m := range tt.applied {
				assert.Regexp(t, `(?m)^sandbox: applied: .*`+m, string(out))
			}
			for _, m := range tt.unavailable {
				assert.Regexp(t, `(?m)^sandbox: unavailable: .*`+m, string(out))
			}
		})
	}
}
