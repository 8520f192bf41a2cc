package appserver

import (
	"context"
	"time"

	"github.com/codex-go/codex/core/review"
	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/protocol"
	v2 "github.com/codex-go/codex/protocol/v2"
)

// reviewStart starts a review turn on the thread (inline delivery). It is
// answered before the turn's notifications: turn/started, an
// enteredReviewMode item, the review task as a user message, the
// reviewer's commands, an exitedReviewMode item with the review, the
// review as an agent message, turn/completed. A thread with a running
// turn is refused.
func (s *Server) reviewStart(ctx context.Context, p v2.ReviewStartParams, r rpcserver.Reply[v2.ReviewStartResponse]) {
	if p.Delivery != nil && *p.Delivery != "inline" {
		r.Fail(ctx, invalidParams("Invalid params: unknown review delivery %q (reviews run inline)", *p.Delivery))
		return
	}
	target := review.Target{Kind: p.Target.Type, Branch: p.Target.Branch, SHA: p.Target.SHA, Instructions: p.Target.Instructions}
	if p.Target.Title != nil {
		target.Title = *p.Target.Title
	}
	req, err := review.Request(target)
	if err != nil {
		r.Fail(ctx, invalidParams("Invalid params: %v", err))
		return
	}
	th, err := s.thread(p.ThreadID)
	if err != nil {
		r.Fail(ctx, err)
		return
	}
	th.emitMu.Lock()
	defer th.emitMu.Unlock()
	turn := newV2Turn("", []v2.UserInput{{Type: v2.InputText, Text: req.Prompt}})
	turn.review = req.UserFacingHint
	if err := th.submitTurnOp(turn, protocol.ReviewOp{ReviewRequest: req}, "review"); err != nil {
		r.Fail(ctx, err)
		return
	}
	wire := turn.wire(v2.TurnInProgress, time.Now())
	wire.Items = []v2.Item{v2.UserMessageItem{Type: v2.ItemUserMessage, ID: turn.id,
		Content: []v2.UserInput{{Type: v2.InputText, Text: req.UserFacingHint}}}}
	r.Send(ctx, v2.ReviewStartResponse{Turn: wire, ReviewThreadID: th.id})
}
