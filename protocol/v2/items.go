package v2

import "encoding/json"

// Item types.
const (
	// ItemUserMessage is the type of a UserMessageItem.
	ItemUserMessage = "userMessage"
	// ItemAgentMessage is the type of an AgentMessageItem.
	ItemAgentMessage = "agentMessage"
	// ItemReasoning is the type of a ReasoningItem.
	ItemReasoning = "reasoning"
	// ItemCommandExecution is the type of a CommandExecutionItem.
	ItemCommandExecution = "commandExecution"
)

// Command execution statuses. File change and MCP tool call items take the
// same values.
const (
	// CommandInProgress is the status of an item whose work has not ended.
	CommandInProgress = "inProgress"
	// CommandCompleted is the status of an item whose work succeeded.
	CommandCompleted = "completed"
	// CommandFailed is the status of an item whose work failed or was cut
	// short by the end of its turn.
	CommandFailed = "failed"
	// CommandDeclined is the status of a command or file change the user
	// declined.
	CommandDeclined = "declined"
)

// Item is one item of a thread, tagged by "type". The concrete types are
// UserMessageItem, AgentMessageItem, ReasoningItem and
// CommandExecutionItem; each reports its id.
type Item interface {
	// ItemID returns the item's id.
	ItemID() string
}

// ItemTimes are the times every item carries, in Unix milliseconds.
type ItemTimes struct {
	// StartedAtMs is when the item started, in Unix milliseconds.
	StartedAtMs *int64 `json:"startedAtMs"`
	// CompletedAtMs is when the item completed, in Unix milliseconds;
	// null until it has.
	CompletedAtMs *int64 `json:"completedAtMs"`
}

// UserMessageItem is what the user sent.
type UserMessageItem struct {
	// Type is userMessage.
	Type string `json:"type"`
	// ID is the item's id.
	ID string `json:"id"`
	// ClientID is an id the client gave the message; always null.
	ClientID *string `json:"clientId"`
	// Content is the input as the client sent it.
	Content []UserInput `json:"content"`
	// ItemTimes are when the message started and completed; it
	// completes as it starts.
	ItemTimes
}

// AgentMessageItem is a message of the model.
type AgentMessageItem struct {
	// Type is agentMessage.
	Type string `json:"type"`
	// Moderation is a moderation verdict on the message; always null.
	Moderation json.RawMessage `json:"moderation"`
	// ID is the model provider's id of the message, or a new id when it
	// gave none.
	ID string `json:"id"`
	// Text is the message: empty in item/started, whole in item/completed;
	// item/agentMessage/delta carries it in between.
	Text string `json:"text"`
	// Phase is the phase of the turn the message belongs to; always null.
	Phase *string `json:"phase"`
	// MemoryCitation cites stored memories the message used; always null.
	MemoryCitation json.RawMessage `json:"memoryCitation"`
	// Delivery says how the message is to be delivered; always null.
	Delivery *string `json:"delivery"`
	// Questions are questions the message puts to the user; always null.
	Questions json.RawMessage `json:"questions"`
	// ItemTimes are when the message started and completed.
	ItemTimes
}

// ReasoningItem is the model's reasoning: the summary parts and the raw
// text parts.
type ReasoningItem struct {
	// Type is reasoning.
	Type string `json:"type"`
	// ID is the model provider's id of the reasoning, or a new id when it
	// gave none.
	ID string `json:"id"`
	// Summary are the parts of the reasoning's summary, possibly none.
	Summary []string `json:"summary"`
	// Content are the parts of the raw reasoning text, possibly none.
	Content []string `json:"content"`
	// ItemTimes are when the reasoning started and completed.
	ItemTimes
}

// CommandAction is what a command was parsed to do: read a file, list
// files, search, or unknown.
type CommandAction struct {
	// Type is read, listFiles, search or unknown.
	Type string `json:"type"`
	// Command is the part of the command line the action was parsed from.
	Command string `json:"command"`
	// Name is the name of the file read; read only.
	Name string `json:"name,omitempty"`
	// Path is the file read, or the path listed or searched when the
	// command names one.
	Path *string `json:"path,omitempty"`
	// Query is the pattern searched for, when known; search only.
	Query *string `json:"query,omitempty"`
}

// CommandExecutionItem is a command the model ran, or asked to run.
type CommandExecutionItem struct {
	// Type is commandExecution.
	Type string `json:"type"`
	// ID is the model's call id of the command.
	ID string `json:"id"`
	// PluginID is the plugin that ran the command; always null.
	PluginID *string `json:"pluginId"`
	// ScriptPath is the script the command runs; always null.
	ScriptPath *string `json:"scriptPath"`
	// Command is the command line, its words quoted for a POSIX shell
	// where needed.
	Command string `json:"command"`
	// Cwd is the directory the command runs in.
	Cwd string `json:"cwd"`
	// ProcessID is the id of the command's process; always null.
	ProcessID *string `json:"processId"`
	// Source is what asked for the command; always "agent", the model.
	Source string `json:"source"`
	// Status is inProgress, completed (exit code 0), failed or declined.
	Status string `json:"status"`
	// CommandActions are what the command was parsed to do, possibly
	// none.
	CommandActions []CommandAction `json:"commandActions"`
	// AggregatedOutput is the command's standard output and standard error
	// interleaved; null until it has finished, and for a command declined
	// or cut short by the end of its turn.
	AggregatedOutput *string `json:"aggregatedOutput"`
	// ExitCode is the command's exit status; null as the output is.
	ExitCode *int `json:"exitCode"`
	// DurationMs is how long the command ran, in milliseconds; null as the
	// output is.
	DurationMs *int64 `json:"durationMs"`
	// ItemTimes are when the command started and completed.
	ItemTimes
}

// ItemID implements Item.
func (i UserMessageItem) ItemID() string { return i.ID }

// ItemID implements Item.
func (i AgentMessageItem) ItemID() string { return i.ID }

// ItemID implements Item.
func (i ReasoningItem) ItemID() string { return i.ID }

// ItemID implements Item.
func (i CommandExecutionItem) ItemID() string { return i.ID }

// ThreadStartedNotification announces a thread.
type ThreadStartedNotification struct {
	// Thread is the new thread, as the answer to thread/start gave it.
	Thread Thread `json:"thread"`
}

// ThreadStatusChangedNotification reports a thread's new status.
type ThreadStatusChangedNotification struct {
	// ThreadID is the thread whose status changed.
	ThreadID string `json:"threadId"`
	// Status is the thread's new status.
	Status ThreadStatus `json:"status"`
}

// TurnNotification is the params of turn/started and turn/completed.
type TurnNotification struct {
	// ThreadID is the thread the turn belongs to.
	ThreadID string `json:"threadId"`
	// Turn is the turn: in progress in turn/started, in its final state in
	// turn/completed.
	Turn Turn `json:"turn"`
}

// ItemStartedNotification announces an item.
type ItemStartedNotification struct {
	// Item is the item as it starts.
	Item Item `json:"item"`
	// ThreadID is the thread the item belongs to.
	ThreadID string `json:"threadId"`
	// TurnID is the turn the item belongs to.
	TurnID string `json:"turnId"`
	// StartedAtMs is when the item started, in Unix milliseconds.
	StartedAtMs int64 `json:"startedAtMs"`
}

// ItemCompletedNotification reports an item in its final state.
type ItemCompletedNotification struct {
	// Item is the item in its final state.
	Item Item `json:"item"`
	// ThreadID is the thread the item belongs to.
	ThreadID string `json:"threadId"`
	// TurnID is the turn the item belongs to.
	TurnID string `json:"turnId"`
	// ContentTokenCount is the size of the item's content in tokens;
	// always null.
	ContentTokenCount *int64 `json:"contentTokenCount"`
	// CompletedAtMs is when the item completed, in Unix milliseconds.
	CompletedAtMs int64 `json:"completedAtMs"`
}

// DeltaNotification is the params of the item delta notifications (agent
// message text, command output, reasoning text).
type DeltaNotification struct {
	// ThreadID is the thread the item belongs to.
	ThreadID string `json:"threadId"`
	// TurnID is the turn the item belongs to.
	TurnID string `json:"turnId"`
	// ItemID is the item the delta extends.
	ItemID string `json:"itemId"`
	// Delta is the text or output that follows what was sent before.
	Delta string `json:"delta"`
}

// TokenUsageBreakdown counts tokens.
type TokenUsageBreakdown struct {
	// TotalTokens is the input plus the output tokens.
	TotalTokens int64 `json:"totalTokens"`
	// InputTokens is the size of the prompts.
	InputTokens int64 `json:"inputTokens"`
	// CachedInputTokens is the part of the input served from the
	// provider's cache.
	CachedInputTokens int64 `json:"cachedInputTokens"`
	// CacheWriteInputTokens is the part of the input written to the
	// provider's cache; always 0, as the server does not count it.
	CacheWriteInputTokens int64 `json:"cacheWriteInputTokens"`
	// OutputTokens is the size of what the model generated.
	OutputTokens int64 `json:"outputTokens"`
	// ReasoningOutputTokens is the part of the output spent reasoning.
	ReasoningOutputTokens int64 `json:"reasoningOutputTokens"`
}

// ThreadTokenUsage is the usage of a thread: in all and in the last model
// request.
type ThreadTokenUsage struct {
	// Total sums every model request of the thread so far.
	Total TokenUsageBreakdown `json:"total"`
	// Last counts the latest model request.
	Last TokenUsageBreakdown `json:"last"`
	// ModelContextWindow is the model's context size in tokens; null when
	// unknown.
	ModelContextWindow *int64 `json:"modelContextWindow"`
}

// TokenUsageUpdatedNotification reports a thread's token usage.
type TokenUsageUpdatedNotification struct {
	// ThreadID is the thread whose usage changed.
	ThreadID string `json:"threadId"`
	// TurnID is the turn whose model request was counted.
	TurnID string `json:"turnId"`
	// TokenUsage is the thread's usage now.
	TokenUsage ThreadTokenUsage `json:"tokenUsage"`
}

// ErrorNotification reports an error of a turn.
type ErrorNotification struct {
	// Error says what went wrong.
	Error TurnError `json:"error"`
	// WillRetry is set when the failed model request is tried again and
	// the turn goes on; unset when the error fails the turn.
	WillRetry bool `json:"willRetry"`
	// ThreadID is the thread of the turn.
	ThreadID string `json:"threadId"`
	// TurnID is the turn the error belongs to.
	TurnID string `json:"turnId"`
}

// ServerRequestResolvedNotification says a server request was answered or
// became moot.
type ServerRequestResolvedNotification struct {
	// ThreadID is the thread the request was about.
	ThreadID string `json:"threadId"`
	// RequestID is the JSON-RPC id of the server request, as the request
	// carried it.
	RequestID json.RawMessage `json:"requestId"`
}

// CommandExecutionRequestApprovalParams ask whether a command may run.
type CommandExecutionRequestApprovalParams struct {
	// Kind is what is to be approved; always "command".
	Kind string `json:"kind"`
	// ThreadID is the thread of the command.
	ThreadID string `json:"threadId"`
	// TurnID is the turn of the command.
	TurnID string `json:"turnId"`
	// ItemID is the id of the command's commandExecution item.
	ItemID string `json:"itemId"`
	// StartedAtMs is when approval was asked for, in Unix milliseconds.
	StartedAtMs int64 `json:"startedAtMs"`
	// EnvironmentID is where the command would run; always "local".
	EnvironmentID string `json:"environmentId"`
	// Reason is why the command needs approval, absent when none was
	// given.
	Reason *string `json:"reason,omitempty"`
	// Command is the command line, as the item shows it.
	Command string `json:"command"`
	// Cwd is the directory the command would run in.
	Cwd string `json:"cwd"`
	// CommandActions are what the command was parsed to do.
	CommandActions []CommandAction `json:"commandActions"`
	// AvailableDecisions are the decisions the client may answer with:
	// accept, acceptForSession, decline and cancel.
	AvailableDecisions []string `json:"availableDecisions"`
}

// Approval decisions of v2.
const (
	// DecisionAccept lets the command run, or the patch apply, this once.
	DecisionAccept = "accept"
	// DecisionAcceptForSession accepts, and the same command is not asked
	// about again in this thread.
	DecisionAcceptForSession = "acceptForSession"
	// DecisionDecline refuses; the model is told and the turn goes on.
	DecisionDecline = "decline"
	// DecisionCancel refuses and ends the turn.
	DecisionCancel = "cancel"
)

// ApprovalAnswer is the client's answer to an approval request. A
// decision may be a string or, for decisions this server does not offer,
// an object.
type ApprovalAnswer struct {
	// Decision is accept, acceptForSession, decline or cancel; anything
	// else declines.
	Decision ApprovalDecision `json:"decision"`
}

// ApprovalDecision is the decision of an approval answer as it was sent:
// one of the decision strings or, for decisions this server does not
// offer, an object.
type ApprovalDecision json.RawMessage

// MarshalJSON writes the decision as it was sent (null when unset).
func (d ApprovalDecision) MarshalJSON() ([]byte, error) {
	if len(d) == 0 {
		return []byte("null"), nil
	}
	return d, nil
}

// UnmarshalJSON keeps the decision as it was sent.
func (d *ApprovalDecision) UnmarshalJSON(data []byte) error {
	*d = append((*d)[:0], data...)
	return nil
}

// ItemFileChange is the type of a file change item.
const ItemFileChange = "fileChange"

// More server notifications and requests.
const (
	// NotificationReasoningSummaryPartAdded opens the next part of a
	// reasoning item's summary.
	NotificationReasoningSummaryPartAdded = "item/reasoning/summaryPartAdded"
	// NotificationTurnDiffUpdated carries the turn's whole diff so far.
	NotificationTurnDiffUpdated = "turn/diff/updated"
	// NotificationTurnPlanUpdated carries the model's updated plan.
	NotificationTurnPlanUpdated = "turn/plan/updated"
	// MethodFileChangeRequestApproval asks whether a patch may be applied.
	MethodFileChangeRequestApproval = "item/fileChange/requestApproval"
)

// FileChangeKind says what a change does to its file: add, delete, or
// update (with the new path of a move).
type FileChangeKind struct {
	// Type is add, delete or update.
	Type string `json:"type"`
	// MovePath is the file's new path when an update moves it; absent
	// otherwise.
	MovePath *string `json:"move_path,omitempty"`
}

// FileUpdateChange is one file of a file change item: for an added or
// deleted file the diff is its content, for an update a unified diff.
type FileUpdateChange struct {
	// Path is the file's path.
	Path string `json:"path"`
	// Kind is what the change does to the file.
	Kind FileChangeKind `json:"kind"`
	// Diff is the content of an added or deleted file, or the unified
	// diff of an update.
	Diff string `json:"diff"`
}

// FileChangeItem is a patch the model applied, or asked to apply.
type FileChangeItem struct {
	// Type is fileChange.
	Type string `json:"type"`
	// ID is the model's call id of the patch.
	ID string `json:"id"`
	// Changes are the patch's files, ordered by path.
	Changes []FileUpdateChange `json:"changes"`
	// Status is inProgress, completed, failed or declined.
	Status string `json:"status"`
	// ItemTimes are when the patch started and completed.
	ItemTimes
}

// ItemID implements Item.
func (i FileChangeItem) ItemID() string { return i.ID }

// SummaryPartNotification is the params of item/reasoning/summaryPartAdded.
type SummaryPartNotification struct {
	// ThreadID is the thread the item belongs to.
	ThreadID string `json:"threadId"`
	// TurnID is the turn the item belongs to.
	TurnID string `json:"turnId"`
	// ItemID is the reasoning item.
	ItemID string `json:"itemId"`
	// SummaryIndex is the index of the new part, from 0.
	SummaryIndex int `json:"summaryIndex"`
}

// SummaryDeltaNotification is the params of
// item/reasoning/summaryTextDelta.
type SummaryDeltaNotification struct {
	// ThreadID is the thread the item belongs to.
	ThreadID string `json:"threadId"`
	// TurnID is the turn the item belongs to.
	TurnID string `json:"turnId"`
	// ItemID is the reasoning item.
	ItemID string `json:"itemId"`
	// Delta is the text that follows what the part held before.
	Delta string `json:"delta"`
	// SummaryIndex is the index of the summary part the delta extends.
	SummaryIndex int `json:"summaryIndex"`
}

// ReasoningTextDeltaNotification is the params of item/reasoning/textDelta.
type ReasoningTextDeltaNotification struct {
	// ThreadID is the thread the item belongs to.
	ThreadID string `json:"threadId"`
	// TurnID is the turn the item belongs to.
	TurnID string `json:"turnId"`
	// ItemID is the reasoning item.
	ItemID string `json:"itemId"`
	// Delta is the text that follows what the part held before.
	Delta string `json:"delta"`
	// ContentIndex is the index of the raw text part the delta extends;
	// always 0, as the raw text comes in one part.
	ContentIndex int `json:"contentIndex"`
}

// TurnDiffNotification carries the turn's whole diff so far.
type TurnDiffNotification struct {
	// ThreadID is the thread of the turn.
	ThreadID string `json:"threadId"`
	// TurnID is the turn whose files changed.
	TurnID string `json:"turnId"`
	// Diff is the unified diff of every file the turn changed so far.
	Diff string `json:"diff"`
}

// PlanStep is one step of the model's plan; status is pending, inProgress
// or completed.
type PlanStep struct {
	// Step says what the step does.
	Step string `json:"step"`
	// Status is pending, inProgress or completed.
	Status string `json:"status"`
}

// TurnPlanNotification carries the model's updated plan.
type TurnPlanNotification struct {
	// ThreadID is the thread of the turn.
	ThreadID string `json:"threadId"`
	// TurnID is the turn the plan belongs to.
	TurnID string `json:"turnId"`
	// Explanation is the model's note on the plan, null when it gave
	// none.
	Explanation *string `json:"explanation"`
	// Plan is the steps, in order.
	Plan []PlanStep `json:"plan"`
}

// FileChangeRequestApprovalParams ask whether a patch may be applied.
type FileChangeRequestApprovalParams struct {
	// ThreadID is the thread of the patch.
	ThreadID string `json:"threadId"`
	// TurnID is the turn of the patch.
	TurnID string `json:"turnId"`
	// ItemID is the id of the patch's fileChange item, sent before the
	// request.
	ItemID string `json:"itemId"`
	// StartedAtMs is when approval was asked for, in Unix milliseconds.
	StartedAtMs int64 `json:"startedAtMs"`
	// Reason is why the patch needs approval, null when none was given.
	Reason *string `json:"reason"`
	// GrantRoot is a directory the patch asks write access below for the
	// rest of the thread, null when it asks for none.
	GrantRoot *string `json:"grantRoot"`
}

// More item types.
const (
	// ItemMcpToolCall is the type of an McpToolCallItem.
	ItemMcpToolCall = "mcpToolCall"
	// ItemWebSearch is the type of a WebSearchItem.
	ItemWebSearch = "webSearch"
	// ItemImageView is the type of an ImageViewItem.
	ItemImageView = "imageView"
)

// McpToolCallItem is a call of a tool of an MCP server; status is
// inProgress, completed or failed.
type McpToolCallItem struct {
	// Type is mcpToolCall.
	Type string `json:"type"`
	// ID is the model's call id of the tool call.
	ID string `json:"id"`
	// Server is the configured name of the MCP server.
	Server string `json:"server"`
	// Tool is the name of the tool on that server.
	Tool string `json:"tool"`
	// Status is inProgress, completed or failed.
	Status string `json:"status"`
	// Arguments are the call's arguments as the model gave them, null
	// when it gave none.
	Arguments json.RawMessage `json:"arguments"`
	// Result is the tool's result, also when the tool reports an error;
	// null while the call runs and when it brought no result.
	Result json.RawMessage `json:"result"`
	// Error says why the call could not be made; null otherwise.
	Error *McpToolCallFail `json:"error"`
	// DurationMs is how long the call took, in milliseconds; null while it
	// runs and for a call cut short by the end of its turn.
	DurationMs *int64 `json:"durationMs"`
	// ItemTimes are when the call started and completed.
	ItemTimes
}

// McpToolCallFail says why an MCP tool call failed.
type McpToolCallFail struct {
	// Message says what went wrong.
	Message string `json:"message"`
}

// WebSearchItem is a web search of the model.
type WebSearchItem struct {
	// Type is webSearch.
	Type string `json:"type"`
	// ID is the model's call id of the search.
	ID string `json:"id"`
	// Query is what was searched for: empty in item/started, set in
	// item/completed.
	Query string `json:"query"`
	// ItemTimes are when the search started and completed; in
	// item/completed both are the completion time.
	ItemTimes
}

// ImageViewItem is an image the model looked at.
type ImageViewItem struct {
	// Type is imageView.
	Type string `json:"type"`
	// ID is the model's call id of the viewing.
	ID string `json:"id"`
	// Path is the image file.
	Path string `json:"path"`
	// ItemTimes are when the viewing started and completed; it completes
	// as it starts.
	ItemTimes
}

// ItemID implements Item.
func (i McpToolCallItem) ItemID() string { return i.ID }

// ItemID implements Item.
func (i WebSearchItem) ItemID() string { return i.ID }

// ItemID implements Item.
func (i ImageViewItem) ItemID() string { return i.ID }

// MethodTurnSteer adds input to the running turn.
const MethodTurnSteer = "turn/steer"

// TurnSteerParams are the params of turn/steer.
type TurnSteerParams struct {
	// ThreadID is the thread whose running turn gets the input.
	ThreadID string `json:"threadId"`
	// ExpectedTurnID is the turn the client believes is running; the
	// request fails when another turn, or none, runs.
	ExpectedTurnID string `json:"expectedTurnId"`
	// Input is what the user adds.
	Input []UserInput `json:"input"`
}

// TurnSteerResponse answers turn/steer with the turn the input joined.
type TurnSteerResponse struct {
	// TurnID is the running turn the input joined.
	TurnID string `json:"turnId"`
}
