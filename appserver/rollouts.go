package appserver

import (
	"context"
	"os"
	"strings"

	"github.com/codex-go/codex/core/rollout"
	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/protocol"
)

// invalidCursorPrefix starts the message of rollout.List for a cursor it
// cannot read.
const invalidCursorPrefix = "invalid cursor "

// listConversations answers a page of recorded conversations, newest first.
// Without pageSize the page has rollout.DefaultPageSize items; pageSize 0
// asks for none and is answered with an empty page, as codex-cli 0.45.0
// answers it.
func (s *Server) listConversations(_ context.Context, p protocol.ListConversationsParams) (protocol.ListConversationsResponse, error) {
	size := 0
	if p.PageSize != nil {
		if *p.PageSize < 0 {
			return protocol.ListConversationsResponse{}, s.badParams("pageSize must not be negative, got %d", *p.PageSize)
		}
		if *p.PageSize == 0 {
			return protocol.ListConversationsResponse{Items: []protocol.ConversationSummary{}}, nil
		}
		size = *p.PageSize
	}
	cursor := ""
	if p.Cursor != nil {
		cursor = *p.Cursor
	}
	page, err := rollout.List(s.eng.CodexHome, size, cursor)
	if err != nil {
		if cursor != "" && strings.HasPrefix(err.Error(), invalidCursorPrefix) {
			return protocol.ListConversationsResponse{}, invalidParams("%v", err)
		}
		return protocol.ListConversationsResponse{}, internalError("error listing conversations: %v", err)
	}
	resp := protocol.ListConversationsResponse{
		Items:      make([]protocol.ConversationSummary, 0, len(page.Items)),
		NextCursor: page.NextCursor,
	}
	for _, it := range page.Items {
		resp.Items = append(resp.Items, protocol.ConversationSummary{
			ConversationID: it.ConversationID,
			Path:           it.Path,
			Preview:        it.Preview,
			Timestamp:      it.Timestamp,
		})
	}
	return resp, nil
}

// resumeConversation continues a recorded conversation under its own id.
// The configuration is resolved like newConversation's from the request's
// overrides. The sessionConfigured notification, which replays the recorded
// events, is written before the answer.
//
// The file is read in a goroutine of its own, so that a slow disk holds up
// no other request; rollout.Read refuses what is not a regular file of
// bounded size without reading it. Naming the rollout of a conversation
// this server has loaded answers with that conversation, which keeps its
// settings and listeners, as codex-cli 0.45.0 answers with the same id.
func (s *Server) resumeConversation(ctx context.Context, p protocol.ResumeConversationParams, r rpcserver.Reply[protocol.ResumeConversationResponse]) {
	var overrides protocol.NewConversationParams
	if p.Overrides != nil {
		overrides = *p.Overrides
	}
	if p.Path == "" {
		r.Fail(ctx, invalidParams("path must not be empty"))
		return
	}
	life := s.lifetime()
	started := s.goTracked(func() {
		resp, err := s.resume(life, p.Path, overrides)
		if err != nil {
			r.Fail(life, err)
			return
		}
		r.Send(life, resp)
	})
	if !started {
		r.Fail(ctx, shuttingDown())
	}
}

// resume does the work of resumeConversation: it reads the rollout, starts
// the conversation or finds it loaded, and writes sessionConfigured.
func (s *Server) resume(ctx context.Context, path string, overrides protocol.NewConversationParams) (protocol.ResumeConversationResponse, error) {
	var none protocol.ResumeConversationResponse
	rec, err := rollout.Read(path)
	if err != nil {
		return none, invalidParams("error resuming conversation: %v", err)
	}
	var ev protocol.SessionConfiguredEvent
	var id string
	if st := s.loadedFrom(rec.Meta.ID, path); st != nil {
		ev = st.conv.Describe()
		ev.InitialMessages = rec.Events
		id = st.id
	} else {
		cfg, err := s.loadConfig(overrides)
		if err != nil {
			return none, invalidParams("error deriving config: %v", err)
		}
		conv, started, err := s.eng.Manager.ResumeRecorded(ctx, cfg, path, rec)
		if err != nil {
			return none, internalError("error resuming conversation: %v", err)
		}
		st := newConversationState(conv)
		s.mu.Lock()
		s.convs[st.id] = st
		s.mu.Unlock()
		ev, id = started, conv.ID()
	}

	initial := make([]protocol.MarshalEventMsg, 0, len(ev.InitialMessages))
	for _, m := range ev.InitialMessages {
		initial = append(initial, protocol.MarshalEventMsg{EventMsg: m})
	}
	note := protocol.SessionConfiguredNotification{
		SessionID:         ev.SessionID,
		Model:             ev.Model,
		HistoryLogID:      ev.HistoryLogID,
		HistoryEntryCount: ev.HistoryEntryCount,
		InitialMessages:   initial,
		RolloutPath:       ev.RolloutPath,
	}
	if ev.ReasoningEffort != "" {
		effort := ev.ReasoningEffort
		note.ReasoningEffort = &effort
	}
	s.notify(ctx, protocol.NotificationSessionConfigured, note)
	return protocol.ResumeConversationResponse{
		ConversationID:  id,
		Model:           ev.Model,
		InitialMessages: initial,
	}, nil
}

// loadedFrom returns the conversation of this server with the given id
// that records to the file at path, or nil.
func (s *Server) loadedFrom(id, path string) *conversationState {
	s.mu.Lock()
	st, ok := s.convs[id]
	s.mu.Unlock()
	if !ok || !sameFile(st.conv.RolloutPath(), path) {
		return nil
	}
	return st
}

// archiveConversation moves a conversation's rollout file to
// $CODEX_HOME/archived_sessions. A conversation of this server recording to
// that file is shut down first, which flushes the file, and forgotten along
// with its listeners.
func (s *Server) archiveConversation(ctx context.Context, p protocol.ArchiveConversationParams) (protocol.ArchiveConversationResponse, error) {
	var none protocol.ArchiveConversationResponse
	if err := s.checkUUID("conversationId", p.ConversationID); err != nil {
		return none, err
	}
	s.mu.Lock()
	st, loaded := s.convs[p.ConversationID]
	s.mu.Unlock()
	if loaded && sameFile(st.conv.RolloutPath(), p.RolloutPath) {
		s.forgetConversation(st)
		if err := s.eng.Manager.Remove(ctx, st.id); err != nil {
			return none, internalError("error shutting conversation %s down: %v", st.id, err)
		}
	}
	// A v2 thread recording to the file is shut down and forgotten too.
	s.mu.Lock()
	th, isThread := s.threads[p.ConversationID]
	if isThread && sameFile(th.conv.RolloutPath(), p.RolloutPath) {
		delete(s.threads, th.id)
	} else {
		isThread = false
	}
	s.mu.Unlock()
	if isThread {
		if err := s.eng.Manager.Remove(ctx, th.id); err != nil {
			return none, internalError("error shutting thread %s down: %v", th.id, err)
		}
	}
	if _, err := rollout.Archive(s.eng.CodexHome, p.ConversationID, p.RolloutPath); err != nil {
		return none, invalidParams("%v", err)
	}
	return none, nil
}

// forgetConversation drops a conversation and its subscriptions from the
// server's tables, so that requests naming it fail from now on, and closes
// its state, which ends its event pump.
func (s *Server) forgetConversation(st *conversationState) {
	defer st.close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.convs[st.id] == st {
		delete(s.convs, st.id)
	}
	for sub, owner := range s.subs {
		if owner == st {
			delete(s.subs, sub)
			st.removeListener(sub)
		}
	}
}

// sameFile reports whether two paths name the same existing file.
func sameFile(a, b string) bool {
	ai, err := os.Stat(a)
	if err != nil {
		return false
	}
	bi, err := os.Stat(b)
	if err != nil {
		return false
	}
	return os.SameFile(ai, bi)
}
