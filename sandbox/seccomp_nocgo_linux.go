//go:build !cgo

package sandbox

import "errors"

// closeNetwork fails: the seccomp filter needs libseccomp, which needs cgo.
// Failing keeps a command from running with the network open against the
// policy.
func closeNetwork() error {
	return errors.New("sandbox: closing the network needs a build with cgo and libseccomp")
}
