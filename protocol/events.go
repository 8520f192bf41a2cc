package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
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
	// Kind classifies a failed model request (see client.ErrorKind); it is
	// not part of the 0.45 wire, and the v2 protocol reports it as
	// codexErrorInfo.
	Kind string `json:"-"`
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
	// ItemID is the provider's id of the output item, when it gives one;
	// not part of the 0.45 wire (the v2 protocol uses it as the item id).
	ItemID string `json:"-"`
}

// AgentMessageDeltaEvent is a piece of a streaming assistant message.
type AgentMessageDeltaEvent struct {
	// Delta is the new text.
	Delta string `json:"delta"`
	// ItemID is the provider's id of the output item, when it gives one;
	// not part of the 0.45 wire (the v2 protocol uses it as the item id).
	ItemID string `json:"-"`
}

// AgentReasoningEvent is a complete reasoning summary paragraph.
type AgentReasoningEvent struct {
	// Text is the paragraph.
	Text string `json:"text"`
	// ItemID is the provider's id of the output item, when it gives one;
	// not part of the 0.45 wire (the v2 protocol uses it as the item id).
	ItemID string `json:"-"`
}

// AgentReasoningDeltaEvent is a piece of a streaming reasoning summary.
type AgentReasoningDeltaEvent struct {
	// Delta is the new text.
	Delta string `json:"delta"`
	// ItemID is the provider's id of the output item, when it gives one;
	// not part of the 0.45 wire (the v2 protocol uses it as the item id).
	ItemID string `json:"-"`
}

// AgentReasoningRawContentEvent is complete raw reasoning text.
type AgentReasoningRawContentEvent struct {
	// Text is the reasoning.
	Text string `json:"text"`
	// ItemID is the provider's id of the output item, when it gives one;
	// not part of the 0.45 wire (the v2 protocol uses it as the item id).
	ItemID string `json:"-"`
}

// AgentReasoningRawContentDeltaEvent is a piece of raw reasoning text.
type AgentReasoningRawContentDeltaEvent struct {
	// Delta is the new text.
	Delta string `json:"delta"`
	// ItemID is the provider's id of the output item, when it gives one;
	// not part of the 0.45 wire (the v2 protocol uses it as the item id).
	ItemID string `json:"-"`
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

// MarshalJSON writes the members of pc's kind as codex-cli 0.45 does: a
// read has name, a list_files has path and a search has query and path,
// those two written as null when unknown; an unknown has cmd alone.
func (pc ParsedCommand) MarshalJSON() ([]byte, error) {
	type nullable struct {
		Type  string  `json:"type"`
		Cmd   string  `json:"cmd"`
		Query *string `json:"query"`
		Path  *string `json:"path"`
	}
	switch pc.Type {
	case "search":
		return Marshal(nullable{Type: pc.Type, Cmd: pc.Cmd, Query: pc.Query, Path: pc.Path})
	case "list_files":
		return Marshal(struct {
			Type string  `json:"type"`
			Cmd  string  `json:"cmd"`
			Path *string `json:"path"`
		}{pc.Type, pc.Cmd, pc.Path})
	}
	type plain ParsedCommand
	return Marshal(plain(pc))
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
	// AwaitsApproval is set when an approval request for the command
	// follows. It is not part of the wire: front ends use it to order
	// what they show.
	AwaitsApproval bool `json:"-"`
	// UserShell is set for a command the user typed (see
	// RunUserShellCommandOp) rather than one the model asked for. It is
	// not part of the wire.
	UserShell bool `json:"-"`
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

// ContextCompactionBeginEvent reports that the conversation's history is
// being summarised by the model, on request or because the context window
// is filling up; a context_compacted event (or the end of the turn, when
// the summary could not be made) follows.
type ContextCompactionBeginEvent struct{}

// ContextCompactedEvent reports that the history was replaced by a summary
// of it: later model requests start from the summary.
type ContextCompactedEvent struct{}

// EnteredReviewModeEvent reports that a review turn started; it carries
// the review request.
type EnteredReviewModeEvent struct {
	ReviewRequest
}

// ExitedReviewModeEvent reports that a review turn ended, with what the
// reviewer found (null when the review stopped before it finished).
type ExitedReviewModeEvent struct {
	// ReviewOutput is the review.
	ReviewOutput *ReviewOutput `json:"review_output"`
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

// McpStartupUpdateEvent reports a change in the start-up of one configured
// MCP server. It is not sent to 0.45 app-server clients, whose protocol
// has no such event; v2 clients see it as mcpServer/startupStatus/updated.
type McpStartupUpdateEvent struct {
	// Server is the configured server name.
	Server string `json:"server"`
	// Status is the server's new state.
	Status McpStartupStatus `json:"status"`
}

// McpStartupStatus is the state of an MCP server's start-up.
type McpStartupStatus struct {
	// State is McpStartupStarting, McpStartupReady or McpStartupFailed.
	State string `json:"state"`
	// Error says why the start-up failed (McpStartupFailed only).
	Error string `json:"error,omitempty"`
}

// The states of McpStartupStatus.
const (
	// McpStartupStarting: the server is being launched or connected to.
	McpStartupStarting = "starting"
	// McpStartupReady: the server's tools are available.
	McpStartupReady = "ready"
	// McpStartupFailed: the server could not be started.
	McpStartupFailed = "failed"
)

// The event types: the "type" tag of each event message on the wire.
const (
	// EventTypeError tags ErrorEvent.
	EventTypeError = "error"
	// EventTypeTaskStarted tags TaskStartedEvent.
	EventTypeTaskStarted = "task_started"
	// EventTypeTaskComplete tags TaskCompleteEvent.
	EventTypeTaskComplete = "task_complete"
	// EventTypeTokenCount tags TokenCountEvent.
	EventTypeTokenCount = "token_count"
	// EventTypeAgentMessage tags AgentMessageEvent.
	EventTypeAgentMessage = "agent_message"
	// EventTypeAgentMessageDelta tags AgentMessageDeltaEvent.
	EventTypeAgentMessageDelta = "agent_message_delta"
	// EventTypeAgentReasoning tags AgentReasoningEvent.
	EventTypeAgentReasoning = "agent_reasoning"
	// EventTypeAgentReasoningDelta tags AgentReasoningDeltaEvent.
	EventTypeAgentReasoningDelta = "agent_reasoning_delta"
	// EventTypeAgentReasoningRawContent tags AgentReasoningRawContentEvent.
	EventTypeAgentReasoningRawContent = "agent_reasoning_raw_content"
	// EventTypeAgentReasoningRawContentDelta tags AgentReasoningRawContentDeltaEvent.
	EventTypeAgentReasoningRawContentDelta = "agent_reasoning_raw_content_delta"
	// EventTypeAgentReasoningSectionBreak tags AgentReasoningSectionBreakEvent.
	EventTypeAgentReasoningSectionBreak = "agent_reasoning_section_break"
	// EventTypeUserMessage tags UserMessageEvent.
	EventTypeUserMessage = "user_message"
	// EventTypeSessionConfigured tags SessionConfiguredEvent.
	EventTypeSessionConfigured = "session_configured"
	// EventTypeMcpToolCallBegin tags McpToolCallBeginEvent.
	EventTypeMcpToolCallBegin = "mcp_tool_call_begin"
	// EventTypeMcpToolCallEnd tags McpToolCallEndEvent.
	EventTypeMcpToolCallEnd = "mcp_tool_call_end"
	// EventTypeExecCommandBegin tags ExecCommandBeginEvent.
	EventTypeExecCommandBegin = "exec_command_begin"
	// EventTypeExecCommandOutputDelta tags ExecCommandOutputDeltaEvent.
	EventTypeExecCommandOutputDelta = "exec_command_output_delta"
	// EventTypeExecCommandEnd tags ExecCommandEndEvent.
	EventTypeExecCommandEnd = "exec_command_end"
	// EventTypeViewImageToolCall tags ViewImageToolCallEvent.
	EventTypeViewImageToolCall = "view_image_tool_call"
	// EventTypeExecApprovalRequest tags ExecApprovalRequestEvent.
	EventTypeExecApprovalRequest = "exec_approval_request"
	// EventTypeApplyPatchApprovalRequest tags ApplyPatchApprovalRequestEvent.
	EventTypeApplyPatchApprovalRequest = "apply_patch_approval_request"
	// EventTypeBackgroundEvent tags BackgroundEvent.
	EventTypeBackgroundEvent = "background_event"
	// EventTypeStreamError tags StreamErrorEvent.
	EventTypeStreamError = "stream_error"
	// EventTypePatchApplyBegin tags PatchApplyBeginEvent.
	EventTypePatchApplyBegin = "patch_apply_begin"
	// EventTypePatchApplyEnd tags PatchApplyEndEvent.
	EventTypePatchApplyEnd = "patch_apply_end"
	// EventTypeTurnDiff tags TurnDiffEvent.
	EventTypeTurnDiff = "turn_diff"
	// EventTypeGetHistoryEntryResponse tags GetHistoryEntryResponseEvent.
	EventTypeGetHistoryEntryResponse = "get_history_entry_response"
	// EventTypePlanUpdate tags PlanUpdateEvent.
	EventTypePlanUpdate = "plan_update"
	// EventTypeTurnAborted tags TurnAbortedEvent.
	EventTypeTurnAborted = "turn_aborted"
	// EventTypeShutdownComplete tags ShutdownCompleteEvent.
	EventTypeShutdownComplete = "shutdown_complete"
	// EventTypeConversationPath tags ConversationPathEvent.
	EventTypeConversationPath = "conversation_path"
	// EventTypeWebSearchBegin tags WebSearchBeginEvent.
	EventTypeWebSearchBegin = "web_search_begin"
	// EventTypeWebSearchEnd tags WebSearchEndEvent.
	EventTypeWebSearchEnd = "web_search_end"
	// EventTypeMcpListToolsResponse tags McpListToolsResponseEvent.
	EventTypeMcpListToolsResponse = "mcp_list_tools_response"
	// EventTypeMcpStartupUpdate tags McpStartupUpdateEvent.
	EventTypeMcpStartupUpdate = "mcp_startup_update"
	// EventTypeContextCompactionBegin tags ContextCompactionBeginEvent.
	EventTypeContextCompactionBegin = "context_compaction_begin"
	// EventTypeContextCompacted tags ContextCompactedEvent.
	EventTypeContextCompacted = "context_compacted"
	// EventTypeEnteredReviewMode tags EnteredReviewModeEvent.
	EventTypeEnteredReviewMode = "entered_review_mode"
	// EventTypeExitedReviewMode tags ExitedReviewModeEvent.
	EventTypeExitedReviewMode = "exited_review_mode"
	// EventTypeElicitationRequest tags ElicitationRequestEvent.
	EventTypeElicitationRequest = "elicitation_request"
)

// EventMessages returns a zero value of every event message type, in the
// order the JSON Schema lists them. It is the one list that decoding (see
// DecodeEventMsg) and the schema's event documents are derived from; a new
// event type needs a line here and an EventType method.
func EventMessages() []EventMsg {
	return []EventMsg{
		ErrorEvent{},
		TaskStartedEvent{},
		TaskCompleteEvent{},
		TokenCountEvent{},
		AgentMessageEvent{},
		AgentMessageDeltaEvent{},
		AgentReasoningEvent{},
		AgentReasoningDeltaEvent{},
		AgentReasoningRawContentEvent{},
		AgentReasoningRawContentDeltaEvent{},
		AgentReasoningSectionBreakEvent{},
		UserMessageEvent{},
		SessionConfiguredEvent{},
		McpToolCallBeginEvent{},
		McpToolCallEndEvent{},
		ExecCommandBeginEvent{},
		ExecCommandOutputDeltaEvent{},
		ExecCommandEndEvent{},
		ViewImageToolCallEvent{},
		ExecApprovalRequestEvent{},
		ApplyPatchApprovalRequestEvent{},
		BackgroundEvent{},
		StreamErrorEvent{},
		PatchApplyBeginEvent{},
		PatchApplyEndEvent{},
		TurnDiffEvent{},
		GetHistoryEntryResponseEvent{},
		PlanUpdateEvent{},
		TurnAbortedEvent{},
		ShutdownCompleteEvent{},
		ConversationPathEvent{},
		WebSearchBeginEvent{},
		WebSearchEndEvent{},
		McpListToolsResponseEvent{},
		McpStartupUpdateEvent{},
		ContextCompactionBeginEvent{},
		ContextCompactedEvent{},
		EnteredReviewModeEvent{},
		ExitedReviewModeEvent{},
		ElicitationRequestEvent{},
	}
}

// EventType implementations: the wire tag of each message.
func (ErrorEvent) EventType() string                    { return EventTypeError }
func (TaskStartedEvent) EventType() string              { return EventTypeTaskStarted }
func (TaskCompleteEvent) EventType() string             { return EventTypeTaskComplete }
func (TokenCountEvent) EventType() string               { return EventTypeTokenCount }
func (AgentMessageEvent) EventType() string             { return EventTypeAgentMessage }
func (AgentMessageDeltaEvent) EventType() string        { return EventTypeAgentMessageDelta }
func (AgentReasoningEvent) EventType() string           { return EventTypeAgentReasoning }
func (AgentReasoningDeltaEvent) EventType() string      { return EventTypeAgentReasoningDelta }
func (AgentReasoningRawContentEvent) EventType() string { return EventTypeAgentReasoningRawContent }
func (AgentReasoningRawContentDeltaEvent) EventType() string {
	return EventTypeAgentReasoningRawContentDelta
}
func (AgentReasoningSectionBreakEvent) EventType() string { return EventTypeAgentReasoningSectionBreak }
func (UserMessageEvent) EventType() string                { return EventTypeUserMessage }
func (SessionConfiguredEvent) EventType() string          { return EventTypeSessionConfigured }
func (McpToolCallBeginEvent) EventType() string           { return EventTypeMcpToolCallBegin }
func (McpToolCallEndEvent) EventType() string             { return EventTypeMcpToolCallEnd }
func (ExecCommandBeginEvent) EventType() string           { return EventTypeExecCommandBegin }
func (ExecCommandOutputDeltaEvent) EventType() string     { return EventTypeExecCommandOutputDelta }
func (ExecCommandEndEvent) EventType() string             { return EventTypeExecCommandEnd }
func (ViewImageToolCallEvent) EventType() string          { return EventTypeViewImageToolCall }
func (ExecApprovalRequestEvent) EventType() string        { return EventTypeExecApprovalRequest }
func (ApplyPatchApprovalRequestEvent) EventType() string  { return EventTypeApplyPatchApprovalRequest }
func (BackgroundEvent) EventType() string                 { return EventTypeBackgroundEvent }
func (StreamErrorEvent) EventType() string                { return EventTypeStreamError }
func (PatchApplyBeginEvent) EventType() string            { return EventTypePatchApplyBegin }
func (PatchApplyEndEvent) EventType() string              { return EventTypePatchApplyEnd }
func (TurnDiffEvent) EventType() string                   { return EventTypeTurnDiff }
func (GetHistoryEntryResponseEvent) EventType() string    { return EventTypeGetHistoryEntryResponse }
func (PlanUpdateEvent) EventType() string                 { return EventTypePlanUpdate }
func (TurnAbortedEvent) EventType() string                { return EventTypeTurnAborted }
func (ShutdownCompleteEvent) EventType() string           { return EventTypeShutdownComplete }
func (ConversationPathEvent) EventType() string           { return EventTypeConversationPath }
func (WebSearchBeginEvent) EventType() string             { return EventTypeWebSearchBegin }
func (WebSearchEndEvent) EventType() string               { return EventTypeWebSearchEnd }
func (McpListToolsResponseEvent) EventType() string       { return EventTypeMcpListToolsResponse }
func (McpStartupUpdateEvent) EventType() string           { return EventTypeMcpStartupUpdate }
func (ContextCompactionBeginEvent) EventType() string     { return EventTypeContextCompactionBegin }
func (ContextCompactedEvent) EventType() string           { return EventTypeContextCompacted }
func (EnteredReviewModeEvent) EventType() string          { return EventTypeEnteredReviewMode }
func (ExitedReviewModeEvent) EventType() string           { return EventTypeExitedReviewMode }

// eventTypes maps every event type of EventMessages to its Go type. It is
// built once and never modified.
var eventTypes = sync.OnceValue(func() map[string]reflect.Type {
	msgs := EventMessages()
	out := make(map[string]reflect.Type, len(msgs))
	for _, m := range msgs {
		out[m.EventType()] = reflect.TypeOf(m)
	}
	return out
})

// decodeTagged decodes data as the message type named by tag. Unknown tags
// decode to UnknownEvent.
func decodeTagged(tag string, data []byte) (EventMsg, error) {
	t, ok := eventTypes()[tag]
	if !ok {
		return UnknownEvent{Raw: append(json.RawMessage(nil), data...)}, nil
	}
	v := reflect.New(t)
	if err := json.Unmarshal(data, v.Interface()); err != nil {
		return nil, err
	}
	return v.Elem().Interface().(EventMsg), nil
}
