//go:build cgo

package sandbox

// libseccomp is linked statically: the sandbox helper is this binary, and
// a helper that loaded libseccomp.so at start-up would run whatever library
// a writable LD_LIBRARY_PATH entry offered before restricting anything.
// (Prepare also starts the helper without the loader's environment
// variables.)

// #cgo LDFLAGS: -Wl,-Bstatic -lseccomp -Wl,-Bdynamic
import "C"
