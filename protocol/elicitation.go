package protocol

import (
	"encoding/json"
	"slices"
)

// ElicitationAction is the answer to an MCP server's elicitation: the user
// filled in the form, refused, or dismissed it.
type ElicitationAction string

// The elicitation actions, as MCP names them.
const (
	// ElicitationAccept sends the user's content to the server.
	ElicitationAccept ElicitationAction = "accept"
	// ElicitationDecline says the user refused to give the information.
	ElicitationDecline ElicitationAction = "decline"
	// ElicitationCancel says the request was dismissed without an answer:
	// the turn was interrupted, or the user closed the question.
	ElicitationCancel ElicitationAction = "cancel"
)

// ElicitationActionValues lists the elicitation actions in declaration
// order: the one list that validation, decoding and the JSON Schema use.
func ElicitationActionValues() []ElicitationAction {
	return []ElicitationAction{ElicitationAccept, ElicitationDecline, ElicitationCancel}
}

// Valid reports whether a is a known action.
func (a ElicitationAction) Valid() bool { return slices.Contains(ElicitationActionValues(), a) }

// EnumValues implements Enum.
func (ElicitationAction) EnumValues() []string { return enumStrings(ElicitationActionValues()) }

// UnmarshalJSON rejects values other than the elicitation actions.
func (a *ElicitationAction) UnmarshalJSON(data []byte) error {
	return decodeEnumJSON(data, a, ElicitationActionValues())
}

// UnmarshalText rejects values other than the elicitation actions.
func (a *ElicitationAction) UnmarshalText(text []byte) error {
	return decodeEnumText(text, a, ElicitationActionValues())
}

// ElicitationRequestEvent says that an MCP server asks the user for
// information (an MCP elicitation/create request in form mode). The engine
// waits for a resolve_elicitation op naming the same server and request id;
// without one it declines when the server's elicitation timeout ends, and
// cancels when the turn is interrupted.
type ElicitationRequestEvent struct {
	// ServerName is the configured name of the MCP server asking.
	ServerName string `json:"server_name"`
	// ID is the server's JSON-RPC request id, a string or a number as the
	// server sent it.
	ID json.RawMessage `json:"id"`
	// Message is the server's question for the user.
	Message string `json:"message"`
	// RequestedSchema is the JSON Schema of the answer: an object schema
	// whose properties are strings, numbers, booleans or enumerations.
	RequestedSchema json.RawMessage `json:"requested_schema"`
}

// EventType implements EventMsg.
func (ElicitationRequestEvent) EventType() string { return EventTypeElicitationRequest }

// ResolveElicitationOp answers an elicitation_request.
type ResolveElicitationOp struct {
	// ServerName is the server_name of the request.
	ServerName string `json:"server_name"`
	// RequestID is the id of the request.
	RequestID json.RawMessage `json:"request_id"`
	// Decision is the answer.
	Decision ElicitationAction `json:"decision"`
	// Content is the user's answer, an object matching the requested
	// schema; only sent to the server with the accept decision.
	Content json.RawMessage `json:"content,omitempty"`
}

// OpType implements Op.
func (ResolveElicitationOp) OpType() string { return "resolve_elicitation" }

// MethodMcpElicitationRequest is the server request of the 0.45 protocol
// that forwards an elicitation_request event to the client. The 0.45
// reference has no such request; the method name is this server's own.
const MethodMcpElicitationRequest = "mcpElicitationRequest"

// McpElicitationRequestParams are the params of mcpElicitationRequest.
type McpElicitationRequestParams struct {
	// ConversationID is the conversation whose MCP server asks.
	ConversationID string `json:"conversationId"`
	// ServerName is the configured name of the MCP server.
	ServerName string `json:"serverName"`
	// RequestID is the MCP server's request id (a string or a number).
	RequestID json.RawMessage `json:"requestId"`
	// Message is the question for the user.
	Message string `json:"message"`
	// RequestedSchema is the JSON Schema of the expected answer.
	RequestedSchema json.RawMessage `json:"requestedSchema"`
}

// McpElicitationResponse is the client's answer to mcpElicitationRequest.
type McpElicitationResponse struct {
	// Action is accept, decline or cancel.
	Action ElicitationAction `json:"action"`
	// Content is the user's answer, an object matching the requested
	// schema; used with accept only.
	Content json.RawMessage `json:"content,omitempty"`
}
