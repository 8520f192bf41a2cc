package tests

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/tests/fakemodel"
)

// TestAppServerInterruptDuringCommand pins what codex-cli 0.45.0 sends when
// a running command is interrupted: exec_command_begin, then turn_aborted
// and the interrupt's answer, with no exec_command_end for the killed
// command. The history sent next keeps the call with the output "aborted"
// (0.45.0 drops the call; 0.171.0 keeps it, as we do, so the model knows the
// command did not finish).
func TestAppServerInterruptDuringCommand(t *testing.T) {
	s, model := startWithModel(t, fakemodel.Script(bashCall("call1", "sleep 30"), fakemodel.TextDeltas([]string{"Hello from mock"})), 0, 0)
	conv, _ := s.newConversation(map[string]any{"approvalPolicy": "never", "sandbox": "danger-full-access"})
	s.listen(conv)

	s.sendText(conv, "run it")
	s.eventsUntil(conv, "exec_command_begin")
	id := s.send("interruptConversation", map[string]any{"conversationId": conv})
	aborted := s.next()
	assert.Equal(t, "turn_aborted", aborted.eventType(), aborted.Raw)
	assert.Contains(t, aborted.Raw, `"msg":{"type":"turn_aborted","reason":"interrupted"}`)
	assert.Equal(t, fmt.Sprintf(`{"id":%d,"result":{"abortReason":"interrupted"}}`, id), s.next().Raw)

	s.sendText(conv, "again")
	events := s.eventsUntil(conv, "task_complete")
	assert.NotContains(t, eventTypes(events), "exec_command_end")
	for _, raw := range s.backlogRaw() {
		assert.NotContains(t, raw, "exec_command_end")
	}

	requests := model.Requests()
	require.Len(t, requests, 2)
	var next struct {
		Input []struct {
			Type   string `json:"type"`
			CallID string `json:"call_id"`
			Output string `json:"output"`
		} `json:"input"`
	}
	require.NoError(t, json.Unmarshal(requests[1].Body, &next))
	var calls []string
	for _, it := range next.Input {
		switch it.Type {
		case "function_call":
			calls = append(calls, "call "+it.CallID)
		case "function_call_output":
			calls = append(calls, "output "+it.CallID+": "+it.Output)
		}
	}
	assert.Equal(t, []string{"call call1", "output call1: aborted"}, calls)
}
