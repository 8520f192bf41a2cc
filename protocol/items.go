package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// ContentItem is one part of a message's content in the Responses API.
type ContentItem struct {
	// Type is input_text, output_text or input_image.
	Type string `json:"type"`
	// Text is set for input_text and output_text.
	Text string `json:"text,omitempty"`
	// ImageURL is set for input_image (often a data: URL).
	ImageURL string `json:"image_url,omitempty"`
	// Detail is the optional detail level of an input_image ("high" for
	// images an MCP tool returned).
	Detail string `json:"detail,omitempty"`
}

// The content item types.
const (
	ContentInputText  = "input_text"
	ContentOutputText = "output_text"
	ContentInputImage = "input_image"
)

// ReasoningSummaryPart is one summary paragraph of a reasoning item.
type ReasoningSummaryPart struct {
	// Type is always summary_text.
	Type string `json:"type"`
	// Text is the summary paragraph.
	Text string `json:"text"`
}

// ReasoningContentPart is raw reasoning text of a reasoning item.
type ReasoningContentPart struct {
	// Type is reasoning_text or text.
	Type string `json:"type"`
	// Text is the reasoning text.
	Text string `json:"text"`
}

// LocalShellAction is the action of a local_shell_call item.
type LocalShellAction struct {
	// Type is always exec.
	Type string `json:"type"`
	// Command is the argv to run.
	Command []string `json:"command"`
	// TimeoutMs bounds the run time.
	TimeoutMs *int64 `json:"timeout_ms,omitempty"`
	// WorkingDirectory is where the command runs.
	WorkingDirectory *string `json:"working_directory,omitempty"`
	// Env adds environment variables.
	Env map[string]string `json:"env,omitempty"`
	// User is the user to run as (ignored).
	User *string `json:"user,omitempty"`
}

// The response item types.
const (
	ItemMessage              = "message"
	ItemReasoning            = "reasoning"
	ItemFunctionCall         = "function_call"
	ItemFunctionCallOutput   = "function_call_output"
	ItemLocalShellCall       = "local_shell_call"
	ItemCustomToolCall       = "custom_tool_call"
	ItemCustomToolCallOutput = "custom_tool_call_output"
	ItemWebSearchCall        = "web_search_call"
)

// ResponseItem is one item of the conversation as the Responses API sees it:
// messages, reasoning, tool calls and their outputs. Which fields are set
// depends on Type; encoding writes exactly the fields of that type.
type ResponseItem struct {
	// Type is one of the Item* constants.
	Type string
	// ID is the provider's item id, when it gave one.
	ID string
	// Role is user, assistant or system (message).
	Role string
	// Content is the message content (message).
	Content []ContentItem
	// Summary is the reasoning summary (reasoning).
	Summary []ReasoningSummaryPart
	// ReasoningContent is raw reasoning (reasoning).
	ReasoningContent []ReasoningContentPart
	// EncryptedContent is opaque reasoning state (reasoning).
	EncryptedContent *string
	// Name is the tool name (function_call, custom_tool_call).
	Name string
	// Arguments is the JSON argument string (function_call).
	Arguments string
	// Input is the free-form input (custom_tool_call).
	Input string
	// CallID ties a call to its output.
	CallID string
	// Output is the tool result text (function_call_output, custom_tool_call_output).
	Output string
	// OutputContent, when not nil, is the tool result as content items
	// (input_text, input_image) and is sent as the output instead of Output.
	OutputContent []ContentItem
	// Success is the optional success flag of a function output; never sent to the model.
	Success *bool
	// Status is the call status (local_shell_call, custom_tool_call, web_search_call).
	Status string
	// Action is the local shell action (local_shell_call) or raw web search action.
	Action json.RawMessage
	// Raw keeps items of unknown type verbatim.
	Raw json.RawMessage
}

// UserText returns a user message with one input_text part.
func UserText(text string) ResponseItem {
	return ResponseItem{Type: ItemMessage, Role: "user", Content: []ContentItem{{Type: ContentInputText, Text: text}}}
}

// AssistantText returns an assistant message with one output_text part.
func AssistantText(text string) ResponseItem {
	return ResponseItem{Type: ItemMessage, Role: "assistant", Content: []ContentItem{{Type: ContentOutputText, Text: text}}}
}

// FunctionOutput returns a function_call_output item.
func FunctionOutput(callID, output string) ResponseItem {
	return ResponseItem{Type: ItemFunctionCallOutput, CallID: callID, Output: output}
}

// MessageText concatenates the text parts of a message item.
func (r ResponseItem) MessageText() string {
	s := ""
	for _, c := range r.Content {
		if c.Type == ContentInputText || c.Type == ContentOutputText {
			s += c.Text
		}
	}
	return s
}

// MarshalJSON writes the fields of the item's type in wire order.
func (r ResponseItem) MarshalJSON() ([]byte, error) {
	switch r.Type {
	case ItemMessage:
		return Marshal(struct {
			Type    string        `json:"type"`
			ID      string        `json:"id,omitempty"`
			Role    string        `json:"role"`
			Content []ContentItem `json:"content"`
		}{r.Type, r.ID, r.Role, nonNil(r.Content)})
	case ItemReasoning:
		return Marshal(struct {
			Type             string                 `json:"type"`
			ID               string                 `json:"id,omitempty"`
			Summary          []ReasoningSummaryPart `json:"summary"`
			Content          []ReasoningContentPart `json:"content,omitempty"`
			EncryptedContent *string                `json:"encrypted_content"`
		}{r.Type, r.ID, nonNil(r.Summary), r.ReasoningContent, r.EncryptedContent})
	case ItemFunctionCall:
		return Marshal(struct {
			Type      string `json:"type"`
			ID        string `json:"id,omitempty"`
			Name      string `json:"name"`
			Arguments string `json:"arguments"`
			CallID    string `json:"call_id"`
		}{r.Type, r.ID, r.Name, r.Arguments, r.CallID})
	case ItemFunctionCallOutput, ItemCustomToolCallOutput:
		var output any = r.Output
		if r.OutputContent != nil {
			output = r.OutputContent
		}
		return Marshal(struct {
			Type   string `json:"type"`
			CallID string `json:"call_id"`
			Output any    `json:"output"`
		}{r.Type, r.CallID, output})
	case ItemLocalShellCall:
		return Marshal(struct {
			Type   string          `json:"type"`
			ID     string          `json:"id,omitempty"`
			CallID string          `json:"call_id,omitempty"`
			Status string          `json:"status"`
			Action json.RawMessage `json:"action"`
		}{r.Type, r.ID, r.CallID, r.Status, rawOrNull(r.Action)})
	case ItemCustomToolCall:
		return Marshal(struct {
			Type   string `json:"type"`
			ID     string `json:"id,omitempty"`
			Status string `json:"status,omitempty"`
			CallID string `json:"call_id"`
			Name   string `json:"name"`
			Input  string `json:"input"`
		}{r.Type, r.ID, r.Status, r.CallID, r.Name, r.Input})
	case ItemWebSearchCall:
		return Marshal(struct {
			Type   string          `json:"type"`
			ID     string          `json:"id,omitempty"`
			Status string          `json:"status,omitempty"`
			Action json.RawMessage `json:"action,omitempty"`
		}{r.Type, r.ID, r.Status, r.Action})
	}
	if len(r.Raw) > 0 {
		return r.Raw, nil
	}
	return nil, fmt.Errorf("response item of unknown type %q", r.Type)
}

// UnmarshalJSON reads any item; unknown types are kept in Raw.
func (r *ResponseItem) UnmarshalJSON(data []byte) error {
	var w struct {
		Type             string                 `json:"type"`
		ID               string                 `json:"id"`
		Role             string                 `json:"role"`
		Content          json.RawMessage        `json:"content"`
		Summary          []ReasoningSummaryPart `json:"summary"`
		EncryptedContent *string                `json:"encrypted_content"`
		Name             string                 `json:"name"`
		Arguments        string                 `json:"arguments"`
		Input            string                 `json:"input"`
		CallID           string                 `json:"call_id"`
		Output           json.RawMessage        `json:"output"`
		Status           string                 `json:"status"`
		Action           json.RawMessage        `json:"action"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*r = ResponseItem{Type: w.Type, ID: w.ID, Role: w.Role, Summary: w.Summary,
		EncryptedContent: w.EncryptedContent, Name: w.Name, Arguments: w.Arguments,
		Input: w.Input, CallID: w.CallID, Status: w.Status, Action: w.Action}
	switch w.Type {
	case ItemMessage:
		if len(w.Content) > 0 {
			if err := json.Unmarshal(w.Content, &r.Content); err != nil {
				return fmt.Errorf("message content: %w", err)
			}
		}
	case ItemReasoning:
		if len(w.Content) > 0 && string(w.Content) != "null" {
			if err := json.Unmarshal(w.Content, &r.ReasoningContent); err != nil {
				return fmt.Errorf("reasoning content: %w", err)
			}
		}
	case ItemFunctionCallOutput, ItemCustomToolCallOutput:
		if bytes.HasPrefix(bytes.TrimSpace(w.Output), []byte("[")) {
			if err := json.Unmarshal(w.Output, &r.OutputContent); err != nil {
				return fmt.Errorf("function output content: %w", err)
			}
			if r.OutputContent == nil {
				r.OutputContent = []ContentItem{}
			}
			break
		}
		out, err := decodeOutput(w.Output)
		if err != nil {
			return err
		}
		r.Output = out
	case ItemFunctionCall, ItemLocalShellCall, ItemCustomToolCall, ItemWebSearchCall:
	default:
		r.Raw = append(json.RawMessage(nil), data...)
	}
	return nil
}

// decodeOutput accepts an output given as a string or as {content, success}.
func decodeOutput(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var obj struct {
		Content string `json:"content"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", fmt.Errorf("function output: %w", err)
	}
	return obj.Content, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func rawOrNull(r json.RawMessage) json.RawMessage {
	if len(r) == 0 {
		return json.RawMessage("null")
	}
	return r
}

// InputItem is user input in a submission: text, an image URL or a local image path.
// In the app-server wire it is {"type":"text","data":{"text":...}}.
type InputItem struct {
	// Type is text, image or localImage.
	Type InputItemType `json:"type"`
	// Data holds the fields of the type.
	Data InputItemData `json:"data"`
}

// InputItemData holds the fields of an InputItem.
type InputItemData struct {
	// Text is set for text items.
	Text string `json:"text,omitempty"`
	// ImageURL is set for image items.
	ImageURL string `json:"image_url,omitempty"`
	// Path is set for localImage items.
	Path string `json:"path,omitempty"`
}

// InputItemType is the tag of an InputItem.
type InputItemType string

// The input item types.
const (
	// InputText is text typed by the user.
	InputText InputItemType = "text"
	// InputImage is an image given by URL.
	InputImage InputItemType = "image"
	// InputLocalImage is an image file on the server's machine.
	InputLocalImage InputItemType = "localImage"
)

// InputItemTypeValues lists the input item types in declaration order: the
// one list that validation and decoding use.
func InputItemTypeValues() []InputItemType {
	return []InputItemType{InputText, InputImage, InputLocalImage}
}

// Valid reports whether t is a known input item type.
func (t InputItemType) Valid() bool { return slices.Contains(InputItemTypeValues(), t) }

// EnumValues implements Enum.
func (InputItemType) EnumValues() []string { return enumStrings(InputItemTypeValues()) }

// UnmarshalJSON rejects values other than the input item types.
func (t *InputItemType) UnmarshalJSON(data []byte) error {
	return decodeEnumJSON(data, t, InputItemTypeValues())
}

// UnmarshalText rejects values other than the input item types.
func (t *InputItemType) UnmarshalText(text []byte) error {
	return decodeEnumText(text, t, InputItemTypeValues())
}

// TextInput returns a text InputItem.
func TextInput(text string) InputItem {
	return InputItem{Type: InputText, Data: InputItemData{Text: text}}
}
