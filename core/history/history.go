// Package history maintains $CODEX_HOME/history.jsonl, the global log of user
// messages shared by every conversation and every process.
//
// Each line is one JSON object, {"session_id":..., "ts":..., "text":...}.
// Writers take an exclusive advisory lock and append a whole line with one
// write; readers take a shared lock. The file is identified by its inode (its
// "log id"), which changes when the file is trimmed, so an offset obtained
// from one version of the log is never applied to another.
package history

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
	"time"

	"github.com/codex-go/codex/protocol"
)

// FileName is the name of the history file inside $CODEX_HOME.
const FileName = "history.jsonl"

// Persistence values accepted by Open.
const (
	// PersistenceSaveAll records every user message.
	PersistenceSaveAll = "save-all"
	// PersistenceNone disables recording.
	PersistenceNone = "none"
)

// fileMode is the permission of the history file: readable by its owner only.
const fileMode fs.FileMode = 0o600

// Lock acquisition polls with an exponential backoff until lockTimeout.
const (
	lockTimeout    = 5 * time.Second
	lockFirstDelay = time.Millisecond
	lockMaxDelay   = 50 * time.Millisecond
)

// When the file grows past the limit it is cut down to trimPercent percent
// of the limit, so that a full log is rewritten once every few appends
// rather than on every one.
const trimPercent = 80

// Entry is one line of the history file.
type Entry struct {
	// SessionID is the conversation the message was sent in.
	SessionID string `json:"session_id"`
	// Ts is the Unix time of the message, in seconds.
	Ts uint64 `json:"ts"`
	// Text is the message.
	Text string `json:"text"`
}

// Store reads and appends the history file of one $CODEX_HOME. A Store holds
// no open file; it is safe for concurrent use by goroutines and processes.
type Store struct {
	path     string
	save     bool
	maxBytes int64
}

// Open returns the store for codexHome. persistence "none" turns Append into
// a no-op; any other value (normally "save-all") records messages. When
// maxBytes is positive, an append that leaves the file larger than maxBytes
// drops the oldest lines so that the rest fits in 80% of maxBytes.
func Open(codexHome, persistence string, maxBytes int64) *Store {
	return &Store{
		path:     filepath.Join(codexHome, FileName),
		save:     persistence != PersistenceNone,
		maxBytes: maxBytes,
	}
}

// Path returns the location of the history file.
func (s *Store) Path() string { return s.path }

// Append records text as a message of conversation sessionID sent at now.
func (s *Store) Append(sessionID, text string, now time.Time) error {
	if !s.save {
		return nil
	}
	line, err := protocol.Marshal(Entry{SessionID: sessionID, Ts: unixSeconds(now), Text: text})
	if err != nil {
		return fmt.Errorf("encode history entry: %w", err)
	}
	line = append(line, '\n')

	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("create history directory: %w", err)
	}
	f, err := s.openLocked()
	if err != nil {
		return err
	}
	defer f.Close()
	defer unlockFile(f)

	if _, err := f.Write(line); err != nil {
		return fmt.Errorf("append to %s: %w", s.path, err)
	}
	if s.maxBytes > 0 {
		if err := s.trim(f); err != nil {
			return err
		}
	}
	return nil
}

// openLocked opens the history file for appending, creating it with mode
// 0600, narrows the permissions of an existing file, and takes the exclusive
// lock. If the file was replaced while waiting for the lock it starts over,
// so the line never lands in an unlinked file.
func (s *Store) openLocked() (*os.File, error) {
	deadline := time.Now().Add(lockTimeout)
	for {
		f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, fileMode)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", s.path, err)
		}
		if err := restrictMode(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("set permissions of %s: %w", s.path, err)
		}
		if err := lockWithRetry(f, true, deadline); err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", s.path, err)
		}
		same, err := s.isCurrent(f)
		if err != nil {
			unlockFile(f)
			f.Close()
			return nil, err
		}
		if same {
			return f, nil
		}
		unlockFile(f)
		f.Close()
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("open %s: file keeps being replaced", s.path)
		}
	}
}

// isCurrent reports whether f is still the file at s.path.
func (s *Store) isCurrent(f *os.File) (bool, error) {
	open, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", s.path, err)
	}
	onDisk, err := os.Stat(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", s.path, err)
	}
	return os.SameFile(open, onDisk), nil
}

// trim rewrites the file when it is larger than s.maxBytes, keeping the
// newest whole lines that fit in trimPercent percent of it. The newest line
// is always kept, even when it alone exceeds the limit. The replacement is a new file renamed over the old
// one, so the log id changes. The caller holds the exclusive lock on f.
func (s *Store) trim(f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", s.path, err)
	}
	if info.Size() <= s.maxBytes {
		return nil
	}
	data, err := os.ReadFile(s.path)
	if err != nil {
		return fmt.Errorf("read %s for trimming: %w", s.path, err)
	}
	keep := newestLines(data, s.maxBytes*trimPercent/100)

	tmp, err := os.CreateTemp(filepath.Dir(s.path), FileName+".trim-*")
	if err != nil {
		return fmt.Errorf("trim %s: %w", s.path, err)
	}
	tmpName := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	if err := tmp.Chmod(fileMode); err != nil {
		return fmt.Errorf("trim %s: %w", s.path, err)
	}
	if _, err := tmp.Write(keep); err != nil {
		return fmt.Errorf("trim %s: %w", s.path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("trim %s: %w", s.path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("trim %s: %w", s.path, err)
	}
	if err := replaceFile(tmpName, s.path); err != nil {
		return fmt.Errorf("trim %s: %w", s.path, err)
	}
	ok = true
	return nil
}

// newestLines returns the longest suffix of data made of whole lines whose
// size is at most limit, or the last line alone when even that is larger.
func newestLines(data []byte, limit int64) []byte {
	if int64(len(data)) <= limit {
		return data
	}
	// Candidate cut points are the starts of lines; the first one at or
	// after len(data)-limit leaves a suffix that fits.
	minStart := len(data) - int(limit)
	body := data
	if len(body) > 0 && body[len(body)-1] == '\n' {
		body = body[:len(body)-1]
	}
	lastStart := bytes.LastIndexByte(body, '\n') + 1
	if lastStart < minStart {
		return data[lastStart:]
	}
	for start := minStart; start <= lastStart; start++ {
		if start == 0 || data[start-1] == '\n' {
			return data[start:]
		}
	}
	return data[lastStart:]
}

// Metadata returns the log id of the history file (0 when it does not
// exist) and the number of entries in it.
func (s *Store) Metadata() (logID uint64, count int, err error) {
	f, err := s.openRead()
	if err != nil || f == nil {
		return 0, 0, err
	}
	defer f.Close()
	defer unlockFile(f)

	logID, err = fileID(f)
	if err != nil {
		return 0, 0, fmt.Errorf("identify %s: %w", s.path, err)
	}
	buf := make([]byte, 64<<10)
	for {
		n, rerr := f.Read(buf)
		count += bytes.Count(buf[:n], []byte{'\n'})
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return 0, 0, fmt.Errorf("read %s: %w", s.path, rerr)
		}
	}
	return logID, count, nil
}

// Lookup returns the entry at offset (the 0-based line number) of the
// history file whose log id is logID. It returns (nil, nil) when the file
// does not exist, has been replaced since logID was obtained, or has no such
// line.
func (s *Store) Lookup(logID uint64, offset int) (*Entry, error) {
	if offset < 0 {
		return nil, nil
	}
	f, err := s.openRead()
	if err != nil || f == nil {
		return nil, err
	}
	defer f.Close()
	defer unlockFile(f)

	id, err := fileID(f)
	if err != nil {
		return nil, fmt.Errorf("identify %s: %w", s.path, err)
	}
	if id != logID {
		return nil, nil
	}
	r := bufio.NewReaderSize(f, 64<<10)
	for i := 0; ; i++ {
		line, rerr := r.ReadBytes('\n')
		if rerr != nil && rerr != io.EOF {
			return nil, fmt.Errorf("read %s: %w", s.path, rerr)
		}
		complete := len(line) > 0 && line[len(line)-1] == '\n'
		if i == offset && complete {
			var e Entry
			if err := json.Unmarshal(line, &e); err != nil {
				return nil, fmt.Errorf("decode line %d of %s: %w", offset, s.path, err)
			}
			return &e, nil
		}
		if rerr == io.EOF {
			return nil, nil
		}
	}
}

// openRead opens the history file for reading under a shared lock. It
// returns a nil file and no error when the file does not exist.
func (s *Store) openRead() (*os.File, error) {
	f, err := os.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", s.path, err)
	}
	if err := lockWithRetry(f, false, time.Now().Add(lockTimeout)); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", s.path, err)
	}
	return f, nil
}

// lockWithRetry takes the lock on f, polling with a growing delay until
// deadline.
func lockWithRetry(f *os.File, exclusive bool, deadline time.Time) error {
	delay := lockFirstDelay
	for {
		ok, err := tryLockFile(f, exclusive)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("timed out waiting for the lock")
		}
		time.Sleep(delay)
		delay = min(delay*2, lockMaxDelay)
	}
}

// unixSeconds converts now to whole seconds since the epoch, clamping times
// before 1970 to 0.
func unixSeconds(now time.Time) uint64 {
	sec := now.Unix()
	if sec < 0 {
		return 0
	}
	return uint64(sec)
}
