package appserver

import (
	"context"
	"strings"

	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/protocol"
	v2 "github.com/codex-go/codex/protocol/v2"
)

// threadShellCommand runs a shell command the user typed in a thread. It
// is answered at once; the command then runs as a turn of its own (or as
// part of the running turn), reported as a commandExecution item whose
// source is userShell, and the model sees it and its output in its next
// request. As the reference does, the command is the user's own action:
// it is not submitted for approval and runs outside the thread's sandbox.
func (s *Server) threadShellCommand(ctx context.Context, p v2.ThreadShellCommandParams, r rpcserver.Reply[v2.ThreadShellCommandResponse]) {
	switch {
	case strings.TrimSpace(p.Command) == "":
		r.Fail(ctx, invalidRequest(emptyCommandMessage))
		return
	case p.TimeoutMs != nil && *p.TimeoutMs < 0:
		r.Fail(ctx, invalidParams("thread/shellCommand timeoutMs must be non-negative, got %d", *p.TimeoutMs))
		return
	}
	th, err := s.thread(p.ThreadID)
	if err != nil {
		r.Fail(ctx, err)
		return
	}
	op := protocol.RunUserShellCommandOp{Command: p.Command, TimeoutMs: p.TimeoutMs}
	th.mu.Lock()
	interrupting := th.interrupting
	th.mu.Unlock()
	if interrupting == nil {
		s.startShellCommand(ctx, th, op, r)
		return
	}
	// A turn being interrupted takes no more work: the command starts a
	// new turn once the interrupted one has ended.
	life := s.lifetime()
	if !s.goTracked(func() {
		select {
		case <-interrupting:
		case <-life.Done():
		}
		s.startShellCommand(life, th, op, r)
	}) {
		r.Fail(ctx, shuttingDown())
	}
}

// startShellCommand hands a user's shell command to the thread's engine
// and answers; the answer comes before the command's notifications.
func (s *Server) startShellCommand(ctx context.Context, th *v2Thread, op protocol.RunUserShellCommandOp, r rpcserver.Reply[v2.ThreadShellCommandResponse]) {
	th.emitMu.Lock()
	defer th.emitMu.Unlock()
	// Events of a new turn carry its id as their submission id.
	turn := newV2Turn("", nil)
	turn.subID = turn.id
	th.mu.Lock()
	th.tr.expect(turn)
	th.mu.Unlock()
	owner, err := th.conv.SubmitUserShell(turn.subID, op)
	th.mu.Lock()
	defer th.mu.Unlock()
	if err != nil || owner != turn.subID {
		// It failed, or it joined the running turn.
		th.tr.forget(turn.subID)
	}
	if err != nil {
		r.Fail(ctx, internalError("submit to thread %s: %v", th.id, err))
		return
	}
	r.Send(ctx, v2.ThreadShellCommandResponse{})
}
