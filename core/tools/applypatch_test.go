package tools_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/codex-go/codex/core/tools"
	"github.com/codex-go/codex/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShellPatchWithWorkdirOutsideCwdIsNotAutoApplied(t *testing.T) {
	tests := []struct {
		name     string
		approval protocol.AskForApproval
		// argv builds the shell command; workdir is passed as the
		// call's workdir when not empty.
		argv      func(outside string) []string
		workdir   func(outside string) string
		decisions []protocol.ReviewDecision
		asked     bool
		written   bool
		output    string
	}{
		{
			name:     "never refuses",
			approval: protocol.ApprovalNever,
			argv:     func(string) []string { return []string{"apply_patch", patchAddX} },
			workdir:  func(outside string) string { return outside },
			output:   "outside the writable roots",
		},
		{
			name:     "never refuses a relative workdir",
			approval: protocol.ApprovalNever,
			argv:     func(string) []string { return []string{"apply_patch", patchAddX} },
			workdir:  func(string) string { return "../outside" },
			output:   "outside the writable roots",
		},
		{
			name:     "never refuses a cd in the script",
			approval: protocol.ApprovalNever,
			argv: func(outside string) []string {
				return []string{"bash", "-lc", "cd " + outside + " && apply_patch <<'EOF'\n" + patchAddX + "EOF\n"}
			},
			workdir: func(string) string { return "" },
			output:  "outside the writable roots",
		},
		{
			name:      "on-request asks, denied",
			approval:  protocol.ApprovalOnRequest,
			argv:      func(string) []string { return []string{"apply_patch", patchAddX} },
			workdir:   func(outside string) string { return outside },
			decisions: []protocol.ReviewDecision{protocol.DecisionDenied},
			asked:     true,
			output:    tools.PatchRejectedByUser,
		},
		{
			name:      "on-request asks, approved",
			approval:  protocol.ApprovalOnRequest,
			argv:      func(string) []string { return []string{"apply_patch", patchAddX} },
			workdir:   func(outside string) string { return outside },
			decisions: []protocol.ReviewDecision{protocol.DecisionApproved},
			asked:     true,
			written:   true,
			output:    `"exit_code":0`,
		},
		{
			name:      "on-failure asks",
			approval:  protocol.ApprovalOnFailure,
			argv:      func(string) []string { return []string{"applypatch", patchAddX} },
			workdir:   func(outside string) string { return outside },
			decisions: []protocol.ReviewDecision{protocol.DecisionDenied},
			asked:     true,
			output:    tools.PatchRejectedByUser,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd, outside := workspace(t)
			h := newHarness(t, cwd, tt.approval, workspaceWrite()).answerPatch(tt.decisions...)
			r := newRouter(t, tools.Settings{Model: "gpt-4.1"})
			args := map[string]any{"command": tt.argv(outside)}
			if wd := tt.workdir(outside); wd != "" {
				args["workdir"] = wd
			}
			out := dispatch(t, r, h, shellCall(t, "p1", args))

			target := filepath.Join(outside, "x")
			events, execAsks, patchAsks := h.recorded()
			assert.Empty(t, execAsks)
			assert.Empty(t, eventsOf[protocol.ExecCommandBeginEvent](h), "a patch is not run as a command")
			assert.Contains(t, out.Output, tt.output)
			assert.Equal(t, tt.written, fileExists(t, target))
			assert.False(t, fileExists(t, filepath.Join(cwd, "x")))
			assertPatchPaired(t, events)
			begins := eventsOf[protocol.PatchApplyBeginEvent](h)
			if tt.asked {
				require.Len(t, patchAsks, 1)
				assert.Equal(t, "p1", patchAsks[0].callID)
				assert.Contains(t, patchAsks[0].changes, target)
				require.NotNil(t, patchAsks[0].reason)
				assert.Contains(t, *patchAsks[0].reason, target)
			} else {
				assert.Empty(t, patchAsks)
			}
			if tt.written {
				require.Len(t, begins, 1)
				assert.False(t, begins[0].AutoApproved)
			} else {
				assert.Empty(t, begins)
			}
		})
	}
}

func TestShellPatchInsideCwdIsAutoApplied(t *testing.T) {
	cwd, _ := workspace(t)
	h := newHarness(t, cwd, protocol.ApprovalNever, workspaceWrite())
	r := newRouter(t, tools.Settings{Model: "gpt-4.1"})
	out := dispatch(t, r, h, shellCall(t, "p1", map[string]any{"command": []string{"apply_patch", patchAddX}}))

	o := decodeShellOutput(t, out.Output)
	assert.Equal(t, 0, o.Metadata.ExitCode)
	assert.Equal(t, "Success. Updated the following files:\nA x\n", o.Output)
	data, err := os.ReadFile(filepath.Join(cwd, "x"))
	require.NoError(t, err)
	assert.Equal(t, "hi\n", string(data))
	begins := eventsOf[protocol.PatchApplyBeginEvent](h)
	require.Len(t, begins, 1)
	assert.True(t, begins[0].AutoApproved)
	_, _, asks := h.recorded()
	assert.Empty(t, asks)
}

// gitHookPatch adds a pre-commit hook to the repository in cwd.
const gitHookPatch = "*** Begin Patch\n*** Add File: .git/hooks/pre-commit\n+#!/bin/sh\n+echo owned\n*** End Patch\n"

func TestPatchIntoGitDirIsNeverAutoApplied(t *testing.T) {
	tests := []struct {
		name      string
		approval  protocol.AskForApproval
		item      func(t *testing.T) protocol.ResponseItem
		settings  tools.Settings
		decisions []protocol.ReviewDecision
		asked     bool
		written   bool
		output    string
	}{
		{
			name:     "function tool under never is refused",
			approval: protocol.ApprovalNever,
			settings: tools.Settings{Model: "gpt-4.1", IncludeApplyPatchTool: true},
			item: func(t *testing.T) protocol.ResponseItem {
				return functionCall(t, "apply_patch", "p1", map[string]string{"input": gitHookPatch})
			},
			output: "outside the writable roots",
		},
		{
			name:     "shell under never is refused",
			approval: protocol.ApprovalNever,
			settings: tools.Settings{Model: "gpt-4.1"},
			item: func(t *testing.T) protocol.ResponseItem {
				return shellCall(t, "p1", map[string]any{"command": []string{"apply_patch", gitHookPatch}})
			},
			output: "outside the writable roots",
		},
		{
			name:     "custom tool under on-request asks, denied",
			approval: protocol.ApprovalOnRequest,
			settings: tools.Settings{Model: "gpt-5", IncludeApplyPatchTool: true},
			item: func(*testing.T) protocol.ResponseItem {
				return protocol.ResponseItem{Type: protocol.ItemCustomToolCall, Name: "apply_patch", CallID: "p1", Input: gitHookPatch}
			},
			decisions: []protocol.ReviewDecision{protocol.DecisionDenied},
			asked:     true,
			output:    tools.PatchRejectedByUser,
		},
		{
			name:     "shell under on-request asks, approved",
			approval: protocol.ApprovalOnRequest,
			settings: tools.Settings{Model: "gpt-4.1"},
			item: func(t *testing.T) protocol.ResponseItem {
				return shellCall(t, "p1", map[string]any{"command": []string{"apply_patch", gitHookPatch}})
			},
			decisions: []protocol.ReviewDecision{protocol.DecisionApprovedForSession},
			asked:     true,
			written:   true,
			output:    `"exit_code":0`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd, _ := workspace(t)
			require.NoError(t, os.MkdirAll(filepath.Join(cwd, ".git", "hooks"), 0o755))
			h := newHarness(t, cwd, tt.approval, workspaceWrite()).answerPatch(tt.decisions...)
			r := newRouter(t, tt.settings)
			out := dispatch(t, r, h, tt.item(t))

			hook := filepath.Join(cwd, ".git", "hooks", "pre-commit")
			assert.Contains(t, out.Output, tt.output)
			assert.Equal(t, tt.written, fileExists(t, hook))
			_, _, asks := h.recorded()
			if tt.asked {
				require.Len(t, asks, 1)
				assert.Contains(t, asks[0].changes, hook)
			} else {
				assert.Empty(t, asks)
			}
			for _, b := range eventsOf[protocol.PatchApplyBeginEvent](h) {
				assert.False(t, b.AutoApproved, "a patch into .git was auto-approved")
			}
		})
	}
}

func TestPatchOutputs(t *testing.T) {
	tests := []struct {
		name     string
		settings tools.Settings
		item     func(t *testing.T) protocol.ResponseItem
		outType  string
		check    func(t *testing.T, out string)
	}{
		{
			name:     "function tool",
			settings: tools.Settings{Model: "gpt-4.1", IncludeApplyPatchTool: true},
			item: func(t *testing.T) protocol.ResponseItem {
				return functionCall(t, "apply_patch", "p1", map[string]string{"input": patchAddX})
			},
			outType: protocol.ItemFunctionCallOutput,
			check: func(t *testing.T, out string) {
				o := decodeShellOutput(t, out)
				assert.Equal(t, 0, o.Metadata.ExitCode)
				assert.Equal(t, "Success. Updated the following files:\nA x\n", o.Output)
			},
		},
		{
			name:     "custom tool",
			settings: tools.Settings{Model: "gpt-5", IncludeApplyPatchTool: true},
			item: func(*testing.T) protocol.ResponseItem {
				return protocol.ResponseItem{Type: protocol.ItemCustomToolCall, Name: "apply_patch", CallID: "p1", Input: patchAddX}
			},
			outType: protocol.ItemCustomToolCallOutput,
			check: func(t *testing.T, out string) {
				assert.True(t, strings.HasPrefix(out, "Exit code: 0"), out)
				assert.Regexp(t, regexp.MustCompile(`^Exit code: 0\nWall time: \d+(\.\d)? seconds\nOutput:\nSuccess\. Updated the following files:\nA x\n$`), out)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd, _ := workspace(t)
			h := newHarness(t, cwd, protocol.ApprovalOnRequest, workspaceWrite())
			r := newRouter(t, tt.settings)
			out := dispatch(t, r, h, tt.item(t))
			assert.Equal(t, tt.outType, out.Type)
			assert.Equal(t, "p1", out.CallID)
			tt.check(t, out.Output)

			events, _, _ := h.recorded()
			assertPatchPaired(t, events)
			begins := eventsOf[protocol.PatchApplyBeginEvent](h)
			require.Len(t, begins, 1)
			assert.Equal(t, "p1", begins[0].CallID)
			assert.True(t, begins[0].AutoApproved)
			target := filepath.Join(cwd, "x")
			assert.Equal(t, protocol.FileChange{Add: &protocol.FileAdd{Content: "hi\n"}}, begins[0].Changes[target])
			ends := eventsOf[protocol.PatchApplyEndEvent](h)
			require.Len(t, ends, 1)
			assert.True(t, ends[0].Success)
			assert.Equal(t, "Success. Updated the following files:\nA x\n", ends[0].Stdout)
			diffs := eventsOf[protocol.TurnDiffEvent](h)
			require.Len(t, diffs, 1)
			assert.Contains(t, diffs[0].UnifiedDiff, "+hi\n")
		})
	}
}

func TestPatchTurnDiffAccumulates(t *testing.T) {
	cwd, _ := workspace(t)
	require.NoError(t, os.WriteFile(filepath.Join(cwd, "a.txt"), []byte("old\n"), 0o644))
	h := newHarness(t, cwd, protocol.ApprovalOnRequest, workspaceWrite())
	r := newRouter(t, tools.Settings{Model: "gpt-5", IncludeApplyPatchTool: true})

	dispatch(t, r, h, protocol.ResponseItem{Type: protocol.ItemCustomToolCall, Name: "apply_patch", CallID: "p1",
		Input: "*** Begin Patch\n*** Update File: a.txt\n@@\n-old\n+new\n*** End Patch\n"})
	dispatch(t, r, h, protocol.ResponseItem{Type: protocol.ItemCustomToolCall, Name: "apply_patch", CallID: "p2", Input: patchAddX})

	data, err := os.ReadFile(filepath.Join(cwd, "a.txt"))
	require.NoError(t, err)
	assert.Equal(t, "new\n", string(data))
	diffs := eventsOf[protocol.TurnDiffEvent](h)
	require.Len(t, diffs, 2)
	assert.Contains(t, diffs[0].UnifiedDiff, "-old\n+new\n")
	assert.NotContains(t, diffs[0].UnifiedDiff, "+hi\n")
	assert.Contains(t, diffs[1].UnifiedDiff, "-old\n+new\n", "the second diff covers the whole turn")
	assert.Contains(t, diffs[1].UnifiedDiff, "+hi\n")
	events, _, _ := h.recorded()
	assertPatchPaired(t, events)
}

func TestPatchFailuresAreReportedToTheModel(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"not a patch", "hello", "Begin Patch"},
		{"update of a missing file", "*** Begin Patch\n*** Update File: missing.txt\n@@\n-a\n+b\n*** End Patch\n", "patch verification failed"},
		{"context does not match", "*** Begin Patch\n*** Update File: a.txt\n@@\n-nothing like this\n+b\n*** End Patch\n", "patch verification failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd, _ := workspace(t)
			require.NoError(t, os.WriteFile(filepath.Join(cwd, "a.txt"), []byte("old\n"), 0o644))
			h := newHarness(t, cwd, protocol.ApprovalOnRequest, workspaceWrite())
			r := newRouter(t, tools.Settings{Model: "gpt-5", IncludeApplyPatchTool: true})
			out := dispatch(t, r, h, protocol.ResponseItem{Type: protocol.ItemCustomToolCall, Name: "apply_patch", CallID: "p1", Input: tt.input})
			assert.Equal(t, protocol.ItemCustomToolCallOutput, out.Type)
			assert.NotEmpty(t, out.Output)
			assert.Contains(t, out.Output, tt.want)
			assert.False(t, strings.HasPrefix(out.Output, "Exit code: 0"), out.Output)
			events, _, _ := h.recorded()
			assert.Empty(t, events, "nothing is applied or announced")
			data, err := os.ReadFile(filepath.Join(cwd, "a.txt"))
			require.NoError(t, err)
			assert.Equal(t, "old\n", string(data))
		})
	}
}

func TestPatchAbortEndsTheTurn(t *testing.T) {
	cwd, outside := workspace(t)
	h := newHarness(t, cwd, protocol.ApprovalOnRequest, workspaceWrite()).answerPatch(protocol.DecisionAbort)
	r := newRouter(t, tools.Settings{Model: "gpt-4.1"})
	_, err := r.Dispatch(t.Context(), h.turn, shellCall(t, "p1", map[string]any{
		"command": []string{"apply_patch", patchAddX}, "workdir": outside,
	}))
	require.ErrorIs(t, err, tools.ErrTurnAborted)
	events, _, asks := h.recorded()
	assert.Len(t, asks, 1)
	assert.Empty(t, events)
	assert.False(t, fileExists(t, filepath.Join(outside, "x")))
}

func TestPatchUnderUntrustedAlwaysAsks(t *testing.T) {
	cwd, _ := workspace(t)
	h := newHarness(t, cwd, protocol.ApprovalUntrusted, workspaceWrite()).answerPatch(protocol.DecisionApproved)
	r := newRouter(t, tools.Settings{Model: "gpt-4.1", IncludeApplyPatchTool: true})
	out := dispatch(t, r, h, functionCall(t, "apply_patch", "p1", map[string]string{"input": patchAddX}))
	assert.Equal(t, 0, decodeShellOutput(t, out.Output).Metadata.ExitCode)
	_, _, asks := h.recorded()
	assert.Len(t, asks, 1)
	begins := eventsOf[protocol.PatchApplyBeginEvent](h)
	require.Len(t, begins, 1)
	assert.False(t, begins[0].AutoApproved)
	assert.True(t, fileExists(t, filepath.Join(cwd, "x")))
}

func TestPatchEscapingCwdIsRefusedUnderNever(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, cwd, outside string) (patchText, target string)
		asFunc bool
	}{
		{
			name: "absolute path outside",
			setup: func(_ *testing.T, _, outside string) (string, string) {
				target := filepath.Join(outside, "x")
				return "*** Begin Patch\n*** Add File: " + target + "\n+hi\n*** End Patch\n", target
			},
		},
		{
			name: "dot-dot path",
			setup: func(_ *testing.T, _, outside string) (string, string) {
				return "*** Begin Patch\n*** Add File: ../outside/x\n+hi\n*** End Patch\n", filepath.Join(outside, "x")
			},
		},
		{
			name: "symlink in cwd to outside",
			setup: func(t *testing.T, cwd, outside string) (string, string) {
				require.NoError(t, os.Symlink(outside, filepath.Join(cwd, "link")))
				return "*** Begin Patch\n*** Add File: link/x\n+hi\n*** End Patch\n", filepath.Join(outside, "x")
			},
			asFunc: true,
		},
		{
			name: "move to outside",
			setup: func(t *testing.T, cwd, outside string) (string, string) {
				require.NoError(t, os.WriteFile(filepath.Join(cwd, "a.txt"), []byte("old\n"), 0o644))
				target := filepath.Join(outside, "moved.txt")
				return "*** Begin Patch\n*** Update File: a.txt\n*** Move to: " + target + "\n@@\n-old\n+new\n*** End Patch\n", target
			},
			asFunc: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd, outside := workspace(t)
			text, target := tt.setup(t, cwd, outside)
			h := newHarness(t, cwd, protocol.ApprovalNever, workspaceWrite())
			r := newRouter(t, tools.Settings{Model: "gpt-4.1", IncludeApplyPatchTool: true})
			item := shellCall(t, "p1", map[string]any{"command": []string{"apply_patch", text}})
			if tt.asFunc {
				item = functionCall(t, "apply_patch", "p1", map[string]string{"input": text})
			}
			out := dispatch(t, r, h, item)
			assert.Contains(t, out.Output, "outside the writable roots")
			assert.False(t, fileExists(t, target))
			events, _, asks := h.recorded()
			assert.Empty(t, asks)
			assert.Empty(t, events)
		})
	}
}
