// Package v2 holds the wire types of the app-server's "v2" protocol, which
// today's editors speak: threads (conversations), turns (one user request
// and the work it causes) and items (the user's message, the model's
// messages and reasoning, commands, file changes), with item/* notifications
// describing their lifecycle. Field names, casing and nullability follow the
// JSON Schema that codex-cli 0.171.0 publishes
// (`codex app-server generate-json-schema`). Like package protocol, it has
// no I/O and no behaviour beyond JSON encoding.
package v2

import (
	"encoding/json"

	"github.com/codex-go/codex/protocol"
)

// Client requests.
const (
	// MethodThreadStart starts a thread.
	MethodThreadStart = "thread/start"
	// MethodTurnStart starts a turn, or adds input to the running one.
	MethodTurnStart = "turn/start"
	// MethodTurnInterrupt stops a running turn.
	MethodTurnInterrupt = "turn/interrupt"
)

// Client notifications.
const (
	// NotificationInitialized follows the answer to initialize.
	NotificationInitialized = "initialized"
)

// Server notifications.
const (
	NotificationThreadStarted         = "thread/started"
	NotificationThreadStatusChanged   = "thread/status/changed"
	NotificationTokenUsageUpdated     = "thread/tokenUsage/updated"
	NotificationTurnStarted           = "turn/started"
	NotificationTurnCompleted         = "turn/completed"
	NotificationItemStarted           = "item/started"
	NotificationItemCompleted         = "item/completed"
	NotificationAgentMessageDelta     = "item/agentMessage/delta"
	NotificationCommandOutputDelta    = "item/commandExecution/outputDelta"
	NotificationReasoningSummaryDelta = "item/reasoning/summaryTextDelta"
	NotificationReasoningTextDelta    = "item/reasoning/textDelta"
	NotificationServerRequestResolved = "serverRequest/resolved"
	NotificationError                 = "error"
)

// Server requests.
const (
	// MethodCommandExecutionRequestApproval asks whether a command may run.
	MethodCommandExecutionRequestApproval = "item/commandExecution/requestApproval"
)

// EmittedAtMsMember is the top-level member, beside method and params, in
// which every server notification carries the Unix time in milliseconds at
// which it was emitted.
const EmittedAtMsMember = "emittedAtMs"

// ThreadStartParams are the params of thread/start; every field is
// optional and overrides the configuration.
type ThreadStartParams struct {
	// Model overrides the configured model.
	Model *string `json:"model,omitempty"`
	// ModelProvider selects a configured model provider.
	ModelProvider *string `json:"modelProvider,omitempty"`
	// Cwd is the working directory.
	Cwd *string `json:"cwd,omitempty"`
	// ApprovalPolicy overrides the approval policy.
	ApprovalPolicy *protocol.AskForApproval `json:"approvalPolicy,omitempty"`
	// Sandbox overrides the sandbox mode.
	Sandbox *protocol.SandboxMode `json:"sandbox,omitempty"`
	// Config holds settings by dotted path.
	Config map[string]any `json:"config,omitempty"`
	// BaseInstructions replace the built-in instructions.
	BaseInstructions *string `json:"baseInstructions,omitempty"`
	// DeveloperInstructions are added as a developer message.
	DeveloperInstructions *string `json:"developerInstructions,omitempty"`
	// Ephemeral threads are not recorded on disk.
	Ephemeral *bool `json:"ephemeral,omitempty"`
}

// ThreadStartResponse answers thread/start with the thread and the settings
// it resolved to.
type ThreadStartResponse struct {
	Thread            Thread                    `json:"thread"`
	Model             string                    `json:"model"`
	ModelProvider     string                    `json:"modelProvider"`
	ServiceTier       *string                   `json:"serviceTier"`
	DisabledPluginIDs []string                  `json:"disabledPluginIds"`
	Cwd               string                    `json:"cwd"`
	InstructionSrcs   []string                  `json:"instructionSources"`
	ApprovalPolicy    protocol.AskForApproval   `json:"approvalPolicy"`
	ApprovalsReviewer string                    `json:"approvalsReviewer"`
	Sandbox           ThreadSandbox             `json:"sandbox"`
	ReasoningEffort   *protocol.ReasoningEffort `json:"reasoningEffort"`
}

// Thread is a conversation as v2 shows it.
type Thread struct {
	ID              string                    `json:"id"`
	SessionID       string                    `json:"sessionId"`
	ForkedFromID    *string                   `json:"forkedFromId"`
	ParentThreadID  *string                   `json:"parentThreadId"`
	Preview         string                    `json:"preview"`
	Ephemeral       bool                      `json:"ephemeral"`
	ProjectID       *string                   `json:"projectId"`
	HistoryMode     string                    `json:"historyMode"`
	ModelProvider   string                    `json:"modelProvider"`
	Model           *string                   `json:"model"`
	ReasoningEffort *protocol.ReasoningEffort `json:"reasoningEffort"`
	CreatedAt       int64                     `json:"createdAt"`
	UpdatedAt       int64                     `json:"updatedAt"`
	RecencyAt       *int64                    `json:"recencyAt"`
	Status          ThreadStatus              `json:"status"`
	Path            *string                   `json:"path"`
	Cwd             string                    `json:"cwd"`
	CLIVersion      string                    `json:"cliVersion"`
	Originator      *string                   `json:"originator"`
	Source          string                    `json:"source"`
	ThreadSource    *string                   `json:"threadSource"`
	AgentNickname   *string                   `json:"agentNickname"`
	AgentRole       *string                   `json:"agentRole"`
	GitInfo         *GitInfo                  `json:"gitInfo"`
	Name            *string                   `json:"name"`
	Turns           []Turn                    `json:"turns"`
}

// GitInfo describes the repository a thread started in.
type GitInfo struct {
	SHA       *string `json:"sha"`
	Branch    *string `json:"branch"`
	OriginURL *string `json:"originUrl"`
}

// Thread status types.
const (
	ThreadIdle      = "idle"
	ThreadActive    = "active"
	ThreadNotLoaded = "notLoaded"
	// ThreadSystemError is the status of a thread whose last turn failed.
	ThreadSystemError = "systemError"
)

// ActiveFlagWaitingOnApproval marks an active thread that waits for the
// user's answer to an approval request.
const ActiveFlagWaitingOnApproval = "waitingOnApproval"

// ThreadStatus is the runtime status of a thread: {"type":"idle"} or
// {"type":"active","activeFlags":[...]}, whose flags are always present.
type ThreadStatus struct {
	Type        string   `json:"type"`
	ActiveFlags []string `json:"activeFlags,omitempty"`
}

// MarshalJSON writes the flags of an active status even when there are
// none.
func (s ThreadStatus) MarshalJSON() ([]byte, error) {
	if s.Type != ThreadActive {
		return json.Marshal(struct {
			Type string `json:"type"`
		}{s.Type})
	}
	flags := s.ActiveFlags
	if flags == nil {
		flags = []string{}
	}
	return json.Marshal(struct {
		Type        string   `json:"type"`
		ActiveFlags []string `json:"activeFlags"`
	}{s.Type, flags})
}

// Idle is the status of a thread without a running turn.
func Idle() ThreadStatus { return ThreadStatus{Type: ThreadIdle} }

// Active is the status of a thread running a turn; flags may be empty.
func Active(flags ...string) ThreadStatus {
	if flags == nil {
		flags = []string{}
	}
	return ThreadStatus{Type: ThreadActive, ActiveFlags: flags}
}

// ThreadSandbox is the sandbox policy of a thread in v2's camelCase form, tagged
// by "type": readOnly, workspaceWrite or dangerFullAccess.
type ThreadSandbox struct {
	Type                string    `json:"type"`
	WritableRoots       *[]string `json:"writableRoots,omitempty"`
	NetworkAccess       *bool     `json:"networkAccess,omitempty"`
	ExcludeTmpdirEnvVar *bool     `json:"excludeTmpdirEnvVar,omitempty"`
	ExcludeSlashTmp     *bool     `json:"excludeSlashTmp,omitempty"`
}

// ThreadSandboxOf returns the v2 form of a sandbox policy.
func ThreadSandboxOf(p protocol.SandboxPolicy) ThreadSandbox {
	switch p.Mode {
	case protocol.SandboxWorkspaceWrite:
		roots := append([]string{}, p.WritableRoots...)
		network, tmpdir, slashTmp := p.NetworkAccess, p.ExcludeTmpdirEnvVar, p.ExcludeSlashTmp
		return ThreadSandbox{Type: "workspaceWrite", WritableRoots: &roots, NetworkAccess: &network,
			ExcludeTmpdirEnvVar: &tmpdir, ExcludeSlashTmp: &slashTmp}
	case protocol.SandboxDangerFullAccess:
		return ThreadSandbox{Type: "dangerFullAccess"}
	}
	network := false
	return ThreadSandbox{Type: "readOnly", NetworkAccess: &network}
}

// Turn statuses.
const (
	TurnInProgress  = "inProgress"
	TurnCompleted   = "completed"
	TurnInterrupted = "interrupted"
	TurnFailed      = "failed"
)

// Turn is one user request and the work it caused.
type Turn struct {
	ID          string     `json:"id"`
	RootTurnID  string     `json:"rootTurnId"`
	Items       []Item     `json:"items"`
	ItemsView   string     `json:"itemsView"`
	Status      string     `json:"status"`
	Error       *TurnError `json:"error"`
	StartedAt   *int64     `json:"startedAt"`
	CompletedAt *int64     `json:"completedAt"`
	DurationMs  *int64     `json:"durationMs"`
}

// TurnError says why a turn failed.
type TurnError struct {
	Message           string          `json:"message"`
	CodexErrorInfo    *string         `json:"codexErrorInfo"`
	AdditionalDetails *string         `json:"additionalDetails"`
	Misalignment      json.RawMessage `json:"misalignment"`
}

// UserInput is one input item of turn/start: text, an image by URL or a
// local image.
type UserInput struct {
	Type         string        `json:"type"`
	Text         string        `json:"text,omitempty"`
	TextElements []TextElement `json:"text_elements,omitempty"`
	URL          string        `json:"url,omitempty"`
	Path         string        `json:"path,omitempty"`
}

// MarshalJSON writes the members of the input's type: a text always with
// its text_elements (possibly empty), an image with its URL, a local image
// with its path.
func (in UserInput) MarshalJSON() ([]byte, error) {
	switch in.Type {
	case InputText:
		elements := in.TextElements
		if elements == nil {
			elements = []TextElement{}
		}
		return json.Marshal(struct {
			Type         string        `json:"type"`
			Text         string        `json:"text"`
			TextElements []TextElement `json:"text_elements"`
		}{in.Type, in.Text, elements})
	case InputImage:
		return json.Marshal(struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		}{in.Type, in.URL})
	case InputLocalImage:
		return json.Marshal(struct {
			Type string `json:"type"`
			Path string `json:"path"`
		}{in.Type, in.Path})
	}
	type plain UserInput
	return json.Marshal(plain(in))
}

// TextElement is a span of a text input that the editor renders specially;
// it is carried along as the client sent it.
type TextElement = map[string]any

// User input types.
const (
	InputText       = "text"
	InputImage      = "image"
	InputLocalImage = "localImage"
)

// TurnStartParams are the params of turn/start.
type TurnStartParams struct {
	ThreadID       string                     `json:"threadId"`
	Input          []UserInput                `json:"input"`
	Cwd            *string                    `json:"cwd,omitempty"`
	ApprovalPolicy *protocol.AskForApproval   `json:"approvalPolicy,omitempty"`
	SandboxPolicy  *ThreadSandbox             `json:"sandboxPolicy,omitempty"`
	Model          *string                    `json:"model,omitempty"`
	Effort         *protocol.ReasoningEffort  `json:"effort,omitempty"`
	Summary        *protocol.ReasoningSummary `json:"summary,omitempty"`
}

// TurnStartResponse answers turn/start with the new turn.
type TurnStartResponse struct {
	Turn Turn `json:"turn"`
}

// TurnInterruptParams are the params of turn/interrupt.
type TurnInterruptParams struct {
	ThreadID string `json:"threadId"`
	TurnID   string `json:"turnId"`
}

// TurnInterruptResponse answers turn/interrupt.
type TurnInterruptResponse struct{}
