package frontend

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/codex-go/codex/core/client"
	"github.com/codex-go/codex/core/conversation"
)

// shutdownTimeout bounds how long Serve waits for the conversations to shut
// down once the connection ended.
const shutdownTimeout = 5 * time.Second

// Engine is what a front end serves from: its completed options, its
// logger, the manager of its conversations and the user agent their model
// requests carry, which names the client once it introduced itself.
type Engine struct {
	// Options are the front end's options with their defaults set.
	Options
	// Log receives diagnostics; it discards them when Options.Logger is nil.
	Log *slog.Logger
	// Manager runs the conversations.
	Manager *conversation.Manager

	initErr error // why the options could not be completed; Serve reports it

	mu        sync.Mutex
	userAgent string
}

// NewEngine completes opts and returns the engine of a front end whose
// conversations are recorded with source.
func NewEngine(opts Options, source string) *Engine {
	completed, err := opts.WithDefaults()
	e := &Engine{
		Options:   completed,
		Log:       completed.LoggerOrDiscard(),
		initErr:   err,
		userAgent: client.UserAgent(completed.Version, "", ""),
	}
	e.Manager = conversation.NewManager(completed.Deps(source, e.UserAgent))
	return e
}

// UserAgent returns the user agent sent to model providers: the program's
// until the client introduced itself, the program's and the client's
// afterwards.
func (e *Engine) UserAgent() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.userAgent
}

// SetClient records the client's name and version in the user agent and
// returns the new user agent.
func (e *Engine) SetClient(name, version string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.userAgent = client.UserAgent(e.Version, name, version)
	return e.userAgent
}

// Serve runs serve, which serves the connection until it ends, then shuts
// every conversation down, which flushes their rollouts. It returns the
// error of the options, of serve or of the shutdown.
func (e *Engine) Serve(ctx context.Context, serve func(context.Context) error) error {
	if e.initErr != nil {
		return e.initErr
	}
	serveErr := serve(ctx)
	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := e.Manager.Close(closeCtx); err != nil {
		return fmt.Errorf("shut conversations down: %w", err)
	}
	return serveErr
}
