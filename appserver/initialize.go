package appserver

import (
	"context"

	"github.com/codex-go/codex/core/client"
	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/protocol"
)

// initialize handles the handshake: it records the client's identity in the
// user agent used for model requests from now on.
// The skeleton refuses a second handshake and every other request before
// the first.
func (s *Server) initialize(_ context.Context, p protocol.InitializeParams) (protocol.InitializeResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.userAgent = client.UserAgent(s.opts.Version, p.ClientInfo.Name, p.ClientInfo.Version)
	return protocol.InitializeResponse{UserAgent: s.userAgent}, nil
}

// getUserAgent returns the user agent sent to model providers.
func (s *Server) getUserAgent(context.Context, rpcserver.None) (protocol.GetUserAgentResponse, error) {
	return protocol.GetUserAgentResponse{UserAgent: s.currentUserAgent()}, nil
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
