package protocol

// Submission is one request into a conversation: an id that the events it
// causes will carry, and the operation.
type Submission struct {
	// ID is echoed in the Event.ID of every event the op causes.
	ID string `json:"id"`
	// Op is the operation.
	Op Op `json:"op"`
}

// Op is implemented by every operation a conversation accepts.
type Op interface {
	OpType() string
}

// InterruptOp stops the running turn.
type InterruptOp struct{}

// UserInputOp starts a turn (or adds input to the running one) with the
// conversation's current turn settings.
type UserInputOp struct {
	// Items is the user input.
	Items []InputItem `json:"items"`
}

// UserTurnOp starts a turn with explicit settings, which also become the
// conversation's settings for later turns.
type UserTurnOp struct {
	// Items is the user input.
	Items []InputItem `json:"items"`
	// TurnContext holds the settings; its members are those of the op.
	TurnContext
}

// ExecApprovalOp answers an exec_approval_request.
type ExecApprovalOp struct {
	// ID is the call id of the request.
	ID string `json:"id"`
	// Decision is the answer.
	Decision ReviewDecision `json:"decision"`
}

// PatchApprovalOp answers an apply_patch_approval_request.
type PatchApprovalOp struct {
	// ID is the call id of the request.
	ID string `json:"id"`
	// Decision is the answer.
	Decision ReviewDecision `json:"decision"`
}

// AddToHistoryOp appends a message to the global history.
type AddToHistoryOp struct {
	// Text is the message.
	Text string `json:"text"`
}

// GetHistoryEntryRequestOp asks for one history entry.
type GetHistoryEntryRequestOp struct {
	// Offset is the entry index.
	Offset int `json:"offset"`
	// LogID is the history file id.
	LogID uint64 `json:"log_id"`
}

// ShutdownOp ends the conversation; the last event is shutdown_complete.
type ShutdownOp struct{}

// CompactOp asks the conversation to summarise its history with the model
// and continue from the summary. It runs as a turn of its own: task_started,
// context_compaction_begin, context_compacted, task_complete.
type CompactOp struct{}

// ReviewOp starts a review turn: the model reviews code as the request
// says, in a context of its own, and the review joins the conversation.
type ReviewOp struct {
	// ReviewRequest says what to review.
	ReviewRequest ReviewRequest `json:"review_request"`
}

// ListMcpToolsOp asks for the MCP tools available to the conversation; the
// answer is an mcp_list_tools_response event.
type ListMcpToolsOp struct{}

// RunUserShellCommandOp runs a shell command the user typed, outside the
// approval flow and without the sandbox, as the user's own action. It runs
// as a turn of its own, or joins the running turn; the command and its
// output join the history the model sees.
type RunUserShellCommandOp struct {
	// Command is the command line, run by the user's shell.
	Command string `json:"command"`
	// TimeoutMs bounds the run; nil means one hour, zero times out at once.
	TimeoutMs *int64 `json:"timeout_ms,omitempty"`
}

// OpType implementations: the wire tag of each op.
func (InterruptOp) OpType() string              { return "interrupt" }
func (UserInputOp) OpType() string              { return "user_input" }
func (UserTurnOp) OpType() string               { return "user_turn" }
func (ExecApprovalOp) OpType() string           { return "exec_approval" }
func (PatchApprovalOp) OpType() string          { return "patch_approval" }
func (AddToHistoryOp) OpType() string           { return "add_to_history" }
func (GetHistoryEntryRequestOp) OpType() string { return "get_history_entry_request" }
func (ShutdownOp) OpType() string               { return "shutdown" }
func (CompactOp) OpType() string                { return "compact" }
func (ReviewOp) OpType() string                 { return "review" }
func (ListMcpToolsOp) OpType() string           { return "list_mcp_tools" }
func (RunUserShellCommandOp) OpType() string    { return "run_user_shell_command" }
