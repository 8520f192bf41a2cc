package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/codex-go/codex/core/approval"
	"github.com/codex-go/codex/core/exec"
	"github.com/codex-go/codex/core/patch"
	"github.com/codex-go/codex/core/projectdoc"
	"github.com/codex-go/codex/protocol"
)

// applyPatchFreeformSpec offers apply_patch as a free-form tool whose input
// is the patch itself, constrained by a grammar of the patch format.
const applyPatchFreeformSpec = `{"type":"custom","name":"apply_patch","description":"Edits files with a patch. Send the patch text itself (not JSON): it starts with *** Begin Patch and ends with *** End Patch.","format":{"type":"grammar","syntax":"lark","definition":` + patchGrammarJSON + `}}`

// patchGrammarJSON is a Lark grammar of the patch format, as a JSON string.
const patchGrammarJSON = `"start: begin ops end\nbegin: \"*** Begin Patch\" LF\nend: \"*** End Patch\" LF?\nops: op+\nop: add | delete | update\nadd: \"*** Add File: \" path LF added+\ndelete: \"*** Delete File: \" path LF\nupdate: \"*** Update File: \" path LF move? chunk*\nmove: \"*** Move to: \" path LF\nchunk: header? body+ eof?\nheader: (\"@@\" | \"@@ \" /(.+)/) LF\nbody: (\" \" | \"-\" | \"+\") /(.*)/ LF\neof: \"*** End of File\" LF\nadded: \"+\" /(.*)/ LF\npath: /(.+)/\n%import common.LF\n"`

// applyPatchFunctionSpec offers apply_patch as a function tool taking the patch in "input".
const applyPatchFunctionSpec = `{"type":"function","name":"apply_patch","description":"Edits files with a patch in the *** Begin Patch / *** End Patch format: *** Add File, *** Delete File and *** Update File sections (with an optional *** Move to), where update hunks start with @@ and mark lines with a space (context), - (removed) or + (added).","strict":false,"parameters":{"type":"object","properties":{"input":{"type":"string","description":"The whole patch"}},"required":["input"],"additionalProperties":false}}`

// patchHandler applies apply_patch calls.
type patchHandler struct {
	env ExecEnv
}

// patchOutput formats what the model is told about a patch.
type patchOutput func(summary string, success bool, d time.Duration) string

// Handle decodes the call and applies the patch.
func (h *patchHandler) Handle(ctx context.Context, t *Turn, c Call) (string, error) {
	text := c.Arguments
	format := freeformPatchOutput
	if c.Item.Type == protocol.ItemFunctionCall {
		var args struct {
			Input string `json:"input"`
		}
		if err := json.Unmarshal([]byte(c.Arguments), &args); err != nil {
			return "", fmt.Errorf("failed to parse function arguments: %w", err)
		}
		text = args.Input
		format = shellPatchOutput
	}
	return h.apply(ctx, t, c.CallID, text, t.Cwd, format)
}

// apply verifies a patch completely, asks when the policy says so, writes
// it and reports the result and the turn's diff. An auto-approved patch
// under a policy that restricts writes is written inside the sandbox (see
// writesInSandbox); any other is written by the server.
func (h *patchHandler) apply(ctx context.Context, t *Turn, callID, text, cwd string, format patchOutput) (string, error) {
	start := time.Now()
	parsed, err := patch.Parse(text)
	if err != nil {
		return "", err
	}
	plan, err := patch.Verify(parsed, cwd)
	if err != nil {
		return "", fmt.Errorf("patch verification failed: %w", err)
	}
	// The writable roots are the turn's, wherever the patch is applied from.
	var roots, readOnly []string
	if h.env.WritableRoots != nil {
		for _, r := range h.env.WritableRoots(t.SandboxPolicy, t.Cwd) {
			roots = append(roots, r.Root)
			readOnly = append(readOnly, r.ReadOnlySubpaths...)
		}
	}
	decision, reason := approval.AssessPatch(t.ApprovalPolicy, t.SandboxPolicy, roots, readOnly, plan.Paths())
	autoApproved := decision == approval.AutoApprove
	switch decision {
	case approval.RejectPatch:
		return reason, nil
	case approval.AskPatch:
		var why *string
		if reason != "" {
			why = &reason
		}
		d, err := t.AskPatch(ctx, callID, plan.Changes, why, nil)
		if err != nil {
			return "", err
		}
		switch d {
		case protocol.DecisionApproved, protocol.DecisionApprovedForSession:
		case protocol.DecisionAbort:
			return "", ErrTurnAborted
		default:
			return PatchRejectedByUser, nil
		}
	}
	if t.Diffs != nil {
		if err := t.Diffs.Track(plan.Paths()); err != nil {
			return "", fmt.Errorf("record files before patching: %w", err)
		}
	}
	t.Emit(protocol.PatchApplyBeginEvent{CallID: callID, AutoApproved: autoApproved, Changes: plan.Changes})
	var summary string
	var applyErr error
	if writesInSandbox(autoApproved, t.SandboxPolicy) {
		summary, applyErr = h.applySandboxed(ctx, t, plan)
	} else {
		// The user approved these paths, or nothing is restricted:
		// the server writes them (see patch.Plan.Apply for what is
		// guaranteed against files swapped since verification).
		summary, applyErr = plan.Apply()
	}
	end := protocol.PatchApplyEndEvent{CallID: callID, Stdout: summary, Success: applyErr == nil}
	if applyErr != nil {
		end.Stderr = applyErr.Error()
	}
	t.Emit(end)
	if diff := TurnDiff(t.Diffs, cwd); diff != "" {
		t.Emit(protocol.TurnDiffEvent{UnifiedDiff: diff})
	}
	if applyErr != nil {
		return "", errors.Join(errors.New("patch failed"), applyErr)
	}
	return format(summary, true, time.Since(start)), nil
}

// shellPatchOutput reports a patch like a shell command's output.
func shellPatchOutput(summary string, success bool, d time.Duration) string {
	code := 0
	if !success {
		code = 1
	}
	return exec.FormatForModel(exec.Result{ExitCode: code, Aggregated: summary, Stdout: summary, Duration: d})
}

// freeformPatchOutput reports a patch to a free-form tool call as plain text.
func freeformPatchOutput(summary string, success bool, d time.Duration) string {
	code := 0
	if !success {
		code = 1
	}
	return fmt.Sprintf("Exit code: %d\nWall time: %g seconds\nOutput:\n%s", code, roundTenth(d), summary)
}

func roundTenth(d time.Duration) float64 {
	return float64(int64(d.Seconds()*10+0.5)) / 10
}

// TurnDiff returns the diff of the files a turn's patches changed, "" when
// there is none or diffs is nil. Files are named from the root of the git
// repository holding cwd, and by absolute path outside a repository.
func TurnDiff(diffs *patch.TurnDiffTracker, cwd string) string {
	if diffs == nil {
		return ""
	}
	root, _ := projectdoc.GitRoot(cwd)
	return diffs.Diff(root)
}
