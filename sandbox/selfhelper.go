package sandbox

import (
	"io"
	"os"

	"github.com/codex-go/codex/core/patch"
)

// RunHelperIfRequested belongs on the first line of the main function of
// every program that runs the engine: conversations (core/conversation),
// commands (core/exec), the app-server or the MCP server.
//
//	func main() {
//		sandbox.RunHelperIfRequested()
//		// ... the program itself
//	}
//
// The engine starts the running binary again (see SelfExecutable) with a
// hidden first argument to do part of its work in another process:
//
//   - HelperArg, the Linux sandbox helper, which confines itself under the
//     policy and then becomes the command (see RunHelper);
//   - patch.ApplyArg, the patch writer, which writes an auto-approved patch
//     from inside the sandbox (see patch.ApplyMain).
//
// When os.Args[1] is one of these, RunHelperIfRequested runs that helper
// and ends the process with its exit status (the sandbox helper, when it
// succeeds, becomes the command and never comes back). Otherwise it returns
// at once without doing anything. A program that leaves it out would, each
// time the engine runs a sandboxed command or writes a patch, start over as
// itself with an argument list it does not understand.
//
// Nothing should come before it: the helpers must not parse flags, read
// configuration or start goroutines that outlive the confinement. (On
// Linux, the namespaces of the sandbox helper are created even earlier, by
// C code of this package that runs before the Go runtime starts; see the
// package documentation. That needs a build with cgo, which every
// restricting policy needs anyway.)
func RunHelperIfRequested() {
	if code, ok := runRequestedHelper(os.Args, os.Stdin, os.Stdout, os.Stderr); ok {
		os.Exit(code)
	}
}

// runRequestedHelper runs the helper that args (a process's full argument
// list, program name first) asks for, with the given standard streams, and
// returns its exit status and true; it returns false when args name no
// helper.
func runRequestedHelper(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, bool) {
	if len(args) < 2 {
		return 0, false
	}
	switch args[1] {
	case HelperArg:
		return HelperMain(args[2:], stderr), true
	case patch.ApplyArg:
		return patch.ApplyMain(stdin, stdout, stderr), true
	}
	return 0, false
}
