package appserver

import (
	"context"

	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/protocol"
	v2 "github.com/codex-go/codex/protocol/v2"
)

// threadCompactStart starts a turn that summarises the thread's history.
// It is answered before the turn's notifications: turn/started, the
// contextCompaction item, the token usage of the summary request, and
// turn/completed. A thread with a running turn is refused.
func (s *Server) threadCompactStart(ctx context.Context, p v2.ThreadCompactStartParams, r rpcserver.Reply[v2.ThreadCompactStartResponse]) {
	th, err := s.thread(p.ThreadID)
	if err != nil {
		r.Fail(ctx, err)
		return
	}
	th.emitMu.Lock()
	defer th.emitMu.Unlock()
	turn := newV2Turn("", nil)
	turn.subID = turn.id
	th.mu.Lock()
	busy := th.tr.turn != nil || len(th.tr.pending) > 0 || th.interrupting != nil
	if !busy {
		th.tr.expect(turn)
	}
	th.mu.Unlock()
	if busy {
		r.Fail(ctx, invalidRequest("cannot compact thread "+th.id+" while a turn is running"))
		return
	}
	if _, err := th.conv.SubmitWithID(turn.subID, protocol.CompactOp{}); err != nil {
		th.mu.Lock()
		th.tr.forget(turn.subID)
		th.mu.Unlock()
		r.Fail(ctx, internalError("submit to thread %s: %v", th.id, err))
		return
	}
	r.Send(ctx, v2.ThreadCompactStartResponse{})
}
