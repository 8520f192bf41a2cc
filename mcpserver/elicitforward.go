package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-go/codex/protocol"
)

// ElicitMcpServer marks an elicitation forwarded from one of the
// conversation's own MCP servers.
const ElicitMcpServer = "mcp-server-elicitation"

// ForwardedElicitationParams are the params of the elicitation/create
// request that forwards an MCP server's elicitation to the host: the
// server's message and requestedSchema as they are, and codex_* members
// saying where the question comes from.
type ForwardedElicitationParams struct {
	// Message is the MCP server's question.
	Message string `json:"message"`
	// RequestedSchema is the MCP server's schema of the answer.
	RequestedSchema json.RawMessage `json:"requestedSchema"`
	// Elicitation is ElicitMcpServer.
	Elicitation string `json:"codex_elicitation"`
	// ToolCallID is the id of the tools/call request, as a string.
	ToolCallID string `json:"codex_mcp_tool_call_id"`
	// EventID is the id of the elicitation_request event.
	EventID string `json:"codex_event_id"`
	// ServerName is the configured name of the MCP server asking.
	ServerName string `json:"codex_mcp_server"`
}

// forwardedAnswer is the host's answer to a forwarded elicitation.
type forwardedAnswer struct {
	Action  mcp.ElicitationResponseAction `json:"action"`
	Content json.RawMessage               `json:"content"`
}

// forwardElicitation asks the host an MCP server's elicitation with an
// elicitation/create request and submits the answer to the conversation.
// Like askApproval: a host without the elicitation capability is not asked
// (the elicitation is declined at once and an event says why), a failed
// request or an error answer declines, and the wait ends with ctx.
func (s *Server) forwardElicitation(ctx context.Context, pending *sync.WaitGroup, call *toolCall, st *convState, eventID string, ev protocol.ElicitationRequestEvent) {
	submit := func(action protocol.ElicitationAction, content json.RawMessage) {
		op := protocol.ResolveElicitationOp{ServerName: ev.ServerName, RequestID: ev.ID, Decision: action}
		if action == protocol.ElicitationAccept {
			op.Content = content
		}
		if _, err := st.conv.Submit(op); err != nil {
			s.log.Warn("elicitation answer not submitted", "conversation", st.conv.ID(), "error", err)
		}
	}
	if !s.clientElicits() {
		msg := fmt.Sprintf("the MCP client does not support elicitation, so the question of MCP server %s was declined", ev.ServerName)
		s.log.Warn(msg, "conversation", st.conv.ID())
		call.notify(ctx, protocol.Event{ID: eventID, Msg: protocol.BackgroundEvent{Message: msg}})
		submit(protocol.ElicitationDecline, nil)
		return
	}
	params := ForwardedElicitationParams{
		Message:         ev.Message,
		RequestedSchema: ev.RequestedSchema,
		Elicitation:     ElicitMcpServer,
		ToolCallID:      call.idString(),
		EventID:         eventID,
		ServerName:      ev.ServerName,
	}
	_, waiter, err := s.rpc.Request(ctx, string(mcp.MethodElicitationCreate), params)
	if err != nil {
		s.log.Warn("elicitation not sent; declining", "conversation", st.conv.ID(), "error", err)
		submit(protocol.ElicitationDecline, nil)
		return
	}
	pending.Add(1)
	go func() {
		defer pending.Done()
		var a forwardedAnswer
		err := waiter.Wait(ctx, &a)
		if ctx.Err() != nil {
			// The call is over; the engine cancelled the elicitation.
			return
		}
		action := protocol.ElicitationDecline
		switch {
		case err != nil:
			s.log.Warn("elicitation failed; declining", "conversation", st.conv.ID(), "error", err)
		case a.Action == mcp.ElicitationResponseActionAccept:
			action = protocol.ElicitationAccept
		case a.Action == mcp.ElicitationResponseActionCancel:
			action = protocol.ElicitationCancel
		}
		submit(action, a.Content)
	}()
}
