package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/codex-go/codex/protocol"
)

// chatWire speaks the Chat Completions API: POST /chat/completions with a
// streamed answer of chunk objects. It maps the Responses API conversation
// to chat messages and the chunks back to the Events of the Responses wire,
// so callers cannot tell the two apart.
type chatWire struct{}

func (chatWire) path() string { return "chat/completions" }

// chatBody is the request body of a streamed chat completion.
type chatBody struct {
	Model          string              `json:"model"`
	Messages       []chatMessage       `json:"messages"`
	Stream         bool                `json:"stream"`
	StreamOptions  chatStreamOptions   `json:"stream_options"`
	Tools          []chatTool          `json:"tools,omitempty"`
	ResponseFormat *chatResponseFormat `json:"response_format,omitempty"`
}

type chatStreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type chatResponseFormat struct {
	Type       string         `json:"type"`
	JSONSchema chatJSONSchema `json:"json_schema"`
}

type chatJSONSchema struct {
	Name   string          `json:"name"`
	Schema json.RawMessage `json:"schema"`
	Strict bool            `json:"strict"`
}

// chatMessage is one message of the conversation. Content is a string, a
// list of chatParts, or nil (sent as null) for an assistant message that
// only calls tools.
type chatMessage struct {
	Role       string         `json:"role"`
	Content    any            `json:"content"`
	Reasoning  string         `json:"reasoning,omitempty"`
	ToolCalls  []chatToolCall `json:"tool_calls,omitempty"`
	ToolCallID string         `json:"tool_call_id,omitempty"`
}

// chatPart is one content part of a message that carries images.
type chatPart struct {
	Type     string        `json:"type"`
	Text     string        `json:"text,omitempty"`
	ImageURL *chatImageURL `json:"image_url,omitempty"`
}

type chatImageURL struct {
	URL string `json:"url"`
}

type chatToolCall struct {
	ID       string           `json:"id"`
	Type     string           `json:"type"`
	Function chatFunctionCall `json:"function"`
}

type chatFunctionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// chatTool is a tool offered to the model.
type chatTool struct {
	Type     string       `json:"type"`
	Function chatFunction `json:"function"`
}

type chatFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

// chatShellTool is the function name a local_shell_call is replayed as.
const chatShellTool = "shell"

// chatPatchTool is the free-form tool that is offered as a function taking
// its text in a single "input" argument.
const chatPatchTool = "apply_patch"

func (chatWire) encode(r Request) ([]byte, error) {
	tools, err := chatTools(r.Prompt.Tools)
	if err != nil {
		return nil, err
	}
	body := chatBody{
		Model:         r.Model,
		Messages:      chatMessages(r.Prompt.Instructions, r.Prompt.Input),
		Stream:        true,
		StreamOptions: chatStreamOptions{IncludeUsage: true},
		Tools:         tools,
	}
	if len(r.Prompt.OutputSchema) > 0 {
		body.ResponseFormat = &chatResponseFormat{
			Type:       "json_schema",
			JSONSchema: chatJSONSchema{Name: "codex_output_schema", Schema: r.Prompt.OutputSchema, Strict: true},
		}
	}
	out, err := protocol.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode chat completions request: %w", err)
	}
	return out, nil
}

// chatMessages turns the instructions and the conversation into chat
// messages. Tool calls that follow an assistant message join it; reasoning
// text rides on the assistant message that follows it; items chat has no
// form for are left out.
func chatMessages(instructions string, input []protocol.ResponseItem) []chatMessage {
	msgs := make([]chatMessage, 0, len(input)+1)
	msgs = append(msgs, chatMessage{Role: "system", Content: instructions})
	var reasoning string
	// assistant appends an assistant message carrying pending reasoning.
	assistant := func(content any) {
		msgs = append(msgs, chatMessage{Role: "assistant", Content: content, Reasoning: reasoning})
		reasoning = ""
	}
	call := func(tc chatToolCall) {
		if last := &msgs[len(msgs)-1]; last.Role == "assistant" {
			if last.Reasoning == "" {
				last.Reasoning = reasoning
			}
			reasoning = ""
			last.ToolCalls = append(last.ToolCalls, tc)
			return
		}
		assistant(nil)
		msgs[len(msgs)-1].ToolCalls = []chatToolCall{tc}
	}
	for _, item := range input {
		switch item.Type {
		case protocol.ItemMessage:
			switch item.Role {
			case "assistant":
				assistant(item.MessageText())
			default:
				msgs = append(msgs, chatMessage{Role: chatRole(item.Role), Content: chatContent(item.Content)})
				reasoning = ""
			}
		case protocol.ItemReasoning:
			reasoning += reasoningText(item)
		case protocol.ItemFunctionCall:
			call(functionCall(item.CallID, item.Name, item.Arguments))
		case protocol.ItemLocalShellCall:
			id := item.CallID
			if id == "" {
				id = item.ID
			}
			call(functionCall(id, chatShellTool, localShellArguments(item.Action)))
		case protocol.ItemCustomToolCall:
			args, _ := protocol.Marshal(map[string]string{"input": item.Input})
			call(functionCall(item.CallID, item.Name, string(args)))
		case protocol.ItemFunctionCallOutput, protocol.ItemCustomToolCallOutput:
			var content any = item.Output
			if item.OutputContent != nil {
				content = chatParts(item.OutputContent)
			}
			msgs = append(msgs, chatMessage{Role: "tool", Content: content, ToolCallID: item.CallID})
			reasoning = ""
		}
	}
	return msgs
}

// chatRole maps a non-assistant message role to one every chat provider
// accepts: developer messages become system messages, unknown roles user
// messages.
func chatRole(role string) string {
	switch role {
	case "system", "developer":
		return "system"
	}
	return "user"
}

func functionCall(id, name, args string) chatToolCall {
	return chatToolCall{ID: id, Type: "function", Function: chatFunctionCall{Name: name, Arguments: args}}
}

// chatParts turns content items into chat content parts: text parts and
// image_url parts (a tool result given as content items, as codex-cli 0.80
// sent them).
func chatParts(content []protocol.ContentItem) []chatPart {
	parts := make([]chatPart, 0, len(content))
	for _, c := range content {
		switch c.Type {
		case protocol.ContentInputImage:
			parts = append(parts, chatPart{Type: "image_url", ImageURL: &chatImageURL{URL: c.ImageURL}})
		case protocol.ContentInputText, protocol.ContentOutputText:
			parts = append(parts, chatPart{Type: "text", Text: c.Text})
		}
	}
	return parts
}

// chatContent is a message's text, or its parts when it carries images.
func chatContent(content []protocol.ContentItem) any {
	images := false
	var text strings.Builder
	for _, c := range content {
		switch c.Type {
		case protocol.ContentInputImage:
			images = true
		case protocol.ContentInputText, protocol.ContentOutputText:
			text.WriteString(c.Text)
		}
	}
	if !images {
		return text.String()
	}
	parts := make([]chatPart, 0, len(content))
	for _, c := range content {
		switch c.Type {
		case protocol.ContentInputImage:
			parts = append(parts, chatPart{Type: "image_url", ImageURL: &chatImageURL{URL: c.ImageURL}})
		case protocol.ContentInputText, protocol.ContentOutputText:
			parts = append(parts, chatPart{Type: "text", Text: c.Text})
		}
	}
	return parts
}

// reasoningText is the raw reasoning text of a reasoning item.
func reasoningText(item protocol.ResponseItem) string {
	var b strings.Builder
	for _, c := range item.ReasoningContent {
		b.WriteString(c.Text)
	}
	return b.String()
}

// localShellArguments writes a local_shell action as arguments of the
// shell function.
func localShellArguments(action json.RawMessage) string {
	var a protocol.LocalShellAction
	_ = json.Unmarshal(action, &a)
	args := struct {
		Command   []string `json:"command"`
		Workdir   *string  `json:"workdir,omitempty"`
		TimeoutMs *int64   `json:"timeout_ms,omitempty"`
	}{a.Command, a.WorkingDirectory, a.TimeoutMs}
	if args.Command == nil {
		args.Command = []string{}
	}
	out, _ := protocol.Marshal(args)
	return string(out)
}

// responsesTool holds the fields of a Responses API tool spec that matter
// to chat.
type responsesTool struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
}

// chatPatchParameters is the parameter schema of a free-form tool offered
// as a function.
const chatPatchParameters = `{"type":"object","properties":{"input":{"type":"string","description":"The whole patch"}},"required":["input"],"additionalProperties":false}`

// chatTools converts Responses API tool specs to chat tools. Function tools
// keep their name, description and parameters; the free-form apply_patch
// tool becomes a function with one string parameter "input"; built-in tools
// chat cannot express are left out.
func chatTools(specs []json.RawMessage) ([]chatTool, error) {
	var out []chatTool
	for _, raw := range specs {
		var t responsesTool
		if err := json.Unmarshal(raw, &t); err != nil {
			return nil, fmt.Errorf("tool spec %s: %w", raw, err)
		}
		switch {
		case t.Type == "function":
			out = append(out, chatTool{Type: "function", Function: chatFunction{Name: t.Name, Description: t.Description, Parameters: t.Parameters}})
		case t.Type == "custom" && t.Name == chatPatchTool:
			out = append(out, chatTool{Type: "function", Function: chatFunction{Name: t.Name, Description: t.Description, Parameters: json.RawMessage(chatPatchParameters)}})
		}
	}
	return out, nil
}

func (chatWire) decoder(body io.Reader) decoder {
	return &chatDecoder{src: newSSEReader(body), calls: map[int]*chatCall{}}
}

// chatChunk holds the fields of a streamed chat completion chunk we read.
type chatChunk struct {
	ID      string         `json:"id"`
	Choices []chatChoice   `json:"choices"`
	Usage   *chatUsage     `json:"usage"`
	Error   *providerError `json:"error"`
}

type chatChoice struct {
	Index        int       `json:"index"`
	Delta        chatDelta `json:"delta"`
	FinishReason *string   `json:"finish_reason"`
}

type chatDelta struct {
	Content          *string         `json:"content"`
	Reasoning        json.RawMessage `json:"reasoning"`
	ReasoningContent json.RawMessage `json:"reasoning_content"`
	ToolCalls        []chatCallDelta `json:"tool_calls"`
}

type chatCallDelta struct {
	Index    *int   `json:"index"`
	ID       string `json:"id"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type chatUsage struct {
	PromptTokens        int64 `json:"prompt_tokens"`
	CompletionTokens    int64 `json:"completion_tokens"`
	TotalTokens         int64 `json:"total_tokens"`
	PromptTokensDetails *struct {
		CachedTokens int64 `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails *struct {
		ReasoningTokens int64 `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

func (u *chatUsage) toProtocol() *protocol.TokenUsage {
	t := &protocol.TokenUsage{
		InputTokens:  u.PromptTokens,
		OutputTokens: u.CompletionTokens,
		TotalTokens:  u.TotalTokens,
	}
	if u.PromptTokensDetails != nil {
		t.CachedInputTokens = u.PromptTokensDetails.CachedTokens
	}
	if u.CompletionTokensDetails != nil {
		t.ReasoningOutputTokens = u.CompletionTokensDetails.ReasoningTokens
	}
	return t
}

// chatCall is a tool call assembled from its fragments.
type chatCall struct {
	id   string
	name string
	args strings.Builder
}

// chatDecoder maps chat completion chunks to Events. Deltas go out as they
// arrive; the finished items follow once the stream ends, then Completed.
type chatDecoder struct {
	src     *sseReader
	pending []Event
	created bool
	// finished is set once the choice reported a finish_reason.
	finished bool
	done     bool
	id       string

	text      strings.Builder
	reasoning strings.Builder
	calls     map[int]*chatCall
	lastCall  int
	usage     *protocol.TokenUsage
}

// chatDoneMarker is the data of the event that ends a chat stream.
const chatDoneMarker = "[DONE]"

func (d *chatDecoder) next() (Event, error) {
	for {
		if len(d.pending) > 0 {
			ev := d.pending[0]
			d.pending = d.pending[1:]
			return ev, nil
		}
		if d.done {
			return Event{}, io.EOF
		}
		sse, err := d.src.next()
		if err == io.EOF {
			if !d.finished {
				d.done = true
				return Event{}, &StreamError{Message: "stream closed before the chat completion finished", Retryable: true}
			}
			d.finish()
			continue
		}
		if err != nil {
			return Event{}, err
		}
		data := bytes.TrimSpace(sse.data)
		if string(data) == chatDoneMarker {
			d.finish()
			continue
		}
		var chunk chatChunk
		if len(data) == 0 || json.Unmarshal(data, &chunk) != nil {
			// Keep-alives and malformed payloads carry nothing we can use.
			continue
		}
		if chunk.Error != nil {
			d.done = true
			return Event{}, chunkError(chunk.Error)
		}
		d.chunk(chunk)
	}
}

// chunk queues the events of one chunk and accumulates its fragments.
func (d *chatDecoder) chunk(c chatChunk) {
	if c.ID != "" {
		d.id = c.ID
	}
	d.start()
	if c.Usage != nil {
		d.usage = c.Usage.toProtocol()
	}
	for _, ch := range c.Choices {
		if ch.Index != 0 {
			continue
		}
		for _, raw := range []json.RawMessage{ch.Delta.Reasoning, ch.Delta.ReasoningContent} {
			if s := rawString(raw); s != "" {
				d.reasoning.WriteString(s)
				d.pending = append(d.pending, Event{Kind: ReasoningContentDelta, Delta: s})
			}
		}
		if ch.Delta.Content != nil && *ch.Delta.Content != "" {
			d.text.WriteString(*ch.Delta.Content)
			d.pending = append(d.pending, Event{Kind: OutputTextDelta, Delta: *ch.Delta.Content})
		}
		for _, tc := range ch.Delta.ToolCalls {
			d.callFragment(tc)
		}
		if ch.FinishReason != nil && *ch.FinishReason != "" {
			d.finished = true
		}
	}
}

// start queues Created before the first event of the response.
func (d *chatDecoder) start() {
	if !d.created {
		d.created = true
		d.pending = append(d.pending, Event{Kind: Created, ResponseID: d.id})
	}
}

// callFragment adds a tool call fragment to the call it belongs to: the
// one with its index, or, when the provider sends no index, a new call
// when the id is new and the latest call otherwise.
func (d *chatDecoder) callFragment(tc chatCallDelta) {
	idx := d.lastCall
	switch {
	case tc.Index != nil:
		idx = *tc.Index
	case len(d.calls) == 0:
		idx = 0
	case tc.ID != "" && d.calls[d.lastCall].id != "" && d.calls[d.lastCall].id != tc.ID:
		for _, ok := d.calls[idx]; ok; _, ok = d.calls[idx] {
			idx++
		}
	}
	c := d.calls[idx]
	if c == nil {
		c = &chatCall{}
		d.calls[idx] = c
	}
	d.lastCall = idx
	if c.id == "" {
		c.id = tc.ID
	}
	if c.name == "" {
		c.name = tc.Function.Name
	}
	c.args.WriteString(tc.Function.Arguments)
}

// finish queues the finished items and Completed.
func (d *chatDecoder) finish() {
	d.done = true
	d.start()
	if d.reasoning.Len() > 0 {
		d.pending = append(d.pending, Event{Kind: OutputItemDone, Item: protocol.ResponseItem{
			Type:             protocol.ItemReasoning,
			ReasoningContent: []protocol.ReasoningContentPart{{Type: "reasoning_text", Text: d.reasoning.String()}},
		}})
	}
	if d.text.Len() > 0 {
		d.pending = append(d.pending, Event{Kind: OutputItemDone, Item: protocol.AssistantText(d.text.String())})
	}
	indices := make([]int, 0, len(d.calls))
	for i := range d.calls {
		indices = append(indices, i)
	}
	sort.Ints(indices)
	for _, i := range indices {
		c := d.calls[i]
		if c.name == "" {
			continue
		}
		id := c.id
		if id == "" {
			id = "call_" + strconv.Itoa(i)
		}
		args := c.args.String()
		if strings.TrimSpace(args) == "" {
			args = "{}"
		}
		d.pending = append(d.pending, Event{Kind: OutputItemDone, Item: protocol.ResponseItem{
			Type:      protocol.ItemFunctionCall,
			Name:      c.name,
			Arguments: args,
			CallID:    id,
		}})
	}
	d.pending = append(d.pending, Event{Kind: Completed, ResponseID: d.id, Usage: d.usage})
}

// rawString decodes a JSON string; anything else reads as "".
func rawString(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// chunkError is the error of an error object sent inside the stream.
func chunkError(p *providerError) *StreamError {
	code := p.code()
	msg := p.Message
	if msg == "" {
		msg = "chat completion failed"
		if code != "" {
			msg += " (" + code + ")"
		}
	}
	return &StreamError{
		Message:    msg,
		Code:       code,
		Retryable:  failureRetryable(code, p.Type),
		RetryAfter: suggestedDelay(p.Message),
	}
}
