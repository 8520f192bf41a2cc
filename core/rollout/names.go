package rollout

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// sessionIndexName is the file under $CODEX_HOME that records the names
// given to conversations, one JSON object a line, the last line of a
// conversation winning. The reference keeps its names in the same file
// and form, so both read each other's.
const sessionIndexName = "session_index.jsonl"

// maxIndexLine caps one line of the session index; longer lines are
// skipped.
const maxIndexLine = 64 << 10

// nameEntry is one line of the session index.
type nameEntry struct {
	ID         string `json:"id"`
	ThreadName string `json:"thread_name"`
	UpdatedAt  string `json:"updated_at"`
}

// SetName records the name of conversation id, appending one line to the
// session index with a single write.
func SetName(codexHome, id, name string, now time.Time) error {
	line, err := json.Marshal(nameEntry{ID: id, ThreadName: name, UpdatedAt: now.UTC().Format(time.RFC3339Nano)})
	if err != nil {
		return fmt.Errorf("encode name: %w", err)
	}
	if err := os.MkdirAll(codexHome, 0o755); err != nil {
		return fmt.Errorf("record name: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(codexHome, sessionIndexName), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("record name: %w", err)
	}
	_, werr := f.Write(append(line, '\n'))
	cerr := f.Close()
	if werr != nil {
		return fmt.Errorf("record name: %w", werr)
	}
	if cerr != nil {
		return fmt.Errorf("record name: %w", cerr)
	}
	return nil
}

// Names returns the recorded names by conversation id. A missing index has
// none; lines that do not decode are skipped.
func Names(codexHome string) (map[string]string, error) {
	names := map[string]string{}
	f, err := os.Open(filepath.Join(codexHome, sessionIndexName))
	if errors.Is(err, fs.ErrNotExist) {
		return names, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read names: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var line []byte
	overlong := false
	for {
		chunk, err := r.ReadSlice('\n')
		if !overlong {
			line = append(line, chunk...)
			if len(line) > maxIndexLine {
				overlong, line = true, line[:0]
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if !overlong {
			var e nameEntry
			if json.Unmarshal(line, &e) == nil && e.ID != "" {
				names[e.ID] = e.ThreadName
			}
		}
		line, overlong = line[:0], false
		if err != nil {
			if errors.Is(err, io.EOF) {
				return names, nil
			}
			return nil, fmt.Errorf("read names: %w", err)
		}
	}
}
