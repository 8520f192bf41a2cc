// Package headless runs one conversation turn without a user at the
// keyboard: a prompt goes in, the turn runs to its end, and its events come
// out as a readable transcript or as JSON lines. It backs `codex exec`.
package headless

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/core/conversation"
	"github.com/codex-go/codex/core/projectdoc"
	"github.com/codex-go/codex/core/rollout"
	"github.com/codex-go/codex/internal/version"
	"github.com/codex-go/codex/protocol"
)

// Exit statuses of a run.
const (
	// ExitOK is a turn that completed without an error.
	ExitOK = 0
	// ExitFailed is a turn that reported an error or was aborted, or a run
	// that could not start.
	ExitFailed = 1
	// ExitInterrupted is a turn stopped by an interrupt (Ctrl-C).
	ExitInterrupted = 130
)

// Source is the front end recorded in the rollouts of headless runs.
const Source = "exec"

// shutdownTimeout bounds how long the conversation may take to shut down.
const shutdownTimeout = 10 * time.Second

// ErrNotGitRepo is returned when the working directory is outside any git
// repository and the check was not skipped, worded as the reference words
// it.
//
//lint:ignore ST1005 the reference's wording, which scripts may match
var ErrNotGitRepo = errors.New("Not inside a trusted directory (no git repository found). " +
	"Run inside a git repository or pass --skip-git-repo-check.")

// Options configures one run.
type Options struct {
	// CodexHome is the configuration and state directory.
	CodexHome string
	// Overrides are the -c overrides in command-line order.
	Overrides []config.Override
	// Typed holds the typed settings from the command line. An empty
	// approval policy means never: a headless run cannot ask.
	Typed config.Typed
	// FullAuto selects the workspace-write sandbox.
	FullAuto bool
	// SkipGitRepoCheck allows running outside a git repository.
	SkipGitRepoCheck bool
	// IncludePlanTool offers the model the update_plan tool.
	IncludePlanTool bool
	// OutputSchemaFile names a JSON Schema file the model's final answer
	// must follow.
	OutputSchemaFile string
	// Ephemeral leaves the conversation unrecorded.
	Ephemeral bool

	// PromptArgs holds the prompt argument, if any ("-" reads Stdin).
	PromptArgs []string
	// Stdin is read for the prompt when there is no argument or it is "-".
	Stdin io.Reader
	// StdinIsTerminal says that Stdin is a terminal, which is not read
	// unless the argument is "-".
	StdinIsTerminal bool
	// Images are local image files attached to the prompt.
	Images []string

	// ResumeLast continues the most recent recorded conversation.
	ResumeLast bool
	// ResumeID continues the recorded conversation with this id.
	ResumeID string

	// JSON writes every event as one JSON line instead of a transcript.
	JSON bool
	// LastMessageFile, when set, receives the final agent message (possibly
	// empty) when the run ends.
	LastMessageFile string
	// Color styles the transcript with ANSI escapes.
	Color bool
	// Stdout receives the transcript or the JSON lines.
	Stdout io.Writer
	// Stderr receives notes about the run.
	Stderr io.Writer
	// SelfExe is the codex binary, used to run the sandbox helper.
	SelfExe string
	// Now reads the clock for transcript timestamps; nil means time.Now.
	Now func() time.Time
}

// Run runs one turn as opts says and returns the exit status. An interrupt
// is asked for by canceling ctx: the turn is stopped, the conversation shut
// down (its rollout flushed) and ExitInterrupted returned. A non-nil error
// means the run could not start; the status is then ExitFailed.
func Run(ctx context.Context, opts Options) (int, error) {
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	typed := opts.Typed
	if opts.FullAuto {
		if typed.SandboxMode != "" && typed.SandboxMode != protocol.SandboxWorkspaceWrite {
			return ExitFailed, fmt.Errorf("--full-auto selects the workspace-write sandbox and cannot be combined with -s %s", typed.SandboxMode)
		}
		typed.SandboxMode = protocol.SandboxWorkspaceWrite
	}
	if typed.ApprovalPolicy == "" {
		typed.ApprovalPolicy = protocol.ApprovalNever
	}
	if opts.IncludePlanTool {
		include := true
		typed.IncludePlanTool = &include
	}
	if opts.Ephemeral {
		typed.Ephemeral = true
	}
	if opts.OutputSchemaFile != "" {
		schema, err := readOutputSchema(opts.OutputSchemaFile)
		if err != nil {
			return ExitFailed, err
		}
		typed.OutputSchema = schema
	}
	cfg, err := config.Load(config.LoadOptions{CodexHome: opts.CodexHome, Overrides: opts.Overrides, Typed: typed})
	if err != nil {
		return ExitFailed, fmt.Errorf("load configuration: %w", err)
	}
	if !opts.SkipGitRepoCheck {
		if _, ok := projectdoc.GitRoot(cfg.Cwd); !ok {
			return ExitFailed, ErrNotGitRepo
		}
	}
	resumePath, err := findRollout(cfg.CodexHome, opts.ResumeLast, opts.ResumeID)
	if err != nil {
		return ExitFailed, err
	}
	prompt, err := ResolvePrompt(opts.PromptArgs, opts.Stdin, opts.StdinIsTerminal)
	if err != nil {
		return ExitFailed, err
	}
	items, err := inputItems(prompt, opts.Images)
	if err != nil {
		return ExitFailed, err
	}

	mgr := conversation.NewManager(conversation.Deps{
		CodexHome:  cfg.CodexHome,
		Originator: version.Originator,
		Source:     Source,
		SelfExe:    opts.SelfExe,
	})
	bg := context.WithoutCancel(ctx)
	var (
		conv *conversation.Conversation
		sc   protocol.SessionConfiguredEvent
	)
	if resumePath != "" {
		conv, sc, err = mgr.ResumeConversation(bg, cfg, resumePath)
	} else {
		conv, sc, err = mgr.NewConversation(bg, cfg)
	}
	if err != nil {
		return ExitFailed, fmt.Errorf("start conversation: %w", err)
	}

	var out printer
	if opts.JSON {
		out = newJSONLPrinter(opts.Stdout, opts.Stderr)
	} else {
		out = newHumanPrinter(opts.Stdout, opts.Color, opts.Now, cfg.HideAgentReasoning)
	}
	out.header(Summary{
		Version:         version.Version,
		SessionID:       sc.SessionID,
		Workdir:         cfg.Cwd,
		Model:           sc.Model,
		Provider:        cfg.ModelProviderID,
		Approval:        cfg.ApprovalPolicy,
		Sandbox:         cfg.SandboxPolicy,
		ReasoningEffort: sc.ReasoningEffort,
		ResumedFrom:     resumePath,
	}, sc.InitialMessages)
	out.event(protocol.Event{ID: "", Msg: sc})
	out.prompt(prompt, opts.Images)

	r := &run{conv: conv, out: out, stderr: opts.Stderr}
	code := r.drive(ctx, mgr, items)
	if opts.LastMessageFile != "" {
		if err := os.WriteFile(opts.LastMessageFile, []byte(r.lastMessage), 0o644); err != nil {
			fmt.Fprintf(opts.Stderr, "codex: write last message: %v\n", err)
			if code == ExitOK {
				code = ExitFailed
			}
		}
	}
	return code, nil
}

// maxOutputSchemaBytes bounds an --output-schema file.
const maxOutputSchemaBytes = 1 << 20

// readOutputSchema reads an --output-schema file: a JSON object, at most
// maxOutputSchemaBytes.
func readOutputSchema(path string) (json.RawMessage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read output schema: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxOutputSchemaBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read output schema %s: %w", path, err)
	}
	if len(data) > maxOutputSchemaBytes {
		return nil, fmt.Errorf("output schema %s: larger than %d bytes", path, maxOutputSchemaBytes)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("output schema %s: not a JSON object: %w", path, err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		return nil, fmt.Errorf("output schema %s: %w", path, err)
	}
	return compact.Bytes(), nil
}

// findRollout returns the rollout file to resume, or "" for a new
// conversation.
func findRollout(codexHome string, last bool, id string) (string, error) {
	switch {
	case id != "":
		path, err := rollout.FindByID(codexHome, id)
		if err != nil {
			return "", fmt.Errorf("resume: %w", err)
		}
		return path, nil
	case last:
		path, err := rollout.Latest(codexHome)
		if err != nil {
			return "", fmt.Errorf("resume: %w", err)
		}
		return path, nil
	}
	return "", nil
}

// run is the state of one turn as seen from its events.
type run struct {
	conv   *conversation.Conversation
	out    printer
	stderr io.Writer

	started     bool
	failed      bool
	lastMessage string
}

// drive submits the input, shows events until the turn ends (or is
// interrupted through ctx), shuts the conversation down, shows the events
// that remain and returns the exit status.
func (r *run) drive(ctx context.Context, mgr *conversation.Manager, items []protocol.InputItem) int {
	bg := context.WithoutCancel(ctx)
	events := make(chan protocol.Event)
	go func() {
		defer close(events)
		for {
			ev, err := r.conv.NextEvent(bg)
			if err != nil {
				// io.EOF: the conversation was shut down and every event read.
				return
			}
			events <- ev
		}
	}()

	interruptCtx, cancelInterrupt := context.WithCancel(bg)
	defer cancelInterrupt()
	interrupted := false
	var interruptDone chan struct{}

	if _, err := r.conv.Submit(protocol.UserInputOp{Items: items}); err != nil {
		fmt.Fprintf(r.stderr, "codex: submit prompt: %v\n", err)
		r.failed = true
	} else {
		requested := ctx.Done()
	loop:
		for {
			select {
			case <-requested:
				requested = nil
				interrupted = true
				fmt.Fprintln(r.stderr, "codex: interrupting the turn (press Ctrl-C again to quit at once)")
				interruptDone = make(chan struct{})
				go func(done chan struct{}) {
					defer close(done)
					_, _ = r.conv.Interrupt(interruptCtx)
				}(interruptDone)
			case <-interruptDone:
				// The turn has stopped; its last events are queued.
				break loop
			case ev, ok := <-events:
				if !ok || r.handle(ev) {
					break loop
				}
			}
		}
	}

	closeCtx, cancelClose := context.WithTimeout(bg, shutdownTimeout)
	if err := mgr.Close(closeCtx); err != nil {
		fmt.Fprintf(r.stderr, "codex: shut down: %v\n", err)
	}
	cancelClose()
	for ev := range events {
		r.handle(ev)
	}
	if interruptDone != nil {
		cancelInterrupt()
		<-interruptDone
	}

	switch {
	case interrupted:
		return ExitInterrupted
	case r.failed:
		return ExitFailed
	}
	return ExitOK
}

// handle shows one event, answers approval requests and records the
// outcome. It reports whether the turn is over.
func (r *run) handle(ev protocol.Event) bool {
	r.out.event(ev)
	switch m := ev.Msg.(type) {
	case protocol.TaskStartedEvent:
		r.started = true
	case protocol.AgentMessageEvent:
		r.lastMessage = m.Message
	case protocol.TaskCompleteEvent:
		if m.LastAgentMessage != nil {
			r.lastMessage = *m.LastAgentMessage
		}
		return true
	case protocol.ErrorEvent:
		if ev.ID == "" {
			// An error of the session rather than of the turn (an MCP
			// server that failed to start): shown, and the turn goes on.
			// Only a required server's failure fails the run, and that one
			// stops the conversation from starting at all.
			return false
		}
		r.failed = true
		// An error before the turn started means the input was refused
		// and no turn will follow.
		return !r.started
	case protocol.TurnAbortedEvent:
		r.failed = true
		return true
	case protocol.ExecApprovalRequestEvent:
		fmt.Fprintf(r.stderr, "codex: denied approval to run %s: exec cannot ask for approval\n", displayText(quoteCommand(m.Command)))
		r.answer(protocol.ExecApprovalOp{ID: m.CallID, Decision: protocol.DecisionDenied})
	case protocol.ApplyPatchApprovalRequestEvent:
		fmt.Fprintf(r.stderr, "codex: denied approval to change %s: exec cannot ask for approval\n", plural(len(m.Changes), "file"))
		r.answer(protocol.PatchApprovalOp{ID: m.CallID, Decision: protocol.DecisionDenied})
	case protocol.ElicitationRequestEvent:
		fmt.Fprintf(r.stderr, "codex: declined the question of MCP server %s: exec cannot ask the user\n", displayText(m.ServerName))
		r.answer(protocol.ResolveElicitationOp{ServerName: m.ServerName, RequestID: m.ID, Decision: protocol.ElicitationDecline})
	}
	return false
}

// answer submits an approval decision; after shutdown there is nobody
// left to answer.
func (r *run) answer(op protocol.Op) {
	if _, err := r.conv.Submit(op); err != nil && !errors.Is(err, conversation.ErrClosed) {
		fmt.Fprintf(r.stderr, "codex: answer approval request: %v\n", err)
	}
}
