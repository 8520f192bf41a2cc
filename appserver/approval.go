package appserver

import (
	"context"

	"github.com/codex-go/codex/protocol"
)

// requestExecApproval asks the client whether a command may run. The request
// is written before this returns, right after the event's notification; the
// answer is awaited in its own goroutine so the event pump keeps going.
func (s *Server) requestExecApproval(ctx context.Context, st *conversationState, ev protocol.ExecApprovalRequestEvent) {
	params := protocol.ExecCommandApprovalParams{
		ConversationID: st.id,
		CallID:         ev.CallID,
		Command:        ev.Command,
		Cwd:            ev.Cwd,
		Reason:         ev.Reason,
	}
	s.askApproval(ctx, st, protocol.MethodExecCommandApproval, params, func(d protocol.ReviewDecision) protocol.Op {
		return protocol.ExecApprovalOp{ID: ev.CallID, Decision: d}
	})
}

// requestPatchApproval asks the client whether a patch may be applied, like
// requestExecApproval.
func (s *Server) requestPatchApproval(ctx context.Context, st *conversationState, ev protocol.ApplyPatchApprovalRequestEvent) {
	params := protocol.ApplyPatchApprovalParams{
		ConversationID: st.id,
		CallID:         ev.CallID,
		FileChanges:    ev.Changes,
		Reason:         ev.Reason,
		GrantRoot:      ev.GrantRoot,
	}
	s.askApproval(ctx, st, protocol.MethodApplyPatchApproval, params, func(d protocol.ReviewDecision) protocol.Op {
		return protocol.PatchApprovalOp{ID: ev.CallID, Decision: d}
	})
}

// askApproval sends an approval server request and submits the op built from
// the client's decision once it answers. An error answer, an unreadable
// answer or an unknown decision counts as denied.
func (s *Server) askApproval(ctx context.Context, st *conversationState, method string, params any, answer func(protocol.ReviewDecision) protocol.Op) {
	_, call, err := s.rpc.Request(ctx, method, params)
	if err != nil {
		s.log.Warn("approval request not sent", "method", method, "conversation", st.id, "error", err)
		if ctx.Err() == nil {
			s.submitDecision(st, answer(protocol.DecisionDenied))
		}
		return
	}
	s.goTracked(func() {
		var resp protocol.ApprovalResponse
		decision := protocol.DecisionDenied
		switch err := call.Wait(ctx, &resp); {
		case ctx.Err() != nil:
			// The server is stopping and shuts the conversation down.
			return
		case err != nil:
			s.log.Warn("approval request failed; denying", "method", method, "conversation", st.id, "error", err)
		case !resp.Decision.Valid():
			s.log.Warn("unknown approval decision; denying", "method", method, "conversation", st.id, "decision", resp.Decision)
		default:
			decision = resp.Decision
		}
		s.submitDecision(st, answer(decision))
	})
}

// submitDecision hands an approval decision to the conversation.
func (s *Server) submitDecision(st *conversationState, op protocol.Op) {
	if _, err := st.conv.Submit(op); err != nil {
		s.log.Warn("approval decision not submitted", "conversation", st.id, "error", err)
	}
}
