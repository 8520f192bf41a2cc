// Package rollout records conversations as JSON lines under
// $CODEX_HOME/sessions/YYYY/MM/DD/ and reads them back.
package rollout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/codex-go/codex/protocol"
)

// The line types of a rollout file.
const (
	LineSessionMeta  = "session_meta"
	LineResponseItem = "response_item"
	LineEventMsg     = "event_msg"
	LineTurnContext  = "turn_context"
	LineCompacted    = "compacted"
)

// TimestampFormat is the UTC timestamp layout used in rollout lines.
const TimestampFormat = "2006-01-02T15:04:05.000Z"

// GitInfo describes the repository a session ran in.
type GitInfo struct {
	// CommitHash is HEAD's commit.
	CommitHash string `json:"commit_hash,omitempty"`
	// Branch is the current branch.
	Branch string `json:"branch,omitempty"`
	// RepositoryURL is the origin remote's URL.
	RepositoryURL string `json:"repository_url,omitempty"`
}

// SessionMeta is the payload of the first line of a rollout.
type SessionMeta struct {
	// ID is the conversation id.
	ID string `json:"id"`
	// Timestamp is when the session started.
	Timestamp string `json:"timestamp"`
	// Cwd is the session's working directory.
	Cwd string `json:"cwd"`
	// Originator names the program that wrote the file.
	Originator string `json:"originator"`
	// CLIVersion is that program's version.
	CLIVersion string `json:"cli_version"`
	// Instructions are custom base instructions, when given.
	Instructions *string `json:"instructions"`
	// Source is the front end: vscode, mcp, exec or cli.
	Source string `json:"source"`
	// Git describes the repository, when cwd is in one.
	Git *GitInfo `json:"git,omitempty"`
	// ModelProvider is the id of the model provider the session started
	// with, when recorded.
	ModelProvider string `json:"model_provider,omitempty"`
	// ForkedFromID is the conversation this one was forked from, when it
	// was.
	ForkedFromID string `json:"forked_from_id,omitempty"`
}

// Line is one decoded line of a rollout.
type Line struct {
	// Timestamp is when the line was written.
	Timestamp string `json:"timestamp"`
	// Type is one of the Line* constants.
	Type string `json:"type"`
	// Payload is the undecoded payload.
	Payload json.RawMessage `json:"payload"`
}

// Writer appends lines to one rollout file. Each line is written with a
// single write call on a file opened for appending, so a crash loses at
// most the line being written. It is safe for concurrent use.
type Writer struct {
	mu   sync.Mutex
	f    *os.File
	path string
	now  func() time.Time
	err  error
	// discard is set for the writer of a session that is not recorded.
	discard bool
}

// Discard returns a writer that records nothing, for an ephemeral session:
// its writes succeed and its path is "".
func Discard() *Writer { return &Writer{discard: true, now: time.Now} }

// FileName returns the rollout file name for a session started at t.
func FileName(t time.Time, id string) string {
	return fmt.Sprintf("rollout-%s-%s.jsonl", t.Local().Format("2006-01-02T15-04-05"), id)
}

// Create makes the rollout file for a new session and writes its session_meta line.
func Create(codexHome string, meta SessionMeta, start time.Time, now func() time.Time) (*Writer, error) {
	if now == nil {
		now = time.Now
	}
	local := start.Local()
	dir := filepath.Join(codexHome, "sessions", local.Format("2006"), local.Format("01"), local.Format("02"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create sessions directory: %w", err)
	}
	path := filepath.Join(dir, FileName(start, meta.ID))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create rollout file: %w", err)
	}
	w := &Writer{f: f, path: path, now: now}
	if meta.Timestamp == "" {
		meta.Timestamp = start.UTC().Format(TimestampFormat)
	}
	if err := w.write(LineSessionMeta, meta); err != nil {
		_ = f.Close()
		return nil, err
	}
	return w, nil
}

// Open continues an existing rollout file (for a resumed session).
func Open(path string, now func() time.Time) (*Writer, error) {
	if now == nil {
		now = time.Now
	}
	if err := dropTornLine(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open rollout file: %w", err)
	}
	return &Writer{f: f, path: path, now: now}, nil
}

// dropTornLine truncates a file after its last newline, removing a line a
// crash left half-written, so that appended lines start on a line of their own.
func dropTornLine(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open rollout file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat rollout file: %w", err)
	}
	size := info.Size()
	buf := make([]byte, 64<<10)
	for end := size; end > 0; {
		start := max(end-int64(len(buf)), 0)
		chunk := buf[:end-start]
		if _, err := f.ReadAt(chunk, start); err != nil {
			return fmt.Errorf("read rollout file: %w", err)
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			keep := start + int64(i) + 1
			if keep == size {
				return nil
			}
			return f.Truncate(keep)
		}
		end = start
	}
	return f.Truncate(0)
}

// Path returns the file's path.
func (w *Writer) Path() string { return w.path }

// ResponseItems records conversation items.
func (w *Writer) ResponseItems(items ...protocol.ResponseItem) error {
	for _, it := range items {
		if err := w.write(LineResponseItem, it); err != nil {
			return err
		}
	}
	return nil
}

// EventMsg records an event.
func (w *Writer) EventMsg(m protocol.EventMsg) error {
	return w.write(LineEventMsg, protocol.MarshalEventMsg{EventMsg: m})
}

// TurnContext records the settings of a model request.
func (w *Writer) TurnContext(tc protocol.TurnContext) error {
	return w.write(LineTurnContext, tc)
}

func (w *Writer) write(typ string, payload any) error {
	if w.discard {
		return nil
	}
	body, err := protocol.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode rollout %s: %w", typ, err)
	}
	line, err := protocol.Marshal(Line{Timestamp: w.now().UTC().Format(TimestampFormat), Type: typ, Payload: body})
	if err != nil {
		return fmt.Errorf("encode rollout line: %w", err)
	}
	line = append(line, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return fmt.Errorf("rollout %s is closed", w.path)
	}
	if w.err != nil {
		return w.err
	}
	if _, err := w.f.Write(line); err != nil {
		w.err = fmt.Errorf("write rollout %s: %w", w.path, err)
		return w.err
	}
	return nil
}

// Close flushes and closes the file. Later writes fail.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	w.f = nil
	return err
}
