package mcpserver

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

func TestProgressToken(t *testing.T) {
	tests := []struct {
		meta string
		want string
	}{
		{meta: `{"progressToken":"tok-1"}`, want: `"tok-1"`},
		{meta: `{"progressToken":7}`, want: `7`},
		{meta: `{"progressToken":-2.5}`, want: `-2.5`},
		{meta: `{"progressToken":null}`},
		{meta: `{"progressToken":{"a":1}}`},
		{meta: `{"progressToken":[1]}`},
		{meta: `{"progressToken":true}`},
		{meta: `{"other":1}`},
		{meta: `"not an object"`},
		{meta: ``},
	}
	for _, tt := range tests {
		t.Run(tt.meta, func(t *testing.T) {
			assert.Equal(t, tt.want, string(progressToken(json.RawMessage(tt.meta))))
		})
	}
}

func TestProgressMessage(t *testing.T) {
	long := strings.Repeat("é", 200)
	tests := []struct {
		msg  protocol.EventMsg
		want string
	}{
		{protocol.TaskStartedEvent{}, "Turn started"},
		{protocol.TokenCountEvent{}, "Token usage updated"},
		{protocol.ExecCommandBeginEvent{Command: []string{"bash", "-lc", "go test ./..."}}, "Running bash -lc 'go test ./...'"},
		{protocol.ExecApprovalRequestEvent{Command: []string{"rm", "-rf", "build"}}, "Waiting for approval to run rm -rf build"},
		{protocol.TurnAbortedEvent{Reason: "interrupted"}, "Turn aborted: interrupted"},
		{protocol.ErrorEvent{Message: "line one\nline two"}, "Error: line one line two"},
		{protocol.BackgroundEvent{Message: "x"}, "background event"},
		{protocol.ErrorEvent{Message: long}, "Error: " + strings.Repeat("é", progressMessageLimit-8) + "…"},
	}
	for _, tt := range tests {
		got := progressMessage(tt.msg)
		assert.Equal(t, tt.want, got)
		assert.LessOrEqual(t, utf8.RuneCountInString(got), progressMessageLimit)
	}
}

// progressNote is the decoded params of a notifications/progress.
type progressNote struct {
	Token    json.RawMessage `json:"progressToken"`
	Progress int64           `json:"progress"`
	Total    *int64          `json:"total"`
	Message  string          `json:"message"`
}

// callWithProgress sends a tools/call of codex with a progressToken.
func (s *session) callWithProgress(id int, token string, args map[string]any) {
	s.t.Helper()
	b, err := json.Marshal(args)
	require.NoError(s.t, err)
	s.send(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"codex","arguments":%s,"_meta":{"progressToken":%s}}}`, id, b, token)
}

func TestProgressNotificationForEveryEvent(t *testing.T) {
	s := startSession(t, fakemodel.Script(hello()))
	s.initialize(true)
	s.callWithProgress(3, `"p-3"`, map[string]any{"prompt": "hi", "cwd": s.work})
	s.response(3)
	rest := s.close()

	// Every codex/event of the call is followed by one progress
	// notification, whose counter goes up by one each time.
	var events, notes int
	var last int64
	var expectNote bool
	for _, m := range rest {
		switch m.Method {
		case MethodCodexEvent:
			require.False(t, expectNote, "two events without a progress notification between them")
			events++
			expectNote = true
		case "notifications/progress":
			require.True(t, expectNote, "a progress notification that follows no event: %s", m.Raw)
			expectNote = false
			var n progressNote
			require.NoError(t, json.Unmarshal(m.Params, &n), m.Raw)
			assert.Equal(t, `"p-3"`, string(n.Token))
			assert.Equal(t, last+1, n.Progress)
			last = n.Progress
			assert.Nil(t, n.Total)
			assert.NotEmpty(t, n.Message)
			notes++
		}
	}
	assert.Positive(t, events)
	assert.Equal(t, events, notes)
}

func TestProgressWithoutTokenSendsNone(t *testing.T) {
	s := startSession(t, fakemodel.Script(hello()))
	s.initialize(true)
	s.callTool(3, ToolCodex, map[string]any{"prompt": "hi", "cwd": s.work})
	s.response(3)
	for _, m := range s.close() {
		assert.NotEqual(t, "notifications/progress", m.Method)
	}
}

func TestProgressHeartbeatWhileNothingHappens(t *testing.T) {
	// The model streams one delta and then nothing: without the heartbeat
	// the host would hear nothing until the turn ends.
	s := startSessionServer(t, fakemodel.Script(stall()), func(srv *Server) { srv.heartbeat = 20 * time.Millisecond })
	s.initialize(true)
	s.callWithProgress(3, `42`, map[string]any{"prompt": "think hard", "cwd": s.work})
	s.events(3, "agent_message_delta")
	var counts []int64
	for range 3 {
		m := s.take(func(m wireMsg) bool {
			if m.Method != "notifications/progress" {
				return false
			}
			var n progressNote
			return json.Unmarshal(m.Params, &n) == nil && n.Message == "Still working"
		}, "a heartbeat progress notification")
		var n progressNote
		require.NoError(t, json.Unmarshal(m.Params, &n))
		assert.Equal(t, `42`, string(n.Token))
		counts = append(counts, n.Progress)
	}
	assert.Less(t, counts[0], counts[1])
	assert.Less(t, counts[1], counts[2])

	// Once the call is over, the heartbeat stops.
	s.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}}`)
	s.events(3, "turn_aborted")
	s.close()
}
