package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/core/configedit"
)

// noServersMessage is printed by `mcp list` when nothing is configured.
const noServersMessage = "No MCP servers configured yet. Try `codex mcp add my-tool -- my-command`."

// newMCPCommand builds `codex mcp` and its subcommands, which manage the
// [mcp_servers] entries of $CODEX_HOME/config.toml.
func newMCPCommand(flags *globalFlags, std stdio) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mcp",
		Short: "Manage the MCP servers configured in config.toml",
		Long: "mcp lists, shows, adds and removes the MCP servers of $CODEX_HOME/config.toml. " +
			"Edits change only the entry of the server concerned; the rest of the file is kept as written.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	cmd.AddCommand(
		newMCPListCommand(flags, std),
		newMCPGetCommand(flags, std),
		newMCPAddCommand(flags, std),
		newMCPRemoveCommand(flags, std),
		newMCPLoginCommand(flags, std),
		newMCPLogoutCommand(flags, std),
	)
	return cmd
}

// mcpConfigPath checks the global flags and returns the path of config.toml.
// Configuration overrides and profiles do not apply: these commands read and
// write the file itself.
func mcpConfigPath(flags *globalFlags) (string, error) {
	if _, err := flags.resolve(); err != nil {
		return "", err
	}
	home, err := config.FindCodexHome()
	if err != nil {
		return "", failed(err)
	}
	return filepath.Join(home, config.ConfigFileName), nil
}

// newMCPListCommand builds `codex mcp list`.
func newMCPListCommand(flags *globalFlags, std stdio) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the configured MCP servers",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			path, err := mcpConfigPath(flags)
			if err != nil {
				return err
			}
			servers, err := configedit.ReadMCPServers(path)
			if err != nil {
				return failed(err)
			}
			if asJSON {
				views := make([]mcpServerView, 0, len(servers))
				for _, s := range servers {
					views = append(views, newMCPServerView(s))
				}
				return failed(writeJSON(std.out, views))
			}
			return failed(writeServerTables(std.out, servers))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the servers as JSON")
	return cmd
}

// newMCPGetCommand builds `codex mcp get`.
func newMCPGetCommand(flags *globalFlags, std stdio) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "get NAME",
		Short: "Show one configured MCP server",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			path, err := mcpConfigPath(flags)
			if err != nil {
				return err
			}
			servers, err := configedit.ReadMCPServers(path)
			if err != nil {
				return failed(err)
			}
			i := slices.IndexFunc(servers, func(s configedit.MCPServer) bool { return s.Name == args[0] })
			if i < 0 {
				return failed(notFound(args[0]))
			}
			if asJSON {
				return failed(writeJSON(std.out, newMCPServerView(servers[i])))
			}
			return failed(writeServerDetails(std.out, servers[i]))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the server as JSON")
	return cmd
}

// newMCPAddCommand builds `codex mcp add`.
func newMCPAddCommand(flags *globalFlags, std stdio) *cobra.Command {
	var envPairs []string
	var remote configedit.MCPServer
	cmd := &cobra.Command{
		Use:   "add NAME (--url URL | [--env KEY=VALUE]... -- COMMAND [ARGS...])",
		Short: "Add an MCP server started with COMMAND or reached at URL, or replace the one of that name",
		Long: "add writes a [mcp_servers.NAME] table to config.toml, replacing any server of that name. " +
			"NAME is made of letters, digits, '-' and '_'. Put -- before COMMAND when it or its arguments start with '-'. " +
			"With --url the server is a streamable HTTP server; --bearer-token-env-var names the environment " +
			"variable holding its bearer token, and the --oauth-* options record a pre-registered OAuth client.",
		Args: func(cmd *cobra.Command, args []string) error {
			switch dash := cmd.ArgsLenAtDash(); {
			case len(args) == 0 || dash == 0:
				return errors.New("missing server NAME")
			case dash > 1:
				return fmt.Errorf("unexpected arguments before --: %s", strings.Join(args[1:dash], " "))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			env, err := parseEnvPairs(envPairs)
			if err != nil {
				return err
			}
			path, err := mcpConfigPath(flags)
			if err != nil {
				return err
			}
			name, command := args[0], args[1:]
			if err := configedit.ValidateServerName(name); err != nil {
				return failed(err)
			}
			var srv configedit.MCPServer
			switch {
			case remote.URL != "" && (len(command) > 0 || env != nil):
				// The wording of the reference, whose --url excludes a
				// command and its environment.
				return failed(errors.New("command is required"))
			case remote.URL != "":
				srv = remote
			case remote.BearerTokenEnvVar != "" || remote.OAuthClientID != "" || remote.OAuthClientSecret != "" || remote.OAuthResource != "":
				return failed(errors.New("--bearer-token-env-var and the --oauth-* options are only valid with --url"))
			case len(command) == 0 || command[0] == "":
				return failed(errors.New("command is required"))
			default:
				srv = configedit.MCPServer{Command: command[0], Args: command[1:], Env: env}
			}
			srv.Name = name
			if err := configedit.AddMCPServer(path, srv); err != nil {
				return failed(err)
			}
			_, err = fmt.Fprintf(std.out, "Added global MCP server '%s'.\n", name)
			return failed(err)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&envPairs, "env", nil, "set an environment variable of the server, as `KEY=VALUE` (repeatable; stdio servers only)")
	f.StringVar(&remote.URL, "url", "", "the `URL` of a streamable HTTP MCP server")
	f.StringVar(&remote.BearerTokenEnvVar, "bearer-token-env-var", "", "the environment variable (`ENV_VAR`) holding the bearer token of a streamable HTTP server")
	f.StringVar(&remote.OAuthClientID, "oauth-client-id", "", "the `CLIENT_ID` of a pre-registered OAuth client for this server")
	f.StringVar(&remote.OAuthClientSecret, "oauth-client-secret", "", "the `CLIENT_SECRET` of the pre-registered OAuth client")
	f.StringVar(&remote.OAuthResource, "oauth-resource", "", "the `RESOURCE` parameter sent during OAuth login")
	return cmd
}

// newMCPRemoveCommand builds `codex mcp remove`.
func newMCPRemoveCommand(flags *globalFlags, std stdio) *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a configured MCP server",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			path, err := mcpConfigPath(flags)
			if err != nil {
				return err
			}
			removed, err := configedit.RemoveMCPServer(path, args[0])
			if err != nil {
				return failed(err)
			}
			if removed {
				_, err = fmt.Fprintf(std.out, "Removed global MCP server '%s'.\n", args[0])
			} else {
				_, err = fmt.Fprintln(std.out, notFound(args[0]))
			}
			return failed(err)
		},
	}
}

// notFound is the message about a server that is not configured, worded as
// the reference words it.
func notFound(name string) error {
	//lint:ignore ST1005 the reference's wording, which scripts may match
	return fmt.Errorf("No MCP server named '%s' found.", name)
}

// parseEnvPairs reads --env values.
func parseEnvPairs(pairs []string) (map[string]string, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	env := make(map[string]string, len(pairs))
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid --env %q: expected KEY=VALUE", p)
		}
		env[k] = v
	}
	return env, nil
}

// writeServerTables prints the servers as aligned tables: stdio servers
// first, then, after an empty line, the streamable HTTP ones.
func writeServerTables(w io.Writer, servers []configedit.MCPServer) error {
	if len(servers) == 0 {
		_, err := fmt.Fprintln(w, noServersMessage)
		return err
	}
	stdioRows := [][]string{{"Name", "Command", "Args", "Env"}}
	httpRows := [][]string{{"Name", "Url", "Bearer Token Env Var", "Status", "Auth"}}
	for _, s := range servers {
		if s.Transport() == configedit.TransportStreamableHTTP {
			httpRows = append(httpRows, []string{s.Name, s.URL, orDash(s.BearerTokenEnvVar), statusText(s), authText(s)})
			continue
		}
		stdioRows = append(stdioRows, []string{s.Name, s.Command, argsText(s.Args), envText(s.Env)})
	}
	var b strings.Builder
	if len(stdioRows) > 1 {
		writeTable(&b, stdioRows)
	}
	if len(httpRows) > 1 {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		writeTable(&b, httpRows)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// statusText is the Status column of a server: enabled or disabled.
func statusText(s configedit.MCPServer) string {
	if s.Disabled {
		return "disabled"
	}
	return "enabled"
}

// authText is the Auth column of a streamable HTTP server, as far as the
// config tells: a bearer token from the environment, or unknown (the
// server may ask for an OAuth login), or unsupported when disabled.
func authText(s configedit.MCPServer) string {
	switch {
	case s.Disabled:
		return "Unsupported"
	case s.BearerTokenEnvVar != "":
		return "Bearer token"
	}
	return "Unknown"
}

// writeTable writes rows with every column padded to its widest cell and
// columns separated by two spaces.
func writeTable(b *strings.Builder, rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	for _, row := range rows {
		for i, cell := range row {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(cell)
			b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)))
		}
		b.WriteString("\n")
	}
}

// writeServerDetails prints one server as `mcp get` does.
func writeServerDetails(w io.Writer, s configedit.MCPServer) error {
	var b strings.Builder
	field := func(key, value string) { fmt.Fprintf(&b, "  %s: %s\n", key, value) }
	if s.Transport() == configedit.TransportStreamableHTTP {
		if s.Disabled {
			_, err := fmt.Fprintf(w, "%s (disabled)\n", s.Name)
			return err
		}
		b.WriteString(s.Name + "\n")
		field("enabled", "true")
		field("transport", s.Transport())
		field("url", s.URL)
		field("bearer_token_env_var", orDash(s.BearerTokenEnvVar))
		field("http_headers", headersText(s.HTTPHeaders, false))
		field("env_http_headers", headersText(s.EnvHTTPHeaders, true))
		field("http_headers_helper", "-")
	} else {
		b.WriteString(s.Name + "\n")
		field("transport", s.Transport())
		field("command", s.Command)
		field("args", argsText(s.Args))
		field("env", envText(s.Env))
	}
	if s.StartupTimeoutSec != nil {
		field("startup_timeout_sec", strconv.FormatFloat(*s.StartupTimeoutSec, 'f', -1, 64))
	}
	if s.ToolTimeoutSec != nil {
		field("tool_timeout_sec", strconv.FormatFloat(*s.ToolTimeoutSec, 'f', -1, 64))
	}
	field("remove", "codex mcp remove "+s.Name)
	_, err := io.WriteString(w, b.String())
	return err
}

// headersText lists headers as NAME=VALUE sorted by name, "-" when there
// are none. Values of http_headers may be secrets and are masked; those of
// env_http_headers are variable names and shown.
func headersText(headers map[string]string, showValues bool) string {
	pairs := make([]string, 0, len(headers))
	for _, k := range slices.Sorted(maps.Keys(headers)) {
		v := "*****"
		if showValues {
			v = headers[k]
		}
		pairs = append(pairs, k+"="+v)
	}
	return orDash(strings.Join(pairs, ", "))
}

// argsText joins arguments with spaces, "-" when there are none.
func argsText(args []string) string {
	return orDash(strings.Join(args, " "))
}

// envText lists variables as KEY=VALUE sorted by key, "-" when there are
// none.
func envText(env map[string]string) string {
	pairs := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		pairs = append(pairs, k+"="+env[k])
	}
	return orDash(strings.Join(pairs, ", "))
}

// orDash returns s, or "-" when it is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// mcpServerView is the JSON form of a server printed by `mcp list --json`
// and `mcp get --json`.
type mcpServerView struct {
	Name              string   `json:"name"`
	Transport         any      `json:"transport"`
	StartupTimeoutSec *seconds `json:"startup_timeout_sec"`
	ToolTimeoutSec    *seconds `json:"tool_timeout_sec"`
}

// stdioTransportView is the transport of a server started as a process.
type stdioTransportView struct {
	Type    string            `json:"type"`
	Command string            `json:"command"`
	Args    []string          `json:"args"`
	Env     map[string]string `json:"env"`
}

// httpTransportView is the transport of a server reached at a URL.
type httpTransportView struct {
	Type              string            `json:"type"`
	URL               string            `json:"url"`
	BearerTokenEnvVar *string           `json:"bearer_token_env_var"`
	HTTPHeaders       map[string]string `json:"http_headers"`
	EnvHTTPHeaders    map[string]string `json:"env_http_headers"`
	HTTPHeadersHelper *string           `json:"http_headers_helper"`
}

// seconds is a duration in seconds, written as a JSON number that always
// has a fraction (5.0, 30.5).
type seconds float64

// MarshalJSON writes s with at least one decimal.
func (s seconds) MarshalJSON() ([]byte, error) {
	text := strconv.FormatFloat(float64(s), 'f', -1, 64)
	if !strings.Contains(text, ".") {
		text += ".0"
	}
	return []byte(text), nil
}

// newMCPServerView converts a configured server to its JSON form.
func newMCPServerView(s configedit.MCPServer) mcpServerView {
	v := mcpServerView{Name: s.Name}
	if s.StartupTimeoutSec != nil {
		t := seconds(*s.StartupTimeoutSec)
		v.StartupTimeoutSec = &t
	}
	if s.ToolTimeoutSec != nil {
		t := seconds(*s.ToolTimeoutSec)
		v.ToolTimeoutSec = &t
	}
	if s.Transport() == configedit.TransportStreamableHTTP {
		t := httpTransportView{Type: configedit.TransportStreamableHTTP, URL: s.URL,
			HTTPHeaders: s.HTTPHeaders, EnvHTTPHeaders: s.EnvHTTPHeaders}
		if s.BearerTokenEnvVar != "" {
			t.BearerTokenEnvVar = &s.BearerTokenEnvVar
		}
		v.Transport = t
		return v
	}
	args := s.Args
	if args == nil {
		args = []string{}
	}
	v.Transport = stdioTransportView{Type: configedit.TransportStdio, Command: s.Command, Args: args, Env: s.Env}
	return v
}

// writeJSON prints v as indented JSON without HTML escaping.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
