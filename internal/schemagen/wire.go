package schemagen

import (
	"fmt"
	"reflect"

	"github.com/codex-go/codex/internal/schemagen/schemafiles"
	"github.com/codex-go/codex/protocol"
	v2 "github.com/codex-go/codex/protocol/v2"
)

// This file describes the protocol types whose JSON is not what their Go
// fields suggest: values tagged by a field ("mode", "type"), single-key
// unions and fields written by custom MarshalJSON methods. References of the
// form "#/$defs/Name" name other protocol types; "#/$defs/EventMsg" is the
// union of every event of the table. String enumerations (AskForApproval,
// SandboxMode, ...) need nothing here: their values come from their value
// lists (protocol.Enum). The "type" constants of inputItemSchema are those of
// protocol.InputItemTypeValues, in its order (a test checks it).

// handWritten maps the types with a hand-written schema to that schema.
func handWritten() map[reflect.Type]string {
	return map[reflect.Type]string{
		reflect.TypeFor[protocol.SandboxPolicy](): sandboxPolicySchema,
		reflect.TypeFor[protocol.FileChange]():    fileChangeSchema,
		reflect.TypeFor[protocol.InputItem]():     inputItemSchema,
		reflect.TypeFor[protocol.ResponseItem]():  responseItemSchema,
		reflect.TypeFor[v2.Item]():                threadItemSchema,
		reflect.TypeFor[v2.ApprovalDecision]():    approvalDecisionSchema,
	}
}

// approvalDecisionSchema is the decision of a v2 approval answer: one of
// the decisions the server offers, or an object for one it does not (which
// declines).
const approvalDecisionSchema = `{
	"anyOf": [
		{"type": "string", "enum": ["accept", "acceptForSession", "decline", "cancel"]},
		{"type": "object"}
	]
}`

// threadItemSchema is the union of the v2 thread items, each tagged by its
// "type" constant so that clients can tell them apart (supportTypes adds
// the item types).
const threadItemSchema = `{
	"oneOf": [
		{"allOf": [{"$ref": "#/$defs/UserMessageItem"}, {"type": "object", "properties": {"type": {"const": "userMessage"}}, "required": ["type"]}]},
		{"allOf": [{"$ref": "#/$defs/AgentMessageItem"}, {"type": "object", "properties": {"type": {"const": "agentMessage"}}, "required": ["type"]}]},
		{"allOf": [{"$ref": "#/$defs/ReasoningItem"}, {"type": "object", "properties": {"type": {"const": "reasoning"}}, "required": ["type"]}]},
		{"allOf": [{"$ref": "#/$defs/CommandExecutionItem"}, {"type": "object", "properties": {"type": {"const": "commandExecution"}}, "required": ["type"]}]},
		{"allOf": [{"$ref": "#/$defs/FileChangeItem"}, {"type": "object", "properties": {"type": {"const": "fileChange"}}, "required": ["type"]}]},
		{"allOf": [{"$ref": "#/$defs/McpToolCallItem"}, {"type": "object", "properties": {"type": {"const": "mcpToolCall"}}, "required": ["type"]}]},
		{"allOf": [{"$ref": "#/$defs/WebSearchItem"}, {"type": "object", "properties": {"type": {"const": "webSearch"}}, "required": ["type"]}]},
		{"allOf": [{"$ref": "#/$defs/ImageViewItem"}, {"type": "object", "properties": {"type": {"const": "imageView"}}, "required": ["type"]}]},
		{"allOf": [{"$ref": "#/$defs/ContextCompactionItem"}, {"type": "object", "properties": {"type": {"const": "contextCompaction"}}, "required": ["type"]}]},
		{"allOf": [{"$ref": "#/$defs/EnteredReviewModeItem"}, {"type": "object", "properties": {"type": {"const": "enteredReviewMode"}}, "required": ["type"]}]},
		{"allOf": [{"$ref": "#/$defs/ExitedReviewModeItem"}, {"type": "object", "properties": {"type": {"const": "exitedReviewMode"}}, "required": ["type"]}]}
	]
}`

// extraProperty is a property that a custom MarshalJSON writes although
// the Go field it comes from is hidden from encoding/json.
type extraProperty struct {
	// Type is the struct whose MarshalJSON writes the property.
	Type reflect.Type
	// Field is the Go field the property comes from; its doc comment
	// becomes the description.
	Field string
	// Name is the property's JSON name.
	Name string
	// Schema is the property's schema.
	Schema string
	// Required is true when the property is always written.
	Required bool
}

// extraProperties lists the properties written by custom MarshalJSON methods.
func extraProperties() []extraProperty {
	return []extraProperty{
		{
			Type:   reflect.TypeFor[protocol.SessionConfiguredEvent](),
			Field:  "InitialMessages",
			Name:   "initial_messages",
			Schema: `{"type": "array", "items": {"$ref": "#/$defs/EventMsg"}}`,
		},
	}
}

// mustObject decodes one of the fixed schema literals of this file.
func mustObject(src string) (object, error) {
	var o object
	if err := schemafiles.Decode([]byte(src), &o); err != nil {
		return nil, fmt.Errorf("invalid hand-written schema: %w", err)
	}
	return o, nil
}

const sandboxPolicySchema = `{
	"oneOf": [
		{
			"type": "object",
			"description": "Reading anything is allowed, writing nothing.",
			"properties": {"mode": {"const": "read-only"}},
			"required": ["mode"],
			"additionalProperties": false
		},
		{
			"type": "object",
			"description": "Commands run without a sandbox.",
			"properties": {"mode": {"const": "danger-full-access"}},
			"required": ["mode"],
			"additionalProperties": false
		},
		{
			"type": "object",
			"description": "Writing is allowed inside the working directory and the writable roots.",
			"properties": {
				"mode": {"const": "workspace-write"},
				"writable_roots": {"type": "array", "items": {"type": "string"}, "description": "Extra directories that are writable."},
				"network_access": {"type": "boolean", "description": "Allows outbound network access."},
				"exclude_tmpdir_env_var": {"type": "boolean", "description": "Keeps $TMPDIR read-only."},
				"exclude_slash_tmp": {"type": "boolean", "description": "Keeps /tmp read-only."}
			},
			"required": ["mode"],
			"additionalProperties": false
		}
	]
}`

const fileChangeSchema = `{
	"oneOf": [
		{
			"type": "object",
			"properties": {"add": {"$ref": "#/$defs/FileAdd"}},
			"required": ["add"],
			"additionalProperties": false
		},
		{
			"type": "object",
			"properties": {"delete": {"$ref": "#/$defs/FileDelete"}},
			"required": ["delete"],
			"additionalProperties": false
		},
		{
			"type": "object",
			"properties": {"update": {"$ref": "#/$defs/FileUpdate"}},
			"required": ["update"],
			"additionalProperties": false
		}
	]
}`

const inputItemSchema = `{
	"oneOf": [
		{
			"type": "object",
			"description": "Text typed by the user.",
			"properties": {
				"type": {"const": "text"},
				"data": {
					"type": "object",
					"properties": {"text": {"type": "string"}},
					"required": ["text"],
					"additionalProperties": false
				}
			},
			"required": ["type", "data"],
			"additionalProperties": false
		},
		{
			"type": "object",
			"description": "An image given by URL (often a data: URL).",
			"properties": {
				"type": {"const": "image"},
				"data": {
					"type": "object",
					"properties": {"image_url": {"type": "string"}},
					"required": ["image_url"],
					"additionalProperties": false
				}
			},
			"required": ["type", "data"],
			"additionalProperties": false
		},
		{
			"type": "object",
			"description": "An image file on the server's machine.",
			"properties": {
				"type": {"const": "localImage"},
				"data": {
					"type": "object",
					"properties": {"path": {"type": "string"}},
					"required": ["path"],
					"additionalProperties": false
				}
			},
			"required": ["type", "data"],
			"additionalProperties": false
		}
	]
}`

const responseItemSchema = `{
	"oneOf": [
		{
			"type": "object",
			"description": "A message of the user, the assistant or the system.",
			"properties": {
				"type": {"const": "message"},
				"id": {"type": "string"},
				"role": {"type": "string"},
				"content": {"type": "array", "items": {"$ref": "#/$defs/ContentItem"}}
			},
			"required": ["type", "role", "content"],
			"additionalProperties": false
		},
		{
			"type": "object",
			"description": "The model's reasoning: summary paragraphs, raw text and opaque state.",
			"properties": {
				"type": {"const": "reasoning"},
				"id": {"type": "string"},
				"summary": {"type": "array", "items": {"$ref": "#/$defs/ReasoningSummaryPart"}},
				"content": {"type": "array", "items": {"$ref": "#/$defs/ReasoningContentPart"}},
				"encrypted_content": {"type": ["string", "null"]}
			},
			"required": ["type", "summary"],
			"additionalProperties": false
		},
		{
			"type": "object",
			"description": "A call of a function tool with JSON arguments.",
			"properties": {
				"type": {"const": "function_call"},
				"id": {"type": "string"},
				"name": {"type": "string"},
				"arguments": {"type": "string", "description": "The arguments as a JSON text."},
				"call_id": {"type": "string"}
			},
			"required": ["type", "name", "arguments", "call_id"],
			"additionalProperties": false
		},
		{
			"type": "object",
			"description": "The result of a function or free-form tool call.",
			"properties": {
				"type": {"enum": ["function_call_output", "custom_tool_call_output"]},
				"call_id": {"type": "string"},
				"output": {"type": "string"}
			},
			"required": ["type", "call_id", "output"],
			"additionalProperties": false
		},
		{
			"type": "object",
			"description": "A command the model runs through the local shell tool.",
			"properties": {
				"type": {"const": "local_shell_call"},
				"id": {"type": "string"},
				"call_id": {"type": "string"},
				"status": {"type": "string"},
				"action": {"anyOf": [{"$ref": "#/$defs/LocalShellAction"}, {"type": "null"}]}
			},
			"required": ["type", "status", "action"],
			"additionalProperties": false
		},
		{
			"type": "object",
			"description": "A call of a free-form tool.",
			"properties": {
				"type": {"const": "custom_tool_call"},
				"id": {"type": "string"},
				"status": {"type": "string"},
				"call_id": {"type": "string"},
				"name": {"type": "string"},
				"input": {"type": "string"}
			},
			"required": ["type", "call_id", "name", "input"],
			"additionalProperties": false
		},
		{
			"type": "object",
			"description": "A web search made by the provider.",
			"properties": {
				"type": {"const": "web_search_call"},
				"id": {"type": "string"},
				"status": {"type": "string"},
				"action": {}
			},
			"required": ["type"],
			"additionalProperties": false
		}
	]
}`
