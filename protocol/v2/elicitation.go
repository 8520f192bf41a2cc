package v2

import "encoding/json"

// MethodMcpServerElicitationRequest is the server request asking the
// client to answer an MCP server's elicitation.
const MethodMcpServerElicitationRequest = "mcpServer/elicitation/request"

// ElicitationModeForm is the mode of an elicitation answered by filling in
// a form described by a JSON Schema.
const ElicitationModeForm = "form"

// The actions of an elicitation answer.
const (
	// ElicitationActionAccept sends the content to the MCP server.
	ElicitationActionAccept = "accept"
	// ElicitationActionDecline says the user refused.
	ElicitationActionDecline = "decline"
	// ElicitationActionCancel says the user dismissed the question.
	ElicitationActionCancel = "cancel"
)

// McpServerElicitationRequestParams are the params of
// mcpServer/elicitation/request, in form mode (the only mode this server's
// MCP client declares).
type McpServerElicitationRequestParams struct {
	// ThreadID is the thread whose MCP server asks.
	ThreadID string `json:"threadId"`
	// TurnID is the turn running when the server asked; null outside a turn.
	TurnID *string `json:"turnId"`
	// ServerName is the configured name of the MCP server.
	ServerName string `json:"serverName"`
	// Mode is "form".
	Mode string `json:"mode"`
	// Message is the question for the user.
	Message string `json:"message"`
	// RequestedSchema is the JSON Schema of the answer: an object schema
	// whose properties are strings, numbers, booleans or enumerations.
	RequestedSchema json.RawMessage `json:"requestedSchema"`
}

// McpServerElicitationRequestResponse is the client's answer to
// mcpServer/elicitation/request.
type McpServerElicitationRequestResponse struct {
	// Action is accept, decline or cancel; anything else declines.
	Action string `json:"action"`
	// Content is the answer, an object matching the requested schema;
	// used with accept only.
	Content json.RawMessage `json:"content,omitempty"`
	// Meta is client metadata, not used by this server.
	Meta json.RawMessage `json:"_meta,omitempty"`
}
