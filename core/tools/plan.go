package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/codex-go/codex/protocol"
)

// updatePlanSpec describes the update_plan tool.
const updatePlanSpec = `{"type":"function","name":"update_plan","description":"Replaces the visible task plan. Give every step with its status; keep at most one step in_progress.","strict":false,"parameters":{"type":"object","properties":{"explanation":{"type":"string","description":"Optional note on what changed"},"plan":{"type":"array","items":{"type":"object","properties":{"status":{"type":"string","description":"pending, in_progress or completed"},"step":{"type":"string"}},"required":["step","status"],"additionalProperties":false},"description":"The steps in order"}},"required":["plan"],"additionalProperties":false}}`

// planHandler turns update_plan calls into plan_update events.
type planHandler struct{}

// Handle validates the plan and emits it.
func (planHandler) Handle(_ context.Context, t *Turn, c Call) (string, error) {
	var args protocol.PlanUpdateEvent
	if err := json.Unmarshal([]byte(c.Arguments), &args); err != nil {
		return "", fmt.Errorf("failed to parse function arguments: %w", err)
	}
	inProgress := 0
	for _, item := range args.Plan {
		switch item.Status {
		case "pending", "completed":
		case "in_progress":
			inProgress++
		default:
			return "", fmt.Errorf("invalid plan: step %q has unknown status %q", item.Step, item.Status)
		}
	}
	if inProgress > 1 {
		return "", errors.New("invalid plan: at most one step can be in_progress")
	}
	if args.Plan == nil {
		args.Plan = []protocol.PlanItem{}
	}
	t.Emit(args)
	return "Plan updated", nil
}
