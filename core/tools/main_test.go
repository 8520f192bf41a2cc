package tools_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/codex-go/codex/core/approval"
	"github.com/codex-go/codex/core/patch"
	"github.com/codex-go/codex/core/tools"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/sandbox"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMain lets the test binary act as the sandbox helper and as the patch
// writer, so sandboxed commands and patches run through it as
// ExecEnv.SelfExe.
func TestMain(m *testing.M) {
	sandbox.RunHelperIfRequested()
	// Under -race a child that exits with status 0 first sleeps for a
	// second (the race runtime's atexit_sleep_ms); the patch writer, which
	// is this binary, must not.
	if _, set := os.LookupEnv("GORACE"); !set {
		if err := os.Setenv("GORACE", "atexit_sleep_ms=0"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}

// workspaceWrite is the workspace-write policy of the tests. The temporary
// directories are excluded so that t.TempDir() (below /tmp) is writable
// only through the turn's cwd.
func workspaceWrite() protocol.SandboxPolicy {
	return protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, ExcludeTmpdirEnvVar: true, ExcludeSlashTmp: true}
}

// execAsk records one AskExec call.
type execAsk struct {
	callID  string
	command []string
	cwd     string
	reason  *string
}

// patchAsk records one AskPatch call.
type patchAsk struct {
	callID  string
	changes map[string]protocol.FileChange
	reason  *string
}

// harness is a real Turn whose callbacks record what the handlers do and
// answer approval requests from scripted decisions.
type harness struct {
	t    *testing.T
	turn *tools.Turn

	mu             sync.Mutex
	events         []protocol.EventMsg
	inputs         []protocol.ResponseItem
	execAsks       []execAsk
	patchAsks      []patchAsk
	execDecisions  []protocol.ReviewDecision
	patchDecisions []protocol.ReviewDecision
}

// newHarness returns a turn running in cwd under the given policies.
func newHarness(t *testing.T, cwd string, ap protocol.AskForApproval, sp protocol.SandboxPolicy) *harness {
	t.Helper()
	h := &harness{t: t}
	h.turn = &tools.Turn{
		SubID:          "sub-1",
		ConversationID: "conv-1",
		TurnContext:    protocol.TurnContext{Cwd: cwd, ApprovalPolicy: ap, SandboxPolicy: sp},
		Emit: func(m protocol.EventMsg) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.events = append(h.events, m)
		},
		AskExec: func(_ context.Context, callID string, command []string, cwd string, reason *string) (protocol.ReviewDecision, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.execAsks = append(h.execAsks, execAsk{callID: callID, command: command, cwd: cwd, reason: reason})
			if len(h.execDecisions) == 0 {
				h.t.Errorf("unexpected exec approval request for %q", command)
				return protocol.DecisionDenied, nil
			}
			d := h.execDecisions[0]
			h.execDecisions = h.execDecisions[1:]
			return d, nil
		},
		AskPatch: func(_ context.Context, callID string, changes map[string]protocol.FileChange, reason, _ *string) (protocol.ReviewDecision, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.patchAsks = append(h.patchAsks, patchAsk{callID: callID, changes: changes, reason: reason})
			if len(h.patchDecisions) == 0 {
				h.t.Errorf("unexpected patch approval request for %d files", len(changes))
				return protocol.DecisionDenied, nil
			}
			d := h.patchDecisions[0]
			h.patchDecisions = h.patchDecisions[1:]
			return d, nil
		},
		AddInput: func(items ...protocol.ResponseItem) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.inputs = append(h.inputs, items...)
		},
		Diffs:    patch.NewTurnDiffTracker(),
		Approved: &approval.SessionApprovals{},
	}
	return h
}

// answerExec scripts the answers to the next exec approval requests.
func (h *harness) answerExec(ds ...protocol.ReviewDecision) *harness {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.execDecisions = append(h.execDecisions, ds...)
	return h
}

// answerPatch scripts the answers to the next patch approval requests.
func (h *harness) answerPatch(ds ...protocol.ReviewDecision) *harness {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.patchDecisions = append(h.patchDecisions, ds...)
	return h
}

// recorded returns copies of what the turn saw so far.
func (h *harness) recorded() (events []protocol.EventMsg, execAsks []execAsk, patchAsks []patchAsk) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]protocol.EventMsg(nil), h.events...), append([]execAsk(nil), h.execAsks...), append([]patchAsk(nil), h.patchAsks...)
}

// eventsOf returns the recorded events of type T.
func eventsOf[T protocol.EventMsg](h *harness) []T {
	events, _, _ := h.recorded()
	var out []T
	for _, e := range events {
		if v, ok := e.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// assertExecPaired checks that every exec_command_begin is followed by
// exactly one exec_command_end with its call id, and that no end comes
// without a begin.
func assertExecPaired(t *testing.T, events []protocol.EventMsg) {
	t.Helper()
	open := map[string]bool{}
	ended := map[string]int{}
	for _, e := range events {
		switch v := e.(type) {
		case protocol.ExecCommandBeginEvent:
			assert.False(t, open[v.CallID], "second exec_command_begin for %s", v.CallID)
			open[v.CallID] = true
		case protocol.ExecCommandEndEvent:
			assert.True(t, open[v.CallID], "exec_command_end without begin for %s", v.CallID)
			open[v.CallID] = false
			ended[v.CallID]++
		}
	}
	for id, stillOpen := range open {
		assert.False(t, stillOpen, "exec_command_begin without end for %s", id)
		assert.LessOrEqual(t, ended[id], 1, "several exec_command_end for %s", id)
	}
}

// assertPatchPaired checks that patch_apply_begin and patch_apply_end come
// in pairs with the same call id.
func assertPatchPaired(t *testing.T, events []protocol.EventMsg) {
	t.Helper()
	var begins, ends []string
	for _, e := range events {
		switch v := e.(type) {
		case protocol.PatchApplyBeginEvent:
			begins = append(begins, v.CallID)
		case protocol.PatchApplyEndEvent:
			ends = append(ends, v.CallID)
		}
	}
	assert.Equal(t, begins, ends)
}

// newEnv returns the program environment of the tests: the test binary as
// the sandbox helper and the real writable-roots computation.
func newEnv(t *testing.T) tools.ExecEnv {
	t.Helper()
	self, err := os.Executable()
	require.NoError(t, err)
	return tools.ExecEnv{
		SelfExe: self,
		WritableRoots: func(p protocol.SandboxPolicy, cwd string) []sandbox.WritableRoot {
			return sandbox.WritableRoots(p, cwd, os.Getenv)
		},
	}
}

// newRouter builds the router of the given settings.
func newRouter(t *testing.T, s tools.Settings) *tools.Router {
	t.Helper()
	return tools.Build(s, newEnv(t))
}

// workspace returns a fresh cwd and a sibling directory outside it.
func workspace(t *testing.T) (cwd, outside string) {
	t.Helper()
	root, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	cwd = filepath.Join(root, "ws")
	outside = filepath.Join(root, "outside")
	require.NoError(t, os.Mkdir(cwd, 0o755))
	require.NoError(t, os.Mkdir(outside, 0o755))
	return cwd, outside
}

// shellCall returns a function_call of the shell tool with the given arguments.
func shellCall(t *testing.T, callID string, args map[string]any) protocol.ResponseItem {
	t.Helper()
	data, err := json.Marshal(args)
	require.NoError(t, err)
	return protocol.ResponseItem{Type: protocol.ItemFunctionCall, Name: "shell", CallID: callID, Arguments: string(data)}
}

// functionCall returns a function_call of any tool.
func functionCall(t *testing.T, name, callID string, args any) protocol.ResponseItem {
	t.Helper()
	data, err := json.Marshal(args)
	require.NoError(t, err)
	return protocol.ResponseItem{Type: protocol.ItemFunctionCall, Name: name, CallID: callID, Arguments: string(data)}
}

// shellOutput is the JSON output of a shell call.
type shellOutput struct {
	Output   string `json:"output"`
	Metadata struct {
		ExitCode        int     `json:"exit_code"`
		DurationSeconds float64 `json:"duration_seconds"`
	} `json:"metadata"`
}

// decodeShellOutput parses the JSON output of a shell call.
func decodeShellOutput(t *testing.T, out string) shellOutput {
	t.Helper()
	var v shellOutput
	require.NoError(t, json.Unmarshal([]byte(out), &v), "output %q", out)
	return v
}

// dispatch runs item through r and requires it not to end the turn.
func dispatch(t *testing.T, r *tools.Router, h *harness, item protocol.ResponseItem) protocol.ResponseItem {
	t.Helper()
	out, err := r.Dispatch(t.Context(), h.turn, item)
	require.NoError(t, err)
	return out
}

// mkdir creates the directory path.
func mkdir(path string) error { return os.Mkdir(path, 0o755) }
