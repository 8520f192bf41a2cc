package protocol

// The JSON Lines that `codex exec --json` prints, one object per line, as
// codex-cli 0.45.0 prints them: the thread, the turn, and the turn's
// items, each completed once (some also started, and a to-do list
// updated, before).

// The types of the lines.
const (
	// ExecThreadStarted opens the output: the thread (conversation) id.
	ExecThreadStarted = "thread.started"
	// ExecTurnStarted says the turn began.
	ExecTurnStarted = "turn.started"
	// ExecTurnCompleted ends a turn that completed, with the token usage.
	ExecTurnCompleted = "turn.completed"
	// ExecTurnFailed ends a turn that failed, with the error.
	ExecTurnFailed = "turn.failed"
	// ExecItemStarted opens an item that takes time (a command, a tool
	// call, the to-do list).
	ExecItemStarted = "item.started"
	// ExecItemUpdated shows an open item's new state (the to-do list).
	ExecItemUpdated = "item.updated"
	// ExecItemCompleted shows an item in its final state.
	ExecItemCompleted = "item.completed"
	// ExecError is an error of the turn; the turn then fails.
	ExecError = "error"
)

// The types of the items.
const (
	// ExecItemAgentMessage is an answer of the model.
	ExecItemAgentMessage = "agent_message"
	// ExecItemReasoning is a summary of the model's reasoning.
	ExecItemReasoning = "reasoning"
	// ExecItemCommand is a command run for the model.
	ExecItemCommand = "command_execution"
	// ExecItemFileChange is a patch applied for the model.
	ExecItemFileChange = "file_change"
	// ExecItemMcpToolCall is a call of a tool of an MCP server.
	ExecItemMcpToolCall = "mcp_tool_call"
	// ExecItemWebSearch is a web search the provider ran.
	ExecItemWebSearch = "web_search"
	// ExecItemTodoList is the model's plan.
	ExecItemTodoList = "todo_list"
	// ExecItemError is a problem the turn went on after (a dropped
	// stream being retried, say).
	ExecItemError = "error"
)

// The statuses of items that take time.
const (
	// ExecInProgress is an item still running.
	ExecInProgress = "in_progress"
	// ExecCompleted is an item that ended well.
	ExecCompleted = "completed"
	// ExecFailed is an item that ended badly (a command's non-zero exit, a
	// patch that did not apply, a tool call that failed).
	ExecFailed = "failed"
)

// ExecEvent is one line; the members other than type belong to the line
// types named in their comments.
type ExecEvent struct {
	// Type is one of the Exec* line types.
	Type string `json:"type"`
	// ThreadID is the conversation id (thread.started).
	ThreadID string `json:"thread_id,omitempty"`
	// Item is the item (item.*): one of the Exec*Item types.
	Item any `json:"item,omitempty"`
	// Usage is the turn's token usage (turn.completed).
	Usage *ExecUsage `json:"usage,omitempty"`
	// Error is what failed the turn (turn.failed).
	Error *ExecErrorInfo `json:"error,omitempty"`
	// Message is the error (error).
	Message string `json:"message,omitempty"`
}

// ExecUsage is the token usage of a turn, summed over its model requests.
type ExecUsage struct {
	// InputTokens are the tokens sent.
	InputTokens int64 `json:"input_tokens"`
	// CachedInputTokens are the input tokens served from the cache.
	CachedInputTokens int64 `json:"cached_input_tokens"`
	// OutputTokens are the tokens the model wrote.
	OutputTokens int64 `json:"output_tokens"`
}

// ExecErrorInfo is the error of a failed turn.
type ExecErrorInfo struct {
	// Message says what went wrong.
	Message string `json:"message"`
}

// ExecTextItem is an agent_message, reasoning or error item.
type ExecTextItem struct {
	// ID is item_<n>, numbered in the order the items start.
	ID string `json:"id"`
	// Type is agent_message or reasoning (with Text), or error (with
	// Message).
	Type string `json:"type"`
	// Text is the message or the reasoning summary.
	Text string `json:"text,omitempty"`
	// Message is the error.
	Message string `json:"message,omitempty"`
}

// ExecCommandItem is a command_execution item.
type ExecCommandItem struct {
	// ID is item_<n>.
	ID string `json:"id"`
	// Type is command_execution.
	Type string `json:"type"`
	// Command is the command line.
	Command string `json:"command"`
	// AggregatedOutput is the command's output, both streams ("" while it
	// runs).
	AggregatedOutput string `json:"aggregated_output"`
	// ExitCode is the exit status, once the command ended.
	ExitCode *int `json:"exit_code,omitempty"`
	// Status is in_progress, completed or failed.
	Status string `json:"status"`
}

// ExecFileChangeItem is a file_change item.
type ExecFileChangeItem struct {
	// ID is item_<n>.
	ID string `json:"id"`
	// Type is file_change.
	Type string `json:"type"`
	// Changes are the files the patch touched, by path.
	Changes []ExecFileUpdate `json:"changes"`
	// Status is completed or failed.
	Status string `json:"status"`
}

// ExecFileUpdate is one file of a file_change item.
type ExecFileUpdate struct {
	// Path is the file.
	Path string `json:"path"`
	// Kind is add, delete or update.
	Kind string `json:"kind"`
}

// ExecMcpToolCallItem is an mcp_tool_call item.
type ExecMcpToolCallItem struct {
	// ID is item_<n>.
	ID string `json:"id"`
	// Type is mcp_tool_call.
	Type string `json:"type"`
	// Server is the MCP server's name in config.toml.
	Server string `json:"server"`
	// Tool is the tool's name on that server.
	Tool string `json:"tool"`
	// Status is in_progress, completed or failed.
	Status string `json:"status"`
}

// ExecWebSearchItem is a web_search item.
type ExecWebSearchItem struct {
	// ID is item_<n>.
	ID string `json:"id"`
	// Type is web_search.
	Type string `json:"type"`
	// Query is what was searched.
	Query string `json:"query"`
}

// ExecTodoListItem is a todo_list item: the model's plan.
type ExecTodoListItem struct {
	// ID is item_<n>.
	ID string `json:"id"`
	// Type is todo_list.
	Type string `json:"type"`
	// Items are the plan's steps.
	Items []ExecTodoItem `json:"items"`
}

// ExecTodoItem is one step of a todo_list item.
type ExecTodoItem struct {
	// Text is the step.
	Text string `json:"text"`
	// Completed says the step is done.
	Completed bool `json:"completed"`
}
