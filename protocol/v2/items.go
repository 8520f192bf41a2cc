package v2

import "encoding/json"

// Item types.
const (
	ItemUserMessage      = "userMessage"
	ItemAgentMessage     = "agentMessage"
	ItemReasoning        = "reasoning"
	ItemCommandExecution = "commandExecution"
)

// Command execution statuses.
const (
	CommandInProgress = "inProgress"
	CommandCompleted  = "completed"
	CommandFailed     = "failed"
	CommandDeclined   = "declined"
)

// Item is one item of a thread, tagged by "type". The concrete types are
// UserMessageItem, AgentMessageItem, ReasoningItem and
// CommandExecutionItem; each reports its id.
type Item interface {
	ItemID() string
}

// ItemTimes are the times every item carries, in Unix milliseconds.
type ItemTimes struct {
	StartedAtMs   *int64 `json:"startedAtMs"`
	CompletedAtMs *int64 `json:"completedAtMs"`
}

// UserMessageItem is what the user sent.
type UserMessageItem struct {
	Type     string      `json:"type"`
	ID       string      `json:"id"`
	ClientID *string     `json:"clientId"`
	Content  []UserInput `json:"content"`
	ItemTimes
}

// AgentMessageItem is a message of the model.
type AgentMessageItem struct {
	Type           string          `json:"type"`
	Moderation     json.RawMessage `json:"moderation"`
	ID             string          `json:"id"`
	Text           string          `json:"text"`
	Phase          *string         `json:"phase"`
	MemoryCitation json.RawMessage `json:"memoryCitation"`
	Delivery       *string         `json:"delivery"`
	Questions      json.RawMessage `json:"questions"`
	ItemTimes
}

// ReasoningItem is the model's reasoning: the summary parts and the raw
// text parts.
type ReasoningItem struct {
	Type    string   `json:"type"`
	ID      string   `json:"id"`
	Summary []string `json:"summary"`
	Content []string `json:"content"`
	ItemTimes
}

// CommandAction is what a command was parsed to do: read a file, list
// files, search, or unknown.
type CommandAction struct {
	Type    string  `json:"type"`
	Command string  `json:"command"`
	Name    string  `json:"name,omitempty"`
	Path    *string `json:"path,omitempty"`
	Query   *string `json:"query,omitempty"`
}

// CommandExecutionItem is a command the model ran, or asked to run.
type CommandExecutionItem struct {
	Type             string          `json:"type"`
	ID               string          `json:"id"`
	PluginID         *string         `json:"pluginId"`
	ScriptPath       *string         `json:"scriptPath"`
	Command          string          `json:"command"`
	Cwd              string          `json:"cwd"`
	ProcessID        *string         `json:"processId"`
	Source           string          `json:"source"`
	Status           string          `json:"status"`
	CommandActions   []CommandAction `json:"commandActions"`
	AggregatedOutput *string         `json:"aggregatedOutput"`
	ExitCode         *int            `json:"exitCode"`
	DurationMs       *int64          `json:"durationMs"`
	ItemTimes
}

// ItemID implementations.
func (i UserMessageItem) ItemID() string      { return i.ID }
func (i AgentMessageItem) ItemID() string     { return i.ID }
func (i ReasoningItem) ItemID() string        { return i.ID }
func (i CommandExecutionItem) ItemID() string { return i.ID }

// ThreadStartedNotification announces a thread.
type ThreadStartedNotification struct {
	Thread Thread `json:"thread"`
}

// ThreadStatusChangedNotification reports a thread's new status.
type ThreadStatusChangedNotification struct {
	ThreadID string       `json:"threadId"`
	Status   ThreadStatus `json:"status"`
}

// TurnNotification is the params of turn/started and turn/completed.
type TurnNotification struct {
	ThreadID string `json:"threadId"`
	Turn     Turn   `json:"turn"`
}

// ItemStartedNotification announces an item.
type ItemStartedNotification struct {
	Item        Item   `json:"item"`
	ThreadID    string `json:"threadId"`
	TurnID      string `json:"turnId"`
	StartedAtMs int64  `json:"startedAtMs"`
}

// ItemCompletedNotification reports an item in its final state.
type ItemCompletedNotification struct {
	Item              Item   `json:"item"`
	ThreadID          string `json:"threadId"`
	TurnID            string `json:"turnId"`
	ContentTokenCount *int64 `json:"contentTokenCount"`
	CompletedAtMs     int64  `json:"completedAtMs"`
}

// DeltaNotification is the params of the item delta notifications (agent
// message text, command output, reasoning text).
type DeltaNotification struct {
	ThreadID string `json:"threadId"`
	TurnID   string `json:"turnId"`
	ItemID   string `json:"itemId"`
	Delta    string `json:"delta"`
}

// TokenUsageBreakdown counts tokens.
type TokenUsageBreakdown struct {
	TotalTokens           int64 `json:"totalTokens"`
	InputTokens           int64 `json:"inputTokens"`
	CachedInputTokens     int64 `json:"cachedInputTokens"`
	CacheWriteInputTokens int64 `json:"cacheWriteInputTokens"`
	OutputTokens          int64 `json:"outputTokens"`
	ReasoningOutputTokens int64 `json:"reasoningOutputTokens"`
}

// ThreadTokenUsage is the usage of a thread: in all and in the last model
// request.
type ThreadTokenUsage struct {
	Total              TokenUsageBreakdown `json:"total"`
	Last               TokenUsageBreakdown `json:"last"`
	ModelContextWindow *int64              `json:"modelContextWindow"`
}

// TokenUsageUpdatedNotification reports a thread's token usage.
type TokenUsageUpdatedNotification struct {
	ThreadID   string           `json:"threadId"`
	TurnID     string           `json:"turnId"`
	TokenUsage ThreadTokenUsage `json:"tokenUsage"`
}

// ErrorNotification reports an error of a turn.
type ErrorNotification struct {
	Error     TurnError `json:"error"`
	WillRetry bool      `json:"willRetry"`
	ThreadID  string    `json:"threadId"`
	TurnID    string    `json:"turnId"`
}

// ServerRequestResolvedNotification says a server request was answered or
// became moot.
type ServerRequestResolvedNotification struct {
	ThreadID  string          `json:"threadId"`
	RequestID json.RawMessage `json:"requestId"`
}

// CommandExecutionRequestApprovalParams ask whether a command may run.
type CommandExecutionRequestApprovalParams struct {
	Kind               string          `json:"kind"`
	ThreadID           string          `json:"threadId"`
	TurnID             string          `json:"turnId"`
	ItemID             string          `json:"itemId"`
	StartedAtMs        int64           `json:"startedAtMs"`
	EnvironmentID      string          `json:"environmentId"`
	Reason             *string         `json:"reason,omitempty"`
	Command            string          `json:"command"`
	Cwd                string          `json:"cwd"`
	CommandActions     []CommandAction `json:"commandActions"`
	AvailableDecisions []string        `json:"availableDecisions"`
}

// Approval decisions of v2.
const (
	DecisionAccept           = "accept"
	DecisionAcceptForSession = "acceptForSession"
	DecisionDecline          = "decline"
	DecisionCancel           = "cancel"
)

// ApprovalAnswer is the client's answer to an approval request. A
// decision may be a string or, for decisions this server does not offer,
// an object.
type ApprovalAnswer struct {
	Decision json.RawMessage `json:"decision"`
}

// ItemFileChange is the type of a file change item.
const ItemFileChange = "fileChange"

// More server notifications and requests.
const (
	NotificationReasoningSummaryPartAdded = "item/reasoning/summaryPartAdded"
	NotificationTurnDiffUpdated           = "turn/diff/updated"
	NotificationTurnPlanUpdated           = "turn/plan/updated"
	// MethodFileChangeRequestApproval asks whether a patch may be applied.
	MethodFileChangeRequestApproval = "item/fileChange/requestApproval"
)

// FileChangeKind says what a change does to its file: add, delete, or
// update (with the new path of a move).
type FileChangeKind struct {
	Type     string  `json:"type"`
	MovePath *string `json:"move_path,omitempty"`
}

// FileUpdateChange is one file of a file change item: for an added or
// deleted file the diff is its content, for an update a unified diff.
type FileUpdateChange struct {
	Path string         `json:"path"`
	Kind FileChangeKind `json:"kind"`
	Diff string         `json:"diff"`
}

// FileChangeItem is a patch the model applied, or asked to apply.
type FileChangeItem struct {
	Type    string             `json:"type"`
	ID      string             `json:"id"`
	Changes []FileUpdateChange `json:"changes"`
	Status  string             `json:"status"`
	ItemTimes
}

// ItemID implements Item.
func (i FileChangeItem) ItemID() string { return i.ID }

// SummaryPartNotification is the params of item/reasoning/summaryPartAdded.
type SummaryPartNotification struct {
	ThreadID     string `json:"threadId"`
	TurnID       string `json:"turnId"`
	ItemID       string `json:"itemId"`
	SummaryIndex int    `json:"summaryIndex"`
}

// SummaryDeltaNotification is the params of
// item/reasoning/summaryTextDelta.
type SummaryDeltaNotification struct {
	ThreadID     string `json:"threadId"`
	TurnID       string `json:"turnId"`
	ItemID       string `json:"itemId"`
	Delta        string `json:"delta"`
	SummaryIndex int    `json:"summaryIndex"`
}

// ReasoningTextDeltaNotification is the params of item/reasoning/textDelta.
type ReasoningTextDeltaNotification struct {
	ThreadID     string `json:"threadId"`
	TurnID       string `json:"turnId"`
	ItemID       string `json:"itemId"`
	Delta        string `json:"delta"`
	ContentIndex int    `json:"contentIndex"`
}

// TurnDiffNotification carries the turn's whole diff so far.
type TurnDiffNotification struct {
	ThreadID string `json:"threadId"`
	TurnID   string `json:"turnId"`
	Diff     string `json:"diff"`
}

// PlanStep is one step of the model's plan; status is pending, inProgress
// or completed.
type PlanStep struct {
	Step   string `json:"step"`
	Status string `json:"status"`
}

// TurnPlanNotification carries the model's updated plan.
type TurnPlanNotification struct {
	ThreadID    string     `json:"threadId"`
	TurnID      string     `json:"turnId"`
	Explanation *string    `json:"explanation"`
	Plan        []PlanStep `json:"plan"`
}

// FileChangeRequestApprovalParams ask whether a patch may be applied.
type FileChangeRequestApprovalParams struct {
	ThreadID    string  `json:"threadId"`
	TurnID      string  `json:"turnId"`
	ItemID      string  `json:"itemId"`
	StartedAtMs int64   `json:"startedAtMs"`
	Reason      *string `json:"reason"`
	GrantRoot   *string `json:"grantRoot"`
}

// More item types.
const (
	ItemMcpToolCall = "mcpToolCall"
	ItemWebSearch   = "webSearch"
	ItemImageView   = "imageView"
)

// McpToolCallItem is a call of a tool of an MCP server; status is
// inProgress, completed or failed.
type McpToolCallItem struct {
	Type       string           `json:"type"`
	ID         string           `json:"id"`
	Server     string           `json:"server"`
	Tool       string           `json:"tool"`
	Status     string           `json:"status"`
	Arguments  json.RawMessage  `json:"arguments"`
	Result     json.RawMessage  `json:"result"`
	Error      *McpToolCallFail `json:"error"`
	DurationMs *int64           `json:"durationMs"`
	ItemTimes
}

// McpToolCallFail says why an MCP tool call failed.
type McpToolCallFail struct {
	Message string `json:"message"`
}

// WebSearchItem is a web search of the model.
type WebSearchItem struct {
	Type  string `json:"type"`
	ID    string `json:"id"`
	Query string `json:"query"`
	ItemTimes
}

// ImageViewItem is an image the model looked at.
type ImageViewItem struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Path string `json:"path"`
	ItemTimes
}

// ItemID implementations.
func (i McpToolCallItem) ItemID() string { return i.ID }
func (i WebSearchItem) ItemID() string   { return i.ID }
func (i ImageViewItem) ItemID() string   { return i.ID }

// MethodTurnSteer adds input to the running turn.
const MethodTurnSteer = "turn/steer"

// TurnSteerParams are the params of turn/steer.
type TurnSteerParams struct {
	ThreadID       string      `json:"threadId"`
	ExpectedTurnID string      `json:"expectedTurnId"`
	Input          []UserInput `json:"input"`
}

// TurnSteerResponse answers turn/steer with the turn the input joined.
type TurnSteerResponse struct {
	TurnID string `json:"turnId"`
}
