package rollout_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/rollout"
	"github.com/codex-go/codex/protocol"
)

const envContext = "<environment_context>\n  <cwd>/w</cwd>\n  <shell>bash</shell>\n</environment_context>"

const agentsMD = "<user_instructions>\n\nAlways run the tests.\n\n</user_instructions>"

// testID returns a fixed, valid conversation id; ids grow with n.
func testID(n int) string {
	return fmt.Sprintf("0190%04x-0000-7000-8000-000000000000", n)
}

// at returns a local time, so the date directories are predictable.
func at(year int, month time.Month, day, hour, minute, sec int) time.Time {
	return time.Date(year, month, day, hour, minute, sec, 0, time.Local)
}

// record writes a rollout with rollout.Create. Each record is a
// protocol.ResponseItem, a protocol.EventMsg or a protocol.TurnContext.
func record(t testing.TB, home string, start time.Time, id string, records ...any) string {
	t.Helper()
	meta := rollout.SessionMeta{ID: id, Cwd: "/w", Originator: "codex_cli_rs", CLIVersion: "0.45.0", Source: "vscode"}
	w, err := rollout.Create(home, meta, start, func() time.Time { return start })
	require.NoError(t, err)
	for _, r := range records {
		switch r := r.(type) {
		case protocol.ResponseItem:
			require.NoError(t, w.ResponseItems(r))
		case protocol.TurnContext:
			require.NoError(t, w.TurnContext(r))
		case protocol.EventMsg:
			require.NoError(t, w.EventMsg(r))
		default:
			t.Fatalf("cannot record %T", r)
		}
	}
	require.NoError(t, w.Close())
	return w.Path()
}

// conversation records a typical start: environment context, then the
// user's text as an item and as a user_message event.
func conversation(t testing.TB, home string, start time.Time, id, text string) string {
	t.Helper()
	return record(t, home, start, id,
		protocol.UserText(envContext),
		protocol.UserText(text),
		protocol.UserMessageEvent{Message: text, Kind: protocol.KindPlain},
		protocol.AssistantText("ok"))
}

// sessionPath returns where a rollout started at start is stored.
func sessionPath(home string, start time.Time, id string) string {
	l := start.Local()
	return filepath.Join(home, "sessions", l.Format("2006"), l.Format("01"), l.Format("02"), rollout.FileName(start, id))
}

// writeFile writes raw content at path, creating its directory.
func writeFile(t testing.TB, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

// line encodes one rollout line.
func line(t testing.TB, typ string, payload any) string {
	t.Helper()
	body, err := protocol.Marshal(payload)
	require.NoError(t, err)
	out, err := protocol.Marshal(rollout.Line{Timestamp: "2025-01-01T00:00:00.000Z", Type: typ, Payload: body})
	require.NoError(t, err)
	return string(out) + "\n"
}

// metaLine is a session_meta line for id.
func metaLine(t testing.TB, id string) string {
	return line(t, rollout.LineSessionMeta, rollout.SessionMeta{ID: id, Timestamp: "2025-01-01T00:00:00.000Z", Cwd: "/w", Source: "exec"})
}

// itemLine is a response_item line.
func itemLine(t testing.TB, it protocol.ResponseItem) string {
	return line(t, rollout.LineResponseItem, it)
}

// eventLine is an event_msg line.
func eventLine(t testing.TB, m protocol.EventMsg) string {
	return line(t, rollout.LineEventMsg, protocol.MarshalEventMsg{EventMsg: m})
}
