package client

import "github.com/codex-go/codex/protocol"

// EventKind says what an Event reports.
type EventKind int

// The event kinds, in the rough order a stream produces them.
const (
	// RateLimits carries the provider's rate-limit headers; always the first
	// event of a stream.
	RateLimits EventKind = iota + 1
	// Created means the provider accepted the request.
	Created
	// OutputItemAdded announces an output item that is still being produced.
	OutputItemAdded
	// OutputItemDone carries a finished output item.
	OutputItemDone
	// OutputTextDelta carries a piece of the model's answer text.
	OutputTextDelta
	// ReasoningSummaryDelta carries a piece of a reasoning summary.
	ReasoningSummaryDelta
	// ReasoningContentDelta carries a piece of raw reasoning text.
	ReasoningContentDelta
	// ReasoningSummaryPartAdded starts a new reasoning summary paragraph.
	ReasoningSummaryPartAdded
	// Completed ends the stream successfully.
	Completed
)

// String returns the kind's name.
func (k EventKind) String() string {
	switch k {
	case RateLimits:
		return "rate_limits"
	case Created:
		return "created"
	case OutputItemAdded:
		return "output_item_added"
	case OutputItemDone:
		return "output_item_done"
	case OutputTextDelta:
		return "output_text_delta"
	case ReasoningSummaryDelta:
		return "reasoning_summary_delta"
	case ReasoningContentDelta:
		return "reasoning_content_delta"
	case ReasoningSummaryPartAdded:
		return "reasoning_summary_part_added"
	case Completed:
		return "completed"
	}
	return "unknown"
}

// Event is one normalised event of a model response stream.
type Event struct {
	// Kind says which fields are set.
	Kind EventKind
	// Item is the output item (OutputItemAdded, OutputItemDone).
	Item protocol.ResponseItem
	// Delta is the new text (the delta kinds).
	Delta string
	// ItemID is the provider's id of the output item a delta belongs to,
	// when it gives one.
	ItemID string
	// ResponseID is the provider's response id (Created, Completed).
	ResponseID string
	// Usage is the token usage (Completed); nil when the provider sent none.
	Usage *protocol.TokenUsage
	// RateLimits is the rate-limit snapshot (RateLimits); windows the
	// provider did not report are nil.
	RateLimits *protocol.RateLimitSnapshot
}
