package rollout

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/codex-go/codex/protocol"
)

// Page sizes of List.
const (
	// DefaultPageSize is used when List is given a page size of 0 or less.
	DefaultPageSize = 25
	// MaxPageSize caps the page size of List.
	MaxPageSize = 100
)

// Limits on how much of a file List reads to find its preview. A file whose
// first typed user message lies beyond them is not listed.
const (
	headMaxLines = 200
	headMaxBytes = 1 << 20
)

const (
	sessionsDirName = "sessions"
	filePrefix      = "rollout-"
	fileSuffix      = ".jsonl"
	// fileTimeLayout is the local start time embedded in a file name and in cursors.
	fileTimeLayout = "2006-01-02T15-04-05"
)

// ErrNotFound is returned (wrapped) by FindByID and Latest when there is no
// matching rollout.
var ErrNotFound = errors.New("rollout not found")

// Summary describes one recorded conversation in a listing.
type Summary struct {
	// ConversationID is the conversation id from the session meta.
	ConversationID string
	// Path is the rollout file.
	Path string
	// Preview is the text of the first message typed by the user.
	Preview string
	// Timestamp is the session meta's start time, nil when it has none.
	Timestamp *string
}

// Page is one page of a listing.
type Page struct {
	// Items are the conversations, newest first.
	Items []Summary
	// NextCursor continues the listing after the last item. It is nil when
	// the page is empty.
	NextCursor *string
}

// position identifies a rollout file by the start time and id in its name.
// Positions order like file names, so newer files have greater positions.
type position struct {
	ts string // local start time, fileTimeLayout
	id string // conversation id
}

// String formats the position as a cursor: "<ts>|<id>".
func (p position) String() string { return p.ts + "|" + p.id }

// less reports whether p comes before q in name order (p is older).
func (p position) less(q position) bool {
	if p.ts != q.ts {
		return p.ts < q.ts
	}
	return p.id < q.id
}

// parseCursor reads a cursor produced by List.
func parseCursor(s string) (position, error) {
	ts, id, ok := strings.Cut(s, "|")
	if !ok {
		return position{}, fmt.Errorf("invalid cursor %q: want <timestamp>|<conversation id>", s)
	}
	if _, err := time.Parse(fileTimeLayout, ts); err != nil {
		return position{}, fmt.Errorf("invalid cursor %q: bad timestamp: %w", s, err)
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return position{}, fmt.Errorf("invalid cursor %q: bad conversation id: %w", s, err)
	}
	return position{ts: ts, id: u.String()}, nil
}

// parseFileName extracts the position from "rollout-<ts>-<uuid>.jsonl".
func parseFileName(name string) (position, bool) {
	rest, ok := strings.CutPrefix(name, filePrefix)
	if !ok {
		return position{}, false
	}
	rest, ok = strings.CutSuffix(rest, fileSuffix)
	if !ok || len(rest) < len(fileTimeLayout)+2 || rest[len(fileTimeLayout)] != '-' {
		return position{}, false
	}
	ts, id := rest[:len(fileTimeLayout)], rest[len(fileTimeLayout)+1:]
	if _, err := time.Parse(fileTimeLayout, ts); err != nil {
		return position{}, false
	}
	if _, err := uuid.Parse(id); err != nil {
		return position{}, false
	}
	return position{ts: ts, id: id}, true
}

// rolloutFile is a candidate file found by walkNewest.
type rolloutFile struct {
	path string
	pos  position
}

// walkNewest calls visit for every file under sessionsDir named like a
// rollout, newest first: the YYYY, MM and DD directories and the files in
// them are visited in descending name order, and file names begin with the
// start time. When after is not nil, only files strictly older than it are
// visited, and directories that can only hold newer files are not read.
// Walking stops when visit returns false. A missing sessions directory has
// no files.
func walkNewest(sessionsDir string, after *position, visit func(rolloutFile) bool) error {
	// The date directories, as prefixes of the file time: YYYY, YYYY-MM, YYYY-MM-DD.
	digits := []int{4, 2, 2}
	var walk func(dir, datePrefix string, level int) (bool, error)
	walk = func(dir, datePrefix string, level int) (bool, error) {
		names, err := namesDescending(dir)
		if err != nil {
			return true, err
		}
		for _, name := range names {
			if level == len(digits) {
				pos, ok := parseFileName(name)
				if !ok || (after != nil && !pos.less(*after)) {
					continue
				}
				if !visit(rolloutFile{path: filepath.Join(dir, name), pos: pos}) {
					return false, nil
				}
				continue
			}
			if !isDigits(name, digits[level]) {
				continue
			}
			prefix := name
			if level > 0 {
				prefix = datePrefix + "-" + name
			}
			if after != nil && prefix > after.ts[:len(prefix)] {
				continue
			}
			more, err := walk(filepath.Join(dir, name), prefix, level+1)
			if err != nil || !more {
				return more, err
			}
		}
		return true, nil
	}
	_, err := walk(sessionsDir, "", 0)
	return err
}

// namesDescending lists a directory's entry names in descending order. A
// directory that does not exist (or is not a directory) has no entries.
func namesDescending(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil, nil
		}
		return nil, fmt.Errorf("list rollouts: %w", err)
	}
	names, err := f.Readdirnames(-1)
	_ = f.Close()
	if err != nil {
		if errors.Is(err, syscall.ENOTDIR) {
			return nil, nil
		}
		return nil, fmt.Errorf("list rollouts in %s: %w", dir, err)
	}
	slices.Sort(names)
	slices.Reverse(names)
	return names, nil
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// List returns up to pageSize recorded conversations (DefaultPageSize when
// pageSize <= 0, at most MaxPageSize), newest first, starting after cursor
// ("" starts at the newest).
//
// Only the head of each listed file is read: its session_meta line and the
// lines up to the first message typed by the user, which becomes the
// preview. Files that are empty, unreadable, malformed in their head, or that
// hold no typed user message yet (a session that has just started) are
// skipped; they are listed once they have one.
//
// The cursor names the last item's file position ("<start time>|<id>"), so
// it stays valid while new conversations are recorded: newer files sort
// before it and do not shift later pages. NextCursor is set whenever the
// page has items, as codex-cli 0.45.0 sets it: the page after the last one
// is empty and has none.
func List(codexHome string, pageSize int, cursor string) (Page, error) {
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	pageSize = min(pageSize, MaxPageSize)
	var after *position
	if cursor != "" {
		p, err := parseCursor(cursor)
		if err != nil {
			return Page{}, err
		}
		after = &p
	}
	page := Page{Items: []Summary{}}
	var last position
	err := walkNewest(filepath.Join(codexHome, sessionsDirName), after, func(f rolloutFile) bool {
		if len(page.Items) == pageSize {
			return false
		}
		s, ok := readSummary(f.path)
		if !ok {
			return true
		}
		if s.ConversationID == "" {
			s.ConversationID = f.pos.id
		}
		page.Items = append(page.Items, s)
		last = f.pos
		return true
	})
	if err != nil {
		return Page{}, err
	}
	if len(page.Items) > 0 {
		c := last.String()
		page.NextCursor = &c
	}
	return page, nil
}

// readSummary reads the head of a rollout file. ok is false when the file
// cannot be listed: unreadable, not starting with session_meta, or without
// a typed user message within the head limits.
func readSummary(path string) (s Summary, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return Summary{}, false
	}
	defer f.Close()
	r := bufio.NewReader(io.LimitReader(f, headMaxBytes))
	sawMeta := false
	for n := 0; n < headMaxLines; n++ {
		raw, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(raw)) > 0 {
			var l Line
			if json.Unmarshal(raw, &l) != nil {
				return Summary{}, false
			}
			if !sawMeta {
				var meta SessionMeta
				if l.Type != LineSessionMeta || json.Unmarshal(l.Payload, &meta) != nil {
					return Summary{}, false
				}
				sawMeta = true
				s = Summary{ConversationID: meta.ID, Path: path}
				if meta.Timestamp != "" {
					ts := meta.Timestamp
					s.Timestamp = &ts
				}
			} else if text, found := typedUserText(l); found {
				s.Preview = text
				return s, true
			}
		}
		if err != nil {
			return Summary{}, false
		}
	}
	return Summary{}, false
}

// typedUserText returns the text of a line that records a message typed by
// the user: a user-role message item or a plain user_message event that is
// not generated context.
func typedUserText(l Line) (string, bool) {
	switch l.Type {
	case LineResponseItem:
		var it protocol.ResponseItem
		if json.Unmarshal(l.Payload, &it) != nil || it.Type != protocol.ItemMessage || it.Role != "user" {
			return "", false
		}
		text := it.MessageText()
		return text, !IsContextMessage(text)
	case LineEventMsg:
		var ev struct {
			Type    string                    `json:"type"`
			Message string                    `json:"message"`
			Kind    protocol.InputMessageKind `json:"kind"`
		}
		if json.Unmarshal(l.Payload, &ev) != nil || ev.Type != protocol.EventTypeUserMessage {
			return "", false
		}
		if ev.Kind != "" && ev.Kind != protocol.KindPlain {
			return "", false
		}
		return ev.Message, !IsContextMessage(ev.Message)
	}
	return "", false
}

// FindByID returns the path of the rollout file of conversation id under
// $CODEX_HOME/sessions. The id must be a UUID; the newest file wins if
// several carry it. The error wraps ErrNotFound when there is none.
func FindByID(codexHome, id string) (string, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return "", fmt.Errorf("invalid conversation id %q: %w", id, err)
	}
	want := u.String()
	found := ""
	err = walkNewest(filepath.Join(codexHome, sessionsDirName), nil, func(f rolloutFile) bool {
		if strings.EqualFold(f.pos.id, want) {
			found = f.path
			return false
		}
		return true
	})
	if err != nil {
		return "", err
	}
	if found == "" {
		return "", fmt.Errorf("no rollout for conversation %s in %s: %w", want, filepath.Join(codexHome, sessionsDirName), ErrNotFound)
	}
	return found, nil
}

// Latest returns the rollout path of the newest conversation that List
// would show first. The error wraps ErrNotFound when there is none.
func Latest(codexHome string) (string, error) {
	page, err := List(codexHome, 1, "")
	if err != nil {
		return "", err
	}
	if len(page.Items) == 0 {
		return "", fmt.Errorf("no recorded conversations in %s: %w", filepath.Join(codexHome, sessionsDirName), ErrNotFound)
	}
	return page.Items[0].Path, nil
}
