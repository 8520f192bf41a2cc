package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/codex-go/codex/internal/version"
)

// Exit statuses.
const (
	// exitFailure is the status of a command that failed while running.
	exitFailure = 1
	// exitUsage is the status of a command line that could not be used.
	exitUsage = 2
)

// stdio are the streams commands read and write.
type stdio struct {
	in  io.Reader
	out io.Writer
	err io.Writer
}

// exitError ends the process with a given status. Commands return it (via
// failed) for errors that happen while they run; every other error is taken
// as a problem with the command line.
type exitError struct {
	code int
	err  error
}

// Error returns the text of the underlying error.
func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

// Unwrap returns the underlying error.
func (e *exitError) Unwrap() error { return e.err }

// failed marks err as a failure of a running command (exit status 1).
func failed(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: exitFailure, err: err}
}

// newRootCommand builds the codex command tree. Each subcommand lives in its
// own file and is added here; the global flags (flags.go) are persistent so
// that every subcommand accepts them.
func newRootCommand(std stdio) *cobra.Command {
	flags := &globalFlags{}
	root := &cobra.Command{
		Use:           "codex",
		Short:         "Codex command-line interface",
		Long:          "codex runs coding conversations with a model and serves them to editors and MCP hosts over stdio.",
		Version:       version.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	root.SetVersionTemplate("codex-cli {{.Version}}\n")
	// Cobra prints the version when a flag named "version" is set; declaring
	// it here gives it the -V shorthand.
	root.Flags().BoolP("version", "V", false, "print the version and exit")
	root.SetIn(std.in)
	root.SetOut(std.out)
	root.SetErr(std.err)
	flags.register(root.PersistentFlags())

	root.AddCommand(newAppServerCommand(flags, std))
	root.AddCommand(newMCPServerCommand(flags, std))
	root.AddCommand(newMCPCommand(flags, std))
	root.AddCommand(newSandboxCommand(flags, std))
	root.AddCommand(newLoginCommand(std), newLogoutCommand(std))
	root.AddCommand(newExecCommand(flags, std))
	return root
}
