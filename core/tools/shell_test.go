package tools_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/codex-go/codex/core/approval"
	"github.com/codex-go/codex/core/tools"
	"github.com/codex-go/codex/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fileExists reports whether path exists.
func fileExists(t *testing.T, path string) bool {
	t.Helper()
	_, err := os.Stat(path)
	if err == nil {
		return true
	}
	require.ErrorIs(t, err, os.ErrNotExist)
	return false
}

func TestShellWorkdirDoesNotWidenTheSandbox(t *testing.T) {
	tests := []struct {
		name    string
		workdir func(cwd, outside string) string
		target  func(cwd, outside string) string
		argv    func(cwd, outside string) []string
		allowed bool
	}{
		{
			name:    "absolute workdir outside, absolute target",
			workdir: func(_, outside string) string { return outside },
			target:  func(_, outside string) string { return filepath.Join(outside, "x") },
			argv:    func(_, outside string) []string { return []string{"touch", filepath.Join(outside, "x")} },
		},
		{
			name:    "absolute workdir outside, relative target",
			workdir: func(_, outside string) string { return outside },
			target:  func(_, outside string) string { return filepath.Join(outside, "x") },
			argv:    func(_, _ string) []string { return []string{"touch", "x"} },
		},
		{
			name:    "relative workdir outside",
			workdir: func(_, _ string) string { return "../outside" },
			target:  func(_, outside string) string { return filepath.Join(outside, "x") },
			argv:    func(_, _ string) []string { return []string{"bash", "-lc", "touch x"} },
		},
		{
			name:    "no workdir, target inside cwd",
			workdir: func(_, _ string) string { return "" },
			target:  func(cwd, _ string) string { return filepath.Join(cwd, "x") },
			argv:    func(_, _ string) []string { return []string{"touch", "x"} },
			allowed: true,
		},
		{
			name:    "workdir is cwd",
			workdir: func(cwd, _ string) string { return cwd },
			target:  func(cwd, _ string) string { return filepath.Join(cwd, "x") },
			argv:    func(_, _ string) []string { return []string{"touch", "x"} },
			allowed: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd, outside := workspace(t)
			h := newHarness(t, cwd, protocol.ApprovalNever, workspaceWrite())
			r := newRouter(t, tools.Settings{Model: "gpt-4.1"})
			args := map[string]any{"command": tt.argv(cwd, outside)}
			if wd := tt.workdir(cwd, outside); wd != "" {
				args["workdir"] = wd
			}
			out := dispatch(t, r, h, shellCall(t, "call-1", args))

			target := tt.target(cwd, outside)
			events, asks, _ := h.recorded()
			assert.Empty(t, asks)
			assertExecPaired(t, events)
			ends := eventsOf[protocol.ExecCommandEndEvent](h)
			require.Len(t, ends, 1)
			if tt.allowed {
				assert.True(t, fileExists(t, target))
				assert.Equal(t, 0, ends[0].ExitCode)
				assert.Equal(t, 0, decodeShellOutput(t, out.Output).Metadata.ExitCode)
				return
			}
			assert.False(t, fileExists(t, target), "the sandbox let the command write %s", target)
			assert.Equal(t, -1, ends[0].ExitCode)
			assert.True(t, strings.HasPrefix(out.Output, "failed in sandbox: "), out.Output)
		})
	}
}

// patchAddX is a patch adding the file x with the line "hi".
const patchAddX = "*** Begin Patch\n*** Add File: x\n+hi\n*** End Patch\n"

func TestShellExecBeginEndPairing(t *testing.T) {
	type setup struct{ cwd, outside string }
	tests := []struct {
		name      string
		approval  protocol.AskForApproval
		sandbox   protocol.SandboxPolicy
		args      func(s setup) map[string]any
		decisions []protocol.ReviewDecision
		// aborted: Dispatch returns ErrTurnAborted and no end is emitted.
		aborted    bool
		wantExit   int
		wantStderr string
		wantOutput func(t *testing.T, out string)
		wantFile   func(s setup) (string, bool)
	}{
		{
			name:     "success",
			approval: protocol.ApprovalNever, sandbox: workspaceWrite(),
			args:     func(setup) map[string]any { return map[string]any{"command": []string{"echo", "hi"}} },
			wantExit: 0,
			wantOutput: func(t *testing.T, out string) {
				o := decodeShellOutput(t, out)
				assert.Equal(t, "hi\n", o.Output)
				assert.Equal(t, 0, o.Metadata.ExitCode)
			},
		},
		{
			name:     "failure exit code",
			approval: protocol.ApprovalNever, sandbox: workspaceWrite(),
			args: func(setup) map[string]any {
				return map[string]any{"command": []string{"sh", "-c", "echo oops >&2; exit 3"}}
			},
			wantExit:   3,
			wantStderr: "oops\n",
			wantOutput: func(t *testing.T, out string) {
				o := decodeShellOutput(t, out)
				assert.Equal(t, 3, o.Metadata.ExitCode)
				assert.Equal(t, "oops\n", o.Output)
			},
		},
		{
			name:     "user denies",
			approval: protocol.ApprovalUntrusted, sandbox: workspaceWrite(),
			args:      func(setup) map[string]any { return map[string]any{"command": []string{"touch", "x"}} },
			decisions: []protocol.ReviewDecision{protocol.DecisionDenied},
			wantExit:  -1, wantStderr: tools.RejectedByUser,
			wantOutput: func(t *testing.T, out string) { assert.Equal(t, tools.RejectedByUser, out) },
			wantFile:   func(s setup) (string, bool) { return filepath.Join(s.cwd, "x"), false },
		},
		{
			name:     "sandbox denial under never",
			approval: protocol.ApprovalNever, sandbox: workspaceWrite(),
			args: func(s setup) map[string]any {
				return map[string]any{"command": []string{"touch", filepath.Join(s.outside, "x")}}
			},
			wantExit:   -1,
			wantStderr: "failed in sandbox: ",
			wantOutput: func(t *testing.T, out string) {
				assert.True(t, strings.HasPrefix(out, "failed in sandbox: "), out)
				assert.Regexp(t, "Permission denied|Read-only file system", out)
			},
			wantFile: func(s setup) (string, bool) { return filepath.Join(s.outside, "x"), false },
		},
		{
			name:     "sandbox denial under on-request",
			approval: protocol.ApprovalOnRequest, sandbox: workspaceWrite(),
			args: func(s setup) map[string]any {
				return map[string]any{"command": []string{"touch", filepath.Join(s.outside, "x")}}
			},
			wantExit:   -1,
			wantStderr: "failed in sandbox: ",
			wantFile:   func(s setup) (string, bool) { return filepath.Join(s.outside, "x"), false },
		},
		{
			name:     "on-failure retry approved",
			approval: protocol.ApprovalOnFailure, sandbox: workspaceWrite(),
			args: func(s setup) map[string]any {
				return map[string]any{"command": []string{"touch", filepath.Join(s.outside, "x")}}
			},
			decisions: []protocol.ReviewDecision{protocol.DecisionApproved},
			wantExit:  0,
			wantOutput: func(t *testing.T, out string) {
				assert.Equal(t, 0, decodeShellOutput(t, out).Metadata.ExitCode)
			},
			wantFile: func(s setup) (string, bool) { return filepath.Join(s.outside, "x"), true },
		},
		{
			name:     "on-failure retry denied",
			approval: protocol.ApprovalOnFailure, sandbox: workspaceWrite(),
			args: func(s setup) map[string]any {
				return map[string]any{"command": []string{"touch", filepath.Join(s.outside, "x")}}
			},
			decisions:  []protocol.ReviewDecision{protocol.DecisionDenied},
			wantExit:   -1,
			wantStderr: tools.RejectedByUser,
			wantOutput: func(t *testing.T, out string) { assert.Equal(t, tools.RejectedByUser, out) },
			wantFile:   func(s setup) (string, bool) { return filepath.Join(s.outside, "x"), false },
		},
		{
			name:     "escalation under never",
			approval: protocol.ApprovalNever, sandbox: workspaceWrite(),
			args: func(setup) map[string]any {
				return map[string]any{"command": []string{"touch", "x"}, "with_escalated_permissions": true, "justification": "because"}
			},
			wantExit:   -1,
			wantStderr: approval.ReasonNoEscalationUnderNever,
			wantOutput: func(t *testing.T, out string) { assert.Equal(t, approval.ReasonNoEscalationUnderNever, out) },
			wantFile:   func(s setup) (string, bool) { return filepath.Join(s.cwd, "x"), false },
		},
		{
			name:     "user aborts",
			approval: protocol.ApprovalUntrusted, sandbox: workspaceWrite(),
			args:      func(setup) map[string]any { return map[string]any{"command": []string{"touch", "x"}} },
			decisions: []protocol.ReviewDecision{protocol.DecisionAbort},
			aborted:   true,
			wantFile:  func(s setup) (string, bool) { return filepath.Join(s.cwd, "x"), false },
		},
		{
			name:     "user aborts the retry after a denial",
			approval: protocol.ApprovalOnFailure, sandbox: workspaceWrite(),
			args: func(s setup) map[string]any {
				return map[string]any{"command": []string{"touch", filepath.Join(s.outside, "x")}}
			},
			decisions: []protocol.ReviewDecision{protocol.DecisionAbort},
			aborted:   true,
			wantFile:  func(s setup) (string, bool) { return filepath.Join(s.outside, "x"), false },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd, outside := workspace(t)
			s := setup{cwd: cwd, outside: outside}
			h := newHarness(t, cwd, tt.approval, tt.sandbox).answerExec(tt.decisions...)
			r := newRouter(t, tools.Settings{Model: "gpt-4.1"})

			out, err := r.Dispatch(t.Context(), h.turn, shellCall(t, "call-7", tt.args(s)))
			events, asks, _ := h.recorded()
			assert.Len(t, asks, len(tt.decisions), "approval requests")
			begins := eventsOf[protocol.ExecCommandBeginEvent](h)
			require.Len(t, begins, 1)
			assert.Equal(t, "call-7", begins[0].CallID)
			ends := eventsOf[protocol.ExecCommandEndEvent](h)
			if tt.aborted {
				require.ErrorIs(t, err, tools.ErrTurnAborted)
				assert.Empty(t, ends, "an aborted command has no exec_command_end")
			} else {
				require.NoError(t, err)
				assertExecPaired(t, events)
				require.Len(t, ends, 1)
				end := ends[0]
				assert.Equal(t, "call-7", end.CallID)
				assert.Equal(t, tt.wantExit, end.ExitCode)
				assert.True(t, strings.HasPrefix(end.Stderr, tt.wantStderr), "stderr %q", end.Stderr)
				assert.Equal(t, protocol.ItemFunctionCallOutput, out.Type)
				assert.Equal(t, "call-7", out.CallID)
				if tt.wantOutput != nil {
					tt.wantOutput(t, out.Output)
				}
			}
			if tt.wantFile != nil {
				path, exists := tt.wantFile(s)
				assert.Equal(t, exists, fileExists(t, path), path)
			}
		})
	}
}

func TestShellOnFailureRetryAsksWithReason(t *testing.T) {
	cwd, outside := workspace(t)
	h := newHarness(t, cwd, protocol.ApprovalOnFailure, workspaceWrite()).answerExec(protocol.DecisionApproved)
	r := newRouter(t, tools.Settings{Model: "gpt-4.1"})
	argv := []string{"touch", filepath.Join(outside, "x")}
	dispatch(t, r, h, shellCall(t, "c1", map[string]any{"command": argv}))

	_, asks, _ := h.recorded()
	require.Len(t, asks, 1)
	assert.Equal(t, "c1", asks[0].callID)
	assert.Equal(t, argv, asks[0].command)
	assert.Equal(t, cwd, asks[0].cwd)
	require.NotNil(t, asks[0].reason)
	assert.Equal(t, approval.ReasonRetryWithoutSandbox, *asks[0].reason)
	var messages []string
	for _, b := range eventsOf[protocol.BackgroundEvent](h) {
		messages = append(messages, b.Message)
	}
	assert.Contains(t, messages, "retrying command without sandbox")
}

func TestShellApprovals(t *testing.T) {
	tests := []struct {
		name     string
		approval protocol.AskForApproval
		argv     []string
		asked    bool
	}{
		{"untrusted asks for a write", protocol.ApprovalUntrusted, []string{"touch", "x"}, true},
		{"untrusted does not ask for ls", protocol.ApprovalUntrusted, []string{"ls"}, false},
		{"untrusted does not ask for a safe script", protocol.ApprovalUntrusted, []string{"bash", "-lc", "ls && pwd"}, false},
		{"untrusted asks for an unsafe script", protocol.ApprovalUntrusted, []string{"bash", "-lc", "ls && touch x"}, true},
		{"on-request does not ask for a write", protocol.ApprovalOnRequest, []string{"touch", "x"}, false},
		{"on-failure does not ask for a write", protocol.ApprovalOnFailure, []string{"touch", "x"}, false},
		{"never does not ask for a write", protocol.ApprovalNever, []string{"touch", "x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd, _ := workspace(t)
			h := newHarness(t, cwd, tt.approval, workspaceWrite())
			if tt.asked {
				h.answerExec(protocol.DecisionApproved)
			}
			r := newRouter(t, tools.Settings{Model: "gpt-4.1"})
			out := dispatch(t, r, h, shellCall(t, "c1", map[string]any{"command": tt.argv}))
			events, asks, _ := h.recorded()
			assertExecPaired(t, events)
			if tt.asked {
				require.Len(t, asks, 1)
				assert.Equal(t, tt.argv, asks[0].command)
				assert.Nil(t, asks[0].reason, "a plain command is asked about without a reason")
			} else {
				assert.Empty(t, asks)
			}
			assert.Equal(t, 0, decodeShellOutput(t, out.Output).Metadata.ExitCode, out.Output)
		})
	}
}

func TestShellApprovedForSessionIsNotAskedAgain(t *testing.T) {
	cwd, _ := workspace(t)
	h := newHarness(t, cwd, protocol.ApprovalUntrusted, workspaceWrite()).
		answerExec(protocol.DecisionApprovedForSession, protocol.DecisionDenied)
	r := newRouter(t, tools.Settings{Model: "gpt-4.1"})
	argv := []string{"touch", "x"}

	first := dispatch(t, r, h, shellCall(t, "c1", map[string]any{"command": argv}))
	assert.Equal(t, 0, decodeShellOutput(t, first.Output).Metadata.ExitCode)
	second := dispatch(t, r, h, shellCall(t, "c2", map[string]any{"command": argv}))
	assert.Equal(t, 0, decodeShellOutput(t, second.Output).Metadata.ExitCode)
	_, asks, _ := h.recorded()
	assert.Len(t, asks, 1, "the same argv is not asked about twice")
	assert.True(t, h.turn.Approved.Has(argv))

	// Another argv is still asked about.
	third := dispatch(t, r, h, shellCall(t, "c3", map[string]any{"command": []string{"touch", "y"}}))
	assert.Equal(t, tools.RejectedByUser, third.Output)
	events, asks, _ := h.recorded()
	assert.Len(t, asks, 2)
	assertExecPaired(t, events)
	assert.True(t, fileExists(t, filepath.Join(cwd, "x")))
	assert.False(t, fileExists(t, filepath.Join(cwd, "y")))
}

func TestShellEscalationOnRequest(t *testing.T) {
	tests := []struct {
		name     string
		decision protocol.ReviewDecision
		created  bool
	}{
		{"approved runs outside the sandbox", protocol.DecisionApproved, true},
		{"denied does not run", protocol.DecisionDenied, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd, outside := workspace(t)
			h := newHarness(t, cwd, protocol.ApprovalOnRequest, workspaceWrite()).answerExec(tt.decision)
			r := newRouter(t, tools.Settings{Model: "gpt-4.1"})
			target := filepath.Join(outside, "x")
			argv := []string{"touch", target}
			dispatch(t, r, h, shellCall(t, "c1", map[string]any{
				"command": argv, "with_escalated_permissions": true, "justification": "needs to write outside",
			}))
			events, asks, _ := h.recorded()
			assertExecPaired(t, events)
			require.Len(t, asks, 1)
			assert.Equal(t, argv, asks[0].command)
			require.NotNil(t, asks[0].reason)
			assert.Equal(t, "needs to write outside", *asks[0].reason)
			assert.Equal(t, tt.created, fileExists(t, target))
		})
	}
}

func TestShellEscalationUnderNeverIsRejectedWithoutAsking(t *testing.T) {
	cwd, outside := workspace(t)
	h := newHarness(t, cwd, protocol.ApprovalNever, workspaceWrite())
	r := newRouter(t, tools.Settings{Model: "gpt-4.1"})
	target := filepath.Join(outside, "x")
	out := dispatch(t, r, h, shellCall(t, "c1", map[string]any{
		"command": []string{"touch", target}, "with_escalated_permissions": true, "justification": "please",
	}))
	_, asks, _ := h.recorded()
	assert.Empty(t, asks)
	assert.Equal(t, approval.ReasonNoEscalationUnderNever, out.Output)
	assert.False(t, fileExists(t, target))
}

func TestShellFunctionOutputIsJSON(t *testing.T) {
	cwd, _ := workspace(t)
	h := newHarness(t, cwd, protocol.ApprovalNever, workspaceWrite())
	r := newRouter(t, tools.Settings{Model: "gpt-4.1"})
	out := dispatch(t, r, h, shellCall(t, "c1", map[string]any{"command": []string{"echo", "hi"}}))

	assert.Regexp(t, regexp.MustCompile(`^\{"output":"hi\\n","metadata":\{"exit_code":0,"duration_seconds":\d+\.\d\}\}$`), out.Output)
	o := decodeShellOutput(t, out.Output)
	assert.Equal(t, "hi\n", o.Output)
	assert.GreaterOrEqual(t, o.Metadata.DurationSeconds, 0.0)

	// The output is streamed as deltas of the same call.
	var stdout bytes.Buffer
	for _, d := range eventsOf[protocol.ExecCommandOutputDeltaEvent](h) {
		assert.Equal(t, "c1", d.CallID)
		if d.Stream == "stdout" {
			stdout.Write(d.Chunk)
		}
	}
	assert.Equal(t, "hi\n", stdout.String())
	ends := eventsOf[protocol.ExecCommandEndEvent](h)
	require.Len(t, ends, 1)
	assert.Equal(t, "hi\n", ends[0].Stdout)
	assert.Equal(t, "hi\n", ends[0].AggregatedOutput)
	assert.Equal(t, "hi\n", ends[0].FormattedOutput)
	begins := eventsOf[protocol.ExecCommandBeginEvent](h)
	require.Len(t, begins, 1)
	assert.Equal(t, []string{"echo", "hi"}, begins[0].Command)
	assert.Equal(t, cwd, begins[0].Cwd)
}

func TestShellTextOutputWithFreeformPatchTool(t *testing.T) {
	tests := []struct {
		name string
		argv []string
		want string
	}{
		{"success", []string{"echo", "hi"}, `^Exit code: 0\nWall time: \d+(\.\d)? seconds\nOutput:\nhi\n$`},
		{"failure", []string{"sh", "-c", "echo bad; exit 2"}, `^Exit code: 2\nWall time: \d+(\.\d)? seconds\nOutput:\nbad\n$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd, _ := workspace(t)
			h := newHarness(t, cwd, protocol.ApprovalNever, workspaceWrite())
			r := newRouter(t, tools.Settings{Model: "gpt-5", IncludeApplyPatchTool: true})
			out := dispatch(t, r, h, shellCall(t, "c1", map[string]any{"command": tt.argv}))
			assert.Regexp(t, regexp.MustCompile(tt.want), out.Output)
			events, _, _ := h.recorded()
			assertExecPaired(t, events)
		})
	}
}

func TestShellTimeout(t *testing.T) {
	cwd, _ := workspace(t)
	h := newHarness(t, cwd, protocol.ApprovalNever, workspaceWrite())
	r := newRouter(t, tools.Settings{Model: "gpt-4.1"})
	out := dispatch(t, r, h, shellCall(t, "c1", map[string]any{"command": []string{"sleep", "60"}, "timeout_ms": 100}))
	o := decodeShellOutput(t, out.Output)
	assert.Equal(t, 124, o.Metadata.ExitCode)
	assert.True(t, strings.HasPrefix(o.Output, "command timed out after "), o.Output)
	events, asks, _ := h.recorded()
	assert.Empty(t, asks, "a timeout is not a sandbox denial")
	assertExecPaired(t, events)
}

func TestShellBadArguments(t *testing.T) {
	tests := []struct {
		name string
		args string
		want string
	}{
		{"not JSON", "{", "failed to parse function arguments"},
		{"empty command", `{"command":[]}`, "command is empty"},
		{"missing command", `{}`, "command is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd, _ := workspace(t)
			h := newHarness(t, cwd, protocol.ApprovalNever, workspaceWrite())
			r := newRouter(t, tools.Settings{Model: "gpt-4.1"})
			out := dispatch(t, r, h, protocol.ResponseItem{Type: protocol.ItemFunctionCall, Name: "shell", CallID: "c1", Arguments: tt.args})
			assert.Contains(t, out.Output, tt.want)
			assert.Equal(t, "c1", out.CallID)
			events, _, _ := h.recorded()
			assert.Empty(t, events)
		})
	}
}

func TestShellRunThatCannotStartIsNotReportedAsSuccess(t *testing.T) {
	tests := []struct {
		name string
		// cancel cancels the context before the call; otherwise the
		// sandbox helper path is left empty.
		cancel  bool
		wantErr error
		want    string
	}{
		{name: "cancelled before the start", cancel: true, wantErr: context.Canceled, want: context.Canceled.Error()},
		{name: "no sandbox helper", want: "needs the path of the codex executable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd, _ := workspace(t)
			h := newHarness(t, cwd, protocol.ApprovalNever, workspaceWrite())
			env := newEnv(t)
			if !tt.cancel {
				env.SelfExe = ""
			}
			r := tools.Build(tools.Settings{Model: "gpt-4.1"}, env)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tt.cancel {
				cancel()
			}
			out, err := r.Dispatch(ctx, h.turn, shellCall(t, "c1", map[string]any{"command": []string{"echo", "hi"}}))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
				assert.Contains(t, out.Output, tt.want)
			}
			ends := eventsOf[protocol.ExecCommandEndEvent](h)
			if tt.cancel {
				// An aborted turn reports the command with its turn_aborted
				// alone, as codex-cli 0.45.0 does.
				assert.Empty(t, ends)
				return
			}
			events, _, _ := h.recorded()
			assertExecPaired(t, events)
			require.Len(t, ends, 1)
			assert.Equal(t, -1, ends[0].ExitCode)
			assert.Contains(t, ends[0].Stderr, tt.want)
		})
	}
}
