package appserver

import (
	"context"
	"errors"

	"github.com/codex-go/codex/core/gitdiff"
	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/protocol"
)

// gitDiffToRemote answers the changes of a work tree relative to its
// remote. git runs in its own goroutine while the server goes on serving.
func (s *Server) gitDiffToRemote(ctx context.Context, p protocol.GitDiffToRemoteParams, r rpcserver.Reply[protocol.GitDiffToRemoteResponse]) {
	life := s.lifetime()
	started := s.goTracked(func() {
		sha, diff, err := gitdiff.DiffToRemote(life, p.Cwd)
		if err != nil {
			s.log.Warn("git diff to remote failed", "cwd", p.Cwd, "error", err, "cause", errors.Unwrap(err))
			r.Fail(life, invalidParams("%v", err))
			return
		}
		r.Send(life, protocol.GitDiffToRemoteResponse{Sha: sha, Diff: diff})
	})
	if !started {
		r.Fail(ctx, shuttingDown())
	}
}
