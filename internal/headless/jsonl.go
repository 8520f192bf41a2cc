package headless

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/codex-go/codex/protocol"
)

// jsonlPrinter writes the run as the JSON Lines of `codex exec --json`
// (protocol.ExecEvent): the thread, the turn, and the turn's items, in the
// reference's format. Events without a line of their own (deltas, token
// counts, approvals) only update its state.
type jsonlPrinter struct {
	w, errw io.Writer

	next     int                                     // the number of the next item
	commands map[string]protocol.ExecCommandItem     // running commands, by call id
	tools    map[string]protocol.ExecMcpToolCallItem // running MCP calls, by call id
	patches  map[string][]protocol.ExecFileUpdate    // patches being applied, by call id
	todo     *protocol.ExecTodoListItem              // the plan, once there is one
	usage    protocol.ExecUsage                      // the turn's usage so far
	failure  *string                                 // the last error of the turn
}

func newJSONLPrinter(w, errw io.Writer) *jsonlPrinter {
	return &jsonlPrinter{w: w, errw: errw,
		commands: map[string]protocol.ExecCommandItem{}, tools: map[string]protocol.ExecMcpToolCallItem{},
		patches: map[string][]protocol.ExecFileUpdate{}}
}

func (p *jsonlPrinter) header(Summary, []protocol.EventMsg) {}

func (p *jsonlPrinter) prompt(string, []string) {}

// itemID numbers a new item.
func (p *jsonlPrinter) itemID() string {
	id := "item_" + strconv.Itoa(p.next)
	p.next++
	return id
}

func (p *jsonlPrinter) event(ev protocol.Event) {
	switch m := ev.Msg.(type) {
	case protocol.SessionConfiguredEvent:
		p.write(protocol.ExecEvent{Type: protocol.ExecThreadStarted, ThreadID: m.SessionID})
	case protocol.TaskStartedEvent:
		p.write(protocol.ExecEvent{Type: protocol.ExecTurnStarted})
	case protocol.AgentMessageEvent:
		p.item(protocol.ExecItemCompleted, protocol.ExecTextItem{ID: p.itemID(), Type: protocol.ExecItemAgentMessage, Text: m.Message})
	case protocol.AgentReasoningEvent:
		p.item(protocol.ExecItemCompleted, protocol.ExecTextItem{ID: p.itemID(), Type: protocol.ExecItemReasoning, Text: m.Text})
	case protocol.ExecCommandBeginEvent:
		it := protocol.ExecCommandItem{ID: p.itemID(), Type: protocol.ExecItemCommand, Command: quoteCommand(m.Command), Status: protocol.ExecInProgress}
		p.commands[m.CallID] = it
		p.item(protocol.ExecItemStarted, it)
	case protocol.ExecCommandEndEvent:
		it, ok := p.commands[m.CallID]
		if !ok {
			return
		}
		delete(p.commands, m.CallID)
		code := m.ExitCode
		it.AggregatedOutput, it.ExitCode, it.Status = m.AggregatedOutput, &code, protocol.ExecCompleted
		if code != 0 {
			it.Status = protocol.ExecFailed
		}
		p.item(protocol.ExecItemCompleted, it)
	case protocol.PatchApplyBeginEvent:
		p.patches[m.CallID] = fileUpdates(m.Changes)
	case protocol.PatchApplyEndEvent:
		changes, ok := p.patches[m.CallID]
		if !ok {
			return
		}
		delete(p.patches, m.CallID)
		status := protocol.ExecCompleted
		if !m.Success {
			status = protocol.ExecFailed
		}
		p.item(protocol.ExecItemCompleted, protocol.ExecFileChangeItem{ID: p.itemID(), Type: protocol.ExecItemFileChange, Changes: changes, Status: status})
	case protocol.McpToolCallBeginEvent:
		it := protocol.ExecMcpToolCallItem{ID: p.itemID(), Type: protocol.ExecItemMcpToolCall, Server: m.Invocation.Server, Tool: m.Invocation.Tool, Status: protocol.ExecInProgress}
		p.tools[m.CallID] = it
		p.item(protocol.ExecItemStarted, it)
	case protocol.McpToolCallEndEvent:
		it, ok := p.tools[m.CallID]
		if !ok {
			return
		}
		delete(p.tools, m.CallID)
		it.Status = protocol.ExecCompleted
		if _, success := describeToolResult(m.Result); !success {
			it.Status = protocol.ExecFailed
		}
		p.item(protocol.ExecItemCompleted, it)
	case protocol.WebSearchEndEvent:
		p.item(protocol.ExecItemCompleted, protocol.ExecWebSearchItem{ID: p.itemID(), Type: protocol.ExecItemWebSearch, Query: m.Query})
	case protocol.PlanUpdateEvent:
		items := make([]protocol.ExecTodoItem, 0, len(m.Plan))
		for _, step := range m.Plan {
			items = append(items, protocol.ExecTodoItem{Text: step.Step, Completed: step.Status == "completed"})
		}
		if p.todo == nil {
			p.todo = &protocol.ExecTodoListItem{ID: p.itemID(), Type: protocol.ExecItemTodoList, Items: items}
			p.item(protocol.ExecItemStarted, *p.todo)
			return
		}
		p.todo.Items = items
		p.item(protocol.ExecItemUpdated, *p.todo)
	case protocol.TokenCountEvent:
		if m.Info != nil {
			u := m.Info.TotalTokenUsage
			p.usage = protocol.ExecUsage{InputTokens: u.InputTokens, CachedInputTokens: u.CachedInputTokens, OutputTokens: u.OutputTokens}
		}
	case protocol.StreamErrorEvent:
		// The turn goes on: a problem worth showing, not a failure.
		p.item(protocol.ExecItemCompleted, protocol.ExecTextItem{ID: p.itemID(), Type: protocol.ExecItemError, Message: m.Message})
	case protocol.ErrorEvent:
		msg := m.Message
		p.failure = &msg
		p.write(protocol.ExecEvent{Type: protocol.ExecError, Message: m.Message})
	case protocol.TaskCompleteEvent:
		p.endTurn()
	case protocol.TurnAbortedEvent:
		msg := fmt.Sprintf("turn aborted: %s", m.Reason)
		p.failure = &msg
		p.endTurn()
	}
}

// endTurn closes the plan and writes the turn's end.
func (p *jsonlPrinter) endTurn() {
	if p.todo != nil {
		p.item(protocol.ExecItemCompleted, *p.todo)
		p.todo = nil
	}
	if p.failure != nil {
		p.write(protocol.ExecEvent{Type: protocol.ExecTurnFailed, Error: &protocol.ExecErrorInfo{Message: *p.failure}})
		p.failure = nil
		return
	}
	usage := p.usage
	p.write(protocol.ExecEvent{Type: protocol.ExecTurnCompleted, Usage: &usage})
}

// fileUpdates lists the files of a patch by path.
func fileUpdates(changes map[string]protocol.FileChange) []protocol.ExecFileUpdate {
	out := make([]protocol.ExecFileUpdate, 0, len(changes))
	for path, c := range changes {
		kind := "update"
		switch {
		case c.Add != nil:
			kind = "add"
		case c.Delete != nil:
			kind = "delete"
		}
		out = append(out, protocol.ExecFileUpdate{Path: path, Kind: kind})
	}
	slices.SortFunc(out, func(a, b protocol.ExecFileUpdate) int { return strings.Compare(a.Path, b.Path) })
	return out
}

func (p *jsonlPrinter) item(typ string, item any) {
	p.write(protocol.ExecEvent{Type: typ, Item: item})
}

func (p *jsonlPrinter) write(ev protocol.ExecEvent) {
	b, err := protocol.Marshal(ev)
	if err != nil {
		fmt.Fprintf(p.errw, "codex: encode %s line: %v\n", ev.Type, err)
		return
	}
	_, _ = p.w.Write(append(b, '\n'))
}
