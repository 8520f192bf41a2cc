package appserver

import (
	"context"

	"github.com/codex-go/codex/core/client"
	"github.com/codex-go/codex/protocol"
)

// initialize handles the handshake: it records the client's identity in the
// user agent used for model requests from now on.
func (s *Server) initialize(_ context.Context, r *request) (any, error) {
	var p protocol.InitializeParams
	if err := r.decodeParams(&p, "clientInfo"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.initialized {
		return nil, invalidRequest("Already initialized")
	}
	s.initialized = true
	s.userAgent = client.UserAgent(s.opts.Version, p.ClientInfo.Name, p.ClientInfo.Version)
	return protocol.InitializeResponse{UserAgent: s.userAgent}, nil
}

// getUserAgent returns the user agent sent to model providers.
func (s *Server) getUserAgent(_ context.Context, r *request) (any, error) {
	if err := r.noParams(); err != nil {
		return nil, err
	}
	return protocol.GetUserAgentResponse{UserAgent: s.currentUserAgent()}, nil
}

// isInitialized reports whether the handshake happened.
func (s *Server) isInitialized() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.initialized
}

// currentUserAgent returns the user agent: the program's until initialize
// named the client, the program's and the client's afterwards.
func (s *Server) currentUserAgent() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userAgent
}

// defaultUserAgent is the user agent before a client identified itself.
func defaultUserAgent(version string) string {
	return client.UserAgent(version, "", "")
}
