//go:build unix

package exec

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fullAccess is the policy that runs commands without the sandbox.
var fullAccess = protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}

// hangGuard bounds how long a single Run may take before the test gives
// up; it only keeps a broken Run from hanging the suite.
const hangGuard = 30 * time.Second

// deltaLog records delta callbacks.
type deltaLog struct {
	mu     sync.Mutex
	calls  int
	chunks map[Stream][]byte
}

// record is a Delta.
func (d *deltaLog) record(s Stream, chunk []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	if d.chunks == nil {
		d.chunks = map[Stream][]byte{}
	}
	d.chunks[s] = append(d.chunks[s], chunk...)
}

// run calls Run in danger-full-access mode unless p says otherwise and
// fails the test if it does not return within hangGuard.
func run(t *testing.T, ctx context.Context, p Params, delta Delta) (Result, error) {
	t.Helper()
	if p.Sandbox.Mode == "" {
		p.Sandbox = fullAccess
	}
	type outcome struct {
		res Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := Run(ctx, p, delta)
		done <- outcome{res, err}
	}()
	select {
	case o := <-done:
		return o.res, o.err
	case <-time.After(hangGuard):
		t.Fatalf("Run(%q) did not return within %s", p.Command, hangGuard)
		return Result{}, nil
	}
}

// bash runs script with bash -c in dir.
func bash(t *testing.T, dir, script string) Result {
	t.Helper()
	res, err := run(t, t.Context(), Params{Command: []string{"bash", "-c", script}, Cwd: dir}, nil)
	require.NoError(t, err)
	return res
}

// readPid waits for path to hold a pid written by a command and returns it.
func readPid(t *testing.T, path string) int {
	t.Helper()
	var pid int
	require.Eventually(t, func() bool {
		data, err := os.ReadFile(path)
		if err != nil || !strings.HasSuffix(string(data), "\n") {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(data)))
		return err == nil
	}, 10*time.Second, 10*time.Millisecond, "no pid in %s", path)
	return pid
}

// assertGone waits (boundedly) for pid to disappear.
func assertGone(t *testing.T, pid int) {
	t.Helper()
	assert.Eventually(t, func() bool { return processGone(pid) }, 10*time.Second, 10*time.Millisecond,
		"process %d is still running", pid)
}

// killOnCleanup kills pid when the test ends, in case it outlived the test.
func killOnCleanup(t *testing.T, pid int) {
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
}

func TestRunCapturesBothStreams(t *testing.T) {
	var log deltaLog
	res, err := run(t, t.Context(), Params{Command: []string{"bash", "-c", "echo out; echo err >&2; printf more"}}, log.record)
	require.NoError(t, err)
	assert.Equal(t, 0, res.ExitCode)
	assert.Equal(t, "out\nmore", res.Stdout)
	assert.Equal(t, "err\n", res.Stderr)
	assert.ElementsMatch(t, []byte("out\nmoreerr\n"), []byte(res.Aggregated))
	assert.False(t, res.TimedOut)
	assert.Positive(t, res.Duration)
	assert.Equal(t, "out\nmore", string(log.chunks[Stdout]))
	assert.Equal(t, "err\n", string(log.chunks[Stderr]))
}

func TestRunAggregatesInArrivalOrder(t *testing.T) {
	dir := t.TempDir()
	// Each write waits until the previous one was delivered, so the order
	// of arrival is known.
	script := `echo one; until [ -e got1 ]; do sleep 0.01; done
echo two >&2; until [ -e got2 ]; do sleep 0.01; done
echo three`
	delta := func(s Stream, chunk []byte) {
		switch string(chunk) {
		case "one\n":
			_ = os.WriteFile(filepath.Join(dir, "got1"), nil, 0o644)
		case "two\n":
			_ = os.WriteFile(filepath.Join(dir, "got2"), nil, 0o644)
		}
	}
	res, err := run(t, t.Context(), Params{Command: []string{"bash", "-c", script}, Cwd: dir}, delta)
	require.NoError(t, err)
	assert.Equal(t, "one\ntwo\nthree\n", res.Aggregated)
	assert.Equal(t, "one\nthree\n", res.Stdout)
	assert.Equal(t, "two\n", res.Stderr)
}

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		script string
		want   int
	}{
		{"true", 0},
		{"exit 3", 3},
		{"exit 255", 255},
		{"kill -KILL $$", 128 + 9},
		{"kill -TERM $$", 128 + 15},
		{"kill -SEGV $$", 128 + 11},
	}
	for _, tt := range tests {
		t.Run(tt.script, func(t *testing.T) {
			res := bash(t, "", tt.script)
			assert.Equal(t, tt.want, res.ExitCode)
			assert.False(t, res.TimedOut)
		})
	}
}

func TestRunCannotStart(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notexec"), []byte("#!/bin/sh\necho hi\n"), 0o644))
	tests := []struct {
		name    string
		command []string
		cwd     string
		want    int
		stderr  string
	}{
		{"not in PATH", []string{"no-such-command-for-exec-tests"}, "", ExitNotFound, "no-such-command-for-exec-tests: command not found"},
		{"missing path", []string{"./missing"}, dir, ExitNotFound, "no such file or directory"},
		{"not executable", []string{"./notexec"}, dir, ExitCannotExecute, "permission denied"},
		{"missing working directory", []string{"true"}, filepath.Join(dir, "nope"), ExitNotFound, "no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := run(t, t.Context(), Params{Command: tt.command, Cwd: tt.cwd}, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.want, res.ExitCode)
			assert.Contains(t, res.Stderr, tt.stderr)
			assert.Equal(t, res.Stderr, res.Aggregated)
			assert.Empty(t, res.Stdout)
		})
	}
}

func TestRunParameterErrors(t *testing.T) {
	tests := []struct {
		name string
		p    Params
		want string
	}{
		{"empty command", Params{Sandbox: fullAccess}, "empty command"},
		{"no sandbox mode", Params{Command: []string{"true"}}, "unknown sandbox mode"},
		{"sandbox without helper", Params{Command: []string{"true"}, Sandbox: protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}}, "SelfExe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(t.Context(), tt.p, nil)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestRunUsesCwdAndEnv(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	bin := filepath.Join(dir, "bin")
	require.NoError(t, os.Mkdir(bin, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "mytool"), []byte("#!/bin/sh\necho \"tool in $(pwd) with $GREETING\"\n"), 0o755))

	env := []string{"PATH=" + bin + ":/usr/bin:/bin", "GREETING=hello"}
	res, err := run(t, t.Context(), Params{Command: []string{"mytool"}, Cwd: dir, Env: env}, nil)
	require.NoError(t, err)
	assert.Equal(t, 0, res.ExitCode, res.Stderr)
	assert.Equal(t, "tool in "+dir+" with hello\n", res.Stdout)
}

func TestRunStdinIsEmpty(t *testing.T) {
	res := bash(t, "", "cat; echo end")
	assert.Equal(t, "end\n", res.Stdout)
}

func TestRunDefaultEnvHidesSecrets(t *testing.T) {
	environ := append(os.Environ(), "OPENAI_API_KEY=sk-should-not-leak")
	tests := []struct {
		name     string
		policy   config.ShellEnvironmentPolicy
		wantOut  string
		wantCode int
	}{
		{"default policy", config.ShellEnvironmentPolicy{Inherit: config.InheritAll}, "", 1},
		{"ignore default excludes", config.ShellEnvironmentPolicy{Inherit: config.InheritAll, IgnoreDefaultExcludes: true}, "sk-should-not-leak\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Params{Command: []string{"printenv", "OPENAI_API_KEY"}, Env: BuildEnv(tt.policy, environ)}
			res, err := run(t, t.Context(), p, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.wantCode, res.ExitCode)
			assert.Equal(t, tt.wantOut, res.Stdout)
		})
	}
}

func TestRunCaptureCap(t *testing.T) {
	var log deltaLog
	script := "head -c 200000 /dev/zero | tr '\\0' o; head -c 200000 /dev/zero | tr '\\0' e >&2"
	res, err := run(t, t.Context(), Params{Command: []string{"bash", "-c", script}, MaxCapture: 1000}, log.record)
	require.NoError(t, err)
	assert.Equal(t, 0, res.ExitCode)
	assert.Equal(t, strings.Repeat("o", 1000), res.Stdout)
	assert.Equal(t, strings.Repeat("e", 1000), res.Stderr)
	assert.Equal(t, strings.Repeat("o", 1000)+strings.Repeat("e", 1000), res.Aggregated)
	// Deltas still carry everything.
	assert.Len(t, log.chunks[Stdout], 200000)
	assert.Len(t, log.chunks[Stderr], 200000)
}

func TestRunDeltaLimit(t *testing.T) {
	var log deltaLog
	// 200000 bytes need at least 25 reads of 8 KiB.
	script := "head -c 200000 /dev/zero | tr '\\0' x"
	res, err := run(t, t.Context(), Params{Command: []string{"bash", "-c", script}, DeltaLimit: 3}, log.record)
	require.NoError(t, err)
	assert.Len(t, res.Stdout, 200000, "the capture is not limited by the delta limit")
	assert.Equal(t, 3, log.calls)
}

func TestRunTimeoutKillsTheGroup(t *testing.T) {
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "pid")
	script := "echo started; sleep 30 & echo $! > pid; wait"
	// The timeout must leave bash time to start the grandchild; it grows
	// when the machine is too busy for that.
	var res Result
	for timeout := 500 * time.Millisecond; ; timeout *= 2 {
		var err error
		res, err = run(t, t.Context(), Params{Command: []string{"bash", "-c", script}, Cwd: dir, Timeout: timeout}, nil)
		require.NoError(t, err)
		if _, err := os.Stat(pidfile); err == nil || timeout > 8*time.Second {
			break
		}
	}
	pid := readPid(t, pidfile)
	killOnCleanup(t, pid)
	assert.True(t, res.TimedOut)
	assert.Equal(t, ExitTimedOut, res.ExitCode)
	assert.Equal(t, "started\n", res.Stdout)
	assertGone(t, pid)
	assert.Contains(t, FormatForModel(res), `"output":"command timed out after `)
}

func TestRunCancelKillsTheGroup(t *testing.T) {
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "pid")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			if data, err := os.ReadFile(pidfile); err == nil && strings.HasSuffix(string(data), "\n") {
				cancel()
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	script := "sleep 30 & echo $! > pid; wait"
	res, err := run(t, ctx, Params{Command: []string{"bash", "-c", script}, Cwd: dir, Timeout: time.Minute}, nil)
	require.ErrorIs(t, err, context.Canceled)
	pid := readPid(t, pidfile)
	killOnCleanup(t, pid)
	assert.False(t, res.TimedOut)
	assert.Equal(t, 128+9, res.ExitCode)
	assertGone(t, pid)
}

func TestRunCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Run(ctx, Params{Command: []string{"true"}, Sandbox: fullAccess}, nil)
	require.True(t, errors.Is(err, context.Canceled))
}

func TestRunDoesNotWaitForEscapedHolders(t *testing.T) {
	dir := t.TempDir()
	// The background sleep leaves the process group but keeps the output
	// pipes open; Run must still return once bash has exited.
	script := "setsid sleep 30 & echo $! > pid; echo done"
	res, err := run(t, t.Context(), Params{Command: []string{"bash", "-c", script}, Cwd: dir}, nil)
	require.NoError(t, err)
	pid := readPid(t, filepath.Join(dir, "pid"))
	killOnCleanup(t, pid)
	assert.Equal(t, 0, res.ExitCode)
	assert.Equal(t, "done\n", res.Stdout)
	assert.False(t, res.TimedOut)
}

func BenchmarkRunTrue(b *testing.B) {
	p := Params{Command: []string{"true"}, Sandbox: fullAccess}
	for b.Loop() {
		res, err := Run(b.Context(), p, nil)
		if err != nil || res.ExitCode != 0 {
			b.Fatalf("run true: %v, exit %d", err, res.ExitCode)
		}
	}
}
