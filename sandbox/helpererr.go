package sandbox

import (
	"errors"
	"fmt"
	"io"
)

// Exit statuses of a helper process whose RunHelper call failed.
const (
	// ExitHelperFailed is used when the sandbox could not be set up or the
	// helper arguments were wrong.
	ExitHelperFailed = 1
	// ExitCannotExecute is used when the command exists but cannot be executed.
	ExitCannotExecute = 126
	// ExitCommandNotFound is used when the command does not exist.
	ExitCommandNotFound = 127
)

// helperError is a RunHelper failure with the exit status it maps to.
type helperError struct {
	code int
	err  error
}

// Error returns the text of the underlying error.
func (e *helperError) Error() string { return e.err.Error() }

// Unwrap returns the underlying error.
func (e *helperError) Unwrap() error { return e.err }

// HelperExitCode returns the exit status a helper process should end with
// after RunHelper failed with err: ExitCommandNotFound, ExitCannotExecute or
// ExitHelperFailed.
func HelperExitCode(err error) int {
	var he *helperError
	if errors.As(err, &he) {
		return he.code
	}
	return ExitHelperFailed
}

// HelperMain runs the helper for args (the arguments after HelperArg). It
// only returns when the command could not be started: it then writes the
// reason to stderr and returns the exit status the process should end with.
func HelperMain(args []string, stderr io.Writer) int {
	err := RunHelper(args)
	fmt.Fprintln(stderr, err)
	return HelperExitCode(err)
}
