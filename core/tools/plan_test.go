package tools_test

import (
	"testing"

	"github.com/codex-go/codex/core/tools"
	"github.com/codex-go/codex/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUpdatePlan(t *testing.T) {
	explanation := "starting"
	tests := []struct {
		name string
		args string
		// want is the emitted event, nil when the call is refused.
		want   *protocol.PlanUpdateEvent
		output string
	}{
		{
			name: "valid plan",
			args: `{"explanation":"starting","plan":[{"step":"read","status":"completed"},{"step":"write","status":"in_progress"},{"step":"test","status":"pending"}]}`,
			want: &protocol.PlanUpdateEvent{Explanation: &explanation, Plan: []protocol.PlanItem{
				{Step: "read", Status: "completed"}, {Step: "write", Status: "in_progress"}, {Step: "test", Status: "pending"},
			}},
			output: "Plan updated",
		},
		{
			name:   "empty plan",
			args:   `{"plan":[]}`,
			want:   &protocol.PlanUpdateEvent{Plan: []protocol.PlanItem{}},
			output: "Plan updated",
		},
		{
			name:   "missing plan becomes empty",
			args:   `{}`,
			want:   &protocol.PlanUpdateEvent{Plan: []protocol.PlanItem{}},
			output: "Plan updated",
		},
		{
			name:   "invalid status",
			args:   `{"plan":[{"step":"read","status":"done"}]}`,
			output: `invalid plan: step "read" has unknown status "done"`,
		},
		{
			name:   "two steps in progress",
			args:   `{"plan":[{"step":"a","status":"in_progress"},{"step":"b","status":"in_progress"}]}`,
			output: "invalid plan: at most one step can be in_progress",
		},
		{
			name:   "not JSON",
			args:   `{"plan":`,
			output: "failed to parse function arguments",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, t.TempDir(), protocol.ApprovalNever, workspaceWrite())
			r := newRouter(t, tools.Settings{Model: "gpt-4.1", IncludePlanTool: true})
			out := dispatch(t, r, h, protocol.ResponseItem{Type: protocol.ItemFunctionCall, Name: "update_plan", CallID: "u1", Arguments: tt.args})
			assert.Equal(t, protocol.ItemFunctionCallOutput, out.Type)
			assert.Equal(t, "u1", out.CallID)
			assert.Contains(t, out.Output, tt.output)
			events, _, _ := h.recorded()
			if tt.want == nil {
				assert.Empty(t, events)
				return
			}
			require.Len(t, events, 1)
			assert.Equal(t, *tt.want, events[0])
			assert.Equal(t, "plan_update", events[0].EventType())
		})
	}
}
