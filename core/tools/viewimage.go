package tools

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/codex-go/codex/protocol"
)

// viewImageSpec describes the view_image tool.
const viewImageSpec = `{"type":"function","name":"view_image","description":"Shows you a local image file: it is attached to the conversation for the rest of this turn.","strict":false,"parameters":{"type":"object","properties":{"path":{"type":"string","description":"Path of the image file"}},"required":["path"],"additionalProperties":false}}`

// maxImageBytes bounds an image attached by view_image.
const maxImageBytes = 20 << 20

// viewImageHandler attaches a local image to the conversation.
type viewImageHandler struct{}

// Handle reads the image and adds it to the next model request.
func (viewImageHandler) Handle(_ context.Context, t *Turn, c Call) (string, error) {
	var args struct {
		Path string `json:"path"`
	}
	if err := json.Unmarshal([]byte(c.Arguments), &args); err != nil {
		return "", fmt.Errorf("failed to parse function arguments: %w", err)
	}
	path := resolvePath(t.Cwd, args.Path)
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("unable to locate image at %s: %w", path, err)
	}
	if info.IsDir() || info.Size() > maxImageBytes {
		return "", fmt.Errorf("%s is not an image file of at most %d bytes", path, maxImageBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read image %s: %w", path, err)
	}
	mime := http.DetectContentType(data)
	if !strings.HasPrefix(mime, "image/") {
		return "", fmt.Errorf("%s is not an image (detected %s)", path, mime)
	}
	url := "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(data)
	if t.AddInput != nil {
		t.AddInput(protocol.ResponseItem{Type: protocol.ItemMessage, Role: "user",
			Content: []protocol.ContentItem{{Type: protocol.ContentInputImage, ImageURL: url}}})
	}
	t.Emit(protocol.ViewImageToolCallEvent{CallID: c.CallID, Path: path})
	return "attached local image path", nil
}
