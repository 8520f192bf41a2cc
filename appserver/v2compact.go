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
	if err := th.submitTurnOp(turn, protocol.CompactOp{}, "compact"); err != nil {
		r.Fail(ctx, err)
		return
	}
	r.Send(ctx, v2.ThreadCompactStartResponse{})
}

// submitTurnOp submits op, which starts a turn of its own (a compaction, a
// review), as turn: the turn's events carry its id. A thread whose turn
// runs, or is about to, is refused, naming what was asked (doing). Call
// with th.emitMu held, and answer before releasing it, so that the answer
// precedes the turn's notifications.
func (th *v2Thread) submitTurnOp(turn *v2Turn, op protocol.Op, doing string) error {
	turn.subID = turn.id
	th.mu.Lock()
	busy := th.tr.turn != nil || len(th.tr.pending) > 0 || th.interrupting != nil
	if !busy {
		th.tr.expect(turn)
	}
	th.mu.Unlock()
	if busy {
		return invalidRequest("cannot " + doing + " thread " + th.id + " while a turn is running")
	}
	if _, err := th.conv.SubmitWithID(turn.subID, op); err != nil {
		th.mu.Lock()
		th.tr.forget(turn.subID)
		th.mu.Unlock()
		return internalError("submit to thread %s: %v", th.id, err)
	}
	return nil
}
