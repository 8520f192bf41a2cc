package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Event is one message out of a conversation: the id of the submission that
// caused it and the message itself.
type Event struct {
	// ID is the submission id ("" for events not caused by a submission).
	ID string `json:"id"`
	// Msg is the event payload, tagged by "type".
	Msg EventMsg `json:"msg"`
}

// UnmarshalJSON decodes the tagged message.
func (e *Event) UnmarshalJSON(data []byte) error {
	var w struct {
		ID  string          `json:"id"`
		Msg json.RawMessage `json:"msg"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	msg, err := DecodeEventMsg(w.Msg)
	if err != nil {
		return err
	}
	e.ID, e.Msg = w.ID, msg
	return nil
}

// EventMsg is implemented by every event payload. EventType is the wire tag.
type EventMsg interface {
	EventType() string
}

// EncodeEventMsg writes a message as a JSON object whose first key is "type".
func EncodeEventMsg(m EventMsg) ([]byte, error) {
	if m == nil {
		return nil, fmt.Errorf("nil event message")
	}
	body, err := Marshal(m)
	if err != nil {
		return nil, err
	}
	tag, err := Marshal(m.EventType())
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(body) + len(tag) + 10)
	buf.WriteString(`{"type":`)
	buf.Write(tag)
	if len(body) > 2 {
		buf.WriteByte(',')
		buf.Write(body[1:])
	} else {
		buf.WriteByte('}')
	}
	return buf.Bytes(), nil
}

// DecodeEventMsg reads a tagged message. Unknown tags decode to UnknownEvent.
func DecodeEventMsg(data []byte) (EventMsg, error) {
	var tag struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &tag); err != nil {
		return nil, err
	}
	m, err := decodeTagged(tag.Type, data)
	if err != nil {
		return nil, fmt.Errorf("event %s: %w", tag.Type, err)
	}
	return m, nil
}

// MarshalJSON writes {"id":...,"msg":{"type":...}}.
func (e Event) MarshalJSON() ([]byte, error) {
	msg, err := EncodeEventMsg(e.Msg)
	if err != nil {
		return nil, err
	}
	id, _ := Marshal(e.ID)
	out := make([]byte, 0, len(msg)+len(id)+16)
	out = append(out, `{"id":`...)
	out = append(out, id...)
	out = append(out, `,"msg":`...)
	out = append(out, msg...)
	return append(out, '}'), nil
}

// MarshalEventMsg is a json.Marshaler wrapper for an EventMsg that writes its tag.
type MarshalEventMsg struct{ EventMsg }

// MarshalJSON writes the tagged message.
func (m MarshalEventMsg) MarshalJSON() ([]byte, error) { return EncodeEventMsg(m.EventMsg) }

// UnknownEvent keeps an event of a type this build does not know.
type UnknownEvent struct {
	// Raw is the whole message including its type.
	Raw json.RawMessage `json:"-"`
}

// EventType reads the tag out of Raw.
func (u UnknownEvent) EventType() string {
	var tag struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(u.Raw, &tag)
	return tag.Type
}

// MarshalJSON writes Raw back without its type (EncodeEventMsg adds it).
func (u UnknownEvent) MarshalJSON() ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(u.Raw, &m); err != nil {
		return nil, err
	}
	delete(m, "type")
	return Marshal(m)
}

// Duration is a time span encoded as {"secs":N,"nanos":N}.
type Duration struct {
	// Secs is the whole seconds.
	Secs uint64 `json:"secs"`
	// Nanos is the remaining nanoseconds.
	Nanos uint32 `json:"nanos"`
}

// DurationOf converts a time.Duration.
func DurationOf(d time.Duration) Duration {
	if d < 0 {
		d = 0
	}
	return Duration{Secs: uint64(d / time.Second), Nanos: uint32(d % time.Second)}
}

// Std converts back to a time.Duration.
func (d Duration) Std() time.Duration {
	return time.Duration(d.Secs)*time.Second + time.Duration(d.Nanos)
}

// ErrorEvent reports a failure that ended the turn.
type ErrorEvent struct {
	// Message says what went wrong.
	Message string `json:"message"`
}

// TaskStartedEvent opens a turn.
type TaskStartedEvent struct {
	// ModelContextWindow is the model's context size in tokens, when known.
	ModelContextWindow *int64 `json:"model_context_window"`
}

// TaskCompleteEvent closes a turn.
type TaskCompleteEvent struct {
	// LastAgentMessage is the final assistant message of the turn, if any.
	LastAgentMessage *string `json:"last_agent_message"`
}

// TokenUsage counts tokens of one or more model calls.
type TokenUsage struct {
	// InputTokens is the prompt size.
	InputTokens int64 `json:"input_tokens"`
	// CachedInputTokens is the part of the prompt served from cache.
	CachedInputTokens int64 `json:"cached_input_tokens"`
	// OutputTokens is the generated size.
	OutputTokens int64 `json:"output_tokens"`
	// ReasoningOutputTokens is the part of the output spent reasoning.
	ReasoningOutputTokens int64 `json:"reasoning_output_tokens"`
	// TotalTokens is input plus output.
	TotalTokens int64 `json:"total_tokens"`
}

// Add returns the sum of two usages.
func (u TokenUsage) Add(o TokenUsage) TokenUsage {
	return TokenUsage{
		InputTokens:           u.InputTokens + o.InputTokens,
		CachedInputTokens:     u.CachedInputTokens + o.CachedInputTokens,
		OutputTokens:          u.OutputTokens + o.OutputTokens,
		ReasoningOutputTokens: u.ReasoningOutputTokens + o.ReasoningOutputTokens,
		TotalTokens:           u.TotalTokens + o.TotalTokens,
	}
}

// TokenUsageInfo is the running usage of a conversation.
type TokenUsageInfo struct {
	// TotalTokenUsage sums every model call so far.
	TotalTokenUsage TokenUsage `json:"total_token_usage"`
	// LastTokenUsage is the latest model call.
	LastTokenUsage TokenUsage `json:"last_token_usage"`
	// ModelContextWindow is the model's context size, when known.
	ModelContextWindow *int64 `json:"model_context_window"`
}

// RateLimitWindow is one rate-limit window reported by the provider.
type RateLimitWindow struct {
	// UsedPercent is how much of the window is used.
	UsedPercent float64 `json:"used_percent"`
	// WindowMinutes is the window length.
	WindowMinutes *int64 `json:"window_minutes"`
	// ResetsInSeconds is the time until the window resets.
	ResetsInSeconds *int64 `json:"resets_in_seconds"`
}

// RateLimitSnapshot is the provider's rate-limit state.
type RateLimitSnapshot struct {
	// Primary is the short window.
	Primary *RateLimitWindow `json:"primary"`
	// Secondary is the long window.
	Secondary *RateLimitWindow `json:"secondary"`
}

// TokenCountEvent reports usage and rate limits.
type TokenCountEvent struct {
	// Info is nil before the first usage report.
	Info *TokenUsageInfo `json:"info"`
	// RateLimits is the latest rate-limit snapshot.
	RateLimits *RateLimitSnapshot `json:"rate_limits"`
}

// AgentMessageEvent is a complete assistant message.
type AgentMessageEvent struct {
	// Message is the text.
	Message string `json:"message"`
}

// AgentMessageDeltaEvent is a piece of a streaming assistant message.
type AgentMessageDeltaEvent struct {
	// Delta is the new text.
	Delta string `json:"delta"`
}

// AgentReasoningEvent is a complete reasoning summary paragraph.
type AgentReasoningEvent struct {
	// Text is the paragraph.
	Text string `json:"text"`
}

// AgentReasoningDeltaEvent is a piece of a streaming reasoning summary.
type AgentReasoningDeltaEvent struct {
	// Delta is the new text.
	Delta string `json:"delta"`
}

// AgentReasoningRawContentEvent is complete raw reasoning text.
type AgentReasoningRawContentEvent struct {
	// Text is the reasoning.
	Text string `json:"text"`
}

// AgentReasoningRawContentDeltaEvent is a piece of raw reasoning text.
type AgentReasoningRawContentDeltaEvent struct {
	// Delta is the new text.
	Delta string `json:"delta"`
}

// AgentReasoningSectionBreakEvent separates reasoning summary sections.
type AgentReasoningSectionBreakEvent struct{}

// UserMessageEvent records a user message (in rollouts and resumed history).
type UserMessageEvent struct {
	// Message is the text.
	Message string `json:"message"`
	// Kind classifies the message.
	Kind InputMessageKind `json:"kind,omitempty"`
	// Images are attached image URLs.
	Images []string `json:"images,omitempty"`
}

// SessionConfiguredEvent is the first event of a conversation.
type SessionConfiguredEvent struct {
	// SessionID is the conversation id.
	SessionID string `json:"session_id"`
	// Model is the model in use.
	Model string `json:"model"`
	// ReasoningEffort is the configured effort, when set.
	ReasoningEffort ReasoningEffort `json:"reasoning_effort,omitempty"`
	// HistoryLogID identifies the history file (its inode).
	HistoryLogID uint64 `json:"history_log_id"`
	// HistoryEntryCount is the number of entries in the history file.
	HistoryEntryCount int `json:"history_entry_count"`
	// InitialMessages replays a resumed conversation's events.
	InitialMessages []EventMsg `json:"-"`
	// RolloutPath is the session file.
	RolloutPath string `json:"rollout_path"`
}

// MarshalJSON writes initial_messages as tagged events when present.
func (s SessionConfiguredEvent) MarshalJSON() ([]byte, error) {
	var initial []MarshalEventMsg
	for _, m := range s.InitialMessages {
		initial = append(initial, MarshalEventMsg{m})
	}
	return Marshal(struct {
		SessionID         string            `json:"session_id"`
		Model             string            `json:"model"`
		ReasoningEffort   ReasoningEffort   `json:"reasoning_effort,omitempty"`
		HistoryLogID      uint64            `json:"history_log_id"`
		HistoryEntryCount int               `json:"history_entry_count"`
		InitialMessages   []MarshalEventMsg `json:"initial_messages,omitempty"`
		RolloutPath       string            `json:"rollout_path"`
	}{s.SessionID, s.Model, s.ReasoningEffort, s.HistoryLogID, s.HistoryEntryCount, initial, s.RolloutPath})
}

// UnmarshalJSON reads initial_messages as tagged events.
func (s *SessionConfiguredEvent) UnmarshalJSON(data []byte) error {
	type plain SessionConfiguredEvent
	var w struct {
		plain
		InitialMessages []json.RawMessage `json:"initial_messages"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*s = SessionConfiguredEvent(w.plain)
	for _, raw := range w.InitialMessages {
		m, err := DecodeEventMsg(raw)
		if err != nil {
			return err
		}
		s.InitialMessages = append(s.InitialMessages, m)
	}
	return nil
}

// McpInvocation names an MCP tool call.
type McpInvocation struct {
	// Server is the configured server name.
	Server string `json:"server"`
	// Tool is the tool name on that server.
	Tool string `json:"tool"`
	// Arguments are the call arguments.
	Arguments json.RawMessage `json:"arguments,omitempty"`
}

// McpToolCallBeginEvent opens an MCP tool call.
type McpToolCallBeginEvent struct {
	// CallID is the model's call id.
	CallID string `json:"call_id"`
	// Invocation names the tool.
	Invocation McpInvocation `json:"invocation"`
}

// McpToolCallEndEvent closes an MCP tool call. Result is {"Ok":CallToolResult} or {"Err":"message"}.
type McpToolCallEndEvent struct {
	// CallID is the model's call id.
	CallID string `json:"call_id"`
	// Invocation names the tool.
	Invocation McpInvocation `json:"invocation"`
	// Duration is how long the call took.
	Duration Duration `json:"duration"`
	// Result is the outcome.
	Result json.RawMessage `json:"result"`
}

// ParsedCommand is a best-effort reading of what a shell command does.
type ParsedCommand struct {
	// Type is read, list_files, search or unknown.
	Type string `json:"type"`
	// Cmd is the command text.
	Cmd string `json:"cmd"`
	// Name is the file read (read).
	Name string `json:"name,omitempty"`
	// Query is the search pattern (search).
	Query *string `json:"query,omitempty"`
	// Path is the searched or listed path (search, list_files).
	Path *string `json:"path,omitempty"`
}

// ExecCommandBeginEvent opens a command run.
type ExecCommandBeginEvent struct {
	// CallID is the model's call id.
	CallID string `json:"call_id"`
	// Command is the argv.
	Command []string `json:"command"`
	// Cwd is the working directory.
	Cwd string `json:"cwd"`
	// ParsedCmd describes the command.
	ParsedCmd []ParsedCommand `json:"parsed_cmd"`
}

// ExecCommandOutputDeltaEvent carries a chunk of a running command's output.
type ExecCommandOutputDeltaEvent struct {
	// CallID is the model's call id.
	CallID string `json:"call_id"`
	// Stream is stdout or stderr.
	Stream string `json:"stream"`
	// Chunk is the raw bytes (base64 on the wire).
	Chunk []byte `json:"chunk"`
}

// ExecCommandEndEvent closes a command run.
type ExecCommandEndEvent struct {
	// CallID is the model's call id.
	CallID string `json:"call_id"`
	// Stdout is the captured standard output.
	Stdout string `json:"stdout"`
	// Stderr is the captured standard error.
	Stderr string `json:"stderr"`
	// AggregatedOutput is both streams interleaved.
	AggregatedOutput string `json:"aggregated_output"`
	// ExitCode is the exit status.
	ExitCode int `json:"exit_code"`
	// Duration is the run time.
	Duration Duration `json:"duration"`
	// FormattedOutput is the output as shown to the model.
	FormattedOutput string `json:"formatted_output"`
}

// ViewImageToolCallEvent reports that the model attached a local image.
type ViewImageToolCallEvent struct {
	// CallID is the model's call id.
	CallID string `json:"call_id"`
	// Path is the image file.
	Path string `json:"path"`
}

// ExecApprovalRequestEvent asks the user to approve a command.
type ExecApprovalRequestEvent struct {
	// CallID is the model's call id.
	CallID string `json:"call_id"`
	// Command is the argv.
	Command []string `json:"command"`
	// Cwd is the working directory.
	Cwd string `json:"cwd"`
	// Reason explains why approval is needed.
	Reason *string `json:"reason,omitempty"`
}

// ApplyPatchApprovalRequestEvent asks the user to approve a patch.
type ApplyPatchApprovalRequestEvent struct {
	// CallID is the model's call id.
	CallID string `json:"call_id"`
	// Changes maps paths to their changes.
	Changes map[string]FileChange `json:"changes"`
	// Reason explains why approval is needed.
	Reason *string `json:"reason,omitempty"`
	// GrantRoot asks for write access below this directory for the rest of the session.
	GrantRoot *string `json:"grant_root,omitempty"`
}

// BackgroundEvent is an informational message.
type BackgroundEvent struct {
	// Message is the text.
	Message string `json:"message"`
}

// StreamErrorEvent reports a model stream failure that is being retried.
type StreamErrorEvent struct {
	// Message says what failed and what happens next.
	Message string `json:"message"`
}

// PatchApplyBeginEvent opens a patch application.
type PatchApplyBeginEvent struct {
	// CallID is the model's call id.
	CallID string `json:"call_id"`
	// AutoApproved is true when no user approval was needed.
	AutoApproved bool `json:"auto_approved"`
	// Changes maps paths to their changes.
	Changes map[string]FileChange `json:"changes"`
}

// PatchApplyEndEvent closes a patch application.
type PatchApplyEndEvent struct {
	// CallID is the model's call id.
	CallID string `json:"call_id"`
	// Stdout is the summary of what was done.
	Stdout string `json:"stdout"`
	// Stderr says what failed.
	Stderr string `json:"stderr"`
	// Success is true when every change was written.
	Success bool `json:"success"`
}

// TurnDiffEvent carries the unified diff of everything the turn changed.
type TurnDiffEvent struct {
	// UnifiedDiff is the diff.
	UnifiedDiff string `json:"unified_diff"`
}

// HistoryEntry is one line of the global message history.
type HistoryEntry struct {
	// ConversationID is the conversation the message belongs to.
	ConversationID string `json:"conversation_id"`
	// Ts is the Unix time in seconds.
	Ts uint64 `json:"ts"`
	// Text is the message.
	Text string `json:"text"`
}

// GetHistoryEntryResponseEvent answers a get_history_entry_request op.
type GetHistoryEntryResponseEvent struct {
	// Offset is the requested entry index.
	Offset int `json:"offset"`
	// LogID is the requested history file id.
	LogID uint64 `json:"log_id"`
	// Entry is nil when there is no such entry.
	Entry *HistoryEntry `json:"entry,omitempty"`
}

// PlanItem is one step of the model's plan.
type PlanItem struct {
	// Step is the step text.
	Step string `json:"step"`
	// Status is pending, in_progress or completed.
	Status string `json:"status"`
}

// PlanUpdateEvent carries the model's updated plan.
type PlanUpdateEvent struct {
	// Explanation is an optional note.
	Explanation *string `json:"explanation,omitempty"`
	// Plan is the list of steps.
	Plan []PlanItem `json:"plan"`
}

// TurnAbortedEvent reports that a turn ended early.
type TurnAbortedEvent struct {
	// Reason says why.
	Reason TurnAbortReason `json:"reason"`
}

// ShutdownCompleteEvent is the last event of a conversation that was shut down.
type ShutdownCompleteEvent struct{}

// ConversationPathEvent reports the rollout path of a conversation.
type ConversationPathEvent struct {
	// ConversationID is the conversation.
	ConversationID string `json:"conversation_id"`
	// Path is the rollout file.
	Path string `json:"path"`
}

// WebSearchBeginEvent opens a web search.
type WebSearchBeginEvent struct {
	// CallID is the call id.
	CallID string `json:"call_id"`
}

// WebSearchEndEvent closes a web search.
type WebSearchEndEvent struct {
	// CallID is the call id.
	CallID string `json:"call_id"`
	// Query is what was searched.
	Query string `json:"query"`
}

// McpListToolsResponseEvent lists the MCP tools available.
type McpListToolsResponseEvent struct {
	// Tools maps qualified tool names to their definitions.
	Tools map[string]json.RawMessage `json:"tools"`
}

// EventType implementations: the wire tag of each message.
func (ErrorEvent) EventType() string                    { return "error" }
func (TaskStartedEvent) EventType() string              { return "task_started" }
func (TaskCompleteEvent) EventType() string             { return "task_complete" }
func (TokenCountEvent) EventType() string               { return "token_count" }
func (AgentMessageEvent) EventType() string             { return "agent_message" }
func (AgentMessageDeltaEvent) EventType() string        { return "agent_message_delta" }
func (AgentReasoningEvent) EventType() string           { return "agent_reasoning" }
func (AgentReasoningDeltaEvent) EventType() string      { return "agent_reasoning_delta" }
func (AgentReasoningRawContentEvent) EventType() string { return "agent_reasoning_raw_content" }
func (AgentReasoningRawContentDeltaEvent) EventType() string {
	return "agent_reasoning_raw_content_delta"
}
func (AgentReasoningSectionBreakEvent) EventType() string { return "agent_reasoning_section_break" }
func (UserMessageEvent) EventType() string                { return "user_message" }
func (SessionConfiguredEvent) EventType() string          { return "session_configured" }
func (McpToolCallBeginEvent) EventType() string           { return "mcp_tool_call_begin" }
func (McpToolCallEndEvent) EventType() string             { return "mcp_tool_call_end" }
func (ExecCommandBeginEvent) EventType() string           { return "exec_command_begin" }
func (ExecCommandOutputDeltaEvent) EventType() string     { return "exec_command_output_delta" }
func (ExecCommandEndEvent) EventType() string             { return "exec_command_end" }
func (ViewImageToolCallEvent) EventType() string          { return "view_image_tool_call" }
func (ExecApprovalRequestEvent) EventType() string        { return "exec_approval_request" }
func (ApplyPatchApprovalRequestEvent) EventType() string  { return "apply_patch_approval_request" }
func (BackgroundEvent) EventType() string                 { return "background_event" }
func (StreamErrorEvent) EventType() string                { return "stream_error" }
func (PatchApplyBeginEvent) EventType() string            { return "patch_apply_begin" }
func (PatchApplyEndEvent) EventType() string              { return "patch_apply_end" }
func (TurnDiffEvent) EventType() string                   { return "turn_diff" }
func (GetHistoryEntryResponseEvent) EventType() string    { return "get_history_entry_response" }
func (PlanUpdateEvent) EventType() string                 { return "plan_update" }
func (TurnAbortedEvent) EventType() string                { return "turn_aborted" }
func (ShutdownCompleteEvent) EventType() string           { return "shutdown_complete" }
func (ConversationPathEvent) EventType() string           { return "conversation_path" }
func (WebSearchBeginEvent) EventType() string             { return "web_search_begin" }
func (WebSearchEndEvent) EventType() string               { return "web_search_end" }
func (McpListToolsResponseEvent) EventType() string       { return "mcp_list_tools_response" }

// decodeTagged decodes data as the message type named by tag.
func decodeTagged(tag string, data []byte) (EventMsg, error) {
	switch tag {
	case "error":
		return decodeAs[ErrorEvent](data)
	case "task_started":
		return decodeAs[TaskStartedEvent](data)
	case "task_complete":
		return decodeAs[TaskCompleteEvent](data)
	case "token_count":
		return decodeAs[TokenCountEvent](data)
	case "agent_message":
		return decodeAs[AgentMessageEvent](data)
	case "agent_message_delta":
		return decodeAs[AgentMessageDeltaEvent](data)
	case "agent_reasoning":
		return decodeAs[AgentReasoningEvent](data)
	case "agent_reasoning_delta":
		return decodeAs[AgentReasoningDeltaEvent](data)
	case "agent_reasoning_raw_content":
		return decodeAs[AgentReasoningRawContentEvent](data)
	case "agent_reasoning_raw_content_delta":
		return decodeAs[AgentReasoningRawContentDeltaEvent](data)
	case "agent_reasoning_section_break":
		return decodeAs[AgentReasoningSectionBreakEvent](data)
	case "user_message":
		return decodeAs[UserMessageEvent](data)
	case "session_configured":
		return decodeAs[SessionConfiguredEvent](data)
	case "mcp_tool_call_begin":
		return decodeAs[McpToolCallBeginEvent](data)
	case "mcp_tool_call_end":
		return decodeAs[McpToolCallEndEvent](data)
	case "exec_command_begin":
		return decodeAs[ExecCommandBeginEvent](data)
	case "exec_command_output_delta":
		return decodeAs[ExecCommandOutputDeltaEvent](data)
	case "exec_command_end":
		return decodeAs[ExecCommandEndEvent](data)
	case "view_image_tool_call":
		return decodeAs[ViewImageToolCallEvent](data)
	case "exec_approval_request":
		return decodeAs[ExecApprovalRequestEvent](data)
	case "apply_patch_approval_request":
		return decodeAs[ApplyPatchApprovalRequestEvent](data)
	case "background_event":
		return decodeAs[BackgroundEvent](data)
	case "stream_error":
		return decodeAs[StreamErrorEvent](data)
	case "patch_apply_begin":
		return decodeAs[PatchApplyBeginEvent](data)
	case "patch_apply_end":
		return decodeAs[PatchApplyEndEvent](data)
	case "turn_diff":
		return decodeAs[TurnDiffEvent](data)
	case "get_history_entry_response":
		return decodeAs[GetHistoryEntryResponseEvent](data)
	case "plan_update":
		return decodeAs[PlanUpdateEvent](data)
	case "turn_aborted":
		return decodeAs[TurnAbortedEvent](data)
	case "shutdown_complete":
		return decodeAs[ShutdownCompleteEvent](data)
	case "conversation_path":
		return decodeAs[ConversationPathEvent](data)
	case "web_search_begin":
		return decodeAs[WebSearchBeginEvent](data)
	case "web_search_end":
		return decodeAs[WebSearchEndEvent](data)
	case "mcp_list_tools_response":
		return decodeAs[McpListToolsResponseEvent](data)
	}
	return UnknownEvent{Raw: append(json.RawMessage(nil), data...)}, nil
}

func decodeAs[T EventMsg](data []byte) (EventMsg, error) {
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return v, nil
}
