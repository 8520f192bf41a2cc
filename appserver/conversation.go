package appserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/sourcegraph/jsonrpc2"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/protocol"
)

// turnEndGrace bounds how long an interrupt's reply waits for the end of the
// interrupted turn to be forwarded to the client.
const turnEndGrace = 5 * time.Second

// newConversation resolves the configuration of a new conversation from the
// command line and the request, starts the conversation and describes it.
func (s *Server) newConversation(ctx context.Context, r *request) (any, error) {
	var p protocol.NewConversationParams
	if err := r.decodeParams(&p); err != nil {
		return nil, err
	}
	if p.ApprovalPolicy != nil && !p.ApprovalPolicy.Valid() {
		return nil, r.badParams(fmt.Sprintf("unknown approval policy %q", *p.ApprovalPolicy))
	}
	if p.Sandbox != nil && !p.Sandbox.Valid() {
		return nil, r.badParams(fmt.Sprintf("unknown sandbox mode %q", *p.Sandbox))
	}
	cfg, err := s.loadConfig(p)
	if err != nil {
		return nil, invalidParams("error deriving config: %v", err)
	}
	conv, ev, err := s.manager.NewConversation(ctx, cfg)
	if err != nil {
		return nil, internalError("error creating conversation: %v", err)
	}
	st := newConversationState(conv)
	s.mu.Lock()
	s.convs[st.id] = st
	s.mu.Unlock()

	resp := protocol.NewConversationResponse{
		ConversationID: conv.ID(),
		Model:          ev.Model,
		RolloutPath:    ev.RolloutPath,
	}
	note := protocol.SessionConfiguredNotification{
		SessionID:         ev.SessionID,
		Model:             ev.Model,
		HistoryLogID:      ev.HistoryLogID,
		HistoryEntryCount: ev.HistoryEntryCount,
		RolloutPath:       ev.RolloutPath,
	}
	if ev.ReasoningEffort != "" {
		effort := ev.ReasoningEffort
		resp.ReasoningEffort = &effort
		note.ReasoningEffort = &effort
	}
	// The answer goes first, then the notification describing the new session.
	r.reply(ctx, resp, nil)
	if err := r.conn.Notify(ctx, protocol.NotificationSessionConfigured, note); err != nil {
		s.log.Debug("sessionConfigured not sent", "conversation", st.id, "error", err)
	}
	return nil, errDeferred
}

// loadConfig resolves the configuration of a conversation from the
// command line's settings and the request's (see config.Resolve).
func (s *Server) loadConfig(p protocol.NewConversationParams) (*config.Config, error) {
	return s.opts.LoadConfig(config.Request{
		Model:                 p.Model,
		Profile:               p.Profile,
		Cwd:                   p.Cwd,
		ApprovalPolicy:        p.ApprovalPolicy,
		Sandbox:               p.Sandbox,
		BaseInstructions:      p.BaseInstructions,
		IncludePlanTool:       p.IncludePlanTool,
		IncludeApplyPatchTool: p.IncludeApplyPatchTool,
		Config:                p.Config,
	})
}

// sendUserMessage starts a turn with the conversation's current settings, or
// adds the input to the running turn.
func (s *Server) sendUserMessage(ctx context.Context, r *request) (any, error) {
	var p protocol.SendUserMessageParams
	if err := r.decodeParams(&p, "conversationId", "items"); err != nil {
		return nil, err
	}
	if err := r.checkUUID("conversationId", p.ConversationID); err != nil {
		return nil, err
	}
	if err := validateItems(r, p.Items); err != nil {
		return nil, err
	}
	st, err := s.lookupConversation(p.ConversationID)
	if err != nil {
		return nil, err
	}
	return nil, st.submitAndReply(ctx, r, protocol.UserInputOp{Items: p.Items}, protocol.SendUserMessageResponse{})
}

// sendUserTurn starts a turn with explicit settings, which the conversation
// keeps for later turns.
func (s *Server) sendUserTurn(ctx context.Context, r *request) (any, error) {
	var p protocol.SendUserTurnParams
	if err := r.decodeParams(&p, "conversationId", "items", "cwd", "approvalPolicy", "sandboxPolicy", "model", "summary"); err != nil {
		return nil, err
	}
	if err := r.checkUUID("conversationId", p.ConversationID); err != nil {
		return nil, err
	}
	if err := validateItems(r, p.Items); err != nil {
		return nil, err
	}
	var bad string
	switch {
	case !p.ApprovalPolicy.Valid():
		bad = fmt.Sprintf("unknown approval policy %q", p.ApprovalPolicy)
	case !p.Summary.Valid():
		bad = fmt.Sprintf("unknown reasoning summary %q", p.Summary)
	case p.Effort != nil && !p.Effort.Valid():
		bad = fmt.Sprintf("unknown reasoning effort %q", *p.Effort)
	}
	if bad != "" {
		return nil, r.badParams(bad)
	}
	st, err := s.lookupConversation(p.ConversationID)
	if err != nil {
		return nil, err
	}
	op := protocol.UserTurnOp{
		Items:          p.Items,
		Cwd:            p.Cwd,
		ApprovalPolicy: p.ApprovalPolicy,
		SandboxPolicy:  p.SandboxPolicy,
		Model:          p.Model,
		Summary:        p.Summary,
	}
	if p.Effort != nil {
		op.Effort = *p.Effort
	}
	return nil, st.submitAndReply(ctx, r, op, protocol.SendUserTurnResponse{})
}

// validateItems rejects input items of unknown types.
func validateItems(r *request, items []protocol.InputItem) error {
	for _, it := range items {
		switch it.Type {
		case protocol.InputText, protocol.InputImage, protocol.InputLocalImage:
		default:
			return r.badParams(fmt.Sprintf("unknown input item type %q", it.Type))
		}
	}
	return nil
}

// interruptConversation stops the running turn. The reply is sent once the
// turn has stopped and its end was forwarded to listeners; meanwhile the
// server goes on serving other requests.
func (s *Server) interruptConversation(_ context.Context, r *request) (any, error) {
	var p protocol.InterruptConversationParams
	if err := r.decodeParams(&p, "conversationId"); err != nil {
		return nil, err
	}
	if err := r.checkUUID("conversationId", p.ConversationID); err != nil {
		return nil, err
	}
	st, err := s.lookupConversation(p.ConversationID)
	if err != nil {
		return nil, err
	}
	life := s.lifetime()
	started := s.goTracked(func() {
		reason, err := st.conv.Interrupt(life)
		if err != nil {
			r.reply(life, nil, internalError("interrupt conversation: %v", err))
			return
		}
		st.awaitForwardedTurnEnd(life)
		r.reply(life, protocol.InterruptConversationResponse{AbortReason: reason}, nil)
	})
	if !started {
		return nil, internalError("server is shutting down")
	}
	return nil, errDeferred
}

// addConversationListener subscribes the client to a conversation's events.
// Events produced while a conversation has no listener wait in the engine.
func (s *Server) addConversationListener(ctx context.Context, r *request) (any, error) {
	var p protocol.AddConversationListenerParams
	if err := r.decodeParams(&p, "conversationId"); err != nil {
		return nil, err
	}
	if err := r.checkUUID("conversationId", p.ConversationID); err != nil {
		return nil, err
	}
	st, err := s.lookupConversation(p.ConversationID)
	if err != nil {
		return nil, err
	}
	subID := uuid.NewString()
	s.mu.Lock()
	s.subs[subID] = st
	s.mu.Unlock()
	// The reply is written before any event the new listener receives.
	st.emitMu.Lock()
	defer st.emitMu.Unlock()
	if st.addListener(subID) {
		conn := r.conn
		life := s.lifetime()
		if !s.goTracked(func() { s.pump(life, conn, st) }) {
			st.pumpStopped()
		}
	}
	r.reply(ctx, protocol.AddConversationSubscriptionResponse{SubscriptionID: subID}, nil)
	return nil, nil
}

// removeConversationListener ends a subscription.
func (s *Server) removeConversationListener(_ context.Context, r *request) (any, error) {
	var p protocol.RemoveConversationListenerParams
	if err := r.decodeParams(&p, "subscriptionId"); err != nil {
		return nil, err
	}
	if err := r.checkUUID("subscriptionId", p.SubscriptionID); err != nil {
		return nil, err
	}
	s.mu.Lock()
	st, ok := s.subs[p.SubscriptionID]
	delete(s.subs, p.SubscriptionID)
	s.mu.Unlock()
	if !ok {
		return nil, invalidParams("subscription not found: %s", p.SubscriptionID)
	}
	st.removeListener(p.SubscriptionID)
	return protocol.RemoveConversationSubscriptionResponse{}, nil
}

// lookupConversation returns a conversation started by this server.
func (s *Server) lookupConversation(id string) (*conversationState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.convs[id]
	if !ok {
		return nil, invalidParams("conversation not found: %s", id)
	}
	return st, nil
}

// pump forwards a conversation's events to the client while it has at least
// one listener, until the conversation's events end, the server forgets the
// conversation (its state is closed) or the server stops. Each event is sent
// once, whatever the number of listeners.
func (s *Server) pump(ctx context.Context, conn *jsonrpc2.Conn, st *conversationState) {
	defer st.pumpStopped()
	for {
		if !st.waitForListener(ctx) {
			return
		}
		ev, err := st.conv.NextEvent(ctx)
		if errors.Is(err, io.EOF) {
			// The conversation ended and every event was read.
			st.close()
			return
		}
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("reading conversation events", "conversation", st.id, "error", err)
			}
			return
		}
		// The last listener may have gone while the pump waited for the
		// event; it is then held until a listener comes back.
		if !st.waitForListener(ctx) {
			return
		}
		s.forward(ctx, conn, st, ev)
	}
}

// forward sends one event as a codex/event/<type> notification, followed by
// the server request of an approval event.
func (s *Server) forward(ctx context.Context, conn *jsonrpc2.Conn, st *conversationState, ev protocol.Event) {
	st.emitMu.Lock()
	defer st.emitMu.Unlock()
	method := protocol.NotificationCodexEventPrefix + ev.Msg.EventType()
	params := protocol.ConversationEventParams{
		ID:             ev.ID,
		Msg:            protocol.MarshalEventMsg{EventMsg: ev.Msg},
		ConversationID: st.id,
	}
	if err := conn.Notify(ctx, method, params); err != nil {
		s.log.Debug("event not sent", "conversation", st.id, "type", ev.Msg.EventType(), "error", err)
	}
	st.noteForwarded(ev)
	switch m := ev.Msg.(type) {
	case protocol.ExecApprovalRequestEvent:
		s.requestExecApproval(ctx, conn, st, m)
	case *protocol.ExecApprovalRequestEvent:
		s.requestExecApproval(ctx, conn, st, *m)
	case protocol.ApplyPatchApprovalRequestEvent:
		s.requestPatchApproval(ctx, conn, st, m)
	case *protocol.ApplyPatchApprovalRequestEvent:
		s.requestPatchApproval(ctx, conn, st, *m)
	}
}
