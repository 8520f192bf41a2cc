// Command embedder is a program of its own that embeds the engine, as a
// front end outside this module would: its main calls
// sandbox.RunHelperIfRequested first and then runs commands through
// core/exec, which starts this binary again as the sandbox helper and as the
// patch writer. The tests of package sandbox build and run it.
//
// Usage:
//
//	embedder shell POLICY DIR SCRIPT      run sh -c SCRIPT in DIR under POLICY
//	embedder patch POLICY DIR NAME TEXT   add the file DIR/NAME holding TEXT
//	                                      with the sandboxed patch writer
//	embedder ANYTHING ELSE                print "pid N", N being its own pid
//
// POLICY is read-only or workspace-write (without /tmp and $TMPDIR). The
// first two print the core/exec result as JSON.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/codex-go/codex/core/exec"
	"github.com/codex-go/codex/core/patch"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/sandbox"
)

func main() {
	sandbox.RunHelperIfRequested()

	args := os.Args[1:]
	switch {
	case len(args) == 4 && args[0] == "shell":
		run(args[1], args[2], []string{"sh", "-c", args[3]}, nil)
	case len(args) == 5 && args[0] == "patch":
		plan, err := addFile(args[2], args[3], args[4])
		if err != nil {
			fail(err)
		}
		self, err := sandbox.SelfExecutable()
		if err != nil {
			fail(err)
		}
		run(args[1], args[2], []string{self, patch.ApplyArg}, plan)
	default:
		fmt.Printf("pid %d\n", os.Getpid())
	}
}

// run runs argv in dir under the named policy with stdin, the way the
// engine runs the model's commands, and prints the result as JSON.
func run(policy, dir string, argv []string, stdin []byte) {
	p := protocol.SandboxPolicy{Mode: protocol.SandboxMode(policy), ExcludeTmpdirEnvVar: true, ExcludeSlashTmp: true}
	self, err := sandbox.SelfExecutable()
	if err != nil {
		fail(err)
	}
	res, err := exec.Run(context.Background(), exec.Params{
		Command: argv,
		Cwd:     dir,
		Sandbox: p,
		SelfExe: self,
		Timeout: time.Minute,
		Stdin:   stdin,
	}, nil)
	if err != nil {
		fail(err)
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fail(err)
	}
}

// addFile returns the encoded plan of a patch adding the file name, holding
// text, in dir.
func addFile(dir, name, text string) ([]byte, error) {
	p, err := patch.Parse("*** Begin Patch\n*** Add File: " + name + "\n+" + text + "\n*** End Patch")
	if err != nil {
		return nil, err
	}
	plan, err := patch.Verify(p, dir)
	if err != nil {
		return nil, err
	}
	return plan.Encode()
}

// fail ends the program on an error of its own.
func fail(err error) {
	fmt.Fprintln(os.Stderr, "embedder:", err)
	os.Exit(2)
}
