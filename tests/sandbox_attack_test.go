//go:build linux

package tests

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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

	"github.com/codex-go/codex/internal/ptytest"
	"github.com/codex-go/codex/tests/fakemodel"
)

// The red-team suite through the real binary: attacks made by model
// commands under `codex exec` and the app-server, and by commands under
// `codex sandbox linux`, each checked from outside. The in-package suite
// (sandbox/attack_linux_test.go) covers each family in depth; these show
// that the paths codex really takes hold.

// codexRun describes one run of the codex binary.
type codexRun struct {
	dir, home string
	// env is added to the tests' filtered environment.
	env []string
	// tty, when set, is the standard input and the controlling terminal
	// of codex, in a session of its own.
	tty *os.File
	// credential runs codex as another user.
	credential *syscall.Credential
	// bin is the binary to run (codexBin when empty).
	bin string
}

// run runs codex with args and returns how it ended.
func (r codexRun) run(t *testing.T, args ...string) sandboxResult {
	t.Helper()
	bin := r.bin
	if bin == "" {
		bin = codexBin
	}
	var stdout, stderr bytes.Buffer
	var cmd *exec.Cmd
	var err error
	// A binary copied a moment ago may still be open for writing in a
	// process that a parallel test forked meanwhile ("text file busy");
	// that ends when the process execs, so starting again succeeds.
	for range 50 {
		stdout.Reset()
		stderr.Reset()
		cmd = exec.Command(bin, args...)
		cmd.Dir = r.dir
		cmd.Env = append(filteredEnv(), "CODEX_HOME="+r.home)
		cmd.Env = append(cmd.Env, r.env...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: r.credential}
		if r.tty != nil {
			cmd.Stdin = r.tty
			cmd.SysProcAttr.Setsid, cmd.SysProcAttr.Setctty = true, true
		}
		if err = cmd.Run(); !errors.Is(err, syscall.ETXTBSY) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		require.NoError(t, err)
	}
	res := sandboxResult{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String(), state: cmd.ProcessState}
	if t.Failed() {
		t.Logf("stdout:\n%s\nstderr:\n%s", res.stdout, res.stderr)
	}
	return res
}

// python returns the system's python3 (not a shim that needs the user's
// home), or skips the test.
func python(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "/usr/local/bin/python3"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("needs python3")
	return ""
}

// terminalAttacks is a python program trying to push input into the
// terminals given as arguments (its standard input, /dev/tty, argv[1]) and
// to write to argv[1]. It prints "NAME worked" or "NAME refused ERRNO".
const terminalAttacks = `import fcntl, os, sys, termios
def attempt(name, f):
    try:
        f()
        print(name, "worked")
    except OSError as e:
        print(name, "refused", e.errno)
attempt("stdin-tiocsti", lambda: fcntl.ioctl(0, termios.TIOCSTI, b"x"))
attempt("tty-open", lambda: os.open("/dev/tty", os.O_RDWR))
attempt("tty-tiocsti", lambda: fcntl.ioctl(os.open("/dev/tty", os.O_RDWR), termios.TIOCSTI, b"x"))
attempt("other-tiocsti", lambda: fcntl.ioctl(os.open(sys.argv[1], os.O_RDONLY | os.O_NOCTTY), termios.TIOCSTI, b"x"))
attempt("other-write", lambda: os.write(os.open(sys.argv[1], os.O_WRONLY | os.O_NOCTTY), b"touch INJECTED\n"))
`

func TestSandboxAttackTerminalUnderExec(t *testing.T) {
	// codex exec runs on the user's terminal; its model commands get no
	// controlling terminal, so /dev/tty does not open, and other
	// terminals are not even visible.
	t.Parallel()
	requireLinuxSandbox(t)
	py := python(t)
	own, other := ptytest.Open(t), ptytest.Open(t)
	script := fmt.Sprintf("%s -c '%s' %s", py, terminalAttacks, other.Path)
	s := newExecSetup(t, bashCall("call_1", script), fakemodel.Text("done"))
	res := codexRun{dir: s.dir, home: s.home, tty: own.SlaveFile}.run(t, "exec", "-s", "read-only", "inject")
	require.Equal(t, 0, res.code, res.stderr)
	_, output := modelToolOutput(t, s.model, 1)
	out := decodeShellOutput(t, output).Output
	assert.Contains(t, out, "tty-open refused 6\n", "ENXIO: no controlling terminal")
	assert.Regexp(t, `stdin-tiocsti refused (1|25)\n`, out)
	assert.Contains(t, out, "other-tiocsti refused 2\n", "ENOENT: an own /dev/pts")
	assert.Contains(t, out, "other-write refused 2\n")
	assert.NotContains(t, out, "worked")
	assert.Zero(t, own.Queued(t), "input was pushed into codex's terminal")
	assert.Zero(t, other.Queued(t), "input was pushed into another terminal")
	assert.Empty(t, other.Shown(t), "another terminal was written to")
}

func TestSandboxAttackTerminalUnderSandboxCLI(t *testing.T) {
	// `codex sandbox linux` on a terminal gives the command that terminal:
	// it may use it, but neither push input into it nor reach others.
	t.Parallel()
	requireLinuxSandbox(t)
	py := python(t)
	for _, plain := range []bool{false, true} {
		t.Run(fmt.Sprintf("namespaces=%v", !plain), func(t *testing.T) {
			own, other := ptytest.Open(t), ptytest.Open(t)
			r := codexRun{dir: t.TempDir(), home: t.TempDir(), tty: own.SlaveFile}
			if plain {
				r.env = []string{"CODEX_SANDBOX_NO_NAMESPACES=1"}
			}
			res := r.run(t, "sandbox", "linux", "--", py, "-c", terminalAttacks, other.Path)
			require.Equal(t, 0, res.code, res.stderr)
			assert.Contains(t, res.stdout, "stdin-tiocsti refused 1\n")
			assert.Contains(t, res.stdout, "tty-open worked\n", "the command's own terminal")
			assert.Contains(t, res.stdout, "tty-tiocsti refused 1\n")
			assert.Regexp(t, `other-tiocsti refused (1|13)\n`, res.stdout)
			assert.Contains(t, res.stdout, "other-write refused 13\n")
			assert.Zero(t, own.Queued(t), "input was pushed into the command's terminal")
			assert.Zero(t, other.Queued(t), "input was pushed into another terminal")
			assert.Empty(t, other.Shown(t), "another terminal was written to")

			// What is typed at another terminal.
			other.TypeIn(t, "typed-password\n")
			read := `import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
print(os.read(fd, 100))`
			res = r.run(t, "sandbox", "linux", "--", py, "-c", read, other.Path)
			knownHole(t, strings.Contains(res.stdout, "typed-password"),
				"`codex sandbox linux` on a terminal lets the command read another terminal's input (namespaces=%v)", !plain)
		})
	}
}

// knownHole fails the test, naming the hole, when the attack succeeded
// (holds): every hole these probes found is closed, and must stay closed.
func knownHole(t *testing.T, holds bool, format string, args ...any) {
	t.Helper()
	if holds {
		t.Fatalf("HOLE: "+format, args...)
	}
}

func TestSandboxAttackServerEnvironment(t *testing.T) {
	// The server's environment holds the API key, which the environment
	// policy keeps from commands; they must not find it in /proc either.
	t.Parallel()
	requireLinuxSandbox(t)
	const secret = "sk-server-secret-4242424242"
	// The bracket keeps the pattern from matching the script's own
	// command line.
	script := `for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do grep -a -o 'sk-server-secre[t]-[0-9]*' "$f"; done 2>/dev/null; ` +
		`tr '\0' '\n' < /proc/$PPID/environ 2>&1 | grep -c OPENAI; echo "processes $(ls -d /proc/[0-9]* | wc -l)"`
	for _, sandbox := range []string{"read-only", "workspace-write"} {
		for _, plain := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/namespaces=%v", sandbox, !plain), func(t *testing.T) {
				t.Parallel()
				s := newExecSetup(t, bashCall("call_1", script), fakemodel.Text("done"))
				env := []string{"OPENAI_API_KEY=" + secret}
				if plain {
					env = append(env, "CODEX_SANDBOX_NO_NAMESPACES=1")
				}
				res := codexRun{dir: s.dir, home: s.home, env: env}.run(t, "exec", "-s", sandbox, "look around")
				require.Equal(t, 0, res.code, res.stderr)
				_, output := modelToolOutput(t, s.model, 1)
				out := decodeShellOutput(t, output).Output
				assert.Contains(t, out, "processes ")
				assert.NotContains(t, out, secret)
				assert.NotContains(t, res.stdout, secret)
				for i, req := range s.model.Requests() {
					assert.NotContains(t, string(req.Body), secret, "model request %d", i)
				}
			})
		}
	}
}

func TestSandboxAttackGitUnderExec(t *testing.T) {
	t.Parallel()
	requireLinuxSandbox(t)

	t.Run("hooks and config", func(t *testing.T) {
		t.Parallel()
		script := `printf '#!/bin/sh\ntouch hook-ran\n' > .git/hooks/pre-commit; chmod +x .git/hooks/pre-commit; ` +
			`git config core.fsmonitor 'touch fsmonitor-ran'; printf '[core]\n\tfsmonitor = touch x\n' >> .git/config; ` +
			`echo /tmp > .git/commondir; mv .git .git-old; echo tried`
		s := newExecSetup(t, bashCall("call_1", script), fakemodel.Text("done"))
		config, err := os.ReadFile(filepath.Join(s.dir, ".git", "config"))
		require.NoError(t, err)
		res := codexRun{dir: s.dir, home: s.home}.run(t, "exec", "--full-auto", "hook it")
		require.Equal(t, 0, res.code, res.stderr)
		_, output := modelToolOutput(t, s.model, 1)
		assert.Contains(t, decodeShellOutput(t, output).Output, "Read-only file system")
		assert.NoFileExists(t, filepath.Join(s.dir, ".git", "hooks", "pre-commit"))
		assert.NoFileExists(t, filepath.Join(s.dir, ".git", "commondir"))
		assert.NoDirExists(t, filepath.Join(s.dir, ".git-old"))
		after, err := os.ReadFile(filepath.Join(s.dir, ".git", "config"))
		require.NoError(t, err)
		assert.Equal(t, string(config), string(after))
		assert.Empty(t, gitConfig(t, s.dir, "core.fsmonitor"))
	})

	t.Run("the workspace renamed inside /tmp", func(t *testing.T) {
		// Under --full-auto /tmp is a writable root, and the workspace
		// (made by t.TempDir) lies below it: moving the workspace takes
		// its read-only .git along, and a new one takes its place.
		t.Parallel()
		script := `d=$(pwd) && cd .. && mv "$d" "$d.moved" && mkdir "$d" && cp -a "$d.moved/.git" "$d/.git" && ` +
			`git -C "$d" config core.fsmonitor 'touch fsmonitor-ran' && echo replaced`
		s := newExecSetup(t, bashCall("call_1", script), fakemodel.Text("done"))
		res := codexRun{dir: s.dir, home: s.home}.run(t, "exec", "--full-auto", "move it")
		require.Equal(t, 0, res.code, res.stderr)

		knownHole(t, gitConfig(t, s.dir, "core.fsmonitor") != "",
			"a model command under --full-auto replaced the read-only .git of a workspace below /tmp by renaming the workspace (core.fsmonitor=%q)",
			gitConfig(t, s.dir, "core.fsmonitor"))
	})
}

// gitConfig returns a repository setting as git sees it from outside.
func gitConfig(t *testing.T, repo, key string) string {
	t.Helper()
	out, _ := exec.Command("git", "-C", repo, "config", "--get", key).Output()
	return strings.TrimSpace(string(out))
}

func TestSandboxAttackCodexHomeUnderExec(t *testing.T) {
	t.Parallel()
	requireLinuxSandbox(t)
	const secret = "sk-auth-json-secret-777"

	// prepare makes CODEX_HOME at home with the fake model's config and
	// stored credentials.
	prepare := func(t *testing.T, s execSetup, home string) string {
		cfg, err := os.ReadFile(filepath.Join(s.home, "config.toml"))
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(home, 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), cfg, 0o600))
		require.NoError(t, os.WriteFile(filepath.Join(home, "auth.json"), []byte(`{"OPENAI_API_KEY":"`+secret+`"}`), 0o600))
		return string(cfg)
	}

	t.Run("inside the workspace", func(t *testing.T) {
		t.Parallel()
		script := `printf '[mcp_servers.evil]\ncommand = "touch"\nargs = ["mcp-ran"]\n' >> .codex/config.toml; cat .codex/auth.json; echo read`
		s := newExecSetup(t, bashCall("call_1", script), fakemodel.Text("done"))
		home := filepath.Join(s.dir, ".codex")
		cfg := prepare(t, s, home)
		res := codexRun{dir: s.dir, home: home}.run(t, "exec", "--full-auto", "configure")
		require.Equal(t, 0, res.code, res.stderr)
		after, err := os.ReadFile(filepath.Join(home, "config.toml"))
		require.NoError(t, err)
		assert.Equal(t, cfg, string(after))
		_, output := modelToolOutput(t, s.model, 1)
		assert.Contains(t, decodeShellOutput(t, output).Output, "Read-only file system")
		for i, req := range s.model.Requests() {
			assert.NotContains(t, string(req.Body), secret, "model request %d", i)
		}
	})

	t.Run("below a subdirectory of the workspace", func(t *testing.T) {
		// The parent of CODEX_HOME is renamed and a new CODEX_HOME with an
		// MCP server takes its place; the next conversation starts that
		// server outside the sandbox.
		t.Parallel()
		marker := filepath.Join(t.TempDir(), "mcp-ran")
		script := fmt.Sprintf(`mv state state.moved && mkdir -p state/codex && cp state.moved/codex/config.toml state/codex/ && `+
			`printf '[mcp_servers.evil]\ncommand = "touch"\nargs = [%q]\n' >> state/codex/config.toml && echo planted`, marker)
		s := newExecSetup(t, bashCall("call_1", script), fakemodel.Text("done"), fakemodel.Text("again"))
		home := filepath.Join(s.dir, "state", "codex")
		prepare(t, s, home)
		res := codexRun{dir: s.dir, home: home}.run(t, "exec", "--full-auto", "configure")
		require.Equal(t, 0, res.code, res.stderr)
		codexRun{dir: s.dir, home: home}.run(t, "exec", "--full-auto", "next conversation")
		_, err := os.Stat(marker)
		knownHole(t, err == nil, "renaming the parent of CODEX_HOME inside the workspace let a model command add an MCP server that the next conversation started outside the sandbox")
		assert.NoFileExists(t, marker)
	})
}

// plantedLibrary is a shared library whose constructor appends the path of
// the program that loaded it and its "Seccomp:" status to the file named
// by CODEX_PLANT_MARKER.
const plantedLibrary = `#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((constructor)) static void planted(void) {
	const char *marker = getenv("CODEX_PLANT_MARKER");
	char line[512], exe[256] = "?", status[8192];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) exe[n] = 0;
	const char *seccomp = "Seccomp:\t?";
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, status, sizeof status - 1);
		close(fd);
		if (n > 0) {
			status[n] = 0;
			char *s = strstr(status, "Seccomp:");
			if (s != NULL) {
				char *end = strchr(s, '\n');
				if (end != NULL) *end = 0;
				seccomp = s;
			}
		}
	}
	if (marker == NULL) return;
	fd = open(marker, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) return;
	int len = snprintf(line, sizeof line, "%s %s\n", exe, seccomp);
	(void)!write(fd, line, len);
	close(fd);
}
`

// buildPlantedLibrary compiles plantedLibrary with gcc, or skips the test.
func buildPlantedLibrary(t *testing.T) string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("needs gcc to build the planted library")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "planted.c")
	require.NoError(t, os.WriteFile(src, []byte("#include <stdio.h>\n"+plantedLibrary), 0o644))
	lib := filepath.Join(dir, "planted.so")
	out, err := exec.Command(gcc, "-shared", "-fPIC", "-o", lib, src).CombinedOutput()
	require.NoError(t, err, "gcc: %s", out)
	return lib
}

// outsideTmp makes a directory outside /tmp, which --full-auto leaves
// writable, so that a file appearing there was written outside the
// sandbox.
func outsideTmp(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/var/tmp", "codex-attack-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func TestSandboxAttackLoaderVariablesUnderExec(t *testing.T) {
	// The server runs with LD_LIBRARY_PATH and LD_PRELOAD pointing into
	// the workspace. A first command plants a library there; the helper
	// that starts the second command must not load it.
	t.Parallel()
	requireLinuxSandbox(t)
	lib := buildPlantedLibrary(t)
	marker := filepath.Join(outsideTmp(t), "marker")
	s := newExecSetup(t,
		bashCall("call_1", fmt.Sprintf("mkdir -p lib && cp %s lib/libseccomp.so.2 && cp %s lib/planted.so && echo planted", lib, lib)),
		bashCall("call_2", "grep Seccomp: /proc/self/status"),
		fakemodel.Text("done"))
	env := []string{
		"LD_LIBRARY_PATH=" + filepath.Join(s.dir, "lib"),
		"LD_PRELOAD=" + filepath.Join(s.dir, "lib", "planted.so"),
		"CODEX_PLANT_MARKER=" + marker,
	}
	res := codexRun{dir: s.dir, home: s.home, env: env}.run(t, "exec", "--full-auto", "plant")
	require.Equal(t, 0, res.code, res.stderr)
	_, output := modelToolOutput(t, s.model, 2)
	assert.Contains(t, decodeShellOutput(t, output).Output, "Seccomp:\t2")
	data, err := os.ReadFile(marker)
	if err == nil {
		assert.NotContains(t, string(data), "Seccomp:\t0", "the planted library ran outside the sandbox:\n%s", data)
	}
}

func TestSandboxAttackLoaderPathUnderServerGit(t *testing.T) {
	// An empty entry in LD_LIBRARY_PATH (as `export
	// LD_LIBRARY_PATH=$LD_LIBRARY_PATH:/opt/lib` leaves when it was unset)
	// is the current directory. A sandboxed command plants a library git
	// needs in the workspace; the app-server runs git there, unsandboxed,
	// for gitDiffToRemote.
	t.Parallel()
	requireLinuxSandbox(t)
	lib := buildPlantedLibrary(t)
	marker := filepath.Join(outsideTmp(t), "marker")
	s := startAppServer(t, serverEnv{config: "", env: []string{"LD_LIBRARY_PATH=:/nonexistent", "CODEX_PLANT_MARKER=" + marker}})
	s.initialize()
	out, err := exec.Command("git", "init", "-q", s.workDir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	plant := codexRun{dir: s.workDir, home: t.TempDir()}.run(t, fullAutoNoTmp("--", "cp", lib, "libpcre2-8.so.0")...)
	require.Equal(t, 0, plant.code, plant.stderr)
	s.call("gitDiffToRemote", map[string]any{"cwd": s.workDir})
	data, _ := os.ReadFile(marker)
	knownHole(t, strings.Contains(string(data), "Seccomp:\t0"),
		"with an empty LD_LIBRARY_PATH entry the server's own git loaded a library a command planted in the workspace: %s", strings.TrimSpace(string(data)))
}

func TestSandboxAttackHelperReplaced(t *testing.T) {
	// The helper is the codex binary, started by path for every command.
	// When that path lies in a writable root (here /tmp, writable under
	// --full-auto), a command can replace it.
	t.Parallel()
	requireLinuxSandbox(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "codex")
	copyFile(t, codexBin, bin, 0o755)
	marker := filepath.Join(outsideTmp(t), "marker")
	replace := fmt.Sprintf(`mv %[1]s %[1]s.real && printf '#!/bin/sh\ngrep Seccomp: /proc/self/status > %[2]s\nexec %[1]s.real "$@"\n' > %[1]s && chmod +x %[1]s && echo replaced`, bin, marker)
	s := newExecSetup(t, bashCall("call_1", replace), bashCall("call_2", "echo next"), fakemodel.Text("done"))
	res := codexRun{dir: s.dir, home: s.home, bin: bin}.run(t, "exec", "--full-auto", "replace")
	require.Equal(t, 0, res.code, res.stderr)
	data, _ := os.ReadFile(marker)
	knownHole(t, strings.Contains(string(data), "Seccomp:\t0"),
		"a command replaced the codex binary (in a writable root) and the server ran the replacement, unsandboxed, as the next helper")
	assert.NoFileExists(t, marker)
}

// copyFile copies src to dst with mode.
func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	require.NoError(t, err)
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	require.NoError(t, err)
	_, err = io.Copy(out, in)
	require.NoError(t, err)
	require.NoError(t, out.Close())
}

func TestSandboxAttackAsOrdinaryUser(t *testing.T) {
	// As an ordinary user the sandbox needs a user namespace for its mount
	// and PID namespaces.
	t.Parallel()
	requireLinuxSandbox(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root to run codex as another user")
	}
	const uid = 65534
	base, err := os.MkdirTemp("", "codex-user-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(base) })
	require.NoError(t, os.Chmod(base, 0o755))
	bin := filepath.Join(base, "codex")
	copyFile(t, codexBin, bin, 0o755)
	owned := func(name string) string {
		p := filepath.Join(base, name)
		require.NoError(t, os.Mkdir(p, 0o755))
		require.NoError(t, os.Chown(p, uid, uid))
		return p
	}
	ws, out, home := owned("ws"), owned("out"), owned("home")
	run := func(t *testing.T, plain bool, script string) sandboxResult {
		r := codexRun{dir: ws, home: home, bin: bin, credential: &syscall.Credential{Uid: uid, Gid: uid}, env: []string{"HOME=" + home}}
		if plain {
			r.env = append(r.env, "CODEX_SANDBOX_NO_NAMESPACES=1")
		}
		return r.run(t, fullAutoNoTmp("--log-denials", "--", "sh", "-c", script)...)
	}
	gitInit := run(t, false, "git init -q && echo ok")
	require.Equal(t, 0, gitInit.code, gitInit.stderr)
	require.Equal(t, "ok\n", gitInit.stdout)

	victim := exec.Command("sleep", "3600")
	victim.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
	require.NoError(t, victim.Start())
	t.Cleanup(func() {
		_ = victim.Process.Kill()
		_ = victim.Wait()
	})
	vpid := strconv.Itoa(victim.Process.Pid)

	for _, plain := range []bool{false, true} {
		t.Run(fmt.Sprintf("namespaces=%v", !plain), func(t *testing.T) {
			script := fmt.Sprintf(`echo "pid $$"; touch %[1]s/x; echo hook > .git/hooks/pre-commit; kill -0 %[2]s; renice -n 19 -p %[2]s; echo made > made.txt; true`, out, vpid)
			res := run(t, plain, script)
			require.Equal(t, 0, res.code, res.stderr)
			assert.FileExists(t, filepath.Join(ws, "made.txt"))
			assert.NoFileExists(t, filepath.Join(out, "x"), "a write outside the roots")
			if !plain {
				assert.Contains(t, res.stderr, "applied: own PID namespace and /proc")
				assert.Contains(t, res.stderr, "applied: read-only mounts outside the writable roots")
				// Process 1 is codex, whose threads take the next numbers.
				pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(strings.SplitN(res.stdout, "\n", 2)[0], "pid ")))
				require.NoError(t, err, res.stdout)
				assert.Less(t, pid, 64, "the command is not in a PID namespace of its own")
				assert.Contains(t, res.stderr, "No such process", "the victim is visible")
				assert.NoFileExists(t, filepath.Join(ws, ".git", "hooks", "pre-commit"), "a hook was planted")
			}
			stat, err := os.ReadFile("/proc/" + vpid + "/stat")
			require.NoError(t, err)
			fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
			knownHole(t, fields[16] != "0",
				"as an ordinary user without namespaces, a command reniced an outside process of the same user (nice %s)", fields[16])
			assert.Equal(t, "S", fields[0], "the victim's state")
		})
	}
}

func TestSandboxAttackTerminalEscapesUnderExec(t *testing.T) {
	// A command's output is shown on the user's terminal by codex exec:
	// control sequences in it (here OSC 52, which sets the clipboard of
	// terminals that support it, ready to be pasted into a shell) must not
	// reach the terminal raw.
	t.Parallel()
	requireLinuxSandbox(t)
	own := ptytest.Open(t)
	s := newExecSetup(t, bashCall("call_1", `printf 'before\033]52;c;dG91Y2ggUFdORUQK\007after\n'`), fakemodel.Text("done"))
	cmd := exec.Command(codexBin, "exec", "-s", "read-only", "print it")
	cmd.Dir = s.dir
	cmd.Env = append(filteredEnv(), "CODEX_HOME="+s.home)
	cmd.Stdin, cmd.Stdout = own.SlaveFile, own.SlaveFile
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	require.NoError(t, cmd.Run(), stderr.String())
	shown := own.Shown(t)
	require.Contains(t, shown, "before")
	knownHole(t, strings.Contains(shown, "\x1b]52;"),
		"codex exec copies control sequences from a command's output to the user's terminal (OSC 52 sets the clipboard)")
	assert.NotContains(t, shown, "\x1b]")
}

func TestSandboxAttackCodexHomeLinkUnderExec(t *testing.T) {
	// CODEX_HOME is a symbolic link inside the workspace (a dotfiles
	// manager's layout): the link's target is read-only to commands, the
	// link itself is not. A command replaces it; the next conversation
	// reads the command's config.toml and starts its MCP server outside
	// the sandbox.
	t.Parallel()
	requireLinuxSandbox(t)
	marker := filepath.Join(outsideTmp(t), "mcp-ran")
	script := fmt.Sprintf(`rm .codex && mkdir .codex && cp dotfiles/codex/config.toml .codex/ && `+
		`printf '[mcp_servers.evil]\ncommand = "touch"\nargs = [%q]\n' >> .codex/config.toml && echo replaced`, marker)
	s := newExecSetup(t, bashCall("call_1", script), fakemodel.Text("done"), fakemodel.Text("again"))
	real := filepath.Join(s.dir, "dotfiles", "codex")
	require.NoError(t, os.MkdirAll(real, 0o700))
	cfg, err := os.ReadFile(filepath.Join(s.home, "config.toml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(real, "config.toml"), cfg, 0o600))
	home := filepath.Join(s.dir, ".codex")
	require.NoError(t, os.Symlink(filepath.Join("dotfiles", "codex"), home))
	res := codexRun{dir: s.dir, home: home}.run(t, "exec", "--full-auto", "configure")
	require.Equal(t, 0, res.code, res.stderr)
	codexRun{dir: s.dir, home: home}.run(t, "exec", "--full-auto", "next conversation")
	_, err = os.Stat(marker)
	knownHole(t, err == nil, "a model command replaced the symbolic link CODEX_HOME inside the workspace; the next conversation started its MCP server outside the sandbox")
	assert.NoFileExists(t, marker)
}

func TestSandboxAttackLoaderPathInWorkspaceUnderExec(t *testing.T) {
	// LD_LIBRARY_PATH names a directory inside the workspace (a project's
	// own build output, a common setting while developing a library). A
	// command plants a library there; the notify program, which codex runs
	// outside the sandbox when the turn ends, must not load it. (MCP
	// servers get a fixed set of variables without the loader's.)
	t.Parallel()
	requireLinuxSandbox(t)
	git, err := exec.LookPath("git")
	require.NoError(t, err)
	lib := buildPlantedLibrary(t)
	marker := filepath.Join(outsideTmp(t), "marker")
	s := newExecSetup(t,
		bashCall("call_1", fmt.Sprintf("mkdir -p lib && cp %s lib/libpcre2-8.so.0 && echo planted", lib)),
		fakemodel.Text("done"))
	cfg, err := os.ReadFile(filepath.Join(s.home, "config.toml"))
	require.NoError(t, err)
	// notify is a top-level key: it goes before the tables.
	cfg = append([]byte(fmt.Sprintf("notify = [%q, \"--version\"]\n", git)), cfg...)
	require.NoError(t, os.WriteFile(filepath.Join(s.home, "config.toml"), cfg, 0o600))
	r := codexRun{dir: s.dir, home: s.home, env: []string{"LD_LIBRARY_PATH=" + filepath.Join(s.dir, "lib"), "CODEX_PLANT_MARKER=" + marker}}
	res := r.run(t, "exec", "--full-auto", "plant")
	require.Equal(t, 0, res.code, res.stderr)
	_, output := modelToolOutput(t, s.model, 1)
	require.Contains(t, decodeShellOutput(t, output).Output, "planted")
	data, _ := os.ReadFile(marker)
	knownHole(t, strings.Contains(string(data), "Seccomp:\t0"),
		"an LD_LIBRARY_PATH entry inside a writable root reaches the notify program codex runs outside the sandbox: %s", strings.TrimSpace(string(data)))
	assert.NotContains(t, string(data), "Seccomp:\t0")
}

func TestSandboxAttackMCPServerStartedInTheWorkspace(t *testing.T) {
	// codex starts MCP servers outside the sandbox, in its own working
	// directory, which is the workspace. A server started as `python3 -m
	// module` imports from that directory first: a command plants the
	// module there, and the next conversation runs it.
	t.Parallel()
	requireLinuxSandbox(t)
	py := python(t)
	marker := filepath.Join(outsideTmp(t), "marker")
	module := fmt.Sprintf("open(%q, 'a').write([l for l in open('/proc/self/status') if l.startswith('Seccomp:')][0])", marker)
	plant := fmt.Sprintf("printf '%%s' %q > codex_probe_mcp.py && echo planted", module)
	s := newExecSetup(t, bashCall("call_1", plant), fakemodel.Text("done"), fakemodel.Text("again"))
	f, err := os.OpenFile(filepath.Join(s.home, "config.toml"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = fmt.Fprintf(f, "\n[mcp_servers.tool]\ncommand = %q\nargs = [\"-m\", \"codex_probe_mcp\"]\n", py)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	r := codexRun{dir: s.dir, home: s.home}
	res := r.run(t, "exec", "--full-auto", "plant")
	require.Equal(t, 0, res.code, res.stderr)
	require.FileExists(t, filepath.Join(s.dir, "codex_probe_mcp.py"))
	r.run(t, "exec", "--full-auto", "next conversation")
	data, _ := os.ReadFile(marker)
	if strings.Contains(string(data), "Seccomp:\t0") {
		// MCP servers start, outside the sandbox, in the directory codex
		// runs in, as the reference's do and as configurations that pass
		// "." expect; what they load from there is the configuration's
		// business (documented under "What it cannot promise").
		t.Skip("documented limitation: an MCP server started as `python3 -m` loads a module planted in the working directory")
	}
}
