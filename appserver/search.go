package appserver

import (
	"github.com/codex-go/codex/protocol"

	"context"
	"errors"

	"github.com/codex-go/codex/core/filesearch"
)

// fuzzyFileSearch finds files whose paths match a query. The search runs in
// its own goroutine while the server goes on serving; a later search with
// the same cancellation token cancels it, and it is then answered with no
// files.
func (s *Server) fuzzyFileSearch(_ context.Context, r *request) (any, error) {
	var p protocol.FuzzyFileSearchParams
	if err := r.decodeParams(&p, "query", "roots"); err != nil {
		return nil, err
	}
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
			r.reply(life, nil, invalidParams("%v", err))
			return
		}
		resp := protocol.FuzzyFileSearchResponse{Files: make([]protocol.FuzzyFileSearchResult, 0, len(matches))}
		for _, m := range matches {
			resp.Files = append(resp.Files, protocol.FuzzyFileSearchResult(m))
		}
		r.reply(life, resp, nil)
	})
	if !started {
		return nil, internalError("server is shutting down")
	}
	<-registered
	return nil, errDeferred
}
