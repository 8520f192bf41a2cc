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
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ErrBadCursor is wrapped by the errors of ListThreads for a cursor it
// cannot read.
var ErrBadCursor = errors.New("invalid cursor")

// ThreadInfo describes a recorded conversation as the head of its rollout
// file tells it.
type ThreadInfo struct {
	// ID is the conversation id.
	ID string
	// Path is the rollout file.
	Path string
	// Archived is set for a file under archived_sessions.
	Archived bool
	// Meta is the session_meta payload.
	Meta SessionMeta
	// Preview is the first message typed by the user.
	Preview string
	// Model is the model of the first recorded turn context, "" when the
	// head records none.
	Model string
	// CreatedAt is when the session started.
	CreatedAt time.Time
	// UpdatedAt is when the file last changed.
	UpdatedAt time.Time
}

// ThreadQuery selects a page of ListThreads.
type ThreadQuery struct {
	// Archived lists archived_sessions instead of sessions.
	Archived bool
	// PageSize is the page size: DefaultPageSize when 0 or less, at most
	// MaxPageSize.
	PageSize int
	// Cursor continues a listing of the same order; "" starts at the
	// beginning.
	Cursor string
	// ByUpdated orders by modification time instead of start time.
	ByUpdated bool
	// Ascending lists oldest first.
	Ascending bool
	// Keep, when set, drops the threads it returns false for; they do not
	// count toward the page.
	Keep func(ThreadInfo) bool
}

// ThreadPage is one page of ListThreads.
type ThreadPage struct {
	// Items are the threads of the page.
	Items []ThreadInfo
	// NextCursor continues after the last item; nil when no file follows.
	NextCursor *string
}

// candidate is a rollout file that a listing may show, with its sort key.
type candidate struct {
	path string
	pos  position
	key  string
}

// ListThreads returns a page of recorded conversations in the order q asks
// for. As with List, only the head of each file is read, and files that
// hold no typed user message yet are skipped. The cursor is the sort key
// of the last item, so that it stays valid while files are added: a
// created_at key is "<start time>|<id>", an updated_at key is
// "<modification time in ns>|<id>".
//
// The newest-first listing by start time reads only as many directories
// as the page needs; the other orders read every directory entry (and, by
// modification time, stat every file) before reading the heads of the
// page.
func ListThreads(codexHome string, q ThreadQuery) (ThreadPage, error) {
	size := q.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	size = min(size, MaxPageSize)
	if q.Cursor != "" {
		if err := checkKey(q.Cursor, q.ByUpdated); err != nil {
			return ThreadPage{}, err
		}
	}
	page := ThreadPage{Items: []ThreadInfo{}}
	more := false
	var lastKey string
	take := func(c candidate) bool {
		if len(page.Items) == size {
			more = true
			return false
		}
		info, ok := readThreadInfo(c.path, c.pos)
		if !ok {
			return true
		}
		info.Archived = q.Archived
		if q.Keep != nil && !q.Keep(info) {
			return true
		}
		page.Items = append(page.Items, info)
		lastKey = c.key
		return true
	}
	if !q.Archived && !q.ByUpdated && !q.Ascending {
		var after *position
		if q.Cursor != "" {
			p, err := parseCursor(q.Cursor)
			if err != nil {
				return ThreadPage{}, fmt.Errorf("%w: %v", ErrBadCursor, err)
			}
			after = &p
		}
		err := walkNewest(filepath.Join(codexHome, sessionsDirName), after, func(f rolloutFile) bool {
			return take(candidate{path: f.path, pos: f.pos, key: f.pos.String()})
		})
		if err != nil {
			return ThreadPage{}, err
		}
	} else {
		cands, err := candidates(codexHome, q.Archived, q.ByUpdated)
		if err != nil {
			return ThreadPage{}, err
		}
		slices.SortFunc(cands, func(a, b candidate) int { return strings.Compare(a.key, b.key) })
		if !q.Ascending {
			slices.Reverse(cands)
		}
		for _, c := range cands {
			if q.Cursor != "" && (q.Ascending && c.key <= q.Cursor || !q.Ascending && c.key >= q.Cursor) {
				continue
			}
			if !take(c) {
				break
			}
		}
	}
	if more {
		page.NextCursor = &lastKey
	}
	return page, nil
}

// checkKey reports whether a cursor has the form of the sort keys of its
// order.
func checkKey(cursor string, byUpdated bool) error {
	if !byUpdated {
		if _, err := parseCursor(cursor); err != nil {
			return fmt.Errorf("%w: %v", ErrBadCursor, err)
		}
		return nil
	}
	ns, id, ok := strings.Cut(cursor, "|")
	if _, err := strconv.ParseUint(ns, 10, 64); !ok || err != nil {
		return fmt.Errorf("%w %q: want <modification time>|<conversation id>", ErrBadCursor, cursor)
	}
	if _, err := uuid.Parse(id); err != nil {
		return fmt.Errorf("%w %q: bad conversation id: %v", ErrBadCursor, cursor, err)
	}
	return nil
}

// candidates returns every rollout file of sessions (or of
// archived_sessions) with its sort key.
func candidates(codexHome string, archived, byUpdated bool) ([]candidate, error) {
	var out []candidate
	add := func(path string, pos position) {
		c := candidate{path: path, pos: pos, key: pos.String()}
		if byUpdated {
			info, err := os.Stat(path)
			if err != nil {
				return
			}
			c.key = fmt.Sprintf("%020d|%s", info.ModTime().UnixNano(), pos.id)
		}
		out = append(out, c)
	}
	if !archived {
		err := walkNewest(filepath.Join(codexHome, sessionsDirName), nil, func(f rolloutFile) bool {
			add(f.path, f.pos)
			return true
		})
		return out, err
	}
	dir := filepath.Join(codexHome, archivedDirName)
	names, err := namesDescending(dir)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if pos, ok := parseFileName(name); ok {
			add(filepath.Join(dir, name), pos)
		}
	}
	return out, nil
}

// readThreadInfo reads the head of a rollout file: its session_meta and
// the lines up to the first typed user message and the first turn
// context (the model), whichever comes last. ok is false when the file
// cannot be listed (see readSummary).
func readThreadInfo(path string, pos position) (ThreadInfo, bool) {
	f, err := os.Open(path)
	if err != nil {
		return ThreadInfo{}, false
	}
	defer f.Close()
	stat, err := f.Stat()
	if err != nil {
		return ThreadInfo{}, false
	}
	info := ThreadInfo{Path: path, UpdatedAt: stat.ModTime()}
	r := bufio.NewReader(io.LimitReader(f, headMaxBytes))
	sawMeta := false
	for n := 0; n < headMaxLines; n++ {
		raw, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(raw)) > 0 {
			var l Line
			if json.Unmarshal(raw, &l) != nil {
				return ThreadInfo{}, false
			}
			switch {
			case !sawMeta:
				if l.Type != LineSessionMeta || json.Unmarshal(l.Payload, &info.Meta) != nil {
					return ThreadInfo{}, false
				}
				sawMeta = true
			case l.Type == LineTurnContext && info.Model == "":
				var tc struct {
					Model string `json:"model"`
				}
				if json.Unmarshal(l.Payload, &tc) == nil {
					info.Model = tc.Model
				}
				if info.Model != "" && info.Preview != "" {
					return info, true
				}
			case info.Preview == "":
				if text, found := typedUserText(l); found {
					info.Preview = text
					info.ID = info.Meta.ID
					if info.ID == "" {
						info.ID = pos.id
					}
					info.CreatedAt = startTime(info.Meta.Timestamp, pos)
					if info.Model != "" {
						return info, true
					}
				}
			}
		}
		if err != nil {
			break
		}
	}
	// A typed message found, its turn's model not (yet) recorded.
	return info, info.Preview != ""
}

// startTime is the session's start: the session_meta timestamp, or the
// time in the file name when that does not parse.
func startTime(stamp string, pos position) time.Time {
	for _, layout := range []string{TimestampFormat, time.RFC3339Nano} {
		if t, err := time.Parse(layout, stamp); err == nil {
			return t
		}
	}
	t, _ := time.ParseInLocation(fileTimeLayout, pos.ts, time.Local)
	return t
}

// ThreadInfoAt reads the head of the rollout file at path, in sessions or
// archived_sessions. The error wraps ErrNotFound when the file does not
// exist or holds no typed user message yet.
func ThreadInfoAt(path string) (ThreadInfo, error) {
	pos, ok := parseFileName(filepath.Base(path))
	if !ok {
		return ThreadInfo{}, fmt.Errorf("%s is not named like a rollout file: %w", path, ErrNotFound)
	}
	info, ok := readThreadInfo(path, pos)
	if !ok {
		return ThreadInfo{}, fmt.Errorf("%s holds no recorded message: %w", path, ErrNotFound)
	}
	info.Archived = filepath.Base(filepath.Dir(path)) == archivedDirName
	return info, nil
}

// FindThread returns the rollout file of conversation id, in sessions or,
// when archived is set, in archived_sessions. The error wraps ErrNotFound
// when there is none.
func FindThread(codexHome, id string, archived bool) (string, error) {
	if !archived {
		return FindByID(codexHome, id)
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return "", fmt.Errorf("invalid conversation id %q: %w", id, err)
	}
	dir := filepath.Join(codexHome, archivedDirName)
	names, err := namesDescending(dir)
	if err != nil {
		return "", err
	}
	for _, name := range names {
		if pos, ok := parseFileName(name); ok && strings.EqualFold(pos.id, u.String()) {
			return filepath.Join(dir, name), nil
		}
	}
	return "", fmt.Errorf("no archived rollout for conversation %s: %w", u, ErrNotFound)
}

// Unarchive moves the archived rollout file of conversation id back to
// the date directory of sessions its name calls for and returns the new
// path. The error wraps ErrNotFound when it is not archived.
func Unarchive(codexHome, id string) (string, error) {
	src, err := FindThread(codexHome, id, true)
	if err != nil {
		return "", err
	}
	pos, _ := parseFileName(filepath.Base(src))
	start, err := time.ParseInLocation(fileTimeLayout, pos.ts, time.Local)
	if err != nil {
		return "", fmt.Errorf("unarchive %s: %w", src, err)
	}
	dir := filepath.Join(codexHome, sessionsDirName, start.Format("2006"), start.Format("01"), start.Format("02"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create sessions directory: %w", err)
	}
	dest := filepath.Join(dir, filepath.Base(src))
	if _, err := os.Lstat(dest); err == nil {
		return "", fmt.Errorf("unarchive %s: %s already exists", src, dest)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("unarchive %s: %w", src, err)
	}
	if err := os.Rename(src, dest); err != nil {
		return "", fmt.Errorf("unarchive %s: %w", src, err)
	}
	return dest, nil
}

// Delete removes the rollout file of conversation id, whether archived or
// not. The error wraps ErrNotFound when there is none.
func Delete(codexHome, id string) error {
	path, err := FindThread(codexHome, id, false)
	if errors.Is(err, ErrNotFound) {
		path, err = FindThread(codexHome, id, true)
	}
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("delete rollout %s: %w", path, err)
	}
	return nil
}
