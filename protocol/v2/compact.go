package v2

// MethodThreadCompactStart asks for the thread's history to be summarised.
const MethodThreadCompactStart = "thread/compact/start"

// ThreadCompactStartParams are the params of thread/compact/start.
type ThreadCompactStartParams struct {
	// ThreadID is the thread to compact.
	ThreadID string `json:"threadId"`
}

// ThreadCompactStartResponse answers thread/compact/start as soon as the
// compaction started; it runs as a turn of the thread, with a
// contextCompaction item, and ends with turn/completed.
type ThreadCompactStartResponse struct{}

// ItemContextCompaction is the type of a ContextCompactionItem.
const ItemContextCompaction = "contextCompaction"

// ContextCompactionItem is the summarising of a thread's history by the
// model, asked for with thread/compact/start or started automatically
// when the context window fills up. Later requests start from the summary.
type ContextCompactionItem struct {
	// Type is contextCompaction.
	Type string `json:"type"`
	// ID identifies the item.
	ID string `json:"id"`
	// ItemTimes are when the compaction started and completed.
	ItemTimes
}

// ItemID implements Item.
func (i ContextCompactionItem) ItemID() string { return i.ID }
