package tools

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/codex-go/codex/core/exec"
	"github.com/codex-go/codex/core/patch"
	"github.com/codex-go/codex/protocol"
)

// patchWriterTimeout bounds one run of the sandboxed patch writer.
const patchWriterTimeout = 2 * time.Minute

// writesInSandbox reports whether a patch is written by the sandboxed patch
// writer rather than by the server: when it was auto-approved because every
// path lies in a writable root of a policy that restricts writes. The
// approval only looked at the paths as they were then; writing from inside
// the sandbox makes sure the files actually written are inside the roots
// too, whatever was swapped on disk in between. A patch the user approved,
// or any patch under danger-full-access, is written by the server.
func writesInSandbox(autoApproved bool, p protocol.SandboxPolicy) bool {
	return autoApproved && p.Mode != protocol.SandboxDangerFullAccess
}

// applySandboxed writes plan by running the codex binary as the patch
// writer (patch.ApplyArg) under the turn's sandbox policy, evaluated for
// the turn's directory as for commands. It returns the writer's summary, or
// an error naming what failed: a write the sandbox refused, a file changed
// since verification, a writer that could not run or timed out. On a system
// without a sandbox backend the writer cannot run, so the patch fails.
func (h *patchHandler) applySandboxed(ctx context.Context, t *Turn, plan *patch.Plan) (string, error) {
	if h.env.SelfExe == "" {
		return "", errors.New("cannot write the patch inside the sandbox: the path of the codex executable is unknown")
	}
	data, err := plan.Encode()
	if err != nil {
		return "", err
	}
	var env []string
	if h.env.Env != nil {
		env = h.env.Env()
	}
	r, err := exec.Run(ctx, exec.Params{
		Command:    []string{h.env.SelfExe, patch.ApplyArg},
		Cwd:        t.Cwd,
		SandboxCwd: t.Cwd,
		Timeout:    patchWriterTimeout,
		Env:        env,
		Sandbox:    t.SandboxPolicy,
		SelfExe:    h.env.SelfExe,
		Protect:    h.env.Protect,
		Stdin:      data,
	}, nil)
	if err != nil {
		return "", fmt.Errorf("run the sandboxed patch writer: %w", err)
	}
	switch {
	case r.TimedOut:
		return "", fmt.Errorf("the sandboxed patch writer did not finish within %s", patchWriterTimeout)
	case r.ExitCode != 0:
		msg := strings.TrimSpace(r.Stderr)
		if msg == "" {
			msg = fmt.Sprintf("the sandboxed patch writer exited with status %d", r.ExitCode)
		}
		return "", errors.New(msg)
	}
	return r.Stdout, nil
}
