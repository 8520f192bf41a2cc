package conversation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/codex-go/codex/core/client"
	"github.com/codex-go/codex/core/rollout"
	"github.com/codex-go/codex/protocol"
)

// compactionRequest is the instruction appended to the history when the
// model is asked to summarise it.
const compactionRequest = `Stop working on the task for a moment: the conversation is about to be shortened, and the only record of it will be what you write now.

Write a summary another engineer could pick the work up from without seeing this conversation:
- the goal, as the user stated it, and any constraints or preferences they gave;
- what has been done: files read, created or changed (with paths), commands run and what they showed;
- decisions made and why, including approaches that were tried and abandoned;
- the current state: what works, what fails, open errors (quote them briefly);
- what remains to be done, in order.

Be specific and brief. Write only the summary, with no tool calls and no preamble.`

// errNoSummary is returned when the model answered the compaction request
// without any text.
var errNoSummary = errors.New("compaction failed: the model returned no summary")

// compact replaces the history with a summary the model writes of it. It
// emits context_compaction_begin, the token count it starts from, the
// token counts of the summary request, the estimated count of the new
// history and context_compacted once that history is in place; on failure
// the history is left as it was.
func (c *Conversation) compact(ctx context.Context, t *task, tc protocol.TurnContext) error {
	c.emit(t.subID, protocol.ContextCompactionBeginEvent{})
	c.mu.Lock()
	info, limits := c.tokenInfoCopy(), c.rateLimits
	c.mu.Unlock()
	if info != nil {
		// The usage the compaction starts from, which it is about to shrink.
		c.emit(t.subID, protocol.TokenCountEvent{Info: info, RateLimits: limits})
	}
	history := c.historySnapshot()
	summary, err := c.summarize(ctx, t, tc, history)
	if err != nil {
		return err
	}
	next := rollout.CompactedHistory(history, summary)
	c.mu.Lock()
	// Items recorded while the summary was written (none today: the turn
	// waits for it) are kept after it.
	next = append(next, c.history[len(history):]...)
	c.history = next
	if c.tokenInfo != nil {
		// The next request's input is about the size of the new history;
		// until the model reports it, that estimate stands for it.
		c.tokenInfo.LastTokenUsage = protocol.TokenUsage{TotalTokens: estimateTokens(next)}
	}
	info = c.tokenInfoCopy()
	limits = c.rateLimits
	c.mu.Unlock()
	c.rolloutWritten(c.rollout.Compacted(rollout.Compacted{Message: summary, ReplacementHistory: next}))
	if info != nil {
		c.emit(t.subID, protocol.TokenCountEvent{Info: info, RateLimits: limits})
	}
	c.emit(t.subID, protocol.ContextCompactedEvent{})
	return nil
}

// summarize asks the model for a summary of history, retrying failed
// streams as a turn's requests are. The request offers no tools; what the
// model streams is not shown as agent messages.
func (c *Conversation) summarize(ctx context.Context, t *task, tc protocol.TurnContext, history []protocol.ResponseItem) (string, error) {
	instructions := c.cfg.BaseInstructions
	if instructions == "" {
		instructions = BaseInstructions()
	}
	request := c.cfg.CompactPrompt
	if request == "" {
		request = compactionRequest
	}
	req := client.Request{
		Model:          tc.Model,
		Effort:         tc.Effort,
		Summary:        tc.Summary,
		ConversationID: c.id,
		Prompt: client.Prompt{
			Instructions: instructions,
			Input:        append(history, protocol.UserText(request)),
		},
		OnRetry: func(attempt, max int, delay time.Duration, err error) {
			c.emit(t.subID, protocol.StreamErrorEvent{Message: fmt.Sprintf("%v; retrying %d/%d in %s…", err, attempt, max, delay.Round(time.Millisecond))})
		},
	}
	maxRetries := c.cfg.ModelProvider.StreamMaxRetriesOrDefault()
	for attempt := 0; ; attempt++ {
		summary, err := c.summaryStream(ctx, t, req)
		if err == nil || ctx.Err() != nil {
			return summary, err
		}
		var se *client.StreamError
		if !errors.As(err, &se) || !se.Retryable || attempt >= maxRetries {
			return "", err
		}
		delay := client.Backoff(attempt + 1)
		if se.RetryAfter > 0 {
			delay = se.RetryAfter
		}
		c.emit(t.subID, protocol.StreamErrorEvent{Message: fmt.Sprintf("stream error: %v; retrying %d/%d in %s…", err, attempt+1, maxRetries, delay.Round(time.Millisecond))})
		if err := client.Sleep(ctx, delay); err != nil {
			return "", err
		}
	}
}

// summaryStream makes one summary request and returns the text of the
// model's messages.
func (c *Conversation) summaryStream(ctx context.Context, t *task, req client.Request) (string, error) {
	s, err := c.client.Stream(ctx, req)
	if err != nil {
		return "", err
	}
	defer s.Close()
	var text strings.Builder
	for {
		ev, err := s.Next()
		if err != nil {
			return "", err
		}
		switch ev.Kind {
		case client.RateLimits:
			c.mu.Lock()
			c.rateLimits = ev.RateLimits
			c.mu.Unlock()
		case client.OutputItemDone:
			if ev.Item.Type == protocol.ItemMessage && ev.Item.Role == "assistant" {
				text.WriteString(ev.Item.MessageText())
			}
		case client.Completed:
			c.mu.Lock()
			if ev.Usage != nil {
				c.addUsage(*ev.Usage)
			}
			info, limits := c.tokenInfoCopy(), c.rateLimits
			c.mu.Unlock()
			c.emit(t.subID, protocol.TokenCountEvent{Info: info, RateLimits: limits})
			if strings.TrimSpace(text.String()) == "" {
				return "", errNoSummary
			}
			return text.String(), nil
		}
	}
}

// needsCompaction reports whether the context of the last request reached
// the automatic compaction limit.
func (c *Conversation) needsCompaction() bool {
	limit := c.cfg.AutoCompactLimit()
	if limit <= 0 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tokenInfo != nil && c.tokenInfo.LastTokenUsage.TotalTokens >= limit
}

// estimateTokens guesses the tokens of items from their size: about four
// bytes of JSON per token.
func estimateTokens(items []protocol.ResponseItem) int64 {
	var n int64
	for _, it := range items {
		b, err := protocol.Marshal(it)
		if err == nil {
			n += int64(len(b))
		}
	}
	return (n + 3) / 4
}
