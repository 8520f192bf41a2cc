package protocol

// App-server client request methods.
const (
	MethodInitialize                 = "initialize"
	MethodNewConversation            = "newConversation"
	MethodListConversations          = "listConversations"
	MethodResumeConversation         = "resumeConversation"
	MethodArchiveConversation        = "archiveConversation"
	MethodSendUserMessage            = "sendUserMessage"
	MethodSendUserTurn               = "sendUserTurn"
	MethodInterruptConversation      = "interruptConversation"
	MethodAddConversationListener    = "addConversationListener"
	MethodRemoveConversationListener = "removeConversationListener"
	MethodGitDiffToRemote            = "gitDiffToRemote"
	MethodLoginAPIKey                = "loginApiKey"
	MethodLoginChatGpt               = "loginChatGpt"
	MethodCancelLoginChatGpt         = "cancelLoginChatGpt"
	MethodLogoutChatGpt              = "logoutChatGpt"
	MethodGetAuthStatus              = "getAuthStatus"
	MethodGetUserSavedConfig         = "getUserSavedConfig"
	MethodSetDefaultModel            = "setDefaultModel"
	MethodGetUserAgent               = "getUserAgent"
	MethodUserInfo                   = "userInfo"
	MethodFuzzyFileSearch            = "fuzzyFileSearch"
	MethodExecOneOffCommand          = "execOneOffCommand"
)

// App-server server requests (server to client) and notifications.
const (
	MethodExecCommandApproval = "execCommandApproval"
	MethodApplyPatchApproval  = "applyPatchApproval"

	NotificationAuthStatusChange      = "authStatusChange"
	NotificationLoginChatGptComplete  = "loginChatGptComplete"
	NotificationSessionConfigured     = "sessionConfigured"
	NotificationCodexEventPrefix      = "codex/event/"
	NotificationMcpCodexEvent         = "codex/event"
	NotificationMcpCancelled          = "notifications/cancelled"
	NotificationMcpElicitationRequest = "elicitation/create"
)

// ClientInfo identifies the editor in initialize.
type ClientInfo struct {
	// Name is the client's name.
	Name string `json:"name"`
	// Title is the client's display name.
	Title *string `json:"title,omitempty"`
	// Version is the client's version.
	Version string `json:"version"`
}

// InitializeParams are the params of initialize.
type InitializeParams struct {
	// ClientInfo identifies the client.
	ClientInfo ClientInfo `json:"clientInfo"`
	// Capabilities are what a v2 client says it supports; 0.45 clients
	// send none.
	Capabilities *InitializeCapabilities `json:"capabilities,omitempty"`
}

// InitializeCapabilities are what a v2 client says it supports.
type InitializeCapabilities struct {
	// ExperimentalAPI asks for the experimental methods and fields.
	ExperimentalAPI bool `json:"experimentalApi,omitempty"`
	// OptOutNotificationMethods lists notifications the client does not
	// want to receive.
	OptOutNotificationMethods []string `json:"optOutNotificationMethods,omitempty"`
}

// InitializeResponse answers initialize. 0.45 clients read only the user
// agent; the other members are v2's.
type InitializeResponse struct {
	// UserAgent is the user agent the server sends to the model provider.
	UserAgent string `json:"userAgent"`
	// CodexHome is the server's configuration and state directory.
	CodexHome string `json:"codexHome,omitempty"`
	// PlatformFamily is "unix" or "windows".
	PlatformFamily string `json:"platformFamily,omitempty"`
	// PlatformOs is the operating system: linux, macos, windows.
	PlatformOs string `json:"platformOs,omitempty"`
}

// NewConversationParams are the params of newConversation.
type NewConversationParams struct {
	// Model overrides the configured model.
	Model *string `json:"model,omitempty"`
	// Profile selects a config profile.
	Profile *string `json:"profile,omitempty"`
	// Cwd is the working directory.
	Cwd *string `json:"cwd,omitempty"`
	// ApprovalPolicy overrides the configured approval policy.
	ApprovalPolicy *AskForApproval `json:"approvalPolicy,omitempty"`
	// Sandbox overrides the configured sandbox mode.
	Sandbox *SandboxMode `json:"sandbox,omitempty"`
	// Config holds dotted-path config overrides.
	Config map[string]any `json:"config,omitempty"`
	// BaseInstructions replaces the built-in instructions.
	BaseInstructions *string `json:"baseInstructions,omitempty"`
	// IncludePlanTool offers the update_plan tool.
	IncludePlanTool *bool `json:"includePlanTool,omitempty"`
	// IncludeApplyPatchTool offers the apply_patch tool.
	IncludeApplyPatchTool *bool `json:"includeApplyPatchTool,omitempty"`
}

// NewConversationResponse answers newConversation.
type NewConversationResponse struct {
	// ConversationID identifies the new conversation.
	ConversationID string `json:"conversationId"`
	// Model is the model in use.
	Model string `json:"model"`
	// ReasoningEffort is the configured effort, when set.
	ReasoningEffort *ReasoningEffort `json:"reasoningEffort,omitempty"`
	// RolloutPath is the session file.
	RolloutPath string `json:"rolloutPath"`
}

// ConversationSummary is one row of listConversations.
type ConversationSummary struct {
	// ConversationID identifies the conversation.
	ConversationID string `json:"conversationId"`
	// Path is the rollout file.
	Path string `json:"path"`
	// Preview is the first user message.
	Preview string `json:"preview"`
	// Timestamp is when the conversation started (RFC 3339), when known.
	Timestamp *string `json:"timestamp"`
}

// ListConversationsParams are the params of listConversations.
type ListConversationsParams struct {
	// PageSize bounds the number of items.
	PageSize *int `json:"pageSize,omitempty"`
	// Cursor continues a previous listing.
	Cursor *string `json:"cursor,omitempty"`
}

// ListConversationsResponse answers listConversations.
type ListConversationsResponse struct {
	// Items are the conversations, newest first.
	Items []ConversationSummary `json:"items"`
	// NextCursor continues the listing, when there is more.
	NextCursor *string `json:"nextCursor,omitempty"`
}

// ResumeConversationParams are the params of resumeConversation.
type ResumeConversationParams struct {
	// Path is the rollout file.
	Path string `json:"path"`
	// Overrides are applied like newConversation's params.
	Overrides *NewConversationParams `json:"overrides,omitempty"`
}

// ResumeConversationResponse answers resumeConversation.
type ResumeConversationResponse struct {
	// ConversationID identifies the resumed conversation.
	ConversationID string `json:"conversationId"`
	// Model is the model in use.
	Model string `json:"model"`
	// InitialMessages replays the recorded events.
	InitialMessages []MarshalEventMsg `json:"initialMessages,omitempty"`
}

// ArchiveConversationParams are the params of archiveConversation.
type ArchiveConversationParams struct {
	// ConversationID identifies the conversation.
	ConversationID string `json:"conversationId"`
	// RolloutPath is its rollout file.
	RolloutPath string `json:"rolloutPath"`
}

// ArchiveConversationResponse answers archiveConversation.
type ArchiveConversationResponse struct{}

// SendUserMessageParams are the params of sendUserMessage.
type SendUserMessageParams struct {
	// ConversationID identifies the conversation.
	ConversationID string `json:"conversationId"`
	// Items is the user input.
	Items []InputItem `json:"items"`
}

// SendUserMessageResponse answers sendUserMessage.
type SendUserMessageResponse struct{}

// SendUserTurnParams are the params of sendUserTurn.
type SendUserTurnParams struct {
	// ConversationID identifies the conversation.
	ConversationID string `json:"conversationId"`
	// Items is the user input.
	Items []InputItem `json:"items"`
	// Cwd is the working directory.
	Cwd string `json:"cwd"`
	// ApprovalPolicy is the approval policy.
	ApprovalPolicy AskForApproval `json:"approvalPolicy"`
	// SandboxPolicy is the sandbox policy.
	SandboxPolicy SandboxPolicy `json:"sandboxPolicy"`
	// Model is the model.
	Model string `json:"model"`
	// Effort is the reasoning effort.
	Effort *ReasoningEffort `json:"effort,omitempty"`
	// Summary is the reasoning summary setting.
	Summary ReasoningSummary `json:"summary"`
}

// SendUserTurnResponse answers sendUserTurn.
type SendUserTurnResponse struct{}

// InterruptConversationParams are the params of interruptConversation.
type InterruptConversationParams struct {
	// ConversationID identifies the conversation.
	ConversationID string `json:"conversationId"`
}

// InterruptConversationResponse answers interruptConversation once the turn stopped.
type InterruptConversationResponse struct {
	// AbortReason says why the turn ended.
	AbortReason TurnAbortReason `json:"abortReason"`
}

// AddConversationListenerParams are the params of addConversationListener.
type AddConversationListenerParams struct {
	// ConversationID identifies the conversation.
	ConversationID string `json:"conversationId"`
}

// AddConversationSubscriptionResponse answers addConversationListener.
type AddConversationSubscriptionResponse struct {
	// SubscriptionID identifies the listener.
	SubscriptionID string `json:"subscriptionId"`
}

// RemoveConversationListenerParams are the params of removeConversationListener.
type RemoveConversationListenerParams struct {
	// SubscriptionID identifies the listener.
	SubscriptionID string `json:"subscriptionId"`
}

// RemoveConversationSubscriptionResponse answers removeConversationListener.
type RemoveConversationSubscriptionResponse struct{}

// GetUserAgentResponse answers getUserAgent.
type GetUserAgentResponse struct {
	// UserAgent is the user agent string.
	UserAgent string `json:"userAgent"`
}

// ConversationEventParams are the params of a codex/event/<type> notification.
type ConversationEventParams struct {
	// ID is the submission id.
	ID string `json:"id"`
	// Msg is the event.
	Msg MarshalEventMsg `json:"msg"`
	// ConversationID identifies the conversation.
	ConversationID string `json:"conversationId"`
}

// SessionConfiguredNotification is sent when a conversation is ready.
type SessionConfiguredNotification struct {
	// SessionID is the conversation id.
	SessionID string `json:"sessionId"`
	// Model is the model in use.
	Model string `json:"model"`
	// ReasoningEffort is the configured effort, when set.
	ReasoningEffort *ReasoningEffort `json:"reasoningEffort,omitempty"`
	// HistoryLogID identifies the history file.
	HistoryLogID uint64 `json:"historyLogId"`
	// HistoryEntryCount is the number of history entries.
	HistoryEntryCount int `json:"historyEntryCount"`
	// InitialMessages replays a resumed conversation's events.
	InitialMessages []MarshalEventMsg `json:"initialMessages,omitempty"`
	// RolloutPath is the session file.
	RolloutPath string `json:"rolloutPath"`
}

// ExecCommandApprovalParams are the params of the execCommandApproval server request.
type ExecCommandApprovalParams struct {
	// ConversationID identifies the conversation.
	ConversationID string `json:"conversationId"`
	// CallID identifies the tool call.
	CallID string `json:"callId"`
	// Command is the argv.
	Command []string `json:"command"`
	// Cwd is the working directory.
	Cwd string `json:"cwd"`
	// Reason explains why approval is needed.
	Reason *string `json:"reason,omitempty"`
}

// ApplyPatchApprovalParams are the params of the applyPatchApproval server request.
type ApplyPatchApprovalParams struct {
	// ConversationID identifies the conversation.
	ConversationID string `json:"conversationId"`
	// CallID identifies the tool call.
	CallID string `json:"callId"`
	// FileChanges maps paths to changes.
	FileChanges map[string]FileChange `json:"fileChanges"`
	// Reason explains why approval is needed.
	Reason *string `json:"reason,omitempty"`
	// GrantRoot asks for write access below this directory.
	GrantRoot *string `json:"grantRoot,omitempty"`
}

// ApprovalResponse is the client's answer to an approval server request.
type ApprovalResponse struct {
	// Decision is the answer.
	Decision ReviewDecision `json:"decision"`
}

// ExecOneOffCommandParams are the params of execOneOffCommand.
type ExecOneOffCommandParams struct {
	// Command is the argv.
	Command []string `json:"command"`
	// TimeoutMs bounds the run time.
	TimeoutMs *int64 `json:"timeoutMs,omitempty"`
	// Cwd is the working directory.
	Cwd *string `json:"cwd,omitempty"`
	// SandboxPolicy overrides the configured policy.
	SandboxPolicy *SandboxPolicy `json:"sandboxPolicy,omitempty"`
}

// ExecOneOffCommandResponse answers execOneOffCommand.
type ExecOneOffCommandResponse struct {
	// ExitCode is the exit status.
	ExitCode int `json:"exitCode"`
	// Stdout is the standard output.
	Stdout string `json:"stdout"`
	// Stderr is the standard error.
	Stderr string `json:"stderr"`
}
