//go:build linux || darwin

package sandbox

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeDenialLog is a stand-in for `log stream`: it prints a banner, waits
// for the pid the command under test writes to $1/pid, reports two denials
// of that process (one twice) and one of an unrelated process, then marks
// $1/logged and exits.
const fakeDenialLog = `
echo 'Filtering the log data using "..."'
while [ ! -s "$1/pid" ]; do sleep 0.01; done
pid=$(cat "$1/pid")
printf '{"eventMessage":"Sandbox: touch(%s) deny(1) file-write-create /blocked/a","processID":0}\n' "$pid"
printf '{"eventMessage":"Sandbox: touch(%s) deny(1) file-write-create /blocked/a","processID":0}\n' "$pid"
printf '{"eventMessage":"Sandbox: stranger(1) deny(1) file-read-data /secret","processID":0}\n'
printf '{"eventMessage":"Sandbox: touch(%s) deny(1) network-outbound 127.0.0.1:9\\nViolation: more","processID":0}\n' "$pid"
touch "$1/logged"
`

func TestRunLoggingDenialsReportsDescendants(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	// The reporting process is a grandchild of the command. It lives until
	// the log has reported it and a process table snapshot has seen it.
	script := `sh -c 'echo $$ > "$1/pid.tmp" && mv "$1/pid.tmp" "$1/pid"
while [ ! -e "$1/logged" ] || [ ! -e "$1/seen" ]; do sleep 0.01; done' sh "$1"
echo done
exit 3`
	cmd := exec.Command("sh", "-c", script, "sh", dir)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout

	r := denialLogRun{
		logArgv: []string{"sh", "-c", fakeDenialLog, "sh", dir},
		snapshot: func() (map[int]int, error) {
			parents, err := processSnapshot()
			if err != nil {
				return nil, err
			}
			if data, err := os.ReadFile(pidFile); err == nil {
				if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
					if _, ok := parents[pid]; ok {
						_ = os.WriteFile(filepath.Join(dir, "seen"), nil, 0o644)
					}
				}
			}
			return parents, nil
		},
		startWait: time.Minute,
		drain:     time.Minute,
		poll:      5 * time.Millisecond,
	}
	var report bytes.Buffer
	status, err := r.run(context.Background(), cmd, &report)
	require.NoError(t, err)
	assert.Equal(t, 3, status)
	assert.Equal(t, "done\n", stdout.String())
	assert.Equal(t, "\n=== Sandbox denials ===\n"+
		"(touch) file-write-create /blocked/a\n"+
		"(touch) network-outbound 127.0.0.1:9\n", report.String())
}

func TestRunLoggingDenialsWithoutDenials(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   int
	}{
		{"success", "exit 0", 0},
		{"exit status", "exit 9", 9},
		{"killed by a signal", "kill -TERM $$", 128 + 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := denialLogRun{
				// A log that ends at once: the command still runs.
				logArgv:   []string{"true"},
				snapshot:  processSnapshot,
				startWait: time.Minute,
				drain:     time.Minute,
				poll:      time.Millisecond,
			}
			var report bytes.Buffer
			status, err := r.run(context.Background(), exec.Command("sh", "-c", tt.script), &report)
			require.NoError(t, err)
			assert.Equal(t, tt.want, status)
			assert.Equal(t, DenialsHeader, report.String())
		})
	}
}

func TestRunLoggingDenialsErrors(t *testing.T) {
	r := denialLogRun{
		logArgv:   []string{filepath.Join(t.TempDir(), "no-log")},
		snapshot:  processSnapshot,
		startWait: time.Minute,
		drain:     time.Minute,
		poll:      time.Millisecond,
	}
	_, err := r.run(context.Background(), exec.Command("true"), &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no-log")

	r.logArgv = []string{"true"}
	_, err = r.run(context.Background(), exec.Command(filepath.Join(t.TempDir(), "no-command")), &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no-command")
}

func TestRunLoggingDenialsNeedsMacOS(t *testing.T) {
	if runtime.GOOS == "darwin" {
		t.Skip("the system log exists here")
	}
	marker := filepath.Join(t.TempDir(), "ran")
	_, err := RunLoggingDenials(context.Background(), exec.Command("touch", marker), &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "macOS")
	assert.NoFileExists(t, marker, "the command must not run")
}

func TestProcessSnapshotHasThisProcess(t *testing.T) {
	parents, err := processSnapshot()
	require.NoError(t, err)
	assert.Equal(t, os.Getppid(), parents[os.Getpid()])
}
