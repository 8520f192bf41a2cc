package rollout_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/codex-go/codex/core/rollout"
	"github.com/codex-go/codex/protocol"
)

func TestCompactedHistory(t *testing.T) {
	env := protocol.UserText(rollout.EnvironmentContextTag + "</environment_context>")
	big := strings.Repeat("x", 50_000)
	tests := []struct {
		name    string
		history []protocol.ResponseItem
		want    []string
	}{
		{
			name: "context and typed messages stay, the rest goes",
			history: []protocol.ResponseItem{env, protocol.UserText("fix it"), protocol.AssistantText("done"),
				{Type: protocol.ItemFunctionCall, CallID: "c", Name: "shell"}, protocol.FunctionOutput("c", "ok"), protocol.UserText("thanks")},
			want: []string{env.MessageText(), "fix it", "thanks", rollout.SummaryMessage("S")},
		},
		{
			name:    "an earlier summary is replaced",
			history: []protocol.ResponseItem{protocol.UserText("a"), protocol.UserText(rollout.SummaryMessage("old")), protocol.UserText("b")},
			want:    []string{"a", "b", rollout.SummaryMessage("S")},
		},
		{
			name:    "the oldest typed messages go when they are too long",
			history: []protocol.ResponseItem{protocol.UserText("first " + big), protocol.UserText("second " + big), protocol.UserText("third")},
			want:    []string{"second " + big, "third", rollout.SummaryMessage("S")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, it := range rollout.CompactedHistory(tt.history, "S") {
				got = append(got, it.MessageText())
			}
			assert.Equal(t, tt.want, got)
		})
	}
	assert.True(t, rollout.IsContextMessage(rollout.SummaryMessage("S")), "the summary is not typed by the user")
}
