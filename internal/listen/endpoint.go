// Package listen serves the app server beyond stdio: it parses the
// --listen URL, accepts connections on a TCP or unix socket, upgrades each
// to a WebSocket (one JSON-RPC message per text frame), authenticates
// WebSocket clients and hands every connection, as a line stream, to a
// handler.
package listen

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
)

// Scheme is the kind of transport an endpoint uses.
type Scheme string

// The transports.
const (
	// Stdio is the standard input and output: one connection.
	Stdio Scheme = "stdio"
	// Unix is a unix socket carrying WebSocket connections.
	Unix Scheme = "unix"
	// WebSocket is a TCP socket carrying WebSocket connections.
	WebSocket Scheme = "ws"
)

// Endpoint is where the server listens.
type Endpoint struct {
	// Scheme is the transport.
	Scheme Scheme
	// Addr is the socket's path (Unix) or IP:PORT (WebSocket); empty for
	// Stdio.
	Addr string
}

// String returns the endpoint as a URL.
func (e Endpoint) String() string { return string(e.Scheme) + "://" + e.Addr }

// Loopback reports whether a WebSocket endpoint binds a loopback address.
func (e Endpoint) Loopback() bool {
	ap, err := netip.ParseAddrPort(e.Addr)
	return err == nil && ap.Addr().IsLoopback()
}

// ControlDir is the directory, under CODEX_HOME, of the default unix
// socket.
const ControlDir = "app-server-control"

// SocketName is the name of the default unix socket in ControlDir.
const SocketName = "app-server-control.sock"

// DefaultSocketPath is the unix socket `--listen unix://` uses:
// $CODEX_HOME/app-server-control/app-server-control.sock.
func DefaultSocketPath(codexHome string) string {
	return filepath.Join(codexHome, ControlDir, SocketName)
}

// Parse reads a --listen URL: stdio:// (also ""), unix:// (the default
// socket under codexHome), unix://PATH or ws://IP:PORT.
func Parse(raw, codexHome string) (Endpoint, error) {
	switch {
	case raw == "" || raw == "stdio://" || raw == "stdio":
		return Endpoint{Scheme: Stdio}, nil
	case strings.HasPrefix(raw, "unix://"):
		path := strings.TrimPrefix(raw, "unix://")
		if path == "" {
			if codexHome == "" {
				return Endpoint{}, errors.New("unix://: no CODEX_HOME for the default socket")
			}
			path = DefaultSocketPath(codexHome)
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return Endpoint{}, fmt.Errorf("unix socket path %q: %w", path, err)
		}
		return Endpoint{Scheme: Unix, Addr: abs}, nil
	case strings.HasPrefix(raw, "ws://"):
		hostPort := strings.TrimPrefix(raw, "ws://")
		hostPort = strings.TrimSuffix(hostPort, "/")
		ap, err := netip.ParseAddrPort(hostPort)
		if err != nil {
			return Endpoint{}, fmt.Errorf("--listen %s: expected ws://IP:PORT (an IP address, not a name): %w", raw, err)
		}
		return Endpoint{Scheme: WebSocket, Addr: net.JoinHostPort(ap.Addr().String(), fmt.Sprint(ap.Port()))}, nil
	}
	return Endpoint{}, fmt.Errorf("--listen %q: unsupported URL; use stdio://, unix://, unix://PATH or ws://IP:PORT", raw)
}
