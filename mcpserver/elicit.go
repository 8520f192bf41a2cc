package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-go/codex/core/shellparse"
	"github.com/codex-go/codex/protocol"
)

// The kinds of approval, in the codex_elicitation member of an elicitation.
const (
	// ElicitExecApproval asks whether a command may run.
	ElicitExecApproval = "exec-approval"
	// ElicitPatchApproval asks whether a patch may be applied.
	ElicitPatchApproval = "patch-approval"
)

// ObjectSchema is the requestedSchema of approval elicitations: an object
// without properties, since the user answers by accepting or declining and
// has no fields to fill in.
type ObjectSchema struct {
	// Type is "object".
	Type string `json:"type"`
	// Properties is always empty.
	Properties struct{} `json:"properties"`
}

// ExecApprovalParams are the params of an exec-approval elicitation: the
// standard message and requestedSchema, and codex_* members describing the
// command for hosts that show approvals their own way.
type ExecApprovalParams struct {
	// Message is the question shown to the user.
	Message string `json:"message"`
	// RequestedSchema is an empty object schema.
	RequestedSchema ObjectSchema `json:"requestedSchema"`
	// ThreadID is the conversation asking.
	ThreadID string `json:"threadId"`
	// Elicitation is ElicitExecApproval.
	Elicitation string `json:"codex_elicitation"`
	// ToolCallID is the id of the tools/call request, as a string.
	ToolCallID string `json:"codex_mcp_tool_call_id"`
	// EventID is the id of the exec_approval_request event.
	EventID string `json:"codex_event_id"`
	// CallID is the model's call id.
	CallID string `json:"codex_call_id"`
	// Command is the argv.
	Command []string `json:"codex_command"`
	// Cwd is the command's working directory.
	Cwd string `json:"codex_cwd"`
	// ParsedCmd is a reading of what the command does, as in the
	// exec_command_begin event.
	ParsedCmd []protocol.ParsedCommand `json:"codex_parsed_cmd"`
	// Reason says why approval is needed, when the engine says so.
	Reason *string `json:"codex_reason,omitempty"`
}

// PatchApprovalParams are the params of a patch-approval elicitation.
type PatchApprovalParams struct {
	// Message is the question shown to the user.
	Message string `json:"message"`
	// RequestedSchema is an empty object schema.
	RequestedSchema ObjectSchema `json:"requestedSchema"`
	// ThreadID is the conversation asking.
	ThreadID string `json:"threadId"`
	// Elicitation is ElicitPatchApproval.
	Elicitation string `json:"codex_elicitation"`
	// ToolCallID is the id of the tools/call request, as a string.
	ToolCallID string `json:"codex_mcp_tool_call_id"`
	// EventID is the id of the apply_patch_approval_request event.
	EventID string `json:"codex_event_id"`
	// CallID is the model's call id.
	CallID string `json:"codex_call_id"`
	// Reason says why approval is needed, when the engine says so.
	Reason *string `json:"codex_reason,omitempty"`
	// GrantRoot is a directory the patch asks to keep writable for the rest
	// of the conversation.
	GrantRoot *string `json:"codex_grant_root,omitempty"`
	// Changes maps absolute paths to their changes.
	Changes map[string]protocol.FileChange `json:"codex_changes"`
}

// execApproval builds the elicitation for an exec_approval_request.
func execApproval(threadID, toolCallID, eventID string, ev protocol.ExecApprovalRequestEvent) ExecApprovalParams {
	return ExecApprovalParams{
		Message:         fmt.Sprintf("Allow Codex to run `%s` in `%s`?", shellparse.Join(ev.Command), ev.Cwd),
		RequestedSchema: ObjectSchema{Type: "object"},
		ThreadID:        threadID,
		ParsedCmd:       shellparse.Parse(ev.Command),
		Elicitation:     ElicitExecApproval,
		ToolCallID:      toolCallID,
		EventID:         eventID,
		CallID:          ev.CallID,
		Command:         ev.Command,
		Cwd:             ev.Cwd,
		Reason:          ev.Reason,
	}
}

// patchApproval builds the elicitation for an apply_patch_approval_request.
func patchApproval(threadID, toolCallID, eventID string, ev protocol.ApplyPatchApprovalRequestEvent) PatchApprovalParams {
	return PatchApprovalParams{
		Message:         patchMessage(ev),
		RequestedSchema: ObjectSchema{Type: "object"},
		ThreadID:        threadID,
		Elicitation:     ElicitPatchApproval,
		ToolCallID:      toolCallID,
		EventID:         eventID,
		CallID:          ev.CallID,
		Reason:          ev.Reason,
		GrantRoot:       ev.GrantRoot,
		Changes:         ev.Changes,
	}
}

// patchMessage asks about a patch: the engine's reason when it gave one,
// the question, one line per file in path order, and the directory the
// patch wants to keep writable, if any.
func patchMessage(ev protocol.ApplyPatchApprovalRequestEvent) string {
	var b strings.Builder
	if ev.Reason != nil && *ev.Reason != "" {
		b.WriteString(*ev.Reason)
		b.WriteByte('\n')
	}
	if len(ev.Changes) == 1 {
		b.WriteString("Allow Codex to change this file?")
	} else {
		fmt.Fprintf(&b, "Allow Codex to change these %d files?", len(ev.Changes))
	}
	paths := make([]string, 0, len(ev.Changes))
	for p := range ev.Changes {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		c := ev.Changes[p]
		switch {
		case c.Add != nil:
			fmt.Fprintf(&b, "\nadd %s", p)
		case c.Delete != nil:
			fmt.Fprintf(&b, "\ndelete %s", p)
		case c.Update != nil && c.Update.MovePath != nil:
			fmt.Fprintf(&b, "\nupdate %s and move it to %s", p, *c.Update.MovePath)
		default:
			fmt.Fprintf(&b, "\nupdate %s", p)
		}
	}
	if ev.GrantRoot != nil && *ev.GrantRoot != "" {
		fmt.Fprintf(&b, "\nThis also lets Codex write below %s for the rest of the conversation.", *ev.GrantRoot)
	}
	return b.String()
}

// elicitationAnswer is the result of an approval elicitation. Hosts written
// for the reference answer {"decision": ...}; MCP hosts answer {"action":
// ..., "content": {...}}.
type elicitationAnswer struct {
	Decision *protocol.ReviewDecision      `json:"decision"`
	Action   mcp.ElicitationResponseAction `json:"action"`
	Content  json.RawMessage               `json:"content"`
}

// decisionFromAnswer maps an elicitation result to a review decision:
//   - a "decision" member is used as it is (an unknown one makes the
//     answer unreadable, which denies);
//   - "action":"accept" approves, or applies content.decision when the
//     host put a valid decision there;
//   - "decline", "cancel" and anything unreadable deny.
func decisionFromAnswer(raw json.RawMessage) protocol.ReviewDecision {
	var a elicitationAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return protocol.DecisionDenied
	}
	if a.Decision != nil {
		return *a.Decision
	}
	if a.Action != mcp.ElicitationResponseActionAccept {
		return protocol.DecisionDenied
	}
	var content struct {
		Decision protocol.ReviewDecision `json:"decision"`
	}
	if json.Unmarshal(a.Content, &content) == nil && content.Decision.Valid() {
		return content.Decision
	}
	return protocol.DecisionApproved
}

// askApproval asks the client for an approval with an elicitation request
// and submits the op built from its answer. The request is written before
// askApproval returns; the answer is awaited in a goroutine added to
// pending, which ends when ctx does. A client without the elicitation
// capability is not asked: the action is denied at once and an event says
// why. A failed request or an error answer denies too.
func (s *Server) askApproval(ctx context.Context, pending *sync.WaitGroup, call *toolCall, st *convState, eventID string,
	params any, what string, answer func(protocol.ReviewDecision) protocol.Op,
) {
	submit := func(d protocol.ReviewDecision) {
		if _, err := st.conv.Submit(answer(d)); err != nil {
			s.log.Warn("approval decision not submitted", "conversation", st.conv.ID(), "error", err)
		}
	}
	if !s.clientElicits() {
		msg := fmt.Sprintf("the MCP client does not support elicitation, so the %s was denied", what)
		s.log.Warn(msg, "conversation", st.conv.ID())
		call.notify(ctx, protocol.Event{ID: eventID, Msg: protocol.BackgroundEvent{Message: msg}})
		submit(protocol.DecisionDenied)
		return
	}
	_, waiter, err := s.rpc.Request(ctx, string(mcp.MethodElicitationCreate), params)
	if err != nil {
		s.log.Warn("elicitation not sent; denying", "conversation", st.conv.ID(), "error", err)
		submit(protocol.DecisionDenied)
		return
	}
	pending.Add(1)
	go func() {
		defer pending.Done()
		var raw json.RawMessage
		err := waiter.Wait(ctx, &raw)
		if ctx.Err() != nil {
			// The call is over and its turn was interrupted.
			return
		}
		decision := protocol.DecisionDenied
		if err != nil {
			s.log.Warn("elicitation failed; denying", "conversation", st.conv.ID(), "error", err)
		} else {
			decision = decisionFromAnswer(raw)
		}
		submit(decision)
	}()
}
