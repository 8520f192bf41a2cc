package appserver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
	v2 "github.com/codex-go/codex/protocol/v2"
)

// translate runs events of submission subID through a translator that
// expects a turn for it, and returns every message it asked to send.
func translate(t *testing.T, subID string, events ...protocol.EventMsg) ([]v2Message, *v2Translator) {
	t.Helper()
	clock := time.Unix(1_700_000_000, 0)
	tr := newV2Translator("thread-1", func() time.Time { clock = clock.Add(time.Millisecond); return clock })
	turn := newV2Turn(subID, []v2.UserInput{{Type: v2.InputText, Text: "hi"}})
	tr.expect(turn)
	var out []v2Message
	for _, ev := range events {
		out = append(out, tr.handle(protocol.Event{ID: subID, Msg: ev})...)
	}
	return out, tr
}

func methodsOf(ms []v2Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.method)
	}
	return out
}

func TestTranslatorTurns(t *testing.T) {
	exit := 1
	tests := []struct {
		name     string
		events   []protocol.EventMsg
		declined bool
		want     []string
		status   string
	}{
		{
			name:   "text",
			events: []protocol.EventMsg{protocol.TaskStartedEvent{}, protocol.AgentMessageDeltaEvent{Delta: "a"}, protocol.AgentMessageEvent{Message: "a"}, protocol.TaskCompleteEvent{}},
			want: []string{"thread/status/changed", "turn/started", "item/started", "item/completed",
				"item/started", "item/agentMessage/delta", "item/completed", "thread/status/changed", "turn/completed"},
			status: v2.TurnCompleted,
		},
		{
			name: "failed command, then an error",
			events: []protocol.EventMsg{protocol.TaskStartedEvent{},
				protocol.ExecCommandBeginEvent{CallID: "c1", Command: []string{"false"}},
				protocol.ExecCommandEndEvent{CallID: "c1", ExitCode: exit},
				protocol.ErrorEvent{Message: "boom"}, protocol.TaskCompleteEvent{}},
			want: []string{"thread/status/changed", "turn/started", "item/started", "item/completed",
				"item/started", "item/completed", "thread/status/changed", "error", "turn/completed"},
			status: v2.TurnFailed,
		},
		{
			name: "aborted with an open command",
			events: []protocol.EventMsg{protocol.TaskStartedEvent{},
				protocol.ExecCommandBeginEvent{CallID: "c1", Command: []string{"sleep", "9"}},
				protocol.TurnAbortedEvent{Reason: protocol.AbortInterrupted}},
			want: []string{"thread/status/changed", "turn/started", "item/started", "item/completed",
				"item/started", "item/completed", "thread/status/changed", "turn/completed"},
			status: v2.TurnInterrupted,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, tr := translate(t, "sub", tt.events...)
			assert.Equal(t, tt.want, methodsOf(out))
			done := out[len(out)-1].params.(v2.TurnNotification)
			assert.Equal(t, tt.status, done.Turn.Status)
			assert.Nil(t, tr.turn, "the turn is over")
			// Every item started is completed with the same id.
			open := map[string]bool{}
			for _, m := range out {
				switch p := m.params.(type) {
				case v2.ItemStartedNotification:
					open[p.Item.ItemID()] = true
				case v2.ItemCompletedNotification:
					require.True(t, open[p.Item.ItemID()], "completed before started: %s", p.Item.ItemID())
					delete(open, p.Item.ItemID())
				}
			}
			assert.Empty(t, open)
		})
	}
}

func TestTranslatorDeclinedCommand(t *testing.T) {
	tr := newV2Translator("thread-1", time.Now)
	tr.expect(newV2Turn("s", nil))
	tr.handle(protocol.Event{ID: "s", Msg: protocol.TaskStartedEvent{}})
	held := tr.handle(protocol.Event{ID: "s", Msg: protocol.ExecCommandBeginEvent{CallID: "c1", Command: []string{"rm", "-rf", "x y"}, AwaitsApproval: true}})
	assert.Empty(t, held, "the item waits for its approval request")
	ask := tr.handle(protocol.Event{ID: "s", Msg: protocol.ExecApprovalRequestEvent{CallID: "c1", Command: []string{"rm", "-rf", "x y"}}})
	// The waiting status comes before the command's item/started, which
	// waited for this event.
	require.Equal(t, []string{"thread/status/changed", "item/started", v2.MethodCommandExecutionRequestApproval}, methodsOf(ask))
	params := ask[2].params.(v2.CommandExecutionRequestApprovalParams)
	assert.Equal(t, "rm -rf 'x y'", params.Command)
	assert.Equal(t, "c1", ask[2].approval.callID)
	tr.declined("c1")
	end := tr.handle(protocol.Event{ID: "s", Msg: protocol.ExecCommandEndEvent{CallID: "c1", ExitCode: -1}})
	item := end[0].params.(v2.ItemCompletedNotification).Item.(v2.CommandExecutionItem)
	assert.Equal(t, v2.CommandDeclined, item.Status)
	assert.Nil(t, item.ExitCode)
}

func TestTranslatorErrorBeforeTheTurnStarts(t *testing.T) {
	tr := newV2Translator("thread-1", time.Now)
	turn := newV2Turn("s", nil)
	tr.expect(turn)
	out := tr.handle(protocol.Event{ID: "s", Msg: protocol.ErrorEvent{Message: "bad image"}})
	require.Equal(t, []string{"error", "turn/completed"}, methodsOf(out))
	done := out[1].params.(v2.TurnNotification)
	assert.Equal(t, turn.id, done.Turn.ID)
	assert.Equal(t, v2.TurnFailed, done.Turn.Status)
}

func TestShellJoin(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"ls", "-la"}, "ls -la"},
		{[]string{"bash", "-lc", "echo hi > out.txt"}, "bash -lc 'echo hi > out.txt'"},
		{[]string{"echo", "it's"}, `echo 'it'\''s'`},
		{[]string{"echo", ""}, "echo ''"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, shellJoin(tt.argv))
	}
}

func TestTranslatorKeepsTheProvidersItemIDs(t *testing.T) {
	out, _ := translate(t, "sub", protocol.TaskStartedEvent{},
		protocol.AgentReasoningDeltaEvent{Delta: "hmm", ItemID: "rs_1"},
		protocol.AgentMessageDeltaEvent{Delta: "hi", ItemID: "msg_1"},
		protocol.AgentMessageEvent{Message: "hi", ItemID: "msg_1"},
		protocol.TaskCompleteEvent{})
	ids := map[string]string{}
	for _, m := range out {
		switch p := m.params.(type) {
		case v2.ItemCompletedNotification:
			switch item := p.Item.(type) {
			case v2.AgentMessageItem:
				ids["agent"] = item.ID
			case v2.ReasoningItem:
				ids["reasoning"] = item.ID
			}
		case v2.DeltaNotification:
			ids["delta"] = p.ItemID
		}
	}
	assert.Equal(t, map[string]string{"agent": "msg_1", "reasoning": "rs_1", "delta": "msg_1"}, ids)
}

func TestTokenUsageReportsTheEffectiveWindow(t *testing.T) {
	window := int64(272000)
	usage := tokenUsage(protocol.TokenUsageInfo{ModelContextWindow: &window,
		TotalTokenUsage: protocol.TokenUsage{InputTokens: 10, OutputTokens: 5, TotalTokens: 15}})
	require.NotNil(t, usage.ModelContextWindow)
	assert.Equal(t, int64(258400), *usage.ModelContextWindow)
	assert.Equal(t, int64(15), usage.Total.TotalTokens)
	assert.Nil(t, tokenUsage(protocol.TokenUsageInfo{}).ModelContextWindow)
}

func TestTranslatorSteeringKeepsTheStreamOpen(t *testing.T) {
	tr := newV2Translator("thread-1", time.Now)
	tr.expect(newV2Turn("s", nil))
	var out []v2Message
	for _, ev := range []protocol.EventMsg{protocol.TaskStartedEvent{}, protocol.AgentMessageDeltaEvent{Delta: "Hel", ItemID: "msg_1"}} {
		out = append(out, tr.handle(protocol.Event{ID: "s", Msg: ev})...)
	}
	out = append(out, tr.steered([]v2.UserInput{{Type: v2.InputText, Text: "also"}})...)
	for _, ev := range []protocol.EventMsg{protocol.AgentMessageDeltaEvent{Delta: "lo", ItemID: "msg_1"}, protocol.AgentMessageEvent{Message: "Hello", ItemID: "msg_1"}, protocol.TaskCompleteEvent{}} {
		out = append(out, tr.handle(protocol.Event{ID: "s", Msg: ev})...)
	}
	started, completed := 0, 0
	for _, m := range out {
		switch p := m.params.(type) {
		case v2.ItemStartedNotification:
			if p.Item.ItemID() == "msg_1" {
				started++
			}
		case v2.ItemCompletedNotification:
			if p.Item.ItemID() == "msg_1" {
				completed++
				assert.Equal(t, "Hello", p.Item.(v2.AgentMessageItem).Text)
			}
		}
	}
	assert.Equal(t, 1, started)
	assert.Equal(t, 1, completed)
}
