// Package tools holds the tools offered to the model: their specs, sent with
// every request, and the handlers that run a call and produce its output item.
package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/codex-go/codex/core/approval"
	"github.com/codex-go/codex/core/patch"
	"github.com/codex-go/codex/protocol"
)

// ErrTurnAborted is returned by a handler when the user chose to abort the turn.
var ErrTurnAborted = errors.New("turn aborted by the user")

// Turn is what a handler may use of the running turn.
type Turn struct {
	// SubID is the id of the submission that started the turn.
	SubID string
	// ConversationID identifies the conversation.
	ConversationID string
	// TurnContext holds the turn's settings: working directory, approval
	// and sandbox policies, model.
	protocol.TurnContext
	// Emit sends an event to the conversation's listeners.
	Emit func(protocol.EventMsg)
	// AskExec asks the user to approve a command and waits for the answer.
	AskExec func(ctx context.Context, callID string, command []string, cwd string, reason *string) (protocol.ReviewDecision, error)
	// AskPatch asks the user to approve a patch and waits for the answer.
	AskPatch func(ctx context.Context, callID string, changes map[string]protocol.FileChange, reason, grantRoot *string) (protocol.ReviewDecision, error)
	// AddInput adds items (such as an attached image) to the conversation
	// before the next model request of the turn.
	AddInput func(items ...protocol.ResponseItem)
	// Diffs tracks the files the turn changed, for turn_diff events.
	Diffs *patch.TurnDiffTracker
	// Approved remembers commands approved for the rest of the conversation.
	Approved *approval.SessionApprovals
}

// Call is one tool call made by the model.
type Call struct {
	// Name is the tool name.
	Name string
	// CallID ties the call to its output.
	CallID string
	// Arguments is the JSON argument string (function tools) or free-form input (custom tools).
	Arguments string
	// Item is the call as the model sent it.
	Item protocol.ResponseItem
}

// Handler runs calls of one tool.
type Handler interface {
	// Handle runs the call and returns the text given back to the model.
	// A returned error other than ErrTurnAborted is reported to the model as the output.
	Handle(ctx context.Context, t *Turn, c Call) (string, error)
}

// Output is a tool result given back to the model as content items (text
// and images) rather than as text alone.
type Output struct {
	// Text is the output when Content is nil.
	Text string
	// Content, when not nil, is sent as the output's content items.
	Content []protocol.ContentItem
}

// ContentHandler is a Handler whose results may carry content items; the
// router prefers HandleOutput over Handle.
type ContentHandler interface {
	Handler
	// HandleOutput runs the call like Handle and returns the output.
	HandleOutput(ctx context.Context, t *Turn, c Call) (Output, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, t *Turn, c Call) (string, error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, t *Turn, c Call) (string, error) {
	return f(ctx, t, c)
}

// Router maps tool names to handlers and holds the specs sent to the model.
type Router struct {
	specs    []json.RawMessage
	handlers map[string]Handler
}

// NewRouter returns an empty router.
func NewRouter() *Router { return &Router{handlers: map[string]Handler{}} }

// Register adds a tool: its spec in Responses API form and its handler.
func (r *Router) Register(name string, spec json.RawMessage, h Handler) {
	if _, dup := r.handlers[name]; !dup && spec != nil {
		r.specs = append(r.specs, spec)
	}
	r.handlers[name] = h
}

// Specs returns the tool specs in registration order.
func (r *Router) Specs() []json.RawMessage { return r.specs }

// Names returns the registered tool names, sorted.
func (r *Router) Names() []string {
	names := make([]string, 0, len(r.handlers))
	for n := range r.handlers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// IsCall reports whether item is a tool call the router must answer.
func IsCall(item protocol.ResponseItem) bool {
	switch item.Type {
	case protocol.ItemFunctionCall, protocol.ItemLocalShellCall, protocol.ItemCustomToolCall:
		return true
	}
	return false
}

// Dispatch runs a tool call and returns the output item for the model. It
// returns ErrTurnAborted when the turn must end; every other failure
// becomes an output telling the model what went wrong.
func (r *Router) Dispatch(ctx context.Context, t *Turn, item protocol.ResponseItem) (protocol.ResponseItem, error) {
	call := Call{Name: item.Name, CallID: item.CallID, Arguments: item.Arguments, Item: item}
	outType := protocol.ItemFunctionCallOutput
	switch item.Type {
	case protocol.ItemLocalShellCall:
		call.Name = "local_shell"
		if call.CallID == "" {
			call.CallID = item.ID
		}
	case protocol.ItemCustomToolCall:
		call.Arguments = item.Input
		outType = protocol.ItemCustomToolCallOutput
	}
	out := protocol.ResponseItem{Type: outType, CallID: call.CallID}
	h, ok := r.handlers[call.Name]
	if !ok {
		// The wording is codex-cli 0.45.0's.
		if item.Type == protocol.ItemCustomToolCall {
			out.Output = fmt.Sprintf("unsupported custom tool call: %s", call.Name)
		} else {
			out.Output = fmt.Sprintf("unsupported call: %s", call.Name)
		}
		return out, nil
	}
	var result Output
	var err error
	if ch, ok := h.(ContentHandler); ok {
		result, err = ch.HandleOutput(ctx, t, call)
	} else {
		result.Text, err = h.Handle(ctx, t, call)
	}
	if errors.Is(err, ErrTurnAborted) {
		return out, err
	}
	if err != nil {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		out.Output = err.Error()
		return out, nil
	}
	out.Output = result.Text
	out.OutputContent = result.Content
	return out, nil
}
