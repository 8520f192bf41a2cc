//go:build linux

package tools_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/codex-go/codex/core/tools"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/sandbox"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// refusedBySandbox reports whether an error text is one of those the
// kernel gives for a write the sandbox forbids: Landlock refuses with
// EACCES, a read-only mount with EROFS.
func refusedBySandbox(text string) bool {
	for _, s := range []string{"permission denied", "read-only file system", "operation not permitted"} {
		if strings.Contains(text, s) {
			return true
		}
	}
	return false
}

// customPatch is a free-form apply_patch call.
func customPatch(callID, text string) protocol.ResponseItem {
	return protocol.ResponseItem{Type: protocol.ItemCustomToolCall, Name: "apply_patch", CallID: callID, Input: text}
}

// treeOf lists every entry below dir: files with their permission and
// content, directories, and symbolic links with their target.
func treeOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			out[rel] = "dir"
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out[rel] = "link to " + target
		default:
			info, err := d.Info()
			if err != nil {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = fmt.Sprintf("%v %q", info.Mode(), data)
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

func TestSandboxRefusedPatchWriteIsAFailedPatch(t *testing.T) {
	tests := []struct {
		name string
		// patch returns the patch text, given the directory outside the
		// sandbox's writable roots.
		patch func(outside string) string
		// refused is the path, below outside, the failure must name.
		refused string
	}{
		{
			name: "add",
			patch: func(o string) string {
				return "*** Begin Patch\n*** Add File: " + filepath.Join(o, "new.txt") + "\n+x\n*** End Patch\n"
			},
			refused: "new.txt",
		},
		{
			name: "update",
			patch: func(o string) string {
				return "*** Begin Patch\n*** Update File: " + filepath.Join(o, "kept.txt") + "\n@@\n-kept\n+changed\n*** End Patch\n"
			},
			refused: "kept.txt",
		},
		{
			name: "delete",
			patch: func(o string) string {
				return "*** Begin Patch\n*** Delete File: " + filepath.Join(o, "kept.txt") + "\n*** End Patch\n"
			},
			refused: "kept.txt",
		},
		{
			name: "add in a new directory",
			patch: func(o string) string {
				return "*** Begin Patch\n*** Add File: " + filepath.Join(o, "sub", "new.txt") + "\n+x\n*** End Patch\n"
			},
			refused: filepath.Join("sub", "new.txt"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd, outside := workspace(t)
			require.NoError(t, os.WriteFile(filepath.Join(outside, "kept.txt"), []byte("kept\n"), 0o644))
			before := treeOf(t, outside)
			// The approval check is told that outside is writable too; the
			// sandbox, which computes its roots from the policy, disagrees.
			// This is what a directory swapped between the check and the
			// write amounts to.
			env := newEnv(t)
			env.WritableRoots = func(p protocol.SandboxPolicy, cwd string) []sandbox.WritableRoot {
				return append(sandbox.WritableRoots(p, cwd, os.Getenv), sandbox.WritableRoot{Root: outside})
			}
			h := newHarness(t, cwd, protocol.ApprovalNever, workspaceWrite())
			r := tools.Build(tools.Settings{Model: "gpt-5", IncludeApplyPatchTool: true}, env)
			out := dispatch(t, r, h, customPatch("p1", tt.patch(outside)))

			assert.Contains(t, out.Output, "patch failed")
			assert.Contains(t, out.Output, filepath.Join(outside, tt.refused))
			assert.False(t, strings.HasPrefix(out.Output, "Exit code: 0"), out.Output)
			events, _, asks := h.recorded()
			assert.Empty(t, asks)
			assertPatchPaired(t, events)
			begins := eventsOf[protocol.PatchApplyBeginEvent](h)
			require.Len(t, begins, 1)
			assert.True(t, begins[0].AutoApproved)
			ends := eventsOf[protocol.PatchApplyEndEvent](h)
			require.Len(t, ends, 1)
			assert.False(t, ends[0].Success)
			assert.Empty(t, ends[0].Stdout)
			assert.Contains(t, ends[0].Stderr, filepath.Join(outside, tt.refused))
			assert.True(t, refusedBySandbox(ends[0].Stderr), "stderr %q", ends[0].Stderr)
			assert.Equal(t, before, treeOf(t, outside), "the sandbox let the patch write outside the writable roots")
		})
	}
}

func TestUserApprovedPatchIsWrittenOutsideTheSandbox(t *testing.T) {
	cwd, outside := workspace(t)
	target := filepath.Join(outside, "x")
	h := newHarness(t, cwd, protocol.ApprovalOnRequest, workspaceWrite()).answerPatch(protocol.DecisionApproved)
	r := newRouter(t, tools.Settings{Model: "gpt-5", IncludeApplyPatchTool: true})
	out := dispatch(t, r, h, customPatch("p1", "*** Begin Patch\n*** Add File: "+target+"\n+hi\n*** End Patch\n"))
	assert.True(t, strings.HasPrefix(out.Output, "Exit code: 0"), out.Output)
	data, err := os.ReadFile(target)
	require.NoError(t, err)
	assert.Equal(t, "hi\n", string(data))
}

// raceOutcome counts how the racing patches ended.
type raceOutcome struct {
	applied, failed, refused, unverified int
	// denied counts the failures where the sandbox refused a write;
	// swapped those where the writer found a directory swapped.
	denied, swapped int
}

// changedEntries counts the entries of after that are not in before or
// differ from it.
func changedEntries(before, after map[string]string) int {
	n := 0
	for k, v := range after {
		if old, ok := before[k]; !ok || old != v {
			n++
		}
	}
	return n
}

func TestAutoApprovedPatchesStayInsideTheRootsWhileADirectoryIsSwapped(t *testing.T) {
	const (
		patches = 300
		workers = 8
	)
	cwd, outside := workspace(t)
	base := filepath.Dir(cwd)
	d := filepath.Join(cwd, "d")
	// alt is the other half of the swap: while d is the real directory,
	// alt is a link to outside, and the other way round.
	alt := filepath.Join(cwd, "alt")
	require.NoError(t, os.Mkdir(d, 0o755))
	require.NoError(t, os.Symlink(outside, alt))
	// Odd-numbered patches update a file that exists both in d and, with
	// the same content, outside: verification passes whichever d is.
	for n := 1; n < patches; n += 2 {
		name := fmt.Sprintf("f%d", n)
		require.NoError(t, os.WriteFile(filepath.Join(d, name), []byte("orig\n"), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(outside, name), []byte("orig\n"), 0o644))
	}
	outsideBefore := treeOf(t, outside)

	// The attacker swaps d and alt atomically, as fast as it can, until the
	// patches are done.
	ctx, stop := context.WithCancel(t.Context())
	var flips atomic.Int64
	attackerDone := make(chan error, 1)
	go func() {
		for ctx.Err() == nil {
			if err := unix.Renameat2(unix.AT_FDCWD, d, unix.AT_FDCWD, alt, unix.RENAME_EXCHANGE); err != nil {
				attackerDone <- err
				return
			}
			flips.Add(1)
		}
		attackerDone <- nil
	}()

	var (
		mu      sync.Mutex
		outcome raceOutcome
		applied []int
	)
	r := newRouter(t, tools.Settings{Model: "gpt-5", IncludeApplyPatchTool: true})
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range jobs {
				h := newHarness(t, cwd, protocol.ApprovalNever, workspaceWrite())
				text := fmt.Sprintf("*** Begin Patch\n*** Add File: d/f%d\n+patched %d\n*** End Patch\n", n, n)
				if n%2 == 1 {
					text = fmt.Sprintf("*** Begin Patch\n*** Update File: d/f%d\n@@\n-orig\n+patched %d\n*** End Patch\n", n, n)
				}
				out, err := r.Dispatch(ctx, h.turn, customPatch(fmt.Sprintf("p%d", n), text))
				if !assert.NoError(t, err) {
					continue
				}
				ends := eventsOf[protocol.PatchApplyEndEvent](h)
				mu.Lock()
				switch {
				case len(ends) == 1 && ends[0].Success:
					outcome.applied++
					applied = append(applied, n)
					assert.True(t, strings.HasPrefix(out.Output, "Exit code: 0"), out.Output)
				case len(ends) == 1:
					outcome.failed++
					assert.NotEmpty(t, ends[0].Stderr, "a failed patch says why")
					if refusedBySandbox(ends[0].Stderr) {
						outcome.denied++
					}
					if strings.Contains(ends[0].Stderr, "changed on disk") {
						outcome.swapped++
					}
				case strings.Contains(out.Output, "outside the writable roots"):
					outcome.refused++
				default:
					outcome.unverified++
				}
				mu.Unlock()
				for _, b := range eventsOf[protocol.PatchApplyBeginEvent](h) {
					assert.True(t, b.AutoApproved)
				}
			}
		}()
	}
	for n := range patches {
		jobs <- n
	}
	close(jobs)
	wg.Wait()
	stop()
	require.NoError(t, <-attackerDone)
	outsideAfter := treeOf(t, outside)
	landed := changedEntries(outsideBefore, outsideAfter)
	t.Logf("%d swaps; of %d patches %d applied, %d failed while applying (%d refused by the sandbox, %d found a directory swapped), "+
		"%d refused by the approval check, %d failed verification; %d landed outside the writable roots",
		flips.Load(), patches, outcome.applied, outcome.failed, outcome.denied, outcome.swapped, outcome.refused, outcome.unverified, landed)

	// Nothing changed outside the writable roots, and nothing appeared
	// next to them.
	assert.Zero(t, landed, "patches landed outside the writable roots")
	assert.Equal(t, outsideBefore, outsideAfter)
	entries, err := os.ReadDir(base)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"outside", "ws"}, names)
	assert.Equal(t, patches, outcome.applied+outcome.failed+outcome.refused+outcome.unverified)
	assert.Positive(t, flips.Load())

	// Every patch reported as applied is in the real directory, which is
	// now d or alt.
	real := d
	if info, err := os.Lstat(d); err == nil && info.Mode()&fs.ModeSymlink != 0 {
		real = alt
	}
	for _, n := range applied {
		data, err := os.ReadFile(filepath.Join(real, fmt.Sprintf("f%d", n)))
		if assert.NoError(t, err) {
			assert.Equal(t, fmt.Sprintf("patched %d\n", n), string(data))
		}
	}
}
