package conversation

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
)

// maxImageBytes bounds a local image attached to a message.
const maxImageBytes = 20 << 20

// imageDataURL reads a local image and returns it as a data: URL.
func imageDataURL(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("read image %s: %w", path, err)
	}
	if info.Size() > maxImageBytes {
		return "", fmt.Errorf("image %s is larger than %d bytes", path, maxImageBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read image %s: %w", path, err)
	}
	mime := http.DetectContentType(data)
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(data), nil
}
