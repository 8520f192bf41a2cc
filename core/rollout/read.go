package rollout

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/codex-go/codex/protocol"
)

// Recorded is a rollout file loaded for resuming a conversation.
type Recorded struct {
	// Meta is the payload of the session_meta line.
	Meta SessionMeta
	// Items are the response items in file order: the model history. A
	// compacted line replaces the items before it with the history that
	// followed the compaction.
	Items []protocol.ResponseItem
	// Events are the recorded event_msg payloads in file order, but for
	// the task_started and task_complete events that delimit turns.
	Events []protocol.EventMsg
	// LastTurnContext is the last turn_context payload, nil when there is none.
	LastTurnContext *protocol.TurnContext
}

// MaxReadBytes bounds the size of a rollout file that Read loads.
const MaxReadBytes = 256 << 20

// Read loads a rollout file. The first line must be session_meta; later
// session_meta lines and lines of unknown types are ignored. A last line
// that has no trailing newline and does not decode is the remains of an
// interrupted write and is ignored. Any other line that does not decode is
// an error naming its line number. Blank lines are skipped.
//
// Only a regular file of at most MaxReadBytes is read: a device, a pipe or
// a directory is refused without reading from it, so that such a path can
// neither block the caller nor fill its memory. Errors never quote the
// file's content, which may not be a rollout at all.
func Read(path string) (*Recorded, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("read rollout: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read rollout: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("read rollout %s: not a regular file", path)
	}
	if info.Size() > MaxReadBytes {
		return nil, fmt.Errorf("read rollout %s: larger than %d bytes", path, MaxReadBytes)
	}
	var rec *Recorded
	// The file may grow while it is read; what lies past the bound is not read.
	r := bufio.NewReader(io.LimitReader(f, MaxReadBytes))
	for n := 1; ; n++ {
		raw, rerr := r.ReadBytes('\n')
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return nil, fmt.Errorf("read rollout %s: %w", path, rerr)
		}
		torn := errors.Is(rerr, io.EOF) // the last line, without its newline
		if len(bytes.TrimSpace(raw)) > 0 {
			next, err := addLine(rec, raw)
			switch {
			case err != nil && torn:
				// An interrupted write: the line never completed.
			case err != nil:
				return nil, fmt.Errorf("read rollout %s: line %d: %w", path, n, err)
			default:
				rec = next
			}
		}
		if torn {
			break
		}
	}
	if rec == nil {
		return nil, fmt.Errorf("read rollout %s: no session_meta line", path)
	}
	return rec, nil
}

// addLine decodes one line into rec. rec is nil until the session_meta line
// has been read, which must come first; the returned Recorded is the one to
// continue with.
func addLine(rec *Recorded, raw []byte) (*Recorded, error) {
	var l Line
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, fmt.Errorf("decode line: %w", withoutContent(err))
	}
	if rec == nil {
		if l.Type != LineSessionMeta {
			return nil, fmt.Errorf("first line is not a %s line", LineSessionMeta)
		}
		rec = &Recorded{}
		if err := json.Unmarshal(l.Payload, &rec.Meta); err != nil {
			return nil, fmt.Errorf("decode %s: %w", l.Type, withoutContent(err))
		}
		return rec, nil
	}
	switch l.Type {
	case LineResponseItem:
		var it protocol.ResponseItem
		if err := json.Unmarshal(l.Payload, &it); err != nil {
			return nil, fmt.Errorf("decode %s: %w", l.Type, withoutContent(err))
		}
		rec.Items = append(rec.Items, it)
	case LineEventMsg:
		m, err := protocol.DecodeEventMsg(l.Payload)
		if newerValue(err) {
			// A value this build does not know, as a newer version writes
			// it: the event is kept as recorded.
			m, err = protocol.UnknownEvent{Raw: l.Payload}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", l.Type, withoutContent(err))
		}
		switch m.(type) {
		case protocol.TaskStartedEvent, protocol.TaskCompleteEvent:
			// Turn boundaries, for the history of turns (ReadHistory); a
			// resumed conversation's replay leaves them out.
		default:
			rec.Events = append(rec.Events, m)
		}
	case LineCompacted:
		var c Compacted
		if err := json.Unmarshal(l.Payload, &c); err != nil {
			return nil, fmt.Errorf("decode %s: %w", l.Type, withoutContent(err))
		}
		if c.ReplacementHistory != nil {
			rec.Items = c.ReplacementHistory
		} else {
			rec.Items = CompactedHistory(rec.Items, c.Message)
		}
	case LineTurnContext:
		var tc protocol.TurnContext
		err := json.Unmarshal(l.Payload, &tc)
		switch {
		case newerValue(err):
			// Settings this build cannot represent: the conversation goes
			// on with its own, as if the line were not there.
		case err != nil:
			return nil, fmt.Errorf("decode %s: %w", l.Type, withoutContent(err))
		default:
			rec.LastTurnContext = &tc
		}
	}
	return rec, nil
}

// newerValue reports whether err is the refusal of an enumerated value this
// build does not know, which a newer version may have written.
func newerValue(err error) bool {
	var variant *protocol.UnknownVariantError
	return errors.As(err, &variant)
}

// errUndecodable stands for a decoding error whose message would quote the
// bytes that failed to decode.
var errUndecodable = errors.New("not a JSON value of the expected shape")

// withoutContent returns a decoding error that says what went wrong without
// quoting the input: a syntax error names its offset only, a type mismatch
// the member and the expected type; any other error becomes errUndecodable.
func withoutContent(err error) error {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Errorf("invalid JSON at byte %d", syntax.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("member %q is not of type %s", typ.Field, typ.Type)
	}
	return errUndecodable
}
