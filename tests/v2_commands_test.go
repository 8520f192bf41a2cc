package tests

import (
	"encoding/base64"
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
)

// commandsClient is a v2 client of a server with no thread, for the
// command/exec requests.
func commandsClient(t *testing.T) *appServer {
	t.Helper()
	s := startAppServer(t, serverEnv{config: `model = "gpt-5"` + "\n"})
	s.callResult("initialize", map[string]any{"clientInfo": map[string]any{"name": "v2test", "version": "1.0"}}, nil)
	s.notify("initialized")
	return s
}

// execResult is the answer to command/exec.
type execResult struct {
	ExitCode int    `json:"exitCode"`
	Stdout   string `json:"stdout"`
	Stderr   string `json:"stderr"`
}

// exec runs a buffered command/exec that must succeed, checking the
// answer against both schemas.
func execOK(s *appServer, params map[string]any) execResult {
	s.t.Helper()
	var res execResult
	m := s.callResult("command/exec", params, &res)
	checkV2(s.t, "command/exec", m.Result, "result")
	return res
}

// outputDelta is a decoded command/exec/outputDelta notification.
type outputDelta struct {
	ProcessID   string `json:"processId"`
	Stream      string `json:"stream"`
	DeltaBase64 string `json:"deltaBase64"`
	CapReached  bool   `json:"capReached"`
}

// text decodes the chunk.
func (d outputDelta) text(t *testing.T) string {
	b, err := base64.StdEncoding.DecodeString(d.DeltaBase64)
	require.NoError(t, err)
	return string(b)
}

// takeDelta waits for the next output chunk of processID.
func takeDelta(s *appServer, processID string) outputDelta {
	s.t.Helper()
	m := s.take(func(m rpcMessage) bool {
		return m.Method == "command/exec/outputDelta" && strings.Contains(string(m.Params), strconv.Quote(processID))
	}, "output of "+processID)
	checkV2(s.t, m.Method, m.Params, "notification")
	assert.Contains(s.t, m.Raw, `"emittedAtMs":`)
	var d outputDelta
	require.NoError(s.t, json.Unmarshal(m.Params, &d))
	return d
}

// outputUntil gathers the output of processID on stream until it holds
// want.
func outputUntil(s *appServer, processID, stream, want string) string {
	s.t.Helper()
	var out strings.Builder
	for !strings.Contains(out.String(), want) {
		d := takeDelta(s, processID)
		if d.Stream == stream {
			out.WriteString(d.text(s.t))
		}
	}
	return out.String()
}

// b64 encodes data as command/exec/write and the file methods carry it.
func b64(data string) string { return base64.StdEncoding.EncodeToString([]byte(data)) }

// processGone reports whether pid no longer runs (a zombie counts as gone).
func processGone(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(data), ')')
	fields := strings.Fields(string(data[i+1:]))
	return len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X")
}

// requireGone waits for pid to end.
func requireGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !processGone(pid) {
		require.True(t, time.Now().Before(deadline), "process %d still runs", pid)
		time.Sleep(20 * time.Millisecond)
	}
}

func TestV2CommandExecBuffered(t *testing.T) {
	s := commandsClient(t)
	full := map[string]any{"type": "dangerFullAccess"}
	tests := []struct {
		name   string
		params map[string]any
		want   execResult
	}{
		{"output and exit code",
			map[string]any{"command": []string{"bash", "-c", "echo out; echo err >&2; exit 3"}},
			execResult{3, "out\n", "err\n"}},
		{"the server's directory by default",
			map[string]any{"command": []string{"pwd"}},
			execResult{0, s.workDir + "\n", ""}},
		{"a directory relative to the server's",
			map[string]any{"command": []string{"pwd"}, "cwd": "sub"},
			execResult{0, filepath.Join(s.workDir, "sub") + "\n", ""}},
		{"environment overrides",
			map[string]any{"command": []string{"sh", "-c", `echo "$GREETING ${HOME-unset}"`}, "env": map[string]any{"GREETING": "hello", "HOME": nil}},
			execResult{0, "hello unset\n", ""}},
		{"an output cap per stream",
			map[string]any{"command": []string{"sh", "-c", "echo 0123456789; echo abcdefghij >&2"}, "outputBytesCap": 4},
			execResult{0, "0123", "abcd"}},
		{"no output cap",
			map[string]any{"command": []string{"sh", "-c", "head -c 2000000 /dev/zero | tr '\\0' x"}, "disableOutputCap": true, "sandboxPolicy": full},
			execResult{0, strings.Repeat("x", 2000000), ""}},
		{"a missing program",
			map[string]any{"command": []string{"no-such-program-xyz"}, "sandboxPolicy": full},
			execResult{127, "", "exec: no-such-program-xyz: command not found\n"}},
	}
	require.NoError(t, os.Mkdir(filepath.Join(s.workDir, "sub"), 0o755))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			got := execOK(s, tt.params)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestV2CommandExecTimeouts(t *testing.T) {
	s := commandsClient(t)
	// The timeout kills the command: exit code 124, as the reference answers.
	res := execOK(s, map[string]any{"command": []string{"sh", "-c", "echo started; exec sleep 30"}, "timeoutMs": 300})
	assert.Equal(t, execResult{124, "started\n", ""}, res)
	// Zero times out at once rather than meaning the default.
	res = execOK(s, map[string]any{"command": []string{"sleep", "30"}, "timeoutMs": 0})
	assert.Equal(t, 124, res.ExitCode)
	// Without a timeout the command outlives the default one (10 s) only
	// if nothing ends it: end it with terminate.
	id := s.send("command/exec", map[string]any{"command": []string{"sleep", "30"}, "disableTimeout": true, "processId": "long"})
	s.callResult("command/exec/terminate", map[string]any{"processId": "long"}, nil)
	var killed execResult
	require.NoError(t, json.Unmarshal(s.response(id).Result, &killed))
	assert.Equal(t, 137, killed.ExitCode)
}

func TestV2CommandExecSandbox(t *testing.T) {
	s := commandsClient(t)
	outside := t.TempDir()
	inside := filepath.Join(s.workDir, "inside")
	denied := filepath.Join(outside, "denied")
	// /tmp would be writable, and the test directories are below it.
	workspace := map[string]any{"type": "workspaceWrite", "excludeSlashTmp": true, "excludeTmpdirEnvVar": true}

	res := execOK(s, map[string]any{"command": []string{"touch", inside}, "sandboxPolicy": workspace})
	assert.Equal(t, 0, res.ExitCode, res.Stderr)
	assert.FileExists(t, inside)

	res = execOK(s, map[string]any{"command": []string{"touch", denied}, "sandboxPolicy": workspace})
	assert.NotZero(t, res.ExitCode)
	assert.Regexp(t, "Permission denied|Read-only file system", res.Stderr)
	assert.NoFileExists(t, denied)

	// The configured policy (read-only by default) applies without one.
	res = execOK(s, map[string]any{"command": []string{"touch", filepath.Join(s.workDir, "ro")}})
	assert.NotZero(t, res.ExitCode)
	assert.NoFileExists(t, filepath.Join(s.workDir, "ro"))

	res = execOK(s, map[string]any{"command": []string{"touch", denied}, "sandboxPolicy": map[string]any{"type": "dangerFullAccess"}})
	assert.Equal(t, 0, res.ExitCode, res.Stderr)
	assert.FileExists(t, denied)
}

func TestV2CommandExecStreamingWithStdin(t *testing.T) {
	s := commandsClient(t)
	id := s.send("command/exec", map[string]any{
		"command":   []string{"sh", "-c", "echo ready; while read line; do echo \"got $line\"; done; echo bye >&2"},
		"processId": "p1", "streamStdin": true, "streamStdoutStderr": true,
	})
	assert.Equal(t, "ready\n", outputUntil(s, "p1", "stdout", "ready\n"))

	m := s.callResult("command/exec/write", map[string]any{"processId": "p1", "deltaBase64": b64("one\n")}, nil)
	assert.Equal(t, "{}", string(m.Result))
	checkV2(t, "command/exec/write", m.Result, "result")
	assert.Equal(t, "got one\n", outputUntil(s, "p1", "stdout", "got one\n"))
	// Writes are taken in order.
	s.send("command/exec/write", map[string]any{"processId": "p1", "deltaBase64": b64("two\n")})
	s.send("command/exec/write", map[string]any{"processId": "p1", "deltaBase64": b64("three\n")})
	assert.Equal(t, "got two\ngot three\n", outputUntil(s, "p1", "stdout", "got three\n"))

	s.callResult("command/exec/write", map[string]any{"processId": "p1", "closeStdin": true}, nil)
	assert.Equal(t, "bye\n", outputUntil(s, "p1", "stderr", "bye\n"))
	var res execResult
	m = s.response(id)
	require.NoError(t, json.Unmarshal(m.Result, &res), m.Raw)
	// Streamed output is not repeated in the answer.
	assert.Equal(t, execResult{0, "", ""}, res)

	// The process id is free again.
	m = s.call("command/exec/write", map[string]any{"processId": "p1", "deltaBase64": b64("late\n")})
	require.NotNil(t, m.Error, m.Raw)
	assert.Equal(t, `no active command/exec for process id "p1"`, m.Error.Message)
}

func TestV2CommandExecStreamedOutputCap(t *testing.T) {
	s := commandsClient(t)
	id := s.send("command/exec", map[string]any{"command": []string{"sh", "-c", "head -c 3000 /dev/zero | tr '\\0' y"},
		"processId": "capped", "streamStdoutStderr": true, "outputBytesCap": 10})
	d := takeDelta(s, "capped")
	assert.Equal(t, "yyyyyyyyyy", d.text(t))
	assert.True(t, d.CapReached)
	var res execResult
	require.NoError(t, json.Unmarshal(s.response(id).Result, &res))
	assert.Equal(t, 0, res.ExitCode)
	for _, m := range s.backlog() {
		assert.NotEqual(t, "command/exec/outputDelta", m.Method, "nothing is streamed past the cap: %s", m.Raw)
	}
}

func TestV2CommandExecTerminateKillsTheProcessGroup(t *testing.T) {
	s := commandsClient(t)
	// Outside the sandbox, so that the printed pid is this system's.
	id := s.send("command/exec", map[string]any{"command": []string{"sh", "-c", "sleep 300 & echo $!; wait"},
		"processId": "group", "streamStdoutStderr": true, "sandboxPolicy": map[string]any{"type": "dangerFullAccess"}})
	pid, err := strconv.Atoi(strings.TrimSpace(outputUntil(s, "group", "stdout", "\n")))
	require.NoError(t, err)
	require.False(t, processGone(pid))

	m := s.callResult("command/exec/terminate", map[string]any{"processId": "group"}, nil)
	checkV2(t, "command/exec/terminate", m.Result, "result")
	var res execResult
	require.NoError(t, json.Unmarshal(s.response(id).Result, &res))
	assert.Equal(t, 137, res.ExitCode)
	requireGone(t, pid)

	m = s.call("command/exec/terminate", map[string]any{"processId": "group"})
	require.NotNil(t, m.Error, m.Raw)
	assert.Equal(t, int64(-32600), m.Error.Code)
}

func TestV2CommandExecEndsWithTheConnection(t *testing.T) {
	s := commandsClient(t)
	s.send("command/exec", map[string]any{"command": []string{"sh", "-c", "echo $$; exec sleep 300"},
		"processId": "orphan", "streamStdoutStderr": true, "disableTimeout": true,
		"sandboxPolicy": map[string]any{"type": "dangerFullAccess"}})
	pid, err := strconv.Atoi(strings.TrimSpace(outputUntil(s, "orphan", "stdout", "\n")))
	require.NoError(t, err)
	require.NoError(t, s.closeAndWait())
	requireGone(t, pid)
}

func TestV2CommandExecTerminal(t *testing.T) {
	s := commandsClient(t)
	// Under the configured (read-only) sandbox: the terminal stays usable.
	id := s.send("command/exec", map[string]any{
		"command":   []string{"sh", "-c", "test -t 0 && echo is-a-tty; stty size; read answer; echo \"got $answer\"; stty size"},
		"processId": "tty", "tty": true, "size": map[string]any{"rows": 24, "cols": 80},
	})
	out := outputUntil(s, "tty", "stdout", "24 80\r\n")
	assert.Contains(t, out, "is-a-tty\r\n")

	m := s.callResult("command/exec/resize", map[string]any{"processId": "tty", "size": map[string]any{"rows": 33, "cols": 99}}, nil)
	checkV2(t, "command/exec/resize", m.Result, "result")
	s.callResult("command/exec/write", map[string]any{"processId": "tty", "deltaBase64": b64("yes\r")}, nil)
	out = outputUntil(s, "tty", "stdout", "33 99\r\n")
	// The terminal echoes what was typed.
	assert.Contains(t, out, "yes\r\ngot yes\r\n")
	var res execResult
	require.NoError(t, json.Unmarshal(s.response(id).Result, &res))
	assert.Equal(t, execResult{0, "", ""}, res)
}

func TestV2CommandExecErrors(t *testing.T) {
	s := commandsClient(t)
	// A running command that takes no input, for the requests that need one.
	running := s.send("command/exec", map[string]any{"command": []string{"sleep", "30"}, "processId": "busy", "streamStdoutStderr": true})
	tests := []struct {
		name    string
		method  string
		params  map[string]any
		code    int64
		message string
	}{
		{"no command", "command/exec", map[string]any{}, -32602, `Invalid params: missing field "command"`},
		{"an empty command", "command/exec", map[string]any{"command": []string{}}, -32600, "command must not be empty"},
		{"both timeouts", "command/exec", map[string]any{"command": []string{"true"}, "timeoutMs": 5, "disableTimeout": true}, -32602, "command/exec cannot set both timeoutMs and disableTimeout"},
		{"a negative timeout", "command/exec", map[string]any{"command": []string{"true"}, "timeoutMs": -5}, -32602, "command/exec timeoutMs must be non-negative, got -5"},
		{"both output caps", "command/exec", map[string]any{"command": []string{"true"}, "outputBytesCap": 5, "disableOutputCap": true}, -32602, "command/exec cannot set both outputBytesCap and disableOutputCap"},
		{"a size without tty", "command/exec", map[string]any{"command": []string{"true"}, "size": map[string]any{"rows": 1, "cols": 2}}, -32602, "command/exec size requires tty: true"},
		{"tty without a process id", "command/exec", map[string]any{"command": []string{"true"}, "tty": true}, -32600, "command/exec tty or streaming requires a client-supplied processId"},
		{"stdin without a process id", "command/exec", map[string]any{"command": []string{"true"}, "streamStdin": true}, -32600, "command/exec tty or streaming requires a client-supplied processId"},
		{"an unknown sandbox", "command/exec", map[string]any{"command": []string{"true"}, "sandboxPolicy": map[string]any{"type": "lenient"}}, -32602, `unknown sandboxPolicy type "lenient"`},
		{"a missing directory", "command/exec", map[string]any{"command": []string{"true"}, "cwd": "/no/such/dir"}, -32603, "failed to spawn command: working directory /no/such/dir is not a directory"},
		{"a duplicate process id", "command/exec", map[string]any{"command": []string{"true"}, "processId": "busy"}, -32600, `duplicate active command/exec process id: "busy"`},
		{"write to an unknown process", "command/exec/write", map[string]any{"processId": "nope", "deltaBase64": b64("hi")}, -32600, `no active command/exec for process id "nope"`},
		{"terminate an unknown process", "command/exec/terminate", map[string]any{"processId": "nope"}, -32600, `no active command/exec for process id "nope"`},
		{"resize an unknown process", "command/exec/resize", map[string]any{"processId": "nope", "size": map[string]any{"rows": 1, "cols": 2}}, -32600, `no active command/exec for process id "nope"`},
		{"write without streamStdin", "command/exec/write", map[string]any{"processId": "busy", "deltaBase64": b64("hi")}, -32600, "stdin streaming is not enabled for this command/exec"},
		{"write bad base64", "command/exec/write", map[string]any{"processId": "busy", "deltaBase64": "!!notb64"}, -32602, "invalid deltaBase64: illegal base64 data at input byte 0"},
		{"resize without a terminal", "command/exec/resize", map[string]any{"processId": "busy", "size": map[string]any{"rows": 1, "cols": 2}}, -32600, "failed to resize PTY: process is not attached to a PTY"},
		{"write without a process id", "command/exec/write", map[string]any{}, -32602, `Invalid params: missing field "processId"`},
		{"resize without a size", "command/exec/resize", map[string]any{"processId": "busy"}, -32602, `Invalid params: missing field "size"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			m := s.call(tt.method, tt.params)
			require.NotNil(t, m.Error, m.Raw)
			assert.Equal(t, tt.code, m.Error.Code, m.Raw)
			assert.Equal(t, tt.message, m.Error.Message, m.Raw)
		})
	}
	s.t = t
	// The server goes on serving, and the running command still runs.
	assert.Equal(t, execResult{0, "still here\n", ""}, execOK(s, map[string]any{"command": []string{"echo", "still here"}}))
	s.callResult("command/exec/terminate", map[string]any{"processId": "busy"}, nil)
	var res execResult
	require.NoError(t, json.Unmarshal(s.response(running).Result, &res))
	assert.Equal(t, 137, res.ExitCode)
}

func TestV2ThreadShellCommand(t *testing.T) {
	s, thread := startV2(t, map[string]any{"sandbox": "read-only", "approvalPolicy": "on-request"}, answer())
	m := s.callResult("thread/shellCommand", map[string]any{"threadId": thread, "command": "echo shellcmd | tee made.txt"}, nil)
	assert.Equal(t, "{}", string(m.Result))
	checkV2(t, "thread/shellCommand", m.Result, "result")

	ns := s.untilTurnCompleted()
	assert.Equal(t, []string{
		"thread/status/changed", "turn/started",
		"item/started", "item/commandExecution/outputDelta", "item/completed",
		"thread/status/changed", "turn/completed",
	}, methods(ns))
	assert.Equal(t, map[string]any{"type": "active", "activeFlags": []any{}}, ns[0].params["status"])
	turn := ns[1].params["turn"].(map[string]any)
	started, done := ns[2].item(), ns[4].item()
	assert.Equal(t, "commandExecution", started["type"])
	assert.Equal(t, "userShell", started["source"])
	assert.Equal(t, "inProgress", started["status"])
	assert.Regexp(t, `^/\S+ -lc 'echo shellcmd \| tee made.txt'$`, started["command"])
	assert.Equal(t, s.workDir, started["cwd"])
	assert.Equal(t, started["id"], done["id"])
	assert.Equal(t, started["id"], ns[3].params["itemId"])
	assert.Equal(t, "shellcmd\n", ns[3].params["delta"])
	assert.Equal(t, "completed", done["status"])
	assert.Equal(t, "shellcmd\n", done["aggregatedOutput"])
	assert.EqualValues(t, 0, done["exitCode"])
	assert.Equal(t, turn["id"], ns[4].params["turnId"])
	assert.Equal(t, map[string]any{"type": "idle"}, ns[5].params["status"])
	assert.Equal(t, "completed", ns[6].params["turn"].(map[string]any)["status"])
	// The user's command runs outside the thread's (read-only) sandbox, as
	// the reference runs it.
	assert.FileExists(t, filepath.Join(s.workDir, "made.txt"))
	assert.Empty(t, s.model.Requests(), "a shell command alone does not ask the model")

	// The next turn's request tells the model what the user ran.
	s.startTurn(thread, "what did I run?")
	s.untilTurnCompleted()
	requests := s.model.Requests()
	require.Len(t, requests, 1)
	body := string(requests[0].Body)
	assert.Contains(t, body, "<user_shell_command>")
	assert.Contains(t, body, "echo shellcmd | tee made.txt")
	assert.Contains(t, body, `shellcmd\n`)
}

func TestV2ThreadShellCommandTimeoutAndErrors(t *testing.T) {
	s, thread := startV2(t, nil)
	s.callResult("thread/shellCommand", map[string]any{"threadId": thread, "command": "sleep 30", "timeoutMs": 200}, nil)
	ns := s.untilTurnCompleted()
	var done map[string]any
	for _, n := range ns {
		if n.method == "item/completed" {
			done = n.item()
		}
	}
	require.NotNil(t, done, methods(ns))
	assert.Equal(t, "failed", done["status"])
	assert.EqualValues(t, 124, done["exitCode"])
	assert.Contains(t, done["aggregatedOutput"], "timed out")

	unknown := "01a24388-0000-7000-8000-000000000000"
	tests := []struct {
		name    string
		params  map[string]any
		code    int64
		message string
	}{
		{"an unknown thread", map[string]any{"threadId": unknown, "command": "true"}, -32600, "thread not found: " + unknown},
		{"an empty command", map[string]any{"threadId": thread, "command": " "}, -32600, "command must not be empty"},
		{"a negative timeout", map[string]any{"threadId": thread, "command": "true", "timeoutMs": -1}, -32602, "thread/shellCommand timeoutMs must be non-negative, got -1"},
		{"no command", map[string]any{"threadId": thread}, -32602, `Invalid params: missing field "command"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := s.call("thread/shellCommand", tt.params)
			require.NotNil(t, m.Error, m.Raw)
			assert.Equal(t, tt.code, m.Error.Code, m.Raw)
			assert.Equal(t, tt.message, m.Error.Message, m.Raw)
		})
	}
}

func TestV2ThreadShellCommandJoinsTheRunningTurn(t *testing.T) {
	s, thread := startV2(t, map[string]any{"approvalPolicy": "never", "sandbox": "workspace-write"},
		bashCall("call1", "sleep 1"), answer())
	turn := s.startTurn(thread, "start")
	s.take(func(m rpcMessage) bool {
		return m.Method == "item/started" && strings.Contains(string(m.Params), `"commandExecution"`)
	}, "the model's command")
	s.callResult("thread/shellCommand", map[string]any{"threadId": thread, "command": "echo joined"}, nil)
	var user map[string]any
	for _, n := range s.untilTurnCompleted() {
		if n.method == "item/completed" && n.item()["source"] == "userShell" {
			user = n.item()
			assert.Equal(t, turn, n.params["turnId"])
		}
	}
	require.NotNil(t, user, "the user's command is an item of the running turn")
	assert.Equal(t, "joined\n", user["aggregatedOutput"])
}

func TestV2InterruptKillsAUserShellCommand(t *testing.T) {
	s, thread := startV2(t, nil)
	s.callResult("thread/shellCommand", map[string]any{"threadId": thread, "command": "echo $$; exec sleep 300"}, nil)
	m := s.take(func(m rpcMessage) bool { return m.Method == "item/commandExecution/outputDelta" }, "the command's pid")
	var delta struct {
		TurnID string `json:"turnId"`
		Delta  string `json:"delta"`
	}
	require.NoError(t, json.Unmarshal(m.Params, &delta))
	pid, err := strconv.Atoi(strings.TrimSpace(delta.Delta))
	require.NoError(t, err)
	s.callResult("turn/interrupt", map[string]any{"threadId": thread, "turnId": delta.TurnID}, nil)
	ns := s.untilTurnCompleted()
	assert.Equal(t, "interrupted", ns[len(ns)-1].params["turn"].(map[string]any)["status"])
	requireGone(t, pid)
}
