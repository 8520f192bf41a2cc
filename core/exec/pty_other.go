//go:build !linux

package exec

import (
	"errors"
	"os"
	"syscall"
)

// errNoTerminals reports that pseudo-terminals are not supported here.
var errNoTerminals = errors.New("pseudo-terminals are only supported on Linux")

// openTerminal fails: pseudo-terminals are only supported on Linux.
func openTerminal(TermSize) (master, slave *os.File, err error) {
	return nil, nil, errNoTerminals
}

// resizeTerminal fails: pseudo-terminals are only supported on Linux.
func resizeTerminal(*os.File, TermSize) error { return errNoTerminals }

// controllingTerminal does nothing: no terminal is ever opened here.
func controllingTerminal(*syscall.SysProcAttr) {}
