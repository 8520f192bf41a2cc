package tools_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codex-go/codex/core/tools"
	"github.com/codex-go/codex/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writePNG writes a small PNG image to path and returns its bytes.
func writePNG(t *testing.T, path string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	return buf.Bytes()
}

func TestViewImageAttachesPNG(t *testing.T) {
	tests := []struct {
		name string
		arg  func(cwd string) string
	}{
		{"relative path", func(string) string { return "pic.png" }},
		{"absolute path", func(cwd string) string { return filepath.Join(cwd, "pic.png") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd, _ := workspace(t)
			data := writePNG(t, filepath.Join(cwd, "pic.png"))
			h := newHarness(t, cwd, protocol.ApprovalNever, workspaceWrite())
			r := newRouter(t, tools.Settings{Model: "gpt-4.1", ViewImage: true})
			out := dispatch(t, r, h, functionCall(t, "view_image", "v1", map[string]string{"path": tt.arg(cwd)}))
			assert.Equal(t, "attached local image path", out.Output)

			h.mu.Lock()
			inputs := append([]protocol.ResponseItem(nil), h.inputs...)
			h.mu.Unlock()
			require.Len(t, inputs, 1)
			assert.Equal(t, protocol.ItemMessage, inputs[0].Type)
			assert.Equal(t, "user", inputs[0].Role)
			require.Len(t, inputs[0].Content, 1)
			part := inputs[0].Content[0]
			assert.Equal(t, protocol.ContentInputImage, part.Type)
			assert.Equal(t, "data:image/png;base64,"+base64.StdEncoding.EncodeToString(data), part.ImageURL)

			events := eventsOf[protocol.ViewImageToolCallEvent](h)
			require.Len(t, events, 1)
			assert.Equal(t, protocol.ViewImageToolCallEvent{CallID: "v1", Path: filepath.Join(cwd, "pic.png")}, events[0])
		})
	}
}

func TestViewImageErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, cwd string) string
		want  string
	}{
		{
			name: "text file",
			setup: func(t *testing.T, cwd string) string {
				require.NoError(t, os.WriteFile(filepath.Join(cwd, "notes.txt"), []byte("just text\n"), 0o644))
				return "notes.txt"
			},
			want: "is not an image",
		},
		{
			name:  "missing file",
			setup: func(*testing.T, string) string { return "nope.png" },
			want:  "unable to locate image",
		},
		{
			name: "directory",
			setup: func(t *testing.T, cwd string) string {
				require.NoError(t, os.Mkdir(filepath.Join(cwd, "dir.png"), 0o755))
				return "dir.png"
			},
			want: "is not an image file",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd, _ := workspace(t)
			arg := tt.setup(t, cwd)
			h := newHarness(t, cwd, protocol.ApprovalNever, workspaceWrite())
			r := newRouter(t, tools.Settings{Model: "gpt-4.1", ViewImage: true})
			out := dispatch(t, r, h, functionCall(t, "view_image", "v1", map[string]string{"path": arg}))
			assert.Equal(t, protocol.ItemFunctionCallOutput, out.Type)
			assert.Contains(t, out.Output, tt.want)
			assert.True(t, strings.Contains(out.Output, filepath.Join(cwd, arg)), out.Output)
			events, _, _ := h.recorded()
			assert.Empty(t, events)
			h.mu.Lock()
			defer h.mu.Unlock()
			assert.Empty(t, h.inputs)
		})
	}
}
