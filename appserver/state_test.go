package appserver

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

func TestNoteForwardedFollowsTurnBySubmissionID(t *testing.T) {
	type ev struct{ id, typ string }
	msg := func(typ string) protocol.EventMsg {
		switch typ {
		case "task_started":
			return protocol.TaskStartedEvent{}
		case "task_complete":
			return protocol.TaskCompleteEvent{}
		case "turn_aborted":
			return protocol.TurnAbortedEvent{Reason: protocol.AbortInterrupted}
		case "error":
			return protocol.ErrorEvent{Message: "bad input"}
		}
		return protocol.AgentMessageDeltaEvent{Delta: "x"}
	}
	tests := []struct {
		name     string
		events   []ev
		wantOpen bool
	}{
		{name: "turn started", events: []ev{{"0", "task_started"}}, wantOpen: true},
		{name: "error of another submission", events: []ev{{"0", "task_started"}, {"1", "error"}}, wantOpen: true},
		{name: "task_complete of another submission", events: []ev{{"0", "task_started"}, {"1", "task_complete"}}, wantOpen: true},
		{name: "turn_aborted of another submission", events: []ev{{"0", "task_started"}, {"1", "turn_aborted"}}, wantOpen: true},
		{name: "other events", events: []ev{{"0", "task_started"}, {"0", "agent_message_delta"}}, wantOpen: true},
		{name: "error of the turn", events: []ev{{"0", "task_started"}, {"1", "error"}, {"0", "error"}}, wantOpen: false},
		{name: "task_complete of the turn", events: []ev{{"0", "task_started"}, {"0", "task_complete"}}, wantOpen: false},
		{name: "turn_aborted of the turn", events: []ev{{"0", "task_started"}, {"0", "turn_aborted"}}, wantOpen: false},
		{name: "no turn", events: []ev{{"1", "error"}, {"1", "task_complete"}}, wantOpen: false},
		{name: "next turn", events: []ev{{"0", "task_started"}, {"0", "turn_aborted"}, {"2", "task_started"}, {"0", "task_complete"}}, wantOpen: true},
		{name: "next turn ended", events: []ev{{"0", "task_started"}, {"0", "turn_aborted"}, {"2", "task_started"}, {"2", "task_complete"}}, wantOpen: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &conversationState{listeners: map[string]*Server{}, wake: make(chan struct{}), pumpDone: make(chan struct{})}
			var turnEnded []chan struct{}
			for _, e := range tt.events {
				st.noteForwarded(protocol.Event{ID: e.id, Msg: msg(e.typ)})
				if e.typ == "task_started" {
					turnEnded = append(turnEnded, st.turnEnded)
				}
			}
			assert.Equal(t, tt.wantOpen, st.turnOpen)
			// Every turn but an open last one was signalled as ended.
			for i, ch := range turnEnded {
				closed := false
				select {
				case <-ch:
					closed = true
				default:
				}
				last := i == len(turnEnded)-1
				assert.Equal(t, !(last && tt.wantOpen), closed, "turn %d", i)
			}
		})
	}
}

// initConversation initializes c's server, starts a conversation with a
// listener and returns the conversation's id and rollout path.
func initConversation(t *testing.T, c *pipeClient) (string, string) {
	t.Helper()
	c.send(`{"id":1,"method":"initialize","params":{"clientInfo":{"name":"t","version":"1"}}}`)
	c.nextMatching("")
	c.send(`{"id":2,"method":"newConversation","params":{}}`)
	resp, raw := c.nextMatching("")
	var created protocol.NewConversationResponse
	require.NoError(t, json.Unmarshal(resp["result"], &created), raw)
	c.send(`{"id":3,"method":"addConversationListener","params":{"conversationId":%q}}`, created.ConversationID)
	c.nextMatching("")
	return created.ConversationID, created.RolloutPath
}

// startWithModel runs a server whose model provider answers with replies.
func startWithModel(t *testing.T, replies ...fakemodel.Reply) *pipeClient {
	t.Helper()
	model := fakemodel.Start(fakemodel.Script(replies...))
	t.Cleanup(model.Close)
	home := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(`model = "gpt-5"
`+model.ConfigTOML()), 0o600))
	return startServer(t, Options{Version: "0.0.0", CodexHome: home, Typed: config.Typed{Cwd: t.TempDir()}})
}

func TestEventPumpEndsWithTheConversation(t *testing.T) {
	tests := []struct {
		name string
		// end makes the server let go of the conversation; id 10 onwards
		// are free request ids.
		end func(t *testing.T, c *pipeClient, conv, path string, st *conversationState)
	}{
		{
			name: "archived while listening",
			end: func(t *testing.T, c *pipeClient, conv, path string, _ *conversationState) {
				c.send(`{"id":10,"method":"archiveConversation","params":{"conversationId":%q,"rolloutPath":%q}}`, conv, path)
				assert.Equal(t, `{"id":10,"result":{}}`, c.next())
			},
		},
		{
			name: "archived after the listener left",
			end: func(t *testing.T, c *pipeClient, conv, path string, st *conversationState) {
				st.mu.Lock()
				var sub string
				for id := range st.listeners {
					sub = id
				}
				st.mu.Unlock()
				c.send(`{"id":10,"method":"removeConversationListener","params":{"subscriptionId":%q}}`, sub)
				assert.Equal(t, `{"id":10,"result":{}}`, c.next())
				c.send(`{"id":11,"method":"archiveConversation","params":{"conversationId":%q,"rolloutPath":%q}}`, conv, path)
				assert.Equal(t, `{"id":11,"result":{}}`, c.next())
			},
		},
		{
			name: "events ended",
			end: func(t *testing.T, c *pipeClient, conv, _ string, _ *conversationState) {
				require.NoError(t, c.srv.eng.Manager.Remove(t.Context(), conv))
				_, line := c.nextMatching("codex/event/shutdown_complete")
				assert.Contains(t, line, conv)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := startWithModel(t, fakemodel.TextDeltas([]string{"done"}))
			conv, path := initConversation(t, c)
			c.send(`{"id":4,"method":"sendUserMessage","params":{"conversationId":%q,"items":[{"type":"text","data":{"text":"go"}}]}}`, conv)
			assert.Equal(t, `{"id":4,"result":{}}`, c.next())
			c.nextMatching("codex/event/task_complete")

			c.srv.mu.Lock()
			st := c.srv.convs[conv]
			c.srv.mu.Unlock()
			require.NotNil(t, st)

			tt.end(t, c, conv, path, st)
			select {
			case <-st.pumpDone:
			case <-time.After(waitLimit):
				t.Fatal("the event pump is still running")
			}
			st.mu.Lock()
			assert.True(t, st.closed)
			assert.Equal(t, pumpStopped, st.pump)
			st.mu.Unlock()
		})
	}
}

func TestInterruptAfterBadInputDuringTurn(t *testing.T) {
	stalled := fakemodel.Reply{Events: []fakemodel.SSE{fakemodel.Created(), fakemodel.OutputTextDelta("partial")}, Stall: true}
	c := startWithModel(t, stalled)
	conv, _ := initConversation(t, c)
	c.send(`{"id":4,"method":"sendUserMessage","params":{"conversationId":%q,"items":[{"type":"text","data":{"text":"go"}}]}}`, conv)
	assert.Equal(t, `{"id":4,"result":{}}`, c.next())
	c.nextMatching("codex/event/agent_message_delta")

	// Input the engine refuses while the turn streams: its error event
	// carries the id of its own submission and leaves the turn running.
	c.send(`{"id":5,"method":"sendUserMessage","params":{"conversationId":%q,"items":[]}}`, conv)
	assert.Equal(t, `{"id":5,"result":{}}`, c.next())
	errNote, line := c.nextMatching("codex/event/error")
	var params protocol.ConversationEventParams
	require.NoError(t, json.Unmarshal(errNote["params"], &params), line)
	assert.Equal(t, "1", params.ID, line)

	// The interrupt's reply follows the turn's turn_aborted notification.
	c.send(`{"id":6,"method":"interruptConversation","params":{"conversationId":%q}}`, conv)
	assert.Equal(t, fmt.Sprintf(`{"method":"codex/event/turn_aborted","params":{"id":"0","msg":{"type":"turn_aborted","reason":"interrupted"},"conversationId":%q}}`, conv), c.next())
	assert.Equal(t, `{"id":6,"result":{"abortReason":"interrupted"}}`, c.next())
}
