package conversation

import (
	"context"

	"github.com/codex-go/codex/core/review"
	"github.com/codex-go/codex/protocol"
)

// runReview runs a review turn. The reviewer starts from a history of its
// own (the environment and the review task, no earlier conversation),
// with the review instructions, the same tools and the same approvals;
// its requests and tool calls are not recorded. Its answer is read as a
// review (protocol.ReviewOutput), and the conversation gets it, rendered
// as text, as an agent message: later turns can act on it.
//
// Events: task_started, entered_review_mode, the reviewer's tool calls
// and token counts, exited_review_mode with the review, agent_message
// with its text, task_complete. A review that fails or is interrupted
// ends with exited_review_mode without a review, then the error and
// task_complete, or turn_aborted.
func (c *Conversation) runReview(ctx context.Context, t *task, tc protocol.TurnContext) {
	defer close(t.done)
	c.emit(t.subID, protocol.TaskStartedEvent{ModelContextWindow: c.cfg.ModelContextWindow})
	c.emit(t.subID, protocol.EnteredReviewModeEvent{ReviewRequest: *t.review})

	c.mu.Lock()
	parent := c.history
	c.history = nil
	c.reviewing = true
	c.mu.Unlock()
	c.recordItems(protocol.UserText(c.envContext(tc).render()), protocol.UserText(t.review.Prompt))
	var inputs []string
	lastAgent, err := c.work(ctx, t, tc, &inputs)

	if err != nil {
		c.mu.Lock()
		c.history = parent
		c.reviewing = false
		c.mu.Unlock()
		c.emit(t.subID, protocol.ExitedReviewModeEvent{})
		c.endTask(ctx, t, err, nil)
		return
	}
	text := ""
	if lastAgent != nil {
		text = *lastAgent
	}
	out := review.ParseOutput(text)
	rendered := review.Render(out)
	answer := protocol.AssistantText(rendered)
	// The conversation's history comes back with the review in it, and the
	// turn ends, at once: a turn started next sees both.
	c.mu.Lock()
	c.history = append(parent, answer)
	c.reviewing = false
	// Input sent as the review ended joins the history, as after a failed turn.
	pending := c.pending
	c.pending = nil
	c.history = append(c.history, pending...)
	if c.task == t {
		c.task = nil
	}
	c.mu.Unlock()
	c.rolloutWritten(c.rollout.ResponseItems(append([]protocol.ResponseItem{answer}, pending...)...))
	c.recordUserEvents(pending)
	c.emit(t.subID, protocol.ExitedReviewModeEvent{ReviewOutput: &out})
	c.emit(t.subID, protocol.AgentMessageEvent{Message: rendered})
	c.emitLast(t, protocol.TaskCompleteEvent{LastAgentMessage: &rendered})
}
