package rollout

import (
	"strings"

	"github.com/codex-go/codex/protocol"
)

// SummaryTag opens the user-role message that carries the summary of a
// compacted history.
const SummaryTag = "<conversation_summary>"

// keptUserBytes bounds the text of the earlier user messages a compacted
// history keeps verbatim (about 20,000 tokens); the newest are kept.
const keptUserBytes = 80_000

// Compacted is the payload of a compacted line: the summary that replaced
// the history, and the history the conversation went on with. Files that
// only hold the message (as earlier versions write them) are rebuilt from
// the history before the line with CompactedHistory.
type Compacted struct {
	// Message is the summary the model wrote.
	Message string `json:"message"`
	// ReplacementHistory is the history after the compaction.
	ReplacementHistory []protocol.ResponseItem `json:"replacement_history,omitempty"`
}

// Compacted records that the history was replaced by a summary.
func (w *Writer) Compacted(c Compacted) error {
	return w.write(LineCompacted, c)
}

// CompactedHistory is the history a conversation goes on with after its
// history was summarised: the generated context messages (environment,
// user instructions) as they were, the newest messages the user typed
// (about 20,000 tokens of them, older ones dropped first), and one
// message carrying the summary. Tool calls, their outputs and the model's
// own messages are gone: the summary stands for them.
func CompactedHistory(history []protocol.ResponseItem, summary string) []protocol.ResponseItem {
	var context, typed []protocol.ResponseItem
	for _, it := range history {
		if it.Type != protocol.ItemMessage || it.Role != "user" {
			continue
		}
		text := it.MessageText()
		switch {
		case strings.HasPrefix(strings.TrimSpace(text), SummaryTag):
			// The summary of an earlier compaction is part of what the new
			// summary covers.
		case IsContextMessage(text):
			context = append(context, it)
		default:
			typed = append(typed, it)
		}
	}
	budget, first := keptUserBytes, len(typed)
	for first > 0 && len(typed[first-1].MessageText()) <= budget {
		budget -= len(typed[first-1].MessageText())
		first--
	}
	out := make([]protocol.ResponseItem, 0, len(context)+len(typed)-first+1)
	out = append(out, context...)
	out = append(out, typed[first:]...)
	return append(out, protocol.UserText(SummaryMessage(summary)))
}

// SummaryMessage is the text of the message that hands the summary of the
// earlier conversation to the model.
func SummaryMessage(summary string) string {
	return SummaryTag + "\nThe earlier part of this conversation was condensed to save context. " +
		"The user's messages are kept above; what happened in between (commands run, files " +
		"read and changed, answers given) is summarised here. Continue the work from this " +
		"summary.\n\n" + strings.TrimSpace(summary) + "\n</conversation_summary>"
}
