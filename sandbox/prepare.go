package sandbox

import (
	"os"
	"os/exec"
)

// isolateFlag asks the helper to create namespaces before the Go runtime
// starts (see preinit_linux.c).
const isolateFlag = "--sandbox-isolate"

// Prepare readies cmd, whose argv comes from Wrap, to be started: when it
// runs the Linux helper, the helper is asked to create namespaces of its
// own (a mount and a PID namespace, plus a user namespace when not root;
// see RunHelper) and is started without the loader's environment variables
// (LD_PRELOAD, LD_LIBRARY_PATH and the like), which the command gets back.
// Other commands are left as they are. Call it once, before cmd.Start.
func Prepare(cmd *exec.Cmd) {
	if !runsHelper(cmd.Args) {
		return
	}
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	kept, loader := splitLoaderVariables(env)
	flags := []string{isolateFlag}
	for _, kv := range loader {
		flags = append(flags, setenvFlag+kv)
	}
	cmd.Env = kept
	cmd.Args = insertHelperFlags(cmd.Args, flags...)
}

// runsHelper reports whether argv runs the Linux helper (as built by Wrap).
func runsHelper(argv []string) bool {
	return len(argv) >= 2 && argv[1] == HelperArg
}
