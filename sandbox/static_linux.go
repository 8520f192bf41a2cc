//go:build cgo && !codex_static

package sandbox

// libseccomp is linked statically: the sandbox helper is this binary, and
// a helper that loaded libseccomp.so at start-up would run whatever library
// a writable LD_LIBRARY_PATH entry offered before restricting anything.
// (Prepare also starts the helper without the loader's environment
// variables.)
//
// Release builds (scripts/release.sh) link the whole binary statically
// with the codex_static build tag; there the linker takes every library
// from its archive, and switching back to dynamic linking after
// libseccomp, as done here for the C library, would make it pick
// libseccomp.so for the -lseccomp that libseccomp-golang adds.

// #cgo LDFLAGS: -Wl,-Bstatic -lseccomp -Wl,-Bdynamic
import "C"
