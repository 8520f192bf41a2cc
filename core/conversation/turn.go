package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/codex-go/codex/core/client"
	"github.com/codex-go/codex/core/notify"
	"github.com/codex-go/codex/core/review"
	"github.com/codex-go/codex/core/tools"
	"github.com/codex-go/codex/protocol"
)

// samplingResult is what one model request produced.
type samplingResult struct {
	items     []protocol.ResponseItem
	lastAgent *string
	followUp  bool
}

// runTask runs one turn: model requests and tool calls until the model
// answers without calling a tool and no user input is pending. A turn that
// compacts (compactOnly) summarises the history first and ends there,
// unless input arrived meanwhile, which it then answers. Any turn compacts
// the history before a request when the last one filled the context up to
// the automatic compaction limit.
func (c *Conversation) runTask(ctx context.Context, t *task, tc protocol.TurnContext, input []protocol.ResponseItem, compactOnly bool) {
	defer close(t.done)
	c.emit(t.subID, protocol.TaskStartedEvent{ModelContextWindow: c.cfg.ModelContextWindow})
	if compactOnly || c.needsCompaction() {
		if err := c.compact(ctx, t, tc); err != nil {
			c.endTask(ctx, t, err, nil)
			return
		}
	}
	if compactOnly {
		c.mu.Lock()
		input = c.pending
		c.pending = nil
		if len(input) == 0 && c.task == t {
			c.task = nil
		}
		c.mu.Unlock()
		if len(input) == 0 {
			c.emitLast(t, protocol.TaskCompleteEvent{})
			return
		}
	}
	c.sampleUntilDone(ctx, t, tc, input)
}

// sampleUntilDone is the model's part of a turn: it records the input,
// then makes model requests and runs tool calls until the model answers
// without calling a tool and no user input is pending; it ends the turn.
func (c *Conversation) sampleUntilDone(ctx context.Context, t *task, tc protocol.TurnContext, input []protocol.ResponseItem) {
	c.recordUserInput(input)
	inputs := typedTexts(input)
	lastAgent, err := c.work(ctx, t, tc, &inputs)
	if err != nil {
		c.endTask(ctx, t, err, lastAgent)
		return
	}
	c.emitLast(t, protocol.TaskCompleteEvent{LastAgentMessage: lastAgent})
	if err := notify.Start(c.cfg.Notify, notify.TurnComplete{TurnID: t.subID, InputMessages: inputs, LastAssistantMessage: lastAgent}); err != nil {
		c.emit(t.subID, protocol.BackgroundEvent{Message: err.Error()})
	}
}

// work makes model requests and runs the tool calls they ask for until
// the model answers without calling a tool and no user input is pending;
// it returns the last agent message. The typed text of input that joined
// the turn is added to inputs. The running task is cleared when the turn
// is done (but for a review, which runReview ends), and left for the caller
// to end when it fails.
func (c *Conversation) work(ctx context.Context, t *task, tc protocol.TurnContext, inputs *[]string) (*string, error) {
	var lastAgent *string
	for {
		c.rolloutWritten(c.rollout.TurnContext(tc))
		res, err := c.sample(ctx, t, tc)
		c.recordItems(res.items...)
		c.mu.Lock()
		injected := c.injected
		c.injected = nil
		c.mu.Unlock()
		c.recordItems(injected...)
		if res.lastAgent != nil {
			lastAgent = res.lastAgent
		}
		if err != nil {
			return lastAgent, err
		}
		c.mu.Lock()
		pending := c.pending
		c.pending = nil
		if !res.followUp && len(pending) == 0 {
			if c.task == t && t.review == nil {
				// A review is done once its history is put back.
				c.task = nil
			}
			c.mu.Unlock()
			return lastAgent, nil
		}
		// A user_turn sent during the turn applies from the next request on.
		tc = c.turnCtx
		c.mu.Unlock()
		if t.review == nil && c.needsCompaction() {
			// The input that arrived waits until the history is compacted,
			// so that it stays after the summary.
			if err := c.compact(ctx, t, tc); err != nil {
				c.mu.Lock()
				c.pending = append(pending, c.pending...)
				c.mu.Unlock()
				return lastAgent, err
			}
		}
		c.recordUserInput(pending)
		*inputs = append(*inputs, typedTexts(pending)...)
	}
}

// endTask ends a turn that stopped on err: interrupted, or failed with an
// error event before its task_complete.
func (c *Conversation) endTask(ctx context.Context, t *task, err error, lastAgent *string) {
	c.finishTask(t)
	if ctx.Err() != nil || errors.Is(err, tools.ErrTurnAborted) {
		c.emitLast(t, protocol.TurnAbortedEvent{Reason: protocol.AbortInterrupted})
		return
	}
	c.emit(t.subID, protocol.ErrorEvent{Message: err.Error(), Kind: client.ErrorKind(err)})
	c.emitLast(t, protocol.TaskCompleteEvent{LastAgentMessage: lastAgent})
}

// emitLast emits the last event of a turn, task_complete or turn_aborted,
// once the user's shell commands that joined the turn have ended. t is no
// longer the running task, so no command joins it any more.
func (c *Conversation) emitLast(t *task, last protocol.EventMsg) {
	t.joined.Wait()
	c.emit(t.subID, last)
}

// typedTexts returns the text of the user-typed messages among items.
func typedTexts(items []protocol.ResponseItem) []string {
	var out []string
	for _, it := range items {
		if it.Type == protocol.ItemMessage && it.Role == "user" {
			if text := it.MessageText(); !IsContextMessage(text) {
				out = append(out, text)
			}
		}
	}
	return out
}

// finishTask clears t as the running task after it failed or was aborted.
// Input sent during the turn that the turn did not take is kept in the
// history, so the next turn's request carries it.
func (c *Conversation) finishTask(t *task) {
	c.mu.Lock()
	if c.task == t {
		c.task = nil
	}
	// The input joins the history before another turn can start.
	pending := c.pending
	c.pending = nil
	c.history = append(c.history, pending...)
	c.mu.Unlock()
	c.rolloutWritten(c.rollout.ResponseItems(pending...))
	c.recordUserEvents(pending)
}

// recordUserInput adds user-role items to the history and records typed
// messages as user_message events in the rollout.
func (c *Conversation) recordUserInput(items []protocol.ResponseItem) {
	c.recordItems(items...)
	c.recordUserEvents(items)
}

// recordUserEvents records the typed messages among items (already in the
// history) as rollout user_message events and history entries.
func (c *Conversation) recordUserEvents(items []protocol.ResponseItem) {
	for _, it := range items {
		text := it.MessageText()
		if it.Type != protocol.ItemMessage || IsContextMessage(text) {
			continue
		}
		if err := c.hist.Append(c.id, text, c.deps.Now()); err != nil {
			c.events.push(protocol.Event{Msg: protocol.BackgroundEvent{Message: fmt.Sprintf("history: %v", err)}})
		}
		ev := protocol.UserMessageEvent{Message: text, Kind: protocol.KindPlain}
		for _, part := range it.Content {
			if part.Type == protocol.ContentInputImage {
				ev.Images = append(ev.Images, part.ImageURL)
			}
		}
		c.rolloutWritten(c.rollout.EventMsg(ev))
	}
}

// sample makes one model request, retrying dropped or failed streams. What
// a failed attempt completed (messages, and tool calls that already ran,
// with their outputs) is recorded before the retry, so the model is not
// asked to redo work that happened.
func (c *Conversation) sample(ctx context.Context, t *task, tc protocol.TurnContext) (samplingResult, error) {
	maxRetries := c.cfg.ModelProvider.StreamMaxRetriesOrDefault()
	for attempt := 0; ; attempt++ {
		res, err := c.stream(ctx, t, tc)
		if err == nil || ctx.Err() != nil || errors.Is(err, tools.ErrTurnAborted) {
			return res, err
		}
		var se *client.StreamError
		if !errors.As(err, &se) || !se.Retryable || attempt >= maxRetries {
			return res, err
		}
		c.recordItems(res.items...)
		delay := client.Backoff(attempt + 1)
		if se.RetryAfter > 0 {
			delay = se.RetryAfter
		}
		c.emit(t.subID, protocol.StreamErrorEvent{Message: fmt.Sprintf("stream error: %v; retrying %d/%d in %s…", err, attempt+1, maxRetries, delay.Round(time.Millisecond))})
		if err := client.Sleep(ctx, delay); err != nil {
			return samplingResult{}, err
		}
	}
}

// stream sends the history to the model and handles what comes back:
// deltas become events, tool calls run as soon as they arrive.
func (c *Conversation) stream(ctx context.Context, t *task, tc protocol.TurnContext) (samplingResult, error) {
	var res samplingResult
	if err := c.waitMCP(ctx); err != nil {
		return res, err
	}
	instructions := c.cfg.BaseInstructions
	if instructions == "" {
		instructions = BaseInstructions()
	}
	if t.review != nil {
		instructions = review.Instructions()
	}
	req := client.Request{
		Model:          tc.Model,
		Effort:         tc.Effort,
		Summary:        tc.Summary,
		Verbosity:      c.cfg.ModelVerbosity,
		ConversationID: c.id,
		Prompt: client.Prompt{
			Instructions: instructions,
			Input:        c.historySnapshot(),
			Tools:        c.router.Specs(),
			OutputSchema: c.cfg.OutputSchema,
		},
		OnRetry: func(attempt, max int, delay time.Duration, err error) {
			c.emit(t.subID, protocol.StreamErrorEvent{Message: fmt.Sprintf("%v; retrying %d/%d in %s…", err, attempt, max, delay.Round(time.Millisecond))})
		},
	}
	s, err := c.client.Stream(ctx, req)
	if err != nil {
		return res, err
	}
	defer s.Close()
	turn := c.toolTurn(t, tc)
	// openMessage is the provider's id of the message being streamed, from
	// its output_item.added, for deltas that do not name their item.
	openMessage := ""
	for {
		ev, err := s.Next()
		if err != nil {
			return res, err
		}
		switch ev.Kind {
		case client.RateLimits:
			c.mu.Lock()
			c.rateLimits = ev.RateLimits
			info := c.tokenInfoCopy()
			c.mu.Unlock()
			c.emit(t.subID, protocol.TokenCountEvent{Info: info, RateLimits: ev.RateLimits})
		case client.OutputTextDelta:
			id := ev.ItemID
			if id == "" {
				id = openMessage
			}
			if t.review == nil {
				// A reviewer's answer is shown once it is read, not as it streams.
				c.emit(t.subID, protocol.AgentMessageDeltaEvent{Delta: ev.Delta, ItemID: id})
			}
		case client.ReasoningSummaryDelta:
			c.emit(t.subID, protocol.AgentReasoningDeltaEvent{Delta: ev.Delta, ItemID: ev.ItemID})
		case client.ReasoningContentDelta:
			if c.cfg.ShowRawAgentReasoning {
				c.emit(t.subID, protocol.AgentReasoningRawContentDeltaEvent{Delta: ev.Delta, ItemID: ev.ItemID})
			}
		case client.ReasoningSummaryPartAdded:
			c.emit(t.subID, protocol.AgentReasoningSectionBreakEvent{})
		case client.OutputItemAdded:
			if ev.Item.Type == protocol.ItemMessage {
				openMessage = ev.Item.ID
			}
			if ev.Item.Type == protocol.ItemWebSearchCall {
				c.emit(t.subID, protocol.WebSearchBeginEvent{CallID: ev.Item.ID})
			}
		case client.OutputItemDone:
			if err := c.handleItem(ctx, t, turn, ev.Item, &res); err != nil {
				return res, err
			}
		case client.Completed:
			c.mu.Lock()
			if ev.Usage != nil {
				c.addUsage(*ev.Usage)
			}
			info, limits := c.tokenInfoCopy(), c.rateLimits
			c.mu.Unlock()
			c.emit(t.subID, protocol.TokenCountEvent{Info: info, RateLimits: limits})
			// The turn's diff so far follows each response's usage, as
			// codex-cli 0.45.0 sends it, so that the last turn_diff before
			// task_complete describes the whole turn.
			if diff := tools.TurnDiff(t.diffs, tc.Cwd); diff != "" {
				c.emit(t.subID, protocol.TurnDiffEvent{UnifiedDiff: diff})
			}
			return res, nil
		}
	}
}

// handleItem reacts to one finished output item.
func (c *Conversation) handleItem(ctx context.Context, t *task, turn *tools.Turn, item protocol.ResponseItem, res *samplingResult) error {
	res.items = append(res.items, item)
	switch {
	case item.Type == protocol.ItemMessage && item.Role == "assistant":
		text := item.MessageText()
		res.lastAgent = &text
		if t.review == nil {
			c.emit(t.subID, protocol.AgentMessageEvent{Message: text, ItemID: item.ID})
		}
	case item.Type == protocol.ItemWebSearchCall:
		// The provider ran the search; the model's next output uses it.
		var action struct {
			Query string `json:"query"`
		}
		_ = json.Unmarshal(item.Action, &action)
		c.emit(t.subID, protocol.WebSearchEndEvent{CallID: item.ID, Query: action.Query})
	case item.Type == protocol.ItemReasoning:
		for _, s := range item.Summary {
			c.emit(t.subID, protocol.AgentReasoningEvent{Text: s.Text, ItemID: item.ID})
		}
		if c.cfg.ShowRawAgentReasoning {
			for _, p := range item.ReasoningContent {
				c.emit(t.subID, protocol.AgentReasoningRawContentEvent{Text: p.Text, ItemID: item.ID})
			}
		}
	case tools.IsCall(item):
		res.followUp = true
		out, err := c.router.Dispatch(ctx, turn, item)
		if err != nil {
			// Every call in the history needs an output, even an aborted one.
			out.Output = "aborted"
			res.items = append(res.items, out)
			return err
		}
		res.items = append(res.items, out)
	}
	return nil
}

// toolTurn gives tool handlers what they may use of the running turn.
func (c *Conversation) toolTurn(t *task, tc protocol.TurnContext) *tools.Turn {
	return &tools.Turn{
		SubID:          t.subID,
		ConversationID: c.id,
		TurnContext:    tc,
		Emit:           func(m protocol.EventMsg) { c.emit(t.subID, m) },
		AskExec: func(ctx context.Context, callID string, command []string, cwd string, reason *string) (protocol.ReviewDecision, error) {
			return c.awaitApproval(ctx, t.subID, callID, protocol.ExecApprovalRequestEvent{CallID: callID, Command: command, Cwd: cwd, Reason: reason})
		},
		AskPatch: func(ctx context.Context, callID string, changes map[string]protocol.FileChange, reason, grantRoot *string) (protocol.ReviewDecision, error) {
			return c.awaitApproval(ctx, t.subID, callID, protocol.ApplyPatchApprovalRequestEvent{CallID: callID, Changes: changes, Reason: reason, GrantRoot: grantRoot})
		},
		AddInput: func(items ...protocol.ResponseItem) {
			c.mu.Lock()
			c.injected = append(c.injected, items...)
			c.mu.Unlock()
		},
		Diffs:    t.diffs,
		Approved: &c.approved,
	}
}

// addUsage folds one response's usage into the running totals. Call with c.mu held.
func (c *Conversation) addUsage(u protocol.TokenUsage) {
	if c.tokenInfo == nil {
		c.tokenInfo = &protocol.TokenUsageInfo{ModelContextWindow: c.cfg.ModelContextWindow}
	}
	c.tokenInfo.TotalTokenUsage = c.tokenInfo.TotalTokenUsage.Add(u)
	c.tokenInfo.LastTokenUsage = u
}

// tokenInfoCopy returns a copy of the running usage. Call with c.mu held.
func (c *Conversation) tokenInfoCopy() *protocol.TokenUsageInfo {
	if c.tokenInfo == nil {
		return nil
	}
	cp := *c.tokenInfo
	return &cp
}
