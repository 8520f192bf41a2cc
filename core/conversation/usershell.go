package conversation

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/codex-go/codex/core/exec"
	"github.com/codex-go/codex/core/rollout"
	"github.com/codex-go/codex/core/shellparse"
	"github.com/codex-go/codex/protocol"
)

// DefaultUserShellTimeout bounds a user's shell command whose op sets no
// timeout.
const DefaultUserShellTimeout = time.Hour

// userShellClose closes the record of a user's shell command.
const userShellClose = "</user_shell_command>"

// SubmitUserShell is SubmitWithID for a user's shell command. It reports
// which turn runs the command: the submission id of the running turn it
// joined, or subID when it started a turn of its own.
func (c *Conversation) SubmitUserShell(subID string, op protocol.RunUserShellCommandOp) (string, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return "", ErrClosed
	}
	if subID == "" {
		subID = strconv.FormatUint(c.nextSub, 10)
	}
	c.nextSub++
	c.mu.Unlock()
	return c.handleUserShell(subID, op), nil
}

// handleUserShell runs a user's shell command: as part of the running
// turn when there is one, as a turn of its own otherwise. The command runs
// as the user's own action: it is not submitted for approval and runs
// outside the sandbox, as a command typed in a terminal would. It returns
// the submission id of the turn that runs it.
func (c *Conversation) handleUserShell(subID string, op protocol.RunUserShellCommandOp) string {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return subID
	}
	cwd := c.turnCtx.Cwd
	if t := c.task; t != nil {
		t.joined.Add(1)
		c.mu.Unlock()
		go func() {
			defer t.joined.Done()
			c.runUserShell(t.ctx, t.subID, cwd, op)
		}()
		return t.subID
	}
	ctx, cancel := context.WithCancel(c.ctx)
	t := newTask(ctx, cancel, subID)
	c.task = t
	c.mu.Unlock()
	go c.runUserShellTask(ctx, t, op)
	return subID
}

// runUserShellTask is the turn of a user's shell command. Input sent while
// the command runs joins the turn: the model then gets it, after the
// command's record.
func (c *Conversation) runUserShellTask(ctx context.Context, t *task, op protocol.RunUserShellCommandOp) {
	defer close(t.done)
	c.emit(t.subID, protocol.TaskStartedEvent{ModelContextWindow: c.cfg.ModelContextWindow})
	c.mu.Lock()
	cwd := c.turnCtx.Cwd
	c.mu.Unlock()
	c.runUserShell(ctx, t.subID, cwd, op)
	if ctx.Err() != nil {
		c.finishTask(t)
		c.emitLast(t, protocol.TurnAbortedEvent{Reason: protocol.AbortInterrupted})
		return
	}
	c.mu.Lock()
	pending := c.pending
	c.pending = nil
	if len(pending) == 0 {
		if c.task == t {
			c.task = nil
		}
		c.mu.Unlock()
		c.emitLast(t, protocol.TaskCompleteEvent{})
		return
	}
	tc := c.turnCtx
	c.mu.Unlock()
	c.sampleUntilDone(ctx, t, tc, pending)
}

// runUserShell runs one user's shell command in cwd with the user's shell,
// reports it with the events of a command (marked as the user's), and
// records it with its output in the history, so that the model sees it in
// its next request.
func (c *Conversation) runUserShell(ctx context.Context, subID, cwd string, op protocol.RunUserShellCommandOp) {
	callID := uuid.NewString()
	argv := []string{c.userShellPath(), "-lc", op.Command}
	timeout := DefaultUserShellTimeout
	if op.TimeoutMs != nil {
		timeout = exec.Millis(*op.TimeoutMs)
	}
	c.emit(subID, protocol.ExecCommandBeginEvent{CallID: callID, Command: argv, Cwd: cwd,
		ParsedCmd: shellparse.Parse(argv), UserShell: true})
	res, err := exec.Run(ctx, exec.Params{
		Command: argv, Cwd: cwd, Timeout: timeout, Unsandboxed: true,
		Env: exec.BuildEnv(c.cfg.ShellEnvironmentPolicy, c.deps.Environ()),
	}, func(s exec.Stream, chunk []byte) {
		c.emit(subID, protocol.ExecCommandOutputDeltaEvent{CallID: callID, Stream: string(s), Chunk: chunk})
	})
	if err != nil && res.Duration == 0 {
		msg := fmt.Sprintf("the command could not run: %v\n", err)
		res = exec.Result{ExitCode: -1, Stderr: msg, Aggregated: msg}
	}
	if res.TimedOut {
		note := fmt.Sprintf("command timed out after %d milliseconds\n", timeout.Milliseconds())
		res.Aggregated += note
	}
	c.emit(subID, protocol.ExecCommandEndEvent{
		CallID: callID, Stdout: res.Stdout, Stderr: res.Stderr, AggregatedOutput: res.Aggregated,
		ExitCode: res.ExitCode, Duration: protocol.DurationOf(res.Duration), FormattedOutput: exec.FormattedOutput(res),
	})
	c.recordItems(protocol.UserText(userShellRecord(op.Command, res)))
}

// userShellPath is the user's shell: $SHELL when it names a program by
// its absolute path, else bash, else sh.
func (c *Conversation) userShellPath() string {
	if sh := c.deps.Getenv("SHELL"); filepath.IsAbs(sh) {
		if _, err := os.Stat(sh); err == nil {
			return sh
		}
	}
	if _, err := os.Stat("/bin/bash"); err == nil {
		return "/bin/bash"
	}
	return "/bin/sh"
}

// userShellRecord is the text that tells the model about a shell command
// the user ran: the command line, its exit code, how long it took and
// what it printed (bounded as a tool's output is).
func userShellRecord(command string, res exec.Result) string {
	var b strings.Builder
	b.WriteString(rollout.UserShellCommandTag + "\n")
	b.WriteString("The user ran this command in the shell:\n")
	b.WriteString(command + "\n")
	fmt.Fprintf(&b, "Exit code: %d\n", res.ExitCode)
	fmt.Fprintf(&b, "Duration: %.1f seconds\n", res.Duration.Seconds())
	b.WriteString("Output:\n")
	out := exec.FormattedOutput(res)
	b.WriteString(out)
	if out != "" && !strings.HasSuffix(out, "\n") {
		b.WriteString("\n")
	}
	b.WriteString(userShellClose)
	return b.String()
}
