package appserver

import (
	"log/slog"
	"net/http"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/core/tools"
)

// Options configure a Server. Every field may be left zero: the zero
// Options serve the configuration of the environment ($CODEX_HOME, else
// ~/.codex) as `codex app-server` without flags does.
type Options struct {
	// Version is the program's version, part of the user agent sent to
	// model providers; "" is this module's version.
	Version string
	// Originator names the program to model providers and in rollout
	// files; "" is this module's originator.
	Originator string
	// CodexHome is the configuration and state directory; "" is
	// $CODEX_HOME, else ~/.codex.
	CodexHome string
	// Overrides are settings given as -c key=value on a command line; the
	// config object of a request is applied after them.
	Overrides []config.Override
	// Typed are the typed settings of a command line (model, profile,
	// sandbox mode, approval policy, working directory, ...); the same
	// settings in a request take precedence.
	Typed config.Typed
	// SelfExe is the codex executable that runs commands under the
	// sandbox; "" is the running program, whose main must then call
	// sandbox.RunHelperIfRequested first.
	SelfExe string
	// HTTPClient sends the model requests; nil is a default client.
	HTTPClient *http.Client
	// Tools builds the tools offered to the model in a conversation; nil
	// offers the engine's tools as the configuration says.
	Tools func(cfg *config.Config) *tools.Router
	// Logger receives diagnostics; nil discards them. The output stream
	// carries protocol messages only.
	Logger *slog.Logger
	// Getenv reads environment variables: the configuration's and the
	// CODEX_LOGIN_* variables of loginChatGpt; nil is os.Getenv.
	Getenv func(string) string
}
