package conversation

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"syscall"
)

// maxImageBytes bounds a local image attached to a message.
const maxImageBytes = 20 << 20

// imageDataURL reads a local image and returns it as a data: URL. Only a
// regular file is read, and never more than maxImageBytes of it, so that a
// path naming a device or a pipe can neither block the caller nor fill its
// memory.
func imageDataURL(path string) (string, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return "", fmt.Errorf("read image %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("read image %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("image %s is not a regular file", path)
	}
	if info.Size() > maxImageBytes {
		return "", fmt.Errorf("image %s is larger than %d bytes", path, maxImageBytes)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxImageBytes+1))
	if err != nil {
		return "", fmt.Errorf("read image %s: %w", path, err)
	}
	if len(data) > maxImageBytes {
		return "", fmt.Errorf("image %s is larger than %d bytes", path, maxImageBytes)
	}
	mime := http.DetectContentType(data)
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(data), nil
}
