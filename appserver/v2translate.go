package appserver

import (
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/codex-go/codex/core/review"
	"github.com/codex-go/codex/protocol"
	v2 "github.com/codex-go/codex/protocol/v2"
)

// v2Message is one message the translator asks to send: a notification, or
// (approval set) a server request.
type v2Message struct {
	method   string
	params   any
	approval *v2Approval
}

// v2Approval is what the server needs to turn the client's answer to an
// approval request into the engine's decision.
type v2Approval struct {
	callID string
	patch  bool
	turnID string
}

// v2Turn is the state of one turn of a v2 thread.
type v2Turn struct {
	id        string
	subID     string // the engine's submission id
	input     []v2.UserInput
	later     [][]v2.UserInput // input that joined the turn before it started
	startedAt time.Time
	started   bool
	failure   *v2.TurnError
	// agent is the agent message being streamed; reasoning likewise.
	agent     *v2.AgentMessageItem
	agentText strings.Builder // the open agent message's text so far
	reasoning *v2.ReasoningItem
	commands  map[string]*v2.CommandExecutionItem // by call id
	patches   map[string]*v2.FileChangeItem       // by call id
	tools     map[string]*v2.McpToolCallItem      // by call id
	searches  map[string]*v2.WebSearchItem        // by call id
	// review describes what a review turn reviews; "" for other turns.
	review string
	// compaction is the open contextCompaction item.
	compaction *v2.ContextCompactionItem
	declined   map[string]bool // call ids the user declined
	// summary holds the agent messages of the turn, for turn/completed.
	summary []v2.Item
	// held is a command whose item/started waits for the next event: when
	// that is the command's approval request, the thread's waiting status
	// is announced first, as the reference orders them.
	held *v2.CommandExecutionItem
	// usage is the last token usage sent, so that a repeated count is not
	// sent again.
	usage *v2.ThreadTokenUsage
	// activeAfter is the call id of a declined command after whose
	// item/completed the thread is announced active again.
	activeAfter string
}

// v2Translator turns the events of one conversation into v2 notifications.
// It owns the ids and lifecycles of turns and items: every item it starts
// it completes with the same id, and every turn it starts it completes.
type v2Translator struct {
	threadID string
	now      func() time.Time
	// pending are turns asked for with turn/start whose task_started has
	// not come yet, by submission id.
	pending map[string]*v2Turn
	turn    *v2Turn
	// ids makes the ids of the items it creates: new ones, or stable ones
	// when a recorded history is replayed.
	ids func() string
	// started are the ids of the turns it started, in order.
	started []string
}

func newV2Translator(threadID string, now func() time.Time) *v2Translator {
	return &v2Translator{threadID: threadID, now: now, pending: map[string]*v2Turn{}, ids: newID}
}

// expect registers a turn started by turn/start under its submission id.
func (t *v2Translator) expect(turn *v2Turn) { t.pending[turn.subID] = turn }

// forget drops a registered turn whose input never started a turn.
func (t *v2Translator) forget(subID string) { delete(t.pending, subID) }

// owner returns the turn of submission subID: the running one or one
// registered and not started yet.
func (t *v2Translator) owner(subID string) *v2Turn {
	if t.turn != nil && t.turn.subID == subID {
		return t.turn
	}
	return t.pending[subID]
}

// newV2Turn returns the state of a turn for the input.
func newV2Turn(subID string, input []v2.UserInput) *v2Turn {
	return &v2Turn{id: newID(), subID: subID, input: input,
		commands: map[string]*v2.CommandExecutionItem{}, patches: map[string]*v2.FileChangeItem{}, tools: map[string]*v2.McpToolCallItem{}, searches: map[string]*v2.WebSearchItem{}, declined: map[string]bool{}}
}

// newID returns a time-ordered UUID, as the reference's ids are.
func newID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// itemID is the provider's id of an item when it gave one, as the
// reference uses it, and a new id otherwise.
func (t *v2Translator) itemID(provider string) string {
	if provider != "" {
		return provider
	}
	return t.ids()
}

// ms returns t as Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// wire returns the turn as v2 shows it.
func (turn *v2Turn) wire(status string, at time.Time) v2.Turn {
	w := v2.Turn{ID: turn.id, RootTurnID: turn.id, Items: []v2.Item{}, ItemsView: "notLoaded", Status: status, Error: turn.failure}
	if turn.started {
		started := turn.startedAt.Unix()
		w.StartedAt = &started
	}
	if status != v2.TurnInProgress {
		w.Items = append(w.Items, turn.summary...)
		if len(w.Items) > 0 {
			w.ItemsView = "summary"
		}
		completed, duration := at.Unix(), at.Sub(turn.startedAt).Milliseconds()
		w.CompletedAt, w.DurationMs = &completed, &duration
	}
	return w
}

// declined records that the user declined the command of callID.
func (t *v2Translator) declined(callID string) {
	if t.turn != nil {
		t.turn.declined[callID] = true
	}
}

// handle translates one event.
func (t *v2Translator) handle(ev protocol.Event) []v2Message {
	now := t.now()
	if _, ok := ev.Msg.(protocol.TaskStartedEvent); ok {
		return t.turnStarted(ev.ID, now)
	}
	turn := t.turn
	if turn == nil || ev.ID != turn.subID {
		return t.outsideTurn(ev)
	}
	var out []v2Message
	if held := turn.held; held != nil {
		if a, ok := ev.Msg.(protocol.ExecApprovalRequestEvent); !ok || a.CallID != held.ID {
			out = append(out, t.itemStarted(*held, time.UnixMilli(*held.StartedAtMs)))
			turn.held = nil
		}
	}
	switch m := ev.Msg.(type) {
	case protocol.AgentMessageDeltaEvent:
		out = append(out, t.startAgent(now, m.ItemID)...)
		turn.agentText.WriteString(m.Delta)
		out = append(out, t.delta(v2.NotificationAgentMessageDelta, turn.agent.ID, m.Delta))
	case protocol.AgentMessageEvent:
		out = append(out, t.startAgent(now, m.ItemID)...)
		turn.agentText.Reset()
		turn.agentText.WriteString(m.Message)
		out = append(out, t.completeAgent(now)...)
	case protocol.AgentReasoningSectionBreakEvent:
		out = append(out, t.startReasoning(now, "")...)
		out = append(out, t.summaryPart())
	case protocol.AgentReasoningDeltaEvent:
		out = append(out, t.startReasoning(now, m.ItemID)...)
		r := turn.reasoning
		if len(r.Summary) == 0 {
			out = append(out, t.summaryPart())
		}
		r.Summary[len(r.Summary)-1] += m.Delta
		out = append(out, v2Message{method: v2.NotificationReasoningSummaryDelta, params: v2.SummaryDeltaNotification{
			ThreadID: t.threadID, TurnID: turn.id, ItemID: r.ID, Delta: m.Delta, SummaryIndex: len(r.Summary) - 1}})
	case protocol.AgentReasoningEvent:
		out = append(out, t.startReasoning(now, m.ItemID)...)
		if len(turn.reasoning.Summary) == 0 {
			turn.reasoning.Summary = []string{m.Text}
		}
	case protocol.AgentReasoningRawContentDeltaEvent:
		out = append(out, t.startReasoning(now, m.ItemID)...)
		r := turn.reasoning
		if len(r.Content) == 0 {
			r.Content = append(r.Content, "")
		}
		r.Content[len(r.Content)-1] += m.Delta
		out = append(out, v2Message{method: v2.NotificationReasoningTextDelta, params: v2.ReasoningTextDeltaNotification{
			ThreadID: t.threadID, TurnID: turn.id, ItemID: r.ID, Delta: m.Delta, ContentIndex: len(r.Content) - 1}})
	case protocol.AgentReasoningRawContentEvent:
		out = append(out, t.startReasoning(now, m.ItemID)...)
		if len(turn.reasoning.Content) == 0 {
			turn.reasoning.Content = []string{m.Text}
		}
	case protocol.McpToolCallBeginEvent:
		out = append(out, t.closeStreams(now)...)
		started := ms(now)
		item := &v2.McpToolCallItem{Type: v2.ItemMcpToolCall, ID: m.CallID, Server: m.Invocation.Server, Tool: m.Invocation.Tool,
			Status: v2.CommandInProgress, Arguments: orNullJSON(m.Invocation.Arguments), Result: json.RawMessage("null")}
		item.StartedAtMs = &started
		turn.tools[m.CallID] = item
		out = append(out, t.itemStarted(*item, now))
	case protocol.McpToolCallEndEvent:
		out = append(out, t.endMcpCall(m, now)...)
	case protocol.WebSearchBeginEvent:
		out = append(out, t.closeStreams(now)...)
		started := ms(now)
		item := &v2.WebSearchItem{Type: v2.ItemWebSearch, ID: m.CallID}
		item.StartedAtMs = &started
		turn.searches[m.CallID] = item
		out = append(out, t.itemStarted(*item, now))
	case protocol.WebSearchEndEvent:
		item := turn.searches[m.CallID]
		if item == nil {
			// A search the provider ran without announcing it first.
			out = append(out, t.closeStreams(now)...)
			started := ms(now)
			item = &v2.WebSearchItem{Type: v2.ItemWebSearch, ID: m.CallID}
			item.StartedAtMs = &started
			out = append(out, t.itemStarted(*item, now))
		}
		delete(turn.searches, m.CallID)
		done := *item
		completed := ms(now)
		done.Query, done.CompletedAtMs = m.Query, &completed
		out = append(out, t.itemCompleted(done, now))
	case protocol.ContextCompactionBeginEvent:
		out = append(out, t.closeStreams(now)...)
		out = append(out, t.endCompaction(now)...)
		started := ms(now)
		item := &v2.ContextCompactionItem{Type: v2.ItemContextCompaction, ID: t.ids()}
		item.StartedAtMs = &started
		turn.compaction = item
		out = append(out, t.itemStarted(*item, now))
	case protocol.ContextCompactedEvent:
		if turn.compaction == nil {
			started := ms(now)
			turn.compaction = &v2.ContextCompactionItem{Type: v2.ItemContextCompaction, ID: t.ids()}
			turn.compaction.StartedAtMs = &started
			out = append(out, t.itemStarted(*turn.compaction, now))
		}
		out = append(out, t.endCompaction(now)...)
	case protocol.EnteredReviewModeEvent:
		if turn.review == "" {
			// A recorded review being replayed: it was not announced with
			// its turn.
			turn.review = m.UserFacingHint
			out = append(out, t.enteredReview(now)...)
		}
	case protocol.ExitedReviewModeEvent:
		out = append(out, t.closeStreams(now)...)
		text := "The review stopped before it finished."
		if m.ReviewOutput != nil {
			text = review.Render(*m.ReviewOutput)
		}
		at := ms(now)
		item := v2.ExitedReviewModeItem{Type: v2.ItemExitedReviewMode, ID: t.ids(), Review: text}
		item.StartedAtMs = &at
		out = append(out, t.itemStarted(item, now))
		item.CompletedAtMs = &at
		out = append(out, t.itemCompleted(item, now))
	case protocol.ViewImageToolCallEvent:
		out = append(out, t.closeStreams(now)...)
		at := ms(now)
		item := v2.ImageViewItem{Type: v2.ItemImageView, ID: m.CallID, Path: m.Path}
		item.StartedAtMs = &at
		out = append(out, t.itemStarted(item, now))
		done := item
		done.CompletedAtMs = &at
		out = append(out, t.itemCompleted(done, now))
	case protocol.ApplyPatchApprovalRequestEvent:
		out = append(out, t.askPatch(m, now)...)
	case protocol.PatchApplyBeginEvent:
		out = append(out, t.startPatch(m.CallID, m.Changes, now)...)
	case protocol.PatchApplyEndEvent:
		status := v2.CommandCompleted
		if !m.Success {
			status = v2.CommandFailed
		}
		out = append(out, t.endPatch(m.CallID, status, now)...)
	case protocol.TurnDiffEvent:
		out = append(out, v2Message{method: v2.NotificationTurnDiffUpdated, params: v2.TurnDiffNotification{
			ThreadID: t.threadID, TurnID: turn.id, Diff: m.UnifiedDiff}})
	case protocol.PlanUpdateEvent:
		out = append(out, v2Message{method: v2.NotificationTurnPlanUpdated, params: v2.TurnPlanNotification{
			ThreadID: t.threadID, TurnID: turn.id, Explanation: m.Explanation, Plan: planSteps(m.Plan)}})
	case protocol.ExecCommandBeginEvent:
		out = append(out, t.startCommand(m, now)...)
	case protocol.ExecCommandOutputDeltaEvent:
		if c := turn.commands[m.CallID]; c != nil {
			out = append(out, t.delta(v2.NotificationCommandOutputDelta, c.ID, string(m.Chunk)))
		}
	case protocol.ExecCommandEndEvent:
		out = append(out, t.endCommand(m, now)...)
	case protocol.ExecApprovalRequestEvent:
		out = append(out, t.askCommand(m, now)...)
	case protocol.TokenCountEvent:
		if m.Info != nil {
			usage := tokenUsage(*m.Info)
			if turn.usage == nil || !sameUsage(*turn.usage, usage) {
				turn.usage = &usage
				out = append(out, v2Message{method: v2.NotificationTokenUsageUpdated, params: v2.TokenUsageUpdatedNotification{
					ThreadID: t.threadID, TurnID: turn.id, TokenUsage: usage,
				}})
				// The rate limits follow every usage update.
				if m.RateLimits != nil {
					out = append(out, v2Message{method: v2.NotificationAccountRateLimitsUpdated, params: v2.AccountRateLimitsUpdatedNotification{
						RateLimits: rateLimitsOf(*m.RateLimits, now),
					}})
				}
			}
		}
	case protocol.StreamErrorEvent:
		out = append(out, v2Message{method: v2.NotificationError, params: v2.ErrorNotification{
			Error: v2.TurnError{Message: m.Message}, WillRetry: true, ThreadID: t.threadID, TurnID: turn.id,
		}})
	case protocol.ErrorEvent:
		// Reported when the turn ends, after the thread's error status.
		turn.failure = &v2.TurnError{Message: m.Message}
		if m.Kind != "" {
			kind := m.Kind
			turn.failure.CodexErrorInfo = &kind
		}
	case protocol.TaskCompleteEvent:
		status := v2.TurnCompleted
		if turn.failure != nil {
			status = v2.TurnFailed
		}
		out = append(out, t.endTurn(status, now)...)
	case protocol.TurnAbortedEvent:
		// What the model was saying is dropped, as the reference does.
		turn.agent, turn.reasoning = nil, nil
		turn.agentText.Reset()
		out = append(out, t.abortCommands(now)...)
		out = append(out, t.endTurn(v2.TurnInterrupted, now)...)
	}
	return out
}

// outsideTurn translates an event that belongs to no v2 turn. An error
// answering a turn/start that never began ends that turn as failed, so a
// client waiting for turn/completed is not left hanging.
func (t *v2Translator) outsideTurn(ev protocol.Event) []v2Message {
	if m, ok := ev.Msg.(protocol.McpStartupUpdateEvent); ok {
		return []v2Message{t.mcpStartup(m)}
	}
	e, ok := ev.Msg.(protocol.ErrorEvent)
	if !ok {
		return nil
	}
	turn := t.pending[ev.ID]
	if turn == nil {
		return nil
	}
	delete(t.pending, ev.ID)
	now := t.now()
	turn.failure = &v2.TurnError{Message: e.Message}
	turn.started, turn.startedAt = true, now
	return []v2Message{
		{method: v2.NotificationError, params: v2.ErrorNotification{Error: *turn.failure, ThreadID: t.threadID, TurnID: turn.id}},
		{method: v2.NotificationTurnCompleted, params: v2.TurnNotification{ThreadID: t.threadID, Turn: turn.wire(v2.TurnFailed, now)}},
	}
}

// mcpStartup is the mcpServer/startupStatus/updated notification of an MCP
// server's start-up progress.
func (t *v2Translator) mcpStartup(m protocol.McpStartupUpdateEvent) v2Message {
	threadID := t.threadID
	n := v2.McpServerStatusUpdatedNotification{ThreadID: &threadID, Name: m.Server, Status: m.Status.State}
	if m.Status.Error != "" {
		msg := m.Status.Error
		n.Error = &msg
	}
	return v2Message{method: v2.NotificationMcpServerStartupStatusUpdated, params: n}
}

// turnStarted opens the turn of submission subID: the thread becomes
// active, turn/started, and the user's message as an item.
func (t *v2Translator) turnStarted(subID string, now time.Time) []v2Message {
	var out []v2Message
	if t.turn != nil {
		// The end of the previous turn never came: it is over all the same.
		out = append(out, t.endTurn(v2.TurnInterrupted, now)...)
	}
	turn := t.pending[subID]
	delete(t.pending, subID)
	if turn == nil {
		turn = newV2Turn(subID, nil)
	}
	turn.started, turn.startedAt = true, now
	t.turn = turn
	t.started = append(t.started, turn.id)
	if turn.review != "" {
		// As the reference does, the review is announced before its turn.
		out = append(out, t.enteredReview(now)...)
	}
	out = append(out,
		t.status(v2.Active()),
		v2Message{method: v2.NotificationTurnStarted, params: v2.TurnNotification{ThreadID: t.threadID, Turn: turn.wire(v2.TurnInProgress, now)}},
	)
	if len(turn.input) > 0 {
		item := v2.UserMessageItem{Type: v2.ItemUserMessage, ID: t.ids(), Content: turn.input}
		started := ms(now)
		item.StartedAtMs = &started
		out = append(out, t.itemStarted(item, now))
		completed := item
		completed.CompletedAtMs = &started
		out = append(out, t.itemCompleted(completed, now))
	}
	for _, input := range turn.later {
		out = append(out, t.steered(input)...)
	}
	turn.later = nil
	return out
}

// status is a thread/status/changed notification.
func (t *v2Translator) status(s v2.ThreadStatus) v2Message {
	return v2Message{method: v2.NotificationThreadStatusChanged, params: v2.ThreadStatusChangedNotification{ThreadID: t.threadID, Status: s}}
}

func (t *v2Translator) itemStarted(item v2.Item, now time.Time) v2Message {
	return v2Message{method: v2.NotificationItemStarted, params: v2.ItemStartedNotification{
		Item: item, ThreadID: t.threadID, TurnID: t.turnID(), StartedAtMs: ms(now)}}
}

func (t *v2Translator) itemCompleted(item v2.Item, now time.Time) v2Message {
	return v2Message{method: v2.NotificationItemCompleted, params: v2.ItemCompletedNotification{
		Item: item, ThreadID: t.threadID, TurnID: t.turnID(), CompletedAtMs: ms(now)}}
}

func (t *v2Translator) turnID() string {
	if t.turn == nil {
		return ""
	}
	return t.turn.id
}

func (t *v2Translator) delta(method, itemID, delta string) v2Message {
	return v2Message{method: method, params: v2.DeltaNotification{ThreadID: t.threadID, TurnID: t.turnID(), ItemID: itemID, Delta: delta}}
}

// startAgent opens an agent message item unless one is open; an open
// reasoning item is over.
func (t *v2Translator) startAgent(now time.Time, id string) []v2Message {
	turn := t.turn
	if turn.agent != nil {
		return nil
	}
	out := t.completeReasoning(now)
	started := ms(now)
	turn.agent = &v2.AgentMessageItem{Type: v2.ItemAgentMessage, ID: t.itemID(id)}
	turn.agent.StartedAtMs = &started
	return append(out, t.itemStarted(*turn.agent, now))
}

// completeAgent closes the open agent message item.
func (t *v2Translator) completeAgent(now time.Time) []v2Message {
	turn := t.turn
	if turn.agent == nil {
		return nil
	}
	done := *turn.agent
	done.Text = turn.agentText.String()
	turn.agentText.Reset()
	completed := ms(now)
	done.CompletedAtMs = &completed
	turn.agent = nil
	turn.summary = append(turn.summary, done)
	return []v2Message{t.itemCompleted(done, now)}
}

// startReasoning opens a reasoning item unless one is open.
func (t *v2Translator) startReasoning(now time.Time, id string) []v2Message {
	turn := t.turn
	if turn.reasoning != nil {
		return nil
	}
	started := ms(now)
	turn.reasoning = &v2.ReasoningItem{Type: v2.ItemReasoning, ID: t.itemID(id), Summary: []string{}, Content: []string{}}
	turn.reasoning.StartedAtMs = &started
	return []v2Message{t.itemStarted(*turn.reasoning, now)}
}

// summaryPart opens the next part of the open reasoning item's summary.
func (t *v2Translator) summaryPart() v2Message {
	r := t.turn.reasoning
	r.Summary = append(r.Summary, "")
	return v2Message{method: v2.NotificationReasoningSummaryPartAdded, params: v2.SummaryPartNotification{
		ThreadID: t.threadID, TurnID: t.turn.id, ItemID: r.ID, SummaryIndex: len(r.Summary) - 1}}
}

// completeReasoning closes the open reasoning item.
func (t *v2Translator) completeReasoning(now time.Time) []v2Message {
	turn := t.turn
	if turn.reasoning == nil {
		return nil
	}
	done := *turn.reasoning
	completed := ms(now)
	done.CompletedAtMs = &completed
	turn.reasoning = nil
	return []v2Message{t.itemCompleted(done, now)}
}

// startCommand opens a command item.
func (t *v2Translator) startCommand(m protocol.ExecCommandBeginEvent, now time.Time) []v2Message {
	out := t.closeStreams(now)
	started := ms(now)
	source := "agent"
	if m.UserShell {
		source = "userShell"
	}
	item := &v2.CommandExecutionItem{
		Type: v2.ItemCommandExecution, ID: m.CallID, Command: shellJoin(m.Command), Cwd: m.Cwd,
		Source: source, Status: v2.CommandInProgress, CommandActions: commandActions(m.ParsedCmd),
	}
	item.StartedAtMs = &started
	t.turn.commands[m.CallID] = item
	if m.AwaitsApproval {
		t.turn.held = item
		return out
	}
	return append(out, t.itemStarted(*item, now))
}

// closeStreams completes the open agent message and reasoning items: a
// tool call follows what the model said before it.
func (t *v2Translator) closeStreams(now time.Time) []v2Message {
	return append(t.completeReasoning(now), t.completeAgent(now)...)
}

// askCommand is the approval request of a command, after the thread
// turned to waiting on approval.
func (t *v2Translator) askCommand(m protocol.ExecApprovalRequestEvent, now time.Time) []v2Message {
	item := t.turn.commands[m.CallID]
	var out []v2Message
	if item == nil {
		out = append(out, t.startCommand(protocol.ExecCommandBeginEvent{CallID: m.CallID, Command: m.Command, Cwd: m.Cwd}, now)...)
		item = t.turn.commands[m.CallID]
	}
	out = append(out, t.status(v2.Active(v2.ActiveFlagWaitingOnApproval)))
	if held := t.turn.held; held != nil && held.ID == m.CallID {
		out = append(out, t.itemStarted(*held, time.UnixMilli(*held.StartedAtMs)))
		t.turn.held = nil
	}
	out = append(out, v2Message{
		method: v2.MethodCommandExecutionRequestApproval,
		params: v2.CommandExecutionRequestApprovalParams{
			Kind: "command", ThreadID: t.threadID, TurnID: t.turn.id, ItemID: item.ID, StartedAtMs: ms(now),
			EnvironmentID: "local", Reason: m.Reason,
			Command: item.Command, Cwd: item.Cwd, CommandActions: item.CommandActions,
			AvailableDecisions: []string{v2.DecisionAccept, v2.DecisionAcceptForSession, v2.DecisionDecline, v2.DecisionCancel},
		},
		approval: &v2Approval{callID: m.CallID, turnID: t.turn.id},
	})
	return out
}

// abortCommands completes, as failed, the command items still running when
// the turn is interrupted: the engine sends no exec_command_end for a
// command the interrupt killed. (0.171 leaves such an item without its
// item/completed; ending it lets a client that tracks items close it.)
func (t *v2Translator) abortCommands(now time.Time) []v2Message {
	ids := make([]string, 0, len(t.turn.commands))
	for id := range t.turn.commands {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]v2Message, 0, len(ids))
	for _, id := range ids {
		done := *t.turn.commands[id]
		delete(t.turn.commands, id)
		completed := ms(now)
		done.CompletedAtMs = &completed
		done.Status = v2.CommandFailed
		out = append(out, t.itemCompleted(done, now))
	}
	return out
}

// endCommand completes a command item.
func (t *v2Translator) endCommand(m protocol.ExecCommandEndEvent, now time.Time) []v2Message {
	item := t.turn.commands[m.CallID]
	if item == nil {
		return nil
	}
	delete(t.turn.commands, m.CallID)
	done := *item
	completed := ms(now)
	done.CompletedAtMs = &completed
	switch {
	case t.turn.declined[m.CallID]:
		done.Status = v2.CommandDeclined
	case m.ExitCode == 0:
		done.Status = v2.CommandCompleted
	default:
		done.Status = v2.CommandFailed
	}
	if done.Status != v2.CommandDeclined {
		output, code, duration := m.AggregatedOutput, m.ExitCode, m.Duration.Std().Milliseconds()
		done.AggregatedOutput, done.ExitCode, done.DurationMs = &output, &code, &duration
	}
	out := []v2Message{t.itemCompleted(done, now)}
	if t.turn.activeAfter == m.CallID {
		t.turn.activeAfter = ""
		out = append(out, t.status(v2.Active()))
	}
	return out
}

// endMcpCall completes an MCP tool call item. The engine's result is
// {"Ok": CallToolResult} or {"Err": "message"}.
func (t *v2Translator) endMcpCall(m protocol.McpToolCallEndEvent, now time.Time) []v2Message {
	item := t.turn.tools[m.CallID]
	if item == nil {
		return nil
	}
	delete(t.turn.tools, m.CallID)
	done := *item
	completed, duration := ms(now), m.Duration.Std().Milliseconds()
	done.CompletedAtMs, done.DurationMs = &completed, &duration
	var outcome struct {
		Ok  json.RawMessage `json:"Ok"`
		Err *string         `json:"Err"`
	}
	_ = json.Unmarshal(m.Result, &outcome)
	var isError struct {
		IsError bool `json:"isError"`
	}
	_ = json.Unmarshal(outcome.Ok, &isError)
	switch {
	case outcome.Err != nil:
		done.Status, done.Error = v2.CommandFailed, &v2.McpToolCallFail{Message: *outcome.Err}
	case isError.IsError:
		done.Status, done.Result = v2.CommandFailed, outcome.Ok
	default:
		done.Status, done.Result = v2.CommandCompleted, orNullJSON(outcome.Ok)
	}
	return []v2Message{t.itemCompleted(done, now)}
}

// orNullJSON returns raw, or null when it is empty.
func orNullJSON(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	return raw
}

// steered is the user's message added to the running turn with
// turn/steer.
func (t *v2Translator) steered(input []v2.UserInput) []v2Message {
	if t.turn == nil {
		return nil
	}
	// What the model is streaming stays open: it goes on after this.
	now := t.now()
	var out []v2Message
	at := ms(now)
	item := v2.UserMessageItem{Type: v2.ItemUserMessage, ID: t.ids(), Content: input}
	item.StartedAtMs = &at
	out = append(out, t.itemStarted(item, now))
	done := item
	done.CompletedAtMs = &at
	return append(out, t.itemCompleted(done, now))
}

// startPatch opens a file change item unless it is open.
func (t *v2Translator) startPatch(callID string, changes map[string]protocol.FileChange, now time.Time) []v2Message {
	if t.turn.patches[callID] != nil {
		return nil
	}
	out := t.closeStreams(now)
	started := ms(now)
	item := &v2.FileChangeItem{Type: v2.ItemFileChange, ID: callID, Changes: fileChanges(changes), Status: v2.CommandInProgress}
	item.StartedAtMs = &started
	t.turn.patches[callID] = item
	return append(out, t.itemStarted(*item, now))
}

// askPatch is the approval request of a patch, after its item started and
// the thread turned to waiting on approval.
func (t *v2Translator) askPatch(m protocol.ApplyPatchApprovalRequestEvent, now time.Time) []v2Message {
	out := t.startPatch(m.CallID, m.Changes, now)
	out = append(out, t.status(v2.Active(v2.ActiveFlagWaitingOnApproval)))
	return append(out, v2Message{
		method: v2.MethodFileChangeRequestApproval,
		params: v2.FileChangeRequestApprovalParams{ThreadID: t.threadID, TurnID: t.turn.id, ItemID: m.CallID,
			StartedAtMs: ms(now), Reason: m.Reason, GrantRoot: m.GrantRoot},
		approval: &v2Approval{callID: m.CallID, patch: true, turnID: t.turn.id},
	})
}

// endPatch completes a file change item with status.
func (t *v2Translator) endPatch(callID, status string, now time.Time) []v2Message {
	if t.turn == nil {
		return nil
	}
	item := t.turn.patches[callID]
	if item == nil {
		return nil
	}
	delete(t.turn.patches, callID)
	done := *item
	completed := ms(now)
	done.CompletedAtMs, done.Status = &completed, status
	return []v2Message{t.itemCompleted(done, now)}
}

// resolved is what follows the answer to an approval request: a declined
// patch's item is complete, as the engine writes nothing for it.
//
// The thread is active again without waiting: at once after an approval;
// after a declined patch's item/completed; after a declined command's
// item/completed, which the engine's end of the command brings, as the
// reference orders them.
func (t *v2Translator) resolved(a v2Approval, declined bool) []v2Message {
	active := t.status(v2.Active())
	if !declined {
		return []v2Message{active}
	}
	t.declined(a.callID)
	if a.patch {
		return append(t.endPatch(a.callID, v2.CommandDeclined, t.now()), active)
	}
	if t.turn != nil {
		t.turn.activeAfter = a.callID
	}
	return nil
}

// endTurn closes every open item and the turn; the thread becomes idle.
func (t *v2Translator) endTurn(status string, now time.Time) []v2Message {
	turn := t.turn
	var out []v2Message
	if turn.held != nil {
		out = append(out, t.itemStarted(*turn.held, time.UnixMilli(*turn.held.StartedAtMs)))
		turn.held = nil
	}
	out = append(out, t.closeStreams(now)...)
	for callID := range turn.patches {
		final := v2.CommandFailed
		if turn.declined[callID] {
			final = v2.CommandDeclined
		}
		out = append(out, t.endPatch(callID, final, now)...)
	}
	for callID, item := range turn.commands {
		done := *item
		completed := ms(now)
		done.CompletedAtMs = &completed
		done.Status = v2.CommandFailed
		if turn.declined[callID] {
			done.Status = v2.CommandDeclined
		}
		out = append(out, t.itemCompleted(done, now))
	}
	turn.commands = map[string]*v2.CommandExecutionItem{}
	for _, item := range turn.tools {
		done := *item
		completed := ms(now)
		done.CompletedAtMs, done.Status = &completed, v2.CommandFailed
		out = append(out, t.itemCompleted(done, now))
	}
	turn.tools = map[string]*v2.McpToolCallItem{}
	for _, item := range turn.searches {
		done := *item
		completed := ms(now)
		done.CompletedAtMs = &completed
		out = append(out, t.itemCompleted(done, now))
	}
	turn.searches = map[string]*v2.WebSearchItem{}
	out = append(out, t.endCompaction(now)...)
	if status == v2.TurnFailed && turn.failure != nil {
		out = append(out, t.status(v2.ThreadStatus{Type: v2.ThreadSystemError}),
			v2Message{method: v2.NotificationError, params: v2.ErrorNotification{Error: *turn.failure, ThreadID: t.threadID, TurnID: turn.id}})
		out = append(out, v2Message{method: v2.NotificationTurnCompleted, params: v2.TurnNotification{ThreadID: t.threadID, Turn: turn.wire(status, now)}})
		t.turn = nil
		return out
	}
	out = append(out, t.status(v2.Idle()),
		v2Message{method: v2.NotificationTurnCompleted, params: v2.TurnNotification{ThreadID: t.threadID, Turn: turn.wire(status, now)}})
	t.turn = nil
	return out
}

// enteredReview is the enteredReviewMode item of the review turn.
func (t *v2Translator) enteredReview(now time.Time) []v2Message {
	at := ms(now)
	item := v2.EnteredReviewModeItem{Type: v2.ItemEnteredReviewMode, ID: t.ids(), Review: t.turn.review}
	item.StartedAtMs = &at
	out := []v2Message{t.itemStarted(item, now)}
	item.CompletedAtMs = &at
	return append(out, t.itemCompleted(item, now))
}

// endCompaction completes the open contextCompaction item, if any.
func (t *v2Translator) endCompaction(now time.Time) []v2Message {
	item := t.turn.compaction
	if item == nil {
		return nil
	}
	t.turn.compaction = nil
	done := *item
	completed := ms(now)
	done.CompletedAtMs = &completed
	return []v2Message{t.itemCompleted(done, now)}
}

// tokenUsage converts the engine's token counts.
func tokenUsage(info protocol.TokenUsageInfo) v2.ThreadTokenUsage {
	breakdown := func(u protocol.TokenUsage) v2.TokenUsageBreakdown {
		return v2.TokenUsageBreakdown{TotalTokens: u.TotalTokens, InputTokens: u.InputTokens, CachedInputTokens: u.CachedInputTokens,
			OutputTokens: u.OutputTokens, ReasoningOutputTokens: u.ReasoningOutputTokens}
	}
	usage := v2.ThreadTokenUsage{Total: breakdown(info.TotalTokenUsage), Last: breakdown(info.LastTokenUsage)}
	if w := info.ModelContextWindow; w != nil {
		effective := *w * effectiveWindowPercent / 100
		usage.ModelContextWindow = &effective
	}
	return usage
}

// effectiveWindowPercent is the part of a model's context window that v2
// reports as usable, leaving room for the instructions and the tools'
// output as the reference does (272,000 tokens are reported as 258,400).
const effectiveWindowPercent = 95

// commandActions converts the engine's parsed command.
func commandActions(parsed []protocol.ParsedCommand) []v2.CommandAction {
	out := make([]v2.CommandAction, 0, len(parsed))
	for _, p := range parsed {
		a := v2.CommandAction{Type: p.Type, Command: p.Cmd}
		switch p.Type {
		case "read":
			a.Name = p.Name
			path := p.Name
			if p.Path != nil {
				path = *p.Path
			}
			a.Path = &path
		case "list_files":
			a.Type, a.Path = "listFiles", p.Path
		case "search":
			a.Path, a.Query = p.Path, p.Query
		default:
			a.Type = "unknown"
		}
		out = append(out, a)
	}
	return out
}

// shellJoin writes argv as one shell command line, quoting the words that
// need it.
func shellJoin(argv []string) string {
	words := make([]string, len(argv))
	for i, w := range argv {
		words[i] = shellQuote(w)
	}
	return strings.Join(words, " ")
}

// shellQuote quotes a word for a POSIX shell when it holds anything but
// plain characters.
func shellQuote(w string) string {
	if w != "" && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,@%+") == "" {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// fileChanges converts a patch's changes, ordered by path.
func fileChanges(changes map[string]protocol.FileChange) []v2.FileUpdateChange {
	paths := make([]string, 0, len(changes))
	for p := range changes {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	out := make([]v2.FileUpdateChange, 0, len(paths))
	for _, p := range paths {
		c := changes[p]
		switch {
		case c.Add != nil:
			out = append(out, v2.FileUpdateChange{Path: p, Kind: v2.FileChangeKind{Type: "add"}, Diff: c.Add.Content})
		case c.Delete != nil:
			out = append(out, v2.FileUpdateChange{Path: p, Kind: v2.FileChangeKind{Type: "delete"}, Diff: c.Delete.Content})
		case c.Update != nil:
			out = append(out, v2.FileUpdateChange{Path: p, Kind: v2.FileChangeKind{Type: "update", MovePath: c.Update.MovePath}, Diff: c.Update.UnifiedDiff})
		}
	}
	return out
}

// planSteps converts the model's plan; in_progress is inProgress in v2.
func planSteps(items []protocol.PlanItem) []v2.PlanStep {
	out := make([]v2.PlanStep, 0, len(items))
	for _, it := range items {
		status := it.Status
		if status == "in_progress" {
			status = "inProgress"
		}
		out = append(out, v2.PlanStep{Step: it.Step, Status: status})
	}
	return out
}

// sameUsage reports whether two token usages are the same.
func sameUsage(a, b v2.ThreadTokenUsage) bool {
	same := a.Total == b.Total && a.Last == b.Last
	switch {
	case a.ModelContextWindow == nil || b.ModelContextWindow == nil:
		return same && a.ModelContextWindow == b.ModelContextWindow
	}
	return same && *a.ModelContextWindow == *b.ModelContextWindow
}
