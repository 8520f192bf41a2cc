package mcpclient

import (
	"strings"
	"sync"
	"unicode/utf8"
)

const (
	// stderrKeep is how many bytes of a server's stderr are kept.
	stderrKeep = 64 << 10
	// tailLines and tailBytes bound the stderr tail quoted in errors.
	tailLines = 20
	tailBytes = 2 << 10
)

// tailBuffer keeps the last limit bytes written to it. It is safe for
// concurrent use.
type tailBuffer struct {
	mu    sync.Mutex
	buf   []byte
	limit int
	// dropped records that older output was discarded.
	dropped bool
}

// newTailBuffer returns a buffer keeping the last limit bytes.
func newTailBuffer(limit int) *tailBuffer {
	return &tailBuffer{limit: limit}
}

// Write appends p, dropping the oldest bytes beyond the limit. It never fails.
func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	// Trim lazily, once the buffer holds twice the limit, so that a stream
	// of small writes does not copy the whole buffer every time.
	if len(b.buf) > 2*b.limit {
		n := copy(b.buf, b.buf[len(b.buf)-b.limit:])
		b.buf = b.buf[:n]
		b.dropped = true
	}
	return len(p), nil
}

// Tail returns at most maxLines lines and maxBytes bytes from the end of the
// kept output, without surrounding blank space. A line cut by a limit is
// dropped unless it is the only one.
func (b *tailBuffer) Tail(maxLines, maxBytes int) string {
	b.mu.Lock()
	data := b.buf
	cut := b.dropped
	if len(data) > b.limit {
		data = data[len(data)-b.limit:]
		cut = true
	}
	text := string(data)
	b.mu.Unlock()

	text = strings.TrimRight(text, " \t\r\n")
	if len(text) > maxBytes {
		text = text[len(text)-maxBytes:]
		// Do not start in the middle of a UTF-8 sequence.
		for len(text) > 0 && !utf8.RuneStart(text[0]) {
			text = text[1:]
		}
		cut = true
	}
	lines := strings.Split(text, "\n")
	if cut && len(lines) > 1 {
		lines = lines[1:]
	}
	if len(lines) > maxLines {
		lines = lines[len(lines)-maxLines:]
	}
	return strings.TrimSpace(strings.ToValidUTF8(strings.Join(lines, "\n"), "\uFFFD"))
}
