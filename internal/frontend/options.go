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

// Options is the common form of appserver.Options and mcpserver.Options,
// which document its fields and convert to it: the three types have the
// same fields in the same order.
type Options struct {
	Version, Originator, CodexHome string
	Overrides                      []config.Override
	Typed                          config.Typed
	SelfExe                        string
	HTTPClient                     *http.Client
	Tools                          func(cfg *config.Config) *tools.Router
	Logger                         *slog.Logger
	Getenv                         func(string) string
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
