package mcpclient

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/codex-go/codex/core/tools"
	"github.com/codex-go/codex/protocol"
)

// marshalJSON encodes v without escaping <, > and &.
func marshalJSON(v any) (json.RawMessage, error) {
	out, err := protocol.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode JSON: %w", err)
	}
	return out, nil
}

// contentItem is the part of an MCP content item the model output uses.
type contentItem struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	MimeType string `json:"mimeType"`
	Data     string `json:"data"`
	Resource *struct {
		URI      string  `json:"uri"`
		MimeType string  `json:"mimeType"`
		Text     *string `json:"text"`
		Blob     string  `json:"blob"`
	} `json:"resource"`
}

// OutputText renders a CallToolResult (as returned by [Manager.Call]) as the
// text given back to the model: the text of the text items (and of embedded
// text resources), one per line; binary items (images, audio, binary
// resources) as a short note, since their data means nothing to the model as
// text; any other item as its JSON. A result with no content but structured
// content gives that content's JSON. A result flagged isError renders the
// same way: the items say what went wrong.
func OutputText(result json.RawMessage) string {
	var r struct {
		Content           []json.RawMessage `json:"content"`
		StructuredContent json.RawMessage   `json:"structuredContent"`
	}
	if err := json.Unmarshal(result, &r); err != nil {
		return string(result)
	}
	parts := make([]string, 0, len(r.Content))
	for _, raw := range r.Content {
		parts = append(parts, itemText(raw))
	}
	if len(parts) == 0 && len(r.StructuredContent) > 0 && string(r.StructuredContent) != "null" {
		return string(compactJSON(r.StructuredContent))
	}
	return strings.Join(parts, "\n")
}

// itemText renders one content item for the model.
func itemText(raw json.RawMessage) string {
	var item contentItem
	if err := json.Unmarshal(raw, &item); err != nil {
		return string(compactJSON(raw))
	}
	switch item.Type {
	case "text":
		return item.Text
	case "image", "audio":
		return fmt.Sprintf("[%s content (%s), %d bytes of base64 data not shown]", item.Type, item.MimeType, len(item.Data))
	case "resource":
		if res := item.Resource; res != nil {
			if res.Text != nil {
				return *res.Text
			}
			return fmt.Sprintf("[resource %s (%s), %d bytes of base64 data not shown]", res.URI, res.MimeType, len(res.Blob))
		}
	}
	return string(compactJSON(raw))
}

// ModelOutput renders a CallToolResult for the model the way codex-cli 0.171
// does. Every output starts with "Wall time: S seconds\nOutput:" (S with
// four decimals). A result with structured content gives that content's
// JSON as text, after the header and a newline. Otherwise the output is
// content items: the header as input_text, then one item per MCP content
// item: text as input_text, an image as input_image (a data: URL, detail
// "high"), anything else (audio, resources, resource links) as input_text
// holding the item's JSON. A result flagged isError renders the same way.
func ModelOutput(result json.RawMessage, wall time.Duration) tools.Output {
	header := fmt.Sprintf("Wall time: %.4f seconds\nOutput:", wall.Seconds())
	var r struct {
		Content           []json.RawMessage `json:"content"`
		StructuredContent json.RawMessage   `json:"structuredContent"`
	}
	if err := json.Unmarshal(result, &r); err != nil {
		return tools.Output{Text: header + "\n" + string(result)}
	}
	if len(r.StructuredContent) > 0 && string(r.StructuredContent) != "null" {
		return tools.Output{Text: header + "\n" + string(compactJSON(r.StructuredContent))}
	}
	items := make([]protocol.ContentItem, 0, len(r.Content)+1)
	items = append(items, protocol.ContentItem{Type: protocol.ContentInputText, Text: header})
	for _, raw := range r.Content {
		items = append(items, modelItem(raw))
	}
	return tools.Output{Content: items}
}

// modelItem turns one MCP content item into a model content item.
func modelItem(raw json.RawMessage) protocol.ContentItem {
	var item contentItem
	if err := json.Unmarshal(raw, &item); err == nil {
		switch item.Type {
		case "text":
			return protocol.ContentItem{Type: protocol.ContentInputText, Text: item.Text}
		case "image":
			return protocol.ContentItem{
				Type:     protocol.ContentInputImage,
				ImageURL: "data:" + item.MimeType + ";base64," + item.Data,
				Detail:   "high",
			}
		}
	}
	return protocol.ContentItem{Type: protocol.ContentInputText, Text: string(compactJSON(raw))}
}

// outputText flattens an output to text: its text, or its text items one
// per line with images as a short note.
func outputText(out tools.Output) string {
	if out.Content == nil {
		return out.Text
	}
	parts := make([]string, 0, len(out.Content))
	for _, c := range out.Content {
		if c.Type == protocol.ContentInputImage {
			parts = append(parts, "[image]")
			continue
		}
		parts = append(parts, c.Text)
	}
	return strings.Join(parts, "\n")
}
