package approval

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/codex-go/codex/internal/pathwalk"
	"github.com/codex-go/codex/protocol"
)

// PatchDecision is what to do with an apply_patch call.
type PatchDecision int

// The patch decisions.
const (
	// AutoApprove applies the patch without asking.
	AutoApprove PatchDecision = iota + 1
	// AskPatch asks the user first (an apply_patch_approval_request).
	AskPatch
	// RejectPatch refuses the patch; the reason goes back to the model.
	RejectPatch
)

// String returns the decision's name.
func (d PatchDecision) String() string {
	switch d {
	case AutoApprove:
		return "AutoApprove"
	case AskPatch:
		return "AskPatch"
	case RejectPatch:
		return "RejectPatch"
	}
	return fmt.Sprintf("PatchDecision(%d)", int(d))
}

// AssessPatch decides for an apply_patch call writing paths (absolute; a
// move contributes both its source and destination). writableRoots are the
// directories the sandbox lets commands write (for workspace-write: cwd,
// writable_roots, /tmp and $TMPDIR as configured); they are ignored under
// read-only, where nothing is writable. Unknown policies are treated as
// untrusted. The rules, first match wins:
//
//   - untrusted: AskPatch.
//   - danger-full-access: AutoApprove.
//   - every path inside a writable root: AutoApprove.
//   - otherwise never gives RejectPatch and the other policies AskPatch,
//     with a reason naming the first path outside the roots.
//
// Paths and roots are compared after resolving "." and ".." and the
// symlinks of their existing parts (a dangling symlink is followed to where
// a write would land), on whole path components. Relative paths are never
// inside.
//
// readOnly lists subpaths of the roots that stay read-only (such as
// <root>/.git): a path below one of them counts as outside the roots.
func AssessPatch(policy protocol.AskForApproval, sandbox protocol.SandboxPolicy, writableRoots, readOnly []string, paths []string) (PatchDecision, string) {
	policy = normalPolicy(policy)
	if policy == protocol.ApprovalUntrusted {
		return AskPatch, ""
	}
	if sandbox.Mode == protocol.SandboxDangerFullAccess {
		return AutoApprove, ""
	}
	var roots, protected []string
	if sandbox.Mode == protocol.SandboxWorkspaceWrite {
		roots = resolveAll(writableRoots)
		protected = resolveAll(readOnly)
	}
	for _, p := range paths {
		if insideAny(roots, p) && !insideAny(protected, p) {
			continue
		}
		if policy == protocol.ApprovalNever {
			return RejectPatch, fmt.Sprintf("patch writes outside the writable roots (%s) and approval policy never does not allow asking", p)
		}
		return AskPatch, fmt.Sprintf("patch writes outside the writable roots: %s", p)
	}
	return AutoApprove, ""
}

// resolveAll resolves every path that can be resolved.
func resolveAll(paths []string) []string {
	var out []string
	for _, r := range paths {
		if resolved, ok := resolvePath(r); ok {
			out = append(out, resolved)
		}
	}
	return out
}

// insideAny reports whether p, once resolved, lies in one of the resolved roots.
func insideAny(roots []string, p string) bool {
	resolved, ok := resolvePath(p)
	if !ok {
		return false
	}
	for _, r := range roots {
		if within(r, resolved) {
			return true
		}
	}
	return false
}

// within reports whether p is root or below it; both are clean absolute paths.
func within(root, p string) bool {
	if p == root {
		return true
	}
	prefix := root
	if !strings.HasSuffix(prefix, string(filepath.Separator)) {
		prefix += string(filepath.Separator)
	}
	return strings.HasPrefix(p, prefix)
}

// resolvePath returns where a write to the absolute path p lands (see
// pathwalk.Resolve). ok is false for a relative path or too many symlinks.
func resolvePath(p string) (string, bool) {
	resolved, _, ok := pathwalk.Resolve(p)
	return resolved, ok
}
