package patch

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// applyTracked verifies and applies patch text in dir, tracking its paths
// first as a turn would.
func applyTracked(t *testing.T, tr *TurnDiffTracker, dir, text string) {
	t.Helper()
	plan, err := Verify(mustParse(t, text), dir)
	require.NoError(t, err)
	require.NoError(t, tr.Track(plan.Paths()))
	_, err = plan.Apply()
	require.NoError(t, err)
}

func TestTurnDiffTrackerAcrossPatches(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.txt": "one\ntwo\nthree\n", "gone.txt": "bye\n"})
	tr := NewTurnDiffTracker()
	assert.Empty(t, tr.Diff(dir))

	applyTracked(t, tr, dir, "*** Begin Patch\n*** Update File: a.txt\n@@\n-one\n+ONE\n*** Add File: new.txt\n+hello\n*** End Patch")
	applyTracked(t, tr, dir, "*** Begin Patch\n*** Update File: a.txt\n@@\n-three\n+THREE\n*** Delete File: gone.txt\n*** End Patch")

	want := "diff --git a/a.txt b/a.txt\n" +
		"index " + gitBlobID("one\ntwo\nthree\n") + ".." + gitBlobID("ONE\ntwo\nTHREE\n") + " 100644\n" +
		"--- a/a.txt\n+++ b/a.txt\n" +
		"@@ -1,3 +1,3 @@\n-one\n+ONE\n two\n-three\n+THREE\n" +
		"diff --git a/gone.txt b/gone.txt\n" +
		"deleted file mode 100644\n" +
		"index " + gitBlobID("bye\n") + "..0000000000000000000000000000000000000000\n" +
		"--- a/gone.txt\n+++ /dev/null\n" +
		"@@ -1 +0,0 @@\n-bye\n" +
		"diff --git a/new.txt b/new.txt\n" +
		"new file mode 100644\n" +
		"index 0000000000000000000000000000000000000000.." + gitBlobID("hello\n") + "\n" +
		"--- /dev/null\n+++ b/new.txt\n" +
		"@@ -0,0 +1 @@\n+hello\n"
	assert.Equal(t, want, tr.Diff(dir))
}

func TestTurnDiffTrackerRevertedChangeIsEmpty(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.txt": "x\n"})
	tr := NewTurnDiffTracker()
	applyTracked(t, tr, dir, "*** Begin Patch\n*** Update File: a.txt\n@@\n-x\n+y\n*** Add File: tmp.txt\n+t\n*** End Patch")
	require.NotEmpty(t, tr.Diff(dir))
	applyTracked(t, tr, dir, "*** Begin Patch\n*** Update File: a.txt\n@@\n-y\n+x\n*** Delete File: tmp.txt\n*** End Patch")
	assert.Empty(t, tr.Diff(dir))
}

func TestTurnDiffTrackerOutsideRootAndModes(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	script := filepath.Join(outside, "s.sh")
	require.NoError(t, os.WriteFile(script, []byte("echo\n"), 0o644))
	tr := NewTurnDiffTracker()
	require.NoError(t, tr.Track([]string{script}))
	require.NoError(t, os.Chmod(script, 0o755))

	// Outside the root a file keeps its absolute path: "a//tmp/.../s.sh",
	// as codex-cli 0.45.0 names it.
	name := filepath.ToSlash(script)
	assert.Equal(t, "diff --git a/"+name+" b/"+name+"\nold mode 100644\nnew mode 100755\n", tr.Diff(root))

	// The first recorded state wins over later Track calls.
	require.NoError(t, os.WriteFile(script, []byte("echo hi\n"), 0o755))
	require.NoError(t, tr.Track([]string{script}))
	assert.Contains(t, tr.Diff(root), "-echo\n+echo hi\n")
}

func TestTurnDiffTrackerTrackError(t *testing.T) {
	dir := t.TempDir()
	tr := NewTurnDiffTracker()
	err := tr.Track([]string{dir})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is a directory")
	assert.Empty(t, tr.Diff(dir))
}

func TestGitBlobID(t *testing.T) {
	// Values printed by `git hash-object --stdin`.
	assert.Equal(t, "ce013625030ba8dba906f756967f9e9ca394464a", gitBlobID("hello\n"))
	assert.Equal(t, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391", gitBlobID(""))
}
