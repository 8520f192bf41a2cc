package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/codex-go/codex/core/rollout"
	"github.com/codex-go/codex/protocol"
)

// The recorded sessions the listing benchmarks list.
const (
	// listSessions is how many rollout files the CODEX_HOME holds.
	listSessions = 10_000
	// listDays is how many days (date directories) they are spread over.
	listDays = 100
	// listPageSize is the page size asked for.
	listPageSize = 25
	// listCursorAt is how many of the newest sessions the cursor page skips.
	listCursorAt = listSessions / 2
	// sessionsVersion names the format of the generated rollout files.
	// Change it whenever they change so that cached copies of the old ones
	// are not reused.
	sessionsVersion = "v1"
)

// listNewest returns the start time of the newest generated session. A
// fixed date keeps the file names the same from run to run.
func listNewest() time.Time {
	return time.Date(2025, time.June, 30, 18, 0, 0, 0, time.UTC)
}

// recordedSession is one generated rollout file.
type recordedSession struct {
	// ID is the conversation id.
	ID string
	// Cursor is the listing cursor naming this file: "<file time>|<id>".
	Cursor string
	// Start is when the session started.
	Start time.Time
	// Prompt is the user's first message.
	Prompt string
}

// relPath returns the file's path under the sessions directory:
// YYYY/MM/DD/rollout-<file time>-<id>.jsonl.
func (s recordedSession) relPath() string {
	fileTime, _, _ := strings.Cut(s.Cursor, "|")
	return filepath.Join(s.Start.Format("2006"), s.Start.Format("01"), s.Start.Format("02"),
		"rollout-"+fileTime+"-"+s.ID+".jsonl")
}

// planSessions returns count sessions, newest first, the newest started at
// newest and the rest evenly spread over the days before it, so that they
// fill days date directories. Ids and times depend only on the arguments.
func planSessions(count, days int, newest time.Time) []recordedSession {
	step := time.Duration(days) * 24 * time.Hour / time.Duration(max(count, 1))
	sessions := make([]recordedSession, 0, count)
	for i := range count {
		start := newest.Add(-time.Duration(i) * step).UTC()
		id := uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "codex-bench-session-%d", i)).String()
		sessions = append(sessions, recordedSession{
			ID:     id,
			Cursor: start.Format("2006-01-02T15-04-05") + "|" + id,
			Start:  start,
			Prompt: fmt.Sprintf("Fix the failing test in module %d", i),
		})
	}
	return sessions
}

// writeRollouts writes one rollout file per session under sessionsDir in
// the reference's format. Each file holds a session_meta line, the user's
// first message as a response item and the matching user_message event,
// which is what a listing reads.
func writeRollouts(sessionsDir string, sessions []recordedSession) error {
	madeDirs := map[string]bool{}
	for _, s := range sessions {
		path := filepath.Join(sessionsDir, s.relPath())
		if dir := filepath.Dir(path); !madeDirs[dir] {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("create %s: %w", dir, err)
			}
			madeDirs[dir] = true
		}
		data, err := rolloutLines(s.ID, s.Start, s.Prompt)
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("write rollout %s: %w", path, err)
		}
	}
	return nil
}

// rolloutLines renders the lines of one generated rollout file.
func rolloutLines(id string, start time.Time, prompt string) ([]byte, error) {
	stamp := func(offset time.Duration) string {
		return start.Add(offset).UTC().Format(rollout.TimestampFormat)
	}
	meta := rollout.SessionMeta{
		ID:         id,
		Timestamp:  stamp(0),
		Cwd:        "/home/user/project",
		Originator: "codex_cli_rs",
		CLIVersion: referenceVersion,
		Source:     "vscode",
	}
	lines := []struct {
		typ     string
		at      time.Duration
		payload any
	}{
		{rollout.LineSessionMeta, 0, meta},
		{rollout.LineResponseItem, 30 * time.Millisecond, protocol.UserText(prompt)},
		{rollout.LineEventMsg, 30 * time.Millisecond, map[string]string{"type": protocol.EventTypeUserMessage, "message": prompt, "kind": string(protocol.KindPlain)}},
	}
	var out []byte
	for _, l := range lines {
		payload, err := protocol.Marshal(l.payload)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", l.typ, err)
		}
		line, err := protocol.Marshal(rollout.Line{Timestamp: stamp(l.at), Type: l.typ, Payload: payload})
		if err != nil {
			return nil, fmt.Errorf("encode %s line: %w", l.typ, err)
		}
		out = append(out, line...)
		out = append(out, '\n')
	}
	return out, nil
}

// listFixture is a CODEX_HOME full of recorded sessions.
type listFixture struct {
	// home is the CODEX_HOME directory.
	home string
	// sessions are its sessions, newest first.
	sessions []recordedSession
}

// sessionsTree returns the sessions directory holding listSessions rollout
// files, kept in the OS temp directory across runs, and the sessions in it.
func (r *runner) sessionsTree() (string, []recordedSession, error) {
	if r.fixtures.sessionsDir != "" {
		return r.fixtures.sessionsDir, r.fixtures.sessions, nil
	}
	sessions := planSessions(listSessions, listDays, listNewest())
	name := fmt.Sprintf("codex-bench-sessions-%s-%dx%d", sessionsVersion, listSessions, listDays)
	what := fmt.Sprintf("%d rollout files", listSessions)
	dir, err := ensureCached(os.TempDir(), name, "sessions", what, r.log, func(dir string) error {
		return writeRollouts(dir, sessions)
	})
	if err != nil {
		return "", nil, err
	}
	r.fixtures.sessionsDir, r.fixtures.sessions = dir, sessions
	return dir, sessions, nil
}

// setupSessionsTree builds (or finds) the sessions before either binary is
// measured.
func setupSessionsTree(_ context.Context, r *runner) error {
	_, _, err := r.sessionsTree()
	return err
}

// listHome returns a CODEX_HOME for t whose sessions directory is a
// symbolic link to the shared sessions tree, with the same config.toml as
// t.Home. Listing only reads it; the link spares writing 10,000 files per
// binary and run.
func (r *runner) listHome(t *target) (*listFixture, error) {
	sessionsDir, sessions, err := r.sessionsTree()
	if err != nil {
		return nil, err
	}
	home := filepath.Join(r.tmp, t.Name+"-list-home")
	if _, err := os.Stat(home); err == nil {
		return &listFixture{home: home, sessions: sessions}, nil
	}
	if err := os.MkdirAll(home, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", home, err)
	}
	cfg, err := os.ReadFile(filepath.Join(t.Home, "config.toml"))
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if err := os.WriteFile(filepath.Join(home, "config.toml"), cfg, 0o600); err != nil {
		return nil, fmt.Errorf("write config: %w", err)
	}
	if err := os.Symlink(sessionsDir, filepath.Join(home, "sessions")); err != nil {
		return nil, fmt.Errorf("link sessions: %w", err)
	}
	return &listFixture{home: home, sessions: sessions}, nil
}

// prepareListFirstPage measures listConversations for the newest page.
func prepareListFirstPage(ctx context.Context, r *runner, t *target) (sampleFunc, func() error, error) {
	return prepareListing(ctx, r, t, 0)
}

// prepareListAtCursor measures listConversations for the page that starts
// after the listCursorAt newest sessions.
func prepareListAtCursor(ctx context.Context, r *runner, t *target) (sampleFunc, func() error, error) {
	return prepareListing(ctx, r, t, listCursorAt)
}

// prepareListing starts one app-server on t's listing CODEX_HOME; each
// sample asks for the page of listPageSize sessions that follows the skip
// newest ones (a cursor when skip > 0) and checks that it holds exactly
// the expected sessions.
func prepareListing(ctx context.Context, r *runner, t *target, skip int) (sampleFunc, func() error, error) {
	fx, err := r.listHome(t)
	if err != nil {
		return nil, nil, err
	}
	lt := *t
	lt.Home = fx.home
	s, err := startServer(ctx, r, &lt)
	if err != nil {
		return nil, nil, err
	}
	pageSize := listPageSize
	params := protocol.ListConversationsParams{PageSize: &pageSize}
	if skip > 0 {
		params.Cursor = &fx.sessions[skip-1].Cursor
	}
	want := fx.sessions[skip : skip+listPageSize]
	sample := func(ctx context.Context) (float64, error) {
		ctx, cancel := context.WithTimeout(ctx, r.timeout)
		defer cancel()
		var page protocol.ListConversationsResponse
		start := time.Now()
		if err := s.client.Call(ctx, protocol.MethodListConversations, params, &page); err != nil {
			return 0, fmt.Errorf("listConversations: %w", err)
		}
		elapsed := millisSince(start)
		if err := checkPage(page, want); err != nil {
			return 0, err
		}
		return elapsed, nil
	}
	return sample, s.close, nil
}

// checkPage reports whether page lists exactly the want sessions, in order,
// and offers a cursor to continue.
func checkPage(page protocol.ListConversationsResponse, want []recordedSession) error {
	if len(page.Items) != len(want) {
		return fmt.Errorf("listConversations returned %d items, want %d", len(page.Items), len(want))
	}
	for i, it := range page.Items {
		if it.ConversationID != want[i].ID {
			return fmt.Errorf("listConversations item %d is %s, want %s", i, it.ConversationID, want[i].ID)
		}
	}
	if page.NextCursor == nil {
		return fmt.Errorf("listConversations returned no nextCursor")
	}
	return nil
}
