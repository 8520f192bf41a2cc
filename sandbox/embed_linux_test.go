package sandbox

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/codex-go/codex/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// buildEmbedder builds testdata/embedder, a program that embeds the engine
// and calls RunHelperIfRequested first, and returns its path.
func buildEmbedder(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not available to build the embedding program")
	}
	bin := filepath.Join(t.TempDir(), "embedder")
	build := exec.CommandContext(t.Context(), goTool, "build", "-o", bin, "./testdata/embedder")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "build the embedding program: %s", out)
	return bin
}

// embedderResult is what the embedding program prints: the core/exec
// result of the command it ran.
type embedderResult struct {
	ExitCode int
	Stdout   string
	Stderr   string
}

// runEmbedder runs the embedding program with args and decodes the result
// it prints.
func runEmbedder(t *testing.T, bin string, args ...string) embedderResult {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, EnvNoNamespaces+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "embedder %v: %s", args, stderr.String())
	var res embedderResult
	require.NoError(t, json.Unmarshal(out, &res), "embedder %v printed %q", args, out)
	return res
}

// TestEmbeddingProgram checks that a program other than codex that embeds
// the engine and calls RunHelperIfRequested first gets the same sandbox:
// its commands are confined (with the namespaces created before its Go
// runtime starts, as for the test binary's helper) and its patches are
// written by itself as the sandboxed patch writer.
func TestEmbeddingProgram(t *testing.T) {
	bin := buildEmbedder(t)

	t.Run("read-only denies a write", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		res := runEmbedder(t, bin, "shell", "read-only", dir, "echo changed > out.txt")
		assert.NotEqual(t, 0, res.ExitCode)
		assert.True(t, LikelyDenied(res.ExitCode, res.Stdout, res.Stderr), res.Stderr)
		assert.NoFileExists(t, filepath.Join(dir, "out.txt"))
	})

	t.Run("workspace-write allows the same write", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		res := runEmbedder(t, bin, "shell", "workspace-write", dir, "echo changed > out.txt")
		require.Equal(t, 0, res.ExitCode, res.Stderr)
		data, err := os.ReadFile(filepath.Join(dir, "out.txt"))
		require.NoError(t, err)
		assert.Equal(t, "changed\n", string(data))
	})

	t.Run("namespaces as for the test binary", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		// Process 2 of a PID namespace of its own, in a mount namespace of
		// its own, when the system allows namespaces; the test binary's
		// helper tells what to expect.
		script := "if [ $$ = 2 ]; then echo own pids; else echo host pids; fi; " +
			"if [ \"$(readlink /proc/self/ns/mnt)\" = '" + mountNamespace(t) + "' ]; then echo host mounts; else echo own mounts; fi"
		want := jail{mode: isolated, policy: protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}, cwd: dir}.shell(t, script)
		require.Equal(t, 0, want.code, want.stderr)
		res := runEmbedder(t, bin, "shell", "read-only", dir, script)
		require.Equal(t, 0, res.ExitCode, res.Stderr)
		assert.Equal(t, want.stdout, res.Stdout)
	})

	t.Run("patch writer", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		res := runEmbedder(t, bin, "patch", "workspace-write", dir, "new.txt", "hello")
		require.Equal(t, 0, res.ExitCode, res.Stderr)
		assert.Contains(t, res.Stdout, "A new.txt\n")
		data, err := os.ReadFile(filepath.Join(dir, "new.txt"))
		require.NoError(t, err)
		assert.Equal(t, "hello\n", string(data))

		res = runEmbedder(t, bin, "patch", "read-only", dir, "denied.txt", "no")
		assert.NotEqual(t, 0, res.ExitCode)
		assert.Regexp(t, "permission denied|read-only file system", res.Stderr)
		assert.NoFileExists(t, filepath.Join(dir, "denied.txt"))
	})

	t.Run("own command line left alone", func(t *testing.T) {
		t.Parallel()
		// The words codex's `sandbox linux` is recognised by before the Go
		// runtime starts mean nothing special to another program: it must
		// not find itself in namespaces of its own.
		cmd := exec.CommandContext(t.Context(), bin, "sandbox", "linux", "--", "true")
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		require.NoError(t, cmd.Run())
		assert.Equal(t, "pid "+strconv.Itoa(cmd.Process.Pid)+"\n", stdout.String())
	})
}

// mountNamespace names the mount namespace of this process.
func mountNamespace(t *testing.T) string {
	t.Helper()
	ns, err := os.Readlink("/proc/self/ns/mnt")
	require.NoError(t, err)
	return ns
}
