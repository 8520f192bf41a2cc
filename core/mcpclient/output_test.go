package mcpclient

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/codex-go/codex/core/tools"
	"github.com/codex-go/codex/protocol"
)

// TestModelOutput renders results of server-everything tools the way
// codex-cli 0.171 gave them to the model (image data shortened).
func TestModelOutput(t *testing.T) {
	const header = "Wall time: 0.0046 seconds\nOutput:"
	text := func(s string) protocol.ContentItem {
		return protocol.ContentItem{Type: protocol.ContentInputText, Text: s}
	}
	tests := []struct {
		name   string
		result string
		want   tools.Output
	}{
		{
			"get-tiny-image: text and image items",
			`{"content":[{"type":"text","text":"Here's the image you requested:"},{"type":"image","data":"iVBO","mimeType":"image/png"},{"type":"text","text":"The image above is the MCP logo."}]}`,
			tools.Output{Content: []protocol.ContentItem{text(header), text("Here's the image you requested:"),
				{Type: protocol.ContentInputImage, ImageURL: "data:image/png;base64,iVBO", Detail: "high"},
				text("The image above is the MCP logo.")}},
		},
		{
			"get-structured-content: structured content as text",
			`{"content":[{"type":"text","text":"{\"temperature\":36}"}],"structuredContent":{"temperature":36,"conditions":"Light rain / drizzle","humidity":82}}`,
			tools.Output{Text: header + "\n" + `{"temperature":36,"conditions":"Light rain / drizzle","humidity":82}`},
		},
		{
			"get-resource-links: other items as their JSON",
			`{"content":[{"type":"text","text":"Here are 1 resource links to resources available in this server:"},{"type":"resource_link","uri":"demo://resource/dynamic/blob/1","name":"Blob Resource 1","description":"Resource 1: plaintext resource","mimeType":"text/plain"}]}`,
			tools.Output{Content: []protocol.ContentItem{text(header), text("Here are 1 resource links to resources available in this server:"),
				text(`{"type":"resource_link","uri":"demo://resource/dynamic/blob/1","name":"Blob Resource 1","description":"Resource 1: plaintext resource","mimeType":"text/plain"}`)}},
		},
		{
			"echo with bad arguments: an error result",
			`{"content":[{"type":"text","text":"MCP error -32602: Input validation error"}],"isError":true}`,
			tools.Output{Content: []protocol.ContentItem{text(header), text("MCP error -32602: Input validation error")}},
		},
		{"no content", `{"content":[]}`, tools.Output{Content: []protocol.ContentItem{text(header)}}},
		{"not JSON", `oops`, tools.Output{Text: header + "\noops"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ModelOutput(json.RawMessage(tt.result), 4600*time.Microsecond))
		})
	}
}
