package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/codex-go/codex/mcpserver"
)

// newMCPServerCommand builds `codex mcp-server`.
func newMCPServerCommand(flags *globalFlags, std stdio) *cobra.Command {
	var listen, tokenFile string
	var origins []string
	cmd := &cobra.Command{
		Use:   "mcp-server",
		Short: "Serve Codex as a Model Context Protocol server on stdin/stdout or over HTTP",
		Long: "mcp-server speaks the Model Context Protocol (JSON-RPC, one message per line) on stdin and stdout. " +
			"It offers the tools `codex`, which starts a conversation with a prompt, and `codex-reply`, which " +
			"continues one; the events of a running call are sent as codex/event notifications and approvals " +
			"are asked with elicitation requests. The global flags set defaults for every conversation; the " +
			"arguments of a call take precedence. Diagnostics go to stderr. The server ends when stdin is closed.\n\n" +
			"With --listen http://HOST:PORT[/PATH] it serves the MCP streamable HTTP transport instead (path /mcp " +
			"unless given; port 0 picks a free one), printing the endpoint's URL to stderr. Each session has its own " +
			"conversations. A bearer token (--token-file) is required on an address that is not a loopback one and " +
			"optional otherwise. The server ends on SIGINT or SIGTERM, after every session was shut down.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := flags.resolveEngine()
			if err != nil {
				return err
			}
			opts := mcpserver.Options(e.serverOptions(std.err))
			if listen == "" {
				if tokenFile != "" || len(origins) > 0 {
					return fmt.Errorf("--token-file and --allow-origin need --listen")
				}
				srv := mcpserver.New(opts)
				return failed(srv.Run(cmd.Context(), std.in, std.out))
			}
			token := ""
			if tokenFile != "" {
				if token, err = readToken(tokenFile); err != nil {
					return err
				}
			}
			return failed(mcpserver.ServeHTTP(cmd.Context(), opts, mcpserver.HTTPOptions{
				Listen:         listen,
				Token:          token,
				AllowedOrigins: origins,
				Ready: func(endpoint string) {
					fmt.Fprintf(std.err, "codex mcp-server listening on %s\n", endpoint)
				},
			}))
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "",
		"serve MCP streamable HTTP at `URL` (http://HOST:PORT[/PATH], port 0 picks a free one) instead of stdio")
	cmd.Flags().StringVar(&tokenFile, "token-file", "",
		"require the bearer token held in `file` (required when --listen is not a loopback address)")
	cmd.Flags().StringArrayVar(&origins, "allow-origin", nil,
		"accept browser requests from `origin` (scheme://host[:port]) besides loopback ones (repeatable)")
	return cmd
}

// readToken reads a bearer token from a file: its content without the
// surrounding white space, which must not be empty.
func readToken(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--token-file: %w", err)
	}
	token := strings.TrimSpace(string(data))
	if token == "" {
		return "", fmt.Errorf("--token-file %s is empty", path)
	}
	if strings.ContainsAny(token, " \t\r\n") {
		return "", fmt.Errorf("--token-file %s: the token must be one word", path)
	}
	return token, nil
}
