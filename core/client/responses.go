package client

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/codex-go/codex/protocol"
)

// responsesWire speaks the Responses API: POST /responses with an SSE answer.
type responsesWire struct{}

func (responsesWire) path() string { return "responses" }

// SupportsReasoning reports whether the model accepts reasoning settings
// (effort and summary): models named gpt-5*, o1*, o3*, o4* and codex*.
func SupportsReasoning(model string) bool {
	for _, p := range [...]string{"gpt-5", "o1", "o3", "o4", "codex"} {
		if strings.HasPrefix(model, p) {
			return true
		}
	}
	return false
}

// SupportsVerbosity reports whether the model accepts text.verbosity.
func SupportsVerbosity(model string) bool {
	return strings.HasPrefix(model, "gpt-5")
}

type responsesBody struct {
	Model             string                  `json:"model"`
	Instructions      string                  `json:"instructions"`
	Input             []protocol.ResponseItem `json:"input"`
	Tools             []json.RawMessage       `json:"tools"`
	ToolChoice        string                  `json:"tool_choice"`
	ParallelToolCalls bool                    `json:"parallel_tool_calls"`
	Reasoning         *reasoningParam         `json:"reasoning,omitempty"`
	Store             bool                    `json:"store"`
	Stream            bool                    `json:"stream"`
	Include           []string                `json:"include"`
	PromptCacheKey    string                  `json:"prompt_cache_key,omitempty"`
	Text              *textParam              `json:"text,omitempty"`
}

type reasoningParam struct {
	Effort  protocol.ReasoningEffort  `json:"effort,omitempty"`
	Summary protocol.ReasoningSummary `json:"summary"`
}

type textParam struct {
	Verbosity protocol.Verbosity `json:"verbosity,omitempty"`
	Format    *textFormat        `json:"format,omitempty"`
}

type textFormat struct {
	Type   string          `json:"type"`
	Strict bool            `json:"strict"`
	Schema json.RawMessage `json:"schema"`
	Name   string          `json:"name"`
}

func (responsesWire) encode(r Request) ([]byte, error) {
	body := responsesBody{
		Model:             r.Model,
		Instructions:      r.Prompt.Instructions,
		Input:             r.Prompt.Input,
		Tools:             r.Prompt.Tools,
		ToolChoice:        "auto",
		ParallelToolCalls: r.Prompt.ParallelToolCalls,
		Stream:            true,
		Include:           []string{},
		PromptCacheKey:    r.ConversationID,
	}
	body.Input = withoutItemIDs(body.Input)
	if body.Tools == nil {
		body.Tools = []json.RawMessage{}
	}
	if SupportsReasoning(r.Model) {
		// Without a configured effort the provider's default applies.
		rp := &reasoningParam{Effort: r.Effort, Summary: r.Summary}
		if rp.Summary == "" {
			rp.Summary = protocol.SummaryAuto
		}
		body.Reasoning = rp
		body.Include = []string{"reasoning.encrypted_content"}
	}
	var text textParam
	if r.Verbosity != "" && SupportsVerbosity(r.Model) {
		text.Verbosity = r.Verbosity
	}
	if len(r.Prompt.OutputSchema) > 0 {
		text.Format = &textFormat{Type: "json_schema", Strict: true, Schema: r.Prompt.OutputSchema, Name: "codex_output_schema"}
	}
	if text != (textParam{}) {
		body.Text = &text
	}
	out, err := protocol.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode responses request: %w", err)
	}
	return out, nil
}

func (responsesWire) decoder(body io.Reader) decoder {
	return &responsesDecoder{src: newSSEReader(body)}
}

// responsesDecoder maps Responses API events to Events.
type responsesDecoder struct {
	src  *sseReader
	done bool
}

// responsesEvent holds the fields of every Responses API event we read.
type responsesEvent struct {
	Type     string          `json:"type"`
	ItemID   string          `json:"item_id"`
	Delta    string          `json:"delta"`
	Item     json.RawMessage `json:"item"`
	Response json.RawMessage `json:"response"`
}

type responseObject struct {
	ID    string         `json:"id"`
	Usage *responseUsage `json:"usage"`
	Error *providerError `json:"error"`
}

type responseUsage struct {
	InputTokens        int64 `json:"input_tokens"`
	InputTokensDetails *struct {
		CachedTokens int64 `json:"cached_tokens"`
	} `json:"input_tokens_details"`
	OutputTokens        int64 `json:"output_tokens"`
	OutputTokensDetails *struct {
		ReasoningTokens int64 `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
	TotalTokens int64 `json:"total_tokens"`
}

func (u *responseUsage) toProtocol() *protocol.TokenUsage {
	if u == nil {
		return nil
	}
	t := &protocol.TokenUsage{
		InputTokens:  u.InputTokens,
		OutputTokens: u.OutputTokens,
		TotalTokens:  u.TotalTokens,
	}
	if u.InputTokensDetails != nil {
		t.CachedInputTokens = u.InputTokensDetails.CachedTokens
	}
	if u.OutputTokensDetails != nil {
		t.ReasoningOutputTokens = u.OutputTokensDetails.ReasoningTokens
	}
	return t
}

func (d *responsesDecoder) next() (Event, error) {
	if d.done {
		return Event{}, io.EOF
	}
	for {
		sse, err := d.src.next()
		if err == io.EOF {
			d.done = true
			return Event{}, &StreamError{Message: "stream closed before response.completed", Retryable: true}
		}
		if err != nil {
			return Event{}, err
		}
		var ev responsesEvent
		if len(sse.data) == 0 || json.Unmarshal(sse.data, &ev) != nil {
			// Keep-alives and malformed payloads carry nothing we can use.
			continue
		}
		kind := ev.Type
		if kind == "" {
			kind = sse.name
		}
		switch kind {
		case "response.created":
			out := Event{Kind: Created}
			if resp, ok := decodeResponse(ev.Response); ok {
				out.ResponseID = resp.ID
			}
			return out, nil
		case "response.output_text.delta":
			return Event{Kind: OutputTextDelta, Delta: ev.Delta, ItemID: ev.ItemID}, nil
		case "response.reasoning_summary_text.delta":
			return Event{Kind: ReasoningSummaryDelta, Delta: ev.Delta, ItemID: ev.ItemID}, nil
		case "response.reasoning_text.delta":
			return Event{Kind: ReasoningContentDelta, Delta: ev.Delta, ItemID: ev.ItemID}, nil
		case "response.reasoning_summary_part.added":
			return Event{Kind: ReasoningSummaryPartAdded}, nil
		case "response.output_item.added", "response.output_item.done":
			var item protocol.ResponseItem
			if len(ev.Item) == 0 || json.Unmarshal(ev.Item, &item) != nil {
				continue
			}
			k := OutputItemDone
			if kind == "response.output_item.added" {
				k = OutputItemAdded
			}
			return Event{Kind: k, Item: item}, nil
		case "response.completed":
			resp, ok := decodeResponse(ev.Response)
			if !ok {
				d.done = true
				return Event{}, &StreamError{Message: "response.completed without a response object", Retryable: true}
			}
			d.done = true
			return Event{Kind: Completed, ResponseID: resp.ID, Usage: resp.Usage.toProtocol()}, nil
		case "response.failed":
			d.done = true
			return Event{}, failedError(ev.Response)
		}
	}
}

func decodeResponse(raw json.RawMessage) (responseObject, bool) {
	var r responseObject
	if len(raw) == 0 || json.Unmarshal(raw, &r) != nil {
		return responseObject{}, false
	}
	return r, true
}

// failedError turns the response of a response.failed event into an error.
func failedError(raw json.RawMessage) *StreamError {
	resp, _ := decodeResponse(raw)
	if resp.Error == nil {
		return &StreamError{Message: "response.failed without details", Retryable: true}
	}
	code := resp.Error.code()
	msg := resp.Error.Message
	if msg == "" {
		msg = "response.failed"
		if code != "" {
			msg += " (" + code + ")"
		}
	}
	return &StreamError{
		Message:    msg,
		Code:       code,
		Retryable:  failureRetryable(code, resp.Error.Type),
		RetryAfter: suggestedDelay(resp.Error.Message),
	}
}

// withoutItemIDs copies the history for a request, leaving out the
// provider's item ids: requests are sent with store=false, so the provider
// keeps no items those ids could refer to, and it refuses ids it does not
// know. A local_shell_call keeps its id, which may be its only call id.
func withoutItemIDs(items []protocol.ResponseItem) []protocol.ResponseItem {
	out := make([]protocol.ResponseItem, len(items))
	for i, it := range items {
		if it.Type != protocol.ItemLocalShellCall {
			it.ID = ""
		}
		out[i] = it
	}
	return out
}
