package main

import (
	"github.com/spf13/cobra"

	"github.com/codex-go/codex/mcpserver"
)

// newMCPServerCommand builds `codex mcp-server`.
func newMCPServerCommand(flags *globalFlags, std stdio) *cobra.Command {
	return &cobra.Command{
		Use:   "mcp-server",
		Short: "Serve Codex as a Model Context Protocol server on stdin/stdout",
		Long: "mcp-server speaks the Model Context Protocol (JSON-RPC, one message per line) on stdin and stdout. " +
			"It offers the tools `codex`, which starts a conversation with a prompt, and `codex-reply`, which " +
			"continues one; the events of a running call are sent as codex/event notifications and approvals " +
			"are asked with elicitation requests. The global flags set defaults for every conversation; the " +
			"arguments of a call take precedence. Diagnostics go to stderr. The server ends when stdin is closed.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := flags.resolveEngine()
			if err != nil {
				return err
			}
			srv := mcpserver.New(mcpserver.Options(e.serverOptions(std.err)))
			return failed(srv.Run(cmd.Context(), std.in, std.out))
		},
	}
}
