package main

import (
	"github.com/spf13/cobra"

	"github.com/codex-go/codex/appserver"
	"github.com/codex-go/codex/internal/listen"
)

// newAppServerCommand builds `codex app-server`.
func newAppServerCommand(flags *globalFlags, std stdio) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "app-server",
		Short: "Serve conversations to an editor: JSON-RPC, one message per line on stdin/stdout",
		Long: "app-server reads JSON-RPC requests from stdin, one JSON object per line, and writes responses, " +
			"notifications and server requests to stdout in the same form. Diagnostics go to stderr. " +
			"The server ends when stdin is closed.\n\n" +
			"With --listen unix://[PATH] or ws://IP:PORT it serves several clients instead, each over a " +
			"WebSocket (one JSON-RPC message per text frame), until it is interrupted. A ws:// listener " +
			"needs --ws-auth: a token mode, or none to serve a loopback address without authentication.",
		Args: cobra.NoArgs,
	}
	var lf listenFlags
	lf.add(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		e, err := flags.resolveEngine()
		if err != nil {
			return err
		}
		ep, err := lf.endpoint(e.home)
		if err != nil {
			return err
		}
		auth, err := lf.authenticator(ep)
		if err != nil {
			return err
		}
		opts := appserver.Options(e.serverOptions(std.err))
		if ep.Scheme != listen.Stdio {
			return failed(serveListening(cmd.Context(), ep, auth, opts, std.err))
		}
		srv := appserver.New(opts)
		return failed(srv.Run(cmd.Context(), std.in, std.out))
	}
	addGenerateCommands(cmd, std)
	addDaemonCommands(cmd, flags, std)
	return cmd
}
