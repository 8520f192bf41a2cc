//go:build !cgo

package sandbox

import "errors"

// installFilter fails: the seccomp filter needs libseccomp, which needs
// cgo. Failing keeps a command from running without the protections the
// filter gives (terminal injection, the closed network).
func installFilter(bool, bool) error {
	return errors.New("sandbox: the sandbox needs a build with cgo and libseccomp")
}
