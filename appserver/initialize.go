package appserver

import (
	"context"
	"runtime"

	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/protocol"
)

// initialize handles the handshake: it records the client's identity in the
// user agent used for model requests from now on.
// The skeleton refuses a second handshake and every other request before
// the first.
// A v2 client's opted-out notifications are never sent to it. Right after
// the answer come the configWarning notifications about config.toml.
func (s *Server) initialize(ctx context.Context, p protocol.InitializeParams, r rpcserver.Reply[protocol.InitializeResponse]) {
	s.peer.mu.Lock()
	s.peer.name = p.ClientInfo.Name
	if p.Capabilities != nil {
		for _, method := range p.Capabilities.OptOutNotificationMethods {
			s.peer.optOut[method] = true
		}
	}
	s.peer.mu.Unlock()
	family, os := platform()
	r.Send(ctx, protocol.InitializeResponse{
		UserAgent:      s.eng.SetClient(p.ClientInfo.Name, p.ClientInfo.Version),
		CodexHome:      s.eng.CodexHome,
		PlatformFamily: family,
		PlatformOs:     os,
	})
	s.sendConfigWarnings(ctx)
}

// platform names the operating system as v2's initialize does.
func platform() (family, os string) {
	switch runtime.GOOS {
	case "windows":
		return "windows", "windows"
	case "darwin":
		return "unix", "macos"
	}
	return "unix", runtime.GOOS
}

// initializedNote handles the client's initialized notification, which
// needs nothing.
func (s *Server) initializedNote(context.Context, rpcserver.None) {}

// getUserAgent returns the user agent sent to model providers.
func (s *Server) getUserAgent(context.Context, rpcserver.None) (protocol.GetUserAgentResponse, error) {
	return protocol.GetUserAgentResponse{UserAgent: s.eng.UserAgent()}, nil
}
