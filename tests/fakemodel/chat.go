package fakemodel

import (
	"fmt"
	"strings"

	"github.com/codex-go/codex/protocol"
)

// ChatCompletionID is the completion id the chat builders put in every chunk.
const ChatCompletionID = "chatcmpl-1"

// ChatModel is the model name the chat builders report.
const ChatModel = "fake-chat"

// The finish reasons of a chat choice.
const (
	// FinishStop ends a choice that answered.
	FinishStop = "stop"
	// FinishToolCalls ends a choice that calls tools.
	FinishToolCalls = "tool_calls"
)

// ChatChunk is a chat.completion.chunk event whose only choice carries delta
// and, unless finishReason is "", the finish reason.
func ChatChunk(delta map[string]any, finishReason string) SSE {
	var finish any
	if finishReason != "" {
		finish = finishReason
	}
	if delta == nil {
		delta = map[string]any{}
	}
	return SSE{Data: map[string]any{
		"id":      ChatCompletionID,
		"object":  "chat.completion.chunk",
		"created": 0,
		"model":   ChatModel,
		"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
	}}
}

// ChatRole is the opening chunk announcing the assistant role.
func ChatRole() SSE {
	return ChatChunk(map[string]any{"role": "assistant", "content": ""}, "")
}

// ChatContent is a chunk carrying answer text.
func ChatContent(s string) SSE {
	return ChatChunk(map[string]any{"content": s}, "")
}

// ChatReasoning is a chunk carrying reasoning text in the "reasoning"
// field, as Ollama and OpenRouter send it.
func ChatReasoning(s string) SSE {
	return ChatChunk(map[string]any{"reasoning": s}, "")
}

// ChatReasoningContent is a chunk carrying reasoning text in the
// "reasoning_content" field, as DeepSeek-style servers send it.
func ChatReasoningContent(s string) SSE {
	return ChatChunk(map[string]any{"reasoning_content": s}, "")
}

// ChatToolCallDelta is a chunk carrying one tool call fragment at index;
// callID and name are left out when "".
func ChatToolCallDelta(index int, callID, name, argsFragment string) SSE {
	fn := map[string]any{"arguments": argsFragment}
	if name != "" {
		fn["name"] = name
	}
	tc := map[string]any{"index": index, "function": fn}
	if callID != "" {
		tc["id"] = callID
		tc["type"] = "function"
	}
	return ChatChunk(map[string]any{"tool_calls": []any{tc}}, "")
}

// ChatToolCallDeltas streams one tool call at index: the id and name in the
// first chunk, then args split into fragments chunks of roughly equal size
// (at least one).
func ChatToolCallDeltas(index int, callID, name, args string, fragments int) []SSE {
	parts := splitRunes(args, fragments)
	out := make([]SSE, 0, len(parts)+1)
	out = append(out, ChatToolCallDelta(index, callID, name, ""))
	for _, p := range parts {
		out = append(out, ChatToolCallDelta(index, "", "", p))
	}
	return out
}

// splitRunes cuts s into n pieces of roughly equal size at rune boundaries;
// fewer when s is shorter than n runes, and one when n < 1.
func splitRunes(s string, n int) []string {
	r := []rune(s)
	if n < 1 {
		n = 1
	}
	if n > len(r) {
		n = max(len(r), 1)
	}
	out := make([]string, 0, n)
	for i := range n {
		out = append(out, string(r[i*len(r)/n:(i+1)*len(r)/n]))
	}
	return out
}

// ChatFinish is the chunk ending the choice with reason, e.g. FinishStop.
func ChatFinish(reason string) SSE {
	return ChatChunk(nil, reason)
}

// ChatUsage is the trailing chunk with no choices that reports usage, sent
// when the request asked for stream_options.include_usage.
func ChatUsage(u protocol.TokenUsage) SSE {
	return SSE{Data: map[string]any{
		"id":      ChatCompletionID,
		"object":  "chat.completion.chunk",
		"created": 0,
		"model":   ChatModel,
		"choices": []any{},
		"usage": map[string]any{
			"prompt_tokens":             u.InputTokens,
			"completion_tokens":         u.OutputTokens,
			"total_tokens":              u.TotalTokens,
			"prompt_tokens_details":     map[string]any{"cached_tokens": u.CachedInputTokens},
			"completion_tokens_details": map[string]any{"reasoning_tokens": u.ReasoningOutputTokens},
		},
	}}
}

// ChatDone is the data: [DONE] line that ends a chat stream.
func ChatDone() SSE {
	return SSE{Raw: "[DONE]"}
}

// ChatTurn is a reply opening with the role chunk, then events, then the
// finish chunk with finishReason, usage (DefaultUsage when none is given)
// and [DONE].
func ChatTurn(finishReason string, events []SSE, usage ...protocol.TokenUsage) Reply {
	u := DefaultUsage()
	if len(usage) > 0 {
		u = usage[0]
	}
	all := make([]SSE, 0, len(events)+4)
	all = append(all, ChatRole())
	all = append(all, events...)
	all = append(all, ChatFinish(finishReason), ChatUsage(u), ChatDone())
	return Reply{Events: all}
}

// ChatText is a chat reply streaming text word by word and finishing with
// stop, usage (DefaultUsage when none is given) and [DONE].
func ChatText(text string, usage ...protocol.TokenUsage) Reply {
	var events []SSE
	for _, d := range strings.SplitAfter(text, " ") {
		if d != "" {
			events = append(events, ChatContent(d))
		}
	}
	return ChatTurn(FinishStop, events, usage...)
}

// ChatToolCall is a chat reply calling one tool, its arguments split into
// fragments chunks, finishing with tool_calls, the default usage and [DONE].
func ChatToolCall(callID, name, args string, fragments int) Reply {
	return ChatTurn(FinishToolCalls, ChatToolCallDeltas(0, callID, name, args, fragments))
}

// ChatConfigTOML returns config.toml lines that select this server as the
// model provider "mock" speaking Chat Completions, with retries disabled.
// The snippet ends with a table, so it belongs after any top-level keys.
func (s *Server) ChatConfigTOML() string {
	return fmt.Sprintf(`model_provider = "mock"

[model_providers.mock]
name = "mock"
base_url = %q
wire_api = "chat"
request_max_retries = 0
stream_max_retries = 0
`, s.URL)
}
