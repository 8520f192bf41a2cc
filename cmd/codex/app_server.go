package main

import (
	"github.com/spf13/cobra"

	"github.com/codex-go/codex/appserver"
)

// newAppServerCommand builds `codex app-server`.
func newAppServerCommand(flags *globalFlags, std stdio) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "app-server",
		Short: "Serve conversations to an editor: JSON-RPC, one message per line on stdin/stdout",
		Long: "app-server reads JSON-RPC requests from stdin, one JSON object per line, and writes responses, " +
			"notifications and server requests to stdout in the same form. Diagnostics go to stderr. " +
			"The server ends when stdin is closed.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := flags.resolveEngine()
			if err != nil {
				return err
			}
			srv := appserver.New(appserver.Options(e.serverOptions(std.err)))
			return failed(srv.Run(cmd.Context(), std.in, std.out))
		},
	}
	addGenerateCommands(cmd, std)
	addListenFlag(cmd, flags, std)
	addDaemonCommands(cmd, flags, std)
	return cmd
}
