//go:build unix

package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Observed on 0.45.0: a text file and /etc/shadow were answered
//
//	{"error":{"code":-32603,"message":"error resuming conversation: failed to parse conversation ID from rollout file"}}
//
// a directory with "Is a directory (os error 21)"; a FIFO was opened and
// read until a writer came: listConversations sent after it got no answer
// for 30 s. /dev/zero was read until the server ran out of memory. Here
// each is refused without being read, with an invalid-params error that
// names the path and never the file's bytes, and the server goes on.
func TestV045ResumeFromWhatIsNotARollout(t *testing.T) {
	s, _ := startModel(t, nil)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	const secret = "root:$6$SECRETSALT$hash"
	shadow := filepath.Join(dir, "shadow")
	require.NoError(t, os.WriteFile(shadow, []byte(secret+":19000:0:99999:7:::\n"), 0o600))
	jsonish := filepath.Join(dir, "secret.jsonl")
	require.NoError(t, os.WriteFile(jsonish, []byte(`{"type":"`+secret+`","payload":{}}`+"\n"), 0o600))

	// The FIFO first: it must not hold up the requests behind it.
	fifoID := s.send("resumeConversation", map[string]any{"path": fifo})
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	s.callResult("listConversations", map[string]any{}, &list)
	tests := []struct {
		path, want string
		id         int
	}{
		{fifo, "not a regular file", fifoID},
		{"/dev/zero", "not a regular file", 0},
		{dir, "not a regular file", 0},
		{shadow, "line 1", 0},
		{jsonish, "not a session_meta line", 0},
		{filepath.Join(dir, "missing.jsonl"), "no such file", 0},
	}
	for _, tt := range tests {
		id := tt.id
		if id == 0 {
			id = s.send("resumeConversation", map[string]any{"path": tt.path})
		}
		m := s.response(id)
		require.NotNil(t, m.Error, m.Raw)
		assert.EqualValues(t, -32602, m.Error.Code, m.Raw)
		assert.Contains(t, m.Error.Message, tt.want, m.Raw)
		assert.Contains(t, m.Error.Message, tt.path, m.Raw)
		assert.NotContains(t, m.Raw, "SECRETSALT")
	}
	s.callResult("listConversations", map[string]any{}, &list)
}
