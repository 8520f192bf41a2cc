//go:build unix

package conversation

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestImageDataURL(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "a.png")
	require.NoError(t, os.WriteFile(png, []byte("\x89PNG\r\n\x1a\n....."), 0o600))
	big := filepath.Join(dir, "big.png")
	require.NoError(t, os.WriteFile(big, make([]byte, maxImageBytes+1), 0o600))
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	tests := []struct {
		name, path, want string
	}{
		{"a regular image", png, "data:image/png;base64,"},
		{"too large", big, "larger than"},
		{"a pipe that no one writes to", fifo, "not a regular file"},
		{"a device", "/dev/zero", "not a regular file"},
		{"a directory", dir, "not a regular file"},
		{"missing", filepath.Join(dir, "nope.png"), "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, err := imageDataURL(tt.path)
			if strings.HasPrefix(tt.want, "data:") {
				require.NoError(t, err)
				assert.True(t, strings.HasPrefix(url, tt.want), url)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
