package appserver

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/sandbox"
)

// TestMain lets the test binary act as the sandbox helper, so sandboxed
// one-off commands can use it as Options.SelfExe.
func TestMain(m *testing.M) {
	sandbox.RunHelperIfRequested()
	// Under the race detector a program sleeps a second before it exits,
	// which every sandboxed command of these tests would pay.
	if _, set := os.LookupEnv("GORACE"); !set {
		_ = os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	os.Exit(m.Run())
}

// oneOffServer starts an initialised server whose config cwd is work, with
// the given -c overrides and the test binary as the sandbox helper.
func oneOffServer(t *testing.T, work string, overrides ...string) *pipeClient {
	t.Helper()
	self, err := os.Executable()
	require.NoError(t, err)
	var ovs []config.Override
	for _, o := range overrides {
		ov, err := config.ParseOverride(o)
		require.NoError(t, err)
		ovs = append(ovs, ov)
	}
	c := startServer(t, Options{
		Version:   "0.0.0",
		CodexHome: t.TempDir(),
		Overrides: ovs,
		Typed:     config.Typed{Cwd: work},
		SelfExe:   self,
	})
	c.send(`{"id":1,"method":"initialize","params":{"clientInfo":{"name":"t","version":"1"}}}`)
	c.nextMatching("")
	return c
}

// oneOffReply decodes the answer to an execOneOffCommand request.
type oneOffReply struct {
	Result *protocol.ExecOneOffCommandResponse `json:"result"`
	Error  *struct {
		Code    int64  `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func TestExecOneOffCommand(t *testing.T) {
	work := t.TempDir()
	outside := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(work, "sub"), 0o755))
	t.Setenv("ONEOFF_TEST_API_KEY", "secret")
	c := oneOffServer(t, work, `shell_environment_policy.set.ONEOFF_SET="from config"`)

	fullAccess := map[string]any{"mode": "danger-full-access"}
	readOnly := map[string]any{"mode": "read-only"}
	tests := []struct {
		name   string
		params map[string]any
		// want is the exact result; nil when wantCode or check is used.
		want *protocol.ExecOneOffCommandResponse
		// wantCode and wantMessage describe an expected error.
		wantCode    int64
		wantMessage string
		// check inspects a successful result.
		check func(t *testing.T, res protocol.ExecOneOffCommandResponse)
	}{
		{
			name:   "output and exit code",
			params: map[string]any{"command": []string{"bash", "-c", "echo out; echo err >&2; exit 3"}, "sandboxPolicy": fullAccess},
			want:   &protocol.ExecOneOffCommandResponse{ExitCode: 3, Stdout: "out\n", Stderr: "err\n"},
		},
		{
			name:   "default cwd is the configured one",
			params: map[string]any{"command": []string{"pwd"}, "sandboxPolicy": fullAccess},
			want:   &protocol.ExecOneOffCommandResponse{Stdout: work + "\n"},
		},
		{
			name:   "relative cwd is resolved against the configured one",
			params: map[string]any{"command": []string{"pwd"}, "cwd": "sub", "sandboxPolicy": fullAccess},
			want:   &protocol.ExecOneOffCommandResponse{Stdout: filepath.Join(work, "sub") + "\n"},
		},
		{
			name:   "absolute cwd",
			params: map[string]any{"command": []string{"pwd"}, "cwd": outside, "sandboxPolicy": fullAccess},
			want:   &protocol.ExecOneOffCommandResponse{Stdout: outside + "\n"},
		},
		{
			name:   "environment follows the shell environment policy",
			params: map[string]any{"command": []string{"bash", "-c", `echo "[$ONEOFF_TEST_API_KEY][$ONEOFF_SET]"`}, "sandboxPolicy": fullAccess},
			want:   &protocol.ExecOneOffCommandResponse{Stdout: "[][from config]\n"},
		},
		{
			name:   "read-only policy denies a write outside cwd",
			params: map[string]any{"command": []string{"touch", filepath.Join(outside, "denied")}, "sandboxPolicy": readOnly},
			check: func(t *testing.T, res protocol.ExecOneOffCommandResponse) {
				assert.NotZero(t, res.ExitCode)
				assert.Regexp(t, "Permission denied|Read-only file system", res.Stderr)
				assert.NoFileExists(t, filepath.Join(outside, "denied"))
			},
		},
		{
			name:   "configured read-only policy applies without sandboxPolicy",
			params: map[string]any{"command": []string{"touch", filepath.Join(work, "denied")}},
			check: func(t *testing.T, res protocol.ExecOneOffCommandResponse) {
				assert.NotZero(t, res.ExitCode)
				assert.NoFileExists(t, filepath.Join(work, "denied"))
			},
		},
		{
			name:   "workspace-write policy allows a write inside cwd",
			params: map[string]any{"command": []string{"touch", filepath.Join(work, "allowed")}, "sandboxPolicy": map[string]any{"mode": "workspace-write"}},
			check: func(t *testing.T, res protocol.ExecOneOffCommandResponse) {
				assert.Zero(t, res.ExitCode, res.Stderr)
				assert.FileExists(t, filepath.Join(work, "allowed"))
			},
		},
		{
			name:        "timeout",
			params:      map[string]any{"command": []string{"sleep", "30"}, "timeoutMs": 200, "sandboxPolicy": fullAccess},
			wantCode:    -32603,
			wantMessage: "exec failed: sandbox error: command timed out",
		},
		{
			name:        "empty command",
			params:      map[string]any{"command": []string{}},
			wantCode:    -32600,
			wantMessage: "command must not be empty",
		},
		{
			name:        "missing command",
			params:      map[string]any{"cwd": work},
			wantCode:    -32602,
			wantMessage: `Invalid params: missing field "command"`,
		},
		{
			name:     "unknown sandbox mode",
			params:   map[string]any{"command": []string{"true"}, "sandboxPolicy": map[string]any{"mode": "open"}},
			wantCode: -32602,
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := 100 + i
			params, err := json.Marshal(tt.params)
			require.NoError(t, err)
			c.send(`{"id":%d,"method":"execOneOffCommand","params":%s}`, id, params)
			resp, line := c.nextMatching("")
			assert.Equal(t, fmt.Sprint(id), string(resp["id"]), line)
			var got oneOffReply
			require.NoError(t, json.Unmarshal([]byte(line), &got), line)
			if tt.wantCode != 0 {
				require.NotNil(t, got.Error, line)
				assert.Equal(t, tt.wantCode, got.Error.Code, line)
				if tt.wantMessage != "" {
					assert.Equal(t, tt.wantMessage, got.Error.Message)
				}
				return
			}
			require.NotNil(t, got.Result, line)
			if tt.want != nil {
				assert.Equal(t, *tt.want, *got.Result)
			}
			if tt.check != nil {
				tt.check(t, *got.Result)
			}
		})
	}
}

func TestExecOneOffCommandKeepsServing(t *testing.T) {
	work := t.TempDir()
	c := oneOffServer(t, work)

	// The command waits for a file that is created only after the server
	// answered another request, which it can only do while the command runs.
	gate := filepath.Join(work, "gate")
	c.send(`{"id":2,"method":"execOneOffCommand","params":{"command":["bash","-c","while [ ! -e %s ]; do sleep 0.02; done; echo released"],"sandboxPolicy":{"mode":"danger-full-access"}}}`, gate)
	c.send(`{"id":3,"method":"getUserAgent"}`)
	resp, line := c.nextMatching("")
	assert.Equal(t, "3", string(resp["id"]), line)
	require.NoError(t, os.WriteFile(gate, nil, 0o600))
	assert.Equal(t, `{"id":2,"result":{"exitCode":0,"stdout":"released\n","stderr":""}}`, c.next())
}

func TestExecOneOffCommandKilledWhenServerStops(t *testing.T) {
	work := t.TempDir()
	c := oneOffServer(t, work)
	pidFile := filepath.Join(work, "pid")
	c.send(`{"id":2,"method":"execOneOffCommand","params":{"command":["bash","-c","echo $$ > %s.tmp; mv %s.tmp %s; exec sleep 300"],"timeoutMs":600000,"sandboxPolicy":{"mode":"danger-full-access"}}}`,
		pidFile, pidFile, pidFile)
	var pid int
	require.Eventually(t, func() bool {
		data, err := os.ReadFile(pidFile)
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(data)))
		return err == nil
	}, waitLimit, 10*time.Millisecond, "the command did not start")

	// Closing the input stops the server, which kills the running command
	// before Run returns and the output is closed.
	c.c.CloseInput()
	c.waitOutputClosed()
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	assert.ErrorIs(t, err, os.ErrNotExist, "the command outlived the server")
}

// waitOutputClosed waits until the server's output ended, which happens
// once Run returned.
func (c *pipeClient) waitOutputClosed() {
	c.t.Helper()
	select {
	case <-c.c.Client().Done():
	case <-time.After(waitLimit):
		c.t.Fatal("the server did not stop")
	}
}
