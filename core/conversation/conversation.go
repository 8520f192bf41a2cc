package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/codex-go/codex/core/approval"
	"github.com/codex-go/codex/core/client"
	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/core/history"
	"github.com/codex-go/codex/core/mcpclient"
	"github.com/codex-go/codex/core/patch"
	"github.com/codex-go/codex/core/rollout"
	"github.com/codex-go/codex/core/tools"
	"github.com/codex-go/codex/protocol"
)

// ErrClosed is returned by Submit after the conversation was shut down.
var ErrClosed = errors.New("conversation is shut down")

// task is one running turn.
type task struct {
	subID  string
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	diffs  *patch.TurnDiffTracker
	// review is the request of a review turn, nil for other turns.
	review *protocol.ReviewRequest
	// joined counts the user's shell commands running as part of the
	// turn; the turn ends after them. Add is only called while the task
	// is the conversation's running task, under Conversation.mu.
	joined sync.WaitGroup
}

// Conversation is one session with the model: submissions in, events out.
type Conversation struct {
	id      string
	cfg     *config.Config
	deps    Deps
	rollout *rollout.Writer
	client  *client.Client
	router  *tools.Router
	events  *eventQueue

	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	nextSub   uint64
	turnCtx   protocol.TurnContext
	history   []protocol.ResponseItem
	task      *task
	pending   []protocol.ResponseItem
	approvals map[string]chan protocol.ReviewDecision
	elicits   elicitations
	approved  approval.SessionApprovals
	injected  []protocol.ResponseItem
	// reviewing is set while a review turn runs on a history of its own,
	// which is not recorded.
	reviewing bool

	hist       *history.Store
	mcp        *mcpclient.Manager
	mcpReady   chan struct{}
	tokenInfo  *protocol.TokenUsageInfo
	rateLimits *protocol.RateLimitSnapshot
	closed     bool
	shutDown   chan struct{}
	// onClose runs once the conversation has shut down (the manager forgets it).
	onClose func()

	rolloutFailure sync.Once
}

func newConversation(id string, cfg *config.Config, w *rollout.Writer, cl *client.Client, router *tools.Router, deps Deps) *Conversation {
	ctx, cancel := context.WithCancel(context.Background())
	return &Conversation{
		id: id, cfg: cfg, deps: deps, rollout: w, client: cl, router: router,
		events: newEventQueue(), ctx: ctx, cancel: cancel,
		turnCtx:   cfg.TurnContext(),
		approvals: map[string]chan protocol.ReviewDecision{},
		shutDown:  make(chan struct{}),
		mcpReady:  make(chan struct{}),
	}
}

// startMCP launches the enabled MCP servers; their tools join the router
// before the first model request. Each server's progress is reported as
// mcp_startup_update events, and a server that fails to start as an error
// event (id ""); the conversation goes on without it. When a server is
// configured as required, the start-up runs before startMCP returns, and a
// required server that fails makes it return an error: the conversation
// must not start. Otherwise the servers start in the background.
func (c *Conversation) startMCP(environ []string) error {
	required := false
	enabled := 0
	for _, srv := range c.cfg.MCPServers {
		if !srv.Disabled {
			enabled++
			required = required || srv.Required
		}
	}
	if enabled == 0 {
		close(c.mcpReady)
		return nil
	}
	start := func() []mcpclient.StartFailure {
		defer close(c.mcpReady)
		opts := []mcpclient.Option{
			mcpclient.WithEnviron(environ),
			mcpclient.WithElicitation(c.elicit),
			mcpclient.WithStartupObserver(c.mcpStartupUpdate),
		}
		if c.deps.MCPAuthorizer != nil {
			opts = append(opts, mcpclient.WithAuthorizer(c.deps.MCPAuthorizer))
		}
		m, failures := mcpclient.Start(c.ctx, c.cfg.MCPServers, opts...)
		var fatal []mcpclient.StartFailure
		for _, f := range failures {
			if f.Required {
				fatal = append(fatal, f)
			}
		}
		if len(fatal) > 0 {
			_ = m.Close()
			return fatal
		}
		for _, f := range failures {
			c.events.push(protocol.Event{ID: "", Msg: protocol.ErrorEvent{Message: f.Error()}})
		}
		m.Register(c.router)
		c.mu.Lock()
		c.mcp = m
		c.mu.Unlock()
		return nil
	}
	if !required {
		go start()
		return nil
	}
	if fatal := start(); len(fatal) > 0 {
		parts := make([]string, len(fatal))
		for i, f := range fatal {
			parts[i] = fmt.Sprintf("%s: %v", f.Server, f.Err)
		}
		return fmt.Errorf("required MCP servers failed to initialize: %s", strings.Join(parts, "; "))
	}
	return nil
}

// mcpStartupUpdate queues the event reporting a server's start-up progress.
func (c *Conversation) mcpStartupUpdate(u mcpclient.StartupUpdate) {
	status := protocol.McpStartupStatus{State: string(u.State)}
	if u.Failure != nil {
		status.Error = u.Failure.Error()
	}
	c.events.push(protocol.Event{ID: "", Msg: protocol.McpStartupUpdateEvent{Server: u.Server, Status: status}})
}

// waitMCP blocks until the MCP servers have started or failed.
func (c *Conversation) waitMCP(ctx context.Context) error {
	select {
	case <-c.mcpReady:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ID returns the conversation id.
func (c *Conversation) ID() string { return c.id }

// Config returns the configuration the conversation was started with.
func (c *Conversation) Config() *config.Config { return c.cfg }

// TurnContext returns the settings the next turn runs with.
func (c *Conversation) TurnContext() protocol.TurnContext {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.turnCtx
}

// RolloutPath returns the session file.
func (c *Conversation) RolloutPath() string { return c.rollout.Path() }

// NextEvent returns the next event, blocking until there is one. After the
// conversation ended and every event was read it returns io.EOF.
func (c *Conversation) NextEvent(ctx context.Context) (protocol.Event, error) {
	return c.events.next(ctx)
}

// Submit hands an op to the conversation and returns its submission id,
// which the events it causes carry.
func (c *Conversation) Submit(op protocol.Op) (string, error) {
	return c.SubmitWithID("", op)
}

// SubmitWithID is Submit with a submission id chosen by the caller (the
// mcp-server uses the tools/call request id); "" picks the next number.
// Either way the op uses up one number of the conversation's sequence.
func (c *Conversation) SubmitWithID(subID string, op protocol.Op) (string, error) {
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

	switch o := op.(type) {
	case protocol.UserInputOp:
		c.handleInput(subID, o.Items, nil)
	case protocol.UserTurnOp:
		tc := o.TurnContext
		c.handleInput(subID, o.Items, &tc)
	case protocol.InterruptOp:
		c.interruptTask()
	case protocol.CompactOp:
		c.startOwnTurn(subID, "compact the conversation", nil, func(ctx context.Context, t *task, tc protocol.TurnContext) {
			c.runTask(ctx, t, tc, nil, true)
		})
	case protocol.ReviewOp:
		c.startOwnTurn(subID, "start a review", &o.ReviewRequest, c.runReview)
	case protocol.ExecApprovalOp:
		c.deliverApproval(o.ID, o.Decision)
	case protocol.PatchApprovalOp:
		c.deliverApproval(o.ID, o.Decision)
	case protocol.ResolveElicitationOp:
		c.elicits.resolve(o)
	case protocol.ShutdownOp:
		go func() { _ = c.shutdown(context.Background()) }()
	case protocol.RunUserShellCommandOp:
		c.handleUserShell(subID, o)
	case protocol.ListMcpToolsOp:
		go func() {
			ev := protocol.McpListToolsResponseEvent{Tools: map[string]json.RawMessage{}}
			if c.waitMCP(c.ctx) == nil {
				c.mu.Lock()
				mcp := c.mcp
				c.mu.Unlock()
				if mcp != nil {
					ev = mcp.ListToolsEvent()
				}
			}
			c.emit(subID, ev)
		}()
	case protocol.AddToHistoryOp:
		if err := c.hist.Append(c.id, o.Text, c.deps.Now()); err != nil {
			c.emit(subID, protocol.BackgroundEvent{Message: fmt.Sprintf("history: %v", err)})
		}
	case protocol.GetHistoryEntryRequestOp:
		ev := protocol.GetHistoryEntryResponseEvent{Offset: o.Offset, LogID: o.LogID}
		entry, err := c.hist.Lookup(o.LogID, o.Offset)
		if err != nil {
			c.emit(subID, protocol.BackgroundEvent{Message: fmt.Sprintf("history: %v", err)})
		}
		if entry != nil {
			ev.Entry = &protocol.HistoryEntry{ConversationID: entry.SessionID, Ts: entry.Ts, Text: entry.Text}
		}
		c.emit(subID, ev)
	default:
		c.emit(subID, protocol.ErrorEvent{Message: fmt.Sprintf("unsupported operation: %s", op.OpType())})
	}
	return subID, nil
}

// Interrupt stops the running turn and returns once it has stopped.
func (c *Conversation) Interrupt(ctx context.Context) (protocol.TurnAbortReason, error) {
	// An interrupt is a submission too: it uses up a submission id.
	c.mu.Lock()
	c.nextSub++
	c.mu.Unlock()
	t := c.interruptTask()
	if t != nil {
		select {
		case <-t.done:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return protocol.AbortInterrupted, nil
}

func (c *Conversation) interruptTask() *task {
	c.mu.Lock()
	t := c.task
	c.mu.Unlock()
	if t != nil {
		t.cancel()
	}
	return t
}

// SubmitInput is SubmitWithID for user input (update is the turn settings
// of a user_turn op, nil for plain input). It reports which turn got the
// input: the submission id of the running turn it joined, or subID when it
// started a turn (or failed, with the error event carrying subID).
func (c *Conversation) SubmitInput(subID string, items []protocol.InputItem, update *protocol.TurnContext) (string, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return "", ErrClosed
	}
	c.nextSub++
	c.mu.Unlock()
	return c.handleInput(subID, items, update), nil
}

// handleInput starts a turn, or hands the input to the running one. It
// returns the submission id of the turn that got the input.
func (c *Conversation) handleInput(subID string, items []protocol.InputItem, update *protocol.TurnContext) string {
	msg, skipped, err := userMessage(items)
	if err != nil {
		c.emit(subID, protocol.ErrorEvent{Message: err.Error()})
		return subID
	}
	for _, why := range skipped {
		c.events.push(protocol.Event{ID: subID, Msg: protocol.BackgroundEvent{Message: why}})
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return subID
	}
	var prefix []protocol.ResponseItem
	if update != nil {
		if diff, changed := c.envDiff(c.turnCtx, *update); changed {
			text := diff.render()
			prefix = append(prefix, protocol.UserText(text))
			c.events.push(protocol.Event{ID: subID, Msg: protocol.UserMessageEvent{Message: text, Kind: protocol.KindEnvironmentContext}})
		}
		c.turnCtx = *update
	}
	if c.task != nil {
		c.pending = append(c.pending, prefix...)
		c.pending = append(c.pending, msg)
		owner := c.task.subID
		c.mu.Unlock()
		return owner
	}
	ctx, cancel := context.WithCancel(c.ctx)
	t := newTask(ctx, cancel, subID)
	c.task = t
	tc := c.turnCtx
	c.mu.Unlock()
	go c.runTask(ctx, t, tc, append(prefix, msg), false)
	return subID
}

// newTask returns the state of a turn running under ctx.
func newTask(ctx context.Context, cancel context.CancelFunc, subID string) *task {
	return &task{subID: subID, ctx: ctx, cancel: cancel, done: make(chan struct{}), diffs: patch.NewTurnDiffTracker()}
}

// startOwnTurn starts run as a turn that does not take user input to
// begin with (a compaction, a review; review is the request of a review
// turn), unless a turn is running: that is reported as an error event
// saying what cannot be done (doing).
func (c *Conversation) startOwnTurn(subID, doing string, review *protocol.ReviewRequest, run func(context.Context, *task, protocol.TurnContext)) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if c.task != nil {
		c.mu.Unlock()
		c.emit(subID, protocol.ErrorEvent{Message: "cannot " + doing + " while a turn is running"})
		return
	}
	ctx, cancel := context.WithCancel(c.ctx)
	t := newTask(ctx, cancel, subID)
	t.review = review
	c.task = t
	tc := c.turnCtx
	c.mu.Unlock()
	go run(ctx, t, tc)
}

// userMessage converts user input to a message item. A local image that
// cannot be read is left out, as codex-cli 0.45.0 leaves it out, so that
// the turn still runs; skipped says what was left out and why, and the
// model is told in its place.
func userMessage(items []protocol.InputItem) (msg protocol.ResponseItem, skipped []string, err error) {
	msg = protocol.ResponseItem{Type: protocol.ItemMessage, Role: "user"}
	for _, it := range items {
		switch it.Type {
		case protocol.InputText:
			msg.Content = append(msg.Content, protocol.ContentItem{Type: protocol.ContentInputText, Text: it.Data.Text})
		case protocol.InputImage:
			msg.Content = append(msg.Content, protocol.ContentItem{Type: protocol.ContentInputImage, ImageURL: it.Data.ImageURL})
		case protocol.InputLocalImage:
			url, err := imageDataURL(it.Data.Path)
			if err != nil {
				why := fmt.Sprintf("image not attached: %v", err)
				skipped = append(skipped, why)
				msg.Content = append(msg.Content, protocol.ContentItem{Type: protocol.ContentInputText, Text: "[" + why + "]"})
				continue
			}
			msg.Content = append(msg.Content, protocol.ContentItem{Type: protocol.ContentInputImage, ImageURL: url})
		default:
			return msg, nil, fmt.Errorf("unknown input item type %q", it.Type)
		}
	}
	if len(msg.Content) == 0 {
		return msg, nil, errors.New("empty user input")
	}
	return msg, skipped, nil
}

// envContext describes tc for the model.
func (c *Conversation) envContext(tc protocol.TurnContext) environmentContext {
	return environmentContext{cwd: tc.Cwd, approval: tc.ApprovalPolicy, sandbox: tc.SandboxPolicy, shell: userShell(c.deps.Getenv)}
}

// envDiff returns the environment context to send when a turn changes the
// working directory, approval policy or sandbox; the shell never changes,
// so it is left out.
func (c *Conversation) envDiff(old, next protocol.TurnContext) (environmentContext, bool) {
	changed := old.Cwd != next.Cwd || old.ApprovalPolicy != next.ApprovalPolicy || !samePolicy(old.SandboxPolicy, next.SandboxPolicy)
	return environmentContext{cwd: next.Cwd, approval: next.ApprovalPolicy, sandbox: next.SandboxPolicy}, changed
}

func samePolicy(a, b protocol.SandboxPolicy) bool {
	return a.Mode == b.Mode && a.NetworkAccess == b.NetworkAccess &&
		a.ExcludeSlashTmp == b.ExcludeSlashTmp && a.ExcludeTmpdirEnvVar == b.ExcludeTmpdirEnvVar &&
		strings.Join(a.WritableRoots, "\x00") == strings.Join(b.WritableRoots, "\x00")
}

// persisted reports whether an event type is recorded in the rollout.
// While a review runs on a history of its own, only token counts are.
func persisted(m protocol.EventMsg) bool {
	switch m.(type) {
	case protocol.UserMessageEvent, protocol.AgentMessageEvent, protocol.AgentReasoningEvent,
		protocol.AgentReasoningRawContentEvent, protocol.TokenCountEvent, protocol.TurnAbortedEvent,
		protocol.TaskStartedEvent, protocol.TaskCompleteEvent, protocol.ContextCompactedEvent,
		protocol.EnteredReviewModeEvent, protocol.ExitedReviewModeEvent:
		return true
	}
	return false
}

// emit queues an event for listeners and records it when it belongs in the rollout.
func (c *Conversation) emit(subID string, m protocol.EventMsg) {
	c.mu.Lock()
	reviewing := c.reviewing
	c.mu.Unlock()
	if _, usage := m.(protocol.TokenCountEvent); persisted(m) && (!reviewing || usage) {
		c.rolloutWritten(c.rollout.EventMsg(m))
	}
	c.events.push(protocol.Event{ID: subID, Msg: m})
}

// rolloutWritten reports the first failure to record the session (a full
// disk, say) as a background event; the conversation itself goes on.
func (c *Conversation) rolloutWritten(err error) {
	if err == nil {
		return
	}
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		// Late writes of a conversation being shut down are not news.
		return
	}
	c.rolloutFailure.Do(func() {
		c.events.push(protocol.Event{Msg: protocol.BackgroundEvent{Message: fmt.Sprintf("the session is no longer recorded: %v", err)}})
	})
}

// recordItems appends items to the history and the rollout.
func (c *Conversation) recordItems(items ...protocol.ResponseItem) {
	if len(items) == 0 {
		return
	}
	c.mu.Lock()
	c.history = append(c.history, items...)
	reviewing := c.reviewing
	c.mu.Unlock()
	if !reviewing {
		c.rolloutWritten(c.rollout.ResponseItems(items...))
	}
}

// historySnapshot copies the history for a model request.
func (c *Conversation) historySnapshot() []protocol.ResponseItem {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]protocol.ResponseItem(nil), c.history...)
}

// deliverApproval answers a waiting approval request.
func (c *Conversation) deliverApproval(callID string, d protocol.ReviewDecision) {
	c.mu.Lock()
	ch, ok := c.approvals[callID]
	delete(c.approvals, callID)
	c.mu.Unlock()
	if ok {
		ch <- d
	}
}

// awaitApproval registers a request, emits it, and waits for the decision.
func (c *Conversation) awaitApproval(ctx context.Context, subID, callID string, request protocol.EventMsg) (protocol.ReviewDecision, error) {
	ch := make(chan protocol.ReviewDecision, 1)
	c.mu.Lock()
	c.approvals[callID] = ch
	c.mu.Unlock()
	c.emit(subID, request)
	select {
	case d := <-ch:
		if !d.Valid() {
			d = protocol.DecisionDenied
		}
		return d, nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.approvals, callID)
		c.mu.Unlock()
		return protocol.DecisionAbort, ctx.Err()
	}
}

// shutdown stops the running turn, flushes the rollout and ends the event stream.
func (c *Conversation) shutdown(ctx context.Context) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		select {
		case <-c.shutDown:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	c.closed = true
	t := c.task
	c.mu.Unlock()
	if t != nil {
		t.cancel()
		select {
		case <-t.done:
		case <-ctx.Done():
		}
	}
	c.cancel()
	<-c.mcpReady
	c.mu.Lock()
	mcp := c.mcp
	c.mu.Unlock()
	_ = mcp.Close()
	err := c.rollout.Close()
	if c.onClose != nil {
		c.onClose()
	}
	c.events.push(protocol.Event{ID: "", Msg: protocol.ShutdownCompleteEvent{}})
	c.events.close()
	close(c.shutDown)
	return err
}
