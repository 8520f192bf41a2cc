// Command codex is the command-line entry point: editor and MCP front ends
// over stdio, and the tools around them.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/codex-go/codex/sandbox"
)

func main() {
	// The binary runs itself again as the sandbox helper and as the patch
	// writer: those runs end here, before any flag or configuration.
	sandbox.RunHelperIfRequested()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand(stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}).ExecuteContext(ctx)
	stop()
	os.Exit(exitCode(err))
}

// exitCode maps the error of a command to the process exit status: 0 for
// success, the code of an *exitError, and 2 for anything else, which is a
// problem with the command line.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(os.Stderr, "codex: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(os.Stderr, "codex: %v\nRun 'codex --help' for usage.\n", err)
	return exitUsage
}
