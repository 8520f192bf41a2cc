package conversation

import "github.com/codex-go/codex/protocol"

// Describe returns the session_configured event of a running conversation as
// it stands now: the model and reasoning effort of its next turn, its
// message history log and its rollout file. InitialMessages is left empty.
func (c *Conversation) Describe() protocol.SessionConfiguredEvent {
	tc := c.TurnContext()
	ev := protocol.SessionConfiguredEvent{
		SessionID:       c.id,
		Model:           tc.Model,
		ReasoningEffort: tc.Effort,
		RolloutPath:     c.rollout.Path(),
	}
	if c.hist != nil {
		// A history file that cannot be read was reported when the
		// conversation started; it is described as empty here.
		ev.HistoryLogID, ev.HistoryEntryCount, _ = c.hist.Metadata()
	}
	return ev
}
