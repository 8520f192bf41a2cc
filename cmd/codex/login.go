package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/codex-go/codex/core/auth"
	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/internal/version"
)

// newLoginCommand builds `codex login` (and `codex login status`).
func newLoginCommand(std stdio) *cobra.Command {
	var apiKey string
	var withAPIKey bool
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Store credentials: sign in with ChatGPT in a browser, or save an API key",
		Long: "login without flags opens the ChatGPT sign-in page and waits for it to finish. " +
			"--with-api-key reads an OpenAI API key from stdin and stores it in $CODEX_HOME/auth.json (mode 0600).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := config.FindCodexHome()
			if err != nil {
				return failed(err)
			}
			switch {
			case apiKey != "" && withAPIKey:
				return errors.New("use either --api-key or --with-api-key")
			case withAPIKey:
				line, err := bufio.NewReader(std.in).ReadString('\n')
				if err != nil && line == "" {
					return failed(fmt.Errorf("read the API key from stdin: %w", err))
				}
				apiKey = strings.TrimSpace(line)
				fallthrough
			case apiKey != "":
				if err := auth.SaveAPIKey(home, apiKey); err != nil {
					return failed(err)
				}
				fmt.Fprintf(std.out, "Saved the API key to %s.\n", auth.Path(home))
				return nil
			}
			login, err := auth.StartLogin(cmd.Context(), auth.LoginOptions{
				CodexHome:   home,
				Issuer:      os.Getenv("CODEX_LOGIN_ISSUER"),
				Originator:  version.Originator,
				Port:        auth.DefaultPort,
				OpenBrowser: os.Getenv("CODEX_LOGIN_NO_BROWSER") != "1",
			})
			if err != nil {
				return failed(err)
			}
			fmt.Fprintf(std.err, "Sign in with ChatGPT in your browser. If it did not open, visit:\n\n  %s\n\n", login.AuthURL)
			if err := login.Wait(cmd.Context()); err != nil {
				return failed(fmt.Errorf("sign-in failed: %w", err))
			}
			fmt.Fprintln(std.out, "Signed in.")
			return nil
		},
	}
	cmd.Flags().StringVar(&apiKey, "api-key", "", "store this API key (visible in the process list; prefer --with-api-key)")
	cmd.Flags().BoolVar(&withAPIKey, "with-api-key", false, "read the API key from stdin")
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "Show how codex is signed in",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			home, err := config.FindCodexHome()
			if err != nil {
				return failed(err)
			}
			f, err := auth.Load(home)
			if err != nil {
				return failed(err)
			}
			switch f.Method() {
			case auth.AuthMethodAPIKey:
				fmt.Fprintln(std.out, "Signed in with an API key.")
			case auth.AuthMethodChatGPT:
				who := f.Email()
				if who == "" {
					who = "an unknown account"
				}
				fmt.Fprintf(std.out, "Signed in with ChatGPT as %s.\n", who)
			default:
				fmt.Fprintln(std.out, "Not signed in.")
				return &exitError{code: exitFailure}
			}
			return nil
		},
	})
	return cmd
}

// newLogoutCommand builds `codex logout`.
func newLogoutCommand(std stdio) *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "Remove stored credentials ($CODEX_HOME/auth.json)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			home, err := config.FindCodexHome()
			if err != nil {
				return failed(err)
			}
			removed, err := auth.Logout(home)
			if err != nil {
				return failed(err)
			}
			if removed {
				fmt.Fprintln(std.out, "Logged out.")
			} else {
				fmt.Fprintln(std.out, "Not signed in.")
			}
			return nil
		},
	}
}
