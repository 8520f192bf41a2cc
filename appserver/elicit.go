package appserver

import (
	"context"

	"github.com/codex-go/codex/protocol"
)

// requestMcpElicitation forwards an MCP server's elicitation to a 0.45
// client as an mcpElicitationRequest server request and submits the
// client's answer. An error answer, an unreadable one or a request that
// could not be sent declines: the MCP server is never left waiting on a
// client that does not know the request.
func (s *Server) requestMcpElicitation(ctx context.Context, st *conversationState, ev protocol.ElicitationRequestEvent) {
	params := protocol.McpElicitationRequestParams{
		ConversationID:  st.id,
		ServerName:      ev.ServerName,
		RequestID:       ev.ID,
		Message:         ev.Message,
		RequestedSchema: ev.RequestedSchema,
	}
	resolve := func(resp protocol.McpElicitationResponse) {
		op := protocol.ResolveElicitationOp{ServerName: ev.ServerName, RequestID: ev.ID, Decision: resp.Action}
		if resp.Action == protocol.ElicitationAccept {
			op.Content = resp.Content
		}
		s.submitDecision(st, op)
	}
	declined := protocol.McpElicitationResponse{Action: protocol.ElicitationDecline}
	_, call, err := s.rpc.Request(ctx, protocol.MethodMcpElicitationRequest, params)
	if err != nil {
		s.log.Warn("elicitation request not sent", "conversation", st.id, "error", err)
		if ctx.Err() == nil {
			resolve(declined)
		}
		return
	}
	s.goTracked(func() {
		var resp protocol.McpElicitationResponse
		switch err := call.Wait(ctx, &resp); {
		case ctx.Err() != nil:
			// The server is stopping and shuts the conversation down.
			return
		case err != nil:
			s.log.Warn("elicitation request failed; declining", "conversation", st.id, "error", err)
			resp = declined
		case !resp.Action.Valid():
			resp = declined
		}
		resolve(resp)
	})
}
