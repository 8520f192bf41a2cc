package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/spf13/cobra"

	"github.com/codex-go/codex/core/auth"
	"github.com/codex-go/codex/core/mcpauth"
)

// newMCPLoginCommand builds `codex mcp login`.
func newMCPLoginCommand(flags *globalFlags, std stdio) *cobra.Command {
	var scopes []string
	var noBrowser bool
	cmd := &cobra.Command{
		Use:   "login NAME [--scopes SCOPE,...] [--no-browser]",
		Short: "Sign in to a remote MCP server with OAuth",
		Long: "login signs in to the streamable HTTP MCP server NAME of config.toml with OAuth: it prints the " +
			"authorization URL (and opens it in a browser unless --no-browser or CODEX_LOGIN_NO_BROWSER=1), waits for the " +
			"browser to come back to a callback server on 127.0.0.1, and stores the tokens in " +
			"$CODEX_HOME/" + mcpauth.CredentialsFileName + ".",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			path, s, err := mcpOAuthServer(flags, name, notFound(name))
			if err != nil {
				return err
			}
			if s.url == "" {
				//lint:ignore ST1005 the reference's wording, which scripts may match
				return failed(errors.New("OAuth login is only supported for streamable HTTP servers."))
			}
			if s.bearerToken {
				//lint:ignore ST1005 the reference's wording, which scripts may match
				return failed(errors.New("OAuth login is not supported when a bearer token is configured. " +
					"Remove bearer_token/bearer_token_env_var from the server config first."))
			}
			if len(scopes) == 0 {
				scopes = s.scopes
			}
			callbackURL := s.callbackURL
			if callbackURL == "" {
				callbackURL = s.globalCallbackURL
			}
			store := mcpauth.NewStore(filepath.Dir(path))
			login, err := store.StartLogin(cmd.Context(), mcpauth.LoginOptions{
				ServerName:   name,
				ServerURL:    s.url,
				Scopes:       scopes,
				ClientID:     s.clientID,
				ClientSecret: s.clientSecret,
				Resource:     s.resource,
				CallbackPort: s.callbackPort,
				CallbackURL:  callbackURL,
			})
			if err != nil {
				return failed(err)
			}
			if noBrowser {
				fmt.Fprintf(std.out, "Authorize the MCP server by opening this URL in your browser:\n%s\n\n", login.AuthURL)
				fmt.Fprintln(std.out, "After signing in, copy the full URL from your browser's address bar.")
				fmt.Fprintln(std.out, "If the callback page cannot load, paste that URL here anyway.")
				go readCallbackURLs(std, login)
			} else {
				fmt.Fprintf(std.out, "Authorize `%s` by opening this URL in your browser:\n%s\n\n", name, login.AuthURL)
				if os.Getenv("CODEX_LOGIN_NO_BROWSER") != "1" {
					// The URL is printed; a desktop without a browser is fine.
					_ = auth.OpenBrowser(login.AuthURL)
				}
			}
			if err := login.Wait(cmd.Context()); err != nil {
				return failed(err)
			}
			_, err = fmt.Fprintf(std.out, "Successfully logged in to MCP server '%s'.\n", name)
			return failed(err)
		},
	}
	cmd.Flags().StringSliceVar(&scopes, "scopes", nil,
		"comma-separated OAuth scopes to request (default: the server's scopes in config.toml, or those it asks for)")
	cmd.Flags().BoolVar(&noBrowser, "no-browser", false,
		"print the authorization URL without opening a browser, and accept the callback URL pasted on stdin")
	return cmd
}

// readCallbackURLs reads callback URLs pasted on stdin until one completes
// the login or stdin ends.
func readCallbackURLs(std stdio, login *mcpauth.Login) {
	sc := bufio.NewScanner(std.in)
	for {
		fmt.Fprint(std.err, "Callback URL: ")
		if !sc.Scan() {
			return
		}
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		if err := login.Complete(sc.Text()); err != nil {
			fmt.Fprintf(std.err, "%v\n", err)
			continue
		}
		return
	}
}

// newMCPLogoutCommand builds `codex mcp logout`.
func newMCPLogoutCommand(flags *globalFlags, std stdio) *cobra.Command {
	return &cobra.Command{
		Use:   "logout NAME",
		Short: "Remove the OAuth credentials of a remote MCP server",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			name := args[0]
			//lint:ignore ST1005 the reference's wording, which scripts may match
			missing := fmt.Errorf("No MCP server named '%s' found in configuration.", name)
			path, s, err := mcpOAuthServer(flags, name, missing)
			if err != nil {
				return err
			}
			if s.url == "" {
				//lint:ignore ST1005 the reference's wording, which scripts may match
				return failed(errors.New("OAuth logout is only supported for streamable_http transports."))
			}
			removed, err := mcpauth.NewStore(filepath.Dir(path)).Delete(name, s.url)
			if err != nil {
				return failed(fmt.Errorf("failed to delete OAuth credentials: %w", err))
			}
			if removed {
				_, err = fmt.Fprintf(std.out, "Removed OAuth credentials for '%s'.\n", name)
			} else {
				_, err = fmt.Fprintf(std.out, "No OAuth credentials stored for '%s'.\n", name)
			}
			return failed(err)
		},
	}
}

// mcpOAuthServer reads the OAuth settings of server name from the
// config.toml of flags and returns the file's path too; missing is the
// error for a server the file does not name.
func mcpOAuthServer(flags *globalFlags, name string, missing error) (string, mcpOAuthSettings, error) {
	path, err := mcpConfigPath(flags)
	if err != nil {
		return "", mcpOAuthSettings{}, err
	}
	s, found, err := readMCPOAuthSettings(path, name)
	switch {
	case err != nil:
		return "", s, failed(err)
	case !found:
		return "", s, failed(missing)
	}
	return path, s, nil
}

// mcpOAuthSettings are the settings of config.toml that an OAuth login to
// one server uses.
type mcpOAuthSettings struct {
	// url is the server's url, empty for a stdio server.
	url string
	// bearerToken is set when the server is given a static bearer token.
	bearerToken bool
	// scopes, resource: scopes and oauth_resource of the entry.
	scopes   []string
	resource string
	// clientID, clientSecret, callbackURL: the entry's oauth table.
	clientID, clientSecret, callbackURL string
	// callbackPort, globalCallbackURL: mcp_oauth_callback_port and
	// mcp_oauth_callback_url.
	callbackPort      int
	globalCallbackURL string
}

// readMCPOAuthSettings reads the [mcp_servers.NAME] entry of the config file
// at path and the top-level OAuth settings. It reads the TOML tables
// itself, so it sees the OAuth keys whether or not the typed configuration
// knows them.
// found is false when there is no such server.
func readMCPOAuthSettings(path, name string) (s mcpOAuthSettings, found bool, err error) {
	var doc map[string]any
	if _, err := toml.DecodeFile(path, &doc); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return s, false, fmt.Errorf("%s: %w", path, err)
	}
	servers, _ := doc["mcp_servers"].(map[string]any)
	entry, ok := servers[name].(map[string]any)
	if !ok {
		return s, false, nil
	}
	key := func(k string) string { return "mcp_servers." + name + "." + k }
	var errs []error
	str := func(m map[string]any, k, full string) string {
		switch v := m[k].(type) {
		case nil:
			return ""
		case string:
			return v
		default:
			errs = append(errs, fmt.Errorf("%s: %s: expected a string, got %T", path, full, v))
			return ""
		}
	}
	s.url = str(entry, "url", key("url"))
	s.bearerToken = str(entry, "bearer_token", key("bearer_token")) != "" ||
		str(entry, "bearer_token_env_var", key("bearer_token_env_var")) != ""
	s.resource = str(entry, "oauth_resource", key("oauth_resource"))
	if v, ok := entry["scopes"]; ok {
		list, isList := v.([]any)
		for _, item := range list {
			if sc, isStr := item.(string); isStr {
				s.scopes = append(s.scopes, sc)
			} else {
				isList = false
			}
		}
		if !isList {
			errs = append(errs, fmt.Errorf("%s: %s: expected an array of strings", path, key("scopes")))
		}
	}
	if v, ok := entry["oauth"]; ok {
		oauth, isTable := v.(map[string]any)
		if !isTable {
			errs = append(errs, fmt.Errorf("%s: %s: expected a table", path, key("oauth")))
		}
		s.clientID = str(oauth, "client_id", key("oauth.client_id"))
		s.clientSecret = str(oauth, "client_secret", key("oauth.client_secret"))
		s.callbackURL = str(oauth, "callback_url", key("oauth.callback_url"))
	}
	s.globalCallbackURL = str(doc, "mcp_oauth_callback_url", "mcp_oauth_callback_url")
	switch v := doc["mcp_oauth_callback_port"].(type) {
	case nil:
	case int64:
		if v < 0 || v > 65535 {
			errs = append(errs, fmt.Errorf("%s: mcp_oauth_callback_port: %d is not a port number", path, v))
		}
		s.callbackPort = int(v)
	default:
		errs = append(errs, fmt.Errorf("%s: mcp_oauth_callback_port: expected an integer, got %T", path, v))
	}
	switch mode := str(doc, "mcp_oauth_credentials_store", "mcp_oauth_credentials_store"); mode {
	case "", "auto", "file":
	case "keyring":
		errs = append(errs, fmt.Errorf("%s: mcp_oauth_credentials_store = \"keyring\" is not supported by this build; "+
			"use \"file\" or \"auto\" (tokens are kept in $CODEX_HOME/%s, mode 0600)", path, mcpauth.CredentialsFileName))
	default:
		errs = append(errs, fmt.Errorf("%s: mcp_oauth_credentials_store: unknown value %q (expected auto, file or keyring)", path, mode))
	}
	return s, true, errors.Join(errs...)
}
