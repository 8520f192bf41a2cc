package rollout

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/codex-go/codex/protocol"
)

// maxHistoryLine caps one line of a rollout read by ReadHistory; a longer
// line is skipped (its events are not shown) rather than held in memory.
const maxHistoryLine = 32 << 20

// TimedEvent is a recorded event and when it was written.
type TimedEvent struct {
	// At is the line's timestamp.
	At time.Time
	// Msg is the event.
	Msg protocol.EventMsg
}

// Turn ends.
const (
	// TurnOpen is a turn whose end is not recorded.
	TurnOpen = ""
	// TurnCompleted is a turn that ended normally.
	TurnCompleted = "completed"
	// TurnAborted is a turn that was interrupted.
	TurnAborted = "aborted"
)

// RecordedTurn is one turn of a recorded conversation: the user's input
// and the events it caused.
type RecordedTurn struct {
	// ID is the turn id the file records (the reference records one), ""
	// when it records none.
	ID string
	// Events are the turn's events in file order, starting with the
	// user's message when there is one.
	Events []TimedEvent
	// StartedAt is when the turn started.
	StartedAt time.Time
	// EndedAt is when its last event was written.
	EndedAt time.Time
	// End is TurnCompleted, TurnAborted or TurnOpen.
	End string
	// StartLine and EndLine delimit the turn's lines, 0-based, EndLine
	// excluded: the lines a fork that keeps this turn copies go up to
	// EndLine.
	StartLine, EndLine int
	// byTask is set for a turn a task_started event opened: the user's
	// messages that follow belong to it.
	byTask bool
}

// History is a recorded conversation split into turns.
type History struct {
	// Meta is the session_meta payload.
	Meta SessionMeta
	// Turns are the turns in order.
	Turns []RecordedTurn
	// Compactions counts the compacted lines met; the history they
	// summarise is kept in the file and shown (the turn that compacted
	// shows it with its context_compacted event).
	Compactions int
}

// ReadHistory reads a rollout file into turns. It reads the events both
// this program and the reference record: a turn starts at a task_started
// event (the reference's carries the turn id) or, in files that record
// none, at the user's message; it ends at task_complete or
// turn_aborted, or where the next one starts. The reference's
// item_completed events for user and agent messages are read as the
// user_message and agent_message events they stand for. Lines that do
// not decode are skipped, as are lines beyond maxHistoryLine.
func ReadHistory(path string) (*History, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read rollout: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	var h *History
	var cur *RecordedTurn
	// lastKept is the last line that is not input of a turn (a user-role
	// item or a turn context): a turn's lines end after it, before the
	// lines of the next turn's input.
	lastKept := 0
	end := -1 // the line the current turn ends before, -1 for the end of the file
	closeTurn := func(int) {
		if cur == nil {
			return
		}
		cur.EndLine = end
		if cur.EndLine < 0 {
			cur.EndLine = lastKept + 1
		}
		h.Turns = append(h.Turns, *cur)
		cur = nil
	}
	for n := 0; ; n++ {
		raw, rerr := readLine(r, maxHistoryLine)
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return nil, fmt.Errorf("read rollout %s: %w", path, rerr)
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			var l Line
			if json.Unmarshal(raw, &l) == nil {
				if h == nil {
					if l.Type != LineSessionMeta {
						return nil, fmt.Errorf("read rollout %s: first line is %q, want %q", path, l.Type, LineSessionMeta)
					}
					h = &History{}
					if err := json.Unmarshal(l.Payload, &h.Meta); err != nil {
						return nil, fmt.Errorf("read rollout %s: decode session_meta: %w", path, err)
					}
				} else {
					at, _ := time.Parse(TimestampFormat, l.Timestamp)
					switch l.Type {
					case LineCompacted:
						h.Compactions++
					case LineEventMsg:
						end = -1
						cur = h.addEvent(cur, l.Payload, at, n, closeTurn)
					}
				}
				if !isInput(l) {
					lastKept = n
				}
			}
		}
		if rerr != nil {
			if h == nil {
				return nil, fmt.Errorf("read rollout %s: no session_meta line", path)
			}
			end = n + 1
			closeTurn(n)
			return h, nil
		}
	}
}

// isInput reports whether a line records the input of a turn that is
// written before the event that opens the turn: a user-role message or a
// turn context.
func isInput(l Line) bool {
	switch l.Type {
	case LineTurnContext:
		return true
	case LineResponseItem:
		var it struct {
			Type string `json:"type"`
			Role string `json:"role"`
		}
		return json.Unmarshal(l.Payload, &it) == nil && it.Type == "message" && it.Role == "user"
	}
	return false
}

// readLine reads one line; a line longer than limit is consumed and
// returned empty.
func readLine(r *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	over := false
	for {
		chunk, err := r.ReadSlice('\n')
		if !over {
			line = append(line, chunk...)
			if len(line) > limit {
				over, line = true, nil
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return line, err
	}
}

// recordedTask is the part of the reference's task_started and
// task_complete events that delimits turns.
type recordedTask struct {
	Type   string `json:"type"`
	TurnID string `json:"turn_id"`
}

// recordedItem is the reference's item_completed event.
type recordedItem struct {
	Item struct {
		Type    string `json:"type"`
		ID      string `json:"id"`
		Content []struct {
			Type     string `json:"type"`
			Text     string `json:"text"`
			ImageURL string `json:"image_url"`
		} `json:"content"`
		Summary []json.RawMessage `json:"summary"`
	} `json:"item"`
}

// addEvent adds one event_msg payload, at line n, to the history: it may
// close the current turn and open another. It returns the current turn.
func (h *History) addEvent(cur *RecordedTurn, payload json.RawMessage, at time.Time, n int, closeTurn func(int)) *RecordedTurn {
	var task recordedTask
	if json.Unmarshal(payload, &task) != nil {
		return cur
	}
	open := func(id string) *RecordedTurn {
		closeTurn(n)
		return &RecordedTurn{ID: id, StartedAt: at, EndedAt: at, StartLine: n}
	}
	add := func(t *RecordedTurn, m protocol.EventMsg) {
		t.Events = append(t.Events, TimedEvent{At: at, Msg: m})
		t.EndedAt = at
	}
	userMessage := func(m protocol.UserMessageEvent) *RecordedTurn {
		if m.Kind != "" && m.Kind != protocol.KindPlain || IsContextMessage(m.Message) {
			return cur
		}
		// A reference turn opens with task_started and holds its input; in
		// files without task_started the message opens the turn.
		if cur == nil || cur.End != TurnOpen || !cur.byTask {
			cur = open("")
		}
		add(cur, m)
		return cur
	}
	switch task.Type {
	case "task_started":
		t := open(task.TurnID)
		t.byTask = true
		return t
	case protocol.EventTypeUserMessage:
		m, err := protocol.DecodeEventMsg(payload)
		if um, ok := m.(protocol.UserMessageEvent); ok && err == nil {
			return userMessage(um)
		}
		return cur
	case "item_completed":
		var it recordedItem
		if json.Unmarshal(payload, &it) != nil {
			return cur
		}
		var text []string
		var images []string
		for _, c := range it.Item.Content {
			if c.Text != "" {
				text = append(text, c.Text)
			}
			if c.ImageURL != "" {
				images = append(images, c.ImageURL)
			}
		}
		switch it.Item.Type {
		case "UserMessage":
			return userMessage(protocol.UserMessageEvent{Message: strings.Join(text, "\n"), Kind: protocol.KindPlain, Images: images})
		case "AgentMessage":
			if cur != nil {
				add(cur, protocol.AgentMessageEvent{Message: strings.Join(text, ""), ItemID: it.Item.ID})
			}
		}
		return cur
	}
	if cur == nil {
		return cur
	}
	m, err := protocol.DecodeEventMsg(payload)
	if err != nil {
		return cur
	}
	switch m := m.(type) {
	case protocol.TaskCompleteEvent:
		cur.End, cur.EndedAt = TurnCompleted, at
	case protocol.TurnAbortedEvent:
		cur.End, cur.EndedAt = TurnAborted, at
	case protocol.UnknownEvent, protocol.TaskStartedEvent:
	default:
		if cur.End == TurnOpen {
			add(cur, m)
		}
	}
	return cur
}

// Fork records a new conversation whose history is a copy of the lines of
// the rollout at src before line keep (0-based; the session_meta line is
// replaced by meta's). It returns the new file's path.
func Fork(codexHome, src string, meta SessionMeta, keep int, start time.Time, now func() time.Time) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("fork rollout: %w", err)
	}
	defer in.Close()
	w, err := Create(codexHome, meta, start, now)
	if err != nil {
		return "", err
	}
	r := bufio.NewReaderSize(in, 64<<10)
	for n := 0; n < keep; n++ {
		raw, rerr := r.ReadBytes('\n')
		if n > 0 && len(bytes.TrimSpace(raw)) > 0 && rerr == nil {
			if err := w.writeRaw(raw); err != nil {
				_ = w.Close()
				return "", err
			}
		}
		if rerr != nil {
			break
		}
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("fork rollout: %w", err)
	}
	return w.Path(), nil
}

// writeRaw appends a line as it is; raw ends with a newline.
func (w *Writer) writeRaw(raw []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return fmt.Errorf("rollout %s is closed", w.path)
	}
	if _, err := w.f.Write(raw); err != nil {
		return fmt.Errorf("write rollout %s: %w", w.path, err)
	}
	return nil
}
