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

	"github.com/codex-go/codex/core/patch"
	"github.com/codex-go/codex/sandbox"
)

func main() {
	// The sandbox helper runs before anything else: the binary re-executes
	// itself with this first argument to confine a command, and must not
	// parse flags or touch configuration on the way.
	if len(os.Args) > 1 && os.Args[1] == sandbox.HelperArg {
		os.Exit(sandbox.HelperMain(os.Args[2:], os.Stderr))
	}
	// Likewise the patch writer: the server runs the binary with this
	// first argument, inside the sandbox, to write an auto-approved patch.
	if len(os.Args) > 1 && os.Args[1] == patch.ApplyArg {
		os.Exit(patch.ApplyMain(os.Stdin, os.Stdout, os.Stderr))
	}

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
