package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/codex-go/codex/appserver"
	"github.com/codex-go/codex/internal/listen"
)

// listenFlags are the transport flags of `codex app-server`.
type listenFlags struct {
	listen          string
	stdio           bool
	wsAuth          string
	tokenFile       string
	tokenSHA256     string
	secretFile      string
	issuer          string
	audience        string
	clockSkewSecond int
}

// add registers the flags on cmd, named as the reference names them.
func (f *listenFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", "stdio://", "transport: stdio://, unix:// (the socket $CODEX_HOME/"+listen.ControlDir+"/"+listen.SocketName+"), unix://PATH or ws://IP:PORT")
	fl.BoolVar(&f.stdio, "stdio", false, "use stdio as the transport (the same as --listen stdio://)")
	fl.StringVar(&f.wsAuth, "ws-auth", "", "authentication of WebSocket clients: "+listen.AuthCapabilityToken+", "+listen.AuthSignedBearerToken+
		", or "+authNone+" (loopback addresses only: no authentication)")
	fl.StringVar(&f.tokenFile, "ws-token-file", "", "absolute path of the file holding the capability token")
	fl.StringVar(&f.tokenSHA256, "ws-token-sha256", "", "hex SHA-256 of the capability token")
	fl.StringVar(&f.secretFile, "ws-shared-secret-file", "", "absolute path of the HS256 shared secret of signed bearer tokens")
	fl.StringVar(&f.issuer, "ws-issuer", "", "expected issuer (iss) of signed bearer tokens")
	fl.StringVar(&f.audience, "ws-audience", "", "expected audience (aud) of signed bearer tokens")
	fl.IntVar(&f.clockSkewSecond, "ws-max-clock-skew-seconds", 30, "clock skew allowed on the exp and nbf of signed bearer tokens")
}

// endpoint returns where to listen.
func (f *listenFlags) endpoint(home string) (listen.Endpoint, error) {
	if f.stdio {
		return listen.Endpoint{Scheme: listen.Stdio}, nil
	}
	return listen.Parse(f.listen, home)
}

// authNone is the --ws-auth value that serves a loopback WebSocket
// listener without authentication: the opt-out must be explicit.
const authNone = "none"

// authenticator builds the WebSocket authentication the flags ask for for
// ep; nil when none. A WebSocket listener needs --ws-auth: a mode, or none
// (refused off loopback by listen.Serve).
func (f *listenFlags) authenticator(ep listen.Endpoint) (listen.Authenticator, error) {
	switch f.wsAuth {
	case "", authNone:
		if f.tokenFile != "" || f.tokenSHA256 != "" || f.secretFile != "" {
			return nil, fmt.Errorf("--ws-token-file, --ws-token-sha256 and --ws-shared-secret-file need --ws-auth %s or %s",
				listen.AuthCapabilityToken, listen.AuthSignedBearerToken)
		}
		if f.wsAuth == "" && ep.Scheme == listen.WebSocket {
			return nil, fmt.Errorf("--listen %s: WebSocket clients must authenticate: give --ws-auth %s or %s, "+
				"or --ws-auth %s to serve a loopback address without authentication", ep, listen.AuthCapabilityToken,
				listen.AuthSignedBearerToken, authNone)
		}
		return nil, nil
	case listen.AuthCapabilityToken:
		switch {
		case f.tokenFile != "" && f.tokenSHA256 != "":
			return nil, fmt.Errorf("--ws-auth %s: give --ws-token-file or --ws-token-sha256, not both", f.wsAuth)
		case f.tokenFile != "":
			return listen.CapabilityTokenFromFile(f.tokenFile)
		case f.tokenSHA256 != "":
			return listen.CapabilityTokenFromSHA256(f.tokenSHA256)
		}
		return nil, fmt.Errorf("--ws-auth %s needs --ws-token-file or --ws-token-sha256", f.wsAuth)
	case listen.AuthSignedBearerToken:
		if f.secretFile == "" {
			return nil, fmt.Errorf("--ws-auth %s needs --ws-shared-secret-file", f.wsAuth)
		}
		if f.clockSkewSecond < 0 {
			return nil, fmt.Errorf("--ws-max-clock-skew-seconds must not be negative")
		}
		return listen.SignedBearerFromFile(f.secretFile, f.issuer, f.audience, time.Duration(f.clockSkewSecond)*time.Second)
	}
	return nil, fmt.Errorf("--ws-auth %q: expected %s, %s or %s", f.wsAuth, listen.AuthCapabilityToken, listen.AuthSignedBearerToken, authNone)
}

// serveListening runs the app server on a socket endpoint, serving every
// client that connects, until ctx ends. The listening address is printed
// to stderr.
func serveListening(ctx context.Context, ep listen.Endpoint, auth listen.Authenticator, opts appserver.Options, stderr io.Writer) error {
	hub := appserver.NewHub(opts)
	return hub.Run(ctx, func(ctx context.Context) error {
		return listen.Serve(ctx, ep, hub.ServeConn, listen.Options{
			Auth:   auth,
			Logger: opts.Logger,
			Ready: func(addr string) {
				_, _ = fmt.Fprintf(stderr, "codex app-server listening on %s://%s\n", ep.Scheme, addr)
			},
		})
	})
}
