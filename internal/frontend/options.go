// Package frontend holds what the stdio front ends (the app-server and the
// mcp-server) are configured with, and how that becomes the engine's
// dependencies.
package frontend

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/core/conversation"
	"github.com/codex-go/codex/core/tools"
	"github.com/codex-go/codex/internal/version"
	"github.com/codex-go/codex/sandbox"
)

// Options configure a front end. appserver.Options and mcpserver.Options
// have the same fields, documented for users of those packages, and
// convert to it.
type Options struct {
	// Version is the program version, reported in the user agent (and by
	// the mcp-server in its serverInfo).
	Version string
	// Originator identifies the program to model providers and in rollouts.
	Originator string
	// CodexHome is the configuration and state directory.
	CodexHome string
	// Overrides are the -c overrides of the command line; a request's own
	// config overrides are applied after them.
	Overrides []config.Override
	// Typed holds the typed settings of the command line (model, profile,
	// sandbox, --add-dir, ...); the same settings in a request take
	// precedence.
	Typed config.Typed
	// SelfExe is the path of the codex binary, used to run the sandbox helper.
	SelfExe string
	// HTTPClient is used for model requests; nil means a default client.
	HTTPClient *http.Client
	// Tools builds the tools of a conversation; nil lets the engine decide.
	Tools func(cfg *config.Config) *tools.Router
	// Logger receives diagnostics; nil discards them. The server's output
	// stream carries protocol messages only.
	Logger *slog.Logger
	// Getenv reads environment variables: those of the configuration and
	// those that adjust the app-server's ChatGPT sign-in; nil means
	// os.Getenv.
	Getenv func(string) string
}

// WithDefaults returns o with its zero fields set: this module's version
// and originator, the Codex home of the environment ($CODEX_HOME, else
// ~/.codex), the running program as the sandbox helper (when it can be
// found), os.Getenv.
func (o Options) WithDefaults() (Options, error) {
	if o.Version == "" {
		o.Version = version.Version
	}
	if o.Originator == "" {
		o.Originator = version.Originator
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.CodexHome == "" {
		home, err := config.FindCodexHome()
		if err != nil {
			return o, fmt.Errorf("find the Codex home: %w", err)
		}
		o.CodexHome = home
	}
	if o.SelfExe == "" {
		// Without it, sandboxed commands fail with an error saying so.
		if self, err := sandbox.SelfExecutable(); err == nil {
			o.SelfExe = self
		}
	}
	return o, nil
}

// Deps returns the engine's dependencies for conversations recorded with
// source, whose model requests carry the user agent userAgent returns.
func (o Options) Deps(source string, userAgent func() string) conversation.Deps {
	return conversation.Deps{
		CodexHome:  o.CodexHome,
		Originator: o.Originator,
		Source:     source,
		UserAgent:  userAgent,
		SelfExe:    o.SelfExe,
		HTTPClient: o.HTTPClient,
		Tools:      o.Tools,
	}
}

// LoadConfig resolves the configuration of one request over the settings
// of the command line (see config.Resolve); the zero Request asks for the
// command line's configuration.
func (o Options) LoadConfig(req config.Request) (*config.Config, error) {
	return config.Resolve(config.LoadOptions{CodexHome: o.CodexHome, Overrides: o.Overrides, Typed: o.Typed, Getenv: o.Getenv}, req)
}

// LoggerOrDiscard returns the configured logger, or one that discards.
func (o Options) LoggerOrDiscard() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}
