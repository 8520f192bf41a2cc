package appserver

import (
	"context"
	"encoding/json"

	"github.com/codex-go/codex/protocol"
	v2 "github.com/codex-go/codex/protocol/v2"
)

// askV2Elicitation forwards an MCP server's elicitation to the v2 client as
// mcpServer/elicitation/request and, in its own goroutine, hands the answer
// to the engine, after serverRequest/resolved. An error answer, an
// unreadable one, an unknown action or a request that could not be sent
// declines; a thread nobody listens to (after thread/unsubscribe) declines
// at once. It goes to the connection that started the turn, else to the
// first one subscribed to the thread; if that one leaves, it declines. When the turn ends first (it was interrupted, and the engine
// cancelled the elicitation), the request is resolved with the turn and a
// late answer changes nothing. th.emitMu must be held.
func (h *hub) askV2Elicitation(ctx context.Context, th *v2Thread, subID string, ev protocol.ElicitationRequestEvent) {
	resolve := func(resp v2.McpServerElicitationRequestResponse) {
		op := protocol.ResolveElicitationOp{ServerName: ev.ServerName, RequestID: ev.ID, Decision: protocol.ElicitationDecline}
		switch resp.Action {
		case v2.ElicitationActionAccept:
			op.Decision, op.Content = protocol.ElicitationAccept, resp.Content
		case v2.ElicitationActionCancel:
			op.Decision = protocol.ElicitationCancel
		}
		if _, err := th.conv.Submit(op); err != nil {
			h.log.Warn("elicitation answer not submitted", "thread", th.id, "error", err)
		}
	}
	declined := v2.McpServerElicitationRequestResponse{Action: v2.ElicitationActionDecline}
	th.mu.Lock()
	var turnID *string
	if t := th.tr.turn; t != nil && t.subID == subID && subID != "" {
		id := t.id
		turnID = &id
	}
	th.mu.Unlock()
	var to *Server
	if !th.quiet() {
		owner := ""
		if turnID != nil {
			owner = *turnID
		}
		to = h.approver(th, owner, nil)
	}
	if to == nil {
		resolve(declined)
		return
	}
	params := v2.McpServerElicitationRequestParams{
		ThreadID:        th.id,
		TurnID:          turnID,
		ServerName:      ev.ServerName,
		Mode:            v2.ElicitationModeForm,
		Message:         ev.Message,
		RequestedSchema: ev.RequestedSchema,
	}
	id, call, err := to.rpc.Request(ctx, v2.MethodMcpServerElicitationRequest, params)
	if err != nil {
		h.log.Warn("elicitation request not sent; declining", "thread", th.id, "error", err)
		resolve(declined)
		return
	}
	waitCtx, stopWaiting := context.WithCancel(ctx)
	pending := pendingApproval{stop: stopWaiting}
	if turnID != nil {
		pending.turnID = *turnID
	}
	th.mu.Lock()
	key := askKey{to: to, id: id.Num}
	th.asking[key] = pending
	th.mu.Unlock()
	h.work.Go(func() {
		defer stopWaiting()
		var resp v2.McpServerElicitationRequestResponse
		werr := call.Wait(waitCtx, &resp)
		if waitCtx.Err() != nil {
			// The server stops, or the turn ended and the request is moot.
			return
		}
		if werr != nil {
			h.log.Warn("elicitation request failed; declining", "thread", th.id, "error", werr)
			resp = declined
		}
		th.emitMu.Lock()
		defer th.emitMu.Unlock()
		if !th.answered(key) {
			return
		}
		to.notifyV2(ctx, v2.NotificationServerRequestResolved, v2.ServerRequestResolvedNotification{ThreadID: th.id, RequestID: json.RawMessage(id.String())})
		resolve(resp)
	})
}
