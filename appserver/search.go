package appserver

import (
	"context"
	"errors"

	"github.com/codex-go/codex/core/filesearch"
	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/protocol"
)

// fuzzyFileSearch finds files whose paths match a query. The search runs in
// its own goroutine while the server goes on serving; a later search with
// the same cancellation token cancels it, and it is then answered with no
// files.
func (s *Server) fuzzyFileSearch(ctx context.Context, p protocol.FuzzyFileSearchParams, r rpcserver.Reply[protocol.FuzzyFileSearchResponse]) {
	token := ""
	if p.CancellationToken != nil {
		token = *p.CancellationToken
	}
	life := s.lifetime()
	// The search is registered under its token before the next request is
	// read, so that requests cancel each other in the order they arrived.
	registered := make(chan struct{})
	started := s.goTracked(func() {
		var matches []filesearch.Match
		err := s.searches.Run(life, token, func(ctx context.Context) error {
			close(registered)
			var err error
			matches, err = filesearch.Search(ctx, p.Query, p.Roots, 0)
			return err
		})
		switch {
		case err == nil:
		case errors.Is(err, context.Canceled) && life.Err() == nil:
			matches = nil // replaced by a newer search
		default:
			r.Fail(life, invalidParams("%v", err))
			return
		}
		resp := protocol.FuzzyFileSearchResponse{Files: make([]protocol.FuzzyFileSearchResult, 0, len(matches))}
		for _, m := range matches {
			resp.Files = append(resp.Files, protocol.FuzzyFileSearchResult(m))
		}
		r.Send(life, resp)
	})
	if !started {
		r.Fail(ctx, shuttingDown())
		return
	}
	<-registered
}
