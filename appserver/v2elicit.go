package appserver

import (
	"context"

	"github.com/codex-go/codex/protocol"
	v2 "github.com/codex-go/codex/protocol/v2"
)

// askV2Elicitation forwards an MCP server's elicitation to the v2 client as
// mcpServer/elicitation/request and, in its own goroutine, hands the answer
// to the engine, after serverRequest/resolved. An error answer, an
// unreadable one, an unknown action or a request that could not be sent
// declines; a thread nobody listens to (after thread/unsubscribe) declines
// at once. When the turn ends first (it was interrupted, and the engine
// cancelled the elicitation), the request is resolved with the turn and a
// late answer changes nothing. th.emitMu must be held.
func (s *Server) askV2Elicitation(ctx context.Context, th *v2Thread, subID string, ev protocol.ElicitationRequestEvent, quiet bool) {
	resolve := func(resp v2.McpServerElicitationRequestResponse) {
		op := protocol.ResolveElicitationOp{ServerName: ev.ServerName, RequestID: ev.ID, Decision: protocol.ElicitationDecline}
		switch resp.Action {
		case v2.ElicitationActionAccept:
			op.Decision, op.Content = protocol.ElicitationAccept, resp.Content
		case v2.ElicitationActionCancel:
			op.Decision = protocol.ElicitationCancel
		}
		if _, err := th.conv.Submit(op); err != nil {
			s.log.Warn("elicitation answer not submitted", "thread", th.id, "error", err)
		}
	}
	declined := v2.McpServerElicitationRequestResponse{Action: v2.ElicitationActionDecline}
	if quiet {
		resolve(declined)
		return
	}
	th.mu.Lock()
	var turnID *string
	if t := th.tr.turn; t != nil && t.subID == subID && subID != "" {
		id := t.id
		turnID = &id
	}
	th.mu.Unlock()
	params := v2.McpServerElicitationRequestParams{
		ThreadID:        th.id,
		TurnID:          turnID,
		ServerName:      ev.ServerName,
		Mode:            v2.ElicitationModeForm,
		Message:         ev.Message,
		RequestedSchema: ev.RequestedSchema,
	}
	id, call, err := s.rpc.Request(ctx, v2.MethodMcpServerElicitationRequest, params)
	if err != nil {
		s.log.Warn("elicitation request not sent; declining", "thread", th.id, "error", err)
		resolve(declined)
		return
	}
	waitCtx, stopWaiting := context.WithCancel(ctx)
	pending := pendingApproval{stop: stopWaiting}
	if turnID != nil {
		pending.turnID = *turnID
	}
	th.mu.Lock()
	th.asking[id.Num] = pending
	th.mu.Unlock()
	s.goTracked(func() {
		defer stopWaiting()
		var resp v2.McpServerElicitationRequestResponse
		werr := call.Wait(waitCtx, &resp)
		if waitCtx.Err() != nil {
			// The server stops, or the turn ended and the request is moot.
			return
		}
		if werr != nil {
			s.log.Warn("elicitation request failed; declining", "thread", th.id, "error", werr)
			resp = declined
		}
		th.emitMu.Lock()
		defer th.emitMu.Unlock()
		if s.resolvedV2(ctx, th, id) {
			resolve(resp)
		}
	})
}
