package mcpserver

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/codex-go/codex/protocol"
)

func TestTurnWatch(t *testing.T) {
	last := "Hello from mock"
	ev := func(id string, m protocol.EventMsg) protocol.Event { return protocol.Event{ID: id, Msg: m} }
	tests := []struct {
		name   string
		events []protocol.Event
		want   toolResult
		done   bool
	}{
		{
			name: "complete with a last message",
			events: []protocol.Event{
				ev("4", protocol.TaskStartedEvent{}),
				ev("4", protocol.AgentMessageEvent{Message: last}),
				ev("4", protocol.TaskCompleteEvent{LastAgentMessage: &last}),
			},
			want: textResult(last), done: true,
		},
		{
			name:   "complete without a message",
			events: []protocol.Event{ev("4", protocol.TaskStartedEvent{}), ev("4", protocol.TaskCompleteEvent{})},
			want:   textResult(""), done: true,
		},
		{
			name: "an error during the turn makes the completion an error",
			events: []protocol.Event{
				ev("4", protocol.TaskStartedEvent{}),
				ev("4", protocol.ErrorEvent{Message: "stream disconnected"}),
				ev("4", protocol.TaskCompleteEvent{}),
			},
			want: errorResult("stream disconnected"), done: true,
		},
		{
			name:   "an error before the turn started ends the call",
			events: []protocol.Event{ev("4", protocol.ErrorEvent{Message: "empty user input"})},
			want:   errorResult("empty user input"), done: true,
		},
		{
			name:   "an aborted turn is an error",
			events: []protocol.Event{ev("4", protocol.TaskStartedEvent{}), ev("4", protocol.TurnAbortedEvent{Reason: protocol.AbortInterrupted})},
			want:   errorResult("Turn aborted: interrupted"), done: true,
		},
		{
			name: "events of other submissions are not the end",
			events: []protocol.Event{
				ev("3", protocol.TaskCompleteEvent{LastAgentMessage: &last}),
				ev("", protocol.BackgroundEvent{Message: "note"}),
				ev("3", protocol.TurnAbortedEvent{Reason: protocol.AbortInterrupted}),
				ev("4", protocol.TaskStartedEvent{}),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := turnWatch{subID: "4"}
			var got toolResult
			var done bool
			for i, e := range tt.events {
				got, done = w.observe(e)
				if done {
					assert.Equal(t, len(tt.events)-1, i, "the call ended early")
					break
				}
			}
			assert.Equal(t, tt.done, done)
			assert.Equal(t, tt.want, got)
		})
	}
}
