package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/sourcegraph/jsonrpc2"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/core/conversation"
	"github.com/codex-go/codex/internal/jsonrpcline"
	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/protocol"
)

// abandonTimeout bounds how long a cancelled call waits for the end of its
// interrupted turn.
const abandonTimeout = 5 * time.Second

// toolResult is the result of a tools/call: one text item, flagged as an
// error when the call failed, and, once the call's thread is known, the
// same text with the thread id as structuredContent (the tools'
// outputSchema).
type toolResult struct {
	Content           []textContent `json:"content"`
	StructuredContent *threadResult `json:"structuredContent,omitempty"`
	IsError           bool          `json:"isError,omitempty"`
}

// threadResult is the structuredContent of a result.
type threadResult struct {
	ThreadID string `json:"threadId"`
	Content  string `json:"content"`
}

// textContent is a text content item.
type textContent struct {
	Text string `json:"text"`
	Type string `json:"type"`
}

// textResult is a successful result holding text.
func textResult(text string) toolResult {
	return toolResult{Content: []textContent{{Text: text, Type: "text"}}}
}

// errorResult is a failed result explaining why.
func errorResult(text string) toolResult {
	r := textResult(text)
	r.IsError = true
	return r
}

// inThread returns r with its text as the structuredContent of thread id.
func (r toolResult) inThread(id string) toolResult {
	text := ""
	if len(r.Content) > 0 {
		text = r.Content[0].Text
	}
	r.StructuredContent = &threadResult{ThreadID: id, Content: text}
	return r
}

// toolCall is one running tools/call request.
type toolCall struct {
	id     jsonrpc2.ID
	wireID json.RawMessage // id as the client sent it
	srv    *Server
	cancel context.CancelFunc
	// threadID is the conversation the call runs, set before its first
	// event is sent.
	threadID string
	// progress sends the call's notifications/progress; nil when the
	// client sent no progressToken.
	progress *progress
	// cancelled is set when the client cancelled the request; it then gets
	// no answer.
	cancelled atomic.Bool
}

// idString is the request id as the elicitation params carry it: the number
// or the string itself.
func (c *toolCall) idString() string {
	var s string
	if json.Unmarshal(c.wireID, &s) == nil {
		return s
	}
	return string(c.wireID)
}

// eventParams are the params of a codex/event notification.
type eventParams struct {
	Meta eventMeta                `json:"_meta"`
	ID   string                   `json:"id"`
	Msg  protocol.MarshalEventMsg `json:"msg"`
}

// eventMeta ties a notification to the tools/call it belongs to: the
// request id exactly as the client sent it, and the thread (conversation)
// id.
type eventMeta struct {
	RequestID json.RawMessage `json:"requestId"`
	ThreadID  string          `json:"threadId,omitempty"`
}

// notify sends one conversation event to the client, followed by a
// progress notification when the client asked for them.
func (c *toolCall) notify(ctx context.Context, ev protocol.Event) {
	params := eventParams{Meta: eventMeta{RequestID: c.wireID, ThreadID: c.threadID}, ID: ev.ID, Msg: protocol.MarshalEventMsg{EventMsg: ev.Msg}}
	_ = c.srv.rpc.Notify(ctx, MethodCodexEvent, params)
	if c.progress != nil {
		c.progress.report(ctx, progressMessage(ev.Msg))
	}
}

// convState is a conversation started by this server. A conversation runs
// one tool call at a time: a codex-reply to a conversation whose turn is
// still running is refused rather than mixed into it.
type convState struct {
	conv  *conversation.Conversation
	owner *toolCall // the call running a turn, if any; guarded by Server.mu
}

// toolCallParams are the params of tools/call.
type toolCallParams struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
	// Meta may hold the progressToken under which the client wants
	// notifications/progress.
	Meta json.RawMessage `json:"_meta,omitempty"`
}

// callTool runs a tools/call in its own goroutine, which answers when the
// call is done. Unknown tools are answered at once. A call the client
// cancelled, or that the server's shutdown interrupted, gets no answer.
func (s *Server) callTool(ctx context.Context, p toolCallParams, r rpcserver.Reply[toolResult]) {
	var run func(context.Context, *toolCall, json.RawMessage) (toolResult, bool)
	switch p.Name {
	case ToolCodex:
		run = s.runCodex
	case ToolCodexReply:
		run = s.runCodexReply
	default:
		r.Send(ctx, errorResult(fmt.Sprintf("Unknown tool '%s'", p.Name)))
		return
	}

	id := r.ID()
	life := s.lifetime()
	callCtx, cancel := context.WithCancel(life)
	call := &toolCall{id: id, wireID: jsonrpcline.WireID(id), srv: s, cancel: cancel}
	if tok := progressToken(p.Meta); tok != nil {
		call.progress = &progress{notify: s.rpc.Notify, token: tok, last: time.Now()}
	}
	s.mu.Lock()
	if _, dup := s.calls[id]; dup {
		s.mu.Unlock()
		cancel()
		r.Fail(ctx, &jsonrpc2.Error{Code: mcp.INVALID_REQUEST, Message: fmt.Sprintf("request id %s is already in use", id.String())})
		return
	}
	s.calls[id] = call
	s.mu.Unlock()

	started := s.rpc.Go(func() {
		defer s.forgetCall(call)
		defer cancel()
		stopKeepAlive := func() {}
		if call.progress != nil {
			keepAliveCtx, stop := context.WithCancel(callCtx)
			var keepAlive sync.WaitGroup
			keepAlive.Go(func() { call.progress.keepAlive(keepAliveCtx, s.heartbeat) })
			stopKeepAlive = func() {
				stop()
				keepAlive.Wait()
			}
		}
		res, answer := run(callCtx, call, p.Arguments)
		// No progress may follow the answer.
		stopKeepAlive()
		if !answer || call.cancelled.Load() {
			r.Abandon()
			return
		}
		r.Send(life, res)
	})
	if !started {
		cancel()
		s.forgetCall(call)
		r.Fail(ctx, &jsonrpc2.Error{Code: mcp.INTERNAL_ERROR, Message: "server is shutting down"})
	}
}

// forgetCall removes a finished call.
func (s *Server) forgetCall(call *toolCall) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.calls[call.id] == call {
		delete(s.calls, call.id)
	}
}

// cancelCall stops a running call at the client's request. Its turn is
// interrupted and, as MCP asks, the request gets no answer.
func (s *Server) cancelCall(id jsonrpc2.ID, reason string) {
	s.mu.Lock()
	call := s.calls[id]
	s.mu.Unlock()
	if call == nil {
		s.log.Debug("cancellation of a request that is not running", "request", id.String())
		return
	}
	s.log.Info("tool call cancelled by the client", "request", id.String(), "reason", reason)
	call.cancelled.Store(true)
	call.cancel()
}

// parseFailure prefixes argument errors as the reference server does.
func parseFailure(err error) toolResult {
	return errorResult("Failed to parse configuration for Codex tool: " + err.Error())
}

// runCodex starts a conversation and runs its first turn. The second
// result is false when the call must not be answered (it was cancelled or
// the server is stopping).
func (s *Server) runCodex(ctx context.Context, call *toolCall, raw json.RawMessage) (toolResult, bool) {
	args, err := ParseCodexArgs(raw)
	if err != nil {
		return parseFailure(err), true
	}
	cfg, err := s.loadConfig(args)
	if err != nil {
		return errorResult("Failed to load Codex configuration: " + err.Error()), true
	}
	conv, configured, err := s.eng.Manager.NewConversation(ctx, cfg)
	if err != nil {
		return errorResult("Failed to start the Codex conversation: " + err.Error()), true
	}
	call.threadID = conv.ID()
	st := &convState{conv: conv, owner: call}
	s.mu.Lock()
	s.convs[conv.ID()] = st
	s.mu.Unlock()
	defer s.release(st, call)
	call.notify(ctx, protocol.Event{ID: "", Msg: configured})
	// The first turn's events carry the tools/call request id, as in the reference.
	return s.runTurn(ctx, call, st, args.Prompt, call.idString())
}

// runCodexReply runs a new turn of a conversation started by a codex call.
func (s *Server) runCodexReply(ctx context.Context, call *toolCall, raw json.RawMessage) (toolResult, bool) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return errorResult("Missing arguments for codex-reply: `threadId` (or the deprecated `conversationId`) and `prompt` are required."), true
	}
	args, err := ParseCodexReplyArgs(raw)
	if err != nil {
		return parseFailure(err), true
	}
	thread, err := args.Thread()
	if err != nil {
		return errorResult("Failed to parse thread_id: " + err.Error()), true
	}
	st, refusal := s.acquire(thread, call)
	if st == nil {
		return errorResult(refusal).inThread(thread), true
	}
	call.threadID = thread
	defer s.release(st, call)
	return s.runTurn(ctx, call, st, args.Prompt, "")
}

// acquire marks a conversation as running call. When it cannot, it
// returns nil and the reason, worded for the user.
func (s *Server) acquire(id string, call *toolCall) (*convState, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.convs[id]
	if !ok {
		return nil, "Session not found for thread_id: " + id
	}
	if st.owner != nil {
		return nil, "Conversation " + id + " is still running a turn; wait for its result before replying"
	}
	st.owner = call
	return st, ""
}

// release frees a conversation held by call for the next call.
func (s *Server) release(st *convState, call *toolCall) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.owner == call {
		st.owner = nil
	}
}

// loadConfig resolves a codex call's configuration from the command
// line's settings and the call's arguments (see config.Resolve).
func (s *Server) loadConfig(args CodexArgs) (*config.Config, error) {
	overrides := args.Config
	if args.CompactPrompt != nil {
		// The argument wins over the same setting in config.
		overrides = maps.Clone(overrides)
		if overrides == nil {
			overrides = map[string]any{}
		}
		overrides["compact_prompt"] = *args.CompactPrompt
	}
	return s.eng.LoadConfig(config.Request{
		Model:                 args.Model,
		Profile:               args.Profile,
		Cwd:                   args.Cwd,
		ApprovalPolicy:        args.ApprovalPolicy,
		Sandbox:               args.Sandbox,
		BaseInstructions:      args.BaseInstructions,
		DeveloperInstructions: args.DeveloperInstructions,
		IncludePlanTool:       args.IncludePlanTool,
		Config:                overrides,
	})
}

// runTurn submits the prompt (with submission id subID, "" for the next
// number) and forwards the conversation's events until
// the turn ends, asking the client for the approvals it needs on the way.
func (s *Server) runTurn(ctx context.Context, call *toolCall, st *convState, prompt, subID string) (toolResult, bool) {
	if ctx.Err() != nil {
		return toolResult{}, false
	}
	subID, err := st.conv.SubmitWithID(subID, protocol.UserInputOp{Items: []protocol.InputItem{protocol.TextInput(prompt)}})
	if err != nil {
		return errorResult("Failed to submit the prompt: " + err.Error()).inThread(st.conv.ID()), true
	}
	// Approval requests wait for their answers in goroutines of their own,
	// which end with the turn.
	approvalCtx, stopApprovals := context.WithCancel(ctx)
	var approvals sync.WaitGroup
	defer func() {
		stopApprovals()
		approvals.Wait()
	}()

	w := turnWatch{subID: subID}
	for {
		ev, err := st.conv.NextEvent(ctx)
		if err != nil {
			if ctx.Err() != nil {
				s.abandonTurn(ctx, call, st, &w)
				return toolResult{}, false
			}
			return errorResult("The conversation ended before the turn finished.").inThread(st.conv.ID()), true
		}
		call.notify(ctx, ev)
		switch m := ev.Msg.(type) {
		case protocol.ExecApprovalRequestEvent:
			s.askApproval(approvalCtx, &approvals, call, st, ev.ID, execApproval(call.threadID, call.idString(), ev.ID, m), "command",
				func(d protocol.ReviewDecision) protocol.Op { return protocol.ExecApprovalOp{ID: m.CallID, Decision: d} })
		case protocol.ApplyPatchApprovalRequestEvent:
			s.askApproval(approvalCtx, &approvals, call, st, ev.ID, patchApproval(call.threadID, call.idString(), ev.ID, m), "patch",
				func(d protocol.ReviewDecision) protocol.Op {
					return protocol.PatchApprovalOp{ID: m.CallID, Decision: d}
				})
		case protocol.ElicitationRequestEvent:
			s.forwardElicitation(approvalCtx, &approvals, call, st, ev.ID, m)
		}
		if res, done := w.observe(ev); done {
			return res.inThread(st.conv.ID()), true
		}
	}
}

// abandonTurn interrupts the turn of a call that was cancelled and forwards
// the events up to the end of the turn. The conversation is freed before
// the event ending the turn is sent: a cancelled call gets no answer, so
// that event is what tells the host the conversation is ready again.
func (s *Server) abandonTurn(parent context.Context, call *toolCall, st *convState, w *turnWatch) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), abandonTimeout)
	defer cancel()
	if _, err := st.conv.Interrupt(ctx); err != nil {
		s.log.Warn("interrupting the turn of a cancelled call", "conversation", st.conv.ID(), "error", err)
		return
	}
	for {
		ev, err := st.conv.NextEvent(ctx)
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				return
			}
			s.log.Warn("the interrupted turn did not end", "conversation", st.conv.ID())
			return
		}
		if _, done := w.observe(ev); done {
			s.release(st, call)
			call.notify(ctx, ev)
			return
		}
		call.notify(ctx, ev)
	}
}

// turnWatch follows the events of one submission to decide when its turn
// is over and what the call returns.
type turnWatch struct {
	subID   string
	started bool
	failure *string
}

// observe looks at one event. It reports the call's result and true once
// the turn is over: task_complete returns the last message of the model
// (an error reported during the turn makes it an error result); an error
// before the turn started and turn_aborted are error results.
func (w *turnWatch) observe(ev protocol.Event) (toolResult, bool) {
	if ev.ID != w.subID {
		return toolResult{}, false
	}
	switch m := ev.Msg.(type) {
	case protocol.TaskStartedEvent:
		w.started = true
	case protocol.ErrorEvent:
		if !w.started {
			return errorResult(m.Message), true
		}
		msg := m.Message
		w.failure = &msg
	case protocol.TaskCompleteEvent:
		if w.failure != nil {
			return errorResult(*w.failure), true
		}
		text := ""
		if m.LastAgentMessage != nil {
			text = *m.LastAgentMessage
		}
		return textResult(text), true
	case protocol.TurnAbortedEvent:
		return errorResult(fmt.Sprintf("Turn aborted: %s", m.Reason)), true
	}
	return toolResult{}, false
}
