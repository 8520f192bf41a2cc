//go:build unix

package daemon

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPidFileRoundTrip(t *testing.T) {
	p := PathsFor(t.TempDir())
	require.NoError(t, os.MkdirAll(p.Dir, 0o700))
	rec, err := p.readRecord()
	require.NoError(t, err)
	assert.Nil(t, rec)

	want := Record{Pid: 42, SocketPath: p.Socket, Executable: "/bin/codex", StartedAt: "2026-01-01T00:00:00Z"}
	require.NoError(t, p.writeRecord(want))
	rec, err = p.readRecord()
	require.NoError(t, err)
	assert.Equal(t, &want, rec)
	// Nothing but the pid file is left in the directory.
	entries, err := os.ReadDir(p.Dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "daemon.pid", entries[0].Name())

	for _, damaged := range []string{"", "{", `{"pid":0}`, `{"pid":-3}`, "12345"} {
		require.NoError(t, os.WriteFile(p.PidFile, []byte(damaged), 0o600))
		rec, err := p.readRecord()
		require.NoError(t, err, damaged)
		require.NotNil(t, rec, damaged)
		assert.Zero(t, rec.Pid, damaged)
	}
	require.NoError(t, p.removeRecord())
	require.NoError(t, p.removeRecord())
}

func TestRunningIsOnlyAnAppServer(t *testing.T) {
	assert.False(t, running(0))
	assert.False(t, running(-1))
	// This test process is alive but no app-server.
	assert.False(t, running(os.Getpid()))

	// A zombie is not running: start a child and do not reap it yet.
	cmd := exec.Command("true")
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool { return zombie(cmd.Process.Pid) }, waitLimitForTests, pollInterval)
	assert.False(t, running(cmd.Process.Pid))
	assert.True(t, waitGone(context.Background(), cmd.Process.Pid, 0))
	_ = cmd.Wait()
}

func TestSocketPathLimit(t *testing.T) {
	assert.NoError(t, checkSocketPath("/tmp/"+strings.Repeat("a", 90)))
	err := checkSocketPath("/tmp/" + strings.Repeat("a", 120))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "shorter CODEX_HOME")

	_, err = Start(context.Background(), PathsFor("/tmp/"+strings.Repeat("h", 100)), StartOptions{})
	require.Error(t, err)
}

func TestClearSocketRemovesDeadSocketFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	require.NoError(t, clearSocket(context.Background(), path))
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	require.NoError(t, clearSocket(context.Background(), path))
	_, err := os.Lstat(path)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// waitLimitForTests bounds the waits of these tests.
const waitLimitForTests = 30 * time.Second
