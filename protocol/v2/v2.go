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
	// NotificationThreadStarted announces a new thread, after the answer
	// to thread/start.
	NotificationThreadStarted = "thread/started"
	// NotificationThreadStatusChanged reports a thread's new status.
	NotificationThreadStatusChanged = "thread/status/changed"
	// NotificationTokenUsageUpdated reports a thread's token usage when it
	// changes.
	NotificationTokenUsageUpdated = "thread/tokenUsage/updated"
	// NotificationTurnStarted announces a turn that began to run.
	NotificationTurnStarted = "turn/started"
	// NotificationTurnCompleted reports a turn that is over: completed,
	// interrupted or failed.
	NotificationTurnCompleted = "turn/completed"
	// NotificationItemStarted announces an item of a turn.
	NotificationItemStarted = "item/started"
	// NotificationItemCompleted reports an item in its final state, with
	// the id item/started gave it.
	NotificationItemCompleted = "item/completed"
	// NotificationAgentMessageDelta carries the next piece of an agent
	// message's text.
	NotificationAgentMessageDelta = "item/agentMessage/delta"
	// NotificationCommandOutputDelta carries the next chunk of a running
	// command's output.
	NotificationCommandOutputDelta = "item/commandExecution/outputDelta"
	// NotificationReasoningSummaryDelta carries the next piece of a part of
	// a reasoning item's summary.
	NotificationReasoningSummaryDelta = "item/reasoning/summaryTextDelta"
	// NotificationReasoningTextDelta carries the next piece of a reasoning
	// item's raw text.
	NotificationReasoningTextDelta = "item/reasoning/textDelta"
	// NotificationServerRequestResolved says a server request was answered
	// or no longer waits for an answer.
	NotificationServerRequestResolved = "serverRequest/resolved"
	// NotificationError reports an error of a turn: one the model request
	// is retried after, or the one that fails the turn.
	NotificationError = "error"
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
	// Thread is the new thread; thread/started sends it again.
	Thread Thread `json:"thread"`
	// Model is the model the thread uses.
	Model string `json:"model"`
	// ModelProvider is the id of the thread's model provider.
	ModelProvider string `json:"modelProvider"`
	// ServiceTier is the requested service tier; always null today.
	ServiceTier *string `json:"serviceTier"`
	// DisabledPluginIDs lists the plugins turned off for the thread;
	// always empty today.
	DisabledPluginIDs []string `json:"disabledPluginIds"`
	// Cwd is the thread's working directory.
	Cwd string `json:"cwd"`
	// InstructionSrcs lists the files the instructions were read from;
	// always empty today.
	InstructionSrcs []string `json:"instructionSources"`
	// ApprovalPolicy is the thread's approval policy.
	ApprovalPolicy protocol.AskForApproval `json:"approvalPolicy"`
	// ApprovalsReviewer is who answers approval requests; always "user".
	ApprovalsReviewer string `json:"approvalsReviewer"`
	// Sandbox is the thread's sandbox policy.
	Sandbox ThreadSandbox `json:"sandbox"`
	// ReasoningEffort is the configured reasoning effort, null when the
	// configuration sets none.
	ReasoningEffort *protocol.ReasoningEffort `json:"reasoningEffort"`

	// The members below are declared only by the reference's experimental
	// schema, but the reference sends them to every client; so do we.

	// RuntimeWorkspaceRoots are the directories the thread works in: its
	// working directory.
	RuntimeWorkspaceRoots []string `json:"runtimeWorkspaceRoots"`
	// ActivePermissionProfile is the built-in permission preset the
	// thread's approval policy and sandbox make up, null when they make up
	// none.
	ActivePermissionProfile *PermissionProfile `json:"activePermissionProfile"`
	// MultiAgentMode says when the model may start sub-agents; always
	// "explicitRequestOnly".
	MultiAgentMode string `json:"multiAgentMode"`
}

// PermissionProfile names a permission preset.
type PermissionProfile struct {
	// ID is ":read-only" (ask on request, read-only sandbox), ":workspace"
	// (ask on request, workspace-write sandbox) or ":danger-full-access"
	// (never ask, no sandbox).
	ID string `json:"id"`
	// Extends is the preset it extends; always null for the built-in ones.
	Extends *string `json:"extends"`
}

// Environment is where a thread runs: always the local machine.
type Environment struct {
	// EnvironmentID is always "local".
	EnvironmentID string `json:"environmentId"`
	// Cwd is the thread's working directory there.
	Cwd string `json:"cwd"`
	// RuntimeWorkspaceRoots are the directories the thread works in.
	RuntimeWorkspaceRoots []string `json:"runtimeWorkspaceRoots"`
}

// ThreadExtras are members of a thread that only the reference's
// experimental schema declares, but that the reference sends to every
// client; so do we. Thread embeds them.
type ThreadExtras struct {
	// Environments lists where the thread runs: the local machine.
	Environments []Environment `json:"environments"`
	// Extra is free-form data of the thread; always null.
	Extra json.RawMessage `json:"extra"`
	// AttachedToThreadID is the thread this one is attached to; always null.
	AttachedToThreadID *string `json:"attachedToThreadId"`
	// Section is the section the thread is filed in; always null.
	Section *string `json:"section"`
	// SectionEnteredAt is when the thread entered its section; always null.
	SectionEnteredAt *int64 `json:"sectionEnteredAt"`
	// DaybreakEnabled is a feature switch of the reference; always null.
	DaybreakEnabled *bool `json:"daybreakEnabled"`
	// CanAcceptDirectInput says whether turn/start may be sent to the
	// thread; always true.
	CanAcceptDirectInput bool `json:"canAcceptDirectInput"`
}

// Thread is a conversation as v2 shows it.
type Thread struct {
	// ThreadExtras are the members only the experimental schema declares.
	ThreadExtras
	// ID is the thread's id, the id of its conversation.
	ID string `json:"id"`
	// SessionID is the id of the thread's session; the same as ID.
	SessionID string `json:"sessionId"`
	// ForkedFromID is the thread this one was forked from; always null,
	// as threads are not forked.
	ForkedFromID *string `json:"forkedFromId"`
	// ParentThreadID is the thread that started this one; always null.
	ParentThreadID *string `json:"parentThreadId"`
	// Preview is a short excerpt of the conversation; always empty today.
	Preview string `json:"preview"`
	// Ephemeral is set when the thread is not recorded on disk.
	Ephemeral bool `json:"ephemeral"`
	// ProjectID is the project the thread belongs to; always null.
	ProjectID *string `json:"projectId"`
	// HistoryMode is how the thread's history is read; always
	// "paginated".
	HistoryMode string `json:"historyMode"`
	// ModelProvider is the id of the thread's model provider.
	ModelProvider string `json:"modelProvider"`
	// Model is the model the thread uses; always set.
	Model *string `json:"model"`
	// ReasoningEffort is the configured reasoning effort, null when the
	// configuration sets none.
	ReasoningEffort *protocol.ReasoningEffort `json:"reasoningEffort"`
	// CreatedAt is when the thread was started, in Unix seconds.
	CreatedAt int64 `json:"createdAt"`
	// UpdatedAt is when the thread last changed, in Unix seconds; it is
	// the start time, as the thread is sent only when it starts.
	UpdatedAt int64 `json:"updatedAt"`
	// RecencyAt is the time the thread is sorted by, in Unix seconds; the
	// start time.
	RecencyAt *int64 `json:"recencyAt"`
	// Status is the thread's runtime status.
	Status ThreadStatus `json:"status"`
	// Path is the thread's rollout file, null for an ephemeral thread.
	Path *string `json:"path"`
	// Cwd is the thread's working directory.
	Cwd string `json:"cwd"`
	// CLIVersion is the version of this server.
	CLIVersion string `json:"cliVersion"`
	// Originator is the name the client gave in initialize, or the
	// server's default originator when it gave none.
	Originator *string `json:"originator"`
	// Source is where the thread was started; always "vscode".
	Source string `json:"source"`
	// ThreadSource further qualifies where the thread came from; always
	// null.
	ThreadSource *string `json:"threadSource"`
	// AgentNickname is the nickname of a thread started by another
	// thread; always null.
	AgentNickname *string `json:"agentNickname"`
	// AgentRole is the role of a thread started by another thread; always
	// null.
	AgentRole *string `json:"agentRole"`
	// GitInfo describes the repository of the working directory; always
	// null today.
	GitInfo *GitInfo `json:"gitInfo"`
	// Name is the name the user gave the thread; always null.
	Name *string `json:"name"`
	// Turns are the thread's past turns; always empty, as a thread is sent
	// only when it starts.
	Turns []Turn `json:"turns"`
}

// GitInfo describes the repository a thread started in.
type GitInfo struct {
	// SHA is the commit checked out, when known.
	SHA *string `json:"sha"`
	// Branch is the branch checked out, when known.
	Branch *string `json:"branch"`
	// OriginURL is the URL of the origin remote, when known.
	OriginURL *string `json:"originUrl"`
}

// Thread status types.
const (
	// ThreadIdle is the status of a thread without a running turn.
	ThreadIdle = "idle"
	// ThreadActive is the status of a thread running a turn.
	ThreadActive = "active"
	// ThreadNotLoaded is the status of a thread that is not in memory;
	// this server does not send it, as it knows only the threads it runs.
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
	// Type is idle, active or systemError (notLoaded is never sent).
	Type string `json:"type"`
	// ActiveFlags qualify an active status, possibly none; today only
	// waitingOnApproval. Other statuses have no flags.
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
	// Type is readOnly, workspaceWrite or dangerFullAccess.
	Type string `json:"type"`
	// WritableRoots are the directories writable besides the working
	// directory; workspaceWrite only.
	WritableRoots *[]string `json:"writableRoots,omitempty"`
	// NetworkAccess allows outbound network; sent for workspaceWrite and
	// (always false) for readOnly.
	NetworkAccess *bool `json:"networkAccess,omitempty"`
	// ExcludeTmpdirEnvVar keeps $TMPDIR read-only; workspaceWrite only.
	ExcludeTmpdirEnvVar *bool `json:"excludeTmpdirEnvVar,omitempty"`
	// ExcludeSlashTmp keeps /tmp read-only; workspaceWrite only.
	ExcludeSlashTmp *bool `json:"excludeSlashTmp,omitempty"`
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
	// TurnInProgress is the status of a turn that has not ended.
	TurnInProgress = "inProgress"
	// TurnCompleted is the status of a turn that ended normally.
	TurnCompleted = "completed"
	// TurnInterrupted is the status of a turn stopped by turn/interrupt.
	TurnInterrupted = "interrupted"
	// TurnFailed is the status of a turn that ended with an error.
	TurnFailed = "failed"
)

// Turn is one user request and the work it caused.
type Turn struct {
	// ID is the turn's id.
	ID string `json:"id"`
	// RootTurnID is the id of the turn's root turn; always the same as
	// ID.
	RootTurnID string `json:"rootTurnId"`
	// Items are the turn's agent messages once it has ended, and empty
	// before; the item notifications carry every item.
	Items []Item `json:"items"`
	// ItemsView says how much of the turn Items shows: "summary" when it
	// holds the agent messages, "notLoaded" when it is empty.
	ItemsView string `json:"itemsView"`
	// Status is inProgress, completed, interrupted or failed.
	Status string `json:"status"`
	// Error says why a failed turn failed; null otherwise.
	Error *TurnError `json:"error"`
	// StartedAt is when the turn began to run, in Unix seconds; null in
	// the answer to a turn/start that has not begun yet.
	StartedAt *int64 `json:"startedAt"`
	// CompletedAt is when the turn ended, in Unix seconds; null while it
	// runs.
	CompletedAt *int64 `json:"completedAt"`
	// DurationMs is how long the turn ran, in milliseconds; null while it
	// runs.
	DurationMs *int64 `json:"durationMs"`
}

// TurnError says why a turn failed.
type TurnError struct {
	// Message says what went wrong.
	Message string `json:"message"`
	// CodexErrorInfo classifies a failed model request (for example
	// contextWindowExceeded, usageLimitExceeded, unauthorized or other);
	// null for other errors.
	CodexErrorInfo *string `json:"codexErrorInfo"`
	// AdditionalDetails adds to the message; always null.
	AdditionalDetails *string `json:"additionalDetails"`
	// Misalignment is further detail this server never gives; always
	// null.
	Misalignment json.RawMessage `json:"misalignment"`
}

// UserInput is one input item of turn/start: text, an image by URL or a
// local image.
type UserInput struct {
	// Type is text, image or localImage.
	Type string `json:"type"`
	// Text is the text of a text input.
	Text string `json:"text,omitempty"`
	// TextElements are the special spans of a text input's text.
	TextElements []TextElement `json:"text_elements,omitempty"`
	// URL is the address of an image input.
	URL string `json:"url,omitempty"`
	// Path is the file of a localImage input.
	Path string `json:"path,omitempty"`
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
	// InputText is a text input.
	InputText = "text"
	// InputImage is an image given by URL.
	InputImage = "image"
	// InputLocalImage is an image file on the server's machine.
	InputLocalImage = "localImage"
)

// TurnStartParams are the params of turn/start.
type TurnStartParams struct {
	// ThreadID is the thread to run the turn in.
	ThreadID string `json:"threadId"`
	// Input is what the user sends.
	Input []UserInput `json:"input"`
	// Cwd overrides the working directory for this turn and the later
	// ones; ignored when the input joins a running turn, as are the other
	// overrides.
	Cwd *string `json:"cwd,omitempty"`
	// ApprovalPolicy overrides the approval policy from this turn on.
	ApprovalPolicy *protocol.AskForApproval `json:"approvalPolicy,omitempty"`
	// SandboxPolicy overrides the sandbox policy from this turn on; an
	// unknown type keeps the current one.
	SandboxPolicy *ThreadSandbox `json:"sandboxPolicy,omitempty"`
	// Model overrides the model from this turn on.
	Model *string `json:"model,omitempty"`
	// Effort overrides the reasoning effort from this turn on.
	Effort *protocol.ReasoningEffort `json:"effort,omitempty"`
	// Summary overrides the reasoning summary setting from this turn on.
	Summary *protocol.ReasoningSummary `json:"summary,omitempty"`
}

// TurnStartResponse answers turn/start with the new turn.
type TurnStartResponse struct {
	// Turn is the new turn, in progress, or the running turn the input
	// joined.
	Turn Turn `json:"turn"`
}

// TurnInterruptParams are the params of turn/interrupt.
type TurnInterruptParams struct {
	// ThreadID is the thread whose running turn stops.
	ThreadID string `json:"threadId"`
	// TurnID is the turn to stop; the thread's running turn stops
	// whatever it says.
	TurnID string `json:"turnId"`
}

// TurnInterruptResponse answers turn/interrupt.
type TurnInterruptResponse struct{}
