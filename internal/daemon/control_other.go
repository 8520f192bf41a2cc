//go:build !unix

package daemon

import (
	"context"
	"errors"
	"time"
)

// StartOptions configure Start.
type StartOptions struct {
	// Executable is the codex binary to run; empty means this one.
	Executable string
	// Args come after `app-server --listen unix://SOCKET`.
	Args []string
	// Env is the server's environment; nil means this process's.
	Env []string
	// Dir is the server's working directory.
	Dir string
	// Timeout bounds the wait for the socket to answer.
	Timeout time.Duration
}

// errUnsupported is what every operation returns where the daemon is not
// supported.
func errUnsupported() error {
	return errors.New("the app-server daemon needs unix sockets and sessions: it is not supported on this system")
}

// Start is not supported on this system.
func Start(context.Context, Paths, StartOptions) (Status, error) { return Status{}, errUnsupported() }

// Stop is not supported on this system.
func Stop(context.Context, Paths, time.Duration) (Status, error) { return Status{}, errUnsupported() }

// Query is not supported on this system.
func Query(context.Context, Paths) (Status, error) { return Status{}, errUnsupported() }
