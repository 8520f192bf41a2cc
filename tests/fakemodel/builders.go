package fakemodel

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/codex-go/codex/protocol"
)

// The Responses API event types the builders produce.
const (
	// EventCreated starts a response.
	EventCreated = "response.created"
	// EventCompleted ends a response successfully.
	EventCompleted = "response.completed"
	// EventFailed ends a response with an error.
	EventFailed = "response.failed"
	// EventOutputItemAdded announces an output item.
	EventOutputItemAdded = "response.output_item.added"
	// EventOutputItemDone carries a finished output item.
	EventOutputItemDone = "response.output_item.done"
	// EventOutputTextDelta carries answer text.
	EventOutputTextDelta = "response.output_text.delta"
	// EventReasoningSummaryDelta carries reasoning summary text.
	EventReasoningSummaryDelta = "response.reasoning_summary_text.delta"
	// EventReasoningContentDelta carries raw reasoning text.
	EventReasoningContentDelta = "response.reasoning_text.delta"
	// EventReasoningSummaryPartAdded starts a reasoning summary paragraph.
	EventReasoningSummaryPartAdded = "response.reasoning_summary_part.added"
)

// ResponseID is the response id the whole-reply builders use.
const ResponseID = "resp_1"

// DefaultUsage is the usage the builders report when none is given:
// 10 input, 5 output, 15 total tokens.
func DefaultUsage() protocol.TokenUsage {
	return protocol.TokenUsage{InputTokens: 10, OutputTokens: 5, TotalTokens: 15}
}

// Created is a response.created event.
func Created() SSE {
	return SSE{Event: EventCreated, Data: map[string]any{
		"type":     EventCreated,
		"response": map[string]any{"id": ResponseID},
	}}
}

// Completed is a response.completed event for response id with usage in the
// provider's wire form.
func Completed(id string, usage protocol.TokenUsage) SSE {
	return SSE{Event: EventCompleted, Data: map[string]any{
		"type": EventCompleted,
		"response": map[string]any{
			"id": id,
			"usage": map[string]any{
				"input_tokens":          usage.InputTokens,
				"input_tokens_details":  map[string]any{"cached_tokens": usage.CachedInputTokens},
				"output_tokens":         usage.OutputTokens,
				"output_tokens_details": map[string]any{"reasoning_tokens": usage.ReasoningOutputTokens},
				"total_tokens":          usage.TotalTokens,
			},
		},
	}}
}

// Failed is a response.failed event with a server_error code and message.
func Failed(message string) SSE {
	return FailedCode("server_error", message)
}

// FailedCode is a response.failed event with the given error code and message,
// e.g. context_length_exceeded or rate_limit_exceeded.
func FailedCode(code, message string) SSE {
	return SSE{Event: EventFailed, Data: map[string]any{
		"type": EventFailed,
		"response": map[string]any{
			"id":    ResponseID,
			"error": map[string]any{"code": code, "message": message},
		},
	}}
}

// OutputTextDelta is a response.output_text.delta event.
func OutputTextDelta(s string) SSE {
	return SSE{Event: EventOutputTextDelta, Data: map[string]any{
		"type": EventOutputTextDelta, "delta": s,
	}}
}

// ReasoningSummaryDelta is a response.reasoning_summary_text.delta event.
func ReasoningSummaryDelta(s string) SSE {
	return SSE{Event: EventReasoningSummaryDelta, Data: map[string]any{
		"type": EventReasoningSummaryDelta, "delta": s, "summary_index": 0,
	}}
}

// ReasoningContentDelta is a response.reasoning_text.delta event.
func ReasoningContentDelta(s string) SSE {
	return SSE{Event: EventReasoningContentDelta, Data: map[string]any{
		"type": EventReasoningContentDelta, "delta": s, "content_index": 0,
	}}
}

// ReasoningSummaryPartAdded is a response.reasoning_summary_part.added event.
func ReasoningSummaryPartAdded() SSE {
	return SSE{Event: EventReasoningSummaryPartAdded, Data: map[string]any{
		"type": EventReasoningSummaryPartAdded, "summary_index": 0,
	}}
}

// ItemDone is a response.output_item.done event carrying item.
func ItemDone(item protocol.ResponseItem) SSE {
	return SSE{Event: EventOutputItemDone, Data: map[string]any{
		"type": EventOutputItemDone, "item": item,
	}}
}

// ItemAdded is a response.output_item.added event carrying item.
func ItemAdded(item protocol.ResponseItem) SSE {
	return SSE{Event: EventOutputItemAdded, Data: map[string]any{
		"type": EventOutputItemAdded, "item": item,
	}}
}

// Reasoning is a reasoning summary delta followed by the finished reasoning
// item with that summary.
func Reasoning(summary string) []SSE {
	return []SSE{
		ReasoningSummaryDelta(summary),
		ItemDone(protocol.ResponseItem{
			Type:    protocol.ItemReasoning,
			ID:      "rs_1",
			Summary: []protocol.ReasoningSummaryPart{{Type: "summary_text", Text: summary}},
		}),
	}
}

// Turn wraps events in response.created and a response.completed with the
// default usage.
func Turn(events ...SSE) Reply {
	all := make([]SSE, 0, len(events)+2)
	all = append(all, Created())
	all = append(all, events...)
	all = append(all, Completed(ResponseID, DefaultUsage()))
	return Reply{Events: all}
}

// Text is a reply streaming text word by word, then the answer message
// (role assistant) and response.completed with usage (DefaultUsage when none
// is given).
func Text(text string, usage ...protocol.TokenUsage) Reply {
	var deltas []string
	for _, d := range strings.SplitAfter(text, " ") {
		if d != "" {
			deltas = append(deltas, d)
		}
	}
	return textReply(deltas, usage)
}

// TextDeltas is a reply streaming exactly deltas, then the answer message
// holding their concatenation and response.completed with the default usage.
func TextDeltas(deltas []string) Reply {
	return textReply(deltas, nil)
}

func textReply(deltas []string, usage []protocol.TokenUsage) Reply {
	u := DefaultUsage()
	if len(usage) > 0 {
		u = usage[0]
	}
	events := make([]SSE, 0, len(deltas)+3)
	events = append(events, Created())
	for _, d := range deltas {
		events = append(events, OutputTextDelta(d))
	}
	msg := protocol.AssistantText(strings.Join(deltas, ""))
	msg.ID = "msg_1"
	events = append(events, ItemDone(msg), Completed(ResponseID, u))
	return Reply{Events: events}
}

// FunctionCall is a reply asking for one function call.
func FunctionCall(callID, name, arguments string) Reply {
	return Turn(ItemDone(protocol.ResponseItem{
		Type:      protocol.ItemFunctionCall,
		ID:        "fc_1",
		Name:      name,
		Arguments: arguments,
		CallID:    callID,
	}))
}

// Error is a reply with the given status and a provider-style JSON error body
// {"error":{"message":...,"type":...}}.
func Error(status int, message string) Reply {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": message,
		"type":    strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_")),
	}})
	return Reply{Status: status, Body: string(b)}
}
