package v2

import (
	"encoding/json"

	"github.com/codex-go/codex/protocol"
)

// Client requests about recorded threads and their history.
const (
	// MethodThreadList lists recorded threads, a page at a time.
	MethodThreadList = "thread/list"
	// MethodThreadRead describes one thread, optionally with its turns.
	MethodThreadRead = "thread/read"
	// MethodThreadResume loads a recorded thread so that turns can run in
	// it again.
	MethodThreadResume = "thread/resume"
	// MethodThreadFork starts a new thread with a copy of another's
	// history.
	MethodThreadFork = "thread/fork"
	// MethodThreadArchive moves a thread's rollout to the archive.
	MethodThreadArchive = "thread/archive"
	// MethodThreadUnarchive moves an archived thread's rollout back.
	MethodThreadUnarchive = "thread/unarchive"
	// MethodThreadDelete deletes a thread's rollout.
	MethodThreadDelete = "thread/delete"
	// MethodThreadSetName names a thread.
	MethodThreadSetName = "thread/name/set"
	// MethodThreadUnsubscribe stops the notifications of a thread.
	MethodThreadUnsubscribe = "thread/unsubscribe"
	// MethodThreadLoadedList lists the threads loaded in the server.
	MethodThreadLoadedList = "thread/loaded/list"
	// MethodThreadTurnsList pages through a thread's turns.
	MethodThreadTurnsList = "thread/turns/list"
	// MethodThreadItemsList pages through a thread's items.
	MethodThreadItemsList = "thread/items/list"
)

// Server notifications about recorded threads.
const (
	// NotificationThreadArchived follows the answer to thread/archive.
	NotificationThreadArchived = "thread/archived"
	// NotificationThreadUnarchived follows the answer to thread/unarchive.
	NotificationThreadUnarchived = "thread/unarchived"
	// NotificationThreadDeleted follows the answer to thread/delete.
	NotificationThreadDeleted = "thread/deleted"
	// NotificationThreadNameUpdated follows the answer to thread/name/set.
	NotificationThreadNameUpdated = "thread/name/updated"
)

// Sort directions of the listing methods.
const (
	// SortAsc lists oldest first.
	SortAsc = "asc"
	// SortDesc lists newest first.
	SortDesc = "desc"
)

// Sort keys of thread/list.
const (
	// SortCreatedAt sorts by start time.
	SortCreatedAt = "created_at"
	// SortUpdatedAt sorts by the time of the last change.
	SortUpdatedAt = "updated_at"
	// SortRecencyAt sorts like SortUpdatedAt.
	SortRecencyAt = "recency_at"
	// SortSectionPosition orders by section; there are no sections, so
	// it sorts like SortCreatedAt.
	SortSectionPosition = "section_position"
)

// Turn item views.
const (
	// ItemsNotLoaded is the view of a turn whose items are left out.
	ItemsNotLoaded = "notLoaded"
	// ItemsSummary is the view of a turn with its messages only.
	ItemsSummary = "summary"
	// ItemsFull is the view of a turn with every item.
	ItemsFull = "full"
)

// StringList is a JSON value that is either one string or an array of
// strings, as the cwd filter of thread/list.
type StringList []string

// UnmarshalJSON accepts a string or an array of strings.
func (l *StringList) UnmarshalJSON(data []byte) error {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*l = StringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(data, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

// ThreadListParams are the params of thread/list.
type ThreadListParams struct {
	// Cursor continues a previous listing.
	Cursor *string `json:"cursor,omitempty"`
	// Limit is the page size; 25 when absent, at most 100.
	Limit *int64 `json:"limit,omitempty"`
	// SortKey is created_at (default), updated_at, recency_at or
	// section_position.
	SortKey *string `json:"sortKey,omitempty"`
	// SortDirection is desc (default, newest first) or asc.
	SortDirection *string `json:"sortDirection,omitempty"`
	// Archived lists the archived threads instead of the others.
	Archived *bool `json:"archived,omitempty"`
	// Cwd keeps the threads whose working directory is one of these.
	Cwd *StringList `json:"cwd,omitempty"`
	// ModelProviders keeps the threads of these model providers; empty
	// keeps all.
	ModelProviders []string `json:"modelProviders,omitempty"`
	// SourceKinds keeps the threads started from these sources; empty
	// keeps the interactive ones (cli, vscode, appServer).
	SourceKinds []string `json:"sourceKinds,omitempty"`
	// SearchTerm keeps the threads whose preview or name holds it.
	SearchTerm *string `json:"searchTerm,omitempty"`
	// IncludedThreadIDs keeps only these threads.
	IncludedThreadIDs []string `json:"includedThreadIds,omitempty"`
	// ExcludedThreadIDs leaves these threads out.
	ExcludedThreadIDs []string `json:"excludedThreadIds,omitempty"`
	// Originators must be empty: the local server does not filter by
	// originator.
	Originators []string `json:"originators,omitempty"`
	// SectionID filters by section; there are no sections, so a section
	// id matches nothing.
	SectionID *string `json:"sectionId,omitempty"`
	// CurrentAccountOnly is accepted and ignored: there is one account.
	CurrentAccountOnly *bool `json:"currentAccountOnly,omitempty"`
	// UseStateDBOnly is accepted and ignored: the rollouts are the only
	// store.
	UseStateDBOnly *bool `json:"useStateDbOnly,omitempty"`
}

// ThreadListResponse answers thread/list.
type ThreadListResponse struct {
	// Data are the threads of the page, without their turns.
	Data []Thread `json:"data"`
	// NextCursor continues after the last thread; null at the end.
	NextCursor *string `json:"nextCursor"`
	// BackwardsCursor lists from the first thread of the page in the
	// other direction; null for an empty page.
	BackwardsCursor *string `json:"backwardsCursor"`
}

// ThreadReadParams are the params of thread/read.
type ThreadReadParams struct {
	// ThreadID is the thread to describe.
	ThreadID string `json:"threadId"`
	// IncludeTurns adds the thread's turns with all their items.
	IncludeTurns bool `json:"includeTurns,omitempty"`
}

// ThreadReadResponse answers thread/read.
type ThreadReadResponse struct {
	// Thread is the thread.
	Thread Thread `json:"thread"`
}

// ThreadResumeParams are the params of thread/resume. The settings
// override the configuration, as for thread/start.
type ThreadResumeParams struct {
	// ThreadID is the thread to resume.
	ThreadID string `json:"threadId"`
	// ExcludeTurns leaves the turns out of the answer.
	ExcludeTurns bool `json:"excludeTurns,omitempty"`
	// Model overrides the configured model.
	Model *string `json:"model,omitempty"`
	// ModelProvider selects a configured model provider.
	ModelProvider *string `json:"modelProvider,omitempty"`
	// ServiceTier is accepted and ignored.
	ServiceTier *string `json:"serviceTier,omitempty"`
	// Cwd is the working directory.
	Cwd *string `json:"cwd,omitempty"`
	// ApprovalPolicy overrides the approval policy.
	ApprovalPolicy *protocol.AskForApproval `json:"approvalPolicy,omitempty"`
	// ApprovalsReviewer is accepted; approvals always go to the user.
	ApprovalsReviewer *string `json:"approvalsReviewer,omitempty"`
	// Sandbox overrides the sandbox mode.
	Sandbox *protocol.SandboxMode `json:"sandbox,omitempty"`
	// Config holds settings by dotted path.
	Config map[string]any `json:"config,omitempty"`
	// BaseInstructions replace the built-in instructions.
	BaseInstructions *string `json:"baseInstructions,omitempty"`
	// DeveloperInstructions are accepted and ignored on resume: the
	// recorded history keeps its own.
	DeveloperInstructions *string `json:"developerInstructions,omitempty"`
	// Personality is accepted and ignored.
	Personality *string `json:"personality,omitempty"`
}

// ThreadResumeResponse answers thread/resume with the thread and its
// settings, as thread/start does.
type ThreadResumeResponse = ThreadStartResponse

// ThreadForkParams are the params of thread/fork.
type ThreadForkParams struct {
	// ThreadID is the thread to fork.
	ThreadID string `json:"threadId"`
	// LastTurnID is the last turn copied; all are when absent.
	LastTurnID *string `json:"lastTurnId,omitempty"`
	// ExcludeTurns leaves the turns out of the answer.
	ExcludeTurns bool `json:"excludeTurns,omitempty"`
	// Ephemeral is not supported for a fork, whose history is recorded.
	Ephemeral *bool `json:"ephemeral,omitempty"`
	// Model overrides the configured model.
	Model *string `json:"model,omitempty"`
	// ModelProvider selects a configured model provider.
	ModelProvider *string `json:"modelProvider,omitempty"`
	// ServiceTier is accepted and ignored.
	ServiceTier *string `json:"serviceTier,omitempty"`
	// Cwd is the working directory.
	Cwd *string `json:"cwd,omitempty"`
	// ApprovalPolicy overrides the approval policy.
	ApprovalPolicy *protocol.AskForApproval `json:"approvalPolicy,omitempty"`
	// ApprovalsReviewer is accepted; approvals always go to the user.
	ApprovalsReviewer *string `json:"approvalsReviewer,omitempty"`
	// Sandbox overrides the sandbox mode.
	Sandbox *protocol.SandboxMode `json:"sandbox,omitempty"`
	// Config holds settings by dotted path.
	Config map[string]any `json:"config,omitempty"`
	// BaseInstructions replace the built-in instructions.
	BaseInstructions *string `json:"baseInstructions,omitempty"`
	// DeveloperInstructions are accepted and ignored: the copied history
	// keeps its own.
	DeveloperInstructions *string `json:"developerInstructions,omitempty"`
	// ThreadSource is accepted and ignored.
	ThreadSource json.RawMessage `json:"threadSource,omitempty"`
}

// ThreadForkResponse answers thread/fork with the new thread and its
// settings, as thread/start does.
type ThreadForkResponse = ThreadStartResponse

// ThreadIDParams are the params of the methods that only name a thread:
// thread/archive, thread/unarchive, thread/delete, thread/unsubscribe.
type ThreadIDParams struct {
	// ThreadID is the thread.
	ThreadID string `json:"threadId"`
}

// ThreadArchiveResponse answers thread/archive.
type ThreadArchiveResponse struct{}

// ThreadUnarchiveResponse answers thread/unarchive with the thread.
type ThreadUnarchiveResponse struct {
	// Thread is the thread, back among the others.
	Thread Thread `json:"thread"`
}

// ThreadDeleteResponse answers thread/delete.
type ThreadDeleteResponse struct{}

// ThreadSetNameParams are the params of thread/name/set.
type ThreadSetNameParams struct {
	// ThreadID is the thread to name.
	ThreadID string `json:"threadId"`
	// Name is its new name; it must not be blank.
	Name string `json:"name"`
}

// ThreadSetNameResponse answers thread/name/set.
type ThreadSetNameResponse struct{}

// Statuses of thread/unsubscribe.
const (
	// UnsubscribeNotLoaded: the thread is not loaded in the server.
	UnsubscribeNotLoaded = "notLoaded"
	// UnsubscribeNotSubscribed: the client was not subscribed.
	UnsubscribeNotSubscribed = "notSubscribed"
	// Unsubscribed: the client no longer receives the thread's
	// notifications.
	Unsubscribed = "unsubscribed"
)

// ThreadUnsubscribeResponse answers thread/unsubscribe.
type ThreadUnsubscribeResponse struct {
	// Status is notLoaded, notSubscribed or unsubscribed.
	Status string `json:"status"`
}

// ThreadLoadedListParams are the params of thread/loaded/list.
type ThreadLoadedListParams struct {
	// Cursor continues a previous listing.
	Cursor *string `json:"cursor,omitempty"`
	// Limit is the page size; no limit when absent.
	Limit *int64 `json:"limit,omitempty"`
}

// ThreadLoadedListResponse answers thread/loaded/list.
type ThreadLoadedListResponse struct {
	// Data are the ids of the loaded threads, in id order.
	Data []string `json:"data"`
	// NextCursor continues after the last id; null at the end.
	NextCursor *string `json:"nextCursor"`
}

// ThreadTurnsListParams are the params of thread/turns/list.
type ThreadTurnsListParams struct {
	// ThreadID is the thread.
	ThreadID string `json:"threadId"`
	// Cursor continues a previous page.
	Cursor *string `json:"cursor,omitempty"`
	// Limit is the page size; 25 when absent, at most 100.
	Limit *int64 `json:"limit,omitempty"`
	// SortDirection is desc (default, newest first) or asc.
	SortDirection *string `json:"sortDirection,omitempty"`
	// ItemsView is notLoaded, summary (default) or full.
	ItemsView *string `json:"itemsView,omitempty"`
}

// ThreadTurnsListResponse answers thread/turns/list.
type ThreadTurnsListResponse struct {
	// Data are the turns of the page.
	Data []Turn `json:"data"`
	// NextCursor continues after the last turn; null at the end.
	NextCursor *string `json:"nextCursor"`
	// BackwardsCursor lists from the first turn of the page, included,
	// in the other direction; null for an empty page.
	BackwardsCursor *string `json:"backwardsCursor"`
}

// ItemsAnchor is the cursor of thread/items/list given as an item of the
// requested turn: the page starts after it.
type ItemsAnchor struct {
	// Type is "item".
	Type string `json:"type"`
	// ItemID is the item.
	ItemID string `json:"itemId"`
}

// ItemsCursor is the cursor of thread/items/list: a string returned by an
// earlier page, or an item anchor.
type ItemsCursor struct {
	// Opaque is the cursor string, when one was sent.
	Opaque *string
	// Anchor is the item anchor, when one was sent.
	Anchor *ItemsAnchor
}

// UnmarshalJSON accepts a string or an anchor object.
func (c *ItemsCursor) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		c.Opaque = &s
		return nil
	}
	var a ItemsAnchor
	if err := json.Unmarshal(data, &a); err != nil {
		return err
	}
	c.Anchor = &a
	return nil
}

// ThreadItemsListParams are the params of thread/items/list.
type ThreadItemsListParams struct {
	// ThreadID is the thread.
	ThreadID string `json:"threadId"`
	// TurnID keeps the items of one turn; all turns when absent.
	TurnID *string `json:"turnId,omitempty"`
	// Cursor continues a previous page, or starts after an item of the
	// turn.
	Cursor *ItemsCursor `json:"cursor,omitempty"`
	// Limit is the page size; 25 when absent, at most 100.
	Limit *int64 `json:"limit,omitempty"`
	// SortDirection is asc (default, oldest first) or desc.
	SortDirection *string `json:"sortDirection,omitempty"`
	// DeferOutput is accepted and ignored.
	DeferOutput json.RawMessage `json:"deferOutput,omitempty"`
}

// ThreadItemEntry is one item of thread/items/list with its turn.
type ThreadItemEntry struct {
	// TurnID is the turn the item belongs to.
	TurnID string `json:"turnId"`
	// Item is the item.
	Item Item `json:"item"`
	// StartedAtMs is when the item started, in Unix milliseconds.
	StartedAtMs *int64 `json:"startedAtMs"`
	// CompletedAtMs is when the item completed, in Unix milliseconds.
	CompletedAtMs *int64 `json:"completedAtMs"`
}

// ThreadItemsListResponse answers thread/items/list.
type ThreadItemsListResponse struct {
	// Data are the items of the page.
	Data []ThreadItemEntry `json:"data"`
	// NextCursor continues after the last item; null at the end.
	NextCursor *string `json:"nextCursor"`
	// BackwardsCursor lists from the first item of the page, included,
	// in the other direction; null for an empty page.
	BackwardsCursor *string `json:"backwardsCursor"`
}

// ThreadIDNotification is the params of the notifications that only name
// a thread: thread/archived, thread/unarchived, thread/deleted.
type ThreadIDNotification struct {
	// ThreadID is the thread.
	ThreadID string `json:"threadId"`
}

// ThreadNameUpdatedNotification says a thread was named.
type ThreadNameUpdatedNotification struct {
	// ThreadID is the thread.
	ThreadID string `json:"threadId"`
	// ThreadName is its new name.
	ThreadName *string `json:"threadName"`
}
