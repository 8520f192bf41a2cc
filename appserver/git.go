package appserver

import (
	"github.com/codex-go/codex/protocol"

	"context"
	"errors"

	"github.com/codex-go/codex/core/gitdiff"
)

// gitDiffToRemote answers the changes of a work tree relative to its
// remote. git runs in its own goroutine while the server goes on serving.
func (s *Server) gitDiffToRemote(_ context.Context, r *request) (any, error) {
	var p protocol.GitDiffToRemoteParams
	if err := r.decodeParams(&p, "cwd"); err != nil {
		return nil, err
	}
	life := s.lifetime()
	started := s.goTracked(func() {
		sha, diff, err := gitdiff.DiffToRemote(life, p.Cwd)
		if err != nil {
			s.log.Warn("git diff to remote failed", "cwd", p.Cwd, "error", err, "cause", errors.Unwrap(err))
			r.reply(life, nil, invalidParams("%v", err))
			return
		}
		r.reply(life, protocol.GitDiffToRemoteResponse{Sha: sha, Diff: diff}, nil)
	})
	if !started {
		return nil, internalError("server is shutting down")
	}
	return nil, errDeferred
}
