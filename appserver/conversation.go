package appserver

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/protocol"
)

// turnEndGrace bounds how long an interrupt's reply waits for the end of the
// interrupted turn to be forwarded to the client.
const turnEndGrace = 5 * time.Second

// newConversation resolves the configuration of a new conversation from the
// command line and the request, starts the conversation and describes it.
// The answer is written before the sessionConfigured notification.
func (s *Server) newConversation(ctx context.Context, p protocol.NewConversationParams, r rpcserver.Reply[protocol.NewConversationResponse]) {
	cfg, err := s.loadConfig(p)
	if err != nil {
		r.Fail(ctx, invalidParams("error deriving config: %v", err))
		return
	}
	conv, ev, err := s.eng.Manager.NewConversation(ctx, cfg)
	if err != nil {
		r.Fail(ctx, internalError("error creating conversation: %v", err))
		return
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
	r.Send(ctx, resp)
	s.notify(ctx, protocol.NotificationSessionConfigured, note)
}

// loadConfig resolves the configuration of a conversation from the
// command line's settings and the request's (see config.Resolve).
func (s *Server) loadConfig(p protocol.NewConversationParams) (*config.Config, error) {
	return s.eng.LoadConfig(config.Request{
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
func (s *Server) sendUserMessage(ctx context.Context, p protocol.SendUserMessageParams, r rpcserver.Reply[protocol.SendUserMessageResponse]) {
	st, err := s.knownConversation(p.ConversationID)
	if err != nil {
		r.Fail(ctx, err)
		return
	}
	submitAndReply(ctx, s, st, r, protocol.UserInputOp{Items: p.Items}, protocol.SendUserMessageResponse{})
}

// sendUserTurn starts a turn with explicit settings, which the conversation
// keeps for later turns.
func (s *Server) sendUserTurn(ctx context.Context, p protocol.SendUserTurnParams, r rpcserver.Reply[protocol.SendUserTurnResponse]) {
	st, err := s.knownConversation(p.ConversationID)
	if err != nil {
		r.Fail(ctx, err)
		return
	}
	op := protocol.UserTurnOp{Items: p.Items, TurnContext: p.TurnContext()}
	submitAndReply(ctx, s, st, r, op, protocol.SendUserTurnResponse{})
}

// interruptConversation stops the running turn. The reply is sent once the
// turn has stopped and its end was forwarded to listeners; meanwhile the
// server goes on serving other requests.
func (s *Server) interruptConversation(ctx context.Context, p protocol.InterruptConversationParams, r rpcserver.Reply[protocol.InterruptConversationResponse]) {
	st, err := s.knownConversation(p.ConversationID)
	if err != nil {
		r.Fail(ctx, err)
		return
	}
	life := s.lifetime()
	started := s.goTracked(func() {
		reason, err := st.conv.Interrupt(life)
		if err != nil {
			r.Fail(life, internalError("interrupt conversation: %v", err))
			return
		}
		// turn_aborted is forwarded before the answer.
		st.awaitForwardedTurnEnd(life)
		r.Send(life, protocol.InterruptConversationResponse{AbortReason: reason})
	})
	if !started {
		r.Fail(ctx, shuttingDown())
	}
}

// addConversationListener subscribes the client to a conversation's events.
// Events produced while a conversation has no listener wait in the engine.
func (s *Server) addConversationListener(ctx context.Context, p protocol.AddConversationListenerParams, r rpcserver.Reply[protocol.AddConversationSubscriptionResponse]) {
	st, err := s.knownConversation(p.ConversationID)
	if err != nil {
		r.Fail(ctx, err)
		return
	}
	subID := uuid.NewString()
	s.mu.Lock()
	s.subs[subID] = st
	s.mu.Unlock()
	// The reply is written before any event the new listener receives.
	st.emitMu.Lock()
	defer st.emitMu.Unlock()
	if st.addListener(subID, s) {
		// The pump outlives this connection: others may listen too.
		life := s.work.lifetime()
		if !s.work.Go(func() { s.hub.pump(life, st) }) {
			st.pumpStopped()
		}
	}
	r.Send(ctx, protocol.AddConversationSubscriptionResponse{SubscriptionID: subID})
}

// removeConversationListener ends a subscription.
func (s *Server) removeConversationListener(_ context.Context, p protocol.RemoveConversationListenerParams) (protocol.RemoveConversationSubscriptionResponse, error) {
	var none protocol.RemoveConversationSubscriptionResponse
	if err := s.checkUUID("subscriptionId", p.SubscriptionID); err != nil {
		return none, err
	}
	s.mu.Lock()
	st, ok := s.subs[p.SubscriptionID]
	delete(s.subs, p.SubscriptionID)
	s.mu.Unlock()
	if !ok {
		return none, invalidParams("subscription not found: %s", p.SubscriptionID)
	}
	st.removeListener(p.SubscriptionID)
	return none, nil
}

// knownConversation checks a conversation id and returns the conversation.
func (s *Server) knownConversation(id string) (*conversationState, error) {
	if err := s.checkUUID("conversationId", id); err != nil {
		return nil, err
	}
	return s.lookupConversation(id)
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

// pump forwards a conversation's events to the connections listening to it
// while it has at least one listener, until the conversation's events end,
// the server forgets the conversation (its state is closed) or the server
// stops. Each event is sent once to each connection, whatever its number
// of listeners.
func (s *hub) pump(ctx context.Context, st *conversationState) {
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
		s.forward(ctx, st, ev)
	}
}

// forward sends one event as a codex/event/<type> notification to each
// listening connection, followed by the server request of an approval
// event, which goes to the connection that sent the turn's input, or, when
// it does not listen, to the one that has listened longest.
func (s *hub) forward(ctx context.Context, st *conversationState, ev protocol.Event) {
	if _, ok := ev.Msg.(protocol.McpStartupUpdateEvent); ok {
		// The 0.45 protocol has no such event: its clients learn of a
		// failed MCP server from an error event.
		return
	}
	st.emitMu.Lock()
	defer st.emitMu.Unlock()
	method := protocol.NotificationCodexEventPrefix + ev.Msg.EventType()
	params := protocol.ConversationEventParams{
		ID:             ev.ID,
		Msg:            protocol.MarshalEventMsg{EventMsg: ev.Msg},
		ConversationID: st.id,
	}
	conns, asked := st.connections()
	for _, c := range conns {
		c.notify(ctx, method, params)
	}
	st.noteForwarded(ev)
	if asked == nil {
		return
	}
	switch m := ev.Msg.(type) {
	case protocol.ExecApprovalRequestEvent:
		asked.requestExecApproval(ctx, st, m)
	case *protocol.ExecApprovalRequestEvent:
		asked.requestExecApproval(ctx, st, *m)
	case protocol.ApplyPatchApprovalRequestEvent:
		asked.requestPatchApproval(ctx, st, m)
	case *protocol.ApplyPatchApprovalRequestEvent:
		asked.requestPatchApproval(ctx, st, *m)
	case protocol.ElicitationRequestEvent:
		asked.requestMcpElicitation(ctx, st, m)
	}
}
