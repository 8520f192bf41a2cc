package appserver

import (
	"context"

	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/protocol"
)

// initialize handles the handshake: it records the client's identity in the
// user agent used for model requests from now on.
// The skeleton refuses a second handshake and every other request before
// the first.
func (s *Server) initialize(_ context.Context, p protocol.InitializeParams) (protocol.InitializeResponse, error) {
	return protocol.InitializeResponse{UserAgent: s.eng.SetClient(p.ClientInfo.Name, p.ClientInfo.Version)}, nil
}

// getUserAgent returns the user agent sent to model providers.
func (s *Server) getUserAgent(context.Context, rpcserver.None) (protocol.GetUserAgentResponse, error) {
	return protocol.GetUserAgentResponse{UserAgent: s.eng.UserAgent()}, nil
}
