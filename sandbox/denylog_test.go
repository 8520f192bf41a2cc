package sandbox

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
)

func TestParseDenialLogLine(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Denial
		ok   bool
	}{
		{
			name: "kernel report with a path",
			line: `{"traceID":1234,"eventMessage":"Sandbox: touch(4242) deny(1) file-write-create /private/tmp/blocked","eventType":"logEvent","processID":0,"senderImagePath":"/System/Library/Extensions/Sandbox.kext/Contents/MacOS/Sandbox","subsystem":"","timestamp":"2025-10-01 10:00:00.000000+0200"}`,
			want: Denial{Process: "touch", PID: 4242, Operation: "file-write-create", Target: "/private/tmp/blocked"},
			ok:   true,
		},
		{
			name: "path with spaces",
			line: `{"eventMessage":"Sandbox: bash(77) deny(1) file-write-data /Users/me/My Documents/a b.txt","processID":0}`,
			want: Denial{Process: "bash", PID: 77, Operation: "file-write-data", Target: "/Users/me/My Documents/a b.txt"},
			ok:   true,
		},
		{
			name: "process name with spaces and parentheses",
			line: `{"eventMessage":"Sandbox: Helper (GPU)(981) deny(2) mach-lookup com.apple.windowserver.active","processID":0}`,
			want: Denial{Process: "Helper (GPU)", PID: 981, Operation: "mach-lookup", Target: "com.apple.windowserver.active"},
			ok:   true,
		},
		{
			name: "reporting subsystem, multi-line message",
			line: `{"eventMessage":"Sandbox: curl(515) deny(1) network-outbound 127.0.0.1:8080\nViolation:       deny(1) network-outbound 127.0.0.1:8080\nProcess:         curl [515]","subsystem":"com.apple.sandbox.reporting","processID":515}`,
			want: Denial{Process: "curl", PID: 515, Operation: "network-outbound", Target: "127.0.0.1:8080"},
			ok:   true,
		},
		{
			name: "duplicate report prefix",
			line: `{"eventMessage":"1 duplicate report for Sandbox: mkdir(88) deny(1) file-write-create /etc/x","processID":0}`,
			want: Denial{Process: "mkdir", PID: 88, Operation: "file-write-create", Target: "/etc/x"},
			ok:   true,
		},
		{
			name: "operation without a target",
			line: `{"eventMessage":"Sandbox: python3(12) deny(1) process-fork","processID":0}`,
			want: Denial{Process: "python3", PID: 12, Operation: "process-fork"},
			ok:   true,
		},
		{name: "banner printed before the entries", line: `Filtering the log data using "subsystem == \"com.apple.sandbox.reporting\""`},
		{name: "empty line", line: ``},
		{name: "entry that is not a violation", line: `{"eventMessage":"Sandbox: 3 duplicate reports suppressed","processID":0}`},
		{name: "allowed operation", line: `{"eventMessage":"Sandbox: ls(5) allow file-read-data /bin","processID":0}`},
		{name: "no message", line: `{"processID":0}`},
		{name: "message of another type", line: `{"eventMessage":42}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseDenialLogLine([]byte(tt.line))
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDenialString(t *testing.T) {
	assert.Equal(t, "(touch) file-write-create /tmp/x",
		Denial{Process: "touch", PID: 1, Operation: "file-write-create", Target: "/tmp/x"}.String())
	assert.Equal(t, "(sh) process-fork", Denial{Process: "sh", PID: 1, Operation: "process-fork"}.String())
}

func TestFilterAndFormatDenials(t *testing.T) {
	denials := []Denial{
		{Process: "touch", PID: 10, Operation: "file-write-create", Target: "/a"},
		{Process: "other", PID: 99, Operation: "file-write-create", Target: "/a"},
		{Process: "touch", PID: 10, Operation: "file-write-create", Target: "/a"},
		{Process: "touch", PID: 11, Operation: "file-write-create", Target: "/a"},
		{Process: "cat", PID: 11, Operation: "file-read-data", Target: "/b"},
	}
	keep := func(pid int) bool { return pid == 10 || pid == 11 }
	got := FilterDenials(denials, keep)
	assert.Equal(t, []Denial{denials[0], denials[4]}, got)
	assert.Equal(t, "\n=== Sandbox denials ===\n(touch) file-write-create /a\n(cat) file-read-data /b\n", FormatDenials(got))
	assert.Equal(t, DenialsHeader, FormatDenials(nil))
	assert.Len(t, FilterDenials(denials, nil), 3, "without a filter only duplicates go")
}

func TestProcessTree(t *testing.T) {
	tree := newProcessTree(100)
	// 100 started 101 and 102; 101 started 103; 200 and its child 201 are
	// unrelated; 1 is init.
	tree.observe(map[int]int{1: 0, 50: 1, 100: 50, 101: 100, 102: 100, 103: 101, 200: 1, 201: 200})
	for _, pid := range []int{100, 101, 102, 103} {
		assert.True(t, tree.contains(pid), "pid %d", pid)
	}
	for _, pid := range []int{1, 50, 200, 201, 999} {
		assert.False(t, tree.contains(pid), "pid %d", pid)
	}

	// 101 exited and 103 was re-parented to init; 103 started 104. Both stay
	// or become members.
	tree.observe(map[int]int{1: 0, 100: 50, 103: 1, 104: 103, 202: 200})
	assert.True(t, tree.contains(103))
	assert.True(t, tree.contains(104))
	assert.True(t, tree.contains(101), "members stay after they exit")
	assert.False(t, tree.contains(202))

	// A cycle in a torn snapshot must not hang.
	tree.observe(map[int]int{300: 301, 301: 300})
	assert.False(t, tree.contains(300))
}

func TestCommandEnv(t *testing.T) {
	base := []string{"PATH=/bin", "CODEX_SANDBOX_NETWORK_DISABLED=0", "CODEX_SANDBOX=other", "HOME=/root"}
	tests := []struct {
		name   string
		policy protocol.SandboxPolicy
		goos   string
		want   []string
	}{
		{"read-only on linux", protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}, "linux",
			[]string{"PATH=/bin", "HOME=/root", "CODEX_SANDBOX_NETWORK_DISABLED=1"}},
		{"read-only on macOS", protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}, "darwin",
			[]string{"PATH=/bin", "HOME=/root", "CODEX_SANDBOX_NETWORK_DISABLED=1", "CODEX_SANDBOX=seatbelt"}},
		{"workspace-write with network on macOS",
			protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, NetworkAccess: true}, "darwin",
			[]string{"PATH=/bin", "HOME=/root", "CODEX_SANDBOX=seatbelt"}},
		{"full access", protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}, "darwin",
			[]string{"PATH=/bin", "HOME=/root"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, commandEnv(base, tt.policy, tt.goos))
		})
	}
	assert.Equal(t, []string{"PATH=/bin", "CODEX_SANDBOX_NETWORK_DISABLED=0", "CODEX_SANDBOX=other", "HOME=/root"}, base,
		"the base environment must not change")
}

func TestFindCommand(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "script")
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\n"), 0o755))
	plain := filepath.Join(dir, "plain")
	require.NoError(t, os.WriteFile(plain, nil, 0o644))

	path, err := FindCommand(script, "")
	require.NoError(t, err)
	assert.Equal(t, script, path)

	path, err = FindCommand("./script", dir)
	require.NoError(t, err)
	assert.Equal(t, script, path, "relative paths are taken from dir")

	path, err = FindCommand("sh", dir)
	require.NoError(t, err)
	assert.True(t, filepath.IsAbs(path), path)

	_, err = FindCommand("no-such-command-for-codex-tests", "")
	require.Error(t, err)
	assert.Equal(t, ExitCommandNotFound, HelperExitCode(err))
	assert.Contains(t, err.Error(), `command "no-such-command-for-codex-tests" not found`)

	_, err = FindCommand("./missing", dir)
	assert.Equal(t, ExitCommandNotFound, HelperExitCode(err))

	_, err = FindCommand(plain, "")
	require.Error(t, err)
	assert.Equal(t, ExitCannotExecute, HelperExitCode(err))
}

func TestEnvLookup(t *testing.T) {
	get := envLookup([]string{"TMPDIR=/a", "EMPTY=", "X=1=2", "TMPDIR=/b", "BROKEN"})
	assert.Equal(t, "/b", get("TMPDIR"))
	assert.Equal(t, "1=2", get("X"))
	assert.Equal(t, "", get("EMPTY"))
	assert.Equal(t, "", get("BROKEN"))
	assert.Equal(t, "", get("MISSING"))
}
