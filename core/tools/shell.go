package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/codex-go/codex/core/approval"
	"github.com/codex-go/codex/core/exec"
	"github.com/codex-go/codex/core/patch"
	"github.com/codex-go/codex/core/shellparse"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/sandbox"
)

// Texts returned to the model when the user refuses an action.
const (
	// RejectedByUser answers a command the user denied.
	RejectedByUser = "exec command rejected by user"
	// PatchRejectedByUser answers a patch the user denied.
	PatchRejectedByUser = "patch rejected by user"
)

// shellSpec describes the shell tool to the model.
const shellSpec = `{"type":"function","name":"shell","description":"Runs a command and returns what it printed. Give the command as an argument vector, for example [\"bash\", \"-lc\", \"ls -la\"].","strict":false,"parameters":{"type":"object","properties":{"command":{"type":"array","items":{"type":"string"},"description":"The command and its arguments"},"justification":{"type":"string","description":"When with_escalated_permissions is true: one sentence saying why the command must run outside the sandbox"},"timeout_ms":{"type":"number","description":"Time limit for the command in milliseconds"},"with_escalated_permissions":{"type":"boolean","description":"Ask the user to run this command without sandbox restrictions"},"workdir":{"type":"string","description":"Directory to run the command in"}},"required":["command"],"additionalProperties":false}}`

// localShellSpec offers the built-in local_shell tool to models trained on it.
const localShellSpec = `{"type":"local_shell"}`

// shellArgs are the arguments of a shell call.
type shellArgs struct {
	Command                  []string `json:"command"`
	Workdir                  *string  `json:"workdir"`
	TimeoutMs                *int64   `json:"timeout_ms"`
	WithEscalatedPermissions *bool    `json:"with_escalated_permissions"`
	Justification            *string  `json:"justification"`
}

// ExecEnv is what running commands needs from the program.
type ExecEnv struct {
	// SelfExe is the running binary, which acts as the sandbox helper and
	// the patch writer (see sandbox.RunHelperIfRequested).
	SelfExe string
	// Env builds the environment of a command.
	Env func() []string
	// WritableRoots lists the directories a turn's sandbox lets commands
	// write, with the subpaths that stay read-only.
	WritableRoots func(p protocol.SandboxPolicy, cwd string) []sandbox.WritableRoot
	// Protect lists paths protected beyond the sandbox policy (the
	// configuration directory).
	Protect sandbox.Protection
}

// shellHandler runs shell and local_shell calls.
type shellHandler struct {
	env   ExecEnv
	patch *patchHandler
	// textOutput reports commands as plain text rather than JSON.
	textOutput bool
}

// Handle decodes the call and runs it.
func (h *shellHandler) Handle(ctx context.Context, t *Turn, c Call) (string, error) {
	var args shellArgs
	if c.Item.Type == protocol.ItemLocalShellCall {
		var action protocol.LocalShellAction
		if err := json.Unmarshal(c.Item.Action, &action); err != nil {
			return "", fmt.Errorf("failed to parse local_shell action: %w", err)
		}
		args = shellArgs{Command: action.Command, Workdir: action.WorkingDirectory, TimeoutMs: action.TimeoutMs}
	} else if err := json.Unmarshal([]byte(c.Arguments), &args); err != nil {
		return "", fmt.Errorf("failed to parse function arguments: %w", err)
	}
	if len(args.Command) == 0 {
		return "", errors.New("failed to parse function arguments: command is empty")
	}
	cwd := t.Cwd
	if args.Workdir != nil && *args.Workdir != "" {
		cwd = resolvePath(t.Cwd, *args.Workdir)
	}
	// A patch sent through the shell is applied as an apply_patch call.
	if text, dir, ok := patch.FromShellArgv(args.Command); ok && h.patch != nil {
		if dir != "" {
			cwd = resolvePath(cwd, dir)
		}
		return h.patch.apply(ctx, t, c.CallID, text, cwd, shellPatchOutput)
	}
	timeout := exec.DefaultTimeout
	if args.TimeoutMs != nil && *args.TimeoutMs > 0 {
		timeout = time.Duration(*args.TimeoutMs) * time.Millisecond
	}
	escalated := args.WithEscalatedPermissions != nil && *args.WithEscalatedPermissions
	justification := ""
	if args.Justification != nil {
		justification = *args.Justification
	}
	return h.run(ctx, t, c.CallID, args.Command, cwd, timeout, escalated, justification)
}

// run decides, asks when needed, executes and reports one command.
func (h *shellHandler) run(ctx context.Context, t *Turn, callID string, argv []string, cwd string, timeout time.Duration, escalated bool, justification string) (string, error) {
	a := approval.AssessExec(t.ApprovalPolicy, t.SandboxPolicy, argv, escalated, justification, t.Approved.Has)
	t.Emit(protocol.ExecCommandBeginEvent{CallID: callID, Command: argv, Cwd: cwd, ParsedCmd: shellparse.Parse(argv),
		AwaitsApproval: a.Decision == approval.Ask})
	end := func(r exec.Result) {
		t.Emit(protocol.ExecCommandEndEvent{
			CallID: callID, Stdout: r.Stdout, Stderr: r.Stderr, AggregatedOutput: r.Aggregated,
			ExitCode: r.ExitCode, Duration: protocol.DurationOf(r.Duration), FormattedOutput: exec.FormattedOutput(r),
		})
	}
	sandboxed := a.Decision == approval.RunSandboxed
	switch a.Decision {
	case approval.Reject:
		end(exec.Result{ExitCode: -1, Stderr: a.Reason, Aggregated: a.Reason})
		return a.Reason, nil
	case approval.Ask:
		ok, err := h.ask(ctx, t, callID, argv, cwd, a.Reason)
		if err != nil {
			// An aborted turn ends with turn_aborted alone.
			return "", err
		}
		if !ok {
			end(exec.Result{ExitCode: -1, Stderr: RejectedByUser, Aggregated: RejectedByUser})
			return RejectedByUser, nil
		}
		// A command the user approved runs outside the sandbox.
		sandboxed = false
	}
	r, err := h.exec(ctx, t, callID, argv, cwd, timeout, sandboxed)
	if err != nil {
		// A command killed by an interrupt ends with the turn's
		// turn_aborted alone, as codex-cli 0.45.0 does.
		if ctx.Err() == nil {
			end(notCompleted(r, err))
		}
		return "", err
	}
	if sandboxed && t.SandboxPolicy.Mode != protocol.SandboxDangerFullAccess && r.ExitCode != 0 && exec.LikelyDenied(r) {
		r, err = h.afterDenial(ctx, t, callID, argv, cwd, timeout, r)
		if errors.Is(err, ErrTurnAborted) {
			return "", err
		}
		if err != nil {
			if ctx.Err() == nil {
				end(notCompleted(r, err))
			}
			return "", err
		}
		if r.ExitCode == -1 {
			end(r)
			return r.Stderr, nil
		}
	}
	end(r)
	if h.textOutput {
		return textExecOutput(r), nil
	}
	return exec.FormatForModel(r), nil
}

// notCompleted is the Result reported in exec_command_end for a run that
// returned an error. A command that never started (an empty Result) is
// reported with exit code -1 and the error, not as a success.
func notCompleted(r exec.Result, err error) exec.Result {
	if r == (exec.Result{}) {
		msg := err.Error()
		return exec.Result{ExitCode: -1, Stderr: msg, Aggregated: msg}
	}
	return r
}

// textExecOutput reports a command as plain text, the form used alongside
// free-form tools.
func textExecOutput(r exec.Result) string {
	out := exec.FormattedOutput(r)
	if r.TimedOut {
		out = fmt.Sprintf("command timed out after %d milliseconds\n", r.Duration.Milliseconds()) + out
	}
	return fmt.Sprintf("Exit code: %d\nWall time: %g seconds\nOutput:\n%s", r.ExitCode, roundTenth(r.Duration), out)
}

// afterDenial handles a sandboxed run the sandbox refused: it asks to retry
// without the sandbox, or reports the refusal, as the approval policy says.
// A returned Result with exit code -1 is a refusal to report as is.
func (h *shellHandler) afterDenial(ctx context.Context, t *Turn, callID string, argv []string, cwd string, timeout time.Duration, denied exec.Result) (exec.Result, error) {
	if !t.Approved.Has(argv) {
		a := approval.AfterSandboxFailure(t.ApprovalPolicy)
		if a.Decision != approval.Ask {
			text := exec.FailedInSandboxText(denied)
			return exec.Result{ExitCode: -1, Stderr: text, Aggregated: text}, nil
		}
		t.Emit(protocol.BackgroundEvent{Message: exec.SandboxDeniedMessage(denied)})
		ok, err := h.ask(ctx, t, callID, argv, cwd, a.Reason)
		if err != nil {
			return denied, err
		}
		if !ok {
			return exec.Result{ExitCode: -1, Stderr: RejectedByUser, Aggregated: RejectedByUser}, nil
		}
	}
	t.Emit(protocol.BackgroundEvent{Message: "retrying command without sandbox"})
	return h.exec(ctx, t, callID, argv, cwd, timeout, false)
}

// ask requests approval; it reports whether the command may run and
// returns ErrTurnAborted when the user aborted the turn.
func (h *shellHandler) ask(ctx context.Context, t *Turn, callID string, argv []string, cwd, reason string) (bool, error) {
	var why *string
	if reason != "" {
		why = &reason
	}
	d, err := t.AskExec(ctx, callID, argv, cwd, why)
	if err != nil {
		return false, err
	}
	switch d {
	case protocol.DecisionApproved:
		return true, nil
	case protocol.DecisionApprovedForSession:
		t.Approved.Add(argv)
		return true, nil
	case protocol.DecisionAbort:
		return false, ErrTurnAborted
	}
	return false, nil
}

// exec runs argv, under the turn's sandbox when sandboxed is set, streaming
// output deltas.
func (h *shellHandler) exec(ctx context.Context, t *Turn, callID string, argv []string, cwd string, timeout time.Duration, sandboxed bool) (exec.Result, error) {
	var env []string
	if h.env.Env != nil {
		env = h.env.Env()
	}
	// The sandbox is evaluated for the turn's directory, wherever the
	// command runs: a workdir must not make itself writable.
	return exec.Run(ctx, exec.Params{
		Command: argv, Cwd: cwd, SandboxCwd: t.Cwd, Timeout: timeout, Env: env,
		Sandbox: t.SandboxPolicy, Unsandboxed: !sandboxed, SelfExe: h.env.SelfExe,
		Protect: h.env.Protect,
	}, func(s exec.Stream, chunk []byte) {
		t.Emit(protocol.ExecCommandOutputDeltaEvent{CallID: callID, Stream: string(s), Chunk: chunk})
	})
}

// resolvePath makes p absolute against base.
func resolvePath(base, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(base, p)
}
