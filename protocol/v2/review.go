package v2

// MethodReviewStart starts a review turn on a thread.
const MethodReviewStart = "review/start"

// ReviewStartParams are the params of review/start.
type ReviewStartParams struct {
	// ThreadID is the thread the review runs on (inline).
	ThreadID string `json:"threadId"`
	// Target is what to review.
	Target ReviewTarget `json:"target"`
	// Delivery is where the review runs: null or "inline", on the thread.
	Delivery *string `json:"delivery,omitempty"`
}

// The kinds of review targets.
const (
	// ReviewUncommittedChanges reviews the working tree: staged, unstaged
	// and untracked files.
	ReviewUncommittedChanges = "uncommittedChanges"
	// ReviewBaseBranch reviews the current branch against Branch.
	ReviewBaseBranch = "baseBranch"
	// ReviewCommit reviews the commit SHA.
	ReviewCommit = "commit"
	// ReviewCustom reviews what Instructions say.
	ReviewCustom = "custom"
)

// ReviewTarget is what a review looks at, tagged by type: the members
// other than type belong to the kinds named in their comments.
type ReviewTarget struct {
	// Type is uncommittedChanges, baseBranch, commit or custom.
	Type string `json:"type"`
	// Branch is the base branch (baseBranch).
	Branch string `json:"branch,omitempty"`
	// SHA is the commit (commit).
	SHA string `json:"sha,omitempty"`
	// Title is the commit's subject, for display (commit; optional).
	Title *string `json:"title,omitempty"`
	// Instructions are the reviewer's task (custom).
	Instructions string `json:"instructions,omitempty"`
}

// ReviewStartResponse answers review/start before the review's
// notifications.
type ReviewStartResponse struct {
	// Turn is the review turn, in progress, holding the user-facing
	// description of the review as a user message.
	Turn Turn `json:"turn"`
	// ReviewThreadID is the thread the review runs on: the one asked for.
	ReviewThreadID string `json:"reviewThreadId"`
}

// The types of the review items.
const (
	// ItemEnteredReviewMode is the type of an EnteredReviewModeItem.
	ItemEnteredReviewMode = "enteredReviewMode"
	// ItemExitedReviewMode is the type of an ExitedReviewModeItem.
	ItemExitedReviewMode = "exitedReviewMode"
)

// EnteredReviewModeItem opens a review turn.
type EnteredReviewModeItem struct {
	// Type is enteredReviewMode.
	Type string `json:"type"`
	// ID identifies the item.
	ID string `json:"id"`
	// Review describes what is reviewed ("current changes").
	Review string `json:"review"`
	// ItemTimes are when it started and completed (the same time).
	ItemTimes
}

// ExitedReviewModeItem closes a review turn with the review.
type ExitedReviewModeItem struct {
	// Type is exitedReviewMode.
	Type string `json:"type"`
	// ID identifies the item.
	ID string `json:"id"`
	// Review is the review as text: the verdict and the findings.
	Review string `json:"review"`
	// ItemTimes are when it started and completed (the same time).
	ItemTimes
}

// ItemID implements Item.
func (i EnteredReviewModeItem) ItemID() string { return i.ID }

// ItemID implements Item.
func (i ExitedReviewModeItem) ItemID() string { return i.ID }
