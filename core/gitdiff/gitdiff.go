// Package gitdiff computes the changes of a git working tree relative to
// its remote, for the app-server's gitDiffToRemote request.
package gitdiff

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"
)

// commandTimeout bounds each git invocation.
const commandTimeout = 30 * time.Second

// Error is returned by DiffToRemote for any failure. Its message names the
// directory only; Unwrap gives the cause.
type Error struct {
	// Cwd is the directory the diff was requested for.
	Cwd string
	// Err is the underlying failure.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("failed to compute git diff to remote for cwd: %q", e.Cwd)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// DiffToRemote returns the commit the working tree at cwd is compared
// against, and the diff of the working tree against it.
//
// The base is the merge base of HEAD with the current branch's upstream or,
// when there is none, with origin's default branch (origin/HEAD, else
// origin/main, else origin/master). The diff covers tracked files as they
// are on disk, staged or not, in `git diff --binary` form, followed by every
// untracked file that is not ignored, as a new-file diff.
func DiffToRemote(ctx context.Context, cwd string) (sha string, diff string, err error) {
	fail := func(err error) (string, string, error) { return "", "", &Error{Cwd: cwd, Err: err} }

	r := newRunner(cwd, os.Environ())
	top, err := r.run(ctx, "rev-parse", "--show-toplevel")
	if err != nil {
		return fail(err)
	}
	top = strings.TrimRight(top, "\r\n")
	r = r.in(top)

	base, err := remoteBase(ctx, r)
	if err != nil {
		return fail(err)
	}
	sha, err = r.run(ctx, "merge-base", "HEAD", base)
	if err != nil {
		return fail(fmt.Errorf("merge base of HEAD and %s: %w", base, err))
	}
	sha = strings.TrimSpace(sha)

	// Reading file contents of the work tree is left to the isolated view,
	// which does not run filter drivers configured in the repository.
	view, done, err := isolatedView(ctx, r, top)
	if err != nil {
		return fail(err)
	}
	defer done()
	args := append(append([]string{"diff"}, patchOptions()...), sha, "--")
	tracked, err := view.run(ctx, args...)
	if err != nil {
		return fail(err)
	}
	untracked, err := untrackedDiffs(ctx, r, view)
	if err != nil {
		return fail(err)
	}
	return sha, tracked + untracked, nil
}

// patchOptions are the options of every diff this package asks for: a
// patch that `git apply` takes, including binary files, with the usual
// prefixes whatever the configuration says, without external diff
// programs, text conversion or a look inside submodules.
func patchOptions() []string {
	return []string{"--binary", "--no-color", "--no-ext-diff", "--no-textconv",
		"--ignore-submodules=dirty", "--submodule=short", "--src-prefix=a/", "--dst-prefix=b/"}
}

// remoteBase returns the revision to compare HEAD with.
func remoteBase(ctx context.Context, r runner) (string, error) {
	if up, err := r.run(ctx, "rev-parse", "--verify", "--quiet", "@{upstream}"); err == nil {
		if up = strings.TrimSpace(up); up != "" {
			return up, nil
		}
	}
	// Without an upstream: the remote's default branch, then the usual
	// names for it.
	for _, ref := range []string{"refs/remotes/origin/HEAD", "refs/remotes/origin/main", "refs/remotes/origin/master"} {
		out, err := r.run(ctx, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
		if err == nil && strings.TrimSpace(out) != "" {
			return strings.TrimSpace(out), nil
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
	}
	return "", errors.New("no upstream branch and no origin default branch")
}

// untrackedDiffs returns new-file diffs for the untracked, not ignored files
// of the work tree r runs in, in the order git lists them. The files are
// listed by r and read by view, the isolated view of the same work tree.
func untrackedDiffs(ctx context.Context, r, view runner) (string, error) {
	out, err := r.run(ctx, "ls-files", "--others", "--exclude-standard", "-z")
	if err != nil {
		return "", err
	}
	var files []string
	for name := range strings.SplitSeq(out, "\x00") {
		// Untracked nested repositories are listed as directories; there is
		// no file content to show for them.
		if name != "" && !strings.HasSuffix(name, "/") {
			files = append(files, name)
		}
	}
	diffs := make([]string, len(files))
	errs := make([]error, len(files))
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for i, name := range files {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			diffs[i], errs[i] = newFileDiff(ctx, view, name)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	return strings.Join(diffs, ""), nil
}

// newFileDiff renders the untracked file name (relative to the top of the
// work tree, where view runs) as a diff that creates it.
func newFileDiff(ctx context.Context, view runner, name string) (string, error) {
	args := append(append([]string{"diff", "--no-index"}, patchOptions()...), "--", "/dev/null", name)
	out, err := view.run(ctx, args...)
	// With --no-index, exit status 1 means the files differ.
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) && exitErr.ExitCode() == 1 {
		err = nil
	}
	if err != nil {
		return "", err
	}
	return out, nil
}
